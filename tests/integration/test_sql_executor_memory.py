"""An executor keeps the heap its native tasks freed for the next task (a first touch of memory
costs a fault and a zeroed page: re-faulting it was a third of a TPC-H query's time) and hands
it back to the kernel once it has had nothing to run for a second."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
import time
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("sql-executor-memory").getOrCreate()
spark.conf.set("spark.sql.shuffle.partitions", "2")
sc = spark.sparkContext

def rss_mib():
    pids = executor_pids(sc.applicationId)
    total = 0
    for p in pids:
        with open("/proc/%d/status" % p) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024.0

# ~4 M rows of (long, double, string) sorted: each task buffers and sorts ~100 MB
df = spark.range(0, 4_000_000, numPartitions=2).select(
    ((F.col("id") * 7919) % 4_000_003).alias("k"), (F.col("id") / 3).alias("d"),
    F.concat(F.lit("row-"), F.col("id").cast("string")).alias("s"))
base = rss_mib()
n = df.orderBy("k").select(F.sum("d"), F.count("s")).collect()[0][1]
after = rss_mib()          # right after the job: the freed heap is kept for the next task
time.sleep(2.5)
idle = rss_mib()           # a second of idleness later: handed back
check("rss", lambda: [n, base, after, idle])
emit()
spark.stop()
'''


def test_executor_keeps_heap_between_tasks_and_trims_when_idle(tmp_path):
    res = jobs.submit_ok(jobs.write_job(tmp_path, "executor_memory.py", JOB), master="local[2]", timeout=180)
    n, base, after, idle = res.result("rss")
    assert n == 4_000_000
    assert after > base + 100, (base, after, idle)   # kept: the sort's batches were freed, not trimmed
    assert idle < after - 100, (base, after, idle)   # trimmed once idle
