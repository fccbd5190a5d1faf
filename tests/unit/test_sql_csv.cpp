// CSV reader vs Spark 3.5 (CSVOptions, UnivocityParser + FailureSafeParser, CSVInferSchema,
// makeSafeHeader): options, tokenizing, NULL/empty values, numbers, dates, malformed rows by
// mode, header names, schema inference.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>

#include "sql/columnar/batch.h"
#include "sql/exec/csv.h"
#include "sql/kernels/cast.h"

using namespace spp::sql;
using namespace spp::sql::exec;
using col::ColType;
using col::TypeId;

namespace {
CsvOptions opts(ReaderOptionList l = {}) {
  auto o = CsvOptions::from(l);
  REQUIRE_MESSAGE(o.is_ok(), o.error_message());
  return *o;
}
col::ColTypePtr schema(std::vector<std::string> names, std::vector<ColType> types) {
  return col::make_type(ColType::strct(std::move(names), std::move(types)));
}
ColType S(TypeId id) { return ColType::scalar(id); }
col::Batch parse(std::string_view text, col::ColTypePtr sch, ReaderOptionList l = {}, bool skip_header = false,
                 int64_t tz = 0) {
  auto p = CsvParser::make(opts(l), sch, tz);
  REQUIRE_MESSAGE(p.is_ok(), p.error_message());
  auto b = p->parse_text(text, skip_header);
  REQUIRE_MESSAGE(b.is_ok(), b.error_message());
  REQUIRE(col::validate(*b).ok());
  return *b;
}
// Row r of the batch as CAST-to-string texts joined by '|' (NULL for nulls).
std::string row(const col::Batch& b, int64_t r) {
  std::string s;
  for (size_t c = 0; c < b.num_columns(); ++c) {
    if (c) s += "|";
    s += b.column(c).is_null(r) ? "NULL" : kern::value_to_string(b.column(c), r);
  }
  return s;
}
std::vector<std::string> toks(std::string_view line, ReaderOptionList l = {}) {
  CsvOptions o = opts(l);
  std::vector<CsvToken> t;
  std::string scratch;
  REQUIRE(csv_tokenize(line, o, t, scratch));
  std::vector<std::string> r;
  for (auto& k : t) r.push_back(k.null ? "<null>" : (k.quoted ? "q:" : "") + std::string(k.text));
  return r;
}
std::string infer(std::vector<std::string_view> lines, ReaderOptionList l = {{"inferSchema", "true"}}) {
  auto t = csv_infer_schema(lines, opts(l));
  REQUIRE_MESSAGE(t.is_ok(), t.error_message());
  return t->to_string();
}
}  // namespace

TEST_CASE("sql csv: options parse with Spark's defaults, names case-insensitive") {
  CsvOptions d = opts();
  CHECK(d.sep == ",");
  CHECK(d.quote == '"');
  CHECK(d.escape == '\\');
  CHECK(d.comment == '\0');
  CHECK_FALSE(d.header);
  CHECK_FALSE(d.infer_schema);
  CHECK(d.null_value.empty());
  CHECK(d.nan_value == "NaN");
  CHECK(d.positive_inf == "Inf");
  CHECK(d.negative_inf == "-Inf");
  CHECK(d.mode == ParseMode::Permissive);
  CHECK(d.corrupt_column == "_corrupt_record");
  CsvOptions o = opts({{"HEADER", "True"}, {"Delimiter", "\\t"}, {"quote", ""}, {"mode", "dropMalformed"},
                       {"nullvalue", "NA"}, {"unknownOption", "x"}, {"comment", "#"}});
  CHECK(o.header);
  CHECK(o.sep == "\t");
  CHECK(o.quote == '\0');
  CHECK(o.mode == ParseMode::DropMalformed);
  CHECK(o.null_value == "NA");
  CHECK(o.comment == '#');
  CHECK(opts({{"sep", "|"}, {"delimiter", ";"}}).sep == "|");  // sep wins over delimiter
  CHECK(opts({{"mode", "bogus"}}).mode == ParseMode::Permissive);
  CHECK(opts({{"sep", "||"}}).sep == "||");
  CHECK(CsvOptions::from({{"header", "yes"}}).error_message() == "header flag can be true or false, got: yes");
  CHECK(CsvOptions::from({{"quote", "ab"}}).error_message() == "quote cannot be more than one character");
  CHECK(CsvOptions::from({{"sep", ""}}).error_message() == "Delimiter cannot be empty string");
  CHECK(CsvOptions::from({{"sep", "\\"}}).error_message().find("Single backslash is prohibited") == 0);
  CHECK(CsvOptions::from({{"samplingRatio", "0"}}).is_ok() == false);
  CHECK(CsvOptions::from({{"timestampFormat", "dd/MM/yyyy"}}).is_ok());
  CHECK(CsvOptions::from({{"timestampFormat", "yyyy-MM-dd Q"}}).error_message().find("Unsupported datetime pattern letter 'Q'") == 0);
}

