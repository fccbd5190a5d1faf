// Kernels vs Spark 3.5 semantics: wrapping integer arithmetic, NULL on division by zero,
// decimal result types and rounding, comparisons with NaN and NULL, three-valued logic, IN,
// CASE WHEN / coalesce, and Spark's Murmur3 hash values.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <optional>

#include "sql/columnar/builder.h"
#include "sql/kernels/arith.h"
#include "sql/kernels/compare.h"
#include "sql/kernels/decimal.h"
#include "sql/kernels/hash.h"

using namespace spp::sql;
using namespace spp::sql::kern;
using col::ColumnBuilder;

namespace {

template <typename T>
Vec fixed(TypeId id, std::vector<std::optional<T>> vals) {
  ColumnBuilder b(type_of(id));
  for (auto& v : vals) v ? b.append<T>(*v) : b.append_null();
  return Vec::flat(b.finish());
}
template <typename T>
Vec cst(TypeId id, T v) {
  ColumnBuilder b(type_of(id));
  b.append<T>(v);
  return Vec::constant_of(b.finish());
}
Vec strs(std::vector<std::optional<std::string>> vals) {
  ColumnBuilder b(type_of(TypeId::String));
  for (auto& v : vals) v ? b.append_str(*v) : b.append_null();
  return Vec::flat(b.finish());
}
Vec bools(std::vector<std::optional<bool>> vals) {
  ColumnBuilder b(bool_type());
  for (auto& v : vals) v ? b.append_bool(*v) : b.append_null();
  return Vec::flat(b.finish());
}
Vec decs(int p, int s, std::vector<std::optional<__int128>> vals) {
  ColumnBuilder b(col::make_type(ColType::decimal(p, s)));
  for (auto& v : vals) v ? b.append_decimal(*v) : b.append_null();
  return Vec::flat(b.finish());
}
// Row i of a boolean Vec as "t", "f" or "n".
std::string tri(const Vec& v) {
  std::string s;
  for (int64_t i = 0; i < v.col->length; ++i) s += v.col->is_null(i) ? 'n' : v.col->bool_at(i) ? 't' : 'f';
  return s;
}

}  // namespace

TEST_CASE("sql kernels: integral arithmetic wraps, division by zero is NULL") {
  const int32_t mx = std::numeric_limits<int32_t>::max(), mn = std::numeric_limits<int32_t>::min();
  Vec a = fixed<int32_t>(TypeId::Int, {mx, -7, 7, std::nullopt, mn});
  Vec b = fixed<int32_t>(TypeId::Int, {1, 3, -3, 1, -1});
  auto add = arith(ArithOp::Add, a, b, type_of(TypeId::Int), 5);
  CHECK(add.col->vals<int32_t>()[0] == mn);  // 2147483647 + 1 wraps
  CHECK(add.col->is_null(3));
  CHECK(add.col->null_count == 1);
  auto mod = arith(ArithOp::Mod, a, b, type_of(TypeId::Int), 5);
  CHECK(mod.col->vals<int32_t>()[1] == -1);  // -7 % 3
  CHECK(mod.col->vals<int32_t>()[2] == 1);   // 7 % -3
  CHECK(mod.col->vals<int32_t>()[4] == 0);   // MIN % -1
  auto pmod = arith(ArithOp::Pmod, a, b, type_of(TypeId::Int), 5);
  CHECK(pmod.col->vals<int32_t>()[1] == 2);  // pmod(-7, 3)
  auto idiv = arith(ArithOp::IntDiv, a, b, type_of(TypeId::Long), 5);
  CHECK(idiv.col->vals<int64_t>()[1] == -2);  // -7 div 3 truncates
  CHECK(idiv.col->vals<int64_t>()[4] == 2147483648LL);  // int MIN div -1 as bigint
  Vec zero = cst<int32_t>(TypeId::Int, 0);
  auto byz = arith(ArithOp::Mod, a, zero, type_of(TypeId::Int), 5);
  CHECK(byz.col->null_count == 5);
  auto mul = arith(ArithOp::Mul, fixed<int64_t>(TypeId::Long, {INT64_MAX}), cst<int64_t>(TypeId::Long, 2), type_of(TypeId::Long), 1);
  CHECK(mul.col->vals<int64_t>()[0] == -2);
  auto bmul = arith(ArithOp::Mul, fixed<int8_t>(TypeId::Byte, {100}), cst<int8_t>(TypeId::Byte, 3), type_of(TypeId::Byte), 1);
  CHECK(bmul.col->vals<int8_t>()[0] == 44);  // 300 wraps in a byte
  auto l = arith(ArithOp::IntDiv, fixed<int64_t>(TypeId::Long, {INT64_MIN}), cst<int64_t>(TypeId::Long, -1), type_of(TypeId::Long), 1);
  CHECK(l.col->vals<int64_t>()[0] == INT64_MIN);
  auto ab = kern::abs(fixed<int32_t>(TypeId::Int, {mn, -3}), 2);
  CHECK(ab.col->vals<int32_t>()[0] == mn);
  CHECK(ab.col->vals<int32_t>()[1] == 3);
}

