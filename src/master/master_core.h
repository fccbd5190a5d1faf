// The master's state machine, sans I/O: events in (messages from peers, closed connections,
// timer ticks), effects out (messages to send, connections to close). The libuv layer in
// master.cpp performs the effects; tests drive it directly with a ManualClock.
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
#include "common/config.h"
#include "common/messages.h"
#include "common/states.h"
#include "common/status.h"
#include "master/persistence.h"

namespace spp::master {

using ConnId = uint64_t;

// Settings the master reads (from the catalog in common/config.cpp).
struct MasterConfig {
  std::string url = "spark://127.0.0.1:7077";  // advertised to workers and drivers
  std::string webui_url;
  int64_t worker_timeout_ms = 60'000;           // spark.worker.timeout
  bool spread_out = true;                       // spark.deploy.spreadOut
  std::optional<int> default_cores;             // spark.deploy.defaultCores
  int max_executor_retries = 10;                // spark.deploy.maxExecutorRetries (-1: never fail)
  int retained_applications = 200;              // spark.deploy.retainedApplications
  int retained_drivers = 200;                   // spark.deploy.retainedDrivers
  int dead_worker_persistence = 15;             // spark.dead.worker.persistence
  bool persist = false;                         // spark.deploy.recoveryMode=FILESYSTEM
  std::string recovery_dir;                     // spark.deploy.recoveryDirectory
  int64_t recovery_timeout_ms = 60'000;         // spark.deploy.recoveryTimeout (default: worker timeout)
  bool kill_enabled = true;                     // spark.ui.killEnabled (POST /app/kill/)
  int64_t register_timeout_ms = 30'000;         // spark.sparkpp.registerTimeout: handshake -> registration
  std::string insecure_warning;                 // set when exposed without authentication (--insecure)

  static Result<MasterConfig> from_conf(const Conf& conf);
};

// ---- events (I/O layer -> core)
// A decoded message on connection `conn`, whose Hello announced `role`.
struct PeerMessage {
  ConnId conn = 0;
  std::string role;  // worker | app | cli ...
  msg::Message msg;
  std::vector<std::string> blobs = {};  // RequestSubmitDriver's files
};
// Connection `conn` completed its handshake. It must register (worker or application) within
// register_timeout_ms or be dropped: a stranger cannot hold connections open for free.
struct PeerOpened {
  ConnId conn = 0;
};
// Connection `conn` is gone (peer closed, network error, or we closed it).
struct PeerClosed {
  ConnId conn = 0;
  std::string reason;
};
// Periodic timer: check worker liveness (and the recovery deadline).
struct Tick {};
// The shell won leadership (at once without recovery; on taking the lock with FILESYSTEM):
// with stored state the master recovers it, otherwise it is ALIVE at once.
struct ElectedLeader {
  StoredState stored;
};
// A user asked (web UI POST /app/kill/) to kill an active application: like an unregister,
// but the app ends KILLED and its driver is told with ApplicationRemoved. Unknown ids are ignored.
struct KillApplication {
  std::string app_id;
  std::string reason;
};
using Event = std::variant<PeerMessage, PeerOpened, PeerClosed, Tick, ElectedLeader, KillApplication>;

// ---- effects (core -> I/O layer)
struct Send {
  ConnId conn = 0;
  msg::Message msg;
  std::vector<std::string> blobs = {};  // LaunchDriver's files
};
struct Close {
  ConnId conn = 0;
  std::string reason;
};
// Store `data` as `name` in the recovery directory (only when cfg.persist).
struct Persist {
  std::string name;  // worker_<id> | app_<id>
  nlohmann::json data;
};
struct Unpersist {
  std::string name;
};
using Effect = std::variant<Send, Close, Persist, Unpersist>;

// Spark's RecoveryState. STANDBY refuses registrations with MasterInStandby; RECOVERING
// accepts them but launches nothing until every stored worker/app answered or the recovery
// timeout passed.
enum class MasterStatus { kStandby, kRecovering, kAlive };
const char* to_string(MasterStatus s);

// ---- state
struct ExecutorInfo {
  int id = 0;
  std::string app_id;
  std::string worker_id;
  std::string host;
  int cores = 0;
  int64_t memory_mb = 0;
  ExecutorState state = ExecutorState::kLaunching;
  std::string message;
  std::optional<int> exit_code;
  int worker_epoch = 0;  // WorkerInfo::epoch when it was launched
};

struct WorkerInfo {
  std::string id;
  std::string host;
  int port = 0;
  int cores = 0;
  int64_t memory_mb = 0;
  std::string webui_url;
  WorkerState state = WorkerState::kAlive;
  int64_t last_heartbeat_ms = 0;    // monotonic, for the timeout
  int64_t last_heartbeat_wall = 0;  // epoch ms, for display
  ConnId conn = 0;                  // 0 once the connection is gone
  int cores_used = 0;
  int64_t memory_used_mb = 0;
  std::set<std::pair<std::string, int>> executors;  // (app id, executor id)
  std::set<std::string> drivers;                    // cluster-mode drivers running here
  // Bumped on every (re-)registration. An executor launched during an earlier epoch must be
  // in the worker's WorkerLatestState; one launched since may not be listed yet.
  int epoch = 0;
  bool recovered = false;  // re-registered after a master recovery: adopt what it runs

