// The one way a shell feeds a sans-I/O core: events queue up and are drained through the
// core's handle(); each effect goes to the shell's apply(). Effects that cause more events (a
// closed connection, a spawn result) post them here and they wait their turn, so the core is
// never re-entered. No I/O: the daemon shell and the simulation tests (tests/sim/) both use it.
#pragma once
#include <deque>
#include <functional>
#include <utility>
#include <vector>

namespace spp {

template <class Event, class Effect>
class EventQueue {
 public:
  using Handle = std::function<std::vector<Effect>(const Event&)>;
  using Apply = std::function<void(Effect&)>;
  using Drained = std::function<void()>;

  void attach(Handle handle, Apply apply, Drained drained = {}) {
    handle_ = std::move(handle);
    apply_ = std::move(apply);
    drained_ = std::move(drained);
  }

  // Handles `ev` and everything it causes; runs `drained` once the queue is empty. A post from
  // inside apply() only queues.
  void post(Event ev) {
    queue_.push_back(std::move(ev));
    if (draining_) return;
    draining_ = true;
    while (!queue_.empty()) {
      Event e = std::move(queue_.front());
      queue_.pop_front();
      for (auto& eff : handle_(e)) apply_(eff);
    }
    draining_ = false;
    if (drained_) drained_();
  }

 private:
  Handle handle_;
  Apply apply_;
  Drained drained_;
  std::deque<Event> queue_;
  bool draining_ = false;
};

}  // namespace spp
