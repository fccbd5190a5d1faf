// Driver: the Python link (the Py4J role). The Python program creates the context, declares
// RDDs, runs jobs and makes storage calls here; replies go back on its connection.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <zstd.h>

#include "common/ids.h"
#include "common/log.h"
#include "common/states.h"
#include "common/util.h"
#include "driver/driver.h"

namespace spp::driver {
namespace fs = std::filesystem;
static const char* kLog = "driver";

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
  if (auto* m = env.as<msg::PyBroadcast>()) return py_reply(c, m->req, put_broadcast(m->id, env.blobs));
  if (auto* m = env.as<msg::PyUnpersistBroadcast>()) {
    unpersist_broadcast(m->id, m->destroy);
    return py_reply(c, m->req, Status::ok());
  }
  if (auto* m = env.as<msg::PyPersist>()) return py_reply(c, m->req, persist_rdd(m->rdd, m->level));
  if (auto* m = env.as<msg::PyUnpersist>()) return py_reply(c, m->req, unpersist_rdd(m->rdd));
  if (auto* m = env.as<msg::PyForgetRdds>()) {
    forget_rdds(m->rdds);
    return py_reply(c, m->req, Status::ok());
  }
  // The RDD was written to `path` (part-NNNNN files): read it from there from now on.
  if (auto* m = env.as<msg::PyCheckpointed>()) return py_reply(c, m->req, graph_.checkpoint(m->rdd, m->path));
  if (auto* m = env.as<msg::PySetLogLevel>()) {
    if (!set_log_level(m->level))
      return py_error(c, m->req, "bad_request", "invalid log level '" + m->level + "' (expected ALL, DEBUG, ERROR, FATAL, INFO, OFF, TRACE, WARN)");
    return py_reply(c, m->req, Status::ok());
  }
  if (auto* m = env.as<msg::PyAddPyFile>()) return py_reply(c, m->req, add_py_file(m->path));
  if (auto* m = env.as<msg::PyStopContext>()) {
    stop_context();
    return py_reply(c, m->req, Status::ok());
  }
  if (auto* m = env.as<msg::PyDebugQuery>()) return debug_query(c, *m);
  if (auto* m = env.as<msg::PyCancelJobs>()) return cancel_jobs(c, *m);
  if (auto* m = env.as<msg::PyStatusQuery>()) return status_query(c, *m);
  if (auto* m = env.as<msg::PyAddFile>()) return py_reply(c, m->req, add_file(m->path, m->name, m->archive));
  if (auto* m = env.as<msg::PySqlAnalyze>()) return sql_analyze(c, *m);
  if (auto* m = env.as<msg::PySqlExecute>()) return sql_execute(c, *m);
  if (auto* m = env.as<msg::PySqlExplain>()) return sql_explain(c, *m);
  if (auto* m = env.as<msg::PySqlCommand>()) return sql_command(c, *m, std::move(env.blobs));
  c.close("unexpected message " + env.op + " from the Python program");
}

