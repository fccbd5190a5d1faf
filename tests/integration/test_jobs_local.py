"""End-to-end PySpark jobs on `sparkpp submit --master local[N]` (issue #3): real driver,
executor and Python worker processes, unmodified PySpark programs.

A few job scripts each exercise many features and record every result (or the traceback) under
a name (see jobs.py); the tests compare each with a value computed here in plain Python. Each
job runs once per module (fixtures), so the whole file costs a dozen or so submits.

Not covered here (needs shuffle, another issue): reduceByKey, groupByKey, aggregateByKey,
combineByKey, join/cogroup, sortBy/sortByKey, distinct, repartition, coalesce(shuffle=True),
partitionBy, subtract, intersection, cartesian (see test_shuffle_placeholder below).
"""
import collections
import gzip
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import time

import pytest

import jobs
from jobs import submit, submit_ok, write_job


def jsonable(v):
    """What a value looks like after the job's JSON round trip (tuples become lists)."""
    return json.loads(json.dumps(v))


# ============================================================================ core job

CORE_JOB = r'''
import operator
import os
import sys
from pyspark import SparkContext, SparkConf

out_dir = sys.argv[1]
conf = SparkConf().setAppName("sparkpp-core-job")
sc = SparkContext.getOrCreate(conf)
check("getOrCreate_same", lambda: SparkContext.getOrCreate() is sc)
check("defaultParallelism", lambda: sc.defaultParallelism)
check("appName", lambda: sc.appName)
check("applicationId", lambda: sc.applicationId)
check("setLogLevel", lambda: sc.setLogLevel("WARN"))

data = list(range(1, 101))
rdd = sc.parallelize(data, 4)
pairs = sc.parallelize([("a", 1), ("b", 2), ("a", 3), ("c", 4)], 2)
words = sc.parallelize(["spark", "is", "a", "cluster", "engine"], 3)

# ---- creation
check("parallelize", lambda: rdd.collect())
check("parallelize_nparts", lambda: rdd.getNumPartitions())
check("parallelize_more_slices", lambda: (sc.parallelize([1, 2, 3], 7).getNumPartitions(),
                                          sc.parallelize([1, 2, 3], 7).collect()))
check("glom_more_slices", lambda: sc.parallelize(range(5), 7).glom().collect())
check("parallelize_empty", lambda: (sc.parallelize([], 3).collect(),
                                    sc.parallelize([], 3).count(),
                                    sc.parallelize([], 3).getNumPartitions()))
check("glom_empty", lambda: sc.parallelize([], 3).glom().collect())
check("parallelize_strings", lambda: sc.parallelize(["x", "yy", "", "\u00e9\u4e2d"], 2).collect())
check("parallelize_mixed", lambda: sc.parallelize([None, 1.5, (1, "a"), [2, 3], {"k": 1}], 2).collect())
check("range1", lambda: sc.range(5).collect())
check("range3", lambda: (sc.range(2, 20, 3, numSlices=4).collect(),
                         sc.range(2, 20, 3, numSlices=4).getNumPartitions()))
check("range_neg_step", lambda: sc.range(10, 0, -2).collect())
check("emptyRDD", lambda: (sc.emptyRDD().collect(), sc.emptyRDD().count(),
                           sc.emptyRDD().isEmpty(), sc.emptyRDD().getNumPartitions()))
check("sc_union", lambda: (sc.union([rdd, sc.parallelize([7, 8], 2)]).collect(),
                           sc.union([rdd, sc.parallelize([7, 8], 2)]).getNumPartitions()))

# ---- narrow transformations
check("map", lambda: rdd.map(lambda x: x * x).collect())
check("flatMap", lambda: sc.parallelize(range(5), 2).flatMap(lambda x: [x, -x]).collect())
check("flatMap_empty_iters", lambda: rdd.flatMap(lambda x: [] if x % 10 else [x]).collect())
check("filter", lambda: rdd.filter(lambda x: x % 2 == 0).collect())
check("mapPartitions", lambda: rdd.mapPartitions(lambda it: [sum(it)]).collect())
check("mapPartitions_gen", lambda: rdd.mapPartitions(lambda it: (x + 1 for x in it if x > 95)).collect())
check("mapPartitionsWithIndex", lambda: rdd.mapPartitionsWithIndex(
    lambda i, it: [(i, len(list(it)))]).collect())
check("glom", lambda: sc.parallelize(range(10), 3).glom().collect())
check("keyBy", lambda: words.keyBy(len).collect())
check("mapValues", lambda: pairs.mapValues(lambda v: v * 10).collect())
check("flatMapValues", lambda: pairs.flatMapValues(lambda v: range(v)).collect())
check("keys", lambda: pairs.keys().collect())
check("values", lambda: pairs.values().collect())
check("zip", lambda: sc.parallelize(range(10), 2).zip(sc.parallelize(range(10, 20), 2)).collect())
check("zipWithIndex", lambda: sc.parallelize(list("abcde"), 3).zipWithIndex().collect())
check("zipWithUniqueId", lambda: sc.parallelize(list("abcde"), 3).zipWithUniqueId().collect())
big = sc.parallelize(range(10000), 4)
check("sample_same_seed", lambda: (big.sample(False, 0.1, seed=42).collect(),
                                   big.sample(False, 0.1, seed=42).collect()))
check("sample_count", lambda: big.sample(False, 0.1, seed=7).count())
check("sample_replacement", lambda: (big.sample(True, 0.5, seed=3).collect(),
                                     big.sample(True, 0.5, seed=3).collect()))
check("union", lambda: (rdd.union(sc.parallelize([0, -1], 3)).collect(),
                        rdd.union(sc.parallelize([0, -1], 3)).getNumPartitions()))
check("coalesce", lambda: (rdd.coalesce(2).getNumPartitions(), rdd.coalesce(2).collect(),
                           rdd.coalesce(2).glom().map(len).collect()))
check("coalesce_more", lambda: rdd.coalesce(10).getNumPartitions())
check("pipe_cat", lambda: sc.parallelize(["hello", "world", "x y"], 2).pipe("cat").collect())
check("pipe_tr", lambda: sc.parallelize(["hello", "world"], 2).pipe("tr a-z A-Z").collect())
check("chain", lambda: rdd.map(lambda x: (x % 3, x)).filter(lambda kv: kv[0] == 1)
      .mapValues(str).values().take(4))
check("cache", lambda: (rdd.map(lambda x: x + 1).cache().sum(), rdd.persist().count(),
                        rdd.unpersist().count()))

# ---- actions
check("count", lambda: rdd.count())
check("first", lambda: rdd.first())
check("take", lambda: (rdd.take(5), rdd.take(0), rdd.take(1000), rdd.filter(lambda x: x > 97).take(5)))
check("takeOrdered", lambda: (rdd.takeOrdered(5), rdd.takeOrdered(5, key=lambda x: -x)))
check("top", lambda: (rdd.top(3), words.top(2, key=len)))
check("reduce", lambda: rdd.reduce(operator.add))
check("fold", lambda: (rdd.fold(0, operator.add), rdd.fold(1, operator.add)))
check("aggregate", lambda: rdd.aggregate((0, 0), lambda acc, x: (acc[0] + x, acc[1] + 1),
                                         lambda a, b: (a[0] + b[0], a[1] + b[1])))
check("sum", lambda: rdd.sum())
check("mean", lambda: rdd.mean())
check("max", lambda: (rdd.max(), rdd.max(key=lambda x: -x)))
check("min", lambda: (rdd.min(), rdd.min(key=lambda x: -x)))
def _stats():
    s = rdd.stats()
    return [s.count(), s.mean(), s.stdev(), s.max(), s.min(), s.variance(),
            s.sampleStdev(), s.sampleVariance(), s.sum()]
check("stats", _stats)
check("variance", lambda: rdd.variance())
check("stdev", lambda: rdd.stdev())
check("sampleStdev", lambda: rdd.sampleStdev())
check("histogram_int", lambda: rdd.histogram(4))
check("histogram_list", lambda: rdd.histogram([0, 10, 50, 101]))
check("isEmpty", lambda: (rdd.isEmpty(), sc.parallelize([], 2).isEmpty(),
                          rdd.filter(lambda x: x > 1000).isEmpty()))
check("countByValue", lambda: sorted(sc.parallelize(list("abracadabra"), 3).countByValue().items()))
check("countByKey", lambda: sorted(pairs.countByKey().items()))
check("collectAsMap", lambda: sorted(pairs.collectAsMap().items()))
def _foreach():
    acc = sc.accumulator(0)
    rdd.foreach(lambda x: acc.add(x))
    return acc.value
check("foreach_accumulator", _foreach)
def _foreach_partition():
    acc = sc.accumulator(0)
    def f(it):
        acc.add(1000 + sum(1 for _ in it))
    rdd.foreachPartition(f)
    return acc.value
check("foreachPartition_accumulator", _foreach_partition)
check("broadcast", lambda: rdd.map(lambda x, b=sc.broadcast({1: "one"}): b.value.get(x, "")).take(2))
check("toLocalIterator", lambda: list(rdd.toLocalIterator()))
check("toLocalIterator_empty", lambda: list(sc.parallelize([], 3).toLocalIterator()))
def _save():
    rdd.map(lambda x: "line %d" % x).saveAsTextFile(os.path.join(out_dir, "four"))
    sc.parallelize(range(3), 5).saveAsTextFile(os.path.join(out_dir, "five"))
    return True
check("saveAsTextFile", _save)
def _save_existing():
    try:
        sc.parallelize([1], 1).saveAsTextFile(os.path.join(out_dir, "four"))
    except Exception as e:
        return "raised " + type(e).__name__ + ": " + str(e)[:300]
    return "did not raise"
check("saveAsTextFile_existing", _save_existing)
check("read_back", lambda: sorted(sc.textFile(os.path.join(out_dir, "four")).collect()))
check("takeSample", lambda: (rdd.takeSample(False, 5, seed=11), rdd.takeSample(False, 5, seed=11),
                             len(rdd.takeSample(False, 500, seed=1)), len(rdd.takeSample(True, 150, seed=1))))
check("randomSplit", lambda: [sorted(r.collect()) for r in rdd.randomSplit([0.5, 0.5], seed=5)])
check("lookup", lambda: sorted(pairs.lookup("a")))
def _driver_errors():
    out = []
    for f in (lambda: sc.parallelize([], 2).reduce(operator.add),
              lambda: sc.parallelize([], 2).first(),
              lambda: sc.emptyRDD().max()):
        try:
            f()
            out.append("did not raise")
        except ValueError as e:
            out.append("ValueError")
        except Exception as e:
            out.append(type(e).__name__ + ": " + str(e))
    return out
check("empty_rdd_errors", _driver_errors)
check("lines_in_2000_partitions", lambda: sc.parallelize(range(2000), 2000).count())
check("stop", lambda: sc.stop())
emit()
'''

