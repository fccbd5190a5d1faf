// The application web UI and REST API (/api/v1) on an HttpServer (daemon/http_server.h: an
// event-driven front, handlers on a small pool, cpp-httplib's route table). Pages are
// the embedded assets of web/ (one single-page app rendered in the browser from the REST API);
// data come from AppStatusStores found through a UiSource: the live driver's one store, or the
// history server's stores rebuilt from event logs.
#pragma once
#include <httplib.h>

#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/config.h"
#include "common/ssl_conf.h"
#include "common/status.h"
#include "daemon/http_server.h"
#include "ui/history.h"
#include "ui/listener_bus.h"
#include "ui/status_store.h"

namespace spp::ui {

class UiSource {
 public:
  virtual ~UiSource() = default;
  virtual json applications() = 0;                                       // ApplicationInfo list
  virtual std::shared_ptr<const AppStatusStore> app(const std::string& id) = 0;  // null: unknown
  virtual bool is_history() const = 0;
};

// The live driver's single application.
class LiveSource final : public UiSource {
 public:
  explicit LiveSource(std::shared_ptr<AppStatusStore> s) : store_(std::move(s)) {}
  json applications() override { return json::array({store_->application()}); }
  std::shared_ptr<const AppStatusStore> app(const std::string& id) override {
    return id == store_->app_id() ? store_ : nullptr;
  }
  bool is_history() const override { return false; }

 private:
  ListenerBus bus_;
  std::shared_ptr<AppStatusStore> store_;
};

class UiServer {
 public:
  // With `tls` enabled (spark.ssl.ui.*, spark.ssl.historyServer.*), HTTPS.
  explicit UiServer(UiSource& src, const SslFiles& tls = {}, const http::ServerLimits& lim = {});
  ~UiServer();  // stops and joins
  // port 0: any free port; otherwise `port`, else the next free one (up to `tries` ports), as
  // Spark does for 4040. Returns the bound port.
  Result<int> bind(const std::string& host, int port, int tries = 16);
  void start();
  void stop();
  bool tls() const { return svr_.tls(); }
  // Shown on every page (GET /json "insecure", as the master's and workers'); set before start().
  void set_insecure(std::string warning) { insecure_ = std::move(warning); }

 private:
  void routes();
  UiSource& src_;
  std::string insecure_;
  http::HttpServer svr_;
  Status tls_status_;  // why the certificate chain and key did not load
};

// What the driver owns for its UI: the listener bus it posts to, the status store (always: its
// updates are cheap), the HTTP server (spark.ui.enabled) and the event log
// (spark.eventLog.enabled), both stores of the bus's events. One per SparkContext.
class AppUi {
 public:
  // Starts the server on spark.ui.port and opens the event log as configured. Problems
  // (no free port, unwritable log dir) are logged; the application runs on without them.
  AppUi(const Conf& conf, const std::string& advertise_host);
  ~AppUi();
  // The one way the driver reports what happened (scheduler/listener_events.h).
  void post(scheduler::ListenerEvent e) { bus_.post(std::move(e)); }
  const AppStatusStore& store() const { return *store_; }
  const std::string& url() const { return url_; }  // "" when the UI is off
  // The application ended: last event, event log closed (the UI keeps serving until destroyed).
  void finish(int64_t wall_ms);

 private:
  ListenerBus bus_;
  std::shared_ptr<AppStatusStore> store_;
  std::unique_ptr<LiveSource> source_;
  std::unique_ptr<UiServer> server_;
  std::unique_ptr<EventLogWriter> log_;
  std::string url_;
  bool finished_ = false;
};

}  // namespace spp::ui
