// `sparkpp master`: the libuv shell around MasterCore. It owns the sockets, the liveness timer,
// the status HTTP thread and signal handling; every decision is made by the core.
#include "master/master.h"

#include <signal.h>
#include <uv.h>

#include <cstdio>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>

#include "common/log.h"
#include "common/net.h"
#include "common/util.h"
#include "master/daemon_support.h"
#include "master/ui_routes.h"
#include "master/master_core.h"
#include "master/persistence.h"

namespace spp {
namespace {
constexpr const char* kLog = "master";
constexpr int64_t kLockPollMs = 500;  // how often a standby tries the leadership lock

std::string html_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

// Placeholder page; the real UI is issue #7.
std::string render_html(const nlohmann::json& j) {
  std::ostringstream o;
  o << "<!doctype html><html><head><meta charset=utf-8><title>sparkpp master</title></head><body>"
    << "<h1>sparkpp master at " << html_escape(j["url"].get<std::string>()) << "</h1>"
    << "<p>Alive workers: " << j["aliveworkers"] << ", cores " << j["coresused"] << " used of " << j["cores"]
    << ", memory " << j["memoryused"] << " MB used of " << j["memory"] << " MB. <a href=\"/json\">JSON</a></p>"
    << "<h2>Workers</h2><table border=1><tr><th>Id</th><th>Address</th><th>State</th><th>Cores</th><th>Memory (MB)</th></tr>";
  for (const auto& w : j["workers"])
    o << "<tr><td><a href=\"" << html_escape(w["webuiaddress"].get<std::string>()) << "\">"
      << html_escape(w["id"].get<std::string>()) << "</a></td><td>" << html_escape(w["host"].get<std::string>()) << ":"
      << w["port"] << "</td><td>" << w["state"].get<std::string>() << "</td><td>" << w["cores"] << " ("
      << w["coresused"] << " used)</td><td>" << w["memory"] << " (" << w["memoryused"] << " used)</td></tr>";
  o << "</table>";
  for (const char* key : {"activeapps", "completedapps"}) {
    o << "<h2>" << (key[0] == 'a' ? "Running" : "Completed") << " applications</h2><table border=1>"
      << "<tr><th>Id</th><th>Name</th><th>Cores</th><th>Memory per executor (MB)</th><th>User</th><th>State</th></tr>";
    for (const auto& a : j[key])
      o << "<tr><td>" << html_escape(a["id"].get<std::string>()) << "</td><td>" << html_escape(a["name"].get<std::string>())
        << "</td><td>" << a["cores"] << "</td><td>" << a["memoryperexecutor"] << "</td><td>"
        << html_escape(a["user"].get<std::string>()) << "</td><td>" << a["state"].get<std::string>() << "</td></tr>";
    o << "</table>";
  }
  o << "</body></html>";
  return o.str();
}

class MasterDaemon {
 public:
  MasterDaemon(uv_loop_t* loop, master::MasterConfig cfg)
      : loop_(loop), cfg_(std::move(cfg)), tick_(loop), lock_poll_(loop), poster_(loop), http_(snapshot_) {}