DATA = list(range(1, 101))


def _hist(data, buckets):
    counts = [0] * (len(buckets) - 1)
    for x in data:
        for i in range(len(buckets) - 1):
            last = i == len(buckets) - 2
            if buckets[i] <= x < buckets[i + 1] or (last and x == buckets[-1]):
                counts[i] += 1
                break
    return counts


def _slices(data, n):
    return [data[i * len(data) // n:(i + 1) * len(data) // n] for i in range(n)]


CORE_EXPECTED = {
    "getOrCreate_same": True,
    "defaultParallelism": 2,
    "appName": "sparkpp-core-job",
    "setLogLevel": None,
    "parallelize": DATA,
    "parallelize_nparts": 4,
    "parallelize_more_slices": [7, [1, 2, 3]],
    "glom_more_slices": _slices(list(range(5)), 7),
    "parallelize_empty": [[], 0, 3],
    "glom_empty": [[], [], []],
    "parallelize_strings": ["x", "yy", "", "\u00e9\u4e2d"],
    "parallelize_mixed": jsonable([None, 1.5, (1, "a"), [2, 3], {"k": 1}]),
    "range1": [0, 1, 2, 3, 4],
    "range3": [list(range(2, 20, 3)), 4],
    "range_neg_step": list(range(10, 0, -2)),
    "emptyRDD": [[], 0, True, 0],
    "sc_union": [DATA + [7, 8], 6],
    "map": [x * x for x in DATA],
    "flatMap": [y for x in range(5) for y in (x, -x)],
    "flatMap_empty_iters": [x for x in DATA if x % 10 == 0],
    "filter": [x for x in DATA if x % 2 == 0],
    "mapPartitions": [sum(p) for p in _slices(DATA, 4)],
    "mapPartitions_gen": [x + 1 for x in DATA if x > 95],
    "mapPartitionsWithIndex": [[i, len(p)] for i, p in enumerate(_slices(DATA, 4))],
    "glom": _slices(list(range(10)), 3),
    "keyBy": jsonable([(len(w), w) for w in ["spark", "is", "a", "cluster", "engine"]]),
    "mapValues": [["a", 10], ["b", 20], ["a", 30], ["c", 40]],
    "flatMapValues": jsonable([(k, i) for k, v in [("a", 1), ("b", 2), ("a", 3), ("c", 4)]
                               for i in range(v)]),
    "keys": ["a", "b", "a", "c"],
    "values": [1, 2, 3, 4],
    "zip": jsonable(list(zip(range(10), range(10, 20)))),
    "zipWithIndex": jsonable([(c, i) for i, c in enumerate("abcde")]),
    # PySpark: the k-th item of partition i (of n) gets k * n + i; partitions [a] [b c] [d e]
    "zipWithUniqueId": [["a", 0], ["b", 1], ["c", 4], ["d", 2], ["e", 5]],
    "union": [DATA + [0, -1], 7],
    "coalesce": [2, DATA, [50, 50]],
    "coalesce_more": 4,
    "pipe_cat": ["hello", "world", "x y"],
    "pipe_tr": ["HELLO", "WORLD"],
    "chain": ["1", "4", "7", "10"],
    "cache": [sum(DATA) + 100, 100, 100],
    "count": 100,
    "first": 1,
    "take": [DATA[:5], [], DATA, [98, 99, 100]],
    "takeOrdered": [[1, 2, 3, 4, 5], [100, 99, 98, 97, 96]],
    "top": [[100, 99, 98], ["cluster", "engine"]],
    "reduce": 5050,
    # fold applies the zero value once per partition and once more when merging
    "fold": [5050, 5050 + 4 + 1],
    "aggregate": [5050, 100],
    "sum": 5050,
    "mean": 50.5,
    "max": [100, 1],
    "min": [1, 100],
    "stats": [100, 50.5, statistics.pstdev(DATA), 100, 1, statistics.pvariance(DATA),
              statistics.stdev(DATA), statistics.variance(DATA), 5050],
    "variance": statistics.pvariance(DATA),
    "stdev": statistics.pstdev(DATA),
    "sampleStdev": statistics.stdev(DATA),
    "histogram_int": [[1, 25.75, 50.5, 75.25, 100], _hist(DATA, [1, 25.75, 50.5, 75.25, 100])],
    "histogram_list": [[0, 10, 50, 101], _hist(DATA, [0, 10, 50, 101])],
    "isEmpty": [False, True, True],
    "countByValue": jsonable(sorted(collections.Counter("abracadabra").items())),
    "countByKey": [["a", 2], ["b", 1], ["c", 1]],
    "collectAsMap": [["a", 3], ["b", 2], ["c", 4]],
    "foreach_accumulator": 5050,
    "foreachPartition_accumulator": 4 * 1000 + 100,
    "broadcast": ["one", ""],
    "toLocalIterator": DATA,
    "toLocalIterator_empty": [],
    "saveAsTextFile": True,
    "read_back": sorted("line %d" % x for x in DATA),
    "lookup": [1, 3],
    "empty_rdd_errors": ["ValueError", "ValueError", "ValueError"],
    "lines_in_2000_partitions": 2000,
    "stop": None,
}


@pytest.fixture(scope="module")
def core_job(tmp_path_factory):
    d = tmp_path_factory.mktemp("core")
    out = d / "out"
    out.mkdir()
    script = write_job(d, "core_job.py", CORE_JOB)
    res = submit_ok(script, out, master="local[2]")
    res.out_dir = out
    return res


def same(got, want):
    """Equality, except floats compare approximately (recursively through lists/dicts)."""
    if isinstance(want, float) or isinstance(got, float):
        return (isinstance(got, (int, float)) and not isinstance(got, bool)
                and got == pytest.approx(want, rel=1e-9, abs=1e-9))
    if isinstance(want, list) and isinstance(got, list):
        return len(got) == len(want) and all(same(g, w) for g, w in zip(got, want))
    if isinstance(want, dict) and isinstance(got, dict):
        return got.keys() == want.keys() and all(same(got[k], want[k]) for k in want)
    return type(got) is type(want) and got == want


@pytest.mark.parametrize("name", sorted(CORE_EXPECTED))
def test_core(core_job, name):
    got = core_job.result(name)
    want = jsonable(CORE_EXPECTED[name])
    assert same(got, want), f"{name}: got {got!r}, want {want!r}"


def test_core_histogram_approx(core_job):
    # float bucket boundaries: compare approximately
    b, c = core_job.result("histogram_int")
    assert b == pytest.approx([1, 25.75, 50.5, 75.25, 100])
    assert c == [25, 25, 25, 25]


def test_application_id_looks_like_spark(core_job):
    app_id = core_job.result("applicationId")
    assert isinstance(app_id, str) and app_id.startswith("local-"), app_id
    assert app_id[len("local-"):].isdigit(), app_id


def test_sample_deterministic_and_roughly_right(core_job):
    a, b = core_job.result("sample_same_seed")
    assert a == b, "same seed must give the same sample"
    assert a == sorted(set(a)) and set(a) <= set(range(10000)), "sample without replacement"
    n = core_job.result("sample_count")
    assert 700 <= n <= 1300, f"fraction 0.1 of 10000 gave {n}"
    a, b = core_job.result("sample_replacement")
    assert a == b
    assert 3500 <= len(a) <= 6500, len(a)
    assert len(set(a)) < len(a), "sampling with replacement should repeat some elements"


def test_take_sample_and_random_split(core_job):
    a, b, n_all, n_repl = core_job.result("takeSample")
    assert a == b and len(a) == 5 and len(set(a)) == 5 and set(a) <= set(DATA), (a, b)
    assert n_all == 100 and n_repl == 150
    parts = core_job.result("randomSplit")
    assert len(parts) == 2 and sorted(parts[0] + parts[1]) == DATA, parts
    assert 20 <= len(parts[0]) <= 80, parts


def test_save_as_text_file_layout(core_job):
    assert core_job.result("saveAsTextFile") is True
    for name, nparts, lines in [("four", 4, ["line %d" % x for x in DATA]),
                                ("five", 5, ["0", "1", "2"])]:
        d = core_job.out_dir / name
        files = sorted(os.listdir(d))
        visible = [f for f in files if not f.startswith(".")]
        assert visible == ["_SUCCESS"] + ["part-%05d" % i for i in range(nparts)], files
        got = []
        for i in range(nparts):
            got += (d / ("part-%05d" % i)).read_text().splitlines()
        assert got == lines
        # every non-empty part ends with a newline (Hadoop TextOutputFormat)
        for i in range(nparts):
            t = (d / ("part-%05d" % i)).read_text()
            assert t == "" or t.endswith("\n"), (i, t)


def test_save_as_text_file_existing_dir_raises(core_job):
    r = core_job.result("saveAsTextFile_existing")
    assert r.startswith("raised"), r
    assert "exist" in r.lower(), r


def test_shuffle_placeholder():
    pytest.skip("needs shuffle (another issue): reduceByKey, groupByKey, join, sortByKey, "
                "distinct, repartition, coalesce(shuffle=True)")


# ============================================================================ text input

TEXT_JOB = r'''
import os
import sys
from pyspark import SparkContext
from pyspark.sql import SparkSession, Row

d = sys.argv[1]
p = lambda *a: os.path.join(d, *a)
sc = SparkContext(appName="sparkpp-text-job")

check("file_crlf_no_final_newline", lambda: sc.textFile(p("crlf.txt")).collect())
check("file_uri", lambda: sc.textFile("file://" + p("crlf.txt")).collect())
check("empty_file", lambda: (sc.textFile(p("dir", "empty.txt")).collect(),
                             sc.textFile(p("dir", "empty.txt")).count()))
check("directory", lambda: sorted(sc.textFile(p("dir")).collect()))
check("directory_minPartitions", lambda: (sorted(sc.textFile(p("dir"), 5).collect()),
                                          sc.textFile(p("dir"), 5).getNumPartitions()))
check("glob", lambda: sorted(sc.textFile(p("dir", "part*.txt")).collect()))
check("comma_list", lambda: sorted(sc.textFile(p("dir", "part1.txt") + "," + p("crlf.txt")).collect()))
check("blank_lines", lambda: sc.textFile(p("blank.txt")).collect())
check("big_minPartitions7", lambda: (sc.textFile(p("big.txt"), 7).collect(),
                                     sc.textFile(p("big.txt"), 7).getNumPartitions()))
check("big_partition_sizes", lambda: sc.textFile(p("big.txt"), 7).glom().map(len).collect())
check("big_count", lambda: sc.textFile(p("big.txt"), 11).count())
check("gzip", lambda: sc.textFile(p("gz", "lines.txt.gz")).collect())
check("wholeTextFiles", lambda: sorted(sc.wholeTextFiles(p("dir")).collect()))

def _raises(fn):
    try:
        fn()
    except Exception as e:
        return "raised " + type(e).__name__ + ": " + str(e)[:300]
    return "did not raise"
check("textFile_missing_raises", lambda: _raises(lambda: sc.textFile(p("nope.txt")).collect()))

spark = SparkSession.builder.appName("sparkpp-text-job").getOrCreate()
check("session_shares_context", lambda: spark.sparkContext is sc)
def _read_text():
    rows = spark.read.text(p("crlf.txt")).rdd.collect()
    return [[type(r).__name__, isinstance(r, Row), r.value, r["value"], r.asDict(), r == Row(value=r.value)]
            for r in rows]
check("read_text_rows", _read_text)
check("read_text_dir", lambda: sorted(r.value for r in spark.read.text(p("dir")).rdd.collect()))
check("read_text_map", lambda: spark.read.text(p("crlf.txt")).rdd.map(lambda r: r.value.upper()).collect())
check("spark_stop", lambda: spark.stop())
emit()
'''


def _big_lines():
    lines = []
    for i in range(30000):
        n = (i * 7919) % 97
        if i % 500 == 0:
            lines.append("")  # blank lines survive splitting too
        lines.append("%06d:" % i + ("\u00e9" if i % 3 else "x") * n + "|")
    return lines


@pytest.fixture(scope="module")
def text_job(tmp_path_factory):
    d = tmp_path_factory.mktemp("text")
    (d / "crlf.txt").write_bytes(b"line one\r\nline two\nline three")
    (d / "dir").mkdir()
    (d / "dir" / "part1.txt").write_text("x\ny\n")
    (d / "dir" / "part2.txt").write_text("z\n")
    (d / "dir" / "empty.txt").write_text("")
    (d / "dir" / "other.log").write_text("w\n")
    (d / "blank.txt").write_text("\n\na\n\n")
    (d / "gz").mkdir()
    (d / "gz" / "lines.txt.gz").write_bytes(gzip.compress(b"g1\ng2\n\xc3\xa9\n"))
    big = _big_lines()
    (d / "big.txt").write_text("\n".join(big) + "\n", encoding="utf-8")
    script = write_job(d, "text_job.py", TEXT_JOB)
    res = submit_ok(script, d, master="local[3]")
    res.big = big
    res.dir = d
    return res


TEXT_EXPECTED = {
    "file_crlf_no_final_newline": ["line one", "line two", "line three"],
    "file_uri": ["line one", "line two", "line three"],
    "empty_file": [[], 0],
    "directory": ["w", "x", "y", "z"],
    "glob": ["x", "y", "z"],
    "comma_list": ["line one", "line three", "line two", "x", "y"],
    "blank_lines": ["", "", "a", ""],
    "gzip": ["g1", "g2", "\u00e9"],
    "session_shares_context": True,
    "read_text_dir": ["w", "x", "y", "z"],
    "read_text_map": ["LINE ONE", "LINE TWO", "LINE THREE"],
    "spark_stop": None,
}


XFAIL_TEXT = {}  # fixed: .gz input is decompressed (one split per file)


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(reason=XFAIL_TEXT[n], strict=True))
    if n in XFAIL_TEXT else n for n in sorted(TEXT_EXPECTED)])
