// Subqueries: parsing, analysis (outer references, Spark's subquery errors) and the rewrite
// rules turning them into joins (optimizer/subquery.h), plan in / plan out.
#include <doctest/doctest.h>

#include <set>

#include "sql/optimizer/subquery.h"
#include "sql/parser/parser.h"
#include "sql/session.h"

using namespace spp::sql;
using nlohmann::json;

namespace {

json local(const char* ddl, int plan_id) {
  auto t = parse_ddl_schema(ddl);
  REQUIRE(t.is_ok());
  return {{"common", {{"planId", std::to_string(plan_id)}}}, {"localRelation", {{"schema", type_to_json(*t).dump()}}}};
}
json sql(const std::string& q) { return {{"root", {{"sql", {{"query", q}}}}}}; }

// A session with t(k, v) and o(k, w) views.
SqlSession& session() {
  static SqlSession s;
  static bool made = false;
  if (!made) {
    made = true;
    for (auto [name, ddl, id] : {std::tuple{"t", "k INT, v INT", 1}, std::tuple{"o", "k INT, w BIGINT", 2}})
      REQUIRE(s.command({{"command", {{"createDataframeView", {{"input", local(ddl, id)}, {"name", name}, {"replace", true}}}}}}) ==
              json::object());
  }
  return s;
}

PreparedQuery prepared(const std::string& q) {
  auto r = session().prepare(sql(q));
  if (auto* e = std::get_if<json>(&r)) FAIL(e->dump());
  return std::get<PreparedQuery>(r);
}
std::string optimized(const std::string& q) { return prepared(q).optimized->tree_string(); }
// Planned as one query: uncorrelated scalar subqueries joined too (a df.rdd's or a cache's plan).
std::string optimized_joined(const std::string& q) {
  auto r = session().prepare(sql(q), false);
  if (auto* e = std::get_if<json>(&r)) FAIL(e->dump());
  return std::get<PreparedQuery>(r).optimized->tree_string();
}
json error_of(const std::string& q) { return session().analyze(sql(q))["error"]; }
bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
// Ids vary with the order tests run in: `#12` -> `#`.
std::string no_ids(std::string s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    out += s[i];
    if (s[i] == '#') while (i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) ++i;
  }
  return out;
}

}  // namespace

TEST_CASE("sql subquery: parsing EXISTS, IN and scalar subqueries") {
  IdGen ids;
  auto r = parser::parse_statement("SELECT (SELECT max(w) FROM o) FROM t WHERE NOT EXISTS (SELECT 1 FROM o) AND (k, v) IN (SELECT k, w FROM o)", ids);
  REQUIRE(std::holds_alternative<parser::Statement>(r));
  std::string p = std::get<parser::Statement>(r).plan->tree_string();
  CHECK(has(p, "'Filter (NOT exists#-1 [] AND named_struct(k, 'k, v, 'v) IN (list#-1 []))"));
  CHECK(has(p, "'Project [unresolvedalias(scalar-subquery#-1 [], None)]"));
  // The subquery plans are drawn under their operator, before its child (Spark's innerChildren).
  CHECK(has(p, "   :  :- 'Project [unresolvedalias(1, None)]\n"));
  CHECK(has(p, "   :  +- 'Project ['k, 'w]\n"));
}

TEST_CASE("sql subquery: analysis resolves outer references and types") {
  auto q = prepared("SELECT k FROM t WHERE EXISTS (SELECT 1 FROM o WHERE o.k = t.k) AND v IN (SELECT w FROM o)");
  std::string a = no_ids(q.analyzed->tree_string());
  CHECK(has(a, "Filter (exists# [k#] AND cast(v# as bigint) IN (list# []))"));
  CHECK(has(a, ":  :  +- Filter (k# = outer(k#))"));
  // The scalar subquery's column is named as Spark names it.
  json s = session().analyze(sql("SELECT (SELECT max(w) FROM o) FROM t"));
  CHECK(s["schema"]["fields"][0]["name"] == "scalarsubquery()");
  CHECK(s["schema"]["fields"][0]["type"] == "long");
}

