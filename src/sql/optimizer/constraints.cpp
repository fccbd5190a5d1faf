// Spark's constraint propagation (QueryPlanConstraints) and InferFiltersFromConstraints: the
// predicates every row of a plan satisfies, used to add filters a query implies but does not
// state — `isnotnull(a)` under `a > 1` (a null-intolerant predicate is never true on NULL) and
// on both sides of an inner equi-join, and `b > 5` on the other side of `a = b` when `a > 5`.
// Such filters drop rows before shuffles and joins, reach the scans as pushed filters
// (`IsNotNull(a)`), and make explain() read as Spark's.
#include <algorithm>
#include <map>
#include <set>

#include "sql/optimizer/optimizer.h"

namespace spp::sql::opt {
namespace {

bool is_call(const Expr& e, const char* name) { return e.kind == ExprKind::Call && e.name == name; }

// Spark's semanticEquals: attributes compare by id only (not name, qualifier or nullability),
// and commutative operators whatever their operand order.
ExprPtr canonical(const ExprPtr& e) {
  return transform_up(e, [](const ExprPtr& x) -> ExprPtr {
    if (x->kind != ExprKind::Attribute) return nullptr;
    return attr("", x->type, true, x->id);
  });
}

bool canonical_equal(const Expr& a, const Expr& b) {
  if (expr_equal(a, b)) return true;
  if (a.kind != ExprKind::Call || b.kind != ExprKind::Call || a.name != b.name || a.children.size() != 2 ||
      b.children.size() != 2)
    return false;
  static const std::set<std::string> commutative = {"=", "<=>", "and", "or", "+", "*", "&", "|", "^"};
  if (!commutative.count(a.name)) return false;
  return canonical_equal(*a.children[0], *b.children[1]) && canonical_equal(*a.children[1], *b.children[0]);
}

bool semantic_equal(const ExprPtr& a, const ExprPtr& b) { return canonical_equal(*canonical(a), *canonical(b)); }

// An insertion-ordered set of predicates (Spark's ExpressionSet keeps insertion order too).
struct PredSet {
  ExprList items;
  bool contains(const ExprPtr& e) const {
    return std::any_of(items.begin(), items.end(), [&](const ExprPtr& x) { return semantic_equal(x, e); });
  }
  void add(const ExprPtr& e) {
    if (!contains(e)) items.push_back(e);
  }
  void add_all(const PredSet& o) {
    for (const auto& e : o.items) add(e);
  }
  void add_all(const ExprList& o) {
    for (const auto& e : o) add(e);
  }
  PredSet minus(const PredSet& o) const {
    PredSet r;
    for (const auto& e : items)
      if (!o.contains(e)) r.items.push_back(e);
    return r;
  }
};

// Spark's NullIntolerant expressions: NULL in any input makes them NULL. Only these are looked
// through when inferring `isnotnull` (a missing name infers less, never a wrong filter).
bool null_intolerant(const Expr& e) {
  if (e.kind == ExprKind::Cast) return true;
  if (e.kind != ExprKind::Call) return false;
  static const std::set<std::string> names = {
      "=", "<", "<=", ">", ">=", "not", "+", "-", "*", "/", "%", "div", "pmod", "negative", "abs", "&", "|", "^",
      "upper", "lower", "like", "rlike", "startswith", "endswith", "contains", "length"};
  return names.count(e.name) > 0;
}

void scan_null_intolerant(const ExprPtr& e, ExprList& out) {
  if (e->kind == ExprKind::Attribute) {
    out.push_back(e);
  } else if (null_intolerant(*e)) {
    for (const auto& c : e->children) scan_null_intolerant(c, out);
  }
}

ExprPtr is_not_null(const ExprPtr& a) { return call("isnotnull", {a}, DataType::boolean(), false); }

// constructIsNotNullConstraints: `isnotnull` of the attributes a constraint's null-intolerant
// spine reaches, and of every non-nullable output attribute; minus what `cs` already holds.
PredSet is_not_null_constraints(const PredSet& cs, const ExprList& output) {
  PredSet out;
  for (const auto& c : cs.items) {
    ExprList attrs;
    scan_null_intolerant(is_call(*c, "isnotnull") ? c->children[0] : c, attrs);
    for (const auto& a : attrs) out.add(is_not_null(a));
  }
  for (const auto& a : output)
    if (!a->nullable) out.add(is_not_null(a));
  return out.minus(cs);
}

ExprPtr replace(const ExprPtr& e, const ExprPtr& from, const ExprPtr& to) {
  return transform_up(e, [&](const ExprPtr& x) -> ExprPtr { return semantic_equal(x, from) ? to : nullptr; });
}

// inferAdditionalConstraints: for each `a = b` between attributes (or an attribute and a cast
// of one), the other predicates with one side replaced by the other.
PredSet additional_constraints(const PredSet& cs) {
  ExprList preds;
  for (const auto& c : cs.items)
    if (!is_call(*c, "isnotnull")) preds.push_back(c);
  PredSet out;
  auto attr_or_cast = [](const ExprPtr& e) {
    return e->kind == ExprKind::Cast && e->children[0]->kind == ExprKind::Attribute;
  };
  for (const auto& eq : preds) {
    if (!is_call(*eq, "=")) continue;
    const ExprPtr &l = eq->children[0], &r = eq->children[1];
    const bool la = l->kind == ExprKind::Attribute, ra = r->kind == ExprKind::Attribute;
    for (const auto& p : preds) {
      if (p == eq) continue;
      if (la && ra) {
        out.add(replace(p, l, r));
        out.add(replace(p, r, l));
      } else if (attr_or_cast(l) && ra) {
        out.add(replace(p, r, l));
      } else if (la && attr_or_cast(r)) {
        out.add(replace(p, l, r));
      }
    }
  }
  return out.minus(cs);
}

bool usable(const ExprPtr& c) {
  return c->deterministic() && !contains_python_udf(c) &&
         !any_expr(c, [](const Expr& x) { return is_subquery_expr(x) || x.kind == ExprKind::OuterReference; });
}

class Constraints {
 public:
  // Spark's LogicalPlan.constraints.
  const PredSet& of(const PlanPtr& p) {
    auto it = memo_.find(p.get());
    if (it != memo_.end()) return it->second.second;
    PredSet valid = valid_constraints(p);
    PredSet all = valid;
    all.add_all(additional_constraints(valid));
    all.add_all(is_not_null_constraints(valid, p->output()));
    std::set<int64_t> out;
    for (const auto& a : p->output()) out.insert(a->id);
    PredSet kept;
    for (const auto& c : all.items) {
      auto refs = references(c);
      if (!refs.empty() && std::includes(out.begin(), out.end(), refs.begin(), refs.end()) && usable(c))
        kept.items.push_back(c);
    }
    return memo_.emplace(p.get(), std::make_pair(p, std::move(kept))).first->second.second;
  }

