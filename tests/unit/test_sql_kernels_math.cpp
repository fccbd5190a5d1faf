// Library math and digest kernels (math_fns, digest_fns) vs Spark 3.5: asymptote NULLs, ceil
// to bigint/decimal, greatest/least with NULLs and NaN, NumberConverter, Java shifts, xxhash64
// and digests against Spark's documented values.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <optional>

#include "sql/columnar/builder.h"
#include "sql/kernels/date_fns.h"
#include "sql/kernels/digest_fns.h"
#include "sql/kernels/math_fns.h"

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
Vec strs(std::vector<std::optional<std::string>> vals) {
  ColumnBuilder b(type_of(TypeId::String));
  for (auto& v : vals) v ? b.append_str(*v) : b.append_null();
  return Vec::flat(b.finish());
}
template <typename T>
Vec cst(TypeId id, T v) { return Vec::constant_of(fixed<T>(id, {v}).col); }
template <typename T>
std::vector<std::optional<T>> vals(const Vec& v) {
  std::vector<std::optional<T>> r;
  for (int64_t i = 0; i < v.col->length; ++i)
    r.push_back(v.col->is_null(i) ? std::nullopt : std::optional<T>(v.col->vals<T>()[i]));
  return r;
}
std::vector<std::string> sout(const Vec& v) {
  std::vector<std::string> r;
  for (int64_t i = 0; i < v.col->length; ++i) r.push_back(v.col->is_null(i) ? "NULL" : std::string(v.col->str(i)));
  return r;
}
using V = std::vector<std::string>;
}  // namespace

TEST_CASE("sql kernels math: unary doubles, logarithm asymptotes, Spark's formulas") {
  auto x = fixed<double>(TypeId::Double, {8.0, 0.0, -1.0, std::nullopt, -0.0});
  auto l2 = vals<double>(math_unary(MathFn::Log2, x, 5));
  CHECK(*l2[0] == std::log(8.0) / std::log(2.0));
  CHECK((!l2[1] && !l2[2] && !l2[3] && !l2[4]));  // x <= 0 -> NULL
  auto l1p = vals<double>(math_unary(MathFn::Log1p, x, 5));
  CHECK((l1p[1] && *l1p[1] == 0.0 && !l1p[2]));  // log1p(-1) -> NULL
  auto sg = vals<double>(math_unary(MathFn::Signum, x, 5));
  CHECK((*sg[0] == 1.0 && *sg[2] == -1.0 && std::signbit(*sg[4])));
  auto as = vals<double>(math_unary(MathFn::Asinh, fixed<double>(TypeId::Double, {-INFINITY, 1.0}), 2));
  CHECK((*as[0] == -INFINITY && *as[1] == std::log(1.0 + std::sqrt(2.0))));
  auto cb = vals<double>(math_unary(MathFn::Cbrt, fixed<double>(TypeId::Double, {27.0, -8.0, -0.0, 1e-300}), 4));
  CHECK((*cb[0] == 3.0 && *cb[1] == -2.0 && std::signbit(*cb[2]) && *cb[3] == 1e-100));  // exact, as Java's cbrt
  CHECK(*vals<double>(math_unary(MathFn::Degrees, fixed<double>(TypeId::Double, {1.0}), 1))[0] == 57.29577951308232);
  auto at = vals<double>(math_binary(MathFn2::Atan2, cst<double>(TypeId::Double, -0.0), cst<double>(TypeId::Double, -1.0), 1));
  CHECK(*at[0] == M_PI);  // -0.0 normalised to 0.0 as Spark adds 0.0
  auto lg = vals<double>(math_binary(MathFn2::Log, cst<double>(TypeId::Double, 10.0), fixed<double>(TypeId::Double, {100.0, 0.0}), 2));
  CHECK((*lg[0] == std::log(100.0) / std::log(10.0) && !lg[1]));
}

TEST_CASE("sql kernels math: ceil/floor, greatest/least, pmod-free helpers") {
  auto d = fixed<double>(TypeId::Double, {2.5, -2.5, NAN, 1e300, std::nullopt});
  CHECK(vals<int64_t>(ceil_floor(true, d, type_of(TypeId::Long), 5)) ==
        std::vector<std::optional<int64_t>>{3, -2, 0, std::numeric_limits<int64_t>::max(), std::nullopt});
  CHECK(vals<int64_t>(ceil_floor(false, d, type_of(TypeId::Long), 5)) ==
        std::vector<std::optional<int64_t>>{2, -3, 0, std::numeric_limits<int64_t>::max(), std::nullopt});
  ColumnBuilder db(col::make_type(col::ColType::decimal(5, 2)));
  db.append_decimal(-250);
  db.append_decimal(251);
  auto dc = ceil_floor(false, Vec::flat(db.finish()), col::make_type(col::ColType::decimal(4, 0)), 2);
  CHECK((dc.col->dec_at(0) == -3 && dc.col->dec_at(1) == 2));
  auto a = fixed<double>(TypeId::Double, {1.0, std::nullopt, std::nullopt, NAN});
  auto b = fixed<double>(TypeId::Double, {2.0, 5.0, std::nullopt, 3.0});
  auto g = vals<double>(greatest_least(true, {a, b}, type_of(TypeId::Double), 4));
  CHECK((*g[0] == 2.0 && *g[1] == 5.0 && !g[2] && std::isnan(*g[3])));  // NULLs skipped, NaN largest
  auto lst = vals<double>(greatest_least(false, {a, b}, type_of(TypeId::Double), 4));
  CHECK((*lst[0] == 1.0 && *lst[3] == 3.0));
  CHECK(sout(greatest_least(false, {strs({"b", std::nullopt}), strs({"a", std::nullopt})}, type_of(TypeId::String), 2)) ==
        V{"a", "NULL"});
}

