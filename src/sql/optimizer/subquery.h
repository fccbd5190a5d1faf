// Subquery decorrelation and rewrites (Spark's PullupCorrelatedPredicates,
// RewriteCorrelatedScalarSubquery, RewritePredicateSubquery): run once on the analysed plan
// before the optimizer batch, so no later rule, the planner or the executors ever meet a
// subquery expression. Each piece is a pure plan -> plan function, tested alone.
#pragma once
#include <optional>

#include "common/status.h"
#include "sql/analysis/errors.h"
#include "sql/connect/decode.h"
#include "sql/optimizer/optimizer.h"
#include "sql/plan/logical.h"

namespace spp::sql::opt {

// A subquery plan with its correlated predicates pulled out of it (Filters below Projects,
// Aggregates, inner joins …); the columns they read are added to those operators' outputs
// (and an Aggregate's grouping). `preds` still hold their OuterReferences.
struct Pulled {
  PlanPtr plan;
  ExprList preds;
  std::optional<AnalysisError> error;  // a correlation Spark does not support
};
Pulled pull_up_correlated(const PlanPtr& subquery);

// Spark's CheckAnalysis of the subquery expressions `host` holds (the first error).
std::optional<AnalysisError> check_subqueries(const LogicalPlan& host);

// Every subquery expression of `plan` (and of its subqueries) becomes a join:
// [NOT] EXISTS / [NOT] IN conjuncts of a Filter -> LEFT SEMI / LEFT ANTI joins (NOT IN
// null-aware: `(v = c) OR isnull(v = c)`); scalar subqueries -> a LEFT OUTER join with the
// (pulled-up, aggregated) subquery whose column replaces the expression, with count's
// zero-not-null rule. Fails for placements not rewritten yet.
// `keep_uncorrelated`: an uncorrelated scalar subquery of a type a literal holds stays an
// expression (its own plan rewritten), to run as a query of its own before the host's (Spark's
// ScalarSubquery / SubqueryExec, see kept_scalar_subquery); otherwise it is joined too.
Result<PlanPtr> rewrite_subqueries(const PlanPtr& plan, IdGen& ids, bool keep_uncorrelated = false);

// A subquery expression rewrite_subqueries keeps with keep_uncorrelated: a scalar subquery with
// no outer reference whose value a literal can hold.
bool kept_scalar_subquery(const Expr& e);

// opt::optimize, and then the same for the plan of every kept scalar subquery (Spark's
// OptimizeSubqueries).
PlanPtr optimize_with_subqueries(const PlanPtr& plan, const FoldOptions& o = {});

// The value the subquery's column takes when its aggregate sees no rows (count -> 0), or
// nullopt when it is NULL or not known (Spark's evalSubqueryOnZeroTups).
std::optional<Value> zero_tuple_value(const PlanPtr& subquery);

}  // namespace spp::sql::opt
