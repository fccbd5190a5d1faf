// Date/time functions (datetimeExpressions.scala): each an ImplicitCastInputTypes expression
// whose inputs Spark casts to DATE / TIMESTAMP / INT; results NULL on NULL input (non-ANSI).
// Time parts read the session time zone at execution (EvalContext), as CAST does.
#include "sql/analysis/fn_library.h"

namespace spp::sql {

std::optional<LibResult> resolve_date_fn(FnCall& c) {
  const std::string& n = c.n;
  const size_t na = c.na();
  const auto DATE = exact(DataType::date());
  const auto INT = exact(DataType::int_());
  if (n == "hour" || n == "minute" || n == "second") {  // GetTimeField over TimestampType
    if (na != 1) return c.wrong("1");
    return c.typed(n, {exact(DataType::timestamp())}, DataType::int_());
  }
  if (n == "datediff") {
    if (na != 2) return c.wrong("2");
    return c.typed(n, {DATE, DATE}, DataType::int_());
  }
  if (n == "date_add" || n == "date_sub") {
    if (na != 2) return c.wrong("2");
    auto days = ExpectedType::one_of({INT, exact(DataType::short_()), exact(DataType::byte_())});
    if (auto e = c.coerce(n, {DATE, days})) return *e;
    // The kernel reads INT days; widening SMALLINT/TINYINT is exact (an implicit cast).
    if (c.a[1]->type.id != TypeId::Int) c.a[1] = cast(c.a[1], DataType::int_(), false);
    return c.make(n, DataType::date(), c.any_nullable());
  }
  if (n == "add_months") {
    if (na != 2) return c.wrong("2");
    return c.typed(n, {DATE, INT}, DataType::date());
  }
  if (n == "last_day") {
    if (na != 1) return c.wrong("1");
    return c.typed(n, {DATE}, DataType::date());
  }
  if (n == "weekday") {
    if (na != 1) return c.wrong("1");
    return c.typed(n, {DATE}, DataType::int_());
  }
  if (n == "make_date") {  // non-ANSI: invalid fields give NULL, so always nullable
    if (na != 3) return c.wrong("3");
    return c.typed(n, {INT, INT, INT}, DataType::date(), true);
  }
  if (n == "unix_date") {
    if (na != 1) return c.wrong("1");
    return c.typed(n, {DATE}, DataType::int_());
  }
  if (n == "date_from_unix_date") {
    if (na != 1) return c.wrong("1");
    return c.typed(n, {INT}, DataType::date());
  }
  if (n == "unix_seconds" || n == "unix_millis" || n == "unix_micros") {
    if (na != 1) return c.wrong("1");
    return c.typed(n, {exact(DataType::timestamp())}, DataType::long_());
  }
  return std::nullopt;
}

}  // namespace spp::sql
