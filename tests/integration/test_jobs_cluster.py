"""End-to-end PySpark jobs on a real standalone cluster (issue #3): `sparkpp master`, two
`sparkpp worker`s (2 cores, 1 GiB each) and `sparkpp submit --master spark://...`.

One broad job script (see jobs.py: many named checks per submit) runs with
--total-executor-cores 2 --executor-cores 1 --executor-memory 512m and records, while its
application is running, the master's /json entry of its own application and the driver's view
of its executors; the tests then check placement, sizes, errors, retries and that everything
ends cleanly (application FINISHED in completedapps, no executor process left on the workers).
Smaller jobs check executor allocation for combinations of --total-executor-cores,
--executor-cores and --executor-memory, spark.task.maxFailures (4 on a cluster), and a script
that exits without stopping its context. One cluster serves the whole module.
"""
import json
import os
import signal
import threading

import pytest

from daemons import Cluster, children_of, descendants_of, wait_until
from jobs import kill_tagged, start, submit, submit_ok, tagged_pids, wait_no_tagged, write_job


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with Cluster(tmp_path_factory.mktemp("jobs-cluster")) as c:
        m = c.start_master()
        workers = [c.start_worker(m.url, cores=2, memory="1g") for _ in range(2)]
        wait_until(lambda: m.json()["aliveworkers"] == 2, 20, "both workers ALIVE")
        c.master, c.workers = m, workers
        yield c


def no_executors_left(c):
    return all(not descendants_of(w.pid) for w in c.workers)


def completed_app(c, app_id):
    for a in c.master.json()["completedapps"]:
        if a["id"] == app_id:
            return a
    return None


# ============================================================================ broad job

