// df.write formatting vs Spark 3.5 (UnivocityGenerator + univocity's CsvWriter, JacksonGenerator,
// TextOutputWriter): quoting, NULL vs empty, numbers, dates/timestamps, nested JSON, options
// and errors; datetime pattern formatting.
#include <doctest/doctest.h>

#include "sql/columnar/batch.h"
#include "sql/exec/datetime_pattern.h"
#include "sql/exec/file_writer.h"
#include "sql/exec/json_lines.h"

using namespace spp::sql;
using namespace spp::sql::exec;
using col::ColType;
using col::TypeId;

namespace {
ColType S(TypeId id) { return ColType::scalar(id); }
// Rows built with the JSON-lines reader (it covers every type the writers see).
col::Batch rows(const ColType& schema, std::string_view json_lines) {
  auto o = JsonOptions::from({});
  REQUIRE(o.is_ok());
  auto p = JsonLinesParser::make(*o, col::make_type(schema), 0);
  REQUIRE_MESSAGE(p.is_ok(), p.error_message());
  auto b = p->parse_text(json_lines);
  REQUIRE_MESSAGE(b.is_ok(), b.error_message());
  return *b;
}
std::string written(std::string_view format, const ColType& schema, std::string_view json_lines, ReaderOptionList opts = {}) {
  auto f = RowFormatter::make(format, opts, schema);
  REQUIRE_MESSAGE(f.is_ok(), f.error_message());
  std::string out;
  (*f)->begin(out);
  (*f)->write(rows(schema, json_lines), out);
  return out;
}
std::string error_of(std::string_view format, const ColType& schema, ReaderOptionList opts = {}) {
  auto f = RowFormatter::make(format, opts, schema);
  REQUIRE(!f.is_ok());
  return f.error_message();
}
const ColType kStrings = ColType::strct({"a", "b"}, {S(TypeId::String), S(TypeId::String)});
}  // namespace

TEST_CASE("csv writer: quoting as univocity's CsvWriter with Spark's write settings") {
  // NULL -> nothing, "" -> "", separator/quote/newline -> quoted, quotes escaped with '\',
  // surrounding whitespace trimmed (ignoreLeading/TrailingWhiteSpace are true for writing).
  CHECK(written("csv", kStrings, R"({"a":null,"b":""})" "\n" R"({"a":"x,y","b":"say \"hi\""})" "\n"
                                 R"({"a":"two\nlines","b":"  pad  "})") ==
        ",\"\"\n\"x,y\",\"say \\\"hi\\\"\"\n\"two\nlines\",pad\n");
  CHECK(written("csv", kStrings, R"({"a":"x","b":null})", {{"quoteAll", "true"}}) == "\"x\",\n");
  CHECK(written("csv", kStrings, R"({"a":"x;y","b":null})", {{"sep", ";"}, {"nullValue", "NULL"}}) == "\"x;y\";NULL\n");
  CHECK(written("csv", kStrings, R"({"a":"a\"b","b":""})", {{"escapeQuotes", "false"}, {"emptyValue", "E"}}) == "a\"b,E\n");
  CHECK(written("csv", kStrings, R"({"a":" x ","b":"y"})",
                {{"ignoreLeadingWhiteSpace", "false"}, {"ignoreTrailingWhiteSpace", "false"}, {"lineSep", "\r"}}) == " x ,y\r");
  CHECK(written("csv", kStrings, R"({"a":"q\"","b":"z"})", {{"quote", "'"}, {"escape", "'"}}) == "q\",z\n");
  CHECK(written("csv", kStrings, R"({"a":"it's","b":"z"})", {{"quote", "'"}, {"escape", "'"}}) == "'it''s',z\n");
  CHECK(written("csv", kStrings, R"({"a":"1","b":"2"})", {{"HEADER", "true"}}) == "a,b\n1,2\n");
}

TEST_CASE("csv writer: numbers via toString, Spark's write date/timestamp formats") {
  ColType t = ColType::strct({"i", "d", "f", "b", "dec", "day", "ts"},
                             {S(TypeId::Long), S(TypeId::Double), S(TypeId::Float), S(TypeId::Boolean),
                              ColType::decimal(10, 2), S(TypeId::Date), S(TypeId::Timestamp)});
  CHECK(written("csv", t, R"({"i":-3,"d":1e10,"f":0.5,"b":true,"dec":1.5,"day":"2024-01-02","ts":"2024-01-02T03:04:05.6Z"})") ==
        "-3,1.0E10,0.5,true,1.50,2024-01-02,2024-01-02T03:04:05.600Z\n");
  CHECK(written("csv", t, R"({"d":0.1,"ts":"2024-01-02T03:04:05Z"})",
                {{"dateFormat", "dd/MM/yyyy"}, {"timestampFormat", "yyyy-MM-dd HH:mm"}}) == ",0.1,,,,,2024-01-02 03:04\n");
}

TEST_CASE("csv writer: nested and void columns are rejected with Spark's error") {
  ColType t = ColType::strct({"a", "xs"}, {S(TypeId::Int), ColType::array(S(TypeId::Int))});
  CHECK(error_of("csv", t) ==
        "[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The CSV datasource doesn't support the column `xs` of the type \"ARRAY<INT>\".");
}

TEST_CASE("json writer: JacksonGenerator lines") {
  ColType t = ColType::strct({"a", "s", "d", "xs", "m", "st"},
                             {S(TypeId::Long), S(TypeId::String), S(TypeId::Double), ColType::array(S(TypeId::Long)),
                              ColType::map(S(TypeId::String), S(TypeId::Long)),
                              ColType::strct({"x", "y"}, {S(TypeId::Long), S(TypeId::String)})});
  const char* in = R"({"a":1,"s":"q\"\\\n\u0001é","d":1e-5,"xs":[1,null],"m":{"k":null},"st":{"x":2}})" "\n" R"({"a":null})";
  CHECK(written("json", t, in) ==
        "{\"a\":1,\"s\":\"q\\\"\\\\\\n\\u0001é\",\"d\":1.0E-5,\"xs\":[1,null],\"m\":{\"k\":null},\"st\":{\"x\":2}}\n{}\n");
  CHECK(written("json", t, R"({"a":null,"st":{"x":null,"y":"v"}})", {{"ignoreNullFields", "false"}}) ==
        "{\"a\":null,\"s\":null,\"d\":null,\"xs\":null,\"m\":null,\"st\":{\"x\":null,\"y\":\"v\"}}\n");
  ColType f = ColType::strct({"d", "day", "ts"}, {S(TypeId::Double), S(TypeId::Date), S(TypeId::Timestamp)});
  CHECK(written("json", f, R"({"d":"NaN","day":"2024-03-04","ts":"2024-03-04T05:06:07Z"})") ==
        "{\"d\":\"NaN\",\"day\":\"2024-03-04\",\"ts\":\"2024-03-04T05:06:07.000Z\"}\n");
}

