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
  sched_ = std::make_unique<TaskScheduler>(max_failures);
  sched_->set_locality_wait(conf_.get_time_ms("spark.locality.wait"));
  double quantile = conf_.get_double("spark.speculation.quantile");
  if (quantile < 0 || quantile > 1) return py_error(c, m.req, "bad_request", "spark.speculation.quantile must be between 0 and 1");
  if (conf_.get_double("spark.speculation.multiplier") <= 0)
    return py_error(c, m.req, "bad_request", "spark.speculation.multiplier must be positive");
  SpeculationConf sc;
  sc.enabled = conf_.get_bool("spark.speculation");
  sc.multiplier = conf_.get_double("spark.speculation.multiplier");
  sc.quantile = quantile;
  sc.min_runtime_ms = conf_.get_time_ms("spark.speculation.minTaskRuntime");
  sched_->set_speculation(sc);
  speculation_timer_->stop();
  if (sc.enabled) {
    int64_t every = std::max<int64_t>(10, conf_.get_time_ms("spark.speculation.interval"));
    speculation_timer_->start(static_cast<uint64_t>(every), static_cast<uint64_t>(every), [this] { check_speculation(); });
  }
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
  return std::max(2, sched_ ? sched_->total_cores() : 0);
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
  LOG_INFO(kLog, "application " << app_id_ << " stopped");
}

// ------------------------------------------------------------------ jobs

void Driver::run_job(Connection& c, const msg::PyRunJob& m) {
  if (phase_ != AppPhase::kRunning) return py_error(c, m.req, "context_stopped", "Cannot call methods on a stopped SparkContext");
  const RddNode* n = graph_.node(m.rdd);
  if (!n) return py_error(c, m.req, "bad_request", "unknown RDD " + std::to_string(m.rdd));
  Job job;
  job.id = next_job_++;
  job.rdd = m.rdd;
  job.req = m.req;
  job.py_conn = c.id();
  job.sink = m.sink.is_object() ? m.sink : json{{"kind", "result"}};
  job.sink_kind = job.sink.value("kind", "result");
  job.description = m.description;
  job.start_ms = clock_.now_ms();
  if (m.partitions.empty()) {
    for (int p = 0; p < n->num_partitions; ++p) job.partitions.push_back(p);
  } else {
    for (int p : m.partitions) {
      if (p < 0 || p >= n->num_partitions)
        return py_error(c, m.req, "bad_request", "partition " + std::to_string(p) + " out of range (RDD has " + std::to_string(n->num_partitions) + ")");
      job.partitions.push_back(p);
    }
  }
  if (job.file_sink()) {
    job.out_dir = job.sink.value("path", "");
    if (job.out_dir.empty()) return py_error(c, m.req, "bad_request", "saveAsTextFile needs a path");
    std::error_code ec;
    if (fs::exists(job.out_dir, ec))
      return py_error(c, m.req, "bad_request", "Output directory file:" + job.out_dir + " already exists");
    job.tmp_dir = job.out_dir + "/_temporary/" + std::to_string(job.id);
    fs::create_directories(job.tmp_dir, ec);
    if (ec) return py_error(c, m.req, "bad_request", "cannot create output directory " + job.out_dir + ": " + ec.message());
    job.sink["tmp_dir"] = job.tmp_dir;
  } else if (job.sink_kind != "result") {
    return py_error(c, m.req, "bad_request", "unknown sink '" + job.sink_kind + "'");
  }
  job.results.resize(job.partitions.size());
  job.have.assign(job.partitions.size(), false);
  for (size_t i = 0; i < job.partitions.size(); ++i) job.position[job.partitions[i]] = i;
  int jid = job.id;
  auto& stored = jobs_.emplace(jid, std::move(job)).first->second;
  ui_->store().on_job_start(jid, stored.description, clock_.wall_ms(), rdd_lineage(graph_, stored.rdd));
  if (stored.partitions.empty()) return finish_job(stored);
  advance_job(stored);
  schedule();
  if (progress_.enabled()) progress_timer_->start(200, 200, [this] { update_progress(); });
}

