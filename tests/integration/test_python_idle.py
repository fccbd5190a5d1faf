"""Idle Python workers are reaped (spark.sparkpp.python.worker.idleTimeout), the daemon stays.

One local[2] application with the timeout at 1 s: a first job warms Python workers (each task
reports its worker's pid), the application then idles while the test waits until those workers
have exited and been reaped (no zombies) and the executor's daemon has no children left but is
still alive; a second job in the same application then runs on freshly forked workers.
"""
import os

from daemons import children_of, pid_alive, wait_until
from jobs import start, tagged_pids, wait_no_tagged, write_job, JobResult

JOB = r'''
import os
import time
import sys
import time
from pyspark import SparkContext

go = sys.argv[1]
sc = SparkContext(appName="idle-reap")
pids = sc.parallelize(range(8), 4).map(lambda x: os.getpid())  # no shuffle: reruns each time
first = sorted(set(pids.collect()))
print("FIRST", " ".join(map(str, first)), flush=True)
deadline = time.monotonic() + 60
while not os.path.exists(go) and time.monotonic() < deadline:
    time.sleep(0.05)
check("second", lambda: sc.parallelize(range(100), 4).map(lambda x: x * 2).sum())
# The same RDD again: its function, sent to the first workers, must reach the fresh ones too.
check("second_pids", lambda: sorted(set(pids.collect())))
sc.stop()
emit()
'''


def exists(pid):
    return os.path.exists(f"/proc/{pid}")


def test_idle_workers_reaped_daemon_kept_next_job_runs(tmp_path):
    script = write_job(tmp_path, "idle_reap.py", JOB)
    go = tmp_path / "go"
    proc, tag, args = start(script, go, master="local[2]",
                            conf={"spark.sparkpp.python.worker.idleTimeout": "1s"})
    try:
        line = proc.stdout.readline().decode()
        assert line.startswith("FIRST "), line + proc.stderr.read().decode(errors="replace")
        first = [int(p) for p in line.split()[1:]]
        assert first
        daemons = [p for p, cmd in tagged_pids(tag) if "sparkpp.daemon" in cmd and p not in first]
        assert len(daemons) == 1, tagged_pids(tag)
        daemon = daemons[0]
        assert set(first) <= set(children_of(daemon))
        # Gone entirely (not zombies), and the daemon forgot them too.
        wait_until(lambda: not any(exists(p) for p in first) and not children_of(daemon), 20,
                   "the idle Python workers to exit")
        assert pid_alive(daemon), "the daemon must outlive its idle workers"
        go.touch()
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    left = wait_no_tagged(tag)
    res = JobResult(args, proc.returncode, out.decode(errors="replace"), err.decode(errors="replace"),
                    False, left, 0.0)
    assert res.returncode == 0, res.describe()
    assert not left, res.describe()
    assert res.result("second") == 9900
    assert not set(res.result("second_pids")) & set(first), "workers were forked afresh"


HELD = r'''
import os
import time
import sys
import time
from pyspark.sql import SparkSession

go = sys.argv[1]
spark = SparkSession.builder.appName("prestart").getOrCreate()
if os.environ.get("RUN_DF"):
    assert spark.range(10).count() == 10  # native: no Python on the executor
print("CONTEXT", flush=True)
deadline = time.monotonic() + 60
while not os.path.exists(go) and time.monotonic() < deadline:
    time.sleep(0.05)
spark.stop()
'''


def _daemons_of(tag):
    return [p for p, cmd in tagged_pids(tag) if "sparkpp.daemon" in cmd]


def _held(tmp_path, prestart, run_df):
    script = write_job(tmp_path, "held.py", HELD, prelude=False)
    go = tmp_path / "go"
    env = {"RUN_DF": "1" if run_df else None}
    proc, tag, _ = start(script, go, master="local[1]", env=env,
                         conf=None if prestart is None else
                         {"spark.sparkpp.python.daemon.prestart": str(prestart).lower()})
    return proc, tag, go


def _finish(proc, tag, go):
    go.touch()
    try:
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert not wait_no_tagged(tag)
    assert proc.returncode == 0


def test_python_daemon_prestarts_before_the_first_job(tmp_path):
    # The first job must not wait for Python's start-up: the daemon starts when the executor
    # registers, before any job.
    proc, tag, go = _held(tmp_path, True, run_df=False)
    try:
        assert proc.stdout.readline().decode().startswith("CONTEXT")
        wait_until(lambda: _daemons_of(tag), 30, "a Python daemon before any job")
    finally:
        _finish(proc, tag, go)


def test_python_daemon_not_started_by_default_by_native_jobs(tmp_path):
    # Prestart is off by default: DataFrame-only applications would pay ~0.2 s of CPU per
    # executor for a Python they never use (docs/benchmarks.md, session 20).
    proc, tag, go = _held(tmp_path, None, run_df=True)
    try:
        assert proc.stdout.readline().decode().startswith("CONTEXT")
        # local[1]: with prestart its one task thread would have started the daemon before
        # running the job's task, so after the job there is nothing left to wait for.
        assert not _daemons_of(tag), tagged_pids(tag)
    finally:
        _finish(proc, tag, go)