BROAD_JOB = r'''
import json
import operator
import os
import sys
import urllib.request
from pyspark import SparkContext, SparkConf

master_web, marker, scratch = sys.argv[1], sys.argv[2], sys.argv[3]
sc = SparkContext(conf=SparkConf().setAppName("sparkpp-cluster-job"))
check("master", lambda: sc.master)
check("applicationId", lambda: sc.applicationId)

# A first job waits for executors; then take the snapshots while the application is running.
check("warmup", lambda: sc.parallelize(range(100), 4).map(lambda x: x * 2).sum())

def _wait_executors(n, timeout=20):
    import time
    deadline = time.monotonic() + timeout
    while len(sc._debug("executors")) < n and time.monotonic() < deadline:
        time.sleep(0.05)
    return len(sc._debug("executors"))
check("both_executors_registered", lambda: _wait_executors(2))

def _my_app():
    with urllib.request.urlopen(master_web + "/json", timeout=5) as r:
        state = json.loads(r.read().decode())
    return [a for a in state["activeapps"] if a["id"] == sc.applicationId]
check("master_json_app", _my_app)
check("driver_executors", lambda: sc._debug("executors"))

# Which executor ran each partition: tasks of a 4-partition job land on both executors.
def _where(i, it):
    yield (i, os.environ.get("SPARKPP_EXECUTOR_ID"))
check("task_hosts", lambda: sc.parallelize(range(8), 8).mapPartitionsWithIndex(_where).collect())

# ---- plain jobs, key-value jobs
data = list(range(1, 1001))
rdd = sc.parallelize(data, 6)
check("collect", lambda: rdd.collect())
check("sum_count", lambda: (rdd.sum(), rdd.count(), rdd.max(), rdd.min()))
check("reduceByKey", lambda: sorted(rdd.map(lambda x: (x % 7, x)).reduceByKey(operator.add).collect()))
check("groupByKey", lambda: sorted((k, sorted(v)) for k, v in
                                   rdd.map(lambda x: (x % 3, x)).groupByKey().collect()))
check("join", lambda: sorted(sc.parallelize([(i % 5, i) for i in range(20)], 3)
                              .join(sc.parallelize([(k, str(k)) for k in range(3)], 2)).collect()))
check("sortByKey", lambda: rdd.map(lambda x: (-x, x)).sortByKey(numPartitions=3).values().take(5))
check("distinct", lambda: sorted(rdd.map(lambda x: x % 13).distinct().collect()))
check("broadcast", lambda: rdd.map(lambda x, b=sc.broadcast({1: "one"}): b.value.get(x)).filter(bool).collect())
acc = sc.accumulator(0)
check("accumulator", lambda: (rdd.foreach(lambda x: acc.add(x)), acc.value)[1])

# ---- a user exception surfaces with its traceback; the application stays usable
def user_fails(x):
    if x == 7:
        raise ValueError("cluster-boom-%d" % x)
    return x

def _user_exception():
    try:
        sc.parallelize(range(10), 2).map(user_fails).collect()
    except Exception as e:
        return [type(e).__name__, str(e)]
    return "did not raise"
check("user_exception", _user_exception)
check("healthy_after_exception", lambda: sc.parallelize(range(10), 5).map(lambda x: x + 1).sum())

# ---- a task that fails once succeeds on retry (spark.task.maxFailures defaults to 4 here)
def flaky(x):
    if x == 3:
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return x
        os.close(fd)
        raise RuntimeError("failing the first attempt on purpose")
    return x
def _retry():
    try:
        return sc.parallelize(range(6), 3).map(flaky).collect()
    except Exception as e:
        return "raised: " + str(e)[:2000]
check("retry", _retry)

# ---- dependencies and files: addPyFile reaches the executors; part files written by executors
def _py_file():
    mod = os.path.join(scratch, "cluster_helper_mod.py")
    with open(mod, "w") as f:
        f.write("def triple(x):\n    return 3 * x\n")
    sc.addPyFile(mod)
    def use(x):
        import cluster_helper_mod
        return cluster_helper_mod.triple(x)
    return sc.parallelize(range(6), 3).map(use).collect()
check("addPyFile", _py_file)
def _save_and_read():
    out = os.path.join(scratch, "saved")
    sc.parallelize(["line %d" % i for i in range(50)], 5).saveAsTextFile(out)
    parts = sorted(n for n in os.listdir(out) if n.startswith("part-"))
    back = sc.textFile(out).collect()
    return [parts, os.path.exists(os.path.join(out, "_SUCCESS")), sorted(back, key=lambda l: int(l.split()[1]))]
check("saveAsTextFile", _save_and_read)

# ---- many tiny partitions
check("tiny_partitions", lambda: sc.parallelize(range(2000), 2000).map(lambda x: x * 3).sum())
check("tiny_partitions_count", lambda: sc.parallelize(range(2000), 2000).getNumPartitions())

check("stop", lambda: sc.stop())
emit()
'''


@pytest.fixture(scope="module")
def broad_job(cluster, tmp_path_factory):
    d = tmp_path_factory.mktemp("broad")
    script = write_job(d, "broad_job.py", BROAD_JOB)
    master_web = f"http://127.0.0.1:{cluster.master.webui_port}"
    res = submit_ok(script, master_web, d / "failed-once", d, master=cluster.master.url,
                    options=["--total-executor-cores", "2", "--executor-cores", "1",
                             "--executor-memory", "512m"], timeout=120)
    res.marker = d / "failed-once"
    return res


DATA = list(range(1, 1001))
BROAD_EXPECTED = {
    "warmup": sum(x * 2 for x in range(100)),
    "both_executors_registered": 2,
    "collect": DATA,
    "sum_count": [sum(DATA), 1000, 1000, 1],
    "reduceByKey": [[k, sum(x for x in DATA if x % 7 == k)] for k in range(7)],
    "groupByKey": [[k, [x for x in DATA if x % 3 == k]] for k in range(3)],
    "join": sorted([[i % 5, [i, str(i % 5)]] for i in range(20) if i % 5 < 3]),
    "sortByKey": [1000, 999, 998, 997, 996],
    "distinct": list(range(13)),
    "broadcast": ["one"],
    "accumulator": sum(DATA),
    "healthy_after_exception": 55,
    "addPyFile": [0, 3, 6, 9, 12, 15],
    "saveAsTextFile": [["part-%05d" % i for i in range(5)], True, ["line %d" % i for i in range(50)]],
    "tiny_partitions": 3 * sum(range(2000)),
    "tiny_partitions_count": 2000,
    "stop": None,
}


