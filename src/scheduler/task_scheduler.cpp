// TaskScheduler: FIFO placement of task attempts on executor cores, retries, aborts.
#include "scheduler/task_scheduler.h"

#include <algorithm>
#include <cmath>

namespace spp::scheduler {

void TaskScheduler::add_executor(const std::string& id, int cores, const std::string& host) {
  auto& e = execs_[id];
  e.host = host.empty() ? "executor " + id : host;
  e.cores = cores;
  e.free = cores;
  for (int64_t tid : e.running) e.free -= attempts_.at(tid).launch.cpus;
}

bool TaskScheduler::fits(const Executor& e, const TaskSet& s, int queue) const {
  if (e.free + queue < s.cpus && !(s.cpus > e.cores && e.running.empty())) return false;
  if (s.max_per_executor <= 0) return true;
  int mine = 0;
  for (int64_t tid : e.running) {
    const Launch& l = attempts_.at(tid).launch;
    mine += l.job_id == s.job_id && l.stage_id == s.stage_id && l.stage_attempt == s.stage_attempt;
  }
  return mine < s.max_per_executor;
}

int TaskScheduler::queue_allowance(const Executor& e, const TaskSet& s) const {
  if (queue_.per_core <= 0 || s.cpus != 1 || s.max_per_executor > 0 || s.short_done < 2) return 0;
  if (s.short_done * 10 < s.num_done * 9) return 0;  // fewer than 90 % of its tasks were short
  return queue_.per_core * e.cores;
}

int TaskScheduler::total_cores() const {
  int n = 0;
  for (const auto& [id, e] : execs_) n += e.cores;
  return n;
}

TaskScheduler::TaskSet* TaskScheduler::find_set(int job_id, int stage_id, int stage_attempt) {
  for (auto& s : sets_)
    if (s.job_id == job_id && s.stage_id == stage_id && s.stage_attempt == stage_attempt) return &s;
  return nullptr;
}

std::vector<TaskScheduler::LostTask> TaskScheduler::remove_executor(const std::string& id, bool caused_by_app,
                                                                     const std::string& error) {
  std::vector<LostTask> out;
  auto it = execs_.find(id);
  if (it == execs_.end()) return out;
  const std::set<int64_t> running = std::move(it->second.running);
  execs_.erase(it);  // first: aborting a job below kills its attempts on the other executors only
  const int limit = std::max(max_failures_, min_lost_failures_);
  for (int64_t tid : running) {
    const Launch l = attempts_.at(tid).launch;
    attempts_.erase(tid);
    LostTask lt;
    lt.task_id = tid;
    TaskSet* s = find_set(l.job_id, l.stage_id, l.stage_attempt);
    if (s && !s->aborted && !s->done[l.index]) lt.end = charge(*s, l, tid, caused_by_app, limit, error);
    out.push_back(std::move(lt));
  }
  return out;
}

void TaskScheduler::requeue(TaskSet& s, int index) {
  if (std::find(s.pending.begin(), s.pending.end(), index) == s.pending.end()) {
    s.pending.push_front(index);
    ++s.requeued;
  }
}

std::vector<const TaskAttempt*> TaskScheduler::running_copies(const TaskSet& s, int index) const {
  std::vector<const TaskAttempt*> out;
  for (const auto& [eid, e] : execs_)
    for (int64_t tid : e.running) {
      const TaskAttempt& a = attempts_.at(tid);
      if (a.launch.index == index && a.launch.job_id == s.job_id && a.launch.stage_id == s.stage_id &&
          a.launch.stage_attempt == s.stage_attempt)
        out.push_back(&a);
    }
  return out;
}

std::vector<Launch> TaskScheduler::check_speculation(int64_t now_ms) {
  std::vector<Launch> out;
  if (!spec_.enabled) return out;
  for (auto& s : sets_) {
    if (s.aborted || s.num_done >= s.num_tasks || s.durations.empty()) continue;
    int min_finished = std::max(1, static_cast<int>(std::floor(spec_.quantile * s.num_tasks)));
    if (s.num_done < min_finished) continue;
    std::vector<int64_t> d = s.durations;
    std::sort(d.begin(), d.end());
    size_t mid = d.size() / 2;  // Spark's MedianHeap: the mean of the middle two for an even count
    double median = d.size() % 2 ? static_cast<double>(d[mid]) : (static_cast<double>(d[mid - 1]) + static_cast<double>(d[mid])) / 2;
    double threshold = std::max(spec_.multiplier * median, static_cast<double>(spec_.min_runtime_ms));
    for (const auto& [eid, e] : execs_)
      for (int64_t tid : e.running) {
        const TaskAttempt& a = attempts_.at(tid);
        int index = a.launch.index;
        if (a.launch.job_id != s.job_id || a.launch.stage_id != s.stage_id || a.launch.stage_attempt != s.stage_attempt)
          continue;
        if (s.done[static_cast<size_t>(index)] || s.speculatable.count(index)) continue;
        if (static_cast<double>(now_ms - a.launch_ms) <= threshold) continue;
        // One speculative copy per index, and none while the index is queued anyway.
        if (running_copies(s, index).size() != 1) continue;
        if (std::find(s.pending.begin(), s.pending.end(), index) != s.pending.end()) continue;
        s.speculatable.insert(index);
        out.push_back(a.launch);
      }
  }
  return out;
}

int TaskScheduler::pick_speculative(TaskSet& s, const std::string& exec) {
  for (auto it = s.speculatable.begin(); it != s.speculatable.end();) {
    int index = *it;
    if (s.done[static_cast<size_t>(index)]) {
      it = s.speculatable.erase(it);
      continue;
    }
    const auto& tried = s.hosts[static_cast<size_t>(index)];
    if (std::find(tried.begin(), tried.end(), execs_.at(exec).host) == tried.end()) {
      s.speculatable.erase(it);
      return index;
    }
    ++it;
  }
  return -1;
}

void TaskScheduler::submit(int job_id, int stage_id, int stage_attempt, int num_tasks,
                           std::vector<std::vector<std::string>> preferred, int64_t now_ms, Demand demand) {
  TaskSet s;
  s.cpus = demand.cpus > 0 ? demand.cpus : default_cpus_;
  s.max_per_executor = demand.max_per_executor;
  s.job_id = job_id;
  s.stage_id = stage_id;
  s.stage_attempt = stage_attempt;
  s.num_tasks = num_tasks;
  s.preferred = std::move(preferred);
  s.submitted_ms = now_ms;
  s.hosts.resize(static_cast<size_t>(num_tasks));
  for (int i = 0; i < num_tasks; ++i) s.pending.push_back(i);
  s.failures.assign(num_tasks, 0);
  s.attempts.assign(num_tasks, 0);
  s.done.assign(num_tasks, false);
  sets_.push_back(std::move(s));
}

std::vector<Launch> TaskScheduler::cancel_job(int job_id) {
  std::vector<Launch> kill;
  for (auto& s : sets_) {
    if (s.job_id != job_id) continue;
    s.aborted = true;
    s.pending.clear();
  }
  for (auto& [tid, a] : attempts_)
    if (a.launch.job_id == job_id) kill.push_back(a.launch);
  sets_.erase(std::remove_if(sets_.begin(), sets_.end(), [&](const TaskSet& s) { return s.job_id == job_id; }),
              sets_.end());
  return kill;
}

std::vector<Launch> TaskScheduler::cancel_stage(int job_id, int stage_id, int stage_attempt) {
  std::vector<Launch> kill;
  for (auto& [tid, a] : attempts_)
    if (a.launch.job_id == job_id && a.launch.stage_id == stage_id && a.launch.stage_attempt == stage_attempt) kill.push_back(a.launch);
  sets_.erase(std::remove_if(sets_.begin(), sets_.end(),
                             [&](const TaskSet& s) { return s.job_id == job_id && s.stage_id == stage_id && s.stage_attempt == stage_attempt; }),
              sets_.end());
  return kill;
}

std::vector<Launch> TaskScheduler::assign(int64_t now_ms) {
  std::vector<Launch> out;
  // Round-robin over executors so a wide stage spreads out instead of filling one executor.
  // Free cores first, everywhere; then executor queues (short tasks only), so no task waits in
  // a queue while a core is free.
  for (bool queue_phase : {false, true}) {
    if (queue_phase && queue_.per_core <= 0) break;
    bool progress = true;
    while (progress) {
      progress = false;
      for (auto& [eid, e] : execs_) {
        if (e.free <= (queue_phase ? -queue_.per_core * e.cores : 0)) continue;
        TaskSet* set = nullptr;
        int index = -1;
        bool speculative = false;
        for (auto& ts : sets_) {
          if (ts.aborted || ts.pending.empty()) continue;
          const int queue = queue_phase ? queue_allowance(e, ts) : 0;
          if (queue_phase && queue == 0) continue;
          if (!fits(e, ts, queue)) continue;
          index = pick(ts, eid, now_ms);
          if (index >= 0) { set = &ts; break; }
        }
        // Cores left after every pending task: copies of slow tasks (never on the same
        // executor; never queued).
        for (auto it = sets_.begin(); !set && !queue_phase && spec_.enabled && it != sets_.end(); ++it) {
          if (it->aborted || it->speculatable.empty() || !fits(e, *it)) continue;
          index = pick_speculative(*it, eid);
          if (index >= 0) {
            set = &*it;
            speculative = true;
          }
        }
        if (!set) continue;
        Launch l;
        l.task_id = next_task_id_++;
        l.exec_id = eid;
        l.job_id = set->job_id;
        l.stage_id = set->stage_id;
        l.stage_attempt = set->stage_attempt;
        l.index = index;
        l.attempt = set->attempts[index]++;
        l.speculative = speculative;
        l.cpus = set->cpus;
        set->hosts[static_cast<size_t>(index)].push_back(e.host);
        TaskAttempt a;
        a.launch = l;
        a.launch_ms = now_ms;
        attempts_[l.task_id] = a;
        e.running.insert(l.task_id);
        e.free -= l.cpus;
        out.push_back(l);
        progress = true;
      }
    }
  }
  return out;
}

int TaskScheduler::pick(TaskSet& s, const std::string& exec, int64_t now_ms) const {
  if (s.pending.empty()) return -1;
  auto take = [&](std::deque<int>::iterator it) {
    int index = *it;
    s.pending.erase(it);
    return index;
  };
  // Queued again (its executor was lost, or it failed) while another copy still runs: it waits
  // for that copy to end instead of running twice (Spark's copiesRunning == 0 rule).
  auto runnable = [&](int index) { return running_copies(s, index).empty(); };
  auto prefs = [&](int index) -> const std::vector<std::string>& {
    static const std::vector<std::string> none;
    return s.preferred.empty() ? none : s.preferred[static_cast<size_t>(index)];
  };
  for (auto it = s.pending.begin(); !s.preferred.empty() && it != s.pending.end(); ++it) {
    const auto& p = prefs(*it);
    if (std::find(p.begin(), p.end(), exec) != p.end() && runnable(*it)) return take(it);
  }
  bool waited = now_ms - s.submitted_ms >= locality_wait_ms_;
  for (auto it = s.pending.begin(); it != s.pending.end(); ++it) {
    if (!runnable(*it)) continue;
    bool alive_pref = false;
    for (const auto& e : prefs(*it)) alive_pref |= execs_.count(e) > 0;
    if (!alive_pref || waited) return take(it);
  }
  return -1;  // every pending task waits (for a while) for an executor holding its data
}

bool TaskScheduler::has_waiting_local_tasks() const {
  for (const auto& s : sets_)
    if (!s.aborted && !s.pending.empty() && !s.preferred.empty()) return true;
  return false;
}

void TaskScheduler::end_attempt(int64_t task_id) {
  auto at = attempts_.find(task_id);
  if (at == attempts_.end()) return;
  auto it = execs_.find(at->second.launch.exec_id);
  if (it != execs_.end() && it->second.running.erase(task_id)) it->second.free += at->second.launch.cpus;
  attempts_.erase(at);
}

TaskEnd TaskScheduler::succeeded(int64_t task_id, int64_t now_ms) {
  TaskEnd r;
  auto it = attempts_.find(task_id);
  if (it == attempts_.end()) return r;
  const Launch l = it->second.launch;
  const int64_t launch_ms = it->second.launch_ms;
  end_attempt(task_id);
  TaskSet* s = find_set(l.job_id, l.stage_id, l.stage_attempt);
  if (!s || s->aborted || s->done[l.index]) return r;
  s->done[l.index] = true;
  ++s->num_done;
  s->durations.push_back(now_ms - launch_ms);
  if (now_ms - launch_ms <= queue_.max_task_ms) ++s->short_done;
  s->speculatable.erase(l.index);
  // Queued again after another copy failed or its executor was lost: no longer needed.
  if (s->requeued > 0) s->pending.erase(std::remove(s->pending.begin(), s->pending.end(), l.index), s->pending.end());
  for (const TaskAttempt* other : running_copies(*s, l.index)) r.kill.push_back(other->launch);
  r.outcome = TaskEnd::kSucceeded;
  r.job_id = s->job_id;
  r.stage_id = s->stage_id;
  r.index = l.index;
  r.set_complete = s->num_done == s->num_tasks;
  if (r.set_complete) {
    int job = s->job_id, stage = s->stage_id, sa = s->stage_attempt;
    sets_.erase(std::remove_if(sets_.begin(), sets_.end(),
                               [&](const TaskSet& t) { return t.job_id == job && t.stage_id == stage && t.stage_attempt == sa; }),
                sets_.end());
  }
  return r;
}

TaskEnd TaskScheduler::failed(int64_t task_id, FailureKind kind, const std::string& error, int64_t now_ms) {
  TaskEnd r;
  auto it = attempts_.find(task_id);
  if (it == attempts_.end()) return r;
  const Launch l = it->second.launch;
  end_attempt(task_id);
  TaskSet* s = find_set(l.job_id, l.stage_id, l.stage_attempt);
  if (!s || s->aborted || s->done[l.index] || kind == FailureKind::kKilled) return r;
  return charge(*s, l, task_id, kind == FailureKind::kUser, max_failures_, error);
}

TaskEnd TaskScheduler::charge(TaskSet& s, const Launch& l, int64_t task_id, bool counts, int limit,
                              const std::string& error) {
  TaskEnd r;
  r.job_id = s.job_id;
  r.stage_id = s.stage_id;
  r.index = l.index;
  int& n = s.failures[static_cast<size_t>(l.index)];
  if (counts) ++n;
  if (counts && n >= limit) {
    r.outcome = TaskEnd::kAborted;
    r.abort_reason = "Task " + std::to_string(l.index) + " in stage " + std::to_string(s.stage_id) + "." +
                     std::to_string(s.stage_attempt) + " failed " + std::to_string(n) + " time" + (n == 1 ? "" : "s") +
                     ", most recent failure: Lost task " + std::to_string(l.index) + "." + std::to_string(l.attempt) +
                     " in stage " + std::to_string(s.stage_id) + "." + std::to_string(s.stage_attempt) + " (TID " +
                     std::to_string(task_id) + ") (executor " + l.exec_id + "): " + error;
    r.kill = cancel_job(s.job_id);  // invalidates `s`
    return r;
  }
  requeue(s, l.index);
  r.outcome = TaskEnd::kWillRetry;
  return r;
}

const TaskAttempt* TaskScheduler::attempt(int64_t task_id) const {
  auto it = attempts_.find(task_id);
  return it == attempts_.end() ? nullptr : &it->second;
}

size_t TaskScheduler::pending_count() const {
  size_t n = 0;
  for (const auto& s : sets_) n += s.pending.size();
  return n;
}

size_t TaskScheduler::running_count() const {
  size_t n = 0;
  for (const auto& [id, e] : execs_) n += e.running.size();
  return n;
}

int TaskScheduler::running_in_job(int job_id) const {
  int n = 0;
  for (const auto& [id, e] : execs_)
    for (int64_t t : e.running)
      if (attempts_.at(t).launch.job_id == job_id) ++n;
  return n;
}

int TaskScheduler::running_in_stage(int job_id, int stage_id, int stage_attempt) const {
  int n = 0;
  for (const auto& [id, e] : execs_)
    for (int64_t t : e.running) {
      const Launch& l = attempts_.at(t).launch;
      n += l.job_id == job_id && l.stage_id == stage_id && l.stage_attempt == stage_attempt;
    }
  return n;
}

}  // namespace spp::scheduler
