// Higher-order functions with lambdas, evaluated a batch at a time (no per-element
// interpretation): the elements of every row's array (or map) are flattened into one batch, the
// lambda's variables are columns of that batch — the element, its index, the other side of a
// zip, the accumulator —, the columns of the enclosing row the body reads are repeated once per
// element, the body is evaluated by the ordinary expression evaluator over that batch, and the
// result's offsets are rebuilt from the input's. aggregate() steps all rows at once, one element
// position per step; array_sort(arr, cmp) evaluates each row's comparisons as one batch.
// Semantics: Spark 3.5's higherOrderFunctions.scala (ArrayTransform … MapZipWith, ArraySort).
#include <algorithm>
#include <map>
#include <set>

#include "sql/columnar/builder.h"
#include "sql/exec/library.h"
#include "sql/exec/lower_internal.h"
#include "sql/kernels/compare.h"
#include "sql/kernels/fn_util.h"
#include "sql/kernels/map_fns.h"

namespace spp::sql::exec {
using nlohmann::json;

namespace {

using col::Column;
using col::ColumnPtr;
using kern::Vec;

bool is_lambda_json(const json& a) { return a.value("kind", "") == "call" && a.value("name", "") == "lambdafunction"; }

// Attribute ids a lambda body reads from the enclosing row: every attribute that is not a
// variable of this lambda or of a lambda nested in it.
void outer_refs(const json& e, std::set<int64_t>& declared, std::vector<json>& out, std::set<int64_t>& seen) {
  if (e.value("kind", "") == "attr") {
    int64_t id = e.value("id", int64_t{-1});
    if (!declared.count(id) && seen.insert(id).second) out.push_back(e);
    return;
  }
  if (!e.contains("args")) return;
  if (is_lambda_json(e))
    for (size_t k = 1; k < e["args"].size(); ++k) declared.insert(e["args"][k].value("id", int64_t{-1}));
  for (const auto& a : e["args"]) outer_refs(a, declared, out, seen);
}

// A flat view of an array/map argument (constant: every row reads row 0).
struct ListArg {
  ColumnPtr c;
  bool k;
  explicit ListArg(const Vec& v) : c(v.col), k(v.constant) {}
  int64_t row(int64_t i) const { return k ? 0 : i; }
  bool null(int64_t i) const { return c->is_null(row(i)); }
  int32_t lo(int64_t i) const { return c->offsets()[row(i)]; }
  int32_t len(int64_t i) const { return null(i) ? 0 : c->offsets()[row(i) + 1] - c->offsets()[row(i)]; }
  const Column& elems() const { return *c->children[0]; }
};

ColumnPtr retyped(const ColumnPtr& c, const ColTypePtr& t) {
  if (c->type == t || *c->type == *t) return c;
  auto x = std::make_shared<Column>(*c);
  x->type = t;
  return x;
}

// Rows `idx` of v (idx < 0: NULL), a constant broadcast.
ColumnPtr pick(const Vec& v, const std::vector<int32_t>& idx) {
  if (!v.constant) return col::gather(*v.col, idx.data(), int64_t(idx.size()));
  std::vector<int32_t> z(idx.size());
  for (size_t i = 0; i < idx.size(); ++i) z[i] = idx[i] < 0 ? -1 : 0;
  return col::gather(*v.col, z.data(), int64_t(z.size()));
}

// A list (array or map) column: n rows, offsets, validity from `null_row`, child.
ColumnPtr make_list(const ColTypePtr& t, const std::vector<int32_t>& off, const std::vector<uint8_t>& null_row,
                    ColumnPtr child) {
  auto out = std::make_shared<Column>();
  out->type = t;
  out->length = int64_t(null_row.size());
  out->values = std::make_shared<col::Buffer>(off.size() * 4);
  std::copy(off.begin(), off.end(), out->values->as<int32_t>());
  if (std::find(null_row.begin(), null_row.end(), 1) != null_row.end()) {
    uint8_t* bits = col::ensure_validity(*out);
    for (size_t i = 0; i < null_row.size(); ++i) if (null_row[i]) col::clear_bit(bits, int64_t(i));
    col::finish_validity(*out);
  }
  out->children.push_back(retyped(child, col::list_child_type(*t)));
  return out;
}

// The struct<key, value> entries column of a map.
ColumnPtr make_entries(const ColTypePtr& map_type, ColumnPtr keys, ColumnPtr values) {
  auto st = col::list_child_type(*map_type);
  auto e = std::make_shared<Column>();
  e->type = st;
  e->length = keys->length;
  e->children = {retyped(keys, col::make_type(st->children[0])), retyped(values, col::make_type(st->children[1]))};
  return e;
}

struct LoweredLambda {
  ExprPtr body;
  size_t nvars = 0;
};

// What a higher-order kernel gets: its plain arguments, the enclosing row's columns its lambdas
// read, and the lambdas lowered over [variables…, those columns…].
struct Hof {
  std::string name;
  ColTypePtr type;
  size_t nplain = 0, nouter = 0;
  std::vector<LoweredLambda> fns;

