// DataSketches HLL sketches (kernels/hll_sketch) against images and estimates datasketches-java
// 3.3.0 (Spark 3.5's) wrote: LIST / SET / HLL_4 / HLL_6 / HLL_8, updatable and compact, HIP and
// composite estimators, unions of equal and different lgK, Spark's partial/final merge; and
// bytes that are not a sketch.
#include <doctest/doctest.h>
#include <openssl/evp.h>

#include <bit>
#include <cmath>
#include <string>

#include "sql/kernels/hll_sketch.h"

using namespace spp::sql::kern::hll;

namespace {
std::string unhex(std::string_view h) {
  std::string b;
  for (size_t i = 0; i + 1 < h.size(); i += 2) b.push_back(char(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return b;
}
std::string hex(std::string_view b) {
  static const char* d = "0123456789abcdef";
  std::string h;
  for (unsigned char c : b) { h.push_back(d[c >> 4]); h.push_back(d[c & 15]); }
  return h;
}
std::string md5(const std::string& b) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(b.data(), b.size(), out, &len, EVP_md5(), nullptr);
  return hex(std::string_view(reinterpret_cast<char*>(out), len));
}
Sketch longs(int lg_k, int64_t from, int64_t n) {
  Sketch s(lg_k);
  for (int64_t i = from; i < from + n; ++i) s.update(i);
  return s;
}
int64_t bits(double d) { return std::bit_cast<int64_t>(d); }

// Written by datasketches-java 3.3.0 (HllSketch.update(long) of 3..62 at lgK 4).
const char* kHll4Upd = "0a0107040000010220e43acda11645400000000000000a400000000000000000030000000000000013601250221411060000"
                       "0000000000000000000000000000";
const char* kHll4Cmp = "0a0107040008010220e43acda11645400000000000000a4000000000000000000300000000000000136012502214110"
                       "6";
const char* kHll6 = "0a0107040000000620e43acda11645400000000000000a400000000000000000000000000000000084101c831018c350088"
                    "2700400";
const char* kHll8 = "0a0107040000000a20e43acda11645400000000000000a400000000000000000000000000000000004020107030201060303"
                    "050202020701";
}  // namespace

TEST_SUITE("hll_sketch") {
TEST_CASE("LIST images and the coupon estimator") {
  Sketch s = longs(12, 1, 3);
  CHECK(hex(s.to_bytes()) == "0201070c030003082bf2fb06862ff90d758166070000000000000000000000000000000000000000");
  CHECK(s.estimate() == 3.000000014901161);
  CHECK(java_round(s.estimate()) == 3);
  Sketch t(12);
  for (const char* v : {"abc", "def", "abc", ""}) t.update(std::string_view(v));  // "" is ignored
  CHECK(hex(t.to_bytes()) == "0201070c03000208218d8704e3617311000000000000000000000000000000000000000000000000");
  CHECK(t.estimate() == 2.000000004967054);
  Sketch e(12);
  CHECK(e.empty());
  CHECK(hex(e.to_bytes()) == "0201070c03040008" + std::string(64, '0'));
  CHECK(e.estimate() == 0);
}

TEST_CASE("SET mode: the compact image and its heapify") {
  const std::string img = unhex(
      "03010708050800091400000081bc5d06cef05b1f6ec53406862ff90ddb522d04cbd7c204b05b4612ae3c8811c1e91705d216730734a261"
      "0e75816607f671f206b83ff907464ab704fc2d420a7b65e6082bf2fb06c3dd51047c74b907");
  Sketch s = longs(8, 0, 20);
  CHECK(s.mode() == Mode::Set);
  CHECK(s.to_bytes(true) == img);
  auto p = Sketch::parse(img);
  REQUIRE(p);
  CHECK(p->coupon_count() == 20);
  CHECK(p->estimate() == 20.00000094374026);
  // heapify re-inserts the coupons in image order: the table may be laid out differently
  CHECK(p->estimate() == s.estimate());
  CHECK(p->to_bytes().size() == s.to_bytes().size());
}

TEST_CASE("HLL_4 / HLL_6 / HLL_8 images read back with Java's estimates") {
  for (const char* h : {kHll4Upd, kHll4Cmp, kHll6, kHll8}) {
    CAPTURE(h);
    auto p = Sketch::parse(unhex(h));
    REQUIRE(p);
    CHECK(p->lg_k() == 4);
    CHECK(p->estimate() == 42.176812795405795);
    CHECK(p->composite_estimate() == 52.882693431672045);
    CHECK(hex(p->to_bytes()) == kHll8);  // written as HLL_8 (HIP accumulator kept)
  }
  CHECK(hex(longs(4, 3, 60).to_bytes()) == kHll8);
}

TEST_CASE("estimates and images of larger sketches equal datasketches-java's") {
  Sketch a = longs(12, 0, 100000);  // HIP
  CHECK(bits(a.estimate()) == 4681687284050190276);
  CHECK(bits(a.composite_estimate()) == 4681806159997540636);
  CHECK(md5(a.to_bytes()) == "c7c165541e035f020b94b0eb970616c3");
  CHECK(java_round(a.estimate()) == 101148);
  // Spark's HllSketchAgg.merge of two partials: out of order, the composite estimator answers.
  Sketch buf(12);
  for (const Sketch& part : {longs(12, 0, 5000), longs(12, 2500, 5000)}) {
    Union u(buf.lg_k());
    u.update(buf);
    u.update(*Sketch::parse(part.to_bytes()));
    buf = u.result();
  }
  CHECK(buf.out_of_order());
  CHECK(bits(buf.estimate()) == 4664956844648927043);
  CHECK(md5(buf.to_bytes()) == "aa602c397981b70c8fa934a0948f3731");
  // hll_union of lgK 12 and 20 sketches: the union of lgK 12 downsamples the larger one.
  Sketch s1 = longs(12, 0, 5000), s2(20);
  for (int i = 7; i < 5007; ++i) s2.update(std::string_view("v" + std::to_string(i)));
  Union u(12);
  u.update(s1);
  u.update(s2);
  Sketch r = u.result();
  CHECK(bits(r.estimate()) == 4666715094912975917);
  CHECK(md5(r.to_bytes()) == "d1dd9be59ecea91bc6f595c05086e1fb");
}

TEST_CASE("a union of lgK 4 sketches") {
  Union u(4);
  u.update(longs(4, 0, 40));
  u.update(longs(4, 20, 40));
  Sketch r = u.result();
  CHECK(hex(r.to_bytes()) ==
        "0a0107040010010a000000000000000000000000000007400000000000000000020000000000000004020107030203060303050202020701");
  CHECK(r.estimate() == 59.87231683368868);
}

TEST_CASE("bytes that are not a sketch are refused") {
  const std::string good = unhex(kHll4Upd);
  CHECK_FALSE(Sketch::parse("abc"));
  CHECK_FALSE(Sketch::parse(""));
  for (size_t n = 0; n < good.size(); ++n) {
    auto p = Sketch::parse(good.substr(0, n));
    if (n < 48) CHECK_FALSE(p);  // preamble + 8 bytes of nibbles (+ the aux ints)
  }
  auto with = [&](size_t at, char v) { std::string b = good; b[at] = v; return b; };
  CHECK_FALSE(Sketch::parse(with(2, 3)));     // family
  CHECK_FALSE(Sketch::parse(with(1, 2)));     // serialization version
  CHECK_FALSE(Sketch::parse(with(3, 3)));     // lgK below 4
  CHECK_FALSE(Sketch::parse(with(3, 22)));    // lgK above 21
  CHECK_FALSE(Sketch::parse(with(7, 0x0b)));  // mode 3
  CHECK_FALSE(Sketch::parse(with(7, 0x0e)));  // HLL with target type 3
  CHECK_FALSE(Sketch::parse(with(0, 2)));     // preamble ints of a LIST in HLL mode
  CHECK_FALSE(Sketch::parse(with(40, char(0xff))));  // an aux token without its aux entry
  std::string list = longs(12, 1, 3).to_bytes();
  list[12] = list[8], list[13] = list[9], list[14] = list[10], list[15] = list[11];
  CHECK_FALSE(Sketch::parse(list));  // the same coupon twice
  list = longs(12, 1, 3).to_bytes();
  list[6] = 8;
  CHECK_FALSE(Sketch::parse(list));  // a full list (never written: it would have become a SET)
}

TEST_CASE("STRING bytes as Java decodes and re-encodes them") {
  const std::string r = "\xEF\xBF\xBD";
  CHECK(java_utf8_bytes("abc") == "abc");
  CHECK(java_utf8_bytes("\xC3\xA9t\xE2\x82\xAC\xF0\x9F\x98\x80") == "\xC3\xA9t\xE2\x82\xAC\xF0\x9F\x98\x80");
  CHECK(java_utf8_bytes("a\x80" "b") == "a" + r + "b");                 // a stray continuation byte
  CHECK(java_utf8_bytes("\xC0\xAF") == r + r);                      // overlong
  CHECK(java_utf8_bytes("\xED\xA0\x80x") == r + "x");              // a surrogate
  CHECK(java_utf8_bytes("\xE2\x82x") == r + "x");                   // truncated inside the string
  CHECK(java_utf8_bytes("x\xE2\x82") == "x" + r);                   // truncated at the end: one
  CHECK(java_utf8_bytes("\xF0\x9F\x98") == r);
  CHECK(java_utf8_bytes("\xF0\x80\x80\x80") == r + r + r + r);    // overlong 4-byte
  CHECK(java_utf8_bytes("\xF4\x90\x80\x80") == r + r + r + r);    // above U+10FFFF
  CHECK(java_utf8_bytes("\xFF") == r);
}

TEST_CASE("java_round is Math.round") {
  CHECK(java_round(2.5) == 3);
  CHECK(java_round(-2.5) == -2);
  CHECK(java_round(0.49999999999999994) == 0);
  CHECK(java_round(std::nan("")) == 0);
  CHECK(java_round(1e300) == INT64_MAX);
  CHECK(java_round(-1e300) == INT64_MIN);
}
}
