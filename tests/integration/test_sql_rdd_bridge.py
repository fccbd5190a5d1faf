"""DataFrames and RDDs in both directions, natively (issue 13): a DataFrame over a Python RDD
(createDataFrame(rdd), rdd.toDF) runs every DataFrame operation in the engine — each SQL task
computes its RDD partition in-process (Scan ExistingRDD), the lineage's shuffles run first, its
broadcasts and accumulators work — and df.rdd is an RDD over the plan's result partitions whose
tasks run the query's result stage before Python makes Rows (toLocalIterator, foreach, toJSON)."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
from pyspark.sql import SparkSession, Row, functions as F
from pyspark.sql.types import StructType, StructField, LongType, StringType

spark = SparkSession.builder.appName("bridge").getOrCreate()
sc = spark.sparkContext

rdd = sc.parallelize([(i, "k%d" % (i % 3), i * 0.5) for i in range(30)], 3)
df = spark.createDataFrame(rdd, ["id", "k", "v"])
check("filter", lambda: sorted(r.id for r in df.filter("id > 25").collect()))
check("group", lambda: [tuple(r) for r in df.groupBy("k").agg(F.count("*"), F.sum("v")).orderBy("k").collect()])
check("partitions", lambda: df.rdd.getNumPartitions())
# A shuffled lineage (reduceByKey) under the DataFrame: its map stage runs first.
pairs = sc.parallelize(range(100), 4).map(lambda x: (x % 5, 1)).reduceByKey(lambda a, b: a + b)
check("shuffled_lineage", lambda: [tuple(r) for r in pairs.toDF(["key", "n"]).orderBy("key").collect()])
# Broadcasts and accumulators used by the scanned RDD's functions.
b = sc.broadcast({0: "zero", 1: "one"})
acc = sc.accumulator(0)
def tag(x):
    acc.add(1)
    return Row(x=x, name=b.value.get(x % 2))
tagged = spark.createDataFrame(sc.parallelize(range(10), 2).map(tag))
check("broadcast", lambda: [tuple(r) for r in tagged.groupBy("name").count().orderBy("name").collect()])
check("accumulator", lambda: acc.value)
# A join of an RDD-backed frame with a native one, and a union.
other = spark.range(5).withColumnRenamed("id", "x")
check("join", lambda: tagged.join(other, "x").count())
check("union", lambda: tagged.select("x").union(other).count())
# A schema given, nulls and the empty RDD.
schema = StructType([StructField("a", LongType()), StructField("s", StringType())])
nulls = spark.createDataFrame(sc.parallelize([(1, None), (None, "x"), (3, "y")], 2), schema)
check("nulls", lambda: [tuple(r) for r in nulls.orderBy(F.col("a").asc_nulls_first()).collect()])
empty = spark.createDataFrame(sc.parallelize([], 2), schema)
check("empty", lambda: [empty.count(), empty.groupBy("s").count().count()])
# A user error inside the scanned RDD fails the action with the Python traceback.
bad = spark.createDataFrame(sc.parallelize(range(4), 2).map(lambda x: (1 // (x - 2),)), ["q"])
def error_text():
    try:
        bad.filter("q > 0").collect()
    except Exception as e:  # noqa: BLE001 - the test reads the text
        return [type(e).__name__, str(e)]
    return None
check("error", error_text)

# df.rdd over native plans: partitions, rows, the RDD API on top.
native = spark.range(0, 20, 1, 4).selectExpr("id", "id % 3 AS m")
check("rdd_rows", lambda: native.rdd.map(lambda r: r.id * 2 + r.m).sum())
check("rdd_fields", lambda: native.rdd.first().asDict())
check("rdd_num", lambda: native.rdd.getNumPartitions())
agg = native.groupBy("m").count()
check("rdd_after_shuffle", lambda: sorted(tuple(r) for r in agg.rdd.collect()))
check("rdd_reduce_by_key", lambda: sorted(agg.rdd.map(lambda r: (r.m % 2, r["count"])).reduceByKey(
    lambda a, b: a + b).collect()))
check("local_iterator", lambda: [r.id for r in native.toLocalIterator()][:5])
check("to_json", lambda: native.limit(2).toJSON().collect())
# A DataFrame over df.rdd (round trip) and a UDF inside the plan df.rdd runs.
check("round_trip", lambda: spark.createDataFrame(native.rdd).filter("m = 1").count())
plus = F.udf(lambda x: x + 100, "long")
check("rdd_udf", lambda: sorted(native.select(plus("id").alias("p")).rdd.map(lambda r: r.p).collect())[:3])
# A globally sorted plan: its range bounds are sampled when the RDD is defined.
desc = native.orderBy(F.col("id").desc())
check("sorted_rdd", lambda: [desc.rdd.map(lambda r: r.id).collect(), desc.rdd.getNumPartitions()])
check("sorted_iterator", lambda: [r.id for r in native.orderBy("m", "id").toLocalIterator()])
emit()
'''


def test_dataframes_over_rdds_and_back(tmp_path):
    res = jobs.submit_ok(jobs.write_job(tmp_path, "bridge.py", JOB), master="local[2]", timeout=240)
    assert res.result("filter") == [26, 27, 28, 29]
    assert res.result("group") == [["k0", 10, 67.5], ["k1", 10, 72.5], ["k2", 10, 77.5]]
    assert res.result("partitions") == 3
    assert res.result("shuffled_lineage") == [[k, 20] for k in range(5)]
    assert res.result("broadcast") == [["one", 5], ["zero", 5]]
    assert res.result("accumulator") >= 10
    assert res.result("join") == 5
    assert res.result("union") == 15
    assert res.result("nulls") == [[None, "x"], [1, None], [3, "y"]]
    assert res.result("empty") == [0, 0]
    kind, text = res.result("error")
    assert kind == "PythonException" and "ZeroDivisionError" in text, text
    assert res.result("rdd_rows") == sum(i * 2 + i % 3 for i in range(20))
    assert res.result("rdd_fields") == {"id": 0, "m": 0}
    assert res.result("rdd_num") == 4
    assert res.result("rdd_after_shuffle") == [[0, 7], [1, 7], [2, 6]]
    assert res.result("rdd_reduce_by_key") == [[0, 13], [1, 7]]
    assert res.result("local_iterator") == [0, 1, 2, 3, 4]
    assert res.result("to_json") == ['{"id":0,"m":0}', '{"id":1,"m":1}']
    assert res.result("round_trip") == 7
    assert res.result("rdd_udf") == [100, 101, 102]
    assert res.result("sorted_rdd")[0] == list(range(19, -1, -1))
    assert res.result("sorted_iterator") == sorted(range(20), key=lambda i: (i % 3, i))
