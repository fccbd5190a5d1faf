// Library string kernels (text_fns, codec_fns, format_fns, regex_fns) vs Spark 3.5 results:
// UTF8String semantics, NULLs, constants, multibyte characters, Java's formats and regexes.
#include <doctest/doctest.h>

#include <optional>

#include "sql/columnar/builder.h"
#include "sql/kernels/regex_fns.h"
#include "sql/kernels/text_fns.h"

using namespace spp::sql;
using namespace spp::sql::kern;
using col::ColumnBuilder;

namespace {
Vec strs(std::vector<std::optional<std::string>> vals) {
  ColumnBuilder b(type_of(TypeId::String));
  for (auto& v : vals) v ? b.append_str(*v) : b.append_null();
  return Vec::flat(b.finish());
}
Vec cstr(std::string s) { return Vec::constant_of(strs({s}).col); }
Vec ints(std::vector<std::optional<int32_t>> vals) {
  ColumnBuilder b(type_of(TypeId::Int));
  for (auto& v : vals) v ? b.append<int32_t>(*v) : b.append_null();
  return Vec::flat(b.finish());
}
Vec cint(int32_t v) { return Vec::constant_of(ints({v}).col); }
Vec dbls(std::vector<std::optional<double>> vals) {
  ColumnBuilder b(type_of(TypeId::Double));
  for (auto& v : vals) v ? b.append<double>(*v) : b.append_null();
  return Vec::flat(b.finish());
}
std::vector<std::string> out(const Vec& v) {
  std::vector<std::string> r;
  for (int64_t i = 0; i < v.col->length; ++i) r.push_back(v.col->is_null(i) ? "NULL" : std::string(v.col->str(i)));
  return r;
}
std::vector<std::string> iout(const Vec& v) {
  std::vector<std::string> r;
  for (int64_t i = 0; i < v.col->length; ++i)
    r.push_back(v.col->is_null(i) ? "NULL" : std::to_string(v.col->vals<int32_t>()[i]));
  return r;
}
using V = std::vector<std::string>;
}  // namespace

TEST_CASE("sql kernels text: pads, repeat, reverse, initcap (UTF8String rules)") {
  auto s = strs({"hi", "héllo wörld", "", std::nullopt});
  CHECK(out(lpad(s, cint(4), cstr("ab"), 4)) == V{"abhi", "héll", "abab", "NULL"});
  CHECK(out(rpad(s, cint(3), cstr(""), 4)) == V{"hi", "hél", "", "NULL"});  // empty pad: truncate only
  CHECK(out(lpad(s, ints({-1, 12, 1, 1}), cstr("é"), 4)) == V{"", "éhéllo wörld", "é", "NULL"});
  CHECK(out(repeat(s, cint(2), 4)) == V{"hihi", "héllo wörldhéllo wörld", "", "NULL"});
  CHECK(out(reverse(s, 4)) == V{"ih", "dlröw olléh", "", "NULL"});
  CHECK(out(initcap(strs({"hELLO wORLD", "élan  x", "a-b c"}), 3)) == V{"Hello World", "Élan  X", "A-b C"});
}

TEST_CASE("sql kernels text: instr, locate, substring_index, left/right, overlay") {
  auto s = strs({"abcabc", "ñaña", std::nullopt});
  CHECK(iout(instr(s, cstr("c"), 3)) == V{"3", "0", "NULL"});
  CHECK(iout(instr(s, cstr(""), 3)) == V{"1", "1", "NULL"});
  CHECK(iout(locate(cstr("a"), s, cint(2), 3)) == V{"4", "2", "NULL"});
  CHECK(iout(locate(cstr("a"), s, ints({std::nullopt, 0, 1}), 3)) == V{"0", "0", "NULL"});  // NULL pos -> 0
  auto p = strs({"www.apache.org", "a..b", "x"});
  CHECK(out(substring_index(p, cstr("."), cint(2), 3)) == V{"www.apache", "a.", "x"});
  CHECK(out(substring_index(p, cstr("."), cint(-2), 3)) == V{"apache.org", ".b", "x"});
  CHECK(out(substring_index(strs({"aaaa"}), cstr("aa"), cint(2), 1)) == V{"a"});  // overlapping finds
  CHECK(out(left(s, cint(2), 3)) == V{"ab", "ña", "NULL"});
  CHECK(out(right(s, cint(2), 3)) == V{"bc", "ña", "NULL"});
  CHECK(out(right(s, cint(0), 3)) == V{"", "", "NULL"});
  CHECK(out(overlay(strs({"Spark SQL"}), cstr("_"), cint(6), cint(-1), 1)) == V{"Spark_SQL"});
  CHECK(out(overlay(strs({"Spark SQL"}), cstr("CORE"), cint(7), cint(0), 1)) == V{"Spark CORESQL"});
  CHECK(out(overlay(strs({"Spark SQL"}), cstr("ANSI "), cint(7), cint(-1), 1)) == V{"Spark ANSI "});
}

