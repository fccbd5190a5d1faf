// Listener events <-> event-log JSON (event_json.h).
#include "ui/event_json.h"

#include <cstdio>
#include <functional>

namespace spp::ui {
namespace {

template <class... F>
struct Overload : F... {
  using F::operator()...;
};
template <class... F>
Overload(F...) -> Overload<F...>;

constexpr const char* kSqlStart = "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart";
constexpr const char* kSqlEnd = "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd";
// Ours: Spark sends SQL metrics as accumulator updates inside TaskEnd; we log one event per task.
constexpr const char* kSqlTaskMetrics = "SparkppSQLTaskMetrics";

msg::TaskMetrics metrics_from(const json& j) {
  msg::TaskMetrics m;
  if (!j.is_object()) return m;
  const LoggedEvent r{j};
  m.run_ms = r.i64("run_ms");
  m.deserialize_ms = r.i64("deserialize_ms");
  m.input_bytes = r.i64("input_bytes");
  m.input_records = r.i64("input_records");
  m.output_bytes = r.i64("output_bytes");
  m.output_records = r.i64("output_records");
  m.result_bytes = r.i64("result_bytes");
  m.shuffle_write_bytes = r.i64("shuffle_write_bytes");
  m.shuffle_write_records = r.i64("shuffle_write_records");
  m.shuffle_read_bytes = r.i64("shuffle_read_bytes");
  m.shuffle_read_records = r.i64("shuffle_read_records");
  m.memory_spilled = r.i64("memory_spilled");
  m.disk_spilled = r.i64("disk_spilled");
  return m;
}

// Spark's sparkPlanInfo tree (nodeName, simpleString, children) from our flat plan graph, for
// Spark's tooling; the graph itself is logged beside it and is what replay reads.
json spark_plan_info(const json& graph) {
  const LoggedEvent g{graph};
  const json nodes = g.arr("nodes"), edges = g.arr("edges");
  if (nodes.empty()) return json::object();
  std::function<json(int64_t, int)> info = [&](int64_t id, int depth) {
    json n = json::object();
    for (const auto& x : nodes)
      if (x.is_object() && LoggedEvent{x}.i64("nodeId", -1) == id)
        n = {{"nodeName", LoggedEvent{x}.str("nodeName")}, {"simpleString", LoggedEvent{x}.str("desc")}};
    json kids = json::array();
    if (depth < 1000)  // a graph is a tree from the planner; never recurse without bound
      for (const auto& e : edges)
        if (e.is_object() && LoggedEvent{e}.i64("toId", -1) == id) kids.push_back(info(LoggedEvent{e}.i64("fromId", -1), depth + 1));
    n["children"] = kids;
    n["metadata"] = json::object();
    n["metrics"] = json::array();
    return n;
  };
  return info(0, 0);
}

const char* task_end_reason(const std::string& state) {
  return state == "FINISHED" || state == "SUCCESS" ? "SUCCESS" : state == "KILLED" ? "KILLED" : "FAILED";
}

}  // namespace

const json* LoggedEvent::field(const char* k) const {
  if (!ev.is_object()) return nullptr;
  auto it = ev.find(k);
  return it == ev.end() ? nullptr : &*it;
}
int64_t LoggedEvent::i64(const char* k, int64_t absent) const {
  const json* v = field(k);
  return v && v->is_number_integer() ? v->get<int64_t>() : absent;
}
int LoggedEvent::i32(const char* k, int absent) const {
  const json* v = field(k);
  return v && v->is_number_integer() ? static_cast<int>(v->get<int64_t>()) : absent;
}
std::string LoggedEvent::str(const char* k) const {
  const json* v = field(k);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}
bool LoggedEvent::flag(const char* k) const {
  const json* v = field(k);
  return v && v->is_boolean() && v->get<bool>();
}
json LoggedEvent::obj(const char* k) const {
  const json* v = field(k);
  return v && v->is_object() ? *v : json::object();
}
json LoggedEvent::arr(const char* k) const {
  const json* v = field(k);
  return v && v->is_array() ? *v : json::array();
}
std::map<std::string, std::string> LoggedEvent::strings(const char* k) const {
  std::map<std::string, std::string> m;
  if (const json* v = field(k); v && v->is_object())
    for (const auto& [key, val] : v->items())
      if (val.is_string()) m[key] = val.get<std::string>();
  return m;
}

json event_to_json(const scheduler::ListenerEvent& ev) {
  using namespace scheduler;
  return std::visit(
      Overload{
          [](const ApplicationStartEvent& e) {
            return json{{"Event", "SparkListenerApplicationStart"}, {"App ID", e.app_id}, {"App Name", e.app_name},
                        {"User", e.user}, {"Timestamp", e.time}};
          },
          [](const ApplicationEndEvent& e) { return json{{"Event", "SparkListenerApplicationEnd"}, {"Timestamp", e.time}}; },
          [](const EnvironmentUpdateEvent& e) {
            // Spark's "JVM Information" is where its Runtime Information comes from.
            return json{{"Event", "SparkListenerEnvironmentUpdate"}, {"JVM Information", e.runtime},
                        {"Spark Properties", e.properties}};
          },
          [](const JobStartEvent& e) {
            json ids = json::array(), infos = json::array();
            for (const auto& s : e.stages) {
              ids.push_back(s.stage_id);
              infos.push_back({{"Stage ID", s.stage_id}, {"Stage Name", s.name}, {"Number of Tasks", s.num_tasks}});
            }
            json j = {{"Event", "SparkListenerJobStart"}, {"Job ID", e.job_id}, {"Description", e.description},
                      {"Submission Time", e.time}, {"Stage IDs", std::move(ids)}, {"Stage Infos", std::move(infos)},
                      {"Lineage", e.lineage}};
            if (e.sql_exec >= 0) j["Properties"] = {{"spark.sql.execution.id", std::to_string(e.sql_exec)}};
            return j;
          },
          [](const JobEndEvent& e) {
            return json{{"Event", "SparkListenerJobEnd"}, {"Job ID", e.job_id},
                        {"Job Result", e.succeeded ? "JobSucceeded" : "JobFailed"}, {"Failure Reason", e.reason},
                        {"Completion Time", e.time}};
          },
          [](const StageSubmittedEvent& e) {
            return json{{"Event", "SparkListenerStageSubmitted"}, {"Stage ID", e.stage_id}, {"Stage Attempt ID", e.attempt},
                        {"Job ID", e.job_id}, {"Stage Name", e.name}, {"Number of Tasks", e.num_tasks}, {"RDD ID", e.node},
                        {"Submission Time", e.time}, {"Resource Profile Id", e.resource_profile_id}};
          },
          [](const StageCompletedEvent& e) {
            return json{{"Event", "SparkListenerStageCompleted"}, {"Stage ID", e.stage_id}, {"Stage Attempt ID", e.attempt},
                        {"Status", e.status}, {"Failure Reason", e.reason}, {"Completion Time", e.time}};
          },
          [](const TaskStartEvent& e) {
            return json{{"Event", "SparkListenerTaskStart"}, {"Task ID", e.task_id}, {"Stage ID", e.stage_id},
                        {"Stage Attempt ID", e.stage_attempt}, {"Index", e.index}, {"Attempt", e.attempt},
                        {"Partition", e.partition}, {"Executor ID", e.exec_id}, {"Host", e.host}, {"Launch Time", e.time},
                        {"Speculative", e.speculative}};
          },
          [](const TaskEndEvent& e) {
            return json{{"Event", "SparkListenerTaskEnd"}, {"Task ID", e.task_id}, {"Task End Reason", task_end_reason(e.state)},
                        {"Task Metrics", json(e.metrics)}, {"Error", e.error}, {"Finish Time", e.time}};
          },
          [](const ExecutorAddedEvent& e) {
            return json{{"Event", "SparkListenerExecutorAdded"}, {"Executor ID", e.exec_id}, {"Host", e.host},
                        {"Total Cores", e.cores}, {"Timestamp", e.time}, {"Log Urls", e.log_urls}, {"Maximum Memory", e.max_memory}};
          },
          [](const ExecutorRemovedEvent& e) {
            return json{{"Event", "SparkListenerExecutorRemoved"}, {"Executor ID", e.exec_id}, {"Removed Reason", e.reason},
                        {"Timestamp", e.time}};
          },
          [](const SqlExecutionStartEvent& e) {
            return json{{"Event", kSqlStart}, {"executionId", e.exec_id}, {"rootExecutionId", e.exec_id},
                        {"description", e.description}, {"details", e.description}, {"physicalPlanDescription", e.plan_text},
                        {"sparkPlanInfo", spark_plan_info(e.graph)}, {"time", e.time}, {"modifiedConfigs", json::object()},
                        {"sparkppPlanGraph", e.graph}};
          },
          [](const SqlExecutionEndEvent& e) {
            json j = {{"Event", kSqlEnd}, {"executionId", e.exec_id}, {"time", e.time}};
            if (!e.error.empty()) j["errorMessage"] = e.error;
            return j;
          },
          [](const RddPersistedEvent& e) {
            return json{{"Event", "SparkppRDDPersisted"}, {"RDD ID", e.rdd}, {"Name", e.name},
                        {"Number of Partitions", e.num_partitions}, {"Storage Level", e.storage_level}};
          },
          [](const RddUnpersistedEvent& e) { return json{{"Event", "SparkListenerUnpersistRDD"}, {"RDD ID", e.rdd}}; },
          [](const BlockUpdatedEvent& e) {
            return json{{"Event", "SparkListenerBlockUpdated"},
                        {"Block Updated Info",
                         {{"Block Manager ID", {{"Executor ID", e.exec_id}, {"Host", e.host}}},
                          {"Block ID", "rdd_" + std::to_string(e.rdd) + "_" + std::to_string(e.partition)},
                          {"Memory Size", e.mem_bytes},
                          {"Disk Size", e.disk_bytes}}}};
          },
          [](const ResourceProfileAddedEvent& e) {
            json ex = json::object(), task = json::object();
            for (const auto& [k, v] : e.executor)
              ex[k] = {{"Resource Name", k}, {"Amount", static_cast<int64_t>(v)}, {"Discovery Script", ""}, {"Vendor", ""}};
            for (const auto& [k, v] : e.task) task[k] = {{"Resource Name", k}, {"Amount", v}};
            return json{{"Event", "SparkListenerResourceProfileAdded"}, {"Resource Profile Id", e.id},
                        {"Executor Resource Requests", ex}, {"Task Resource Requests", task}};
          },
          [](const SqlTaskMetricsEvent& e) {
            return json{{"Event", kSqlTaskMetrics}, {"executionId", e.exec_id}, {"Task ID", e.task_id}, {"Stage ID", e.stage_id},
                        {"Stage Attempt ID", e.stage_attempt}, {"metrics", e.rows}};
          },
      },
      ev);
}

std::optional<scheduler::ListenerEvent> event_from_json(const json& j) {
  using namespace scheduler;
  if (!j.is_object()) return std::nullopt;
  const LoggedEvent r{j};
  const std::string e = r.str("Event");
  if (e == "SparkListenerApplicationStart") return ApplicationStartEvent{r.str("App ID"), r.str("App Name"), r.str("User"), r.i64("Timestamp")};
  if (e == "SparkListenerApplicationEnd") return ApplicationEndEvent{r.i64("Timestamp")};
  if (e == "SparkListenerEnvironmentUpdate") return EnvironmentUpdateEvent{r.strings("Spark Properties"), r.strings("JVM Information")};
  if (e == "SparkListenerJobStart") {
    const std::string sql = LoggedEvent{r.obj("Properties")}.str("spark.sql.execution.id");
    char* end = nullptr;
    const long long id = sql.empty() ? -1 : std::strtoll(sql.c_str(), &end, 10);
    std::vector<JobStageInfo> stages;
    const json infos = r.arr("Stage Infos");
    if (infos.is_array())
      for (const auto& si : infos) {
        if (!si.is_object()) continue;
        LoggedEvent s{si};
        stages.push_back({s.i32("Stage ID"), s.str("Stage Name"), s.i32("Number of Tasks")});
      }
    return JobStartEvent{r.i32("Job ID"), r.str("Description"), r.i64("Submission Time"), r.obj("Lineage"),
                         id >= 0 && end && *end == '\0' ? static_cast<int64_t>(id) : -1, std::move(stages)};
  }
  if (e == "SparkListenerJobEnd")
    return JobEndEvent{r.i32("Job ID"), r.str("Job Result") == "JobSucceeded", r.str("Failure Reason"), r.i64("Completion Time")};
  if (e == "SparkListenerStageSubmitted")
    return StageSubmittedEvent{r.i32("Stage ID"), r.i32("Stage Attempt ID"), r.i32("Job ID"), r.str("Stage Name"),
                               r.i32("Number of Tasks"), r.i32("RDD ID"), r.i64("Submission Time"),
                               r.i32("Resource Profile Id")};
  if (e == "SparkListenerStageCompleted")
    return StageCompletedEvent{r.i32("Stage ID"), r.i32("Stage Attempt ID"), r.str("Status"), r.str("Failure Reason"),
                               r.i64("Completion Time")};
  if (e == "SparkListenerTaskStart")
    return TaskStartEvent{r.i64("Task ID"), r.i32("Stage ID"), r.i32("Stage Attempt ID"), r.i32("Index"), r.i32("Attempt"),
                          r.i32("Partition"), r.str("Executor ID"), r.str("Host"), r.i64("Launch Time"), r.flag("Speculative")};
  if (e == "SparkListenerTaskEnd")
    return TaskEndEvent{r.i64("Task ID"), r.str("Task End Reason"), metrics_from(r.obj("Task Metrics")), r.str("Error"),
                        r.i64("Finish Time")};
  if (e == "SparkListenerExecutorAdded")
    return ExecutorAddedEvent{r.str("Executor ID"), r.str("Host"), r.i32("Total Cores"), r.i64("Timestamp"), r.strings("Log Urls"),
                              r.i64("Maximum Memory")};
  if (e == "SparkListenerExecutorRemoved") return ExecutorRemovedEvent{r.str("Executor ID"), r.str("Removed Reason"), r.i64("Timestamp")};
  if (e == kSqlStart) {
    json graph = r.obj("sparkppPlanGraph");
    if (graph.empty()) graph = json{{"nodes", json::array()}, {"edges", json::array()}};
    return SqlExecutionStartEvent{r.i64("executionId"), r.str("description"), r.str("physicalPlanDescription"), graph, r.i64("time")};
  }
  if (e == kSqlEnd) return SqlExecutionEndEvent{r.i64("executionId"), r.str("errorMessage"), r.i64("time")};
  if (e == "SparkppRDDPersisted")
    return RddPersistedEvent{r.i32("RDD ID"), r.str("Name"), r.i32("Number of Partitions"), r.str("Storage Level")};
  if (e == "SparkListenerUnpersistRDD") return RddUnpersistedEvent{r.i32("RDD ID")};
  if (e == "SparkListenerBlockUpdated") {
    const json info = r.obj("Block Updated Info");
    const LoggedEvent b{info};
    const json bm = b.obj("Block Manager ID");
    const LoggedEvent m{bm};
    int rdd = 0, part = 0;
    char tail = 0;
    // Only RDD blocks ("rdd_<rdd>_<partition>") are kept; broadcast and other blocks are skipped.
    if (std::sscanf(b.str("Block ID").c_str(), "rdd_%d_%d%c", &rdd, &part, &tail) != 2) return std::nullopt;
    return BlockUpdatedEvent{m.str("Executor ID"), m.str("Host"), rdd, part, b.i64("Memory Size"), b.i64("Disk Size")};
  }
  if (e == "SparkListenerResourceProfileAdded") {
    ResourceProfileAddedEvent p;
    p.id = r.i32("Resource Profile Id");
    for (auto [key, into] : {std::pair{"Executor Resource Requests", &p.executor}, std::pair{"Task Resource Requests", &p.task}}) {
      const json reqs = r.obj(key);
      if (!reqs.is_object()) continue;
      for (const auto& [name, req] : reqs.items())
        if (req.is_object() && req.contains("Amount") && req["Amount"].is_number()) (*into)[name] = req["Amount"].get<double>();
    }
    return p;
  }
  if (e == kSqlTaskMetrics) {
    std::vector<std::vector<int64_t>> rows;  // rows of five integers; anything else is dropped
    for (const auto& row : r.arr("metrics")) {
      if (!row.is_array() || row.size() != 5) continue;
      std::vector<int64_t> v;
      for (const auto& x : row)
        if (x.is_number_integer()) v.push_back(x.get<int64_t>());
      if (v.size() == 5) rows.push_back(std::move(v));
    }
    return SqlTaskMetricsEvent{r.i64("executionId", -1), r.i64("Task ID"), r.i32("Stage ID"), r.i32("Stage Attempt ID"), std::move(rows)};
  }
  return std::nullopt;
}

}  // namespace spp::ui