def test_text(text_job, name):
    got = text_job.result(name)
    want = jsonable(TEXT_EXPECTED[name])
    assert same(got, want), f"{name}: got {got!r}, want {want!r}"


def test_text_directory_min_partitions(text_job):
    lines, n = text_job.result("directory_minPartitions")
    assert lines == ["w", "x", "y", "z"]
    assert n >= 5, n


def test_text_big_file_split_boundaries(text_job):
    """Lines straddling split boundaries (multi-byte characters, blank lines): every line
    exactly once, in file order."""
    assert (text_job.dir / "big.txt").stat().st_size > 7 * 100_000
    lines, n = text_job.result("big_minPartitions7")
    assert n >= 7, n
    assert len(lines) == len(text_job.big)
    assert lines == text_job.big
    sizes = text_job.result("big_partition_sizes")
    assert len(sizes) == n and sum(sizes) == len(text_job.big)
    assert all(s > 0 for s in sizes), sizes
    assert text_job.result("big_count") == len(text_job.big)


def test_whole_text_files(text_job):
    got = text_job.result("wholeTextFiles")
    by_name = {os.path.basename(k): v for k, v in got}
    assert by_name == {"part1.txt": "x\ny\n", "part2.txt": "z\n", "empty.txt": "",
                       "other.log": "w\n"}, got
    for k, _ in got:
        # Spark gives URIs: file:/abs/path
        assert k.startswith("file:"), k
        assert k.endswith(os.path.join(str(text_job.dir), "dir", os.path.basename(k))), k


