#include "sql/kernels/radix_sort.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace spp::sql::kern {

KeyRef* radix_sort(KeyRef* v, KeyRef* scratch, size_t n) {
  if (n < 256) {  // a comparison sort beats eight histograms
    std::stable_sort(v, v + n, [](const KeyRef& a, const KeyRef& b) { return a.key < b.key; });
    return v;
  }
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
