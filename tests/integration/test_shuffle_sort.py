"""sortByKey's native path (int pair batches sorted by the executor, docs/protocol.md "Shuffle
records") against plain Python's stable sort: (int, int) pairs, keys and values at the 64-bit
edges and beyond, bools (which must stay bools), a partition that turns to other records half
way, descending order, repeated keys (ties keep input order, as Python's sort and Spark's
reading map outputs in order), a keyfunc, sortBy, one output partition; and that the executor
did sort the int pairs (the reduce side saw batches marked sorted) and not the mixed ones.
"""
import glob
import os

import pytest

import jobs
from jobs import submit_ok, write_job

JOB = r'''
import random
import sys
from pyspark import SparkContext
from sparkpp import serializers

sc = SparkContext(appName="sparkpp-sort-job")
r = random.Random(7)
INTS = [(r.randrange(-500, 500), r.randrange(10 ** 6)) for _ in range(20000)]
EDGE = [(2 ** 63 - 1, -2 ** 63), (-2 ** 63, 2 ** 63 - 1), (2 ** 70, 1), (-2 ** 64, 2), (3, 2 ** 64)]
BOOLS = [(1, True), (0, 5), (True, 2), (False, False), (1, 1)]
MIXED = INTS[:3000] + [(5, "x"), (2.5, 1), (-7, None)] + INTS[3000:6000]
LONG = INTS * 4 + [(3, "after a full chunk"), (2 ** 64, 1)] + INTS[:100]   # past 65,536 records

def seen_sorted(it):
    rows = list(it)
    return [(len(rows), serializers.last_batch_sorted[0] if rows else None)]

ints = sc.parallelize(INTS, 5)
check("asc", lambda: ints.sortByKey().collect())
check("desc", lambda: ints.sortByKey(False).collect())
check("n3", lambda: ints.sortByKey(True, 3).glom().collect())
check("n1", lambda: ints.sortByKey(numPartitions=1).collect())
check("desc_n4", lambda: ints.sortByKey(False, 4).glom().collect())
check("native", lambda: ints.sortByKey(True, 3).mapPartitions(seen_sorted).collect())
check("edge", lambda: [repr(kv) for kv in sc.parallelize(EDGE + INTS[:50], 2).sortByKey().collect()])
check("bools", lambda: [repr(kv) for kv in sc.parallelize(BOOLS, 2).sortByKey().collect()])
check("mixed", lambda: [repr(kv) for kv in sc.parallelize(MIXED, 3).filter(lambda kv: not isinstance(kv[0], float))
                                                          .sortByKey(True, 2).collect()])
check("mixed_native", lambda: sc.parallelize(MIXED, 3).filter(lambda kv: not isinstance(kv[0], float))
      .sortByKey(True, 1).mapPartitions(seen_sorted).collect())
check("long_mixed", lambda: [repr(kv) for kv in sc.parallelize(LONG, 1).sortByKey(False, 3).collect()])
check("keyfunc", lambda: ints.sortByKey(keyfunc=lambda k: -abs(k)).collect())
check("sortBy", lambda: sc.parallelize([v for _, v in INTS], 4).sortBy(lambda v: v % 1000).collect())
check("same_key", lambda: sc.parallelize([(1, i) for i in range(1000)], 4).sortByKey(True, 3).glom().map(len).collect())
check("partitioner", lambda: (ints.sortByKey(True, 3).getNumPartitions(), ints.sortByKey(True, 3).partitioner is not None))
check("fast", lambda: sc.parallelize([0], 1).map(
    lambda _: __import__("sparkpp.shuffle", fromlist=["_"])._fastrdd() is not None).collect())
emit()
'''

DATA = JOB.split("def seen_sorted")[0].split("r = random.Random(7)")[1]


# The map side's loop in C (src/pyworker/fastrdd.c, when built) and in Python (SPARKPP_PYEXT=0):
# every result the same.
@pytest.fixture(scope="module", params=["c", "python"])
def res(request, tmp_path_factory):
    d = tmp_path_factory.mktemp("sort")
    env = dict(os.environ, SPARKPP_PYEXT="0") if request.param == "python" else None
    r = submit_ok(write_job(d, "sort_job.py", JOB), master="local[2]", timeout=180, env=env)
    built = bool(glob.glob(os.path.join(os.path.dirname(jobs.binary()), "_fastrdd*.so")))
    assert r.result("fast") == [request.param == "c" and built]
    return r


@pytest.fixture(scope="module")
def data():
    import random
    g = {"random": random, "r": random.Random(7)}
    exec(DATA, g)
    return g


def first(kv):
    return kv[0]


def test_int_pairs_sorted_stably(res, data):
    ints = data["INTS"]
    want = sorted(ints, key=first)
    assert [tuple(x) for x in res.result("asc")] == want
    assert [tuple(x) for x in res.result("n1")] == want
    assert [tuple(x) for p in res.result("n3") for x in p] == want
    assert all(res.result("n3"))
    desc = sorted(ints, key=first, reverse=True)
    assert [tuple(x) for x in res.result("desc")] == desc
    assert [tuple(x) for p in res.result("desc_n4") for x in p] == desc