TEST_CASE("sql kernels: double division and NaN") {
  Vec a = fixed<double>(TypeId::Double, {1.0, 1.0, std::numeric_limits<double>::infinity(), -7.5});
  Vec b = fixed<double>(TypeId::Double, {2.0, 0.0, 1.0, 2.0});
  auto d = arith(ArithOp::Div, a, b, type_of(TypeId::Double), 4);
  CHECK(d.col->vals<double>()[0] == 0.5);
  CHECK(d.col->is_null(1));  // 1.0 / 0 is NULL
  CHECK(std::isinf(d.col->vals<double>()[2]));
  auto m = arith(ArithOp::Mod, a, b, type_of(TypeId::Double), 4);
  CHECK(m.col->vals<double>()[3] == -1.5);
  auto pm = arith(ArithOp::Pmod, a, b, type_of(TypeId::Double), 4);
  CHECK(pm.col->vals<double>()[3] == 0.5);
}

TEST_CASE("sql kernels: decimal result types, rounding and overflow") {
  CHECK(decimal_result_type(ArithOp::Add, 10, 2, 5, 3).to_string() == "decimal(12,3)");
  CHECK(decimal_result_type(ArithOp::Mul, 10, 2, 5, 3).to_string() == "decimal(16,5)");
  CHECK(decimal_result_type(ArithOp::Div, 10, 2, 5, 3).to_string() == "decimal(19,8)");
  CHECK(decimal_result_type(ArithOp::Div, 38, 10, 38, 10).to_string() == "decimal(38,6)");
  CHECK(decimal_result_type(ArithOp::Mul, 38, 10, 38, 10).to_string() == "decimal(38,6)");
  CHECK(decimal_result_type(ArithOp::Mod, 10, 2, 5, 3).to_string() == "decimal(5,3)");
  // 1.50 + 0.125 = 1.625 at decimal(12,3)
  auto t = col::make_type(ColType::decimal(12, 3));
  auto s = arith(ArithOp::Add, decs(10, 2, {150, -150}), decs(5, 3, {125, 125}), t, 2);
  CHECK(s.col->dec_at(0) == 1625);
  CHECK(s.col->dec_at(1) == -1375);
  // 1 / 3 at decimal(38,6) = 0.333333; 2 / 3 = 0.666667 (HALF_UP)
  auto q = arith(ArithOp::Div, decs(10, 0, {1, 2, 5}), decs(10, 0, {3, 3, 0}),
                 col::make_type(ColType::decimal(21, 11)), 3);
  CHECK(q.col->dec_at(0) == 33333333333);
  CHECK(q.col->dec_at(1) == 66666666667);
  CHECK(q.col->is_null(2));
  // Big operands: (10^37) * (10^37) at decimal(38,6) overflows -> NULL; 1e20 * 1e-20 fits.
  __int128 e37 = dec::pow10(37);
  auto big = arith(ArithOp::Mul, decs(38, 0, {e37}), decs(38, 0, {e37}), col::make_type(ColType::decimal(38, 6)), 1);
  CHECK(big.col->is_null(0));
  auto ok = dec::mul(dec::pow10(20), 0, 1, 20, 38, 6);
  REQUIRE(ok);
  CHECK(*ok == 1000000);
  CHECK(dec::div(dec::pow10(37), 0, 1, 37, 38, 6) == std::nullopt);  // 10^74 does not fit
  CHECK(*dec::div(-7, 0, 2, 0, 38, 0) == -4);  // -3.5 rounds half away from zero
  CHECK(dec::to_string(-5, 3) == "-0.005");
  CHECK(dec::to_string(12345, 2) == "123.45");
  CHECK(dec::to_string(7, 0) == "7");
  CHECK(*dec::parse(" 1.2345 ", 10, 3) == 1235);
  CHECK(*dec::parse("-1e3", 10, 2) == -100000);
  CHECK(*dec::parse(".5", 10, 0) == 1);
  CHECK(!dec::parse("abc", 10, 2));
  CHECK(!dec::parse("123456", 5, 2));
  CHECK(*dec::from_double(0.1, 10, 5) == 10000);
  CHECK(dec::to_double(-125, 2) == -1.25);
  auto pm = arith(ArithOp::Pmod, decs(5, 0, {-7, -7}), decs(5, 0, {3, -3}), col::make_type(ColType::decimal(5, 0)), 2);
  CHECK(pm.col->dec_at(0) == 2);
  CHECK(pm.col->dec_at(1) == -1);
}

