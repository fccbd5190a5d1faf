// `sparkpp worker`: WorkerCore in the daemon shell (daemon/daemon_shell.h). What is the
// worker's own: the master connection, the executor child processes, the work-dir scans.
#include "worker/worker.h"

#include <signal.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include "common/auth.h"
#include "common/ssl_conf.h"
#include "common/config.h"
#include "common/log.h"
#include "common/master_url.h"
#include "common/net.h"
#include "common/process.h"
#include "common/util.h"
#include "daemon/daemon_shell.h"
#include "worker/ui_routes.h"
#include "worker/worker_core.h"

namespace spp {
namespace {
constexpr const char* kLog = "worker";
constexpr int64_t kTickMs = 100;  // resolution of heartbeats, retries and kill escalation

int fail(const std::string& what) { return daemon_fail(kLog, what); }

using HostPort = std::pair<std::string, int>;

// The work dir's app dirs, each with the newest mtime found in it (Spark's cleanup looks for
// any file newer than the TTL). Errors just skip entries: cleanup is best effort.
std::vector<worker::AppDir> scan_work_dir(const std::string& work_dir) {
  namespace fs = std::filesystem;
  // file_clock -> wall clock by the offset between their "now"s (libstdc++ 12 lacks clock_cast).
  const auto file_now = fs::file_time_type::clock::now();
  const int64_t wall_now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
  auto wall_ms = [&](fs::file_time_type t) {
    return wall_now + std::chrono::duration_cast<std::chrono::milliseconds>(t - file_now).count();
  };
  std::vector<worker::AppDir> out;
  std::error_code ec;
  for (const auto& ent : fs::directory_iterator(work_dir, ec)) {
    if (!ent.is_directory(ec)) continue;
    int64_t newest = wall_ms(fs::last_write_time(ent.path(), ec));
    for (auto it = fs::recursive_directory_iterator(ent.path(), fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      std::error_code ec2;
      auto t = fs::last_write_time(it->path(), ec2);
      if (!ec2) newest = std::max(newest, wall_ms(t));
    }
    ec.clear();
    out.push_back({ent.path().filename().string(), ent.path().string(), newest});
  }
  return out;
}

class WorkerDaemon {
 public:
  WorkerDaemon(uv_loop_t* loop, std::vector<HostPort> masters, int64_t hello_timeout_ms, auth::Policy auth)
      : loop_(loop), masters_(std::move(masters)), hello_timeout_ms_(hello_timeout_ms), auth_(std::move(auth)),
        shell_(loop, kLog) {}

  void set_network_timeout(int64_t ms) { network_timeout_ms_ = ms; }
  void set_tls(SslFiles tls) { tls_ = std::move(tls); }  // spark.ssl.standalone.*: the web UI over HTTPS
  void set_http_limits(const http::ServerLimits& lim) { http_limits_ = lim; }
  int run(const WorkerArgs& args, worker::WorkerConfig cfg) {
    std::string bind_host = args.host.empty() ? "0.0.0.0" : args.host;
    ConnectionOptions lopts;
    lopts.my_role = "worker";
    lopts.hello_timeout_ms = hello_timeout_ms_;
    lopts.log_component = kLog;
    lopts.auth = [this] { return auth_; };
    lopts.idle_timeout_ms = [this] { return network_timeout_ms_; };
    // Nothing talks to a worker's port yet; it exists so the worker has an address (its id).
    lopts.on_message = [](Connection& c, msg::Envelope&& env) { c.close("worker accepts no " + env.op); };
    listener_ = std::make_unique<Listener>(loop_, lopts);
    auto port = listener_->listen(bind_host, args.port);
    if (!port) return fail(port.error_message());
    auto webui_port = shell_.bind_http(bind_host, args.webui_port, tls_, http_limits_);
    if (!webui_port) return fail(webui_port.error_message());
    install_worker_ui(shell_.http(), cfg.work_dir);

    cfg.port = *port;
    cfg.id = "worker-" + timestamp_id(clock_.wall_ms()) + "-" + cfg.host + "-" + std::to_string(*port);
    cfg.webui_url = (tls_.enabled() ? "https://" : "http://") + cfg.host + ":" + std::to_string(*webui_port);
    LOG_INFO(kLog, "starting worker " << cfg.id << " with " << cfg.cores << " cores, " << cfg.memory_mb
                                      << " MB RAM, work dir " << cfg.work_dir);
    core_ = std::make_unique<worker::WorkerCore>(cfg, clock_);
    shell_.attach({[this](const worker::Event& e) { return core_->handle(e); },
                   [this](worker::Effect& e) { apply(e); },
                   [this] { return core_->to_json(); }});
    // Executors get SIGTERM, then SIGKILL after spark.worker.killTimeout; the core exits once
    // every child is reaped.
    shell_.start(kTickMs, worker::Tick{}, [this](int) { shell_.post(worker::Shutdown{}); });

    std::printf("sparkpp worker listening: id=%s port=%d webui_port=%d master=%s\n", cfg.id.c_str(), *port,
                *webui_port, cfg.master_url.c_str());
    std::fflush(stdout);

    shell_.post(worker::Start{});
    if (!exiting_) uv_run(loop_, UV_RUN_DEFAULT);
    shutdown();
    return exit_code_;
  }

 private:
  void apply(worker::Effect& eff) {
    std::visit([this](auto& e) {
      using T = std::decay_t<decltype(e)>;
      if constexpr (std::is_same_v<T, worker::ConnectMaster>) connect();
      else if constexpr (std::is_same_v<T, worker::DropMaster>) {
        if (master_) master_->close(e.reason);
      } else if constexpr (std::is_same_v<T, worker::SendMaster>) {
        if (master_ && master_->ready()) send_message(*master_, e.msg);
      } else if constexpr (std::is_same_v<T, worker::SpawnExecutor>) spawn(e);
      else if constexpr (std::is_same_v<T, worker::SpawnDriver>) spawn_driver(e);
      else if constexpr (std::is_same_v<T, worker::SignalDriver>) {
        auto it = driver_children_.find(e.driver_id);
        if (it != driver_children_.end()) it->second->kill(e.sig);
      }
      else if constexpr (std::is_same_v<T, worker::SignalExecutor>) {
        auto it = children_.find({e.app_id, e.exec_id});
        if (it != children_.end()) it->second->kill(e.sig);
      } else if constexpr (std::is_same_v<T, worker::RemoveDir>) {
        std::error_code ec;
        std::filesystem::remove_all(e.path, ec);
      } else if constexpr (std::is_same_v<T, worker::ScanWorkDir>) {
        shell_.post(worker::WorkDirScanned{scan_work_dir(core_->config().work_dir)});
      } else if constexpr (std::is_same_v<T, worker::Exit>) {
        exit_code_ = e.code;
        exiting_ = true;
        uv_stop(loop_);
      }
    }, eff);
  }

  void connect() {
    if (master_) master_->close("reconnecting");
    uint64_t gen = ++master_gen_;
    // Each attempt goes to the next master: a dead or standby one sends us on to the leader.
    const auto& [master_host, master_port] = masters_[next_master_++ % masters_.size()];
    ConnectionOptions opts;
    opts.my_role = "worker";
    opts.my_name = core_->config().id;
    opts.hello_timeout_ms = hello_timeout_ms_;
    opts.auth = [this] { return auth_; };
    opts.log_component = kLog;
    opts.on_ready = [this, gen](Connection&) {
      if (gen == master_gen_) shell_.post(worker::MasterReady{});
    };
    opts.on_message = [this, gen](Connection&, msg::Envelope&& env) {
      if (gen == master_gen_) shell_.post(worker::FromMaster{std::move(env.msg), std::move(env.blobs)});
    };
    opts.on_close = [this, gen](Connection& c, const std::string& reason) {
      if (master_ == &c) master_ = nullptr;
      if (gen == master_gen_ && !exiting_) shell_.post(worker::MasterLost{reason});
    };
    connecting_ = true;
    connect_to(loop_, master_host, master_port, opts, [this, gen](Result<Connection*> r) {
      connecting_ = false;
      if (gen != master_gen_) {
        if (r) r.value()->close("superseded");
        return;
      }
      if (r) master_ = r.value();
      else shell_.post(worker::MasterLost{r.error_message()});
    });
  }

  void spawn(const worker::SpawnExecutor& s) {
    auto key = std::make_pair(s.app_id, s.exec_id);
    auto failed = [&](const std::string& why) {
      shell_.post(worker::ExecutorSpawnFailed{s.app_id, s.exec_id, why});
    };
    std::error_code ec;
    std::filesystem::create_directories(s.dir, ec);
    if (ec) return failed("cannot create " + s.dir + ": " + ec.message());
    // The application's and the executor's dirs hold its logs and files: owner only.
    std::filesystem::permissions(s.dir, std::filesystem::perms::owner_all, ec);
    std::filesystem::permissions(std::filesystem::path(s.dir).parent_path(), std::filesystem::perms::owner_all, ec);
    std::filesystem::create_directories(s.scratch_dir, ec);
    if (ec) return failed("cannot create " + s.scratch_dir + ": " + ec.message());
    std::filesystem::permissions(s.scratch_dir, std::filesystem::perms::owner_all, ec);  // as Spark: 700
    {
      std::ofstream err(s.stderr_path, std::ios::app);
      if (!err) return failed("cannot write " + s.stderr_path);
      err << s.stderr_header;
    }
    namespace fsp = std::filesystem;
    fsp::permissions(s.stderr_path, fsp::perms::owner_read | fsp::perms::owner_write | fsp::perms::group_read, ec);
    SpawnOptions o;
    o.args = s.args;
    o.env = s.env;
    // The executor's key to its driver and its application's block servers: derived here from
    // the cluster secret, never taken from what the application asked for.
    o.env.erase(auth::kAppKeyEnv);
    o.env.erase(auth::kAppCryptoEnv);
    if (auth_.required) o.env[auth::kAppKeyEnv] = auth::app_key(auth_.key, s.app_id);
    if (auth_.required && auth_.encrypt) o.env[auth::kAppCryptoEnv] = "1";  // spark.network.crypto.enabled
    o.cwd = s.dir;
    o.stdout_path = s.stdout_path;
    o.stderr_path = s.stderr_path;
    o.new_process_group = true;  // so a kill reaches the executor's Python workers too
    o.stdin_devnull = true;
    auto child = ChildProcess::spawn(loop_, o, [this, key](int64_t status, int sig) {
      shell_.post(worker::ExecutorExited{key.first, key.second, status, sig});
      children_.erase(key);  // allowed: ChildProcess tolerates destruction in its exit callback
    });
    if (!child) return failed(child.error_message());
    int pid = child.value()->pid();
    children_[key] = std::move(child.value());
    shell_.post(worker::ExecutorStarted{s.app_id, s.exec_id, pid});
  }

  // A cluster-mode driver: its files and settings written into its directory (owner-only), then
  // `sparkpp submit` there, in its own process group (a kill reaches its Python program too).
  void spawn_driver(worker::SpawnDriver& s) {
    namespace fsp = std::filesystem;
    std::string id = s.driver_id;
    auto failed = [&](const std::string& why) { shell_.post(worker::DriverSpawnFailed{id, why}); };
    std::error_code ec;
    fsp::create_directories(s.dir, ec);
    if (ec) return failed("cannot create " + s.dir + ": " + ec.message());
    fsp::permissions(s.dir, fsp::perms::owner_all, ec);
    auto write = [&](const std::string& path, const std::string& bytes, bool append) {
      std::ofstream f(path, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
      fsp::permissions(path, fsp::perms::owner_read | fsp::perms::owner_write, ec);
      f << bytes;
      return static_cast<bool>(f);
    };
    for (const auto& [name, bytes] : s.files)
      if (!write(s.dir + "/" + name, bytes, false)) return failed("cannot write " + s.dir + "/" + name);
    s.files.clear();
    // The cluster secret reaches the driver in its environment (as Spark's DriverRunner does),
    // never in a file or on the command line.
    std::string conf = s.conf_text;
    if (auth_.required) conf += std::string("spark.authenticate=true\nspark.network.crypto.enabled=") + (auth_.encrypt ? "true" : "false") + "\n";
    if (!write(s.conf_file, conf, false)) return failed("cannot write " + s.conf_file);
    if (!write(s.stderr_path, s.stderr_header, true)) return failed("cannot write " + s.stderr_path);
    SpawnOptions o;
    o.args = s.args;
    if (auth_.required) o.env["SPARKPP_SECRET"] = auth_.key;
    o.env["SPARKPP_DRIVER_ID"] = id;
    o.cwd = s.dir;
    o.stdout_path = s.stdout_path;
    o.stderr_path = s.stderr_path;
    o.new_process_group = true;
    o.stdin_devnull = true;
    auto child = ChildProcess::spawn(loop_, o, [this, id](int64_t status, int sig) {
      shell_.post(worker::DriverExited{id, status, sig});
      driver_children_.erase(id);
    });
    if (!child) return failed(child.error_message());
    int pid = child.value()->pid();
    driver_children_[id] = std::move(child.value());
    shell_.post(worker::DriverStarted{id, pid});
  }

  void shutdown() {
    shell_.stop();
    listener_.reset();
    ++master_gen_;
    if (master_) master_->close("worker stopping");
    master_ = nullptr;
    // Children are all reaped before Exit{0}; after Exit{1} none were ever started.
    children_.clear();
    driver_children_.clear();
    // Let close callbacks run while the lambdas' `this` is alive. A TCP connect still in
    // flight cannot be cancelled from here (connect_to owns its handle), so then we leave
    // the loop to the OS rather than wait out a SYN timeout.
    if (!connecting_) uv_run(loop_, UV_RUN_DEFAULT);
  }

 public:
  bool loop_reusable() const { return !connecting_; }

 private:

  uv_loop_t* loop_;
  std::vector<HostPort> masters_;
  size_t next_master_ = 0;
  int64_t hello_timeout_ms_;
  int64_t network_timeout_ms_ = 120000;
  http::ServerLimits http_limits_;  // spark.sparkpp.http.*
  SslFiles tls_;  // spark.network.timeout: idle handshaken connections to our port
  auth::Policy auth_;  // the cluster secret (spark.authenticate)
  SystemClock clock_;
  std::unique_ptr<worker::WorkerCore> core_;
  DaemonShell<worker::Event, worker::Effect> shell_;
  std::unique_ptr<Listener> listener_;
  Connection* master_ = nullptr;  // borrowed; cleared in its on_close
  uint64_t master_gen_ = 0;       // callbacks of superseded connections are ignored
  std::map<std::pair<std::string, int>, std::unique_ptr<ChildProcess>> children_;
  std::map<std::string, std::unique_ptr<ChildProcess>> driver_children_;
  bool connecting_ = false;  // a connect_to is in flight (its callback captures `this`)
  bool exiting_ = false;
  int exit_code_ = 0;
};

}  // namespace

int run_worker(const WorkerArgs& args) {
  auto conf = load_daemon_conf(args.properties_file, args.conf);
  if (!conf) return fail(conf.error_message());
  // Every master of spark://h1:p1,h2:p2 is tried in turn until one (the leader) accepts us.
  auto spec = parse_master_url(args.master_url);
  if (!spec || spec->local)
    return fail("invalid master URL '" + args.master_url + "' (expected spark://HOST:PORT[,HOST2:PORT2...])");
  if (args.port < 0 || args.port > 65535 || args.webui_port < 0 || args.webui_port > 65535)
    return fail("ports must be within 0..65535");
  if (args.cores < 0) return fail("--cores must be positive");

  worker::WorkerConfig cfg;
  cfg.cores = args.cores > 0 ? args.cores : num_cpus();
  if (args.memory.empty()) {
    cfg.memory_mb = std::max<int64_t>(total_memory_mb() - 1024, 1024);  // leave 1 GiB to the OS, as Spark
  } else {
    auto bytes = parse_size(args.memory, 'm');
    if (!bytes) return fail("--memory: " + bytes.error_message());
    cfg.memory_mb = *bytes / (1024 * 1024);
    if (cfg.memory_mb <= 0) return fail("--memory: '" + args.memory + "' is less than 1 MB");
  }
  int64_t timeout_ms = conf->get_time_ms("spark.worker.timeout");
  if (timeout_ms <= 0) return fail("setting spark.worker.timeout: must be positive");
  cfg.heartbeat_ms = std::max<int64_t>(timeout_ms / 4, 1);
  cfg.kill_timeout_ms = conf->get_time_ms("spark.worker.killTimeout");
  cfg.register_timeout_ms = std::max<int64_t>(timeout_ms, 2000);
  cfg.cleanup_enabled = conf->get_bool("spark.worker.cleanup.enabled");
  cfg.cleanup_interval_ms = std::max<int64_t>(conf->get_time_ms("spark.worker.cleanup.interval"), 100);
  cfg.app_data_ttl_ms = conf->get_time_ms("spark.worker.cleanup.appDataTtl");
  cfg.host = args.host.empty() ? local_ip() : args.host;
  cfg.master_url = args.master_url;
  cfg.executable = self_exe();
  cfg.local_dir = split(conf->get("spark.local.dir"), ',')[0];
  if (cfg.local_dir.empty()) cfg.local_dir = "/tmp";
  cfg.scratch_tag = std::to_string(::getpid());

  std::error_code ec;
  std::filesystem::create_directories(args.work_dir, ec);
  if (ec) return fail("cannot create work dir '" + args.work_dir + "': " + ec.message());
  cfg.work_dir = std::filesystem::absolute(args.work_dir, ec).lexically_normal().string();
  if (!cfg.work_dir.empty() && cfg.work_dir.back() == '/') cfg.work_dir.pop_back();

  auto auth = auth::cluster_policy(*conf);
  if (!auth) return fail(auth.error_message());
  bool exposed = false;
  std::string bind_host = args.host.empty() ? "0.0.0.0" : args.host;
  if (Status st = auth::check_exposure(*conf, bind_host, "listen", &exposed); !st) return fail(st.message());
  if (exposed) {
    LOG_WARN(kLog, auth::exposure_warning(bind_host));
    cfg.insecure_warning = auth::exposure_warning(bind_host);
  }
  auto tls = ssl_files(*conf, "standalone");
  if (!tls) return fail(tls.error_message());
  log_daemon_conf(kLog, *conf);
  return run_daemon_loop([&](uv_loop_t* loop, bool& loop_reusable) {
    WorkerDaemon d(loop, spec->masters, conf->get_time_ms("spark.sparkpp.helloTimeout"), *auth);
    d.set_network_timeout(conf->get_time_ms("spark.network.timeout"));
    d.set_tls(*tls);
    d.set_http_limits(http::limits_from_conf(*conf));
    int rc = d.run(args, cfg);
    loop_reusable = d.loop_reusable();
    return rc;
  });
}

}  // namespace spp
