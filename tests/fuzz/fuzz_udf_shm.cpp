// libFuzzer target: arbitrary result blobs from a Python worker into the shared-memory batch
// references (executor/udf_shm.h). Whatever is accepted as inside the result slots must be
// inside the region without overflow, and a reference re-encodes to the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

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
  return 0;
}