// The first shuffle (deepest first) that `rdd`'s stage needs and whose map outputs are
// incomplete; -1 when every input exists. Complete shuffles are skipped, as Spark skips stages.
int Driver::missing_shuffle(int rdd) {
  for (int s : graph_.shuffle_deps(rdd)) {
    const RddNode* n = graph_.node(s);
    int deeper = missing_shuffle(n->parents[0]);
    if (deeper >= 0) return deeper;
    auto it = outputs_.find(s);
    if (it == outputs_.end() || it->second.missing() > 0) return s;
  }
  return -1;
}

// Submits the job's next stage: a missing shuffle-map stage, else the result stage.
void Driver::advance_job(Job& job) {
  StageRun st;
  st.start_ms = clock_.now_ms();
  int s = missing_shuffle(job.rdd);
  // Stage ids are stable, as in Spark: a shuffle's map stage keeps its id across jobs and
  // resubmissions, a job's result stage keeps its own; each submission is the next attempt.
  if (s >= 0) {
    auto [it, fresh] = map_stage_ids_.try_emplace(s, 0);
    if (fresh) it->second = next_stage_++;
    st.stage_id = it->second;
  } else {
    if (job.result_stage_id < 0) job.result_stage_id = next_stage_++;
    st.stage_id = job.result_stage_id;
  }
  st.attempt = stage_attempts_[st.stage_id]++;
  if (s >= 0) {
    const RddNode* n = graph_.node(s);
    const RddNode* parent = graph_.node(n->parents[0]);
    auto& out = outputs_[s];
    if (out.maps.size() != static_cast<size_t>(parent->num_partitions)) {
      out.num_maps = parent->num_partitions;
      out.num_reduce = n->num_partitions;
      out.maps.assign(static_cast<size_t>(parent->num_partitions), nullptr);
    }
    st.is_map = true;
    st.shuffle_id = s;
    st.rdd = parent->id;
    for (int p = 0; p < out.num_maps; ++p)
      if (!out.maps[static_cast<size_t>(p)]) st.partitions.push_back(p);
  } else {
    st.rdd = job.rdd;
    for (size_t i = 0; i < job.partitions.size(); ++i)
      if (!job.have[i]) st.partitions.push_back(job.partitions[i]);
  }
  LOG_DEBUG(kLog, "job " << job.id << ": " << (st.is_map ? "shuffle map" : "result") << " stage " << st.stage_id << " (RDD " << st.rdd
                         << (st.is_map ? ", shuffle " + std::to_string(s) : "") << ") with " << st.partitions.size() << " task(s)");
  job.stage = std::move(st);
  job.stage_active = true;
  if (job.stage.partitions.empty()) {
    // Nothing missing (e.g. an empty parent): move on at once.
    job.stage_active = false;
    if (job.stage.is_map) return advance_job(job);
    return finish_job(job);
  }
  ui_->store().on_stage_submitted(job.stage.stage_id, job.stage.attempt, job.id,
                                  job.stage.is_map ? "shuffle map (RDD " + std::to_string(job.stage.rdd) + ")" : (job.description.empty() ? "result (RDD " + std::to_string(job.stage.rdd) + ")" : job.description),
                                  static_cast<int>(job.stage.partitions.size()), job.stage.rdd, clock_.wall_ms());
  // Prefer executors holding the cached blocks a task reads.
  std::vector<std::vector<std::string>> prefs;
  bool any = false;
  for (int p : job.stage.partitions) {
    std::vector<std::string> execs;
    for (const auto& blk : graph_.cached_blocks(job.stage.rdd, p)) {
      auto it = block_locs_.find(blk);
      if (it != block_locs_.end()) execs.insert(execs.end(), it->second.begin(), it->second.end());
    }
    any |= !execs.empty();
    prefs.push_back(std::move(execs));
  }
  if (!any) prefs.clear();
  sched_->submit(job.id, job.stage.stage_id, job.stage.attempt, static_cast<int>(job.stage.partitions.size()),
                 std::move(prefs), clock_.now_ms());
  // Tasks waiting for their data's executor need assign() to run again as time passes.
  if (sched_->has_waiting_local_tasks())
    revive_timer_->start(100, 100, [this] {
      if (!sched_ || !sched_->has_waiting_local_tasks()) return revive_timer_->stop();
      schedule();
    });
}

