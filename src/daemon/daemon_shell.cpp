// The daemons' shared shell (see daemon_shell.h).
#include "daemon/daemon_shell.h"

#include <signal.h>

#include <cstdio>
#include <filesystem>

#include "common/log.h"
#include "common/util.h"

namespace spp {

Result<Conf> load_daemon_conf(const std::string& properties_file, const std::vector<std::string>& conf_args) {
  Conf conf;
  std::string file = properties_file.empty() ? default_properties_file() : properties_file;
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

std::string advertised_host(const std::string& bind_host) {
  if (bind_host.empty() || bind_host == "0.0.0.0" || bind_host == "::") return local_ip();
  return bind_host;
}

int daemon_fail(const char* role, const std::string& what) {
  std::fprintf(stderr, "sparkpp %s: error: %s\n", role, what.c_str());
  return 1;
}

int run_daemon_loop(const std::function<int(uv_loop_t*, bool&)>& body) {
  signal(SIGPIPE, SIG_IGN);
  uv_loop_t loop;
  uv_loop_init(&loop);
  bool reusable = true;
  int rc = body(&loop, reusable);
  if (!reusable) return rc;
  // Every handle is closed by now; let their close callbacks run, then release the loop.
  uv_run(&loop, UV_RUN_DEFAULT);
  close_all_handles(&loop);
  uv_loop_close(&loop);
  return rc;
}

void send_message(Connection& c, const msg::Message& m) {
  std::visit([&c](const auto& v) {
    using T = std::decay_t<decltype(v)>;
    if constexpr (!std::is_same_v<T, std::monostate>) c.send(v);
  }, m);
}

ShellBase::ShellBase(uv_loop_t* loop, const char* log_component)
    : loop_(loop), log_(log_component), http_(snapshot_), tick_(loop) {}

// The daemon closed the signal handles in its shutdown (stop()); closing them here would leave
// libuv a freed handle to finish.
ShellBase::~ShellBase() {
  tick_.stop();
  http_.stop();
}

void ShellBase::start_base(int64_t tick_ms, std::function<void()> on_tick, std::function<void(int)> on_signal) {
  http_.start();
  tick_.start(tick_ms, tick_ms, std::move(on_tick));
  on_signal_ = std::move(on_signal);
  uv_signal_init(loop_, &sigint_);
  uv_signal_init(loop_, &sigterm_);
  sigint_.data = sigterm_.data = this;
  signals_open_ = true;
  auto cb = [](uv_signal_t* s, int signum) {
    auto* self = static_cast<ShellBase*>(s->data);
    LOG_INFO(self->log_, "received signal " << signum << "; shutting down");
    self->on_signal_(signum);
  };
  uv_signal_start(&sigint_, cb, SIGINT);
  uv_signal_start(&sigterm_, cb, SIGTERM);
}

void ShellBase::stop() {
  tick_.stop();
  http_.stop();
  if (!signals_open_) return;
  signals_open_ = false;
  uv_close(reinterpret_cast<uv_handle_t*>(&sigint_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sigterm_), nullptr);
}

}  // namespace spp
