// Date/time kernels (date_fns.h): civil-from-days arithmetic; time parts and truncation in a TimeZone.
#include "sql/kernels/date_fns.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>
#include <string>

#include "sql/kernels/fn_util.h"

namespace spp::sql::kern {

namespace {
struct Civil { int64_t y; int m, d; };
// Days since 1970-01-01 -> (year, month, day) (H. Hinnant's civil_from_days).
Civil civil(int64_t z) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int d = int(doy - (153 * mp + 2) / 5 + 1), m = int(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (m <= 2), m, d};
}
int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}
int64_t floor_mod(int64_t a, int64_t b) { int64_t r = a % b; return r < 0 ? r + b : r; }
int days_in_month(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// Two DATE/INT arguments -> one DATE/INT result, NULL if either is.
template <typename F>
Vec binary_int(const Vec& a, const Vec& b, TypeId out, int64_t n, F&& f) {
  FixArg<int32_t> A(a), B(b);
  return gen_fixed<int32_t>(type_of(out), n, [&](int64_t i, int32_t& o) {
    if (A.null(i) || B.null(i)) return false;
    o = f(A[i], B[i]);
    return true;
  });
}
}  // namespace

Vec date_field(const Vec& date, DateField f, int64_t n) {
  FixArg<int32_t> D(date);
  return gen_fixed<int32_t>(type_of(TypeId::Int), n, [&](int64_t i, int32_t& o) {
    if (D.null(i)) return false;
    int64_t days = D[i];
    switch (f) {
      case DateField::DayOfWeek: o = int32_t(floor_mod(days + 4, 7) + 1); break;  // 1970-01-01: Thursday
      case DateField::DayOfYear: o = int32_t(days - days_from_civil(civil(days).y, 1, 1) + 1); break;
      case DateField::Quarter: o = (civil(days).m - 1) / 3 + 1; break;
      case DateField::WeekOfYear: {
        // The ISO week is the one containing this week's Thursday, counted in that Thursday's year.
        int64_t thursday = days - (floor_mod(days + 3, 7) + 1) + 4;
        o = int32_t((thursday - days_from_civil(civil(thursday).y, 1, 1)) / 7 + 1);
        break;
      }
    }
    return true;
  });
}

Vec time_field(const Vec& ts, TimeField f, int64_t n, const TimeZone& tz) {
  FixArg<int64_t> T(ts);
  constexpr int64_t kDay = 86400LL * 1000000;
  return gen_fixed<int32_t>(type_of(TypeId::Int), n, [&](int64_t i, int32_t& o) {
    if (T.null(i)) return false;
    // Micros of the local day (floor: negative epochs count back from midnight).
    int64_t us = floor_mod(tz.to_local(T[i]), kDay);
    int64_t secs = us / 1000000;
    switch (f) {
      case TimeField::Hour: o = int32_t(secs / 3600); break;
      case TimeField::Minute: o = int32_t(secs / 60 % 60); break;
      case TimeField::Second: o = int32_t(secs % 60); break;
    }
    return true;
  });
}

Vec date_add_days(const Vec& date, const Vec& days, int64_t n, bool subtract) {
  return binary_int(date, days, TypeId::Date, n, [subtract](int32_t d, int32_t k) {
    uint32_t u = subtract ? uint32_t(d) - uint32_t(k) : uint32_t(d) + uint32_t(k);  // wraps, as Java int
    return int32_t(u);
  });
}

Vec date_diff(const Vec& end, const Vec& start, int64_t n) {
  return binary_int(end, start, TypeId::Int, n, [](int32_t e, int32_t s) { return int32_t(uint32_t(e) - uint32_t(s)); });
}

Vec add_months(const Vec& date, const Vec& months, int64_t n) {
  return binary_int(date, months, TypeId::Date, n, [](int32_t d, int32_t k) {
    Civil c = civil(d);
    int64_t total = c.y * 12 + (c.m - 1) + k;
    int64_t y = total >= 0 ? total / 12 : (total - 11) / 12;
    int m = int(total - y * 12) + 1;
    return int32_t(days_from_civil(y, m, std::min(c.d, days_in_month(y, m))));
  });
}

Vec last_day(const Vec& date, int64_t n) {
  FixArg<int32_t> D(date);
  return gen_fixed<int32_t>(type_of(TypeId::Date), n, [&](int64_t i, int32_t& o) {
    if (D.null(i)) return false;
    Civil c = civil(D[i]);
    o = int32_t(days_from_civil(c.y, c.m, days_in_month(c.y, c.m)));
    return true;
  });
}

