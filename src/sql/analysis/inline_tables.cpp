// ResolveInlineTables + EvalInlineTables (Spark 3.5, ResolveInlineTables.scala), see inline_tables.h.
#include "sql/analysis/inline_tables.h"

#include "sql/coercion.h"

namespace spp::sql {

namespace {

// Spark's test: trimAliases(prepareForEval(e)).foldable, where CURRENT_LIKE expressions
// (current_date(), now(), …) are foldable (ComputeCurrentTime fixes them per query) though our
// Expr::foldable() keeps them out of constant folding.
bool evaluable(const ExprPtr& e) {
  if (e->foldable()) return true;
  switch (e->kind) {
    case ExprKind::Alias: case ExprKind::Cast: return evaluable(e->children[0]);
    case ExprKind::Call: {
      const std::string& n = e->name;
      if (n == "current_date" || n == "curdate" || n == "current_timestamp" || n == "now" || n == "localtimestamp")
        return true;
      if (!e->deterministic() || n == "raise_error" || n == "assert_true" || is_generator_name(n)) return false;
      for (const auto& c : e->children)
        if (!evaluable(c)) return false;
      return true;
    }
    default: return false;
  }
}

AnalysisError inline_error(const std::string& sub, const std::string& text) {
  return generic_error("INVALID_INLINE_TABLE." + sub, "", "Invalid inline table. " + text);
}

}  // namespace

PlanPtr resolve_inline_table(const LogicalPlan& table, IdGen& ids, std::optional<AnalysisError>& error) {
  const size_t width = table.names.size();
  // validateInputDimension
  for (size_t r = 0; r < table.exprs.size(); ++r) {
    const size_t k = table.exprs[r]->children.size();
    if (k != width) {
      error = inline_error("NUM_COLUMNS_MISMATCH", "Inline table expected " + std::to_string(width) +
                                                       " columns but found " + std::to_string(k) + " columns in row " +
                                                       std::to_string(r) + ".");
      return nullptr;
    }
  }
  // validateInputEvaluable
  for (const auto& row : table.exprs)
    for (const auto& e : row->children)
      if (!evaluable(e)) {
        error = inline_error("CANNOT_EVALUATE_EXPRESSION_IN_INLINE_TABLE",
                             "Cannot evaluate the expression " + to_sql_expr(e->sql()) + " in inline table definition.");
        return nullptr;
      }
  // findCommonTypesAndCast: a fold from NullType, as findWiderTypeWithoutStringPromotion
  LogicalPlan out;
  out.kind = PlanKind::LocalRelation;
  out.data_ref = "values";
  out.n = static_cast<int64_t>(width);
  out.plan_id = table.plan_id;
  std::vector<DataType> types(width, DataType::null());
  for (size_t k = 0; k < width; ++k) {
    bool nullable = false;
    for (const auto& row : table.exprs) {
      const ExprPtr& e = row->children[k];
      auto t = wider_type_without_string_promotion(types[k], e->type);
      if (!t) {
        error = inline_error("INCOMPATIBLE_TYPES_IN_INLINE_TABLE",
                             "Found incompatible types in the column " + to_sql_id({table.names[k]}) + " for inline table.");
        return nullptr;
      }
      types[k] = *t;
      nullable = nullable || e->nullable;
    }
    out.output_attrs.push_back(attr(table.names[k], types[k], nullable, ids.next()));
  }
  for (const auto& row : table.exprs)
    for (size_t k = 0; k < width; ++k) {
      ExprPtr e = row->children[k];
      while (e->kind == ExprKind::Alias) e = e->children[0];  // trimAliases
      out.exprs.push_back(e->type == types[k] ? e : cast(e, types[k], false));
    }
  return make_plan(std::move(out));
}

}  // namespace spp::sql
