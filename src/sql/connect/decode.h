// Decodes the unresolved plans pyspark.sql sends (Spark Connect Relation/Expression messages in
// proto3 JSON, the subset in docs/sql-engine.md "Plan wire format") into plan trees.
#pragma once
#include <nlohmann/json_fwd.hpp>

#include "common/status.h"
#include "sql/plan/logical.h"

namespace spp::sql {

// Hands out Spark's exprIds (unique per session; the driver owns one).
class IdGen {
 public:
  int64_t next() { return next_++; }
 private:
  int64_t next_ = 0;
};

// `{"root": Relation}` (a Connect Plan) or a bare Relation.
Result<PlanPtr> decode_plan(const nlohmann::json& j, IdGen& ids);
Result<PlanPtr> decode_relation(const nlohmann::json& j, IdGen& ids);
Result<ExprPtr> decode_expression(const nlohmann::json& j, IdGen& ids);
// The body of Connect's CommonInlineUserDefinedFunction holding a PythonUDF (udf() calls and
// spark.udf.register's registerFunction command).
Result<ExprPtr> decode_python_udf(const nlohmann::json& b, IdGen& ids);
// Grouping sets (indexes into the grouping expressions) of ROLLUP and CUBE over n expressions,
// in Spark's order.
std::vector<std::vector<int>> rollup_sets(size_t n);
std::vector<std::vector<int>> cube_sets(size_t n);
// Fresh attributes for the fields of a schema.
ExprList attrs_for_fields(const std::vector<StructField>& fs, IdGen& ids);
// A column reference as written (`a.b`, `` `a.b` ``, `` `x``y` ``) -> name parts.
Result<std::vector<std::string>> parse_identifier(const std::string& s);

}  // namespace spp::sql
