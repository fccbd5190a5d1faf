// AppStatusStore's SQL tab: executions with their jobs and per-operator metrics (Spark's
// ExecutionData), and the event-log round trip of SQLExecutionStart/End.
#include <doctest/doctest.h>

#include "listener_log.h"

using namespace spp::scheduler;

using spp::ui::AppStatusStore;
using spp::ui::json;

namespace {
json graph() {
  return {{"nodes", json::array({{{"nodeId", 0}, {"nodeName", "HashAggregate"}, {"desc", "HashAggregate(keys=[k#0])"}, {"stage", 1}},
                                 {{"nodeId", 1}, {"nodeName", "Exchange"}, {"desc", "Exchange ..."}, {"stage", -1}},
                                 {{"nodeId", 2}, {"nodeName", "LocalTableScan"}, {"desc", "LocalTableScan [k#0]"}, {"stage", 0}}})},
          {"edges", json::array({{{"fromId", 1}, {"toId", 0}}, {{"fromId", 2}, {"toId", 1}}})},
          {"baseNode", 100}};
}

void run_query(spp::ui::Listener& s) {
  s.on_event(ApplicationStartEvent{"app-1", "t", "u", 1000});
  s.on_event(SqlExecutionStartEvent{0, "collect at job.py:3", "== Physical Plan ==\nX\n", graph(), 2000});
  s.on_event(JobStartEvent{0, "collect at job.py:3", 2000, json::object(), 0, {}});
  s.on_event(StageSubmittedEvent{0, 0, 0, "s0", 2, 100, 2000});
  s.on_event(StageSubmittedEvent{1, 0, 0, "s1", 1, 101, 2000});
  spp::msg::TaskMetrics m;
  for (int t = 0; t < 2; ++t) {
    s.on_event(TaskStartEvent{t, 0, 0, t, 0, t, "1", "h", 2000});
    s.on_event(SqlTaskMetricsEvent{0, t, 0, 0, {{2, 1500, (t + 1) * 2000000, 0, 0}}});
    s.on_event(TaskEndEvent{t, "FINISHED", m, "", 2010});
  }
  s.on_event(TaskStartEvent{2, 1, 0, 0, 0, 0, "1", "h", 2020});
  s.on_event(SqlTaskMetricsEvent{0, 2, 1, 0, {{1, 3000, 0, 0, 0}, {0, 3, 1000000, 0, 3 << 20}}});
  s.on_event(TaskEndEvent{2, "FINISHED", m, "", 2030});
  s.on_event(JobEndEvent{0, true, "", 2040});
  s.on_event(SqlExecutionEndEvent{0, "", 2050});
}
}  // namespace

TEST_CASE("status store SQL: an execution with its jobs, graph and metrics in Spark's shape") {
  AppStatusStore s;
  run_query(s);
  auto e = s.sql_execution(0, true, true);
  REQUIRE(e);
  CHECK((*e)["status"] == "COMPLETED");
  CHECK((*e)["duration"] == 50);
  CHECK((*e)["submissionTime"] == "1970-01-01T00:00:02.000GMT");
  CHECK((*e)["successJobIds"] == json::array({0}));
  CHECK((*e)["runningJobIds"] == json::array());
  CHECK((*e)["planDescription"] == "== Physical Plan ==\nX\n");
  const json& n = (*e)["nodes"];
  REQUIRE(n.size() == 3);
  CHECK(n[2]["metrics"][0] == json{{"name", "number of output rows"}, {"value", "3,000"}});
  CHECK(n[2]["metrics"][1]["value"] == "total (min, med, max (stageId: taskId))\n6 ms (2 ms, 4 ms, 4 ms (stage 0.0: task 1))");
  CHECK(n[2]["stageId"] == 0);
  CHECK(n[0]["stageId"] == 1);
  CHECK(n[1]["metrics"] == json::array({{{"name", "records read"}, {"value", "3,000"}}}));
  CHECK(n[0]["metrics"][3] == json{{"name", "peak memory"},
                                   {"value", "total (min, med, max (stageId: taskId))\n3.0 MiB (3.0 MiB, 3.0 MiB, 3.0 MiB (stage 1.0: task 2))"}});
  CHECK((*e)["edges"] == graph()["edges"]);
  json brief = s.sql_executions(false, false, 0, 20);
  REQUIRE(brief.size() == 1);
  CHECK(brief[0]["nodes"] == json::array());
  CHECK(brief[0]["planDescription"] == "");
  CHECK(s.sql_executions(true, true, 1, 20).empty());
  CHECK_FALSE(s.sql_execution(7, true, true));
  CHECK((*s.job(0))["sqlExecutionId"] == 0);
}