TEST_CASE("sql csv: tokenizer quoting, escapes, empty and unquoted-empty fields") {
  CHECK(toks("a,b,c") == std::vector<std::string>{"a", "b", "c"});
  CHECK(toks("a,,c,") == std::vector<std::string>{"a", "<null>", "c", "<null>"});
  CHECK(toks(",") == std::vector<std::string>{"<null>", "<null>"});
  CHECK(toks("\"a,b\",\"\",c") == std::vector<std::string>{"q:a,b", "q:", "c"});
  CHECK(toks("\"say \\\"hi\\\"\",x") == std::vector<std::string>{"q:say \"hi\"", "x"});
  // RFC 4180 doubled quotes need escape='"' (as in Spark).
  CHECK(toks("\"a\"\"b\",x", {{"escape", "\""}}) == std::vector<std::string>{"q:a\"b", "x"});
  // An escaped escape before the closing quote is one backslash; elsewhere it is literal.
  CHECK(toks("\"a\\\\\",x") == std::vector<std::string>{"q:a\\", "x"});
  CHECK(toks("\"a\\\\b\"") == std::vector<std::string>{"q:a\\\\b"});
  // Whitespace is kept when reading unless asked to ignore it.
  CHECK(toks(" a , b ") == std::vector<std::string>{" a ", " b "});
  CHECK(toks(" a , \"b\" ", {{"ignoreLeadingWhiteSpace", "true"}, {"ignoreTrailingWhiteSpace", "true"}}) ==
        std::vector<std::string>{"a", "q:b"});
  // Quoting off, a multi-character delimiter, and a quote in the middle of an unquoted value.
  CHECK(toks("\"a\",b", {{"quote", ""}}) == std::vector<std::string>{"\"a\"", "b"});
  CHECK(toks("a||b||", {{"sep", "||"}}) == std::vector<std::string>{"a", "b", "<null>"});
  CHECK(toks("a\"b,c") == std::vector<std::string>{"a\"b", "c"});
  // Unescaped quote inside a quoted value (STOP_AT_DELIMITER): the rest up to the delimiter.
  CHECK(toks("\"a\"b,c") == std::vector<std::string>{"q:a\"b", "c"});
}

TEST_CASE("sql csv: data lines skip blank and comment lines, all line endings") {
  CsvOptions o = opts({{"comment", "#"}});
  auto l = csv_data_lines("a\r\n\n  \n#x\nb\rc\n", o);
  CHECK(l == std::vector<std::string_view>{"a", "b", "c"});
  CsvOptions semi = opts({{"lineSep", ";"}});
  CHECK(csv_data_lines("a;b;", semi) == std::vector<std::string_view>{"a", "b"});
}

