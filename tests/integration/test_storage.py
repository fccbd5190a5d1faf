"""Issue #5: cache/persist, broadcast variables, accumulators — real jobs, real processes."""
import os
import signal

import pytest

import daemons
import jobs

STORAGE_JOB = r'''
import os
from pyspark import SparkContext, StorageLevel

sc = SparkContext(appName="storage")
calls = sc.accumulator(0)

def counted(x):
    calls.add(1)
    return x * 2

base = sc.parallelize(range(1000), 4).map(counted).cache()
check("level", lambda: str(base.getStorageLevel()))
check("is_cached", lambda: base.is_cached)
check("first_count", lambda: base.count())
check("second_sum", lambda: base.sum())
check("third_collect_len", lambda: len(base.collect()))
check("calls_after_three_actions", lambda: calls.value)  # computed once: 1000

# A derived RDD reads the cached blocks instead of recomputing.
check("derived", lambda: base.map(lambda x: x + 1).filter(lambda x: x % 3 == 0).count())
check("calls_after_derived", lambda: calls.value)

# unpersist: the next action recomputes.
base.unpersist()
check("after_unpersist", lambda: (base.count(), calls.value))

# Other levels.
for name, level in [("disk", StorageLevel.DISK_ONLY), ("mem_disk", StorageLevel.MEMORY_AND_DISK),
                    ("mem2", StorageLevel.MEMORY_ONLY_2)]:
    acc = sc.accumulator(0)
    def f(x, acc=acc):
        acc.add(1)
        return x
    r = sc.parallelize(range(200), 2).map(f).persist(level)
    check(name, lambda r=r, acc=acc: (r.count(), r.sum(), acc.value))

# Cached shuffle output.
kv = sc.parallelize([(i % 7, i) for i in range(700)], 3).reduceByKey(lambda a, b: a + b).cache()
check("kv", lambda: (sorted(kv.collect()), kv.count()))

# Broadcast variables: shared by tasks, unpersist/destroy.
big = sc.broadcast(list(range(100000)))
check("broadcast_sum", lambda: sc.parallelize(range(8), 8).map(lambda i: big.value[i * 1000] + len(big.value)).sum())
small = sc.broadcast({"a": 1, "b": 2})
check("broadcast_dict", lambda: sorted(sc.parallelize(["a", "b", "a"], 2).map(lambda k: small.value[k]).collect()))
small.unpersist()
check("broadcast_after_unpersist", lambda: sc.parallelize(["a"], 1).map(lambda k: small.value[k]).collect())
small.destroy()
def use_destroyed():
    try:
        sc.parallelize(["a"], 1).map(lambda k: small.value[k]).collect()
        return "no error"
    except Exception as e:
        return "error"
check("broadcast_destroyed", use_destroyed)

# Accumulators: failed attempts are not double counted for actions.
marker = os.environ["MARKER"]
acc2 = sc.accumulator(0)
def flaky(x):
    acc2.add(1)
    if x == 5 and not os.path.exists(marker):
        open(marker, "w").close()
        raise RuntimeError("first attempt fails")
    return x
check("retried_sum", lambda: sc.parallelize(range(10), 2).map(flaky).sum())
check("acc_once", lambda: acc2.value)
emit()
sc.stop()
'''


def run_storage(tmp_path, master, conf=None):
    script = jobs.write_job(tmp_path, "storage.py", STORAGE_JOB)
    conf = dict(conf or {})
    conf.setdefault("spark.task.maxFailures", "3")
    res = jobs.submit_ok(script, master=master, conf=conf, env={"MARKER": str(tmp_path / "marker")})
    return res


def check_results(res):
    assert res.result("level") == "Memory Serialized 1x Replicated"
    assert res.result("is_cached") is True
    assert res.result("first_count") == 1000
    assert res.result("second_sum") == sum(x * 2 for x in range(1000))
    assert res.result("third_collect_len") == 1000
    assert res.result("calls_after_three_actions") == 1000
    assert res.result("derived") == len([x for x in range(1000) if (2 * x + 1) % 3 == 0])
    assert res.result("calls_after_derived") == 1000
    assert res.result("after_unpersist") == [1000, 2000]
    for name in ("disk", "mem_disk", "mem2"):
        assert res.result(name) == [200, sum(range(200)), 200], name
    expected = {}
    for i in range(700):
        expected[i % 7] = expected.get(i % 7, 0) + i
    assert res.result("kv") == [[[k, v] for k, v in sorted(expected.items())], 7]
    assert res.result("broadcast_sum") == sum(i * 1000 + 100000 for i in range(8))
    assert res.result("broadcast_dict") == [1, 1, 2]
    assert res.result("broadcast_after_unpersist") == [1]
    assert res.result("broadcast_destroyed") == "error"
    assert res.result("retried_sum") == 45
    assert res.result("acc_once") == 10


