// Analyzer rules (each small and pure over the plan) run to a fixed point, then CheckAnalysis.
#include "sql/analysis/analyzer.h"
#include "common/strings.h"

#include <algorithm>
#include <map>
#include <set>

#include "sql/analysis/fn_lambda.h"
#include "sql/analysis/functions.h"
#include "sql/analysis/generators.h"
#include "sql/analysis/inline_tables.h"
#include "sql/analysis/grouping.h"
#include "sql/analysis/na_functions.h"
#include "sql/analysis/python_checks.h"
#include "sql/analysis/replace_operators.h"
#include "sql/analysis/session_window.h"
#include "sql/analysis/subqueries.h"
#include "sql/analysis/summary.h"
#include "sql/analysis/windows.h"
#include "sql/coercion.h"
#include "sql/kernels/string_fns.h"
#include "sql/optimizer/subquery.h"

namespace spp::sql {
namespace {

struct Ctx {
  IdGen& ids;
  const AnalyzerOptions& opts;
  std::optional<AnalysisError> error;
  void fail(AnalysisError e) { if (!error) error = std::move(e); }
};

bool name_eq(const Ctx& c, const std::string& a, const std::string& b) {
  return c.opts.case_sensitive ? a == b : ascii_lower(a) == ascii_lower(b);
}

bool children_resolved(const LogicalPlan& p) {
  return std::all_of(p.children.begin(), p.children.end(), [](const PlanPtr& c) { return c->resolved(); });
}

ExprList input_of(const LogicalPlan& p) {
  ExprList in;
  for (const auto& c : p.children) for (const auto& a : c->output()) in.push_back(a);
  return in;
}

std::vector<std::string> qualified(const Expr& a) {
  std::vector<std::string> parts = a.qualifier;
  parts.push_back(a.name);
  return parts;
}

// Struct field access for the remaining name parts (`s.a.b`).
std::optional<ExprPtr> extract_fields(Ctx& c, ExprPtr e, const std::vector<std::string>& rest) {
  for (const auto& f : rest) {
    if (e->type.id != TypeId::Struct) return std::nullopt;
    const auto& fs = e->type.fields;
    auto it = std::find_if(fs.begin(), fs.end(), [&](const StructField& x) { return name_eq(c, x.name, f); });
    if (it == fs.end()) return std::nullopt;
    auto g = std::make_shared<Expr>();
    g->kind = ExprKind::GetField;
    g->name = it->name;
    g->ordinal = static_cast<int>(it - fs.begin());
    g->type = it->type;
    g->nullable = e->nullable || it->nullable;
    g->children = {e};
    e = g;
  }
  return e;
}

const LogicalPlan* find_plan_id(const PlanPtr& p, int64_t id) {
  if (p->plan_id == id) return p.get();
  for (const auto& c : p->children)
    if (auto* f = find_plan_id(c, id)) return f;
  return nullptr;
}

// Resolves `parts` against `input` (qualifier match first, then name). nullptr = not found.
ExprPtr resolve_name(Ctx& c, const std::vector<std::string>& parts, const ExprList& input) {
  std::vector<std::pair<ExprPtr, size_t>> hits;  // attribute, parts consumed
  // A qualifier is named by any suffix of it (`t.a`, `default.t.a`, `spark_catalog.default.t.a`),
  // the longest match first.
  auto qualified_by = [&](const Expr& a, size_t k) {
    if (a.qualifier.size() < k || parts.size() <= k) return false;
    for (size_t i = 0; i < k; ++i)
      if (!name_eq(c, a.qualifier[a.qualifier.size() - k + i], parts[i])) return false;
    return name_eq(c, a.name, parts[k]);
  };
  for (size_t k = std::min<size_t>(3, parts.size() - 1); k >= 1 && hits.empty(); --k)
    for (const auto& a : input)
      if (qualified_by(*a, k)) hits.emplace_back(a, k + 1);
  if (hits.empty())
    for (const auto& a : input)
      if (name_eq(c, a->name, parts[0])) hits.emplace_back(a, 1);
  if (hits.empty()) return nullptr;
  if (hits.size() > 1) {
    std::vector<std::string> names;
    for (const auto& [a, n] : hits) names.push_back(to_sql_id(qualified(*a)));
    c.fail(ambiguous_reference(to_sql_id(parts), names));
    return nullptr;
  }
  std::vector<std::string> rest(parts.begin() + static_cast<long>(hits[0].second), parts.end());
  auto e = extract_fields(c, hits[0].first, rest);
  return e ? *e : nullptr;
}

ExprPtr resolve_attribute(Ctx& c, const Expr& u, const LogicalPlan& node, const ExprList& input) {
  if (u.plan_id >= 0) {
    // df["x"]: the column of that DataFrame, which must reach this node's input (self-joins).
    for (const auto& ch : node.children) {
      if (const LogicalPlan* src = find_plan_id(ch, u.plan_id)) {
        ExprPtr a = resolve_name(c, u.name_parts, src->output());
        if (!a) return nullptr;
        ExprPtr base = a;
        while (base->kind == ExprKind::GetField) base = base->children[0];
        for (const auto& in : input)
          if (in->id == base->id) return a;
      }
    }
  }
  return resolve_name(c, u.name_parts, input);
}

ExprList expand_star(Ctx& c, const Expr& star, const ExprList& input) {
  ExprList out;
  if (!star.name.empty()) {  // colRegex: the (qualified) columns whose whole name matches (Java regex)
    auto re = kern::Regex::compile("\\A(?:" + std::string(c.opts.case_sensitive ? "" : "(?i)") + star.name + ")\\z");
    if (!re) {
      c.fail(generic_error("INVALID_REGEX", "", "The regular expression " + star.name + " is invalid: " + re.error_message()));
      return out;
    }
    for (const auto& a : input)
      if ((star.name_parts.empty() || (!a->qualifier.empty() && name_eq(c, a->qualifier.back(), star.name_parts.back()))) &&
          (*re)->find(a->name))
        out.push_back(a);
    return out;
  }
  for (const auto& a : input) {
    if (star.name_parts.empty()) { out.push_back(a); continue; }
    if (!a->qualifier.empty() && name_eq(c, a->qualifier.back(), star.name_parts.back())) out.push_back(a);
  }
  if (out.empty() && !star.name_parts.empty()) {
    // `s.*` on a struct column expands its fields.
    if (auto s = resolve_name(c, star.name_parts, input); s && s->type.id == TypeId::Struct)
      for (const auto& f : s->type.fields)
        if (auto g = extract_fields(c, s, {f.name})) out.push_back(*g);
  }
  return out;
}

// The column name Spark gives an unnamed select-list expression (ResolveAliases): a dotted
// column name (`s.a`) is named after its last field, an extracted value (`s["a"]`, getField) is
// `s.a`, a user's top-level Cast of a named expression keeps that name (`x`, not CAST(x AS INT)),
// and a time window is `window`.
std::string auto_name(const Expr& e, const Expr& original) {
  if (e.kind == ExprKind::GetField && original.kind == ExprKind::UnresolvedAttribute) return e.name;
  if (e.kind == ExprKind::Cast && e.user_cast && original.kind == ExprKind::Cast) {
    const Expr& ch = *e.children[0];
    if (ch.kind == ExprKind::Attribute || ch.kind == ExprKind::Alias) return ch.name;
    if (ch.kind == ExprKind::GetField && original.children[0]->kind == ExprKind::UnresolvedAttribute) return ch.name;
  }
  // TimeWindowing replaces TimeWindow with an attribute named `window` (so `window.start` reads).
  if (e.kind == ExprKind::Call && e.name == "window") return "window";
  return e.sql();
}

ExprPtr resolve_expr(Ctx& c, const ExprPtr& e, const LogicalPlan& node, const ExprList& input);

// ResolveLambdaVariables: binds the unbound lambdas of higher-order call `hof` once its other
// arguments are resolved — fresh variables typed by the function (fn_lambda.h), the body's
// references to them substituted (an inner lambda's own names shadow), then the body resolved.
ExprPtr bind_lambdas(Ctx& c, const ExprPtr& hof, const LogicalPlan& node, const ExprList& input) {
  for (const auto& k : hof->children)
    if (!is_unbound_lambda(*k) && !k->resolved()) return nullptr;
  const std::string n = ascii_lower(hof->name);
  if (!is_higher_order_function(n)) {
    c.fail(generic_error("INVALID_LAMBDA_FUNCTION_CALL.NON_HIGHER_ORDER_FUNCTION", "42K0D",
                         "Invalid lambda function call. A lambda function should only be used in a higher order function. "
                         "However, its class is " + to_sql_id({hof->name}) + ", which is not a higher order function."));
    return nullptr;
  }
  ExprList args = hof->children;
  // aggregate(arr, zero, merge): Spark's finish is LambdaFunction.identity, `id -> id`.
  if ((n == "aggregate" || n == "reduce") && args.size() == 3) args.push_back(unbound_lambda(unresolved_attr({"id"}), {"id"}));
  ExprPtr shown = hof->with_children(args);
  auto key = [&](const std::string& s) { return c.opts.case_sensitive ? s : ascii_lower(s); };
  std::function<ExprPtr(const ExprPtr&, const std::map<std::string, ExprPtr>&)> subst =
      [&](const ExprPtr& e, const std::map<std::string, ExprPtr>& vars) -> ExprPtr {
    if (e->kind == ExprKind::UnresolvedAttribute && !e->name_parts.empty() && e->plan_id < 0) {
      auto it = vars.find(key(e->name_parts[0]));
      if (it == vars.end()) return e;
      auto f = extract_fields(c, it->second, std::vector<std::string>(e->name_parts.begin() + 1, e->name_parts.end()));
      return f ? *f : e;
    }
    std::map<std::string, ExprPtr> inner = vars;
    if (is_unbound_lambda(*e))
      for (size_t k = 1; k < e->children.size(); ++k) inner.erase(key(e->children[k]->name_parts.at(0)));
    ExprList kids;
    bool changed = false;
    for (size_t k = 0; k < e->children.size(); ++k) {
      // An unbound lambda's variable names stay names.
      kids.push_back(is_unbound_lambda(*e) && k > 0 ? e->children[k] : subst(e->children[k], inner));
      changed |= kids.back() != e->children[k];
    }
    return changed ? e->with_children(std::move(kids)) : e;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    if (!is_unbound_lambda(*args[i])) continue;
    const ExprPtr& l = args[i];
    const size_t nvars = l->children.size() - 1;
    auto spec = lambda_variables(*shown, n, i, nvars);
    if (auto* err = std::get_if<AnalysisError>(&spec)) { c.fail(*err); return nullptr; }
    const auto& vs = std::get<LambdaVars>(spec);
    if (vs.size() != nvars) {
      c.fail(generic_error("INVALID_LAMBDA_FUNCTION_CALL.NUM_ARGS_MISMATCH", "42K0D",
                           "Invalid lambda function call. A higher order function expects " + std::to_string(nvars) +
                               " arguments, but got " + std::to_string(vs.size()) + "."));
      return nullptr;
    }
    std::map<std::string, ExprPtr> vars;
    ExprList bound{nullptr};
    for (size_t k = 0; k < nvars; ++k) {
      const std::string& name = l->children[k + 1]->name_parts.at(0);
      auto v = lambda_var(name, vs[k].first, vs[k].second, c.ids.next());
      if (!vars.emplace(key(name), v).second) {
        std::string names;
        for (size_t j = 1; j < l->children.size(); ++j)
          names += (j > 1 ? ", " : "") + to_sql_id({key(l->children[j]->name_parts.at(0))});
        c.fail(generic_error("INVALID_LAMBDA_FUNCTION_CALL.DUPLICATE_ARG_NAMES", "42K0D",
                             "Invalid lambda function call. The lambda function has duplicate arguments " + names +
                                 ". Please, consider to rename the argument names or set \"spark.sql.caseSensitive\" to \"true\"."));
        return nullptr;
      }
      bound.push_back(v);
    }
    bound[0] = resolve_expr(c, subst(l->children[0], vars), node, input);
    auto b = std::make_shared<Expr>(*call("lambdafunction", bound, bound[0]->type, bound[0]->nullable));
    args[i] = b;
  }
  return hof->with_children(args);
}

// Resolution that leaves unbound lambdas alone until their higher-order call binds them.
ExprPtr resolve_with_lambdas(Ctx& c, const ExprPtr& e, const LogicalPlan& node, const ExprList& input, const ExprRule& rule) {
  if (!any_expr(e, [](const Expr& x) { return is_unbound_lambda(x); })) return transform_up(e, rule);
  if (is_unbound_lambda(*e)) return e;  // dangling: reported by CheckAnalysis
  bool hof = false;
  ExprList kids;
  bool changed = false;
  for (const auto& k : e->children) {
    if (is_unbound_lambda(*k)) { hof = true; kids.push_back(k); continue; }
    kids.push_back(resolve_with_lambdas(c, k, node, input, rule));
    changed |= kids.back() != k;
  }
  ExprPtr cur = changed ? e->with_children(std::move(kids)) : e;
  if (hof && e->kind == ExprKind::UnresolvedFunction) {
    ExprPtr b = bind_lambdas(c, cur, node, input);
    if (!b) return cur;
    cur = b;
  } else if (hof) {
    return cur;
  }
  ExprPtr r = rule(cur);
  return r ? r : cur;
}

ExprPtr resolve_expr(Ctx& c, const ExprPtr& e, const LogicalPlan& node, const ExprList& input) {
  return resolve_with_lambdas(c, e, node, input, [&](const ExprPtr& x) -> ExprPtr {
    switch (x->kind) {
      case ExprKind::UnresolvedAttribute: return resolve_attribute(c, *x, node, input);
      case ExprKind::UnresolvedFunction: {
        if (!std::all_of(x->children.begin(), x->children.end(), [](const ExprPtr& k) {
              return k->resolved() || k->kind == ExprKind::UnresolvedStar;
            }))
          return nullptr;
        ExprList args;
        for (const auto& k : x->children) {
          if (k->kind != ExprKind::UnresolvedStar) { args.push_back(k); continue; }
          if (ascii_lower(x->name) == "count") { args.push_back(lit_int(1)); continue; }  // count(*) = count(1)
          for (const auto& a : expand_star(c, *k, input)) args.push_back(a);
        }
        if (c.opts.lookup_function)
          if (auto u = c.opts.lookup_function(x->name, args)) return u;
        auto r = resolve_function(*x->with_children(args));
        if (auto* err = std::get_if<AnalysisError>(&r)) { c.fail(*err); return nullptr; }
        return std::get<ExprPtr>(r);
      }
      case ExprKind::UnresolvedExtractValue: {
        if (!x->children[0]->resolved() || !x->children[1]->resolved()) return nullptr;
        const ExprPtr& v = x->children[0];
        const ExprPtr& k = x->children[1];
        if (v->type.id == TypeId::Struct && k->kind == ExprKind::Literal && k->type.id == TypeId::String) {
          auto g = extract_fields(c, v, {k->value.as_string()});
          if (!g) c.fail(generic_error("FIELD_NOT_FOUND", "42704", "No such struct field " +
                                       quote_identifier(k->value.as_string()) + "."));
          return g ? *g : nullptr;
        }
        if (v->type.id == TypeId::Array) {
          auto idx = k->type.is_integral() ? cast(k, DataType::int_(), false) : k;
          if (idx->type.id != TypeId::Int) idx = cast(k, DataType::int_(), false);
          return call("get_item", {v, idx}, v->type.element(), true);
        }
        if (v->type.id == TypeId::Map) {
          auto key = k->type == v->type.key() ? k : cast(k, v->type.key(), false);
          return call("get_item", {v, key}, v->type.value(), true);
        }
        c.fail(generic_error("INVALID_EXTRACT_BASE_FIELD_TYPE", "42000",
                             "Can't extract a value from " + to_sql_expr(v->sql()) +
                                 ". Need a complex type [STRUCT, ARRAY, MAP] but got \"" + v->type.sql() + "\"."));
        return nullptr;
      }
      case ExprKind::Cast:
        if (x->user_cast && x->children[0]->resolved())
          if (auto err = check_cast(*x)) c.fail(*err);
        if (x->children[0]->resolved()) {
          // Non-ANSI casts from strings (and between differing types) may produce NULL.
          bool nullable = x->children[0]->nullable || x->children[0]->type.id == TypeId::String ||
                          (x->type.id != x->children[0]->type.id && x->type.is_numeric() == false);
          if (nullable == x->nullable) return nullptr;  // unchanged: the fixed point is reached
          auto y = std::make_shared<Expr>(*x);
          y->nullable = nullable;
          return y;
        }
        return nullptr;
      case ExprKind::WindowExpr: {
        for (const auto& k : x->children) if (!k->resolved()) return nullptr;
        auto r = resolve_window_expr(x);
        if (auto* err = std::get_if<AnalysisError>(&r)) { c.fail(*err); return nullptr; }
        const ExprPtr& w = std::get<ExprPtr>(r);
        return w == x ? nullptr : w;
      }
      case ExprKind::ScalarSubquery: case ExprKind::Exists: case ExprKind::InSubquery: {
        if (x->id >= 0) return nullptr;  // analysed already
        for (const auto& v : subquery_values(*x)) if (!v->resolved()) return nullptr;
        auto r = resolve_subquery(*x, input, c.ids, c.opts);
        if (auto* err = std::get_if<AnalysisError>(&r)) { c.fail(*err); return nullptr; }
        return std::get<ExprPtr>(r);
      }
      case ExprKind::Call:  // a lambda bound before its body resolved takes the body's type
        if (is_bound_lambda(*x) && x->children[0]->resolved() &&
            (x->type != x->children[0]->type || x->nullable != x->children[0]->nullable)) {
          auto y = std::make_shared<Expr>(*x);
          y->type = x->children[0]->type;
          y->nullable = x->children[0]->nullable;
          return y;
        }
        return nullptr;
      case ExprKind::Alias: case ExprKind::SortOrder:
        if (x->children[0]->resolved() && (x->type != x->children[0]->type || x->nullable != x->children[0]->nullable)) {
          auto y = std::make_shared<Expr>(*x);
          y->type = x->children[0]->type;
          y->nullable = x->children[0]->nullable;
          return y;
        }
        return nullptr;
      default: return nullptr;
    }
  });
}

// Select-list form: stars expanded, unnamed resolved expressions aliased with Spark's names.
ExprList resolve_named_list(Ctx& c, const ExprList& es, const LogicalPlan& node, const ExprList& input) {
  ExprList out;
  for (const auto& e : es) {
    if (e->kind == ExprKind::UnresolvedStar) {
      for (const auto& a : expand_star(c, *e, input)) out.push_back(a);
      continue;
    }
    ExprPtr r = resolve_expr(c, e, node, input);
    if (r->resolved() && r->kind == ExprKind::Call && is_generator_name(r->name)) {
      // Spark's MultiAlias(g, Nil): the names come from the generator's element schema.
      auto m = std::make_shared<Expr>();
      m->kind = ExprKind::MultiAlias;
      m->children = {r};
      r = m;
    } else if (r->resolved() && r->kind != ExprKind::Attribute && r->kind != ExprKind::Alias && r->kind != ExprKind::MultiAlias) {
      r = alias(r, auto_name(*r, *e), c.ids.next());
    }
    out.push_back(r);
  }
  return out;
}

bool lists_same(const ExprList& a, const ExprList& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) if (a[i] != b[i]) return false;
  return true;
}

PlanPtr project(PlanPtr child, ExprList list) {
  LogicalPlan p;
  p.kind = PlanKind::Project;
  p.exprs = std::move(list);
  p.children = {std::move(child)};
  return make_plan(std::move(p));
}

// LATERAL VIEW's Generate once its generator is resolved (ResolveGenerate): the output named by
// the AS list (else the generator's element schema), qualified by the view's name; a `_outer`
// generator is an outer one, as Spark's GeneratorOuter.
PlanPtr lateral_view(Ctx& c, const LogicalPlan& n, ExprPtr g) {
  if (g->kind != ExprKind::Call || !is_generator_name(g->name)) {
    c.fail(generic_error("UNSUPPORTED_GENERATOR.NOT_GENERATOR", "0A000",
                         "The generator is not supported: " + to_sql_id({g->name}) + " is expected to be a generator. "
                         "However, its class is " + g->name + ", which is not a generator."));
    return nullptr;
  }
  auto schema = generator_element_schema(*g);
  if (!n.names.empty() && n.names.size() != schema.size()) {
    std::string names;
    for (size_t i = 0; i < n.names.size(); ++i) names += (i ? "," : "") + n.names[i];
    c.fail(generic_error("UDTF_ALIAS_NUMBER_MISMATCH", "",
                         "The number of aliases supplied in the AS clause does not match the number of columns output "
                         "by the UDTF. Expected " + std::to_string(schema.size()) + " aliases, but got " + names +
                             ". Please ensure that the number of aliases provided matches the number of columns output by the UDTF."));
    return nullptr;
  }
  LogicalPlan p = n;
  const std::string& fn = g->name;
  if (fn.size() > 6 && fn.compare(fn.size() - 6, 6, "_outer") == 0) {
    auto call = std::make_shared<Expr>(*g);
    call->name = fn.substr(0, fn.size() - 6);
    g = call;
    p.flag = true;
  }
  p.exprs = {g};
  for (size_t i = 0; i < schema.size(); ++i)
    p.output_attrs.push_back(attr(n.names.empty() ? schema[i].name : n.names[i], schema[i].type,
                                  p.flag || schema[i].nullable, c.ids.next(), {n.name}));
  return make_plan(std::move(p));
}

// Rule: resolve the expressions of nodes whose children are resolved.
PlanPtr rule_resolve_expressions(Ctx& c, const PlanPtr& plan) {
  return plan_transform_up(plan, [&](const PlanPtr& n) -> PlanPtr {
    if (!children_resolved(*n) || c.error) return nullptr;
    ExprList input = input_of(*n);
    ExprList e, g = n->groups;
    if (int k = session_window_key(*n); k >= 0) {  // GROUP BY session_window(ts, gap) in SQL text
      const ExprPtr& w = n->groups[size_t(k)];
      const Expr& call = w->kind == ExprKind::Alias ? *w->children[0] : *w;
      ExprPtr ts = resolve_expr(c, call.children[0], *n, input), gap = resolve_expr(c, call.children[1], *n, input);
      if (c.error || !ts->resolved() || !gap->resolved()) return nullptr;
      if (auto err = session_window_gap_error(*gap)) {
        c.fail(*err);
        return nullptr;
      }
      return rewrite_session_window(*n, k, ts, gap, c.ids);
    }
    switch (n->kind) {
      case PlanKind::Project: case PlanKind::Aggregate:
        e = resolve_named_list(c, n->exprs, *n, input);
        for (auto& x : g) {
          x = resolve_expr(c, x, *n, input);
          // CleanupAliases: groupBy((w % 7).alias("g")) groups by (w % 7); the alias names the
          // output column only (the output list keeps it).
          while (x->kind == ExprKind::Alias && x->resolved()) x = x->children[0];
        }
        break;
      case PlanKind::Filter: case PlanKind::Sort: case PlanKind::Join: case PlanKind::RepartitionByExpression:
      case PlanKind::Drop: case PlanKind::WithColumns: case PlanKind::Hint: case PlanKind::Summary:
        for (const auto& x : n->exprs) e.push_back(resolve_expr(c, x, *n, input));
        break;
      case PlanKind::Generate: {  // LATERAL VIEW's, until its output is known
        if (!n->output_attrs.empty()) return nullptr;
        ExprPtr g = resolve_expr(c, n->exprs[0], *n, input);
        if (g->resolved()) return lateral_view(c, *n, g);
        e = {g};
        break;
      }
      case PlanKind::MapInPandas: case PlanKind::FlatMapGroupsInPandas:
        // The function takes every input column (its DataFrame's), grouped by the keys.
        e = {n->exprs[0]->children.empty() ? n->exprs[0]->with_children(input) : n->exprs[0]};
        for (auto& x : g) {
          x = resolve_expr(c, x, *n, input);
          if (x->resolved() && x->kind != ExprKind::Attribute)
            c.fail(generic_error("UNSUPPORTED_FEATURE.PANDAS_GROUPING_EXPRESSION", "0A000",
                                 "applyInPandas groups by columns; got " + to_sql_expr(x->sql()) + "."));
        }
        break;
      case PlanKind::LocalRelation: {  // VALUES: each row's cells, then ResolveInlineTables
        if (n->data_ref != "inline_table") return nullptr;
        bool all = true;
        for (const auto& row : n->exprs) {
          ExprList cells;
          for (const auto& x : row->children) {
            cells.push_back(resolve_expr(c, x, *n, {}));
            all = all && cells.back()->resolved();
          }
          e.push_back(row->with_children(std::move(cells)));
        }
        if (all && !c.error) {
          LogicalPlan t = *n;
          t.exprs = std::move(e);
          return resolve_inline_table(t, c.ids, c.error);
        }
        break;
      }
      case PlanKind::FlatMapCoGroupsInPandas: {
        // Each side's keys against its own columns (both sides usually name theirs alike).
        e = {n->exprs[0]->children.empty() ? n->exprs[0]->with_children(input) : n->exprs[0]};
        const ExprList left = n->children[0]->output(), right = n->children[1]->output();
        for (size_t i = 0; i < g.size(); ++i) {
          g[i] = resolve_expr(c, g[i], *n, int64_t(i) < n->n ? left : right);
          if (g[i]->resolved() && g[i]->kind != ExprKind::Attribute)
            c.fail(generic_error("UNSUPPORTED_FEATURE.PANDAS_GROUPING_EXPRESSION", "0A000",
                                 "cogroup().applyInPandas groups by columns; got " + to_sql_expr(g[i]->sql()) + "."));
        }
        break;
      }
      default: return nullptr;
    }
    if (lists_same(e, n->exprs) && lists_same(g, n->groups)) return nullptr;
    return n->with_exprs(std::move(e), std::move(g));
  });
}

// A view's plan with fresh exprIds (Spark's newInstance), so a view used twice in one query
// (t.join(t)) has distinct attributes on each side.
PlanPtr new_instance(Ctx& c, const PlanPtr& plan, std::map<int64_t, int64_t>& ids) {
  std::function<ExprPtr(const ExprPtr&)> remap = [&](const ExprPtr& e) {
    return transform_up(e, [&](const ExprPtr& x) -> ExprPtr {
      if (is_subquery_expr(*x) && x->plan) {
        // A subquery's plan gets fresh ids too, its outer references the outer plan's new ones.
        auto y = std::make_shared<Expr>(*x);
        y->plan = new_instance(c, x->plan, ids);
        return y;
      }
      if (x->kind != ExprKind::Attribute && x->kind != ExprKind::Alias) return nullptr;
      auto y = std::make_shared<Expr>(*x);
      if (x->kind == ExprKind::Alias) ids[x->id] = y->id = c.ids.next();
      else if (auto it = ids.find(x->id); it != ids.end()) y->id = it->second;
      else return nullptr;
      return y;
    });
  };
  return plan_transform_up(plan, [&](const PlanPtr& n) -> PlanPtr {
    auto m = std::make_shared<LogicalPlan>(*n);
    for (auto& a : m->output_attrs) {
      auto y = std::make_shared<Expr>(*a);
      ids[a->id] = y->id = c.ids.next();
      a = y;
    }
    // A file scan's columns read are among its file columns (matched by id when scanned).
    for (auto& a : m->data_attrs) {
      auto y = std::make_shared<Expr>(*a);
      auto it = ids.find(a->id);
      y->id = it != ids.end() ? it->second : (ids[a->id] = c.ids.next());
      a = y;
    }
    for (auto& g : m->groups) g = remap(g);
    for (auto& e : m->exprs) e = remap(e);
    return m;
  });
}
PlanPtr new_instance(Ctx& c, const PlanPtr& plan) {
  std::map<int64_t, int64_t> ids;
  return new_instance(c, plan, ids);
}

// Rule: replace UnresolvedRelation with the catalog's view/table under its alias.
PlanPtr rule_resolve_relations(Ctx& c, const PlanPtr& plan) {
  return plan_transform_up(plan, [&](const PlanPtr& n) -> PlanPtr {
    if (n->kind != PlanKind::UnresolvedRelation || c.error) return nullptr;
    auto parts = parse_identifier(n->name);
    PlanPtr found = parts && c.opts.lookup_relation ? c.opts.lookup_relation(*parts) : nullptr;
    if (!found) {
      c.fail(table_not_found(parts ? to_sql_id(*parts) : n->name));
      return nullptr;
    }
    if (found->kind == PlanKind::SubqueryAlias) {  // the catalog named it (spark_catalog.db.t, a view's name)
      auto a = std::make_shared<LogicalPlan>(*new_instance(c, found));
      a->plan_id = n->plan_id;
      return a;
    }
    LogicalPlan a;
    a.kind = PlanKind::SubqueryAlias;
    a.name = parts->back();
    a.plan_id = n->plan_id;
    a.children = {new_instance(c, found)};
    return make_plan(std::move(a));
  });
}

PlanPtr rewrite_using_join(Ctx& c, const LogicalPlan& j) {
  ExprList l = j.children[0]->output(), r = j.children[1]->output();
  ExprList conds, keys, lkeys, rkeys;
  for (const auto& name : j.names) {
    auto find = [&](const ExprList& side, const char* which) -> ExprPtr {
      for (const auto& a : side) if (name_eq(c, a->name, name)) return a;
      std::vector<std::string> cols;
      for (const auto& a : side) cols.push_back(to_sql_id(qualified(*a)));
      c.fail(unresolved_using_column(to_sql_id({name}), which, cols));
      return nullptr;
    };
    ExprPtr la = find(l, "left");
    if (!la) return nullptr;
    ExprPtr ra = find(r, "right");
    if (!ra) return nullptr;
    auto eq = resolve_function(*unresolved_fn("==", {la, ra}));
    if (auto* err = std::get_if<AnalysisError>(&eq)) { c.fail(*err); return nullptr; }
    conds.push_back(std::get<ExprPtr>(eq));
    lkeys.push_back(la);
    rkeys.push_back(ra);
  }
  ExprPtr cond;
  for (const auto& x : conds) cond = cond ? call("and", {cond, x}, DataType::boolean(), cond->nullable || x->nullable) : x;
  LogicalPlan jn = j;
  jn.names.clear();
  jn.exprs = cond ? ExprList{cond} : ExprList{};
  PlanPtr join = make_plan(std::move(jn));
  ExprList out_join = join->output();
  auto by_id = [&](const ExprPtr& a) {
    for (const auto& o : out_join) if (o->id == a->id) return o;
    return a;
  };
  ExprList list;
  for (size_t i = 0; i < lkeys.size(); ++i) {
    if (j.join_type == JoinType::RightOuter) list.push_back(by_id(rkeys[i]));
    else if (j.join_type == JoinType::FullOuter) {
      auto co = resolve_function(*unresolved_fn("coalesce", {by_id(lkeys[i]), by_id(rkeys[i])}));
      list.push_back(alias(std::get<ExprPtr>(co), lkeys[i]->name, c.ids.next()));
    } else list.push_back(by_id(lkeys[i]));
  }
  auto is_key = [](const ExprList& ks, const ExprPtr& a) {
    return std::any_of(ks.begin(), ks.end(), [&](const ExprPtr& k) { return k->id == a->id; });
  };
  for (const auto& a : l) if (!is_key(lkeys, a)) list.push_back(by_id(a));
  if (j.join_type != JoinType::LeftSemi && j.join_type != JoinType::LeftAnti)
    for (const auto& a : r) if (!is_key(rkeys, a)) list.push_back(by_id(a));
  return project(join, list);
}

PlanPtr rewrite_union(Ctx& c, const LogicalPlan& u) {
  ExprList l = u.children[0]->output(), r = u.children[1]->output();
  PlanPtr left = u.children[0], right = u.children[1];
  // flag / flag2 mean byName / allowMissingColumns on a Union only (ALL on Intersect and Except)
  const bool by_name = u.kind == PlanKind::Union && u.flag, allow_missing = u.kind == PlanKind::Union && u.flag2;
  if (by_name) {  // unionByName: reorder (and with allowMissingColumns, fill) the right side by name
    ExprList list;
    for (const auto& a : l) {
      auto it = std::find_if(r.begin(), r.end(), [&](const ExprPtr& b) { return name_eq(c, a->name, b->name); });
      if (it != r.end()) list.push_back(*it);
      else if (allow_missing) list.push_back(alias(lit_null(a->type), a->name, c.ids.next()));
      else {
        std::vector<std::string> cols;
        for (const auto& b : r) cols.push_back(to_sql_id({b->name}));
        c.fail(unresolved_column(to_sql_id({a->name}), cols));
        return nullptr;
      }
    }
    if (allow_missing) {
      // Columns only the right side has are appended, NULL on the left (Spark's ResolveUnion).
      ExprList lp = l;
      for (const auto& b : r) {
        if (std::any_of(l.begin(), l.end(), [&](const ExprPtr& a) { return name_eq(c, a->name, b->name); })) continue;
        lp.push_back(alias(lit_null(b->type), b->name, c.ids.next()));
        list.push_back(b);
      }
      if (lp.size() != l.size()) {
        left = project(left, lp);
        l = left->output();
      }
    }
    right = project(right, list);
    r = right->output();
  }
  const char* op = u.kind == PlanKind::Intersect ? "INTERSECT" : u.kind == PlanKind::Except ? "EXCEPT" : "UNION";
  if (l.size() != r.size()) {
    c.fail(num_columns_mismatch(op, static_cast<int>(l.size()), "second", static_cast<int>(r.size())));
    return nullptr;
  }
  // Widen each column pair; cast the side that differs under a projection (Spark's WidenSetOperationTypes).
  ExprList lp, rp;
  bool lc = false, rc = false;
  for (size_t i = 0; i < l.size(); ++i) {
    auto t = wider_common_type(l[i]->type, r[i]->type);
    if (!t) {
      c.fail(generic_error("INCOMPATIBLE_COLUMN_TYPE", "42825",
                           std::string(op) + " can only be performed on tables with compatible column types. The " +
                               ordinal_number(static_cast<int>(i)) + " column of the second table is \"" +
                               r[i]->type.sql() + "\" type which is not compatible with \"" + l[i]->type.sql() +
                               "\" at the same column of the first table."));
      return nullptr;
    }
    auto widen = [&](const ExprPtr& a, bool& changed) -> ExprPtr {
      if (a->type == *t) return a;
      changed = true;
      return alias(cast(a, *t, false), a->name, c.ids.next());
    };
    lp.push_back(widen(l[i], lc));
    rp.push_back(widen(r[i], rc));
  }
  LogicalPlan n = u;
  if (u.kind == PlanKind::Union) n.flag = n.flag2 = false;
  n.children = {lc ? project(left, lp) : left, rc || by_name ? project(right, rp) : right};
  if (by_name && !rc) n.children[1] = right;
  return make_plan(std::move(n));
}

std::vector<std::string> suggestions(const std::vector<std::string>& missing, const ExprList& input);

// Cast.canANSIStoreAssign: the casts DataFrame.to(schema) may insert.
bool can_store_assign(const DataType& from, const DataType& to) {
  auto datetime = [](const DataType& t) { return t.id == TypeId::Date || t.id == TypeId::Timestamp || t.id == TypeId::TimestampNtz; };
  if (from == to || from.id == TypeId::Null) return true;
  if (from.is_numeric() && to.is_numeric()) return true;
  if (from.is_atomic() && to.id == TypeId::String) return true;
  if (datetime(from) && datetime(to)) return true;
  if (from.id != to.id || !from.is_complex()) return false;
  if (from.fields.size() != to.fields.size() || from.children.size() != to.children.size()) return false;
  for (size_t i = 0; i < from.fields.size(); ++i)
    if ((from.fields[i].nullable && !to.fields[i].nullable) || !can_store_assign(from.fields[i].type, to.fields[i].type)) return false;
  for (size_t i = 0; i < from.children.size(); ++i)
    if (!can_store_assign(from.children[i], to.children[i])) return false;
  return true;
}

// Dataset.to(schema) (Project.matchSchema): the schema's columns by name in its order, each cast
// to its type when Spark's store assignment allows; missing nullable columns are NULL.
PlanPtr rewrite_to_schema(Ctx& c, const LogicalPlan& n) {
  const ExprList in = n.children[0]->output();
  ExprList list;
  for (const auto& f : n.exprs[0]->type.fields) {
    ExprList hits;
    for (const auto& a : in) if (name_eq(c, a->name, f.name)) hits.push_back(a);
    if (hits.empty()) {
      if (f.nullable) { list.push_back(alias(lit_null(f.type), f.name, c.ids.next())); continue; }
      c.fail(unresolved_column(to_sql_id({f.name}), suggestions({f.name}, in)));
      return nullptr;
    }
    if (hits.size() > 1) {
      c.fail(generic_error("AMBIGUOUS_COLUMN_OR_FIELD", "42702", "Column or field " + to_sql_id({f.name}) + " is ambiguous and has " +
                                                                     std::to_string(hits.size()) + " matches."));
      return nullptr;
    }
    const ExprPtr& a = hits[0];
    if (a->nullable && !f.nullable) {
      c.fail(generic_error("NULLABLE_COLUMN_OR_FIELD", "42000", "Column or field " + to_sql_id({a->name}) +
                                                                   " is nullable while it's required to be non-nullable."));
      return nullptr;
    }
    if (!can_store_assign(a->type, f.type)) {
      c.fail(generic_error("INVALID_COLUMN_OR_FIELD_DATA_TYPE", "42000",
                           "Column or field " + to_sql_id({a->name}) + " is of type \"" + a->type.sql() +
                               "\" while it's required to be \"" + f.type.sql() + "\"."));
      return nullptr;
    }
    ExprPtr e = a->type == f.type ? a : cast(a, f.type, true);
    list.push_back(e == a && a->name == f.name ? a : alias(e, f.name, c.ids.next()));
  }
  return project(n.children[0], list);
}

// Rule: rewrite withColumns / renames / drop / toDF / dedup names / USING joins / unions.
// ResolvePivot: groupBy(g).pivot(p, values).agg(a…) becomes one Aggregate computing, for every
// value v and aggregate a, a with each aggregate function's inputs x replaced by
// IF(p <=> CAST(v AS p's type), x, NULL) (first/last then ignore NULLs), named `v` for one
// aggregate, else `v_<a's name>` ("null" for a NULL value). The decoder keeps p and the values in
// the node's data_attrs (name "pivot"); pivot() without values asked for them first (Python).
PlanPtr rewrite_pivot(Ctx& c, const LogicalPlan& n) {
  if (n.data_attrs.empty()) return nullptr;
  ExprPtr pcol = resolve_expr(c, n.data_attrs[0], n, n.children[0]->output());
  if (!pcol->resolved()) return nullptr;
  const size_t ng = n.flag2 ? 0 : n.groups.size();
  for (const auto& g : n.groups) if (!g->resolved()) return nullptr;
  ExprList aggs(n.exprs.begin() + long(ng), n.exprs.end());
  ExprList out(n.exprs.begin(), n.exprs.begin() + long(ng));
  ExprList groups = n.groups;
  if (n.flag2) {  // SQL's PIVOT: grouped by the columns neither the aggregates nor the pivot column read
    std::set<int64_t> used;
    auto note = [&](const ExprPtr& e) { foreach_expr(e, [&](const Expr& x) { if (x.kind == ExprKind::Attribute) used.insert(x.id); }); };
    note(pcol);
    for (const auto& a : aggs) note(a);
    for (const auto& a : n.children[0]->output())
      if (!used.count(a->id)) { groups.push_back(a); out.push_back(a); }
  }
  auto fail_on = [&](const ExprOrError& r) -> ExprPtr {
    if (auto* err = std::get_if<AnalysisError>(&r)) { c.fail(*err); return nullptr; }
    return std::get<ExprPtr>(r);
  };
  for (size_t vi = 1; vi < n.data_attrs.size(); ++vi) {
    ExprPtr v = n.data_attrs[vi];
    std::string vname;
    if (v->kind == ExprKind::Alias) { vname = v->name; v = v->children[0]; }
    if (v->kind != ExprKind::Literal) {
      c.fail(generic_error("NON_LITERAL_PIVOT_VALUES", "42K08",
                           "Literal expressions required for pivot values, found " + to_sql_expr(v->sql()) + "."));
      return nullptr;
    }
    // Named by the value's alias, else the value cast to a string ("null" for NULL).
    if (vname.empty()) vname = v->value.is_null() ? "null" : value_to_string(v->value, v->type);
    ExprPtr vc = v->type == pcol->type ? v : cast(v, pcol->type, false);
    ExprPtr cond = fail_on(resolve_function(*unresolved_fn("<=>", {pcol, vc})));
    if (!cond) return nullptr;
    for (const auto& a : aggs) {
      bool bad = false;
      ExprPtr body = a->kind == ExprKind::Alias ? a->children[0] : a;
      ExprPtr f = transform_down(body, [&](const ExprPtr& x) -> ExprPtr {
        if (x->kind != ExprKind::AggCall || bad) return nullptr;
        auto y = std::make_shared<Expr>(*x);
        for (auto& ch : y->children) {
          ExprPtr iff = fail_on(resolve_function(*unresolved_fn("if", {cond, ch, lit_null()})));
          if (!iff) { bad = true; return nullptr; }
          ch = iff;
        }
        if (y->name == "first" || y->name == "last") y->ignore_nulls = true;
        // children rebuilt: stop transform_down from wrapping the new IFs again
        auto done = std::make_shared<Expr>(*y);
        done->kind = ExprKind::AggCall;
        return done;
      });
      if (bad) return nullptr;
      std::string name = aggs.size() == 1 ? vname : vname + "_" + (a->kind == ExprKind::Alias ? a->name : a->sql());
      out.push_back(alias(f, name, c.ids.next()));
    }
  }
  LogicalPlan p = n;
  p.name.clear();
  p.data_attrs.clear();
  p.flag2 = false;
  p.groups = groups;
  p.exprs = out;
  return make_plan(std::move(p));
}

PlanPtr rewrite_node(Ctx& c, const PlanPtr& n) {
  {
    if (!children_resolved(*n) || c.error) return nullptr;
    // drop(col("x")) of a column the input lacks drops nothing (ResolveDataFrameDropColumns);
    // an ambiguous one failed while resolving
    for (const auto& e : n->exprs)
      if (!e->resolved() && !(n->kind == PlanKind::Drop && e->kind == ExprKind::UnresolvedAttribute)) return nullptr;
    ExprList in = n->children.empty() ? ExprList{} : n->children[0]->output();
    switch (n->kind) {
      case PlanKind::WithColumns: {
        ExprList list = in;
        for (const auto& a : n->exprs) {
          auto it = std::find_if(list.begin(), list.end(), [&](const ExprPtr& x) { return name_eq(c, to_attribute(x)->name, a->name); });
          if (it != list.end()) *it = a;
          else list.push_back(a);
        }
        return project(n->children[0], list);
      }
      case PlanKind::Summary: {
        if (is_unpivot_node(*n)) return rewrite_unpivot(*n, c.ids, c.error);
        if (n->name == "toSchema") return rewrite_to_schema(c, *n);
        if (!is_na_node(*n)) return rewrite_summary(*n, c.ids, c.error);
        // Dataset.resolve: the name as written (`a.b`, backticks) in the child's output, else
        // UNRESOLVED_COLUMN.WITH_SUGGESTION listing every column
        auto resolve = [&](const std::string& s) -> ExprPtr {
          auto parts = parse_identifier(s);
          if (!parts) { c.fail(generic_error("PARSE_SYNTAX_ERROR", "42601", parts.error_message())); return nullptr; }
          ExprPtr e = parts->empty() ? nullptr : resolve_name(c, *parts, in);
          if (!e && !c.error) {
            std::vector<std::string> fields;
            for (const auto& a : in) fields.push_back(to_sql_id({a->name}));
            c.fail(unresolved_column(to_sql_id(*parts), fields));
          }
          return e;
        };
        return rewrite_na(*n, c.ids, resolve, c.error);
      }
      case PlanKind::Aggregate: {
        if (n->name == "pivot") return rewrite_pivot(c, *n);
        if (n->grouping_sets.empty()) return nullptr;
        for (const auto& g : n->groups) if (!g->resolved()) return nullptr;
        return expand_grouping_sets(*n, c.ids);
      }
      case PlanKind::RenameColumns: {
        ExprList list;
        for (const auto& a : in) {
          auto it = std::find_if(n->renames.begin(), n->renames.end(), [&](const auto& r) { return name_eq(c, a->name, r.first); });
          list.push_back(it == n->renames.end() ? a : alias(a, it->second, c.ids.next()));
        }
        return project(n->children[0], list);
      }
      case PlanKind::Drop: {
        ExprList list;
        for (const auto& a : in) {
          bool drop = std::any_of(n->names.begin(), n->names.end(), [&](const std::string& s) { return name_eq(c, a->name, s); }) ||
                      std::any_of(n->exprs.begin(), n->exprs.end(), [&](const ExprPtr& e) { return e->kind == ExprKind::Attribute && e->id == a->id; });
          if (!drop) list.push_back(a);
        }
        return project(n->children[0], list);
      }
      case PlanKind::ToDF: {
        if (n->flag && n->names.size() != in.size()) {  // UnresolvedSubqueryColumnAliases
          c.fail(generic_error("_LEGACY_ERROR_TEMP_1028", "", "Number of column aliases does not match number of columns. "
                               "Number of column aliases: " + std::to_string(n->names.size()) +
                               "; number of columns: " + std::to_string(in.size()) + "."));
          c.error->message = c.error->message.substr(c.error->message.find("] ") + 2);
          return nullptr;
        }
        if (n->names.size() != in.size()) {
          std::string old, neu;
          for (size_t i = 0; i < in.size(); ++i) old += (i ? ", " : "") + in[i]->name;
          for (size_t i = 0; i < n->names.size(); ++i) neu += (i ? ", " : "") + n->names[i];
          c.fail(generic_error("_LEGACY_ERROR_TEMP_TODF", "", "requirement failed: The number of columns doesn't match.\nOld column names (" +
                               std::to_string(in.size()) + "): " + old + "\nNew column names (" +
                               std::to_string(n->names.size()) + "): " + neu));
          c.error->message = c.error->message.substr(c.error->message.find("] ") + 2);
          return nullptr;
        }
        ExprList list;
        for (size_t i = 0; i < in.size(); ++i)
          list.push_back(in[i]->name == n->names[i] && !n->flag ? in[i] : alias(in[i], n->names[i], c.ids.next()));
        return project(n->children[0], list);
      }
      case PlanKind::Deduplicate: {
        if (n->names.empty()) return nullptr;
        ExprList keys;
        for (const auto& s : n->names) {
          bool any = false;
          for (const auto& a : in) if (name_eq(c, a->name, s)) { keys.push_back(a); any = true; }
          if (!any) {
            std::string fields;
            for (size_t i = 0; i < in.size(); ++i) fields += (i ? ", " : "") + in[i]->name;
            c.fail(generic_error("UNRESOLVED_COLUMN_AMONG_FIELD_NAMES", "42703",
                                 "Cannot resolve column name \"" + s + "\" among (" + fields + ")."));
            return nullptr;
          }
        }
        LogicalPlan d = *n;
        d.names.clear();
        d.exprs = keys;
        return make_plan(std::move(d));
      }
      case PlanKind::Join: {
        if (n->flag) {  // NATURAL JOIN: USING the columns both sides have, in the left's order
          LogicalPlan j = *n;
          j.flag = false;
          for (const auto& a : n->children[0]->output())
            for (const auto& b : n->children[1]->output())
              if (name_eq(c, a->name, b->name) &&
                  std::none_of(j.names.begin(), j.names.end(), [&](const std::string& s) { return name_eq(c, s, a->name); }))
                j.names.push_back(a->name);
          if (j.names.empty()) return make_plan(std::move(j));
          return rewrite_using_join(c, j);
        }
        return n->names.empty() ? nullptr : rewrite_using_join(c, *n);
      }
      case PlanKind::Project: {
        // Spark's GlobalAggregates: a select list with aggregates is an Aggregate without groups.
        bool agg = false;
        for (const auto& e : n->exprs) agg |= has_aggregate_outside_window(e);
        if (!agg) return nullptr;
        LogicalPlan a = *n;
        a.kind = PlanKind::Aggregate;
        return make_plan(std::move(a));
      }
      case PlanKind::Union:
        if (!n->flag && !n->flag2) {
          auto l = n->children[0]->output(), r = n->children[1]->output();
          bool same = l.size() == r.size();
          for (size_t i = 0; same && i < l.size(); ++i) same = l[i]->type == r[i]->type;
          if (same) return nullptr;
        }
        return rewrite_union(c, *n);
      case PlanKind::Sample: {
        // randomSplit (deterministicOrder): each partition sorted by its orderable columns first,
        // so every split samples the same row order (Dataset.randomSplit's local Sort)
        if (!n->flag2) return nullptr;
        LogicalPlan sort;
        sort.kind = PlanKind::Sort;
        for (const auto& a : in)
          if (a->type.is_atomic()) sort.exprs.push_back(sort_order(a, true, true));
        LogicalPlan s = *n;
        s.flag2 = false;
        if (!sort.exprs.empty()) {
          sort.children = n->children;
          s.children = {make_plan(std::move(sort))};
        }
        return make_plan(std::move(s));
      }
      case PlanKind::Offset: return rewrite_offset(*n, c.ids);
      case PlanKind::Tail: return rewrite_tail(*n, c.ids);
      case PlanKind::Intersect: case PlanKind::Except: {
        // widened as a union first (WidenSetOperationTypes), then ALL rewritten
        auto l = n->children[0]->output(), r = n->children[1]->output();
        bool same = l.size() == r.size();
        for (size_t i = 0; same && i < l.size(); ++i) same = l[i]->type == r[i]->type;
        if (!same) return rewrite_union(c, *n);
        return n->flag ? rewrite_set_operation_all(*n, c.ids) : nullptr;
      }
      default: return nullptr;
    }
  }
}

PlanPtr rule_rewrite_nodes(Ctx& c, const PlanPtr& plan) {
  return plan_transform_up(plan, [&](const PlanPtr& n) -> PlanPtr {
    PlanPtr r = rewrite_node(c, n);
    // The rewrite keeps the DataFrame's Connect planId, so df["x"] still finds its columns.
    if (!r || r->plan_id >= 0 || n->plan_id < 0) return r;
    auto m = std::make_shared<LogicalPlan>(*r);
    m->plan_id = n->plan_id;
    return m;
  });
}

// SQL clauses naming what their input lacks (Spark's ResolveAggregateFunctions and
// ResolveMissingReferences): HAVING / ORDER BY over an Aggregate may use aggregates and grouping
// columns the select list lacks, ORDER BY over a projection may use columns it dropped; the
// missing ones join the child's list and a projection on top restores the output. ORDER BY
// positions (`ORDER BY 1`) name the child's output columns.
PlanPtr rule_resolve_sql_clauses(Ctx& c, const PlanPtr& plan) {
  return plan_transform_up(plan, [&](const PlanPtr& n) -> PlanPtr {
    if (c.error || !children_resolved(*n)) return nullptr;
    bool having = n->kind == PlanKind::Filter && n->flag;
    if (!having && n->kind != PlanKind::Sort) return nullptr;
    const PlanPtr& child = n->children[0];
    ExprList exprs = n->exprs;
    bool changed = false;
    if (n->kind == PlanKind::Sort) {
      ExprList out = child->output();
      for (auto& o : exprs) {
        const ExprPtr& k = o->children[0];
        if (k->kind != ExprKind::Literal || k->ordinal <= 0) continue;
        if (k->ordinal > static_cast<int>(out.size())) {
          c.fail(generic_error("ORDER_BY_POS_OUT_OF_RANGE", "42805", "ORDER BY position " + std::to_string(k->ordinal) +
                                   " is not in select list (valid range is [1, " + std::to_string(out.size()) + "])."));
          return nullptr;
        }
        o = o->with_children({out[static_cast<size_t>(k->ordinal - 1)]});
        changed = true;
      }
    }
    // What the node's own input has (a child rewritten in this pass) binds there first, as
    // rule_resolve_expressions would next pass; only the rest may reach below the aggregate.
    for (auto& e : exprs)
      if (!e->resolved()) {
        ExprPtr r = resolve_expr(c, e, *n, child->output());
        changed |= r != e;
        e = r;
      }
    if (c.error) return nullptr;
    // The Aggregate may sit below Filters and attribute-only projections (a HAVING rewritten
    // before this ORDER BY); the added columns are passed up through them.
    std::vector<PlanPtr> chain;
    PlanPtr target = child;
    while (target->kind == PlanKind::Filter ||
           (target->kind == PlanKind::Project && target != child &&
            std::all_of(target->exprs.begin(), target->exprs.end(), [](const ExprPtr& e) { return e->kind == ExprKind::Attribute; })) ||
           (target->kind == PlanKind::Project && target == child && target->children[0]->kind == PlanKind::Filter &&
            std::all_of(target->exprs.begin(), target->exprs.end(), [](const ExprPtr& e) { return e->kind == ExprKind::Attribute; }))) {
      chain.push_back(target);
      target = target->children[0];
    }
    if (target->kind != PlanKind::Aggregate) { chain.clear(); target = child; }
    bool over_agg = target->kind == PlanKind::Aggregate;
    bool needs = false;
    for (const auto& e : exprs)
      needs |= !e->resolved() || (over_agg && any_expr(e, [](const Expr& x) { return x.kind == ExprKind::AggCall; }));
    if (!needs || (target->kind != PlanKind::Aggregate && target->kind != PlanKind::Project)) {
      if (!changed && !having) return nullptr;
      LogicalPlan m = *n;
      m.exprs = exprs;
      if (having && std::all_of(exprs.begin(), exprs.end(), [](const ExprPtr& e) { return e->resolved(); })) m.flag = false;
      if (!changed && m.flag) return nullptr;
      return make_plan(std::move(m));
    }
    ExprList below = input_of(*target);
    ExprList list = target->exprs;
    ExprList original = child->output();
    for (auto& e : exprs) e = resolve_expr(c, e, *target, below);
    if (c.error) return nullptr;
    for (const auto& e : exprs) if (!e->resolved()) return nullptr;  // CheckAnalysis reports it
    auto in_output = [&](const ExprPtr& a) {
      for (const auto& l : list) if (auto t = to_attribute(l); t && t->id == a->id) return true;
      return false;
    };
    for (auto& e : exprs) {
      e = transform_down(e, [&](const ExprPtr& x) -> ExprPtr {
        if (x->kind == ExprKind::AggCall && over_agg) {
          for (const auto& l : list)
            if (l->kind == ExprKind::Alias && expr_equal(*l->children[0], *x)) return to_attribute(l);
          auto a = alias(x, x->sql(), c.ids.next());
          list.push_back(a);
          return to_attribute(a);
        }
        if (x->kind == ExprKind::Attribute && !in_output(x)) list.push_back(x);
        return nullptr;
      });
    }
    LogicalPlan ch = *target;
    ExprList added;
    for (size_t k = target->exprs.size(); k < list.size(); ++k) added.push_back(to_attribute(list[k]));
    ch.exprs = list;
    PlanPtr rebuilt = make_plan(std::move(ch));
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      LogicalPlan x = **it;
      if (x.kind == PlanKind::Project) x.exprs.insert(x.exprs.end(), added.begin(), added.end());
      x.children = {rebuilt};
      rebuilt = make_plan(std::move(x));
    }
    LogicalPlan m = *n;
    m.flag = n->kind == PlanKind::Sort ? n->flag : false;
    m.exprs = exprs;
    m.children = {rebuilt};
    PlanPtr top = make_plan(std::move(m));
    return added.empty() ? top : project(top, original);
  });
}

