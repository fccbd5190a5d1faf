// PythonPool: the daemon process and pooled worker connections.
#include "executor/python_pool.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "common/log.h"
#include "common/process.h"

namespace spp::executor {
static const char* kLog = "executor";

PythonPool::PythonPool(std::string python, std::map<std::string, std::string> env, std::string socket_dir, bool reuse,
                       const Clock& clock, int64_t idle_timeout_ms)
    : python_(std::move(python)), env_(std::move(env)), reuse_(reuse), clock_(clock), idle_timeout_ms_(idle_timeout_ms) {
  socket_path_ = socket_dir + "/pyworker-" + std::to_string(getpid()) + ".sock";
}

PythonPool::~PythonPool() { shutdown(); }

Status PythonPool::start() {
  std::lock_guard<std::mutex> g(start_mu_);
  return start_locked();
}

Status PythonPool::start_locked() {
  if (started_) return start_status_;
  started_ = true;
  // A Unix socket path must fit sockaddr_un (108 bytes with its NUL); a long spark.local.dir
  // would otherwise be truncated silently and the daemon would fail to start obscurely.
  if (socket_path_.size() >= sizeof(sockaddr_un{}.sun_path))
    return start_status_ = Status::error("the Python worker socket path " + socket_path_ + " is " +
                                         std::to_string(socket_path_.size()) + " bytes, over the " +
                                         std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) +
                                         "-byte limit of Unix sockets: set spark.local.dir to a shorter directory");
  ::unlink(socket_path_.c_str());
  int in_pipe[2], out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0)
    return start_status_ = Status::error(std::string("pipe failed: ") + std::strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::vector<std::string> args = {python_, "-m", "sparkpp.daemon", "--socket", socket_path_};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = merged_environment(env_);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawnp(&pid, python_.c_str(), &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  if (rc != 0) {
    ::close(in_pipe[1]);
    ::close(out_pipe[0]);
    return start_status_ = Status::error("cannot start Python '" + python_ + "': " + std::strerror(rc) +
                                         " (set SPARKPP_PYTHON or spark.pyspark.python)");
  }
  daemon_pid_ = pid;
  daemon_stdin_ = in_pipe[1];
  // Wait for "ready" (the daemon has imported everything and listens).
  std::string got;
  int out_fd = out_pipe[0];
  for (;;) {
    pollfd p{out_fd, POLLIN, 0};
    int prc = ::poll(&p, 1, 60000);
    if (prc <= 0) {
      ::close(out_fd);
      return start_status_ = Status::error("Python worker daemon did not start within 60 s");
    }
    char buf[256];
    ssize_t n = ::read(out_fd, buf, sizeof buf);
    if (n <= 0) {
      ::close(out_fd);
      int st = 0;
      waitpid(pid, &st, 0);
      daemon_pid_ = -1;
      return start_status_ = Status::error("Python worker daemon (" + python_ + " -m sparkpp.daemon) exited before it was ready (exit status " +
                                           std::to_string(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st)) +
                                           "); its error is in the executor's stderr. Does this Python have cloudpickle?");
    }
    got.append(buf, static_cast<size_t>(n));
    size_t nl = got.find('\n');
    if (nl != std::string::npos) {
      std::string rest = got.substr(nl + 1);
      if (!rest.empty()) { ssize_t w = ::write(1, rest.data(), rest.size()); (void)w; }
      break;
    }
  }
  // Whatever workers print to stdout later goes to the executor's stdout.
  std::thread([out_fd] {
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(out_fd, buf, sizeof buf);
      if (n <= 0) break;
      ssize_t w = ::write(1, buf, static_cast<size_t>(n));
      (void)w;
    }
    ::close(out_fd);
  }).detach();
  LOG_DEBUG(kLog, "Python worker daemon started (pid " << pid << ")");
  return start_status_ = Status::ok();
}

