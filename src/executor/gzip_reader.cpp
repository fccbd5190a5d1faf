// GzipTextReader: zlib's gz* API (handles concatenated members, like Hadoop's GzipCodec).
#include "executor/gzip_reader.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>

namespace spp::executor {

GzipTextReader::~GzipTextReader() {
  if (gz_) gzclose(static_cast<gzFile>(gz_));
}

Result<bool> GzipTextReader::next(std::string& out) {
  out.clear();
  if (!opened_) {
    opened_ = true;
    gz_ = gzopen(path_.c_str(), "rb");
    if (!gz_) return Result<bool>::error("cannot read input file " + path_ + ": " + std::strerror(errno));
    gzbuffer(static_cast<gzFile>(gz_), 1 << 17);
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
      int n = gzread(static_cast<gzFile>(gz_), chunk, sizeof chunk);
      if (n < 0) {
        int err = 0;
        const char* msg = gzerror(static_cast<gzFile>(gz_), &err);
        return Result<bool>::error("corrupt gzip input " + path_ + ": " + (msg ? msg : "read error"));
      }
      if (n == 0) eof_ = true;
      bytes_ += n;
      buf_.append(chunk, static_cast<size_t>(n));
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
