#include "sql/analysis/python_checks.h"

#include <functional>
#include <set>
#include <string>

namespace spp::sql {

namespace {

bool is_pandas_agg(const Expr& x) { return x.kind == ExprKind::PythonUDF && x.python->eval_type == 202; }

// A UDF reading both sides of an outer/semi/anti join cannot run before it (Spark's
// ExtractPythonUDFFromJoinCondition only lifts inner joins' into a Filter).
std::optional<AnalysisError> check_join(const LogicalPlan& p) {
  if (p.kind != PlanKind::Join || p.exprs.empty() || p.join_type == JoinType::Inner || p.join_type == JoinType::Cross ||
      !p.exprs[0]->resolved())
    return std::nullopt;
  std::set<int64_t> l, r;
  for (const auto& a : p.children[0]->output()) l.insert(a->id);
  for (const auto& a : p.children[1]->output()) r.insert(a->id);
  bool both = false;
  foreach_expr(p.exprs[0], [&](const Expr& x) {
    if (x.kind != ExprKind::PythonUDF) return;
    bool in_l = true, in_r = true;
    std::function<void(const Expr&)> refs = [&](const Expr& y) {
      if (y.kind == ExprKind::Attribute) in_l &= l.count(y.id) > 0, in_r &= r.count(y.id) > 0;
      for (const auto& k : y.children) refs(*k);
    };
    refs(x);
    both |= !in_l && !in_r;
  });
  if (!both) return std::nullopt;
  static const char* names[] = {"INNER", "LEFT OUTER", "RIGHT OUTER", "FULL OUTER", "LEFT SEMI", "LEFT ANTI", "CROSS"};
  const std::string jt = std::string("\"") + names[static_cast<int>(p.join_type)] + "\"";
  return generic_error("UNSUPPORTED_FEATURE.PYTHON_UDF_IN_ON_CLAUSE", "0A000",
                       "The feature is not supported: Python UDF in the ON clause of a " + jt +
                           " JOIN. In case of an INNNER JOIN consider rewriting to a CROSS JOIN with a WHERE clause.");
}

// Group aggregate pandas UDFs outside a window function's place (those are WindowInPandas's).
void pandas_aggs_outside_windows(const ExprPtr& e, bool& pandas, bool& native) {
  if (e->kind == ExprKind::WindowExpr) {
    for (size_t i = 1; i < e->children.size(); ++i) pandas_aggs_outside_windows(e->children[i], pandas, native);
    for (const auto& c : e->window_function()->children) pandas_aggs_outside_windows(c, pandas, native);
    return;
  }
  pandas |= is_pandas_agg(*e);
  native |= e->kind == ExprKind::AggCall;
  for (const auto& c : e->children) pandas_aggs_outside_windows(c, pandas, native);
}

std::optional<AnalysisError> check_pandas_aggregates(const LogicalPlan& p) {
  bool pandas = false, native = false;
  for (const auto& e : p.exprs) pandas_aggs_outside_windows(e, pandas, native);
  if (!pandas) return std::nullopt;
  if (p.kind != PlanKind::Aggregate)
    return generic_error("INVALID_PANDAS_UDF_PLACEMENT", "0A000",
                         "A group aggregate pandas UDF can only be used in groupBy().agg() or over a window.");
  if (native || !p.grouping_sets.empty())
    return generic_error("INVALID_PANDAS_UDF_PLACEMENT", "0A000",
                         "Cannot use a mixture of aggregate function and group aggregate pandas UDF.");
  return std::nullopt;
}

}  // namespace

std::optional<AnalysisError> check_python_udfs(const LogicalPlan& p) {
  if (auto e = check_join(p)) return e;
  return check_pandas_aggregates(p);
}

}  // namespace spp::sql