void Driver::kill_tasks(const std::vector<Launch>& launches, const std::string& reason) {
  for (const Launch& k : launches) {
    auto et = execs_.find(k.exec_id);
    if (et == execs_.end() || !et->second.conn) continue;
    msg::KillTask kt;
    kt.task_id = k.task_id;
    kt.reason = reason;
    et->second.conn->send(kt);
  }
}

// Slow tasks get a copy on another executor (spark.speculation); assign() places it.
void Driver::check_speculation() {
  if (!sched_ || phase_ != AppPhase::kRunning) return;
  int64_t now = clock_.now_ms();
  auto slow = sched_->check_speculation(now);
  if (slow.empty()) return;
  for (const Launch& l : slow)
    LOG_INFO(kLog, "Marking task " << l.index << " in stage " << l.stage_id << "." << l.stage_attempt << " (TID " << l.task_id
                                   << ", executor " << l.exec_id << ") as speculatable: running for "
                                   << (now - sched_->attempt(l.task_id)->launch_ms) << " ms");
  schedule();
}

void Driver::cancel_stage(Job& job, const std::string& reason) {
  kill_tasks(sched_->cancel_job(job.id), reason);
  if (job.stage_active) ui_->store().on_stage_completed(job.stage.stage_id, job.stage.attempt, "FAILED", reason, clock_.wall_ms());
  job.stage_active = false;
}

// An executor's shuffle files are gone with it: forget them, and re-plan jobs whose current
// stage reads them (their missing map outputs are recomputed from lineage).
void Driver::outputs_lost(const std::string& exec_id) {
  std::set<int> touched;
  for (auto& [sid, out] : outputs_)
    for (auto& m : out.maps)
      if (m && m->exec_id == exec_id) {
        m.reset();
        touched.insert(sid);
      }
  if (touched.empty()) return;
  std::vector<int> ids;
  for (auto& [jid, job] : jobs_) ids.push_back(jid);
  for (int jid : ids) {
    auto it = jobs_.find(jid);
    if (it == jobs_.end() || !it->second.stage_active) continue;
    Job& job = it->second;
    bool reads_lost = false;
    for (int s : graph_.shuffle_deps(job.stage.rdd)) reads_lost |= touched.count(s) > 0;
    if (!reads_lost) continue;
    LOG_WARN(kLog, "job " << jid << ": map outputs lost with executor " << exec_id << "; resubmitting missing stages");
    cancel_stage(job, "map outputs lost");
    advance_job(job);
  }
}

