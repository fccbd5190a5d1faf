// RddStageSource: the RDD lineage answering the DAG scheduler's questions.
#include "driver/rdd_stage_source.h"

namespace spp::driver {

int RddStageSource::num_partitions(int node) const {
  const RddNode* n = graph_.node(node);
  return n ? n->num_partitions : -1;
}

// A shuffle's id is the id of its "shuffled" RDD; its map side computes the parent.
scheduler::ShuffleDep RddStageSource::shuffle(int shuffle_id) const {
  const RddNode* n = graph_.node(shuffle_id);
  scheduler::ShuffleDep d;
  if (!n || n->parents.empty()) return d;
  d.map_node = n->parents[0];
  d.num_reduce = n->num_partitions;
  return d;
}

std::string RddStageSource::map_stage_name(int node) const {
  const RddNode* n = graph_.node(node);
  std::string site = n ? rdd_callsite(*n) : "";
  return site.empty() ? scheduler::StageSource::map_stage_name(node) : site;
}

std::vector<std::string> RddStageSource::preferred_executors(int node, int partition) const {
  std::vector<std::string> execs;
  for (const auto& blk : graph_.cached_blocks(node, partition)) {
    auto it = blocks_.find(blk);
    if (it != blocks_.end()) execs.insert(execs.end(), it->second.begin(), it->second.end());
  }
  return execs;
}

Result<std::shared_ptr<const scheduler::TaskBody>> RddStageSource::build_task(int node, int partition,
                                                                             const MapOutputTracker& outputs) const {
  using R = Result<std::shared_ptr<const scheduler::TaskBody>>;
  auto p = graph_.build_task(node, partition, outputs);
  if (!p) return R::error(p.error_message());
  auto body = std::make_shared<RddTaskBody>();
  body->payload = std::move(p.value());
  return std::shared_ptr<const scheduler::TaskBody>(std::move(body));
}

}  // namespace spp::driver