@pytest.mark.parametrize("name", sorted(BROAD_EXPECTED))
def test_broad(broad_job, name):
    assert broad_job.result(name) == BROAD_EXPECTED[name]


def test_master_url(broad_job, cluster):
    assert broad_job.result("master") == cluster.master.url


def test_executor_options_visible_in_master_json(broad_job, cluster):
    apps = broad_job.result("master_json_app")
    assert len(apps) == 1, apps
    app = apps[0]
    assert app["state"] == "RUNNING", app
    assert app["name"] == "sparkpp-cluster-job"
    assert app["cores"] == 2, "--total-executor-cores 2: " + json.dumps(app)
    assert app["memoryperexecutor"] == 512, "--executor-memory 512m: " + json.dumps(app)
    execs = app["executors"]
    assert len(execs) == 2, execs
    assert all(e["cores"] == 1 for e in execs), "--executor-cores 1: " + json.dumps(execs)
    assert all(e["memory"] == 512 for e in execs), execs
    assert all(e["state"] == "RUNNING" for e in execs), execs
    # spread out (the default): one executor on each worker
    assert sorted(e["workerid"] for e in execs) == sorted(w.id for w in cluster.workers), execs


def test_driver_sees_both_executors(broad_job):
    execs = broad_job.result("driver_executors")
    assert len(execs) == 2, execs
    assert all(e["cores"] == 1 for e in execs), execs


def test_tasks_ran_on_both_executors(broad_job):
    where = broad_job.result("task_hosts")
    assert sorted(p for p, _ in where) == list(range(8))
    assert len({e for _, e in where}) == 2, where


def test_user_exception_surfaces_with_traceback(broad_job):
    r = broad_job.result("user_exception")
    assert isinstance(r, list), r
    _, text = r
    assert "ValueError" in text and "cluster-boom-7" in text, text
    assert "Traceback (most recent call last)" in text, text
    assert "in user_fails" in text, text


def test_task_fails_once_then_succeeds(broad_job):
    assert broad_job.marker.exists(), "the failing first attempt never ran"
    assert broad_job.result("retry") == [0, 1, 2, 3, 4, 5]


def test_application_finished_and_executors_gone(broad_job, cluster):
    app_id = broad_job.result("applicationId")
    app = wait_until(lambda: completed_app(cluster, app_id), 20, "application in completedapps")
    assert app["state"] == "FINISHED", app
    assert not any(a["id"] == app_id for a in cluster.master.json()["activeapps"])
    wait_until(lambda: no_executors_left(cluster), 20, "no executor process left on the workers")
    # each executor ran in WORK_DIR/APP/EXEC with its stdout and stderr kept (docs/deploy.md)
    (snap,) = broad_job.result("master_json_app")
    work = {w.id: w.work_dir for w in cluster.workers}
    for e in snap["executors"]:
        d = os.path.join(work[e["workerid"]], app_id, str(e["id"]))
        assert os.path.isfile(os.path.join(d, "stdout")), d
        with open(os.path.join(d, "stderr"), errors="replace") as f:
            assert f.read().startswith("Spark Executor Command:"), d
    # the workers gave back every core and every MiB
    wait_until(lambda: all(w["coresused"] == 0 and w["memoryused"] == 0
                           for w in cluster.master.json()["workers"]), 20, "resources released")


# ============================================================================ allocation, failures

ALLOC_JOB = r"""
import json
import sys
import time
import urllib.request
from pyspark import SparkContext

master_web, want_execs = sys.argv[1], int(sys.argv[2])
sc = SparkContext(appName="sparkpp-cluster-alloc")
check("applicationId", lambda: sc.applicationId)
check("count", lambda: sc.parallelize(range(1000), 8).count())
def _wait_executors(timeout=20):
    deadline = time.monotonic() + timeout
    while len(sc._debug("executors")) < want_execs and time.monotonic() < deadline:
        time.sleep(0.05)
    return len(sc._debug("executors"))
check("executors_registered", _wait_executors)
def _my_app():
    with urllib.request.urlopen(master_web + "/json", timeout=5) as r:
        state = json.loads(r.read().decode())
    return [a for a in state["activeapps"] if a["id"] == sc.applicationId]
check("master_json_app", _my_app)
check("defaultParallelism", lambda: sc.defaultParallelism)
check("sum", lambda: sc.parallelize(range(100), 10).sum())
emit()
if len(sys.argv) > 3:
    raise SystemExit(int(sys.argv[3]))   # exit without stopping the context
sc.stop()
"""


