// The driver runtime inside `sparkpp submit`: serves the Python program (the Py4J role), keeps
// the RDD lineage, turns actions into jobs and tasks, and runs them on executors — local ones it
// starts itself, or ones the standalone master grants. Everything here runs on one libuv loop.
#pragma once
#include <uv.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/config.h"
#include "common/master_url.h"
#include "common/net.h"
#include "common/process.h"
#include "driver/progress.h"
#include "driver/rdd_graph.h"
#include "driver/task_scheduler.h"
#include "driver/ui_server.h"

namespace spp::driver {

// Application (SparkContext) lifecycle: NONE -> STARTING -> RUNNING -> STOPPED (-> STARTING ...)
enum class AppPhase {
  kNone,      // no context yet
  kStarting,  // executors being started / app registering with the master
  kRunning,   // PyContextInfo sent; jobs accepted
  kStopped,   // sc.stop() or the master removed the application
};

class Driver {
 public:
  Driver(uv_loop_t* loop, Conf submit_conf, std::string executor_python);
  ~Driver();
  // Opens the Python link (loopback) and the executor endpoint. Returns the Python link port.
  Result<int> start();
  const std::string& secret() const { return secret_; }
  // The Python program exited: stop executors, leave the master, close everything.
  void shutdown(std::function<void()> done);

 private:
  struct ExecInfo {
    Connection* conn = nullptr;
    std::string id, host, worker_id;
    int cores = 0;
    int data_port = 0;  // its shuffle block server (0: none)
    int64_t last_seen_ms = 0;
    std::map<std::string, std::string> log_urls;  // worker UI log pages (cluster mode)  // last message from it (heartbeats every spark.executor.heartbeatInterval)
    std::set<int64_t> funcs_sent;
    std::set<std::string> pyfiles_sent;
    std::set<int64_t> broadcasts_sent;
  };
  // One attempt at one stage of a job: a shuffle-map stage (computes the parent of shuffle
  // `shuffle_id` into map outputs) or the job's result stage.
  struct StageRun {
    int stage_id = 0;
    int attempt = 0;
    bool is_map = false;
    int shuffle_id = -1;
    int rdd = 0;                  // the RDD whose partitions the tasks compute
    std::vector<int> partitions;  // task index -> partition
    int done = 0;
    int64_t start_ms = 0;
  };
  struct Job {
    int id = 0;
    int rdd = 0;
    std::vector<int> partitions;
    json sink;
    std::string sink_kind;
    // text (saveAsTextFile) and pickle (checkpoints) write part files with the commit protocol.
    bool file_sink() const { return sink_kind == "text" || sink_kind == "pickle"; }
    std::string out_dir, tmp_dir;
    int64_t req = 0;
    uint64_t py_conn = 0;
    std::vector<std::vector<std::string>> results;
    std::vector<std::string> accums;
    int64_t result_bytes = 0;
    int64_t start_ms = 0;
    int done = 0;
    std::map<int, size_t> position;  // result partition -> index in `partitions`
    std::vector<bool> have;          // result received per position
    StageRun stage;
    int result_stage_id = -1;  // assigned when the result stage is first submitted
    bool stage_active = false;
    std::string description;
  };

  // Python link
  void on_py_message(Connection& c, msg::Envelope&& env);
  void py_error(Connection& c, int64_t req, const std::string& kind, const std::string& message);
  void create_context(Connection& c, const msg::PyCreateContext& m);
  void reply_context_info();
  void define_rdd(Connection& c, const msg::PyDefineRdd& m, std::vector<std::string>&& blobs);
  void run_job(Connection& c, const msg::PyRunJob& m);
  void py_call(Connection& c, const msg::PyCall& m, std::vector<std::string>&& blobs);
  Status storage_call(const msg::PyCall& m, std::vector<std::string>& blobs);
  void blocks_updated(const std::string& exec_id, msg::BlocksUpdated&& m, std::vector<std::string>&& blobs);
  void stop_context();
  Status add_py_file(const std::string& path);

