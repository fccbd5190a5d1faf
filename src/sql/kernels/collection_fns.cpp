// Array kernels (collection_fns.h): rows are walked through the list offsets; array results
// are collected as element picks (source, index) and materialised with one gather per batch.
#include "sql/kernels/collection_fns.h"

#include <algorithm>
#include <unordered_map>

#include "sql/columnar/builder.h"
#include "sql/kernels/compare.h"
#include "sql/kernels/hash.h"

namespace spp::sql::kern {

namespace {

// An array argument, flat or constant.
struct ListIn {
  const Column& c;
  bool k;
  explicit ListIn(const Vec& v) : c(*v.col), k(v.constant) {}
  int64_t row(int64_t i) const { return k ? 0 : i; }
  bool null(int64_t i) const { return c.is_null(row(i)); }
  int32_t lo(int64_t i) const { return c.offsets()[row(i)]; }
  int32_t hi(int64_t i) const { return c.offsets()[row(i) + 1]; }
  const Column& elems() const { return *c.children[0]; }
};

inline int64_t at(const Vec& v, int64_t i) { return v.constant ? 0 : i; }
inline bool null_at(const Vec& v, int64_t i) { return v.col->is_null(at(v, i)); }

int64_t int_at(const Vec& v, int64_t i) {
  const Column& c = *v.col;
  int64_t r = at(v, i);
  switch (c.id()) {
    case TypeId::Byte: return c.vals<int8_t>()[r];
    case TypeId::Short: return c.vals<int16_t>()[r];
    case TypeId::Long: return c.vals<int64_t>()[r];
    default: return c.vals<int32_t>()[r];
  }
}

// Array results: per row a run of picked elements (srcs[src], idx) or NULL.
struct ListOut {
  std::vector<int32_t> off{0};
  std::vector<uint8_t> nulls;
  std::vector<uint32_t> src;
  std::vector<int32_t> idx;
  bool any_null = false;

  void add(int32_t i, uint32_t s = 0) { src.push_back(s); idx.push_back(i); }
  void end_row(bool is_null = false) {
    off.push_back(int32_t(idx.size()));
    nulls.push_back(is_null);
    any_null |= is_null;
  }
  Vec finish(const ColTypePtr& type, const std::vector<const Column*>& srcs) {
    const int64_t n = int64_t(nulls.size());
    auto out = std::make_shared<Column>();
    out->type = type;
    out->length = n;
    out->values = std::make_shared<col::Buffer>(off.size() * 4);
    std::copy(off.begin(), off.end(), out->values->as<int32_t>());
    if (any_null) {
      uint8_t* bits = col::ensure_validity(*out);
      for (int64_t i = 0; i < n; ++i) if (nulls[size_t(i)]) col::clear_bit(bits, i);
      col::finish_validity(*out);
    }
    const int64_t m = int64_t(idx.size());
    if (srcs.size() == 1) out->children.push_back(col::gather(*srcs[0], idx.data(), m));
    else out->children.push_back(col::gather_multi(srcs, src.data(), idx.data(), m));
    return Vec::flat(out);
  }
};

// Boolean / bigint results with a validity bitmap.
struct ScalarOut {
  ColumnPtr c;
  uint8_t* bits = nullptr;
  ScalarOut(ColTypePtr t, int64_t n) : c(t->id == TypeId::Boolean ? new_bool(n) : new_fixed(std::move(t), n)) {}
  void set_null(int64_t i) {
    if (!bits) bits = col::ensure_validity(*c);
    col::clear_bit(bits, i);
  }
  Vec finish() {
    if (bits) col::finish_validity(*c);
    return Vec::flat(c);
  }
};

// Element hashes of whole child columns, so set operations compare hashes before values.
std::vector<int32_t> elem_hashes(const Column& c) {
  std::vector<int32_t> h(size_t(c.length), kSparkHashSeed);
  if (c.length) hash_into(c, false, h.data(), c.length);
  return h;
}

// The distinct non-NULL elements of one row, drawn from up to two sources.
class ElemSet {
 public:
  ElemSet(std::vector<const Column*> srcs, std::vector<const std::vector<int32_t>*> hashes)
      : srcs_(std::move(srcs)), hashes_(std::move(hashes)) {}
  void clear() { items_.clear(); big_.clear(); }
  bool contains(uint32_t s, int32_t i) const { return find(s, i); }
  // true when the element was not there yet.
  bool insert(uint32_t s, int32_t i) {
    if (find(s, i)) return false;
    int32_t h = (*hashes_[s])[size_t(i)];
    items_.push_back({h, s, i});
    if (items_.size() > kLinear) {
      if (big_.empty()) for (size_t k = 0; k < items_.size(); ++k) big_.emplace(items_[k].h, k);
      else big_.emplace(h, items_.size() - 1);
    }
    return true;
  }