 private:
  // getAllValidConstraints: the child's constraints, each also with an alias's expression
  // replaced by the alias; `e <=> alias` for every deterministic alias.
  PredSet aliased(const PlanPtr& child, const ExprList& list) {
    PredSet all = of(child);
    for (const auto& a : list) {
      if (a->kind != ExprKind::Alias) continue;
      const ExprPtr& e = a->children[0];
      ExprPtr ref = attr(a->name, a->type, a->nullable, a->id);
      if (e->kind == ExprKind::Literal) {
        all.add(call("<=>", {ref, e}, DataType::boolean(), false));
      } else if (e->deterministic()) {
        PredSet more;
        for (const auto& c : all.items) more.add(replace(c, e, ref));
        all.add_all(more);
        all.add(call("<=>", {e, ref}, DataType::boolean(), false));
      }
    }
    return all;
  }

  PredSet valid_constraints(const PlanPtr& p) {
    PredSet s;
    switch (p->kind) {
      case PlanKind::Filter:
        s = of(p->children[0]);
        for (const auto& c : split_conjuncts(p->exprs[0]))
          if (usable(c)) s.add(c);
        return s;
      case PlanKind::Project: return aliased(p->children[0], p->exprs);
      case PlanKind::Aggregate: {
        ExprList plain;
        for (const auto& e : p->exprs)
          if (!any_expr(e, [](const Expr& x) { return x.kind == ExprKind::AggCall; })) plain.push_back(e);
        return aliased(p->children[0], plain);
      }
      case PlanKind::Join: {
        const ExprList cond = p->exprs.empty() ? ExprList{} : split_conjuncts(p->exprs[0]);
        switch (p->join_type) {
          case JoinType::Inner: case JoinType::Cross:
            s = of(p->children[0]);
            s.add_all(of(p->children[1]));
            for (const auto& c : cond) if (usable(c)) s.add(c);
            return s;
          case JoinType::LeftSemi:
            s = of(p->children[0]);
            for (const auto& c : cond) if (usable(c)) s.add(c);
            return s;
          case JoinType::LeftOuter: case JoinType::LeftAnti: return of(p->children[0]);
          case JoinType::RightOuter: return of(p->children[1]);
          default: return s;
        }
      }
      // Unary operators that pass their child's rows through (a subset, reordered or repeated).
      case PlanKind::Sort: case PlanKind::Limit: case PlanKind::Offset: case PlanKind::Tail: case PlanKind::Sample:
      case PlanKind::Hint: case PlanKind::Distinct: case PlanKind::Deduplicate: case PlanKind::Repartition:
      case PlanKind::RepartitionByExpression: case PlanKind::Window: case PlanKind::Generate:
      case PlanKind::SubqueryAlias: case PlanKind::View:
        return of(p->children[0]);
      default:
        return s;  // leaves, Expand (rollups null out columns), unions, Python operators: none
    }
  }

