// The simulated cluster (sim_cluster.h): an event heap on a manual clock; each process's
// messages go through send() (seeded delay, FIFO per connection) and land in the real cores.
#include "sim_cluster.h"

#include <algorithm>

#include "common/log.h"

namespace spp::sim {

namespace sc = scheduler;

Result<std::shared_ptr<const sc::TaskBody>> TwoStageSource::build_task(int node, int, const sc::MapOutputTracker& t) const {
  auto body = std::make_shared<SimBody>();
  auto it = t.find(10);
  if (node == 2 && it != t.end())
    for (size_t m = 0; m < it->second.maps.size(); ++m) {
      const auto& st = it->second.maps[m];
      body->reads.push_back(st ? SimRead{static_cast<int>(m), st->exec_id, st->path} : SimRead{static_cast<int>(m), "", ""});
    }
  return std::shared_ptr<const sc::TaskBody>(body);
}

namespace {
bool finished_state(const std::string& s) { return s == "EXITED" || s == "FAILED" || s == "KILLED" || s == "LOST"; }

template <class M>
const M* as(const msg::Message& m) {
  return std::get_if<M>(&m);
}

std::string type_name(const msg::Message& m) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) return "none";
        else return T::kOp;
      },
      m);
}

master::MasterConfig master_config(const SimConfig& c) {
  master::MasterConfig m;
  m.url = "spark://m:7077";
  m.worker_timeout_ms = c.worker_timeout_ms;
  m.recovery_timeout_ms = c.worker_timeout_ms;
  m.persist = c.persist;
  m.register_timeout_ms = 60'000;
  return m;
}
}  // namespace

SimCluster::SimCluster(SimConfig cfg) : cfg_(std::move(cfg)), rng_(cfg_.seed), saved_log_(log_level()) {
  set_log_level(LogLevel::kError);  // thousands of runs: the cores' INFO/WARN transitions would drown the output
  master_ = std::make_unique<master::MasterCore>(master_config(cfg_), clock_);
  master_effects(master_->handle(master::ElectedLeader{}));
  for (int w = 0; w < cfg_.workers; ++w) {
    worker::WorkerConfig wc;
    wc.id = "worker-sim-" + std::to_string(w);
    wc.host = "h" + std::to_string(w);
    wc.port = 7078;
    wc.cores = cfg_.worker_cores;
    wc.memory_mb = 8192;
    wc.work_dir = "/sim/work-" + std::to_string(w);
    wc.executable = "sparkpp";
    wc.heartbeat_ms = cfg_.worker_timeout_ms / 4;
    wc.cleanup_enabled = false;
    WorkerProc p;
    p.core = std::make_unique<worker::WorkerCore>(wc, clock_);
    workers_.push_back(std::move(p));
  }
  dag_ = std::make_unique<sc::DagScheduler>(src_, clock_, cfg_.dag);
  for (int w = 0; w < cfg_.workers; ++w) worker_effects(w, workers_[static_cast<size_t>(w)].core->handle(worker::Start{}));
  connect_driver();
  at(clock_.now_ms() + 250, [this] { tick(); });
}

SimCluster::~SimCluster() { set_log_level(saved_log_); }

// ------------------------------------------------------------------ the event heap

void SimCluster::at(int64_t when, std::function<void()> fn) {
  heap_.push_back(Item{when, seq_++, std::move(fn)});
  std::push_heap(heap_.begin(), heap_.end(), [](const Item& a, const Item& b) { return a.at != b.at ? a.at > b.at : a.seq > b.seq; });
}

int64_t SimCluster::delay() {
  return std::uniform_int_distribution<int64_t>(cfg_.min_delay_ms, cfg_.max_delay_ms)(rng_);
}

void SimCluster::send(const std::string& chan, const std::string& type, std::function<void()> fn) {
  if (drop && drop(type)) return;
  int64_t when = std::max(clock_.now_ms() + delay(), chan_last_[chan]);  // TCP: in order per connection
  chan_last_[chan] = when;
  at(when, std::move(fn));
}

