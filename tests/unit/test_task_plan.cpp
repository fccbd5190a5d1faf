// Task plan codec (common/task_plan.h): round trips, validation, and run_task's failures that
// need no Python worker (a plan or sink that does not decode, inputs that cannot open).
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>

#include "common/task_plan.h"
#include "executor/result_spool.h"
#include "executor/task_runner.h"
#include "executor/task_sink.h"

using namespace spp;
using json = nlohmann::json;

namespace {
plan::NodePtr sample_plan() {
  plan::ShuffleSource sh{4, 1,
                         {{0, "exec-1", "h", 7077, "/s/shuffle_4_0_9.data", 10, 20},
                          {1, "exec-2", "h2", 7078, "/t/shuffle_4_1_9.data", 0, 5},
                          {2, "exec-1", "h", 7077, "/s/shuffle_4_2_9.data", 3, 4}}};
  auto left = plan::make(plan::ApplyOp{7, 1, plan::make(plan::InputOp{0, plan::Format::kPickled, sh})});
  auto cached = plan::make(plan::InputOp{
      1, plan::Format::kPickled,
      plan::BlockSource{3, 1, json{{"use_disk", true}}, plan::make(plan::InputOp{0, plan::Format::kLines, plan::TextSource{"/in.txt", 0, 99}})}});
  auto right = plan::make(plan::ConcatOp{{cached, plan::make(plan::InputOp{2, plan::Format::kFiles, plan::FilesSource{{"/a", "/b"}}}),
                                          plan::make(plan::InputOp{3, plan::Format::kPickled, plan::BlobsSource{0, 2}}),
                                          plan::make(plan::InputOp{4, plan::Format::kPickled, plan::PickleFileSource{"/ck/part-00001"}})}});
  return plan::make(plan::ApplyOp{8, 1, plan::make(plan::ZipOp{{left, right}})});
}
}  // namespace

TEST_CASE("task plan: every node and source kind round trips through JSON") {
  json j = plan::to_json(*sample_plan());
  CHECK(j["op"] == "apply");
  CHECK(j["child"]["op"] == "zip");
  // Blocks travel in columns, each executor's address once.
  const json& src = j["child"]["children"][0]["child"]["source"];
  CHECK(src["locs"].size() == 2);
  CHECK(src["locs"][0]["port"] == 7077);
  CHECK(src["blocks"]["loc"] == json{0, 1, 0});
  CHECK(src["blocks"]["offset"] == json{10, 0, 3});
  auto back = plan::decode(j);
  REQUIRE(back.is_ok());
  CHECK(plan::to_json(*back.value()) == j);
  std::vector<int64_t> funcs;
  plan::collect_funcs(*back.value(), funcs);
  CHECK(funcs == std::vector<int64_t>{8, 7});
}

TEST_CASE("task plan: malformed plans are refused with a reason") {
  json good = plan::to_json(*sample_plan());
  auto refused = [](const json& j, const char* why) {
    auto r = plan::decode(j);
    REQUIRE_FALSE(r.is_ok());
    CHECK_MESSAGE(r.error_message().find(why) != std::string::npos, r.error_message());
  };
  refused(json(), "not an object");
  refused(json{{"op", "explode"}}, "unknown plan op 'explode'");
  json j = good;
  j["child"]["children"][1]["children"][1]["input"] = 0;  // an input id used twice
  refused(j, "appears twice");
  j = good;
  j["child"]["children"].erase(1);
  refused(j, "exactly two");
  j = good;
  j["child"]["children"][0]["child"]["format"] = "parquet";
  refused(j, "unknown input format");
  j = good;
  j["child"]["children"][0]["child"]["source"]["kind"] = "jdbc";
  refused(j, "unknown input source");
  j = good;
  j["child"]["children"][0]["child"]["source"]["blocks"]["length"][0] = -1;
  refused(j, "negative");
  j = good;
  j["child"]["children"][0]["child"]["source"]["blocks"]["loc"][1] = 2;
  refused(j, "block location out of range");
  j = good;
  j["child"]["children"][0]["child"]["source"]["blocks"]["offset"][1] = 1.5;
  refused(j, "block offset is not an integer");
  j = good;
  j["child"]["children"][0]["child"]["source"]["blocks"]["path"].erase(0);
  refused(j, "differ in length");
  j = good;
  j["child"]["children"][0]["child"]["source"]["locs"][1]["port"] = 70000;
  refused(j, "port out of range");
  j = good;
  j["func"] = "seven";
  refused(j, "malformed task plan");
  j = good;
  j.erase("split");
  refused(j, "malformed task plan");
  // A chain deeper than any lineage is refused instead of exhausting the stack.
  json deep = {{"op", "input"}, {"input", 0}, {"format", "pickled"}, {"source", {{"kind", "blobs"}, {"first", 0}, {"count", 0}}}};
  for (int i = 0; i < 2100; ++i) deep = {{"op", "apply"}, {"func", 1}, {"split", 0}, {"child", std::move(deep)}};
  refused(deep, "deeper");
}