TEST_CASE("sql csv: multiLine records keep line breaks inside quoted fields") {
  CsvOptions o = opts({{"multiLine", "true"}, {"comment", "#"}});
  CHECK(csv_data_lines("1,\"a\nb\"\r\n\n#c\n2,\"x \\\" \n y\",\"q\"\"\n\"\n3,un\"quoted\n\"open\nend", o) ==
        std::vector<std::string_view>{"1,\"a\nb\"", "2,\"x \\\" \n y\",\"q\"\"\n\"", "3,un\"quoted", "\"open\nend"});
  CsvOptions semi = opts({{"multiLine", "true"}, {"lineSep", ";"}});
  CHECK(csv_data_lines("a,\"b;c\";d", semi) == std::vector<std::string_view>{"a,\"b;c\"", "d"});
}

TEST_CASE("sql csv: NULL and empty values as Spark 3 reads them") {
  auto sch = schema({"s", "i"}, {S(TypeId::String), S(TypeId::Int)});
  auto b = parse("a,1\n,\n\"\",\"\"\n", sch);
  REQUIRE(b.num_rows == 3);
  CHECK(row(b, 0) == "a|1");
  CHECK(row(b, 1) == "NULL|NULL");
  CHECK(row(b, 2) == "NULL|NULL");  // quoted "" is emptyValue "", equal to nullValue: NULL
  // emptyValue set: a quoted "" reads as it; an unquoted empty field stays NULL.
  auto e = parse("\"\",1\n,2\n", sch, {{"emptyValue", "EMPTY"}});
  CHECK(row(e, 0) == "EMPTY|1");
  CHECK(row(e, 1) == "NULL|2");
  // nullValue set: matching values (quoted or not) are NULL, a quoted "" is the empty string.
  auto n = parse("NA,NA\n\"NA\",3\n\"\",4\n", sch, {{"nullValue", "NA"}});
  CHECK(row(n, 0) == "NULL|NULL");
  CHECK(row(n, 1) == "NULL|3");
  CHECK(row(n, 2) == "|4");
}

TEST_CASE("sql csv: numbers, booleans, decimals as Java parses them") {
  auto sch = schema({"b", "sh", "i", "l", "f", "d", "dec", "bo"},
                    {S(TypeId::Byte), S(TypeId::Short), S(TypeId::Int), S(TypeId::Long), S(TypeId::Float),
                     S(TypeId::Double), ColType::decimal(10, 2), S(TypeId::Boolean)});
  auto b = parse("-128,32767,+42,-9223372036854775808,1.5f,1e3,\"1,234.567\",TRUE\n"
                 "NaN,1,2,3,Inf,-Inf,5,false\n"
                 "1, 2,2.0,3,NaN, 2.5 ,1e2,yes\n",
                 sch);
  REQUIRE(b.num_rows == 3);
  CHECK(row(b, 0) == "-128|32767|42|-9223372036854775808|1.5|1000.0|1234.57|true");
  // "NaN" is not a byte: the row is malformed, the field NULL, the others kept (PERMISSIVE).
  CHECK(row(b, 1) == "NULL|1|2|3|Infinity|-Infinity|5.00|false");
  // Integers do not trim or take fractions; Double.parseDouble trims; BigDecimal takes 1e2.
  CHECK(row(b, 2) == "1|NULL|NULL|3|NaN|2.5|100.00|NULL");
  // Overflowing decimal precision is malformed: NULL.
  auto o = parse("123456789.5\n", schema({"d"}, {ColType::decimal(5, 1)}));
  CHECK(row(o, 0) == "NULL");
  auto custom = parse("nan,+inf,-inf\n", schema({"a", "b", "c"}, {S(TypeId::Double), S(TypeId::Double), S(TypeId::Float)}),
                      {{"nanValue", "nan"}, {"positiveInf", "+inf"}, {"negativeInf", "-inf"}});
  CHECK(row(custom, 0) == "NaN|Infinity|-Infinity");
}