Vec weekday(const Vec& date, int64_t n) {
  FixArg<int32_t> D(date);
  return gen_fixed<int32_t>(type_of(TypeId::Int), n, [&](int64_t i, int32_t& o) {
    if (D.null(i)) return false;
    o = int32_t(floor_mod(int64_t(D[i]) + 3, 7));  // 1970-01-01 was a Thursday (3)
    return true;
  });
}

Vec make_date(const Vec& year, const Vec& month, const Vec& day, int64_t n) {
  FixArg<int32_t> Y(year), M(month), D(day);
  return gen_fixed<int32_t>(type_of(TypeId::Date), n, [&](int64_t i, int32_t& o) {
    if (Y.null(i) || M.null(i) || D.null(i)) return false;
    int64_t y = Y[i];
    int m = M[i], d = D[i];
    // LocalDate.of's ranges; a day count beyond INT (years past ~5.8 million) is no DATE either.
    if (y < -999999999 || y > 999999999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return false;
    int64_t days = days_from_civil(y, m, d);
    if (days < INT32_MIN || days > INT32_MAX) return false;
    o = int32_t(days);
    return true;
  });
}

Vec retype_days(const Vec& v, TypeId to, int64_t n) {
  FixArg<int32_t> V(v);
  return gen_fixed<int32_t>(type_of(to), n, [&](int64_t i, int32_t& o) {
    if (V.null(i)) return false;
    o = V[i];
    return true;
  });
}

Vec timestamp_to_unit(const Vec& ts, int64_t micros_per_unit, int64_t n) {
  FixArg<int64_t> T(ts);
  return gen_fixed<int64_t>(type_of(TypeId::Long), n, [&](int64_t i, int64_t& o) {
    if (T.null(i)) return false;
    int64_t q = T[i] / micros_per_unit;
    o = q - (T[i] % micros_per_unit < 0);
    return true;
  });
}

}  // namespace spp::sql::kern