bool SimCluster::run_until(const std::function<bool()>& done, int64_t limit_ms) {
  const int64_t end = clock_.now_ms() + limit_ms;
  auto later = [](const Item& a, const Item& b) { return a.at != b.at ? a.at > b.at : a.seq > b.seq; };
  while (!done() && !heap_.empty() && heap_.front().at <= end) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    Item it = std::move(heap_.back());
    heap_.pop_back();
    if (it.at > clock_.now_ms()) clock_.advance(it.at - clock_.now_ms());
    it.fn();
  }
  return done();
}

void SimCluster::tick() {
  if (master_) master_effects(master_->handle(master::Tick{}));
  for (size_t w = 0; w < workers_.size(); ++w)
    if (workers_[w].alive) worker_effects(static_cast<int>(w), workers_[w].core->handle(worker::Tick{}));
  at(clock_.now_ms() + 250, [this] { tick(); });
}

// ------------------------------------------------------------------ master <-> peers

void SimCluster::to_master(uint64_t conn, const std::string& role, msg::Message m) {
  const int gen = master_gen_;
  send("to-master-" + std::to_string(conn), type_name(m), [this, gen, conn, role, m = std::move(m)] {
    if (!master_ || gen != master_gen_) return;  // that master died with the connection
    master_effects(master_->handle(master::PeerMessage{conn, role, m}));
  });
}

void SimCluster::master_effects(std::vector<master::Effect> effs) {
  for (auto& e : effs) {
    if (auto* s = std::get_if<master::Send>(&e)) from_master(s->conn, std::move(s->msg));
    else if (auto* c = std::get_if<master::Close>(&e)) {
      const uint64_t conn = c->conn;
      const int gen = master_gen_;
      send("from-master-" + std::to_string(conn), "close", [this, conn, gen] {
        if (gen != master_gen_) return;
        for (size_t w = 0; w < workers_.size(); ++w)
          if (workers_[w].connected && workers_[w].conn == conn && workers_[w].alive) {
            workers_[w].connected = false;
            worker_effects(static_cast<int>(w), workers_[w].core->handle(worker::MasterLost{"closed by the master"}));
          }
        if (conn % 1000 == 100 && driver_connected_) {
          driver_connected_ = false;
          at(clock_.now_ms() + 500, [this] { connect_driver(); });
        }
      });
    } else if (auto* p = std::get_if<master::Persist>(&e)) {
      persisted_[p->name] = p->data;
    } else if (auto* u = std::get_if<master::Unpersist>(&e)) {
      persisted_.erase(u->name);
    }
  }
}

void SimCluster::from_master(uint64_t conn, msg::Message m) {
  const int gen = master_gen_;
  send("from-master-" + std::to_string(conn), type_name(m), [this, gen, conn, m = std::move(m)] {
    if (gen != master_gen_) return;
    if (conn % 1000 == 100) return driver_message(m);
    const size_t w = conn % 1000 - 1;
    if (w < workers_.size() && workers_[w].alive && workers_[w].conn == conn)
      worker_effects(static_cast<int>(w), workers_[w].core->handle(worker::FromMaster{m}));
  });
}

void SimCluster::connect_worker(int w) {
  const uint64_t conn = static_cast<uint64_t>(master_gen_) * 1000 + 1 + static_cast<uint64_t>(w);
  const int gen = master_gen_;
  at(clock_.now_ms() + delay(), [this, w, conn, gen] {
    WorkerProc& p = workers_[static_cast<size_t>(w)];
    if (!p.alive) return;
    if (!master_ || gen != master_gen_) {
      worker_effects(w, p.core->handle(worker::MasterLost{"connection refused"}));
      return;
    }
    p.conn = conn;
    p.connected = true;
    master_effects(master_->handle(master::PeerOpened{conn}));
    worker_effects(w, p.core->handle(worker::MasterReady{}));
  });
}

// ------------------------------------------------------------------ workers

