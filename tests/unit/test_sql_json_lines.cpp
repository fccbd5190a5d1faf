// JSON Lines reader vs Spark 3.5 (JSONOptions, JacksonParser + FailureSafeParser,
// JsonInferSchema): lenient syntax options, conversions per type, malformed lines by mode,
// schema inference (sorted fields, number merging, corrupt-record column, canonicalization).
#include <doctest/doctest.h>

#include "sql/columnar/batch.h"
#include "sql/exec/json_lines.h"
#include "sql/kernels/cast.h"

using namespace spp::sql;
using namespace spp::sql::exec;
using col::ColType;
using col::TypeId;

namespace {
JsonOptions jopts(ReaderOptionList l = {}) {
  auto o = JsonOptions::from(l);
  REQUIRE_MESSAGE(o.is_ok(), o.error_message());
  return *o;
}
ColType S(TypeId id) { return ColType::scalar(id); }
col::ColTypePtr schema(std::vector<std::string> names, std::vector<ColType> types) {
  return col::make_type(ColType::strct(std::move(names), std::move(types)));
}
col::Batch parse(std::string_view text, col::ColTypePtr sch, ReaderOptionList l = {}, int64_t tz = 0) {
  auto p = JsonLinesParser::make(jopts(l), sch, tz);
  REQUIRE_MESSAGE(p.is_ok(), p.error_message());
  auto b = p->parse_text(text);
  REQUIRE_MESSAGE(b.is_ok(), b.error_message());
  REQUIRE(col::validate(*b).ok());
  return *b;
}
std::string row(const col::Batch& b, int64_t r) {
  std::string s;
  for (size_t c = 0; c < b.num_columns(); ++c) {
    if (c) s += "|";
    s += b.column(c).is_null(r) ? "NULL" : kern::value_to_string(b.column(c), r);
  }
  return s;
}
std::string infer(std::string_view text, ReaderOptionList l = {}) {
  JsonOptions o = jopts(l);
  auto t = json_infer_schema(json_data_lines(text, o), o);
  REQUIRE_MESSAGE(t.is_ok(), t.error_message());
  return t->to_string();
}
std::string written(std::string_view json, JsonSyntax syn = {}) {
  std::vector<JTok> tape;
  std::string scratch, out;
  REQUIRE(json_tokenize(json, syn, tape, scratch) == JParse::Ok);
  json_write(tape, 0, out);
  return out;
}
JParse lex(std::string_view json, JsonSyntax syn = {}) {
  std::vector<JTok> tape;
  std::string scratch;
  return json_tokenize(json, syn, tape, scratch);
}
}  // namespace

TEST_CASE("sql json: options with Spark's defaults") {
  JsonOptions d = jopts();
  CHECK(d.syntax.allow_single_quotes);
  CHECK(d.syntax.allow_non_numeric_numbers);
  CHECK_FALSE(d.syntax.allow_comments);
  CHECK_FALSE(d.syntax.allow_unquoted_field_names);
  CHECK_FALSE(d.primitives_as_string);
  CHECK(d.mode == ParseMode::Permissive);
  CHECK(d.corrupt_column == "_corrupt_record");
  JsonOptions o = jopts({{"ALLOWCOMMENTS", "true"}, {"mode", "failfast"}, {"columnNameOfCorruptRecord", "bad"}, {"x", "y"}});
  CHECK(o.syntax.allow_comments);
  CHECK(o.mode == ParseMode::FailFast);
  CHECK(o.corrupt_column == "bad");
  CHECK(JsonOptions::from({{"prefersDecimal", "1"}}).error_message() == "prefersDecimal flag can be true or false, got: 1");
  CHECK(JsonOptions::from({{"multiLine", "true"}}).value().multi_line);
  // multiLine: the whole text is one record; blank text none.
  CHECK(json_data_lines("{\n \"a\": 1\n}\n{\"a\": 2}", jopts({{"multiLine", "true"}})).size() == 1);
  CHECK(json_data_lines(" \n\t", jopts({{"multiLine", "true"}})).empty());
  CHECK_FALSE(JsonOptions::from({{"encoding", "UTF-16"}}).is_ok());
  CHECK(JsonOptions::from({{"encoding", "utf-8"}}).is_ok());
}