void Driver::create_context(Connection& c, const msg::PyCreateContext& m) {
  if (phase_ == AppPhase::kStarting || phase_ == AppPhase::kRunning)
    return py_error(c, m.req, "bad_request", "Only one SparkContext should be running in this application (stop() the current one first)");
  conf_ = submit_conf_;
  runtime_info_.clear();
  static const std::string kRuntime = "spark.sparkpp.runtime.";  // not settings: Runtime Information
  for (const auto& [k, v] : m.conf) {
    if (k.rfind(kRuntime, 0) == 0) runtime_info_[k.substr(kRuntime.size())] = v;
    else conf_.set(k, v);  // code-set values win, as in PySpark
  }
  runtime_info_["sparkppVersion"] = SPARKPP_VERSION;
  runtime_info_["sparkppBuild"] = msg::build_id();
  runtime_info_["sparkppExecutable"] = self_exe();
  Status st = conf_.validate();
  if (!st) return py_error(c, m.req, "bad_request", st.message());
  auto spec = parse_master_url(conf_.get("spark.master"));
  if (!spec) return py_error(c, m.req, "bad_request", spec.error_message());
  master_ = spec.value();
  auto cluster_auth = auth::cluster_policy(conf_);
  if (!cluster_auth) return py_error(c, m.req, "bad_request", cluster_auth.error_message());
  cluster_auth_ = *cluster_auth;
  // Local executors always prove a per-run key (the driver starts them and hands it over);
  // cluster executors prove the application's key once the master has named the application.
  exec_auth_ = master_.local ? auth::Policy{true, random_hex(32)} : auth::Policy{cluster_auth_.required, ""};
  exec_auth_.encrypt = cluster_auth_.encrypt;  // spark.network.crypto.enabled (needs spark.authenticate)
  if (conf_.get("spark.app.name").empty()) return py_error(c, m.req, "bad_request", "An application name must be set in your configuration");
  if (!conf_.contains("spark.pyspark.python")) conf_.set("spark.pyspark.python", executor_python_);
  const bool local_mode = master_.local && !master_.local_cluster;  // local-cluster retries as a cluster
  int max_failures = local_mode ? master_.local_max_failures : static_cast<int>(conf_.get_int("spark.task.maxFailures"));
  if (master_.local && conf_.contains("spark.task.maxFailures")) max_failures = static_cast<int>(conf_.get_int("spark.task.maxFailures"));
  double quantile = conf_.get_double("spark.speculation.quantile");
  if (quantile < 0 || quantile > 1) return py_error(c, m.req, "bad_request", "spark.speculation.quantile must be between 0 and 1");
  if (conf_.get_double("spark.speculation.multiplier") <= 0)
    return py_error(c, m.req, "bad_request", "spark.speculation.multiplier must be positive");
  scheduler::SchedulerConfig sc;
  sc.max_task_failures = max_failures;
  // Local mode's executor is a process of ours (Spark's lives in the driver's JVM, which a crash
  // ends): losing it is retried a few times even with local[N]'s single attempt, then the job
  // fails instead of re-running a crashing task forever.
  if (local_mode) sc.min_lost_task_failures = 4;
  sc.max_stage_attempts = static_cast<int>(std::max<int64_t>(1, conf_.get_int("spark.stage.maxConsecutiveAttempts")));
  sc.locality_wait_ms = conf_.get_time_ms("spark.locality.wait");
  sc.speculation.enabled = conf_.get_bool("spark.speculation");
  sc.speculation.multiplier = conf_.get_double("spark.speculation.multiplier");
  sc.speculation.quantile = quantile;
  sc.speculation.min_runtime_ms = conf_.get_time_ms("spark.speculation.minTaskRuntime");
  sc.speculation_interval_ms = std::max<int64_t>(10, conf_.get_time_ms("spark.speculation.interval"));
  sc.max_result_bytes = conf_.get_bytes("spark.driver.maxResultSize");
  // Short tasks queue on busy executors (task_scheduler.h); never with speculation, whose
  // durations would count the queue time.
  if (!sc.speculation.enabled) sc.queue.per_core = static_cast<int>(std::max<int64_t>(0, conf_.get_int("spark.sparkpp.scheduler.queuedTasksPerCore")));
  sc.queue.max_task_ms = conf_.get_time_ms("spark.sparkpp.scheduler.queueTaskMaxTime");
  // Task cpus and custom resources: what a task of the default profile holds (Spark's slots).
  try {
    sc.task_cpus = std::max(1, std::stoi(conf_.get("spark.task.cpus", "1")));
  } catch (...) {
  }
  for (const auto& [k, v] : conf_.values()) {
    static const std::string kAmount = ".amount";
    if (k.size() <= kAmount.size() || k.compare(k.size() - kAmount.size(), kAmount.size(), kAmount) != 0) continue;
    for (auto [prefix, into] : {std::pair{std::string("spark.task.resource."), &sc.task_resources},
                                std::pair{std::string("spark.executor.resource."), &sc.executor_resources}}) {
      if (!starts_with(k, prefix) || k.size() <= prefix.size() + kAmount.size()) continue;
      try {
        (*into)[k.substr(prefix.size(), k.size() - prefix.size() - kAmount.size())] = std::stod(v);
      } catch (...) {
      }
    }
  }
  revive_timer_->stop();
  speculation_timer_->stop();
  dag_ = std::make_unique<scheduler::DagScheduler>(source_, clock_, sc);
  sql_source_.observe(&dag_->map_outputs());  // map output sizes decide AQE coalescing
  execs_.clear();
  exec_by_conn_.clear();
  granted_.clear();
  progress_.set_enabled(isatty(2) && conf_.get_bool("spark.ui.showConsoleProgress"));
  // --py-files (spark.submit.pyFiles) ship to executors like sc.addPyFile; --files and
  // --archives (spark.files, spark.archives; `path#alias`) like sc.addFile / sc.addArchive.
  for (const auto& f : split(conf_.get("spark.submit.pyFiles"), ',')) {
    if (f.empty()) continue;
    if (Status st = add_py_file(f); !st) return py_error(c, m.req, "bad_request", st.message());
  }
  files_.clear();
  job_groups_.clear();
  for (const char* key : {"spark.files", "spark.archives"}) {
    for (const auto& f : split(conf_.get(key), ',')) {
      if (f.empty()) continue;
      const bool archive = std::string(key) == "spark.archives";
      const size_t hash = archive ? f.rfind('#') : std::string::npos;
      std::string path = hash == std::string::npos ? f : f.substr(0, hash);
      if (path.rfind("file:", 0) == 0) path = path.substr(5);
      const std::string name = hash == std::string::npos ? "" : f.substr(hash + 1);
      if (Status st = add_file(path, name, archive); !st) return py_error(c, m.req, "bad_request", key + std::string(": ") + st.message());
    }
  }
  context_req_ = m.req;
  context_conn_ = c.id();
  set_phase(AppPhase::kStarting, "SparkContext created");
  if (Status st = listen_executors(); !st) {
    set_phase(AppPhase::kNone, "cannot accept executors");
    return py_error(c, m.req, "bad_request", st.message());
  }
  advertise_host_ = conf_.get("spark.driver.host");
  if (master_.local) {
    if (advertise_host_.empty()) advertise_host_ = "127.0.0.1";
    app_id_ = "local-" + std::to_string(clock_.wall_ms());
    ui_ = std::make_unique<ui::AppUi>(conf_, advertise_host_);
    for (int i = 0; i < master_.local_executors; ++i) launch_local_executor();
    reply_context_info();  // tasks queue until the executors register
  } else {
    if (advertise_host_.empty()) advertise_host_ = auth::is_loopback_host(exec_bind_) ? "127.0.0.1" : local_ip();
    ui_ = std::make_unique<ui::AppUi>(conf_, advertise_host_);
    connect_master(0);
  }
}

