// Map-side shuffle writer: buffering, spilling past the threshold, merging spills and memory
// into one data file (its offsets in memory), and leaving no spill or partial file behind.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "executor/shuffle_format.h"
#include "executor/shuffle_writer.h"
#include "shuffle_test_util.h"

using namespace spp;
using namespace spp::executor;
using spp::testing::TempDir;

namespace {
std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Every partition's records from a committed data file, decoded.
std::vector<std::vector<std::string>> read_partitions(const std::string& base, const std::vector<int64_t>& off,
                                                     bool checksum) {
  std::string data = spp::testing::read_file(base + ".data");
  std::vector<std::vector<std::string>> parts;
  for (size_t p = 0; p + 1 < off.size(); ++p) {
    parts.emplace_back();
    size_t pos = static_cast<size_t>(off[p]);
    while (pos < static_cast<size_t>(off[p + 1])) {
      std::string out;
      size_t used = 0;
      REQUIRE(decode_shuffle_record(data.data() + pos, static_cast<size_t>(off[p + 1]) - pos, checksum, out, used).is_ok());
      parts.back().push_back(out);
      pos += used;
    }
    CHECK(pos == static_cast<size_t>(off[p + 1]));
  }
  return parts;
}

std::string blob(uint32_t part, const std::string& payload) {
  std::string b = {static_cast<char>(part >> 24), static_cast<char>(part >> 16), static_cast<char>(part >> 8), static_cast<char>(part)};
  return b + payload;
}
}  // namespace

TEST_CASE("writer without spills: one data file, no index, records in arrival order per partition") {
  TempDir d;
  std::string base = d.file("shuffle_0_0_1");
  ShuffleSettings s;
  std::vector<std::vector<std::string>> want(4);
  std::vector<int64_t> off;
  {
    ShuffleWriter w(base, 4, s);
    for (int i = 0; i < 100; ++i) {
      uint32_t p = static_cast<uint32_t>((i * 7) % 4);
      std::string payload = "record " + std::to_string(i) + std::string(static_cast<size_t>(i), 'x');
      want[p].push_back(payload);
      REQUIRE(w.add(blob(p, payload)).is_ok());
    }
    CHECK(w.records() == 100);
    REQUIRE(w.commit().is_ok());
    CHECK(w.spills() == 0);
    CHECK(w.memory_spilled() == 0);
    CHECK(w.offsets().size() == 5);
    CHECK(w.bytes_written() == static_cast<int64_t>(std::filesystem::file_size(base + ".data")));
    off = w.offsets();
  }
  CHECK(read_partitions(base, off, true) == want);
  CHECK(files_in(d.path) == std::vector<std::string>{"shuffle_0_0_1.data"});
}

TEST_CASE("writer past the spill threshold: spills, merges spills then memory, deletes spills") {
  for (bool compress : {false, true}) {
    TempDir d;
    std::string base = d.file("shuffle_1_2_3");
    ShuffleSettings s;
    s.compress = compress;
    s.spill_threshold = 4096;
    std::mt19937 rng(11);
    std::vector<std::vector<std::string>> want(7);
    int64_t raw = 0;
    ShuffleWriter w(base, 7, s);
    for (int i = 0; i < 2000; ++i) {
      uint32_t p = rng() % 7;
      std::string payload = "k" + std::to_string(rng() % 1000) + ":" + std::to_string(i) + std::string(rng() % 200, 'v');
      want[p].push_back(payload);
      raw += static_cast<int64_t>(payload.size());
      REQUIRE(w.add(p, payload.data(), payload.size()).is_ok());
      CHECK(w.buffered() < s.spill_threshold);
    }
    CHECK(w.spills() > 3);
    // Spill files exist until commit.
    CHECK(std::filesystem::exists(base + ".spill0"));
    REQUIRE(w.commit().is_ok());
    CHECK(w.memory_spilled() > 0);
    CHECK(w.disk_spilled() == w.memory_spilled());
    CHECK(w.raw_bytes() == raw);
    CHECK(read_partitions(base, w.offsets(), true) == want);
    CHECK(files_in(d.path) == std::vector<std::string>{"shuffle_1_2_3.data"});
  }
}

TEST_CASE("a writer destroyed before commit leaves nothing behind") {
  TempDir d;
  {
    ShuffleSettings s;
    s.spill_threshold = 100;
    ShuffleWriter w(d.file("shuffle_5_0_9"), 3, s);
    for (int i = 0; i < 50; ++i) {
      std::string payload(60, static_cast<char>('a' + i % 26));
      REQUIRE(w.add(static_cast<uint32_t>(i % 3), payload.data(), payload.size()).is_ok());
    }
    CHECK(w.spills() > 0);
  }
  CHECK(files_in(d.path).empty());
}

TEST_CASE("writer refuses bad partitions and malformed blobs") {
  TempDir d;
  ShuffleWriter w(d.file("shuffle_6_0_1"), 2, ShuffleSettings{});
  CHECK_FALSE(w.add(2, "x", 1).is_ok());
  CHECK_FALSE(w.add(std::string("\0\0", 2)).is_ok());
  CHECK(w.add(blob(1, "ok")).is_ok());
  REQUIRE(w.commit().is_ok());
  auto parts = read_partitions(d.file("shuffle_6_0_1"), w.offsets(), true);
  CHECK(parts == std::vector<std::vector<std::string>>{{}, {"ok"}});
}

TEST_CASE("empty map output: an empty data file and zero offsets") {
  TempDir d;
  ShuffleWriter w(d.file("shuffle_7_0_1"), 3, ShuffleSettings{});
  REQUIRE(w.commit().is_ok());
  CHECK(w.offsets() == std::vector<int64_t>{0, 0, 0, 0});
  CHECK(std::filesystem::file_size(d.file("shuffle_7_0_1.data")) == 0);
}
