"""Buffering operators under a small executor memory (issue #13 "Memory"): hash aggregate,
sort and the joins reserve execution memory (spark.executor.memory x spark.memory.fraction)
and spill to disk past it, so a query much bigger than the budget completes with the exact
answer; the spills show in the task metrics (REST memoryBytesSpilled / diskBytesSpilled)."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

N = 600_000

SPILL_JOB = r'''
import json
import urllib.request
from pyspark.sql import SparkSession, functions as F

N = %d
spark = SparkSession.builder.appName("sql-spill").getOrCreate()
sc = spark.sparkContext
spark.conf.set("spark.sql.shuffle.partitions", "2")
spark.conf.set("spark.sql.autoBroadcastJoinThreshold", "-1")
base = sc.uiWebUrl + "/api/v1/applications/" + sc.applicationId

def spilled():
    with urllib.request.urlopen(base + "/stages", timeout=10) as r:
        stages = json.loads(r.read())
    return sum(s["diskBytesSpilled"] for s in stages), sum(s["memoryBytesSpilled"] for s in stages)

df = spark.range(0, N, 1, 2)
keys = df.select(((F.col("id") * 7919) %% N).alias("k"), F.col("id").alias("v"))
before = spilled()
check("agg", lambda: keys.groupBy("k").agg(F.sum("v").alias("s")).agg(F.count("*"), F.sum("s"), F.max("k")).collect()[0][:])
after_agg = spilled()
check("agg_spilled", lambda: [after_agg[0] > before[0], after_agg[1] > before[1]])
M = 150000
wide = spark.range(0, M, 1, 2).select(((F.col("id") * 7919) %% M).alias("k"),
                                      F.concat(F.lit("payload-" * 12), F.col("id").cast("string")).alias("pad"))
def _sorted_runs():
    rows = wide.repartition(2).sortWithinPartitions("k").collect()
    ks = [r[0] for r in rows]
    # two partitions, each sorted: the keys descend at most once (where partition 1 starts)
    return [len(ks), sum(1 for a, b in zip(ks, ks[1:]) if b < a), len(set(ks)), len({r[1] for r in rows})]
check("sort", _sorted_runs)
after_sort = spilled()
check("sort_spilled", lambda: after_sort[0] > after_agg[0])
other = spark.range(0, N, 1, 2).select(F.col("id").alias("k"), (F.col("id") %% 5).alias("b"))
check("smj", lambda: keys.join(other, "k").agg(F.count("*"), F.sum("b"), F.sum("v")).collect()[0][:])
check("shj", lambda: keys.join(other.hint("shuffle_hash"), "k", "left").agg(F.count("*"), F.sum("b")).collect()[0][:])
check("shj_plan", lambda: "ShuffledHashJoin" in spark._client.explain(keys.join(other.hint("shuffle_hash"), "k", "left")._plan, "simple"))
after_join = spilled()
check("join_spilled", lambda: after_join[0] > after_sort[0])
emit()
spark.stop()
''' % N


def test_operators_spill_under_small_memory(tmp_path):
    script = jobs.write_job(tmp_path, "spill.py", SPILL_JOB)
    res = jobs.submit_ok(script, master="local[2]", timeout=300,
                         conf={"spark.ui.port": "0", "spark.executor.memory": "24m",
                               "spark.driver.memory": "24m"})
    assert res.result("agg") == [N, N * (N - 1) // 2, N - 1]
    assert res.result("agg_spilled") == [True, True]
    n, descents, distinct, pads = res.result("sort")
    assert n == 150000 and descents <= 1 and distinct == 150000 and pads == 150000
    assert res.result("sort_spilled")
    assert res.result("smj") == [N, sum(i % 5 for i in range(N)), N * (N - 1) // 2]
    assert res.result("shj") == [N, sum(i % 5 for i in range(N))]
    assert res.result("shj_plan")
    assert res.result("join_spilled")