void Driver::reply_context_info() {
  if (phase_ != AppPhase::kStarting) return;
  set_phase(AppPhase::kRunning, "executors ready");
  ready_timer_->stop();
  conf_.set("spark.app.id", app_id_);
  LOG_INFO(kLog, "application " << app_id_ << " (" << conf_.get("spark.app.name") << ") running on " << conf_.get("spark.master"));
  ui_->post(sc::ApplicationStartEvent{app_id_, conf_.get("spark.app.name"), std::getenv("USER") ? std::getenv("USER") : "root",
                                      clock_.wall_ms()});
  ui_->post(sc::EnvironmentUpdateEvent{conf_.values(), runtime_info_});
  {  // the default resource profile (id 0), as Spark's ResourceProfile.getOrCreateDefaultProfile
    sc::ResourceProfileAddedEvent p;
    p.executor["cores"] = 1;  // spark.executor.cores' default
    try {
      p.executor["cores"] = std::max(1, std::stoi(conf_.get("spark.executor.cores", "1")));
    } catch (...) {
    }
    p.executor["memory"] = static_cast<double>(conf_.get_bytes("spark.executor.memory") / (1024 * 1024));
    p.task["cpus"] = dag_ ? dag_->task_cpus() : 1;
    for (const auto& [k, v] : conf_.values()) {
      static const std::string kEx = "spark.executor.resource.", kTask = "spark.task.resource.", kAmount = ".amount";
      if (k.size() <= kAmount.size() || k.compare(k.size() - kAmount.size(), kAmount.size(), kAmount) != 0) continue;
      for (const auto& prefix : {kEx, kTask}) {
        if (!starts_with(k, prefix) || k.size() <= prefix.size() + kAmount.size()) continue;
        try {
          (prefix == kEx ? p.executor : p.task)[k.substr(prefix.size(), k.size() - prefix.size() - kAmount.size())] = std::stod(v);
        } catch (...) {
        }
      }
    }
    ui_->post(std::move(p));
  }
  for (const auto& [id, e] : execs_)
    ui_->post(sc::ExecutorAddedEvent{id, e.host, e.cores, clock_.wall_ms(), e.log_urls, executor_storage_bytes()});
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
  if (master_.local_cluster) return std::max(2, master_.local_executors * master_.local_cores);
  if (master_.local) return master_.local_cores;
  int cores = 0;  // registered executors (the scheduler hears of them when the turn ends)
  for (const auto& [id, e] : execs_) cores += e.cores;
  return std::max(2, cores);
}

