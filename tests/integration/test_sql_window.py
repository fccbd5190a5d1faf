"""Window functions on the native engine (issue 14): ranking, lag/lead and aggregates over
default, ROWS and RANGE frames, checked against a plain-Python reference; Spark's column names,
explain() shape and analysis errors; local[2] and master + 2 workers (window partitions
shuffled across executors)."""
import os

import pytest

import daemons
import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

DATA = [("a", 1, 10.0), ("a", 2, 20.0), ("a", 2, 5.0), ("a", 4, None), ("b", 3, 1.0), ("b", None, 2.0),
        ("c", 5, None), (None, 7, 3.5), (None, 1, 1.5)]

JOB = r'''
from pyspark.sql import SparkSession, Window, functions as F

spark = SparkSession.builder.appName("windows").getOrCreate()
spark.conf.set("spark.sql.shuffle.partitions", "3")
df = spark.createDataFrame(%r, "k string, v int, x double")
w = Window.partitionBy("k").orderBy("v")

rows, err = sorted_rows, first_error

check("ranking", lambda: rows(df.select("k", "v", "x", F.row_number().over(w.orderBy("v", "x")), F.rank().over(w),
                                        F.dense_rank().over(w), F.percent_rank().over(w), F.cume_dist().over(w),
                                        F.ntile(3).over(w.orderBy("v", "x")))))
check("offsets", lambda: rows(df.select("k", "v", "x", F.lag("x").over(w.orderBy("v", "x")),
                                        F.lead("x", 2, -1.0).over(w.orderBy("v", "x")),
                                        F.lag("v", 1, 0).over(w.orderBy("v", "x")))))
check("aggs", lambda: rows(df.select("k", "v", "x",
    F.sum("x").over(w), F.count("x").over(w), F.avg("v").over(w), F.max("x").over(Window.partitionBy("k")),
    F.min("v").over(w.orderBy("v", "x").rowsBetween(-1, 1)), F.count("*").over(w.rangeBetween(-1, 0)),
    F.sum("v").over(w.orderBy("v", "x").rowsBetween(Window.currentRow, Window.unboundedFollowing)),
    F.collect_list("v").over(w.orderBy("v", "x").rowsBetween(Window.unboundedPreceding, Window.currentRow)))))
check("global", lambda: rows(df.select("v", "x", F.sum("v").over(Window.orderBy("v", "x")),
                                       F.row_number().over(Window.orderBy(F.desc("x"), "v")))))
check("expr", lambda: rows(df.withColumn("share", F.col("x") / F.sum("x").over(Window.partitionBy("k")))
                             .withColumn("d", F.col("v") - F.lag("v").over(w.orderBy("v", "x")))
                             .filter(F.col("k") == "a").select("x", "share", "d")))
check("topn", lambda: rows(df.withColumn("r", F.row_number().over(Window.partitionBy("k").orderBy(F.desc("x"))))
                             .filter("r = 1").select("k", "x")))
check("names", lambda: df.select(F.row_number().over(w), F.rank().over(w), F.sum("x").over(w), F.lag("v").over(w),
                                 F.count("*").over(Window.partitionBy("k")), F.min("v").over(w.rowsBetween(-2, 1)),
                                 F.cume_dist().over(w)).columns)
check("types", lambda: [t for _, t in df.select(F.row_number().over(w), F.percent_rank().over(w), F.lag("x").over(w),
                                                 F.sum("v").over(w), F.avg("v").over(w)).dtypes])
check("no_order", lambda: err(lambda: df.select(F.row_number().over(Window.partitionBy("k")))))
check("no_over", lambda: err(lambda: df.select(F.row_number())))
check("in_filter", lambda: err(lambda: df.filter(F.rank().over(w) > 1)))
check("bad_frame", lambda: err(lambda: df.select(F.lag("v").over(w.rowsBetween(-1, 1)))))
check("range_two_keys", lambda: err(lambda: df.select(F.sum("x").over(w.orderBy("v", "x").rangeBetween(-1, 1)))))
check("empty", lambda: df.filter("v > 100").select(F.rank().over(w)).collect())
df.createOrReplaceTempView("t")
check("sql", lambda: rows(spark.sql(
    "SELECT k, v, x, row_number() OVER (PARTITION BY k ORDER BY v DESC, x) AS rn, sum(x) OVER w AS s, "
    "count(*) OVER (ORDER BY v RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS c FROM t "
    "WINDOW w AS (PARTITION BY k ORDER BY v)")))
check("sql_agg", lambda: rows(spark.sql(
    "SELECT k, sum(x) AS total, rank() OVER (ORDER BY sum(x) DESC) AS r, sum(sum(x)) OVER () AS grand "
    "FROM t GROUP BY k")))
check("sql_undefined", lambda: err(lambda: spark.sql("SELECT count(*) OVER w FROM t")))
check("sql_names", lambda: spark.sql("SELECT lag(v) OVER (PARTITION BY k ORDER BY v ROWS BETWEEN 1 PRECEDING AND 1 PRECEDING), "
                                     "sum(v) OVER (ORDER BY v ROWS 2 PRECEDING) FROM t").columns)
emit()
'''


