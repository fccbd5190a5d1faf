// Physical planning: strategies, EnsureRequirements exchange insertion, join selection, explain
// text, stage cutting.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "sql/analysis/analyzer.h"
#include "sql/optimizer/optimizer.h"
#include "sql/physical/physical.h"

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
json lit_i(int v) { return {{"literal", {{"integer", v}}}}; }
json star() { return {{"unresolvedStar", json::object()}}; }

struct Planned {
  PlanPtr parsed, analyzed, optimized;
  PhysPtr physical;
};

Planned plan(const json& j, const PlannerOptions& opts = {}) {
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

std::string explain(const json& j, const PlannerOptions& opts = {}) {
  return physical_tree_string(plan(j, opts).physical, opts);
}

json group_count() {
  return {{"aggregate", {{"input", local("k STRING, x INT")}, {"groupType", "GROUP_TYPE_GROUPBY"},
                         {"groupingExpressions", {col("k")}}, {"aggregateExpressions", {fn("count", {star()})}}}}};
}

json join(const char* type) {
  return {{"join", {{"left", local("k INT, a STRING", 1)}, {"right", local("k2 INT, b STRING", 2)}, {"joinType", type},
                    {"joinCondition", fn("==", {col("k"), col("k2")})}}}};
}

}  // namespace

TEST_CASE("sql physical: partial/final aggregation around one hash exchange") {
  CHECK(explain(group_count()) ==
        "AdaptiveSparkPlan isFinalPlan=false\n"
        "+- HashAggregate(keys=[k#0], functions=[count(1)])\n"
        "   +- Exchange hashpartitioning(k#0, 200), ENSURE_REQUIREMENTS, [plan_id=0]\n"
        "      +- HashAggregate(keys=[k#0], functions=[partial_count(1)])\n"
        "         +- Project [k#0]\n"
        "            +- Scan ExistingRDD[k#0,x#1]\n");
  PlannerOptions few;
  few.shuffle_partitions = 4;
  CHECK(explain(group_count(), few).find("hashpartitioning(k#0, 4)") != std::string::npos);
  json global = {{"aggregate", {{"input", local("x INT")}, {"groupType", "GROUP_TYPE_GROUPBY"},
                                {"aggregateExpressions", {fn("sum", {col("x")})}}}}};
  CHECK(explain(global) ==
        "AdaptiveSparkPlan isFinalPlan=false\n"
        "+- HashAggregate(keys=[], functions=[sum(x#0)])\n"
        "   +- Exchange SinglePartition, ENSURE_REQUIREMENTS, [plan_id=0]\n"
        "      +- HashAggregate(keys=[], functions=[partial_sum(x#0)])\n"
        "         +- Scan ExistingRDD[x#0]\n");
}

