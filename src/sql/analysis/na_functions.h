// DataFrame.na / fillna / dropna / replace (Spark's DataFrameNaFunctions): once the child is
// resolved, a `fillNa` / `replace` node becomes the Project and a `dropNa` node the Filter Spark
// builds over the analysed output (coalesce/nanvl, AtLeastNNonNulls, CASE key WHEN …). The
// decoder carries them as Summary nodes named by the operation (`na_node_name`).
#pragma once
#include <functional>
#include <optional>

#include "sql/analysis/errors.h"
#include "sql/connect/decode.h"
#include "sql/plan/logical.h"

namespace spp::sql {

// The node names the decoder gives: Summary nodes with one of these names are na functions.
//   fillNa:  names = columns (empty: all), exprs = literal values (one value: fill every column of
//            a matching type among `names`; one per column: fill that column, cast to its type)
//   dropNa:  names = columns (empty: all), n = least non-null (non-NaN) values, flag = n given
//            (else "any": every column)
//   replace: names = columns (empty: all), exprs = literal pairs old0, new0, old1, new1, …
bool is_na_node(const LogicalPlan& n);

// Dataset.resolve of a user's column string against the child's output: the attribute or a nested
// field; nullptr with `error` set when it does not resolve.
using ColumnResolver = std::function<ExprPtr(const std::string& name)>;

// The rewritten node (its expressions may still hold unresolved functions over resolved
// attributes, resolved by the analyzer's next pass), or nullptr with `error` set.
PlanPtr rewrite_na(const LogicalPlan& node, IdGen& ids, const ColumnResolver& resolve,
                   std::optional<AnalysisError>& error);

}  // namespace spp::sql
