// WorkerCore on a ManualClock: registration with back-off, heartbeats, executor lifecycle,
// kill escalation and shutdown, asserted on the exact effects.
#include <doctest/doctest.h>

#include <signal.h>

#include "worker/worker_core.h"

using namespace spp;
using namespace spp::worker;

namespace {

struct Harness {
  ManualClock clock;
  WorkerCore core;
  std::vector<Effect> last;

  Harness() : core(make_cfg(), clock) {}
  explicit Harness(const WorkerConfig& c) : core(c, clock) {}
  static WorkerConfig make_cfg() {
    WorkerConfig c;
    c.id = "worker-1";
    c.host = "10.0.0.5";
    c.port = 4000;
    c.cores = 4;
    c.memory_mb = 4096;
    c.work_dir = "/w";
    c.local_dir = "/tmp";
    c.master_url = "spark://m:7077";
    c.executable = "/bin/sparkpp";
    c.heartbeat_ms = 1000;
    c.kill_timeout_ms = 5000;
    c.initial_backoff_ms = 500;
    c.max_backoff_ms = 4000;
    c.register_timeout_ms = 3000;
    return c;
  }
  std::vector<Effect>& on(Event ev) {
    last = core.handle(ev);
    return last;
  }
  template <typename T>
  std::vector<Effect>& master(T m) { return on(FromMaster{msg::Message(std::move(m))}); }

  template <typename E>
  std::vector<E> effects() const {
    std::vector<E> out;
    for (const auto& e : last)
      if (auto* x = std::get_if<E>(&e)) out.push_back(*x);
    return out;
  }
  template <typename T>
  std::vector<T> sent() const {
    std::vector<T> out;
    for (const auto& s : effects<SendMaster>())
      if (auto* m = std::get_if<T>(&s.msg)) out.push_back(*m);
    return out;
  }
  void registered() {
    on(Start{});
    on(MasterReady{});
    master(msg::RegisteredWorker{"spark://m:7077", "http://m:8080", false});
  }
  void launch(const std::string& app, int exec, int cores = 1) {
    msg::LaunchExecutor l;
    l.app_id = app;
    l.exec_id = exec;
    l.app_name = "job";
    l.cores = cores;
    l.memory_mb = 512;
    l.driver_url = "d:1";
    l.env = {{"PYSPARK_PYTHON", "python3"}};
    master(l);
  }
};

}  // namespace

TEST_CASE("worker: registers, reports its executors, heartbeats") {
  Harness h;
  h.on(Start{});
  CHECK(h.effects<ConnectMaster>().size() == 1);
  CHECK(h.core.link() == Link::kConnecting);
  h.on(MasterReady{});
  auto reg = h.sent<msg::RegisterWorker>();
  REQUIRE(reg.size() == 1);
  CHECK(reg[0].id == "worker-1");
  CHECK(reg[0].cores == 4);
  CHECK(reg[0].memory_mb == 4096);
  h.master(msg::RegisteredWorker{"spark://m:7077", "http://m:8080", false});
  CHECK(h.core.link() == Link::kRegistered);
  CHECK(h.sent<msg::WorkerLatestState>().size() == 1);
  CHECK(h.core.to_json()["masterwebuiurl"] == "http://m:8080");
  h.clock.advance(999);
  h.on(Tick{});
  CHECK(h.sent<msg::WorkerHeartbeat>().empty());
  h.clock.advance(1);
  h.on(Tick{});
  REQUIRE(h.sent<msg::WorkerHeartbeat>().size() == 1);
  CHECK(h.sent<msg::WorkerHeartbeat>()[0].worker_id == "worker-1");
  SUBCASE("ReconnectWorker re-registers on the same connection") {
    h.master(msg::ReconnectWorker{"spark://m:7077"});
    CHECK(h.sent<msg::RegisterWorker>().size() == 1);
    CHECK(h.core.link() == Link::kRegistering);
  }
}

