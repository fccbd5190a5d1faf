// Optimizer rules, each plan-in/plan-out on analyzed plans.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "sql/analysis/analyzer.h"
#include "sql/optimizer/optimizer.h"

using namespace spp::sql;
using nlohmann::json;

namespace {

json local(const char* ddl, int plan_id = 1) {
  auto t = parse_ddl_schema(ddl);
  REQUIRE(t.is_ok());
  return {{"common", {{"planId", std::to_string(plan_id)}}}, {"localRelation", {{"schema", type_to_json(*t).dump()}}}};
}
json source(const char* ddl) {
  return {{"read", {{"dataSource", {{"format", "csv"}, {"schema", ddl}, {"paths", {"/tmp/x.csv"}}}}}}};
}
json col(const char* name) { return {{"unresolvedAttribute", {{"unparsedIdentifier", name}}}}; }
json fn(const char* name, std::vector<json> args) {
  return {{"unresolvedFunction", {{"functionName", name}, {"arguments", args}}}};
}
json lit_i(int v) { return {{"literal", {{"integer", v}}}}; }
json lit_b(bool v) { return {{"literal", {{"boolean", v}}}}; }
json select(json input, std::vector<json> es) { return {{"project", {{"input", input}, {"expressions", es}}}}; }
json where(json input, json cond) { return {{"filter", {{"input", input}, {"condition", cond}}}}; }
json limit(json input, int n) { return {{"limit", {{"input", input}, {"limit", n}}}}; }
json alias(json e, const char* n) { return {{"alias", {{"expr", e}, {"name", {n}}}}}; }

PlanPtr analyzed(const json& plan) {
  IdGen ids;
  auto p = decode_plan(plan, ids);
  REQUIRE_MESSAGE(p.is_ok(), p.error_message());
  auto a = analyze(*p, ids);
  REQUIRE_MESSAGE(!a.error, (a.error ? a.error->message : ""));
  return a.plan;
}

}  // namespace

TEST_CASE("sql optimizer: constant folding and boolean simplification") {
  auto p = analyzed(select(local("a INT"), {fn("+", {lit_i(1), lit_i(2)}), fn("+", {lit_i(2147483647), lit_i(1)}),
                                            fn("/", {lit_i(1), lit_i(0)}), fn("and", {lit_b(true), fn(">", {col("a"), lit_i(1)})})}));
  auto f = opt::boolean_simplification(opt::constant_folding(p));
  CHECK(f->tree_string() ==
        "Project [3 AS (1 + 2)#1, -2147483648 AS (2147483647 + 1)#2, null AS (1 / 0)#3, (a#0 > 1) AS (true AND (a > 1))#4]\n"
        "+- LogicalRDD [a#0], false\n");
  CHECK(opt::constant_folding(f) == f);  // nothing left to fold: same plan back
  // Casts fold with Spark's rules: '12.5' -> 12, 'x' -> NULL.
  json c1 = {{"cast", {{"expr", {{"literal", {{"string", " 12.5 "}}}}}, {"typeStr", "int"}}}};
  json c2 = {{"cast", {{"expr", {{"literal", {{"string", "x"}}}}}, {"typeStr", "int"}}}};
  auto q = opt::constant_folding(analyzed(select(local("a INT"), {c1, c2})));
  CHECK(q->exprs[0]->children[0]->to_string() == "12");
  CHECK(q->exprs[1]->children[0]->to_string() == "null");
  // DECIMAL -> DOUBLE/FLOAT (a literal such as 3.5 compared with a double column): folded,
  // correctly rounded, so the filter is pushed and not cast per row.
  json d = {{"literal", {{"decimal", {{"value", "-0.09"}, {"precision", 2}, {"scale", 2}}}}}};
  json c3 = {{"cast", {{"expr", d}, {"typeStr", "double"}}}};
  json c4 = {{"cast", {{"expr", d}, {"typeStr", "float"}}}};
  auto r = opt::constant_folding(analyzed(select(local("a INT"), {c3, c4})));
  CHECK(r->exprs[0]->children[0]->to_string() == "-0.09");
  CHECK(r->exprs[1]->children[0]->to_string() == "-0.09");
}