TEST_CASE("sql subquery: Spark's analysis errors") {
  CHECK(error_of("SELECT (SELECT k, w FROM o) FROM t")["errorClass"] ==
        "INVALID_SUBQUERY_EXPRESSION.SCALAR_SUBQUERY_RETURN_MORE_THAN_ONE_OUTPUT_COLUMN");
  CHECK(std::string(error_of("SELECT (SELECT k, w FROM o) FROM t")["message"]).rfind(
            "[INVALID_SUBQUERY_EXPRESSION.SCALAR_SUBQUERY_RETURN_MORE_THAN_ONE_OUTPUT_COLUMN] Invalid subquery: Scalar "
            "subquery must return only one column, but got 2.;\n", 0) == 0);
  CHECK(error_of("SELECT (SELECT w FROM o WHERE o.k = t.k) FROM t")["errorClass"] ==
        "UNSUPPORTED_SUBQUERY_EXPRESSION_CATEGORY.MUST_AGGREGATE_CORRELATED_SCALAR_SUBQUERY");
  CHECK(error_of("SELECT * FROM t WHERE EXISTS (SELECT t.v FROM o)")["errorClass"] ==
        "UNSUPPORTED_SUBQUERY_EXPRESSION_CATEGORY.CORRELATED_REFERENCE");
  CHECK(error_of("SELECT * FROM t WHERE k IN (SELECT k, w FROM o)")["errorClass"] ==
        "DATATYPE_MISMATCH.IN_SUBQUERY_LENGTH_MISMATCH");
  CHECK(error_of("SELECT (SELECT sum(w) FROM o WHERE o.k > t.k) FROM t")["errorClass"] ==
        "UNSUPPORTED_SUBQUERY_EXPRESSION_CATEGORY.CORRELATED_COLUMN_IS_NOT_ALLOWED_IN_PREDICATE");
  CHECK(error_of("SELECT * FROM t WHERE EXISTS (SELECT 1 FROM o WHERE o.k = t.nope)")["errorClass"] ==
        "UNRESOLVED_COLUMN.WITH_SUGGESTION");
  CHECK(error_of("SELECT * FROM t WHERE EXISTS (SELECT 1 FROM o WHERE o.k = t.k LIMIT 1)")["errorClass"] ==
        "UNSUPPORTED_SUBQUERY_EXPRESSION_CATEGORY.ACCESSING_OUTER_QUERY_COLUMN_IS_NOT_ALLOWED");
}

TEST_CASE("sql subquery: pulling correlated predicates up") {
  auto q = prepared("SELECT * FROM t WHERE EXISTS (SELECT k FROM o WHERE o.k = t.k AND w > 1)");
  const Expr* sub = nullptr;
  foreach_expr(q.analyzed->children[0]->exprs[0], [&](const Expr& x) { if (x.kind == ExprKind::Exists) sub = &x; });
  REQUIRE(sub);
  auto pulled = opt::pull_up_correlated(sub->plan);
  REQUIRE(!pulled.error);
  REQUIRE(pulled.preds.size() == 1);
  CHECK(no_ids(pulled.preds[0]->to_string()) == "(k# = outer(k#))");
  // The local predicate stays; the Project passes the column the pulled predicate reads.
  CHECK(has(no_ids(pulled.plan->tree_string()), "Filter (w#L > cast(1 as bigint))"));
  CHECK(!has(pulled.plan->tree_string(), "outer("));
  // Through an Aggregate the correlated column joins the grouping.
  auto s = prepared("SELECT (SELECT sum(w) FROM o WHERE o.k = t.k) FROM t");
  const Expr* sc = nullptr;
  foreach_expr(s.analyzed->exprs[0], [&](const Expr& x) { if (x.kind == ExprKind::ScalarSubquery) sc = &x; });
  REQUIRE(sc);
  auto pa = opt::pull_up_correlated(sc->plan);
  REQUIRE(!pa.error);
  CHECK(has(no_ids(pa.plan->tree_string()), "Aggregate [k#], [sum(w#L) AS sum(w)#L, k#]"));
}