TEST_CASE("sql physical: join selection by size and hints") {
  CHECK(explain(join("JOIN_TYPE_INNER")) ==
        "AdaptiveSparkPlan isFinalPlan=false\n"
        "+- BroadcastHashJoin [k#0], [k2#2], Inner, BuildRight, false\n"
        "   :- Filter isnotnull(k#0)\n"
        "   :  +- Scan ExistingRDD[k#0,a#1]\n"
        "   +- BroadcastExchange HashedRelationBroadcastMode(List(cast(input[0, int, false] as bigint)),false), [plan_id=0]\n"
        "      +- Filter isnotnull(k2#2)\n"
        "         +- Scan ExistingRDD[k2#2,b#3]\n");
  PlannerOptions no_bc;
  no_bc.auto_broadcast_threshold = -1;
  CHECK(explain(join("JOIN_TYPE_INNER"), no_bc) ==
        "AdaptiveSparkPlan isFinalPlan=false\n"
        "+- SortMergeJoin [k#0], [k2#2], Inner\n"
        "   :- Sort [k#0 ASC NULLS FIRST], false, 0\n"
        "   :  +- Exchange hashpartitioning(k#0, 200), ENSURE_REQUIREMENTS, [plan_id=0]\n"
        "   :     +- Filter isnotnull(k#0)\n"
        "   :        +- Scan ExistingRDD[k#0,a#1]\n"
        "   +- Sort [k2#2 ASC NULLS FIRST], false, 0\n"
        "      +- Exchange hashpartitioning(k2#2, 200), ENSURE_REQUIREMENTS, [plan_id=1]\n"
        "         +- Filter isnotnull(k2#2)\n"
        "            +- Scan ExistingRDD[k2#2,b#3]\n");
  // Without a size estimate that makes one side much smaller, sort-merge even when not preferred.
  no_bc.prefer_sort_merge_join = false;
  CHECK(explain(join("JOIN_TYPE_LEFT_OUTER"), no_bc).find("SortMergeJoin [k#0], [k2#2], LeftOuter") != std::string::npos);
  // Right outer can only build the left side.
  CHECK(explain(join("JOIN_TYPE_RIGHT_OUTER")).find("BroadcastHashJoin [k#0], [k2#2], RightOuter, BuildLeft, false") !=
        std::string::npos);
  // Full outer never broadcasts.
  CHECK(explain(join("JOIN_TYPE_FULL_OUTER")).find("SortMergeJoin [k#0], [k2#2], FullOuter") != std::string::npos);
  // A broadcast hint wins over the threshold.
  json hinted = join("JOIN_TYPE_INNER");
  hinted["join"]["right"] = {{"hint", {{"input", local("k2 INT, b STRING", 2)}, {"name", "broadcast"}}}};
  CHECK(explain(hinted, no_bc).find("BroadcastHashJoin") != std::string::npos);
  json cross = {{"join", {{"left", local("a INT", 1)}, {"right", local("b INT", 2)}, {"joinType", "JOIN_TYPE_CROSS"}}}};
  CHECK(explain(cross).find("BroadcastNestedLoopJoin BuildRight, Cross") != std::string::npos);
  CHECK(explain(cross, no_bc).find("CartesianProduct") != std::string::npos);
}

TEST_CASE("sql physical: sort, limit, codegen stages without exchanges") {
  json sorted = {{"sort", {{"input", local("a INT, b STRING")}, {"isGlobal", true},
                           {"order", {{{"child", col("a")}, {"direction", "SORT_DIRECTION_DESCENDING"}, {"nullOrdering", "SORT_NULLS_LAST"}}}}}}};
  CHECK(explain(sorted) ==
        "AdaptiveSparkPlan isFinalPlan=false\n"
        "+- Sort [a#0 DESC NULLS LAST], true, 0\n"
        "   +- Exchange rangepartitioning(a#0 DESC NULLS LAST, 200), ENSURE_REQUIREMENTS, [plan_id=0]\n"
        "      +- Scan ExistingRDD[a#0,b#1]\n");
  json top = {{"limit", {{"input", sorted}, {"limit", 3}}}};
  CHECK(explain(top) ==
        "TakeOrderedAndProject(limit=3, orderBy=[a#0 DESC NULLS LAST], output=[a#0,b#1])\n"
        "+- *(1) Scan ExistingRDD[a#0,b#1]\n");
  json range = {{"range", {{"start", "0"}, {"end", "10"}, {"step", "1"}, {"numPartitions", 2}}}};
  json filtered = {{"filter", {{"input", range}, {"condition", fn(">", {col("id"), lit_i(5)})}}}};
  CHECK(explain(filtered) ==
        "*(1) Filter (id#0L > 5)\n"
        "+- *(1) Range (0, 10, step=1, splits=2)\n");
  json lim = {{"limit", {{"input", filtered}, {"limit", 2}}}};
  CHECK(explain(lim) ==
        "CollectLimit 2\n"
        "+- *(1) Filter (id#0L > 5)\n"
        "   +- *(1) Range (0, 10, step=1, splits=2)\n");
}