def reference():
    """The expected answers, computed row by row from the definitions."""
    def key(v):  # nulls first
        return (v is not None, v if v is not None else 0)

    parts = {}
    for r in DATA:
        parts.setdefault(r[0], []).append(r)
    out = {"ranking": [], "offsets": [], "aggs": []}
    for rs in parts.values():
        by_v = sorted(rs, key=lambda r: key(r[1]))
        by_vx = sorted(rs, key=lambda r: (key(r[1]), key(r[2])))
        n = len(rs)
        for i, r in enumerate(by_vx):
            peers_before = sum(1 for q in rs if key(q[1]) < key(r[1]))
            peers_upto = sum(1 for q in rs if key(q[1]) <= key(r[1]))
            distinct_before = len({key(q[1]) for q in rs if key(q[1]) < key(r[1])})
            rank = peers_before + 1
            size, pad = n // 3, n % 3
            big = pad * (size + 1)
            tile = i // (size + 1) + 1 if i < big else pad + (i - big) // max(size, 1) + 1
            out["ranking"].append([r[0], r[1], r[2], i + 1, rank, distinct_before + 1,
                                   (rank - 1) / (n - 1) if n > 1 else 0.0, peers_upto / n, tile])
            lead = by_vx[i + 2][2] if i + 2 < n else -1.0
            out["offsets"].append([r[0], r[1], r[2], by_vx[i - 1][2] if i > 0 else None, lead,
                                   by_vx[i - 1][1] if i > 0 else 0])
            running = [q for q in rs if key(q[1]) <= key(r[1])]
            xs = [q[2] for q in running if q[2] is not None]
            vs = [q[1] for q in running if q[1] is not None]
            win = [q[1] for q in by_vx[max(0, i - 1):i + 2] if q[1] is not None]
            rng = [q for q in rs if (r[1] is None and q[1] is None) or
                   (r[1] is not None and q[1] is not None and r[1] - 1 <= q[1] <= r[1])]
            tail = [q[1] for q in by_vx[i:] if q[1] is not None]
            allx = [q[2] for q in rs if q[2] is not None]
            out["aggs"].append([r[0], r[1], r[2], sum(xs) if xs else None, len(xs),
                                sum(vs) / len(vs) if vs else None, max(allx) if allx else None,
                                min(win) if win else None, len(rng), sum(tail) if tail else None,
                                [q[1] for q in by_vx[:i + 1] if q[1] is not None]])
    return {k: sorted(v, key=repr) for k, v in out.items()}


