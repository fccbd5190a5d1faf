// The task scheduler: pure logic, no I/O. It knows executors and their free cores, the task
// sets (one per stage attempt) waiting to run, and each task attempt's state. The driver feeds
// it events (executor added/lost, task ended) and performs the launches and kills it returns.
//
// Executors offer cores; a task holds its stage's task cpus (spark.task.cpus, or a stage-level
// TaskResourceProfile's) while it runs.
// Task attempt lifecycle:  PENDING (an index in its task set's queue) -> RUNNING (a TaskAttempt
//                          on an executor core) -> ended: succeeded | failed | killed | lost.
// Only RUNNING attempts are kept: an attempt is forgotten the moment it ends (the UI's status
// store keeps the history), so a long application does not accumulate them. A failed attempt
// whose index has attempts left puts the index back in the queue; executor loss re-queues it
// without counting a failure.
// Executor queues (spark.sparkpp.scheduler.queuedTasksPerCore): once a stage's finished tasks
// are short, an executor whose cores are all busy may hold a few more of its tasks, which it
// starts the moment a core frees, so the driver round trip between two tiny tasks is hidden.
// Such attempts are RUNNING here from their launch (as Spark's, they wait in no queue of ours).
// Speculation (spark.speculation): a RUNNING attempt much slower than its stage's finished
// tasks marks its index SPECULATABLE; a free core on another executor then runs a second copy.
// The first copy to succeed completes the index; the others are returned to be killed.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace spp::scheduler {

struct Launch {
  int64_t task_id = 0;
  std::string exec_id;
  int job_id = 0;
  int stage_id = 0;
  int stage_attempt = 0;
  int index = 0;    // position in the task set (the driver maps it to a partition)
  int attempt = 0;  // attempt number of this index, 0-based
  bool speculative = false;  // a copy launched because another attempt was slow
  int cpus = 1;              // executor cores it holds while it runs (its stage's task cpus)
};

struct TaskAttempt {  // a RUNNING attempt
  Launch launch;
  int64_t launch_ms = 0;
};

// Why a task ended, for accounting.
enum class FailureKind {
  kUser,          // user code raised, Python worker crashed, bad input: counts toward maxFailures
  kExecutorLost,  // not the task's fault (never launched, worker lost): re-run without counting
  kKilled,        // we killed it: no re-run
};

struct TaskEnd {
  enum Outcome {
    kIgnored,        // unknown or stale attempt (e.g. a second copy after success)
    kSucceeded,      // accepted; `set_complete` tells whether the whole task set is done
    kWillRetry,      // failed, another attempt is queued
    kAborted,        // failed too often: the task set is aborted; `kill` lists running siblings
  } outcome = kIgnored;
  int job_id = 0;
  int stage_id = 0;
  int index = 0;
  bool set_complete = false;
  std::string abort_reason;
  // kAborted: running siblings of the whole job; kSucceeded: other copies of this index
  // still running (speculation), which lost the race.
  std::vector<Launch> kill;
};

struct SpeculationConf {
  bool enabled = false;
  double multiplier = 3.0;      // slow = running > multiplier x median successful duration
  double quantile = 0.9;        // fraction of the task set finished before speculating
  int64_t min_runtime_ms = 100;  // never speculate a task younger than this
};

// Executor queues (see the top of this file). A task set queues when each of its tasks holds
// one core, it has no per-executor limit, and at least 2 of its tasks have finished, 90 % of
// them within `max_task_ms` (launch to end, queue time included: tasks of more than about half
// of it stop queueing themselves).
struct QueueConf {
  int per_core = 0;          // tasks an executor may hold beyond its cores, per core; 0: off
  int64_t max_task_ms = 20;  // a "short" task
};

// What each task of a task set holds on an executor (see TaskScheduler::submit).
struct TaskDemand {
  int cpus = 0;              // cores per task; 0: the default (set_default_cpus)
  int max_per_executor = 0;  // tasks of the set one executor runs at once; 0: no limit
};

class TaskScheduler {
 public:
  explicit TaskScheduler(int max_failures) : max_failures_(max_failures < 1 ? 1 : max_failures) {}

  // `host`: the machine it runs on (speculative copies avoid the hosts an index already ran
  // on); empty means a host of its own.
  void add_executor(const std::string& id, int cores, const std::string& host = "");
  // Marks the executor gone; its running attempts end and are queued again. `caused_by_app`:
  // the loss is charged to each of them as a failure (Spark's ExecutorLostFailure with
  // exitCausedByApp: the process exited, crashed or stopped answering; not when its worker or
  // host went away), so a task that crashes every executor it runs on aborts its job instead of
  // being retried forever. `error` is the failure's text.
  struct LostTask {
    int64_t task_id = 0;
    TaskEnd end;  // kWillRetry, kAborted (its job's task set aborted), or kIgnored
  };
  std::vector<LostTask> remove_executor(const std::string& id, bool caused_by_app = false,
                                        const std::string& error = "");
  // The least number of executor losses that aborts a task (local mode: Spark has no executor
  // process to lose there, so losses are allowed a few retries although maxFailures is 1).
  void set_min_lost_failures(int n) { min_lost_failures_ = n; }
  bool has_executor(const std::string& id) const { return execs_.count(id) > 0; }
  int total_cores() const;
  size_t num_executors() const { return execs_.size(); }

