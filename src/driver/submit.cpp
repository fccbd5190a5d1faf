// `sparkpp submit`: validates the command line, starts the driver runtime and runs the Python
// program against it; exits with the program's exit code.
#include "driver/submit.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/config.h"
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
}  // namespace

int run_submit(const SubmitArgs& a) {
  // --- configuration: properties file < --conf < dedicated flags (Spark's precedence)
  Conf conf;
  std::string props = a.properties_file;
  if (props.empty() && fs::exists("conf/sparkpp-defaults.conf")) props = "conf/sparkpp-defaults.conf";
  if (!props.empty()) {
    Status st = conf.load_properties_file(props);
    if (!st) return fail(st.message());
  }
  for (const auto& kv : a.conf) {
    Status st = conf.set_from_arg(kv);
    if (!st) return fail(st.message());
  }
  if (!a.master.empty()) conf.set("spark.master", a.master);
  if (!conf.contains("spark.master")) conf.set("spark.master", "local[*]");
  if (!a.name.empty()) conf.set("spark.app.name", a.name);
  if (!a.executor_memory.empty()) conf.set("spark.executor.memory", a.executor_memory);
  if (a.executor_cores > 0) conf.set("spark.executor.cores", std::to_string(a.executor_cores));
  if (a.total_executor_cores > 0) conf.set("spark.cores.max", std::to_string(a.total_executor_cores));
  if (!a.py_files.empty()) conf.set("spark.submit.pyFiles", a.py_files);
  Status st = conf.validate();
  if (!st) return fail(st.message());
  auto spec = parse_master_url(conf.get("spark.master"));
  if (!spec) return fail(spec.error_message());
  if (!fs::is_regular_file(a.script)) return fail("cannot find the Python program '" + a.script + "'");
  if (!conf.contains("spark.app.name")) conf.set("spark.app.name", fs::path(a.script).filename().string());
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
  std::string exec_python = first_env({"SPARKPP_PYTHON"});
  if (exec_python.empty()) exec_python = conf.get("spark.pyspark.python");
  if (exec_python.empty()) exec_python = first_env({"PYSPARK_PYTHON"});
  if (exec_python.empty()) exec_python = driver_python;
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

}  // namespace spp
