// ResolveInlineTables (Spark's analyzer rule): `VALUES (…), (…) AS t(a, b)` — a LocalRelation
// "inline_table" from the parser (plan/logical.h) whose cells are resolved — becomes one
// LocalRelation "values" holding the typed cells, as Spark's EvalInlineTables makes a
// LocalRelation of its rows.
#pragma once
#include <optional>

#include "sql/analysis/errors.h"
#include "sql/connect/decode.h"
#include "sql/plan/logical.h"

namespace spp::sql {

// `table`: exprs = the rows (an unresolved `struct` of resolved cells each), names = the
// columns. Checks as Spark (INVALID_INLINE_TABLE.NUM_COLUMNS_MISMATCH, .CANNOT_EVALUATE_
// EXPRESSION_IN_INLINE_TABLE, .INCOMPATIBLE_TYPES_IN_INLINE_TABLE); each column gets the wider
// type of its cells without string promotion, nullable when any cell is, and the cells are
// cast to it. The result: exprs = the cells row after row, n = the number of columns.
PlanPtr resolve_inline_table(const LogicalPlan& table, IdGen& ids, std::optional<AnalysisError>& error);

}  // namespace spp::sql
