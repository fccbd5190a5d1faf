// Python workers for one executor: a warm daemon (`python -m sparkpp.daemon`) forks a worker
// per connection on a Unix socket; workers are reused across tasks (spark.python.worker.reuse).
// Workers idle longer than spark.sparkpp.python.worker.idleTimeout are stopped (reap_idle, as
// Spark's PythonWorkerFactory does after 60 s); the daemon stays, so the next task forks a new one.
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

#include "common/clock.h"
#include "common/net.h"
#include "common/status.h"

namespace spp::executor {

// What a worker about to be acquired runs beyond RDD functions: the first acquire asking for
// more makes the daemon import it before its next fork (stdin hint), so workers forked from then
// on start with it loaded and RDD-only executors never pay for it.
enum class Preload { none, sql /* SQL Python UDFs: sparkpp.sql */, pandas /* pandas UDFs: + pandas */ };

struct PythonWorker {
  std::unique_ptr<BlockingChannel> ch;
  int pid = 0;
  std::set<int64_t> funcs;  // function ids this process already holds
  int64_t idle_since_ms = 0;  // Clock::now_ms() when it was last released to the pool
  size_t drops_seen = 0;      // entries of the pool's drop log already passed on
};

class PythonPool {
 public:
  // `clock` is borrowed and must outlive the pool. idle_timeout_ms <= 0: idle workers are kept.
  PythonPool(std::string python, std::map<std::string, std::string> env, std::string socket_dir, bool reuse,
             const Clock& clock, int64_t idle_timeout_ms);
  ~PythonPool();
  // Starts the daemon (blocking until it says ready). Safe to call from any thread; once. The
  // daemon dies when the *thread* that started it exits (PR_SET_PDEATHSIG): call it from a
  // thread that lives as long as the pool.
  Status start();
  // An idle worker, or a new one forked by the daemon (with `preload` imported, see Preload).
  Result<std::unique_ptr<PythonWorker>> acquire(Preload preload = Preload::none);
  void release(std::unique_ptr<PythonWorker> w, bool reusable);
  // Stops every pooled worker idle for longer than the idle timeout: its connection closes, so
  // the worker process exits and the daemon reaps it. Returns how many were stopped.
  int reap_idle();
  // How often the owner should call reap_idle(): half the timeout, within [100 ms, 10 s]
  // (Spark checks every 10 s for its 60 s timeout). 0 when reaping is off.
  int64_t reap_interval_ms() const;
  size_t idle_count();
  void shutdown();
  // ContextCleaner: a function (a forgotten RDD's) or broadcast every worker should drop; each
  // worker hears of it with its next task (take_drops fills that PwTask's drop lists).
  void drop_func(int64_t id);
  void drop_broadcast(int64_t id);
  void take_drops(PythonWorker& w, std::vector<int64_t>& funcs, std::vector<int64_t>& broadcasts);

 private:
  Status start_locked();
  std::string python_;
  std::map<std::string, std::string> env_;
  std::string socket_path_;
  bool reuse_;
  const Clock& clock_;
  int64_t idle_timeout_ms_;
  // start_mu_ guards the daemon (held while it starts, which takes a few hundred ms); mu_ the
  // idle list and drop log, so the executor's loop (reaper, drops) never waits for a start.
  std::mutex start_mu_;
  bool started_ = false;
  Status start_status_;
  pid_t daemon_pid_ = -1;
  int daemon_stdin_ = -1;
  bool sql_asked_ = false;     // "sql" written to the daemon's stdin
  bool pandas_asked_ = false;  // "pandas" written to the daemon's stdin
  std::mutex mu_;
  std::vector<std::unique_ptr<PythonWorker>> idle_;  // most recently released last (reused first)
  std::vector<std::pair<bool, int64_t>> drops_;  // (is a function, id), in order; workers keep an index
};

}  // namespace spp::executor