  // The batch a lambda runs over: its variables' columns, then the outer columns at `rows`.
  col::Batch batch(std::vector<ColumnPtr> vars, const std::vector<Vec>& args, const std::vector<int32_t>& rows) const {
    col::Batch b;
    b.num_rows = int64_t(rows.size());
    b.columns = std::move(vars);
    for (size_t k = 0; k < nouter; ++k) b.columns.push_back(pick(args[nplain + k], rows));
    return b;
  }
  ColumnPtr run(size_t f, std::vector<ColumnPtr> vars, const std::vector<Vec>& args, const std::vector<int32_t>& rows,
                const EvalContext& ctx) const {
    return eval_flat(*fns[f].body, batch(std::move(vars), args, rows), ctx);
  }
};

// Elements of the valid rows, in row order: parent row, index into the element column, position.
struct Flat {
  std::vector<int32_t> parent, elem, pos, off{0};
  std::vector<uint8_t> null_row;
};
Flat flatten(const ListArg& l, int64_t n) {
  Flat f;
  for (int64_t i = 0; i < n; ++i) {
    bool nul = l.null(i);
    f.null_row.push_back(nul);
    int32_t len = l.len(i), lo = nul ? 0 : l.lo(i);
    for (int32_t j = 0; j < len; ++j) {
      f.parent.push_back(int32_t(i));
      f.elem.push_back(lo + j);
      f.pos.push_back(j);
    }
    f.off.push_back(int32_t(f.elem.size()));
  }
  return f;
}

ColumnPtr int_column(const std::vector<int32_t>& v) {
  auto c = col::make_fixed_column(kern::type_of(col::TypeId::Int), int64_t(v.size()));
  std::copy(v.begin(), v.end(), c->values->as<int32_t>());
  return c;
}

// transform / filter / exists / forall over arrays.
Vec array_hof(const Hof& h, const std::vector<Vec>& a, int64_t n, const EvalContext& ctx) {
  ListArg l(a[0]);
  Flat f = flatten(l, n);
  std::vector<ColumnPtr> vars{col::gather(l.elems(), f.elem.data(), int64_t(f.elem.size()))};
  if (h.fns[0].nvars == 2) vars.push_back(int_column(f.pos));
  ColumnPtr r = h.run(0, vars, a, f.parent, ctx);
  if (h.name == "transform") return Vec::flat(make_list(h.type, f.off, f.null_row, r));
  if (h.name == "filter") {
    std::vector<int32_t> keep, off{0};
    for (int64_t i = 0; i < n; ++i) {
      for (int32_t k = f.off[size_t(i)]; k < f.off[size_t(i) + 1]; ++k)
        if (r->is_valid(k) && r->bool_at(k)) keep.push_back(f.elem[size_t(k)]);
      off.push_back(int32_t(keep.size()));
    }
    return Vec::flat(make_list(h.type, off, f.null_row, col::gather(l.elems(), keep.data(), int64_t(keep.size()))));
  }
  // exists: any true, else NULL if a NULL was seen, else false; forall: any false, else NULL / true.
  const bool exists = h.name == "exists";
  return kern::gen_bool(n, [&](int64_t i, bool& out) {
    if (f.null_row[size_t(i)]) return false;
    bool hit = false, saw_null = false;
    for (int32_t k = f.off[size_t(i)]; k < f.off[size_t(i) + 1] && !hit; ++k) {
      if (!r->is_valid(k)) saw_null = true;
      else if (r->bool_at(k) == exists) hit = true;
    }
    if (hit) { out = exists; return true; }
    if (saw_null) return false;
    out = !exists;
    return true;
  });
}

// aggregate(arr, zero, merge, finish): every row's accumulator advances one element per step.
Vec aggregate_hof(const Hof& h, const std::vector<Vec>& a, int64_t n, const EvalContext& ctx) {
  ListArg l(a[0]);
  std::vector<int32_t> all(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) all[size_t(i)] = int32_t(i);
  ColumnPtr acc = pick(a[1], all);
  int32_t longest = 0;
  for (int64_t i = 0; i < n; ++i) longest = std::max(longest, l.len(i));
  for (int32_t k = 0; k < longest; ++k) {
    std::vector<int32_t> rows, elems;
    for (int64_t i = 0; i < n; ++i)
      if (l.len(i) > k) { rows.push_back(int32_t(i)); elems.push_back(l.lo(i) + k); }
    ColumnPtr cur = col::gather(*acc, rows.data(), int64_t(rows.size()));
    ColumnPtr x = col::gather(l.elems(), elems.data(), int64_t(elems.size()));
    ColumnPtr r = retyped(h.run(0, {cur, x}, a, rows, ctx), acc->type);
    std::vector<uint32_t> src(static_cast<size_t>(n), 0);
    std::vector<int32_t> idx = all;
    for (size_t j = 0; j < rows.size(); ++j) { src[size_t(rows[j])] = 1; idx[size_t(rows[j])] = int32_t(j); }
    acc = col::gather_multi({acc.get(), r.get()}, src.data(), idx.data(), n);
  }
  ColumnPtr out = h.run(1, {acc}, a, all, ctx);
  std::vector<int32_t> keep = all;
  bool any_null = false;
  for (int64_t i = 0; i < n; ++i) if (l.null(i)) { keep[size_t(i)] = -1; any_null = true; }
  if (any_null) out = col::gather(*out, keep.data(), n);
  return Vec::flat(retyped(out, h.type));
}

// zip_with(left, right, f): as long as the longer array, the shorter padded with NULLs.
Vec zip_with_hof(const Hof& h, const std::vector<Vec>& a, int64_t n, const EvalContext& ctx) {
  ListArg x(a[0]), y(a[1]);
  std::vector<int32_t> xi, yi, parent, off{0};
  std::vector<uint8_t> null_row;
  for (int64_t i = 0; i < n; ++i) {
    bool nul = x.null(i) || y.null(i);
    null_row.push_back(nul);
    int32_t lx = nul ? 0 : x.len(i), ly = nul ? 0 : y.len(i);
    for (int32_t k = 0; k < std::max(lx, ly); ++k) {
      xi.push_back(k < lx ? x.lo(i) + k : -1);
      yi.push_back(k < ly ? y.lo(i) + k : -1);
      parent.push_back(int32_t(i));
    }
    off.push_back(int32_t(parent.size()));
  }
  const int64_t m = int64_t(parent.size());
  ColumnPtr r = h.run(0, {col::gather(x.elems(), xi.data(), m), col::gather(y.elems(), yi.data(), m)}, a, parent, ctx);
  return Vec::flat(make_list(h.type, off, null_row, r));
}

// transform_keys / transform_values / map_filter.
Vec map_hof(const Hof& h, const std::vector<Vec>& a, int64_t n, const EvalContext& ctx) {
  ListArg l(a[0]);
  Flat f = flatten(l, n);
  const int64_t m = int64_t(f.elem.size());
  const Column& entries = l.elems();
  ColumnPtr keys = col::gather(*entries.children[0], f.elem.data(), m);
  ColumnPtr vals = col::gather(*entries.children[1], f.elem.data(), m);
  ColumnPtr r = h.run(0, {keys, vals}, a, f.parent, ctx);
  if (h.name == "transform_values") return Vec::flat(make_list(h.type, f.off, f.null_row, make_entries(h.type, keys, r)));
  if (h.name == "map_filter") {
    std::vector<int32_t> keep, off{0};
    for (int64_t i = 0; i < n; ++i) {
      for (int32_t k = f.off[size_t(i)]; k < f.off[size_t(i) + 1]; ++k)
        if (r->is_valid(k) && r->bool_at(k)) keep.push_back(f.elem[size_t(k)]);
      off.push_back(int32_t(keep.size()));
    }
    return Vec::flat(make_list(h.type, off, f.null_row, col::gather(entries, keep.data(), int64_t(keep.size()))));
  }
  // transform_keys: the new keys deduplicated as map_from_arrays does.
  auto kt = col::make_type(col::ColType::array(*r->type, true));
  auto vt = col::make_type(col::ColType::array(*vals->type, true));
  ColumnPtr ka = make_list(kt, f.off, f.null_row, r), va = make_list(vt, f.off, f.null_row, vals);
  return kern::map_from_arrays(Vec::flat(ka), Vec::flat(va), h.type, n);
}

// map_zip_with(m1, m2, f): m1's keys (first occurrence) in order, then m2's new ones.
Vec map_zip_with_hof(const Hof& h, const std::vector<Vec>& a, int64_t n, const EvalContext& ctx) {
  ListArg x(a[0]), y(a[1]);
  const Column& kx = *x.elems().children[0];
  ColumnPtr kyc = retyped(y.elems().children[0], kx.type);
  const Column& ky = *kyc;
  std::vector<uint32_t> ksrc;
  std::vector<int32_t> kidx, i1, i2, parent, off{0};
  std::vector<uint8_t> null_row;
  for (int64_t i = 0; i < n; ++i) {
    bool nul = x.null(i) || y.null(i);
    null_row.push_back(nul);
    if (!nul) {
      const size_t start = kidx.size();
      auto find = [&](const Column& c, int64_t j) -> int64_t {
        for (size_t q = start; q < kidx.size(); ++q)
          if (kern::equal_rows(ksrc[q] ? ky : kx, kidx[q], c, j)) return int64_t(q);
        return -1;
      };
      for (int32_t j = x.lo(i); j < x.lo(i) + x.len(i); ++j)
        if (find(kx, j) < 0) { ksrc.push_back(0); kidx.push_back(j); i1.push_back(j); i2.push_back(-1); }
      for (int32_t j = y.lo(i); j < y.lo(i) + y.len(i); ++j) {
        int64_t q = find(ky, j);
        if (q < 0) { ksrc.push_back(1); kidx.push_back(j); i1.push_back(-1); i2.push_back(j); }
        else if (i2[size_t(q)] < 0) i2[size_t(q)] = j;
      }
      parent.resize(kidx.size(), int32_t(i));
    }
    off.push_back(int32_t(kidx.size()));
  }
  const int64_t m = int64_t(kidx.size());
  ColumnPtr keys = col::gather_multi({&kx, &ky}, ksrc.data(), kidx.data(), m);
  ColumnPtr v1 = col::gather(*x.elems().children[1], i1.data(), m);
  ColumnPtr v2 = col::gather(*y.elems().children[1], i2.data(), m);
  ColumnPtr r = h.run(0, {keys, v1, v2}, a, parent, ctx);
  return Vec::flat(make_list(h.type, off, null_row, make_entries(h.type, keys, r)));
}

// array_sort(arr, cmp): each row's comparisons evaluated as one batch (all ordered pairs), then
// a stable sort (java.util.Arrays.sort of objects is a stable merge sort too). Rows are grouped so
// a batch holds at most kPairs pairs; a longer row runs its comparisons one sort step at a time.
Vec array_sort_hof(const Hof& h, const std::vector<Vec>& a, int64_t n, const EvalContext& ctx) {
  constexpr int64_t kPairs = int64_t(1) << 21;
  ListArg l(a[0]);
  const Column& el = l.elems();
  std::vector<int32_t> order, off{0};
  std::vector<uint8_t> null_row;
  std::string err;
  auto cmp_result = [&](const Column& r, int64_t k) -> int32_t {
    if (r.is_valid(k)) return r.vals<int32_t>()[k];
    if (err.empty())
      err = "[COMPARATOR_RETURNS_NULL] The comparator has returned a NULL for a comparison between " +
            std::string("the elements") + ". It should return a positive integer for \"greater than\", 0 for \"equal\" and "
            "a negative integer for \"less than\". To revert to deprecated behavior where NULL is treated as 0 (equal), you "
            "must set \"spark.sql.legacy.allowNullComparisonResultInArraySort\" to \"true\".";
    return 0;
  };
  int64_t i = 0;
  while (i < n) {
    // A group of rows whose pairs fit one batch (at least one row).
    int64_t j = i, pairs = 0;
    while (j < n) {
      int64_t len = l.len(j);
      if (j > i && pairs + len * len > kPairs) break;
      pairs += len * len;
      ++j;
      if (len * len > kPairs) break;
    }
    const bool big = j == i + 1 && int64_t(l.len(i)) * l.len(i) > kPairs;
    std::vector<int32_t> xs, ys, parent;
    if (!big)
      for (int64_t r = i; r < j; ++r)
        for (int32_t p = 0; p < l.len(r); ++p)
          for (int32_t q = 0; q < l.len(r); ++q) {
            xs.push_back(l.lo(r) + p);
            ys.push_back(l.lo(r) + q);
            parent.push_back(int32_t(r));
          }
    ColumnPtr res;
    if (!big && !xs.empty()) {
      const int64_t m = int64_t(xs.size());
      res = h.run(0, {col::gather(el, xs.data(), m), col::gather(el, ys.data(), m)}, a, parent, ctx);
    }
    int64_t base = 0;
    for (int64_t r = i; r < j; ++r) {
      null_row.push_back(l.null(r));
      const int32_t len = l.len(r), lo = len ? l.lo(r) : 0;
      std::vector<int32_t> idx(static_cast<size_t>(len));
      for (int32_t p = 0; p < len; ++p) idx[size_t(p)] = p;
      if (el.id() != col::TypeId::Null && len > 1) {
        if (big) {
          std::stable_sort(idx.begin(), idx.end(), [&](int32_t p, int32_t q) {
            std::vector<int32_t> one{int32_t(r)}, xp{lo + p}, xq{lo + q};
            ColumnPtr c = h.run(0, {col::gather(el, xp.data(), 1), col::gather(el, xq.data(), 1)}, a, one, ctx);
            return cmp_result(*c, 0) < 0;
          });
        } else {
          std::stable_sort(idx.begin(), idx.end(),
                           [&](int32_t p, int32_t q) { return cmp_result(*res, base + int64_t(p) * len + q) < 0; });
        }
      }
      base += int64_t(len) * len;
      for (int32_t p : idx) order.push_back(lo + p);
      off.push_back(int32_t(order.size()));
    }
    i = j;
  }
  if (!err.empty() && ctx.error && ctx.error->empty()) *ctx.error = err;
  return Vec::flat(make_list(h.type, off, null_row, col::gather(el, order.data(), int64_t(order.size()))));
}

}  // namespace

std::optional<Result<ExprPtr>> lower_higher_order_call(const json& e, const json& input) {
  const json& args_j = args_of(e);
  bool any = false;
  for (const auto& a : args_j) any |= is_lambda_json(a);
  if (!any) return std::nullopt;
  auto h = std::make_shared<Hof>();
  h->name = e.value("name", "");
  if (h->name == "reduce") h->name = "aggregate";
  auto t = type_of_json(e);
  if (!t) return Result<ExprPtr>::error(t.error_message());
  h->type = t.value();
  std::vector<ExprPtr> args;
  std::vector<json> outer;
  std::set<int64_t> seen;
  for (const auto& a : args_j) {
    if (is_lambda_json(a)) {
      std::set<int64_t> declared;
      outer_refs(a, declared, outer, seen);
      continue;
    }
    auto x = lower_expr(a, input);
    if (!x) return x;
    args.push_back(x.value());
  }
  h->nplain = args.size();
  h->nouter = outer.size();
  for (const auto& o : outer) {
    auto x = lower_expr(o, input);
    if (!x) return x;
    args.push_back(x.value());
  }
  for (const auto& a : args_j) {
    if (!is_lambda_json(a)) continue;
    json fake = json::array();
    for (size_t k = 1; k < a["args"].size(); ++k) fake.push_back(a["args"][k]);
    for (const auto& o : outer) fake.push_back(o);
    auto body = lower_expr(a["args"][0], fake);
    if (!body) return body;
    h->fns.push_back({body.value(), a["args"].size() - 1});
  }
  const std::string& n = h->name;
  LibKernel k;
  if (n == "transform" || n == "filter" || n == "exists" || n == "forall")
    k = [h](const std::vector<Vec>& a, int64_t rows, const EvalContext& ctx) { return array_hof(*h, a, rows, ctx); };
  else if (n == "aggregate" && h->fns.size() == 2)
    k = [h](const std::vector<Vec>& a, int64_t rows, const EvalContext& ctx) { return aggregate_hof(*h, a, rows, ctx); };
  else if (n == "zip_with")
    k = [h](const std::vector<Vec>& a, int64_t rows, const EvalContext& ctx) { return zip_with_hof(*h, a, rows, ctx); };
  else if (n == "transform_keys" || n == "transform_values" || n == "map_filter")
    k = [h](const std::vector<Vec>& a, int64_t rows, const EvalContext& ctx) { return map_hof(*h, a, rows, ctx); };
  else if (n == "map_zip_with")
    k = [h](const std::vector<Vec>& a, int64_t rows, const EvalContext& ctx) { return map_zip_with_hof(*h, a, rows, ctx); };
  else if (n == "array_sort")
    k = [h](const std::vector<Vec>& a, int64_t rows, const EvalContext& ctx) { return array_sort_hof(*h, a, rows, ctx); };
  else
    return Result<ExprPtr>::error("the native engine cannot evaluate " + n + "() with a lambda yet");
  return lib::bind_kernel(std::move(args), h->type, std::move(k));
}

}  // namespace spp::sql::exec
