// UiServer: REST routes (Spark's /api/v1 paths and parameters) and the embedded single-page UI.
#include "ui/ui_server.h"

#include <set>
#include <sstream>

#include "common/auth.h"
#include "common/log.h"
#include "common/util.h"
#include "web_routes.h"

namespace spp::ui {
namespace {

void send_json(httplib::Response& res, const json& j) {
  res.set_content(j.dump(), "application/json");
  res.set_header("Cache-Control", "no-store");
}

void not_found(httplib::Response& res, const std::string& what) {
  res.status = 404;
  res.set_content(what + "\n", "text/plain");
}

bool to_int(const std::string& s, int& out) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  out = std::stoi(s);
  return true;
}

std::string param(const httplib::Request& req, const char* k, const std::string& dflt = "") {
  return req.has_param(k) ? req.get_param_value(k) : dflt;
}

std::vector<double> quantiles_param(const httplib::Request& req) {
  std::vector<double> qs;
  for (const auto& s : split(param(req, "quantiles", "0.0,0.25,0.5,0.75,1.0"), ',')) {
    try {
      qs.push_back(std::stod(s));
    } catch (...) {
    }
  }
  if (qs.empty()) qs = {0.0, 0.25, 0.5, 0.75, 1.0};
  return qs;
}

// /api/v1/applications/{id}/{rest...}
void app_route(const AppStatusStore& st, const std::vector<std::string>& p, const httplib::Request& req, httplib::Response& res) {
  // p[0] is the first segment after the app id.
  auto bad = [&](const std::string& why) {
    res.status = 404;
    res.set_content(why + "\n", "text/plain");
  };
  if (p.empty()) return send_json(res, st.application());
  const std::string& what = p[0];
  if (what == "jobs") {
    if (p.size() == 1) return send_json(res, st.jobs(param(req, "status")));
    int id;
    if (!to_int(p[1], id)) return bad("unknown job id " + p[1]);
    auto j = st.job(id);
    return j ? send_json(res, *j) : bad("unknown job: " + p[1]);
  }
  if (what == "stages") {
    if (p.size() == 1) return send_json(res, st.stages(param(req, "status")));
    int id, attempt = 0;
    if (!to_int(p[1], id)) return bad("unknown stage " + p[1]);
    bool details = param(req, "details") == "true";
    if (p.size() == 2) {
      json a = st.stage_attempts(id, details);
      return a.empty() ? bad("unknown stage: " + p[1]) : send_json(res, a);
    }
    if (!to_int(p[2], attempt)) return bad("unknown attempt " + p[2]);
    if (p.size() == 3) {
      auto s = st.stage(id, attempt, details);
      return s ? send_json(res, *s) : bad("unknown stage attempt: " + p[1] + "." + p[2]);
    }
    if (p[3] == "taskList") {
      TaskQuery q;
      int v;
      if (to_int(param(req, "offset"), v)) q.offset = static_cast<size_t>(v);
      if (to_int(param(req, "length"), v)) q.length = static_cast<size_t>(v);
      q.sort_by = param(req, "sortBy");
      q.status = param(req, "status");
      auto t = st.task_list(id, attempt, q);
      return t ? send_json(res, *t) : bad("unknown stage attempt");
    }
    if (p[3] == "taskSummary") {
      auto t = st.task_summary(id, attempt, quantiles_param(req));
      return t ? send_json(res, *t) : bad("unknown stage attempt");
    }
    return bad("unknown stage resource " + p[3]);
  }
  if (what == "executors" || what == "allexecutors") {
    if (p.size() == 1) return send_json(res, st.executors(what == "allexecutors"));
    // Spark's /executors/{id}/threads: no stack sampling here, so a clear 404 rather than the list.
    if (what == "executors" && p.size() == 3 && p[2] == "threads")
      return bad("thread dumps are not available: sparkpp executors do not collect stack traces (executor " + p[1] + ")");
    return bad("unknown resource " + what + "/" + p[1]);
  }
  if (what == "storage" && p.size() >= 2 && p[1] == "rdd") {
    if (p.size() == 2) return send_json(res, st.storage_rdds());
    int id = 0;
    if (p.size() == 3 && to_int(p[2], id))
      if (auto r = st.storage_rdd(id)) return send_json(res, *r);
    return bad("unknown RDD " + p[2]);
  }
  if (what == "sql") {  // Spark's SqlResource: ?details=true&planDescription=true&offset=0&length=20
    const bool details = param(req, "details", "true") != "false", plan = param(req, "planDescription", "true") != "false";
    if (p.size() == 1) {
      int offset = 0, length = 20;
      if (!to_int(param(req, "offset", "0"), offset) || offset < 0) offset = 0;
      if (!to_int(param(req, "length", "20"), length) || length < 0) length = 20;
      return send_json(res, st.sql_executions(details, plan, static_cast<size_t>(offset), static_cast<size_t>(length)));
    }
    int id;
    if (!to_int(p[1], id)) return bad("unknown execution id " + p[1]);
    auto e = st.sql_execution(id, details, plan);
    return e ? send_json(res, *e) : bad("unknown query execution id: " + p[1]);
  }
  if (what == "environment") return send_json(res, st.environment());
  if (what == "overview") return send_json(res, st.overview());  // our extension for the pages
  return bad("unknown resource " + what);
}

}  // namespace

UiServer::UiServer(UiSource& src, const SslFiles& tls, const http::ServerLimits& lim)
    : src_(src), svr_(lim), tls_status_(svr_.use_tls(tls)) {
  routes();
}

