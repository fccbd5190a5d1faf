// Child processes on the libuv loop (executors under a worker, the Python driver script and
// local executors under `submit`). The exit callback runs on the loop thread; the child is
// reaped by libuv, so no zombies.
#pragma once
#include <uv.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace spp {

struct SpawnOptions {
  std::vector<std::string> args;             // args[0] is the program
  std::map<std::string, std::string> env;    // added to / overriding this process's environment
  std::string cwd;                           // empty: inherit
  std::string stdout_path, stderr_path;      // append output to these files (empty: inherit)
  bool new_process_group = false;            // kill() then signals the whole group
  bool stdin_devnull = false;                // else inherit
};

class ChildProcess {
 public:
  using ExitFn = std::function<void(int64_t exit_status, int term_signal)>;
  static Result<std::unique_ptr<ChildProcess>> spawn(uv_loop_t* loop, const SpawnOptions& opts, ExitFn on_exit);
  ~ChildProcess();
  int pid() const { return pid_; }
  bool running() const { return running_; }
  // Signals the child (its whole group if new_process_group). Safe after exit (no-op).
  void kill(int sig);
 private:
  ChildProcess() = default;
  uv_process_t* proc_ = nullptr;
  int pid_ = 0;
  bool running_ = false;
  bool group_ = false;
  ExitFn on_exit_;
};

// The environment of this process plus `extra`, as KEY=VALUE strings.
std::vector<std::string> merged_environment(const std::map<std::string, std::string>& extra);

}  // namespace spp
