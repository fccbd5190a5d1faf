// split(str, pattern, limit): the one-byte literal kernel (64 bytes at a time, pieces written
// straight into the list's buffers), the several-byte literal search and the regex engine give
// the same pieces as Java's String.split(regex, limit) on every row shape: empty strings,
// separators at the ends and in runs, multibyte UTF-8, NULL rows (with or without bytes behind
// them), sliced columns, constants, rows and pieces across 64-byte blocks.
#include <doctest/doctest.h>

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "sql/columnar/builder.h"
#include "sql/kernels/string_fns.h"

using namespace spp::sql;
using namespace spp::sql::kern;

namespace {

using Rows = std::vector<std::optional<std::string>>;
using Pieces = std::vector<std::optional<std::vector<std::string>>>;  // nullopt: a NULL row

Vec strs(const Rows& vals) {
  col::ColumnBuilder b(type_of(TypeId::String));
  for (const auto& v : vals) v ? b.append_str(*v) : b.append_null();
  return Vec::flat(b.finish());
}

// Rows of split's list column, checking its offsets are well formed on the way.
Pieces rows_of(const Vec& v, int64_t n) {
  const col::Column& l = *v.col;
  REQUIRE(l.length == n);
  REQUIRE(l.children.size() == 1);
  const col::Column& e = *l.children[0];
  CHECK(e.null_count == 0);
  const int32_t* eo = e.offsets();
  for (int64_t k = 0; k < e.length; ++k) REQUIRE(eo[k] <= eo[k + 1]);
  Pieces out;
  for (int64_t i = 0; i < n; ++i) {
    if (l.is_null(i)) { out.push_back(std::nullopt); continue; }
    std::vector<std::string> p;
    for (int32_t k = l.offsets()[i]; k < l.offsets()[i + 1]; ++k) p.emplace_back(e.str(k));
    out.push_back(p);
  }
  return out;
}

Pieces run(const Vec& s, const std::string& pattern, int limit, int64_t n) {
  auto re = Regex::compile(pattern);
  REQUIRE(re.is_ok());
  return rows_of(split(s, **re, limit, n), n);
}

// Spark's UTF8String.split(sep, limit) for a literal separator, written plainly: Java's
// String.split, except that limit 0 is no limit too (trailing empty pieces kept).
std::vector<std::string> java_split(const std::string& s, const std::string& sep, int limit) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t at; (limit <= 0 || int(out.size()) < limit - 1) && (at = s.find(sep, start)) != std::string::npos;
       start = at + sep.size())
    out.push_back(s.substr(start, at - start));
  out.push_back(s.substr(start));
  return out;
}

Pieces expected(const Rows& rows, const std::string& sep, int limit) {
  Pieces out;
  for (const auto& r : rows) out.push_back(r ? std::optional(java_split(*r, sep, limit)) : std::nullopt);
  return out;
}

}  // namespace

TEST_CASE("split at one byte: pieces as Java's String.split(\" \", -1)") {
  const Rows rows = {"a b c", "", " ", "  ", " lead", "trail ", "a  b", std::nullopt, "no-sep",
                     "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 x",  // 2-, 3- and 4-byte characters
                     std::string(200, 'x') + " " + std::string(63, 'y') + " z",  // pieces over 16 and 64 bytes
                     std::nullopt, "last one "};
  const auto s = strs(rows);
  const int64_t n = int64_t(rows.size());
  CHECK(run(s, " ", -1, n) == expected(rows, " ", -1));
  CHECK(run(s, " ", -1, n) == run(s, "[ ]", -1, n));  // the regex engine agrees
  // A one-row column and the empty string: [""] (never an empty array).
  CHECK(run(strs({""}), " ", -1, 1) == Pieces{std::vector<std::string>{""}});
  CHECK(run(strs({" "}), " ", -1, 1) == Pieces{std::vector<std::string>{"", ""}});
  CHECK(run(strs({std::nullopt}), ",", -1, 1) == Pieces{std::nullopt});
  // Other bytes: ',' and a tab; '\xc3' can't be a one-byte pattern of valid UTF-8.
  const Rows csv = {"a,b,,", ",", "x\ty", "1,2\t3"};
  CHECK(run(strs(csv), ",", -1, 4) == expected(csv, ",", -1));
  CHECK(run(strs(csv), "\t", -1, 4) == expected(csv, "\t", -1));
}

TEST_CASE("split at one byte: NULL rows with bytes behind them, sliced columns") {
  // A NULL row whose offsets cover bytes (allowed by the format): its separators give nothing.
  col::ColumnBuilder b(type_of(TypeId::String));
  b.append_str("a b");
  b.append_str("c d e");
  b.append_str("f");
  auto c = b.finish();
  uint8_t* bits = col::ensure_validity(*c);
  col::clear_bit(bits, 1);
  col::finish_validity(*c);
  CHECK(run(Vec::flat(c), " ", -1, 3) ==
        Pieces{std::vector<std::string>{"a", "b"}, std::nullopt, std::vector<std::string>{"f"}});
  // A slice: offsets start past 0 and the column's offset is not 0.
  const Rows rows = {"skip me", "x y", " ", "p q r", "tail"};
  auto whole = strs(rows).col;
  auto sl = col::slice(whole, 1, 3);
  CHECK(run(Vec::flat(sl), " ", -1, 3) == expected({"x y", " ", "p q r"}, " ", -1));
  auto sl2 = col::slice(whole, 4, 1);
  CHECK(run(Vec::flat(sl2), " ", -1, 1) == expected({"tail"}, " ", -1));
}

