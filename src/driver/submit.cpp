// `sparkpp submit`: validates the command line, starts the driver runtime and runs the Python
// program against it; exits with the program's exit code. `sparkpp driver`: the same runtime
// started by a Python process itself (plain python3, notebooks), serving its link.
#include "driver/submit.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <cstdio>
#include <cstring>
#include <tuple>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>

#include <nlohmann/json.hpp>

#include "common/malloc_tuning.h"
#include "common/auth.h"
#include "common/config.h"
#include "common/messages.h"
#include "common/net.h"
#include "common/states.h"
#include "common/log.h"
#include "common/master_url.h"
#include "common/process.h"
#include "common/util.h"
#include "driver/driver.h"

namespace spp {
namespace fs = std::filesystem;

namespace {
int fail(const std::string& msg) {
  std::fprintf(stderr, "sparkpp submit: %s\n", msg.c_str());
  return 1;
}

bool find_in_path(const std::string& prog) {
  if (prog.find('/') != std::string::npos) return ::access(prog.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  for (const auto& dir : split(path ? path : "/usr/bin:/bin", ':'))
    if (!dir.empty() && ::access((dir + "/" + prog).c_str(), X_OK) == 0) return true;
  return false;
}

std::string first_env(std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (const char* v = std::getenv(n); v && *v) return v;
  return "";
}

// Properties file < --conf (the dedicated flags come after, as in Spark).
Status load_conf(Conf& conf, const std::string& properties_file, const std::vector<std::string>& kvs) {
  std::string props = properties_file.empty() ? default_properties_file() : properties_file;
  if (!props.empty())
    if (Status st = conf.load_properties_file(props); !st) return st;
  for (const auto& kv : kvs)
    if (Status st = conf.set_from_arg(kv); !st) return st;
  return Status::ok();
}

// Workers' Python: SPARKPP_PYTHON, spark.pyspark.python, PYSPARK_PYTHON, else the driver's.
std::string executor_python(const Conf& conf, const std::string& driver_python) {
  std::string py = first_env({"SPARKPP_PYTHON"});
  if (py.empty()) py = conf.get("spark.pyspark.python");
  if (py.empty()) py = first_env({"PYSPARK_PYTHON"});
  return py.empty() ? driver_python : py;
}
}  // namespace

// --files / --archives entries: absolute paths (an archive keeps its `#alias`), which must exist.
Result<std::string> file_list(const std::string& flag, const std::string& list, bool alias) {
  std::string out;
  for (const auto& entry : split(list, ',')) {
    if (entry.empty()) continue;
    size_t hash = alias ? entry.rfind('#') : std::string::npos;
    std::string path = hash == std::string::npos ? entry : entry.substr(0, hash);
    if (path.rfind("file:", 0) == 0) path = path.substr(path.rfind("file://", 0) == 0 ? 7 : 5);
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return Result<std::string>::error("cannot find " + flag + " entry '" + path + "'");
    out += (out.empty() ? "" : ",") + fs::absolute(path).lexically_normal().string() +
           (hash == std::string::npos ? "" : entry.substr(hash));
  }
  return out;
}

// Properties file < --conf < dedicated flags (Spark's precedence); validated.
Status resolve_conf(const SubmitArgs& a, Conf& conf) {
  if (!a.jars.empty() || !a.packages.empty())
    return Status::error(std::string(a.jars.empty() ? "--packages" : "--jars") +
                         " is not supported: sparkpp runs no JVM, so there are no jars to load (use --py-files for Python code)");
  if (Status st = load_conf(conf, a.properties_file, a.conf); !st) return st;
  if (!a.master.empty()) conf.set("spark.master", a.master);
  if (!conf.contains("spark.master")) conf.set("spark.master", "local[*]");
  if (!a.deploy_mode.empty()) conf.set("spark.submit.deployMode", a.deploy_mode);
  if (!a.name.empty()) conf.set("spark.app.name", a.name);
  if (!a.executor_memory.empty()) conf.set("spark.executor.memory", a.executor_memory);
  if (a.executor_cores > 0) conf.set("spark.executor.cores", std::to_string(a.executor_cores));
  if (a.total_executor_cores > 0) conf.set("spark.cores.max", std::to_string(a.total_executor_cores));
  if (!a.driver_memory.empty()) conf.set("spark.driver.memory", a.driver_memory);
  if (a.driver_cores > 0) conf.set("spark.driver.cores", std::to_string(a.driver_cores));
  if (!a.py_files.empty()) conf.set("spark.submit.pyFiles", a.py_files);
  for (auto [flag, key, list, alias] : {std::tuple{"--files", "spark.files", &a.files, false},
                                        std::tuple{"--archives", "spark.archives", &a.archives, true}}) {
    if (list->empty()) continue;
    auto abs = file_list(flag, *list, alias);
    if (!abs) return abs.status();
    // As spark-submit: the flag's files join those of the properties file and --conf.
    std::string prev = conf.get(key);
    conf.set(key, prev.empty() ? abs.value() : prev + "," + abs.value());
  }
  if (a.supervise) conf.set("spark.driver.supervise", "true");
  if (Status st = conf.validate(); !st) return st;
  const std::string mode = conf.get("spark.submit.deployMode", "client");
  if (mode != "client" && mode != "cluster") return Status::error("--deploy-mode must be client or cluster, not '" + mode + "'");
  auto spec = parse_master_url(conf.get("spark.master"));
  if (!spec) return spec.status();
  if (mode == "cluster" && spec->local)  // spark-submit's words
    return Status::error("Cluster deploy mode is not compatible with master \"" + conf.get("spark.master") + "\"");
  if (a.supervise && mode != "cluster") return Status::error("--supervise only applies to --deploy-mode cluster");
  return Status::ok();
}

namespace {
// One question to the master as a submission client (role cli): connects to each master of
// the spark://h1:p1,h2:p2 list in turn until one (the leader) answers with a Resp.
template <typename Resp, typename Req>
Result<Resp> ask_master(const Conf& conf, const Req& req, std::vector<std::string> blobs) {
  auto spec = parse_master_url(conf.get("spark.master"));
  if (!spec || spec->local) return Result<Resp>::error("--master must be spark://HOST:PORT for this");
  auto pol = auth::cluster_policy(conf);
  if (!pol) return pol.status();
  // Callbacks may outlive an attempt (a connect still in flight at the deadline): they share
  // this state, never the stack.
  struct State {
    std::optional<Resp> answer;
    std::string last_error = "no master answered";
    bool done = false;
    Connection* conn = nullptr;
  };
  auto st = std::make_shared<State>();
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    Timer deadline(&loop);
    for (const auto& [host, port] : spec->masters) {
      if (st->answer) break;
      st->done = false;
      st->conn = nullptr;
      ConnectionOptions o;
      o.my_role = "cli";
      o.my_name = "submit";
      o.auth = [p = *pol] { return p; };
      o.hello_timeout_ms = conf.get_time_ms("spark.sparkpp.helloTimeout");
      o.log_component = "submit";
      std::string where = host + ":" + std::to_string(port);
      o.on_ready = [st, req, blobs](Connection& c) { c.send(req, std::vector<std::string>(blobs)); };
      o.on_message = [st, where](Connection& c, msg::Envelope&& env) {
        if (auto* r = env.as<Resp>()) st->answer = *r;
        else if (env.as<msg::MasterInStandby>()) st->last_error = "the master at " + where + " is a standby";
        else st->last_error = "unexpected " + env.op + " from the master at " + where;
        c.close("answered");
      };
      o.on_close = [st, where](Connection& c, const std::string& why) {
        if (!st->answer && why != "answered") st->last_error = "the master at " + where + ": " + why;
        if (st->conn == &c) st->conn = nullptr;
        st->done = true;
      };
      connect_to(&loop, host, port, o, [st, where](Result<Connection*> r) {
        if (r) {
          if (st->done) r.value()->close("superseded");  // the attempt timed out meanwhile
          else st->conn = r.value();
        } else if (!st->done) {
          st->last_error = "cannot connect to the master at " + where + ": " + r.error_message();
          st->done = true;
        }
      });
      deadline.start(conf.get_time_ms("spark.network.timeout"), 0, [st, where] {
        st->last_error = "no answer from the master at " + where;
        if (st->conn) st->conn->close("timeout");
        else st->done = true;
      });
      while (!st->done && uv_run(&loop, UV_RUN_ONCE) != 0) {
      }
      deadline.stop();
    }
  }
  close_all_handles(&loop);
  uv_loop_close(&loop);
  if (st->answer) return *st->answer;
  return Result<Resp>::error(st->last_error);
}

// Spark's legacy standalone Client: the submission, then the driver's state once it left
// SUBMITTED (and, with spark.standalone.submit.waitAppCompletion, once it ended).
int run_cluster_submit(const SubmitArgs& a, Conf conf) {
  constexpr size_t kMaxShipped = 15u << 20;  // per file: one frame each, under the master's 16 MiB
  msg::DriverDescription d;
  d.name = conf.get("spark.app.name");
  d.args = a.script_args;
  d.supervise = conf.get_bool("spark.driver.supervise");
  d.cores = static_cast<int>(conf.get_int("spark.driver.cores"));
  d.memory_mb = std::max<int64_t>(1, conf.get_bytes("spark.driver.memory") / (1024 * 1024));
  if (const char* u = std::getenv("USER")) d.user = u;
  std::vector<std::string> blobs;
  // Each file is shipped with the submission and named by its base name in the driver's dir.
  auto ship = [&](const std::string& entry, const std::string& what) -> Result<std::string> {
    std::string path = entry;
    if (path.rfind("file:", 0) == 0) path = path.substr(path.rfind("file://", 0) == 0 ? 7 : 5);
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return Result<std::string>::error("cannot find " + what + " '" + path + "'");
    std::string name = fs::path(path).filename().string();
    if (std::find(d.files.begin(), d.files.end(), name) != d.files.end())
      return Result<std::string>::error("two files named '" + name + "' cannot both be shipped to the driver");
    auto size = fs::file_size(path, ec);
    if (ec || size > kMaxShipped)
      return Result<std::string>::error(what + " '" + path + "' is too large to ship with the submission (at most 15 MiB per file)");
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in && !in.eof()) return Result<std::string>::error("cannot read " + what + " '" + path + "'");
    d.files.push_back(name);
    blobs.push_back(std::move(bytes));
    return name;
  };
  if (auto r = ship(a.script, "the Python program"); !r) return fail(r.error_message());
  for (auto [key, what, alias] : {std::tuple{"spark.submit.pyFiles", "--py-files entry", false},
                                  std::tuple{"spark.files", "--files entry", false},
                                  std::tuple{"spark.archives", "--archives entry", true}}) {
    std::string out;
    for (const auto& entry : split(conf.get(key), ',')) {
      if (entry.empty()) continue;
      size_t hash = alias ? entry.rfind('#') : std::string::npos;
      auto name = ship(hash == std::string::npos ? entry : entry.substr(0, hash), what);
      if (!name) return fail(name.error_message());
      out += (out.empty() ? "" : ",") + name.value() + (hash == std::string::npos ? "" : entry.substr(hash));
    }
    if (!out.empty()) conf.set(key, out);
  }
  // The cluster secret never travels: the worker gives its own to the driver.
  for (const auto& [k, v] : conf.values())
    if (!is_secret_key(k) && k != "spark.authenticate.secret.file") d.conf[k] = v;

