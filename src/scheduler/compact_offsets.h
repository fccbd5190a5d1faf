// The byte offsets of one map output's reduce segments, exact, in about a byte each.
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace spp::scheduler {

// A driver keeps num_maps x (num_reduce + 1) offsets per shuffle (16.8 M for a 4,096 x 4,096
// one: 128 MiB as int64). Spark's HighlyCompressedMapStatus keeps approximate sizes; reduce
// tasks here read segments by exact offset, so this stays exact: groups of 64 offsets, each
// stored as its distance from the group's first in the narrowest of 1, 2, 4 or 8 bytes.
class CompactOffsets {
 public:
  CompactOffsets() = default;
  explicit CompactOffsets(const std::vector<int64_t>& offsets);
  CompactOffsets(std::initializer_list<int64_t> offsets) : CompactOffsets(std::vector<int64_t>(offsets)) {}
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  int64_t operator[](size_t i) const;
  size_t bytes_used() const { return groups_.capacity() * sizeof(Group) + data_.capacity(); }

 private:
  static constexpr size_t kGroup = 64;
  struct Group {
    int64_t base = 0;
    uint32_t at = 0;    // the group's first byte in data_
    uint8_t width = 0;  // bytes per distance
  };
  size_t n_ = 0;
  std::vector<Group> groups_;
  std::vector<uint8_t> data_;
};

}  // namespace spp::scheduler