TEST_CASE("sql csv: dates and timestamps with the default parsers and the session zone") {
  auto sch = schema({"d", "t", "n"}, {S(TypeId::Date), S(TypeId::Timestamp), S(TypeId::TimestampNtz)});
  auto b = parse("2024-01-02,2024-01-02 03:04:05.123,2024-01-02T03:04:05\n"
                 "2024-1-2,2024-01-02T03:04:05Z,2024-01-02 03:04:05+01:00\n"
                 "2024-02-30,nope,2024\n",
                 sch, {}, false, 3600);
  REQUIRE(b.num_rows == 3);
  // Timestamps are µs UTC: 03:04:05.123 at +01:00 is 02:04:05.123Z.
  CHECK(b.column(1).vals<int64_t>()[0] == (int64_t(19724) * 86400 + 2 * 3600 + 4 * 60 + 5) * 1000000 + 123000);
  CHECK(b.column(2).vals<int64_t>()[0] == (int64_t(19724) * 86400 + 3 * 3600 + 4 * 60 + 5) * 1000000);
  CHECK(b.column(0).vals<int32_t>()[1] == 19724);  // the cast-style fallback takes 2024-1-2
  CHECK(b.column(1).vals<int64_t>()[1] == (int64_t(19724) * 86400 + 3 * 3600 + 4 * 60 + 5) * 1000000);
  CHECK(b.column(2).is_null(1));  // timestamp_ntz rejects an explicit offset
  CHECK(row(b, 2).substr(0, 10) == "NULL|NULL|");
  CHECK_FALSE(b.column(2).is_null(2));  // "2024" is a valid timestamp_ntz (midnight Jan 1)
  auto strict = parse("2024-1-2\n2024-01-02\n", schema({"d"}, {S(TypeId::Date)}), {{"dateFormat", "yyyy-MM-dd"}});
  CHECK(strict.column(0).is_null(0));
  CHECK(strict.column(0).vals<int32_t>()[1] == 19724);
}

TEST_CASE("sql csv: record length mismatches and bad values by mode") {
  auto sch = schema({"a", "b", "_corrupt_record"}, {S(TypeId::Int), S(TypeId::String), S(TypeId::String)});
  const char* text = "1,x\n2\n3,y,extra\nbad,z\n4,w\n";
  auto p = parse(text, sch);
  REQUIRE(p.num_rows == 5);
  CHECK(row(p, 0) == "1|x|NULL");
  CHECK(row(p, 1) == "2|NULL|2");  // too few tokens: malformed, partial row kept
  CHECK(row(p, 2) == "3|y|3,y,extra");
  CHECK(row(p, 3) == "NULL|z|bad,z");
  CHECK(row(p, 4) == "4|w|NULL");
  auto d = parse(text, schema({"a", "b"}, {S(TypeId::Int), S(TypeId::String)}), {{"mode", "DROPMALFORMED"}});
  REQUIRE(d.num_rows == 2);
  CHECK(row(d, 0) == "1|x");
  CHECK(row(d, 1) == "4|w");
  // Without the corrupt column in the schema PERMISSIVE still keeps the partial rows.
  auto n = parse(text, schema({"a", "b"}, {S(TypeId::Int), S(TypeId::String)}));
  CHECK(n.num_rows == 5);
  auto f = CsvParser::make(opts({{"mode", "FAILFAST"}}), schema({"a", "b"}, {S(TypeId::Int), S(TypeId::String)}), 0);
  REQUIRE(f.is_ok());
  auto r = f->parse_text(text, false);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.error_message().find("Malformed records are detected in record parsing: 2.") != std::string::npos);
  CHECK(r.error_message().find("Parse Mode: FAILFAST.") != std::string::npos);
  // A custom corrupt column name; a non-string one is rejected.
  auto c = parse("x\n", schema({"a", "bad"}, {S(TypeId::Int), S(TypeId::String)}), {{"columnNameOfCorruptRecord", "bad"}});
  CHECK(row(c, 0) == "NULL|x");
  CHECK_FALSE(CsvParser::make(opts(), schema({"_corrupt_record"}, {S(TypeId::Int)}), 0).is_ok());
  auto arr = CsvParser::make(opts(), schema({"a"}, {ColType::array(S(TypeId::Int))}), 0);
  CHECK(arr.error_message() == "[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The CSV datasource doesn't support the column `a` of the type \"array<int>\".");
}

