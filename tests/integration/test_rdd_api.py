"""RDD API gaps and fixes of issue #19, end to end on local[2] (one submit for the module):
fold/aggregate zero values, textFile's hidden-file filter, Generic RDD/ResultIterable, classes
of the driver's __main__ in data, RDD ids as PySpark's, repartitionAndSortWithinPartitions,
countApproxDistinct, the approximate actions, pickle files, compressed text output, PySpark's
serializer classes, local checkpoints, prefetching toLocalIterator, co-partitioned unions and
resource profiles."""
import bz2
import gzip
import os

import pytest

from jobs import submit_ok, write_job

JOB = r'''
import collections
import dataclasses
import operator
import os
import sys
import time
from typing import Iterable, Tuple

from pyspark import SparkConf, SparkContext
from pyspark.rdd import RDD, BoundedFloat
from pyspark.resultiterable import ResultIterable
from pyspark.serializers import (AutoBatchedSerializer, BatchedSerializer, CloudPickleSerializer,
                                 CPickleSerializer, MarshalSerializer, NoOpSerializer,
                                 PickleSerializer, UTF8Deserializer)

out = sys.argv[1]
Point = collections.namedtuple("Point", "x y")


@dataclasses.dataclass(frozen=True)
class Item:
    name: str
    n: int


sc = SparkContext(conf=SparkConf().setAppName("rdd-api"))

# -- ids: per context from 0; a pipeline takes one id when first needed (test_rdd.py test_id)
def ids():
    a = sc.parallelize(range(10))
    first = a.id()
    b = a.map(str).filter(bool)
    b_id = b.id()
    t = sc.textFile(os.path.join(out, "in"))  # HadoopRDD + MapPartitionsRDD: two ids
    return [first, b_id, b.id(), t.id(), sc.parallelize([1]).id()]

os.makedirs(os.path.join(out, "in"))
for name, text in (("a.txt", "a1\na2\n"), ("b.txt", "b1\n"), ("_SUCCESS", ""), ("_tmp", "no\n"),
                   (".hidden", "no\n"), ("._x.crc", "no\n")):
    with open(os.path.join(out, "in", name), "w") as f:
        f.write(text)
check("ids", ids)

# -- zero values: each partition (and the driver) starts from its own copy
check("fold", lambda: sc.parallelize([[1], [2], [3], [4]], 4).fold([], lambda a, b: a.extend(b) or a))
check("fold2", lambda: sc.parallelize([[1], [2], [3], [4]], 2).fold([], lambda a, b: a.extend(b) or a))
check("aggregate", lambda: sc.parallelize(range(8), 4).aggregate(
    [], lambda acc, x: acc.append(x) or acc, lambda a, b: a.extend(b) or a))
check("treeAggregate", lambda: sorted(sc.parallelize(range(40), 8).treeAggregate(
    set(), lambda acc, x: acc.add(x % 5) or acc, lambda a, b: a.update(b) or a, 2)))
check("foldByKey", lambda: sorted(sc.parallelize([(i % 3, [i]) for i in range(9)], 3).foldByKey(
    [], lambda a, b: a.extend(b) or a).mapValues(sorted).collect()))

# -- textFile's hidden files
check("glob", lambda: sorted(sc.textFile(os.path.join(out, "in", "*")).collect()))
check("dir", lambda: sorted(sc.textFile(os.path.join(out, "in")).collect()))
check("explicit_hidden", lambda: first_error(
    lambda: sc.textFile(os.path.join(out, "in", "_tmp")).collect()))
check("whole_glob", lambda: sorted(os.path.basename(k) for k, _ in
                                   sc.wholeTextFiles(os.path.join(out, "in", "*")).collect()))

# -- Generic classes (Spark's sort.py / pagerank.py annotations)
def annotated(rdd: RDD[Tuple[int, int]]) -> RDD[Tuple[int, int]]:
    return rdd

def contribs(urls: ResultIterable[str], rank: float) -> Iterable[Tuple[str, float]]:
    return [(u, rank / len(urls)) for u in urls]

check("generic", lambda: sorted(annotated(sc.parallelize([("a", "b"), ("a", "c")]))
                                 .groupByKey().flatMap(lambda kv: contribs(kv[1], 1.0)).collect()))

# -- classes of __main__ in data: results, shuffles, spills
def main_classes():
    pts = sc.parallelize([Point(i, -i) for i in range(6)], 3)
    got = pts.map(lambda p: Point(p.x + 1, p.y)).collect()
    grouped = (pts.map(lambda p: (p.x % 2, p)).groupByKey()
               .mapValues(lambda ps: sorted(q.x for q in ps)).collect())
    items = sc.parallelize([Item("a", 1), Item("b", 2), Item("a", 3)], 2)
    by_name = items.map(lambda it: (it.name, it)).reduceByKey(
        lambda a, b: Item(a.name, a.n + b.n)).collect()
    return [isinstance(got[0], Point), [tuple(p) for p in got], sorted(grouped),
            sorted((k, v.n, isinstance(v, Item)) for k, v in by_name)]
check("main_classes", main_classes)

# -- repartitionAndSortWithinPartitions (PySpark's docstring example)
check("rasp", lambda: sc.parallelize([(0, 5), (3, 8), (2, 6), (0, 8), (3, 8), (1, 3)])
      .repartitionAndSortWithinPartitions(2, lambda x: x % 2, True).glom().collect())
check("rasp_desc", lambda: sc.parallelize([(k, k) for k in range(20)], 3)
      .repartitionAndSortWithinPartitions(2, ascending=False).glom().collect())

# -- approximate actions
check("distinct", lambda: [sc.parallelize(range(1000)).map(str).countApproxDistinct(),
                           sc.parallelize([i % 20 for i in range(1000)]).countApproxDistinct(),
                           sc.parallelize(range(20000), 4).countApproxDistinct(0.01),
                           sc.emptyRDD().countApproxDistinct()])
check("distinct_sd", lambda: first_error(lambda: sc.parallelize([1]).countApproxDistinct(0.00001)))
def approx():
    rdd = sc.parallelize(range(1000), 10)
    s, m, c = rdd.sumApprox(1000), rdd.meanApprox(1000), rdd.countApprox(1000)
    return [type(s).__name__, s, s.confidence, s.low, s.high, isinstance(m, BoundedFloat), m,
            type(c).__name__, c]
check("approx", approx)

# -- pickle files
def pickles():
    p = os.path.join(out, "pickled")
    sc.parallelize([Point(1, 2), {"k": [1]}, None] + list(range(20)), 3).saveAsPickleFile(p, 3)
    back = sc.pickleFile(p, 3)
    return [sorted(os.listdir(p)), back.getNumPartitions(), [repr(x) for x in back.collect()]]
check("pickle", pickles)

# -- compressed text
def codecs():
    res = {}
    lines = ["line %d" % i for i in range(3000)] + ["", "ünï"]
    for cls in ("GzipCodec", "BZip2Codec", "ZStandardCodec", "Lz4Codec"):
        p = os.path.join(out, "text-" + cls)
        sc.parallelize(lines, 3).saveAsTextFile(p, "org.apache.hadoop.io.compress." + cls)
        res[cls] = [sorted(os.listdir(p)), sc.textFile(p).collect() == lines,
                    sc.textFile(os.path.join(p, "part-*")).count()]
    return res
check("codecs", codecs)
check("codec_unknown", lambda: first_error(lambda: sc.parallelize([1]).saveAsTextFile(
    os.path.join(out, "x"), "org.apache.hadoop.io.compress.SnappyCodec")))

# -- checkpoints
def checkpoints():
    sc.setCheckpointDir(os.path.join(out, "ckpt"))
    r = sc.range(5).map(lambda x: x * 2)
    before = [r.isLocallyCheckpointed(), r.isCheckpointed()]
    r.localCheckpoint()
    marked = [r.isLocallyCheckpointed(), r.isCheckpointed(), str(r.getStorageLevel())]
    total = r.sum()
    r2 = sc.range(3)
    r2.checkpoint()
    none_before = r2.getCheckpointFile()
    r2.count()
    return [before, marked, total, r.isCheckpointed(), r.getCheckpointFile(), r.collect(),
            none_before, r2.getCheckpointFile().startswith("file:" + sc.getCheckpointDir()[5:]),
            sc.getCheckpointDir().startswith("file:/"), r2.getCheckpointFile().endswith(
                "/rdd-%d" % r2.id()), r2.collect()]
check("checkpoints", checkpoints)

# -- toLocalIterator(prefetchPartitions=True) runs the next partition's job early
def prefetch():
    marker = os.path.join(out, "part1-ran")

    def touch(i, it):
        if i == 1:
            open(marker, "w").close()
        return it
    res = []
    for pre in (False, True):
        if os.path.exists(marker):
            os.remove(marker)
        it = sc.parallelize(range(6), 3).mapPartitionsWithIndex(touch).toLocalIterator(pre)
        first = next(it)
        deadline = time.monotonic() + (10 if pre else 0)
        while not os.path.exists(marker) and time.monotonic() < deadline:
            time.sleep(0.02)
        res.append([first, os.path.exists(marker), [first] + list(it)])
    return res
check("prefetch", prefetch)

# -- union of co-partitioned RDDs keeps the partitioner and the partition count
def unions():
    a = sc.parallelize([(i, i) for i in range(30)], 4).partitionBy(3)
    b = sc.parallelize([(i, -i) for i in range(10)], 2).partitionBy(3)
    u = a.union(b)
    m = a.mapValues(str).union(b.mapValues(str))
    per_part = u.glom().map(lambda kvs: sorted({k % 3 for k, _ in kvs})).collect()
    c = sc.parallelize([(1, 1)], 2)
    return [u.getNumPartitions(), u.partitioner == a.partitioner, per_part,
            sorted(u.collect()) == sorted([(i, i) for i in range(30)] + [(i, -i) for i in range(10)]),
            m.getNumPartitions(), sc.union([a, b]).getNumPartitions(),
            a.union(c).getNumPartitions(), a.union(c).partitioner is None,
            a.union(b).reduceByKey(operator.add).getNumPartitions()]
check("unions", unions)

# -- joins of co-partitioned RDDs do not shuffle them again; a job's stageIds include the stages
# it skips (PySpark's test_join, in its order: parted's map stage is computed by the first job)
def copartitioned_joins():
    parted = sc.parallelize([(i, i) for i in range(10)], 3).partitionBy(2)
    plain = sc.parallelize([(i, i) for i in range(10)], 3)
    tracker = sc.statusTracker()
    out = []
    for group, f in (("j1", lambda: parted.join(parted)), ("j2", lambda: parted.join(plain)),
                     ("j3", lambda: parted.cogroup(parted).mapValues(lambda vs: [list(v) for v in vs])),
                     ("j4", lambda: parted.cogroup(plain))):
        sc.setJobGroup(group, group)
        rows = sorted(f().collect())
        job = tracker.getJobIdsForGroup(group)[0]
        out.append([rows[:2], len(rows), len(tracker.getJobInfo(job).stageIds)])
    sc.setLocalProperty("spark.jobGroup.id", None)
    return out
check("joins", copartitioned_joins)

# -- StatCounter as PySpark's with numpy: numpy.float64 results, element-wise arrays
def numpy_stats():
    import numpy as np
    s = sc.parallelize([1, 2, 3, 4], 2).stats()
    arr = sc.parallelize([np.array([1.0, 5.0]), np.array([3.0, 1.0])], 2).stats()
    return [type(s.max()).__name__, type(sc.parallelize([1.0, 2.0]).stdev()).__name__,
            float(s.max()), s.count(), arr.max().tolist(), arr.min().tolist(),
            arr.mean().tolist()]
check("numpy_stats", numpy_stats)

# -- PySpark internals its own tests touch: _pickled_broadcast_vars, _temp_dir, _checkpointFile
def internals():
    b = sc.broadcast([1])
    CloudPickleSerializer().dumps(lambda: b.value)
    n = len(list(sc._pickled_broadcast_vars))
    sc._pickled_broadcast_vars.clear()
    t = sc._temp_dir
    before = os.listdir(t)
    sc.parallelize([0, 1, 2])
    r = sc.parallelize([1, 2, 3, 4]).flatMap(lambda x: [x])
    r.checkpoint()
    r.count()
    back = sc._checkpointFile(r.getCheckpointFile(), r._jrdd_deserializer).collect()
    return [n, len(list(sc._pickled_broadcast_vars)), os.path.isdir(t), before == os.listdir(t),
            back]
check("internals", internals)

# -- resource profiles are built; on local[N] Spark refuses them (test_stage_resources: used)
def resources():
    from pyspark.resource import (ExecutorResourceRequests, ResourceProfileBuilder,
                                  TaskResourceRequests)
    prof = ResourceProfileBuilder().require(ExecutorResourceRequests().cores(2).memory("1g")) \
        .require(TaskResourceRequests().cpus(1)).build
    r = sc.parallelize(range(4))
    refused = first_error(lambda: r.withResources(prof))
    return [r.getResourceProfile() is None, sorted(prof.executorResources),
            prof.executorResources["memory"].amount, list(prof.taskResources),
            refused.split(":")[0], r.sum()]
check("resources", resources)

# -- barrier stages
def barrier():
    from pyspark import BarrierTaskContext

    def f(it):
        ctx = BarrierTaskContext.get()
        ctx.barrier()
        msgs = ctx.allGather("p%d" % ctx.partitionId())
        return [[ctx.partitionId(), msgs, len(ctx.getTaskInfos()), sum(it)]]

    def sync_pairs(it):
        BarrierTaskContext.get().barrier()
        return [(x % 2, x) for x in it]

    def not_in_barrier():
        try:
            sc.parallelize([1]).map(lambda x: BarrierTaskContext.get()).collect()
        except Exception as e:  # noqa: BLE001
            return "[NOT_IN_BARRIER_STAGE] It is not in a barrier stage." in str(e)
    return [sc.parallelize(range(4), 2).barrier().mapPartitions(f).collect(),
            sc.parallelize([1, 2, 3, 4], 2).barrier().mapPartitionsWithIndex(lambda i, it: [i]).sum(),
            first_error(lambda: sc.parallelize(range(9), 3).barrier().mapPartitions(lambda it: it).collect()),
            first_error(lambda: sc.parallelize(range(9), 2).barrier().mapPartitions(lambda it: it).take(1)),
            not_in_barrier(),
            sorted(sc.parallelize(range(6), 2).barrier().mapPartitions(sync_pairs)
                   .reduceByKey(operator.add).collect())]
check("barrier", barrier)

# SPARK-32160: no SparkContext inside a task (unless spark.executor.allowSparkContext)
def context_in_task():
    try:
        sc.range(2).foreach(lambda _: SparkContext())
    except Exception as e:  # noqa: BLE001
        return "[CONTEXT_ONLY_VALID_ON_DRIVER]" in str(e)
    return "no error"
check("context_in_task", context_in_task)

# -- serializers: PySpark's classes; a context made with one (ids restart from 0)
def serializers():
    sc.stop()
    sc2 = SparkContext(conf=SparkConf().setAppName("rdd-api-2"), serializer=MarshalSerializer(),
                       batchSize=2)
    try:
        r = sc2.parallelize(range(10), 2)
        return [repr(sc2.serializer), r.id(), r.map(lambda x: x * x).sum(),
                repr(AutoBatchedSerializer(CPickleSerializer())), CPickleSerializer is CloudPickleSerializer,
                sc2.parallelize([Point(1, 2)]).collect()[0].y]
    finally:
        sc2.stop()
check("serializers", serializers)
emit()
'''