 private:
  static constexpr size_t kLinear = 32;  // small rows: a scan beats hashing into a map
  struct Item { int32_t h; uint32_t s; int32_t i; };
  bool same(const Item& it, int32_t h, uint32_t s, int32_t i) const {
    return it.h == h && equal_rows(*srcs_[it.s], it.i, *srcs_[s], i);
  }
  bool find(uint32_t s, int32_t i) const {
    int32_t h = (*hashes_[s])[size_t(i)];
    if (items_.size() <= kLinear) {
      for (const auto& it : items_) if (same(it, h, s, i)) return true;
      return false;
    }
    auto [b, e] = big_.equal_range(h);
    for (auto p = b; p != e; ++p) if (same(items_[p->second], h, s, i)) return true;
    return false;
  }
  std::vector<const Column*> srcs_;
  std::vector<const std::vector<int32_t>*> hashes_;
  std::vector<Item> items_;
  std::unordered_multimap<int32_t, size_t> big_;
};

// First element of row i of `arr` equal to row i of `v` (-1: none; NULL elements never match).
int32_t find_elem(const ListIn& a, const Vec& v, int64_t i) {
  const Column& e = a.elems();
  for (int32_t k = a.lo(i), hi = a.hi(i); k < hi; ++k)
    if (e.is_valid(k) && equal_rows(e, k, *v.col, at(v, i))) return k;
  return -1;
}

}  // namespace

Vec array_contains(const Vec& arr, const Vec& v, int64_t n) {
  ListIn a(arr);
  ScalarOut o(type_of(TypeId::Boolean), n);
  uint8_t* vals = o.c->values->data();
  for (int64_t i = 0; i < n; ++i) {
    if (a.null(i) || null_at(v, i)) { o.set_null(i); continue; }
    if (find_elem(a, v, i) >= 0) { col::set_bit(vals, i); continue; }
    for (int32_t k = a.lo(i), hi = a.hi(i); k < hi; ++k)
      if (a.elems().is_null(k)) { o.set_null(i); break; }
  }
  return o.finish();
}

Vec array_position(const Vec& arr, const Vec& v, int64_t n) {
  ListIn a(arr);
  ScalarOut o(type_of(TypeId::Long), n);
  int64_t* vals = o.c->values->as<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    if (a.null(i) || null_at(v, i)) { o.set_null(i); continue; }
    int32_t k = find_elem(a, v, i);
    vals[i] = k < 0 ? 0 : k - a.lo(i) + 1;
  }
  return o.finish();
}

Vec array_remove(const Vec& arr, const Vec& v, const ColTypePtr& out, int64_t n) {
  ListIn a(arr);
  const Column& e = a.elems();
  ListOut o;
  for (int64_t i = 0; i < n; ++i) {
    if (a.null(i) || null_at(v, i)) { o.end_row(true); continue; }
    for (int32_t k = a.lo(i), hi = a.hi(i); k < hi; ++k)
      if (e.is_null(k) || !equal_rows(e, k, *v.col, at(v, i))) o.add(k);
    o.end_row();
  }
  return o.finish(out, {&e});
}

Vec element_at(const Vec& coll, const Vec& key, int64_t n) {
  ListIn a(coll);
  const bool is_map = a.c.id() == TypeId::Map;
  const Column& vals = is_map ? *a.elems().children[1] : a.elems();
  std::vector<int32_t> idx(size_t(n), -1);
  for (int64_t i = 0; i < n; ++i) {
    if (a.null(i) || null_at(key, i)) continue;
    const int32_t lo = a.lo(i), hi = a.hi(i);
    if (is_map) {
      const Column& keys = *a.elems().children[0];
      for (int32_t k = lo; k < hi; ++k)
        if (equal_rows(keys, k, *key.col, at(key, i))) { idx[size_t(i)] = k; break; }
      continue;
    }
    int64_t k = int_at(key, i), len = hi - lo;
    if (k > 0 && k <= len) idx[size_t(i)] = int32_t(lo + k - 1);
    else if (k < 0 && -k <= len) idx[size_t(i)] = int32_t(hi + k);
  }
  return Vec::flat(col::gather(vals, idx.data(), n));
}

