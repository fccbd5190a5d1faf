// The DAG scheduler, sans I/O: events in (job submitted, task ended, executor added/lost,
// timer fired, job cancelled), effects out (launch, kill, job done or failed, listener events,
// arm a timer). It cuts a job into stages at shuffle dependencies (through a StageSource),
// submits every missing stage whose inputs exist at once (as Spark's submitMissingParents: a
// join's two map stages run side by side), tracks map outputs, resubmits after fetch failures
// and lost executors, and places tasks through the TaskScheduler. The driver shell performs
// the effects; tests drive it with a ManualClock. See src/scheduler/README.md.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "common/messages.h"
#include "scheduler/listener_events.h"
#include "scheduler/map_output_tracker.h"
#include "scheduler/stage_source.h"
#include "scheduler/task_scheduler.h"

namespace spp::scheduler {

// ------------------------------------------------------------------ states

// A job: RUNNING -> SUCCEEDED | FAILED. Forgotten once it ends.
enum class JobState {
  kRunning,    // stages being computed
  kSucceeded,  // every result partition accepted
  kFailed,     // aborted (task/stage failures, cancelled, result too large, unbuildable task)
};
// One attempt of a stage: RUNNING -> COMPLETE | FAILED.
enum class StageState {
  kRunning,   // its task set is queued or running
  kComplete,  // every task succeeded
  kFailed,    // fetch failure, cancelled, lost inputs (resubmitted as the next attempt) or aborted
};
// One task attempt: RUNNING -> FINISHED | FAILED | KILLED | LOST.
enum class TaskState {
  kRunning,   // launched on an executor core
  kFinished,  // its output was accepted
  kFailed,    // user code, worker crash, fetch failure
  kKilled,    // killed by us, or finished too late (another copy won, its stage ended)
  kLost,      // its executor was lost
};
const char* to_string(JobState s);
const char* to_string(StageState s);
const char* to_string(TaskState s);

struct SchedulerConfig {
  int max_task_failures = 1;      // spark.task.maxFailures (local[N,F]: F)
  int min_lost_task_failures = 0;  // executor losses a task survives at least (local mode)
  int max_stage_attempts = 4;     // spark.stage.maxConsecutiveAttempts
  int64_t locality_wait_ms = 3000;  // spark.locality.wait
  int64_t revive_interval_ms = 100;  // re-offer cores while tasks wait for locality
  SpeculationConf speculation;       // spark.speculation*
  QueueConf queue;                   // spark.sparkpp.scheduler.queuedTasksPerCore, ...queueTaskMaxTime
  int64_t speculation_interval_ms = 100;  // spark.speculation.interval
  int64_t max_result_bytes = 0;      // spark.driver.maxResultSize (0: unlimited)
  int task_cpus = 1;                 // spark.task.cpus (the default resource profile)
  // spark.task.resource.X.amount and spark.executor.resource.X.amount: how many tasks of a
  // profile an executor runs at once (executors all have the application's resources).
  std::map<std::string, double> task_resources, executor_resources;
  size_t retained_stories = 1000;    // ended task stories kept for debugging
};

// ------------------------------------------------------------------ events (shell -> core)

// An action: compute `partitions` of `node` (the result stage), after any missing shuffles.
// `job_id` is chosen by the shell (unique per scheduler).
struct JobSubmitted {
  int job_id = 0;
  int node = 0;
  std::vector<int> partitions;
  // Instead of `partitions`: every partition of `node`, counted when its stage is first
  // submitted — after the shuffles it reads exist, so adaptive execution may have coalesced
  // them (JobPartitionsKnown tells the shell how many).
  bool all_partitions = false;
  std::string description;  // names the result stage in the UI when set
  // For the job's JobStartEvent, which the scheduler posts with the job's stages.
  nlohmann::json lineage;
  int64_t sql_exec = -1;
};
// An executor reported the end of a task (StatusUpdate), or the shell gave up sending it.
struct TaskEnded {
  int64_t task_id = 0;
  TaskState state = TaskState::kFinished;  // FINISHED | FAILED | KILLED
  std::string error;
  msg::TaskMetrics metrics;
  int64_t result_bytes = 0;  // result tasks: serialized result size (spark.driver.maxResultSize)
  // Map tasks that finished: where the output went.
  std::string map_path;
  std::vector<int64_t> map_offsets;
  // A reduce task could not fetch map output `fetch_map` of `fetch_shuffle` (file `fetch_path`).
  bool fetch_failed = false;
  int fetch_shuffle = -1;
  int fetch_map = -1;
  std::string fetch_path;
};
struct ExecutorAdded {
  std::string exec_id;
  std::string host;
  int cores = 0;
  int data_port = 0;  // its shuffle block server
};
// Its running tasks end LOST (re-run without counting a failure); its map outputs are gone.
struct ExecutorLost {
  std::string exec_id;
  std::string reason;
  // Its process exited, crashed or stopped answering (Spark's exitCausedByApp): the loss counts
  // toward spark.task.maxFailures of the tasks that ran there. False when its worker or host
  // went away or the application removed it.
  bool caused_by_app = true;
};
enum class TimerKind {
  kRevive,       // tasks wait for an executor holding their data: offer cores again
  kSpeculation,  // look for slow tasks (spark.speculation.interval)
};
struct TimerFired {
  TimerKind kind = TimerKind::kRevive;
};
// Cancel a running job (user request, or a failure the shell found, e.g. a destroyed
// broadcast): running tasks are killed, the job fails with `reason`.
struct CancelJob {
  int job_id = 0;
  std::string reason;
  std::string stage_reason = "job cancelled";  // why its current stage attempt failed
};
using Event = std::variant<JobSubmitted, TaskEnded, ExecutorAdded, ExecutorLost, TimerFired, CancelJob>;

// ------------------------------------------------------------------ effects (core -> shell)

struct LaunchTask {
  Launch launch;   // task id, executor, job, stage attempt, index, attempt, speculative
  int node = 0;
  int partition = 0;
  bool is_map = false;
  int shuffle_id = -1;  // map tasks: the shuffle they write, with num_reduce partitions
  int num_reduce = 0;
  std::shared_ptr<const TaskBody> body;  // from StageSource::build_task
  // Its stage's resource profile when not the default (rdd.withResources): the task's
  // TaskContext.cpus()/resources() follow it.
  std::shared_ptr<const StageProfile> profile;
};
struct KillTask {
  int64_t task_id = 0;
  std::string exec_id;
  std::string reason;
};
// The output of a finished task is kept: its accumulator updates, and for result tasks its
// rows at `position` (index into the job's partitions). -1: a map task.
struct TaskAccepted {
  int64_t task_id = 0;
  int job_id = 0;
  int position = -1;
};
struct JobSucceeded {
  int job_id = 0;
};
// An all_partitions job's result partitions are now known: 0..count-1 (positions = partitions).
struct JobPartitionsKnown {
  int job_id = 0;
  int count = 0;
};
struct JobFailed {
  int job_id = 0;
  std::string reason;
};
// One-shot timer: post TimerFired{kind} after `delay_ms`. Never re-armed while armed.
struct ArmTimer {
  TimerKind kind = TimerKind::kRevive;
  int64_t delay_ms = 0;
};
// Listener events (scheduler/listener_events.h) are effects too: the stage and task ones.
using Effect = std::variant<LaunchTask, KillTask, TaskAccepted, JobSucceeded, JobFailed, JobPartitionsKnown, ArmTimer,
                            JobStartEvent, StageSubmittedEvent, StageCompletedEvent, TaskStartEvent, TaskEndEvent>;

// A task attempt's history: each transition with its reason and time (monotonic ms).
struct TaskStory {
  struct Step {
    int64_t time_ms = 0;
    TaskState to = TaskState::kRunning;
    std::string why;
  };
  int64_t task_id = 0;
  int job_id = 0, stage_id = 0, stage_attempt = 0, index = 0, attempt = 0;
  std::string exec_id;
  TaskState state = TaskState::kRunning;
  std::vector<Step> steps;
};

// ------------------------------------------------------------------ the core

class DagScheduler {
 public:
  // `source` and `clock` are borrowed for the scheduler's lifetime.
  DagScheduler(const StageSource& source, const Clock& clock, SchedulerConfig cfg);

