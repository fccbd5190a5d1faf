"""The key-value API over the shuffle (issue #4) end to end: real `sparkpp submit`, executors and
Python workers, in local[2] and on a master + 2 workers (one core each, so every shuffle crosses
executors).

One job script (KV_JOB) runs every key-value method on random data with many keys, a hot key,
mixed key types and empty partitions; the test recomputes each result in plain Python from the
same generator (DATA, exec'd here and in the job). Further jobs check that a second action on a
shuffled RDD does not rerun its map stage (accumulator), that partition assignment equals
PySpark's portable_hash under two PYTHONHASHSEEDs, and that groupByKey/sortByKey/reduceByKey
stay within spark.python.worker.memory=64m by spilling (peak RSS measured inside the task).
"""
import collections
import json
import operator
import os
import subprocess

import pytest

from daemons import Cluster, wait_until
from jobs import submit_ok, write_job


def jsonable(v):
    return json.loads(json.dumps(v))


def norm(xs):
    """Order-insensitive, type-tolerant form of a collection after the JSON round trip."""
    return sorted(json.dumps(x, sort_keys=True) for x in jsonable(list(xs)))


# The data, generated identically in the job and in the test.
DATA = r'''
import random as _random
_r = _random.Random(20240604)
KEYS = list(range(-50, 1500)) + ["k%d" % i for i in range(300)] + [(i, "t") for i in range(60)]
KEYS += [None, -1, -2, 2.5, ""]   # hash(-1) == hash(-2)
PAIRS = []
for _i in range(20000):
    _k = "hot" if _r.random() < 0.3 else _r.choice(KEYS)
    PAIRS.append((_k, _r.randrange(-1000, 1000)))
OTHER = [(_r.choice(KEYS[::3] + ["only-other"]), _r.randrange(100)) for _ in range(3000)]
THIRD = [(_r.choice(KEYS[::7]), "x%d" % _r.randrange(10)) for _ in range(500)]
INTS = [(_r.randrange(5000), _r.randrange(100)) for _ in range(6000)]
WORDS = ["Apple", "banana", "cherry", "apple", "Banana", "date", "Cherry", "egg"] * 25
NUMS = [_r.randrange(300) for _ in range(4000)]
NUMS2 = [_r.randrange(200, 500) for _ in range(1000)]
'''

