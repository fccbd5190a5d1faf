// Range partitioning for global sorts, as Spark's RangePartitioner: every map task samples the
// sort keys of its rows (reservoir, `RangeSampler`), the driver turns the weighted samples into
// num-1 bounds (`range_bounds`, Spark's determineBounds), and map tasks route each row to the
// number of bounds that sort before its key (`range_partition_ids`). Pure: no I/O, no clock.
#pragma once
#include <vector>

#include "sql/exec/sort.h"
#include "sql/kernels/xorshift.h"

namespace spp::sql::exec {

// The sort-key columns of `b` (one per order, evaluated), as a batch: what samples and bounds hold.
Batch sort_key_batch(const Batch& b, const std::vector<SortKey>& orders, const ExecContext& ctx);

// Reservoir sample of key rows of one partition (Algorithm R, XORShiftRandom(seed) as Spark's
// SamplingUtils.reservoirSampleAndCount). Keeps at most `capacity` rows and counts all rows seen.
class RangeSampler {
 public:
  RangeSampler(std::vector<SortKey> orders, int64_t capacity, int64_t seed);
  void add(const Batch& b, const ExecContext& ctx);
  int64_t rows_seen() const { return seen_; }
  Batch sample() const;  // key columns (sort_key_batch layout); empty when no rows were seen

 private:
  std::vector<SortKey> orders_;
  int64_t capacity_, seen_ = 0;
  kern::XorShiftRandom rng_;
  std::vector<Batch> kept_;                          // key batches holding the reservoir rows
  std::vector<std::pair<int32_t, int32_t>> slots_;   // reservoir slot -> (kept batch, row)
};

// Per map partition: its sample and how many rows it had (weight = rows / sample size).
struct RangeSample {
  Batch keys;
  int64_t rows = 0;
};

// Spark's RangePartitioner.determineBounds: candidates sorted by the orders, cumulative weight
// cut every total/num, duplicates skipped. At most num-1 rows, ascending in the orders.
Batch range_bounds(const std::vector<RangeSample>& samples, const std::vector<SortKey>& orders, int num);

// Partition of every row of `keys` (sort_key_batch layout): how many bounds sort strictly
// before it (Spark's getPartition), so equal keys always meet in one partition.
std::vector<int32_t> range_partition_ids(const Batch& keys, const std::vector<SortKey>& orders, const Batch& bounds);

// Spark's sample size per map partition for `num` reduce partitions over `map_partitions` inputs:
// ceil(3 * min(20 * num, 1e6) / map_partitions).
int64_t range_sample_size(int num, int map_partitions);

}  // namespace spp::sql::exec
