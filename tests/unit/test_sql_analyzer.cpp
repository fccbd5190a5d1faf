// Decoding Connect JSON plans and analysing them: names, types, coercions, rewrites, errors.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "sql/analysis/analyzer.h"
#include "sql/connect/decode.h"

using namespace spp::sql;
using nlohmann::json;

namespace {

json local(const char* ddl, int plan_id = 1) {
  auto t = parse_ddl_schema(ddl);
  REQUIRE(t.is_ok());
  return {{"common", {{"planId", std::to_string(plan_id)}}}, {"localRelation", {{"schema", type_to_json(*t).dump()}}}};
}
json col(const char* name) { return {{"unresolvedAttribute", {{"unparsedIdentifier", name}}}}; }
json col_of(const char* name, int plan_id) {
  return {{"unresolvedAttribute", {{"unparsedIdentifier", name}, {"planId", std::to_string(plan_id)}}}};
}
json fn(const char* name, std::vector<json> args) {
  return {{"unresolvedFunction", {{"functionName", name}, {"arguments", args}}}};
}
json lit_i(int v) { return {{"literal", {{"integer", v}}}}; }
json lit_s(const char* s) { return {{"literal", {{"string", s}}}}; }
json star() { return {{"unresolvedStar", json::object()}}; }
json select(json input, std::vector<json> es) { return {{"project", {{"input", input}, {"expressions", es}}}}; }

Analyzed run(const json& plan, AnalyzerOptions opts = {}) {
  IdGen ids;
  auto p = decode_plan(plan, ids);
  REQUIRE_MESSAGE(p.is_ok(), p.error_message());
  return analyze(*p, ids, opts);
}

std::string schema_of(const json& plan) {
  auto a = run(plan);
  REQUIRE_MESSAGE(!a.error, (a.error ? a.error->message : ""));
  return plan_schema(a.plan).simple_string();
}

std::string error_of(const json& plan) {
  auto a = run(plan);
  REQUIRE(a.error.has_value());
  return a.error->message;
}

}  // namespace

TEST_CASE("sql analyzer: column names and types of select expressions") {
  json df = local("a BIGINT, b INT, s STRING, d DECIMAL(10,2)");
  CHECK(schema_of(select(df, {fn("+", {col("a"), col("b")})})) == "struct<(a + b):bigint>");
  CHECK(schema_of(select(df, {fn("/", {col("b"), lit_i(2)})})) == "struct<(b / 2):double>");
  CHECK(schema_of(select(df, {fn("+", {col("s"), lit_i(1)})})) == "struct<(s + 1):double>");
  CHECK(schema_of(select(df, {fn("*", {col("d"), col("a")})})) == "struct<(d * a):decimal(31,2)>");
  CHECK(schema_of(select(df, {fn("-", {col("b")})})) == "struct<(- b):int>");  // -b
  CHECK(schema_of(select(df, {fn("negative", {col("b")})})) == "struct<negative(b):int>");  // negative(b)
  CHECK(schema_of(select(df, {fn("not", {fn("==", {col("a"), lit_i(1)})})})) == "struct<(NOT (a = 1)):boolean>");
  CHECK(schema_of(select(df, {fn("upper", {col("s")}), fn("round", {col("d"), lit_i(1)})})) ==
        "struct<upper(s):string,round(d, 1):decimal(10,1)>");
  CHECK(schema_of(select(df, {fn("isnull", {col("a")}), fn("in", {col("b"), lit_i(1), lit_i(2)})})) ==
        "struct<(a IS NULL):boolean,(b IN (1, 2)):boolean>");
  CHECK(schema_of(select(df, {fn("when", {fn(">", {col("b"), lit_i(1)}), lit_i(1), lit_i(0)})})) ==
        "struct<CASE WHEN (b > 1) THEN 1 ELSE 0 END:int>");
  CHECK(schema_of(select(df, {fn("concat_ws", {lit_s("-"), col("s"), col("s")}), fn("split", {col("s"), lit_s(",")})})) ==
        "struct<concat_ws(-, s, s):string,split(s, ,, -1):array<string>>");
  json c = {{"cast", {{"expr", col("a")}, {"typeStr", "int"}}}};
  // A top-level user cast of a column keeps the column's name (ResolveAliases); nested, it is CAST(...).
  CHECK(schema_of(select(df, {c})) == "struct<a:int>");
  CHECK(schema_of(select(df, {fn("+", {c, lit_i(1)})})) == "struct<(CAST(a AS INT) + 1):int>");
  // An aggregate in a select list makes it a global aggregation (GlobalAggregates).
  CHECK(schema_of(select(df, {fn("max", {col("a")}), fn("count", {col("s")})})) == "struct<max(a):bigint,count(s):bigint>");
  json al = {{"alias", {{"expr", fn("sqrt", {col("b")})}, {"name", {"r"}}}}};
  CHECK(schema_of(select(df, {al, fn("sqrt", {col("b")})})) == "struct<r:double,SQRT(b):double>");
  // Star, case-insensitive resolution keeping the schema's spelling.
  CHECK(schema_of(select(df, {star()})) == "struct<a:bigint,b:int,s:string,d:decimal(10,2)>");
  CHECK(schema_of(select(df, {col("A"), col("S")})) == "struct<a:bigint,s:string>");
  // Auto-inserted casts stay out of names; comparisons cast the string side to the other type.
  auto a = run(select(df, {fn(">", {col("s"), lit_i(1)})}));
  REQUIRE(!a.error);
  CHECK(a.plan->exprs[0]->name == "(s > 1)");
  CHECK(a.plan->exprs[0]->children[0]->children[0]->to_string() == "cast(s#2 as int)");
}

