// MasterCore: cluster-mode drivers (Spark's standalone cluster deploy mode). A submission
// client sends RequestSubmitDriver with the program's files; the master queues a DriverInfo,
// launches it on a worker with room for its cores and memory (LaunchDriver), follows
// DriverStateChanged, answers RequestDriverStatus / RequestKillDriver, and relaunches a
// supervised driver whose worker died.
#include <algorithm>
#include <cstdio>

#include "common/log.h"
#include "common/util.h"
#include "master/master_core.h"

namespace spp::master {
namespace {
constexpr const char* kLog = "master";
}  // namespace

std::string MasterCore::new_driver_id() {
  char num[16];
  std::snprintf(num, sizeof num, "%04d", next_driver_number_++);
  return "driver-" + timestamp_id(clock_.wall_ms()) + "-" + num;
}

void MasterCore::submit_driver(ConnId conn, const msg::RequestSubmitDriver& m, const std::vector<std::string>& blobs) {
  if (status_ != MasterStatus::kAlive) {
    send(conn, msg::SubmitDriverResponse{false, "", std::string("Current state is not alive: ") + to_string(status_) +
                                                        ". Can only accept driver submissions in ALIVE state."});
    return;
  }
  if (blobs.size() != m.desc.files.size()) {
    close(conn, "RequestSubmitDriver with " + std::to_string(blobs.size()) + " blobs for " +
                    std::to_string(m.desc.files.size()) + " files");
    return;
  }
  DriverInfo d;
  d.id = new_driver_id();
  d.desc = m.desc;
  d.blobs = blobs;
  d.start_wall_ms = clock_.wall_ms();
  LOG_INFO(kLog, "driver submitted " << d.desc.files[0] << " as " << d.id << " (" << d.desc.cores << " cores, "
                                     << d.desc.memory_mb << " MB" << (d.desc.supervise ? ", supervised" : "") << ")");
  std::string id = d.id;
  drivers_[id] = std::move(d);
  waiting_drivers_.push_back(id);
  send(conn, msg::SubmitDriverResponse{true, id, "Driver successfully submitted as " + id});
  schedule();
}

void MasterCore::kill_driver(ConnId conn, const msg::RequestKillDriver& m) {
  if (status_ != MasterStatus::kAlive) {
    send(conn, msg::KillDriverResponse{m.driver_id, false, std::string("Current state is not alive: ") +
                                                              to_string(status_) + ". Can only kill drivers in ALIVE state."});
    return;
  }
  LOG_INFO(kLog, "asked to kill driver " << m.driver_id);
  auto d = drivers_.find(m.driver_id);
  if (d == drivers_.end()) {
    std::string why = "Driver " + m.driver_id + " has already finished or does not exist";
    LOG_WARN(kLog, why);
    send(conn, msg::KillDriverResponse{m.driver_id, false, why});
    return;
  }
  std::string why = "Kill request for " + m.driver_id + " submitted";
  send(conn, msg::KillDriverResponse{m.driver_id, true, why});
  if (std::find(waiting_drivers_.begin(), waiting_drivers_.end(), m.driver_id) != waiting_drivers_.end()) {
    remove_driver(m.driver_id, DriverState::kKilled, "killed before it was launched");
    return;
  }
  auto w = workers_.find(d->second.worker_id);
  if (w != workers_.end()) send(w->second.conn, msg::KillDriver{m.driver_id});  // KILLED comes back from it
}

void MasterCore::driver_status(ConnId conn, const msg::RequestDriverStatus& m) {
  msg::DriverStatusResponse r;
  r.driver_id = m.driver_id;
  if (status_ != MasterStatus::kAlive) {
    r.message = std::string("Current state is not alive: ") + to_string(status_) + ". Can only request driver status in ALIVE state.";
    send(conn, std::move(r));
    return;
  }
  const DriverInfo* d = nullptr;
  if (auto it = drivers_.find(m.driver_id); it != drivers_.end()) d = &it->second;
  for (const auto& c : completed_drivers_)
    if (c.id == m.driver_id) d = &c;
  if (d) {
    r.found = true;
    r.state = to_string(d->state);
    r.worker_id = d->worker_id;
    if (auto w = workers_.find(d->worker_id); w != workers_.end())
      r.worker_host_port = w->second.host + ":" + std::to_string(w->second.port);
    r.message = d->message;
  }
  send(conn, std::move(r));
}

void MasterCore::driver_state_changed(ConnId conn, const msg::DriverStateChanged& m) {
  DriverState to;
  if (!parse_driver_state(m.state, to)) {
    close(conn, "DriverStateChanged with unknown state '" + m.state + "'");
    return;
  }
  auto d = drivers_.find(m.driver_id);
  auto cw = conn_worker_.find(conn);
  if (d == drivers_.end() || cw == conn_worker_.end() || cw->second != d->second.worker_id) {
    LOG_WARN(kLog, "state " << m.state << " for unknown driver " << m.driver_id);
    return;
  }
  DriverInfo& di = d->second;
  if (to == DriverState::kRunning || to == DriverState::kRelaunching) {
    // --supervise: the worker restarts it in place (RELAUNCHING, then RUNNING again).
    LOG_INFO(kLog, di.id << ": " << to_string(di.state) << " -> " << m.state << (m.message.empty() ? "" : " (" + m.message + ")"));
    di.state = to;
    di.message = m.message;
    di.exit_code = m.exit_code;
    return;
  }
  if (!is_finished(to)) {
    LOG_WARN(kLog, "unexpected state " << m.state << " for driver " << m.driver_id);
    return;
  }
  di.exit_code = m.exit_code;
  remove_driver(di.id, to, m.message);
}

void MasterCore::remove_driver(const std::string& id_ref, DriverState final_state, const std::string& why_ref) {
  // Copies: callers pass fields of the DriverInfo that is moved out below.
  const std::string id = id_ref, why = why_ref;
  auto it = drivers_.find(id);
  if (it == drivers_.end()) return;
  DriverInfo d = std::move(it->second);
  drivers_.erase(it);
  std::erase(waiting_drivers_, id);
  LOG_INFO(kLog, "removing driver " << id << ": " << to_string(d.state) << " -> " << to_string(final_state)
                                    << (why.empty() ? "" : " (" + why + ")"));
  d.state = final_state;
  d.message = why;
  if (auto w = workers_.find(d.worker_id); w != workers_.end() && w->second.drivers.erase(id)) {
    w->second.cores_used -= d.desc.cores;
    w->second.memory_used_mb -= d.desc.memory_mb;
  }
  d.blobs.clear();  // never launched again
  d.blobs.shrink_to_fit();
  completed_drivers_.push_back(std::move(d));
  if (completed_drivers_.size() > static_cast<size_t>(cfg_.retained_drivers)) {
    size_t drop = std::max<size_t>(1, static_cast<size_t>(cfg_.retained_drivers) / 10);
    drop = std::min(drop, completed_drivers_.size());
    completed_drivers_.erase(completed_drivers_.begin(), completed_drivers_.begin() + static_cast<long>(drop));
  }
  schedule();
}

void MasterCore::relaunch_driver(DriverInfo& old) {
  // Spark (SPARK-25136): the relaunched driver is a new driver with a new id, so a late report
  // from the old one cannot be mistaken for the new one's.
  DriverInfo d;
  d.id = new_driver_id();
  d.desc = old.desc;
  d.blobs = old.blobs;
  d.start_wall_ms = clock_.wall_ms();
  LOG_INFO(kLog, "re-launching " << old.id << " as " << d.id);
  std::string old_id = old.id, new_id = d.id;
  drivers_[new_id] = std::move(d);
  waiting_drivers_.push_back(new_id);
  remove_driver(old_id, DriverState::kRelaunching, "its worker was lost; relaunched as " + new_id);
}

// Spark's schedule() for drivers: each waiting driver goes to the next alive worker (round
// robin) with free cores and memory for it.
void MasterCore::schedule_drivers() {
  std::vector<WorkerInfo*> alive;
  for (auto& [id, w] : workers_)
    if (w.state == WorkerState::kAlive && w.conn) alive.push_back(&w);
  if (alive.empty()) return;
  for (const auto& id : std::vector<std::string>(waiting_drivers_)) {
    DriverInfo& d = drivers_.at(id);
    bool launched = false, idle = true;
    for (size_t visited = 0; visited < alive.size() && !launched; ++visited) {
      WorkerInfo& w = *alive[driver_worker_pos_ % alive.size()];
      driver_worker_pos_ = (driver_worker_pos_ + 1) % alive.size();
      idle = idle && w.drivers.empty() && w.executors.empty();
      if (w.cores_free() < d.desc.cores || w.memory_free_mb() < d.desc.memory_mb) continue;
      LOG_INFO(kLog, "launching driver " << d.id << " on worker " << w.id);
      w.drivers.insert(d.id);
      w.cores_used += d.desc.cores;
      w.memory_used_mb += d.desc.memory_mb;
      d.worker_id = w.id;
      d.state = DriverState::kRunning;
      out_.push_back(Send{w.conn, msg::Message(msg::LaunchDriver{d.id, d.desc}), d.blobs});
      std::erase(waiting_drivers_, id);
      launched = true;
    }
    if (!launched && idle)
      LOG_WARN(kLog, "driver " << d.id << " requires more resource than any of the workers could have");
  }
}

}  // namespace spp::master
