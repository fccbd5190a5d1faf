// Math kernels (math_fns.h).
#include "sql/kernels/math_fns.h"

#include <cmath>
#include <limits>

#include "sql/kernels/fn_util.h"
#include "sql/kernels/xorshift.h"

namespace spp::sql::kern {

namespace {
// Scala's Double.toLong: NaN -> 0, saturating at the long range.
int64_t to_long(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 9223372036854775807.0) return std::numeric_limits<int64_t>::max();
  if (d <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
  return int64_t(d);
}

template <typename F>
Vec map_double(const Vec& x, int64_t n, F f, double asymptote, bool has_asymptote) {
  FixArg<double> X(x);
  return gen_fixed<double>(type_of(TypeId::Double), n, [&](int64_t i, double& o) {
    if (X.null(i)) return false;
    double v = X[i];
    if (has_asymptote && v <= asymptote) return false;
    o = f(v);
    return true;
  });
}
}  // namespace

Vec math_unary(MathFn f, const Vec& x, int64_t n) {
  constexpr double kNoAsym = 0;
  switch (f) {
    case MathFn::Cbrt:  // glibc's cbrt is not correctly rounded (cbrt(27) = 3.0000000000000004); Java's is
      return map_double(x, n, [](double v) { return double(std::cbrt((long double)v)); }, kNoAsym, false);
    case MathFn::Exp: return map_double(x, n, [](double v) { return std::exp(v); }, kNoAsym, false);
    case MathFn::Expm1: return map_double(x, n, [](double v) { return std::expm1(v); }, kNoAsym, false);
    case MathFn::Log10: return map_double(x, n, [](double v) { return std::log10(v); }, 0.0, true);
    case MathFn::Log2: return map_double(x, n, [](double v) { return std::log(v) / std::log(2.0); }, 0.0, true);
    case MathFn::Log1p: return map_double(x, n, [](double v) { return std::log1p(v); }, -1.0, true);
    case MathFn::Ln: return map_double(x, n, [](double v) { return std::log(v); }, 0.0, true);
    case MathFn::Sin: return map_double(x, n, [](double v) { return std::sin(v); }, kNoAsym, false);
    case MathFn::Cos: return map_double(x, n, [](double v) { return std::cos(v); }, kNoAsym, false);
    case MathFn::Tan: return map_double(x, n, [](double v) { return std::tan(v); }, kNoAsym, false);
    case MathFn::Asin: return map_double(x, n, [](double v) { return std::asin(v); }, kNoAsym, false);
    case MathFn::Acos: return map_double(x, n, [](double v) { return std::acos(v); }, kNoAsym, false);
    case MathFn::Atan: return map_double(x, n, [](double v) { return std::atan(v); }, kNoAsym, false);
    case MathFn::Sinh: return map_double(x, n, [](double v) { return std::sinh(v); }, kNoAsym, false);
    case MathFn::Cosh: return map_double(x, n, [](double v) { return std::cosh(v); }, kNoAsym, false);
    case MathFn::Tanh: return map_double(x, n, [](double v) { return std::tanh(v); }, kNoAsym, false);
    case MathFn::Asinh:  // Spark's formula, not Math's
      return map_double(x, n, [](double v) { return v == -INFINITY ? v : std::log(v + std::sqrt(v * v + 1.0)); }, kNoAsym, false);
    case MathFn::Acosh: return map_double(x, n, [](double v) { return std::log(v + std::sqrt(v * v - 1.0)); }, kNoAsym, false);
    case MathFn::Atanh: return map_double(x, n, [](double v) { return 0.5 * (std::log1p(v) - std::log1p(-v)); }, kNoAsym, false);
    case MathFn::Cot: return map_double(x, n, [](double v) { return 1.0 / std::tan(v); }, kNoAsym, false);
    case MathFn::Sec: return map_double(x, n, [](double v) { return 1.0 / std::cos(v); }, kNoAsym, false);
    case MathFn::Csc: return map_double(x, n, [](double v) { return 1.0 / std::sin(v); }, kNoAsym, false);
    case MathFn::Degrees: return map_double(x, n, [](double v) { return v * 57.29577951308232; }, kNoAsym, false);
    case MathFn::Radians: return map_double(x, n, [](double v) { return v * 0.017453292519943295; }, kNoAsym, false);
    case MathFn::Signum:
      return map_double(x, n, [](double v) { return (v == 0 || std::isnan(v)) ? v : (v > 0 ? 1.0 : -1.0); }, kNoAsym, false);
    case MathFn::Rint: return map_double(x, n, [](double v) { return std::nearbyint(v); }, kNoAsym, false);
  }
  return {};
}

Vec math_binary(MathFn2 f, const Vec& a, const Vec& b, int64_t n) {
  FixArg<double> A(a), B(b);
  auto run = [&](auto op, bool log) {
    return gen_fixed<double>(type_of(TypeId::Double), n, [&](int64_t i, double& o) {
      if (A.null(i) || B.null(i)) return false;
      if (log && (A[i] <= 0 || B[i] <= 0)) return false;
      o = op(A[i], B[i]);
      return true;
    });
  };
  switch (f) {
    case MathFn2::Atan2: return run([](double y, double x) { return std::atan2(y + 0.0, x + 0.0); }, false);  // -0.0 -> 0.0
    case MathFn2::Hypot: return run([](double x, double y) { return std::hypot(x, y); }, false);
    case MathFn2::Pow: return run([](double x, double y) { return std::pow(x, y); }, false);
    case MathFn2::Log: return run([](double base, double x) { return std::log(x) / std::log(base); }, true);
  }
  return {};
}

Vec ceil_floor(bool up, const Vec& x, const ColTypePtr& out, int64_t n) {
  const TypeId id = x.type().id;
  if (id == TypeId::Long) return x.constant ? Vec::flat(col::gather(*x.col, std::vector<int32_t>(size_t(n), 0).data(), n)) : x;
  if (id == TypeId::Decimal) {
    FixArg<__int128> X(x);
    __int128 p = 1;
    for (int k = 0; k < x.type().scale; ++k) p *= 10;
    return gen_fixed<__int128>(out, n, [&](int64_t i, __int128& o) {
      if (X.null(i)) return false;
      __int128 v = X[i], q = v / p, r = v % p;
      o = q + ((up && r > 0) ? 1 : 0) - ((!up && r < 0) ? 1 : 0);
      return true;
    });
  }
  FixArg<double> X(x);
  return gen_fixed<int64_t>(out, n, [&](int64_t i, int64_t& o) {
    if (X.null(i)) return false;
    o = to_long(up ? std::ceil(X[i]) : std::floor(X[i]));
    return true;
  });
}

Vec greatest_least(bool greatest, const std::vector<Vec>& args, const ColTypePtr& t, int64_t n) {
  if (t->id == TypeId::String) {
    std::vector<StrArg> xs;
    for (const auto& a : args) xs.emplace_back(a);
    return gen_str(n, [&](int64_t i, std::string& out) {
      const StrArg* best = nullptr;
      for (const auto& x : xs)
        if (!x.null(i) && (!best || (greatest ? x[i] > (*best)[i] : x[i] < (*best)[i]))) best = &x;
      if (!best) return false;
      out.append((*best)[i]);
      return true;
    });
  }
  return dispatch_fixed(t->id, [&]<typename T>() {
    std::vector<FixArg<T>> xs;
    for (const auto& a : args) xs.emplace_back(a);
    // Spark's ordering: NaN is larger than any other value.
    auto less = [](T a, T b) {
      if constexpr (std::is_floating_point_v<T>) {
        if (std::isnan(a)) return false;
        if (std::isnan(b)) return true;
      }
      return a < b;
    };
    return gen_fixed<T>(t, n, [&](int64_t i, T& o) {
      bool any = false;
      for (const auto& x : xs) {
        if (x.null(i)) continue;
        T v = x[i];
        if (!any || (greatest ? less(o, v) : less(v, o))) o = v;
        any = true;
      }
      return any;
    });
  });
}

Vec hex(const Vec& x, int64_t n) {
  static const char kDigits[] = "0123456789ABCDEF";
  if (x.type().id == TypeId::Long) {
    FixArg<int64_t> X(x);
    return gen_str(n, [&](int64_t i, std::string& out) {
      if (X.null(i)) return false;
      uint64_t u = uint64_t(X[i]);
      do { out.insert(out.begin(), kDigits[u & 15]); u >>= 4; } while (u);
      return true;
    });
  }
  StrArg S(x);
  return gen_str(n, [&](int64_t i, std::string& out) {
    if (S.null(i)) return false;
    for (unsigned char ch : S[i]) { out.push_back(kDigits[ch >> 4]); out.push_back(kDigits[ch & 15]); }
    return true;
  });
}

Vec unhex(const Vec& s, int64_t n) {
  StrArg S(s);
  auto digit = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; };
  return gen_str(
      n,
      [&](int64_t i, std::string& out) {
        if (S.null(i)) return false;
        std::string_view v = S[i];
        size_t k = 0;
        if (v.size() % 2 == 1) {
          int d = digit(v[0]);
          if (d < 0) return false;
          out.push_back(char(d));
          k = 1;
        }
        for (; k < v.size(); k += 2) {
          int hi = digit(v[k]), lo = digit(v[k + 1]);
          if (hi < 0 || lo < 0) return false;
          out.push_back(char(hi << 4 | lo));
        }
        return true;
      },
      TypeId::Binary);
}

