// Date/time kernels: date parts over DATE days since 1970-01-01 in the proleptic Gregorian
// calendar (as java.time.LocalDate), time parts of TIMESTAMP microseconds since the epoch (UTC)
// seen in the session time zone (a fixed offset, as CAST uses), and date arithmetic
// (DateTimeUtils.scala's dateAddMonths, LocalDate.with(lastDayOfMonth)).
#pragma once
#include "sql/kernels/timezone.h"
#include "sql/kernels/vec.h"

namespace spp::sql::kern {

enum class DateField { DayOfWeek, DayOfYear, Quarter, WeekOfYear };
Vec date_field(const Vec& date, DateField f, int64_t n);

// hour / minute / second (of the minute) of a timestamp seen in the zone `tz`.
enum class TimeField { Hour, Minute, Second };
Vec time_field(const Vec& ts, TimeField f, int64_t n, const TimeZone& tz);

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

namespace spp::sql::kern {

// Spark's truncation levels (DateTimeUtils.parseTruncLevel), finest first; Invalid: no level.
enum class TruncLevel { Invalid, Microsecond, Millisecond, Second, Minute, Hour, Day, Week, Month, Quarter, Year };
// `fmt` upper-cased: MICROSECOND … DAY/DD, WEEK, MON/MONTH/MM, QUARTER, YEAR/YYYY/YY.
TruncLevel trunc_level(std::string_view fmt);
// date_trunc(fmt, ts): the timestamp truncated in `tz` (a wall-clock unit kept at the instant's
// offset when it can be, as ZonedDateTime.truncatedTo); NULL for no level.
Vec date_trunc(const Vec& ts, TruncLevel level, int64_t n, const TimeZone& tz);
// trunc(date, fmt): WEEK (Monday), MONTH, QUARTER, YEAR; finer levels are NULL.
Vec trunc_date(const Vec& date, TruncLevel level, int64_t n);
// months_between(t1, t2[, roundOff]) in `tz` (DateTimeUtils.monthsBetween: whole months when the
// days of month match or both are month ends, else 31-day months counting the time of day;
// rounded to 8 digits when round_off).
Vec months_between(const Vec& t1, const Vec& t2, bool round_off, int64_t n, const TimeZone& tz);
// next_day(date, dayOfWeek): the first later date on that day ("MO", "MON", "MONDAY", any case);
// NULL for another name (non-ANSI). A constant name is resolved once.
Vec next_day(const Vec& date, const Vec& dow, int64_t n);
// make_timestamp(y, mo, d, h, mi, sec decimal(16,6)[, tz]): NULL when the fields name no time
// (sec may be 60 with no fraction: the next minute), as LocalDateTime.of in `tz` (or the zone
// named by `zone`, a string column; an unknown zone is NULL).
Vec make_timestamp(const std::vector<Vec>& f, const Vec* zone, int64_t n, const TimeZone& tz);
// timestamp_seconds / _millis / _micros of an integral column (long): NULL on overflow.
Vec timestamp_from_integral(const Vec& v, int64_t micros_per_unit, int64_t n);
// timestamp_seconds of a double: NaN, infinities and overflow are NULL.
Vec timestamp_from_double_seconds(const Vec& v, int64_t n);
// from_utc_timestamp (to_local: true) / to_utc_timestamp of a timestamp and a zone (string).
Vec convert_tz(const Vec& ts, const Vec& zone, bool from_utc, int64_t n);
// extract / date_part fields beyond the plain ones: ISO week-based year, ISO day of week
// (1 = Monday), seconds with the fraction as decimal(8,6) in `tz`.
enum class ExtraField { YearOfWeek, DayOfWeekIso, SecondsFraction };
Vec extra_field(const Vec& v, ExtraField f, int64_t n, const TimeZone& tz);

}  // namespace spp::sql::kern
