// Optimizer rules: each a pure function plan -> plan that returns the same pointer when it
// changes nothing (the fixed-point loop compares pointers).
#include <algorithm>
#include <functional>
#include <map>

#include "sql/optimizer/optimizer.h"

namespace spp::sql::opt {

std::set<int64_t> references(const ExprPtr& e) {
  std::set<int64_t> out;
  foreach_expr(e, [&](const Expr& x) { if (x.kind == ExprKind::Attribute) out.insert(x.id); });
  return out;
}

static std::set<int64_t> ids_of(const ExprList& attrs) {
  std::set<int64_t> s;
  for (const auto& a : attrs) s.insert(a->id);
  return s;
}

bool subset(const std::set<int64_t>& a, const std::set<int64_t>& b) {
  return std::includes(b.begin(), b.end(), a.begin(), a.end());
}

ExprList split_conjuncts(const ExprPtr& e) {
  if (e->kind == ExprKind::Call && e->name == "and") {
    ExprList l = split_conjuncts(e->children[0]), r = split_conjuncts(e->children[1]);
    l.insert(l.end(), r.begin(), r.end());
    return l;
  }
  return {e};
}

ExprPtr make_and(const ExprList& cs) {
  ExprPtr out;
  for (const auto& c : cs)
    out = out ? call("and", {out, c}, DataType::boolean(), out->nullable || c->nullable) : c;
  return out;
}

PlanPtr filter(ExprPtr cond, PlanPtr child) {
  LogicalPlan f;
  f.kind = PlanKind::Filter;
  f.exprs = {std::move(cond)};
  f.children = {std::move(child)};
  return make_plan(std::move(f));
}

static PlanPtr project(ExprList list, PlanPtr child) {
  LogicalPlan p;
  p.kind = PlanKind::Project;
  p.exprs = std::move(list);
  p.children = {std::move(child)};
  return make_plan(std::move(p));
}

static bool is_lit(const ExprPtr& e, bool v) {
  return e->kind == ExprKind::Literal && e->type.id == TypeId::Boolean && !e->value.is_null() && e->value.as_bool() == v;
}
static bool is_null_lit(const ExprPtr& e) { return e->kind == ExprKind::Literal && e->value.is_null(); }

static ExprList split_disjuncts(const ExprPtr& e) {
  if (e->kind == ExprKind::Call && e->name == "or") {
    ExprList l = split_disjuncts(e->children[0]), r = split_disjuncts(e->children[1]);
    l.insert(l.end(), r.begin(), r.end());
    return l;
  }
  return {e};
}

static ExprPtr make_chain(const char* op, const ExprList& cs) {
  ExprPtr out;
  for (const auto& c : cs)
    out = out ? call(op, {out, c}, DataType::boolean(), out->nullable || c->nullable) : c;
  return out;
}

// Spark's BooleanSimplification common factor extraction: `op` is the outer connective ("or"
// for (a && b) || (a && c) => a && (b || c), "and" for (a || b) && (a || c) => a || (b && c)).
// The factors keep the left side's order; a side left with nothing absorbs the other.
static ExprPtr extract_common_factors(const char* op, const ExprPtr& l, const ExprPtr& r) {
  const bool outer_or = std::string(op) == "or";
  const char* inner = outer_or ? "and" : "or";
  ExprList ls = outer_or ? split_conjuncts(l) : split_disjuncts(l), rs = outer_or ? split_conjuncts(r) : split_disjuncts(r);
  auto in = [](const ExprList& xs, const ExprPtr& x) {
    return std::any_of(xs.begin(), xs.end(), [&](const ExprPtr& y) { return expr_equal(*x, *y); });
  };
  ExprList common, ldiff, rdiff;
  for (const auto& x : ls) (in(rs, x) && x->deterministic() ? common : ldiff).push_back(x);
  if (common.empty()) return nullptr;
  for (const auto& x : rs) if (!in(common, x)) rdiff.push_back(x);
  if (ldiff.empty() || rdiff.empty()) return make_chain(inner, common);
  common.push_back(make_chain(op, {make_chain(inner, ldiff), make_chain(inner, rdiff)}));
  return make_chain(inner, common);
}

PlanPtr boolean_simplification(const PlanPtr& p) {
  return plan_transform_exprs(p, [](const ExprPtr& e) -> ExprPtr {
    if (e->kind != ExprKind::Call) return nullptr;
    if (e->name == "and") {
      const auto &l = e->children[0], &r = e->children[1];
      if (is_lit(l, true)) return r;
      if (is_lit(r, true)) return l;
      if (is_lit(l, false) || is_lit(r, false)) return lit_bool(false);
      if (l->deterministic() && expr_equal(*l, *r)) return l;
      if (auto x = extract_common_factors("and", l, r)) return x;
    }
    if (e->name == "or") {
      const auto &l = e->children[0], &r = e->children[1];
      if (is_lit(l, false)) return r;
      if (is_lit(r, false)) return l;
      if (is_lit(l, true) || is_lit(r, true)) return lit_bool(true);
      if (l->deterministic() && expr_equal(*l, *r)) return l;
      if (auto x = extract_common_factors("or", l, r)) return x;
    }
    if (e->name == "not") {
      const auto& c = e->children[0];
      if (c->kind == ExprKind::Call && c->name == "not") return c->children[0];
      if (is_lit(c, true)) return lit_bool(false);
      if (is_lit(c, false)) return lit_bool(true);
    }
    return nullptr;
  });
}

PlanPtr prune_filters(const PlanPtr& p) {
  return plan_transform_up(p, [](const PlanPtr& n) -> PlanPtr {
    if (n->kind != PlanKind::Filter) return nullptr;
    const auto& c = n->exprs[0];
    if (is_lit(c, true)) return n->children[0];
    if (is_lit(c, false) || is_null_lit(c)) {
      LogicalPlan empty;
      empty.kind = PlanKind::LocalRelation;
      empty.output_attrs = n->output();
      empty.data_ref = "empty";
      empty.size_hint = 0;
      return make_plan(std::move(empty));
    }
    return nullptr;
  });
}

// Spark's CombineFilters: Filter(inner AND (the outer's deterministic conjuncts not already in
// inner)), the outer's non-deterministic conjuncts staying in a filter above.
PlanPtr combine_filters(const PlanPtr& p) {
  return plan_transform_up(p, [](const PlanPtr& n) -> PlanPtr {
    if (n->kind != PlanKind::Filter || n->children[0]->kind != PlanKind::Filter) return nullptr;
    const auto& inner = n->children[0];
    if (!inner->exprs[0]->deterministic()) return nullptr;
    const ExprList have = split_conjuncts(inner->exprs[0]);
    ExprList add, nondet;
    for (const auto& c : split_conjuncts(n->exprs[0])) {
      if (!c->deterministic()) nondet.push_back(c);
      else if (std::none_of(have.begin(), have.end(), [&](const ExprPtr& x) { return expr_equal(*x, *c); }) &&
               std::none_of(add.begin(), add.end(), [&](const ExprPtr& x) { return expr_equal(*x, *c); }))
        add.push_back(c);
    }
    if (add.empty() && nondet.size() == split_conjuncts(n->exprs[0]).size()) return nullptr;  // nothing merges
    PlanPtr merged = add.empty() ? inner
                                 : filter(call("and", {inner->exprs[0], make_and(add)}, DataType::boolean(),
                                               inner->exprs[0]->nullable || make_and(add)->nullable),
                                          inner->children[0]);
    return nondet.empty() ? merged : filter(make_and(nondet), merged);
  });
}

// Replaces attributes defined by aliases in `list` with the aliased expression.
static ExprPtr substitute(const ExprPtr& e, const ExprList& list) {
  return transform_up(e, [&](const ExprPtr& x) -> ExprPtr {
    if (x->kind != ExprKind::Attribute) return nullptr;
    for (const auto& a : list)
      if (a->kind == ExprKind::Alias && a->id == x->id) return a->children[0];
    return nullptr;
  });
}

static bool all_deterministic(const ExprList& es) {
  return std::all_of(es.begin(), es.end(), [](const ExprPtr& e) { return e->deterministic(); });
}

// Spark's hasConflictingAttrsWithSubquery: a subquery in `e` outputs a column `child` outputs too.
static bool conflicts_with_subquery(const ExprPtr& e, const LogicalPlan& child) {
  std::set<int64_t> out;
  for (const auto& a : child.output()) out.insert(a->id);
  return any_expr(e, [&](const Expr& x) {
    if (!is_subquery_expr(x) || !x.plan) return false;
    for (const auto& a : x.plan->output())
      if (out.count(a->id)) return true;
    return false;
  });
}

static bool has_agg_or_generator(const ExprList& es) {
  for (const auto& e : es)
    if (any_expr(e, [](const Expr& x) { return x.kind == ExprKind::AggCall || (x.kind == ExprKind::Call && is_generator_name(x.name)); }))
      return true;
  return false;
}

// Join-condition conjuncts over one side only become filters on that side.
static PlanPtr push_join_condition(const PlanPtr& n) {
  if (n->kind != PlanKind::Join || n->exprs.empty() || !n->names.empty()) return nullptr;
  JoinType jt = n->join_type;
  bool push_l = jt == JoinType::Inner || jt == JoinType::LeftSemi || jt == JoinType::RightOuter || jt == JoinType::Cross;
  bool push_r = jt == JoinType::Inner || jt == JoinType::LeftSemi || jt == JoinType::LeftOuter ||
                jt == JoinType::LeftAnti || jt == JoinType::Cross;
  auto lids = ids_of(n->children[0]->output()), rids = ids_of(n->children[1]->output());
  ExprList lpush, rpush, rest;
  for (const auto& c : split_conjuncts(n->exprs[0])) {
    auto refs = references(c);
    bool det = c->deterministic() && !refs.empty();
    if (det && push_l && subset(refs, lids)) lpush.push_back(c);
    else if (det && push_r && subset(refs, rids)) rpush.push_back(c);
    else rest.push_back(c);
  }
  if (lpush.empty() && rpush.empty()) return nullptr;
  LogicalPlan j = *n;
  if (!lpush.empty()) j.children[0] = filter(make_and(lpush), n->children[0]);
  if (!rpush.empty()) j.children[1] = filter(make_and(rpush), n->children[1]);
  j.exprs = rest.empty() ? ExprList{} : ExprList{make_and(rest)};
  return make_plan(std::move(j));
}

PlanPtr push_down_predicates(const PlanPtr& p) {
  return plan_transform_down(p, [](const PlanPtr& n) -> PlanPtr {
    if (n->kind == PlanKind::Filter) {
      const PlanPtr& child = n->children[0];
      const ExprPtr& cond = n->exprs[0];
      if (child->kind == PlanKind::Project && all_deterministic(child->exprs) && cond->deterministic() &&
          !has_agg_or_generator(child->exprs))
        return project(child->exprs, filter(substitute(cond, child->exprs), child->children[0]));
      if (child->kind == PlanKind::Generate && child->exprs[0]->deterministic()) {
        // Conjuncts over the child's columns only run before the rows multiply; those on the
        // generator's output stay above (Spark's PushPredicateThroughNonJoin for Generate).
        auto below = ids_of(child->children[0]->output());
        ExprList push, stay;
        for (const auto& c : split_conjuncts(cond)) {
          auto refs = references(c);
          (c->deterministic() && subset(refs, below) ? push : stay).push_back(c);
        }
        if (push.empty()) return nullptr;
        PlanPtr g = child->with_children({filter(make_and(push), child->children[0])});
        return stay.empty() ? g : filter(make_and(stay), g);
      }
      if (child->kind == PlanKind::Join && child->names.empty()) {
        JoinType jt = child->join_type;
        auto lids = ids_of(child->children[0]->output()), rids = ids_of(child->children[1]->output());
        ExprList lpush, rpush, common, stay;
        for (const auto& c : split_conjuncts(cond)) {
          auto refs = references(c);
          if (!c->deterministic()) stay.push_back(c);
          else if (subset(refs, lids)) lpush.push_back(c);
          else if (subset(refs, rids)) rpush.push_back(c);
          else common.push_back(c);
        }
        auto keep = [&](ExprList& from, ExprList& to) { to.insert(to.end(), from.begin(), from.end()); from.clear(); };
        switch (jt) {
          case JoinType::Inner: case JoinType::Cross: break;
          case JoinType::LeftOuter: case JoinType::LeftSemi: case JoinType::LeftAnti:
            keep(rpush, stay); keep(common, stay); break;
          case JoinType::RightOuter: keep(lpush, stay); keep(common, stay); break;
          case JoinType::FullOuter: keep(lpush, stay); keep(rpush, stay); keep(common, stay); break;
        }
        if (lpush.empty() && rpush.empty() && common.empty()) return nullptr;
        LogicalPlan j = *child;
        if (!lpush.empty()) j.children[0] = filter(make_and(lpush), child->children[0]);
        if (!rpush.empty()) j.children[1] = filter(make_and(rpush), child->children[1]);
        if (!common.empty()) {
          ExprList cs = j.exprs.empty() ? ExprList{} : split_conjuncts(j.exprs[0]);
          cs.insert(cs.end(), common.begin(), common.end());
          j.exprs = {make_and(cs)};
          if (j.join_type == JoinType::Cross) j.join_type = JoinType::Inner;
        }
        PlanPtr jp = make_plan(std::move(j));
        if (auto pushed = push_join_condition(jp)) jp = pushed;
        return stay.empty() ? jp : filter(make_and(stay), jp);
      }
      return nullptr;
    }
    return push_join_condition(n);
  });
}

static PlanPtr join_of(const PlanPtr& like, PlanPtr left, PlanPtr right, JoinType jt, ExprList cond) {
  LogicalPlan j = *like;
  j.children = {std::move(left), std::move(right)};
  j.join_type = jt;
  j.exprs = std::move(cond);
  return make_plan(std::move(j));
}

static bool has_scalar_subquery(const ExprList& es) {
  bool found = false;
  for (const auto& e : es)
    foreach_expr(e, [&](const Expr& x) { found = found || x.kind == ExprKind::ScalarSubquery; });
  return found;
}

// Spark's canFilterOutNull: `e` (deterministic, no subquery, over some of `side`'s columns)
// is NULL or false when every column it reads is NULL — a row padded with NULLs there fails it.
static bool can_filter_out_null(const ExprPtr& e, const std::set<int64_t>& side) {
  if (!e->deterministic() || any_expr(e, [](const Expr& x) { return is_subquery_expr(x); })) return false;
  const auto refs = references(e);
  if (refs.empty() || !subset(refs, side)) return false;
  ExprPtr nulled = transform_up(e, [](const ExprPtr& x) -> ExprPtr {
    return x->kind == ExprKind::Attribute ? lit_null(x->type) : nullptr;
  });
  auto v = eval_constant(*nulled);
  return v && (v->is_null() || (std::holds_alternative<bool>(v->v) && !v->as_bool()));
}

// Spark's EliminateOuterJoin: a filter right above an outer join that rejects the rows an
// outer side pads with NULLs makes that side's outer-ness moot: full -> left/right/inner,
// left -> inner, right -> inner (TPC-H Q17: the scalar subquery's left outer join under
// `l_quantity < 0.2 * avg` is an inner join, which AQE may then turn into a broadcast join).
PlanPtr eliminate_outer_join(const PlanPtr& p) {
  return plan_transform_down(p, [](const PlanPtr& n) -> PlanPtr {
    if (n->kind != PlanKind::Filter || n->exprs.empty()) return nullptr;
    // A Project of plain columns between them (column pruning puts one under the filter as fast
    // as predicate pushdown takes the filter below it) passes the columns through as they are.
    const PlanPtr& below = n->children[0];
    const bool columns_only =
        below->kind == PlanKind::Project &&
        std::all_of(below->exprs.begin(), below->exprs.end(), [](const ExprPtr& e) { return e->kind == ExprKind::Attribute; });
    const PlanPtr& j = columns_only ? below->children[0] : below;
    if (j->kind != PlanKind::Join || !j->names.empty()) return nullptr;
    const JoinType jt = j->join_type;
    if (jt != JoinType::LeftOuter && jt != JoinType::RightOuter && jt != JoinType::FullOuter) return nullptr;
    const auto lids = ids_of(j->children[0]->output()), rids = ids_of(j->children[1]->output());
    bool left_rejects = false, right_rejects = false;  // the filter rejects NULL-padded rows of that side
    for (const auto& c : split_conjuncts(n->exprs[0])) {
      left_rejects = left_rejects || can_filter_out_null(c, lids);
      right_rejects = right_rejects || can_filter_out_null(c, rids);
    }
    JoinType to = jt;
    if (jt == JoinType::RightOuter && left_rejects) to = JoinType::Inner;
    else if (jt == JoinType::LeftOuter && right_rejects) to = JoinType::Inner;
    else if (jt == JoinType::FullOuter)
      to = left_rejects && right_rejects ? JoinType::Inner
           : left_rejects                ? JoinType::LeftOuter
           : right_rejects               ? JoinType::RightOuter
                                         : jt;
    if (to == jt) return nullptr;
    PlanPtr inner = join_of(j, j->children[0], j->children[1], to, j->exprs);
    LogicalPlan f = *n;
    f.children = {columns_only ? below->with_children({std::move(inner)}) : std::move(inner)};
    return make_plan(std::move(f));
  });
}

// Spark's PushDownLeftSemiAntiJoin (its Project case) and PushLeftSemiLeftAntiThroughJoin: a
// left semi/anti join moves below the deterministic Project under it, and below the inner or
// outer join under it into the one leg its condition needs, so it drops rows before they are
// joined further (TPC-H Q18: the IN subquery's 57 orders are found before lineitem is joined).
PlanPtr push_left_semi_anti_join(const PlanPtr& p) {
  return plan_transform_down(p, [](const PlanPtr& n) -> PlanPtr {
    if (n->kind != PlanKind::Join || !n->names.empty()) return nullptr;
    const JoinType jt = n->join_type;
    if (jt != JoinType::LeftSemi && jt != JoinType::LeftAnti) return nullptr;
    const PlanPtr& left = n->children[0];
    const PlanPtr& right = n->children[1];
    const auto rids = ids_of(right->output());
    if (left->kind == PlanKind::Project && all_deterministic(left->exprs) && !has_scalar_subquery(left->exprs)) {
      const PlanPtr& g = left->children[0];
      if (!n->exprs.empty()) {  // a condition column both the grandchild and the right side output (a self-join) stays
        const auto gids = ids_of(g->output());
        for (int64_t id : references(n->exprs[0]))
          if (rids.count(id) && gids.count(id)) return nullptr;
      }
      ExprList cond = n->exprs.empty() ? ExprList{} : ExprList{substitute(n->exprs[0], left->exprs)};
      return project(left->exprs, join_of(n, g, right, jt, std::move(cond)));
    }
    if (left->kind != PlanKind::Join || !left->names.empty()) return nullptr;
    const JoinType cjt = left->join_type;
    const bool inner = cjt == JoinType::Inner || cjt == JoinType::Cross;
    if (!inner && cjt != JoinType::LeftOuter && cjt != JoinType::RightOuter) return nullptr;
    const PlanPtr &ll = left->children[0], &lr = left->children[1];
    enum { kNone, kLeft, kRight } to = kNone;
    if (!n->exprs.empty()) {
      auto lside = ids_of(ll->output()), rside = ids_of(lr->output());
      lside.insert(rids.begin(), rids.end());
      rside.insert(rids.begin(), rids.end());
      size_t nleft = 0, nright = 0, ncommon = 0;
      for (const auto& c : split_conjuncts(n->exprs[0])) {
        auto refs = references(c);
        if (subset(refs, lside)) ++nleft;
        else if (subset(refs, rside)) ++nright;
        else ++ncommon;
      }
      if (nright + ncommon == 0 && nleft > 0) to = kLeft;
      else if (nleft == 0 && nright > 0 && ncommon == 0) to = kRight;
    } else {
      to = inner || cjt == JoinType::LeftOuter ? kLeft : kRight;
    }
    if (to == kLeft && (inner || cjt == JoinType::LeftOuter))
      return join_of(left, join_of(n, ll, right, jt, n->exprs), lr, cjt, left->exprs);
    if (to == kRight && (inner || cjt == JoinType::RightOuter))
      return join_of(left, ll, join_of(n, lr, right, jt, n->exprs), cjt, left->exprs);
    return nullptr;
  });
}

PlanPtr collapse_project(const PlanPtr& p) {
  return plan_transform_up(p, [](const PlanPtr& n) -> PlanPtr {
    if (n->kind != PlanKind::Project || n->children[0]->kind != PlanKind::Project) return nullptr;
    const auto& lower = n->children[0]->exprs;
    if (!all_deterministic(lower) || has_agg_or_generator(lower)) return nullptr;
    // Do not duplicate non-trivial expressions referenced more than once above.
    for (const auto& a : lower) {
      if (a->kind != ExprKind::Alias || a->children[0]->kind == ExprKind::Attribute || a->children[0]->kind == ExprKind::Literal)
        continue;
      int uses = 0;
      for (const auto& u : n->exprs) foreach_expr(u, [&](const Expr& x) { uses += x.kind == ExprKind::Attribute && x.id == a->id; });
      if (uses > 1) return nullptr;
    }
    ExprList list;
    for (const auto& e : n->exprs) {
      if (e->kind == ExprKind::Attribute) {
        auto it = std::find_if(lower.begin(), lower.end(), [&](const ExprPtr& a) { return a->kind == ExprKind::Alias && a->id == e->id; });
        list.push_back(it != lower.end() ? *it : e);
      } else {
        list.push_back(e->with_children({substitute(e->children[0], lower)}));
      }
    }
    return project(list, n->children[0]->children[0]);
  });
}

// A Project keeping only `needed` of the child's output, or the child itself when nothing goes.
static PlanPtr prune_child(const PlanPtr& child, const std::set<int64_t>& needed) {
  ExprList out = child->output(), keep;
  for (const auto& a : out) if (needed.count(a->id)) keep.push_back(a);
  if (keep.size() == out.size()) return child;
  if (child->kind == PlanKind::DataSource) {  // a scan reads only the needed columns
    LogicalPlan s = *child;
    s.output_attrs = keep;
    return make_plan(std::move(s));
  }
  if (child->kind == PlanKind::Project) {
    ExprList list;
    for (const auto& e : child->exprs) if (needed.count(to_attribute(e)->id)) list.push_back(e);
    return project(list, child->children[0]);
  }
  if (child->kind == PlanKind::Expand && child->n == int64_t(out.size())) {
    // Spark's ColumnPruning for Expand: unneeded output columns leave every projection, and
    // the Expand's child keeps only what the remaining projections read.
    LogicalPlan e = *child;
    e.exprs.clear();
    e.output_attrs = keep;
    const size_t w = out.size();
    for (size_t i = 0; i < child->exprs.size(); i += w)
      for (size_t k = 0; k < w; ++k)
        if (needed.count(out[k]->id)) e.exprs.push_back(child->exprs[i + k]);
    e.n = int64_t(keep.size());
    std::set<int64_t> below;
    for (const auto& x : e.exprs) for (auto id : references(x)) below.insert(id);
    e.children = {prune_child(child->children[0], below)};
    return make_plan(std::move(e));
  }
  return project(keep, child);
}

static std::set<int64_t> refs_of(const ExprList& es) {
  std::set<int64_t> s;
  for (const auto& e : es) for (auto id : references(e)) s.insert(id);
  return s;
}

PlanPtr column_pruning(const PlanPtr& p) {
  return plan_transform_down(p, [](const PlanPtr& n) -> PlanPtr {
    auto rebuild = [&](std::vector<PlanPtr> kids) -> PlanPtr {
      for (size_t i = 0; i < kids.size(); ++i) if (kids[i] != n->children[i]) return n->with_children(std::move(kids));
      return nullptr;
    };
    if (n->kind == PlanKind::Aggregate) {
      auto need = refs_of(n->exprs);
      for (auto id : refs_of(n->groups)) need.insert(id);
      return rebuild({prune_child(n->children[0], need)});
    }
    if (n->kind != PlanKind::Project) return nullptr;
    const PlanPtr& c = n->children[0];
    auto need = refs_of(n->exprs);
    if (c->kind == PlanKind::DataSource || c->kind == PlanKind::Project) {
      auto pc = prune_child(c, need);
      return pc == c ? nullptr : n->with_children({pc});
    }
    // Operators that pass their child's columns through (Spark's ColumnPruning for all other
    // unary nodes): the child keeps what the project and the operator itself read — a column
    // dropped after repartition() is not computed and shuffled first.
    if (c->kind == PlanKind::Filter || c->kind == PlanKind::Sort || c->kind == PlanKind::Limit ||
        c->kind == PlanKind::Repartition || c->kind == PlanKind::RepartitionByExpression || c->kind == PlanKind::Sample) {
      for (auto id : refs_of(c->exprs)) need.insert(id);
      auto gc = prune_child(c->children[0], need);
      // Spark's removeProjectBeforeFilter: no columns-only Project between a Filter and a leaf
      // relation — predicate pushdown would move the Filter below it again, and the two rules
      // would rewrite each other's work until the batch's iteration limit. (Above other
      // operators the Project stays: it is how Generate, Window, … below get pruned.)
      if (c->kind == PlanKind::Filter && gc != c->children[0] && gc->kind == PlanKind::Project &&
          c->children[0]->children.empty() &&
          gc->children[0] == c->children[0] && !conflicts_with_subquery(c->exprs[0], *c->children[0]) &&
          std::all_of(gc->exprs.begin(), gc->exprs.end(), [](const ExprPtr& e) { return e->kind == ExprKind::Attribute; }))
        return nullptr;
      return gc == c->children[0] ? nullptr : n->with_children({c->with_children({gc})});
    }
    if (c->kind == PlanKind::Generate) {
      // Spark's ColumnPruning for Generate: the child keeps what the project and the generator
      // read; the generator's inputs the project does not need are not passed on.
      auto gen_refs = refs_of(c->exprs);
      auto child_need = need;
      for (auto id : gen_refs) child_need.insert(id);
      auto gc = prune_child(c->children[0], child_need);
      std::vector<int> unrequired;
      auto gout = gc->output();
      for (size_t i = 0; i < gout.size(); ++i)
        if (!need.count(gout[i]->id)) unrequired.push_back(static_cast<int>(i));
      if (gc == c->children[0] && unrequired == c->unrequired) return nullptr;
      auto g = std::make_shared<LogicalPlan>(*c);
      g->children = {gc};
      g->unrequired = std::move(unrequired);
      return n->with_children({g});
    }
    if (c->kind == PlanKind::Window) {
      // Spark's ColumnPruning for Window: windows nobody reads go (the node too when none is
      // left); the child keeps what the project and the remaining windows read.
      ExprList keep;
      for (const auto& e : c->exprs) if (need.count(to_attribute(e)->id)) keep.push_back(e);
      if (keep.empty()) return n->with_children({prune_child(c->children[0], need)});
      for (auto id : refs_of(keep)) need.insert(id);
      auto gc = prune_child(c->children[0], need);
      if (keep.size() == c->exprs.size() && gc == c->children[0]) return nullptr;
      auto w = std::make_shared<LogicalPlan>(*c);
      w->exprs = std::move(keep);
      w->children = {gc};
      return n->with_children({w});
    }
    if (c->kind == PlanKind::Join) {
      for (auto id : refs_of(c->exprs)) need.insert(id);
      auto l = prune_child(c->children[0], need), r = prune_child(c->children[1], need);
      if (l == c->children[0] && r == c->children[1]) return nullptr;
      return n->with_children({c->with_children({l, r})});
    }
    return nullptr;
  });
}

PlanPtr limit_push_down(const PlanPtr& p) {
  return plan_transform_down(p, [](const PlanPtr& n) -> PlanPtr {
    if (n->kind != PlanKind::Limit) return nullptr;
    const PlanPtr& c = n->children[0];
    auto limited = [&](const PlanPtr& x) {
      if (x->kind == PlanKind::Limit && x->n <= n->n) return x;
      LogicalPlan l;
      l.kind = PlanKind::Limit;
      l.n = n->n;
      l.children = {x};
      return make_plan(std::move(l));
    };
    if (c->kind == PlanKind::Limit) {
      LogicalPlan l = *c;
      l.n = std::min(n->n, c->n);
      return make_plan(std::move(l));
    }
    if (c->kind == PlanKind::Union) {
      std::vector<PlanPtr> kids;
      bool changed = false;
      for (const auto& k : c->children) { kids.push_back(limited(k)); changed |= kids.back() != k; }
      return changed ? n->with_children({c->with_children(kids)}) : nullptr;
    }
    if (c->kind == PlanKind::Join && (c->join_type == JoinType::LeftOuter || c->join_type == JoinType::RightOuter)) {
      size_t side = c->join_type == JoinType::LeftOuter ? 0 : 1;
      auto k = limited(c->children[side]);
      if (k == c->children[side]) return nullptr;
      auto kids = c->children;
      kids[side] = k;
      return n->with_children({c->with_children(kids)});
    }
    return nullptr;
  });
}

PlanPtr remove_noop_operators(const PlanPtr& p) {
  return plan_transform_up(p, [](const PlanPtr& n) -> PlanPtr {
    if (n->kind != PlanKind::Project) return nullptr;
    ExprList out = n->children[0]->output();
    if (out.size() != n->exprs.size()) return nullptr;
    for (size_t i = 0; i < out.size(); ++i)
      if (n->exprs[i]->kind != ExprKind::Attribute || n->exprs[i]->id != out[i]->id || n->exprs[i]->name != out[i]->name)
        return nullptr;
    return n->children[0];
  });
}

// Spark's RemoveRedundantAliases: `a#1 AS a#5` in a Project is `a#1` (same name and metadata),
// operators above reading a#1 for a#5 — a SQL view's casts of columns to their own types leave
// such aliases. Left alone where a subquery could read the alias (their plans are not walked)
// or where the attribute is in the Project's output already.
static PlanPtr remove_redundant_aliases(const PlanPtr& p) {
  bool has_subquery = false;
  plan_foreach(p, [&](const LogicalPlan& n) {
    for (const ExprList* l : {&n.exprs, &n.groups})
      for (const auto& e : *l) has_subquery |= any_expr(e, [](const Expr& x) { return is_subquery_expr(x); });
  });
  if (has_subquery) return p;
  std::map<int64_t, int64_t> renamed;
  PlanPtr out = plan_transform_up(p, [&](const PlanPtr& n) -> PlanPtr {
    if (n->kind != PlanKind::Project) return nullptr;
    std::set<int64_t> ids;
    for (const auto& e : n->exprs) if (e->kind == ExprKind::Attribute) ids.insert(e->id);
    ExprList exprs = n->exprs;
    bool changed = false;
    for (auto& e : exprs) {
      if (e->kind != ExprKind::Alias || e->children[0]->kind != ExprKind::Attribute) continue;
      const Expr& a = *e->children[0];
      if (e->name != a.name || alias_metadata(*e) != a.metadata || ids.count(a.id)) continue;
      ids.insert(a.id);
      renamed[e->id] = a.id;
      e = e->children[0];
      changed = true;
    }
    return changed ? n->with_exprs(std::move(exprs), n->groups) : nullptr;
  });
  if (renamed.empty()) return p;
  return rename_attribute_ids(out, renamed);
}

// Spark's ReplaceIntersectWithSemiJoin / ReplaceExceptWithAntiJoin: INTERSECT and EXCEPT
// (DISTINCT) become a left semi / anti join on every column pair compared null-safely, under a
// Distinct. The ALL forms stay as they are (they need Spark's replicate-rows generator).
PlanPtr replace_set_operations(const PlanPtr& p) {
  return plan_transform_up(p, [](const PlanPtr& n) -> PlanPtr {
    if ((n->kind != PlanKind::Intersect && n->kind != PlanKind::Except) || n->flag) return nullptr;
    ExprList l = n->children[0]->output(), r = n->children[1]->output();
    if (l.size() != r.size()) return nullptr;
    ExprList conds;
    for (size_t i = 0; i < l.size(); ++i) conds.push_back(call("<=>", {l[i], r[i]}, DataType::boolean(), false));
    LogicalPlan j;
    j.kind = PlanKind::Join;
    j.join_type = n->kind == PlanKind::Intersect ? JoinType::LeftSemi : JoinType::LeftAnti;
    if (!conds.empty()) j.exprs = {make_and(conds)};
    j.children = n->children;
    LogicalPlan d;
    d.kind = PlanKind::Distinct;
    d.children = {make_plan(std::move(j))};
    return make_plan(std::move(d));
  });
}

// With EliminateView: a view's node goes too (it only named the view for explain and errors).
PlanPtr eliminate_subquery_aliases(const PlanPtr& p) {
  return plan_transform_up(p, [](const PlanPtr& n) -> PlanPtr {
    return n->kind == PlanKind::SubqueryAlias || n->kind == PlanKind::View ? n->children[0] : nullptr;
  });
}

// Spark's SimplifyCasts: a cast to the type its input has already is its input (a SQL view's
// `cast(a#1 as bigint) AS a#2` over a bigint column).
static PlanPtr simplify_casts(const PlanPtr& p) {
  return plan_transform_exprs(p, [](const ExprPtr& e) -> ExprPtr {
    return e->kind == ExprKind::Cast && e->children[0]->type == e->type ? e->children[0] : nullptr;
  });
}

// ReplaceExpressions (Finish Analysis): a RuntimeReplaceableAggregate becomes its replacement in
// the optimized plan — median(x) is Percentile(x, 0.5), which plans and prints as
// `percentile(x, 0.5, 1, 0, 0, false)` while the column keeps its name `median(x)`.
PlanPtr replace_expressions(const PlanPtr& p) {
  auto rule = [](const ExprPtr& x) -> ExprPtr {
    if (x->kind != ExprKind::Call || x->name != "median" || x->children.size() != 1) return nullptr;
    auto r = std::make_shared<Expr>(*x);
    r->name = "percentile";
    r->children.push_back(lit(Value::of(0.5), DataType::double_()));
    r->children.push_back(lit_long(1));
    return r;
  };
  return plan_transform_up(p, [&](const PlanPtr& n) -> PlanPtr {
    bool changed = false;
    auto fix = [&](const ExprList& es) {
      ExprList out;
      for (const auto& e : es) {
        out.push_back(transform_up(e, rule));
        changed |= out.back() != e;
      }
      return out;
    };
    ExprList exprs = fix(n->exprs), groups = fix(n->groups);
    if (!changed) return nullptr;
    auto c = std::make_shared<LogicalPlan>(*n);
    c->exprs = std::move(exprs);
    c->groups = std::move(groups);
    return c;
  });
}

PlanPtr optimize(const PlanPtr& plan, const FoldOptions& o) {
  auto folding = [&](const PlanPtr& p) { return constant_folding(p, o); };
  const std::vector<std::function<PlanPtr(const PlanPtr&)>> batch = {
      reorder_join, eliminate_outer_join, push_down_predicates, push_extra_predicate_through_join, push_left_semi_anti_join, combine_filters, collapse_project, column_pruning,
      limit_push_down,
      folding, boolean_simplification, simplify_casts, remove_redundant_aliases, prune_filters, remove_noop_operators};
  // Spark's "Finish Analysis" batch first: a view's or a subquery's alias only names columns
  // for the analyzer, and left in place it stops filters and column pruning at the view.
  PlanPtr cur = replace_set_operations(replace_expressions(eliminate_subquery_aliases(plan)));  // then "Replace Operators", once
  auto operator_optimization = [&] {
    for (int i = 0; i < 100; ++i) {
      PlanPtr next = cur;
      for (const auto& rule : batch) next = rule(next);
      if (next == cur) break;
      cur = next;
    }
  };
  // As Spark's batches: operator optimization, "Infer Filters" once, operator optimization again
  // (which pushes the inferred filters down to the scans).
  operator_optimization();
  cur = infer_filters_from_constraints(cur);
  operator_optimization();
  return extract_python_udfs(cur);
}

PlanPtr rename_attribute_ids(const PlanPtr& p, const std::map<int64_t, int64_t>& renamed) {
  if (renamed.empty()) return p;
  return plan_transform_exprs(p, [&](const ExprPtr& e) -> ExprPtr {
    auto it = e->kind == ExprKind::Attribute ? renamed.find(e->id) : renamed.end();
    if (it == renamed.end()) return nullptr;
    auto c = std::make_shared<Expr>(*e);
    c->id = it->second;
    return c;
  });
}

}  // namespace spp::sql::opt
