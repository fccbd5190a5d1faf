// TaskScheduler: placement, retries, aborts, executor loss — pure logic.
#include <doctest/doctest.h>

#include "driver/task_scheduler.h"

using namespace spp::driver;

TEST_CASE("tasks spread over executors' free cores, FIFO across task sets") {
  TaskScheduler s(4);
  s.add_executor("a", 2);
  s.add_executor("b", 1);
  s.submit(0, 0, 0, 5);
  s.submit(1, 1, 0, 2);
  auto l = s.assign(0);
  REQUIRE(l.size() == 3);
  int on_a = 0, on_b = 0;
  for (auto& x : l) {
    CHECK(x.job_id == 0);
    (x.exec_id == "a" ? on_a : on_b)++;
  }
  CHECK(on_a == 2);
  CHECK(on_b == 1);
  CHECK(s.assign(0).empty());  // no free cores
  CHECK(s.pending_count() == 4);
  auto end = s.succeeded(l[0].task_id, 5);
  CHECK(end.outcome == TaskEnd::kSucceeded);
  CHECK_FALSE(end.set_complete);
  auto next = s.assign(6);
  REQUIRE(next.size() == 1);
  CHECK(next[0].job_id == 0);  // job 0 still has pending tasks: it goes first
}

TEST_CASE("a failing task is retried, then the set aborts after maxFailures") {
  TaskScheduler s(2);
  s.add_executor("a", 4);
  s.submit(0, 0, 0, 2);
  auto l = s.assign(0);
  REQUIRE(l.size() == 2);
  auto r1 = s.failed(l[0].task_id, FailureKind::kUser, "boom", 1);
  CHECK(r1.outcome == TaskEnd::kWillRetry);
  auto l2 = s.assign(2);
  REQUIRE(l2.size() == 1);
  CHECK(l2[0].index == l[0].index);
  CHECK(l2[0].attempt == 1);
  auto r2 = s.failed(l2[0].task_id, FailureKind::kUser, "boom again", 3);
  CHECK(r2.outcome == TaskEnd::kAborted);
  CHECK(r2.abort_reason.find("failed 2 times") != std::string::npos);
  CHECK(r2.abort_reason.find("boom again") != std::string::npos);
  REQUIRE(r2.kill.size() == 1);  // the sibling still running is to be killed
  CHECK(r2.kill[0].task_id == l[1].task_id);
  CHECK(s.pending_count() == 0);
  // A late success of the killed sibling is ignored.
  CHECK(s.succeeded(l[1].task_id, 4).outcome == TaskEnd::kIgnored);
}

TEST_CASE("executor loss re-queues its running tasks without counting a failure") {
  TaskScheduler s(1);
  s.add_executor("a", 1);
  s.add_executor("b", 1);
  s.submit(0, 0, 0, 2);
  auto l = s.assign(0);
  REQUIRE(l.size() == 2);
  auto lost = s.remove_executor("a");
  REQUIRE(lost.size() == 1);
  CHECK(s.pending_count() == 1);
  CHECK(s.total_cores() == 1);
  // maxFailures is 1, yet the task runs again: loss is not the task's fault.
  auto done_b = s.succeeded(l[0].exec_id == "b" ? l[0].task_id : l[1].task_id, 1);
  CHECK(done_b.outcome == TaskEnd::kSucceeded);
  auto l2 = s.assign(2);
  REQUIRE(l2.size() == 1);
  CHECK(l2[0].exec_id == "b");
  CHECK(l2[0].attempt == 1);
  CHECK(s.succeeded(l2[0].task_id, 3).set_complete);
}

TEST_CASE("a second success of the same index is ignored; killed tasks do not retry") {
  TaskScheduler s(4);
  s.add_executor("a", 2);
  s.submit(7, 3, 0, 1);
  auto l = s.assign(0);
  REQUIRE(l.size() == 1);
  CHECK(s.failed(l[0].task_id, FailureKind::kKilled, "killed", 1).outcome == TaskEnd::kIgnored);
  CHECK(s.pending_count() == 0);
  CHECK(s.cancel_job(7).empty());
}

TEST_CASE("delay scheduling: a task waits for the executor holding its data, then runs anywhere") {
  TaskScheduler s(4);
  s.set_locality_wait(3000);
  s.add_executor("a", 1);
  s.add_executor("b", 1);
  // Both tasks' cached blocks live on "a".
  s.submit(0, 0, 0, 2, {{"a"}, {"a"}}, /*now_ms=*/0);
  auto l = s.assign(10);
  REQUIRE(l.size() == 1);  // "b" does not steal while the wait lasts
  CHECK(l[0].exec_id == "a");
  CHECK(s.has_waiting_local_tasks());
  CHECK(s.assign(2999).empty());
  auto late = s.assign(3000);
  REQUIRE(late.size() == 1);
  CHECK(late[0].exec_id == "b");
}

TEST_CASE("a task whose preferred executor is gone runs anywhere at once") {
  TaskScheduler s(4);
  s.add_executor("b", 1);
  s.submit(0, 0, 0, 1, {{"dead"}}, 0);
  auto l = s.assign(1);
  REQUIRE(l.size() == 1);
  CHECK(l[0].exec_id == "b");
}