def test_text_file_missing_path_raises(text_job):
    r = text_job.result("textFile_missing_raises")
    assert r.startswith("raised"), r
    assert "nope.txt" in r, r


def test_read_text_rows(text_job):
    rows = text_job.result("read_text_rows")
    assert [r[2] for r in rows] == ["line one", "line two", "line three"]
    for name, is_row, value, item, as_dict, eq in rows:
        assert name == "Row" and is_row is True and eq is True
        assert value == item and as_dict == {"value": value}


# ============================================================================ lifecycle

LIFECYCLE_JOB = r'''
from pyspark import SparkContext, SparkConf
from pyspark.sql import SparkSession

def _raises(fn):
    try:
        fn()
    except Exception as e:
        return "raised " + type(e).__name__
    return "did not raise"


sc = SparkContext.getOrCreate()
check("defaultParallelism", lambda: sc.defaultParallelism)
check("master", lambda: sc.master)
check("appName_from_cli", lambda: sc.appName)
check("conf_from_cli", lambda: sc.getConf().get("spark.sparkpp.test.key"))
check("second_context_raises", lambda: _raises(lambda: SparkContext(appName="again")))
check("first_job", lambda: sc.parallelize(range(10), 3).sum())
check("stop", lambda: sc.stop())
check("stop_twice", lambda: sc.stop())

def _new_context():
    sc2 = SparkContext(conf=SparkConf().setAppName("second-ctx"))
    try:
        return [sc2 is not sc, sc2.appName, sc2.parallelize(range(5), 2).count()]
    finally:
        sc2.stop()
check("new_context_after_stop", _new_context)

def _with():
    with SparkContext(appName="with-ctx") as sc3:
        n = sc3.parallelize([1, 2, 3], 3).map(lambda x: x * 2).sum()
    # the with-block stopped it: getOrCreate makes a fresh one
    sc4 = SparkContext.getOrCreate()
    try:
        return [n, sc4 is not sc3, sc4.parallelize([1], 1).count()]
    finally:
        sc4.stop()
check("context_manager", _with)

def _session():
    spark = SparkSession.builder.master("local[2]").appName("session-app").getOrCreate()
    try:
        same = SparkSession.builder.getOrCreate() is spark
        return [same, spark.sparkContext.appName,
                spark.sparkContext.parallelize(range(4), 2).map(lambda x: x + 1).collect()]
    finally:
        spark.stop()
check("session_builder", _session)

emit()
'''


