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

}  // namespace spp::sql::kern
