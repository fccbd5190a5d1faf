// MasterCore on a ManualClock: feed events, assert the exact effects. No sockets, no sleeps.
#include <doctest/doctest.h>

#include "master/master_core.h"
#include "master/persistence.h"

using namespace spp;
using namespace spp::master;

namespace {

// Connection ids used throughout: workers 1.., drivers 100..
struct Harness {
  ManualClock clock;
  MasterCore core;
  std::vector<Effect> last;

  explicit Harness(MasterConfig cfg = make_cfg()) : core(cfg, clock) {}

  static MasterConfig make_cfg() {
    MasterConfig c;
    c.url = "spark://m:7077";
    c.webui_url = "http://m:8080";
    c.worker_timeout_ms = 10'000;
    return c;
  }

  template <typename T>
  std::vector<Effect>& from(ConnId conn, const char* role, T m) {
    last = core.handle(PeerMessage{conn, role, msg::Message(std::move(m))});
    return last;
  }
  std::vector<Effect>& closed(ConnId conn) {
    last = core.handle(PeerClosed{conn, "test"});
    return last;
  }
  std::vector<Effect>& tick() {
    last = core.handle(Tick{});
    return last;
  }

  std::vector<Effect>& add_worker(ConnId conn, const std::string& id, int cores, int64_t mem, int port = 0) {
    msg::RegisterWorker r;
    r.id = id;
    r.host = "10.0.0.1";  // distinct ports tell workers apart
    r.port = port ? port : static_cast<int>(1000 + conn);
    r.cores = cores;
    r.memory_mb = mem;
    r.webui_url = "http://" + r.host + ":8081";
    return from(conn, "worker", r);
  }
  std::vector<Effect>& add_app(ConnId conn, const std::string& name, std::optional<int> max_cores = std::nullopt,
                               std::optional<int> cpe = std::nullopt, int64_t mem = 1024) {
    msg::RegisterApplication r;
    r.name = name;
    r.max_cores = max_cores;
    r.cores_per_executor = cpe;
    r.memory_per_executor_mb = mem;
    r.driver_url = "driver:1234";
    r.app_ui_url = "http://driver:4040";
    r.user = "tester";
    return from(conn, "app", r);
  }
  // Every message of type T sent to `conn` in the last effects.
  template <typename T>
  std::vector<T> sent(ConnId conn) const {
    std::vector<T> out;
    for (const auto& e : last)
      if (auto* s = std::get_if<Send>(&e); s && s->conn == conn)
        if (auto* m = std::get_if<T>(&s->msg)) out.push_back(*m);
    return out;
  }
  template <typename T>
  size_t count_all() const {
    size_t n = 0;
    for (const auto& e : last)
      if (auto* s = std::get_if<Send>(&e); s && std::get_if<T>(&s->msg)) ++n;
    return n;
  }
  std::string app_id(size_t i = 0) const {
    auto it = core.apps().begin();
    std::advance(it, i);
    return it->first;
  }
  void report(ConnId worker_conn, const std::string& app, int exec, const char* state, std::optional<int> code = {}) {
    from(worker_conn, "worker", msg::ExecutorStateChanged{app, exec, state, "", code});
  }
};

}  // namespace

