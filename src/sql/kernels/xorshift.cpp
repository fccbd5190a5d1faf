// XORShiftRandom seed scrambling (Scala MurmurHash3.bytesHash over the seed's 8 big-endian bytes).
#include "sql/kernels/xorshift.h"

namespace spp::sql::kern {

namespace {
inline uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }
inline uint32_t mix_last(uint32_t h, uint32_t k) {
  k *= 0xcc9e2d51u;
  k = rotl(k, 15);
  k *= 0x1b873593u;
  return h ^ k;
}
inline uint32_t mix(uint32_t h, uint32_t k) { return rotl(mix_last(h, k), 13) * 5 + 0xe6546b64u; }
inline uint32_t avalanche(uint32_t h) {
  h ^= h >> 16; h *= 0x85ebca6bu; h ^= h >> 13; h *= 0xc2b2ae35u; h ^= h >> 16;
  return h;
}
// scala.util.hashing.MurmurHash3.bytesHash of 8 bytes (two little-endian words, no tail).
uint32_t bytes_hash8(const uint8_t b[8], uint32_t seed) {
  uint32_t h = seed;
  for (int i = 0; i < 8; i += 4)
    h = mix(h, uint32_t(b[i]) | uint32_t(b[i + 1]) << 8 | uint32_t(b[i + 2]) << 16 | uint32_t(b[i + 3]) << 24);
  return avalanche(h ^ 8u);
}
}  // namespace

void XorShiftRandom::set_seed(int64_t seed) {
  uint8_t b[8];
  for (int i = 0; i < 8; ++i) b[i] = uint8_t(uint64_t(seed) >> (56 - 8 * i));  // ByteBuffer.putLong: big-endian
  uint32_t low = bytes_hash8(b, 0x3c074a61u);  // MurmurHash3.arraySeed
  uint32_t high = bytes_hash8(b, low);
  state_ = (uint64_t(high) << 32) | low;
}

}  // namespace spp::sql::kern
