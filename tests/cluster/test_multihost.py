"""Multi-host scenarios (issue #6) on network namespaces: master on host m, workers on w1 and
w2, the driver on d, each advertising its own 10.x address. Every wait has a deadline; the
`net` fixture kills every process and removes every namespace, even on failure."""
import os
import signal

from netcluster import SHORT, finish, no_executors, start_cluster, submit, wait_until, write


WORDCOUNT = r'''
import json, sys
from operator import add
from pyspark import SparkContext, SparkConf
sc = SparkContext(conf=SparkConf().setAppName("wordcount-multihost"))
counts = (sc.textFile(sys.argv[1], 4).flatMap(lambda l: l.split()).map(lambda w: (w, 1))
          .reduceByKey(add, 3).collect())
print("@@ " + json.dumps({"counts": dict(counts), "app": sc.applicationId}), flush=True)
sc.stop()
'''


def test_wordcount_shuffle_across_hosts(net, tmp_path):
    m, ws = start_cluster(net)
    words = ["alpha", "beta", "gamma", "delta", "epsilon"]
    lines = [" ".join(words[(i * j) % 5] for j in range(1, 8)) for i in range(400)]
    data = write(tmp_path, "input.txt", "\n".join(lines) + "\n")
    expect = {}
    for l in lines:
        for w in l.split():
            expect[w] = expect.get(w, 0) + 1
    script = write(tmp_path, "wc.py", WORDCOUNT)
    res = finish(submit(net, script, data), 120)
    assert res["counts"] == expect
    (app,) = [a for a in m.json()["completedapps"] if a["id"] == res["app"]]
    # One executor per worker host: map outputs were written on both and fetched across hosts.
    assert sorted({e["workerid"] for e in app["executors"] + app["removedexecutors"]}) == sorted(w.id for w in ws)
    wait_until(lambda: no_executors(ws), 30, "executors gone")


BLOCKING = r'''
import json, os, sys, time
from operator import add
from pyspark import SparkContext, SparkConf
marks, go = sys.argv[1], sys.argv[2]
sc = SparkContext(conf=SparkConf().setAppName(sys.argv[3]))
def slow(i):
    open(os.path.join(marks, "started-%d" % i), "w").close()
    while not os.path.exists(go):
        time.sleep(0.05)
    return (i % 5, i)
res = sc.parallelize(range(40), 8).map(slow).reduceByKey(add, 2).collect()
print("@@ " + json.dumps({"sums": sorted(res), "app": sc.applicationId}), flush=True)
sc.stop()
'''


def started(marks):
    return len(os.listdir(marks))


def test_worker_link_cut_then_healed(net, tmp_path):
    m, (w1, w2) = start_cluster(net)
    marks = os.path.join(str(tmp_path), "marks")
    os.mkdir(marks)
    go = os.path.join(str(tmp_path), "go")
    proc = submit(net, write(tmp_path, "block.py", BLOCKING), marks, go, "link-cut")
    # Both executors (one per host) are inside a task.
    wait_until(lambda: started(marks) >= 2 and len(m.json()["activeapps"][0]["executors"]) == 2, 60, "tasks running")
    net.cut("w1")
    wait_until(lambda: {w["id"]: w["state"] for w in m.json()["workers"]}[w1.id] == "DEAD", 20, "w1 DEAD")
    open(go, "w").close()
    # The lost core comes back as a replacement executor on w2, and the job completes.
    res = finish(proc, 120)
    assert res["sums"] == [[k, sum(i for i in range(40) if i % 5 == k)] for k in range(5)]
    (app,) = [a for a in m.json()["completedapps"] if a["id"] == res["app"]]
    on_w2 = [e for e in app["executors"] + app["removedexecutors"] if e["workerid"] == w2.id]
    assert len(on_w2) >= 2, app
    assert any(e["workerid"] == w1.id and e["state"] == "LOST" for e in app["removedexecutors"])
    # Healed: w1 re-registers and its stale executor does not survive.
    net.heal("w1")
    wait_until(lambda: {w["id"]: w["state"] for w in m.json()["workers"]}.get(w1.id) == "ALIVE", 90, "w1 back")
    wait_until(lambda: w1.json()["executors"] == [] and no_executors([w1]), 60, "stale executor gone")
    assert m.json()["aliveworkers"] == 2


RESTART = r'''
import json, os, sys, time
from operator import add
from pyspark import SparkContext, SparkConf
first, go = sys.argv[1], sys.argv[2]
sc = SparkContext(conf=SparkConf().setAppName("master-restart"))
r1 = sc.parallelize(range(100), 4).map(lambda x: (x % 3, 1)).reduceByKey(add).collect()
with open(first, "w") as f:
    f.write(sc.applicationId)
while not os.path.exists(go):
    time.sleep(0.05)
r2 = sc.parallelize(range(100), 4).map(lambda x: (x % 3, x)).reduceByKey(add).collect()
print("@@ " + json.dumps({"r1": sorted(r1), "r2": sorted(r2), "app": sc.applicationId}), flush=True)
sc.stop()
'''