void SimCluster::worker_effects(int w, std::vector<worker::Effect> effs) {
  WorkerProc& p = workers_[static_cast<size_t>(w)];
  for (auto& e : effs) {
    if (std::get_if<worker::ConnectMaster>(&e)) {
      connect_worker(w);
    } else if (std::get_if<worker::DropMaster>(&e)) {
      if (p.connected && master_) {
        p.connected = false;
        const uint64_t conn = p.conn;
        const int gen = master_gen_;
        send("to-master-" + std::to_string(conn), "close", [this, conn, gen] {
          if (master_ && gen == master_gen_) master_effects(master_->handle(master::PeerClosed{conn, "worker dropped"}));
        });
      }
    } else if (auto* s = std::get_if<worker::SendMaster>(&e)) {
      if (p.connected) to_master(p.conn, "worker", std::move(s->msg));
    } else if (auto* sp = std::get_if<worker::SpawnExecutor>(&e)) {
      Executor x;
      x.id = std::to_string(sp->exec_id);
      x.app_id = sp->app_id;
      x.worker = w;
      for (size_t i = 0; i + 1 < sp->args.size(); ++i)
        if (sp->args[i] == "--cores") x.cores = std::stoi(sp->args[i + 1]);
      if (execs_.count(x.id)) violations.push_back("executor id " + x.id + " launched twice");
      execs_[x.id] = x;
      const std::string app = sp->app_id, id = x.id;
      const int exec_id = sp->exec_id;
      at(clock_.now_ms() + 1, [this, w, app, exec_id] {
        if (workers_[static_cast<size_t>(w)].alive)
          worker_effects(w, workers_[static_cast<size_t>(w)].core->handle(worker::ExecutorStarted{app, exec_id, 40000 + exec_id}));
      });
      // The new process connects to the driver and registers.
      send("e" + id + "->d", "RegisterExecutor", [this, id] {
        Executor& x = execs_[id];
        if (!x.alive) return;
        x.registered = true;
        dag_effects(dag_->handle(sc::ExecutorAdded{id, "h" + std::to_string(x.worker), x.cores, 7337}));
      });
    } else if (auto* sig = std::get_if<worker::SignalExecutor>(&e)) {
      const std::string id = std::to_string(sig->exec_id);
      auto it = execs_.find(id);
      if (it != execs_.end() && it->second.alive) {
        it->second.alive = false;
        const std::string app = sig->app_id;
        const int exec_id = sig->exec_id, signo = sig->sig;
        at(clock_.now_ms() + 1, [this, w, app, exec_id, signo] {
          if (workers_[static_cast<size_t>(w)].alive)
            worker_effects(w, workers_[static_cast<size_t>(w)].core->handle(worker::ExecutorExited{app, exec_id, 0, signo}));
        });
        send("e" + id + "->d", "close", [this, id] { executor_gone(id, "executor killed by its worker"); });
      }
    } else if (std::get_if<worker::ScanWorkDir>(&e)) {
      at(clock_.now_ms() + 1, [this, w] {
        if (workers_[static_cast<size_t>(w)].alive)
          worker_effects(w, workers_[static_cast<size_t>(w)].core->handle(worker::WorkDirScanned{}));
      });
    }
    // RemoveDir, Exit: nothing to model.
  }
}

// ------------------------------------------------------------------ the driver

void SimCluster::connect_driver() {
  if (!master_) {
    at(clock_.now_ms() + 500, [this] { connect_driver(); });
    return;
  }
  const uint64_t conn = static_cast<uint64_t>(master_gen_) * 1000 + 100;
  master_effects(master_->handle(master::PeerOpened{conn}));
  msg::RegisterApplication r;
  r.name = "sim";
  r.cores_per_executor = cfg_.worker_cores;
  r.memory_per_executor_mb = 512;
  r.driver_url = "d:7000";
  r.user = "sim";
  if (!app_id_.empty()) r.app_id = app_id_;  // a driver that lost its master re-registers
  to_master(conn, "app", r);
}

void SimCluster::driver_message(const msg::Message& m) {
  if (const auto* r = as<msg::RegisteredApplication>(m)) {
    if (!app_id_.empty() && app_id_ != r->app_id) violations.push_back("application id changed: " + app_id_ + " -> " + r->app_id);
    app_id_ = r->app_id;
    driver_connected_ = true;
    for (int id : pending_jobs_) submit_job(id);
    pending_jobs_.clear();
  } else if (const auto* u = as<msg::ExecutorUpdated>(m)) {
    // As the driver: an exit or crash is charged to its tasks, LOST/KILLED are not.
    if (finished_state(u->state))
      executor_gone(std::to_string(u->exec_id), "master: " + u->state + " " + u->message,
                    u->state == "EXITED" || u->state == "FAILED");
  } else if (as<msg::MasterInStandby>(m) || as<msg::RegisterApplicationFailed>(m)) {
    at(clock_.now_ms() + 500, [this] { connect_driver(); });
  } else if (const auto* a = as<msg::ApplicationRemoved>(m)) {
    violations.push_back("application removed: " + a->message);
  }
}

