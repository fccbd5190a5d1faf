// Finding one byte value in a run of bytes 64 at a time: a bit per position (SSE2 on x86-64, a
// plain loop elsewhere). split's one-byte separator and the text scan's newlines use it to
// visit every hit with a count-trailing-zeros loop instead of a memchr call per hit.
#pragma once
#include <cstdint>
#include <cstring>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace spp::sql::kern {

// Bit k set when byte k of the 64 at p is c.
inline uint64_t byte_mask64(const char* p, char c) {
#ifdef __SSE2__
  const __m128i v = _mm_set1_epi8(c);
  uint64_t m = 0;
  for (int k = 0; k < 4; ++k)
    m |= uint64_t(uint16_t(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k)), v))))
         << (16 * k);
  return m;
#else
  uint64_t m = 0;
  for (int k = 0; k < 64; ++k) m |= uint64_t(p[k] == c) << k;
  return m;
#endif
}

// byte_mask64 of the block at [b, b + 64) of p's bytes [0, end): the last, short block is
// copied out and padded with bytes that are not c (nothing past `end` is read).
inline uint64_t byte_mask64_at(const char* p, int64_t b, int64_t end, char c) {
  if (b + 64 <= end) return byte_mask64(p + b, c);
  char tmp[64];
  std::memset(tmp, c == 0 ? 1 : 0, sizeof tmp);
  std::memcpy(tmp, p + b, size_t(end - b));
  return byte_mask64(tmp, c);
}

// Set bits of x, inline: without -mpopcnt (the default x86-64 target) __builtin_popcountll is a
// call into libgcc.
inline int popcount64(uint64_t x) {
#ifdef __POPCNT__
  return __builtin_popcountll(x);
#else
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
  return int((x * 0x0101010101010101ull) >> 56);
#endif
}

// How many bytes of [p + from, p + to) are c.
inline int64_t count_byte(const char* p, int64_t from, int64_t to, char c) {
  int64_t n = 0;
  for (int64_t b = from; b < to; b += 64) {
    uint64_t m = byte_mask64_at(p, b, to, c);
    n += popcount64(m);
  }
  return n;
}

}  // namespace spp::sql::kern