TEST_CASE("sql kernels: comparisons with NULL, NaN and strings") {
  double nan = std::nan("");
  Vec a = fixed<double>(TypeId::Double, {nan, nan, 1.0, -0.0, std::nullopt});
  Vec b = fixed<double>(TypeId::Double, {nan, 1e308, nan, 0.0, 1.0});
  CHECK(tri(compare(CmpOp::Eq, a, b, 5)) == "tfftn");
  CHECK(tri(compare(CmpOp::Gt, a, b, 5)) == "ftffn");  // NaN greater than everything
  CHECK(tri(compare(CmpOp::Lt, a, b, 5)) == "fftfn");
  CHECK(tri(compare(CmpOp::EqNullSafe, a, b, 5)) == "tfftf");
  Vec n1 = fixed<int64_t>(TypeId::Long, {std::nullopt, 1});
  Vec n2 = fixed<int64_t>(TypeId::Long, {std::nullopt, std::nullopt});
  CHECK(tri(compare(CmpOp::EqNullSafe, n1, n2, 2)) == "tf");
  Vec s = strs({"a", "b", "\xc3\xa9", "", std::nullopt});
  Vec t = strs({"a", "a", "z", "a", "a"});
  CHECK(tri(compare(CmpOp::Eq, s, t, 5)) == "tfffn");
  CHECK(tri(compare(CmpOp::Gt, s, t, 5)) == "fttfn");  // bytes compare unsigned: é > z
  CHECK(tri(compare(CmpOp::Le, s, Vec::constant_of(strs({"b"}).col), 5)) == "ttftn");
  Vec ints = fixed<int32_t>(TypeId::Int, {1, 5, 10, std::nullopt});
  CHECK(tri(between(ints, cst<int32_t>(TypeId::Int, 2), cst<int32_t>(TypeId::Int, 10), 4)) == "fttn");
}

