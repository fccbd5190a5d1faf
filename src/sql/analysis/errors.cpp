// AnalysisError texts (Spark 3.5 error-classes.json wording).
#include "sql/analysis/errors.h"

#include "sql/types.h"

namespace spp::sql {

static AnalysisError make(std::string cls, std::string state, std::vector<std::pair<std::string, std::string>> params,
                          const std::string& text) {
  return AnalysisError{cls, std::move(state), std::move(params), "[" + cls + "] " + text};
}

static std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s;
}

std::string to_sql_id(const std::vector<std::string>& parts) {
  std::string s;
  for (size_t i = 0; i < parts.size(); ++i) s += (i ? "." : "") + quote_identifier(parts[i]);
  return s;
}

std::string to_sql_expr(const std::string& sql) { return "\"" + sql + "\""; }

std::string ordinal_number(int i) {
  static const char* n[] = {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"};
  return i >= 0 && i < 10 ? n[i] : std::to_string(i + 1) + "th";
}

AnalysisError unresolved_column(const std::string& object_name, const std::vector<std::string>& proposal) {
  std::string base = "A column or function parameter with name " + object_name + " cannot be resolved.";
  if (proposal.empty())
    return make("UNRESOLVED_COLUMN.WITHOUT_SUGGESTION", "42703", {{"objectName", object_name}}, base + " ");
  std::string p = join(proposal);
  return make("UNRESOLVED_COLUMN.WITH_SUGGESTION", "42703", {{"objectName", object_name}, {"proposal", p}},
              base + " Did you mean one of the following? [" + p + "].");
}

AnalysisError ambiguous_reference(const std::string& name, const std::vector<std::string>& candidates) {
  std::string c = "[" + join(candidates) + "]";
  return make("AMBIGUOUS_REFERENCE", "42704", {{"name", name}, {"referenceNames", c}},
              "Reference " + name + " is ambiguous, could be: " + c + ".");
}

AnalysisError unresolved_routine(const std::string& routine) {
  std::string path = "[`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`]";
  return make("UNRESOLVED_ROUTINE", "42883", {{"routineName", routine}, {"searchPath", path}},
              "Cannot resolve function " + routine + " on search path " + path + ".");
}

AnalysisError table_not_found(const std::string& relation) {
  return make("TABLE_OR_VIEW_NOT_FOUND", "42P01", {{"relationName", relation}},
              "The table or view " + relation +
                  " cannot be found. Verify the spelling and correctness of the schema and catalog.\n"
                  "If you did not qualify the name with a schema, verify the current_schema() output, or qualify "
                  "the name with the correct schema and catalog.\n"
                  "To tolerate the error on drop use DROP VIEW IF EXISTS or DROP TABLE IF EXISTS.");
}

AnalysisError missing_aggregation(const std::string& expression, const std::string& any_value_expr) {
  return make("MISSING_AGGREGATION", "42803", {{"expression", expression}, {"expressionAnyValue", any_value_expr}},
              "The non-aggregating expression " + expression +
                  " is based on columns which are not participating in the GROUP BY clause.\n"
                  "Add the columns or the expression to the GROUP BY, aggregate the expression, or use " +
                  any_value_expr + " if you do not care which of the values within a group is returned.");
}

AnalysisError unexpected_input_type(const std::string& sql_expr, int param_index, const std::string& required,
                                    const std::string& input_sql, const std::string& input_type) {
  return make("DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE", "42K09",
              {{"sqlExpr", sql_expr}, {"paramIndex", std::to_string(param_index)}, {"requiredType", required},
               {"inputSql", input_sql}, {"inputType", input_type}},
              "Cannot resolve " + sql_expr + " due to data type mismatch: The " + ordinal_number(param_index - 1) +
                  " parameter requires the " + required + " type, however " + input_sql + " has the type " +
                  input_type + ".");
}

AnalysisError binary_op_diff_types(const std::string& sql_expr, const std::string& left, const std::string& right) {
  return make("DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES", "42K09", {{"sqlExpr", sql_expr}, {"left", left}, {"right", right}},
              "Cannot resolve " + sql_expr +
                  " due to data type mismatch: the left and right operands of the binary operator have "
                  "incompatible types (" + left + " and " + right + ").");
}

AnalysisError cast_without_suggestion(const std::string& sql_expr, const std::string& src, const std::string& target) {
  return make("DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION", "42K09",
              {{"sqlExpr", sql_expr}, {"srcType", src}, {"targetType", target}},
              "Cannot resolve " + sql_expr + " due to data type mismatch: cannot cast " + src + " to " + target + ".");
}

AnalysisError wrong_num_args(const std::string& fn, const std::string& expected, int actual) {
  return make("WRONG_NUM_ARGS.WITHOUT_SUGGESTION", "42605",
              {{"functionName", fn}, {"expectedNum", expected}, {"actualNum", std::to_string(actual)}},
              "The " + fn + " requires " + expected + " parameters but the actual number is " +
                  std::to_string(actual) + ". Please, refer to 'https://spark.apache.org/docs/latest/sql-ref-functions.html' for a fix.");
}

AnalysisError num_columns_mismatch(const std::string& op, int first, const std::string& ordinal, int n) {
  return make("NUM_COLUMNS_MISMATCH", "42826",
              {{"operator", op}, {"firstNumColumns", std::to_string(first)}, {"invalidOrdinalNum", ordinal},
               {"invalidNumColumns", std::to_string(n)}},
              op + " can only be performed on inputs with the same number of columns, but the first input has " +
                  std::to_string(first) + " columns and the " + ordinal + " input has " + std::to_string(n) +
                  " columns.");
}

AnalysisError unresolved_using_column(const std::string& col, const std::string& side,
                                      const std::vector<std::string>& side_columns) {
  std::string s = join(side_columns);
  return make("UNRESOLVED_USING_COLUMN_FOR_JOIN", "42703", {{"colName", col}, {"side", side}, {"suggestion", s}},
              "USING column " + col + " cannot be resolved on the " + side + " side of the join. The " + side +
                  "-side columns: [" + s + "].");
}

AnalysisError generic_error(const std::string& error_class, const std::string& sql_state, const std::string& text) {
  return make(error_class, sql_state, {}, text);
}

}  // namespace spp::sql
