// DagScheduler: stages, skipped stages, fetch failures, lost outputs, cancellation,
// speculation — events in, exact effects out, on a manual clock.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "scheduler/dag_scheduler.h"

using namespace spp;
using namespace spp::scheduler;

namespace {

// A graph given by hand: node -> partitions, node -> shuffles it reads, shuffle -> map side.
struct FakeSource final : StageSource {
  std::map<int, int> parts;
  std::map<int, std::vector<int>> reads;
  std::map<int, ShuffleDep> shuffles;
  std::map<std::pair<int, int>, std::vector<std::string>> prefs;
  std::string fail_build;  // non-empty: build_task fails with it
  bool check_inputs = false;  // build_task fails on a missing map output, as the real sources do
  mutable int builds = 0;
  int num_partitions(int node) const override { return parts.count(node) ? parts.at(node) : -1; }
  std::vector<int> shuffle_deps(int node) const override { return reads.count(node) ? reads.at(node) : std::vector<int>{}; }
  ShuffleDep shuffle(int id) const override { return shuffles.at(id); }
  std::vector<std::string> preferred_executors(int node, int p) const override {
    auto it = prefs.find({node, p});
    return it == prefs.end() ? std::vector<std::string>{} : it->second;
  }
  Result<std::shared_ptr<const TaskBody>> build_task(int node, int, const MapOutputTracker& o) const override {
    ++builds;
    if (!fail_build.empty()) return Result<std::shared_ptr<const TaskBody>>::error(fail_build);
    if (check_inputs)
      for (int s : shuffle_deps(node))
        if (auto it = o.find(s); it == o.end() || it->second.missing() > 0)
          return Result<std::shared_ptr<const TaskBody>>::error("shuffle " + std::to_string(s) + " has missing map outputs");
    return std::shared_ptr<const TaskBody>(std::make_shared<TaskBody>());
  }
  std::string describe(int node) const override { return "node " + std::to_string(node); }
};

// node 1 (2 partitions) --shuffle 10--> node 2 (2 partitions): the classic two-stage job.
FakeSource two_stage() {
  FakeSource s;
  s.parts = {{1, 2}, {2, 2}};
  s.reads = {{2, {10}}};
  s.shuffles = {{10, ShuffleDep{1, 2}}};
  return s;
}

template <class T>
std::vector<T> all(const std::vector<Effect>& effs) {
  std::vector<T> out;
  for (const auto& e : effs)
    if (auto* t = std::get_if<T>(&e)) out.push_back(*t);
  return out;
}

struct Harness {
  FakeSource src;
  ManualClock clock;
  DagScheduler dag;
  explicit Harness(FakeSource s, SchedulerConfig cfg = {}) : src(std::move(s)), dag(src, clock, cfg) {}
  std::vector<Effect> add(const std::string& id, int cores = 1, const std::string& host = "") {
    return dag.handle(ExecutorAdded{id, host.empty() ? "host-" + id : host, cores, 7000});
  }
  std::vector<Effect> submit(int job, int node, std::vector<int> parts) {
    JobSubmitted j;
    j.job_id = job;
    j.node = node;
    j.partitions = std::move(parts);
    return dag.handle(j);
  }
  // A map task finished: its file is named after the task id.
  std::vector<Effect> map_done(const LaunchTask& l, int num_reduce = 2) {
    TaskEnded e;
    e.task_id = l.launch.task_id;
    e.map_path = "/shuffle/" + std::to_string(l.launch.task_id);
    e.map_offsets.assign(static_cast<size_t>(num_reduce + 1), 0);
    return dag.handle(e);
  }
  std::vector<Effect> done(const LaunchTask& l, int64_t bytes = 0) {
    TaskEnded e;
    e.task_id = l.launch.task_id;
    e.result_bytes = bytes;
    return dag.handle(e);
  }
  std::vector<Effect> fetch_failed(const LaunchTask& l, int shuffle, int map) {
    TaskEnded e;
    e.task_id = l.launch.task_id;
    e.state = TaskState::kFailed;
    e.error = "FetchFailed(shuffle " + std::to_string(shuffle) + ", map " + std::to_string(map) + ")";
    e.fetch_failed = true;
    e.fetch_shuffle = shuffle;
    e.fetch_map = map;
    return dag.handle(e);
  }
};

}  // namespace

