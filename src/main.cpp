// sparkpp: one executable, four roles. Parses the command line (CLI11) and hands off.
#include <CLI/CLI.hpp>

#include <malloc.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>

#include "common/auth.h"
#include "common/log.h"
#include "common/malloc_tuning.h"
#include "common/util.h"
#include "daemon/http_guard.h"
#include "ui/history.h"
#include "driver/submit.h"
#include "executor/executor.h"
#include "master/master.h"
#include "worker/worker.h"

namespace {
// A driver holds a job's result batches (toPandas: 360 MB of 150 KB frames) and createDataFrame's
// partitions until they are used: under glibc's default threshold each such block was an mmap of
// its own, faulted in 4 KiB at a time and unmapped after. From the heap they are on huge pages
// (docs/architecture.md "Memory of the data-plane processes"); freed tops are still trimmed.
void driver_malloc() { mallopt(M_MMAP_THRESHOLD, 32 << 20); }
}  // namespace

int main(int argc, char** argv) {
  // The processes that move data run with glibc's heap on transparent huge pages (first, while
  // the environment is whole: the secret below leaves it). Children inherit the setting.
  // (A worker daemon too, so the executors it starts need no exec of their own.)
  if (argc > 1 && (std::strcmp(argv[1], "submit") == 0 || std::strcmp(argv[1], "driver") == 0 ||
                   std::strcmp(argv[1], "executor") == 0 || std::strcmp(argv[1], "worker") == 0))
    spp::reexec_with_huge_pages(argv);
  spp::auth::capture_env_secret();  // no child process inherits $SPARKPP_SECRET
  // Daemons hold a connection per peer, drivers per executor: the soft limit (often 1024) is
  // raised to the hard one, as the JVM does, so peers cannot exhaust descriptors that cheaply.
  if (rlimit rl{}; ::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
  CLI::App app{"sparkpp: Apache Spark's standalone cluster in C++, running PySpark programs", "sparkpp"};
  app.set_version_flag("--version", std::string("sparkpp ") + SPARKPP_VERSION);
  app.require_subcommand(1);

  spp::MasterArgs margs;
  auto* master = app.add_subcommand("master", "Run the cluster manager (allocates cores and memory to applications)");
  master->set_help_flag("--help", "Show this help");
  master->add_option("--host,-h", margs.host, "Address to listen on and advertise")->capture_default_str();
  master->add_option("--port,-p", margs.port, "Port for workers and drivers (0: pick a free one)")->capture_default_str();
  master->add_option("--webui-port", margs.webui_port, "Port for the web UI and /json (0: pick a free one)")->capture_default_str();
  master->add_option("--properties-file", margs.properties_file, "Properties file (key value per line)");
  master->add_option("--conf,-c", margs.conf, "Set a property key=value (repeatable)")->allow_extra_args(false);
  bool m_insecure = false, w_insecure = false, s_insecure = false;
  const char* insecure_help = "Allow a non-loopback address with authentication off (same as --conf spark.authenticate=false)";
  master->add_flag("--insecure", m_insecure, insecure_help);

  spp::WorkerArgs wargs;
  auto* worker = app.add_subcommand("worker", "Run a worker daemon that hosts executors for the master");
  worker->set_help_flag("--help", "Show this help");
  worker->add_option("--host,-h", wargs.host, "Address to listen on and advertise");
  worker->add_option("--port,-p", wargs.port, "Port (0: pick a free one)")->capture_default_str();
  worker->add_option("--cores,-c", wargs.cores, "Cores to offer (default: all)");
  worker->add_option("--memory,-m", wargs.memory, "Memory to offer, e.g. 4g (default: total RAM minus 1 GiB)");
  worker->add_option("--work-dir,-d", wargs.work_dir, "Directory for executor dirs and logs")->capture_default_str();
  worker->add_option("--webui-port", wargs.webui_port, "Web UI port (0: pick a free one)")->capture_default_str();
  worker->add_option("--properties-file", wargs.properties_file, "Properties file (key value per line)");
  worker->add_option("--conf", wargs.conf, "Set a property key=value (repeatable)")->allow_extra_args(false);
  worker->add_flag("--insecure", w_insecure, insecure_help);
  worker->add_option("master", wargs.master_url, "Master URL, spark://HOST:PORT[,HOST2:PORT2]")->required();

  // spark-submit's flags, shared by `submit` and `pyspark`.
  auto submit_options = [&](CLI::App* cmd, spp::SubmitArgs& a, bool& insecure) {
    cmd->set_help_flag("--help,-h", "Show this help");
    cmd->add_option("--master", a.master, "local, local[N], local[*], local[N,F] or spark://HOST:PORT");
    cmd->add_option("--deploy-mode", a.deploy_mode, "client (the driver runs here, the default) or cluster (the master runs it on a worker)");
    cmd->add_option("--name", a.name, "Application name");
    cmd->add_option("--conf,-c", a.conf, "Set a property key=value (repeatable)")->allow_extra_args(false);
    cmd->add_option("--properties-file", a.properties_file,
                    "Properties file (default: sparkpp-defaults.conf or spark-defaults.conf in $SPARKPP_CONF_DIR, $SPARK_CONF_DIR or ./conf)");
    cmd->add_option("--driver-memory", a.driver_memory, "Memory for the driver, e.g. 1g (local mode: the executor's too)");
    cmd->add_option("--driver-cores", a.driver_cores, "Cores for the driver (spark.driver.cores)");
    cmd->add_option("--executor-memory", a.executor_memory, "Memory per executor, e.g. 1g");
    cmd->add_option("--executor-cores", a.executor_cores, "Cores per executor");
    cmd->add_option("--total-executor-cores", a.total_executor_cores, "Cores for the whole application (spark.cores.max)");
    cmd->add_option("--py-files", a.py_files, "Comma-separated .py/.zip/.egg files to ship to executors");
    cmd->add_option("--files", a.files, "Comma-separated files to place in each executor's working directory (SparkFiles.get)");
    cmd->add_option("--archives", a.archives, "Comma-separated archives (.zip, .tar.gz, ...) to unpack there; name#alias names the directory");
    cmd->add_option("--jars", a.jars, "(not supported: no JVM)");
    cmd->add_option("--packages", a.packages, "(not supported: no JVM)");
    cmd->add_flag("--verbose,-v", a.verbose, "Print the resolved configuration first");
    cmd->add_flag("--supervise", a.supervise, "Cluster deploy mode: restart the driver when it exits non-zero");
    cmd->add_flag("--insecure", insecure, insecure_help);
  };
  spp::SubmitArgs sargs;
  auto* submit = app.add_subcommand("submit", "Run a Python driver program (PySpark API) on local[N] or a cluster");
  submit_options(submit, sargs, s_insecure);
  submit->add_option("--kill", sargs.kill_id, "Kill the cluster-mode driver SUBMISSION_ID (with --master spark://...)");
  submit->add_option("--status", sargs.status_id, "Print the state of the cluster-mode driver SUBMISSION_ID (with --master spark://...)");
  submit->footer("Usage: sparkpp submit [OPTIONS] job.py [ARGS...]  (everything after job.py is passed to it)\n"
                 "       sparkpp submit --master spark://HOST:PORT --kill|--status SUBMISSION_ID");
  // Everything after the script belongs to the script, options included (spark-submit's rule).
  submit->prefix_command();

  spp::SubmitArgs pargs;
  bool p_insecure = false;
  auto* pyspark = app.add_subcommand("pyspark", "Interactive Python shell with `spark` and `sc` (IPython if installed)");
  submit_options(pyspark, pargs, p_insecure);

  spp::DriverLinkArgs dargs;
  auto* driver = app.add_subcommand(
      "driver", "(internal) Run the driver runtime for a Python process that created a SparkContext itself "
                "(plain python3, notebooks); started by the sparkpp Python package");
  driver->add_option("--conn-fd", dargs.conn_fd, "Descriptor to write {\"port\",\"secret\"} to")->required();
  driver->add_option("--parent-pid", dargs.parent_pid, "The Python process (exit when it is gone)");
  driver->add_option("--python", dargs.python, "The Python process's interpreter (default for workers)");
  driver->add_option("--properties-file", dargs.properties_file, "Properties file (default: see docs/configuration.md)");
  driver->add_option("--conf,-c", dargs.conf, "Set a property key=value (repeatable)")->allow_extra_args(false);

  spp::ExecutorArgs eargs;
  auto* executor = app.add_subcommand("executor", "(internal) Run an executor for a driver; started by workers or by submit");
  executor->add_option("--driver-url", eargs.driver_url, "host:port of the driver")->required();
  executor->add_option("--executor-id", eargs.executor_id, "Executor id")->required();
  executor->add_option("--app-id", eargs.app_id, "Application id")->required();
  executor->add_option("--cores", eargs.cores, "Task slots")->required();
  executor->add_option("--host", eargs.host, "Address to advertise");
  executor->add_option("--worker-id", eargs.worker_id, "Worker that launched it");
  executor->add_option("--memory-mb", eargs.memory_mb, "Memory budget");

  spp::HistoryArgs hargs;
  auto* history = app.add_subcommand("history", "Serve the web UI and REST API of finished applications from their event logs");
  history->set_help_flag("--help", "Show this help");
  history->add_option("--dir,-d", hargs.dir, "Event log directory (spark.eventLog.dir; default spark.history.fs.logDirectory)");
  history->add_option("--host,-h", hargs.host, "Address to listen on")->capture_default_str();
  history->add_option("--port,-p", hargs.port, "Port (0: pick a free one; default spark.history.ui.port, 18080)");
  history->add_option("--properties-file", hargs.properties_file, "Properties file (key value per line)");
  history->add_option("--conf,-c", hargs.conf, "Set a property key=value (repeatable), e.g. spark.ssl.historyServer.*")
      ->allow_extra_args(false);

  auto* secret = app.add_subcommand("secret", "Manage the shared secret of spark.authenticate");
  secret->set_help_flag("--help", "Show this help");
  secret->require_subcommand(1);
  auto* secret_new = secret->add_subcommand(
      "new", "Print a fresh 256-bit secret (hex). `sparkpp secret new > FILE` makes FILE owner-only (0600)");
  std::string ui_secret_file;
  auto* secret_ui = secret->add_subcommand(
      "ui", "Print the web UI credential derived from the secret (the password the master's kill endpoint asks for; "
            "the secret itself is never accepted over HTTP)");
  secret_ui->add_option("--file,-f", ui_secret_file, "Secret file (spark.authenticate.secret.file); default: $SPARKPP_SECRET");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  // The logging configuration file (conf/log.properties): levels for every role, and for the
  // daemons their own log file. Its root level reaches `submit`, the driver and executors as
  // $SPARKPP_LOG_LEVEL (which, when set, wins over the file for them).
  if (!*secret) {
    std::string log_conf = spp::default_log_config_file();
    if (!log_conf.empty()) {
      bool root_set = false;
      std::string err;
      const char* daemon = *master ? "master" : *worker ? "worker" : *history ? "history" : "";
      if (!spp::load_log_config(log_conf, daemon, &root_set, &err)) {
        std::fprintf(stderr, "sparkpp: error: %s\n", err.c_str());
        return 1;
      }
      if (root_set && !std::getenv("SPARKPP_LOG_LEVEL")) {
        static const char* names[] = {"DEBUG", "INFO", "WARN", "ERROR", "OFF"};
        ::setenv("SPARKPP_LOG_LEVEL", names[static_cast<int>(spp::log_level())], 1);
      }
    }
  }
  // --insecure is the explicit opt-out of authentication (auth::check_exposure), given last so it wins.
  if (m_insecure) margs.conf.push_back("spark.authenticate=false");
  if (w_insecure) wargs.conf.push_back("spark.authenticate=false");
  if (s_insecure) sargs.conf.push_back("spark.authenticate=false");
  if (*master) return spp::run_master(margs);
  if (*worker) return spp::run_worker(wargs);
  if (p_insecure) pargs.conf.push_back("spark.authenticate=false");
  if (*pyspark) return spp::run_pyspark_shell(pargs);
  if (*submit) {
    auto rest = submit->remaining();
    if (!sargs.kill_id.empty() || !sargs.status_id.empty()) {
      if (!sargs.kill_id.empty() && !sargs.status_id.empty()) {
        std::fprintf(stderr, "sparkpp submit: --kill and --status cannot be combined\n");
        return 1;
      }
      if (!rest.empty()) {
        std::fprintf(stderr, "sparkpp submit: --kill/--status take no Python program\n");
        return 1;
      }
      return spp::run_submission_request(sargs);
    }
    if (rest.empty()) {
      std::fprintf(stderr, "sparkpp submit: missing the Python program to run (sparkpp submit [OPTIONS] job.py [ARGS...])\n");
      return 1;
    }
    // prefix_command() hands an unknown option over as if it were the program.
    if (rest[0].size() > 1 && rest[0][0] == '-') {
      std::fprintf(stderr, "sparkpp submit: unknown option '%s' (see sparkpp submit --help)\n", rest[0].c_str());
      return 1;
    }
    sargs.script = rest[0];
    sargs.script_args.assign(rest.begin() + 1, rest.end());
    driver_malloc();
    return spp::run_submit(sargs);
  }
  if (*driver) {
    driver_malloc();
    return spp::run_driver_link(dargs);
  }
  if (*executor) {
    // Executors allocate and free megabyte-sized column buffers for every batch. glibc's defaults
    // (a fresh mmap per block >= 128 KiB, freed heap tops returned to the kernel) made each batch
    // page-fault its memory in anew: explode(split(...)).count() over 200 MB took 8.5 s, 0.9 s
    // with freed memory kept for reuse (what a JVM heap does too).
    // Nor are blocks of 32 MiB and more (a sort's key array, a big column) mmap'd and unmapped
    // one by one: they come from the heap too and are reused (glibc still maps when a thread
    // arena cannot grow). The executor trims what it keeps (task_runner.cpp).
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    return spp::run_executor(eargs);
  }
  if (*history) return spp::run_history(hargs);
  if (*secret_ui) {
    spp::Conf conf;
    conf.set("spark.authenticate", "true");
    if (!ui_secret_file.empty()) conf.set("spark.authenticate.secret.file", ui_secret_file);
    auto pol = spp::auth::cluster_policy(conf);
    if (!pol) {
      std::fprintf(stderr, "sparkpp secret ui: %s\n", pol.error_message().c_str());
      return 1;
    }
    std::printf("%s\n", spp::ui_credential(pol->key).c_str());
    return 0;
  }
  if (*secret_new) {
    // Redirected to a file: make it owner-only before anything is written to it.
    struct stat st {};
    if (fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode) && fchmod(STDOUT_FILENO, 0600) != 0) {
      std::fprintf(stderr, "sparkpp secret new: cannot make the output file owner-only (chmod 0600)\n");
      return 1;
    }
    std::printf("%s\n", spp::random_hex(32).c_str());
    return 0;
  }
  return 1;
}
