// Frame codec; see frame.h for the format.
#include "common/frame.h"

#include <cstring>

namespace spp {

void encode_frame(std::string& out, char kind, std::string_view payload) {
  uint32_t n = static_cast<uint32_t>(payload.size() + 1);
  char hdr[kFrameHeader] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                            static_cast<char>(n >> 8), static_cast<char>(n), kind};
  out.append(hdr, kFrameHeader);
  out.append(payload.data(), payload.size());
}

std::string encode_frame(char kind, std::string_view payload) {
  std::string s;
  s.reserve(payload.size() + kFrameHeader);
  encode_frame(s, kind, payload);
  return s;
}

Status FrameDecoder::feed(const char* data, size_t len, std::vector<Frame>& out) {
  if (failed_) return Status::error("decoder already failed");
  buf_.append(data, len);
  while (buf_.size() - pos_ >= 4) {
    const auto* p = reinterpret_cast<const unsigned char*>(buf_.data() + pos_);
    uint32_t n = (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
    if (n == 0) {
      failed_ = true;
      return Status::error("frame with zero length");
    }
    if (n - 1 > max_frame_) {
      failed_ = true;
      return Status::error("frame of " + std::to_string(n - 1) + " bytes exceeds the limit of " +
                           std::to_string(max_frame_));
    }
    if (buf_.size() - pos_ < 4) break;
    char kind = static_cast<char>(p[4 < buf_.size() - pos_ ? 4 : 0]);
    if (buf_.size() - pos_ >= 5 && kind != kFrameJson && kind != kFrameBlob) {
      failed_ = true;
      return Status::error("unknown frame kind byte " + std::to_string(static_cast<unsigned char>(kind)));
    }
    if (buf_.size() - pos_ < 4 + size_t(n)) break;
    Frame f;
    f.kind = kind;
    f.payload.assign(buf_.data() + pos_ + kFrameHeader, n - 1);
    out.push_back(std::move(f));
    pos_ += 4 + size_t(n);
  }
  // Compact once the consumed prefix dominates, so the buffer never grows without bound.
  if (pos_ > 0 && (pos_ == buf_.size() || pos_ > (1u << 16))) {
    buf_.erase(0, pos_);
    pos_ = 0;
    // An idle connection should not keep the capacity of the largest message it ever got.
    if (buf_.empty() && buf_.capacity() > (1u << 20)) std::string().swap(buf_);
  }
  return Status::ok();
}

}  // namespace spp