@pytest.fixture(scope="module")
def lifecycle_job(tmp_path_factory):
    d = tmp_path_factory.mktemp("lifecycle")
    script = write_job(d, "lifecycle_job.py", LIFECYCLE_JOB)
    return submit_ok(script, master="local[3]", options=["--name", "cli-app-name"],
                     conf={"spark.sparkpp.test.key": "v1"})


LIFECYCLE_EXPECTED = {
    "defaultParallelism": 3,
    "master": "local[3]",
    "appName_from_cli": "cli-app-name",
    "conf_from_cli": "v1",
    "second_context_raises": "raised ValueError",
    "first_job": 45,
    "stop": None,
    "stop_twice": None,
    "new_context_after_stop": [True, "second-ctx", 5],
    "context_manager": [12, True, 1],
    "session_builder": [True, "session-app", [1, 2, 3, 4]],
}


@pytest.mark.parametrize("name", sorted(LIFECYCLE_EXPECTED))
def test_lifecycle(lifecycle_job, name):
    got = lifecycle_job.result(name)
    want = jsonable(LIFECYCLE_EXPECTED[name])
    assert same(got, want), f"{name}: got {got!r}, want {want!r}"


# ============================================================================ failures

ERRORS_JOB = r'''
from pyspark import SparkContext
from py4j.protocol import Py4JJavaError

sc = SparkContext(appName="sparkpp-errors-job")

def boom(x):
    if x == 5:
        return 1 // (x - 5)
    return x

def _fail():
    try:
        sc.parallelize(range(10), 2).map(boom).collect()
    except Exception as e:
        return [type(e).__name__, isinstance(e, Py4JJavaError), str(e)]
    return "did not raise"
check("zero_division", _fail)
check("usable_after_failure", lambda: sc.parallelize(range(10), 2).map(lambda x: x * 2).sum())
def _raises(fn):
    try:
        fn()
    except Exception as e:
        return str(e)
    return "did not raise"
# both elements in one partition: the reduce function fails on the worker
check("fail_in_action_reduce", lambda: _raises(
    lambda: sc.parallelize(["a", 1], 1).reduce(lambda a, b: a + b)))
check("usable_again", lambda: sc.parallelize(range(100), 4).count())
check("fail_again_same_ctx", lambda: _fail()[1:])
sc.stop()
emit()
'''


@pytest.fixture(scope="module")
def errors_job(tmp_path_factory):
    d = tmp_path_factory.mktemp("errors")
    script = write_job(d, "errors_job.py", ERRORS_JOB)
    res = submit_ok(script, master="local[2]")
    res.script = script
    return res


