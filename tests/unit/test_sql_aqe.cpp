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

// ---- the runtime switch from sort-merge join to broadcast hash join ----

namespace {
using namespace spp::sql;

PhysPtr reader(const std::string& ref, const ExprPtr& a) {
  auto n = std::make_shared<PhysicalPlan>();
  n->kind = PhysKind::LocalTableScan;
  n->data_ref = ref;
  n->output_attrs = {a};
  return n;
}
PhysPtr sorted(PhysPtr c, const ExprPtr& k) {
  auto n = std::make_shared<PhysicalPlan>();
  n->kind = PhysKind::Sort;
  n->exprs = {sort_order(k, true, true)};
  n->children = {std::move(c)};
  return n;
}
// SortMergeJoin l.k = r.k2 over sorted shuffle reads shuffle:0 / shuffle:1, as a fragment holds it.
PhysPtr smj(JoinType t, const ExprPtr& k, const ExprPtr& k2) {
  auto n = std::make_shared<PhysicalPlan>();
  n->kind = PhysKind::SortMergeJoin;
  n->join_type = t;
  n->left_keys = {k};
  n->right_keys = {k2};
  n->children = {sorted(reader("shuffle:0", k), k), sorted(reader("shuffle:1", k2), k2)};
  return n;
}
ShuffleStats spread(int64_t total, int parts = 200, int maps = 4) {  // every partition holding some
  ShuffleStats s;
  s.bytes.assign(static_cast<size_t>(parts), total / parts);
  s.num_maps = maps;
  return s;
}
const ExprPtr K = attr("k", DataType::int_(), true, 1), K2 = attr("k2", DataType::int_(), true, 2);
}  // namespace

TEST_CASE("aqe join switch: a small side becomes the build side, read whole; the other is read locally") {
  AqeSettings s;
  std::map<std::string, ShuffleStats> st{{"shuffle:0", spread(400 * MiB)}, {"shuffle:1", spread(2 * MiB)}};
  auto sw = switch_to_broadcast_joins(smj(JoinType::Inner, K, K2), st, s);
  REQUIRE(sw);
  CHECK(sw->root->kind == PhysKind::BroadcastHashJoin);
  CHECK_FALSE(sw->root->build_left);
  CHECK(sw->root->children[0]->kind == PhysKind::LocalTableScan);  // the sorts are gone
  CHECK(sw->root->children[1]->data_ref == "shuffle:1");
  CHECK(sw->broadcast == std::set<std::string>{"shuffle:1"});
  CHECK(sw->local == "shuffle:0");
  // Small left side of an inner join: built on the left.
  st = {{"shuffle:0", spread(1 * MiB)}, {"shuffle:1", spread(50 * MiB)}};
  sw = switch_to_broadcast_joins(smj(JoinType::Inner, K, K2), st, s);
  REQUIRE(sw);
  CHECK(sw->root->build_left);
  CHECK(sw->local == "shuffle:1");
}

TEST_CASE("aqe join switch: the threshold, the join type's buildable side, and the demotion rule") {
  AqeSettings s;
  std::map<std::string, ShuffleStats> big{{"shuffle:0", spread(400 * MiB)}, {"shuffle:1", spread(11 * MiB)}};
  CHECK_FALSE(switch_to_broadcast_joins(smj(JoinType::Inner, K, K2), big, s));  // 11 MiB > 10 MiB
  s.broadcast_threshold = 20 * MiB;
  CHECK(switch_to_broadcast_joins(smj(JoinType::Inner, K, K2), big, s));
  s.broadcast_threshold = -1;  // disabled
  CHECK_FALSE(switch_to_broadcast_joins(smj(JoinType::Inner, K, K2), big, s));
  s = AqeSettings{};
  // A small left side of a left outer join cannot be built: no switch; a small right can.
  std::map<std::string, ShuffleStats> left_small{{"shuffle:0", spread(1 * MiB)}, {"shuffle:1", spread(400 * MiB)}};
  CHECK_FALSE(switch_to_broadcast_joins(smj(JoinType::LeftOuter, K, K2), left_small, s));
  CHECK_FALSE(switch_to_broadcast_joins(smj(JoinType::FullOuter, K, K2), left_small, s));
  auto ro = switch_to_broadcast_joins(smj(JoinType::RightOuter, K, K2), left_small, s);
  REQUIRE(ro);
  CHECK(ro->root->build_left);
  // Both sides small: the smaller builds (right on a tie).
  std::map<std::string, ShuffleStats> both{{"shuffle:0", spread(2 * MiB)}, {"shuffle:1", spread(2 * MiB)}};
  auto tie = switch_to_broadcast_joins(smj(JoinType::Inner, K, K2), both, s);
  REQUIRE(tie);
  CHECK_FALSE(tie->root->build_left);
  // DemoteBroadcastHashJoin: under 20 % of the small side's partitions hold data -> no broadcast.
  ShuffleStats sparse;
  sparse.bytes.assign(200, 0);
  for (int i = 0; i < 39; ++i) sparse.bytes[static_cast<size_t>(i)] = 1000;
  sparse.num_maps = 2;
  std::map<std::string, ShuffleStats> demote{{"shuffle:0", spread(400 * MiB)}, {"shuffle:1", sparse}};
  CHECK_FALSE(switch_to_broadcast_joins(smj(JoinType::Inner, K, K2), demote, s));
  demote["shuffle:1"].bytes[39] = 1000;  // 40 of 200: exactly the ratio, not below it
  CHECK(switch_to_broadcast_joins(smj(JoinType::Inner, K, K2), demote, s));
}

