// Event log replay (history.h): a file, or its bytes, into an AppStatusStore. Apart from
// history.cpp so the fuzz target over it (tests/fuzz/fuzz_event_log.cpp) needs no UI server.
#include <zstd.h>

#include <fstream>
#include <iterator>
#include <memory>

#include "ui/history.h"
#include "ui/status_store.h"

namespace spp::ui {
namespace {
// Replays every complete line of `pending` and keeps the unfinished tail.
void replay_lines(std::string& pending, bool last, AppStatusStore& store) {
  size_t pos = 0;
  for (;;) {
    size_t nl = pending.find('\n', pos);
    if (nl == std::string::npos && !last) break;
    size_t end = nl == std::string::npos ? pending.size() : nl;
    if (end > pos) {
      auto j = nlohmann::json::parse(pending.begin() + static_cast<std::ptrdiff_t>(pos),
                                     pending.begin() + static_cast<std::ptrdiff_t>(end), nullptr, false);
      if (!j.is_discarded()) store.replay(j);  // the last line of a live log may be partial
    }
    if (nl == std::string::npos) {
      pos = pending.size();
      break;
    }
    pos = nl + 1;
  }
  pending.erase(0, pos);
}
}  // namespace

Status replay_event_log_bytes(std::string_view data, bool zstd, AppStatusStore& store) {
  if (!zstd) {
    std::string text(data);
    replay_lines(text, true, store);
    return Status::ok();
  }
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> d(ZSTD_createDCtx(), ZSTD_freeDCtx);
  std::string pending;
  const size_t cap = ZSTD_DStreamOutSize();
  std::unique_ptr<char[]> buf(new char[cap]);  // not zero-filled: only what zstd wrote is read
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  for (;;) {
    ZSTD_outBuffer out{buf.get(), cap, 0};
    size_t r = ZSTD_decompressStream(d.get(), &out, &in);
    if (ZSTD_isError(r)) break;  // a log cut short by a crash: keep what decoded
    pending.append(buf.get(), out.pos);
    replay_lines(pending, false, store);
    if (out.pos < out.size && in.pos == in.size) break;  // all input consumed and flushed
  }
  replay_lines(pending, true, store);
  return Status::ok();
}

Status replay_event_log(const std::string& path, AppStatusStore& store) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::error("cannot read " + path);
  std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return replay_event_log_bytes(data, path.find(".zst") != std::string::npos, store);
}

}  // namespace spp::ui
