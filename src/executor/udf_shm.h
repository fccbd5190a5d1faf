// Batches in memory shared between a BatchEvalPython and its Python worker (docs/protocol.md
// "Shared-memory batches"): the layout of the region and the small blobs that refer into it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace spp::executor::udf_shm {

// Argument batches per PwInput of a streaming program (docs/protocol.md "Python UDF programs").
constexpr int kBatchesPerRead = 8;

// Two halves for the argument batches of one PwInput each, in turn, then kResultSlots slots
// for result batches (the k-th result of a task in slot k % kResultSlots: the results of two
// PwInputs at most are in flight). What does not fit travels inline, as without a region.
constexpr size_t kInHalf = 4u << 20;
constexpr size_t kResultSlot = 1u << 20;
constexpr size_t kResultSlots = 2 * kBatchesPerRead;
constexpr size_t kRegion = 2 * kInHalf + kResultSlots * kResultSlot;
constexpr size_t kRefSize = 24;  // "SPBR", u32 0, u64 offset, u64 length (little-endian)

struct Ref {
  uint64_t offset = 0, length = 0;
};

// The reference to `length` bytes at `offset` of the region.
std::string encode_ref(uint64_t offset, uint64_t length);

// A blob that is a reference (nullopt: any other blob, e.g. an inline SPB1 batch).
std::optional<Ref> parse_ref(std::string_view blob);

// Whether a worker's reference names bytes inside the result slots (never overflows).
bool in_results(const Ref& r);

// Where one result blob of a PwOutput has its SPB1 batch: the blob itself (an inline batch), or
// the bytes of the result slots a reference names in `region` (kRegion bytes; nullptr: the
// worker has not mapped one). *in_region says which. Error: a reference outside the result
// slots, or one without a region.
Result<std::string_view> result_bytes(std::string_view blob, const char* region, bool* in_region);

// The worker's answer to the offer, "SPBA" + u32 1 (it mapped the region) | 0 (it did not):
// nullopt for any other blob.
std::optional<bool> parse_ack(std::string_view blob);

}  // namespace spp::executor::udf_shm
