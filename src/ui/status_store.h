// AppStatusStore: what the web UI and the REST API (/api/v1) show about one application — jobs,
// stages, tasks, executors, environment — kept from events the driver reports (Spark's
// AppStatusListener + KVStore, in memory). Every `on_*` hook is O(1)-ish and runs on the driver's
// loop thread; the JSON views are built on request by the HTTP thread. One mutex guards both.
//
// It is a Listener on the driver's ListenerBus (listener_bus.h); the event-log writer is another,
// so the log holds exactly the events the store saw. `replay()` feeds a logged event back in —
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
#include "scheduler/listener_events.h"
#include "ui/listener_bus.h"

namespace spp::ui {

using json = nlohmann::json;

// "2026-11-22T12:00:00.000GMT" (Spark's REST date format) from epoch milliseconds.
std::string rest_time(int64_t epoch_ms);

struct StoreLimits {
  size_t jobs = 1000;     // spark.ui.retainedJobs: finished jobs kept
  size_t stages = 1000;   // spark.ui.retainedStages: finished stage attempts kept
  size_t tasks = 100000;  // spark.ui.retainedTasks: tasks kept per stage attempt
  size_t dead_executors = 100;  // spark.ui.retainedDeadExecutors
  size_t sql_executions = 1000;  // spark.sql.ui.retainedExecutions: finished SQL executions kept
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

class AppStatusStore final : public Listener {
 public:
  explicit AppStatusStore(StoreLimits limits = {}) : limits_(limits) {}

  // Applies one event (driver loop thread). Task events of unknown or already ended tasks are
  // ignored; a stage's tasks still running when it completes stay as they are.
  void on_event(const scheduler::ListenerEvent& e) override;
  // Applies one event-log object (event_json.h). Unknown events are skipped.
  void replay(const json& event);
  // The events that end what is still running (jobs, then SQL executions) when the context
  // stopped or the application was killed: the driver posts them, so the log has them too.
  std::vector<scheduler::ListenerEvent> abort_events(const std::string& reason, int64_t time) const;

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
  json storage_rdds() const;                      // Spark's RDDStorageInfo of RDDs with cached partitions
  std::optional<json> storage_rdd(int id) const;  // one, with dataDistribution and partitions
  json environment() const;
  // /sql and /sql/{id} (Spark's ExecutionData); `details`: nodes and edges, `plan`: planDescription.
  json sql_executions(bool details, bool plan, size_t offset, size_t length) const;
  std::optional<json> sql_execution(int64_t id, bool details, bool plan) const;
  // Small counts the pages poll (jobs by status, uptime): cheap.
  json overview() const;

 private:
  void on_application_start(const scheduler::ApplicationStartEvent& e);
  void on_environment(const std::map<std::string, std::string>& conf,
                      const std::map<std::string, std::string>& runtime = {});
  void on_job_start(const scheduler::JobStartEvent& e);
  void on_stage_submitted(const scheduler::StageSubmittedEvent& e);
  void on_task_start(const scheduler::TaskStartEvent& e);
  void on_task_end(const scheduler::TaskEndEvent& e);
  void on_stage_completed(const scheduler::StageCompletedEvent& e);
  void on_job_end(const scheduler::JobEndEvent& e);
  void on_executor_added(const scheduler::ExecutorAddedEvent& e);
  void on_executor_removed(const scheduler::ExecutorRemovedEvent& e);
  void on_sql_start(const scheduler::SqlExecutionStartEvent& e);
  void on_sql_end(const scheduler::SqlExecutionEndEvent& e);
  void on_sql_task_metrics(const scheduler::SqlTaskMetricsEvent& e);
  void on_block_updated(const scheduler::BlockUpdatedEvent& e);

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
    int stage_id = 0, attempt = 0, job_id = 0, rdd = 0, resource_profile_id = 0;
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
    std::vector<scheduler::JobStageInfo> planned;  // every stage of its graph, from the job start
    int skipped_stages = 0, skipped_tasks = 0;     // planned but never run: set when it ends
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
    int64_t max_memory = 0;  // storage memory (Spark's maxMemory)
    bool active_flag = true;
    std::map<std::string, std::string> logs;
  };
  // A persisted RDD and where its blocks are: partition -> executor -> (memory, disk) bytes.
  struct CachedRdd {
    int id = 0;
    std::string name, level;
    int num_partitions = 0;
    std::map<int, std::map<std::string, std::pair<int64_t, int64_t>>> blocks;
  };
  using StageKey = std::pair<int, int>;

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

  StoreLimits limits_;
  mutable std::mutex mu_;
  std::string app_id_, app_name_, user_;
  int64_t app_start_ = 0, app_end_ = 0;
  std::map<std::string, std::string> env_;
  std::map<std::string, std::string> runtime_;  // Runtime Information (EnvironmentUpdateEvent)
  std::map<int, scheduler::ResourceProfileAddedEvent> profiles_;  // by id: the environment's list
  std::map<int, Job> jobs_;
  std::map<StageKey, Stage> stages_;
  std::unordered_map<int64_t, StageKey> task_stage_;  // running + retained tasks
  std::map<std::string, Executor> execs_;
  std::vector<std::string> dead_order_;
  std::map<int64_t, SqlExec> sql_;
  std::map<int, CachedRdd> rdds_;
};

// Quantile of sorted values, Spark's rule: element at min(q * n, n - 1). Empty input -> 0.
double quantile_of(const std::vector<double>& sorted, double q);

}  // namespace spp::ui
