// Date/time kernels (date_fns.h): civil-from-days arithmetic; time parts at a fixed offset.
#include "sql/kernels/date_fns.h"

#include <algorithm>

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

Vec time_field(const Vec& ts, TimeField f, int64_t n, int64_t tz_offset_seconds) {
  FixArg<int64_t> T(ts);
  constexpr int64_t kDay = 86400LL * 1000000;
  return gen_fixed<int32_t>(type_of(TypeId::Int), n, [&](int64_t i, int32_t& o) {
    if (T.null(i)) return false;
    // Micros of the local day (floor: negative epochs count back from midnight).
    int64_t us = floor_mod(T[i] + tz_offset_seconds * 1000000, kDay);
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
