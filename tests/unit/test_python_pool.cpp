// PythonPool's idle-worker reaping on a ManualClock: which pooled workers are stopped and when.
// No daemon: each "worker" is one end of a socketpair, so a stopped worker shows as EOF on the
// other end, exactly what a real worker's recv() sees before it exits.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "common/clock.h"
#include "executor/python_pool.h"

using spp::ManualClock;
using spp::executor::PythonPool;
using spp::executor::PythonWorker;

namespace {

// A pooled worker whose far end we keep, non-blocking, to see whether the pool closed it.
struct FakeWorker {
  std::unique_ptr<PythonWorker> w;
  int peer = -1;
  explicit FakeWorker(int pid) {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    ::fcntl(sv[1], F_SETFL, O_NONBLOCK);
    w = std::make_unique<PythonWorker>();
    w->ch = std::make_unique<spp::BlockingChannel>(sv[0]);
    w->pid = pid;
    peer = sv[1];
  }
  ~FakeWorker() { ::close(peer); }
  // True once the pool has closed the worker's connection (the worker would exit now).
  bool stopped() const {
    char c;
    ssize_t n = ::read(peer, &c, 1);
    return n == 0;
  }
};

}  // namespace

TEST_CASE("a pooled worker is stopped only once it has been idle for longer than the timeout") {
  ManualClock clock;
  PythonPool pool("/nonexistent/python", {}, "/tmp", true, clock, 60'000);
  FakeWorker a(101);
  pool.release(std::move(a.w), true);
  CHECK(pool.idle_count() == 1);
  clock.advance(59'999);
  CHECK(pool.reap_idle() == 0);
  clock.advance(1);
  CHECK(pool.reap_idle() == 0);  // exactly the timeout is not "longer than"
  CHECK_FALSE(a.stopped());
  CHECK(pool.idle_count() == 1);
  clock.advance(1);
  CHECK(pool.reap_idle() == 1);
  CHECK(a.stopped());
  CHECK(pool.idle_count() == 0);
  CHECK(pool.reap_idle() == 0);  // forgotten: never stopped twice
}

TEST_CASE("each worker's idle time counts from its own release") {
  ManualClock clock;
  PythonPool pool("/nonexistent/python", {}, "/tmp", true, clock, 1'000);
  FakeWorker old_one(201), new_one(202);
  pool.release(std::move(old_one.w), true);
  clock.advance(800);
  pool.release(std::move(new_one.w), true);
  clock.advance(300);  // old: 1100 ms idle, new: 300 ms
  CHECK(pool.reap_idle() == 1);
  CHECK(old_one.stopped());
  CHECK_FALSE(new_one.stopped());
  CHECK(pool.idle_count() == 1);

  clock.advance(701);  // new: 1001 ms idle
  CHECK(pool.reap_idle() == 1);
  CHECK(new_one.stopped());
  CHECK(pool.idle_count() == 0);
}

TEST_CASE("timeout 0 keeps idle workers forever and asks for no reaping timer") {
  ManualClock clock;
  PythonPool pool("/nonexistent/python", {}, "/tmp", true, clock, 0);
  FakeWorker a(301);
  pool.release(std::move(a.w), true);
  clock.advance(365LL * 24 * 3600 * 1000);
  CHECK(pool.reap_interval_ms() == 0);
  CHECK(pool.reap_idle() == 0);
  CHECK_FALSE(a.stopped());
  CHECK(pool.idle_count() == 1);
}

TEST_CASE("the reaping check runs at half the timeout, between 100 ms and Spark's 10 s") {
  ManualClock clock;
  CHECK(PythonPool("p", {}, "/tmp", true, clock, 60'000).reap_interval_ms() == 10'000);
  CHECK(PythonPool("p", {}, "/tmp", true, clock, 1'000).reap_interval_ms() == 500);
  CHECK(PythonPool("p", {}, "/tmp", true, clock, 50).reap_interval_ms() == 100);
}
