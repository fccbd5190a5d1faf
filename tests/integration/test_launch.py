"""PySpark programs run by plain Python (no `sparkpp submit`): the first SparkContext starts the
driver runtime (`sparkpp driver`) as a child of the Python process, as PySpark starts its JVM.

Each test runs /usr/bin/python3 on a script in its own session with a fresh SPARKPP_TEST_TAG
(inherited by the driver runtime, executors and Python workers) and checks by PID that nothing
tagged outlives it."""
import json
import os
import signal
import subprocess
import sys
import uuid

import jobs
from daemons import wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
PKG = os.path.normpath(os.path.join(HERE, "..", "..", "src", "pyworker"))


def plain_python(script, *args, env=None, stdin=subprocess.DEVNULL):
    """Starts `python3 script args` (no submit) with the package importable; returns
    (Popen, tag)."""
    tag = uuid.uuid4().hex
    e = dict(os.environ)
    e.pop("SPARKPP_DRIVER_PORT", None)
    e["SPARKPP_BIN"] = jobs.binary()
    e["SPARKPP_TEST_TAG"] = tag
    e["PYTHONPATH"] = PKG
    e["PYTHONUNBUFFERED"] = "1"
    for k, v in (env or {}).items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = v
    proc = subprocess.Popen([jobs.job_python(), str(script), *map(str, args)], stdin=stdin,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e,
                            start_new_session=True)
    return proc, tag


def run_plain(script, *args, env=None, timeout=120):
    proc, tag = plain_python(script, *args, env=env)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        jobs.kill_tagged(tag)
        out, err = proc.communicate()
        raise AssertionError("timed out\n" + err.decode(errors="replace")[-4000:])
    res = jobs.JobResult([script], proc.returncode, out.decode(errors="replace"),
                         err.decode(errors="replace"), False, jobs.wait_no_tagged(tag), 0.0)
    assert not res.leftovers, "processes outlived the Python program: %s\n%s" % (
        res.leftovers, res.describe())
    assert res.returncode == 0, res.describe()
    return res


SESSION_JOB = r'''
import os, sys
from pyspark.sql import SparkSession
from pyspark import SparkContext, SparkConf

spark = (SparkSession.builder.master("local[2]").appName("plain-python")
         .config("spark.sql.shuffle.partitions", "3").config("spark.ui.port", "0").getOrCreate())
sc = spark.sparkContext
check("same_session", lambda: SparkSession.builder.getOrCreate() is spark)
check("info", lambda: [sc.master, sc.appName, spark.conf.get("spark.sql.shuffle.partitions"),
                       sc.getConf().get("spark.test.fromSubmitArgs")])
check("rdd", lambda: sorted(sc.parallelize(range(10), 3).map(lambda x: (x % 2, x))
                           .reduceByKey(lambda a, b: a + b).collect()))
check("df", lambda: sorted_rows(spark.range(10).groupBy((spark.range(10).id % 3).alias("k"))
                                     .count()))
# Workers run PYSPARK_PYTHON (a wrapper that marks its environment).
check("worker_python", lambda: sc.parallelize([0], 1).map(
    lambda _: os.environ.get("WRAPPED_PYTHON")).collect())
spark.stop()
check("stopped_is_new", lambda: SparkSession.builder.getOrCreate() is not spark)
check("fresh", lambda: [SparkSession.builder.getOrCreate().sparkContext.appName,
                        SparkSession.builder.getOrCreate().range(5).count()])
SparkSession.builder.getOrCreate().stop()
# SparkContext(...) directly; interpreter exit stops it (no stop() call).
sc2 = SparkContext("local[1]", "direct", conf=SparkConf().set("spark.ui.enabled", "false"))
check("context", lambda: [sc2.appName, sc2.parallelize([1, 2, 3]).sum()])
emit()
'''


