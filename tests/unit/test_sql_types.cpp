// Spark SQL data types: names, DDL, both JSON forms, coercion tables.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "sql/coercion.h"
#include "sql/types.h"

using namespace spp::sql;
using nlohmann::json;

static DataType ddl(const char* s) {
  auto r = parse_ddl_type(s);
  REQUIRE_MESSAGE(r.is_ok(), r.error_message());
  return *r;
}

TEST_CASE("sql types: typeName / simpleString / sql") {
  CHECK(DataType::long_().type_name() == "long");
  CHECK(DataType::long_().simple_string() == "bigint");
  CHECK(DataType::int_().type_name() == "integer");
  CHECK(DataType::int_().simple_string() == "int");
  CHECK(DataType::byte_().simple_string() == "tinyint");
  CHECK(DataType::short_().simple_string() == "smallint");
  CHECK(DataType::null().type_name() == "void");
  CHECK(DataType::null().sql() == "VOID");
  CHECK(DataType::decimal(10, 2).simple_string() == "decimal(10,2)");
  CHECK(DataType::decimal(10, 2).sql() == "DECIMAL(10,2)");
  CHECK(DataType::timestamp_ntz().sql() == "TIMESTAMP_NTZ");
  auto s = DataType::structure({{"_1", DataType::long_(), true, "{}"}, {"_2", DataType::string(), false, "{}"}});
  CHECK(s.simple_string() == "struct<_1:bigint,_2:string>");
  CHECK(s.sql() == "STRUCT<_1: BIGINT, _2: STRING NOT NULL>");
  CHECK(s.to_ddl() == "_1 BIGINT,_2 STRING NOT NULL");
  CHECK(DataType::map(DataType::string(), DataType::long_()).simple_string() == "map<string,bigint>");
  CHECK(DataType::map(DataType::string(), DataType::long_()).sql() == "MAP<STRING, BIGINT>");
  CHECK(DataType::array(DataType::long_()).simple_string() == "array<bigint>");
  auto odd = DataType::structure({{"a b", DataType::int_(), true, "{}"}});
  CHECK(odd.simple_string() == "struct<a b:int>");
  CHECK(odd.catalog_string() == "struct<`a b`:int>");
  CHECK(quote_if_needed("123") == "`123`");
  CHECK(quote_if_needed("a`b") == "`a``b`");
}

TEST_CASE("sql types: printSchema tree") {
  auto t = DataType::structure({
      {"a", DataType::long_(), true, "{}"},
      {"b", DataType::structure({{"_1", DataType::long_(), true, "{}"}, {"_2", DataType::long_(), false, "{}"}}), true, "{}"},
      {"c", DataType::array(DataType::string(), false), true, "{}"},
      {"m", DataType::map(DataType::string(), DataType::int_()), true, "{}"}});
  CHECK(t.tree_string() ==
        "root\n"
        " |-- a: long (nullable = true)\n"
        " |-- b: struct (nullable = true)\n"
        " |    |-- _1: long (nullable = true)\n"
        " |    |-- _2: long (nullable = false)\n"
        " |-- c: array (nullable = true)\n"
        " |    |-- element: string (containsNull = false)\n"
        " |-- m: map (nullable = true)\n"
        " |    |-- key: string\n"
        " |    |-- value: integer (valueContainsNull = true)\n");
}

