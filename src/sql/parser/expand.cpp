// expand_sql_text: the pass between the Connect decoder and the analyzer that parses SQL text
// held in plans (spark.sql leaves and expression strings).
#include <optional>

#include "sql/parser/parser.h"

namespace spp::sql::parser {

std::variant<PlanPtr, SqlTextError> expand_sql_text(const PlanPtr& plan, IdGen& ids) {
  std::optional<SqlTextError> failed;
  auto parse_exprs = [&](const ExprPtr& e) {
    return transform_up(e, [&](const ExprPtr& x) -> ExprPtr {
      if (x->kind != ExprKind::ExpressionString || failed) return nullptr;
      auto r = parse_expression(x->name, ids);
      if (auto* err = std::get_if<ParseError>(&r)) {
        failed = SqlTextError{*err, x->name};
        return nullptr;
      }
      return std::get<ExprPtr>(r);
    });
  };
  PlanPtr out = plan_transform_up(plan, [&](const PlanPtr& n) -> PlanPtr {
    if (failed) return nullptr;
    if (n->kind == PlanKind::UnparsedSql) {
      ParseArgs args;
      for (size_t k = 0; k < n->exprs.size(); ++k) {
        if (k < n->names.size()) args.named[n->names[k]] = n->exprs[k];
        else args.positional.push_back(n->exprs[k]);
      }
      auto r = parse_statement(n->name, ids, args);
      if (auto* err = std::get_if<ParseError>(&r)) {
        failed = SqlTextError{*err, n->name};
        return nullptr;
      }
      const Statement& st = std::get<Statement>(r);
      if (st.kind != StmtKind::Query) {
        ParseError e;
        e.error_class = "UNSUPPORTED_FEATURE";
        e.message = "[UNSUPPORTED_FEATURE] The feature is not supported: a command inside a query plan (sparkpp runs "
                    "commands from spark.sql directly).";
        failed = SqlTextError{e, n->name};
        return nullptr;
      }
      if (n->plan_id < 0) return st.plan;
      // Keep the DataFrame's planId (df["x"] of a spark.sql DataFrame) on the query's root.
      auto root = std::make_shared<LogicalPlan>(*st.plan);
      root->plan_id = n->plan_id;
      return root;
    }
    bool any = false;
    for (const auto& e : n->exprs) any |= any_expr(e, [](const Expr& x) { return x.kind == ExprKind::ExpressionString; });
    for (const auto& e : n->groups) any |= any_expr(e, [](const Expr& x) { return x.kind == ExprKind::ExpressionString; });
    if (!any) return nullptr;
    ExprList es, gs;
    for (const auto& e : n->exprs) es.push_back(parse_exprs(e));
    for (const auto& g : n->groups) gs.push_back(parse_exprs(g));
    return failed ? nullptr : n->with_exprs(std::move(es), std::move(gs));
  });
  if (failed) return *failed;
  return out;
}

}  // namespace spp::sql::parser
