// Subquery rewrites: correlated predicates pulled out of subquery plans, then every subquery
// expression replaced by a join (see subquery.h).
#include "sql/optimizer/subquery.h"

#include <algorithm>
#include <map>

#include "sql/analysis/functions.h"
#include "sql/optimizer/optimizer.h"

namespace spp::sql::opt {
namespace {

bool has_outer(const ExprPtr& e) {
  return any_expr(e, [](const Expr& x) { return x.kind == ExprKind::OuterReference; });
}
bool node_has_outer(const LogicalPlan& p) {
  for (const auto& e : p.exprs) if (has_outer(e)) return true;
  for (const auto& e : p.groups) if (has_outer(e)) return true;
  return false;
}
bool plan_has_outer(const PlanPtr& p) {
  bool any = false;
  plan_foreach(p, [&](const LogicalPlan& n) { any = any || node_has_outer(n); });
  return any;
}
ExprPtr strip_outer(const ExprPtr& e) {
  return transform_up(e, [](const ExprPtr& x) -> ExprPtr {
    return x->kind == ExprKind::OuterReference ? x->children[0] : nullptr;
  });
}
// Attributes of the subquery itself an expression reads (not those under OuterReference).
std::vector<ExprPtr> local_attrs(const ExprPtr& e) {
  std::vector<ExprPtr> out;
  std::function<void(const ExprPtr&)> walk = [&](const ExprPtr& x) {
    if (x->kind == ExprKind::OuterReference) return;
    if (x->kind == ExprKind::Attribute &&
        std::none_of(out.begin(), out.end(), [&](const ExprPtr& a) { return a->id == x->id; }))
      out.push_back(x);
    for (const auto& c : x->children) walk(c);
  };
  walk(e);
  return out;
}
bool has_id(const ExprList& list, int64_t id) {
  return std::any_of(list.begin(), list.end(), [&](const ExprPtr& a) { auto t = to_attribute(a); return t && t->id == id; });
}

PlanPtr make_node(PlanKind k, std::vector<PlanPtr> children, ExprList exprs) {
  LogicalPlan p;
  p.kind = k;
  p.children = std::move(children);
  p.exprs = std::move(exprs);
  return make_plan(std::move(p));
}
PlanPtr make_join(PlanPtr l, PlanPtr r, JoinType t, ExprPtr cond) {
  LogicalPlan j;
  j.kind = PlanKind::Join;
  j.join_type = t;
  j.children = {std::move(l), std::move(r)};
  if (cond) j.exprs = {std::move(cond)};
  return make_plan(std::move(j));
}

AnalysisError category_error(const std::string& sub, const std::string& text) {
  return generic_error("UNSUPPORTED_SUBQUERY_EXPRESSION_CATEGORY." + sub, "0A000", "Unsupported subquery expression: " + text);
}
AnalysisError correlated_reference(const LogicalPlan& p) {
  std::string s;
  for (const auto& e : p.exprs)
    if (has_outer(e)) s += (s.empty() ? "" : ",") + to_sql_expr(strip_outer(e)->sql());
  return category_error("CORRELATED_REFERENCE",
                        "Expressions referencing the outer query are not supported outside of WHERE/HAVING clauses: " + s + ".");
}
AnalysisError outer_not_allowed(const LogicalPlan& p) {
  return category_error("ACCESSING_OUTER_QUERY_COLUMN_IS_NOT_ALLOWED",
                        "Accessing outer query column is not allowed in this location" + p.tree_string() + ".");
}

// A correlated equality an Aggregate can be pulled over: `local attribute = outer expression`
// (one-to-one, SPARK-35080), either way round.
bool pullable_through_aggregate(const ExprPtr& c) {
  if (c->kind != ExprKind::Call || (c->name != "=" && c->name != "<=>")) return false;
  auto side_ok = [](const ExprPtr& local, const ExprPtr& outer) {
    ExprPtr l = local;
    while (l->kind == ExprKind::Cast) l = l->children[0];
    return l->kind == ExprKind::Attribute && !has_outer(local) && local_attrs(outer).empty();
  };
  return side_ok(c->children[0], c->children[1]) || side_ok(c->children[1], c->children[0]);
}

Pulled pull(const PlanPtr& p) {
  if (!plan_has_outer(p)) return {p, {}, std::nullopt};
  auto fail = [&](AnalysisError e) { return Pulled{p, {}, std::move(e)}; };
  switch (p->kind) {
    case PlanKind::Filter: {
      Pulled r = pull(p->children[0]);
      if (r.error) return r;
      ExprList keep;
      for (const auto& c : split_conjuncts(p->exprs[0])) {
        if (!has_outer(c)) { keep.push_back(c); continue; }
        if (any_expr(c, [](const Expr& x) { return x.kind == ExprKind::AggCall; })) return fail(correlated_reference(*p));
        r.preds.push_back(c);
      }
      if (!keep.empty()) r.plan = make_node(PlanKind::Filter, {r.plan}, {make_and(keep)});
      return r;
    }
    case PlanKind::Project: case PlanKind::Aggregate: {
      if (node_has_outer(*p)) return fail(correlated_reference(*p));
      Pulled r = pull(p->children[0]);
      if (r.error) return r;
      bool agg = p->kind == PlanKind::Aggregate;
      if (agg)
        for (const auto& c : r.preds)
          if (!pullable_through_aggregate(c)) {
            std::string preds;
            for (const auto& x : r.preds) preds += (preds.empty() ? "" : "\n") + x->to_string();
            return fail(category_error("CORRELATED_COLUMN_IS_NOT_ALLOWED_IN_PREDICATE",
                                       "Correlated column is not allowed in predicate: " + preds + "\n" + p->tree_string() + "."));
          }
      // The columns the pulled predicates read flow up through this operator.
      LogicalPlan n = *p;
      n.children = {r.plan};
      for (const auto& c : r.preds)
        for (const auto& a : local_attrs(c)) {
          if (has_id(n.exprs, a->id)) continue;
          n.exprs.push_back(a);
          if (agg) n.groups.push_back(a);
        }
      r.plan = make_plan(std::move(n));
      return r;
    }
    case PlanKind::SubqueryAlias: case PlanKind::View: case PlanKind::Sort: case PlanKind::Hint: {
      if (node_has_outer(*p)) return fail(correlated_reference(*p));
      Pulled r = pull(p->children[0]);
      if (!r.error) r.plan = p->with_children({r.plan});
      return r;
    }
    case PlanKind::Join: {
      if (node_has_outer(*p)) return fail(correlated_reference(*p));
      JoinType t = p->join_type;
      bool left_ok = t != JoinType::RightOuter && t != JoinType::FullOuter;
      bool right_ok = t == JoinType::Inner || t == JoinType::Cross || t == JoinType::RightOuter;
      Pulled out{p, {}, std::nullopt};
      std::vector<PlanPtr> kids;
      for (size_t i = 0; i < 2; ++i) {
        const PlanPtr& side = p->children[i];
        if (!(i == 0 ? left_ok : right_ok)) {
          if (plan_has_outer(side)) return fail(outer_not_allowed(*side));
          kids.push_back(side);
          continue;
        }
        Pulled r = pull(side);
        if (r.error) return r;
        kids.push_back(r.plan);
        out.preds.insert(out.preds.end(), r.preds.begin(), r.preds.end());
      }
      out.plan = p->with_children(kids);
      return out;
    }
    default: return fail(outer_not_allowed(*p));
  }
}

// The node under SubqueryAlias / Project / Hint (Spark's cleanQueryInScalarSubquery).
PlanPtr clean_scalar_query(PlanPtr p) {
  while (p->kind == PlanKind::SubqueryAlias || p->kind == PlanKind::View || p->kind == PlanKind::Project || p->kind == PlanKind::Hint)
    p = p->children[0];
  return p;
}

// At most one row, whatever the data (Spark's maxRows <= 1): a global aggregate, LIMIT 0/1.
bool at_most_one_row(const PlanPtr& p) {
  switch (p->kind) {
    case PlanKind::Aggregate: return p->groups.empty();
    case PlanKind::Limit: return p->n <= 1 || at_most_one_row(p->children[0]);
    case PlanKind::Project: case PlanKind::Filter: case PlanKind::SubqueryAlias: case PlanKind::View: case PlanKind::Sort:
    case PlanKind::Hint: case PlanKind::Distinct:
      return at_most_one_row(p->children[0]);
    default: return false;
  }
}

// ---- zero-tuple evaluation (the count bug) ----

std::optional<Value> empty_aggregate_value(const Expr& a) {
  if (a.name == "count" || a.name == "count_if" || a.name == "approx_count_distinct") return Value::of(int64_t{0});
  return Value::null();
}

// Values of a plan's output columns on an empty input: nullopt when unknown or when the plan
// yields no row then.
std::optional<std::map<int64_t, std::pair<Value, DataType>>> zero_tuple_row(const PlanPtr& p) {
  using Row = std::map<int64_t, std::pair<Value, DataType>>;
  auto eval_with = [](const ExprPtr& e, const Row& row) -> std::optional<Value> {
    bool unknown = false;
    ExprPtr s = transform_up(e, [&](const ExprPtr& x) -> ExprPtr {
      if (x->kind == ExprKind::Attribute) {
        auto it = row.find(x->id);
        if (it == row.end()) { unknown = true; return nullptr; }
        return lit(it->second.first, x->type);
      }
      if (x->kind == ExprKind::Alias) return x->children[0];
      return nullptr;
    });
    if (unknown) return std::nullopt;
    if (s->kind == ExprKind::Literal) return s->value;
    return eval_constant(*s);
  };
  switch (p->kind) {
    case PlanKind::Aggregate: {
      Row row;
      for (const auto& g : p->groups)
        if (g->kind == ExprKind::Attribute) row[g->id] = {Value::null(), g->type};
      Row out;
      for (const auto& e : p->exprs) {
        ExprPtr s = transform_down(e, [&](const ExprPtr& x) -> ExprPtr {
          if (x->kind != ExprKind::AggCall) return nullptr;
          return lit(*empty_aggregate_value(*x), x->type);
        });
        auto v = eval_with(s, row);
        if (!v) return std::nullopt;
        out[e->id] = {*v, e->type};
      }
      return out;
    }
    case PlanKind::Project: {
      auto row = zero_tuple_row(p->children[0]);
      if (!row) return std::nullopt;
      Row out;
      for (const auto& e : p->exprs) {
        auto v = eval_with(e, *row);
        if (!v) return std::nullopt;
        out[e->id] = {*v, e->type};
      }
      return out;
    }
    case PlanKind::Filter: {
      auto row = zero_tuple_row(p->children[0]);
      if (!row) return std::nullopt;
      auto v = eval_with(p->exprs[0], *row);
      if (!v || v->is_null() || !v->as_bool()) return std::nullopt;
      return row;
    }
    case PlanKind::SubqueryAlias: case PlanKind::View: case PlanKind::Hint: case PlanKind::Sort:
      return zero_tuple_row(p->children[0]);
    default: return std::nullopt;
  }
}

// ---- the rewrite ----

struct Rewriter {
  IdGen& ids;
  std::optional<std::string> error;
  bool keep = false;  // uncorrelated scalar subqueries stay (kept_scalar_subquery)

