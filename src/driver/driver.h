// The driver runtime inside `sparkpp submit`: serves the Python program (the Py4J role), keeps
// the RDD lineage, turns actions into jobs and tasks, and runs them on executors — local ones it
// starts itself, or ones the standalone master grants. Everything here runs on one libuv loop.
#pragma once
#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <variant>
#include <string>
#include <vector>

#include "common/auth.h"
#include "common/clock.h"
#include "common/auth.h"
#include "common/config.h"
#include "common/master_url.h"
#include "common/net.h"
#include "common/process.h"
#include "driver/progress.h"
#include "driver/rdd_graph.h"
#include "driver/rdd_stage_source.h"
#include "driver/sql_stage_source.h"
#include "scheduler/dag_scheduler.h"
#include "ui/ui_server.h"

namespace spp::driver {

// spark.sql.adaptive.* as `value(key)` reads them (driver_sql.cpp).
sql::AqeSettings aqe_settings(const std::function<std::string(const char*)>& value, int parallelism);

namespace sc = scheduler;

// Application (SparkContext) lifecycle, changed only by Driver::set_phase:
//   NONE -> STARTING -> RUNNING -> STOPPED -> STARTING ...   (STARTING -> NONE: no master answered)
enum class AppPhase {
  kNone,      // no context yet
  kStarting,  // executors being started / app registering with the master
  kRunning,   // PyContextInfo sent; jobs accepted
  kStopped,   // sc.stop() or the master removed the application
};
const char* to_string(AppPhase p);

// The shell's own events. Timers and closed connections post these (and the scheduler's)
// instead of changing state from their callbacks; one queue is drained in order.
struct ExecutorGone {  // its connection closed, the master reported it ended, or its process died
  std::string id, reason;
};
enum class ShellTimer {
  kLiveness,      // every second: executors silent for spark.network.timeout are lost
  kContextReady,  // cluster mode: granted executors had their moment to register
  kMasterRetry,   // connect to the next master of the list
  kShutdownGrace, // executors had their moment to exit on StopExecutor
};
struct ShellTimerFired {
  ShellTimer kind = ShellTimer::kLiveness;
  int attempt = 0;  // kMasterRetry: which connection attempt
};
using ShellEvent = std::variant<scheduler::Event, ExecutorGone, ShellTimerFired>;

// Spark's StorageLevel.description ("Disk Memory Deserialized 1x Replicated") of a level's JSON.
std::string level_description(const nlohmann::json& level);

class Driver {
 public:
  // `clock` is borrowed for the driver's lifetime.
  Driver(uv_loop_t* loop, Conf submit_conf, std::string executor_python, const Clock& clock);
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
    std::set<std::string> files_sent;  // sc.addFile / addArchive names
    std::set<int64_t> broadcasts_sent;
  };
  // A file of sc.addFile / sc.addArchive, shipped to every executor once (AddFile).
  struct ShippedFile {
    std::string name;    // its name in the executor's working directory
    bool archive = false;
    std::string format;  // archives: zip | tar | tar.gz | tgz
    std::shared_ptr<const std::string> data;
  };
  // A finished task's output, waiting for the scheduler to accept it (TaskAccepted).
  struct TaskOutput {
    std::vector<std::string> results;  // result tasks: the rows' frames
    std::vector<std::string> accums;   // accumulator updates
  };
  struct Job {
    int id = 0;
    int rdd = 0;
    std::vector<int> partitions;
    json sink;
    std::string sink_kind;
    // text (saveAsTextFile), pickle (checkpoints) and files (df.write) write part files with
    // the commit protocol.
    bool file_sink() const { return sink_kind == "text" || sink_kind == "pickle" || sink_kind == "files"; }
    std::string out_dir, tmp_dir;
    std::string write_uuid;  // files: the write job's UUID in its part-file names
    // files: runs once the files are committed (a table write's catalog entry and partitions);
    // an error fails the job.
    std::function<Status()> after_commit;
    int64_t req = 0;
    uint64_t py_conn = 0;
    std::vector<std::vector<std::string>> results;  // by position in `partitions`
    std::vector<std::string> accums;
    int64_t start_ms = 0;
    std::string description;
    std::map<std::string, std::string> properties;  // the Python thread's local properties
    // A DataFrame query (PySqlExecute): `rdd` is its result stage's node; answered with
    // PySqlResult carrying `schema`.
    bool sql = false;
    // toPandas (PySqlExecute's spark.sparkpp.resultFile): the batches go into this new file,
    // which the Python program maps, instead of over the connection (driver/result_file.h).
    std::string result_file;
    // `partitions` are every partition of `rdd`, known when its stage starts (AQE may coalesce
    // a SQL stage once the shuffles it reads exist): the scheduler's JobPartitionsKnown.
    bool all_partitions = false;
    json schema;
    // A range exchange's sampling job (Spark's RangePartitioner sample job): `rdd` is its
    // sampler stage; when it succeeds the bounds are set and `then` (the query) runs.
    bool range_sample = false;
    std::shared_ptr<Job> then;
    int range_points = 100;  // spark.sql.execution.rangeExchange.sampleSizePerPartition
    int64_t sql_exec = -1;   // the SQL execution (SQL tab) a query's jobs belong to
    // df.rdd of a query with range exchanges: not a job but what runs once its sampling jobs
    // set every bound (the sql RDD's definition and PyDefined).
    std::function<void()> on_sampled;
    // A query whose result goes back to Python: records its final plan (AQE's decisions) for
    // explain() of the same DataFrame afterwards.
    std::function<void(const sql::AqeDecisions&)> on_final_plan;
    // A scalar subquery's run (Spark's SubqueryExec.executeCollect): its result batches go here
    // instead of to Python. A failed run answers the query's request as any failed job does.
    std::function<void(std::vector<std::vector<std::string>>&&)> on_collected;
  };