def test_user_exception_reaches_driver(errors_job):
    r = errors_job.result("zero_division")
    assert isinstance(r, list), r
    name, is_py4j, text = r
    assert is_py4j, f"PySpark programs catch Py4JJavaError; got {name}"
    assert "ZeroDivisionError" in text, text
    assert "integer division or modulo by zero" in text, text
    assert "Traceback (most recent call last)" in text, text
    assert "in boom" in text, "the worker traceback names the user function:\n" + text
    assert "1 // (x - 5)" in text, "the worker traceback shows the failing line:\n" + text


def test_context_usable_after_task_failure(errors_job):
    assert errors_job.result("usable_after_failure") == 90
    assert errors_job.result("usable_again") == 100
    is_py4j, text = errors_job.result("fail_again_same_ctx")
    assert is_py4j and "ZeroDivisionError" in text, text


def test_error_in_reduce_function(errors_job):
    t = errors_job.result("fail_in_action_reduce")
    assert "TypeError" in t, t


WORKER_DIES_JOB = r'''
import os
from pyspark import SparkContext

sc = SparkContext(appName="sparkpp-dies-job")

def die(x):
    if x == 3:
        os._exit(1)
    return x

def _die():
    try:
        sc.parallelize(range(8), 2).map(die).collect()
    except Exception as e:
        return [type(e).__name__, str(e)]
    return "did not raise"
check("worker_dies", _die)
check("usable_after_worker_death", lambda: sc.parallelize(range(8), 2).map(lambda x: x + 1).sum())
def _rounds():
    # The failed job's other task is killed after the ContextCleaner dropped its function: that
    # task must not return the worker it SIGKILLed to the pool (the next job's task got a dead
    # worker: "write failed: Broken pipe", in most of these rounds before the fix).
    import gc
    out = []
    for _ in range(6):
        _die()
        gc.collect()
        out.append(sc.parallelize(range(8), 2).map(lambda x: x + 1).sum())
    return out
check("rounds_after_worker_death", _rounds)
sc.stop()
emit()
'''


def test_python_worker_dies(tmp_path):
    script = write_job(tmp_path, "dies_job.py", WORKER_DIES_JOB)
    res = submit_ok(script, master="local[2]", timeout=60)
    r = res.result("worker_dies")
    assert isinstance(r, list), r
    text = r[1].lower()
    assert ("exit" in text or "crash" in text or "died" in text), r[1]
    assert res.result("usable_after_worker_death") == 36
    assert res.result("rounds_after_worker_death") == [36] * 6


RETRY_JOB = r'''
import os
import sys
from pyspark import SparkContext

marker = sys.argv[1]
sc = SparkContext(appName="sparkpp-retry-job")

def flaky(x):
    if x == 2:
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return x * 10
        os.close(fd)
        raise RuntimeError("failing the first attempt on purpose")
    return x * 10

acc = sc.accumulator(0)
def counted(x):
    acc.add(1)
    return flaky(x)

def _run():
    try:
        return sc.parallelize(range(6), 3).map(counted).collect()
    except Exception as e:
        return "raised: " + str(e)[:2000]
check("flaky", _run)
# updates from the failed attempt are dropped: each element counted once
check("accumulator", lambda: acc.value)
sc.stop()
emit()
'''


@pytest.mark.parametrize("how", ["conf", "local[N,F]"])
def test_task_retry_succeeds(tmp_path, how):
    marker = tmp_path / "failed-once"
    script = write_job(tmp_path, "retry_job.py", RETRY_JOB)
    if how == "conf":
        res = submit_ok(script, marker, master="local[2]", conf={"spark.task.maxFailures": "3"})
    else:
        res = submit_ok(script, marker, master="local[2,3]")
    assert marker.exists(), "the first attempt never ran"
    assert res.result("flaky") == [0, 10, 20, 30, 40, 50]
    assert res.result("accumulator") == 6


def test_task_failure_without_retries_fails_job(tmp_path):
    marker = tmp_path / "failed-once"
    script = write_job(tmp_path, "retry_job.py", RETRY_JOB)
    res = submit_ok(script, marker, master="local[2]")
    r = res.result("flaky")
    assert isinstance(r, str) and r.startswith("raised"), r
    assert "failing the first attempt on purpose" in r, r


# ============================================================================ examples

EXAMPLES_JOB = r'''
import random
import sys
from operator import add
from pyspark.sql import SparkSession

text_dir = sys.argv[1]
spark = SparkSession.builder.appName("PythonPi").getOrCreate()
sc = spark.sparkContext

def _pi():
    partitions = 10
    n = 20000 * partitions
    def f(_):
        x = random.random() * 2 - 1
        y = random.random() * 2 - 1
        return 1 if x ** 2 + y ** 2 <= 1 else 0
    count = sc.parallelize(range(1, n + 1), partitions).map(f).reduce(add)
    return 4.0 * count / n
check("pi", _pi)

check("wordcount", lambda: sorted(sc.textFile(text_dir).flatMap(lambda line: line.split())
                                  .countByValue().items()))
check("tiny_partitions", lambda: sc.parallelize(range(2000), 2000).count())
check("tiny_partitions_sum", lambda: sc.parallelize(range(3000), 1500).map(lambda x: x * 2).sum())
spark.stop()
emit()
'''

WORDS_FILES = {
    "a.txt": "the quick brown fox\njumps over the lazy dog\n",
    "b.txt": "the dog barks\n\n  spaced   out\twords \n",
    "c.md": "fox fox fox",
}


@pytest.fixture(scope="module")
def examples_job(tmp_path_factory):
    d = tmp_path_factory.mktemp("examples")
    t = d / "texts"
    t.mkdir()
    for k, v in WORDS_FILES.items():
        (t / k).write_text(v)
    script = write_job(d, "examples_job.py", EXAMPLES_JOB)
    return submit_ok(script, t, master="local[4]")


def test_example_pi(examples_job):
    assert abs(examples_job.result("pi") - math.pi) < 0.1


def test_example_wordcount(examples_job):
    want = collections.Counter(w for v in WORDS_FILES.values() for w in v.split())
    assert examples_job.result("wordcount") == jsonable(sorted(want.items()))


def test_many_tiny_partitions(examples_job):
    assert examples_job.result("tiny_partitions") == 2000
    assert examples_job.result("tiny_partitions_sum") == 2 * sum(range(3000))


