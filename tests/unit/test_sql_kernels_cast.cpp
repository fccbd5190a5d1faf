// CAST and string kernels vs Spark 3.5 (non-ANSI): string->number/bool/date/timestamp rules,
// number->string as Java prints, narrowing, decimals; upper/lower/length/trim/substring/concat,
// LIKE, RLIKE, split.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <optional>

#include "sql/columnar/builder.h"
#include "sql/kernels/cast.h"
#include "sql/kernels/string_fns.h"

using namespace spp::sql;
using namespace spp::sql::kern;
using col::ColumnBuilder;

namespace {
Vec strs(std::vector<std::optional<std::string>> vals) {
  ColumnBuilder b(type_of(TypeId::String));
  for (auto& v : vals) v ? b.append_str(*v) : b.append_null();
  return Vec::flat(b.finish());
}
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
Vec cstr(std::string s) { return Vec::constant_of(strs({s}).col); }
std::string s_at(const Vec& v, int64_t i) { return v.col->is_null(i) ? "NULL" : std::string(v.col->str(i)); }
}  // namespace

TEST_CASE("sql kernels cast: string -> integral / double / boolean") {
  CHECK(parse_integral(" 12 ") == 12);
  CHECK(parse_integral("12.5") == 12);
  CHECK(parse_integral("-12.") == -12);
  CHECK(parse_integral("+7") == 7);
  CHECK(!parse_integral("abc"));
  CHECK(!parse_integral("1e3"));
  CHECK(!parse_integral(""));
  CHECK(!parse_integral("12.5x"));
  CHECK(parse_integral("-9223372036854775808") == std::numeric_limits<int64_t>::min());
  CHECK(!parse_integral("9223372036854775808"));
  Vec s = strs({"1", " 300 ", "x", std::nullopt, "2147483648"});
  auto b = cast(s, type_of(TypeId::Byte), 5);
  CHECK(b.col->vals<int8_t>()[0] == 1);
  CHECK(b.col->is_null(1));  // 300 out of byte range -> NULL
  CHECK(b.col->is_null(2));
  CHECK(b.col->is_null(3));
  auto i = cast(s, type_of(TypeId::Int), 5);
  CHECK(i.col->vals<int32_t>()[1] == 300);
  CHECK(i.col->is_null(4));
  CHECK(parse_double("1e3") == 1000.0);
  CHECK(std::isnan(*parse_double("NaN")));
  CHECK(parse_double("-Infinity") == -std::numeric_limits<double>::infinity());
  CHECK(parse_double("inf") == std::numeric_limits<double>::infinity());
  CHECK(parse_double(" 1.5d ") == 1.5);
  CHECK(!parse_double("1.5x"));
  CHECK(!parse_double("."));
  CHECK(parse_bool(" YES ") == true);
  CHECK(parse_bool("0") == false);
  CHECK(!parse_bool("maybe"));
}

TEST_CASE("sql kernels cast: dates and timestamps") {
  CHECK(parse_date("2024-01-15") == days_from_civil(2024, 1, 15));
  CHECK(parse_date("2024") == days_from_civil(2024, 1, 1));
  CHECK(parse_date("2024-3") == days_from_civil(2024, 3, 1));
  CHECK(parse_date("2024-03-05T10:00") == days_from_civil(2024, 3, 5));
  CHECK(parse_date("2024-03-05 anything") == days_from_civil(2024, 3, 5));
  CHECK(!parse_date("2024-02-30"));
  CHECK(!parse_date("24-01-01"));
  CHECK(!parse_date("2024/01/01"));
  CHECK(parse_date("1970-01-01") == 0);
  CHECK(date_to_string(-1) == "1969-12-31");
  CHECK(date_to_string(19737) == "2024-01-15");
  CHECK(parse_timestamp("1970-01-01 00:00:01", 0) == 1000000);
  CHECK(parse_timestamp("1970-01-01T00:00:01.5Z", 0) == 1500000);
  CHECK(parse_timestamp("1970-01-01 01:00:00+01:00", 0) == 0);
  CHECK(parse_timestamp("1970-01-01 01:00:00", 3600) == 0);  // session zone +01:00
  CHECK(!parse_timestamp("1970-01-01 25:00:00", 0));
  CHECK(timestamp_to_string(0, 0) == "1970-01-01 00:00:00");
  CHECK(timestamp_to_string(500000, 0) == "1970-01-01 00:00:00.5");
  CHECK(timestamp_to_string(123456, 0) == "1970-01-01 00:00:00.123456");
  CHECK(timestamp_to_string(-1, 0) == "1969-12-31 23:59:59.999999");
  auto d = cast(fixed<int32_t>(TypeId::Date, {1}), type_of(TypeId::Timestamp), 1);
  CHECK(d.col->vals<int64_t>()[0] == 86400000000LL);
  auto back = cast(fixed<int64_t>(TypeId::Timestamp, {-1}), type_of(TypeId::Date), 1);
  CHECK(back.col->vals<int32_t>()[0] == -1);
}