  bool kept(const Expr& x) const { return keep && kept_scalar_subquery(x); }

  // The node with each kept scalar subquery's own plan rewritten, or nullptr when it has none.
  PlanPtr rewrite_kept(const PlanPtr& n) {
    bool any = false;
    auto f = [&](const ExprPtr& e) {
      return transform_up(e, [&](const ExprPtr& x) -> ExprPtr {
        if (!kept(*x)) return nullptr;
        any = true;
        auto c = std::make_shared<Expr>(*x);
        c->plan = rewrite(x->plan);
        return c;
      });
    };
    ExprList exprs, groups;
    for (const auto& e : n->exprs) exprs.push_back(f(e));
    for (const auto& e : n->groups) groups.push_back(f(e));
    return any ? n->with_exprs(exprs, groups) : nullptr;
  }

  ExprPtr bool_call(const std::string& n, ExprList args) {
    bool nullable = n != "isnull" && std::any_of(args.begin(), args.end(), [](const ExprPtr& a) { return a->nullable; });
    return call(n, std::move(args), DataType::boolean(), nullable);
  }
  ExprPtr equal(const ExprPtr& a, const ExprPtr& b) {
    auto r = resolve_function(*unresolved_fn("==", {a, b}));
    if (auto* e = std::get_if<AnalysisError>(&r)) {
      if (!error) error = e->message;
      return bool_call("=", {a, b});
    }
    return std::get<ExprPtr>(r);
  }

