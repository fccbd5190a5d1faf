// Comparison kernels (typed loops per type × op × constness), three-valued boolean logic over
// whole bitmap bytes, IN/BETWEEN built from those, CASE WHEN / coalesce as one gather.
#include "sql/kernels/compare.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <optional>
#include <type_traits>
#include <unordered_set>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "sql/kernels/byte_scan.h"

namespace spp::sql::kern {

namespace {

// Spark's three-way order for one scalar type: NaN is the largest value and equals itself.
template <typename T>
inline int cmp3(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (a < b) return -1;
    if (a > b) return 1;
    if (a == b) return 0;
    bool an = std::isnan(a), bn = std::isnan(b);
    return an == bn ? 0 : an ? 1 : -1;
  } else {
    return a < b ? -1 : a > b ? 1 : 0;
  }
}
inline int cmp3(std::string_view a, std::string_view b) {
  int r = a.compare(b);  // char_traits<char>::compare is memcmp: unsigned bytes
  return r < 0 ? -1 : r > 0 ? 1 : 0;
}

template <CmpOp kOp>
inline bool holds(int c) {
  if constexpr (kOp == CmpOp::Eq || kOp == CmpOp::EqNullSafe) return c == 0;
  else if constexpr (kOp == CmpOp::Ne) return c != 0;
  else if constexpr (kOp == CmpOp::Lt) return c < 0;
  else if constexpr (kOp == CmpOp::Le) return c <= 0;
  else if constexpr (kOp == CmpOp::Gt) return c > 0;
  else return c >= 0;
}

// Integral fast path (no NaN): direct comparisons the compiler vectorises.
template <CmpOp kOp, typename T>
inline bool holds_direct(T a, T b) {
  if constexpr (kOp == CmpOp::Eq || kOp == CmpOp::EqNullSafe) return a == b;
  else if constexpr (kOp == CmpOp::Ne) return a != b;
  else if constexpr (kOp == CmpOp::Lt) return a < b;
  else if constexpr (kOp == CmpOp::Le) return a <= b;
  else if constexpr (kOp == CmpOp::Gt) return a > b;
  else return a >= b;
}

// Floating point without branches (Spark's order: NaN is the largest value and equals itself),
// so the loop vectorises.
template <CmpOp kOp, typename T>
inline bool holds_float(T a, T b) {
  if constexpr (kOp == CmpOp::Eq || kOp == CmpOp::EqNullSafe) return (a == b) | (std::isnan(a) & std::isnan(b));
  else if constexpr (kOp == CmpOp::Ne) return !((a == b) | (std::isnan(a) & std::isnan(b)));
  else if constexpr (kOp == CmpOp::Lt) return (a < b) | (std::isnan(b) & !std::isnan(a));
  else if constexpr (kOp == CmpOp::Le) return (a <= b) | std::isnan(b);
  else if constexpr (kOp == CmpOp::Gt) return (b < a) | (std::isnan(a) & !std::isnan(b));
  else return (b <= a) | std::isnan(a);
}

template <CmpOp kOp, typename T>
inline bool holds_fixed(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) return holds_float<kOp>(a, b);
  else return holds_direct<kOp>(a, b);
}

#ifdef __SSE2__
// Two doubles compared at once in Spark's order, as a 2-bit mask.
template <CmpOp kOp>
inline int holds_pd(__m128d a, __m128d b) {
  const __m128d na = _mm_cmpunord_pd(a, a), nb = _mm_cmpunord_pd(b, b);
  __m128d m;
  if constexpr (kOp == CmpOp::Eq || kOp == CmpOp::EqNullSafe || kOp == CmpOp::Ne) m = _mm_or_pd(_mm_cmpeq_pd(a, b), _mm_and_pd(na, nb));
  else if constexpr (kOp == CmpOp::Lt) m = _mm_or_pd(_mm_cmplt_pd(a, b), _mm_andnot_pd(na, nb));
  else if constexpr (kOp == CmpOp::Le) m = _mm_or_pd(_mm_cmple_pd(a, b), nb);
  else if constexpr (kOp == CmpOp::Gt) m = _mm_or_pd(_mm_cmplt_pd(b, a), _mm_andnot_pd(nb, na));
  else m = _mm_or_pd(_mm_cmple_pd(b, a), na);
  const int bits = _mm_movemask_pd(m);
  return kOp == CmpOp::Ne ? bits ^ 3 : bits;
}
#endif

