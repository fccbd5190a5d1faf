// AppStatusStore: job/stage/task transitions, quantiles, task paging and sorting, retention,
// event-log round trip (sink -> replay).
#include <doctest/doctest.h>

#include "listener_log.h"

using namespace spp::scheduler;

using spp::ui::AppStatusStore;
using spp::ui::json;
using spp::ui::StoreLimits;
using spp::ui::TaskQuery;

namespace {
spp::msg::TaskMetrics metrics(int64_t run_ms, int64_t input = 0) {
  spp::msg::TaskMetrics m;
  m.run_ms = run_ms;
  m.input_bytes = input;
  m.input_records = input / 10;
  return m;
}

// One job with one stage of `n` tasks on executor "1", task i taking (i+1)*10 ms.
void run_stage(spp::ui::Listener& s, int job, int stage, int n, int64_t t0, bool finish = true) {
  s.on_event(JobStartEvent{job, "collect at job.py:1", t0, json::object(), -1, {}});
  s.on_event(StageSubmittedEvent{stage, 0, job, "collect at job.py:1", n, 3, t0});
  for (int i = 0; i < n; ++i) s.on_event(TaskStartEvent{stage * 1000 + i, stage, 0, i, 0, i, "1", "h1", t0 + i});
  if (!finish) return;
  for (int i = 0; i < n; ++i) s.on_event(TaskEndEvent{stage * 1000 + i, "FINISHED", metrics((i + 1) * 10, 100 * i), "", t0 + i + (i + 1) * 10});
  s.on_event(StageCompletedEvent{stage, 0, "COMPLETE", "", t0 + 1000});
  s.on_event(JobEndEvent{job, true, "", t0 + 1000});
}
}  // namespace

TEST_CASE("status store: REST time format is Spark's") {
  CHECK(spp::ui::rest_time(0) == "1970-01-01T00:00:00.000GMT");
  CHECK(spp::ui::rest_time(1700000000123) == "2023-11-14T22:13:20.123GMT");
}

