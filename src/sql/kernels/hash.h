// Spark's Murmur3 hash (`hash()`, hash partitioning): Murmur3_x86_32 with Spark's own byte
// tail handling, seed 42, columns folded left to right, NULLs leave the running hash unchanged.
#pragma once
#include <string_view>
#include <vector>

#include "sql/kernels/vec.h"

namespace spp::sql::kern {

constexpr int32_t kSparkHashSeed = 42;

int32_t murmur3_int(int32_t v, int32_t seed);
int32_t murmur3_long(int64_t v, int32_t seed);
int32_t murmur3_bytes(std::string_view b, int32_t seed);  // Spark's hashUnsafeBytes

// Folds the rows of `c` into hashes[0..n) (initialised by the caller, e.g. to 42).
void hash_into(const Column& c, bool constant, int32_t* hashes, int64_t n);
// hash(cols...) as an int column.
Vec hash(const std::vector<Vec>& cols, int64_t n);
// pmod(hash(keys), num_partitions) per row: the shuffle partition of each row.
std::vector<int32_t> hash_partition(const std::vector<Vec>& keys, int64_t n, int32_t num_partitions);

// The slot of a key hash in a power-of-two hash table (`mask` = size - 1). After a hash
// exchange every key of a reduce partition p has pmod(hash, n) == p, so with n = 200 the low
// three bits of the hash are the same for all of them: indexing by the raw low bits would use
// an eighth of the slots and make linear probing quadratic. Murmur's 32-bit finalizer (a
// bijection) spreads every bit of the hash into the low ones first.
inline size_t table_slot(int32_t h, size_t mask) {
  uint32_t x = static_cast<uint32_t>(h);
  x ^= x >> 16;
  x *= 0x85ebca6bU;
  x ^= x >> 13;
  x *= 0xc2b2ae35U;
  x ^= x >> 16;
  return static_cast<size_t>(x) & mask;
}

}  // namespace spp::sql::kern