UiServer::~UiServer() { stop(); }

void UiServer::routes() {
  httplib::Server& r = svr_.routes();
  r.Get("/json", [this](const httplib::Request&, httplib::Response& res) {
    send_json(res, {{"insecure", insecure_.empty() ? json(nullptr) : json(insecure_)}});
  });
  r.Get("/api/v1/version", [](const httplib::Request&, httplib::Response& res) {
    send_json(res, {{"spark", SPARKPP_VERSION}});
  });
  auto list = [this](const httplib::Request& req, httplib::Response& res) {
    json all = src_.applications();
    std::string status = param(req, "status");
    json out = json::array();
    for (const auto& a : all) {
      bool done = a["attempts"][0].value("completed", false);
      if ((status == "completed" && !done) || (status == "running" && done)) continue;
      out.push_back(a);
    }
    send_json(res, out);
  };
  r.Get("/api/v1/applications", list);
  r.Get("/api/v1/applications/", list);
  r.Get(R"(/api/v1/applications/([^/]+)(/.*)?)", [this](const httplib::Request& req, httplib::Response& res) {
    auto st = src_.app(req.matches[1].str());
    if (!st) return not_found(res, "no such app: " + req.matches[1].str());
    std::vector<std::string> parts;
    for (const auto& s : split(req.matches[2].str(), '/'))
      if (!s.empty()) parts.push_back(s);
    app_route(*st, parts, req, res);
  });
  web::install_static_assets(r);
  // Every page is the same single-page app; it routes on location.pathname.
  auto page = [](const httplib::Request&, httplib::Response& res) { web::serve_asset(res, "app.html"); };
  r.Get(R"(/(jobs|stages|executors|storage|environment|SQL)(/.*)?)", page);
  r.Get(R"(/history/([^/]+)(/.*)?)", page);
  r.Get("/", [this](const httplib::Request&, httplib::Response& res) {
    if (src_.is_history()) return web::serve_asset(res, "app.html");  // the application list
    res.set_redirect("/jobs/");
  });
}

Result<int> UiServer::bind(const std::string& host, int port, int tries) {
  if (!tls_status_) return tls_status_;
  if (port == 0) {
    auto p = svr_.bind(host, 0);
    if (!p) return Result<int>::error("cannot bind the web UI on " + host + ": " + p.error_message());
    return p;
  }
  for (int i = 0; i < tries; ++i)
    if (auto p = svr_.bind(host, port + i)) return p;
  return Result<int>::error("cannot bind the web UI on " + host + ":" + std::to_string(port) + " (and the next " +
                            std::to_string(tries - 1) + " ports)");
}

void UiServer::start() { svr_.start(); }

void UiServer::stop() { svr_.stop(); }

AppUi::AppUi(const Conf& conf, const std::string& advertise_host) {
  StoreLimits lim;
  lim.jobs = static_cast<size_t>(std::max<int64_t>(1, conf.get_int("spark.ui.retainedJobs")));
  lim.stages = static_cast<size_t>(std::max<int64_t>(1, conf.get_int("spark.ui.retainedStages")));
  lim.tasks = static_cast<size_t>(std::max<int64_t>(1, conf.get_int("spark.ui.retainedTasks")));
  lim.dead_executors = static_cast<size_t>(std::max<int64_t>(0, conf.get_int("spark.ui.retainedDeadExecutors")));
  try {  // a SQL setting Spark reads from the application's conf (static: not in the catalog here)
    lim.sql_executions = static_cast<size_t>(std::max(1LL, std::stoll(conf.get("spark.sql.ui.retainedExecutions", "1000"))));
  } catch (...) {
  }
  store_ = std::make_shared<AppStatusStore>(lim);
  bus_.add(store_.get());
  if (conf.get_bool("spark.eventLog.enabled")) {
    log_ = std::make_unique<EventLogWriter>(conf.get("spark.eventLog.dir"), conf.get_bool("spark.eventLog.compress"));
    bus_.add(log_.get());
  }
  if (!conf.get_bool("spark.ui.enabled")) return;
  source_ = std::make_unique<LiveSource>(store_);
  auto tls = ssl_files(conf, "ui");
  if (!tls) {
    LOG_WARN("ui", tls.error_message() << "; running without the web UI");
    return;
  }
  server_ = std::make_unique<UiServer>(*source_, *tls, http::limits_from_conf(conf));
  std::string bind = conf.get("spark.driver.bindAddress", "0.0.0.0");
  // Reachable from the network with authentication off (the operator opted out): every page says so.
  if (!conf.get_bool("spark.authenticate") && !auth::is_loopback_host(bind)) server_->set_insecure(auth::exposure_warning(bind));
  auto port = server_->bind(bind, static_cast<int>(conf.get_int("spark.ui.port")));
  if (!port) {
    LOG_WARN("ui", port.error_message() << "; running without the web UI");
    server_.reset();
    return;
  }
  server_->start();
  url_ = (server_->tls() ? "https://" : "http://") + advertise_host + ":" + std::to_string(*port);
  // Printed whatever the log level, as the one line a user needs to find the UI.
  std::fprintf(stderr, "sparkpp: application UI at %s\n", url_.c_str());
}

AppUi::~AppUi() {
  if (server_) server_->stop();
  if (log_) log_->finish();
}

void AppUi::finish(int64_t wall_ms) {
  if (finished_) return;
  finished_ = true;
  bus_.post(scheduler::ApplicationEndEvent{wall_ms});
  if (log_) log_->finish();
}

}  // namespace spp::ui
