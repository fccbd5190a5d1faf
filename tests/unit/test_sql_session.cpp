// SqlSession: the JSON requests the driver answers for pyspark.sql (analyze, explain, views).
#include <doctest/doctest.h>

#include "sql/session.h"

using namespace spp::sql;
using nlohmann::json;

namespace {

json local(const char* ddl, int plan_id) {
  auto t = parse_ddl_schema(ddl);
  REQUIRE(t.is_ok());
  return {{"common", {{"planId", std::to_string(plan_id)}}}, {"localRelation", {{"schema", type_to_json(*t).dump()}}}};
}
json col(const char* name) { return {{"unresolvedAttribute", {{"unparsedIdentifier", name}}}}; }
json select(json input, std::vector<json> es) { return {{"root", {{"project", {{"input", input}, {"expressions", es}}}}}}; }
json table(const char* name) { return {{"read", {{"namedTable", {{"unparsedIdentifier", name}}}}}}; }

}  // namespace

TEST_CASE("sql session: analyze returns the schema or Spark's AnalysisException") {
  SqlSession s;
  json ok = s.analyze(select(local("age BIGINT, name STRING", 1), {col("name")}));
  CHECK(ok == json::parse(R"({"schema":{"type":"struct","fields":[{"name":"name","type":"string","nullable":true,"metadata":{}}]}})"));
  json bad = s.analyze(select(local("age BIGINT, name STRING", 2), {col("nope")}));
  REQUIRE(bad.contains("error"));
  CHECK(bad["error"]["kind"] == "AnalysisException");
  CHECK(bad["error"]["errorClass"] == "UNRESOLVED_COLUMN.WITH_SUGGESTION");
  CHECK(bad["error"]["sqlState"] == "42703");
  CHECK(bad["error"]["messageParameters"] == json::parse(R"({"objectName":"`nope`","proposal":"`age`, `name`"})"));
  CHECK(bad["error"]["message"] ==
        "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `nope` cannot be resolved. "
        "Did you mean one of the following? [`age`, `name`].;\n"
        "'Project ['nope]\n"
        "+- LogicalRDD [age#2L, name#3], false\n");
  json wire = s.analyze(json::parse(R"({"root":{"project":{"input":{"range":{"end":"3"}},"bogus":1}}})"));
  CHECK(wire["error"]["kind"] == "IllegalArgumentException");
}

TEST_CASE("sql session: temporary views and explain") {
  SqlSession s;
  json view = {{"command", {{"createDataframeView", {{"input", local("id BIGINT, v STRING", 1)}, {"name", "T"}, {"replace", false}}}}}};
  CHECK(s.command(view) == json::object());
  CHECK(s.command(view)["error"]["errorClass"] == "TEMP_TABLE_OR_VIEW_ALREADY_EXISTS");
  view["command"]["createDataframeView"]["replace"] = true;
  CHECK(s.command(view) == json::object());
  CHECK(s.analyze({{"root", table("t")}})["schema"]["fields"].size() == 2);
  CHECK(s.analyze({{"root", table("u")}})["error"]["errorClass"] == "TABLE_OR_VIEW_NOT_FOUND");
  // The same view on both sides of a join gets distinct attributes (fresh exprIds per use).
  json x = {{"subqueryAlias", {{"input", table("t")}, {"alias", "x"}}}}, y = {{"subqueryAlias", {{"input", table("t")}, {"alias", "y"}}}};
  json self = {{"join", {{"left", x}, {"right", y}, {"joinType", "JOIN_TYPE_INNER"},
                        {"joinCondition", {{"unresolvedFunction", {{"functionName", "=="}, {"arguments", {col("x.id"), col("y.id")}}}}}}}}};
  json sel = {{"root", {{"project", {{"input", self}, {"expressions", {col("x.v"), col("y.v")}}}}}}};
  CHECK(s.analyze(sel)["schema"]["fields"].size() == 2);
  auto q = s.prepare(sel);
  REQUIRE(std::holds_alternative<PreparedQuery>(q));
  auto out = std::get<PreparedQuery>(q).analyzed->output();
  CHECK(out[0]->id != out[1]->id);
  CHECK(s.drop_temp_view("t", false));
  CHECK(s.analyze({{"root", table("t")}})["error"]["errorClass"] == "TABLE_OR_VIEW_NOT_FOUND");

  json range = {{"root", {{"range", {{"end", "10"}, {"numPartitions", 2}}}}}};
  CHECK(s.explain(range, "simple")["text"] == "== Physical Plan ==\n*(1) Range (0, 10, step=1, splits=2)\n\n");
  std::string ext = s.explain(range, "extended")["text"];
  CHECK(ext.rfind("== Parsed Logical Plan ==\nRange (0, 10, step=1, splits=Some(2))\n\n== Analyzed Logical Plan ==\nid: bigint\n", 0) == 0);
  CHECK(s.conf().set("spark.sql.shuffle.partitions", "8"));
  CHECK(s.conf().set("spark.sql.autoBroadcastJoinThreshold", "-1"));
  CHECK(s.conf().planner.auto_broadcast_threshold == -1);
  CHECK(s.conf().set("spark.sql.autoBroadcastJoinThreshold", "20m"));
  CHECK(s.conf().planner.auto_broadcast_threshold == 20 << 20);
  CHECK_FALSE(s.conf().set("spark.sql.unknown", "1"));
  json agg = {{"root", {{"aggregate", {{"input", local("k STRING", 3)}, {"groupType", "GROUP_TYPE_GROUPBY"},
                                       {"groupingExpressions", {col("k")}}, {"aggregateExpressions", json::array()}}}}}};
  CHECK(std::string(s.explain(agg, "simple")["text"]).find("hashpartitioning(k#", 0) != std::string::npos);
  CHECK(std::string(s.explain(agg, "simple")["text"]).find(", 8), ENSURE_REQUIREMENTS") != std::string::npos);
  auto prepared = s.prepare(agg);
  REQUIRE(std::holds_alternative<PreparedQuery>(prepared));
  CHECK(std::get<PreparedQuery>(prepared).stages.size() == 2);
}
