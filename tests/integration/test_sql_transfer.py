"""Large DataFrame data between Python, the driver and the executors (issue 18): result batches
of many MiB travel executor -> driver -> Python as blob frames written from where they are and
read straight into their payloads; collect() builds Rows column by column; createDataFrame of a
large pandas frame uploads its rows once (Spark Connect's CachedLocalRelation) and every later
plan names them by hash; spark.driver.maxResultSize still fails a job whose results exceed it,
with Spark's message."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
import numpy as np
import pandas as pd
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("transfer").getOrCreate()
N = 300000
df = spark.range(0, N, 1, 3).selectExpr(
    "id", "id * 0.5D AS d", "CAST(id AS STRING) AS s", "IF(id % 3 = 0, NULL, id) AS n",
    "IF(id % 5 = 0, NULL, id % 2 = 0) AS b", "IF(id % 7 = 0, NULL, concat('x', id)) AS t")

def to_pandas():
    p = df.toPandas()
    return [len(p), int(p["id"].sum()), float(p["d"].sum()), p["s"].iloc[-1], p["s"].iloc[12345],
            int(p["n"].isna().sum()), float(p["n"].sum()), int(p["b"].isna().sum()),
            str(p["b"].iloc[2]), p["t"].iloc[7], p["t"].iloc[8], [str(t) for t in p.dtypes],
            bool((p["id"].to_numpy() == np.arange(N)).all())]
check("to_pandas", to_pandas)

def collect():
    rows = spark.range(0, N // 3, 1, 2).selectExpr(
        "id", "IF(id % 3 = 0, NULL, CAST(id AS STRING)) AS s", "IF(id % 4 = 0, NULL, id * 0.25D) AS v",
        "named_struct('a', id, 'b', 'q') AS st", "CAST(id + 86400 * 400 AS TIMESTAMP) AS ts").collect()
    r = rows[10]
    return [len(rows), sum(x.id for x in rows), sum(1 for x in rows if x.s is None),
            sum(x.v for x in rows if x.v is not None), r.asDict()["s"], r.v, list(r.st), r.st.a,
            r.ts.year, list(rows[-1].__fields__), rows[9].s, rows[12].v]
check("collect", collect)

M = 200000
ids = np.arange(M, dtype="int64")
pdf = pd.DataFrame({"id": ids, "v": ids * 0.5, "k": ids % 7,
                    "s": np.where(ids % 11 == 0, None, ids.astype(str)).astype(object)})
up = spark.createDataFrame(pdf)
check("upload_plan", lambda: sorted(up._plan.keys()))
check("upload_sum", lambda: up.agg(F.sum("id"), F.sum("v"), F.count("s")).collect()[0][:])
check("upload_again", lambda: up.filter("k = 3").count())
again = spark.createDataFrame(pdf)  # the same rows: the same hash, not uploaded twice
check("upload_union", lambda: up.union(again).groupBy("k").count().orderBy("k").collect()[2][1])
check("upload_rows", lambda: [list(r) for r in up.orderBy("id").limit(3).collect()])
check("upload_roundtrip", lambda: up.toPandas().equals(pdf))
small = spark.createDataFrame(pd.DataFrame({"a": [1, 2, 3]}))
check("small_plan", lambda: sorted(small._plan.keys()))
check("small_sum", lambda: small.agg(F.sum("a")).collect()[0][0])

check("too_big", lambda: first_error(
    lambda: spark.range(0, 1000000, 1, 2).selectExpr("id", "id * 2 AS a", "id * 3 AS b").collect()))
check("after_too_big", lambda: spark.range(5).count())
emit()
'''


def test_large_results_and_uploads(tmp_path):
    res = jobs.submit_ok(jobs.write_job(tmp_path, "transfer.py", JOB), master="local[2]", timeout=300,
                         conf={"spark.driver.maxResultSize": "16m"})
    n = 300000
    r = res.result("to_pandas")
    assert r[:5] == [n, n * (n - 1) // 2, 0.5 * n * (n - 1) / 2, str(n - 1), "12345"]
    assert r[5] == n // 3 and r[6] == float(sum(i for i in range(n) if i % 3))
    assert r[7] == n // 5 and r[8] == "True"
    assert r[9] is None and r[10] == "x8"
    assert r[11] == ["int64", "float64", "object", "float64", "object", "object"]
    assert r[12] is True
    m = n // 3
    assert res.result("collect") == [
        m, m * (m - 1) // 2, (m + 2) // 3, 0.25 * sum(i for i in range(m) if i % 4), "10", 2.5,
        [10, "q"], 10, 1971, ["id", "s", "v", "st", "ts"], None, None]
    k = 200000
    assert res.result("upload_plan") == ["cachedLocalRelation", "common"]
    assert res.result("upload_sum") == [k * (k - 1) // 2, 0.5 * k * (k - 1) / 2, k - (k + 10) // 11]
    assert res.result("upload_again") == len(range(3, k, 7))
    assert res.result("upload_union") == 2 * len(range(2, k, 7))
    assert res.result("upload_rows") == [[0, 0.0, 0, None], [1, 0.5, 1, "1"], [2, 1.0, 2, "2"]]
    assert res.result("upload_roundtrip") is True
    assert res.result("small_plan") == ["common", "localRelation"]
    assert res.result("small_sum") == 6
    err = res.result("too_big")
    assert "Total size of serialized results of" in err, err
    assert "is bigger than spark.driver.maxResultSize (16.0 MiB)" in err, err
    assert res.result("after_too_big") == 5


TUNABLES_JOB = r"""
import os
from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("tunables").getOrCreate()

