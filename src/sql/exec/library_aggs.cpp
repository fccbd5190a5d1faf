// Finishing kernels of the aggregates computed from a collected group (analysis/fn_aggs.cpp):
// each row is one group's collect_list / collect_set (or sum / avg) result.
//   median / percentile: Spark's Percentile — the values sorted (NaN greatest), position
//     p × (n − 1), the two neighbouring ranks linearly interpolated; NULL for an empty group;
//   mode: the most frequent value (ties: the value seen first);
//   max_by / min_by: x of the greatest / least non-NULL y (ties: the first seen, as MaxBy's
//     strict comparison keeps it);
//   approx_count_distinct: the number of distinct non-NULL values — exact, so within any
//     relativeSD bound (Spark's HyperLogLog++ estimate can differ from it, within the bound);
//   try_sum / try_avg: sum / avg (integral overflow is not detected: it wraps as sum does).
#include <algorithm>
#include <cmath>
#include <optional>

#include "sql/columnar/builder.h"
#include "sql/exec/library.h"
#include "sql/kernels/arith.h"
#include "sql/kernels/compare.h"
#include "sql/kernels/digest_fns.h"
#include "sql/kernels/fn_util.h"

namespace spp::sql::exec::lib {

namespace {
using col::Column;
using kern::Vec;

struct Lists {
  const Column& c;
  bool k;
  explicit Lists(const Vec& v) : c(*v.col), k(v.constant) {}
  int64_t row(int64_t i) const { return k ? 0 : i; }
  bool null(int64_t i) const { return c.is_null(row(i)); }
  int32_t lo(int64_t i) const { return c.offsets()[row(i)]; }
  int32_t hi(int64_t i) const { return c.offsets()[row(i) + 1]; }
  const Column& elems() const { return *c.children[0]; }
};

bool dless(double a, double b) {  // Spark's double ordering: NaN greatest
  if (std::isnan(a)) return false;
  return std::isnan(b) || a < b;
}

// Spark's Percentile.getPercentile over sorted values.
double percentile_of(const std::vector<double>& v, double p) {
  const double pos = double(v.size() - 1) * p;
  const double lower = std::floor(pos), higher = std::ceil(pos);
  const double lo = v[size_t(lower)], hi = v[size_t(higher)];
  if (higher == lower || lo == hi) return lo;
  return (higher - pos) * lo + (pos - lower) * hi;
}

Vec percentile_kernel(const std::vector<Vec>& a, int64_t n, const col::ColTypePtr& type, bool median) {
  Lists l(a[0]);
  const Column& el = l.elems();
  auto values = [&](int64_t i) {
    std::vector<double> v;
    for (int32_t j = l.lo(i); j < l.hi(i); ++j)
      if (el.is_valid(j)) v.push_back(el.vals<double>()[j]);
    std::sort(v.begin(), v.end(), dless);
    return v;
  };
  if (median || type->id != col::TypeId::Array) {
    std::optional<kern::FixArg<double>> p;
    if (!median) p.emplace(a[1]);
    return kern::gen_fixed<double>(type, n, [&](int64_t i, double& out) {
      if (l.null(i)) return false;
      auto v = values(i);
      if (v.empty() || (p && p->null(i))) return false;
      out = percentile_of(v, p ? (*p)[i] : 0.5);
      return true;
    });
  }
  // percentile(x, array(p…)): one value per percentage.
  Lists ps(a[1]);
  col::ColumnBuilder b(type);
  for (int64_t i = 0; i < n; ++i) {
    auto v = values(i);
    if (l.null(i) || ps.null(i) || v.empty()) { b.append_null(); continue; }
    const Column& pe = ps.elems();
    for (int32_t j = ps.lo(i); j < ps.hi(i); ++j) {
      if (pe.is_null(j)) b.child(0).append_null();
      else b.child(0).append<double>(percentile_of(v, pe.vals<double>()[j]));
    }
    b.finish_list();
  }
  return Vec::flat(b.finish());
}

// The element index each row picks (-1: NULL), gathered from the elements (`field`: of a struct).
Vec pick(const Lists& l, const std::vector<int32_t>& idx, const col::ColTypePtr& type, int field = -1) {
  const Column& src = field < 0 ? l.elems() : *l.elems().children[size_t(field)];
  auto out = col::gather(src, idx.data(), int64_t(idx.size()));
  if (!(*out->type == *type)) {
    auto x = std::make_shared<Column>(*out);
    x->type = type;
    out = x;
  }
  return Vec::flat(out);
}

Vec mode_kernel(const std::vector<Vec>& a, int64_t n, const col::ColTypePtr& type) {
  Lists l(a[0]);
  const Column& el = l.elems();
  std::vector<int32_t> best(static_cast<size_t>(n), -1);
  for (int64_t i = 0; i < n; ++i) {
    if (l.null(i)) continue;
    std::vector<int32_t> ix;
    for (int32_t j = l.lo(i); j < l.hi(i); ++j) if (el.is_valid(j)) ix.push_back(j);
    std::stable_sort(ix.begin(), ix.end(), [&](int32_t p, int32_t q) { return kern::compare_rows(el, p, el, q) < 0; });
    size_t top = 0;
    for (size_t s = 0; s < ix.size();) {
      size_t e = s + 1;
      while (e < ix.size() && kern::equal_rows(el, ix[s], el, ix[e])) ++e;
      int32_t first = *std::min_element(ix.begin() + long(s), ix.begin() + long(e));
      if (e - s > top || (e - s == top && first < best[size_t(i)])) { top = e - s; best[size_t(i)] = first; }
      s = e;
    }
  }
  return pick(l, best, type);
}

Vec by_kernel(const std::vector<Vec>& a, int64_t n, const col::ColTypePtr& type, bool max) {
  Lists l(a[0]);
  const Column& ys = *l.elems().children[1];
  std::vector<int32_t> best(static_cast<size_t>(n), -1);
  for (int64_t i = 0; i < n; ++i) {
    if (l.null(i)) continue;
    int32_t b = -1;
    for (int32_t j = l.lo(i); j < l.hi(i); ++j) {
      if (ys.is_null(j)) continue;
      if (b < 0) { b = j; continue; }
      int c = kern::compare_rows(ys, j, ys, b);
      if (max ? c > 0 : c < 0) b = j;
    }
    best[size_t(i)] = b;
  }
  return pick(l, best, type, 0);
}

// approx_count_distinct over the group's distinct values (collect_set): Spark's HyperLogLog++
// registers (p = ceil(2 log2(1.106 / rsd)), XXH64 seed 42 of each value as xxhash64() hashes it,
// index = the top p bits, rank = leading zeros of the rest + 1) and its estimate — linear
// counting m ln(m / V) while that is at most the HLL++ threshold for p (or E <= 2.5 m), the raw
// estimate E from 5 m up. Between the two Spark subtracts an empirical bias (HLL++'s kNN tables,
// not reproduced here): the exact distinct count is answered there, within the bound as well.
constexpr double kHllThresholds[] = {10, 20, 40, 80, 220, 400, 900, 1800, 3100, 6500, 15500, 20000, 50000, 120000, 350000};

Vec count_kernel(const std::vector<Vec>& a, int64_t n, const col::ColTypePtr& type) {
  Lists l(a[0]);
  kern::FixArg<double> rsd_arg(a[1]);
  const Column& el = l.elems();
  Vec hashes = kern::xxhash64({Vec::flat(l.c.children[0])}, el.length);
  const int64_t* h = hashes.col->vals<int64_t>();
  return kern::gen_fixed<int64_t>(type, n, [&](int64_t i, int64_t& out) {
    if (l.null(i)) { out = 0; return true; }
    const int64_t distinct = l.hi(i) - l.lo(i);
    const double rsd = rsd_arg.null(i) ? 0.05 : rsd_arg[i];
    const int p = int(std::ceil(2.0 * std::log(1.106 / rsd) / std::log(2.0)));
    if (p < 4 || p > 18) { out = distinct; return true; }
    const int64_t m = int64_t(1) << p;
    std::vector<uint8_t> reg(static_cast<size_t>(m), 0);
    for (int32_t j = l.lo(i); j < l.hi(i); ++j) {
      const uint64_t x = uint64_t(h[j]);
      const size_t idx = size_t(x >> (64 - p));
      const uint64_t w = (x << p) | (uint64_t(1) << (p - 1));
      const uint8_t pw = uint8_t(__builtin_clzll(w) + 1);
      reg[idx] = std::max(reg[idx], pw);
    }
    double z = 0, V = 0;
    for (uint8_t r : reg) { z += 1.0 / double(int64_t(1) << r); V += r == 0; }
    const double md = double(m);
    const double alpha = p == 4 ? 0.673 : p == 5 ? 0.697 : p == 6 ? 0.709 : 0.7213 / (1.0 + 1.079 / md);
    const double E = alpha * md * md / z;
    double est;
    if (V > 0 && (m * std::log(md / V) <= kHllThresholds[p - 4] || E <= 2.5 * md)) est = md * std::log(md / V);
    else if (E >= 5.0 * md) est = E;
    else { out = distinct; return true; }  // Spark's bias-corrected range
    out = std::llround(est);
    return true;
  });
}
// regr_*(y, x) over the group's (y, x) pairs, skipping pairs with a NULL, with Spark's update
// formulas in row order (Covariance / PearsonCorrelation / CentralMomentAgg, linearRegression.scala).
Vec regr_kernel(const std::string& fn, const std::vector<Vec>& a, int64_t n, const col::ColTypePtr& type) {
  Lists l(a[0]);
  const Column& ys = *l.elems().children[0];
  const Column& xs = *l.elems().children[1];
  auto body = [&](int64_t i, double& out) -> bool {
    if (l.null(i)) return false;
    double cnt = 0, sx = 0, sy = 0;            // count and sums (regr_count / avgx / avgy)
    double cn = 0, la = 0, ra = 0, ck = 0, lm = 0, rm = 0;  // Covariance(left, right) + Pearson's Mk
    double vn = 0, va = 0, m2 = 0;             // CentralMomentAgg over the moment's input
    const bool slope = fn == "regr_slope" || fn == "regr_intercept";
    for (int32_t j = l.lo(i); j < l.hi(i); ++j) {
      if (ys.is_null(j) || xs.is_null(j)) continue;
      const double y = ys.vals<double>()[j], x = xs.vals<double>()[j];
      cnt += 1, sx += x, sy += y;
      // regr_sxy / regr_r2: Covariance(y, x); regr_slope / regr_intercept: CovPopulation(x, y)
      const double left = slope ? x : y, right = slope ? y : x;
      const double nn = cn + 1, dx = left - la, dy = right - ra;
      const double nla = la + dx / nn, nra = ra + dy / nn;
      ck += dx * (right - nra);
      lm += dx * (left - nla);
      rm += dy * (right - nra);
      cn = nn, la = nla, ra = nra;
      // regr_sxx / slope / intercept: the moments of x; regr_syy: of y
      const double v = fn == "regr_syy" ? y : x;
      const double vnn = vn + 1, delta = v - va, deltaN = delta / vnn;
      va += deltaN;
      m2 += delta * (delta - deltaN);
      vn = vnn;
    }
    if (fn == "regr_avgx" || fn == "regr_avgy") {
      if (cnt == 0) return false;
      out = (fn == "regr_avgx" ? sx : sy) / cnt;
      return true;
    }
    if (fn == "regr_sxx" || fn == "regr_syy") { out = m2; return vn != 0; }
    if (fn == "regr_sxy") { out = ck; return cn != 0; }
    if (fn == "regr_r2") {
      if (cn == 0 || lm == 0) return false;  // xMk (Pearson's first input, y) = 0
      if (rm == 0) { out = 1.0; return true; }
      const double corr = ck / std::sqrt(lm * rm);
      out = corr * corr;
      return true;
    }
    if (m2 == 0) return false;  // slope / intercept: varPop(x).m2 = 0 (or no pairs)
    out = fn == "regr_slope" ? ck / m2 : ra - ck / m2 * la;
    return true;
  };
  if (fn == "regr_count")
    return kern::gen_fixed<int64_t>(type, n, [&](int64_t i, int64_t& out) {
      out = 0;
      if (l.null(i)) return true;
      for (int32_t j = l.lo(i); j < l.hi(i); ++j) out += !ys.is_null(j) && !xs.is_null(j);
      return true;
    });
  return kern::gen_fixed<double>(type, n, body);
}

// Integral + − × with NULL where the result overflows its type (Spark's EvalMode.TRY).
template <typename T>
Vec checked_arith(const std::string& op, const Vec& x, const Vec& y, const col::ColTypePtr& type, int64_t n) {
  kern::FixArg<T> a(x), b(y);
  return kern::gen_fixed<T>(type, n, [&](int64_t i, T& out) {
    if (a.null(i) || b.null(i)) return false;
    if (op == "try_add") return !__builtin_add_overflow(a[i], b[i], &out);
    if (op == "try_subtract") return !__builtin_sub_overflow(a[i], b[i], &out);
    return !__builtin_mul_overflow(a[i], b[i], &out);
  });
}

Vec try_arith(const std::string& op, const std::vector<Vec>& a, const col::ColTypePtr& type, int64_t n) {
  using col::TypeId;
  switch (type->id) {
    case TypeId::Byte: return checked_arith<int8_t>(op, a[0], a[1], type, n);
    case TypeId::Short: return checked_arith<int16_t>(op, a[0], a[1], type, n);
    case TypeId::Int: return checked_arith<int32_t>(op, a[0], a[1], type, n);
    case TypeId::Long: return checked_arith<int64_t>(op, a[0], a[1], type, n);
    default: break;
  }
  auto k = op == "try_add" ? kern::ArithOp::Add : op == "try_subtract" ? kern::ArithOp::Sub
           : op == "try_multiply" ? kern::ArithOp::Mul : kern::ArithOp::Div;
  return kern::arith(k, a[0], a[1], type, n);  // fractional: no overflow; decimals: NULL on overflow
}
}  // namespace

std::optional<Result<ExprPtr>> lower_agg_wrapper_call(const std::string& name, std::vector<ExprPtr>& args,
                                                      const col::ColTypePtr& type) {
  LibKernel k;
  if (name == "median" || name == "percentile") {
    const bool median = name == "median";
    k = [type, median](const std::vector<Vec>& a, int64_t n, const EvalContext&) { return percentile_kernel(a, n, type, median); };
  } else if (name == "mode") {
    k = [type](const std::vector<Vec>& a, int64_t n, const EvalContext&) { return mode_kernel(a, n, type); };
  } else if (name == "max_by" || name == "min_by") {
    const bool max = name == "max_by";
    k = [type, max](const std::vector<Vec>& a, int64_t n, const EvalContext&) { return by_kernel(a, n, type, max); };
  } else if (name == "approx_count_distinct") {
    k = [type](const std::vector<Vec>& a, int64_t n, const EvalContext&) { return count_kernel(a, n, type); };
  } else if (name == "try_add" || name == "try_subtract" || name == "try_multiply" || name == "try_divide") {
    k = [type, name](const std::vector<Vec>& a, int64_t n, const EvalContext&) { return try_arith(name, a, type, n); };
  } else if (name.rfind("regr_", 0) == 0) {
    k = [type, name](const std::vector<Vec>& a, int64_t n, const EvalContext&) { return regr_kernel(name, a, n, type); };
  } else if (name == "try_element_at") {
    return lower_library_call("element_at", args, type);
  } else if (name == "try_date_add" || name == "try_date_sub") {
    return lower_library_call(name.substr(4), args, type);
  } else if (name == "try_sum" || name == "try_avg") {
    k = [](const std::vector<Vec>& a, int64_t, const EvalContext&) { return a[0]; };
  } else {
    return std::nullopt;
  }
  return bind_kernel(std::move(args), type, std::move(k));
}

}  // namespace spp::sql::exec::lib
