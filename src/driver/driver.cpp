// Driver runtime: Python link, executors, master client, job execution.
#include "driver/driver.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <zstd.h>

#include "common/log.h"
#include "common/states.h"
#include "common/util.h"

namespace spp::driver {
namespace fs = std::filesystem;
static const char* kLog = "driver";

Result<MasterSpec> parse_master_url(const std::string& url) {
  using R = Result<MasterSpec>;
  MasterSpec m;
  auto bad = [&] {
    return R::error("invalid master URL '" + url + "' (expected local, local[N], local[*], local[N,F] or spark://HOST:PORT)");
  };
  auto parse_count = [](const std::string& s, int& out) {
    if (s == "*") { out = num_cpus(); return true; }
    if (s.empty() || s.size() > 6) return false;
    for (char c : s) if (c < '0' || c > '9') return false;
    out = std::stoi(s);
    return out > 0;
  };
  if (url == "local") {
    m.local_cores = 1;
    return m;
  }
  if (starts_with(url, "local[") && url.back() == ']') {
    auto parts = split(url.substr(6, url.size() - 7), ',');
    if (parts.size() > 2 || !parse_count(parts[0], m.local_cores)) return bad();
    if (parts.size() == 2 && (parts[1] == "*" || !parse_count(parts[1], m.local_max_failures))) return bad();
    return m;
  }
  if (starts_with(url, "spark://")) {
    m.local = false;
    for (const auto& hp : split(url.substr(8), ',')) {
      std::string h;
      int p;
      if (!parse_host_port(hp, h, p)) return bad();
      m.masters.emplace_back(h, p);
    }
    return m;
  }
  return bad();
}

Driver::Driver(uv_loop_t* loop, Conf submit_conf, std::string executor_python)
    : loop_(loop), submit_conf_(std::move(submit_conf)), executor_python_(std::move(executor_python)) {
  secret_ = random_hex(32);
}

Driver::~Driver() = default;

Result<int> Driver::start() {
  ConnectionOptions po;
  po.my_role = "driver";
  po.max_frame = kDataMaxFrame;
  po.log_component = kLog;
  po.check_hello = [this](const msg::Hello& h) -> Status {
    if (h.role != "pydriver") return Status::error("only the Python driver program may use this port");
    if (h.secret != secret_) return Status::error("wrong secret");
    return Status::ok();
  };
  po.on_ready = [this](Connection& c) { py_conns_[c.id()] = &c; };
  po.on_message = [this](Connection& c, msg::Envelope&& e) { on_py_message(c, std::move(e)); };
  po.on_close = [this](Connection& c, const std::string&) { py_conns_.erase(c.id()); };
  py_listener_ = std::make_unique<Listener>(loop_, po);
  auto pyport = py_listener_->listen("127.0.0.1", 0);
  if (!pyport) return pyport;

  ConnectionOptions eo;
  eo.my_role = "driver";
  eo.max_frame = kDataMaxFrame;
  eo.log_component = kLog;
  eo.check_hello = [](const msg::Hello& h) -> Status {
    return h.role == "executor" ? Status::ok() : Status::error("only executors may use this port");
  };
  eo.on_message = [this](Connection& c, msg::Envelope&& e) { on_exec_message(c, std::move(e)); };
  eo.on_close = [this](Connection& c, const std::string& r) { on_exec_closed(c, r); };
  exec_listener_ = std::make_unique<Listener>(loop_, eo);
  std::string bind = submit_conf_.get("spark.driver.bindAddress", "0.0.0.0");
  auto eport = exec_listener_->listen(bind, static_cast<int>(submit_conf_.get_int("spark.driver.port")));
  if (!eport) return eport;
  exec_port_ = eport.value();
  progress_timer_ = std::make_unique<Timer>(loop_);
  ready_timer_ = std::make_unique<Timer>(loop_);
  master_retry_ = std::make_unique<Timer>(loop_);
  revive_timer_ = std::make_unique<Timer>(loop_);
  lost_timer_ = std::make_unique<Timer>(loop_);
  // Executors that go silent (hung, stopped, cut off) for spark.network.timeout are lost.
  liveness_timer_ = std::make_unique<Timer>(loop_);
  liveness_timer_->start(1000, 1000, [this] { check_executor_liveness(); });
  speculation_timer_ = std::make_unique<Timer>(loop_);
  return pyport;
}

// ------------------------------------------------------------------ Python link

void Driver::py_error(Connection& c, int64_t req, const std::string& kind, const std::string& message) {
  msg::PyError e;
  e.req = req;
  e.kind = kind;
  e.message = message;
  c.send(e);
}

void Driver::on_py_message(Connection& c, msg::Envelope&& env) {
  if (auto* m = env.as<msg::PyCreateContext>()) return create_context(c, *m);
  if (auto* m = env.as<msg::PyDefineRdd>()) return define_rdd(c, *m, std::move(env.blobs));
  if (auto* m = env.as<msg::PyRunJob>()) return run_job(c, *m);
  if (auto* m = env.as<msg::PyCall>()) return py_call(c, *m, std::move(env.blobs));
  c.close("unexpected message " + env.op + " from the Python program");
}

void Driver::create_context(Connection& c, const msg::PyCreateContext& m) {
  if (phase_ == AppPhase::kStarting || phase_ == AppPhase::kRunning)
    return py_error(c, m.req, "bad_request", "Only one SparkContext should be running in this application (stop() the current one first)");
  conf_ = submit_conf_;
  for (const auto& [k, v] : m.conf) conf_.set(k, v);  // code-set values win, as in PySpark
  Status st = conf_.validate();
  if (!st) return py_error(c, m.req, "bad_request", st.message());
  auto spec = parse_master_url(conf_.get("spark.master"));
  if (!spec) return py_error(c, m.req, "bad_request", spec.error_message());
  master_ = spec.value();
  if (conf_.get("spark.app.name").empty()) return py_error(c, m.req, "bad_request", "An application name must be set in your configuration");
  if (!conf_.contains("spark.pyspark.python")) conf_.set("spark.pyspark.python", executor_python_);
  int max_failures = master_.local ? master_.local_max_failures : static_cast<int>(conf_.get_int("spark.task.maxFailures"));
  if (master_.local && conf_.contains("spark.task.maxFailures")) max_failures = static_cast<int>(conf_.get_int("spark.task.maxFailures"));
  double quantile = conf_.get_double("spark.speculation.quantile");
  if (quantile < 0 || quantile > 1) return py_error(c, m.req, "bad_request", "spark.speculation.quantile must be between 0 and 1");
  if (conf_.get_double("spark.speculation.multiplier") <= 0)
    return py_error(c, m.req, "bad_request", "spark.speculation.multiplier must be positive");
  scheduler::SchedulerConfig sc;
  sc.max_task_failures = max_failures;
  sc.max_stage_attempts = static_cast<int>(std::max<int64_t>(1, conf_.get_int("spark.stage.maxConsecutiveAttempts")));
  sc.locality_wait_ms = conf_.get_time_ms("spark.locality.wait");
  sc.speculation.enabled = conf_.get_bool("spark.speculation");
  sc.speculation.multiplier = conf_.get_double("spark.speculation.multiplier");
  sc.speculation.quantile = quantile;
  sc.speculation.min_runtime_ms = conf_.get_time_ms("spark.speculation.minTaskRuntime");
  sc.speculation_interval_ms = std::max<int64_t>(10, conf_.get_time_ms("spark.speculation.interval"));
  sc.max_result_bytes = conf_.get_bytes("spark.driver.maxResultSize");
  revive_timer_->stop();
  speculation_timer_->stop();
  dag_queue_.clear();
  dag_ = std::make_unique<scheduler::DagScheduler>(source_, clock_, sc);
  execs_.clear();
  exec_by_conn_.clear();
  granted_.clear();
  progress_.set_enabled(isatty(2) && conf_.get_bool("spark.ui.showConsoleProgress"));
  // --py-files (spark.submit.pyFiles) ship to executors like sc.addPyFile.
  for (const auto& f : split(conf_.get("spark.submit.pyFiles"), ',')) {
    if (f.empty()) continue;
    if (Status st = add_py_file(f); !st) return py_error(c, m.req, "bad_request", st.message());
  }
  context_req_ = m.req;
  context_conn_ = c.id();
  phase_ = AppPhase::kStarting;
  advertise_host_ = conf_.get("spark.driver.host");
  if (master_.local) {
    if (advertise_host_.empty()) advertise_host_ = "127.0.0.1";
    app_id_ = "local-" + std::to_string(clock_.wall_ms());
    ui_ = std::make_unique<AppUi>(conf_, advertise_host_);
    launch_local_executor();
    reply_context_info();  // tasks queue until the executor registers
  } else {
    if (advertise_host_.empty()) advertise_host_ = local_ip();
    ui_ = std::make_unique<AppUi>(conf_, advertise_host_);
    connect_master(0);
  }
}

void Driver::reply_context_info() {
  if (phase_ != AppPhase::kStarting) return;
  phase_ = AppPhase::kRunning;
  ready_timer_->stop();
  conf_.set("spark.app.id", app_id_);
  LOG_INFO(kLog, "application " << app_id_ << " (" << conf_.get("spark.app.name") << ") running on " << conf_.get("spark.master"));
  ui_->store().on_application_start(app_id_, conf_.get("spark.app.name"), std::getenv("USER") ? std::getenv("USER") : "root", clock_.wall_ms());
  ui_->store().on_environment(conf_.values());
  for (const auto& [id, e] : execs_) ui_->store().on_executor_added(id, e.host, e.cores, clock_.wall_ms(), e.log_urls);
  auto it = py_conns_.find(context_conn_);
  if (it == py_conns_.end()) return;
  msg::PyContextInfo info;
  info.req = context_req_;
  info.app_id = app_id_;
  info.master = conf_.get("spark.master");
  info.app_name = conf_.get("spark.app.name");
  info.default_parallelism = default_parallelism();
  info.ui_url = ui_->url();
  for (const auto& [k, v] : conf_.values()) info.conf[k] = v;
  it->second->send(info);
}

int Driver::default_parallelism() const {
  if (conf_.contains("spark.default.parallelism")) return std::max<int>(1, static_cast<int>(conf_.get_int("spark.default.parallelism")));
  if (master_.local) return master_.local_cores;
  int cores = 0;
  for (const auto& [id, e] : execs_) cores += e.cores;
  return std::max(2, cores);
}

void Driver::define_rdd(Connection& c, const msg::PyDefineRdd& m, std::vector<std::string>&& blobs) {
  auto r = graph_.define(m, std::move(blobs));
  if (!r) return py_error(c, m.req, "bad_request", r.error_message());
  msg::PyDefined d;
  d.req = m.req;
  d.id = m.id;
  d.num_partitions = r.value();
  c.send(d);
}

void Driver::py_call(Connection& c, const msg::PyCall& m, std::vector<std::string>&& blobs) {
  msg::PyReply rep;
  rep.req = m.req;
  rep.value = nullptr;
  if (m.method == "broadcast_stats") {
    // How often, and how many bytes of, a broadcast went to executors (tests and UI).
    auto it = broadcast_stats_.find(m.args.is_object() ? m.args.value("id", int64_t{-1}) : -1);
    rep.value = {{"sends", it == broadcast_stats_.end() ? 0 : it->second.first},
                 {"bytes", it == broadcast_stats_.end() ? 0 : it->second.second}};
    return c.send(rep);
  }
  if (m.method == "checkpointed") {
    // The RDD was written to `path` (part-NNNNN files): read it from there from now on.
    std::string path = m.args.is_object() ? m.args.value("path", "") : "";
    Status st = graph_.checkpoint(m.args.is_object() ? m.args.value("rdd", -1) : -1, path);
    if (!st) return py_error(c, m.req, "bad_request", st.message());
    return c.send(rep);
  }
  if (m.method == "broadcast" || m.method == "unpersist_broadcast" || m.method == "persist" || m.method == "unpersist") {
    Status st = storage_call(m, blobs);
    if (!st) return py_error(c, m.req, "bad_request", st.message());
    return c.send(rep);
  }
  if (m.method == "set_log_level") {
    std::string lvl = m.args.is_object() ? m.args.value("level", "") : "";
    if (!set_log_level(lvl))
      return py_error(c, m.req, "bad_request", "invalid log level '" + lvl + "' (expected ALL, DEBUG, ERROR, FATAL, INFO, OFF, TRACE, WARN)");
  } else if (m.method == "stop") {
    stop_context();
  } else if (m.method == "default_parallelism") {
    rep.value = default_parallelism();
  } else if (m.method == "add_py_file") {
    std::string path = m.args.is_object() ? m.args.value("path", "") : "";
    if (Status st = add_py_file(path); !st) return py_error(c, m.req, "bad_request", st.message());
  } else if (m.method == "executors") {
    json arr = json::array();
    for (const auto& [id, e] : execs_) arr.push_back({{"id", id}, {"host", e.host}, {"cores", e.cores}});
    rep.value = arr;
  } else {
    return py_error(c, m.req, "bad_request", "unknown call '" + m.method + "'");
  }
  c.send(rep);
}

// Broadcasts and cached RDDs: bookkeeping here, the data lives on executors.
Status Driver::storage_call(const msg::PyCall& m, std::vector<std::string>& blobs) {
  const json& a = m.args;
  if (!a.is_object()) return Status::error(m.method + ": args must be an object");
  if (m.method == "broadcast") {
    if (!a.contains("id") || !a["id"].is_number_integer() || blobs.size() != 1)
      return Status::error("broadcast needs an id and one blob");
    std::string z(ZSTD_compressBound(blobs[0].size()), '\0');
    size_t n = ZSTD_compress(z.data(), z.size(), blobs[0].data(), blobs[0].size(), 1);
    if (ZSTD_isError(n)) return Status::error(std::string("cannot compress broadcast: ") + ZSTD_getErrorName(n));
    z.resize(n);
    broadcasts_[a["id"].get<int64_t>()] = std::make_shared<const std::string>(std::move(z));
    return Status::ok();
  }
  if (m.method == "unpersist_broadcast") {
    int64_t id = a.value("id", int64_t{-1});
    for (auto& [eid, e] : execs_) {
      if (!e.broadcasts_sent.erase(id) || !e.conn) continue;
      msg::RemoveBroadcast r;
      r.id = id;
      e.conn->send(r);
    }
    if (a.value("destroy", false)) broadcasts_.erase(id);
    return Status::ok();
  }
  int rdd = a.value("rdd", -1);
  if (m.method == "persist") return graph_.set_persist(rdd, a.value("level", json()));
  // unpersist: forget the level and the blocks; executors drop theirs.
  Status st = graph_.set_persist(rdd, json());
  if (!st) return st;
  for (auto it = block_locs_.begin(); it != block_locs_.end();)
    it = it->first.first == rdd ? block_locs_.erase(it) : std::next(it);
  for (auto& [eid, e] : execs_) {
    msg::RemoveRdd r;
    r.rdd = rdd;
    if (e.conn) e.conn->send(r);
  }
  return Status::ok();
}

void Driver::blocks_updated(const std::string& exec_id, msg::BlocksUpdated&& m, std::vector<std::string>&& blobs) {
  for (const auto& b : m.removed) {
    auto it = block_locs_.find({b.rdd, b.partition});
    if (it == block_locs_.end()) continue;
    it->second.erase(exec_id);
    if (it->second.empty()) block_locs_.erase(it);
  }
  for (const auto& b : m.stored) {
    if (!graph_.node(b.rdd) || graph_.node(b.rdd)->persist.is_null()) continue;  // unpersisted meanwhile
    block_locs_[{b.rdd, b.partition}].insert(exec_id);
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

// Keeps a Python dependency to ship to every executor (again, if it changed).
Status Driver::add_py_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::error("cannot read py file '" + path + "'");
  auto data = std::make_shared<const std::string>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  std::string name = fs::path(path).filename().string();
  bool known = false;
  for (auto& [n, d] : pyfiles_)
    if (n == name) { d = data; known = true; }
  if (!known) pyfiles_.emplace_back(name, data);
  for (auto& [id, e] : execs_) e.pyfiles_sent.erase(name);
  return Status::ok();
}

void Driver::stop_context() {
  if (phase_ == AppPhase::kNone || phase_ == AppPhase::kStopped) return;
  for (auto& [jid, job] : jobs_) {
    auto it = py_conns_.find(job.py_conn);
    if (it != py_conns_.end()) py_error(*it->second, job.req, "context_stopped", "SparkContext was shut down");
  }
  jobs_.clear();
  progress_.clear();
  if (ui_) ui_->store().on_all_aborted("SparkContext was shut down", clock_.wall_ms());
  if (ui_) ui_->finish(clock_.wall_ms());
  for (auto& [id, e] : execs_) {
    msg::StopExecutor s;
    s.reason = "application stopped";
    if (e.conn) e.conn->send(s);
  }
  if (master_conn_) {
    msg::UnregisterApplication u;
    u.app_id = app_id_;
    master_conn_->send(u);
  }
  phase_ = AppPhase::kStopped;
  dag_.reset();  // its jobs were answered above; late task reports are ignored
  LOG_INFO(kLog, "application " << app_id_ << " stopped");
}

// ------------------------------------------------------------------ executors

void Driver::launch_local_executor() {
  std::string id = std::to_string(local_exec_seq_++);
  SpawnOptions o;
  o.args = {self_exe(), "executor", "--driver-url", "127.0.0.1:" + std::to_string(exec_port_), "--executor-id", id,
            "--app-id", app_id_, "--cores", std::to_string(master_.local_cores), "--host", "127.0.0.1",
            // Spark's local mode runs tasks in the driver's heap; here the executor gets
            // spark.executor.memory if set, else spark.driver.memory.
            "--memory-mb", std::to_string(std::max<int64_t>(1, (conf_.contains("spark.executor.memory")
                                                                    ? conf_.get_bytes("spark.executor.memory")
                                                                    : conf_.get_bytes("spark.driver.memory")) >> 20))};
  o.stdin_devnull = true;
  o.new_process_group = true;
  // Local executors share the user's terminal: keep their logs to warnings unless asked.
  if (!std::getenv("SPARKPP_LOG_LEVEL")) o.env["SPARKPP_LOG_LEVEL"] = "WARN";
  auto child = ChildProcess::spawn(loop_, o, [this, id](int64_t status, int sig) {
    LOG_DEBUG(kLog, "local executor " << id << " exited (status " << status << ", signal " << sig << ")");
    if (shutting_down_ || phase_ != AppPhase::kRunning) return;
    // Local mode has exactly one executor: if it dies, replace it and carry on.
    LOG_WARN(kLog, "local executor " << id << " died (status " << status << ", signal " << sig << "); starting a new one");
    executor_lost(id, "executor process exited");
    launch_local_executor();
  });
  if (!child) {
    LOG_ERROR(kLog, child.error_message());
    return;
  }
  local_exec_ = std::move(child.value());
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
    // Our own local executor: make sure the hung process is gone (a replacement starts).
    if (master_.local && local_exec_ && local_exec_->running() && id == std::to_string(local_exec_seq_ - 1))
      local_exec_->kill(SIGKILL);
    if (execs_[id].conn) execs_[id].conn->close("heartbeat timed out");
  }
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
  granted_.erase(m.exec_id);
  if (phase_ == AppPhase::kRunning) ui_->store().on_executor_added(m.exec_id, m.host, m.cores, clock_.wall_ms(), m.log_urls);
  LOG_INFO(kLog, "executor " << m.exec_id << " registered from " << m.host << " with " << m.cores << " core(s) (pid " << m.pid << ")");
  msg::RegisteredExecutor r;
  r.app_id = app_id_;
  for (const auto& [k, v] : conf_.values())
    if (!is_secret_key(k)) r.conf[k] = v;
  c.send(r);
  // After RegisteredExecutor: its tasks (and the py files shipped with them) must follow it.
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
  // Close callbacks can fire in the middle of a loop over execs_ (a send that fails closes the
  // connection): forget the executor on the next loop turn, not now.
  lost_pending_.emplace_back(id, reason);
  lost_timer_->start(0, 0, [this] {
    auto lost = std::move(lost_pending_);
    lost_pending_.clear();
    for (const auto& [eid, why] : lost) executor_lost(eid, why);
  });
}

void Driver::executor_lost(const std::string& id, const std::string& reason) {
  auto et = execs_.find(id);
  if (et == execs_.end()) return;
  if (et->second.conn) et->second.conn->close("executor lost");
  execs_.erase(et);
  for (auto it = block_locs_.begin(); it != block_locs_.end();) {
    it->second.erase(id);
    it = it->second.empty() ? block_locs_.erase(it) : std::next(it);
  }
  if (!dag_) return;
  int running = dag_->tasks().running_on(id);
  if (phase_ == AppPhase::kRunning && !shutting_down_)
    LOG_WARN(kLog, "executor " << id << " lost (" << reason << "); " << running << " running task(s) will be retried");
  // Its running tasks end (listener events), its map outputs are recomputed where needed.
  post(scheduler::ExecutorLost{id, reason});
  if (ui_) ui_->store().on_executor_removed(id, reason, clock_.wall_ms());
}

// ------------------------------------------------------------------ master (cluster mode)

void Driver::connect_master(int attempt) {
  auto [host, port] = master_.masters[static_cast<size_t>(attempt) % master_.masters.size()];
  ConnectionOptions o;
  o.my_role = "app";
  o.my_name = conf_.get("spark.app.name");
  o.log_component = kLog;
  o.on_ready = [this](Connection& c) {
    msg::RegisterApplication r;
    r.name = conf_.get("spark.app.name");
    if (conf_.contains("spark.cores.max")) r.max_cores = static_cast<int>(conf_.get_int("spark.cores.max"));
    if (conf_.contains("spark.executor.cores")) r.cores_per_executor = static_cast<int>(conf_.get_int("spark.executor.cores"));
    r.memory_per_executor_mb = std::max<int64_t>(1, conf_.get_bytes("spark.executor.memory") >> 20);
    r.driver_url = advertise_host_ + ":" + std::to_string(exec_port_);
    r.app_ui_url = ui_ ? ui_->url() : "";
    const char* user = std::getenv("USER");
    r.user = user ? user : "root";
    for (const auto& [k, v] : conf_.values())
      if (starts_with(k, "spark.executorEnv.")) r.executor_env[k.substr(18)] = v;
    r.executor_env["SPARKPP_PYTHON"] = conf_.get("spark.pyspark.python");
    // A running application that lost its master (restart, failover) re-registers under its
    // id; its executors keep running meanwhile and the master re-attaches them.
    if (phase_ == AppPhase::kRunning && !app_id_.empty()) r.app_id = app_id_;
    c.send(r);
  };
  o.on_message = [this](Connection& c, msg::Envelope&& e) { on_master_message(c, std::move(e)); };
  std::string url = "spark://" + host + ":" + std::to_string(port);
  // After a failed attempt: the next master of the list in a second. While starting we give
  // up after three rounds; a running application keeps trying (Spark's drivers wait for a
  // new leader the same way).
  auto retry = [this, attempt, url](const std::string& why) {
    if (shutting_down_ || master_conn_) return;
    if (phase_ == AppPhase::kStarting && attempt + 1 >= 3 * static_cast<int>(master_.masters.size())) {
      phase_ = AppPhase::kNone;
      auto it = py_conns_.find(context_conn_);
      if (it != py_conns_.end())
        py_error(*it->second, context_req_, "bad_request", "Could not connect to the master at " + url + ": " + why + " (All masters are unresponsive! Giving up.)");
      return;
    }
    if (phase_ != AppPhase::kStarting && phase_ != AppPhase::kRunning) return;
    LOG_WARN(kLog, url << ": " << why << "; trying the next master");
    master_retry_->start(1000, 0, [this, attempt] { connect_master(attempt + 1); });
  };
  o.on_close = [this, retry](Connection& c, const std::string& reason) {
    if (master_conn_ != &c) return;
    master_conn_ = nullptr;
    if (phase_ == AppPhase::kRunning && !shutting_down_)
      LOG_WARN(kLog, "lost the connection to the master (" << reason << "); running executors carry on");
    retry(reason);
  };
  connect_to(loop_, host, port, o, [this, retry](Result<Connection*> r) {
    if (r) {
      master_conn_ = r.value();
      return;
    }
    retry(r.error_message());
  });
}

void Driver::on_master_message(Connection& c, msg::Envelope&& env) {
  if (auto* m = env.as<msg::MasterInStandby>()) {
    c.close("master " + m->master_url + " is a standby");  // on_close moves on to the next master
    return;
  }
  if (auto* m = env.as<msg::RegisteredApplication>()) {
    if (phase_ == AppPhase::kRunning) {
      LOG_INFO(kLog, "Master has changed, new master is at " << m->master_url << "; application " << app_id_ << " re-registered");
      return;
    }
    app_id_ = m->app_id;
    LOG_INFO(kLog, "Connected to Spark cluster with app ID " << app_id_);
    // Give granted executors a moment to register so defaultParallelism sees them.
    ready_timer_->start(5000, 0, [this] { reply_context_info(); });
    return;
  }
  if (auto* m = env.as<msg::ExecutorAdded>()) {
    LOG_INFO(kLog, "Granted executor ID " << app_id_ << "/" << m->exec_id << " on worker " << m->worker_id << " (" << m->host
                                          << ") with " << m->cores << " core(s), " << m->memory_mb << " MiB");
    granted_.insert(std::to_string(m->exec_id));
    return;
  }
  if (auto* m = env.as<msg::ExecutorUpdated>()) {
    ExecutorState st;
    if (parse_executor_state(m->state, st) && is_finished(st)) {
      std::string id = std::to_string(m->exec_id);
      granted_.erase(id);
      // Close its connection first: on_close runs executor_lost for it at once, and calling
      // executor_lost with the connection still open would erase the entry twice (the close
      // inside it re-enters executor_lost). Seen as a SIGSEGV when a worker's link is cut.
      if (auto et = execs_.find(id); et != execs_.end() && et->second.conn)
        et->second.conn->close("executor " + m->state + " (reported by the master)");
      executor_lost(id, "executor " + m->state + ": " + m->message);
      if (phase_ == AppPhase::kStarting && granted_.empty() && !execs_.empty()) reply_context_info();
    }
    return;
  }
  if (auto* m = env.as<msg::WorkerRemoved>()) {
    LOG_WARN(kLog, "worker " << m->worker_id << " (" << m->host << ") removed: " << m->message);
    return;
  }
  if (auto* m = env.as<msg::ApplicationRemoved>()) {
    LOG_ERROR(kLog, "Application has been killed. Reason: " << m->message);
    for (auto& [jid, job] : jobs_) {
      auto it = py_conns_.find(job.py_conn);
      if (it != py_conns_.end()) py_error(*it->second, job.req, "job_failed", "Application has been killed. Reason: " + m->message);
    }
    jobs_.clear();
    if (ui_) ui_->store().on_all_aborted("Application has been killed. Reason: " + m->message, clock_.wall_ms());
    if (ui_) ui_->finish(clock_.wall_ms());
    phase_ = AppPhase::kStopped;
    dag_.reset();
    return;
  }
  (void)c;
}

// ------------------------------------------------------------------ shutdown

void Driver::shutdown(std::function<void()> done) {
  shutting_down_ = true;
  stop_context();
  progress_timer_->stop();
  revive_timer_->stop();
  liveness_timer_->stop();
  speculation_timer_->stop();
  ready_timer_->stop();
  master_retry_->stop();
  py_listener_.reset();
  exec_listener_.reset();
  // Give executors a moment to exit on StopExecutor; then make sure.
  auto grace = std::make_shared<Timer>(loop_);
  auto finished = std::make_shared<bool>(false);
  auto finish = [this, grace, done, finished]() mutable {
    if (*finished) return;
    *finished = true;
    if (local_exec_ && local_exec_->running()) local_exec_->kill(SIGKILL);
    // close() runs on_exec_closed -> executor_lost, which erases from execs_: collect first.
    std::vector<Connection*> conns;
    for (auto& [id, e] : execs_)
      if (e.conn) conns.push_back(e.conn);
    for (Connection* c : conns) c->close("driver exiting");
    if (master_conn_) master_conn_->close("driver exiting");
    grace->stop();
    done();
  };
  if (local_exec_ && local_exec_->running()) {
    grace->start(3000, 0, finish);
    // Poll for a prompt exit instead of always waiting the full grace period.
    auto poll = std::make_shared<Timer>(loop_);
    poll->start(10, 10, [this, poll, grace, finish]() mutable {
      if (!local_exec_->running()) {
        poll->stop();
        finish();
      }
    });
  } else {
    finish();
  }
}

}  // namespace spp::driver
