"""df.coalesce(n) (issue #13): n tasks without a shuffle, each reading a contiguous group of the
stage's partitions (CoalescedRDD's groups without locality), whatever the leaves are — ranges,
createDataFrame rows, files, cached DataFrames, Python RDDs, shuffle reads. coalesce(1) before
a write gives one part file (the common idiom), after orderBy one sorted file. One job,
local[4]."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
import os
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("coalesce").getOrCreate()
sc = spark.sparkContext
spark.conf.set("spark.sql.shuffle.partitions", "5")
out = os.environ["OUT"]

def parts(df):
    return [df.rdd.getNumPartitions(), [len(p) for p in df.rdd.glom().collect()]]

def part_files(path):
    return sorted(f for f in os.listdir(path) if f.startswith("part-"))

def written(path):
    lines = []
    for f in part_files(path):
        with open(os.path.join(path, f)) as fh:
            lines += [int(x) for x in fh.read().split()]
    return lines

r = spark.range(0, 100, 1, 4)
check("range_parts", lambda: parts(r))
check("range_c1", lambda: parts(r.coalesce(1)))
check("range_c3", lambda: parts(r.coalesce(3)))
check("range_c10", lambda: parts(r.coalesce(10)))
check("range_c2_rows", lambda: sorted(x.id for x in r.coalesce(2).collect()))
r.coalesce(1).write.csv(out + "/one")
check("write_one", lambda: [len(part_files(out + "/one")), sorted(written(out + "/one"))])
r.orderBy(F.desc("id")).coalesce(1).write.csv(out + "/sorted")
check("write_sorted", lambda: [len(part_files(out + "/sorted")), written(out + "/sorted")])
local = spark.createDataFrame([(i,) for i in range(40)], "v int").repartition(4)
check("shuffle_c2", lambda: [parts(local.coalesce(2))[0], sorted(x.v for x in local.coalesce(2).collect())])
rows = spark.createDataFrame([(i,) for i in range(10)], "v int")
check("local_c1", lambda: [parts(rows.coalesce(1)), [x.v for x in rows.coalesce(1).collect()]])
files = spark.read.csv(out + "/one").union(spark.read.csv(out + "/sorted"))
check("files_c1", lambda: [files.coalesce(1).rdd.getNumPartitions(), files.coalesce(1).count()])
cached = r.select((F.col("id") * 2).alias("d")).cache()
cached.count()
check("cached_c1", lambda: [parts(cached.coalesce(1)), sorted(x.d for x in cached.coalesce(1).collect())[-3:]])
rdd_df = sc.parallelize([(i, str(i)) for i in range(30)], 3).toDF(["n", "s"])
check("rdd_c1", lambda: [parts(rdd_df.coalesce(1)), sorted(x.n for x in rdd_df.coalesce(1).collect())[:3]])
check("agg_after_c1", lambda: sorted(tuple(x) for x in r.coalesce(1).groupBy((F.col("id") % 3).alias("k")).count().collect()))
check("explain", lambda: "Coalesce 1" in spark._client.explain(r.coalesce(1)._plan, "simple"))
emit()
'''


def test_coalesce(tmp_path):
    out = tmp_path / "out"
    r = jobs.submit_ok(jobs.write_job(tmp_path, "coalesce.py", JOB), master="local[4]", timeout=180,
                       env={"OUT": str(out)}).result
    assert r("range_parts") == [4, [25, 25, 25, 25]]
    assert r("range_c1") == [1, [100]]
    assert r("range_c3")[0] == 3 and sum(r("range_c3")[1]) == 100
    assert r("range_c10") == [4, [25, 25, 25, 25]]  # coalesce never adds partitions
    assert r("range_c2_rows") == list(range(100))
    assert r("write_one") == [1, list(range(100))]
    assert r("write_sorted") == [1, list(range(99, -1, -1))]
    assert r("shuffle_c2") == [2, list(range(40))]
    assert r("local_c1") == [[1, [10]], list(range(10))]
    assert r("files_c1") == [1, 200]
    assert r("cached_c1") == [[1, [100]], [194, 196, 198]]
    assert r("rdd_c1") == [[1, [30]], [0, 1, 2]]
    assert r("agg_after_c1") == [[0, 34], [1, 33], [2, 33]]
    assert r("explain") is True