  auto sub = ask_master<msg::SubmitDriverResponse>(conf, msg::RequestSubmitDriver{d}, std::move(blobs));
  if (!sub) return fail(sub.error_message());
  std::fprintf(stderr, "%s\n", sub->message.c_str());
  if (!sub->success) return 1;
  const std::string id = sub->driver_id;
  const bool wait = conf.get_bool("spark.standalone.submit.waitAppCompletion");
  // Spark polls once after 5 s; we poll until the driver left SUBMITTED (up to that long).
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::fprintf(stderr, "... polling master for driver state\n");
  for (;;) {
    auto st = ask_master<msg::DriverStatusResponse>(conf, msg::RequestDriverStatus{id}, {});
    if (!st) return fail(st.error_message());
    if (!st->found) {
      std::fprintf(stderr, "ERROR: Cluster master did not recognize %s\n", id.c_str());
      return 1;
    }
    DriverState state = DriverState::kUnknown;
    parse_driver_state(st->state, state);
    bool settled = state != DriverState::kSubmitted || std::chrono::steady_clock::now() >= until;
    if (settled && !wait) {
      std::fprintf(stderr, "State of %s is %s\n", id.c_str(), st->state.c_str());
      if (state == DriverState::kRunning && !st->worker_id.empty())
        std::fprintf(stderr, "Driver running on %s (%s)\n", st->worker_host_port.c_str(), st->worker_id.c_str());
      if (!st->message.empty() && (state == DriverState::kError || state == DriverState::kFailed))
        std::fprintf(stderr, "Exception from cluster was: %s\n", st->message.c_str());
      return state == DriverState::kError ? 1 : 0;
    }
    if (wait && is_finished(state)) {
      std::fprintf(stderr, "State of driver %s is %s, exiting spark-submit.\n", id.c_str(), st->state.c_str());
      if (!st->message.empty()) std::fprintf(stderr, "Exception from cluster was: %s\n", st->message.c_str());
      return state == DriverState::kFinished ? 0 : 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(wait && settled ? 1000 : 200));
  }
}
}  // namespace