TEST_CASE("dag: a shuffle cuts the job into a map stage then a result stage") {
  Harness h(two_stage());
  h.add("a");
  h.add("b");
  auto e1 = h.submit(0, 2, {0, 1});
  auto sub = all<StageSubmittedEvent>(e1);
  REQUIRE(sub.size() == 1);
  CHECK(sub[0].stage_id == 0);
  CHECK(sub[0].attempt == 0);
  CHECK(sub[0].name == "shuffle map (node 1)");
  auto maps = all<LaunchTask>(e1);
  REQUIRE(maps.size() == 2);
  CHECK(maps[0].is_map);
  CHECK(maps[0].shuffle_id == 10);
  CHECK(maps[0].num_reduce == 2);
  CHECK(all<TaskStartEvent>(e1).size() == 2);
  auto e2 = h.map_done(maps[0]);
  CHECK(all<TaskAccepted>(e2).size() == 1);
  CHECK(all<TaskAccepted>(e2)[0].position == -1);
  CHECK(all<StageCompletedEvent>(e2).empty());
  auto e3 = h.map_done(maps[1]);
  auto comp = all<StageCompletedEvent>(e3);
  REQUIRE(comp.size() == 1);
  CHECK(comp[0].status == "COMPLETE");
  sub = all<StageSubmittedEvent>(e3);
  REQUIRE(sub.size() == 1);
  CHECK(sub[0].stage_id == 1);
  CHECK(sub[0].name == "result (node 2)");
  auto res = all<LaunchTask>(e3);
  REQUIRE(res.size() == 2);
  CHECK_FALSE(res[0].is_map);
  CHECK(h.dag.map_outputs().at(10).missing() == 0);
  CHECK(h.dag.map_outputs().at(10).maps[0]->host == "host-a");
  auto e4 = h.done(res[1]);
  auto acc = all<TaskAccepted>(e4);
  REQUIRE(acc.size() == 1);
  CHECK(acc[0].position == res[1].partition);
  auto e5 = h.done(res[0]);
  CHECK(all<JobSucceeded>(e5).size() == 1);
  CHECK_FALSE(h.dag.has_job(0));
  // The story of a task: its transitions, with reasons.
  const TaskStory* st = h.dag.story(res[0].launch.task_id);
  REQUIRE(st);
  REQUIRE(st->steps.size() == 2);
  CHECK(st->steps[0].to == TaskState::kRunning);
  CHECK(st->steps[0].why == "launched on executor " + res[0].launch.exec_id);
  CHECK(st->steps[1].to == TaskState::kFinished);
}

TEST_CASE("dag: a second job over a computed shuffle skips its map stage; stage ids stay stable") {
  Harness h(two_stage());
  h.add("a", 4);
  auto e = h.submit(0, 2, {0, 1});
  for (auto& l : all<LaunchTask>(e)) e = h.map_done(l);
  for (auto& l : all<LaunchTask>(e)) h.done(l);
  auto e2 = h.submit(1, 2, {0, 1});
  // The job's start lists its whole graph, the skipped map stage (id 0) included.
  auto starts = all<JobStartEvent>(e2);
  REQUIRE(starts.size() == 1);
  REQUIRE(starts[0].stages.size() == 2);
  CHECK(starts[0].stages[0].stage_id == 0);
  CHECK(starts[0].stages[0].num_tasks == 2);
  CHECK(starts[0].stages[1].stage_id == 2);
  auto sub = all<StageSubmittedEvent>(e2);
  REQUIRE(sub.size() == 1);
  CHECK(sub[0].stage_id == 2);  // the new job's result stage; map stage 0 is skipped
  CHECK(sub[0].job_id == 1);
  auto l = all<LaunchTask>(e2);
  REQUIRE(l.size() == 2);
  CHECK_FALSE(l[0].is_map);
  // A job over the map side alone reads no shuffle: one stage.
  auto e3 = h.submit(2, 1, {0});
  REQUIRE(all<StageSubmittedEvent>(e3).size() == 1);
  CHECK(all<StageSubmittedEvent>(e3)[0].stage_id == 3);
  // An empty job succeeds at once.
  auto e4 = h.submit(3, 2, {});
  CHECK(all<JobSucceeded>(e4).size() == 1);
  CHECK(all<StageSubmittedEvent>(e4).empty());
  REQUIRE(all<JobStartEvent>(e4).size() == 1);
  CHECK(all<JobStartEvent>(e4)[0].stages.empty());
}

