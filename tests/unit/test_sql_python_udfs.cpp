// ExtractPythonUDFs: every Python UDF call leaves its operator for a BatchEvalPython beneath it.
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
json col(const char* name) { return {{"unresolvedAttribute", {{"unparsedIdentifier", name}}}}; }
json fn(const char* name, std::vector<json> args) {
  return {{"unresolvedFunction", {{"functionName", name}, {"arguments", args}}}};
}
json lit_i(int v) { return {{"literal", {{"integer", v}}}}; }
// A Python UDF `name` returning int; `code` stands for the pickled function (base64 of it).
json udf(const char* name, std::vector<json> args, const char* code = "AAAA") {
  return {{"commonInlineUserDefinedFunction",
           {{"functionName", name}, {"deterministic", true}, {"arguments", args},
            {"pythonUdf", {{"outputType", {{"integer", json::object()}}}, {"evalType", 100}, {"command", code}}}}}};
}
json select(json input, std::vector<json> es) { return {{"project", {{"input", input}, {"expressions", es}}}}; }
json where(json input, json cond) { return {{"filter", {{"input", input}, {"condition", cond}}}}; }
json group(json input, std::vector<json> keys, std::vector<json> aggs) {
  return {{"aggregate", {{"input", input}, {"groupType", "GROUP_TYPE_GROUPBY"}, {"groupingExpressions", keys},
                         {"aggregateExpressions", aggs}}}};
}

PlanPtr optimized(const json& plan) {
  IdGen ids;
  auto p = decode_plan(plan, ids);
  REQUIRE_MESSAGE(p.is_ok(), p.error_message());
  auto a = analyze(*p, ids);
  REQUIRE_MESSAGE(!a.error, (a.error ? a.error->message : ""));
  return opt::optimize(a.plan);
}

bool has_udf_outside_eval(const PlanPtr& p) {
  bool bad = false;
  plan_foreach(p, [&](const LogicalPlan& n) {
    if (n.kind == PlanKind::BatchEvalPython) return;
    for (const auto& e : n.exprs) bad |= contains_python_udf(e);
    for (const auto& g : n.groups) bad |= contains_python_udf(g);
  });
  return bad;
}

}  // namespace

TEST_CASE("python udfs: a projection's calls run in one BatchEvalPython; chains stay one call") {
  auto p = optimized(select(local("a INT, b INT"), {udf("f", {col("a")}), udf("f", {udf("g", {col("b")})}), col("b")}));
  CHECK(p->tree_string() ==
        "Project [pythonUDF0#4 AS f(a)#2, pythonUDF1#5 AS f(g(b))#3, b#1]\n"
        "+- BatchEvalPython [f(a#0), f(g(b#1))], [pythonUDF0#4, pythonUDF1#5]\n"
        "   +- LogicalRDD [a#0, b#1], false\n");
  CHECK_FALSE(has_udf_outside_eval(p));
}

TEST_CASE("python udfs: a call over native work over a call takes two evaluations") {
  auto p = optimized(select(local("a INT"), {udf("f", {fn("+", {udf("g", {col("a")}), lit_i(1)})})}));
  CHECK_FALSE(has_udf_outside_eval(p));
  int evals = 0;
  plan_foreach(p, [&](const LogicalPlan& n) { evals += n.kind == PlanKind::BatchEvalPython; });
  CHECK(evals == 2);
  CHECK(p->tree_string().find("BatchEvalPython [f((pythonUDF0#") != std::string::npos);
}

TEST_CASE("python udfs: filters keep their output; the same call is evaluated once") {
  auto p = optimized(where(local("a INT, b INT"), fn("and", {fn(">", {udf("f", {col("a")}), lit_i(1)}),
                                                             fn("<", {udf("f", {col("a")}), lit_i(9)})})));
  CHECK(p->tree_string() ==
        "Project [a#0, b#1]\n"
        "+- Filter ((pythonUDF0#2 > 1) AND (pythonUDF0#2 < 9))\n"
        "   +- BatchEvalPython [f(a#0)], [pythonUDF0#2]\n"
        "      +- LogicalRDD [a#0, b#1], false\n");
  CHECK(p->output().size() == 2);
}