TEST_CASE("sql analyzer: aggregates") {
  json df = local("k STRING, x INT, d DECIMAL(10,2)");
  json agg = {{"aggregate",
               {{"input", df}, {"groupType", "GROUP_TYPE_GROUPBY"}, {"groupingExpressions", {col("k")}},
                {"aggregateExpressions",
                 {fn("count", {star()}), fn("sum", {col("x")}), fn("avg", {col("x")}), fn("sum", {col("d")}),
                  fn("avg", {col("d")}), fn("max", {col("k")}), fn("collect_list", {col("x")})}}}}};
  CHECK(schema_of(agg) ==
        "struct<k:string,count(1):bigint,sum(x):bigint,avg(x):double,sum(d):decimal(20,2),avg(d):decimal(14,6),"
        "max(k):string,collect_list(x):array<int>>");
  json distinct = {{"unresolvedFunction", {{"functionName", "count"}, {"arguments", {col("x")}}, {"isDistinct", true}}}};
  json agg2 = {{"aggregate", {{"input", df}, {"groupType", "GROUP_TYPE_GROUPBY"}, {"aggregateExpressions", {distinct}}}}};
  CHECK(schema_of(agg2) == "struct<count(DISTINCT x):bigint>");
  json bad = {{"aggregate", {{"input", df}, {"groupType", "GROUP_TYPE_GROUPBY"}, {"groupingExpressions", {col("k")}},
                             {"aggregateExpressions", {col("x")}}}}};
  CHECK(error_of(bad) ==
        "[MISSING_AGGREGATION] The non-aggregating expression \"x\" is based on columns which are not participating "
        "in the GROUP BY clause.\nAdd the columns or the expression to the GROUP BY, aggregate the expression, or use "
        "\"any_value(x)\" if you do not care which of the values within a group is returned.");
}

TEST_CASE("sql analyzer: error texts") {
  json df = local("age BIGINT, name STRING");
  CHECK(error_of(select(df, {col("nope")})) ==
        "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `nope` cannot be resolved. "
        "Did you mean one of the following? [`age`, `name`].");
  CHECK(error_of(select(df, {fn("no_such_fn", {col("age")})})) ==
        "[UNRESOLVED_ROUTINE] Cannot resolve function `no_such_fn` on search path [`system`.`builtin`, "
        "`system`.`session`, `spark_catalog`.`default`].");
  CHECK(error_of({{"read", {{"namedTable", {{"unparsedIdentifier", "t"}}}}}}).rfind(
            "[TABLE_OR_VIEW_NOT_FOUND] The table or view `t` cannot be found.", 0) == 0);
  json arr = local("a ARRAY<INT>, b BIGINT");
  CHECK(error_of(select(arr, {fn("sum", {col("a")})})) ==
        "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"sum(a)\" due to data type mismatch: The first "
        "parameter requires the \"NUMERIC\" type, however \"a\" has the type \"ARRAY<INT>\".");
  json c = {{"cast", {{"expr", col("a")}, {"typeStr", "int"}}}};
  CHECK(error_of(select(arr, {c})) ==
        "[DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION] Cannot resolve \"CAST(a AS INT)\" due to data type mismatch: "
        "cannot cast \"ARRAY<INT>\" to \"INT\".");
  json f = {{"filter", {{"input", df}, {"condition", col("age")}}}};
  CHECK(error_of(f).rfind("[DATATYPE_MISMATCH.FILTER_NOT_BOOLEAN]", 0) == 0);
  json u = {{"setOp", {{"leftInput", df}, {"rightInput", local("x INT", 2)}, {"setOpType", "SET_OP_TYPE_UNION"}, {"isAll", true}}}};
  CHECK(error_of(u) ==
        "[NUM_COLUMNS_MISMATCH] UNION can only be performed on inputs with the same number of columns, but the first "
        "input has 2 columns and the second input has 1 columns.");
}

