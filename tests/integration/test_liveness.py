"""Issue #6 scenario 7 (second half): an executor that stops answering (SIGSTOP) is declared
lost after spark.network.timeout; its tasks run again on a replacement and the job completes.
The same timeout also drops idle connections to the driver's executor port (issue 12); that must
not pre-empt the heartbeat check for a registered executor."""
import re

import jobs

STOP_JOB = r'''
import os, signal, time
from pyspark import SparkContext
sc = SparkContext(appName="stopped")
marker = os.environ["MARKER"]

def executor_pid():
    # Python worker -> daemon -> executor
    daemon = int(open("/proc/%d/stat" % os.getppid()).read().rsplit(")", 1)[1].split()[1])
    return daemon

def f(x):
    if x == 0 and not os.path.exists(marker):
        open(marker, "w").close()
        os.kill(executor_pid(), signal.SIGSTOP)  # the executor hangs: no results, no heartbeats
        time.sleep(60)
    return x * 2

t = time.time()
check("result", lambda: sorted(sc.parallelize(range(20), 4).map(f).collect()))
check("seconds", lambda: time.time() - t)
check("stopped_once", lambda: os.path.exists(marker))
emit()
sc.stop()
'''


def test_silent_executor_is_declared_lost(tmp_path):
    script = jobs.write_job(tmp_path, "stop.py", STOP_JOB)
    res = jobs.submit_ok(script, master="local[2]", timeout=120,
                         conf={"spark.network.timeout": "3s", "spark.executor.heartbeatInterval": "1s"},
                         env={"MARKER": str(tmp_path / "marker")})
    assert res.result("result") == [x * 2 for x in range(20)]
    assert res.result("stopped_once") is True
    assert "heartbeat timed out" in res.stderr
    # A registered executor is judged by its heartbeats, never by the executor port's idle
    # timeout (issue 12): that one dropped the hung local executor's link without killing it,
    # so no replacement ever started and the job waited forever.
    assert "idle for" not in res.stderr, res.stderr


CRASH_JOB = r'''
import os, signal
from pyspark import SparkContext
sc = SparkContext(appName="crashing")

def executor_pid():
    # Python worker -> daemon -> executor
    return int(open("/proc/%d/stat" % os.getppid()).read().rsplit(")", 1)[1].split()[1])

def f(x):
    if x == 0:
        os.kill(executor_pid(), signal.SIGKILL)  # the task takes its executor down, every time
    return x

check("crash", lambda: first_error(lambda: sc.parallelize(range(4), 2).map(f).collect()))
# The application survives the failed job: a new executor runs the next one.
check("after", lambda: sc.parallelize(range(10), 2).sum())
emit()
sc.stop()
'''


def test_task_that_kills_its_executor_fails_the_job(tmp_path):
    # Executor losses count toward spark.task.maxFailures (Spark's ExecutorLostFailure caused
    # by the app); this job used to be retried forever. Local mode allows 4 losses.
    script = jobs.write_job(tmp_path, "crash.py", CRASH_JOB)
    res = jobs.submit_ok(script, master="local[2]", timeout=120)
    err = res.result("crash")
    # Task 1 may have shared the executor each time, and so its fate.
    assert re.search(r"Job aborted due to stage failure: Task [01] in stage 0\.0 failed 4 times", err), err
    assert "ExecutorLostFailure (executor" in err and "caused by one of the running tasks" in err, err
    assert res.result("after") == 45