def test_executor_sorted_int_pairs_only(res):
    assert all(flag for n, flag in res.result("native") if n)
    assert res.result("mixed_native")[0][1] is False


def test_edges_types_and_mixed_records(res, data):
    assert res.result("edge") == [repr(kv) for kv in sorted(data["EDGE"] + data["INTS"][:50], key=first)]
    assert res.result("bools") == [repr(kv) for kv in sorted(data["BOOLS"], key=first)]
    mixed = [kv for kv in data["MIXED"] if not isinstance(kv[0], float)]
    assert res.result("mixed") == [repr(kv) for kv in sorted(mixed, key=first)]
    assert res.result("long_mixed") == [repr(kv) for kv in sorted(data["LONG"], key=first, reverse=True)]


def test_keyfunc_sortby_and_partitions(res, data):
    ints = data["INTS"]
    assert [tuple(x) for x in res.result("keyfunc")] == sorted(ints, key=lambda kv: -abs(kv[0]))
    assert res.result("sortBy") == sorted((v for _, v in ints), key=lambda v: v % 1000)
    assert sum(res.result("same_key")) == 1000
    assert res.result("partitioner") == [3, True]


# sortByKey over text: the sketch job reads each split in spread-out byte windows (one 64 KiB
# window per MiB, the driver's plan for `args.sample_input`), not in full; the sort itself reads
# everything. Lines are 16 bytes, so line i starts at byte 16 * i.
TEXT_JOB = r'''
import itertools
import sys
from pyspark import SparkContext

path, n = sys.argv[1], int(sys.argv[2])
sc = SparkContext(appName="sparkpp-sort-text-job")
seen = sc.accumulator(0)

def parse(line):
    seen.add(1)
    k, v = line.split(",")
    return int(k), int(v)

def rows(rdd):
    return [list(kv) for kv in rdd.collect()]

lines = sc.textFile(path, 3)
check("parts", lambda: lines.getNumPartitions())
pairs = lines.map(parse)
s = pairs.sortByKey(True, 4)          # runs the sketch job only
check("sketch_records", lambda: seen.value)
check("sorted", lambda: rows(s))
check("sizes", lambda: s.glom().map(len).collect())
# No record of the windows survives the filter (bytes 100 KiB..900 KiB only): the full pass runs.
check("late", lambda: rows(pairs.filter(lambda kv: 6400 <= kv[1] < 56000).sortByKey(False, 3)))
# zip needs equal lengths on both sides: its inputs are read in full.
check("zip", lambda: rows(lines.zip(lines).map(lambda ab: parse(ab[0])).sortByKey(True, 2)))
check("union", lambda: rows(lines.union(lines).map(parse).sortByKey(True, 3)))
# A header skipped in partition 0 is still partition 0's first line in the sketch job.
hdr = sc.textFile(sys.argv[3], 2).mapPartitionsWithIndex(
    lambda i, it: itertools.islice(it, 1, None) if i == 0 else it).map(parse)
check("header", lambda: rows(hdr.sortByKey(True, 2)))
emit()
'''

TEXT_N = 200_000


def text_key(i):
    return (i * 7919) % 100_003


@pytest.fixture(scope="module")
def text_res(tmp_path_factory):
    d = tmp_path_factory.mktemp("sorttext")
    path, hdr = d / "pairs.txt", d / "header.txt"
    body = "".join("%07d,%07d\n" % (text_key(i), i) for i in range(TEXT_N))
    path.write_text(body)
    hdr.write_text("key,value\n" + body)
    return submit_ok(write_job(d, "sort_text_job.py", TEXT_JOB), str(path), str(TEXT_N), str(hdr),
                     master="local[2]", timeout=180)


def test_text_sort_reads_windows_for_its_sketch(text_res):
    pairs = [(text_key(i), i) for i in range(TEXT_N)]
    want = [list(kv) for kv in sorted(pairs, key=first)]
    assert text_res.result("parts") == 3
    assert text_res.result("sorted") == want
    # 3 splits of ~1 MiB: one or two 64 KiB windows each, about 8 % of the lines (0 < ... < 20 %).
    assert 0 < text_res.result("sketch_records") < TEXT_N // 5
    sizes = text_res.result("sizes")
    assert len(sizes) == 4 and sum(sizes) == TEXT_N and min(sizes) > TEXT_N // 8


def test_text_sort_full_pass_zip_union_header(text_res):
    pairs = [(text_key(i), i) for i in range(TEXT_N)]
    late = [kv for kv in pairs if 6400 <= kv[1] < 56000]
    assert text_res.result("late") == [list(kv) for kv in sorted(late, key=first, reverse=True)]
    assert text_res.result("zip") == [list(kv) for kv in sorted(pairs, key=first)]
    assert text_res.result("union") == [list(kv) for kv in sorted(pairs + pairs, key=first)]
    assert text_res.result("header") == [list(kv) for kv in sorted(pairs, key=first)]
