// A futex wake-up for threads that sleep until a mutex-guarded condition holds (the executor's
// task threads waiting for a launch). std::condition_variable costs one more syscall per wake:
// glibc re-takes the mutex in its "contended" state after every wait, so the woken thread's
// next unlock always calls futex(WAKE) though nobody waits. Linux only.
//
//   waiter (holding the mutex):  while (!cond) { t = s.prepare(); unlock; s.sleep(t); lock; s.done(); }
//   waker (holding the mutex):   make cond true; bool w = s.changed(); unlock; if (w) s.wake(1);
#pragma once
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

namespace spp::executor {

class WakeSignal {
 public:
  // Under the mutex, the condition false: registers a sleeper; returns the ticket to sleep on.
  uint32_t prepare() {
    ++sleepers_;
    return seq_.load();
  }
  // Under the mutex, once back from sleep().
  void done() { --sleepers_; }
  // Under the mutex, after changing the condition. True if a thread is (about to be) asleep.
  bool changed() {
    seq_.fetch_add(1);
    return sleepers_ > 0;
  }
  // Without the mutex. Returns at once if changed() ran since prepare(); may return spuriously.
  void sleep(uint32_t ticket) {
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&seq_), FUTEX_WAIT_PRIVATE, ticket, nullptr, nullptr, 0);
  }
  // Without the mutex: wakes up to n sleepers.
  void wake(int n) { syscall(SYS_futex, reinterpret_cast<uint32_t*>(&seq_), FUTEX_WAKE_PRIVATE, n, nullptr, nullptr, 0); }

 private:
  static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t) && std::atomic<uint32_t>::is_always_lock_free);
  std::atomic<uint32_t> seq_{0};
  int sleepers_ = 0;  // guarded by the caller's mutex
};

}  // namespace spp::executor