def run_alloc(cluster, tmp_path, options, want_execs, *extra):
    script = write_job(tmp_path, "alloc_job.py", ALLOC_JOB)
    return submit(script, f"http://127.0.0.1:{cluster.master.webui_port}", want_execs, *extra,
                  master=cluster.master.url, options=options, timeout=90)


# Two workers of 2 cores / 1 GiB; spreading out (the default) as Spark's standalone master.
@pytest.mark.parametrize("options,cores,execs", [
    ([], 4, [2, 2]),                                                      # every core, one per worker
    (["--executor-cores", "1", "--executor-memory", "512m"], 4, [1, 1, 1, 1]),  # two per worker
    (["--executor-cores", "1"], 2, [1, 1]),            # 1 GiB workers fit one 1 GiB executor each
    (["--total-executor-cores", "3"], 3, [1, 2]),                          # spread 2 + 1
    (["--total-executor-cores", "3", "--executor-cores", "2"], 2, [2]),    # whole executors only
    (["--executor-memory", "768m"], 4, [2, 2]),
], ids=["defaults", "executor-cores-1", "memory-bound", "total-3", "total-3-by-2", "memory-768m"])
def test_allocation(cluster, tmp_path, options, cores, execs):
    res = run_alloc(cluster, tmp_path, options, len(execs))
    assert res.returncode == 0, res.describe()
    assert res.result("count") == 1000 and res.result("sum") == 4950
    assert res.result("executors_registered") == len(execs)
    (app,) = res.result("master_json_app")
    assert app["cores"] == cores, app
    assert sorted(e["cores"] for e in app["executors"]) == execs, app
    mem = next((int(o[:-1]) for o in options if o.endswith("m")), 1024)
    assert app["memoryperexecutor"] == mem and all(e["memory"] == mem for e in app["executors"]), app
    assert res.result("defaultParallelism") == max(cores, 2)
    done = wait_until(lambda: completed_app(cluster, res.result("applicationId")), 20, "completed")
    assert done["state"] == "FINISHED", done
    wait_until(lambda: no_executors_left(cluster), 20, "no executor process left on the workers")


def test_script_exiting_without_stop_ends_app(cluster, tmp_path):
    """A script that exits non-zero without sc.stop(): the submit fails with that code, the
    application still ends and its executors go away."""
    res = run_alloc(cluster, tmp_path, [], 2, 3)
    assert res.returncode == 3, res.describe()
    assert "disassociated" not in res.stderr, res.describe()  # executors are stopped, not orphaned
    app_id = res.result("applicationId")
    wait_until(lambda: completed_app(cluster, app_id), 20, "application in completedapps")
    wait_until(lambda: no_executors_left(cluster), 20, "no executor process left on the workers")


ALWAYS_FAILS_JOB = r"""
import os
import sys
import uuid
from pyspark import SparkContext

attempts_dir = sys.argv[1]
sc = SparkContext(appName="sparkpp-cluster-always-fails")

def always_fails(x):
    if x == 5:
        open(os.path.join(attempts_dir, uuid.uuid4().hex), "w").close()
        raise RuntimeError("permanent failure %d" % x)
    return x

def _run():
    try:
        sc.parallelize(range(10), 5).map(always_fails).collect()
    except Exception as e:
        return [type(e).__name__, str(e)[:5000]]
    return "did not raise"
check("always_fails", _run)
check("attempts", lambda: len(os.listdir(attempts_dir)))
check("healthy_after", lambda: sc.parallelize(range(10), 5).count())
sc.stop()
emit()
"""


