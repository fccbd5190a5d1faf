// The simulation tier: the real master, worker and DAG-scheduler cores in one process over a
// fake network (seeded delays, reordering across connections, drops by type) on a manual
// clock. Each scenario runs many seeds; every seed must end with each result partition
// accepted exactly once and no invariant broken. A failing seed is printed: rerun it alone.
#include <doctest/doctest.h>

#include "sim_cluster.h"

using namespace spp;
using namespace spp::sim;

namespace {

constexpr int kSeeds = 200;

std::string why(const SimCluster& c, uint64_t seed) {
  std::string s = "seed " + std::to_string(seed) + " at t=" + std::to_string(c.now());
  for (const auto& v : c.violations) s += "\n  " + v;
  for (const auto& [id, r] : c.failed_jobs()) s += "\n  job " + std::to_string(id) + " failed: " + r;
  return s;
}

// Runs until the job ended; returns whether it succeeded cleanly.
bool finish(SimCluster& c, int job, int64_t limit_ms = 120'000) {
  return c.run_until([&] { return c.job_ended(job); }, limit_ms) && c.failed_jobs().empty() && c.violations.empty();
}

bool all_executors_up(const SimCluster& c, size_t n) { return c.live_executors().size() >= n; }

// Runs until a reduce (result) task is launched after the first `since` launches, or the job
// ends; returns whether one was.
bool run_to_reduce_launch(SimCluster& c, size_t since = 0) {
  auto launched = [&] {
    for (size_t i = since; i < c.launches().size(); ++i)
      if (!c.launches()[i].is_map) return true;
    return false;
  };
  c.run_until([&] { return launched() || c.job_ended(0); }, 60'000);
  return launched();
}

int max_stage_attempt(const SimCluster& c, bool map) {
  int a = 0;
  for (const auto& l : c.launches())
    if (l.is_map == map) a = std::max(a, l.launch.stage_attempt);
  return a;
}

}  // namespace

TEST_CASE("sim: a two-stage job on master + 2 workers, any message timing") {
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    SimConfig cfg;
    cfg.seed = seed;
    SimCluster c(cfg);
    c.submit_job(0);
    INFO(why(c, seed));
    REQUIRE(finish(c, 0));
    CHECK(c.live_executors().size() == 2);
    CHECK(c.master()->workers().size() == 2);
    CHECK(max_stage_attempt(c, true) == 0);
  }
}

