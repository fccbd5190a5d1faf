"""End-to-end RDD semantics through the fake driver and a real worker."""
import os

import pytest

from sparkpp import SparkContext, StorageLevel
from sparkpp.errors import SparkJobError, BadRequestError, Py4JJavaError


def test_context_info(sc, gateway):
    assert sc.applicationId == "app-test-0000"
    assert sc.master == "local[4]" and sc.appName == "unit"
    assert sc.defaultParallelism == 4 and sc.defaultMinPartitions == 2
    assert sc.getConf().get("spark.app.name") == "unit"
    assert gateway.sent("PyCreateContext")[0]["conf"]["spark.master"] == "local[4]"
    assert SparkContext.getOrCreate() is sc
    with pytest.raises(ValueError, match="Cannot run multiple SparkContexts"):
        SparkContext(gateway=gateway)


def test_parallelize_collect_count(sc):
    rdd = sc.parallelize(range(10), 3)
    assert rdd.getNumPartitions() == 3
    assert rdd.collect() == list(range(10))
    assert rdd.glom().collect() == [[0, 1, 2], [3, 4, 5], [6, 7, 8, 9]]
    assert sc.parallelize([1, 2, 3, 4, 5], 2).glom().collect() == [[1, 2], [3, 4, 5]]
    assert rdd.count() == 10
    assert sc.parallelize([], 3).collect() == []
    assert sc.emptyRDD().collect() == [] and sc.emptyRDD().getNumPartitions() == 0


def test_parallelize_slices_by_batch_like_pyspark(sc):
    # 10000 elements, 2 slices: batches of 1024, 10 batches -> 5 + 5 batches
    sizes = sc.parallelize(list(range(10000)), 2).glom().map(len).collect()
    assert sizes == [5120, 4880]


def test_range(sc):
    assert sc.range(5).collect() == [0, 1, 2, 3, 4]
    assert sc.range(2, 20, 3, numSlices=3).glom().collect() == [[2, 5], [8, 11], [14, 17]]
    assert sc.range(10, 0, -2).collect() == [10, 8, 6, 4, 2]


def test_transformations(sc):
    rdd = sc.parallelize(range(1, 7), 2)
    assert rdd.map(lambda x: x * 2).collect() == [2, 4, 6, 8, 10, 12]
    assert rdd.flatMap(lambda x: [x] * (x % 3)).collect() == [1, 2, 2, 4, 5, 5]
    assert rdd.filter(lambda x: x % 2).collect() == [1, 3, 5]
    assert rdd.mapPartitions(lambda it: [sum(it)]).collect() == [6, 15]
    assert rdd.mapPartitionsWithIndex(lambda i, it: [(i, len(list(it)))]).collect() == \
        [(0, 3), (1, 3)]
    assert rdd.keyBy(lambda x: x % 2).take(2) == [(1, 1), (0, 2)]
    kv = sc.parallelize([("a", 1), ("b", 2)])
    assert kv.mapValues(lambda v: v * 10).collect() == [("a", 10), ("b", 20)]
    assert kv.flatMapValues(lambda v: range(v)).collect() == [("a", 0), ("b", 0), ("b", 1)]
    assert kv.keys().collect() == ["a", "b"] and kv.values().collect() == [1, 2]


def test_pipelining_makes_one_python_node(sc, gateway):
    rdd = sc.parallelize(range(10), 2).map(lambda x: x + 1).filter(lambda x: x % 2).map(str)
    assert rdd.collect() == ["1", "3", "5", "7", "9"]
    kinds = [b["kind"] for b in gateway.sent("PyDefineRdd")]
    assert kinds == ["parallelize", "python"]
    # a cached RDD breaks the chain
    base = sc.parallelize(range(4), 2).map(lambda x: x * 2).cache()
    assert base.is_cached and base.getStorageLevel() == StorageLevel.MEMORY_ONLY
    assert base.map(lambda x: x + 1).collect() == [1, 3, 5, 7]
    kinds = [b["kind"] for b in gateway.sent("PyDefineRdd")]
    assert kinds[-3:] == ["parallelize", "python", "python"]
    assert base.unpersist().is_cached is False


def test_framework_functions_pickle_by_name(sc):
    # count = mapPartitions -> sum -> fold: three fused python nodes whose plumbing is sparkpp's
    # own (module-level functions bound by partial), so the pickled function names them instead
    # of carrying three closures' code (W7: ~100 -> ~30 us a job, 1,976 -> ~300 bytes).
    import functools
    import operator
    import pickle
    from sparkpp import rdd_actions
    counted = sc.parallelize([1, 2, 3], 1).mapPartitions(rdd_actions._count_partition) \
        .mapPartitions(rdd_actions._sum_partition)
    assert len(counted._pickled()) < 400
    assert list(pickle.loads(counted._pickled())(0, iter([7, 8, 9]))) == [3]
    folded = counted.mapPartitions(functools.partial(rdd_actions._fold_partition, 0, operator.add))
    assert len(folded._pickled()) < 500
    assert list(pickle.loads(folded._pickled())(0, iter([1, 1]))) == [2]
    assert sc.parallelize(range(10), 3).count() == 10 and sc.parallelize([1.5, 2.5]).sum() == 4.0


