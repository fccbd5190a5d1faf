// Python workers for one executor: a warm daemon (`python -m sparkpp.daemon`) forks a worker
// per connection on a Unix socket; workers are reused across tasks (spark.python.worker.reuse).
//
// Ownership: the pool owns the daemon and every idle worker; a task thread owns the worker it
// acquired until it releases it. The daemon dies with the executor (its stdin closes).
#pragma once
#include <sys/types.h>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/net.h"
#include "common/status.h"

namespace spp::executor {

struct PythonWorker {
  std::unique_ptr<BlockingChannel> ch;
  int pid = 0;
  std::set<int64_t> funcs;  // function ids this process already holds
};

class PythonPool {
 public:
  PythonPool(std::string python, std::map<std::string, std::string> env, std::string socket_dir, bool reuse);
  ~PythonPool();
  // Starts the daemon (blocking until it says ready). Safe to call from any thread; once.
  Status start();
  // An idle worker, or a new one forked by the daemon.
  Result<std::unique_ptr<PythonWorker>> acquire();
  void release(std::unique_ptr<PythonWorker> w, bool reusable);
  void shutdown();

 private:
  Status start_locked();
  std::string python_;
  std::map<std::string, std::string> env_;
  std::string socket_path_;
  bool reuse_;
  std::mutex mu_;
  bool started_ = false;
  Status start_status_;
  pid_t daemon_pid_ = -1;
  int daemon_stdin_ = -1;
  std::vector<std::unique_ptr<PythonWorker>> idle_;
};

}  // namespace spp::executor