# ============================================================================ robustness

BIG_JOB = r'''
import os
from pyspark import SparkContext, TaskContext

sc = SparkContext(appName="sparkpp-big-job")
check("sum_1e6", lambda: sc.parallelize(range(10 ** 6), 8).sum())
check("flatMap_many", lambda: sc.parallelize(range(10), 5).flatMap(lambda x: range(100000)).count())
check("collect_big_strings", lambda: [len(s) for s in
      sc.parallelize(range(5), 5).map(lambda i: chr(97 + i) * (2 * 1024 * 1024)).collect()])
big = "z" * (5 * 1024 * 1024)
check("big_closure", lambda: sc.parallelize(range(4), 4).map(lambda x: len(big) + x).collect())
check("big_element", lambda: sc.parallelize(["y" * (3 * 1024 * 1024), "w"], 2).map(len).collect())
check("big_broadcast", lambda: sc.parallelize(range(3), 3).map(
    lambda x, b=sc.broadcast(list(range(300000))): b.value[-1] + x).collect())
check("task_context", lambda: sc.parallelize(range(6), 3).mapPartitions(
    lambda it: [(TaskContext.get().partitionId(), TaskContext.get().attemptNumber(), len(list(it)))]).collect())
check("unicode_pipe", lambda: sc.parallelize(["h\u00e9llo", "w\u00f6rld \u4e2d"], 2).pipe("cat").collect())
check("unicode_error", lambda: _err(lambda: sc.parallelize([1], 1).map(_raise_unicode).collect()))
check("module_in_closure", lambda: sc.parallelize(["a1b22", "c333"], 2).map(
    lambda s: __import__("re").findall(r"\d+", s)).collect())
check("nested_functions", lambda: sc.parallelize(range(5), 2).map(_outer(3)).collect())

def _raise_unicode(x):
    raise ValueError("caf\u00e9 \u4e2d\u6587 failure")

def _outer(k):
    def add(x):
        return helper(x) + k
    return add

def helper(x):
    return x * 100

def _err(fn):
    try:
        fn()
    except Exception as e:
        return str(e)
    return "did not raise"
check("unicode_error", lambda: _err(lambda: sc.parallelize([1], 1).map(_raise_unicode).collect()))
check("nested_functions", lambda: sc.parallelize(range(5), 2).map(_outer(3)).collect())
emit()
'''


@pytest.fixture(scope="module")
def big_job(tmp_path_factory):
    d = tmp_path_factory.mktemp("big")
    script = write_job(d, "big_job.py", BIG_JOB)
    # no sc.stop(): the submit must still end and take every process with it
    return submit_ok(script, master="local[3]")


BIG_EXPECTED = {
    "sum_1e6": sum(range(10 ** 6)),
    "flatMap_many": 10 ** 6,
    "collect_big_strings": [2 * 1024 * 1024] * 5,
    "big_closure": [5 * 1024 * 1024 + x for x in range(4)],
    "big_element": [3 * 1024 * 1024, 1],
    "big_broadcast": [299999, 300000, 300001],
    "task_context": [[0, 0, 2], [1, 0, 2], [2, 0, 2]],
    "unicode_pipe": ["h\u00e9llo", "w\u00f6rld \u4e2d"],
    "module_in_closure": [["1", "22"], ["333"]],
    "nested_functions": [3, 103, 203, 303, 403],
}


@pytest.mark.parametrize("name", sorted(BIG_EXPECTED))
def test_big(big_job, name):
    got = big_job.result(name)
    want = jsonable(BIG_EXPECTED[name])
    assert same(got, want), f"{name}: got {got!r:.300}, want {want!r:.300}"


def test_unicode_error_message(big_job):
    t = big_job.result("unicode_error")
    assert "ValueError: caf\u00e9 \u4e2d\u6587 failure" in t, t


PY_FILES_JOB = r'''
import sys
from pyspark import SparkContext
import shipped_mod
sc = SparkContext(appName="sparkpp-pyfiles-job")
check("driver_side", lambda: shipped_mod.triple(2))
check("worker_side", lambda: sc.parallelize(range(4), 2).map(shipped_mod.triple).collect())
check("worker_import", lambda: sc.parallelize(range(2), 2).map(
    lambda x: __import__("shipped_mod").triple(x) + 1).collect())
def _add_py_file():
    sc.addPyFile(sys.argv[1])
    import added_mod
    return [added_mod.negate(1), sc.parallelize(range(3), 3).map(
        lambda x: __import__("added_mod").negate(x)).collect()]
check("addPyFile", _add_py_file)
sc.stop()
emit()
'''


def test_py_files(tmp_path):
    libdir = tmp_path / "lib"
    libdir.mkdir()
    (libdir / "shipped_mod.py").write_text("def triple(x):\n    return 3 * x\n")
    (libdir / "added_mod.py").write_text("def negate(x):\n    return -x\n")
    script = write_job(tmp_path, "pyfiles_job.py", PY_FILES_JOB)
    res = submit_ok(script, libdir / "added_mod.py", master="local[2]",
                    options=["--py-files", str(libdir / "shipped_mod.py")], cwd=str(tmp_path))
    assert res.result("driver_side") == 6
    assert res.result("worker_side") == [0, 3, 6, 9]
    assert res.result("worker_import") == [1, 4]
    assert res.result("addPyFile") == [-1, [0, -1, -2]]


PARALLELISM_JOB = r'''
from pyspark import SparkContext
sc = SparkContext()
check("dp", lambda: sc.defaultParallelism)
check("parts", lambda: sc.parallelize(range(100)).getNumPartitions())
check("count", lambda: sc.parallelize(range(100)).count())
sc.stop()
emit()
'''


@pytest.mark.parametrize("master,n", [("local", 1), ("local[1]", 1), ("local[4]", 4),
                                      ("local[*]", os.cpu_count())])
def test_default_parallelism(tmp_path, master, n):
    script = write_job(tmp_path, "par_job.py", PARALLELISM_JOB)
    res = submit_ok(script, master=master)
    assert res.result("dp") == n
    assert res.result("parts") == n
    assert res.result("count") == 100