// ---- truncation, months_between, next_day, make_timestamp, conversions (issue 14) ----
namespace spp::sql::kern {

namespace {
constexpr int64_t kUsDay = 86400LL * 1000000;
int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }
std::string upper(std::string_view s) {
  std::string u(s);
  for (auto& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}
// The first day of the level's period holding `days` (levels Week and coarser).
int64_t trunc_days(int64_t days, TruncLevel l) {
  Civil c = civil(days);
  switch (l) {
    case TruncLevel::Week: return days - floor_mod(days + 3, 7);  // back to Monday
    case TruncLevel::Month: return days_from_civil(c.y, c.m, 1);
    case TruncLevel::Quarter: return days_from_civil(c.y, (c.m - 1) / 3 * 3 + 1, 1);
    case TruncLevel::Year: return days_from_civil(c.y, 1, 1);
    default: return days;
  }
}
}  // namespace

TruncLevel trunc_level(std::string_view fmt) {
  const std::string u = upper(fmt);
  if (u == "MICROSECOND") return TruncLevel::Microsecond;
  if (u == "MILLISECOND") return TruncLevel::Millisecond;
  if (u == "SECOND") return TruncLevel::Second;
  if (u == "MINUTE") return TruncLevel::Minute;
  if (u == "HOUR") return TruncLevel::Hour;
  if (u == "DAY" || u == "DD") return TruncLevel::Day;
  if (u == "WEEK") return TruncLevel::Week;
  if (u == "MON" || u == "MONTH" || u == "MM") return TruncLevel::Month;
  if (u == "QUARTER") return TruncLevel::Quarter;
  if (u == "YEAR" || u == "YYYY" || u == "YY") return TruncLevel::Year;
  return TruncLevel::Invalid;
}

Vec date_trunc(const Vec& ts, TruncLevel level, int64_t n, const TimeZone& tz) {
  FixArg<int64_t> T(ts);
  return gen_fixed<int64_t>(type_of(TypeId::Timestamp), n, [&](int64_t i, int64_t& o) {
    if (T.null(i) || level == TruncLevel::Invalid) return false;
    const int64_t u = T[i];
    switch (level) {
      case TruncLevel::Microsecond: o = u; return true;
      case TruncLevel::Millisecond: o = u - floor_mod(u, 1000); return true;
      case TruncLevel::Second: o = u - floor_mod(u, 1000000); return true;
      default: break;
    }
    const int64_t off = tz.offset_at(u);
    const int64_t local = u + off * 1000000;
    int64_t lt = 0;
    switch (level) {
      case TruncLevel::Minute: lt = local - floor_mod(local, 60000000); break;
      case TruncLevel::Hour: lt = local - floor_mod(local, 3600000000LL); break;
      case TruncLevel::Day: lt = local - floor_mod(local, kUsDay); break;
      default: lt = trunc_days(floor_div(local, kUsDay), level) * kUsDay; break;
    }
    // ZonedDateTime keeps its offset when the truncated wall clock still has it.
    const int64_t same = lt - off * 1000000;
    o = tz.offset_at(same) == off ? same : tz.to_utc(lt);
    return true;
  });
}

Vec trunc_date(const Vec& date, TruncLevel level, int64_t n) {
  FixArg<int32_t> D(date);
  const bool ok = level >= TruncLevel::Week;
  return gen_fixed<int32_t>(type_of(TypeId::Date), n, [&](int64_t i, int32_t& o) {
    if (D.null(i) || !ok) return false;
    o = int32_t(trunc_days(D[i], level));
    return true;
  });
}

Vec months_between(const Vec& t1, const Vec& t2, bool round_off, int64_t n, const TimeZone& tz) {
  FixArg<int64_t> A(t1), B(t2);
  return gen_fixed<double>(type_of(TypeId::Double), n, [&](int64_t i, double& o) {
    if (A.null(i) || B.null(i)) return false;
    const int64_t l1 = tz.to_local(A[i]), l2 = tz.to_local(B[i]);
    const int64_t d1 = floor_div(l1, kUsDay), d2 = floor_div(l2, kUsDay);
    const Civil c1 = civil(d1), c2 = civil(d2);
    const double months = double((c1.y * 12 + c1.m) - (c2.y * 12 + c2.m));
    if (c1.d == c2.d || (c1.d == days_in_month(c1.y, c1.m) && c2.d == days_in_month(c2.y, c2.m))) {
      o = months;
      return true;
    }
    const int64_t s1 = (l1 - d1 * kUsDay) / 1000000, s2 = (l2 - d2 * kUsDay) / 1000000;
    const double diff = months + double(int64_t(c1.d - c2.d) * 86400 + s1 - s2) / (31.0 * 86400);
    o = round_off ? double(int64_t(std::floor(diff * 1e8 + 0.5))) / 1e8 : diff;  // Math.round
    return true;
  });
}

namespace {
// 0 = Monday … 6 = Sunday, or -1 (DateTimeUtils.getDayOfWeekFromString).
int day_of_week(std::string_view s) {
  static const char* kNames[][3] = {{"MO", "MON", "MONDAY"}, {"TU", "TUE", "TUESDAY"}, {"WE", "WED", "WEDNESDAY"},
                                    {"TH", "THU", "THURSDAY"}, {"FR", "FRI", "FRIDAY"}, {"SA", "SAT", "SATURDAY"},
                                    {"SU", "SUN", "SUNDAY"}};
  const std::string u = upper(s);
  for (int d = 0; d < 7; ++d)
    for (const char* nm : kNames[d])
      if (u == nm) return d;
  return -1;
}
}  // namespace

Vec next_day(const Vec& date, const Vec& dow, int64_t n) {
  FixArg<int32_t> D(date);
  StrArg W(dow);
  const int fixed = dow.constant && !W.null(0) ? day_of_week(W[0]) : -2;
  return gen_fixed<int32_t>(type_of(TypeId::Date), n, [&](int64_t i, int32_t& o) {
    if (D.null(i) || W.null(i)) return false;
    const int want = fixed != -2 ? fixed : day_of_week(W[i]);
    if (want < 0) return false;
    const int64_t cur = floor_mod(int64_t(D[i]) + 3, 7);  // 0 = Monday
    o = int32_t(int64_t(D[i]) + floor_mod(want - cur - 1, 7) + 1);
    return true;
  });
}

Vec make_timestamp(const std::vector<Vec>& f, const Vec* zone, int64_t n, const TimeZone& tz) {
  FixArg<int32_t> Y(f[0]), Mo(f[1]), D(f[2]), H(f[3]), Mi(f[4]);
  FixArg<__int128> S(f[5]);  // decimal(16,6): micros
  std::optional<StrArg> Z;
  if (zone) Z.emplace(*zone);
  std::string last_name;
  TimeZone last = tz;
  bool last_ok = true;
  return gen_fixed<int64_t>(type_of(TypeId::Timestamp), n, [&](int64_t i, int64_t& o) {
    if (Y.null(i) || Mo.null(i) || D.null(i) || H.null(i) || Mi.null(i) || S.null(i) || (Z && Z->null(i))) return false;
    const int64_t y = Y[i], mo = Mo[i], d = D[i], h = H[i], mi = Mi[i];
    const __int128 us = S[i];
    if (us < 0 || us > 60 * 1000000) return false;
    int64_t sec = int64_t(us / 1000000), frac = int64_t(us % 1000000);
    if (sec == 60 && frac != 0) return false;
    if (y < -290000 || y > 290000 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, int(mo)) || h < 0 || h > 23 || mi < 0 || mi > 59)
      return false;
    const int64_t local = ((days_from_civil(y, int(mo), int(d)) * 24 + h) * 60 + mi) * 60000000 + sec * 1000000 + frac;
    if (Z) {
      std::string_view name = (*Z)[i];
      if (name != last_name || i == 0) {
        last_name = std::string(name);
        auto z = TimeZone::of(name);
        last_ok = bool(z);
        if (z) last = z.value();
      }
      if (!last_ok) return false;
      o = last.to_utc(local);
    } else {
      o = tz.to_utc(local);
    }
    return true;
  });
}