TEST_CASE("status store: quantiles follow Spark's index rule") {
  std::vector<double> v{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  CHECK(spp::ui::quantile_of(v, 0.0) == 1);
  CHECK(spp::ui::quantile_of(v, 0.25) == 3);   // index 2
  CHECK(spp::ui::quantile_of(v, 0.5) == 6);    // index 5
  CHECK(spp::ui::quantile_of(v, 1.0) == 10);   // clamped to n-1
  CHECK(spp::ui::quantile_of({}, 0.5) == 0);
}

TEST_CASE("status store: job and stage lifecycle counters") {
  AppStatusStore s;
  s.on_event(ApplicationStartEvent{"app-1", "demo", "me", 1000});
  s.on_event(ExecutorAddedEvent{"1", "h1", 2, 1000, {}, 0});
  run_stage(s, 0, 0, 4, 2000, false);
  json j = s.jobs("")[0];
  CHECK(j["status"] == "RUNNING");
  CHECK(j["numTasks"] == 4);
  CHECK(j["numActiveTasks"] == 4);
  CHECK(j["numActiveStages"] == 1);
  CHECK(s.stages("active").size() == 1);
  CHECK(s.executors(false)[1]["activeTasks"] == 4);

  s.on_event(TaskEndEvent{0, "FINISHED", metrics(5), "", 2010});
  s.on_event(TaskEndEvent{1, "FAILED", metrics(5), "Traceback (most recent call last):\n  ValueError: boom", 2011});
  s.on_event(TaskEndEvent{1, "FINISHED", metrics(5), "", 2012});  // a second end of the same attempt is ignored
  s.on_event(TaskEndEvent{99, "FINISHED", metrics(5), "", 2012});  // unknown task: ignored
  j = s.jobs("")[0];
  CHECK(j["numCompletedTasks"] == 1);
  CHECK(j["numFailedTasks"] == 1);
  CHECK(j["numActiveTasks"] == 2);
  CHECK(j["numCompletedIndices"] == 1);

  s.on_event(StageCompletedEvent{0, 0, "FAILED", "Job aborted due to stage failure", 2100});
  s.on_event(JobEndEvent{0, false, "Job aborted due to stage failure: boom", 2100});
  j = s.jobs("failed")[0];
  CHECK(j["status"] == "FAILED");
  CHECK(j["failureReason"] == "Job aborted due to stage failure: boom");
  CHECK(j["numFailedStages"] == 1);
  CHECK(j["numActiveStages"] == 0);
  CHECK(j["completionTime"] == spp::ui::rest_time(2100));
  CHECK(s.jobs("succeeded").empty());
  json st = *s.stage(0, 0, false);
  CHECK(st["status"] == "FAILED");
  CHECK(st["failureReason"] == "Job aborted due to stage failure");
  json failed = *s.task_list(0, 0, TaskQuery{0, 20, "", "failed"});
  REQUIRE(failed.size() == 1);
  CHECK(failed[0]["errorMessage"].get<std::string>().find("ValueError: boom") != std::string::npos);
  json ex = s.executors(false)[1];
  CHECK(ex["completedTasks"] == 1);
  CHECK(ex["failedTasks"] == 1);
}

TEST_CASE("status store: a job ending with its stage still active fails that stage") {
  AppStatusStore s;
  run_stage(s, 0, 0, 2, 0, false);
  for (auto& e : s.abort_events("SparkContext was shut down", 50)) s.on_event(e);
  CHECK(s.jobs("")[0]["status"] == "FAILED");
  CHECK((*s.stage(0, 0, false))["status"] == "FAILED");
}

TEST_CASE("status store: task summary quantiles over successful tasks") {
  AppStatusStore s;
  run_stage(s, 0, 0, 5, 0);
  json sum = *s.task_summary(0, 0, {0, 0.25, 0.5, 0.75, 1.0});
  CHECK(sum["executorRunTime"] == json({10.0, 20.0, 30.0, 40.0, 50.0}));
  CHECK(sum["duration"] == json({10.0, 20.0, 30.0, 40.0, 50.0}));
  CHECK(sum["inputMetrics"]["bytesRead"][4] == 400.0);
  json st = *s.stage(0, 0, false);
  CHECK(st["status"] == "COMPLETE");
  CHECK(st["numCompleteTasks"] == 5);
  CHECK(st["executorRunTime"] == 150);
  CHECK(st["inputBytes"] == 1000);
}

TEST_CASE("status store: task list paging and sorting scale to 10,000 tasks") {
  AppStatusStore s;
  run_stage(s, 0, 0, 10000, 0);
  json page = *s.task_list(0, 0, TaskQuery{100, 20, "", ""});
  REQUIRE(page.size() == 20);
  CHECK(page[0]["index"] == 100);
  json slow = *s.task_list(0, 0, TaskQuery{0, 3, "-runtime", ""});
  CHECK(slow[0]["index"] == 9999);
  CHECK(slow[1]["index"] == 9998);
  json fast = *s.task_list(0, 0, TaskQuery{0, 1, "runtime", ""});
  CHECK(fast[0]["index"] == 0);
  json tail = *s.task_list(0, 0, TaskQuery{9990, 20, "", ""});
  CHECK(tail.size() == 10);
  CHECK(!s.task_list(0, 1, TaskQuery{}).has_value());
}

TEST_CASE("status store: retention drops the oldest finished jobs, stages and tasks") {
  StoreLimits lim;
  lim.jobs = 2;
  lim.stages = 2;
  lim.tasks = 5;
  AppStatusStore s(lim);
  for (int j = 0; j < 4; ++j) run_stage(s, j, j, 8, j * 10000);
  json jobs = s.jobs("");
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[0]["jobId"] == 3);  // newest first
  CHECK(jobs[1]["jobId"] == 2);
  CHECK(s.stages("").size() == 2);
  CHECK(!s.stage(0, 0, false).has_value());
  CHECK(s.task_list(3, 0, TaskQuery{0, 100, "", ""})->size() == 5);
}

