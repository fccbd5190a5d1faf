// Higher-order functions (higherOrderFunctions.scala, Spark 3.5): what their lambdas' variables
// are (bindInternal), and the resolved call once every lambda is bound (result types,
// nullability, Spark's type checks). The binding itself — fresh NamedLambdaVariables, the body
// resolved with them in scope — is the analyzer's (analysis/analyzer.cpp, ResolveLambdaVariables).
#pragma once
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "sql/analysis/fn_library.h"
#include "sql/plan/lambda.h"

namespace spp::sql {

// (type, nullable) of each variable of lambda argument `i` of the higher-order call `hof`
// (lower-cased name `n`; its non-lambda arguments resolved), given the lambda's variable count
// (transform/filter take an optional index). An error when an argument has the wrong type
// (UNEXPECTED_INPUT_TYPE, shown with the unbound lambdas as Spark prints them).
using LambdaVars = std::vector<std::pair<DataType, bool>>;
std::variant<LambdaVars, AnalysisError> lambda_variables(const Expr& hof, const std::string& n, size_t i, size_t nvars);

// The higher-order call with bound lambdas (nullopt: not a higher-order call).
std::optional<LibResult> resolve_lambda_fn(FnCall& c);

}  // namespace spp::sql