void Driver::schedule() {
  if (!sched_) return;
  for (const Launch& l : sched_->assign(clock_.now_ms())) {
    // assign() marked the attempt RUNNING: one never sent must end here, or its core stays
    // taken forever (no executor will report on it). Its task set, if still live, re-queues it.
    auto not_sent = [&] { sched_->failed(l.task_id, FailureKind::kExecutorLost, "not launched", clock_.now_ms()); };
    auto jt = jobs_.find(l.job_id);
    auto et = execs_.find(l.exec_id);
    if (jt == jobs_.end() || et == execs_.end() || !et->second.conn) {
      not_sent();
      continue;
    }
    Job& job = jt->second;
    ExecInfo& ex = et->second;
    if (!job.stage_active || l.stage_id != job.stage.stage_id || l.stage_attempt != job.stage.attempt) {
      not_sent();
      continue;
    }
    int partition = job.stage.partitions[static_cast<size_t>(l.index)];
    auto payload = graph_.build_task(job.stage.rdd, partition, outputs_);
    if (!payload) {
      sched_->failed(l.task_id, FailureKind::kKilled, payload.error_message(), clock_.now_ms());
      cancel_stage(job, "cannot build task");  // its other tasks must not run (or wait) either
      fail_job(job, payload.error_message());
      continue;
    }
    for (const auto& [name, data] : pyfiles_) {
      if (ex.pyfiles_sent.count(name)) continue;
      msg::AddPyFile a;
      a.name = name;
      ex.conn->send(a, {*data});
      ex.pyfiles_sent.insert(name);
    }
    bool missing_broadcast = false;
    for (int64_t b : payload->broadcasts) {
      if (ex.broadcasts_sent.count(b)) continue;
      auto bt = broadcasts_.find(b);
      if (bt == broadcasts_.end()) {
        missing_broadcast = true;
        sched_->failed(l.task_id, FailureKind::kKilled, "destroyed broadcast", clock_.now_ms());
        cancel_stage(job, "broadcast destroyed");
        fail_job(job, "Attempted to use broadcast " + std::to_string(b) + " after it was destroyed");
        break;
      }
      msg::AddBroadcast ab;
      ab.id = b;
      ex.conn->send(ab, {*bt->second});
      ex.broadcasts_sent.insert(b);
      auto& stats = broadcast_stats_[b];
      stats.first += 1;
      stats.second += static_cast<int64_t>(bt->second->size());
    }
    if (missing_broadcast) continue;
    msg::LaunchTask t;
    t.task_id = l.task_id;
    t.job_id = l.job_id;
    t.stage_id = l.stage_id;
    t.stage_attempt = l.stage_attempt;
    t.partition = partition;
    t.attempt = l.attempt;
    t.plan = std::move(payload->plan);
    if (job.stage.is_map) {
      t.sink = {{"kind", "shuffle"}, {"shuffle_id", job.stage.shuffle_id}, {"map", partition},
                {"num_reduce", outputs_[job.stage.shuffle_id].num_reduce}};
    } else {
      t.sink = job.sink;
    }
    if (!job.stage.is_map && job.file_sink()) t.sink["file"] = "part-" + [&] {
      char b[16];
      std::snprintf(b, sizeof b, "%05d", partition);
      return std::string(b);
    }();
    std::vector<std::string> blobs;
    for (int64_t fid : payload->funcs) {
      if (ex.funcs_sent.count(fid)) continue;
      auto f = graph_.func_blob(fid);
      if (!f) continue;
      t.new_funcs.push_back(fid);
      blobs.push_back(*f);
      ex.funcs_sent.insert(fid);
    }
    for (const auto& b : payload->input_blobs) blobs.push_back(*b);
    ex.conn->send(t, blobs);
    if (l.speculative)
      LOG_INFO(kLog, "Starting speculative task " << l.index << "." << l.attempt << " in stage " << l.stage_id << "."
                                                  << l.stage_attempt << " (TID " << l.task_id << ") on executor " << l.exec_id);
    ui_->store().on_task_start(l.task_id, l.stage_id, l.stage_attempt, l.index, l.attempt, partition, l.exec_id, ex.host,
                               clock_.wall_ms(), l.speculative);
  }
}

void Driver::update_progress() {
  if (jobs_.empty()) {
    progress_timer_->stop();
    progress_.clear();
    return;
  }
  const Job& j = jobs_.begin()->second;
  if (!j.stage_active) return;
  progress_.show(j.stage.stage_id, j.stage.done, sched_->running_in_job(j.id), static_cast<int>(j.stage.partitions.size()),
                 clock_.now_ms() - j.stage.start_ms);
}

