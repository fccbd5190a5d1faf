// Window functions in the analyzer (Spark's ResolveWindowFrame, ResolveWindowOrder and
// ExtractWindowExpressions): the window-only functions' types, each window's frame and order
// checked and defaulted, and select lists holding windows rewritten into Window nodes.
#pragma once
#include <optional>
#include <string>

#include "sql/analysis/errors.h"
#include "sql/analysis/functions.h"
#include "sql/connect/decode.h"
#include "sql/plan/logical.h"

namespace spp::sql {

// row_number, rank, dense_rank, percent_rank, cume_dist, ntile, lag, lead (lower-case `n`);
// nullopt for any other name.
std::optional<ExprOrError> resolve_window_function(const Expr& fn, const std::string& n);

// A WindowExpr whose children are resolved, with its frame resolved (the function's required
// frame, or Spark's default: RANGE UNBOUNDED PRECEDING..CURRENT ROW when ordered, the whole
// partition otherwise), rank-like functions given the window's order as children and lag/lead
// their default. Errors as Spark's (ordering required, frame mismatch, DISTINCT, non-window
// functions under OVER). Returns `w` itself when already resolved.
ExprOrError resolve_window_expr(const ExprPtr& w);

// True when `e` holds an aggregate outside any window expression (Spark's containsAggregates
// for GlobalAggregates: `sum(x) OVER ()` alone does not make a select list an aggregation).
bool has_aggregate_outside_window(const ExprPtr& e);
bool has_window(const ExprPtr& e);

// A window-only function used without OVER: WINDOW_FUNCTION_WITHOUT_OVER_CLAUSE.
std::optional<AnalysisError> check_window_functions(const ExprPtr& e);

// One pass: each resolved Project whose list holds windows becomes Project(list with the windows
// replaced by their attributes) over one Window node per distinct (partition, order) spec.
// Windows anywhere else are reported as Spark does. Returns `plan` itself when nothing changed.
PlanPtr extract_windows(const PlanPtr& plan, IdGen& ids, std::optional<AnalysisError>& error);

}  // namespace spp::sql
