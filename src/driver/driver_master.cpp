// Driver: the master client (cluster mode). Registers the application, follows grants and
// executor ends, fails over to the next master, re-registers after a master restart.
#include <signal.h>
#include <unistd.h>

#include <filesystem>

#include "common/log.h"
#include "common/states.h"
#include "common/util.h"
#include "driver/driver.h"

namespace spp::driver {
namespace fs = std::filesystem;
static const char* kLog = "driver";

// ------------------------------------------------------------------ master (cluster mode)

void Driver::connect_master(int attempt) {
  auto [host, port] = master_.masters[static_cast<size_t>(attempt) % master_.masters.size()];
  ConnectionOptions o;
  o.my_role = "app";
  o.my_name = conf_.get("spark.app.name");
  o.log_component = kLog;
  o.auth = [this] { return cluster_auth_; };
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
  o.on_message = [this](Connection& c, msg::Envelope&& e) {
    Turn t(*this);
    on_master_message(c, std::move(e));
  };
  std::string url = "spark://" + host + ":" + std::to_string(port);
  // After a failed attempt: the next master of the list in a second. While starting we give
  // up after three rounds; a running application keeps trying (Spark's drivers wait for a
  // new leader the same way).
  auto retry = [this, attempt, url](const std::string& why) {
    if (shutting_down_ || master_conn_ || master_refused_) return;
    if (phase_ == AppPhase::kStarting && attempt + 1 >= 3 * static_cast<int>(master_.masters.size())) {
      set_phase(AppPhase::kNone, "no master answered");
      auto it = py_conns_.find(context_conn_);
      if (it != py_conns_.end())
        py_error(*it->second, context_req_, "bad_request", "Could not connect to the master at " + url + ": " + why + " (All masters are unresponsive! Giving up.)");
      return;
    }
    if (phase_ != AppPhase::kStarting && phase_ != AppPhase::kRunning) return;
    LOG_WARN(kLog, url << ": " << why << "; trying the next master");
    master_retry_->start(1000, 0, [this, attempt] { post(ShellTimerFired{ShellTimer::kMasterRetry, attempt + 1}); });
  };
  o.on_close = [this, retry](Connection& c, const std::string& reason) {
    Turn t(*this);
    if (master_conn_ != &c) return;
    master_conn_ = nullptr;
    if (phase_ == AppPhase::kRunning && !shutting_down_)
      LOG_WARN(kLog, "lost the connection to the master (" << reason << "); running executors carry on");
    retry(reason);
  };
  connect_to(loop_, host, port, o, [this, retry](Result<Connection*> r) {
    Turn t(*this);
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
    // Executors prove this application's key, which their workers derive the same way.
    if (cluster_auth_.required) exec_auth_.key = auth::app_key(cluster_auth_.key, app_id_);
    LOG_INFO(kLog, "Connected to Spark cluster with app ID " << app_id_);
    // Give granted executors a moment to register so defaultParallelism sees them.
    ready_timer_->start(5000, 0, [this] { post(ShellTimerFired{ShellTimer::kContextReady}); });
    return;
  }
  if (auto* m = env.as<msg::RegisterApplicationFailed>()) {
    if (!m->retry) master_refused_ = true;  // stop asking: the answer will not change
    LOG_ERROR(kLog, "the master refused application " << app_id_ << ": " << m->message
                                                      << (m->retry ? "; trying again" : "; running executors carry on, no new ones will be granted"));
    c.close("registration refused");
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
      // Handled now (defaultParallelism below must not count it); the close inside only
      // queues an ExecutorGone, a no-op by the time it runs.
      // An exit or crash is charged to the tasks that ran there; LOST (its worker went away,
      // Spark's ExecutorProcessLost with a worker host) and KILLED (on request) are not.
      executor_lost(id, "executor " + m->state + ": " + m->message,
                    st == ExecutorState::kExited || st == ExecutorState::kFailed);
      if (phase_ == AppPhase::kStarting && granted_.empty() && !execs_.empty()) reply_context_info();
    }
    return;
  }
  if (auto* m = env.as<msg::WorkerRemoved>()) {
    LOG_WARN(kLog, "worker " << m->worker_id << " (" << m->host << ") removed: " << m->message);
    return;
  }
  if (auto* m = env.as<msg::ApplicationRemoved>()) {
    if (phase_ != AppPhase::kStarting && phase_ != AppPhase::kRunning) return;
    LOG_ERROR(kLog, "Application has been killed. Reason: " << m->message);
    for (auto& [jid, job] : jobs_) {
      auto it = py_conns_.find(job.py_conn);
      if (it != py_conns_.end()) py_error(*it->second, job.req, "job_failed", "Application has been killed. Reason: " + m->message);
    }
    jobs_.clear();
    if (ui_)
      for (auto& ev : ui_->store().abort_events("Application has been killed. Reason: " + m->message, clock_.wall_ms()))
        ui_->post(std::move(ev));
    if (ui_) ui_->finish(clock_.wall_ms());
    set_phase(AppPhase::kStopped, "the master removed the application: " + m->message);
    sql_source_.observe(nullptr);
    dag_.reset();
    return;
  }
  (void)c;
}

}  // namespace spp::driver
