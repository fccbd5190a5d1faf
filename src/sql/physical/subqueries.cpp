// Uncorrelated scalar subqueries as Spark runs them: planned as queries of their own beside the
// operator that hosts them (PlanSubqueries / PlanAdaptiveSubqueries), run first by the driver,
// their values then substituted as literals (ScalarSubquery.updateResult).
#include <functional>
#include <set>

#include "sql/optimizer/subquery.h"
#include "sql/physical/physical.h"

namespace spp::sql {

namespace {

// Every expression list an operator evaluates.
std::vector<ExprList*> expr_lists(PhysicalPlan& n) {
  return {&n.exprs, &n.groups, &n.project, &n.left_keys, &n.right_keys};
}

bool planned_subquery(const Expr& x) { return x.kind == ExprKind::ScalarSubquery && x.ordinal > 0; }

}  // namespace

Result<PhysPtr> plan_subqueries(const PhysPtr& root, const PlannerOptions& opts, int64_t& next_id) {
  std::optional<std::string> error;
  // One plan per exprId: the same subquery met again (an expression copied by a rule) is the same run.
  std::map<int64_t, SubqueryPlan> planned;
  std::function<PhysPtr(const PhysPtr&)> walk = [&](const PhysPtr& p) -> PhysPtr {
    auto n = std::make_shared<PhysicalPlan>(*p);
    for (auto& c : n->children) c = walk(c);
    std::set<int64_t> hosted;
    for (ExprList* list : expr_lists(*n))
      for (auto& e : *list)
        e = transform_up(e, [&](const ExprPtr& x) -> ExprPtr {
          if (error || !opt::kept_scalar_subquery(*x) || planned_subquery(*x)) return nullptr;
          auto it = planned.find(x->id);
          if (it == planned.end()) {
            auto ph = create_physical_plan(x->plan, opts);
            if (ph) ph = plan_subqueries(*ph, opts, next_id);
            if (!ph) {
              error = ph.error_message();
              return nullptr;
            }
            SubqueryPlan s;
            s.expr_id = x->id;
            s.id = next_id++;
            s.plan = *ph;
            auto c = std::make_shared<Expr>(*x);
            c->ordinal = static_cast<int>(s.id);
            c->name = std::string("Subquery ") + (opts.adaptive ? "subquery#" : "scalar-subquery#") + std::to_string(x->id) +
                      ", [id=#" + std::to_string(s.id) + "]";
            s.expr = c;
            it = planned.emplace(x->id, std::move(s)).first;
          }
          if (hosted.insert(x->id).second) n->subqueries.push_back(it->second);
          return it->second.expr;
        });
    return n;
  };
  PhysPtr out = walk(root);
  if (error) return Result<PhysPtr>::error(*error);
  return out;
}

bool has_subqueries(const PhysPtr& p) {
  if (!p->subqueries.empty()) return true;
  for (const auto& c : p->children)
    if (has_subqueries(c)) return true;
  return false;
}

std::vector<SubqueryPlan> hosted_subqueries(const PhysPtr& root) {
  std::vector<SubqueryPlan> out;
  std::set<int64_t> seen;
  std::function<void(const PhysicalPlan&)> walk = [&](const PhysicalPlan& p) {
    for (const auto& s : p.subqueries)
      if (seen.insert(s.expr_id).second) out.push_back(s);
    for (const auto& c : p.children) walk(*c);
  };
  walk(*root);
  return out;
}

PhysPtr with_subquery_values(const PhysPtr& p, const std::map<int64_t, Value>& values) {
  auto n = std::make_shared<PhysicalPlan>(*p);
  for (auto& c : n->children) c = with_subquery_values(c, values);
  if (n->subqueries.empty()) return n;
  for (ExprList* list : expr_lists(*n))
    for (auto& e : *list)
      e = transform_up(e, [&](const ExprPtr& x) -> ExprPtr {
        if (!planned_subquery(*x)) return nullptr;
        auto it = values.find(x->id);
        return it == values.end() ? nullptr : lit(it->second, x->type);
      });
  std::erase_if(n->subqueries, [&](const SubqueryPlan& s) { return values.count(s.expr_id) > 0; });
  return n;
}

PhysPtr subquery_run_plan(const SubqueryPlan& s) {
  const PhysPtr& p = s.plan;
  // Already few rows: a LIMIT / top-N (the root the driver merges) or a global aggregate.
  if (p->kind == PhysKind::CollectLimit || p->kind == PhysKind::TakeOrderedAndProject ||
      (p->kind == PhysKind::HashAggregate && p->groups.empty() && p->agg_mode != AggMode::Partial))
    return p;
  auto limit = std::make_shared<PhysicalPlan>();
  limit->kind = PhysKind::LocalLimit;
  limit->n = 2;
  limit->children = {p};
  return limit;
}

}  // namespace spp::sql
