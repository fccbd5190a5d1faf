// `sparkpp executor`: connects to its driver, runs tasks on `cores` task threads through
// pooled Python workers, reports each task's end. Exits 0 on StopExecutor, 1 when the driver
// goes away (as Spark's "Driver disassociated").
#include "executor/executor.h"

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <thread>


#include "common/malloc_tuning.h"
#include "common/auth.h"
#include "common/config.h"
#include "common/log.h"
#include "common/net.h"
#include "common/util.h"
#include "executor/block_server.h"
#include "executor/block_manager.h"
#include "executor/map_output_store.h"
#include "executor/python_pool.h"
#include "executor/shuffle_format.h"
#include "executor/status_batch.h"
#include "executor/task_runner.h"
#include "executor/wake_signal.h"

namespace spp {
namespace fs = std::filesystem;
static const char* kLog = "executor";

namespace {

class ExecutorRuntime {
 public:
  ExecutorRuntime(uv_loop_t* loop, const ExecutorArgs& a) : loop_(loop), args_(a), poster_(loop) {}

  int run() {
    std::string host;
    int port;
    if (!parse_host_port(args_.driver_url, host, port)) {
      LOG_ERROR(kLog, "invalid --driver-url '" << args_.driver_url << "'");
      return 1;
    }
    // The application's key (auth.h) from our worker or local-mode driver: proven to the driver
    // and to other executors' block servers, required of fetchers. Kept from child processes.
    auth::Policy auth;
    if (const char* k = std::getenv(auth::kAppKeyEnv); k && *k) auth = auth::Policy{true, k};
    if (const char* e = std::getenv(auth::kAppCryptoEnv); auth.required && e && std::string(e) == "1") auth.encrypt = true;
    unsetenv(auth::kAppKeyEnv);
    unsetenv(auth::kAppCryptoEnv);
    executor::set_block_auth(auth);
    // The shuffle block server listens before we register, so data_port is known.
    blocks_ = std::make_unique<executor::BlockServer>(args_.executor_id);
    auto dp = blocks_->start(args_.host.empty() ? "0.0.0.0" : args_.host, 0);
    if (!dp) LOG_WARN(kLog, "no shuffle block server (" << dp.error_message() << "); other executors cannot fetch from this one");
    data_port_ = dp ? dp.value() : 0;
    ConnectionOptions o;
    o.my_role = "executor";
    o.my_name = args_.executor_id;
    o.max_frame = kDataMaxFrame;
    o.log_component = kLog;
    o.coalesce_writes = true;  // status updates posted together leave in one write
    o.auth = [auth] { return auth; };
    o.on_ready = [this](Connection& c) {
      msg::RegisterExecutor r;
      r.app_id = args_.app_id;
      r.exec_id = args_.executor_id;
      r.host = args_.host.empty() ? local_ip() : args_.host;
      r.cores = args_.cores;
      r.data_port = data_port_;
      r.pid = getpid();
      r.worker_id = args_.worker_id;
      r.log_dir = fs::current_path().string();
      for (const auto& [key, var] : {std::pair{"stdout", "SPARK_LOG_URL_STDOUT"}, std::pair{"stderr", "SPARK_LOG_URL_STDERR"}})
        if (const char* u = std::getenv(var); u && *u) r.log_urls[key] = u;
      c.send(r);
    };
    o.on_message = [this](Connection& c, msg::Envelope&& e) { on_message(c, std::move(e)); };
    o.on_close = [this](Connection&, const std::string& reason) {
      conn_ = nullptr;
      if (!stopping_) {
        LOG_ERROR(kLog, "Driver " << args_.driver_url << " disassociated (" << reason << "); shutting down");
        exit_code_ = 1;
      }
      stop();
    };
    connect_to(loop_, host, port, o, [this](Result<Connection*> r) {
      if (!r) {
        LOG_ERROR(kLog, r.error_message());
        exit_code_ = 1;
        stop();
        return;
      }
      conn_ = r.value();
    });
    uv_signal_init(loop_, &sigterm_);
    sigterm_.data = this;
    uv_signal_start(&sigterm_, [](uv_signal_t* h, int) {
      auto* self = static_cast<ExecutorRuntime*>(h->data);
      LOG_WARN(kLog, "received SIGTERM; shutting down");
      self->exit_code_ = 143;
      self->stop();
    }, SIGTERM);
    heartbeat_ = std::make_unique<Timer>(loop_);
    uv_run(loop_, UV_RUN_DEFAULT);
    join_threads();
    return exit_code_;
  }

