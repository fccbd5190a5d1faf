// The radix sort of (key, ref) pairs against std::stable_sort.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "sql/kernels/radix_sort.h"

using spp::sql::kern::KeyRef;

namespace {
std::vector<KeyRef> reference(std::vector<KeyRef> v) {
  std::stable_sort(v.begin(), v.end(), [](const KeyRef& a, const KeyRef& b) { return a.key < b.key; });
  return v;
}
bool same(const std::vector<KeyRef>& a, const std::vector<KeyRef>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].key != b[i].key || a[i].ref != b[i].ref) return false;
  return true;
}
}  // namespace

TEST_CASE("sql kernels: radix sort is a stable sort by key for every key shape") {
  std::mt19937_64 rng(7);
  std::vector<KeyRef> scratch;
  for (size_t n : {0, 1, 5, 255, 256, 257, 4096, 100000}) {
    CAPTURE(n);
    // full 64-bit keys; small keys with many ties (the high bytes shared: passes skipped);
    // keys differing only in the top byte; all equal (ties keep input order)
    for (int shape = 0; shape < 4; ++shape) {
      CAPTURE(shape);
      std::vector<KeyRef> v(n);
      for (size_t i = 0; i < n; ++i) {
        uint64_t r = rng();
        uint64_t k = shape == 0 ? r : shape == 1 ? (uint64_t(1) << 63) | (r % 1000) : shape == 2 ? (r & 0xff00000000000000ull) | 5 : 42;
        v[i] = {k, i};
      }
      auto want = reference(v);
      spp::sql::kern::radix_sort(v, scratch);
      CHECK(same(v, want));
    }
  }
}

TEST_CASE("sql kernels: radix sort of input made of a few ascending runs (merged) is stable too") {
  std::mt19937_64 rng(11);
  std::vector<KeyRef> scratch;
  for (size_t runs : {1, 2, 3, 4, 5, 9}) {
    for (size_t n : {300, 4097, 50000}) {
      CAPTURE(runs);
      CAPTURE(n);
      // `runs` ascending runs of keys with many ties (within and across runs), as map outputs
      // each in key order arrive at a sort.
      std::vector<KeyRef> v;
      for (size_t r = 0; r < runs; ++r) {
        std::vector<uint64_t> keys(n / runs);
        for (auto& k : keys) k = rng() % 500;
        std::sort(keys.begin(), keys.end());
        for (uint64_t k : keys) v.push_back({k, v.size()});
      }
      auto want = reference(v);
      std::vector<KeyRef> got = v;
      spp::sql::kern::radix_sort(got, scratch);
      CHECK(same(got, want));
    }
  }
}