  int cores_free() const { return cores - cores_used; }
  int64_t memory_free_mb() const { return memory_mb - memory_used_mb; }
};

struct AppInfo {
  std::string id;
  msg::RegisterApplication desc;
  ConnId driver = 0;  // 0 once the driver connection is gone
  AppState state = AppState::kWaiting;
  int64_t start_wall_ms = 0;
  int64_t end_wall_ms = 0;
  int next_executor_id = 0;
  int retry_count = 0;  // abnormal executor exits since an executor last reached RUNNING
  bool unknown = false;  // recovered from storage, its driver has not re-registered yet
  std::map<int, ExecutorInfo> executors;       // active (LAUNCHING / RUNNING)
  std::deque<ExecutorInfo> removed_executors;  // finished, most recent last (bounded)
  int final_cores = 0;  // cores it held when it ended: what a completed app shows (Spark's coresGranted)

  int cores_granted() const;
  int requested_cores(std::optional<int> default_cores) const;
};

// A cluster-mode driver (Spark's DriverInfo): submitted by `sparkpp submit --deploy-mode
// cluster`, run by a worker. Its files stay here so it can be launched again (--supervise).
struct DriverInfo {
  std::string id;  // driver-<yyyyMMddHHmmss>-<NNNN>
  msg::DriverDescription desc;
  std::vector<std::string> blobs;  // desc.files' bytes
  DriverState state = DriverState::kSubmitted;
  std::string worker_id;  // where it runs or ran; empty while SUBMITTED
  std::string message;    // why it ended badly
  std::optional<int> exit_code;
  int64_t start_wall_ms = 0;
};

class MasterCore {
 public:
  MasterCore(MasterConfig cfg, const Clock& clock);

  // The one entry point: apply an event, return what the I/O layer must do, in order.
  std::vector<Effect> handle(const Event& ev);

  // Spark-shaped /json (master state) for the web UI; see docs/deploy.md.
  nlohmann::json to_json() const;

  // Read access for tests and the UI.
  const std::map<std::string, WorkerInfo>& workers() const { return workers_; }
  const std::map<std::string, AppInfo>& apps() const { return apps_; }
  const std::deque<AppInfo>& completed_apps() const { return completed_; }
  const std::map<std::string, DriverInfo>& drivers() const { return drivers_; }
  const std::deque<DriverInfo>& completed_drivers() const { return completed_drivers_; }
  const MasterConfig& config() const { return cfg_; }
  MasterStatus status() const { return status_; }

 private:
  void on_message(ConnId conn, const std::string& role, const msg::Message& m,
                  const std::vector<std::string>& blobs = {});
  void on_closed(ConnId conn, const std::string& reason);
  void on_tick();