def test_storage_local(tmp_path):
    check_results(run_storage(tmp_path, "local[2]"))


def test_eviction_under_small_memory(tmp_path):
    """MEMORY_ONLY blocks that do not fit are recomputed; MEMORY_AND_DISK ones spill to disk."""
    script = jobs.write_job(tmp_path, "evict.py", r'''
from pyspark import SparkContext, StorageLevel
sc = SparkContext(appName="evict")
acc = sc.accumulator(0)
def f(x):
    acc.add(1)
    return "x" * 1000 + str(x)
# ~10 MB of cached data against a ~6 MB budget (spark.executor.memory=10m x 0.6)
mem = sc.parallelize(range(10000), 10).map(f).persist(StorageLevel.MEMORY_ONLY)
check("mem", lambda: (mem.count(), mem.count()))
check("mem_calls", lambda: acc.value)
acc2 = sc.accumulator(0)
def g(x):
    acc2.add(1)
    return "y" * 1000 + str(x)
md = sc.parallelize(range(10000), 10).map(g).persist(StorageLevel.MEMORY_AND_DISK)
check("md", lambda: (md.count(), md.count(), md.count()))
check("md_calls", lambda: acc2.value)
emit()
sc.stop()
''')
    # local mode's executor has spark.executor.memory of memory
    res = jobs.submit_ok(script, master="local[1]", conf={"spark.executor.memory": "10m"})
    assert res.result("mem") == [10000, 10000]
    # Some partitions did not fit and were recomputed, so more than one pass but not three.
    assert 10000 < res.result("mem_calls") <= 20000
    assert res.result("md") == [10000, 10000, 10000]
    assert res.result("md_calls") == 10000  # spilled to disk, never recomputed


@pytest.fixture
def cluster(tmp_path):
    with daemons.Cluster(tmp_path) as c:
        # Workers heartbeat every timeout/4 of their own conf: give both sides the same
        # timeout, or the master drops workers still on the default 60 s (15 s heartbeats).
        short = {"spark.worker.timeout": "3"}
        m = c.start_master(conf=short)
        c.start_worker(m.url, cores=1, memory="1g", conf=short)
        c.start_worker(m.url, cores=1, memory="1g", conf=short)
        daemons.wait_until(lambda: m.json()["aliveworkers"] == 2, what="two workers alive")
        yield c, m


def test_storage_cluster(tmp_path, cluster):
    c, m = cluster
    check_results(run_storage(tmp_path, m.url))


def test_cached_data_recomputed_after_executor_loss(tmp_path, cluster):
    """An executor holding cached blocks is SIGKILLed: the next action recomputes the lost
    blocks from lineage and the answer is unchanged."""
    c, m = cluster
    script = jobs.write_job(tmp_path, "lose.py", r'''
import os, signal, time
from pyspark import SparkContext
sc = SparkContext(appName="lose")
acc = sc.accumulator(0)
def f(x):
    acc.add(1)
    return (x, os.environ.get("SPARKPP_EXECUTOR_ID"))
r = sc.parallelize(range(400), 8).map(f).cache()
first = r.collect()
check("first", lambda: sorted(x for x, _ in first))
check("calls1", lambda: acc.value)
victim = first[0][1]
def executor_pid(app, eid):
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = open("/proc/%s/cmdline" % pid, "rb").read().split(b"\0")
        except OSError:
            continue
        if b"executor" in cmd and app.encode() in cmd and b"--executor-id" in cmd:
            if cmd[cmd.index(b"--executor-id") + 1] == eid.encode():
                return int(pid)
    return None
pid = executor_pid(sc.applicationId, victim)
check("victim_found", lambda: pid is not None)
os.kill(pid, signal.SIGKILL)
deadline = time.time() + 30
while time.time() < deadline and any(e["id"] == victim for e in sc._debug("executors")):
    time.sleep(0.05)
second = r.collect()
check("second", lambda: sorted(x for x, _ in second))
check("lost_recomputed", lambda: 0 < acc.value - 400 < 400)
emit()
sc.stop()
''')
    res = jobs.submit_ok(script, master=m.url)
    assert res.result("first") == list(range(400))
    assert res.result("calls1") == 400
    assert res.result("victim_found") is True
    assert res.result("second") == list(range(400))
    assert res.result("lost_recomputed") is True


