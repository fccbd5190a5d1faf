// libFuzzer target: arbitrary result blobs from a Python worker into the shared-memory batch
// references (executor/udf_shm.h). Whatever is accepted as inside the result slots must be
// inside the region without overflow, and a reference re-encodes to the same bytes. The input
// also plays one PwOutput's blobs (a length byte before each): result_bytes gives each blob
// itself or bytes inside the result slots, never anything else.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "executor/udf_shm.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace shm = spp::executor::udf_shm;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto r = shm::parse_ref(in)) {
    if (shm::encode_ref(r->offset, r->length) != in) __builtin_trap();
    if (shm::in_results(*r)) {
      if (r->offset < 2 * shm::kInHalf || r->offset > shm::kRegion) __builtin_trap();
      if (r->offset + r->length > shm::kRegion || r->offset + r->length < r->offset) __builtin_trap();
    }
  }
  if (auto a = shm::parse_ack(in); a && in.size() != 8) __builtin_trap();
  // The region is only pointed into, never read: its address range is all that is checked.
  static std::vector<char> region(shm::kRegion);
  for (size_t pos = 0; pos < in.size();) {
    const size_t n = std::min<size_t>(static_cast<unsigned char>(in[pos]), in.size() - pos - 1);
    const std::string_view blob = in.substr(pos + 1, n);
    pos += 1 + n;
    for (const char* base : {static_cast<const char*>(region.data()), static_cast<const char*>(nullptr)}) {
      bool in_region = true;
      auto got = shm::result_bytes(blob, base, &in_region);
      if (!got) {
        if (in_region || !shm::parse_ref(blob)) __builtin_trap();  // only a bad reference fails
        continue;
      }
      if (!in_region) {
        if (got.value().data() != blob.data() || got.value().size() != blob.size()) __builtin_trap();
        continue;
      }
      if (!base) __builtin_trap();
      const char* lo = base + 2 * shm::kInHalf;
      const char* hi = base + shm::kRegion;
      if (got.value().data() < lo || got.value().data() > hi || got.value().size() > size_t(hi - got.value().data()))
        __builtin_trap();
    }
  }
  return 0;
}
