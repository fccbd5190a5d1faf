// libFuzzer target: arbitrary bytes into the columnar batch decoder (docs/sql-engine.md). Anything
// it accepts must be a valid batch that re-encodes and decodes to the same shape.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sql/columnar/serde.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spp::sql::col;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t used = 0;
  auto b = deserialize(in, &used);
  if (!b.is_ok()) return 0;
  if (!validate(*b).is_ok() || used > size) __builtin_trap();
  auto again = deserialize(serialize(*b, {true, 1}));
  if (!again.is_ok() || again->num_rows != b->num_rows || !validate(*again).is_ok()) __builtin_trap();
  return 0;
}