TEST_CASE("worker: exponential back-off while the master is unreachable") {
  Harness h;
  h.on(Start{});
  int64_t expected = 500;
  for (int i = 0; i < 6; ++i) {
    h.on(MasterLost{"connection refused"});
    CHECK(h.core.link() == Link::kDisconnected);
    h.clock.advance(expected - 1);
    h.on(Tick{});
    CHECK(h.effects<ConnectMaster>().empty());
    h.clock.advance(1);
    h.on(Tick{});
    CHECK(h.effects<ConnectMaster>().size() == 1);
    expected = std::min<int64_t>(expected * 2, 4000);
  }
  // A successful registration resets the delay.
  h.on(MasterReady{});
  h.master(msg::RegisteredWorker{"spark://m:7077", "", false});
  CHECK(h.core.backoff_ms() == 500);
}

TEST_CASE("worker: no answer to RegisterWorker drops the connection and retries") {
  Harness h;
  h.on(Start{});
  h.on(MasterReady{});
  h.clock.advance(3000);
  h.on(Tick{});
  CHECK(h.effects<DropMaster>().size() == 1);
  CHECK(h.core.link() == Link::kDisconnected);
}

TEST_CASE("worker: refused before ever registering -> exit 1") {
  Harness h;
  h.on(Start{});
  h.on(MasterReady{});
  h.master(msg::RegisterWorkerFailed{"duplicate address"});
  auto ex = h.effects<Exit>();
  REQUIRE(ex.size() == 1);
  CHECK(ex[0].code == 1);
  CHECK(h.on(Tick{}).empty());  // nothing after exit
}

TEST_CASE("worker: scratch dirs are unique to the worker, not just to the app and executor ids") {
  // Two clusters' workers on one machine can launch executor 0 of app-<same second>-0000 at once;
  // sharing a scratch dir, the first to finish deleted the other's shuffle files.
  auto scratch_of = [](const std::string& tag) {
    WorkerConfig c = Harness::make_cfg();
    c.scratch_tag = tag;
    Harness h(c);
    h.registered();
    h.launch("app-20260101000000-0000", 0);
    auto sp = h.effects<SpawnExecutor>();
    REQUIRE(sp.size() == 1);
    return sp[0].scratch_dir;
  };
  std::string a = scratch_of("4242"), b = scratch_of("4343");
  CHECK(a == "/tmp/sparkpp-executor-app-20260101000000-0000-0-4242");
  CHECK(b == "/tmp/sparkpp-executor-app-20260101000000-0000-0-4343");
}