  // The subquery's own subqueries first, then its correlation pulled out.
  Pulled decorrelate(const Expr& sub) {
    auto inner = rewrite(sub.plan);
    Pulled r = pull(inner);
    if (r.error && !error) error = r.error->message;
    for (auto& c : r.preds) c = strip_outer(c);
    return r;
  }

  // Scalar subqueries of `e` replaced by a column of a LEFT OUTER join added over `child`.
  ExprPtr rewrite_scalars(const ExprPtr& e, PlanPtr& child) {
    return transform_up(e, [&](const ExprPtr& x) -> ExprPtr {
      if (x->kind != ExprKind::ScalarSubquery || kept(*x)) return nullptr;
      Pulled r = decorrelate(*x);
      PlanPtr right = r.plan;
      ExprPtr value = right->output()[0];
      if (r.preds.empty() && !at_most_one_row(right)) right = one_row_guard(right);
      value = right->output()[0];
      ExprPtr replacement = value;
      if (auto zero = zero_tuple_value(right); zero && !r.preds.empty()) {
        // The count bug: no matching group means the aggregate's empty-input value, not NULL.
        ExprList list = right->output();
        auto marker = alias(lit_bool(true), "alwaysTrue", ids.next());
        list.push_back(marker);
        right = make_node(PlanKind::Project, {right}, list);
        replacement = call("casewhen", {bool_call("isnull", {to_attribute(marker)}), lit(*zero, value->type), value},
                           value->type, true);
      }
      child = make_join(child, right, JoinType::LeftOuter, r.preds.empty() ? nullptr : make_and(r.preds));
      return replacement;
    });
  }

