// Range partitioning: reservoir sampling of sort keys, Spark's bound selection, row routing.
#include "sql/exec/range_partition.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace spp::sql::exec {

namespace {
// The orders re-pointed at columns 0..k-1 of a key batch.
std::vector<SortKey> on_key_columns(const std::vector<SortKey>& orders) {
  std::vector<SortKey> out;
  for (size_t i = 0; i < orders.size(); ++i)
    out.push_back({col_ref(int(i), orders[i].expr->type), orders[i].ascending, orders[i].nulls_first});
  return out;
}
}  // namespace

Batch sort_key_batch(const Batch& b, const std::vector<SortKey>& orders, const ExecContext& ctx) {
  Batch k;
  k.num_rows = b.num_rows;
  std::vector<std::string> names;
  std::vector<ColTypePtr> types;
  for (size_t i = 0; i < orders.size(); ++i) {
    k.columns.push_back(eval_flat(*orders[i].expr, b, ctx.eval));
    names.push_back("k" + std::to_string(i));
    types.push_back(orders[i].expr->type);
  }
  k.schema = schema_of(names, types);
  return k;
}

RangeSampler::RangeSampler(std::vector<SortKey> orders, int64_t capacity, int64_t seed)
    : orders_(std::move(orders)), capacity_(std::max<int64_t>(1, capacity)), rng_(seed) {}

void RangeSampler::add(const Batch& b, const ExecContext& ctx) {
  if (b.num_rows == 0) return;
  Batch keys = sort_key_batch(b, orders_, ctx);
  const int32_t kb = int32_t(kept_.size());
  bool used = false;
  for (int64_t r = 0; r < b.num_rows; ++r, ++seen_) {
    if (seen_ < capacity_) {  // fill the reservoir first
      slots_.push_back({kb, int32_t(r)});
      used = true;
      continue;
    }
    // Replace slot j with probability capacity/(seen+1), j uniform in [0, seen].
    int64_t j = int64_t(rng_.next_double() * double(seen_ + 1));
    if (j < capacity_) {
      slots_[size_t(j)] = {kb, int32_t(r)};
      used = true;
    }
  }
  if (used) kept_.push_back(std::move(keys));
  else kept_.push_back(Batch());  // keep batch numbering; holds nothing
}

Batch RangeSampler::sample() const {
  if (slots_.empty()) return Batch();
  std::vector<Batch> parts;
  for (const auto& [kb, row] : slots_) parts.push_back(col::slice(kept_[size_t(kb)], row, 1));
  return col::concat(parts);
}

Batch range_bounds(const std::vector<RangeSample>& samples, const std::vector<SortKey>& orders, int num) {
  std::vector<Batch> parts;
  std::vector<double> weights;
  for (const auto& s : samples) {
    if (s.keys.num_rows == 0) continue;
    parts.push_back(s.keys);
    weights.insert(weights.end(), size_t(s.keys.num_rows), double(s.rows) / double(s.keys.num_rows));
  }
  if (parts.empty() || num <= 1) {
    Batch none;
    if (!parts.empty()) none = col::slice(parts[0], 0, 0);
    return none;
  }
  Batch all = col::concat(parts);
  const auto keys = on_key_columns(orders);
  std::vector<int32_t> idx(size_t(all.num_rows));
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(),
                   [&](int32_t a, int32_t b) { return compare_sort_rows(keys, all, a, all, b, 0) < 0; });
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0), step = total / num;
  double cum = 0, target = step;
  std::vector<int32_t> picked;
  for (size_t i = 0; i < idx.size() && int(picked.size()) < num - 1; ++i) {
    cum += weights[size_t(idx[i])];
    if (cum < target) continue;
    if (!picked.empty() && compare_sort_rows(keys, all, idx[i], all, picked.back(), 0) <= 0) continue;  // duplicate
    picked.push_back(idx[i]);
    target += step;
  }
  return col::gather(all, picked.data(), int64_t(picked.size()));
}

std::vector<int32_t> range_partition_ids(const Batch& keys, const std::vector<SortKey>& orders, const Batch& bounds) {
  const auto ks = on_key_columns(orders);
  std::vector<int32_t> out(size_t(keys.num_rows), 0);
  for (int64_t r = 0; r < keys.num_rows; ++r) {
    int64_t lo = 0, hi = bounds.num_rows;  // first bound not sorting before the key
    while (lo < hi) {
      int64_t mid = (lo + hi) / 2;
      if (compare_sort_rows(ks, bounds, mid, keys, r, 0) < 0) lo = mid + 1;
      else hi = mid;
    }
    out[size_t(r)] = int32_t(lo);
  }
  return out;
}

int64_t range_sample_size(int num, int map_partitions) {
  const double total = std::min(20.0 * num, 1e6);
  return int64_t(std::ceil(3.0 * total / std::max(1, map_partitions)));
}

}  // namespace spp::sql::exec