TEST_CASE("sql subquery: EXISTS / IN become semi and anti joins") {
  std::string p = no_ids(optimized("SELECT * FROM t WHERE EXISTS (SELECT 1 FROM o WHERE o.k = t.k) AND v > 0"));
  CHECK(has(p, "Join LeftSemi, (k# = k#)"));
  // Inferred: isnotnull(v) under v > 0, and the semi join's key on both sides.
  CHECK_MESSAGE(has(p, "Filter ((isnotnull(v#) AND (v# > 0)) AND isnotnull(k#))"), p);
  CHECK_MESSAGE(has(p, "+- Filter isnotnull(k#)"), p);
  CHECK(has(no_ids(optimized("SELECT * FROM t WHERE NOT EXISTS (SELECT 1 FROM o WHERE o.k = t.k)")), "Join LeftAnti, (k# = k#)"));
  CHECK(has(no_ids(optimized("SELECT * FROM t WHERE k IN (SELECT k FROM o)")), "Join LeftSemi, (k# = k#)"));
  // NOT IN is null-aware: a NULL comparison removes the row. One uncorrelated column: a hash
  // anti join, then the subquery's row and non-NULL counts decide (Spark's null-aware anti join).
  std::string ni = no_ids(optimized("SELECT * FROM t WHERE k NOT IN (SELECT k FROM o)"));
  CHECK(has(ni, "Filter ((count#L = 0) OR ((count_not_null#L = count#L) AND isnotnull(k#)))"));
  CHECK(has(ni, ":- Join LeftAnti, (k# = k#)"));
  CHECK(has(ni, "+- Aggregate [count(1) AS count#L, count(k#) AS count_not_null#L]"));
  // Correlated or several columns: the null-aware condition itself.
  CHECK(has(no_ids(optimized("SELECT * FROM t WHERE (k, v) NOT IN (SELECT k, w FROM o)")),
            "Join LeftAnti, (((k# = k#) OR isnull((k# = k#))) AND ((cast(v# as bigint) = w#L) OR isnull((cast(v# as bigint) = w#L))))"));
  // Correlated IN: the value comparison and the correlation together.
  CHECK(has(no_ids(optimized("SELECT * FROM t WHERE v IN (SELECT w FROM o WHERE o.k = t.k)")),
            "Join LeftSemi, ((cast(v# as bigint) = w#L) AND (k# = k#))"));
  // Nothing of a subquery reaches the optimized plan.
  CHECK(!has(optimized("SELECT * FROM t WHERE k IN (SELECT k FROM o WHERE EXISTS (SELECT 1 FROM t))"), "exists#"));
}

TEST_CASE("sql subquery: scalar subqueries become left outer joins; count is 0, not NULL") {
  std::string p = no_ids(optimized("SELECT k, (SELECT count(*) FROM o WHERE o.k = t.k) AS c FROM t"));
  CHECK(has(p, "Join LeftOuter, (k# = k#)"));
  CHECK(has(p, "CASE WHEN isnull(alwaysTrue#) THEN 0 ELSE count(1)#L END AS c#L"));
  // sum over no rows is NULL: no marker needed.
  CHECK(!has(optimized("SELECT k, (SELECT sum(w) FROM o WHERE o.k = t.k) AS c FROM t"), "alwaysTrue"));
  // An uncorrelated subquery that is not one row by construction is checked at run time.
  std::string g = optimized_joined("SELECT k FROM t WHERE v = (SELECT w FROM o WHERE k = 5)");
  CHECK(has(g, "scalar_subquery_check("));
  CHECK(!has(optimized_joined("SELECT k FROM t WHERE v > (SELECT max(w) FROM o)"), "scalar_subquery_check("));
}

TEST_CASE("sql subquery: the zero-tuple value of an aggregate subquery") {
  auto value = [](const std::string& q) {
    auto p = prepared(q);
    const Expr* sc = nullptr;
    foreach_expr(p.analyzed->exprs[0], [&](const Expr& x) { if (x.kind == ExprKind::ScalarSubquery) sc = &x; });
    REQUIRE(sc);
    return opt::zero_tuple_value(sc->plan);
  };
  CHECK(value("SELECT (SELECT count(*) + 1 FROM o) FROM t")->as_int() == 1);
  CHECK(!value("SELECT (SELECT max(w) FROM o) FROM t"));
  CHECK(value("SELECT (SELECT coalesce(sum(w), 7) FROM o) FROM t")->as_int() == 7);
}

