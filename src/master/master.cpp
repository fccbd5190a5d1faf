// `sparkpp master`: MasterCore in the daemon shell (daemon/daemon_shell.h). What is the
// master's own: the listener and connections, the leadership lock and recovery store, the kill
// route; every decision is made by the core.
#include "master/master.h"

#include <uv.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "common/auth.h"
#include "common/ssl_conf.h"
#include "daemon/http_guard.h"
#include "common/log.h"
#include "common/net.h"
#include "daemon/daemon_shell.h"
#include "master/ui_routes.h"
#include "master/master_core.h"
#include "master/persistence.h"

namespace spp {
namespace {
constexpr const char* kLog = "master";
constexpr int64_t kLockPollMs = 500;  // how often a standby tries the leadership lock

class MasterDaemon {
 public:
  void set_tls(SslFiles tls) { tls_ = std::move(tls); }
  void set_http_limits(const http::ServerLimits& lim) { http_limits_ = lim; }
  MasterDaemon(uv_loop_t* loop, master::MasterConfig cfg)
      : loop_(loop), cfg_(std::move(cfg)), lock_poll_(loop), poster_(loop), shell_(loop, kLog) {}

  int run(const MasterArgs& args, int64_t hello_timeout_ms, const auth::Policy& auth) {
    ConnectionOptions opts;
    opts.my_role = "master";
    opts.hello_timeout_ms = hello_timeout_ms;
    opts.auth = [auth] { return auth; };
    opts.log_component = kLog;
    opts.check_hello = [](const msg::Hello& h) {
      if (h.role == "worker" || h.role == "app" || h.role == "cli") return Status::ok();
      return Status::error("role '" + h.role + "' does not talk to the master");
    };
    opts.on_ready = [this](Connection& c) {
      conns_[c.id()] = &c;
      shell_.post(master::PeerOpened{c.id()});
      LOG_DEBUG(kLog, "connection " << c.id() << " from " << c.peer() << " (" << c.peer_role() << " " << c.peer_name() << ")");
    };
    opts.on_message = [this](Connection& c, msg::Envelope&& env) {
      shell_.post(master::PeerMessage{c.id(), c.peer_role(), std::move(env.msg), std::move(env.blobs)});
    };
    opts.on_close = [this](Connection& c, const std::string& reason) {
      bool was_ready = conns_.erase(c.id()) > 0;
      if (!was_ready) {
        LOG_INFO(kLog, "dropped connection from " << c.peer() << ": " << reason);
        return;
      }
      if (!stopping_) shell_.post(master::PeerClosed{c.id(), reason});
    };
    listener_ = std::make_unique<Listener>(loop_, opts);
    auto port = listener_->listen(args.host, args.port);
    if (!port) return daemon_fail(kLog, port.error_message());
    auto webui_port = shell_.bind_http(args.host, args.webui_port, tls_, http_limits_);
    if (!webui_port) return daemon_fail(kLog, webui_port.error_message());
    install_master_ui(shell_.http());
    install_kill_route(shell_.http(), auth);
    std::string host = advertised_host(args.host);
    std::string url = "spark://" + host + ":" + std::to_string(*port);
    cfg_.url = url;
    cfg_.webui_url = (tls_.enabled() ? "https://" : "http://") + host + ":" + std::to_string(*webui_port);
    core_ = std::make_unique<master::MasterCore>(cfg_, clock_);
    shell_.attach({[this](const master::Event& e) { return core_->handle(e); },
                   [this](master::Effect& e) { apply(e); },
                   [this] { return status(); }});
    if (cfg_.persist) {
      std::error_code ec;
      // Made here: the owner's only (0700), like the files in it (0600: applications' settings,
      // executorEnv values included). One the operator made keeps its mode.
      if (std::filesystem::create_directories(cfg_.recovery_dir, ec))
        std::filesystem::permissions(cfg_.recovery_dir, std::filesystem::perms::owner_all, ec);
      if (ec) return daemon_fail(kLog, "cannot create recovery directory '" + cfg_.recovery_dir + "': " + ec.message());
      store_ = std::make_unique<master::FileStore>(cfg_.recovery_dir);
      lock_ = std::make_unique<master::LeaderLock>(cfg_.recovery_dir);
      auto got = lock_->try_acquire();
      if (!got) return daemon_fail(kLog, got.error_message());
      if (*got) {
        become_leader();
      } else {
        // Another master holds the lock: stay a standby and poll for it (the kernel frees the
        // lock when that master dies, however it dies).
        LOG_INFO(kLog, "another master holds " << cfg_.recovery_dir << "/master.lock; STANDBY");
        lock_poll_.start(kLockPollMs, kLockPollMs, [this] {
          auto r = lock_->try_acquire();
          if (r && *r) {
            lock_poll_.stop();
            become_leader();
          }
        });
      }
    }
    // Liveness is checked a few times per timeout so a dead worker is noticed promptly.
    int64_t every = std::max<int64_t>(100, cfg_.worker_timeout_ms / 4);
    shell_.start(every, master::Tick{}, [this](int) {
      stopping_ = true;
      uv_stop(loop_);
    });

    LOG_INFO(kLog, "master at " << url << ", web UI at http://" << host << ":" << *webui_port);
    std::printf("sparkpp master listening: url=%s port=%d webui_port=%d status=%s\n", url.c_str(), *port, *webui_port,
                to_string(core_->status()));
    std::fflush(stdout);

    uv_run(loop_, UV_RUN_DEFAULT);
    shutdown();
    return 0;
  }

