// Physical plans: operators with their output partitioning/ordering and the distribution they
// require of their children; EnsureRequirements (one place) inserts every exchange. Printed as
// Spark's explain; each stage fragment serializes to JSON for an executor to rebuild.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sql/plan/logical.h"

namespace spp::sql {

enum class PhysKind : uint8_t {
  LocalTableScan,        // rows from the driver/session (data_ref); `Scan ExistingRDD` when from an RDD
  Range,                 // start, end, step, num_partitions
  FileScan,              // format, paths, options; exprs = pushed filters
  Project,               // exprs
  Filter,                // exprs {condition}
  HashAggregate,         // agg_mode; groups; exprs = aggregate results (named)
  Sort,                  // exprs = SortOrders; global
  ShuffleExchange,       // partitioning; id = shuffle id
  BroadcastExchange,     // id
  BroadcastHashJoin,     // join_type, left_keys, right_keys, build_left, exprs {other condition}
  SortMergeJoin,         // join_type, left_keys, right_keys, exprs {other condition}
  ShuffledHashJoin,      // as BroadcastHashJoin, both sides shuffled
  BroadcastNestedLoopJoin,  // join_type, build_left, exprs {condition}
  CartesianProduct,      // exprs {condition}
  CollectLimit,          // n: the driver stops after n rows
  GlobalLimit, LocalLimit,  // n
  TakeOrderedAndProject, // n, exprs = orders, project = output list
  Union,
  Sample,                // lower, upper, with_replacement, seed
  Coalesce,              // n (no shuffle)
  Generate,              // exprs {generator}, project = required child output, output_attrs = generator output, outer
  Expand,                // exprs = projections flattened (n each), output_attrs = output
  Window,                // exprs = Alias(WindowExpr) sharing one partition spec and order; output = child's ++ theirs
  BatchEvalPython,       // exprs = PythonUDF calls, output_attrs = their results; output = child's ++ results; n = evalType
  MapInPandas,           // exprs {PythonUDF}, output_attrs = its schema; global = barrier
  AggregateInPandas,     // groups = keys, exprs = Alias(PythonUDF 202); input clustered and sorted by keys
  FlatMapGroupsInPandas, // groups = keys, exprs {PythonUDF}, output_attrs; input clustered and sorted by keys
  FlatMapCoGroupsInPandas,  // left_keys, right_keys, exprs {PythonUDF}, output_attrs; both inputs
                            // co-partitioned on their keys and sorted by them (as SortMergeJoin's)
  InMemoryTableScan,     // a cached query's blocks: id = cache id, output_attrs = columns read,
                         // data_attrs = the relation's columns, name = storage level, inner_tree
  ColumnarToRow,         // above an InMemoryTableScan of primitive columns (as Spark's); passes through
};

// A Window node whose functions are group aggregate pandas UDFs prints as Spark's WindowInPandas.
bool window_in_pandas(const ExprList& window_aliases);

enum class AggMode : uint8_t { Partial, Final, Complete };

struct Partitioning {
  enum class Kind : uint8_t { Unknown, Hash, Range, Single, RoundRobin, Broadcast };
  Kind kind = Kind::Unknown;
  ExprList exprs;  // Hash: keys; Range: SortOrders
  int num = 0;
  std::string to_string() const;  // `hashpartitioning(k#0, 200)`, `rangepartitioning(a#0 ASC NULLS FIRST, 200)`
};

// What an operator needs of a child's partitioning.
struct Distribution {
  enum class Kind : uint8_t { Unspecified, AllTuples, Clustered, Ordered, Broadcast };
  Kind kind = Kind::Unspecified;
  ExprList exprs;  // Clustered: keys; Ordered: SortOrders
};

struct PhysicalPlan;
using PhysPtr = std::shared_ptr<const PhysicalPlan>;

// An uncorrelated scalar subquery an operator's expressions hold (Spark's execution.ScalarSubquery
// over a SubqueryExec): planned as a query of its own, run before the query that hosts it, its
// value then substituted as a literal (with_subquery_values).
struct SubqueryPlan {
  int64_t expr_id = -1;  // the subquery expression's exprId (`subquery#12`)
  int64_t id = -1;       // the SubqueryExec's plan id (`[id=#40]`)
  ExprPtr expr;          // the planned expression, as the operator holds it
  PhysPtr plan;          // its physical plan (its own subqueries on its operators)
};

struct PhysicalPlan {
  PhysKind kind = PhysKind::LocalTableScan;
  std::vector<PhysPtr> children;
  ExprList exprs, groups, left_keys, right_keys, project, output_attrs;
  ExprList data_attrs;  // FileScan: every column of the files, in file order
  int partition_cols = 0;  // FileScan: the last data_attrs come from k=v directories
  Partitioning partitioning;  // ShuffleExchange
  JoinType join_type = JoinType::Inner;
  AggMode agg_mode = AggMode::Complete;
  bool build_left = false, global = false, with_replacement = false, outer = false;
  int64_t n = 0, start = 0, end = 0, step = 1, seed = 0, id = -1;
  int num_partitions = -1;
  int node_id = -1;  // the executed plan's node in the SQL tab's graph (number_plan_nodes), else -1
  double lower = 0, upper = 1;
  std::string name, data_ref;  // FileScan format / LocalTableScan data
  std::string table;           // FileScan: the catalog table read (`spark_catalog.db.t`), if any
  std::shared_ptr<const std::string> inline_data;  // LocalTableScan "inline": its base64 batches
  std::shared_ptr<const std::string> inner_tree;   // InMemoryTableScan: the cached plan, drawn under it
  std::vector<std::string> paths;
  std::vector<std::pair<std::string, std::string>> options;
  std::vector<SubqueryPlan> subqueries;  // the scalar subqueries its expressions hold (plan_subqueries)

