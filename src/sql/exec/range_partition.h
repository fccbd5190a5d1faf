// Range partitioning for global sorts, as Spark's RangePartitioner: every map task samples the
// sort keys of its rows (reservoir, `RangeSampler`), the driver turns the weighted samples into
// num-1 bounds (`range_bounds`, Spark's determineBounds), and map tasks route each row to the
// number of bounds that sort before its key (`range_partition_ids`). Pure: no I/O, no clock.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "sql/exec/sort.h"
#include "sql/kernels/xorshift.h"

namespace spp::sql::exec {

// The sort-key columns of `b` (one per order, evaluated), as a batch: what samples and bounds hold.
Batch sort_key_batch(const Batch& b, const std::vector<SortKey>& orders, const ExecContext& ctx);

// Reservoir sample of key rows of one partition (Algorithm R, XORShiftRandom(seed) as Spark's
// SamplingUtils.reservoirSampleAndCount). Keeps at most `capacity` rows and counts all rows seen.
// `bernoulli` instead keeps each row with probability `fraction`, as RDD.sample's BernoulliSampler
// (gap sampling up to fraction 0.4): how Spark re-samples partitions holding too many rows.
class RangeSampler {
 public:
  RangeSampler(std::vector<SortKey> orders, int64_t capacity, int64_t seed);
  static RangeSampler bernoulli(std::vector<SortKey> orders, double fraction, int64_t seed);
  void add(const Batch& b, const ExecContext& ctx);
  int64_t rows_seen() const { return seen_; }
  Batch sample() const;  // key columns (sort_key_batch layout); empty when no rows were seen

 private:
  bool bernoulli_keep();
  std::vector<SortKey> orders_;
  int64_t capacity_, seen_ = 0;
  kern::XorShiftRandom rng_;
  std::vector<Batch> kept_;                          // key batches holding the reservoir rows
  int64_t kept_rows_ = 0;                            // rows of those batches
  std::vector<std::pair<int32_t, int32_t>> slots_;   // reservoir slot -> (kept batch, row)
  double fraction_ = -1;                             // >= 0: Bernoulli
  bool gap_started_ = false;                         // GapSampling is created at the first row
  int32_t gap_ = 0;                                  // rows still to drop
};

// Per map partition: its sample and how many rows it had (weight = rows / sample size, unless
// `weight` is set: a re-sampled partition's keys weigh 1 / fraction).
struct RangeSample {
  Batch keys;
  int64_t rows = 0;
  double weight = 0;
};

// What RangePartitioner does after its sketch job: fraction = min(sampleSize / total rows, 1)
// with sampleSize = min(points * num, 1e6); partitions whose rows * fraction exceed the
// per-partition sample size are re-sampled with Bernoulli `fraction`, in a second job.
struct RangeResample {
  double fraction = 1;
  std::vector<int> partitions;  // ascending
};
RangeResample range_resample(const std::vector<RangeSample>& sketch, int num, int points, int64_t per_partition);

// java.util.Random(seed).nextLong() `count` times: RDD.sample's per-partition seeds
// (PartitionwiseSampledRDD draws one per partition, in order).
std::vector<int64_t> java_random_longs(int64_t seed, int count);

// Spark's RangePartitioner.determineBounds: candidates sorted by the orders, cumulative weight
// cut every total/num, duplicates skipped. At most num-1 rows, ascending in the orders.
Batch range_bounds(const std::vector<RangeSample>& samples, const std::vector<SortKey>& orders, int num);

// Partition of every row of `keys` (sort_key_batch layout): how many bounds sort strictly
// before it (Spark's getPartition), so equal keys always meet in one partition.
std::vector<int32_t> range_partition_ids(const Batch& keys, const std::vector<SortKey>& orders, const Batch& bounds);

// Spark's sample size per map partition for `num` reduce partitions over `map_partitions` inputs:
// ceil(3 * min(points * num, 1e6) / map_partitions), `points` = the per-partition hint (SQL:
// spark.sql.execution.rangeExchange.sampleSizePerPartition, 100; RDDs: 20).
int64_t range_sample_size(int num, int map_partitions, int points);

// scala.util.hashing.byteswap32: multiply by the golden ratio, reverse the bytes, multiply.
uint32_t byteswap32(uint32_t v);
// The reservoir seed of map partition `partition` (Spark's sketch: byteswap32(idx ^ (shift << 16)),
// shift = the sampled RDD's id; ours = the exchange's stage).
int64_t range_sample_seed(int partition, int shift);

// Rows of `b` split by their range partition: out[p] holds the rows going to partition p (in
// their original order); partitions without rows get an empty batch.
std::vector<Batch> range_partition_batch(const Batch& b, const std::vector<SortKey>& orders, const Batch& bounds, int num,
                                         const ExecContext& ctx);

// On the wire, both SPB1 streams (exact for every key type: NaN, decimals, nulls):
// - a sampling task's result: a one-row batch {rows: long} (the partition's row count), then the
//   sampled keys when there are any;
// - bounds: zero batches (no bounds: every row to partition 0) or one batch of keys.
std::string encode_range_sample(const RangeSample& s);
Result<RangeSample> decode_range_sample(std::string_view stream);
std::string encode_range_bounds(const Batch& bounds);
Result<Batch> decode_range_bounds(std::string_view stream);

}  // namespace spp::sql::exec
