"""Spark 3.5's DataSketches HLL functions (issue 14) on the native engine: hll_sketch_agg,
hll_union_agg, hll_sketch_estimate, hll_union through the DataFrame API and SQL — PySpark's
docstring examples, estimates equal to datasketches-java's (HIP on one partition, the composite
estimator after Spark's merge of two partials), NULLs and empty strings skipped, GROUP BY,
unions of different lgConfigK, Spark's column names and its analysis and run-time errors."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("hll-sketch").getOrCreate()

def rows(d):
    return [list(r) for r in d.collect()]

def err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return str(e).strip().split("\n")[0]
    return "no error"

est = F.hll_sketch_estimate
df = spark.createDataFrame([1, 2, 2, 3], "INT")
check("agg", lambda: rows(df.agg(est(F.hll_sketch_agg("value")).alias("d"),
                                 est(F.hll_sketch_agg("value", F.lit(12))), est(F.hll_sketch_agg(F.col("value"), 4)))))
check("agg_names", lambda: df.agg(est(F.hll_sketch_agg("value")), F.hll_sketch_agg("value", 20)).columns)
check("agg_types", lambda: df.agg(est(F.hll_sketch_agg("value")), F.hll_sketch_agg("value")).dtypes)
d1 = df.agg(F.hll_sketch_agg("value").alias("sketch"))
d2 = spark.createDataFrame([4, 5, 5, 6], "INT").agg(F.hll_sketch_agg("value").alias("sketch"))
check("union_agg", lambda: rows(d1.union(d2).agg(est(F.hll_union_agg("sketch")), est(F.hll_union_agg("sketch", F.lit(False))))))
pair = spark.createDataFrame([(1, 4), (2, 5), (2, 5), (3, 6)], "struct<v1:int,v2:int>").agg(
    F.hll_sketch_agg("v1").alias("s1"), F.hll_sketch_agg("v2").alias("s2"))
check("union", lambda: rows(pair.select(est(F.hll_union("s1", "s2")), F.hll_union("s1", "s2", True).isNotNull())))
check("union_names", lambda: pair.select(F.hll_union("s1", "s2"), est("s1")).columns)
# larger inputs: one partition (HIP), two partitions (Spark's merge: the composite estimator)
check("one_part", lambda: rows(spark.range(0, 100000, 1, 1).agg(est(F.hll_sketch_agg("id")), est(F.hll_sketch_agg("id", 14)))))
check("two_parts", lambda: rows(spark.range(0, 100000, 1, 2).agg(est(F.hll_sketch_agg("id")), est(F.hll_sketch_agg("id", 14)))))
halves = spark.range(0, 50000, 1, 1).agg(F.hll_sketch_agg("id").alias("s")).union(
    spark.range(25000, 75000, 1, 1).agg(F.hll_sketch_agg("id").alias("s")))
check("union_agg_big", lambda: rows(halves.agg(est(F.hll_union_agg("s")))))
strs = spark.range(0, 1000, 1, 1).select(F.concat(F.lit("s"), F.col("id").cast("string")).alias("s"))
check("strings", lambda: rows(strs.agg(est(F.hll_sketch_agg("s")), est(F.hll_sketch_agg(F.col("s").cast("binary"))))))
# malformed UTF-8 in a STRING hashes as Java's decoding (U+FFFD): two values, one distinct
check("utf8", lambda: rows(spark.sql("SELECT hll_sketch_estimate(hll_sketch_agg(CAST(b AS STRING))), "
                                     "hll_sketch_estimate(hll_sketch_agg(b)) FROM VALUES (X'618062'), (X'61FF62') t(b)")))
# NULLs and empty strings are skipped; an all-NULL group is an empty sketch (estimate 0)
nl = spark.createDataFrame([(1, "a"), (1, "a"), (1, "b"), (1, None), (1, ""), (2, None), (2, None)], "id int, v string")
check("nulls", lambda: rows(nl.groupBy("id").agg(est(F.hll_sketch_agg("v")).alias("n")).orderBy("id")))
check("empty_input", lambda: rows(nl.where("id > 5").agg(est(F.hll_sketch_agg("v")), est(F.hll_union_agg(F.lit(None).cast("binary"))))))
check("estimate_null", lambda: rows(spark.sql("SELECT hll_sketch_estimate(CAST(NULL AS BINARY)), hll_union(CAST(NULL AS BINARY), CAST(NULL AS BINARY))")))
# SQL forms (Spark's sql-tests hll.sql)
spark.createDataFrame([(0,), (1,), (2,), (2,), (2,), (3,), (4,)], "col int").createOrReplaceTempView("t1")
check("sql", lambda: rows(spark.sql("SELECT hll_sketch_estimate(hll_sketch_agg(col)) AS result FROM t1")))
q = spark.sql("SELECT hll_sketch_estimate(hll_sketch_agg(col, 12)) FROM VALUES (50), (60), (60), (60), (75), (100) tab(col)")
check("sql_values", lambda: [rows(q), q.columns])
check("sql_strings", lambda: rows(spark.sql(
    "SELECT hll_sketch_estimate(hll_sketch_agg(col)) FROM VALUES ('abc'), ('def'), ('abc'), ('ghi'), ('abc') tab(col)")))
qu = spark.sql("SELECT hll_sketch_estimate(hll_union(hll_sketch_agg(col1), hll_sketch_agg(col2))) "
               "FROM VALUES (1, 4), (1, 4), (2, 5), (2, 5), (3, 6) AS tab(col1, col2)")
check("sql_union", lambda: [rows(qu), qu.columns])
qa = spark.sql("SELECT hll_sketch_estimate(hll_union_agg(sketch, true)) FROM (SELECT hll_sketch_agg(col) as sketch "
               "FROM VALUES (1) AS tab(col) UNION ALL SELECT hll_sketch_agg(col, 20) as sketch FROM VALUES (1) AS tab(col))")
check("sql_union_agg_k", lambda: [rows(qa), qa.columns])
check("sql_union_k", lambda: rows(spark.sql(
    "SELECT hll_sketch_estimate(hll_union(hll_sketch_agg(col1, 12), hll_sketch_agg(col2, 13), true)) "
    "FROM VALUES (1, 4), (1, 4), (2, 5), (2, 5), (3, 6) AS tab(col1, col2)")))
check("group_by", lambda: rows(spark.sql(
    "SELECT k, hll_sketch_estimate(hll_sketch_agg(v)) FROM VALUES (1, 1), (1, 2), (2, 3), (1, 1), (2, 3), (3, NULL) "
    "AS t(k, v) GROUP BY k ORDER BY k")))
# under OVER: a growing frame and the whole partition; a bad sketch under OVER fails as well
wd = spark.createDataFrame([(1, 1), (1, 2), (1, 2), (2, 5), (2, 6)], "k int, v int")
from pyspark.sql import Window
check("window", lambda: rows(wd.select("k", "v", est(F.hll_sketch_agg("v").over(Window.partitionBy("k").orderBy("v"))),
                                       est(F.hll_sketch_agg("v").over(Window.partitionBy("k")))).orderBy("k", "v")))
check("err_window", lambda: err(lambda: spark.sql(
    "SELECT hll_union_agg(b) OVER (PARTITION BY k) FROM VALUES (1, X'00'), (1, X'01') t(k, b)").collect()))
check("union_agg_groups", lambda: rows(spark.sql(
    "SELECT hll_sketch_estimate(hll_union_agg(s)) FROM (SELECT k, hll_sketch_agg(v) s "
    "FROM VALUES (1, 1), (1, 2), (2, 2), (2, 3) t(k, v) GROUP BY k)")))
# errors
check("err_type", lambda: err(lambda: spark.sql("SELECT hll_sketch_agg(col) FROM VALUES (ARRAY(1, 2)), (ARRAY(3, 4)) tab(col)").collect()))
check("err_k_type", lambda: err(lambda: spark.sql("SELECT hll_sketch_agg(col, 'text') FROM VALUES (1) tab(col)").collect()))
check("err_k_low", lambda: err(lambda: spark.sql("SELECT hll_sketch_agg(col, 2) FROM VALUES (50), (60), (60) tab(col)").collect()))
check("err_k_high", lambda: err(lambda: spark.sql("SELECT hll_sketch_agg(col, 40) FROM VALUES (50), (60), (60) tab(col)").collect()))
check("err_union_k", lambda: err(lambda: spark.sql(
    "SELECT hll_union(hll_sketch_agg(col1, 12), hll_sketch_agg(col2, 13)) FROM VALUES (1, 4), (2, 5) AS tab(col1, col2)").collect()))
check("err_union_agg_k", lambda: err(lambda: spark.sql(
    "SELECT hll_union_agg(sketch, false) FROM (SELECT hll_sketch_agg(col, 12) as sketch FROM VALUES (1) AS tab(col) "
    "UNION ALL SELECT hll_sketch_agg(col, 20) as sketch FROM VALUES (1) AS tab(col))").collect()))
check("err_union_type", lambda: err(lambda: spark.sql("SELECT hll_union(1, 2)").collect()))
check("err_bad_estimate", lambda: err(lambda: spark.sql("SELECT hll_sketch_estimate(CAST('abc' AS BINARY))").collect()))
check("err_bad_union", lambda: err(lambda: spark.sql("SELECT hll_union(CAST('abc' AS BINARY), CAST('def' AS BINARY))").collect()))
check("err_bad_union_agg", lambda: err(lambda: spark.sql(
    "SELECT hll_union_agg(buffer, false) FROM (SELECT CAST('abc' AS BINARY) AS buffer)").collect()))
emit()
spark.stop()
'''


def test_hll_sketch_functions(tmp_path):
    res = jobs.submit_ok(jobs.write_job(tmp_path, "hll_sketch.py", JOB), master="local[2]", timeout=180)
    r = res.result
    assert r("agg") == [[3, 3, 3]]
    assert r("agg_names") == ["hll_sketch_estimate(hll_sketch_agg(value, 12))", "hll_sketch_agg(value, 20)"]
    assert r("agg_types") == [["hll_sketch_estimate(hll_sketch_agg(value, 12))", "bigint"],
                              ["hll_sketch_agg(value, 12)", "binary"]]
    assert r("union_agg") == [[6, 6]]
    assert r("union") == [[6, True]]
    assert r("union_names") == ["hll_union(s1, s2, false)", "hll_sketch_estimate(s1)"]
    # datasketches-java 3.3.0's estimates for the same updates (and Spark's partial/final merge)
    assert r("one_part") == [[101148, 99823]]
    assert r("two_parts") == [[102878, 100562]]
    assert r("union_agg_big") == [[76781]]
    assert r("strings") == [[987, 987]]
    assert r("utf8") == [[1, 2]]
    assert r("window") == [[1, 1, 1, 2], [1, 2, 2, 2], [1, 2, 2, 2], [2, 5, 1, 2], [2, 6, 2, 2]]
    assert "[HLL_INVALID_INPUT_SKETCH_BUFFER] Invalid call to `hll_union_agg`" in r("err_window")
    assert r("union_agg_groups") == [[3]]
    assert r("nulls") == [[1, 2], [2, 0]]
    assert r("empty_input") == [[0, 0]]
    assert r("estimate_null") == [[None, None]]
    assert r("sql") == [[5]]
    assert r("sql_values") == [[[4]], ["hll_sketch_estimate(hll_sketch_agg(col, 12))"]]
    assert r("sql_strings") == [[3]]
    assert r("sql_union") == [[[6]], [
        "hll_sketch_estimate(hll_union(hll_sketch_agg(col1, 12), hll_sketch_agg(col2, 12), false))"]]
    assert r("sql_union_agg_k") == [[[1]], ["hll_sketch_estimate(hll_union_agg(sketch, true))"]]
    assert r("sql_union_k") == [[6]]
    assert r("group_by") == [[1, 2], [2, 1], [3, 0]]
    assert r("err_type").startswith(
        '[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve "hll_sketch_agg(col, 12)" due to data type '
        'mismatch: The first parameter requires the ("INT" or "BIGINT" or "STRING" or "BINARY") type, however "col" '
        'has the type "ARRAY<INT>".')
    assert r("err_k_type").startswith(
        '[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve "hll_sketch_agg(col, text)" due to data type '
        'mismatch: The second parameter requires the "INT" type, however "text" has the type "STRING".')
    assert ("[HLL_INVALID_LG_K] Invalid call to `hll_sketch_agg`; the `lgConfigK` value must be between 4 and 21, "
            "inclusive: 2.") in r("err_k_low")
    assert "inclusive: 40." in r("err_k_high")
    assert ("[HLL_UNION_DIFFERENT_LG_K] Sketches have different `lgConfigK` values: 12 and 13. Set the "
            "`allowDifferentLgConfigK` parameter to true to call `hll_union` with different `lgConfigK` values.") in r("err_union_k")
    assert "values: 12 and 20. Set" in r("err_union_agg_k") and "`hll_union_agg`" in r("err_union_agg_k")
    assert r("err_union_type").startswith(
        '[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve "hll_union(1, 2, false)" due to data type mismatch: '
        'The first parameter requires the "BINARY" type, however "1" has the type "INT".')
    for name, fn in [("err_bad_estimate", "hll_sketch_estimate"), ("err_bad_union", "hll_union"),
                     ("err_bad_union_agg", "hll_union_agg")]:
        assert ("[HLL_INVALID_INPUT_SKETCH_BUFFER] Invalid call to `%s`; only valid HLL sketch buffers are supported "
                "as inputs (such as those produced by the `hll_sketch_agg` function)." % fn) in r(name), r(name)