TEST_CASE("dag: a fetch failure resubmits the missing map stage, then the reduce stage (Spark's attempt numbers)") {
  Harness h(two_stage());
  h.add("a");
  h.add("b");
  auto e = h.submit(0, 2, {0, 1});
  auto maps = all<LaunchTask>(e);
  h.map_done(maps[0]);
  auto red = all<LaunchTask>(h.map_done(maps[1]));
  REQUIRE(red.size() == 2);
  // Reduce task 0 cannot read map output 1: map stage 0 runs again (attempt 1) for map 1 only.
  auto f = h.fetch_failed(red[0], 10, 1);
  auto comp = all<StageCompletedEvent>(f);
  REQUIRE(comp.size() == 1);
  CHECK(comp[0].stage_id == 1);
  CHECK(comp[0].attempt == 0);
  CHECK(comp[0].status == "FAILED");
  CHECK(comp[0].reason == "fetch failed");
  auto kills = all<KillTask>(f);
  REQUIRE(kills.size() == 1);  // the other reduce task of the failed attempt
  CHECK(kills[0].task_id == red[1].launch.task_id);
  auto sub = all<StageSubmittedEvent>(f);
  REQUIRE(sub.size() == 1);
  CHECK(sub[0].stage_id == 0);
  CHECK(sub[0].attempt == 1);
  CHECK(sub[0].num_tasks == 1);
  auto again = all<LaunchTask>(f);
  REQUIRE(again.size() == 1);
  CHECK(again[0].partition == 1);
  CHECK(again[0].launch.stage_attempt == 1);
  // The killed reduce task reports late: only the listener hears of it.
  TaskEnded late;
  late.task_id = red[1].launch.task_id;
  late.state = TaskState::kKilled;
  auto le = h.dag.handle(late);
  CHECK(all<TaskEndEvent>(le).size() == 1);
  CHECK(all<StageSubmittedEvent>(le).empty());
  auto r = h.map_done(again[0]);
  sub = all<StageSubmittedEvent>(r);
  REQUIRE(sub.size() == 1);
  CHECK(sub[0].stage_id == 1);
  CHECK(sub[0].attempt == 1);
  CHECK(sub[0].num_tasks == 2);
  auto red2 = all<LaunchTask>(r);
  REQUIRE(red2.size() == 2);
  h.done(red2[0]);
  CHECK(all<JobSucceeded>(h.done(red2[1])).size() == 1);
  CHECK(h.dag.story(red[0].launch.task_id)->state == TaskState::kFailed);
}

TEST_CASE("dag: spark.stage.maxConsecutiveAttempts aborts a stage that keeps failing") {
  SchedulerConfig cfg;
  cfg.max_stage_attempts = 2;
  Harness h(two_stage(), cfg);
  h.add("a", 4);
  auto maps = all<LaunchTask>(h.submit(0, 2, {0, 1}));
  h.map_done(maps[0]);
  auto red = all<LaunchTask>(h.map_done(maps[1]));
  auto f1 = h.fetch_failed(red[0], 10, 0);  // 1st failure of stage 1
  CHECK(all<JobFailed>(f1).empty());
  // No file named: every output of that executor is suspect, so both maps run again.
  auto remap = all<LaunchTask>(f1);
  REQUIRE(remap.size() == 2);
  h.map_done(remap[0]);
  auto red2 = all<LaunchTask>(h.map_done(remap[1]));
  REQUIRE(red2.size() == 2);
  auto f2 = h.fetch_failed(red2[1], 10, 1);  // 2nd consecutive: abort
  auto failed = all<JobFailed>(f2);
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].reason ==
        "Job aborted due to stage failure: ResultStage 1 has failed the maximum allowable number of times: 2. "
        "Most recent failure reason: FetchFailed(shuffle 10, map 1)");
  CHECK(all<LaunchTask>(f2).empty());
  CHECK_FALSE(h.dag.has_job(0));
}

TEST_CASE("dag: a lost executor's map outputs are recomputed before the reduce stage goes on") {
  Harness h(two_stage());
  h.add("a");
  h.add("b");
  auto maps = all<LaunchTask>(h.submit(0, 2, {0, 1}));
  REQUIRE(maps.size() == 2);
  h.map_done(maps[0]);
  auto red = all<LaunchTask>(h.map_done(maps[1]));
  REQUIRE(red.size() == 2);
  const std::string lost = maps[0].launch.exec_id;
  auto e = h.dag.handle(ExecutorLost{lost, "worker died", false});
  // Its running reduce task ends FAILED (listener), the stage attempt fails, and the map
  // output it held is computed again on the surviving executor.
  auto ends = all<TaskEndEvent>(e);
  REQUIRE(ends.size() == 1);
  CHECK(ends[0].error == "ExecutorLostFailure (executor " + lost + " exited unrelated to the running tasks) Reason: worker died");
  auto comp = all<StageCompletedEvent>(e);
  REQUIRE(comp.size() == 1);
  CHECK(comp[0].reason == "map outputs lost");
  auto sub = all<StageSubmittedEvent>(e);
  REQUIRE(sub.size() == 1);
  CHECK(sub[0].stage_id == 0);
  CHECK(sub[0].attempt == 1);
  CHECK(sub[0].num_tasks == 1);
  CHECK(h.dag.map_outputs().at(10).missing() == 1);
  // The surviving executor's core still runs the killed reduce task until it reports.
  TaskEnded k;
  for (auto& r : red)
    if (r.launch.exec_id != lost) k.task_id = r.launch.task_id;
  k.state = TaskState::kKilled;
  auto e2 = h.dag.handle(k);
  auto redo = all<LaunchTask>(e2);
  REQUIRE(redo.size() == 1);
  CHECK(redo[0].is_map);
  CHECK(redo[0].partition == maps[0].partition);
  CHECK(redo[0].launch.exec_id != lost);
  auto red2 = all<LaunchTask>(h.map_done(redo[0]));
  REQUIRE(red2.size() == 1);  // one core left: the second reduce task waits
  CHECK(red2[0].launch.stage_attempt == 1);
  CHECK(h.dag.story(red[0].launch.exec_id == lost ? red[0].launch.task_id : red[1].launch.task_id)->state == TaskState::kLost);
}

