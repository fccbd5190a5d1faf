// Date/time library calls -> date_fns kernels; time parts take the session time zone from the
// evaluation context (EvalContext::cast, spark.sql.session.timeZone as a fixed offset).
#include "sql/exec/library.h"
#include "sql/kernels/date_fns.h"

namespace spp::sql::exec::lib {

namespace {
using kern::Vec;
using A = std::vector<Vec>;
}  // namespace

std::optional<Result<ExprPtr>> lower_date_call(const std::string& name, std::vector<ExprPtr>& a,
                                               const col::ColTypePtr& type) {
  for (auto [nm, f] : {std::pair{"hour", kern::TimeField::Hour}, std::pair{"minute", kern::TimeField::Minute},
                       std::pair{"second", kern::TimeField::Second}})
    if (name == nm)
      return bind_kernel(a, type, [f](const A& x, int64_t n, const EvalContext& ctx) {
        return kern::time_field(x[0], f, n, ctx.cast.tz_offset_seconds);
      });
  if (name == "date_add" || name == "date_sub") {
    bool sub = name == "date_sub";
    return bind_kernel(a, type, [sub](const A& x, int64_t n, const EvalContext&) { return kern::date_add_days(x[0], x[1], n, sub); });
  }
  if (name == "datediff")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::date_diff(x[0], x[1], n); });
  if (name == "add_months")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::add_months(x[0], x[1], n); });
  if (name == "last_day")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::last_day(x[0], n); });
  if (name == "weekday")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::weekday(x[0], n); });
  if (name == "make_date")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::make_date(x[0], x[1], x[2], n); });
  // DATE and INT share the int32 day count: unix_date / date_from_unix_date only retype it.
  if (name == "unix_date" || name == "date_from_unix_date") {
    col::TypeId to = name == "unix_date" ? col::TypeId::Int : col::TypeId::Date;
    return bind_kernel(a, type, [to](const A& x, int64_t n, const EvalContext&) { return kern::retype_days(x[0], to, n); });
  }
  for (auto [nm, unit] : {std::pair{"unix_seconds", int64_t{1000000}}, std::pair{"unix_millis", int64_t{1000}},
                          std::pair{"unix_micros", int64_t{1}}})
    if (name == nm)
      return bind_kernel(a, type, [unit](const A& x, int64_t n, const EvalContext&) { return kern::timestamp_to_unit(x[0], unit, n); });
  return std::nullopt;
}

}  // namespace spp::sql::exec::lib