template <CmpOp kOp, typename T, bool kA, bool kB>
void cmp_fixed(const Column& ca, const Column& cb, uint8_t* out, int64_t n) {
  Reader<T, kA> a(ca);
  Reader<T, kB> b(cb);
  int64_t i = 0;
#ifdef __SSE2__
  if constexpr (std::is_same_v<T, double>) {  // 8 rows (an output byte) as 4 pairs
    const double* pa = ca.vals<double>();
    const double* pb = cb.vals<double>();
    for (; i + 8 <= n; i += 8) {
      int byte = 0;
      for (int k = 0; k < 4; ++k) {
        const __m128d va = kA ? _mm_set1_pd(pa[0]) : _mm_loadu_pd(pa + i + 2 * k);
        const __m128d vb = kB ? _mm_set1_pd(pb[0]) : _mm_loadu_pd(pb + i + 2 * k);
        byte |= holds_pd<kOp>(va, vb) << (2 * k);
      }
      out[i >> 3] |= uint8_t(byte);
    }
  }
#endif
  for (; i + 8 <= n; i += 8) {  // a whole output byte at a time
    uint8_t byte = 0;
    for (int j = 0; j < 8; ++j) byte |= uint8_t(holds_fixed<kOp>(a[i + j], b[i + j])) << j;
    out[i >> 3] |= byte;
  }
  for (; i < n; ++i) out[i >> 3] |= uint8_t(holds_fixed<kOp>(a[i], b[i])) << (i & 7);
}

// (In)equality of a string column with one constant string of kLen bytes (kLen 0: any length):
// lengths first, then the bytes — no three-way compare per row (l_shipmode IN ('MAIL', 'SHIP')).
template <bool kNe, int kLen>
void eq_str_const(const Column& var, std::string_view c, uint8_t* out, int64_t n) {
  const int32_t* o = var.offsets();
  const char* d = reinterpret_cast<const char*>(var.data->data());
  const int32_t len = static_cast<int32_t>(c.size());
  auto eq = [&](int64_t i) {
    if (o[i + 1] - o[i] != len) return false;
    return std::memcmp(d + o[i], c.data(), kLen > 0 ? size_t(kLen) : c.size()) == 0;  // inlined for a fixed kLen
  };
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint8_t byte = 0;
    for (int j = 0; j < 8; ++j) byte |= uint8_t(eq(i + j) != kNe) << j;
    out[i >> 3] |= byte;
  }
  for (; i < n; ++i) out[i >> 3] |= uint8_t(eq(i) != kNe) << (i & 7);
}

template <bool kNe>
void eq_str_const(const Column& var, std::string_view c, uint8_t* out, int64_t n) {
  switch (c.size()) {
    case 1: return eq_str_const<kNe, 1>(var, c, out, n);
    case 2: return eq_str_const<kNe, 2>(var, c, out, n);
    case 3: return eq_str_const<kNe, 3>(var, c, out, n);
    case 4: return eq_str_const<kNe, 4>(var, c, out, n);
    case 5: return eq_str_const<kNe, 5>(var, c, out, n);
    case 6: return eq_str_const<kNe, 6>(var, c, out, n);
    case 7: return eq_str_const<kNe, 7>(var, c, out, n);
    case 8: return eq_str_const<kNe, 8>(var, c, out, n);
    default: return eq_str_const<kNe, 0>(var, c, out, n);
  }
}

template <CmpOp kOp, bool kA, bool kB>
void cmp_str(const Column& ca, const Column& cb, uint8_t* out, int64_t n) {
  if constexpr (kA != kB && (kOp == CmpOp::Eq || kOp == CmpOp::Ne || kOp == CmpOp::EqNullSafe)) {
    return eq_str_const<kOp == CmpOp::Ne>(kA ? cb : ca, (kA ? ca : cb).str(0), out, n);
  }
  for (int64_t i = 0; i < n; ++i) {
    bool r = holds<kOp>(cmp3(ca.str(kA ? 0 : i), cb.str(kB ? 0 : i)));
    out[i >> 3] |= uint8_t(r) << (i & 7);
  }
}

