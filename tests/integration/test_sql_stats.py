"""Statistical aggregates (stddev/variance families, skewness, kurtosis, percentile_approx) and
describe()/summary() on the native engine, against plain-Python statistics: grouped (partial ->
shuffle -> final), global, over windows; Spark's NULL-on-division-by-zero, names and types."""
import math
import os
import statistics

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

ROWS = [("a", 1, 10.0), ("a", 2, 20.0), ("a", 7, 5.0), ("a", 4, 2.5), ("b", 3, 1.0), ("b", None, 2.0),
        ("c", 5, None), ("d", None, None)] + [("e", i, i * 0.5) for i in range(1, 200)]

JOB = r'''
from pyspark.sql import SparkSession, Window, functions as F

spark = SparkSession.builder.appName("stats").getOrCreate()
spark.conf.set("spark.sql.shuffle.partitions", "3")
df = spark.createDataFrame(ROWS_HERE, "k string, v int, x double").repartition(4)

rows, err = sorted_rows, first_error

stats = [F.stddev("x"), F.stddev_samp("v"), F.stddev_pop("x"), F.variance("v"), F.var_samp("x"), F.var_pop("v"),
         F.skewness("x"), F.kurtosis("v"), F.percentile_approx("v", 0.5), F.percentile_approx("x", [0.1, 0.9], 100)]
check("grouped", lambda: rows(df.groupBy("k").agg(*stats)))
check("global", lambda: rows(df.select(*stats)))
check("window", lambda: rows(df.select("k", F.stddev("x").over(Window.partitionBy("k"))).distinct()))
check("names", lambda: df.select(*stats).columns)
check("types", lambda: [t for _, t in df.select(*stats).dtypes])
check("sql", lambda: rows(spark.sql("SELECT k, std(x), approx_percentile(v, 0.25) FROM {t} GROUP BY k", t=df)))
check("describe", lambda: [list(r) for r in df.describe().collect()])
check("describe_cols", lambda: [list(r) for r in df.describe("v").collect()] + [df.describe("v").columns])
check("summary", lambda: [list(r) for r in df.filter("k = 'a'").summary().collect()])
check("summary_some", lambda: [list(r) for r in df.filter("k = 'a'").summary("max", "33%", "count_distinct").collect()])
check("summary_bad", lambda: err(lambda: df.summary("nope").collect()))
check("describe_types", lambda: df.describe().dtypes)
check("describe_no_cols", lambda: [list(r) for r in df.select(F.lit(True).alias("b")).describe().collect()])
check("bools", lambda: rows(df.groupBy("k").agg(F.count_if(F.col("v") > 2), F.bool_and(F.col("x") > 1),
                                               F.bool_or(F.col("v") > 4), F.every(F.col("v") > 0), F.some(F.col("x") > 10))))
check("values", lambda: rows(df.filter("k = 'a'").groupBy("k").agg(F.first_value("v"), F.last_value("x"), F.any_value("v"))))
check("nth", lambda: rows(df.filter("k <= 'b'").select("k", "v", F.nth_value("x", 2).over(
    Window.partitionBy("k").orderBy("v").rowsBetween(Window.unboundedPreceding, Window.unboundedFollowing)))))
small = spark.createDataFrame([(1, 12), (10, 1), (19, 8)], ["c1", "c2"])
check("df_stat", lambda: [small.corr("c1", "c2"), small.cov("c1", "c2"), small.stat.corr("c1", "c1"),
                          small.approxQuantile("c1", [0.1, 0.5, 0.9], 0.0),
                          small.approxQuantile(["c1", "c2"], [0.5], 0.0)])
check("cast_alias", lambda: [list(r) for r in spark.sql(
    "SELECT int(NULL) AS a, string(3) AS b, double('1.5') AS c, bigint(2.7) AS d").collect()] +
    [spark.sql("SELECT int(NULL) AS a, date('2024-01-02') AS e").dtypes])
check("comoments", lambda: rows(df.groupBy("k").agg(F.corr("v", "x"), F.covar_pop("v", "x"), F.covar_samp("x", "v"))))
emit()
'''


