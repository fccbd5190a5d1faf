"""Local mode keeps SQL shuffle map outputs in the executor's memory as columnar batches
(spark.sparkpp.shuffle.inMemory): no shuffle files while they fit, data files past the memory
share, the same answers either way, nothing left behind once the query ends, and a lost
executor's in-memory outputs recomputed like lost files."""
import os
import shutil
import tempfile

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
import glob
import os
import sys
import time
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("sql-shuffle-memory").getOrCreate()
spark.conf.set("spark.sql.shuffle.partitions", "4")
spark.conf.set("spark.sql.autoBroadcastJoinThreshold", "-1")  # a shuffled join: both sides shuffle
local_dir = sys.argv[1]

def shuffle_files():
    return len(glob.glob(os.path.join(local_dir, "**", "shuffle_*.data"), recursive=True))

def files_left():
    # The executor drops a query's shuffles on a message sent as the query ends: soon after.
    deadline = time.time() + 10
    while shuffle_files() and time.time() < deadline:
        time.sleep(0.05)
    return shuffle_files()

# Counted on the executor by a UDF of the stage after the shuffles, while the query runs.
files_now = F.udf(lambda k: shuffle_files(), "int")

left = spark.range(0, 200_000, numPartitions=3).select((F.col("id") % 1000).alias("k"), F.col("id").alias("v"))
right = spark.range(0, 1000, numPartitions=2).select(F.col("id").alias("k"), (F.col("id") * 2).alias("w"))
agg = left.join(right, "k").groupBy("k").agg(F.sum("v").alias("sv"), F.max("w").alias("mw"), F.count("*").alias("n"))
rows = agg.select("k", "sv", "mw", "n", files_now("k").alias("files")).collect()
check("answer", lambda: sorted([r.k, r.sv, r.mw, r.n] for r in rows)[:3] + [len(rows), sum(r.sv for r in rows)])
check("files_during", lambda: max(r.files for r in rows))
check("files_after", files_left)
# A sort (range exchange: sampling job, then the query) and a second query on the same data.
check("sorted", lambda: [r.v for r in left.orderBy(F.col("v").desc()).limit(3).collect()])
check("files_after_sort", files_left)
emit()
spark.stop()
'''

EXPECTED_ANSWER = [[0, 19900000, 0, 200], [1, 19900200, 2, 200], [2, 19900400, 4, 200], 1000, 19999900000]


def run(tmp_path, name, conf):
    # Short: the Python workers' Unix socket paths live under it.
    local_dir = tempfile.mkdtemp(prefix="spm-", dir="/tmp")
    try:
        conf = dict(conf, **{"spark.local.dir": local_dir})
        return jobs.submit_ok(jobs.write_job(tmp_path, name + ".py", JOB), local_dir, master="local[2]", conf=conf,
                              timeout=180)
    finally:
        shutil.rmtree(local_dir, ignore_errors=True)


def test_in_memory_outputs_write_no_files_and_match_files(tmp_path):
    mem = run(tmp_path, "mem", {})
    files = run(tmp_path, "files", {"spark.sparkpp.shuffle.inMemory": "false"})
    for res in (mem, files):
        assert res.result("answer") == EXPECTED_ANSWER
        assert res.result("sorted") == [199999, 199998, 199997]
        # The query's shuffles are removed when it ends (files too: they used to stay until the
        # application stopped).
        assert res.result("files_after") == 0
        assert res.result("files_after_sort") == 0
    assert mem.result("files_during") == 0
    assert files.result("files_during") > 0


def test_outputs_past_the_memory_share_become_files(tmp_path):
    res = run(tmp_path, "small", {"spark.sparkpp.shuffle.inMemory.fraction": "0.000001"})
    assert res.result("answer") == EXPECTED_ANSWER
    assert res.result("files_during") > 0
    assert res.result("files_after") == 0


KILL_JOB = r'''
import json
import os
import signal
import threading
import time
import urllib.request
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("sql-shuffle-memory-lost").getOrCreate()
sc = spark.sparkContext
spark.conf.set("spark.sql.shuffle.partitions", "4")
spark.conf.set("spark.sql.adaptive.coalescePartitions.enabled", "false")
spark.conf.set("spark.sql.autoBroadcastJoinThreshold", "-1")
base = sc.uiWebUrl + "/api/v1/applications/" + sc.applicationId
killed = []

def get(path):
    with urllib.request.urlopen(base + path, timeout=10) as r:
        return json.loads(r.read())

def killer():
    # Once the result stage (reading both shuffles) has a finished task, the map outputs its
    # other tasks need live only in the executor's memory: kill the executor.
    deadline = time.time() + 60
    while time.time() < deadline and not killed:
        for st in get("/stages"):
            if st["status"] == "ACTIVE" and "Exchange" not in st["name"] and st["numCompleteTasks"] >= 1:
                for pid in executor_pids(sc.applicationId):
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                return
        time.sleep(0.02)

slow = F.udf(lambda v: (time.sleep(0.004), v)[1] if v % 100 == 0 else v, "long")
left = spark.range(0, 100_000, numPartitions=2).select((F.col("id") % 4000).alias("k"), F.col("id").alias("v"))
right = spark.range(0, 4000, numPartitions=2).select(F.col("id").alias("k"), (F.col("id") % 7).alias("w"))
q = left.join(right, "k").select(slow("v").alias("v"), "w")

def grouped():
    out = {}
    for r in q.collect():
        s, n = out.get(r.w, (0, 0))
        out[r.w] = (s + r.v, n + 1)
    return sorted([w, s, n] for w, (s, n) in out.items())

t = threading.Thread(target=killer, daemon=True)
t.start()
check("rows", grouped)
t.join()
check("killed", lambda: len(killed))
emit()
spark.stop()
'''


def test_lost_executor_outputs_are_recomputed(tmp_path):
    res = jobs.submit_ok(jobs.write_job(tmp_path, "lost.py", KILL_JOB), master="local[2,4]", timeout=240)
    expected = {}
    for v in range(100_000):
        w = (v % 4000) % 7
        s, n = expected.get(w, (0, 0))
        expected[w] = (s + v, n + 1)
    assert res.result("killed") >= 1
    assert res.result("rows") == sorted([w, s, n] for w, (s, n) in expected.items())
