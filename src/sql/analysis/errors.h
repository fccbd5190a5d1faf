// AnalysisException as Spark 3.5 reports it: error class, SQLSTATE, message parameters and the
// formatted `[CLASS] text` message (texts from error-classes.json, see spark-sql-facts.md §10).
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace spp::sql {

struct AnalysisError {
  std::string error_class;  // e.g. "UNRESOLVED_COLUMN.WITH_SUGGESTION"
  std::string sql_state;    // e.g. "42703"
  std::vector<std::pair<std::string, std::string>> params;
  std::string message;      // "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or … [`a`, `b`]."
};

// Builders for the classes the analyzer raises; names/expressions arrive already quoted.
AnalysisError unresolved_column(const std::string& object_name, const std::vector<std::string>& proposal);
AnalysisError ambiguous_reference(const std::string& name, const std::vector<std::string>& candidates);
AnalysisError unresolved_routine(const std::string& routine);
AnalysisError table_not_found(const std::string& relation);
AnalysisError missing_aggregation(const std::string& expression, const std::string& any_value_expr);
AnalysisError unexpected_input_type(const std::string& sql_expr, int param_index, const std::string& required,
                                    const std::string& input_sql, const std::string& input_type);
AnalysisError binary_op_diff_types(const std::string& sql_expr, const std::string& left, const std::string& right);
AnalysisError cast_without_suggestion(const std::string& sql_expr, const std::string& src, const std::string& target);
AnalysisError wrong_num_args(const std::string& fn, const std::string& expected, int actual);
AnalysisError num_columns_mismatch(const std::string& op, int first, const std::string& ordinal, int n);
AnalysisError unresolved_using_column(const std::string& col, const std::string& side,
                                      const std::vector<std::string>& side_columns);
AnalysisError generic_error(const std::string& error_class, const std::string& sql_state, const std::string& text);

// `a`.`b` (toSQLId); "expr" (toSQLExpr); "BIGINT" (toSQLType).
std::string to_sql_id(const std::vector<std::string>& parts);
std::string to_sql_expr(const std::string& sql);
std::string ordinal_number(int i);  // "first", "second", …

}  // namespace spp::sql
