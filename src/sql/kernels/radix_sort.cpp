#include "sql/kernels/radix_sort.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

namespace spp::sql::kern {

namespace {

constexpr size_t kMaxMergeRuns = 4;

// Input already made of a few ascending runs — a shuffle read of map outputs that were each in
// key order (TPC-H's lineitem and orders by order key) — merges in fewer passes than the radix
// sort makes. Returns the buffer holding the result, or nullptr when there are more runs.
KeyRef* merge_runs(KeyRef* v, KeyRef* scratch, size_t n) {
  std::vector<size_t> bounds{0};
  for (size_t i = 1; i < n; ++i)
    if (v[i].key < v[i - 1].key) {
      bounds.push_back(i);
      if (bounds.size() > kMaxMergeRuns) return nullptr;
    }
  bounds.push_back(n);
  auto less = [](const KeyRef& a, const KeyRef& b) { return a.key < b.key; };
  KeyRef* src = v;
  KeyRef* dst = scratch;
  while (bounds.size() > 2) {  // adjacent runs pairwise; std::merge keeps the first run's ties first
    std::vector<size_t> next{0};
    for (size_t r = 0; r + 1 < bounds.size(); r += 2) {
      const size_t a = bounds[r], m = bounds[r + 1];
      if (r + 2 < bounds.size()) {
        std::merge(src + a, src + m, src + m, src + bounds[r + 2], dst + a, less);
        next.push_back(bounds[r + 2]);
      } else {
        std::copy(src + a, src + m, dst + a);
        next.push_back(m);
      }
    }
    bounds.swap(next);
    std::swap(src, dst);
  }
  return src;
}

}  // namespace

KeyRef* radix_sort(KeyRef* v, KeyRef* scratch, size_t n) {
  if (n < 256) {  // a comparison sort beats eight histograms
    std::stable_sort(v, v + n, [](const KeyRef& a, const KeyRef& b) { return a.key < b.key; });
    return v;
  }
  if (KeyRef* merged = merge_runs(v, scratch, n)) return merged;
  // All eight byte histograms in one read of the keys.
  std::vector<std::array<size_t, 256>> hist(8);
  for (auto& h : hist) h.fill(0);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t k = v[i].key;
    for (int b = 0; b < 8; ++b) ++hist[size_t(b)][(k >> (8 * b)) & 0xff];
  }
  KeyRef* src = v;
  KeyRef* dst = scratch;
  const uint64_t first = v[0].key;
  for (int b = 0; b < 8; ++b) {
    const auto& h = hist[size_t(b)];
    if (h[(first >> (8 * b)) & 0xff] == n) continue;  // every key has this byte: already in order
    std::array<size_t, 256> pos;
    size_t sum = 0;
    for (int d = 0; d < 256; ++d) { pos[size_t(d)] = sum; sum += h[size_t(d)]; }
    const int shift = 8 * b;
    for (size_t i = 0; i < n; ++i) {
      const KeyRef e = src[i];
      dst[pos[(e.key >> shift) & 0xff]++] = e;
    }
    std::swap(src, dst);
  }
  return src;
}

void radix_sort(std::vector<KeyRef>& v, std::vector<KeyRef>& scratch) {
  scratch.resize(v.size());
  if (radix_sort(v.data(), scratch.data(), v.size()) != v.data()) v.swap(scratch);
}

}  // namespace spp::sql::kern
