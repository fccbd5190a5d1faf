// Shared daemon plumbing: settings loading and the status HTTP thread (see daemon_support.h).
#include "master/daemon_support.h"

#include <filesystem>

#include "common/log.h"
#include "common/util.h"
#include "web_routes.h"

namespace spp {

Result<Conf> load_daemon_conf(const std::string& properties_file, const std::vector<std::string>& conf_args) {
  Conf conf;
  std::string file = properties_file;
  std::error_code ec;
  if (file.empty() && std::filesystem::is_regular_file("conf/sparkpp-defaults.conf", ec))
    file = "conf/sparkpp-defaults.conf";
  if (!file.empty()) {
    Status st = conf.load_properties_file(file);
    if (!st) return st;
  }
  for (const auto& kv : conf_args) {
    Status st = conf.set_from_arg(kv);
    if (!st) return st;
  }
  Status st = conf.validate();
  if (!st) return st;
  return conf;
}

void log_daemon_conf(const char* component, const Conf& conf) {
  for (const auto& [k, v] : conf.values()) {
    bool known = find_setting(k) != nullptr;
    LOG_INFO(component, "setting " << k << " = " << (is_secret_key(k) ? "*********(redacted)" : v)
                                   << (known ? "" : "  (unknown key: kept, not used by sparkpp)"));
  }
}

void Snapshot::publish(std::string json, std::string html) {
  std::lock_guard<std::mutex> g(mu_);
  json_ = std::move(json);
  html_ = std::move(html);
}

std::string Snapshot::json() const {
  std::lock_guard<std::mutex> g(mu_);
  return json_;
}

std::string Snapshot::html() const {
  std::lock_guard<std::mutex> g(mu_);
  return html_;
}

StatusServer::StatusServer(const Snapshot& snap) : snap_(snap) {
  auto json = [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(snap_.json(), "application/json");
  };
  svr_.Get("/json", json);
  svr_.Get("/json/", json);
  svr_.Get("/", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(snap_.html(), "text/html; charset=utf-8");
  });
  web::use_exclusive_port(svr_);
  // A status endpoint must not be held hostage by slow clients.
  svr_.set_read_timeout(5, 0);
  svr_.set_write_timeout(5, 0);
  svr_.set_keep_alive_max_count(10);
  svr_.new_task_queue = [] { return new httplib::ThreadPool(2); };
}

StatusServer::~StatusServer() { stop(); }

Result<int> StatusServer::bind(const std::string& host, int port) {
  if (port == 0) {
    int p = svr_.bind_to_any_port(host);
    if (p <= 0) return Result<int>::error("cannot bind web UI on " + host + ": no free port");
    return p;
  }
  if (!svr_.bind_to_port(host, port))
    return Result<int>::error("cannot bind web UI on " + host + ":" + std::to_string(port) + " (in use?)");
  return port;
}

void StatusServer::start() {
  thread_ = std::thread([this] { svr_.listen_after_bind(); });
}

void StatusServer::stop() {
  svr_.stop();
  if (thread_.joinable()) thread_.join();
}

std::string advertised_host(const std::string& bind_host) {
  if (bind_host.empty() || bind_host == "0.0.0.0" || bind_host == "::") return local_ip();
  return bind_host;
}

}  // namespace spp
