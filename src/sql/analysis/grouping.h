// ROLLUP / CUBE / GROUPING SETS (Spark's ResolveGroupingAnalytics): an Aggregate with grouping
// sets becomes an Aggregate over an Expand that emits every input row once per set, with the
// grouping columns outside the set nulled and `spark_grouping_id` (bit i set when grouping
// expression i is not in the set, first expression highest) telling the sets apart;
// grouping(c) and grouping_id() read those bits.
#pragma once
#include "sql/connect/decode.h"
#include "sql/plan/logical.h"

namespace spp::sql {

PlanPtr expand_grouping_sets(const LogicalPlan& aggregate, IdGen& ids);

}  // namespace spp::sql