def test_task_failing_every_attempt_fails_job_after_max_failures(cluster, tmp_path):
    attempts = tmp_path / "attempts"
    attempts.mkdir()
    script = write_job(tmp_path, "always_fails.py", ALWAYS_FAILS_JOB)
    # exit code not asserted here: see test_driver_exits_cleanly_after_aborted_job
    res = submit(script, attempts, master=cluster.master.url, timeout=90)
    name, text = res.result("always_fails")
    assert "permanent failure 5" in text and "RuntimeError" in text, text
    assert "in always_fails" in text, text
    assert res.result("attempts") == 4, "spark.task.maxFailures defaults to 4 on a cluster"
    assert res.result("healthy_after") == 10
    wait_until(lambda: no_executors_left(cluster), 20, "no executor process left on the workers")


ABORT_JOB = r"""
from pyspark import SparkContext
sc = SparkContext(appName="sparkpp-cluster-abort")
def fail(x):
    if x == 5:
        raise RuntimeError("boom")
    return x
try:
    sc.parallelize(range(10), 5).map(fail).collect()
except Exception as e:
    print("raised", type(e).__name__)
sc.stop()
"""


def test_driver_exits_cleanly_after_aborted_job(cluster, tmp_path):
    """Four executors still connected when the driver exits (the crash needs at least one;
    more make it near-certain over twenty submits)."""
    script = write_job(tmp_path, "abort_job.py", ABORT_JOB, prelude=False)
    codes = []
    for _ in range(20):  # stops at the first bad exit; ~8 s when all are clean
        res = submit(script, master=cluster.master.url, timeout=60,
                     options=["--executor-cores", "1", "--executor-memory", "256m"])
        assert "raised SparkJobError" in res.stdout, res.describe()
        codes.append(res.returncode)
        if res.returncode != 0:
            break
    assert codes == [0] * 20, f"submit exit codes {codes} (-11 = SIGSEGV)\n" + res.describe()


HOLD_JOB = r"""
import os
import sys
import time
from pyspark import SparkContext

go = sys.argv[1]
sc = SparkContext(appName=sys.argv[2])
check("applicationId", lambda: sc.applicationId)
check("count", lambda: sc.parallelize(range(100), 4).count())
print("RUNNING " + sc.applicationId, flush=True)
deadline = time.monotonic() + 60
while not os.path.exists(go) and time.monotonic() < deadline:
    time.sleep(0.05)
check("released", lambda: os.path.exists(go))
sc.stop()
emit()
"""


def test_second_app_waits_for_cores_then_runs(cluster, tmp_path):
    """App A holds every core; app B is registered with no executor (WAITING, as Spark) and
    runs its job once A ends."""
    script = write_job(tmp_path, "hold_job.py", HOLD_JOB)
    go_a = tmp_path / "go-a"
    proc_a, tag_a, _ = start(script, go_a, "holder", master=cluster.master.url)
    result_b = {}
    try:
        line = proc_a.stdout.readline().decode()
        assert line.startswith("RUNNING "), line
        app_a = line.split()[1]
        go_b = tmp_path / "go-b"
        go_b.touch()  # B finishes as soon as its job ran
        t = threading.Thread(target=lambda: result_b.update(res=submit(
            script, go_b, "waiter", master=cluster.master.url, timeout=60)))
        t.start()

        def b_registered():
            apps = [a for a in cluster.master.json()["activeapps"] if a["name"] == "waiter"]
            return apps[0] if apps else None
        b = wait_until(b_registered, 20, "second application registered")
        assert b["executors"] == [] and b["cores"] == 0, b
        assert b["state"] == "WAITING", b
        go_a.touch()
        t.join(70)
        assert not t.is_alive(), "second application never finished"
        res_b = result_b["res"]
        assert res_b.returncode == 0, res_b.describe()
        assert res_b.result("count") == 100
        assert proc_a.wait(30) == 0
        assert completed_app(cluster, app_a)["state"] == "FINISHED"
    finally:
        go_a.touch()
        try:
            proc_a.wait(30)
        finally:
            proc_a.stdout.close()
            proc_a.stderr.close()
            for pid, _ in tagged_pids(tag_a):
                os.kill(pid, 9)
    wait_until(lambda: no_executors_left(cluster), 20, "no executor process left on the workers")