  int run(const MasterArgs& args, int64_t hello_timeout_ms) {
    ConnectionOptions opts;
    opts.my_role = "master";
    opts.hello_timeout_ms = hello_timeout_ms;
    opts.log_component = kLog;
    opts.check_hello = [](const msg::Hello& h) {
      if (h.role == "worker" || h.role == "app" || h.role == "cli") return Status::ok();
      return Status::error("role '" + h.role + "' does not talk to the master");
    };
    opts.on_ready = [this](Connection& c) {
      conns_[c.id()] = &c;
      LOG_DEBUG(kLog, "connection " << c.id() << " from " << c.peer() << " (" << c.peer_role() << " " << c.peer_name() << ")");
    };
    opts.on_message = [this](Connection& c, msg::Envelope&& env) {
      enqueue(master::PeerMessage{c.id(), c.peer_role(), std::move(env.msg)});
    };
    opts.on_close = [this](Connection& c, const std::string& reason) {
      bool was_ready = conns_.erase(c.id()) > 0;
      if (!was_ready) {
        LOG_INFO(kLog, "dropped connection from " << c.peer() << ": " << reason);
        return;
      }
      if (!stopping_) enqueue(master::PeerClosed{c.id(), reason});
    };
    listener_ = std::make_unique<Listener>(loop_, opts);
    auto port = listener_->listen(args.host, args.port);
    if (!port) {
      std::fprintf(stderr, "sparkpp master: error: %s\n", port.error_message().c_str());
      return 1;
    }
    auto webui_port = http_.bind(args.host, args.webui_port);
    install_master_ui(http_.http());
    install_kill_route(http_.http());
    if (!webui_port) {
      std::fprintf(stderr, "sparkpp master: error: %s\n", webui_port.error_message().c_str());
      return 1;
    }
    std::string host = advertised_host(args.host);
    std::string url = "spark://" + host + ":" + std::to_string(*port);
    cfg_.url = url;
    cfg_.webui_url = "http://" + host + ":" + std::to_string(*webui_port);
    core_ = std::make_unique<master::MasterCore>(cfg_, clock_);
    if (cfg_.persist) {
      std::error_code ec;
      std::filesystem::create_directories(cfg_.recovery_dir, ec);
      if (ec) {
        std::fprintf(stderr, "sparkpp master: error: cannot create recovery directory '%s': %s\n",
                     cfg_.recovery_dir.c_str(), ec.message().c_str());
        return 1;
      }
      store_ = std::make_unique<master::FileStore>(cfg_.recovery_dir);
      lock_ = std::make_unique<master::LeaderLock>(cfg_.recovery_dir);
      auto got = lock_->try_acquire();
      if (!got) {
        std::fprintf(stderr, "sparkpp master: error: %s\n", got.error_message().c_str());
        return 1;
      }
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
    publish();
    http_.start();

    // Liveness is checked a few times per timeout so a dead worker is noticed promptly.
    int64_t every = std::max<int64_t>(100, cfg_.worker_timeout_ms / 4);
    tick_.start(every, every, [this] { enqueue(master::Tick{}); });

    uv_signal_init(loop_, &sigint_);
    uv_signal_init(loop_, &sigterm_);
    sigint_.data = sigterm_.data = this;
    auto on_signal = [](uv_signal_t* s, int signum) {
      auto* self = static_cast<MasterDaemon*>(s->data);
      LOG_INFO(kLog, "received signal " << signum << "; shutting down");
      self->stopping_ = true;
      uv_stop(s->loop);
    };
    uv_signal_start(&sigint_, on_signal, SIGINT);
    uv_signal_start(&sigterm_, on_signal, SIGTERM);

    LOG_INFO(kLog, "master at " << url << ", web UI at http://" << host << ":" << *webui_port);
    std::printf("sparkpp master listening: url=%s port=%d webui_port=%d status=%s\n", url.c_str(), *port, *webui_port,
                to_string(core_->status()));
    std::fflush(stdout);

    uv_run(loop_, UV_RUN_DEFAULT);
    shutdown();
    return 0;
  }

 private:
  // Events are queued so that effects which trigger more events (closing a connection) are
  // handled after the current event, never re-entrantly.
  void enqueue(master::Event ev) {
    queue_.push_back(std::move(ev));
    if (draining_) return;
    draining_ = true;
    while (!queue_.empty()) {
      master::Event e = std::move(queue_.front());
      queue_.pop_front();
      for (auto& eff : core_->handle(e)) apply(eff);
    }
    draining_ = false;
    publish();
  }

  void become_leader() {
    LOG_INFO(kLog, "took the leadership lock in " << cfg_.recovery_dir);
    enqueue(master::ElectedLeader{store_->read_all()});
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
      Connection* c = it->second;
      std::visit([c](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (!std::is_same_v<T, std::monostate>) c->send(m);
      }, s->msg);
    } else if (auto* cl = std::get_if<master::Close>(&eff)) {
      auto it = conns_.find(cl->conn);
      if (it != conns_.end()) it->second->close(cl->reason);
    }
  }