TEST_CASE("sql types: DDL parsing") {
  CHECK(ddl("int") == DataType::int_());
  CHECK(ddl("INTEGER") == DataType::int_());
  CHECK(ddl("BigInt") == DataType::long_());
  CHECK(ddl("real") == DataType::float_());
  CHECK(ddl("decimal") == DataType::decimal(10, 0));
  CHECK(ddl("DEC(5)") == DataType::decimal(5, 0));
  CHECK(ddl("numeric(12, 3)") == DataType::decimal(12, 3));
  CHECK(ddl("varchar(10)") == DataType::string());
  CHECK(ddl("array<map<string,int>>") == DataType::array(DataType::map(DataType::string(), DataType::int_())));
  CHECK(ddl("struct<a:int,`b c`: string NOT NULL>") ==
        DataType::structure({{"a", DataType::int_(), true, "{}"}, {"b c", DataType::string(), false, "{}"}}));
  CHECK(ddl("interval day to second").id == TypeId::DayTimeInterval);
  // DayTimeIntervalType's fields: DAY TO SECOND is the plain type; others keep their names.
  CHECK(ddl("interval day to second") == DataType::of(TypeId::DayTimeInterval));
  CHECK(ddl("interval day").simple_string() == "interval day");
  CHECK(ddl("INTERVAL HOUR TO MINUTE").sql() == "INTERVAL HOUR TO MINUTE");
  CHECK(ddl("interval minute to second").type_name() == "interval minute to second");
  CHECK(ddl("interval day") != ddl("interval day to second"));
  CHECK(type_from_connect_json(type_to_connect_json(ddl("interval hour"))).value() == ddl("interval hour"));
  CHECK(type_to_connect_json(ddl("interval hour to second")).dump() == R"({"dayTimeInterval":{"endField":3,"startField":1}})");
  CHECK_FALSE(parse_ddl_type("interval second to day").is_ok());
  CHECK_FALSE(parse_ddl_type("array<int").is_ok());
  CHECK(parse_ddl_type("decimal(40,0)").error_message() ==
        "[DECIMAL_PRECISION_EXCEEDS_MAX_PRECISION] Decimal precision 40 exceeds max precision 38.");
  CHECK(parse_ddl_type("int int").error_message() == "[PARSE_SYNTAX_ERROR] Syntax error at or near 'int'.");
  CHECK(parse_ddl_type("foo").error_message() == "[UNSUPPORTED_DATATYPE] Unsupported data type \"FOO\".");

  auto sch = parse_ddl_schema("a INT, b STRING");
  REQUIRE(sch.is_ok());
  CHECK(sch->simple_string() == "struct<a:int,b:string>");
  CHECK(parse_ddl_schema("a: int, b: string")->simple_string() == "struct<a:int,b:string>");
  CHECK(parse_ddl_schema("struct<a:int,b:string>")->simple_string() == "struct<a:int,b:string>");
  CHECK(parse_ddl_schema("int")->simple_string() == "struct<value:int>");
  CHECK(parse_ddl_schema("Name String NOT NULL")->fields[0].nullable == false);
  CHECK(parse_ddl_schema("Name String NOT NULL")->fields[0].name == "Name");
  CHECK_FALSE(parse_ddl_schema("a INT,").is_ok());
  // DDL round trip through to_ddl.
  auto t = *parse_ddl_schema("a BIGINT,`x y` ARRAY<STRUCT<k: INT NOT NULL>>,d DECIMAL(7,2) NOT NULL");
  CHECK(t.to_ddl() == "a BIGINT,`x y` ARRAY<STRUCT<k: INT NOT NULL>>,d DECIMAL(7,2) NOT NULL");
  CHECK(*parse_ddl_schema(t.to_ddl()) == t);
}

TEST_CASE("sql types: Spark JSON round trip") {
  auto t = *parse_ddl_schema("a BIGINT, b ARRAY<DOUBLE>, m MAP<STRING,DECIMAL(5,2)>, n VOID, ts TIMESTAMP_NTZ");
  json j = type_to_json(t);
  CHECK(j["fields"][0] == json::parse(R"({"name":"a","type":"long","nullable":true,"metadata":{}})"));
  CHECK(j["fields"][1]["type"] == json::parse(R"({"type":"array","elementType":"double","containsNull":true})"));
  CHECK(j["fields"][2]["type"]["valueType"] == "decimal(5,2)");
  CHECK(j["fields"][3]["type"] == "void");
  CHECK(j["fields"][4]["type"] == "timestamp_ntz");
  auto back = type_from_json(j);
  REQUIRE(back.is_ok());
  CHECK(*back == t);
  CHECK(*type_from_json("null") == DataType::null());
  CHECK(*type_from_json("decimal(38, 18)") == DataType::decimal(38, 18));
  CHECK_FALSE(type_from_json("nope").is_ok());
  CHECK_FALSE(type_from_json(json::parse(R"({"type":"array"})")).is_ok());
}

