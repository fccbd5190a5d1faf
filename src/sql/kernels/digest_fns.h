// Hash and digest functions: xxhash64 (Spark's XxHash64Function: XXH64, seed 42, columns folded
// left to right with the same per-type rules as hash()), md5 / sha1 / sha2 (hex digests,
// OpenSSL), crc32 (zlib).
#pragma once
#include <vector>

#include "sql/kernels/vec.h"

namespace spp::sql::kern {

constexpr int64_t kSparkXxHashSeed = 42;
Vec xxhash64(const std::vector<Vec>& cols, int64_t n);
Vec md5(const Vec& bin, int64_t n);
Vec sha1(const Vec& bin, int64_t n);
Vec sha2(const Vec& bin, const Vec& bits, int64_t n);  // bits 0 (= 256), 224, 256, 384, 512; else NULL
Vec crc32(const Vec& bin, int64_t n);

}  // namespace spp::sql::kern