Vec timestamp_from_integral(const Vec& v, int64_t unit, int64_t n) {
  FixArg<int64_t> V(v);
  return gen_fixed<int64_t>(type_of(TypeId::Timestamp), n, [&](int64_t i, int64_t& o) {
    if (V.null(i)) return false;
    return !__builtin_mul_overflow(V[i], unit, &o);
  });
}

Vec timestamp_from_double_seconds(const Vec& v, int64_t n) {
  FixArg<double> V(v);
  return gen_fixed<int64_t>(type_of(TypeId::Timestamp), n, [&](int64_t i, int64_t& o) {
    if (V.null(i)) return false;
    const double us = V[i] * 1e6;
    if (!std::isfinite(us) || us >= 9.223372036854775807e18 || us < -9.223372036854775808e18) return false;
    o = int64_t(us);  // toLong truncates toward zero
    return true;
  });
}

Vec convert_tz(const Vec& ts, const Vec& zone, bool from_utc, int64_t n) {
  FixArg<int64_t> T(ts);
  StrArg Z(zone);
  std::string last_name;
  TimeZone last;
  bool last_ok = false, have = false;
  return gen_fixed<int64_t>(type_of(TypeId::Timestamp), n, [&](int64_t i, int64_t& o) {
    if (T.null(i) || Z.null(i)) return false;
    std::string_view name = Z[i];
    if (!have || name != last_name) {  // a constant zone is resolved once
      have = true;
      last_name = std::string(name);
      auto z = TimeZone::of(name);
      last_ok = bool(z);
      if (z) last = z.value();
    }
    if (!last_ok) return false;
    o = from_utc ? last.to_local(T[i]) : last.to_utc(T[i]);
    return true;
  });
}

Vec extra_field(const Vec& v, ExtraField f, int64_t n, const TimeZone& tz) {
  if (f == ExtraField::SecondsFraction) {
    FixArg<int64_t> T(v);
    return gen_fixed<__int128>(std::make_shared<ColType>(ColType::decimal(8, 6)), n, [&](int64_t i, __int128& o) {
      if (T.null(i)) return false;
      o = floor_mod(tz.to_local(T[i]), 60000000);
      return true;
    });
  }
  FixArg<int32_t> D(v);
  return gen_fixed<int32_t>(type_of(TypeId::Int), n, [&](int64_t i, int32_t& o) {
    if (D.null(i)) return false;
    const int64_t days = D[i];
    if (f == ExtraField::DayOfWeekIso) {
      o = int32_t(floor_mod(days + 3, 7) + 1);
    } else {  // the year of this week's Thursday
      o = int32_t(civil(days - floor_mod(days + 3, 7) + 3).y);
    }
    return true;
  });
}

}  // namespace spp::sql::kern
