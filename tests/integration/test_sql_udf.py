"""Python UDFs on the native engine (issue 16): udf() in every form, spark.udf.register from SQL,
UDFs in projections, filters, grouping keys, aggregate inputs and over aggregates, join
conditions, chained and nested calls; PySpark's non-Arrow return conversion (wrong types ->
NULL, integer wrapping, toString for strings), nulls as None, PythonException with the user's
traceback, the BatchEvalPython plan; local[2] and master + 2 workers."""
import glob
import os

import pytest

import daemons
import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

DATA = [(1, "a", 2.5), (2, None, None), (3, "c", -1.0), (4, "a", 0.5), (None, "b", 7.0)]

JOB = r'''
import datetime, decimal
from pyspark.sql import SparkSession, Row, functions as F
from pyspark.sql.functions import udf
from pyspark.sql.types import IntegerType, DoubleType, LongType, StringType

spark = SparkSession.builder.appName("udfs").getOrCreate()
spark.conf.set("spark.sql.shuffle.partitions", "3")
df = spark.createDataFrame(DATA, "x int, s string, d double").repartition(2)
rows, err = sorted_rows, first_error

plus1 = udf(lambda v: None if v is None else v + 1, IntegerType())
@udf
def shout(s):
    return None if s is None else s.upper() + "!"
@udf(returnType=DoubleType())
def half(d):
    return None if d is None else d / 2
@udf("long")
def seen_none(v):
    return 1 if v is None else 0

check("project", lambda: rows(df.select("x", plus1("x"), shout("s"), half("d"), seen_none("s"))))
check("names", lambda: df.select(plus1("x"), shout(F.col("s")), half(F.col("d") * 2),
                                 plus1(plus1("x")).alias("pp")).columns)
check("dtypes", lambda: df.select(plus1("x"), shout("s"), half("d"), seen_none("s")).dtypes)
check("filter", lambda: rows(df.filter(plus1("x") > 2).select("x")))
check("filter_and", lambda: rows(df.where((plus1("x") > 1) & (shout("s") == "A!")).select("x", "s")))
check("chain", lambda: rows(df.select("x", plus1(plus1(plus1("x"))))))
check("nested", lambda: rows(df.select("x", plus1(plus1("x") * 10))))
check("with_column", lambda: rows(df.withColumn("y", plus1("x")).withColumn("z", plus1("y")).select("x", "y", "z")))
check("group_key", lambda: rows(df.groupBy(shout("s")).agg(F.count("*"), F.sum("x"))))
check("agg_input", lambda: rows(df.groupBy("s").agg(F.sum(plus1("x")), F.max(half("d")))))
check("over_agg", lambda: rows(df.groupBy("s").agg(plus1(F.max("x")).alias("m"), shout(F.first("s", True)).alias("f"))))
check("order_by", lambda: [r[0] for r in df.orderBy(half("d")).select("x").collect()])
other = spark.createDataFrame([(1, "one"), (3, "three"), (5, "five")], "k int, name string")
same = udf(lambda a, b: a is not None and b is not None and a == b, "boolean")
check("join_inner", lambda: rows(df.join(other, same(df.x, other.k)).select("x", "name")))
check("join_outer", lambda: err(lambda: df.join(other, same(df.x, other.k), "left").collect()))
check("join_side", lambda: rows(df.join(other, (df.x == other.k) & (plus1(other.k) > 2), "left").select("x", "name")))
check("wrong_types", lambda: df.limit(1).select(
    udf(lambda v: 1, DoubleType())("x"), udf(lambda v: 1.5, IntegerType())("x"),
    udf(lambda v: "1", IntegerType())("x"), udf(lambda v: True, IntegerType())("x"),
    udf(lambda v: 2 ** 40 + 5, IntegerType())("x"), udf(lambda v: -1, "tinyint")("x"),
    udf(lambda v: 2 ** 70, LongType())("x"), udf(lambda v: 5)("x"), udf(lambda v: 2.0)("x"),
    udf(lambda v: [1, "a"])("x"), udf(lambda v: {"a": 1})("x"), udf(lambda v: True)("x"),
    udf(lambda v: b"xy", "binary")("x"), udf(lambda v: "xy", "binary")("x"),
    udf(lambda v: decimal.Decimal("1.25"), "decimal(5,1)")("x")).collect()[0][:])
check("complex", lambda: df.filter("x = 1").select(
    udf(lambda v: [v, None, v], "array<int>")("x"), udf(lambda v: {"k": v}, "map<string,int>")("x"),
    udf(lambda v: Row(a=v, b=str(v)), "struct<a:int,b:string>")("x"),
    udf(lambda v: (v, "t"), "struct<a:int,b:string>")("x"),
    udf(lambda v: datetime.date(2024, 2, 28) + datetime.timedelta(days=v), "date")("x"),
    udf(lambda v: datetime.datetime(2024, 1, 1, 12, 0, v), "timestamp")("x")).collect()[0][:])
check("inputs", lambda: spark.createDataFrame(
    [(datetime.date(2024, 1, 31), [1, None], {"a": 2}, Row(p=1, q="z"), decimal.Decimal("1.50"), bytearray(b"ab"))],
    "dt date, arr array<int>, m map<string,int>, st struct<p:int,q:string>, dec decimal(4,2), bin binary").select(
    udf(lambda a, b, c, d, e, f: "|".join(type(v).__name__ + ":" + repr(v) for v in (a, b, c, d, e, f)))(
        "dt", "arr", "m", "st", "dec", "bin")).collect()[0][0])
check("struct_len", lambda: err(lambda: df.select(udf(lambda v: (1, 2, 3), "struct<a:int,b:int>")("x")).collect()))
def boom(v):
    if v == 3:
        raise ValueError("bad value %r" % v)
    return v
check("error", lambda: err(lambda: df.select(udf(boom, "int")("x")).collect()))
def trace():
    try:
        df.select(udf(boom, "int")("x")).collect()
    except Exception as e:
        return [type(e).__module__, str(e)]
check("error_text", trace)
check("nondeterministic", lambda: (plus1.deterministic, plus1.asNondeterministic().deterministic,
                                   rows(df.select(plus1.asNondeterministic()("x")))))
check("attrs", lambda: (plus1.__name__, shout.__name__, str(plus1.returnType), str(shout.returnType),
                        plus1.evalType, shout.func("q")))
twice = spark.udf.register("twice", lambda v: None if v is None else v * 2, "int")
spark.udf.register("shout2", shout)
df.createOrReplaceTempView("t")
check("sql", lambda: rows(spark.sql("SELECT x, twice(x) AS t, shout2(s) FROM t WHERE twice(x) > 2")))
check("sql_names", lambda: spark.sql("SELECT twice(x), upper(shout2(s)) FROM t").columns)
check("sql_group", lambda: rows(spark.sql("SELECT shout2(s) AS k, sum(twice(x)) FROM t GROUP BY shout2(s)")))
check("registered_df", lambda: rows(df.select(twice("x"), F.call_udf("twice", "x"))))
names = spark.sparkContext.broadcast({1: "one", 2: "two"})  # a broadcast read inside a UDF (PySpark's test_broadcast)
spark.udf.register("named", lambda v: names.value.get(v, "?"))
check("broadcast", lambda: rows(spark.sql("SELECT x, named(x) FROM t WHERE x < 3")))
check("expr", lambda: rows(df.selectExpr("twice(x) + 1 AS y").filter("y > 3")))
check("big", lambda: spark.range(0, 20000, 1, 3).select(udf(lambda v: v % 7, "long")("id").alias("m"))
      .groupBy("m").count().orderBy("m").collect())
check("show_limit", lambda: [r[0] for r in spark.range(0, 50000, 1, 2).select(plus1(F.col("id").cast("int"))).take(3)])
def late(v):  # fails in the 4th batch, while the worker has already asked for the 5th
    if v == 35000:
        raise KeyError("late %d" % v)
    return v
def late_error():
    try:
        spark.range(0, 60000, 1, 1).select(udf(late, "long")("id")).collect()
    except Exception as e:
        return str(e)
check("error_late", late_error)
check("after_error", lambda: spark.range(0, 60000, 1, 1).select(udf(lambda v: v * 3, "long")("id").alias("v"))
      .agg(F.sum("v")).collect()[0][0])
# the bulk result paths: ints in range / a bool (NULL) / out of int range (wrapped) / floats
check("bulk", lambda: [list(r) for r in spark.range(0, 30000, 1, 1).select(
    F.sum(udf(lambda v: v - 15000, "long")("id")), F.sum(udf(lambda v: True if v == 20001 else 1, "int")("id")),
    F.sum(udf(lambda v: v * 10 ** 9 if v == 7 else 0, "int")("id")), F.sum(udf(lambda v: v / 2, "double")("id")),
    F.count(udf(lambda v: v if v % 3 else float(v), "double")("id"))).collect()])
import numpy as np  # numpy integers count as their value, with or without a NULL in the batch
check("numpy_ints", lambda: [list(r) for r in spark.range(0, 20000, 1, 1).select(
    F.sum(udf(lambda v: np.int64(v), "long")("id")),
    F.sum(udf(lambda v: None if v == 5 else np.int32(v), "long")("id"))).collect()])
# the worker's C loop (src/pyworker/fastudf.c) is found next to the binary of a build tree
check("fast_loop", lambda: spark.range(1).select(udf(
    lambda v: __import__("sparkpp.sql._udf_eval", fromlist=["_"])._fastudf is not None, "boolean")("id")).collect()[0][0])
emit()
'''