  std::vector<Effect> handle(const Event& ev);

  // Read-only views (progress bar, UI, tests).
  const MapOutputTracker& map_outputs() const { return outputs_; }
  const TaskScheduler& tasks() const { return tasks_; }
  bool has_job(int job_id) const { return jobs_.count(job_id) > 0; }
  size_t active_jobs() const { return jobs_.size(); }
  // The job's running stage attempts, by stage id: (stage id, tasks done, running, total,
  // started ms); empty between stages or for an unknown job.
  struct StageProgress {
    int stage_id = 0, done = 0, running = 0, total = 0;
    int64_t start_ms = 0;
  };
  std::vector<StageProgress> progress(int job_id) const;
  int first_job() const { return jobs_.empty() ? -1 : jobs_.begin()->first; }
  // A task's story: running tasks and the last `retained_stories` ended ones. Null if unknown.
  const TaskStory* story(int64_t task_id) const;
  int total_cores() const { return tasks_.total_cores(); }
  int task_cpus() const { return cfg_.task_cpus; }
  // ContextCleaner: the shuffle's RDD is gone from the program; its map outputs and map stage
  // are forgotten (the shell deletes the files). No running job can read it.
  void forget_shuffle(int shuffle_id);

 private:
  struct Stage {  // stable across jobs and attempts, as Spark's stage ids
    int id = 0;
    int next_attempt = 0;   // attempts submitted so far
    int failures = 0;       // consecutive failed attempts (fetch failures); reset on success
  };
  struct StageRun {  // an attempt a job is running now
    int stage_id = 0, attempt = 0;
    bool is_map = false;
    int shuffle_id = -1;
    int node = 0;                 // the node whose partitions the tasks compute
    std::vector<int> partitions;  // task index -> partition
    std::shared_ptr<const StageProfile> profile;  // null: the default profile
    int done = 0;
    int64_t start_ms = 0;
    StageState state = StageState::kRunning;
  };
  struct Job {
    int id = 0;
    int node = 0;
    std::string description;
    std::vector<int> partitions;
    bool partitions_pending = false;  // all_partitions: counted when the result stage starts
    std::map<int, size_t> position;  // result partition -> index in `partitions`
    std::vector<bool> have;          // result accepted per position
    int result_stage_id = -1;        // assigned when the result stage is first submitted
    int64_t result_bytes = 0;
    int done = 0;
    std::map<int, StageRun> runs;    // the running stage attempts, by stage id
    bool holding = false;            // an input waits for its siblings (asked again as maps end)
    JobState state = JobState::kRunning;
  };
  struct ExecInfo {
    std::string host;
    int data_port = 0;
  };

