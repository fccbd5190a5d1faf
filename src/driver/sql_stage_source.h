// SQL queries seen as a StageSource: each stage fragment of a prepared query (sql::cut_stages)
// is one scheduler node; its exchanges are shuffles named by the producing stage's node id.
// Tasks are `native` task plans (common/task_plan.h): the fragment, the partition, and where
// its leaves read — shuffle blocks of the parent stages, or this partition's slice of the
// query's local rows (createDataFrame data, cut as parallelize cuts its list).
//
// Node and shuffle ids start at kSqlNodeBase so they never meet the RDD graph's; StageRouter
// answers the DAG scheduler for both.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/frame.h"
#include "common/task_plan.h"
#include "driver/rdd_stage_source.h"
#include "scheduler/stage_source.h"
#include "sql/exec/range_partition.h"
#include "sql/physical/aqe.h"
#include "sql/session.h"

namespace spp::driver {

constexpr int kSqlNodeBase = 1 << 24;
// Cached DataFrames' blocks are named (kSqlCacheBlockBase + cache id, partition) in the block
// managers, next to persisted RDDs' (rdd id, partition).
constexpr int kSqlCacheBlockBase = 1 << 28;

struct SqlTaskBody final : scheduler::TaskBody {
  plan::NodePtr plan;                               // a NativeOp
  std::vector<BlobSlice> blobs;  // its BlobsSource inputs (local rows: slices of the upload)
  bool is_map = false;
  // The Python UDFs' functions its plan calls, by id: each executor gets each once (new_funcs).
  std::map<int64_t, std::shared_ptr<const std::string>> funcs;
  std::vector<int64_t> broadcasts;  // broadcast ids the Python RDDs it scans use
};

// The file chunks of each partition of a FileScan (its JSON node: format, paths, options) — the
// driver lists the files and packs them (driver/file_splits.h).
using FileSplitter = std::function<Result<std::vector<std::vector<plan::TextSource>>>(const nlohmann::json& file_scan)>;

class SqlStageSource final : public scheduler::StageSource {
 public:
  // `rdds` (borrowed): the Python RDDs that plans scan (`rdd:<id>` leaves, createDataFrame(rdd)).
  explicit SqlStageSource(const RddGraph* rdds = nullptr) : rdds_(rdds) {}
  // Registers the query's stages; returns the node of its result stage. `aqe`: how stages
  // reading only shuffles coalesce their partitions once those shuffles exist (sql/physical/aqe.h).
  Result<int> add(const sql::PreparedQuery& q, int default_parallelism, const FileSplitter& files = nullptr,
                  const sql::AqeSettings& aqe = no_aqe());
  // The DAG scheduler's map outputs: their sizes decide coalescing (borrowed; null = never).
  void observe(const MapOutputTracker* outputs) { outputs_ = outputs; }
  static sql::AqeSettings no_aqe() {
    sql::AqeSettings s;
    s.enabled = false;
    return s;
  }
  // Forgets a query's stages (its job ended); returns its map stages' shuffle ids, whose outputs
  // nothing reads any more.
  std::vector<int> remove(int result_node);
  // What AQE decided for a query's stages (switched joins, coalesced and local reads), by the
  // executed plan's node ids: its explain after the run (sql::adaptive_final_plan_string).
  sql::AqeDecisions aqe_decisions(int result_node) const;

  // Range exchanges (global sorts) need bounds before their map stage runs, as Spark's
  // RangePartitioner: a sampling job over the same input first. The first map stage of the
  // query still lacking bounds (leaves first, so a sampled stage's inputs have theirs), or -1.
  int next_range_to_sample(int result_node) const;
  // A result stage computing what `map_node` computes, each task returning its partition's row
  // count and a reservoir sample of its sort keys (exec/range_partition.h); forgotten with the
  // query. `points` = spark.sql.execution.rangeExchange.sampleSizePerPartition.
  int add_range_sampler(int map_node, int points);
  // A sampling job's results (per partition asked, its task's blobs). The first job's reservoir
  // samples may show partitions holding more than their share: those are returned, and the
  // sampler's tasks for them now Bernoulli-sample (a second job over just them, as Spark).
  // Otherwise — or after that second job — the map stage gets its bounds (Spark's
  // determineBounds over the weighted samples), the sampler stage is forgotten and the
  // result is empty.
  Result<std::vector<int>> take_range_samples(int sampler_node, const std::vector<std::vector<std::string>>& results);
  static bool owns(int node) { return node >= kSqlNodeBase; }
  // Bytes a stage's leaves read (files, local rows, ranges), its parents' included: which side
  // of a join runs first (the early switch, see shuffle_deps).
  int64_t input_estimate(int node) const;