// Rule (subqueries, once their own names are resolved as far as they go): a name still
// unresolved that the enclosing query's input has becomes an OuterReference.
PlanPtr rule_resolve_outer(Ctx& c, const PlanPtr& plan) {
  return plan_transform_up(plan, [&](const PlanPtr& n) -> PlanPtr {
    if (!children_resolved(*n) || c.error) return nullptr;
    auto outer = [&](const ExprPtr& e) {
      return transform_up(e, [&](const ExprPtr& x) -> ExprPtr {
        if (x->kind != ExprKind::UnresolvedAttribute) return nullptr;
        ExprPtr a = resolve_name(c, x->name_parts, *c.opts.outer);
        return a ? outer_ref(a) : nullptr;
      });
    };
    ExprList e, g;
    for (const auto& x : n->exprs) e.push_back(outer(x));
    for (const auto& x : n->groups) g.push_back(outer(x));
    if (lists_same(e, n->exprs) && lists_same(g, n->groups)) return nullptr;
    return n->with_exprs(std::move(e), std::move(g));
  });
}

size_t levenshtein(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// UNRESOLVED_COLUMN proposal (StringUtils.orderSuggestedIdentifiersBySimilarity): the node's
// input as qualified names, the qualifier left out when all share it (a table's namespace when
// all share that and the name has at most two parts), ordered by edit distance of the quoted
// name to the missing one.
std::vector<std::string> suggestions(const std::vector<std::string>& missing, const ExprList& input) {
  std::vector<std::vector<std::string>> names;
  for (const auto& a : input) names.push_back(qualified(*a));
  auto all_share = [&](size_t drop) {
    for (const auto& n : names) {
      const auto& f = names.front();
      if (std::vector<std::string>(n.begin(), n.end() - long(std::min(drop, n.size()))) !=
          std::vector<std::string>(f.begin(), f.end() - long(std::min(drop, f.size()))))
        return false;
    }
    return true;
  };
  size_t keep = 0;  // 0 = whole names
  if (!names.empty() && missing.size() == 1 && all_share(1)) keep = 1;
  else if (!names.empty() && missing.size() <= 2 && all_share(2)) keep = 2;
  std::string base;
  for (size_t i = 0; i < missing.size(); ++i) base += (i ? "." : "") + quote_if_needed(missing[i]);  // UnresolvedAttribute.sql
  std::vector<std::pair<size_t, std::string>> c;
  for (auto n : names) {
    if (keep && n.size() > keep) n.erase(n.begin(), n.end() - long(keep));
    const std::string id = to_sql_id(n);
    c.emplace_back(levenshtein(id, base), id);
  }
  std::stable_sort(c.begin(), c.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (size_t i = 0; i < c.size() && i < 5; ++i) out.push_back(c[i].second);
  return out;
}

// CheckAnalysis: the first unresolved thing, reported as Spark does.
std::optional<AnalysisError> check_analysis(const PlanPtr& plan) {
  std::optional<AnalysisError> err;
  std::function<void(const PlanPtr&)> visit = [&](const PlanPtr& p) {
    for (const auto& ch : p->children) { visit(ch); if (err) return; }
    ExprList input = input_of(*p);
    auto check = [&](const ExprPtr& e) {
      foreach_expr(e, [&](const Expr& x) {
        if (err) return;
        if (x.kind == ExprKind::UnresolvedAttribute) {
          auto s = suggestions(x.name_parts, input);
          err = unresolved_column(to_sql_id(x.name_parts), s);
        } else if (x.kind == ExprKind::ExpressionString) {
          err = generic_error("UNSUPPORTED_FEATURE.SQL_EXPRESSION", "0A000",
                              "SQL expression strings are not supported yet: " + to_sql_expr(x.name) + ".");
        } else if (x.kind == ExprKind::UnresolvedStar) {
          err = generic_error("INVALID_USAGE_OF_STAR_OR_REGEX", "42000", "Invalid usage of '*' in expression.");
        }
      });
    };
    for (const auto& e : p->exprs) check(e);
    for (const auto& e : p->groups) check(e);
    if (!err) err = check_python_udfs(*p);
    if (err) return;
    for (const auto& e : p->exprs)
      if (auto w = check_window_functions(e)) { err = w; return; }
    for (const auto& e : p->exprs)
      if (any_expr(e, [](const Expr& x) { return x.kind == ExprKind::Call && (x.name == "grouping" || x.name == "grouping_id"); })) {
        err = generic_error("UNSUPPORTED_GROUPING_EXPRESSION", "42K0E",
                            "grouping()/grouping_id() can only be used with GroupingSets/Cube/Rollup.");
        return;
      }
    if (auto s = opt::check_subqueries(*p)) { err = s; return; }
    if (p->kind == PlanKind::Filter && p->exprs[0]->resolved() && p->exprs[0]->type.id != TypeId::Boolean &&
        p->exprs[0]->type.id != TypeId::Null) {
      err = generic_error("DATATYPE_MISMATCH.FILTER_NOT_BOOLEAN", "42K09",
                          "Cannot resolve " + to_sql_expr(p->exprs[0]->sql()) + " due to data type mismatch: Filter expression " +
                              to_sql_expr(p->exprs[0]->sql()) + " of type \"" + p->exprs[0]->type.sql() + "\" is not a boolean.");
      return;
    }
    if (p->kind == PlanKind::Aggregate && p->resolved()) {
      // Every column outside an aggregate must be a grouping expression.
      std::function<bool(const ExprPtr&)> ok = [&](const ExprPtr& e) -> bool {
        if (e->kind == ExprKind::AggCall || e->kind == ExprKind::Literal || is_lambda_var(*e)) return true;
        if (e->kind == ExprKind::PythonUDF && e->python->eval_type == 202) return true;  // a pandas aggregate
        for (const auto& g : p->groups) if (expr_equal(*g, *e)) return true;
        if (e->kind == ExprKind::ScalarSubquery && !subquery_outer_attrs(*e).empty()) {
          err = generic_error("SCALAR_SUBQUERY_IS_IN_GROUP_BY_OR_AGGREGATE_FUNCTION", "",
                              "The correlated scalar subquery '" + to_sql_expr(e->sql()) +
                                  "' is neither present in GROUP BY, nor in an aggregate function. Add it to GROUP BY "
                                  "using ordinal position or wrap it in `first()` (or `first_value`) if you don't care "
                                  "which value you get.");
          return false;
        }
        if (e->kind == ExprKind::Attribute) {
          err = missing_aggregation(to_sql_expr(e->name), to_sql_expr("any_value(" + e->name + ")"));
          return false;
        }
        for (const auto& ch : e->children) if (!ok(ch)) return false;
        return true;
      };
      for (const auto& e : p->exprs) {
        ExprPtr x = e->kind == ExprKind::Alias ? e->children[0] : e;
        if (!ok(x)) return;
      }
    }
    if (!err && !p->resolved() && p->kind == PlanKind::UnresolvedRelation)
      err = table_not_found(p->name);
  };
  visit(plan);
  return err;
}

}  // namespace

Analyzed analyze(const PlanPtr& plan, IdGen& ids, const AnalyzerOptions& opts) {
  Ctx c{ids, opts, std::nullopt};
  PlanPtr cur = plan;
  for (int iter = 0; iter < 100; ++iter) {
    PlanPtr next = rule_resolve_relations(c, cur);
    next = rule_resolve_expressions(c, next);
    next = rule_rewrite_nodes(c, next);
    next = rule_resolve_sql_clauses(c, next);
    if (!c.error) next = extract_generators(next, c.ids, c.error);
    if (!c.error) next = extract_windows(next, c.ids, c.error);
    if (c.error) return {next, c.error};
    if (next == cur && opts.outer) next = rule_resolve_outer(c, cur);
    if (c.error) return {next, c.error};
    if (next == cur) break;  // fixed point: no rule changed anything
    cur = next;
  }
  if (auto err = check_analysis(cur)) return {cur, err};
  if (!cur->resolved()) return {cur, generic_error("INTERNAL_ERROR", "XX000", "The plan could not be resolved:\n" + cur->tree_string())};
  return {cur, std::nullopt};
}

DataType plan_schema(const PlanPtr& plan) {
  std::vector<StructField> fs;
  for (const auto& a : plan->output())
    fs.push_back(StructField{a->name, a->type, a->nullable, a->metadata.empty() ? "{}" : a->metadata});
  return DataType::structure(std::move(fs));
}

}  // namespace spp::sql