TEST_CASE("worker: launches executors and reports their states") {
  Harness h;
  h.registered();
  h.launch("app-20260101000000-0001", 0, 2);
  auto sp = h.effects<SpawnExecutor>();
  REQUIRE(sp.size() == 1);
  CHECK(sp[0].dir == "/w/app-20260101000000-0001/0");
  CHECK(sp[0].stderr_path == "/w/app-20260101000000-0001/0/stderr");
  CHECK(sp[0].stdout_path == "/w/app-20260101000000-0001/0/stdout");
  CHECK(sp[0].args == std::vector<std::string>{"/bin/sparkpp", "executor", "--driver-url", "d:1", "--executor-id", "0",
                                               "--app-id", "app-20260101000000-0001", "--cores", "2", "--host", "10.0.0.5",
                                               "--worker-id", "worker-1", "--memory-mb", "512"});
  CHECK(sp[0].env.at("PYSPARK_PYTHON") == "python3");
  CHECK(sp[0].env.at("SPARK_EXECUTOR_DIRS") == sp[0].scratch_dir);
  CHECK(sp[0].stderr_header.rfind("Spark Executor Command: /bin/sparkpp executor --driver-url d:1", 0) == 0);
  CHECK(sp[0].stderr_header.find("\n" + std::string(40, '=') + "\n") != std::string::npos);
  CHECK(h.core.cores_used() == 2);
  CHECK(h.core.memory_used_mb() == 512);

  h.on(ExecutorStarted{"app-20260101000000-0001", 0, 4242});
  auto st = h.sent<msg::ExecutorStateChanged>();
  REQUIRE(st.size() == 1);
  CHECK(st[0].state == "RUNNING");

  SUBCASE("exit 0 -> EXITED") {
    h.on(ExecutorExited{"app-20260101000000-0001", 0, 0, 0});
    auto s = h.sent<msg::ExecutorStateChanged>();
    REQUIRE(s.size() == 1);
    CHECK(s[0].state == "EXITED");
    CHECK(s[0].message == "Command exited with code 0");
    CHECK(s[0].exit_code == 0);
    CHECK(h.core.cores_used() == 0);
    CHECK(h.core.finished_executors().size() == 1);
    CHECK(h.effects<RemoveDir>().size() == 1);
  }
  SUBCASE("non-zero exit -> FAILED with the code") {
    h.on(ExecutorExited{"app-20260101000000-0001", 0, 3, 0});
    auto s = h.sent<msg::ExecutorStateChanged>();
    REQUIRE(s.size() == 1);
    CHECK(s[0].state == "FAILED");
    CHECK(s[0].message == "Command exited with code 3");
    CHECK(s[0].exit_code == 3);
  }
  SUBCASE("KillExecutor: SIGTERM, SIGKILL after the kill timeout, then KILLED") {
    h.master(msg::KillExecutor{"app-20260101000000-0001", 0});
    auto sig = h.effects<SignalExecutor>();
    REQUIRE(sig.size() == 1);
    CHECK(sig[0].sig == SIGTERM);
    h.clock.advance(4999);
    h.on(Tick{});
    CHECK(h.effects<SignalExecutor>().empty());
    h.clock.advance(1);
    h.on(Tick{});
    REQUIRE(h.effects<SignalExecutor>().size() == 1);
    CHECK(h.effects<SignalExecutor>()[0].sig == SIGKILL);
    h.clock.advance(1000);
    h.on(Tick{});
    CHECK(h.effects<SignalExecutor>().empty());  // SIGKILL once
    h.on(ExecutorExited{"app-20260101000000-0001", 0, 0, SIGKILL});
    auto s = h.sent<msg::ExecutorStateChanged>();
    REQUIRE(s.size() == 1);
    CHECK(s[0].state == "KILLED");
    CHECK(s[0].exit_code == 128 + SIGKILL);
  }
  SUBCASE("the master connection dropping leaves executors running") {
    h.on(MasterLost{"eof"});
    CHECK(h.effects<SignalExecutor>().empty());
    CHECK(h.core.executors().size() == 1);
    h.on(ExecutorExited{"app-20260101000000-0001", 0, 0, 0});  // state change while disconnected is not sent
    CHECK(h.sent<msg::ExecutorStateChanged>().empty());
  }
  SUBCASE("re-registration lists running executors in WorkerLatestState") {
    h.on(MasterLost{"eof"});
    h.clock.advance(500);
    h.on(Tick{});
    h.on(MasterReady{});
    h.master(msg::RegisteredWorker{"spark://m:7077", "", false});
    auto ls = h.sent<msg::WorkerLatestState>();
    REQUIRE(ls.size() == 1);
    REQUIRE(ls[0].executors.size() == 1);
    CHECK(ls[0].executors[0].app_id == "app-20260101000000-0001");
  }
}

TEST_CASE("worker: spawn failure reports FAILED") {
  Harness h;
  h.registered();
  h.launch("app-20260101000000-0001", 3);
  h.on(ExecutorSpawnFailed{"app-20260101000000-0001", 3, "no such file"});
  auto s = h.sent<msg::ExecutorStateChanged>();
  REQUIRE(s.size() == 1);
  CHECK(s[0].state == "FAILED");
  CHECK(h.core.executors().empty());
}

TEST_CASE("worker: ApplicationFinished kills only that app's executors") {
  Harness h;
  h.registered();
  h.launch("app-20260101000000-0001", 0);
  h.on(ExecutorStarted{"app-20260101000000-0001", 0, 10});
  h.launch("app-20260101000000-0002", 0);
  h.on(ExecutorStarted{"app-20260101000000-0002", 0, 11});
  h.master(msg::ApplicationFinished{"app-20260101000000-0001"});
  auto sig = h.effects<SignalExecutor>();
  REQUIRE(sig.size() == 1);
  CHECK(sig[0].app_id == "app-20260101000000-0001");
}