TEST_CASE("sql optimizer: a long chain of foldable calls folds to one literal (no cubic work)") {
  // 'a' || 'a' || ... nests 600 concat calls; asking each level whether its whole subtree is
  // deterministic made constant folding cubic (900 terms kept the driver busy for minutes).
  json e = {{"literal", {{"string", "a"}}}};
  for (int i = 0; i < 600; ++i) e = fn("concat", {e, {{"literal", {{"string", "a"}}}}});
  auto f = opt::constant_folding(analyzed(select(local("a INT"), {alias(e, "s")})));
  CHECK(f->exprs[0]->children[0]->to_string() == std::string(601, 'a'));  // evaluated by the concat kernel
  // Over a column nothing folds, and asking each level whether it is foldable stays linear.
  json c = col("a");
  for (int i = 0; i < 600; ++i) c = fn("concat", {c, {{"literal", {{"string", "a"}}}}});
  auto fc = analyzed(select(local("a STRING"), {alias(c, "s")}));
  CHECK(opt::constant_folding(fc) == fc);
  // The same chain over +: folded to its value.
  json sum = lit_i(1);
  for (int i = 0; i < 600; ++i) sum = fn("+", {sum, lit_i(1)});
  auto g1 = opt::constant_folding(analyzed(select(local("a INT"), {alias(sum, "n")})));
  CHECK(g1->exprs[0]->children[0]->to_string() == "601");
  // A nondeterministic call still is not folded, nor is anything above it.
  auto g = opt::constant_folding(analyzed(select(local("a INT"), {alias(fn("+", {lit_i(1), fn("rand", {lit_i(7)})}), "r")})));
  CHECK(g->exprs[0]->children[0]->to_string().find("rand(7)") != std::string::npos);
}

TEST_CASE("sql optimizer: constant folding evaluates any deterministic function with the engine's kernels") {
  json s = {{"literal", {{"string", "x"}}}};
  auto one = [](json e, opt::FoldOptions o = {}) {
    auto f = opt::constant_folding(analyzed(select(local("a INT"), {alias(e, "v")})), o);
    return f->exprs[0]->children[0]->to_string();
  };
  CHECK(one(fn("upper", {s})) == "X");
  CHECK(one(fn("upper", {{{"literal", {{"string", "\xc3\xa9t\xc3\xa9"}}}}})) == "\xc3\x89T\xc3\x89");  // Unicode too
  CHECK(one(fn("concat", {s, {{"literal", {{"null", {{"string", json::object()}}}}}}})) == "null");
  CHECK(one(fn("repeat", {s, lit_i(3)})) == "xxx");
  CHECK(one(fn("length", {s})) == "1");
  CHECK(one(fn("greatest", {lit_i(1), lit_i(7), lit_i(3)})) == "7");
  CHECK(one(fn("sqrt", {lit_i(16)})) == "4.0");
  // Array intermediates (no array literals in the engine) fold inside a scalar result.
  CHECK(one(fn("size", {fn("array", {lit_i(1), lit_i(2)})})) == "2");
  CHECK(one(fn("element_at", {fn("array", {lit_i(5), lit_i(6)}), lit_i(2)})) == "6");
  // The session time zone decides a timestamp's text (Cast is time-zone aware in Spark).
  json ts = {{"cast", {{"expr", {{"literal", {{"string", "2024-01-01 00:00:00"}}}}}, {"typeStr", "timestamp"}}}};
  json ts_str = {{"cast", {{"expr", ts}, {"typeStr", "string"}}}};
  CHECK(one(ts_str) == "2024-01-01 00:00:00");
  CHECK(one(fn("hour", {ts})) == "0");
  opt::FoldOptions la;
  la.session_time_zone = "America/Los_Angeles";
  CHECK(one(ts_str, la) == "2024-01-01 00:00:00");
  json utc = {{"cast", {{"expr", {{"literal", {{"string", "2024-01-01 00:00:00+00:00"}}}}}, {"typeStr", "timestamp"}}}};
  CHECK(one(fn("hour", {utc})) == "0");
  CHECK(one(fn("hour", {utc}), la) == "16");
  // An evaluation that raises stays for the executor (Spark's ConstantFolding in a conditional
  // branch): the query fails there only if a row reaches it.
  json bad = {{"cast", {{"expr", {{"literal", {{"string", "1 x"}}}}}, {"typeStr", "interval day"}}}};
  CHECK(one(bad).find("cast(") != std::string::npos);
  CHECK(one(fn("raise_error", {s})).find("raise_error") != std::string::npos);
  // Nondeterministic calls are never folded.
  CHECK(one(fn("uuid", {})).find("uuid") != std::string::npos);
}

