// libFuzzer target: arbitrary bytes into the frame decoder and the message catalog.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/frame.h"
#include "common/messages.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  spp::FrameDecoder d(1 << 16);
  std::vector<spp::Frame> frames;
  // Feed in two uneven pieces to exercise reassembly.
  size_t cut = size ? data[0] % (size + 1) : 0;
  (void)d.feed(reinterpret_cast<const char*>(data), cut, frames);
  (void)d.feed(reinterpret_cast<const char*>(data) + cut, size - cut, frames);
  for (auto& f : frames) (void)spp::msg::decode_header(f.payload);
  // And the raw bytes as a JSON envelope directly.
  (void)spp::msg::decode_header(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