def skew(xs):
    n = len(xs)
    m = sum(xs) / n
    m2 = sum((x - m) ** 2 for x in xs)
    m3 = sum((x - m) ** 3 for x in xs)
    return None if m2 == 0 else math.sqrt(n) * m3 / math.sqrt(m2 ** 3)


def kurt(xs):
    n = len(xs)
    m = sum(xs) / n
    m2 = sum((x - m) ** 2 for x in xs)
    m4 = sum((x - m) ** 4 for x in xs)
    return None if m2 == 0 else n * m4 / (m2 * m2) - 3.0


def pct(xs, p, acc=10000):
    if not xs:
        return None
    s = sorted(xs)
    if p <= 1 / acc:
        return s[0]
    if p >= 1 - 1 / acc:
        return s[-1]
    return s[max(0, math.ceil(p * len(s)) - 1)]


def expected(rows):
    vs = [r[1] for r in rows if r[1] is not None]
    xs = [r[2] for r in rows if r[2] is not None]
    def f(fn, data, minimum):
        return fn(data) if len(data) >= minimum else None
    return [f(statistics.stdev, xs, 2), f(statistics.stdev, vs, 2), f(statistics.pstdev, xs, 1),
            f(statistics.variance, vs, 2), f(statistics.variance, xs, 2), f(statistics.pvariance, vs, 1),
            f(skew, xs, 1), f(kurt, vs, 1), pct(vs, 0.5), None if not xs else [pct(xs, 0.1, 100), pct(xs, 0.9, 100)]]


