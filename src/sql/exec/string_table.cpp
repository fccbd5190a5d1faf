// StringKeyTable (see the header).
#include "sql/exec/string_table.h"

#include <sys/mman.h>

#include <cstdlib>
#include <new>

namespace spp::sql::exec {

namespace {

inline uint64_t load64(const char* p) { uint64_t v; std::memcpy(&v, p, 8); return v; }
// 64x64 -> 128-bit product folded to 64 bits (wyhash's mixing step).
inline uint64_t mum(uint64_t a, uint64_t b) {
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return uint64_t(r) ^ uint64_t(r >> 64);
}
constexpr uint64_t kP0 = 0xa0761d6478bd642full, kP1 = 0xe7037ed1a0b428dbull, kP2 = 0x8ebc6af09c88c6e3ull;

// The slot word of a key (see Slot): a key under 8 bytes exactly (bytes, zero padding, length in
// the top byte), a longer one by its first 8 bytes. `readable`: bytes from p that may be read —
// 8 or more, and a short key is one load, masked (no memcpy call of a variable size).
inline uint64_t key_word(const char* p, size_t n, size_t readable) {
  if (n >= 8) return load64(p);
  uint64_t w = 0;
  if (readable >= 8) w = load64(p) & ((uint64_t(1) << (8 * n)) - 1);
  else if (n > 0) std::memcpy(&w, p, n);
  return w | (uint64_t(n) << 56);
}

inline uint32_t fold(uint64_t h) { return uint32_t(h ^ (h >> 32)); }
// A key under 8 bytes: the hash of its slot word (which holds its length too).
inline uint32_t hash_short(uint64_t word) { return fold(mum(kP2 ^ word, mum(word ^ kP1, kP0))); }
// 8 bytes or more: 16 at a time, then the last 16 (overlapping), wyhash-style.
inline uint32_t hash_long(const char* p, size_t n) {
  uint64_t seed = kP0 ^ n;
  for (const char* q = p; q + 16 < p + n; q += 16) seed = mum(load64(q) ^ kP1, load64(q + 8) ^ seed);
  const uint64_t a = n > 16 ? load64(p + n - 16) : load64(p), b = load64(p + n - 8);
  return fold(mum(kP2 ^ n, mum(a ^ kP1, b ^ seed)));
}
inline uint32_t key_hash(const char* p, size_t n, uint64_t word) { return n >= 8 ? hash_long(p, n) : hash_short(word); }

}  // namespace

uint32_t hash_bytes(const char* p, size_t n) { return key_hash(p, n, key_word(p, n, 0)); }

StringKeyTable::Slots::Slots(size_t n) : n_(n) {
  constexpr size_t kHuge = size_t(2) << 20;
  const size_t bytes = n * sizeof(Slot);
  if (bytes >= kHuge) {  // a 2 MiB-aligned mapping, zero pages from the kernel
    void* m = ::mmap(nullptr, bytes + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) throw std::bad_alloc();
    const uintptr_t lo = reinterpret_cast<uintptr_t>(m), at = (lo + kHuge - 1) & ~(kHuge - 1), hi = lo + bytes + kHuge;
    if (at > lo) ::munmap(m, at - lo);
    if (hi > at + bytes) ::munmap(reinterpret_cast<void*>(at + bytes), hi - (at + bytes));
    p_ = reinterpret_cast<Slot*>(at);
    ::madvise(p_, bytes, MADV_HUGEPAGE);  // advice only: 4 KiB pages if refused
    mapped_ = true;
    return;
  }
  p_ = static_cast<Slot*>(std::calloc(n, sizeof(Slot)));
  if (!p_) throw std::bad_alloc();
}

StringKeyTable::Slots::~Slots() {
  if (mapped_) ::munmap(p_, n_ * sizeof(Slot));
  else std::free(p_);
}

StringKeyTable::StringKeyTable()
    : slots_(1024), mask_(1023), offs_(std::make_shared<col::Buffer>(4)), data_(std::make_shared<col::Buffer>(0)) {}

int64_t StringKeyTable::memory() const {
  return int64_t(slots_.size() * sizeof(Slot) + hashes_.capacity() * 4 + scratch_.capacity() * 4 + words_.capacity() * 8 + offs_->capacity() +
                 data_->capacity());
}

// Twice the slots, each moved by the hash it holds (no key read from the arena).
void StringKeyTable::grow() {
  Slots old(slots_.size() * 2);
  old.swap(slots_);
  mask_ = slots_.size() - 1;
  for (size_t j = 0; j < old.size(); ++j) {
    const Slot& s = old[j];
    if (s.id1 == 0) continue;
    size_t i = s.hash & mask_;
    while (slots_[i].id1 != 0) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

// Appends a key to the arena (the caller places it in a slot; the NULL key gets none).
int32_t StringKeyTable::insert(const char* p, int32_t len, uint32_t h) {
  const int32_t id = size_++;
  SPP_CHECK(size_ < int32_t(kLongKey - 1), "too many groups in one aggregate table");
  const int32_t at = offs_->as<int32_t>()[id];
  SPP_CHECK(int64_t(at) + len < INT32_MAX, "string group keys of one aggregate table over 2 GiB");
  if (len > 0) {
    data_->resize(size_t(at) + size_t(len));
    std::memcpy(data_->data() + at, p, size_t(len));
  }
  offs_->resize(size_t(size_ + 1) * 4);
  offs_->as<int32_t>()[size_] = at + len;
  hashes_.push_back(h);
  return id;
}

void StringKeyTable::find_or_insert(const col::Column& c, int32_t* ids) {
  const int64_t n = c.length;
  if (n == 0) return;
  const int32_t* o = c.offsets();
  static const char kEmpty[8] = {};
  const bool has_data = c.data && c.data->data();
  const char* d = has_data ? reinterpret_cast<const char*>(c.data->data()) : kEmpty;
  // Bytes of the buffer that may be read (its capacity): a short key is then one 8-byte load.
  const int64_t cap = has_data ? int64_t(c.data->capacity()) : 0;
  const uint8_t* valid = c.null_count > 0 ? c.validity_bits() : nullptr;
  // Rows in chunks whose hashes and words stay in L1 between the two passes.
  constexpr int64_t kChunk = 1024;
  scratch_.resize(size_t(kChunk));
  words_.resize(size_t(kChunk));
  uint32_t* h = scratch_.data();
  uint64_t* words = words_.data();
  for (int64_t c0 = 0; c0 < n; c0 += kChunk) {
    const int64_t m = std::min(kChunk, n - c0);
    for (int64_t k = 0; k < m; ++k) {
      const int64_t at = o[c0 + k], len = o[c0 + k + 1] - at;
      const uint64_t w = key_word(d + at, size_t(len), size_t(std::max<int64_t>(cap - at, 0)));
      words[k] = w;
      h[k] = key_hash(d + at, size_t(len), w);
    }
    constexpr int64_t kAhead = 32;  // rows: the slot of row k + kAhead is prefetched while row k probes
    for (int64_t k = 0; k < std::min(kAhead, m); ++k) __builtin_prefetch(&slots_[h[k] & mask_]);
    for (int64_t k = 0; k < m; ++k) {
      const int64_t r = c0 + k;
      if (k + kAhead < m) __builtin_prefetch(&slots_[h[k + kAhead] & mask_]);
      if (valid && !col::get_bit(valid, c.offset + r)) {
        if (null_id_ < 0) null_id_ = insert(nullptr, 0, 0);
        ids[r] = null_id_;
        continue;
      }
      const uint32_t hr = h[k];
      const char* p = d + o[r];
      const int32_t len = o[r + 1] - o[r];
      const uint64_t w = words[k];
      const bool is_long = len >= 8;
      size_t i = hr & mask_;
      for (;;) {
        const Slot& e = slots_[i];
        if (e.id1 == 0) {
          const int32_t id = insert(p, len, hr);
          ids[r] = id;
          if (size_t(size_) * 2 > slots_.size()) {
            slots_[i] = Slot{hr, uint32_t(id + 1) | (is_long ? kLongKey : 0u), w};
            grow();
          } else {
            slots_[i] = Slot{hr, uint32_t(id + 1) | (is_long ? kLongKey : 0u), w};
          }
          break;
        }
        if (e.hash == hr && e.word == w && ((e.id1 & kLongKey) != 0) == is_long) {
          const int32_t id = int32_t(e.id1 & ~kLongKey) - 1;
          if (!is_long) { ids[r] = id; break; }  // the word is the whole key
          const int32_t* ko = offsets();
          if (ko[id + 1] - ko[id] == len && std::memcmp(data_->data() + ko[id], p, size_t(len)) == 0) {
            ids[r] = id;
            break;
          }
        }
        i = (i + 1) & mask_;
      }
    }
  }
}

col::ColumnPtr StringKeyTable::column(col::ColTypePtr type) const {
  auto c = std::make_shared<col::Column>();
  c->type = std::move(type);
  c->length = size_;
  c->values = offs_;
  c->data = data_;
  if (null_id_ >= 0) {
    uint8_t* bits = col::ensure_validity(*c);
    col::clear_bit(bits, null_id_);
    col::finish_validity(*c);
  }
  return c;
}

}  // namespace spp::sql::exec
