// Spark's ReorderJoin (without CBO): a tree of inner joins and the filters over it is flattened
// into its relations and conditions, and rebuilt left-deep so that each join has a condition
// when one exists — `FROM part, supplier, lineitem WHERE p_partkey = l_partkey AND s_suppkey =
// l_suppkey` joins part with lineitem first instead of part × supplier.
#include <algorithm>

#include "sql/optimizer/optimizer.h"

namespace spp::sql::opt {

namespace {

using Item = std::pair<PlanPtr, JoinType>;

bool has_hint(PlanPtr p) {  // a join side carrying a strategy hint (Spark: the join's JoinHint)
  while (p->kind == PlanKind::Project || p->kind == PlanKind::Filter || p->kind == PlanKind::SubqueryAlias ||
         p->kind == PlanKind::View)
    p = p->children[0];
  return p->kind == PlanKind::Hint;
}

bool inner_like(const PlanPtr& p) {
  return p->kind == PlanKind::Join && (p->join_type == JoinType::Inner || p->join_type == JoinType::Cross) &&
         p->names.empty() && !p->flag && !has_hint(p->children[0]) && !has_hint(p->children[1]);
}

// Spark's ExtractFiltersAndInnerJoins.flattenJoin.
void flatten(const PlanPtr& p, JoinType parent, std::vector<Item>& items, ExprList& conds) {
  if (inner_like(p)) {
    flatten(p->children[0], p->join_type, items, conds);
    items.push_back({p->children[1], p->join_type});
    if (!p->exprs.empty())
      for (const auto& c : split_conjuncts(p->exprs[0])) conds.push_back(c);
  } else if (p->kind == PlanKind::Filter && inner_like(p->children[0])) {
    flatten(p->children[0], JoinType::Inner, items, conds);
    for (const auto& c : split_conjuncts(p->exprs[0])) conds.push_back(c);
  } else {
    items.push_back({p, parent});
  }
}

std::set<int64_t> out_ids(const PlanPtr& p) {
  std::set<int64_t> s;
  for (const auto& a : p->output()) s.insert(a->id);
  return s;
}
// Spark's canEvaluateWithinJoin: deterministic, no subquery left in it.
bool within_join(const ExprPtr& e) {
  return e->deterministic() && !any_expr(e, [](const Expr& x) {
    return x.kind == ExprKind::Exists || x.kind == ExprKind::InSubquery ||
           (x.kind == ExprKind::ScalarSubquery && !x.children.empty());
  });
}

PlanPtr join(PlanPtr l, PlanPtr r, JoinType t, const ExprList& conds) {
  LogicalPlan j;
  j.kind = PlanKind::Join;
  j.join_type = t;
  j.children = {std::move(l), std::move(r)};
  if (!conds.empty()) j.exprs = {make_and(conds)};
  return make_plan(std::move(j));
}

// Spark's createOrderedJoin; `order` records which input each step took.
PlanPtr ordered_join(std::vector<Item> input, ExprList conds, std::vector<size_t> idx, std::vector<size_t>& order) {
  if (input.size() == 2) {
    ExprList on, others;
    for (const auto& c : conds) (within_join(c) ? on : others).push_back(c);
    order.push_back(idx[0]);
    order.push_back(idx[1]);
    JoinType t = input[0].second == JoinType::Inner && input[1].second == JoinType::Inner ? JoinType::Inner : JoinType::Cross;
    PlanPtr j = join(input[0].first, input[1].first, t, on);
    if (others.empty()) return j;
    LogicalPlan f;
    f.kind = PlanKind::Filter;
    f.exprs = {make_and(others)};
    f.children = {j};
    return make_plan(std::move(f));
  }
  const PlanPtr& left = input[0].first;
  const auto lids = out_ids(left);
  size_t pick = 1;  // the first relation sharing a condition with `left`, else the next one
  for (size_t i = 1; i < input.size(); ++i) {
    auto ids = out_ids(input[i].first), refs = lids;
    refs.insert(ids.begin(), ids.end());
    bool found = false;
    for (const auto& c : conds) {
      auto r = references(c);
      if (!r.empty() && subset(r, lids)) continue;
      if (!r.empty() && subset(r, ids)) continue;
      if (subset(r, refs)) { found = true; break; }
    }
    if (found) { pick = i; break; }
  }
  auto joined_ids = lids, rids = out_ids(input[pick].first);
  joined_ids.insert(rids.begin(), rids.end());
  ExprList on, others;
  for (const auto& c : conds) (subset(references(c), joined_ids) && within_join(c) ? on : others).push_back(c);
  if (order.empty()) order.push_back(idx[0]);
  order.push_back(idx[pick]);
  PlanPtr j = join(left, input[pick].first, input[pick].second, on);
  std::vector<Item> rest{{j, JoinType::Inner}};
  std::vector<size_t> rest_idx{idx[0]};
  for (size_t i = 1; i < input.size(); ++i)
    if (i != pick) { rest.push_back(input[i]); rest_idx.push_back(idx[i]); }
  std::vector<size_t> sub;
  PlanPtr out = ordered_join(std::move(rest), std::move(others), std::move(rest_idx), sub);
  for (size_t k = 1; k < sub.size(); ++k) order.push_back(sub[k]);  // sub[0]: the joined left
  return out;
}

}  // namespace

PlanPtr reorder_join(const PlanPtr& p) {
  return plan_transform_down(p, [](const PlanPtr& n) -> PlanPtr {
    if (!(n->kind == PlanKind::Filter && inner_like(n->children[0])) && !inner_like(n)) return nullptr;
    std::vector<Item> items;
    ExprList conds;
    flatten(n, JoinType::Inner, items, conds);
    if (items.size() <= 2 || conds.empty()) return nullptr;
    std::vector<size_t> idx(items.size()), order;
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    PlanPtr out = ordered_join(items, conds, idx, order);
    // Already in this order: the other rules place the conditions (this keeps the batch's
    // fixed point; Spark's rule rebuilds the same tree again).
    bool same = true;
    for (size_t i = 0; i < order.size(); ++i) same &= order[i] == i;
    if (same) return nullptr;
    ExprList before = n->output(), after = out->output();
    bool same_output = before.size() == after.size();
    for (size_t i = 0; same_output && i < before.size(); ++i) same_output = before[i]->id == after[i]->id;
    if (same_output) return out;
    LogicalPlan pr;  // the columns in their old order
    pr.kind = PlanKind::Project;
    pr.exprs = before;
    pr.children = {out};
    return make_plan(std::move(pr));
  });
}

}  // namespace spp::sql::opt
