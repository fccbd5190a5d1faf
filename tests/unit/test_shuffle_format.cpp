// Shuffle record codec (round trips, every single-byte corruption caught by the CRC) and the
// reduce-side reader over local map output files (order, corruption and loss = fetch failure).
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <cstdint>
#include <cstring>

#include "common/config.h"
#include "executor/input_readers.h"
#include "executor/shuffle_format.h"
#include "executor/shuffle_writer.h"
#include "shuffle_test_util.h"

using namespace spp;
using namespace spp::executor;
using spp::testing::TempDir;

namespace {
std::string random_bytes(std::mt19937& rng, size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}
std::string compressible(size_t n) {
  std::string s;
  while (s.size() < n) s += "(k" + std::to_string(s.size() % 97) + ", 1)";
  s.resize(n);
  return s;
}
// A zstd frame claiming `claimed` bytes whose one RLE block yields `real` copies of 'x'.
std::string lying_zstd_frame(uint64_t claimed, uint32_t real) {
  std::string f = {'\x28', '\xb5', '\x2f', '\xfd', '\xe0'};  // magic; 8-byte size, single segment
  for (int i = 0; i < 8; ++i) f += static_cast<char>(claimed >> (8 * i));
  uint32_t bh = 1 | (1 << 1) | (real << 3);  // last block, RLE, `real` bytes
  f += {static_cast<char>(bh), static_cast<char>(bh >> 8), static_cast<char>(bh >> 16), 'x'};
  return f;
}
std::string zstd_record(const std::string& frame) {
  std::string rec(4, '\0');
  uint32_t n = static_cast<uint32_t>(frame.size() + 1);
  rec[0] = static_cast<char>(n >> 24), rec[1] = static_cast<char>(n >> 16), rec[2] = static_cast<char>(n >> 8),
  rec[3] = static_cast<char>(n);
  rec += static_cast<char>(kCodecZstd);
  return rec + frame;
}
}  // namespace

TEST_CASE("a tiny zstd record claiming a huge size allocates what it decodes to, not what it claims") {
  std::string out;
  size_t used = 0;
  std::string rec = zstd_record(lying_zstd_frame(512u << 20, 10));
  CHECK_FALSE(decode_shuffle_record(rec.data(), rec.size(), false, out, used).is_ok());
  CHECK(out.capacity() < (1u << 20));  // was 512 MiB, zero-filled, for a 22-byte record
  // An honest frame of that shape still decodes, and so does a real 8 MiB record of one byte
  // (ratio ~6000x: the buffer grows as output arrives).
  std::string ok = zstd_record(lying_zstd_frame(10, 10));
  REQUIRE(decode_shuffle_record(ok.data(), ok.size(), false, out, used).is_ok());
  CHECK(out == std::string(10, 'x'));
  std::string big(8u << 20, 'a'), enc;
  append_shuffle_record(enc, big.data(), big.size(), true, true);
  CHECK(enc.size() < big.size() / 1000);
  REQUIRE(decode_shuffle_record(enc.data(), enc.size(), true, out, used).is_ok());
  CHECK(out == big);
  CHECK(used == enc.size());
  // A frame yielding more than its header says is refused too.
  std::string more = zstd_record(lying_zstd_frame(5, 10));
  CHECK_FALSE(decode_shuffle_record(more.data(), more.size(), false, out, used).is_ok());
}

TEST_CASE("shuffle record round trip: every codec, checksum on/off, many sizes") {
  std::mt19937 rng(7);
  for (unsigned char codec : {kCodecRaw, kCodecZstd, kCodecLz4})
    for (bool checksum : {false, true})
      for (size_t n : {size_t{0}, size_t{1}, size_t{64}, size_t{65}, size_t{4000}, size_t{300000}}) {
        for (const std::string& data : {compressible(n), random_bytes(rng, n)}) {
          std::string rec;
          append_shuffle_record(rec, data.data(), data.size(), codec, checksum);
          std::string out;
          size_t used = 0;
          REQUIRE(decode_shuffle_record(rec.data(), rec.size(), checksum, out, used).is_ok());
          CHECK(used == rec.size());
          CHECK(out == data);
        }
      }
}

