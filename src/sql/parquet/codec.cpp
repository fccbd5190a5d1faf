// Page decompression (see the header).
#include "sql/parquet/codec.h"

#include <brotli/decode.h>
#include <lz4.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

namespace spp::sql::parquet {

namespace {

Status size_mismatch(const char* codec, size_t got, size_t expected) {
  return Status::error(std::string(codec) + " page decompressed to " + std::to_string(got) + " bytes, its header says " +
                       std::to_string(expected));
}

Status gunzip(const uint8_t* data, size_t size, size_t expected, std::string& out) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK) return Status::error("zlib init failed");
  z.next_in = const_cast<Bytef*>(data);
  z.avail_in = uInt(size);
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(expected);
  int rc = Z_OK;
  for (;;) {
    rc = inflate(&z, Z_NO_FLUSH);
    // Several gzip members one after the other (some writers do that) decompress in sequence.
    if (rc == Z_STREAM_END && z.avail_in > 0 && z.avail_out > 0) {
      if (inflateReset(&z) != Z_OK) break;
      continue;
    }
    break;
  }
  const size_t got = expected - z.avail_out;
  inflateEnd(&z);
  if (rc != Z_STREAM_END && !(rc == Z_BUF_ERROR && got == expected)) return Status::error("corrupt GZIP page");
  if (got != expected) return size_mismatch("GZIP", got, expected);
  return Status::ok();
}

// Hadoop's Lz4Codec framing: blocks of [4-byte BE uncompressed length][4-byte BE compressed
// length][LZ4 block], repeated.
bool hadoop_lz4(const uint8_t* data, size_t size, size_t expected, std::string& out) {
  size_t in = 0, got = 0;
  auto be32 = [&](size_t at) { return uint32_t(data[at]) << 24 | uint32_t(data[at + 1]) << 16 | uint32_t(data[at + 2]) << 8 | data[at + 3]; };
  while (in < size) {
    if (size - in < 8) return false;
    const uint32_t raw = be32(in), comp = be32(in + 4);
    in += 8;
    if (comp > size - in || raw > expected - got) return false;
    const int n = LZ4_decompress_safe(reinterpret_cast<const char*>(data + in), out.data() + got, int(comp), int(raw));
    if (n < 0 || uint32_t(n) != raw) return false;
    in += comp;
    got += raw;
  }
  return got == expected;
}

}  // namespace

const char* codec_name(Codec c) {
  switch (c) {
    case Codec::Uncompressed: return "UNCOMPRESSED";
    case Codec::Snappy: return "SNAPPY";
    case Codec::Gzip: return "GZIP";
    case Codec::Lzo: return "LZO";
    case Codec::Brotli: return "BROTLI";
    case Codec::Lz4: return "LZ4";
    case Codec::Zstd: return "ZSTD";
    case Codec::Lz4Raw: return "LZ4_RAW";
  }
  return "?";
}

Status decompress(Codec codec, const uint8_t* data, size_t size, size_t expected, std::string& out) {
  out.resize(expected);
  switch (codec) {
    case Codec::Uncompressed:
      if (size != expected) return size_mismatch("UNCOMPRESSED", size, expected);
      out.assign(reinterpret_cast<const char*>(data), size);
      return Status::ok();
    case Codec::Snappy: {
      size_t len = 0;
      if (snappy_uncompressed_length(reinterpret_cast<const char*>(data), size, &len) != SNAPPY_OK) return Status::error("corrupt SNAPPY page");
      if (len != expected) return size_mismatch("SNAPPY", len, expected);
      if (snappy_uncompress(reinterpret_cast<const char*>(data), size, out.data(), &len) != SNAPPY_OK) return Status::error("corrupt SNAPPY page");
      return Status::ok();
    }
    case Codec::Gzip: return gunzip(data, size, expected, out);
    case Codec::Zstd: {
      const size_t n = ZSTD_decompress(out.data(), expected, data, size);
      if (ZSTD_isError(n)) return Status::error(std::string("corrupt ZSTD page: ") + ZSTD_getErrorName(n));
      if (n != expected) return size_mismatch("ZSTD", n, expected);
      return Status::ok();
    }
    case Codec::Lz4Raw: {
      if (size > size_t(INT32_MAX) || expected > size_t(INT32_MAX)) return Status::error("LZ4_RAW page too large");
      const int n = LZ4_decompress_safe(reinterpret_cast<const char*>(data), out.data(), int(size), int(expected));
      if (n < 0) return Status::error("corrupt LZ4_RAW page");
      if (size_t(n) != expected) return size_mismatch("LZ4_RAW", size_t(n), expected);
      return Status::ok();
    }
    case Codec::Lz4: {
      // The deprecated LZ4 codec: Hadoop's framing as parquet-mr writes it, else a bare block
      // as older parquet-cpp wrote it.
      if (size > size_t(INT32_MAX) || expected > size_t(INT32_MAX)) return Status::error("LZ4 page too large");
      if (hadoop_lz4(data, size, expected, out)) return Status::ok();
      const int n = LZ4_decompress_safe(reinterpret_cast<const char*>(data), out.data(), int(size), int(expected));
      if (n < 0 || size_t(n) != expected) return Status::error("corrupt LZ4 page");
      return Status::ok();
    }
    case Codec::Brotli: {
      size_t len = expected;
      if (BrotliDecoderDecompress(size, data, &len, reinterpret_cast<uint8_t*>(out.data())) != BROTLI_DECODER_RESULT_SUCCESS)
        return Status::error("corrupt BROTLI page");
      if (len != expected) return size_mismatch("BROTLI", len, expected);
      return Status::ok();
    }
    case Codec::Lzo: break;
  }
  return Status::error(std::string("compression codec ") + codec_name(codec) + " is not supported");
}

}  // namespace spp::sql::parquet
