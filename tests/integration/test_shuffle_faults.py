"""Shuffle data plane end to end (issue #4): lost and corrupt map output files are fetch
failures that the driver repairs by recomputing the map output; map tasks spill past the
threshold and leave no spill files; on master + 2 workers reduce tasks fetch every block over
the network from the executors' block servers.
"""
import glob
import os
import shutil
import tempfile

import pytest

import jobs
from daemons import Cluster, wait_until
from jobs import submit_ok, write_job

PY = jobs.job_python()

# The same shuffled RDD is computed, damaged (its map output files), and read again: the
# second action reuses the shuffle (its map stage is skipped), hits the damage, and must
# recompute the lost map output and still answer right.
DAMAGE_JOB = r'''
import glob
import os
import sys
from pyspark import SparkContext

local_dir, how = sys.argv[1], sys.argv[2]
sc = SparkContext(appName="shuffle-damage")
pairs = sc.parallelize([(i % 97, i) for i in range(20000)], 4)
summed = pairs.reduceByKey(lambda a, b: a + b, 3)
grouped = pairs.groupByKey(2).mapValues(len)

check("first", lambda: sorted(summed.collect()))
check("grouped_first", lambda: sorted(grouped.collect()))

def damage():
    files = sorted(glob.glob(os.path.join(local_dir, "**", "shuffle_*.data"), recursive=True))
    files = [f for f in files if os.path.getsize(f) > 0]
    victims = files[:2]
    for f in victims:
        if how == "delete":
            os.remove(f)
        else:
            with open(f, "r+b") as fh:
                data = bytearray(fh.read())
                for pos in range(7, len(data), max(1, len(data) // 10)):
                    data[pos] ^= 0x5A
                fh.seek(0)
                fh.write(bytes(data))
    return len(files)
check("damaged", damage)
check("second", lambda: sorted(summed.collect()))
check("grouped_second", lambda: sorted(grouped.collect()))
check("third", lambda: summed.count())

def stage_attempts():
    import json, urllib.request
    base = sc.uiWebUrl + "/api/v1/applications/" + sc.applicationId
    out = {}
    for st in json.load(urllib.request.urlopen(base + "/stages")):
        out.setdefault(str(st["stageId"]), []).append(st["attemptId"])
    return {k: sorted(v) for k, v in out.items()}
check("stage_attempts", stage_attempts)
sc.stop()
emit()
'''


def expected_sums():
    sums = {}
    for i in range(20000):
        sums[i % 97] = sums.get(i % 97, 0) + i
    return sorted([k, v] for k, v in sums.items())


def expected_counts():
    counts = {}
    for i in range(20000):
        counts[i % 97] = counts.get(i % 97, 0) + 1
    return sorted([k, v] for k, v in counts.items())


@pytest.fixture
def local_dir():
    """A short spark.local.dir: the executor's Python daemon socket lives in it, and Unix
    socket paths are limited to 108 bytes (pytest's tmp_path is too long)."""
    d = tempfile.mkdtemp(prefix="spp-", dir="/tmp")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def run_damage(tmp_path, local, how):
    script = write_job(tmp_path, "damage_job.py", DAMAGE_JOB)
    res = submit_ok(script, local, how, master="local[2]",
                    conf={"spark.local.dir": str(local), "spark.pyspark.python": PY}, timeout=120)
    assert res.result("first") == expected_sums(), res.describe()
    assert res.result("grouped_first") == expected_counts(), res.describe()
    assert res.result("damaged") >= 2, res.describe()
    assert res.result("second") == expected_sums(), res.describe()
    assert res.result("grouped_second") == expected_counts(), res.describe()
    assert res.result("third") == 97
    # Resubmitted stages keep their id with the next attempt number, as in Spark: the damaged
    # shuffle's map stage runs again as attempt 1, and every stage's attempts are 0..n-1.
    attempts = res.result("stage_attempts")
    assert all(a == list(range(len(a))) for a in attempts.values()), attempts
    assert any(len(a) >= 2 for a in attempts.values()), attempts
    return res


def test_deleted_shuffle_file_is_recomputed(tmp_path, local_dir):
    res = run_damage(tmp_path, local_dir, "delete")
    assert "fetch failure" in res.stderr.lower() or "fetchfailed" in res.stderr.lower(), res.describe()


def test_corrupted_shuffle_file_is_recomputed(tmp_path, local_dir):
    res = run_damage(tmp_path, local_dir, "corrupt")
    assert "corrupt" in res.stderr.lower(), res.describe()


