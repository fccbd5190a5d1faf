// Test helper: a listener that applies each event to a store and logs it as the event-log
// writer would (event_to_json), for the round-trip tests of the status store.
#pragma once
#include <vector>

#include "ui/event_json.h"
#include "ui/listener_bus.h"
#include "ui/status_store.h"

namespace spp::ui {

struct LoggedStore final : Listener {
  AppStatusStore& store;
  std::vector<json>& log;
  LoggedStore(AppStatusStore& s, std::vector<json>& l) : store(s), log(l) {}
  void on_event(const scheduler::ListenerEvent& e) override {
    log.push_back(event_to_json(e));
    store.on_event(e);
  }
};

// Logs what a bus delivers, as the event-log writer would.
struct EventRecorder final : Listener {
  std::vector<json>& log;
  explicit EventRecorder(std::vector<json>& l) : log(l) {}
  void on_event(const scheduler::ListenerEvent& e) override { log.push_back(event_to_json(e)); }
};

}  // namespace spp::ui
