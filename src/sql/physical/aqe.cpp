// Spark 3.5's partition coalescing (see aqe.h).
#include "sql/physical/aqe.h"

#include <algorithm>
#include <cmath>

namespace spp::sql {

std::optional<std::vector<PartitionRange>> coalesce_partitions(const std::vector<std::vector<int64_t>>& bytes,
                                                               const AqeSettings& s) {
  if (!s.enabled || !s.coalesce || bytes.empty()) return std::nullopt;
  const size_t n = bytes[0].size();
  for (const auto& b : bytes)
    if (b.size() != n) return std::nullopt;  // e.g. a union of a 1-partition and a 200-partition shuffle
  // parallelismFirst: aim at no fewer than defaultParallelism tasks (but no partition under the
  // minimum size); otherwise respect the advisory size alone. An explicit minPartitionNum drops
  // the minimum size.
  const int min_num = s.parallelism_first ? s.min_partition_num.value_or(s.default_parallelism) : 1;
  const int64_t min_size = s.min_partition_num ? 0 : s.min_partition_bytes;
  int64_t total = 0;
  for (const auto& b : bytes)
    for (int64_t v : b) total += v;
  const int64_t max_target =
      std::max<int64_t>(static_cast<int64_t>(std::ceil(static_cast<double>(total) / std::max(1, min_num))), 16);
  const int64_t target = std::max(std::min(max_target, s.advisory_bytes), min_size);

  std::vector<PartitionRange> out;
  int64_t size = 0;
  size_t split = 0;
  for (size_t i = 0; i < n; ++i) {
    int64_t here = 0;
    for (const auto& b : bytes) here += b[i];
    if (i > split && size + here > target) {
      if (size > 0) out.emplace_back(static_cast<int>(split), static_cast<int>(i));  // no task for an empty run
      split = i;
      size = here;
    } else {
      size += here;
    }
  }
  if (size > 0 || out.empty()) out.emplace_back(static_cast<int>(split), static_cast<int>(n));
  if (out.size() >= n) return std::nullopt;
  return out;
}

}  // namespace spp::sql