def test_master_restart_with_recovery_keeps_the_application(net, tmp_path):
    rdir = os.path.join(str(tmp_path), "recovery")
    rconf = {"spark.deploy.recoveryMode": "FILESYSTEM", "spark.deploy.recoveryDirectory": rdir,
             "spark.deploy.recoveryTimeout": "60"}
    m, ws = start_cluster(net, master_conf=rconf)
    first, go = os.path.join(str(tmp_path), "first"), os.path.join(str(tmp_path), "go")
    proc = submit(net, write(tmp_path, "restart.py", RESTART), first, go)
    wait_until(lambda: os.path.exists(first) and open(first).read(), 90, "first job done")
    app_id = open(first).read()
    m.kill(signal.SIGKILL)
    m.wait_exit(10)
    m2 = net.start_master("m", conf=dict(SHORT, **rconf))
    wait_until(lambda: m2.json()["status"] == "ALIVE", 60, "recovery complete")
    j = m2.json()
    assert j["aliveworkers"] == 2 and [a["id"] for a in j["activeapps"]] == [app_id]
    assert len(j["activeapps"][0]["executors"]) == 2  # the running executors were re-adopted
    open(go, "w").close()
    res = finish(proc, 120)
    assert res["app"] == app_id
    assert res["r1"] == [[0, 34], [1, 33], [2, 33]]
    assert res["r2"] == [[k, sum(x for x in range(100) if x % 3 == k)] for k in range(3)]
    wait_until(lambda: no_executors(ws), 30, "executors gone")


def test_driver_sigkill_ends_the_application(net, tmp_path):
    m, ws = start_cluster(net)
    marks = os.path.join(str(tmp_path), "marks")
    os.mkdir(marks)
    proc = submit(net, write(tmp_path, "block.py", BLOCKING), marks, os.path.join(str(tmp_path), "never"), "killed")
    wait_until(lambda: started(marks) >= 2, 60, "tasks running")
    (app,) = m.json()["activeapps"]
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its Python program, no goodbye
    proc.wait(10)
    wait_until(lambda: any(a["id"] == app["id"] for a in m.json()["completedapps"]), 30, "app ended")
    (done,) = [a for a in m.json()["completedapps"] if a["id"] == app["id"]]
    assert done["state"] == "FINISHED"
    wait_until(lambda: no_executors(ws), 30, "executors killed")
    wait_until(lambda: not net.pids_in("d"), 10, "nothing left on the driver host")
    for w in ws:
        for e in w.json()["finishedexecutors"]:
            assert e["state"] == "KILLED"
            assert os.path.exists(os.path.join(w.work_dir, app["id"], str(e["id"]), "stderr"))  # logs stay


MID_JOB = r'''
import json, os, sys, time
from operator import add
from pyspark import SparkContext, SparkConf
marks, go = sys.argv[1], sys.argv[2]
sc = SparkContext(conf=SparkConf().setAppName("master-dies-mid-job"))
def slow(i):
    open(os.path.join(marks, "started-%d" % i), "w").close()
    while not os.path.exists(go):
        time.sleep(0.05)
    return (i % 4, i)
res = sc.parallelize(range(40), 8).map(slow).reduceByKey(add, 3).collect()
print("@@ " + json.dumps({"sums": sorted(res), "app": sc.applicationId}), flush=True)
with open(go + ".done", "w") as f:
    f.write("x")
while not os.path.exists(go + ".stop"):
    time.sleep(0.05)
sc.stop()
'''


def test_job_runs_on_while_the_master_is_down(net, tmp_path):
    """Issue #6 scenario 4, mid-job: the master is SIGKILLed while a job's tasks are running; the
    executors finish the job with no master at all (map, shuffle across hosts, reduce); a master
    restarted with FILESYSTEM recovery gets the workers and the application back."""
    rdir = os.path.join(str(tmp_path), "recovery")
    rconf = {"spark.deploy.recoveryMode": "FILESYSTEM", "spark.deploy.recoveryDirectory": rdir,
             "spark.deploy.recoveryTimeout": "60"}
    m, ws = start_cluster(net, master_conf=rconf)
    marks = os.path.join(str(tmp_path), "marks")
    os.mkdir(marks)
    go = os.path.join(str(tmp_path), "go")
    proc = submit(net, write(tmp_path, "midjob.py", MID_JOB), marks, go)
    wait_until(lambda: len(os.listdir(marks)) >= 2, 60, "tasks running on both hosts")
    (app,) = m.json()["activeapps"]
    m.kill(signal.SIGKILL)
    m.wait_exit(10)
    open(go, "w").close()  # the tasks finish while there is no master
    wait_until(lambda: os.path.exists(go + ".done"), 90, "job done without a master")
    m2 = net.start_master("m", conf=dict(SHORT, **rconf))
    wait_until(lambda: m2.json()["status"] == "ALIVE", 60, "recovery complete")
    j = m2.json()
    assert j["aliveworkers"] == 2 and [a["id"] for a in j["activeapps"]] == [app["id"]]
    open(go + ".stop", "w").close()
    res = finish(proc, 60)
    assert res["app"] == app["id"]
    assert res["sums"] == [[k, sum(i for i in range(40) if i % 4 == k)] for k in range(4)]
    wait_until(lambda: no_executors(ws), 30, "executors gone")
