// Shared-memory batches with a Python worker: the reference and answer blobs.
#include "executor/udf_shm.h"

#include <cstring>
#include <string>

namespace spp::executor::udf_shm {

namespace {
uint64_t get_u64(const char* p) {
  unsigned char b[8];
  std::memcpy(b, p, 8);
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | b[i];
  return v;
}
void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
}  // namespace

std::string encode_ref(uint64_t offset, uint64_t length) {
  std::string out("SPBR\0\0\0\0", 8);
  put_u64(out, offset);
  put_u64(out, length);
  return out;
}

std::optional<Ref> parse_ref(std::string_view blob) {
  if (blob.size() != kRefSize || blob.substr(0, 8) != std::string_view("SPBR\0\0\0\0", 8)) return std::nullopt;
  return Ref{get_u64(blob.data() + 8), get_u64(blob.data() + 16)};
}

bool in_results(const Ref& r) {
  return r.offset >= 2 * kInHalf && r.offset <= kRegion && r.length <= kRegion - r.offset;
}

Result<std::string_view> result_bytes(std::string_view blob, const char* region, bool* in_region) {
  *in_region = false;
  auto ref = parse_ref(blob);
  if (!ref) return blob;
  if (!region || !in_results(*ref))
    return Status::error("a shared reference out of range (offset " + std::to_string(ref->offset) + ", length " +
                         std::to_string(ref->length) + ")");
  *in_region = true;
  return std::string_view(region + ref->offset, ref->length);
}

std::optional<bool> parse_ack(std::string_view blob) {
  if (blob.size() != 8 || blob.substr(0, 4) != "SPBA" || blob.substr(5, 3) != std::string_view("\0\0\0", 3))
    return std::nullopt;
  if (blob[4] != 0 && blob[4] != 1) return std::nullopt;
  return blob[4] == 1;
}

}  // namespace spp::executor::udf_shm
