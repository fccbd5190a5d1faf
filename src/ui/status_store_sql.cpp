// AppStatusStore's SQL tab (Spark's SQLAppStatusListener + SqlResource): DataFrame queries with
// their jobs, plan graph and per-operator metrics; their events in the event log.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <functional>

#include "ui/status_store.h"
#include "ui/event_json.h"

namespace spp::ui {

namespace {

// NumberFormat.getIntegerInstance(Locale.US): 1234567 -> "1,234,567".
std::string grouped(int64_t v) {
  std::string d = std::to_string(v < 0 ? -v : v), out;
  for (size_t i = 0; i < d.size(); ++i) {
    if (i && (d.size() - i) % 3 == 0) out += ',';
    out += d[i];
  }
  return v < 0 ? "-" + out : out;
}

// Utils.bytesToString: "0.0 B", "1536.0 B", "2.0 KiB", ... (units switch at twice their size).
std::string bytes_string(int64_t b) {
  static const char* units[] = {"EiB", "PiB", "TiB", "GiB", "MiB", "KiB"};
  char buf[48];
  const double v = static_cast<double>(b);
  for (int i = 0; i < 6; ++i) {
    const double unit = static_cast<double>(int64_t{1} << (10 * (6 - i)));
    if (v >= 2 * unit) {
      std::snprintf(buf, sizeof buf, "%.1f %s", v / unit, units[i]);
      return buf;
    }
  }
  std::snprintf(buf, sizeof buf, "%.1f B", v);
  return buf;
}

// Utils.msDurationToString: "5 ms", "1.5 s", "2.0 m", "1.50 h".
std::string ms_string(int64_t ms) {
  char buf[48];
  if (ms < 1000) std::snprintf(buf, sizeof buf, "%" PRId64 " ms", ms);
  else if (ms < 60000) std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000);
  else if (ms < 3600000) std::snprintf(buf, sizeof buf, "%.1f m", static_cast<double>(ms) / 60000);
  else std::snprintf(buf, sizeof buf, "%.2f h", static_cast<double>(ms) / 3600000);
  return buf;
}

// SQLMetrics.stringValue of a size/timing metric over tasks:
// "total (min, med, max (stageId: taskId))\n<sum> (<min>, <med>, <max> (stage S.A: task T))".
std::string spread(const std::vector<std::pair<int64_t, const void*>>& vals, const std::function<std::string(int64_t)>& fmt,
                   const std::function<std::string(const void*)>& where) {
  std::vector<std::pair<int64_t, const void*>> v = vals;
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  int64_t sum = 0;
  for (const auto& [x, _] : v) sum += x;
  const std::string head = "total (min, med, max (stageId: taskId))\n";
  if (v.empty()) return head + fmt(0) + " (" + fmt(0) + ", " + fmt(0) + ", " + fmt(0) + ")";
  return head + fmt(sum) + " (" + fmt(v.front().first) + ", " + fmt(v[v.size() / 2].first) + ", " + fmt(v.back().first) + " (" +
         where(v.back().second) + "))";
}

// Operators that buffer (spill and peak memory are theirs), by Spark node name.
bool buffers(const std::string& name) {
  return name == "HashAggregate" || name == "ObjectHashAggregate" || name == "Sort" || name == "SortMergeJoin" || name == "ShuffledHashJoin" ||
         name == "BroadcastHashJoin" || name == "BroadcastNestedLoopJoin" || name == "TakeOrderedAndProject";
}

}  // namespace

void AppStatusStore::on_sql_start(const scheduler::SqlExecutionStartEvent& ev) {
  const int64_t exec_id = ev.exec_id;
  std::lock_guard<std::mutex> g(mu_);
  SqlExec& e = sql_[exec_id];
  e.id = exec_id;
  e.description = ev.description;
  e.plan_text = ev.plan_text;
  e.graph = ev.graph;
  e.submitted = ev.time;
  // spark.sql.ui.retainedExecutions: the oldest finished ones go.
  size_t finished = 0;
  for (const auto& [id, x] : sql_) finished += x.ended;
  for (auto it = sql_.begin(); it != sql_.end() && finished > limits_.sql_executions;) {
    if (!it->second.ended) { ++it; continue; }
    it = sql_.erase(it);
    --finished;
  }
}

void AppStatusStore::on_sql_end(const scheduler::SqlExecutionEndEvent& ev) {
  const int64_t exec_id = ev.exec_id, time = ev.time;
  const std::string& error = ev.error;
  std::lock_guard<std::mutex> g(mu_);
  auto it = sql_.find(exec_id);
  if (it == sql_.end() || it->second.ended) return;
  it->second.ended = true;
  it->second.completed = time;
  it->second.error = error;
}

// The task may be gone from the store (retention): it is placed by the event's stage.
void AppStatusStore::on_sql_task_metrics(const scheduler::SqlTaskMetricsEvent& ev) {
  std::lock_guard<std::mutex> g(mu_);
  auto et = sql_.find(ev.exec_id);
  if (et == sql_.end()) return;
  for (const auto& r : ev.rows) {
    if (r.size() < 5) continue;  // [nodeId, rows, timeNs, spillBytes, peakMemory]
    et->second.metrics[static_cast<int>(r[0])].push_back(SqlSample{r[1], r[2], r[3], r[4], ev.stage_id, ev.stage_attempt, ev.task_id});
  }
}

// Under mu_: a job of a query started or ended.
void AppStatusStore::sql_job_event(const Job& j) {
  if (j.sql_exec < 0) return;
  if (auto it = sql_.find(j.sql_exec); it != sql_.end()) it->second.jobs[j.job_id] = j.status;
}

