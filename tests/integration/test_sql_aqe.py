"""Adaptive execution's partition coalescing (Spark's CoalesceShufflePartitions, on by default):
once the map stages a stage reads have written their shuffles, small contiguous reduce
partitions are read by one task, so a groupBy over a few rows runs one reduce task instead of
spark.sql.shuffle.partitions (200). Answers are compared with Python's; task counts come from
the REST API, locally and on a two-worker cluster."""
import os

import pytest

import daemons
import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

AQE_JOB = r'''
import json
import urllib.request
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("sql-aqe").getOrCreate()
ui = spark.sparkContext.uiWebUrl

def get(path):
    with urllib.request.urlopen(ui + "/api/v1" + path, timeout=10) as r:
        return json.loads(r.read())

app = get("/applications")[0]["id"]

def tasks_of_last_stage(fn):
    """Runs fn; returns (its answer, numTasks of the last stage of the last job it ran)."""
    out = fn()
    job = max(get("/applications/%s/jobs" % app), key=lambda j: j["jobId"])
    stage = get("/applications/%s/stages/%d" % (app, max(job["stageIds"])))[0]
    return [out, stage["numTasks"]]

rows = [(i, "k%d" % (i % 7), None if i % 5 == 0 else i * 1.5) for i in range(300)]
df = spark.createDataFrame(rows, "id int, k string, v double")

def grouped():
    return sorted([list(r) for r in df.groupBy("k").agg(F.count("*"), F.sum("v")).collect()])

check("default", lambda: tasks_of_last_stage(grouped))
spark.conf.set("spark.sql.adaptive.coalescePartitions.enabled", "false")
check("coalesce_off", lambda: tasks_of_last_stage(grouped))
spark.conf.set("spark.sql.adaptive.coalescePartitions.enabled", "true")
spark.conf.set("spark.sql.adaptive.enabled", "false")
check("aqe_off", lambda: tasks_of_last_stage(grouped))
spark.conf.set("spark.sql.adaptive.enabled", "true")

# A user's partition count stays; repartition by columns alone may coalesce.
check("repartition_n", lambda: tasks_of_last_stage(
    lambda: sorted(set(r[0] for r in df.repartition(8).select(F.spark_partition_id()).collect()))))
check("repartition_cols", lambda: tasks_of_last_stage(lambda: df.repartition("k").count()))

# A shuffled join reads both sides with the same coalesced ranges.
spark.conf.set("spark.sql.autoBroadcastJoinThreshold", "-1")
other = spark.createDataFrame([("k%d" % i, i * 10) for i in range(0, 7, 2)] + [("kx", 1)], "k string, w int")
check("join", lambda: tasks_of_last_stage(
    lambda: sorted([list(r) for r in df.join(other, "k").groupBy("k", "w").count().collect()])))
check("left_join", lambda: tasks_of_last_stage(
    lambda: sorted([[r[0], r[1]] for r in df.join(other, "k", "left").select("id", "w").collect()])))

# Bigger shuffles split by the advisory size (tiny here) into several tasks, in order.
spark.conf.set("spark.sql.adaptive.advisoryPartitionSizeInBytes", "2k")
spark.conf.set("spark.sql.adaptive.coalescePartitions.minPartitionSize", "1k")
big = spark.range(0, 20000).withColumn("g", F.col("id") % 997)
check("advisory", lambda: tasks_of_last_stage(
    lambda: sorted([list(r) for r in big.groupBy("g").agg(F.sum("id"), F.count("*")).collect()])))
check("sorted", lambda: tasks_of_last_stage(
    lambda: [r[0] for r in big.groupBy("g").count().orderBy(F.desc("g")).collect()]))
check("partition_ids", lambda: sorted(set(r[0] for r in big.groupBy("g").count()
                                          .select(F.spark_partition_id()).collect())))
emit()
spark.stop()
'''


def expected_grouped():
    out = {}
    for i in range(300):
        k = "k%d" % (i % 7)
        n, s = out.get(k, (0, None))
        v = None if i % 5 == 0 else i * 1.5
        out[k] = (n + 1, s if v is None else (v if s is None else s + v))
    return sorted([k, n, s] for k, (n, s) in out.items())


def check_aqe(res, parallelism):
    grouped = expected_grouped()
    assert res.result("default") == [grouped, 1]  # 200 tiny partitions read by one task
    assert res.result("coalesce_off") == [grouped, 200]
    assert res.result("aqe_off") == [grouped, 200]
    assert res.result("repartition_n") == [list(range(8)), 8]
    assert res.result("repartition_cols") == [300, 1]
    joined = {}
    for i in range(300):
        k = "k%d" % (i % 7)
        if i % 7 in (0, 2, 4, 6):
            joined[(k, (i % 7) * 10)] = joined.get((k, (i % 7) * 10), 0) + 1
    assert res.result("join") == [sorted([k, w, n] for (k, w), n in joined.items()), 1]
    left = sorted([i, (i % 7) * 10 if i % 7 % 2 == 0 else None] for i in range(300))
    got_left, tasks = res.result("left_join")
    assert sorted(got_left, key=lambda r: r[0]) == left and tasks == 1
    sums = {}
    for i in range(20000):
        s, n = sums.get(i % 997, (0, 0))
        sums[i % 997] = (s + i, n + 1)
    got, tasks = res.result("advisory")
    assert got == sorted([g, s, n] for g, (s, n) in sums.items())
    assert 1 < tasks < 200, tasks  # several coalesced tasks, fewer than the 200 partitions
    order, tasks = res.result("sorted")
    assert order == list(range(996, -1, -1)) and tasks >= 1
    ids = res.result("partition_ids")
    assert ids == list(range(len(ids))) and 1 < len(ids) < 200  # task indices are the new partitions


def test_coalescing_local(tmp_path):
    script = jobs.write_job(tmp_path, "aqe.py", AQE_JOB)
    check_aqe(jobs.submit_ok(script, master="local[2]", timeout=180, conf={"spark.ui.port": "0"}), 2)


def test_coalescing_cluster(tmp_path):
    """Coalesced reads fetch the contiguous segments of several reduce partitions from map
    outputs on two executors."""
    with daemons.Cluster(tmp_path) as c:
        m = c.start_master()
        c.start_worker(m.url, cores=1, memory="1g")
        c.start_worker(m.url, cores=1, memory="1g")
        daemons.wait_until(lambda: m.json()["aliveworkers"] == 2, what="two workers alive")
        script = jobs.write_job(tmp_path, "aqe.py", AQE_JOB)
        check_aqe(jobs.submit_ok(script, master=m.url, timeout=180, conf={"spark.ui.port": "0"}), 2)