TEST_CASE("sim: a worker host lost mid-stage - its executor's tasks and outputs are recomputed elsewhere") {
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    SimConfig cfg;
    cfg.seed = seed;
    SimCluster c(cfg);
    c.submit_job(0);
    // Once some map task ran on worker 0's executor, the whole host goes.
    REQUIRE(c.run_until([&] { return all_executors_up(c, 2) && !c.launches().empty(); }, 30'000));
    c.run_until([&] { return c.launches().size() >= 3; }, 30'000);
    c.kill_worker_host(0);
    INFO(why(c, seed));
    REQUIRE(finish(c, 0));
    // The master saw the worker go and its executor LOST; the job finished on worker 1 only.
    bool dead = false;
    for (const auto& [id, w] : c.master()->workers()) dead = dead || (id == "worker-sim-0" && w.state == WorkerState::kDead);
    CHECK(dead);
    CHECK(c.live_executors_on(0).empty());
    CHECK(c.live_executors_on(1).size() == 1);
  }
}

TEST_CASE("sim: an executor lost after the map stage - reduce tasks fetch-fail and the map stage is resubmitted") {
  int resubmitted = 0;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    SimConfig cfg;
    cfg.seed = seed;
    SimCluster c(cfg);
    c.submit_job(0);
    // The first reduce launch: every map output exists; then one executor holding some dies.
    REQUIRE(run_to_reduce_launch(c));
    const std::string victim = c.launches().front().launch.exec_id;  // ran map task 0
    c.kill_executor(victim);
    INFO(why(c, seed));
    REQUIRE(finish(c, 0));
    // Whether the driver heard of the loss first (outputs unregistered, map stage re-run) or a
    // reduce task's fetch failed first (stage resubmitted as attempt 1), the maps ran again.
    int map_runs = 0;
    for (const auto& l : c.launches()) map_runs += l.is_map;
    CHECK(map_runs > 4);
    resubmitted += max_stage_attempt(c, true) > 0;
    // The worker restarted an executor for the application (spark.deploy.maxExecutorRetries).
    CHECK(c.run_until([&] { return all_executors_up(c, 2); }, 10'000));
  }
  CHECK(resubmitted > 0);  // some seeds took the fetch-failure path
}

TEST_CASE("sim: fetch failures in spark.stage.maxConsecutiveAttempts attempts of a stage fail the job") {
  for (uint64_t seed = 1; seed <= kSeeds / 4; ++seed) {
    SimConfig cfg;
    cfg.seed = seed;
    cfg.dag.max_stage_attempts = 2;
    SimCluster c(cfg);
    c.submit_job(0);
    // Each time the reduce stage starts, the map outputs of one executor vanish (its process
    // lives on, so only the reduce tasks' fetches tell): two attempts of it fail.
    for (int round = 0; round < 4 && !c.job_ended(0); ++round) {
      run_to_reduce_launch(c, c.launches().size());
      for (const auto& x : c.live_executors()) c.lose_shuffle_files(x);
    }
    c.run_until([&] { return c.job_ended(0); }, 120'000);
    INFO(why(c, seed));
    REQUIRE(c.failed_jobs().count(0) == 1);
    CHECK(c.failed_jobs().at(0).find("has failed the maximum allowable number of times: 2") != std::string::npos);
    CHECK(max_stage_attempt(c, false) == 1);  // the result stage ran exactly twice
    CHECK(c.violations.empty());
  }
}

TEST_CASE("sim: a stage that fetch-failed once and then completed starts counting again") {
  for (uint64_t seed = 1; seed <= kSeeds / 4; ++seed) {
    SimConfig cfg;
    cfg.seed = seed;
    cfg.dag.max_stage_attempts = 2;
    SimCluster c(cfg);
    c.submit_job(0);
    run_to_reduce_launch(c);
    c.lose_shuffle_files(c.launches().front().launch.exec_id);
    INFO(why(c, seed));
    REQUIRE(finish(c, 0));
    CHECK(max_stage_attempt(c, false) == 1);  // the result stage ran twice: attempt 0 fetch-failed
  }
}

TEST_CASE("sim: master failover - a standby master recovers workers and the application while the job runs") {
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    SimConfig cfg;
    cfg.seed = seed;
    cfg.persist = true;
    SimCluster c(cfg);
    c.submit_job(0);
    REQUIRE(c.run_until([&] { return all_executors_up(c, 2) && c.launches().size() >= 2; }, 60'000));
    const std::string app = c.app_id();
    c.kill_master();
    c.run_until([] { return false; }, 300);  // no master for a while: the job runs on
    c.start_standby_master();
    INFO(why(c, seed));
    REQUIRE(finish(c, 0));
    // Everyone came back to the new master, under the same ids; the executors were re-adopted.
    REQUIRE(c.run_until([&] {
      if (c.master()->status() != master::MasterStatus::kAlive) return false;
      int alive = 0;
      for (const auto& [id, w] : c.master()->workers()) alive += w.state == WorkerState::kAlive;
      return alive == 2 && c.master()->apps().count(app) == 1;
    }, 60'000));
    CHECK(c.app_id() == app);
    CHECK(c.live_executors().size() == 2);
  }
}

TEST_CASE("sim: a slow executor gets speculative copies; the first result of each partition wins") {
  int speculated = 0;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    SimConfig cfg;
    cfg.seed = seed;
    cfg.dag.speculation.enabled = true;
    cfg.dag.speculation.min_runtime_ms = 10;
    SimCluster c(cfg);
    c.slow_executor("0", 30);
    c.submit_job(0);
    INFO(why(c, seed));
    REQUIRE(finish(c, 0));
    for (const auto& l : c.launches()) speculated += l.launch.speculative;
  }
  CHECK(speculated > 0);
}

TEST_CASE("sim: lost heartbeats - the master times a silent worker out, then takes it back") {
  for (uint64_t seed = 1; seed <= kSeeds / 4; ++seed) {
    SimConfig cfg;
    cfg.seed = seed;
    SimCluster c(cfg);
    REQUIRE(c.run_until([&] { return all_executors_up(c, 2); }, 30'000));
    c.drop = [](const std::string& type) { return type == "WorkerHeartbeat"; };
    REQUIRE(c.run_until([&] {
      for (const auto& [id, w] : c.master()->workers())
        if (w.state == WorkerState::kDead) return true;
      return false;
    }, 30'000));
    c.drop = nullptr;
    c.submit_job(0);
    INFO(why(c, seed));
    REQUIRE(finish(c, 0));
  }
}
