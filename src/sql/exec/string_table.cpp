// StringKeyTable (see the header).
#include "sql/exec/string_table.h"

namespace spp::sql::exec {

namespace {

inline uint64_t load64(const char* p) { uint64_t v; std::memcpy(&v, p, 8); return v; }
inline uint64_t load32(const char* p) { uint32_t v; std::memcpy(&v, p, 4); return v; }
// 64x64 -> 128-bit product folded to 64 bits (wyhash's mixing step).
inline uint64_t mum(uint64_t a, uint64_t b) {
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return uint64_t(r) ^ uint64_t(r >> 64);
}
constexpr uint64_t kP0 = 0xa0761d6478bd642full, kP1 = 0xe7037ed1a0b428dbull, kP2 = 0x8ebc6af09c88c6e3ull;

}  // namespace

uint32_t hash_bytes(const char* p, size_t n) {
  uint64_t a = 0, b = 0, seed = kP0 ^ n;
  if (n <= 16) {
    if (n >= 8) { a = load64(p); b = load64(p + n - 8); }            // two overlapping words
    else if (n >= 4) { a = load32(p); b = load32(p + n - 4); }
    else if (n > 0) a = (uint64_t(uint8_t(p[0])) << 16) | (uint64_t(uint8_t(p[n >> 1])) << 8) | uint8_t(p[n - 1]);
  } else {
    const char* q = p;
    for (size_t left = n; left > 16; left -= 16, q += 16) seed = mum(load64(q) ^ kP1, load64(q + 8) ^ seed);
    a = load64(p + n - 16);
    b = load64(p + n - 8);
  }
  const uint64_t h = mum(kP2 ^ n, mum(a ^ kP1, b ^ seed));
  return uint32_t(h ^ (h >> 32));
}

// The slot word of a key (see Slot): short keys exactly, long ones by their first 8 bytes.
static inline uint64_t key_word(const char* p, size_t n) {
  if (n >= 8) return load64(p);
  uint64_t w = 0;
  if (n > 0) std::memcpy(&w, p, n);
  return w | (uint64_t(n) << 56);
}

StringKeyTable::StringKeyTable()
    : slots_(1024, Slot{0, 0, 0}), mask_(1023), offs_(std::make_shared<col::Buffer>(4)), data_(std::make_shared<col::Buffer>(0)) {}

int64_t StringKeyTable::memory() const {
  return int64_t(slots_.capacity() * sizeof(Slot) + hashes_.capacity() * 4 + scratch_.capacity() * 4 + offs_->capacity() +
                 data_->capacity());
}

void StringKeyTable::place(int32_t id) {
  const uint32_t h = hashes_[size_t(id)];
  const std::string_view k = key(id);
  size_t i = h & mask_;
  while (slots_[i].id1 != 0) i = (i + 1) & mask_;
  slots_[i] = Slot{h, uint32_t(id + 1) | (k.size() >= 8 ? kLongKey : 0u), key_word(k.data(), k.size())};
}

void StringKeyTable::grow() {
  slots_.assign(slots_.size() * 2, Slot{0, 0, 0});
  mask_ = slots_.size() - 1;
  for (int32_t id = 0; id < size_; ++id)
    if (id != null_id_) place(id);  // the NULL key has no slot
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
  static const char kEmpty[1] = {0};
  const char* d = c.data && c.data->data() ? reinterpret_cast<const char*>(c.data->data()) : kEmpty;
  scratch_.resize(size_t(n));
  uint32_t* h = scratch_.data();
  for (int64_t r = 0; r < n; ++r) h[r] = hash_bytes(d + o[r], size_t(o[r + 1] - o[r]));
  const uint8_t* valid = c.null_count > 0 ? c.validity_bits() : nullptr;
  constexpr int64_t kAhead = 8;  // rows: the slot of row r + kAhead is prefetched while row r probes
  for (int64_t r = 0; r < n; ++r) {
    if (r + kAhead < n) __builtin_prefetch(&slots_[h[r + kAhead] & mask_]);
    if (valid && !col::get_bit(valid, c.offset + r)) {
      if (null_id_ < 0) null_id_ = insert(nullptr, 0, 0);
      ids[r] = null_id_;
      continue;
    }
    const uint32_t hr = h[r];
    const char* p = d + o[r];
    const int32_t len = o[r + 1] - o[r];
    const uint64_t w = key_word(p, size_t(len));
    const bool is_long = len >= 8;
    size_t i = hr & mask_;
    for (;;) {
      const Slot& e = slots_[i];
      if (e.id1 == 0) {
        const int32_t id = insert(p, len, hr);
        ids[r] = id;
        if (size_t(size_) * 2 > slots_.size()) grow();
        else slots_[i] = Slot{hr, uint32_t(id + 1) | (is_long ? kLongKey : 0u), w};
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