Vec bin(const Vec& x, int64_t n) {
  FixArg<int64_t> X(x);
  return gen_str(n, [&](int64_t i, std::string& out) {
    if (X.null(i)) return false;
    uint64_t u = uint64_t(X[i]);
    do { out.insert(out.begin(), char('0' + (u & 1))); u >>= 1; } while (u);
    return true;
  });
}

Vec conv(const Vec& s, const Vec& from, const Vec& to, int64_t n) {
  StrArg S(s);
  FixArg<int32_t> F(from), T(to);
  return gen_str(n, [&](int64_t i, std::string& out) {
    if (S.null(i) || F.null(i) || T.null(i)) return false;
    int fb = F[i], tb = T[i];
    if (fb < 2 || fb > 36 || std::abs(tb) < 2 || std::abs(tb) > 36) return false;
    std::string_view v = S[i];
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);  // UTF8String.trim: spaces
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    if (v.empty()) return false;
    bool neg = v[0] == '-';
    if (neg) v.remove_prefix(1);
    // NumberConverter.encode: digits up to the first invalid one, as an unsigned 64-bit value;
    // overflow gives -1 (all ones).
    uint64_t u = 0;
    const uint64_t bound = (uint64_t(0) - 1 - uint64_t(fb)) / uint64_t(fb);
    for (char c : v) {
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'Z' ? c - 'A' + 10 : c >= 'a' && c <= 'z' ? c - 'a' + 10 : -1;
      if (d < 0 || d >= fb) break;
      if (u >= bound && (uint64_t(0) - 1 - uint64_t(d)) / uint64_t(fb) < u) { u = uint64_t(0) - 1; break; }
      u = u * uint64_t(fb) + uint64_t(d);
    }
    int64_t sv = int64_t(u);
    bool minus = neg;
    if (neg && tb > 0) sv = sv < 0 ? -1 : int64_t(uint64_t(0) - uint64_t(sv));
    if (tb < 0 && sv < 0) { sv = int64_t(uint64_t(0) - uint64_t(sv)); minus = true; }
    minus = minus && tb < 0;
    uint64_t w = uint64_t(sv);
    const int base = std::abs(tb);
    std::string digits;
    do {
      int d = int(w % uint64_t(base));
      digits.insert(digits.begin(), char(d < 10 ? '0' + d : 'A' + d - 10));
      w /= uint64_t(base);
    } while (w);
    if (minus) out.push_back('-');
    out += digits;
    return true;
  });
}