TEST_CASE("compression is used when it pays and skipped when it does not") {
  std::mt19937 rng(1);
  std::string text = compressible(10000), noise = random_bytes(rng, 10000);
  std::string a, b;
  append_shuffle_record(a, text.data(), text.size(), true, true);
  append_shuffle_record(b, noise.data(), noise.size(), true, true);
  CHECK(a.size() < text.size() / 4);
  CHECK(static_cast<unsigned char>(a[4]) == (kCodecZstd | kRecordChecksum));
  CHECK(static_cast<unsigned char>(b[4]) == (kCodecRaw | kRecordChecksum));
  CHECK(b.size() == noise.size() + 9);
  std::string c, d;  // LZ4 (Spark's default codec) alike
  append_shuffle_record(c, text.data(), text.size(), kCodecLz4, true);
  append_shuffle_record(d, noise.data(), noise.size(), kCodecLz4, false);
  CHECK(c.size() < text.size() / 4);
  CHECK(static_cast<unsigned char>(c[4]) == (kCodecLz4 | kRecordChecksum));
  CHECK(static_cast<unsigned char>(d[4]) == kCodecRaw);
}

TEST_CASE("an LZ4 record whose raw length lies is refused before allocating it") {
  std::string text = compressible(5000), rec, out;
  append_shuffle_record(rec, text.data(), text.size(), kCodecLz4, false);
  REQUIRE(static_cast<unsigned char>(rec[4]) == kCodecLz4);
  size_t used = 0;
  auto with_raw = [&](uint32_t raw) {
    std::string bad = rec;
    bad[5] = static_cast<char>(raw >> 24), bad[6] = static_cast<char>(raw >> 16), bad[7] = static_cast<char>(raw >> 8),
    bad[8] = static_cast<char>(raw);
    out.clear();
    out.shrink_to_fit();
    return decode_shuffle_record(bad.data(), bad.size(), false, out, used);
  };
  CHECK(with_raw(5000).is_ok());
  CHECK(out == text);
  Status huge = with_raw(0x3fffffff);  // 1 GiB from a record of a few hundred bytes
  CHECK_FALSE(huge.is_ok());
  CHECK(huge.message().find("bad LZ4 record") != std::string::npos);
  CHECK(out.capacity() < (1u << 20));
  CHECK_FALSE(with_raw(4999).is_ok());  // the block decodes to more than that
  CHECK_FALSE(with_raw(5001).is_ok());  // or to less
}

TEST_CASE("spark.io.compression.codec names the record codec, as Spark's names") {
  CHECK(shuffle_codec("lz4") == kCodecLz4);
  CHECK(shuffle_codec("ZSTD") == kCodecZstd);
  CHECK(shuffle_codec("org.apache.spark.io.ZStdCompressionCodec") == kCodecZstd);
  CHECK(shuffle_codec("snappy") == kCodecLz4);
  CHECK(shuffle_codec("lzf") == kCodecLz4);
  CHECK_FALSE(shuffle_codec("gzip").has_value());
  Conf conf;
  conf.set("spark.io.compression.codec", "gzip");
  Status st = conf.validate();
  CHECK_FALSE(st.is_ok());
  CHECK(st.message().find("[CODEC_NOT_AVAILABLE] The codec gzip is not available") != std::string::npos);
  conf.set("spark.io.compression.codec", "zstd");
  CHECK(conf.validate().is_ok());
  CHECK(ShuffleSettings::from_conf(conf, "h", "1").codec == kCodecZstd);
  CHECK(ShuffleSettings::from_conf(Conf{}, "h", "1").codec == kCodecLz4);
}

