// libFuzzer target: arbitrary bytes as a fetched (or locally read) shuffle block — what a reducer
// walks record by record with decode_shuffle_record (executor/shuffle_format.h). The first byte
// picks whether checksums are required. Invariants: nothing crashes, every accepted record lies
// inside the block, and whatever decodes re-encodes (every codec/checksum mix) to the same bytes.
// Records that pass as int pair batches (sortByKey, executor/int_pairs.h) go through the reduce
// side's sorter: the pairs come out as many as went in, ordered by key.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "executor/int_pairs.h"
#include "executor/shuffle_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spp::executor;
  if (size == 0) return 0;
  bool require = data[0] & 1;
  const char* p = reinterpret_cast<const char*>(data) + 1;
  size_t left = size - 1;
  while (left > 0) {
    std::string rec;
    size_t used = 0;
    if (!decode_shuffle_record(p, left, require, rec, used).is_ok()) break;
    if (used == 0 || used > left) __builtin_trap();
    // A tiny zstd frame may legitimately expand to many MB: round-trip only the small ones.
    for (int mode = 0; mode < 6 && rec.size() <= (1u << 16); ++mode) {
      std::string enc, back;
      size_t u2 = 0;
      const unsigned char codecs[] = {kCodecRaw, kCodecZstd, kCodecLz4};
      append_shuffle_record(enc, rec.data(), rec.size(), codecs[mode >> 1], mode & 1);
      if (!decode_shuffle_record(enc.data(), enc.size(), mode & 1, back, u2).is_ok() || u2 != enc.size() ||
          back != rec)
        __builtin_trap();
    }
    if (auto h = int_pairs_header(rec)) {
      IntPairSorter sorter;
      sorter.add(rec, *h);
      sorter.sort(h->flags & kPairsDesc);
      size_t n = 0;
      int64_t prev = 0;
      std::string out;
      while (sorter.next_batch(out, kPairsSorted, 3)) {
        auto oh = int_pairs_header(out);
        if (!oh || oh->n == 0 || oh->n > 3) __builtin_trap();
        for (uint32_t i = 0; i < oh->n; ++i, ++n) {
          int64_t k;
          std::memcpy(&k, out.data() + 8 + 8 * static_cast<size_t>(i), 8);
          if (n && ((h->flags & kPairsDesc) ? k > prev : k < prev)) __builtin_trap();
          prev = k;
        }
      }
      if (n != h->n) __builtin_trap();
    }
    p += used;
    left -= used;
  }
  return 0;
}
