// AQE partition coalescing (sql/physical/aqe.h): Spark 3.5's ShufflePartitionsUtil answers.
#include <doctest/doctest.h>

#include "sql/physical/aqe.h"

using spp::sql::AqeSettings;
using spp::sql::coalesce_partitions;
using spp::sql::PartitionRange;
using V = std::vector<PartitionRange>;

namespace {
constexpr int64_t MiB = 1 << 20;
AqeSettings advisory(int64_t target) {  // parallelism not the limit: the advisory size decides
  AqeSettings s;
  s.parallelism_first = false;
  s.advisory_bytes = target;
  s.min_partition_bytes = 0;
  return s;
}
}  // namespace

TEST_CASE("aqe: Spark's documented example packs contiguous partitions up to the target") {
  // ShufflePartitionsUtil's doc: two shuffles, target 128 MiB -> [0,1) [1,2) [2,3) [3,5).
  std::vector<std::vector<int64_t>> b = {{100 * MiB, 20 * MiB, 100 * MiB, 10 * MiB, 30 * MiB},
                                         {10 * MiB, 10 * MiB, 70 * MiB, 5 * MiB, 5 * MiB}};
  auto r = coalesce_partitions(b, advisory(128 * MiB));
  REQUIRE(r);
  CHECK(*r == V{{0, 1}, {1, 2}, {2, 3}, {3, 5}});
}

TEST_CASE("aqe: small data becomes one partition; empty runs get no task") {
  AqeSettings s;
  s.default_parallelism = 2;
  std::vector<std::vector<int64_t>> b(1, std::vector<int64_t>(200, 0));
  b[0][3] = 500;
  b[0][150] = 700;
  auto r = coalesce_partitions(b, s);  // target = max(min(ceil(1200/2), 64m), 1m) = 1 MiB
  REQUIRE(r);
  CHECK(*r == V{{0, 200}});
  std::vector<std::vector<int64_t>> empty(2, std::vector<int64_t>(200, 0));
  auto e = coalesce_partitions(empty, s);
  REQUIRE(e);
  CHECK(*e == V{{0, 200}});  // at least one (empty) partition
}

TEST_CASE("aqe: empty runs between full partitions are skipped") {
  auto r = coalesce_partitions({{10, 0, 0, 10, 0}}, advisory(10));
  REQUIRE(r);
  CHECK(*r == V{{0, 3}, {3, 5}});  // empty partitions join the run before them
  auto lead = coalesce_partitions({{0, 0, 20, 5}}, advisory(10));
  REQUIRE(lead);
  CHECK(*lead == V{{2, 3}, {3, 4}});  // a leading empty run is no task
  auto q = coalesce_partitions({{10, 10, 0, 0, 0}}, advisory(10));
  REQUIRE(q);
  CHECK(*q == V{{0, 1}, {1, 5}});
}

TEST_CASE("aqe: parallelismFirst keeps defaultParallelism tasks unless partitions would pass under the minimum size") {
  AqeSettings s;
  s.default_parallelism = 4;
  s.min_partition_bytes = 1;  // as in tests: let the parallelism decide
  std::vector<std::vector<int64_t>> b = {std::vector<int64_t>(8, 100)};
  auto r = coalesce_partitions(b, s);  // target ceil(800/4) = 200
  REQUIRE(r);
  CHECK(*r == V{{0, 2}, {2, 4}, {4, 6}, {6, 8}});
  s.min_partition_num = 2;  // explicit: target 400
  r = coalesce_partitions(b, s);
  REQUIRE(r);
  CHECK(*r == V{{0, 4}, {4, 8}});
}

TEST_CASE("aqe: nothing changes when off, when widths differ, or when no partition merges") {
  AqeSettings off;
  off.coalesce = false;
  CHECK_FALSE(coalesce_partitions({{1, 1, 1}}, off));
  off = AqeSettings{};
  off.enabled = false;
  CHECK_FALSE(coalesce_partitions({{1, 1, 1}}, off));
  CHECK_FALSE(coalesce_partitions({{1, 1, 1}, {1}}, AqeSettings{}));
  CHECK_FALSE(coalesce_partitions({{10, 10, 10}}, advisory(10)));
  CHECK_FALSE(coalesce_partitions({}, AqeSettings{}));
}