TEST_CASE("dag: cancelling a job kills its running tasks and fails it; late reports are harmless") {
  Harness h(two_stage());
  h.add("a", 2);
  auto maps = all<LaunchTask>(h.submit(0, 2, {0, 1}));
  REQUIRE(maps.size() == 2);
  auto e = h.dag.handle(CancelJob{0, "Job 0 cancelled", "job cancelled"});
  auto kills = all<KillTask>(e);
  CHECK(kills.size() == 2);
  auto comp = all<StageCompletedEvent>(e);
  REQUIRE(comp.size() == 1);
  CHECK(comp[0].status == "FAILED");
  CHECK(comp[0].reason == "job cancelled");
  auto f = all<JobFailed>(e);
  REQUIRE(f.size() == 1);
  CHECK(f[0].reason == "Job 0 cancelled");
  CHECK_FALSE(h.dag.has_job(0));
  // A map task that finishes anyway is discarded; its core is free again.
  auto late = h.map_done(maps[0]);
  CHECK(all<TaskAccepted>(late).empty());
  REQUIRE(all<TaskEndEvent>(late).size() == 1);
  CHECK(all<TaskEndEvent>(late)[0].state == "KILLED");
  CHECK(h.dag.tasks().running_count() == 1);
  CHECK(h.dag.handle(CancelJob{0, "again", "again"}).empty());  // unknown job: nothing
}

TEST_CASE("dag: speculation launches one copy of a slow task elsewhere; the first success wins") {
  FakeSource s;
  s.parts = {{1, 3}};
  SchedulerConfig cfg;
  cfg.speculation.enabled = true;
  cfg.speculation.quantile = 0.5;
  cfg.speculation.multiplier = 1.5;
  cfg.speculation.min_runtime_ms = 0;
  cfg.speculation_interval_ms = 100;
  Harness h(s, cfg);
  h.add("a");
  h.add("b");
  h.add("c");
  auto e = h.submit(0, 1, {0, 1, 2});
  auto l = all<LaunchTask>(e);
  REQUIRE(l.size() == 3);
  auto timers = all<ArmTimer>(e);
  REQUIRE(timers.size() == 1);
  CHECK(timers[0].kind == TimerKind::kSpeculation);
  CHECK(timers[0].delay_ms == 100);
  h.add("d");
  h.clock.advance(100);
  h.done(l[0]);
  h.done(l[1]);
  h.clock.advance(50);  // l[2] has run 150 ms, not yet 1.5 x the median (100 ms)
  auto t1 = h.dag.handle(TimerFired{TimerKind::kSpeculation});
  CHECK(all<LaunchTask>(t1).empty());
  CHECK(all<ArmTimer>(t1).size() == 1);  // armed again while tasks run
  h.clock.advance(100);
  auto t2 = h.dag.handle(TimerFired{TimerKind::kSpeculation});
  auto copies = all<LaunchTask>(t2);
  REQUIRE(copies.size() == 1);
  CHECK(copies[0].launch.speculative);
  CHECK(copies[0].launch.index == l[2].launch.index);
  CHECK(copies[0].launch.attempt == 1);
  CHECK(copies[0].launch.exec_id != l[2].launch.exec_id);
  CHECK(all<TaskStartEvent>(t2).at(0).speculative);
  auto win = h.done(copies[0]);
  auto kills = all<KillTask>(win);
  REQUIRE(kills.size() == 1);
  CHECK(kills[0].task_id == l[2].launch.task_id);
  CHECK(kills[0].reason == "another attempt succeeded");
  CHECK(all<JobSucceeded>(win).size() == 1);
  // The original finishing later is discarded as KILLED, and its story says why.
  auto lose = h.done(l[2]);
  CHECK(all<TaskEndEvent>(lose).at(0).state == "KILLED");
  CHECK(h.dag.story(l[2].launch.task_id)->steps.back().why.find("result discarded") != std::string::npos);
}