  // An uncorrelated scalar subquery that may return several rows: one row holding its value
  // (NULL when empty), failing with SCALAR_SUBQUERY_TOO_MANY_ROWS past one.
  PlanPtr one_row_guard(const PlanPtr& p) {
    ExprPtr v = p->output()[0];
    auto first = std::get<ExprPtr>(resolve_function(*unresolved_fn("first", {v})));
    auto count = std::get<ExprPtr>(resolve_function(*unresolved_fn("count", {lit_int(1)})));
    auto fv = alias(first, v->name, ids.next()), cnt = alias(count, "count", ids.next());
    LogicalPlan a;
    a.kind = PlanKind::Aggregate;
    a.children = {p};
    a.exprs = {fv, cnt};
    PlanPtr agg = make_plan(std::move(a));
    ExprPtr checked = call("scalar_subquery_check", {to_attribute(cnt), to_attribute(fv)}, v->type, true);
    return make_node(PlanKind::Project, {agg}, {alias(checked, v->name, ids.next())});
  }

  PlanPtr predicate_join(PlanPtr left, const ExprPtr& conjunct) {
    bool neg = conjunct->kind == ExprKind::Call && conjunct->name == "not";
    const Expr& sub = neg ? *conjunct->children[0] : *conjunct;
    Pulled r = decorrelate(sub);
    if (neg && sub.kind == ExprKind::InSubquery && sub.ordinal == 1 && r.preds.empty())
      return null_aware_anti_join(std::move(left), r.plan, subquery_values(sub)[0]);
    ExprList cond = in_conditions(sub, r.plan, neg);
    cond.insert(cond.end(), r.preds.begin(), r.preds.end());
    return make_join(std::move(left), r.plan, neg ? JoinType::LeftAnti : JoinType::LeftSemi,
                     cond.empty() ? nullptr : make_and(cond));
  }

  // `v NOT IN (SELECT c …)`, one column, uncorrelated, with hash joins instead of a nested loop
  // over `(v = c) OR isnull(v = c)` (Spark's null-aware anti join): the rows without an equal
  // c, kept when the subquery is empty, or else when it holds no NULL and v is not NULL.
  PlanPtr null_aware_anti_join(PlanPtr left, const PlanPtr& sub, const ExprPtr& v) {
    ExprList out = left->output();
    ExprPtr c = sub->output()[0];
    PlanPtr anti = make_join(std::move(left), sub, JoinType::LeftAnti, equal(v, c));
    auto count = [&](ExprPtr arg, const char* name) {
      return alias(std::get<ExprPtr>(resolve_function(*unresolved_fn("count", {std::move(arg)}))), name, ids.next());
    };
    auto n = count(lit_int(1), "count"), nn = count(c, "count_not_null");
    LogicalPlan a;
    a.kind = PlanKind::Aggregate;
    a.children = {sub};
    a.exprs = {n, nn};
    PlanPtr stats = make_join(anti, make_plan(std::move(a)), JoinType::LeftOuter, nullptr);
    ExprPtr na = to_attribute(n), nna = to_attribute(nn);
    ExprPtr keep = bool_call("or", {equal(na, lit_long(0)),
                                    bool_call("and", {equal(nna, na), bool_call("isnotnull", {v})})});
    return make_node(PlanKind::Project, {make_node(PlanKind::Filter, {stats}, {keep})}, out);
  }