def test_union_coalesce_zip(sc):
    a = sc.parallelize([1, 2, 3], 2)
    b = sc.parallelize([4, 5], 1)
    u = a.union(b)
    assert u.getNumPartitions() == 3 and u.collect() == [1, 2, 3, 4, 5]
    assert (a + b).collect() == [1, 2, 3, 4, 5]
    assert sc.union([a, b, a]).collect() == [1, 2, 3, 4, 5, 1, 2, 3]
    c = sc.parallelize(range(10), 5).coalesce(2)
    assert c.getNumPartitions() == 2 and c.glom().collect() == [[0, 1, 2, 3], [4, 5, 6, 7, 8, 9]]
    assert sc.parallelize(range(3), 2).coalesce(10).getNumPartitions() == 2
    x = sc.parallelize(range(5), 2)
    assert x.zip(x.map(lambda v: v * v)).collect() == [(0, 0), (1, 1), (2, 4), (3, 9), (4, 16)]
    with pytest.raises(ValueError, match="same number of partitions"):
        x.zip(sc.parallelize(range(5), 3))
    with pytest.raises(SparkJobError, match="same number of elements"):
        x.zip(x.filter(lambda v: v > 0)).collect()


def test_zip_with_index_and_unique_id(sc):
    rdd = sc.parallelize(["a", "b", "c", "d", "e"], 3)
    assert rdd.zipWithIndex().collect() == [("a", 0), ("b", 1), ("c", 2), ("d", 3), ("e", 4)]
    assert rdd.zipWithUniqueId().collect() == [("a", 0), ("b", 1), ("c", 4), ("d", 2), ("e", 5)]


def test_take_first_isempty(sc, gateway):
    rdd = sc.parallelize(range(100), 10)
    assert rdd.take(3) == [0, 1, 2]
    jobs = gateway.sent("PyRunJob")
    assert jobs[-1]["partitions"] == [0]
    assert rdd.filter(lambda x: x > 85).take(5) == [86, 87, 88, 89, 90]
    parts = [j["partitions"] for j in gateway.sent("PyRunJob")[len(jobs):]]
    assert parts == [[0], [1, 2, 3, 4], [5, 6, 7, 8, 9]]
    assert rdd.first() == 0
    assert rdd.take(0) == []
    assert sc.parallelize([], 2).isEmpty() and not rdd.isEmpty()
    with pytest.raises(ValueError, match="RDD is empty"):
        sc.parallelize([], 2).first()


def test_reductions(sc):
    rdd = sc.parallelize([5, 3, 9, 1, 7], 3)
    assert rdd.reduce(lambda a, b: a + b) == 25
    assert rdd.fold(0, lambda a, b: a + b) == 25
    assert rdd.aggregate((0, 0), lambda acc, v: (acc[0] + v, acc[1] + 1),
                         lambda a, b: (a[0] + b[0], a[1] + b[1])) == (25, 5)
    assert rdd.treeReduce(lambda a, b: a + b) == 25
    big = sc.parallelize(range(1000), 20)
    assert big.treeAggregate(0, lambda a, b: a + b, lambda a, b: a + b, depth=2) == 499500
    assert big.treeReduce(lambda a, b: a + b, depth=3) == 499500
    assert rdd.sum() == 25 and rdd.max() == 9 and rdd.min() == 1
    assert rdd.max(key=lambda x: -x) == 1
    assert rdd.top(2) == [9, 7] and rdd.takeOrdered(2) == [1, 3]
    assert rdd.takeOrdered(2, key=lambda x: -x) == [9, 7]
    with pytest.raises(ValueError, match="Can not reduce"):
        sc.parallelize([], 2).reduce(lambda a, b: a + b)
    with pytest.raises(ValueError, match="Cannot reduce empty RDD"):
        sc.parallelize([], 2).treeReduce(lambda a, b: a + b)
    assert sc.parallelize([], 2).sum() == 0 and sc.parallelize([], 2).count() == 0


def test_stats(sc):
    rdd = sc.parallelize([1.0, 2.0, 3.0, 4.0], 2)
    st = rdd.stats()
    assert st.count() == 4 and st.mean() == 2.5 and st.sum() == 10.0
    assert st.min() == 1.0 and st.max() == 4.0
    assert rdd.variance() == pytest.approx(1.25)
    assert rdd.sampleVariance() == pytest.approx(5 / 3)
    assert rdd.stdev() == pytest.approx(1.25 ** 0.5)
    assert rdd.sampleStdev() == pytest.approx((5 / 3) ** 0.5)
    assert rdd.mean() == 2.5


