// Subquery expressions in the analyzer (Spark's ResolveSubquery, InConversion for IN
// subqueries, and the SubqueryExpression checks of CheckAnalysis).
#pragma once
#include "sql/analysis/analyzer.h"
#include "sql/analysis/functions.h"

namespace spp::sql {

// A ScalarSubquery / Exists / InSubquery whose values are resolved: its plan analysed with
// `outer` (the hosting operator's input) as the scope of outer references, its exprId given,
// its outer attributes appended to its children, its type set; IN subqueries with differing
// value/column types get both sides cast to the wider type.
ExprOrError resolve_subquery(const Expr& e, const ExprList& outer, IdGen& ids, const AnalyzerOptions& opts);

}  // namespace spp::sql
