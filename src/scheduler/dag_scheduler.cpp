// DagScheduler: stages, map outputs, resubmission, and the task-attempt stories.
#include "scheduler/dag_scheduler.h"

#include <algorithm>
#include <functional>
#include <set>

#include "common/log.h"
#include "common/status.h"
#include "common/util.h"

namespace spp::scheduler {
static const char* kLog = "dag";

const char* to_string(JobState s) {
  switch (s) {
    case JobState::kRunning: return "RUNNING";
    case JobState::kSucceeded: return "SUCCEEDED";
    case JobState::kFailed: return "FAILED";
  }
  return "?";
}
const char* to_string(StageState s) {
  switch (s) {
    case StageState::kRunning: return "RUNNING";
    case StageState::kComplete: return "COMPLETE";
    case StageState::kFailed: return "FAILED";
  }
  return "?";
}
const char* to_string(TaskState s) {
  switch (s) {
    case TaskState::kRunning: return "RUNNING";
    case TaskState::kFinished: return "FINISHED";
    case TaskState::kFailed: return "FAILED";
    case TaskState::kKilled: return "KILLED";
    case TaskState::kLost: return "LOST";
  }
  return "?";
}

DagScheduler::DagScheduler(const StageSource& source, const Clock& clock, SchedulerConfig cfg)
    : src_(source), clock_(clock), cfg_(std::move(cfg)), tasks_(cfg_.max_task_failures) {
  tasks_.set_locality_wait(cfg_.locality_wait_ms);
  tasks_.set_speculation(cfg_.speculation);
  tasks_.set_queue(cfg_.queue);
  tasks_.set_default_cpus(cfg_.task_cpus);
  tasks_.set_min_lost_failures(cfg_.min_lost_task_failures);
  if (cfg_.max_stage_attempts < 1) cfg_.max_stage_attempts = 1;
}

std::vector<Effect> DagScheduler::handle(const Event& ev) {
  out_.clear();
  if (auto* j = std::get_if<JobSubmitted>(&ev)) submit_job(*j);
  else if (auto* t = std::get_if<TaskEnded>(&ev)) task_ended(*t);
  else if (auto* a = std::get_if<ExecutorAdded>(&ev)) executor_added(*a);
  else if (auto* l = std::get_if<ExecutorLost>(&ev)) executor_lost(*l);
  else if (auto* f = std::get_if<TimerFired>(&ev)) timer_fired(f->kind);
  else if (auto* c = std::get_if<CancelJob>(&ev)) cancel_job(*c);
  schedule();
  // Time-driven work: tasks waiting for their data's executor need cores offered again as the
  // locality wait passes; running tasks are checked for slowness.
  if (tasks_.has_waiting_local_tasks()) arm(TimerKind::kRevive, cfg_.revive_interval_ms);
  if (cfg_.speculation.enabled && tasks_.running_count() > 0) arm(TimerKind::kSpeculation, cfg_.speculation_interval_ms);
  return std::move(out_);
}

// ------------------------------------------------------------------ transitions

static bool legal(JobState from, JobState to) { return from == JobState::kRunning && to != JobState::kRunning; }
static bool legal(StageState from, StageState to) { return from == StageState::kRunning && to != StageState::kRunning; }
static bool legal(TaskState from, TaskState to) { return from == TaskState::kRunning && to != TaskState::kRunning; }

void DagScheduler::set_state(Job& j, JobState to, const std::string& why) {
  SPP_CHECK(legal(j.state, to), "job %d: %s -> %s", j.id, to_string(j.state), to_string(to));
  LOG_DEBUG(kLog, "job " << j.id << ": " << to_string(j.state) << " -> " << to_string(to) << " (" << why << ")");
  j.state = to;
}

void DagScheduler::set_state(StageRun& s, StageState to, const std::string& why) {
  SPP_CHECK(legal(s.state, to), "stage %d.%d: %s -> %s", s.stage_id, s.attempt, to_string(s.state), to_string(to));
  LOG_DEBUG(kLog, "stage " << s.stage_id << "." << s.attempt << ": " << to_string(s.state) << " -> " << to_string(to) << " (" << why << ")");
  s.state = to;
}

void DagScheduler::set_state(TaskStory& t, TaskState to, const std::string& why) {
  SPP_CHECK(legal(t.state, to), "task %lld: %s -> %s", static_cast<long long>(t.task_id), to_string(t.state), to_string(to));
  LOG_DEBUG(kLog, "TID " << t.task_id << ": " << to_string(t.state) << " -> " << to_string(to) << " (" << why << ")");
  t.state = to;
  t.steps.push_back({clock_.now_ms(), to, why});
}

void DagScheduler::end_task(int64_t task_id, TaskState to, const std::string& why) {
  auto it = running_.find(task_id);
  if (it == running_.end()) return;
  set_state(it->second, to, why);
  if (cfg_.retained_stories > 0) {
    ended_.push_back(std::move(it->second));
    while (ended_.size() > cfg_.retained_stories) ended_.pop_front();
  }
  running_.erase(it);
}

const TaskStory* DagScheduler::story(int64_t task_id) const {
  if (auto it = running_.find(task_id); it != running_.end()) return &it->second;
  for (auto it = ended_.rbegin(); it != ended_.rend(); ++it)
    if (it->task_id == task_id) return &*it;
  return nullptr;
}

std::vector<DagScheduler::StageProgress> DagScheduler::progress(int job_id) const {
  std::vector<StageProgress> out;
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return out;
  for (const auto& [id, r] : it->second.runs)
    out.push_back({r.stage_id, r.done, tasks_.running_in_stage(job_id, r.stage_id, r.attempt), static_cast<int>(r.partitions.size()),
                   r.start_ms});
  return out;
}

// ------------------------------------------------------------------ jobs and stages

void DagScheduler::submit_job(const JobSubmitted& e) {
  SPP_CHECK(!jobs_.count(e.job_id), "job %d submitted twice", e.job_id);
  Job job;
  job.id = e.job_id;
  job.node = e.node;
  job.description = e.description;
  job.partitions = e.partitions;
  job.partitions_pending = e.all_partitions;
  job.have.assign(job.partitions.size(), false);
  for (size_t i = 0; i < job.partitions.size(); ++i) job.position[job.partitions[i]] = i;
  Job& stored = jobs_.emplace(job.id, std::move(job)).first->second;
  // An empty job has no stages (Spark posts its start and end at once).
  const bool empty = stored.partitions.empty() && !stored.partitions_pending;
  out_.push_back(JobStartEvent{stored.id, e.description, clock_.wall_ms(), e.lineage, e.sql_exec,
                               empty ? std::vector<JobStageInfo>{} : job_stages(stored)});
  LOG_DEBUG(kLog, "job " << stored.id << ": submitted (" << src_.describe(stored.node) << ", " << stored.partitions.size() << " partition(s))");
  if (empty) return finish_job(stored);
  advance_job(stored);
}

bool DagScheduler::shuffle_complete(int shuffle_id) const {
  auto it = outputs_.find(shuffle_id);
  return it != outputs_.end() && it->second.missing() == 0;
}

// The first shuffle (deepest first) that `node`'s stage needs and whose map outputs are
// incomplete; -1 when every input exists. Complete shuffles are skipped, as Spark skips stages.
int DagScheduler::missing_shuffle(int node) const {
  for (int s : src_.shuffle_deps(node)) {
    int deeper = missing_shuffle(src_.shuffle(s).map_node);
    if (deeper >= 0) return deeper;
    if (!shuffle_complete(s)) return s;
  }
  return -1;
}

bool DagScheduler::running_shuffle(const Job& job, int shuffle_id) const {
  for (const auto& [id, r] : job.runs)
    if (r.is_map && r.shuffle_id == shuffle_id) return true;
  return false;
}

DagScheduler::StageRun* DagScheduler::run_of(Job& job, const Launch& la) {
  auto it = job.runs.find(la.stage_id);
  return it != job.runs.end() && it->second.attempt == la.stage_attempt ? &it->second : nullptr;
}

// Spark submits a stage's missing parents together; a source may hold a stage's last input
// back until the others exist (AQE's early switch may then compute it inside the stage).
bool DagScheduler::ready_shuffles(const Job& job, int node, std::set<int>& seen, std::vector<int>& ready, bool& held) const {
  const std::vector<int> deps = src_.shuffle_deps(node);
  bool missing = false;
  for (size_t i = 0; i < deps.size(); ++i) {
    const int s = deps[i];
    if (shuffle_complete(s)) continue;
    missing = true;
    if (running_shuffle(job, s) || !seen.insert(s).second) continue;
    if (i + 1 == deps.size() && i > 0) {
      bool others = true;
      for (size_t j = 0; j < i; ++j) others &= shuffle_complete(deps[j]);
      if (!others && src_.last_dep_waits(node)) {
        held = true;
        continue;
      }
    }
    if (!ready_shuffles(job, src_.shuffle(s).map_node, seen, ready, held)) ready.push_back(s);
  }
  return missing;
}

std::vector<JobStageInfo> DagScheduler::job_stages(Job& job) {
  std::vector<JobStageInfo> out;
  std::set<int> seen;
  std::function<void(int)> visit = [&](int node) {
    for (int s : src_.shuffle_deps(node)) {
      if (!seen.insert(s).second) continue;
      const int map_node = src_.shuffle(s).map_node;
      visit(map_node);
      auto [it, fresh] = map_stage_ids_.try_emplace(s, 0);
      if (fresh) it->second = next_stage_++;
      out.push_back({it->second, src_.map_stage_name(map_node), std::max(0, src_.num_partitions(map_node))});
    }
  };
  visit(job.node);
  if (job.result_stage_id < 0) job.result_stage_id = next_stage_++;
  out.push_back({job.result_stage_id, job.description.empty() ? "result (" + src_.describe(job.node) + ")" : job.description,
                 static_cast<int>(job.partitions.size())});
  return out;
}

void DagScheduler::forget_shuffle(int shuffle_id) {
  outputs_.erase(shuffle_id);
  auto it = map_stage_ids_.find(shuffle_id);
  if (it == map_stage_ids_.end()) return;
  stages_.erase(it->second);
  map_stage_ids_.erase(it);
}

void DagScheduler::advance_job(Job& job) {
  for (;;) {
    if (job.result_stage_id >= 0 && job.runs.count(job.result_stage_id)) return;
    std::set<int> seen;
    std::vector<int> ready;
    job.holding = false;
    if (!ready_shuffles(job, job.node, seen, ready, job.holding)) {
      submit_stage(job, -1);
      return;
    }
    // A stage with nothing to compute (an empty shuffle) completes its shuffle at once: look
    // again, its readers may start now.
    bool again = false;
    for (int s : ready) {
      const Submitted r = submit_stage(job, s);
      if (r == Submitted::kJobEnded) return;  // `job` is gone
      again |= r == Submitted::kNothing;
    }
    if (!again) return;
  }
}

DagScheduler::Submitted DagScheduler::submit_stage(Job& job, int s) {
  StageRun st;
  st.start_ms = clock_.now_ms();
  // Stage ids are stable, as in Spark: a shuffle's map stage keeps its id across jobs and
  // resubmissions, a job's result stage keeps its own; each submission is the next attempt.
  if (s >= 0) {
    auto [it, fresh] = map_stage_ids_.try_emplace(s, 0);
    if (fresh) it->second = next_stage_++;
    st.stage_id = it->second;
  } else {
    if (job.result_stage_id < 0) job.result_stage_id = next_stage_++;
    st.stage_id = job.result_stage_id;
  }
  Stage& stage = stages_[st.stage_id];
  stage.id = st.stage_id;
  st.attempt = stage.next_attempt++;
  if (s >= 0) {
    ShuffleDep dep = src_.shuffle(s);
    int num_maps = src_.num_partitions(dep.map_node);
    auto& out = outputs_[s];
    if (out.maps.size() != static_cast<size_t>(num_maps)) {
      out.num_maps = num_maps;
      out.num_reduce = dep.num_reduce;
      out.maps.assign(static_cast<size_t>(num_maps), nullptr);
    }
    st.is_map = true;
    st.shuffle_id = s;
    st.node = dep.map_node;
    for (int p = 0; p < out.num_maps; ++p)
      if (!out.maps[static_cast<size_t>(p)]) st.partitions.push_back(p);
  } else {
    st.node = job.node;
    if (job.partitions_pending) {  // its inputs exist now: the node knows its final width
      job.partitions_pending = false;
      const int n = std::max(0, src_.num_partitions(job.node));
      for (int p = 0; p < n; ++p) {
        job.position[p] = job.partitions.size();
        job.partitions.push_back(p);
      }
      job.have.assign(job.partitions.size(), false);
      out_.push_back(JobPartitionsKnown{job.id, n});
    }
    for (size_t i = 0; i < job.partitions.size(); ++i)
      if (!job.have[i]) st.partitions.push_back(job.partitions[i]);
  }
  LOG_DEBUG(kLog, "job " << job.id << ": " << (st.is_map ? "shuffle map" : "result") << " stage " << st.stage_id << "." << st.attempt
                         << " (" << src_.describe(st.node) << (st.is_map ? ", shuffle " + std::to_string(s) : "") << ") with "
                         << st.partitions.size() << " task(s)");
  if (st.partitions.empty()) {  // nothing missing (e.g. an empty parent): move on at once
    if (st.is_map) return Submitted::kNothing;
    finish_job(job);
    return Submitted::kJobEnded;
  }
  StageProfile profile = src_.stage_profile(st.node);
  if (!profile.error.empty()) {  // before any of its tasks start
    fail_job(job, profile.error);
    return Submitted::kJobEnded;
  }
  if (profile.id != 0) st.profile = std::make_shared<const StageProfile>(profile);
  StageRun& run = job.runs[st.stage_id] = std::move(st);
  StageSubmittedEvent ev;
  ev.stage_id = run.stage_id;
  ev.attempt = run.attempt;
  ev.job_id = job.id;
  ev.name = run.is_map ? src_.map_stage_name(run.node)
                       : (job.description.empty() ? "result (" + src_.describe(run.node) + ")" : job.description);
  ev.num_tasks = static_cast<int>(run.partitions.size());
  ev.node = run.node;
  ev.time = clock_.wall_ms();
  ev.resource_profile_id = profile.id;
  out_.push_back(std::move(ev));
  // Prefer executors holding the cached data a task reads.
  std::vector<std::vector<std::string>> prefs;
  bool any = false;
  for (int p : run.partitions) {
    prefs.push_back(src_.preferred_executors(run.node, p));
    any |= !prefs.back().empty();
  }
  if (!any) prefs.clear();
  tasks_.submit(job.id, run.stage_id, run.attempt, static_cast<int>(run.partitions.size()), std::move(prefs), clock_.now_ms(),
                task_demand(profile));
  return Submitted::kStarted;
}

// What a task of a stage with `p` holds on an executor: its cpus, and no more tasks at once
// than the executors' custom resources allow (executor amount / task amount, as Spark's
// slots; a resource executors lack does not limit).
TaskScheduler::Demand DagScheduler::task_demand(const StageProfile& p) const {
  TaskScheduler::Demand d;
  d.cpus = p.id != 0 && p.cpus > 0 ? p.cpus : cfg_.task_cpus;
  const auto& wanted = p.id != 0 ? p.resources : cfg_.task_resources;
  for (const auto& [name, amount] : wanted) {
    auto have = cfg_.executor_resources.find(name);
    if (amount <= 0 || have == cfg_.executor_resources.end()) continue;
    int n = std::max(1, static_cast<int>(have->second / amount + 1e-9));
    d.max_per_executor = d.max_per_executor > 0 ? std::min(d.max_per_executor, n) : n;
  }
  return d;
}

// Ends one of the job's running stage attempts: its pending tasks are dropped and running ones
// killed (FAILED), or it simply completes (COMPLETE).
void DagScheduler::end_stage(Job& job, int stage_id, StageState to, const std::string& why) {
  auto it = job.runs.find(stage_id);
  if (it == job.runs.end()) return;
  StageRun& run = it->second;
  if (to == StageState::kFailed) kill(tasks_.cancel_stage(job.id, run.stage_id, run.attempt), why);
  set_state(run, to, why);
  if (to == StageState::kComplete) stages_[run.stage_id].failures = 0;
  StageCompletedEvent ev;
  ev.stage_id = run.stage_id;
  ev.attempt = run.attempt;
  ev.status = to == StageState::kComplete ? "COMPLETE" : "FAILED";
  ev.reason = to == StageState::kComplete ? "" : why;
  ev.time = clock_.wall_ms();
  out_.push_back(std::move(ev));
  job.runs.erase(it);
}

void DagScheduler::finish_job(Job& job) {
  // Spark's cancelRunningIndependentStages: a stage attempt still running (a shuffle another
  // job completed first) has nothing left to do; its tasks are killed, its task set dropped.
  while (!job.runs.empty()) end_stage(job, job.runs.begin()->first, StageState::kFailed, "Job " + std::to_string(job.id) + " is finished.");
  set_state(job, JobState::kSucceeded, "all " + std::to_string(job.partitions.size()) + " result partition(s) accepted");
  out_.push_back(JobSucceeded{job.id});
  jobs_.erase(job.id);
}

void DagScheduler::fail_job(Job& job, const std::string& reason) {
  while (!job.runs.empty()) end_stage(job, job.runs.begin()->first, StageState::kFailed, reason);
  set_state(job, JobState::kFailed, reason);
  out_.push_back(JobFailed{job.id, reason});
  jobs_.erase(job.id);
}

void DagScheduler::cancel_job(const CancelJob& c) {
  auto it = jobs_.find(c.job_id);
  if (it == jobs_.end()) return;
  Job& job = it->second;
  while (!job.runs.empty()) end_stage(job, job.runs.begin()->first, StageState::kFailed, c.stage_reason);
  fail_job(job, c.reason);
}

// ------------------------------------------------------------------ tasks

void DagScheduler::kill(const std::vector<Launch>& launches, const std::string& reason) {
  for (const Launch& l : launches) out_.push_back(KillTask{l.task_id, l.exec_id, reason});
}

void DagScheduler::arm(TimerKind k, int64_t delay_ms) {
  bool& armed = armed_[static_cast<int>(k)];
  if (armed) return;
  armed = true;
  out_.push_back(ArmTimer{k, delay_ms});
}

void DagScheduler::schedule() {
  if (tasks_.pending_count() == 0 && !cfg_.speculation.enabled) return;
  for (bool again = true; again;) {  // again: an attempt ended below, its cores are free
    again = false;
    int64_t now = clock_.now_ms();
    for (const Launch& l : tasks_.assign(now)) {
      auto jt = jobs_.find(l.job_id);
      auto et = execs_.find(l.exec_id);
      StageRun* found = jt == jobs_.end() ? nullptr : run_of(jt->second, l);
      if (!found || et == execs_.end()) {
        // Never launched: end it here, or its core stays taken (no executor will report on it).
        tasks_.failed(l.task_id, FailureKind::kExecutorLost, "not launched", now);
        continue;
      }
      Job& job = jt->second;
      StageRun& run = *found;
      int partition = run.partitions[static_cast<size_t>(l.index)];
      auto body = src_.build_task(run.node, partition, outputs_);
      if (!body) {
        tasks_.failed(l.task_id, FailureKind::kKilled, body.error_message(), now);
        if (!inputs_complete(run.node)) {
          // A map output it reads is gone (a concurrent stage's fetch failure unregistered it):
          // not this job's failure. The attempt fails as its readers do when an executor is lost,
          // and runs again once the missing map stage has (Spark's tasks would fetch-fail).
          LOG_WARN(kLog, "job " << job.id << ": stage " << run.stage_id << "." << run.attempt << " reads map outputs lost meanwhile ("
                                << body.error_message() << "); resubmitting missing stages");
          end_stage(job, run.stage_id, StageState::kFailed, "map outputs lost");
          advance_job(job);  // may end the job
          again = true;
          continue;
        }
        end_stage(job, run.stage_id, StageState::kFailed, "cannot build task");  // its other tasks must not run (or wait) either
        fail_job(job, body.error_message());
        continue;
      }
      LaunchTask t;
      t.launch = l;
      t.node = run.node;
      t.partition = partition;
      t.is_map = run.is_map;
      t.shuffle_id = run.shuffle_id;
      if (run.is_map) t.num_reduce = outputs_[run.shuffle_id].num_reduce;
      t.profile = run.profile;
      t.body = std::move(body.value());
      TaskStory& story = running_[l.task_id];
      story.task_id = l.task_id;
      story.job_id = l.job_id;
      story.stage_id = l.stage_id;
      story.stage_attempt = l.stage_attempt;
      story.index = l.index;
      story.attempt = l.attempt;
      story.exec_id = l.exec_id;
      story.steps.push_back({now, TaskState::kRunning, l.speculative ? "speculative copy on executor " + l.exec_id : "launched on executor " + l.exec_id});
      if (l.speculative)
        LOG_INFO(kLog, "Starting speculative task " << l.index << "." << l.attempt << " in stage " << l.stage_id << "."
                                                    << l.stage_attempt << " (TID " << l.task_id << ") on executor " << l.exec_id);
      TaskStartEvent ev;
      ev.task_id = l.task_id;
      ev.stage_id = l.stage_id;
      ev.stage_attempt = l.stage_attempt;
      ev.index = l.index;
      ev.attempt = l.attempt;
      ev.partition = partition;
      ev.exec_id = l.exec_id;
      ev.host = et->second.host;
      ev.speculative = l.speculative;
      ev.time = clock_.wall_ms();
      out_.push_back(std::move(t));
      out_.push_back(std::move(ev));
    }
  }
}

bool DagScheduler::inputs_complete(int node) const {
  for (int s : src_.shuffle_deps(node))
    if (!shuffle_complete(s)) return false;
  return true;
}

static const char* wire_state(TaskState s) {
  switch (s) {
    case TaskState::kFinished: return "FINISHED";
    case TaskState::kKilled: return "KILLED";
    default: return "FAILED";
  }
}

void DagScheduler::task_ended(const TaskEnded& e) {
  auto listener = [&](const std::string& state, const std::string& error) {
    TaskEndEvent ev;
    ev.task_id = e.task_id;
    ev.state = state;
    ev.metrics = e.metrics;
    ev.error = error;
    ev.time = clock_.wall_ms();
    out_.push_back(std::move(ev));
  };
  const TaskAttempt* running = tasks_.attempt(e.task_id);
  // Unknown, or already ended (e.g. lost with its executor): only the listener hears of it.
  if (!running) return listener(wire_state(e.state), e.error);
  const Launch la = running->launch;  // the task scheduler forgets the attempt when it ends
  int64_t now = clock_.now_ms();
  if (e.state == TaskState::kFinished) {
    TaskEnd end = tasks_.succeeded(e.task_id, now);
    if (end.outcome != TaskEnd::kSucceeded) {
      // A speculative race's loser (or a task of an ended stage): its result is dropped.
      const std::string why = "finished after another attempt succeeded or its stage ended; result discarded";
      end_task(e.task_id, TaskState::kKilled, why);
      return listener("KILLED", why);
    }
    end_task(e.task_id, TaskState::kFinished, "finished on executor " + la.exec_id);
    listener("FINISHED", e.error);
    auto jt = jobs_.find(la.job_id);
    StageRun* run = jt == jobs_.end() ? nullptr : run_of(jt->second, la);
    if (!run) return;
    // Speculation: the other copies of this task lost the race.
    for (const Launch& k : end.kill)
      LOG_INFO(kLog, "Killing attempt " << k.attempt << " for task " << k.index << " in stage " << k.stage_id << "." << k.stage_attempt
                                        << " (TID " << k.task_id << ") on executor " << k.exec_id << " as the attempt " << la.attempt
                                        << " succeeded");
    kill(end.kill, "another attempt succeeded");
    ++run->done;
    if (run->is_map) return map_task_done(jt->second, *run, la, e, end);
    return result_task_done(jt->second, *run, la, e, end);
  }
  if (e.fetch_failed) return fetch_failed(la, e);
  end_task(e.task_id, e.state == TaskState::kKilled ? TaskState::kKilled : TaskState::kFailed, e.error);
  listener(wire_state(e.state), e.error);
  FailureKind kind = e.state == TaskState::kKilled ? FailureKind::kKilled : FailureKind::kUser;
  TaskEnd end = tasks_.failed(e.task_id, kind, e.error, now);
  if (end.outcome == TaskEnd::kWillRetry) {
    LOG_WARN(kLog, "Lost task " << la.index << "." << la.attempt << " in stage " << la.stage_id << "." << la.stage_attempt << " (TID "
                                << e.task_id << ") (executor " << la.exec_id << "): " << e.error);
  } else if (end.outcome == TaskEnd::kAborted) {
    LOG_ERROR(kLog, "Task " << la.index << " in stage " << end.stage_id << "." << la.stage_attempt << " failed; aborting job " << la.job_id);
    // fail_job kills the running siblings (end.kill) as it fails the stage attempt.
    auto jt = jobs_.find(la.job_id);
    if (jt != jobs_.end()) fail_job(jt->second, "Job aborted due to stage failure: " + end.abort_reason);
  }
}

void DagScheduler::map_task_done(Job& job, StageRun& run, const Launch& la, const TaskEnded& e, const TaskEnd& end) {
  int part = run.partitions[static_cast<size_t>(la.index)];
  auto& out = outputs_[run.shuffle_id];
  if (static_cast<int>(e.map_offsets.size()) != out.num_reduce + 1) {
    end_stage(job, run.stage_id, StageState::kFailed, "bad map output");
    return fail_job(job, "map task for partition " + std::to_string(part) + " reported malformed shuffle output");
  }
  auto ms = std::make_shared<MapStatus>();
  ms->exec_id = la.exec_id;
  auto et = execs_.find(la.exec_id);
  ms->host = et != execs_.end() ? et->second.host : "";
  ms->port = et != execs_.end() ? et->second.data_port : 0;
  ms->path = e.map_path;
  ms->offsets = CompactOffsets(e.map_offsets);
  out.maps[static_cast<size_t>(part)] = std::move(ms);
  out_.push_back(TaskAccepted{e.task_id, job.id, -1});
  if (end.set_complete) {
    end_stage(job, run.stage_id, StageState::kComplete, "all map outputs of shuffle " + std::to_string(run.shuffle_id) + " written");
    advance_job(job);
  } else if (job.holding) {
    advance_job(job);  // what this output wrote may release a held-back input
  }
}

void DagScheduler::result_task_done(Job& job, StageRun& run, const Launch& la, const TaskEnded& e, const TaskEnd& end) {
  size_t pos = job.position[run.partitions[static_cast<size_t>(la.index)]];
  job.have[pos] = true;
  ++job.done;
  job.result_bytes += e.result_bytes;
  out_.push_back(TaskAccepted{e.task_id, job.id, static_cast<int>(pos)});
  if (cfg_.max_result_bytes > 0 && job.result_bytes > cfg_.max_result_bytes) {
    return fail_job(job, "Total size of serialized results of " + std::to_string(job.done) + " tasks (" + format_bytes(job.result_bytes) +
                             ") is bigger than spark.driver.maxResultSize (" + format_bytes(cfg_.max_result_bytes) + ")");
  }
  if (end.set_complete) {
    end_stage(job, run.stage_id, StageState::kComplete, "all result tasks finished");
    finish_job(job);
  }
}

// A shuffle block is missing or corrupt: forget the map output(s) it names, fail this stage
// attempt and resubmit from the missing map stage (the next attempt of each).
void DagScheduler::fetch_failed(const Launch& la, const TaskEnded& e) {
  int64_t now = clock_.now_ms();
  end_task(e.task_id, TaskState::kFailed, "fetch failed: " + e.error);
  TaskEndEvent ev;
  ev.task_id = e.task_id;
  ev.state = wire_state(e.state);
  ev.metrics = e.metrics;
  ev.error = e.error;
  ev.time = clock_.wall_ms();
  out_.push_back(std::move(ev));
  tasks_.failed(e.task_id, FailureKind::kKilled, e.error, now);
  auto jt = jobs_.find(la.job_id);
  StageRun* run = jt == jobs_.end() ? nullptr : run_of(jt->second, la);
  if (!run) {
    LOG_INFO(kLog, "Ignoring fetch failure from TID " << e.task_id << " of stage " << la.stage_id << "." << la.stage_attempt
                                                      << ": the stage has already been resubmitted or ended (" << e.error << ")");
    return;
  }
  Job& job = jt->second;
  bool is_map = run->is_map;
  auto ot = outputs_.find(e.fetch_shuffle);
  if (ot != outputs_.end() && e.fetch_map >= 0 && e.fetch_map < static_cast<int>(ot->second.maps.size())) {
    auto& maps = ot->second.maps;
    std::string lost_exec = maps[static_cast<size_t>(e.fetch_map)] ? maps[static_cast<size_t>(e.fetch_map)]->exec_id : "";
    // Other outputs in the same (gone) file of the same executor are unreadable too.
    for (auto& mm : maps)
      if (mm && mm->exec_id == lost_exec && (e.fetch_path.empty() || mm->path == e.fetch_path)) mm.reset();
    maps[static_cast<size_t>(e.fetch_map)].reset();
  }
  // Only this attempt fails: the job's other running stages go on (those reading the lost
  // output fail on their own fetch).
  end_stage(job, la.stage_id, StageState::kFailed, "fetch failed");
  // Spark's spark.stage.maxConsecutiveAttempts: counted per stage, reset when it completes.
  if (++stages_[la.stage_id].failures >= cfg_.max_stage_attempts) {
    return fail_job(job, "Job aborted due to stage failure: " + std::string(is_map ? "ShuffleMapStage " : "ResultStage ") +
                             std::to_string(la.stage_id) + " has failed the maximum allowable number of times: " +
                             std::to_string(cfg_.max_stage_attempts) + ". Most recent failure reason: " + e.error);
  }
  LOG_WARN(kLog, "fetch failure in stage " << la.stage_id << " (" << e.error << "); resubmitting");
  advance_job(job);
}

// ------------------------------------------------------------------ executors and timers

void DagScheduler::executor_added(const ExecutorAdded& e) {
  execs_[e.exec_id] = ExecInfo{e.host, e.data_port};
  tasks_.add_executor(e.exec_id, e.cores, e.host);
}

void DagScheduler::executor_lost(const ExecutorLost& e) {
  if (!execs_.erase(e.exec_id)) return;
  // Spark's ExecutorLostFailure text.
  const std::string why = "ExecutorLostFailure (executor " + e.exec_id + " exited " +
                          (e.caused_by_app ? "caused by one of the running tasks" : "unrelated to the running tasks") +
                          ") Reason: " + e.reason;
  for (const auto& lost : tasks_.remove_executor(e.exec_id, e.caused_by_app, why)) {
    end_task(lost.task_id, TaskState::kLost, why);
    TaskEndEvent ev;
    ev.task_id = lost.task_id;
    ev.state = "FAILED";
    ev.error = why;
    ev.time = clock_.wall_ms();
    out_.push_back(std::move(ev));
    if (lost.end.outcome != TaskEnd::kAborted) continue;
    LOG_ERROR(kLog, "Task " << lost.end.index << " in stage " << lost.end.stage_id << " failed; aborting job " << lost.end.job_id);
    auto jt = jobs_.find(lost.end.job_id);
    if (jt != jobs_.end()) fail_job(jt->second, "Job aborted due to stage failure: " + lost.end.abort_reason);
  }
  // Its shuffle files are gone with it: jobs whose current stage reads them re-plan (their
  // missing map outputs are recomputed from lineage first).
  std::set<int> touched = remove_outputs_on(outputs_, e.exec_id);
  if (touched.empty()) return;
  std::vector<int> ids;
  for (auto& [jid, job] : jobs_) ids.push_back(jid);
  for (int jid : ids) {
    auto it = jobs_.find(jid);
    if (it == jobs_.end()) continue;
    Job& job = it->second;
    std::vector<int> lost;
    for (const auto& [id, run] : job.runs) {
      bool reads_lost = false;
      for (int s : src_.shuffle_deps(run.node)) reads_lost |= touched.count(s) > 0;
      if (reads_lost) lost.push_back(id);
    }
    if (lost.empty()) continue;
    LOG_WARN(kLog, "job " << jid << ": map outputs lost with executor " << e.exec_id << "; resubmitting missing stages");
    for (int id : lost) end_stage(job, id, StageState::kFailed, "map outputs lost");
    advance_job(job);
  }
}

void DagScheduler::timer_fired(TimerKind k) {
  armed_[static_cast<int>(k)] = false;
  if (k == TimerKind::kRevive) return;  // schedule() after every event offers the cores
  int64_t now = clock_.now_ms();
  for (const Launch& l : tasks_.check_speculation(now)) {
    const TaskAttempt* a = tasks_.attempt(l.task_id);
    LOG_INFO(kLog, "Marking task " << l.index << " in stage " << l.stage_id << "." << l.stage_attempt << " (TID " << l.task_id
                                   << ", executor " << l.exec_id << ") as speculatable: running for "
                                   << (a ? now - a->launch_ms : 0) << " ms");
  }
}

}  // namespace spp::scheduler
