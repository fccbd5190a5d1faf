"""Adaptive execution's runtime join switch (Spark 3.5 with spark.sql.adaptive.enabled): a join
planned as a sort-merge join (here: spark.sql.autoBroadcastJoinThreshold=-1) whose side's shuffle
turns out under spark.sql.adaptive.autoBroadcastJoinThreshold runs as a broadcast hash join, the
other side read by map output (`AQEShuffleRead local`). explain() of the DataFrame after it ran
shows the final plan (`AdaptiveSparkPlan isFinalPlan=true`); answers are Python's, locally and on
a two-worker cluster (the build side's blocks come from both executors)."""
import hashlib
import os

import pytest

import daemons
import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("sql-aqe-joins").getOrCreate()

def run(df):
    """[plan before, rows sorted, plan after]"""
    before = explained(df)
    rows = sorted([list(r) for r in df.collect()], key=repr)
    return [before, rows, explained(df)]

spark.conf.set("spark.sql.autoBroadcastJoinThreshold", "-1")  # every equi-join planned sort-merge
# big's shuffle (64 hex digits a row) is well over 200 KB, small's (400 short rows) well under.
spark.conf.set("spark.sql.adaptive.autoBroadcastJoinThreshold", "200k")
big = spark.range(0, 30000, numPartitions=3).select(F.col("id"), (F.col("id") % 500).alias("k"),
                                                      F.sha2(F.col("id").cast("string"), 256).alias("s"))
small = spark.range(0, 400).select(F.col("id").alias("k"), (F.col("id") * 10).alias("w"))
check("inner", lambda: run(big.join(small, "k").select("id", "k", "w", "s")))
# Spark's order: both sides' map stages run, then the switch (big's shuffle read back by map output).
spark.conf.set("spark.sql.sparkpp.adaptive.earlyBroadcastSwitch.enabled", "false")
check("inner_spark", lambda: run(big.join(small, "k").select("id", "k", "w", "s")))
spark.conf.set("spark.sql.sparkpp.adaptive.earlyBroadcastSwitch.enabled", "true")
# A left outer join can only build its right side: the small left side stays sort-merge.
check("left_small", lambda: run(small.join(big, "k", "left").select("k", "w", "id", "s")))
# Grouped by the join key above the join: the aggregate relies on the join's partitioning, so
# the switched join keeps reading reduce partitions (no local read); the answer is the same.
check("grouped", lambda: run(big.join(small, "k").groupBy("k").agg(F.count("*"), F.sum("w"), F.max("s"))))
spark.conf.set("spark.sql.adaptive.autoBroadcastJoinThreshold", "-1")
check("off", lambda: run(big.join(small, "k").select("id", "k", "w", "s")))
emit()
spark.stop()
'''


def sha(i):
    return hashlib.sha256(str(i).encode()).hexdigest()


def check_job(res):
    inner = sorted([[i, i % 500, (i % 500) * 10, sha(i)] for i in range(30000) if i % 500 < 400], key=repr)
    before, rows, after = res.result("inner")
    assert "AdaptiveSparkPlan isFinalPlan=false" in before and "SortMergeJoin" in before
    assert rows == inner
    final, initial = after.split("+- == Initial Plan ==\n")
    assert final.startswith("== Physical Plan ==\nAdaptiveSparkPlan isFinalPlan=true\n+- == Final Plan ==\n"), after
    assert "BroadcastHashJoin [k#" in final and ", Inner, BuildRight, false" in final, after
    assert "SortMergeJoin" not in final and "SortMergeJoin" in initial, after
    # The early switch: small (the smaller input) ran first and was small enough, so big's map
    # stage never ran: its fragment ran in the join's stage, no exchange on that side.
    assert "BroadcastQueryStage 1" in final and "BroadcastExchange HashedRelationBroadcastMode" in final, after
    assert final.count("AQEShuffleRead local") == 1 and final.count("ShuffleQueryStage") == 1, after
    assert "Exchange hashpartitioning(k#" in final and final.count("Exchange hashpartitioning") == 1, after

    before, rows, after = res.result("inner_spark")
    assert rows == inner
    final = after.split("+- == Initial Plan ==\n")[0]
    assert "BroadcastHashJoin [k#" in final and ", Inner, BuildRight, false" in final, after
    assert "BroadcastQueryStage 2" in final and "BroadcastExchange HashedRelationBroadcastMode" in final, after
    assert final.count("AQEShuffleRead local") == 2 and final.count("ShuffleQueryStage") == 2, after

    before, rows, after = res.result("left_small")
    left = sorted([[k, k * 10, i, sha(i)] for k in range(400) for i in range(k, 30000, 500)], key=repr)
    assert rows == left
    assert "isFinalPlan=true" in after and "BroadcastHashJoin" not in after, after
    assert "SortMergeJoin" in after.split("+- == Initial Plan ==")[0], after

    before, rows, after = res.result("grouped")
    assert rows == sorted([[k, 60, 60 * k * 10, max(sha(i) for i in range(k, 30000, 500))] for k in range(400)], key=repr)
    final = after.split("+- == Initial Plan ==")[0]
    assert "BroadcastHashJoin" in final and "AQEShuffleRead local" in final, after
    # the streamed side keeps its partitions (coalesced, not local): one local read, the build side's
    assert final.count("AQEShuffleRead local") == 1, after

    before, rows, after = res.result("off")
    assert rows == inner
    assert "BroadcastHashJoin" not in after and "SortMergeJoin" in after.split("+- == Initial Plan ==")[0], after


def test_join_switch_local(tmp_path):
    script = jobs.write_job(tmp_path, "aqe_joins.py", JOB)
    check_job(jobs.submit_ok(script, master="local[2]", timeout=180))


def test_join_switch_cluster(tmp_path):
    with daemons.Cluster(tmp_path) as c:
        m = c.start_master()
        c.start_worker(m.url, cores=1, memory="1g")
        c.start_worker(m.url, cores=1, memory="1g")
        daemons.wait_until(lambda: m.json()["aliveworkers"] == 2, what="two workers alive")
        script = jobs.write_job(tmp_path, "aqe_joins.py", JOB)
        check_job(jobs.submit_ok(script, master=m.url, timeout=180))
