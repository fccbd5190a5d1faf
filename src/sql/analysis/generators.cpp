// ExtractGenerator: select-list generators to Generate nodes (see generators.h).
#include "sql/analysis/generators.h"

#include <algorithm>

namespace spp::sql {
namespace {

bool is_gen(const Expr& e) { return e.kind == ExprKind::Call && is_generator_name(e.name); }
bool has_generator(const ExprPtr& e) { return any_expr(e, is_gen); }

// A select item that is a generator, possibly named: Alias (one name), MultiAlias (names,
// empty when the analyzer gave none).
struct AliasedGenerator {
  ExprPtr generator;
  std::vector<std::string> names;
};

std::optional<AliasedGenerator> aliased_generator(const ExprPtr& e) {
  if (e->kind == ExprKind::Alias && is_gen(*e->children[0])) return AliasedGenerator{e->children[0], {e->name}};
  if (e->kind == ExprKind::MultiAlias && is_gen(*e->children[0])) return AliasedGenerator{e->children[0], e->name_parts};
  if (is_gen(*e)) return AliasedGenerator{e, {}};
  return std::nullopt;
}

ExprPtr trim_alias(const ExprPtr& e) {
  return e->kind == ExprKind::Alias || e->kind == ExprKind::MultiAlias ? e->children[0] : e;
}

// A generator below something else in the item (`upper(explode(a))`, `explode(explode(a))`).
bool has_nested_generator(const ExprPtr& e) {
  if (auto g = aliased_generator(e))
    return std::any_of(g->generator->children.begin(), g->generator->children.end(), has_generator);
  return has_generator(e);
}

AnalysisError nested_error(const ExprPtr& item) {
  return generic_error("UNSUPPORTED_GENERATOR.NESTED_IN_EXPRESSIONS", "0A000",
                       "The generator is not supported: nested in expressions " + to_sql_expr(trim_alias(item)->sql()) + ".");
}

// Spark's canRewriteGenerator: every other item resolved, the generator's arguments resolved.
bool can_rewrite(const ExprList& items) {
  return std::all_of(items.begin(), items.end(), [](const ExprPtr& e) {
    if (auto g = aliased_generator(e))
      return std::all_of(g->generator->children.begin(), g->generator->children.end(),
                         [](const ExprPtr& c) { return c->resolved(); });
    return e->resolved();
  });
}

PlanPtr make_node(PlanKind k, ExprList exprs, std::vector<PlanPtr> children) {
  LogicalPlan p;
  p.kind = k;
  p.exprs = std::move(exprs);
  p.children = std::move(children);
  return make_plan(std::move(p));
}

// Project(items with a generator) -> Project(items, Generate(child)), the first generator only.
PlanPtr rewrite_project(const PlanPtr& n, IdGen& ids, std::optional<AnalysisError>& error) {
  ExprList list;
  PlanPtr gen;
  for (const auto& e : n->exprs) {
    auto g = gen ? std::nullopt : aliased_generator(e);
    if (!g) { list.push_back(e); continue; }
    auto schema = generator_element_schema(*g->generator);
    if (!g->names.empty() && g->names.size() != schema.size()) {
      std::string names;
      for (size_t i = 0; i < g->names.size(); ++i) names += (i ? "," : "") + g->names[i];
      error = generic_error("UDTF_ALIAS_NUMBER_MISMATCH", "",
                            "The number of aliases supplied in the AS clause does not match the number of columns output "
                            "by the UDTF. Expected " + std::to_string(schema.size()) + " aliases, but got " + names +
                                ". Please ensure that the number of aliases provided matches the number of columns output by the UDTF.");
      return nullptr;
    }
    // explode_outer(x) is Generate(explode(x), outer = true), as Spark's GeneratorOuter.
    const std::string& fn = g->generator->name;
    const bool outer = fn.size() > 6 && fn.compare(fn.size() - 6, 6, "_outer") == 0;
    auto call = std::make_shared<Expr>(*g->generator);
    if (outer) call->name = fn.substr(0, fn.size() - 6);
    LogicalPlan p;
    p.kind = PlanKind::Generate;
    p.exprs = {call};
    p.flag = outer;
    p.children = {n->children[0]};
    for (size_t i = 0; i < schema.size(); ++i)
      p.output_attrs.push_back(attr(g->names.empty() ? schema[i].name : g->names[i], schema[i].type,
                                    outer || schema[i].nullable, ids.next()));
    list.insert(list.end(), p.output_attrs.begin(), p.output_attrs.end());
    gen = make_plan(std::move(p));
  }
  return make_node(PlanKind::Project, std::move(list), {gen});
}

// Aggregate(…, generator(args), …) -> Project(…, generator(_gen_input_i), …) over the
// aggregate computing the arguments (Spark's ExtractGenerator for Aggregate).
PlanPtr rewrite_aggregate(const PlanPtr& n, IdGen& ids) {
  ExprList project_list, agg_list;
  for (const auto& e : n->exprs) {
    auto g = aliased_generator(e);
    if (!g) {
      project_list.push_back(to_attribute(e) ? to_attribute(e) : e);
      agg_list.push_back(e);
      continue;
    }
    ExprList args;
    for (size_t i = 0; i < g->generator->children.size(); ++i) {
      const ExprPtr& a = g->generator->children[i];
      if (a->foldable()) { args.push_back(a); continue; }
      auto in = alias(a, "_gen_input_" + std::to_string(i), ids.next());
      agg_list.push_back(in);
      args.push_back(to_attribute(in));
    }
    auto gen = g->generator->with_children(args);
    if (g->names.size() == 1) {
      project_list.push_back(alias(gen, g->names[0], ids.next()));
    } else {
      auto m = std::make_shared<Expr>();
      m->kind = ExprKind::MultiAlias;
      m->name_parts = g->names;
      m->children = {gen};
      project_list.push_back(m);
    }
  }
  auto agg = std::make_shared<LogicalPlan>(*n);
  agg->exprs = std::move(agg_list);
  return make_node(PlanKind::Project, std::move(project_list), {agg});
}

}  // namespace

std::vector<StructField> generator_element_schema(const Expr& g) {
  std::vector<StructField> out;
  if (g.name.rfind("posexplode", 0) == 0) out.push_back({"pos", DataType::int_(), false, "{}"});
  const DataType& t = g.children.at(0)->type;
  if (g.name.rfind("inline", 0) == 0) {  // the struct elements' fields
    if (t.id == TypeId::Array && t.element().id == TypeId::Struct)
      for (const auto& f : t.element().fields) out.push_back({f.name, f.type, f.nullable || t.contains_null, "{}"});
    return out;
  }
  if (t.id == TypeId::Map) {
    out.push_back({"key", t.key(), false, "{}"});
    out.push_back({"value", t.value(), t.contains_null, "{}"});
  } else {
    out.push_back({"col", t.id == TypeId::Array ? t.element() : DataType::null(), t.contains_null, "{}"});
  }
  return out;
}

PlanPtr extract_generators(const PlanPtr& plan, IdGen& ids, std::optional<AnalysisError>& error) {
  return plan_transform_up(plan, [&](const PlanPtr& n) -> PlanPtr {
    if (error) return nullptr;
    for (const auto& c : n->children) if (!c->resolved()) return nullptr;
    auto gens = std::count_if(n->exprs.begin(), n->exprs.end(), has_generator);
    if (gens == 0) return nullptr;
    switch (n->kind) {
      case PlanKind::Project: {
        for (const auto& e : n->exprs)
          if (has_nested_generator(e)) { error = nested_error(e); return nullptr; }
        return can_rewrite(n->exprs) ? rewrite_project(n, ids, error) : nullptr;
      }
      case PlanKind::Aggregate: {
        for (const auto& e : n->exprs)
          if (has_nested_generator(e)) { error = nested_error(e); return nullptr; }
        if (gens > 1) {
          std::string list;
          for (const auto& e : n->exprs)
            if (has_generator(e)) list += (list.empty() ? "" : ", ") + to_sql_expr(trim_alias(e)->sql());
          error = generic_error("UNSUPPORTED_GENERATOR.MULTI_GENERATOR", "0A000",
                                "The generator is not supported: only one generator allowed per SELECT clause but found " +
                                    std::to_string(gens) + ": " + list + ".");
          return nullptr;
        }
        return can_rewrite(n->exprs) && can_rewrite(n->groups) ? rewrite_aggregate(n, ids) : nullptr;
      }
      case PlanKind::Generate: return nullptr;
      default:
        if (n->unresolved_kind()) return nullptr;  // withColumns & co. become projections first
        if (!std::all_of(n->exprs.begin(), n->exprs.end(), [](const ExprPtr& e) { return e->resolved(); })) return nullptr;
        error = generic_error("UNSUPPORTED_GENERATOR.OUTSIDE_SELECT", "0A000",
                              "The generator is not supported: outside the SELECT clause, found: " + n->node_string() + ".");
        return nullptr;
    }
  });
}

}  // namespace spp::sql