TEST_CASE("records decode back to back") {
  std::string seg;
  for (int i = 0; i < 50; ++i) {
    std::string d = compressible(static_cast<size_t>(i * 37));
    append_shuffle_record(seg, d.data(), d.size(), i % 2 == 0, true);
  }
  size_t pos = 0;
  for (int i = 0; i < 50; ++i) {
    std::string out;
    size_t used = 0;
    REQUIRE(decode_shuffle_record(seg.data() + pos, seg.size() - pos, true, out, used).is_ok());
    CHECK(out == compressible(static_cast<size_t>(i * 37)));
    pos += used;
  }
  CHECK(pos == seg.size());
}

TEST_CASE("every single-byte corruption of a checksummed record is detected") {
  std::mt19937 rng(3);
  for (unsigned char compress : {kCodecRaw, kCodecZstd, kCodecLz4}) {
    std::string data = compress ? compressible(500) : random_bytes(rng, 300);
    std::string rec;
    append_shuffle_record(rec, data.data(), data.size(), compress, true);
    for (size_t i = 0; i < rec.size(); ++i)
      for (unsigned char flip : {0x01, 0x80, 0xff}) {
        std::string bad = rec;
        bad[i] = static_cast<char>(bad[i] ^ flip);
        std::string out;
        size_t used = 0;
        Status st = decode_shuffle_record(bad.data(), bad.size(), true, out, used);
        CAPTURE(compress);
        CAPTURE(i);
        CHECK_FALSE(st.is_ok());
      }
  }
}

TEST_CASE("truncated records and missing checksums are refused") {
  std::string data = compressible(1000);
  std::string rec;
  append_shuffle_record(rec, data.data(), data.size(), true, true);
  for (size_t n = 0; n < rec.size(); ++n) {
    std::string out;
    size_t used = 0;
    CHECK_FALSE(decode_shuffle_record(rec.data(), n, true, out, used).is_ok());
  }
  std::string plain;
  append_shuffle_record(plain, data.data(), data.size(), true, false);
  std::string out;
  size_t used = 0;
  CHECK(decode_shuffle_record(plain.data(), plain.size(), false, out, used).is_ok());
  Status st = decode_shuffle_record(plain.data(), plain.size(), true, out, used);
  CHECK_FALSE(st.is_ok());
  CHECK(st.message().find("without checksum") != std::string::npos);
}

namespace {
ShuffleSettings local_settings() {
  ShuffleSettings s;
  s.host = "10.0.0.1";
  s.exec_id = "0";
  return s;
}

// Writes one map output with `parts` reduce partitions; partition p gets records "p:i".
std::vector<int64_t> write_map_output(const std::string& base, int parts, int per_part) {
  ShuffleWriter w(base, parts, local_settings());
  for (int i = 0; i < per_part; ++i)
    for (int p = 0; p < parts; ++p) {
      std::string d = std::to_string(p) + ":" + std::to_string(i) + compressible(100);
      REQUIRE(w.add(static_cast<uint32_t>(p), d.data(), d.size()).is_ok());
    }
  REQUIRE(w.commit().is_ok());
  return w.offsets();
}

spp::plan::ShuffleBlockRef block(int map, const std::string& path, const std::vector<int64_t>& off, int part,
                                 const std::string& host = "10.0.0.1") {
  return {map, "0", host, 0, path, off[static_cast<size_t>(part)], off[static_cast<size_t>(part) + 1] - off[static_cast<size_t>(part)]};
}

spp::plan::ShuffleSource source(int shuffle, std::vector<spp::plan::ShuffleBlockRef> blocks) { return {shuffle, 0, std::move(blocks)}; }

std::vector<std::string> read_all(ShuffleBlockReader& r, std::string* error = nullptr) {
  std::vector<std::string> got;
  std::string out;
  for (;;) {
    auto n = r.next(out);
    if (!n) {
      if (error) *error = n.error_message();
      break;
    }
    if (!n.value()) break;
    got.push_back(out.substr(0, out.find(compressible(100))));
  }
  return got;
}
}  // namespace

