// The worker's state machine, sans I/O: its link to the master (connect, register, heartbeat,
// back off and retry) and the executors it runs. Events in, effects out; worker.cpp performs
// the effects on libuv (sockets, child processes, files) and feeds results back as events.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/messages.h"
#include "common/states.h"

namespace spp::worker {

struct WorkerConfig {
  std::string insecure_warning;  // set when exposed without authentication (--insecure): shown on the UI
  std::string id;          // worker-<yyyyMMddHHmmss>-<host>-<port>
  std::string host;        // advertised address
  int port = 0;
  int cores = 1;
  int64_t memory_mb = 1024;
  std::string webui_url;
  std::string work_dir;    // absolute
  std::string local_dir = "/tmp";  // spark.local.dir (first entry): executors' scratch space
  // Ends every scratch dir name: app and executor ids are unique per master only, and workers of
  // other clusters may share local_dir (the shell sets the worker's pid; empty in tests).
  std::string scratch_tag;
  std::string master_url;  // spark://host:port, for display
  std::string executable;  // the sparkpp binary executors are started from
  int64_t heartbeat_ms = 15'000;         // spark.worker.timeout / 4
  int64_t kill_timeout_ms = 5'000;       // spark.worker.killTimeout
  int64_t initial_backoff_ms = 500;      // first re-registration delay; doubles up to max
  int64_t max_backoff_ms = 30'000;
  int64_t register_timeout_ms = 10'000;  // no RegisteredWorker by then: drop and retry
  size_t retained_executors = 1000;      // spark.worker.ui.retainedExecutors
  bool cleanup_enabled = true;              // spark.worker.cleanup.enabled
  int64_t cleanup_interval_ms = 1'800'000;  // spark.worker.cleanup.interval
  int64_t app_data_ttl_ms = 604'800'000;    // spark.worker.cleanup.appDataTtl
};

// One application directory in the work dir, as the shell found it.
struct AppDir {
  std::string app_id;            // the directory's name
  std::string path;
  int64_t newest_mtime_wall_ms;  // newest modification time of the dir or anything inside it
};

// Spark's work-dir cleanup rule: an app dir goes when no executor of that app runs here and
// nothing inside it changed for `ttl_ms`. Pure, so the selection is unit-tested.
std::vector<AppDir> select_app_dirs_to_clean(const std::vector<AppDir>& dirs, const std::set<std::string>& running_apps,
                                             int64_t now_wall_ms, int64_t ttl_ms);

// The link to the master.
enum class Link {
  kDisconnected,  // waiting for the retry timer
  kConnecting,    // TCP connect + Hello under way
  kRegistering,   // RegisterWorker sent, waiting for the answer
  kRegistered,    // heartbeating
};
const char* to_string(Link l);

// ---- events (I/O layer -> core)
struct Start {};
struct Tick {};                     // periodic; drives heartbeats, retries, kill escalation
struct MasterReady {};              // connection to the master is up (handshake done)
struct MasterLost { std::string reason; };  // connect failed or connection closed
struct FromMaster { msg::Message msg; std::vector<std::string> blobs = {}; };
struct ExecutorStarted { std::string app_id; int exec_id = 0; int pid = 0; };
struct ExecutorSpawnFailed { std::string app_id; int exec_id = 0; std::string error; };
struct ExecutorExited { std::string app_id; int exec_id = 0; int64_t exit_status = 0; int term_signal = 0; };
struct Shutdown {};                 // SIGTERM / SIGINT
struct WorkDirScanned { std::vector<AppDir> dirs; };  // answer to ScanWorkDir
struct DriverStarted { std::string driver_id; int pid = 0; };
struct DriverSpawnFailed { std::string driver_id; std::string error; };
struct DriverExited { std::string driver_id; int64_t exit_status = 0; int term_signal = 0; };
using Event = std::variant<Start, Tick, MasterReady, MasterLost, FromMaster, ExecutorStarted,
                           ExecutorSpawnFailed, ExecutorExited, Shutdown, WorkDirScanned, DriverStarted,
                           DriverSpawnFailed, DriverExited>;

// ---- effects (core -> I/O layer)
// Connect to the next master of the spark://h1:p1,h2:p2 list (the shell rotates through them).
struct ConnectMaster {};
struct DropMaster { std::string reason; };
struct SendMaster { msg::Message msg; };
struct SpawnExecutor {
  std::string app_id;
  int exec_id = 0;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  std::string dir;          // created; becomes the cwd
  std::string scratch_dir;  // created; SPARK_EXECUTOR_DIRS
  std::string stdout_path, stderr_path;
  std::string stderr_header;  // written to stderr before the process starts
};
struct SignalExecutor { std::string app_id; int exec_id = 0; int sig = 0; };
struct RemoveDir { std::string path; };
struct Exit { int code = 0; };
struct ScanWorkDir {};  // list the work dir's app dirs with their newest mtimes -> WorkDirScanned
// Start a cluster-mode driver: `files` (name, bytes) are written into `dir` (owner-only) first,
// `conf_file` is the properties file of its settings; the shell adds the cluster secret.
struct SpawnDriver {
  std::string driver_id;
  std::vector<std::string> args;
  std::string dir;
  std::vector<std::pair<std::string, std::string>> files;
  std::string conf_file;            // path in dir
  std::string conf_text;            // its contents (key=value lines)
  std::string stdout_path, stderr_path;
  std::string stderr_header;
};
struct SignalDriver { std::string driver_id; int sig = 0; };
using Effect = std::variant<ConnectMaster, DropMaster, SendMaster, SpawnExecutor, SignalExecutor, RemoveDir, Exit,
                            ScanWorkDir, SpawnDriver, SignalDriver>;

// A cluster-mode driver this worker runs (Spark's DriverRunner): `sparkpp submit --deploy-mode
// client` of the shipped program in WORK_DIR/<driver id>; with --supervise restarted after a
// non-zero exit (back-off 1 s doubling, reset after a run of 5 s or more).
struct DriverRunner {
  std::string id;
  msg::DriverDescription desc;
  std::vector<std::string> blobs;  // written at the first launch, then dropped
  std::string dir;
  DriverState state = DriverState::kSubmitted;  // SUBMITTED while its process is being started
  int pid = 0;
  int runs = 0;
  bool kill_requested = false;
  bool sigkill_sent = false;
  int64_t kill_deadline_ms = 0;
  int64_t relaunch_at_ms = 0;  // RELAUNCHING: start again then
  int64_t backoff_ms = 1000;
  int64_t run_start_ms = 0;
  std::string message;
  std::optional<int> exit_code;
  int64_t start_wall_ms = 0;
  int64_t end_wall_ms = 0;
};

struct ExecutorRunner {
  std::string app_id;
  int exec_id = 0;
  std::string app_name;
  int cores = 0;
  int64_t memory_mb = 0;
  std::string driver_url;
  std::string dir, scratch_dir;
  ExecutorState state = ExecutorState::kLaunching;
  int pid = 0;
  bool kill_requested = false;
  bool sigkill_sent = false;
  int64_t kill_deadline_ms = 0;
  std::string message;
  std::optional<int> exit_code;
  int64_t start_wall_ms = 0;
  int64_t end_wall_ms = 0;
};

class WorkerCore {
 public:
  WorkerCore(WorkerConfig cfg, const Clock& clock);