TEST_CASE("sql optimizer: filters: prune, combine, push through project and joins") {
  auto t = analyzed(where(local("a INT"), lit_b(true)));
  CHECK(opt::prune_filters(t)->tree_string() == "LogicalRDD [a#0], false\n");
  auto f = analyzed(where(local("a INT"), lit_b(false)));
  CHECK(opt::prune_filters(f)->tree_string() == "LocalRelation <empty>, [a#0]\n");
  CHECK(opt::prune_filters(f)->data_ref == "empty");

  auto two = analyzed(where(where(local("a INT, b INT"), fn(">", {col("a"), lit_i(1)})), fn("<", {col("b"), lit_i(5)})));
  CHECK(opt::combine_filters(two)->tree_string() ==
        "Filter ((a#0 > 1) AND (b#1 < 5))\n"
        "+- LogicalRDD [a#0, b#1], false\n");

  auto through_project = analyzed(where(select(local("a INT"), {alias(fn("+", {col("a"), lit_i(1)}), "x")}),
                                        fn(">", {col("x"), lit_i(2)})));
  CHECK(opt::push_down_predicates(through_project)->tree_string() ==
        "Project [(a#0 + 1) AS x#1]\n"
        "+- Filter ((a#0 + 1) > 2)\n"
        "   +- LogicalRDD [a#0], false\n");

  json j = {{"join", {{"left", local("k INT, a INT", 1)}, {"right", local("k2 INT, b INT", 2)}, {"joinType", "JOIN_TYPE_INNER"},
                      {"joinCondition", fn("and", {fn("==", {col("k"), col("k2")}), fn(">", {col("b"), lit_i(0)})})}}}};
  json jf = where(j, fn("and", {fn(">", {col("a"), lit_i(1)}), fn("==", {col("a"), col("b")})}));
  CHECK(opt::push_down_predicates(analyzed(jf))->tree_string() ==
        "Join Inner, ((k#0 = k2#2) AND (a#1 = b#3))\n"
        ":- Filter (a#1 > 1)\n"
        ":  +- LogicalRDD [k#0, a#1], false\n"
        "+- Filter (b#3 > 0)\n"
        "   +- LogicalRDD [k2#2, b#3], false\n");
  // Left outer join: a right-side predicate above the join must stay above it.
  json lo = j;
  lo["join"]["joinType"] = "JOIN_TYPE_LEFT_OUTER";
  lo["join"]["joinCondition"] = fn("==", {col("k"), col("k2")});
  CHECK(opt::push_down_predicates(analyzed(where(lo, fn(">", {col("b"), lit_i(0)}))))->tree_string() ==
        "Filter (b#3 > 0)\n"
        "+- Join LeftOuter, (k#0 = k2#2)\n"
        "   :- LogicalRDD [k#0, a#1], false\n"
        "   +- LogicalRDD [k2#2, b#3], false\n");
}

TEST_CASE("sql optimizer: column pruning reaches the scan, projects collapse") {
  auto p = analyzed(select(select(source("a INT, b STRING, c DOUBLE"), {col("a"), col("c")}), {col("c")}));
  auto o = opt::optimize(p);
  CHECK(o->tree_string() == "Relation [c#2] csv\n");  // the scan reads only c; the no-op Project goes
  json agg = {{"aggregate", {{"input", source("k STRING, x INT, y INT")}, {"groupType", "GROUP_TYPE_GROUPBY"},
                             {"groupingExpressions", {col("k")}}, {"aggregateExpressions", {fn("sum", {col("x")})}}}}};
  CHECK(opt::optimize(analyzed(agg))->tree_string() ==
        "Aggregate [k#0], [k#0, sum(x#1) AS sum(x)#3L]\n"
        "+- Relation [k#0,x#1] csv\n");
  auto cp = analyzed(select(select(local("a INT"), {alias(fn("+", {col("a"), lit_i(1)}), "x")}),
                            {alias(fn("*", {col("x"), lit_i(2)}), "y")}));
  CHECK(opt::collapse_project(cp)->tree_string() ==
        "Project [((a#0 + 1) * 2) AS y#2]\n"
        "+- LogicalRDD [a#0], false\n");
  // x used twice: not collapsed (it would be computed twice).
  auto twice = analyzed(select(select(local("a INT"), {alias(fn("+", {col("a"), lit_i(1)}), "x")}),
                               {alias(fn("*", {col("x"), col("x")}), "y")}));
  CHECK(opt::collapse_project(twice) == twice);
  auto noop = analyzed(select(local("a INT, b INT"), {col("a"), col("b")}));
  CHECK(opt::remove_noop_operators(noop)->tree_string() == "LogicalRDD [a#0, b#1], false\n");
}