def expected_wrong_types():
    return [None, None, None, None, 5, -1, None, "5", "2.0", "[1, a]", "{a=1}", "true"]


def check_results(res):
    r = res.result
    inc = lambda v: None if v is None else v + 1  # noqa: E731
    assert r("project") == sorted([[x, inc(x), None if s is None else s.upper() + "!", None if d is None else d / 2,
                                    1 if s is None else 0] for x, s, d in DATA], key=repr)
    assert r("names") == ["<lambda>(x)", "shout(s)", "half((d * 2))", "pp"]
    assert r("dtypes") == [["<lambda>(x)", "int"], ["shout(s)", "string"], ["half(d)", "double"], ["seen_none(s)", "bigint"]]
    assert r("filter") == [[2], [3], [4]]
    assert r("filter_and") == [[1, "a"], [4, "a"]]
    assert r("chain") == sorted([[x, None if x is None else x + 3] for x, _, _ in DATA], key=repr)
    assert r("nested") == sorted([[x, None if x is None else (x + 1) * 10 + 1] for x, _, _ in DATA], key=repr)
    assert r("with_column") == sorted([[x, inc(x), inc(inc(x))] for x, _, _ in DATA], key=repr)
    groups = {}
    for x, s, _ in DATA:
        k = None if s is None else s.upper() + "!"
        c, t = groups.get(k, (0, None))
        groups[k] = (c + 1, t if x is None else (t or 0) + x)
    assert r("group_key") == sorted([[k, c, t] for k, (c, t) in groups.items()], key=repr)
    agg = {}
    for x, s, d in DATA:
        a = agg.setdefault(s, [None, None])
        if x is not None:
            a[0] = (a[0] or 0) + x + 1
        if d is not None:
            a[1] = d / 2 if a[1] is None else max(a[1], d / 2)
    assert r("agg_input") == sorted([[s] + v for s, v in agg.items()], key=repr)
    over = {}
    for x, s, _ in DATA:
        m = over.get(s)
        over[s] = x if m is None else (m if x is None else max(m, x))
    assert r("over_agg") == sorted([[s, inc(m), None if s is None else s.upper() + "!"] for s, m in over.items()], key=repr)
    assert r("order_by") == [2, 3, 4, 1, None]
    assert r("join_inner") == [[1, "one"], [3, "three"]]
    assert r("join_outer").startswith("AnalysisException: [UNSUPPORTED_FEATURE.PYTHON_UDF_IN_ON_CLAUSE]")
    assert '"LEFT OUTER" JOIN' in r("join_outer")
    assert r("join_side") == sorted([[1, None], [2, None], [3, "three"], [4, None], [None, None]], key=repr)
    got = r("wrong_types")
    exp = expected_wrong_types()
    assert got[:12] == exp[:12]
    assert got[12:] == ["bytearray(b'xy')", "bytearray(b'xy')", "Decimal('1.3')"]  # binary from bytes and str
    cx = r("complex")
    assert cx[0] == [1, None, 1] and cx[1] == {"k": 1}
    assert cx[2] == [1, "1"] and cx[3] == [1, "t"]
    assert "2024, 2, 29" in repr(cx[4]) and "2024, 1, 1, 12, 0, 1" in repr(cx[5])
    assert r("inputs") == ("date:datetime.date(2024, 1, 31)|list:[1, None]|dict:{'a': 2}|Row:Row(p=1, q='z')|"
                           "Decimal:Decimal('1.50')|bytearray:bytearray(b'ab')")
    assert "STRUCT_ARRAY_LENGTH_MISMATCH" in r("struct_len") or "PythonException" in r("struct_len")
    assert r("error").startswith("PythonException: ")
    module, text = r("error_text")
    assert module in ("sparkpp.errors", "pyspark.errors")
    assert text.startswith("\n  An exception was thrown from the Python worker. Please see the stack trace below.\n")
    assert "ValueError: bad value 3" in text and "in boom" in text
    assert "worker.py" not in text  # the simplified traceback: the user's frames only
    assert r("nondeterministic")[:2] == [True, False]
    assert r("attrs") == ["<lambda>", "shout", "IntegerType()", "StringType()", 100, "Q!"]
    assert r("sql") == sorted([[x, x * 2, None if s is None else s.upper() + "!"] for x, s, _ in DATA
                               if x is not None and x * 2 > 2], key=repr)
    assert r("sql_names") == ["twice(x)", "upper(shout2(s))"]
    sg = {}
    for x, s, _ in DATA:
        k = None if s is None else s.upper() + "!"
        sg[k] = sg.get(k) if x is None else (sg.get(k) or 0) + 2 * x
    assert r("sql_group") == sorted([[k, v] for k, v in sg.items()], key=repr)
    assert r("broadcast") == sorted([[x, {1: "one", 2: "two"}.get(x, "?")] for x, _, _ in DATA
                                     if x is not None and x < 3], key=repr)
    assert r("registered_df") == sorted([[None if x is None else 2 * x] * 2 for x, _, _ in DATA], key=repr)
    assert r("expr") == [[5], [7], [9]]
    counts = [[m, sum(1 for v in range(20000) if v % 7 == m)] for m in range(7)]
    assert r("big") == counts
    assert r("show_limit") == [1, 2, 3]
    assert "KeyError: 'late 35000'" in r("error_late") and "in late" in r("error_late")
    assert r("after_error") == 3 * sum(range(60000))
    assert r("numpy_ints") == [[sum(range(20000)), sum(range(20000)) - 5]]
    built = bool(glob.glob(os.path.join(os.path.dirname(jobs.binary()), "_fastudf*.so")))
    assert r("fast_loop") is built
    assert r("bulk") == [[sum(range(30000)) - 15000 * 30000, 29999, (7 * 10 ** 9 + 2 ** 31) % 2 ** 32 - 2 ** 31, sum(range(30000)) / 2,
                          10000]]