void Driver::define_rdd(Connection& c, const msg::PyDefineRdd& m, std::vector<std::string>&& blobs) {
  if (m.kind == "sql") {  // df.rdd: args {plan, conf} become a registered query's result stage
    if (phase_ != AppPhase::kRunning || !dag_)
      return py_error(c, m.req, "context_stopped", "Cannot call methods on a stopped SparkContext");
    if (!m.args.is_object() || !m.args.contains("plan")) return py_error(c, m.req, "bad_request", "a sql RDD needs args.plan");
    std::map<std::string, std::string> session;
    if (m.args.contains("conf") && m.args["conf"].is_object())
      for (auto it = m.args["conf"].begin(); it != m.args["conf"].end(); ++it)
        if (it->is_string()) session[it.key()] = it->get<std::string>();
    auto node = register_sql_rdd(m.args["plan"], session);
    if (!node) {
      auto err = json::parse(node.error_message(), nullptr, false);
      if (err.is_object()) return sql_error(c, m.req, err);
      return py_error(c, m.req, "bad_request", node.error_message());
    }
    msg::PyDefineRdd def = m;
    def.args = json{{"sql_node", node.value()}};
    auto define = [this, def, conn = c.id()] {
      auto it = py_conns_.find(conn);
      auto r = graph_.define(def, {});
      if (!r) {
        end_sql_stages(def.args.value("sql_node", -1));
        if (it != py_conns_.end()) py_error(*it->second, def.req, "bad_request", r.error_message());
        return;
      }
      msg::PyDefined d;
      d.req = def.req;
      d.id = def.id;
      d.num_partitions = r.value();
      if (it != py_conns_.end()) it->second->send(d);
    };
    if (sql_source_.next_range_to_sample(node.value()) < 0) return define();
    // A global sort: its range bounds first, as Spark's RangePartitioner samples when the RDD is
    // built (sampling jobs, then the definition; a failed sampling job answers the request).
    Job q;
    q.id = next_job_++;
    q.rdd = node.value();
    q.sql = true;
    q.req = m.req;
    q.py_conn = c.id();
    q.description = "rdd";
    q.start_ms = clock_.now_ms();
    q.all_partitions = true;
    const char* points_key = "spark.sql.execution.rangeExchange.sampleSizePerPartition";
    auto points = session.find(points_key);
    const std::string pts = points != session.end() ? points->second : conf_.get(points_key, "");
    q.range_points = std::clamp(std::atoi(pts.empty() ? "100" : pts.c_str()), 1, 1000000);
    q.on_sampled = std::move(define);
    return submit_job(range_sampling_first(std::move(q)), json{{"nodes", json::array()}});
  }
  auto r = graph_.define(m, std::move(blobs));
  if (!r) return py_error(c, m.req, "bad_request", r.error_message());
  msg::PyDefined d;
  d.req = m.req;
  d.id = m.id;
  d.num_partitions = r.value();
  c.send(d);
}

void Driver::py_reply(Connection& c, int64_t req, const Status& st, json value) {
  if (!st) return py_error(c, req, "bad_request", st.message());
  msg::PyReply rep;
  rep.req = req;
  rep.value = std::move(value);
  c.send(rep);
}

// Broadcast values are kept here zstd-compressed; launch() ships each once per executor.
Status Driver::put_broadcast(int64_t id, std::vector<std::string>& blobs) {
  if (blobs.size() != 1) return Status::error("PyBroadcast needs one blob (the pickled value)");
  std::string z(ZSTD_compressBound(blobs[0].size()), '\0');
  size_t n = ZSTD_compress(z.data(), z.size(), blobs[0].data(), blobs[0].size(), 1);
  if (ZSTD_isError(n)) return Status::error(std::string("cannot compress broadcast: ") + ZSTD_getErrorName(n));
  z.resize(n);
  broadcasts_[id] = std::make_shared<const std::string>(std::move(z));
  return Status::ok();
}

void Driver::unpersist_broadcast(int64_t id, bool destroy) {
  for (auto& [eid, e] : execs_) {
    if (!e.broadcasts_sent.erase(id) || !e.conn) continue;
    msg::RemoveBroadcast r;
    r.id = id;
    e.conn->send(r);
  }
  if (destroy) broadcasts_.erase(id);
}

// Spark's StorageLevel.description ("Memory Serialized 1x Replicated") of a PyPersist level.
std::string level_description(const json& l) {
  auto flag = [&](const char* k) { return l.is_object() && l.contains(k) && l[k].is_boolean() && l[k].get<bool>(); };
  std::string d;
  if (flag("use_disk")) d += "Disk ";
  if (flag("use_memory")) d += "Memory ";
  if (flag("use_off_heap")) d += "OffHeap ";
  d += flag("deserialized") ? "Deserialized " : "Serialized ";
  const int rep = l.is_object() && l.contains("replication") && l["replication"].is_number_integer() ? l["replication"].get<int>() : 1;
  return d + std::to_string(rep) + "x Replicated";
}