TEST_CASE("aqe join switch: what sits above the join decides local reads and whether it switches") {
  AqeSettings s;
  std::map<std::string, ShuffleStats> st{{"shuffle:0", spread(400 * MiB)}, {"shuffle:1", spread(2 * MiB)}};
  // A final aggregation grouped by the key relies on the join's partitioning: a broadcast hash
  // join still, but its streamed side keeps reading by reduce partition.
  auto agg = std::make_shared<PhysicalPlan>();
  agg->kind = PhysKind::HashAggregate;
  agg->agg_mode = AggMode::Final;
  agg->groups = {K};
  agg->children = {smj(JoinType::Inner, K, K2)};
  auto sw = switch_to_broadcast_joins(agg, st, s);
  REQUIRE(sw);
  CHECK(sw->root->children[0]->kind == PhysKind::BroadcastHashJoin);
  CHECK(sw->local.empty());
  // A partial aggregation does not: local.
  agg->agg_mode = AggMode::Partial;
  sw = switch_to_broadcast_joins(agg, st, s);
  REQUIRE(sw);
  CHECK(sw->local == "shuffle:0");
  s.local_shuffle_reader = false;
  CHECK(switch_to_broadcast_joins(agg, st, s)->local.empty());
  s.local_shuffle_reader = true;
  // A sort-merge join above on the same key relies on the sorted output: no switch.
  auto top = std::make_shared<PhysicalPlan>();
  top->kind = PhysKind::SortMergeJoin;
  top->left_keys = {K};
  top->right_keys = {K2};
  top->children = {smj(JoinType::Inner, K, K2), sorted(reader("shuffle:5", K2), K2)};
  std::map<std::string, ShuffleStats> three = st;
  three["shuffle:5"] = spread(400 * MiB);
  CHECK_FALSE(switch_to_broadcast_joins(top, three, s));
  // Not shuffle reads of finished stages: nothing to switch.
  CHECK_FALSE(switch_to_broadcast_joins(smj(JoinType::Inner, K, K2), {{"shuffle:0", spread(1)}}, s));
}