KV_JOB = DATA + r'''
import operator
import os
import sys
import time
from pyspark import SparkContext, SparkConf

sc = SparkContext(conf=SparkConf().setAppName("sparkpp-shuffle-job"))
want_execs = int(sys.argv[1])
if want_execs > 1:   # on a cluster: wait for both executors so the shuffles cross them
    deadline = time.monotonic() + 20
    while len(sc._debug("executors")) < want_execs and time.monotonic() < deadline:
        time.sleep(0.05)
check("executors", lambda: len(sc._debug("executors")) if want_execs > 1 else 1)

add = operator.add
# 6 slices of PAIRS plus 4 empty partitions (a filter empties some more)
pairs = sc.parallelize(PAIRS, 6).union(sc.parallelize([], 4))
other = sc.parallelize(OTHER, 3).filter(lambda kv: kv[1] % 5 != 0)
third = sc.parallelize(THIRD, 2)
ints = sc.parallelize(INTS, 5)
nums = sc.parallelize(NUMS, 4)

def sv(rdd):
    """collect with each key's values sorted (groupByKey/cogroup results)."""
    return rdd.mapValues(lambda vs: sorted(vs)).collect()

check("nparts", lambda: pairs.getNumPartitions())
check("reduceByKey", lambda: pairs.reduceByKey(add).collect())
check("reduceByKey_n3", lambda: (pairs.reduceByKey(add, 3).getNumPartitions(),
                                 pairs.reduceByKey(add, 3).collect()))
check("reduceByKey_pfunc", lambda: pairs.reduceByKey(add, 4, lambda k: 3)
      .glom().map(len).collect())
check("reduceByKey_lookup", lambda: (pairs.reduceByKey(add).lookup("hot"),
                                     pairs.reduceByKey(add).lookup("absent"),
                                     pairs.lookup(7)))
check("groupByKey", lambda: sv(pairs.groupByKey()))
check("groupByKey_n4", lambda: (pairs.groupByKey(4).getNumPartitions(),
                                sv(pairs.groupByKey(4))))
check("groupByKey_len", lambda: pairs.groupByKey().mapValues(len).collect())
check("groupBy", lambda: sv(nums.groupBy(lambda x: x % 7)))
check("aggregateByKey", lambda: pairs.aggregateByKey(
    (0, 0), lambda a, v: (a[0] + v, a[1] + 1), lambda a, b: (a[0] + b[0], a[1] + b[1])).collect())
check("aggregateByKey_mutable_zero", lambda: pairs.aggregateByKey(
    [], lambda a, v: (a.append(v), a)[1], lambda a, b: a + b, 3).mapValues(sorted).collect())
check("foldByKey", lambda: pairs.foldByKey(0, add).collect())
check("foldByKey_mutable_zero", lambda: ints.mapValues(lambda v: [v]).foldByKey(
    [], lambda a, b: (a.extend(b), a)[1]).mapValues(sorted).collect())
check("combineByKey", lambda: pairs.combineByKey(
    lambda v: {v}, lambda s, v: s | {v}, lambda a, b: a | b, 5).mapValues(sorted).collect())

def _partition_keys(rdd):
    return rdd.mapPartitionsWithIndex(lambda i, it: [(i, sorted({repr(k) for k, _ in it}))]).collect()
p4 = pairs.partitionBy(4)
check("partitionBy", lambda: (p4.getNumPartitions(), p4.count(), sorted(p4.collect(), key=repr)
                              == sorted(PAIRS, key=repr), p4.partitionBy(4) is p4,
                              p4.partitionBy(3) is p4))
check("partitionBy_assignment", lambda: ints.partitionBy(4).mapPartitionsWithIndex(
    lambda i, it: [(i, sorted({k for k, _ in it}))]).collect())
def _key_range(i, it):
    ks = [k for k, _ in it]
    return [(i, min(ks, default=None), max(ks, default=None))]
check("partitionBy_pfunc", lambda: ints.partitionBy(3, lambda k: k // 2000)
      .mapPartitionsWithIndex(_key_range).collect())
check("repartition", lambda: (nums.repartition(7).getNumPartitions(), nums.repartition(7).collect(),
                              nums.repartition(7).glom().map(len).collect()))
check("coalesce_shuffle", lambda: (nums.coalesce(2, shuffle=True).getNumPartitions(),
                                   nums.coalesce(2, shuffle=True).collect(),
                                   nums.coalesce(9, shuffle=True).getNumPartitions()))
check("sortByKey", lambda: ints.sortByKey().collect())
check("sortByKey_desc", lambda: ints.sortByKey(False).collect())
check("sortByKey_n3", lambda: ints.sortByKey(True, 3).glom().collect())
check("sortByKey_n1", lambda: ints.sortByKey(numPartitions=1).collect())
check("sortByKey_keyfunc", lambda: sc.parallelize([(w, i) for i, w in enumerate(WORDS)], 3)
      .sortByKey(keyfunc=lambda k: k.lower()).keys().collect())
check("sortByKey_desc_keyfunc", lambda: ints.sortByKey(False, 4, keyfunc=lambda k: k % 100)
      .keys().collect())
check("sortBy", lambda: nums.sortBy(lambda x: -x).collect())
check("sortBy_n2", lambda: nums.sortBy(lambda x: x % 50, True, 2).map(lambda x: x % 50).collect())
check("distinct", lambda: nums.distinct().collect())
check("distinct_n3", lambda: (nums.distinct(3).getNumPartitions(), pairs.keys().distinct(3).collect()))
check("subtract", lambda: nums.subtract(sc.parallelize(NUMS2, 3)).collect())
check("subtractByKey", lambda: pairs.subtractByKey(other).collect())
check("intersection", lambda: nums.intersection(sc.parallelize(NUMS2, 3)).collect())
check("join", lambda: pairs.join(other).collect())
check("join_n2", lambda: (pairs.join(other, 2).getNumPartitions(), pairs.join(other, 2).count()))
check("leftOuterJoin", lambda: pairs.leftOuterJoin(other).collect())
check("rightOuterJoin", lambda: pairs.rightOuterJoin(other).collect())
check("fullOuterJoin", lambda: pairs.fullOuterJoin(other).collect())
check("cogroup", lambda: pairs.cogroup(other).mapValues(lambda vs: [sorted(vs[0]), sorted(vs[1])])
      .collect())
check("groupWith", lambda: pairs.groupWith(other, third)
      .mapValues(lambda vs: [sorted(v) for v in vs]).collect())
check("cartesian", lambda: sc.parallelize(range(7), 3).cartesian(sc.parallelize("abcd", 2)).collect())
check("cartesian_count", lambda: nums.cartesian(sc.parallelize(range(30), 4)).count())
check("countByKey", lambda: list(pairs.countByKey().items()))
check("countByValue", lambda: list(nums.countByValue().items()))
check("collectAsMap", lambda: list(pairs.reduceByKey(add).collectAsMap().items()))
check("empty", lambda: (sc.parallelize([], 3).reduceByKey(add).collect(),
                        sc.parallelize([], 3).groupByKey().collect(),
                        sc.parallelize([], 3).sortByKey().collect(),
                        sc.parallelize([], 3).distinct().collect(),
                        sc.parallelize([], 2).join(pairs).collect()))
check("chained", lambda: pairs.reduceByKey(add).map(lambda kv: (kv[1] % 10, 1))
      .reduceByKey(add).sortByKey().collect())

# A second action on the same shuffled RDD reuses its map output: the map-side function runs
# once per record in total.
calls = sc.accumulator(0)
def _counted(x):
    calls.add(1)
    return (x % 10, x)
reduced = sc.parallelize(range(1000), 4).map(_counted).reduceByKey(add)
def _reuse():
    first = sorted(reduced.collect())
    c1 = calls.value
    second = (reduced.count(), sorted(reduced.mapValues(lambda v: -v).collect()))
    return [first, c1, second, calls.value]
check("reuse_shuffle", _reuse)
emit()
sc.stop()
'''