TEST_CASE("master: worker registration and duplicate handling") {
  Harness h;
  h.add_worker(1, "worker-a", 4, 4096);
  auto reg = h.sent<msg::RegisteredWorker>(1);
  REQUIRE(reg.size() == 1);
  CHECK(reg[0].master_url == "spark://m:7077");
  CHECK_FALSE(reg[0].duplicate);
  CHECK(h.core.workers().at("worker-a").state == WorkerState::kAlive);

  SUBCASE("same id on another connection while the first heartbeats: refused, no takeover") {
    h.clock.advance(4'000);
    h.from(1, "worker", msg::WorkerHeartbeat{"worker-a"});
    h.clock.advance(4'000);  // 4 s since the last beat: < timeout / 2
    h.add_worker(2, "worker-a", 4, 4096);
    CHECK(h.sent<msg::RegisteredWorker>(2).empty());
    REQUIRE(h.sent<msg::RegisterWorkerFailed>(2).size() == 1);
    CHECK(h.sent<msg::RegisterWorkerFailed>(2)[0].message.find("another live connection") != std::string::npos);
    CHECK(h.core.workers().at("worker-a").conn == 1);
    h.closed(2);  // the refused connection closing changes nothing
    CHECK(h.core.workers().at("worker-a").state == WorkerState::kAlive);
  }
  SUBCASE("same id again once the old link is silent: duplicate=true, new connection adopted") {
    h.clock.advance(5'000);  // two missed heartbeats
    h.add_worker(2, "worker-a", 4, 4096);
    auto r = h.sent<msg::RegisteredWorker>(2);
    REQUIRE(r.size() == 1);
    CHECK(r[0].duplicate);
    CHECK(h.core.workers().at("worker-a").conn == 2);
    bool closed_old = false;
    for (const auto& e : h.last)
      if (auto* c = std::get_if<Close>(&e)) closed_old |= c->conn == 1;
    CHECK(closed_old);
    h.closed(1);  // the stale connection closing must not kill the worker
    CHECK(h.core.workers().at("worker-a").state == WorkerState::kAlive);
  }
  SUBCASE("an id that is not a plain name is refused") {
    h.add_worker(2, "../../etc", 4, 4096);
    CHECK(h.sent<msg::RegisterWorkerFailed>(2).size() == 1);
    CHECK(h.core.workers().size() == 1);
  }
  SUBCASE("another id at the same live address is refused") {
    h.add_worker(2, "worker-b", 4, 4096, 1001);
    CHECK(h.sent<msg::RegisterWorkerFailed>(2).size() == 1);
    CHECK(h.core.workers().count("worker-b") == 0);
  }
  SUBCASE("a dead entry at the same address is replaced") {
    h.closed(1);
    CHECK(h.core.workers().at("worker-a").state == WorkerState::kDead);
    h.add_worker(2, "worker-b", 4, 4096, 1001);
    CHECK(h.sent<msg::RegisteredWorker>(2).size() == 1);
    CHECK(h.core.workers().count("worker-a") == 0);
    CHECK(h.core.workers().at("worker-b").state == WorkerState::kAlive);
  }
  SUBCASE("a dead id re-registers cleanly") {
    h.closed(1);
    h.add_worker(3, "worker-a", 4, 4096);
    CHECK(h.sent<msg::RegisteredWorker>(3).size() == 1);
    CHECK(h.core.workers().at("worker-a").state == WorkerState::kAlive);
    CHECK(h.core.workers().at("worker-a").conn == 3);
  }
}

TEST_CASE("master: heartbeats, timeout, reconnect") {
  Harness h;
  h.add_worker(1, "worker-a", 4, 4096);
  h.clock.advance(6'000);
  h.from(1, "worker", msg::WorkerHeartbeat{"worker-a"});
  h.clock.advance(6'000);
  h.tick();
  CHECK(h.core.workers().at("worker-a").state == WorkerState::kAlive);  // heartbeat 6 s ago
  h.clock.advance(4'001);
  h.tick();
  CHECK(h.core.workers().at("worker-a").state == WorkerState::kDead);

  SUBCASE("a heartbeat from the dropped worker asks it to reconnect") {
    h.from(1, "worker", msg::WorkerHeartbeat{"worker-a"});
    auto r = h.sent<msg::ReconnectWorker>(1);
    REQUIRE(r.size() == 1);
    CHECK(r[0].master_url == "spark://m:7077");
    h.add_worker(1, "worker-a", 4, 4096);
    CHECK(h.core.workers().at("worker-a").state == WorkerState::kAlive);
  }
  SUBCASE("a heartbeat from a never-seen id is ignored") {
    h.from(1, "worker", msg::WorkerHeartbeat{"worker-zzz"});
    CHECK(h.last.empty());
  }
  SUBCASE("dead workers are forgotten after (persistence+1) x timeout") {
    h.clock.advance(16 * 10'000);
    h.tick();
    CHECK(h.core.workers().count("worker-a") == 0);
  }
}

TEST_CASE("master: app registration gets executors on workers") {
  Harness h;
  h.add_worker(1, "worker-a", 4, 4096);
  h.add_worker(2, "worker-b", 2, 4096);
  h.add_app(100, "job", std::nullopt, std::nullopt, 512);
  auto reg = h.sent<msg::RegisteredApplication>(100);
  REQUIRE(reg.size() == 1);
  CHECK(reg[0].app_id.rfind("app-", 0) == 0);
  CHECK(reg[0].app_id.size() == std::string("app-20231114221320-0000").size());
  CHECK(reg[0].app_id.substr(reg[0].app_id.size() - 5) == "-0000");
  auto la = h.sent<msg::LaunchExecutor>(1);
  auto lb = h.sent<msg::LaunchExecutor>(2);
  REQUIRE(la.size() == 1);
  REQUIRE(lb.size() == 1);
  CHECK(la[0].cores == 4);
  CHECK(lb[0].cores == 2);
  CHECK(la[0].memory_mb == 512);
  CHECK(la[0].driver_url == "driver:1234");
  auto added = h.sent<msg::ExecutorAdded>(100);
  REQUIRE(added.size() == 2);
  const AppInfo& app = h.core.apps().at(reg[0].app_id);
  CHECK(app.state == AppState::kRunning);
  CHECK(app.cores_granted() == 6);
  CHECK(h.core.workers().at("worker-a").cores_used == 4);
  CHECK(h.core.workers().at("worker-a").memory_used_mb == 512);

  auto j = h.core.to_json();
  CHECK(j["aliveworkers"] == 2);
  CHECK(j["coresused"] == 6);
  CHECK(j["activeapps"].size() == 1);
  CHECK(j["activeapps"][0]["executors"].size() == 2);
  CHECK(j["activeapps"][0]["memoryperslave"] == 512);
  CHECK(j["activeapps"][0]["appuiurl"] == "http://driver:4040");  // the master page links it
  CHECK(j["killenabled"] == true);
  CHECK(j["status"] == "ALIVE");

  SUBCASE("second app waits (FIFO) until the first unregisters") {
    h.add_app(101, "second");
    CHECK(h.sent<msg::ExecutorAdded>(101).empty());
    std::string first = reg[0].app_id;
    h.from(100, "app", msg::UnregisterApplication{first});
    CHECK(h.sent<msg::KillExecutor>(1).size() == 1);
    CHECK(h.sent<msg::KillExecutor>(2).size() == 1);
    CHECK(h.sent<msg::ApplicationFinished>(1).size() == 1);
    CHECK(h.sent<msg::ApplicationRemoved>(100).empty());  // FINISHED is not announced
    CHECK(h.sent<msg::ExecutorAdded>(101).size() == 2);   // freed cores go to the next app
    REQUIRE(h.core.completed_apps().size() == 1);
    CHECK(h.core.completed_apps()[0].state == AppState::kFinished);
  }
  SUBCASE("driver disconnect finishes the app and frees resources") {
    h.closed(100);
    CHECK(h.core.apps().empty());
    CHECK(h.core.workers().at("worker-a").cores_used == 0);
    CHECK(h.core.workers().at("worker-a").memory_used_mb == 0);
    CHECK(h.sent<msg::KillExecutor>(1).size() == 1);
  }
  SUBCASE("executor RUNNING is forwarded; normal exit is replaced without counting a retry") {
    std::string id = reg[0].app_id;
    h.report(1, id, la[0].exec_id, "RUNNING");
    auto up = h.sent<msg::ExecutorUpdated>(100);
    REQUIRE(up.size() == 1);
    CHECK(up[0].state == "RUNNING");
    h.report(1, id, la[0].exec_id, "EXITED", 0);
    CHECK(h.core.apps().at(id).retry_count == 0);
    auto relaunch = h.sent<msg::LaunchExecutor>(1);
    REQUIRE(relaunch.size() == 1);
    CHECK(relaunch[0].exec_id == 2);
  }
}

TEST_CASE("master: worker timeout marks executors LOST and re-offers the cores") {
  Harness h;
  h.add_worker(1, "worker-a", 2, 4096);
  h.add_app(100, "job", 4);
  std::string id = h.app_id();
  CHECK(h.core.apps().at(id).cores_granted() == 2);
  h.add_worker(2, "worker-b", 2, 4096);
  CHECK(h.sent<msg::LaunchExecutor>(2).size() == 1);  // a new worker is offered right away
  CHECK(h.core.apps().at(id).cores_granted() == 4);

  h.clock.advance(5'000);
  h.from(2, "worker", msg::WorkerHeartbeat{"worker-b"});
  h.clock.advance(5'001);
  h.tick();  // worker-a silent for 10.001 s
  CHECK(h.core.workers().at("worker-a").state == WorkerState::kDead);
  auto lost = h.sent<msg::ExecutorUpdated>(100);
  REQUIRE(lost.size() == 1);
  CHECK(lost[0].state == "LOST");
  CHECK(lost[0].worker_lost);
  auto removed = h.sent<msg::WorkerRemoved>(100);
  REQUIRE(removed.size() == 1);
  CHECK(removed[0].worker_id == "worker-a");
  CHECK(h.core.apps().at(id).cores_granted() == 2);
  CHECK(h.core.apps().at(id).state == AppState::kRunning);

  // The lost cores are re-offered: a fresh worker gets a replacement executor.
  h.add_worker(3, "worker-c", 8, 4096);
  auto repl = h.sent<msg::LaunchExecutor>(3);
  REQUIRE(repl.size() == 1);
  CHECK(repl[0].cores == 2);  // max_cores 4 minus the 2 still on worker-b
  auto j = h.core.to_json();
  CHECK(j["aliveworkers"] == 2);
  CHECK(j["workers"].size() == 3);
}

TEST_CASE("master: worker connection drop is immediate death") {
  Harness h;
  h.add_worker(1, "worker-a", 2, 4096);
  h.add_worker(2, "worker-b", 2, 4096);
  h.add_app(100, "job", 2);
  std::string id = h.app_id();
  std::string on = h.core.apps().at(id).executors.begin()->second.worker_id;
  ConnId conn = on == "worker-a" ? 1 : 2;
  ConnId other = conn == 1 ? 2 : 1;
  h.closed(conn);
  CHECK(h.core.workers().at(on).state == WorkerState::kDead);
  CHECK(h.sent<msg::ExecutorUpdated>(100).size() == 1);
  CHECK(h.sent<msg::LaunchExecutor>(other).size() == 1);  // replacement on the survivor
}

TEST_CASE("master: retries exhausted fails the application") {
  MasterConfig cfg = Harness::make_cfg();
  cfg.max_executor_retries = 3;
  Harness h(cfg);
  h.add_worker(1, "worker-a", 2, 4096);
  h.add_app(100, "crashy");
  std::string id = h.app_id();
  int exec = h.sent<msg::LaunchExecutor>(1).at(0).exec_id;
  for (int i = 0; i < 2; ++i) {
    h.report(1, id, exec, "FAILED", 1);
    CHECK(h.core.apps().at(id).retry_count == i + 1);
    auto l = h.sent<msg::LaunchExecutor>(1);
    REQUIRE(l.size() == 1);  // replaced
    exec = l[0].exec_id;
  }
  SUBCASE("a RUNNING executor resets the count") {
    h.report(1, id, exec, "RUNNING");
    CHECK(h.core.apps().at(id).retry_count == 0);
  }
  SUBCASE("the third abnormal exit with nothing running fails the app") {
    h.report(1, id, exec, "EXITED", 3);
    CHECK(h.core.apps().count(id) == 0);
    auto rm = h.sent<msg::ApplicationRemoved>(100);
    REQUIRE(rm.size() == 1);
    CHECK(rm[0].state == "FAILED");
    CHECK(h.sent<msg::ApplicationFinished>(1).size() == 1);
    CHECK(h.core.completed_apps().back().state == AppState::kFailed);
    CHECK(h.core.workers().at("worker-a").cores_used == 0);
  }
}

TEST_CASE("master: WorkerLatestState kills unknown executors") {
  Harness h;
  h.add_worker(1, "worker-a", 2, 4096);
  h.add_app(100, "job");
  std::string id = h.app_id();
  msg::WorkerLatestState st{"worker-a", {{id, 0, 2, 1024}, {"app-old-0001", 7, 1, 512}}};
  h.from(1, "worker", st);
  auto kills = h.sent<msg::KillExecutor>(1);
  REQUIRE(kills.size() == 1);
  CHECK(kills[0].app_id == "app-old-0001");
  CHECK(kills[0].exec_id == 7);
}

TEST_CASE("master: defaultCores caps apps without max_cores; consolidate mode") {
  MasterConfig cfg = Harness::make_cfg();
  cfg.default_cores = 3;
  cfg.spread_out = false;
  Harness h(cfg);
  h.add_worker(1, "worker-a", 4, 8192);
  h.add_worker(2, "worker-b", 4, 8192);
  h.add_app(100, "job", std::nullopt, 1);
  CHECK(h.core.apps().at(h.app_id()).cores_granted() == 3);
  CHECK(h.core.workers().at("worker-a").cores_used + h.core.workers().at("worker-b").cores_used == 3);
  CHECK((h.core.workers().at("worker-a").cores_used == 3 || h.core.workers().at("worker-b").cores_used == 3));
}

TEST_CASE("master: messages from the wrong role close the connection") {
  Harness h;
  h.from(5, "app", msg::WorkerHeartbeat{"x"});
  REQUIRE(h.last.size() == 1);
  CHECK(std::get_if<Close>(&h.last[0]) != nullptr);
  h.from(6, "worker", msg::LaunchExecutor{});
  REQUIRE(h.last.size() == 1);
  CHECK(std::get_if<Close>(&h.last[0]) != nullptr);
}

TEST_CASE("master: completed applications are bounded") {
  MasterConfig cfg = Harness::make_cfg();
  cfg.retained_applications = 10;
  Harness h(cfg);
  for (ConnId c = 100; c < 125; ++c) {
    h.add_app(c, "a");
    h.closed(c);
  }
  CHECK(h.core.completed_apps().size() <= 10);
  CHECK(h.core.completed_apps().size() >= 9);
}

// ---------------------------------------------------------------- reconciliation (issue #2)

TEST_CASE("master: a re-registering worker's missing executors are LOST, unknown ones killed") {
  Harness h;
  h.add_worker(1, "worker-a", 2, 4096);
  h.add_app(100, "job", 2);
  std::string id = h.app_id();
  REQUIRE(h.core.apps().at(id).executors.size() == 1);  // executor 0, both cores
  h.report(1, id, 0, "RUNNING");

  // The worker reconnects on a new connection before the master noticed the old one drop
  // (silent for two heartbeats: a half-open link).
  h.clock.advance(5'000);
  h.add_worker(2, "worker-a", 2, 4096, 1001);
  REQUIRE(h.sent<msg::RegisteredWorker>(2).size() == 1);
  CHECK(h.sent<msg::RegisteredWorker>(2)[0].duplicate);
  CHECK(h.sent<msg::LaunchExecutor>(2).empty());  // its cores are still taken by executor 0

  // It no longer runs executor 0 (e.g. killed while partitioned), but runs a zombie.
  h.from(2, "worker", msg::WorkerLatestState{"worker-a", {{"app-zombie-0001", 3, 1, 512}}});
  auto kills = h.sent<msg::KillExecutor>(2);
  REQUIRE(kills.size() == 1);
  CHECK(kills[0].app_id == "app-zombie-0001");
  auto upd = h.sent<msg::ExecutorUpdated>(100);
  REQUIRE(upd.size() == 1);
  CHECK(upd[0].exec_id == 0);
  CHECK(upd[0].state == "LOST");
  CHECK_FALSE(upd[0].worker_lost);
  CHECK(h.core.apps().at(id).removed_executors.back().state == ExecutorState::kLost);
  // The cores are offered again at once: a replacement on the same worker.
  auto launch = h.sent<msg::LaunchExecutor>(2);
  REQUIRE(launch.size() == 1);
  CHECK(launch[0].exec_id == 1);
  CHECK(launch[0].cores == 2);
  CHECK(h.sent<msg::ExecutorAdded>(100).size() == 1);

  // An executor launched after the registration may be missing from a report: not LOST.
  h.from(2, "worker", msg::WorkerLatestState{"worker-a", {}});
  CHECK(h.sent<msg::ExecutorUpdated>(100).empty());
  CHECK(h.core.apps().at(id).executors.count(1) == 1);
  CHECK(h.core.apps().at(id).retry_count == 0);  // a vanished executor is not the app's failure
}

TEST_CASE("master: listed executors that the master placed there are kept") {
  Harness h;
  h.add_worker(1, "worker-a", 2, 4096);
  h.add_app(100, "job", 2);
  std::string id = h.app_id();
  h.add_worker(2, "worker-a", 2, 4096, 1001);
  h.from(2, "worker", msg::WorkerLatestState{"worker-a", {{id, 0, 2, 1024}}});
  CHECK(h.sent<msg::KillExecutor>(2).empty());
  CHECK(h.sent<msg::ExecutorUpdated>(100).empty());
  CHECK(h.core.apps().at(id).executors.count(0) == 1);
}

// ---------------------------------------------------------------- standby and recovery (issue #6)

namespace {
MasterConfig recovery_cfg() {
  MasterConfig c = Harness::make_cfg();
  c.persist = true;
  c.recovery_dir = "/r";
  c.recovery_timeout_ms = 5'000;
  return c;
}

StoredState stored_cluster(const std::string& app_id) {
  StoredState st;
  st.workers.push_back({"worker-a", "10.0.0.1", 1001, 4, 4096, "http://10.0.0.1:8081"});
  st.workers.push_back({"worker-b", "10.0.0.2", 1002, 4, 4096, "http://10.0.0.2:8081"});
  StoredApp a;
  a.id = app_id;
  a.desc.name = "job";
  a.desc.max_cores = 3;
  a.desc.memory_per_executor_mb = 512;
  a.desc.driver_url = "driver:1234";
  a.start_wall_ms = 1;
  a.next_executor_id = 3;
  st.apps.push_back(a);
  return st;
}

template <typename T>
size_t count_effects(const std::vector<Effect>& effs) {
  size_t n = 0;
  for (const auto& e : effs) n += std::holds_alternative<T>(e);
  return n;
}
}  // namespace

TEST_CASE("master: a standby refuses registrations until elected") {
  Harness h(recovery_cfg());
  CHECK(h.core.status() == MasterStatus::kStandby);
  h.add_worker(1, "worker-a", 2, 4096);
  CHECK(h.sent<msg::MasterInStandby>(1).size() == 1);
  CHECK(h.core.workers().empty());
  h.add_app(100, "job");
  CHECK(h.sent<msg::MasterInStandby>(100).size() == 1);
  CHECK(h.core.apps().empty());
  CHECK(h.core.to_json()["status"] == "STANDBY");

  h.last = h.core.handle(ElectedLeader{});
  CHECK(h.core.status() == MasterStatus::kAlive);
  h.add_worker(1, "worker-a", 2, 4096);
  REQUIRE(h.sent<msg::RegisteredWorker>(1).size() == 1);
  REQUIRE(count_effects<Persist>(h.last) == 1);
  CHECK(std::get<Persist>(h.last[0]).name == "worker_worker-a");
  h.add_app(100, "job");
  CHECK(count_effects<Persist>(h.last) >= 1);  // the app, then again as executor ids move
  h.closed(100);
  CHECK(count_effects<Unpersist>(h.last) == 1);
  h.closed(1);
  CHECK(count_effects<Unpersist>(h.last) == 1);
}

TEST_CASE("master: recovery re-adopts workers, executors and apps; the silent are dropped") {
  Harness h(recovery_cfg());
  const std::string app = "app-20250101000000-0007";
  h.last = h.core.handle(ElectedLeader{stored_cluster(app)});
  CHECK(h.core.status() == MasterStatus::kRecovering);
  CHECK(h.core.workers().at("worker-a").state == WorkerState::kUnknown);
  CHECK(h.core.apps().at(app).unknown);
  CHECK(h.core.to_json()["status"] == "RECOVERING");

  // Worker a comes back, running executor 2 of the app and a zombie of a forgotten app.
  h.add_worker(1, "worker-a", 4, 4096);
  REQUIRE(h.sent<msg::RegisteredWorker>(1).size() == 1);
  CHECK(h.core.workers().at("worker-a").state == WorkerState::kAlive);
  h.from(1, "worker", msg::WorkerLatestState{"worker-a", {{app, 2, 1, 512}, {"app-gone-0001", 0, 1, 512}}});
  auto kills = h.sent<msg::KillExecutor>(1);
  REQUIRE(kills.size() == 1);
  CHECK(kills[0].app_id == "app-gone-0001");
  CHECK(h.core.apps().at(app).executors.count(2) == 1);
  CHECK(h.core.workers().at("worker-a").cores_used == 1);
  CHECK(h.sent<msg::LaunchExecutor>(1).empty());  // nothing is launched while recovering

  // A new app may register meanwhile; it waits for the end of recovery too.
  h.add_app(101, "late");
  CHECK(h.sent<msg::RegisteredApplication>(101).size() == 1);
  CHECK(h.count_all<msg::LaunchExecutor>() == 0);

  // The driver re-registers under its id.
  msg::RegisterApplication again;
  again.name = "job";
  again.max_cores = 3;
  again.memory_per_executor_mb = 512;
  again.driver_url = "driver:1234";
  again.app_id = app;
  h.from(100, "app", again);
  auto reg = h.sent<msg::RegisteredApplication>(100);
  REQUIRE(reg.size() == 1);
  CHECK(reg[0].app_id == app);
  CHECK_FALSE(h.core.apps().at(app).unknown);
  CHECK(h.core.status() == MasterStatus::kRecovering);  // worker b is still UNKNOWN

  // While recovering, a driver the stored state missed gets its application back.
  again.app_id = "app-20250101000000-0009";
  h.from(102, "app", again);
  REQUIRE(h.sent<msg::RegisteredApplication>(102).size() == 1);
  CHECK(h.core.apps().count("app-20250101000000-0009") == 1);

  h.clock.advance(4'999);
  h.tick();
  CHECK(h.core.status() == MasterStatus::kRecovering);
  h.clock.advance(1);
  h.tick();
  CHECK(h.core.status() == MasterStatus::kAlive);
  CHECK(h.core.workers().at("worker-b").state == WorkerState::kDead);
  CHECK(count_effects<Unpersist>(h.last) == 1);
  // Scheduling resumes: the recovered app gets its 2 missing cores with fresh executor ids.
  auto launch = h.sent<msg::LaunchExecutor>(1);
  REQUIRE(!launch.empty());
  CHECK(launch[0].app_id == app);
  CHECK(launch[0].exec_id == 3);
  CHECK(launch[0].cores == 2);
}

TEST_CASE("master: recovery ends as soon as everyone answered; apps that never return finish") {
  Harness h(recovery_cfg());
  const std::string app = "app-20250101000000-0007";
  StoredState st = stored_cluster(app);
  st.workers.pop_back();
  h.last = h.core.handle(ElectedLeader{st});
  h.add_worker(1, "worker-a", 4, 4096);
  CHECK(h.core.status() == MasterStatus::kRecovering);  // the app has not answered
  h.clock.advance(5'000);
  h.tick();
  CHECK(h.core.status() == MasterStatus::kAlive);
  CHECK(h.core.apps().empty());
  REQUIRE(h.core.completed_apps().size() == 1);
  CHECK(h.core.completed_apps().back().id == app);
  CHECK(h.sent<msg::ApplicationFinished>(1).size() == 1);

  // The next app's id does not collide with the recovered one.
  h.add_app(100, "next");
  CHECK(h.app_id() != app);
  CHECK(h.app_id().substr(h.app_id().size() - 4) == "0008");
}

TEST_CASE("master: recovery waits for a re-registered worker's executor report before scheduling") {
  Harness h(recovery_cfg());
  const std::string app = "app-20250101000000-0007";
  StoredState st = stored_cluster(app);
  st.workers.pop_back();  // only worker-a
  h.last = h.core.handle(ElectedLeader{st});
  h.add_worker(1, "worker-a", 4, 4096);
  msg::RegisterApplication again;
  again.name = "job";
  again.max_cores = 3;
  again.memory_per_executor_mb = 512;
  again.driver_url = "driver:1234";
  again.app_id = app;
  h.from(100, "app", again);
  // Everyone has registered, but worker-a has not said what it runs: its cores look free, and
  // scheduling now would give the app executors on top of the one it already has there.
  CHECK(h.core.status() == MasterStatus::kRecovering);
  CHECK(h.count_all<msg::LaunchExecutor>() == 0);
  h.from(1, "worker", msg::WorkerLatestState{"worker-a", {{app, 2, 1, 512}}});
  CHECK(h.core.status() == MasterStatus::kAlive);
  CHECK(h.core.apps().at(app).executors.count(2) == 1);  // re-adopted
  auto launch = h.sent<msg::LaunchExecutor>(1);
  REQUIRE(launch.size() == 1);
  CHECK(launch[0].cores == 2);  // only what max_cores=3 leaves
  CHECK(h.core.workers().at("worker-a").cores_used == 3);
}

TEST_CASE("master: application ids are the master's - no unknown, invalid or live id is taken") {
  Harness h;
  h.add_worker(1, "worker-a", 2, 4096);
  msg::RegisterApplication r;
  r.name = "job";
  r.driver_url = "driver:1";

  SUBCASE("an id this master never made (no recovery) is refused for good") {
    r.app_id = "app-20240101000000-0042";
    h.from(100, "app", r);
    CHECK(h.sent<msg::RegisteredApplication>(100).empty());
    auto f = h.sent<msg::RegisterApplicationFailed>(100);
    REQUIRE(f.size() == 1);
    CHECK_FALSE(f[0].retry);
    CHECK(f[0].message.find("no running application app-20240101000000-0042") != std::string::npos);
    CHECK(h.core.apps().empty());
    CHECK(h.sent<msg::LaunchExecutor>(1).empty());
  }
  SUBCASE("an id that could become a path elsewhere is refused") {
    for (std::string bad : {"../../ESCAPED", "app-20240101000000-0042/..", "app-2024-0001", ""}) {
      r.app_id = bad;
      h.from(100, "app", r);
      REQUIRE(h.sent<msg::RegisterApplicationFailed>(100).size() == 1);
      CHECK(h.sent<msg::RegisterApplicationFailed>(100)[0].message == "invalid application id");
    }
    CHECK(h.core.apps().empty());
  }
  SUBCASE("a live application's id from another connection: refused, its driver keeps it") {
    h.add_app(100, "job");
    std::string id = h.app_id();
    r.app_id = id;
    h.from(200, "app", r);
    auto f = h.sent<msg::RegisterApplicationFailed>(200);
    REQUIRE(f.size() == 1);
    CHECK(f[0].retry);
    CHECK(h.core.apps().at(id).driver == 100);
    CHECK(h.core.apps().at(id).state != AppState::kFinished);
    // Once its driver's connection is gone (an app ends with its driver), the id is not reused.
    h.closed(100);
    h.from(300, "app", r);
    CHECK(h.sent<msg::RegisterApplicationFailed>(300).size() == 1);
    CHECK(h.core.apps().empty());
  }
}

TEST_CASE("master: killing an application (web UI) ends it KILLED and tells its driver") {
  Harness h;
  h.add_worker(1, "worker-a", 4, 4096);
  h.add_worker(2, "worker-b", 2, 4096);
  h.add_app(100, "job");
  std::string id = h.app_id();
  REQUIRE(h.core.apps().at(id).executors.size() == 2);
  const int granted = h.core.apps().at(id).cores_granted();
  REQUIRE(granted > 0);
  h.last = h.core.handle(KillApplication{id, "Killed via the master web UI"});
  CHECK(h.sent<msg::KillExecutor>(1).size() == 1);
  CHECK(h.sent<msg::KillExecutor>(2).size() == 1);
  CHECK(h.sent<msg::ApplicationFinished>(1).size() == 1);
  auto removed = h.sent<msg::ApplicationRemoved>(100);
  REQUIRE(removed.size() == 1);
  CHECK(removed[0].state == "KILLED");
  CHECK(removed[0].message == "Killed via the master web UI");
  CHECK(h.core.apps().empty());
  REQUIRE(h.core.completed_apps().size() == 1);
  CHECK(h.core.completed_apps()[0].state == AppState::kKilled);
  CHECK(h.core.completed_apps()[0].removed_executors.size() == 2);
  CHECK(h.core.workers().at("worker-a").cores_used == 0);
  auto j = h.core.to_json();
  REQUIRE(j["completedapps"].size() == 1);
  CHECK(j["completedapps"][0]["state"] == "KILLED");
  CHECK(j["completedapps"][0]["cores"] == granted);  // what it held, not 0 (Spark's coresGranted)

  SUBCASE("a second kill (or an unknown id) is ignored") {
    h.last = h.core.handle(KillApplication{id, "again"});
    CHECK(h.last.empty());
    h.last = h.core.handle(KillApplication{"app-nope", "x"});
    CHECK(h.last.empty());
    CHECK(h.core.completed_apps().size() == 1);
  }
}

TEST_CASE("master: a handshaken connection that never registers is dropped after registerTimeout") {
  MasterConfig cfg = Harness::make_cfg();  // register_timeout_ms: 30 s default
  cfg.worker_timeout_ms = 120'000;
  Harness h(cfg);
  h.last = h.core.handle(PeerOpened{7});
  h.last = h.core.handle(PeerOpened{8});
  h.add_worker(8, "worker-a", 1, 1024);  // registers in time: kept
  h.clock.advance(29'999);
  h.tick();
  CHECK(count_effects<Close>(h.last) == 0);
  h.clock.advance(1);
  h.tick();
  REQUIRE(count_effects<Close>(h.last) == 1);
  CHECK(std::get<Close>(h.last[0]).conn == 7);
  h.clock.advance(60'000);
  h.from(8, "worker", msg::WorkerHeartbeat{"worker-a"});
  h.tick();
  CHECK(count_effects<Close>(h.last) == 0);  // the worker is registered: never dropped this way
  CHECK(h.core.workers().at("worker-a").state == WorkerState::kAlive);
}

TEST_CASE("a recovery record with a float anywhere is skipped (1e55 MB was undefined behaviour)") {
  auto app = [](nlohmann::json mem) {
    return nlohmann::json{{"id", "app-20260101000000-0001"},
                          {"desc", {{"name", "a"}, {"max_cores", nullptr}, {"cores_per_executor", nullptr},
                                    {"memory_per_executor_mb", mem}, {"driver_url", "h:1"}, {"app_ui_url", ""},
                                    {"user", "u"}, {"executor_env", nlohmann::json::object()}, {"app_id", nullptr}}},
                          {"start_wall_ms", 1}, {"next_executor_id", 0}};
  };
  StoredState st;
  CHECK(add_stored_record(st, "app_a", app(512)));
  CHECK_FALSE(add_stored_record(st, "app_b", app(1.3333e55)));
  CHECK_FALSE(add_stored_record(st, "app_c", app(512.0)));
  nlohmann::json w = {{"id", "w"}, {"host", "h"}, {"port", 1.0e12}, {"cores", 1}, {"memory_mb", 1}, {"webui_url", ""}};
  CHECK_FALSE(add_stored_record(st, "worker_w", w));
  CHECK(st.apps.size() == 1);
  CHECK(st.workers.empty());
}

// ------------------------------------------------------------------ cluster-mode drivers

namespace {
std::vector<Effect>& submit_driver(Harness& h, ConnId conn, bool supervise, int cores = 1, int64_t mem = 512) {
  msg::RequestSubmitDriver r;
  r.desc.name = "job";
  r.desc.files = {"job.py", "data.txt"};
  r.desc.cores = cores;
  r.desc.memory_mb = mem;
  r.desc.supervise = supervise;
  h.last = h.core.handle(PeerMessage{conn, "cli", msg::Message(r), {"print(1)", "data"}});
  return h.last;
}
const Send* launch_driver_to(const Harness& h, ConnId conn) {
  for (const auto& e : h.last)
    if (auto* s = std::get_if<Send>(&e); s && s->conn == conn && std::holds_alternative<msg::LaunchDriver>(s->msg)) return s;
  return nullptr;
}
}  // namespace

TEST_CASE("master: a submitted driver waits for a worker with room, then is launched there with its files") {
  Harness h;
  submit_driver(h, 200, false, 2, 2048);
  auto resp = h.sent<msg::SubmitDriverResponse>(200);
  REQUIRE(resp.size() == 1);
  CHECK(resp[0].success);
  const std::string id = resp[0].driver_id;
  CHECK(id.rfind("driver-", 0) == 0);
  CHECK(id.size() == std::string("driver-20250101120000-0000").size());
  CHECK(id.substr(id.size() - 5) == "-0000");
  CHECK(h.core.drivers().at(id).state == DriverState::kSubmitted);
  h.add_worker(1, "worker-small", 1, 4096);  // too few cores
  CHECK(launch_driver_to(h, 1) == nullptr);
  h.add_worker(2, "worker-big", 4, 4096);
  const Send* s = launch_driver_to(h, 2);
  REQUIRE(s != nullptr);
  CHECK(std::get<msg::LaunchDriver>(s->msg).driver_id == id);
  CHECK(s->blobs == std::vector<std::string>{"print(1)", "data"});
  CHECK(h.core.drivers().at(id).state == DriverState::kRunning);
  CHECK(h.core.workers().at("worker-big").cores_used == 2);
  CHECK(h.core.workers().at("worker-big").memory_used_mb == 2048);
  // Its application's executors get what is left.
  h.add_app(100, "job");
  CHECK(h.sent<msg::LaunchExecutor>(2).at(0).cores == 2);
  auto j = h.core.to_json();
  CHECK(j["activedrivers"][0]["id"] == id);
  CHECK(j["activedrivers"][0]["worker"] == "worker-big");
  CHECK(j["activedrivers"][0]["mainclass"] == "job.py");
  // The worker reports the end: resources come back, the driver is completed.
  h.from(2, "worker", msg::DriverStateChanged{id, "FINISHED", "", 0});
  CHECK(h.core.drivers().empty());
  CHECK(h.core.completed_drivers().back().state == DriverState::kFinished);
  CHECK(h.core.workers().at("worker-big").drivers.empty());  // its cores and memory went to the executors
  h.from(201, "cli", msg::RequestDriverStatus{id});
  auto st = h.sent<msg::DriverStatusResponse>(201);
  REQUIRE(st.size() == 1);
  CHECK(st[0].found);
  CHECK(st[0].state == "FINISHED");
  CHECK(st[0].worker_id == "worker-big");
  CHECK(st[0].worker_host_port == "10.0.0.1:1002");
}

TEST_CASE("master: kill of a waiting driver, a running one, and an unknown one") {
  Harness h;
  submit_driver(h, 200, false);
  const std::string waiting = h.sent<msg::SubmitDriverResponse>(200).at(0).driver_id;
  h.from(201, "cli", msg::RequestKillDriver{waiting});
  CHECK(h.sent<msg::KillDriverResponse>(201).at(0).success);
  CHECK(h.core.completed_drivers().back().state == DriverState::kKilled);
  h.add_worker(1, "worker-a", 2, 4096);
  submit_driver(h, 202, false);
  const std::string running = h.sent<msg::SubmitDriverResponse>(202).at(0).driver_id;
  CHECK(running.substr(running.size() - 5) == "-0001");
  h.from(203, "cli", msg::RequestKillDriver{running});
  CHECK(h.sent<msg::KillDriverResponse>(203).at(0).message == "Kill request for " + running + " submitted");
  CHECK(h.sent<msg::KillDriver>(1).at(0).driver_id == running);
  h.from(1, "worker", msg::DriverStateChanged{running, "KILLED", "", 143});
  CHECK(h.core.completed_drivers().back().state == DriverState::kKilled);
  h.from(204, "cli", msg::RequestKillDriver{running});
  auto k = h.sent<msg::KillDriverResponse>(204).at(0);
  CHECK_FALSE(k.success);
  CHECK(k.message == "Driver " + running + " has already finished or does not exist");
  // Only the worker running it may report on it.
  submit_driver(h, 205, false);
  const std::string third = h.sent<msg::SubmitDriverResponse>(205).at(0).driver_id;
  h.add_worker(2, "worker-b", 2, 4096);
  h.from(2, "worker", msg::DriverStateChanged{third, "FINISHED", "", 0});
  CHECK(h.core.drivers().count(third) == 1);
}

TEST_CASE("master: a lost worker's driver is relaunched under a new id with --supervise, else ERROR") {
  Harness h;
  h.add_worker(1, "worker-a", 2, 4096);
  submit_driver(h, 200, true);
  const std::string sup = h.sent<msg::SubmitDriverResponse>(200).at(0).driver_id;
  submit_driver(h, 201, false);
  const std::string plain = h.sent<msg::SubmitDriverResponse>(201).at(0).driver_id;
  CHECK(h.core.drivers().at(plain).worker_id == "worker-a");
  h.add_worker(2, "worker-b", 1, 4096);
  h.closed(1);
  CHECK(h.core.drivers().count(sup) == 0);
  CHECK(h.core.drivers().count(plain) == 0);
  std::map<std::string, DriverState> ended;
  for (const auto& d : h.core.completed_drivers()) ended[d.id] = d.state;
  CHECK(ended.at(sup) == DriverState::kRelaunching);
  CHECK(ended.at(plain) == DriverState::kError);
  REQUIRE(h.core.drivers().size() == 1);
  const DriverInfo& again = h.core.drivers().begin()->second;
  CHECK(again.id != sup);
  CHECK(again.desc.supervise);
  CHECK(again.worker_id == "worker-b");
  const Send* s = launch_driver_to(h, 2);
  REQUIRE(s != nullptr);
  CHECK(s->blobs.size() == 2);
}

TEST_CASE("master: a submission with blobs that do not match its files closes the connection") {
  Harness h;
  msg::RequestSubmitDriver r;
  r.desc.files = {"job.py"};
  h.last = h.core.handle(PeerMessage{200, "cli", msg::Message(r), {}});
  bool closed = false;
  for (const auto& e : h.last) closed = closed || std::holds_alternative<Close>(e);
  CHECK(closed);
  CHECK(h.core.drivers().empty());
  // A worker may not submit drivers.
  h.last = h.core.handle(PeerMessage{1, "worker", msg::Message(r), {"x"}});
  closed = false;
  for (const auto& e : h.last) closed = closed || std::holds_alternative<Close>(e);
  CHECK(closed);
}
