// TaskScheduler: placement, retries, aborts, executor loss — pure logic.
#include <doctest/doctest.h>

#include <map>

#include "scheduler/task_scheduler.h"

using namespace spp::scheduler;

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

TEST_CASE("executor loss not caused by the application re-queues its running tasks without counting a failure") {
  TaskScheduler s(1);
  s.add_executor("a", 1);
  s.add_executor("b", 1);
  s.submit(0, 0, 0, 2);
  auto l = s.assign(0);
  REQUIRE(l.size() == 2);
  auto lost = s.remove_executor("a");
  REQUIRE(lost.size() == 1);
  CHECK(lost[0].end.outcome == TaskEnd::kWillRetry);
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

namespace {
SpeculationConf spec_on() {
  SpeculationConf c;
  c.enabled = true;  // Spark's defaults otherwise: multiplier 3, quantile 0.9, minTaskRuntime 100 ms
  return c;
}
}  // namespace

TEST_CASE("speculation: a slow task gets one copy on another executor; the first success wins") {
  TaskScheduler s(4);
  s.set_speculation(spec_on());
  s.add_executor("a", 2);
  s.add_executor("b", 2);
  s.submit(0, 0, 0, 4, {}, 0);
  auto l = s.assign(0);
  REQUIRE(l.size() == 4);
  const Launch* slow = nullptr;
  for (const auto& x : l)
    if (x.index == 3) slow = &x;
  REQUIRE(slow);
  // Three of four finish in 100 ms: 0.9 x 4 -> 3 are enough to judge; median 100 ms.
  for (const auto& x : l)
    if (x.index != 3) REQUIRE(s.succeeded(x.task_id, 100).outcome == TaskEnd::kSucceeded);
  CHECK(s.check_speculation(300).empty());  // 300 ms is not > 3 x 100 ms
  auto marked = s.check_speculation(301);
  REQUIRE(marked.size() == 1);
  CHECK(marked[0].task_id == slow->task_id);
  CHECK(s.check_speculation(400).empty());  // marked once
  auto copy = s.assign(302);
  REQUIRE(copy.size() == 1);  // one copy only, although three cores are free
  CHECK(copy[0].index == 3);
  CHECK(copy[0].speculative);
  CHECK(copy[0].attempt == 1);
  CHECK(copy[0].exec_id != slow->exec_id);
  CHECK(s.check_speculation(5000).empty());  // two copies running: no third
  // The copy wins; the original is returned to be killed and its late end is ignored.
  auto end = s.succeeded(copy[0].task_id, 400);
  CHECK(end.outcome == TaskEnd::kSucceeded);
  CHECK(end.set_complete);
  REQUIRE(end.kill.size() == 1);
  CHECK(end.kill[0].task_id == slow->task_id);
  CHECK(s.failed(slow->task_id, FailureKind::kKilled, "another attempt succeeded", 401).outcome == TaskEnd::kIgnored);
  CHECK(s.running_count() == 0);
}

TEST_CASE("speculation: the original may still win; the copy is then killed") {
  TaskScheduler s(4);
  s.set_speculation(spec_on());
  s.add_executor("a", 1);
  s.add_executor("b", 1);
  s.submit(0, 0, 0, 2, {}, 0);
  auto l = s.assign(0);
  REQUIRE(l.size() == 2);
  REQUIRE(s.succeeded(l[0].task_id, 50).outcome == TaskEnd::kSucceeded);  // floor(0.9 x 2) = 1 finished
  REQUIRE(s.check_speculation(151).size() == 1);                          // 151 > max(3 x 50, 100)
  auto copy = s.assign(152);
  REQUIRE(copy.size() == 1);
  CHECK(copy[0].exec_id == l[0].exec_id);  // the only executor without a copy of the task
  auto end = s.succeeded(l[1].task_id, 160);
  CHECK(end.set_complete);
  REQUIRE(end.kill.size() == 1);
  CHECK(end.kill[0].task_id == copy[0].task_id);
  CHECK(s.succeeded(copy[0].task_id, 161).outcome == TaskEnd::kIgnored);  // a late result is dropped
}

TEST_CASE("speculation: never on the executor already running the task, never when off, never too early") {
  TaskScheduler off(4);
  off.add_executor("a", 2);
  off.add_executor("b", 1);
  off.submit(0, 0, 0, 2, {}, 0);
  auto lo = off.assign(0);
  REQUIRE(off.succeeded(lo[0].task_id, 10).outcome == TaskEnd::kSucceeded);
  CHECK(off.check_speculation(100000).empty());

  TaskScheduler s(4);
  s.set_speculation(spec_on());
  s.add_executor("a", 4);
  s.submit(0, 0, 0, 2, {}, 0);
  auto l = s.assign(0);
  REQUIRE(l.size() == 2);
  REQUIRE(s.succeeded(l[0].task_id, 10).outcome == TaskEnd::kSucceeded);
  CHECK(s.check_speculation(100).empty());  // minTaskRuntime: 100 ms, although 100 > 3 x 10
  REQUIRE(s.check_speculation(101).size() == 1);
  CHECK(s.assign(102).empty());  // "a" already runs it: wait for another executor
  s.add_executor("b", 1);
  auto copy = s.assign(103);
  REQUIRE(copy.size() == 1);
  CHECK(copy[0].exec_id == "b");
}

TEST_CASE("speculation: pending tasks go before copies; a failed copy does not fail the original") {
  TaskScheduler s(2);
  s.set_speculation(spec_on());
  s.add_executor("a", 1);
  s.add_executor("b", 1);
  s.submit(0, 0, 0, 2, {}, 0);
  auto l = s.assign(0);
  REQUIRE(s.succeeded(l[0].task_id, 10).outcome == TaskEnd::kSucceeded);
  s.submit(1, 1, 0, 1, {}, 10);  // another job's task waits
  REQUIRE(s.check_speculation(200).size() == 1);
  auto next = s.assign(201);
  REQUIRE(next.size() == 1);
  CHECK(next[0].job_id == 1);  // the free core runs real work first
  CHECK_FALSE(next[0].speculative);
  REQUIRE(s.succeeded(next[0].task_id, 202).set_complete);
  auto copy = s.assign(203);
  REQUIRE(copy.size() == 1);
  CHECK(copy[0].speculative);
  // The copy fails (user error): one failure of two allowed; the original keeps running and
  // the index is queued again, as Spark does.
  auto f = s.failed(copy[0].task_id, FailureKind::kUser, "boom", 204);
  CHECK(f.outcome == TaskEnd::kWillRetry);
  CHECK(s.running_count() == 1);
  auto end = s.succeeded(l[1].task_id, 205);
  CHECK(end.set_complete);
  CHECK(s.pending_count() == 0);
}

TEST_CASE("a task queued again while another copy runs is dropped from the queue when that copy succeeds") {
  TaskScheduler s(4);
  SpeculationConf c = spec_on();
  c.quantile = 0.25;
  c.min_runtime_ms = 0;
  s.set_speculation(c);
  s.add_executor("a", 1);
  s.add_executor("b", 1);
  s.add_executor("c", 1);
  s.submit(0, 0, 0, 4, {}, 0);
  auto l = s.assign(0);  // 0 on a, 1 on b, 2 on c; 3 waits
  REQUIRE(l.size() == 3);
  std::map<int, Launch> by_index;
  for (auto& x : l) by_index[x.index] = x;
  REQUIRE(by_index[1].exec_id == "b");
  REQUIRE(s.succeeded(by_index[0].task_id, 10).outcome == TaskEnd::kSucceeded);
  auto l3 = s.assign(10);
  REQUIRE(l3.size() == 1);
  CHECK(l3[0].index == 3);
  CHECK(s.check_speculation(41).size() == 3);  // 1, 2 and 3 all ran > 3 x 10 ms
  REQUIRE(s.succeeded(by_index[2].task_id, 42).outcome == TaskEnd::kSucceeded);
  auto copy = s.assign(43);
  REQUIRE(copy.size() == 1);
  CHECK(copy[0].index == 1);
  CHECK(copy[0].exec_id == "c");
  // The original's executor is lost: index 1 is queued again although its copy still runs.
  s.remove_executor("b");
  CHECK(s.pending_count() == 1);
  auto end = s.succeeded(copy[0].task_id, 50);
  CHECK(end.outcome == TaskEnd::kSucceeded);
  CHECK_FALSE(end.set_complete);
  CHECK(s.pending_count() == 0);
  // The freed core copies the still-slow task 3 instead of re-running finished task 1.
  auto next = s.assign(51);
  REQUIRE(next.size() == 1);
  CHECK(next[0].index == 3);
  CHECK(next[0].speculative);
}

TEST_CASE("only running attempts are remembered: a long application does not accumulate them") {
  TaskScheduler s(2);
  s.add_executor("a", 2);
  s.add_executor("b", 2);
  for (int job = 0; job < 100; ++job) {
    s.submit(job, job, 0, 8, {}, job * 10);
    while (s.pending_count() > 0 || s.running_count() > 0) {
      for (const auto& l : s.assign(job * 10)) {
        if (l.index == 3 && l.attempt == 0) {
          CHECK(s.failed(l.task_id, FailureKind::kUser, "flaky", job * 10).outcome == TaskEnd::kWillRetry);
        } else {
          CHECK(s.succeeded(l.task_id, job * 10 + 1).outcome == TaskEnd::kSucceeded);
        }
        CHECK(s.attempt(l.task_id) == nullptr);  // ended: forgotten
      }
    }
  }
  CHECK(s.tracked_attempts() == 0);
  // Cancelled and lost attempts go too.
  s.submit(500, 500, 0, 4, {}, 0);
  auto l = s.assign(0);
  REQUIRE(l.size() == 4);
  CHECK(s.tracked_attempts() == 4);
  auto lost = s.remove_executor("b");
  CHECK(s.tracked_attempts() == 2);
  auto kill = s.cancel_job(500);
  CHECK(kill.size() == 2);
  CHECK(s.tracked_attempts() == 2);  // still running until the executor confirms the kill
  for (const auto& k : kill) CHECK(s.failed(k.task_id, FailureKind::kKilled, "killed", 1).outcome == TaskEnd::kIgnored);
  CHECK(s.tracked_attempts() == 0);
  CHECK(s.running_count() == 0);
}

TEST_CASE("speculation: an index queued again while a copy runs waits for that copy (no third copy)") {
  TaskScheduler s(4);
  s.set_speculation(spec_on());
  s.add_executor("a", 1);
  s.add_executor("b", 1);
  s.add_executor("c", 2);
  s.submit(0, 0, 0, 2, {}, 0);
  auto l = s.assign(0);
  std::map<int, Launch> by;
  for (auto& x : l) by[x.index] = x;
  REQUIRE(s.succeeded(by[0].task_id, 10).outcome == TaskEnd::kSucceeded);
  REQUIRE(s.check_speculation(200).size() == 1);
  auto copy = s.assign(201);
  REQUIRE(copy.size() == 1);
  s.remove_executor(by[1].exec_id);  // the original is lost; its copy still runs
  CHECK(s.pending_count() == 1);
  CHECK(s.assign(202).empty());      // queued, but not run twice
  // The copy fails: now the queued index runs (anywhere, the copy's executor included).
  CHECK(s.failed(copy[0].task_id, FailureKind::kUser, "boom", 203).outcome == TaskEnd::kWillRetry);
  auto again = s.assign(204);
  REQUIRE(again.size() == 1);
  CHECK(again[0].index == 1);
  CHECK_FALSE(again[0].speculative);
}

TEST_CASE("speculation: copies avoid every host the task already ran on") {
  TaskScheduler s(4);
  s.set_speculation(spec_on());
  s.add_executor("a1", 1, "host-a");
  s.add_executor("a2", 1, "host-a");
  s.submit(0, 0, 0, 2, {}, 0);
  auto l = s.assign(0);
  REQUIRE(l.size() == 2);
  const Launch& fast = l[0].index == 0 ? l[0] : l[1];
  const Launch& slow = l[0].index == 0 ? l[1] : l[0];
  REQUIRE(s.succeeded(fast.task_id, 10).outcome == TaskEnd::kSucceeded);
  REQUIRE(s.check_speculation(200).size() == 1);
  CHECK(s.assign(201).empty());  // the free core is on the slow task's host
  s.add_executor("b1", 1, "host-b");
  auto copy = s.assign(202);
  REQUIRE(copy.size() == 1);
  CHECK(copy[0].exec_id == "b1");
  CHECK(copy[0].index == slow.index);
}

TEST_CASE("speculation: the median of an even count is the mean of the middle two (as Spark's MedianHeap)") {
  TaskScheduler s(4);
  SpeculationConf c = spec_on();
  c.quantile = 0.5;
  s.set_speculation(c);
  for (const char* e : {"a", "b", "c", "d", "e"}) s.add_executor(e, 1);
  s.submit(0, 0, 0, 4, {}, 0);
  auto l = s.assign(0);
  REQUIRE(l.size() == 4);
  std::map<int, Launch> by;
  for (auto& x : l) by[x.index] = x;
  REQUIRE(s.succeeded(by[0].task_id, 100).outcome == TaskEnd::kSucceeded);
  REQUIRE(s.succeeded(by[1].task_id, 1000).outcome == TaskEnd::kSucceeded);
  // median (100 + 1000) / 2 = 550: slow beyond 1650 ms (the upper middle would say 3000).
  CHECK(s.check_speculation(1650).empty());
  CHECK(s.check_speculation(1651).size() == 2);
}

TEST_CASE("task cpus: a task set's tasks hold their cpus; a profiled set runs beside the default one") {
  TaskScheduler s(1);
  s.set_default_cpus(1);
  s.add_executor("a", 4);
  s.submit(0, 0, 0, 3, {}, 0, {2, 0});  // a TaskResourceProfile of 2 cpus
  auto l = s.assign(0);
  REQUIRE(l.size() == 2);  // 4 cores / 2 cpus
  CHECK(l[0].cpus == 2);
  s.submit(1, 1, 0, 3);  // the default profile: 1 cpu a task, waits for free cores
  CHECK(s.assign(1).empty());
  s.succeeded(l[0].task_id, 2);  // 2 cores free: the FIFO head's last task takes them
  auto l2 = s.assign(3);
  REQUIRE(l2.size() == 1);
  CHECK(l2[0].job_id == 0);
  s.succeeded(l[1].task_id, 4);  // 2 cores free again: two 1-cpu tasks of the next set
  auto l3 = s.assign(5);
  REQUIRE(l3.size() == 2);
  CHECK(l3[0].job_id == 1);
  CHECK(l3[1].job_id == 1);
  CHECK(l3[0].cpus == 1);
}

TEST_CASE("task cpus: a per-executor limit (custom resources) and a task larger than its executor") {
  TaskScheduler s(1);
  s.add_executor("a", 4);
  s.submit(0, 0, 0, 4, {}, 0, {1, 1});  // e.g. 2 gpus a task on an executor with 2
  auto l = s.assign(0);
  REQUIRE(l.size() == 1);
  CHECK(s.assign(1).empty());
  s.succeeded(l[0].task_id, 2);
  CHECK(s.assign(3).size() == 1);
  TaskScheduler t(1);
  t.add_executor("b", 2);
  t.submit(0, 0, 0, 2, {}, 0, {3, 0});  // 3 cpus on a 2-core executor: alone, never two
  auto m = t.assign(0);
  REQUIRE(m.size() == 1);
  CHECK(t.assign(1).empty());
  t.succeeded(m[0].task_id, 2);
  CHECK(t.assign(3).size() == 1);
}

TEST_CASE("a task whose executor dies every time fails its job after maxFailures losses") {
  // Spark's ExecutorLostFailure(exitCausedByApp = true) counts toward spark.task.maxFailures:
  // a task that crashes every executor must not be re-run forever.
  TaskScheduler s(3);
  s.submit(7, 1, 0, 2);
  for (int round = 0; round < 3; ++round) {
    const std::string e = "e" + std::to_string(round);
    s.add_executor(e, 2);
    auto l = s.assign(round);
    std::map<int, Launch> by;
    for (auto& x : l) by[x.index] = x;
    REQUIRE(by.count(0));
    if (by.count(1)) REQUIRE(s.succeeded(by[1].task_id, round).outcome != TaskEnd::kAborted);
    auto lost = s.remove_executor(e, true, "ExecutorLostFailure (executor " + e + ")");
    REQUIRE(lost.size() == 1);
    CHECK(lost[0].task_id == by[0].task_id);
    if (round < 2) {
      CHECK(lost[0].end.outcome == TaskEnd::kWillRetry);
      CHECK(s.pending_count() == 1);
    } else {
      CHECK(lost[0].end.outcome == TaskEnd::kAborted);
      CHECK(lost[0].end.job_id == 7);
      CHECK(lost[0].end.abort_reason ==
            "Task 0 in stage 1.0 failed 3 times, most recent failure: Lost task 0.2 in stage 1.0 (TID " +
                std::to_string(by[0].task_id) + ") (executor e2): ExecutorLostFailure (executor e2)");
      CHECK(s.pending_count() == 0);
    }
  }
}

TEST_CASE("losses and task failures count together; a minimum for losses keeps local mode's single attempt") {
  TaskScheduler s(1);
  s.set_min_lost_failures(4);
  s.submit(0, 0, 0, 1);
  for (int round = 0; round < 3; ++round) {
    s.add_executor("x" + std::to_string(round), 1);
    REQUIRE(s.assign(round).size() == 1);
    auto lost = s.remove_executor("x" + std::to_string(round), true, "crash");
    REQUIRE(lost.size() == 1);
    CHECK(lost[0].end.outcome == TaskEnd::kWillRetry);  // 3 losses < 4
  }
  s.add_executor("y", 1);
  auto l = s.assign(10);
  REQUIRE(l.size() == 1);
  CHECK(l[0].attempt == 3);
  // A user failure now aborts: maxFailures (1) applies to the total.
  auto end = s.failed(l[0].task_id, FailureKind::kUser, "boom", 11);
  CHECK(end.outcome == TaskEnd::kAborted);
  CHECK(end.abort_reason.find("failed 4 times") != std::string::npos);
}

TEST_CASE("aborting on a lost executor kills the job's attempts on other executors, not its own") {
  TaskScheduler s(1);
  s.add_executor("a", 1);
  s.add_executor("b", 1);
  s.submit(3, 2, 0, 2);
  auto l = s.assign(0);
  REQUIRE(l.size() == 2);
  auto lost = s.remove_executor("a", true, "crash");
  REQUIRE(lost.size() == 1);
  REQUIRE(lost[0].end.outcome == TaskEnd::kAborted);
  REQUIRE(lost[0].end.kill.size() == 1);
  CHECK(lost[0].end.kill[0].exec_id == "b");
  CHECK(s.tracked_attempts() == 1);  // b's attempt runs until b confirms the kill
}

TEST_CASE("executor queues: short tasks queue on busy executors once the stage has shown them short") {
  TaskScheduler s(4);
  s.set_queue(QueueConf{1, 20});
  s.add_executor("a", 2);
  s.add_executor("b", 1);
  s.submit(0, 0, 0, 20);
  auto l = s.assign(0);
  CHECK(l.size() == 3);  // no task finished yet: cores only
  CHECK(s.assign(0).empty());
  CHECK(s.succeeded(l[0].task_id, 1).outcome == TaskEnd::kSucceeded);
  auto l2 = s.assign(1);
  REQUIRE(l2.size() == 1);  // 1 short task is not enough evidence: its core only
  CHECK(s.succeeded(l[1].task_id, 2).outcome == TaskEnd::kSucceeded);
  // Now short: the free core (b's) first, then each executor's queue (one per core).
  auto l3 = s.assign(2);
  REQUIRE(l3.size() == 4);
  CHECK(l3[0].exec_id == "b");
  int on_a = 0, on_b = 0;
  for (auto& x : l3) (x.exec_id == "a" ? on_a : on_b)++;
  CHECK(on_a == 2);
  CHECK(on_b == 2);
  CHECK(s.running_on("a") == 4);  // 2 cores + 2 queued
  CHECK(s.running_on("b") == 2);  // 1 core + 1 queued
  CHECK(s.assign(3).empty());
}

TEST_CASE("executor queues: never for long tasks, several cpus, or with the queue off") {
  auto run = [](QueueConf q, int cpus, int64_t task_ms) {
    TaskScheduler s(4);
    s.set_queue(q);
    s.add_executor("a", 2);
    TaskDemand d;
    d.cpus = cpus;
    s.submit(0, 0, 0, 20, {}, 0, d);
    int64_t now = 0;
    for (int round = 0; round < 4; ++round) {
      for (auto& x : s.assign(now)) s.succeeded(x.task_id, now + task_ms);
      now += task_ms;
    }
    return s.assign(now).size();
  };
  CHECK(run(QueueConf{1, 20}, 1, 5) == 4);   // short: 2 cores + 2 queued
  CHECK(run(QueueConf{1, 20}, 1, 50) == 2);  // long: cores only
  CHECK(run(QueueConf{1, 20}, 2, 5) == 1);   // two cpus per task: no queue
  CHECK(run(QueueConf{0, 20}, 1, 5) == 2);   // off
}