def run_data():
    g = {}
    exec(DATA, g)
    return g


def expectations():
    d = run_data()
    pairs, other, third, ints, nums = d["PAIRS"], d["OTHER"], d["THIRD"], d["INTS"], d["NUMS"]
    other = [kv for kv in other if kv[1] % 5 != 0]
    nums2 = d["NUMS2"]

    def group(ps):
        g = collections.defaultdict(list)
        for k, v in ps:
            g[k].append(v)
        return g

    gp, go, gt = group(pairs), group(other), group(third)
    sums = {k: sum(vs) for k, vs in gp.items()}
    e = {}
    e["reduceByKey"] = norm(sums.items())
    e["groupByKey"] = norm((k, sorted(vs)) for k, vs in gp.items())
    e["groupByKey_len"] = norm((k, len(vs)) for k, vs in gp.items())
    e["groupBy"] = norm((m, sorted(x for x in nums if x % 7 == m)) for m in {x % 7 for x in nums})
    e["aggregateByKey"] = norm((k, [sum(vs), len(vs)]) for k, vs in gp.items())
    e["aggregateByKey_mutable_zero"] = norm((k, sorted(vs)) for k, vs in gp.items())
    e["foldByKey"] = e["reduceByKey"]
    e["foldByKey_mutable_zero"] = norm((k, sorted(vs)) for k, vs in group(ints).items())
    e["combineByKey"] = norm((k, sorted(set(vs))) for k, vs in gp.items())
    e["distinct"] = sorted(set(nums))
    e["subtract"] = sorted(x for x in nums if x not in set(nums2))
    e["subtractByKey"] = norm((k, v) for k, v in pairs if k not in go)
    e["intersection"] = sorted(set(nums) & set(nums2))
    e["join"] = norm((k, [v, w]) for k, v in pairs for w in go.get(k, []))
    e["leftOuterJoin"] = norm((k, [v, w]) for k, v in pairs for w in go.get(k, [None]))
    e["rightOuterJoin"] = norm((k, [v, w]) for k, w in other for v in gp.get(k, [None]))
    full = [(k, [v, w]) for k, v in pairs for w in go.get(k, [None])]
    full += [(k, [None, w]) for k, w in other if k not in gp]
    e["fullOuterJoin"] = norm(full)
    keys = set(gp) | set(go)
    e["cogroup"] = norm((k, [sorted(gp.get(k, [])), sorted(go.get(k, []))]) for k in keys)
    keys3 = keys | set(gt)
    e["groupWith"] = norm((k, [sorted(gp.get(k, [])), sorted(go.get(k, [])), sorted(gt.get(k, []))])
                          for k in keys3)
    e["cartesian"] = norm((x, y) for x in range(7) for y in "abcd")
    e["cartesian_count"] = len(nums) * 30
    e["countByKey"] = norm((k, len(vs)) for k, vs in gp.items())
    e["countByValue"] = norm(collections.Counter(nums).items())
    e["collectAsMap"] = e["reduceByKey"]
    chained = collections.Counter(v % 10 for v in sums.values())
    e["chained"] = jsonable(sorted(chained.items()))
    return d, e