SPILL_JOB = r'''
import glob
import os
import sys
from pyspark import SparkContext

local_dir = sys.argv[1]
sc = SparkContext(appName="shuffle-spill")
rdd = sc.parallelize(range(200000), 4).map(lambda i: (i % 1013, str(i) * 3))
check("groups", lambda: sorted(rdd.groupByKey(5).mapValues(len).collect())[:5])
check("total", lambda: rdd.map(lambda kv: (kv[0], len(kv[1]))).reduceByKey(lambda a, b: a + b, 7).values().sum())
check("sorted_head", lambda: rdd.sortByKey(numPartitions=3).keys().take(3))
check("spill_files_left", lambda: len(glob.glob(os.path.join(local_dir, "**", "*.spill*"), recursive=True)))
sc.stop()
emit()
'''


def test_map_side_spills_give_the_same_answer(tmp_path, local_dir):
    local = local_dir
    script = write_job(tmp_path, "spill_job.py", SPILL_JOB)
    res = submit_ok(script, local, master="local[2]",
                    conf={"spark.local.dir": str(local), "spark.pyspark.python": PY,
                          "spark.sparkpp.shuffle.spillThreshold": "16k"}, timeout=180)
    n = 200000
    counts = {}
    for i in range(n):
        counts[i % 1013] = counts.get(i % 1013, 0) + 1
    assert res.result("groups") == sorted([k, v] for k, v in counts.items())[:5], res.describe()
    assert res.result("total") == sum(len(str(i) * 3) for i in range(n)), res.describe()
    assert res.result("sorted_head") == [0, 0, 0], res.describe()
    assert res.result("spill_files_left") == 0, res.describe()


NETWORK_JOB = r'''
from pyspark import SparkContext
sc = SparkContext(appName="shuffle-network")  # returns once the granted executors registered
pairs = sc.parallelize([(i % 101, 1) for i in range(50000)], 8)
check("counts", lambda: sorted(pairs.reduceByKey(lambda a, b: a + b, 4).collect()))
check("join", lambda: pairs.distinct(3).join(sc.parallelize([(k, k * 2) for k in range(0, 101, 10)], 2)).count())
check("sorted", lambda: pairs.keys().sortBy(lambda k: -k, numPartitions=3).take(2))
sc.stop()
emit()
'''


def test_reduce_fetches_over_the_network_between_workers(tmp_path):
    with Cluster(tmp_path) as c:
        m = c.start_master()
        w1 = c.start_worker(m.url, cores=1, memory="1g")
        w2 = c.start_worker(m.url, cores=1, memory="1g")
        wait_until(lambda: m.json()["aliveworkers"] == 2, 20, "two workers")
        script = write_job(tmp_path, "network_job.py", NETWORK_JOB)
        res = submit_ok(script, master=m.url, timeout=180,
                        conf={"spark.pyspark.python": PY,
                              "spark.sparkpp.shuffle.preferLocalRead": "false",
                              "spark.executor.cores": "1"})
        assert res.result("counts") == [[k, len(range(k, 50000, 101))] for k in range(101)], res.describe()
        assert res.result("join") == 11, res.describe()
        assert res.result("sorted") == [100, 100], res.describe()
        # Executors log what they fetched remotely; both workers' executors ran reduce tasks.
        logs = ""
        for w in (w1, w2):
            for f in glob.glob(os.path.join(w.work_dir, "**", "stderr"), recursive=True):
                with open(f, errors="replace") as fh:
                    logs += fh.read()
        assert "remote shuffle block" in logs, logs[-3000:]


ONE_ATTEMPT_JOB = r'''
import glob, os, sys
from pyspark import SparkContext
local_dir = sys.argv[1]
sc = SparkContext(appName="stage-attempts")
summed = sc.parallelize([(i % 7, i) for i in range(700)], 2).reduceByKey(lambda a, b: a + b, 2)
check("first", lambda: sorted(summed.collect()))
for f in glob.glob(os.path.join(local_dir, "**", "shuffle_*.data"), recursive=True):
    os.remove(f)
check("second", lambda: sorted(summed.collect()))
sc.stop()
emit()
'''


def test_stage_max_consecutive_attempts_aborts_the_job(tmp_path, local_dir):
    """spark.stage.maxConsecutiveAttempts=1: the first fetch failure of the reduce stage aborts
    the job with Spark's message (the default, 4, recovers: the tests above)."""
    res = submit_ok(write_job(tmp_path, "one.py", ONE_ATTEMPT_JOB), local_dir, master="local[2]", timeout=120,
                    conf={"spark.local.dir": str(local_dir), "spark.pyspark.python": PY,
                          "spark.stage.maxConsecutiveAttempts": "1"})
    assert res.result("first") == [[k, sum(i for i in range(700) if i % 7 == k)] for k in range(7)]
    err = res.results["second"]["error"]
    assert "ResultStage" in err and "has failed the maximum allowable number of times: 1" in err, err
