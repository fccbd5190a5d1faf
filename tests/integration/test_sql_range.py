"""Global sorts over several partitions (orderBy, sort, repartitionByRange) run as Spark runs them:
a sampling job over the exchange's input gives range bounds, and the map tasks route every row
to the partition its key falls in, so the sort runs in several tasks. Results are checked
against Python's sorted() (nulls first/last, NaN above every number, descending, several keys),
locally and on a two-worker cluster; the REST API shows the sampling job and the spread."""
import datetime
import decimal
import functools
import math
import os

import pytest

import daemons
import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

# Shared by the job (which sorts on the engine) and the test (which sorts in Python).
DATA = r'''
import datetime, decimal
def make_rows():
    rows = []
    for i in range(400):
        k = None if i % 17 == 0 else (i * 7919) % 101 - 50
        d = None if i % 13 == 0 else float("nan") if i % 11 == 0 else ((i * 31) % 97) / 4.0 - 10
        s = None if i % 19 == 0 else "s%03d" % ((i * 13) % 60)
        dt = datetime.date(2020, 1, 1) + datetime.timedelta(days=(i * 37) % 500)
        m = (decimal.Decimal((i * 53) % 1000 - 500) / 100).quantize(decimal.Decimal("0.01"))
        rows.append((i, k, d, s, dt, m))
    return rows
'''

RANGE_JOB = DATA + r'''
import json
import math
import urllib.request
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("sql-range").getOrCreate()
spark.conf.set("spark.sql.shuffle.partitions", "4")
# The spread over reduce tasks is the point here: adaptive coalescing would read these few
# rows in one task (test_sql_aqe.py covers it).
spark.conf.set("spark.sql.adaptive.coalescePartitions.enabled", "false")
ui = spark.sparkContext.uiWebUrl

def get(path):
    with urllib.request.urlopen(ui + "/api/v1" + path, timeout=10) as r:
        return json.loads(r.read())

app = get("/applications")[0]["id"]

def jobs_now():
    return sorted(get("/applications/%s/jobs" % app), key=lambda j: j["jobId"])

def norm(v):
    if isinstance(v, float) and math.isnan(v):
        return "NaN"
    if isinstance(v, (datetime.date, decimal.Decimal)):
        return str(v)
    return v

def rows(df):
    return [[norm(v) for v in r] for r in df.collect()]

df = spark.createDataFrame(make_rows(), "id int, k int, d double, s string, dt date, m decimal(10,2)").repartition(4)

def spread(before):
    new = jobs_now()[before:]
    sample, query = new[0], new[-1]
    last = max(query["stageIds"])
    tasks = get("/applications/%s/stages/%d/0/taskList?length=100" % (app, last))
    read = [t["taskMetrics"]["shuffleReadMetrics"]["recordsRead"] for t in tasks]
    sampled = get("/applications/%s/stages/%d" % (app, max(sample["stageIds"])))[0]
    return {"jobs": len(new), "sample_tasks": sampled["numTasks"], "read": read}
before = len(jobs_now())
check("asc", lambda: rows(df.orderBy("k", "id")))
check("asc_spread", lambda: spread(before))
# Nine rows in ten share g = 0: one hash partition holds most of the sort's input, so Spark's
# RangePartitioner samples it again (a second sampling job) before the query.
skewed = spark.createDataFrame([(0 if i % 10 else i, i) for i in range(4000)], "g int, v int").repartition(4, "g")
before = len(jobs_now())
check("skewed", lambda: [r[0] for r in skewed.orderBy(F.desc("v")).select("v").collect()])
check("skewed_spread", lambda: spread(before))
check("desc_nan", lambda: rows(df.orderBy(F.col("d").desc(), "id")))
check("asc_nan_nulls_last", lambda: rows(df.orderBy(F.col("d").asc_nulls_last(), F.desc("id"))))
check("multi", lambda: rows(df.orderBy(F.col("s").asc_nulls_last(), F.col("k").desc_nulls_first(),
                                       F.col("id").desc())))
check("dates_decimals", lambda: rows(df.sort(F.desc("dt"), "m", "id")))
check("strings", lambda: rows(df.sort("s", "id").select("s", "id")))
check("empty", lambda: rows(df.filter(F.col("id") < 0).orderBy("k")))
check("all_null", lambda: rows(df.select(F.lit(None).cast("int").alias("z"), "id").orderBy("z", "id")))
check("grouped", lambda: rows(df.groupBy("s").agg(F.count("*").alias("n")).orderBy(F.desc("n"), "s")))

# Two range exchanges: the second's sampling job computes the first's map stage (with its bounds);
# the query's job then reuses both parents' outputs.
before = len(jobs_now())
check("chained", lambda: rows(df.repartitionByRange(3, F.col("s").desc()).orderBy("dt", "id").select("id")))
check("chained_jobs", lambda: len(jobs_now()) - before)

def _by_range():
    got = df.repartitionByRange(4, "k").select(F.spark_partition_id().alias("p"), "k").collect()
    parts = {}
    for p, k in got:
        parts.setdefault(p, []).append(k)
    return {str(p): [len(ks), sum(k is None for k in ks),
                     min((k for k in ks if k is not None), default=None),
                     max((k for k in ks if k is not None), default=None)] for p, ks in parts.items()}
check("by_range", _by_range)
check("few_keys", lambda: sorted(set(tuple(r) for r in df.withColumn("b", F.col("id") % 2).repartitionByRange(4, "b")
                                     .select(F.spark_partition_id(), "b").collect())))
def _one_partition():
    spark.conf.set("spark.sql.shuffle.partitions", "1")
    try:
        n = len(jobs_now())
        out = rows(df.orderBy(F.desc("id")).select("id").limit(1000))
        return [out[:3], len(jobs_now()) - n]
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", "4")
check("one_partition", _one_partition)
emit()
spark.stop()
'''