SLOW_JOB = r"""
import os
import sys
import time
import uuid
from pyspark import SparkContext

started = sys.argv[1]
sc = SparkContext(appName="sparkpp-cluster-slow")
check("applicationId", lambda: sc.applicationId)

def slow(x):
    open(os.path.join(started, "%d-%s" % (x, uuid.uuid4().hex)), "w").close()
    time.sleep(0.5)
    return x * x
check("squares", lambda: sc.parallelize(range(12), 12).map(slow).collect())
check("after", lambda: sc.parallelize(range(10), 4).sum())
sc.stop()
emit()
"""


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def test_executor_killed_mid_job_job_still_completes(cluster, tmp_path):
    """SIGKILL one of the two executors while tasks run: its tasks run again elsewhere (executor
    loss is not a task failure), the job's result is complete, and the master replaces it."""
    started = tmp_path / "started"
    started.mkdir()
    script = write_job(tmp_path, "slow_job.py", SLOW_JOB)
    box = {}
    t = threading.Thread(target=lambda: box.update(res=submit(
        script, started, master=cluster.master.url, timeout=90,
        options=["--total-executor-cores", "2", "--executor-cores", "1", "--executor-memory", "512m"])))
    t.start()
    try:
        wait_until(lambda: len(os.listdir(started)) >= 2, 30, "tasks started")
        victim = wait_until(lambda: [p for p in children_of(cluster.workers[0].pid)
                                     if " executor --driver-url " in _cmdline(p)], 10,
                            "an executor on worker 1")[0]
        os.kill(victim, 9)
    finally:
        t.join(100)
    assert not t.is_alive(), "submit never finished"
    res = box["res"]
    assert res.returncode == 0, res.describe()
    assert res.result("squares") == [x * x for x in range(12)]
    assert res.result("after") == 45
    app = wait_until(lambda: completed_app(cluster, res.result("applicationId")), 20, "completed")
    assert app["state"] == "FINISHED", app
    assert any(e["workerid"] == cluster.workers[0].id for e in app["removedexecutors"]), app
    # a replacement was launched on the freed core (as Spark's master does)
    assert len({e["id"] for e in app["executors"] + app["removedexecutors"]}) >= 3, app
    wait_until(lambda: no_executors_left(cluster), 20, "no executor process left on the workers")


HANG_JOB = r"""
import os
import sys
import time
from pyspark import SparkContext

started = sys.argv[1]
sc = SparkContext(appName="sparkpp-cluster-hang")
print("APP " + sc.applicationId, flush=True)

def hang(x):
    open(os.path.join(started, str(x)), "w").close()
    time.sleep(120)
    return x
sc.parallelize(range(4), 4).map(hang).collect()
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_killing_submit_mid_job_ends_app_and_executors(cluster, tmp_path, sig):
    """The driver ends (by PID) while tasks run on the workers: the master ends the application,
    the workers kill its executors and their Python workers, and every core comes back."""
    started = tmp_path / "started"
    started.mkdir()
    script = write_job(tmp_path, "hang_job.py", HANG_JOB)
    proc, tag, _ = start(script, started, master=cluster.master.url)
    try:
        line = proc.stdout.readline().decode()
        assert line.startswith("APP "), line
        app_id = line.split()[1]
        wait_until(lambda: len(os.listdir(started)) >= 2, 30, "tasks running on the executors")
        os.kill(proc.pid, sig)
        proc.communicate(timeout=30)
        assert not wait_no_tagged(tag, timeout=15), "driver-side processes survived"
        app = wait_until(lambda: completed_app(cluster, app_id), 20, "application in completedapps")
        assert app["state"] in ("FINISHED", "KILLED"), app
        wait_until(lambda: no_executors_left(cluster), 20, "no executor process left on the workers")
        wait_until(lambda: cluster.master.json()["coresused"] == 0, 20, "cores released")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=30)
        kill_tagged(tag)
