"""Issue #6 scenario 7 (first half): with spark.speculation=true a task stuck on a stopped
executor (SIGSTOP) gets a copy on another executor, the first result wins and the job finishes
while the original is still stopped. (The second half, an executor silent for
spark.network.timeout being declared lost, is test_liveness.py.)"""
import os

import pytest

from daemons import Cluster, descendants_of, wait_until
from jobs import submit, submit_ok, write_job


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with Cluster(tmp_path_factory.mktemp("speculation")) as c:
        m = c.start_master()
        # Two "hosts" (127.0.0.2 is loopback too): a copy never runs on the original's host.
        c.workers = [c.start_worker(m.url, cores=1, memory="1g", host=h) for h in ("127.0.0.1", "127.0.0.2")]
        wait_until(lambda: m.json()["aliveworkers"] == 2, 20, "both workers ALIVE")
        c.master = m
        yield c


SPECULATE_JOB = r'''
import json, os, signal, time, urllib.request
from pyspark import SparkContext
sc = SparkContext(appName="speculation")
marker = os.environ["MARKER"]

def executor_pid():
    # Python worker -> daemon -> executor
    return int(open("/proc/%d/stat" % os.getppid()).read().rsplit(")", 1)[1].split()[1])

def f(x):
    if x == 7 and not os.path.exists(marker):
        with open(marker + ".tmp", "w") as m:
            m.write(str(executor_pid()))
        os.rename(marker + ".tmp", marker)
        os.kill(executor_pid(), signal.SIGSTOP)  # this executor hangs with task 7 in hand
        time.sleep(300)
    return x * 10

def state_of(pid):
    return open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0]

check("result", lambda: sc.parallelize(range(8), 8).map(f).collect())
stopped = int(open(marker).read())
check("original_still_stopped", lambda: state_of(stopped))

def tasks():
    base = sc.uiWebUrl + "/api/v1/applications/" + sc.applicationId
    stages = json.load(urllib.request.urlopen(base + "/stages"))
    (st,) = [s for s in stages if s["numTasks"] == 8]
    rows = json.load(urllib.request.urlopen(base + "/stages/%d/0/taskList?length=100" % st["stageId"]))
    return sorted([r["index"], r["attempt"], r["speculative"], r["status"]] for r in rows)
check("tasks", tasks)
emit()
sc.stop()
'''


def test_slow_task_is_speculated_and_first_result_wins(cluster, tmp_path):
    script = write_job(tmp_path, "speculate.py", SPECULATE_JOB)
    marker = tmp_path / "stopped-executor"
    res = submit_ok(script, master=cluster.master.url, timeout=180,
                    conf={"spark.speculation": "true", "spark.executor.cores": "1"},
                    env={"MARKER": str(marker)})
    assert res.result("result") == [x * 10 for x in range(8)]
    # The job's answer came while the original attempt's executor was still stopped.
    assert res.result("original_still_stopped") == "T"
    tasks = res.result("tasks")
    # Index 7 ran twice: the speculative copy (attempt 1) succeeded; the original never reported.
    assert [t for t in tasks if t[0] == 7] == [[7, 0, False, "RUNNING"], [7, 1, True, "SUCCESS"]]
    assert [t for t in tasks if t[0] != 7] == [[i, 0, False, "SUCCESS"] for i in range(7)]
    # The stopped executor does not outlive its application (the worker kills it).
    wait_until(lambda: all(not descendants_of(w.pid) for w in cluster.workers), 60, "executors gone")


OFF_JOB = r'''
from pyspark import SparkContext
sc = SparkContext(appName="no-speculation")
check("result", lambda: sc.parallelize(range(40), 8).map(lambda x: x + 1).sum())
emit()
sc.stop()
'''


def test_bad_speculation_settings_are_rejected(cluster, tmp_path):
    res = submit(write_job(tmp_path, "bad.py", OFF_JOB), master=cluster.master.url, timeout=60,
                 conf={"spark.speculation.quantile": "1.5"})
    assert res.returncode != 0
    assert "spark.speculation.quantile must be between 0 and 1" in res.stderr + res.stdout
    res = submit(write_job(tmp_path, "bad2.py", OFF_JOB), master=cluster.master.url, timeout=60,
                 conf={"spark.speculation.multiplier": "fast"})
    assert res.returncode != 0
    assert "spark.speculation.multiplier" in res.stderr + res.stdout


