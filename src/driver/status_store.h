// AppStatusStore: what the web UI and the REST API (/api/v1) show about one application — jobs,
// stages, tasks, executors, environment — kept from events the driver reports (Spark's
// AppStatusListener + KVStore, in memory). Every `on_*` hook is O(1)-ish and runs on the driver's
// loop thread; the JSON views are built on request by the HTTP thread. One mutex guards both.
//
// The same events, serialized, are the event log (`spark.eventLog.enabled`): each hook emits one
// JSON object to the optional sink, and `replay()` feeds such an object back into a store —
// which is how the history server rebuilds a finished application.
//
// States (Spark's names):
//   job:   RUNNING -> SUCCEEDED | FAILED
//   stage: ACTIVE  -> COMPLETE  | FAILED      (a retry is a new stage attempt)
//   task:  RUNNING -> SUCCESS   | FAILED | KILLED
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/messages.h"

namespace spp::driver {

using json = nlohmann::json;

// "2026-11-22T12:00:00.000GMT" (Spark's REST date format) from epoch milliseconds.
std::string rest_time(int64_t epoch_ms);

// One logged event's fields read defensively (history replay of an editable file): a missing
// or wrong-typed field reads as empty/0, never throws.
struct LoggedEvent {
  const json& ev;
  const json* field(const char* k) const;
  int64_t i64(const char* k, int64_t absent = 0) const;
  int i32(const char* k) const;
  std::string str(const char* k) const;
  bool flag(const char* k) const;
  json obj(const char* k) const;
  json arr(const char* k) const;
  std::map<std::string, std::string> strings(const char* k) const;
};

struct StoreLimits {
  size_t jobs = 1000;     // spark.ui.retainedJobs: finished jobs kept
  size_t stages = 1000;   // spark.ui.retainedStages: finished stage attempts kept
  size_t tasks = 100000;  // spark.ui.retainedTasks: tasks kept per stage attempt
  size_t dead_executors = 100;  // spark.ui.retainedDeadExecutors
};

// Options of /stages/{id}/{attempt}/taskList (Spark's names).
struct TaskQuery {
  size_t offset = 0;
  size_t length = 20;
  std::string sort_by;  // "", ID, runtime, -runtime, or a column: index, attempt, status, executor,
                        // host, launchTime, duration, input, shuffleRead, shuffleWrite, spill, error
                        // ('-' prefix: descending)
  std::string status;   // "" or running|success|failed|killed
};

class AppStatusStore {
 public:
  using Sink = std::function<void(const json& event)>;
  explicit AppStatusStore(StoreLimits limits = {}) : limits_(limits) {}

  // Every hook also emits its event to the sink (if any). Set before the first hook.
  void set_event_sink(Sink s) { sink_ = std::move(s); }

  // ---- hooks (driver loop thread)
  void on_application_start(const std::string& app_id, const std::string& name, const std::string& user, int64_t time);
  void on_application_end(int64_t time);
  void on_environment(const std::map<std::string, std::string>& conf);  // secrets are redacted here
  // `lineage`: the RDD graph of the job, from rdd_lineage() ({"nodes":[...]}), for the DAG picture.
  // `sql_exec`: the SQL execution (DataFrame query) the job runs for, -1 for none (Spark's job
  // property spark.sql.execution.id).
  void on_job_start(int job_id, const std::string& description, int64_t time, json lineage, int64_t sql_exec = -1);
  void on_stage_submitted(int stage_id, int attempt, int job_id, const std::string& name, int num_tasks, int rdd, int64_t time);
  void on_task_start(int64_t task_id, int stage_id, int stage_attempt, int index, int attempt, int partition,
                     const std::string& exec_id, const std::string& host, int64_t time, bool speculative = false);
  // `state`: FINISHED|SUCCESS, FAILED or KILLED. Unknown or already ended task ids are ignored.
  void on_task_end(int64_t task_id, const std::string& state, const msg::TaskMetrics& m, const std::string& error, int64_t time);
  // `status`: COMPLETE or FAILED. Tasks of the attempt still running stay as they are.
  void on_stage_completed(int stage_id, int attempt, const std::string& status, const std::string& reason, int64_t time);
  void on_job_end(int job_id, bool succeeded, const std::string& reason, int64_t time);
  // `log_urls`: {"stdout": URL, "stderr": URL} or empty (local mode).
  void on_executor_added(const std::string& id, const std::string& host, int cores, int64_t time,
                         const std::map<std::string, std::string>& log_urls);
  void on_executor_removed(const std::string& id, const std::string& reason, int64_t time);
  // The context stopped or the application was killed: running jobs and stages fail.
  void on_all_aborted(const std::string& reason, int64_t time);

  // ---- the SQL tab (status_store_sql.cpp). A DataFrame query: its description (call site or
  // SQL text), the `== Physical Plan ==` text and the executed plan's graph (sql::plan_graph).
  void on_sql_start(int64_t exec_id, const std::string& description, const std::string& plan_text, json graph, int64_t time);
  void on_sql_end(int64_t exec_id, const std::string& error, int64_t time);
  // A finished task's per-operator metrics (StatusUpdate.extra "sqlMetrics": rows of
  // [nodeId, rows, timeNs, spillBytes, peakMemory]), for the query its job runs.
  void on_sql_task_metrics(int64_t task_id, const json& rows);

