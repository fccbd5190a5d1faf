// Nested-loop join, for joins without equality keys (BroadcastNestedLoopJoin, CartesianProduct):
// the right input is the build side, held whole (as Spark broadcasts it) and counted against
// the reservation; every left row is tested against all of it, a whole right batch at a time.
#pragma once
#include "sql/exec/join.h"
#include "sql/exec/operator.h"

namespace spp::sql::exec {

// Output: left columns then right columns (semi/anti: left columns only). `condition` (may be
// null: every pair matches) sees the joined row; NULL means no match. All join types.
OpPtr make_nested_loop_join(OpPtr left, OpPtr right, JoinType type, ExprPtr condition, const ExecContext& ctx);

}  // namespace spp::sql::exec
