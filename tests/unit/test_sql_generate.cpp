// Generators (explode / explode_outer / posexplode / posexplode_outer): Spark's ExtractGenerator
// in the analyzer, Generate through the optimizer (pruning, filter pushdown), physical plan and
// explain text.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "sql/analysis/analyzer.h"
#include "sql/optimizer/optimizer.h"
#include "sql/physical/physical.h"

using namespace spp::sql;
using nlohmann::json;

namespace {

json local(const char* ddl) {
  auto t = parse_ddl_schema(ddl);
  REQUIRE(t.is_ok());
  return {{"common", {{"planId", "1"}}}, {"localRelation", {{"schema", type_to_json(*t).dump()}}}};
}
json text_source() {
  return {{"read", {{"dataSource", {{"format", "text"}, {"schema", "value STRING"}, {"paths", {"/tmp/w.txt"}}}}}}};
}
json col(const char* name);
json lit_s(const char* s);
json fn(const char* name, std::vector<json> args);
json col(const char* name) { return {{"unresolvedAttribute", {{"unparsedIdentifier", name}}}}; }
json fn(const char* name, std::vector<json> args) {
  return {{"unresolvedFunction", {{"functionName", name}, {"arguments", args}}}};
}
json lit_i(int v) { return {{"literal", {{"integer", v}}}}; }
json lit_s(const char* s) { return {{"literal", {{"string", s}}}}; }
json as(json e, std::vector<std::string> names) { return {{"alias", {{"expr", e}, {"name", names}}}}; }
json select(json in, std::vector<json> es) { return {{"project", {{"input", in}, {"expressions", es}}}}; }
json where(json in, json cond) { return {{"filter", {{"input", in}, {"condition", cond}}}}; }
json group_by(json in, std::vector<json> groups, std::vector<json> aggs) {
  return {{"aggregate", {{"input", in}, {"groupType", "GROUP_TYPE_GROUPBY"}, {"groupingExpressions", groups},
                         {"aggregateExpressions", aggs}}}};
}

const char* kDdl = "id INT, a ARRAY<INT>, m MAP<STRING, DOUBLE>, s ARRAY<STRING>";
// split() never yields NULL elements: its explode column is not nullable.
json words_of(const char* c) { return fn("split", {col(c), lit_s(" ")}); }

Analyzed run(const json& plan) {
  IdGen ids;
  auto p = decode_plan(plan, ids);
  REQUIRE_MESSAGE(p.is_ok(), p.error_message());
  return analyze(*p, ids);
}

PlanPtr analyzed(const json& plan) {
  auto a = run(plan);
  REQUIRE_MESSAGE(!a.error, (a.error ? a.error->message : ""));
  return a.plan;
}

// `name:type` per column, `?` marking the nullable ones.
std::string columns(const json& plan) {
  std::string s;
  for (const auto& f : plan_schema(analyzed(plan)).fields)
    s += (s.empty() ? "" : ",") + f.name + ":" + f.type.simple_string() + (f.nullable ? "?" : "");
  return s;
}

std::string error_of(const json& plan) {
  auto a = run(plan);
  REQUIRE(a.error.has_value());
  return a.error->message;
}

}  // namespace

TEST_CASE("sql generate: output columns as Spark names and types them") {
  json df = local(kDdl);
  CHECK(columns(select(df, {col("id"), fn("explode", {col("a")})})) == "id:int?,col:int?");
  CHECK(columns(select(df, {fn("explode", {col("s")})})) == "col:string?");
  json text = local("t STRING");
  CHECK(columns(select(text, {fn("explode", {words_of("t")})})) == "col:string");  // elements never null
  CHECK(columns(select(text, {fn("explode_outer", {words_of("t")})})) == "col:string?");
  CHECK(columns(select(text, {fn("posexplode_outer", {words_of("t")})})) == "pos:int?,col:string?");
  CHECK(columns(select(df, {fn("posexplode", {col("a")})})) == "pos:int,col:int?");
  CHECK(columns(select(df, {fn("explode", {col("m")})})) == "key:string,value:double?");
  CHECK(columns(select(df, {fn("posexplode", {col("m")}), col("id")})) == "pos:int,key:string,value:double?,id:int?");
  CHECK(columns(select(df, {as(fn("explode", {col("a")}), {"x"})})) == "x:int?");
  CHECK(columns(select(df, {as(fn("posexplode", {col("a")}), {"p", "c"})})) == "p:int,c:int?");
  CHECK(columns(select(df, {as(fn("explode", {col("m")}), {"k", "v"})})) == "k:string,v:double?");
  // withColumn keeps the other columns in place.
  json wc = {{"withColumns", {{"input", df}, {"aliases", {{{"expr", fn("explode", {col("a")})}, {"name", {"e"}}}}}}}};
  CHECK(columns(wc) == "id:int?,a:array<int>?,m:map<string,double>?,s:array<string>?,e:int?");
  // Columns of the generated output resolve above it (the Project is unresolved until then).
  json above = select(select(df, {as(fn("explode", {fn("split", {lit_s("a b"), lit_s(" ")})}), {"w"})}),
                      {fn("upper", {col("w")})});
  CHECK(columns(above) == "upper(w):string");  // split of a literal: no NULLs anywhere
}

