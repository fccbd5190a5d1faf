// Logical plan trees: one node type for unresolved and resolved operators, generic rewrites,
// and Spark's treeString for explain.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sql/plan/expr.h"

namespace spp::sql {

enum class PlanKind : uint8_t {
  // From the wire; the analyzer replaces them.
  UnresolvedRelation,  // name = table identifier
  UnparsedSql,         // spark.sql: name = query text, exprs = argument literals, names = their
                       // names (empty: positional); the session parses it before analysis
  WithColumns,         // exprs = Alias list; replace same-named columns in place, else append
  RenameColumns,       // renames (old -> new); missing old names ignored
  Drop,                // exprs = columns, names = column names (unknown names ignored)
  ToDF,                // names = new column names (count must match)
  Summary,             // describe()/summary(): names = statistics; the analyzer expands it over
                       // the child's numeric and string columns
  // Resolved operators.
  LocalRelation,       // output; data_ref = where the rows are (see docs/sql-engine.md)
  Range,               // start, end, step, num_partitions; output {id}
  DataSource,          // name = format, paths, options, output; names = a catalog table's
                       // identifier (spark_catalog, db, t), printed `Relation spark_catalog.db.t[...]`
  Project,             // exprs = named expressions
  Filter,              // exprs {condition}; flag = HAVING (may name aggregates the Aggregate lacks)
  Join,                // join_type, exprs {condition} or empty, names = USING columns, flag = NATURAL
  Aggregate,           // groups, exprs = named aggregate expressions; grouping_sets (ROLLUP, CUBE,
                       // GROUPING SETS) until the analyzer expands them
  Expand,              // exprs = projections flattened (n expressions each), output_attrs = output
  Sort,                // exprs = SortOrders, flag = global
  Limit,               // n (printed as GlobalLimit over LocalLimit)
  Offset,              // n
  Tail,                // n
  SubqueryAlias,       // name = alias; names = the whole identifier when it has more parts
                       // (a catalog table's spark_catalog, db, t; global_temp, v): its qualifier
  Union,               // flag = by name, flag2 = allow missing columns
  Intersect,           // flag = all
  Except,              // flag = all
  Distinct,
  Deduplicate,         // exprs = key attributes (dropDuplicates(subset)); names before resolution
  Repartition,         // n, flag = shuffle
  RepartitionByExpression,  // exprs, n (-1 = spark.sql.shuffle.partitions)
  Sample,              // lower, upper, flag = with replacement, seed
  Hint,                // name = hint ("broadcast")
  Generate,            // exprs {generator: explode/posexplode call}, flag = outer, output_attrs =
                       // generator output, unrequired = child output positions not passed on
  Window,              // exprs = Alias(WindowExpr) list sharing one partition spec and order
                       // (window_partition/window_order); output = child output ++ their attributes
  BatchEvalPython,     // exprs = PythonUDF calls over the child's columns (a call's argument may be
                       // another UDF: chains run in one worker pass), output_attrs = their results
                       // (pythonUDF0…); output = child output ++ output_attrs; n = their evalType
                       // (100 row at a time, printed BatchEvalPython; 200/204 pandas, ArrowEvalPython)
  MapInPandas,         // df.mapInPandas: exprs {PythonUDF over every child column}, output_attrs =
                       // the declared schema; flag = barrier
  AggregateInPandas,   // groupBy(keys).agg(pandas aggregate UDFs): groups = key attributes, exprs =
                       // Alias(PythonUDF 202 over attributes); output = keys ++ their attributes
  FlatMapGroupsInPandas,  // groupBy(keys).applyInPandas: groups = key attributes, exprs {PythonUDF
                          // over every child column}, output_attrs = the declared schema
  InMemoryRelation,    // a cached query's data (df.cache(), CACHE TABLE): n = cache id, output_attrs =
                       // the cached plan's output as the replaced subtree named it, name = the
                       // storage level (`StorageLevel(disk, memory, deserialized, 1 replicas)`),
                       // cached_tree = the cached physical plan as explain draws it
  FlatMapCoGroupsInPandas,  // gd1.cogroup(gd2).applyInPandas: children {left, right}, groups = the
                            // left keys ++ the right keys (n = how many are left), exprs {PythonUDF
                            // over every column of both}, output_attrs = the declared schema
  View,                // a view's plan under its SubqueryAlias (Spark's View, removed by the
                       // optimizer's EliminateView): name = its identifier quoted (`v`,
                       // `global_temp`.`v`, `spark_catalog`.`db`.`v`); output = the child's
};

enum class JoinType : uint8_t { Inner, LeftOuter, RightOuter, FullOuter, LeftSemi, LeftAnti, Cross };
const char* join_type_name(JoinType t);  // Spark's sql names: Inner, LeftOuter, …

struct LogicalPlan;
using PlanPtr = std::shared_ptr<const LogicalPlan>;

struct LogicalPlan {
  PlanKind kind = PlanKind::LocalRelation;
  int64_t plan_id = -1;                 // the DataFrame's Connect planId (df["x"] resolution)
  std::vector<PlanPtr> children;
  ExprList exprs;                       // see PlanKind
  ExprList groups;                      // Aggregate grouping expressions
  ExprList output_attrs;                // leaves: their output attributes
  ExprList data_attrs;                  // DataSource: every column of the files (output_attrs: those read)
  int partition_cols = 0;               // DataSource: the last data_attrs come from k=v directories
  std::string name;                     // relation / alias / format / hint
  std::vector<std::string> names;       // USING columns, toDF names, drop names, dedup subset
  std::vector<std::pair<std::string, std::string>> renames;
  std::vector<std::string> paths;
  std::vector<std::pair<std::string, std::string>> options;
  std::vector<int> unrequired;          // Generate: Spark's unrequiredChildIndex (ColumnPruning)
  std::vector<std::vector<int>> grouping_sets;  // Aggregate: indexes into groups per set
  JoinType join_type = JoinType::Inner;
  int64_t n = 0, start = 0, end = 0, step = 1, seed = 0;
  int num_partitions = -1;
  double lower = 0, upper = 1;
  bool flag = false, flag2 = false;
  std::string data_ref;                 // LocalRelation: where its rows live
  // LocalRelation "inline": the base64 batch stream, shared (rules copy nodes; createDataFrame
  // of a large pandas frame holds hundreds of MB here).
  std::shared_ptr<const std::string> inline_data;
  int64_t size_hint = -1;               // estimated bytes when known (leaves)
  std::shared_ptr<const std::string> cached_tree;  // InMemoryRelation: drawn under it (innerChildren)
  // Join: the condition PushExtraPredicateThroughJoin last extracted side filters from (Spark's
  // processedJoinConditionTag); copies of the node keep it, a new condition clears its effect.
  ExprPtr extra_pushed_from;

