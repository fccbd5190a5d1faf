// Date/time kernels: date parts over DATE days since 1970-01-01 in the proleptic Gregorian
// calendar (as java.time.LocalDate), time parts of TIMESTAMP microseconds since the epoch (UTC)
// seen in the session time zone (a fixed offset, as CAST uses), and date arithmetic
// (DateTimeUtils.scala's dateAddMonths, LocalDate.with(lastDayOfMonth)).
#pragma once
#include "sql/kernels/vec.h"

namespace spp::sql::kern {

enum class DateField { DayOfWeek, DayOfYear, Quarter, WeekOfYear };
Vec date_field(const Vec& date, DateField f, int64_t n);

// hour / minute / second (of the minute) of a timestamp at `tz_offset_seconds` east of UTC.
enum class TimeField { Hour, Minute, Second };
Vec time_field(const Vec& ts, TimeField f, int64_t n, int64_t tz_offset_seconds);

// date_add(start, days) (date_sub: days negated before the call); int32 arithmetic wraps as
// Spark's non-ANSI `start + days`.
Vec date_add_days(const Vec& date, const Vec& days, int64_t n, bool subtract);
// datediff(end, start) = end - start in days.
Vec date_diff(const Vec& end, const Vec& start, int64_t n);
// add_months(start, months): the day clamped to the result month's length (LocalDate.plusMonths).
Vec add_months(const Vec& date, const Vec& months, int64_t n);
Vec last_day(const Vec& date, int64_t n);
// weekday(date): 0 = Monday .. 6 = Sunday.
Vec weekday(const Vec& date, int64_t n);
// make_date(year, month, day): NULL when the fields name no date (non-ANSI MakeDate).
Vec make_date(const Vec& year, const Vec& month, const Vec& day, int64_t n);
// unix_seconds / unix_millis / unix_micros of a timestamp (floor division, as Math.floorDiv).
// unix_date / date_from_unix_date: DATE and INT share the int32 day count.
Vec retype_days(const Vec& v, TypeId to, int64_t n);
Vec timestamp_to_unit(const Vec& ts, int64_t micros_per_unit, int64_t n);

}  // namespace spp::sql::kern
