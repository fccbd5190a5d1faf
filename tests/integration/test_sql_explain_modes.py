"""explain's modes as PySpark 3.5 prints them: df.explain(mode="formatted"|"cost"|"codegen") and
the SQL statements EXPLAIN FORMATTED / COST / CODEGEN (ExplainUtils.processPlan,
QueryExecution.stringWithStats, debug.writeCodegen); createDataFrame's rows as Spark's
LogicalRDD / `Scan ExistingRDD`, a FROM-less SELECT's OneRowRelation; median planned as
Percentile; raise_error; window(...) called in SQL text. Expected texts follow PySpark's
DataFrame.explain docstring and Spark's sql-tests golden files (explain.sql.out,
explain-aqe.sql.out), not sparkpp's own output."""
import os
import re

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
import re
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("explain-modes").getOrCreate()
df = spark.createDataFrame([(14, "Tom"), (23, "Alice"), (16, "Bob")], ["age", "name"])

def norm(s):
    return re.sub(r"#\d+", "#x", s)

check("simple", lambda: norm(explained(df)))
check("formatted", lambda: norm(explained(df, mode="formatted")))
check("formatted_as_extended", lambda: norm(explained(df, "formatted")))
check("cost", lambda: norm(explained(df, "cost")))
check("codegen", lambda: norm(explained(df, mode="codegen")))
check("extended", lambda: norm(explained(df, True)))
check("bad_mode", lambda: first_error(lambda: df.explain("verbose")))
check("both", lambda: first_error(lambda: df.explain(True, mode="cost")))

spark.sql("CREATE OR REPLACE TEMP VIEW t AS SELECT id AS key, id % 3 AS val FROM range(10)")
spark.conf.set("spark.sql.adaptive.enabled", "false")
q = "SELECT key, max(val) FROM t WHERE key > 0 GROUP BY key ORDER BY key"
check("sql_formatted", lambda: norm(spark.sql("EXPLAIN FORMATTED " + q).collect()[0][0]))
check("df_formatted_same", lambda: norm(explained(spark.sql(q), mode="formatted")) ==
      norm(spark.sql("EXPLAIN FORMATTED " + q).collect()[0][0]) + "\n")  # print() adds one
check("sql_codegen", lambda: norm(spark.sql("EXPLAIN CODEGEN " + q).collect()[0][0]))
check("join_formatted", lambda: norm(spark.sql(
    "EXPLAIN FORMATTED SELECT * FROM t a JOIN t b ON a.key = b.key").collect()[0][0]))
spark.conf.set("spark.sql.adaptive.enabled", "true")
check("sql_formatted_aqe", lambda: norm(spark.sql("EXPLAIN FORMATTED " + q).collect()[0][0]))
check("sql_cost", lambda: norm(spark.sql("EXPLAIN COST SELECT * FROM range(5000) WHERE id > 2 LIMIT 3")
                               .collect()[0][0]))
check("sql_cost_agg", lambda: norm(spark.sql("EXPLAIN COST SELECT count(*) FROM range(10)").collect()[0][0]))
check("sql_logical", lambda: first_error(lambda: spark.sql("EXPLAIN LOGICAL SELECT 1")))
check("one_row", lambda: norm(spark.sql("EXPLAIN EXTENDED SELECT 1").collect()[0][0]))

# median is a RuntimeReplaceableAggregate: Percentile(x, 0.5) once optimized, named median(x)
m = df.groupBy("name").agg(F.median("age"))
check("median_names", lambda: [m.columns, spark.sql("SELECT median(age) FROM VALUES (1) AS v(age)").columns])
check("median_plan", lambda: [l.strip(" +-:") for l in norm(explained(m, True)).splitlines()
                              if "percentile" in l or "median" in l])
check("median_value", lambda: sorted(map(tuple, df.union(df.limit(1)).groupBy("name").agg(F.median("age")).collect())))

