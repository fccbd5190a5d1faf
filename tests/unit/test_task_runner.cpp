// run_task against a scripted Python worker: the pool hands out one end of a socketpair and a
// thread speaks the worker's side of the PwTask/PwRead/PwInput/PwOutput/PwDone protocol. Covers
// each sink (result, text, pickle, shuffle), metrics, and failures (user error, worker crash,
// fetch failure, no worker).
#include <doctest/doctest.h>

#include <sys/socket.h>

#include <filesystem>
#include <set>
#include <thread>

#include "common/clock.h"
#include "common/net.h"
#include "executor/task_runner.h"
#include "shuffle_test_util.h"

using namespace spp;
using namespace spp::executor;
using json = nlohmann::json;

namespace {

// What the scripted worker does after reading every input to its end.
enum class Ending { kDone, kError, kCrash };

struct Script {
  std::vector<int> inputs;                // read these inputs to their end, in order
  std::vector<std::string> outputs;       // then send these as one PwOutput
  int64_t records = 0;
  Ending ending = Ending::kDone;
  bool accum = false;
  // Seen by the worker:
  msg::PwTask task;
  std::map<int, std::vector<std::string>> read;
  std::map<int, std::string> formats;
  std::vector<int> pushed;  // inputs whose first reply came with the task
};

// One fake worker in `pool`, served by a thread running `s`.
struct FakeWorker {
  std::thread th;
  FakeWorker(PythonPool& pool, Script& s) {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    auto w = std::make_unique<PythonWorker>();
    w->ch = std::make_unique<BlockingChannel>(sv[0]);
    w->pid = 999999;  // never signalled: no test kills its task
    pool.release(std::move(w), true);
    th = std::thread([fd = sv[1], &s] {
      BlockingChannel ch(fd);
      auto t = ch.recv(10'000);
      if (!t || !t->as<msg::PwTask>()) return;
      s.task = *t->as<msg::PwTask>();
      // The first replies of the inputs whose leaves say "pushed" follow the task unasked.
      std::vector<const json*> stack{&s.task.plan};
      size_t npushed = 0;
      while (!stack.empty()) {
        const json* n = stack.back();
        stack.pop_back();
        if (!n->is_object()) continue;
        if (n->value("pushed", false)) ++npushed;
        if (n->contains("child")) stack.push_back(&(*n)["child"]);
        if (n->contains("children"))
          for (const auto& c : (*n)["children"]) stack.push_back(&c);
      }
      std::set<int> ended;
      for (size_t k = 0; k < npushed; ++k) {
        auto r = ch.recv(10'000);
        if (!r || !r->as<msg::PwInput>()) return;
        const auto& in = *r->as<msg::PwInput>();
        s.pushed.push_back(in.input);
        s.formats[in.input] = in.format;
        for (auto& b : r->blobs) s.read[in.input].push_back(b);
        if (in.end) ended.insert(in.input);
      }
      for (int i : s.inputs) {
        while (!ended.count(i)) {
          if (!ch.send(msg::PwRead{i})) return;
          auto r = ch.recv(10'000);
          if (!r || !r->as<msg::PwInput>()) return;
          s.formats[i] = r->as<msg::PwInput>()->format;
          for (auto& b : r->blobs) s.read[i].push_back(b);
          if (r->as<msg::PwInput>()->end) ended.insert(i);
        }
      }
      if (s.ending == Ending::kCrash) return;  // closes the connection mid-task
      if (!s.outputs.empty() && !ch.send(msg::PwOutput{s.records}, s.outputs)) return;
      if (s.ending == Ending::kError) {
        (void)ch.send(msg::PwError{s.task.task_id, "ZeroDivisionError", "division by zero", "Traceback ...\nZeroDivisionError"});
      } else {
        std::vector<std::string> accum;
        if (s.accum) accum.push_back("ACCUM");
        (void)ch.send(msg::PwDone{s.task.task_id, 0, 0, s.accum}, accum);
      }
    });
  }
  ~FakeWorker() {
    if (th.joinable()) th.join();
  }
};

struct Harness {
  ManualClock clock;
  PythonPool pool{"/nonexistent/python", {}, "/tmp", true, clock, 0};
  FuncCache funcs;
  testing::TempDir dir;
  TaskEnv env{};
  Harness() {
    env.pool = &pool;
    env.funcs = &funcs;
    env.scratch_dir = dir.path;
    env.shuffle.host = "10.0.0.1";
    env.shuffle.exec_id = "0";
  }
};

json blobs_input(int id, int first, int count) {
  return {{"op", "input"}, {"input", id}, {"format", "pickled"}, {"source", {{"kind", "blobs"}, {"first", first}, {"count", count}}}};
}

// One shuffle record as a Python worker frames it: u32 BE reduce partition, then the bytes.
std::string rec(uint32_t part, const std::string& body) {
  std::string r{static_cast<char>(part >> 24), static_cast<char>(part >> 16), static_cast<char>(part >> 8), static_cast<char>(part)};
  return r + body;
}

// RunningTask holds atomics (neither copied nor moved): filled in place.
void fill(RunningTask& t, json plan, json sink, std::vector<std::string> blobs = {}) {
  t.spec.task_id = 9;
  t.spec.partition = 3;
  t.spec.plan = std::move(plan);
  t.spec.sink = std::move(sink);
  for (auto& b : blobs) t.input_blobs.push_back(std::make_shared<std::string>(std::move(b)));
}

}  // namespace

namespace {
// A shuffle input of one block (exec "0" on 10.0.0.1, no block server), in the plan's columns.
json shuffle_source(int shuffle, int reduce, int map, const std::string& path, int64_t offset, int64_t length) {
  return {{"kind", "shuffle"},
          {"shuffle_id", shuffle},
          {"reduce", reduce},
          {"locs", {{{"exec", "0"}, {"host", "10.0.0.1"}, {"port", 0}}}},
          {"blocks", {{"map", {map}}, {"loc", {0}}, {"path", {path}}, {"offset", {offset}}, {"length", {length}}}}};
}
}  // namespace

TEST_CASE("run_task: result sink returns the worker's batches, functions shipped once, metrics counted") {
  Harness h;
  h.funcs.put(5, "PICKLED-F5");
  Script s;
  s.inputs = {0};
  s.outputs = {"out-a", "out-bb"};
  s.records = 4;
  s.accum = true;
  FakeWorker fw(h.pool, s);
  json plan = {{"op", "apply"}, {"func", 5}, {"split", 3}, {"child", blobs_input(0, 0, 2)}};
  RunningTask t;
  fill(t, plan, {{"kind", "result"}}, {"in-1", "in-22"});
  TaskOutcome o = run_task(t, h.env);
  REQUIRE(o.update.state == spp::msg::TaskEndState::kFinished);
  CHECK(o.update.error_kind == spp::msg::TaskErrorKind::kNone);
  CHECK(s.task.sink == "result");
  json sent = plan;  // the worker gets the plan without its inputs' sources (read here)
  sent["child"].erase("source");
  sent["child"]["pushed"] = true;  // in-memory: its first reply came with the task
  CHECK(s.task.plan == sent);
  CHECK(s.pushed == std::vector<int>{0});
  CHECK(s.task.new_funcs == std::vector<int64_t>{5});
  CHECK(s.read[0] == std::vector<std::string>{"in-1", "in-22"});
  CHECK(s.formats[0] == "pickled");
  CHECK(o.blobs == std::vector<std::string>{"out-a", "out-bb", "ACCUM"});
  CHECK(o.update.accum_blobs == 1);
  CHECK(o.update.metrics.output_records == 4);
  CHECK(o.update.metrics.output_bytes == 11);
  CHECK(o.update.metrics.result_bytes == 11);
  CHECK(o.update.metrics.input_bytes == 9);
  CHECK(h.pool.idle_count() == 1);  // kept for reuse
}

TEST_CASE("run_task: text and pickle sinks commit the part file by rename") {
  Harness h;
  testing::TempDir out;
  for (const char* kind : {"text", "pickle"}) {
    Script s;
    s.inputs = {0};
    s.outputs = {"a\nb\n", "c\n"};
    s.records = 3;
    FakeWorker fw(h.pool, s);
    std::string file = std::string("part-") + kind;
    RunningTask t;
    fill(t, blobs_input(0, 0, 0), {{"kind", kind}, {"tmp_dir", out.path}, {"file", file}});
    TaskOutcome o = run_task(t, h.env);
    REQUIRE(o.update.state == spp::msg::TaskEndState::kFinished);
    CHECK(o.blobs.empty());
    CHECK(s.task.sink == (std::string(kind) == "text" ? "text" : "result"));  // pickle: the worker writes result batches
    std::string got = testing::read_file(out.file(file));
    if (std::string(kind) == "text") {
      CHECK(got == "a\nb\nc\n");
    } else {
      CHECK(got == std::string("\0\0\0\x04" "a\nb\n" "\0\0\0\x02" "c\n", 14));
    }
    CHECK_FALSE(std::filesystem::exists(out.file("attempt_9")));
  }
}

TEST_CASE("run_task: shuffle sink reports its map output") {
  Harness h;
  Script s;
  s.inputs = {0};
  s.outputs = {rec(0, "zero"), rec(2, "two"), rec(2, "two again")};
  s.records = 3;
  FakeWorker fw(h.pool, s);
  RunningTask t;
  fill(t, blobs_input(0, 0, 0), {{"kind", "shuffle"}, {"shuffle_id", 4}, {"map", 3}, {"num_reduce", 3}});
  TaskOutcome o = run_task(t, h.env);
  REQUIRE(o.update.state == spp::msg::TaskEndState::kFinished);
  CHECK(o.update.map_output->path == h.dir.path + "/shuffle_4_3_9.data");
  auto offsets = o.update.map_output->offsets;
  REQUIRE(offsets.size() == 4);
  CHECK(offsets[0] == 0);
  CHECK(offsets[1] > 0);
  CHECK(offsets[2] == offsets[1]);  // reduce partition 1 got nothing
  CHECK(offsets[3] > offsets[2]);
  CHECK(o.update.metrics.shuffle_write_records == 3);
  CHECK(o.update.metrics.shuffle_write_bytes == offsets[3]);
  CHECK(o.blobs.empty());
}

TEST_CASE("run_task: a reduce task's shuffle blocks count as shuffle read, not input") {
  Harness h;
  std::vector<int64_t> offsets;
  {
    Script s;
    s.inputs = {0};
    s.outputs = {rec(1, "one"), rec(1, "one more")};
    s.records = 2;
    FakeWorker fw(h.pool, s);
    RunningTask t;
    fill(t, blobs_input(0, 0, 0), {{"kind", "shuffle"}, {"shuffle_id", 4}, {"map", 3}, {"num_reduce", 2}});
    TaskOutcome o = run_task(t, h.env);
    REQUIRE(o.update.state == spp::msg::TaskEndState::kFinished);
    offsets = o.update.map_output->offsets;
  }
  Script s;  // the map task's idle worker is reused
  s.inputs = {0};
  std::unique_ptr<PythonWorker> stale = std::move(h.pool.acquire().value());
  h.pool.release(std::move(stale), false);
  FakeWorker fw(h.pool, s);
  json plan = {{"op", "input"}, {"input", 0}, {"format", "pickled"},
               {"source", shuffle_source(4, 1, 3, h.dir.path + "/shuffle_4_3_9.data", offsets[1], offsets[2] - offsets[1])}};
  RunningTask t;
  fill(t, plan, {{"kind", "result"}});
  TaskOutcome o = run_task(t, h.env);
  REQUIRE(o.update.state == spp::msg::TaskEndState::kFinished);
  CHECK(o.update.metrics.shuffle_read_records == 2);
  CHECK(o.update.metrics.shuffle_read_bytes > 0);
  CHECK(o.update.metrics.input_bytes == 0);  // was counted twice: as input and as shuffle read
  CHECK(o.update.metrics.input_records == 0);
  CHECK(s.pushed.empty());  // shuffle blocks are read when asked for, never pushed
}

TEST_CASE("run_task: a user error fails the task and keeps the worker; a crash drops it") {
  Harness h;
  {
    Script s;
    s.inputs = {0};
    s.ending = Ending::kError;
    FakeWorker fw(h.pool, s);
    RunningTask t;
    fill(t, blobs_input(0, 0, 0), {{"kind", "result"}});
    TaskOutcome o = run_task(t, h.env);
    CHECK(o.update.state == spp::msg::TaskEndState::kFailed);
    CHECK(o.update.error_kind == spp::msg::TaskErrorKind::kUser);
    CHECK(o.update.error.find("ZeroDivisionError") != std::string::npos);
    CHECK(h.pool.idle_count() == 1);
  }
  {
    Script s;  // the idle worker from above is reused first: serve it too
    s.inputs = {0};
    s.ending = Ending::kCrash;
    std::unique_ptr<PythonWorker> stale = std::move(h.pool.acquire().value());
    h.pool.release(std::move(stale), false);
    FakeWorker fw(h.pool, s);
    RunningTask t;
    fill(t, blobs_input(0, 0, 0), {{"kind", "result"}});
    TaskOutcome o = run_task(t, h.env);
    CHECK(o.update.state == spp::msg::TaskEndState::kFailed);
    CHECK(o.update.error_kind == spp::msg::TaskErrorKind::kWorkerCrashed);
    CHECK(h.pool.idle_count() == 0);
  }
}

TEST_CASE("run_task: an unreadable shuffle block is a fetch failure") {
  Harness h;
  Script s;
  s.inputs = {0};
  FakeWorker fw(h.pool, s);
  std::string missing = h.dir.file("shuffle_1_6_2.data");
  json plan = {{"op", "input"}, {"input", 0}, {"format", "pickled"}, {"source", shuffle_source(1, 0, 6, missing, 0, 10)}};
  RunningTask t;
  fill(t, plan, {{"kind", "result"}});
  TaskOutcome o = run_task(t, h.env);
  CHECK(o.update.state == spp::msg::TaskEndState::kFailed);
  CHECK(o.update.error_kind == spp::msg::TaskErrorKind::kFetchFailed);
  REQUIRE(o.update.fetch_failure.has_value());
  CHECK(o.update.fetch_failure->shuffle_id == 1);
  CHECK(o.update.fetch_failure->map == 6);
  CHECK(o.update.fetch_failure->path == missing);
  CHECK(!o.update.map_output.has_value());
}

TEST_CASE("run_task: no Python worker available fails as worker_crashed") {
  Harness h;  // empty pool, and its python does not exist
  RunningTask t;
  fill(t, blobs_input(0, 0, 0), {{"kind", "result"}});
  TaskOutcome o = run_task(t, h.env);
  CHECK(o.update.state == spp::msg::TaskEndState::kFailed);
  CHECK(o.update.error_kind == spp::msg::TaskErrorKind::kWorkerCrashed);
}
