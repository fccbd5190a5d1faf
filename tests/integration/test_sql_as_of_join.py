"""DataFrame._joinAsOf (Spark 3.5's as-of join, which PySpark's own docstrings use) and df.rdd's
class: answers worked out by hand from Spark's AsOfJoin (the as-of condition, the ordering
min_by picks the nearest by, inner drops left rows without a match, left keeps them with nulls),
column names and the errors of Spark's checks."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
import datetime
from pyspark.rdd import RDD
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("as-of-join").getOrCreate()

left = spark.createDataFrame([(1, "a"), (5, "b"), (10, "c"), (None, "n"), (5, "b2")],
                             "a long, left_val string")
right = spark.createDataFrame([(1, 1), (2, 2), (3, 3), (6, 6), (7, 7), (None, 99)],
                              "a long, right_val long")

def asof(l=left, r=right, **kw):
    j = l._joinAsOf(r, leftAsOfColumn="a", rightAsOfColumn="a", **kw)
    return sorted([list(x) for x in j.select(l.a, "left_val", "right_val").collect()], key=repr)

check("backward", lambda: asof())
check("backward_left", lambda: asof(how="left"))
check("backward_strict", lambda: asof(allowExactMatches=False))
check("forward", lambda: asof(direction="forward"))
check("nearest", lambda: asof(direction="nearest"))
check("nearest_strict", lambda: asof(direction="NEAREST", allowExactMatches=False))
check("nearest_tolerance", lambda: asof(direction="nearest", tolerance=F.lit(1)))
check("backward_tolerance_left", lambda: asof(how="left_outer", tolerance=F.lit(1)))
check("empty_right", lambda: asof(r=right.filter("a > 100")))
check("empty_right_left", lambda: asof(r=right.filter("a > 100"), how="left"))
j = left._joinAsOf(right, leftAsOfColumn="a", rightAsOfColumn="a", how="left")
check("columns", lambda: j.columns)
check("nullable", lambda: [f.nullable for f in j.schema.fields])
check("both_sides", lambda: sorted([list(x) for x in j.select(right.a, left.a).collect()], key=repr))

# `on`: equal keys first, then the nearest time within them
lk = spark.createDataFrame([("x", 5), ("y", 5), ("z", 5)], "k string, t int")
rk = spark.createDataFrame([("x", 1, "x1"), ("x", 4, "x4"), ("y", 6, "y6"), ("y", 2, "y2")],
                           "k string, t int, v string")
check("on_key", lambda: sorted([list(x) for x in lk._joinAsOf(
    rk, leftAsOfColumn="t", rightAsOfColumn="t", on="k", how="left").select(lk.k, "v").collect()], key=repr))
check("on_column", lambda: sorted([list(x) for x in lk._joinAsOf(
    rk, leftAsOfColumn=lk.t, rightAsOfColumn=rk.t, on=lk.k == rk.k).select(lk.k, "v").collect()], key=repr))

# doubles and timestamps (an interval tolerance)
ld = spark.createDataFrame([(1.6,), (None,)], "d double")
rd = spark.createDataFrame([(1.0, "one"), (2.0, "two")], "d double, w string")
check("doubles_nearest", lambda: sorted([list(x) for x in ld._joinAsOf(
    rd, "d", "d", direction="nearest", how="left").select(ld.d, "w").collect()], key=repr))
ts = datetime.datetime(2024, 3, 1, 12, 0)
lt = spark.createDataFrame([(ts,)], "t timestamp")
rt = spark.createDataFrame([(ts - datetime.timedelta(hours=30), "old"),
                            (ts - datetime.timedelta(hours=2), "new")], "t timestamp, s string")
check("timestamps", lambda: [x.s for x in lt._joinAsOf(rt, "t", "t").collect()])
check("timestamps_tolerance", lambda: [x.s for x in lt._joinAsOf(
    rt, "t", "t", tolerance=F.expr("INTERVAL 1 HOUR"), how="left").collect()])

def err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__ + ": " + str(e).split("\n")[0]
    return "no error"
check("err_how", lambda: err(lambda: asof(how="right")))
check("err_how_unknown", lambda: err(lambda: asof(how="sideways")))
check("err_direction", lambda: err(lambda: asof(direction="up")))
check("err_tolerance_negative", lambda: err(lambda: asof(tolerance=F.lit(-1))))
check("err_tolerance_column", lambda: err(lambda: asof(tolerance=F.col("a"))))

# df.rdd is an RDD of Rows (pyspark.rdd.RDD, as PySpark's); transformations on it fuse
df = spark.range(6)
check("rdd_type", lambda: [str(type(df.rdd)), str(type(df.rdd.map(lambda r: r))),
                           isinstance(df.rdd, RDD)])
r = df.rdd
check("rdd_ops", lambda: [r.count(), r.map(lambda x: x.id * 2).sum(), r.first().asDict(),
                          r.getNumPartitions() == df.rdd.getNumPartitions()])
check("rdd_cached", lambda: [r.cache().count(), r.filter(lambda x: x.id > 3).count()])
check("rdd_union", lambda: sorted(x.id for x in r.union(spark.range(2).rdd).collect()))
check("rdd_empty", lambda: spark.range(0).rdd.collect())
emit()
spark.stop()
'''


def test_as_of_join_and_df_rdd(tmp_path):
    res = jobs.submit_ok(jobs.write_job(tmp_path, "asof.py", JOB), master="local[2]", timeout=240)
    r = res.result

    def rows(*expected):
        return sorted([list(x) for x in expected], key=repr)
    assert r("backward") == rows([1, "a", 1], [5, "b", 3], [5, "b2", 3], [10, "c", 7])
    assert r("backward_left") == rows([1, "a", 1], [5, "b", 3], [5, "b2", 3], [10, "c", 7], [None, "n", None])
    assert r("backward_strict") == rows([5, "b", 3], [5, "b2", 3], [10, "c", 7])
    assert r("forward") == rows([1, "a", 1], [5, "b", 6], [5, "b2", 6])
    assert r("nearest") == rows([1, "a", 1], [5, "b", 6], [5, "b2", 6], [10, "c", 7])
    assert r("nearest_strict") == rows([1, "a", 2], [5, "b", 6], [5, "b2", 6], [10, "c", 7])
    assert r("nearest_tolerance") == rows([1, "a", 1], [5, "b", 6], [5, "b2", 6])
    assert r("backward_tolerance_left") == rows([1, "a", 1], [5, "b", None], [5, "b2", None], [10, "c", None],
                                                [None, "n", None])
    assert r("empty_right") == []
    assert r("empty_right_left") == rows([1, "a", None], [5, "b", None], [5, "b2", None], [10, "c", None],
                                         [None, "n", None])
    assert r("columns") == ["a", "left_val", "a", "right_val"]
    assert r("nullable") == [True, True, True, True]
    assert r("both_sides") == rows([1, 1], [3, 5], [3, 5], [7, 10], [None, None])
    assert r("on_key") == rows(["x", "x4"], ["y", "y2"], ["z", None])
    assert r("on_column") == rows(["x", "x4"], ["y", "y2"])
    assert r("doubles_nearest") == rows([1.6, "two"], [None, None])
    assert r("timestamps") == ["new"]
    assert r("timestamps_tolerance") == [None]
    assert r("err_how") == "IllegalArgumentException: requirement failed: Unsupported as-of join type RightOuter"
    assert r("err_how_unknown").startswith(
        "IllegalArgumentException: Unsupported join type 'sideways'. Supported join types include: 'inner', ")
    assert r("err_direction") == ("IllegalArgumentException: Unsupported as-of join direction 'up'. "
                                  "Supported as-of join direction include: 'forward', 'backward', 'nearest'.")
    assert r("err_tolerance_negative") == ("AnalysisException: [AS_OF_JOIN.TOLERANCE_IS_NON_NEGATIVE] Invalid "
                                           "as-of join. The input argument `tolerance` must be non-negative.")
    assert r("err_tolerance_column") == ("AnalysisException: [AS_OF_JOIN.TOLERANCE_IS_UNFOLDABLE] Invalid "
                                         "as-of join. The input argument `tolerance` must be a constant.")
    assert r("rdd_type") == ["<class 'pyspark.rdd.RDD'>", "<class 'pyspark.rdd.PipelinedRDD'>", True]
    assert r("rdd_ops") == [6, 30, {"id": 0}, True]
    assert r("rdd_cached") == [6, 2]
    assert r("rdd_union") == [0, 0, 1, 1, 2, 3, 4, 5]
    assert r("rdd_empty") == []