// Accumulator updates ride at the end of a finished task's blobs: one per Python pass (a task
// that also computed cached blocks carries several; extra.accum_blobs counts them).
static void take_accums(const msg::StatusUpdate& m, std::vector<std::string>& blobs, std::vector<std::string>& into) {
  if (!m.accum_blob) return;
  size_t n = static_cast<size_t>(m.extra.is_object() ? m.extra.value("accum_blobs", 1) : 1);
  n = std::min(n, blobs.size());
  for (size_t i = blobs.size() - n; i < blobs.size(); ++i) into.push_back(std::move(blobs[i]));
  blobs.resize(blobs.size() - n);
}

void Driver::status_update(Connection& c, msg::StatusUpdate&& m, std::vector<std::string>&& blobs) {
  if (!sched_) return;
  auto ui_end = [&](const std::string& state, const std::string& error) {
    if (ui_) ui_->store().on_task_end(m.task_id, state, m.metrics, error, clock_.wall_ms());
  };
  const TaskAttempt* running = sched_->attempt(m.task_id);
  if (!running) return ui_end(m.state, m.error);  // unknown, or already ended (e.g. lost with its executor)
  const Launch la = running->launch;  // the scheduler forgets the attempt when it ends
  int job_id = la.job_id;
  int index = la.index;
  int64_t now = clock_.now_ms();
  if (m.state == "FINISHED") {
    auto jt = jobs_.find(job_id);
    TaskEnd end = sched_->succeeded(m.task_id, now);
    if (end.outcome != TaskEnd::kSucceeded) {
      // A speculative race's loser (or a task of an ended stage): its result is dropped.
      ui_end("KILLED", "finished after another attempt succeeded or its stage ended; result discarded");
      return schedule();
    }
    ui_end(m.state, m.error);
    if (jt == jobs_.end()) return schedule();
    // Speculation: the other copies of this task lost the race.
    for (const Launch& k : end.kill)
      LOG_INFO(kLog, "Killing attempt " << k.attempt << " for task " << k.index << " in stage " << k.stage_id << "." << k.stage_attempt
                                        << " (TID " << k.task_id << ") on executor " << k.exec_id
                                        << " as the attempt " << la.attempt << " succeeded");
    kill_tasks(end.kill, "another attempt succeeded");
    Job& job = jt->second;
    ++job.stage.done;
    if (job.stage.is_map) {
      int part = job.stage.partitions[static_cast<size_t>(index)];
      auto ms = std::make_shared<MapStatus>();
      ms->exec_id = la.exec_id;
      auto et = execs_.find(ms->exec_id);
      ms->host = et != execs_.end() ? et->second.host : "";
      ms->port = et != execs_.end() ? et->second.data_port : 0;
      ms->path = m.extra.value("path", "");
      ms->offsets = m.extra.value("offsets", std::vector<int64_t>{});
      auto& out = outputs_[job.stage.shuffle_id];
      if (static_cast<int>(ms->offsets.size()) != out.num_reduce + 1) {
        cancel_stage(job, "bad map output");
        fail_job(job, "map task for partition " + std::to_string(part) + " reported malformed shuffle output");
        return schedule();
      }
      out.maps[static_cast<size_t>(part)] = ms;
      take_accums(m, blobs, job.accums);
      if (end.set_complete) {
        ui_->store().on_stage_completed(job.stage.stage_id, job.stage.attempt, "COMPLETE", "", clock_.wall_ms());
        stage_failures_.erase(job.stage.stage_id);
        job.stage_active = false;
        advance_job(job);
      }
      return schedule();
    }
    size_t pos = job.position[job.stage.partitions[static_cast<size_t>(index)]];
    job.have[pos] = true;
    ++job.done;
    take_accums(m, blobs, job.accums);
    for (const auto& b : blobs) job.result_bytes += static_cast<int64_t>(b.size());
    job.results[pos] = std::move(blobs);
    int64_t limit = conf_.get_bytes("spark.driver.maxResultSize");
    if (limit > 0 && job.result_bytes > limit) {
      kill_tasks(sched_->cancel_job(job.id), "job aborted");
      fail_job(job, "Total size of serialized results of " + std::to_string(job.done) + " tasks (" +
                        format_bytes(job.result_bytes) + ") is bigger than spark.driver.maxResultSize (" +
                        format_bytes(limit) + ")");
      return schedule();
    }
    if (end.set_complete) {
      ui_->store().on_stage_completed(job.stage.stage_id, job.stage.attempt, "COMPLETE", "", clock_.wall_ms());
      stage_failures_.erase(job.stage.stage_id);
      job.stage_active = false;
      finish_job(job);
    }
    return schedule();
  }
  ui_end(m.state, m.error);
  if (m.error_kind == "fetch_failed") {
    // A shuffle block is missing or corrupt: recompute its map output, then retry this stage.
    sched_->failed(m.task_id, FailureKind::kKilled, m.error, now);
    auto jt = jobs_.find(job_id);
    if (jt == jobs_.end() || !jt->second.stage_active || jt->second.stage.stage_id != la.stage_id ||
        jt->second.stage.attempt != la.stage_attempt) {
      LOG_INFO(kLog, "Ignoring fetch failure from TID " << m.task_id << " of stage " << la.stage_id << "." << la.stage_attempt
                                                        << ": the stage has already been resubmitted or ended (" << m.error << ")");
      return schedule();
    }
    Job& job = jt->second;
    int sid = m.extra.value("shuffle_id", -1);
    int map = m.extra.value("map", -1);
    auto ot = outputs_.find(sid);
    if (ot != outputs_.end() && map >= 0 && map < static_cast<int>(ot->second.maps.size())) {
      std::string lost_exec = ot->second.maps[static_cast<size_t>(map)] ? ot->second.maps[static_cast<size_t>(map)]->exec_id : "";
      for (auto& mm : ot->second.maps)
        if (mm && mm->exec_id == lost_exec && mm->path == m.extra.value("path", mm->path)) mm.reset();
      ot->second.maps[static_cast<size_t>(map)].reset();
    }
    cancel_stage(job, "fetch failed");
    // Spark's spark.stage.maxConsecutiveAttempts: counted per stage, reset when it completes.
    const int64_t max_attempts = std::max<int64_t>(1, conf_.get_int("spark.stage.maxConsecutiveAttempts"));
    if (++stage_failures_[la.stage_id] >= max_attempts) {
      fail_job(job, "Job aborted due to stage failure: " + std::string(job.stage.is_map ? "ShuffleMapStage " : "ResultStage ") +
                        std::to_string(la.stage_id) + " has failed the maximum allowable number of times: " +
                        std::to_string(max_attempts) + ". Most recent failure reason: " + m.error);
      return schedule();
    }
    LOG_WARN(kLog, "fetch failure in stage " << la.stage_id << " (" << m.error << "); resubmitting");
    advance_job(job);
    return schedule();
  }
  FailureKind kind = m.state == "KILLED" ? FailureKind::kKilled : FailureKind::kUser;
  TaskEnd end = sched_->failed(m.task_id, kind, m.error, now);
  if (end.outcome == TaskEnd::kWillRetry) {
    LOG_WARN(kLog, "Lost task " << index << "." << la.attempt << " in stage " << la.stage_id << "." << la.stage_attempt << " (TID "
                                << m.task_id << ") (executor " << la.exec_id << "): " << m.error);
  } else if (end.outcome == TaskEnd::kAborted) {
    LOG_ERROR(kLog, "Task " << index << " in stage " << end.stage_id << ".0 failed; aborting job " << job_id);
    kill_tasks(end.kill, "stage aborted");
    auto jt = jobs_.find(job_id);
    if (jt != jobs_.end()) fail_job(jt->second, "Job aborted due to stage failure: " + end.abort_reason);
  }
  schedule();
}

