"""The application UI's REST API (/api/v1) on a live driver, the history server over an event
log, and the master/worker pages and worker log endpoint (issue #7). Spark's field names."""
import json
import os
import platform
import subprocess
import urllib.error
import urllib.request

import pytest

from daemons import Cluster, binary, kill_pids, wait_until
from jobs import finish_held, start_held

JOB = r'''
import os, sys, time
from pyspark import SparkContext
sc = SparkContext(appName="ui-rest")
pairs = sc.parallelize(range(2000), 8).map(lambda x: (x % 7, 1)).reduceByKey(lambda a, b: a + b, 3)
assert sorted(pairs.collect())[0] == (0, 286)
def boom(x):
    if x == 5:
        raise ValueError("boom at five")
    return x
try:
    sc.parallelize(range(10), 2).map(boom).collect()
except Exception:
    pass
sc.parallelize(range(4), 4).foreach(lambda x: print("executor-says-%d" % x))
assert sorted(pairs.collect())[0] == (0, 286)  # job 3: the map stage's output exists, so it is skipped
open(sys.argv[1] + ".tmp", "w").write(sc.uiWebUrl or "")
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
deadline = time.time() + 60
while not os.path.exists(sys.argv[2]) and time.time() < deadline:
    time.sleep(0.05)
sc.stop()
'''


def get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.load(r)