TEST_CASE("sql optimizer: no columns-only Project between a Filter and a relation (Spark's removeProjectBeforeFilter)") {
  auto p = analyzed(select(where(local("a INT, b INT, c INT"), fn(">", {col("b"), lit_i(1)})), {col("a")}));
  auto o = opt::optimize(p);
  CHECK(o->tree_string() ==
        "Project [a#0]\n"
        "+- Filter (isnotnull(b#1) AND (b#1 > 1))\n"
        "   +- LogicalRDD [a#0, b#1, c#2], false\n");
  // A fixed point: pruning and predicate pushdown leave the optimized plan as it is (they used
  // to insert and push through that Project in turn until the iteration limit).
  CHECK(opt::column_pruning(o) == o);
  CHECK(opt::push_down_predicates(o) == o);
}

TEST_CASE("sql optimizer: a view's alias is no barrier: filters and pruning reach the scan") {
  // spark.sql over a temp view: the SubqueryAlias goes first (Spark's EliminateSubqueryAliases),
  // so the filter and the column pruning reach the relation.
  json view = {{"subqueryAlias", {{"input", source("a INT, b STRING")}, {"alias", "t"}}}};
  auto p = analyzed(select(where(view, fn(">", {col("a"), lit_i(1)})), {col("a")}));
  CHECK(opt::optimize(p)->tree_string() ==
        "Filter (isnotnull(a#0) AND (a#0 > 1))\n"
        "+- Relation [a#0] csv\n");
}

TEST_CASE("sql optimizer: filters inferred from constraints (Spark's InferFiltersFromConstraints)") {
  // A null-intolerant predicate implies isnotnull of the columns under it.
  auto f = analyzed(where(local("a INT, b INT"), fn(">", {fn("+", {col("a"), col("b")}), lit_i(1)})));
  CHECK(opt::infer_filters_from_constraints(f)->tree_string() ==
        "Filter ((isnotnull(a#0) AND isnotnull(b#1)) AND ((a#0 + b#1) > 1))\n"
        "+- LogicalRDD [a#0, b#1], false\n");
  // Not through <=>, OR or a function that is not null-intolerant; not for non-nullable columns.
  auto none = analyzed(where(local("a INT, b INT"), fn("or", {fn("<=>", {col("a"), lit_i(1)}), fn(">", {col("b"), lit_i(1)})})));
  CHECK(opt::infer_filters_from_constraints(none) == none);
  json range = {{"range", {{"start", 0}, {"end", 10}}}};
  auto nn = analyzed(where(range, fn(">", {col("id"), lit_i(1)})));
  CHECK(opt::infer_filters_from_constraints(nn) == nn);
  // Idempotent: nothing more to infer the second time.
  auto once = opt::infer_filters_from_constraints(f);
  CHECK(opt::infer_filters_from_constraints(once) == once);

  // Inner join: isnotnull of the keys on both sides; a = b with a > 1 gives b > 1 on the other side.
  json j = {{"join", {{"left", local("k INT, a INT", 1)}, {"right", local("k2 INT, b INT", 2)}, {"joinType", "JOIN_TYPE_INNER"},
                      {"joinCondition", fn("and", {fn("==", {col("k"), col("k2")}), fn("==", {col("a"), col("b")})})}}}};
  auto inner = opt::push_down_predicates(analyzed(where(j, fn(">", {col("a"), lit_i(1)}))));
  CHECK(opt::infer_filters_from_constraints(inner)->tree_string() ==
        "Join Inner, ((k#0 = k2#2) AND (a#1 = b#3))\n"
        ":- Filter isnotnull(k#0)\n"
        ":  +- Filter (isnotnull(a#1) AND (a#1 > 1))\n"
        ":     +- LogicalRDD [k#0, a#1], false\n"
        "+- Filter (((b#3 > 1) AND isnotnull(k2#2)) AND isnotnull(b#3))\n"
        "   +- LogicalRDD [k2#2, b#3], false\n");
  // The whole optimizer pushes and combines them (Spark's second operator batch).
  CHECK(opt::optimize(analyzed(where(j, fn(">", {col("a"), lit_i(1)}))))->tree_string() ==
        "Join Inner, ((k#0 = k2#2) AND (a#1 = b#3))\n"
        ":- Filter ((isnotnull(a#1) AND (a#1 > 1)) AND isnotnull(k#0))\n"
        ":  +- LogicalRDD [k#0, a#1], false\n"
        "+- Filter (((b#3 > 1) AND isnotnull(k2#2)) AND isnotnull(b#3))\n"
        "   +- LogicalRDD [k2#2, b#3], false\n");
  // Left outer: only the right side is filtered; the left keeps its NULL-keyed rows.
  json lo = j;
  lo["join"]["joinType"] = "JOIN_TYPE_LEFT_OUTER";
  lo["join"]["joinCondition"] = fn("==", {col("k"), col("k2")});
  CHECK(opt::infer_filters_from_constraints(analyzed(lo))->tree_string() ==
        "Join LeftOuter, (k#0 = k2#2)\n"
        ":- LogicalRDD [k#0, a#1], false\n"
        "+- Filter isnotnull(k2#2)\n"
        "   +- LogicalRDD [k2#2, b#3], false\n");
  // Full outer: nothing.
  json fo = lo;
  fo["join"]["joinType"] = "JOIN_TYPE_FULL_OUTER";
  auto full = analyzed(fo);
  CHECK(opt::infer_filters_from_constraints(full) == full);
}

