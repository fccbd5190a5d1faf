// Driver: the executor registry. Local executors it starts itself, registration, liveness
// (spark.network.timeout), loss, and the cached-block locations executors report.
#include <sstream>
#include <signal.h>
#include <unistd.h>

#include <filesystem>

#include "common/ids.h"
#include "common/log.h"
#include "common/states.h"
#include "common/util.h"
#include "driver/driver.h"

#include <utility>

namespace spp::driver {
namespace fs = std::filesystem;
static const char* kLog = "driver";

// ------------------------------------------------------------------ executors

// The --memory-mb an executor gets: local mode, spark.executor.memory if set, else
// spark.driver.memory (Spark runs local tasks in the driver's heap); local-cluster its M; a
// cluster's executors spark.executor.memory (what the master grants).
static int64_t executor_memory_mb(const Conf& conf, const MasterSpec& master) {
  if (master.local_cluster) return master.local_executor_memory_mb;
  if (master.local && !conf.contains("spark.executor.memory")) return std::max<int64_t>(1, conf.get_bytes("spark.driver.memory") >> 20);
  return std::max<int64_t>(1, conf.get_bytes("spark.executor.memory") >> 20);
}

int64_t Driver::executor_storage_bytes() const {
  double fraction = 0.6;  // as the executor's BlockManager budget (executor.cpp)
  try {
    fraction = std::stod(conf_.get("spark.memory.fraction", "0.6"));
  } catch (...) {
  }
  return static_cast<int64_t>(static_cast<double>(executor_memory_mb(conf_, master_)) * fraction * 1024 * 1024);
}

// The scheduler places tasks by cores (each holds its stage's task cpus) and custom resources
// (scheduler::DagScheduler::task_demand); an executor that cannot hold one task of the default
// profile is refused by Spark: here it runs one task at a time, with this warning.
void Driver::warn_task_slots(int cores) const {
  int64_t cpus = 1;
  try {
    cpus = std::max<int64_t>(1, std::stoll(conf_.get("spark.task.cpus", "1")));
  } catch (...) {
  }
  bool fits = cores >= cpus;
  static const std::string kTask = "spark.task.resource.", kAmount = ".amount";
  for (const auto& [k, v] : conf_.values()) {
    if (!starts_with(k, kTask) || k.size() <= kTask.size() + kAmount.size() || k.compare(k.size() - kAmount.size(), kAmount.size(), kAmount) != 0)
      continue;
    const std::string name = k.substr(kTask.size(), k.size() - kTask.size() - kAmount.size());
    try {
      if (std::stod(conf_.get("spark.executor.resource." + name + ".amount")) + 1e-9 < std::stod(v)) fits = false;
    } catch (...) {
    }
  }
  if (!fits)
    LOG_WARN(kLog, "an executor with " << cores << " core(s) cannot hold a task's spark.task.cpus / spark.task.resource.* share; running one task at a time");
}

void Driver::launch_local_executor() {
  std::string id = std::to_string(local_exec_seq_++);
  SpawnOptions o;
  o.args = {self_exe(), "executor", "--driver-url", "127.0.0.1:" + std::to_string(exec_port_), "--executor-id", id,
            "--app-id", app_id_, "--cores", std::to_string(master_.local_cores), "--host", "127.0.0.1",
            // Spark's local mode runs tasks in the driver's heap; here the executor gets
            // spark.executor.memory if set, else spark.driver.memory (local-cluster: its M).
            "--memory-mb", std::to_string(executor_memory_mb(conf_, master_))};
  // A profiling hook (heaptrack, perf, valgrind): `SPARKPP_LOCAL_EXECUTOR_PREFIX="heaptrack -o /tmp/h"`
  // runs the local executor under that command from its first allocation on.
  if (const char* pre = std::getenv("SPARKPP_LOCAL_EXECUTOR_PREFIX"); pre && *pre) {
    std::vector<std::string> words;
    std::istringstream in(pre);
    for (std::string w; in >> w;) words.push_back(w);
    o.args.insert(o.args.begin(), words.begin(), words.end());
  }
  o.stdin_devnull = true;
  o.new_process_group = true;
  // Local executors share the user's terminal: keep their logs to warnings unless asked.
  if (!std::getenv("SPARKPP_LOG_LEVEL")) o.env["SPARKPP_LOG_LEVEL"] = "WARN";
  o.env[auth::kAppKeyEnv] = exec_auth_.key;
  if (exec_auth_.encrypt) o.env[auth::kAppCryptoEnv] = "1";
  auto child = ChildProcess::spawn(loop_, o, [this, id](int64_t status, int sig) {
    Turn t(*this);
    LOG_DEBUG(kLog, "local executor " << id << " exited (status " << status << ", signal " << sig << ")");
    if (shutting_down_) {  // they obeyed StopExecutor: no need to wait longer
      if (!local_executor_running()) finish_shutdown();
      return;
    }
    if (phase_ != AppPhase::kRunning) return;
    // Local mode keeps its executors (one; local-cluster: N): replace a dead one and carry on.
    LOG_WARN(kLog, "local executor " << id << " died (status " << status << ", signal " << sig << "); starting a new one");
    post(ExecutorGone{id, "executor process exited"});
    launch_local_executor();
  });
  if (!child) {
    LOG_ERROR(kLog, child.error_message());
    return;
  }
  local_execs_[id] = std::move(child.value());
}

bool Driver::local_executor_running() const {
  for (const auto& [id, c] : local_execs_)
    if (c && c->running()) return true;
  return false;
}

void Driver::check_executor_liveness() {
  if (phase_ != AppPhase::kRunning || shutting_down_) return;
  int64_t timeout = conf_.get_time_ms("spark.network.timeout");
  int64_t now = clock_.now_ms();
  std::vector<std::string> silent;
  for (const auto& [id, e] : execs_)
    if (e.conn && now - e.last_seen_ms > timeout) silent.push_back(id);
  for (const auto& id : silent) {
    LOG_WARN(kLog, "Executor " << id << " heartbeat timed out after " << (now - execs_[id].last_seen_ms) << " ms; removing it");
    kill_local_executor(id);  // make sure the hung process is gone (a replacement starts)
    if (execs_[id].conn) execs_[id].conn->close("heartbeat timed out");
  }
}

void Driver::kill_local_executor(const std::string& id) {
  auto it = local_execs_.find(id);
  if (master_.local && it != local_execs_.end() && it->second && it->second->running()) it->second->kill(SIGKILL);
}

void Driver::on_exec_message(Connection& c, msg::Envelope&& env) {
  if (auto* m = env.as<msg::RegisterExecutor>()) return register_executor(c, *m);
  if (!exec_by_conn_.count(c.id())) return c.close("executor sent " + env.op + " before registering");
  if (auto it = execs_.find(exec_by_conn_[c.id()]); it != execs_.end()) it->second.last_seen_ms = clock_.now_ms();
  if (auto* m = env.as<msg::StatusUpdate>()) return status_update(c, std::move(*m), std::move(env.blobs));
  if (auto* m = env.as<msg::BlocksUpdated>()) return blocks_updated(exec_by_conn_[c.id()], std::move(*m), std::move(env.blobs));
  if (env.as<msg::ExecutorHeartbeat>()) return;
  c.close("unexpected message " + env.op + " from an executor");
}

void Driver::register_executor(Connection& c, const msg::RegisterExecutor& m) {
  if (phase_ != AppPhase::kStarting && phase_ != AppPhase::kRunning) return c.close("application is not running");
  if (m.app_id != app_id_) return c.close("executor belongs to application " + m.app_id + ", not " + app_id_);
  if (execs_.count(m.exec_id)) return c.close("executor " + m.exec_id + " is already registered");
  ExecInfo e;
  e.conn = &c;
  e.id = m.exec_id;
  e.host = m.host;
  e.data_port = m.data_port;
  e.log_urls = m.log_urls;
  e.last_seen_ms = clock_.now_ms();
  e.cores = m.cores;
  e.worker_id = m.worker_id;
  execs_[m.exec_id] = e;
  exec_by_conn_[c.id()] = m.exec_id;
  // From here its liveness is its heartbeats (check_executor_liveness, spark.network.timeout,
  // as Spark's HeartbeatReceiver), not the port's idle timeout: that one would drop the link of
  // a hung executor without the rest of the loss handling (a local executor never replaced).
  c.set_idle_timeout(0);
  granted_.erase(m.exec_id);
  if (phase_ == AppPhase::kRunning)
    ui_->post(sc::ExecutorAddedEvent{m.exec_id, m.host, m.cores, clock_.wall_ms(), m.log_urls, executor_storage_bytes()});
  LOG_INFO(kLog, "executor " << m.exec_id << " registered from " << m.host << " with " << m.cores << " core(s) (pid " << m.pid << ")");
  msg::RegisteredExecutor r;
  r.app_id = app_id_;
  for (const auto& [k, v] : conf_.values())
    if (!is_secret_key(k)) r.conf[k] = v;
  // SQL map outputs may stay in an executor's memory only where it reads every shuffle itself.
  const bool sole_executor = master_.local && !master_.local_cluster;
  r.conf["spark.sparkpp.shuffle.inMemory"] = sole_executor && conf_.get_bool("spark.sparkpp.shuffle.inMemory") ? "true" : "false";
  c.send(r);
  // After RegisteredExecutor: its tasks (and the py files shipped with them) must follow it.
  warn_task_slots(m.cores);
  post(scheduler::ExecutorAdded{m.exec_id, m.host, m.cores, m.data_port});
  if (phase_ == AppPhase::kStarting && granted_.empty()) reply_context_info();
}

void Driver::on_exec_closed(Connection& c, const std::string& reason) {
  auto it = exec_by_conn_.find(c.id());
  if (it == exec_by_conn_.end()) return;
  std::string id = it->second;
  exec_by_conn_.erase(it);
  auto et = execs_.find(id);
  if (et != execs_.end()) et->second.conn = nullptr;
  // Posted from a 0 ms timer, i.e. after every read of this loop iteration: a StatusUpdate
  // already received from another executor (e.g. the fetch failure this loss caused) must be
  // handled first, as Spark's event loop would see it, or it is dropped as stale. Also keeps
  // this out of loops over execs_ (a send that fails closes the connection).
  closed_.push_back(ExecutorGone{id, reason});
  closed_timer_->start(0, 0, [this] {
    Turn t(*this);
    for (auto& g : std::exchange(closed_, {})) post(std::move(g));
  });
}

void Driver::executor_lost(const std::string& id, const std::string& reason, bool caused_by_app) {
  auto et = execs_.find(id);
  if (et == execs_.end()) return;
  // Local mode has one executor, replaced when its process exits: one whose link is gone while
  // the process lives on (hung, or the link failed) must go, or the application waits forever.
  if (phase_ == AppPhase::kRunning && !shutting_down_) kill_local_executor(id);
  if (et->second.conn) et->second.conn->close("executor lost");
  execs_.erase(et);
  for (auto it = block_locs_.begin(); it != block_locs_.end();) {
    // Its cached blocks went with it: the Storage tab stops counting them.
    if (it->second.erase(id) && ui_) ui_->post(sc::BlockUpdatedEvent{id, "", it->first.first, it->first.second, 0, 0});
    it = it->second.empty() ? block_locs_.erase(it) : std::next(it);
  }
  if (!dag_) return;
  int running = dag_->tasks().running_on(id);
  if (phase_ == AppPhase::kRunning && !shutting_down_)
    LOG_WARN(kLog, "executor " << id << " lost (" << reason << "); " << running << " running task(s) will be retried");
  // Its running tasks end (listener events), its map outputs are recomputed where needed.
  post(scheduler::ExecutorLost{id, reason, caused_by_app});
  if (ui_) ui_->post(sc::ExecutorRemovedEvent{id, reason, clock_.wall_ms()});
}

// Cached blocks an executor stored or dropped: their locations steer later tasks there.
void Driver::blocks_updated(const std::string& exec_id, msg::BlocksUpdated&& m, std::vector<std::string>&& blobs) {
  const auto ex = execs_.find(exec_id);
  const std::string host = ex == execs_.end() ? "" : ex->second.host;
  for (const auto& b : m.removed) {
    if (ui_) ui_->post(sc::BlockUpdatedEvent{exec_id, host, b.rdd, b.partition, 0, 0});
    auto it = block_locs_.find({b.rdd, b.partition});
    if (it == block_locs_.end()) continue;
    it->second.erase(exec_id);
    if (it->second.empty()) block_locs_.erase(it);
  }
  for (const auto& b : m.stored) {
    const bool rdd = graph_.node(b.rdd) && !graph_.node(b.rdd)->persist.is_null();
    if (!rdd && !sql_source_.is_cache_block(b.rdd)) continue;  // unpersisted meanwhile
    block_locs_[{b.rdd, b.partition}].insert(exec_id);
    if (ui_) ui_->post(sc::BlockUpdatedEvent{exec_id, host, b.rdd, b.partition, b.mem_bytes, b.disk_bytes});
  }
  // Replicated levels: relay the block to another executor that lacks it.
  if (m.replica_blobs > 0 && !m.stored.empty() && static_cast<int>(blobs.size()) == m.replica_blobs) {
    const auto& b = m.stored.front();
    const auto& holders = block_locs_[{b.rdd, b.partition}];
    for (auto& [eid, e] : execs_) {
      if (holders.count(eid) || !e.conn) continue;
      msg::StoreBlock sb;
      sb.rdd = b.rdd;
      sb.partition = b.partition;
      sb.level = m.replica_level;
      e.conn->send(sb, blobs);
      break;
    }
  }
}

}  // namespace spp::driver
