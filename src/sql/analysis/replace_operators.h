// Operators sparkpp plans through others. Spark's RewriteExceptAll / RewriteIntersectAll: EXCEPT ALL and INTERSECT ALL over children of
// the same column types become a tagged Union, an Aggregate counting each distinct row per side,
// and a generator replicating each row the number of times it survives (here
// explode(array_repeat(true, n)), the replicate_rows generator of Spark). Done once the children
// are resolved and widened; the result is still to be resolved by the analyzer (its functions).
#pragma once
#include <optional>

#include "sql/analysis/errors.h"
#include "sql/connect/decode.h"
#include "sql/plan/logical.h"

namespace spp::sql {

// `node`: Except or Intersect with flag (ALL). Returns the rewritten plan.
PlanPtr rewrite_set_operation_all(const LogicalPlan& node, IdGen& ids);

// Offset(n) and Tail(n) (no physical operators of their own here): the child's rows numbered in
// their order by monotonically_increasing_id (partition, then position); Offset keeps the rows
// after the n-th by row_number over that order, Tail the last n by a top-n on it descending,
// sorted back.
PlanPtr rewrite_offset(const LogicalPlan& node, IdGen& ids);
PlanPtr rewrite_tail(const LogicalPlan& node, IdGen& ids);

// DataFrame.unpivot / melt (Spark's Unpivot, decoded as a Summary node named "unpivot": exprs =
// ids then values, n = how many ids, flag = values given (else every other column), names =
// {variable column, value column}) -> Expand with one projection per value column: the ids, the
// value column's name, the value cast to the values' least common type.
bool is_unpivot_node(const LogicalPlan& node);
PlanPtr rewrite_unpivot(const LogicalPlan& node, IdGen& ids, std::optional<AnalysisError>& error);

}  // namespace spp::sql