TEST_CASE("sql kernels cast: numbers to strings as Spark prints them") {
  CHECK(double_to_string(1.0) == "1.0");
  CHECK(double_to_string(0.1) == "0.1");
  CHECK(double_to_string(1e7) == "1.0E7");
  CHECK(double_to_string(1e10) == "1.0E10");
  CHECK(double_to_string(1234567.0) == "1234567.0");
  CHECK(double_to_string(0.001) == "0.001");
  CHECK(double_to_string(0.0001) == "1.0E-4");
  CHECK(double_to_string(-1.5e-7) == "-1.5E-7");
  CHECK(double_to_string(123.456) == "123.456");
  CHECK(double_to_string(-0.0) == "-0.0");
  CHECK(double_to_string(std::nan("")) == "NaN");
  CHECK(double_to_string(-std::numeric_limits<double>::infinity()) == "-Infinity");
  CHECK(float_to_string(0.1f) == "0.1");
  CHECK(float_to_string(1e10f) == "1.0E10");
  auto s = cast(fixed<int64_t>(TypeId::Long, {-5, std::nullopt}), type_of(TypeId::String), 2);
  CHECK(s_at(s, 0) == "-5");
  CHECK(s_at(s, 1) == "NULL");
  ColumnBuilder db(col::make_type(ColType::decimal(20, 10)));
  db.append_decimal(1);
  db.append_decimal(12345);
  auto ds = cast(Vec::flat(db.finish()), type_of(TypeId::String), 2);
  CHECK(s_at(ds, 0) == "1E-10");  // BigDecimal.toString
  CHECK(s_at(ds, 1) == "0.0000012345");
  ColumnBuilder ab(col::make_type(ColType::array(ColType::scalar(TypeId::Int))));
  ab.child(0).append<int32_t>(1);
  ab.child(0).append_null();
  ab.finish_list();
  CHECK(s_at(cast(Vec::flat(ab.finish()), type_of(TypeId::String), 1), 0) == "[1, null]");
}

TEST_CASE("sql kernels cast: day-time intervals as Spark's ANSI strings") {
  const int64_t s = 1000000, day = 86400 * s;
  CHECK(day_time_interval_string(day + 12 * 3600 * s + 30 * 60 * s + 1001001, 0, 3) ==
        "INTERVAL '1 12:30:01.001001' DAY TO SECOND");
  CHECK(day_time_interval_string(0, 0, 3) == "INTERVAL '0 00:00:00' DAY TO SECOND");
  CHECK(day_time_interval_string(-2 * day + s / 2, 0, 3) == "INTERVAL '-1 23:59:59.5' DAY TO SECOND");
  CHECK(day_time_interval_string(3 * day, 0, 0) == "INTERVAL '3' DAY");
  CHECK(day_time_interval_string(26 * 3600 * s, 0, 1) == "INTERVAL '1 02' DAY TO HOUR");
  CHECK(day_time_interval_string(123 * 60 * s, 1, 2) == "INTERVAL '02:03' HOUR TO MINUTE");
  CHECK(day_time_interval_string(-90 * s, 3, 3) == "INTERVAL '-90' SECOND");
  CHECK(day_time_interval_string(5 * s, 3, 3) == "INTERVAL '05' SECOND");
  CHECK(day_time_interval_string(61 * s + 250000, 2, 3) == "INTERVAL '01:01.25' MINUTE TO SECOND");
  CHECK(day_time_interval_string(std::numeric_limits<int64_t>::min(), 0, 3) ==
        "INTERVAL '-106751991 04:00:54.775808' DAY TO SECOND");
}

