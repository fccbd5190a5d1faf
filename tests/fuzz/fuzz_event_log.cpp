// libFuzzer target: event-log replay (ui/history.h replay_event_log_bytes ->
// AppStatusStore::replay), what the history server does with every file in its directory.
// Byte 0 picks the mode; the rest is the log:
//   0  plain JSON lines; replayed again zstd-compressed (in two frames, as a live log is
//      flushed) the store must come out identical;
//   1  the bytes as a .zst log (corrupt, cut short): replays what decodes, never crashes.
// Every REST view of the resulting store is then built, as the history UI would.
#include <zstd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ui/history.h"
#include "ui/status_store.h"

namespace {
using spp::ui::AppStatusStore;
using nlohmann::json;

json views(const AppStatusStore& s) {
  json v = {s.application(), s.jobs(""), s.stages(""), s.executors(true), s.environment(), s.overview(),
            s.storage_rdds()};
  json more = json::array();
  for (const auto& st : v[2]) {
    if (!st.is_object() || !st.contains("stageId") || !st.contains("attemptId")) continue;
    int id = st["stageId"].get<int>(), att = st["attemptId"].get<int>();
    spp::ui::TaskQuery q;
    q.sort_by = "-runtime";
    if (auto t = s.task_list(id, att, q)) more.push_back(*t);
    if (auto t = s.task_summary(id, att, {0.0, 0.5, 1.0})) more.push_back(*t);
    if (auto t = s.stage(id, att, true)) more.push_back(*t);
  }
  for (const auto& j : v[1])
    if (j.is_object() && j.contains("jobId"))
      if (auto t = s.job(j["jobId"].get<int>())) more.push_back(*t);
  v.push_back(std::move(more));
  return v;
}

std::string zstd_frames(std::string_view text) {
  static ZSTD_CCtx* cctx = ZSTD_createCCtx();  // one context for every run: creating one is costly
  std::string out;
  size_t half = text.size() / 2;
  for (std::string_view part : {text.substr(0, half), text.substr(half)}) {
    std::string buf(ZSTD_compressBound(part.size()), '\0');
    size_t n = ZSTD_compressCCtx(cctx, buf.data(), buf.size(), part.data(), part.size(), 1);
    if (ZSTD_isError(n)) __builtin_trap();
    out.append(buf, 0, n);
  }
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view log(reinterpret_cast<const char*>(data) + 1, size - 1);
  AppStatusStore a;
  if (data[0] & 1) {
    spp::ui::replay_event_log_bytes(log, true, a);
    views(a);
    return 0;
  }
  spp::ui::replay_event_log_bytes(log, false, a);
  AppStatusStore b;
  spp::ui::replay_event_log_bytes(zstd_frames(log), true, b);
  if (views(a).dump() != views(b).dump()) __builtin_trap();
  return 0;
}