Vec bitwise_not(const Vec& x, int64_t n) {
  return dispatch_fixed(x.type().id, [&]<typename T>() {
    FixArg<T> X(x);
    return gen_fixed<T>(x.col->type, n, [&](int64_t i, T& o) {
      if (X.null(i)) return false;
      if constexpr (std::is_integral_v<T>) o = T(~X[i]);
      return true;
    });
  });
}

Vec bitwise(char op, const Vec& x, const Vec& y, int64_t n) {
  return dispatch_fixed(x.type().id, [&]<typename T>() {
    FixArg<T> X(x), Y(y);
    return gen_fixed<T>(x.col->type, n, [&](int64_t i, T& o) {
      if (X.null(i) || Y.null(i)) return false;
      if constexpr (std::is_integral_v<T>) o = T(op == '&' ? (X[i] & Y[i]) : op == '|' ? (X[i] | Y[i]) : (X[i] ^ Y[i]));
      return true;
    });
  });
}

Vec shift(Shift k, const Vec& x, const Vec& bits, int64_t n) {
  FixArg<int32_t> B(bits);
  auto run = [&]<typename T, typename U>() {
    FixArg<T> X(x);
    constexpr int mask = sizeof(T) * 8 - 1;  // Java masks the shift distance
    return gen_fixed<T>(x.col->type, n, [&](int64_t i, T& o) {
      if (X.null(i) || B.null(i)) return false;
      int s = B[i] & mask;
      if (k == Shift::Left) o = T(U(X[i]) << s);
      else if (k == Shift::Right) o = T(X[i] >> s);
      else o = T(U(X[i]) >> s);
      return true;
    });
  };
  if (x.type().id == TypeId::Long) return run.template operator()<int64_t, uint64_t>();
  return run.template operator()<int32_t, uint32_t>();
}

