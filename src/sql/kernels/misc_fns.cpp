// Math, date-part and collection kernels.
#include "sql/kernels/misc_fns.h"

#include <charconv>
#include <cmath>
#include <type_traits>

#include "sql/kernels/cast.h"
#include "sql/kernels/compare.h"
#include "sql/kernels/decimal.h"

namespace spp::sql::kern {

using col::ColType;

namespace {

// Spark's round of a double: BigDecimal(shortest decimal string).setScale(d, HALF_UP).
double round_double(double v, int d, bool half_even = false) {
  if (!std::isfinite(v)) return v;
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view s(buf, size_t(r.ptr - buf));
  bool neg = s.front() == '-';
  if (neg) s.remove_prefix(1);
  size_t e = s.find('e');
  std::string digits;
  for (char c : s.substr(0, e)) if (c != '.') digits.push_back(c);
  int exp10 = std::atoi(std::string(s.substr(e + 1)).c_str());  // value = d.ddd × 10^exp10
  // Digit i has place value 10^(exp10 - i); keep those at 10^-d and above, HALF_UP on the next.
  long keep = long(exp10) + 1 + d;
  if (keep < 0) return neg ? -0.0 : 0.0;
  if (keep >= long(digits.size())) return v;
  bool up = digits[size_t(keep)] >= '5';
  if (half_even && digits[size_t(keep)] == '5' && digits.find_first_not_of('0', size_t(keep) + 1) == std::string::npos)
    up = keep > 0 && (digits[size_t(keep) - 1] - '0') % 2 == 1;  // a tie: to the even neighbour
  std::string kept = digits.substr(0, size_t(keep));
  if (up) {
    int i = int(kept.size()) - 1;
    while (i >= 0 && kept[size_t(i)] == '9') kept[size_t(i--)] = '0';
    if (i < 0) kept.insert(kept.begin(), '1');
    else ++kept[size_t(i)];
  }
  if (kept.empty()) kept = "0";
  std::string out = (neg ? "-" : "") + kept + "e" + std::to_string(-d);
  return std::strtod(out.c_str(), nullptr);
}

// x / 10^k rounded HALF_UP or HALF_EVEN (k >= 0).
__int128 div_round(__int128 x, int k, bool half_even) {
  if (k <= 0) return x;
  if (k > 38) return 0;
  __int128 p = dec::pow10(k), q = x / p, r = x % p, ar = r < 0 ? -r : r;
  bool up = 2 * ar > p || (2 * ar == p && (!half_even || q % 2 != 0));
  if (up) q += (x < 0 ? -1 : 1);
  return q;
}

template <typename T>
T round_integral(T v, int d, bool half_even = false) {
  if (d >= 0) return v;
  if (d < -18) return 0;
  return T(div_round(__int128(v), -d, half_even) * dec::pow10(-d));  // wraps as Spark's integral round does on overflow
}

}  // namespace

Vec round(const Vec& x, int d, const ColTypePtr& out, int64_t n) {
  auto res = col::make_fixed_column(out, n);
  const ColType& t = x.type();
  if (t.id == TypeId::Decimal) {
    auto vb = col::ensure_validity(*res);
    for (int64_t i = 0; i < n; ++i) {
      int64_t r = x.constant ? 0 : i;
      std::optional<__int128> v;
      if (x.col->is_valid(r)) {
        // Round at 10^-d first (HALF_UP), then express at the output scale.
        auto at_d = dec::rescale(x.col->dec_at(r), t.scale, 38, std::max(0, std::min(d, t.scale)));
        if (at_d) v = dec::rescale(*at_d, std::max(0, std::min(d, t.scale)), out->precision, out->scale);
      }
      col::put_bit(vb, i, bool(v));
      __int128 z = v ? *v : 0;
      std::memcpy(res->values->data() + 16 * i, &z, 16);
    }
    col::finish_validity(*res);
    return Vec::flat(res);
  }
  dispatch_fixed(t.id, [&]<typename T>() {
    const T* in = x.col->vals<T>();
    T* o = res->values->as<T>();
    for (int64_t i = 0; i < n; ++i) {
      T v = in[x.constant ? 0 : i];
      if constexpr (std::is_floating_point_v<T>) o[i] = T(round_double(double(v), d));
      else if constexpr (std::is_same_v<T, __int128>) o[i] = v;
      else o[i] = round_integral<T>(v, d);
    }
    return 0;
  });
  set_validity(*res, copy_validity(x, n));
  return Vec::flat(res);
}

Vec bround(const Vec& x, int d, const ColTypePtr& out, int64_t n) {
  auto res = col::make_fixed_column(out, n);
  const ColType& t = x.type();
  if (t.id == TypeId::Decimal) {
    auto vb = col::ensure_validity(*res);
    for (int64_t i = 0; i < n; ++i) {
      int64_t r = x.constant ? 0 : i;
      std::optional<__int128> v;
      if (x.col->is_valid(r)) {
        // HALF_EVEN at 10^-d, then expressed at the output scale (out scale = max(0, min(d, s))).
        int at = std::min(d, t.scale);
        __int128 q = div_round(x.col->dec_at(r), t.scale - at, true);
        if (at < 0) q *= dec::pow10(-at);
        v = dec::rescale(q, std::max(at, 0), out->precision, out->scale);
      }
      col::put_bit(vb, i, bool(v));
      __int128 z = v ? *v : 0;
      std::memcpy(res->values->data() + 16 * i, &z, 16);
    }
    col::finish_validity(*res);
    return Vec::flat(res);
  }
  dispatch_fixed(t.id, [&]<typename T>() {
    const T* in = x.col->vals<T>();
    T* o = res->values->as<T>();
    for (int64_t i = 0; i < n; ++i) {
      T v = in[x.constant ? 0 : i];
      if constexpr (std::is_floating_point_v<T>) o[i] = T(round_double(double(v), d, true));
      else if constexpr (std::is_same_v<T, __int128>) o[i] = v;
      else o[i] = round_integral<T>(v, d, true);
    }
    return 0;
  });
  set_validity(*res, copy_validity(x, n));
  return Vec::flat(res);
}

Vec sqrt(const Vec& x, int64_t n) {
  auto res = col::make_fixed_column(type_of(TypeId::Double), n);
  const double* in = x.col->vals<double>();
  double* o = res->values->as<double>();
  for (int64_t i = 0; i < n; ++i) o[i] = std::sqrt(in[x.constant ? 0 : i]);  // sqrt(-1) = NaN
  set_validity(*res, copy_validity(x, n));
  return Vec::flat(res);
}

Vec date_part(const Vec& date, DatePart part, int64_t n) {
  auto res = col::make_fixed_column(type_of(TypeId::Int), n);
  const int32_t* in = date.col->vals<int32_t>();
  int32_t* o = res->values->as<int32_t>();
  for (int64_t i = 0; i < n; ++i) {
    int64_t y; unsigned m, d;
    civil_from_days(in[date.constant ? 0 : i], y, m, d);
    o[i] = part == DatePart::Year ? int32_t(y) : part == DatePart::Month ? int32_t(m) : int32_t(d);
  }
  set_validity(*res, copy_validity(date, n));
  return Vec::flat(res);
}

Vec size(const Vec& coll, int64_t n) {
  auto res = col::make_fixed_column(type_of(TypeId::Int), n);
  int32_t* o = res->values->as<int32_t>();
  for (int64_t i = 0; i < n; ++i) {
    int64_t r = coll.constant ? 0 : i;
    o[i] = coll.col->is_null(r) ? -1 : coll.col->offsets()[r + 1] - coll.col->offsets()[r];
  }
  return Vec::flat(res);
}

Vec make_array(const std::vector<Vec>& elems, int64_t n) {
  const size_t k = elems.size();
  ColType elem_t = k ? elems[0].type() : ColType::scalar(TypeId::Null);
  auto out = std::make_shared<Column>();
  out->type = col::make_type(ColType::array(elem_t, true));
  out->length = n;
  out->values = std::make_shared<col::Buffer>(size_t(n + 1) * 4);
  int32_t* off = out->values->as<int32_t>();
  for (int64_t i = 0; i <= n; ++i) off[i] = int32_t(i * int64_t(k));
  if (k == 0 || elem_t.id == TypeId::Null) {
    out->children.push_back(col::make_null_column(col::make_type(elem_t), n * int64_t(k)));
    return Vec::flat(out);
  }
  std::vector<const Column*> srcs;
  for (const auto& e : elems) srcs.push_back(e.col.get());
  std::vector<uint32_t> src(static_cast<size_t>(n) * k);
  std::vector<int32_t> idx(static_cast<size_t>(n) * k);
  for (int64_t i = 0; i < n; ++i)
    for (size_t j = 0; j < k; ++j) {
      src[size_t(i) * k + j] = uint32_t(j);
      idx[size_t(i) * k + j] = elems[j].constant ? 0 : int32_t(i);
    }
  out->children.push_back(col::gather_multi(srcs, src.data(), idx.data(), n * int64_t(k)));
  return Vec::flat(out);
}

Vec get_item(const Vec& coll, const Vec& key, int64_t n) {
  const Column& c = *coll.col;
  const bool is_map = c.id() == TypeId::Map;
  const Column& child = is_map ? *c.children[0]->children[1] : *c.children[0];
  std::vector<int32_t> idx(static_cast<size_t>(n), -1);
  for (int64_t i = 0; i < n; ++i) {
    int64_t r = coll.constant ? 0 : i, kr = key.constant ? 0 : i;
    if (c.is_null(r) || key.col->is_null(kr)) continue;
    int32_t lo = c.offsets()[r], hi = c.offsets()[r + 1];
    if (!is_map) {
      int64_t k = key.type().id == TypeId::Long ? key.col->vals<int64_t>()[kr] : key.col->vals<int32_t>()[kr];
      if (k >= 0 && k < hi - lo) idx[size_t(i)] = int32_t(lo + k);
      continue;
    }
    const Column& keys = *c.children[0]->children[0];
    for (int32_t e = lo; e < hi; ++e)
      if (equal_rows(keys, e, *key.col, kr)) { idx[size_t(i)] = e; break; }
  }
  return Vec::flat(col::gather(child, idx.data(), n));
}

Vec get_field(const Vec& strct, size_t field, int64_t n) {
  const Column& c = *strct.col;
  std::vector<int32_t> idx(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    int64_t r = strct.constant ? 0 : i;
    idx[size_t(i)] = c.is_null(r) ? -1 : int32_t(r);  // a NULL struct has NULL fields
  }
  return Vec::flat(col::gather(*c.children[field], idx.data(), n));
}

}  // namespace spp::sql::kern