TEST_CASE("sql physical: scans get pushed filters and pruned columns") {
  json src = {{"read", {{"dataSource", {{"format", "csv"}, {"schema", "a INT, b STRING, c DOUBLE"}, {"paths", {"/d/x.csv"}}}}}}};
  json q = {{"project", {{"input", {{"filter", {{"input", src}, {"condition", fn(">", {col("a"), lit_i(1)})}}}}},
                         {"expressions", {col("b")}}}}};
  CHECK(explain(q) ==
        "*(1) Project [b#1]\n"
        "+- *(1) Filter (isnotnull(a#0) AND (a#0 > 1))\n"
        "   +- FileScan csv [a#0,b#1] Batched: false, DataFilters: [isnotnull(a#0), (a#0 > 1)], Format: CSV, "
        "Location: InMemoryFileIndex(1 paths)[file:/d/x.csv], PartitionFilters: [], PushedFilters: [IsNotNull(a), GreaterThan(a,1)], "
        "ReadSchema: struct<a:int,b:string>\n");
}

TEST_CASE("sql physical: explain extended and stage fragments") {
  auto p = plan(group_count());
  std::string text = explain_extended(p.parsed, p.analyzed, p.optimized, p.physical);
  CHECK(text.rfind("== Parsed Logical Plan ==\n'Aggregate ['k], ['k, unresolvedalias('count(*), None)]\n+- LogicalRDD [k#0, x#1], false\n\n"
                   "== Analyzed Logical Plan ==\nk: string, count(1): bigint\n"
                   "Aggregate [k#0], [k#0, count(1) AS count(1)#2L]\n+- LogicalRDD [k#0, x#1], false\n\n"
                   "== Optimized Logical Plan ==\n", 0) == 0);
  CHECK(text.find("\n== Physical Plan ==\nAdaptiveSparkPlan isFinalPlan=false\n") != std::string::npos);

  auto stages = cut_stages(p.physical);
  REQUIRE(stages.size() == 2);
  CHECK_FALSE(stages[0].is_result);
  CHECK(stages[0].output.to_string() == "hashpartitioning(k#0, 200)");
  json s0 = stages[0].to_json();
  CHECK(s0["plan"]["op"] == "HashAggregate");
  CHECK(s0["plan"]["mode"] == "partial");
  CHECK(s0["coalescible"] == true);
  CHECK(s0["plan"]["output"][1]["name"] == "count");
  json s1 = stages[1].to_json();
  CHECK(s1["isResult"] == true);
  CHECK(s1["parents"] == json::array({0}));
  CHECK(s1["plan"]["mode"] == "final");
  CHECK(s1["plan"]["children"][0]["op"] == "LocalTableScan");
  CHECK(s1["plan"]["children"][0]["data"] == "shuffle:0");
  CHECK(s1["plan"]["exprs"][1]["args"][0]["kind"] == "agg");
}

TEST_CASE("sql physical: the SQL tab's plan graph numbers nodes pre-order and follows them into the fragments") {
  auto p = plan(group_count());
  PhysPtr numbered = number_plan_nodes(p.physical);
  auto stages = cut_stages(numbered);
  json g = plan_graph(numbered, stages);
  // HashAggregate(final) 0 <- Exchange 1 <- HashAggregate(partial) 2 <- Project 3 <- Scan 4.
  std::vector<std::string> names;
  for (const auto& n : g["nodes"]) names.push_back(n["nodeName"]);
  CHECK(names == std::vector<std::string>{"HashAggregate", "Exchange", "HashAggregate", "Project", "Scan ExistingRDD"});
  CHECK(g["nodes"][1]["stage"] == -1);  // exchanges sit between stages
  CHECK(g["nodes"][0]["stage"] == 1);
  CHECK(g["nodes"][2]["stage"] == 0);
  CHECK(g["nodes"][1]["desc"].get<std::string>().rfind("Exchange hashpartitioning(k#0, 200)", 0) == 0);
  CHECK(g["edges"][0] == json{{"fromId", 1}, {"toId", 0}});
  CHECK(g["edges"].size() == 4);
  // The ids travel to executors: the map fragment's root is node 2, the reader carries the exchange's.
  CHECK(stages[0].to_json()["plan"]["nodeId"] == 2);
  CHECK(stages[1].to_json()["plan"]["children"][0]["nodeId"] == 1);
  // explain's plan is not numbered.
  CHECK_FALSE(physical_to_json(p.physical).contains("nodeId"));
}