SAVE_JOB = r'''
import os, signal, sys, time
from pyspark import SparkContext
sc = SparkContext(appName="speculative-save")
marker, out = os.environ["MARKER"], sys.argv[1]

def executor_pid():
    return int(open("/proc/%d/stat" % os.getppid()).read().rsplit(")", 1)[1].split()[1])

def f(x):
    if x == 7 and not os.path.exists(marker):
        with open(marker + ".tmp", "w") as m:
            m.write(str(executor_pid()))
        os.rename(marker + ".tmp", marker)
        os.kill(executor_pid(), signal.SIGSTOP)  # stuck mid-write: its attempt file stays open
        time.sleep(300)
    return "line-%d" % x

check("saved", lambda: sc.parallelize(range(8), 8).map(f).saveAsTextFile(out))
check("listing", lambda: sorted(os.listdir(out)))
stopped = int(open(marker).read())
check("original_still_stopped", lambda: open("/proc/%d/stat" % stopped).read().rsplit(")", 1)[1].split()[0])
emit()
sc.stop()
'''


def test_speculated_write_task_leaves_one_complete_file_per_partition(cluster, tmp_path):
    out = tmp_path / "out"
    res = submit_ok(write_job(tmp_path, "save.py", SAVE_JOB), str(out), master=cluster.master.url, timeout=180,
                    conf={"spark.speculation": "true", "spark.executor.cores": "1"},
                    env={"MARKER": str(tmp_path / "stopped")})
    assert res.result("saved") is None
    assert res.result("original_still_stopped") == "T"  # the copy's file, not a retry after a timeout
    parts = ["part-%05d" % i for i in range(8)]
    assert res.result("listing") == ["_SUCCESS"] + parts  # no _temporary, no attempt debris
    for i, p in enumerate(parts):
        assert (out / p).read_text() == "line-%d\n" % i
    wait_until(lambda: all(not descendants_of(w.pid) for w in cluster.workers), 60, "executors gone")
    # The stopped attempt, killed with its executor, did not leave anything behind later either.
    assert sorted(os.listdir(out)) == ["_SUCCESS"] + parts


SLOW_JOB = r'''
import json, os, time, urllib.request
from pyspark import SparkContext
sc = SparkContext(appName="speculation-slow")
marker = os.environ["MARKER"]

def f(x):
    if x == 7 and not os.path.exists(marker):
        open(marker, "w").close()
        time.sleep(30)  # slow, not stopped: the copy wins and this attempt is killed
    return x

t = time.time()
check("result", lambda: sc.parallelize(range(8), 8).map(f).collect())
check("fast", lambda: time.time() - t < 25)

def seven():
    base = sc.uiWebUrl + "/api/v1/applications/" + sc.applicationId
    (st,) = [s for s in json.load(urllib.request.urlopen(base + "/stages")) if s["numTasks"] == 8]
    deadline = time.time() + 20
    while True:
        rows = json.load(urllib.request.urlopen(base + "/stages/%d/0/taskList?length=100" % st["stageId"]))
        got = sorted([r["attempt"], r["speculative"], r["status"]] for r in rows if r["index"] == 7)
        if got[0][2] != "RUNNING" or time.time() > deadline:
            return got
        time.sleep(0.1)
check("seven", seven)
emit()
sc.stop()
'''


def test_losing_attempt_is_killed_and_shown_killed(cluster, tmp_path):
    res = submit_ok(write_job(tmp_path, "slow.py", SLOW_JOB), master=cluster.master.url, timeout=180,
                    conf={"spark.speculation": "true", "spark.executor.cores": "1"},
                    env={"MARKER": str(tmp_path / "slow")})
    assert res.result("result") == list(range(8))
    assert res.result("fast") is True  # did not wait for the 30 s original
    assert res.result("seven") == [[0, False, "KILLED"], [1, True, "SUCCESS"]]
