// Null/conditional, hash and misc library calls: the conditionals reuse the core kernels
// (coalesce, CASE WHEN, <=>), the hashes bind digest_fns.
#include "sql/columnar/builder.h"
#include "sql/exec/library.h"
#include "sql/kernels/date_fns.h"
#include "sql/kernels/digest_fns.h"
#include "sql/kernels/hash.h"

namespace spp::sql::exec::lib {

namespace {
using kern::Vec;
using A = std::vector<Vec>;

ExprPtr constant_string(std::string v, const col::ColTypePtr& type) {
  col::ColumnBuilder b(type);
  b.append_str(v);
  return lit(b.finish());
}
}  // namespace

std::optional<Result<ExprPtr>> lower_misc_call(const std::string& name, std::vector<ExprPtr>& a,
                                               const col::ColTypePtr& type) {
  if (name == "nvl" || name == "ifnull") return call(Fn::Coalesce, a, type);
  if (name == "nvl2") return call(Fn::CaseWhen, {call(Fn::IsNotNull, {a[0]}), a[1], a[2]}, type);
  if (name == "if") return call(Fn::CaseWhen, {a[0], a[1], a[2]}, type);
  if (name == "nullif") return call(Fn::CaseWhen, {call(Fn::Eq, {a[1], a[2]}), lit_null(type), a[0]}, type);
  if (name == "equal_null") return call(Fn::EqNullSafe, a, type);
  if (name == "hash") return call(Fn::Hash, a, type);
  if (name == "xxhash64") return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::xxhash64(x, n); });
  if (name == "md5") return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::md5(x[0], n); });
  if (name == "sha1" || name == "sha")
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::sha1(x[0], n); });
  if (name == "sha2") return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::sha2(x[0], x[1], n); });
  if (name == "crc32") return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext&) { return kern::crc32(x[0], n); });
  for (auto [nm, f] : {std::pair{"dayofweek", kern::DateField::DayOfWeek}, std::pair{"dayofyear", kern::DateField::DayOfYear},
                       std::pair{"quarter", kern::DateField::Quarter}, std::pair{"weekofyear", kern::DateField::WeekOfYear}})
    if (name == nm)
      return bind_kernel(a, type, [f](const A& x, int64_t n, const EvalContext&) { return kern::date_field(x[0], f, n); });
  if (name == "scalar_subquery_check")  // (row count, value): the value, an error past one row
    return bind_kernel(a, type, [](const A& x, int64_t n, const EvalContext& ctx) {
      const col::Column& c = x[0].c();
      for (int64_t i = 0; i < (x[0].constant ? std::min<int64_t>(n, 1) : n); ++i)
        if (!c.is_null(i) && c.vals<int64_t>()[i] > 1 && ctx.error && ctx.error->empty())
          *ctx.error = "[SCALAR_SUBQUERY_TOO_MANY_ROWS] More than one row returned by a subquery used as an expression.";
      return x[1];
    });
  if (name == "typeof") return a.at(1);  // the analyzer's type-name literal
  if (name == "version") return constant_string(std::string("3.5.1 sparkpp-") + SPARKPP_VERSION, type);
  return std::nullopt;
}

}  // namespace spp::sql::exec::lib
