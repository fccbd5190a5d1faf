// Wire framing shared by every sparkpp connection (control plane, data plane, Python workers).
//
// A frame is: u32 big-endian length N (of what follows), then 1 kind byte, then N-1 payload bytes.
//   kind 'J': a UTF-8 JSON envelope  {"v":PROTO,"op":NAME,"blobs":K,"body":{...}}
//   kind 'B': a binary blob; the K blobs that follow a 'J' frame belong to it.
// Bytes are never base64'd into JSON: pickled functions and partition data travel as 'B' frames.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace spp {

constexpr char kFrameJson = 'J';
constexpr char kFrameBlob = 'B';
constexpr size_t kFrameHeader = 5;
// Control-plane connections refuse frames above this (spark.rpc.message.maxSize is 128 MiB in
// Spark; daemons here only carry small JSON, so they use a tighter bound).
constexpr size_t kDefaultMaxFrame = 16u << 20;
constexpr size_t kDataMaxFrame = 1u << 30;

struct Frame {
  char kind = kFrameJson;
  std::string payload;
};

// Appends one encoded frame to `out`.
void encode_frame(std::string& out, char kind, std::string_view payload);
std::string encode_frame(char kind, std::string_view payload);

// Incremental decoder: feed arbitrary chunks, pop whole frames. After an error it stays failed.
class FrameDecoder {
 public:
  explicit FrameDecoder(size_t max_frame = kDefaultMaxFrame) : max_frame_(max_frame) {}
  // Consumes bytes; complete frames are appended to `out`. Returns an error (and stops) on an
  // oversized frame, a zero length or an unknown kind.
  Status feed(const char* data, size_t len, std::vector<Frame>& out);
  bool failed() const { return failed_; }
  // Frames not yet decoded are checked against the new limit (net.cpp raises it after Hello).
  void set_max_frame(size_t n) { max_frame_ = n; }
  size_t buffered() const { return buf_.size() - pos_; }
 private:
  size_t max_frame_;
  std::string buf_;
  size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace spp