int run_submission_request(const SubmitArgs& a) {
  Conf conf;
  if (Status st = load_conf(conf, a.properties_file, a.conf); !st) return fail(st.message());
  if (!a.master.empty()) conf.set("spark.master", a.master);
  if (Status st = conf.validate(); !st) return fail(st.message());
  auto spec = parse_master_url(conf.get("spark.master"));
  if (!spec || spec->local)  // spark-submit: "Requests to kill/request status ... only supported in standalone"
    return fail(std::string(a.kill_id.empty() ? "--status" : "--kill") + " needs --master spark://HOST:PORT (the master the driver was submitted to)");
  nlohmann::ordered_json out;
  bool ok = false;
  if (!a.kill_id.empty()) {
    std::fprintf(stderr, "Submitting a request to kill submission %s in %s.\n", a.kill_id.c_str(), conf.get("spark.master").c_str());
    auto r = ask_master<msg::KillDriverResponse>(conf, msg::RequestKillDriver{a.kill_id}, {});
    if (!r) return fail(r.error_message());
    ok = r->success;
    out = {{"action", "KillSubmissionResponse"}, {"message", r->message}, {"serverSparkVersion", SPARKPP_VERSION},
           {"submissionId", a.kill_id}, {"success", r->success}};
  } else {
    std::fprintf(stderr, "Submitting a request for the status of submission %s in %s.\n", a.status_id.c_str(), conf.get("spark.master").c_str());
    auto r = ask_master<msg::DriverStatusResponse>(conf, msg::RequestDriverStatus{a.status_id}, {});
    if (!r) return fail(r.error_message());
    ok = r->found;
    out = {{"action", "SubmissionStatusResponse"}};
    if (r->found) out["driverState"] = r->state;
    if (!r->message.empty()) out["message"] = r->message;
    out["serverSparkVersion"] = SPARKPP_VERSION;
    out["submissionId"] = a.status_id;
    out["success"] = r->found;
    if (!r->worker_host_port.empty()) out["workerHostPort"] = r->worker_host_port;
    if (!r->worker_id.empty()) out["workerId"] = r->worker_id;
  }
  std::printf("%s\n", out.dump(2).c_str());
  return ok ? 0 : 1;
}