TEST_CASE("worker: shutdown stops every executor and exits 0 once they are reaped") {
  Harness h;
  SUBCASE("idle worker exits at once") {
    h.registered();
    h.on(Shutdown{});
    REQUIRE(h.effects<Exit>().size() == 1);
    CHECK(h.effects<Exit>()[0].code == 0);
  }
  SUBCASE("busy worker waits for its executors") {
    h.registered();
    h.launch("app-20260101000000-0001", 0);
    h.on(ExecutorStarted{"app-20260101000000-0001", 0, 10});
    h.launch("app-20260101000000-0001", 1);  // still launching when the signal arrives
    h.on(Shutdown{});
    CHECK(h.effects<SignalExecutor>().size() == 1);
    CHECK(h.effects<Exit>().empty());
    h.on(ExecutorStarted{"app-20260101000000-0001", 1, 11});  // killed as soon as it exists
    REQUIRE(h.effects<SignalExecutor>().size() == 1);
    CHECK(h.effects<SignalExecutor>()[0].exec_id == 1);
    h.launch("app-20260101000000-0001", 2);  // no new work while stopping
    CHECK(h.effects<SpawnExecutor>().empty());
    h.on(ExecutorExited{"app-20260101000000-0001", 0, 0, SIGTERM});
    CHECK(h.effects<Exit>().empty());
    h.on(ExecutorExited{"app-20260101000000-0001", 1, 0, SIGTERM});
    REQUIRE(h.effects<Exit>().size() == 1);
    CHECK(h.effects<Exit>()[0].code == 0);
    CHECK(h.core.finished_executors().back().state == ExecutorState::kKilled);
  }
}

// ---------------------------------------------------------------- work-dir cleanup

TEST_CASE("worker cleanup: selection keeps running apps and recently touched dirs") {
  const int64_t now = 10'000'000, ttl = 1'000'000;
  std::vector<AppDir> dirs = {
      {"app-old", "/w/app-old", now - ttl - 1},        // finished, old -> removed
      {"app-running", "/w/app-running", now - 5 * ttl},  // old but running -> kept
      {"app-fresh", "/w/app-fresh", now - ttl + 1},     // finished, recent file -> kept
      {"app-edge", "/w/app-edge", now - ttl},           // exactly the TTL -> kept
  };
  auto out = select_app_dirs_to_clean(dirs, {"app-running"}, now, ttl);
  REQUIRE(out.size() == 1);
  CHECK(out[0].path == "/w/app-old");
}

