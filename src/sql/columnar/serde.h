// Serialized batches (docs/sql-engine.md "Serialized batch"): one self-contained message per
// batch, schema JSON + nodes + buffers + body, optionally one zstd frame for the body.
#pragma once
#include <string>
#include <string_view>
#include <vector>

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
// The message for the rows of `parts` in order (one schema), the bytes serialize_to(concat(parts),
// dst, cap) writes, without concatenating them first when every column is fixed-width: each
// part's values are copied once, straight to `dst` (BatchEvalPython's arguments, cut from the
// child's batches, into the region shared with the Python worker).
size_t serialize_to(const std::vector<Batch>& parts, char* dst, size_t cap);

// Decodes one message from the front of `in`; on success sets *consumed to its length.
// Never reads past `in`; rejects anything that does not agree with the format.
Result<Batch> deserialize(std::string_view in, size_t* consumed = nullptr);
// The same for a message in memory another process may write while it is read (a Python
// worker's result in the shared region): the header, schema and buffer table are copied before
// they are checked and each body buffer is read once, into the batch's own buffer — what is
// accepted was checked in the copies, whatever the writer does meanwhile. No zstd bodies.
Result<Batch> deserialize_shared(std::string_view in, size_t* consumed = nullptr);

}  // namespace spp::sql::col
