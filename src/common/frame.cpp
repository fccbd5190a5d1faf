// Frame codec; see frame.h for the format.
#include "common/frame.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

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

std::pair<char*, size_t> FrameDecoder::direct_space() {
  if (!big_active_ || failed_) return {nullptr, 0};
  std::string& p = big_.payload;
  if (big_have_ == p.size()) {
    // The payload grows as its bytes arrive (a peer's claimed length is trusted only as far as
    // what it sent), doubling — but once a sixteenth of the claim is here the whole claim is
    // reserved (address space; pages are touched only as bytes land), so the rest of a large
    // frame is never moved again: doubling all the way copied ~1.4x the frame (360 MB frames of
    // createDataFrame and toPandas), this copies ~1/8 of it.
    if (p.capacity() < big_want_ && big_have_ >= big_want_ / 16) p.reserve(big_want_);
    p.resize(std::min(big_want_, std::max(p.size() * 2, size_t{1} << 20)));
  }
  return {p.data() + big_have_, p.size() - big_have_};
}

void FrameDecoder::commit_direct(size_t n, std::vector<Frame>& out) {
  big_have_ += n;
  if (big_have_ < big_want_) return;
  out.push_back(std::move(big_));
  big_ = Frame();
  big_active_ = false;
  big_have_ = big_want_ = 0;
}

Status FrameDecoder::feed(const char* data, size_t len, std::vector<Frame>& out) {
  if (failed_) return Status::error("decoder already failed");
  while (big_active_ && len > 0) {  // the rest of a large frame: straight into its payload
    auto [p, room] = direct_space();
    const size_t take = std::min(len, room);
    std::memcpy(p, data, take);
    data += take;
    len -= take;
    commit_direct(take, out);
  }
  if (len == 0) return Status::ok();
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
    if (buf_.size() - pos_ >= 5 && kind != kFrameJson && kind != kFrameBlob && kind != kFrameSealed) {
      failed_ = true;
      return Status::error("unknown frame kind byte " + std::to_string(static_cast<unsigned char>(kind)));
    }
    if (buf_.size() - pos_ < 4 + size_t(n)) {
      // A large frame continues in its own payload, allocated as its bytes arrive (a peer's
      // length field alone never makes us allocate it all).
      if (n - 1 >= kDirectMin && buf_.size() - pos_ >= kFrameHeader) {
        const size_t have = buf_.size() - pos_ - kFrameHeader;
        big_.kind = kind;
        big_want_ = n - 1;
        big_.payload.resize(std::min(big_want_, std::max(have, size_t{1} << 20)));
        std::memcpy(big_.payload.data(), buf_.data() + pos_ + kFrameHeader, have);
        big_have_ = have;
        big_active_ = true;
        pos_ = buf_.size();
      }
      break;
    }
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

// ---------------------------------------------------------------- sealed records

namespace {
EVP_CIPHER_CTX* cctx(void* p) { return static_cast<EVP_CIPHER_CTX*>(p); }

// 96-bit GCM nonce: 4 zero bytes, then the record counter big-endian.
void counter_iv(uint64_t n, unsigned char iv[12]) {
  std::memset(iv, 0, 12);
  for (int i = 0; i < 8; ++i) iv[11 - i] = static_cast<unsigned char>(n >> (8 * i));
}

// A context keyed once; each record then sets only its nonce.
void* new_ctx(const std::string& key, bool encrypt) {
  if (key.size() != kSealKeyBytes) throw std::invalid_argument("sealing key must be 32 bytes");
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  if (!c) throw std::bad_alloc();
  const auto* k = reinterpret_cast<const unsigned char*>(key.data());
  if (EVP_CipherInit_ex(c, EVP_aes_256_gcm(), nullptr, k, nullptr, encrypt ? 1 : 0) != 1) {
    EVP_CIPHER_CTX_free(c);
    throw std::runtime_error("AES-256-GCM unavailable");
  }
  return c;
}
}  // namespace

FrameSealer::FrameSealer(const std::string& key) : ctx_(new_ctx(key, true)) {}
FrameSealer::~FrameSealer() { EVP_CIPHER_CTX_free(cctx(ctx_)); }

void FrameSealer::seal(std::string& out, std::string_view plain) {
  while (!plain.empty()) {
    size_t n = std::min(plain.size(), kSealRecordMax);
    uint32_t len = static_cast<uint32_t>(1 + n + kSealTagBytes);
    unsigned char hdr[kFrameHeader] = {static_cast<unsigned char>(len >> 24), static_cast<unsigned char>(len >> 16),
                                       static_cast<unsigned char>(len >> 8), static_cast<unsigned char>(len),
                                       static_cast<unsigned char>(kFrameSealed)};
    unsigned char iv[12];
    counter_iv(counter_++, iv);
    size_t at = out.size();
    out.append(reinterpret_cast<const char*>(hdr), kFrameHeader);
    out.resize(at + kFrameHeader + n + kSealTagBytes);
    auto* dst = reinterpret_cast<unsigned char*>(out.data() + at + kFrameHeader);
    int l = 0;
    EVP_CIPHER_CTX* c = cctx(ctx_);
    bool ok = EVP_EncryptInit_ex(c, nullptr, nullptr, nullptr, iv) == 1 &&
              EVP_EncryptUpdate(c, nullptr, &l, hdr, kFrameHeader) == 1 &&
              EVP_EncryptUpdate(c, dst, &l, reinterpret_cast<const unsigned char*>(plain.data()), static_cast<int>(n)) == 1 &&
              EVP_EncryptFinal_ex(c, dst + l, &l) == 1 &&
              EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, kSealTagBytes, dst + n) == 1;
    if (!ok) throw std::runtime_error("AES-256-GCM sealing failed");
    plain.remove_prefix(n);
  }
}

