"""Lineage recovery under DataFrames (issue #13 "Proof: fault tests"): on master + 2 workers,
one executor is SIGKILLed while a native aggregation or join runs — its running tasks run
again elsewhere, the map outputs it held are recomputed (fetch failures or lost-executor
resubmission) — and the answer is exact. The job itself kills the executor, once the REST API
shows the stage of interest with a finished task, so the moment is a stage boundary and not a
race with the test."""
import os

import pytest

import jobs
from daemons import Cluster, wait_until

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

FAULT_JOB = r'''
import json
import os
import signal
import threading
import time
import urllib.request
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("sql-faults").getOrCreate()
sc = spark.sparkContext
spark.conf.set("spark.sql.shuffle.partitions", "8")
spark.conf.set("spark.sql.adaptive.coalescePartitions.enabled", "false")
spark.conf.set("spark.sql.autoBroadcastJoinThreshold", "-1")  # a shuffled join: both sides' outputs matter
base = sc.uiWebUrl + "/api/v1/applications/" + sc.applicationId

def get(path):
    with urllib.request.urlopen(base + path, timeout=10) as r:
        return json.loads(r.read())


killed = []

def killer(stage_name_part, min_complete, done):
    """Once an active stage whose name contains stage_name_part has min_complete finished
    tasks, SIGKILL one executor of this application; gives up when the action is done (a
    killer left polling would kill an executor during the next action instead)."""
    deadline = time.time() + 120
    while time.time() < deadline and not done.is_set():
        for st in get("/stages"):
            if st["status"] == "ACTIVE" and stage_name_part in st["name"] and st["numCompleteTasks"] >= min_complete:
                pids = executor_pids(sc.applicationId)
                if len(pids) >= 2:
                    os.kill(pids[0], signal.SIGKILL)
                    killed.append(st["name"])
                    return
        time.sleep(0.02)

def with_kill(stage_name_part, action, min_complete=1):
    done = threading.Event()
    t = threading.Thread(target=killer, args=(stage_name_part, min_complete, done), daemon=True)
    t.start()
    try:
        return action()
    finally:
        done.set()
        t.join(5)

N = 3_000_000
# 32 map tasks: the map stage lasts long enough for the killer to see it active with a task
# done (with 8, a fast aggregation's map stage could end between two of its polls).
facts = spark.range(0, N, 1, 32).select((F.col("id") % 5003).alias("k"), F.col("id").alias("v"))

def aggregated():
    rows = facts.groupBy("k").agg(F.sum("v").alias("s"), F.count("*").alias("n")).collect()
    return sorted([r["k"], r["s"], r["n"]] for r in rows)
check("agg", lambda: with_kill("Exchange", aggregated))
check("agg_killed", lambda: list(killed))

dims = spark.range(0, 5003, 1, 4).select(F.col("id").alias("k"), (F.col("id") * 2).alias("w"))
def joined():
    j = facts.join(dims, "k").groupBy((F.col("w") % 7).alias("g")).agg(F.sum("v"), F.count("*"))
    return sorted(list(r) for r in j.collect())
killed.clear()
# The master replaces the lost executor on the freed core: wait for it, so the join runs on two.
deadline = time.time() + 60
while len(executor_pids(sc.applicationId)) < 2 and time.time() < deadline:
    time.sleep(0.05)
check("executors_before_join", lambda: len(executor_pids(sc.applicationId)))
check("join", lambda: with_kill("Exchange", joined, min_complete=0))
check("join_killed", lambda: list(killed))
emit()
spark.stop()
'''

N = 3_000_000


def expected_agg():
    out = []
    for k in range(5003):
        # ids k, k + 5003, ... below N
        n = (N - 1 - k) // 5003 + 1
        out.append([k, n * k + 5003 * n * (n - 1) // 2, n])
    return out


def expected_join():
    groups = {}
    for k, s, n in expected_agg():
        g = (k * 2) % 7
        s0, n0 = groups.get(g, (0, 0))
        groups[g] = (s0 + s, n0 + n)
    return sorted([g, s, n] for g, (s, n) in groups.items())


def test_executor_killed_mid_aggregation_and_join(tmp_path):
    with Cluster(tmp_path) as c:
        m = c.start_master()
        c.start_worker(m.url, cores=1, memory="1g")
        c.start_worker(m.url, cores=1, memory="1g")
        wait_until(lambda: m.json()["aliveworkers"] == 2, what="two workers alive")
        script = jobs.write_job(tmp_path, "faults.py", FAULT_JOB)
        res = jobs.submit_ok(script, master=m.url, timeout=300,
                             conf={"spark.ui.port": "0", "spark.executor.memory": "512m"})
        assert res.result("agg_killed"), "no executor was killed during the aggregation"
        assert res.result("agg") == expected_agg()
        assert res.result("executors_before_join") == 2
        assert res.result("join_killed"), "no executor was killed during the join"
        assert res.result("join") == expected_join()