Vec sort_array(const Vec& arr, bool asc, bool nulls_first, const ColTypePtr& out, int64_t n) {
  ListIn a(arr);
  const Column& e = a.elems();
  ListOut o;
  std::vector<int32_t> vals;
  for (int64_t i = 0; i < n; ++i) {
    if (a.null(i)) { o.end_row(true); continue; }
    vals.clear();
    int32_t nulls = 0;
    for (int32_t k = a.lo(i), hi = a.hi(i); k < hi; ++k) e.is_null(k) ? void(++nulls) : vals.push_back(k);
    std::stable_sort(vals.begin(), vals.end(), [&](int32_t x, int32_t y) {
      int c = compare_rows(e, x, e, y);
      return asc ? c < 0 : c > 0;
    });
    if (nulls_first) for (int32_t k = 0; k < nulls; ++k) o.add(-1);
    for (int32_t k : vals) o.add(k);
    if (!nulls_first) for (int32_t k = 0; k < nulls; ++k) o.add(-1);
    o.end_row();
  }
  return o.finish(out, {&e});
}

Vec array_distinct(const Vec& arr, const ColTypePtr& out, int64_t n) {
  ListIn a(arr);
  const Column& e = a.elems();
  auto h = elem_hashes(e);
  ElemSet set({&e}, {&h});
  ListOut o;
  for (int64_t i = 0; i < n; ++i) {
    if (a.null(i)) { o.end_row(true); continue; }
    set.clear();
    bool seen_null = false;
    for (int32_t k = a.lo(i), hi = a.hi(i); k < hi; ++k) {
      if (e.is_null(k)) {
        if (!seen_null) o.add(k);
        seen_null = true;
      } else if (set.insert(0, k)) {
        o.add(k);
      }
    }
    o.end_row();
  }
  return o.finish(out, {&e});
}

Vec array_shuffle(const Vec& arr, const ColTypePtr& out, int64_t n, std::mt19937_64& rng) {
  ListIn a(arr);
  const Column& e = a.elems();
  ListOut o;
  std::vector<int32_t> idx;
  for (int64_t i = 0; i < n; ++i) {
    if (a.null(i)) { o.end_row(true); continue; }
    idx.clear();
    for (int32_t k = a.lo(i), hi = a.hi(i); k < hi; ++k) idx.push_back(k);
    std::shuffle(idx.begin(), idx.end(), rng);
    for (int32_t k : idx) o.add(k);
    o.end_row();
  }
  return o.finish(out, {&e});
}

Vec array_set_op(SetOp op, const Vec& av, const Vec& bv, const ColTypePtr& out, int64_t n) {
  ListIn a(av), b(bv);
  const Column &ea = a.elems(), &eb = b.elems();
  auto ha = elem_hashes(ea), hb = elem_hashes(eb);
  ElemSet seen({&ea, &eb}, {&ha, &hb}), other({&ea, &eb}, {&ha, &hb});
  ListOut o;
  for (int64_t i = 0; i < n; ++i) {
    if (a.null(i) || b.null(i)) { o.end_row(true); continue; }
    seen.clear();
    other.clear();
    bool null_out = false, b_null = false;
    if (op != SetOp::Union)
      for (int32_t k = b.lo(i), hi = b.hi(i); k < hi; ++k) eb.is_null(k) ? void(b_null = true) : void(other.insert(1, k));
    auto take = [&](uint32_t s, int32_t k, bool is_null, bool keep) {
      if (!keep) return;
      if (is_null) {
        if (!null_out) o.add(k, s);
        null_out = true;
      } else if (seen.insert(s, k)) {
        o.add(k, s);
      }
    };
    for (int32_t k = a.lo(i), hi = a.hi(i); k < hi; ++k) {
      bool nl = ea.is_null(k);
      bool in_b = nl ? b_null : other.contains(0, k);
      take(0, k, nl, op == SetOp::Union || (op == SetOp::Intersect) == in_b);
    }
    if (op == SetOp::Union)
      for (int32_t k = b.lo(i), hi = b.hi(i); k < hi; ++k) take(1, k, eb.is_null(k), true);
    o.end_row();
  }
  return o.finish(out, {&ea, &eb});
}

Vec arrays_overlap(const Vec& av, const Vec& bv, int64_t n) {
  ListIn a(av), b(bv);
  const Column &ea = a.elems(), &eb = b.elems();
  auto ha = elem_hashes(ea), hb = elem_hashes(eb);
  ElemSet set({&ea, &eb}, {&ha, &hb});
  ScalarOut o(type_of(TypeId::Boolean), n);
  uint8_t* vals = o.c->values->data();
  for (int64_t i = 0; i < n; ++i) {
    if (a.null(i) || b.null(i)) { o.set_null(i); continue; }
    set.clear();
    bool has_null = false, hit = false;
    for (int32_t k = a.lo(i), hi = a.hi(i); k < hi; ++k) ea.is_null(k) ? void(has_null = true) : void(set.insert(0, k));
    for (int32_t k = b.lo(i), hi = b.hi(i); k < hi && !hit; ++k)
      if (eb.is_null(k)) has_null = true;
      else hit = set.contains(1, k);
    if (hit) col::set_bit(vals, i);
    else if (has_null && a.hi(i) > a.lo(i) && b.hi(i) > b.lo(i)) o.set_null(i);
  }
  return o.finish();
}