TEST_CASE("sql json: lexer syntax as Jackson with Spark's features") {
  CHECK(lex("{\"a\": [1, 2.5, \"x\", true, null, {}]}") == JParse::Ok);
  CHECK(lex("   ") == JParse::Empty);
  CHECK(lex("{'a': 'b'}") == JParse::Ok);  // allowSingleQuotes defaults to true
  JsonSyntax strict;
  strict.allow_single_quotes = false;
  CHECK(lex("{'a': 1}", strict) == JParse::Error);
  CHECK(lex("{a: 1}") == JParse::Error);
  JsonSyntax unq;
  unq.allow_unquoted_field_names = true;
  CHECK(lex("{a: 1, $b_2: 2}", unq) == JParse::Ok);
  CHECK(lex("{\"a\": 1 /* c */}") == JParse::Error);
  JsonSyntax com;
  com.allow_comments = true;
  CHECK(lex("{\"a\": 1 /* c */} // end", com) == JParse::Ok);
  CHECK(lex("{\"a\": 01}") == JParse::Error);  // allowNumericLeadingZeros=false
  CHECK(lex("{\"a\": NaN, \"b\": -Infinity}") == JParse::Ok);
  CHECK(lex("{\"a\": +1}") == JParse::Error);
  CHECK(lex("{\"a\": 1.}") == JParse::Error);
  CHECK(lex("{\"a\": \"x\ty\"}") == JParse::Error);  // raw control character
  CHECK(lex("{\"a\": \"\\q\"}") == JParse::Error);
  CHECK(lex("{\"a\": 1,}") == JParse::Error);
  CHECK(lex("{\"a\": tru}") == JParse::Error);
  CHECK(lex("{\"a\": 1} trailing") == JParse::Ok);  // Spark reads only the first value
  // Jackson's compact writer: floats via Double.toString, strings re-escaped, \u decoded.
  CHECK(written("{ \"b\" : [ 1 , 1e2 , 1.50 , -0 ] , \"a\" : { } }") == "{\"b\":[1,100.0,1.5,0],\"a\":{}}");
  CHECK(written("\"tab\\t \\u00e9 \\ud83d\\ude00 \\\"\"") == "\"tab\\t \xc3\xa9 \xf0\x9f\x98\x80 \\\"\"");
}

TEST_CASE("sql json: values convert to the schema's types as JacksonParser does") {
  auto sch = schema({"b", "i", "l", "d", "f", "dec", "s", "bo", "dt", "ts"},
                    {S(TypeId::Byte), S(TypeId::Int), S(TypeId::Long), S(TypeId::Double), S(TypeId::Float),
                     ColType::decimal(6, 2), S(TypeId::String), S(TypeId::Boolean), S(TypeId::Date), S(TypeId::Timestamp)});
  auto b = parse(
      "{\"b\": 1, \"i\": -7, \"l\": 9223372036854775807, \"d\": 2, \"f\": 1.5, \"dec\": 3.14159, \"s\": \"x\", \"bo\": true, "
      "\"dt\": \"2024-01-02\", \"ts\": \"2024-01-02 03:04:05\"}\n"
      "{\"d\": \"NaN\", \"f\": \"-INF\", \"dec\": \"1,234.5\", \"s\": {\"z\": [1, 2.50]}, \"dt\": \"123\", \"ts\": 1}\n"
      "{\"unknown\": 1, \"s\": 12, \"d\": Infinity}\n",
      sch, {}, 3600);
  REQUIRE(b.num_rows == 3);
  CHECK(row(b, 0) == "1|-7|9223372036854775807|2.0|1.5|3.14|x|true|2024-01-02|2024-01-02 02:04:05");
  CHECK(row(b, 1) == "NULL|NULL|NULL|NaN|-Infinity|1234.50|{\"z\":[1,2.5]}|NULL|1970-05-04|1970-01-01 00:00:01");
  CHECK(row(b, 2) == "NULL|NULL|NULL|Infinity|NULL|NULL|12|NULL|NULL|NULL");
}