  std::vector<Effect> handle(const Event& ev);

  // Spark's WorkerStateResponse shape; see docs/deploy.md.
  nlohmann::json to_json() const;

  Link link() const { return link_; }
  bool stopping() const { return stopping_; }
  int cores_used() const;
  int64_t memory_used_mb() const;
  const std::map<std::pair<std::string, int>, ExecutorRunner>& executors() const { return active_; }
  const std::deque<ExecutorRunner>& finished_executors() const { return finished_; }
  const std::map<std::string, DriverRunner>& drivers() const { return drivers_; }
  const WorkerConfig& config() const { return cfg_; }
  int64_t backoff_ms() const { return backoff_ms_; }

 private:
  void on_master_message(const msg::Message& m, const std::vector<std::string>& blobs);
  void launch(const msg::LaunchExecutor& m);
  void kill(ExecutorRunner& r, const std::string& why);
  void on_exited(const ExecutorExited& e);
  void finish(ExecutorRunner& r, ExecutorState to, const std::string& message, std::optional<int> code);
  void lost_master(const std::string& reason);
  void register_now();
  void on_tick();
  void maybe_exit();
  void clean_work_dir(const std::vector<AppDir>& dirs);
  void launch_driver(const msg::LaunchDriver& m, const std::vector<std::string>& blobs);
  void start_driver(DriverRunner& d);
  void kill_driver(DriverRunner& d, const std::string& why);
  void on_driver_exited(const DriverExited& e);
  void finish_driver(DriverRunner& d, DriverState to, const std::string& message, std::optional<int> code);

  void set_link(Link to, const std::string& why);
  void set_state(ExecutorRunner& r, ExecutorState to, const std::string& why);

  template <typename T>
  void send(T m) {
    // Messages to a master we are not talking to are dropped, as Spark does; the master
    // learns the truth from WorkerLatestState after we register again.
    if (link_ == Link::kRegistering || link_ == Link::kRegistered) out_.push_back(SendMaster{msg::Message(std::move(m))});
  }

  WorkerConfig cfg_;
  const Clock& clock_;
  std::vector<Effect> out_;
  Link link_ = Link::kDisconnected;
  bool started_ = false;
  bool registered_once_ = false;
  bool stopping_ = false;
  bool exited_ = false;
  std::string master_url_;        // the master we last registered with (RegisteredWorker)
  std::string master_webui_url_;  // learnt from RegisteredWorker
  int64_t next_cleanup_ms_ = 0;   // 0: cleanup timer not armed yet (first registration arms it)
  int64_t backoff_ms_;
  int64_t next_connect_ms_ = 0;
  int64_t register_deadline_ms_ = 0;
  int64_t next_heartbeat_ms_ = 0;
  std::map<std::pair<std::string, int>, ExecutorRunner> active_;  // (app id, exec id)
  std::deque<ExecutorRunner> finished_;
  std::map<std::string, DriverRunner> drivers_;  // by id: active ones
  std::deque<DriverRunner> finished_drivers_;
};

}  // namespace spp::worker
