// The RDD lineage seen as a StageSource: what the DAG scheduler needs to cut an RDD job into
// stages (shuffle dependencies, partition counts, cached-block locality) and to build its
// tasks (RddGraph::build_task, carried opaquely as an RddTaskBody).
#pragma once
#include <map>
#include <set>
#include <string>
#include <utility>

#include "driver/rdd_graph.h"
#include "scheduler/stage_source.h"

namespace spp::driver {

// Cached RDD blocks: (rdd, partition) -> executors holding it (BlocksUpdated keeps it).
using BlockLocations = std::map<std::pair<int, int>, std::set<std::string>>;

struct RddTaskBody final : scheduler::TaskBody {
  TaskPayload payload;
};

class RddStageSource final : public scheduler::StageSource {
 public:
  // Both borrowed for the source's lifetime.
  RddStageSource(const RddGraph& graph, const BlockLocations& blocks) : graph_(graph), blocks_(blocks) {}
  int num_partitions(int node) const override;
  std::vector<int> shuffle_deps(int node) const override { return graph_.shuffle_deps(node); }
  scheduler::ShuffleDep shuffle(int shuffle_id) const override;
  std::vector<std::string> preferred_executors(int node, int partition) const override;
  Result<std::shared_ptr<const scheduler::TaskBody>> build_task(int node, int partition,
                                                                const MapOutputTracker& outputs) const override;
  // "RDD 3"; a map stage is named after its RDD's creation site ("reduceByKey at job.py:12").
  std::string describe(int node) const override { return "RDD " + std::to_string(node); }
  std::string map_stage_name(int node) const override;
  scheduler::StageProfile stage_profile(int node) const override { return graph_.stage_profile(node); }

 private:
  const RddGraph& graph_;
  const BlockLocations& blocks_;
};

}  // namespace spp::driver
