// SQL queries as the DAG scheduler sees them (driver/sql_stage_source.h): stage nodes,
// partition counts, shuffle reads and local rows in native task plans; the native plan codec;
// Spark's round-robin start position.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <optional>

#include "driver/sql_stage_source.h"
#include "executor/native_task.h"
#include "sql/columnar/builder.h"
#include "sql/columnar/serde.h"
#include "sql/exec/lower.h"
#include "sql/exec/range_partition.h"
#include "sql/types.h"

using namespace spp;
using json = nlohmann::json;

namespace {

std::string b64(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += {t[v >> 18], t[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
  }
  return out;
}

// A localRelation of `rows` longs 0..rows-1 named k, in batches of 2 rows.
json local_longs(int rows, int plan_id) {
  auto schema = std::make_shared<const sql::col::ColType>(
      sql::col::ColType::strct({"k"}, {sql::col::ColType::scalar(sql::col::TypeId::Long)}, {true}));
  std::string stream;
  for (int at = 0; at < rows; at += 2) {
    sql::col::BatchBuilder bb(schema);
    for (int r = at; r < std::min(rows, at + 2); ++r) bb.column(0).append<int64_t>(r);
    sql::col::serialize(bb.finish(), stream);
  }
  json rel = {{"schema", R"({"type":"struct","fields":[{"name":"k","type":"long","nullable":true,"metadata":{}}]})"}};
  if (rows > 0) rel["data"] = b64(stream);
  return {{"common", {{"planId", std::to_string(plan_id)}}}, {"localRelation", rel}};
}

json group_count(json input) {
  json k = {{"unresolvedAttribute", {{"unparsedIdentifier", "k"}}}};
  json cnt = {{"unresolvedFunction", {{"functionName", "count"}, {"arguments", json::array({{{"literal", {{"integer", 1}}}}})}}}};
  return {{"root", {{"aggregate", {{"input", input}, {"groupType", "GROUP_TYPE_GROUPBY"},
                                   {"groupingExpressions", json::array({k})}, {"aggregateExpressions", json::array({k, cnt})}}}}}};
}

int64_t rows_in(std::string_view stream) {
  int64_t n = 0;
  std::string_view rest(stream);
  while (!rest.empty()) {
    size_t used = 0;
    auto b = sql::col::deserialize(rest, &used);
    REQUIRE(b.is_ok());
    n += b.value().num_rows;
    rest.remove_prefix(used);
  }
  return n;
}

}  // namespace

TEST_CASE("sql stages: a grouped count is a map stage and a result stage reading its shuffle") {
  sql::SqlConf conf;
  conf.planner.shuffle_partitions = 3;
  sql::SqlSession session(conf);
  auto prepared = session.prepare(group_count(local_longs(5, 1)));
  REQUIRE(std::holds_alternative<sql::PreparedQuery>(prepared));
  const auto& q = std::get<sql::PreparedQuery>(prepared);
  REQUIRE(q.stages.size() == 2);

  driver::SqlStageSource src;
  auto res = src.add(q, 2);
  REQUIRE(res.is_ok());
  const int result = res.value(), map = result - 1;
  CHECK(driver::SqlStageSource::owns(result));
  CHECK(src.num_partitions(map) == 2);     // local rows cut default-parallelism ways
  CHECK(src.num_partitions(result) == 3);  // spark.sql.shuffle.partitions
  CHECK(src.shuffle_deps(result) == std::vector<int>{map});
  CHECK(src.shuffle(map).num_reduce == 3);
  CHECK(src.shuffle(map).map_node == map);

  // Map tasks carry their slice of the rows as a blob: [0, 2) and [2, 5), as parallelize cuts.
  scheduler::MapOutputTracker none;
  auto t0 = src.build_task(map, 0, none), t1 = src.build_task(map, 1, none);
  REQUIRE(t0.is_ok());
  REQUIRE(t1.is_ok());
  const auto& b0 = static_cast<const driver::SqlTaskBody&>(*t0.value());
  const auto& b1 = static_cast<const driver::SqlTaskBody&>(*t1.value());
  CHECK(b0.is_map);
  REQUIRE(b0.blobs.size() == 1);
  CHECK(rows_in(b0.blobs[0].view()) == 2);
  CHECK(rows_in(b1.blobs[0].view()) == 3);
  const auto& op0 = std::get<plan::NativeOp>(b0.plan->op);
  CHECK(op0.partition == 0);
  CHECK(op0.num_partitions == 2);
  CHECK(op0.partitioning.value("num", 0) == 3);
  REQUIRE(op0.inputs.size() == 1);
  CHECK(std::holds_alternative<plan::BlobsSource>(op0.inputs[0].source));
  CHECK(op0.fragment.dump().find(op0.inputs[0].data_ref) != std::string::npos);  // the leaf names it

  // The result task of partition 1 reads segment 1 of every map output (empty ones skipped).
  CHECK_FALSE(src.build_task(result, 1, none).is_ok());  // outputs missing: refused
  scheduler::MapOutputTracker outs;
  auto& so = outs[map];
  so.num_maps = 2;
  so.num_reduce = 3;
  so.maps = {std::make_shared<scheduler::MapStatus>(scheduler::MapStatus{"e1", "h1", 7001, "/a.data", {0, 10, 10, 30}}),
             std::make_shared<scheduler::MapStatus>(scheduler::MapStatus{"e2", "h2", 7002, "/b.data", {0, 5, 9, 12}})};
  auto rt = src.build_task(result, 1, outs);
  REQUIRE(rt.is_ok());
  const auto& rop = std::get<plan::NativeOp>(static_cast<const driver::SqlTaskBody&>(*rt.value()).plan->op);
  REQUIRE(rop.inputs.size() == 1);
  const auto& sh = std::get<plan::ShuffleSource>(rop.inputs[0].source);
  CHECK(sh.shuffle_id == map);
  REQUIRE(sh.blocks.size() == 1);  // map 0's segment 1 is empty
  CHECK(sh.blocks[0].exec == "e2");
  CHECK(sh.blocks[0].offset == 5);
  CHECK(sh.blocks[0].length == 4);

  // A partition past a narrower shuffle's reads nothing from it (no "index too short").
  so.num_reduce = 1;
  auto narrow = src.build_task(result, 2, outs);
  REQUIRE(narrow.is_ok());
  const auto& nop = std::get<plan::NativeOp>(static_cast<const driver::SqlTaskBody&>(*narrow.value()).plan->op);
  CHECK(std::get<plan::ShuffleSource>(nop.inputs[0].source).blocks.empty());
  so.num_reduce = 3;

  // The native plan survives the wire.
  json wire = plan::to_json(*static_cast<const driver::SqlTaskBody&>(*rt.value()).plan);
  auto back = plan::decode(wire);
  REQUIRE(back.is_ok());
  CHECK(plan::to_json(*back.value()) == wire);

  src.remove(result);
  CHECK(src.num_partitions(map) == -1);
  CHECK(src.num_partitions(result) == -1);
}

TEST_CASE("sql stages: an empty createDataFrame still has partitions, each with no rows") {
  sql::SqlSession session;
  auto prepared = session.prepare({{"root", local_longs(0, 1)}});
  REQUIRE(std::holds_alternative<sql::PreparedQuery>(prepared));
  driver::SqlStageSource src;
  auto res = src.add(std::get<sql::PreparedQuery>(prepared), 4);
  REQUIRE(res.is_ok());
  CHECK(src.num_partitions(res.value()) == 4);
  auto t = src.build_task(res.value(), 3, {});
  REQUIRE(t.is_ok());
  CHECK(rows_in(static_cast<const driver::SqlTaskBody&>(*t.value()).blobs[0].view()) == 0);
}

TEST_CASE("sql stages: local rows are cut as slices of the relation's stream, cut batches encoded again") {
  sql::SqlSession session;
  auto prepared = session.prepare({{"root", local_longs(12, 1)}});  // 6 batches of 2 rows
  REQUIRE(std::holds_alternative<sql::PreparedQuery>(prepared));
  driver::SqlStageSource src;
  auto res = src.add(std::get<sql::PreparedQuery>(prepared), 2);
  REQUIRE(res.is_ok());
  // Two partitions of 3 whole batches each: one slice each, of one shared stream, not copies.
  std::vector<BlobSlice> whole;
  for (int p = 0; p < 2; ++p) {
    auto t = src.build_task(res.value(), p, {});
    REQUIRE(t.is_ok());
    const auto& body = static_cast<const driver::SqlTaskBody&>(*t.value());
    REQUIRE(body.blobs.size() == 1);
    CHECK(rows_in(body.blobs[0].view()) == 6);
    whole.push_back(body.blobs[0]);
  }
  CHECK(whole[0].owner == whole[1].owner);
  CHECK(whole[0].offset == 0);
  CHECK(whole[1].offset == whole[0].size);
  CHECK(whole[0].size + whole[1].size == whole[0].owner->size());

  // Four partitions of 10 rows (5 batches): [0, 2) [2, 5) [5, 7) [7, 10); a cut through a batch
  // makes a batch of its own beside the slice of the whole ones.
  auto ten = session.prepare({{"root", local_longs(10, 2)}});
  REQUIRE(std::holds_alternative<sql::PreparedQuery>(ten));
  driver::SqlStageSource src4;
  auto r4 = src4.add(std::get<sql::PreparedQuery>(ten), 4);
  REQUIRE(r4.is_ok());
  std::vector<size_t> counts;
  int64_t total = 0;
  for (int p = 0; p < 4; ++p) {
    auto t = src4.build_task(r4.value(), p, {});
    REQUIRE(t.is_ok());
    const auto& body = static_cast<const driver::SqlTaskBody&>(*t.value());
    counts.push_back(body.blobs.size());
    int64_t rows = 0;
    for (const auto& b : body.blobs) rows += rows_in(b.view());
    CHECK(rows == std::vector<int64_t>{2, 3, 2, 3}[static_cast<size_t>(p)]);
    total += rows;
  }
  CHECK(total == 10);
  CHECK(counts == std::vector<size_t>{1, 2, 2, 2});  // [2,4) whole + [4,5); [5,6) + [6,7); [7,8) + [8,10)
}

TEST_CASE("sql stages: df.coalesce(n) gives n tasks, each reading a contiguous group of partitions") {
  sql::SqlSession session;
  json rel = local_longs(10, 1);
  json co = {{"common", {{"planId", "2"}}}, {"repartition", {{"input", rel}, {"numPartitions", 2}, {"shuffle", false}}}};
  auto prepared = session.prepare({{"root", co}});
  REQUIRE(std::holds_alternative<sql::PreparedQuery>(prepared));
  driver::SqlStageSource src;
  auto res = src.add(std::get<sql::PreparedQuery>(prepared), 5);  // 5 slices of the rows, 2 tasks
  REQUIRE(res.is_ok());
  CHECK(src.num_partitions(res.value()) == 2);
  // Task 0 reads slices [0, 2), task 1 slices [2, 5): one input over consecutive blobs each.
  int64_t total = 0;
  for (int t = 0; t < 2; ++t) {
    auto task = src.build_task(res.value(), t, {});
    REQUIRE(task.is_ok());
    const auto& body = static_cast<const driver::SqlTaskBody&>(*task.value());
    const auto& op = std::get<plan::NativeOp>(body.plan->op);
    REQUIRE(op.inputs.size() == 1);
    const auto& b = std::get<plan::BlobsSource>(op.inputs[0].source);
    CHECK(b.count == (t == 0 ? 2 : 3));
    for (int i = 0; i < b.count; ++i) total += rows_in(body.blobs[static_cast<size_t>(b.first + i)].view());
    CHECK(op.num_partitions == 2);
  }
  CHECK(total == 10);
  // coalesce never widens: 10 over 5 slices stays 5.
  co["repartition"]["numPartitions"] = 10;
  auto wide = session.prepare({{"root", co}});
  REQUIRE(std::holds_alternative<sql::PreparedQuery>(wide));
  auto w = src.add(std::get<sql::PreparedQuery>(wide), 5);
  REQUIRE(w.is_ok());
  CHECK(src.num_partitions(w.value()) == 5);
}

TEST_CASE("native task plan: malformed native nodes are refused") {
  json ok = {{"op", "native"}, {"fragment", {{"op", "Range"}}}, {"partitioning", nullptr}, {"partition", 0},
             {"num_partitions", 1}, {"inputs", json::array()}};
  CHECK(plan::decode(ok).is_ok());
  json bad = ok;
  bad["partition"] = 1;  // not below num_partitions
  CHECK_FALSE(plan::decode(bad).is_ok());
  bad = ok;
  bad["inputs"] = json::array({{{"data", "x"}, {"source", {{"kind", "files"}, {"paths", {"/f"}}}}}});
  auto r = plan::decode(bad);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.error_message().find("shuffle blocks, blobs, a file range, a cached block or a sub-task") != std::string::npos);
  // A cached block whose compute task is not a native one: refused too.
  bad = ok;
  bad["inputs"] = json::array({{{"data", "cache:1"},
                                {"source", {{"kind", "block"}, {"rdd", 1}, {"partition", 0}, {"level", json::object()},
                                            {"compute", {{"op", "input"}, {"input", 0}, {"format", "pickled"},
                                                         {"source", {{"kind", "blobs"}, {"first", 0}, {"count", 0}}}}}}}}});
  r = plan::decode(bad);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.error_message().find("non-native task") != std::string::npos);
  bad["inputs"][0]["source"]["compute"] = ok;
  CHECK(plan::decode(bad).is_ok());
  bad = ok;
  bad["fragment"] = "Range";
  CHECK_FALSE(plan::decode(bad).is_ok());
}

