// Parquet's value encodings over untrusted page bytes: the RLE/bit-packed hybrid (levels,
// dictionary indices, booleans), PLAIN, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
// DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT. Decoders fill whole arrays (no call per value) and
// fail with a message instead of reading past their input.
#pragma once
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

class RleDecoder {
 public:
  RleDecoder(const uint8_t* data, size_t size, int bit_width) : p_(data), end_(data + size), bw_(bit_width) {}
  // Decodes n values; false (with error()) when the input ends or is malformed.
  bool get(uint32_t* out, int64_t n);
  const std::string& error() const { return err_; }

 private:
  bool next_run();
  const uint8_t* p_;
  const uint8_t* end_;
  int bw_;
  int64_t rle_left_ = 0, packed_left_ = 0;
  uint32_t rle_value_ = 0;
  const uint8_t* packed_ = nullptr;
  int64_t packed_pos_ = 0;  // value index inside the current bit-packed run
  std::string err_;
};

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
