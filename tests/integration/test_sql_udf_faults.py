"""Python UDF workers that die, and UDFs returning huge values (issue 16), follow the task-failure
rules of RDD jobs: a worker killed mid-batch fails its task attempt with a clear error (local
mode: the job fails, as Spark's local master tries a task once); on a cluster the attempt is
retried on a fresh worker and the job's answer is exact; values of tens of MB pass through."""
import os

import pytest

import daemons
import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
import os
import pandas as pd
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("udf faults").getOrCreate()
df = spark.range(0, 20000, 1, 2)

def die_once(v):
    # The first attempt to reach row 12345 kills its worker mid-batch (no exception: the process
    # just ends); later attempts find the marker and go on.
    if v == 12345 and not os.path.exists(MARKER):
        open(MARKER, "w").close()
        os._exit(7)
    return v * 2
check("die_once", lambda: df.select(F.udf(die_once, "long")("id").alias("v")).agg(F.sum("v")).collect()[0][0])

@F.pandas_udf("long")
def die_once_pandas(s: pd.Series) -> pd.Series:
    if (s == 777).any() and not os.path.exists(MARKER + ".pandas"):
        open(MARKER + ".pandas", "w").close()
        os._exit(9)
    return s + 1
check("die_once_pandas", lambda: df.select(die_once_pandas("id").alias("v")).agg(F.sum("v")).collect()[0][0])
# mapInPandas and iterator pandas UDFs pass their batches through memory shared with the
# executor: a worker dying mid-task leaves that region behind (never offered again), and the
# next task's batches are exact.
def die_once_frames(it):
    for pdf in it:
        if (pdf["id"] == 4321).any() and not os.path.exists(MARKER + ".map"):
            open(MARKER + ".map", "w").close()
            os._exit(11)
        yield pd.DataFrame({"v": pdf["id"] + 1})
check("die_once_map", lambda: df.mapInPandas(die_once_frames, "v long").agg(F.sum("v")).collect()[0][0])
from typing import Iterator
@F.pandas_udf("long")
def die_once_iter(it: Iterator[pd.Series]) -> Iterator[pd.Series]:
    for s in it:
        if (s == 15000).any() and not os.path.exists(MARKER + ".iter"):
            open(MARKER + ".iter", "w").close()
            os._exit(13)
        yield s + 1
check("die_once_iter", lambda: df.select(die_once_iter("id").alias("v")).agg(F.sum("v")).collect()[0][0])
check("after_map", lambda: df.mapInPandas(lambda it: (pd.DataFrame({"v": p["id"] + 1}) for p in it), "v long")
      .agg(F.sum("v")).collect()[0][0])
check("always_dies", lambda: first_error(lambda: df.select(F.udf(lambda v: os._exit(3), "long")("id")).collect()))
big = F.udf(lambda v: "x" * (20 * 1024 * 1024) + str(v), "string")
check("huge_values", lambda: [list(r) for r in spark.range(0, 4, 1, 2).select(
    "id", F.length(big("id"))).orderBy("id").collect()])
check("after", lambda: df.select(F.udf(lambda v: v + 1, "long")("id").alias("v")).agg(F.sum("v")).collect()[0][0])
emit()
'''


def _submit(tmp_path, master, conf=None):
    body = "MARKER = %r\n" % str(tmp_path / "died") + JOB
    return jobs.submit(jobs.write_job(tmp_path, "faults.py", body), master=master, timeout=300,
                       conf=conf, env={"SPARKPP_PYTHON": "/usr/bin/python3"})


def test_udf_worker_deaths_local_fail_the_job_with_a_clear_error(tmp_path):
    res = _submit(tmp_path, "local[2]")
    r = res.result
    assert "error" in res.results["die_once"], res.results["die_once"]
    text = res.results["die_once"]["error"]
    assert "Python worker exited unexpectedly" in text, text
    assert "always_dies" in res.results and "Python worker exited unexpectedly" in r("always_dies")
    assert r("huge_values") == [[i, 20 * 1024 * 1024 + 1] for i in range(4)]
    assert r("after") == sum(range(20000)) + 20000  # the executor is fine afterwards
    for name in ("die_once_map", "die_once_iter"):
        assert "Python worker exited unexpectedly" in res.results[name].get("error", ""), res.results[name]
    assert r("after_map") == sum(range(20000)) + 20000


def test_udf_worker_deaths_on_a_cluster_are_retried(tmp_path):
    with daemons.Cluster(tmp_path) as c:
        m = c.start_master()
        c.start_worker(m.url, cores=1, memory="1g")
        c.start_worker(m.url, cores=1, memory="1g")
        daemons.wait_until(lambda: m.json()["aliveworkers"] == 2, what="two workers alive")
        res = _submit(tmp_path, m.url)
        r = res.result
        assert r("die_once") == 2 * sum(range(20000))
        assert r("die_once_pandas") == sum(range(20000)) + 20000
        assert r("die_once_map") == sum(range(20000)) + 20000
        assert r("die_once_iter") == sum(range(20000)) + 20000
        assert r("after_map") == sum(range(20000)) + 20000
        assert "Python worker exited unexpectedly" in r("always_dies")
        assert r("huge_values") == [[i, 20 * 1024 * 1024 + 1] for i in range(4)]
        assert r("after") == sum(range(20000)) + 20000
