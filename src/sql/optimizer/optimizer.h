// The optimizer: pure rewrite rules over resolved logical plans (each never changes results),
// run as one batch to a fixed point. Each rule is exported so tests can run it alone.
#pragma once
#include <map>
#include <optional>
#include <set>

#include "sql/plan/logical.h"

namespace spp::sql::opt {

// The session settings constant folding evaluates with (those the executor's kernels read).
struct FoldOptions {
  std::string session_time_zone;  // spark.sql.session.timeZone; empty: UTC
};

// The value of a foldable expression, computed by the executor's kernels on a one-row batch;
// nullopt when it is not foldable, raises an error, or has a type no literal holds.
std::optional<Value> eval_constant(const Expr& e, const FoldOptions& o = {});

// Spark's ConstantFolding: foldable expressions -> literals (fold.cpp).
PlanPtr constant_folding(const PlanPtr& p, const FoldOptions& o = {});
PlanPtr boolean_simplification(const PlanPtr& p);  // true AND x -> x, NOT NOT x -> x, …
PlanPtr prune_filters(const PlanPtr& p);           // Filter(true) -> child; Filter(false/null) -> empty relation
PlanPtr combine_filters(const PlanPtr& p);         // Filter(a, Filter(b, x)) -> Filter(b AND a, x)
PlanPtr push_down_predicates(const PlanPtr& p);    // through Project and Join, join conditions into sides
// Spark's PushDownLeftSemiAntiJoin (Project) and PushLeftSemiLeftAntiThroughJoin: a left
// semi/anti join below a deterministic Project, and into the one leg of an inner/outer join
// its condition needs.
PlanPtr push_left_semi_anti_join(const PlanPtr& p);
// Spark's PushExtraPredicateThroughJoin (push_extra.cpp): from a join condition conjunct over
// both sides, the predicate it implies over each side alone (OR of ANDs) becomes a Filter there.
PlanPtr push_extra_predicate_through_join(const PlanPtr& p);
std::optional<ExprPtr> extract_within(const ExprPtr& e, const std::set<int64_t>& side);
// Spark's EliminateOuterJoin: an outer join under a filter rejecting a side's NULL padding
// becomes inner on that side.
PlanPtr eliminate_outer_join(const PlanPtr& p);
PlanPtr collapse_project(const PlanPtr& p);        // Project(Project(x)) -> Project(x)
PlanPtr column_pruning(const PlanPtr& p);          // only needed columns flow up; scans read only those
PlanPtr limit_push_down(const PlanPtr& p);         // Limit(Limit), through Union and outer joins
PlanPtr remove_noop_operators(const PlanPtr& p);   // a Project that outputs its child's output as is
PlanPtr eliminate_subquery_aliases(const PlanPtr& p);  // Spark's EliminateSubqueryAliases
// Spark's ReorderJoin (reorder.cpp): inner joins under their filters rebuilt left-deep so that
// each join has a condition where one exists (FROM a, b, c without a cartesian product).
PlanPtr reorder_join(const PlanPtr& p);
// Spark's InferFiltersFromConstraints (constraints.cpp): isnotnull and equality-implied filters
// added to Filters and to both sides of joins, run once between the two operator batches.
PlanPtr infer_filters_from_constraints(const PlanPtr& p);

// Spark's "Extract Python UDFs" batch (python_udfs.cpp): every PythonUDF call moves into a
// BatchEvalPython beneath its operator; inner joins' two-sided UDF conditions become Filters.
PlanPtr extract_python_udfs(const PlanPtr& p);

PlanPtr optimize(const PlanPtr& p, const FoldOptions& o = {});

// Attribute ids an expression reads.
std::set<int64_t> references(const ExprPtr& e);
ExprList split_conjuncts(const ExprPtr& e);
ExprPtr make_and(const ExprList& conjuncts);
// Whether every id of `a` is in `b` (an expression's references within a plan's output).
bool subset(const std::set<int64_t>& a, const std::set<int64_t>& b);
// A Filter of `cond` over `child`.
PlanPtr filter(ExprPtr cond, PlanPtr child);
// Every attribute reference to an id in `renamed` points at its new id (a rule that removed the
// aliases or casts that made those ids).
PlanPtr rename_attribute_ids(const PlanPtr& p, const std::map<int64_t, int64_t>& renamed);

}  // namespace spp::sql::opt
