// libFuzzer target: arbitrary bytes into the frame decoder, the message catalog and the task
// plan codec (a LaunchTask's plan and sink, and the bytes as a plan JSON directly).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/frame.h"
#include "common/messages.h"
#include "common/task_plan.h"

namespace {
void decode_plan(const spp::msg::Envelope& e) {
  if (const auto* t = e.as<spp::msg::LaunchTask>()) {
    auto p = spp::plan::decode(t->plan);
    if (p) (void)spp::plan::decode(spp::plan::to_json(*p.value()));  // re-encoding a decoded plan must decode
    (void)spp::plan::decode_sink(t->sink);
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  spp::FrameDecoder d(1 << 16);
  std::vector<spp::Frame> frames;
  // Feed in two uneven pieces to exercise reassembly.
  size_t cut = size ? data[0] % (size + 1) : 0;
  (void)d.feed(reinterpret_cast<const char*>(data), cut, frames);
  (void)d.feed(reinterpret_cast<const char*>(data) + cut, size - cut, frames);
  for (auto& f : frames)
    if (auto r = spp::msg::decode_header(f.payload)) decode_plan(r->first);
  // And the raw bytes as a JSON envelope directly, and as a bare plan.
  std::string raw(reinterpret_cast<const char*>(data), size);
  if (auto r = spp::msg::decode_header(raw)) decode_plan(r->first);
  auto j = nlohmann::json::parse(raw, nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded()) {
    auto p = spp::plan::decode(j);
    if (p && spp::plan::to_json(*p.value()) != j && !spp::plan::decode(spp::plan::to_json(*p.value()))) __builtin_trap();
  }
  return 0;
}
