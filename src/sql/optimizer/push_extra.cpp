// Spark's PushExtraPredicateThroughJoin: a join condition conjunct that reads both sides, such as
// TPC-H Q7's `(n1.n_name = 'FRANCE' AND n2.n_name = 'GERMANY') OR (n1.n_name = 'GERMANY' AND
// n2.n_name = 'FRANCE')`, still implies a predicate on each side alone — here
// `n1.n_name = 'FRANCE' OR n1.n_name = 'GERMANY'` — which becomes a Filter on that side and is
// pushed on to its scan, so far fewer rows reach the joins above. The join keeps its whole
// condition. The join records the condition it extracted from (Spark tags the node), so the
// fixed-point loop does not add the same filters again once they have moved down.
#include <set>

#include "sql/optimizer/optimizer.h"

namespace spp::sql::opt {
namespace {

bool is_call(const ExprPtr& e, const char* name) { return e->kind == ExprKind::Call && e->name == name; }

ExprPtr bool_call(const char* op, const ExprPtr& l, const ExprPtr& r) {
  return call(op, {l, r}, DataType::boolean(), l->nullable || r->nullable);
}

}  // namespace

// Spark's extractPredicatesWithinOutputSet: the weakest predicate over `side` alone that `e`
// implies. AND keeps whichever halves have one; OR needs both (a disjunct without one implies
// nothing about the side). NOTs sit below AND/OR after BooleanSimplification, so they are leaves.
std::optional<ExprPtr> extract_within(const ExprPtr& e, const std::set<int64_t>& side) {
  if (is_call(e, "and")) {
    auto l = extract_within(e->children[0], side), r = extract_within(e->children[1], side);
    if (l && r) return bool_call("and", *l, *r);
    return l ? l : r;
  }
  if (is_call(e, "or")) {
    auto l = extract_within(e->children[0], side);
    if (!l) return std::nullopt;
    auto r = extract_within(e->children[1], side);
    if (!r) return std::nullopt;
    return bool_call("or", *l, *r);
  }
  if (subset(references(e), side)) return e;
  return std::nullopt;
}

PlanPtr push_extra_predicate_through_join(const PlanPtr& p) {
  return plan_transform_up(p, [](const PlanPtr& n) -> PlanPtr {
    if (n->kind != PlanKind::Join || n->exprs.empty() || !n->names.empty()) return nullptr;
    const JoinType jt = n->join_type;
    const bool to_left = jt == JoinType::Inner || jt == JoinType::Cross || jt == JoinType::LeftSemi || jt == JoinType::RightOuter;
    const bool to_right = jt == JoinType::Inner || jt == JoinType::Cross || jt == JoinType::LeftSemi ||
                          jt == JoinType::LeftOuter || jt == JoinType::LeftAnti;
    if (!to_left && !to_right) return nullptr;
    const ExprPtr& cond = n->exprs[0];
    if (n->extra_pushed_from && expr_equal(*n->extra_pushed_from, *cond)) return nullptr;
    std::set<int64_t> lids, rids;
    for (const auto& a : n->children[0]->output()) lids.insert(a->id);
    for (const auto& a : n->children[1]->output()) rids.insert(a->id);
    ExprList lextra, rextra;
    for (const auto& c : split_conjuncts(cond)) {
      auto refs = references(c);
      if (!c->deterministic() || refs.empty() || subset(refs, lids) || subset(refs, rids)) continue;
      if (to_left)
        if (auto x = extract_within(c, lids)) lextra.push_back(*x);
      if (to_right)
        if (auto x = extract_within(c, rids)) rextra.push_back(*x);
    }
    if (lextra.empty() && rextra.empty()) return nullptr;
    LogicalPlan j = *n;
    if (!lextra.empty()) j.children[0] = filter(make_and(lextra), n->children[0]);
    if (!rextra.empty()) j.children[1] = filter(make_and(rextra), n->children[1]);
    j.extra_pushed_from = cond;
    return make_plan(std::move(j));
  });
}

}  // namespace spp::sql::opt