TEST_CASE("sql kernels cast: numeric narrowing, doubles to integral, decimals, booleans") {
  auto w = cast(fixed<int64_t>(TypeId::Long, {4294967297LL, -1}), type_of(TypeId::Int), 2);
  CHECK(w.col->vals<int32_t>()[0] == 1);  // low bits kept
  CHECK(w.col->vals<int32_t>()[1] == -1);
  double nan = std::nan("");
  auto t = cast(fixed<double>(TypeId::Double, {-1.9, nan, 1e20, -1e20, 300.7}), type_of(TypeId::Int), 5);
  CHECK(t.col->vals<int32_t>()[0] == -1);
  CHECK(t.col->vals<int32_t>()[1] == 0);
  CHECK(t.col->vals<int32_t>()[2] == std::numeric_limits<int32_t>::max());
  CHECK(t.col->vals<int32_t>()[3] == std::numeric_limits<int32_t>::min());
  auto by = cast(fixed<double>(TypeId::Double, {300.7}), type_of(TypeId::Byte), 1);
  CHECK(by.col->vals<int8_t>()[0] == 44);  // (byte)(int)300.7
  auto dc = cast(fixed<int32_t>(TypeId::Int, {123, 100000}), col::make_type(ColType::decimal(5, 2)), 2);
  CHECK(dc.col->dec_at(0) == 12300);
  CHECK(dc.col->is_null(1));  // does not fit decimal(5,2)
  auto fd = cast(fixed<double>(TypeId::Double, {2.675}), col::make_type(ColType::decimal(10, 2)), 1);
  CHECK(fd.col->dec_at(0) == 268);  // via the decimal string 2.675, HALF_UP
  auto back = cast(dc, type_of(TypeId::Double), 2);
  CHECK(back.col->vals<double>()[0] == 123.0);
  auto trunc = cast(Vec::flat(cast(fixed<double>(TypeId::Double, {-7.9}), col::make_type(ColType::decimal(10, 2)), 1).col),
                    type_of(TypeId::Long), 1);
  CHECK(trunc.col->vals<int64_t>()[0] == -7);
  auto bl = cast(fixed<int32_t>(TypeId::Int, {0, 5}), bool_type(), 2);
  CHECK(!bl.col->bool_at(0));
  CHECK(bl.col->bool_at(1));
  auto sd = cast(strs({"1.005", "abc"}), col::make_type(ColType::decimal(5, 2)), 2);
  CHECK(sd.col->dec_at(0) == 101);
  CHECK(sd.col->is_null(1));
  auto ts = cast(fixed<int32_t>(TypeId::Int, {2}), type_of(TypeId::Timestamp), 1);
  CHECK(ts.col->vals<int64_t>()[0] == 2000000);
}

TEST_CASE("sql kernels strings: case, length, trim, substring, concat") {
  Vec s = strs({"Spark SQL", "\xc3\xa9t\xc3\xa9", "  pad  ", std::nullopt, ""});
  auto u = upper(s, 5);
  CHECK(s_at(u, 0) == "SPARK SQL");
  CHECK(s_at(u, 1) == "\xc3\x89T\xc3\x89");  // été -> ÉTÉ
  CHECK(s_at(u, 3) == "NULL");
  CHECK(s_at(lower(s, 5), 0) == "spark sql");
  auto l = length(s, 5);
  CHECK(l.col->vals<int32_t>()[1] == 3);  // characters, not bytes
  CHECK(l.col->vals<int32_t>()[2] == 7);
  CHECK(l.col->is_null(3));
  CHECK(s_at(trim(s, 5), 2) == "pad");
  CHECK(s_at(ltrim(s, 5), 2) == "pad  ");
  CHECK(s_at(rtrim(s, 5), 2) == "  pad");
  auto sub = [&](int pos, int len) { return s_at(substring(s, cst<int32_t>(TypeId::Int, pos), cst<int32_t>(TypeId::Int, len), 5), 0); };
  CHECK(sub(1, 5) == "Spark");
  CHECK(sub(0, 5) == "Spark");  // pos 0 acts as 1
  CHECK(sub(-3, 3) == "SQL");
  CHECK(sub(7, 100) == "SQL");
  CHECK(sub(3, 0) == "");
  CHECK(sub(-100, 3) == "");
  CHECK(s_at(substring(s, cst<int32_t>(TypeId::Int, 2), cst<int32_t>(TypeId::Int, 1), 5), 1) == "t");
  auto c = concat({s, cstr("!")}, 5);
  CHECK(s_at(c, 0) == "Spark SQL!");
  CHECK(s_at(c, 3) == "NULL");
  auto ws = concat_ws(cstr("-"), {s, cstr("x"), strs({std::nullopt, "b", "c", "d", "e"})}, 5);
  CHECK(s_at(ws, 0) == "Spark SQL-x");
  CHECK(s_at(ws, 3) == "x-d");  // NULLs skipped
  auto sw = starts_with(s, cstr("Sp"), 5);
  CHECK(sw.col->bool_at(0));
  CHECK(!sw.col->bool_at(1));
  CHECK(sw.col->is_null(3));
  CHECK(ends_with(s, cstr("SQL"), 5).col->bool_at(0));
  CHECK(contains(s, cstr("k S"), 5).col->bool_at(0));
  CHECK(contains(s, cstr(""), 5).col->bool_at(4));
}