TEST_CASE("dag: delay scheduling waits for the executor holding cached data, re-offering on the revive timer") {
  FakeSource s;
  s.parts = {{1, 1}, {2, 2}};
  s.prefs[{1, 0}] = {"a"};
  SchedulerConfig cfg;
  cfg.locality_wait_ms = 3000;
  cfg.revive_interval_ms = 100;
  Harness h(s, cfg);
  h.add("a");
  h.add("b");
  auto busy = all<LaunchTask>(h.submit(0, 2, {0, 1}));  // both cores taken
  REQUIRE(busy.size() == 2);
  auto e = h.submit(1, 1, {0});
  CHECK(all<LaunchTask>(e).empty());
  auto arm = all<ArmTimer>(e);
  REQUIRE(arm.size() == 1);
  CHECK(arm[0].kind == TimerKind::kRevive);
  CHECK(arm[0].delay_ms == 100);
  // b frees up, but the task waits for a (alive, busy) during spark.locality.wait.
  const LaunchTask& on_b = busy[0].launch.exec_id == "b" ? busy[0] : busy[1];
  CHECK(all<LaunchTask>(h.done(on_b)).empty());
  h.clock.advance(100);
  auto r1 = h.dag.handle(TimerFired{TimerKind::kRevive});
  CHECK(all<LaunchTask>(r1).empty());
  CHECK(all<ArmTimer>(r1).size() == 1);  // still waiting: armed again
  h.clock.advance(3000);
  auto r2 = h.dag.handle(TimerFired{TimerKind::kRevive});
  auto l = all<LaunchTask>(r2);
  REQUIRE(l.size() == 1);
  CHECK(l[0].launch.job_id == 1);
  CHECK(l[0].launch.exec_id == "b");
  CHECK(all<ArmTimer>(r2).empty());  // nothing waits any more
}

TEST_CASE("dag: a task that cannot be built fails its job; a result too large fails it too") {
  FakeSource s;
  s.parts = {{1, 2}};
  s.fail_build = "broken lineage";
  Harness h(s);
  h.add("a", 2);
  auto e = h.submit(0, 1, {0, 1});
  auto f = all<JobFailed>(e);
  REQUIRE(f.size() == 1);
  CHECK(f[0].reason == "broken lineage");
  CHECK(all<LaunchTask>(e).empty());
  CHECK(h.dag.tasks().running_count() == 0);  // cores given back

  FakeSource s2;
  s2.parts = {{1, 2}};
  SchedulerConfig cfg;
  cfg.max_result_bytes = 1000;
  Harness h2(s2, cfg);
  h2.add("a", 2);
  auto l = all<LaunchTask>(h2.submit(0, 1, {0, 1}));
  REQUIRE(l.size() == 2);
  auto ok = h2.done(l[0], 600);
  CHECK(all<JobFailed>(ok).empty());
  auto big = h2.done(l[1], 600);
  auto jf = all<JobFailed>(big);
  REQUIRE(jf.size() == 1);
  CHECK(jf[0].reason.find("is bigger than spark.driver.maxResultSize") != std::string::npos);
}

TEST_CASE("dag: a failing task is retried up to maxFailures, then the job aborts with Spark's message") {
  FakeSource s;
  s.parts = {{1, 2}};
  SchedulerConfig cfg;
  cfg.max_task_failures = 2;
  Harness h(s, cfg);
  h.add("a", 2);
  auto l = all<LaunchTask>(h.submit(0, 1, {0, 1}));
  TaskEnded f;
  f.task_id = l[0].launch.task_id;
  f.state = TaskState::kFailed;
  f.error = "ValueError: boom";
  auto r = h.dag.handle(f);
  auto again = all<LaunchTask>(r);
  REQUIRE(again.size() == 1);
  CHECK(again[0].launch.attempt == 1);
  f.task_id = again[0].launch.task_id;
  auto r2 = h.dag.handle(f);
  auto jf = all<JobFailed>(r2);
  REQUIRE(jf.size() == 1);
  CHECK(jf[0].reason.rfind("Job aborted due to stage failure: Task 0 in stage 0.0 failed 2 times", 0) == 0);
  auto kills = all<KillTask>(r2);
  REQUIRE(kills.size() == 1);
  CHECK(kills[0].task_id == l[1].launch.task_id);
}

TEST_CASE("dag: an all_partitions job counts its result partitions when the result stage starts") {
  // As AQE coalescing does: node 2 reports 5 partitions until shuffle 10 exists, then 1.
  Harness h(two_stage());
  h.src.parts[2] = 5;
  h.add("a", 2);
  JobSubmitted j;
  j.job_id = 0;
  j.node = 2;
  j.all_partitions = true;
  auto e1 = h.dag.handle(j);
  CHECK(all<JobPartitionsKnown>(e1).empty());  // the map stage runs first
  auto maps = all<LaunchTask>(e1);
  REQUIRE(maps.size() == 2);
  h.map_done(maps[0]);
  h.src.parts[2] = 1;  // the shuffle's sizes are in: one coalesced partition
  auto e2 = h.map_done(maps[1]);
  auto known = all<JobPartitionsKnown>(e2);
  REQUIRE(known.size() == 1);
  CHECK(known[0].job_id == 0);
  CHECK(known[0].count == 1);
  auto res = all<LaunchTask>(e2);
  REQUIRE(res.size() == 1);
  CHECK(res[0].partition == 0);
  auto e3 = h.done(res[0]);
  REQUIRE(all<TaskAccepted>(e3).size() == 1);
  CHECK(all<TaskAccepted>(e3)[0].position == 0);
  CHECK(all<JobSucceeded>(e3).size() == 1);
}