TEST_CASE("sql kernels math: hex/unhex/bin/conv (NumberConverter), shifts, factorial, nanvl") {
  auto l = fixed<int64_t>(TypeId::Long, {255, -1, 0});
  CHECK(sout(hex(l, 3)) == V{"FF", "FFFFFFFFFFFFFFFF", "0"});
  CHECK(sout(bin(l, 3)) == V{"11111111", std::string(64, '1'), "0"});
  CHECK(sout(unhex(strs({"537061726B", "F", "GG"}), 3)) == V{"Spark", "\x0f", "NULL"});
  auto s = strs({"100", "-10", "FFFFFFFFFFFFFFFFFF", " 12z", "", std::nullopt});
  CHECK(sout(conv(s, cst<int32_t>(TypeId::Int, 16), cst<int32_t>(TypeId::Int, 10), 6)) ==
        V{"256", "18446744073709551600", "18446744073709551615", "18", "NULL", "NULL"});
  CHECK(sout(conv(s, cst<int32_t>(TypeId::Int, 10), cst<int32_t>(TypeId::Int, -16), 6)) ==
        V{"64", "-A", "0", "C", "NULL", "NULL"});
  CHECK(sout(conv(s, cst<int32_t>(TypeId::Int, 37), cst<int32_t>(TypeId::Int, 10), 6))[0] == "NULL");
  auto i = fixed<int32_t>(TypeId::Int, {-8, 1});
  CHECK(vals<int32_t>(shift(Shift::RightUnsigned, i, cst<int32_t>(TypeId::Int, 1), 2)) ==
        std::vector<std::optional<int32_t>>{2147483644, 0});
  CHECK(vals<int32_t>(shift(Shift::Left, i, cst<int32_t>(TypeId::Int, 33), 2)) ==  // distance masked to 1
        std::vector<std::optional<int32_t>>{-16, 2});
  CHECK(vals<int64_t>(factorial(fixed<int32_t>(TypeId::Int, {20, 21, -1, 0}), 4)) ==
        std::vector<std::optional<int64_t>>{2432902008176640000LL, std::nullopt, std::nullopt, 1});
  auto nv = vals<double>(nanvl(fixed<double>(TypeId::Double, {NAN, 1.0, NAN}), fixed<double>(TypeId::Double, {2.0, 9.0, std::nullopt}), 3));
  CHECK((*nv[0] == 2.0 && *nv[1] == 1.0 && !nv[2]));
}

TEST_CASE("sql kernels digests: xxhash64 and digests as Spark documents them") {
  ColumnBuilder ab(col::make_type(col::ColType::array(col::ColType::scalar(TypeId::Int), true)));
  ab.child(0).append<int32_t>(123);
  ab.finish_list();
  Vec arr = Vec::constant_of(ab.finish());
  auto h = vals<int64_t>(xxhash64({Vec::constant_of(strs({"Spark"}).col), arr, cst<int32_t>(TypeId::Int, 2)}, 1));
  CHECK(*h[0] == 5602566077635097486LL);  // SELECT xxhash64('Spark', array(123), 2)
  CHECK(*vals<int64_t>(xxhash64({fixed<int32_t>(TypeId::Int, {std::nullopt})}, 1))[0] == 42);  // NULL keeps the seed
  auto s = strs({"Spark", std::nullopt});
  CHECK(sout(md5(s, 2)) == V{"8cde774d6f7333752ed72cacddb05126", "NULL"});
  CHECK(sout(sha1(s, 2))[0] == "85f5955f4b27a9a4c2aab6ffe5d7189fc298b92c");
  CHECK(sout(sha2(s, cst<int32_t>(TypeId::Int, 256), 2))[0] == "529bc3b07127ecb7e53a4dcf1991d9152c24537d919178022b2c42657f79a26b");
  CHECK(sout(sha2(s, cst<int32_t>(TypeId::Int, 100), 2))[0] == "NULL");
  CHECK(*vals<int64_t>(crc32(s, 2))[0] == 1557323817);
}

TEST_CASE("sql kernels dates: dayofweek, dayofyear, quarter, ISO weekofyear") {
  // 1970-01-01 (Thu), 2024-02-29 (Thu, leap day), 2021-01-03 (Sun, ISO week 53 of 2020),
  // 2024-12-30 (Mon, ISO week 1 of 2025), 1969-12-31 (Wed), NULL.
  auto d = fixed<int32_t>(TypeId::Date, {0, 19782, 18630, 20087, -1, std::nullopt});
  using O = std::vector<std::optional<int32_t>>;
  CHECK(vals<int32_t>(date_field(d, DateField::DayOfWeek, 6)) == O{5, 5, 1, 2, 4, std::nullopt});
  CHECK(vals<int32_t>(date_field(d, DateField::DayOfYear, 6)) == O{1, 60, 3, 365, 365, std::nullopt});
  CHECK(vals<int32_t>(date_field(d, DateField::Quarter, 6)) == O{1, 1, 1, 4, 4, std::nullopt});
  CHECK(vals<int32_t>(date_field(d, DateField::WeekOfYear, 6)) == O{1, 9, 53, 1, 1, std::nullopt});
}
