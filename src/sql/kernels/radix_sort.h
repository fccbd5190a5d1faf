// Stable sort of (key, ref) pairs by an unsigned 64-bit key: least-significant-digit radix sort
// over the key bytes that differ (a byte every key shares costs no pass). Sort normalises a
// numeric sort key into such a key so that unsigned order is Spark's order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace spp::sql::kern {

struct KeyRef {
  uint64_t key;
  uint64_t ref;
};

// Sorts `v` by key; equal keys keep their input order. `scratch` is reused as the second buffer
// (its contents are lost).
void radix_sort(std::vector<KeyRef>& v, std::vector<KeyRef>& scratch);
// The same over v[0..n) with scratch[0..n) as the second buffer: returns the one holding the
// sorted pairs (v or scratch), so that neither needs a copy back.
KeyRef* radix_sort(KeyRef* v, KeyRef* scratch, size_t n);

}  // namespace spp::sql::kern
