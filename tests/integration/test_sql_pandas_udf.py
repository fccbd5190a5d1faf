"""pandas UDFs on the native engine (issue 16): pandas_udf scalar (Series -> Series, with type
hints or PandasUDFType), scalar iterator (Iterator[Series] and Iterator[Tuple[...]]), mapInPandas,
groupBy().applyInPandas (f(pdf) and f(key, pdf)), the ArrowEvalPython / MapInPandas /
FlatMapGroupsInPandas plans, Arrow-like result casting and its errors; local[2] and
master + 2 workers. The job runs under Debian's Python (pandas)."""
import os

import pytest

import daemons
import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

DATA = [(1, "a", 1.5), (2, None, None), (3, "a", 2.0), (4, "b", -1.0), (None, "b", 4.0), (6, "c", 0.5)]

JOB = r'''
import warnings
from typing import Iterator, Tuple
import pandas as pd
from pyspark.sql import SparkSession, functions as F
from pyspark.sql.functions import pandas_udf, PandasUDFType

warnings.simplefilter("ignore")
spark = SparkSession.builder.appName("pandas udfs").getOrCreate()
spark.conf.set("spark.sql.shuffle.partitions", "3")
df = spark.createDataFrame(DATA, "x long, s string, d double").repartition(2)
rows, err = sorted_rows, first_error
def text(fn):
    try:
        fn()
    except Exception as e:
        return str(e)
    return "no error"

@pandas_udf("long")
def plus1(v: pd.Series) -> pd.Series:
    return v + 1
@pandas_udf("string")
def up(s: pd.Series) -> pd.Series:
    return s.str.upper()
@pandas_udf("double")
def mix(a: pd.Series, b: pd.Series) -> pd.Series:
    return a * 10 + b
@pandas_udf("long")
def times10(it: Iterator[pd.Series]) -> Iterator[pd.Series]:
    for s in it:
        yield s * 10
@pandas_udf("double")
def pair(it: Iterator[Tuple[pd.Series, pd.Series]]) -> Iterator[pd.Series]:
    for a, b in it:
        yield a + b
legacy = pandas_udf(lambda s: s * 3, "long", PandasUDFType.SCALAR)

check("scalar", lambda: rows(df.select("x", plus1("x"), up("s"), mix("x", "d"), legacy("x"))))
check("iter", lambda: rows(df.select("x", times10("x"), pair("x", "d"))))
@pandas_udf("long")
def rechunk(it: Iterator[pd.Series]) -> Iterator[pd.Series]:  # results cut across input batches
    buf = pd.Series([], dtype="int64")
    for s in it:
        buf = pd.concat([buf, s * 3], ignore_index=True)
        while len(buf) >= 3000:
            yield buf[:3000]
            buf = buf[3000:].reset_index(drop=True)
    if len(buf):
        yield buf
    yield pd.Series([], dtype="int64")
check("rechunk", lambda: [spark.range(0, 50000, 1, 1).select("id", rechunk("id").alias("v")).filter("v != id * 3").count(),
                          spark.range(0, 50000, 1, 1).select(rechunk("id").alias("v")).agg(F.sum("v")).collect()[0][0]])
check("chain_mixed", lambda: rows(df.select("x", plus1(plus1("x")), F.udf(lambda v: None if v is None else -v, "long")(plus1("x")))))
check("filter", lambda: rows(df.filter(plus1("x") > 3).select("x")))
check("agg_input", lambda: rows(df.groupBy("s").agg(F.sum(plus1("x")))))
check("names", lambda: df.select(plus1("x"), times10("x"), legacy("x")).columns)
# a struct argument arrives as a pandas DataFrame of its fields (a NULL struct: NULL fields)
@pandas_udf("double")
def from_struct(st: pd.DataFrame) -> pd.Series:
    return st["a"] * 10 + st["b"]
@pandas_udf("double")
def from_struct_iter(it: Iterator[Tuple[pd.Series, pd.DataFrame]]) -> Iterator[pd.Series]:
    for v, st in it:
        yield v + st.b
check("struct_arg", lambda: rows(df.select("x", from_struct(F.struct(F.col("x").alias("a"), F.col("d").alias("b"))),
                                           from_struct_iter("x", F.struct("x", F.col("d").alias("b"))),
                                           from_struct(F.when(F.col("x") > 2, F.struct(F.lit(1.0).alias("a"), F.lit(2.0).alias("b")))))))
check("wrong_len", lambda: err(lambda: df.select(pandas_udf(lambda s: s.head(1), "long")("x")).collect()))
check("wrong_len_text", lambda: text(lambda: df.select(pandas_udf(lambda s: s.head(1), "long")("x")).collect()))
check("fraction", lambda: err(lambda: df.select(pandas_udf(lambda s: s / 7, "int")("x")).collect()))
check("whole_float", lambda: rows(df.select(pandas_udf(lambda s: s * 2.0, "int")("x"))))
check("no_type", lambda: err(lambda: pandas_udf(lambda s: s)))
check("zero_arg", lambda: err(lambda: pandas_udf(lambda: 1, "long")))
check("bad_kind", lambda: err(lambda: pandas_udf(lambda s: s, "long", 999)))

def evens(it):
    for pdf in it:
        yield pdf[pdf.x % 2 == 0].assign(y=lambda p: p.x * 100)[["x", "y"]]
check("map", lambda: rows(df.mapInPandas(evens, "x long, y long")))
def by_position(it):
    for pdf in it:
        yield pd.DataFrame({0: pdf.s, 1: pdf.d})
check("map_position", lambda: rows(df.mapInPandas(by_position, "name string, value double")))
def grow(it):
    for pdf in it:
        for _ in range(3):
            yield pdf[["x"]]
check("map_more", lambda: df.mapInPandas(grow, "x long").count())
check("map_wrong_cols", lambda: err(lambda: df.mapInPandas(lambda it: (p[["x"]] for p in it), "a long, b long").collect()))
check("map_wrong_cols_text", lambda: text(lambda: df.mapInPandas(lambda it: (p[["x"]] for p in it), "a long, b long").collect()))

def summary(pdf):
    return pd.DataFrame({"s": [pdf.s.iloc[0]], "n": [len(pdf)], "total": [pdf.x.sum()]})
check("grouped", lambda: rows(df.groupBy("s").applyInPandas(summary, "s string, n long, total double")))
def with_key(key, pdf):
    return pd.DataFrame([key + (int(pdf.d.count()),)])
check("grouped_key", lambda: rows(df.groupBy("s").applyInPandas(with_key, "s string, c long")))
def center(pdf):
    return pdf.assign(d=pdf.d - pdf.d.mean())[["s", "d"]]
check("grouped_rows", lambda: rows(df.filter(F.col("d").isNotNull()).groupBy("s").applyInPandas(center, "s string, d double")))
check("grouped_legacy", lambda: rows(df.groupBy("s").apply(
    pandas_udf(lambda pdf: pdf[["s"]].head(1), "s string", PandasUDFType.GROUPED_MAP))))
check("grouped_expr", lambda: err(lambda: df.groupBy(F.col("x") + 1).applyInPandas(summary, "s string, n long, total double")))
check("grouped_big", lambda: rows(spark.range(0, 30000, 1, 3).withColumn("k", F.col("id") % 5)
      .groupBy("k").applyInPandas(lambda pdf: pd.DataFrame({"k": [pdf.k.iloc[0]], "n": [len(pdf)]}), "k long, n long")))
@pandas_udf("double")
def mean_udf(v: pd.Series) -> float:
    return v.mean()
@pandas_udf("long")
def size_udf(v: pd.Series) -> int:
    return len(v)
check("agg", lambda: rows(df.groupBy("s").agg(mean_udf("d"), size_udf("x").alias("n"))))
check("agg_global", lambda: rows(df.agg(mean_udf(df.x))))
check("agg_expr", lambda: rows(df.groupBy(F.col("x") % 2).agg(size_udf(F.col("x") + 1))))
check("agg_mixed", lambda: err(lambda: df.groupBy("s").agg(mean_udf("d"), F.sum("x")).collect()))
check("agg_select", lambda: err(lambda: df.select(mean_udf("d")).collect()))
from pyspark.sql.window import Window
w_whole = Window.partitionBy("s")
check("win_whole", lambda: rows(df.select("x", "s", mean_udf("d").over(w_whole))))
check("win_growing", lambda: rows(df.select("x", "s", size_udf("x").over(Window.partitionBy("s").orderBy("x")))))
w_rows = Window.partitionBy("s").orderBy("x").rowsBetween(-1, 1)
check("win_rows", lambda: rows(df.select("x", "s", size_udf("x").over(w_rows), F.sum("x").over(w_rows),
                                         F.row_number().over(Window.partitionBy("s").orderBy("x")))))
check("win_all", lambda: rows(df.select("x", mean_udf("x").over(
    Window.rowsBetween(Window.unboundedPreceding, Window.unboundedFollowing)))))
check("win_big", lambda: rows(spark.range(0, 30000, 1, 3).withColumn("k", F.col("id") % 3)
      .select("k", mean_udf("id").over(Window.partitionBy("k")).alias("m")).distinct()))
check("win_row_udf", lambda: err(lambda: df.select(F.udf(lambda v: v, "long")("x").over(w_whole)).collect()))
other = spark.createDataFrame([(1, "a", 10), (2, "a", 20), (3, "z", 30), (4, None, 40)], "k long, s string, v long")
def merge(l, r):
    return pd.DataFrame({"s": [l.s.iloc[0] if len(l) else r.s.iloc[0]], "nl": [len(l)], "nr": [len(r)],
                         "sr": [int(r.v.sum())]})
check("cogroup", lambda: rows(df.groupBy("s").cogroup(other.groupBy("s")).applyInPandas(
    merge, "s string, nl long, nr long, sr long")))
def with_key3(key, l, r):
    return pd.DataFrame({"key": [str(key)], "n": [len(l) + len(r)]})
check("cogroup_key", lambda: rows(df.groupBy("s").cogroup(other.groupBy("s")).applyInPandas(with_key3, "key string, n long")))
check("cogroup_asof", lambda: rows(
    spark.createDataFrame([(20000101, 1, 1.0), (20000101, 2, 2.0), (20000102, 1, 3.0), (20000102, 2, 4.0)],
                          ("time", "id", "v1")).groupby("id").cogroup(
    spark.createDataFrame([(20000101, 1, "x"), (20000101, 2, "y")], ("time", "id", "v2")).groupby("id"))
    .applyInPandas(lambda l, r: pd.merge_asof(l, r, on="time", by="id"), "time int, id int, v1 double, v2 string")))
check("cogroup_big", lambda: rows(spark.range(0, 20000, 1, 3).withColumn("k", F.col("id") % 4).groupBy("k").cogroup(
    spark.range(0, 100, 1, 2).withColumn("k", F.col("id") % 5).groupBy("k")).applyInPandas(
    lambda key, l, r: pd.DataFrame({"k": [key[0]], "l": [len(l)], "r": [len(r)]}), "k long, l long, r long")))
# spark.sql.execution.arrow.maxRecordsPerBatch bounds every batch a Python worker sees.
spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "300")
batch_len = pandas_udf(lambda s: pd.Series([len(s)] * len(s)), "long")
def lens(it):
    for p in it:
        yield pd.DataFrame({"n": [len(p)]})
check("max_records", lambda: [rows(spark.range(0, 1000, 1, 1).select(batch_len("id").alias("n")).groupBy("n").count()),
                              sorted(r[0] for r in spark.range(0, 1000, 1, 1).mapInPandas(lens, "n long").collect())])
spark.conf.unset("spark.sql.execution.arrow.maxRecordsPerBatch")
# mapInPandas gets the rows in batches of maxRecordsPerBatch (10,000), across the child's own
# batches, as Spark's (it gave the 4,096-row batches of the range).
check("map_batch_sizes", lambda: [r[0] for r in spark.range(0, 25000, 1, 1).mapInPandas(lens, "n long").collect()])
# Iterator UDFs and mapInPandas get their batches through memory shared with the executor: a
# function may keep its argument batches past their call (they are its copies, not the shared
# memory the executor writes the next batches into), and may yield more results than the
# executor has result slots before it reads them (20 frames at the end: those beyond the free
# slots travel inline). Both used to be corrupted once the region was offered to them.
def keep_all(it):
    frames = [p for p in it]
    for p in frames:
        yield pd.DataFrame({"id": p["id"], "v": p["id"] * 2 + 1})
@pandas_udf("long")
def keep_iter(it: Iterator[pd.Series]) -> Iterator[pd.Series]:
    kept = list(it)
    for s in kept:
        yield s * 2 + 1
def bad_rows(df):
    return df.agg(F.count("*"), F.sum("id"), F.sum((F.col("v") != F.col("id") * 2 + 1).cast("long"))).collect()[0][:]
check("map_keep_all", lambda: list(bad_rows(spark.range(0, 200000, 1, 1).mapInPandas(keep_all, "id long, v long"))))
check("iter_keep_all", lambda: list(bad_rows(spark.range(0, 200000, 1, 1).select("id", keep_iter("id").alias("v")))))
emit()
'''


