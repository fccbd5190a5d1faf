// Range partitioning: reservoir sampling of sort keys, Spark's bound selection, row routing.
#include "sql/exec/range_partition.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "sql/columnar/builder.h"
#include "sql/columnar/serde.h"

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

RangeSampler RangeSampler::bernoulli(std::vector<SortKey> orders, double fraction, int64_t seed) {
  RangeSampler s(std::move(orders), 1, seed);
  s.fraction_ = std::max(0.0, fraction);
  return s;
}

// BernoulliSampler.sample(): GapSampling (drop floor(log(u) / log(1 - f)) rows, keep one) for
// small fractions, a coin per row above 0.4 (RandomSampler.defaultMaxGapSamplingFraction).
bool RangeSampler::bernoulli_keep() {
  if (fraction_ <= 0) return false;
  if (fraction_ >= 1) return true;
  if (fraction_ > 0.4) return rng_.next_double() <= fraction_;
  auto advance = [&] {
    const double u = std::max(rng_.next_double(), 5e-11);  // RandomSampler.rngEpsilon
    gap_ = int32_t(std::min(std::log(u) / std::log1p(-fraction_), 2147483647.0));
  };
  if (!gap_started_) {
    gap_started_ = true;
    advance();
  }
  if (gap_ > 0) {
    --gap_;
    return false;
  }
  advance();
  return true;
}

void RangeSampler::add(const Batch& b, const ExecContext& ctx) {
  if (b.num_rows == 0) return;
  Batch keys = sort_key_batch(b, orders_, ctx);
  if (fraction_ >= 0) {
    std::vector<int32_t> keep;
    for (int64_t r = 0; r < b.num_rows; ++r, ++seen_)
      if (bernoulli_keep()) keep.push_back(int32_t(r));
    if (!keep.empty()) kept_.push_back(col::gather(keys, keep.data(), int64_t(keep.size())));
    return;
  }
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
  if (used) {
    kept_rows_ += keys.num_rows;
    kept_.push_back(std::move(keys));
  } else {
    kept_.push_back(Batch());  // keep batch numbering; holds nothing
  }
  // Each kept batch pins all its keys for a slot or two: once they hold several times the
  // reservoir, gather the reservoir into one batch (the sample stays the same).
  if (kept_rows_ > 4 * capacity_ + 4096) {
    Batch now = sample();
    kept_.assign(1, now);
    for (size_t i = 0; i < slots_.size(); ++i) slots_[i] = {0, int32_t(i)};
    kept_rows_ = now.num_rows;
  }
}

Batch RangeSampler::sample() const {
  if (fraction_ >= 0) return kept_.empty() ? Batch() : col::concat(kept_);
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
    // Spark keeps each weight as a Float.
    const double w = s.weight > 0 ? s.weight : double(s.rows) / double(s.keys.num_rows);
    weights.insert(weights.end(), size_t(s.keys.num_rows), double(float(w)));
  }
  num = int(std::min<int64_t>(num, int64_t(weights.size())));  // RangePartitioner: min(partitions, candidates)
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

int64_t range_sample_size(int num, int map_partitions, int points) {
  const double total = std::min(double(points) * num, 1e6);
  return int64_t(std::ceil(3.0 * total / std::max(1, map_partitions)));
}

RangeResample range_resample(const std::vector<RangeSample>& sketch, int num, int points, int64_t per_partition) {
  RangeResample out;
  int64_t total = 0;
  for (const auto& s : sketch) total += s.rows;
  const double sample_size = std::min(double(points) * num, 1e6);
  out.fraction = std::min(sample_size / double(std::max<int64_t>(total, 1)), 1.0);
  for (size_t p = 0; p < sketch.size(); ++p)
    if (out.fraction * double(sketch[p].rows) > double(per_partition)) out.partitions.push_back(int(p));
  return out;
}

std::vector<int64_t> java_random_longs(int64_t seed, int count) {
  const uint64_t kMul = 0x5DEECE66DULL, kMask = (1ULL << 48) - 1;
  uint64_t s = (uint64_t(seed) ^ kMul) & kMask;
  auto next32 = [&] {
    s = (s * kMul + 0xBULL) & kMask;
    return int32_t(uint32_t(s >> 16));
  };
  std::vector<int64_t> out;
  for (int i = 0; i < count; ++i) {
    const int64_t hi = next32(), lo = next32();  // Java: ((long) next(32) << 32) + next(32), wrapping
    out.push_back(int64_t((uint64_t(hi) << 32) + uint64_t(lo)));
  }
  return out;
}

uint32_t byteswap32(uint32_t v) {
  uint32_t h = v * 0x9e3779b9u;
  h = __builtin_bswap32(h);
  return h * 0x9e3779b9u;
}

int64_t range_sample_seed(int partition, int shift) {
  // Scala widens the Int result to the Long seed: sign-extended.
  return int64_t(int32_t(byteswap32(uint32_t(partition) ^ (uint32_t(shift) << 16))));
}

std::vector<Batch> range_partition_batch(const Batch& b, const std::vector<SortKey>& orders, const Batch& bounds, int num,
                                         const ExecContext& ctx) {
  std::vector<std::vector<int32_t>> rows(size_t(std::max(1, num)));
  const auto ids = range_partition_ids(sort_key_batch(b, orders, ctx), orders, bounds);
  for (int64_t r = 0; r < b.num_rows; ++r)  // more bounds than partitions cannot happen; clamp anyway
    rows[std::min(size_t(ids[size_t(r)]), rows.size() - 1)].push_back(int32_t(r));
  std::vector<Batch> out;
  for (const auto& rs : rows) out.push_back(col::gather(b, rs.data(), int64_t(rs.size())));
  return out;
}

std::string encode_range_sample(const RangeSample& s) {
  col::BatchBuilder head(col::make_type(col::ColType::strct({"rows"}, {col::ColType::scalar(col::TypeId::Long)}, {false})));
  head.column(0).append<int64_t>(s.rows);
  std::string out = col::serialize(head.finish());
  if (s.keys.num_rows > 0) col::serialize(s.keys, out);
  return out;
}

Result<RangeSample> decode_range_sample(std::string_view stream) {
  using R = Result<RangeSample>;
  size_t used = 0;
  auto head = col::deserialize(stream, &used);
  if (!head) return R::error("range sample: " + head.error_message());
  const Batch& h = head.value();
  if (h.num_rows != 1 || h.columns.size() != 1 || h.column(0).type->id != col::TypeId::Long)
    return R::error("range sample: the first batch must be one row {rows: long}");
  RangeSample s;
  s.rows = h.column(0).vals<int64_t>()[0];
  stream.remove_prefix(used);
  if (!stream.empty()) {
    auto keys = col::deserialize(stream, &used);
    if (!keys) return R::error("range sample: " + keys.error_message());
    if (used != stream.size()) return R::error("range sample: trailing bytes");
    s.keys = std::move(keys.value());
  }
  if (s.rows < s.keys.num_rows) return R::error("range sample: more sampled keys than rows");
  return s;
}

std::string encode_range_bounds(const Batch& bounds) {
  return bounds.num_rows > 0 ? col::serialize(bounds) : std::string();
}

Result<Batch> decode_range_bounds(std::string_view stream) {
  if (stream.empty()) return Batch();
  size_t used = 0;
  auto b = col::deserialize(stream, &used);
  if (!b) return Result<Batch>::error("range bounds: " + b.error_message());
  if (used != stream.size()) return Result<Batch>::error("range bounds: trailing bytes");
  return b;
}

}  // namespace spp::sql::exec
