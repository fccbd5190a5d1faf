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

// Collects the pairs of int pair batches in arrival order and hands them out again as batches,
// either as they came or sorted stably by key (equal keys keep arrival order, as Python's sort).
// The batches are kept as runs of about kRun pairs: sort() sorts the runs one by one (an LSD
// radix sort over the key bytes that differ, with one run's worth of scratch) and next_batch
// merges them, so sorting needs no second copy of the partition (std::stable_sort of the whole
// took n/2 more, a radix sort of the whole n more).
class IntPairSorter {
 public:
  // Runs shorter than this take the next batch's pairs too: the merge's heap stays small and a
  // run (16 bytes a pair, 4 MiB) and its scratch stay in cache while it is sorted.
  static constexpr size_t kRun = 1 << 18;
  // run_pairs: the length of a run (tests make many short ones).
  explicit IntPairSorter(size_t run_pairs = kRun) : run_pairs_(run_pairs) {}
  void add(const std::string& blob, const IntPairsHeader& h);
  size_t size() const { return size_; }
  size_t bytes() const { return size_ * sizeof(Pair); }
  void sort(bool descending);
  // The next batch of at most max_pairs pairs (flags as given), false when all are out: merged
  // in key order after sort(), in arrival order without it.
  bool next_batch(std::string& out, uint8_t flags, size_t max_pairs = 8192);

 private:
  struct Pair {
    int64_t key, value;
  };
  struct Head {  // a run in the merge: the key of its next pair
    int64_t key;
    uint32_t run;
  };
  bool before(const Head& a, const Head& b) const {
    if (a.key != b.key) return descending_ ? a.key > b.key : a.key < b.key;
    return a.run < b.run;  // equal keys: the earlier run's first (runs are in arrival order)
  }
  void sift_down(size_t i);
  void sort_run(std::vector<Pair>& run);
  std::vector<std::vector<Pair>> runs_;
  std::vector<size_t> pos_;  // next pair of each run
  std::vector<Head> heap_;   // after sort(): runs not yet out, the next to go at the top
  std::vector<Pair> scratch_;
  size_t run_pairs_;
  size_t size_ = 0;
  size_t run_ = 0;  // unsorted: the run being handed out
  bool sorted_ = false, descending_ = false;
};

}  // namespace spp::executor
