// Entry point of `sparkpp submit`: the driver runtime that runs a Python program.
#pragma once
#include <string>
#include <vector>

namespace spp {

struct SubmitArgs {
  std::string master;  // empty: from conf, else local[*]
  std::string name;
  std::vector<std::string> conf;
  std::string properties_file;
  std::string executor_memory;
  int executor_cores = 0;
  int total_executor_cores = 0;
  std::string py_files;
  std::string files;     // --files: spark.files
  std::string archives;  // --archives: spark.archives (`path#alias`)
  std::string driver_memory;
  int driver_cores = 0;
  std::string deploy_mode;
  bool supervise = false;       // --supervise (cluster deploy mode): restart the driver on failure
  std::string kill_id, status_id;  // --kill / --status SUBMISSION_ID (cluster deploy mode)
  std::string jars, packages;  // rejected: no JVM here
  bool verbose = false;
  std::string script;
  std::vector<std::string> script_args;
};

int run_submit(const SubmitArgs& args);

// `sparkpp submit --kill ID` / `--status ID`: asks the master (--master spark://...) about a
// cluster-mode driver and prints the answer as JSON, shaped like Spark's REST submission
// server's KillSubmissionResponse / SubmissionStatusResponse. Exit 0 when it succeeded / was found.
int run_submission_request(const SubmitArgs& args);

// `sparkpp pyspark`: the interactive shell (python -m sparkpp.shell, IPython if importable) with
// `spark` and `sc`; the submit flags apply (passed on as SparkConf defaults, SPARKPP_CONF).
int run_pyspark_shell(const SubmitArgs& args);

// `sparkpp driver`: the driver runtime alone, started by a Python process that creates a
// SparkContext without `sparkpp submit` (plain python3, pytest, a notebook), as PySpark starts
// its JVM gateway. It writes {"port","secret"} (or {"error"}) as one JSON line to `conn_fd`, then
// serves that process's link until its stdin reaches EOF (the parent closed it or died), the
// parent dies (PR_SET_PDEATHSIG), or SIGTERM.
struct DriverLinkArgs {
  int conn_fd = -1;
  int parent_pid = 0;       // exit at once if our parent is no longer this process
  std::string python;       // the parent's interpreter: the default Python for workers
  std::string properties_file;
  std::vector<std::string> conf;
};

int run_driver_link(const DriverLinkArgs& args);

}  // namespace spp