// --verbose: what spark-submit prints (to stderr) before running.
void print_verbose(const SubmitArgs& a, const Conf& conf) {
  std::string props = a.properties_file.empty() ? default_properties_file() : a.properties_file;
  auto or_null = [](const std::string& v) { return v.empty() ? std::string("null") : v; };
  // Spark prints null for what nobody set (not the setting's default).
  auto set_or_null = [&](const char* key) { return conf.contains(key) ? or_null(conf.get(key)) : std::string("null"); };
  std::fprintf(stderr, "Using properties file: %s\n", or_null(props).c_str());
  std::string child;
  for (const auto& x : a.script_args) child += (child.empty() ? "" : " ") + x;
  const std::pair<const char*, std::string> rows[] = {
      {"master", conf.get("spark.master")},
      {"deployMode", set_or_null("spark.submit.deployMode")},
      {"executorMemory", set_or_null("spark.executor.memory")},
      {"executorCores", set_or_null("spark.executor.cores")},
      {"totalExecutorCores", set_or_null("spark.cores.max")},
      {"propertiesFile", or_null(props)},
      {"driverMemory", set_or_null("spark.driver.memory")},
      {"driverCores", set_or_null("spark.driver.cores")},
      {"pyFiles", set_or_null("spark.submit.pyFiles")},
      {"files", set_or_null("spark.files")},
      {"archives", set_or_null("spark.archives")},
      {"primaryResource", a.script.empty() ? "pyspark-shell" : "file:" + fs::absolute(a.script).string()},
      {"name", set_or_null("spark.app.name")},
      {"childArgs", "[" + child + "]"},
      {"verbose", "true"}};
  std::fprintf(stderr, "Parsed arguments:\n");
  for (const auto& [k, v] : rows) std::fprintf(stderr, "  %-24s%s\n", k, v.c_str());
  std::fprintf(stderr, "\nSpark properties used, including those specified through\n --conf and those from the properties file %s:\n",
               or_null(props).c_str());
  for (const auto& [k, v] : conf.values())
    std::fprintf(stderr, "  (%s,%s)\n", k.c_str(), is_secret_key(k) ? "*********(redacted)" : v.c_str());
  std::fprintf(stderr, "\n");
}