TEST_CASE("split: limits, constants, several-byte literals and regexes") {
  const Rows rows = {"a b  c ", "", "x", std::nullopt, "  "};
  const auto s = strs(rows);
  for (int limit : {-1, 0, 1, 2, 3}) {
    CHECK_MESSAGE(run(s, " ", limit, 5) == run(s, "[ ]", limit, 5), "limit " << limit);
    CHECK_MESSAGE(run(s, " ", limit, 5) == expected(rows, " ", limit), "limit " << limit);
  }
  // A constant input (the fallback path): every row the same pieces.
  auto one = strs({"u v"}).col;
  CHECK(run(Vec::constant_of(one), " ", -1, 3) == Pieces(3, std::vector<std::string>{"u", "v"}));
  // Several-byte literals, multibyte ones included, against the regex engine and Java.
  const Rows multi = {"a::b::::c::", "::", "", "\xc3\xa9::\xc3\xa9", std::nullopt, "no"};
  CHECK(run(strs(multi), "::", -1, 6) == expected(multi, "::", -1));
  CHECK(run(strs(multi), "::", 2, 6) == expected(multi, "::", 2));
  CHECK(run(strs(multi), "::", -1, 6) == run(strs(multi), "(?:::)", -1, 6));
  const Rows accents = {"a\xc3\xa9" "b", "\xc3\xa9\xc3\xa9", "x"};
  CHECK(run(strs(accents), "\xc3\xa9", -1, 3) == expected(accents, "\xc3\xa9", -1));
  // A regex separator: runs of spaces are one separator; a leading one gives an empty piece.
  CHECK(run(strs({" a  b"}), " +", -1, 1) == Pieces{std::vector<std::string>{"", "a", "b"}});
  CHECK(run(strs({"a1b22c"}), "[0-9]+", -1, 1) == Pieces{std::vector<std::string>{"a", "b", "c"}});
}

TEST_CASE("split at one byte: random rows agree with the regex engine") {
  std::mt19937 rng(7);
  const std::vector<std::string> alphabet = {"a", "b", " ", " ", "\xc3\xa9", "\xe2\x82\xac", "xyzxyzxyzxyzxyzxyz"};
  for (int round = 0; round < 50; ++round) {
    Rows rows;
    const int n = 1 + int(rng() % 40);
    for (int i = 0; i < n; ++i) {
      if (rng() % 9 == 0) { rows.push_back(std::nullopt); continue; }
      std::string r;
      const int len = int(rng() % 30);
      for (int k = 0; k < len; ++k) r += alphabet[rng() % alphabet.size()];
      rows.push_back(r);
    }
    const auto s = strs(rows);
    REQUIRE(run(s, " ", -1, n) == expected(rows, " ", -1));
    REQUIRE(run(s, " ", -1, n) == run(s, "[ ]", -1, n));
    // And a slice of it.
    const int64_t off = int64_t(rng() % uint32_t(n)), len = int64_t(rng() % uint32_t(n - off + 1));
    if (len > 0) {
      auto sl = Vec::flat(col::slice(s.col, off, len));
      REQUIRE(run(sl, " ", -1, len) == run(sl, "[ ]", -1, len));
    }
  }
}

#include "sql/kernels/byte_scan.h"

TEST_CASE("byte_scan: masks, counts and popcount64 over block edges") {
  std::mt19937 rng(11);
  for (int round = 0; round < 200; ++round) {
    std::string s(size_t(rng() % 300), 'a');
    for (auto& ch : s) ch = "ab \n\0"[rng() % 5];
    for (char c : {' ', '\n', '\0'}) {
      const int64_t n = int64_t(s.size());
      const int64_t from = n ? int64_t(rng() % uint32_t(n)) : 0;
      int64_t want = 0;
      for (int64_t k = from; k < n; ++k) want += s[size_t(k)] == c;
      REQUIRE(count_byte(s.data(), from, n, c) == want);
      for (int64_t b = 0; b < n; b += 64) {  // the last block reads nothing past n
        const uint64_t m = byte_mask64_at(s.data(), b, n, c);
        for (int64_t k = 0; k < 64; ++k) REQUIRE(((m >> k) & 1) == (b + k < n && s[size_t(b + k)] == c ? 1u : 0u));
      }
    }
  }
  CHECK(popcount64(0) == 0);
  CHECK(popcount64(~uint64_t(0)) == 64);
  CHECK(popcount64(0x8000000000000001ull) == 2);
  for (int i = 0; i < 1000; ++i) {
    const uint64_t x = (uint64_t(rng()) << 32) | rng();
    int want = 0;
    for (int k = 0; k < 64; ++k) want += int((x >> k) & 1);
    REQUIRE(popcount64(x) == want);
  }
}
