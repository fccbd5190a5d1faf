// The HTTP server of every sparkpp web UI and REST API (master, worker, application, history):
// an event-driven front on libuv that owns the connections, and a small pool of threads that
// runs the routes on complete requests only (issue 12: a few slow or silent clients must not
// freeze a UI).
//
// The front accepts every connection at once (no accept queue builds up), reads each request
// head with strict limits (http_head.h: bytes, line lengths, header count), then its
// Content-Length body, and only then hands the request to a handler thread. Deadlines: a
// connection must start a request within `idle_ms` of its accept or of its previous response
// (keep-alive), and complete it -- TLS handshake, head and body -- within `request_ms` of its
// first byte, however slowly it trickles (slowloris); a response must be taken within
// `write_ms`. Connections are capped (`max_connections`: a new one beyond it closes the oldest
// connection that is not being served). TLS (spark.ssl.*) runs in the front over OpenSSL memory
// BIOs, so a slow handshake holds no thread either.
//
// Routes are registered on routes() as on any cpp-httplib server (Get, Post, pre-routing
// handler); cpp-httplib only parses the already complete request from memory and writes the
// response into memory, which the front then sends.
#pragma once
#include <httplib.h>

#include <cstdint>
#include <memory>
#include <string>

#include "common/config.h"
#include "common/ssl_conf.h"
#include "common/status.h"
#include "daemon/http_head.h"

namespace spp::http {

struct ServerLimits {
  HeadLimits head;
  int64_t idle_ms = 5000;        // accept or end of the previous response -> first byte of a request
  int64_t request_ms = 10000;    // first byte -> complete request (TLS handshake, head and body)
  int64_t write_ms = 10000;      // a response fully taken by the client
  int max_requests = 100;        // per connection (keep-alive), then Connection: close
  size_t max_connections = 256;  // beyond: the oldest connection not being served is closed
  int threads = 4;               // handler threads
  size_t max_queued = 64;        // complete requests waiting for a handler thread (503 beyond)
};

// The defaults with spark.sparkpp.http.idleTimeout / requestTimeout from `conf`.
ServerLimits limits_from_conf(const Conf& conf);

class HttpServer {
 public:
  explicit HttpServer(const ServerLimits& lim = {});
  ~HttpServer();  // stops and joins
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // HTTPS with these PEM files (spark.ssl.*); an error when they cannot be loaded. Before bind().
  Status use_tls(const SslFiles& files);
  bool tls() const;
  void set_limits(const ServerLimits& lim);  // before start()
  // Where handlers are registered (Get, Post, set_pre_routing_handler), before start().
  httplib::Server& routes();
  // Binds host:port (0: any free port; SO_REUSEADDR, never SO_REUSEPORT: a second process
  // cannot share the port) and listens; returns the bound port, or why not (strerror).
  Result<int> bind(const std::string& host, int port);
  void start();  // the loop thread and the handler threads
  void stop();   // idempotent

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spp::http
