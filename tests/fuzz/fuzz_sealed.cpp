// libFuzzer target: the opener of sealed records (spark.network.crypto.enabled, common/frame.h),
// which reads every byte a peer sends after an encrypted handshake. First byte picks the mode:
//   even: the rest is raw wire from a stranger without the key. Through the record decoder and
//         the opener, nothing may crash and no plain frame may ever come out (a tag cannot be
//         guessed).
//   odd:  the rest is a plain frame stream; it is sealed with the key (cut into records at a
//         point the input chooses) and opened again. Untouched, the opener yields exactly the
//         frames a plain FrameDecoder yields for the stream (same error or not); with one byte
//         flipped (position from the input), fewer records open than were sealed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/frame.h"

namespace {
const std::string kKey(32, '\x5a');
constexpr size_t kLimit = 4096;  // the plain frame limit inside records
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((mode & 1) == 0) {
    spp::FrameDecoder outer(spp::kSealRecordMax + spp::kSealTagBytes);
    spp::FrameOpener opener(kKey, kLimit);
    std::vector<spp::Frame> recs, plain;
    size_t cut = rest.empty() ? 0 : (mode >> 1) % (rest.size() + 1);
    (void)outer.feed(rest.data(), cut, recs);
    (void)outer.feed(rest.data() + cut, rest.size() - cut, recs);
    for (const auto& r : recs)
      if (!opener.open(r, plain)) break;
    if (!plain.empty()) __builtin_trap();
    return 0;
  }
  // Differential: seal then open equals plain decoding.
  spp::FrameDecoder direct(kLimit);
  std::vector<spp::Frame> want;
  bool direct_ok = direct.feed(rest.data(), rest.size(), want).is_ok();
  spp::FrameSealer sealer(kKey);
  size_t cut = rest.empty() ? 0 : (mode >> 1) % (rest.size() + 1);
  std::string wire = sealer.seal(std::string_view(rest).substr(0, cut));
  sealer.seal(wire, std::string_view(rest).substr(cut));
  bool flip = (mode & 2) != 0 && !wire.empty();
  size_t at = flip ? (size * 7919u) % wire.size() : 0;
  if (flip) wire[at] = static_cast<char>(wire[at] ^ 0x01);
  spp::FrameDecoder outer(spp::kSealRecordMax + spp::kSealTagBytes);
  spp::FrameOpener opener(kKey, kLimit);
  std::vector<spp::Frame> recs, got;
  bool outer_ok = outer.feed(wire.data(), wire.size(), recs).is_ok();
  bool open_ok = true;
  for (const auto& r : recs)
    if (!(open_ok = opener.open(r, got).is_ok())) break;
  if (!flip) {
    // Nested sealed frames are refused inside records, so only streams without them compare.
    bool nested = false;
    for (const auto& f : want) nested |= f.kind == spp::kFrameSealed;
    if (!outer_ok || recs.size() * spp::kSealRecordMax < rest.size()) __builtin_trap();
    if (!nested) {
      if (open_ok != direct_ok) __builtin_trap();
      if (got.size() != want.size()) __builtin_trap();
      for (size_t i = 0; i < got.size(); ++i)
        if (got[i].kind != want[i].kind || got[i].payload != want[i].payload) __builtin_trap();
    }
  } else {
    // Whatever was flipped (length, kind, ciphertext, tag), the stream ends there: fewer records
    // open than were sealed (a shortened or lengthened record fails or waits forever).
    const size_t m = spp::kSealRecordMax;
    size_t sealed = (cut + m - 1) / m + (rest.size() - cut + m - 1) / m;
    if (opener.records() >= sealed) __builtin_trap();
  }
  return 0;
}
