// CheckAnalysis for Python UDFs: where the planner cannot place them, Spark's errors.
#pragma once
#include <optional>

#include "sql/analysis/errors.h"
#include "sql/plan/logical.h"

namespace spp::sql {

// One node's refusals: a UDF over both sides of an outer/semi/anti join's condition
// (PYTHON_UDF_IN_ON_CLAUSE), a group aggregate pandas UDF outside an aggregation or beside
// built-in aggregates (INVALID_PANDAS_UDF_PLACEMENT).
std::optional<AnalysisError> check_python_udfs(const LogicalPlan& p);

}  // namespace spp::sql
