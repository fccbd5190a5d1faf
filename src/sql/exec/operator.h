// Physical operators over batches, pull-based: a consumer calls next() until it returns no
// batch. Each operator owns its children, keeps metrics (rows, batches, inclusive time, spill,
// peak memory) and — when it buffers — a Reservation it spills past (docs/sql-engine.md).
#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sql/exec/expr.h"
#include "sql/exec/memory.h"
#include "sql/exec/python_eval.h"

namespace spp::sql::exec {

using col::Batch;
using col::ColTypePtr;

struct OpMetrics {
  int64_t rows_out = 0, batches_out = 0;
  int64_t time_ns = 0;  // inclusive of children
  int64_t spill_bytes = 0, spill_count = 0;  // this operator's own (not its children's)
  int64_t peak_memory = 0;
};

struct ExecContext {
  MemoryManager* memory = nullptr;
  std::string spill_dir = "/tmp";
  EvalContext eval;
  int64_t batch_rows = 4096;  // target rows per output batch
  PythonUdfFactory python;    // BatchEvalPython's workers; empty where no Python runs (tests)
  int64_t python_batch_rows = 10000;  // most rows per batch to a Python worker (<= 0: no limit)
};

class Operator {
 public:
  virtual ~Operator() = default;
  // The next batch, nullopt when exhausted (then keeps returning nullopt).
  Result<std::optional<Batch>> next();
  virtual std::string name() const = 0;
  const ColTypePtr& schema() const { return schema_; }
  const OpMetrics& metrics() const { return metrics_; }
  virtual std::vector<const Operator*> children() const { return {}; }
  // The physical plan node this operator computes (the fragment's `nodeId`), -1 for helpers a
  // node lowers to beneath its top operator: metrics are reported per plan node (SQL tab).
  int plan_node() const { return plan_node_; }
  void set_plan_node(int id) { plan_node_ = id; }

 protected:
  virtual Result<std::optional<Batch>> next_impl() = 0;
  ColTypePtr schema_;
  OpMetrics metrics_;
  int plan_node_ = -1;
};
using OpPtr = std::unique_ptr<Operator>;
using BatchResult = Result<std::optional<Batch>>;

// Leaf: batches already in memory (createDataFrame data, tests, cached blocks).
OpPtr make_source(ColTypePtr schema, std::vector<Batch> batches);
// Rows where `pred` is true (NULL drops the row).
OpPtr make_filter(OpPtr child, ExprPtr pred, const ExecContext& ctx);
// One output column per expression; `names` name them.
OpPtr make_project(OpPtr child, std::vector<ExprPtr> exprs, std::vector<std::string> names, const ExecContext& ctx);
// The first n rows (after skipping `offset`).
OpPtr make_limit(OpPtr child, int64_t n, int64_t offset = 0);
// Children's rows one after the other (same schema).
OpPtr make_union(std::vector<OpPtr> children);
// Every input row once per projection list (GROUPING SETS / rollup / cube).
OpPtr make_expand(OpPtr child, std::vector<std::vector<ExprPtr>> projections, std::vector<std::string> names,
                  const ExecContext& ctx);
// explode / explode_outer / posexplode of an array or map expression; the generated columns
// (pos?, col | key, value) follow the child's columns — those at positions `keep` when given
// (Spark's requiredChildOutput: inputs nobody reads later are not copied per element).
OpPtr make_generate(OpPtr child, ExprPtr collection, bool outer, bool with_position, const ExecContext& ctx,
                    std::optional<std::vector<int>> keep = std::nullopt);
// Bernoulli sample without replacement as Spark's SampleExec (BernoulliCellSampler): row kept
// when the next XORShiftRandom(seed + partition index) double is in [lower, upper) — the same
// rows as Spark for the same partitioning; randomSplit's splits are consecutive ranges.
OpPtr make_sample(OpPtr child, double lower, double upper, int64_t seed, const ExecContext& ctx);

// The operator tree with each node's metrics, for the SQL tab / REST:
// {"name", "rows", "batches", "timeNs", "spillBytes", "spillCount", "peakMemory", "children": [...]}.
nlohmann::json metrics_tree(const Operator& op);

// Bytes every operator of the tree spilled (a task's spill metrics).
int64_t total_spill_bytes(const Operator& op);

// Metrics of the tree's operators tagged with a plan node, one row each:
// [nodeId, rows, timeNs, spillBytes, peakMemory] (StatusUpdate.sql_metrics).
nlohmann::json node_metrics(const Operator& root);

// Pulls everything (tests, result collection).
Result<std::vector<Batch>> drain(Operator& op);
Result<Batch> drain_concat(Operator& op);

// Helpers for operators.
ColTypePtr schema_of(const std::vector<std::string>& names, const std::vector<ColTypePtr>& types);

}  // namespace spp::sql::exec