std::string FrameSealer::seal(std::string_view plain) {
  std::string out;
  out.reserve(plain.size() + (plain.size() / kSealRecordMax + 1) * (kFrameHeader + kSealTagBytes));
  seal(out, plain);
  return out;
}

FrameOpener::FrameOpener(const std::string& key, size_t max_frame) : ctx_(new_ctx(key, false)), inner_(max_frame) {}
FrameOpener::~FrameOpener() { EVP_CIPHER_CTX_free(cctx(ctx_)); }

Status FrameOpener::open(const Frame& sealed, std::vector<Frame>& out) {
  if (failed_) return Status::error("sealed stream already failed");
  auto fail = [this](std::string why) {
    failed_ = true;
    return Status::error(std::move(why));
  };
  if (sealed.kind != kFrameSealed)
    return fail("plaintext frame (kind '" + std::string(1, sealed.kind) + "') on an encrypted connection");
  const size_t total = sealed.payload.size();
  if (total <= kSealTagBytes) return fail("sealed record of " + std::to_string(total) + " bytes is too short");
  const size_t n = total - kSealTagBytes;
  if (n > kSealRecordMax) return fail("sealed record of " + std::to_string(n) + " bytes exceeds " + std::to_string(kSealRecordMax));
  uint32_t len = static_cast<uint32_t>(1 + total);
  unsigned char hdr[kFrameHeader] = {static_cast<unsigned char>(len >> 24), static_cast<unsigned char>(len >> 16),
                                     static_cast<unsigned char>(len >> 8), static_cast<unsigned char>(len),
                                     static_cast<unsigned char>(kFrameSealed)};
  unsigned char iv[12];
  counter_iv(counter_, iv);
  plain_.resize(n);
  const auto* src = reinterpret_cast<const unsigned char*>(sealed.payload.data());
  unsigned char tag[kSealTagBytes];
  std::memcpy(tag, src + n, kSealTagBytes);
  int l = 0;
  EVP_CIPHER_CTX* c = cctx(ctx_);
  bool ok = EVP_DecryptInit_ex(c, nullptr, nullptr, nullptr, iv) == 1 &&
            EVP_DecryptUpdate(c, nullptr, &l, hdr, kFrameHeader) == 1 &&
            EVP_DecryptUpdate(c, reinterpret_cast<unsigned char*>(plain_.data()), &l, src, static_cast<int>(n)) == 1 &&
            EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, kSealTagBytes, tag) == 1 &&
            EVP_DecryptFinal_ex(c, reinterpret_cast<unsigned char*>(plain_.data()) + l, &l) == 1;
  if (!ok)
    return fail("sealed record " + std::to_string(counter_) +
                " does not verify (tampered, replayed, reordered, or sealed with another key)");
  ++counter_;
  Status st = inner_.feed(plain_.data(), plain_.size(), out);
  if (!st) return fail("bad frame inside a sealed record: " + st.message());
  for (const auto& f : out)
    if (f.kind == kFrameSealed) return fail("sealed frame nested in a sealed record");
  return Status::ok();
}

}  // namespace spp
