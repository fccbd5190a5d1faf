// MasterCore::to_json: the master's /json document, shaped like Spark's MasterStateResponse
// (JsonProtocol.writeMasterState) plus an `executors` list per application (our extension).
#include <ctime>

#include "master/master_core.h"

namespace spp::master {
namespace {
using json = nlohmann::json;

json worker_json(const WorkerInfo& w) {
  return {{"id", w.id},
          {"host", w.host},
          {"port", w.port},
          {"webuiaddress", w.webui_url},
          {"cores", w.cores},
          {"coresused", w.cores_used},
          {"coresfree", w.cores_free()},
          {"memory", w.memory_mb},
          {"memoryused", w.memory_used_mb},
          {"memoryfree", w.memory_free_mb()},
          {"resources", json::object()},
          {"resourcesused", json::object()},
          {"resourcesfree", json::object()},
          {"state", to_string(w.state)},
          {"lastheartbeat", w.last_heartbeat_wall}};
}

json executor_json(const ExecutorInfo& e) {
  return {{"id", e.id},       {"workerid", e.worker_id}, {"host", e.host}, {"cores", e.cores},
          {"memory", e.memory_mb}, {"state", to_string(e.state)}, {"message", e.message},
          {"exitcode", e.exit_code ? json(*e.exit_code) : json(nullptr)}};
}

std::string submit_date(int64_t wall_ms) {
  // Spark prints java.util.Date.toString, e.g. "Sat Nov 22 12:00:00 UTC 2025".
  time_t t = static_cast<time_t>(wall_ms / 1000);
  struct tm tmv;
  localtime_r(&t, &tmv);
  char buf[64];
  strftime(buf, sizeof buf, "%a %b %d %H:%M:%S %Z %Y", &tmv);
  return buf;
}

json app_json(const AppInfo& a, int64_t now_wall) {
  json execs = json::array();
  for (const auto& [id, e] : a.executors) execs.push_back(executor_json(e));
  json removed = json::array();
  for (const auto& e : a.removed_executors) removed.push_back(executor_json(e));
  int64_t end = a.end_wall_ms ? a.end_wall_ms : now_wall;
  return {{"id", a.id},
          {"starttime", a.start_wall_ms},
          {"name", a.desc.name},
          {"cores", a.end_wall_ms ? a.final_cores : a.cores_granted()},
          {"user", a.desc.user},
          {"memoryperexecutor", a.desc.memory_per_executor_mb},
          {"memoryperslave", a.desc.memory_per_executor_mb},
          {"resourcesperexecutor", json::array()},
          {"submitdate", submit_date(a.start_wall_ms)},
          {"state", a.unknown ? "UNKNOWN" : to_string(a.state)},
          {"duration", end - a.start_wall_ms},
          {"appuiurl", a.desc.app_ui_url},  // extension: the master page links running apps' UIs
          {"executors", execs},
          {"removedexecutors", removed}};
}
}  // namespace

json MasterCore::to_json() const {
  const int64_t now_wall = clock_.wall_ms();
  json workers = json::array();
  int64_t alive = 0, cores = 0, cores_used = 0;  // 64-bit: a hostile RegisterWorker may claim INT_MAX cores
  int64_t mem = 0, mem_used = 0;
  for (const auto& [id, w] : workers_) {
    workers.push_back(worker_json(w));
    if (w.state != WorkerState::kAlive) continue;  // totals count alive workers only, as Spark
    ++alive;
    cores += w.cores;
    cores_used += w.cores_used;
    mem += w.memory_mb;
    mem_used += w.memory_used_mb;
  }
  json active = json::array();
  for (const auto& id : waiting_apps_) active.push_back(app_json(apps_.at(id), now_wall));
  json completed = json::array();
  for (const auto& a : completed_) completed.push_back(app_json(a, now_wall));
  json active_drivers = json::array(), completed_drivers = json::array();
  for (const auto& [id, d] : drivers_) active_drivers.push_back(driver_json(d));
  for (const auto& d : completed_drivers_) completed_drivers.push_back(driver_json(d));
  return {{"url", cfg_.url},
          {"workers", workers},
          {"aliveworkers", alive},
          {"cores", cores},
          {"coresused", cores_used},
          {"memory", mem},
          {"memoryused", mem_used},
          {"resources", json::array()},
          {"resourcesused", json::array()},
          {"activeapps", active},
          {"completedapps", completed},
          {"activedrivers", active_drivers},
          {"completeddrivers", completed_drivers},
          {"status", to_string(status_)},
          {"killenabled", cfg_.kill_enabled},  // extension: the page shows kill buttons only then
          {"insecure", cfg_.insecure_warning.empty() ? json(nullptr) : json(cfg_.insecure_warning)}};  // extension
}

// Spark's JsonProtocol.writeDriverInfo (`mainclass`: the Python program), plus `message` and
// `exitcode` (why it ended) and `supervise`.
json MasterCore::driver_json(const DriverInfo& d) const {
  return {{"id", d.id},
          {"starttime", std::to_string(d.start_wall_ms)},
          {"state", to_string(d.state)},
          {"cores", d.desc.cores},
          {"memory", d.desc.memory_mb},
          {"resources", json::array()},
          {"submitdate", submit_date(d.start_wall_ms)},
          {"worker", d.worker_id.empty() ? std::string("None") : d.worker_id},
          {"mainclass", d.desc.files.empty() ? std::string() : d.desc.files[0]},
          {"name", d.desc.name},
          {"supervise", d.desc.supervise},
          {"message", d.message},
          {"exitcode", d.exit_code ? json(*d.exit_code) : json(nullptr)}};
}

}  // namespace spp::master