TEST_CASE("sql csv: header line skipped; enforceSchema=false checks it") {
  auto sch = schema({"a", "b"}, {S(TypeId::Int), S(TypeId::String)});
  auto b = parse("# note\na,b\n1,x\n", sch, {{"header", "true"}, {"comment", "#"}}, true);
  REQUIRE(b.num_rows == 1);
  CHECK(row(b, 0) == "1|x");
  auto ok = parse("A,b\n1,x\n", sch, {{"header", "true"}, {"enforceSchema", "false"}}, true);
  CHECK(ok.num_rows == 1);
  auto p = CsvParser::make(opts({{"header", "true"}, {"enforceSchema", "false"}}), sch, 0);
  auto r = p->parse_text("a,c\n1,x\n", true);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.error_message().find("CSV header does not conform to the schema.") == 0);
  CHECK(r.error_message().find("Expected: b but found: c") != std::string::npos);
}

TEST_CASE("sql csv: header names as makeSafeHeader builds them") {
  CHECK(infer({"a,,b,A,a,NA"}, {{"header", "true"}, {"nullValue", "NA"}}) ==
        "struct<a0:string,_c1:string,b:string,A3:string,a4:string,_c5:string>");
  CHECK(infer({"x,y,z", "1,2,3"}, {}) == "struct<_c0:string,_c1:string,_c2:string>");
  auto t = csv_infer_schema({"a,A"}, opts({{"header", "true"}}), /*case_sensitive=*/true);
  CHECK(t->to_string() == "struct<a:string,A:string>");
  CHECK(infer({}, {}) == "struct<>");
}

TEST_CASE("sql csv: inferSchema per-field lattice") {
  CsvOptions o = opts();
  auto f = [&](std::string_view v, ColType so_far = ColType::scalar(TypeId::Null)) {
    return csv_infer_field(so_far, v, o).to_string();
  };
  CHECK(f("1") == "int");
  CHECK(f("+1") == "int");
  CHECK(f("3000000000") == "bigint");
  CHECK(f("12345678901234567890") == "decimal(20,0)");
  CHECK(f("123456789012345678901234567890123456789") == "double");  // 39 digits: no decimal
  CHECK(f("1.5") == "double");
  CHECK(f("1e5") == "double");  // negative scale is not a DecimalType
  CHECK(f("NaN") == "double");
  CHECK(f("Inf") == "double");
  CHECK(f("-Infinity") == "double");  // Double.parseDouble
  CHECK(f(" 1") == "double");         // only Double.parseDouble trims
  CHECK(f("2024-01-02") == "date");
  CHECK(f("2024-1-2") == "timestamp");  // not strict yyyy-MM-dd, a lenient timestamp
  CHECK(f("2024-01-02 10:00:00") == "timestamp");
  CHECK(f("2024-01-02T10:00:00Z") == "timestamp");
  CHECK(f("TRUE") == "boolean");
  CHECK(f("yes") == "string");
  CHECK(f("") == "void");
  CHECK(f("1.5", S(TypeId::Int)) == "double");
  CHECK(f("7", S(TypeId::Double)) == "double");
  CHECK(f("5", ColType::decimal(20, 0)) == "decimal(20,0)");
  CHECK(f("1", S(TypeId::Boolean)) == "string");
  CHECK(f("2024-01-02 10:00:00", S(TypeId::Date)) == "string");  // date + timestamp -> string
  // Order matters in Spark too: once timestamp, the lenient parser also takes a date.
  CHECK(f("2024-01-02", S(TypeId::Timestamp)) == "timestamp");
  CHECK(f("x", S(TypeId::String)) == "string");
  CsvOptions nd = opts({{"preferDate", "false"}});
  CHECK(csv_infer_field(S(TypeId::Null), "2024-01-02", nd).to_string() == "timestamp");
  CHECK(csv_compatible_type(S(TypeId::Long), ColType::decimal(5, 0))->to_string() == "decimal(20,0)");
  CHECK(csv_compatible_type(ColType::decimal(38, 0), ColType::decimal(5, 2))->to_string() == "double");
  CHECK(csv_compatible_type(S(TypeId::Double), ColType::decimal(5, 0))->to_string() == "double");
  CHECK_FALSE(csv_compatible_type(S(TypeId::Boolean), S(TypeId::Int)).has_value());
  // prefersDecimal: fractional numbers as decimals when DecimalType takes them.
  CsvOptions pd = opts({{"prefersDecimal", "true"}});
  CHECK(csv_infer_field(S(TypeId::Null), "1.5", pd).to_string() == "decimal(2,1)");
  CHECK(csv_infer_field(S(TypeId::Null), "-123.450", pd).to_string() == "decimal(6,3)");
  CHECK(csv_infer_field(S(TypeId::Null), "0.05", pd).to_string() == "double");  // scale 2 > precision 1
  CHECK(csv_infer_field(S(TypeId::Null), "1e5", pd).to_string() == "double");
  CHECK(csv_infer_field(S(TypeId::Int), "1.5", pd).to_string() == "decimal(11,1)");
}

