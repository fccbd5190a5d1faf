"""`sparkpp submit --deploy-mode cluster` (Spark's standalone cluster mode): the master launches
the driver on a worker with the program, --py-files and --files shipped with the submission;
driver ids driver-<yyyyMMddHHmmss>-<NNNN>; --supervise restarts a driver that exits non-zero;
--status / --kill SUBMISSION_ID against the master; drivers in the master's and the worker's
/json and pages. One master + one worker for the module."""
import json
import os
import re
import subprocess
import time

import pytest

from daemons import Cluster, wait_until
import jobs

JOB = r'''
import os, sys
from pyspark import SparkContext, SparkFiles
import helper  # --py-files

sc = SparkContext()
mode = sys.argv[1]
if mode == "flaky":
    marker = sys.argv[2]
    if not os.path.exists(marker):
        open(marker, "w").close()
        sys.exit(3)  # the first run fails: --supervise starts it again
if mode == "fail":
    sys.exit(4)
if mode == "hold":
    import time
    time.sleep(120)  # until killed
check("sum", lambda: sc.parallelize(range(10), 2).map(helper.double).sum())
check("files", lambda: sc.parallelize([0], 1).map(lambda _: open(SparkFiles.get("data.txt")).read()).collect())
check("cwd", lambda: sorted(n for n in os.listdir(".") if not n.startswith((".", "__"))))
check("conf", lambda: [sc.getConf().get("spark.submit.deployMode"), sc.appName, sc.master.startswith("spark://")])
emit()
sc.stop()
'''

ID = re.compile(r"driver-\d{14}-\d{4}")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cluster_mode")
    (tmp / "data.txt").write_text("shipped")
    (tmp / "helper.py").write_text("def double(x):\n    return 2 * x\n")
    script = jobs.write_job(tmp, "cjob.py", JOB)
    with Cluster(tmp) as c:
        m = c.start_master()
        w = c.start_worker(m.url, cores=3, memory="3g", conf={"spark.worker.killTimeout": "2s"})
        wait_until(lambda: m.json()["aliveworkers"] == 1, 20, "the worker ALIVE")
        yield m, w, script, tmp


def submit(env, *args, options=()):
    m, _, script, tmp = env
    return subprocess.run(
        [jobs.binary(), "submit", "--master", m.url, "--deploy-mode", "cluster",
         "--conf", "spark.executor.memory=512m", "--conf", "spark.driver.memory=512m",
         "--py-files", str(tmp / "helper.py"), "--files", str(tmp / "data.txt"), *options,
         script, *args],
        capture_output=True, text=True, timeout=60, env=dict(os.environ, SPARKPP_PYTHON=jobs.job_python()))


def ask(env, flag, driver_id):
    m = env[0]
    p = subprocess.run([jobs.binary(), "submit", "--master", m.url, flag, driver_id],
                       capture_output=True, text=True, timeout=30)
    return p.returncode, json.loads(p.stdout), p.stderr


def completed(m, driver_id):
    for d in m.json()["completeddrivers"]:
        if d["id"] == driver_id:
            return d
    return None


def results(w, driver_id):
    out = open(os.path.join(w.work_dir, driver_id, "stdout")).read()
    line = [x for x in out.splitlines() if x.startswith(jobs.RESULT_MARK)]
    assert line, out + open(os.path.join(w.work_dir, driver_id, "stderr")).read()[-3000:]
    return {k: v.get("ok", v) for k, v in json.loads(line[0][len(jobs.RESULT_MARK):]).items()}


def test_cluster_mode_runs_the_driver_on_a_worker(env):
    m, w, _, _ = env
    p = submit(env, "ok")
    assert p.returncode == 0, p.stderr
    driver_id = ID.search(p.stderr).group(0)
    assert "Driver successfully submitted as %s" % driver_id in p.stderr
    assert "State of %s is RUNNING" % driver_id in p.stderr
    assert "Driver running on 127.0.0.1:%s (%s)" % (w.port, w.json()["id"]) in p.stderr, p.stderr
    d = wait_until(lambda: completed(m, driver_id), 60, "the driver FINISHED")
    assert d["state"] == "FINISHED" and d["worker"] == w.json()["id"], d
    assert d["mainclass"] == "cjob.py" and d["cores"] == 1 and d["memory"] == 512
    r = results(w, driver_id)
    assert r["sum"] == 90 and r["files"] == ["shipped"]
    assert r["cwd"] == ["cjob.py", "data.txt", "helper.py", "stderr", "stdout"]
    assert r["conf"] == ["client", "cjob.py", True]
    # The driver's application ran on this cluster; the worker lists the finished driver.
    assert any(a["name"] == "cjob.py" for a in m.json()["completedapps"])
    fin = [x for x in w.json()["finisheddrivers"] if x["id"] == driver_id]
    assert fin and fin[0]["state"] == "FINISHED" and fin[0]["runs"] == 1
    stderr = open(os.path.join(w.work_dir, driver_id, "stderr")).read()
    assert stderr.startswith("Launch Command: ") and " submit --properties-file " in stderr
    log = json.loads(w.http_get("/log?driverId=%s&logType=stdout" % driver_id)[1])
    assert jobs.RESULT_MARK in log["data"]
    code, st, _ = ask(env, "--status", driver_id)
    assert code == 0 and st["action"] == "SubmissionStatusResponse" and st["success"] is True
    assert st["driverState"] == "FINISHED" and st["submissionId"] == driver_id
    assert st["workerId"] == w.json()["id"]


