// Spark's XORShiftRandom (core/.../util/random/XORShiftRandom.scala): the generator behind
// rand(seed), sample() and randomSplit(). The seed is scrambled with Scala's MurmurHash3
// bytesHash of its big-endian bytes; nextDouble is java.util.Random's (26 + 27 bits).
#pragma once
#include <cstdint>

namespace spp::sql::kern {

class XorShiftRandom {
 public:
  explicit XorShiftRandom(int64_t seed) { set_seed(seed); }
  void set_seed(int64_t seed);
  double next_double() {
    int64_t hi = next(26), lo = next(27);
    return double((hi << 27) + lo) * 0x1.0p-53;
  }
  int32_t next(int bits) {
    uint64_t s = state_;
    s ^= s << 21;
    s ^= s >> 35;  // Scala's >>> on the Long: logical shift
    s ^= s << 4;
    state_ = s;
    return int32_t(s & ((uint64_t(1) << bits) - 1));
  }

 private:
  uint64_t state_ = 0;
};

}  // namespace spp::sql::kern
