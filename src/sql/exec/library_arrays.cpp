// Spark 3.5's newer array functions (get, array_size, array_append / array_prepend /
// array_insert, array_compact), assert_true and raise_error. Array results are element picks from the input
// array's elements and the value column, materialised with one gather per batch (so every
// element type works), as collection_fns.cpp.
#include <algorithm>

#include "sql/columnar/builder.h"
#include "sql/exec/library.h"
#include "sql/kernels/collection_fns.h"
#include "sql/kernels/fn_util.h"

namespace spp::sql::exec::lib {

namespace {
using kern::Vec;
using A = std::vector<Vec>;

void raise(const EvalContext& ctx, const std::string& m) {
  if (ctx.error && ctx.error->empty()) *ctx.error = m;
}

struct ListIn {
  const col::Column& c;
  int64_t m;
  explicit ListIn(const Vec& v) : c(*v.col), m(v.constant ? 0 : 1) {}
  bool null(int64_t i) const { return c.id() == col::TypeId::Null || c.is_null(i * m); }
  int32_t lo(int64_t i) const { return c.offsets()[i * m]; }
  int32_t hi(int64_t i) const { return c.offsets()[i * m + 1]; }
};

// Per row a run of picks (source 0: the array's elements, 1: the value column; index -1: NULL).
struct Picks {
  std::vector<int32_t> off{0};
  std::vector<uint8_t> nulls;
  std::vector<uint32_t> src;
  std::vector<int32_t> idx;
  void add(uint32_t s, int32_t i) { src.push_back(s); idx.push_back(i); }
  void end_row(bool null = false) {
    off.push_back(int32_t(idx.size()));
    nulls.push_back(null);
  }
  Vec finish(const col::ColTypePtr& type, const std::vector<const col::Column*>& srcs) {
    const int64_t n = int64_t(nulls.size());
    auto out = std::make_shared<col::Column>();
    out->type = type;
    out->length = n;
    out->values = std::make_shared<col::Buffer>(off.size() * 4);
    std::copy(off.begin(), off.end(), out->values->as<int32_t>());
    uint8_t* bits = nullptr;
    for (int64_t i = 0; i < n; ++i)
      if (nulls[size_t(i)]) {
        if (!bits) bits = col::ensure_validity(*out);
        col::clear_bit(bits, i);
      }
    if (bits) col::finish_validity(*out);
    const int64_t m = int64_t(idx.size());
    out->children.push_back(srcs.size() == 1 ? col::gather(*srcs[0], idx.data(), m)
                                             : col::gather_multi(srcs, src.data(), idx.data(), m));
    return Vec::flat(out);
  }
};

const col::Column& elems_or(const Vec& arr, const Vec& fallback) {
  return arr.col->id() == col::TypeId::Null || arr.col->children.empty() ? *fallback.col : *arr.col->children[0];
}

// array_append (at_end) / array_prepend: a NULL array gives NULL, a NULL value is added.
Vec add_element(const Vec& arr, const Vec& v, bool at_end, const col::ColTypePtr& type, int64_t n) {
  ListIn L(arr);
  const int32_t vm = v.constant ? 0 : 1;
  Picks p;
  for (int64_t i = 0; i < n; ++i) {
    if (L.null(i)) { p.end_row(true); continue; }
    if (!at_end) p.add(1, int32_t(i) * vm);
    for (int32_t k = L.lo(i); k < L.hi(i); ++k) p.add(0, k);
    if (at_end) p.add(1, int32_t(i) * vm);
    p.end_row();
  }
  return p.finish(type, {&elems_or(arr, v), v.col.get()});
}

// array_insert(arr, pos, v), Spark 3.5 (spark.sql.legacy.negativeIndexInArrayInsert=false):
// pos 1-based, -1 appends; past either end the gap is filled with NULLs.
Vec array_insert(const Vec& arr, const Vec& pos, const Vec& v, const col::ColTypePtr& type, int64_t n,
                 const EvalContext& ctx) {
  ListIn L(arr);
  kern::FixArg<int32_t> P(pos);
  const int32_t vm = v.constant ? 0 : 1;
  Picks p;
  for (int64_t i = 0; i < n; ++i) {
    if (L.null(i) || P.null(i)) { p.end_row(true); continue; }
    const int64_t lo = L.lo(i), len = L.hi(i) - lo, at = P[i];
    if (at == 0) {
      raise(ctx, "[INVALID_INDEX_OF_ZERO] The index 0 is invalid. An index shall be either < 0 or > 0 (the first "
                 "element has index 1).");
      p.end_row(true);
      continue;
    }
    const int32_t val = int32_t(i) * vm;
    if (at > 0) {
      const int64_t k = at - 1;
      for (int64_t j = 0; j < std::min(k, len); ++j) p.add(0, int32_t(lo + j));
      for (int64_t j = len; j < k; ++j) p.add(0, -1);
      p.add(1, val);
      for (int64_t j = k; j < len; ++j) p.add(0, int32_t(lo + j));
    } else {
      const int64_t k = len + at + 1;  // index of the new element
      if (k < 0) {
        p.add(1, val);
        for (int64_t j = 0; j < -k; ++j) p.add(0, -1);
        for (int64_t j = 0; j < len; ++j) p.add(0, int32_t(lo + j));
      } else {
        for (int64_t j = 0; j < k; ++j) p.add(0, int32_t(lo + j));
        p.add(1, val);
        for (int64_t j = k; j < len; ++j) p.add(0, int32_t(lo + j));
      }
    }
    p.end_row();
  }
  return p.finish(type, {&elems_or(arr, v), v.col.get()});
}

Vec array_compact(const Vec& arr, const col::ColTypePtr& type, int64_t n) {
  ListIn L(arr);
  const col::Column& e = *arr.col->children[0];
  Picks p;
  for (int64_t i = 0; i < n; ++i) {
    if (L.null(i)) { p.end_row(true); continue; }
    for (int32_t k = L.lo(i); k < L.hi(i); ++k)
      if (!e.is_null(k)) p.add(0, k);
    p.end_row();
  }
  return p.finish(type, {&e});
}

Vec array_size(const Vec& arr, int64_t n) {
  ListIn L(arr);
  return kern::gen_fixed<int32_t>(kern::type_of(col::TypeId::Int), n, [&](int64_t i, int32_t& out) {
    if (L.null(i)) return false;
    out = L.hi(i) - L.lo(i);
    return true;
  });
}

// get(arr, i): 0-based element_at; negative indexes give NULL.
Vec get(const Vec& arr, const Vec& idx, int64_t n) {
  kern::FixArg<int32_t> I(idx);
  const int64_t m = idx.constant ? 1 : n;
  auto one_based = col::make_fixed_column(kern::type_of(col::TypeId::Long), m);
  int64_t* o = one_based->values->as<int64_t>();
  uint8_t* bits = nullptr;
  for (int64_t i = 0; i < m; ++i) {
    if (I.null(i)) {
      if (!bits) bits = col::ensure_validity(*one_based);
      col::clear_bit(bits, i);
      continue;
    }
    o[i] = I[i] < 0 ? 0 : int64_t(I[i]) + 1;  // 0: NULL in element_at's kernel
  }
  if (bits) col::finish_validity(*one_based);
  return kern::element_at(arr, idx.constant ? Vec::constant_of(one_based) : Vec::flat(one_based), n);
}

// assert_true(cond, msg): NULL, or the message raised for a row whose condition is not true.
Vec assert_true(const A& x, const col::ColTypePtr& type, int64_t n, const EvalContext& ctx) {
  kern::BoolArg C(x[0]);
  kern::StrArg M(x[1]);
  for (int64_t i = 0; i < n; ++i)
    if (C.null(i) || !C[i]) {
      raise(ctx, "java.lang.RuntimeException" + (M.null(i) ? std::string() : ": " + std::string(M[i])));
      break;
    }
  return Vec::flat(col::make_null_column(type, n));
}

// raise_error(msg): RaiseError.eval throws `new RuntimeException(msg)` for the first row.
Vec raise_error(const A& x, const col::ColTypePtr& type, int64_t n, const EvalContext& ctx) {
  kern::StrArg M(x[0]);
  if (n > 0) raise(ctx, "java.lang.RuntimeException" + (M.null(0) ? std::string() : ": " + std::string(M[0])));
  return Vec::flat(col::make_null_column(type, n));
}
}  // namespace

std::optional<Result<ExprPtr>> lower_array_extra_call(const std::string& name, std::vector<ExprPtr>& a,
                                                      const col::ColTypePtr& type) {
  if (name == "get") return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return get(x[0], x[1], n); });
  if (name == "array_size") return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return array_size(x[0], n); });
  if (name == "array_append" || name == "array_prepend") {
    bool end = name == "array_append";
    return bind_kernel(a, type, [end, type](const A& x, int64_t n, const EvalContext&) {
      return add_element(x[0], x[1], end, type, n);
    });
  }
  if (name == "array_insert")
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext& ctx) {
      return array_insert(x[0], x[1], x[2], type, n, ctx);
    });
  if (name == "array_compact")
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext&) { return array_compact(x[0], type, n); });
  if (name == "raise_error")
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext& ctx) { return raise_error(x, type, n, ctx); });
  if (name == "assert_true")
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext& ctx) { return assert_true(x, type, n, ctx); });
  return std::nullopt;
}

}  // namespace spp::sql::exec::lib
