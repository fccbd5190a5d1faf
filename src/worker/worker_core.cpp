// WorkerCore: registration with back-off, heartbeats, executor lifecycle (see worker_core.h).
#include "worker/worker_core.h"

#include <signal.h>

#include <algorithm>
#include <cctype>

#include "common/ids.h"
#include "common/log.h"

namespace spp::worker {
namespace {
constexpr const char* kLog = "worker";

bool legal(ExecutorState from, ExecutorState to) {
  if (is_finished(from) || to == ExecutorState::kLaunching) return false;
  return !(from == ExecutorState::kRunning && to == ExecutorState::kRunning);
}

// driver-<yyyyMMddHHmmss>-<NNNN> (the master's ids; more digits once past 9999).
bool valid_driver_id(const std::string& s) {
  if (s.size() < 26 || s.size() > 40 || s.rfind("driver-", 0) != 0 || s[21] != '-') return false;
  for (size_t i = 7; i < s.size(); ++i)
    if (i != 21 && !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_of(" \t\n'\"\\$`*?[]{}()<>|&;#~") == std::string::npos) return s;
  std::string o = "'";
  for (char c : s) o += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return o + "'";
}
}  // namespace

const char* to_string(Link l) {
  switch (l) {
    case Link::kDisconnected: return "DISCONNECTED";
    case Link::kConnecting: return "CONNECTING";
    case Link::kRegistering: return "REGISTERING";
    case Link::kRegistered: return "REGISTERED";
  }
  return "?";
}

WorkerCore::WorkerCore(WorkerConfig cfg, const Clock& clock)
    : cfg_(std::move(cfg)), clock_(clock), backoff_ms_(cfg_.initial_backoff_ms) {}

int WorkerCore::cores_used() const {
  int n = 0;
  for (const auto& [k, r] : active_) n += r.cores;
  for (const auto& [k, d] : drivers_) n += d.desc.cores;
  return n;
}

int64_t WorkerCore::memory_used_mb() const {
  int64_t n = 0;
  for (const auto& [k, r] : active_) n += r.memory_mb;
  for (const auto& [k, d] : drivers_) n += d.desc.memory_mb;
  return n;
}

void WorkerCore::set_link(Link to, const std::string& why) {
  if (to == link_) return;
  LOG_INFO(kLog, cfg_.id << ": " << to_string(link_) << " -> " << to_string(to) << " (" << why << ")");
  link_ = to;
}

void WorkerCore::set_state(ExecutorRunner& r, ExecutorState to, const std::string& why) {
  SPP_CHECK(legal(r.state, to), "executor %s/%d: %s -> %s", r.app_id.c_str(), r.exec_id, to_string(r.state), to_string(to));
  LOG_INFO(kLog, r.app_id << "/" << r.exec_id << ": " << to_string(r.state) << " -> " << to_string(to) << " (" << why << ")");
  r.state = to;
}

std::vector<Effect> WorkerCore::handle(const Event& ev) {
  out_.clear();
  if (exited_) return {};
  std::visit([this](const auto& e) {
    using T = std::decay_t<decltype(e)>;
    if constexpr (std::is_same_v<T, Start>) {
      started_ = true;
      set_link(Link::kConnecting, "starting");
      out_.push_back(ConnectMaster{});
    } else if constexpr (std::is_same_v<T, Tick>) {
      on_tick();
    } else if constexpr (std::is_same_v<T, MasterReady>) {
      if (link_ == Link::kConnecting) register_now();
    } else if constexpr (std::is_same_v<T, MasterLost>) {
      lost_master(e.reason);
    } else if constexpr (std::is_same_v<T, FromMaster>) {
      on_master_message(e.msg, e.blobs);
    } else if constexpr (std::is_same_v<T, ExecutorStarted>) {
      auto it = active_.find({e.app_id, e.exec_id});
      if (it == active_.end() || it->second.state != ExecutorState::kLaunching) return;
      it->second.pid = e.pid;
      set_state(it->second, ExecutorState::kRunning, "process " + std::to_string(e.pid) + " started");
      send(msg::ExecutorStateChanged{e.app_id, e.exec_id, "RUNNING", "", std::nullopt});
      // A kill that arrived while we were launching is carried out now.
      if (it->second.kill_requested) {
        it->second.kill_requested = false;
        kill(it->second, "killed while launching");
      }
    } else if constexpr (std::is_same_v<T, ExecutorSpawnFailed>) {
      auto it = active_.find({e.app_id, e.exec_id});
      if (it == active_.end()) return;
      finish(it->second, ExecutorState::kFailed, "cannot launch executor: " + e.error, std::nullopt);
    } else if constexpr (std::is_same_v<T, ExecutorExited>) {
      on_exited(e);
    } else if constexpr (std::is_same_v<T, WorkDirScanned>) {
      clean_work_dir(e.dirs);
    } else if constexpr (std::is_same_v<T, DriverStarted>) {
      auto it = drivers_.find(e.driver_id);
      if (it == drivers_.end()) return;
      DriverRunner& d = it->second;
      d.pid = e.pid;
      d.run_start_ms = clock_.now_ms();
      ++d.runs;
      LOG_INFO(kLog, "driver " << d.id << " started (process " << e.pid << (d.runs > 1 ? ", run " + std::to_string(d.runs) : std::string()) << ")");
      if (d.state != DriverState::kRunning) {
        d.state = DriverState::kRunning;
        send(msg::DriverStateChanged{d.id, "RUNNING", d.runs > 1 ? "relaunched (run " + std::to_string(d.runs) + ")" : "", std::nullopt});
      }
      if (d.kill_requested) {
        d.kill_requested = false;
        kill_driver(d, "killed while launching");
      }
    } else if constexpr (std::is_same_v<T, DriverSpawnFailed>) {
      auto it = drivers_.find(e.driver_id);
      if (it == drivers_.end()) return;
      finish_driver(it->second, DriverState::kError, "cannot launch driver: " + e.error, std::nullopt);
    } else if constexpr (std::is_same_v<T, DriverExited>) {
      on_driver_exited(e);
    } else if constexpr (std::is_same_v<T, Shutdown>) {
      if (stopping_) return;
      stopping_ = true;
      LOG_INFO(kLog, "shutting down: stopping " << active_.size() << " executor(s), " << drivers_.size() << " driver(s)");
      std::vector<std::pair<std::string, int>> keys;
      for (const auto& [k, r] : active_) keys.push_back(k);
      for (const auto& k : keys) kill(active_.at(k), "worker shutting down");
      std::vector<std::string> dids;
      for (const auto& [id, d] : drivers_) dids.push_back(id);
      for (const auto& id : dids) kill_driver(drivers_.at(id), "worker shutting down");
    }
  }, ev);
  maybe_exit();
  return std::move(out_);
}

// ------------------------------------------------------------------ master link

void WorkerCore::register_now() {
  set_link(Link::kRegistering, "connected to " + cfg_.master_url);
  register_deadline_ms_ = clock_.now_ms() + cfg_.register_timeout_ms;
  msg::RegisterWorker r;
  r.id = cfg_.id;
  r.host = cfg_.host;
  r.port = cfg_.port;
  r.cores = cfg_.cores;
  r.memory_mb = cfg_.memory_mb;
  r.webui_url = cfg_.webui_url;
  send(std::move(r));
}

void WorkerCore::lost_master(const std::string& reason) {
  if (link_ == Link::kDisconnected) return;
  if (link_ == Link::kRegistered)
    LOG_WARN(kLog, "connection to master failed (" << reason << "); waiting for master to reconnect; executors keep running");
  next_connect_ms_ = clock_.now_ms() + backoff_ms_;
  set_link(Link::kDisconnected, reason + "; retry in " + std::to_string(backoff_ms_) + " ms");
  backoff_ms_ = std::min(backoff_ms_ * 2, cfg_.max_backoff_ms);
}

void WorkerCore::on_master_message(const msg::Message& m, const std::vector<std::string>& blobs) {
  if (auto* x = std::get_if<msg::RegisteredWorker>(&m)) {
    if (link_ != Link::kRegistering && link_ != Link::kRegistered) return;
    set_link(Link::kRegistered, std::string("registered with ") + x->master_url + (x->duplicate ? " (duplicate)" : ""));
    registered_once_ = true;
    master_url_ = x->master_url;
    master_webui_url_ = ids::http_url_or_empty(x->master_webui_url);  // shown as a link
    // Spark arms the cleanup timer only once registered.
    if (cfg_.cleanup_enabled && next_cleanup_ms_ == 0) next_cleanup_ms_ = clock_.now_ms() + cfg_.cleanup_interval_ms;
    backoff_ms_ = cfg_.initial_backoff_ms;
    next_heartbeat_ms_ = clock_.now_ms() + cfg_.heartbeat_ms;
    msg::WorkerLatestState st;
    st.worker_id = cfg_.id;
    for (const auto& [k, r] : active_) st.executors.push_back({r.app_id, r.exec_id, r.cores, r.memory_mb});
    for (const auto& [id, d] : drivers_) st.drivers.push_back(id);
    send(std::move(st));
  } else if (auto* x = std::get_if<msg::RegisterWorkerFailed>(&m)) {
    if (!registered_once_) {
      LOG_ERROR(kLog, "worker registration failed: " << x->message);
      out_.push_back(DropMaster{"registration refused"});
      stopping_ = true;
      exited_ = true;  // never registered, so nothing runs here yet
      out_.push_back(Exit{1});
      return;
    }
    LOG_WARN(kLog, "re-registration refused: " << x->message << "; will retry");
    out_.push_back(DropMaster{"registration refused"});
    lost_master("registration refused: " + x->message);
  } else if (auto* x = std::get_if<msg::MasterInStandby>(&m)) {
    // Not the leader: try the next master of the list (Spark ignores it and keeps retrying).
    LOG_INFO(kLog, "master " << x->master_url << " is a standby; trying the next master");
    out_.push_back(DropMaster{"master in standby"});
    lost_master("master " + x->master_url + " is in standby");
  } else if (std::get_if<msg::ReconnectWorker>(&m)) {
    if (link_ == Link::kRegistered) register_now();
  } else if (auto* x = std::get_if<msg::LaunchExecutor>(&m)) {
    launch(*x);
  } else if (auto* x = std::get_if<msg::KillExecutor>(&m)) {
    auto it = active_.find({x->app_id, x->exec_id});
    if (it == active_.end()) {
      LOG_INFO(kLog, "asked to kill unknown executor " << x->app_id << "/" << x->exec_id);
      return;
    }
    kill(it->second, "killed by master");
  } else if (auto* x = std::get_if<msg::LaunchDriver>(&m)) {
    launch_driver(*x, blobs);
  } else if (auto* x = std::get_if<msg::KillDriver>(&m)) {
    auto it = drivers_.find(x->driver_id);
    if (it == drivers_.end()) {
      LOG_INFO(kLog, "asked to kill unknown driver " << x->driver_id);
      return;
    }
    kill_driver(it->second, "killed by master");
  } else if (auto* x = std::get_if<msg::ApplicationFinished>(&m)) {
    LOG_INFO(kLog, "application " << x->app_id << " finished");
    std::vector<std::pair<std::string, int>> keys;
    for (const auto& [k, r] : active_)
      if (k.first == x->app_id) keys.push_back(k);
    for (const auto& k : keys) kill(active_.at(k), "application finished");
  } else {
    LOG_WARN(kLog, "unexpected message from master; dropping the connection");
    out_.push_back(DropMaster{"unexpected message"});
    lost_master("unexpected message");
  }
}

void WorkerCore::on_tick() {
  const int64_t now = clock_.now_ms();
  if (started_ && !stopping_) {
    if (link_ == Link::kDisconnected && now >= next_connect_ms_) {
      set_link(Link::kConnecting, "retrying");
      out_.push_back(ConnectMaster{});
    } else if (link_ == Link::kRegistering && now >= register_deadline_ms_) {
      out_.push_back(DropMaster{"no answer to RegisterWorker"});
      lost_master("no answer to RegisterWorker");
    } else if (link_ == Link::kRegistered && now >= next_heartbeat_ms_) {
      send(msg::WorkerHeartbeat{cfg_.id});
      next_heartbeat_ms_ = now + cfg_.heartbeat_ms;
    }
  }
  if (cfg_.cleanup_enabled && next_cleanup_ms_ && now >= next_cleanup_ms_ && !stopping_) {
    next_cleanup_ms_ = now + cfg_.cleanup_interval_ms;
    out_.push_back(ScanWorkDir{});
  }
  for (auto& [id, d] : drivers_) {
    if (d.state == DriverState::kRunning && d.kill_deadline_ms && !d.sigkill_sent && now >= d.kill_deadline_ms) {
      LOG_WARN(kLog, "driver " << id << " still alive " << cfg_.kill_timeout_ms << " ms after SIGTERM; sending SIGKILL");
      d.sigkill_sent = true;
      out_.push_back(SignalDriver{id, SIGKILL});
    } else if (d.state == DriverState::kRelaunching && !stopping_ && now >= d.relaunch_at_ms) {
      start_driver(d);
    }
  }
  for (auto& [k, r] : active_) {
    if (r.state == ExecutorState::kRunning && r.kill_deadline_ms && !r.sigkill_sent && now >= r.kill_deadline_ms) {
      LOG_WARN(kLog, r.app_id << "/" << r.exec_id << " still alive " << cfg_.kill_timeout_ms
                               << " ms after SIGTERM; sending SIGKILL");
      r.sigkill_sent = true;
      out_.push_back(SignalExecutor{r.app_id, r.exec_id, SIGKILL});
    }
  }
}

// ------------------------------------------------------------------ executors

void WorkerCore::launch(const msg::LaunchExecutor& m) {
  if (stopping_) return;
  auto key = std::make_pair(m.app_id, m.exec_id);
  if (active_.count(key)) {
    LOG_WARN(kLog, "executor " << m.app_id << "/" << m.exec_id << " is already running; launch ignored");
    return;
  }
  // The ids become directory names below and are deleted recursively later: strict patterns only.
  if (!ids::valid_app_id(m.app_id) || m.exec_id < 0) {
    LOG_WARN(kLog, "refusing to launch an executor with an invalid id: application '" << m.app_id << "', executor "
                                                                                      << m.exec_id);
    send(msg::ExecutorStateChanged{m.app_id, m.exec_id, "FAILED", "invalid application or executor id", std::nullopt});
    return;
  }
  ExecutorRunner r;
  r.app_id = m.app_id;
  r.exec_id = m.exec_id;
  r.app_name = m.app_name;
  r.cores = m.cores;
  r.memory_mb = m.memory_mb;
  r.driver_url = m.driver_url;
  r.dir = cfg_.work_dir + "/" + m.app_id + "/" + std::to_string(m.exec_id);
  // Scratch lives under spark.local.dir like Spark's executor-<uuid> dirs: short paths matter,
  // since executors put Unix sockets there (108-byte limit). app+exec ids are unique per master
  // only: the tag keeps another cluster's worker on this machine (same ids, same second) from
  // sharing, and on the executor's exit deleting, this executor's dir.
  r.scratch_dir = cfg_.local_dir + "/sparkpp-executor-" + m.app_id + "-" + std::to_string(m.exec_id) +
                  (cfg_.scratch_tag.empty() ? "" : "-" + cfg_.scratch_tag);
  r.start_wall_ms = clock_.wall_ms();
  LOG_INFO(kLog, "asked to launch executor " << m.app_id << "/" << m.exec_id << " for " << m.app_name << " ("
                                              << m.cores << " cores, " << m.memory_mb << " MB)");

  SpawnExecutor s;
  s.app_id = m.app_id;
  s.exec_id = m.exec_id;
  s.args = {cfg_.executable, "executor", "--driver-url", m.driver_url, "--executor-id", std::to_string(m.exec_id),
            "--app-id", m.app_id, "--cores", std::to_string(m.cores), "--host", cfg_.host,
            "--worker-id", cfg_.id, "--memory-mb", std::to_string(m.memory_mb)};
  // The application chooses its executors' environment only through the allow-list: never
  // how they load code or find programs (ids.h).
  std::vector<std::string> dropped;
  s.env = ids::filter_executor_env(m.env, &dropped);
  if (!dropped.empty()) {
    std::string names;
    for (const auto& d : dropped) names += (names.empty() ? "" : ", ") + d;
    LOG_WARN(kLog, "executor " << m.app_id << "/" << m.exec_id
                               << ": ignoring environment variables the application may not set: " << names);
  }
  s.env["SPARK_EXECUTOR_DIRS"] = r.scratch_dir;
  s.env["SPARKPP_WORKER_ID"] = cfg_.id;
  // Where the executor's logs can be read (Spark's variables): the driver's UI links to them.
  for (const char* type : {"stdout", "stderr"}) {
    std::string var = std::string("SPARK_LOG_URL_") + (type[3] == 'o' ? "STDOUT" : "STDERR");
    s.env[var] = cfg_.webui_url + "/logPage/?appId=" + m.app_id + "&executorId=" + std::to_string(m.exec_id) + "&logType=" + type;
  }
  s.dir = r.dir;
  s.scratch_dir = r.scratch_dir;
  s.stdout_path = r.dir + "/stdout";
  s.stderr_path = r.dir + "/stderr";
  std::string cmd;
  for (const auto& a : s.args) {
    if (!cmd.empty()) cmd += ' ';  // (not `"" or " " + ...`: GCC 12 -O3 warns falsely there, -Werror)
    cmd += shell_quote(a);
  }
  s.stderr_header = "Spark Executor Command: " + cmd + "\n" + std::string(40, '=') + "\n";
  active_.emplace(key, std::move(r));
  out_.push_back(std::move(s));
}

void WorkerCore::kill(ExecutorRunner& r, const std::string& why) {
  if (r.state == ExecutorState::kLaunching) {
    r.kill_requested = true;  // the spawn result is on its way; act on it then
    return;
  }
  if (r.kill_requested) return;
  LOG_INFO(kLog, "killing executor " << r.app_id << "/" << r.exec_id << " (" << why << ")");
  r.kill_requested = true;
  r.kill_deadline_ms = clock_.now_ms() + cfg_.kill_timeout_ms;
  out_.push_back(SignalExecutor{r.app_id, r.exec_id, SIGTERM});
}

void WorkerCore::on_exited(const ExecutorExited& e) {
  auto it = active_.find({e.app_id, e.exec_id});
  if (it == active_.end()) return;
  ExecutorRunner& r = it->second;
  int code = e.term_signal ? 128 + e.term_signal : static_cast<int>(e.exit_status);
  std::string how = e.term_signal ? "Command killed by signal " + std::to_string(e.term_signal)
                                  : "Command exited with code " + std::to_string(e.exit_status);
  if (r.kill_requested) finish(r, ExecutorState::kKilled, how, code);
  else if (code == 0) finish(r, ExecutorState::kExited, how, code);
  else finish(r, ExecutorState::kFailed, how, code);
}

// Reports a final state to the master and retires the runner (its resources become free).
void WorkerCore::finish(ExecutorRunner& r, ExecutorState to, const std::string& message, std::optional<int> code) {
  set_state(r, to, message);
  r.message = message;
  r.exit_code = code;
  r.end_wall_ms = clock_.wall_ms();
  send(msg::ExecutorStateChanged{r.app_id, r.exec_id, to_string(to), message, code});
  // Scratch space dies with the executor (no external shuffle service keeps it useful);
  // logs stay for the UI until the work dir is cleaned.
  out_.push_back(RemoveDir{r.scratch_dir});
  finished_.push_back(r);
  if (finished_.size() > cfg_.retained_executors) finished_.pop_front();
  active_.erase({r.app_id, r.exec_id});
}

// ------------------------------------------------------------------ drivers (cluster deploy mode)

void WorkerCore::launch_driver(const msg::LaunchDriver& m, const std::vector<std::string>& blobs) {
  if (stopping_) return;
  if (drivers_.count(m.driver_id)) {
    LOG_WARN(kLog, "driver " << m.driver_id << " is already running; launch ignored");
    return;
  }
  // The id becomes a directory name (deleted recursively later): strict pattern only.
  if (!valid_driver_id(m.driver_id) || blobs.size() != m.desc.files.size()) {
    LOG_WARN(kLog, "refusing to launch driver '" << m.driver_id << "': invalid id or files");
    send(msg::DriverStateChanged{m.driver_id, "ERROR", "invalid driver id or files", std::nullopt});
    return;
  }
  DriverRunner d;
  d.id = m.driver_id;
  d.desc = m.desc;
  d.blobs = blobs;
  d.dir = cfg_.work_dir + "/" + m.driver_id;
  d.start_wall_ms = clock_.wall_ms();
  LOG_INFO(kLog, "asked to launch driver " << d.id << " (" << d.desc.files[0] << ", " << d.desc.cores << " cores, "
                                           << d.desc.memory_mb << " MB)");
  auto it = drivers_.emplace(d.id, std::move(d)).first;
  start_driver(it->second);
}

// `sparkpp submit --deploy-mode client` of the program, in its directory (the shipped files'
// names in the settings resolve there), settings from a properties file (not the command line:
// `ps` shows that).
void WorkerCore::start_driver(DriverRunner& d) {
  SpawnDriver s;
  s.driver_id = d.id;
  s.dir = d.dir;
  s.conf_file = d.dir + "/.sparkpp-driver.conf";
  for (const auto& [k, v] : d.desc.conf) {
    if (k.find_first_of("\n\r=") != std::string::npos || v.find_first_of("\n\r") != std::string::npos) continue;
    s.conf_text += k + "=" + v + "\n";
  }
  s.args = {cfg_.executable, "submit", "--properties-file", s.conf_file, "--deploy-mode", "client"};
  if (auto m = d.desc.conf.find("spark.master"); m == d.desc.conf.end() || m->second.rfind("spark://", 0) != 0)
    s.args.insert(s.args.end(), {"--master", master_url_.empty() ? cfg_.master_url : master_url_});
  s.args.push_back(d.desc.files[0]);
  for (const auto& a : d.desc.args) s.args.push_back(a);
  if (!d.blobs.empty()) {
    for (size_t i = 0; i < d.desc.files.size(); ++i) s.files.emplace_back(d.desc.files[i], std::move(d.blobs[i]));
    d.blobs.clear();
  }
  s.stdout_path = d.dir + "/stdout";
  s.stderr_path = d.dir + "/stderr";
  std::string cmd;
  for (const auto& a : s.args) {
    if (!cmd.empty()) cmd += ' ';
    cmd += shell_quote(a);
  }
  s.stderr_header = "Launch Command: " + cmd + "\n" + std::string(40, '=') + "\n";
  d.state = DriverState::kSubmitted;
  d.pid = 0;
  d.kill_deadline_ms = 0;
  d.sigkill_sent = false;
  out_.push_back(std::move(s));
}

void WorkerCore::kill_driver(DriverRunner& d, const std::string& why) {
  if (d.state == DriverState::kRelaunching) {  // between runs: nothing to signal
    d.kill_requested = true;
    finish_driver(d, DriverState::kKilled, why, d.exit_code);
    return;
  }
  if (d.state == DriverState::kSubmitted) {
    d.kill_requested = true;  // the spawn result is on its way
    return;
  }
  if (d.kill_deadline_ms) return;
  LOG_INFO(kLog, "killing driver " << d.id << " (" << why << ")");
  d.kill_requested = true;
  d.kill_deadline_ms = clock_.now_ms() + cfg_.kill_timeout_ms;
  out_.push_back(SignalDriver{d.id, SIGTERM});
}

void WorkerCore::on_driver_exited(const DriverExited& e) {
  auto it = drivers_.find(e.driver_id);
  if (it == drivers_.end()) return;
  DriverRunner& d = it->second;
  int code = e.term_signal ? 128 + e.term_signal : static_cast<int>(e.exit_status);
  std::string how = e.term_signal ? "Driver killed by signal " + std::to_string(e.term_signal)
                                  : "Driver exited with code " + std::to_string(e.exit_status);
  d.exit_code = code;
  if (d.kill_requested) return finish_driver(d, DriverState::kKilled, how, code);
  if (code == 0) return finish_driver(d, DriverState::kFinished, "", code);
  if (d.desc.supervise && !stopping_) {
    // Spark's DriverRunner: wait 1 s, doubling while runs keep failing fast; a run that lasted
    // 5 s or more resets the wait.
    const int64_t now = clock_.now_ms();
    if (now - d.run_start_ms >= 5000) d.backoff_ms = 1000;
    LOG_INFO(kLog, "driver " << d.id << ": " << how << "; relaunching in " << d.backoff_ms << " ms (--supervise)");
    d.state = DriverState::kRelaunching;
    d.message = how;
    d.relaunch_at_ms = now + d.backoff_ms;
    d.backoff_ms = std::min<int64_t>(d.backoff_ms * 2, 60'000);
    send(msg::DriverStateChanged{d.id, "RELAUNCHING", how, code});
    return;
  }
  finish_driver(d, DriverState::kFailed, how, code);
}

void WorkerCore::finish_driver(DriverRunner& d, DriverState to, const std::string& message, std::optional<int> code) {
  LOG_INFO(kLog, "driver " << d.id << ": " << to_string(d.state) << " -> " << to_string(to)
                           << (message.empty() ? "" : " (" + message + ")"));
  d.state = to;
  d.message = message;
  d.exit_code = code;
  d.end_wall_ms = clock_.wall_ms();
  send(msg::DriverStateChanged{d.id, to_string(to), message, code});
  finished_drivers_.push_back(d);
  if (finished_drivers_.size() > cfg_.retained_executors) finished_drivers_.pop_front();
  std::string id = d.id;
  drivers_.erase(id);  // `d` is gone
}

std::vector<AppDir> select_app_dirs_to_clean(const std::vector<AppDir>& dirs, const std::set<std::string>& running_apps,
                                             int64_t now_wall_ms, int64_t ttl_ms) {
  std::vector<AppDir> out;
  for (const auto& d : dirs)
    if (!running_apps.count(d.app_id) && d.newest_mtime_wall_ms < now_wall_ms - ttl_ms) out.push_back(d);
  return out;
}

void WorkerCore::clean_work_dir(const std::vector<AppDir>& dirs) {
  std::set<std::string> running;
  for (const auto& [k, r] : active_) running.insert(r.app_id);
  for (const auto& [id, d] : drivers_) running.insert(id);  // a driver's dir is WORK_DIR/<driver id>
  for (const auto& d : select_app_dirs_to_clean(dirs, running, clock_.wall_ms(), cfg_.app_data_ttl_ms)) {
    LOG_INFO(kLog, "removing old application dir " << d.path << " (finished, unchanged for over "
                                                   << cfg_.app_data_ttl_ms / 1000 << " s)");
    out_.push_back(RemoveDir{d.path});
  }
}

void WorkerCore::maybe_exit() {
  if (stopping_ && !exited_ && active_.empty() && drivers_.empty()) {
    exited_ = true;
    LOG_INFO(kLog, "all executors stopped; exiting");
    out_.push_back(Exit{0});
  }
}

nlohmann::json WorkerCore::to_json() const {
  using json = nlohmann::json;
  auto runner = [](const ExecutorRunner& r) {
    return json{{"id", r.exec_id},
                {"appid", r.app_id},
                {"cores", r.cores},
                {"memory", r.memory_mb},
                {"state", to_string(r.state)},
                {"pid", r.pid},
                {"message", r.message},
                {"exitcode", r.exit_code ? json(*r.exit_code) : json(nullptr)},
                {"starttime", r.start_wall_ms},
                {"finishtime", r.end_wall_ms},
                {"resources", json::object()},
                {"appdesc", {{"name", r.app_name}, {"cores", r.cores}, {"memoryperexecutor", r.memory_mb},
                             {"memoryperslave", r.memory_mb}, {"user", ""}, {"command", ""}}}};
  };
  json execs = json::array(), done = json::array();
  for (const auto& [k, r] : active_) execs.push_back(runner(r));
  for (const auto& r : finished_) done.push_back(runner(r));
  // Spark's writeDriverRunner shape (driverdesc: its cores, memory, program), plus runs/pid/exit.
  auto driver = [](const DriverRunner& d) {
    return json{{"id", d.id},
                {"starttime", std::to_string(d.start_wall_ms)},
                {"state", to_string(d.state)},
                {"cores", d.desc.cores},
                {"memory", d.desc.memory_mb},
                {"resources", json::object()},
                {"pid", d.pid},
                {"runs", d.runs},
                {"message", d.message},
                {"exitcode", d.exit_code ? json(*d.exit_code) : json(nullptr)},
                {"finishtime", d.end_wall_ms},
                {"driverdesc", {{"name", d.desc.name}, {"program", d.desc.files.empty() ? "" : d.desc.files[0]},
                                {"cores", d.desc.cores}, {"memory", d.desc.memory_mb}, {"supervise", d.desc.supervise}}}};
  };
  json drivers = json::array(), finished_drivers = json::array();
  for (const auto& [id, d] : drivers_) drivers.push_back(driver(d));
  for (const auto& d : finished_drivers_) finished_drivers.push_back(driver(d));
  return {{"id", cfg_.id},
          {"masterurl", master_url_.empty() ? cfg_.master_url : master_url_},
          {"masterwebuiurl", master_webui_url_},
          {"cores", cfg_.cores},
          {"coresused", cores_used()},
          {"memory", cfg_.memory_mb},
          {"memoryused", memory_used_mb()},
          {"resources", json::object()},
          {"resourcesused", json::object()},
          {"link", to_string(link_)},
          {"executors", execs},
          {"finishedexecutors", done},
          {"drivers", drivers},
          {"finisheddrivers", finished_drivers},
          {"insecure", cfg_.insecure_warning.empty() ? json(nullptr) : json(cfg_.insecure_warning)}};
}

}  // namespace spp::worker