TEST_CASE("sql subquery: EXISTS / IN inside expressions become existence flags") {
  // Spark's ExistenceJoin as the union of the semi join (exists = true) and the anti join (false).
  std::string p = no_ids(optimized("SELECT k FROM t WHERE v > 3 OR EXISTS (SELECT 1 FROM o WHERE o.k = t.k)"));
  CHECK(has(p, "Filter ((v# > 3) OR exists#)"));
  CHECK(has(p, "Union"));
  CHECK(has(p, "Join LeftSemi, (k# = k#)"));
  CHECK(has(p, "Join LeftAnti, (k# = k#)"));
  // NOT IN nested: NOT exists over the null-aware condition.
  std::string n = no_ids(optimized("SELECT k NOT IN (SELECT k FROM o) AS x FROM t"));
  CHECK(has(n, "NOT exists# AS x#"));
  CHECK(has(n, "Join LeftAnti, ((k# = k#) OR isnull((k# = k#)))"));
  // In an aggregation's select list: computed above the aggregation, per group.
  std::string a = no_ids(optimized("SELECT k, EXISTS (SELECT 1 FROM o WHERE o.k = t.k) FROM t GROUP BY k"));
  CHECK(has(a, "Project [k#, exists# AS exists(k)#]"));
  CHECK(has(a, "Aggregate [k#], [k#]"));
  auto grp = session().prepare(sql("SELECT count(*) FROM t GROUP BY k IN (SELECT k FROM o)"));
  REQUIRE(std::holds_alternative<json>(grp));
  CHECK(std::get<json>(grp)["error"]["errorClass"] == "UNSUPPORTED_FEATURE.SUBQUERY");
}

TEST_CASE("sql subquery: a view holding a correlated subquery used twice gets fresh ids inside it") {
  REQUIRE(session().command({{"command", {{"sqlCommand", {{"sql",
              "CREATE OR REPLACE TEMP VIEW vx AS SELECT * FROM t WHERE EXISTS (SELECT 1 FROM o WHERE o.k = t.k)"}}}}}})
              .contains("error") == false);
  auto q = prepared("SELECT a.k FROM vx a JOIN vx b ON a.k = b.k");
  // Each copy's semi join compares its own outer column with its own subquery column.
  std::vector<std::pair<int64_t, int64_t>> conds;
  plan_foreach(q.optimized, [&](const LogicalPlan& n) {
    if (n.kind == PlanKind::Join && n.join_type == JoinType::LeftSemi) {
      auto refs = n.exprs[0];
      conds.emplace_back(refs->children[0]->id, refs->children[1]->id);
      std::set<int64_t> out;
      for (const auto& a : n.children[0]->output()) out.insert(a->id);
      for (const auto& a : n.children[1]->output()) out.insert(a->id);
      CHECK(out.count(refs->children[0]->id) == 1);
      CHECK(out.count(refs->children[1]->id) == 1);
    }
  });
  REQUIRE(conds.size() == 2);
  CHECK(conds[0].first != conds[1].first);
  CHECK(conds[0].second != conds[1].second);
}

TEST_CASE("sql subquery: in an inner join's condition, and correlated ones in aggregations") {
  // The subquery conjunct leaves the join for a filter above it, then becomes a semi join.
  std::string p = no_ids(optimized("SELECT t.k FROM t JOIN o ON t.k = o.k AND o.w IN (SELECT w FROM o)"));
  CHECK(has(p, "Join LeftSemi, (w#L = w#L)"));
  CHECK(has(p, "Join Inner, (k# = k#)"));
  CHECK(session().prepare(sql("SELECT 1 FROM t LEFT JOIN o ON o.w IN (SELECT w FROM o)")).index() == 1);
  // Spark: a correlated scalar subquery in an aggregation must be grouped or aggregated.
  CHECK(error_of("SELECT k, (SELECT sum(w) FROM o WHERE o.k = t.k) FROM t GROUP BY k")["errorClass"] ==
        "SCALAR_SUBQUERY_IS_IN_GROUP_BY_OR_AGGREGATE_FUNCTION");
  CHECK(has(no_ids(optimized("SELECT k, sum((SELECT sum(w) FROM o WHERE o.k = t.k)) FROM t GROUP BY k")),
            "Join LeftOuter, (k# = k#)"));
}

TEST_CASE("sql subquery: a scalar subquery outside aggregate functions is joined above the aggregation") {
  std::string p = no_ids(optimized_joined("SELECT count(*) + (SELECT max(w) FROM o) AS c FROM t"));
  // The value joins the aggregation's one row, so an empty input still gives count 0 + value.
  CHECK(has(p, "Project [(_aggregateexpression#L + scalarsubquery()#L) AS c#L]") +
            has(p, "Project [(_aggregateexpression#L + max(w)#L) AS c#L]") == 1);
  CHECK(has(p, "Aggregate [count(1) AS _aggregateexpression#L]"));
  CHECK(has(p, "Join LeftOuter"));
}