@pytest.fixture(scope="module")
def res(tmp_path_factory):
    d = tmp_path_factory.mktemp("rddapi")
    script = write_job(d, "rdd_api_job.py", JOB)
    return submit_ok(script, str(d), master="local[2]", timeout=240), d


def test_ids_follow_pyspark(res):
    # as PySpark: parallelize(range) is parallelize([]) 0 + a lazy map 1; the fused map+filter
    # pipeline 2 (once); textFile 3+4; parallelize of a list 5
    assert res[0].result("ids") == [1, 2, 2, 4, 5]


def test_fold_and_aggregate_zero_value_per_partition(res):
    r = res[0]
    assert r.result("fold") == [1, 2, 3, 4]
    assert r.result("fold2") == [1, 2, 3, 4]
    assert sorted(r.result("aggregate")) == list(range(8))
    assert r.result("treeAggregate") == [0, 1, 2, 3, 4]
    assert r.result("foldByKey") == [[0, [0, 3, 6]], [1, [1, 4, 7]], [2, [2, 5, 8]]]


def test_text_file_skips_hidden_files(res):
    r = res[0]
    assert r.result("glob") == ["a1", "a2", "b1"]
    assert r.result("dir") == ["a1", "a2", "b1"]
    assert "matches 0 files" in r.result("explicit_hidden")
    assert r.result("whole_glob") == ["a.txt", "b.txt"]


