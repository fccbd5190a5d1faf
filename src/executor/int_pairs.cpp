// Int pair batches (int_pairs.h): header check, stable sort by key, re-encoding.
#include "executor/int_pairs.h"

#include <algorithm>
#include <array>
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
  if (h.n == 0) return;
  const char* keys = blob.data() + kHead;
  const char* values = keys + 8 * static_cast<size_t>(h.n);
  if (runs_.empty() || runs_.back().size() >= run_pairs_) {
    runs_.emplace_back();
    runs_.back().reserve(std::max<size_t>(h.n, run_pairs_));
  }
  auto& run = runs_.back();
  const size_t at = run.size();
  run.resize(at + h.n);
  for (uint32_t i = 0; i < h.n; ++i) {
    std::memcpy(&run[at + i].key, keys + 8 * static_cast<size_t>(i), 8);
    std::memcpy(&run[at + i].value, values + 8 * static_cast<size_t>(i), 8);
  }
  size_ += h.n;
}

void IntPairSorter::sift_down(size_t i) {
  const size_t n = heap_.size();
  const Head x = heap_[i];
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && before(heap_[c + 1], heap_[c])) ++c;
    if (!before(heap_[c], x)) break;
    heap_[i] = heap_[c];
    i = c;
  }
  heap_[i] = x;
}

// Stable LSD radix sort of one run by key, a byte at a time: the key is mapped to an unsigned
// value in the wanted order (sign bit flipped; complemented when descending), bytes that are
// equal in every key are skipped (keys in a range partition share their high bytes).
void IntPairSorter::sort_run(std::vector<Pair>& run) {
  const size_t n = run.size();
  if (n < 2) return;
  const uint64_t flip = descending_ ? ~(uint64_t{1} << 63) : uint64_t{1} << 63;
  auto ukey = [flip](const Pair& p) { return static_cast<uint64_t>(p.key) ^ flip; };
  std::array<std::array<size_t, 256>, 8> counts{};
  for (const Pair& p : run) {
    const uint64_t k = ukey(p);
    for (int d = 0; d < 8; ++d) ++counts[d][(k >> (8 * d)) & 0xff];
  }
  scratch_.resize(n);
  for (int d = 0; d < 8; ++d) {
    auto& c = counts[d];
    if (c[(ukey(run[0]) >> (8 * d)) & 0xff] == n) continue;  // one value of this byte
    size_t at = 0;
    for (auto& x : c) {
      const size_t m = x;
      x = at;
      at += m;
    }
    for (const Pair& p : run) scratch_[c[(ukey(p) >> (8 * d)) & 0xff]++] = p;
    run.swap(scratch_);
  }
}

void IntPairSorter::sort(bool descending) {
  descending_ = descending;
  for (auto& run : runs_) sort_run(run);
  scratch_ = {};
  pos_.assign(runs_.size(), 0);
  heap_.clear();
  for (uint32_t r = 0; r < runs_.size(); ++r)
    if (!runs_[r].empty()) heap_.push_back({runs_[r][0].key, r});
  for (size_t i = heap_.size() / 2; i-- > 0;) sift_down(i);
  sorted_ = true;
}

bool IntPairSorter::next_batch(std::string& out, uint8_t flags, size_t max_pairs) {
  if (!sorted_) {
    while (run_ < runs_.size() && runs_[run_].empty()) ++run_;
    if (run_ >= runs_.size()) {
      *this = IntPairSorter(run_pairs_);  // the memory goes as soon as the last batch is out
      return false;
    }
  } else if (heap_.empty()) {
    *this = IntPairSorter(run_pairs_);
    return false;
  }
  if (pos_.size() < runs_.size()) pos_.resize(runs_.size(), 0);
  const size_t left = sorted_ ? max_pairs : runs_[run_].size() - pos_[run_];
  const size_t n = std::min(max_pairs, left);
  out.resize(kHead + 16 * n);
  char* p = out.data();
  p[0] = 0;
  p[1] = 1;
  p[2] = static_cast<char>(flags);
  p[3] = 0;
  char* keys = p + kHead;
  char* values = keys + 8 * n;
  size_t i = 0;
  if (!sorted_) {
    const Pair* src = runs_[run_].data() + pos_[run_];
    for (; i < n; ++i) {
      std::memcpy(keys + 8 * i, &src[i].key, 8);
      std::memcpy(values + 8 * i, &src[i].value, 8);
    }
    pos_[run_] += n;
    if (pos_[run_] == runs_[run_].size()) runs_[run_++] = {};
  } else {
    while (i < n && !heap_.empty()) {
      const uint32_t r = heap_[0].run;
      auto& run = runs_[r];
      const Pair& x = run[pos_[r]];
      std::memcpy(keys + 8 * i, &x.key, 8);
      std::memcpy(values + 8 * i, &x.value, 8);
      ++i;
      if (++pos_[r] == run.size()) {
        run = {};  // a merged run's memory goes at once
        heap_[0] = heap_.back();
        heap_.pop_back();
      } else {
        heap_[0].key = run[pos_[r]].key;
      }
      if (!heap_.empty()) sift_down(0);
    }
    if (i < n) {  // the merge ended inside this batch: the values move up behind the keys
      std::memmove(keys + 8 * i, values, 8 * i);
      out.resize(kHead + 16 * i);
    }
  }
  const uint32_t n32 = static_cast<uint32_t>(i);
  std::memcpy(p + 4, &n32, 4);
  return true;
}

}  // namespace spp::executor