TEST_CASE("shuffle reader: local blocks of several map outputs, in block order") {
  TempDir d;
  auto off0 = write_map_output(d.file("shuffle_1_0_10"), 3, 4);
  auto off1 = write_map_output(d.file("shuffle_1_1_11"), 3, 2);
  ShuffleBlockReader r(source(1, {block(0, d.file("shuffle_1_0_10.data"), off0, 1), block(1, d.file("shuffle_1_1_11.data"), off1, 1)}),
                       local_settings());
  std::string err;
  auto got = read_all(r, &err);
  CHECK(err.empty());
  CHECK(got == std::vector<std::string>{"1:0", "1:1", "1:2", "1:3", "1:0", "1:1"});
  CHECK(r.local_blocks() == 2);
  CHECK(r.remote_blocks() == 0);
  CHECK(r.bytes_read() == (off0[2] - off0[1]) + (off1[2] - off1[1]));
}

TEST_CASE("shuffle reader: a flipped byte is a fetch failure naming the map output") {
  TempDir d;
  auto off = write_map_output(d.file("shuffle_2_5_20"), 2, 3);
  std::string path = d.file("shuffle_2_5_20.data");
  std::string bytes = spp::testing::read_file(path);
  bytes[static_cast<size_t>(off[1] + 20)] ^= 0x10;
  spp::testing::write_file(path, bytes);
  ShuffleBlockReader r(source(2, {block(5, path, off, 1)}), local_settings());
  std::string err;
  read_all(r, &err);
  CHECK(err.find("FetchFailed(shuffle 2, map 5") != std::string::npos);
  CHECK(err.find("corrupt") != std::string::npos);
  CHECK(r.fetch_failure()->map == 5);
  CHECK(r.fetch_failure()->path == path);
  // Partition 0 is untouched and still reads.
  ShuffleBlockReader ok(source(2, {block(5, path, off, 0)}), local_settings());
  err.clear();
  CHECK(read_all(ok, &err).size() == 3);
  CHECK(err.empty());
}

TEST_CASE("shuffle reader: a lost file without a block server is a fetch failure") {
  TempDir d;
  auto off = write_map_output(d.file("shuffle_3_0_1"), 1, 2);
  std::string path = d.file("shuffle_3_0_1.data");
  std::filesystem::remove(path);
  ShuffleBlockReader r(source(3, {block(0, path, off, 0)}), local_settings());
  std::string err;
  read_all(r, &err);
  CHECK(err.find("FetchFailed(shuffle 3, map 0") != std::string::npos);
  CHECK(r.fetch_failure()->path == path);
}

TEST_CASE("shuffle reader: no blocks is an empty partition") {
  ShuffleBlockReader r(source(4, {}), local_settings());
  std::string out;
  auto n = r.next(out);
  REQUIRE(n.is_ok());
  CHECK_FALSE(n.value());
}