int run_submit(const SubmitArgs& a) {
  Conf conf;
  if (Status st = resolve_conf(a, conf); !st) return fail(st.message());
  if (!fs::is_regular_file(a.script)) return fail("cannot find the Python program '" + a.script + "'");
  if (!conf.contains("spark.app.name")) conf.set("spark.app.name", fs::path(a.script).filename().string());
  if (a.verbose) print_verbose(a, conf);
  if (conf.get("spark.submit.deployMode", "client") == "cluster") return run_cluster_submit(a, conf);
  std::vector<std::string> pyfiles;
  if (!a.py_files.empty()) {
    for (const auto& f : split(a.py_files, ',')) {
      if (f.empty()) continue;
      if (!fs::is_regular_file(f)) return fail("cannot find --py-files entry '" + f + "'");
      pyfiles.push_back(fs::absolute(f).string());
    }
  }
  if (const char* lvl = std::getenv("SPARKPP_LOG_LEVEL")) set_log_level(lvl);
  else set_log_level(LogLevel::kWarn);

  std::string driver_python = first_env({"SPARKPP_PYTHON"});
  if (driver_python.empty()) driver_python = conf.get("spark.pyspark.driver.python");
  if (driver_python.empty()) driver_python = conf.get("spark.pyspark.python");
  if (driver_python.empty()) driver_python = first_env({"PYSPARK_DRIVER_PYTHON", "PYSPARK_PYTHON"});
  if (driver_python.empty()) driver_python = "python3";
  std::string exec_python = executor_python(conf, driver_python);
  if (!find_in_path(driver_python)) return fail("cannot find the Python interpreter '" + driver_python + "' (set SPARKPP_PYTHON)");

  // --- the driver runtime
  uv_loop_t loop;
  uv_loop_init(&loop);
  // Ctrl-C / SIGTERM forwarders: they live as long as the loop, whose close walks them.
  uv_signal_t sigint, sigterm;
  signal(SIGPIPE, SIG_IGN);
  int exit_code = 1;
  {
    SystemClock clock;
    driver::Driver drv(&loop, conf, exec_python, clock);
    auto port = drv.start();
    if (!port) return fail(port.error_message());

    nlohmann::json jconf = nlohmann::json::object();
    for (const auto& [k, v] : conf.values()) jconf[k] = v;
    std::string pkg = python_package_dir();
    std::string pypath = pkg;
    for (const auto& f : pyfiles) pypath += ":" + (f.size() > 3 && f.substr(f.size() - 3) == ".py" ? fs::path(f).parent_path().string() : f);
    pypath += ":" + fs::absolute(a.script).parent_path().string();
    if (const char* old = std::getenv("PYTHONPATH"); old && *old) pypath += std::string(":") + old;

    SpawnOptions o;
    o.args = {driver_python, a.script};
    for (const auto& x : a.script_args) o.args.push_back(x);
    o.env["SPARKPP_DRIVER_PORT"] = std::to_string(port.value());
    o.env["SPARKPP_DRIVER_SECRET"] = drv.secret();
    o.env["SPARKPP_CONF"] = jconf.dump();
    o.env["SPARKPP_PY_FILES"] = [&] {
      std::string s;
      for (const auto& f : pyfiles) s += (s.empty() ? "" : ",") + f;
      return s;
    }();
    o.env["PYTHONPATH"] = pypath;
    python_child_env(o.env);
    o.env["PYTHONUNBUFFERED"] = "YES";
    if (!std::getenv("PYTHONHASHSEED")) o.env["PYTHONHASHSEED"] = "0";

    bool py_done = false;
    auto child = ChildProcess::spawn(&loop, o, [&](int64_t status, int sig) {
      exit_code = sig ? 128 + sig : static_cast<int>(status);
      py_done = true;
      drv.shutdown([&] { uv_stop(&loop); });
    });
    if (!child) return fail(child.error_message());

    // Ctrl-C / SIGTERM: pass it on to the Python program; its exit ends the run.
    uv_signal_init(&loop, &sigint);
    uv_signal_init(&loop, &sigterm);
    sigint.data = sigterm.data = child.value().get();
    auto fwd = [](uv_signal_t* h, int signum) { static_cast<ChildProcess*>(h->data)->kill(signum); };
    uv_signal_start(&sigint, fwd, SIGINT);
    uv_signal_start(&sigterm, fwd, SIGTERM);
    uv_unref(reinterpret_cast<uv_handle_t*>(&sigint));
    uv_unref(reinterpret_cast<uv_handle_t*>(&sigterm));

    uv_run(&loop, UV_RUN_DEFAULT);
    uv_signal_stop(&sigint);
    uv_signal_stop(&sigterm);
    (void)py_done;
  }
  close_all_handles(&loop);
  uv_loop_close(&loop);
  return exit_code;
}