TEST_CASE("python udfs: grouping keys before the aggregate, calls over aggregates after it") {
  auto k = optimized(group(local("a INT, b INT"), {udf("f", {col("a")})},
                           {udf("f", {col("a")}), fn("sum", {udf("g", {col("b")})})}));
  CHECK_FALSE(has_udf_outside_eval(k));
  CHECK(k->kind == PlanKind::Aggregate);
  REQUIRE(k->output().size() == 3);  // the grouping key, then the aggregate list
  CHECK(k->output()[1]->name == "f(a)");
  CHECK(k->output()[2]->name == "sum(g(b))");
  auto post = optimized(group(local("a INT, b INT"), {col("a")}, {col("a"), udf("f", {fn("max", {col("b")})})}));
  CHECK_FALSE(has_udf_outside_eval(post));
  CHECK(post->kind == PlanKind::Project);  // f runs above the aggregate
  CHECK(post->output()[2]->name == "f(max(b))");
  CHECK(post->children[0]->kind == PlanKind::BatchEvalPython);
  CHECK(post->children[0]->children[0]->kind == PlanKind::Aggregate);
}

TEST_CASE("python udfs: the physical plan and its JSON name the function, not its bytes") {
  auto p = optimized(select(local("a INT"), {udf("f", {col("a")}, "QUJD")}));
  auto ph = create_physical_plan(p);
  REQUIRE(ph.is_ok());
  std::map<int64_t, std::shared_ptr<const std::string>> funcs;
  collect_python_funcs(*ph, funcs);
  REQUIRE(funcs.size() == 1);
  CHECK(*funcs.begin()->second == "ABC");
  CHECK(funcs.begin()->first == python_func_id("ABC"));
  CHECK(funcs.begin()->first >= (int64_t(1) << 62));
  const std::string js = physical_to_json(*ph).dump();
  CHECK(js.find("\"kind\":\"pyudf\"") != std::string::npos);
  CHECK(js.find("QUJD") == std::string::npos);
}

TEST_CASE("python udfs: bad UDF nodes are refused with their reason") {
  IdGen ids;
  json e = udf("f", {});
  e["commonInlineUserDefinedFunction"]["pythonUdf"]["command"] = "!!";
  CHECK_FALSE(decode_expression(e, ids).is_ok());
  e = udf("f", {});
  e["commonInlineUserDefinedFunction"]["pythonUdf"]["evalType"] = 206;  // cogrouped maps: a relation's, not yet
  auto r = decode_expression(e, ids);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.error_message().find("evalType 206") != std::string::npos);
  e = udf("f", {});
  e["commonInlineUserDefinedFunction"].erase("pythonUdf");
  CHECK_FALSE(decode_expression(e, ids).is_ok());
}

TEST_CASE("python udfs: pandas scalar UDFs get their own ArrowEvalPython; mapInPandas and applyInPandas plans") {
  json pandas = udf("p", {col("a")});
  pandas["commonInlineUserDefinedFunction"]["pythonUdf"]["evalType"] = 200;
  auto p = optimized(select(local("a INT"), {pandas, udf("f", {col("a")})}));
  CHECK_FALSE(has_udf_outside_eval(p));
  std::vector<int64_t> kinds;
  plan_foreach(p, [&](const LogicalPlan& n) { if (n.kind == PlanKind::BatchEvalPython) kinds.push_back(n.n); });
  CHECK(kinds.size() == 2);  // never mixed in one node
  CHECK(p->tree_string().find("ArrowEvalPython [p(a#0)]") != std::string::npos);

  json fn_map = udf("m", {});
  fn_map["commonInlineUserDefinedFunction"]["pythonUdf"]["evalType"] = 205;
  fn_map["commonInlineUserDefinedFunction"]["pythonUdf"]["outputType"] =
      json{{"struct", {{"fields", json::array({json{{"name", "y"}, {"dataType", {{"long", json::object()}}}, {"nullable", true}}})}}}};
  json mp = {{"mapPartitions", {{"input", local("a INT, b STRING")}, {"func", fn_map}}}};
  auto m = optimized(mp);
  CHECK(m->tree_string() == "MapInPandas m(a#0, b#1), [y#2L], false\n+- LogicalRDD [a#0, b#1], false\n");

  json fn_grp = fn_map;
  fn_grp["commonInlineUserDefinedFunction"]["pythonUdf"]["evalType"] = 201;
  json gm = {{"groupMap", {{"input", local("a INT, b STRING")}, {"groupingExpressions", {col("b")}}, {"func", fn_grp}}}};
  auto ph = create_physical_plan(optimized(gm));
  REQUIRE(ph.is_ok());
  const std::string tree = physical_tree_string(*ph);
  CHECK(tree.find("FlatMapGroupsInPandas [b#1], m(a#0, b#1), [y#2L]") != std::string::npos);
  CHECK(tree.find("Sort [b#1 ASC NULLS FIRST], false, 0") != std::string::npos);
  CHECK(tree.find("Exchange hashpartitioning(b#1, 200)") != std::string::npos);
  // A pandas aggregate: AggregateInPandas under the select list, its key and argument
  // expressions computed by a Project below.
  json pagg = udf("m", {fn("+", {col("a"), lit_i(1)})});
  pagg["commonInlineUserDefinedFunction"]["pythonUdf"]["evalType"] = 202;
  json ag = {{"aggregate", {{"input", local("a INT, b STRING")}, {"groupType", "GROUP_TYPE_GROUPBY"},
                            {"groupingExpressions", {col("b")}}, {"aggregateExpressions", {pagg}}}}};
  auto pa = optimized(ag);
  CHECK(pa->kind == PlanKind::Project);
  REQUIRE(pa->children[0]->kind == PlanKind::AggregateInPandas);
  CHECK(pa->children[0]->node_string().find("AggregateInPandas [b#1], [m(_pandasColumn0#") != std::string::npos);
  CHECK(pa->children[0]->children[0]->kind == PlanKind::Project);
  // The wrong kind of function for the relation is refused.
  json bad = {{"mapPartitions", {{"input", local("a INT")}, {"func", fn_grp}}}};
  IdGen ids;
  CHECK_FALSE(decode_plan(bad, ids).is_ok());
}

