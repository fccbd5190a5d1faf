// CompressedTextReader (lines of a decompressed stream) and its gzip source.
#include "executor/gzip_reader.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>

namespace spp::executor {

namespace {
class GzipSource final : public ByteSource {
 public:
  GzipSource(std::string path, gzFile gz) : path_(std::move(path)), gz_(gz) {}
  ~GzipSource() override { gzclose(gz_); }
  Result<size_t> read(char* buf, size_t n) override {
    int got = gzread(gz_, buf, static_cast<unsigned>(n));
    if (got < 0) {
      int err = 0;
      const char* msg = gzerror(gz_, &err);
      return Result<size_t>::error("corrupt gzip input " + path_ + ": " + (msg ? msg : "read error"));
    }
    return static_cast<size_t>(got);
  }
 private:
  std::string path_;
  gzFile gz_;
};
}  // namespace

Result<std::unique_ptr<ByteSource>> open_gzip(const std::string& path) {
  gzFile gz = gzopen(path.c_str(), "rb");
  if (!gz) return Result<std::unique_ptr<ByteSource>>::error("cannot read input file " + path + ": " + std::strerror(errno));
  gzbuffer(gz, 1 << 17);
  return std::unique_ptr<ByteSource>(std::make_unique<GzipSource>(path, gz));
}

Result<bool> CompressedTextReader::next(std::string& out) {
  out.clear();
  if (!src_ && !eof_) {
    auto src = open_(path_);
    if (!src) return Result<bool>::error(src.error_message());
    src_ = std::move(src.value());
  }
  while (out.size() < batch_bytes_) {
    size_t nl = buf_.find('\n');
    if (nl == std::string::npos) {
      if (eof_) {
        if (!buf_.empty()) {  // a last line without '\n'
          if (buf_.back() == '\r') buf_.pop_back();
          out += buf_;
          out += '\n';
          ++records_;
          buf_.clear();
        }
        break;
      }
      char chunk[1 << 16];
      auto n = src_->read(chunk, sizeof chunk);
      if (!n) return Result<bool>::error(n.error_message());
      if (*n == 0) eof_ = true;
      bytes_ += static_cast<int64_t>(*n);
      buf_.append(chunk, *n);
      continue;
    }
    size_t len = nl;
    if (len > 0 && buf_[len - 1] == '\r') --len;
    out.append(buf_, 0, len);
    out += '\n';
    ++records_;
    buf_.erase(0, nl + 1);
  }
  return !out.empty();
}

}  // namespace spp::executor
#include <fstream>

namespace spp::executor {

Result<bool> FramedFileReader::next(std::string& out) {
  if (!loaded_) {
    loaded_ = true;
    std::ifstream f(path_, std::ios::binary);
    if (!f) return Result<bool>::error("cannot read checkpoint file " + path_ + ": " + std::strerror(errno));
    data_.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    bytes_ += static_cast<int64_t>(data_.size());
  }
  if (pos_ >= data_.size()) return false;
  if (data_.size() - pos_ < 4) return Result<bool>::error("truncated checkpoint file " + path_);
  const auto* p = reinterpret_cast<const unsigned char*>(data_.data() + pos_);
  uint32_t n = (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
  if (data_.size() - pos_ - 4 < n) return Result<bool>::error("truncated checkpoint file " + path_);
  out.assign(data_, pos_ + 4, n);
  pos_ += 4 + n;
  ++records_;
  return true;
}

}  // namespace spp::executor
