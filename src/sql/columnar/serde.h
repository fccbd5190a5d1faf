// Serialized batches (docs/sql-engine.md "Serialized batch"): one self-contained message per
// batch, schema JSON + nodes + buffers + body, optionally one zstd frame for the body.
#pragma once
#include <string>
#include <string_view>

#include "sql/columnar/batch.h"

namespace spp::sql::col {

constexpr char kBatchMagic[4] = {'S', 'P', 'B', '1'};
constexpr uint16_t kBatchVersion = 1;
constexpr uint16_t kFlagZstd = 1;
constexpr size_t kBatchHeaderSize = 48;
// Upper bound on a decoded body (a batch never gets near it; guards against hostile sizes).
constexpr uint64_t kMaxBatchBody = 1ull << 31;

struct SerializeOptions {
  bool zstd = false;
  int zstd_level = 1;
};

// Appends the message for `b` to `out` (the batch is compacted first if it is a slice).
void serialize(const Batch& b, std::string& out, const SerializeOptions& opt = {});
std::string serialize(const Batch& b, const SerializeOptions& opt = {});
// The same message (no zstd) written at `dst` when it takes at most `cap` bytes: returns its
// length, or 0 with nothing written when it does not fit.
size_t serialize_to(const Batch& b, char* dst, size_t cap);

// Decodes one message from the front of `in`; on success sets *consumed to its length.
// Never reads past `in`; rejects anything that does not agree with the format.
Result<Batch> deserialize(std::string_view in, size_t* consumed = nullptr);

}  // namespace spp::sql::col