namespace {
// An int pair batch as the Python map side writes it (serializers.dumps_int_pairs).
std::string int_pairs(const std::vector<std::pair<int64_t, int64_t>>& ps, uint8_t flags) {
  std::string b(8 + 16 * ps.size(), '\0');
  b[1] = 1;
  b[2] = static_cast<char>(flags);
  const uint32_t n = static_cast<uint32_t>(ps.size());
  std::memcpy(b.data() + 4, &n, 4);
  for (size_t i = 0; i < ps.size(); ++i) {
    std::memcpy(b.data() + 8 + 8 * i, &ps[i].first, 8);
    std::memcpy(b.data() + 8 + 8 * ps.size() + 8 * i, &ps[i].second, 8);
  }
  return b;
}

std::vector<std::pair<int64_t, int64_t>> pairs_of(const std::string& b) {
  auto h = int_pairs_header(b);
  REQUIRE(h);
  std::vector<std::pair<int64_t, int64_t>> out(h->n);
  for (size_t i = 0; i < h->n; ++i) {
    std::memcpy(&out[i].first, b.data() + 8 + 8 * i, 8);
    std::memcpy(&out[i].second, b.data() + 8 + 8 * h->n + 8 * i, 8);
  }
  return out;
}

// One map output per record list, all for reduce partition 0; returns the reader's blocks.
std::vector<spp::plan::ShuffleBlockRef> map_outputs(const TempDir& d, const std::vector<std::vector<std::string>>& maps) {
  std::vector<spp::plan::ShuffleBlockRef> blocks;
  for (size_t m = 0; m < maps.size(); ++m) {
    std::string base = d.file("shuffle_9_" + std::to_string(m) + "_0");
    ShuffleWriter w(base, 1, local_settings());
    for (const auto& rec : maps[m]) REQUIRE(w.add(0, rec.data(), rec.size()).is_ok());
    REQUIRE(w.commit().is_ok());
    blocks.push_back(block(static_cast<int>(m), base + ".data", w.offsets(), 0));
  }
  return blocks;
}

std::vector<std::string> read_records(ShuffleBlockReader& r) {
  std::vector<std::string> got;
  std::string out;
  for (;;) {
    auto n = r.next(out);
    REQUIRE(n.is_ok());
    if (!n.value()) break;
    got.push_back(out);
  }
  return got;
}
}  // namespace

TEST_CASE("shuffle reader: int pair batches asking for it come out sorted by key, stably") {
  TempDir d;
  for (bool desc : {false, true}) {
    const uint8_t f = static_cast<uint8_t>(kPairsSort | (desc ? kPairsDesc : 0));
    auto blocks = map_outputs(d, {{int_pairs({{5, 0}, {-3, 1}, {5, 2}}, f), int_pairs({{7, 3}}, f)},
                                  {int_pairs({{5, 4}, {INT64_MIN, 5}, {INT64_MAX, 6}}, f)}});
    ShuffleBlockReader r(source(9, blocks), local_settings());
    std::vector<std::pair<int64_t, int64_t>> all;
    for (const auto& b : read_records(r)) {
      CHECK(int(int_pairs_header(b)->flags) == int(f | kPairsSorted));
      for (auto p : pairs_of(b)) all.push_back(p);
    }
    std::vector<std::pair<int64_t, int64_t>> want = {{INT64_MIN, 5}, {-3, 1}, {5, 0}, {5, 2}, {5, 4}, {7, 3}, {INT64_MAX, 6}};
    if (desc) want = {{INT64_MAX, 6}, {7, 3}, {5, 0}, {5, 2}, {5, 4}, {-3, 1}, {INT64_MIN, 5}};  // ties in arrival order
    CHECK(all == want);
    CHECK(r.records() == 3);
  }
}

TEST_CASE("shuffle reader: a record of another kind and the partition goes out unsorted, in arrival order") {
  TempDir d;
  const std::string pickled = "\x80\x05pickled";
  auto blocks = map_outputs(d, {{int_pairs({{5, 0}, {1, 1}}, kPairsSort), int_pairs({{0, 2}}, kPairsSort)},
                                {pickled, int_pairs({{-1, 3}}, kPairsSort)}});
  ShuffleBlockReader r(source(9, blocks), local_settings());
  auto got = read_records(r);
  REQUIRE(got.size() == 3);
  CHECK(pairs_of(got[0]) == std::vector<std::pair<int64_t, int64_t>>{{5, 0}, {1, 1}, {0, 2}});
  CHECK((int_pairs_header(got[0])->flags & kPairsSorted) == 0);
  CHECK(got[1] == pickled);
  CHECK(pairs_of(got[2]) == std::vector<std::pair<int64_t, int64_t>>{{-1, 3}});
  // Batches that do not ask for sorting (or disagree on the order) are passed through as well.
  auto plain = map_outputs(d, {{int_pairs({{5, 0}}, 0), int_pairs({{1, 1}}, kPairsSort)}});
  ShuffleBlockReader r2(source(9, plain), local_settings());
  auto got2 = read_records(r2);
  REQUIRE(got2.size() == 2);
  CHECK(pairs_of(got2[0]) == std::vector<std::pair<int64_t, int64_t>>{{5, 0}});
  auto mixed = map_outputs(d, {{int_pairs({{5, 0}}, kPairsSort), int_pairs({{1, 1}}, kPairsSort | kPairsDesc)}});
  ShuffleBlockReader r3(source(9, mixed), local_settings());
  auto got3 = read_records(r3);
  REQUIRE(got3.size() == 2);
  CHECK(pairs_of(got3[0]) == std::vector<std::pair<int64_t, int64_t>>{{5, 0}});
  CHECK(pairs_of(got3[1]) == std::vector<std::pair<int64_t, int64_t>>{{1, 1}});
}

