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

// ---------------------------------------------------------------------------- task groups

namespace {
// Reads one task and its pushed first replies into `s` (as FakeWorker does). False: the
// connection ended or something else came.
bool read_task(BlockingChannel& ch, Script& s, std::set<int>& ended, int timeout_ms) {
  auto t = ch.recv(timeout_ms);
  if (!t || !t->as<msg::PwTask>()) return false;
  s.task = *t->as<msg::PwTask>();
  size_t npushed = 0;
  std::vector<const json*> stack{&s.task.plan};
  while (!stack.empty()) {
    const json* n = stack.back();
    stack.pop_back();
    if (!n->is_object()) continue;
    if (n->value("pushed", false)) ++npushed;
    if (n->contains("child")) stack.push_back(&(*n)["child"]);
    if (n->contains("children"))
      for (const auto& c : (*n)["children"]) stack.push_back(&c);
  }
  for (size_t k = 0; k < npushed; ++k) {
    auto r = ch.recv(timeout_ms);
    if (!r || !r->as<msg::PwInput>()) return false;
    const auto& in = *r->as<msg::PwInput>();
    s.pushed.push_back(in.input);
    for (auto& b : r->blobs) s.read[in.input].push_back(b);
    if (in.end) ended.insert(in.input);
  }
  return true;
}

// A worker that serves scripts[0..] in order on one connection. With `read_all_first`, it reads
// every task before it answers any: a runner that waited for the first answer before writing
// the second task would leave it waiting (then it gives up after 3 s and the test fails).
struct GroupWorker {
  std::thread th;
  bool read_all_first;
  GroupWorker(PythonPool& pool, std::vector<Script>& scripts, bool all_first) : read_all_first(all_first) {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    auto w = std::make_unique<PythonWorker>();
    w->ch = std::make_unique<BlockingChannel>(sv[0]);
    w->pid = 999999;
    pool.release(std::move(w), true);
    th = std::thread([fd = sv[1], &scripts, all_first] {
      BlockingChannel ch(fd);
      std::vector<std::set<int>> ended(scripts.size());
      size_t read = 0;
      auto answer = [&](size_t k) {
        Script& s = scripts[k];
        for (int i : s.inputs) {
          while (!ended[k].count(i)) {
            if (!ch.send(msg::PwRead{i})) return false;
            auto r = ch.recv(3'000);
            if (!r || !r->as<msg::PwInput>()) return false;
            for (auto& b : r->blobs) s.read[i].push_back(b);
            if (r->as<msg::PwInput>()->end) ended[k].insert(i);
          }
        }
        if (s.ending == Ending::kCrash) return false;
        if (!s.outputs.empty() && !ch.send(msg::PwOutput{s.records}, s.outputs)) return false;
        if (s.ending == Ending::kError)
          return static_cast<bool>(ch.send(msg::PwError{s.task.task_id, "ValueError", "bad", "Traceback ...\nValueError: bad"}));
        return static_cast<bool>(ch.send(msg::PwDone{s.task.task_id, 0, 0, false}));
      };
      if (all_first) {
        for (; read < scripts.size(); ++read)
          if (!read_task(ch, scripts[read], ended[read], 3'000)) return;
        for (size_t k = 0; k < scripts.size(); ++k)
          if (!answer(k)) return;
      } else {
        for (size_t k = 0; k < scripts.size(); ++k)
          if (!read_task(ch, scripts[k], ended[k], 3'000) || !answer(k)) return;
      }
    });
  }
  ~GroupWorker() {
    if (th.joinable()) th.join();
  }
};

// Tasks 1..n over one input blob each, result sink, function 5.
struct Group {
  std::vector<std::unique_ptr<RunningTask>> owned;
  std::vector<RunningTask*> tasks;
  explicit Group(int n, json sink = {{"kind", "result"}}) {
    for (int i = 0; i < n; ++i) {
      owned.push_back(std::make_unique<RunningTask>());
      fill(*owned.back(), {{"op", "apply"}, {"func", 5}, {"split", i}, {"child", blobs_input(0, 0, 1)}}, sink,
           {"in-" + std::to_string(i)});
      owned.back()->spec.task_id = 100 + i;
      tasks.push_back(owned.back().get());
    }
  }
};
}  // namespace

TEST_CASE("group_extra: up to the group size, never more than this thread's share of the queue") {
  CHECK(group_extra(8, 1, 4) == 3);
  CHECK(group_extra(2, 1, 4) == 2);
  CHECK(group_extra(0, 1, 4) == 0);
  CHECK(group_extra(8, 2, 4) == 3);
  CHECK(group_extra(3, 2, 4) == 1);  // the other thread keeps its share
  CHECK(group_extra(1, 2, 4) == 0);
  CHECK(group_extra(8, 1, 1) == 0);  // taskGroupSize 1: one task at a time
  CHECK(group_extra(8, 0, 4) == 3);
}

TEST_CASE("pipelinable: Python plans over the task's own blobs into a result or a shuffle") {
  msg::LaunchTask t;
  t.plan = {{"op", "apply"}, {"func", 1}, {"split", 0}, {"child", blobs_input(0, 0, 1)}};
  CHECK(pipelinable(t));  // no sink: the result
  t.sink = {{"kind", "result"}};
  CHECK(pipelinable(t));
  t.sink = {{"kind", "shuffle"}, {"shuffle_id", 1}, {"map", 0}, {"num_reduce", 2}};
  CHECK(pipelinable(t));
  t.sink = {{"kind", "text"}, {"tmp_dir", "/tmp"}, {"file", "part-0"}};
  CHECK_FALSE(pipelinable(t));
  t.sink = {{"kind", "result"}};
  t.plan = {{"op", "zip"}, {"children", {blobs_input(0, 0, 1), blobs_input(1, 1, 1)}}};
  CHECK(pipelinable(t));
  t.plan = {{"op", "concat"}, {"children", {blobs_input(0, 0, 1), {{"op", "input"}, {"input", 1}, {"format", "lines"},
                                                                      {"source", {{"kind", "text"}, {"path", "/x"}, {"start", 0}, {"length", 1}}}}}}};
  CHECK_FALSE(pipelinable(t));  // a file split: read while the worker computes
  t.plan = {{"op", "native"}, {"fragment", json::object()}};
  CHECK_FALSE(pipelinable(t));
  t.plan = json::array();
  CHECK_FALSE(pipelinable(t));
}

TEST_CASE("run_task_group: every task reaches the worker before it answers the first; functions shipped once") {
  Harness h;
  h.funcs.put(5, "PICKLED-F5");
  std::vector<Script> scripts(3);
  for (int i = 0; i < 3; ++i) {
    scripts[i].inputs = {0};
    scripts[i].outputs = {"out-" + std::to_string(i)};
    scripts[i].records = 1;
  }
  Group g(3);
  std::vector<TaskOutcome> outs;
  {
    GroupWorker gw(h.pool, scripts, /*read_all_first=*/true);
    outs = run_task_group(g.tasks, h.env);
  }
  REQUIRE(outs.size() == 3);
  for (int i = 0; i < 3; ++i) {
    CHECK(outs[i].update.task_id == 100 + i);
    CHECK(outs[i].update.state == spp::msg::TaskEndState::kFinished);
    CHECK(outs[i].blobs == std::vector<std::string>{"out-" + std::to_string(i)});
    CHECK(scripts[i].read[0] == std::vector<std::string>{"in-" + std::to_string(i)});
    CHECK(scripts[i].task.task_id == 100 + i);
  }
  CHECK(scripts[0].task.new_funcs == std::vector<int64_t>{5});
  CHECK(scripts[0].task.more);  // its replies may wait for the last member's
  CHECK(scripts[1].task.more);
  CHECK_FALSE(scripts[2].task.more);
  CHECK(scripts[1].task.new_funcs.empty());
  CHECK(scripts[2].task.new_funcs.empty());
  CHECK(h.pool.idle_count() == 1);
  for (auto* t : g.tasks) CHECK(t->worker_pid == 0);
}

TEST_CASE("run_task_group: a user error fails its task only; the next ones run on the same worker") {
  Harness h;
  h.funcs.put(5, "F");
  std::vector<Script> scripts(3);
  for (auto& s : scripts) s.inputs = {0};
  scripts[1].ending = Ending::kError;
  Group g(3, {{"kind", "shuffle"}, {"shuffle_id", 2}, {"map", 0}, {"num_reduce", 1}});
  for (int i = 0; i < 3; ++i) g.tasks[i]->spec.sink["map"] = i;
  std::vector<TaskOutcome> outs;
  {
    GroupWorker gw(h.pool, scripts, false);
    outs = run_task_group(g.tasks, h.env);
  }
  REQUIRE(outs.size() == 3);
  CHECK(outs[0].update.state == spp::msg::TaskEndState::kFinished);
  CHECK(outs[0].update.map_output.has_value());
  CHECK(outs[1].update.state == spp::msg::TaskEndState::kFailed);
  CHECK(outs[1].update.error_kind == spp::msg::TaskErrorKind::kUser);
  CHECK_FALSE(outs[1].update.map_output.has_value());
  CHECK(outs[2].update.state == spp::msg::TaskEndState::kFinished);
  CHECK(h.pool.idle_count() == 1);
}

TEST_CASE("run_task_group: a worker crash during the last member fails it; the ones before it finished") {
  Harness h;
  h.funcs.put(5, "F");
  std::vector<Script> scripts(3);
  for (auto& s : scripts) s.inputs = {0};
  scripts[2].ending = Ending::kCrash;
  Group g(3);
  std::vector<TaskOutcome> outs;
  {
    GroupWorker gw(h.pool, scripts, false);
    outs = run_task_group(g.tasks, h.env);
  }
  REQUIRE(outs.size() == 3);
  CHECK(outs[0].update.state == spp::msg::TaskEndState::kFinished);
  CHECK(outs[1].update.state == spp::msg::TaskEndState::kFinished);
  CHECK(outs[2].update.state == spp::msg::TaskEndState::kFailed);
  CHECK(outs[2].update.error_kind == spp::msg::TaskErrorKind::kWorkerCrashed);
  CHECK(h.pool.idle_count() == 0);
}

TEST_CASE("run_task_group: a worker crash while a member's replies may be held: it and the ones after it run again alone") {
  Harness h;
  h.funcs.put(5, "F");
  std::vector<Script> scripts(3);
  for (auto& s : scripts) s.inputs = {0};
  scripts[1].ending = Ending::kCrash;  // sent with `more`: the worker may have been in task 3
  Group g(3);
  std::vector<TaskOutcome> outs;
  {
    GroupWorker gw(h.pool, scripts, false);
    outs = run_task_group(g.tasks, h.env);
  }
  REQUIRE(outs.size() == 1);  // the executor queues the second and third again
  CHECK(outs[0].update.state == spp::msg::TaskEndState::kFinished);
  CHECK_FALSE(g.tasks[0]->run_alone);
  CHECK(g.tasks[1]->run_alone);  // alone, a crash is its own
  CHECK(g.tasks[2]->run_alone);
  CHECK(h.pool.idle_count() == 0);
}

TEST_CASE("run_task_group: the group ends with a task whose input does not all go with it") {
  Harness h;
  h.funcs.put(5, "F");
  std::vector<Script> scripts(2);
  for (auto& s : scripts) s.inputs = {0};
  Group g(3);
  // 4,097 batches: the pushed reply stops at 4,096 (kInputReplyBatches), the worker asks for the rest.
  g.tasks[1]->input_blobs.clear();
  for (int i = 0; i < 4097; ++i) g.tasks[1]->input_blobs.push_back(std::make_shared<std::string>("b"));
  g.tasks[1]->spec.plan["child"] = blobs_input(0, 0, 4097);
  std::vector<TaskOutcome> outs;
  {
    GroupWorker gw(h.pool, scripts, false);
    outs = run_task_group(g.tasks, h.env);
  }
  REQUIRE(outs.size() == 2);
  CHECK(outs[1].update.state == spp::msg::TaskEndState::kFinished);
  CHECK(scripts[1].read[0].size() == 4097);
  CHECK_FALSE(g.tasks[2]->run_alone);
}

TEST_CASE("run_task_group: a killed or unpipelinable task stops the group and runs alone later") {
  Harness h;
  h.funcs.put(5, "F");
  std::vector<Script> scripts(1);
  scripts[0].inputs = {0};
  Group g(3);
  g.tasks[1]->killed = true;
  std::vector<TaskOutcome> outs;
  {
    GroupWorker gw(h.pool, scripts, false);
    outs = run_task_group(g.tasks, h.env);
  }
  REQUIRE(outs.size() == 1);
  CHECK(outs[0].update.state == spp::msg::TaskEndState::kFinished);
  CHECK(g.tasks[1]->run_alone);
  CHECK_FALSE(g.tasks[2]->run_alone);
}

TEST_CASE("run_task_group: a missing function fails its task without sending it; the tasks before it run") {
  Harness h;
  h.funcs.put(5, "F");
  std::vector<Script> scripts(1);
  scripts[0].inputs = {0};
  Group g(3);
  g.tasks[1]->spec.plan["func"] = 6;  // never sent to this executor
  std::vector<TaskOutcome> outs;
  {
    GroupWorker gw(h.pool, scripts, false);
    outs = run_task_group(g.tasks, h.env);
  }
  REQUIRE(outs.size() == 2);
  CHECK(outs[0].update.state == spp::msg::TaskEndState::kFinished);
  CHECK(outs[1].update.state == spp::msg::TaskEndState::kFailed);
  CHECK(outs[1].update.error.find("function 6 was never sent") != std::string::npos);
  CHECK(h.pool.idle_count() == 1);
}
