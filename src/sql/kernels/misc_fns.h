// Math, date-part and collection kernels of issue 13's core function list, Spark 3.5 semantics:
// round (HALF_UP, doubles through their shortest decimal form), sqrt, year/month/dayofmonth,
// size (NULL -> -1, legacy sizeOfNull), array(...), getItem on arrays (0-based) and maps,
// getField on structs.
#pragma once
#include <vector>

#include "sql/kernels/vec.h"

namespace spp::sql::kern {

// round(x, d): result type = x's type (decimals: `out` gives the result decimal type).
Vec round(const Vec& x, int d, const ColTypePtr& out, int64_t n);
// bround(x, d): round with HALF_EVEN (Spark's BRound), same types as round.
Vec bround(const Vec& x, int d, const ColTypePtr& out, int64_t n);
Vec sqrt(const Vec& x, int64_t n);
enum class DatePart { Year, Month, DayOfMonth };
Vec date_part(const Vec& date, DatePart part, int64_t n);
Vec size(const Vec& coll, int64_t n);
// array(a, b, ...) of same-typed values -> array<T> (containsNull = true).
Vec make_array(const std::vector<Vec>& elems, int64_t n);
// arr[i] (0-based; out of range or NULL -> NULL) / map[key] (NULL when absent).
Vec get_item(const Vec& coll, const Vec& key, int64_t n);
Vec get_field(const Vec& strct, size_t field, int64_t n);

}  // namespace spp::sql::kern