TEST_CASE("sql generate: the analyzed plan is Project over Generate") {
  json df = local(kDdl);
  CHECK(analyzed(select(df, {col("id"), fn("explode_outer", {col("a")})}))->tree_string() ==
        "Project [id#0, col#4]\n"
        "+- Generate explode(a#1), true, [col#4]\n"
        "   +- LogicalRDD [id#0, a#1, m#2, s#3], false\n");
  // Two generators in one select: Spark 3.5 stacks two Generates (a cross product per row).
  CHECK(analyzed(select(df, {fn("explode", {col("a")}), as(fn("posexplode", {col("s")}), {"p", "w"})}))->tree_string() ==
        "Project [col#4, p#5, w#6]\n"
        "+- Generate posexplode(s#3), false, [p#5, w#6]\n"
        "   +- Generate explode(a#1), false, [col#4]\n"
        "      +- LogicalRDD [id#0, a#1, m#2, s#3], false\n");
  // A generator over an aggregate's result: the aggregate computes its input first.
  CHECK(analyzed(group_by(df, {col("id")}, {fn("explode", {fn("collect_list", {col("id")})})}))->tree_string() ==
        "Project [id#0, col#5]\n"
        "+- Generate explode(_gen_input_0#4), false, [col#5]\n"
        "   +- Aggregate [id#0], [id#0, collect_list(id#0, 0, 0) AS _gen_input_0#4]\n"
        "      +- LogicalRDD [id#0, a#1, m#2, s#3], false\n");
}

TEST_CASE("sql generate: Spark's errors") {
  json df = local(kDdl);
  CHECK(error_of(select(df, {fn("upper", {fn("explode", {col("s")})})})) ==
        "[UNSUPPORTED_GENERATOR.NESTED_IN_EXPRESSIONS] The generator is not supported: nested in expressions "
        "\"upper(explode(s))\".");
  CHECK(error_of(select(df, {fn("explode", {fn("explode", {col("a")})})})) ==
        "[UNSUPPORTED_GENERATOR.NESTED_IN_EXPRESSIONS] The generator is not supported: nested in expressions "
        "\"explode(explode(a))\".");
  CHECK(error_of(select(df, {fn("size", {fn("explode", {col("a")})})})).find("nested in expressions \"size(explode(a))\"") !=
        std::string::npos);
  CHECK(error_of(group_by(df, {col("id")}, {fn("explode", {col("a")}), fn("explode", {col("s")})})) ==
        "[UNSUPPORTED_GENERATOR.MULTI_GENERATOR] The generator is not supported: only one generator allowed per "
        "SELECT clause but found 2: \"explode(a)\", \"explode(s)\".");
  CHECK(error_of(where(df, fn(">", {fn("explode", {col("a")}), lit_i(1)}))) ==
        "[UNSUPPORTED_GENERATOR.OUTSIDE_SELECT] The generator is not supported: outside the SELECT clause, found: "
        "Filter (explode(a#1) > 1).");
  CHECK(error_of(select(df, {as(fn("explode", {col("a")}), {"x", "y"})})) ==
        "[UDTF_ALIAS_NUMBER_MISMATCH] The number of aliases supplied in the AS clause does not match the number of "
        "columns output by the UDTF. Expected 1 aliases, but got x,y. Please ensure that the number of aliases "
        "provided matches the number of columns output by the UDTF.");
  CHECK(error_of(select(df, {fn("explode", {col("id")})})).find("[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE]") == 0);
}