TEST_CASE("sql optimizer: limits") {
  auto ll = analyzed(limit(limit(local("a INT"), 5), 3));
  CHECK(opt::limit_push_down(ll)->tree_string() ==
        "GlobalLimit 3\n+- LocalLimit 3\n   +- LogicalRDD [a#0], false\n");
  json u = {{"setOp", {{"leftInput", local("a INT", 1)}, {"rightInput", local("b INT", 2)},
                       {"setOpType", "SET_OP_TYPE_UNION"}, {"isAll", true}}}};
  CHECK(opt::limit_push_down(analyzed(limit(u, 2)))->tree_string() ==
        "GlobalLimit 2\n"
        "+- LocalLimit 2\n"
        "   +- Union false, false\n"
        "      :- GlobalLimit 2\n"
        "      :  +- LocalLimit 2\n"
        "      :     +- LogicalRDD [a#0], false\n"
        "      +- GlobalLimit 2\n"
        "         +- LocalLimit 2\n"
        "            +- LogicalRDD [b#1], false\n");
  auto once = opt::limit_push_down(analyzed(limit(u, 2)));
  CHECK(opt::limit_push_down(once) == once);
}

TEST_CASE("sql optimizer: columns dropped above a repartition or sample are never computed below it") {
  json rep = {{"repartition", {{"input", select(source("a INT, b STRING, c DOUBLE"), {col("a"), col("b")})},
                               {"numPartitions", 4}, {"shuffle", true}}}};
  CHECK(opt::optimize(analyzed(select(rep, {col("a")})))->tree_string() ==
        "Repartition 4, true\n"
        "+- Relation [a#0] csv\n");
  json by = {{"repartitionByExpression", {{"input", source("a INT, b STRING, c DOUBLE")}, {"partitionExprs", {col("c")}}}}};
  CHECK(opt::optimize(analyzed(select(by, {col("a")})))->tree_string() ==
        "Project [a#0]\n"
        "+- RepartitionByExpression [c#2]\n"
        "   +- Relation [a#0,c#2] csv\n");
  json sample = {{"sample", {{"input", source("a INT, b STRING")}, {"lowerBound", 0.0}, {"upperBound", 0.5},
                             {"seed", 7}}}};
  CHECK(opt::optimize(analyzed(select(sample, {col("b")})))->tree_string() ==
        "Sample 0.0, 0.5, false, 7\n"
        "+- Relation [b#1] csv\n");
}

