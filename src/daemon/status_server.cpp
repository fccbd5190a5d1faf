// The status HTTP thread (see status_server.h).
#include "daemon/status_server.h"

#include "web_routes.h"

namespace spp {

void Snapshot::publish(std::string json) {
  std::lock_guard<std::mutex> g(mu_);
  json_ = std::move(json);
}

std::string Snapshot::json() const {
  std::lock_guard<std::mutex> g(mu_);
  return json_;
}

StatusServer::StatusServer(const Snapshot& snap) : snap_(snap) {}

StatusServer::~StatusServer() { stop(); }

Result<int> StatusServer::bind(const std::string& host, int port, const SslFiles& tls) {
  svr_ = web::make_server(tls.cert_chain, tls.private_key);
  if (!svr_->is_valid())
    return Result<int>::error("cannot load the web UI's TLS certificate chain '" + tls.cert_chain + "' and private key '" +
                              tls.private_key + "' (PEM, the key unencrypted and matching the certificate)");
  auto json = [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(snap_.json(), "application/json");
  };
  svr_->Get("/json", json);
  svr_->Get("/json/", json);
  web::use_exclusive_port(*svr_);
  web::harden_server(*svr_);  // a status endpoint must not be held hostage by slow clients
  if (port == 0) {
    int p = svr_->bind_to_any_port(host);
    if (p <= 0) return Result<int>::error("cannot bind web UI on " + host + ": no free port");
    return p;
  }
  if (!svr_->bind_to_port(host, port))
    return Result<int>::error("cannot bind web UI on " + host + ":" + std::to_string(port) + " (in use?)");
  return port;
}

void StatusServer::start() {
  if (!svr_) return;
  thread_ = std::thread([this] { svr_->listen_after_bind(); });
}

void StatusServer::stop() {
  if (svr_) svr_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace spp