TEST_CASE("sql kernels: string (in)equality with a constant, every length, both sides, NULLs") {
  // Lengths 0..10 cover the fixed-length compares (1..8) and the general one; 21 rows: whole
  // output bytes and a tail.
  std::vector<std::optional<std::string>> rows;
  for (int len = 0; len <= 10; ++len) rows.push_back(std::string(size_t(len), 'x'));
  for (int len = 1; len <= 8; ++len) rows.push_back(std::string(size_t(len - 1), 'x') + "y");
  rows.push_back(std::nullopt);
  rows.push_back("xxxxxxxxx\xc3\xa9");
  const int64_t n = int64_t(rows.size());
  Vec col = strs(rows);
  for (int len = 0; len <= 11; ++len) {
    const std::string c(size_t(len), 'x');
    Vec k = Vec::constant_of(strs({c}).col);
    std::string want_eq, want_ne, want_ns;
    for (const auto& r : rows) {
      want_eq += !r ? 'n' : *r == c ? 't' : 'f';
      want_ne += !r ? 'n' : *r != c ? 't' : 'f';
      want_ns += !r ? 'f' : *r == c ? 't' : 'f';
    }
    CHECK(tri(compare(CmpOp::Eq, col, k, n)) == want_eq);
    CHECK(tri(compare(CmpOp::Eq, k, col, n)) == want_eq);
    CHECK(tri(compare(CmpOp::Ne, col, k, n)) == want_ne);
    CHECK(tri(compare(CmpOp::EqNullSafe, k, col, n)) == want_ns);
  }
}