TEST_CASE("sql optimizer: common factors out of OR and AND (Spark's BooleanSimplification)") {
  auto gt = [](const char* c, int v) { return fn(">", {col(c), lit_i(v)}); };
  // (a > 1 AND b > 2) OR (a > 1 AND b > 3)  =>  a > 1 AND (b > 2 OR b > 3)
  auto p = analyzed(where(local("a INT, b INT"), fn("or", {fn("and", {gt("a", 1), gt("b", 2)}), fn("and", {gt("a", 1), gt("b", 3)})})));
  CHECK(opt::boolean_simplification(p)->tree_string() ==
        "Filter ((a#0 > 1) AND ((b#1 > 2) OR (b#1 > 3)))\n"
        "+- LogicalRDD [a#0, b#1], false\n");
  // (a > 1 OR b > 2) AND (a > 1 OR b > 3)  =>  a > 1 OR (b > 2 AND b > 3)
  auto q = analyzed(where(local("a INT, b INT"), fn("and", {fn("or", {gt("a", 1), gt("b", 2)}), fn("or", {gt("a", 1), gt("b", 3)})})));
  CHECK(opt::boolean_simplification(q)->tree_string() ==
        "Filter ((a#0 > 1) OR ((b#1 > 2) AND (b#1 > 3)))\n"
        "+- LogicalRDD [a#0, b#1], false\n");
  // a side with nothing but common factors absorbs the other: (a > 1) OR (a > 1 AND b > 2) => a > 1
  auto r = analyzed(where(local("a INT, b INT"), fn("or", {gt("a", 1), fn("and", {gt("a", 1), gt("b", 2)})})));
  CHECK(opt::boolean_simplification(r)->tree_string() == "Filter (a#0 > 1)\n+- LogicalRDD [a#0, b#1], false\n");
  // nothing in common: unchanged (same plan back)
  auto s = analyzed(where(local("a INT, b INT"), fn("or", {fn("and", {gt("a", 1), gt("b", 2)}), gt("b", 3)})));
  CHECK(opt::boolean_simplification(s) == s);
}

TEST_CASE("sql optimizer: inner joins reordered so each has a condition (Spark's ReorderJoin)") {
  auto cross = [](json l, json r) { return json{{"join", {{"left", l}, {"right", r}, {"joinType", "JOIN_TYPE_INNER"}}}}; };
  auto eq = [](const char* a, const char* b) { return fn("==", {col(a), col(b)}); };
  // FROM a, b, c WHERE k = k3 AND k2 = z: a joins c first, then b; the columns keep their order
  auto p = analyzed(where(cross(cross(local("k INT, x INT", 1), local("k2 INT, y INT", 2)), local("k3 INT, z INT", 3)),
                          fn("and", {eq("k", "k3"), eq("k2", "z")})));
  auto o = opt::reorder_join(p);
  CHECK(o->tree_string() ==
        "Project [k#0, x#1, k2#2, y#3, k3#4, z#5]\n"
        "+- Join Inner, (k2#2 = z#5)\n"
        "   :- Join Inner, (k#0 = k3#4)\n"
        "   :  :- LogicalRDD [k#0, x#1], false\n"
        "   :  +- LogicalRDD [k3#4, z#5], false\n"
        "   +- LogicalRDD [k2#2, y#3], false\n");
  CHECK(opt::reorder_join(o) == o);  // in order now: nothing to do
  // already ordered (each relation meets a condition): unchanged
  auto q = analyzed(where(cross(cross(local("k INT, x INT", 1), local("k2 INT, y INT", 2)), local("k3 INT, z INT", 3)),
                          fn("and", {eq("k", "k2"), eq("y", "z")})));
  CHECK(opt::reorder_join(q) == q);
  // the whole optimizer: no cartesian product left
  auto full = opt::optimize(p)->tree_string();
  CHECK(full.find("Join Inner, (k#0 = k3#4)") != std::string::npos);
  CHECK(full.find("Join Inner, (k2#2 = z#5)") != std::string::npos);
}