TEST_CASE("sql generate: optimizer prunes the generator's input and keeps its filters above it") {
  json words = select(text_source(), {as(fn("explode", {fn("split", {col("value"), lit_s(" ")})}), {"word"})});
  json wc = group_by(words, {col("word")}, {as(fn("count", {lit_i(1)}), {"count"})});
  // The split input is not passed on ([0]); the no-op Project above goes (Spark's ColumnPruning).
  CHECK(opt::optimize(analyzed(wc))->tree_string() ==
        "Aggregate [word#3], [word#3, count(1) AS count#2L]\n"
        "+- Generate explode(split(value#0,  , -1)), [0], false, [word#3]\n"
        "   +- Relation [value#0] text\n");
  json df = local(kDdl);
  // count() reads no column: an empty Project (printed bare, as Spark's argString drops empty
  // lists) over a Generate passing none of the child's columns on.
  json cnt = group_by(select(df, {fn("explode", {col("a")})}), {}, {as(fn("count", {lit_i(1)}), {"count"})});
  CHECK(opt::optimize(analyzed(cnt))->tree_string() ==
        "Aggregate [count(1) AS count#4L]\n"
        "+- Project\n"
        "   +- Generate explode(a#1), [0], false, [col#5]\n"
        "      +- Project [a#1]\n"
        "         +- LogicalRDD [id#0, a#1, m#2, s#3], false\n");
  json q = where(select(df, {col("id"), as(fn("explode", {col("a")}), {"x"})}),
                 fn("and", {fn(">", {col("x"), lit_i(1)}), fn("<", {col("id"), lit_i(3)})}));
  // id < 3 runs before the rows multiply; x > 1 reads the generated column and stays above.
  CHECK(opt::optimize(analyzed(q))->tree_string() ==
        "Filter (isnotnull(x#5) AND (x#5 > 1))\n"
        "+- Generate explode(a#1), [1], false, [x#5]\n"
        "   +- Project [id#0, a#1]\n"
        "      +- Filter (isnotnull(id#0) AND (id#0 < 3))\n"
        "         +- LogicalRDD [id#0, a#1, m#2, s#3], false\n");
}

TEST_CASE("sql generate: physical plan and explain in Spark's shape") {
  json words = select(text_source(), {as(fn("explode", {fn("split", {col("value"), lit_s(" ")})}), {"word"})});
  json wc = group_by(words, {col("word")}, {as(fn("count", {lit_i(1)}), {"count"})});
  IdGen ids;
  auto p = decode_plan(wc, ids);
  REQUIRE(p.is_ok());
  auto a = analyze(*p, ids);
  REQUIRE(!a.error);
  PlannerOptions opts;
  opts.adaptive = false;
  auto ph = create_physical_plan(opt::optimize(a.plan), opts);
  REQUIRE(ph.is_ok());
  std::string s = physical_tree_string(*ph, opts);
  // Generate runs in the partial aggregate's codegen stage, over the scan of the one column.
  auto stage_of = [&](const std::string& what) {
    size_t at = s.find(what);
    REQUIRE_MESSAGE(at != std::string::npos, s);
    size_t line = s.rfind('\n', at) + 1, star = s.find("*(", line);
    return star < at ? s.substr(star, s.find(')', star) - star + 1) : std::string();
  };
  CHECK(s.find("Generate explode(split(value#0,  , -1)), false, [word#3]\n") != std::string::npos);
  CHECK(stage_of("Generate explode") == stage_of("functions=[partial_count(1)]"));
  CHECK(!stage_of("Generate explode").empty());
  CHECK(s.find("+- FileScan text [value#0] ") != std::string::npos);
  // With child columns passed on, GenerateExec prints them (requiredChildOutput).
  json df = local(kDdl);
  auto q = analyze(*decode_plan(select(df, {col("id"), fn("posexplode_outer", {col("m")})}), ids), ids);
  REQUIRE(!q.error);
  auto qp = create_physical_plan(opt::optimize(q.plan), opts);
  REQUIRE(qp.is_ok());
  CHECK((*qp)->node_string().rfind("Generate posexplode(m#", 0) == 0);
  CHECK((*qp)->node_string().find("), [id#") != std::string::npos);
  CHECK((*qp)->node_string().find("], true, [pos#") != std::string::npos);
  auto j = physical_to_json(*qp);
  CHECK(j["op"] == "Generate");
  CHECK(j["outer"] == true);
  CHECK(j["project"].size() == 1);
  CHECK(j["generatorOutput"].size() == 3);
}