  // Keyed by node; the node is held so its address is not reused while the memo lives.
  std::map<const LogicalPlan*, std::pair<PlanPtr, PredSet>> memo_;
};

PlanPtr with_filter(const PredSet& preds, const PlanPtr& child) {
  LogicalPlan f;
  f.kind = PlanKind::Filter;
  f.exprs = {make_and(preds.items)};
  f.children = {child};
  return make_plan(std::move(f));
}

}  // namespace

PlanPtr infer_filters_from_constraints(const PlanPtr& plan) {
  Constraints cs;
  auto new_filter = [&](const PlanPtr& side, const PredSet& all) -> PlanPtr {
    PredSet cand = all;
    cand.add_all(is_not_null_constraints(all, side->output()));
    std::set<int64_t> out;
    for (const auto& a : side->output()) out.insert(a->id);
    PredSet keep;
    for (const auto& c : cand.items) {
      auto refs = references(c);
      if (!refs.empty() && std::includes(out.begin(), out.end(), refs.begin(), refs.end()) && usable(c)) keep.add(c);
    }
    keep = keep.minus(cs.of(side));
    return keep.items.empty() ? side : with_filter(keep, side);
  };
  return plan_transform_down(plan, [&](const PlanPtr& n) -> PlanPtr {
    if (n->kind == PlanKind::Filter) {
      PredSet known = cs.of(n->children[0]);
      known.add_all(split_conjuncts(n->exprs[0]));
      PredSet fresh = cs.of(n).minus(known);
      if (fresh.items.empty()) return nullptr;
      LogicalPlan f = *n;
      f.exprs = {call("and", {make_and(fresh.items), n->exprs[0]}, DataType::boolean(), n->exprs[0]->nullable)};
      return make_plan(std::move(f));
    }
    if (n->kind != PlanKind::Join || !n->names.empty()) return nullptr;  // USING joins are resolved first
    const JoinType jt = n->join_type;
    const bool left = jt == JoinType::Inner || jt == JoinType::Cross || jt == JoinType::LeftSemi || jt == JoinType::RightOuter;
    const bool right = jt == JoinType::Inner || jt == JoinType::Cross || jt == JoinType::LeftSemi ||
                       jt == JoinType::LeftOuter || jt == JoinType::LeftAnti;
    if (!left && !right) return nullptr;
    // getAllConstraints: both sides' constraints, the condition's conjuncts, and what equalities infer.
    PredSet all = cs.of(n->children[0]);
    all.add_all(cs.of(n->children[1]));
    if (!n->exprs.empty())
      for (const auto& c : split_conjuncts(n->exprs[0]))
        if (usable(c)) all.add(c);
    all.add_all(additional_constraints(all));
    PlanPtr l = left ? new_filter(n->children[0], all) : n->children[0];
    PlanPtr r = right ? new_filter(n->children[1], all) : n->children[1];
    if (l == n->children[0] && r == n->children[1]) return nullptr;
    return n->with_children({l, r});
  });
}

}  // namespace spp::sql::opt
