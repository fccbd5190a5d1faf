// The status HTTP server of a daemon: an HttpServer (http_server.h) on its own threads serving
// the /json document the loop thread publishes. The page at "/" is an embedded asset that renders itself from /json
// (master/ui_routes.h, worker/ui_routes.h add it and their other routes).
#pragma once
#include <httplib.h>

#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/ssl_conf.h"
#include "common/status.h"
#include "daemon/http_server.h"

namespace spp {

// The /json text, replaced wholesale by the loop thread after each state change and read by
// the HTTP thread; the mutex guards only the swap and the copy.
class Snapshot {
 public:
  void publish(std::string json);
  std::string json() const;
 private:
  mutable std::mutex mu_;
  std::string json_ = "{}";
};

// The HTTP server serving GET /json and /json/ from a Snapshot.
class StatusServer {
 public:
  explicit StatusServer(const Snapshot& snap);
  ~StatusServer();  // stops and joins
  // Binds host:port (0: any free port), over HTTPS with `tls`; returns the bound port.
  Result<int> bind(const std::string& host, int port, const SslFiles& tls = {}, const http::ServerLimits& lim = {});
  void start();
  void stop();
  httplib::Server& http() { return svr_.routes(); }  // to add routes before start()
 private:
  const Snapshot& snap_;
  http::HttpServer svr_;
};

}  // namespace spp