TEST_CASE("sql analyzer: joins, self-joins and ambiguity") {
  json l = local("k INT, a STRING", 1), r = local("k INT, b STRING", 2);
  json using_join = {{"join", {{"left", l}, {"right", r}, {"joinType", "JOIN_TYPE_INNER"}, {"usingColumns", {"k"}}}}};
  CHECK(schema_of(using_join) == "struct<k:int,a:string,b:string>");
  // A column of a USING join resolves against the joined output (one `k`), not both sides.
  CHECK(schema_of(select(using_join, {col("k"), col("b")})) == "struct<k:int,b:string>");
  json full = using_join;
  full["join"]["joinType"] = "JOIN_TYPE_FULL_OUTER";
  CHECK(schema_of(full) == "struct<k:int,a:string,b:string>");
  json semi = using_join;
  semi["join"]["joinType"] = "JOIN_TYPE_LEFT_SEMI";
  CHECK(schema_of(semi) == "struct<k:int,a:string>");
  json on = {{"join", {{"left", l}, {"right", r}, {"joinType", "JOIN_TYPE_LEFT_OUTER"},
                      {"joinCondition", fn("==", {col_of("k", 1), col_of("k", 2)})}}}};
  CHECK(schema_of(on) == "struct<k:int,a:string,k:int,b:string>");
  CHECK(error_of(select(on, {col("k")})) == "[AMBIGUOUS_REFERENCE] Reference `k` is ambiguous, could be: [`k`, `k`].");
  CHECK(schema_of(select(on, {col_of("k", 2), col("b")})) == "struct<k:int,b:string>");
  // Self-join through aliases: qualifiers pick the side.
  json x = {{"subqueryAlias", {{"input", l}, {"alias", "x"}}}}, y = {{"subqueryAlias", {{"input", l}, {"alias", "y"}}}};
  json self = {{"join", {{"left", x}, {"right", y}, {"joinType", "JOIN_TYPE_INNER"},
                        {"joinCondition", fn("==", {col("x.k"), col("y.k")})}}}};
  CHECK(schema_of(select(self, {col("x.a"), col("y.k")})) == "struct<a:string,k:int>");
  CHECK(error_of(select(self, {col("z.a")})).rfind(
            "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `z`.`a` cannot be resolved. "
            "Did you mean one of the following? [`x`.`a`, `y`.`a`", 0) == 0);
  json bad_using = using_join;
  bad_using["join"]["usingColumns"] = {"a"};
  CHECK(error_of(bad_using) ==
        "[UNRESOLVED_USING_COLUMN_FOR_JOIN] USING column `a` cannot be resolved on the right side of the join. "
        "The right-side columns: [`k`, `b`].");
}

TEST_CASE("sql analyzer: withColumns, renames, drop, toDF, dedup, union widening") {
  json df = local("a INT, b STRING");
  json al = {{"expr", fn("+", {col("a"), lit_i(1)})}, {"name", {"A"}}};
  json al2 = {{"expr", lit_i(7)}, {"name", {"c"}}};
  CHECK(schema_of({{"withColumns", {{"input", df}, {"aliases", {al, al2}}}}}) == "struct<A:int,b:string,c:int>");
  CHECK(schema_of({{"withColumnsRenamed", {{"input", df}, {"renameColumnsMap", {{"b", "x"}, {"zz", "y"}}}}}}) ==
        "struct<a:int,x:string>");
  CHECK(schema_of({{"drop", {{"input", df}, {"columnNames", {"B", "missing"}}}}}) == "struct<a:int>");
  CHECK(schema_of({{"toDf", {{"input", df}, {"columnNames", {"x", "y"}}}}}) == "struct<x:int,y:string>");
  CHECK(schema_of({{"deduplicate", {{"input", df}, {"columnNames", {"a"}}}}}) == "struct<a:int,b:string>");
  json u = {{"setOp", {{"leftInput", df}, {"rightInput", local("x BIGINT, y STRING", 2)},
                       {"setOpType", "SET_OP_TYPE_UNION"}, {"isAll", true}}}};
  CHECK(schema_of(u) == "struct<a:bigint,b:string>");
  json ubn = {{"setOp", {{"leftInput", df}, {"rightInput", local("b STRING, a INT", 2)},
                         {"setOpType", "SET_OP_TYPE_UNION"}, {"isAll", true}, {"byName", true}}}};
  auto r = run(ubn);
  REQUIRE(!r.error);
  CHECK(r.plan->children[1]->output()[0]->name == "a");
}