  // The query a scalar subquery runs for (driver_subqueries.cpp): who to answer, its settings.
  struct SubqueryRun {
    uint64_t py_conn = 0;
    int64_t req = 0;
    std::map<std::string, std::string> conf;
    std::string description;
    std::map<std::string, std::string> properties;
  };
  using SubqueryList = std::vector<std::pair<int64_t, std::shared_ptr<const sql::PreparedQuery>>>;
  // Runs subs[next…] one after the other (each one's own subqueries first), then `then` with
  // every value by exprId. A failure answers the request; `then` never runs.
  void run_subqueries(SubqueryList subs, size_t next, std::map<int64_t, sql::Value> values,
                      std::shared_ptr<const SubqueryRun> run, std::function<void(std::map<int64_t, sql::Value>)> then);
  // One subquery's job; `done` gets its value (ScalarSubquery.updateResult's rule).
  void collect_subquery(const sql::PreparedQuery& q, const std::shared_ptr<const SubqueryRun>& run,
                        std::function<void(sql::Value)> done);

  // Python link
  void on_py_message(Connection& c, msg::Envelope&& env);
  void py_error(Connection& c, int64_t req, const std::string& kind, const std::string& message);
  void create_context(Connection& c, const msg::PyCreateContext& m);
  void reply_context_info();
  void define_rdd(Connection& c, const msg::PyDefineRdd& m, std::vector<std::string>&& blobs);
  void run_job(Connection& c, const msg::PyRunJob& m);
  void py_reply(Connection& c, int64_t req, const Status& st, json value = nullptr);
  Status put_broadcast(int64_t id, std::vector<std::string>& blobs);
  void unpersist_broadcast(int64_t id, bool destroy);
  Status persist_rdd(int rdd, const json& level);
  Status unpersist_rdd(int rdd);
  // ContextCleaner: the Python program dropped these RDDs; lineage, blocks, shuffles go.
  void forget_rdds(const std::vector<int>& rdds);
  // A SQL query's (or cache's) stages are done with: its shuffles' map outputs go everywhere.
  void end_sql_stages(int result_node);
  void remove_shuffles(const std::vector<int>& shuffles);
  // Executors drop every block of `rdd` (an RDD's or a cached DataFrame's); the UI forgets it.
  void drop_blocks(int rdd);
  // Cached DataFrames a query scans: their stages registered once (driver_sql.cpp).
  Status register_sql_caches(const sql::PhysPtr& p, const FileSplitter& files, int parallelism);
  void drop_sql_caches();
  void debug_query(Connection& c, const msg::PyDebugQuery& m);
  // The DataFrame engine (driver_sql.cpp).
  void sql_analyze(Connection& c, const msg::PySqlAnalyze& m);
  void sql_execute(Connection& c, const msg::PySqlExecute& m);
  void sql_run(Connection& c, const msg::PySqlExecute& m, sql::PreparedQuery q, const json* write_op,
               std::optional<sql::TableWrite> table_write, bool replace_written);
  void sql_explain(Connection& c, const msg::PySqlExplain& m);
  void sql_command(Connection& c, const msg::PySqlCommand& m, std::vector<std::string>&& blobs);
  void sql_error(Connection& c, int64_t req, const json& error);
  void sql_conf(const std::map<std::string, std::string>& session);
  Job range_sampling_first(Job job);  // a query needing range bounds -> its sampling job
  // df.write (driver_sql_write.cpp): the save mode applied to the path, options and schema
  // checked; `skip` for mode ignore on an existing path. Errors are AnalysisException JSON.
  struct WriteStart {
    bool skip = false;
    std::string out_dir, tmp_dir, job_uuid;
    json sink;
  };
  Result<WriteStart> begin_write(const json& write_op, const json& schema, const std::map<std::string, std::string>& session);
  static std::string part_file_name(const Job& job, int partition);
  void blocks_updated(const std::string& exec_id, msg::BlocksUpdated&& m, std::vector<std::string>&& blobs);
  void stop_context();
  Status add_py_file(const std::string& path);
  // sc.addFile / addArchive (driver_files.cpp): kept, shipped before each executor's next task.
  Status add_file(const std::string& path, const std::string& name, bool archive);
  void ship_files(ExecInfo& ex);
  // Job control (driver_control.cpp): sc.cancelAllJobs/cancelJobGroup/..., sc.statusTracker().
  void cancel_jobs(Connection& c, const msg::PyCancelJobs& m);
  void status_query(Connection& c, const msg::PyStatusQuery& m);
  // A job takes its description and group from the Python thread's local properties.
  static void apply_properties(Job& job, const std::map<std::string, std::string>& props);

