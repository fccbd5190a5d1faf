// Hash partitioning of batches for the shuffle exchange.
#include "sql/exec/exchange.h"

#include "sql/kernels/hash.h"

namespace spp::sql::exec {

std::vector<int32_t> hash_partition_ids(const Batch& b, const std::vector<ExprPtr>& keys, int num_partitions,
                                        const ExecContext& ctx) {
  std::vector<Vec> kv;
  for (const auto& k : keys) kv.push_back(eval(*k, b, nullptr, ctx.eval));
  return kern::hash_partition(kv, b.num_rows, num_partitions);
}

std::vector<Batch> hash_partition_batch(const Batch& b, const std::vector<ExprPtr>& keys, int num_partitions,
                                        const ExecContext& ctx) {
  auto ids = hash_partition_ids(b, keys, num_partitions, ctx);
  std::vector<std::vector<int32_t>> rows(static_cast<size_t>(num_partitions));
  for (int64_t r = 0; r < b.num_rows; ++r) rows[size_t(ids[size_t(r)])].push_back(int32_t(r));
  std::vector<Batch> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(col::gather(b, r.data(), int64_t(r.size())));
  return out;
}

}  // namespace spp::sql::exec