TEST_CASE("dag: an all_partitions job over a node with no partitions succeeds at once") {
  FakeSource s;
  s.parts = {{1, 0}};
  Harness h(std::move(s));
  h.add("a");
  JobSubmitted j;
  j.job_id = 3;
  j.node = 1;
  j.all_partitions = true;
  auto e = h.dag.handle(j);
  REQUIRE(all<JobPartitionsKnown>(e).size() == 1);
  CHECK(all<JobPartitionsKnown>(e)[0].count == 0);
  CHECK(all<JobSucceeded>(e).size() == 1);
  CHECK(all<LaunchTask>(e).empty());
}

TEST_CASE("compact offsets: exact at every index, in about a byte per sparse segment") {
  using spp::scheduler::CompactOffsets;
  std::vector<int64_t> sparse{0};
  for (int i = 0; i < 4096; ++i) sparse.push_back(sparse.back() + (i % 1000 == 0 ? 37 : 0));
  CompactOffsets c(sparse);
  REQUIRE(c.size() == sparse.size());
  for (size_t i = 0; i < sparse.size(); ++i) REQUIRE(c[i] == sparse[i]);
  CHECK(c.bytes_used() < sparse.size() * 2);  // int64 each would be 8x
  // Groups of every width, and a group ending mid-way.
  std::vector<int64_t> wide{0};
  for (int i = 0; i < 300; ++i) wide.push_back(wide.back() + (i < 64 ? 3 : i < 128 ? 1000 : i < 192 ? 100000 : (int64_t{1} << 34)));
  CompactOffsets w(wide);
  for (size_t i = 0; i < wide.size(); ++i) REQUIRE(w[i] == wide[i]);
  CHECK(CompactOffsets().empty());
  CompactOffsets lit{0, 10, 10, 25};
  CHECK(lit.size() == 4);
  CHECK(lit[3] == 25);
}

namespace {
// node 1 --shuffle 10--> node 3 <--shuffle 11-- node 2: a join's two inputs (2 partitions each).
FakeSource join_graph() {
  FakeSource s;
  s.parts = {{1, 2}, {2, 2}, {3, 2}};
  s.reads = {{3, {10, 11}}};
  s.shuffles = {{10, ShuffleDep{1, 2}}, {11, ShuffleDep{2, 2}}};
  return s;
}
struct WaitingSource final : StageSource {
  FakeSource base;
  std::set<int> waits;  // nodes whose last input waits for the others
  int num_partitions(int node) const override { return base.num_partitions(node); }
  std::vector<int> shuffle_deps(int node) const override { return base.shuffle_deps(node); }
  bool last_dep_waits(int node) const override { return waits.count(node) > 0; }
  ShuffleDep shuffle(int id) const override { return base.shuffle(id); }
  std::vector<std::string> preferred_executors(int node, int p) const override { return base.preferred_executors(node, p); }
  Result<std::shared_ptr<const TaskBody>> build_task(int n, int p, const MapOutputTracker& o) const override {
    return base.build_task(n, p, o);
  }
  std::string describe(int node) const override { return base.describe(node); }
};
}  // namespace

TEST_CASE("dag: a join's independent map stages run at once; the result stage waits for both") {
  Harness h(join_graph());
  h.add("a", 2);
  h.add("b", 2);
  auto e1 = h.submit(0, 3, {0, 1});
  auto sub = all<StageSubmittedEvent>(e1);
  REQUIRE(sub.size() == 2);  // Spark's submitMissingParents: both parents together
  auto maps = all<LaunchTask>(e1);
  REQUIRE(maps.size() == 4);  // 4 free cores: both stages' tasks side by side
  std::map<int, std::vector<LaunchTask>> by_shuffle;
  for (const auto& m : maps) by_shuffle[m.shuffle_id].push_back(m);
  REQUIRE(by_shuffle[10].size() == 2);
  REQUIRE(by_shuffle[11].size() == 2);
  CHECK(h.dag.progress(0).size() == 2);
  h.map_done(by_shuffle[10][0]);
  auto e2 = h.map_done(by_shuffle[10][1]);
  CHECK(all<StageCompletedEvent>(e2).size() == 1);
  CHECK(all<StageSubmittedEvent>(e2).empty());  // shuffle 11 still running
  CHECK(all<KillTask>(e2).empty());
  h.map_done(by_shuffle[11][0]);
  auto e3 = h.map_done(by_shuffle[11][1]);
  sub = all<StageSubmittedEvent>(e3);
  REQUIRE(sub.size() == 1);
  CHECK(sub[0].name == "result (node 3)");
  auto res = all<LaunchTask>(e3);
  REQUIRE(res.size() == 2);
  h.done(res[0]);
  CHECK(all<JobSucceeded>(h.done(res[1])).size() == 1);
}