EXIT_WITH_CONTEXT_JOB = r'''
import sys
from pyspark import SparkContext
sc = SparkContext(appName="sparkpp-exit-job")
print("COUNT", sc.parallelize(range(10), 2).count(), flush=True)
sys.exit(3)
'''


def test_exit_code_with_live_context(tmp_path):
    script = write_job(tmp_path, "exit_job.py", EXIT_WITH_CONTEXT_JOB)
    res = submit(script, master="local[2]", timeout=60)  # also checks nothing is left behind
    assert res.returncode == 3, res.describe()
    assert "COUNT 10" in res.stdout, res.describe()


SLOW_JOB = r'''
import os
import sys
import time
from pyspark import SparkContext
marker = sys.argv[1]
sc = SparkContext(appName="sparkpp-slow-job")

def slow(x):
    open(marker, "a").close()
    time.sleep(120)
    return x
sc.parallelize(range(2), 2).map(slow).collect()
'''


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_killing_submit_mid_job_ends_everything(tmp_path, sig):
    """Ending the submit (by PID) while tasks run ends the driver script, executors and
    Python workers too: nothing keeps running."""
    marker = tmp_path / "task-running"
    script = write_job(tmp_path, "slow_job.py", SLOW_JOB)
    proc, tag, args = jobs.start(script, marker, master="local[2]")
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, "submit ended early: %r" % (proc.communicate(),)
            assert time.monotonic() < deadline, "the task never started"
            time.sleep(0.05)
        os.kill(proc.pid, sig)
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"submit still running 30s after {sig!r}")
        if sig != signal.SIGKILL:
            assert proc.returncode != 0
        left = jobs.wait_no_tagged(tag, timeout=15)
        assert not left, f"processes survived the submit's {sig!r}: {left}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=30)
        jobs.kill_tagged(tag)


# ============================================================================ CLI

ARGV_JOB = r'''
import json, os, sys
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "ran"), "w").close()
print("ARGV " + json.dumps(sys.argv[1:]))
code = int(os.environ.get("EXIT_WITH", "0"))
if code:
    sys.exit(code)
'''


def _one_line_error(res, *needles):
    assert res.returncode != 0, res.describe()
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, "expected a one-line error on stderr\n" + res.describe()
    for n in needles:
        assert n in lines[0], f"{n!r} not in the error\n" + res.describe()


def test_cli_missing_script(tmp_path):
    res = submit(tmp_path / "no-such-job.py", timeout=30)
    _one_line_error(res, "no-such-job.py")


@pytest.mark.parametrize("options,needle", [
    (["--master", "foo"], "foo"),
    (["--master", "local[0]"], "local[0]"),
    (["--master", "spark://"], "spark://"),
    (["--executor-memory", "12q"], "12q"),
    (["--conf", "spark.executor.memory=lots"], "lots"),
])
def test_cli_bad_options(tmp_path, options, needle):
    script = write_job(tmp_path, "argv_job.py", ARGV_JOB, prelude=False)
    res = submit(script, master=None, options=options, timeout=30)
    _one_line_error(res, needle)
    assert not (tmp_path / "ran").exists(), "the script ran despite the bad option"


def test_cli_script_exit_code_propagates(tmp_path):
    script = write_job(tmp_path, "argv_job.py", ARGV_JOB, prelude=False)
    res = submit(script, env={"EXIT_WITH": "3"}, timeout=30)
    assert res.returncode == 3, res.describe()


def test_cli_uncaught_exception_fails(tmp_path):
    script = write_job(tmp_path, "bad_job.py", "raise ValueError('bad job 123')\n", prelude=False)
    res = submit(script, timeout=30)
    assert res.returncode == 1, res.describe()
    assert "ValueError: bad job 123" in res.stderr, res.describe()


def test_cli_script_args_passed_verbatim(tmp_path):
    """Everything after the script belongs to the script (spark-submit semantics), even
    arguments that look like sparkpp options."""
    script = write_job(tmp_path, "argv_job.py", ARGV_JOB, prelude=False)
    args = ["plain", "--input", "in.txt", "-n", "3", "--conf", "a=b", "--master", "x", ""]
    res = submit(script, *args, timeout=30)
    assert res.returncode == 0, res.describe()
    line = [ln for ln in res.stdout.splitlines() if ln.startswith("ARGV ")]
    assert line and json.loads(line[0][5:]) == args, res.describe()


def test_cli_conf_option_directly_before_script(tmp_path):
    """`submit --conf k=v job.py arg` (the usual spark-submit order): --conf takes one value."""
    script = write_job(tmp_path, "argv_job.py", ARGV_JOB, prelude=False)
    res = submit(None, master=None,
                 options=["--master", "local[1]", "--conf", "spark.task.maxFailures=3",
                          script, "a1", "a2"], timeout=30)
    assert res.returncode == 0, res.describe()
    assert "ARGV " + json.dumps(["a1", "a2"]) in res.stdout, res.describe()


def test_cli_missing_python_interpreter(tmp_path):
    script = write_job(tmp_path, "argv_job.py", ARGV_JOB, prelude=False)
    res = submit(script, env={"SPARKPP_PYTHON": str(tmp_path / "no-python")}, timeout=30)
    _one_line_error(res, "no-python")


def _python_without_cloudpickle(tmp_path):
    """The pyenv python3 on PATH if it lacks cloudpickle, else a wrapper running Debian's
    Python without site-packages (-S) -- or None."""
    cands = []
    p = shutil.which("python3")
    if p:
        cands.append(p)
    wrapper = tmp_path / "python-no-site"
    wrapper.write_text('#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n')
    wrapper.chmod(0o755)
    cands.append(str(wrapper))
    for c in cands:
        r = subprocess.run([c, "-c", "import cloudpickle"], capture_output=True, timeout=30)
        if r.returncode != 0:
            return c
    return None


def test_python_without_cloudpickle_fails_clearly(tmp_path):
    py = _python_without_cloudpickle(tmp_path)
    if py is None:
        pytest.skip("no Python without cloudpickle on this machine")
    script = write_job(tmp_path, "sc_job.py", """
        from pyspark import SparkContext
        sc = SparkContext(appName="nocp")
        print(sc.parallelize([1, 2, 3]).count())
        """, prelude=False)
    res = submit(script, env={"SPARKPP_PYTHON": py}, timeout=60)
    assert res.returncode != 0, res.describe()
    assert "cloudpickle" in res.stderr, res.describe()