# raise_error (Spark 3.5: RaiseError throws java.lang.RuntimeException(msg))
check("raise_error", lambda: first_error(lambda: spark.range(1).select(F.raise_error("My error message")).collect()))
check("raise_error_sql", lambda: first_error(lambda: spark.sql("SELECT raise_error('boom: ' || id) FROM range(1)").collect()))
check("raise_error_schema", lambda: [spark.range(1).select(F.raise_error(F.lit("x"))).columns,
                                     spark.sql("SELECT raise_error('x')").schema.simpleString()])
check("raise_error_no_rows", lambda: spark.range(0).select(F.raise_error("never")).collect())
check("raise_error_when", lambda: spark.range(3).select(
    F.when(F.col("id") < 5, F.col("id")).otherwise(F.raise_error("too big")).alias("v")).collect())
check("raise_error_type", lambda: first_error(lambda: F.raise_error(1)))
check("raise_error_plan", lambda: [l for l in norm(spark.sql("EXPLAIN SELECT raise_error('boom')").collect()[0][0])
                                   .splitlines() if "raise_error" in l])

# window(...) in SQL text is a function call (WINDOW is only a clause keyword before a name)
spark.sql("CREATE OR REPLACE TEMP VIEW events AS SELECT * FROM VALUES "
          "(TIMESTAMP'2016-03-27 19:39:34', 1), (TIMESTAMP'2016-03-27 19:39:56', 2), "
          "(TIMESTAMP'2016-03-27 19:39:27', 4) AS t(time, value)")
w = spark.sql('SELECT window(time, "10 seconds"), value FROM events')
check("window_sql", lambda: [w.columns, sorted((str(r.window.start), str(r.window.end), r.value) for r in w.collect())])
check("window_group", lambda: [(str(r.w.start), r.n) for r in spark.sql(
    "SELECT window(time, '20 seconds') AS w, count(*) AS n FROM events "
    "GROUP BY window(time, '20 seconds') ORDER BY 1").collect()])
check("window_clause", lambda: [tuple(r) for r in spark.sql(
    "SELECT value, sum(value) OVER w AS s FROM events WINDOW w AS (ORDER BY time) ORDER BY time").collect()])