TEST_CASE("dag: a source may hold a stage's last input back until the others exist (AQE's early switch)") {
  WaitingSource w;
  w.base = join_graph();
  w.waits = {3};
  ManualClock clock;
  DagScheduler dag(w, clock, {});
  dag.handle(ExecutorAdded{"a", "host-a", 4, 7000});
  JobSubmitted j;
  j.job_id = 0;
  j.node = 3;
  j.partitions = {0, 1};
  auto e1 = dag.handle(j);
  auto maps = all<LaunchTask>(e1);
  REQUIRE(maps.size() == 2);
  for (const auto& m : maps) CHECK(m.shuffle_id == 10);  // 11 waits although cores are free
  std::vector<Effect> e2;
  for (const auto& m : maps) {
    TaskEnded t;
    t.task_id = m.launch.task_id;
    t.map_offsets.assign(3, 0);
    e2 = dag.handle(t);
  }
  auto next = all<LaunchTask>(e2);
  REQUIRE(next.size() == 2);
  for (const auto& m : next) CHECK(m.shuffle_id == 11);
}

TEST_CASE("dag: a fetch failure fails only its stage attempt; a concurrent stage of the job goes on") {
  // node 1 -s10-> node 3 -s20-> node 5 <-s21- node 4 <-s11- node 2
  FakeSource s;
  s.parts = {{1, 1}, {2, 1}, {3, 1}, {4, 1}, {5, 1}};
  s.reads = {{3, {10}}, {4, {11}}, {5, {20, 21}}};
  s.shuffles = {{10, ShuffleDep{1, 1}}, {11, ShuffleDep{2, 1}}, {20, ShuffleDep{3, 1}}, {21, ShuffleDep{4, 1}}};
  Harness h(s);
  h.add("a", 4);
  auto e1 = h.submit(0, 5, {0});
  auto first = all<LaunchTask>(e1);
  REQUIRE(first.size() == 2);  // shuffles 10 and 11 at once
  auto second = all<LaunchTask>(h.map_done(first[0], 1));  // its reader starts at once
  REQUIRE(second.size() == 1);
  second.push_back(all<LaunchTask>(h.map_done(first[1], 1)).at(0));
  const LaunchTask& reads10 = second[0].shuffle_id == 20 ? second[0] : second[1];
  const LaunchTask& other = second[0].shuffle_id == 20 ? second[1] : second[0];
  auto e3 = h.fetch_failed(reads10, 10, 0);
  auto comp = all<StageCompletedEvent>(e3);
  REQUIRE(comp.size() == 1);
  CHECK(comp[0].status == "FAILED");
  CHECK(all<KillTask>(e3).empty());  // shuffle 21's task keeps running
  auto again = all<LaunchTask>(e3);
  REQUIRE(again.size() == 1);  // shuffle 10's map stage, next attempt
  CHECK(again[0].shuffle_id == 10);
  CHECK(again[0].launch.stage_attempt == 1);
  h.map_done(other, 1);  // accepted: its stage was never failed
  CHECK(h.dag.map_outputs().at(21).missing() == 0);
  auto e4 = h.map_done(again[0], 1);
  auto redo = all<LaunchTask>(e4);
  REQUIRE(redo.size() == 1);
  CHECK(redo[0].shuffle_id == 20);
  auto e5 = h.map_done(redo[0], 1);
  auto res = all<LaunchTask>(e5);
  REQUIRE(res.size() == 1);
  CHECK(all<JobSucceeded>(h.done(res[0])).size() == 1);
}

TEST_CASE("dag: cancelling a job kills the tasks of all its running stages") {
  Harness h(join_graph());
  h.add("a", 4);
  auto maps = all<LaunchTask>(h.submit(0, 3, {0, 1}));
  REQUIRE(maps.size() == 4);
  auto e = h.dag.handle(CancelJob{0, "cancelled", "job cancelled"});
  CHECK(all<KillTask>(e).size() == 4);
  CHECK(all<StageCompletedEvent>(e).size() == 2);
  CHECK(all<JobFailed>(e).size() == 1);
  CHECK(h.dag.tasks().pending_count() == 0);
}