TEST_CASE("round robin starts where Spark's java.util.Random does") {
  // new Random(byteswap32(0) = 0): next(31) = 1569741360.
  CHECK(executor::round_robin_start(0, 100) == 60);
  CHECK(executor::round_robin_start(0, 10) == 0);
  CHECK(executor::round_robin_start(0, 16) == 11);  // power of two: high bits
  for (int p = 0; p < 50; ++p) {
    int s = executor::round_robin_start(p, 7);
    CHECK(s >= 0);
    CHECK(s < 7);
  }
}

TEST_CASE("sql stages: each stage's fragment lowers and runs, partial then final aggregate") {
  sql::SqlConf conf;
  conf.planner.shuffle_partitions = 1;
  sql::SqlSession session(conf);
  auto prepared = session.prepare(group_count(local_longs(5, 1)));
  REQUIRE(std::holds_alternative<sql::PreparedQuery>(prepared));
  driver::SqlStageSource src;
  auto res = src.add(std::get<sql::PreparedQuery>(prepared), 1);
  REQUIRE(res.is_ok());
  auto t = src.build_task(res.value() - 1, 0, {});
  REQUIRE(t.is_ok());
  const auto& body = static_cast<const driver::SqlTaskBody&>(*t.value());
  const auto& op = std::get<plan::NativeOp>(body.plan->op);
  sql::exec::MemoryManager mm(1 << 30);
  sql::exec::LowerContext lc;
  lc.exec.memory = &mm;
  sql::exec::LeafInputs in;
  in.scan = [&](const std::string&, const sql::col::ColTypePtr& schema, const json&) -> Result<sql::exec::OpPtr> {
    std::vector<sql::col::Batch> bs;
    std::string_view rest(body.blobs[0].view());
    while (!rest.empty()) {
      size_t used = 0;
      auto b = sql::col::deserialize(rest, &used);
      REQUIRE(b.is_ok());
      bs.push_back(b.value());
      rest.remove_prefix(used);
    }
    return sql::exec::make_source(schema, bs);
  };
  auto root = sql::exec::lower_plan(op.fragment, lc, in);
  INFO(op.fragment.dump());
  REQUIRE_MESSAGE(root.is_ok(), root.error_message());
  auto out = sql::exec::drain_concat(*root.value());
  REQUIRE(out.is_ok());
  CHECK(out.value().num_rows == 5);  // five distinct keys, each with a partial count
  auto part = sql::exec::lower_partitioning(op.partitioning, op.fragment["output"]);
  REQUIRE_MESSAGE(part.is_ok(), part.error_message());
  CHECK(part.value().kind == sql::exec::OutputPartitioning::Kind::Hash);
  CHECK(part.value().keys.size() == 1);
}