def status_of(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def run_held(tmp_path, master="local[2]", conf=None):
    """Starts JOB; returns (proc, tag, ui_url, release) once the job has run and holds."""
    c = {"spark.ui.port": "0", "spark.authenticate.secret": "hunter2"}
    c.update(conf or {})
    return start_held(tmp_path, JOB, master=master, conf=c)


def test_live_rest_api_shapes(tmp_path):
    proc, tag, ui, release = run_held(tmp_path)
    try:
        assert ui.startswith("http://")
        apps = get(f"{ui}/api/v1/applications")
        assert len(apps) == 1 and apps[0]["name"] == "ui-rest"
        att = apps[0]["attempts"][0]
        assert att["completed"] is False and att["startTime"].endswith("GMT")
        api = f"{ui}/api/v1/applications/{apps[0]['id']}"

        jobs = get(f"{api}/jobs")
        assert [j["jobId"] for j in jobs] == [3, 2, 1, 0]  # newest first
        for key in ("jobId", "name", "description", "submissionTime", "completionTime", "stageIds", "status",
                    "numTasks", "numActiveTasks", "numCompletedTasks", "numFailedTasks", "numActiveStages",
                    "numCompletedStages", "numSkippedStages", "numFailedStages"):
            assert key in jobs[0], key
        j0 = get(f"{api}/jobs/0")
        assert j0["status"] == "SUCCEEDED" and len(j0["stageIds"]) == 2 and j0["numCompletedTasks"] == 11
        assert {n["kind"] for n in j0["lineage"]["nodes"]} >= {"parallelize", "shuffled"}
        # DAG nodes and map stages carry Spark's names and the program's call sites (line 5).
        nodes = {n["kind"]: n for n in j0["lineage"]["nodes"]}
        assert nodes["shuffled"]["name"] == "ShuffledRDD", nodes
        assert nodes["shuffled"]["callsite"].startswith("reduceByKey at ") and nodes["shuffled"]["callsite"].endswith(".py:5")
        assert nodes["parallelize"]["name"] == "ParallelCollectionRDD"
        assert nodes["parallelize"]["callsite"].startswith("parallelize at ")
        j1 = get(f"{api}/jobs/1")
        assert j1["status"] == "FAILED" and "boom at five" in j1["failureReason"]
        assert [j["jobId"] for j in get(f"{api}/jobs?status=failed")] == [1]
        assert status_of(f"{api}/jobs/99") == 404
        # Every stage of a job's graph is listed, the skipped map stage too (Spark's JobData).
        # A job is named after the API the program called, as PySpark's call sites.
        assert get(f"{api}/jobs/2")["name"].startswith("foreach at "), get(f"{api}/jobs/2")
        assert j0["name"].startswith("collect at "), j0
        j3 = get(f"{api}/jobs/3")
        assert j3["stageIds"][0] == j0["stageIds"][0] and len(j3["stageIds"]) == 2, j3
        assert j3["numSkippedStages"] == 1 and j3["numSkippedTasks"] == 8 and j3["numCompletedTasks"] == 3, j3
        assert j0["numSkippedStages"] == 0

        stages = get(f"{api}/stages")
        map_stage = [s for s in stages if s["numTasks"] == 8][0]
        assert map_stage["status"] == "COMPLETE" and map_stage["shuffleWriteBytes"] > 0
        assert map_stage["name"].startswith("reduceByKey at ") and map_stage["name"].endswith(".py:5"), map_stage
        reduce_stage = [s for s in stages if s["numTasks"] == 3][0]
        assert reduce_stage["shuffleReadRecords"] > 0
        sid = map_stage["stageId"]
        attempts = get(f"{api}/stages/{sid}")
        assert len(attempts) == 1 and attempts[0]["attemptId"] == 0
        detail = get(f"{api}/stages/{sid}/0?details=true")
        assert len(detail["tasks"]) == 8 and "executorSummary" in detail

        tasks = get(f"{api}/stages/{sid}/0/taskList?offset=2&length=3")
        assert [t["index"] for t in tasks] == [2, 3, 4]
        t = tasks[0]
        for key in ("taskId", "index", "attempt", "launchTime", "duration", "executorId", "host", "status",
                    "taskLocality", "taskMetrics"):
            assert key in t, key
        assert t["taskMetrics"]["shuffleWriteMetrics"]["recordsWritten"] > 0
        by_runtime = get(f"{api}/stages/{sid}/0/taskList?length=8&sortBy=-runtime")
        durations = [x["duration"] for x in by_runtime]
        assert durations == sorted(durations, reverse=True)
        summary = get(f"{api}/stages/{sid}/0/taskSummary?quantiles=0,0.5,1")
        assert summary["quantiles"] == [0, 0.5, 1] and len(summary["executorRunTime"]) == 3

        failed_stage = [s for s in stages if s["status"] == "FAILED"][0]
        ft = get(f"{api}/stages/{failed_stage['stageId']}/0/taskList?status=failed")
        assert ft and "Traceback" in ft[0]["errorMessage"] and "boom at five" in ft[0]["errorMessage"]

        execs = get(f"{api}/executors")
        assert {"driver", "0"} <= {e["id"] for e in execs}
        e0 = [e for e in execs if e["id"] == "0"][0]
        assert status_of(f"{api}/executors/0/threads") == 404  # no thread dumps, never the list
        assert e0["totalCores"] == 2 and e0["completedTasks"] >= 11 and e0["failedTasks"] >= 1
        # Storage memory: spark.driver.memory (local mode's executor memory, 1g) x 0.6.
        assert e0["maxMemory"] == int(1024 * 0.6 * 1024 * 1024) and e0["memoryUsed"] == 0, e0
        assert get(f"{api}/storage/rdd") == []
        env = get(f"{api}/environment")
        props = dict(env["sparkProperties"])
        assert props["spark.app.name"] == "ui-rest"
        assert props["spark.authenticate.secret"] != "hunter2" and "hunter2" not in json.dumps(env)
        rt = env["runtime"]  # Spark's Runtime Information, for a Python application
        assert rt["pythonVersion"].split()[0] == platform.python_version(), rt
        assert os.path.isabs(rt["pythonExecutable"]) and rt["sparkppBuild"].startswith("sparkpp "), rt
        assert os.path.samefile(rt["sparkppExecutable"], binary()), rt
        assert not any(k.startswith("spark.sparkpp.runtime.") for k in props)

        # The pages themselves: one embedded single-page app.
        with urllib.request.urlopen(f"{ui}/jobs/", timeout=10) as r:
            assert b"/static/app.js" in r.read()
        assert status_of(f"{ui}/static/app.js") == 200
    finally:
        finish_held(proc, tag, release)


def test_history_server_replays_the_event_log(tmp_path):
    events = tmp_path / "events"
    proc, tag, ui, release = run_held(tmp_path, conf={"spark.eventLog.enabled": "true",
                                                      "spark.eventLog.dir": str(events)})
    app_id = get(f"{ui}/api/v1/applications")[0]["id"]
    live_jobs = get(f"{ui}/api/v1/applications/{app_id}/jobs")
    assert (events / f"{app_id}.inprogress").exists()
    finish_held(proc, tag, release)
    assert (events / app_id).exists()

    h = subprocess.Popen([binary(), "history", "--dir", str(events), "--host", "127.0.0.1", "--port", "0"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        line = h.stdout.readline().decode()
        assert "sparkpp history listening" in line, line + h.stderr.read().decode()
        port = int(line.split("port=")[1].split()[0])
        base = f"http://127.0.0.1:{port}/api/v1/applications"
        apps = get(base)
        assert [a["id"] for a in apps] == [app_id] and apps[0]["attempts"][0]["completed"] is True
        jobs = get(f"{base}/{app_id}/jobs")
        strip = lambda js: [{k: v for k, v in j.items() if k != "numActiveTasks"} for j in js]  # noqa: E731
        assert strip(jobs) == strip(live_jobs)
        assert get(f"{base}/{app_id}/stages")
        assert get(f"{base}/{app_id}/jobs?status=completed") is not None
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:
            assert b"/static/app.js" in r.read()
        assert status_of(f"{base}/no-such-app/jobs") == 404
    finally:
        kill_pids([h.pid])
        h.communicate(timeout=10)


def test_master_and_worker_pages_and_log_endpoint(tmp_path):
    with Cluster(tmp_path) as c:
        m = c.start_master()
        w1 = c.start_worker(m.url, cores=1, memory="1g")
        c.start_worker(m.url, cores=1, memory="1g")
        wait_until(lambda: m.json()["aliveworkers"] == 2, 30, "two workers")
        assert "/static/master.js" in m.http_get("/")[1]
        assert "/static/worker.js" in w1.http_get("/")[1]
        assert "function" in m.http_get("/static/common.js")[1]

        proc, tag, ui, release = run_held(tmp_path, master=m.url)
        try:
            app_id = get(f"{ui}/api/v1/applications")[0]["id"]
            execs = [e for e in get(f"{ui}/api/v1/applications/{app_id}/executors") if e["id"] != "driver"]
            assert len(execs) == 2
            assert m.json()["activeapps"][0]["id"] == app_id
            # Executors link to their logs on their worker's UI (Spark's SPARK_LOG_URL_*).
            webuis = {w["webuiaddress"] for w in m.json()["workers"]}
            for e in execs:
                logs = e["executorLogs"]
                assert set(logs) == {"stdout", "stderr"}, e
                assert any(logs["stderr"].startswith(u + "/logPage/?appId=" + app_id) for u in webuis), logs
                assert logs["stderr"].endswith("logType=stderr")
            # Worker 1's executor wrote its stdout into the worker's work dir.
            wj = w1.json()
            assert wj["executors"], wj
            ex = wj["executors"][0]["id"]
            q = f"/log?appId={app_id}&executorId={ex}&logType=stdout"
            got = wait_until(lambda: json.loads(w1.http_get(q)[1]), 30, "the executor's stdout")
            assert set(got) == {"data", "start", "end", "total"} and got["end"] <= got["total"]
            page = json.loads(w1.http_get(q + "&offset=0&byteLength=5")[1])
            assert page["start"] == 0 and page["end"] <= 5
            assert "/static/common.js" in w1.http_get(f"/logPage/?appId={app_id}&executorId={ex}&logType=stdout")[1]
            for bad in (f"/log?appId=..&executorId={ex}&logType=stdout",
                        f"/log?appId={app_id}&executorId=../../..&logType=stdout",
                        f"/log?appId={app_id}&executorId={ex}&logType=../../etc/passwd",
                        "/log?appId=%2Fetc&executorId=passwd&logType=stdout"):
                with pytest.raises(urllib.error.HTTPError) as ei:
                    w1.http_get(bad)
                assert ei.value.code == 404, bad
        finally:
            finish_held(proc, tag, release)
