// explain's formatted, cost and codegen modes (src/sql/physical/explain*.cpp), in the shapes of
// Spark 3.5's ExplainUtils.processPlan, QueryExecution.stringWithStats and debug.writeCodegen
// (expected texts follow Spark's sql-tests golden files explain.sql.out / explain-aqe.sql.out).
#include <regex>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "sql/analysis/analyzer.h"
#include "sql/optimizer/optimizer.h"
#include "sql/physical/physical.h"
#include "sql/session.h"

using namespace spp::sql;
using nlohmann::json;

namespace {

json local(const char* ddl, int plan_id = 1) {
  auto t = parse_ddl_schema(ddl);
  REQUIRE(t.is_ok());
  return {{"common", {{"planId", std::to_string(plan_id)}}}, {"localRelation", {{"schema", type_to_json(*t).dump()}}}};
}
json col(const char* name) { return {{"unresolvedAttribute", {{"unparsedIdentifier", name}}}}; }
json fn(const char* name, std::vector<json> args) {
  return {{"unresolvedFunction", {{"functionName", name}, {"arguments", args}}}};
}
json star() { return {{"unresolvedStar", json::object()}}; }
json range(int64_t end) { return {{"range", {{"start", 0}, {"end", end}, {"step", 1}, {"numPartitions", 2}}}}; }

struct Planned {
  PlanPtr parsed, analyzed, optimized;
  PhysPtr physical;
};

Planned plan(const json& j, const PlannerOptions& opts) {
  IdGen ids;
  auto p = decode_plan(j, ids);
  REQUIRE_MESSAGE(p.is_ok(), p.error_message());
  auto a = analyze(*p, ids);
  REQUIRE_MESSAGE(!a.error, (a.error ? a.error->message : ""));
  auto o = opt::optimize(a.plan);
  auto ph = create_physical_plan(o, opts);
  REQUIRE_MESSAGE(ph.is_ok(), ph.error_message());
  return {*p, a.plan, o, *ph};
}

std::string text(const char* mode, const json& j, const PlannerOptions& opts) {
  Planned q = plan(j, opts);
  auto t = explain_text(mode, q.parsed, q.analyzed, q.optimized, q.physical, opts);
  REQUIRE(t);
  return *t;
}

json group_count() {
  return {{"aggregate", {{"input", local("k STRING, x INT")}, {"groupType", "GROUP_TYPE_GROUPBY"},
                         {"groupingExpressions", {col("k")}}, {"aggregateExpressions", {fn("count", {star()})}}}}};
}

PlannerOptions no_aqe() {
  PlannerOptions o;
  o.adaptive = false;
  return o;
}

}  // namespace

TEST_CASE("sql explain formatted: outline with operator ids, then one section per operator") {
  // Ids bottom-up; `* ` marks codegen'd operators, `[codegen id : k]` their stage; the partial
  // aggregate's attributes are its buffers, the final one's its functions' results.
  CHECK(text("formatted", group_count(), no_aqe()) ==
        "== Physical Plan ==\n"
        "* HashAggregate (5)\n"
        "+- Exchange (4)\n"
        "   +- * HashAggregate (3)\n"
        "      +- * Project (2)\n"
        "         +- * Scan ExistingRDD (1)\n"
        "\n\n"
        "(1) Scan ExistingRDD [codegen id : 1]\n"
        "Output [2]: [k#0, x#1]\n"
        "Arguments: [k#0, x#1], MapPartitionsRDD[0] at applySchemaToPythonRDD at NativeMethodAccessorImpl.java:0, "
        "ExistingRDD, UnknownPartitioning(0)\n"
        "\n"
        "(2) Project [codegen id : 1]\n"
        "Output [1]: [k#0]\n"
        "Input [2]: [k#0, x#1]\n"
        "\n"
        "(3) HashAggregate [codegen id : 1]\n"
        "Input [1]: [k#0]\n"
        "Keys [1]: [k#0]\n"
        "Functions [1]: [partial_count(1)]\n"
        "Aggregate Attributes [1]: [count#3L]\n"
        "Results [2]: [k#0, count#3L]\n"
        "\n"
        "(4) Exchange\n"
        "Input [2]: [k#0, count#3L]\n"
        "Arguments: hashpartitioning(k#0, 200), ENSURE_REQUIREMENTS, [plan_id=0]\n"
        "\n"
        "(5) HashAggregate [codegen id : 2]\n"
        "Input [2]: [k#0, count#3L]\n"
        "Keys [1]: [k#0]\n"
        "Functions [1]: [count(1)]\n"
        "Aggregate Attributes [1]: [count(1)#4L]\n"
        "Results [2]: [k#0, count(1)#4L AS count(1)#2L]\n"
        "\n");
}