template <CmpOp kOp, bool kA, bool kB>
void cmp_generic(const Column& ca, const Column& cb, uint8_t* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    int64_t x = kA ? 0 : i, y = kB ? 0 : i;
    if (ca.is_null(x) || cb.is_null(y)) continue;
    bool r = (kOp == CmpOp::Eq || kOp == CmpOp::Ne || kOp == CmpOp::EqNullSafe)
                 ? holds<kOp>(equal_rows(ca, x, cb, y) ? 0 : 1)
                 : holds<kOp>(compare_rows(ca, x, cb, y));
    out[i >> 3] |= uint8_t(r) << (i & 7);
  }
}

template <CmpOp kOp>
void cmp_dispatch(const Vec& a, const Vec& b, uint8_t* out, int64_t n) {
  TypeId id = a.type().id;
  dispatch_const2(a.constant, b.constant, [&]<bool kA, bool kB>() {
    if (is_var_binary(id)) cmp_str<kOp, kA, kB>(*a.col, *b.col, out, n);
    else if (id == TypeId::Boolean) {
      for (int64_t i = 0; i < n; ++i) {
        bool r = holds<kOp>(cmp3<int>(a.col->bool_at(kA ? 0 : i), b.col->bool_at(kB ? 0 : i)));
        out[i >> 3] |= uint8_t(r) << (i & 7);
      }
    } else if (col::is_fixed_width(id)) {
      dispatch_fixed(id, [&]<typename T>() { cmp_fixed<kOp, T, kA, kB>(*a.col, *b.col, out, n); return 0; });
    } else {
      cmp_generic<kOp, kA, kB>(*a.col, *b.col, out, n);
    }
  });
}

// Byte k (rows 8k..8k+7) of a bitmap that starts at bit `off`; bits past the buffer read as 0.
inline uint8_t load_byte(const col::Buffer& b, int64_t off, int64_t k) {
  size_t base = size_t((off >> 3) + k);
  unsigned lo = base < b.size() ? b.data()[base] : 0, hi = base + 1 < b.size() ? b.data()[base + 1] : 0;
  return uint8_t(((hi << 8) | lo) >> (off & 7));
}
// Value and validity bytes of a boolean Vec.
struct BoolBytes {
  const Vec& v;
  uint8_t val(int64_t k) const {
    if (v.type().id == TypeId::Null) return 0;
    if (v.constant) return v.col->bool_at(0) ? 0xff : 0;
    return load_byte(*v.col->values, v.col->offset, k);
  }
  uint8_t valid(int64_t k) const {
    if (v.type().id == TypeId::Null) return 0;
    if (!v.col->validity) return 0xff;
    if (v.constant) return v.col->is_valid(0) ? 0xff : 0;
    return load_byte(*v.col->validity, v.col->offset, k);
  }
};

Vec bool_result(ColumnPtr c, col::BufferPtr validity) {
  set_validity(*c, std::move(validity));
  return Vec::flat(std::move(c));
}

}  // namespace

Vec compare(CmpOp op, const Vec& a, const Vec& b, int64_t n) {
  auto out = new_bool(n);
  uint8_t* o = out->values->data();
  if (op == CmpOp::EqNullSafe) {
    if (a.type().id != TypeId::Null && b.type().id != TypeId::Null) cmp_dispatch<CmpOp::EqNullSafe>(a, b, o, n);
    for (int64_t i = 0; i < n; ++i) {  // NULL <=> NULL is true, NULL <=> x false
      bool an = a.col->is_null(a.constant ? 0 : i), bn = b.col->is_null(b.constant ? 0 : i);
      if (an || bn) col::put_bit(o, i, an && bn);
    }
    return Vec::flat(out);
  }
  if (a.type().id == TypeId::Null || b.type().id == TypeId::Null) return Vec::flat(col::make_null_column(bool_type(), n));
  switch (op) {
    case CmpOp::Eq: cmp_dispatch<CmpOp::Eq>(a, b, o, n); break;
    case CmpOp::Ne: cmp_dispatch<CmpOp::Ne>(a, b, o, n); break;
    case CmpOp::Lt: cmp_dispatch<CmpOp::Lt>(a, b, o, n); break;
    case CmpOp::Le: cmp_dispatch<CmpOp::Le>(a, b, o, n); break;
    case CmpOp::Gt: cmp_dispatch<CmpOp::Gt>(a, b, o, n); break;
    case CmpOp::Ge: cmp_dispatch<CmpOp::Ge>(a, b, o, n); break;
    case CmpOp::EqNullSafe: break;
  }
  return bool_result(out, and_validity(a, b, n));
}

