// Parquet's value encodings over untrusted page bytes: the RLE/bit-packed hybrid (levels,
// dictionary indices, booleans), PLAIN, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
// DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT. Decoders fill whole arrays (no call per value) and
// fail with a message instead of reading past their input.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace spp::sql::parquet {

// Values of one page in their physical form: fixed-width values packed (`width` bytes each;
// booleans one byte each, INT96 12, FIXED_LEN_BYTE_ARRAY its length), byte arrays as
// offsets (n + 1) into `bytes`.
struct PhysValues {
  int width = 0;                  // 0: byte arrays
  int64_t count = 0;
  std::vector<uint8_t> fixed;
  std::vector<int64_t> offsets;   // byte arrays
  std::string bytes;
  void clear() { count = 0; fixed.clear(); offsets.clear(); bytes.clear(); }
};

// `n` values of bit width `bw` (0..32) from a little-endian bit-packed stream into out[0..n):
// groups of 32 unpacked by a kernel specialised per width. `in` holds at least ceil(n * bw / 8)
// bytes, and readable memory up to `in_end` (loads past the values stay below it).
void unpack_bits(const uint8_t* in, const uint8_t* in_end, int bw, int64_t n, uint32_t* out);

class RleDecoder {
 public:
  RleDecoder(const uint8_t* data, size_t size, int bit_width) : p_(data), end_(data + size), bw_(bit_width) {}
  // Decodes n values; false (with error()) when the input ends or is malformed.
  bool get(uint32_t* out, int64_t n);
  // Decodes n values run by run, for decoders that use runs as such: `run(value, count)` for a
  // repeated value, `batch(const uint32_t* values, count)` for bit-packed values (at most
  // kBatch at a time). False (with error()) as get().
  static constexpr int64_t kBatch = 256;
  template <typename Run, typename Batch> bool visit(int64_t n, Run&& run, Batch&& batch);
  const std::string& error() const { return err_; }

 private:
  bool next_run();
  bool check_width();
  bool ended(int64_t i, int64_t n);
  void unpack(uint32_t* out, int64_t k);
  const uint8_t* p_;
  const uint8_t* end_;
  int bw_;
  int64_t rle_left_ = 0, packed_left_ = 0;
  uint32_t rle_value_ = 0;
  const uint8_t* packed_ = nullptr;
  int64_t packed_pos_ = 0;  // value index inside the current bit-packed run
  std::string err_;
};

template <typename Run, typename Batch> bool RleDecoder::visit(int64_t n, Run&& run, Batch&& batch) {
  if (!check_width()) return false;
  if (bw_ == 0) {  // every value is 0 (a one-entry dictionary, levels of max 0)
    if (n > 0) run(uint32_t(0), n);
    return true;
  }
  alignas(64) uint32_t buf[kBatch];
  int64_t i = 0;
  while (i < n) {
    if (rle_left_ > 0) {
      const int64_t k = std::min(rle_left_, n - i);
      run(rle_value_, k);
      rle_left_ -= k;
      i += k;
    } else if (packed_left_ > 0) {
      const int64_t k = std::min(std::min(packed_left_, n - i), kBatch);
      unpack(buf, k);
      batch(static_cast<const uint32_t*>(buf), k);
      i += k;
    } else if (p_ >= end_) {
      return ended(i, n);
    } else if (!next_run()) {
      return false;
    }
  }
  return true;
}

// The deprecated BIT_PACKED level encoding (most significant bit first).
Status decode_bit_packed_levels(const uint8_t* data, size_t size, int bit_width, int64_t n, uint32_t* out);

// PLAIN values of a physical width (`width` 0 = BYTE_ARRAY, -1 = BOOLEAN); `consumed` may be null.
Status decode_plain(const uint8_t* data, size_t size, int width, int64_t n, PhysValues& out);
// DELTA_BINARY_PACKED into int32 (`width` 4) or int64 (8) values; `consumed` gets the bytes used.
Status decode_delta_binary_packed(const uint8_t* data, size_t size, int width, int64_t n, PhysValues& out, size_t* consumed);
Status decode_delta_length_byte_array(const uint8_t* data, size_t size, int64_t n, PhysValues& out);
Status decode_delta_byte_array(const uint8_t* data, size_t size, int64_t n, PhysValues& out, int fixed_width);
Status decode_byte_stream_split(const uint8_t* data, size_t size, int width, int64_t n, PhysValues& out);
// RLE-encoded booleans (4-byte length prefix, bit width 1).
Status decode_rle_booleans(const uint8_t* data, size_t size, int64_t n, PhysValues& out);
// values[i] = dict[idx[i]] (indices checked against the dictionary's size).
Status gather_dictionary(const PhysValues& dict, const uint32_t* idx, int64_t n, PhysValues& out);

}  // namespace spp::sql::parquet