# ---------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def kv_local(tmp_path_factory):
    d = tmp_path_factory.mktemp("shuffle-local")
    script = write_job(d, "kv_job.py", KV_JOB)
    return submit_ok(script, "1", master="local[2]", timeout=180)


@pytest.fixture(scope="module")
def kv_cluster(tmp_path_factory):
    d = tmp_path_factory.mktemp("shuffle-cluster")
    with Cluster(d) as c:
        m = c.start_master()
        for _ in range(2):
            c.start_worker(m.url, cores=1, memory="1g")
        wait_until(lambda: m.json()["aliveworkers"] == 2, 20, "both workers ALIVE")
        script = write_job(d, "kv_job.py", KV_JOB)
        yield submit_ok(script, "2", master=m.url, timeout=180,
                        options=["--total-executor-cores", "2", "--executor-cores", "1"])


@pytest.fixture(scope="module", params=["local", "cluster"])
def kv(request):
    return request.getfixturevalue("kv_" + request.param)


@pytest.fixture(scope="module")
def expected():
    return expectations()


# ---------------------------------------------------------------------------- key-value methods

SET_CHECKS = ["reduceByKey", "groupByKey", "groupByKey_len", "groupBy", "aggregateByKey",
              "aggregateByKey_mutable_zero", "foldByKey", "foldByKey_mutable_zero", "combineByKey",
              "subtractByKey", "join", "leftOuterJoin", "rightOuterJoin", "fullOuterJoin",
              "cogroup", "groupWith", "cartesian", "countByKey", "countByValue", "collectAsMap"]


@pytest.mark.parametrize("name", SET_CHECKS)
def test_kv_method(kv, expected, name):
    assert norm(kv.result(name)) == expected[1][name]


def test_ran_on_both_executors(kv_cluster):
    assert kv_cluster.result("executors") == 2


