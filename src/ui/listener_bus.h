// ListenerBus: the one road for listener events (scheduler/listener_events.h). The driver posts;
// every registered listener (the status store, the event-log writer) gets each event, in
// posting order, on the poster's thread. Synchronous on purpose: listeners are cheap (O(1)
// store updates, buffered log writes), so there is no queue to overflow (Spark's async bus
// drops events when it does) and a test sees the effects at once.
#pragma once
#include <algorithm>
#include <vector>

#include "common/config.h"
#include "common/ids.h"
#include "scheduler/listener_events.h"

namespace spp::ui {

class Listener {
 public:
  virtual ~Listener() = default;
  virtual void on_event(const scheduler::ListenerEvent& e) = 0;
};

class ListenerBus {
 public:
  // `l` is borrowed: it must outlive the bus or be removed first.
  void add(Listener* l) { listeners_.push_back(l); }
  void remove(Listener* l) { listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), l), listeners_.end()); }

  void post(scheduler::ListenerEvent e) {
    // Secrets never reach a listener, so neither the UI nor the event log can show them; nor
    // do executor log links other than http(s) ones (they come from executors: never a
    // javascript: link on a page).
    if (auto* env = std::get_if<scheduler::EnvironmentUpdateEvent>(&e))
      for (auto& [k, v] : env->properties)
        if (is_secret_key(k)) v = "*********(redacted)";
    if (auto* ex = std::get_if<scheduler::ExecutorAddedEvent>(&e)) ex->log_urls = ids::valid_http_urls(ex->log_urls);
    for (Listener* l : listeners_) l->on_event(e);
  }

 private:
  std::vector<Listener*> listeners_;
};

}  // namespace spp::ui