CHECKPOINT_JOB = r'''
import os
from pyspark import SparkContext
sc = SparkContext(appName="ckpt")
sc.setCheckpointDir(os.environ["CKPT"])
acc = sc.accumulator(0)
def f(x):
    acc.add(1)
    return x * 3
r = sc.parallelize(range(100), 4).map(f)
r.checkpoint()
check("before", lambda: r.isCheckpointed())
check("count", lambda: r.count())
check("after", lambda: (r.isCheckpointed(), r.getCheckpointFile() is not None))
calls = acc.value
check("reuse", lambda: (r.sum(), r.map(lambda x: x + 1).take(3), acc.value - calls))
kv = sc.parallelize([(i % 3, i) for i in range(30)], 3).reduceByKey(lambda a, b: a + b)
kv.checkpoint()
check("kv", lambda: (sorted(kv.collect()), sorted(kv.mapValues(lambda v: -v).collect()), kv.isCheckpointed()))
check("files", lambda: sorted(os.listdir(os.path.dirname(r.getCheckpointFile()[len("file:"):]))))
emit()
sc.stop()
'''


def test_checkpoint_truncates_lineage(tmp_path):
    script = jobs.write_job(tmp_path, "ckpt.py", CHECKPOINT_JOB)
    res = jobs.submit_ok(script, master="local[2]", env={"CKPT": str(tmp_path / "ckpt")})
    assert res.result("before") is False
    assert res.result("count") == 100
    assert res.result("after") == [True, True]
    # Read back from the checkpoint: the map function does not run again.
    assert res.result("reuse") == [sum(x * 3 for x in range(100)), [1, 4, 7], 0]
    kv = [[0, 135], [1, 145], [2, 155]]
    assert res.result("kv") == [kv, [[k, -v] for k, v in kv], True]
    assert len(res.result("files")) == 2


BIG_BROADCAST_JOB = r'''
import os
from pyspark import SparkContext
sc = SparkContext(appName="bigbcast")
value = os.urandom(50 * 1000 * 1000)  # incompressible: what is sent is what it weighs
b = sc.broadcast(value)
check("lens", lambda: sorted(set(sc.parallelize(range(8), 8).map(lambda i: len(b.value)).collect())))
check("execs", lambda: len(sc._debug("executors")))
check("stats", lambda: sc._debug("broadcast_stats", {"id": b.id}))
emit()
sc.stop()
'''


def test_big_broadcast_sent_once_per_executor(tmp_path, cluster):
    """A 50 MB broadcast reaches 2 executors with one transfer each (200 MB works too; see docs/benchmarks.md)."""
    c, m = cluster
    script = jobs.write_job(tmp_path, "bigb.py", BIG_BROADCAST_JOB)
    res = jobs.submit_ok(script, master=m.url, timeout=300)
    assert res.result("lens") == [50 * 1000 * 1000]
    assert res.result("execs") == 2
    stats = res.result("stats")
    assert stats["sends"] == 2
    assert 2 * 50e6 <= stats["bytes"] <= 2 * 50.5e6


def test_cached_partition_computed_once_by_concurrent_stages(tmp_path):
    """Two map stages of one job run at once and read one cached RDD: on one executor a
    partition is computed once (the second task waits for the first's block, Spark's block
    write lock), so its accumulator counts each record once, as when the stages ran in turn."""
    script = jobs.write_job(tmp_path, "concurrent_cache.py", r'''
import time
from operator import add
from pyspark import SparkContext
sc = SparkContext(appName="concurrent_cache")
out = []
for trial in range(3):
    acc = sc.accumulator(0)
    def f(x):
        acc.add(1)
        time.sleep(0.0005)
        return (x % 10, x)
    c = sc.parallelize(range(1000), 4).map(f).cache()
    joined = c.reduceByKey(add).join(c.groupByKey().mapValues(len))  # two map stages over c
    out.append([joined.count(), acc.value])
    c.unpersist()
check("runs", lambda: out)
emit()
sc.stop()
''')
    res = jobs.submit_ok(script, master="local[4]")
    assert res.result("runs") == [[10, 1000]] * 3
