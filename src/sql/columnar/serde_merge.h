// Serialized batches merged without deserializing them: the batch streams of one result become
// as few batches as possible, laid out as pieces pointing into the input (toPandas's result
// file, src/driver/result_file.h: one np.frombuffer per column in Python instead of one per
// column per batch and a concatenate).
#pragma once
#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace spp::sql::col {

// One serialized batch stream, as scattered pieces: header parts and rebuilt buffers (rebased
// offsets, shifted validity and boolean bits) in `owned`, values and string bytes pointing into
// the input streams, which must outlive it.
struct MergedStream {
  std::deque<std::string> owned;  // a deque: pieces point into its strings, which never move
  std::vector<std::string_view> pieces;
  size_t size = 0;
};

// The rows of `streams` (serialized batch streams of one schema, uncompressed) as a stream of
// batches each holding as many rows as the format allows (row count and every string column's
// bytes under 2^31). Only flat schemas merge (null, boolean, fixed-width, string and binary
// columns); false for anything else — nested columns, zstd bodies, schemas that differ, malformed
// input — and the caller uses the streams as they are.
bool merge_serialized(const std::vector<std::string_view>& streams, MergedStream& out);

}  // namespace spp::sql::col