 private:
  void on_message(Connection& c, msg::Envelope&& e) {
    if (auto* m = e.as<msg::RegisteredExecutor>()) return registered(*m);
    if (auto* m = e.as<msg::LaunchTask>()) return launch(std::move(*m), std::move(e.blobs));
    if (auto* m = e.as<msg::KillTask>()) return kill_task(m->task_id);
    if (auto* m = e.as<msg::AddPyFile>()) return add_py_file(m->name, e.blobs);
    if (auto* m = e.as<msg::AddFile>()) return add_file(*m, e.blobs);
    if (auto* m = e.as<msg::AddBroadcast>()) return add_broadcast(m->id, e.blobs);
    if (auto* m = e.as<msg::RemoveBroadcast>()) {
      std::error_code ec;
      fs::remove(broadcast_dir_ + "/broadcast_" + std::to_string(m->id), ec);
      if (pool_) pool_->drop_broadcast(m->id);  // workers forget their loaded copies too
      return;
    }
    if (auto* m = e.as<msg::RemoveRdd>()) {
      if (store_) store_->remove_rdd(m->rdd);
      funcs_.forget(m->rdd);  // a python RDD's function id is its id (never a SQL UDF's)
      if (pool_) pool_->drop_func(m->rdd);
      return;
    }
    if (auto* m = e.as<msg::RemoveShuffle>()) return remove_shuffle(m->shuffle_id);
    if (auto* m = e.as<msg::StoreBlock>()) return store_replica(*m, std::move(e.blobs));
    if (e.as<msg::StopExecutor>()) {
      stopping_ = true;
      exit_code_ = 0;
      return stop();
    }
    c.close("unexpected message " + e.op + " from the driver");
  }

  // The shuffle's RDD is gone from the driver program: its map output files here go
  // (shuffle_<id>_<map>_<task>.*, written by ShuffleSink).
  void remove_shuffle(int shuffle_id) {
    if (map_outputs_) map_outputs_->remove_shuffle(shuffle_id);
    const std::string prefix = "shuffle_" + std::to_string(shuffle_id) + "_";
    std::error_code ec;
    std::vector<fs::path> doomed;
    for (const auto& de : fs::directory_iterator(scratch_dir(), ec))
      if (de.path().filename().string().rfind(prefix, 0) == 0) doomed.push_back(de.path());
    for (const auto& p : doomed) fs::remove(p, ec);
  }

