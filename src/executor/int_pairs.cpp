// Int pair batches (int_pairs.h): header check, stable sort by key, re-encoding.
#include "executor/int_pairs.h"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <memory>
#include <new>
#include <utility>

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

namespace {
// The key as an unsigned integer in the wanted order: the sign bit flipped (two's complement
// order becomes unsigned order), all bits flipped again for descending.
inline uint64_t radix_key(int64_t k, uint64_t flip) { return (static_cast<uint64_t>(k) ^ (uint64_t{1} << 63)) ^ flip; }
}  // namespace

void IntPairSorter::sort(bool descending) {
  pos_ = 0;
  const size_t n = pairs_.size();
  if (n < 4096 || n >= UINT32_MAX) {  // a radix pass costs two 64 Ki-entry histograms' worth of work: not for few
    if (descending)
      std::stable_sort(pairs_.begin(), pairs_.end(), [](const Pair& a, const Pair& b) { return a.key > b.key; });
    else
      std::stable_sort(pairs_.begin(), pairs_.end(), [](const Pair& a, const Pair& b) { return a.key < b.key; });
    return;
  }
  // LSD radix sort, 11-bit digits (2,048 buckets: the scatter's destinations stay in cache):
  // stable by construction (equal keys keep arrival order, as Python's sort), a pass per digit
  // that is not the same for every key (W5's keys < 100,000: 2 of 6). One read of the keys
  // counts every digit.
  const uint64_t flip = descending ? ~uint64_t{0} : 0;
  constexpr int kBits = 11, kDigits = (64 + kBits - 1) / kBits;
  constexpr size_t kBuckets = size_t{1} << kBits;
  std::vector<uint32_t> counts(kDigits * kBuckets, 0);
  for (const Pair& p : pairs_) {
    const uint64_t u = radix_key(p.key, flip);
    for (int d = 0; d < kDigits; ++d) ++counts[d * kBuckets + ((u >> (d * kBits)) & (kBuckets - 1))];
  }
  // The scatter's other buffer: fresh pages, huge where the kernel allows (madvise mode), since
  // faulting in 4 KiB pages one by one cost more on these VMs than the passes themselves.
  const size_t bytes = (n * sizeof(Pair) + (size_t{2} << 20) - 1) & ~((size_t{2} << 20) - 1);
  void* mem = nullptr;
  struct Unmap {
    size_t len;
    void operator()(void* p) const { ::munmap(p, len); }
  };
  std::unique_ptr<void, Unmap> other(nullptr, Unmap{bytes});
  Pair* from = pairs_.data();
  for (int d = 0; d < kDigits; ++d) {
    uint32_t* c = counts.data() + d * kBuckets;
    const int shift = d * kBits;
    if (c[(radix_key(from[0].key, flip) >> shift) & (kBuckets - 1)] == n) continue;  // one digit for all: nothing to do
    uint32_t sum = 0;
    for (size_t b = 0; b < kBuckets; ++b) sum += std::exchange(c[b], sum);  // starts of the buckets
    if (!other) {
      mem = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (mem == MAP_FAILED) throw std::bad_alloc();
      ::madvise(mem, bytes, MADV_HUGEPAGE);
      other.reset(mem);
    }
    Pair* to = from == pairs_.data() ? static_cast<Pair*>(mem) : pairs_.data();
    for (size_t i = 0; i < n; ++i) to[c[(radix_key(from[i].key, flip) >> shift) & (kBuckets - 1)]++] = from[i];
    from = to;
  }
  if (from != pairs_.data()) std::memcpy(pairs_.data(), from, n * sizeof(Pair));
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