TEST_CASE("aqe early switch: a pending side (its map stage not run) may be streamed, never built") {
  AqeSettings s;
  // shuffle:1 ran and is small; shuffle:0 has not run: switched, shuffle:0 the local (inlinable) read.
  std::map<std::string, ShuffleStats> done{{"shuffle:1", spread(2 * MiB)}};
  auto sw = switch_to_broadcast_joins(smj(JoinType::Inner, K, K2), done, s, "shuffle:0");
  REQUIRE(sw);
  CHECK_FALSE(sw->root->build_left);
  CHECK(sw->broadcast == std::set<std::string>{"shuffle:1"});
  CHECK(sw->local == "shuffle:0");
  // Without the pending ref the join has one unknown side: no switch (as before).
  CHECK_FALSE(switch_to_broadcast_joins(smj(JoinType::Inner, K, K2), done, s));
  // The side that ran is too big: nothing decided yet.
  CHECK_FALSE(switch_to_broadcast_joins(smj(JoinType::Inner, K, K2), {{"shuffle:1", spread(11 * MiB)}}, s, "shuffle:0"));
  // A left outer join builds only its right side: a small left side that ran cannot switch it.
  CHECK_FALSE(switch_to_broadcast_joins(smj(JoinType::LeftOuter, K, K2), {{"shuffle:0", spread(1 * MiB)}}, s, "shuffle:1"));
  auto lo = switch_to_broadcast_joins(smj(JoinType::LeftOuter, K, K2), done, s, "shuffle:0");
  REQUIRE(lo);
  CHECK(lo->local == "shuffle:0");
  // Above the join, an aggregation grouped by its key: switched, but the pending side keeps its
  // partitioning (no local read), so the driver waits for both sides as Spark does.
  auto agg = std::make_shared<PhysicalPlan>();
  agg->kind = PhysKind::HashAggregate;
  agg->agg_mode = AggMode::Final;
  agg->groups = {K};
  agg->children = {smj(JoinType::Inner, K, K2)};
  auto g = switch_to_broadcast_joins(agg, done, s, "shuffle:0");
  REQUIRE(g);
  CHECK(g->local.empty());
}

TEST_CASE("aqe join switch: the streamed side may be any subtree (an aggregate over a shuffle read)") {
  AqeSettings s;
  // Left: a small finished shuffle; right: a final aggregate over shuffle:0's big stage, sorted.
  auto agg = std::make_shared<PhysicalPlan>();
  agg->kind = PhysKind::HashAggregate;
  agg->agg_mode = AggMode::Final;
  agg->groups = {K2};
  agg->children = {reader("shuffle:0", K2)};
  auto j = std::make_shared<PhysicalPlan>();
  j->kind = PhysKind::SortMergeJoin;
  j->join_type = JoinType::Inner;
  j->left_keys = {K};
  j->right_keys = {K2};
  j->children = {sorted(reader("shuffle:1", K), K), sorted(agg, K2)};
  std::map<std::string, ShuffleStats> st{{"shuffle:0", spread(400 * MiB)}, {"shuffle:1", spread(2 * MiB)}};
  auto sw = switch_to_broadcast_joins(j, st, s);
  REQUIRE(sw);
  CHECK(sw->root->kind == PhysKind::BroadcastHashJoin);
  CHECK(sw->root->build_left);
  CHECK(sw->root->children[1]->kind == PhysKind::HashAggregate);  // its Sort gone, the aggregate kept
  CHECK(sw->broadcast == std::set<std::string>{"shuffle:1"});
  CHECK(sw->local.empty());  // the aggregate needs its input partitioned: read by reduce partition
  // A left outer join cannot build its left side: nothing to switch.
  j->join_type = JoinType::LeftOuter;
  CHECK_FALSE(switch_to_broadcast_joins(j, st, s));
}

TEST_CASE("aqe local shuffle reads: Spark's partition specs") {
  // 200 reducers, 4 maps, 200 tasks wanted: each map cut in 50 ranges of 4.
  auto a = local_read_specs(4, 200, 200);
  REQUIRE(a.size() == 200);
  CHECK(a[0] == LocalReadSpec{0, 1, 0, 4});
  CHECK(a[49] == LocalReadSpec{0, 1, 196, 200});
  CHECK(a[50] == LocalReadSpec{1, 2, 0, 4});
  // 7 wanted over 3 maps: 2 ranges per map (equallyDivide(200, 2)).
  auto b = local_read_specs(3, 200, 7);
  REQUIRE(b.size() == 6);
  CHECK(b[1] == LocalReadSpec{0, 1, 100, 200});
  // Fewer wanted than maps: maps grouped, the first groups one larger (equallyDivide(5, 2)).
  auto c = local_read_specs(5, 200, 2);
  REQUIRE(c.size() == 2);
  CHECK(c[0] == LocalReadSpec{0, 3, 0, 200});
  CHECK(c[1] == LocalReadSpec{3, 5, 0, 200});
  CHECK(local_read_specs(0, 200, 4).empty());
}