 private:
  void become_leader() {
    LOG_INFO(kLog, "took the leadership lock in " << cfg_.recovery_dir);
    shell_.post(master::ElectedLeader{store_->read_all()});
  }

  void apply(master::Effect& eff) {
    if (auto* p = std::get_if<master::Persist>(&eff)) {
      // A failed write loses recoverability, not correctness now: say so loudly, carry on.
      if (Status st = store_->write(p->name, p->data); !st) LOG_ERROR(kLog, "recovery store: " << st.message());
    } else if (auto* u = std::get_if<master::Unpersist>(&eff)) {
      store_->remove(u->name);
    } else if (auto* s = std::get_if<master::Send>(&eff)) {
      auto it = conns_.find(s->conn);
      if (it == conns_.end()) return;  // the peer is already gone; its close event is queued
      if (auto* ld = std::get_if<msg::LaunchDriver>(&s->msg)) it->second->send(*ld, std::move(s->blobs));
      else send_message(*it->second, s->msg);
    } else if (auto* cl = std::get_if<master::Close>(&eff)) {
      auto it = conns_.find(cl->conn);
      if (it != conns_.end()) it->second->close(cl->reason);
    }
  }

  // POST /app/kill/?id=<app-id>&terminate=true (Spark's endpoint). Runs on the HTTP thread:
  // it checks the id against the last published active apps and hands the kill to the loop.
  void install_kill_route(httplib::Server& svr, const auth::Policy& auth) {
    const char* path = R"(/app/kill/?)";
    svr.Get(path, [](const httplib::Request&, httplib::Response& res) {
      res.status = 405;
      res.set_header("Allow", "POST");
      res.set_content("killing an application needs POST\n", "text/plain");
    });
    svr.Post(path, [this, auth](const httplib::Request& req, httplib::Response& res) {
      if (!cfg_.kill_enabled) {
        res.status = 403;
        res.set_content("killing applications is disabled (spark.ui.killEnabled=false)\n", "text/plain");
        return;
      }
      MutationVerdict v = check_mutation({req.get_header_value("Host"), req.get_header_value("Origin"),
                                          req.get_header_value("Referer"), req.get_header_value("Authorization")},
                                         auth);
      if (!v.allowed()) {
        LOG_WARN(kLog, "kill request from " << req.remote_addr << " refused: " << v.message);
        res.status = v.status;
        if (!v.www_authenticate.empty()) res.set_header("WWW-Authenticate", v.www_authenticate);
        res.set_content(v.message + "\n", "text/plain");
        return;
      }
      std::string id = req.get_param_value("id");
      if (req.get_param_value("terminate") != "true") {
        res.status = 400;
        res.set_content("terminate=true is required\n", "text/plain");
        return;
      }
      {
        std::lock_guard<std::mutex> g(active_mu_);
        if (id.empty() || !active_ids_.count(id)) {
          res.status = 404;
          res.set_content("no running application " + id + "\n", "text/plain");
          return;
        }
      }
      LOG_INFO(kLog, "kill of application " << id << " requested from the web UI (" << req.remote_addr << ")");
      poster_.post([this, id] {
        if (!stopping_ && core_) shell_.post(master::KillApplication{id, "Killed via the master web UI"});
      });
      res.set_content("killing " + id + "\n", "text/plain");
    });
  }