TEST_CASE("sql kernels strings: LIKE, RLIKE, split") {
  CHECK(LikeMatcher("a%").matches("abc"));
  CHECK(!LikeMatcher("a%").matches("bac"));
  CHECK(LikeMatcher("%b%").matches("abc"));
  CHECK(LikeMatcher("a_c").matches("abc"));
  CHECK(LikeMatcher("a_c").matches("a\xc3\xa9" "c"));  // _ is one character
  CHECK(!LikeMatcher("a_c").matches("ac"));
  CHECK(LikeMatcher("%").matches(""));
  CHECK(LikeMatcher("a%b%c").matches("aXbYbZc"));
  CHECK(!LikeMatcher("a%b%c").matches("aXbYbZ"));
  CHECK(LikeMatcher("100\\%").matches("100%"));
  CHECK(!LikeMatcher("100\\%").matches("1000"));
  CHECK(LikeMatcher("%ab").matches("aab"));
  Vec s = strs({"apple", "banana", std::nullopt});
  auto lk = like(s, LikeMatcher("%an%"), 3);
  CHECK(!lk.col->bool_at(0));
  CHECK(lk.col->bool_at(1));
  CHECK(lk.col->is_null(2));
  auto re = Regex::compile("^b.n");
  REQUIRE(re.is_ok());
  auto rl = rlike(s, **re, 3);
  CHECK(!rl.col->bool_at(0));
  CHECK(rl.col->bool_at(1));
  CHECK(rl.col->is_null(2));
  CHECK(!Regex::compile("(unclosed").is_ok());
  auto comma = Regex::compile(",");
  REQUIRE(comma.is_ok());
  auto parts = (*comma)->split("a,b,,", -1);
  REQUIRE(parts.size() == 4);  // trailing empty strings kept
  CHECK(parts[3] == "");
  CHECK((*comma)->split("a,b,c", 2).size() == 2);
  CHECK((*comma)->split("a,b,c", 2)[1] == "b,c");
  CHECK((*comma)->split("", -1).size() == 1);
  auto sp = split(strs({"a b", std::nullopt}), **Regex::compile(" "), -1, 2);
  CHECK(sp.col->offsets()[1] == 2);
  CHECK(sp.col->is_null(1));
  CHECK(sp.col->children[0]->str(1) == "b");
  // Patterns without metacharacters take a direct search: the same pieces as the regex engine.
  for (auto [lit, re_form] : {std::pair{" ", "[ ]"}, std::pair{"::", "(?:::)"}, std::pair{"ab", "a(?=b)b"}}) {
    auto l = Regex::compile(lit), r = Regex::compile(re_form);
    REQUIRE((l.is_ok() && r.is_ok()));
    for (const char* x : {"", " ", "  a  b ", "::a::::b::", "abab", "xaby", "no sep", "\xc3\xa9 \xc3\xa9"})
      for (int limit : {-1, 0, 1, 2, 3}) {
        auto a = (*l)->split(x, limit), b = (*r)->split(x, limit);
        CHECK_MESSAGE(std::vector<std::string_view>(a) == std::vector<std::string_view>(b),
                      "'" << x << "' by '" << lit << "', limit " << limit);
      }
  }
}