  void registered(const msg::RegisteredExecutor& m) {
    for (const auto& [k, v] : m.conf) conf_.set(k, v);
    // Fetch connections silent for spark.network.timeout are dropped by our block server.
    executor::set_block_idle_timeout(std::max<int64_t>(1000, conf_.get_time_ms("spark.network.timeout")));
    std::string python = conf_.get("spark.pyspark.python");
    if (const char* p = std::getenv("SPARKPP_PYTHON"); python.empty() && p && *p) python = p;
    if (python.empty()) python = "python3";
    pyfiles_dir_ = fs::absolute(scratch_dir() + "/pyfiles").string();
    std::error_code ec;
    fs::create_directories(pyfiles_dir_, ec);
    files_dir_ = fs::absolute(scratch_dir() + "/files").string();
    fs::create_directories(files_dir_, ec);
    python_ = python;
    std::map<std::string, std::string> env;
    env["SPARKPP_FILES_DIR"] = files_dir_;  // SparkFiles.getRootDirectory() in tasks
    // A build tree's compiled worker modules sit next to the binary (sql/_udf_eval.py: _fastudf).
    env["SPARKPP_PYEXT_DIR"] = fs::path(self_exe()).parent_path().string();
    std::string pypath = python_package_dir();
    if (const char* old = std::getenv("PYTHONPATH"); old && *old) pypath += std::string(":") + old;
    env["PYTHONPATH"] = pypath;
    env["PYTHONUNBUFFERED"] = "YES";
    env["PYTHONHASHSEED"] = conf_.get("spark.executorEnv.PYTHONHASHSEED", std::getenv("PYTHONHASHSEED") ? std::getenv("PYTHONHASHSEED") : "0");
    env["SPARKPP_EXECUTOR_ID"] = args_.executor_id;
    env["SPARK_LOCAL_DIRS"] = scratch_dir();
    python_child_env(env);
    for (const auto& [k, v] : conf_.values())
      if (starts_with(k, "spark.executorEnv.")) env[k.substr(18)] = v;
    pool_ = std::make_unique<executor::PythonPool>(python, env, scratch_dir(), conf_.get_bool("spark.python.worker.reuse"), clock_,
                                                   conf_.get_time_ms("spark.sparkpp.python.worker.idleTimeout"));
    if (int64_t every = pool_->reap_interval_ms(); every > 0) {
      idle_reaper_ = std::make_unique<Timer>(loop_);
      idle_reaper_->start(every, every, [this] { pool_->reap_idle(); });
    }
    shuffle_ = executor::ShuffleSettings::from_conf(conf_, args_.host.empty() ? local_ip() : args_.host, args_.executor_id);
    blocks_->set_root(fs::absolute(scratch_dir()).string());
    // Cached blocks get spark.memory.fraction of the executor's memory.
    double fraction = 0.6;
    try {
      fraction = std::stod(conf_.get("spark.memory.fraction", "0.6"));
    } catch (...) {
    }
    store_ = std::make_unique<executor::BlockManager>(
        static_cast<int64_t>(static_cast<double>(args_.memory_mb) * fraction * 1024 * 1024), scratch_dir() + "/blocks");
    // SQL operators reserve from the same fraction of the executor's memory and spill past it.
    sql_memory_ = std::make_unique<sql::exec::MemoryManager>(
        sql::exec::execution_memory_bytes(static_cast<int64_t>(args_.memory_mb) * 1024 * 1024, fraction));
    // The driver turns this on only where this executor reads every shuffle (local mode).
    if (conf_.get_bool("spark.sparkpp.shuffle.inMemory"))
      map_outputs_ = std::make_unique<executor::MapOutputStore>(
          sql_memory_.get(), static_cast<int64_t>(static_cast<double>(sql_memory_->limit()) *
                                                  std::clamp(conf_.get_double("spark.sparkpp.shuffle.inMemory.fraction"), 0.0, 1.0)));
    broadcast_dir_ = fs::absolute(scratch_dir() + "/broadcast").string();
    fs::create_directories(broadcast_dir_, ec);
    props_["spark.sparkpp.broadcastDir"] = broadcast_dir_;
    props_["spark.python.worker.memory"] = conf_.get("spark.python.worker.memory");
    props_["spark.app.id"] = args_.app_id;
    props_["executor_id"] = args_.executor_id;
    // TaskContext.cpus() / resources(): the task's share and the executor's resources (discovery
    // scripts), which worker.py turns into addresses held through lock files in resourcesDir.
    props_["spark.task.cpus"] = conf_.get("spark.task.cpus", "1");
    for (const auto& [k, v] : conf_.values())
      if (starts_with(k, "spark.task.resource.") || starts_with(k, "spark.executor.resource.") ||
          starts_with(k, "spark.worker.resource."))
        props_[k] = v;
    props_["spark.sparkpp.resourcesDir"] = fs::absolute(scratch_dir() + "/resources").string();
    int n = std::max(1, args_.cores);
    {
      executor::StatusBatchConf bc;
      bc.max_updates = static_cast<int>(conf_.get_int("spark.sparkpp.executor.statusBatchSize"));
      bc.max_hold_ms = std::max<int64_t>(1, conf_.get_time_ms("spark.sparkpp.executor.statusBatchDelay"));
      std::lock_guard<std::mutex> g(mu_);
      batch_.set_conf(bc);
    }
    // The Python daemon starts on a task thread, which lives as long as the executor: its
    // PR_SET_PDEATHSIG fires when the *thread* that spawned it exits. With prestart, the first
    // thread starts it now, while the driver schedules the first job (its tasks wait in the
    // queue, or block in acquire() until it is ready); without, the first task that runs Python
    // does (as Spark's PythonWorkerFactory), and DataFrame-only applications never start it.
    const bool prestart = conf_.get_bool("spark.sparkpp.python.daemon.prestart");
    task_threads_ = n;  // before any thread starts: they read it
    // Without worker reuse each task has a Python process of its own: no groups.
    group_size_ = conf_.get_bool("spark.python.worker.reuse")
                      ? static_cast<int>(std::clamp<int64_t>(conf_.get_int("spark.sparkpp.executor.taskGroupSize"), 1, 64))
                      : 1;
    for (int i = 0; i < n; ++i)
      threads_.emplace_back([this, first = i == 0 && prestart] {
        if (first) {
          if (Status st = pool_->start(); !st) LOG_WARN(kLog, "Python worker daemon: " << st.message());
        }
        task_loop();
      });
    int64_t hb = std::max<int64_t>(1000, conf_.get_time_ms("spark.executor.heartbeatInterval"));
    heartbeat_->start(hb, hb, [this] {
      if (!conn_) return;
      msg::ExecutorHeartbeat h;
      h.exec_id = args_.executor_id;
      conn_->send(h);
    });
    LOG_INFO(kLog, "executor " << args_.executor_id << " registered with driver " << args_.driver_url << " (" << n << " task slot(s), Python " << python << ")");
  }

