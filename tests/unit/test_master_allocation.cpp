// plan_allocation: Spark's executor placement as a pure function (spread out vs consolidate,
// coresPerExecutor granularity, memory limits, FIFO between applications).
#include <doctest/doctest.h>

#include <map>

#include "master/allocation.h"

using namespace spp::master;

namespace {
std::vector<WorkerOffer> workers(std::initializer_list<std::tuple<const char*, int, int64_t>> ws) {
  std::vector<WorkerOffer> out;
  for (auto& [id, c, m] : ws) out.push_back({id, c, m});
  return out;
}
AppDemand app(const char* id, int cores_left, std::optional<int> cpe = std::nullopt, int64_t mem = 1024) {
  return {id, cores_left, cpe, mem};
}
// Cores per (app, worker) in a plan.
std::map<std::pair<std::string, std::string>, int> cores_by(const std::vector<ExecutorLaunch>& plan) {
  std::map<std::pair<std::string, std::string>, int> m;
  for (const auto& l : plan) m[{l.app_id, l.worker_id}] += l.cores;
  return m;
}
}  // namespace

TEST_CASE("allocation: spread out puts one executor per worker across the cluster") {
  auto plan = plan_allocation(workers({{"w1", 4, 8192}, {"w2", 4, 8192}, {"w3", 4, 8192}}), {app("a", 6)}, true);
  REQUIRE(plan.size() == 3);
  for (const auto& l : plan) {
    CHECK(l.cores == 2);
    CHECK(l.memory_mb == 1024);
  }
}

TEST_CASE("allocation: consolidate fills a worker before the next") {
  auto plan = plan_allocation(workers({{"w1", 4, 8192}, {"w2", 4, 8192}, {"w3", 4, 8192}}), {app("a", 6)}, false);
  auto m = cores_by(plan);
  REQUIRE(plan.size() == 2);
  CHECK(m[{"a", "w1"}] == 4);
  CHECK(m[{"a", "w2"}] == 2);
}

TEST_CASE("allocation: unlimited app takes every core, one executor per worker") {
  auto plan = plan_allocation(workers({{"w1", 2, 4096}, {"w2", 3, 4096}}), {app("a", INT32_MAX)}, true);
  auto m = cores_by(plan);
  CHECK(plan.size() == 2);
  CHECK(m[{"a", "w1"}] == 2);
  CHECK(m[{"a", "w2"}] == 3);
}

TEST_CASE("allocation: workers with most free cores are used first") {
  auto plan = plan_allocation(workers({{"w1", 1, 4096}, {"w2", 8, 4096}}), {app("a", 2)}, false);
  REQUIRE(plan.size() == 1);
  CHECK(plan[0].worker_id == "w2");
  CHECK(plan[0].cores == 2);
}

TEST_CASE("allocation: coresPerExecutor makes several executors per worker as memory allows") {
  SUBCASE("cores bound") {
    auto plan = plan_allocation(workers({{"w1", 8, 100000}}), {app("a", 100, 2)}, true);
    CHECK(plan.size() == 4);
    for (const auto& l : plan) CHECK(l.cores == 2);
  }
  SUBCASE("memory bound") {
    auto plan = plan_allocation(workers({{"w1", 8, 3000}}), {app("a", 100, 2, 1024)}, true);
    CHECK(plan.size() == 2);  // 3000 MB fits two 1024 MB executors
  }
  SUBCASE("remainder smaller than an executor is never allocated") {
    auto plan = plan_allocation(workers({{"w1", 5, 100000}}), {app("a", 100, 2)}, true);
    CHECK(plan.size() == 2);
    auto plan2 = plan_allocation(workers({{"w1", 8, 100000}}), {app("a", 5, 2)}, true);
    CHECK(plan2.size() == 2);  // 5 cores wanted in units of 2 -> 4
  }
  SUBCASE("spread out with coresPerExecutor round-robins executors") {
    auto plan = plan_allocation(workers({{"w1", 4, 100000}, {"w2", 4, 100000}}), {app("a", 4, 1)}, true);
    auto m = cores_by(plan);
    CHECK(plan.size() == 4);
    CHECK(m[{"a", "w1"}] == 2);
    CHECK(m[{"a", "w2"}] == 2);
  }
}

TEST_CASE("allocation: a worker too small for an executor is skipped") {
  auto plan = plan_allocation(workers({{"small", 8, 512}, {"big", 2, 4096}}), {app("a", 8, std::nullopt, 1024)}, true);
  REQUIRE(plan.size() == 1);
  CHECK(plan[0].worker_id == "big");
  CHECK(plan[0].cores == 2);
  auto none = plan_allocation(workers({{"w1", 1, 4096}}), {app("a", 8, 2)}, true);
  CHECK(none.empty());  // needs 2 cores per executor, only 1 free
}

TEST_CASE("allocation: never over-commits cores or memory") {
  auto ws = workers({{"w1", 3, 2048}, {"w2", 5, 5000}, {"w3", 1, 900}});
  std::vector<AppDemand> apps = {app("a", 4, 1, 700), app("b", 100, 2, 1000), app("c", 100)};
  for (bool spread : {true, false}) {
    auto plan = plan_allocation(ws, apps, spread);
    std::map<std::string, int> cores;
    std::map<std::string, int64_t> mem;
    for (const auto& l : plan) {
      cores[l.worker_id] += l.cores;
      mem[l.worker_id] += l.memory_mb;
    }
    for (const auto& w : ws) {
      CHECK(cores[w.worker_id] <= w.cores_free);
      CHECK(mem[w.worker_id] <= w.memory_free_mb);
    }
  }
}

TEST_CASE("allocation: FIFO between applications") {
  auto ws = workers({{"w1", 4, 8192}, {"w2", 4, 8192}});
  SUBCASE("the first app without a cap takes everything; the second waits") {
    auto plan = plan_allocation(ws, {app("first", INT32_MAX), app("second", INT32_MAX)}, true);
    auto m = cores_by(plan);
    CHECK(m[{"first", "w1"}] == 4);
    CHECK(m[{"first", "w2"}] == 4);
    CHECK(m.count({"second", "w1"}) == 0);
  }
  SUBCASE("a capped first app leaves the rest to the second") {
    auto plan = plan_allocation(ws, {app("first", 2), app("second", INT32_MAX)}, true);
    auto m = cores_by(plan);
    CHECK(m[{"first", "w1"}] + m[{"first", "w2"}] == 2);
    CHECK(m[{"second", "w1"}] + m[{"second", "w2"}] == 6);
  }
  SUBCASE("apps asking for nothing or impossible amounts get nothing") {
    auto plan = plan_allocation(ws, {app("zero", 0), app("huge", 4, std::nullopt, 100000)}, true);
    CHECK(plan.empty());
  }
}

TEST_CASE("allocation: no workers, no plan") {
  CHECK(plan_allocation({}, {app("a", 4)}, true).empty());
}