  // Executors
  void on_exec_message(Connection& c, msg::Envelope&& env);
  Status listen_executors();
  void on_exec_closed(Connection& c, const std::string& reason);
  void register_executor(Connection& c, const msg::RegisterExecutor& m);
  void status_update(Connection& c, msg::StatusUpdate&& m, std::vector<std::string>&& blobs);
  // A finished SQL task's per-operator metrics (StatusUpdate.extra "sqlMetrics") for its query.
  void post_sql_metrics(int64_t task_id, const std::vector<std::vector<int64_t>>& rows);
  // `caused_by_app`: see scheduler::ExecutorLost (false only when its worker went away).
  void executor_lost(const std::string& id, const std::string& reason, bool caused_by_app = true);
  void launch_local_executor();
  void check_executor_liveness();
  // Local mode: SIGKILLs our executor process `id` if it is the current one and still runs, so
  // that its exit starts a replacement (a hung or disconnected one would never exit).
  void kill_local_executor(const std::string& id);
  bool local_executor_running() const;

  // Master (cluster mode)
  void connect_master(int attempt);
  void on_master_message(Connection& c, msg::Envelope&& env);

  // The event queue (driver.cpp). Every I/O callback runs as one Turn: what it posts is
  // handled when it returns, so no handler runs inside another (e.g. a close callback fired by
  // a failed send in the middle of a loop over executors).
  struct Turn {
    explicit Turn(Driver& d) : d_(d) { ++d_.depth_; }
    ~Turn() {
      if (--d_.depth_ == 0) d_.drain();
    }
    Driver& d_;
  };
  void post(ShellEvent ev);
  void drain();
  void handle(ShellEvent& ev);
  void set_phase(AppPhase to, const std::string& why);
  void finish_shutdown();

  // Jobs (driver_jobs.cpp): the DAG scheduler's events in, its effects performed.
  void handle_scheduler(scheduler::Event& ev);
  void perform(scheduler::Effect& eff);
  void launch(scheduler::LaunchTask& t);
  FileSplitter file_splitter(const std::map<std::string, std::string>& session);
  Result<int> register_sql_rdd(const nlohmann::json& plan, const std::map<std::string, std::string>& session);
  bool ship_broadcasts(ExecInfo& ex, const std::vector<int64_t>& ids, int64_t task_id, const Job& job);
  void launch_native(ExecInfo& ex, const scheduler::LaunchTask& t, const SqlTaskBody& body, const Job& job);
  static msg::LaunchTask task_message(const scheduler::LaunchTask& t);
  void submit_job(Job job, json lineage);
  void finish_job(Job& job);
  void fail_job(Job& job, const std::string& reason);
  int default_parallelism() const;
  // Bytes an executor's block manager may cache: its memory x spark.memory.fraction (Spark's
  // maxMemory on the executors page).
  int64_t executor_storage_bytes() const;
  // Warns when an executor with `cores` cannot hold one task (spark.task.cpus, resources).
  void warn_task_slots(int cores) const;
  void update_progress();

  uv_loop_t* loop_;
  const Clock& clock_;
  Conf submit_conf_;
  Conf conf_;  // effective application conf
  std::string executor_python_;
  std::string secret_;          // the Python program's per-run token (loopback link)
  auth::Policy cluster_auth_;   // spark.authenticate: to the master
  auth::Policy exec_auth_;      // executors must prove the application's key (auth.h)
  std::unique_ptr<Listener> py_listener_, exec_listener_;
  int exec_port_ = 0;
  std::string exec_bind_;  // the executor port's bind address
  std::string advertise_host_;