# A vectorized Parquet scan (Batched: true) is read through ColumnarToRow, in the codegen stage
# of the operators above it; CSV is row-based (no transition); AQE's initial plan has none yet.
import tempfile
pq = tempfile.mkdtemp() + "/pq"
spark.range(5).write.parquet(pq)
spark.conf.set("spark.sql.adaptive.enabled", "false")
pdf = spark.read.parquet(pq)
check("pq_simple", lambda: norm(explained(pdf.filter("id > 1"))))
check("pq_formatted", lambda: norm(explained(pdf.filter("id > 1"), "formatted")))
check("pq_bare", lambda: norm(explained(pdf)))
check("pq_rows", lambda: pdf.filter("id > 1").count())
cs = tempfile.mkdtemp() + "/csv"
spark.range(3).write.csv(cs)
check("csv_simple", lambda: norm(explained(spark.read.csv(cs))))
spark.conf.set("spark.sql.adaptive.enabled", "true")
agg = spark.read.parquet(pq).groupBy().count()
check("pq_aqe_initial", lambda: norm(explained(agg)))
check("pq_aqe_final", lambda: [agg.collect()[0][0], norm(explained(agg))])
emit()
spark.stop()
'''


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    d = tmp_path_factory.mktemp("explain_modes")
    return jobs.submit_ok(jobs.write_job(d, "explain_modes.py", JOB), master="local[4]", timeout=240).result


SCAN = "Scan ExistingRDD"
RDD_ARGS = ("[age#xL, name#x], MapPartitionsRDD[#] at applySchemaToPythonRDD at NativeMethodAccessorImpl.java:0, "
            "ExistingRDD, UnknownPartitioning(0)")


def test_create_dataframe_is_a_logical_rdd(result):
    # PySpark's DataFrame.explain docstring: `*(1) Scan ExistingRDD[age...,name...]`
    assert result("simple") == "== Physical Plan ==\n*(1) Scan ExistingRDD[age#xL,name#x]\n\n\n"  # print() adds one
    ext = result("extended")
    assert "== Analyzed Logical Plan ==\nage: bigint, name: string\nLogicalRDD [age#xL, name#x], false\n" in ext
    assert ext.endswith("== Physical Plan ==\n*(1) Scan ExistingRDD[age#xL,name#x]\n\n\n")


def test_formatted(result):
    # The docstring's `* Scan ExistingRDD (...)` / `(1) Scan ExistingRDD [codegen id : ...]` /
    # `Output [2]: [age..., name...]`; LeafExecNode's Arguments line is RDDScanExec's argString.
    text = re.sub(r"RDD\[\d+\]", "RDD[#]", result("formatted"))
    assert text == ("== Physical Plan ==\n* Scan ExistingRDD (1)\n\n\n"
                    "(1) Scan ExistingRDD [codegen id : 1]\nOutput [2]: [age#xL, name#x]\n"
                    "Arguments: " + RDD_ARGS + "\n\n\n")
    assert re.sub(r"RDD\[\d+\]", "RDD[#]", result("formatted_as_extended")) == text


def test_formatted_sql_aggregate_sort(result):
    # explain.sql.out, `EXPLAIN FORMATTED SELECT key, max(val) ... GROUP BY key ORDER BY key` (AQE
    # off; its parquet scan is a range here, key and val bigint)
    text = re.sub(r"plan_id=\d+", "plan_id=x", result("sql_formatted"))
    outline, sections = text.split("\n\n\n", 1)
    assert outline.splitlines() == [
        "== Physical Plan ==",
        "* Sort (8)",
        "+- Exchange (7)",
        "   +- * HashAggregate (6)",
        "      +- Exchange (5)",
        "         +- * HashAggregate (4)",
        "            +- * Project (3)",
        "               +- * Filter (2)",
        "                  +- * Range (1)"]
    assert sections.startswith("(1) Range [codegen id : 1]\nOutput [1]: [id#xL]\n"
                               "Arguments: Range (0, 10, step=1, splits=None)\n\n"
                               "(2) Filter [codegen id : 1]\nInput [1]: [id#xL]\nCondition : (id#xL > 0)\n\n"
                               "(3) Project [codegen id : 1]\nOutput [2]: [id#xL AS key#xL, (id#xL % 3) AS val#xL]\n"
                               "Input [1]: [id#xL]\n\n")
    assert ("(4) HashAggregate [codegen id : 1]\nInput [2]: [key#xL, val#xL]\nKeys [1]: [key#xL]\n"
            "Functions [1]: [partial_max(val#xL)]\nAggregate Attributes [1]: [max#xL]\n"
            "Results [2]: [key#xL, max#xL]\n\n"
            "(5) Exchange\nInput [2]: [key#xL, max#xL]\n"
            "Arguments: hashpartitioning(key#xL, 200), ENSURE_REQUIREMENTS, [plan_id=x]\n\n"
            "(6) HashAggregate [codegen id : 2]\nInput [2]: [key#xL, max#xL]\nKeys [1]: [key#xL]\n"
            "Functions [1]: [max(val#xL)]\nAggregate Attributes [1]: [max(val#xL)#xL]\n"
            "Results [2]: [key#xL, max(val#xL)#xL AS max(val)#xL]\n\n"
            "(7) Exchange\nInput [2]: [key#xL, max(val)#xL]\n"
            "Arguments: rangepartitioning(key#xL ASC NULLS FIRST, 200), ENSURE_REQUIREMENTS, [plan_id=x]\n\n"
            "(8) Sort [codegen id : 3]\nInput [2]: [key#xL, max(val)#xL]\n"
            "Arguments: [key#xL ASC NULLS FIRST], true, 0\n\n") in sections
    assert sections.endswith("Arguments: [key#xL ASC NULLS FIRST], true, 0\n\n")
    assert result("df_formatted_same") is True


def test_formatted_aqe_and_joins(result):
    # explain-aqe.sql.out: the initial plan without codegen ids, AdaptiveSparkPlan numbered last
    text = result("sql_formatted_aqe")
    assert text.startswith("== Physical Plan ==\nAdaptiveSparkPlan (9)\n+- Sort (8)\n   +- Exchange (7)\n")
    assert "[codegen id" not in text
    assert text.endswith("(9) AdaptiveSparkPlan\nOutput [2]: [key#xL, max(val)#xL]\nArguments: isFinalPlan=false\n\n")
    join = result("join_formatted")
    assert "* BroadcastHashJoin Inner BuildRight (" in join
    assert "Left keys [1]: [key#xL]\nRight keys [1]: [key#xL]\nJoin type: Inner\nJoin condition: None\n" in join
    assert "BroadcastExchange (" in join and "\nInput [2]: [key#xL, val#xL]\nArguments: HashedRelationBroadcastMode(" in join


def test_cost(result):
    # Statistics(sizeInBytes=..., rowCount=...) as SizeInBytesOnlyStatsPlanVisitor: Range knows its
    # rows, a filter keeps only the size, a limit knows its rows; LogicalRDD has no estimate.
    assert result("cost") == ("== Optimized Logical Plan ==\n"
                              "LogicalRDD [age#xL, name#x], false, Statistics(sizeInBytes=8.0 EiB)\n\n"
                              "== Physical Plan ==\n*(1) Scan ExistingRDD[age#xL,name#x]\n\n\n")
    sql = result("sql_cost")
    assert sql.startswith("== Optimized Logical Plan ==\n"
                          "GlobalLimit 3, Statistics(sizeInBytes=48.0 B, rowCount=3)\n"
                          "+- LocalLimit 3, Statistics(sizeInBytes=39.1 KiB)\n"
                          "   +- Filter (id#xL > 2), Statistics(sizeInBytes=39.1 KiB)\n"
                          "      +- Range (0, 5000, step=1, splits=None), Statistics(sizeInBytes=39.1 KiB, rowCount=5.00E+3)\n"
                          "\n== Physical Plan ==\n")
    agg = result("sql_cost_agg")
    assert "Aggregate [count(1) AS count(1)#xL], Statistics(sizeInBytes=16.0 B, rowCount=1)\n" in agg
    assert "HashAggregate(keys=[], functions=[count(1)], output=[count(1)#xL])" in agg  # verbose physical plan


def test_codegen(result):
    assert result("codegen") == (
        "Found 1 WholeStageCodegen subtrees.\n"
        "== Subtree 1 / 1 (maxMethodCodeSize:-1; maxConstantPoolSize:-1; numInnerClasses:-1) ==\n"
        "*(1) Scan ExistingRDD[age#xL,name#x]\n\nGenerated code:\n"
        "/* sparkpp runs this stage's operators as native vectorized kernels: no Java source is generated. */\n\n\n")
    sql = result("sql_codegen")
    assert sql.startswith("Found 3 WholeStageCodegen subtrees.\n== Subtree 1 / 3 (")
    assert "\n*(3) Sort [key#xL ASC NULLS FIRST], true, 0\n+- Exchange rangepartitioning(" in sql


def test_errors_and_statements(result):
    assert result("bad_mode") == ("IllegalArgumentException: Unknown explain mode: verbose. Accepted explain modes are "
                                  "'simple', 'extended', 'codegen', 'cost', 'formatted'.")
    assert result("both").startswith("PySparkValueError: [CANNOT_SET_TOGETHER]")
    assert "EXPLAIN LOGICAL" in result("sql_logical")
    one = result("one_row")
    assert "== Analyzed Logical Plan ==\n1: int\nProject [1 AS 1#x]\n+- OneRowRelation\n" in one
    assert one.endswith("== Physical Plan ==\n*(1) Project [1 AS 1#x]\n+- *(1) Scan OneRowRelation[]\n\n")


def test_median_is_percentile(result):
    assert result("median_names") == [["name", "median(age)"], ["median(age)"]]
    plan = result("median_plan")
    assert "Aggregate [name#x], [name#x, median(age#xL) AS median(age)#x]" in plan  # analyzed
    assert "Aggregate [name#x], [name#x, percentile(age#xL, 0.5, 1, 0, 0, false) AS median(age)#x]" in plan  # optimized
    assert any(l.startswith("ObjectHashAggregate(keys=[name#x], functions=[percentile(age#xL, 0.5, 1, 0, 0, false)]")
               for l in plan)
    assert result("median_value") == [["Alice", 23.0], ["Bob", 16.0], ["Tom", 14.0]]


def test_raise_error(result):
    assert "java.lang.RuntimeException: My error message" in result("raise_error")
    assert "java.lang.RuntimeException: boom: 0" in result("raise_error_sql")
    assert result("raise_error_schema") == [["raise_error(x)"], "struct<raise_error(x):void>"]
    assert result("raise_error_no_rows") == []
    assert result("raise_error_when") == [[0], [1], [2]]
    assert result("raise_error_type").startswith("PySparkTypeError: [NOT_COLUMN_OR_STR]")
    # RaiseError(child, dataType)'s toString shows its NullType; the name does not
    assert result("raise_error_plan") == ["*(1) Project [raise_error(boom, NullType) AS raise_error(boom)#x]"]


def test_window_function_in_sql(result):
    cols, rows = result("window_sql")
    assert cols == ["window", "value"]
    assert rows == [["2016-03-27 19:39:20", "2016-03-27 19:39:30", 4], ["2016-03-27 19:39:30", "2016-03-27 19:39:40", 1],
                    ["2016-03-27 19:39:50", "2016-03-27 19:40:00", 2]]
    assert result("window_group") == [["2016-03-27 19:39:20", 2], ["2016-03-27 19:39:40", 1]]
    assert result("window_clause") == [[4, 4], [1, 5], [2, 7]]


PQ_SCAN = ("FileScan parquet [id#xL] Batched: true, DataFilters: [isnotnull(id#xL), (id#xL > 1)], Format: Parquet, "
           "Location: InMemoryFileIndex(1 paths)[file:")


def test_parquet_scan_under_columnar_to_row(result):
    # Spark's explain.sql.out: `*(1) Filter ...` / `+- *(1) ColumnarToRow` / `+- FileScan parquet ...`
    # (the scan itself outside the codegen stage); formatted: `(2) ColumnarToRow [codegen id : 1]`.
    simple = result("pq_simple")
    assert simple.startswith("== Physical Plan ==\n*(1) Filter (isnotnull(id#xL) AND (id#xL > 1))\n"
                             "+- *(1) ColumnarToRow\n   +- " + PQ_SCAN), simple
    assert simple.rstrip("\n").endswith("PushedFilters: [IsNotNull(id), GreaterThan(id,1)], ReadSchema: struct<id:bigint>")
    f = result("pq_formatted")
    assert f.startswith("== Physical Plan ==\n* Filter (3)\n+- * ColumnarToRow (2)\n   +- Scan parquet  (1)\n\n\n"
                        "(1) Scan parquet \nOutput [1]: [id#xL]\nBatched: true\nLocation: "), f
    assert ("ReadSchema: struct<id:bigint>\n\n(2) ColumnarToRow [codegen id : 1]\nInput [1]: [id#xL]\n\n"
            "(3) Filter [codegen id : 1]\nInput [1]: [id#xL]\nCondition : (isnotnull(id#xL) AND (id#xL > 1))\n") in f, f
    assert result("pq_bare").startswith("== Physical Plan ==\n*(1) ColumnarToRow\n+- FileScan parquet [id#xL] Batched: true")
    assert result("pq_rows") == 3
    assert result("csv_simple").startswith("== Physical Plan ==\nFileScan csv [_c0#x] Batched: false"), result("csv_simple")


def test_parquet_columnar_to_row_under_aqe(result):
    # AdaptiveSparkPlanExec inserts transitions when it creates the stages (postStageCreationRules):
    # the initial plan (explain-aqe.sql.out) has none, the final plan has them.
    initial = result("pq_aqe_initial")
    assert "ColumnarToRow" not in initial
    assert "      +- HashAggregate(keys=[], functions=[partial_count(1)])\n         +- FileScan parquet [] Batched: true" \
        in initial, initial
    n, final = result("pq_aqe_final")
    assert n == 5
    head, _, init = final.partition("+- == Initial Plan ==")
    assert "isFinalPlan=true" in head and "+- ColumnarToRow\n" in head and "ColumnarToRow" not in init, final
