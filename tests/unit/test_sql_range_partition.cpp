// Range partitioning (exec/range_partition.h): Spark's sample sizes, determineBounds, getPartition.
#include <doctest/doctest.h>

#include <optional>
#include <set>

#include "sql/columnar/builder.h"
#include "sql/exec/range_partition.h"

using namespace spp::sql;
namespace ex = spp::sql::exec;

namespace {

col::Batch longs(const std::vector<std::optional<int64_t>>& vs) {
  col::BatchBuilder b(col::make_type(col::ColType::strct({"v"}, {col::ColType::scalar(col::TypeId::Long)})));
  for (const auto& v : vs) v ? b.column(0).append<int64_t>(*v) : b.column(0).append_null();
  return b.finish();
}
std::vector<std::optional<int64_t>> values(const col::Batch& b) {
  std::vector<std::optional<int64_t>> out;
  for (int64_t r = 0; r < b.num_rows; ++r)
    out.push_back(b.column(0).is_null(r) ? std::nullopt : std::optional<int64_t>(b.column(0).vals<int64_t>()[r]));
  return out;
}
ex::SortKey key(bool asc) {
  auto e = ex::col_ref(0, col::make_type(col::ColType::scalar(col::TypeId::Long)));
  return asc ? ex::SortKey::asc(e) : ex::SortKey::desc(e);
}
using V = std::vector<std::optional<int64_t>>;

}  // namespace

TEST_CASE("range partition: bounds cut the weighted sample evenly, rows go past the bounds below them") {
  std::vector<std::optional<int64_t>> hundred;
  for (int64_t i = 99; i >= 0; --i) hundred.push_back(i);
  ex::ExecContext ctx;
  const std::vector<ex::SortKey> asc = {key(true)};
  col::Batch keys = ex::sort_key_batch(longs(hundred), asc, ctx);
  col::Batch bounds = ex::range_bounds({{keys, 100}}, asc, 4);
  CHECK(values(bounds) == V{24, 49, 74});
  auto ids = ex::range_partition_ids(ex::sort_key_batch(longs({24, 25, 0, 99, 74, 75, std::nullopt}), asc, ctx), asc, bounds);
  CHECK(ids == std::vector<int32_t>{0, 1, 0, 3, 2, 3, 0});  // ASC: NULLS FIRST
  // One partition: no bounds, every row in partition 0.
  CHECK(ex::range_bounds({{keys, 100}}, asc, 1).num_rows == 0);
  CHECK(ex::range_partition_ids(keys, asc, ex::range_bounds({}, asc, 3)) == std::vector<int32_t>(100, 0));
}

TEST_CASE("range partition: duplicates give one bound, descending orders and weights") {
  ex::ExecContext ctx;
  const std::vector<ex::SortKey> asc = {key(true)}, desc = {key(false)};
  col::Batch same = ex::sort_key_batch(longs({5, 5, 5, 5, 5, 5}), asc, ctx);
  col::Batch b1 = ex::range_bounds({{same, 6}}, asc, 3);
  CHECK(values(b1) == V{5});
  CHECK(ex::range_partition_ids(same, asc, b1) == std::vector<int32_t>(6, 0));  // equal keys meet
  col::Batch mixed = ex::sort_key_batch(longs({std::nullopt, 3, 1, 2}), desc, ctx);
  col::Batch b2 = ex::range_bounds({{mixed, 4}}, desc, 2);  // 3, 2 | 1, NULL (DESC: NULLS LAST)
  CHECK(values(b2) == V{2});
  CHECK(ex::range_partition_ids(mixed, desc, b2) == std::vector<int32_t>{1, 0, 1, 0});
  // A partition sampled at 2 of 100 rows weighs 50 per sample.
  col::Batch heavy = ex::sort_key_batch(longs({1, 2}), asc, ctx), light = ex::sort_key_batch(longs({10, 11}), asc, ctx);
  CHECK(values(ex::range_bounds({{heavy, 100}, {light, 2}}, asc, 2)) == V{2});
  CHECK(values(ex::range_bounds({{heavy, 2}, {light, 2}}, asc, 2)) == V{2});
  CHECK(values(ex::range_bounds({{heavy, 2}, {light, 100}}, asc, 2)) == V{10});
}

TEST_CASE("range partition: reservoir sample per map partition, Spark's sizes") {
  ex::ExecContext ctx;
  const std::vector<ex::SortKey> asc = {key(true)};
  auto sample_of = [&](int64_t n, int64_t cap, int64_t seed) {
    ex::RangeSampler s(asc, cap, seed);
    std::vector<std::optional<int64_t>> chunk;
    for (int64_t i = 0; i < n; ++i) {
      chunk.push_back(i);
      if (chunk.size() == 7 || i + 1 == n) { s.add(longs(chunk), ctx); chunk.clear(); }
    }
    CHECK(s.rows_seen() == n);
    return values(s.sample());
  };
  V small = sample_of(5, 10, 1);
  CHECK(small == V{0, 1, 2, 3, 4});  // fewer rows than the reservoir: all of them, in order
  V big = sample_of(1000, 10, 7);
  REQUIRE(big.size() == 10);
  std::set<int64_t> distinct;
  for (const auto& v : big) distinct.insert(*v);
  CHECK(distinct.size() == 10);
  CHECK(*distinct.rbegin() >= 10);  // later rows replaced some of the first ten
  CHECK(sample_of(1000, 10, 7) == big);  // deterministic for a seed
  CHECK(sample_of(1000, 10, 8) != big);
  CHECK(ex::RangeSampler(asc, 4, 1).sample().num_rows == 0);
  CHECK(ex::range_sample_size(200, 2) == 6000);
  CHECK(ex::range_sample_size(100000, 1) == 3000000);
}
