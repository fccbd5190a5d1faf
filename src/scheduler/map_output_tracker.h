// Map-output tracking: where each map task of a shuffle left its output. The DAG scheduler
// owns the tracker; the stage source reads it to plan the reduce side.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "scheduler/compact_offsets.h"

namespace spp::scheduler {

// One map task's output: one data file, with the byte offsets of every reduce partition's
// segment (num_reduce + 1 offsets, kept compact), served by the executor's shuffle block server.
struct MapStatus {
  std::string exec_id;
  std::string host;
  int port = 0;
  std::string path;
  CompactOffsets offsets;
};

struct ShuffleOutputs {
  int num_maps = 0;
  int num_reduce = 0;
  std::vector<std::shared_ptr<MapStatus>> maps;  // by map partition; null: missing
  int missing() const {
    int n = 0;
    for (const auto& m : maps) n += m ? 0 : 1;
    return n;
  }
};

// By shuffle id. A plain map: the stage source only reads it.
using MapOutputTracker = std::map<int, ShuffleOutputs>;

// Forgets every output written by `exec_id` (its files are gone with it). Returns the shuffles
// that lost at least one output.
inline std::set<int> remove_outputs_on(MapOutputTracker& t, const std::string& exec_id) {
  std::set<int> touched;
  for (auto& [sid, out] : t)
    for (auto& m : out.maps)
      if (m && m->exec_id == exec_id) {
        m.reset();
        touched.insert(sid);
      }
  return touched;
}

}  // namespace spp::scheduler
