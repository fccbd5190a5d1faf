// MasterCore: leadership, recovery from stored state, and reconciliation of a worker's
// executors with the master's view (Spark's completeRecovery / WorkerLatestState handling).
#include <algorithm>
#include <cstdlib>
#include <tuple>

#include "common/ids.h"
#include "common/log.h"
#include "master/master_core.h"

namespace spp::master {
namespace {
constexpr const char* kLog = "master";
}

void MasterCore::refuse_standby(ConnId conn) {
  LOG_INFO(kLog, "standby: refusing a registration on connection " << conn);
  send(conn, msg::MasterInStandby{cfg_.url});
}

void MasterCore::persist_worker(const WorkerInfo& w) {
  if (!cfg_.persist) return;
  out_.push_back(Persist{"worker_" + w.id, master::to_json(StoredWorker{w.id, w.host, w.port, w.cores, w.memory_mb, w.webui_url})});
}

void MasterCore::persist_app(const AppInfo& a) {
  if (!cfg_.persist) return;
  out_.push_back(Persist{"app_" + a.id, master::to_json(StoredApp{a.id, a.desc, a.start_wall_ms, a.next_executor_id})});
}

void MasterCore::unpersist(const std::string& name) {
  if (cfg_.persist) out_.push_back(Unpersist{name});
}

void MasterCore::elected_leader(const StoredState& stored) {
  if (status_ != MasterStatus::kStandby) return;
  LOG_INFO(kLog, "elected leader");
  if (stored.empty()) {
    status_ = MasterStatus::kAlive;
    LOG_INFO(kLog, "nothing to recover; ALIVE");
    schedule();
    return;
  }
  status_ = MasterStatus::kRecovering;
  recovery_deadline_ms_ = clock_.now_ms() + cfg_.recovery_timeout_ms;
  LOG_INFO(kLog, "RECOVERING " << stored.workers.size() << " worker(s) and " << stored.apps.size()
                               << " application(s); waiting up to " << cfg_.recovery_timeout_ms << " ms for them");
  for (const auto& s : stored.workers) {
    WorkerInfo w;
    w.id = s.id;
    w.host = s.host;
    w.port = s.port;
    w.cores = s.cores;
    w.memory_mb = s.memory_mb;
    w.webui_url = s.webui_url;
    w.state = WorkerState::kUnknown;
    w.last_heartbeat_ms = clock_.now_ms();
    w.last_heartbeat_wall = clock_.wall_ms();
    seen_worker_ids_.insert(w.id);
    workers_[w.id] = std::move(w);
  }
  std::vector<StoredApp> apps = stored.apps;
  // FIFO order survives the restart.
  std::sort(apps.begin(), apps.end(), [](const StoredApp& a, const StoredApp& b) {
    return std::tie(a.start_wall_ms, a.id) < std::tie(b.start_wall_ms, b.id);
  });
  for (const auto& s : apps) {
    AppInfo a;
    a.id = s.id;
    a.desc = s.desc;
    a.desc.app_id.reset();
    a.start_wall_ms = s.start_wall_ms;
    a.next_executor_id = s.next_executor_id;
    a.unknown = true;
    // Ids are app-<time>-<NNNN>: keep numbering after the highest so a restart within the same
    // second cannot hand out a recovered id again.
    auto dash = s.id.rfind('-');
    if (dash != std::string::npos)
      next_app_number_ = std::max(next_app_number_, std::atoi(s.id.c_str() + dash + 1) + 1);
    waiting_apps_.push_back(a.id);
    apps_[a.id] = std::move(a);
  }
  maybe_complete_recovery(false);
}

// Ends recovery once every stored worker (registration and executor report) and app has
// answered, or at the deadline: the silent ones are dropped (workers DEAD, apps FINISHED) and
// scheduling resumes.
void MasterCore::maybe_complete_recovery(bool timed_out) {
  if (status_ != MasterStatus::kRecovering) return;
  std::vector<std::string> workers, apps;
  bool reports_pending = false;
  for (const auto& [id, w] : workers_) {
    if (w.state == WorkerState::kUnknown) workers.push_back(id);
    // Re-registered, but its WorkerLatestState (the executors to re-adopt) has not come yet:
    // scheduling now could hand its busy cores out a second time.
    reports_pending |= w.state == WorkerState::kAlive && w.recovered;
  }
  for (const auto& [id, a] : apps_)
    if (a.unknown) apps.push_back(id);
  if (!timed_out && (!workers.empty() || !apps.empty() || reports_pending)) return;
  LOG_INFO(kLog, "completing recovery" << (timed_out ? " (timeout)" : "") << ": dropping " << workers.size()
                                       << " worker(s) and " << apps.size() << " application(s) that did not come back");
  for (const auto& id : workers) remove_worker(workers_.at(id), "did not re-register after master recovery");
  for (const auto& id : apps)
    remove_app(apps_.at(id), AppState::kFinished, "driver did not re-register after master recovery");
  status_ = MasterStatus::kAlive;
  LOG_INFO(kLog, "recovery complete; ALIVE");
  schedule();
}

// A worker (re-)registered on `conn` and says what it runs. Executors it runs that we do not
// know are killed; executors we placed on it before this registration that it no longer runs
// are LOST; after a master recovery, its executors of recovered apps are adopted.
void MasterCore::reconcile(WorkerInfo& w, ConnId conn, const msg::WorkerLatestState& m) {
  std::set<std::pair<std::string, int>> listed;
  for (const auto& ref : m.executors) {
    auto key = std::make_pair(ref.app_id, ref.exec_id);
    listed.insert(key);
    if (w.executors.count(key)) continue;
    auto a = apps_.find(ref.app_id);
    if (w.recovered && a != apps_.end() && !a->second.executors.count(ref.exec_id)) {
      AppInfo& app = a->second;
      ExecutorInfo e;
      e.id = ref.exec_id;
      e.app_id = app.id;
      e.worker_id = w.id;
      e.host = w.host;
      e.cores = ref.cores;
      e.memory_mb = ref.memory_mb;
      e.state = ExecutorState::kRunning;
      e.worker_epoch = w.epoch;
      LOG_INFO(kLog, "recovered executor " << app.id << "/" << e.id << " on worker " << w.id);
      w.cores_used += e.cores;
      w.memory_used_mb += e.memory_mb;
      w.executors.insert(key);
      app.executors[e.id] = std::move(e);
      if (app.next_executor_id <= ref.exec_id) {
        app.next_executor_id = ref.exec_id + 1;
        persist_app(app);
      }
      if (app.state == AppState::kWaiting) set_state(app, AppState::kRunning, "executor recovered");
      continue;
    }
    LOG_INFO(kLog, "worker " << w.id << " runs unknown executor " << ref.app_id << "/" << ref.exec_id << "; killing it");
    send(conn, msg::KillExecutor{ref.app_id, ref.exec_id});
  }
  w.recovered = false;
  bool lost_any = false;
  auto placed = w.executors;
  for (const auto& key : placed) {
    if (listed.count(key)) continue;
    auto a = apps_.find(key.first);
    if (a == apps_.end()) continue;
    auto e = a->second.executors.find(key.second);
    if (e == a->second.executors.end() || e->second.worker_epoch >= w.epoch) continue;  // launched since
    const std::string why = "no longer running on worker " + w.id + " after it re-registered";
    set_state(e->second, ExecutorState::kLost, why);
    e->second.message = why;
    send(a->second.driver, msg::ExecutorUpdated{key.second, "LOST", why, std::nullopt, false});
    finish_executor(a->second, e->second);
    lost_any = true;
  }
  if (lost_any) schedule();  // the freed cores go back to the apps
  maybe_complete_recovery(false);  // this report may have been the last one recovery waited for
}

void MasterCore::reregister_app(ConnId conn, const msg::RegisterApplication& m) {
  const std::string id = *m.app_id;
  auto refuse = [&](const std::string& why, bool retry = false) {
    LOG_WARN(kLog, "refusing re-registration of application " << (ids::valid_app_id(id) ? id : "(invalid id)") << ": " << why);
    send(conn, msg::RegisterApplicationFailed{why, retry});
  };
  // Ids are the master's to make: a peer names only one this master (or the one it recovered
  // from) made, and only while that application has no live driver.
  if (!ids::valid_app_id(id)) return refuse("invalid application id");
  auto a = apps_.find(id);
  if (a == apps_.end()) {
    // Ended, or never ours. While recovering, a driver the stored state missed (it registered
    // just before the failover) gets its application back; otherwise the id is not handed out
    // again: its executors keep running, it gets no new ones (as a Spark driver whose master
    // restarted without recovery).
    if (status_ != MasterStatus::kRecovering)
      return refuse("this master has no running application " + id +
                    " (it restarted without spark.deploy.recoveryMode, or the application ended)");
    LOG_WARN(kLog, "driver of unknown app " << id << " re-registered during recovery; registering it again");
    AppInfo app;
    app.id = id;
    app.desc = m;
    app.desc.app_id.reset();
    app.driver = conn;
    app.start_wall_ms = clock_.wall_ms();
    for (const auto& c : completed_)
      if (c.id == id) app.next_executor_id = std::max(app.next_executor_id, c.next_executor_id);
    conn_app_[conn] = id;
    waiting_apps_.push_back(id);
    send(conn, msg::RegisteredApplication{id, cfg_.url});
    persist_app(app);
    apps_[id] = std::move(app);
    schedule();
    return;
  }
  AppInfo& app = a->second;
  // A live driver connection owns the application: no takeover. A driver that really lost its
  // link retries and gets in once the old connection's close has reached us.
  if (app.driver && app.driver != conn) return refuse("application " + id + " has a live driver on another connection", true);
  LOG_INFO(kLog, "driver of app " << id << " re-registered" << (app.unknown ? " (recovered)" : ""));
  app.driver = conn;
  app.unknown = false;
  app.desc.driver_url = m.driver_url;
  conn_app_[conn] = id;
  send(conn, msg::RegisteredApplication{id, cfg_.url});
  maybe_complete_recovery(false);
  schedule();
}

}  // namespace spp::master
