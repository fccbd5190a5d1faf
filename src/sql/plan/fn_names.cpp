// Display names of library calls (see fn_names.h). Sources: Spark 3.5 prettyName of each
// expression (UnaryMathExpression's upper-case names, FUNC_ALIAS for aliases).
#include "sql/plan/fn_names.h"

#include <cstring>

namespace spp::sql {

namespace {
struct Display {
  const char* canonical;
  const char* shown;
};
constexpr Display kDisplay[] = {
    {"ceil", "CEIL"},       {"floor", "FLOOR"},     {"cbrt", "CBRT"},       {"exp", "EXP"},
    {"expm1", "EXPM1"},     {"log10", "LOG10"},     {"log2", "LOG2"},       {"log1p", "LOG1P"},
    {"log", "LOG"},         {"signum", "SIGNUM"},   {"sin", "SIN"},         {"cos", "COS"},
    {"tan", "TAN"},         {"asin", "ASIN"},       {"acos", "ACOS"},       {"atan", "ATAN"},
    {"sinh", "SINH"},       {"cosh", "COSH"},       {"tanh", "TANH"},       {"cot", "COT"},
    {"sec", "SEC"},         {"csc", "CSC"},         {"asinh", "ASINH"},     {"acosh", "ACOSH"},
    {"atanh", "ATANH"},     {"degrees", "DEGREES"}, {"radians", "RADIANS"}, {"atan2", "ATAN2"},
    {"hypot", "HYPOT"},     {"e", "E"},             {"pi", "PI"},           {"regexp_like", "REGEXP_LIKE"},
    {"regexp", "REGEXP"},       {"ceiling", "ceiling"}, {"array_concat", "concat"},
};
}  // namespace

const char* library_display_name(const std::string& n) {
  for (const auto& d : kDisplay)
    if (n == d.canonical) return d.shown;
  return nullptr;
}

std::optional<std::string> library_render(const std::string& n, const std::vector<std::string>& a) {
  if (n == "if" && a.size() == 3) return "(IF(" + a[0] + ", " + a[1] + ", " + a[2] + "))";
  if (n == "bitwise_not" && a.size() == 1) return "~" + a[0];
  if (n == "nullif" && a.size() == 3) return "nullif(" + a[0] + ", " + a[2] + ")";  // a[1]: left for the comparison
  if (n == "typeof" && a.size() == 2) return "typeof(" + a[0] + ")";                // a[1]: the hidden type name
  // a[1..]: the hidden schema / options literals (analysis/fn_json.cpp)
  if ((n == "from_json" || n == "to_json" || n == "schema_of_json" || n == "from_csv" || n == "to_csv" ||
       n == "schema_of_csv") && !a.empty()) return n + "(" + a[0] + ")";
  if (n == "timestamp_literal" && a.size() == 1) return "TIMESTAMP '" + a[0] + "'";
  // a[2]: the hidden part name (analysis/fn_dates.cpp)
  if (n == "extract" && a.size() == 3) return "extract(" + a[0] + " FROM " + a[1] + ")";
  if ((n == "date_part" || n == "datepart") && a.size() == 3) return n + "(" + a[0] + ", " + a[1] + ")";
  if (n == "array_sort" && a.size() == 1) {
    // Spark fills in ArraySort.defaultComparator, and its lambda shows in the name.
    const std::string v = "namedlambdavariable()";
    auto isnull = [&] { return "(" + v + " IS NULL)"; };
    const std::string cmp = "(IF((" + isnull() + " AND " + isnull() + "), 0, (IF(" + isnull() + ", 1, (IF(" + isnull() +
                            ", -1, (IF((" + v + " < " + v + "), -1, (IF((" + v + " > " + v + "), 1, 0))))))))))";
    return "array_sort(" + a[0] + ", lambdafunction(" + cmp + ", " + v + ", " + v + "))";
  }
  // try_add / try_subtract of a date and days (analysis/fn_aggs.cpp)
  if (n == "try_date_add" && a.size() == 2) return "try_add(" + a[0] + ", " + a[1] + ")";
  if (n == "try_date_sub" && a.size() == 2) return "try_subtract(" + a[0] + ", " + a[1] + ")";
  if (n == "rand_unseeded") return std::string("rand()");
  if (n == "randn_unseeded") return std::string("randn()");
  return std::nullopt;
}

std::optional<std::string> unresolved_class_render(const std::string& n, const std::vector<std::string>& a) {
  // BinaryOperator.toString: `(left sqlOperator right)` (And / Or: AND / OR, IntegralDivide: div)
  static const char* kInfix[][2] = {{"+", "+"},   {"-", "-"},   {"*", "*"},     {"/", "/"},   {"%", "%"},
                                    {"div", "div"}, {"&", "&"},  {"|", "|"},     {"^", "^"},   {"<", "<"},
                                    {"<=", "<="}, {">", ">"},   {">=", ">="},   {"<=>", "<=>"}, {"==", "="},
                                    {"=", "="},   {"and", "AND"}, {"or", "OR"}};
  if (a.size() == 2)
    for (const auto& op : kInfix)
      if (n == op[0]) return "(" + a[0] + " " + op[1] + " " + a[1] + ")";
  if (a.size() == 1) {
    if (n == "not") return "NOT " + a[0];             // Not
    if (n == "-" || n == "negative") return "-" + a[0];  // UnaryMinus
    if (n == "~" || n == "bitwise_not") return "~" + a[0];  // BitwiseNot
    if (n == "isnull" || n == "isnotnull" || n == "positive") return n + "(" + a[0] + ")";
  }
  if (n == "!=" && a.size() == 2) return "NOT (" + a[0] + " = " + a[1] + ")";
  if (n == "in" && !a.empty()) {  // In: `value IN (a,b)`
    std::string s = a[0] + " IN (";
    for (size_t i = 1; i < a.size(); ++i) s += (i > 1 ? "," : "") + a[i];
    return s + ")";
  }
  if (n == "like" && a.size() == 2) return a[0] + " LIKE " + a[1];
  if (n == "timestamp_literal" && a.size() == 1) return a[0];  // a Literal of TimestampType
  if (n == "rlike" && a.size() == 2) return "RLIKE(" + a[0] + ", " + a[1] + ")";
  if (n == "ilike" && a.size() == 2) return "ilike(" + a[0] + ", " + a[1] + ", \\)";  // its escapeChar too
  if (n == "when" && a.size() >= 2) {  // CaseWhen
    std::string s = "CASE";
    size_t i = 0;
    for (; i + 1 < a.size(); i += 2) s += " WHEN " + a[i] + " THEN " + a[i + 1];
    if (i < a.size()) s += " ELSE " + a[i];
    return s + " END";
  }
  if (n == "concat") {  // `a || b`: Concat
    std::string s = "concat(";
    for (size_t i = 0; i < a.size(); ++i) s += (i ? ", " : "") + a[i];
    return s + ")";
  }
  return std::nullopt;
}

bool is_collect_wrapper(const std::string& n) {
  return n == "median" || n == "percentile" || n == "mode" || n == "max_by" || n == "min_by" ||
         n == "approx_count_distinct" || n == "try_sum" || n == "try_avg" || n.rfind("regr_", 0) == 0 ||
         n == "product" || n == "bit_and" || n == "bit_or" || n == "bit_xor" || n == "histogram_numeric" ||
         n == "count_min_sketch" || n == "bitmap_construct_agg" || n == "bitmap_or_agg";
}

}  // namespace spp::sql
