// MasterCore: registration, liveness, applications and executors (see master_core.h).
#include "master/master_core.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdio>

#include "common/ids.h"
#include "common/log.h"
#include "common/util.h"
#include "master/allocation.h"

namespace spp::master {
namespace {
constexpr const char* kLog = "master";
constexpr size_t kRetainedRemovedExecutors = 100;  // per app, for /json

bool legal(WorkerState from, WorkerState to) {
  // DEAD is final for an entry; a re-registering worker gets a fresh entry. UNKNOWN (stored
  // before a master restart) becomes ALIVE when the worker registers again.
  if (from == WorkerState::kDead) return false;
  if (to == WorkerState::kDead) return true;
  return from == WorkerState::kUnknown && to == WorkerState::kAlive;
}
bool legal(AppState from, AppState to) {
  bool active = from == AppState::kWaiting || from == AppState::kRunning;
  if (!active) return false;
  return to != AppState::kWaiting || from == AppState::kRunning;
}
bool legal(ExecutorState from, ExecutorState to) {
  if (is_finished(from)) return false;
  if (to == ExecutorState::kLaunching) return false;
  return !(from == ExecutorState::kRunning && to == ExecutorState::kRunning);
}
}  // namespace

Result<MasterConfig> MasterConfig::from_conf(const Conf& conf) {
  Status st = conf.validate();
  if (!st) return st;
  MasterConfig c;
  c.worker_timeout_ms = conf.get_time_ms("spark.worker.timeout");
  if (c.worker_timeout_ms <= 0) return Result<MasterConfig>::error("setting spark.worker.timeout: must be positive");
  c.spread_out = conf.get_bool("spark.deploy.spreadOut");
  c.kill_enabled = conf.get_bool("spark.ui.killEnabled");
  c.register_timeout_ms = conf.get_time_ms("spark.sparkpp.registerTimeout");
  if (c.register_timeout_ms <= 0) return Result<MasterConfig>::error("setting spark.sparkpp.registerTimeout: must be positive");
  if (!conf.get("spark.deploy.defaultCores").empty()) {
    int64_t d = conf.get_int("spark.deploy.defaultCores");
    if (d <= 0 || d > INT_MAX)
      return Result<MasterConfig>::error("setting spark.deploy.defaultCores: must be a positive integer");
    c.default_cores = static_cast<int>(d);
  }
  c.max_executor_retries = static_cast<int>(conf.get_int("spark.deploy.maxExecutorRetries"));
  c.retained_applications = static_cast<int>(std::max<int64_t>(0, conf.get_int("spark.deploy.retainedApplications")));
  c.retained_drivers = static_cast<int>(std::max<int64_t>(0, conf.get_int("spark.deploy.retainedDrivers")));
  c.dead_worker_persistence = static_cast<int>(std::max<int64_t>(0, conf.get_int("spark.dead.worker.persistence")));
  std::string mode = conf.get("spark.deploy.recoveryMode");
  for (auto& ch : mode) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (mode == "FILESYSTEM") {
    c.persist = true;
    c.recovery_dir = conf.get("spark.deploy.recoveryDirectory");
    if (c.recovery_dir.empty())
      return Result<MasterConfig>::error("setting spark.deploy.recoveryMode=FILESYSTEM needs spark.deploy.recoveryDirectory");
  } else if (mode != "NONE" && !mode.empty()) {
    // Spark silently treats an unknown mode as NONE; a typo that disables recovery deserves an error.
    return Result<MasterConfig>::error("setting spark.deploy.recoveryMode: '" + conf.get("spark.deploy.recoveryMode") +
                                       "' is not supported (NONE or FILESYSTEM)");
  }
  c.recovery_timeout_ms = conf.get("spark.deploy.recoveryTimeout").empty()
                              ? c.worker_timeout_ms
                              : conf.get_time_ms("spark.deploy.recoveryTimeout");
  if (c.recovery_timeout_ms <= 0) return Result<MasterConfig>::error("setting spark.deploy.recoveryTimeout: must be positive");
  return c;
}

int AppInfo::cores_granted() const {
  int n = 0;
  for (const auto& [id, e] : executors) n += e.cores;
  return n;
}

int AppInfo::requested_cores(std::optional<int> default_cores) const {
  if (desc.max_cores) return *desc.max_cores;
  return default_cores.value_or(INT_MAX);
}

MasterCore::MasterCore(MasterConfig cfg, const Clock& clock)
    : cfg_(std::move(cfg)), clock_(clock), status_(cfg_.persist ? MasterStatus::kStandby : MasterStatus::kAlive) {}

const char* to_string(MasterStatus s) {
  switch (s) {
    case MasterStatus::kStandby: return "STANDBY";
    case MasterStatus::kRecovering: return "RECOVERING";
    case MasterStatus::kAlive: return "ALIVE";
  }
  return "?";
}

std::vector<Effect> MasterCore::handle(const Event& ev) {
  out_.clear();
  if (auto* m = std::get_if<PeerMessage>(&ev)) on_message(m->conn, m->role, m->msg, m->blobs);
  else if (auto* o = std::get_if<PeerOpened>(&ev)) unregistered_[o->conn] = clock_.now_ms();
  else if (auto* c = std::get_if<PeerClosed>(&ev)) on_closed(c->conn, c->reason);
  else if (auto* l = std::get_if<ElectedLeader>(&ev)) elected_leader(l->stored);
  else if (auto* k = std::get_if<KillApplication>(&ev)) kill_app(*k);
  else on_tick();
  return std::move(out_);
}

// ------------------------------------------------------------------ transitions

void MasterCore::set_state(WorkerInfo& w, WorkerState to, const std::string& why) {
  SPP_CHECK(legal(w.state, to), "worker %s: %s -> %s", w.id.c_str(), to_string(w.state), to_string(to));
  LOG_INFO(kLog, w.id << ": " << to_string(w.state) << " -> " << to_string(to) << " (" << why << ")");
  w.state = to;
}

void MasterCore::set_state(AppInfo& a, AppState to, const std::string& why) {
  SPP_CHECK(legal(a.state, to), "app %s: %s -> %s", a.id.c_str(), to_string(a.state), to_string(to));
  LOG_INFO(kLog, a.id << ": " << to_string(a.state) << " -> " << to_string(to) << " (" << why << ")");
  a.state = to;
}

void MasterCore::set_state(ExecutorInfo& e, ExecutorState to, const std::string& why) {
  SPP_CHECK(legal(e.state, to), "executor %s/%d: %s -> %s", e.app_id.c_str(), e.id, to_string(e.state), to_string(to));
  LOG_INFO(kLog, e.app_id << "/" << e.id << ": " << to_string(e.state) << " -> " << to_string(to) << " (" << why << ")");
  e.state = to;
}

// ------------------------------------------------------------------ dispatch

void MasterCore::on_message(ConnId conn, const std::string& role, const msg::Message& m,
                            const std::vector<std::string>& blobs) {
  if (status_ == MasterStatus::kStandby) {
    // Not the leader: point registrations elsewhere, ignore the rest (a worker heartbeating
    // here is about to notice and re-register with the leader).
    if (std::holds_alternative<msg::RegisterWorker>(m) || std::holds_alternative<msg::RegisterApplication>(m))
      refuse_standby(conn);
    return;
  }
  if (role == "worker") {
    if (auto* x = std::get_if<msg::RegisterWorker>(&m)) return register_worker(conn, *x);
    if (auto* x = std::get_if<msg::WorkerHeartbeat>(&m)) return worker_heartbeat(conn, *x);
    if (auto* x = std::get_if<msg::ExecutorStateChanged>(&m)) return executor_state_changed(conn, *x);
    if (auto* x = std::get_if<msg::WorkerLatestState>(&m)) return worker_latest_state(conn, *x);
    if (auto* x = std::get_if<msg::DriverStateChanged>(&m)) return driver_state_changed(conn, *x);
  } else if (role == "cli") {
    // The submission client asks one question per connection and closes when answered (it
    // stays subject to spark.sparkpp.registerTimeout).
    if (auto* x = std::get_if<msg::RequestSubmitDriver>(&m)) return submit_driver(conn, *x, blobs);
    if (auto* x = std::get_if<msg::RequestKillDriver>(&m)) return kill_driver(conn, *x);
    if (auto* x = std::get_if<msg::RequestDriverStatus>(&m)) return driver_status(conn, *x);
  } else if (role == "app") {
    if (auto* x = std::get_if<msg::RegisterApplication>(&m)) return register_app(conn, *x);
    if (auto* x = std::get_if<msg::UnregisterApplication>(&m)) return unregister_app(conn, *x);
  }
  // A peer speaking out of turn is broken or hostile: drop it rather than guess.
  std::string op = std::visit([](const auto& v) -> std::string {
    using T = std::decay_t<decltype(v)>;
    if constexpr (std::is_same_v<T, std::monostate>) return "?";
    else return T::kOp;
  }, m);
  LOG_WARN(kLog, "unexpected " << op << " from a '" << role << "' peer; closing its connection");
  close(conn, "unexpected " + op + " from role " + role);
}

void MasterCore::on_closed(ConnId conn, const std::string& reason) {
  unregistered_.erase(conn);
  if (auto it = conn_worker_.find(conn); it != conn_worker_.end()) {
    std::string id = it->second;
    conn_worker_.erase(it);
    auto w = workers_.find(id);
    if (w != workers_.end() && w->second.conn == conn) {
      w->second.conn = 0;
      // Spark: a disassociated worker is removed at once, not after the heartbeat timeout.
      if (w->second.state != WorkerState::kDead) remove_worker(w->second, "disassociated: " + reason);
    }
  }
  if (auto it = conn_app_.find(conn); it != conn_app_.end()) {
    std::string id = it->second;
    conn_app_.erase(it);
    auto a = apps_.find(id);
    if (a != apps_.end()) {
      a->second.driver = 0;
      remove_app(a->second, AppState::kFinished, "driver disconnected: " + reason);
    }
  }
}

void MasterCore::on_tick() {
  const int64_t now = clock_.now_ms();
  for (auto it = unregistered_.begin(); it != unregistered_.end();) {
    // Registered since (or refused and closed): forget it; silent past the deadline: drop it.
    if (conn_worker_.count(it->first) || conn_app_.count(it->first)) {
      it = unregistered_.erase(it);
    } else if (now - it->second >= cfg_.register_timeout_ms) {
      close(it->first, "did not register within spark.sparkpp.registerTimeout");
      it = unregistered_.erase(it);
    } else {
      ++it;
    }
  }
  if (status_ == MasterStatus::kStandby) return;
  if (status_ == MasterStatus::kRecovering && now >= recovery_deadline_ms_) maybe_complete_recovery(true);
  std::vector<std::string> timed_out, culled;
  for (auto& [id, w] : workers_) {
    // UNKNOWN workers are judged by the recovery deadline, not by heartbeats.
    if (w.state == WorkerState::kAlive && w.last_heartbeat_ms < now - cfg_.worker_timeout_ms)
      timed_out.push_back(id);
    else if (w.state == WorkerState::kDead &&
             w.last_heartbeat_ms < now - (cfg_.dead_worker_persistence + 1) * cfg_.worker_timeout_ms)
      culled.push_back(id);
  }
  for (const auto& id : timed_out) {
    char why[96];
    std::snprintf(why, sizeof why, "no heartbeat for %.1f s", static_cast<double>(cfg_.worker_timeout_ms) / 1000);
    remove_worker(workers_.at(id), why);
  }
  for (const auto& id : culled) {
    LOG_INFO(kLog, "forgetting dead worker " << id);
    workers_.erase(id);
  }
}

// ------------------------------------------------------------------ workers

void MasterCore::register_worker(ConnId conn, const msg::RegisterWorker& m) {
  const int64_t now = clock_.now_ms();
  if (!ids::valid_worker_id(m.id)) {
    LOG_WARN(kLog, "refusing a worker with an invalid id (" << m.id.size() << " bytes)");
    send(conn, msg::RegisterWorkerFailed{"invalid worker id: 1-256 letters, digits, '.', '-', '_' or ':'"});
    return;
  }
  auto it = workers_.find(m.id);
  bool duplicate = false;
  if (it != workers_.end() && it->second.state == WorkerState::kUnknown) {
    // Stored before a master restart and back now: its executors are re-adopted from the
    // WorkerLatestState that follows.
    WorkerInfo& w = it->second;
    set_state(w, WorkerState::kAlive, "re-registered after master recovery");
    w.host = m.host;
    w.port = m.port;
    w.cores = m.cores;
    w.memory_mb = m.memory_mb;
    w.webui_url = ids::http_url_or_empty(m.webui_url);  // shown as a link: http(s) only
    w.conn = conn;
    w.last_heartbeat_ms = now;
    w.last_heartbeat_wall = clock_.wall_ms();
    w.recovered = true;
    ++w.epoch;
    conn_worker_[conn] = w.id;
    persist_worker(w);
    send(conn, msg::RegisteredWorker{cfg_.url, cfg_.webui_url, false});
    maybe_complete_recovery(false);
    return;
  }
  if (it != workers_.end() && it->second.state != WorkerState::kDead) {
    // Already ALIVE under this id. While its old connection is open and heartbeating the id is
    // taken: another daemon (or an impostor) cannot take over a live worker and its executors.
    // Two missed heartbeats (timeout / 2; workers beat every timeout / 4) prove the old link
    // dead (a half-open connection after a partition): then the new one is adopted, as is a
    // worker that really reconnected, once its old link's close has reached us.
    WorkerInfo& w = it->second;
    if (w.conn && w.conn != conn) {
      if (now - w.last_heartbeat_ms < cfg_.worker_timeout_ms / 2) {
        LOG_WARN(kLog, "refusing worker " << m.id << " on a new connection: it is live on another one");
        send(conn, msg::RegisterWorkerFailed{"worker id " + m.id + " is registered on another live connection"});
        return;
      }
      LOG_WARN(kLog, "worker " << m.id << " registered on a new connection; its old one is silent, closing it");
      conn_worker_.erase(w.conn);
      close(w.conn, "worker re-registered on another connection");
    }
    duplicate = true;
    w.conn = conn;
    w.last_heartbeat_ms = now;
    w.last_heartbeat_wall = clock_.wall_ms();
    ++w.epoch;
    conn_worker_[conn] = w.id;
    LOG_INFO(kLog, "worker " << m.id << " registered again (duplicate)");
    send(conn, msg::RegisteredWorker{cfg_.url, cfg_.webui_url, true});
    schedule();
    return;
  }
  // Dead entries for this id or this address are replaced; a live worker at the same address
  // under another id is refused (two daemons cannot share host:port).
  std::vector<std::string> purge;
  for (auto& [id, w] : workers_) {
    if (w.host != m.host || w.port != m.port) continue;
    if (w.state == WorkerState::kDead || w.state == WorkerState::kUnknown) {
      purge.push_back(id);
    } else {
      LOG_WARN(kLog, "refusing worker " << m.id << ": " << w.id << " is alive at " << m.host << ":" << m.port);
      send(conn, msg::RegisterWorkerFailed{"Attempted to re-register worker at same address: " + m.host + ":" +
                                           std::to_string(m.port)});
      return;
    }
  }
  if (it != workers_.end()) purge.push_back(m.id);
  for (const auto& id : purge) {
    auto p = workers_.find(id);  // an id may be listed twice (same id and same address)
    if (p == workers_.end()) continue;
    // A new daemon at a recovered worker's address: the old one is not coming back.
    if (p->second.state == WorkerState::kUnknown) remove_worker(p->second, "replaced by " + m.id + " at the same address");
    workers_.erase(p);
  }

  WorkerInfo w;
  w.id = m.id;
  w.host = m.host;
  w.port = m.port;
  w.cores = m.cores;
  w.memory_mb = m.memory_mb;
  w.webui_url = ids::http_url_or_empty(m.webui_url);  // shown as a link: http(s) only
  w.state = WorkerState::kAlive;
  w.last_heartbeat_ms = now;
  w.last_heartbeat_wall = clock_.wall_ms();
  w.conn = conn;
  w.epoch = 1;
  LOG_INFO(kLog, "registering worker " << m.id << " at " << m.host << ":" << m.port << " with " << m.cores
                                       << " cores, " << m.memory_mb << " MB RAM");
  conn_worker_[conn] = m.id;
  seen_worker_ids_.insert(m.id);
  persist_worker(w);
  workers_[m.id] = std::move(w);
  send(conn, msg::RegisteredWorker{cfg_.url, cfg_.webui_url, duplicate});
  schedule();
  maybe_complete_recovery(false);  // a replaced UNKNOWN entry may have been the last one
}

void MasterCore::worker_heartbeat(ConnId conn, const msg::WorkerHeartbeat& m) {
  auto it = workers_.find(m.worker_id);
  if (it != workers_.end() && it->second.state == WorkerState::kAlive) {
    it->second.last_heartbeat_ms = clock_.now_ms();
    it->second.last_heartbeat_wall = clock_.wall_ms();
    return;
  }
  if (seen_worker_ids_.count(m.worker_id)) {
    LOG_INFO(kLog, "heartbeat from dropped worker " << m.worker_id << "; asking it to reconnect");
    send(conn, msg::ReconnectWorker{cfg_.url});
  } else {
    LOG_WARN(kLog, "heartbeat from unknown worker " << m.worker_id << "; ignored");
  }
}

void MasterCore::remove_worker(WorkerInfo& w, const std::string& why) {
  set_state(w, WorkerState::kDead, why);
  // Its executors are gone with it; tell their drivers and free the app's share.
  auto execs = w.executors;
  for (const auto& [app_id, exec_id] : execs) {
    auto a = apps_.find(app_id);
    if (a == apps_.end()) continue;
    auto e = a->second.executors.find(exec_id);
    if (e == a->second.executors.end()) continue;
    set_state(e->second, ExecutorState::kLost, "worker lost");
    e->second.message = "worker lost";
    send(a->second.driver, msg::ExecutorUpdated{exec_id, "LOST", "worker lost", std::nullopt, true});
    finish_executor(a->second, e->second);
  }
  w.executors.clear();
  // Its drivers: relaunched elsewhere under --supervise (Spark gives them new ids), else ERROR.
  auto drivers = w.drivers;
  w.drivers.clear();
  for (const auto& did : drivers) {
    auto d = drivers_.find(did);
    if (d == drivers_.end()) continue;
    if (d->second.desc.supervise) {
      relaunch_driver(d->second);
    } else {
      LOG_INFO(kLog, "not re-launching " << did << " because it was not supervised");
      remove_driver(did, DriverState::kError, "worker " + w.id + " lost: " + why);
    }
  }
  w.cores_used = 0;
  w.memory_used_mb = 0;
  w.recovered = false;
  unpersist("worker_" + w.id);
  for (auto& [id, app] : apps_) send(app.driver, msg::WorkerRemoved{w.id, w.host, why});
  schedule();
}

void MasterCore::worker_latest_state(ConnId conn, const msg::WorkerLatestState& m) {
  for (const auto& did : m.drivers) {
    auto d = drivers_.find(did);
    if (d == drivers_.end() || d->second.worker_id != m.worker_id) {
      // Not persisted across a master restart (yet): leave it running rather than kill the
      // application it drives.
      LOG_WARN(kLog, "worker " << m.worker_id << " runs driver " << did << ", unknown to this master; left alone");
    }
  }
  auto w = workers_.find(m.worker_id);
  if (w != workers_.end() && w->second.state == WorkerState::kAlive && w->second.conn == conn)
    return reconcile(w->second, conn, m);
  // From a connection that is not (or no longer) the worker's: everything it lists is stale.
  for (const auto& ref : m.executors) {
    bool known = false;
    if (w != workers_.end() && w->second.state == WorkerState::kAlive)
      known = w->second.executors.count({ref.app_id, ref.exec_id}) > 0;
    if (!known) {
      LOG_INFO(kLog, "worker " << m.worker_id << " runs unknown executor " << ref.app_id << "/" << ref.exec_id
                               << "; killing it");
      send(conn, msg::KillExecutor{ref.app_id, ref.exec_id});
    }
  }
}

// ------------------------------------------------------------------ executors

void MasterCore::executor_state_changed(ConnId conn, const msg::ExecutorStateChanged& m) {
  ExecutorState to;
  if (!parse_executor_state(m.state, to)) {
    close(conn, "ExecutorStateChanged with unknown state '" + m.state + "'");
    return;
  }
  auto a = apps_.find(m.app_id);
  if (a == apps_.end()) {
    LOG_DEBUG(kLog, "state " << m.state << " for executor of inactive app " << m.app_id << "/" << m.exec_id);
    return;
  }
  AppInfo& app = a->second;
  auto e = app.executors.find(m.exec_id);
  auto cw = conn_worker_.find(conn);
  if (e == app.executors.end() || cw == conn_worker_.end() || cw->second != e->second.worker_id) {
    LOG_WARN(kLog, "state " << m.state << " for unknown executor " << m.app_id << "/" << m.exec_id);
    return;
  }
  ExecutorInfo& ex = e->second;
  if (ex.state == to) return;
  if (!legal(ex.state, to)) {
    LOG_WARN(kLog, "ignoring " << m.app_id << "/" << m.exec_id << ": " << to_string(ex.state) << " -> " << m.state);
    return;
  }
  set_state(ex, to, m.message.empty() ? "reported by worker" : m.message);
  ex.message = m.message;
  ex.exit_code = m.exit_code;
  send(app.driver, msg::ExecutorUpdated{m.exec_id, m.state, m.message, m.exit_code, false});
  if (to == ExecutorState::kRunning) {
    app.retry_count = 0;  // the app can start executors after all
    return;
  }
  if (!is_finished(to)) return;
  // KILLED means we (or an operator) asked for it; a clean exit 0 is not a failure either.
  bool normal = to == ExecutorState::kKilled || (to == ExecutorState::kExited && m.exit_code.value_or(0) == 0);
  int exec_id = ex.id;
  finish_executor(app, ex);  // `ex` is gone after this
  if (!normal) {
    ++app.retry_count;
    LOG_INFO(kLog, app.id << ": executor " << exec_id << " ended abnormally (" << app.retry_count << "/"
                          << cfg_.max_executor_retries << " retries)");
    if (cfg_.max_executor_retries >= 0 && app.retry_count >= cfg_.max_executor_retries) {
      bool any_running = std::any_of(app.executors.begin(), app.executors.end(),
                                     [](const auto& kv) { return kv.second.state == ExecutorState::kRunning; });
      if (!any_running) {
        remove_app(app, AppState::kFailed,
                   std::to_string(app.retry_count) + " executors failed in a row (spark.deploy.maxExecutorRetries)");
        return;
      }
    }
  }
  schedule();
}

// Detaches a finished executor from its worker and app, freeing the worker's resources.
void MasterCore::finish_executor(AppInfo& app, ExecutorInfo& e) {
  auto w = workers_.find(e.worker_id);
  if (w != workers_.end() && w->second.executors.erase({app.id, e.id})) {
    w->second.cores_used -= e.cores;
    w->second.memory_used_mb -= e.memory_mb;
  }
  app.removed_executors.push_back(e);
  if (app.removed_executors.size() > kRetainedRemovedExecutors) app.removed_executors.pop_front();
  app.executors.erase(e.id);
}

// ------------------------------------------------------------------ applications

std::string MasterCore::new_app_id() {
  char num[16];
  std::snprintf(num, sizeof num, "%04d", next_app_number_++);
  return "app-" + timestamp_id(clock_.wall_ms()) + "-" + num;
}

void MasterCore::register_app(ConnId conn, const msg::RegisterApplication& m) {
  if (conn_app_.count(conn)) {
    LOG_WARN(kLog, "driver connection " << conn << " registered twice; ignored");
    return;
  }
  if (m.app_id) return reregister_app(conn, m);
  AppInfo app;
  app.id = new_app_id();
  app.desc = m;
  app.desc.app_ui_url = ids::http_url_or_empty(m.app_ui_url);  // the master page links it
  app.driver = conn;
  app.start_wall_ms = clock_.wall_ms();
  LOG_INFO(kLog, "registering app " << m.name << " as " << app.id << " (driver " << m.driver_url << ")");
  conn_app_[conn] = app.id;
  waiting_apps_.push_back(app.id);
  send(conn, msg::RegisteredApplication{app.id, cfg_.url});
  persist_app(app);
  apps_[app.id] = std::move(app);
  schedule();
}

void MasterCore::unregister_app(ConnId conn, const msg::UnregisterApplication& m) {
  auto a = apps_.find(m.app_id);
  if (a == apps_.end()) {
    LOG_WARN(kLog, "unregister of unknown app " << m.app_id);
    return;
  }
  if (a->second.driver != conn) {
    LOG_WARN(kLog, "app " << m.app_id << " unregistered from a connection that is not its driver; ignored");
    return;
  }
  remove_app(a->second, AppState::kFinished, "unregistered by its driver");
}

void MasterCore::kill_app(const KillApplication& k) {
  auto a = apps_.find(k.app_id);
  if (a == apps_.end()) {
    LOG_WARN(kLog, "kill of unknown app " << k.app_id << "; ignored");
    return;
  }
  remove_app(a->second, AppState::kKilled, k.reason);
}

void MasterCore::remove_app(AppInfo& app, AppState final_state, const std::string& why) {
  set_state(app, final_state, why);
  app.end_wall_ms = clock_.wall_ms();
  app.final_cores = app.cores_granted();
  std::vector<int> ids;
  for (const auto& [id, e] : app.executors) ids.push_back(id);
  for (int id : ids) {
    ExecutorInfo& e = app.executors.at(id);
    auto w = workers_.find(e.worker_id);
    if (w != workers_.end()) send(w->second.conn, msg::KillExecutor{app.id, id});
    set_state(e, ExecutorState::kKilled, "application ended");
    finish_executor(app, e);
  }
  if (final_state != AppState::kFinished) send(app.driver, msg::ApplicationRemoved{to_string(final_state), why});
  for (auto& [id, w] : workers_)
    if (w.state == WorkerState::kAlive) send(w.conn, msg::ApplicationFinished{app.id});
  if (app.driver) conn_app_.erase(app.driver);
  std::erase(waiting_apps_, app.id);
  unpersist("app_" + app.id);
  std::string id = app.id;
  completed_.push_back(std::move(app));
  apps_.erase(id);  // `app` is dangling from here
  if (cfg_.retained_applications >= 0 && completed_.size() > static_cast<size_t>(cfg_.retained_applications)) {
    // Like Spark, trim 10% at a time so we do not shuffle the deque on every removal.
    size_t drop = std::max<size_t>(1, static_cast<size_t>(cfg_.retained_applications) / 10);
    drop = std::min(drop, completed_.size());
    completed_.erase(completed_.begin(), completed_.begin() + static_cast<long>(drop));
  }
  schedule();
}

// ------------------------------------------------------------------ scheduling

void MasterCore::schedule() {
  if (status_ != MasterStatus::kAlive) return;  // recovery first: stored executors may come back
  schedule_drivers();  // drivers first, as Spark: they are what asks for executors
  std::vector<WorkerOffer> offers;
  for (const auto& [id, w] : workers_)
    if (w.state == WorkerState::kAlive) offers.push_back({id, w.cores_free(), w.memory_free_mb()});
  std::vector<AppDemand> demands;
  for (const auto& id : waiting_apps_) {
    const AppInfo& a = apps_.at(id);
    int left = a.requested_cores(cfg_.default_cores) - a.cores_granted();
    if (left > 0) demands.push_back({id, left, a.desc.cores_per_executor, a.desc.memory_per_executor_mb});
  }
  if (offers.empty() || demands.empty()) return;
  std::set<std::string> launched_for;
  for (const auto& l : plan_allocation(std::move(offers), demands, cfg_.spread_out)) {
    AppInfo& app = apps_.at(l.app_id);
    WorkerInfo& w = workers_.at(l.worker_id);
    ExecutorInfo e;
    e.id = app.next_executor_id++;
    e.app_id = app.id;
    e.worker_id = w.id;
    e.host = w.host;
    e.cores = l.cores;
    e.memory_mb = l.memory_mb;
    e.worker_epoch = w.epoch;
    launched_for.insert(app.id);
    LOG_INFO(kLog, "launching executor " << app.id << "/" << e.id << " on worker " << w.id << " (" << e.cores
                                         << " cores, " << e.memory_mb << " MB)");
    w.cores_used += e.cores;
    w.memory_used_mb += e.memory_mb;
    w.executors.insert({app.id, e.id});
    msg::LaunchExecutor launch;
    launch.app_id = app.id;
    launch.exec_id = e.id;
    launch.app_name = app.desc.name;
    launch.cores = e.cores;
    launch.memory_mb = e.memory_mb;
    launch.driver_url = app.desc.driver_url;
    launch.env = app.desc.executor_env;
    send(w.conn, std::move(launch));
    send(app.driver, msg::ExecutorAdded{e.id, w.id, w.host, e.cores, e.memory_mb});
    app.executors[e.id] = std::move(e);
    if (app.state == AppState::kWaiting) set_state(app, AppState::kRunning, "executors granted");
  }
  for (const auto& id : launched_for) persist_app(apps_.at(id));  // next_executor_id moved
}

}  // namespace spp::master