Vec factorial(const Vec& x, int64_t n) {
  FixArg<int32_t> X(x);
  return gen_fixed<int64_t>(type_of(TypeId::Long), n, [&](int64_t i, int64_t& o) {
    if (X.null(i) || X[i] < 0 || X[i] > 20) return false;
    o = 1;
    for (int k = 2; k <= X[i]; ++k) o *= k;
    return true;
  });
}

Vec isnan(const Vec& x, int64_t n) {
  auto run = [&]<typename T>() {
    FixArg<T> X(x);
    return gen_bool(n, [&](int64_t i, bool& o) {
      o = !X.null(i) && std::isnan(X[i]);
      return true;
    });
  };
  return x.type().id == TypeId::Float ? run.template operator()<float>() : run.template operator()<double>();
}

Vec nanvl(const Vec& a, const Vec& b, int64_t n) {
  auto run = [&]<typename T>() {
    FixArg<T> A(a), B(b);
    return gen_fixed<T>(a.col->type, n, [&](int64_t i, T& o) {
      if (A.null(i)) return false;
      if (!std::isnan(A[i])) { o = A[i]; return true; }
      if (B.null(i)) return false;
      o = B[i];
      return true;
    });
  };
  return a.type().id == TypeId::Float ? run.template operator()<float>() : run.template operator()<double>();
}

double next_gaussian(XorShiftRandom& r, bool& have_next, double& next) {
  if (have_next) { have_next = false; return next; }
  double v1, v2, s;
  do {
    v1 = 2 * r.next_double() - 1;
    v2 = 2 * r.next_double() - 1;
    s = v1 * v1 + v2 * v2;
  } while (s >= 1 || s == 0);
  double m = std::sqrt(-2 * std::log(s) / s);
  next = v2 * m;
  have_next = true;
  return v1 * m;
}

}  // namespace spp::sql::kern
