// Built-in function lookup and Spark 3.5 non-ANSI coercion of their arguments: turns an
// UnresolvedFunction whose arguments are resolved into a Call/AggCall with casts inserted.
#pragma once
#include <optional>
#include <variant>

#include "sql/analysis/errors.h"
#include "sql/plan/expr.h"

namespace spp::sql {

using ExprOrError = std::variant<ExprPtr, AnalysisError>;

// `fn` is an UnresolvedFunction with resolved children (stars already expanded).
ExprOrError resolve_function(const Expr& fn);
// A user CAST with a resolved child: checks Cast.canCast.
std::optional<AnalysisError> check_cast(const Expr& cast);
bool is_aggregate_function(const std::string& name);
// stddev, std, stddev_samp, stddev_pop, variance, var_samp, var_pop, skewness, kurtosis.
bool is_moment_function(const std::string& name);
bool is_generator_function(const std::string& name);

}  // namespace spp::sql