def test_histogram(sc):
    rdd = sc.parallelize(range(51))
    assert rdd.histogram(2) == ([0, 25, 50], [25, 26])
    assert rdd.histogram([0, 5, 25, 50]) == ([0, 5, 25, 50], [5, 20, 26])
    assert rdd.histogram([0, 15, 30, 45, 60]) == ([0, 15, 30, 45, 60], [15, 15, 15, 6])
    r2 = sc.parallelize(["ab", "ac", "b", "bd", "ef"])
    assert r2.histogram(("a", "b", "c")) == (("a", "b", "c"), [2, 2])
    assert sc.parallelize([1.0, 2.0, 2.5]).histogram(3) == ([1.0, 1.5, 2.0, 2.5], [1, 0, 2])
    assert sc.parallelize([3, 3, 3]).histogram(4) == ([3, 3], [3])
    with pytest.raises(ValueError):
        sc.parallelize([]).histogram(2)


def test_count_by_value_and_locals(sc):
    rdd = sc.parallelize([1, 2, 1, 2, 2], 2)
    assert sorted(rdd.countByValue().items()) == [(1, 2), (2, 3)]
    kv = sc.parallelize([("a", 1), ("b", 1), ("a", 1)])
    assert sorted(kv.countByKey().items()) == [("a", 2), ("b", 1)]
    assert kv.collectAsMap() == {"a": 1, "b": 1}
    assert kv.lookup("a") == [1, 1]
    assert sorted(kv.reduceByKeyLocally(lambda a, b: a + b).items()) == [("a", 2), ("b", 1)]


def test_sample_matches_pyspark(sc):
    rdd = sc.parallelize(range(100), 4)
    s1 = rdd.sample(False, 0.1, 81).collect()
    assert s1 == rdd.sample(False, 0.1, 81).collect()
    assert len(s1) < 30
    with_repl = rdd.sample(True, 2.0, 7).count()
    assert 120 < with_repl < 300
    a, b = rdd.randomSplit([0.5, 0.5], 17)
    assert sorted(a.collect() + b.collect()) == list(range(100))
    ts = rdd.takeSample(False, 5, 1)
    assert len(ts) == 5 and len(set(ts)) == 5
    assert sorted(rdd.takeSample(False, 200, 1)) == list(range(100))
    assert len(rdd.takeSample(True, 20, 1)) == 20