// Removes OUT/_temporary. A losing speculative copy may be creating its attempt directory in
// there at this moment (remove_all then fails with ENOTEMPTY): try again. Once the directory is
// gone no task recreates it (tasks never create a missing output directory).
static void remove_temporary(const std::string& out_dir) {
  const fs::path tmp = fs::path(out_dir) / "_temporary";
  std::error_code ec;
  for (int i = 0; i < 20 && fs::exists(tmp, ec); ++i) fs::remove_all(tmp, ec);
  if (fs::exists(tmp, ec)) LOG_WARN(kLog, "could not remove " << tmp.string() << ": " << ec.message());
}

void Driver::finish_job(Job& job) {
  progress_.clear();
  if (job.file_sink()) {
    std::error_code ec;
    for (const auto& de : fs::directory_iterator(job.tmp_dir, ec)) {
      if (!de.is_regular_file()) continue;
      fs::rename(de.path(), fs::path(job.out_dir) / de.path().filename(), ec);
      if (ec) return fail_job(job, "cannot commit " + de.path().string() + ": " + ec.message());
    }
    remove_temporary(job.out_dir);
    std::ofstream(fs::path(job.out_dir) / "_SUCCESS").flush();
  }
  LOG_DEBUG(kLog, "job " << job.id << " finished in " << (clock_.now_ms() - job.start_ms) << " ms");
  ui_->store().on_job_end(job.id, true, "", clock_.wall_ms());
  auto it = py_conns_.find(job.py_conn);
  if (it != py_conns_.end()) {
    msg::PyJobResult r;
    r.req = job.req;
    r.job_id = job.id;
    std::vector<std::string> blobs;
    for (auto& part : job.results) {
      r.counts.push_back(static_cast<int>(part.size()));
      for (auto& b : part) blobs.push_back(std::move(b));
    }
    r.accum_blobs = !job.accums.empty();
    r.num_accum_blobs = static_cast<int>(job.accums.size());
    for (auto& a : job.accums) blobs.push_back(std::move(a));
    it->second->send(r, blobs);
  }
  jobs_.erase(job.id);
}

