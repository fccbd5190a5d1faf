// Joins: hash join (build = right side, probe = left; spills both sides into hash partitions
// when the build side does not fit — a grace hash join) and sort-merge join (both sides sorted
// by the keys with the external sort, then merged). NULL keys never match.
#pragma once
#include "sql/exec/operator.h"

namespace spp::sql::exec {

enum class JoinType { Inner, LeftOuter, RightOuter, FullOuter, LeftSemi, LeftAnti, Cross };

// Output: left columns then right columns (semi/anti: left columns only). `condition` (may be
// null) is evaluated on the joined row (left columns then right columns) after key equality.
OpPtr make_hash_join(OpPtr left, OpPtr right, std::vector<ExprPtr> left_keys, std::vector<ExprPtr> right_keys,
                     JoinType type, ExprPtr condition, const ExecContext& ctx);
OpPtr make_sort_merge_join(OpPtr left, OpPtr right, std::vector<ExprPtr> left_keys, std::vector<ExprPtr> right_keys,
                           JoinType type, ExprPtr condition, const ExecContext& ctx);

}  // namespace spp::sql::exec
