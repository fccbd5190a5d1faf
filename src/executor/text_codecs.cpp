// Compressors and decompressing sources of Hadoop's text codecs (text_codecs.h).
#include "executor/text_codecs.h"

#include <bzlib.h>
#include <lz4.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "executor/gzip_reader.h"

namespace spp::executor {

namespace {

bool has_ext(const std::string& p, const char* ext) {
  const size_t n = std::strlen(ext);
  return p.size() > n && p.compare(p.size() - n, n, ext) == 0;
}

void put_u32(std::string& out, uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
  out.append(b, 4);
}

// ------------------------------------------------------------------ compressors

class GzipCompressor final : public TextCompressor {
 public:
  GzipCompressor() { ok_ = deflateInit2(&z_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK; }
  ~GzipCompressor() override { deflateEnd(&z_); }
  Status write(const char* data, size_t n, std::string& out) override { return run(data, n, Z_NO_FLUSH, out); }
  Status finish(std::string& out) override { return run(nullptr, 0, Z_FINISH, out); }
 private:
  Status run(const char* data, size_t n, int flush, std::string& out) {
    if (!ok_) return Status::error("cannot start gzip compression");
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
    z_.avail_in = static_cast<uInt>(n);
    char buf[1 << 16];
    int rc;
    do {
      z_.next_out = reinterpret_cast<Bytef*>(buf);
      z_.avail_out = sizeof buf;
      rc = deflate(&z_, flush);
      if (rc == Z_STREAM_ERROR) return Status::error("gzip compression failed");
      out.append(buf, sizeof buf - z_.avail_out);
    } while (z_.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
    return Status::ok();
  }
  z_stream z_{};
  bool ok_ = false;
};

class Bzip2Compressor final : public TextCompressor {
 public:
  Bzip2Compressor() { ok_ = BZ2_bzCompressInit(&s_, 9, 0, 30) == BZ_OK; }
  ~Bzip2Compressor() override { BZ2_bzCompressEnd(&s_); }
  Status write(const char* data, size_t n, std::string& out) override { return run(data, n, BZ_RUN, out); }
  Status finish(std::string& out) override { return run(nullptr, 0, BZ_FINISH, out); }
 private:
  Status run(const char* data, size_t n, int action, std::string& out) {
    if (!ok_) return Status::error("cannot start bzip2 compression");
    s_.next_in = const_cast<char*>(data);
    s_.avail_in = static_cast<unsigned>(n);
    char buf[1 << 16];
    while (true) {
      s_.next_out = buf;
      s_.avail_out = sizeof buf;
      int rc = BZ2_bzCompress(&s_, action);
      if (rc < 0) return Status::error("bzip2 compression failed (" + std::to_string(rc) + ")");
      out.append(buf, sizeof buf - s_.avail_out);
      if (action == BZ_FINISH ? rc == BZ_STREAM_END : s_.avail_in == 0) return Status::ok();
    }
  }
  bz_stream s_{};
  bool ok_ = false;
};

class ZstdCompressor final : public TextCompressor {
 public:
  ZstdCompressor() : c_(ZSTD_createCCtx()) { ZSTD_CCtx_setParameter(c_, ZSTD_c_compressionLevel, 3); }  // Hadoop's default
  ~ZstdCompressor() override { ZSTD_freeCCtx(c_); }
  Status write(const char* data, size_t n, std::string& out) override { return run(data, n, ZSTD_e_continue, out); }
  Status finish(std::string& out) override { return run(nullptr, 0, ZSTD_e_end, out); }
 private:
  Status run(const char* data, size_t n, ZSTD_EndDirective mode, std::string& out) {
    ZSTD_inBuffer in{data, n, 0};
    std::vector<char> buf(ZSTD_CStreamOutSize());
    while (true) {
      ZSTD_outBuffer o{buf.data(), buf.size(), 0};
      size_t left = ZSTD_compressStream2(c_, &o, &in, mode);
      if (ZSTD_isError(left)) return Status::error(std::string("zstd compression failed: ") + ZSTD_getErrorName(left));
      out.append(buf.data(), o.pos);
      if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size) return Status::ok();
    }
  }
  ZSTD_CCtx* c_;
};

// Hadoop's BlockCompressorStream with its Lz4Compressor / SnappyCompressor: blocks of at most
// the buffer size (256 KiB: io.compression.codec.{lz4,snappy}.buffersize) less the codec's
// compression overhead (lz4: size/255 + 16, snappy: size/6 + 32), each u32 BE raw length |
// u32 BE length | block.
constexpr size_t kBlockBuffer = 256 * 1024;

class BlockCompressor final : public TextCompressor {
 public:
  explicit BlockCompressor(bool snappy)
      : snappy_(snappy), max_input_(snappy ? kBlockBuffer - (kBlockBuffer / 6 + 32) : kBlockBuffer - (kBlockBuffer / 255 + 16)) {}
  Status write(const char* data, size_t n, std::string& out) override {
    while (n > 0) {
      size_t take = std::min(n, max_input_ - pending_.size());
      pending_.append(data, take);
      data += take;
      n -= take;
      if (pending_.size() == max_input_) {
        if (Status st = flush(out); !st) return st;
      }
    }
    return Status::ok();
  }
  Status finish(std::string& out) override { return pending_.empty() ? Status::ok() : flush(out); }
 private:
  Status flush(std::string& out) {
    std::string block;
    size_t c = 0;
    if (snappy_) {
      c = snappy_max_compressed_length(pending_.size());
      block.resize(c);
      if (snappy_compress(pending_.data(), pending_.size(), block.data(), &c) != SNAPPY_OK) return Status::error("snappy compression failed");
    } else {
      block.resize(static_cast<size_t>(LZ4_compressBound(static_cast<int>(pending_.size()))));
      const int r = LZ4_compress_default(pending_.data(), block.data(), static_cast<int>(pending_.size()), static_cast<int>(block.size()));
      if (r <= 0) return Status::error("lz4 compression failed");
      c = static_cast<size_t>(r);
    }
    put_u32(out, static_cast<uint32_t>(pending_.size()));
    put_u32(out, static_cast<uint32_t>(c));
    out.append(block.data(), c);
    pending_.clear();
    return Status::ok();
  }
  bool snappy_;
  size_t max_input_;
  std::string pending_;
};

// ------------------------------------------------------------------ decompressing sources

// Reads a file in chunks for the streaming decoders below.
class FileChunks {
 public:
  explicit FileChunks(FILE* f) : f_(f) {}
  ~FileChunks() { std::fclose(f_); }
  // More input: false at the end of the file.
  bool fill(std::vector<char>& buf, size_t& len) {
    len = std::fread(buf.data(), 1, buf.size(), f_);
    return len > 0;
  }
  bool error() const { return std::ferror(f_) != 0; }
  // Exactly n bytes (false: clean end before the first byte; an error for a short read).
  Result<bool> exact(char* out, size_t n) {
    size_t got = std::fread(out, 1, n, f_);
    if (got == 0 && std::feof(f_)) return false;
    if (got != n) return Result<bool>::error("truncated");
    return true;
  }
 private:
  FILE* f_;
};

Result<FILE*> open_file(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return Result<FILE*>::error("cannot read input file " + path + ": " + std::strerror(errno));
  return f;
}

class Bzip2Source final : public ByteSource {
 public:
  Bzip2Source(std::string path, FILE* f) : path_(std::move(path)), file_(f), in_(1 << 16) { start(); }
  ~Bzip2Source() override { BZ2_bzDecompressEnd(&s_); }
  Result<size_t> read(char* buf, size_t n) override {
    while (true) {
      if (s_.avail_in == 0 && !eof_) {
        size_t len = 0;
        if (!file_.fill(in_, len)) eof_ = true;
        s_.next_in = in_.data();
        s_.avail_in = static_cast<unsigned>(len);
      }
      if (s_.avail_in == 0 && eof_) {
        if (mid_stream_) return Result<size_t>::error("truncated bzip2 input " + path_);
        return size_t{0};
      }
      s_.next_out = buf;
      s_.avail_out = static_cast<unsigned>(n);
      int rc = BZ2_bzDecompress(&s_);
      if (rc != BZ_OK && rc != BZ_STREAM_END) return Result<size_t>::error("corrupt bzip2 input " + path_ + " (" + std::to_string(rc) + ")");
      mid_stream_ = rc != BZ_STREAM_END;
      size_t got = n - s_.avail_out;
      if (rc == BZ_STREAM_END) {  // concatenated streams: start again on what follows
        char* next = s_.next_in;
        unsigned avail = s_.avail_in;
        BZ2_bzDecompressEnd(&s_);
        start();
        s_.next_in = next;
        s_.avail_in = avail;
      }
      if (got > 0) return got;
    }
  }
 private:
  void start() {
    s_ = bz_stream{};
    BZ2_bzDecompressInit(&s_, 0, 0);
  }
  std::string path_;
  FileChunks file_;
  std::vector<char> in_;
  bz_stream s_{};
  bool eof_ = false, mid_stream_ = false;
};

// Hadoop's DefaultCodec (.deflate): zlib streams (RFC 1950), one after another.
class DeflateSource final : public ByteSource {
 public:
  DeflateSource(std::string path, FILE* f) : path_(std::move(path)), file_(f), in_(1 << 16) { start(); }
  ~DeflateSource() override { inflateEnd(&z_); }
  Result<size_t> read(char* buf, size_t n) override {
    while (true) {
      if (z_.avail_in == 0 && !eof_) {
        size_t len = 0;
        if (!file_.fill(in_, len)) eof_ = true;
        z_.next_in = reinterpret_cast<Bytef*>(in_.data());
        z_.avail_in = static_cast<uInt>(len);
      }
      if (z_.avail_in == 0 && eof_) {
        if (mid_stream_) return Result<size_t>::error("truncated deflate input " + path_);
        return size_t{0};
      }
      z_.next_out = reinterpret_cast<Bytef*>(buf);
      z_.avail_out = static_cast<uInt>(n);
      const int rc = inflate(&z_, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
        return Result<size_t>::error("corrupt deflate input " + path_ + " (" + (z_.msg ? z_.msg : std::to_string(rc)) + ")");
      mid_stream_ = rc != Z_STREAM_END;
      const size_t got = n - z_.avail_out;
      if (rc == Z_STREAM_END) {  // concatenated streams: start again on what follows
        Bytef* next = z_.next_in;
        const uInt avail = z_.avail_in;
        inflateEnd(&z_);
        start();
        z_.next_in = next;
        z_.avail_in = avail;
      }
      if (got > 0) return got;
      if (rc == Z_BUF_ERROR && z_.avail_in > 0) return Result<size_t>::error("corrupt deflate input " + path_);
    }
  }
 private:
  void start() {
    z_ = z_stream{};
    inflateInit(&z_);
  }
  std::string path_;
  FileChunks file_;
  std::vector<char> in_;
  z_stream z_{};
  bool eof_ = false, mid_stream_ = false;
};

class ZstdSource final : public ByteSource {
 public:
  ZstdSource(std::string path, FILE* f) : path_(std::move(path)), file_(f), d_(ZSTD_createDCtx()), in_(ZSTD_DStreamInSize()) {}
  ~ZstdSource() override { ZSTD_freeDCtx(d_); }
  Result<size_t> read(char* buf, size_t n) override {
    while (true) {
      if (inb_.pos == inb_.size && !eof_) {
        size_t len = 0;
        if (!file_.fill(in_, len)) eof_ = true;
        inb_ = ZSTD_inBuffer{in_.data(), len, 0};
      }
      if (inb_.pos == inb_.size && eof_ && last_ == 0) return size_t{0};  // at a frame's end
      ZSTD_outBuffer o{buf, n, 0};
      last_ = ZSTD_decompressStream(d_, &o, &inb_);  // with no input left: flushes what it holds
      if (ZSTD_isError(last_)) return Result<size_t>::error("corrupt zstd input " + path_ + ": " + ZSTD_getErrorName(last_));
      if (o.pos > 0) return o.pos;
      if (inb_.pos == inb_.size && eof_) {
        if (last_ != 0) return Result<size_t>::error("truncated zstd input " + path_);
        return size_t{0};
      }
    }
  }
 private:
  std::string path_;
  FileChunks file_;
  ZSTD_DCtx* d_;
  std::vector<char> in_;
  ZSTD_inBuffer inb_{nullptr, 0, 0};
  size_t last_ = 0;  // 0: at a frame boundary
  bool eof_ = false;
};

uint32_t get_u32(const char* b) {
  const auto* p = reinterpret_cast<const unsigned char*>(b);
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

// Hadoop's BlockDecompressorStream over Lz4Decompressor / SnappyDecompressor: each block's
// chunks decompress on their own until the block's raw length is reached.
template <bool Snappy>
class HadoopBlockSource final : public ByteSource {
 public:
  HadoopBlockSource(std::string path, FILE* f) : path_(std::move(path)), file_(f) {}
  Result<size_t> read(char* buf, size_t n) override {
    while (pos_ == out_.size()) {
      out_.clear();
      pos_ = 0;
      if (Status st = next_chunk(); !st) return Result<size_t>::error(st.message());
      if (done_) return size_t{0};
    }
    size_t take = std::min(n, out_.size() - pos_);
    std::memcpy(buf, out_.data() + pos_, take);
    pos_ += take;
    return take;
  }
 private:
  static constexpr const char* kName = Snappy ? "snappy" : "lz4";
  Status next_chunk() {
    char h[4];
    if (block_left_ == 0) {
      auto r = file_.exact(h, 4);
      if (!r) return Status::error(std::string("truncated ") + kName + " input " + path_);
      if (!*r) {
        done_ = true;
        return Status::ok();
      }
      block_left_ = get_u32(h);
      if (block_left_ == 0) {  // an empty block (Hadoop writes one for empty output): skip its chunk
        auto c = file_.exact(h, 4);
        if (!c) return Status::error(std::string("truncated ") + kName + " input " + path_);
        if (*c) {  // skipped in pieces: memory does not follow a lying length
          char skip[4096];
          for (uint32_t left = get_u32(h); left > 0;) {
            const uint32_t take = std::min<uint32_t>(left, sizeof skip);
            auto r = file_.exact(skip, take);
            if (!r || !*r) return Status::error(std::string("truncated ") + kName + " input " + path_);
            left -= take;
          }
        }
        return Status::ok();
      }
    }
    auto c = file_.exact(h, 4);
    if (!c || !*c) return Status::error(std::string("truncated ") + kName + " input " + path_);
    uint32_t clen = get_u32(h);
    if (clen > (64u << 20) || block_left_ > (64u << 20)) return Status::error(std::string("corrupt ") + kName + " input " + path_ + ": block too large");
    // Memory follows the file, not its claims: the chunk is read 1 MiB at a time (a lying length
    // ends as "truncated"), and the output is sized by what the chunk can expand to.
    std::string comp;
    while (comp.size() < clen) {
      const size_t at = comp.size(), take = std::min<size_t>(size_t(1) << 20, clen - at);
      comp.resize(at + take);
      auto d = file_.exact(comp.data() + at, take);
      if (!d || !*d) return Status::error(std::string("truncated ") + kName + " input " + path_);
    }
    size_t got = 0;
    if constexpr (Snappy) {
      size_t raw = 0;
      if (snappy_uncompressed_length(comp.data(), clen, &raw) != SNAPPY_OK || raw > block_left_ ||
          snappy_validate_compressed_buffer(comp.data(), clen) != SNAPPY_OK)
        return Status::error("corrupt snappy input " + path_);
      out_.resize(raw);
      got = raw;
      if (raw && snappy_uncompress(comp.data(), clen, out_.data(), &got) != SNAPPY_OK) return Status::error("corrupt snappy input " + path_);
    } else {
      const size_t cap = std::min<size_t>(block_left_, size_t(clen) * 255 + 64);  // LZ4's largest expansion
      out_.resize(cap);
      const int r = LZ4_decompress_safe(comp.data(), out_.data(), static_cast<int>(clen), static_cast<int>(cap));
      if (r < 0) return Status::error("corrupt lz4 input " + path_);
      got = static_cast<size_t>(r);
    }
    if (got == 0) return Status::error(std::string("corrupt ") + kName + " input " + path_ + ": an empty chunk");
    out_.resize(got);
    block_left_ -= static_cast<uint32_t>(got);
    return Status::ok();
  }
  std::string path_;
  FileChunks file_;
  std::string out_;
  size_t pos_ = 0;
  uint32_t block_left_ = 0;
  bool done_ = false;
};

template <typename S>
Result<std::unique_ptr<ByteSource>> open_with(const std::string& path) {
  auto f = open_file(path);
  if (!f) return Result<std::unique_ptr<ByteSource>>::error(f.error_message());
  return std::unique_ptr<ByteSource>(std::make_unique<S>(path, *f));
}

}  // namespace

std::unique_ptr<TextCompressor> compressor_for(const std::string& name) {
  if (has_ext(name, ".gz")) return std::make_unique<GzipCompressor>();
  if (has_ext(name, ".bz2")) return std::make_unique<Bzip2Compressor>();
  if (has_ext(name, ".zst")) return std::make_unique<ZstdCompressor>();
  if (has_ext(name, ".lz4")) return std::make_unique<BlockCompressor>(false);
  if (has_ext(name, ".snappy")) return std::make_unique<BlockCompressor>(true);
  return nullptr;
}

std::unique_ptr<InputReader> compressed_text_reader(const std::string& path, size_t batch_bytes) {
  if (has_ext(path, ".gz")) return std::make_unique<GzipTextReader>(path, batch_bytes);
  if (has_ext(path, ".bz2")) return std::make_unique<CompressedTextReader>(path, open_with<Bzip2Source>, batch_bytes);
  if (has_ext(path, ".zst")) return std::make_unique<CompressedTextReader>(path, open_with<ZstdSource>, batch_bytes);
  if (has_ext(path, ".lz4")) return std::make_unique<CompressedTextReader>(path, open_with<HadoopBlockSource<false>>, batch_bytes);
  if (has_ext(path, ".snappy")) return std::make_unique<CompressedTextReader>(path, open_with<HadoopBlockSource<true>>, batch_bytes);
  if (has_ext(path, ".deflate")) return std::make_unique<CompressedTextReader>(path, open_with<DeflateSource>, batch_bytes);
  return nullptr;
}

}  // namespace spp::executor