// A flat boolean column without NULLs whose bits start on a byte: its value bytes.
const uint8_t* plain_bool_bytes(const Vec& v) {
  const Column& c = *v.col;
  if (v.constant || c.id() != TypeId::Boolean || c.validity || c.offset % 8 != 0) return nullptr;
  return c.values->data() + c.offset / 8;
}

Vec logical_and(const Vec& a, const Vec& b, int64_t n) {
  auto out = new_bool(n);
  if (const uint8_t *pa = plain_bool_bytes(a), *pb = plain_bool_bytes(b); pa && pb) {  // no NULLs: bytes ANDed
    uint8_t* o = out->values->data();
    for (int64_t k = 0; k < col::bitmap_bytes(n); ++k) o[k] = pa[k] & pb[k];
    return Vec::flat(out);
  }
  auto valid = std::make_shared<col::Buffer>(size_t(col::bitmap_bytes(n)));
  BoolBytes x{a}, y{b};
  uint8_t *o = out->values->data(), *ov = valid->data();
  for (int64_t k = 0; k < col::bitmap_bytes(n); ++k) {
    uint8_t av = x.valid(k), bv = y.valid(k), a1 = x.val(k) & av, b1 = y.val(k) & bv;
    uint8_t a0 = av & ~a1, b0 = bv & ~b1;  // known false
    o[k] = a1 & b1;
    ov[k] = uint8_t((av & bv) | a0 | b0);
  }
  return bool_result(out, valid);
}

Vec logical_or(const Vec& a, const Vec& b, int64_t n) {
  auto out = new_bool(n);
  if (const uint8_t *pa = plain_bool_bytes(a), *pb = plain_bool_bytes(b); pa && pb) {  // no NULLs: bytes ORed
    uint8_t* o = out->values->data();
    for (int64_t k = 0; k < col::bitmap_bytes(n); ++k) o[k] = pa[k] | pb[k];
    return Vec::flat(out);
  }
  auto valid = std::make_shared<col::Buffer>(size_t(col::bitmap_bytes(n)));
  BoolBytes x{a}, y{b};
  uint8_t *o = out->values->data(), *ov = valid->data();
  for (int64_t k = 0; k < col::bitmap_bytes(n); ++k) {
    uint8_t av = x.valid(k), bv = y.valid(k), a1 = x.val(k) & av, b1 = y.val(k) & bv;
    o[k] = a1 | b1;
    ov[k] = uint8_t((av & bv) | a1 | b1);  // known true decides
  }
  return bool_result(out, valid);
}

Vec logical_not(const Vec& a, int64_t n) {
  auto out = new_bool(n);
  BoolBytes x{a};
  uint8_t* o = out->values->data();
  for (int64_t k = 0; k < col::bitmap_bytes(n); ++k) o[k] = uint8_t(~x.val(k));
  return bool_result(out, copy_validity(a, n));
}

Vec is_null(const Vec& a, int64_t n) {
  auto out = new_bool(n);
  uint8_t* o = out->values->data();
  const Column& c = *a.col;
  if (c.id() != TypeId::Null && !c.validity) return Vec::flat(out);  // no NULLs: all false
  if (!a.constant && c.id() != TypeId::Null && c.offset % 8 == 0) {  // validity bytes inverted
    const uint8_t* v = c.validity->data() + c.offset / 8;
    const int64_t full = n / 8;
    for (int64_t k = 0; k < full; ++k) o[k] = uint8_t(~v[k]);
    for (int64_t i = full * 8; i < n; ++i) col::put_bit(o, i, !col::get_bit(v, i));
    return Vec::flat(out);
  }
  for (int64_t i = 0; i < n; ++i) col::put_bit(o, i, a.col->is_null(a.constant ? 0 : i));
  return Vec::flat(out);
}

Vec is_not_null(const Vec& a, int64_t n) {
  const Column& c = *a.col;
  if (c.id() != TypeId::Null && (a.constant ? c.is_valid(0) : !c.validity)) {  // no NULLs: all true
    auto out = new_bool(n);
    uint8_t* o = out->values->data();
    if (n > 0) {
      std::memset(o, 0xff, size_t(n / 8));
      for (int64_t i = n / 8 * 8; i < n; ++i) col::set_bit(o, i);
    }
    return Vec::flat(out);
  }
  return logical_not(is_null(a, n), n);
}