int run_pyspark_shell(const SubmitArgs& a) {
  Conf conf;
  if (Status st = resolve_conf(a, conf); !st) {
    std::fprintf(stderr, "sparkpp pyspark: %s\n", st.message().c_str());
    return 1;
  }
  if (conf.get("spark.submit.deployMode", "client") == "cluster") {  // spark-submit's words
    std::fprintf(stderr, "sparkpp pyspark: Cluster deploy mode is not applicable to Spark shells.\n");
    return 1;
  }
  if (!conf.contains("spark.app.name")) conf.set("spark.app.name", "PySparkShell");
  if (a.verbose) print_verbose(a, conf);
  std::string python = first_env({"SPARKPP_PYTHON", "PYSPARK_DRIVER_PYTHON"});
  if (python.empty()) python = conf.get("spark.pyspark.driver.python");
  if (python.empty()) python = conf.get("spark.pyspark.python");
  if (python.empty()) python = first_env({"PYSPARK_PYTHON"});
  if (python.empty()) python = "python3";
  if (!find_in_path(python)) {
    std::fprintf(stderr, "sparkpp pyspark: cannot find the Python interpreter '%s' (set SPARKPP_PYTHON)\n", python.c_str());
    return 1;
  }
  nlohmann::json jconf = nlohmann::json::object();
  for (const auto& [k, v] : conf.values()) jconf[k] = v;
  std::string pypath = python_package_dir();
  for (const auto& f : split(conf.get("spark.submit.pyFiles"), ','))
    if (!f.empty()) pypath += ":" + fs::absolute(f).string();
  if (const char* old = std::getenv("PYTHONPATH"); old && *old) pypath += std::string(":") + old;
  ::setenv("SPARKPP_CONF", jconf.dump().c_str(), 1);  // the shell's SparkConf defaults
  ::setenv("PYTHONPATH", pypath.c_str(), 1);
  ::setenv("SPARKPP_BIN", self_exe().c_str(), 1);     // the runtime the shell starts: this binary
  ::unsetenv("SPARKPP_DRIVER_PORT");
  std::vector<std::string> args = {python};
  for (const auto& o : split(first_env({"PYSPARK_DRIVER_PYTHON_OPTS"}), ' '))
    if (!o.empty()) args.push_back(o);
  if (fs::path(python).filename().string().rfind("python", 0) == 0) {
    args.insert(args.end(), {"-m", "sparkpp.shell"});
  } else {
    // PYSPARK_DRIVER_PYTHON=ipython (jupyter ...): PySpark's bin/pyspark runs that program with
    // PYTHONSTARTUP set to its shell.py; ours defines spark and sc the same way.
    if (const char* old = std::getenv("PYTHONSTARTUP"); old && *old) ::setenv("SPARKPP_USER_PYTHONSTARTUP", old, 1);
    ::setenv("PYTHONSTARTUP", (python_package_dir() + "/sparkpp/shell_startup.py").c_str(), 1);
  }
  std::vector<char*> argv;
  for (auto& x : args) argv.push_back(x.data());
  argv.push_back(nullptr);
  ::execvp(argv[0], argv.data());
  std::fprintf(stderr, "sparkpp pyspark: cannot run %s: %s\n", python.c_str(), std::strerror(errno));
  return 1;
}

