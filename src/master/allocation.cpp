// Spark's scheduleExecutorsOnWorkers + allocateWorkerResourceToExecutors, as a pure function.
#include "master/allocation.h"

#include <algorithm>

namespace spp::master {
namespace {

// Cores per worker (index into `usable`) granted to one app, following Spark's loop: the only
// difference between spread-out and consolidate is whether we stay on a worker after one unit.
std::vector<int> assign_cores(const std::vector<WorkerOffer*>& usable, const AppDemand& app,
                              bool spread_out) {
  const int min_cores = app.cores_per_executor.value_or(1);
  const bool one_per_worker = !app.cores_per_executor.has_value();
  const int64_t mem = app.memory_per_executor_mb;
  const size_t n = usable.size();
  std::vector<int> cores(n, 0), execs(n, 0);
  int64_t total_free = 0;
  for (auto* w : usable) total_free += w->cores_free;
  int64_t to_assign = std::min<int64_t>(app.cores_left, total_free);

  auto can_launch = [&](size_t i) {
    if (to_assign < min_cores) return false;
    if (usable[i]->cores_free - cores[i] < min_cores) return false;
    bool new_executor = !one_per_worker || execs[i] == 0;
    // Growing an existing executor (one-per-worker mode) needs no extra memory.
    if (new_executor) return usable[i]->memory_free_mb - execs[i] * mem >= mem;
    return true;
  };

  std::vector<size_t> free_workers;
  for (size_t i = 0; i < n; ++i)
    if (can_launch(i)) free_workers.push_back(i);
  while (!free_workers.empty()) {
    for (size_t i : free_workers) {
      bool keep = true;
      while (keep && can_launch(i)) {
        to_assign -= min_cores;
        cores[i] += min_cores;
        execs[i] = one_per_worker ? 1 : execs[i] + 1;
        if (spread_out) keep = false;
      }
    }
    std::erase_if(free_workers, [&](size_t i) { return !can_launch(i); });
  }
  return cores;
}

}  // namespace

std::vector<ExecutorLaunch> plan_allocation(std::vector<WorkerOffer> workers,
                                            const std::vector<AppDemand>& apps, bool spread_out) {
  std::vector<ExecutorLaunch> plan;
  for (const auto& app : apps) {
    const int min_cores = app.cores_per_executor.value_or(1);
    if (app.cores_left < min_cores || app.memory_per_executor_mb <= 0 || min_cores <= 0) continue;
    std::vector<WorkerOffer*> usable;
    for (auto& w : workers)
      if (w.memory_free_mb >= app.memory_per_executor_mb && w.cores_free >= min_cores) usable.push_back(&w);
    // Most free cores first (Spark's default CORES_FREE_DESC); ties by id keep plans deterministic.
    std::stable_sort(usable.begin(), usable.end(), [](const WorkerOffer* a, const WorkerOffer* b) {
      if (a->cores_free != b->cores_free) return a->cores_free > b->cores_free;
      return a->worker_id < b->worker_id;
    });
    std::vector<int> cores = assign_cores(usable, app, spread_out);
    for (size_t i = 0; i < usable.size(); ++i) {
      if (cores[i] == 0) continue;
      int n_exec = app.cores_per_executor ? cores[i] / *app.cores_per_executor : 1;
      int per_exec = app.cores_per_executor.value_or(cores[i]);
      for (int e = 0; e < n_exec; ++e) {
        plan.push_back({app.app_id, usable[i]->worker_id, per_exec, app.memory_per_executor_mb});
        usable[i]->cores_free -= per_exec;
        usable[i]->memory_free_mb -= app.memory_per_executor_mb;
      }
    }
  }
  return plan;
}

}  // namespace spp::master
