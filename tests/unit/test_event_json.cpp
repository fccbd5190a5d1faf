// Listener events <-> event-log JSON (src/ui/event_json.cpp): every kind round-trips, Spark's
// field names where Spark has the event, and what an edited log can hold never throws.
#include <doctest/doctest.h>

#include "ui/event_json.h"
#include "ui/listener_bus.h"

using namespace spp::scheduler;
using spp::ui::event_from_json;
using spp::ui::event_to_json;
using spp::ui::json;

TEST_CASE("event json: every listener event round-trips through its log line") {
  spp::msg::TaskMetrics m;
  m.run_ms = 12;
  m.shuffle_read_bytes = 1 << 20;
  json graph = {{"nodes", json::array({{{"nodeId", 0}, {"nodeName", "Project"}, {"desc", "Project [a#0]"}, {"stage", 0}},
                                       {{"nodeId", 1}, {"nodeName", "Range"}, {"desc", "Range (0, 3)"}, {"stage", 0}}})},
                {"edges", json::array({{{"fromId", 1}, {"toId", 0}}})},
                {"baseNode", 7}};
  const std::vector<ListenerEvent> all = {
      ApplicationStartEvent{"app-1", "demo", "me", 1},
      ApplicationEndEvent{2},
      EnvironmentUpdateEvent{{{"spark.master", "local[2]"}}, {{"pythonVersion", "3.11.2 (CPython)"}}},
      JobStartEvent{3, "collect at x.py:1", 4, json{{"rdd", 1}, {"nodes", json::array()}}, 5, {{0, "shuffle map (2)", 4}, {1, "collect", 2}}},
      JobStartEvent{4, "count", 4, json::object(), -1, {}},
      JobEndEvent{3, false, "boom", 6},
      StageSubmittedEvent{1, 2, 3, "map at x.py:2", 8, 9, 10},
      StageCompletedEvent{1, 2, "FAILED", "fetch failed", 11},
      TaskStartEvent{12, 1, 2, 3, 1, 3, "exec-1", "h1", 13, true},
      TaskEndEvent{12, "KILLED", m, "another attempt won", 14},
      ExecutorAddedEvent{"exec-1", "h1", 4, 15, {{"stdout", "http://h1/out"}}, 644245094},
      ExecutorRemovedEvent{"exec-1", "lost", 16},
      SqlExecutionStartEvent{5, "SELECT 1", "== Physical Plan ==\n", graph, 17},
      SqlExecutionEndEvent{5, "AnalysisException", 18},
      SqlTaskMetricsEvent{5, 12, 1, 2, {{0, 3, 100, 0, 0}}},
      RddPersistedEvent{3, "PythonRDD", 4, "Memory Serialized 1x Replicated"},
      RddUnpersistedEvent{3},
      BlockUpdatedEvent{"1", "h1", 3, 2, 100, 7},
  };
  for (const auto& e : all) {
    json line = event_to_json(e);
    auto back = event_from_json(line);
    REQUIRE(back.has_value());
    CHECK(back->index() == e.index());
    CHECK(event_to_json(*back) == line);
  }
  // The runtime information and an executor's storage memory survive a replay.
  CHECK(event_to_json(all[2])["JVM Information"]["pythonVersion"] == "3.11.2 (CPython)");
  CHECK(event_to_json(all[10])["Maximum Memory"] == 644245094);
  // Spark's names for the common fields and the SQL property of a query's job.
  json js = event_to_json(all[3]);
  CHECK(js["Event"] == "SparkListenerJobStart");
  CHECK(js["Properties"]["spark.sql.execution.id"] == "5");
  CHECK(js["Stage IDs"] == json{0, 1});
  CHECK(js["Stage Infos"][0]["Number of Tasks"] == 4);
  CHECK(!event_to_json(all[4]).contains("Properties"));
  CHECK(event_to_json(all[9])["Task End Reason"] == "KILLED");
  json sql = event_to_json(all[12]);
  CHECK(sql["Event"] == "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart");
  CHECK(sql["sparkPlanInfo"]["nodeName"] == "Project");
  CHECK(sql["sparkPlanInfo"]["children"][0]["nodeName"] == "Range");
  json blk = event_to_json(all[17]);
  CHECK(blk["Event"] == "SparkListenerBlockUpdated");
  CHECK(blk["Block Updated Info"]["Block ID"] == "rdd_3_2");
  // Blocks other than RDD blocks (broadcasts) are skipped on replay.
  blk["Block Updated Info"]["Block ID"] = "broadcast_0";
  CHECK(!event_from_json(blk).has_value());
  blk["Block Updated Info"]["Block ID"] = "rdd_3_2x";
  CHECK(!event_from_json(blk).has_value());
}

TEST_CASE("event json: unknown, malformed and cyclic inputs read as nothing or defaults") {
  CHECK(!event_from_json(json::array()).has_value());
  CHECK(!event_from_json(json{{"Event", "SparkListenerBlockUpdated"}}).has_value());
  CHECK(!event_from_json(json{{"Event", 3}}).has_value());
  auto j = event_from_json(json{{"Event", "SparkListenerJobStart"}, {"Job ID", "x"}, {"Properties", {{"spark.sql.execution.id", "7x"}}}});
  REQUIRE(j.has_value());
  CHECK(std::get<JobStartEvent>(*j).job_id == 0);
  CHECK(std::get<JobStartEvent>(*j).sql_exec == -1);
  // A plan graph whose edges form a cycle still logs (the info tree is depth-bounded).
  json cyc = {{"nodes", json::array({{{"nodeId", 0}, {"nodeName", "A"}}})}, {"edges", json::array({{{"fromId", 0}, {"toId", 0}}})}};
  CHECK_NOTHROW(event_to_json(SqlExecutionStartEvent{1, "", "", cyc, 0}));
}

TEST_CASE("listener bus: every listener sees every event in order, secrets and non-http log links removed") {
  struct Seen final : spp::ui::Listener {
    std::vector<json> lines;
    void on_event(const ListenerEvent& e) override { lines.push_back(event_to_json(e)); }
  } a, b;
  spp::ui::ListenerBus bus;
  bus.add(&a);
  bus.add(&b);
  bus.post(EnvironmentUpdateEvent{{{"spark.authenticate.secret", "hunter2"}, {"spark.master", "local"}}, {}});
  bus.post(ExecutorAddedEvent{"1", "h", 1, 0, {{"stdout", "javascript:alert(1)"}, {"stderr", "https://h/err"}}, 0});
  bus.remove(&b);
  bus.post(ApplicationEndEvent{9});
  REQUIRE(a.lines.size() == 3);
  CHECK(b.lines.size() == 2);
  CHECK(a.lines[0]["Spark Properties"]["spark.authenticate.secret"] == "*********(redacted)");
  CHECK(a.lines[0]["Spark Properties"]["spark.master"] == "local");
  CHECK(a.lines[1]["Log Urls"] == json{{"stderr", "https://h/err"}});
  CHECK(a.lines[2]["Event"] == "SparkListenerApplicationEnd");
}
