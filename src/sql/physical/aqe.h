// Adaptive query execution, the part that runs between stages: once the map stages a stage
// reads have written their shuffles, small contiguous reduce partitions are read together by
// one task (Spark's CoalesceShufflePartitions + ShufflePartitionsUtil), so a small query does
// not run spark.sql.shuffle.partitions (200) nearly empty tasks. Pure: sizes in, ranges out.
#pragma once
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace spp::sql {

struct AqeSettings {
  bool enabled = true;                          // spark.sql.adaptive.enabled
  bool coalesce = true;                         // spark.sql.adaptive.coalescePartitions.enabled
  bool parallelism_first = true;                // spark.sql.adaptive.coalescePartitions.parallelismFirst
  int64_t advisory_bytes = 64LL << 20;          // spark.sql.adaptive.advisoryPartitionSizeInBytes
  int64_t min_partition_bytes = 1LL << 20;      // spark.sql.adaptive.coalescePartitions.minPartitionSize
  std::optional<int> min_partition_num;         // spark.sql.adaptive.coalescePartitions.minPartitionNum
  int default_parallelism = 1;                  // the context's defaultParallelism
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

}  // namespace spp::sql