TEST_CASE("dag: a finished job leaves no stage running behind (Spark's cancelRunningIndependentStages)") {
  // Job 0 computes shuffle 10 (node 1 -> node 3); job 1 reads shuffles 11 and 10 (node 4) and
  // runs shuffle 10's map stage too (it is not running in job 1).
  FakeSource s;
  s.parts = {{1, 2}, {2, 1}, {3, 1}, {4, 1}};
  s.reads = {{3, {10}}, {4, {11, 10}}};
  s.shuffles = {{10, ShuffleDep{1, 1}}, {11, ShuffleDep{2, 1}}};
  Harness h(s);
  h.add("a", 8);
  auto a_maps = all<LaunchTask>(h.submit(0, 3, {0}));
  REQUIRE(a_maps.size() == 2);
  auto b_maps = all<LaunchTask>(h.submit(1, 4, {0}));
  REQUIRE(b_maps.size() == 3);  // shuffle 11's task and shuffle 10's two
  std::vector<LaunchTask> b10;
  const LaunchTask* b11 = nullptr;
  for (const auto& l : b_maps) (l.shuffle_id == 10 ? (void)b10.push_back(l) : (void)(b11 = &l));
  REQUIRE(b11);
  h.map_done(a_maps[0], 1);
  auto a_res = all<LaunchTask>(h.map_done(a_maps[1], 1));  // shuffle 10 complete: job 0's result
  REQUIRE(a_res.size() == 1);
  auto b_res = all<LaunchTask>(h.map_done(*b11, 1));  // job 1's inputs all exist now
  REQUIRE(b_res.size() == 1);
  CHECK_FALSE(b_res[0].is_map);
  auto e = h.done(b_res[0]);
  REQUIRE(all<JobSucceeded>(e).size() == 1);
  // Job 1's attempt of shuffle 10's stage has nothing left to do for anyone: killed, forgotten.
  std::set<int64_t> killed;
  for (const auto& k : all<KillTask>(e)) killed.insert(k.task_id);
  CHECK(killed.count(b10[0].launch.task_id) == 1);
  CHECK(killed.count(b10[1].launch.task_id) == 1);
  // (Unkilled, the set stayed: a task of it lost with its executor was queued again for a job
  // that is gone, assigned and dropped as "not launched" on every event, pending forever.)
  h.add("b", 2);
  TaskEnded k;
  k.task_id = b10[0].launch.task_id;
  k.state = TaskState::kKilled;
  h.dag.handle(k);
  h.done(a_res[0]);
  CHECK(h.dag.active_jobs() == 0);
  CHECK(h.dag.tasks().pending_count() == 0);
  h.dag.handle(ExecutorLost{"a", "gone", false});
  h.dag.handle(TimerFired{TimerKind::kRevive});
  CHECK(h.dag.tasks().pending_count() == 0);
}

TEST_CASE("dag: a fetch failure does not fail the job through a sibling stage's tasks reading the same lost shuffle") {
  // node 1 -s10-> node 3 -s20-> node 5 <-s21- node 4 <-s10- node 1: both branches read shuffle 10.
  FakeSource s;
  s.check_inputs = true;  // as SqlStageSource and the RDD graph: a task over a missing map output cannot be built
  s.parts = {{1, 1}, {3, 2}, {4, 2}, {5, 1}};
  s.reads = {{3, {10}}, {4, {10}}, {5, {20, 21}}};
  s.shuffles = {{10, ShuffleDep{1, 2}}, {20, ShuffleDep{3, 1}}, {21, ShuffleDep{4, 1}}};
  Harness h(s);
  h.add("a", 1);
  auto m1 = all<LaunchTask>(h.submit(0, 5, {0}));
  REQUIRE(m1.size() == 1);
  auto e2 = h.map_done(m1[0], 2);
  REQUIRE(all<StageSubmittedEvent>(e2).size() == 2);  // shuffles 20 and 21 at once, one core
  auto first = all<LaunchTask>(e2);
  REQUIRE(first.size() == 1);
  // The running task cannot read shuffle 10's only output: shuffle 10 runs again; the sibling
  // stage's pending tasks read shuffle 10 too and must wait for it, not fail the job.
  auto e3 = h.fetch_failed(first[0], 10, 0);
  CHECK(all<JobFailed>(e3).empty());
  REQUIRE(h.dag.has_job(0));
  std::vector<Effect> e = e3;
  for (int step = 0; step < 20 && h.dag.has_job(0); ++step) {
    auto ls = all<LaunchTask>(e);
    REQUIRE_FALSE(ls.empty());  // never stuck: a task always runs while the job lives
    const LaunchTask& l = ls[0];
    e = l.is_map ? h.map_done(l, l.num_reduce) : h.done(l);
    CHECK(all<JobFailed>(e).empty());
  }
  CHECK_FALSE(h.dag.has_job(0));
}