  // Cached DataFrames (InMemoryTableScan leaves `cache:<id>`): the cached query's stages are
  // registered once (`result_node` from add()) and kept until dropped. A scan's task reads
  // block (block_id, p), computing it with the cached result stage's task for p when the
  // executor lacks it; its stage depends on the cached stages' shuffles (skipped once they exist).
  void add_cache(int cache_id, int result_node, int block_id, nlohmann::json level);
  bool has_cache(int cache_id) const { return caches_.count(cache_id) > 0; }
  // Forgets a cache's stages; its block id, or -1 when unknown.
  int drop_cache(int cache_id, std::vector<int>* shuffles = nullptr);
  bool is_cache_block(int block_id) const;
  // Where blocks live (the driver's BlocksUpdated record): steers scans of cached data.
  void locate_blocks(std::function<std::vector<std::string>(int block, int partition)> f) { locate_ = std::move(f); }

  // A stage that may coalesce answers its un-coalesced width until every shuffle it reads
  // exists; the first answer after that is its final width (the DAG scheduler asks when it
  // submits the stage, which is after its inputs).
  int num_partitions(int node) const override;
  std::vector<int> shuffle_deps(int node) const override;
  bool last_dep_waits(int node) const override;
  scheduler::ShuffleDep shuffle(int shuffle_id) const override;
  std::vector<std::string> preferred_executors(int node, int partition) const override;
  Result<std::shared_ptr<const scheduler::TaskBody>> build_task(int node, int partition,
                                                                const MapOutputTracker& outputs) const override;
  std::string describe(int node) const override;

 private:
  // build_task's inputs for a cached DataFrame's / a scanned RDD's partition.
  Status cache_input(plan::NativeOp& op, SqlTaskBody& body, const std::string& ref, int id, int partition,
                     const MapOutputTracker& outputs) const;
  Status rdd_input(plan::NativeOp& op, SqlTaskBody& body, const std::string& ref, int rdd, int partition,
                   const MapOutputTracker& outputs) const;
  struct Stage {
    int node = 0, result_node = 0;
    bool is_result = false;
    mutable nlohmann::json plan;  // the fragment, leaves' data refs rewritten (see .cpp); AQE may re-plan it
    sql::PhysPtr root;            // the fragment as planned (AQE's join switch rewrites it)
    nlohmann::json partitioning;  // map stages: StageFragment::to_json()["output"]
    int num_partitions = 1;
    int num_reduce = 1;
    bool coalescible = false;  // map stages: its readers may coalesce its partitions
    // Reads only shuffles (and broadcasts), all coalescible: AQE may coalesce its partitions.
    bool may_coalesce = false;
    sql::AqeSettings aqe;
    // Reads only shuffles (and broadcasts) the planner made: AQE may switch its sort-merge joins
    // to broadcast hash joins once those shuffles exist (sql::switch_to_broadcast_joins).
    bool may_adapt = false;
    mutable std::set<std::string> whole_reads;  // switched joins' build sides: every task reads all
    mutable std::string local_ref;              // the shuffle read by map output, or empty
    mutable std::vector<sql::LocalReadSpec> local_specs;  // ... each task's maps and partitions
    mutable std::map<int, bool> switched_joins;  // node id -> built on the left
    // The early switch (inline_pending_side): shuffle reads whose map stage never ran — its
    // fragment runs inside this stage's tasks instead (their exchanges' node ids for explain).
    std::set<std::string> inlined;
    // Once decided: the partitions [first, second) each task reads (AQE-coalesced shuffle
    // partitions, or df.coalesce(n)'s groups of any leaves), or empty when one per task.
    mutable bool width_final = false;
    // last_dep_waits' probe (could a join stream this input with the others tiny?), by input
    // node: the answer depends only on the plan, asked again at every map task end.
    mutable std::map<int, bool> last_streamable;
    mutable std::vector<sql::PartitionRange> ranges;
    std::vector<int> parents;  // parent stages' nodes
    std::map<int64_t, std::shared_ptr<const std::string>> python_funcs;  // its UDFs' pickles
    // Leaf data ref -> where it reads: a parent node (shuffle/broadcast), or local rows cut
    // per partition (SPB1 streams per partition: slices of the relation's stream, and the
    // batches a cut went through encoded again).
    std::map<std::string, int> shuffle_reads, broadcast_reads;
    std::map<std::string, std::vector<std::vector<BlobSlice>>> local_rows;
    std::map<std::string, std::vector<std::vector<plan::TextSource>>> file_parts;  // FileScan leaves
    std::map<std::string, int> cache_reads;  // InMemoryTableScan leaves: ref -> cache id
    // Scan ExistingRDD leaves: ref -> the Python RDD (its lineage ends in SPB1 batches) whose
    // partition p each task computes in-process before its operators run.
    std::map<std::string, int> rdd_reads;
    // Range exchanges with several reduce partitions: the bounds (an SPB1 stream, see
    // exec/range_partition.h), once the sampling job gave them; the tasks carry it as a blob.
    bool needs_bounds = false;
    std::shared_ptr<std::string> bounds;
    int samples_for = -1;  // a sampler stage: the map stage it samples
    std::vector<sql::exec::RangeSample> kept;  // a sampler re-sampling: the balanced partitions' samples
    double fraction = 0;                       // ... with this Bernoulli fraction
    std::map<int, int64_t> resample_seeds;     // ... each partition with its seed
  };
  // Decides a stage's coalescing once its shuffles exist (see num_partitions).
  void settle_width(const Stage& st) const;
  // What shuffle `parent` holds per reduce partition, once every map output exists.
  std::optional<sql::ShuffleStats> shuffle_stats(int parent) const;
  // AQE's runtime switch to a broadcast join as soon as a join's smaller side ran (see .cpp).
  void inline_pending_side(const Stage& st) const;