  // Spark's ExistenceJoin (an EXISTS / IN nested in OR, CASE, a select list): every row of
  // `left` once, with `exists` true when some row of `right` meets `cond`. Built from the
  // semi and anti joins, whose rows partition `left`: their union, flagged true and false.
  ExprPtr existence_join(PlanPtr& left, const PlanPtr& right, const ExprPtr& cond) {
    ExprList yes = left->output(), no = left->output();
    auto t = alias(lit_bool(true), "exists", ids.next());
    yes.push_back(t);
    no.push_back(alias(lit_bool(false), "exists", ids.next()));
    LogicalPlan u;
    u.kind = PlanKind::Union;
    u.children = {make_node(PlanKind::Project, {make_join(left, right, JoinType::LeftSemi, cond)}, yes),
                  make_node(PlanKind::Project, {make_join(left, right, JoinType::LeftAnti, cond)}, no)};
    left = make_plan(std::move(u));
    return to_attribute(t);
  }

  // EXISTS / IN / NOT IN inside a larger expression, as Spark's rewriteExistentialExpr: IN is
  // `exists` over `v = c`, NOT IN `NOT exists` over the null-aware `(v = c) OR isnull(v = c)`.
  ExprPtr rewrite_existential(const ExprPtr& e, PlanPtr& child) {
    return transform_down(e, [&](const ExprPtr& x) -> ExprPtr {
      bool neg = x->kind == ExprKind::Call && x->name == "not" && x->children[0]->kind == ExprKind::InSubquery;
      const ExprPtr& s = neg ? x->children[0] : x;
      if (s->kind != ExprKind::Exists && s->kind != ExprKind::InSubquery) return nullptr;
      Pulled r = decorrelate(*s);
      ExprList cond = in_conditions(*s, r.plan, neg);
      cond.insert(cond.end(), r.preds.begin(), r.preds.end());
      ExprPtr flag = existence_join(child, r.plan, cond.empty() ? nullptr : make_and(cond));
      return neg ? bool_call("not", {flag}) : flag;
    });
  }

  ExprList in_conditions(const Expr& sub, const PlanPtr& plan, bool null_aware) {
    ExprList cond;
    if (sub.kind != ExprKind::InSubquery) return cond;
    ExprList values = subquery_values(sub), cols = plan->output();
    for (size_t i = 0; i < values.size() && i < cols.size(); ++i) {
      ExprPtr eq = equal(values[i], cols[i]);
      // NOT IN is null-aware: a NULL comparison counts as a match, so the row goes.
      cond.push_back(null_aware ? bool_call("or", {eq, bool_call("isnull", {eq})}) : eq);
    }
    return cond;
  }

  static bool is_predicate_subquery(const ExprPtr& c) {
    const ExprPtr& x = c->kind == ExprKind::Call && c->name == "not" ? c->children[0] : c;
    return x->kind == ExprKind::Exists || x->kind == ExprKind::InSubquery;
  }
  bool has_subquery(const ExprPtr& e) const {
    return any_expr(e, [&](const Expr& x) { return is_subquery_expr(x) && !kept(x); });
  }
  static bool has_predicate_subquery(const ExprPtr& e) {
    return any_expr(e, [](const Expr& x) { return x.kind == ExprKind::Exists || x.kind == ExprKind::InSubquery; });
  }