def test_foreach_and_accumulators(sc):
    acc = sc.accumulator(0)
    rdd = sc.parallelize(range(10), 3)
    rdd.foreach(lambda x: acc.add(x))
    assert acc.value == 45
    rdd.foreachPartition(lambda it: acc.add(sum(1 for _ in it)))
    assert acc.value == 55
    fa = sc.accumulator(0.5)

    def f(x):
        global_acc = fa
        global_acc += 1.0
        return x
    rdd.map(f).count()
    assert fa.value == 10.5
    # a failed task's additions are dropped
    with pytest.raises(SparkJobError):
        rdd.map(lambda x: (acc.add(100), 1 // (x - 5))).collect()
    with pytest.raises(TypeError):
        sc.accumulator("x")


def test_broadcast(sc):
    b = sc.broadcast({"a": 1, "b": 2})
    assert b.value["a"] == 1
    assert sc.parallelize(["a", "b", "a"]).map(lambda k: b.value[k]).collect() == [1, 2, 1]


def test_errors_carry_traceback_and_context_survives(sc):
    with pytest.raises(SparkJobError) as ei:
        sc.parallelize(range(4), 2).map(lambda x: 1 / (x - 2)).collect()
    msg = str(ei.value)
    assert "ZeroDivisionError" in msg and "Traceback" in msg
    assert isinstance(ei.value, Py4JJavaError)
    assert sc.parallelize(range(4), 2).map(lambda x: x + 1).collect() == [1, 2, 3, 4]
    with pytest.raises(SparkJobError, match="StopIteration"):
        sc.parallelize([1]).map(lambda x: next(iter([]))).collect()


def test_text_file_and_save(sc, tmp_path):
    p = tmp_path / "in.txt"
    p.write_text("hello world\nfoo bar\n\nlast\n")
    rdd = sc.textFile(str(p))
    assert rdd.getNumPartitions() == 2
    assert rdd.collect() == ["hello world", "foo bar", "", "last"]
    assert rdd.flatMap(lambda l: l.split()).count() == 5
    assert sc.textFile(str(p), use_unicode=False).first() == b"hello world"
    out = tmp_path / "out"
    sc.parallelize([1, "two", b"three", (4, 5)], 2).saveAsTextFile(str(out))
    text = "".join((out / f).read_text() for f in sorted(os.listdir(out)) if f.startswith("part"))
    assert text == "1\ntwo\nthree\n(4, 5)\n"
    assert (out / "_SUCCESS").exists()
    d = tmp_path / "dir"
    d.mkdir()
    (d / "a.txt").write_text("A")
    (d / "b.txt").write_text("B\nB")
    assert sorted(sc.wholeTextFiles(str(d)).collect()) == [
        (str(d / "a.txt"), "A"), (str(d / "b.txt"), "B\nB")]
    with pytest.raises(BadRequestError, match="Input path does not exist"):
        sc.textFile(str(tmp_path / "nope")).count()


def test_to_local_iterator_and_pipe(sc):
    rdd = sc.parallelize(range(7), 3)
    assert list(rdd.toLocalIterator()) == list(range(7))
    assert sc.parallelize(["b", "a"], 1).pipe("sort").collect() == ["a", "b"]
    with pytest.raises(SparkJobError, match="exited with error code"):
        sc.parallelize([1]).pipe("false", checkCode=True).collect()


def test_repr_and_debug_string(sc):
    rdd = sc.parallelize([1, 2], 2)
    assert repr(rdd).startswith("ParallelCollectionRDD[%d]" % rdd.id())
    m = rdd.map(lambda x: x).setName("mine")
    assert m.name() == "mine" and repr(m).startswith("mine PythonRDD[")
    dbg = m.toDebugString()
    assert isinstance(dbg, bytes) and dbg.startswith(b"(2) mine PythonRDD")
    assert b" |  ParallelCollectionRDD" in dbg
    assert rdd.partitioner is None and rdd.context is sc


def test_closure_referencing_context_fails(sc):
    import pickle
    rdd = sc.parallelize([1])
    with pytest.raises(pickle.PicklingError, match="SPARK-5063"):
        rdd.map(lambda x: sc.defaultParallelism).collect()
    with pytest.raises(pickle.PicklingError, match="SPARK-5063"):
        rdd.map(lambda x: rdd.count()).collect()
    assert rdd.collect() == [1]


def test_stop_and_calls(gateway):
    sc = SparkContext(master="local", appName="x", gateway=gateway)
    sc.setLogLevel("WARN")
    sc.stop()
    assert ("PySetLogLevel", {"level": "WARN"}) in gateway.calls
    assert gateway.calls[-1] == ("PyStopContext", {})
    assert SparkContext._active_spark_context is None
    with pytest.raises(RuntimeError, match="stopped SparkContext"):
        sc.parallelize([1])
    with SparkContext(gateway=gateway) as sc2:
        assert sc2.parallelize([1, 2]).count() == 2
    assert SparkContext._active_spark_context is None


_STOP = "Caught StopIteration thrown from user's code"


def _stop_at(n):
    def f(*args):
        if args[-1] == n:
            raise StopIteration
        return args[-1]
    return f


@pytest.mark.parametrize("where", [0, 2, 5])  # first, middle and last element of a partition
def test_stopiteration_in_user_functions_fails_the_task(sc, where):
    # Narrow steps guard with an end check rather than a wrapper per call (rdd._guarded):
    # a StopIteration on the very last element must still fail, never truncate silently.
    rdd = sc.parallelize(range(6), 1)
    stop = _stop_at(where)
    jobs = [
        lambda: rdd.map(stop).collect(),
        lambda: rdd.filter(stop).collect(),
        lambda: rdd.flatMap(lambda x: [stop(x)]).collect(),
        lambda: rdd.map(lambda x: x).map(stop).map(lambda x: x).collect(),  # fused steps
        lambda: rdd.filter(stop).count(),
        lambda: rdd.map(lambda x: (x, x)).mapValues(stop).collect(),
        lambda: rdd.reduce(lambda a, b: stop(b)),
        lambda: rdd.fold(0, lambda a, b: stop(b)),
        lambda: rdd.aggregate(0, lambda a, b: stop(b), lambda a, b: a + b),
        lambda: rdd.foreach(stop),
        lambda: rdd.map(lambda x: (x % 2, x)).reduceByKeyLocally(lambda a, b: stop(b)),
    ]
    for i, job in enumerate(jobs):
        if where == 0 and i in (6, 10):
            continue  # reduce-like ops never call the function on the first element
        with pytest.raises(SparkJobError, match=_STOP):
            job()
    # a user iterator ending normally is not an error
    assert rdd.flatMap(lambda x: iter(range(x % 3))).collect() == [0, 0, 1, 0, 0, 1]
    assert rdd.map(lambda x: x + 1).filter(lambda x: x % 2).collect() == [1, 3, 5]