TEST_CASE("sql json: nested arrays, maps, structs; duplicate keys; nulls") {
  auto sch = schema({"a", "m", "st"}, {ColType::array(S(TypeId::Long)), ColType::map(S(TypeId::String), S(TypeId::Double)),
                                       ColType::strct({"x", "y"}, {S(TypeId::Long), ColType::array(S(TypeId::String))})});
  auto b = parse("{\"a\": [1, null, 3], \"m\": {\"k\": 1.5, \"n\": null}, \"st\": {\"y\": [\"p\", 1], \"x\": 5}}\n"
                 "{\"a\": [], \"m\": {}, \"st\": {}, \"st\": {\"x\": 1}}\n"
                 "{\"a\": null, \"m\": null, \"st\": null}\n",
                 sch);
  REQUIRE(b.num_rows == 3);
  CHECK(row(b, 0) == "[1, null, 3]|{k -> 1.5, n -> null}|{5, [p, 1]}");
  CHECK(row(b, 1) == "[]|{}|{1, null}");  // the last duplicate key wins
  CHECK(row(b, 2) == "NULL|NULL|NULL");
}

TEST_CASE("sql json: malformed lines by mode, partial rows, root arrays and scalars") {
  auto sch = schema({"a", "b", "_corrupt_record"}, {S(TypeId::Long), S(TypeId::String), S(TypeId::String)});
  const char* text = "{\"a\": 1, \"b\": \"x\"}\n{\"a\": \"no\", \"b\": \"y\"}\n{\"a\": 2, \n\n5\n[{\"a\": 3}, {\"a\": 4, \"b\": \"z\"}]\n[]\n";
  auto p = parse(text, sch);
  REQUIRE(p.num_rows == 6);
  CHECK(row(p, 0) == "1|x|NULL");
  CHECK(row(p, 1) == "NULL|y|{\"a\": \"no\", \"b\": \"y\"}");  // the bad root field is NULL, the rest kept
  CHECK(row(p, 2) == "NULL|NULL|{\"a\": 2, ");
  CHECK(row(p, 3) == "NULL|NULL|5");
  CHECK(row(p, 4) == "3|NULL|NULL");
  CHECK(row(p, 5) == "4|z|NULL");
  auto d = parse(text, schema({"a", "b"}, {S(TypeId::Long), S(TypeId::String)}), {{"mode", "DROPMALFORMED"}});
  REQUIRE(d.num_rows == 3);
  CHECK(row(d, 0) == "1|x");
  CHECK(row(d, 2) == "4|z");
  auto f = JsonLinesParser::make(jopts({{"mode", "FAILFAST"}}), schema({"a"}, {S(TypeId::Long)}), 0);
  auto r = f->parse_text(text);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.error_message().find("Malformed records are detected in record parsing: {\"a\": \"no\", \"b\": \"y\"}.") != std::string::npos);
  CHECK(r.error_message().find("Parse Mode: FAILFAST.") != std::string::npos);
  // A nested failure fails the whole root field; an array element of the wrong kind too.
  auto n = parse("{\"a\": [1, \"x\"], \"b\": \"ok\"}\n", schema({"a", "b"}, {ColType::array(S(TypeId::Long)), S(TypeId::String)}));
  CHECK(row(n, 0) == "NULL|ok");
  // Duplicate map keys fail (mapKeyDedupPolicy=EXCEPTION); empty strings are not numbers.
  auto m = parse("{\"m\": {\"k\": 1, \"k\": 2}, \"i\": \"\"}\n",
                 schema({"m", "i"}, {ColType::map(S(TypeId::String), S(TypeId::Long)), S(TypeId::Int)}));
  CHECK(row(m, 0) == "NULL|NULL");
  CHECK_FALSE(JsonLinesParser::make(jopts(), schema({"b"}, {S(TypeId::Binary)}), 0).is_ok());
  CHECK_FALSE(JsonLinesParser::make(jopts(), schema({"m"}, {ColType::map(S(TypeId::Int), S(TypeId::Int))}), 0).is_ok());
}