  // Queues `num_tasks` tasks (indices 0..n-1) of a stage attempt. FIFO across task sets.
  // `preferred[i]`, if given, lists executors holding task i's data (cached blocks): a free
  // core on one of them takes that task first. Each task holds `demand.cpus` of its executor's
  // cores (0: the default, set_default_cpus) and no executor runs more than
  // `demand.max_per_executor` of them at once (0: no limit; its custom resources' share).
  using Demand = TaskDemand;
  void submit(int job_id, int stage_id, int stage_attempt, int num_tasks,
              std::vector<std::vector<std::string>> preferred = {}, int64_t now_ms = 0, Demand demand = {});
  // spark.task.cpus: the cores a task of the default resource profile holds.
  void set_default_cpus(int cpus) { default_cpus_ = cpus < 1 ? 1 : cpus; }
  // Delay scheduling (spark.locality.wait): a task whose data lives on a busy executor waits
  // this long for it before running elsewhere. The driver re-runs assign() periodically.
  void set_locality_wait(int64_t ms) { locality_wait_ms_ = ms; }
  bool has_waiting_local_tasks() const;
  void set_speculation(const SpeculationConf& c) { spec_ = c; }
  const SpeculationConf& speculation() const { return spec_; }
  void set_queue(const QueueConf& q) { queue_ = q; }
  // Marks slow running tasks speculatable (Spark's checkSpeculatableTasks); the driver calls
  // it every spark.speculation.interval and re-runs assign() when it returns any. Returns the
  // slow attempts newly marked.
  std::vector<Launch> check_speculation(int64_t now_ms);
  // Cancels the task sets of `job_id`: pending tasks dropped, running ones returned to kill.
  std::vector<Launch> cancel_job(int job_id);
  // Cancels one stage attempt's task set (a job runs several at once).
  std::vector<Launch> cancel_stage(int job_id, int stage_id, int stage_attempt);

  // Places pending tasks on free cores. `now_ms` stamps launch times.
  std::vector<Launch> assign(int64_t now_ms);

  TaskEnd succeeded(int64_t task_id, int64_t now_ms);
  TaskEnd failed(int64_t task_id, FailureKind kind, const std::string& error, int64_t now_ms);

  // The RUNNING attempt `task_id`; null once it has ended (or if never launched).
  const TaskAttempt* attempt(int64_t task_id) const;
  size_t tracked_attempts() const { return attempts_.size(); }
  size_t pending_count() const;
  size_t running_count() const;
  int running_on(const std::string& exec_id) const {
    auto it = execs_.find(exec_id);
    return it == execs_.end() ? 0 : static_cast<int>(it->second.running.size());
  }
  // Running tasks per job, per stage attempt (for progress bars).
  int running_in_job(int job_id) const;
  int running_in_stage(int job_id, int stage_id, int stage_attempt) const;

 private:
  struct Executor {
    std::string host;
    int cores = 0;
    int free = 0;
    std::set<int64_t> running;
  };
  struct TaskSet {
    int job_id = 0, stage_id = 0, stage_attempt = 0;
    int num_tasks = 0;
    std::deque<int> pending;            // indices waiting to run
    // Indices put back into `pending` (requeue): only then can a succeeding index still be in
    // it (succeeded() otherwise skips its scan of the queue: 10,000 tasks made it quadratic).
    int requeued = 0;
    std::vector<int> failures;          // counted failures per index
    std::vector<int> attempts;          // attempts launched per index
    std::vector<bool> done;             // index succeeded
    std::set<int> speculatable;         // indices waiting for a speculative copy
    std::vector<int64_t> durations;     // of successful attempts (speculation's median)
    int short_done = 0;                 // successes within queue_.max_task_ms
    std::vector<std::vector<std::string>> hosts;  // per index: hosts its attempts ran on
    std::vector<std::vector<std::string>> preferred;  // per index; may be empty
    int64_t submitted_ms = 0;                          // when locality waits started
    int num_done = 0;
    bool aborted = false;
    int cpus = 1, max_per_executor = 0;
  };
  // Whether `e` can start one more task of `s` now (free cores; its per-executor limit). A task
  // needing more cores than the executor has runs alone on it (Spark would never run it).
  // `queue`: cores beyond its own the executor may promise (its queue; 0 for sets that do not
  // queue).
  bool fits(const Executor& e, const TaskSet& s, int queue = 0) const;
  // The tasks `e` may hold beyond its cores for task set `s` (0 unless `s` queues).
  int queue_allowance(const Executor& e, const TaskSet& s) const;
  TaskSet* find_set(int job_id, int stage_id, int stage_attempt);
  // Picks the pending index to run on `exec`: one preferring it, else one with no live
  // preferred executor having a free core, else the first. -1 when none is pending.
  int pick(TaskSet& s, const std::string& exec, int64_t now_ms) const;
  // A speculatable index of `s` that never ran on `exec`'s host; -1 when none.
  int pick_speculative(TaskSet& s, const std::string& exec);
  // Running attempts of index `index` of the task set.
  std::vector<const TaskAttempt*> running_copies(const TaskSet& s, int index) const;
  void requeue(TaskSet& s, int index);
  // Frees the attempt's core and forgets it.
  void end_attempt(int64_t task_id);
  // Charges a failed attempt `l` (TID `task_id`) of `s`: queued again, or the job aborted once
  // the index failed `limit` times.
  TaskEnd charge(TaskSet& s, const Launch& l, int64_t task_id, bool counts, int limit, const std::string& error);

  int max_failures_;
  int min_lost_failures_ = 0;
  int default_cpus_ = 1;
  int64_t locality_wait_ms_ = 3000;
  SpeculationConf spec_;
  QueueConf queue_;
  int64_t next_task_id_ = 0;
  std::map<std::string, Executor> execs_;
  std::deque<TaskSet> sets_;  // in submission order
  std::map<int64_t, TaskAttempt> attempts_;  // RUNNING attempts only
};

}  // namespace spp::scheduler