namespace {

// x IN (c1, ..., ck) with every ci a non-NULL constant of x's own type, in one pass over x
// instead of k compare passes ORed together (Spark turns lists above 10 values into InSet, a hash
// set; a DataFrame's isin of thousands of values would otherwise take thousands of passes).
// Strings: candidates of the row's length only (a hash set beyond 16 values); integral values:
// a scan of up to 16, else a binary search. NULL only where x is NULL. nullopt: not that shape.
std::optional<Vec> in_constants(const Vec& x, const std::vector<Vec>& list, int64_t n) {
  const TypeId id = x.type().id;
  const bool str = is_var_binary(id);
  const bool integral = id == TypeId::Byte || id == TypeId::Short || id == TypeId::Int || id == TypeId::Long ||
                        id == TypeId::Date || id == TypeId::Timestamp || id == TypeId::TimestampNtz;
  if (x.constant || list.size() < (str ? 2u : 4u) || !(str || integral)) return std::nullopt;
  for (const Vec& v : list)
    if (!v.constant || v.type().id != id || v.col->is_null(0)) return std::nullopt;
  auto out = new_bool(n);
  uint8_t* o = out->values->data();
  const Column& c = *x.col;
  if (str) {
    std::vector<std::string_view> vals;
    for (const Vec& v : list) vals.push_back(v.col->str(0));
    std::sort(vals.begin(), vals.end(), [](std::string_view a, std::string_view b) {
      return a.size() != b.size() ? a.size() < b.size() : a < b;
    });
    vals.erase(std::unique(vals.begin(), vals.end()), vals.end());
    const int32_t* off = c.offsets();
    const char* d = reinterpret_cast<const char*>(c.data->data());
    if (vals.size() > 16) {
      std::unordered_set<std::string_view> set(vals.begin(), vals.end());
      for (int64_t i = 0; i < n; ++i)
        if (set.count(std::string_view(d + off[i], size_t(off[i + 1] - off[i])))) o[i >> 3] |= uint8_t(1u << (i & 7));
    } else {
      // The candidates of each length up to 64 as [first, last) in vals; longer ones all scanned.
      std::array<std::pair<uint8_t, uint8_t>, 65> by_len{};
      uint8_t long_from = uint8_t(vals.size());
      for (size_t k = vals.size(); k-- > 0;) {
        if (vals[k].size() > 64) { long_from = uint8_t(k); continue; }
        auto& r = by_len[vals[k].size()];
        if (r.first == r.second) r = {uint8_t(k), uint8_t(k + 1)};
        else r.first = uint8_t(k);
      }
      for (int64_t i = 0; i < n; ++i) {
        const size_t len = size_t(off[i + 1] - off[i]);
        const char* p = d + off[i];
        auto [b, e] = len <= 64 ? by_len[len] : std::pair<uint8_t, uint8_t>{long_from, uint8_t(vals.size())};
        bool hit = false;
        for (uint8_t k = b; k < e && !hit; ++k) hit = vals[k].size() == len && std::memcmp(vals[k].data(), p, len) == 0;
        o[i >> 3] |= uint8_t(uint8_t(hit) << (i & 7));
      }
    }
  } else {
    dispatch_fixed(id, [&]<typename T>() {
      if constexpr (std::is_integral_v<T>) {
        std::vector<T> vals;
        for (const Vec& v : list) vals.push_back(v.col->template vals<T>()[0]);
        std::sort(vals.begin(), vals.end());
        vals.erase(std::unique(vals.begin(), vals.end()), vals.end());
        const T* xv = c.vals<T>();
        if (vals.size() <= 16) {
          for (int64_t i = 0; i < n; ++i) {
            bool hit = false;
            for (T v : vals) hit |= xv[i] == v;
            o[i >> 3] |= uint8_t(uint8_t(hit) << (i & 7));
          }
        } else {
          for (int64_t i = 0; i < n; ++i)
            o[i >> 3] |= uint8_t(uint8_t(std::binary_search(vals.begin(), vals.end(), xv[i])) << (i & 7));
        }
      }
      return 0;
    });
  }
  return bool_result(out, and_validity(x, list[0], n));
}

}  // namespace