TEST_CASE("sql explain formatted: AQE's root comes last, no codegen before execution") {
  const std::string t = text("formatted", group_count(), PlannerOptions{});
  CHECK(t.rfind("== Physical Plan ==\nAdaptiveSparkPlan (6)\n+- HashAggregate (5)\n   +- Exchange (4)\n", 0) == 0);
  CHECK(t.find("[codegen id") == std::string::npos);
  CHECK(t.find("\n(6) AdaptiveSparkPlan\nOutput [2]: [k#0, count(1)#2L]\nArguments: isFinalPlan=false\n\n") !=
        std::string::npos);
  // Global aggregate: `Keys: []` (ExplainUtils.generateFieldString of an empty list).
  json global = {{"aggregate", {{"input", local("x INT")}, {"groupType", "GROUP_TYPE_GROUPBY"},
                                {"aggregateExpressions", {fn("sum", {col("x")})}}}}};
  CHECK(text("formatted", global, no_aqe()).find("Keys: []\nFunctions [1]: [partial_sum(x#0)]\n") != std::string::npos);
}

TEST_CASE("sql explain formatted: joins, ranges and filters") {
  json j = {{"join", {{"left", range(10)}, {"right", local("k BIGINT, b STRING", 2)}, {"joinType", "JOIN_TYPE_INNER"},
                      {"joinCondition", fn("==", {col("id"), col("k")})}}}};
  const std::string t = text("formatted", j, no_aqe());
  CHECK(t.find("* BroadcastHashJoin Inner BuildRight (") != std::string::npos);
  CHECK(t.find("Left keys [1]: [id#0L]\nRight keys [1]: [k#1L]\nJoin type: Inner\nJoin condition: None\n") !=
        std::string::npos);
  CHECK(t.find("(1) Range [codegen id : 2]\nOutput [1]: [id#0L]\nArguments: Range (0, 10, step=1, splits=Some(2))\n") !=
        std::string::npos);
  CHECK(t.find("Condition : isnotnull(k#1L)\n") != std::string::npos);
}

TEST_CASE("sql explain cost: Statistics as SizeInBytesOnlyStatsPlanVisitor computes them") {
  json f = {{"filter", {{"input", range(10)}, {"condition", fn(">", {col("id"), {{"literal", {{"long", 2}}}}})}}}};
  CHECK(text("cost", f, no_aqe()) ==
        "== Optimized Logical Plan ==\n"
        "Filter (id#0L > 2), Statistics(sizeInBytes=80.0 B)\n"
        "+- Range (0, 10, step=1, splits=Some(2)), Statistics(sizeInBytes=80.0 B, rowCount=10)\n"
        "\n== Physical Plan ==\n"
        "*(1) Filter (id#0L > 2)\n"
        "+- *(1) Range (0, 10, step=1, splits=2)\n\n");
  json lim = {{"limit", {{"input", range(5000)}, {"limit", 3}}}};
  const std::string t = text("cost", lim, no_aqe());
  CHECK(t.find("GlobalLimit 3, Statistics(sizeInBytes=48.0 B, rowCount=3)\n") != std::string::npos);
  CHECK(t.find("+- LocalLimit 3, Statistics(sizeInBytes=39.1 KiB, rowCount=5.00E+3)\n") != std::string::npos);
  // createDataFrame's rows: a LogicalRDD without an estimate (spark.sql.defaultSizeInBytes).
  CHECK(text("cost", group_count(), no_aqe()).find("LogicalRDD [k#0, x#1], false, Statistics(sizeInBytes=8.0 EiB)") !=
        std::string::npos);
  // verbose physical plan: aggregates show their output.
  CHECK(text("cost", group_count(), no_aqe())
            .find("*(1) HashAggregate(keys=[k#0], functions=[partial_count(1)], output=[k#0, count#3L])") !=
        std::string::npos);
}