TEST_CASE("aqe final plan: explain after the run shows the switched join over query stages") {
  auto exchange = [](PhysPtr c, const ExprPtr& k, int64_t id) {
    auto n = std::make_shared<PhysicalPlan>();
    n->kind = PhysKind::ShuffleExchange;
    n->partitioning = {Partitioning::Kind::Hash, {k}, 200};
    n->id = id;
    n->children = {std::move(c)};
    return n;
  };
  auto scan = [](const ExprPtr& a) {
    auto n = std::make_shared<PhysicalPlan>();
    n->kind = PhysKind::LocalTableScan;
    n->data_ref = "inline:x";
    n->output_attrs = {a};
    return n;
  };
  auto j = std::make_shared<PhysicalPlan>();
  j->kind = PhysKind::SortMergeJoin;
  j->left_keys = {K};
  j->right_keys = {K2};
  j->children = {sorted(exchange(scan(K), K, 7), K), sorted(exchange(scan(K2), K2, 8), K2)};
  const PhysPtr executed = number_plan_nodes(j);  // 0 join, 1 sort, 2 exchange, 3 scan, 4 sort, 5 exchange, 6 scan
  AqeDecisions d;
  d.joins[0] = false;
  d.reads[2] = "local";
  d.reads[5] = "local";
  const std::string text = adaptive_final_plan_string(executed, j, d, PlannerOptions{});
  const std::string scan_l = scan(K)->node_string(), scan_r = scan(K2)->node_string();
  CHECK(text ==
        "AdaptiveSparkPlan isFinalPlan=true\n"
        "+- == Final Plan ==\n"
        "   BroadcastHashJoin [k#1], [k2#2], Inner, BuildRight, false\n"
        "   :- AQEShuffleRead local\n"
        "   :  +- ShuffleQueryStage 0\n"
        "   :     +- Exchange hashpartitioning(k#1, 200), ENSURE_REQUIREMENTS, [plan_id=7]\n"
        "   :        +- " + scan_l + "\n"
        "   +- BroadcastQueryStage 2\n"
        "      +- BroadcastExchange HashedRelationBroadcastMode(List(cast(input[0, int, true] as bigint)),false), [plan_id=9]\n"
        "         +- AQEShuffleRead local\n"
        "            +- ShuffleQueryStage 1\n"
        "               +- Exchange hashpartitioning(k2#2, 200), ENSURE_REQUIREMENTS, [plan_id=8]\n"
        "                  +- " + scan_r + "\n"
        "+- == Initial Plan ==\n"
        "   SortMergeJoin [k#1], [k2#2], Inner\n"
        "   :- Sort [k#1 ASC NULLS FIRST], false, 0\n"
        "   :  +- Exchange hashpartitioning(k#1, 200), ENSURE_REQUIREMENTS, [plan_id=7]\n"
        "   :     +- " + scan_l + "\n"
        "   +- Sort [k2#2 ASC NULLS FIRST], false, 0\n"
        "      +- Exchange hashpartitioning(k2#2, 200), ENSURE_REQUIREMENTS, [plan_id=8]\n"
        "         +- " + scan_r + "\n");
  // No exchange: explain as before the run.
  CHECK(adaptive_final_plan_string(scan(K), scan(K), d, PlannerOptions{}) ==
        physical_tree_string(scan(K), PlannerOptions{}));
}

TEST_CASE("aqe: a run under the minimum partition size joins a neighbour (Spark's minPartitionSize packing)") {
  // [64 MiB, 0.5 MiB, 64 MiB] at a 64 MiB target: the small one cannot merge without passing
  // the target, yet it is under 1 MiB: it goes with the smaller neighbour (ties: the one after).
  AqeSettings s = advisory(64 * MiB);
  s.min_partition_bytes = MiB;
  auto r = coalesce_partitions({{64 * MiB, MiB / 2, 64 * MiB}}, s);
  REQUIRE(r);
  CHECK(*r == V{{0, 1}, {1, 3}});
  r = coalesce_partitions({{64 * MiB, MiB / 2, 70 * MiB}}, s);  // the one before is smaller
  REQUIRE(r);
  CHECK(*r == V{{0, 2}, {2, 3}});
  // parallelismFirst on 2 cores: 96 x 1 MiB + 0.5 MiB -> two runs of 48 MiB; the last 0.5 MiB is
  // no third task of its own but part of the second
  AqeSettings d;
  d.default_parallelism = 2;
  std::vector<std::vector<int64_t>> b = {std::vector<int64_t>(96, MiB)};
  b[0].push_back(MiB / 2);
  r = coalesce_partitions(b, d);
  REQUIRE(r);
  CHECK(*r == V{{0, 48}, {48, 97}});
}
