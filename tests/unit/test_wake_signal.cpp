// WakeSignal, the executor's futex wake-up for task threads: no lost wake-ups, no hang.
#include <doctest/doctest.h>

#include <mutex>
#include <thread>
#include <vector>

#include "executor/wake_signal.h"

using spp::executor::WakeSignal;

TEST_CASE("sleep returns at once when the condition changed after prepare") {
  WakeSignal s;
  CHECK_FALSE(s.changed());  // nobody sleeps: the waker skips the syscall
  uint32_t t = s.prepare();
  CHECK(s.changed());        // a registered sleeper must be woken
  s.sleep(t);                // stale ticket: must not block
  s.done();
  CHECK_FALSE(s.changed());
}

TEST_CASE("every item handed to sleeping threads is taken, and all threads quit") {
  std::mutex mu;
  WakeSignal s;
  int queue = 0, taken = 0;
  bool quitting = false;
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i)
    threads.emplace_back([&] {
      std::unique_lock<std::mutex> g(mu);
      for (;;) {
        while (!quitting && queue == 0) {
          uint32_t t = s.prepare();
          g.unlock();
          s.sleep(t);
          g.lock();
          s.done();
        }
        if (queue == 0) return;  // quitting with nothing left
        --queue;
        ++taken;
      }
    });
  for (int i = 0; i < 20000; ++i) {
    bool w;
    {
      std::lock_guard<std::mutex> g(mu);
      ++queue;
      w = s.changed();
    }
    if (w) s.wake(1);
  }
  {
    std::lock_guard<std::mutex> g(mu);
    quitting = true;
    (void)s.changed();
  }
  s.wake(INT32_MAX);
  for (auto& th : threads) th.join();
  CHECK(taken == 20000);
  CHECK(queue == 0);
}