TEST_CASE("sql kernels: floating comparisons a byte at a time, every operator against Spark's order") {
  // Spark's order for doubles: NaN the largest and equal to itself; -0.0 == 0.0.
  const double nan = std::nan(""), inf = std::numeric_limits<double>::infinity();
  const std::vector<double> pool = {nan, -inf, -1.5, -0.0, 0.0, 2.0, inf, 3.5};
  std::vector<std::optional<double>> av, bv;
  for (double x : pool)
    for (double y : pool) { av.push_back(x); bv.push_back(y); }
  av.push_back(std::nullopt);
  bv.push_back(1.0);
  const int64_t n = int64_t(av.size());  // 65: whole bytes and a tail
  Vec a = fixed<double>(TypeId::Double, av), b = fixed<double>(TypeId::Double, bv);
  auto order = [](double x, double y) {
    if (std::isnan(x) || std::isnan(y)) return std::isnan(x) == std::isnan(y) ? 0 : std::isnan(x) ? 1 : -1;
    return x < y ? -1 : x > y ? 1 : 0;
  };
  for (CmpOp op : {CmpOp::Eq, CmpOp::Ne, CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge}) {
    std::string want;
    for (int64_t i = 0; i < n; ++i) {
      if (!av[size_t(i)]) { want += 'n'; continue; }
      const int c = order(*av[size_t(i)], *bv[size_t(i)]);
      const bool r = op == CmpOp::Eq ? c == 0 : op == CmpOp::Ne ? c != 0 : op == CmpOp::Lt ? c < 0
                   : op == CmpOp::Le ? c <= 0 : op == CmpOp::Gt ? c > 0 : c >= 0;
      want += r ? 't' : 'f';
    }
    CHECK(tri(compare(op, a, b, n)) == want);
    // against a constant (the scan's filters)
    std::string wc;
    for (int64_t i = 0; i < n; ++i) {
      if (!av[size_t(i)]) { wc += 'n'; continue; }
      const int c = order(*av[size_t(i)], 0.0);
      wc += (op == CmpOp::Eq ? c == 0 : op == CmpOp::Ne ? c != 0 : op == CmpOp::Lt ? c < 0
             : op == CmpOp::Le ? c <= 0 : op == CmpOp::Gt ? c > 0 : c >= 0) ? 't' : 'f';
    }
    CHECK(tri(compare(op, a, cst<double>(TypeId::Double, 0.0), n)) == wc);
  }
  // integers over more than one block of 64
  std::vector<std::optional<int64_t>> li;
  for (int i = 0; i < 150; ++i) li.push_back(i % 11 == 4 ? std::optional<int64_t>() : std::optional<int64_t>((i * 37) % 101 - 50));
  Vec l = fixed<int64_t>(TypeId::Long, li);
  for (CmpOp op : {CmpOp::Lt, CmpOp::Ge, CmpOp::Eq}) {
    std::string want;
    for (const auto& v : li) {
      if (!v) { want += 'n'; continue; }
      want += (op == CmpOp::Lt ? *v < 7 : op == CmpOp::Ge ? *v >= 7 : *v == 7) ? 't' : 'f';
    }
    CHECK(tri(compare(op, l, cst<int64_t>(TypeId::Long, 7), 150)) == want);
  }
  // columns without NULLs: IS NULL all false, AND of value bytes, the selection word by word
  std::vector<std::optional<bool>> xs, ys;
  for (int i = 0; i < 150; ++i) { xs.push_back(i % 3 != 0); ys.push_back(i % 5 != 1); }
  Vec x = bools(xs), y = bools(ys);
  CHECK(tri(is_null(x, 150)) == std::string(150, 'f'));
  CHECK(tri(is_not_null(x, 150)) == std::string(150, 't'));
  CHECK(tri(is_not_null(x, 13)) == std::string(13, 't'));
  CHECK(tri(is_not_null(const_null(bool_type()), 5)) == "fffff");
  Vec both = logical_and(x, y, 150);
  CHECK(both.col->validity == nullptr);
  SelVec want;
  for (int i = 0; i < 150; ++i)
    if (i % 3 != 0 && i % 5 != 1) want.push_back(i);
  CHECK(select_true(both, 150, nullptr) == want);
  Vec either = logical_or(x, y, 150);
  CHECK(select_true(either, 150, nullptr).size() == 150 - 150 / 15);
  CHECK(count_true(both, 150) == int64_t(want.size()));  // whole words, then the tail
  CHECK(count_true(either, 150) == 150 - 150 / 15);
  CHECK(count_true(both, 64) == int64_t(select_true(both, 64, nullptr).size()));
  // NULLs are not true, a NULL's value bit notwithstanding; a constant counts all or none
  std::vector<std::optional<bool>> zs;
  for (int i = 0; i < 130; ++i) zs.push_back(i % 7 == 0 ? std::optional<bool>() : std::optional<bool>(i % 2 == 0));
  Vec z = bools(zs);
  CHECK(count_true(z, 130) == int64_t(select_true(z, 130, nullptr).size()));
  ColumnBuilder tb(bool_type());
  tb.append_bool(true);
  CHECK(count_true(Vec::constant_of(tb.finish()), 9) == 9);
  // IS NULL over a validity bitmap longer than a byte
  std::vector<std::optional<int32_t>> is;
  for (int i = 0; i < 21; ++i) is.push_back(i % 4 == 2 ? std::optional<int32_t>() : std::optional<int32_t>(i));
  std::string wn;
  for (int i = 0; i < 21; ++i) wn += i % 4 == 2 ? 't' : 'f';
  CHECK(tri(is_null(fixed<int32_t>(TypeId::Int, is), 21)) == wn);
  std::string wnn;
  for (char ch : wn) wnn += ch == 't' ? 'f' : 't';
  CHECK(tri(is_not_null(fixed<int32_t>(TypeId::Int, is), 21)) == wnn);
}