def test_generic_annotations_and_main_classes(res):
    r = res[0]
    assert r.result("generic") == [["b", 0.5], ["c", 0.5]]
    is_point, pts, grouped, items = r.result("main_classes")
    assert is_point is True
    assert pts == [[i + 1, -i] for i in range(6)]
    assert grouped == [[0, [0, 2, 4]], [1, [1, 3, 5]]]
    assert items == [["a", 4, True], ["b", 2, True]]


def test_repartition_and_sort_within_partitions(res):
    r = res[0]
    assert r.result("rasp") == [[[0, 5], [0, 8], [2, 6]], [[1, 3], [3, 8], [3, 8]]]
    parts = r.result("rasp_desc")
    assert len(parts) == 2 and sorted(k for p in parts for k, _ in p) == list(range(20))
    for p in parts:
        keys = [k for k, _ in p]
        assert keys == sorted(keys, reverse=True)


def test_approximate_actions(res):
    r = res[0]
    d1000, d20, d20000, d0 = r.result("distinct")
    assert 900 < d1000 < 1100 and 16 < d20 < 24 and abs(d20000 - 20000) < 20000 * 0.03 and d0 == 0
    assert r.result("distinct_sd") == "ValueError: relativeSD should be greater than 0.000017"
    assert r.result("approx") == ["BoundedFloat", 499500.0, 1.0, 499500.0, 499500.0, True, 499.5,
                                  "int", 1000]