  bool resolved() const;                // this node, its expressions and all children
  bool unresolved_kind() const;         // WithColumns & co.: rewritten once children resolve
  ExprList output() const;              // output attributes
  std::string node_string() const;      // one line: `Project [a#1L]`
  std::string tree_string() const;      // whole tree, `+- ` / `:- ` as Spark draws it
  PlanPtr with_children(std::vector<PlanPtr> c) const;
  PlanPtr with_exprs(ExprList e, ExprList g) const;  // same node with new exprs/groups
};

PlanPtr make_plan(LogicalPlan p);
// Spark's innerChildren drawing: `tree` (a whole plan's lines, root first) hung under a node whose
// children are drawn after `prefix` — `   +- ` before its root, deeper lines indented to match.
std::string draw_inner_tree(const std::string& tree, const std::string& prefix);
// A Window node's shared partition spec and order (taken from its first window expression).
ExprList window_partition_of(const ExprList& window_aliases);
ExprList window_order_of(const ExprList& window_aliases);
// The Attribute a named expression produces (Alias -> attribute with the alias id).
ExprPtr to_attribute(const ExprPtr& named);
// The metadata of an Alias's output attribute (explicit, or inherited as Spark's Alias.metadata).
std::string alias_metadata(const Expr& alias);

using PlanRule = std::function<PlanPtr(const PlanPtr&)>;
PlanPtr plan_transform_up(const PlanPtr& p, const PlanRule& f);
PlanPtr plan_transform_down(const PlanPtr& p, const PlanRule& f);
// Applies `f` (bottom-up) to every expression of every node.
PlanPtr plan_transform_exprs(const PlanPtr& p, const ExprRule& f);
void plan_foreach(const PlanPtr& p, const std::function<void(const LogicalPlan&)>& f);
bool plan_equal(const LogicalPlan& a, const LogicalPlan& b);

}  // namespace spp::sql