def test_sorted_set_results(kv, expected):
    e = expected[1]
    assert sorted(kv.result("distinct")) == e["distinct"]
    n, keys = kv.result("distinct_n3")
    assert n == 3 and norm(keys) == norm(set(k for k, _ in expected[0]["PAIRS"]))
    assert sorted(kv.result("subtract")) == e["subtract"]
    assert sorted(kv.result("intersection")) == e["intersection"]
    assert kv.result("chained") == e["chained"]
    assert kv.result("cartesian_count") == e["cartesian_count"]


def test_partitions_and_partitioners(kv, expected):
    d = expected[0]
    assert kv.result("nparts") == 10
    n, got = kv.result("reduceByKey_n3")
    assert n == 3 and norm(got) == expected[1]["reduceByKey"]
    # partitionFunc: everything lands in partition 3 of 4
    assert kv.result("reduceByKey_pfunc") == [0, 0, 0, len({k for k, _ in d["PAIRS"]})]
    hot, absent, seven = kv.result("reduceByKey_lookup")
    assert hot == [sum(v for k, v in d["PAIRS"] if k == "hot")] and absent == []
    assert sorted(seven) == sorted(v for k, v in d["PAIRS"] if k == 7)
    n, got = kv.result("groupByKey_n4")
    assert n == 4 and norm(got) == expected[1]["groupByKey"]
    n, count, same, idem, other_n = kv.result("partitionBy")
    assert (n, count, same, idem, other_n) == (4, len(d["PAIRS"]), True, True, False)
    # ints hash to themselves: key k sits in partition k % 4
    parts = kv.result("partitionBy_assignment")
    assert [i for i, _ in parts] == [0, 1, 2, 3]
    for i, keys in parts:
        assert keys and all(k % 4 == i for k in keys)
    assert sorted(k for _, ks in parts for k in ks) == sorted({k for k, _ in d["INTS"]})
    parts = kv.result("partitionBy_pfunc")
    assert [p[0] for p in parts] == [0, 1, 2]
    assert all(lo // 2000 == i and hi // 2000 == i for i, lo, hi in parts)
    n, js = kv.result("join_n2")
    assert n == 2 and js == len(expected[1]["join"])


def test_repartition_coalesce(kv, expected):
    nums = expected[0]["NUMS"]
    n, got, sizes = kv.result("repartition")
    assert n == 7 and sorted(got) == sorted(nums) and sum(sizes) == len(nums)
    assert max(sizes) - min(sizes) <= len(nums) // 7   # round-robin spreads evenly
    n, got, n9 = kv.result("coalesce_shuffle")
    assert n == 2 and sorted(got) == sorted(nums) and n9 == 9


def test_sort(kv, expected):
    d = expected[0]
    ints, nums, words = d["INTS"], d["NUMS"], d["WORDS"]

    def check_sorted(got, key, reverse=False):
        assert norm(got) == norm(ints)
        ks = [key(k) for k, _ in got]
        assert ks == sorted(ks, reverse=reverse)

    check_sorted(kv.result("sortByKey"), lambda k: k)
    check_sorted(kv.result("sortByKey_desc"), lambda k: k, reverse=True)
    check_sorted(kv.result("sortByKey_n1"), lambda k: k)
    parts = kv.result("sortByKey_n3")
    assert len(parts) == 3 and all(parts)
    check_sorted([kv for p in parts for kv in p], lambda k: k)
    assert kv.result("sortByKey_keyfunc") == sorted(words, key=str.lower)  # stable
    got = kv.result("sortByKey_desc_keyfunc")
    assert sorted(got) == sorted(k for k, _ in ints)
    assert [k % 100 for k in got] == sorted((k % 100 for k, _ in ints), reverse=True)
    assert kv.result("sortBy") == sorted(nums, reverse=True)
    assert kv.result("sortBy_n2") == sorted(x % 50 for x in nums)


def test_empty_inputs(kv):
    assert kv.result("empty") == [[], [], [], [], []]


def test_second_action_reuses_shuffle(kv):
    first, c1, (count, second), c2 = kv.result("reuse_shuffle")
    want = sorted([m, sum(x for x in range(1000) if x % 10 == m)] for m in range(10))
    assert first == want
    assert second == [[m, -s] for m, s in want] and count == 10
    assert c1 == 1000
    assert c2 == 1000, "the map stage ran again for a second action on the same shuffle"


# ---------------------------------------------------------------------------- portable_hash

HASH_KEYS = r'''
KEYS = ["", "a", "spark", "\u00e9\u4e2d", b"", b"abc", 0, 1, -1, -2, 7, 2**31, -2**63, 2**64 + 3,
        0.0, 1.5, -2.25, 1e100, float("inf"), None, (), (1,), (1, "a"), ("a", (b"b", None)),
        (1.5, -1, None), True, False]
'''

REFERENCE_HASH = HASH_KEYS + r'''
import json, sys
def portable_hash(x):   # PySpark 3.x python/pyspark/rdd.py
    if x is None:
        return 0
    if isinstance(x, tuple):
        h = 0x345678
        for i in x:
            h ^= portable_hash(i)
            h *= 1000003
            h &= sys.maxsize
        h ^= len(x)
        if h == -1:
            h = -2
        return int(h)
    return hash(x)
print(json.dumps([portable_hash(k) % 7 for k in KEYS]))
'''

HASH_JOB = HASH_KEYS + r'''
from pyspark import SparkContext
from pyspark.rdd import portable_hash
sc = SparkContext()
idx = list(enumerate(KEYS))
parts = sc.parallelize([(k, i) for i, k in idx], 3).partitionBy(7).glom().collect()
where = [None] * len(KEYS)
for p, items in enumerate(parts):
    for k, i in items:
        where[i] = p
check("partition_of_key", lambda: where)
check("driver_hash", lambda: [portable_hash(k) % 7 for k in KEYS])
emit()
'''


def test_portable_hash_matches_pyspark(tmp_path):
    script = write_job(tmp_path, "hash_job.py", HASH_JOB)
    got = {}
    for seed in ("0", "4242"):
        ref = subprocess.run(["/usr/bin/python3", "-c", REFERENCE_HASH], capture_output=True,
                             text=True, env=dict(os.environ, PYTHONHASHSEED=seed), check=True)
        want = json.loads(ref.stdout)
        res = submit_ok(script, master="local[2]", env={"PYTHONHASHSEED": seed}, timeout=60)
        assert res.result("partition_of_key") == want, seed
        assert res.result("driver_hash") == want, seed
        got[seed] = want
    g = {}
    exec(HASH_KEYS, g)
    for i, k in enumerate(g["KEYS"]):
        seeded = isinstance(k, (str, bytes)) or (isinstance(k, tuple) and any(
            isinstance(x, (str, bytes, tuple)) for x in k))
        if not seeded:   # ints, floats, None and tuples of them do not depend on the seed
            assert got["0"][i] == got["4242"][i], k


# ---------------------------------------------------------------------------- spilling

SPILL_JOB = r'''
import operator
from pyspark import SparkContext, TaskContext
from sparkpp import _external

sc = SparkContext()
N = int(sys.argv[1])

def task_report(result):
    """Appends what the task saw: peak RSS (VmHWM, kB), the memory limit, spilled bytes so far."""
    def f(it):
        out = result(it)
        with open("/proc/self/status") as s:
            hwm = [int(l.split()[1]) for l in s if l.startswith("VmHWM")][0]
        yield [out, hwm, TaskContext.get().getLocalProperty("spark.python.worker.memory"),
               list(_external._spilled)]
    return f

def hot_stats(it):
    res = []
    for k, vs in it:
        c = s = 0
        for v in vs:
            c += 1
            s += v
        res.append([k, c, s, len(vs)])
    return res

# one key holds 90% of N values
data = sc.range(N, numSlices=4).map(lambda x: (0 if x % 10 else x % 1000, x))
check("groupByKey_hot", lambda: data.groupByKey(2).mapPartitions(task_report(hot_stats)).collect())

def sorted_check(it):
    n, prev, ok, total = 0, None, True, 0
    for k, v in it:
        if prev is not None and k < prev:
            ok = False
        prev = k
        n += 1
        total += v
    return [n, ok, total]
check("sortByKey", lambda: sc.range(N // 6, numSlices=4).map(lambda x: ((x * 7919) % 1000003, x))
      .sortByKey(numPartitions=1).mapPartitions(task_report(sorted_check)).collect())
# a keyfunc: the Python side sorts (int pairs with the default keyfunc are sorted by the executor)
check("sortByKey_keyfunc", lambda: sc.range(N // 6, numSlices=4).map(lambda x: ((x * 7919) % 1000003, x))
      .sortByKey(numPartitions=1, keyfunc=lambda k: k).mapPartitions(task_report(sorted_check)).collect())

def reduce_check(it):
    n = total = count = 0
    for k, (s, c) in it:
        n += 1
        total += s
        count += c
    return [n, total, count]
check("reduceByKey_many_keys", lambda: sc.range(N // 6, numSlices=4)
      .map(lambda x: ("key-%d" % (x % 400000), (x, 1)))
      .reduceByKey(lambda a, b: (a[0] + b[0], a[1] + b[1]), 1)
      .mapPartitions(task_report(reduce_check)).collect())
emit()
'''


def test_spill_within_worker_memory(tmp_path):
    n = 3_000_000
    script = write_job(tmp_path, "spill_job.py", "import sys\n" + SPILL_JOB)
    res = submit_ok(script, str(n), master="local[2]", timeout=300,
                    conf={"spark.python.worker.memory": "64m"})
    limit_kb = 64 * 1024
    slack_kb = 150 * 1024

    parts = res.result("groupByKey_hot")
    stats = [s for p in parts for s in p[0]]
    hot = [s for s in stats if s[0] == 0]
    tens, thousands = range(0, n, 10), range(0, n, 1000)   # key 0: x % 10 != 0 or x % 1000 == 0
    hot_count = n - len(tens) + len(thousands)
    hot_sum = n * (n - 1) // 2 - sum(tens) + sum(thousands)
    assert hot == [[0, hot_count, hot_sum, hot_count]]
    assert len(stats) == 100  # keys 0, 10, ..., 990
    assert sum(s[1] for s in stats) == n
    assert sum(s[2] for s in stats) == n * (n - 1) // 2
    for out, hwm, limit, (mem_spilled, disk_spilled) in parts:
        assert limit == "64m"
        assert hwm < limit_kb + slack_kb, f"worker peak RSS {hwm} kB with a 64m limit"
    hot_task = [p for p in parts if any(s[0] == 0 for s in p[0])][0]
    assert hot_task[3][1] > 0, "the hot key's task spilled nothing to disk"

    m = n // 6
    for name in ("sortByKey", "sortByKey_keyfunc"):
        parts = res.result(name)
        assert sum(p[0][0] for p in parts) == m
        assert all(p[0][1] for p in parts)
        assert sum(p[0][2] for p in parts) == m * (m - 1) // 2
        assert all(p[1] < limit_kb + slack_kb for p in parts)
    # the executor sorted the int pairs: Python streamed them, with nothing to spill
    assert sum(p[3][1] for p in res.result("sortByKey")) == 0
    assert sum(p[3][1] for p in res.result("sortByKey_keyfunc")) > 0, "the sort spilled nothing"

    m = n // 6
    [(out, hwm, _, (_, disk_spilled))] = res.result("reduceByKey_many_keys")
    assert out == [min(m, 400000), m * (m - 1) // 2, m]
    assert hwm < limit_kb + slack_kb
    assert disk_spilled > 0, "400,000 keys in one reduce partition fitted in 64m?"