  ExprList output() const;
  Partitioning output_partitioning() const;
  ExprList output_ordering() const;  // SortOrders the rows of each partition follow
  std::vector<Distribution> required_child_distribution() const;
  std::vector<ExprList> required_child_ordering() const;
  std::string node_string() const;
  PhysPtr with_children(std::vector<PhysPtr> c) const;
};

struct PlannerOptions {
  int shuffle_partitions = 200;                     // spark.sql.shuffle.partitions
  int64_t auto_broadcast_threshold = 10LL << 20;    // spark.sql.autoBroadcastJoinThreshold (-1 disables)
  bool prefer_sort_merge_join = true;               // spark.sql.join.preferSortMergeJoin
  bool adaptive = true;                             // spark.sql.adaptive.enabled
  int default_parallelism = 2;                      // leaf nodes' partitions when unspecified (range())
};

// Strategies: optimized logical plan -> physical plan (exchanges not yet inserted).
Result<PhysPtr> plan_physical(const PlanPtr& optimized, const PlannerOptions& opts = {});
// EnsureRequirements: inserts shuffles/broadcasts/sorts where a child does not satisfy its
// parent's required distribution/ordering. Exchange ids are numbered from `next_id`.
PhysPtr ensure_requirements(const PhysPtr& p, const PlannerOptions& opts, int64_t& next_id);
// Both steps: the plan an executor-side run takes.
Result<PhysPtr> create_physical_plan(const PlanPtr& optimized, const PlannerOptions& opts = {});

// Scalar subqueries (physical/subqueries.cpp). Spark's PlanSubqueries / PlanAdaptiveSubqueries:
// every kept scalar subquery (opt::kept_scalar_subquery) an operator's expressions hold gets its
// own physical plan (create_physical_plan, its subqueries planned the same way), recorded on the
// operator; the expression becomes the planned one, shown `Subquery subquery#12, [id=#40]`
// (`scalar-subquery#12` without AQE). Plan ids count on from `next_id`.
Result<PhysPtr> plan_subqueries(const PhysPtr& p, const PlannerOptions& opts, int64_t& next_id);
// The subqueries the operators of `p` host (not those inside their plans), each exprId once, in
// pre-order (ExplainUtils.getSubqueries' order).
std::vector<SubqueryPlan> hosted_subqueries(const PhysPtr& p);
bool has_subqueries(const PhysPtr& p);
// `p` with the planned scalar subqueries whose exprIds `values` holds replaced by literals of
// their values (Spark's ScalarSubquery.updateResult, then eval); their operators host them no more.
PhysPtr with_subquery_values(const PhysPtr& p, const std::map<int64_t, Value>& values);
// The plan that runs a scalar subquery: its plan under a CollectLimit 2 (SubqueryExec's
// maxNumRows: two rows tell a subquery that returns too many).
PhysPtr subquery_run_plan(const SubqueryPlan& s);
// ScalarSubquery.updateResult's error past one row (a SparkException on the driver).
inline constexpr const char* kScalarSubqueryTooManyRows =
    "[SCALAR_SUBQUERY_TOO_MANY_ROWS] More than one row returned by a subquery used as an expression.";
bool satisfies(const Partitioning& p, const Distribution& d);
int64_t estimate_size(const PlanPtr& p);  // Spark-like sizeInBytes

// explain (src/sql/physical/explain.cpp). `== Physical Plan ==` text: with an exchange and AQE
// on, wrapped in `AdaptiveSparkPlan isFinalPlan=false` (no codegen markers, as Spark before
// execution); otherwise operators in a whole-stage-codegen stage get `*(id) `. `verbose` is
// Spark's verboseString (explain(True), cost): aggregates add `output=[...]`.
std::string physical_tree_string(const PhysPtr& p, const PlannerOptions& opts = {}, bool verbose = false);
// explain(True): parsed, analyzed (with the schema line), optimized logical, physical.
std::string explain_extended(const PlanPtr& parsed, const PlanPtr& analyzed, const PlanPtr& optimized,
                             const PhysPtr& physical, const PlannerOptions& opts = {});
// explain("formatted") after `== Physical Plan ==\n` (ExplainUtils.processPlan): the outline with
// operator ids, then one section per operator (verboseStringWithOperatorId).
std::string explain_formatted(const PhysPtr& p, const PlannerOptions& opts = {});
// explain("codegen"): `Found N WholeStageCodegen subtrees.` and each subtree's plan (no Java).
std::string explain_codegen(const PhysPtr& p, const PlannerOptions& opts = {});
// explain("cost"): the optimized plan with each operator's Statistics, then the physical plan.
std::string explain_cost(const PlanPtr& optimized, const PhysPtr& physical, const PlannerOptions& opts = {});
// The whole explain text of a mode (simple, extended, formatted, codegen, cost; any case), or
// nullopt for an unknown mode.
std::optional<std::string> explain_text(const std::string& mode, const PlanPtr& parsed, const PlanPtr& analyzed,
                                        const PlanPtr& optimized, const PhysPtr& physical, const PlannerOptions& opts);
// Explain shows the attributes the planner makes (ids from 1,000,000: partial-aggregate buffers,
// grouping expressions) numbered after the query's own, as Spark's one counter would: ids from
// `base` on (explain_id_base: after the plan's largest analyzer id; -1 = that of `p`).
int64_t explain_id_base(const PhysPtr& p);
PhysPtr with_explain_ids(const PhysPtr& p, int64_t base = -1);
// Scan ExistingRDD / Scan OneRowRelation (RDDScanExec): createDataFrame's rows (an RDD in
// PySpark: `inline`, `session:`, `rdd:` data) and the one row of a FROM-less SELECT.
bool rdd_scan(const PhysicalPlan& p);
// The aggregate functions in an aggregate's result expression (AggCalls, or a collect wrapper
// over one that stands for one Spark function: median, max_by, ...).
void aggregate_functions(const Expr& e, std::vector<const Expr*>& out);
// FileSourceScanExec's metadata entries (Batched, DataFilters, ..., ReadSchema), sorted by key.
std::vector<std::pair<std::string, std::string>> file_scan_metadata(const PhysicalPlan& p);

// What runs: the physical plan with the driver-side merges Spark does in executeCollect made
// explicit — a root CollectLimit / TakeOrderedAndProject first limits (top-N) each partition,
// then a single-partition exchange brings the survivors together for the final limit (top-N).
// A CartesianProduct's right side is broadcast (every task meets all of it); a full outer
// nested-loop join streams its input in one task (unmatched build rows). explain() shows
// the plan before this step, as Spark does.
PhysPtr plan_for_execution(const PhysPtr& root);

// Stages cut at exchanges, leaves first. A stage's fragment is its subtree with each child
// exchange replaced by a `ShuffleRead`/`BroadcastRead` leaf naming the producing stage.
struct StageFragment {
  int id = 0;
  bool is_result = false;
  std::vector<int> parents;  // stages whose output this one reads
  Partitioning output;       // how this stage partitions its output (shuffle map stages)
  // AQE may read contiguous partitions of this shuffle together: hash or range exchanges the
  // planner added or `repartition(cols)` asked for, never a user's explicit partition count.
  bool coalescible = false;
  nlohmann::json to_json() const;
  PhysPtr root;
};
std::vector<StageFragment> cut_stages(const PhysPtr& p);
// The SQL tab's graph (src/sql/physical/plan_graph.cpp). `number_plan_nodes` gives every node
// of an executed plan its node_id (pre-order, root 0, as Spark's SparkPlanGraph); the ids travel
// in the stage fragments (`nodeId`), so executors can report operator metrics by node.
PhysPtr number_plan_nodes(const PhysPtr& p);
// {"nodes":[{"nodeId","nodeName","desc","stage"}], "edges":[{"fromId","toId"}]} of a numbered
// plan: edges go child -> parent; `stage` is the fragment (cut_stages order) a node runs in, -1
// for exchanges (they sit between stages).
nlohmann::json plan_graph(const PhysPtr& numbered, const std::vector<StageFragment>& stages);
// Spark's nodeName of an operator: "Exchange", "Scan csv ", "HashAggregate", ...
std::string spark_node_name(const PhysicalPlan& p);
// A HashAggregate that Spark plans as ObjectHashAggregateExec (AggUtils.createAggregate): one of
// its functions is a TypedImperativeAggregate (collect_list, percentile, hll_sketch_agg, ...),
// whose object buffer is not a mutable fixed-width field. Named so in explain and the SQL tab;
// no whole-stage codegen.
bool object_hash_aggregate(const PhysicalPlan& p);
nlohmann::json physical_to_json(const PhysPtr& p);
nlohmann::json expr_to_json(const ExprPtr& e);
// Every Python function a plan's UDFs call, by id (the driver ships each to an executor once).
void collect_python_funcs(const PhysPtr& p, std::map<int64_t, std::shared_ptr<const std::string>>& out);

}  // namespace spp::sql