def test_pickle_files(res):
    files, nparts, items = res[0].result("pickle")
    assert files == ["_SUCCESS", "part-00000", "part-00001", "part-00002"] and nparts == 3
    assert sorted(items) == sorted(["Point(x=1, y=2)", "{'k': [1]}", "None"]
                                   + [repr(i) for i in range(20)])


def test_compressed_text_output(res):
    r, d = res
    got = r.result("codecs")
    for cls, ext in (("GzipCodec", ".gz"), ("BZip2Codec", ".bz2"), ("ZStandardCodec", ".zst"),
                     ("Lz4Codec", ".lz4")):
        files, same, n = got[cls]
        assert files == ["_SUCCESS"] + ["part-%05d%s" % (i, ext) for i in range(3)], cls
        assert same is True and n == 3002, cls
    lines = []
    for i in range(3):  # standard formats: Python's own readers agree
        with gzip.open(os.path.join(d, "text-GzipCodec", "part-%05d.gz" % i), "rt") as f:
            lines += f.read().splitlines()
    assert lines == ["line %d" % i for i in range(3000)] + ["", "ünï"]
    with bz2.open(os.path.join(d, "text-BZip2Codec", "part-00000.bz2"), "rt") as f:
        assert f.readline() == "line 0\n"
    with open(os.path.join(d, "text-ZStandardCodec", "part-00000.zst"), "rb") as f:
        assert f.read(4) == b"\x28\xb5\x2f\xfd"  # a zstd frame
    assert "SnappyCodec is not supported" in r.result("codec_unknown")


