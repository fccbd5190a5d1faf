// Day-time interval kernels (issue 14): make_dt_interval, and the datetime arithmetic Spark's
// ResolveBinaryArithmetic rewrites `+ - * /` into when an operand is a DayTimeIntervalType (int64
// µs) or both are datetimes (analysis/functions.cpp types them): interval ± interval,
// date/timestamp ± interval (whole days on the session zone's wall clock, the rest as µs; a DAY
// interval moves a date by days), timestamp − timestamp (between wall clocks) and date − date (a
// DAY TO SECOND / DAY interval), interval ×
// number and interval ÷ number (multiplyExact / divide HALF_UP for integral numbers, HALF_UP
// rounding of doubles), −interval. Overflow and division by zero give NULL (Spark's ANSI
// interval arithmetic raises instead; the try_ forms give NULL as here).
// YearMonthIntervalType and CalendarIntervalType (make_interval, make_ym_interval) are not types
// of the engine yet.
#include <cmath>
#include <limits>

#include "sql/exec/library.h"
#include "sql/kernels/cast.h"
#include "sql/kernels/fn_util.h"

namespace spp::sql::exec::lib {

namespace {
using col::TypeId;
using kern::FixArg;
using kern::Vec;
using A = std::vector<Vec>;
constexpr int64_t kUsDay = 86400LL * 1000000;

bool is_interval(TypeId t) { return t == TypeId::DayTimeInterval; }
bool is_datetime(TypeId t) { return t == TypeId::Date || t == TypeId::Timestamp || t == TypeId::TimestampNtz; }
bool is_number(TypeId t) { return col::is_integral(t) || col::is_floating(t) || t == TypeId::Decimal; }

int64_t dec_to_micros(__int128 unscaled, int scale) {  // decimal(…, scale) seconds → µs
  if (scale == 6) return int64_t(unscaled);
  __int128 v = unscaled;
  for (int s = scale; s < 6; ++s) v *= 10;
  for (int s = scale; s > 6; --s) v /= 10;
  return int64_t(v);
}

// A numeric argument as double (the analyzer casts it; any numeric type is read here).
struct NumArg {
  const col::Column* c;
  int64_t m;
  TypeId t;
  int scale;
  explicit NumArg(const Vec& x) : c(x.col.get()), m(x.constant ? 0 : 1), t(x.col->id()), scale(x.col->type->scale) {}
  bool null(int64_t i) const { return t == TypeId::Null || c->is_null(i * m); }
  double operator[](int64_t i) const {
    int64_t r = i * m;
    switch (t) {
      case TypeId::Byte: return c->vals<int8_t>()[r];
      case TypeId::Short: return c->vals<int16_t>()[r];
      case TypeId::Int: return c->vals<int32_t>()[r];
      case TypeId::Long: return double(c->vals<int64_t>()[r]);
      case TypeId::Float: return c->vals<float>()[r];
      case TypeId::Double: return c->vals<double>()[r];
      case TypeId::Decimal: return double(c->dec_at(r)) / std::pow(10.0, scale);
      default: return 0;
    }
  }
};


template <typename T, typename F>
Vec gen(const col::ColTypePtr& t, int64_t n, F&& f) { return kern::gen_fixed<T>(t, n, std::forward<F>(f)); }

// interval ± interval of one kind (sign = +1 / -1).
Vec add_intervals(const Vec& a, const Vec& b, int sign, const col::ColTypePtr& t, int64_t n) {
  FixArg<int64_t> x(a), y(b);
  return gen<int64_t>(t, n, [&](int64_t i, int64_t& o) {
    if (x.null(i) || y.null(i)) return false;
    return sign > 0 ? !__builtin_add_overflow(x[i], y[i], &o) : !__builtin_sub_overflow(x[i], y[i], &o);
  });
}

Vec negate_interval(const Vec& a, const col::ColTypePtr& t, int64_t n) {
  FixArg<int64_t> x(a);
  return gen<int64_t>(t, n, [&](int64_t i, int64_t& o) { if (x.null(i) || x[i] == INT64_MIN) return false; o = -x[i]; return true; });
}

// datetime ± day-time interval (sign -1: subtracted). Result type = t: a date moved by whole
// days (a DAY interval), else a timestamp (the analyzer casts a date to TIMESTAMP first) moved as
// DateTimeUtils.timestampAddDayTime: whole days on the wall clock of the zone (the session's; UTC
// for TIMESTAMP_NTZ), then the rest as µs.
Vec datetime_plus_interval(const Vec& dt, const Vec& iv, int sign, const col::ColTypePtr& t, int64_t n,
                           const kern::TimeZone& tz) {
  FixArg<int64_t> I(iv);
  if (dt.col->id() == TypeId::Date) {
    FixArg<int32_t> D(dt);
    return gen<int32_t>(t, n, [&](int64_t i, int32_t& o) {
      if (D.null(i) || I.null(i)) return false;
      int64_t r = int64_t(D[i]) + sign * (I[i] / kUsDay);
      if (r != int32_t(r)) return false;
      o = int32_t(r);
      return true;
    });
  }
  FixArg<int64_t> T(dt);
  const bool ntz = dt.col->id() == TypeId::TimestampNtz;
  return gen<int64_t>(t, n, [&](int64_t i, int64_t& o) {
    if (T.null(i) || I.null(i) || I[i] == INT64_MIN) return false;
    const int64_t v = sign * I[i], days = v / kUsDay, rest = v - days * kUsDay;
    int64_t ts = T[i];
    if (days != 0) {
      int64_t local;
      if (__builtin_mul_overflow(days, kUsDay, &local) || __builtin_add_overflow(ntz ? ts : tz.to_local(ts), local, &local))
        return false;
      ts = ntz ? local : tz.to_utc(local);
    }
    return !__builtin_add_overflow(ts, rest, &o);
  });
}

// end − start: dates as days × µs/day; timestamps as the µs between their wall clocks in the
// session zone (DateTimeUtils.subtractTimestamps; TIMESTAMP_NTZ: the wall clocks themselves).
Vec datetime_diff(const Vec& a, const Vec& b, const col::ColTypePtr& t, int64_t n, const kern::TimeZone& tz) {
  const TypeId ta = a.col->id(), tb = b.col->id();
  if (ta == TypeId::Date && tb == TypeId::Date) {
    FixArg<int32_t> x(a), y(b);
    return gen<int64_t>(t, n, [&](int64_t i, int64_t& o) {
      if (x.null(i) || y.null(i)) return false;
      o = (int64_t(x[i]) - int64_t(y[i])) * kUsDay;
      return true;
    });
  }
  auto micros = [&](const Vec& v, TypeId ty, int64_t i) {  // the wall clock
    int64_t r = v.constant ? 0 : i;
    if (ty == TypeId::Date) return int64_t(v.col->vals<int32_t>()[r]) * kUsDay;
    int64_t x = v.col->vals<int64_t>()[r];
    return ty == TypeId::TimestampNtz ? x : tz.to_local(x);
  };
  return gen<int64_t>(t, n, [&](int64_t i, int64_t& o) {
    if (a.col->is_null(a.constant ? 0 : i) || b.col->is_null(b.constant ? 0 : i)) return false;
    return !__builtin_sub_overflow(micros(a, ta, i), micros(b, tb, i), &o);
  });
}

// interval × number / interval ÷ number.
Vec scale_interval(const Vec& iv, const Vec& num, bool divide, const col::ColTypePtr& t, int64_t n) {
  NumArg k(num);
  auto ok_div = [&](double f) { return !divide || f != 0; };
  const bool exact = col::is_integral(num.col->id());
  auto apply = [&](int64_t v, int64_t i, int64_t lo, int64_t hi, int64_t& o) {
    if (exact) {  // multiplyExact / LongMath.divide(…, HALF_UP)
      int64_t q = num.col->id() == TypeId::Long ? num.col->vals<int64_t>()[num.constant ? 0 : i] : int64_t(k[i]);
      if (divide) {
        if (q == 0) return false;
        int64_t d = v / q, r = v % q;
        if (2 * (r < 0 ? -r : r) >= (q < 0 ? -q : q)) d += ((v < 0) != (q < 0)) ? -1 : 1;
        o = d;
      } else if (__builtin_mul_overflow(v, q, &o)) {
        return false;
      }
    } else {  // DoubleMath.roundToLong(…, HALF_UP)
      double f = k[i];
      if (!ok_div(f)) return false;
      double r = divide ? double(v) / f : double(v) * f;
      if (!std::isfinite(r) || std::fabs(r) >= 9.2e18) return false;
      o = std::llround(r);
    }
    return o >= lo && o <= hi;
  };
  FixArg<int64_t> x(iv);
  return gen<int64_t>(t, n, [&](int64_t i, int64_t& o) {
    if (x.null(i) || k.null(i)) return false;
    return apply(x[i], i, INT64_MIN, INT64_MAX, o);
  });
}

// make_dt_interval(days, hours, mins, secs decimal(18,6)) -> µs.
Vec make_dt_interval(const A& x, const col::ColTypePtr& t, int64_t n) {
  FixArg<int32_t> d(x[0]), h(x[1]), m(x[2]);
  FixArg<__int128> s(x[3]);
  const int scale = x[3].col->type->scale;
  return gen<int64_t>(t, n, [&](int64_t i, int64_t& o) {
    if (d.null(i) || h.null(i) || m.null(i) || s.null(i)) return false;
    __int128 us = __int128(d[i]) * kUsDay + __int128(h[i]) * 3600000000LL + __int128(m[i]) * 60000000LL + dec_to_micros(s[i], scale);
    if (us > INT64_MAX || us < INT64_MIN) return false;
    o = int64_t(us);
    return true;
  });
}

}  // namespace

std::optional<Result<ExprPtr>> lower_interval_call(const std::string& name, std::vector<ExprPtr>& a,
                                                   const col::ColTypePtr& type) {
  if (name == "make_dt_interval" && a.size() == 4)
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext&) { return make_dt_interval(x, type, n); });
  if (name == "negative" && a.size() == 1 && is_interval(a[0]->type->id))
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext&) { return negate_interval(x[0], type, n); });
  std::string op = name;
  if (name == "try_add") op = "+";
  else if (name == "try_subtract") op = "-";
  else if (name == "try_multiply") op = "*";
  else if (name == "try_divide") op = "/";
  if (a.size() != 2 || (op != "+" && op != "-" && op != "*" && op != "/")) return std::nullopt;
  const TypeId l = a[0]->type->id, r = a[1]->type->id;
  const bool li = is_interval(l), ri = is_interval(r), ld = is_datetime(l), rd = is_datetime(r);
  if (!li && !ri && !(ld && rd)) return std::nullopt;
  if (li && ri && (op == "+" || op == "-")) {
    int sign = op == "+" ? 1 : -1;
    return bind_kernel(a, type, [type, sign](const A& x, int64_t n, const EvalContext&) { return add_intervals(x[0], x[1], sign, type, n); });
  }
  if ((ld && ri) || (li && rd)) {
    if (op != "+" && op != "-") return Result<ExprPtr>::error(name + " of a datetime and an interval");
    int sign = op == "+" ? 1 : -1;
    std::vector<ExprPtr> args = ld ? a : std::vector<ExprPtr>{a[1], a[0]};
    return bind_kernel(args, type, [type, sign](const A& x, int64_t n, const EvalContext& ctx) {
      return datetime_plus_interval(x[0], x[1], sign, type, n, ctx.cast.tz);
    });
  }
  if (ld && rd && op == "-")
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext& ctx) { return datetime_diff(x[0], x[1], type, n, ctx.cast.tz); });
  if ((li && is_number(r)) || (ri && is_number(l) && op == "*")) {
    const bool divide = op == "/";
    std::vector<ExprPtr> args = li ? a : std::vector<ExprPtr>{a[1], a[0]};
    return bind_kernel(args, type, [type, divide](const A& x, int64_t n, const EvalContext&) { return scale_interval(x[0], x[1], divide, type, n); });
  }
  return Result<ExprPtr>::error(name + " of " + a[0]->type->to_string() + " and " + a[1]->type->to_string() +
                                " is not supported by the native engine yet");
}

}  // namespace spp::sql::exec::lib
