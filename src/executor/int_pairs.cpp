// Int pair batches (int_pairs.h): header check, stable sort by key, re-encoding.
#include "executor/int_pairs.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace spp::executor {
namespace {
static_assert(std::endian::native == std::endian::little, "int pair batches are little-endian on the wire");
constexpr size_t kHead = 8;

uint32_t load_u32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
}  // namespace

std::optional<IntPairsHeader> int_pairs_header(const std::string& blob) {
  if (blob.size() < kHead || blob[0] != 0 || blob[1] != 1) return std::nullopt;
  IntPairsHeader h;
  h.flags = static_cast<uint8_t>(blob[2]);
  h.n = load_u32(blob.data() + 4);
  if (blob.size() != kHead + 16 * static_cast<size_t>(h.n)) return std::nullopt;
  return h;
}

void IntPairSorter::add(const std::string& blob, const IntPairsHeader& h) {
  const char* keys = blob.data() + kHead;
  const char* values = keys + 8 * static_cast<size_t>(h.n);
  size_t at = pairs_.size();
  pairs_.resize(at + h.n);
  for (uint32_t i = 0; i < h.n; ++i) {
    std::memcpy(&pairs_[at + i].key, keys + 8 * static_cast<size_t>(i), 8);
    std::memcpy(&pairs_[at + i].value, values + 8 * static_cast<size_t>(i), 8);
  }
}

void IntPairSorter::sort(bool descending) {
  if (descending)
    std::stable_sort(pairs_.begin(), pairs_.end(), [](const Pair& a, const Pair& b) { return a.key > b.key; });
  else
    std::stable_sort(pairs_.begin(), pairs_.end(), [](const Pair& a, const Pair& b) { return a.key < b.key; });
  pos_ = 0;
}

bool IntPairSorter::next_batch(std::string& out, uint8_t flags, size_t max_pairs) {
  if (pos_ >= pairs_.size()) {
    pairs_ = {};  // the memory goes as soon as the last batch is out
    pos_ = 0;
    return false;
  }
  const size_t n = std::min(max_pairs, pairs_.size() - pos_);
  out.resize(kHead + 16 * n);
  char* p = out.data();
  p[0] = 0;
  p[1] = 1;
  p[2] = static_cast<char>(flags);
  p[3] = 0;
  const uint32_t n32 = static_cast<uint32_t>(n);
  std::memcpy(p + 4, &n32, 4);
  char* keys = p + kHead;
  char* values = keys + 8 * n;
  for (size_t i = 0; i < n; ++i) {
    std::memcpy(keys + 8 * i, &pairs_[pos_ + i].key, 8);
    std::memcpy(values + 8 * i, &pairs_[pos_ + i].value, 8);
  }
  pos_ += n;
  return true;
}

}  // namespace spp::executor
