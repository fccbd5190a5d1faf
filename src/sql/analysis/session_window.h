// SessionWindowing for SQL text: `GROUP BY session_window(ts, gap)` (the DataFrame API's
// groupBy(session_window(...)) is rewritten the same way on the Python side, sql/group.py).
#pragma once
#include <optional>

#include "sql/analysis/errors.h"
#include "sql/connect/decode.h"
#include "sql/plan/logical.h"

namespace spp::sql {

// The position of a `session_window(ts, gap)` call (aliased or not) among an Aggregate's
// grouping expressions, else -1.
int session_window_key(const LogicalPlan& aggregate);

// Why a resolved gap cannot bound a session (SessionWindowing's _LEGACY_ERROR_TEMP_1040), else
// nullopt: an interval, or a string literal ('5 minutes'). A string column, which Spark casts
// to an interval per row, is not supported here yet.
std::optional<AnalysisError> session_window_gap_error(const Expr& gap);

// `aggregate` grouped by session_window(ts, gap) (at `key`; `ts` and `gap` resolved against its
// child) as plain operators: each row's [ts, ts + gap) (rows without a time, or whose gap is
// not positive, dropped), ordered by start within the other keys; a row opens a new session when
// it starts after every earlier row's end (MergingSessionsIterator merges `start <= end`); the
// session numbers join the other keys, and the window is struct(min start, max end), named
// `session_window`. The new operators are left for the analyzer to resolve.
PlanPtr rewrite_session_window(const LogicalPlan& aggregate, int key, const ExprPtr& ts, const ExprPtr& gap, IdGen& ids);

}  // namespace spp::sql