TEST_CASE("sql explain codegen: one subtree per whole-stage-codegen stage; unknown modes") {
  const std::string t = text("codegen", group_count(), no_aqe());
  CHECK(t.rfind("Found 2 WholeStageCodegen subtrees.\n== Subtree 1 / 2 (", 0) == 0);
  CHECK(t.find("== Subtree 2 / 2 (maxMethodCodeSize:-1; maxConstantPoolSize:-1; numInnerClasses:-1) ==\n"
               "*(2) HashAggregate(keys=[k#0], functions=[count(1)], output=[k#0, count(1)#2L])\n"
               "+- Exchange hashpartitioning(k#0, 200)") != std::string::npos);
  // Before execution AQE's initial plan has no codegen stages (as Spark's).
  CHECK(text("codegen", group_count(), PlannerOptions{}).rfind("Found 0 WholeStageCodegen subtrees.\n", 0) == 0);
  Planned q = plan(group_count(), PlannerOptions{});
  CHECK_FALSE(explain_text("verbose", q.parsed, q.analyzed, q.optimized, q.physical, PlannerOptions{}));
  CHECK(explain_text("FORMATTED", q.parsed, q.analyzed, q.optimized, q.physical, PlannerOptions{}));
}

TEST_CASE("sql explain: broadcast keys bound and packed as HashJoin.rewriteKeyExpr") {
  auto bcast = [](const char* lddl, const char* rddl, json cond) {
    json j = {{"join", {{"left", local(lddl, 1)}, {"right", local(rddl, 2)}, {"joinType", "JOIN_TYPE_INNER"},
                        {"joinCondition", cond}}}};
    const std::string t = text("simple", j, no_aqe());
    const size_t at = t.find("BroadcastExchange ");
    REQUIRE(at != std::string::npos);
    return t.substr(at, t.find(", [plan_id", at) - at);
  };
  // One int key under the build side's Filter isnotnull: cast to bigint, not nullable (explain.sql.out).
  CHECK(bcast("k INT, a STRING", "k2 INT, b STRING", fn("==", {col("k"), col("k2")})) ==
        "BroadcastExchange HashedRelationBroadcastMode(List(cast(input[0, int, false] as bigint)),false)");
  // Two int keys fit in one bigint: shifted and or-ed.
  CHECK(bcast("k INT, j INT", "k2 INT, j2 INT",
              fn("and", {fn("==", {col("k"), col("k2")}), fn("==", {col("j"), col("j2")})})) ==
        "BroadcastExchange HashedRelationBroadcastMode(List((shiftleft(cast(input[0, int, false] as bigint), 32) | "
        "(cast(input[1, int, false] as bigint) & 4294967295))),false)");
  // Strings stay as they are.
  CHECK(bcast("k STRING", "k2 STRING", fn("==", {col("k"), col("k2")})) ==
        "BroadcastExchange HashedRelationBroadcastMode(List(input[0, string, false]),false)");
}

TEST_CASE("sql explain extended: constant folding shows each function's value in the optimized plan") {
  // Spark 3.5's ConstantFolding: every deterministic function of literals becomes its value
  // (`ab`, `X`, `2`); the analyzed plan keeps the calls and the names they give the columns.
  SqlSession s;
  auto r = s.explain({{"root", {{"sql", {{"query", "SELECT 'a' || 'b', upper('x'), size(array(1, 2)), rand(3) > 1 AS r"}}}}}},
                     "extended");
  REQUIRE(r.contains("text"));
  const std::string t = std::regex_replace(r["text"].get<std::string>(), std::regex("#[0-9]+"), "#N");
  CHECK(t.find("== Analyzed Logical Plan ==\n"
               "concat(a, b): string, upper(x): string, size(array(1, 2)): int, r: boolean\n"
               "Project [concat(a, b) AS concat(a, b)#N, upper(x) AS upper(x)#N, size(array(1, 2)) AS size(array(1, 2))#N, "
               "(rand(3) > cast(1 as double)) AS r#N]\n"
               "+- OneRowRelation\n\n"
               "== Optimized Logical Plan ==\n"
               "Project [ab AS concat(a, b)#N, X AS upper(x)#N, 2 AS size(array(1, 2))#N, (rand(3) > 1.0) AS r#N]\n"
               "+- OneRowRelation\n") != std::string::npos);
}