TEST_CASE("sql types: Connect JSON round trip") {
  auto t = *parse_ddl_schema("a BIGINT NOT NULL, b ARRAY<INT>, m MAP<STRING,DECIMAL(5,2)>, s STRUCT<x: DATE>");
  json j = type_to_connect_json(t);
  CHECK(j["struct"]["fields"][0] == json::parse(R"({"name":"a","dataType":{"long":{}},"nullable":false})"));
  CHECK(j["struct"]["fields"][2]["dataType"]["map"]["valueType"] == json::parse(R"({"decimal":{"precision":5,"scale":2}})"));
  CHECK(*type_from_connect_json(j) == t);
  // proto3 omits false bools; snake_case keys accepted; unparsed DDL parsed.
  CHECK(*type_from_connect_json(json::parse(R"({"array":{"element_type":{"integer":{}}}})")) ==
        DataType::array(DataType::int_(), false));
  CHECK(*type_from_connect_json(json::parse(R"({"struct":{"fields":[{"name":"k","dataType":{"string":{}}}]}})")) ==
        DataType::structure({{"k", DataType::string(), false, "{}"}}));
  CHECK(*type_from_connect_json(json::parse(R"({"unparsed":{"dataTypeString":"array<bigint>"}})")) ==
        DataType::array(DataType::long_()));
  CHECK(*type_from_connect_json(json::parse(R"({"decimal":{}})")) == DataType::decimal(10, 0));
  CHECK(*type_from_connect_json(json::parse(R"({"timestamp_ntz":{}})")) == DataType::timestamp_ntz());
  CHECK_FALSE(type_from_connect_json(json::parse(R"({"decimal":{"precision":50}})")).is_ok());
  CHECK_FALSE(type_from_connect_json(json::parse(R"({"long":{},"int":{}})")).is_ok());
}

TEST_CASE("sql coercion: tightest and wider common types") {
  auto I = DataType::int_(), L = DataType::long_(), D = DataType::double_(), S = DataType::string();
  CHECK(*tightest_common_type(I, L) == L);
  CHECK(*tightest_common_type(I, D) == D);
  CHECK(*tightest_common_type(DataType::float_(), L) == DataType::float_());
  CHECK(*tightest_common_type(DataType::null(), S) == S);
  CHECK(*tightest_common_type(I, DataType::decimal(12, 2)) == DataType::decimal(12, 2));
  CHECK_FALSE(tightest_common_type(I, DataType::decimal(5, 2)).has_value());
  CHECK_FALSE(tightest_common_type(I, S).has_value());
  CHECK(*tightest_common_type(DataType::date(), DataType::timestamp()) == DataType::timestamp());
  CHECK(*wider_common_type(L, DataType::decimal(10, 2)) == DataType::decimal(22, 2));
  CHECK(*wider_common_type(DataType::decimal(10, 2), D) == D);
  CHECK(*wider_common_type(I, S) == S);
  CHECK_FALSE(wider_common_type(DataType::boolean(), S).has_value());
  CHECK(*wider_common_type({I, DataType::null(), L}) == L);
  CHECK(*wider_common_type(DataType::array(I, false), DataType::array(L, true)) == DataType::array(L, true));
}

TEST_CASE("sql coercion: comparisons") {
  auto I = DataType::int_(), S = DataType::string();
  CHECK(*comparison_common_type(S, I) == I);  // '2' > 1 compares as int
  CHECK(*comparison_common_type(S, DataType::decimal(5, 2)) == DataType::double_());
  CHECK(*comparison_common_type(DataType::date(), S) == DataType::date());
  CHECK(*comparison_common_type(S, DataType::timestamp()) == DataType::timestamp());
  CHECK(*comparison_common_type(DataType::date(), DataType::timestamp()) == DataType::timestamp());
  CHECK(*comparison_common_type(I, DataType::decimal(5, 2)) == DataType::decimal(12, 2));
  CHECK(*comparison_common_type(DataType::float_(), DataType::decimal(5, 2)) == DataType::double_());
  CHECK_FALSE(comparison_common_type(DataType::boolean(), DataType::date()).has_value());
}