TEST_CASE("status store: the event log replays into an identical store") {
  std::vector<json> events;
  AppStatusStore live;
  spp::ui::EventRecorder rec(events);
  spp::ui::ListenerBus bus;
  bus.add(&live);
  bus.add(&rec);
  bus.post(ApplicationStartEvent{"app-2", "demo", "me", 1000});
  bus.post(EnvironmentUpdateEvent{{{"spark.master", "local[2]"}, {"spark.authenticate.secret", "hunter2"}}, {}});
  bus.post(ExecutorAddedEvent{"0", "127.0.0.1", 2, 1000, {}, 0});
  spp::ui::LoggedStore logged(live, events);
  run_stage(logged, 0, 0, 3, 2000);
  bus.post(ApplicationEndEvent{5000});

  AppStatusStore replayed;
  for (const auto& e : events) replayed.replay(e);
  CHECK(replayed.jobs("") == live.jobs(""));
  CHECK(replayed.stages("") == live.stages(""));
  CHECK(*replayed.task_list(0, 0, TaskQuery{}) == *live.task_list(0, 0, TaskQuery{}));
  CHECK(replayed.application() == live.application());
  CHECK(replayed.application()["attempts"][0]["completed"] == true);
  // Secrets never reach a listener: not the page, not the log.
  CHECK(json(events).dump().find("hunter2") == std::string::npos);
  std::string env = replayed.environment().dump();
  CHECK(env.find("hunter2") == std::string::npos);
  CHECK(env.find("redacted") != std::string::npos);
}

TEST_CASE("status store: executor log links that are not http(s) never reach a page or the event log") {
  AppStatusStore s;
  std::vector<json> logged;
  spp::ui::EventRecorder rec(logged);
  spp::ui::ListenerBus bus;
  bus.add(&s);
  bus.add(&rec);
  bus.post(ApplicationStartEvent{"app-1", "demo", "me", 1000});
  bus.post(ExecutorAddedEvent{"1", "h1", 2, 1000, {{"stdout", "http://h1:8081/logPage/?x=1"}, {"stderr", "javascript:alert(1)"}}, 0});
  std::string shown = s.executors(false).dump();
  CHECK(shown.find("javascript") == std::string::npos);
  CHECK(shown.find("http://h1:8081/logPage/?x=1") != std::string::npos);
  CHECK(json(logged).dump().find("javascript") == std::string::npos);
  // A replayed log (history server) is filtered the same way.
  AppStatusStore h;
  h.replay({{"Event", "SparkListenerExecutorAdded"}, {"Executor ID", "2"}, {"Host", "h"}, {"Total Cores", 1},
            {"Timestamp", 5}, {"Log Urls", {{"stdout", "javascript:alert(2)"}}}});
  CHECK(h.executors(false).dump().find("javascript") == std::string::npos);
}

TEST_CASE("status store: replayed events with fields of the wrong type are read as absent, not thrown") {
  AppStatusStore h;
  for (const char* line : {R"({"Event":"SparkListenerJobStart","Job ID":"zero","Submission Time":1.5e300})",
                           R"({"Event":"SparkListenerEnvironmentUpdate","Spark Properties":[1,2]})",
                           R"({"Event":"SparkListenerStageSubmitted","Stage ID":1,"Job ID":0,"Number of Tasks":2147483647})",
                           R"({"Event":"SparkListenerTaskEnd","Task ID":1,"Task Metrics":{"run_ms":"x"}})"})
    CHECK_NOTHROW(h.replay(json::parse(line)));
  CHECK(h.jobs("").size() == 1);
}

