// DataFrame operations the analyzer rewrites into other operators: na.fill / na.drop / replace,
// EXCEPT ALL / INTERSECT ALL, offset / tail, unpivot, to(schema).
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "sql/analysis/analyzer.h"
#include "sql/connect/decode.h"

using namespace spp::sql;
using nlohmann::json;

namespace {

json local(const char* ddl) {
  auto t = parse_ddl_schema(ddl);
  REQUIRE(t.is_ok());
  return {{"common", {{"planId", "1"}}}, {"localRelation", {{"schema", type_to_json(*t).dump()}}}};
}
json col(const char* name) { return {{"unresolvedAttribute", {{"unparsedIdentifier", name}}}}; }
json rel(const char* kind, json body) { return {{kind, std::move(body)}}; }

Analyzed run(const json& plan) {
  IdGen ids;
  auto p = decode_plan(plan, ids);
  REQUIRE_MESSAGE(p.is_ok(), p.error_message());
  return analyze(*p, ids);
}
std::string schema_of(const json& plan) {
  auto a = run(plan);
  REQUIRE_MESSAGE(!a.error, (a.error ? a.error->message : ""));
  return plan_schema(a.plan).simple_string();
}
std::string tree_of(const json& plan) {
  auto a = run(plan);
  REQUIRE_MESSAGE(!a.error, (a.error ? a.error->message : ""));
  return a.plan->tree_string();
}
std::string error_of(const json& plan) {
  auto a = run(plan);
  REQUIRE(a.error.has_value());
  return a.error->message;
}

}  // namespace

TEST_CASE("sql rewrites: na.fill fills columns of the value's kind, by map any column") {
  json df = local("a INT, x DOUBLE, s STRING, b BOOLEAN");
  // a number fills numeric columns (cast to their type), NaN too for floating ones
  std::string t = tree_of(rel("fillNa", {{"input", df}, {"values", {{{"double", 5.5}}}}}));
  CHECK(t.find("coalesce(a#") != std::string::npos);
  CHECK(t.find("nanvl(x#") != std::string::npos);
  CHECK(t.find("coalesce(s#") == std::string::npos);
  CHECK(schema_of(rel("fillNa", {{"input", df}, {"values", {{{"string", "?"}}}}})) ==
        "struct<a:int,x:double,s:string,b:boolean>");
  // a subset: only those columns; unknown names are Dataset.resolve's error
  t = tree_of(rel("fillNa", {{"input", df}, {"cols", {"x"}}, {"values", {{{"double", 1.0}}}}}));
  CHECK(t.find("coalesce(a#") == std::string::npos);
  CHECK(error_of(rel("fillNa", {{"input", df}, {"cols", {"nope"}}, {"values", {{{"double", 1.0}}}}})).find(
            "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `nope` cannot be resolved. "
            "Did you mean one of the following? [`a`, `x`, `s`, `b`].") == 0);
  {  // before analysis the node prints as what it is (explain(True)'s parsed plan)
    IdGen ids;
    auto p = decode_plan(rel("fillNa", {{"input", df}, {"cols", {"x"}}, {"values", {{{"double", 1.0}}}}}), ids);
    REQUIRE(p.is_ok());
    CHECK((*p)->tree_string().rfind("'FillNa [x] [", 0) == 0);
  }
  // by map: each column its value whatever its kind
  t = tree_of(rel("fillNa", {{"input", df}, {"cols", {"s", "a"}}, {"values", {{{"integer", 7}}, {{"string", "z"}}}}}));
  CHECK(t.find("coalesce(s#") != std::string::npos);
  CHECK(t.find("coalesce(a#") != std::string::npos);
}

TEST_CASE("sql rewrites: na.drop keeps rows with enough non-null, non-NaN values") {
  json df = local("a INT, x DOUBLE");
  std::string any = tree_of(rel("dropNa", {{"input", df}}));
  CHECK(any.find("Filter (isnotnull(a#") != std::string::npos);
  CHECK(any.find("AND NOT isnan(x#") != std::string::npos);
  CHECK(tree_of(rel("dropNa", {{"input", df}, {"minNonNulls", 1}})).find(" OR ") != std::string::npos);
  CHECK(tree_of(rel("dropNa", {{"input", df}, {"cols", {"a"}}, {"minNonNulls", 3}})).find("Filter false") != std::string::npos);
}