  void submit_job(const JobSubmitted& e);
  void task_ended(const TaskEnded& e);
  void map_task_done(Job& job, StageRun& run, const Launch& la, const TaskEnded& e, const TaskEnd& end);
  void result_task_done(Job& job, StageRun& run, const Launch& la, const TaskEnded& e, const TaskEnd& end);
  void fetch_failed(const Launch& la, const TaskEnded& e);
  void executor_added(const ExecutorAdded& e);
  void executor_lost(const ExecutorLost& e);
  void timer_fired(TimerKind k);
  void cancel_job(const CancelJob& c);

  // Stages.
  int missing_shuffle(int node) const;
  bool shuffle_complete(int shuffle_id) const;
  // Every shuffle `node`'s stage reads has all its map outputs.
  bool inputs_complete(int node) const;
  // The job's running attempt that launched `la`; null when it ended (or was resubmitted).
  StageRun* run_of(Job& job, const Launch& la);
  bool running_shuffle(const Job& job, int shuffle_id) const;
  // The missing shuffles under `node` whose map stages can start now (their own inputs exist,
  // not running in this job): appended to `ready`; `held` set when the source held one back
  // (StageSource::last_dep_waits). False when every input of `node` exists.
  bool ready_shuffles(const Job& job, int node, std::set<int>& seen, std::vector<int>& ready, bool& held) const;
  // Every stage of the job, parents first, with ids given now (Spark builds a job's whole stage
  // graph at submission): a shuffle's map stage keeps its id across jobs.
  std::vector<JobStageInfo> job_stages(Job& job);
  // Submits every stage of the job that can start now; the result stage once all inputs exist.
  void advance_job(Job& job);
  // Submits the map stage of shuffle `s`, or the result stage (s < 0). kJobEnded: the job
  // finished (nothing left to compute) or failed, and `job` is gone.
  enum class Submitted { kStarted, kNothing, kJobEnded };
  Submitted submit_stage(Job& job, int s);
  TaskScheduler::Demand task_demand(const StageProfile& p) const;
  // Ends one running attempt (its tasks killed when FAILED) and forgets it.
  void end_stage(Job& job, int stage_id, StageState to, const std::string& why);
  void finish_job(Job& job);
  void fail_job(Job& job, const std::string& reason);
  // Places pending tasks on free cores and emits launches (the only place tasks start).
  void schedule();
  void kill(const std::vector<Launch>& launches, const std::string& reason);
  void arm(TimerKind k, int64_t delay_ms);

  // Transitions: each checks legality and logs `id: FROM -> TO (why)`.
  void set_state(Job& j, JobState to, const std::string& why);
  void set_state(StageRun& s, StageState to, const std::string& why);
  void set_state(TaskStory& t, TaskState to, const std::string& why);
  // Ends a running task's story (it moves to the retained ring).
  void end_task(int64_t task_id, TaskState to, const std::string& why);

  const StageSource& src_;
  const Clock& clock_;
  SchedulerConfig cfg_;
  TaskScheduler tasks_;
  MapOutputTracker outputs_;
  std::map<std::string, ExecInfo> execs_;
  std::map<int, Job> jobs_;
  std::map<int, Stage> stages_;         // by stage id
  std::map<int, int> map_stage_ids_;    // shuffle id -> its map stage's id
  int next_stage_ = 0;
  bool armed_[2] = {false, false};      // by TimerKind
  std::unordered_map<int64_t, TaskStory> running_;  // stories of RUNNING attempts
  std::deque<TaskStory> ended_;                      // the most recent ended stories
  std::vector<Effect> out_;
};

}  // namespace spp::scheduler