def test_checkpoints(res):
    (before, marked, total, done, local_file, rows, none_before, under_dir, uri, named,
     rows2) = res[0].result("checkpoints")
    assert before == [False, False]
    assert marked == [True, False, "Disk Memory Serialized 1x Replicated"]
    assert total == 20 and done is True and local_file is None and rows == [0, 2, 4, 6, 8]
    assert none_before is None and under_dir and uri and named and rows2 == [0, 1, 2]


def test_to_local_iterator_prefetches(res):
    (f1, ran1, all1), (f2, ran2, all2) = res[0].result("prefetch")
    assert f1 == f2 == 0 and all1 == all2 == list(range(6))
    assert ran1 is False and ran2 is True


def test_union_of_copartitioned_rdds(res):
    (n, same_partitioner, per_part, rows_ok, n_mapped, n_sc, n_mixed, mixed_none,
     n_reduced) = res[0].result("unions")
    assert n == 3 and same_partitioner is True and rows_ok is True
    assert all(len(p) <= 1 for p in per_part)  # each partition holds one hash class of keys
    assert n_mapped == 3 and n_sc == 3 and n_mixed == 5 and mixed_none is True and n_reduced == 3


def test_barrier_stages(res):
    gathered, idx_sum, too_many, partial, not_barrier, shuffled = res[0].result("barrier")
    assert gathered == [[0, ["p0", "p1"], 2, 1], [1, ["p0", "p1"], 2, 5]]
    assert idx_sum == 1
    assert "[SPARK-24819]: Barrier execution mode does not allow run a barrier stage that " \
        "requires more slots" in too_many
    assert "[SPARK-24820][SPARK-24821]" in partial
    assert not_barrier is True
    assert shuffled == [[0, 6], [1, 9]]


