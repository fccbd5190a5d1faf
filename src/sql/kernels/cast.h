// CAST with Spark 3.5 non-ANSI semantics (invalid input -> NULL, integral narrowing wraps,
// double -> integral truncates and saturates, NaN -> 0), and Spark's string forms of values
// (doubles as Java's Double.toString: 1.0E10, 1.0E-4, NaN; decimals as BigDecimal.toString;
// dates yyyy-MM-dd; timestamps yyyy-MM-dd HH:mm:ss[.ffffff] without trailing zeros).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "sql/kernels/timezone.h"
#include "sql/kernels/vec.h"

namespace spp::sql::kern {

struct CastOptions {
  // The session time zone (spark.sql.session.timeZone), UTC by default.
  TimeZone tz;
  // Where a cast that fails (interval casts, as Spark's, ANSI mode or not) puts the first error;
  // the failing rows are NULL. Null: errors are dropped.
  std::string* error = nullptr;
};

Vec cast(const Vec& a, const ColTypePtr& to, int64_t n, const CastOptions& opt = {});

// Casts to or from DayTimeIntervalType / YearMonthIntervalType other than to STRING
// (cast_interval.cpp): string → interval in the target's format, integral → single-field
// interval, interval → integral (a count of its end field) and interval → interval.
bool is_interval_cast(const ColType& from, const ColType& to);
Vec cast_interval(const Vec& a, const ColTypePtr& to, int64_t n, std::string* error);

// Building blocks, exposed for tests and other kernels.
std::string double_to_string(double d);  // Java Double.toString
std::string float_to_string(float f);    // Java Float.toString
std::string date_to_string(int32_t days);
std::string timestamp_to_string(int64_t micros, const TimeZone& tz);
// IntervalUtils.toDayTimeIntervalString, ANSI style: `INTERVAL '1 02:03:04.5' DAY TO SECOND`;
// start / end: 0 DAY, 1 HOUR, 2 MINUTE, 3 SECOND.
std::string day_time_interval_string(int64_t micros, int start, int end);
// IntervalUtils.toYearMonthIntervalString (ANSI) and CalendarInterval.toString.
std::string year_month_interval_string(int32_t months, int start, int end);
std::string calendar_interval_string(int32_t months, int32_t days, int64_t micros);
std::optional<int64_t> parse_integral(std::string_view s);  // UTF8String.toLong rules
std::optional<double> parse_double(std::string_view s);
std::optional<bool> parse_bool(std::string_view s);
std::optional<int32_t> parse_date(std::string_view s);
// A zone named after the time (`Z`, `+08:00`, `UTC+1`, `America/Los_Angeles`) wins over `tz`.
std::optional<int64_t> parse_timestamp(std::string_view s, const TimeZone& tz);
int32_t days_from_civil(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d);
// The CAST(x AS STRING) text of row i (any type; nested types as [..], {k -> v}, {..}).
std::string value_to_string(const Column& c, int64_t i, const CastOptions& opt = {});

}  // namespace spp::sql::kern