Result<std::unique_ptr<PythonWorker>> PythonPool::acquire(Preload preload) {
  using R = Result<std::unique_ptr<PythonWorker>>;
  {
    std::lock_guard<std::mutex> g(mu_);
    // Idle workers first: they exist only once the daemon has started (and tests hand the
    // pool scripted workers without any daemon).
    if (!idle_.empty()) {
      auto w = std::move(idle_.back());
      idle_.pop_back();
      return R(std::move(w));
    }
  }
  {
    std::lock_guard<std::mutex> g(start_mu_);
    Status st = start_locked();
    if (!st) return R::error(st.message());
    // Before connecting: the daemon reads its stdin before accepting, so this worker is forked
    // after the import. pandas implies sql (its UDF evaluator imports the SQL side).
    bool* asked = preload == Preload::pandas ? &pandas_asked_ : preload == Preload::sql ? &sql_asked_ : nullptr;
    if (asked && !*asked && daemon_stdin_ >= 0) {
      *asked = true;
      const char* hint = preload == Preload::pandas ? "pandas\n" : "sql\n";
      ssize_t w = ::write(daemon_stdin_, hint, std::strlen(hint));
      (void)w;
    }
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return R::error(std::string("socket failed: ") + std::strerror(errno));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path_.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::string e = std::strerror(errno);
    ::close(fd);
    return R::error("cannot reach the Python worker daemon at " + socket_path_ + ": " + e);
  }
  auto w = std::make_unique<PythonWorker>();
  {
    std::lock_guard<std::mutex> g(mu_);
    w->drops_seen = drops_.size();  // a new process holds nothing released before
  }
  w->ch = std::make_unique<BlockingChannel>(fd);
  msg::Hello h;
  h.role = "executor";
  auto ack = w->ch->hello(h, 60000);
  if (!ack) return R::error("Python worker handshake failed: " + ack.error_message());
  const auto* a = &ack.value();
  try {
    w->pid = std::stoi(a->name);
  } catch (...) {
    w->pid = 0;
  }
  return R(std::move(w));
}

void PythonPool::drop_func(int64_t id) {
  std::lock_guard<std::mutex> g(mu_);
  drops_.emplace_back(true, id);
}

void PythonPool::drop_broadcast(int64_t id) {
  std::lock_guard<std::mutex> g(mu_);
  drops_.emplace_back(false, id);
}

void PythonPool::take_drops(PythonWorker& w, std::vector<int64_t>& funcs, std::vector<int64_t>& broadcasts) {
  std::lock_guard<std::mutex> g(mu_);
  for (; w.drops_seen < drops_.size(); ++w.drops_seen) {
    const auto& [is_func, id] = drops_[w.drops_seen];
    if (!is_func) broadcasts.push_back(id);
    else if (w.funcs.erase(id)) funcs.push_back(id);
  }
}

void PythonPool::release(std::unique_ptr<PythonWorker> w, bool reusable) {
  if (!w) return;
  if (reusable && reuse_) {
    w->idle_since_ms = clock_.now_ms();
    std::lock_guard<std::mutex> g(mu_);
    idle_.push_back(std::move(w));
    return;
  }
  if (w->pid > 0 && !reusable) ::kill(w->pid, SIGKILL);
  w->ch->close();
}

int PythonPool::reap_idle() {
  if (idle_timeout_ms_ <= 0) return 0;
  std::vector<std::unique_ptr<PythonWorker>> expired;
  {
    std::lock_guard<std::mutex> g(mu_);
    int64_t now = clock_.now_ms();
    std::vector<std::unique_ptr<PythonWorker>> keep;
    for (auto& w : idle_) (now - w->idle_since_ms > idle_timeout_ms_ ? expired : keep).push_back(std::move(w));
    idle_ = std::move(keep);
  }
  // Outside the lock: a worker reads EOF, returns from serve() and exits; its parent, the
  // daemon, reaps it on SIGCHLD. The executor cannot waitpid() a grandchild, and a signal by
  // pid could hit a reused pid once the daemon has reaped it.
  for (auto& w : expired) {
    LOG_DEBUG(kLog, "stopping Python worker " << w->pid << ", idle for " << clock_.now_ms() - w->idle_since_ms << " ms");
    w->ch->close();
  }
  return static_cast<int>(expired.size());
}

int64_t PythonPool::reap_interval_ms() const {
  if (idle_timeout_ms_ <= 0) return 0;
  return std::clamp<int64_t>(idle_timeout_ms_ / 2, 100, 10000);
}

size_t PythonPool::idle_count() {
  std::lock_guard<std::mutex> g(mu_);
  return idle_.size();
}

void PythonPool::shutdown() {
  {
    std::lock_guard<std::mutex> g(mu_);
    idle_.clear();
  }
  std::lock_guard<std::mutex> g(start_mu_);
  if (daemon_stdin_ >= 0) {
    ::close(daemon_stdin_);
    daemon_stdin_ = -1;
  }
  if (daemon_pid_ > 0) {
    // The daemon leads its own process group with its workers: end them all.
    ::kill(-daemon_pid_, SIGKILL);
    int st;
    waitpid(daemon_pid_, &st, 0);
    daemon_pid_ = -1;
  }
  ::unlink(socket_path_.c_str());
}

}  // namespace spp::executor
