// AppStatusStore: hooks update entities under the mutex; views build Spark-shaped JSON on demand.
#include "ui/status_store.h"

#include <type_traits>

#include "ui/event_json.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>

#include "common/config.h"
#include "common/ids.h"

namespace spp::ui {

std::string rest_time(int64_t ms) {
  time_t t = static_cast<time_t>(ms / 1000);
  struct tm g;
  gmtime_r(&t, &g);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dGMT", g.tm_year + 1900, g.tm_mon + 1, g.tm_mday, g.tm_hour,
                g.tm_min, g.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

double quantile_of(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t n = sorted.size();
  size_t i = std::min(static_cast<size_t>(std::max(0.0, q) * static_cast<double>(n)), n - 1);
  return sorted[i];
}

namespace {
void add_metrics(msg::TaskMetrics& a, const msg::TaskMetrics& b) {
  a.run_ms += b.run_ms;
  a.deserialize_ms += b.deserialize_ms;
  a.input_bytes += b.input_bytes;
  a.input_records += b.input_records;
  a.output_bytes += b.output_bytes;
  a.output_records += b.output_records;
  a.result_bytes += b.result_bytes;
  a.shuffle_write_bytes += b.shuffle_write_bytes;
  a.shuffle_write_records += b.shuffle_write_records;
  a.shuffle_read_bytes += b.shuffle_read_bytes;
  a.shuffle_read_records += b.shuffle_read_records;
  a.memory_spilled += b.memory_spilled;
  a.disk_spilled += b.disk_spilled;
}
json opt_time(int64_t ms) { return ms ? json(rest_time(ms)) : json(nullptr); }
}  // namespace

// ------------------------------------------------------------------ hooks

void AppStatusStore::on_application_start(const scheduler::ApplicationStartEvent& ev) {
  const std::string &app_id = ev.app_id, &name = ev.app_name, &user = ev.user;
  const int64_t time = ev.time;
  {
    std::lock_guard<std::mutex> g(mu_);
    app_id_ = app_id;
    app_name_ = name;
    user_ = user;
    app_start_ = time;
    app_end_ = 0;
  }
}

void AppStatusStore::on_environment(const std::map<std::string, std::string>& conf,
                                    const std::map<std::string, std::string>& runtime) {
  std::map<std::string, std::string> shown;
  for (const auto& [k, v] : conf) shown[k] = is_secret_key(k) ? "*********(redacted)" : v;
  {
    std::lock_guard<std::mutex> g(mu_);
    env_ = shown;
    runtime_ = runtime;
  }
}

void AppStatusStore::on_job_start(const scheduler::JobStartEvent& ev) {
  const int job_id = ev.job_id;
  const std::string& description = ev.description;
  const int64_t time = ev.time, sql_exec = ev.sql_exec;
  json lineage = ev.lineage;
  std::lock_guard<std::mutex> g(mu_);
  Job& j = jobs_[job_id];
  j.job_id = job_id;
  j.description = description;
  j.submitted = time;
  j.lineage = std::move(lineage);
  j.sql_exec = sql_exec;
  j.planned = ev.stages;
  sql_job_event(j);
}

void AppStatusStore::on_stage_submitted(const scheduler::StageSubmittedEvent& ev) {
  const int stage_id = ev.stage_id, attempt = ev.attempt, job_id = ev.job_id, num_tasks = ev.num_tasks, rdd = ev.node;
  const std::string& name = ev.name;
  const int64_t time = ev.time;
  std::lock_guard<std::mutex> g(mu_);
  Stage& s = stages_[{stage_id, attempt}];
  s.stage_id = stage_id;
  s.attempt = attempt;
  s.job_id = job_id;
  s.name = name;
  s.num_tasks = std::max(0, num_tasks);
  s.rdd = rdd;
  s.resource_profile_id = ev.resource_profile_id;
  s.submitted = time;
  s.index_done.clear();
  if (Job* j = job_of(s)) {
    j->stages.emplace_back(stage_id, attempt);
    j->num_tasks += s.num_tasks;
    ++j->active_stages;
  }
}

void AppStatusStore::on_task_start(const scheduler::TaskStartEvent& ev) {
  const int64_t task_id = ev.task_id, time = ev.time;
  const int stage_id = ev.stage_id, stage_attempt = ev.stage_attempt, index = ev.index, attempt = ev.attempt, partition = ev.partition;
  const std::string &exec_id = ev.exec_id, &host = ev.host;
  const bool speculative = ev.speculative;
  std::lock_guard<std::mutex> g(mu_);
  Stage* s = find_stage(stage_id, stage_attempt);
  if (!s) return;
  Task t;
  t.task_id = task_id;
  t.index = index;
  t.attempt = attempt;
  t.partition = partition;
  t.exec_id = exec_id;
  t.host = host;
  t.launch = time;
  t.speculative = speculative;
  s->tasks[task_id] = std::move(t);
  task_stage_[task_id] = {stage_id, stage_attempt};
  if (!s->first_launch) s->first_launch = time;
  ++s->active;
  if (Job* j = job_of(*s)) ++j->active;
  auto e = execs_.find(exec_id);
  if (e != execs_.end()) ++e->second.active;
  trim_tasks(*s);
}

// Keeps at most `tasks` per stage attempt: the oldest ended ones go (Spark keeps the newest).
void AppStatusStore::trim_tasks(Stage& s) {
  if (s.tasks.size() <= limits_.tasks) return;
  for (auto it = s.tasks.begin(); it != s.tasks.end() && s.tasks.size() > limits_.tasks;) {
    if (it->second.status == "RUNNING") { ++it; continue; }
    task_stage_.erase(it->first);
    it = s.tasks.erase(it);
  }
}

void AppStatusStore::on_task_end(const scheduler::TaskEndEvent& ev) {
  const int64_t task_id = ev.task_id, time = ev.time;
  const std::string &state = ev.state, &error = ev.error;
  const msg::TaskMetrics& m = ev.metrics;
  std::string status = state == "FINISHED" || state == "SUCCESS" ? "SUCCESS" : state == "KILLED" ? "KILLED" : "FAILED";
  std::lock_guard<std::mutex> g(mu_);
  auto loc = task_stage_.find(task_id);
  if (loc == task_stage_.end()) return;
  Stage* s = find_stage(loc->second.first, loc->second.second);
  if (!s) return;
  auto it = s->tasks.find(task_id);
  if (it == s->tasks.end() || it->second.status != "RUNNING") return;
  Task& t = it->second;
  t.status = status;
  t.end = time;
  t.error = error;
  t.m = m;
  t.has_metrics = true;
  add_metrics(s->sum, m);
  --s->active;
  Job* j = job_of(*s);
  if (j) --j->active;
  if (status == "SUCCESS") {
    ++s->complete;
    if (j) ++j->complete;
    if (t.index >= 0 && t.index < s->num_tasks && s->index_done.insert(t.index).second) {
      ++s->completed_indices;
      if (j) ++j->completed_indices;
    }
  } else if (status == "KILLED") {
    ++s->killed;
    if (j) ++j->killed;
  } else {
    ++s->failed;
    if (j) ++j->failed;
  }
  auto e = execs_.find(t.exec_id);
  if (e != execs_.end()) {
    Executor& x = e->second;
    --x.active;
    if (status == "SUCCESS") ++x.completed; else if (status == "FAILED") ++x.failed;
    x.duration += time - t.launch;
    x.input += m.input_bytes;
    x.shuffle_read += m.shuffle_read_bytes;
    x.shuffle_write += m.shuffle_write_bytes;
  }
  trim_tasks(*s);  // last: `t` dies here
}

void AppStatusStore::on_stage_completed(const scheduler::StageCompletedEvent& ev) {
  const int stage_id = ev.stage_id, attempt = ev.attempt;
  const std::string &status = ev.status, &reason = ev.reason;
  const int64_t time = ev.time;
  std::lock_guard<std::mutex> g(mu_);
  Stage* s = find_stage(stage_id, attempt);
  if (!s || s->status != "ACTIVE") return;
  s->status = status == "COMPLETE" ? "COMPLETE" : "FAILED";
  s->failure = reason;
  s->completed = time;
  if (Job* j = job_of(*s)) {
    --j->active_stages;
    if (s->status == "COMPLETE") ++j->completed_stages; else ++j->failed_stages;
  }
  evict_stages();
}

void AppStatusStore::on_job_end(const scheduler::JobEndEvent& ev) {
  const int job_id = ev.job_id;
  const bool succeeded = ev.succeeded;
  const std::string& reason = ev.reason;
  const int64_t time = ev.time;
  std::lock_guard<std::mutex> g(mu_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end() || it->second.status != "RUNNING") return;
  Job& j = it->second;
  j.status = succeeded ? "SUCCEEDED" : "FAILED";
  j.failure = reason;
  j.completed = time;
  sql_job_event(j);
  // A planned stage the job never submitted was skipped: its output existed (Spark's
  // AppStatusListener counts skipped stages and their tasks when the job ends).
  for (const auto& p : j.planned)
    if (std::none_of(j.stages.begin(), j.stages.end(), [&](const auto& s) { return s.first == p.stage_id; })) {
      ++j.skipped_stages;
      j.skipped_tasks += p.num_tasks;
    }
  // A stage still active when its job ends was cancelled with it.
  for (auto [sid, att] : j.stages) {
    Stage* s = find_stage(sid, att);
    if (!s || s->status != "ACTIVE") continue;
    s->status = "FAILED";
    s->failure = succeeded ? "" : reason;
    s->completed = time;
    --j.active_stages;
    ++j.failed_stages;
  }
  evict_jobs();
  evict_stages();
}

void AppStatusStore::on_executor_added(const scheduler::ExecutorAddedEvent& ev) {
  const std::string &id = ev.exec_id, &host = ev.host;
  const int cores = ev.cores;
  const int64_t time = ev.time;
  const auto& log_urls = ev.log_urls;
  std::lock_guard<std::mutex> g(mu_);
  Executor& e = execs_[id];
  e = Executor{};
  e.id = id;
  e.host = host;
  e.cores = cores;
  e.added = time;
  e.logs = ids::valid_http_urls(log_urls);  // from executors (or a log file): links, http(s) only
  e.max_memory = std::max<int64_t>(0, ev.max_memory);
}

void AppStatusStore::on_executor_removed(const scheduler::ExecutorRemovedEvent& ev) {
  const std::string &id = ev.exec_id, &reason = ev.reason;
  const int64_t time = ev.time;
  std::lock_guard<std::mutex> g(mu_);
  auto it = execs_.find(id);
  if (it == execs_.end() || !it->second.active_flag) return;
  it->second.active_flag = false;
  it->second.removed = time;
  it->second.remove_reason = reason;
  dead_order_.push_back(id);
  while (dead_order_.size() > limits_.dead_executors) {
    execs_.erase(dead_order_.front());
    dead_order_.erase(dead_order_.begin());
  }
}

std::vector<scheduler::ListenerEvent> AppStatusStore::abort_events(const std::string& reason, int64_t time) const {
  std::vector<scheduler::ListenerEvent> out;
  std::lock_guard<std::mutex> g(mu_);
  for (const auto& [id, j] : jobs_)
    if (j.status == "RUNNING") out.push_back(scheduler::JobEndEvent{id, false, reason, time});
  for (const auto& [id, q] : sql_)
    if (!q.ended) out.push_back(scheduler::SqlExecutionEndEvent{id, reason, time});
  return out;
}

void AppStatusStore::on_event(const scheduler::ListenerEvent& event) {
  std::visit(
      [&](const auto& ev) {
        using T = std::decay_t<decltype(ev)>;
        if constexpr (std::is_same_v<T, scheduler::ApplicationStartEvent>) on_application_start(ev);
        else if constexpr (std::is_same_v<T, scheduler::ApplicationEndEvent>) {
          std::lock_guard<std::mutex> g(mu_);
          app_end_ = ev.time;
        } else if constexpr (std::is_same_v<T, scheduler::EnvironmentUpdateEvent>) on_environment(ev.properties, ev.runtime);
        else if constexpr (std::is_same_v<T, scheduler::JobStartEvent>) on_job_start(ev);
        else if constexpr (std::is_same_v<T, scheduler::JobEndEvent>) on_job_end(ev);
        else if constexpr (std::is_same_v<T, scheduler::StageSubmittedEvent>) on_stage_submitted(ev);
        else if constexpr (std::is_same_v<T, scheduler::StageCompletedEvent>) on_stage_completed(ev);
        else if constexpr (std::is_same_v<T, scheduler::TaskStartEvent>) on_task_start(ev);
        else if constexpr (std::is_same_v<T, scheduler::TaskEndEvent>) on_task_end(ev);
        else if constexpr (std::is_same_v<T, scheduler::ExecutorAddedEvent>) on_executor_added(ev);
        else if constexpr (std::is_same_v<T, scheduler::ExecutorRemovedEvent>) on_executor_removed(ev);
        else if constexpr (std::is_same_v<T, scheduler::SqlExecutionStartEvent>) on_sql_start(ev);
        else if constexpr (std::is_same_v<T, scheduler::SqlExecutionEndEvent>) on_sql_end(ev);
        else if constexpr (std::is_same_v<T, scheduler::SqlTaskMetricsEvent>) on_sql_task_metrics(ev);
        else if constexpr (std::is_same_v<T, scheduler::RddPersistedEvent>) {
          std::lock_guard<std::mutex> g(mu_);
          CachedRdd& r = rdds_[ev.rdd];
          r.id = ev.rdd;
          r.name = ev.name;
          r.level = ev.storage_level;
          r.num_partitions = std::max(0, ev.num_partitions);
        } else if constexpr (std::is_same_v<T, scheduler::RddUnpersistedEvent>) {
          std::lock_guard<std::mutex> g(mu_);
          rdds_.erase(ev.rdd);
        } else if constexpr (std::is_same_v<T, scheduler::BlockUpdatedEvent>) on_block_updated(ev);
        else if constexpr (std::is_same_v<T, scheduler::ResourceProfileAddedEvent>) {
          std::lock_guard<std::mutex> g(mu_);
          profiles_[ev.id] = ev;
        }
      },
      event);
}

void AppStatusStore::replay(const json& ev) {
  if (auto e = event_from_json(ev)) on_event(*e);
}
// ------------------------------------------------------------------ helpers

AppStatusStore::Stage* AppStatusStore::find_stage(int id, int attempt) {
  auto it = stages_.find({id, attempt});
  return it == stages_.end() ? nullptr : &it->second;
}
const AppStatusStore::Stage* AppStatusStore::find_stage(int id, int attempt) const {
  auto it = stages_.find({id, attempt});
  return it == stages_.end() ? nullptr : &it->second;
}
AppStatusStore::Job* AppStatusStore::job_of(const Stage& s) {
  auto it = jobs_.find(s.job_id);
  return it == jobs_.end() ? nullptr : &it->second;
}

// Oldest finished entities go first; running ones are never dropped.
void AppStatusStore::evict_jobs() {
  size_t finished = 0;
  for (const auto& [id, j] : jobs_) finished += j.status != "RUNNING";
  for (auto it = jobs_.begin(); it != jobs_.end() && finished > limits_.jobs;) {
    if (it->second.status == "RUNNING") { ++it; continue; }
    it = jobs_.erase(it);
    --finished;
  }
}

void AppStatusStore::evict_stages() {
  size_t finished = 0;
  for (const auto& [k, s] : stages_) finished += s.status != "ACTIVE";
  for (auto it = stages_.begin(); it != stages_.end() && finished > limits_.stages;) {
    if (it->second.status == "ACTIVE") { ++it; continue; }
    for (const auto& [tid, t] : it->second.tasks) task_stage_.erase(tid);
    it = stages_.erase(it);
    --finished;
  }
}

// ------------------------------------------------------------------ views

std::string AppStatusStore::app_id() const {
  std::lock_guard<std::mutex> g(mu_);
  return app_id_;
}

json AppStatusStore::application() const {
  std::lock_guard<std::mutex> g(mu_);
  int64_t end = app_end_;
  json attempt = {{"startTime", rest_time(app_start_)},
                  {"endTime", end ? rest_time(end) : "1969-12-31T23:59:59.999GMT"},
                  {"lastUpdated", rest_time(end ? end : app_start_)},
                  {"duration", end ? end - app_start_ : 0},
                  {"sparkUser", user_},
                  {"completed", end != 0},
                  {"appSparkVersion", SPARKPP_VERSION},
                  {"startTimeEpoch", app_start_},
                  {"endTimeEpoch", end ? end : -1},
                  {"lastUpdatedEpoch", end ? end : app_start_}};
  return {{"id", app_id_}, {"name", app_name_}, {"attempts", json::array({attempt})}};
}

json AppStatusStore::overview() const {
  std::lock_guard<std::mutex> g(mu_);
  int running = 0, ok = 0, failed = 0;
  for (const auto& [id, j] : jobs_) {
    if (j.status == "RUNNING") ++running; else if (j.status == "SUCCEEDED") ++ok; else ++failed;
  }
  return {{"appId", app_id_}, {"appName", app_name_}, {"user", user_}, {"startTime", app_start_}, {"endTime", app_end_},
          {"activeJobs", running}, {"completedJobs", ok}, {"failedJobs", failed}};
}

json AppStatusStore::job_json(const Job& j) const {
  // Every stage of the job's graph, skipped ones included, as Spark's JobData.stageIds.
  std::vector<int> ids;
  for (const auto& p : j.planned) ids.push_back(p.stage_id);
  for (auto [sid, att] : j.stages) ids.push_back(sid);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  json stage_ids = ids;
  json o = {{"jobId", j.job_id},
            {"name", j.description.empty() ? "job " + std::to_string(j.job_id) : j.description},
            {"description", j.description.empty() ? json(nullptr) : json(j.description)},
            {"submissionTime", opt_time(j.submitted)},
            {"completionTime", opt_time(j.completed)},
            {"stageIds", stage_ids},
            {"status", j.status},
            {"numTasks", j.num_tasks},
            {"numActiveTasks", j.active},
            {"numCompletedTasks", j.complete},
            {"numSkippedTasks", j.skipped_tasks},
            {"numFailedTasks", j.failed},
            {"numKilledTasks", j.killed},
            {"numCompletedIndices", j.completed_indices},
            {"numActiveStages", j.active_stages},
            {"numCompletedStages", j.completed_stages},
            {"numSkippedStages", j.skipped_stages},
            {"numFailedStages", j.failed_stages},
            {"killedTasksSummary", json::object()}};
  if (!j.failure.empty()) o["failureReason"] = j.failure;  // our extension: why the job failed
  return o;
}

json AppStatusStore::jobs(const std::string& status) const {
  std::lock_guard<std::mutex> g(mu_);
  json arr = json::array();
  for (auto it = jobs_.rbegin(); it != jobs_.rend(); ++it) {
    std::string st = it->second.status;
    std::transform(st.begin(), st.end(), st.begin(), ::tolower);
    if (!status.empty() && st != status) continue;
    arr.push_back(job_json(it->second));
  }
  return arr;
}

std::optional<json> AppStatusStore::job(int job_id) const {
  std::lock_guard<std::mutex> g(mu_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return std::nullopt;
  json o = job_json(it->second);
  o["lineage"] = it->second.lineage;
  if (it->second.sql_exec >= 0) o["sqlExecutionId"] = it->second.sql_exec;  // the job page's "Associated SQL Query"
  json rdd_of = json::object();  // stage id -> the RDD its tasks compute, to place stage boundaries
  for (auto [sid, att] : it->second.stages)
    if (const Stage* s = find_stage(sid, att)) rdd_of[std::to_string(sid)] = s->rdd;
  o["stageRdds"] = rdd_of;
  return o;
}

json AppStatusStore::task_json(const Task& t) {
  const auto& m = t.m;
  int64_t duration = t.end ? t.end - t.launch : 0;
  json o = {{"taskId", t.task_id},
            {"index", t.index},
            {"attempt", t.attempt},
            {"partitionId", t.partition},
            {"launchTime", rest_time(t.launch)},
            {"duration", duration},
            {"executorId", t.exec_id},
            {"host", t.host},
            {"status", t.status},
            {"taskLocality", "PROCESS_LOCAL"},
            {"speculative", t.speculative},
            {"accumulatorUpdates", json::array()},
            {"executorLogs", json::object()},
            {"schedulerDelay", std::max<int64_t>(0, duration - m.run_ms - m.deserialize_ms)},
            {"gettingResultTime", 0}};
  if (!t.error.empty()) o["errorMessage"] = t.error;
  if (t.has_metrics)
    o["taskMetrics"] = {{"executorDeserializeTime", m.deserialize_ms},
                        {"executorDeserializeCpuTime", 0},
                        {"executorRunTime", m.run_ms},
                        {"executorCpuTime", 0},
                        {"resultSize", m.result_bytes},
                        {"jvmGcTime", 0},
                        {"resultSerializationTime", 0},
                        {"memoryBytesSpilled", m.memory_spilled},
                        {"diskBytesSpilled", m.disk_spilled},
                        {"peakExecutionMemory", 0},
                        {"inputMetrics", {{"bytesRead", m.input_bytes}, {"recordsRead", m.input_records}}},
                        {"outputMetrics", {{"bytesWritten", m.output_bytes}, {"recordsWritten", m.output_records}}},
                        {"shuffleReadMetrics",
                         {{"remoteBlocksFetched", 0},
                          {"localBlocksFetched", 0},
                          {"fetchWaitTime", 0},
                          {"remoteBytesRead", 0},
                          {"remoteBytesReadToDisk", 0},
                          {"localBytesRead", m.shuffle_read_bytes},
                          {"recordsRead", m.shuffle_read_records}}},
                        {"shuffleWriteMetrics",
                         {{"bytesWritten", m.shuffle_write_bytes}, {"writeTime", 0}, {"recordsWritten", m.shuffle_write_records}}}};
  return o;
}

json AppStatusStore::stage_json(const Stage& s, bool details) const {
  const auto& m = s.sum;
  json o = {{"status", s.status},
            {"stageId", s.stage_id},
            {"attemptId", s.attempt},
            {"numTasks", s.num_tasks},
            {"numActiveTasks", s.active},
            {"numCompleteTasks", s.complete},
            {"numFailedTasks", s.failed},
            {"numKilledTasks", s.killed},
            {"numCompletedIndices", s.completed_indices},
            {"submissionTime", opt_time(s.submitted)},
            {"firstTaskLaunchedTime", opt_time(s.first_launch)},
            {"completionTime", opt_time(s.completed)},
            {"executorDeserializeTime", m.deserialize_ms},
            {"executorRunTime", m.run_ms},
            {"resultSize", m.result_bytes},
            {"jvmGcTime", 0},
            {"inputBytes", m.input_bytes},
            {"inputRecords", m.input_records},
            {"outputBytes", m.output_bytes},
            {"outputRecords", m.output_records},
            {"shuffleReadBytes", m.shuffle_read_bytes},
            {"shuffleLocalBytesRead", m.shuffle_read_bytes},
            {"shuffleRemoteBytesRead", 0},
            {"shuffleReadRecords", m.shuffle_read_records},
            {"shuffleWriteBytes", m.shuffle_write_bytes},
            {"shuffleWriteRecords", m.shuffle_write_records},
            {"memoryBytesSpilled", m.memory_spilled},
            {"diskBytesSpilled", m.disk_spilled},
            {"name", s.name},
            {"description", nullptr},
            {"details", ""},
            {"schedulingPool", "default"},
            {"rddIds", json::array({s.rdd})},
            {"accumulatorUpdates", json::array()},
            {"killedTasksSummary", json::object()},
            {"resourceProfileId", s.resource_profile_id},
            {"jobIds", json::array({s.job_id})}};
  if (!s.failure.empty()) o["failureReason"] = s.failure;
  if (details) {
    json tasks = json::object();
    for (const auto& [id, t] : s.tasks) tasks[std::to_string(id)] = task_json(t);
    o["tasks"] = tasks;
    // Aggregated metrics by executor (Spark's executorSummary).
    std::map<std::string, json> per;
    for (const auto& [id, t] : s.tasks) {
      json& e = per[t.exec_id];
      if (e.is_null())
        e = {{"taskTime", 0}, {"failedTasks", 0}, {"succeededTasks", 0}, {"killedTasks", 0}, {"inputBytes", 0},
             {"inputRecords", 0}, {"outputBytes", 0}, {"outputRecords", 0}, {"shuffleRead", 0}, {"shuffleReadRecords", 0},
             {"shuffleWrite", 0}, {"shuffleWriteRecords", 0}, {"memoryBytesSpilled", 0}, {"diskBytesSpilled", 0}, {"isExcludedForStage", false}};
      auto inc = [&](const char* k, int64_t v) { e[k] = e[k].get<int64_t>() + v; };
      inc("taskTime", t.end ? t.end - t.launch : 0);
      if (t.status == "SUCCESS") inc("succeededTasks", 1);
      if (t.status == "FAILED") inc("failedTasks", 1);
      if (t.status == "KILLED") inc("killedTasks", 1);
      inc("inputBytes", t.m.input_bytes);
      inc("inputRecords", t.m.input_records);
      inc("outputBytes", t.m.output_bytes);
      inc("outputRecords", t.m.output_records);
      inc("shuffleRead", t.m.shuffle_read_bytes);
      inc("shuffleReadRecords", t.m.shuffle_read_records);
      inc("shuffleWrite", t.m.shuffle_write_bytes);
      inc("shuffleWriteRecords", t.m.shuffle_write_records);
      inc("memoryBytesSpilled", t.m.memory_spilled);
      inc("diskBytesSpilled", t.m.disk_spilled);
    }
    json es = json::object();
    for (auto& [id, e] : per) es[id] = e;
    o["executorSummary"] = es;
  }
  return o;
}

json AppStatusStore::stages(const std::string& status) const {
  std::lock_guard<std::mutex> g(mu_);
  json arr = json::array();
  for (auto it = stages_.rbegin(); it != stages_.rend(); ++it) {
    std::string st = it->second.status;
    std::transform(st.begin(), st.end(), st.begin(), ::tolower);
    if (!status.empty() && st != status) continue;
    arr.push_back(stage_json(it->second, false));
  }
  return arr;
}

json AppStatusStore::stage_attempts(int stage_id, bool details) const {
  std::lock_guard<std::mutex> g(mu_);
  json arr = json::array();
  for (auto it = stages_.lower_bound({stage_id, 0}); it != stages_.end() && it->first.first == stage_id; ++it)
    arr.push_back(stage_json(it->second, details));
  return arr;
}

std::optional<json> AppStatusStore::stage(int stage_id, int attempt, bool details) const {
  std::lock_guard<std::mutex> g(mu_);
  const Stage* s = find_stage(stage_id, attempt);
  if (!s) return std::nullopt;
  return stage_json(*s, details);
}

std::optional<json> AppStatusStore::task_list(int stage_id, int attempt, const TaskQuery& q) const {
  std::lock_guard<std::mutex> g(mu_);
  const Stage* s = find_stage(stage_id, attempt);
  if (!s) return std::nullopt;
  std::string want = q.status;
  std::transform(want.begin(), want.end(), want.begin(), ::toupper);
  std::vector<const Task*> v;
  v.reserve(s->tasks.size());
  for (const auto& [id, t] : s->tasks)
    if (want.empty() || t.status == want) v.push_back(&t);
  std::string key = q.sort_by;
  bool desc = !key.empty() && key[0] == '-';
  if (desc) key = key.substr(1);
  auto dur = [](const Task* t) { return t->end ? t->end - t->launch : -1; };
  auto num = [&](const Task* t) -> int64_t {
    if (key == "runtime" || key == "duration") return dur(t);
    if (key == "index") return t->index;
    if (key == "attempt") return t->attempt;
    if (key == "launchTime") return t->launch;
    if (key == "input") return t->m.input_bytes;
    if (key == "shuffleRead") return t->m.shuffle_read_bytes;
    if (key == "shuffleWrite") return t->m.shuffle_write_bytes;
    if (key == "spill") return t->m.memory_spilled + t->m.disk_spilled;
    return t->task_id;
  };
  auto text = [&](const Task* t) -> const std::string& {
    if (key == "status") return t->status;
    if (key == "executor") return t->exec_id;
    if (key == "host") return t->host;
    return t->error;
  };
  bool textual = key == "status" || key == "executor" || key == "host" || key == "error";
  std::stable_sort(v.begin(), v.end(), [&](const Task* a, const Task* b) {
    if (textual) {
      int c = text(a).compare(text(b));
      if (c != 0) return desc ? c > 0 : c < 0;
    } else {
      int64_t x = num(a), y = num(b);
      if (x != y) return desc ? x > y : x < y;
    }
    return a->task_id < b->task_id;
  });
  json arr = json::array();
  for (size_t i = q.offset; i < v.size() && i < q.offset + q.length; ++i) arr.push_back(task_json(*v[i]));
  return arr;
}

std::optional<json> AppStatusStore::task_summary(int stage_id, int attempt, const std::vector<double>& qs) const {
  std::lock_guard<std::mutex> g(mu_);
  const Stage* s = find_stage(stage_id, attempt);
  if (!s) return std::nullopt;
  // Spark summarizes successful tasks only.
  std::vector<const Task*> ok;
  for (const auto& [id, t] : s->tasks)
    if (t.status == "SUCCESS") ok.push_back(&t);
  auto dist = [&](auto get) {
    std::vector<double> vals;
    vals.reserve(ok.size());
    for (const Task* t : ok) vals.push_back(static_cast<double>(get(*t)));
    std::sort(vals.begin(), vals.end());
    json arr = json::array();
    for (double q : qs) arr.push_back(quantile_of(vals, q));
    return arr;
  };
  json zero = dist([](const Task&) { return 0; });
  return json{{"quantiles", qs},
              {"duration", dist([](const Task& t) { return t.end - t.launch; })},
              {"executorDeserializeTime", dist([](const Task& t) { return t.m.deserialize_ms; })},
              {"executorDeserializeCpuTime", zero},
              {"executorRunTime", dist([](const Task& t) { return t.m.run_ms; })},
              {"executorCpuTime", zero},
              {"resultSize", dist([](const Task& t) { return t.m.result_bytes; })},
              {"jvmGcTime", zero},
              {"resultSerializationTime", zero},
              {"gettingResultTime", zero},
              {"schedulerDelay", dist([](const Task& t) { return std::max<int64_t>(0, t.end - t.launch - t.m.run_ms - t.m.deserialize_ms); })},
              {"peakExecutionMemory", zero},
              {"memoryBytesSpilled", dist([](const Task& t) { return t.m.memory_spilled; })},
              {"diskBytesSpilled", dist([](const Task& t) { return t.m.disk_spilled; })},
              {"inputMetrics", {{"bytesRead", dist([](const Task& t) { return t.m.input_bytes; })},
                                {"recordsRead", dist([](const Task& t) { return t.m.input_records; })}}},
              {"outputMetrics", {{"bytesWritten", dist([](const Task& t) { return t.m.output_bytes; })},
                                 {"recordsWritten", dist([](const Task& t) { return t.m.output_records; })}}},
              {"shuffleReadMetrics", {{"readBytes", dist([](const Task& t) { return t.m.shuffle_read_bytes; })},
                                      {"readRecords", dist([](const Task& t) { return t.m.shuffle_read_records; })},
                                      {"remoteBlocksFetched", zero}, {"localBlocksFetched", zero}, {"fetchWaitTime", zero},
                                      {"remoteBytesRead", zero}, {"remoteBytesReadToDisk", zero}, {"totalBlocksFetched", zero}}},
              {"shuffleWriteMetrics", {{"writeBytes", dist([](const Task& t) { return t.m.shuffle_write_bytes; })},
                                       {"writeRecords", dist([](const Task& t) { return t.m.shuffle_write_records; })},
                                       {"writeTime", zero}}}};
}

json AppStatusStore::executors(bool include_dead) const {
  std::lock_guard<std::mutex> g(mu_);
  json arr = json::array();
  auto row = [](const std::string& id, const std::string& host, bool active, int cores, int act, int failed, int done, int64_t dur,
                int64_t in, int64_t sr, int64_t sw, int64_t added, const std::map<std::string, std::string>& logs) {
    return json{{"id", id}, {"hostPort", host}, {"isActive", active}, {"rddBlocks", 0}, {"memoryUsed", 0}, {"diskUsed", 0},
                {"totalCores", cores}, {"maxTasks", cores}, {"activeTasks", act}, {"failedTasks", failed},
                {"completedTasks", done}, {"totalTasks", act + failed + done}, {"totalDuration", dur}, {"totalGCTime", 0},
                {"totalInputBytes", in}, {"totalShuffleRead", sr}, {"totalShuffleWrite", sw}, {"isBlacklisted", false},
                {"maxMemory", 0}, {"addTime", rest_time(added)}, {"executorLogs", logs}, {"blacklistedInStages", json::array()},
                {"excludedInStages", json::array()}, {"isExcluded", false},
                {"memoryMetrics", {{"usedOnHeapStorageMemory", 0}, {"usedOffHeapStorageMemory", 0},
                                   {"totalOnHeapStorageMemory", 0}, {"totalOffHeapStorageMemory", 0}}},
                {"attributes", json::object()}, {"resources", json::object()}, {"resourceProfileId", 0}};
  };
  struct Held {
    int blocks = 0;
    int64_t mem = 0, disk = 0;
  };
  std::map<std::string, Held> cached;
  for (const auto& [rid, r] : rdds_)
    for (const auto& [p, holders] : r.blocks)
      for (const auto& [ex, sz] : holders) {
        Held& h = cached[ex];
        h.blocks += 1;
        h.mem += sz.first;
        h.disk += sz.second;
      }
  // Spark lists the driver as an executor row too.
  arr.push_back(row("driver", "localhost", app_end_ == 0, 0, 0, 0, 0, 0, 0, 0, 0, app_start_, {}));
  for (const auto& [id, e] : execs_) {
    if (!e.active_flag && !include_dead) continue;
    json r = row(id, e.host, e.active_flag, e.cores, e.active, e.failed, e.completed, e.duration, e.input, e.shuffle_read,
                 e.shuffle_write, e.added, e.logs);
    if (auto b = cached.find(id); b != cached.end()) {  // the cached RDD blocks it holds
      r["rddBlocks"] = b->second.blocks;
      r["memoryUsed"] = b->second.mem;
      r["diskUsed"] = b->second.disk;
      r["memoryMetrics"]["usedOnHeapStorageMemory"] = b->second.mem;
    }
    r["maxMemory"] = e.max_memory;
    r["memoryMetrics"]["totalOnHeapStorageMemory"] = e.max_memory;
    if (!e.active_flag) {
      r["removeTime"] = rest_time(e.removed);
      r["removeReason"] = e.remove_reason;
    }
    arr.push_back(r);
  }
  return arr;
}

void AppStatusStore::on_block_updated(const scheduler::BlockUpdatedEvent& e) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = rdds_.find(e.rdd);
  if (it == rdds_.end() || e.partition < 0 || e.partition >= it->second.num_partitions) return;  // unpersisted, or bogus
  auto& holders = it->second.blocks[e.partition];
  if (e.mem_bytes <= 0 && e.disk_bytes <= 0) holders.erase(e.exec_id);
  else holders[e.exec_id] = {std::max<int64_t>(0, e.mem_bytes), std::max<int64_t>(0, e.disk_bytes)};
  if (holders.empty()) it->second.blocks.erase(e.partition);
}

namespace {
// Spark's RDDStorageInfo; with `details` its dataDistribution (per executor) and partitions.
template <class Rdd, class Execs>
json rdd_storage_json(const Rdd& r, bool details, const Execs& execs) {
  int64_t mem = 0, disk = 0;
  std::map<std::string, std::pair<int64_t, int64_t>> per_exec;
  json parts = json::array();
  for (const auto& [p, holders] : r.blocks) {
    int64_t pm = 0, pd = 0;
    json where = json::array();
    for (const auto& [ex, sz] : holders) {
      pm += sz.first;
      pd += sz.second;
      per_exec[ex].first += sz.first;
      per_exec[ex].second += sz.second;
      where.push_back(ex);
    }
    mem += pm;
    disk += pd;
    parts.push_back({{"blockName", "rdd_" + std::to_string(r.id) + "_" + std::to_string(p)}, {"storageLevel", r.level},
                     {"memoryUsed", pm}, {"diskUsed", pd}, {"executors", where}});
  }
  json o = {{"id", r.id}, {"name", r.name}, {"numPartitions", r.num_partitions},
            {"numCachedPartitions", static_cast<int>(r.blocks.size())}, {"storageLevel", r.level},
            {"memoryUsed", mem}, {"diskUsed", disk}};
  if (details) {
    json dist = json::array();
    for (const auto& [ex, sz] : per_exec) {
      auto e = execs.find(ex);
      const std::string host = e == execs.end() ? ex : e->second.host;
      dist.push_back({{"address", host}, {"memoryUsed", sz.first}, {"diskUsed", sz.second}});
    }
    o["dataDistribution"] = dist;
    o["partitions"] = parts;
  }
  return o;
}
}  // namespace

json AppStatusStore::storage_rdds() const {
  std::lock_guard<std::mutex> g(mu_);
  json out = json::array();
  for (const auto& [id, r] : rdds_)
    if (!r.blocks.empty()) out.push_back(rdd_storage_json(r, false, execs_));
  return out;
}

std::optional<json> AppStatusStore::storage_rdd(int id) const {
  std::lock_guard<std::mutex> g(mu_);
  auto it = rdds_.find(id);
  if (it == rdds_.end()) return std::nullopt;
  return rdd_storage_json(it->second, true, execs_);
}

json AppStatusStore::environment() const {
  std::lock_guard<std::mutex> g(mu_);
  json props = json::array();
  for (const auto& [k, v] : env_) props.push_back({k, v});
  // Spark's three JVM fields stay (empty) for REST clients; the rest is what runs a sparkpp app.
  json runtime = {{"javaVersion", ""}, {"javaHome", ""}, {"scalaVersion", ""}, {"sparkppVersion", SPARKPP_VERSION}};
  for (const auto& [k, v] : runtime_) runtime[k] = v;
  // Spark's ResourceProfileInfo: executor requests with their discovery script and vendor.
  json profiles = json::array();
  for (const auto& [id, p] : profiles_) {
    json ex = json::object(), task = json::object();
    for (const auto& [k, v] : p.executor)
      ex[k] = {{"resourceName", k}, {"amount", static_cast<int64_t>(v)}, {"discoveryScript", ""}, {"vendor", ""}};
    for (const auto& [k, v] : p.task) task[k] = {{"resourceName", k}, {"amount", v}};
    profiles.push_back({{"id", id}, {"executorResources", ex}, {"taskResources", task}});
  }
  return {{"runtime", runtime},
          {"sparkProperties", props},
          {"hadoopProperties", json::array()},
          {"systemProperties", json::array()},
          {"metricsProperties", json::array()},
          {"classpathEntries", json::array()},
          {"resourceProfiles", profiles}};
}

}  // namespace spp::ui