  int width(const Stage& st) const;
  int64_t sample_size(const Stage& sampler) const;  // a range sampler's reservoir per partition
  struct Cache {
    int result_node = 0, block_id = 0;
    nlohmann::json level;
  };
  // The result nodes whose stages a query (its result node) runs: its own and its caches'.
  std::set<int> result_nodes_of(int result_node) const;
  std::map<int, Cache> caches_;
  std::function<std::vector<std::string>(int, int)> locate_;
  std::map<int, Stage> stages_;
  int next_node_ = kSqlNodeBase;
  const MapOutputTracker* outputs_ = nullptr;
  const RddGraph* rdds_ = nullptr;
};

// Routes the DAG scheduler's questions to the RDD graph or the SQL stages by node id.
class StageRouter final : public scheduler::StageSource {
 public:
  StageRouter(const RddStageSource& rdd, const SqlStageSource& sql) : rdd_(rdd), sql_(sql) {}
  int num_partitions(int node) const override { return of(node).num_partitions(node); }
  std::vector<int> shuffle_deps(int node) const override { return of(node).shuffle_deps(node); }
  bool last_dep_waits(int node) const override { return of(node).last_dep_waits(node); }
  scheduler::ShuffleDep shuffle(int id) const override { return of(id).shuffle(id); }
  std::vector<std::string> preferred_executors(int node, int p) const override { return of(node).preferred_executors(node, p); }
  Result<std::shared_ptr<const scheduler::TaskBody>> build_task(int node, int partition,
                                                                const MapOutputTracker& outputs) const override {
    return of(node).build_task(node, partition, outputs);
  }
  std::string describe(int node) const override { return of(node).describe(node); }
  std::string map_stage_name(int node) const override { return of(node).map_stage_name(node); }
  scheduler::StageProfile stage_profile(int node) const override { return of(node).stage_profile(node); }

 private:
  const scheduler::StageSource& of(int node) const {
    return SqlStageSource::owns(node) ? static_cast<const scheduler::StageSource&>(sql_) : rdd_;
  }
  const RddStageSource& rdd_;
  const SqlStageSource& sql_;
};

}  // namespace spp::driver