def tunables(pid):
    with open("/proc/%d/environ" % pid, "rb") as fh:
        env = dict(e.split(b"=", 1) for e in fh.read().split(b"\0") if b"=" in e)
    v = env.get(b"GLIBC_TUNABLES")
    return None if v is None else v.decode()

def parent(pid):
    with open("/proc/%d/stat" % pid) as fh:
        return int(fh.read().rsplit(")", 1)[1].split()[1])

check("submit", lambda: tunables(os.getppid()))
check("driver_program", lambda: os.environ.get("GLIBC_TUNABLES"))
# A Python worker is forked by the executor's Python daemon, which the executor started.
check("executor_and_worker", lambda: spark.sparkContext.parallelize([0], 1).map(
    lambda _: [tunables(parent(os.getppid())), os.environ.get("GLIBC_TUNABLES")]).collect()[0])
emit()
"""


@pytest.mark.parametrize("switch", [None, "0"])
def test_data_plane_processes_run_on_huge_pages(tmp_path, switch):
    """submit re-executes itself with glibc's heap on transparent huge pages (a fresh 4 KiB page
    costs ~10 us on a VM; docs/architecture.md "Memory of the data-plane processes"), the
    executor inherits it; Python processes keep the environment they would have had;
    SPARKPP_MALLOC_HUGEPAGES=0 turns it off."""
    res = jobs.submit_ok(jobs.write_job(tmp_path, "tunables.py", TUNABLES_JOB), master="local[2]",
                         env={"GLIBC_TUNABLES": None, "SPARKPP_MALLOC_HUGEPAGES": switch})
    executor, worker = res.result("executor_and_worker")
    for seen in (res.result("submit"), executor):
        # /proc shows the value as glibc's loader left it: the first tunable, the rest cut off
        if switch == "0":
            assert seen is None
        else:
            assert seen and seen.startswith("glibc.malloc.hugetlb=1"), seen
    assert not res.result("driver_program") and not worker  # unset, or restored to unset ("")


CUT_JOB = r'''
import numpy as np
import pandas as pd
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("cut").getOrCreate()
M = 200000  # 4 batches of up to 65,536 rows: the 3 partitions' cuts fall inside the 2nd and 3rd
ids = np.arange(M, dtype="int64")
pdf = pd.DataFrame({"id": ids, "v": ids * 0.5,
                    "s": np.where(ids % 11 == 0, None, ids.astype(str)).astype(object)})
up = spark.createDataFrame(pdf)
check("plan", lambda: sorted(up._plan.keys()))
check("parts", lambda: [list(r) for r in up.groupBy(F.spark_partition_id().alias("p")).agg(
    F.min("id"), F.max("id"), F.count("*"), F.count("s"), F.sum("v")).orderBy("p").collect()])
check("order", lambda: bool((up.select("id").toPandas()["id"].to_numpy() == ids).all()))
check("strings", lambda: [r.s for r in up.filter("id IN (0, 65535, 65536, 66666, 66667, 199999)")
                          .orderBy("id").collect()])
check("coalesced", lambda: list(up.coalesce(1).agg(F.count("*"), F.sum("id"), F.count("s"))
                                .collect()[0]))
check("rdd", lambda: up.rdd.mapPartitions(lambda it: [sum(r.id for r in it)]).collect())
emit()
'''


def test_uploaded_rows_cut_into_partitions(tmp_path):
    """A large createDataFrame's partitions are slices of its upload (whole batches, not copied)
    plus the batches a cut goes through encoded again: each partition holds exactly the rows
    parallelize would give it, in order, with the coalesced and df.rdd paths alike."""
    res = jobs.submit_ok(jobs.write_job(tmp_path, "cut.py", CUT_JOB), master="local[2]", timeout=300,
                         conf={"spark.default.parallelism": "3"})
    m = 200000
    assert res.result("plan") == ["cachedLocalRelation", "common"]
    bounds = [0, m // 3, 2 * m // 3, m]  # parallelize's [i*n/p, (i+1)*n/p)
    want = []
    for p in range(3):
        lo, hi = bounds[p], bounds[p + 1]
        rng = range(lo, hi)
        want.append([p, lo, hi - 1, hi - lo, sum(1 for i in rng if i % 11), 0.5 * sum(rng)])
    assert res.result("parts") == want
    assert res.result("order") is True
    assert res.result("strings") == [None, "65535", "65536", "66666", "66667", "199999"]
    assert res.result("coalesced") == [m, m * (m - 1) // 2, m - (m + 10) // 11]
    assert res.result("rdd") == [sum(range(bounds[p], bounds[p + 1])) for p in range(3)]
