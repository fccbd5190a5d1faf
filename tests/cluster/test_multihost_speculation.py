"""Issue #6 scenario 7 on the multi-host cluster: an executor on one worker host is stopped
(SIGSTOP) holding a task; with spark.speculation=true a copy runs on the other host and its
result completes the job while the original is still stopped."""
from netcluster import finish, no_executors, start_cluster, submit, wait_until, write

SPECULATE = r'''
import json, os, signal, sys, time, urllib.request
from pyspark import SparkContext, SparkConf
marker = sys.argv[1]
sc = SparkContext(conf=SparkConf().setAppName("speculation-multihost"))

def executor_pid():
    return int(open("/proc/%d/stat" % os.getppid()).read().rsplit(")", 1)[1].split()[1])  # worker -> daemon -> executor

def f(x):
    if x == 7 and not os.path.exists(marker):
        with open(marker + ".tmp", "w") as m:
            m.write(str(executor_pid()))
        os.rename(marker + ".tmp", marker)
        os.kill(executor_pid(), signal.SIGSTOP)
        time.sleep(300)
    return x * 10

res = sc.parallelize(range(8), 8).map(f).collect()
stopped = int(open(marker).read())
state = open("/proc/%d/stat" % stopped).read().rsplit(")", 1)[1].split()[0]
base = sc.uiWebUrl + "/api/v1/applications/" + sc.applicationId
stages = json.load(urllib.request.urlopen(base + "/stages"))
(st,) = [s for s in stages if s["numTasks"] == 8]
rows = json.load(urllib.request.urlopen(base + "/stages/%d/0/taskList?length=100" % st["stageId"]))
seven = sorted([r["attempt"], r["speculative"], r["status"], r["host"]] for r in rows if r["index"] == 7)
print("@@ " + json.dumps({"res": res, "state": state, "seven": seven}), flush=True)
sc.stop()
'''


def test_stopped_executor_task_is_speculated_on_the_other_host(net, tmp_path):
    m, ws = start_cluster(net)
    marker = str(tmp_path / "stopped")
    out = finish(submit(net, write(tmp_path, "spec.py", SPECULATE), marker, conf={"spark.speculation": "true"}), 180)
    assert out["res"] == [x * 10 for x in range(8)]
    assert out["state"] == "T"  # the answer came while the original was still stopped
    (orig, copy) = out["seven"]
    assert orig[:3] == [0, False, "RUNNING"] and copy[:3] == [1, True, "SUCCESS"]
    assert orig[3] != copy[3] and {orig[3], copy[3]} == {net.addr["w1"], net.addr["w2"]}
    wait_until(lambda: no_executors(ws), 60, "executors gone")  # the stopped one is killed too