  // The /json document; also refreshes the active app ids the HTTP thread's kill route checks.
  nlohmann::json status() {
    {
      std::lock_guard<std::mutex> g(active_mu_);
      active_ids_.clear();
      for (const auto& [id, a] : core_->apps()) active_ids_.insert(id);
    }
    return core_->to_json();
  }

  void shutdown() {
    shell_.stop();
    lock_poll_.stop();
    listener_.reset();
    auto conns = conns_;
    for (auto& [id, c] : conns) c->close("master shutting down");
    conns_.clear();
  }

  uv_loop_t* loop_;
  SystemClock clock_;
  master::MasterConfig cfg_;
  http::ServerLimits http_limits_;  // spark.sparkpp.http.*
  SslFiles tls_;  // spark.ssl.standalone.*: the web UI over HTTPS
  std::unique_ptr<master::MasterCore> core_;  // created once the advertised URL is known
  Timer lock_poll_;  // standby: retries the leadership lock
  std::unique_ptr<master::RecoveryStore> store_;   // FILESYSTEM recovery only
  std::unique_ptr<master::LeaderLock> lock_;   // held while leader; released at exit
  Poster poster_;  // HTTP thread -> loop thread (kill requests)
  std::mutex active_mu_;
  std::set<std::string> active_ids_;  // active app ids as of the last publish (for the HTTP thread)
  DaemonShell<master::Event, master::Effect> shell_;
  std::unique_ptr<Listener> listener_;
  std::map<uint64_t, Connection*> conns_;  // handshaken connections, by id (borrowed)
  bool stopping_ = false;
};

}  // namespace

int run_master(const MasterArgs& args) {
  auto conf = load_daemon_conf(args.properties_file, args.conf);
  if (!conf) return daemon_fail(kLog, conf.error_message());
  auto cfg = master::MasterConfig::from_conf(*conf);
  if (!cfg) return daemon_fail(kLog, cfg.error_message());
  if (args.port < 0 || args.port > 65535 || args.webui_port < 0 || args.webui_port > 65535)
    return daemon_fail(kLog, "ports must be within 0..65535");
  auto auth = auth::cluster_policy(*conf);
  if (!auth) return daemon_fail(kLog, auth.error_message());
  bool exposed = false;
  if (Status st = auth::check_exposure(*conf, args.host, "listen", &exposed); !st) return daemon_fail(kLog, st.message());
  if (exposed) {
    LOG_WARN(kLog, auth::exposure_warning(args.host));
    cfg->insecure_warning = auth::exposure_warning(args.host);  // and on the web UI
  }
  auto tls = ssl_files(*conf, "standalone");
  if (!tls) return daemon_fail(kLog, tls.error_message());
  log_daemon_conf(kLog, *conf);
  return run_daemon_loop([&](uv_loop_t* loop, bool&) {
    MasterDaemon d(loop, *cfg);
    d.set_tls(*tls);
    d.set_http_limits(http::limits_from_conf(*conf));
    return d.run(args, conf->get_time_ms("spark.sparkpp.helloTimeout"), *auth);
  });
}

}  // namespace spp
