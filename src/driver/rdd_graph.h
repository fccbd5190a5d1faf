// The driver's copy of the RDD lineage, as declared by the Python program (PyDefineRdd), and
// the translation of "partition p of RDD r" into a task plan (docs/protocol.md "Task plans").
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/messages.h"
#include "common/status.h"
#include "driver/file_splits.h"
#include "scheduler/map_output_tracker.h"
#include "scheduler/stage_source.h"

namespace spp::driver {

using json = nlohmann::json;

struct RddNode {
  int id = 0;
  std::string kind;
  std::vector<int> parents;
  int num_partitions = 0;
  json args;
  // parallelize: data blobs, partition after partition; `batch_start[p]` indexes the first.
  std::vector<std::shared_ptr<const std::string>> blobs;
  std::vector<int> batch_start, batch_count;
  std::shared_ptr<const std::string> func;   // python: the pickled function
  std::vector<TextSplit> text_splits;        // text_file
  std::vector<std::vector<FileEntry>> file_groups;  // whole_text_files
  std::vector<std::vector<int>> coalesce_groups;    // coalesce: parent partitions per partition
  std::vector<int64_t> broadcasts;                  // python: broadcast ids its function uses
  json persist;                                     // storage level when persisted, else null
  std::vector<std::string> checkpoint_files;        // checkpoint: one file per partition
  std::shared_ptr<const scheduler::StageProfile> profile;  // rdd.withResources, else null
};

using scheduler::MapOutputTracker;
using scheduler::MapStatus;
using scheduler::ShuffleOutputs;

// What one task needs beyond its plan: the functions it uses and its input blobs.
struct TaskPayload {
  json plan;
  std::vector<int64_t> funcs;
  std::vector<std::shared_ptr<const std::string>> input_blobs;
  std::vector<int64_t> broadcasts;  // broadcast ids the task's functions use
  // Python UDFs of the SQL result partitions it computes (df.rdd), by id: not in the graph.
  std::map<int64_t, std::shared_ptr<const std::string>> sql_funcs;
};

class RddGraph {
 public:
  // Validates and stores a node. Returns the partition count.
  Result<int> define(const msg::PyDefineRdd& m, std::vector<std::string>&& blobs);
  // The SQL stages `sql` RDDs read (df.rdd: args.sql_node, a registered query's result stage,
  // whose task for partition p the RDD's task runs first). Borrowed.
  void sql_stages(const scheduler::StageSource* s) { sql_ = s; }
  const scheduler::StageSource* sql_stages() const { return sql_; }
  const RddNode* node(int id) const;
  // Builds the plan computing `partition` of `rdd` within one task (narrow dependencies only).
  // Shuffle inputs are located through `outputs` (they must be complete).
  Result<TaskPayload> build_task(int rdd, int partition, const MapOutputTracker& outputs) const;
  // Shuffle dependencies reachable from `rdd` through narrow dependencies only (the shuffles
  // the stage computing `rdd` reads), in discovery order.
  std::vector<int> shuffle_deps(int rdd) const;
  // rdd.withResources(profile): false when the RDD is unknown.
  bool set_profile(int rdd, const scheduler::StageProfile& p);
  // The profile of the stage computing `rdd`: the one profile among the RDDs it reaches
  // through narrow dependencies (a shuffled RDD's own, not its parents'), as Spark's
  // mergeResourceProfilesForStage; two different ones are an error.
  scheduler::StageProfile stage_profile(int rdd) const;
  std::shared_ptr<const std::string> func_blob(int64_t fid) const;
  // persist / unpersist: later tasks read (or compute and store) cached blocks.
  Status set_persist(int rdd, const json& level);
  // Drops a node the Python program no longer references (its children are gone too). Returns
  // whether it was a shuffle (whose map outputs the caller removes).
  bool forget(int rdd);
  // checkpoint: the RDD's partitions now live in `dir`/part-NNNNN; its lineage is cut.
  Status checkpoint(int rdd, const std::string& dir);
  // The persisted (rdd, partition) blocks a task computing `partition` of `rdd` would read
  // first (the topmost ones along narrow dependencies): for locality preferences.
  std::vector<std::pair<int, int>> cached_blocks(int rdd, int partition) const;

 private:
  Status resolve(int rdd, int partition, TaskPayload& out, int& next_input, const MapOutputTracker& outputs,
                 bool ignore_persist = false) const;
  void cached_blocks(int rdd, int partition, std::vector<std::pair<int, int>>& out) const;
  std::map<int, RddNode> nodes_;
  const scheduler::StageSource* sql_ = nullptr;
};

// The class name Spark's UI shows for the RDD (ParallelCollectionRDD, PythonRDD, ShuffledRDD, a
// textFile's paths...), or the name the program gave it (setName).
std::string rdd_class_name(const RddNode& n);
// Where the Python program created the RDD, as PySpark's call sites ("map at job.py:7"), or "".
std::string rdd_callsite(const RddNode& n);

// The RDD graph of a job (the RDD and its ancestors) for the DAG picture:
// {"rdd":N,"nodes":[{"id","kind","name","callsite","parents":[..],"partitions"}...]}, the job's
// RDD first.
nlohmann::json rdd_lineage(const RddGraph& g, int rdd);

}  // namespace spp::driver
