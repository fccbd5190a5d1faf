// Date-part kernels (date_fns.h): civil-from-days arithmetic, no time zone (DATE values).
#include "sql/kernels/date_fns.h"

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

}  // namespace spp::sql::kern