// persist: the level goes on the lineage node (tasks then read/store its blocks); the UI learns.
Status Driver::persist_rdd(int rdd, const json& level) {
  Status st = graph_.set_persist(rdd, level);
  if (!st || !ui_ || level.is_null()) return st;
  if (const RddNode* n = graph_.node(rdd)) ui_->post(sc::RddPersistedEvent{rdd, rdd_class_name(*n), n->num_partitions, level_description(level)});
  return st;
}

// unpersist: forget the level and the blocks; executors drop theirs.
Status Driver::unpersist_rdd(int rdd) {
  Status st = graph_.set_persist(rdd, json());
  if (!st) return st;
  drop_blocks(rdd);
  return Status::ok();
}

void Driver::forget_rdds(const std::vector<int>& rdds) {
  for (int id : rdds) {
    const RddNode* n = graph_.node(id);
    if (!n) continue;
    if (!n->persist.is_null()) {
      unpersist_rdd(id);  // RemoveRdd to the executors: blocks, and the node's function
    } else {
      msg::RemoveRdd r;  // executors and their workers drop the node's function
      r.rdd = id;
      for (auto& [eid, e] : execs_)
        if (e.conn && e.funcs_sent.count(id)) e.conn->send(r);
    }
    for (auto& [eid, e] : execs_) e.funcs_sent.erase(id);  // a python node's function id is its id
    if (n->kind == "sql") end_sql_stages(n->args.value("sql_node", -1));  // df.rdd's query stages
    if (!graph_.forget(id) || !dag_) continue;
    remove_shuffles({id});
  }
}

void Driver::end_sql_stages(int result_node) { remove_shuffles(sql_source_.remove(result_node)); }

// Their map outputs are forgotten here and dropped by every executor (files; in-memory outputs).
void Driver::remove_shuffles(const std::vector<int>& shuffles) {
  for (int id : shuffles) {
    if (dag_) dag_->forget_shuffle(id);
    msg::RemoveShuffle r;
    r.shuffle_id = id;
    for (auto& [eid, e] : execs_)
      if (e.conn) e.conn->send(r);
  }
}

void Driver::drop_blocks(int rdd) {
  if (ui_) ui_->post(sc::RddUnpersistedEvent{rdd});
  for (auto it = block_locs_.begin(); it != block_locs_.end();)
    it = it->first.first == rdd ? block_locs_.erase(it) : std::next(it);
  for (auto& [eid, e] : execs_) {
    msg::RemoveRdd r;
    r.rdd = rdd;
    if (e.conn) e.conn->send(r);
    e.funcs_sent.erase(rdd);  // RemoveRdd drops the node's function too: send it again if needed
  }
}

// Test hooks (PyDebugQuery): off unless spark.sparkpp.test.debugQueries is set.
void Driver::debug_query(Connection& c, const msg::PyDebugQuery& m) {
  if (!conf_.get_bool("spark.sparkpp.test.debugQueries"))
    return py_error(c, m.req, "bad_request", "PyDebugQuery needs spark.sparkpp.test.debugQueries=true (tests only)");
  json value;
  if (m.what == "executors") {
    value = json::array();
    for (const auto& [id, e] : execs_) value.push_back({{"id", id}, {"host", e.host}, {"cores", e.cores}});
  } else if (m.what == "broadcast_stats") {
    // How often, and how many bytes of, a broadcast went to executors.
    auto it = broadcast_stats_.find(m.args.is_object() ? m.args.value("id", int64_t{-1}) : -1);
    value = {{"sends", it == broadcast_stats_.end() ? 0 : it->second.first},
             {"bytes", it == broadcast_stats_.end() ? 0 : it->second.second}};
  } else {
    return py_error(c, m.req, "bad_request", "unknown debug query '" + m.what + "'");
  }
  py_reply(c, m.req, Status::ok(), std::move(value));
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
  if (ui_)
    for (auto& ev : ui_->store().abort_events("SparkContext was shut down", clock_.wall_ms())) ui_->post(std::move(ev));
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
  set_phase(AppPhase::kStopped, "SparkContext stopped");
  sql_source_.observe(nullptr);
  dag_.reset();  // its jobs were answered above; late task reports are ignored
  LOG_INFO(kLog, "application " << app_id_ << " stopped");
}

}  // namespace spp::driver