// Spark's ExecutionData (SqlResource): status RUNNING until the query ends, then FAILED if it
// failed or a job of it did, else COMPLETED.
json AppStatusStore::sql_json(const SqlExec& e, bool details, bool plan) const {
  json running = json::array(), ok = json::array(), failed = json::array();
  for (const auto& [jid, st] : e.jobs) (st == "RUNNING" ? running : st == "SUCCEEDED" ? ok : failed).push_back(jid);
  const std::string status = !e.ended ? "RUNNING" : (!e.error.empty() || !failed.empty()) ? "FAILED" : "COMPLETED";
  json o = {{"id", e.id}, {"status", status}, {"description", e.description}, {"planDescription", plan ? e.plan_text : ""},
            {"submissionTime", rest_time(e.submitted)}, {"duration", e.ended ? e.completed - e.submitted : 0},  // running: the page counts on
            {"runningJobIds", running}, {"successJobIds", ok}, {"failedJobIds", failed}};
  if (!e.error.empty()) o["errorMessage"] = e.error;  // our extension
  json nodes = json::array(), edges = json::array();
  // The scheduler stage each plan fragment ran as (its latest attempt), for the graph's clusters.
  std::map<int, int> stage_of_fragment;
  const LoggedEvent graph{e.graph};  // a replayed log's graph may be anything
  const int base = e.graph.is_object() ? static_cast<int>(graph.i64("baseNode", -1)) : -1;
  for (const auto& [jid, st] : e.jobs) {
    auto jt = jobs_.find(jid);
    if (jt == jobs_.end() || base < 0) continue;
    for (auto [sid, att] : jt->second.stages)
      if (const Stage* s = find_stage(sid, att)) stage_of_fragment[s->rdd - base] = sid;
  }
  if (details && e.graph.is_object()) {
    for (const auto& node : graph.arr("nodes")) {
      if (!node.is_object()) continue;
      const LoggedEvent n{node};
      const int id = static_cast<int>(n.i64("nodeId", -1));
      const std::string name = n.str("nodeName");
      std::vector<std::pair<int64_t, const void*>> time, spill, peak;
      int64_t rows = 0;
      auto mt = e.metrics.find(id);
      // ColumnarToRow runs fused with its scan, whose operator reports the rows: it shows them.
      if (name == "ColumnarToRow")
        for (const auto& ed : graph.arr("edges"))
          if (ed.is_object() && LoggedEvent{ed}.i64("toId", -2) == id) mt = e.metrics.find(static_cast<int>(LoggedEvent{ed}.i64("fromId", -1)));
      if (mt != e.metrics.end())
        for (const auto& x : mt->second) {
          rows += x.rows;
          time.emplace_back(x.time_ns / 1000000, &x);
          spill.emplace_back(x.spill, &x);
          peak.emplace_back(x.peak, &x);
        }
      auto where = [](const void* p) {
        const auto* x = static_cast<const SqlSample*>(p);
        return "stage " + std::to_string(x->stage) + "." + std::to_string(x->attempt) + ": task " + std::to_string(x->task);
      };
      json metrics = json::array();
      if (name == "Exchange" || name == "BroadcastExchange") {
        metrics.push_back({{"name", "records read"}, {"value", grouped(rows)}});
      } else if (name == "ColumnarToRow") {  // ColumnarToRowExec's metrics (no duration); batches: one per reporting task (a lower bound)
        metrics.push_back({{"name", "number of output rows"}, {"value", grouped(rows)}});
        metrics.push_back({{"name", "number of input batches"}, {"value", grouped(static_cast<int64_t>(time.size()))}});
      } else {
        metrics.push_back({{"name", "number of output rows"}, {"value", grouped(rows)}});
        metrics.push_back({{"name", "duration"}, {"value", spread(time, ms_string, where)}});
      }
      if (buffers(name)) {
        metrics.push_back({{"name", "spill size"}, {"value", spread(spill, bytes_string, where)}});
        if (name != "ObjectHashAggregate")  // ObjectHashAggregateExec keeps no peak memory metric
          metrics.push_back({{"name", "peak memory"}, {"value", spread(peak, bytes_string, where)}});
      }
      // Spark's node fields; ours for the graph's tooltips and clusters: `desc` (the operator's
      // explain line), `stage` (the query's fragment it runs in, -1 for exchanges) and `stageId`
      // (the scheduler stage that fragment ran as, -1 if it has not run).
      const int stage = static_cast<int>(n.i64("stage", -1));
      auto sf = stage_of_fragment.find(stage);
      nodes.push_back({{"nodeId", id}, {"nodeName", name}, {"desc", n.str("desc")}, {"stage", stage},
                       {"stageId", sf == stage_of_fragment.end() ? -1 : sf->second}, {"metrics", metrics}});
    }
    edges = graph.arr("edges");
  }
  o["nodes"] = nodes;
  o["edges"] = edges;
  return o;
}

json AppStatusStore::sql_executions(bool details, bool plan, size_t offset, size_t length) const {
  std::lock_guard<std::mutex> g(mu_);
  json out = json::array();
  size_t i = 0;
  for (const auto& [id, e] : sql_) {  // by id, as Spark's REST lists them
    if (i++ < offset) continue;
    if (out.size() >= length) break;
    out.push_back(sql_json(e, details, plan));
  }
  return out;
}

std::optional<json> AppStatusStore::sql_execution(int64_t id, bool details, bool plan) const {
  std::lock_guard<std::mutex> g(mu_);
  auto it = sql_.find(id);
  if (it == sql_.end()) return std::nullopt;
  return sql_json(it->second, details, plan);
}

}  // namespace spp::ui