TEST_CASE("sql coercion: decimal result types") {
  auto d102 = DataType::decimal(10, 2), d52 = DataType::decimal(5, 2);
  CHECK(decimal_add_type(d102, d52) == DataType::decimal(11, 2));
  CHECK(decimal_add_type(DataType::long_(), d102) == DataType::decimal(23, 2));
  CHECK(decimal_multiply_type(d102, d52) == DataType::decimal(16, 4));
  CHECK(decimal_divide_type(d102, d52) == DataType::decimal(18, 8));   // 8+2 int digits, scale max(6, 2+5+1)
  CHECK(decimal_remainder_type(d102, d52) == DataType::decimal(5, 2));
  CHECK(decimal_multiply_type(DataType::decimal(38, 10), DataType::decimal(38, 10)) == DataType::decimal(38, 6));
  CHECK(decimal_divide_type(DataType::decimal(38, 18), DataType::decimal(38, 18)) == DataType::decimal(38, 6));
  CHECK(adjust_precision_scale(40, 20) == DataType::decimal(38, 18));
  CHECK(sum_result_type(d102) == DataType::decimal(20, 2));
  CHECK(sum_result_type(DataType::decimal(35, 2)) == DataType::decimal(38, 2));
  CHECK(sum_result_type(DataType::int_()) == DataType::long_());
  CHECK(sum_result_type(DataType::float_()) == DataType::double_());
  CHECK(avg_result_type(d102) == DataType::decimal(14, 6));
  CHECK(avg_result_type(DataType::long_()) == DataType::double_());
}

TEST_CASE("sql coercion: implicit casts and canCast") {
  using K = ExpectedType::Kind;
  auto num = ExpectedType::of(K::AnyNumeric);
  CHECK(*implicit_cast_type(DataType::string(), num) == DataType::double_());
  CHECK(*implicit_cast_type(DataType::int_(), num) == DataType::int_());
  CHECK(*implicit_cast_type(DataType::null(), num) == DataType::double_());
  CHECK(*implicit_cast_type(DataType::int_(), ExpectedType::exact(DataType::string())) == DataType::string());
  CHECK(*implicit_cast_type(DataType::long_(), ExpectedType::exact(DataType::int_())) == DataType::int_());
  CHECK(*implicit_cast_type(DataType::string(), ExpectedType::exact(DataType::date())) == DataType::date());
  CHECK(*implicit_cast_type(DataType::timestamp(), ExpectedType::exact(DataType::date())) == DataType::date());
  CHECK(*implicit_cast_type(DataType::int_(), ExpectedType::of(K::AnyDecimal)) == DataType::decimal(10, 0));
  CHECK_FALSE(implicit_cast_type(DataType::array(DataType::int_()), ExpectedType::exact(DataType::string())).has_value());
  CHECK_FALSE(implicit_cast_type(DataType::boolean(), ExpectedType::exact(DataType::date())).has_value());
  CHECK(ExpectedType::one_of({ExpectedType::exact(DataType::string()), ExpectedType::exact(DataType::binary())}).sql() ==
        "(\"STRING\" or \"BINARY\")");
  CHECK(can_cast(DataType::string(), DataType::int_()));
  CHECK(can_cast(DataType::array(DataType::int_()), DataType::string()));
  CHECK(can_cast(DataType::array(DataType::int_()), DataType::array(DataType::string())));
  CHECK_FALSE(can_cast(DataType::array(DataType::int_()), DataType::array(DataType::string(), false)));
  CHECK(can_cast(DataType::date(), DataType::int_()));
  CHECK_FALSE(can_cast(DataType::int_(), DataType::date()));
  CHECK_FALSE(can_cast(DataType::array(DataType::int_()), DataType::int_()));
  CHECK(can_cast(DataType::null(), DataType::array(DataType::int_())));
}
