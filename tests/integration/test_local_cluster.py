"""The local-cluster[N,CORES,MEMORY] master (N executor processes started by the driver, as
Spark's test master), the ContextCleaner (a dropped shuffle's files leave the executors, dropped
cached RDDs their blocks) and the sweep of scratch left in spark.local.dir by dead local
executors. One submit on local-cluster[2,1,512]."""
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from jobs import submit_ok, write_job

JOB = r'''
import gc
import glob
import os
import sys
import time
from pyspark import SparkConf, SparkContext

local_dir = sys.argv[1]
sc = SparkContext(conf=SparkConf().setAppName("local-cluster")
                  .set("spark.sparkpp.test.debugQueries", "true"))
deadline = time.monotonic() + 30
while len(sc._debug("executors")) < 2 and time.monotonic() < deadline:
    time.sleep(0.05)


def shuffle_files():
    return sorted(os.path.basename(p) for p in glob.glob(os.path.join(local_dir, "*", "shuffle_*")))


def wait_for(cond):
    deadline = time.monotonic() + 20
    while not cond() and time.monotonic() < deadline:
        time.sleep(0.05)
    return cond()


check("executors", lambda: sorted(e["cores"] for e in sc._debug("executors")))
check("parallelism", lambda: [sc.master, sc.defaultParallelism])
check("spread", lambda: sorted(set(sc.parallelize(range(8), 8).map(
    lambda _: os.environ.get("SPARKPP_EXECUTOR_ID")).collect())))


def cleaner():
    pairs = sc.parallelize(range(100), 4).map(lambda x: (x % 7, x)).reduceByKey(lambda a, b: a + b)
    cached = sc.parallelize(range(10), 2).map(lambda x: x * 3).cache()
    first = [sorted(pairs.collect()) == sorted((k, sum(x for x in range(100) if x % 7 == k))
                                               for k in range(7)), cached.sum()]
    had = len(shuffle_files()) > 0
    sid = pairs._parents[0]._id
    del pairs, cached
    gc.collect()
    sc.parallelize(range(4), 4).count()  # the next job sends the cleanup first
    gone = wait_for(lambda: not [f for f in shuffle_files() if f.startswith("shuffle_%d_" % sid)])
    return [first, had, gone]
check("cleaner", cleaner)
emit()
'''


@pytest.fixture
def local():
    # a short path: Python workers' Unix sockets live in the scratch dirs (107-byte limit)
    d = Path(tempfile.mkdtemp(prefix="spp-lc-", dir="/tmp"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_local_cluster_cleaner_and_scratch_sweep(tmp_path, local):
    # scratch of a dead local executor (its lock is free) and a dir without a lock (kept)
    dead = local / "sparkpp-local-1-0-abcdef"
    (dead / "blocks").mkdir(parents=True)
    (dead / ".lock").write_text("")
    (dead / "shuffle_3_0_1.data").write_bytes(b"x" * 100)
    unlocked = local / "sparkpp-local-2-0-ghijkl"
    unlocked.mkdir()
    script = write_job(tmp_path, "lc_job.py", JOB)
    r = submit_ok(script, str(local), master="local-cluster[2,1,512]", timeout=120,
                  conf={"spark.local.dir": str(local)})
    assert r.result("executors") == [1, 1]
    assert r.result("parallelism") == ["local-cluster[2,1,512]", 2]
    assert len(r.result("spread")) == 2  # tasks ran in both executor processes
    assert r.result("cleaner") == [[True, 135], True, True]
    assert not dead.exists() and unlocked.exists()
    assert sorted(os.listdir(local)) == ["sparkpp-local-2-0-ghijkl"]  # ours removed at exit