TEST_CASE("status store SQL: running, failed, and aborted executions") {
  AppStatusStore s;
  s.on_event(SqlExecutionStartEvent{0, "q", "", graph(), 10});
  s.on_event(JobStartEvent{0, "q", 10, json::object(), 0, {}});
  CHECK((*s.sql_execution(0, false, false))["status"] == "RUNNING");
  CHECK((*s.sql_execution(0, false, false))["runningJobIds"] == json::array({0}));
  s.on_event(JobEndEvent{0, false, "boom", 20});
  s.on_event(SqlExecutionEndEvent{0, "boom", 20});
  CHECK((*s.sql_execution(0, false, false))["status"] == "FAILED");
  CHECK((*s.sql_execution(0, false, false))["failedJobIds"] == json::array({0}));
  s.on_event(SqlExecutionStartEvent{1, "q2", "", graph(), 30});
  for (auto& e : s.abort_events("SparkContext was shut down", 40)) s.on_event(e);
  CHECK((*s.sql_execution(1, false, false))["status"] == "FAILED");
}

TEST_CASE("status store SQL: the event log replays to the same executions") {
  AppStatusStore live;
  std::vector<json> log;
  spp::ui::LoggedStore logged(live, log);
  run_query(logged);
  bool start = false;
  for (const auto& ev : log)
    if (ev["Event"] == "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart") {
      start = true;
      CHECK(ev["executionId"] == 0);
      CHECK(ev["physicalPlanDescription"] == "== Physical Plan ==\nX\n");
      CHECK(ev["sparkPlanInfo"]["nodeName"] == "HashAggregate");
      CHECK(ev["sparkPlanInfo"]["children"][0]["nodeName"] == "Exchange");
    }
  CHECK(start);
  AppStatusStore replayed;
  for (const auto& ev : log) replayed.replay(ev);
  CHECK(*replayed.sql_execution(0, true, true) == *live.sql_execution(0, true, true));
}

TEST_CASE("status store SQL: a hand-edited log with wrong-typed SQL fields replays without throwing") {
  AppStatusStore live;
  std::vector<json> log;
  spp::ui::LoggedStore logged(live, log);
  run_query(logged);
  AppStatusStore replayed;
  for (auto ev : log) {
    const std::string e = ev["Event"];
    if (e.find("SQLExecutionStart") != std::string::npos) {
      ev["description"] = 7;
      ev["sparkppPlanGraph"]["baseNode"] = "x";
      ev["sparkppPlanGraph"]["nodes"].push_back({{"nodeId", "1"}, {"stage", 2.5}});
      ev["sparkppPlanGraph"]["nodes"].push_back(3);
      ev["sparkppPlanGraph"]["edges"] = "none";
    }
    if (ev.contains("metrics")) ev["metrics"] = json::array({json::array({0, "1", 2, 3, 4}), json::array({0.5, 1, 2, 3, 4}), 9});
    if (e.find("SQLExecutionEnd") != std::string::npos) ev["time"] = "late";
    CHECK_NOTHROW(replayed.replay(ev));
  }
  auto x = replayed.sql_execution(0, true, true);
  REQUIRE(x);
  CHECK((*x)["description"] == "");
  CHECK((*x)["edges"] == json::array());
}

TEST_CASE("status store SQL: spark.sql.ui.retainedExecutions keeps the newest finished executions") {
  spp::ui::StoreLimits lim;
  lim.sql_executions = 2;
  AppStatusStore s(lim);
  for (int i = 0; i < 5; ++i) {
    s.on_event(SqlExecutionStartEvent{i, "q", "", graph(), 10 * i});
    s.on_event(SqlExecutionEndEvent{i, "", 10 * i + 5});
  }
  s.on_event(SqlExecutionStartEvent{5, "running", "", graph(), 60});  // running ones always stay
  json all = s.sql_executions(false, false, 0, 100);
  std::vector<int> ids;
  for (const auto& e : all) ids.push_back(e["id"].get<int>());
  CHECK(ids == std::vector<int>{3, 4, 5});
  CHECK_FALSE(s.sql_execution(0, false, false));
}