TEST_CASE("int pair batches: a length that disagrees with the count is not one") {
  std::string b = int_pairs({{1, 2}, {3, 4}}, kPairsSort);
  CHECK(int_pairs_header(b));
  CHECK_FALSE(int_pairs_header(b.substr(0, b.size() - 1)));
  b[1] = 2;
  CHECK_FALSE(int_pairs_header(b));
  CHECK_FALSE(int_pairs_header(std::string("\x80\x05", 2)));
}

TEST_CASE("shuffle reader: past its memory bound the reader gives up sorting and passes everything on in order") {
  TempDir d;
  auto blocks = map_outputs(d, {{int_pairs({{5, 0}, {1, 1}}, kPairsSort), int_pairs({{0, 2}}, kPairsSort)},
                                {int_pairs({{-1, 3}}, kPairsSort)}});
  ShuffleSettings s = local_settings();
  s.native_sort_bytes = 3 * 16;  // three pairs
  ShuffleBlockReader r(source(9, blocks), s);
  std::vector<std::pair<int64_t, int64_t>> all;
  for (const auto& b : read_records(r)) {
    CHECK((int_pairs_header(b)->flags & kPairsSorted) == 0);
    for (auto p : pairs_of(b)) all.push_back(p);
  }
  CHECK(all == std::vector<std::pair<int64_t, int64_t>>{{5, 0}, {1, 1}, {0, 2}, {-1, 3}});
  s.native_sort_bytes = 4 * 16;  // all four: sorted
  ShuffleBlockReader fits(source(9, blocks), s);
  auto got = read_records(fits);
  REQUIRE(got.size() == 1);
  CHECK(pairs_of(got[0]) == std::vector<std::pair<int64_t, int64_t>>{{-1, 3}, {0, 2}, {1, 1}, {5, 0}});
}

TEST_CASE("IntPairSorter: std::stable_sort's order over batches, ascending and descending, 64-bit edges") {
  std::mt19937_64 rng(11);
  // Keys from a narrow range (many ties), a wide one with both signs, and the 64-bit edges;
  // values number the arrival order, so stability shows. (An LSD radix sort was 30 % faster at
  // 2.5 M pairs but its n-pair scatter buffer, against stable_sort's n/2, raised W5's executor
  // peak RSS 130 -> 171 MiB: docs/benchmarks.md, session 25.)
  for (int range : {0, 1, 2}) {
    for (size_t n : {size_t{100}, size_t{5000}, size_t{70000}}) {
      std::vector<std::pair<int64_t, int64_t>> ps;
      for (size_t i = 0; i < n; ++i) {
        int64_t k = range == 0   ? static_cast<int64_t>(rng() % 1000)
                    : range == 1 ? static_cast<int64_t>(rng())
                                 : (i % 3 == 0 ? INT64_MIN : i % 3 == 1 ? INT64_MAX : -static_cast<int64_t>(rng() % 70000));
        ps.emplace_back(k, static_cast<int64_t>(i));
      }
      for (bool desc : {false, true}) {
        spp::executor::IntPairSorter s;
        // In several batches, as a reduce task's map outputs arrive.
        for (size_t at = 0; at < n; at += 3000) {
          std::vector<std::pair<int64_t, int64_t>> part(ps.begin() + at, ps.begin() + std::min(n, at + 3000));
          std::string b = int_pairs(part, 0);
          s.add(b, *int_pairs_header(b));
        }
        s.sort(desc);
        std::vector<std::pair<int64_t, int64_t>> got;
        std::string out;
        while (s.next_batch(out, kPairsSorted)) {
          auto batch = pairs_of(out);
          got.insert(got.end(), batch.begin(), batch.end());
        }
        auto want = ps;
        std::stable_sort(want.begin(), want.end(), [desc](const auto& a, const auto& b) {
          return desc ? a.first > b.first : a.first < b.first;
        });
        CAPTURE(range);
        CAPTURE(n);
        CAPTURE(desc);
        CHECK(got == want);
      }
    }
  }
}