TEST_CASE("sql json: schema inference as JsonInferSchema") {
  CHECK(infer("{\"b\": 1, \"a\": \"x\"}\n{\"b\": 2.5, \"c\": true}\n") == "struct<a:string,b:double,c:boolean>");
  CHECK(infer("{\"n\": 12345678901234567890}\n") == "struct<n:decimal(20,0)>");
  CHECK(infer("{\"n\": 1234567890123456789012345678901234567890}\n") == "struct<n:double>");
  CHECK(infer("{\"n\": 1}\n{\"n\": 12345678901234567890}\n") == "struct<n:decimal(20,0)>");
  CHECK(infer("{\"n\": 1.5}\n{\"n\": 0.001}\n", {{"prefersDecimal", "true"}}) == "struct<n:decimal(4,3)>");
  CHECK(infer("{\"n\": 1, \"s\": \"1\"}\n{\"n\": \"a\", \"s\": 2}\n") == "struct<n:string,s:string>");
  CHECK(infer("{\"n\": 1, \"b\": false}\n", {{"primitivesAsString", "true"}}) == "struct<b:string,n:string>");
  // null and "" are placeholders: string at the end, or dropped.
  CHECK(infer("{\"a\": null, \"b\": \"\", \"c\": [], \"d\": {}}\n") == "struct<a:string,b:string,c:array<string>>");
  CHECK(infer("{\"a\": null, \"b\": 1, \"c\": [null]}\n", {{"dropFieldIfAllNull", "true"}}) == "struct<b:bigint>");
  CHECK(infer("{\"a\": null}\n{\"a\": 5}\n") == "struct<a:bigint>");
  // Nested structs merge by name and stay sorted; arrays merge their elements.
  CHECK(infer("{\"s\": {\"z\": 1, \"a\": [1]}}\n{\"s\": {\"m\": \"q\", \"a\": [2.5]}}\n") ==
        "struct<s:struct<a:array<double>,m:string,z:bigint>>");
  CHECK(infer("{\"x\": [1, \"a\", {\"k\": 1}]}\n") == "struct<x:array<string>>");
  // Malformed lines add _corrupt_record (sorted in); root arrays contribute their elements.
  CHECK(infer("{\"b\": 1}\n{bad\n[{\"a\": 2}]\n7\n\n") == "struct<_corrupt_record:string,a:bigint,b:bigint>");
  CHECK(infer("{\"b\": 1}\n{bad\n", {{"mode", "DROPMALFORMED"}}) == "struct<b:bigint>");
  JsonOptions ff = jopts({{"mode", "FAILFAST"}});
  auto e = json_infer_schema({"{\"b\": 1}", "{bad"}, ff);
  REQUIRE_FALSE(e.is_ok());
  CHECK(e.error_message().find("Malformed records are detected in schema inference. Parse Mode: FAILFAST.") != std::string::npos);
  CHECK(infer("{\"t\": \"2024-01-02T03:04:05\"}\n", {{"inferTimestamp", "true"}}) == "struct<t:timestamp>");
  CHECK(infer("{\"t\": \"2024-01-02T03:04:05\"}\n") == "struct<t:string>");
  CHECK(infer("") == "struct<>");
  CHECK(json_compatible_type(S(TypeId::Long), ColType::decimal(5, 2)).to_string() == "decimal(22,2)");
}

TEST_CASE("sql json: timestampFormat / dateFormat patterns, optional sections") {
  auto sch = schema({"d", "t"}, {S(TypeId::Date), S(TypeId::Timestamp)});
  auto b = parse("{\"d\": \"02/01/2024\", \"t\": \"02/01/2024 10:00:30.25\"}\n{\"d\": \"123\", \"t\": \"02/01/2024 10:00\"}\n", sch,
                 {{"dateFormat", "dd/MM/yyyy"}, {"timestampFormat", "dd/MM/yyyy HH:mm[:ss[.SSS]]"}});
  CHECK(row(b, 0) == "2024-01-02|2024-01-02 10:00:30.25");
  CHECK(row(b, 1) == "NULL|2024-01-02 10:00:00");  // a set dateFormat drops the day-number fallback
  CHECK(infer("{\"t\": \"02/01/2024 10:00\"}\n", {{"inferTimestamp", "true"}, {"timestampFormat", "dd/MM/yyyy HH:mm"}}) ==
        "struct<t:timestamp>");
  CHECK_FALSE(JsonOptions::from({{"timestampFormat", "yyyy-MM-dd[HH"}}).is_ok());
}