void SimCluster::submit_job(int id) {
  if (!driver_connected_) {
    pending_jobs_.push_back(id);
    return;
  }
  sc::JobSubmitted j;
  j.job_id = id;
  j.node = 2;
  for (int p = 0; p < src_.reduces; ++p) j.partitions.push_back(p);
  dag_effects(dag_->handle(j));
}

void SimCluster::executor_gone(const std::string& id, const std::string& why, bool caused_by_app) {
  auto it = execs_.find(id);
  if (it == execs_.end() || !it->second.registered || lost_told_.count(id)) return;  // told once (by whoever was first)
  lost_told_.insert(id);
  dag_effects(dag_->handle(sc::ExecutorLost{id, why, caused_by_app}));
}

void SimCluster::dag_effects(std::vector<sc::Effect> effs) {
  for (auto& e : effs) {
    if (auto* l = std::get_if<sc::LaunchTask>(&e)) {
      const std::string exec = l->launch.exec_id;
      if (lost_told_.count(exec)) violations.push_back("task " + std::to_string(l->launch.task_id) + " launched on lost executor " + exec);
      launches_.push_back(*l);
      sc::LaunchTask copy = *l;
      send("d->e" + exec, "launch", [this, exec, copy] { run_task(exec, copy); });
    } else if (auto* k = std::get_if<sc::KillTask>(&e)) {
      const std::string exec = k->exec_id;
      const int64_t task = k->task_id;
      send("d->e" + exec, "KillTask", [this, exec, task] {
        Executor& x = execs_[exec];
        if (!x.alive || !x.running.erase(task)) return;
        send("e" + exec + "->d", "task-end", [this, task] {
          sc::TaskEnded t;
          t.task_id = task;
          t.state = sc::TaskState::kKilled;
          t.error = "task killed";
          dag_effects(dag_->handle(t));
        });
      });
    } else if (auto* a = std::get_if<sc::TaskAccepted>(&e)) {
      if (a->position >= 0) ++accepted_[a->job_id][a->position];
    } else if (auto* s = std::get_if<sc::JobSucceeded>(&e)) {
      if (!succeeded_.insert(s->job_id).second) violations.push_back("job " + std::to_string(s->job_id) + " succeeded twice");
      for (int p = 0; p < src_.reduces; ++p)
        if (accepted_[s->job_id][p] != 1)
          violations.push_back("job " + std::to_string(s->job_id) + " partition " + std::to_string(p) + " accepted " +
                               std::to_string(accepted_[s->job_id][p]) + " times");
    } else if (auto* f = std::get_if<sc::JobFailed>(&e)) {
      failed_[f->job_id] = f->reason;
    } else if (auto* t = std::get_if<sc::ArmTimer>(&e)) {
      const sc::TimerKind kind = t->kind;
      at(clock_.now_ms() + std::max<int64_t>(1, t->delay_ms), [this, kind] { dag_effects(dag_->handle(sc::TimerFired{kind})); });
    }
    // Listener events and JobPartitionsKnown: nothing to model.
  }
}

// ------------------------------------------------------------------ executors

void SimCluster::run_task(const std::string& exec, const sc::LaunchTask& l) {
  Executor& x = execs_[exec];
  if (!x.alive) return;  // sent to a process that died: the driver learns from the closed connection
  const int64_t task = l.launch.task_id;
  x.running.insert(task);
  int64_t dur = std::uniform_int_distribution<int64_t>(cfg_.min_task_ms, cfg_.max_task_ms)(rng_);
  if (auto s = slow_.find(exec); s != slow_.end()) dur *= s->second;
  at(clock_.now_ms() + dur, [this, exec, l, task] {
    Executor& x = execs_[exec];
    if (!x.alive || !x.running.erase(task)) return;  // died or killed meanwhile
    sc::TaskEnded t;
    t.task_id = task;
    if (l.is_map) {
      t.map_path = "/sim/" + exec + "/shuffle_" + std::to_string(task);
      t.map_offsets.assign(static_cast<size_t>(l.num_reduce + 1), 0);
      files_[t.map_path] = exec;
    } else {
      // A reduce task fetches every map output: one whose executor died is a fetch failure.
      if (const auto* b = dynamic_cast<const SimBody*>(l.body.get()))
        for (const auto& [m, holder, path] : b->reads) {
          auto h = execs_.find(holder);
          if (h == execs_.end() || !h->second.alive || !files_.count(path)) {
            t.state = sc::TaskState::kFailed;
            t.fetch_failed = true;
            t.fetch_shuffle = 10;
            t.fetch_map = m;
            t.error = "FetchFailed(shuffle 10, map " + std::to_string(m) + ", executor " + holder + ")";
            break;
          }
        }
      if (!t.fetch_failed) t.result_bytes = 8;
    }
    send("e" + exec + "->d", "task-end", [this, t] { dag_effects(dag_->handle(t)); });
  });
}

