// Parquet value encodings (see the header); formats per parquet-format's Encodings.md.
#include "sql/parquet/encodings.h"

#include <array>
#include <cstddef>
#include <cstring>
#include <utility>

namespace spp::sql::parquet {

namespace {

// Bits [pos, pos + bw) of a little-endian bit stream of `nbytes` bytes (bw <= 64; the caller
// checked that the bits exist).
inline uint64_t read_bits(const uint8_t* base, uint64_t pos, int bw) {
  if (bw == 0) return 0;
  const uint8_t* p = base + (pos >> 3);
  const int shift = int(pos & 7);
  const int nbytes = (shift + bw + 7) / 8;  // at most 9
  unsigned __int128 v = 0;
  for (int i = 0; i < nbytes; ++i) v |= (unsigned __int128)p[i] << (8 * i);
  v >>= shift;
  return bw == 64 ? uint64_t(v) : uint64_t(v) & ((uint64_t(1) << bw) - 1);
}

bool read_uleb(const uint8_t*& p, const uint8_t* end, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (p >= end) return false;
    const uint8_t b = *p++;
    v |= uint64_t(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

bool read_zigzag(const uint8_t*& p, const uint8_t* end, int64_t& v) {
  uint64_t u;
  if (!read_uleb(p, end, u)) return false;
  v = int64_t(u >> 1) ^ -int64_t(u & 1);
  return true;
}

Status err(const std::string& m) { return Status::error(m); }

}  // namespace

bool RleDecoder::next_run() {
  uint64_t h;
  if (!read_uleb(p_, end_, h)) { err_ = "truncated RLE run header"; return false; }
  if (h & 1) {
    const uint64_t groups = h >> 1;
    if (groups > (uint64_t(1) << 31)) { err_ = "bit-packed run too long"; return false; }
    uint64_t values = groups * 8;
    const uint64_t bytes = groups * uint64_t(bw_);
    const uint64_t avail = uint64_t(end_ - p_);
    // Writers may end the stream inside the last run: take the values whose bits are present.
    if (bytes > avail) values = bw_ ? avail * 8 / uint64_t(bw_) : values;
    packed_ = p_;
    packed_pos_ = 0;
    packed_left_ = int64_t(values);
    p_ += bytes > avail ? avail : bytes;
  } else {
    const uint64_t count = h >> 1;
    if (count > (uint64_t(1) << 40)) { err_ = "RLE run too long"; return false; }
    const int vb = (bw_ + 7) / 8;
    if (end_ - p_ < vb) { err_ = "truncated RLE run value"; return false; }
    uint32_t v = 0;
    for (int i = 0; i < vb; ++i) v |= uint32_t(p_[i]) << (8 * i);
    p_ += vb;
    if (bw_ < 32 && (v >> bw_)) { err_ = "RLE run value wider than its bit width"; return false; }
    rle_value_ = v;
    rle_left_ = int64_t(count);
  }
  return true;
}

namespace {

// 32 values of bit width B from `in` (reads at most 4 * B + 8 bytes).
template <int B> void unpack32(const uint8_t* in, uint32_t* out) {
  if constexpr (B == 0) {
    std::memset(out, 0, 32 * sizeof(uint32_t));
  } else {
    constexpr uint64_t mask = B == 32 ? 0xffffffffull : ((uint64_t(1) << B) - 1);
    for (int k = 0; k < 32; ++k) {
      const int bit = k * B;
      uint64_t w;
      std::memcpy(&w, in + (bit >> 3), 8);
      out[k] = uint32_t((w >> (bit & 7)) & mask);
    }
  }
}

using Unpack32 = void (*)(const uint8_t*, uint32_t*);
template <size_t... B> constexpr std::array<Unpack32, sizeof...(B)> unpack_table(std::index_sequence<B...>) {
  return {&unpack32<int(B)>...};
}
constexpr auto kUnpack32 = unpack_table(std::make_index_sequence<33>());

}  // namespace

void unpack_bits(const uint8_t* in, const uint8_t* in_end, int bw, int64_t n, uint32_t* out) {
  const Unpack32 f = kUnpack32[size_t(bw)];
  const size_t group = size_t(4 * bw);  // bytes of 32 values
  alignas(16) uint8_t pad[4 * 32 + 8];
  uint32_t tail[32];
  for (int64_t i = 0; i < n; i += 32, in += group) {
    const uint8_t* src = in;
    if (in_end - in < std::ptrdiff_t(group + 8)) {  // near the end of the input: a zero-padded copy
      const size_t have = in < in_end ? std::min(size_t(in_end - in), group) : 0;
      std::memset(pad, 0, sizeof pad);
      if (have) std::memcpy(pad, in, have);
      src = pad;
    }
    if (n - i >= 32) {
      f(src, out + i);
    } else {
      f(src, tail);
      std::memcpy(out + i, tail, size_t(n - i) * sizeof(uint32_t));
    }
  }
}

bool RleDecoder::check_width() {
  if (bw_ < 0 || bw_ > 32) { err_ = "bad RLE bit width " + std::to_string(bw_); return false; }
  return true;
}

bool RleDecoder::ended(int64_t i, int64_t n) {
  err_ = "RLE data ends after " + std::to_string(i) + " of " + std::to_string(n) + " values";
  return false;
}

void RleDecoder::unpack(uint32_t* out, int64_t k) {
  // A reader that stopped inside a group of 8 values: one by one up to the next group.
  const int64_t head = std::min<int64_t>(k, (8 - (packed_pos_ & 7)) & 7);
  for (int64_t j = 0; j < head; ++j) out[j] = uint32_t(read_bits(packed_, uint64_t(packed_pos_ + j) * uint64_t(bw_), bw_));
  packed_pos_ += head;
  // Groups of 8 values start on a byte.
  if (k > head) unpack_bits(packed_ + (packed_pos_ >> 3) * bw_, end_, bw_, k - head, out + head);
  packed_pos_ += k - head;
  packed_left_ -= k;
}

bool RleDecoder::get(uint32_t* out, int64_t n) {
  if (!check_width()) return false;
  if (bw_ == 0) {  // every value is 0 (a one-entry dictionary, levels of max 0)
    std::memset(out, 0, size_t(n) * sizeof(uint32_t));
    return true;
  }
  int64_t i = 0;
  while (i < n) {
    if (rle_left_ > 0) {
      const int64_t k = std::min(rle_left_, n - i);
      std::fill(out + i, out + i + k, rle_value_);
      rle_left_ -= k;
      i += k;
    } else if (packed_left_ > 0) {
      const int64_t k = std::min(packed_left_, n - i);
      unpack(out + i, k);
      i += k;
    } else if (p_ >= end_) {
      return ended(i, n);
    } else if (!next_run()) {
      return false;
    }
  }
  return true;
}

Status decode_bit_packed_levels(const uint8_t* data, size_t size, int bw, int64_t n, uint32_t* out) {
  if (bw < 0 || bw > 16) return err("bad level bit width");
  if (uint64_t(n) * uint64_t(bw) > uint64_t(size) * 8) return err("BIT_PACKED levels end early");
  for (int64_t i = 0; i < n; ++i) {
    uint32_t v = 0;
    for (int b = 0; b < bw; ++b) {  // most significant bit first
      const uint64_t pos = uint64_t(i) * uint64_t(bw) + uint64_t(b);
      v = (v << 1) | ((data[pos >> 3] >> (7 - (pos & 7))) & 1);
    }
    out[i] = v;
  }
  return Status::ok();
}

Status decode_plain(const uint8_t* data, size_t size, int width, int64_t n, PhysValues& out) {
  out.clear();
  out.count = n;
  if (width < 0) {  // booleans: one bit each
    out.width = 1;
    if (uint64_t(n) > uint64_t(size) * 8) return err("PLAIN booleans end early");
    out.fixed.resize(size_t(n));
    for (int64_t i = 0; i < n; ++i) out.fixed[size_t(i)] = (data[i >> 3] >> (i & 7)) & 1;
    return Status::ok();
  }
  if (width > 0) {
    out.width = width;
    if (uint64_t(n) * uint64_t(width) > size) return err("PLAIN values end early");
    out.fixed.assign(data, data + size_t(n) * size_t(width));
    return Status::ok();
  }
  out.width = 0;
  if (uint64_t(n) > size / 4) return err("PLAIN byte arrays end early");
  out.offsets.resize(size_t(n) + 1);
  size_t at = 0;
  int64_t total = 0;
  out.offsets[0] = 0;
  for (int64_t i = 0; i < n; ++i) {  // first pass: lengths, checked
    if (size - at < 4) return err("PLAIN byte arrays end early");
    uint32_t len;
    std::memcpy(&len, data + at, 4);
    at += 4;
    if (len > size - at) return err("PLAIN byte array longer than its page");
    at += len;
    total += len;
    out.offsets[size_t(i) + 1] = total;
  }
  out.bytes.resize(size_t(total));
  at = 0;
  for (int64_t i = 0; i < n; ++i) {
    const size_t len = size_t(out.offsets[size_t(i) + 1] - out.offsets[size_t(i)]);
    std::memcpy(out.bytes.data() + out.offsets[size_t(i)], data + at + 4, len);
    at += 4 + len;
  }
  return Status::ok();
}

Status decode_delta_binary_packed(const uint8_t* data, size_t size, int width, int64_t n, PhysValues& out, size_t* consumed) {
  out.clear();
  out.width = width;
  out.count = n;
  const uint8_t* p = data;
  const uint8_t* end = data + size;
  uint64_t block, minis, total;
  int64_t first;
  if (!read_uleb(p, end, block) || !read_uleb(p, end, minis) || !read_uleb(p, end, total) || !read_zigzag(p, end, first))
    return err("truncated DELTA_BINARY_PACKED header");
  if (block == 0 || block % 128 != 0 || block > (1u << 20) || minis == 0 || block % minis != 0 || (block / minis) % 32 != 0)
    return err("bad DELTA_BINARY_PACKED block layout");
  if (total != uint64_t(n)) return err("DELTA_BINARY_PACKED holds " + std::to_string(total) + " values, the page " + std::to_string(n));
  out.fixed.resize(size_t(n) * size_t(width));
  auto put = [&](int64_t i, uint64_t v) {
    if (width == 4) { const uint32_t x = uint32_t(v); std::memcpy(out.fixed.data() + 4 * i, &x, 4); }
    else std::memcpy(out.fixed.data() + 8 * i, &v, 8);
  };
  if (n > 0) put(0, uint64_t(first));
  uint64_t prev = uint64_t(first);
  int64_t i = 1;
  const uint64_t per_mini = block / minis;
  while (i < n) {
    int64_t min_delta;
    if (!read_zigzag(p, end, min_delta)) return err("truncated DELTA_BINARY_PACKED block");
    if (uint64_t(end - p) < minis) return err("truncated DELTA_BINARY_PACKED bit widths");
    const uint8_t* widths = p;
    p += minis;
    for (uint64_t m = 0; m < minis && i < n; ++m) {
      const int bw = widths[m];
      if (bw > 64 || (width == 4 && bw > 32)) return err("bad DELTA_BINARY_PACKED bit width " + std::to_string(bw));
      const uint64_t bytes = per_mini * uint64_t(bw) / 8;
      if (uint64_t(end - p) < bytes) return err("truncated DELTA_BINARY_PACKED miniblock");
      const int64_t k = std::min<int64_t>(int64_t(per_mini), n - i);
      for (int64_t j = 0; j < k; ++j) {
        prev += uint64_t(min_delta) + read_bits(p, uint64_t(j) * uint64_t(bw), bw);
        put(i + j, prev);
      }
      i += k;
      p += bytes;
    }
  }
  if (consumed) *consumed = size_t(p - data);
  return Status::ok();
}

Status decode_delta_length_byte_array(const uint8_t* data, size_t size, int64_t n, PhysValues& out) {
  PhysValues lens;
  size_t used = 0;
  if (auto s = decode_delta_binary_packed(data, size, 4, n, lens, &used); !s) return s;
  out.clear();
  out.width = 0;
  out.count = n;
  out.offsets.resize(size_t(n) + 1);
  int64_t total = 0;
  const size_t avail = size - used;
  for (int64_t i = 0; i < n; ++i) {
    int32_t len;
    std::memcpy(&len, lens.fixed.data() + 4 * i, 4);
    if (len < 0 || uint64_t(total) + uint64_t(len) > avail) return err("DELTA_LENGTH_BYTE_ARRAY lengths exceed the page");
    total += len;
    out.offsets[size_t(i) + 1] = total;
  }
  out.bytes.assign(reinterpret_cast<const char*>(data + used), size_t(total));
  return Status::ok();
}

Status decode_delta_byte_array(const uint8_t* data, size_t size, int64_t n, PhysValues& out, int fixed_width) {
  PhysValues prefixes, suffixes;
  size_t used = 0;
  if (auto s = decode_delta_binary_packed(data, size, 4, n, prefixes, &used); !s) return s;
  if (auto s = decode_delta_length_byte_array(data + used, size - used, n, suffixes); !s) return s;
  // Prefixes can repeat long values from few bytes: cap the output so a hostile page cannot
  // make it unbounded.
  constexpr uint64_t kMaxBytes = uint64_t(1) << 30;
  out.clear();
  out.count = n;
  out.width = 0;
  out.offsets.resize(size_t(n) + 1);
  size_t last_off = 0, last_len = 0;
  for (int64_t i = 0; i < n; ++i) {
    int32_t pre;
    std::memcpy(&pre, prefixes.fixed.data() + 4 * i, 4);
    if (pre < 0 || size_t(pre) > last_len) return err("DELTA_BYTE_ARRAY prefix longer than the previous value");
    const size_t start = out.bytes.size();
    const int64_t slen = suffixes.offsets[size_t(i) + 1] - suffixes.offsets[size_t(i)];
    if (start + size_t(pre) + size_t(slen) > kMaxBytes) return err("DELTA_BYTE_ARRAY values too large");
    out.bytes.append(out.bytes, last_off, size_t(pre));
    out.bytes.append(suffixes.bytes, size_t(suffixes.offsets[size_t(i)]), size_t(slen));
    out.offsets[size_t(i) + 1] = int64_t(out.bytes.size());
    last_off = start;
    last_len = out.bytes.size() - start;
  }
  if (fixed_width > 0) {  // FIXED_LEN_BYTE_ARRAY: every value has the type's length
    if (out.bytes.size() != size_t(n) * size_t(fixed_width)) return err("DELTA_BYTE_ARRAY value of the wrong length");
    for (int64_t i = 0; i < n; ++i)
      if (out.offsets[size_t(i) + 1] - out.offsets[size_t(i)] != fixed_width) return err("DELTA_BYTE_ARRAY value of the wrong length");
    out.fixed.assign(out.bytes.begin(), out.bytes.end());
    out.width = fixed_width;
    out.offsets.clear();
    out.bytes.clear();
  }
  return Status::ok();
}

Status decode_byte_stream_split(const uint8_t* data, size_t size, int width, int64_t n, PhysValues& out) {
  out.clear();
  out.width = width;
  out.count = n;
  if (width <= 0 || uint64_t(n) * uint64_t(width) > size) return err("BYTE_STREAM_SPLIT values end early");
  out.fixed.resize(size_t(n) * size_t(width));
  for (int k = 0; k < width; ++k) {
    const uint8_t* stream = data + size_t(k) * size_t(n);
    for (int64_t i = 0; i < n; ++i) out.fixed[size_t(i) * size_t(width) + size_t(k)] = stream[i];
  }
  return Status::ok();
}

Status decode_rle_booleans(const uint8_t* data, size_t size, int64_t n, PhysValues& out) {
  if (size < 4) return err("RLE booleans lack their length");
  uint32_t len;
  std::memcpy(&len, data, 4);
  if (len > size - 4) return err("RLE booleans longer than the page");
  std::vector<uint32_t> v(static_cast<size_t>(n));
  RleDecoder d(data + 4, len, 1);
  if (!d.get(v.data(), n)) return err("RLE booleans: " + d.error());
  out.clear();
  out.width = 1;
  out.count = n;
  out.fixed.resize(size_t(n));
  for (int64_t i = 0; i < n; ++i) out.fixed[size_t(i)] = uint8_t(v[size_t(i)]);
  return Status::ok();
}

Status gather_dictionary(const PhysValues& dict, const uint32_t* idx, int64_t n, PhysValues& out) {
  out.clear();
  out.width = dict.width;
  out.count = n;
  for (int64_t i = 0; i < n; ++i)
    if (int64_t(idx[i]) >= dict.count) return err("dictionary index " + std::to_string(idx[i]) + " out of range (" + std::to_string(dict.count) + " entries)");
  if (dict.width > 0) {
    const size_t w = size_t(dict.width);
    out.fixed.resize(size_t(n) * w);
    for (int64_t i = 0; i < n; ++i) std::memcpy(out.fixed.data() + size_t(i) * w, dict.fixed.data() + size_t(idx[i]) * w, w);
    return Status::ok();
  }
  out.offsets.resize(size_t(n) + 1);
  int64_t total = 0;
  for (int64_t i = 0; i < n; ++i) {
    total += dict.offsets[idx[i] + 1] - dict.offsets[idx[i]];
    out.offsets[size_t(i) + 1] = total;
  }
  if (uint64_t(total) > (uint64_t(1) << 31)) return err("dictionary-decoded page too large");
  // Values of up to 16 bytes (TPC-H's flags, modes, priorities) move as one 16-byte copy instead
  // of a variable-length memcpy call each: the output has 16 bytes of slack (each value's extra
  // bytes are overwritten by the next, the last ones trimmed), and the dictionary is read from a
  // padded copy when it is small, else only where 16 bytes remain.
  constexpr size_t kPad = 16;
  std::string padded;
  const char* src = dict.bytes.data();
  size_t readable = dict.bytes.size();
  if (readable < 4096) {
    padded.assign(dict.bytes);
    padded.resize(readable + kPad);
    src = padded.data();
    readable = padded.size();
  }
  out.bytes.resize(size_t(total) + kPad);
  char* dst = out.bytes.data();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t from = dict.offsets[idx[i]], len = dict.offsets[idx[i] + 1] - from;
    if (len <= int64_t(kPad) && size_t(from) + kPad <= readable) std::memcpy(dst + out.offsets[size_t(i)], src + from, kPad);
    else std::memcpy(dst + out.offsets[size_t(i)], src + from, size_t(len));
  }
  out.bytes.resize(size_t(total));
  return Status::ok();
}

}  // namespace spp::sql::parquet
