// Executor placement: a pure function from a snapshot of free worker resources and the waiting
// applications' demands to a plan of executors to launch (Spark's schedule(), §1.4).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace spp::master {

// What one ALIVE worker has left to give.
struct WorkerOffer {
  std::string worker_id;
  int cores_free = 0;
  int64_t memory_free_mb = 0;
};

// What one waiting application still wants, in FIFO (registration) order.
struct AppDemand {
  std::string app_id;
  int cores_left = 0;                     // requested cores minus cores already granted
  std::optional<int> cores_per_executor;  // unset: one executor per worker takes all its cores
  int64_t memory_per_executor_mb = 1024;
};

// One executor to launch.
struct ExecutorLaunch {
  std::string app_id;
  std::string worker_id;
  int cores = 0;
  int64_t memory_mb = 0;
  bool operator==(const ExecutorLaunch&) const = default;
};

// Plans executors for `apps` (served first-come first-served) on `workers`. spread_out assigns
// one unit of cores per worker per pass (spread across the cluster); otherwise each worker is
// filled before the next (consolidate). Never over-commits a worker's cores or memory.
std::vector<ExecutorLaunch> plan_allocation(std::vector<WorkerOffer> workers,
                                            const std::vector<AppDemand>& apps, bool spread_out);

}  // namespace spp::master
