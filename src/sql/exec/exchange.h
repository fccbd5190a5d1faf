// Map side of a shuffle exchange: splits a batch into one batch per reduce partition by Spark's
// hash partitioning (pmod(murmur3(keys, 42), n), as F.hash and Spark's shuffles), so output
// co-partitions with Spark's; the pieces go to shuffle blocks (LZ4 records) or, in local mode,
// stay in memory as they are.
#pragma once
#include <vector>

#include "sql/exec/operator.h"

namespace spp::sql::exec {

// out[p] holds the rows of `b` whose keys hash to partition p (in their original order): slices
// of one batch gathered in partition order (one allocation per buffer, not one per partition);
// partitions without rows get an empty slice.
std::vector<Batch> hash_partition_batch(const Batch& b, const std::vector<ExprPtr>& keys, int num_partitions,
                                        const ExecContext& ctx);
// Partition id of every row (the same function, for callers that route rows themselves).
std::vector<int32_t> hash_partition_ids(const Batch& b, const std::vector<ExprPtr>& keys, int num_partitions,
                                        const ExecContext& ctx);

}  // namespace spp::sql::exec