TEST_CASE("sql csv: inferSchema over lines: header dropped everywhere, nulls ignored, all-null is string") {
  CHECK(infer({"id,name,score,when,flag,empty", "1,a,1.5,2024-01-02,true,", "2,,,2024-01-03,false,",
               "id,name,score,when,flag,empty", "3000000000,c,2,,,"},
              {{"header", "true"}, {"inferSchema", "true"}}) ==
        "struct<id:bigint,name:string,score:double,when:date,flag:boolean,empty:string>");
  // Without inferSchema every column is a string; short rows leave the right columns alone.
  CHECK(infer({"1,2", "3"}, {}) == "struct<_c0:string,_c1:string>");
  CHECK(infer({"1,2", "3"}) == "struct<_c0:int,_c1:int>");
  CHECK(infer({"1\n", "\n", "x\r\n"}) == "struct<_c0:string>");
  CHECK(infer({"NA,1", "2,NA"}, {{"inferSchema", "true"}, {"nullValue", "NA"}}) == "struct<_c0:int,_c1:int>");
}

TEST_CASE("sql csv: custom dateFormat / timestampFormat patterns are strict") {
  auto sch = schema({"d", "t", "n"}, {S(TypeId::Date), S(TypeId::Timestamp), S(TypeId::TimestampNtz)});
  auto b = parse("02/01/2024,02/01/2024 03:04:05.5 PM,2024.01.02 03h\n2024-01-02,02/01/2024 3:04:05 AM,x\n"
                 "31/02/2024,02/01/2024 03:04:05 PM,2024.01.02 03h\n",
                 sch, {{"dateFormat", "dd/MM/yyyy"}, {"timestampFormat", "dd/MM/yyyy hh:mm:ss[.S] a"}, {"timestampNTZFormat", "yyyy.MM.dd HH'h'"}}, false, 3600);
  REQUIRE(b.num_rows == 3);
  CHECK(b.column(0).vals<int32_t>()[0] == 19724);
  CHECK(b.column(2).vals<int64_t>()[0] == (int64_t(19724) * 86400 + 3 * 3600) * 1000000);
  CHECK(b.column(0).is_null(1));  // no fallback to the lenient parser
  CHECK(b.column(0).is_null(2));  // 31 February
  CHECK(b.column(1).vals<int64_t>()[2] == (int64_t(19724) * 86400 + 14 * 3600 + 4 * 60 + 5) * 1000000);
  auto z = DateTimePattern::compile("yyyy-MM-dd'T'HH:mm:ssXXX");
  REQUIRE(z.is_ok());
  CHECK(*z->parse_timestamp("2024-01-02T03:04:05+01:00", 0) == (int64_t(19724) * 86400 + 2 * 3600 + 4 * 60 + 5) * 1000000);
  CHECK(*z->parse_timestamp("2024-01-02T03:04:05Z", 3600) == (int64_t(19724) * 86400 + 3 * 3600 + 4 * 60 + 5) * 1000000);
  CHECK_FALSE(z->parse_timestamp_ntz("2024-01-02T03:04:05Z").has_value());
  auto m = DateTimePattern::compile("d MMM yy");
  CHECK(*m->parse_date("2 jan 24") == 19724);
  CHECK_FALSE(m->parse_date("2 jan 2024").has_value());
  CsvOptions o = opts({{"dateFormat", "dd/MM/yyyy"}});
  CHECK(csv_infer_field(S(TypeId::Null), "02/01/2024", o).to_string() == "date");
  CHECK(csv_infer_field(S(TypeId::Null), "2024-01-02", o).to_string() == "timestamp");
}