namespace {

// Runs one native task in-process (scratch files under `dir`).
executor::TaskOutcome run_native(const driver::SqlTaskBody& body, const plan::Sink& sink, const std::string& dir) {
  executor::RunningTask t;
  t.spec.task_id = 1;
  t.spec.partition = std::get<plan::NativeOp>(body.plan->op).partition;
  for (const auto& b : body.blobs) t.input_blobs.push_back(std::make_shared<std::string>(b.view()));
  executor::TaskEnv env{nullptr, nullptr, {}, dir, {}, nullptr, nullptr, {}};
  return executor::run_native_task(t, env, std::get<plan::NativeOp>(body.plan->op), sink);
}

}  // namespace

TEST_CASE("sql stages: a global sort samples its input first, then routes rows by the bounds") {
  sql::SqlConf conf;
  conf.planner.shuffle_partitions = 3;
  sql::SqlSession session(conf);
  json k = {{"unresolvedAttribute", {{"unparsedIdentifier", "k"}}}};
  json order = {{"child", k}, {"direction", "SORT_DIRECTION_ASCENDING"}, {"nullOrdering", "SORT_NULLS_FIRST"}};
  auto prepared = session.prepare(
      {{"root", {{"sort", {{"input", local_longs(100, 1)}, {"order", json::array({order})}, {"isGlobal", true}}}}}});
  REQUIRE(std::holds_alternative<sql::PreparedQuery>(prepared));
  driver::SqlStageSource src;
  auto res = src.add(std::get<sql::PreparedQuery>(prepared), 2);
  REQUIRE(res.is_ok());
  const int result = res.value(), map = result - 1;
  CHECK(src.shuffle(map).num_reduce == 3);
  REQUIRE(src.next_range_to_sample(result) == map);
  CHECK_FALSE(src.build_task(map, 0, {}).is_ok());  // no bounds yet: refused, never all-to-one

  // The sampling stage computes the map stage's partitions and returns (rows, sampled keys).
  const int sampler = src.add_range_sampler(map, 100);
  CHECK(src.num_partitions(sampler) == 2);
  CHECK(src.shuffle_deps(sampler) == src.shuffle_deps(map));
  CHECK(src.describe(sampler).find("range sample") != std::string::npos);
  const std::string dir = "/tmp/sparkpp_unit_range_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  std::vector<std::vector<std::string>> samples;
  for (int p = 0; p < 2; ++p) {
    auto t = src.build_task(sampler, p, {});
    REQUIRE(t.is_ok());
    const auto& body = static_cast<const driver::SqlTaskBody&>(*t.value());
    CHECK_FALSE(body.is_map);
    // ceil(3 * min(100 * 3, 1e6) / 2) per map partition, seeded by partition and exchange.
    CHECK(std::get<plan::NativeOp>(body.plan->op).partitioning["sample"]["size"] == 450);
    auto o = run_native(body, plan::Sink{}, dir);
    REQUIRE(o.update.state == spp::msg::TaskEndState::kFinished);
    auto s = sql::exec::decode_range_sample(o.blobs.at(0));
    REQUIRE(s.is_ok());
    CHECK(s.value().rows == 50);
    CHECK(s.value().keys.num_rows == 50);  // fewer rows than the sample size: every key
    samples.push_back(o.blobs);
  }
  auto again = src.take_range_samples(sampler, samples);
  REQUIRE(again.is_ok());
  CHECK(again.value().empty());  // balanced: no re-sampling job
  CHECK(src.num_partitions(sampler) == -1);  // forgotten
  CHECK(src.next_range_to_sample(result) == -1);

  // Map tasks carry the bounds (33, 66) as a blob and split their rows by them: keys 0..49 to
  // partitions 0 (0..33) and 1; keys 50..99 to 1 and 2 (67..99).
  std::vector<std::vector<int64_t>> segments;
  for (int p = 0; p < 2; ++p) {
    auto t = src.build_task(map, p, {});
    REQUIRE(t.is_ok());
    const auto& body = static_cast<const driver::SqlTaskBody&>(*t.value());
    const auto& op = std::get<plan::NativeOp>(body.plan->op);
    REQUIRE(op.partitioning.value("bounds", "") == "range:bounds");
    auto back = plan::decode(plan::to_json(*body.plan));  // and it survives the wire
    REQUIRE(back.is_ok());
    plan::Sink sink;
    sink.kind = plan::SinkKind::kShuffle;
    sink.shuffle_id = map;
    sink.map = p;
    sink.num_reduce = 3;
    auto o = run_native(body, sink, dir);
    REQUIRE(o.update.state == spp::msg::TaskEndState::kFinished);
    CHECK(o.update.metrics.shuffle_write_records == 50);
    auto offsets = o.update.map_output->offsets;
    REQUIRE(offsets.size() == 4);
    std::vector<int64_t> lens;
    for (size_t r = 0; r < 3; ++r) lens.push_back(offsets[r + 1] - offsets[r]);
    segments.push_back(lens);
  }
  CHECK(segments[0][0] > 0);
  CHECK(segments[0][1] > 0);
  CHECK(segments[0][2] == 0);
  CHECK(segments[1][0] == 0);
  CHECK(segments[1][1] > 0);
  CHECK(segments[1][2] > 0);
  std::filesystem::remove_all(dir);
  src.remove(result);
}

