// TextSplitReader: Hadoop line-record semantics over byte-range splits — every line read
// exactly once across all splits of a file, whatever the split size, '\r\n' endings, a last
// line without '\n', empty files and lines longer than the read buffer.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "executor/input_readers.h"
#include "shuffle_test_util.h"

using namespace spp;
using namespace spp::executor;
using spp::testing::TempDir;
using spp::testing::write_file;

namespace {
int64_t g_records = 0;  // lines the readers counted (their input_records metric), over calls

// All batches of one split, concatenated ("line\n" each).
std::string read_split(const std::string& path, int64_t start, int64_t len, size_t batch = 1 << 20) {
  TextSplitReader r(path, start, len, batch);
  struct Count {
    TextSplitReader& r;
    ~Count() { g_records += r.records(); }
  } count{r};
  std::string all, out;
  for (;;) {
    auto n = r.next(out);
    REQUIRE(n.is_ok());
    if (!n.value()) break;
    CHECK_FALSE(out.empty());
    CHECK(out.back() == '\n');
    all += out;
  }
  return all;
}

// What Python should see for the whole file: lines split at '\n', one trailing '\r' dropped.
std::string expected_lines(const std::string& content) {
  std::string out;
  size_t pos = 0;
  while (pos < content.size()) {
    size_t nl = content.find('\n', pos);
    size_t end = nl == std::string::npos ? content.size() : nl;
    std::string_view line(content.data() + pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.append(line);
    out.push_back('\n');
    pos = end + 1;
  }
  return out;
}

std::string read_in_splits(const std::string& path, int64_t size, const std::vector<int64_t>& cuts, size_t batch) {
  std::string all;
  int64_t start = 0;
  for (int64_t cut : cuts) {
    all += read_split(path, start, cut - start, batch);
    start = cut;
  }
  all += read_split(path, start, size - start, batch);
  return all;
}
}  // namespace

TEST_CASE("text split: whole file, CRLF, last line without newline, empty lines") {
  TempDir d;
  write_file(d.file("a.txt"), "alpha\nbeta\r\n\ngamma");
  CHECK(read_split(d.file("a.txt"), 0, 19) == "alpha\nbeta\n\ngamma\n");
  write_file(d.file("b.txt"), "\n\n");
  CHECK(read_split(d.file("b.txt"), 0, 2) == "\n\n");
  write_file(d.file("c.txt"), "only\r\n");
  CHECK(read_split(d.file("c.txt"), 0, 6) == "only\n");
}

TEST_CASE("text split: empty file yields nothing, missing file is an error") {
  TempDir d;
  write_file(d.file("empty.txt"), "");
  CHECK(read_split(d.file("empty.txt"), 0, 0) == "");
  TextSplitReader r(d.file("missing.txt"), 0, 10);
  std::string out;
  auto n = r.next(out);
  CHECK_FALSE(n.is_ok());
  CHECK(n.error_message().find("missing.txt") != std::string::npos);
}

TEST_CASE("text split: a line belongs to the split it starts in (start <= end)") {
  TempDir d;
  write_file(d.file("f.txt"), "aaa\nbbb\nccc\n");  // lines start at 0, 4, 8
  // [0,4) also reads the line starting exactly at its end (4); [4,8) skips it.
  CHECK(read_split(d.file("f.txt"), 0, 4) == "aaa\nbbb\n");
  CHECK(read_split(d.file("f.txt"), 4, 4) == "ccc\n");
  CHECK(read_split(d.file("f.txt"), 8, 4) == "");
  // A split starting mid-line skips to the next line.
  CHECK(read_split(d.file("f.txt"), 0, 2) == "aaa\n");
  CHECK(read_split(d.file("f.txt"), 2, 4) == "bbb\n");
  CHECK(read_split(d.file("f.txt"), 6, 6) == "ccc\n");
  // A boundary between '\r' and '\n'.
  write_file(d.file("g.txt"), "ab\r\ncd\r\n");
  CHECK(read_split(d.file("g.txt"), 0, 3) + read_split(d.file("g.txt"), 3, 5) == "ab\ncd\n");
}

TEST_CASE("text split: every line exactly once over random files and random splits") {
  TempDir d;
  std::mt19937 rng(2024);
  for (int iter = 0; iter < 60; ++iter) {
    std::string content;
    int lines = static_cast<int>(rng() % 200);
    bool long_lines = iter % 10 == 0;  // some lines longer than the 64 KiB read buffer
    for (int i = 0; i < lines; ++i) {
      size_t len = long_lines && rng() % 20 == 0 ? 70000 + rng() % 70000 : rng() % 40;
      for (size_t k = 0; k < len; ++k) content.push_back(static_cast<char>('a' + rng() % 26));
      bool last = i == lines - 1;
      if (last && rng() % 3 == 0) break;  // final line without a terminator
      content += rng() % 4 == 0 ? "\r\n" : "\n";
    }
    std::string path = d.file("r" + std::to_string(iter) + ".txt");
    write_file(path, content);
    auto size = static_cast<int64_t>(content.size());
    std::string want = expected_lines(content);
    for (int trial = 0; trial < 5; ++trial) {
      std::vector<int64_t> cuts;
      if (size > 1) {
        int64_t split = 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(std::max<int64_t>(1, size / (1 + rng() % 8))));
        for (int64_t c = split; c < size; c += split) cuts.push_back(c);
      }
      size_t batch = 1 + rng() % 300;
      CAPTURE(iter);
      CAPTURE(trial);
      CAPTURE(cuts.size());
      g_records = 0;
      CHECK(read_in_splits(path, size, cuts, batch) == want);
      CHECK(g_records == int64_t(std::count(want.begin(), want.end(), '\n')));
    }
  }
}

