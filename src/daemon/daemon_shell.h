// The libuv shell every sparkpp daemon (master, worker) wraps around its sans-I/O core: one
// event queue drained through the core, the effects handed back to the daemon, /json
// republished after each drain, a periodic tick, SIGINT/SIGTERM, the status HTTP thread, and
// the settings and loop set-up around them. master.cpp and worker.cpp keep only what is theirs
// (sockets, child processes, the recovery store, their routes).
#pragma once
#include <uv.h>

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/config.h"
#include "common/messages.h"
#include "common/net.h"
#include "common/status.h"
#include "daemon/event_queue.h"
#include "daemon/status_server.h"

namespace spp {

// Properties file (the given one, else conf/sparkpp-defaults.conf if present), then --conf
// pairs on top; every known key must parse as its type. Unknown keys are kept.
Result<Conf> load_daemon_conf(const std::string& properties_file, const std::vector<std::string>& conf_args);

// Logs the effective settings at start, secrets hidden, unknown keys flagged.
void log_daemon_conf(const char* component, const Conf& conf);

// The address to advertise for a bind address: wildcards become this host's IP.
std::string advertised_host(const std::string& bind_host);

// Prints "sparkpp ROLE: error: WHAT" to stderr and returns the exit code 1.
int daemon_fail(const char* role, const std::string& what);

// Runs `body` on a fresh loop (SIGPIPE ignored: a peer gone mid-write is an error, not a
// death), then lets the close callbacks of what `body` closed run and releases the loop. `body`
// clears `loop_reusable` when something it cannot cancel is still in flight (a TCP connect):
// the loop is then left to the OS.
int run_daemon_loop(const std::function<int(uv_loop_t* loop, bool& loop_reusable)>& body);

// Sends any message of the catalog (a core's Send effect) on a connection.
void send_message(Connection& c, const msg::Message& m);

// The part of the shell that does not depend on the core's types.
class ShellBase {
 public:
  ShellBase(uv_loop_t* loop, const char* log_component);
  ~ShellBase();
  ShellBase(const ShellBase&) = delete;
  ShellBase& operator=(const ShellBase&) = delete;

  uv_loop_t* loop() const { return loop_; }
  // Binds the status HTTP server (0: any free port); returns the bound port. Add routes to
  // http() before start().
  Result<int> bind_http(const std::string& host, int port, const SslFiles& tls = {}, const http::ServerLimits& lim = {}) {
    return http_.bind(host, port, tls, lim);
  }
  httplib::Server& http() { return http_.http(); }
  // Stops the tick and the HTTP thread and closes the signal handles. Idempotent.
  void stop();

 protected:
  // Starts the HTTP thread, a tick every `tick_ms` and the SIGINT/SIGTERM watch; `on_signal`
  // runs on the loop thread once the signal is logged.
  void start_base(int64_t tick_ms, std::function<void()> on_tick, std::function<void(int signum)> on_signal);
  void publish_json(std::string json) { snapshot_.publish(std::move(json)); }

 private:
  uv_loop_t* loop_;
  const char* log_;
  Snapshot snapshot_;
  StatusServer http_;
  Timer tick_;
  std::function<void(int)> on_signal_;
  uv_signal_t sigint_{}, sigterm_{};
  bool signals_open_ = false;
};

template <class Event, class Effect>
class DaemonShell : public ShellBase {
 public:
  struct Core {
    std::function<std::vector<Effect>(const Event&)> handle;  // the sans-I/O core
    std::function<void(Effect&)> apply;                          // the daemon performs one effect
    std::function<nlohmann::json()> status;                      // the /json document
  };
  using ShellBase::ShellBase;

  // Connects the core; events may be posted from now on. /json is republished after each drain.
  void attach(Core core) {
    status_ = std::move(core.status);
    queue_.attach(std::move(core.handle), std::move(core.apply), [this] { publish(); });
  }

  // Publishes /json, then starts the HTTP thread, the tick (posting `tick` each time) and the
  // signal watch.
  void start(int64_t tick_ms, Event tick, std::function<void(int signum)> on_signal) {
    publish();
    start_base(tick_ms, [this, tick] { post(tick); }, std::move(on_signal));
  }

  void post(Event ev) { queue_.post(std::move(ev)); }
  void publish() { publish_json(status_().dump()); }

 private:
  EventQueue<Event, Effect> queue_;
  std::function<nlohmann::json()> status_;
};

}  // namespace spp
