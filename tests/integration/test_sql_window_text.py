"""Windows written in SQL text (issue #14): the aggregates sparkpp finishes with a kernel over a
collected list (median, percentile, mode, max_by, ...) over a window frame, as Spark's
Percentile & co. run in a WindowExec; `GROUP BY session_window(ts, gap)` (Spark's
SessionWindowing; the DataFrame groupBy(session_window(...)) gives the same sessions).
Expected values: each frame's values worked by hand (Percentile's linear interpolation)."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
import re
from pyspark.sql import SparkSession, Window, functions as F

spark = SparkSession.builder.appName("window-text").getOrCreate()
df = spark.createDataFrame([("a", 1.0), ("a", 3.0), ("a", 10.0), ("b", 2.0), ("b", None)], ["g", "x"])
df.createOrReplaceTempView("m")

def rows(q):
    r = spark.sql(q)
    return [r.columns, [list(x) for x in r.collect()]]

check("median", lambda: rows("SELECT g, x, median(x) OVER (PARTITION BY g) AS m FROM m ORDER BY g, x"))
check("percentile", lambda: rows(
    "SELECT g, x, percentile(x, 0.25) OVER (PARTITION BY g) AS p FROM m ORDER BY g, x"))
check("median_running", lambda: rows(
    "SELECT g, x, median(x) OVER (PARTITION BY g ORDER BY x) AS m FROM m ORDER BY g, x"))
check("median_rows_frame", lambda: rows(
    "SELECT g, x, median(x) OVER (PARTITION BY g ORDER BY x ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS m "
    "FROM m ORDER BY g, x"))
check("max_by", lambda: rows(
    "SELECT g, x, max_by(x, -x) OVER (PARTITION BY g) AS v, count(x) OVER (PARTITION BY g) AS n FROM m ORDER BY g, x"))
check("median_df", lambda: sorted([list(r) for r in df.select(
    "g", "x", F.median("x").over(Window.partitionBy("g")).alias("m")).collect()], key=repr))
def window_lines(q):
    text = re.sub(r"#\d+", "#x", spark.sql("EXPLAIN EXTENDED " + q).collect()[0][0])
    return [l.strip(" +-:*()0123456789") for l in text.splitlines() if "Window [" in l]

check("window_plan", lambda: window_lines("SELECT g, median(x) OVER (PARTITION BY g) AS m FROM m"))
check("window_plan_bare", lambda: window_lines("SELECT count(x) OVER () FROM m"))
check("median_name", lambda: spark.sql("SELECT median(x) OVER (PARTITION BY g) FROM m").columns)
check("median_distinct_window", lambda: first_error(lambda: spark.sql(
    "SELECT median(DISTINCT x) OVER (PARTITION BY g) FROM m").collect()))
dup = spark.sql("SELECT median(DISTINCT x), median(x), percentile(DISTINCT x, 0.5) "
                "FROM VALUES (1.0), (1.0), (1.0), (5.0) AS t(x)")
check("median_distinct", lambda: [dup.columns, [list(r) for r in dup.collect()]])

ev = spark.createDataFrame(
    [("a", "2016-03-11 09:00:07", 1), ("a", "2016-03-11 09:00:10", 2), ("a", "2016-03-11 09:00:30", 3),
     ("b", "2016-03-11 09:00:08", 4), ("b", None, 5)], ["k", "date", "val"])
ev.createOrReplaceTempView("ev")

def sessions(r):
    return [[str(c) if not isinstance(c, (int, str)) else c for c in
             ([x[0], str(x[1].start), str(x[1].end)] + list(x[2:]))] for x in r.collect()]

sql_keyed = spark.sql("SELECT k, session_window(date, '5 seconds') AS w, sum(val) AS s FROM ev "
                      "GROUP BY k, session_window(date, '5 seconds') ORDER BY k, w.start")
check("session_sql", lambda: [sql_keyed.columns, sql_keyed.schema.simpleString(), sessions(sql_keyed)])
df_keyed = ev.groupBy("k", F.session_window("date", "5 seconds")).agg(F.sum("val").alias("s"))
check("session_df", lambda: sorted(sessions(df_keyed)))
alone = spark.sql("SELECT session_window(date, '5 seconds'), count(*) FROM ev GROUP BY session_window(date, '5 seconds')")
check("session_alone", lambda: [alone.columns, sorted([str(x[0].start), str(x[0].end), x[1]] for x in alone.collect())])
check("session_gap_int", lambda: first_error(lambda: spark.sql(
    "SELECT count(*) FROM ev GROUP BY session_window(date, 5)").collect()))
check("session_gap_column", lambda: first_error(lambda: spark.sql(
    "SELECT count(*) FROM ev GROUP BY session_window(date, k)").collect()))
emit()
spark.stop()
'''


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    d = tmp_path_factory.mktemp("window_text")
    return jobs.submit_ok(jobs.write_job(d, "window_text.py", JOB), master="local[2]", timeout=180).result


def test_median_over_a_window(result):
    assert result("median") == [["g", "x", "m"], [["a", 1.0, 3.0], ["a", 3.0, 3.0], ["a", 10.0, 3.0],
                                                  ["b", None, 2.0], ["b", 2.0, 2.0]]]
    # Percentile: position 0.25 * (3 - 1) = 0.5 between 1 and 3
    assert result("percentile")[1][:3] == [["a", 1.0, 2.0], ["a", 3.0, 2.0], ["a", 10.0, 2.0]]
    # RANGE UNBOUNDED PRECEDING .. CURRENT ROW once ordered; a frame of NULLs only is NULL
    assert result("median_running")[1] == [["a", 1.0, 1.0], ["a", 3.0, 2.0], ["a", 10.0, 3.0],
                                           ["b", None, None], ["b", 2.0, 2.0]]
    assert result("median_rows_frame")[1] == [["a", 1.0, 1.0], ["a", 3.0, 2.0], ["a", 10.0, 6.5],
                                              ["b", None, None], ["b", 2.0, 2.0]]
    assert result("max_by")[1] == [["a", 1.0, 1.0, 3], ["a", 3.0, 1.0, 3], ["a", 10.0, 1.0, 3],
                                   ["b", None, 2.0, 1], ["b", 2.0, 2.0, 1]]
    assert result("median_df") == sorted([["a", 1.0, 3.0], ["a", 3.0, 3.0], ["a", 10.0, 3.0],
                                          ["b", 2.0, 2.0], ["b", None, 2.0]], key=repr)
    assert result("median_name") == ["median(x) OVER (PARTITION BY g ROWS BETWEEN UNBOUNDED PRECEDING AND "
                                     "UNBOUNDED FOLLOWING)"]


def test_window_plans(result):
    # analyzer-results golden files: argString leaves out an empty partition spec / order
    frame = "specifiedwindowframe(RowFrame, unboundedpreceding$(), unboundedfollowing$())"
    lines = result("window_plan")
    assert lines[0] == "Window [median(x#x) windowspecdefinition(g#x, " + frame + ") AS m#x], [g#x]"
    assert lines[1] == "Window [percentile(x#x, 0.5, 1, 0, 0, false) windowspecdefinition(g#x, " + frame + ") AS m#x], [g#x]"
    assert result("window_plan_bare")[0] == (
        "Window [count(x#x) windowspecdefinition(" + frame + ") AS count(x) OVER (ROWS BETWEEN UNBOUNDED "
        "PRECEDING AND UNBOUNDED FOLLOWING)#xL]")


def test_distinct_collect_aggregates(result):
    # AggregateExpression(isDistinct = true): the percentile of the distinct values
    assert result("median_distinct") == [["median(DISTINCT x)", "median(x)", "percentile(DISTINCT x, 0.5, 1)"],
                                         [[3.0, 1.0, 3.0]]]
    assert result("median_distinct_window").startswith(
        "AnalysisException: [_LEGACY_ERROR_TEMP_1028] Distinct window functions are not supported")


def test_session_window_gap_types(result):
    assert result("session_gap_int") == ("AnalysisException: [_LEGACY_ERROR_TEMP_1040] Gap duration expression used "
                                         "in session window must be CalendarIntervalType, but got IntegerType.;")
    assert result("session_gap_column").startswith("AnalysisException: [UNSUPPORTED_FEATURE]")


def test_session_window_in_sql(result):
    # a: [07, 12) and [10, 15) merge into [07, 15); [30, 35) alone; b's NULL time is dropped
    expected = [["a", "2016-03-11 09:00:07", "2016-03-11 09:00:15", 3],
                ["a", "2016-03-11 09:00:30", "2016-03-11 09:00:35", 3],
                ["b", "2016-03-11 09:00:08", "2016-03-11 09:00:13", 4]]
    cols, schema, got = result("session_sql")
    assert cols == ["k", "w", "s"]
    assert schema == "struct<k:string,w:struct<start:timestamp,end:timestamp>,s:bigint>"
    assert got == expected
    assert result("session_df") == expected
    assert result("session_alone") == [["session_window", "count(1)"],
                                       [["2016-03-11 09:00:07", "2016-03-11 09:00:15", 3],
                                        ["2016-03-11 09:00:30", "2016-03-11 09:00:35", 1]]]
