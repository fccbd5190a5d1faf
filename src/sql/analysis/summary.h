// describe() / summary() (Spark's StatFunctions.summary): a Summary node over a resolved child
// becomes one aggregation of every statistic of every numeric and string column (cast to
// string), transposed into one row per statistic by a posexplode of the statistics' names.
#pragma once
#include <optional>

#include "sql/analysis/errors.h"
#include "sql/connect/decode.h"
#include "sql/plan/logical.h"

namespace spp::sql {

PlanPtr rewrite_summary(const LogicalPlan& summary, IdGen& ids, std::optional<AnalysisError>& error);

}  // namespace spp::sql