Vec array_join(const Vec& arr, const Vec& delim, const Vec* repl, int64_t n) {
  ListIn a(arr);
  const Column& e = a.elems();
  auto out = std::make_shared<Column>();
  out->type = type_of(TypeId::String);
  out->length = n;
  out->values = std::make_shared<col::Buffer>(size_t(n + 1) * 4);
  int32_t* off = out->values->as<int32_t>();
  std::string bytes;
  uint8_t* bits = nullptr;
  for (int64_t i = 0; i < n; ++i) {
    off[i] = int32_t(bytes.size());
    if (a.null(i) || null_at(delim, i) || (repl && null_at(*repl, i))) {
      if (!bits) bits = col::ensure_validity(*out);
      col::clear_bit(bits, i);
      continue;
    }
    std::string_view d = delim.col->str(at(delim, i));
    bool first = true;
    for (int32_t k = a.lo(i), hi = a.hi(i); k < hi; ++k) {
      if (e.is_null(k) && !repl) continue;
      if (!first) bytes += d;
      first = false;
      bytes += e.is_null(k) ? repl->col->str(at(*repl, i)) : e.str(k);
    }
  }
  off[n] = int32_t(bytes.size());
  out->data = std::make_shared<col::Buffer>(bytes.size());
  std::copy(bytes.begin(), bytes.end(), out->data->data());
  if (bits) col::finish_validity(*out);
  return Vec::flat(out);
}

Vec slice(const Vec& arr, const Vec& start, const Vec& len, const ColTypePtr& out, int64_t n) {
  ListIn a(arr);
  ListOut o;
  for (int64_t i = 0; i < n; ++i) {
    if (a.null(i) || null_at(start, i) || null_at(len, i)) { o.end_row(true); continue; }
    int64_t s = int_at(start, i), l = int_at(len, i), size = a.hi(i) - a.lo(i);
    if (s == 0 || l < 0) { o.end_row(true); continue; }
    int64_t from = s > 0 ? s - 1 : size + s;
    if (from >= 0 && from < size)
      for (int64_t k = from, end = std::min(size, from + l); k < end; ++k) o.add(int32_t(a.lo(i) + k));
    o.end_row();
  }
  return o.finish(out, {&a.elems()});
}

Vec array_reverse(const Vec& arr, const ColTypePtr& out, int64_t n) {
  ListIn a(arr);
  ListOut o;
  for (int64_t i = 0; i < n; ++i) {
    if (a.null(i)) { o.end_row(true); continue; }
    for (int32_t k = a.hi(i) - 1; k >= a.lo(i); --k) o.add(k);
    o.end_row();
  }
  return o.finish(out, {&a.elems()});
}

Vec flatten(const Vec& arr, const ColTypePtr& out, int64_t n) {
  ListIn a(arr);
  const Column& inner = a.elems();
  const int32_t* ioff = inner.offsets();
  ListOut o;
  for (int64_t i = 0; i < n; ++i) {
    bool is_null = a.null(i);
    for (int32_t k = is_null ? 0 : a.lo(i), hi = is_null ? 0 : a.hi(i); k < hi && !is_null; ++k) is_null = inner.is_null(k);
    if (is_null) { o.end_row(true); continue; }
    for (int32_t k = a.lo(i), hi = a.hi(i); k < hi; ++k)
      for (int32_t j = ioff[k]; j < ioff[k + 1]; ++j) o.add(j);
    o.end_row();
  }
  return o.finish(out, {inner.children[0].get()});
}

Vec array_extreme(const Vec& arr, bool greatest, int64_t n) {
  ListIn a(arr);
  const Column& e = a.elems();
  std::vector<int32_t> idx(size_t(n), -1);
  for (int64_t i = 0; i < n; ++i) {
    if (a.null(i)) continue;
    int32_t best = -1;
    for (int32_t k = a.lo(i), hi = a.hi(i); k < hi; ++k) {
      if (e.is_null(k)) continue;
      if (best < 0) { best = k; continue; }
      int c = compare_rows(e, k, e, best);
      if (greatest ? c > 0 : c < 0) best = k;
    }
    idx[size_t(i)] = best;
  }
  return Vec::flat(col::gather(e, idx.data(), n));
}