_env = {}
exec(DATA, _env)
ROWS = _env["make_rows"]()
ID, K, D, S, DT, M = range(6)


def spark_cmp(orders):
    """Spark's ordering of rows by [(column, ascending, nulls_first)]: NaN above every number."""
    def val(a, b):
        an, bn = isinstance(a, float) and math.isnan(a), isinstance(b, float) and math.isnan(b)
        if an or bn:
            return (an > bn) - (an < bn)
        return (a > b) - (a < b)

    def cmp(ra, rb):
        for i, asc, nulls_first in orders:
            a, b = ra[i], rb[i]
            if a is None or b is None:
                if a is None and b is None:
                    continue
                return (-1 if nulls_first else 1) * (1 if a is None else -1)
            c = val(a, b) * (1 if asc else -1)
            if c:
                return c
        return 0
    return functools.cmp_to_key(cmp)


def expect(orders, cols=None):
    out = sorted(ROWS, key=spark_cmp(orders))
    norm = lambda v: "NaN" if isinstance(v, float) and math.isnan(v) else (
        str(v) if isinstance(v, (datetime.date, decimal.Decimal)) else v)
    return [[norm(r[c]) for c in (cols or range(6))] for r in out]


def check_range(res):
    assert res.result("asc") == expect([(K, True, True), (ID, True, True)])
    spread = res.result("asc_spread")
    assert spread["jobs"] == 2  # the sampling job, then the query
    assert spread["sample_tasks"] == 4  # one per partition of the exchange's input
    assert sum(spread["read"]) == 400
    assert sum(1 for n in spread["read"] if n > 0) >= 3, spread  # the sort ran in several tasks
    assert res.result("skewed") == list(range(3999, -1, -1))
    skewed = res.result("skewed_spread")
    assert skewed["jobs"] == 3  # sketch, re-sampling of the heavy partition, the query
    assert sum(skewed["read"]) == 4000 and sum(1 for n in skewed["read"] if n > 0) >= 3, skewed
    assert res.result("desc_nan") == expect([(D, False, False), (ID, True, True)])
    assert res.result("asc_nan_nulls_last") == expect([(D, True, False), (ID, False, False)])
    assert res.result("multi") == expect([(S, True, False), (K, False, True), (ID, False, False)])
    assert res.result("dates_decimals") == expect([(DT, False, False), (M, True, True), (ID, True, True)])
    assert res.result("strings") == expect([(S, True, True), (ID, True, True)], cols=[S, ID])
    assert res.result("empty") == []
    assert res.result("all_null") == [[None, i] for i in range(400)]
    counts = {}
    for r in ROWS:
        counts[r[S]] = counts.get(r[S], 0) + 1
    assert res.result("grouped") == sorted([[s, n] for s, n in counts.items()],
                                           key=spark_cmp([(1, False, False), (0, True, True)]))
    assert res.result("chained") == expect([(DT, True, True), (ID, True, True)], cols=[ID])
    assert res.result("chained_jobs") == 3  # two sampling jobs, then the query
    parts = res.result("by_range")
    assert sum(v[0] for v in parts.values()) == 400
    assert len(parts) >= 3, parts  # several non-empty partitions
    ranges = [parts[p] for p in sorted(parts, key=int)]
    assert ranges[0][1] == sum(1 for r in ROWS if r[K] is None)  # nulls first: all in the first
    for lo, hi in zip(ranges, ranges[1:]):
        assert lo[3] < hi[2], parts  # key ranges never overlap
    few = res.result("few_keys")
    assert sorted(b for _, b in few) == [0, 1] and len({p for p, _ in few}) == 2
    first, jobs_run = res.result("one_partition")
    assert first == [[399], [398], [397]]
    assert jobs_run == 1  # one reduce partition: no sampling job, as Spark's RangePartitioner


def test_global_sort_local(tmp_path):
    script = jobs.write_job(tmp_path, "range.py", RANGE_JOB)
    check_range(jobs.submit_ok(script, master="local[2]", timeout=180, conf={"spark.ui.port": "0"}))


def test_global_sort_cluster(tmp_path):
    """Map tasks on two executors sample and route; reduce tasks fetch across them."""
    with daemons.Cluster(tmp_path) as c:
        m = c.start_master()
        c.start_worker(m.url, cores=1, memory="1g")
        c.start_worker(m.url, cores=1, memory="1g")
        daemons.wait_until(lambda: m.json()["aliveworkers"] == 2, what="two workers alive")
        script = jobs.write_job(tmp_path, "range.py", RANGE_JOB)
        check_range(jobs.submit_ok(script, master=m.url, timeout=180, conf={"spark.ui.port": "0"}))