Vec in_list(const Vec& x, const std::vector<Vec>& list, int64_t n) {
  if (list.empty()) return Vec::flat(new_bool(n));
  if (auto fast = in_constants(x, list, n)) return *fast;
  Vec acc = compare(CmpOp::Eq, x, list[0], n);
  for (size_t i = 1; i < list.size(); ++i) acc = logical_or(acc, compare(CmpOp::Eq, x, list[i], n), n);
  return acc;
}

Vec between(const Vec& x, const Vec& lo, const Vec& hi, int64_t n) {
  return logical_and(compare(CmpOp::Ge, x, lo, n), compare(CmpOp::Le, x, hi, n), n);
}

namespace {
// Row r of `out` comes from srcs[src[r]] row idx[r]; constants contribute row 0.
Vec pick(const std::vector<const Vec*>& vs, const std::vector<uint32_t>& src, const std::vector<int32_t>& idx,
         const ColTypePtr& out, int64_t n) {
  std::vector<const Column*> cols;
  for (const Vec* v : vs) cols.push_back(v->col.get());
  // Sources typed void (NULL literals) only ever contribute index -1.
  std::vector<const Column*> typed;
  std::vector<uint32_t> remap(cols.size(), 0);
  for (size_t i = 0; i < cols.size(); ++i)
    if (cols[i]->id() != TypeId::Null) { remap[i] = uint32_t(typed.size()); typed.push_back(cols[i]); }
  if (typed.empty()) return Vec::flat(col::make_null_column(out, n));
  std::vector<uint32_t> s(src.size());
  std::vector<int32_t> ix(idx);
  for (size_t r = 0; r < src.size(); ++r) {
    if (ix[r] >= 0 && cols[src[r]]->id() == TypeId::Null) ix[r] = -1;
    s[r] = remap[src[r]];
  }
  auto c = col::gather_multi(typed, s.data(), ix.data(), n);
  c->type = out;
  return Vec::flat(c);
}
}  // namespace

Vec case_when(const std::vector<Vec>& conds, const std::vector<Vec>& vals, const Vec& else_v,
              const ColTypePtr& out, int64_t n) {
  std::vector<const Vec*> vs;
  for (const auto& v : vals) vs.push_back(&v);
  vs.push_back(&else_v);
  std::vector<uint32_t> src(size_t(n), uint32_t(vals.size()));
  std::vector<int32_t> idx(static_cast<size_t>(n));
  std::vector<uint8_t> done(size_t(n), 0);
  for (size_t k = 0; k < conds.size(); ++k) {
    const Column& c = *conds[k].col;
    bool cst = conds[k].constant;
    for (int64_t r = 0; r < n; ++r) {
      int64_t i = cst ? 0 : r;
      if (done[r] || c.id() == TypeId::Null || c.is_null(i) || !c.bool_at(i)) continue;
      done[r] = 1;
      src[r] = uint32_t(k);
      idx[r] = vals[k].constant ? 0 : int32_t(r);
    }
  }
  for (int64_t r = 0; r < n; ++r)
    if (!done[r]) idx[r] = else_v.constant ? 0 : int32_t(r);
  return pick(vs, src, idx, out, n);
}

Vec coalesce(const std::vector<Vec>& args, const ColTypePtr& out, int64_t n) {
  std::vector<const Vec*> vs;
  for (const auto& v : args) vs.push_back(&v);
  std::vector<uint32_t> src(size_t(n), 0);
  std::vector<int32_t> idx(size_t(n), -1);
  for (int64_t r = 0; r < n; ++r)
    for (size_t k = 0; k < args.size(); ++k) {
      int64_t i = args[k].constant ? 0 : r;
      if (args[k].col->is_valid(i)) { src[r] = uint32_t(k); idx[r] = int32_t(i); break; }
    }
  return pick(vs, src, idx, out, n);
}

