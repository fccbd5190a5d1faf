"""Catalog tables and views in plans as Spark 3.5 prints them: a table is
`SubqueryAlias spark_catalog.default.t` over `Relation spark_catalog.default.t[...] parquet`
(its scan `FileScan parquet spark_catalog.default.t[...]`, `Scan parquet spark_catalog.default.t`
in EXPLAIN FORMATTED); a view is `SubqueryAlias v` over `View (`v`, [...])` in the analyzed plan,
over its DataFrame's plan, or for a view kept as SQL text (CREATE VIEW) over a Project casting
each column to its type (SessionCatalog.fromCatalogTable's UpCasts), all gone from the optimized
plan. Unresolved-column suggestions leave out a qualifier all candidates share
(orderSuggestedIdentifiersBySimilarity). Expected texts: Spark's sql-tests golden files
explain.sql.out, join-lateral.sql.out and exists-joins-and-set-ops.sql.out where they have the
query, else the 3.5 sources (SessionCatalog.getRelation / getTempViewRelation, View.simpleString,
LogicalRelation.simpleString)."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
import re
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("view-plans").getOrCreate()
spark.conf.set("spark.sql.adaptive.enabled", "false")
spark.conf.set("spark.sql.shuffle.partitions", "4")

def norm(s):
    s = re.sub(r"plan_id=\d+", "plan_id=x", re.sub(r"#\d+", "#x", s))
    s = re.sub(r"\*\(\d+\) ", "*", s)  # the golden files' codegen stage ids
    return re.sub(r"Location: InMemoryFileIndex\(1 paths\)\[file:[^\]]*/", "Location [not included in comparison]/{warehouse_dir}/", s)

def extended(q):
    return norm(spark.sql("EXPLAIN EXTENDED " + q).collect()[0][0])

def section(q, name):
    text = extended(q)
    return text.split("== " + name + " ==\n")[1].split("\n\n")[0]

def error(q):
    try:
        spark.sql(q).collect()
    except Exception as e:  # noqa: BLE001
        return str(e).splitlines()[0]
    return "no error"

spark.sql("CREATE TABLE explain_temp1 (key int, val int) USING PARQUET")
check("golden_table", lambda: extended("SELECT sum(distinct val) FROM explain_temp1"))
check("golden_formatted", lambda: norm(spark.sql(
    "EXPLAIN FORMATTED SELECT key, max(val) FROM explain_temp1 WHERE key > 0 GROUP BY key ORDER BY key")
    .collect()[0][0]))
check("table_df", lambda: norm(explained(spark.table("explain_temp1"), True)).split("\n\n")[1:3])
check("table_qualified", lambda: [list(r) for r in spark.sql(
    "SELECT explain_temp1.key, default.explain_temp1.val FROM explain_temp1").collect()])
check("table_suggest", lambda: [error("SELECT x FROM explain_temp1"),
                                error("SELECT a.x FROM explain_temp1 a JOIN explain_temp1 b")])
spark.sql("DROP TABLE explain_temp1")

# a view kept as SQL text (exists-joins-and-set-ops.sql's DEPT)
spark.sql("CREATE TEMPORARY VIEW DEPT AS SELECT * FROM VALUES "
          "(10, 'dept 1', 'CA'), (20, 'dept 2', 'NY') AS DEPT(dept_id, dept_name, state)")
check("sql_view", lambda: section("SELECT * FROM dept WHERE state = 'CA'", "Analyzed Logical Plan"))
check("sql_view_optimized", lambda: section("SELECT * FROM dept WHERE state = 'CA'", "Optimized Logical Plan"))
check("sql_view_rows", lambda: [list(r) for r in spark.sql("SELECT * FROM dept ORDER BY dept_id").collect()])
spark.sql("CREATE OR REPLACE TEMP VIEW v AS SELECT id AS a, id % 3 AS b FROM range(10)")
spark.sql("CREATE TEMP VIEW named(x, y) AS SELECT 1, 'a'")
check("sql_view_named", lambda: section("SELECT * FROM named", "Analyzed Logical Plan"))
check("sql_view_plain", lambda: extended("SELECT a FROM v WHERE b > 1").split("\n\n")[1:3])
check("view_self_join", lambda: spark.sql("SELECT x.a, y.b FROM v x JOIN v y ON x.a = y.b").count())
check("view_suggest", lambda: [error("SELECT x FROM v"), error("SELECT v.x FROM v"),
                               error("SELECT x FROM v JOIN v AS w")])

# a DataFrame's view keeps its plan
spark.range(5).createOrReplaceTempView("MyDf")
check("df_view", lambda: extended("SELECT * FROM mydf").split("\n\n")[1:3])
spark.range(3).selectExpr("id AS k").createOrReplaceGlobalTempView("g")
check("global_view", lambda: section("SELECT k FROM global_temp.g", "Analyzed Logical Plan"))
spark.sql("CREATE OR REPLACE GLOBAL TEMP VIEW gs AS SELECT 1 AS one")
check("global_sql_view", lambda: section("SELECT * FROM global_temp.gs", "Analyzed Logical Plan"))

# a persistent view (join-lateral.sql's t1)
spark.sql("CREATE VIEW t1(c1, c2) AS VALUES (0, 1), (1, 2)")
check("persistent_view", lambda: section("SELECT * FROM t1", "Analyzed Logical Plan"))
check("persistent_view_rows", lambda: [list(r) for r in spark.sql("SELECT * FROM t1 ORDER BY c1").collect()])
spark.sql("DROP VIEW t1")

# the cache still matches a view's plan: its casts change nothing
spark.sql("CACHE TABLE v")
check("cached_view", lambda: section("SELECT * FROM v", "Optimized Logical Plan").splitlines()[0])
spark.sql("UNCACHE TABLE v")
d = spark.range(4).selectExpr("id * 2 AS x")
d.createOrReplaceTempView("dv")
d.cache()
check("cached_df_view", lambda: section("SELECT x FROM dv", "Optimized Logical Plan").splitlines()[0])
emit()
spark.stop()
'''


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    d = tmp_path_factory.mktemp("view_plans")
    return jobs.submit_ok(jobs.write_job(d, "view_plans.py", JOB), master="local[2]", timeout=180,
                          conf={"spark.sql.warehouse.dir": str(d / "wh")}).result


def test_golden_table_plans(result):
    # explain.sql.out: EXPLAIN EXTENDED SELECT sum(distinct val) FROM explain_temp1, but for the
    # optimized plan: Spark's ColumnPruning leaves the relation whole under a Project [val#x]
    # where ours reads only val (a gap).
    parsed, analyzed, optimized, physical = result("golden_table").split("\n\n")[:4]
    assert parsed == ("== Parsed Logical Plan ==\n"
                      "'Project [unresolvedalias('sum(distinct 'val), None)]\n"
                      "+- 'UnresolvedRelation [explain_temp1], [], false")
    assert analyzed == ("== Analyzed Logical Plan ==\n"
                        "sum(DISTINCT val): bigint\n"
                        "Aggregate [sum(distinct val#x) AS sum(DISTINCT val)#xL]\n"
                        "+- SubqueryAlias spark_catalog.default.explain_temp1\n"
                        "   +- Relation spark_catalog.default.explain_temp1[key#x,val#x] parquet")
    assert optimized.splitlines()[-1].endswith("+- Relation spark_catalog.default.explain_temp1[val#x] parquet")
    # Spark's planAggregateWithOneDistinct: val deduplicated around a shuffle by it, then sum's
    # partial and final aggregates around the single-partition exchange (explain.sql.out exactly).
    assert physical == (
        "== Physical Plan ==\n"
        "*HashAggregate(keys=[], functions=[sum(distinct val#x)], output=[sum(DISTINCT val)#xL])\n"
        "+- Exchange SinglePartition, ENSURE_REQUIREMENTS, [plan_id=x]\n"
        "   +- *HashAggregate(keys=[], functions=[partial_sum(distinct val#x)], output=[sum#xL])\n"
        "      +- *HashAggregate(keys=[val#x], functions=[], output=[val#x])\n"
        "         +- Exchange hashpartitioning(val#x, 4), ENSURE_REQUIREMENTS, [plan_id=x]\n"
        "            +- *HashAggregate(keys=[val#x], functions=[], output=[val#x])\n"
        "               +- *ColumnarToRow\n"
        "                  +- FileScan parquet spark_catalog.default.explain_temp1[val#x] Batched: true, "
        "DataFilters: [], Format: Parquet, Location [not included in comparison]/{warehouse_dir}/explain_temp1], "
        "PartitionFilters: [], PushedFilters: [], ReadSchema: struct<val:int>"), physical


def test_formatted_scan_names_its_table(result):
    # explain.sql.out: EXPLAIN FORMATTED SELECT key, max(val) FROM explain_temp1 WHERE key > 0 ...
    assert result("golden_formatted") == """== Physical Plan ==
