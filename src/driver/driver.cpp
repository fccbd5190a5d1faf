// Driver: the shell. Listeners, the event queue every handler and timer posts to, the
// application phase, shutdown. The concerns live in driver_{python,executors,master,jobs}.cpp.
#include "driver/driver.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <zstd.h>

#include "common/auth.h"
#include "common/log.h"
#include "common/states.h"
#include "common/util.h"

namespace spp::driver {
namespace fs = std::filesystem;
static const char* kLog = "driver";

const char* to_string(AppPhase p) {
  switch (p) {
    case AppPhase::kNone: return "NONE";
    case AppPhase::kStarting: return "STARTING";
    case AppPhase::kRunning: return "RUNNING";
    case AppPhase::kStopped: return "STOPPED";
  }
  return "?";
}

static bool legal(AppPhase from, AppPhase to) {
  switch (from) {
    case AppPhase::kNone: return to == AppPhase::kStarting;
    case AppPhase::kStarting: return to == AppPhase::kRunning || to == AppPhase::kNone || to == AppPhase::kStopped;
    case AppPhase::kRunning: return to == AppPhase::kStopped;
    case AppPhase::kStopped: return to == AppPhase::kStarting;
  }
  return false;
}

Driver::Driver(uv_loop_t* loop, Conf submit_conf, std::string executor_python, const Clock& clock)
    : loop_(loop), clock_(clock), submit_conf_(std::move(submit_conf)), executor_python_(std::move(executor_python)) {
  secret_ = random_hex(32);
  graph_.sql_stages(&sql_source_);  // `sql` RDDs (df.rdd) run SQL result stages in their tasks
}

Driver::~Driver() = default;

Result<int> Driver::start() {
  ConnectionOptions po;
  po.my_role = "driver";
  po.max_frame = kDataMaxFrame;
  po.log_component = kLog;
  po.check_hello = [this](const msg::Hello& h) -> Status {
    if (h.role != "pydriver") return Status::error("only the Python driver program may use this port");
    if (!auth::equal_ct(h.secret, secret_)) return Status::error("wrong secret");
    return Status::ok();
  };
  po.on_ready = [this](Connection& c) { py_conns_[c.id()] = &c; };
  po.on_message = [this](Connection& c, msg::Envelope&& e) {
    Turn t(*this);
    on_py_message(c, std::move(e));
  };
  po.on_close = [this](Connection& c, const std::string&) { py_conns_.erase(c.id()); };
  py_listener_ = std::make_unique<Listener>(loop_, po);
  auto pyport = py_listener_->listen("127.0.0.1", 0);
  if (!pyport) return pyport;

  progress_timer_ = std::make_unique<Timer>(loop_);
  ready_timer_ = std::make_unique<Timer>(loop_);
  master_retry_ = std::make_unique<Timer>(loop_);
  revive_timer_ = std::make_unique<Timer>(loop_);
  closed_timer_ = std::make_unique<Timer>(loop_);
  shutdown_timer_ = std::make_unique<Timer>(loop_);
  // Executors that go silent (hung, stopped, cut off) for spark.network.timeout are lost.
  liveness_timer_ = std::make_unique<Timer>(loop_);
  liveness_timer_->start(1000, 1000, [this] { post(ShellTimerFired{ShellTimer::kLiveness}); });
  speculation_timer_ = std::make_unique<Timer>(loop_);
  return pyport;
}

// The executor port, bound at the first SparkContext, when the master and the security settings
// are known: on loopback unless executors come from other hosts, and never exposed
// unauthenticated unless the operator opted out (auth::check_exposure).
Status Driver::listen_executors() {
  if (exec_listener_) return Status::ok();
  std::string bind = conf_.get("spark.driver.bindAddress");
  if (bind.empty()) {
    bool loopback = true;
    for (const auto& [host, port] : master_.masters) loopback = loopback && auth::is_loopback_host(host);
    bind = master_.local || loopback ? "127.0.0.1" : "0.0.0.0";
    conf_.set("spark.driver.bindAddress", bind);  // the UI binds it too
  }
  bool exposed = false;
  if (Status st = auth::check_exposure(conf_, bind, "accept executors", &exposed); !st) return st;
  if (exposed) LOG_WARN(kLog, auth::exposure_warning(bind));
  ConnectionOptions eo;
  eo.my_role = "driver";
  eo.max_frame = kDataMaxFrame;
  eo.log_component = kLog;
  eo.coalesce_writes = true;  // the launches of one loop turn leave in one write
  eo.auth = [this] { return exec_auth_; };
  // A link that sends nothing for spark.network.timeout is dropped (registered executors
  // heartbeat every spark.executor.heartbeatInterval; one that never registers is dropped too).
  eo.idle_timeout_ms = [this] { return conf_.get_time_ms("spark.network.timeout"); };
  eo.check_hello = [](const msg::Hello& h) -> Status {
    return h.role == "executor" ? Status::ok() : Status::error("only executors may use this port");
  };
  eo.on_message = [this](Connection& c, msg::Envelope&& e) {
    Turn t(*this);
    on_exec_message(c, std::move(e));
  };
  eo.on_close = [this](Connection& c, const std::string& r) {
    Turn t(*this);
    on_exec_closed(c, r);
  };
  auto listener = std::make_unique<Listener>(loop_, eo);
  auto eport = listener->listen(bind, static_cast<int>(conf_.get_int("spark.driver.port")));
  if (!eport) return eport.status();
  exec_listener_ = std::move(listener);
  exec_port_ = eport.value();
  exec_bind_ = bind;
  return Status::ok();
}

// ------------------------------------------------------------------ the event queue

void Driver::post(ShellEvent ev) {
  queue_.push_back(std::move(ev));
  if (depth_ == 0) drain();
}

void Driver::drain() {
  ++depth_;
  while (!queue_.empty()) {
    ShellEvent ev = std::move(queue_.front());
    queue_.pop_front();
    handle(ev);
  }
  --depth_;
}

void Driver::handle(ShellEvent& ev) {
  if (auto* s = std::get_if<scheduler::Event>(&ev)) return handle_scheduler(*s);
  if (auto* g = std::get_if<ExecutorGone>(&ev)) return executor_lost(g->id, g->reason);
  const auto& t = std::get<ShellTimerFired>(ev);
  switch (t.kind) {
    case ShellTimer::kLiveness: return check_executor_liveness();
    case ShellTimer::kContextReady: return reply_context_info();
    case ShellTimer::kMasterRetry: return connect_master(t.attempt);
    case ShellTimer::kShutdownGrace: return finish_shutdown();
  }
}

void Driver::set_phase(AppPhase to, const std::string& why) {
  SPP_CHECK(legal(phase_, to), "application %s: %s -> %s", app_id_.c_str(), to_string(phase_), to_string(to));
  LOG_DEBUG(kLog, (app_id_.empty() ? "application" : app_id_) << ": " << to_string(phase_) << " -> " << to_string(to) << " (" << why << ")");
  phase_ = to;
}

// ------------------------------------------------------------------ shutdown

void Driver::shutdown(std::function<void()> done) {
  Turn t(*this);
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
  shutdown_done_ = std::move(done);
  // Give our local executor a moment to exit on StopExecutor (its exit ends the wait); then
  // make sure.
  if (local_executor_running()) {
    shutdown_timer_->start(3000, 0, [this] { post(ShellTimerFired{ShellTimer::kShutdownGrace}); });
    return;
  }
  finish_shutdown();
}

void Driver::finish_shutdown() {
  if (!shutdown_done_) return;  // already finished
  Turn t(*this);
  shutdown_timer_->stop();
  for (auto& [id, c] : local_execs_)
    if (c && c->running()) c->kill(SIGKILL);
  std::vector<Connection*> conns;  // closing posts ExecutorGone, which erases from execs_
  for (auto& [id, e] : execs_)
    if (e.conn) conns.push_back(e.conn);
  for (Connection* c : conns) c->close("driver exiting");
  if (master_conn_) master_conn_->close("driver exiting");
  for (const auto& f : result_files_) ::unlink(f.c_str());  // ENOENT: Python took it
  result_files_.clear();
  for (const auto& f : spools_) ::unlink(f.c_str());  // tasks still running, results never taken
  spools_.clear();
  auto done = std::move(shutdown_done_);
  shutdown_done_ = nullptr;
  done();
}

}  // namespace spp::driver