TEST_CASE("sql kernels: three-valued logic, IS NULL, IN") {
  Vec x = bools({true, true, true, false, false, false, std::nullopt, std::nullopt, std::nullopt});
  Vec y = bools({true, false, std::nullopt, true, false, std::nullopt, true, false, std::nullopt});
  CHECK(tri(logical_and(x, y, 9)) == "tfnfffnfn");
  CHECK(tri(logical_or(x, y, 9)) == "ttttfntnn");
  CHECK(tri(logical_not(x, 9)) == "fffttt" "nnn");
  CHECK(tri(is_null(y, 9)) == "fftfftfft");
  CHECK(tri(logical_and(x, const_bool(false), 9)) == "fffffffff");
  CHECK(tri(logical_or(x, const_null(bool_type()), 9)) == "tttnnnnnn");
  // A slice starting mid-byte.
  Vec xs = Vec::flat(col::slice(x.col, 3, 6));
  CHECK(tri(logical_and(xs, const_bool(true), 6)) == "fffnnn");
  Vec v = fixed<int32_t>(TypeId::Int, {1, 2, 3, std::nullopt});
  CHECK(tri(in_list(v, {cst<int32_t>(TypeId::Int, 1), cst<int32_t>(TypeId::Int, 3)}, 4)) == "tftn");
  // x IN (1, NULL): true on a match, else NULL.
  CHECK(tri(in_list(v, {cst<int32_t>(TypeId::Int, 1), const_null(type_of(TypeId::Int))}, 4)) == "tnnn");
  SelVec sel = select_true(logical_or(x, y, 9), 9, nullptr);
  CHECK(sel == SelVec{0, 1, 2, 3, 6});
  SelVec pre = {1, 2, 4, 6};
  CHECK(select_true(logical_or(x, y, 9), 9, &pre) == SelVec{1, 2, 6});
}

TEST_CASE("sql kernels: CASE WHEN and coalesce") {
  Vec c1 = bools({true, false, std::nullopt, false});
  Vec c2 = bools({false, true, true, false});
  Vec v1 = strs({"a1", "a2", "a3", "a4"});
  Vec v2 = Vec::constant_of(strs({"two"}).col);
  auto r = case_when({c1, c2}, {v1, v2}, const_null(type_of(TypeId::String)), type_of(TypeId::String), 4);
  CHECK(r.col->str(0) == "a1");
  CHECK(r.col->str(1) == "two");
  CHECK(r.col->str(2) == "two");  // NULL condition is not true
  CHECK(r.col->is_null(3));
  Vec a = fixed<int64_t>(TypeId::Long, {std::nullopt, 2, std::nullopt});
  Vec b = fixed<int64_t>(TypeId::Long, {1, 3, std::nullopt});
  auto co = coalesce({a, b, cst<int64_t>(TypeId::Long, 9)}, type_of(TypeId::Long), 3);
  CHECK(co.col->vals<int64_t>()[0] == 1);
  CHECK(co.col->vals<int64_t>()[1] == 2);
  CHECK(co.col->vals<int64_t>()[2] == 9);
  CHECK(co.col->null_count == 0);
}

TEST_CASE("sql kernels: Spark's Murmur3 hash values") {
  // Spark's values (published in other Spark-compatible engines' tests).
  CHECK(murmur3_int(1, 42) == -559580957);                     // hash(1)
  CHECK(murmur3_int(0, 42) == 933211791);                      // hash(0)
  CHECK(murmur3_long(1, 42) == -1712319331);                   // hash(1L)
  CHECK(murmur3_long(0, 42) == -1670924195);                   // hash(0L)
  CHECK(murmur3_bytes("hello world", 42) == -1528836094);      // hash('hello world'): 3-byte tail
  CHECK(hash({fixed<double>(TypeId::Double, {123.456})}, 1).col->vals<int32_t>()[0] == -39269148);
  CHECK(hash({bools({true})}, 1).col->vals<int32_t>()[0] == -559580957);
  Vec d = fixed<double>(TypeId::Double, {0.0, -0.0});
  auto h = hash({d}, 2);
  CHECK(h.col->vals<int32_t>()[0] == h.col->vals<int32_t>()[1]);  // -0.0 hashes as 0.0
  // Folding: hash(1, 'abc') = hash of 'abc' seeded with hash(1); NULL leaves the seed.
  Vec i = fixed<int32_t>(TypeId::Int, {1, std::nullopt});
  Vec s = strs({"abc", "abc"});
  auto hf = hash({i, s}, 2);
  CHECK(hf.col->vals<int32_t>()[0] == murmur3_bytes("abc", murmur3_int(1, 42)));
  CHECK(hf.col->vals<int32_t>()[1] == murmur3_bytes("abc", 42));
  auto parts = hash_partition({i}, 2, 200);
  CHECK(parts[0] == ((-559580957 % 200) + 200) % 200);
  CHECK(parts[1] == 42 % 200);
}