  // POST /app/kill/?id=<app-id>&terminate=true (Spark's endpoint). Runs on the HTTP thread:
  // it checks the id against the last published active apps and hands the kill to the loop.
  void install_kill_route(httplib::Server& svr) {
    const char* path = R"(/app/kill/?)";
    svr.Get(path, [](const httplib::Request&, httplib::Response& res) {
      res.status = 405;
      res.set_header("Allow", "POST");
      res.set_content("killing an application needs POST\n", "text/plain");
    });
    svr.Post(path, [this](const httplib::Request& req, httplib::Response& res) {
      if (!cfg_.kill_enabled) {
        res.status = 403;
        res.set_content("killing applications is disabled (spark.ui.killEnabled=false)\n", "text/plain");
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
        if (!stopping_ && core_) enqueue(master::KillApplication{id, "Killed via the master web UI"});
      });
      res.set_content("killing " + id + "\n", "text/plain");
    });
  }

  void publish() {
    nlohmann::json j = core_->to_json();
    {
      std::lock_guard<std::mutex> g(active_mu_);
      active_ids_.clear();
      for (const auto& [id, a] : core_->apps()) active_ids_.insert(id);
    }
    snapshot_.publish(j.dump(), render_html(j));
  }

  void shutdown() {
    tick_.stop();
    lock_poll_.stop();
    http_.stop();
    listener_.reset();
    auto conns = conns_;
    for (auto& [id, c] : conns) c->close("master shutting down");
    conns_.clear();
    uv_close(reinterpret_cast<uv_handle_t*>(&sigint_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&sigterm_), nullptr);
  }

  uv_loop_t* loop_;
  SystemClock clock_;
  master::MasterConfig cfg_;
  std::unique_ptr<master::MasterCore> core_;  // created once the advertised URL is known
  Timer tick_;
  Timer lock_poll_;  // standby: retries the leadership lock
  std::unique_ptr<master::FileStore> store_;   // FILESYSTEM recovery only
  std::unique_ptr<master::LeaderLock> lock_;   // held while leader; released at exit
  Poster poster_;  // HTTP thread -> loop thread (kill requests)
  std::mutex active_mu_;
  std::set<std::string> active_ids_;  // active app ids as of the last publish (for the HTTP thread)
  Snapshot snapshot_;
  StatusServer http_;
  std::unique_ptr<Listener> listener_;
  std::map<uint64_t, Connection*> conns_;  // handshaken connections, by id (borrowed)
  std::deque<master::Event> queue_;
  bool draining_ = false;
  bool stopping_ = false;
  uv_signal_t sigint_{}, sigterm_{};
};

}  // namespace

int run_master(const MasterArgs& args) {
  auto conf = load_daemon_conf(args.properties_file, args.conf);
  if (!conf) {
    std::fprintf(stderr, "sparkpp master: error: %s\n", conf.error_message().c_str());
    return 1;
  }
  auto cfg = master::MasterConfig::from_conf(*conf);
  if (!cfg) {
    std::fprintf(stderr, "sparkpp master: error: %s\n", cfg.error_message().c_str());
    return 1;
  }
  if (args.port < 0 || args.port > 65535 || args.webui_port < 0 || args.webui_port > 65535) {
    std::fprintf(stderr, "sparkpp master: error: ports must be within 0..65535\n");
    return 1;
  }
  log_daemon_conf(kLog, *conf);
  signal(SIGPIPE, SIG_IGN);
  uv_loop_t loop;
  uv_loop_init(&loop);
  int rc;
  {
    MasterDaemon d(&loop, *cfg);
    rc = d.run(args, conf->get_time_ms("spark.sparkpp.helloTimeout"));
  }
  // Every handle is closed by now; let their close callbacks run, then release the loop.
  uv_run(&loop, UV_RUN_DEFAULT);
  close_all_handles(&loop);
  uv_loop_close(&loop);
  return rc;
}

}  // namespace spp