def check_results(res):
    r = res.result
    ref = reference()
    for name in ("ranking", "offsets", "aggs"):
        assert r(name) == ref[name], name
    glob = sorted(DATA, key=lambda q: ((q[1] is not None, q[1] or 0), (q[2] is not None, q[2] or 0)))
    run, exp = None, []
    for q in glob:
        if q[1] is not None:
            run = (run or 0) + q[1]
        exp.append([q[1], q[2], run])
    desc = sorted(DATA, key=lambda q: ((q[2] is None), -(q[2] or 0), (q[1] is not None, q[1] or 0)))
    for e in exp:
        e.append(1 + next(i for i, q in enumerate(desc) if q[1] == e[0] and q[2] == e[1]))
    assert r("global") == sorted(exp, key=repr)
    a = [q for q in DATA if q[0] == "a"]
    total = sum(q[2] for q in a if q[2] is not None)
    srt = sorted(a, key=lambda q: (q[1], (q[2] is not None, q[2] or 0)))
    exp = []
    for i, q in enumerate(srt):
        exp.append([q[2], q[2] / total if q[2] is not None else None, q[1] - srt[i - 1][1] if i else None])
    assert r("expr") == sorted(exp, key=repr)
    assert r("topn") == sorted([["a", 20.0], ["b", 2.0], ["c", None], [None, 3.5]], key=repr)
    spec = "(PARTITION BY k ORDER BY v ASC NULLS FIRST "
    assert r("names") == [
        "row_number() OVER " + spec + "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)",
        "RANK() OVER " + spec + "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)",
        "sum(x) OVER " + spec + "RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)",
        "lag(v, 1, NULL) OVER " + spec + "ROWS BETWEEN 1 PRECEDING AND 1 PRECEDING)",
        "count(1) OVER (PARTITION BY k ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)",
        "min(v) OVER " + spec + "ROWS BETWEEN -2 FOLLOWING AND 1 FOLLOWING)",
        "cume_dist() OVER " + spec + "RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"]
    assert r("types") == ["int", "double", "double", "bigint", "double"]
    assert "requires window to be ordered" in r("no_order")
    assert r("no_over").startswith("AnalysisException: [WINDOW_FUNCTION_WITHOUT_OVER_CLAUSE]")
    assert "window functions inside WHERE clause" in r("in_filter")
    assert "must match the required frame" in r("bad_frame")
    assert "RANGE_FRAME_MULTI_ORDER" in r("range_two_keys")
    assert r("empty") == []
    sql = []
    for q in DATA:
        same = sorted([p for p in DATA if p[0] == q[0]],
                      key=lambda p: (-(p[1] if p[1] is not None else -10**9), (p[2] is not None, p[2] or 0)))
        peers = [p[2] for p in DATA if p[0] == q[0] and p[2] is not None and
                 (p[1] is None or (q[1] is not None and p[1] <= q[1]))]
        near = [p for p in DATA if (q[1] is None and p[1] is None) or
                (q[1] is not None and p[1] is not None and abs(p[1] - q[1]) <= 1)]
        sql.append([q[0], q[1], q[2], 1 + same.index(q), sum(peers) if peers else None, len(near)])
    assert r("sql") == sorted(sql, key=repr)
    assert r("sql_agg") == sorted([["a", 35.0, 1, 43.0], [None, 5.0, 2, 43.0], ["b", 3.0, 3, 43.0],
                                   ["c", None, 4, 43.0]], key=repr)
    assert "Window specification w is not defined in the WINDOW clause" in r("sql_undefined")
    assert r("sql_names") == [
        "lag(v, 1, NULL) OVER (PARTITION BY k ORDER BY v ASC NULLS FIRST ROWS BETWEEN 1 PRECEDING AND 1 PRECEDING)",
        "sum(v) OVER (ORDER BY v ASC NULLS FIRST ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)"]


def test_windows_local(tmp_path):
    check_results(jobs.submit_ok(jobs.write_job(tmp_path, "win.py", JOB % (DATA,)), master="local[2]", timeout=180))


def test_windows_explain(tmp_path):
    job = r'''
from pyspark.sql import SparkSession, Window, functions as F
spark = SparkSession.builder.getOrCreate()
df = spark.createDataFrame([("a", 1)], "k string, v bigint")
check("plan", lambda: explained(df.withColumn("r", F.rank().over(Window.partitionBy("k").orderBy("v")))))
emit()
'''
    plan = jobs.submit_ok(jobs.write_job(tmp_path, "explain.py", job), master="local[2]", timeout=120).result("plan")
    lines = [ln.strip() for ln in plan.splitlines()]
    assert lines[2].startswith("+- Window [rank(v#")
    assert "windowspecdefinition(k#" in lines[2] and "specifiedwindowframe(RowFrame, unboundedpreceding$(), currentrow$())" in lines[2]
    assert lines[2].endswith("ASC NULLS FIRST]") and ", [k#" in lines[2]
    assert lines[3].startswith("+- Sort [k#") and lines[3].endswith("ASC NULLS FIRST], false, 0")
    assert lines[4].startswith("+- Exchange hashpartitioning(k#") and "ENSURE_REQUIREMENTS" in lines[4]


def test_windows_cluster(tmp_path):
    with daemons.Cluster(tmp_path) as c:
        m = c.start_master()
        c.start_worker(m.url, cores=1, memory="1g")
        c.start_worker(m.url, cores=1, memory="1g")
        daemons.wait_until(lambda: m.json()["aliveworkers"] == 2, what="two workers alive")
        check_results(jobs.submit_ok(jobs.write_job(tmp_path, "win.py", JOB % (DATA,)), master=m.url, timeout=180))
