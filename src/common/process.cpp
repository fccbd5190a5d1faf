// ChildProcess via uv_spawn.
#include "common/process.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>

extern char** environ;

namespace spp {

std::vector<std::string> merged_environment(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> all;
  for (char** e = environ; e && *e; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (!eq) continue;
    all[std::string(*e, eq - *e)] = eq + 1;
  }
  for (const auto& [k, v] : extra) all[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : all) out.push_back(k + "=" + v);
  return out;
}

Result<std::unique_ptr<ChildProcess>> ChildProcess::spawn(uv_loop_t* loop, const SpawnOptions& o, ExitFn on_exit) {
  using R = Result<std::unique_ptr<ChildProcess>>;
  if (o.args.empty()) return R::error("no program to run");
  std::unique_ptr<ChildProcess> cp(new ChildProcess());
  cp->on_exit_ = std::move(on_exit);
  cp->group_ = o.new_process_group;

  std::vector<std::string> env = merged_environment(o.env);
  std::vector<char*> envp;
  for (auto& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = o.args;
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);

  int fds[3] = {-1, -1, -1};
  auto close_fds = [&] {
    for (int& fd : fds)
      if (fd >= 0) { ::close(fd); fd = -1; }
  };
  if (o.stdin_devnull) fds[0] = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (!o.stdout_path.empty()) {
    fds[1] = ::open(o.stdout_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);  // logs: owner + group
    if (fds[1] < 0) { close_fds(); return R::error("cannot open " + o.stdout_path + ": " + std::strerror(errno)); }
  }
  if (!o.stderr_path.empty()) {
    fds[2] = ::open(o.stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fds[2] < 0) { close_fds(); return R::error("cannot open " + o.stderr_path + ": " + std::strerror(errno)); }
  }
  uv_stdio_container_t stdio[3];
  for (int i = 0; i < 3; ++i) {
    if (fds[i] >= 0) {
      stdio[i].flags = UV_INHERIT_FD;
      stdio[i].data.fd = fds[i];
    } else {
      stdio[i].flags = UV_INHERIT_FD;
      stdio[i].data.fd = i;
    }
  }
  uv_process_options_t po{};
  po.file = argv[0];
  po.args = argv.data();
  po.env = envp.data();
  po.cwd = o.cwd.empty() ? nullptr : o.cwd.c_str();
  po.stdio_count = 3;
  po.stdio = stdio;
  po.flags = o.new_process_group ? UV_PROCESS_DETACHED : 0;
  po.exit_cb = [](uv_process_t* p, int64_t status, int sig) {
    auto* self = static_cast<ChildProcess*>(p->data);
    if (!self) return;
    self->running_ = false;
    if (self->on_exit_) {
      auto cb = self->on_exit_;
      cb(status, sig);  // may destroy `self`
    }
  };
  cp->proc_ = new uv_process_t;
  cp->proc_->data = cp.get();
  int rc = uv_spawn(loop, cp->proc_, &po);
  close_fds();
  if (rc != 0) {
    cp->proc_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(cp->proc_), [](uv_handle_t* h) { delete reinterpret_cast<uv_process_t*>(h); });
    cp->proc_ = nullptr;
    return R::error("cannot start " + o.args[0] + ": " + uv_strerror(rc));
  }
  cp->pid_ = cp->proc_->pid;
  cp->running_ = true;
  return R(std::move(cp));
}

ChildProcess::~ChildProcess() {
  if (!proc_) return;
  proc_->data = nullptr;
  // Keep the handle until the loop closes it; the child (if any) is still reaped by libuv.
  uv_close(reinterpret_cast<uv_handle_t*>(proc_), [](uv_handle_t* h) { delete reinterpret_cast<uv_process_t*>(h); });
}

void ChildProcess::kill(int sig) {
  if (!running_ || pid_ <= 0) return;
  if (group_) ::kill(-pid_, sig);
  else ::kill(pid_, sig);
}

}  // namespace spp