#include "sql/kernels/misc_fns.h"

TEST_CASE("sql kernels misc: round, sqrt, date parts, size, array, getItem, getField") {
  Vec d = fixed<double>(TypeId::Double, {2.675, -2.5, 1234.5678, 0.0049, std::nullopt, 9.995});
  auto r2 = round(d, 2, type_of(TypeId::Double), 6);
  CHECK(r2.col->vals<double>()[0] == 2.68);  // decimal form 2.675, HALF_UP (Python gives 2.67)
  CHECK(r2.col->vals<double>()[1] == -2.5);
  CHECK(r2.col->vals<double>()[2] == 1234.57);
  CHECK(r2.col->vals<double>()[3] == 0.0);
  CHECK(r2.col->is_null(4));
  CHECK(r2.col->vals<double>()[5] == 10.0);
  auto r0 = round(d, 0, type_of(TypeId::Double), 6);
  CHECK(r0.col->vals<double>()[1] == -3.0);  // half away from zero
  CHECK(round(d, -2, type_of(TypeId::Double), 6).col->vals<double>()[2] == 1200.0);
  auto ri = round(fixed<int32_t>(TypeId::Int, {1250, -1250, 1249}), -2, type_of(TypeId::Int), 3);
  CHECK(ri.col->vals<int32_t>()[0] == 1300);
  CHECK(ri.col->vals<int32_t>()[1] == -1300);
  CHECK(ri.col->vals<int32_t>()[2] == 1200);
  ColumnBuilder db(col::make_type(ColType::decimal(10, 3)));
  db.append_decimal(12345);  // 12.345
  auto rd = round(Vec::flat(db.finish()), 2, col::make_type(ColType::decimal(10, 2)), 1);
  CHECK(rd.col->dec_at(0) == 1235);
  auto sq = sqrt(fixed<double>(TypeId::Double, {4.0, -1.0}), 2);
  CHECK(sq.col->vals<double>()[0] == 2.0);
  CHECK(std::isnan(sq.col->vals<double>()[1]));
  Vec dt = fixed<int32_t>(TypeId::Date, {days_from_civil(2024, 2, 29), std::nullopt});
  CHECK(date_part(dt, DatePart::Year, 2).col->vals<int32_t>()[0] == 2024);
  CHECK(date_part(dt, DatePart::Month, 2).col->vals<int32_t>()[0] == 2);
  CHECK(date_part(dt, DatePart::DayOfMonth, 2).col->vals<int32_t>()[0] == 29);
  CHECK(date_part(dt, DatePart::DayOfMonth, 2).col->is_null(1));
  Vec a = fixed<int64_t>(TypeId::Long, {1, std::nullopt, 3});
  Vec b = cst<int64_t>(TypeId::Long, 9);
  auto arr = make_array({a, b}, 3);
  CHECK(value_to_string(*arr.col, 1) == "[null, 9]");
  auto sz = size(arr, 3);
  CHECK(sz.col->vals<int32_t>()[2] == 2);
  Vec nul_arr = Vec::flat(col::make_null_column(arr.col->type, 1));
  CHECK(size(nul_arr, 1).col->vals<int32_t>()[0] == -1);  // size(NULL) = -1 in 3.5
  auto it = get_item(arr, fixed<int32_t>(TypeId::Int, {1, 0, 5}), 3);
  CHECK(it.col->vals<int64_t>()[0] == 9);
  CHECK(it.col->is_null(1));  // the element itself is NULL
  CHECK(it.col->is_null(2));  // out of range -> NULL
  ColumnBuilder mb(col::make_type(ColType::map(ColType::scalar(TypeId::String), ColType::scalar(TypeId::Int))));
  mb.child(0).child(0).append_str("a");
  mb.child(0).child(1).append<int32_t>(1);
  mb.child(0).child(0).append_str("b");
  mb.child(0).child(1).append<int32_t>(2);
  mb.finish_list();
  auto mv = get_item(Vec::flat(mb.finish()), Vec::constant_of(strs({"b"}).col), 1);
  CHECK(mv.col->vals<int32_t>()[0] == 2);
  ColumnBuilder sb(col::make_type(ColType::strct({"x", "y"}, {ColType::scalar(TypeId::Int), ColType::scalar(TypeId::String)})));
  sb.child(0).append<int32_t>(5);
  sb.child(1).append_str("q");
  sb.finish_struct();
  sb.append_null();
  auto f = get_field(Vec::flat(sb.finish()), 1, 2);
  CHECK(f.col->str(0) == "q");
  CHECK(f.col->is_null(1));
}