TEST_CASE("int pair sorter: merged runs equal a stable sort of everything, ascending and descending") {
  // Batches of many sizes (small ones share a run, big ones are runs of their own), few
  // distinct keys (ties across runs and inside them), extremes; values number the arrival.
  std::mt19937 rng(7);
  for (int round = 0; round < 40; ++round) {
    const bool desc = round % 2;
    const uint8_t f = static_cast<uint8_t>(kPairsSort | (desc ? kPairsDesc : 0));
    IntPairSorter s(round % 4 < 2 ? 1 + rng() % 3000 : IntPairSorter::kRun);
    std::vector<std::pair<int64_t, int64_t>> all;
    const int batches = 1 + static_cast<int>(rng() % 30);
    const int64_t keys = 1 + rng() % (round < 20 ? 50 : 100000);
    for (int b = 0; b < batches; ++b) {
      const size_t n = rng() % 4 == 0 ? rng() % 20000 : rng() % 700;
      std::vector<std::pair<int64_t, int64_t>> ps;
      for (size_t i = 0; i < n; ++i) {
        int64_t k = static_cast<int64_t>(rng() % keys) - keys / 2;
        if (rng() % 1000 == 0) k = rng() % 2 ? INT64_MIN : INT64_MAX;
        ps.emplace_back(k, static_cast<int64_t>(all.size()));
        all.push_back(ps.back());
      }
      auto blob = int_pairs(ps, f);
      s.add(blob, *int_pairs_header(blob));
    }
    CHECK(s.size() == all.size());
    std::stable_sort(all.begin(), all.end(), [desc](const auto& a, const auto& b) { return desc ? a.first > b.first : a.first < b.first; });
    s.sort(desc);
    std::vector<std::pair<int64_t, int64_t>> got;
    std::string out;
    const size_t max_pairs = 1 + rng() % 9000;
    while (s.next_batch(out, f | kPairsSorted, max_pairs)) {
      auto h = int_pairs_header(out);
      REQUIRE(h);
      CHECK(h->n >= 1);
      CHECK(h->n <= max_pairs);
      for (auto p : pairs_of(out)) got.push_back(p);
    }
    CHECK(got == all);
    CHECK(s.size() == 0);
  }
}

TEST_CASE("int pair sorter: without sort() the pairs go out in arrival order") {
  IntPairSorter s(100);
  std::vector<std::pair<int64_t, int64_t>> all;
  for (int b = 0; b < 5; ++b) {
    std::vector<std::pair<int64_t, int64_t>> ps;
    for (int i = 0; i < (b == 2 ? 5000 : 3 + b); ++i) ps.emplace_back((i * 7919) % 13 - b, static_cast<int64_t>(all.size()));
    all.insert(all.end(), ps.begin(), ps.end());
    auto blob = int_pairs(ps, kPairsSort);
    s.add(blob, *int_pairs_header(blob));
  }
  std::vector<std::pair<int64_t, int64_t>> got;
  std::string out;
  while (s.next_batch(out, kPairsSort, 1000))
    for (auto p : pairs_of(out)) got.push_back(p);
  CHECK(got == all);
}