Vec array_repeat(const Vec& v, const Vec& count, const ColTypePtr& out, int64_t n) {
  ListOut o;
  for (int64_t i = 0; i < n; ++i) {
    if (null_at(count, i)) { o.end_row(true); continue; }
    int32_t r = int32_t(at(v, i));
    for (int64_t k = 0, m = int_at(count, i); k < m; ++k) o.add(r);
    o.end_row();
  }
  return o.finish(out, {v.col.get()});
}

Vec concat_arrays(const std::vector<Vec>& arrs, const ColTypePtr& out, int64_t n) {
  std::vector<ListIn> in;
  std::vector<const Column*> srcs;
  for (const auto& a : arrs) in.emplace_back(a), srcs.push_back(&in.back().elems());
  ListOut o;
  for (int64_t i = 0; i < n; ++i) {
    bool null_row = false;
    for (const auto& a : in) null_row |= a.null(i);
    if (!null_row)
      for (size_t s = 0; s < in.size(); ++s)
        for (int32_t k = in[s].lo(i), hi = in[s].hi(i); k < hi; ++k) o.add(k, uint32_t(s));
    o.end_row(null_row);
  }
  return o.finish(out, srcs);
}

Vec sequence(const Vec& start, const Vec& stop, const Vec* step, const ColTypePtr& out, int64_t n) {
  constexpr int64_t kMaxLen = 2147483647 - 15;  // ByteArrayMethods.MAX_ROUNDED_ARRAY_LENGTH
  col::ColumnBuilder b(out);
  const TypeId el = out->children[0].id;
  for (int64_t i = 0; i < n; ++i) {
    if (null_at(start, i) || null_at(stop, i) || (step && null_at(*step, i))) { b.append_null(); continue; }
    const int64_t s = int_at(start, i), e = int_at(stop, i);
    const int64_t st = step ? int_at(*step, i) : (s <= e ? 1 : -1);
    const bool ok = (st > 0 && s <= e) || (st < 0 && s >= e) || (st == 0 && s == e);
    if (!ok) { b.append_null(); continue; }
    const __int128 len = st == 0 ? 1 : (__int128(e) - s) / st + 1;
    if (len > kMaxLen) { b.append_null(); continue; }
    auto& c = b.child(0);
    for (__int128 k = 0; k < len; ++k) {
      const int64_t v = int64_t(s + k * st);
      switch (el) {
        case TypeId::Byte: c.append<int8_t>(int8_t(v)); break;
        case TypeId::Short: c.append<int16_t>(int16_t(v)); break;
        case TypeId::Int: c.append<int32_t>(int32_t(v)); break;
        default: c.append<int64_t>(v); break;
      }
    }
    b.finish_list();
  }
  return Vec::flat(b.finish());
}

Vec arrays_zip(const std::vector<Vec>& arrs, const ColTypePtr& out, int64_t n) {
  std::vector<ListIn> in;
  for (const auto& a : arrs) in.emplace_back(a);
  std::vector<std::vector<int32_t>> idx(in.size());
  auto res = std::make_shared<Column>();
  res->type = out;
  res->length = n;
  res->values = std::make_shared<col::Buffer>(size_t(n + 1) * 4);
  int32_t* off = res->values->as<int32_t>();
  uint8_t* bits = nullptr;
  off[0] = 0;
  for (int64_t i = 0; i < n; ++i) {
    bool null_row = false;
    int32_t len = 0;
    for (const auto& a : in) {
      null_row |= a.null(i);
      if (!a.null(i)) len = std::max(len, a.hi(i) - a.lo(i));
    }
    if (null_row) {
      if (!bits) bits = col::ensure_validity(*res);
      col::clear_bit(bits, i);
      len = 0;
    }
    for (size_t s = 0; s < in.size(); ++s)
      for (int32_t k = 0; k < len; ++k) idx[s].push_back(k < in[s].hi(i) - in[s].lo(i) ? in[s].lo(i) + k : -1);
    off[i + 1] = off[i] + len;
  }
  if (bits) col::finish_validity(*res);
  auto st = std::make_shared<Column>();
  st->type = col::make_type(out->children[0]);
  st->length = off[n];
  for (size_t s = 0; s < in.size(); ++s) st->children.push_back(col::gather(in[s].elems(), idx[s].data(), off[n]));
  res->children = {st};
  return Vec::flat(res);
}

}  // namespace spp::sql::kern
