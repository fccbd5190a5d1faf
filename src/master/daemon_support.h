// Pieces both daemons (master and worker) share: loading their settings the way the CLI
// promises, and a small HTTP server thread serving snapshots the loop thread publishes.
#pragma once
#include <httplib.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/config.h"
#include "common/status.h"

namespace spp {

// Properties file (the given one, else conf/sparkpp-defaults.conf if present), then --conf
// pairs on top; every known key must parse as its type. Unknown keys are kept.
Result<Conf> load_daemon_conf(const std::string& properties_file, const std::vector<std::string>& conf_args);

// Logs the effective settings at start, secrets hidden, unknown keys flagged.
void log_daemon_conf(const char* component, const Conf& conf);

// The text the web UI serves, replaced wholesale by the loop thread after each state change
// and read by the HTTP thread; the mutex guards only the swap and the copy.
class Snapshot {
 public:
  void publish(std::string json, std::string html);
  std::string json() const;
  std::string html() const;
 private:
  mutable std::mutex mu_;
  std::string json_ = "{}", html_;
};

// cpp-httplib server on its own thread serving GET /json, /json/ and / from a Snapshot.
class StatusServer {
 public:
  explicit StatusServer(const Snapshot& snap);
  ~StatusServer();  // stops and joins
  // Binds host:port (0: any free port); returns the bound port.
  Result<int> bind(const std::string& host, int port);
  void start();
  void stop();
  httplib::Server& http() { return svr_; }  // to add routes before start()
 private:
  const Snapshot& snap_;
  httplib::Server svr_;
  std::thread thread_;
};

// The address to advertise for a bind address: wildcards become this host's IP.
std::string advertised_host(const std::string& bind_host);

}  // namespace spp