  PlanPtr rewrite_node(const PlanPtr& n) {
    bool any = false;
    for (const auto& e : n->exprs) any = any || has_subquery(e);
    for (const auto& e : n->groups) any = any || has_subquery(e);
    if (!any) return nullptr;
    auto unsupported = [&](const std::string& where) {
      if (!error)
        error = "[UNSUPPORTED_FEATURE.SUBQUERY] The feature is not supported: subquery expressions " + where +
                " are not supported yet.";
      return nullptr;
    };
    PlanPtr child = n->children.empty() ? nullptr : n->children[0];
    switch (n->kind) {
      case PlanKind::Filter: {
        ExprList plain, preds, nested;
        for (const auto& c : split_conjuncts(n->exprs[0])) {
          if (is_predicate_subquery(c)) preds.push_back(c);
          else if (has_predicate_subquery(c)) nested.push_back(c);
          else plain.push_back(rewrite_scalars(c, child));
        }
        PlanPtr out = plain.empty() ? child : make_node(PlanKind::Filter, {child}, {make_and(plain)});
        for (const auto& c : preds) out = predicate_join(out, c);
        if (!nested.empty()) {
          ExprList conds;
          for (const auto& c : nested) conds.push_back(rewrite_existential(rewrite_scalars(c, out), out));
          out = make_node(PlanKind::Filter, {out}, {make_and(conds)});
        }
        if (out->output().size() != n->output().size()) out = make_node(PlanKind::Project, {out}, n->output());
        return out;
      }
      case PlanKind::Project: {
        ExprList list;
        for (const auto& e : n->exprs) list.push_back(rewrite_existential(rewrite_scalars(e, child), child));
        return make_node(PlanKind::Project, {child}, list);
      }
      case PlanKind::Aggregate: {
        for (const auto& e : n->groups) if (has_subquery(e)) return unsupported("in GROUP BY");
        // Inside an aggregate function the value is per row: joined below the aggregation.
        LogicalPlan a = *n;
        for (auto& e : a.exprs)
          e = transform_down(e, [&](const ExprPtr& x) -> ExprPtr {
            if (x->kind != ExprKind::AggCall) return nullptr;
            ExprList kids;
            for (const auto& k : x->children) kids.push_back(rewrite_existential(rewrite_scalars(k, child), child));
            return x->with_children(kids);
          });
        a.children = {child};
        if (std::none_of(a.exprs.begin(), a.exprs.end(), [&](const ExprPtr& e) { return has_subquery(e); }))
          return make_plan(std::move(a));
        // Outside them a scalar is one value for the query (a correlated one was refused by
        // CheckAnalysis), EXISTS / IN one per group: the aggregation yields the aggregates and
        // grouping values those expressions read, a projection above computes them with the
        // joins there (Spark's PhysicalAggregation split) — so a global aggregate over no rows
        // still sees a scalar's value.
        ExprList below, top;
        auto keep_below = [&](const ExprPtr& x) {
          if (!has_id(below, x->id)) below.push_back(x);
        };
        for (const auto& e : a.exprs) {
          if (!has_subquery(e)) {
            keep_below(e);
            top.push_back(to_attribute(e));
            continue;
          }
          ExprPtr body = transform_down(e->kind == ExprKind::Alias ? e->children[0] : e, [&](const ExprPtr& x) -> ExprPtr {
            if (x->kind == ExprKind::Attribute) { keep_below(x); return nullptr; }
            bool group = std::any_of(a.groups.begin(), a.groups.end(), [&](const ExprPtr& g) { return expr_equal(*g, *x); });
            if (x->kind != ExprKind::AggCall && !group) return nullptr;
            auto al = alias(x, x->kind == ExprKind::AggCall ? "_aggregateexpression" : "_groupingexpression", ids.next());
            below.push_back(al);
            return to_attribute(al);
          });
          top.push_back(e->kind == ExprKind::Alias ? alias(body, e->name, e->id) : body);
        }
        a.exprs = below;
        PlanPtr proj = make_node(PlanKind::Project, {make_plan(std::move(a))}, top);
        PlanPtr r = rewrite_node(proj);
        return r ? r : proj;
      }
      case PlanKind::Join: {
        // An inner join's condition is a filter over the joined rows: the conjuncts holding
        // subqueries move into a Filter above the join, rewritten as any WHERE.
        if (n->join_type != JoinType::Inner && n->join_type != JoinType::Cross)
          return unsupported("in an outer, semi or anti join condition");
        ExprList keep, moved;
        for (const auto& c : split_conjuncts(n->exprs[0])) (has_subquery(c) ? moved : keep).push_back(c);
        LogicalPlan j = *n;
        j.exprs = keep.empty() ? ExprList{} : ExprList{make_and(keep)};
        PlanPtr f = make_node(PlanKind::Filter, {make_plan(std::move(j))}, {make_and(moved)});
        PlanPtr r = rewrite_node(f);
        return r ? r : f;
      }
      default: return unsupported("in this clause");
    }
  }