TEST_CASE("status store: the Storage tab - persisted RDDs with their cached blocks, per executor") {
  AppStatusStore s;
  s.on_event(ExecutorAddedEvent{"1", "h1", 2, 1000, {}, 4000});
  s.on_event(ExecutorAddedEvent{"2", "h2", 2, 1000, {}, 4000});
  s.on_event(RddPersistedEvent{5, "PythonRDD", 3, "Memory Serialized 2x Replicated"});
  s.on_event(RddPersistedEvent{6, "ParallelCollectionRDD", 2, "Disk Serialized 1x Replicated"});
  CHECK(s.storage_rdds() == json::array());  // nothing cached yet: Spark lists cached RDDs only
  s.on_event(BlockUpdatedEvent{"1", "h1", 5, 0, 100, 0});
  s.on_event(BlockUpdatedEvent{"2", "h2", 5, 0, 100, 0});  // its replica
  s.on_event(BlockUpdatedEvent{"1", "h1", 5, 2, 50, 0});
  s.on_event(BlockUpdatedEvent{"1", "h1", 5, 9, 50, 0});  // no such partition: ignored
  s.on_event(BlockUpdatedEvent{"1", "h1", 7, 0, 50, 0});  // never persisted: ignored
  json list = s.storage_rdds();
  REQUIRE(list.size() == 1);
  CHECK(list[0]["id"] == 5);
  CHECK(list[0]["numCachedPartitions"] == 2);
  CHECK(list[0]["memoryUsed"] == 250);
  CHECK(list[0]["storageLevel"] == "Memory Serialized 2x Replicated");
  CHECK(!list[0].contains("partitions"));
  auto d = s.storage_rdd(5);
  REQUIRE(d);
  CHECK((*d)["partitions"][0]["blockName"] == "rdd_5_0");
  CHECK((*d)["partitions"][0]["executors"] == json::array({"1", "2"}));
  CHECK((*d)["dataDistribution"][0]["address"] == "h1");
  CHECK((*d)["dataDistribution"][0]["memoryUsed"] == 150);
  // The executors page: the blocks each executor holds, within its storage memory.
  json e1 = s.executors(false)[1];
  CHECK(e1["id"] == "1");
  CHECK(e1["rddBlocks"] == 2);
  CHECK(e1["memoryUsed"] == 150);
  CHECK(e1["maxMemory"] == 4000);
  CHECK(s.executors(false)[2]["memoryUsed"] == 100);
  // An evicted block and a lost executor's blocks stop counting; unpersist removes the RDD.
  s.on_event(BlockUpdatedEvent{"1", "h1", 5, 2, 0, 0});
  s.on_event(BlockUpdatedEvent{"2", "", 5, 0, 0, 0});
  CHECK(s.storage_rdds()[0]["numCachedPartitions"] == 1);
  CHECK(s.storage_rdds()[0]["memoryUsed"] == 100);
  s.on_event(RddUnpersistedEvent{5});
  CHECK(s.storage_rdds() == json::array());
  CHECK(!s.storage_rdd(5));
  CHECK(s.storage_rdd(6).has_value());
}

TEST_CASE("status store: a job lists every stage of its graph and counts the skipped ones when it ends") {
  AppStatusStore s;
  s.on_event(ApplicationStartEvent{"app-1", "demo", "me", 1000});
  // Stage 0 (a shuffle computed by an earlier job) is in the graph but never runs.
  s.on_event(JobStartEvent{1, "collect", 2000, json::object(), -1, {{0, "shuffle map (1)", 8}, {2, "collect", 2}}});
  s.on_event(StageSubmittedEvent{2, 0, 1, "collect", 2, 3, 2000});
  json j = s.job(1).value();
  CHECK(j["stageIds"] == json{0, 2});
  CHECK(j["numSkippedStages"] == 0);  // known only when the job ends
  s.on_event(StageCompletedEvent{2, 0, "COMPLETE", "", 2100});
  s.on_event(JobEndEvent{1, true, "", 2100});
  j = s.job(1).value();
  CHECK(j["numSkippedStages"] == 1);
  CHECK(j["numSkippedTasks"] == 8);
  CHECK(j["stageIds"] == json{0, 2});
}
