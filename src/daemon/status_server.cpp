// The status HTTP thread (see status_server.h).
#include "daemon/status_server.h"

#include <nlohmann/json.hpp>

namespace spp {

void Snapshot::publish(std::string json) {
  std::lock_guard<std::mutex> g(mu_);
  json_ = std::move(json);
}

std::string Snapshot::json() const {
  std::lock_guard<std::mutex> g(mu_);
  return json_;
}

StatusServer::StatusServer(const Snapshot& snap) : snap_(snap) {
  auto json = [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(snap_.json(), "application/json");
  };
  svr_.routes().Get("/json", json);
  svr_.routes().Get("/json/", json);
  // Liveness for load balancers, systemd and monitoring: 200 while the daemon serves HTTP, with
  // the master's state (ALIVE, STANDBY, RECOVERING...) when it has one.
  svr_.routes().Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    nlohmann::json out = {{"alive", true}};
    auto doc = nlohmann::json::parse(snap_.json(), nullptr, false);
    if (doc.is_object() && doc.contains("status") && doc["status"].is_string()) out["status"] = doc["status"];
    res.set_content(out.dump(), "application/json");
  });
}

StatusServer::~StatusServer() { stop(); }

Result<int> StatusServer::bind(const std::string& host, int port, const SslFiles& tls, const http::ServerLimits& lim) {
  svr_.set_limits(lim);
  if (Status st = svr_.use_tls(tls); !st) return st;
  auto p = svr_.bind(host, port);
  if (!p) return Result<int>::error("cannot bind web UI on " + host + ":" + std::to_string(port) + ": " + p.error_message());
  return p;
}

void StatusServer::start() { svr_.start(); }

void StatusServer::stop() { svr_.stop(); }

}  // namespace spp