int run_driver_link(const DriverLinkArgs& a) {
  // Die with the Python process: SIGUSR1 when our parent goes (checked below: the signal also
  // comes when only the parent's thread that started us ends, which is no reason to stop).
  prctl(PR_SET_PDEATHSIG, SIGUSR1);
  if (a.parent_pid > 0 && getppid() != a.parent_pid) return 0;  // it died before prctl
  signal(SIGPIPE, SIG_IGN);
  signal(SIGINT, SIG_IGN);  // Ctrl-C belongs to the Python process (it cancels jobs)
  int conn_fd = a.conn_fd;
  auto report = [&conn_fd](const nlohmann::json& j) {
    if (conn_fd < 0) return;
    std::string line = j.dump() + "\n";
    for (size_t off = 0; off < line.size();) {
      ssize_t n = ::write(conn_fd, line.data() + off, line.size() - off);
      if (n <= 0 && errno != EINTR) break;
      if (n > 0) off += static_cast<size_t>(n);
    }
    ::close(conn_fd);
    conn_fd = -1;
  };
  auto fail_link = [&](const std::string& msg) {
    report({{"error", msg}});
    std::fprintf(stderr, "sparkpp driver: %s\n", msg.c_str());
    return 1;
  };
  if (conn_fd < 0 || ::fcntl(conn_fd, F_GETFD) < 0) return fail("--conn-fd must name an open descriptor");
  ::fcntl(conn_fd, F_SETFD, FD_CLOEXEC);  // no executor inherits it

  // Configuration: the defaults file and --conf; the Python program's SparkConf (sent with
  // PyCreateContext) wins over both, as code-set values do in PySpark.
  Conf conf;
  if (Status st = load_conf(conf, a.properties_file, a.conf); !st) return fail_link(st.message());
  if (!conf.contains("spark.master")) conf.set("spark.master", "local[*]");
  if (!conf.contains("spark.app.name")) conf.set("spark.app.name", "pyspark-shell");  // PySpark's
  if (Status st = conf.validate(); !st) return fail_link(st.message());
  if (auto spec = parse_master_url(conf.get("spark.master")); !spec) return fail_link(spec.error_message());
  if (const char* lvl = std::getenv("SPARKPP_LOG_LEVEL")) set_log_level(lvl);
  else set_log_level(LogLevel::kWarn);
  std::string exec_python = executor_python(conf, a.python.empty() ? "python3" : a.python);

  uv_loop_t loop;
  uv_loop_init(&loop);
  uv_signal_t sigterm, sigdeath;
  uv_pipe_t in;
  bool reading = false;
  {
    SystemClock clock;
    driver::Driver drv(&loop, conf, exec_python, clock);
    auto port = drv.start();
    if (!port) {
      close_all_handles(&loop);
      uv_loop_close(&loop);
      return fail_link(port.error_message());
    }
    report({{"port", port.value()}, {"secret", drv.secret()}});

    bool stopping = false;
    std::function<void()> stop = [&] {
      if (stopping) return;
      stopping = true;
      drv.shutdown([&] { uv_stop(&loop); });
    };
    // Our stdin is the parent's pipe: EOF when it closes it (sc.stop(), exit) or dies.
    if (uv_pipe_init(&loop, &in, 0) == 0 && uv_pipe_open(&in, 0) == 0) {
      in.data = &stop;
      reading = uv_read_start(
                    reinterpret_cast<uv_stream_t*>(&in),
                    [](uv_handle_t*, size_t, uv_buf_t* buf) {
                      static char scratch[256];
                      *buf = uv_buf_init(scratch, sizeof scratch);
                    },
                    [](uv_stream_t* s, ssize_t n, const uv_buf_t*) {
                      if (n < 0) (*static_cast<std::function<void()>*>(s->data))();
                    }) == 0;
    }
    uv_signal_init(&loop, &sigterm);
    uv_signal_init(&loop, &sigdeath);
    sigterm.data = sigdeath.data = &stop;
    uv_signal_start(&sigterm, [](uv_signal_t* h, int) { (*static_cast<std::function<void()>*>(h->data))(); }, SIGTERM);
    static int parent_pid;
    parent_pid = a.parent_pid;
    uv_signal_start(&sigdeath, [](uv_signal_t* h, int) {
      if (parent_pid <= 0 || getppid() != parent_pid) (*static_cast<std::function<void()>*>(h->data))();
    }, SIGUSR1);
    if (!reading && a.parent_pid > 0 && getppid() != a.parent_pid) stop();
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_signal_stop(&sigterm);
    uv_signal_stop(&sigdeath);
    if (reading) uv_read_stop(reinterpret_cast<uv_stream_t*>(&in));
  }
  close_all_handles(&loop);
  uv_loop_close(&loop);
  return 0;
}

}  // namespace spp