TEST_CASE("sql analyzer: views, explain tree") {
  IdGen ids;
  auto view = decode_plan(local("id BIGINT, v STRING"), ids);
  REQUIRE(view.is_ok());
  AnalyzerOptions opts;
  opts.lookup_relation = [&](const std::vector<std::string>& parts) -> PlanPtr {
    return parts.size() == 1 && parts[0] == "t" ? *view : nullptr;
  };
  json q = {{"filter", {{"input", select({{"read", {{"namedTable", {{"unparsedIdentifier", "t"}}}}}}, {col("id"), col("t.v")})},
                        {"condition", fn(">", {col("id"), lit_i(1)})}}}};
  auto p = decode_plan(q, ids);
  REQUIRE(p.is_ok());
  CHECK((*p)->tree_string() ==
        "'Filter ('id > 1)\n"
        "+- 'Project ['id, 't.v]\n"
        "   +- 'UnresolvedRelation [t], [], false\n");
  auto a = analyze(*p, ids, opts);
  REQUIRE(!a.error);
  CHECK(a.plan->tree_string() ==
        "Filter (id#2L > cast(1 as bigint))\n"  // a view's attributes get fresh ids per use
        "+- Project [id#2L, v#3]\n"
        "   +- SubqueryAlias t\n"
        "      +- LogicalRDD [id#2L, v#3], false\n");
}

TEST_CASE("sql decode: rejects unknown fields and kinds") {
  IdGen ids;
  CHECK(decode_plan(json::parse(R"({"root":{"project":{"input":{"range":{"end":"3"}},"bogus":1}}})"), ids).error_message() ==
        "plan: unknown field 'bogus' in 'project'");
  CHECK(decode_plan(json::parse(R"({"root":{"sqlx":{}}})"), ids).error_message() == "plan: unsupported relation 'sqlx'");
  auto r = decode_plan(json::parse(R"({"root":{"range":{"start":"2","end":10,"step":"3","numPartitions":2}}})"), ids);
  REQUIRE(r.is_ok());
  CHECK((*r)->tree_string() == "Range (2, 10, step=3, splits=Some(2))\n");
  CHECK(*parse_identifier("`a.b`.c") == std::vector<std::string>{"a.b", "c"});
  CHECK(*parse_identifier("`x``y`") == std::vector<std::string>{"x`y"});
  auto lit = decode_expression(json::parse(R"({"literal":{"decimal":{"value":"-1.50","precision":3,"scale":2}}})"), ids);
  REQUIRE(lit.is_ok());
  CHECK((*lit)->sql() == "-1.50");
  CHECK((*lit)->type == DataType::decimal(3, 2));
  auto d = decode_expression(json::parse(R"({"literal":{"double":1e10}})"), ids);
  CHECK((*d)->sql() == "1.0E10");
  auto dt = decode_expression(json::parse(R"({"literal":{"date":19723}})"), ids);
  CHECK((*dt)->sql() == "DATE '2024-01-01'");
}

TEST_CASE("sql analyzer: library function names, types and lookup by SQL name") {
  json df = local("a BIGINT, b INT, s STRING, x DOUBLE");
  // Spark's own printing: IF in parentheses, nullif/typeof without their hidden arguments,
  // log(x) as LOG(E(), x), aliases keeping the name they were called by.
  CHECK(schema_of(select(df, {fn("if", {fn(">", {col("b"), lit_i(1)}), col("a"), col("b")})})) ==
        "struct<(IF((b > 1), a, b)):bigint>");
  CHECK(schema_of(select(df, {fn("nullif", {col("b"), col("a")}), fn("typeof", {col("s")})})) ==
        "struct<nullif(b, a):int,typeof(s):string>");
  CHECK(schema_of(select(df, {fn("log", {col("x")}), fn("ceiling", {col("x")}), fn("sign", {col("b")})})) ==
        "struct<LOG(E(), x):double,ceiling(x):bigint,sign(b):double>");
  // Function names are case-insensitive (the SQL parser's calls land in the same table).
  CHECK(schema_of(select(df, {fn("LPAD", {col("s"), lit_i(3)}), fn("Regexp_Extract", {col("s"), lit_s("(a)")})})) ==
        "struct<lpad(s, 3,  ):string,regexp_extract(s, (a), 1):string>");
  CHECK(schema_of(select(df, {fn("bitwise_not", {col("b")}), fn("rand", {})})) == "struct<~b:int,rand():double>");
  CHECK(error_of(select(df, {fn("nvl", {col("a")})})).find("WRONG_NUM_ARGS") != std::string::npos);
  CHECK(error_of(select(df, {fn("locate", {col("s")})})).find("WRONG_NUM_ARGS") != std::string::npos);
}
