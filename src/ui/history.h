// Event log (spark.eventLog.*) and the history server (`sparkpp history`).
//
// EventLogWriter, a listener on the driver's bus beside the AppStatusStore, appends each event as
// one JSON line to DIR/<appId>.inprogress (DIR/<appId>.zst.inprogress with spark.eventLog.compress)
// and renames the file to DIR/<appId>[.zst] when the application ends. The history server replays
// every log in its directory into a store of its own and serves them with the same UiServer.
#pragma once
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "ui/listener_bus.h"

namespace spp {

struct HistoryArgs {
  std::string dir;                // else spark.history.fs.logDirectory
  std::string host = "0.0.0.0";
  int port = -1;                  // else spark.history.ui.port (18080)
  std::string properties_file;    // else conf/sparkpp-defaults.conf if present
  std::vector<std::string> conf;  // --conf key=value
};
int run_history(const HistoryArgs& args);

namespace ui {

class AppStatusStore;

// A listener on the driver's bus: each event one JSON line (event_json.h).
class EventLogWriter final : public Listener {
 public:
  EventLogWriter(std::string dir, bool compress);
  ~EventLogWriter() override;  // finishes (renames) if not done yet
  void on_event(const scheduler::ListenerEvent& e) override;
  // The first event must be SparkListenerApplicationStart: it names the file.
  void write(const nlohmann::json& event);
  void flush();
  void finish();  // final flush, rename away ".inprogress"
  const Status& status() const { return status_; }

 private:
  void write_raw(const std::string& bytes, bool end_frame);
  std::string dir_;
  bool compress_;
  std::string path_;
  std::ofstream out_;
  std::string pending_;  // uncompressed text not yet written
  void* zctx_ = nullptr;  // ZSTD_CCtx*
  Status status_;
  bool done_ = false;
};

// Replays one event log file (plain, or zstd when its name has ".zst") into `store`
// (event_log_replay.cpp).
Status replay_event_log(const std::string& path, AppStatusStore& store);
// The same over bytes already read: decompressed and split into lines as it goes, so memory
// stays bounded by the longest line whatever the log decompresses to. Lines that are not JSON
// objects (the partial last line of a live log) and fields of the wrong type are skipped.
Status replay_event_log_bytes(std::string_view data, bool zstd, AppStatusStore& store);

}  // namespace ui
}  // namespace spp