TEST_CASE("sql subquery: an uncorrelated scalar subquery is a query of its own (Spark's SubqueryExec)") {
  auto q = prepared("SELECT k FROM t WHERE v > (SELECT max(w) FROM o)");
  // Kept as an expression through the optimizer, its own plan optimized under it.
  std::string o = no_ids(q.optimized->tree_string());
  CHECK(has(o, "Filter (isnotnull(v#) AND (cast(v# as bigint) > scalar-subquery# []))") +
            has(o, "Filter (cast(v# as bigint) > scalar-subquery# [])") == 1);
  CHECK(has(o, ":  +- Aggregate [max(w#L) AS max(w)#L]"));
  CHECK(!has(o, "Join"));
  REQUIRE(q.subqueries.size() == 1);
  CHECK(q.subqueries[0].second->subqueries.empty());
  // Explain draws it under its host as Spark's innerChildren, AQE over both plans.
  PlannerOptions opts;
  std::string ph = no_ids(physical_tree_string(q.physical, opts));
  CHECK(ph.rfind("AdaptiveSparkPlan isFinalPlan=false\n", 0) == 0);
  CHECK(has(ph, "> Subquery subquery#, [id=#])\n"));
  CHECK(has(ph, ":  +- Subquery subquery#, [id=#]\n"));
  CHECK(has(ph, ":     +- AdaptiveSparkPlan isFinalPlan=false\n"));
  CHECK(has(ph, ":        +- HashAggregate(keys=[], functions=[max(w#L)])\n"));
  // The formatted mode lists it after the plan, with the operator that hosts it.
  std::string f = no_ids(explain_formatted(q.physical, opts));
  CHECK(has(f, "\n===== Subqueries =====\n\nSubquery:1 Hosting operator id = 2 Hosting Expression = Subquery subquery#, [id=#]\n"
               "AdaptiveSparkPlan ("));
  CHECK(has(f, "Arguments: isFinalPlan=false\n\n===== Subqueries"));
  // Without AQE: `scalar-subquery#`, no AdaptiveSparkPlan.
  PlannerOptions no_aqe;
  no_aqe.adaptive = false;
  CHECK(!has(physical_tree_string(q.physical, no_aqe), "AdaptiveSparkPlan"));
  // Its value then runs as a literal; the stages hold no subquery.
  PreparedQuery run = with_subquery_values(q, {{q.subqueries[0].first, Value::of(int64_t{15})}});
  CHECK(run.subqueries.empty());
  std::string stages;
  for (const auto& st : run.stages) stages += st.to_json().dump();
  CHECK(!has(stages, "unresolved"));
  CHECK(has(stages, "\"value\":15"));
  CHECK(!has_subqueries(run.executed));
}

TEST_CASE("sql subquery: nested, correlated and nested-type scalar subqueries") {
  // A subquery in a subquery runs before it.
  auto q = prepared("SELECT k FROM t WHERE k = (SELECT max(k) FROM o WHERE w < (SELECT avg(w) FROM o))");
  REQUIRE(q.subqueries.size() == 1);
  CHECK(q.subqueries[0].second->subqueries.size() == 1);
  std::string f = no_ids(explain_formatted(q.physical, PlannerOptions{}));
  CHECK(has(f, "Subquery:1 Hosting operator id = "));
  CHECK(has(f, "Subquery:2 Hosting operator id = "));
  // Correlated ones stay joins; a struct value is joined too (no literal holds it here).
  CHECK(prepared("SELECT k, (SELECT sum(w) FROM o WHERE o.k = t.k) FROM t").subqueries.empty());
  CHECK(prepared("SELECT (SELECT named_struct('a', max(w)) FROM o) FROM t").subqueries.empty());
  // In an outer join's condition: kept (a join of the subquery there is not supported).
  CHECK(prepared("SELECT t.k FROM t LEFT JOIN o ON t.k = o.k AND o.w > (SELECT min(w) FROM o)").subqueries.size() == 1);
}

TEST_CASE("sql subquery: a scalar subquery outside aggregate functions stays in the aggregation") {
  auto q = prepared("SELECT count(*) + (SELECT max(w) FROM o) AS c FROM t");
  CHECK(has(no_ids(q.optimized->tree_string()), "Aggregate [(count(1) + scalar-subquery# []) AS c#L]"));
  CHECK(q.subqueries.size() == 1);
}
