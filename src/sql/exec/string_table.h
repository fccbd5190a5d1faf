// StringKeyTable: byte strings -> dense ids 0..n-1 for a hash aggregate grouped by one
// string/binary column (word count's `groupBy("word")`). Each distinct key is copied once into
// an arena laid out as an Arrow string column (int32 offsets + bytes), so the table holds no
// input batch alive and its key column *is* the arena (no gather at the end). Probing is two
// passes per chunk of 1,024 rows (hashes and slot words stay in L1): hash every row, then look
// up with the slot a few rows ahead prefetched; a slot holds the 32-bit hash next to the id, so
// a miss rarely touches the arena. A key under 8 bytes is read with one 8-byte load, masked,
// and hashed from that word (a memcpy of a variable size here stalled on store forwarding).
//
// The hash (`hash_bytes`) is a 64-bit multiply-fold over 8-byte words, not Spark's Murmur3: it
// never leaves the table (exchanges partition with Murmur3, as Spark).
#pragma once
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "sql/columnar/batch.h"

namespace spp::sql::exec {

// Well-mixed 32 bits of the bytes [p, p+n); reads nothing outside them.
uint32_t hash_bytes(const char* p, size_t n);

class StringKeyTable {
 public:
  StringKeyTable();
  // ids[r] = the id of row r of `c` (a String or Binary column, any offset), new keys added in
  // row order; a NULL row gets the id of the NULL key (one id, made on first sight).
  void find_or_insert(const col::Column& c, int32_t* ids);
  int32_t size() const { return size_; }
  uint32_t hash_of(int32_t id) const { return hashes_[size_t(id)]; }
  // Bytes of every key (the arena): the caller spills before this would pass INT32_MAX.
  int64_t key_bytes() const { return int64_t(offsets()[size_]); }
  int64_t memory() const;
  // The keys as a column of `type` (ids in order), sharing the arena: call it when done adding.
  col::ColumnPtr column(col::ColTypePtr type) const;
  std::string_view key(int32_t id) const {
    const int32_t* o = offsets();
    return {reinterpret_cast<const char*>(data_->data()) + o[id], size_t(o[id + 1] - o[id])};
  }

 private:
  const int32_t* offsets() const { return offs_->as<int32_t>(); }
  int32_t insert(const char* p, int32_t len, uint32_t h);
  void grow();

  // A slot holds the key's hash, its id + 1 (0: empty; top bit set: a key of 8 bytes or more)
  // and `word`: a key under 8 bytes itself (bytes, zero padding, length in the top byte) — so
  // short keys (most words) compare without touching the arena — else its first 8 bytes.
  struct Slot {
    uint32_t hash;
    uint32_t id1;
    uint64_t word;
  };
  static constexpr uint32_t kLongKey = 0x80000000u;
  // Zeroed slots; from 2 MiB on an mmap of their own on transparent huge pages: every probe is a
  // random access, and 4 KiB pages cost a page fault each as the table grows (the executor trims
  // the heap after a task, so each task's table faulted in afresh) and a TLB miss per probe.
  class Slots {
   public:
    explicit Slots(size_t n);
    ~Slots();
    Slots(const Slots&) = delete;
    Slots& operator=(const Slots&) = delete;
    Slot& operator[](size_t i) { return p_[i]; }
    const Slot& operator[](size_t i) const { return p_[i]; }
    size_t size() const { return n_; }
    void swap(Slots& o) {
      std::swap(p_, o.p_);
      std::swap(n_, o.n_);
      std::swap(mapped_, o.mapped_);
    }

   private:
    Slot* p_ = nullptr;
    size_t n_ = 0;
    bool mapped_ = false;
  };
  Slots slots_;
  size_t mask_ = 0;
  int32_t size_ = 0;
  int32_t null_id_ = -1;
  std::vector<uint32_t> hashes_;  // id -> hash (rehash, spill partitions)
  col::BufferPtr offs_, data_;    // the arena: Arrow offsets (size_ + 1) and bytes
  std::vector<uint32_t> scratch_; // per-chunk row hashes
  std::vector<uint64_t> words_;   // per-chunk row slot words
};

}  // namespace spp::sql::exec
