// Driver: jobs. Turns PyRunJob into a DagScheduler job, feeds the scheduler its events (one
// queue, drained in order) and performs its effects: ships and launches tasks, kills, keeps
// task outputs, commits file output, answers the Python program, tells the status store.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/log.h"
#include "common/util.h"
#include "driver/driver.h"
#include "driver/result_file.h"
#include "executor/result_spool.h"

namespace spp::driver {
namespace fs = std::filesystem;
static const char* kLog = "driver";

void Driver::run_job(Connection& c, const msg::PyRunJob& m) {
  if (phase_ != AppPhase::kRunning || !dag_)
    return py_error(c, m.req, "context_stopped", "Cannot call methods on a stopped SparkContext");
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
  apply_properties(job, m.properties);
  // rdd.withResources profiles not sent yet: [{"rdd", "id", "cpus", "resources": {name: amount}}]
  if (auto it = job.properties.find("spark.sparkpp.resourceProfiles"); it != job.properties.end()) {
    json list = json::parse(it->second, nullptr, false);
    if (list.is_array())
      for (const auto& e : list) {
        if (!e.is_object()) continue;
        scheduler::StageProfile p;
        p.id = e.value("id", 0);
        p.cpus = e.value("cpus", 0);
        if (e.contains("resources") && e["resources"].is_object())
          for (auto r = e["resources"].begin(); r != e["resources"].end(); ++r)
            if (r->is_number()) p.resources[r.key()] = r->get<double>();
        if (p.id <= 0 || !graph_.set_profile(e.value("rdd", -1), p)) continue;
        if (profiles_posted_.insert(p.id).second) {
          sc::ResourceProfileAddedEvent ev;
          ev.id = p.id;
          ev.task = p.resources;
          if (p.cpus > 0) ev.task["cpus"] = p.cpus;
          ui_->post(std::move(ev));
        }
      }
    job.properties.erase(it);
  }
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
  json lineage = rdd_lineage(graph_, job.rdd);
  submit_job(std::move(job), std::move(lineage));
}

// Keeps the job, tells the UI, hands it to the DAG scheduler (RDD and SQL jobs alike).
void Driver::submit_job(Job job, json lineage) {
  if (job.sql && !job.range_sample) job = range_sampling_first(std::move(job));
  job.results.resize(job.partitions.size());
  int jid = job.id;
  auto group = job.properties.find("spark.jobGroup.id");
  job_groups_[jid] = group == job.properties.end() ? "" : group->second;
  auto& stored = jobs_.emplace(jid, std::move(job)).first->second;
  sc::JobSubmitted ev;
  ev.job_id = jid;
  ev.node = stored.rdd;
  ev.partitions = stored.partitions;
  ev.all_partitions = stored.all_partitions;
  ev.description = stored.description;
  ev.lineage = std::move(lineage);  // the scheduler posts the JobStartEvent, with the job's stages
  ev.sql_exec = stored.sql_exec;
  post(std::move(ev));
  if (progress_.enabled() && jobs_.count(jid)) progress_timer_->start(200, 200, [this] { update_progress(); });
}

// ------------------------------------------------------------------ the scheduler's queue

// One scheduler event: its effects are performed in order. Events an effect needs (a task
// that could not be shipped, a job to cancel) are posted and handled after these.
void Driver::handle_scheduler(sc::Event& e) {
  if (!dag_) return;  // the context stopped: late reports and timers are ignored
  const auto* ended = std::get_if<sc::TaskEnded>(&e);
  int64_t stashed = ended ? ended->task_id : -1;
  for (auto& eff : dag_->handle(e)) perform(eff);
  if (stashed >= 0) {  // not accepted: dropped
    if (auto ot = task_outputs_.find(stashed); ot != task_outputs_.end()) {
      drop_spools(ot->second.results);
      task_outputs_.erase(ot);
    }
  }
}

void Driver::drop_spools(const std::vector<std::string>& results) {
  for (const auto& b : results)
    if (auto ref = executor::decode_spool_ref(b); ref && spools_.erase(ref->path)) ::unlink(ref->path.c_str());
}

void Driver::perform(sc::Effect& eff) {
  if (auto* l = std::get_if<sc::LaunchTask>(&eff)) return launch(*l);
  if (auto* k = std::get_if<sc::KillTask>(&eff)) {
    auto et = execs_.find(k->exec_id);
    if (et == execs_.end() || !et->second.conn) return;
    msg::KillTask kt;
    kt.task_id = k->task_id;
    kt.reason = k->reason;
    return et->second.conn->send(kt);
  }
  if (auto* a = std::get_if<sc::TaskAccepted>(&eff)) {
    auto jt = jobs_.find(a->job_id);
    auto ot = task_outputs_.find(a->task_id);
    if (jt == jobs_.end() || ot == task_outputs_.end()) return;
    for (auto& acc : ot->second.accums) jt->second.accums.push_back(std::move(acc));
    if (a->position >= 0) {
      drop_spools(jt->second.results[static_cast<size_t>(a->position)]);
      jt->second.results[static_cast<size_t>(a->position)] = std::move(ot->second.results);
    }
    task_outputs_.erase(ot);
    return;
  }
  if (auto* k = std::get_if<sc::JobPartitionsKnown>(&eff)) {
    if (auto jt = jobs_.find(k->job_id); jt != jobs_.end()) {
      jt->second.partitions.clear();
      for (int p = 0; p < k->count; ++p) jt->second.partitions.push_back(p);
      for (const auto& r : jt->second.results) drop_spools(r);
      jt->second.results.assign(jt->second.partitions.size(), {});
    }
    return;
  }
  if (auto* s = std::get_if<sc::JobSucceeded>(&eff)) {
    if (auto jt = jobs_.find(s->job_id); jt != jobs_.end()) finish_job(jt->second);
    return;
  }
  if (auto* f = std::get_if<sc::JobFailed>(&eff)) {
    if (auto jt = jobs_.find(f->job_id); jt != jobs_.end()) fail_job(jt->second, f->reason);
    return;
  }
  if (auto* t = std::get_if<sc::ArmTimer>(&eff)) {
    Timer* timer = t->kind == sc::TimerKind::kRevive ? revive_timer_.get() : speculation_timer_.get();
    sc::TimerKind kind = t->kind;
    timer->start(static_cast<uint64_t>(std::max<int64_t>(1, t->delay_ms)), 0,
                 [this, kind] { post(sc::Event(sc::TimerFired{kind})); });
    return;
  }
  if (!ui_) return;
  if (auto* e = std::get_if<sc::JobStartEvent>(&eff)) return ui_->post(std::move(*e));
  if (auto* e = std::get_if<sc::StageSubmittedEvent>(&eff)) return ui_->post(std::move(*e));
  if (auto* e = std::get_if<sc::StageCompletedEvent>(&eff)) return ui_->post(std::move(*e));
  if (auto* e = std::get_if<sc::TaskStartEvent>(&eff)) return ui_->post(std::move(*e));
  if (auto* e = std::get_if<sc::TaskEndEvent>(&eff)) return ui_->post(std::move(*e));
}

void Driver::post_sql_metrics(int64_t task_id, const std::vector<std::vector<int64_t>>& rows) {
  if (!ui_ || !dag_ || rows.empty()) return;
  const sc::TaskStory* t = dag_->story(task_id);
  auto job = t ? jobs_.find(t->job_id) : jobs_.end();
  if (job == jobs_.end() || job->second.sql_exec < 0) return;
  ui_->post(sc::SqlTaskMetricsEvent{job->second.sql_exec, task_id, t->stage_id, t->stage_attempt, rows});
}

// Ships what the executor lacks (py files, broadcasts, functions) with the task.
void Driver::launch(sc::LaunchTask& t) {
  const sc::Launch& l = t.launch;
  auto et = execs_.find(l.exec_id);
  auto jt = jobs_.find(l.job_id);
  // A closed connection: its ExecutorLost is queued and re-queues the task.
  if (et == execs_.end() || !et->second.conn || jt == jobs_.end()) return;
  ExecInfo& ex = et->second;
  Job& job = jt->second;
  ship_files(ex);  // SQL tasks too: a Python UDF or a scanned RDD's function may read SparkFiles
  for (const auto& [name, data] : pyfiles_) {  // ... or import --py-files modules
    if (ex.pyfiles_sent.count(name)) continue;
    msg::AddPyFile a;
    a.name = name;
    ex.conn->send(a, {*data});
    ex.pyfiles_sent.insert(name);
  }
  if (const auto* sqlt = dynamic_cast<const SqlTaskBody*>(t.body.get())) {
    if (!ship_broadcasts(ex, sqlt->broadcasts, l.task_id, job)) return;  // a scanned RDD's functions'
    return launch_native(ex, t, *sqlt, job);
  }
  const TaskPayload& payload = static_cast<const RddTaskBody&>(*t.body).payload;
  if (!ship_broadcasts(ex, payload.broadcasts, l.task_id, job)) return;
  msg::LaunchTask m = task_message(t);
  m.plan = payload.plan;
  if (!t.is_map) {
    m.sink = job.sink;
    if (job.file_sink()) {
      char b[16];
      std::snprintf(b, sizeof b, "%05d", t.partition);
      m.sink["file"] = std::string("part-") + b + job.sink.value("ext", "");  // .gz etc.: the codec
    }
  }
  // The job's local properties (sc.setLocalProperty): TaskContext.getLocalProperty in its tasks.
  if (!job.properties.empty()) m.sink["local_props"] = job.properties;
  if (t.profile) {
    // A stage-level TaskResourceProfile: the task's spark.task.cpus and spark.task.resource.*
    // (TaskContext.cpus()/resources()) are the profile's, replacing the application's.
    json props = {{"spark.task.cpus", std::to_string(t.profile->cpus > 0 ? t.profile->cpus : dag_->task_cpus())}};
    for (const auto& [name, amount] : t.profile->resources) {
      std::ostringstream a;
      a << amount;
      props["spark.task.resource." + name + ".amount"] = a.str();
    }
    m.sink["task_props"] = props;
  }
  std::vector<std::string> blobs;
  for (int64_t fid : payload.funcs) {
    if (ex.funcs_sent.count(fid)) continue;
    auto f = graph_.func_blob(fid);
    if (!f) continue;
    m.new_funcs.push_back(fid);
    blobs.push_back(*f);
    ex.funcs_sent.insert(fid);
  }
  for (const auto& [fid, f] : payload.sql_funcs) {  // UDFs of SQL partitions it computes (df.rdd)
    if (ex.funcs_sent.count(fid)) continue;
    m.new_funcs.push_back(fid);
    blobs.push_back(*f);
    ex.funcs_sent.insert(fid);
  }
  for (const auto& b : payload.input_blobs) blobs.push_back(*b);
  ex.conn->send(m, std::move(blobs));
}

// Sends the broadcasts a task's Python functions use that the executor lacks; false (and the
// job cancelled) when one was destroyed.
bool Driver::ship_broadcasts(ExecInfo& ex, const std::vector<int64_t>& ids, int64_t task_id, const Job& job) {
  for (int64_t b : ids) {
    if (ex.broadcasts_sent.count(b)) continue;
    auto bt = broadcasts_.find(b);
    if (bt == broadcasts_.end()) {
      sc::TaskEnded never;
      never.task_id = task_id;
      never.state = sc::TaskState::kKilled;
      never.error = "destroyed broadcast";
      post(std::move(never));
      post(sc::CancelJob{job.id, "Attempted to use broadcast " + std::to_string(b) + " after it was destroyed", "broadcast destroyed"});
      return false;
    }
    msg::AddBroadcast ab;
    ab.id = b;
    ex.conn->send(ab, {*bt->second});
    ex.broadcasts_sent.insert(b);
    auto& stats = broadcast_stats_[b];
    stats.first += 1;
    stats.second += static_cast<int64_t>(bt->second->size());
  }
  return true;
}

// The LaunchTask fields every task has; map tasks' shuffle sink too.
msg::LaunchTask Driver::task_message(const sc::LaunchTask& t) {
  const sc::Launch& l = t.launch;
  msg::LaunchTask m;
  m.task_id = l.task_id;
  m.job_id = l.job_id;
  m.stage_id = l.stage_id;
  m.stage_attempt = l.stage_attempt;
  m.partition = t.partition;
  m.attempt = l.attempt;
  if (t.is_map)
    m.sink = {{"kind", "shuffle"}, {"shuffle_id", t.shuffle_id}, {"map", t.partition}, {"num_reduce", t.num_reduce}};
  return m;
}

// A SQL stage's task: its local rows ride as blobs, after the pickles of the Python UDFs it
// calls that this executor has not had yet.
void Driver::launch_native(ExecInfo& ex, const sc::LaunchTask& t, const SqlTaskBody& body, const Job& job) {
  msg::LaunchTask m = task_message(t);
  m.plan = plan::to_json(*body.plan);
  if (!t.is_map && job.sink_kind == "files") {
    m.sink = job.sink;
    m.sink["file"] = part_file_name(job, t.partition);
  } else if (!t.is_map) {
    m.sink = {{"kind", "result"}};
    // toPandas in local mode: the executor writes the batches beside the result file, which
    // the driver then merges from there (executor/result_spool.h) — they never come through
    // this process's memory.
    if (!job.result_file.empty() && master_.local && local_execs_.count(ex.id)) {
      std::string spool = job.result_file + ".t" + std::to_string(t.launch.task_id);
      m.sink["spool"] = spool;
      spools_.insert(std::move(spool));
    }
  }
  std::vector<BlobSlice> blobs;  // sent from where they are: local rows are hundreds of MB
  for (const auto& [fid, f] : body.funcs) {  // Python UDFs' functions first, as new_funcs says
    if (ex.funcs_sent.count(fid)) continue;
    m.new_funcs.push_back(fid);
    blobs.emplace_back(f);
    ex.funcs_sent.insert(fid);
  }
  blobs.insert(blobs.end(), body.blobs.begin(), body.blobs.end());
  ex.conn->send_shared(m, std::move(blobs));
}

void Driver::update_progress() {
  if (!dag_ || dag_->active_jobs() == 0) {
    progress_timer_->stop();
    progress_.clear();
    return;
  }
  std::vector<ConsoleProgress::Stage> bars;
  for (const auto& p : dag_->progress(dag_->first_job()))
    bars.push_back({p.stage_id, p.done, p.running, p.total, clock_.now_ms() - p.start_ms});
  progress_.show(std::move(bars));
}

// Accumulator updates ride at the end of a finished task's blobs: one per Python pass (a task
// that also computed cached blocks carries several; accum_blobs counts them).
static void take_accums(const msg::StatusUpdate& m, std::vector<std::string>& blobs, std::vector<std::string>& into) {
  const size_t n = std::min(static_cast<size_t>(m.accum_blobs), blobs.size());
  for (size_t i = blobs.size() - n; i < blobs.size(); ++i) into.push_back(std::move(blobs[i]));
  blobs.resize(blobs.size() - n);
}

// An executor's StatusUpdate becomes the scheduler's TaskEnded; a finished task's rows and
// accumulator updates wait beside it until the scheduler accepts them (TaskAccepted).
void Driver::status_update(Connection& c, msg::StatusUpdate&& m, std::vector<std::string>&& blobs) {
  if (!dag_) return;
  sc::TaskEnded e;
  e.task_id = m.task_id;
  e.state = m.state == msg::TaskEndState::kFinished ? sc::TaskState::kFinished
            : m.state == msg::TaskEndState::kKilled ? sc::TaskState::kKilled
                                                     : sc::TaskState::kFailed;
  e.error = m.error;
  e.metrics = m.metrics;
  if (e.state == sc::TaskState::kFinished) {
    if (m.map_output) {
      e.map_path = m.map_output->path;
      e.map_offsets = m.map_output->offsets;
    }
    if (!m.sql_metrics.empty()) post_sql_metrics(m.task_id, m.sql_metrics);
    TaskOutput out;
    take_accums(m, blobs, out.accums);
    for (const auto& b : blobs) {
      auto ref = executor::decode_spool_ref(b);
      e.result_bytes += static_cast<int64_t>(ref && spools_.count(ref->path) ? ref->bytes : b.size());
    }
    out.results = std::move(blobs);
    task_outputs_[m.task_id] = std::move(out);
  } else if (m.fetch_failure) {
    e.fetch_failed = true;
    e.fetch_shuffle = m.fetch_failure->shuffle_id;
    e.fetch_map = m.fetch_failure->map;
    e.fetch_path = m.fetch_failure->path;
  }
  post(std::move(e));
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
    // Committed task files (partitioned writes: under k=v/ directories) move into the output;
    // attempt_* directories are uncommitted attempts and stay behind to be removed.
    std::error_code ec;
    std::vector<fs::path> committed;
    for (auto it = fs::recursive_directory_iterator(job.tmp_dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory() && it.depth() == 0 && it->path().filename().string().rfind("attempt_", 0) == 0)
        it.disable_recursion_pending();
      else if (it->is_regular_file())
        committed.push_back(fs::relative(it->path(), job.tmp_dir));
    }
    for (const auto& rel : committed) {
      const fs::path to = fs::path(job.out_dir) / rel;
      if (rel.has_parent_path()) fs::create_directories(to.parent_path(), ec);
      fs::rename(fs::path(job.tmp_dir) / rel, to, ec);
      if (ec) return fail_job(job, "cannot commit " + (fs::path(job.tmp_dir) / rel).string() + ": " + ec.message());
    }
    remove_temporary(job.out_dir);
    std::ofstream(fs::path(job.out_dir) / "_SUCCESS").flush();
    if (job.after_commit)
      if (Status st = job.after_commit(); !st) return fail_job(job, st.message());
  }
  LOG_DEBUG(kLog, "job " << job.id << " finished in " << (clock_.now_ms() - job.start_ms) << " ms");
  ui_->post(sc::JobEndEvent{job.id, true, "", clock_.wall_ms()});
  auto it = py_conns_.find(job.py_conn);
  if (job.range_sample) {  // the bounds, then the query (or its next range exchange's sampling job)
    const int id = job.id;
    auto again = sql_source_.take_range_samples(job.rdd, job.results);
    if (again && !again.value().empty()) {  // heavy partitions: sample them again (a second job)
      Job s = std::move(job);
      jobs_.erase(id);
      s.id = next_job_++;
      s.partitions = again.value();
      s.all_partitions = false;  // just the heavy ones
      s.results.clear();  // its accumulator updates stay: the query's reply carries them
      s.start_ms = clock_.now_ms();
      return submit_job(std::move(s), json{{"nodes", json::array()}});
    }
    Job next = std::move(*job.then);
    // The sampling job ran the query's earlier stages (their Python passes' accumulator updates
    // are the query's; the query skips those stages).
    next.accums.insert(next.accums.begin(), std::make_move_iterator(job.accums.begin()),
                       std::make_move_iterator(job.accums.end()));
    jobs_.erase(id);
    if (!again) {
      end_sql_stages(next.rdd);
      if (next.sql_exec >= 0) ui_->post(sc::SqlExecutionEndEvent{next.sql_exec, again.error_message(), clock_.wall_ms()});
      if (next.file_sink()) remove_temporary(next.out_dir);
      if (it != py_conns_.end()) py_error(*it->second, next.req, "job_failed", again.error_message());
      return;
    }
    if (next.on_sampled && sql_source_.next_range_to_sample(next.rdd) < 0) return next.on_sampled();  // df.rdd's bounds are set
    next.id = next_job_++;
    return submit_job(std::move(next), json{{"nodes", json::array()}});
  }
  if (job.on_collected) {  // a scalar subquery's rows: the query it runs for goes on
    end_sql_stages(job.rdd);
    auto done = std::move(job.on_collected);
    auto results = std::move(job.results);
    jobs_.erase(job.id);
    return done(std::move(results));
  }
  if (job.sql) {
    if (job.on_final_plan) job.on_final_plan(sql_source_.aqe_decisions(job.rdd));
    end_sql_stages(job.rdd);
    ui_->post(sc::SqlExecutionEndEvent{job.sql_exec, "", clock_.wall_ms()});
    if (it != py_conns_.end()) {
      msg::PySqlResult r;
      r.req = job.req;
      r.schema = job.schema;
      std::vector<std::string> blobs;
      for (auto& part : job.results)
        for (auto& b : part) blobs.push_back(std::move(b));
      r.num_batches = static_cast<int>(blobs.size());
      if (!job.result_file.empty() && !blobs.empty()) {  // toPandas: through a file if it can
        // Spooled tasks' batches are read where the executor wrote them (mapped, not copied).
        std::vector<executor::SpoolMap> maps;
        std::vector<std::string_view> streams;
        std::vector<SourceFile> files;
        Status st = Status::ok();
        for (const auto& b : blobs) {
          auto ref = executor::decode_spool_ref(b);
          if (!ref) {
            streams.push_back(b);
            continue;
          }
          auto m = spools_.count(ref->path) ? executor::SpoolMap::open(*ref)
                                            : Result<executor::SpoolMap>::error("a task named a spool it was not given: " + ref->path);
          if (!m) {
            st = Status::error(m.error_message());
            break;
          }
          streams.push_back(m.value().view());
          files.push_back({m.value().view().data(), m.value().view().size(), m.value().fd()});
          maps.push_back(std::move(m.value()));  // the mapping moves, its address does not
        }
        if (st) st = write_result_file(job.result_file, streams, files);
        if (st) {
          std::erase_if(result_files_, [](const std::string& f) { return ::access(f.c_str(), F_OK) != 0; });
          result_files_.push_back(job.result_file);
          r.num_batches = 0;
          drop_spools(blobs);
          blobs.clear();
        } else if (streams.size() == blobs.size()) {  // every spool mapped: send the batches instead
          LOG_WARN(kLog, st.message() << "; sending the results over the connection");
          std::vector<std::string> sent;
          for (auto s : streams) sent.emplace_back(s);
          maps.clear();
          drop_spools(blobs);
          blobs = std::move(sent);
        } else {
          maps.clear();
          drop_spools(blobs);
          py_error(*it->second, job.req, "job_failed", st.message());
          jobs_.erase(job.id);
          return;
        }
      }
      // After the batches: the accumulator updates of the Python passes the query ran (UDFs,
      // scanned RDDs' functions), one pickled blob each, merged by Python as a job's.
      for (auto& a : job.accums) blobs.push_back(std::move(a));
      it->second->send(r, std::move(blobs));
    }
    for (const auto& part : job.results) drop_spools(part);  // nobody to answer
    jobs_.erase(job.id);
    return;
  }
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
    it->second->send(r, std::move(blobs));
  }
  jobs_.erase(job.id);
}

// The scheduler has already failed the job's stage (listener event) and killed its tasks.
void Driver::fail_job(Job& job, const std::string& reason) {
  progress_.clear();
  for (const auto& r : job.results) drop_spools(r);
  ui_->post(sc::JobEndEvent{job.id, false, reason, clock_.wall_ms()});
  if (job.file_sink()) remove_temporary(job.out_dir);
  if (job.then && job.then->file_sink()) remove_temporary(job.then->out_dir);  // a write's sampling job
  if (job.sql) end_sql_stages(job.then ? job.then->rdd : job.rdd);  // a sampling job: its query
  if (job.sql && job.sql_exec >= 0) ui_->post(sc::SqlExecutionEndEvent{job.sql_exec, reason, clock_.wall_ms()});
  auto it = py_conns_.find(job.py_conn);
  if (it != py_conns_.end()) py_error(*it->second, job.req, "job_failed", reason);
  jobs_.erase(job.id);
}

}  // namespace spp::driver
