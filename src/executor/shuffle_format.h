// Shuffle on-disk format shared by the map-side writer, the block server and the reduce-side
// reader: one record per pickled batch, optionally compressed (LZ4 or zstd) and CRC32-checked.
//
//   record = u32 BE N | codec byte | [u32 BE crc32 — if codec & kRecordChecksum] | body
//   N      = bytes after the length field (codec byte + crc + body)
//   crc32  = CRC-32 (zlib) of the codec byte followed by the body, so a flipped codec is caught
//   body   = the pickled batch (kCodecRaw), one zstd frame of it (kCodecZstd), or
//            u32 BE raw length | one LZ4 block of it (kCodecLz4)
// The codec is per record, so a reader needs no setting: the writer's spark.io.compression.codec
// (lz4 by default, as Spark) only picks what it writes.
//
// A map output data file is the concatenation of every reduce partition's records; the
// num_reduce+1 offsets into it travel in the map task's StatusUpdate (no index file).
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"

namespace spp {
class Conf;
}

namespace spp::executor {

constexpr unsigned char kCodecRaw = 0;
constexpr unsigned char kCodecZstd = 1;
constexpr unsigned char kCodecLz4 = 2;
constexpr unsigned char kRecordChecksum = 0x80;  // flag bit on the codec byte
// Records are never larger than this (the data-plane frame limit bounds a block anyway).
constexpr size_t kMaxShuffleRecord = 1u << 30;

// The shuffle settings an executor applies to every task (from the application's conf).
struct ShuffleSettings {
  bool compress = true;                 // spark.shuffle.compress
  unsigned char codec = kCodecLz4;      // spark.io.compression.codec (lz4; zstd)
  int zstd_level = 1;                   // spark.io.compression.zstd.level
  bool checksum = true;                 // spark.shuffle.checksum.enabled
  int64_t spill_threshold = 64 << 20;   // spark.sparkpp.shuffle.spillThreshold
  bool prefer_local_read = true;        // spark.sparkpp.shuffle.preferLocalRead
  int64_t max_in_flight = 48 << 20;     // spark.reducer.maxSizeInFlight
  int64_t fetch_timeout_ms = 120000;    // spark.network.timeout: silence on a fetch connection
  // Most bytes of int pairs a reduce task sorts natively (sortByKey, input_readers.h); beyond
  // that its partition goes to Python unsorted (which spills).
  size_t native_sort_bytes = 256u << 20;
  std::string host;                     // this executor's advertised host (local-read test)
  std::string exec_id;

  static ShuffleSettings from_conf(const Conf& conf, std::string host, std::string exec_id);
};

// The record codec spark.io.compression.codec names: lz4 and zstd as Spark (also by class name);
// snappy and lzf, which Spark also offers, write LZ4 here (same role: fast, light). nullopt for
// an unknown name.
std::optional<unsigned char> shuffle_codec(const std::string& name);

// Appends one record holding data[0..len), compressed with `codec` when that helps (kCodecRaw:
// stored as is).
void append_shuffle_record(std::string& out, const char* data, size_t len, unsigned char codec, bool checksum,
                           int zstd_level = 1);

// Decompresses one zstd frame of at most max_out bytes into `out`. Memory grows with the bytes
// the frame actually yields (a 20-byte frame claiming 1 GiB allocates KiBs, then fails), so a
// corrupt or hostile record cannot make a reducer allocate what its header claims.
Status decompress_zstd_frame(const char* src, size_t len, size_t max_out, std::string& out);

// Decodes the record at the start of data[0..avail) into `out`; `used` gets its encoded size.
// Errors describe the corruption (truncated, bad checksum, unknown codec, bad zstd frame or LZ4
// block).
// With require_checksum a record without a CRC is corrupt (the writer always adds one then).
Status decode_shuffle_record(const char* data, size_t avail, bool require_checksum, std::string& out, size_t& used);

}  // namespace spp::executor
