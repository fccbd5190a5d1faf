#include "scheduler/compact_offsets.h"

#include <algorithm>
#include <cstring>

namespace spp::scheduler {

CompactOffsets::CompactOffsets(const std::vector<int64_t>& offsets) : n_(offsets.size()) {
  groups_.reserve((n_ + kGroup - 1) / kGroup);
  size_t bytes = 0;
  for (size_t g = 0; g < n_; g += kGroup) {  // widths first, so data_ is allocated once
    size_t end = std::min(n_, g + kGroup);
    Group gr;
    gr.base = offsets[g];
    uint64_t span = 0;  // offsets ascend, but a distance is taken as unsigned either way
    for (size_t i = g; i < end; ++i) span = std::max(span, static_cast<uint64_t>(offsets[i] - gr.base));
    gr.width = span <= 0xff ? 1 : span <= 0xffff ? 2 : span <= 0xffffffffu ? 4 : 8;
    gr.at = static_cast<uint32_t>(bytes);
    bytes += (end - g) * gr.width;
    groups_.push_back(gr);
  }
  data_.resize(bytes);
  for (size_t g = 0; g < n_; g += kGroup) {
    size_t end = std::min(n_, g + kGroup);
    const Group& gr = groups_[g / kGroup];
    for (size_t i = g; i < end; ++i) {
      auto d = static_cast<uint64_t>(offsets[i] - gr.base);
      std::memcpy(&data_[gr.at + (i - g) * gr.width], &d, gr.width);  // little-endian: the low bytes
    }
  }
}

int64_t CompactOffsets::operator[](size_t i) const {
  const Group& g = groups_[i / kGroup];
  uint64_t d = 0;
  std::memcpy(&d, &data_[g.at + (i % kGroup) * g.width], g.width);
  return g.base + static_cast<int64_t>(d);
}

}  // namespace spp::scheduler
