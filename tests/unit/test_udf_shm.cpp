// The blobs of shared-memory UDF batches (executor/udf_shm.h): references and the worker's answer.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "executor/udf_shm.h"

namespace shm = spp::executor::udf_shm;

TEST_CASE("udf_shm: a reference round-trips, little-endian, 24 bytes") {
  const std::string r = shm::encode_ref(0x0102030405060708ull, 80048);
  REQUIRE(r.size() == shm::kRefSize);
  CHECK(r.substr(0, 8) == std::string("SPBR\0\0\0\0", 8));
  CHECK(static_cast<unsigned char>(r[8]) == 0x08);
  auto p = shm::parse_ref(r);
  REQUIRE(p);
  CHECK(p->offset == 0x0102030405060708ull);
  CHECK(p->length == 80048);
}

TEST_CASE("udf_shm: other blobs are not references") {
  CHECK_FALSE(shm::parse_ref(""));
  CHECK_FALSE(shm::parse_ref(std::string("SPB1") + std::string(20, '\0')));  // an inline batch
  std::string r = shm::encode_ref(0, 0);
  CHECK_FALSE(shm::parse_ref(r + "x"));
  r[5] = 1;  // the reserved word must be 0
  CHECK_FALSE(shm::parse_ref(r));
}

TEST_CASE("udf_shm: a worker's reference must lie inside the result slots") {
  const uint64_t lo = 2 * shm::kInHalf;
  CHECK(shm::in_results({lo, shm::kResultSlot}));
  CHECK(shm::in_results({shm::kRegion, 0}));
  CHECK(shm::in_results({lo, shm::kRegion - lo}));
  CHECK_FALSE(shm::in_results({0, 8}));           // the argument halves are the executor's
  CHECK_FALSE(shm::in_results({lo - 8, 16}));
  CHECK_FALSE(shm::in_results({lo, shm::kRegion - lo + 1}));
  CHECK_FALSE(shm::in_results({shm::kRegion + 8, 0}));
  CHECK_FALSE(shm::in_results({lo + 8, ~uint64_t{0} - 4}));  // offset + length overflows
}

TEST_CASE("udf_shm: the worker's answer") {
  CHECK(shm::parse_ack(std::string("SPBA\1\0\0\0", 8)) == std::optional<bool>(true));
  CHECK(shm::parse_ack(std::string("SPBA\0\0\0\0", 8)) == std::optional<bool>(false));
  CHECK_FALSE(shm::parse_ack(std::string("SPBA\2\0\0\0", 8)));
  CHECK_FALSE(shm::parse_ack(std::string("SPBA\1\0\0\1", 8)));
  CHECK_FALSE(shm::parse_ack("SPBA"));
  CHECK_FALSE(shm::parse_ack(shm::encode_ref(0, 0)));
}

TEST_CASE("udf_shm: where a result blob's batch is") {
  // Only pointed into (never read or written: not even zeroed, no page touched).
  const std::unique_ptr<char[]> mem(new char[shm::kRegion]);
  const char* region = mem.get();
  const uint64_t lo = 2 * shm::kInHalf;
  bool in_region = true;
  auto inline_batch = shm::result_bytes("SPB1 inline", region, &in_region);
  REQUIRE(inline_batch);
  CHECK_FALSE(in_region);
  CHECK(inline_batch.value() == "SPB1 inline");
  const std::string ref = shm::encode_ref(lo + 16, 800);
  auto slot = shm::result_bytes(ref, region, &in_region);
  REQUIRE(slot);
  CHECK(in_region);
  CHECK(slot.value().data() == region + lo + 16);
  CHECK(slot.value().size() == 800);
  auto no_region = shm::result_bytes(ref, nullptr, &in_region);  // the worker never mapped one
  CHECK_FALSE(no_region);
  CHECK_FALSE(in_region);
  auto argument_half = shm::result_bytes(shm::encode_ref(0, 8), region, &in_region);
  REQUIRE_FALSE(argument_half);
  CHECK(argument_half.error_message().find("out of range (offset 0, length 8)") != std::string::npos);
}
