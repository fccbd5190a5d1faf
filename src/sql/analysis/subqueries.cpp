// Subquery resolution: the subquery's plan is analysed on its own, names it cannot resolve
// looked up in the enclosing query (analyzer.cpp rule_resolve_outer), then the expression is
// typed and checked here.
#include "sql/analysis/subqueries.h"

#include <algorithm>

#include "sql/coercion.h"

namespace spp::sql {
namespace {

ExprList outer_attrs_of(const PlanPtr& plan) {
  ExprList out;
  plan_foreach(plan, [&](const LogicalPlan& n) {
    auto visit = [&](const ExprPtr& e) {
      foreach_expr(e, [&](const Expr& x) {
        if (x.kind != ExprKind::OuterReference) return;
        const ExprPtr& a = x.children[0];
        if (std::none_of(out.begin(), out.end(), [&](const ExprPtr& o) { return o->id == a->id; })) out.push_back(a);
      });
    };
    for (const auto& e : n.exprs) visit(e);
    for (const auto& e : n.groups) visit(e);
  });
  return out;
}

std::string sql_list(const ExprList& es) {
  std::string s;
  for (size_t i = 0; i < es.size(); ++i) s += (i ? ", " : "") + to_sql_expr(es[i]->sql());
  return s;
}

}  // namespace

ExprOrError resolve_subquery(const Expr& e, const ExprList& outer, IdGen& ids, const AnalyzerOptions& opts) {
  AnalyzerOptions sub = opts;
  sub.outer = &outer;
  Analyzed a = analyze(e.plan, ids, sub);
  if (a.error) return *a.error;
  auto r = std::make_shared<Expr>(e);
  r->plan = a.plan;
  r->id = ids.next();
  ExprList values = subquery_values(e), cols = a.plan->output();
  r->children = values;
  for (const auto& o : outer_attrs_of(a.plan)) r->children.push_back(o);
  switch (e.kind) {
    case ExprKind::ScalarSubquery:
      if (cols.size() != 1)
        return generic_error("INVALID_SUBQUERY_EXPRESSION.SCALAR_SUBQUERY_RETURN_MORE_THAN_ONE_OUTPUT_COLUMN", "42823",
                             "Invalid subquery: Scalar subquery must return only one column, but got " +
                                 std::to_string(cols.size()) + ".");
      r->type = cols[0]->type;
      r->nullable = true;
      break;
    case ExprKind::Exists:
      r->type = DataType::boolean();
      r->nullable = false;
      break;
    default: {
      auto mismatch = [&](const std::string& sub_class, const std::string& text) {
        return generic_error("DATATYPE_MISMATCH." + sub_class, "42K09",
                             "Cannot resolve " + to_sql_expr(r->sql()) + " due to data type mismatch: " + text);
      };
      if (values.size() != cols.size())
        return mismatch("IN_SUBQUERY_LENGTH_MISMATCH",
                        "The number of columns in the left hand side of an IN subquery does not match the number of "
                        "columns in the output of subquery. Left hand side columns(length: " + std::to_string(values.size()) +
                            "): [" + sql_list(values) + "], right hand side columns(length: " + std::to_string(cols.size()) +
                            "): [" + sql_list(cols) + "].");
      // InConversion: each value and its column meet at their wider type.
      ExprList casts = cols;
      bool cast_cols = false;
      std::string mismatched, lt, rt;
      for (size_t i = 0; i < values.size(); ++i) {
        lt += std::string(i ? ", " : "") + "\"" + values[i]->type.sql() + "\"";
        rt += std::string(i ? ", " : "") + "\"" + cols[i]->type.sql() + "\"";
        if (values[i]->type == cols[i]->type) continue;
        auto w = wider_common_type(values[i]->type, cols[i]->type);
        if (!w) {
          mismatched += (mismatched.empty() ? "(" : ", (") + values[i]->sql() + ":" + values[i]->type.catalog_string() + ", " +
                        cols[i]->sql() + ":" + cols[i]->type.catalog_string() + ")";
          continue;
        }
        if (values[i]->type != *w) r->children[i] = cast(values[i], *w);
        if (cols[i]->type != *w) {
          casts[i] = alias(cast(cols[i], *w), cols[i]->name, ids.next());
          cast_cols = true;
        }
      }
      if (!mismatched.empty())
        return mismatch("IN_SUBQUERY_DATA_TYPE_MISMATCH",
                        "The data type of one or more elements in the left hand side of an IN subquery is not compatible "
                        "with the data type of the output of the subquery. Mismatched columns: [" + mismatched +
                            "], left side: [" + lt + "], right side: [" + rt + "].");
      if (cast_cols) {
        LogicalPlan p;
        p.kind = PlanKind::Project;
        p.exprs = casts;
        p.children = {a.plan};
        r->plan = make_plan(std::move(p));
      }
      r->type = DataType::boolean();
      r->nullable = std::any_of(values.begin(), values.end(), [](const ExprPtr& v) { return v->nullable; }) ||
                    std::any_of(cols.begin(), cols.end(), [](const ExprPtr& c) { return c->nullable; });
    }
  }
  return ExprPtr(r);
}

}  // namespace spp::sql
