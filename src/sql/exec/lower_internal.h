// Lowering helpers shared by lower.cpp and lower_aggs.cpp (not part of the executor's API).
#pragma once
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "sql/exec/aggregate.h"
#include "sql/exec/lower.h"

namespace spp::sql::exec {

template <typename T>
Result<T> err(const std::string& m) {
  return Result<T>::error(m);
}

// The result type of an expression JSON.
Result<ColTypePtr> type_of_json(const nlohmann::json& e);
// An expression's `args` (empty when it has none), by reference: copying them at every level
// made lowering a deep expression (a 900-term `a || 'x' || ...`) quadratic.
const nlohmann::json& args_of(const nlohmann::json& e);
// A literal argument's value, nullptr when the argument is not a non-NULL literal.
const nlohmann::json* constant(const nlohmann::json& a);
// One aggregate call (`agg` JSON) as an AggSpec; its input lowered over `in` unless only its
// partial states are read (final mode).
Result<AggSpec> lower_agg_spec(const nlohmann::json& a, const nlohmann::json& in, bool lower_input);
// A higher-order call (one whose arguments include `lambdafunction` calls) as a kernel over its
// flattened elements (library_lambda.cpp); nullopt when `e` has no lambda argument.
std::optional<Result<ExprPtr>> lower_higher_order_call(const nlohmann::json& e, const nlohmann::json& input);
// A Window node over its child (lowered by `lower_child`).
Result<OpPtr> lower_window(const nlohmann::json& p, const std::function<Result<OpPtr>(const nlohmann::json&)>& lower_child,
                           const ExecContext& ctx);

// A MapInPandas / FlatMapGroupsInPandas node over its lowered child (python_eval.cpp).
Result<OpPtr> lower_pandas_map(const nlohmann::json& p, OpPtr child, const nlohmann::json& child_output,
                               const ExecContext& ctx);
// A BatchEvalPython node over its lowered child (python_eval.cpp).
Result<OpPtr> lower_cogroup_in_pandas(const nlohmann::json& p, OpPtr left, OpPtr right, const nlohmann::json& left_output,
                                      const nlohmann::json& right_output, const ExecContext& ctx);
Result<OpPtr> lower_batch_eval_python(const nlohmann::json& p, OpPtr child, const nlohmann::json& child_output,
                                      const ExecContext& ctx);

}  // namespace spp::sql::exec