int64_t count_true(const Vec& v, int64_t n) {
  const Column& c = *v.col;
  if (v.constant || c.id() != TypeId::Boolean || c.offset % 8 != 0) return int64_t(select_true(v, n, nullptr).size());
  const uint8_t* bits = c.values->data() + c.offset / 8;
  const uint8_t* valid = c.validity ? c.validity->data() + c.offset / 8 : nullptr;
  int64_t total = 0, i = 0;
  for (; i + 64 <= n; i += 64) {
    uint64_t w, m = ~uint64_t(0);
    std::memcpy(&w, bits + i / 8, 8);
    if (valid) std::memcpy(&m, valid + i / 8, 8);
    total += popcount64(w & m);
  }
  for (; i < n; ++i) total += c.is_valid(i) && c.bool_at(i);
  return total;
}

SelVec select_true(const Vec& v, int64_t n, const SelVec* sel) {
  SelVec out;
  const Column& c = *v.col;
  if (c.id() == TypeId::Null) return out;
  if (!sel && !v.constant && !c.validity && c.offset % 8 == 0) {  // set bits, a 64-bit word at a time
    const uint8_t* b = c.values->data() + c.offset / 8;
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
      uint64_t w;
      std::memcpy(&w, b + i / 8, 8);
      while (w) {
        out.push_back(int32_t(i + __builtin_ctzll(w)));
        w &= w - 1;
      }
    }
    for (; i < n; ++i)
      if (col::get_bit(b, i)) out.push_back(int32_t(i));
    return out;
  }
  out.reserve(size_t(sel ? sel->size() : size_t(n)));
  for_rows(sel, n, [&](int64_t r) {
    int64_t i = v.constant ? 0 : r;
    if (c.is_valid(i) && c.bool_at(i)) out.push_back(int32_t(r));
  });
  return out;
}

int compare_rows(const Column& a, int64_t i, const Column& b, int64_t j) {
  switch (a.id()) {
    case TypeId::Null: return 0;
    case TypeId::Boolean: return cmp3<int>(a.bool_at(i), b.bool_at(j));
    case TypeId::String: case TypeId::Binary: return cmp3(a.str(i), b.str(j));
    case TypeId::Array: {
      const int32_t *oa = a.offsets(), *ob = b.offsets();
      int64_t la = oa[i + 1] - oa[i], lb = ob[j + 1] - ob[j];
      const Column &ea = *a.children[0], &eb = *b.children[0];
      for (int64_t k = 0; k < std::min(la, lb); ++k) {
        bool na = ea.is_null(oa[i] + k), nb = eb.is_null(ob[j] + k);
        if (na || nb) { if (na != nb) return na ? -1 : 1; continue; }
        if (int c = compare_rows(ea, oa[i] + k, eb, ob[j] + k)) return c;
      }
      return cmp3(la, lb);
    }
    case TypeId::Struct:
      for (size_t f = 0; f < a.children.size(); ++f) {
        bool na = a.children[f]->is_null(i), nb = b.children[f]->is_null(j);
        if (na || nb) { if (na != nb) return na ? -1 : 1; continue; }
        if (int c = compare_rows(*a.children[f], i, *b.children[f], j)) return c;
      }
      return 0;
    case TypeId::Map: SPP_CHECK(false, "maps are not orderable"); return 0;
    default:
      return dispatch_fixed(a.id(), [&]<typename T>() { return cmp3(a.vals<T>()[i], b.vals<T>()[j]); });
  }
}

bool equal_rows(const Column& a, int64_t i, const Column& b, int64_t j) {
  if (a.id() == TypeId::Map) {
    const int32_t *oa = a.offsets(), *ob = b.offsets();
    if (oa[i + 1] - oa[i] != ob[j + 1] - ob[j]) return false;
    const Column &ea = *a.children[0], &eb = *b.children[0];
    for (int32_t k = 0; k < oa[i + 1] - oa[i]; ++k)
      for (size_t f = 0; f < 2; ++f) {
        bool na = ea.children[f]->is_null(oa[i] + k), nb = eb.children[f]->is_null(ob[j] + k);
        if (na != nb) return false;
        if (!na && !equal_rows(*ea.children[f], oa[i] + k, *eb.children[f], ob[j] + k)) return false;
      }
    return true;
  }
  return compare_rows(a, i, b, j) == 0;
}

Vec const_bool(bool v) {
  auto c = new_bool(1);
  if (v) col::set_bit(c->values->data(), 0);
  return Vec::constant_of(c);
}

Vec const_null(ColTypePtr t) { return Vec::constant_of(col::make_null_column(std::move(t), 1)); }

}  // namespace spp::sql::kern
