// Date-part kernels beyond year/month/dayofmonth (misc_fns): dayofweek (1 = Sunday),
// dayofyear, quarter and weekofyear (ISO-8601 week of the week-based year), over DATE days
// since 1970-01-01 in the proleptic Gregorian calendar, as java.time.LocalDate.
#pragma once
#include "sql/kernels/vec.h"

namespace spp::sql::kern {

enum class DateField { DayOfWeek, DayOfYear, Quarter, WeekOfYear };
Vec date_field(const Vec& date, DateField f, int64_t n);

}  // namespace spp::sql::kern
