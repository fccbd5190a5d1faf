"""Task groups (spark.sparkpp.executor.taskGroupSize): an executor writes several short queued
tasks over parallelize data to one Python worker at once. Each task still runs exactly once
(results, accumulators, shuffle output), a worker crash in the middle of a group costs only the
task that was running (the ones after it run again on a new worker), and without worker reuse
every task still gets a Python process of its own.
"""
from jobs import submit_ok, write_job

JOB = r'''
import os
import sys
from operator import add
from pyspark import SparkContext, TaskContext

marker = sys.argv[1]
sc = SparkContext(appName="task-groups")
sc.parallelize([1], 1).count()
N = 400
acc = sc.accumulator(0)


def tag(x):
    acc.add(1)
    return (TaskContext.get().partitionId(), x)


def crash_once(x):
    if x == 150 and not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(3)  # the worker dies in the middle of its group
    return tag(x) + (os.getpid(),)


check("plain", lambda: sc.parallelize(range(N), N).map(tag).collect() == [(i, i) for i in range(N)])
check("acc_plain", lambda: acc.value)
check("crash", lambda: [r[:2] for r in sc.parallelize(range(N), N).map(crash_once).collect()] == [(i, i) for i in range(N)])
check("acc_crash", lambda: acc.value)
check("shuffle", lambda: sorted(sc.parallelize(range(N), N).map(lambda x: (x % 7, 1)).reduceByKey(add, 3).collect()))
sc.stop()
emit()
'''

PIDS_JOB = r'''
import os
from pyspark import SparkContext

sc = SparkContext(appName="task-groups-no-reuse")
sc.parallelize([1], 1).count()
check("pids", lambda: len(set(sc.parallelize(range(60), 60).map(lambda x: os.getpid()).collect())))
sc.stop()
emit()
'''


def test_grouped_tasks_run_once_and_survive_a_worker_crash(tmp_path):
    marker = tmp_path / "crashed"
    script = write_job(tmp_path, "groups.py", JOB)
    res = submit_ok(script, marker, master="local[1,4]", timeout=240)
    assert marker.exists(), "the crashing attempt never ran"
    assert res.result("plain") is True
    assert res.result("acc_plain") == 400
    assert res.result("crash") is True
    assert res.result("acc_crash") == 800  # the crashed attempt's update is dropped, none counted twice
    assert res.result("shuffle") == [[k, len(range(k, 400, 7))] for k in range(7)]


def test_no_worker_reuse_means_a_process_per_task(tmp_path):
    script = write_job(tmp_path, "pids.py", PIDS_JOB)
    res = submit_ok(script, master="local[1]", conf={"spark.python.worker.reuse": "false"})
    assert res.result("pids") == 60
