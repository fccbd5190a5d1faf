// Adaptive query execution, the part that runs between stages: once the map stages a stage
// reads have written their shuffles, small contiguous reduce partitions are read together by
// one task (Spark's CoalesceShufflePartitions + ShufflePartitionsUtil), so a small query does
// not run spark.sql.shuffle.partitions (200) nearly empty tasks; and a sort-merge join whose
// side turned out small becomes a broadcast hash join (Spark's re-planning with runtime
// statistics + DemoteBroadcastHashJoin + OptimizeShuffleWithLocalShuffleReader). Pure: sizes
// and plans in, ranges and plans out.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sql/physical/physical.h"

namespace spp::sql {

struct AqeSettings {
  bool enabled = true;                          // spark.sql.adaptive.enabled
  bool coalesce = true;                         // spark.sql.adaptive.coalescePartitions.enabled
  bool parallelism_first = true;                // spark.sql.adaptive.coalescePartitions.parallelismFirst
  int64_t advisory_bytes = 64LL << 20;          // spark.sql.adaptive.advisoryPartitionSizeInBytes
  int64_t min_partition_bytes = 1LL << 20;      // spark.sql.adaptive.coalescePartitions.minPartitionSize
  std::optional<int> min_partition_num;         // spark.sql.adaptive.coalescePartitions.minPartitionNum
  int default_parallelism = 1;                  // the context's defaultParallelism
  // spark.sql.adaptive.autoBroadcastJoinThreshold (falls back to spark.sql.autoBroadcastJoinThreshold;
  // negative: no runtime switch to broadcast joins)
  int64_t broadcast_threshold = 10LL << 20;
  double non_empty_ratio = 0.2;                 // spark.sql.adaptive.nonEmptyPartitionRatioForBroadcastJoin
  bool local_shuffle_reader = true;             // spark.sql.adaptive.localShuffleReader.enabled
  // A join's smaller side runs first, and the switch happens before the other side's map stage
  // (driver/sql_stage_source.cpp inline_pending_side): spark.sql.sparkpp.adaptive.earlyBroadcastSwitch.enabled
  bool early_switch = true;
};

// A coalesced read: reduce partitions [start, end) of every shuffle the stage reads.
using PartitionRange = std::pair<int, int>;

// `bytes[s][r]`: how many bytes shuffle s holds for reduce partition r (summed over its map
// outputs). Returns the ranges the stage's tasks read, or nothing when the partitions stay as
// they are: coalescing off, shuffles of different widths, or no fewer partitions. Partitions
// are packed in order until the next would pass the target size; empty runs get no task, but
// at least one range is returned (an empty input still gives one empty partition).
std::optional<std::vector<PartitionRange>> coalesce_partitions(const std::vector<std::vector<int64_t>>& bytes,
                                                               const AqeSettings& s);

// ---- the runtime switch from sort-merge to broadcast hash join ----

// What a finished shuffle map stage wrote, as the stage reading it sees it.
struct ShuffleStats {
  std::vector<int64_t> bytes;  // per reduce partition, summed over the map outputs
  int num_maps = 0;
  int64_t total() const;
};

// A stage fragment after the switch. `broadcast`: the shuffle reads (`shuffle:<id>` refs) that
// became a broadcast hash join's build side — every task reads all of them. `local`: the one
// shuffle read now read by map output (Spark's `AQEShuffleRead local`), or empty when the
// stage keeps reading reduce partitions.
struct JoinSwitch {
  PhysPtr root;
  std::set<std::string> broadcast;
  std::string local;
  std::map<int, bool> joins;  // the switched joins' node ids (PhysicalPlan::node_id): built on the left?
};

// Spark re-plans a join once both its sides' shuffle stages ran: a side whose shuffle output is
// at most `broadcast_threshold` bytes (and does not have fewer than `non_empty_ratio` of its
// partitions non-empty: DemoteBroadcastHashJoin) is a broadcast hash join's build side, the
// smaller one when both qualify and the join type allows either (right for left outer / semi /
// anti, left for right outer, either for inner, none for full outer). Only sort-merge joins
// whose build side is (a Sort of) a shuffle read of `stats` switch — the streamed side may be
// another such read or any subtree (an aggregate over a shuffle read, TPC-H Q17), never a read
// of a stage that has not run — and only when nothing above the join in the fragment relies on
// its sorted output. The streamed side is then read by map
// output when nothing above relies on its partitioning and it is the fragment's only other
// shuffle read. Nothing to switch: nullopt.
// `pending`: a shuffle read whose map stage has not run yet (no stats): it may be a switched
// join's streamed side, never its build side. The driver then runs that map stage's fragment
// inside this stage instead of writing its shuffle, when it is the local read (the early
// switch: sparkpp runs a join's smaller side first, see driver/sql_stage_source.cpp).
std::optional<JoinSwitch> switch_to_broadcast_joins(const PhysPtr& fragment, const std::map<std::string, ShuffleStats>& stats,
                                                    const AqeSettings& s, const std::string& pending = {});

// A local shuffle read's tasks: maps [map_lo, map_hi) x reduce partitions [lo, hi) each.
struct LocalReadSpec {
  int map_lo = 0, map_hi = 0, lo = 0, hi = 0;
  bool operator==(const LocalReadSpec& o) const {
    return map_lo == o.map_lo && map_hi == o.map_hi && lo == o.lo && hi == o.hi;
  }
};
// Spark's OptimizeShuffleWithLocalShuffleReader.getPartitionSpecs: `parallelism` tasks wanted
// (the coalesced reader's count, else the reduce partitions); with at least one per map output,
// each map's reduce partitions are cut into parallelism / maps ranges, else maps are grouped.
std::vector<LocalReadSpec> local_read_specs(int num_maps, int num_reduce, int parallelism);

// What AQE decided for a query that ran, by the executed plan's node ids: the switched joins
// (built on the left?) and how each exchange was read ("coalesced", "local", or
// "inlined": its map stage ran inside the reading stage; absent: as is).
struct AqeDecisions {
  std::map<int, bool> joins;
  std::map<int, std::string> reads;
};
// explain() of a query that ran with AQE (planner.cpp): `AdaptiveSparkPlan isFinalPlan=true`,
// `+- == Final Plan ==` (exchanges as ShuffleQueryStage / BroadcastQueryStage, their readers as
// `AQEShuffleRead coalesced|local`, switched joins as BroadcastHashJoin over a new broadcast
// stage) and `+- == Initial Plan ==` (what explain showed before). No codegen markers.
// `executed`: the numbered executed plan; `initial`: the physical plan explain shows.
std::string adaptive_final_plan_string(const PhysPtr& executed, const PhysPtr& initial, const AqeDecisions& d,
                                       const PlannerOptions& opts);

}  // namespace spp::sql