TEST_CASE("sql optimizer: a left semi/anti join goes below a Project and into the join leg it needs (Spark's PushLeftSemiLeftAntiThroughJoin)") {
  auto join = [](json l, json r, const char* type, json cond) {
    return json{{"join", {{"left", l}, {"right", r}, {"joinType", type}, {"joinCondition", cond}}}};
  };
  json ab = join(local("k INT, a INT", 1), local("k2 INT, b INT", 2), "JOIN_TYPE_INNER", fn("==", {col("k"), col("k2")}));
  // on a column of the left leg: below the inner join, onto that leg
  CHECK(opt::push_left_semi_anti_join(analyzed(join(ab, local("c INT", 3), "JOIN_TYPE_LEFT_SEMI", fn("==", {col("a"), col("c")}))))
            ->tree_string() ==
        "Join Inner, (k#0 = k2#2)\n"
        ":- Join LeftSemi, (a#1 = c#4)\n"
        ":  :- LogicalRDD [k#0, a#1], false\n"
        ":  +- LogicalRDD [c#4], false\n"
        "+- LogicalRDD [k2#2, b#3], false\n");
  // an anti join on the right leg's column: onto the right leg
  CHECK(opt::push_left_semi_anti_join(analyzed(join(ab, local("c INT", 3), "JOIN_TYPE_LEFT_ANTI", fn("==", {col("b"), col("c")}))))
            ->tree_string() ==
        "Join Inner, (k#0 = k2#2)\n"
        ":- LogicalRDD [k#0, a#1], false\n"
        "+- Join LeftAnti, (b#3 = c#4)\n"
        "   :- LogicalRDD [k2#2, b#3], false\n"
        "   +- LogicalRDD [c#4], false\n");
  // a condition over both legs stays where it is
  auto both = analyzed(join(ab, local("c INT", 3), "JOIN_TYPE_LEFT_SEMI",
                            fn("and", {fn("==", {col("a"), col("c")}), fn("==", {col("b"), col("c")})})));
  CHECK(opt::push_left_semi_anti_join(both) == both);
  // a left outer join's right leg keeps its unmatched rows' NULLs: nothing moves there
  json lo = join(local("k INT, a INT", 1), local("k2 INT, b INT", 2), "JOIN_TYPE_LEFT_OUTER", fn("==", {col("k"), col("k2")}));
  auto outer = analyzed(join(lo, local("c INT", 3), "JOIN_TYPE_LEFT_SEMI", fn("==", {col("b"), col("c")})));
  CHECK(opt::push_left_semi_anti_join(outer) == outer);
  // through a Project: the condition reads the aliased expression
  json proj = select(local("a INT", 1), {alias(fn("+", {col("a"), lit_i(1)}), "x")});
  CHECK(opt::push_left_semi_anti_join(analyzed(join(proj, local("c INT", 3), "JOIN_TYPE_LEFT_SEMI", fn("==", {col("x"), col("c")}))))
            ->tree_string() ==
        "Project [(a#0 + 1) AS x#1]\n"
        "+- Join LeftSemi, ((a#0 + 1) = c#2)\n"
        "   :- LogicalRDD [a#0], false\n"
        "   +- LogicalRDD [c#2], false\n");
}

TEST_CASE("sql optimizer: a filter rejecting an outer side's NULL padding makes the join inner there (Spark's EliminateOuterJoin)") {
  auto join = [](const char* type) {
    return json{{"join", {{"left", local("k INT, a INT", 1)}, {"right", local("k2 INT, b INT", 2)}, {"joinType", type},
                          {"joinCondition", fn("==", {col("k"), col("k2")})}}}};
  };
  // b > 1 is NULL when b is: a left outer join's unmatched rows never pass it -> inner
  CHECK(opt::eliminate_outer_join(analyzed(where(join("JOIN_TYPE_LEFT_OUTER"), fn(">", {col("b"), lit_i(1)}))))->tree_string() ==
        "Filter (b#3 > 1)\n"
        "+- Join Inner, (k#0 = k2#2)\n"
        "   :- LogicalRDD [k#0, a#1], false\n"
        "   +- LogicalRDD [k2#2, b#3], false\n");
  // a predicate on the preserved side changes nothing; nor does one that NULLs pass
  auto keep = analyzed(where(join("JOIN_TYPE_LEFT_OUTER"), fn(">", {col("a"), lit_i(1)})));
  CHECK(opt::eliminate_outer_join(keep) == keep);
  auto isnull = analyzed(where(join("JOIN_TYPE_LEFT_OUTER"), fn("isnull", {col("b")})));
  CHECK(opt::eliminate_outer_join(isnull) == isnull);
  auto coalesced = analyzed(where(join("JOIN_TYPE_LEFT_OUTER"), fn("==", {fn("coalesce", {col("b"), lit_i(0)}), lit_i(0)})));
  CHECK(opt::eliminate_outer_join(coalesced) == coalesced);
  // right outer with a left-side predicate -> inner; full outer: each rejecting side counts
  CHECK(opt::eliminate_outer_join(analyzed(where(join("JOIN_TYPE_RIGHT_OUTER"), fn("isnotnull", {col("a")}))))
            ->children[0]->tree_string().rfind("Join Inner", 0) == 0);
  CHECK(opt::eliminate_outer_join(analyzed(where(join("JOIN_TYPE_FULL_OUTER"), fn("<", {col("a"), lit_i(5)}))))
            ->children[0]->tree_string().rfind("Join LeftOuter", 0) == 0);
  CHECK(opt::eliminate_outer_join(analyzed(where(join("JOIN_TYPE_FULL_OUTER"), fn("<", {col("b"), lit_i(5)}))))
            ->children[0]->tree_string().rfind("Join RightOuter", 0) == 0);
  CHECK(opt::eliminate_outer_join(analyzed(where(join("JOIN_TYPE_FULL_OUTER"),
                                                 fn("and", {fn("<", {col("a"), lit_i(5)}), fn("<", {col("b"), lit_i(5)})}))))
            ->children[0]->tree_string().rfind("Join Inner", 0) == 0);
  // through a Project of plain columns (as column pruning leaves one under the filter)
  auto pruned = analyzed(where(select(join("JOIN_TYPE_LEFT_OUTER"), {col("a"), col("b")}), fn(">", {col("b"), lit_i(1)})));
  CHECK(opt::eliminate_outer_join(pruned)->tree_string() ==
        "Filter (b#3 > 1)\n"
        "+- Project [a#1, b#3]\n"
        "   +- Join Inner, (k#0 = k2#2)\n"
        "      :- LogicalRDD [k#0, a#1], false\n"
        "      +- LogicalRDD [k2#2, b#3], false\n");
  // a predicate over both sides' columns is not one side's: unchanged
  auto mixed = analyzed(where(join("JOIN_TYPE_LEFT_OUTER"), fn(">", {fn("+", {col("a"), col("b")}), lit_i(1)})));
  CHECK(opt::eliminate_outer_join(mixed) == mixed);
}