TEST_CASE("sql csv: column pruning converts only the required fields") {
  auto sch = schema({"a", "b", "c"}, {S(TypeId::Int), S(TypeId::Double), S(TypeId::Date)});
  auto p = CsvParser::make(opts({{"mode", "DROPMALFORMED"}}), sch, 0);
  REQUIRE(p.is_ok());
  p->require_only({2, 0});
  // row 2's b is not a number: unnoticed when b is not read (Spark's columnPruning); a bad
  // value in a required field or a short row still drops the row
  auto b = p->parse_text("1,2.5,2024-01-02\n2,x,2024-01-03\nbad,1,2024-01-04\n4,1\n", false);
  REQUIRE(b.is_ok());
  REQUIRE(b->num_rows == 2);
  REQUIRE(b->num_columns() == 3);
  CHECK(row(*b, 0) == "1|NULL|2024-01-02");
  CHECK(row(*b, 1) == "2|NULL|2024-01-03");
  CHECK(b->column(1).type->id == TypeId::Double);
  // with a corrupt-record column every field is converted, as before
  auto c = CsvParser::make(opts(), schema({"a", "b", "_corrupt_record"}, {S(TypeId::Int), S(TypeId::Int), S(TypeId::String)}), 0);
  REQUIRE(c.is_ok());
  c->require_only({0});
  auto cb = c->parse_text("1,x\n", false);
  REQUIRE(cb.is_ok());
  CHECK(row(*cb, 0) == "1|NULL|1,x");
}

TEST_CASE("sql csv: doubles of few digits (the fast path) equal strtod's") {
  const char* samples[] = {"0.05", "-0.0", "1.", ".5", "123456789012345", "90000.01", "0.1", "0.3", "2.675",
                           "-999.99", "+7.25", "1e3", "1234567890123456", "0.000000000000001", "3.14159265358979"};
  for (const char* s : samples) {
    auto d = java_parse_double(s);
    REQUIRE(d.has_value());
    CHECK_MESSAGE(*d == std::strtod(s, nullptr), s);
    CHECK(std::signbit(*d) == std::signbit(std::strtod(s, nullptr)));
  }
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 20000; ++i) {  // random prices: digits, a point, up to 15 digits in all
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    std::string s = std::to_string(x % 100000000000ull);
    size_t at = size_t(x >> 40) % (s.size() + 1);
    s.insert(at, ".");
    REQUIRE(java_parse_double(s).has_value());
    CHECK_MESSAGE(*java_parse_double(s) == std::strtod(s.c_str(), nullptr), s);
  }
  CHECK_FALSE(java_parse_double("1.2.3").has_value());
  CHECK_FALSE(java_parse_double(".").has_value());
  CHECK_FALSE(java_parse_double("-").has_value());
}
