// libFuzzer target: arbitrary bytes into the columnar batch decoder (docs/sql-engine.md). Anything
// it accepts must be a valid batch that re-encodes and decodes to the same shape. The same bytes,
// twice, into merge_serialized (toPandas's result file, sql/columnar/serde_merge.h): it never
// reads outside its input, and when every batch of the input decodes, what it merges decodes too,
// to valid batches holding twice the rows. deserialize_shared agrees with deserialize.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sql/columnar/serde.h"
#include "sql/columnar/serde_merge.h"

namespace {
// The rows of a whole stream of batches, or -1 when some batch does not decode or validate.
int64_t stream_rows(std::string_view s) {
  using namespace spp::sql::col;
  int64_t rows = 0;
  while (!s.empty()) {
    size_t used = 0;
    auto b = deserialize(s, &used);
    if (!b.is_ok() || !validate(*b).is_ok() || used == 0) return -1;
    rows += b->num_rows;
    s.remove_prefix(used);
  }
  return rows;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spp::sql::col;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  MergedStream m;
  if (merge_serialized({in, in}, m)) {
    std::string out;
    for (auto p : m.pieces) out.append(p);
    if (out.size() != m.size) __builtin_trap();
    if (const int64_t rows = stream_rows(in); rows >= 0 && stream_rows(out) != 2 * rows) __builtin_trap();
  }
  size_t used = 0;
  auto b = deserialize(in, &used);
  // The decoder for shared memory (a Python worker's results) accepts what this one does,
  // zstd bodies excepted, and decodes it to the same rows.
  size_t shared_used = 0;
  auto s = deserialize_shared(in, &shared_used);
  if (s.is_ok() && (!b.is_ok() || s->num_rows != b->num_rows || shared_used != used || !validate(*s).is_ok()))
    __builtin_trap();
  if (b.is_ok() && !s.is_ok() && !(static_cast<uint8_t>(in[6]) & kFlagZstd)) __builtin_trap();
  if (!b.is_ok()) return 0;
  if (!validate(*b).is_ok() || used > size) __builtin_trap();
  auto again = deserialize(serialize(*b, {true, 1}));
  if (!again.is_ok() || again->num_rows != b->num_rows || !validate(*again).is_ok()) __builtin_trap();
  return 0;
}