TEST_CASE("sql stages: a partition holding most rows is sampled again with Bernoulli, as Spark") {
  sql::SqlConf conf;
  conf.planner.shuffle_partitions = 3;
  sql::SqlSession session(conf);
  json k = {{"unresolvedAttribute", {{"unparsedIdentifier", "k"}}}};
  json order = {{"child", k}, {"direction", "SORT_DIRECTION_DESCENDING"}, {"nullOrdering", "SORT_NULLS_LAST"}};
  auto prepared = session.prepare(
      {{"root", {{"sort", {{"input", local_longs(800, 1)}, {"order", json::array({order})}, {"isGlobal", true}}}}}});
  REQUIRE(std::holds_alternative<sql::PreparedQuery>(prepared));
  driver::SqlStageSource src;
  auto res = src.add(std::get<sql::PreparedQuery>(prepared), 8);
  REQUIRE(res.is_ok());
  const int map = res.value() - 1, sampler = src.add_range_sampler(map, 100);
  // The sketch as if partition 3 held 100000 rows and the others 100: 3 * min(100 * 3, 1e6) / 8
  // = 113 keys per partition, fraction = 300 / 100700; 3 holds far more than its share.
  std::vector<std::vector<std::string>> sketch;
  for (int p = 0; p < 8; ++p) {
    std::vector<std::optional<int64_t>> keys;
    for (int i = 0; i < (p == 3 ? 113 : 100); ++i) keys.push_back(p * 1000 + i);
    sql::col::BatchBuilder bb(sql::col::make_type(sql::col::ColType::strct({"k0"}, {sql::col::ColType::scalar(sql::col::TypeId::Long)})));
    for (auto v : keys) bb.column(0).append<int64_t>(*v);
    sketch.push_back({sql::exec::encode_range_sample({bb.finish(), p == 3 ? 100000 : 100})});
  }
  auto again = src.take_range_samples(sampler, sketch);
  REQUIRE(again.is_ok());
  REQUIRE(again.value() == std::vector<int>{3});
  CHECK(src.next_range_to_sample(res.value()) == map);  // no bounds yet
  auto t = src.build_task(sampler, 3, {});
  REQUIRE(t.is_ok());
  const auto& body = static_cast<const driver::SqlTaskBody&>(*t.value());
  const auto& spec = std::get<plan::NativeOp>(body.plan->op).partitioning["sample"];
  CHECK(spec["fraction"].get<double>() == doctest::Approx(300.0 / 100700));
  // RDD.sample's seed for the first (only) re-sampled partition: Random(byteswap32(-id - 1)).nextLong().
  const int64_t seed = int32_t(sql::exec::byteswap32(uint32_t(-(map - driver::kSqlNodeBase) - 1)));
  CHECK(spec["seed"].get<int64_t>() == sql::exec::java_random_longs(seed, 1)[0]);
  const std::string dir = "/tmp/sparkpp_unit_resample_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  auto o = run_native(body, plan::Sink{}, dir);
  std::filesystem::remove_all(dir);
  REQUIRE(o.update.state == spp::msg::TaskEndState::kFinished);
  auto s = sql::exec::decode_range_sample(o.blobs.at(0));
  REQUIRE(s.is_ok());
  CHECK(s.value().rows == 100);  // partition 3's real rows (800 cut 8 ways), Bernoulli-sampled
  CHECK(s.value().keys.num_rows < 100);
  auto done = src.take_range_samples(sampler, {o.blobs});
  REQUIRE(done.is_ok());
  CHECK(done.value().empty());
  CHECK(src.next_range_to_sample(res.value()) == -1);
  CHECK(src.num_partitions(sampler) == -1);
  auto mt = src.build_task(map, 0, {});
  REQUIRE(mt.is_ok());
  CHECK(static_cast<const driver::SqlTaskBody&>(*mt.value()).blobs.size() == 2);  // bounds + rows
}

