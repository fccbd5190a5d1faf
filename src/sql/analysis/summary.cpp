// describe() / summary() (summary.h).
#include "sql/analysis/summary.h"
#include "common/strings.h"
#include "sql/plan/plan_build.h"

#include <cctype>
#include <cstdlib>

namespace spp::sql {
namespace {

// A generated column name nobody's data uses (the plan refers to it by name).
std::string hidden(const std::string& what, size_t i, size_t j = 0) {
  return "__summary_" + what + std::to_string(i) + "_" + std::to_string(j);
}

}  // namespace

PlanPtr rewrite_summary(const LogicalPlan& n, IdGen& ids, std::optional<AnalysisError>& error) {
  const PlanPtr& child = n.children[0];
  ExprList cols;
  for (const auto& a : child->output())
    if (a->type.is_numeric() || a->type.id == TypeId::String) cols.push_back(a);
  std::vector<double> percentile(n.names.size(), -1);  // "25%" -> 0.25
  for (size_t j = 0; j < n.names.size(); ++j) {
    const std::string& s = n.names[j];
    const std::string l = ascii_lower(s);
    if (l == "count" || l == "count_distinct" || l == "mean" || l == "stddev" || l == "min" || l == "max") continue;
    if (!l.empty() && l.back() == '%') {
      char* end = nullptr;
      const std::string num = l.substr(0, l.size() - 1);
      const double v = std::strtod(num.c_str(), &end);
      if (num.empty() || end != num.c_str() + num.size()) {
        error = generic_error("_LEGACY_ERROR_TEMP_2112", "", "Unable to parse " + s + " as a percentile.");
        return nullptr;
      }
      if (v < 0 || v > 100) {
        error = generic_error("_LEGACY_ERROR_TEMP_2112", "", "requirement failed: Percentiles must be in the range [0, 1]");
        return nullptr;
      }
      percentile[j] = v / 100.0;
      continue;
    }
    error = generic_error("_LEGACY_ERROR_TEMP_2113", "", s + " is not a recognised statistic.");
    return nullptr;
  }
  auto stats_array = [&]() {
    ExprList names;
    for (const auto& s : n.names) names.push_back(lit_string(s));
    return unresolved_fn("array", names);
  };
  if (cols.empty()) {  // only the statistics' names
    LogicalPlan one;
    one.kind = PlanKind::LocalRelation;
    one.data_ref = "one_row";
    return plan_node(PlanKind::Project, {alias(unresolved_fn("explode", {stats_array()}), "summary", ids.next())},
                make_plan(std::move(one)));
  }
  // 1. one aggregation: statistic j of column i as a string, `__summary_s<i>_<j>`
  ExprList aggs;
  for (size_t i = 0; i < cols.size(); ++i) {
    const ExprPtr& c = cols[i];
    ExprPtr casted = c->type.id == TypeId::String ? cast(c, DataType::double_(), true) : c;
    for (size_t j = 0; j < n.names.size(); ++j) {
      const std::string l = ascii_lower(n.names[j]);
      ExprPtr v = l == "count" ? unresolved_fn("count", {c})
                  : l == "count_distinct" ? unresolved_fn("count", {c}, true)
                  : l == "mean" ? unresolved_fn("avg", {casted})
                  : l == "stddev" ? unresolved_fn("stddev", {casted})
                  : percentile[j] >= 0
                      ? unresolved_fn("percentile_approx", {casted, lit(Value::of(percentile[j]), DataType::double_()), lit_int(10000)})
                      : unresolved_fn(l, {c});
      aggs.push_back(alias(cast(v, DataType::string(), true), hidden("s", i, j), ids.next()));
    }
  }
  LogicalPlan agg;
  agg.kind = PlanKind::Aggregate;
  agg.exprs = std::move(aggs);
  agg.children = {child};
  // 2. each column's statistics as an array, and the statistics' names exploded with positions
  ExprList arrays;
  for (size_t i = 0; i < cols.size(); ++i) {
    ExprList vs;
    for (size_t j = 0; j < n.names.size(); ++j) vs.push_back(unresolved_attr({hidden("s", i, j)}));
    arrays.push_back(alias(unresolved_fn("array", vs), hidden("a", i), ids.next()));
  }
  auto gen = std::make_shared<Expr>();
  gen->kind = ExprKind::MultiAlias;
  gen->name_parts = {hidden("pos", 0), "summary"};
  gen->children = {unresolved_fn("posexplode", {stats_array()})};
  arrays.push_back(gen);
  PlanPtr rows = plan_node(PlanKind::Project, std::move(arrays), make_plan(std::move(agg)));
  // 3. summary, then each column's value at the statistic's position, under the column's name
  ExprList out = {unresolved_attr({"summary"})};
  for (size_t i = 0; i < cols.size(); ++i) {
    auto at = std::make_shared<Expr>();
    at->kind = ExprKind::UnresolvedExtractValue;
    at->children = {unresolved_attr({hidden("a", i)}), unresolved_attr({hidden("pos", 0)})};
    out.push_back(alias(at, cols[i]->name, ids.next()));
  }
  return plan_node(PlanKind::Project, std::move(out), rows);
}

}  // namespace spp::sql