TEST_CASE("task sink: kinds round trip; incomplete sinks are refused") {
  plan::Sink s;
  s.kind = plan::SinkKind::kShuffle;
  s.shuffle_id = 2;
  s.map = 5;
  s.num_reduce = 8;
  auto back = plan::decode_sink(plan::to_json(s));
  REQUIRE(back.is_ok());
  CHECK(back->num_reduce == 8);
  CHECK(back->map == 5);
  CHECK(plan::decode_sink(json{{"kind", "result"}}).is_ok());
  CHECK(plan::decode_sink(json{{"kind", "text"}, {"tmp_dir", "/o/_temporary/1"}, {"file", "part-00000"}, {"path", "/o"}}).is_ok());
  CHECK_FALSE(plan::decode_sink(json{{"kind", "text"}, {"path", "/o"}}).is_ok());
  CHECK_FALSE(plan::decode_sink(json{{"kind", "text"}, {"tmp_dir", "/o"}, {"file", "../escape"}}).is_ok());
  CHECK_FALSE(plan::decode_sink(json{{"kind", "kafka"}}).is_ok());
  plan::Sink f;  // df.write: format, options and column names travel with the part file name
  f.kind = plan::SinkKind::kFiles;
  f.tmp_dir = "/o/_temporary/u";
  f.file = "part-00003-u-c000.csv";
  f.format = "csv";
  f.options = {{"header", "true"}, {"sep", ";"}};
  f.columns = {"a", "b"};
  auto fb = plan::decode_sink(plan::to_json(f));
  REQUIRE(fb.is_ok());
  CHECK(fb->format == "csv");
  CHECK(fb->options == f.options);
  CHECK(fb->columns == f.columns);
  CHECK_FALSE(plan::decode_sink(json{{"kind", "files"}, {"tmp_dir", "/o"}, {"file", "p"}}).is_ok());
  CHECK_FALSE(plan::decode_sink(json{{"kind", "shuffle"}, {"shuffle_id", 1}, {"map", 0}}).is_ok());
}

