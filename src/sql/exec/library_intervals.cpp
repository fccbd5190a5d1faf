// Interval kernels (issue 14): make_interval / make_dt_interval / make_ym_interval, and the
// datetime arithmetic Spark's ResolveBinaryArithmetic rewrites `+ - * /` into when an operand is
// an interval or a datetime (analysis/functions.cpp types them):
//   interval ± interval (CalendarInterval field by field; ANSI intervals as their int32 months /
//   int64 µs), date/timestamp ± interval (DateAddInterval, TimeAdd, DateAddYMInterval,
//   TimestampAddYMInterval: months and days moved in the session zone's wall clock, µs added to
//   the instant), timestamp − timestamp and date − date (a DAY TO SECOND / DAY interval),
//   interval × number and interval ÷ number (IntervalUtils.multiply/divide: CalendarInterval
//   through doubles, truncated; ANSI intervals rounded HALF_UP), −interval.
// Overflow, and division by zero, give NULL (Spark's ANSI interval arithmetic raises instead; the
// try_ forms give NULL as here).
#include <cmath>
#include <limits>

#include "sql/exec/library.h"
#include "sql/kernels/cast.h"
#include "sql/kernels/fn_util.h"

namespace spp::sql::exec::lib {

namespace {
using col::CalInterval;
using col::TypeId;
using kern::FixArg;
using kern::Vec;
using A = std::vector<Vec>;
constexpr int64_t kUsDay = 86400LL * 1000000;

int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }
bool is_interval(TypeId t) { return t == TypeId::DayTimeInterval || t == TypeId::YearMonthInterval || t == TypeId::CalendarInterval; }
bool is_datetime(TypeId t) { return t == TypeId::Date || t == TypeId::Timestamp || t == TypeId::TimestampNtz; }
bool is_number(TypeId t) { return col::is_integral(t) || col::is_floating(t) || t == TypeId::Decimal; }

// LocalDate.plusMonths: the day clamped to the month's length.
int32_t days_plus_months(int32_t days, int64_t months, bool& ok) {
  int64_t y; unsigned m, d;
  kern::civil_from_days(days, y, m, d);
  int64_t total = y * 12 + int64_t(m) - 1 + months;
  int64_t ny = floor_div(total, 12);
  unsigned nm = unsigned(total - ny * 12) + 1;
  static const unsigned kLen[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (ny % 4 == 0 && ny % 100 != 0) || ny % 400 == 0;
  unsigned len = nm == 2 && leap ? 29 : kLen[nm - 1];
  ok = ny > -300000 && ny < 300000;
  return kern::days_from_civil(ny, nm, d > len ? len : d);
}

// DateTimeUtils.timestampAddInterval: months and days on the wall clock of `tz`, then µs.
bool ts_add(int64_t ts, int32_t months, int32_t days, int64_t micros, const kern::TimeZone& tz, bool ntz, int64_t& out) {
  int64_t t = ts;
  if (months != 0 || days != 0) {
    int64_t local = ntz ? ts : tz.to_local(ts);
    int64_t day = floor_div(local, kUsDay), tod = local - day * kUsDay;
    bool ok = true;
    int64_t nd = int64_t(days_plus_months(int32_t(day), months, ok)) + days;
    if (!ok) return false;
    int64_t nl = nd * kUsDay + tod;
    t = ntz ? nl : tz.to_utc(nl);
  }
  return !__builtin_add_overflow(t, micros, &out);
}

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

// IntervalUtils.fromDoubles (non-ANSI multiply/divide of a CalendarInterval).
bool cal_from_doubles(double months, double days, double micros, CalInterval& o) {
  if (!std::isfinite(months) || !std::isfinite(days) || !std::isfinite(micros)) return false;
  if (std::fabs(months) >= 2147483648.0 || std::fabs(days) >= 2147483648.0) return false;
  o.months = int32_t(int64_t(months));
  o.days = int32_t(int64_t(days));
  double us = micros + double(kUsDay) * (days - double(o.days));
  if (std::fabs(us) >= 9.2e18) return false;
  o.micros = std::llround(us);
  return true;
}


template <typename T, typename F>
Vec gen(const col::ColTypePtr& t, int64_t n, F&& f) { return kern::gen_fixed<T>(t, n, std::forward<F>(f)); }

// interval ± interval of one kind (sign = +1 / -1).
Vec add_intervals(const Vec& a, const Vec& b, int sign, const col::ColTypePtr& t, int64_t n) {
  if (t->id == TypeId::CalendarInterval) {
    FixArg<CalInterval> x(a), y(b);
    return gen<CalInterval>(t, n, [&](int64_t i, CalInterval& o) {
      if (x.null(i) || y.null(i)) return false;
      CalInterval p = x[i], q = y[i];
      int64_t m = int64_t(p.months) + sign * int64_t(q.months), d = int64_t(p.days) + sign * int64_t(q.days);
      if (m != int32_t(m) || d != int32_t(d)) return false;
      o.months = int32_t(m); o.days = int32_t(d);
      return sign > 0 ? !__builtin_add_overflow(p.micros, q.micros, &o.micros) : !__builtin_sub_overflow(p.micros, q.micros, &o.micros);
    });
  }
  if (t->id == TypeId::YearMonthInterval) {
    FixArg<int32_t> x(a), y(b);
    return gen<int32_t>(t, n, [&](int64_t i, int32_t& o) {
      if (x.null(i) || y.null(i)) return false;
      return sign > 0 ? !__builtin_add_overflow(x[i], y[i], &o) : !__builtin_sub_overflow(x[i], y[i], &o);
    });
  }
  FixArg<int64_t> x(a), y(b);
  return gen<int64_t>(t, n, [&](int64_t i, int64_t& o) {
    if (x.null(i) || y.null(i)) return false;
    return sign > 0 ? !__builtin_add_overflow(x[i], y[i], &o) : !__builtin_sub_overflow(x[i], y[i], &o);
  });
}

Vec negate_interval(const Vec& a, const col::ColTypePtr& t, int64_t n) {
  if (t->id == TypeId::CalendarInterval) {
    FixArg<CalInterval> x(a);
    return gen<CalInterval>(t, n, [&](int64_t i, CalInterval& o) {
      if (x.null(i)) return false;
      CalInterval p = x[i];
      if (p.months == INT32_MIN || p.days == INT32_MIN || p.micros == INT64_MIN) return false;
      o = {-p.months, -p.days, -p.micros};
      return true;
    });
  }
  if (t->id == TypeId::YearMonthInterval) {
    FixArg<int32_t> x(a);
    return gen<int32_t>(t, n, [&](int64_t i, int32_t& o) { if (x.null(i) || x[i] == INT32_MIN) return false; o = -x[i]; return true; });
  }
  FixArg<int64_t> x(a);
  return gen<int64_t>(t, n, [&](int64_t i, int64_t& o) { if (x.null(i) || x[i] == INT64_MIN) return false; o = -x[i]; return true; });
}

// datetime ± day-time interval (sign -1: subtracted). Result type = t: a date moved by whole
// days (a DAY interval), else a timestamp (the analyzer casts a date to TIMESTAMP first) moved as
// DateTimeUtils.timestampAddDayTime: whole days on the wall clock of the zone (the session's; UTC
// for TIMESTAMP_NTZ), then the rest as µs.
Vec datetime_plus_day_time(const Vec& dt, const Vec& iv, int sign, const col::ColTypePtr& t, int64_t n,
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

// datetime ± year-month or calendar interval (sign -1: the interval negated first): months
// and days on the wall clock of the zone, then µs (DateAddInterval, DateAddYMInterval,
// TimestampAddYMInterval, TimeAdd). Result type = t.
Vec datetime_plus_interval(const Vec& dt, const Vec& iv, int sign, const col::ColTypePtr& t, int64_t n, const kern::TimeZone& tz) {
  const TypeId in = dt.col->id(), it = iv.col->id();
  if (it == TypeId::DayTimeInterval) return datetime_plus_day_time(dt, iv, sign, t, n, tz);
  const bool ntz = in == TypeId::TimestampNtz || t->id == TypeId::TimestampNtz;
  // Every interval as (months, days, µs).
  auto parts = [&](int64_t i, int32_t& m, int32_t& d, int64_t& us) {
    if (it == TypeId::CalendarInterval) { CalInterval c = iv.col->vals<CalInterval>()[iv.constant ? 0 : i]; m = c.months; d = c.days; us = c.micros; }
    else if (it == TypeId::YearMonthInterval) { m = iv.col->vals<int32_t>()[iv.constant ? 0 : i]; d = 0; us = 0; }
    else { m = 0; d = 0; us = iv.col->vals<int64_t>()[iv.constant ? 0 : i]; }
    if (sign < 0) { m = -m; d = -d; us = -us; }
  };
  auto inull = [&](int64_t i) { return it == TypeId::Null || iv.col->is_null(iv.constant ? 0 : i); };
  if (in == TypeId::Date) {
    FixArg<int32_t> D(dt);
    if (t->id == TypeId::Date)
      return gen<int32_t>(t, n, [&](int64_t i, int32_t& o) {
        if (D.null(i) || inull(i)) return false;
        int32_t m, d; int64_t us;
        parts(i, m, d, us);
        if (it == TypeId::DayTimeInterval) { d = int32_t(floor_div(us, kUsDay)); us = 0; }
        if (us == 0) {  // DateTimeUtils.dateAddInterval
          bool ok = true;
          int64_t r = int64_t(days_plus_months(D[i], m, ok)) + d;
          if (!ok || r != int32_t(r)) return false;
          o = int32_t(r);
          return true;
        }
        int64_t ts;  // through the timestamp at the date's midnight in the session zone
        if (!ts_add(tz.to_utc(int64_t(D[i]) * kUsDay), m, d, us, tz, false, ts)) return false;
        o = int32_t(floor_div(tz.to_local(ts), kUsDay));
        return true;
      });
    return gen<int64_t>(t, n, [&](int64_t i, int64_t& o) {  // date + DAY TO SECOND: a timestamp
      if (D.null(i) || inull(i)) return false;
      int32_t m, d; int64_t us;
      parts(i, m, d, us);
      int64_t start = ntz ? int64_t(D[i]) * kUsDay : tz.to_utc(int64_t(D[i]) * kUsDay);
      return ts_add(start, m, d, us, tz, ntz, o);
    });
  }
  FixArg<int64_t> T(dt);
  return gen<int64_t>(t, n, [&](int64_t i, int64_t& o) {
    if (T.null(i) || inull(i)) return false;
    int32_t m, d; int64_t us;
    parts(i, m, d, us);
    return ts_add(T[i], m, d, us, tz, ntz, o);
  });
}

// interval × number / interval ÷ number.
Vec scale_interval(const Vec& iv, const Vec& num, bool divide, const col::ColTypePtr& t, int64_t n) {
  NumArg k(num);
  auto ok_div = [&](double f) { return !divide || f != 0; };
  if (t->id == TypeId::CalendarInterval) {
    FixArg<CalInterval> x(iv);
    return gen<CalInterval>(t, n, [&](int64_t i, CalInterval& o) {
      if (x.null(i) || k.null(i)) return false;
      double f = k[i];
      if (!ok_div(f)) return false;
      CalInterval c = x[i];
      if (divide) return cal_from_doubles(c.months / f, c.days / f, double(c.micros) / f, o);
      return cal_from_doubles(c.months * f, c.days * f, double(c.micros) * f, o);
    });
  }
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
  if (t->id == TypeId::YearMonthInterval) {
    FixArg<int32_t> x(iv);
    return gen<int32_t>(t, n, [&](int64_t i, int32_t& o) {
      if (x.null(i) || k.null(i)) return false;
      int64_t r;
      if (!apply(x[i], i, INT32_MIN, INT32_MAX, r)) return false;
      o = int32_t(r);
      return true;
    });
  }
  FixArg<int64_t> x(iv);
  return gen<int64_t>(t, n, [&](int64_t i, int64_t& o) {
    if (x.null(i) || k.null(i)) return false;
    return apply(x[i], i, INT64_MIN, INT64_MAX, o);
  });
}

// make_interval(years, months, weeks, days, hours, mins, secs decimal(18,6)).
Vec make_interval(const A& x, const col::ColTypePtr& t, int64_t n) {
  std::vector<FixArg<int32_t>> f;
  for (size_t j = 0; j < 6; ++j) f.emplace_back(x[j]);
  FixArg<__int128> s(x[6]);
  const int scale = x[6].col->type->scale;
  return gen<CalInterval>(t, n, [&](int64_t i, CalInterval& o) {
    for (auto& a : f) if (a.null(i)) return false;
    if (s.null(i)) return false;
    int64_t months = int64_t(f[0][i]) * 12 + f[1][i], days = int64_t(f[2][i]) * 7 + f[3][i];
    if (months != int32_t(months) || days != int32_t(days)) return false;
    __int128 us = __int128(f[4][i]) * 3600000000LL + __int128(f[5][i]) * 60000000LL + dec_to_micros(s[i], scale);
    if (us > INT64_MAX || us < INT64_MIN) return false;
    o = {int32_t(months), int32_t(days), int64_t(us)};
    return true;
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

Vec make_ym_interval(const A& x, const col::ColTypePtr& t, int64_t n) {
  FixArg<int32_t> y(x[0]), m(x[1]);
  return gen<int32_t>(t, n, [&](int64_t i, int32_t& o) {
    if (y.null(i) || m.null(i)) return false;
    int64_t v = int64_t(y[i]) * 12 + m[i];
    if (v != int32_t(v)) return false;
    o = int32_t(v);
    return true;
  });
}
}  // namespace

std::optional<Result<ExprPtr>> lower_interval_call(const std::string& name, std::vector<ExprPtr>& a,
                                                   const col::ColTypePtr& type) {
  if (name == "make_interval" && a.size() == 7)
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext&) { return make_interval(x, type, n); });
  if (name == "make_dt_interval" && a.size() == 4)
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext&) { return make_dt_interval(x, type, n); });
  if (name == "make_ym_interval" && a.size() == 2)
    return bind_kernel(a, type, [type](const A& x, int64_t n, const EvalContext&) { return make_ym_interval(x, type, n); });
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