def test_plain_python_session_and_context(tmp_path):
    wrapper = tmp_path / "python-wrapper"
    wrapper.write_text("#!/bin/sh\nWRAPPED_PYTHON=yes exec %s \"$@\"\n" % jobs.job_python())
    wrapper.chmod(0o755)
    script = jobs.write_job(tmp_path, "job.py", SESSION_JOB)
    res = run_plain(script, env={"SPARKPP_PYTHON": None, "PYSPARK_PYTHON": str(wrapper),
                                 "PYSPARK_SUBMIT_ARGS": "--master local[1] --conf "
                                 "spark.test.fromSubmitArgs=yes pyspark-shell"})
    assert res.result("same_session") is True
    assert res.result("info") == ["local[2]", "plain-python", "3", "yes"]  # code > flags
    assert res.result("rdd") == [[0, 20], [1, 25]]
    assert res.result("df") == [[0, 4], [1, 3], [2, 3]]
    assert res.result("worker_python") == ["yes"]
    assert res.result("stopped_is_new") is True
    assert res.result("fresh") == ["pyspark-shell", 5]  # PySpark's default name, local[*]
    assert res.result("context") == ["direct", 6]


HELD_JOB = r'''
import os, sys
from pyspark import SparkContext
sc = SparkContext("local[2]", "held")
sc.parallelize(range(4), 2).map(lambda x: x).collect()  # an executor and Python workers exist
print("ready", flush=True)
sys.stdin.read()
'''


def test_sigkill_of_python_leaves_no_process(tmp_path):
    script = jobs.write_job(tmp_path, "held.py", HELD_JOB, prelude=False)
    proc, tag = plain_python(script, stdin=subprocess.PIPE)  # held open: the script waits
    try:
        line = proc.stdout.readline().decode()
        assert line.strip() == "ready", proc.stderr.read().decode()[-3000:]
        others = [p for p, _ in jobs.tagged_pids(tag) if p != proc.pid]
        assert len(others) >= 2, jobs.tagged_pids(tag)  # the runtime and its executor at least
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        wait_until(lambda: not any(os.path.exists("/proc/%d" % p) and
                                   open("/proc/%d/stat" % p).read().split(") ")[1][0] != "Z"
                                   for p in others), 15, "the runtime's processes to exit")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        jobs.kill_tagged(tag)
        for f in (proc.stdin, proc.stdout, proc.stderr):
            f.close()