TEST_CASE("sql kernels text: translate, replace, ascii, levenshtein, soundex") {
  auto s = strs({"translate", "ñandú", std::nullopt});
  CHECK(out(translate(s, cstr("rnlt"), cstr("123"), 3)) == V{"1a2s3ae", "ña2dú", "NULL"});
  CHECK(out(translate(s, cstr("ñaa"), cstr("nAx"), 3)) == V{"trAnslAte", "nAndú", "NULL"});  // first mapping wins
  CHECK(out(replace(s, cstr("a"), cstr("[]"), 3)) == V{"tr[]nsl[]te", "ñ[]ndú", "NULL"});
  CHECK(iout(ascii(strs({"A", "ñ", ""}), 3)) == V{"65", "241", "0"});
  CHECK(iout(byte_length(strs({"añ€", "", std::nullopt}), 1, 3)) == V{"6", "0", "NULL"});
  CHECK(iout(byte_length(strs({"añ€"}), 8, 1)) == V{"48"});
  CHECK(iout(levenshtein(strs({"kitten", "ñu", ""}), cstr("sitting"), nullptr, 3)) == V{"3", "7", "7"});
  Vec thr = cint(3);
  CHECK(iout(levenshtein(strs({"kitten", "frog"}), cstr("sitting"), &thr, 2)) == V{"3", "-1"});
  CHECK(out(soundex(strs({"Miller", "Ashcraft", "Tymczak", "1abc", "", "Lee"}), 6)) ==
        V{"M460", "A261", "T522", "1abc", "", "L000"});
}

TEST_CASE("sql kernels text: base64 (MIME lines), unbase64, encode/decode charsets") {
  CHECK(out(base64(strs({"Spark SQL", "", std::nullopt}), 3)) == V{"U3BhcmsgU1FM", "", "NULL"});
  CHECK(out(base64(strs({std::string(58, 'a')}), 1))[0].find("\r\n") == 76);
  CHECK(out(unbase64(strs({"U3Bh\r\ncmsgU1FM", "YQ==", "!!YQ"}), 3)) == V{"Spark SQL", "a", "a"});
  CHECK(charset_named("utf8") == Charset::Utf8);
  CHECK(charset_named("latin1") == Charset::Latin1);
  CHECK(!charset_named("WINDOWS-1252"));
  auto s = strs({"aé€"});
  CHECK(out(encode(s, cstr("US-ASCII"), 1, nullptr)) == V{"a??"});
  CHECK(out(encode(s, cstr("ISO-8859-1"), 1, nullptr)) == V{"a\xe9?"});
  CHECK(out(encode(s, cstr("UTF-16LE"), 1, nullptr)) == V{std::string("a\0\xe9\0\xac\x20", 6)});
  CHECK(out(encode(s, cstr("UTF-16"), 1, nullptr)) == V{std::string("\xfe\xff\0a\0\xe9\x20\xac", 8)});
  CHECK(out(decode(strs({std::string("\xff\xfe" "a\0", 4)}), cstr("UTF-16"), 1, nullptr)) == V{"a"});
  CHECK(out(decode(strs({"a\xff" "b"}), cstr("UTF-8"), 1, nullptr)) == V{"a\xef\xbf\xbd" "b"});
  CHECK(out(decode(strs({"\xe9"}), cstr("ISO-8859-1"), 1, nullptr)) == V{"é"});
}