// saveAsTextFile(path, codec) / textFile: every Hadoop codec the executor writes reads back
// line for line, in one write or many small ones; Hadoop's Lz4Codec block layout; concatenated
// gzip/bzip2/zstd streams; corrupt input is an error naming the file.
#include "executor/text_codecs.h"

namespace {
std::string compress_to(const std::string& path, const std::string& text, size_t piece) {
  auto c = compressor_for(path);
  REQUIRE(c);
  std::string z;
  for (size_t i = 0; i < text.size(); i += piece) REQUIRE(c->write(text.data() + i, std::min(piece, text.size() - i), z).is_ok());
  REQUIRE(c->finish(z).is_ok());
  write_file(path, z);
  return z;
}

Result<std::string> read_compressed(const std::string& path) {
  auto r = compressed_text_reader(path, 100);
  REQUIRE(r);
  std::string all, out;
  for (;;) {
    auto n = r->next(out);
    if (!n) return Result<std::string>::error(n.error_message());
    if (!n.value()) return all;
    all += out;
  }
}
}  // namespace

TEST_CASE("text codecs: gzip, bzip2, zstd, lz4 round trips") {
  TempDir d;
  std::string text;
  std::mt19937 rng(7);
  for (int i = 0; i < 40000; ++i) text += "line " + std::to_string(rng() % 1000) + (i % 7 ? "\n" : "\r\n");
  text += "last without newline";
  for (const char* ext : {".gz", ".bz2", ".zst", ".lz4"}) {
    CAPTURE(ext);
    for (size_t piece : {size_t{1} << 20, size_t{4093}}) {
      const std::string p = d.file(std::string("part-00000") + ext);
      std::string z = compress_to(p, text, piece);
      CHECK(z.size() < text.size() / 2);
      auto got = read_compressed(p);
      REQUIRE(got.is_ok());
      CHECK(got.value() == expected_lines(text));
    }
    const std::string e = d.file(std::string("empty") + ext);
    compress_to(e, "", 10);
    auto got = read_compressed(e);
    REQUIRE(got.is_ok());
    CHECK(got.value().empty());
  }
  CHECK_FALSE(compressor_for("part-00000"));
  CHECK_FALSE(compressed_text_reader(d.file("a.txt")));
}

TEST_CASE("text codecs: Hadoop lz4 block layout, concatenated streams, corrupt input") {
  TempDir d;
  const std::string p = d.file("x.lz4");
  std::string z = compress_to(p, "a\nb\n", 1);
  REQUIRE(z.size() >= 8);
  CHECK(z.substr(0, 4) == std::string("\0\0\0\4", 4));  // u32 BE raw length of the block
  auto clen = (uint32_t(uint8_t(z[4])) << 24) | (uint32_t(uint8_t(z[5])) << 16) | (uint32_t(uint8_t(z[6])) << 8) | uint8_t(z[7]);
  CHECK(clen == z.size() - 8);
  for (const char* ext : {".gz", ".bz2", ".zst"}) {
    CAPTURE(ext);
    const std::string a = d.file(std::string("a") + ext), b = d.file(std::string("b") + ext);
    std::string both = compress_to(a, "one\ntwo\n", 3) + compress_to(b, "three\n", 3);
    write_file(a, both);
    auto got = read_compressed(a);
    REQUIRE(got.is_ok());
    CHECK(got.value() == "one\ntwo\nthree\n");
    write_file(b, both.substr(0, both.size() / 2) + "garbage-garbage-garbage");
    auto bad = read_compressed(b);
    CHECK_FALSE(bad.is_ok());
    if (!bad.is_ok()) CHECK(bad.error_message().find(b) != std::string::npos);
  }
}
