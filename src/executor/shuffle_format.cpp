// Shuffle record codec.
#include "executor/shuffle_format.h"

#include <lz4.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "common/config.h"

namespace spp::executor {

ShuffleSettings ShuffleSettings::from_conf(const Conf& conf, std::string host, std::string exec_id) {
  ShuffleSettings s;
  s.compress = conf.get_bool("spark.shuffle.compress");
  // Validated when the application starts (config.cpp): an unknown name cannot get here.
  s.codec = shuffle_codec(conf.get("spark.io.compression.codec", "lz4")).value_or(kCodecLz4);
  s.zstd_level = static_cast<int>(std::clamp<int64_t>(conf.get_int("spark.io.compression.zstd.level"), -7, 22));
  s.checksum = conf.get_bool("spark.shuffle.checksum.enabled");
  s.spill_threshold = std::max<int64_t>(1, conf.get_bytes("spark.sparkpp.shuffle.spillThreshold"));
  s.prefer_local_read = conf.get_bool("spark.sparkpp.shuffle.preferLocalRead");
  s.max_in_flight = std::max<int64_t>(1, conf.get_bytes("spark.reducer.maxSizeInFlight"));
  s.fetch_timeout_ms = std::max<int64_t>(1000, conf.get_time_ms("spark.network.timeout"));
  s.host = std::move(host);
  s.exec_id = std::move(exec_id);
  return s;
}

namespace {
void put_u32(char* p, uint32_t v) {
  p[0] = static_cast<char>(v >> 24);
  p[1] = static_cast<char>(v >> 16);
  p[2] = static_cast<char>(v >> 8);
  p[3] = static_cast<char>(v);
}
uint32_t get_u32(const char* c) {
  const auto* p = reinterpret_cast<const unsigned char*>(c);
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}
uint32_t record_crc(unsigned char codec, const char* body, size_t len) {
  uLong c = crc32(0L, Z_NULL, 0);
  c = crc32(c, &codec, 1);
  // zlib takes uInt lengths: feed large bodies in pieces.
  while (len > 0) {
    uInt n = static_cast<uInt>(std::min<size_t>(len, 1u << 30));
    c = crc32(c, reinterpret_cast<const Bytef*>(body), n);
    body += n;
    len -= n;
  }
  return static_cast<uint32_t>(c);
}
}  // namespace

std::optional<unsigned char> shuffle_codec(const std::string& name) {
  std::string n;
  for (char c : name) n += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (n == "lz4" || n == "org.apache.spark.io.lz4compressioncodec") return kCodecLz4;
  if (n == "zstd" || n == "org.apache.spark.io.zstdcompressioncodec") return kCodecZstd;
  if (n == "snappy" || n == "lzf" || n == "org.apache.spark.io.snappycompressioncodec" ||
      n == "org.apache.spark.io.lzfcompressioncodec")
    return kCodecLz4;
  return std::nullopt;
}

void append_shuffle_record(std::string& out, const char* data, size_t len, unsigned char want, bool checksum,
                           int zstd_level) {
  size_t hdr = checksum ? 9 : 5;
  size_t start = out.size();
  unsigned char codec = kCodecRaw;
  // Compress straight into `out` after room for the header; fall back to raw if it did not help.
  if (want == kCodecZstd && len > 64) {
    size_t bound = ZSTD_compressBound(len);
    out.resize(start + hdr + bound);
    // One compression context per thread (ZSTD_compress makes and frees one per call).
    static thread_local std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
    size_t n = ZSTD_compressCCtx(cctx.get(), out.data() + start + hdr, bound, data, len, zstd_level);
    if (!ZSTD_isError(n) && n < len) {
      out.resize(start + hdr + n);
      codec = kCodecZstd;
    } else {
      out.resize(start);
    }
  } else if (want == kCodecLz4 && len > 64 && len <= size_t(LZ4_MAX_INPUT_SIZE)) {
    const int bound = LZ4_compressBound(static_cast<int>(len));
    out.resize(start + hdr + 4 + size_t(bound));
    const int n = LZ4_compress_default(data, out.data() + start + hdr + 4, static_cast<int>(len), bound);
    if (n > 0 && size_t(n) + 4 < len) {
      put_u32(out.data() + start + hdr, static_cast<uint32_t>(len));
      out.resize(start + hdr + 4 + size_t(n));
      codec = kCodecLz4;
    } else {
      out.resize(start);
    }
  }
  if (codec == kCodecRaw) {
    out.resize(start + hdr);
    out.append(data, len);
  }
  size_t body_len = out.size() - start - hdr;
  put_u32(out.data() + start, static_cast<uint32_t>(body_len + hdr - 4));
  if (checksum) {
    codec |= kRecordChecksum;
    put_u32(out.data() + start + 5, record_crc(codec, out.data() + start + hdr, body_len));
  }
  out[start + 4] = static_cast<char>(codec);
}

Status decompress_zstd_frame(const char* src, size_t len, size_t max_out, std::string& out) {
  unsigned long long claimed = ZSTD_getFrameContentSize(src, len);
  if (claimed == ZSTD_CONTENTSIZE_ERROR || claimed == ZSTD_CONTENTSIZE_UNKNOWN || claimed > max_out)
    return Status::error("bad zstd frame");
  // Trust the claimed size only as far as typical ratios go; past that the buffer doubles as
  // output actually arrives, so memory follows what the frame decodes to, not what it says.
  size_t size = static_cast<size_t>(claimed);
  size_t first = std::min(size, std::max<size_t>(len * 16, 1 << 16));
  static thread_local std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  ZSTD_DCtx* d = dctx.get();
  if (first == size) {  // the common case: one call, no copies
    out.resize(size);
    size_t r = ZSTD_decompressDCtx(d, out.data(), out.size(), src, len);
    if (ZSTD_isError(r) || r != size) return Status::error("bad zstd frame");
    return Status::ok();
  }
  ZSTD_DCtx_reset(d, ZSTD_reset_session_only);
  out.clear();
  out.resize(first);
  ZSTD_inBuffer in{src, len, 0};
  ZSTD_outBuffer o{out.data(), out.size(), 0};
  for (;;) {
    size_t r = ZSTD_decompressStream(d, &o, &in);
    if (ZSTD_isError(r)) return Status::error("bad zstd frame");
    if (r == 0) break;  // frame complete
    if (o.pos < o.size) {
      if (in.pos == in.size) return Status::error("bad zstd frame (truncated)");
      continue;
    }
    if (o.size == size) return Status::error("bad zstd frame (more output than its header says)");
    out.resize(std::min(size, o.size * 2));
    o.dst = out.data();
    o.size = out.size();
  }
  if (o.pos != size || in.pos != in.size) return Status::error("bad zstd frame");
  return Status::ok();
}

Status decode_shuffle_record(const char* data, size_t avail, bool require_checksum, std::string& out, size_t& used) {
  if (avail < 5) return Status::error("truncated record header");
  uint32_t n = get_u32(data);
  if (n == 0 || n > kMaxShuffleRecord) return Status::error("bad record length " + std::to_string(n));
  if (avail - 4 < n) return Status::error("record of " + std::to_string(n) + " bytes runs past the end of the block");
  auto codec = static_cast<unsigned char>(data[4]);
  const char* body = data + 5;
  size_t len = n - 1;
  if (codec & kRecordChecksum) {
    if (len < 4) return Status::error("truncated record checksum");
    uint32_t want = get_u32(body);
    body += 4;
    len -= 4;
    if (record_crc(codec, body, len) != want) return Status::error("checksum mismatch");
    codec &= static_cast<unsigned char>(~kRecordChecksum);
  } else if (require_checksum) {
    return Status::error("record without checksum");
  }
  if (codec == kCodecRaw) {
    out.assign(body, len);
  } else if (codec == kCodecZstd) {
    Status st = decompress_zstd_frame(body, len, kMaxShuffleRecord, out);
    if (!st) return st;
  } else if (codec == kCodecLz4) {
    // LZ4 expands at most ~255x: a raw length past that is a lie, refused before allocating.
    if (len < 4) return Status::error("truncated LZ4 record");
    const uint32_t raw = get_u32(body);
    if (raw > kMaxShuffleRecord || raw > size_t(len - 4) * 255 + 16)
      return Status::error("bad LZ4 record (raw length " + std::to_string(raw) + " for " + std::to_string(len - 4) + " bytes)");
    out.resize(raw);
    const int got = LZ4_decompress_safe(body + 4, out.data(), static_cast<int>(len - 4), static_cast<int>(raw));
    if (got < 0 || uint32_t(got) != raw) return Status::error("bad LZ4 block");
  } else {
    return Status::error("unknown codec " + std::to_string(codec));
  }
  used = 4 + n;
  return Status::ok();
}

}  // namespace spp::executor