  std::string scratch_dir() {
    if (scratch_.empty()) {
      // Under a worker, SPARK_EXECUTOR_DIRS is already this executor's own dir (named after the
      // app and executor): a short subdir keeps the Python daemon's socket path within the
      // 108 bytes of sun_path. Local mode shares spark.local.dir: the name says whose it is.
      // Either way the dir is the owner's only (0700): shuffle files, broadcasts and cached
      // blocks live there. In a shared spark.local.dir its name is also unpredictable (mkdtemp),
      // so another user cannot plant it or a symlink in its place first.
      if (const char* d = std::getenv("SPARK_EXECUTOR_DIRS"); d && *d) {
        scratch_ = split(d, ':')[0] + "/sparkpp-" + std::to_string(getpid());
        std::error_code ec;
        fs::create_directories(scratch_, ec);
        fs::permissions(scratch_, fs::perms::owner_all, ec);
      } else {
        std::string base = conf_.get("spark.local.dir");
        std::error_code ec;
        fs::create_directories(base, ec);
        sweep_dead_scratch(base);
        std::string tmpl = base + "/sparkpp-" + args_.app_id + "-" + args_.executor_id + "-XXXXXX";
        if (char* made = ::mkdtemp(tmpl.data())) scratch_ = made;  // mode 0700
        else scratch_ = base + "/sparkpp-" + args_.app_id + "-" + args_.executor_id + "-" + std::to_string(getpid());
        fs::create_directories(scratch_, ec);
        hold_scratch_lock();
      }
    }
    return scratch_;
  }

  // A local-mode scratch dir in the shared spark.local.dir is owned while its `.lock` is
  // flock()ed: the lock dies with the process, even a SIGKILLed one. The lock file is made and
  // locked under a temporary name, then renamed, so a sweeper never sees an unlocked one.
  void hold_scratch_lock() {
    const std::string tmp = scratch_ + "/.lock.tmp", lock = scratch_ + "/.lock";
    int fd = ::open(tmp.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) return;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0 || ::rename(tmp.c_str(), lock.c_str()) != 0) {
      ::close(fd);
      return;
    }
    lock_fd_ = fd;  // kept open (and locked) for the executor's life
  }