KERNEL_JOB = r'''
import os, signal, threading, time
from pyspark.sql import SparkSession

spark = SparkSession.builder.master("local[2]").config("spark.ui.port", "0").getOrCreate()
sc = spark.sparkContext
tracker = sc.statusTracker()


def interrupt_when_running():
    """Plays the notebook's interrupt button: SIGINT once a job has running tasks."""
    def run():
        while True:
            ids = tracker.getActiveStageIds()
            infos = [tracker.getStageInfo(s) for s in ids]
            if any(i and i.numActiveTasks > 0 for i in infos):
                os.kill(os.getpid(), signal.SIGINT)
                return
            time.sleep(0.02)
    threading.Thread(target=run, daemon=True).start()


def slow(x):
    time.sleep(120)
    return x


def cell_interrupted():
    interrupt_when_running()
    t0 = time.monotonic()
    try:
        sc.parallelize(range(2), 2).map(slow).collect()
    except KeyboardInterrupt:
        return ["KeyboardInterrupt", time.monotonic() - t0 < 30]
    return "not interrupted"


def cell_after():
    t0 = time.monotonic()
    # Both slots are free again (the slow tasks were killed) and the link is usable.
    return [sc.parallelize(range(100), 2).sum(), time.monotonic() - t0 < 30]


def cell_group():
    errors = []

    def in_thread():
        sc.setJobGroup("g1", "group one")
        try:
            sc.parallelize(range(2), 2).map(slow).count()
        except Exception as e:  # noqa: BLE001
            errors.append(str(e))
    t = threading.Thread(target=in_thread)
    t.start()
    deadline = time.monotonic() + 60
    while not (tracker.getJobIdsForGroup("g1") and tracker.getActiveStageIds()) \
            and time.monotonic() < deadline:
        time.sleep(0.02)
    ids = tracker.getJobIdsForGroup("g1")
    active = tracker.getActiveJobsIds()
    sc.cancelJobGroup("g1")
    t.join(60)
    info = tracker.getJobInfo(ids[0])
    stage = tracker.getStageInfo(info.stageIds[0])
    return [len(ids), ids[0] in active, [e.splitlines()[0][-60:] for e in errors],
            info.status, type(info).__name__, type(stage).__name__, stage.numTasks,
            sorted(tracker.getJobIdsForGroup(None))[:2],
            tracker.getJobInfo(12345)]


def cell_description():
    import urllib.request, json as j
    sc.setJobDescription("counting things")
    sc.setLocalProperty("my.key", "v")
    got = sc.getLocalProperty("my.key")
    sc.parallelize([1, 2]).count()
    sc.setJobDescription(None)
    url = "%s/api/v1/applications/%s/jobs" % (sc.uiWebUrl, sc.applicationId)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        descs = [x.get("description") for x in j.load(urllib.request.urlopen(url))]
        if "counting things" in descs:
            break
        time.sleep(0.05)
    return [got, "counting things" in descs]


def cell_groups_in_threads():
    # PySpark's test_multiple_group_jobs, shortened: one group cancelled, the other runs on.
    from pyspark import InheritableThread
    cancelled = {}

    def run_job(group, i, secs):
        try:
            sc.parallelize([secs], 1).map(lambda x: time.sleep(x)).collectWithJobGroup(group, "g")
            cancelled[i] = False
        except Exception:  # noqa: BLE001
            cancelled[i] = True
    ts = [threading.Thread(target=run_job, args=("to_cancel", i, 120)) for i in (0, 2)]
    ts += [threading.Thread(target=run_job, args=("to_run", i, 1)) for i in (1, 3)]
    for t in ts:
        t.start()
    tracker = sc.statusTracker()
    deadline = time.monotonic() + 60
    while len(tracker.getJobIdsForGroup("to_cancel")) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    sc.cancelJobGroup("to_cancel")
    for t in ts:
        t.join(60)
    # An InheritableThread's jobs carry the creating thread's group; collectWithJobGroup left
    # this thread's own group alone.
    sc.setJobGroup("inherited", "x")
    t = InheritableThread(target=lambda: sc.parallelize([1]).count())
    t.start()
    t.join(60)
    own = sc.getLocalProperty("spark.jobGroup.id")
    sc.setLocalProperty("spark.jobGroup.id", None)
    return [cancelled, len(tracker.getJobIdsForGroup("inherited")), own]


def cell_dataframe_after():
    return spark.range(1000).selectExpr("sum(id)").first()[0]


for name, cell in [("interrupted", cell_interrupted), ("after", cell_after),
                   ("group", cell_group), ("description", cell_description),
                   ("groups_in_threads", cell_groups_in_threads), ("df", cell_dataframe_after)]:
    check(name, cell)
emit()
'''


def test_kernel_like_loop_interrupt_group_and_status(tmp_path):
    script = jobs.write_job(tmp_path, "kernel.py", KERNEL_JOB)
    res = run_plain(script)
    assert res.result("interrupted") == ["KeyboardInterrupt", True]
    assert res.result("after") == [4950, True]
    n, was_active, errors, status, tname, sname, ntasks, ungrouped, unknown = \
        res.result("group")
    assert (n, was_active, status, tname, sname, ntasks, ungrouped, unknown) == \
        (1, True, "FAILED", "SparkJobInfo", "SparkStageInfo", 2, [0, 1], None)
    assert len(errors) == 1 and errors[0].endswith("cancelled part of cancelled job group g1"), errors
    assert res.result("description") == ["v", True]
    assert res.result("groups_in_threads") == [{"0": True, "1": False, "2": True, "3": False}, 1, "inherited"]
    assert res.result("df") == 499500


def test_driver_runtime_reports_config_errors(tmp_path):
    # A bad defaults file is the Python exception's message, not a silent child's stderr.
    conf_dir = tmp_path / "conf"
    conf_dir.mkdir()
    (conf_dir / "spark-defaults.conf").write_text("spark.default.parallelism notanumber\n")
    script = tmp_path / "bad.py"
    script.write_text("from pyspark import SparkContext\n"
                      "try:\n    SparkContext('local[1]', 'x')\n"
                      "except RuntimeError as e:\n    print('ERR', e)\n")
    res = run_plain(script, env={"SPARKPP_CONF_DIR": str(conf_dir)})
    assert "ERR the sparkpp driver runtime failed to start" in res.stdout, res.describe()
    assert "spark.default.parallelism" in res.stdout, res.describe()


if __name__ == "__main__":
    sys.exit("run with pytest")