TEST_CASE("worker cleanup: scans every interval once registered, removes only finished old dirs") {
  Harness h;
  WorkerConfig cfg = Harness::make_cfg();
  cfg.cleanup_interval_ms = 60'000;
  cfg.app_data_ttl_ms = 3'600'000;
  WorkerCore core(cfg, h.clock);
  auto scans = [](const std::vector<Effect>& effs) {
    size_t n = 0;
    for (const auto& e : effs) n += std::holds_alternative<ScanWorkDir>(e);
    return n;
  };
  core.handle(Start{});
  h.clock.advance(120'000);
  CHECK(scans(core.handle(Tick{})) == 0);  // not armed before the first registration
  core.handle(MasterReady{});
  core.handle(FromMaster{msg::RegisteredWorker{"spark://m:7077", "", false}});
  msg::LaunchExecutor l;
  l.app_id = "app-20260101000000-0003";
  l.exec_id = 0;
  l.cores = 1;
  l.memory_mb = 512;
  l.driver_url = "d:1";
  core.handle(FromMaster{l});
  h.clock.advance(59'999);
  CHECK(scans(core.handle(Tick{})) == 0);
  h.clock.advance(1);
  CHECK(scans(core.handle(Tick{})) == 1);
  const int64_t wall = h.clock.wall_ms();
  auto effs = core.handle(WorkDirScanned{{{"app-20260101000000-0003", "/w/app-live", 0},
                                          {"app-done", "/w/app-done", wall - 3'600'001},
                                          {"app-recent", "/w/app-recent", wall - 10}}});
  std::vector<std::string> removed;
  for (const auto& e : effs)
    if (auto* r = std::get_if<RemoveDir>(&e)) removed.push_back(r->path);
  CHECK(removed == std::vector<std::string>{"/w/app-done"});
  h.clock.advance(60'000);
  CHECK(scans(core.handle(Tick{})) == 1);

  cfg.cleanup_enabled = false;
  WorkerCore off(cfg, h.clock);
  off.handle(Start{});
  off.handle(MasterReady{});
  off.handle(FromMaster{msg::RegisteredWorker{"spark://m:7077", "", false}});
  h.clock.advance(10 * 60'000);
  CHECK(scans(off.handle(Tick{})) == 0);
}

TEST_CASE("worker: MasterInStandby sends it on to the next master") {
  Harness h;
  h.on(Start{});
  h.on(MasterReady{});
  h.master(msg::MasterInStandby{"spark://standby:7077"});
  CHECK(h.effects<DropMaster>().size() == 1);
  CHECK(h.effects<Exit>().empty());  // unlike RegisterWorkerFailed, not fatal
  CHECK(h.core.link() == Link::kDisconnected);
  h.clock.advance(500);
  h.on(Tick{});
  CHECK(h.effects<ConnectMaster>().size() == 1);
}

TEST_CASE("worker: refuses launches whose ids would become paths outside the work dir") {
  for (std::string bad : {"../../ESCAPED", "app-20260101000000-0001/../..", "/etc", "app-x", ""}) {
    Harness h;
    h.registered();
    h.launch(bad, 0);
    CHECK(h.effects<SpawnExecutor>().empty());
    auto st = h.sent<msg::ExecutorStateChanged>();
    REQUIRE(st.size() == 1);
    CHECK(st[0].state == "FAILED");
    CHECK(h.core.cores_used() == 0);
  }
  Harness h;
  h.registered();
  h.launch("app-20260101000000-0001", -1);
  CHECK(h.effects<SpawnExecutor>().empty());
}

TEST_CASE("worker: the application's executor environment passes an allow-list") {
  Harness h;
  h.registered();
  msg::LaunchExecutor l;
  l.app_id = "app-20260101000000-0001";
  l.exec_id = 0;
  l.cores = 1;
  l.memory_mb = 512;
  l.driver_url = "d:1";
  l.env = {{"LD_PRELOAD", "/tmp/evil.so"}, {"PATH", "/tmp/bin"}, {"PYTHONPATH", "/tmp/py"},
           {"PYTHONSTARTUP", "/tmp/s.py"}, {"SPARKPP_APP_SECRET", "forged"}, {"SPARK_EXECUTOR_DIRS", "/"},
           {"BAD NAME", "x"}, {"MY_SETTING", "1"}, {"SPARKPP_PYTHON", "/usr/bin/python3"}, {"PYTHONHASHSEED", "0"}};
  h.master(l);
  auto sp = h.effects<SpawnExecutor>();
  REQUIRE(sp.size() == 1);
  const auto& env = sp[0].env;
  for (const char* k : {"LD_PRELOAD", "PATH", "PYTHONPATH", "PYTHONSTARTUP", "SPARKPP_APP_SECRET", "BAD NAME"})
    CHECK_MESSAGE(env.count(k) == 0, k);
  CHECK(env.at("MY_SETTING") == "1");
  CHECK(env.at("SPARKPP_PYTHON") == "/usr/bin/python3");
  CHECK(env.at("PYTHONHASHSEED") == "0");
  CHECK(env.at("SPARK_EXECUTOR_DIRS") == sp[0].scratch_dir);  // the worker's own, not the peer's
}

// ------------------------------------------------------------------ cluster-mode drivers

namespace {
msg::LaunchDriver driver_launch(const std::string& id, bool supervise) {
  msg::LaunchDriver l;
  l.driver_id = id;
  l.desc.name = "job";
  l.desc.files = {"job.py", "data.txt"};
  l.desc.args = {"a1"};
  l.desc.cores = 1;
  l.desc.memory_mb = 512;
  l.desc.supervise = supervise;
  l.desc.conf = {{"spark.master", "spark://m:7077"}, {"spark.app.name", "job"}, {"bad\nkey", "x"}};
  return l;
}
}  // namespace

TEST_CASE("worker: runs a cluster-mode driver in its dir with its files; --supervise restarts it") {
  Harness h;
  h.registered();
  const std::string id = "driver-20250101120000-0007";
  h.on(FromMaster{msg::Message(driver_launch(id, true)), {"print(1)", "data"}});
  auto sp = h.effects<SpawnDriver>();
  REQUIRE(sp.size() == 1);
  CHECK(sp[0].dir == "/w/" + id);
  CHECK(sp[0].files == std::vector<std::pair<std::string, std::string>>{{"job.py", "print(1)"}, {"data.txt", "data"}});
  CHECK(sp[0].args == std::vector<std::string>{"/bin/sparkpp", "submit", "--properties-file", "/w/" + id + "/.sparkpp-driver.conf",
                                               "--deploy-mode", "client", "job.py", "a1"});
  CHECK(sp[0].conf_text == "spark.app.name=job\nspark.master=spark://m:7077\n");  // the malformed key is dropped
  CHECK(sp[0].stderr_header.rfind("Launch Command: /bin/sparkpp submit", 0) == 0);
  CHECK(h.core.cores_used() == 1);
  CHECK(h.core.memory_used_mb() == 512);
  h.on(DriverStarted{id, 321});
  auto st = h.sent<msg::DriverStateChanged>();
  REQUIRE(st.size() == 1);
  CHECK(st[0].state == "RUNNING");
  h.clock.advance(100);
  h.on(DriverExited{id, 3, 0});
  st = h.sent<msg::DriverStateChanged>();
  REQUIRE(st.size() == 1);
  CHECK(st[0].state == "RELAUNCHING");
  CHECK(st[0].exit_code == 3);
  h.clock.advance(999);
  h.on(Tick{});
  CHECK(h.effects<SpawnDriver>().empty());
  h.clock.advance(1);
  h.on(Tick{});
  sp = h.effects<SpawnDriver>();
  REQUIRE(sp.size() == 1);
  CHECK(sp[0].files.empty());  // written at the first launch
  h.on(DriverStarted{id, 322});
  h.on(DriverExited{id, 3, 0});  // failed fast again: the wait doubles
  h.clock.advance(1999);
  h.on(Tick{});
  CHECK(h.effects<SpawnDriver>().empty());
  h.clock.advance(1);
  h.on(Tick{});
  REQUIRE(h.effects<SpawnDriver>().size() == 1);
  h.on(DriverStarted{id, 323});
  h.on(DriverExited{id, 0, 0});
  st = h.sent<msg::DriverStateChanged>();
  REQUIRE(st.size() == 1);
  CHECK(st[0].state == "FINISHED");
  CHECK(h.core.cores_used() == 0);
  auto j = h.core.to_json();
  CHECK(j["finisheddrivers"][0]["id"] == id);
  CHECK(j["finisheddrivers"][0]["runs"] == 3);
  // The master's view after a re-registration: no driver running.
  h.master(msg::RegisteredWorker{"spark://m:7077", "http://m:8080", true});
  CHECK(h.sent<msg::WorkerLatestState>().at(0).drivers.empty());
}

TEST_CASE("worker: a driver's non-zero exit without --supervise is FAILED; kill escalates; invalid ids refused") {
  Harness h;
  h.registered();
  const std::string a = "driver-20250101120000-0001", b = "driver-20250101120000-0002";
  h.on(FromMaster{msg::Message(driver_launch(a, false)), {"x", "y"}});
  h.on(DriverStarted{a, 10});
  h.on(DriverExited{a, 2, 0});
  auto st = h.sent<msg::DriverStateChanged>();
  REQUIRE(st.size() == 1);
  CHECK(st[0].state == "FAILED");
  CHECK(st[0].message == "Driver exited with code 2");
  h.on(FromMaster{msg::Message(driver_launch(b, true)), {"x", "y"}});
  h.on(DriverStarted{b, 11});
  h.master(msg::RegisteredWorker{"spark://m:7077", "http://m:8080", true});
  CHECK(h.sent<msg::WorkerLatestState>().at(0).drivers == std::vector<std::string>{b});
  h.master(msg::KillDriver{b});
  REQUIRE(h.effects<SignalDriver>().size() == 1);
  CHECK(h.effects<SignalDriver>()[0].sig == SIGTERM);
  h.clock.advance(5000);
  h.on(Tick{});
  REQUIRE(h.effects<SignalDriver>().size() == 1);
  CHECK(h.effects<SignalDriver>()[0].sig == SIGKILL);
  h.on(DriverExited{b, 0, 9});
  st = h.sent<msg::DriverStateChanged>();
  REQUIRE(st.size() == 1);
  CHECK(st[0].state == "KILLED");  // killed, however it ended (no restart under --supervise)
  h.on(FromMaster{msg::Message(driver_launch("driver-../../etc", false)), {"x", "y"}});
  CHECK(h.effects<SpawnDriver>().empty());
  CHECK(h.sent<msg::DriverStateChanged>().at(0).state == "ERROR");
}