TEST_CASE("python udfs: pandas aggregates over windows print WindowInPandas; cogroups are co-partitioned") {
  json pagg = udf("m", {col("a")});
  pagg["commonInlineUserDefinedFunction"]["pythonUdf"]["evalType"] = 202;
  json win = {{"window", {{"windowFunction", pagg}, {"partitionSpec", {col("b")}}}}};
  auto w = create_physical_plan(optimized(select(local("a INT, b STRING"), {col("a"), win})));
  REQUIRE_MESSAGE(w.is_ok(), w.error_message());
  const std::string wt = physical_tree_string(*w);
  CHECK(wt.find("WindowInPandas [m(a#0) windowspecdefinition(b#1, specifiedwindowframe(RowFrame, "
                "unboundedpreceding$(), unboundedfollowing$()))") != std::string::npos);
  CHECK(wt.find("Exchange hashpartitioning(b#1, 200)") != std::string::npos);
  // A row-at-a-time UDF is no window function.
  {
    IdGen ids;
    json row_win = {{"window", {{"windowFunction", udf("f", {col("a")})}, {"partitionSpec", {col("b")}}}}};
    auto p = decode_plan(select(local("a INT, b STRING"), {row_win}), ids);
    REQUIRE(p.is_ok());
    auto a = analyze(*p, ids);
    REQUIRE(a.error);
    CHECK(a.error->message.find("not supported within a window function") != std::string::npos);
  }

  json fn_co = udf("c", {});
  fn_co["commonInlineUserDefinedFunction"]["pythonUdf"]["evalType"] = 206;
  fn_co["commonInlineUserDefinedFunction"]["pythonUdf"]["outputType"] =
      json{{"struct", {{"fields", json::array({json{{"name", "y"}, {"dataType", {{"long", json::object()}}}, {"nullable", true}}})}}}};
  json right = local("b STRING, v LONG");
  right["common"]["planId"] = "2";
  json co = {{"coGroupMap", {{"input", local("a INT, b STRING")}, {"inputGroupingExpressions", {col("b")}},
                             {"other", right}, {"otherGroupingExpressions", {col("b")}}, {"func", fn_co}}}};
  auto c = create_physical_plan(optimized(co));
  REQUIRE_MESSAGE(c.is_ok(), c.error_message());
  const std::string ct = physical_tree_string(*c);
  CHECK(ct.find("FlatMapCoGroupsInPandas [b#1], [b#2], c(a#0, b#1, b#2, v#3L), [y#4L]") != std::string::npos);
  CHECK(ct.find("Exchange hashpartitioning(b#1, 200)") != std::string::npos);
  CHECK(ct.find("Exchange hashpartitioning(b#2, 200)") != std::string::npos);
  CHECK(ct.find("Sort [b#2 ASC NULLS FIRST], false, 0") != std::string::npos);
  // The two sides must group by as many keys.
  json uneven = co;
  uneven["coGroupMap"]["otherGroupingExpressions"] = {col("b"), col("v")};
  IdGen ids;
  auto bad = decode_plan(uneven, ids);
  REQUIRE_FALSE(bad.is_ok());
  CHECK(bad.error_message().find("group by 1 and 2 keys") != std::string::npos);
}