def close(a, b):
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b))
    if a is None or b is None:
        return a is b
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def test_stats_and_describe(tmp_path):
    r = jobs.submit_ok(jobs.write_job(tmp_path, "stats.py", JOB.replace("ROWS_HERE", repr(ROWS))), master="local[2]", timeout=180).result
    groups = {}
    for row in ROWS:
        groups.setdefault(row[0], []).append(row)
    got = {row[0]: row[1:] for row in r("grouped")}
    assert set(got) == set(groups)
    for k, rs in groups.items():
        assert close(got[k], expected(rs)), (k, got[k], expected(rs))
    assert close(r("global")[0], expected(ROWS))
    win = {row[0]: row[1] for row in r("window")}
    for k, rs in groups.items():
        assert close(win[k], expected(rs)[0]), k
    assert r("names") == ["stddev(x)", "stddev_samp(v)", "stddev_pop(x)", "var_samp(v)", "var_samp(x)", "var_pop(v)",
                          "skewness(x)", "kurtosis(v)", "percentile_approx(v, 0.5, 10000)",
                          "percentile_approx(x, array(0.1, 0.9), 100)"]
    assert r("types") == ["double"] * 8 + ["int", "array<double>"]
    sql = {row[0]: row[1:] for row in r("sql")}
    for k, rs in groups.items():
        xs = [q[2] for q in rs if q[2] is not None]
        vs = [q[1] for q in rs if q[1] is not None]
        assert close(sql[k], [statistics.stdev(xs) if len(xs) > 1 else None, pct(vs, 0.25)]), k

    def fmt(v):  # Spark's cast to string of a double / int
        if v is None:
            return None
        if isinstance(v, float):
            return repr(v)
        return str(v)

    vs = [q[1] for q in ROWS if q[1] is not None]
    xs = [q[2] for q in ROWS if q[2] is not None]
    ks = [q[0] for q in ROWS]
    desc = r("describe")
    assert [d[0] for d in desc] == ["count", "mean", "stddev", "min", "max"]
    assert desc[0] == ["count", str(len(ks)), str(len(vs)), str(len(xs))]
    assert desc[1][1] is None and close(float(desc[1][2]), sum(vs) / len(vs)) and close(float(desc[1][3]), sum(xs) / len(xs))
    assert desc[2][1] is None and close(float(desc[2][2]), statistics.stdev(vs))
    assert desc[3] == ["min", min(ks), str(min(vs)), fmt(min(xs))]
    assert desc[4] == ["max", max(ks), str(max(vs)), fmt(max(xs))]
    dc = r("describe_cols")
    assert dc[-1] == ["summary", "v"] and [d[0] for d in dc[:-1]] == ["count", "mean", "stddev", "min", "max"]
    a = [q for q in ROWS if q[0] == "a"]
    av, ax = [q[1] for q in a], [q[2] for q in a]
    summ = r("summary")
    assert [s[0] for s in summ] == ["count", "mean", "stddev", "min", "25%", "50%", "75%", "max"]
    assert summ[4] == ["25%", None, str(pct(av, 0.25)), fmt(pct(ax, 0.25))]
    assert summ[5] == ["50%", None, str(pct(av, 0.5)), fmt(pct(ax, 0.5))]
    assert summ[6] == ["75%", None, str(pct(av, 0.75)), fmt(pct(ax, 0.75))]
    assert r("summary_some") == [["max", "a", str(max(av)), fmt(max(ax))],
                                 ["33%", None, str(pct(av, 0.33)), fmt(pct(ax, 0.33))],
                                 ["count_distinct", "1", str(len(set(av))), str(len(set(ax)))]]
    assert "nope is not a recognised statistic" in r("summary_bad")
    assert r("describe_types") == [["summary", "string"], ["k", "string"], ["v", "string"], ["x", "string"]]
    bools = {row[0]: row[1:] for row in r("bools")}
    for k, rs in groups.items():
        vs = [q[1] for q in rs if q[1] is not None]
        xs = [q[2] for q in rs if q[2] is not None]
        assert bools[k] == [sum(1 for v in vs if v > 2), all(x > 1 for x in xs) if xs else None,
                            any(v > 4 for v in vs) if vs else None, all(v > 0 for v in vs) if vs else None,
                            any(x > 10 for x in xs) if xs else None], k
    # a single partition in input order for k = 'a' is not guaranteed after repartition(4): only shapes
    vals = r("values")[0]
    assert vals[0] == "a" and vals[1] in [1, 2, 7, 4] and vals[2] in [10.0, 20.0, 5.0, 2.5] and vals[3] in [1, 2, 7, 4]
    for k in ("a", "b"):
        rs = sorted([q for q in ROWS if q[0] == k], key=lambda q: (q[1] is not None, q[1] or 0))
        want = rs[1][2] if len(rs) > 1 else None
        assert all(row[2] == want for row in r("nth") if row[0] == k), k
    assert r("cast_alias") == [[None, "3", 1.5, 2], [["a", "int"], ["e", "date"]]]
    st = r("df_stat")
    assert close(st[0], statistics.correlation([1, 10, 19], [12, 1, 8])) and close(st[1], -18.0) and close(st[2], 1.0)
    assert st[3] == [1.0, 10.0, 19.0] and st[4] == [[10.0], [8.0]]
    co = {row[0]: row[1:] for row in r("comoments")}
    for k, rs in groups.items():
        pairs = [(q[1], q[2]) for q in rs if q[1] is not None and q[2] is not None]
        n = len(pairs)
        want = [None, None, None]
        if n:
            mv, mx = sum(p[0] for p in pairs) / n, sum(p[1] for p in pairs) / n
            ck = sum((p[0] - mv) * (p[1] - mx) for p in pairs)
            sv = sum((p[0] - mv) ** 2 for p in pairs)
            sx = sum((p[1] - mx) ** 2 for p in pairs)
            want = [ck / math.sqrt(sv * sx) if n > 1 and sv * sx != 0 else None, ck / n, ck / (n - 1) if n > 1 else None]
        assert close(co[k], want), (k, co[k], want)
    assert r("describe_no_cols") == [["count"], ["mean"], ["stddev"], ["min"], ["max"]]