* Sort (8)
+- Exchange (7)
   +- * HashAggregate (6)
      +- Exchange (5)
         +- * HashAggregate (4)
            +- * Filter (3)
               +- * ColumnarToRow (2)
                  +- Scan parquet spark_catalog.default.explain_temp1 (1)


(1) Scan parquet spark_catalog.default.explain_temp1
Output [2]: [key#x, val#x]
Batched: true
Location [not included in comparison]/{warehouse_dir}/explain_temp1]
PushedFilters: [IsNotNull(key), GreaterThan(key,0)]
ReadSchema: struct<key:int,val:int>

(2) ColumnarToRow [codegen id : 1]
Input [2]: [key#x, val#x]

(3) Filter [codegen id : 1]
Input [2]: [key#x, val#x]
Condition : (isnotnull(key#x) AND (key#x > 0))

(4) HashAggregate [codegen id : 1]
Input [2]: [key#x, val#x]
Keys [1]: [key#x]
Functions [1]: [partial_max(val#x)]
Aggregate Attributes [1]: [max#x]
Results [2]: [key#x, max#x]

(5) Exchange
Input [2]: [key#x, max#x]
Arguments: hashpartitioning(key#x, 4), ENSURE_REQUIREMENTS, [plan_id=x]

(6) HashAggregate [codegen id : 2]
Input [2]: [key#x, max#x]
Keys [1]: [key#x]
Functions [1]: [max(val#x)]
Aggregate Attributes [1]: [max(val#x)#x]
Results [2]: [key#x, max(val#x)#x AS max(val)#x]

(7) Exchange
Input [2]: [key#x, max(val)#x]
Arguments: rangepartitioning(key#x ASC NULLS FIRST, 4), ENSURE_REQUIREMENTS, [plan_id=x]

(8) Sort [codegen id : 3]
Input [2]: [key#x, max(val)#x]
Arguments: [key#x ASC NULLS FIRST], true, 0

"""


def test_table_from_the_dataframe_api(result):
    assert result("table_df") == [
        "== Analyzed Logical Plan ==\nkey: int, val: int\nSubqueryAlias spark_catalog.default.explain_temp1\n"
        "+- Relation spark_catalog.default.explain_temp1[key#x,val#x] parquet",
        "== Optimized Logical Plan ==\nRelation spark_catalog.default.explain_temp1[key#x,val#x] parquet"]


def test_table_columns_qualified(result):
    assert result("table_qualified") == []  # the table is empty; both names resolve


def test_suggestions_leave_out_a_shared_qualifier(result):
    # the candidates' qualifier spark_catalog.default.explain_temp1 is common: left out
    assert result("table_suggest") == [
        "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `x` cannot be resolved. "
        "Did you mean one of the following? [`key`, `val`].;",
        "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `a`.`x` cannot be resolved. "
        "Did you mean one of the following? [`a`.`key`, `a`.`val`, `b`.`key`, `b`.`val`].;"]
    assert result("view_suggest") == [
        "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `x` cannot be resolved. "
        "Did you mean one of the following? [`a`, `b`].;",
        "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `v`.`x` cannot be resolved. "
        "Did you mean one of the following? [`v`.`a`, `v`.`b`].;",
        "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `x` cannot be resolved. "
        "Did you mean one of the following? [`v`.`a`, `v`.`b`, `w`.`a`, `w`.`b`].;"]


def test_sql_view_golden(result):
    # exists-joins-and-set-ops.sql.out's DEPT: the view's name as written, its alias lower-cased
    assert result("sql_view") == (
        "dept_id: int, dept_name: string, state: string\n"
        "Project [dept_id#x, dept_name#x, state#x]\n"
        "+- Filter (state#x = CA)\n"
        "   +- SubqueryAlias dept\n"
        "      +- View (`DEPT`, [dept_id#x,dept_name#x,state#x])\n"
        "         +- Project [cast(dept_id#x as int) AS dept_id#x, cast(dept_name#x as string) AS dept_name#x, "
        "cast(state#x as string) AS state#x]\n"
        "            +- Project [dept_id#x, dept_name#x, state#x]\n"
        "               +- SubqueryAlias DEPT\n"
        "                  +- LocalRelation [dept_id#x, dept_name#x, state#x]")
    assert result("sql_view_optimized") == (
        "Filter (state#x = CA)\n+- LocalRelation [dept_id#x, dept_name#x, state#x]")  # state is never null
    assert result("sql_view_rows") == [[10, "dept 1", "CA"], [20, "dept 2", "NY"]]
    # CREATE VIEW v (x, y): the casts name the columns over the query's own plan
    assert result("sql_view_named") == (
        "x: int, y: string\nProject [x#x, y#x]\n+- SubqueryAlias named\n"
        "   +- View (`named`, [x#x,y#x])\n"
        "      +- Project [cast(1#x as int) AS x#x, cast(a#x as string) AS y#x]\n"
        "         +- Project [1 AS 1#x, a AS a#x]\n"
        "            +- OneRowRelation")


def test_sql_view(result):
    assert result("sql_view_plain") == [
        "== Analyzed Logical Plan ==\na: bigint\n"
        "Project [a#xL]\n"
        "+- Filter (b#xL > cast(1 as bigint))\n"
        "   +- SubqueryAlias v\n"
        "      +- View (`v`, [a#xL,b#xL])\n"
        "         +- Project [cast(a#xL as bigint) AS a#xL, cast(b#xL as bigint) AS b#xL]\n"
        "            +- Project [id#xL AS a#xL, (id#xL % cast(3 as bigint)) AS b#xL]\n"
        "               +- Range (0, 10, step=1, splits=None)",
        "== Optimized Logical Plan ==\n"
        "Project [id#xL AS a#xL]\n"
        "+- Filter ((id#xL % 3) > 1)\n"
        "   +- Range (0, 10, step=1, splits=None)"]
    assert result("view_self_join") == 10


def test_dataframe_view_keeps_its_plan(result):
    assert result("df_view") == [
        "== Analyzed Logical Plan ==\nid: bigint\n"
        "Project [id#xL]\n"
        "+- SubqueryAlias mydf\n"
        "   +- View (`MyDf`, [id#xL])\n"
        "      +- Range (0, 5, step=1, splits=Some(2))",
        "== Optimized Logical Plan ==\nRange (0, 5, step=1, splits=Some(2))"]


def test_global_views(result):
    assert result("global_view") == (
        "k: bigint\nProject [k#xL]\n+- SubqueryAlias global_temp.g\n"
        "   +- View (`global_temp`.`g`, [k#xL])\n"
        "      +- Project [id#xL AS k#xL]\n"
        "         +- Range (0, 3, step=1, splits=Some(2))")
    assert result("global_sql_view") == (
        "one: int\nProject [one#x]\n+- SubqueryAlias global_temp.gs\n"
        "   +- View (`global_temp`.`gs`, [one#x])\n"
        "      +- Project [cast(one#x as int) AS one#x]\n"
        "         +- Project [1 AS one#x]\n"
        "            +- OneRowRelation")


def test_persistent_view_golden(result):
    # join-lateral.sql.out's t1: the view's columns named by the casts over the query's own
    assert result("persistent_view") == (
        "c1: int, c2: int\nProject [c1#x, c2#x]\n"
        "+- SubqueryAlias spark_catalog.default.t1\n"
        "   +- View (`spark_catalog`.`default`.`t1`, [c1#x,c2#x])\n"
        "      +- Project [cast(col1#x as int) AS c1#x, cast(col2#x as int) AS c2#x]\n"
        "         +- LocalRelation [col1#x, col2#x]")
    assert result("persistent_view_rows") == [[0, 1], [1, 2]]


def test_views_still_read_the_cache(result):
    assert result("cached_view").startswith("InMemoryRelation [a#xL, b#xL], StorageLevel(")
    assert result("cached_df_view").startswith("InMemoryRelation [x#xL]")