TEST_CASE("sql stages: the early switch runs a join's smaller side first, then its other side inside the join's stage") {
  sql::SqlConf conf;
  conf.planner.shuffle_partitions = 3;
  conf.planner.auto_broadcast_threshold = -1;  // planned sort-merge; AQE switches at run time
  sql::SqlSession session(conf);
  json join = {{"root", {{"join", {{"left", local_longs(40, 1)}, {"right", local_longs(6, 2)},
                                    {"joinType", "JOIN_TYPE_INNER"}, {"usingColumns", json::array({"k"})}}}}}};
  auto prepared = session.prepare(join);
  REQUIRE(std::holds_alternative<sql::PreparedQuery>(prepared));
  const auto& q = std::get<sql::PreparedQuery>(prepared);
  REQUIRE(q.stages.size() == 3);  // two map stages (the sides' exchanges) and the join's

  sql::AqeSettings aqe;  // enabled, 10 MB runtime threshold
  driver::SqlStageSource src;
  auto res = src.add(q, 2, nullptr, aqe);
  REQUIRE(res.is_ok());
  const int result = res.value();
  scheduler::MapOutputTracker outs;
  src.observe(&outs);
  const std::vector<int> deps = src.shuffle_deps(result);
  REQUIRE(deps.size() == 2);
  const int small = deps[0], big = deps[1];  // the smaller input (6 rows) runs first
  CHECK(src.input_estimate(small) < src.input_estimate(big));

  // Until small ran, big's map stage waits (the DAG scheduler asks last_dep_waits) ...
  CHECK(src.last_dep_waits(result));
  // ... unless small's finished map tasks, scaled to all of them, pass the 10 MB threshold:
  // 8 MB from 1 of 2 maps -> 16 MB, no switch possible, big starts beside it.
  outs[small].num_maps = 2;
  outs[small].num_reduce = 3;
  outs[small].maps = {std::make_shared<scheduler::MapStatus>(scheduler::MapStatus{"e1", "h1", 7001, "/p.data", {0, 3 << 20, 6 << 20, 8 << 20}}),
                      nullptr};
  CHECK_FALSE(src.last_dep_waits(result));
  outs[small].maps[0]->offsets = scheduler::CompactOffsets({0, 1 << 20, 2 << 20, 3 << 20});  // 3 MB -> 6 MB: may switch
  CHECK(src.last_dep_waits(result));
  outs.erase(small);

  // The small side's shuffle exists (a few bytes): the join switches before big's stage runs.
  auto& so = outs[small];
  so.num_maps = 2;
  so.num_reduce = 3;
  so.maps = {std::make_shared<scheduler::MapStatus>(scheduler::MapStatus{"e1", "h1", 7001, "/a.data", {0, 10, 20, 30}}),
             std::make_shared<scheduler::MapStatus>(scheduler::MapStatus{"e1", "h1", 7001, "/b.data", {0, 5, 9, 12}})};
  CHECK(src.shuffle_deps(result) == std::vector<int>{small});  // big's map stage is not needed
  CHECK(src.num_partitions(result) == 2);                      // one task per partition of big's input
  auto t = src.build_task(result, 1, outs);
  REQUIRE(t.is_ok());
  const auto& body = static_cast<const driver::SqlTaskBody&>(*t.value());
  const auto& op = std::get<plan::NativeOp>(body.plan->op);
  const std::string frag = op.fragment.dump();
  CHECK(frag.find("BroadcastHashJoin") != std::string::npos);
  CHECK(frag.find("SortMergeJoin") == std::string::npos);
  CHECK(frag.find("\"Sort\"") == std::string::npos);
  REQUIRE(op.inputs.size() == 2);
  bool whole = false, rows = false;
  for (const auto& in : op.inputs) {
    if (const auto* sh = std::get_if<plan::ShuffleSource>(&in.source)) {
      // every partition of every map: one segment per map output, all of it
      whole = sh->shuffle_id == small && sh->blocks.size() == 2 && sh->blocks[0].length == 30 && sh->blocks[1].length == 12;
    } else if (const auto* b = std::get_if<plan::BlobsSource>(&in.source)) {
      CHECK(frag.find("\"" + in.data_ref + "\"") != std::string::npos);  // the inlined leaf names it
      REQUIRE(b->count == 1);
      rows = rows_in(body.blobs[static_cast<size_t>(b->first)].view()) == 20;  // big's partition 1
    }
  }
  CHECK(whole);
  CHECK(rows);
  const auto d = src.aqe_decisions(result);
  CHECK(d.joins.size() == 1);
  CHECK(std::count_if(d.reads.begin(), d.reads.end(), [](const auto& r) { return r.second == "inlined"; }) == 1);

  // Switched off (Spark's order): both map stages run before the join is looked at.
  aqe.early_switch = false;
  auto off = src.add(q, 2, nullptr, aqe);
  REQUIRE(off.is_ok());
  CHECK_FALSE(src.last_dep_waits(off.value()));  // both map stages at once, as Spark
  aqe.early_switch = true;
  // A left semi join whose larger input is its right side: only that side could be built, so
  // it never waits for the left.
  json semi = {{"root", {{"join", {{"left", local_longs(6, 1)}, {"right", local_longs(40, 2)},
                                    {"joinType", "JOIN_TYPE_LEFT_SEMI"}, {"usingColumns", json::array({"k"})}}}}}};
  auto semi_prepared = session.prepare(semi);
  REQUIRE(std::holds_alternative<sql::PreparedQuery>(semi_prepared));
  auto semi_res = src.add(std::get<sql::PreparedQuery>(semi_prepared), 2, nullptr, aqe);
  REQUIRE(semi_res.is_ok());
  REQUIRE(src.shuffle_deps(semi_res.value()).size() == 2);
  CHECK_FALSE(src.last_dep_waits(semi_res.value()));
  const std::vector<int> both = src.shuffle_deps(off.value());
  REQUIRE(both.size() == 2);
  CHECK(src.input_estimate(both[0]) > src.input_estimate(both[1]));  // plan order: big (left) first
  outs[both[1]] = so;
  CHECK(src.shuffle_deps(off.value()).size() == 2);
}