  // Removes scratch dirs left in `base` by dead local executors (their `.lock` can be locked).
  static void sweep_dead_scratch(const std::string& base) {
    std::error_code ec;
    std::vector<fs::path> dead;
    for (const auto& de : fs::directory_iterator(base, ec)) {
      const std::string name = de.path().filename().string();
      if (name.rfind("sparkpp-local-", 0) != 0 || !de.is_directory(ec)) continue;
      int fd = ::open((de.path() / ".lock").c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
      if (fd < 0) continue;  // not ours to judge (no lock: an older build, or being made)
      if (::flock(fd, LOCK_EX | LOCK_NB) == 0) dead.push_back(de.path());
      ::close(fd);
    }
    for (const auto& d : dead) {
      LOG_INFO(kLog, "removing " << d.string() << ", left by a local executor that is gone");
      fs::remove_all(d, ec);
    }
  }

  // A broadcast value, zstd-compressed by the driver: kept as a file every Python worker of this
  // executor reads on first use.
  void add_broadcast(int64_t id, const std::vector<std::string>& blobs) {
    if (blobs.size() != 1) {
      LOG_WARN(kLog, "ignoring malformed AddBroadcast " << id);
      return;
    }
    std::string raw;
    if (!executor::decompress_zstd_frame(blobs[0].data(), blobs[0].size(), size_t{1} << 36, raw)) {
      LOG_WARN(kLog, "ignoring corrupt broadcast " << id);
      return;
    }
    std::string path = broadcast_dir_ + "/broadcast_" + std::to_string(id);
    {
      std::ofstream f(path + ".tmp", std::ios::binary | std::ios::trunc);
      f.write(raw.data(), static_cast<std::streamsize>(raw.size()));
    }
    std::error_code ec;
    fs::rename(path + ".tmp", path, ec);
  }

  // A replica of a cached block (replicated storage levels), relayed by the driver.
  void store_replica(const msg::StoreBlock& m, std::vector<std::string>&& blobs) {
    if (!store_) return;
    executor::Batches b;
    for (auto& x : blobs) b.push_back(std::make_shared<std::string>(std::move(x)));
    auto level = executor::StorageLevel::from_json(m.level);
    level.replication = 1;
    msg::BlocksUpdated upd = store_->put(m.rdd, m.partition, level, std::move(b));
    if (conn_ && (!upd.stored.empty() || !upd.removed.empty())) conn_->send(upd);
  }

  void add_py_file(const std::string& name, const std::vector<std::string>& blobs) {
    if (blobs.size() != 1 || name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
      LOG_WARN(kLog, "ignoring malformed AddPyFile '" << name << "'");
      return;
    }
    std::string path = pyfiles_dir_ + "/" + name;
    {
      std::ofstream f(path + ".tmp", std::ios::binary | std::ios::trunc);
      f.write(blobs[0].data(), static_cast<std::streamsize>(blobs[0].size()));
    }
    std::error_code ec;
    fs::rename(path + ".tmp", path, ec);
    std::lock_guard<std::mutex> g(mu_);
    std::string entry = (name.size() > 3 && name.substr(name.size() - 3) == ".py") ? pyfiles_dir_ : path;
    std::string& cur = props_["spark.sparkpp.pyFiles"];  // os.pathsep-separated, read by worker.py
    bool present = false;
    for (const auto& p : split(cur, ':')) present |= p == entry;
    if (!present) cur += (cur.empty() ? "" : ":") + entry;
    props_["py_files_version"] = std::to_string(++pyfiles_version_);
  }

  // sc.addFile / sc.addArchive: stored in the files dir (SparkFiles' root); an archive is
  // unpacked into the directory `name` there (tar, or Python's zipfile for zip/jar).
  void add_file(const msg::AddFile& m, const std::vector<std::string>& blobs) {
    const std::string& name = m.name;
    if (blobs.size() != 1 || name.empty() || name.find('/') != std::string::npos || name == "." || name == ".." || files_dir_.empty()) {
      LOG_WARN(kLog, "ignoring malformed AddFile '" << name << "'");
      return;
    }
    std::string path = files_dir_ + "/" + name;
    std::string tmp = files_dir_ + "/." + name + ".tmp";
    {
      std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
      f.write(blobs[0].data(), static_cast<std::streamsize>(blobs[0].size()));
    }
    std::error_code ec;
    if (!m.archive) {
      fs::rename(tmp, path, ec);
      return;
    }
    fs::create_directories(path, ec);
    std::vector<std::string> argv;
    if (m.format == "zip") argv = {python_, "-m", "zipfile", "-e", tmp, path};
    else argv = {"tar", m.format == "tar" ? "-xf" : "-xzf", tmp, "-C", path};
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    pid_t pid = 0;
    int status = -1;
    if (::posix_spawnp(&pid, cargv[0], nullptr, nullptr, cargv.data(), environ) == 0) ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      LOG_WARN(kLog, "cannot unpack archive '" << name << "' (" << argv[0] << " failed)");
    fs::remove(tmp, ec);
  }

  void launch(msg::LaunchTask&& m, std::vector<std::string>&& blobs) {
    if (blobs.size() < m.new_funcs.size()) {
      LOG_ERROR(kLog, "LaunchTask " << m.task_id << " is missing function blobs");
      return;
    }
    for (size_t i = 0; i < m.new_funcs.size(); ++i) funcs_.put(m.new_funcs[i], std::move(blobs[i]));
    auto t = std::make_shared<executor::RunningTask>();
    for (size_t i = m.new_funcs.size(); i < blobs.size(); ++i) t->input_blobs.push_back(std::make_shared<std::string>(std::move(blobs[i])));
    t->spec = std::move(m);
    bool wake, may_hold;
    {
      std::lock_guard<std::mutex> g(mu_);
      tasks_[t->spec.task_id] = t;
      queue_.push_back(t);
      wake = wake_.changed();
      may_hold = batch_.may_hold(queue_.size(), task_threads_);
    }
    // Outside the lock: a woken task thread would otherwise block on mu_ straight away.
    if (wake) wake_.wake(1);
    if (may_hold && !batch_tick_on_) start_batch_tick();
  }

  // While tasks are queued or updates held: sends the updates held for statusBatchDelay (a
  // long task started behind short ones holds nobody's update longer). Stops once nothing is
  // queued or held. A task thread holds an update only while more tasks are queued than
  // StatusBatch::may_hold's threshold, and the queue grows only here, one task at a time: the
  // launch that crosses the threshold starts this (jobs of a few tasks never do).
  void start_batch_tick() {
    if (!batch_tick_) batch_tick_ = std::make_unique<Timer>(loop_);
    const int64_t every = batch_.conf().max_hold_ms;
    batch_tick_on_ = true;
    batch_tick_->start(every, every, [this] {
      std::vector<std::shared_ptr<executor::TaskOutcome>> due;
      bool keep;
      {
        std::lock_guard<std::mutex> g(mu_);
        due = batch_.tick(clock_.now_ms());
        keep = !queue_.empty() || batch_.held() > 0;
      }
      if (!keep) {
        batch_tick_->stop();
        batch_tick_on_ = false;
      }
      send_updates(due);
    });
  }

  void send_updates(const std::vector<std::shared_ptr<executor::TaskOutcome>>& outs) {
    if (!conn_) return;
    for (const auto& o : outs) conn_->send(o->update, std::move(o->blobs));
  }

  void kill_task(int64_t id) {
    std::lock_guard<std::mutex> g(mu_);
    auto it = tasks_.find(id);
    if (it == tasks_.end()) return;
    it->second->killed = true;
    int pid = it->second->worker_pid;
    if (pid > 0) ::kill(pid, SIGKILL);
  }

  void task_loop() {
    for (;;) {
      std::shared_ptr<executor::RunningTask> t;
      std::vector<std::shared_ptr<executor::RunningTask>> group;  // taken with t, run after it
      executor::TaskEnv env;
      {
        std::unique_lock<std::mutex> g(mu_);
        while (!quitting_ && queue_.empty()) {
          uint32_t ticket = wake_.prepare();
          g.unlock();
          wake_.sleep(ticket);
          g.lock();
          wake_.done();
        }
        if (quitting_) return;
        t = queue_.front();
        queue_.pop_front();
        // Short pipelinable tasks queued behind it join it on one Python worker (taskGroupSize).
        if (!t->run_alone && group_size_ > 1 && !t->killed && executor::pipelinable(t->spec)) {
          for (size_t extra = executor::group_extra(queue_.size(), task_threads_, group_size_); extra > 0; --extra) {
            const auto& next = queue_.front();
            if (next->run_alone || next->killed || !executor::pipelinable(next->spec)) break;
            group.push_back(next);
            queue_.pop_front();
          }
        }
        env.pool = pool_.get();
        env.funcs = &funcs_;
        env.props = props_;
        env.scratch_dir = scratch_;
        env.shuffle = shuffle_;
        env.blocks = store_.get();
        env.sql_memory = sql_memory_.get();
        env.map_outputs = map_outputs_.get();
        env.on_blocks = [this](msg::BlocksUpdated&& u, std::vector<std::string>&& b) {
          auto p = std::make_shared<std::pair<msg::BlocksUpdated, std::vector<std::string>>>(std::move(u), std::move(b));
          poster_.post([this, p] {
            if (conn_) conn_->send(p->first, p->second);
          });
        };
      }
      if (!group.empty()) {
        run_group(t, std::move(group), env);
        continue;
      }
      executor::TaskOutcome out;
      if (t->killed) {
        out.update.task_id = t->spec.task_id;
        out.update.state = msg::TaskEndState::kKilled;
        out.update.error = "task killed before it started";
      } else {
        out = executor::run_task(*t, env);
      }
      bool idle;
      const bool finished = out.update.state == msg::TaskEndState::kFinished;
      int64_t bytes = 0;
      for (const auto& b : out.blobs) bytes += static_cast<int64_t>(b.size());
      auto shared = std::make_shared<executor::TaskOutcome>(std::move(out));
      std::vector<std::shared_ptr<executor::TaskOutcome>> now;
      {
        std::lock_guard<std::mutex> g(mu_);
        tasks_.erase(t->spec.task_id);
        idle = tasks_.empty();
        now = batch_.add(shared, finished, bytes, queue_.size(), task_threads_, clock_.now_ms());
      }
      if (now.empty()) continue;  // held: this thread goes on with the next queued task
      poster_.post([this, now = std::move(now), idle] {
        send_updates(now);
        if (idle) trim_when_idle();
      });
    }
  }

  // Runs t and the tasks taken with it on one Python worker (run_task_group), reports each
  // outcome as task_loop does, and queues again, in order at the front, those that did not run.
  void run_group(std::shared_ptr<executor::RunningTask> t, std::vector<std::shared_ptr<executor::RunningTask>> rest,
                 const executor::TaskEnv& env) {
    rest.insert(rest.begin(), std::move(t));
    std::vector<executor::RunningTask*> raw;
    for (const auto& x : rest) raw.push_back(x.get());
    std::vector<executor::TaskOutcome> outs = executor::run_task_group(raw, env);
    std::vector<std::shared_ptr<executor::TaskOutcome>> now;
    bool idle, wake = false;
    {
      std::lock_guard<std::mutex> g(mu_);
      for (size_t i = rest.size(); i-- > outs.size();) queue_.push_front(rest[i]);
      if (outs.size() < rest.size()) wake = wake_.changed();
      for (size_t i = 0; i < outs.size(); ++i) {
        tasks_.erase(rest[i]->spec.task_id);
        const bool finished = outs[i].update.state == msg::TaskEndState::kFinished;
        int64_t bytes = 0;
        for (const auto& b : outs[i].blobs) bytes += static_cast<int64_t>(b.size());
        // The group's later outcomes are added right after this one: only the last decides,
        // by what is still queued, whether the held updates leave now.
        auto sent = batch_.add(std::make_shared<executor::TaskOutcome>(std::move(outs[i])), finished, bytes,
                               queue_.size() + (outs.size() - 1 - i), task_threads_, clock_.now_ms());
        for (auto& s : sent) now.push_back(std::move(s));
      }
      idle = tasks_.empty();
    }
    if (wake) wake_.wake(1);
    if (now.empty()) return;
    poster_.post([this, now = std::move(now), idle] {
      send_updates(now);
      if (idle) trim_when_idle();
    });
  }

  // Native tasks leave their freed heap to the next task (executor::return_free_memory): an
  // executor with nothing to run for a second hands it back to the kernel.
  void trim_when_idle() {
    if (!heap_trim_) heap_trim_ = std::make_unique<Timer>(loop_);
    heap_trim_->start(1000, 0, [this] {
      bool idle;
      {
        std::lock_guard<std::mutex> g(mu_);
        idle = tasks_.empty();
      }
      if (idle) ::malloc_trim(0);
    });
  }

  void stop() {
    if (stopped_) return;
    stopped_ = true;
    {
      std::lock_guard<std::mutex> g(mu_);
      quitting_ = true;
      (void)wake_.changed();
      for (auto& [id, t] : tasks_) {
        t->killed = true;
        if (t->worker_pid > 0) ::kill(t->worker_pid, SIGKILL);
      }
    }
    wake_.wake(INT32_MAX);
    if (pool_) pool_->shutdown();  // kills in-flight workers so task threads unblock
    heartbeat_->stop();
    idle_reaper_.reset();
    heap_trim_.reset();
    batch_tick_.reset();
    uv_signal_stop(&sigterm_);
    uv_close(reinterpret_cast<uv_handle_t*>(&sigterm_), nullptr);
    if (conn_) conn_->close("executor stopping");
    heartbeat_.reset();
    uv_stop(loop_);
  }

  void join_threads() {
    for (auto& th : threads_)
      if (th.joinable()) th.join();
    if (pool_) pool_->shutdown();
    blocks_.reset();
    std::error_code ec;
    if (!scratch_.empty()) fs::remove_all(scratch_, ec);
  }

  uv_loop_t* loop_;
  int lock_fd_ = -1;  // the local-mode scratch dir's flock (see hold_scratch_lock)
  ExecutorArgs args_;
  Poster poster_;
  Conf conf_;
  Connection* conn_ = nullptr;
  uv_signal_t sigterm_;
  std::unique_ptr<Timer> heartbeat_;
  SystemClock clock_;  // the pool's idle times; declared before pool_, which borrows it
  std::unique_ptr<executor::PythonPool> pool_;
  std::unique_ptr<Timer> idle_reaper_;  // calls pool_->reap_idle()
  std::unique_ptr<Timer> heap_trim_;    // trim_when_idle()
  std::unique_ptr<Timer> batch_tick_;   // start_batch_tick()
  bool batch_tick_on_ = false;          // loop thread only
  std::unique_ptr<executor::BlockManager> store_;
  std::unique_ptr<sql::exec::MemoryManager> sql_memory_;
  std::unique_ptr<executor::MapOutputStore> map_outputs_;  // local mode's SQL map outputs
  std::string broadcast_dir_;
  executor::FuncCache funcs_;
  std::map<std::string, std::string> props_;
  std::string scratch_, pyfiles_dir_, files_dir_, python_;
  int pyfiles_version_ = 0;
  executor::ShuffleSettings shuffle_;
  std::unique_ptr<executor::BlockServer> blocks_;  // serves scratch_'s shuffle files
  int data_port_ = 0;
  std::mutex mu_;
  executor::WakeSignal wake_;  // task threads sleep on it until queue_ has a task or quitting_
  std::deque<std::shared_ptr<executor::RunningTask>> queue_;
  // Finished tasks' updates held back to leave together (status_batch.h); guarded by mu_.
  executor::StatusBatch<std::shared_ptr<executor::TaskOutcome>> batch_;
  std::map<int64_t, std::shared_ptr<executor::RunningTask>> tasks_;
  std::vector<std::thread> threads_;
  int task_threads_ = 1;
  int group_size_ = 1;  // spark.sparkpp.executor.taskGroupSize
  bool quitting_ = false;
  bool stopping_ = false;
  bool stopped_ = false;
  int exit_code_ = 0;
};

}  // namespace

int run_executor(const ExecutorArgs& args) {
  // Die with whoever started us (a worker or `submit`): no orphaned executors.
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  signal(SIGPIPE, SIG_IGN);
  if (const char* lvl = std::getenv("SPARKPP_LOG_LEVEL")) set_log_level(lvl);
  if (args.cores <= 0) {
    std::fprintf(stderr, "sparkpp executor: --cores must be positive\n");
    return 1;
  }
  uv_loop_t loop;
  uv_loop_init(&loop);
  int rc;
  {
    ExecutorRuntime rt(&loop, args);
    rc = rt.run();
  }
  close_all_handles(&loop);
  uv_loop_close(&loop);
  return rc;
}

}  // namespace spp