TEST_CASE("sql kernels text: format_number (DecimalFormat HALF_EVEN) and format_string (Formatter)") {
  auto x = dbls({1234567.891, 0.125, -0.001, 2.5, std::nullopt});
  CHECK(out(format_number(x, cint(2), 5)) == V{"1,234,567.89", "0.12", "-0.00", "2.50", "NULL"});
  CHECK(out(format_number(x, cint(0), 5)) == V{"1,234,568", "0", "-0", "2", "NULL"});
  CHECK(out(format_number(x, cint(-1), 5)) == V{"NULL", "NULL", "NULL", "NULL", "NULL"});
  CHECK(out(format_number(ints({123456789}), cint(1), 1)) == V{"123,456,789.0"});
  std::vector<ColTypePtr> ts{type_of(TypeId::String), type_of(TypeId::Int)};
  CHECK(!format_check("%s=%05d", ts));
  CHECK(*format_check("%d", ts) == "java.util.IllegalFormatConversionException: d != org.apache.spark.unsafe.types.UTF8String");
  CHECK(*format_check("%s %s %s", ts) == "java.util.MissingFormatArgumentException: Format specifier '%s'");
  CHECK(*format_check("%q", ts) == "java.util.UnknownFormatConversionException: Conversion = 'q'");
  CHECK(out(format_string("%s=%05d|%-3s|%S", {strs({"a", std::nullopt}), ints({-42, 7}), strs({"b", "c"}), strs({"x", "y"})}, 2)) ==
        V{"a=-0042|b  |X", "null=00007|c  |Y"});
  std::vector<ColTypePtr> td{type_of(TypeId::Double)};
  CHECK(out(format_string("%.2f|%.3e|%g|%10.1f|%+.0f", {dbls({2.675}), dbls({0.000123456}), dbls({123456789.0}), dbls({-1.25}), dbls({0.5})}, 1)) ==
        V{"2.68|1.235e-04|1.23457e+08|      -1.3|+1"});
}

TEST_CASE("sql kernels regex: extract, extract_all, replace with Java's Matcher semantics") {
  auto re = Regex::compile(R"((\d+)-(\d+))").value();
  auto s = strs({"100-200, 300-400", "no digits", std::nullopt, ""});
  CHECK(out(regexp_extract(s, *re, 1, 4)) == V{"100", "", "NULL", ""});
  CHECK(out(regexp_extract(s, *re, 0, 4)) == V{"100-200", "", "NULL", ""});
  auto all = regexp_extract_all(s, *re, 2, 4);
  CHECK(all.col->offsets()[1] - all.col->offsets()[0] == 2);
  CHECK(all.col->children[0]->str(1) == "400");
  CHECK(all.col->is_null(2));
  auto opt = Regex::compile("(a)?b").value();
  CHECK(out(regexp_extract(strs({"xb"}), *opt, 1, 1)) == V{""});  // group did not participate
  CHECK(out(regexp_replace(s, *re, cstr("$2:$1"), cint(1), 4)) == V{"200:100, 400:300", "no digits", "NULL", ""});
  auto star = Regex::compile("x*").value();
  CHECK(out(regexp_replace(strs({"abc", "ñ"}), *star, cstr("-"), cint(1), 2)) == V{"-a-b-c-", "-ñ-"});
  CHECK(out(regexp_replace(strs({"aaa"}), *Regex::compile("a").value(), cstr("b"), cint(2), 1)) == V{"abb"});
  CHECK(out(regexp_replace(strs({"aaa"}), *Regex::compile("a").value(), cstr("b"), cint(5), 1)) == V{"aaa"});
  CHECK(*check_replacement("$3", *re) == "java.lang.IndexOutOfBoundsException: No group 3");
  CHECK(!check_replacement("\\$$12", *re));  // $12 -> group 1 then '2' (only 2 groups)
  CHECK(out(regexp_replace(strs({"7-8"}), *re, cstr("$12"), cint(1), 1)) == V{"72"});
  auto dot = Regex::compile("a.b").value();  // Java: '.' does not match line terminators
  CHECK(!dot->find("a\rb"));
  // Java's POSIX classes are ASCII-only; Java-only properties are rejected with the construct named.
  auto alpha = Regex::compile(R"(^\p{Alpha}+[\p{Digit}x]$)").value();
  CHECK(alpha->find("ab1"));
  CHECK(alpha->find("abx"));
  CHECK(!alpha->find("éb1"));
  CHECK(Regex::compile(R"(\P{Lower})").value()->find("A"));
  auto jl = Regex::compile(R"(\p{javaLowerCase})");
  CHECK(!jl);
  CHECK(jl.error_message().find("the Java construct \\p{javaLowerCase} is not supported") != std::string::npos);
}