  // Executors
  void on_exec_message(Connection& c, msg::Envelope&& env);
  void on_exec_closed(Connection& c, const std::string& reason);
  void register_executor(Connection& c, const msg::RegisterExecutor& m);
  void status_update(Connection& c, msg::StatusUpdate&& m, std::vector<std::string>&& blobs);
  void executor_lost(const std::string& id, const std::string& reason);
  void launch_local_executor();
  void check_executor_liveness();
  void check_speculation();
  // Sends KillTask for each launch (to executors still connected).
  void kill_tasks(const std::vector<Launch>& launches, const std::string& reason);

  // Master (cluster mode)
  void connect_master(int attempt);
  void on_master_message(Connection& c, msg::Envelope&& env);

  // Scheduling
  void schedule();
  void advance_job(Job& job);
  int missing_shuffle(int rdd);
  void cancel_stage(Job& job, const std::string& reason);
  void outputs_lost(const std::string& exec_id);
  void finish_job(Job& job);
  void fail_job(Job& job, const std::string& reason);
  int default_parallelism() const;
  void update_progress();

  uv_loop_t* loop_;
  SystemClock clock_;
  Conf submit_conf_;
  Conf conf_;  // effective application conf
  std::string executor_python_;
  std::string secret_;
  std::unique_ptr<Listener> py_listener_, exec_listener_;
  int exec_port_ = 0;
  std::string advertise_host_;

  AppPhase phase_ = AppPhase::kNone;
  MasterSpec master_;
  std::string app_id_;
  int64_t context_req_ = 0;
  uint64_t context_conn_ = 0;
  std::map<uint64_t, Connection*> py_conns_;
  std::unique_ptr<Timer> ready_timer_;

  Connection* master_conn_ = nullptr;
  std::unique_ptr<Timer> master_retry_;
  std::set<std::string> granted_;  // executors the master announced, not yet registered

  std::unique_ptr<ChildProcess> local_exec_;
  int local_exec_seq_ = 0;
  bool shutting_down_ = false;

  std::map<std::string, ExecInfo> execs_;
  std::map<uint64_t, std::string> exec_by_conn_;
  std::vector<std::pair<std::string, std::shared_ptr<const std::string>>> pyfiles_;

  RddGraph graph_;
  MapOutputTracker outputs_;
  // Broadcast values (pickled, zstd-compressed) by id; each sent once per executor.
  std::map<int64_t, std::shared_ptr<const std::string>> broadcasts_;
  std::map<int64_t, std::pair<int64_t, int64_t>> broadcast_stats_;  // id -> (sends, bytes sent)
  // Cached RDD blocks: (rdd, partition) -> executors holding it.
  std::map<std::pair<int, int>, std::set<std::string>> block_locs_;
  std::unique_ptr<TaskScheduler> sched_;
  std::map<int, Job> jobs_;
  int next_job_ = 0;
  int next_stage_ = 0;
  std::map<int, int> map_stage_ids_;   // shuffle id -> its map stage's id
  std::map<int, int> stage_attempts_;  // stage id -> attempts submitted so far
  std::map<int, int> stage_failures_;  // stage id -> consecutive failed attempts (reset on success)
  ConsoleProgress progress_;
  std::unique_ptr<Timer> progress_timer_;
  std::unique_ptr<Timer> revive_timer_;  // re-offers cores to tasks waiting for locality
  std::unique_ptr<Timer> lost_timer_;    // handles executor losses outside close callbacks
  std::unique_ptr<Timer> liveness_timer_;  // spark.network.timeout for silent executors
  std::unique_ptr<Timer> speculation_timer_;  // spark.speculation.interval
  std::vector<std::pair<std::string, std::string>> lost_pending_;
  std::unique_ptr<AppUi> ui_;  // web UI, REST API, event log (one per SparkContext)
};

}  // namespace spp::driver
