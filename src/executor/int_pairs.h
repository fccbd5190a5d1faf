// Int pair batches: sortByKey's shuffle records of (int, int) pairs (written by the Python map
// side, pyworker/sparkpp/serializers.py dumps_int_pairs; docs/protocol.md "Shuffle records"),
// which a reduce task sorts natively instead of in Python:
//
//   u8 0 | u8 kind 1 | u8 flags | u8 0 | u32 LE n | n i64 LE keys | n i64 LE values
//
// The leading 0 tells them from pickles (ours start 0x80) and SPB1 batches. Only these records
// are read here; every other shuffle record stays opaque bytes for Python.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace spp::executor {

constexpr uint8_t kPairsSort = 1;    // the map side asks the reader to sort the partition by key
constexpr uint8_t kPairsDesc = 2;    // ... in descending order
constexpr uint8_t kPairsSorted = 4;  // set by the reader: this input arrives in key order

struct IntPairsHeader {
  uint8_t flags = 0;
  uint32_t n = 0;
};

// The header of an int pair batch whose length matches its count; nullopt for any other record.
std::optional<IntPairsHeader> int_pairs_header(const std::string& blob);

// Collects the pairs of int pair batches in arrival order, sorts them stably by key (equal keys
// keep arrival order, as Python's sort) and hands them out again as batches.
class IntPairSorter {
 public:
  void add(const std::string& blob, const IntPairsHeader& h);
  size_t size() const { return pairs_.size(); }
  size_t bytes() const { return pairs_.size() * sizeof(Pair); }
  void sort(bool descending);
  // The next batch of at most max_pairs pairs (flags as given), false when all are out.
  bool next_batch(std::string& out, uint8_t flags, size_t max_pairs = 8192);

 private:
  struct Pair {
    int64_t key, value;
  };
  std::vector<Pair> pairs_;
  size_t pos_ = 0;
};

}  // namespace spp::executor
