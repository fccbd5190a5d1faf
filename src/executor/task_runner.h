// Runs one task on a task thread: feeds its inputs to a Python worker, collects its output
// into the sink (results for the driver, or a text part file with task-side commit).
#pragma once
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/messages.h"
#include "common/task_plan.h"
#include "executor/block_manager.h"
#include "executor/python_pool.h"
#include "executor/shuffle_format.h"
#include "sql/exec/memory.h"

namespace spp::executor {
class MapOutputStore;

// Function pickles this executor has received, by id (shared by all task threads).
class FuncCache {
 public:
  void put(int64_t id, std::string blob);
  std::shared_ptr<std::string> get(int64_t id) const;
  void forget(int64_t id);  // ContextCleaner: the RDD owning the function was dropped
 private:
  mutable std::mutex mu_;
  std::map<int64_t, std::shared_ptr<std::string>> funcs_;
};

struct RunningTask {
  msg::LaunchTask spec;
  std::vector<std::shared_ptr<std::string>> input_blobs;
  std::atomic<bool> killed{false};
  std::atomic<int> worker_pid{0};
  // Cached blocks this task had to compute first: their accumulator updates, and the failure
  // of such a sub-computation (it fails the task).
  std::vector<std::string> sub_accums;
  std::optional<msg::StatusUpdate> sub_failure;
  // run_task_group stopped at it for a reason of its own (not pipelinable after all, killed, a
  // plan that does not decode): it runs alone, with run_task, when it is taken again.
  bool run_alone = false;
};

struct TaskOutcome {
  msg::StatusUpdate update;
  std::vector<std::string> blobs;
};

struct TaskEnv {
  PythonPool* pool;
  FuncCache* funcs;
  std::map<std::string, std::string> props;  // passed to Python workers with each task
  std::string scratch_dir;                   // shuffle files live here
  ShuffleSettings shuffle;                   // map-side writer and reduce-side reader settings
  BlockManager* blocks = nullptr;            // cached RDD partitions
  sql::exec::MemoryManager* sql_memory = nullptr;  // SQL operators' execution memory (shared)
  // Reports cached-block changes to the driver (called on a task thread).
  std::function<void(msg::BlocksUpdated&&, std::vector<std::string>&&)> on_blocks;
  MapOutputStore* map_outputs = nullptr;  // SQL map outputs kept in memory (local mode), or none
};

TaskOutcome run_task(RunningTask& t, const TaskEnv& env);

// Whether a task may run in a group (run_task_group): a Python plan (apply / input / concat /
// zip) over the task's own input blobs (parallelize data), whose sink is the driver's result or
// a shuffle map output. Looks at the LaunchTask's JSON only.
bool pipelinable(const msg::LaunchTask& spec);

// Runs pipelinable tasks back to back on one Python worker (spark.sparkpp.executor.taskGroupSize):
// every task's PwTask and pushed input leave in one write, so the worker goes from one task to
// the next without waiting for this thread (one sleep and one wake-up on each side per group
// instead of per task). All members but the last must send the worker their whole input with
// the task; the members' messages after the first's are bounded (kGroupWireBytes) so the write
// never waits for the worker. Returns the outcomes of the first k tasks, in order; the others did
// not run (the worker died or was killed during task k-1, or a task could not join: then its
// run_alone is set) and the caller queues them again. Each task's run_ms counts from when its
// predecessor ended.
std::vector<TaskOutcome> run_task_group(const std::vector<RunningTask*>& tasks, const TaskEnv& env);

// How many more queued tasks a task thread takes with the one it starts, for one group: at
// most group_size - 1, and no more than its share of the `queued` tasks (queued / threads), so
// that the executor's other task threads still find work.
inline size_t group_extra(size_t queued, int threads, int group_size) {
  if (group_size <= 1) return 0;
  const size_t share = queued / static_cast<size_t>(threads < 1 ? 1 : threads);
  return share < static_cast<size_t>(group_size - 1) ? share : static_cast<size_t>(group_size - 1);
}
// A persisted partition (an RDD's, or a cached DataFrame's): from the block manager, else computed
// now with `src.compute` and stored. Nothing when computing failed (t.sub_failure says why).
std::optional<Batches> cached_block(const plan::BlockSource& src, RunningTask& t, const TaskEnv& env);
// A ComputeSource's partition: its sub-task run now (a Python lineage writing SPB1 batches, or a
// SQL stage's result), its result blobs returned, nothing stored. Nothing when it failed
// (t.sub_failure says why).
std::optional<Batches> computed_input(const plan::ComputeSource& src, RunningTask& t, const TaskEnv& env);

// The PwTask of task `t` (ids and task-local props; the caller sets plan, sink, new_funcs).
msg::PwTask pw_task(const RunningTask& t, const TaskEnv& env);

}  // namespace spp::executor