  // Applies one event-log object (as emitted to the sink). Unknown events are skipped.
  void replay(const json& event);

  // ---- REST views (any thread). Spark's /api/v1 field names.
  std::string app_id() const;
  json application() const;                   // one ApplicationInfo
  json jobs(const std::string& status) const;  // newest first; status filter lower-case or ""
  std::optional<json> job(int job_id) const;   // with "lineage" (our extension)
  json stages(const std::string& status) const;
  json stage_attempts(int stage_id, bool details) const;  // all attempts of one stage
  std::optional<json> stage(int stage_id, int attempt, bool details) const;
  std::optional<json> task_list(int stage_id, int attempt, const TaskQuery& q) const;
  std::optional<json> task_summary(int stage_id, int attempt, const std::vector<double>& quantiles) const;
  json executors(bool include_dead) const;
  json storage_rdds() const;
  json environment() const;
  // /sql and /sql/{id} (Spark's ExecutionData); `details`: nodes and edges, `plan`: planDescription.
  json sql_executions(bool details, bool plan, size_t offset, size_t length) const;
  std::optional<json> sql_execution(int64_t id, bool details, bool plan) const;
  // Small counts the pages poll (jobs by status, uptime): cheap.
  json overview() const;

 private:
  struct Task {
    int64_t task_id = 0;
    int index = 0, attempt = 0, partition = 0;
    std::string exec_id, host;
    int64_t launch = 0, end = 0;
    std::string status = "RUNNING";
    std::string error;
    msg::TaskMetrics m;
    bool has_metrics = false;
    bool speculative = false;
  };
  struct Stage {
    int stage_id = 0, attempt = 0, job_id = 0, rdd = 0;
    std::string name, status = "ACTIVE", failure;
    int num_tasks = 0, active = 0, complete = 0, failed = 0, killed = 0;
    // Indices with a successful task: a set, not a num_tasks-sized vector, so memory follows the
    // tasks seen (a replayed log may claim 2^31 tasks in one line).
    std::unordered_set<int> index_done;
    int completed_indices = 0;
    int64_t submitted = 0, first_launch = 0, completed = 0;
    msg::TaskMetrics sum;  // over ended tasks
    std::map<int64_t, Task> tasks;  // by task id = launch order
  };
  struct Job {
    int job_id = 0;
    std::string description, status = "RUNNING", failure;
    int64_t submitted = 0, completed = 0;
    std::vector<std::pair<int, int>> stages;  // (stage id, attempt) in submission order
    int64_t num_tasks = 0;  // summed over stages: may pass 2^31
    int active = 0, complete = 0, failed = 0, killed = 0, completed_indices = 0;
    int active_stages = 0, completed_stages = 0, failed_stages = 0;
    json lineage;
    int64_t sql_exec = -1;
  };
  // One SQL execution (Spark's SQLExecutionUIData).
  struct SqlSample {
    int64_t rows = 0, time_ns = 0, spill = 0, peak = 0;
    int stage = 0, attempt = 0;
    int64_t task = 0;
  };
  struct SqlExec {
    int64_t id = 0;
    std::string description, plan_text, error;
    json graph;  // {"nodes":[{nodeId,nodeName,desc,stage}],"edges":[{fromId,toId}]}
    int64_t submitted = 0, completed = 0;
    bool ended = false;
    std::map<int, std::string> jobs;  // job id -> RUNNING | SUCCEEDED | FAILED
    std::map<int, std::vector<SqlSample>> metrics;  // node id -> one sample per finished task
  };
  struct Executor {
    std::string id, host, remove_reason;
    int cores = 0, active = 0, failed = 0, completed = 0;
    int64_t added = 0, removed = 0, duration = 0, input = 0, shuffle_read = 0, shuffle_write = 0;
    bool active_flag = true;
    std::map<std::string, std::string> logs;
  };
  using StageKey = std::pair<int, int>;

  void emit(json ev) const {
    if (sink_) sink_(ev);
  }
  Stage* find_stage(int id, int attempt);
  const Stage* find_stage(int id, int attempt) const;
  Job* job_of(const Stage& s);
  void trim_tasks(Stage& s);
  void evict_jobs();
  void evict_stages();
  json job_json(const Job& j) const;
  json stage_json(const Stage& s, bool details) const;
  static json task_json(const Task& t);
  void set_executor_logs(json& out, const std::string& exec_id) const;
  json sql_json(const SqlExec& e, bool details, bool plan) const;
  void sql_job_event(const Job& j);
  void replay_sql(const std::string& event, const LoggedEvent& ev);

  StoreLimits limits_;
  Sink sink_;
  mutable std::mutex mu_;
  std::string app_id_, app_name_, user_;
  int64_t app_start_ = 0, app_end_ = 0;
  std::map<std::string, std::string> env_;
  std::map<int, Job> jobs_;
  std::map<StageKey, Stage> stages_;
  std::unordered_map<int64_t, StageKey> task_stage_;  // running + retained tasks
  std::map<std::string, Executor> execs_;
  std::vector<std::string> dead_order_;
  std::map<int64_t, SqlExec> sql_;
  size_t sql_retained_ = 1000;  // spark.sql.ui.retainedExecutions
};

// Quantile of sorted values, Spark's rule: element at min(q * n, n - 1). Empty input -> 0.
double quantile_of(const std::vector<double>& sorted, double q);

}  // namespace spp::driver
