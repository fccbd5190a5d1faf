"""Issue #6 scenario 7 (second half): an executor that stops answering (SIGSTOP) is declared
lost after spark.network.timeout; its tasks run again on a replacement and the job completes.
The same timeout also drops idle connections to the driver's executor port (issue 12); that must
not pre-empt the heartbeat check for a registered executor."""
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