def check_results(res):
    r = res.result
    inc = lambda v: None if v is None else v + 1  # noqa: E731
    exp = []
    for x, s, d in DATA:
        exp.append([x, inc(x), None if s is None else s.upper(),
                    None if x is None or d is None else x * 10 + d, None if x is None else 3 * x])
    assert r("scalar") == sorted(exp, key=repr)
    assert r("rechunk") == [0, 3 * sum(range(50000))]
    assert r("iter") == sorted([[x, None if x is None else 10 * x, None if x is None or d is None else x + d]
                                for x, _, d in DATA], key=repr)
    assert r("chain_mixed") == sorted([[x, None if x is None else x + 2, None if x is None else -(x + 1)]
                                       for x, _, _ in DATA], key=repr)
    assert r("filter") == [[3], [4], [6]]
    sums = {}
    for x, s, _ in DATA:
        sums[s] = sums.get(s) if x is None else (sums.get(s) or 0) + x + 1
    assert r("agg_input") == sorted([[k, v] for k, v in sums.items()], key=repr)
    assert r("names") == ["plus1(x)", "times10(x)", "<lambda>(x)"]
    assert r("struct_arg") == sorted([[x, None if x is None or d is None else x * 10 + d,
                                       None if x is None or d is None else x + d,
                                       12.0 if x is not None and x > 2 else None] for x, _, d in DATA], key=repr)
    assert r("wrong_len").startswith("PythonException: ")
    assert "Result vector from pandas_udf was not the required length: expected" in r("wrong_len_text")
    assert r("fraction").startswith("PythonException: ")
    assert r("whole_float") == sorted([[None if x is None else 2 * x] for x, _, _ in DATA], key=repr)
    assert "CANNOT_BE_NONE" in r("no_type")
    assert "0-arg pandas_udfs are not supported" in r("zero_arg")
    assert "INVALID_PANDAS_UDF_TYPE" in r("bad_kind")
    assert r("map") == sorted([[x, 100 * x] for x, _, _ in DATA if x is not None and x % 2 == 0], key=repr)
    assert r("map_position") == sorted([[s, d] for _, s, d in DATA], key=repr)
    assert r("map_more") == 3 * len(DATA)
    assert r("map_wrong_cols").startswith("PythonException: ")
    assert "Number of columns of the returned pandas.DataFrame doesn't match specified schema. Expected: 2 Actual: 1" \
        in r("map_wrong_cols_text")
    groups = {}
    for x, s, d in DATA:
        groups.setdefault(s, []).append((x, d))
    assert r("grouped") == sorted([[s, len(v), float(sum(x for x, _ in v if x is not None))]
                                   for s, v in groups.items()], key=repr)
    assert r("grouped_key") == sorted([[s, sum(1 for _, d in v if d is not None)] for s, v in groups.items()], key=repr)
    cen = []
    for s, v in groups.items():
        ds = [d for _, d in v if d is not None]
        cen += [[s, d - sum(ds) / len(ds)] for d in ds]
    assert r("grouped_rows") == sorted(cen, key=repr)
    assert r("grouped_legacy") == sorted([[s] for s in groups], key=repr)
    assert "applyInPandas groups by columns" in r("grouped_expr")
    assert r("grouped_big") == [[k, 6000] for k in range(5)]
    means = []
    for s, v in groups.items():
        ds = [d for _, d in v if d is not None]
        means.append([s, sum(ds) / len(ds) if ds else None, len(v)])
    assert r("agg") == sorted(means, key=repr)
    xs = [x for x, _, _ in DATA if x is not None]
    assert r("agg_global") == [[sum(xs) / len(xs)]]
    assert r("agg_expr") == sorted([[0, 3], [1, 2], [None, 1]], key=repr)
    assert "INVALID_PANDAS_UDF_PLACEMENT" in r("agg_mixed")
    assert "INVALID_PANDAS_UDF_PLACEMENT" in r("agg_select")
    assert r("win_whole") == sorted([[1, "a", 1.75], [3, "a", 1.75], [2, None, None], [4, "b", 1.5],
                                     [None, "b", 1.5], [6, "c", 0.5]], key=repr)
    assert r("win_growing") == sorted([[1, "a", 1], [3, "a", 2], [2, None, 1], [None, "b", 1], [4, "b", 2],
                                       [6, "c", 1]], key=repr)
    assert r("win_rows") == sorted([[1, "a", 2, 4, 1], [3, "a", 2, 4, 2], [2, None, 1, 2, 1], [None, "b", 2, 4, 1],
                                    [4, "b", 2, 4, 2], [6, "c", 1, 6, 1]], key=repr)
    assert r("win_all") == sorted([[x, 16 / 5] for x, _, _ in DATA], key=repr)
    assert r("win_big") == [[k, float(sum(range(k, 30000, 3))) / 10000] for k in range(3)]
    assert "not supported within a window function" in r("win_row_udf")
    # keys of either side once; NULL keys group together
    assert r("cogroup") == sorted([["a", 2, 2, 30], [None, 1, 1, 40], ["b", 2, 0, 0], ["c", 1, 0, 0],
                                   ["z", 0, 1, 30]], key=repr)
    assert r("cogroup_key") == sorted([["('a',)", 4], ["(None,)", 2], ["('b',)", 2], ["('c',)", 1], ["('z',)", 1]],
                                      key=repr)
    assert r("cogroup_asof") == [[20000101, 1, 1.0, "x"], [20000101, 2, 2.0, "y"], [20000102, 1, 3.0, "x"],
                                 [20000102, 2, 4.0, "y"]]
    assert r("cogroup_big") == [[0, 5000, 20], [1, 5000, 20], [2, 5000, 20], [3, 5000, 20], [4, 0, 20]]
    assert r("max_records") == [[[100, 100], [300, 900]], [100, 300, 300, 300]]
    assert r("map_batch_sizes") == [10000, 10000, 5000]
    assert r("map_keep_all") == [200000, sum(range(200000)), 0]
    assert r("iter_keep_all") == [200000, sum(range(200000)), 0]


def _submit(tmp_path, master):
    return jobs.submit_ok(jobs.write_job(tmp_path, "pudf.py", "DATA = %r\n" % (DATA,) + JOB),
                          master=master, timeout=300, env={"SPARKPP_PYTHON": "/usr/bin/python3"})


def test_pandas_udfs_local(tmp_path):
    check_results(_submit(tmp_path, "local[2]"))


def test_pandas_udfs_cluster(tmp_path):
    with daemons.Cluster(tmp_path) as c:
        m = c.start_master()
        c.start_worker(m.url, cores=1, memory="1g")
        c.start_worker(m.url, cores=1, memory="1g")
        daemons.wait_until(lambda: m.json()["aliveworkers"] == 2, what="two workers alive")
        check_results(_submit(tmp_path, m.url))