TEST_CASE("sql rewrites: replace applies to columns of the first key's kind") {
  json df = local("a INT, s STRING");
  json pairs = {{{"oldValue", {{"integer", 1}}}, {"newValue", {{"integer", 2}}}}};
  std::string t = tree_of(rel("replace", {{"input", df}, {"replacements", pairs}}));
  CHECK(t.find("CASE WHEN (cast(a#") != std::string::npos);
  CHECK(t.find("= 1.0) THEN cast(2.0 as int) ELSE a#") != std::string::npos);
  CHECK(schema_of(rel("replace", {{"input", df}, {"replacements", pairs}})) == "struct<a:int,s:string>");
  json strs = {{{"oldValue", {{"string", "x"}}}, {"newValue", {{"null", {{"null", json::object()}}}}}}};
  t = tree_of(rel("replace", {{"input", df}, {"cols", {"s"}}, {"replacements", strs}}));
  CHECK(t.find("CASE WHEN (s#") != std::string::npos);
  CHECK(error_of(rel("replace", {{"input", local("st STRUCT<f: STRING>")}, {"cols", {"st.f"}}, {"replacements", strs}})).find(
            "[UNSUPPORTED_FEATURE.REPLACE_NESTED_COLUMN]") == 0);
}

TEST_CASE("sql rewrites: EXCEPT ALL and INTERSECT ALL replicate rows by their counts") {
  json l = local("a INT, s STRING"), r = local("a BIGINT, s STRING");
  json ex = rel("setOp", {{"leftInput", l}, {"rightInput", r}, {"setOpType", "SET_OP_TYPE_EXCEPT"}, {"isAll", true}});
  std::string t = tree_of(ex);
  CHECK(t.find("sum(vcol#") != std::string::npos);
  CHECK(t.find("Generate explode(array_repeat(true") != std::string::npos);
  CHECK(schema_of(ex) == "struct<a:bigint,s:string>");  // widened as a union
  json in = rel("setOp", {{"leftInput", l}, {"rightInput", l}, {"setOpType", "SET_OP_TYPE_INTERSECT"}, {"isAll", true}});
  CHECK(tree_of(in).find("count(vcol2#") != std::string::npos);
  json bad = rel("setOp", {{"leftInput", l}, {"rightInput", local("a INT")}, {"setOpType", "SET_OP_TYPE_EXCEPT"}, {"isAll", true}});
  CHECK(error_of(bad).find("[NUM_COLUMNS_MISMATCH] EXCEPT can only be performed on inputs with the same number of columns") == 0);
}

TEST_CASE("sql rewrites: offset and tail number the rows in their order") {
  json df = local("a INT");
  std::string t = tree_of(rel("offset", {{"input", df}, {"offset", 2}}));
  CHECK(t.find("row_number()") != std::string::npos);
  CHECK(t.find("monotonically_increasing_id()") != std::string::npos);
  CHECK(schema_of(rel("tail", {{"input", df}, {"limit", 2}})) == "struct<a:int>");
}

TEST_CASE("sql rewrites: unpivot is an Expand over the value columns' common type") {
  json df = local("id INT, i INT, d DOUBLE, s STRING");
  json body = {{"input", df}, {"ids", {col("id")}}, {"values", {{"values", {col("i"), col("d")}}}},
               {"variableColumnName", "var"}, {"valueColumnName", "val"}};
  CHECK(schema_of(rel("unpivot", body)) == "struct<id:int,var:string,val:double>");
  body.erase("values");
  CHECK(error_of(rel("unpivot", body)) ==
        "[UNPIVOT_VALUE_DATA_TYPE_MISMATCH] Unpivot value columns must share a least common type, some types do not: "
        "[\"DOUBLE\" (`d`), \"INT\" (`i`), \"STRING\" (`s`)].");
}

TEST_CASE("sql rewrites: to(schema) reorders, casts by store assignment, fills missing nullable columns") {
  json df = local("i STRING, j INT");
  auto schema = [](const char* ddl) {
    auto t = parse_ddl_schema(ddl);
    REQUIRE(t.is_ok());
    return type_to_connect_json(*t);
  };
  CHECK(schema_of(rel("toSchema", {{"input", df}, {"schema", schema("j STRING, i STRING, k INT")}})) ==
        "struct<j:string,i:string,k:int>");
  CHECK(error_of(rel("toSchema", {{"input", df}, {"schema", schema("i INT")}})) ==
        "[INVALID_COLUMN_OR_FIELD_DATA_TYPE] Column or field `i` is of type \"STRING\" while it's required to be \"INT\".");
}
