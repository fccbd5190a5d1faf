// Event log writing/replay and the history server (see history.h).
#include "ui/history.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <zstd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <sstream>
#include <algorithm>

#include "common/log.h"
#include "common/ssl_conf.h"
#include "common/util.h"
#include "daemon/daemon_shell.h"
#include "ui/event_json.h"
#include "ui/status_store.h"
#include "ui/ui_server.h"

namespace spp {
namespace fs = std::filesystem;
static const char* kLog = "history";

namespace ui {

EventLogWriter::EventLogWriter(std::string dir, bool compress) : dir_(std::move(dir)), compress_(compress) {
  if (starts_with(dir_, "file:")) dir_ = dir_.substr(5);
  if (compress_) zctx_ = ZSTD_createCCtx();
}

EventLogWriter::~EventLogWriter() {
  finish();
  if (zctx_) ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(zctx_));
}

void EventLogWriter::on_event(const scheduler::ListenerEvent& e) { write(event_to_json(e)); }

void EventLogWriter::write(const nlohmann::json& event) {
  if (done_ || !status_) return;
  if (path_.empty()) {
    std::string app = event.value("App ID", "");
    if (app.empty()) {
      status_ = Status::error("event log: the first event must name the application");
      return;
    }
    std::error_code ec;
    // A dir made here is the owner's (0700); one the operator made keeps its mode (a history
    // server of the same group may read it). Files are 0640: configuration and task details.
    if (fs::create_directories(dir_, ec)) fs::permissions(dir_, fs::perms::owner_all, ec);
    path_ = (fs::path(dir_) / app).string() + (compress_ ? ".zst" : "");
    {
      int fd = ::open((path_ + ".inprogress").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
      if (fd >= 0) ::close(fd);
    }
    out_.open(path_ + ".inprogress", std::ios::binary | std::ios::trunc);
    if (!out_) {
      status_ = Status::error("cannot write the event log " + path_ + ".inprogress (does spark.eventLog.dir exist?)");
      LOG_WARN(kLog, status_.message());
      return;
    }
    write({{"Event", "SparkListenerLogStart"}, {"Spark Version", SPARKPP_VERSION}});
  }
  pending_ += event.dump();
  pending_ += '\n';
  std::string ev = event.value("Event", "");
  // Finished jobs and stages reach the file promptly; task events are batched.
  if (pending_.size() > (1 << 16) || ev == "SparkListenerJobEnd" || ev == "SparkListenerStageCompleted" ||
      ev == "SparkListenerApplicationEnd")
    flush();
}

void EventLogWriter::write_raw(const std::string& text, bool end_frame) {
  if (!compress_) {
    out_ << text;
    out_.flush();
    return;
  }
  auto* c = static_cast<ZSTD_CCtx*>(zctx_);
  ZSTD_inBuffer in{text.data(), text.size(), 0};
  std::string buf(ZSTD_CStreamOutSize(), '\0');
  size_t left;
  do {
    ZSTD_outBuffer out{buf.data(), buf.size(), 0};
    left = ZSTD_compressStream2(c, &out, &in, end_frame ? ZSTD_e_end : ZSTD_e_flush);
    if (ZSTD_isError(left)) {
      status_ = Status::error(std::string("zstd: ") + ZSTD_getErrorName(left));
      return;
    }
    out_.write(buf.data(), static_cast<std::streamsize>(out.pos));
  } while (left != 0 || in.pos < in.size);
  out_.flush();
}

void EventLogWriter::flush() {
  if (path_.empty() || !status_ || !out_.is_open()) return;
  write_raw(pending_, false);
  pending_.clear();
}

void EventLogWriter::finish() {
  if (done_) return;
  done_ = true;
  if (path_.empty() || !out_.is_open()) return;
  write_raw(pending_, true);
  pending_.clear();
  out_.close();
  std::error_code ec;
  fs::rename(path_ + ".inprogress", path_, ec);
}

// The history server's applications: every event log in the directory, reloaded when the
// file changes (an .inprogress log grows; a finished one is renamed).
class HistorySource final : public UiSource {
 public:
  explicit HistorySource(std::string dir) : dir_(std::move(dir)) {}
  json applications() override {
    std::lock_guard<std::mutex> g(mu_);
    rescan();
    std::vector<json> apps;
    for (const auto& [path, e] : loaded_) apps.push_back(e.store->application());
    std::sort(apps.begin(), apps.end(), [](const json& a, const json& b) {
      return a["attempts"][0]["startTimeEpoch"].get<int64_t>() > b["attempts"][0]["startTimeEpoch"].get<int64_t>();
    });
    return json(apps);
  }
  std::shared_ptr<const AppStatusStore> app(const std::string& id) override {
    std::lock_guard<std::mutex> g(mu_);
    rescan();
    for (const auto& [path, e] : loaded_)
      if (e.store->app_id() == id) return e.store;
    return nullptr;
  }
  bool is_history() const override { return true; }

 private:
  struct Entry {
    std::uintmax_t size = 0;
    fs::file_time_type mtime;
    std::shared_ptr<AppStatusStore> store;
  };
  void rescan() {
    std::error_code ec;
    std::map<std::string, Entry> next;
    for (const auto& de : fs::directory_iterator(dir_, ec)) {
      if (!de.is_regular_file(ec) || de.path().filename().string().starts_with(".")) continue;
      std::string p = de.path().string();
      Entry e{de.file_size(ec), de.last_write_time(ec), nullptr};
      auto old = loaded_.find(p);
      if (old != loaded_.end() && old->second.size == e.size && old->second.mtime == e.mtime) {
        next[p] = old->second;
        continue;
      }
      e.store = std::make_shared<AppStatusStore>();
      replay_event_log(p, *e.store);
      if (e.store->app_id().empty()) continue;
      next[p] = e;
    }
    loaded_.swap(next);
  }
  std::string dir_;
  std::mutex mu_;
  std::map<std::string, Entry> loaded_;
};

}  // namespace ui

int run_history(const HistoryArgs& args) {
  auto conf = load_daemon_conf(args.properties_file, args.conf);
  if (!conf) return daemon_fail(kLog, conf.error_message());
  std::string dir = args.dir.empty() ? conf->get("spark.history.fs.logDirectory") : args.dir;
  if (dir.empty()) return daemon_fail(kLog, "no event log directory: give --dir or spark.history.fs.logDirectory");
  if (starts_with(dir, "file:")) dir = dir.substr(5);
  int port = args.port >= 0 ? args.port : static_cast<int>(conf->get_int("spark.history.ui.port"));
  if (port < 0 || port > 65535) return daemon_fail(kLog, "ports must be within 0..65535");
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return daemon_fail(kLog, "'" + dir + "' is not a directory (the event logs of spark.eventLog.dir)");
  // Spark's namespace for this server: spark.ssl.historyServer.*, else spark.ssl.*.
  auto tls = ssl_files(*conf, "historyServer");
  if (!tls) return daemon_fail(kLog, tls.error_message());
  log_daemon_conf(kLog, *conf);
  // Block the stop signals before the server thread starts so only sigwait sees them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  ui::HistorySource src(dir);
  ui::UiServer ui(src, *tls, http::limits_from_conf(*conf));
  auto bound = ui.bind(args.host, port, 1);
  if (!bound) return daemon_fail(kLog, bound.error_message());
  ui.start();
  std::printf("sparkpp history listening: url=%s://%s:%d port=%d\n", ui.tls() ? "https" : "http",
              advertised_host(args.host).c_str(), *bound, *bound);
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  ui.stop();
  return 0;
}

}  // namespace spp