void Driver::fail_job(Job& job, const std::string& reason) {
  progress_.clear();
  if (job.stage_active) ui_->store().on_stage_completed(job.stage.stage_id, job.stage.attempt, "FAILED", reason, clock_.wall_ms());
  ui_->store().on_job_end(job.id, false, reason, clock_.wall_ms());
  if (job.file_sink()) remove_temporary(job.out_dir);
  auto it = py_conns_.find(job.py_conn);
  if (it != py_conns_.end()) py_error(*it->second, job.req, "job_failed", reason);
  jobs_.erase(job.id);
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
  sched_->add_executor(m.exec_id, m.cores, m.host);
  if (phase_ == AppPhase::kRunning) ui_->store().on_executor_added(m.exec_id, m.host, m.cores, clock_.wall_ms(), m.log_urls);
  LOG_INFO(kLog, "executor " << m.exec_id << " registered from " << m.host << " with " << m.cores << " core(s) (pid " << m.pid << ")");
  msg::RegisteredExecutor r;
  r.app_id = app_id_;
  for (const auto& [k, v] : conf_.values())
    if (!is_secret_key(k)) r.conf[k] = v;
  c.send(r);
  if (phase_ == AppPhase::kStarting && granted_.empty()) reply_context_info();
  schedule();
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
  if (!sched_) return;
  auto lost = sched_->remove_executor(id);
  if (ui_) {
    for (int64_t t : lost) ui_->store().on_task_end(t, "FAILED", {}, "ExecutorLostFailure (executor " + id + " exited: " + reason + ")", clock_.wall_ms());
    ui_->store().on_executor_removed(id, reason, clock_.wall_ms());
  }
  if (phase_ == AppPhase::kRunning && !shutting_down_)
    LOG_WARN(kLog, "executor " << id << " lost (" << reason << "); " << lost.size() << " running task(s) will be retried");
  outputs_lost(id);
  for (auto it = block_locs_.begin(); it != block_locs_.end();) {
    it->second.erase(id);
    it = it->second.empty() ? block_locs_.erase(it) : std::next(it);
  }
  schedule();
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