TEST_CASE("text writer: one string column, NULL as an empty line") {
  ColType t = ColType::strct({"value"}, {S(TypeId::String)});
  CHECK(written("text", t, R"({"value":"a b"})" "\n" R"({"value":null})") == "a b\n\n");
  CHECK(written("text", t, R"({"value":"x"})", {{"lineSep", "|"}}) == "x|");
  CHECK(error_of("text", kStrings) == "Text data source supports only a single column, and you have 2 columns.");
  CHECK(error_of("text", ColType::strct({"n"}, {S(TypeId::Int)})) ==
        "[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The Text datasource doesn't support the column `n` of the type \"INT\".");
}

TEST_CASE("writers: compression names and extensions") {
  auto ext = [](std::string_view fmt, ReaderOptionList o) {
    auto f = RowFormatter::make(fmt, o, ColType::strct({"value"}, {S(TypeId::String)}));
    REQUIRE_MESSAGE(f.is_ok(), f.error_message());
    return (*f)->extension();
  };
  CHECK(ext("csv", {}) == ".csv");
  CHECK(ext("json", {{"compression", "GZIP"}}) == ".json.gz");
  CHECK(ext("text", {{"compression", "deflate"}}) == ".txt.deflate");
  CHECK(ext("text", {{"compression", "none"}}) == ".txt");
  CHECK(error_of("csv", kStrings, {{"compression", "zip"}}) ==
        "Codec [zip] is not available. Known codecs are bzip2, deflate, uncompressed, lz4, gzip, snappy, none.");
}

TEST_CASE("datetime patterns format as DateTimeFormatter") {
  auto fmt = [](std::string_view p, int64_t local, int64_t off) {
    auto c = DateTimePattern::compile(p);
    REQUIRE(c.is_ok());
    std::string s;
    c->format(local, off, s);
    return s;
  };
  const int64_t t = 1704164645123456;  // 2024-01-02T03:04:05.123456
  CHECK(fmt("yyyy-MM-dd'T'HH:mm:ss[.SSS][XXX]", t, 0) == "2024-01-02T03:04:05.123Z");
  CHECK(fmt("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX", t, 3600) == "2024-01-02T03:04:05.123456+01:00");
  CHECK(fmt("dd MMM yy hh:mm a EEE Z", t, -5400) == "02 Jan 24 03:04 AM Tue -0130");
  CHECK(fmt("MMMM d, y", -86400000000LL, 0) == "December 31, 1969");
}
