// libFuzzer target: arbitrary bytes as a cached RDD block read back from the executor's disk
// (BlockManager::read_disk -> decode_disk_block, executor/block_manager.h). Invariants: nothing
// crashes or allocates more than the input holds, and an accepted block re-encodes to exactly
// the bytes it came from (every byte belongs to one batch or one header).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "executor/block_manager.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spp::executor;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto block = decode_disk_block(in);
  if (!block) return 0;
  size_t total = 0;
  for (const auto& b : *block) total += 4 + b->size();
  if (total != size || encode_disk_block(*block) != in) __builtin_trap();
  return 0;
}