def test_resources_and_serializers(res):
    r = res[0]
    assert r.result("resources") == [True, ["cores", "memory"], 1024, ["cpus"], "Py4JJavaError", 6]
    assert r.result("serializers") == ["BatchedSerializer(MarshalSerializer(), 2)", 1, 285,
                                       "AutoBatchedSerializer(CloudPickleSerializer())", True, 2]


def test_no_spark_context_in_tasks(res):
    assert res[0].result("context_in_task") is True


def test_copartitioned_joins_do_not_shuffle_again(res):
    j1, j2, j3, j4 = res[0].result("joins")
    assert j1 == [[[0, [0, 0]], [1, [1, 1]]], 10, 2]  # parted's map stage + the result stage
    assert j2[1:] == [10, 3]  # parted's (skipped) map stage, plain's, the result stage
    assert j3 == [[[0, [[0], [0]]], [1, [[1], [1]]]], 10, 2]
    assert j4[1:] == [10, 3]


def test_stat_counter_numpy(res):
    assert res[0].result("numpy_stats") == [
        "float64", "float64", 4.0, 4, [3.0, 5.0], [1.0, 1.0], [2.0, 3.0]]


def test_pyspark_internals(res):
    assert res[0].result("internals") == [1, 0, True, True, [1, 2, 3, 4]]