  void register_worker(ConnId conn, const msg::RegisterWorker& m);
  void worker_heartbeat(ConnId conn, const msg::WorkerHeartbeat& m);
  void executor_state_changed(ConnId conn, const msg::ExecutorStateChanged& m);
  void worker_latest_state(ConnId conn, const msg::WorkerLatestState& m);
  void register_app(ConnId conn, const msg::RegisterApplication& m);
  void unregister_app(ConnId conn, const msg::UnregisterApplication& m);
  void reregister_app(ConnId conn, const msg::RegisterApplication& m);
  void kill_app(const KillApplication& k);

  // Cluster-mode drivers (master_drivers.cpp).
  void submit_driver(ConnId conn, const msg::RequestSubmitDriver& m, const std::vector<std::string>& blobs);
  void kill_driver(ConnId conn, const msg::RequestKillDriver& m);
  void driver_status(ConnId conn, const msg::RequestDriverStatus& m);
  void driver_state_changed(ConnId conn, const msg::DriverStateChanged& m);
  void remove_driver(const std::string& id, DriverState final_state, const std::string& why);
  void relaunch_driver(DriverInfo& d);  // its worker died under --supervise: a new driver id
  void schedule_drivers();
  std::string new_driver_id();
  nlohmann::json driver_json(const DriverInfo& d) const;

  // Recovery (master_recovery.cpp).
  void elected_leader(const StoredState& stored);
  void maybe_complete_recovery(bool timed_out);
  void reconcile(WorkerInfo& w, ConnId conn, const msg::WorkerLatestState& m);
  void refuse_standby(ConnId conn);
  void persist_worker(const WorkerInfo& w);
  void persist_app(const AppInfo& a);
  void unpersist(const std::string& name);

  void remove_worker(WorkerInfo& w, const std::string& why);
  void remove_app(AppInfo& app, AppState final_state, const std::string& why);
  void finish_executor(AppInfo& app, ExecutorInfo& e);
  void schedule();
  std::string new_app_id();

  // The transition functions: check legality and log "id: FROM -> TO (why)".
  void set_state(WorkerInfo& w, WorkerState to, const std::string& why);
  void set_state(AppInfo& a, AppState to, const std::string& why);
  void set_state(ExecutorInfo& e, ExecutorState to, const std::string& why);

  template <typename T>
  void send(ConnId conn, T m) {
    if (conn) out_.push_back(Send{conn, msg::Message(std::move(m))});
  }
  void close(ConnId conn, std::string why) {
    if (conn) out_.push_back(Close{conn, std::move(why)});
  }

  MasterConfig cfg_;
  const Clock& clock_;
  std::vector<Effect> out_;  // effects of the event being handled

  std::map<std::string, WorkerInfo> workers_;  // by id, including DEAD ones until culled
  std::set<std::string> seen_worker_ids_;      // ever registered (a heartbeat from one -> reconnect)
  std::map<std::string, AppInfo> apps_;        // active (WAITING / RUNNING)
  std::vector<std::string> waiting_apps_;      // FIFO of active apps that may want more cores
  std::deque<AppInfo> completed_;              // bounded by retained_applications
  std::map<ConnId, std::string> conn_worker_;  // worker connection -> worker id
  std::map<ConnId, std::string> conn_app_;     // driver connection -> app id
  std::map<ConnId, int64_t> unregistered_;     // handshaken, not yet registered -> since (now_ms)
  int next_app_number_ = 0;
  std::map<std::string, DriverInfo> drivers_;  // active (SUBMITTED / RUNNING / RELAUNCHING)
  std::vector<std::string> waiting_drivers_;   // SUBMITTED, FIFO
  std::deque<DriverInfo> completed_drivers_;   // bounded by retained_drivers
  int next_driver_number_ = 0;
  size_t driver_worker_pos_ = 0;  // round-robin start over the alive workers (Spark shuffles them)
  MasterStatus status_ = MasterStatus::kAlive;
  int64_t recovery_deadline_ms_ = 0;
};

}  // namespace spp::master
