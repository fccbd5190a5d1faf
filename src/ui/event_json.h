// The event log's JSON for the listener events (scheduler/listener_events.h): the only place
// that knows its field names ("Event": "SparkListenerJobStart", "Job ID", ...). Spark's names
// and shapes wherever Spark has the event, so Spark's tooling reads the common fields.
#pragma once
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "scheduler/listener_events.h"

namespace spp::ui {

using json = nlohmann::json;

// One event-log line (without the newline).
json event_to_json(const scheduler::ListenerEvent& e);

// nullopt: not an object, or an event this build does not know (skipped on replay, as Spark
// does). Missing or wrong-typed fields take their defaults, never throw: a log is a file
// anyone with write access to the log dir can edit, and older builds' logs still replay.
std::optional<scheduler::ListenerEvent> event_from_json(const json& j);

// One JSON object's fields read defensively: a missing or wrong-typed field reads as empty/0,
// integers only (a float cast may overflow).
struct LoggedEvent {
  const json& ev;
  const json* field(const char* k) const;
  int64_t i64(const char* k, int64_t absent = 0) const;
  int i32(const char* k, int absent = 0) const;
  std::string str(const char* k) const;
  bool flag(const char* k) const;
  json obj(const char* k) const;
  json arr(const char* k) const;
  std::map<std::string, std::string> strings(const char* k) const;  // a {string: string} object
};

}  // namespace spp::ui