TEST_CASE("result spools: the sink's path, the reference, the file written, read back or removed") {
  plan::Sink r;
  r.spool = "/dev/shm/x.t7";
  auto rb = plan::decode_sink(plan::to_json(r));
  REQUIRE(rb.is_ok());
  CHECK(rb->spool == "/dev/shm/x.t7");
  CHECK(plan::decode_sink(json{{"kind", "result"}})->spool.empty());
  CHECK_FALSE(plan::decode_sink(json{{"kind", "result"}, {"spool", "relative"}}).is_ok());

  auto ref = executor::decode_spool_ref(executor::encode_spool_ref("/a/b", 0x1234567890));
  REQUIRE(ref);
  CHECK(ref->path == "/a/b");
  CHECK(ref->bytes == 0x1234567890ULL);
  CHECK_FALSE(executor::decode_spool_ref("SPB1...."));
  CHECK_FALSE(executor::decode_spool_ref(executor::encode_spool_ref("rel", 1)));

  const std::string dir = (std::filesystem::temp_directory_path() / ("spp_spool_" + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(dir);
  {  // spooled: one reference in place of the batches, the file holds them in order
    executor::ResultSink sink(false, dir + "/a");
    CHECK(sink.add("one").is_ok());
    CHECK(sink.add("two").is_ok());
    executor::TaskOutcome o;
    o.blobs.push_back("accum");
    CHECK(sink.commit(o).is_ok());
    REQUIRE(o.blobs.size() == 2);
    CHECK(o.blobs[1] == "accum");
    auto got = executor::decode_spool_ref(o.blobs[0]);
    REQUIRE(got);
    CHECK(got->path == dir + "/a");
    auto m = executor::SpoolMap::open(*got);
    REQUIRE(m.is_ok());
    CHECK(m->view() == "onetwo");
    CHECK(o.update.metrics.result_bytes == 6);
  }
  CHECK(std::filesystem::exists(dir + "/a"));  // the driver's now
  {  // a task that fails or is killed: its spool goes with the sink
    executor::ResultSink sink(false, dir + "/b");
    CHECK(sink.add("x").is_ok());
    CHECK(std::filesystem::exists(dir + "/b"));
  }
  CHECK_FALSE(std::filesystem::exists(dir + "/b"));
  {  // the spool cannot be created (the name is taken): the batches come back in memory
    executor::ResultSink sink(false, dir + "/a");
    CHECK(sink.add("p").is_ok());
    CHECK(sink.add("q").is_ok());
    executor::TaskOutcome o;
    CHECK(sink.commit(o).is_ok());
    CHECK(o.blobs == std::vector<std::string>{"p", "q"});
  }
  {  // a reference whose size does not match its file is refused
    CHECK_FALSE(executor::SpoolMap::open({dir + "/a", 5}).is_ok());
    CHECK_FALSE(executor::SpoolMap::open({dir + "/missing", 5}).is_ok());
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("run_task: plans that cannot start fail as io errors before taking a Python worker") {
  executor::TaskEnv env{};  // no pool: reaching for a worker would crash the test
  auto run = [&](json plan, json sink) {
    executor::RunningTask t;
    t.spec.task_id = 42;
    t.spec.plan = std::move(plan);
    t.spec.sink = std::move(sink);
    return executor::run_task(t, env);
  };
  json blobs = {{"op", "input"}, {"input", 0}, {"format", "pickled"}, {"source", {{"kind", "blobs"}, {"first", 0}, {"count", 3}}}};
  auto o = run({{"op", "nope"}}, json{{"kind", "result"}});
  CHECK(o.update.task_id == 42);
  CHECK(o.update.state == spp::msg::TaskEndState::kFailed);
  CHECK(o.update.error_kind == spp::msg::TaskErrorKind::kIo);
  CHECK(o.update.error.find("unknown plan op") != std::string::npos);
  o = run(blobs, json{{"kind", "pigeon"}});
  CHECK(o.update.error_kind == spp::msg::TaskErrorKind::kIo);
  CHECK(o.update.error.find("malformed task sink") != std::string::npos);
  o = run(blobs, json{{"kind", "result"}});  // the task has no input blobs
  CHECK(o.update.error.find("missing input blobs") != std::string::npos);
  std::string gone = (std::filesystem::temp_directory_path() / "sparkpp-no-such-dir-4242").string();
  json ok_input = blobs;
  ok_input["source"]["count"] = 0;
  o = run(ok_input, json{{"kind", "text"}, {"tmp_dir", gone}, {"file", "part-00000"}});
  CHECK(o.update.error_kind == spp::msg::TaskErrorKind::kIo);
  CHECK(o.update.error.find("does not exist on this executor's host") != std::string::npos);
  CHECK(o.blobs.empty());
}

TEST_CASE("task plan: compute sources (the RDD <-> SQL bridge) round trip and are checked") {
  // df.rdd: a Python input computed by a SQL result task over blobs [1, 3) of the task.
  plan::NativeOp native;
  native.fragment = json{{"op", "Project"}};
  native.inputs.push_back({"local:0", plan::BlobsSource{0, 1}});
  auto py = plan::make(plan::ApplyOp{
      5, 0, plan::make(plan::InputOp{0, plan::Format::kSqlBatch, plan::ComputeSource{plan::make(native), 1, 2}})});
  json j = plan::to_json(*py);
  CHECK(j["child"]["format"] == "sqlbatch");
  CHECK(j["child"]["source"]["kind"] == "compute");
  CHECK(j["child"]["source"]["compute"]["op"] == "native");
  auto back = plan::decode(j);
  REQUIRE(back.is_ok());
  CHECK(plan::to_json(*back.value()) == j);
  std::vector<int64_t> funcs;  // the sub-task's own functions are not the task's
  plan::collect_funcs(*back.value(), funcs);
  CHECK(funcs == std::vector<int64_t>{5});

  // createDataFrame(rdd): a native input computed by a Python lineage (its own input numbering).
  plan::NativeOp scan;
  scan.fragment = json{{"op", "LocalTableScan"}};
  auto lineage = plan::make(plan::ApplyOp{9, 0, plan::make(plan::InputOp{0, plan::Format::kPickled, plan::BlobsSource{0, 1}})});
  scan.inputs.push_back({"rdd:9", plan::ComputeSource{lineage, 0, 1}});
  json sj = plan::to_json(*plan::make(scan));
  auto sback = plan::decode(sj);
  REQUIRE(sback.is_ok());
  CHECK(plan::to_json(*sback.value()) == sj);

  auto refused = [](const json& bad, const char* why) {
    auto r = plan::decode(bad);
    REQUIRE_FALSE(r.is_ok());
    CHECK_MESSAGE(r.error_message().find(why) != std::string::npos, r.error_message());
  };
  json neg = j;
  neg["child"]["source"]["count"] = -1;
  refused(neg, "negative");
  json nested = sj;  // a native stage computing its input with another native task is a stage, not an input
  nested["inputs"][0]["source"]["compute"] = plan::to_json(*plan::make(native));
  refused(nested, "computed by another native task");
  json missing = j;
  missing["child"]["source"].erase("compute");
  refused(missing, "malformed task plan");
  CHECK(plan::decode_sink(json{{"kind", "batches"}}).is_ok());
}