def test_udfs_local(tmp_path):
    check_results(jobs.submit_ok(jobs.write_job(tmp_path, "udf.py", "DATA = %r\n" % (DATA,) + JOB),
                                 master="local[2]", timeout=240))


def test_udf_explain(tmp_path):
    job = r'''
from pyspark.sql import SparkSession, functions as F
spark = SparkSession.builder.getOrCreate()
df = spark.createDataFrame([(1, "a")], "x bigint, s string")
f = F.udf(lambda v: v + 1, "bigint")
check("plan", lambda: explained(df.filter(f("x") > 1).select(f("x").alias("y"), "s")))
emit()
'''
    plan = jobs.submit_ok(jobs.write_job(tmp_path, "explain.py", job), master="local[2]", timeout=120).result("plan")
    lines = [ln.strip() for ln in plan.splitlines() if ln.strip()]
    assert lines[0] == "== Physical Plan =="
    assert any(ln.startswith("+- BatchEvalPython [<lambda>(x#") and "[pythonUDF0#" in ln for ln in lines), plan
    assert any("Filter (pythonUDF" in ln for ln in lines), plan
    assert lines[-1].startswith("+- *(1) Scan ExistingRDD[x#"), plan  # createDataFrame: an RDD (codegen'd)


def test_udfs_cluster(tmp_path):
    with daemons.Cluster(tmp_path) as c:
        m = c.start_master()
        c.start_worker(m.url, cores=1, memory="1g")
        c.start_worker(m.url, cores=1, memory="1g")
        daemons.wait_until(lambda: m.json()["aliveworkers"] == 2, what="two workers alive")
        check_results(jobs.submit_ok(jobs.write_job(tmp_path, "udf.py", "DATA = %r\n" % (DATA,) + JOB),
                                     master=m.url, timeout=240))
