// Lambda functions of higher-order functions (Spark's LambdaFunction / NamedLambdaVariable,
// higherOrderFunctions.scala) in the one Expr node type, without kinds of their own:
//   unbound  `x -> body`: UnresolvedFunction "lambdafunction", children {body, 'x, 'y…} (the
//            body's columns still unresolved; the analyzer binds it once the higher-order
//            function's other arguments are resolved, analysis/analyzer.cpp);
//   bound:   Call "lambdafunction", children {body, x, y…}, type = the body's;
//   variable: an Attribute (own exprId, the element type) marked by plan_id = kLambdaVarMark.
// Executors see a bound lambda as a call whose variables are attributes no input produces
// (exec/library_lambda.cpp binds them to the flattened elements).
#pragma once
#include <string>
#include <vector>

#include "sql/plan/expr.h"

namespace spp::sql {

constexpr int64_t kLambdaVarMark = -7;

inline bool is_lambda_var(const Expr& e) { return e.kind == ExprKind::Attribute && e.plan_id == kLambdaVarMark; }
inline bool is_unbound_lambda(const Expr& e) { return e.kind == ExprKind::UnresolvedFunction && e.name == "lambdafunction"; }
inline bool is_bound_lambda(const Expr& e) { return e.kind == ExprKind::Call && e.name == "lambdafunction"; }

inline ExprPtr lambda_var(std::string name, DataType t, bool nullable, int64_t id) {
  auto e = std::make_shared<Expr>(*attr(std::move(name), std::move(t), nullable, id));
  e->plan_id = kLambdaVarMark;
  return e;
}

// `(names…) -> body` before binding.
inline ExprPtr unbound_lambda(ExprPtr body, const std::vector<std::string>& names) {
  ExprList c{std::move(body)};
  for (const auto& n : names) c.push_back(unresolved_attr({n}));
  return unresolved_fn("lambdafunction", std::move(c));
}

// transform, filter, exists, forall, aggregate, reduce, zip_with, transform_keys,
// transform_values, map_filter, map_zip_with, array_sort (with a comparator).
inline bool is_higher_order_function(const std::string& n) {
  return n == "transform" || n == "filter" || n == "exists" || n == "forall" || n == "aggregate" || n == "reduce" ||
         n == "zip_with" || n == "transform_keys" || n == "transform_values" || n == "map_filter" ||
         n == "map_zip_with" || n == "array_sort";
}

}  // namespace spp::sql
