// A plan node from its kind, expressions and children: for rules that build nodes (the
// analyzer's rewrites of unresolved operators).
#pragma once
#include <utility>
#include <vector>

#include "sql/plan/logical.h"

namespace spp::sql {

inline PlanPtr plan_node(PlanKind k, ExprList exprs, std::vector<PlanPtr> children) {
  LogicalPlan p;
  p.kind = k;
  p.exprs = std::move(exprs);
  p.children = std::move(children);
  return make_plan(std::move(p));
}

inline PlanPtr plan_node(PlanKind k, ExprList exprs, PlanPtr child) {
  return plan_node(k, std::move(exprs), std::vector<PlanPtr>{std::move(child)});
}

}  // namespace spp::sql