TEST_CASE("sql optimizer: PushExtraPredicateThroughJoin derives one-side filters from an OR of ANDs") {
  auto eq = [](const char* c, int v) { return fn("==", {col(c), lit_i(v)}); };
  // TPC-H Q7's shape: (a = 1 AND b = 2) OR (a = 2 AND b = 1) implies a IN-like filter per side.
  json j = {{"join", {{"left", local("k INT, a INT", 1)}, {"right", local("k2 INT, b INT", 2)}, {"joinType", "JOIN_TYPE_INNER"},
                      {"joinCondition", fn("and", {fn("==", {col("k"), col("k2")}),
                                                   fn("or", {fn("and", {eq("a", 1), eq("b", 2)}),
                                                             fn("and", {eq("a", 2), eq("b", 1)})})})}}}};
  auto once = opt::push_extra_predicate_through_join(analyzed(j));
  CHECK(once->tree_string() ==
        "Join Inner, ((k#0 = k2#2) AND (((a#1 = 1) AND (b#3 = 2)) OR ((a#1 = 2) AND (b#3 = 1))))\n"
        ":- Filter ((a#1 = 1) OR (a#1 = 2))\n"
        ":  +- LogicalRDD [k#0, a#1], false\n"
        "+- Filter ((b#3 = 2) OR (b#3 = 1))\n"
        "   +- LogicalRDD [k2#2, b#3], false\n");
  // The join remembers its condition: a second pass adds nothing (the fixed point is reached).
  CHECK(opt::push_extra_predicate_through_join(once) == once);
  // A disjunct with nothing on one side implies nothing there.
  json none = j;
  none["join"]["joinCondition"] = fn("or", {fn("and", {eq("a", 1), eq("b", 2)}), eq("b", 3)});
  CHECK(opt::push_extra_predicate_through_join(analyzed(none))->tree_string() ==
        "Join Inner, (((a#1 = 1) AND (b#3 = 2)) OR (b#3 = 3))\n"
        ":- LogicalRDD [k#0, a#1], false\n"
        "+- Filter ((b#3 = 2) OR (b#3 = 3))\n"
        "   +- LogicalRDD [k2#2, b#3], false\n");
  // Left outer: only the right (null-padded) side may be filtered; the left keeps every row.
  json lo = j;
  lo["join"]["joinType"] = "JOIN_TYPE_LEFT_OUTER";
  auto l = opt::push_extra_predicate_through_join(analyzed(lo));
  CHECK(l->children[0]->kind == PlanKind::LocalRelation);
  CHECK(l->children[1]->kind == PlanKind::Filter);
  // The whole optimizer reaches a fixed point with the filters at the leaves.
  auto full = opt::optimize(analyzed(j))->tree_string();
  CHECK(full.find("Filter") != std::string::npos);
  CHECK(full.find("((a#1 = 1) OR (a#1 = 2))") != std::string::npos);
}