  AppPhase phase_ = AppPhase::kNone;
  MasterSpec master_;
  std::string app_id_;
  int64_t context_req_ = 0;
  uint64_t context_conn_ = 0;
  std::map<uint64_t, Connection*> py_conns_;
  // Result files written for Python (toPandas), removed at shutdown if Python never unlinked
  // them (a request it abandoned); pruned of those already gone as new ones are added.
  std::vector<std::string> result_files_;
  // Result spools the driver asked the local executor for (toPandas's result-stage tasks in
  // local mode, executor/result_spool.h), until unlinked: only these are mapped or removed on
  // a task's word, and any left are removed at shutdown.
  std::set<std::string> spools_;
  void drop_spools(const std::vector<std::string>& results);  // unlinks the spools among them
  std::unique_ptr<Timer> ready_timer_;

  Connection* master_conn_ = nullptr;
  std::unique_ptr<Timer> master_retry_;
  std::set<std::string> granted_;  // executors the master announced, not yet registered
  // The environment page's Runtime Information: the Python program's (Python version and
  // executable, working directory...) from PyCreateContext's spark.sparkpp.runtime.* keys.
  std::map<std::string, std::string> runtime_info_;

  std::map<std::string, std::unique_ptr<ChildProcess>> local_execs_;  // by executor id
  int local_exec_seq_ = 0;
  bool shutting_down_ = false;
  bool master_refused_ = false;  // RegisterApplicationFailed without retry: stop reconnecting

  std::map<std::string, ExecInfo> execs_;
  std::map<uint64_t, std::string> exec_by_conn_;
  std::vector<std::pair<std::string, std::shared_ptr<const std::string>>> pyfiles_;
  std::vector<ShippedFile> files_;
  std::map<int, std::string> job_groups_;  // every job's spark.jobGroup.id (statusTracker)
  std::set<int> profiles_posted_;          // resource profile ids the UI has heard of

  RddGraph graph_;
  // Broadcast values (pickled, zstd-compressed) by id; each sent once per executor.
  std::map<int64_t, std::shared_ptr<const std::string>> broadcasts_;
  std::map<int64_t, std::pair<int64_t, int64_t>> broadcast_stats_;  // id -> (sends, bytes sent)
  // Cached RDD blocks: (rdd, partition) -> executors holding it.
  BlockLocations block_locs_;
  RddStageSource rdd_source_{graph_, block_locs_};
  SqlStageSource sql_source_{&graph_};
  StageRouter source_{rdd_source_, sql_source_};
  void ensure_catalog();
  bool sql_resolver_set_ = false;
  sql::SqlSession sql_;  // temp views, exprIds, SQL settings (one per application)
  std::unique_ptr<scheduler::DagScheduler> dag_;  // one per SparkContext
  std::deque<ShellEvent> queue_;
  int depth_ = 0;  // > 0 while a Turn runs or the queue drains
  std::map<int64_t, TaskOutput> task_outputs_;  // by task id, while its TaskEnded is handled
  std::map<int, Job> jobs_;
  // explain() after a collect shows AQE's final plan, as Spark's executed AdaptiveSparkPlanExec:
  // the last queries' `== Physical Plan ==` text by their plan JSON (a DataFrame's plan ids
  // make it that DataFrame's), the oldest forgotten past 64.
  std::map<std::string, std::string> final_plans_;
  std::deque<std::string> final_plan_order_;
  int next_job_ = 0;
  int64_t next_sql_exec_ = 0;  // SQL execution ids (the SQL tab), one per DataFrame action
  ConsoleProgress progress_;
  std::unique_ptr<Timer> progress_timer_;
  std::unique_ptr<Timer> revive_timer_;  // the scheduler's TimerKind::kRevive
  std::unique_ptr<Timer> closed_timer_;  // posts closed_ after the loop iteration's reads
  std::vector<ExecutorGone> closed_;
  std::unique_ptr<Timer> liveness_timer_;  // spark.network.timeout for silent executors
  std::unique_ptr<Timer> speculation_timer_;  // the scheduler's TimerKind::kSpeculation
  std::unique_ptr<Timer> shutdown_timer_;  // ShellTimer::kShutdownGrace
  std::function<void()> shutdown_done_;     // set by shutdown(); called once
  std::unique_ptr<ui::AppUi> ui_;  // web UI, REST API, event log (one per SparkContext)
};

}  // namespace spp::driver
