// Range partitioning (exec/range_partition.h): Spark's sample sizes, determineBounds, getPartition.
#include <doctest/doctest.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <set>

#include "sql/columnar/builder.h"
#include "sql/columnar/serde.h"
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
  // How rows arrive in batches never changes the sample, though many small batches make the
  // sampler gather its reservoir into one batch now and then (memory stays bounded).
  std::vector<std::optional<int64_t>> all;
  for (int64_t i = 0; i < 300000; ++i) all.push_back(i * 7 % 300000);
  ex::RangeSampler whole(asc, 50, 3), pieces(asc, 50, 3);
  col::Batch input = longs(all);
  whole.add(input, ctx);
  for (int64_t at = 0; at < input.num_rows; at += 100) pieces.add(col::slice(input, at, 100), ctx);
  CHECK(values(pieces.sample()) == values(whole.sample()));
  CHECK(ex::range_sample_size(200, 2, 20) == 6000);  // RDD sortBy hint
  CHECK(ex::range_sample_size(200, 2, 100) == 30000);  // SQL: rangeExchange.sampleSizePerPartition
  CHECK(ex::range_sample_size(100000, 1, 100) == 3000000);
}

TEST_CASE("range partition: samples and bounds survive the wire exactly (NaN, nulls, strings, decimals), rows route by them") {
  using col::ColType;
  using col::TypeId;
  auto dbl = col::make_type(ColType::scalar(TypeId::Double)), str = col::make_type(ColType::scalar(TypeId::String));
  auto dec = col::make_type(ColType::decimal(20, 2));
  col::BatchBuilder bb(col::make_type(ColType::strct({"d", "s", "m"}, {*dbl, *str, *dec})));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::optional<double>> ds;
  for (int i = 0; i < 60; ++i) {
    std::optional<double> d = i % 10 == 0 ? std::nullopt : i % 10 == 1 ? std::optional<double>(nan) : std::optional<double>(i % 7 - 3.5);
    ds.push_back(d);
    d ? bb.column(0).append<double>(*d) : bb.column(0).append_null();
    i % 9 == 0 ? bb.column(1).append_null() : bb.column(1).append_str(std::string(size_t(i % 4), 'x') + char('a' + i % 5));
    bb.column(2).append_decimal(__int128(i % 3) * 100000000000000000LL * 1000);  // past 64 bits
  }
  col::Batch rows = bb.finish();
  ex::ExecContext ctx;
  // ORDER BY d ASC NULLS LAST, s DESC NULLS FIRST, m ASC
  const std::vector<ex::SortKey> orders = {{ex::col_ref(0, dbl), true, false}, {ex::col_ref(1, str), false, true},
                                           {ex::col_ref(2, dec), true, true}};
  ex::RangeSampler sampler(orders, 25, ex::range_sample_seed(1, 3));
  sampler.add(col::slice(rows, 0, 33), ctx);
  sampler.add(col::slice(rows, 33, 27), ctx);
  auto wire = ex::decode_range_sample(ex::encode_range_sample({sampler.sample(), sampler.rows_seen()}));
  REQUIRE(wire.is_ok());
  CHECK(wire.value().rows == 60);
  CHECK(wire.value().keys.num_rows == 25);
  CHECK(col::serialize(wire.value().keys) == col::serialize(sampler.sample()));

  col::Batch bounds = ex::range_bounds({wire.value()}, orders, 4);
  CHECK(bounds.num_rows == 3);
  auto back = ex::decode_range_bounds(ex::encode_range_bounds(bounds));
  REQUIRE(back.is_ok());
  const col::Batch keys = ex::sort_key_batch(rows, orders, ctx);
  CHECK(ex::range_partition_ids(keys, orders, back.value()) == ex::range_partition_ids(keys, orders, bounds));

  // Every row lands in exactly one piece; pieces hold ascending key ranges that never overlap.
  auto pieces = ex::range_partition_batch(rows, orders, back.value(), 4, ctx);
  REQUIRE(pieces.size() == 4);
  int64_t total = 0, nonempty = 0;
  const auto on_keys = std::vector<ex::SortKey>{{ex::col_ref(0, dbl), true, false}, {ex::col_ref(1, str), false, true},
                                                {ex::col_ref(2, dec), true, true}};
  for (size_t p = 0; p < pieces.size(); ++p) {
    total += pieces[p].num_rows;
    nonempty += pieces[p].num_rows > 0;
    for (size_t q = p + 1; q < pieces.size(); ++q)
      for (int64_t a = 0; a < pieces[p].num_rows; ++a)
        for (int64_t b = 0; b < pieces[q].num_rows; ++b) CHECK(ex::compare_sort_rows(on_keys, pieces[p], a, pieces[q], b, 0) <= 0);
  }
  CHECK(total == 60);
  CHECK(nonempty >= 3);
  // NaN sorts above every number and NULLS LAST puts nulls after it: the last piece has them.
  int64_t nulls_last = 0;
  for (int64_t r = 0; r < pieces[3].num_rows; ++r) nulls_last += pieces[3].column(0).is_null(r);
  CHECK(nulls_last == 6);

  // No bounds (empty input) travel as nothing and send every row to partition 0.
  CHECK(ex::encode_range_bounds(ex::range_bounds({}, orders, 4)).empty());
  auto none = ex::decode_range_bounds("");
  REQUIRE(none.is_ok());
  CHECK(ex::range_partition_ids(keys, orders, none.value()) == std::vector<int32_t>(60, 0));
  CHECK_FALSE(ex::decode_range_bounds("SPB1garbage").is_ok());
  CHECK_FALSE(ex::decode_range_sample("").is_ok());
  CHECK_FALSE(ex::decode_range_sample(col::serialize(rows)).is_ok());  // not a {rows} header
}