// ------------------------------------------------------------------ faults

void SimCluster::kill_executor(const std::string& id) {
  auto it = execs_.find(id);
  if (it == execs_.end() || !it->second.alive) return;
  Executor& x = it->second;
  x.alive = false;
  x.running.clear();
  const int w = x.worker;
  const std::string app = x.app_id;
  const int exec_id = std::stoi(id);
  at(clock_.now_ms() + 1, [this, w, app, exec_id] {
    if (workers_[static_cast<size_t>(w)].alive)
      worker_effects(w, workers_[static_cast<size_t>(w)].core->handle(worker::ExecutorExited{app, exec_id, 0, 9}));
  });
  send("e" + id + "->d", "close", [this, id] { executor_gone(id, "executor connection closed"); });
}

void SimCluster::lose_shuffle_files(const std::string& exec_id) {
  for (auto it = files_.begin(); it != files_.end();) it = it->second == exec_id ? files_.erase(it) : std::next(it);
}

void SimCluster::kill_worker_host(int w) {
  WorkerProc& p = workers_[static_cast<size_t>(w)];
  if (!p.alive) return;
  p.alive = false;
  for (auto& [id, x] : execs_)
    if (x.worker == w && x.alive) {
      x.alive = false;
      x.running.clear();
      const std::string eid = id;
      send("e" + eid + "->d", "close", [this, eid] { executor_gone(eid, "host lost"); });
    }
  if (p.connected && master_) {
    const uint64_t conn = p.conn;
    const int gen = master_gen_;
    send("to-master-" + std::to_string(conn), "close", [this, conn, gen] {
      if (master_ && gen == master_gen_) master_effects(master_->handle(master::PeerClosed{conn, "connection reset"}));
    });
  }
  p.connected = false;
}

void SimCluster::kill_master() {
  if (!master_) return;
  master_.reset();
  ++master_gen_;  // every connection of the dead master is gone; in-flight messages are lost
  for (size_t w = 0; w < workers_.size(); ++w)
    if (workers_[w].alive && workers_[w].connected) {
      workers_[w].connected = false;
      at(clock_.now_ms() + delay(), [this, w] {
        if (workers_[w].alive) worker_effects(static_cast<int>(w), workers_[w].core->handle(worker::MasterLost{"master died"}));
      });
    }
  if (driver_connected_) {
    driver_connected_ = false;
    at(clock_.now_ms() + delay(), [this] { connect_driver(); });
  }
}

void SimCluster::start_standby_master() {
  master::StoredState st;
  for (const auto& [name, data] : persisted_) {
    if (name.rfind("worker_", 0) == 0) {
      if (auto w = master::stored_worker_from_json(data)) st.workers.push_back(w.value());
    } else if (auto a = master::stored_app_from_json(data)) {
      st.apps.push_back(a.value());
    }
  }
  master_ = std::make_unique<master::MasterCore>(master_config(cfg_), clock_);
  master_effects(master_->handle(master::ElectedLeader{st}));
}

std::set<std::string> SimCluster::live_executors() const {
  std::set<std::string> out;
  for (const auto& [id, x] : execs_)
    if (x.alive) out.insert(id);
  return out;
}

std::set<std::string> SimCluster::live_executors_on(int w) const {
  std::set<std::string> out;
  for (const auto& [id, x] : execs_)
    if (x.alive && x.worker == w) out.insert(id);
  return out;
}

}  // namespace spp::sim
