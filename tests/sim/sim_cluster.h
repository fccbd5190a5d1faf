// A whole standalone cluster in one process, for the simulation tier: the real MasterCore,
// WorkerCores and the driver's DagScheduler, wired over a fake network on one manual clock.
// Executors and the driver's I/O are small models; every decision is the real cores'.
//
// The network delivers each message after a seeded random delay, FIFO per connection (TCP)
// and reordered across connections; a test may drop or delay messages by type. Processes die
// as real ones do: their connections close (the peer learns after the network delay), their
// executors' shuffle files go with them. Everything is deterministic for a seed.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "master/master_core.h"
#include "scheduler/dag_scheduler.h"
#include "worker/worker_core.h"

namespace spp::sim {

// node 1 (`maps` partitions) --shuffle 10--> node 2 (`reduces` partitions): a job's two stages.
struct TwoStageSource final : scheduler::StageSource {
  int maps = 4, reduces = 3;
  int num_partitions(int node) const override { return node == 1 ? maps : node == 2 ? reduces : -1; }
  std::vector<int> shuffle_deps(int node) const override { return node == 2 ? std::vector<int>{10} : std::vector<int>{}; }
  scheduler::ShuffleDep shuffle(int) const override { return {1, reduces}; }
  std::vector<std::string> preferred_executors(int, int) const override { return {}; }
  Result<std::shared_ptr<const scheduler::TaskBody>> build_task(int node, int, const scheduler::MapOutputTracker& t) const override;
  std::string describe(int node) const override { return "node " + std::to_string(node); }
};

// What a reduce task reads: map partition -> the executor holding its output, when built.
struct SimRead {
  int map = 0;
  std::string exec, path;
};
struct SimBody final : scheduler::TaskBody {
  std::vector<SimRead> reads;
};

struct SimConfig {
  uint64_t seed = 1;
  int workers = 2;
  int worker_cores = 2;
  int64_t min_delay_ms = 1, max_delay_ms = 20;  // network
  int64_t min_task_ms = 5, max_task_ms = 40;    // a task's run time
  int64_t worker_timeout_ms = 4000;             // spark.worker.timeout
  bool persist = false;                         // masters keep recovery state (failover)
  // A cluster's spark.task.maxFailures (4): executor losses count toward it.
  scheduler::SchedulerConfig dag = [] {
    scheduler::SchedulerConfig c;
    c.max_task_failures = 4;
    return c;
  }();
};

class SimCluster {
 public:
  explicit SimCluster(SimConfig cfg);
  ~SimCluster();

  // ---- running
  // Runs until `done()` holds or `limit_ms` of simulated time passed; returns done().
  bool run_until(const std::function<bool()>& done, int64_t limit_ms);
  // Submits job `id` over every partition of node 2 once the driver is registered.
  void submit_job(int id);
  bool job_ended(int id) const { return succeeded_.count(id) || failed_.count(id); }

  // ---- faults
  void kill_worker_host(int w);   // the worker process and its executors die
  void kill_executor(const std::string& exec_id);  // one executor process dies (SIGKILL)
  void kill_master();             // the leader dies; its connections close
  void start_standby_master();    // a new master becomes leader from the persisted state
  // An executor's shuffle files vanish (a wiped disk); the process lives on.
  void lose_shuffle_files(const std::string& exec_id);
  void slow_executor(const std::string& exec_id, int factor) { slow_[exec_id] = factor; }
  // Messages whose type name (msg::Message alternative, or "task-end"/"launch") matches are dropped.
  std::function<bool(const std::string& type)> drop;

  // ---- observation
  const master::MasterCore* master() const { return master_.get(); }
  const worker::WorkerCore& worker(int w) const { return *workers_.at(static_cast<size_t>(w)).core; }
  const scheduler::DagScheduler& dag() const { return *dag_; }
  std::set<std::string> live_executors() const;
  std::set<std::string> live_executors_on(int w) const;
  const std::map<int, std::map<int, int>>& accepted() const { return accepted_; }  // job -> position -> times
  std::map<int, std::string> failed_jobs() const { return failed_; }
  const std::vector<scheduler::LaunchTask>& launches() const { return launches_; }
  std::vector<std::string> violations;  // invariant breaches seen while running
  int64_t now() const { return clock_.now_ms(); }
  std::string app_id() const { return app_id_; }

 private:
  struct WorkerProc {
    std::unique_ptr<worker::WorkerCore> core;
    bool alive = true;
    bool connected = false;  // has a connection to the current master
    uint64_t conn = 0;
  };
  struct Executor {
    std::string id;
    std::string app_id;
    int worker = 0;
    int cores = 0;
    bool alive = true;
    bool registered = false;  // with the driver
    std::set<int64_t> running;
  };
  struct Item {
    int64_t at = 0;
    uint64_t seq = 0;
    std::function<void()> fn;
  };

  void at(int64_t when, std::function<void()> fn);
  // A message on connection `chan` (FIFO per chan) of type `type`, delivered by `fn`.
  void send(const std::string& chan, const std::string& type, std::function<void()> fn);
  int64_t delay();

  void master_effects(std::vector<master::Effect> effs);
  void worker_effects(int w, std::vector<worker::Effect> effs);
  void dag_effects(std::vector<scheduler::Effect> effs);
  void to_master(uint64_t conn, const std::string& role, msg::Message m);
  void from_master(uint64_t conn, msg::Message m);
  void connect_worker(int w);
  void connect_driver();
  void driver_message(const msg::Message& m);
  void executor_gone(const std::string& id, const std::string& why, bool caused_by_app = true);
  void run_task(const std::string& exec, const scheduler::LaunchTask& l);
  void tick();

  SimConfig cfg_;
  ManualClock clock_;
  std::mt19937_64 rng_;
  LogLevel saved_log_;
  uint64_t seq_ = 0;
  std::vector<Item> heap_;
  std::map<std::string, int64_t> chan_last_;  // FIFO: last delivery time per connection

  std::unique_ptr<master::MasterCore> master_;
  int master_gen_ = 0;  // connections belong to one master generation
  std::map<std::string, nlohmann::json> persisted_;
  std::vector<WorkerProc> workers_;
  std::map<std::string, Executor> execs_;
  std::map<std::string, int> slow_;
  std::map<std::string, std::string> files_;  // shuffle files on disk -> the executor that wrote them

  TwoStageSource src_;
  std::unique_ptr<scheduler::DagScheduler> dag_;
  std::string app_id_;
  bool driver_connected_ = false;
  std::vector<int> pending_jobs_;
  std::map<int, std::map<int, int>> accepted_;
  std::set<int> succeeded_;
  std::map<int, std::string> failed_;
  std::vector<scheduler::LaunchTask> launches_;
  std::set<std::string> lost_told_;  // executors the DAG was told are lost
};

}  // namespace spp::sim