  PlanPtr rewrite(const PlanPtr& plan) {
    return plan_transform_up(plan, [&](const PlanPtr& n) -> PlanPtr {
      if (error) return nullptr;
      PlanPtr k = keep ? rewrite_kept(n) : nullptr;
      PlanPtr r = rewrite_node(k ? k : n);
      return r ? r : k;
    });
  }
};

}  // namespace

Pulled pull_up_correlated(const PlanPtr& subquery) { return pull(subquery); }

std::optional<Value> zero_tuple_value(const PlanPtr& subquery) {
  auto row = zero_tuple_row(subquery);
  if (!row) return std::nullopt;
  auto it = row->find(subquery->output()[0]->id);
  if (it == row->end() || it->second.first.is_null()) return std::nullopt;
  return it->second.first;
}

std::optional<AnalysisError> check_subqueries(const LogicalPlan& host) {
  std::optional<AnalysisError> err;
  auto check = [&](const Expr& x) {
    if (err || !is_subquery_expr(x) || !x.plan) return;
    bool correlated = !subquery_outer_attrs(x).empty();
    if (x.kind == ExprKind::ScalarSubquery && correlated) {
      PlanPtr q = clean_scalar_query(x.plan);
      if (q->kind == PlanKind::Filter && q->children[0]->kind == PlanKind::Aggregate) q = q->children[0];
      if (q->kind == PlanKind::Aggregate) {
        bool aggs = false;
        for (const auto& e : q->exprs) aggs = aggs || any_expr(e, [](const Expr& y) { return y.kind == ExprKind::AggCall; });
        if (!aggs)
          err = category_error("MUST_AGGREGATE_CORRELATED_SCALAR_SUBQUERY",
                               "Correlated scalar subqueries must be aggregated to return at most one row.");
      } else if (!at_most_one_row(q)) {
        err = category_error("MUST_AGGREGATE_CORRELATED_SCALAR_SUBQUERY",
                             "Correlated scalar subqueries must be aggregated to return at most one row.");
      }
      if (!err && host.kind != PlanKind::Filter && host.kind != PlanKind::Project && host.kind != PlanKind::Aggregate)
        err = category_error("UNSUPPORTED_CORRELATED_SCALAR_SUBQUERY",
                             "Correlated scalar subqueries can only be used in filters, aggregations, projections, and "
                             "UPDATE/MERGE/DELETE commands" + host.tree_string() + ".");
    }
    if (!err && x.kind != ExprKind::ScalarSubquery && host.kind != PlanKind::Filter && host.kind != PlanKind::Project &&
        host.kind != PlanKind::Aggregate && host.kind != PlanKind::Join && host.kind != PlanKind::Window)
      err = category_error("UNSUPPORTED_IN_EXISTS_SUBQUERY",
                           "IN/EXISTS predicate subqueries can only be used in filters, joins, aggregations, window "
                           "functions, projections, and UPDATE/MERGE/DELETE commands" + host.tree_string() + ".");
    if (!err && correlated) {
      Pulled r = pull(x.plan);
      if (r.error) err = r.error;
    }
  };
  for (const auto& e : host.exprs) foreach_expr(e, check);
  for (const auto& e : host.groups) foreach_expr(e, check);
  return err;
}

bool kept_scalar_subquery(const Expr& e) {
  if (e.kind != ExprKind::ScalarSubquery || !e.plan || !subquery_outer_attrs(e).empty()) return false;
  switch (e.type.id) {
    case TypeId::Boolean: case TypeId::Byte: case TypeId::Short: case TypeId::Int: case TypeId::Long:
    case TypeId::Float: case TypeId::Double: case TypeId::Decimal: case TypeId::String: case TypeId::Binary:
    case TypeId::Date: case TypeId::Timestamp: case TypeId::TimestampNtz:
      return true;
    default: return false;  // nested values, intervals: joined
  }
}

PlanPtr optimize_with_subqueries(const PlanPtr& plan, const FoldOptions& o) {
  return plan_transform_exprs(optimize(plan, o), [&](const ExprPtr& x) -> ExprPtr {
    if (!kept_scalar_subquery(*x)) return nullptr;
    auto c = std::make_shared<Expr>(*x);
    c->plan = optimize_with_subqueries(x->plan, o);
    return c;
  });
}

Result<PlanPtr> rewrite_subqueries(const PlanPtr& plan, IdGen& ids, bool keep_uncorrelated) {
  Rewriter r{ids, std::nullopt, keep_uncorrelated};
  PlanPtr out = r.rewrite(plan);
  if (r.error) return Result<PlanPtr>::error(*r.error);
  return out;
}

}  // namespace spp::sql::opt
