// Text splits (Hadoop line records), whole files and shipped blobs: the readers with no network
// behind them (input_readers.h). Kept apart from the shuffle reader so the fuzz target over
// them (tests/fuzz/fuzz_text.cpp) builds from this file alone.
#include "executor/input_readers.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "sql/kernels/byte_scan.h"

namespace spp::executor {

TextSplitReader::TextSplitReader(std::string path, int64_t start, int64_t length, size_t batch_bytes)
    : path_(std::move(path)), start_(start), end_(start + length), batch_bytes_(batch_bytes) {}

TextSplitReader::~TextSplitReader() {
  if (fd_ >= 0) ::close(fd_);
}

Status TextSplitReader::open() {
  opened_ = true;
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return Status::error("cannot read input file " + path_ + ": " + std::strerror(errno));
  pos_ = start_;
  if (start_ != 0) {
    // Discard through the first '\n' at or after start: that line (straddling start, or starting
    // exactly at it) was read by the previous split, which reads every line starting <= its end.
    for (;;) {
      auto r = fill();
      if (!r) return r.status();
      size_t nl = buf_.find('\n', off_);
      if (nl != std::string::npos) {
        off_ = nl + 1;
        break;
      }
      off_ = buf_.size();
      if (!r.value()) { done_ = true; break; }
    }
  }
  return Status::ok();
}

Result<bool> TextSplitReader::fill() {
  if (eof_) return false;
  if (off_ > 0) {
    buf_.erase(0, off_);
    pos_ += static_cast<int64_t>(off_);
    off_ = 0;
  }
  size_t old = buf_.size();
  size_t want = std::max<size_t>(batch_bytes_, 64 * 1024);
  // A short split (sortByKey's sampling windows: 64 KiB) reads little past its end, where only
  // the line crossing it is left to read, instead of a whole batch's worth of the file.
  const int64_t left = end_ + 1 - (pos_ + static_cast<int64_t>(old));
  want = std::min<size_t>(want, static_cast<size_t>(std::max<int64_t>(left, 0)) + 8192);
  buf_.resize(old + want);
  ssize_t n;
  do {
    n = ::pread(fd_, buf_.data() + old, want, pos_ + static_cast<int64_t>(old));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Result<bool>::error("read error on " + path_ + ": " + std::strerror(errno));
  buf_.resize(old + static_cast<size_t>(n));
  bytes_ += n;
  if (n == 0) eof_ = true;
  return n > 0;
}

Result<bool> TextSplitReader::next(std::string& out) {
  out.clear();
  if (!opened_) {
    Status st = open();
    if (!st) return Result<bool>::error(st.message());
  }
  while (!done_ && out.size() < batch_bytes_) {
    // The next line starts at pos_+off_; it is ours only if it starts at or before end_
    // (first split: strictly from 0).
    int64_t line_start = pos_ + static_cast<int64_t>(off_);
    if (line_start > end_) { done_ = true; break; }
    // Whole lines in one copy: those of buf_ up to its last '\n' within the batch's budget,
    // when every one of them starts at or before end_ and none has a '\r' to drop.
    if (const size_t room = std::min(buf_.size() - off_, batch_bytes_ - out.size()); room > 0) {
      const char* from = buf_.data() + off_;
      if (const void* last = ::memrchr(from, '\n', room)) {
        const size_t len = static_cast<size_t>(static_cast<const char*>(last) - from) + 1;
        if (line_start + static_cast<int64_t>(len) - 1 <= end_ && !std::memchr(from, '\r', len)) {
          out.append(from, len);
          records_ += sql::kern::count_byte(from, 0, static_cast<int64_t>(len), '\n');
          off_ += len;
          continue;
        }
      }
    }
    size_t nl = buf_.find('\n', off_);
    if (nl == std::string::npos) {
      auto r = fill();
      if (!r) return r;
      if (r.value()) continue;
      // End of file: a final line without '\n'.
      if (off_ < buf_.size()) {
        std::string_view line(buf_.data() + off_, buf_.size() - off_);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        out.append(line);
        out.push_back('\n');
        ++records_;
        off_ = buf_.size();
      }
      done_ = true;
      break;
    }
    std::string_view line(buf_.data() + off_, nl - off_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.append(line);
    out.push_back('\n');
    ++records_;
    off_ = nl + 1;
  }
  return !out.empty();
}

Result<bool> WholeFileReader::next(std::string& out) {
  out.clear();
  if (i_ >= paths_.size()) return false;
  const std::string& p = paths_[i_++];
  std::ifstream f(p, std::ios::binary);
  if (!f) return Result<bool>::error("cannot read input file " + p + ": " + std::strerror(errno));
  std::string content((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::string name = "file:" + p;
  uint32_t n = static_cast<uint32_t>(name.size());
  char hdr[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8), static_cast<char>(n)};
  out.append(hdr, 4);
  out += name;
  out += content;
  bytes_ += static_cast<int64_t>(content.size());
  ++records_;
  return true;
}

Result<bool> BlobReader::next(std::string& out) {
  if (i_ >= blobs_.size()) return false;
  out = *blobs_[i_++];
  bytes_ += static_cast<int64_t>(out.size());
  return true;
}

Result<bool> BlobReader::next_shared(std::shared_ptr<const std::string>& out) {
  if (i_ >= blobs_.size()) return false;
  out = blobs_[i_++];
  bytes_ += static_cast<int64_t>(out->size());
  return true;
}

}  // namespace spp::executor