TEST_CASE("range partition: fewer distinct keys than partitions, all nulls") {
  ex::ExecContext ctx;
  const std::vector<ex::SortKey> asc = {key(true)};
  col::Batch two = ex::sort_key_batch(longs({1, 2, 1, 2, 1, 2, 2, 1}), asc, ctx);
  col::Batch b = ex::range_bounds({{two, 8}}, asc, 8);
  CHECK(values(b) == V{1, 2});  // duplicates skipped: two of eight partitions get rows
  CHECK(ex::range_partition_ids(two, asc, b) == std::vector<int32_t>{0, 1, 0, 1, 0, 1, 1, 0});
  col::Batch nulls = ex::sort_key_batch(longs({std::nullopt, std::nullopt, std::nullopt}), asc, ctx);
  col::Batch nb = ex::range_bounds({{nulls, 3}}, asc, 4);
  CHECK(nb.num_rows == 1);  // the one distinct key (NULL) is the only bound
  CHECK(ex::range_partition_ids(nulls, asc, nb) == std::vector<int32_t>(3, 0));
  // Three candidates for 200 partitions: determineBounds gets min(200, 3) (RangePartitioner).
  col::Batch three = ex::sort_key_batch(longs({30, 10, 20}), asc, ctx);
  CHECK(values(ex::range_bounds({{three, 3}}, asc, 200)) == V{10, 20});
}

TEST_CASE("range partition: Spark's re-sampling of heavy partitions (fraction, Bernoulli, Random seeds)") {
  // Nine partitions of 10 rows and one of 5000 for 2 reduce partitions: sampleSize 200,
  // 60 keys per partition, fraction 200 / 5090; only the heavy one exceeds its share.
  std::vector<ex::RangeSample> sketch(10);
  for (auto& s : sketch) s.rows = 10;
  sketch[6].rows = 5000;
  auto plan = ex::range_resample(sketch, 2, 100, ex::range_sample_size(2, 10, 100));
  CHECK(plan.fraction == doctest::Approx(200.0 / 5090));
  CHECK(plan.partitions == std::vector<int>{6});
  CHECK(ex::range_resample(std::vector<ex::RangeSample>(4, ex::RangeSample{{}, 50, 0}), 2, 100, 150).partitions.empty());
  CHECK(ex::range_resample({}, 2, 100, 1).fraction == 1.0);  // no rows: everything would be kept

  // java.util.Random(seed).nextLong()
  CHECK(ex::java_random_longs(0, 1) == std::vector<int64_t>{-4962768465676381896LL});
  CHECK(ex::java_random_longs(42, 1) == std::vector<int64_t>{-5025562857975149833LL});

  ex::ExecContext ctx;
  const std::vector<ex::SortKey> asc = {key(true)};
  std::vector<std::optional<int64_t>> vs;
  for (int64_t i = 0; i < 10000; ++i) vs.push_back(i);
  col::Batch rows = longs(vs);
  auto kept = [&](double f, int64_t seed) {
    auto s = ex::RangeSampler::bernoulli(asc, f, seed);
    s.add(col::slice(rows, 0, 4000), ctx);
    s.add(col::slice(rows, 4000, 6000), ctx);
    CHECK(s.rows_seen() == 10000);
    return values(s.sample());
  };
  V gap = kept(0.1, 5);  // gap sampling
  CHECK(gap.size() > 850);
  CHECK(gap.size() < 1150);
  CHECK(std::is_sorted(gap.begin(), gap.end()));  // rows in input order
  CHECK(kept(0.1, 5) == gap);
  CHECK(kept(0.1, 6) != gap);
  V coin = kept(0.6, 5);  // a coin per row above 0.4
  CHECK(coin.size() > 5700);
  CHECK(coin.size() < 6300);
  CHECK(kept(0.0, 5).empty());
  CHECK(kept(1.0, 5).size() == 10000);
  // A re-sampled partition's keys weigh 1 / fraction, not rows / keys.
  col::Batch heavy = ex::sort_key_batch(longs({1, 2}), asc, ctx), light = ex::sort_key_batch(longs({10, 11}), asc, ctx);
  CHECK(values(ex::range_bounds({{heavy, 2, 100}, {light, 2, 0}}, asc, 2)) == V{2});
  CHECK(values(ex::range_bounds({{heavy, 2, 0}, {light, 2, 100}}, asc, 2)) == V{10});
}