TEST_CASE("sql kernels: IN of constants in one pass equals the OR of equalities (strings by length, hash set, integral search)") {
  // The reference: one equality per list value, ORed (what in_list does for other shapes).
  auto ored = [](const Vec& x, const std::vector<Vec>& list, int64_t n) {
    Vec acc = compare(CmpOp::Eq, x, list[0], n);
    for (size_t i = 1; i < list.size(); ++i) acc = logical_or(acc, compare(CmpOp::Eq, x, list[i], n), n);
    return tri(acc);
  };
  auto s = [](const std::string& v) {
    ColumnBuilder b(type_of(TypeId::String));
    b.append_str(v);
    return Vec::constant_of(b.finish());
  };
  const std::string long_a(70, 'a'), long_b = std::string(69, 'a') + "b";
  std::vector<std::optional<std::string>> rows = {"MAIL", "SHIP", "", std::nullopt, "AIR", "AIR REG", long_a, long_b, "MAI",
                                                  "MAILS", "é", "ship"};
  for (int i = 0; i < 60; ++i) rows.push_back("v" + std::to_string(i % 25));
  Vec x = strs(rows);
  const int64_t n = int64_t(rows.size());
  std::vector<Vec> few = {s("MAIL"), s("SHIP"), s(""), s("AIR REG"), s(long_a), s("MAIL"), s("é")};
  CHECK(tri(in_list(x, few, n)) == ored(x, few, n));
  CHECK(tri(in_list(x, few, n)).substr(0, 12) == "tttnfttffftf");  // "ship" is not "SHIP"
  std::vector<Vec> many;
  for (int i = 0; i < 40; i += 2) many.push_back(s("v" + std::to_string(i)));
  many.push_back(s(long_b));
  CHECK(many.size() > 16);
  CHECK(tri(in_list(x, many, n)) == ored(x, many, n));
  // A slice: row 0 of the view is row 5 of the column.
  Vec xs = Vec::flat(col::slice(x.col, 5, 20));
  CHECK(tri(in_list(xs, few, 20)) == ored(xs, few, 20));
  // Integral: up to 16 values scanned, more searched; NULL rows stay NULL; extremes.
  std::vector<std::optional<int64_t>> iv = {0, 1, -1, std::nullopt, INT64_MIN, INT64_MAX, 17, 40, 41};
  for (int i = 0; i < 100; ++i) iv.push_back(i * 3 - 50);
  Vec xi = fixed<int64_t>(TypeId::Long, iv);
  const int64_t ni = int64_t(iv.size());
  std::vector<Vec> four = {cst<int64_t>(TypeId::Long, 1), cst<int64_t>(TypeId::Long, INT64_MIN), cst<int64_t>(TypeId::Long, 40),
                           cst<int64_t>(TypeId::Long, 1)};
  CHECK(tri(in_list(xi, four, ni)) == ored(xi, four, ni));
  CHECK(tri(in_list(xi, four, ni)).substr(0, 6) == "ftfntf");
  std::vector<Vec> lots;
  for (int i = -60; i < 60; i += 7) lots.push_back(cst<int64_t>(TypeId::Long, i));
  lots.push_back(cst<int64_t>(TypeId::Long, INT64_MAX));
  CHECK(lots.size() > 16);
  CHECK(tri(in_list(xi, lots, ni)) == ored(xi, lots, ni));
}