def test_supervise_restarts_a_failed_driver(env, tmp_path):
    m, w, _, _ = env
    p = submit(env, "flaky", str(tmp_path / "marker"), options=["--supervise"])
    assert p.returncode == 0, p.stderr
    driver_id = ID.search(p.stderr).group(0)
    d = wait_until(lambda: completed(m, driver_id), 60, "the supervised driver FINISHED")
    assert d["state"] == "FINISHED", d
    fin = [x for x in w.json()["finisheddrivers"] if x["id"] == driver_id][0]
    assert fin["runs"] == 2 and fin["driverdesc"]["supervise"] is True
    assert results(w, driver_id)["sum"] == 90
    # Without --supervise a non-zero exit is FAILED, with its code.
    p = submit(env, "fail")
    driver_id = ID.search(p.stderr).group(0)
    d = wait_until(lambda: completed(m, driver_id), 60, "the driver FAILED")
    assert d["state"] == "FAILED" and d["exitcode"] == 4, d


def test_kill_and_status(env):
    m, w, _, _ = env
    p = submit(env, "hold")
    driver_id = ID.search(p.stderr).group(0)
    wait_until(lambda: any(x["id"] == driver_id and x["pid"] for x in w.json()["drivers"]), 30, "driver started")
    pid = [x["pid"] for x in w.json()["drivers"] if x["id"] == driver_id][0]
    code, st, _ = ask(env, "--status", driver_id)
    assert code == 0 and st["driverState"] == "RUNNING" and st["workerHostPort"].startswith("127.0.0.1:")
    assert [x["id"] for x in m.json()["activedrivers"]] == [driver_id]
    code, k, err = ask(env, "--kill", driver_id)
    assert code == 0 and k == {"action": "KillSubmissionResponse",
                               "message": "Kill request for %s submitted" % driver_id,
                               "serverSparkVersion": k["serverSparkVersion"],
                               "submissionId": driver_id, "success": True}
    assert "Submitting a request to kill submission %s" % driver_id in err
    d = wait_until(lambda: completed(m, driver_id), 30, "the driver KILLED")
    assert d["state"] == "KILLED"
    wait_until(lambda: not os.path.exists("/proc/%d" % pid) or
               open("/proc/%d/stat" % pid).read().split(")")[1].split()[0] == "Z", 10, "driver process gone")
    code, k, _ = ask(env, "--kill", driver_id)
    assert code == 1 and k["success"] is False
    assert k["message"] == "Driver %s has already finished or does not exist" % driver_id
    code, st, _ = ask(env, "--status", "driver-20200101000000-0099")
    assert code == 1 and st["success"] is False and "driverState" not in st


def test_cluster_mode_refusals(env, tmp_path):
    job = tmp_path / "job.py"
    job.write_text("raise SystemExit('must not run')\n")
    p = subprocess.run([jobs.binary(), "submit", "--deploy-mode", "cluster", "--master", "local[2]", str(job)],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1
    assert p.stderr.strip() == 'sparkpp submit: Cluster deploy mode is not compatible with master "local[2]"'
    p = subprocess.run([jobs.binary(), "submit", "--supervise", "--master", env[0].url, str(job)],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and "--supervise only applies to --deploy-mode cluster" in p.stderr
    p = subprocess.run([jobs.binary(), "pyspark", "--deploy-mode", "cluster", "--master", env[0].url],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1
    assert p.stderr.strip() == "sparkpp pyspark: Cluster deploy mode is not applicable to Spark shells."
    p = subprocess.run([jobs.binary(), "submit", "--status", "driver-x"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and "--status needs --master spark://HOST:PORT" in p.stderr
