// Wire framing shared by every sparkpp connection (control plane, data plane, Python workers).
//
// A frame is: u32 big-endian length N (of what follows), then 1 kind byte, then N-1 payload bytes.
//   kind 'J': a UTF-8 JSON envelope  {"v":PROTO,"op":NAME,"blobs":K,"body":{...}}
//   kind 'B': a binary blob; the K blobs that follow a 'J' frame belong to it.
// Bytes are never base64'd into JSON: pickled functions and partition data travel as 'B' frames.
//
// Encryption (spark.network.crypto.enabled, docs/security.md): after an authenticated Hello both
// sides hold per-direction keys (auth::session_keys) and every later byte travels in sealed
// records of kind 'E':  u32 N | 'E' | AES-256-GCM(ciphertext of up to kSealRecordMax bytes of
// the plain frame stream) | 16-byte tag. The nonce is a per-direction record counter (never
// sent: a replayed, dropped, reordered or altered record fails its tag) and the 5 header bytes
// are the additional data. Records cut the plain stream anywhere (a large blob streams through
// many records); the plain frames inside are decoded with the connection's frame limit.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace spp {

constexpr char kFrameJson = 'J';
constexpr char kFrameBlob = 'B';
constexpr char kFrameSealed = 'E';
constexpr size_t kFrameHeader = 5;
constexpr size_t kSealTagBytes = 16;
constexpr size_t kSealRecordMax = 64u << 10;  // plaintext bytes per sealed record
constexpr size_t kSealKeyBytes = 32;
// Control-plane connections refuse frames above this (spark.rpc.message.maxSize is 128 MiB in
// Spark; daemons here only carry small JSON, so they use a tighter bound).
constexpr size_t kDefaultMaxFrame = 16u << 20;
constexpr size_t kDataMaxFrame = 1u << 30;

struct Frame {
  char kind = kFrameJson;
  std::string payload;
};

// Bytes [offset, offset + size) of a string kept alive by whoever shares it: a blob sent from
// where it is (a SQL task's local rows are slices of the createDataFrame upload the driver keeps).
struct BlobSlice {
  std::shared_ptr<const std::string> owner;
  size_t offset = 0, size = 0;
  BlobSlice() = default;
  explicit BlobSlice(std::shared_ptr<const std::string> s) : owner(std::move(s)), size(owner ? owner->size() : 0) {}
  BlobSlice(std::shared_ptr<const std::string> s, size_t off, size_t n) : owner(std::move(s)), offset(off), size(n) {}
  std::string_view view() const { return owner ? std::string_view(*owner).substr(offset, size) : std::string_view(); }
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
  size_t buffered() const { return buf_.size() - pos_ + (big_active_ ? kFrameHeader + big_have_ : 0); }
  // A large frame (payload >= kDirectMin) whose bytes are still arriving takes them straight
  // into its payload: the reader asks for the space left, reads the socket into it and commits
  // what it got (no copy through the chunk buffer). Empty when no such frame is pending.
  static constexpr size_t kDirectMin = 64u << 10;
  std::pair<char*, size_t> direct_space();
  void commit_direct(size_t n, std::vector<Frame>& out);
 private:
  size_t max_frame_;
  std::string buf_;
  size_t pos_ = 0;
  bool failed_ = false;
  Frame big_;            // the large frame being filled (direct)
  size_t big_have_ = 0;  // payload bytes it holds
  size_t big_want_ = 0;  // its payload's length
  bool big_active_ = false;
};

// Seals the plain frame stream of one direction. Not thread-safe; one per connection direction.
class FrameSealer {
 public:
  explicit FrameSealer(const std::string& key);  // kSealKeyBytes raw bytes
  ~FrameSealer();
  FrameSealer(const FrameSealer&) = delete;
  FrameSealer& operator=(const FrameSealer&) = delete;
  // Appends `plain` (encoded frames, or any piece of the stream) as sealed records to `out`.
  void seal(std::string& out, std::string_view plain);
  std::string seal(std::string_view plain);
 private:
  void* ctx_;  // EVP_CIPHER_CTX
  uint64_t counter_ = 0;
};

// Opens the sealed records of one direction (frames of kind 'E' from a FrameDecoder whose limit
// is kSealRecordMax + kSealTagBytes) and decodes the plain frames in them with `max_frame`.
// After any error it stays failed: the connection must end.
class FrameOpener {
 public:
  FrameOpener(const std::string& key, size_t max_frame);
  ~FrameOpener();
  FrameOpener(const FrameOpener&) = delete;
  FrameOpener& operator=(const FrameOpener&) = delete;
  // Complete plain frames are appended to `out`. Errors: a frame not sealed (plaintext after
  // the handshake), a record too short or too long, a tag that does not verify (tampered,
  // truncated, replayed, reordered, another key), a bad plain frame inside.
  Status open(const Frame& sealed, std::vector<Frame>& out);
  bool failed() const { return failed_; }
  uint64_t records() const { return counter_; }
 private:
  void* ctx_;
  uint64_t counter_ = 0;
  FrameDecoder inner_;
  bool failed_ = false;
  std::string plain_;
};

}  // namespace spp