#include "sql/kernels/xorshift.h"

TEST_CASE("sql kernels: XORShiftRandom reproduces Spark's sequence") {
  // new XORShiftRandom(24).nextDouble() x5 in spark-shell (published with a Spark-compatible port).
  XorShiftRandom r(24);
  const double want[] = {0.3943255396952755, 0.48619924381941027, 0.2923951640552428, 0.33335316633280176, 0.3981939745854918};
  for (double w : want) CHECK(r.next_double() == w);
}

TEST_CASE("sql kernels cast: strings and numbers to ANSI intervals and back (IntervalUtils rules)") {
  auto dt = [](int s, int e) { return col::make_type(col::ColType::interval(TypeId::DayTimeInterval, s, e)); };
  auto ym = [](int s, int e) { return col::make_type(col::ColType::interval(TypeId::YearMonthInterval, s, e)); };
  std::string err;
  CastOptions o;
  o.error = &err;
  auto v = cast(strs({"1 02:03:04.5", " -0 00:00:01.25 ", "INTERVAL -'1 02:00:00' DAY TO SECOND", std::nullopt}),
                dt(0, 3), 4, o);
  CHECK(err.empty());
  CHECK(v.col->vals<int64_t>()[0] == 93784500000LL);
  CHECK(v.col->vals<int64_t>()[1] == -1250000);
  CHECK(v.col->vals<int64_t>()[2] == -93600000000LL);
  CHECK(v.col->is_null(3));
  // '|' is in Spark's sign class ([+|-]) and counts as a plus; fractions beyond µs are cut.
  v = cast(strs({"|5", "12.1234567"}), dt(3, 3), 2, o);
  CHECK(v.col->vals<int64_t>()[0] == 5000000);
  CHECK(v.col->vals<int64_t>()[1] == 12123456);
  CHECK(err.empty());
  v = cast(strs({"1 2 3"}), dt(0, 1), 1, o);
  CHECK(v.col->is_null(0));
  CHECK(err.rfind("java.lang.IllegalArgumentException: Interval string does not match day-time format of `[+|-]d h`", 0) == 0);
  err.clear();
  cast(strs({"10:60"}), dt(1, 2), 1, o);
  CHECK(err == "java.lang.IllegalArgumentException: requirement failed: minute 60 outside range [0, 59]");
  err.clear();
  v = cast(strs({"-1-11", "INTERVAL '3' YEAR"}), ym(0, 1), 2, o);
  CHECK(v.col->vals<int32_t>()[0] == -23);
  CHECK(err.find("Error parsing interval year-month string") != std::string::npos);  // YEAR alone != YEAR TO MONTH
  err.clear();
  v = cast(strs({"INTERVAL '3' YEAR"}), ym(0, 0), 1, o);
  CHECK(v.col->vals<int32_t>()[0] == 36);
  // Numbers into single-field intervals, intervals into numbers (their end field's count).
  v = cast(fixed<int32_t>(TypeId::Int, {3, -2}), dt(1, 1), 2, o);
  CHECK(v.col->vals<int64_t>()[1] == -7200000000LL);
  auto back = cast(v, type_of(TypeId::Long), 2, o);
  CHECK(back.col->vals<int64_t>()[0] == 3);
  auto day = cast(cast(strs({"-1 23"}), dt(0, 1), 1, o), dt(0, 0), 1, o);  // truncated toward zero
  CHECK(day.col->vals<int64_t>()[0] == -86400000000LL);
  CHECK(err.empty());
  cast(cst<int64_t>(TypeId::Long, std::numeric_limits<int64_t>::max()), dt(0, 0), 1, o);
  CHECK(err.rfind("[CAST_OVERFLOW] The value 9223372036854775807L of the type \"BIGINT\" cannot be cast to \"INTERVAL DAY\"", 0) == 0);
  // Without an error slot, failing rows are NULL.
  CHECK(cast(strs({"x"}), dt(0, 0), 1).col->is_null(0));
}
