"""Task-level faults on a multi-host cluster (issue #6): executors and Python workers SIGKILLed
in the middle of shuffle-map, reduce and output-writing stages, and tasks that fail every
attempt. Master on host m, one 1-core executor on each of w1 and w2, the driver on d.

Tasks leave marker files `<stage>-<partition>-<executor pid>-<worker pid>-<nonce>` so the test
knows when a stage is under way, which executor ran what, and how often each partition ran.
Every wait has a deadline; the `net` fixture kills every process and removes the namespaces.
"""
import glob
import os
import re
import signal
import socket

import pytest

from daemons import descendants_of, pid_alive
from netcluster import communicate, finish, no_executors, result_line, start_cluster, submit, wait_until, write

# Prepended to every job script: marker files that name the executor a task runs in.
PRELUDE = r'''
import json, os, sys, time, uuid
from operator import add
from pyspark import SparkContext, SparkConf
MARKS = sys.argv[1]

def executor_pid():
    """The Python worker's parent is the executor's daemon, whose parent is the executor."""
    with open("/proc/%d/stat" % os.getppid()) as f:
        s = f.read()
    return int(s[s.rindex(")") + 2:].split()[1])

def mark(stage, p):
    name = "%s-%d-%d-%d-%s" % (stage, p, executor_pid(), os.getpid(), uuid.uuid4().hex[:8])
    open(os.path.join(MARKS, name), "w").close()

def wait_for(path, limit=90):
    """Blocks the task until the test creates `path` (bounded: a test that forgets fails)."""
    deadline = time.monotonic() + limit
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise RuntimeError("test never released " + path)
        time.sleep(0.05)

def first_time(name):
    """True for the first attempt to ask (an O_EXCL marker), False for every later one."""
    try:
        os.close(os.open(os.path.join(MARKS, "once-" + name), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return True
    except FileExistsError:
        return False

def report(**kw):
    print("@@ " + json.dumps(kw), flush=True)
'''

MARK = re.compile(r"^(\w+)-(\d+)-(\d+)-(\d+)-[0-9a-f]+$")


def marks(d, stage):
    """[(partition, executor pid, python worker pid)] of the markers of `stage`."""
    out = []
    for name in os.listdir(d):
        m = MARK.match(name)
        if m and m.group(1) == stage:
            out.append((int(m.group(2)), int(m.group(3)), int(m.group(4))))
    return out


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def executors_of(worker):
    """PIDs of the `sparkpp executor` processes a worker started (not their Python children)."""
    return [p for p in descendants_of(worker.pid) if " executor --driver-url " in cmdline(p)]


def stopped(pid):
    """True once every thread of pid is stopped (SIGSTOP is delivered asynchronously)."""
    for t in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{t}/stat") as f:
            st = f.read()
        if st[st.rindex(")") + 2] != "T":
            return False
    return True


def bytes_waiting_from(pid, addr):
    """Bytes the kernel holds unread on `pid`'s network namespace's TCP connections from
    `addr` (/proc/PID/net/tcp: rx_queue): messages sent to a paused process."""
    want = "%08X" % int.from_bytes(socket.inet_aton(addr), "little")
    total = 0
    with open(f"/proc/{pid}/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[2].split(":")[0] == want and fields[3] == "01":  # ESTABLISHED
                total += int(fields[4].split(":")[1], 16)
    return total


def start_job_cluster(net, tmp_path, name, job, master_conf=None):
    m, ws = start_cluster(net, master_conf=master_conf)
    d = os.path.join(str(tmp_path), "marks")
    os.mkdir(d)
    return m, ws, d, write(tmp_path, name, PRELUDE + job)


def app_record(m, app_id):
    (app,) = [a for a in m.json()["completedapps"] if a["id"] == app_id]
    return app


# ============================================================ 1. executor lost in a map stage

MAP_STAGE = r'''
go = sys.argv[2]
sc = SparkContext(conf=SparkConf().setAppName("exec-kill-map"))
def slow_map(p, it):
    mark("map", p)
    wait_for(go)
    for i in it:
        yield (i % 7, (i, 1))
pairs = sc.parallelize(range(5000), 8).mapPartitionsWithIndex(slow_map)
res = pairs.reduceByKey(lambda a, b: (a[0] + b[0], a[1] + b[1]), 3).collect()
report(res=sorted([k, list(v)] for k, v in res), app=sc.applicationId)
sc.stop()
'''


def expected_sum_count(n, mod):
    return [[k, [sum(range(k, n, mod)), len(range(k, n, mod))]] for k in range(mod)]


def test_executor_sigkill_mid_map_stage_runs_its_tasks_elsewhere(net, tmp_path):
    """Issue #6, scenario 1: the executor on w1 is SIGKILLed while both executors are inside a
    shuffle-map task. Its task runs again in another executor (the master's replacement, as w2's
    only core is still busy) and the reduce answer is exact."""
    m, (w1, w2), d, script = start_job_cluster(net, tmp_path, "map_kill.py", MAP_STAGE)
    go = os.path.join(str(tmp_path), "go")
    proc = submit(net, script, d, go)
    w1_execs = wait_until(lambda: len(marks(d, "map")) >= 2 and executors_of(w1), 90, "a map task in each executor")
    (victim,) = w1_execs
    (busy,) = executors_of(w2)
    (part,) = [p for p, e, _ in marks(d, "map") if e == victim]
    os.kill(victim, signal.SIGKILL)
    # Before any task may finish: the lost task starts again, in a new executor.
    (again,) = wait_until(lambda: [e for p, e, _ in marks(d, "map") if p == part and e != victim], 90,
                          f"map partition {part} re-run after its executor died")
    assert again != busy
    open(go, "w").close()
    res = finish(proc, 120)
    assert res["res"] == expected_sum_count(5000, 7)
    runs = sorted(p for p, _, _ in marks(d, "map"))
    assert runs == sorted(list(range(8)) + [part]), runs  # only the lost task ran twice
    app = app_record(m, res["app"])
    assert any(e["workerid"] == w1.id and e["state"] == "FAILED" for e in app["removedexecutors"]), app
    assert len(app["executors"] + app["removedexecutors"]) >= 3, app  # a replacement was launched
    wait_until(lambda: no_executors([w1, w2]), 30, "executors gone")


# ============================================================ 2. executor lost in a reduce stage

REDUCE_STAGE = r'''
go = sys.argv[2]
sc = SparkContext(conf=SparkConf().setAppName("exec-kill-reduce"))
def map_side(p, it):
    mark("map", p)
    time.sleep(0.2)  # so that both executors take map tasks
    for i in it:
        yield (i % 10, (i, 1))
def reduce_side(p, it):
    mark("reduce", p)
    if p >= 2:
        wait_for(go)  # partitions 0 and 1 finish; 2 and 3 hold both cores
    return it
summed = (sc.parallelize(range(20000), 8).mapPartitionsWithIndex(map_side)
          .reduceByKey(lambda a, b: (a[0] + b[0], a[1] + b[1]), 4).mapPartitionsWithIndex(reduce_side))
res = summed.collect()
report(res=sorted([k, list(v)] for k, v in res), n=len(res), app=sc.applicationId)
sc.stop()
'''


@pytest.mark.parametrize("release", ["after_recompute", "fetch_failure"])
def test_executor_sigkill_mid_reduce_stage_recomputes_lost_map_outputs(net, tmp_path, release):
    """Issue #6, scenario 2: map outputs are written on both hosts; the executor on w1 is
    SIGKILLed while reduce tasks run. Its map outputs are lost and recomputed from lineage
    (markers: only its map partitions run again, in other executors), then the unfinished
    reduce partitions; finished reduce partitions are not re-run, and every key's sum and count
    is exact (nothing lost or doubled).
    `after_recompute`: the driver sees the executor's connection drop at once, cancels the
    reduce stage and re-runs the lost map tasks; the blocked reduce tasks are released after.
    `fetch_failure`: the driver and the master are SIGSTOPped across the kill, so the driver
    learns of it late (as after a long pause): w2's reduce task fetches from the dead executor
    and fails with a fetch failure, which the driver handles when it resumes, before the
    master's report; the lost map outputs are recomputed on w2 while the master still sleeps."""
    # fetch_failure pauses the master: the workers' heartbeats must not time out meanwhile.
    conf = {"spark.worker.timeout": "60"} if release == "fetch_failure" else None
    m, (w1, w2), d, script = start_job_cluster(net, tmp_path, "reduce_kill.py", REDUCE_STAGE, master_conf=conf)
    go = os.path.join(str(tmp_path), "go")
    proc = submit(net, script, d, go)
    wait_until(lambda: {p for p, _, _ in marks(d, "reduce")} >= {2, 3}, 90, "reduce partitions 2 and 3 running")
    first_maps = marks(d, "map")
    assert sorted(p for p, _, _ in first_maps) == list(range(8)), first_maps
    (victim,) = executors_of(w1)
    (w2_exec,) = executors_of(w2)
    on_victim = sorted(p for p, e, _ in first_maps if e == victim)
    assert on_victim and len(on_victim) < 8, f"map outputs not on both hosts: {first_maps}"
    if release == "after_recompute":
        os.kill(victim, signal.SIGKILL)
        # The lost map outputs are recomputed before the reduce stage runs again.
        wait_until(lambda: sorted(p for p, _, _ in marks(d, "map")) == sorted(list(range(8)) + on_victim), 90,
                   f"map partitions {on_victim} recomputed")
        open(go, "w").close()
    else:
        ((_, _, survivor),) = [x for x in marks(d, "reduce") if x[0] >= 2 and x[1] != victim]
        paused = [proc.pid, m.pid]  # the driver (`ip netns exec` became `sparkpp submit`), the master
        for pid in paused:
            os.kill(pid, signal.SIGSTOP)
        try:
            wait_until(lambda: all(stopped(pid) for pid in paused), 10, "driver and master stopped")
            before = bytes_waiting_from(proc.pid, net.addr["w2"])
            os.kill(victim, signal.SIGKILL)
            open(go, "w").close()
            # w2's reduce task reads the dead executor's blocks: the fetch fails, its executor
            # drops the task's Python worker and reports the failure (queued for the driver).
            wait_until(lambda: not pid_alive(survivor) and bytes_waiting_from(proc.pid, net.addr["w2"]) > before, 60,
                       "w2's reduce task failed its fetch and said so")
            os.kill(proc.pid, signal.SIGCONT)
            # The driver alone (no master, so no replacement executor) re-runs the lost maps on w2.
            wait_until(lambda: sorted(p for p, _, _ in marks(d, "map")) == sorted(list(range(8)) + on_victim), 90,
                       f"map partitions {on_victim} recomputed")
        finally:
            for pid in paused:
                os.kill(pid, signal.SIGCONT)
    rc, out, err = communicate(proc, 120)
    assert rc == 0, err[-4000:]
    res = result_line(out, err)
    assert res["res"] == expected_sum_count(20000, 10) and res["n"] == 10
    reruns = sorted(marks(d, "map"))
    for x in first_maps:
        reruns.remove(x)
    assert sorted({p for p, _, _ in reruns}) == on_victim, (on_victim, reruns)  # only the lost ones
    assert len(reruns) == len(on_victim), reruns  # each once
    if release == "fetch_failure":
        assert all(e == w2_exec for _, e, _ in reruns), reruns  # before any replacement existed
    reduces = sorted(p for p, _, _ in marks(d, "reduce"))
    assert reduces.count(0) == 1 and reduces.count(1) == 1, reduces  # finished results were kept
    assert reduces.count(2) >= 2 and reduces.count(3) >= 2, reduces
    # The driver says why.
    if release == "after_recompute":
        assert "map outputs lost with executor" in err, err[-4000:]
    else:
        assert re.search(r"fetch failure in stage \d+ \(FetchFailed\(shuffle \d+, map \d+, executor", err), err[-4000:]
    app = app_record(m, res["app"])
    assert any(e["workerid"] == w1.id for e in app["removedexecutors"]), app
    wait_until(lambda: no_executors([w1, w2]), 30, "executors gone")


# ============================================================ 3. output commit under faults

SAVE = r'''
out, victim = sys.argv[2], int(sys.argv[3])
sc = SparkContext(conf=SparkConf().setAppName("save-faults"))
def lines(p, it):
    for _ in it:
        pass
    mark("write", p)
    for i in range(30000):  # ~2.7 MB: the first half (> 1 MiB) reaches the part file before the pause
        if i == 15000 and p == victim and first_time("write-%d" % p):
            wait_for(os.path.join(MARKS, "never"), 120)  # killed here
        yield "%d %06d %s" % (p, i, "x" * 80)
sc.parallelize(range(4), 4).mapPartitionsWithIndex(lines).saveAsTextFile(out)
back = sc.textFile(out).count()
report(back=back, app=sc.applicationId)
sc.stop()
'''


def expected_part(p):
    return "".join("%d %06d %s\n" % (p, i, "x" * 80) for i in range(30000))


def check_committed_output(out, nparts):
    assert sorted(os.listdir(out)) == ["_SUCCESS"] + ["part-%05d" % p for p in range(nparts)], os.listdir(out)
    for p in range(nparts):
        with open(os.path.join(out, "part-%05d" % p)) as f:
            assert f.read() == expected_part(p), f"part-{p:05d} differs"


def run_save_with_kill(net, tmp_path, what):
    m, ws, d, script = start_job_cluster(net, tmp_path, "save.py", SAVE)
    out = os.path.join(str(tmp_path), "out")
    proc = submit(net, script, d, out, 2)
    # Mid-write: partition 2's first attempt has part of its lines in its attempt file.
    partial = wait_until(lambda: [f for f in glob.glob(os.path.join(out, "_temporary", "*", "attempt_*", "part-00002"))
                                  if os.path.getsize(f) > 0], 90, "partition 2 half written")
    # ... and paused: its first_time marker exists. The file fills before the pause (at ~1 MiB);
    # killing before the marker let the retry take the first pause and wait out its 120 s.
    wait_until(lambda: os.path.exists(os.path.join(d, "once-write-2")), 90, "partition 2 paused")
    ((_, exec_pid, worker_pid),) = [x for x in marks(d, "write") if x[0] == 2]
    assert " executor --driver-url " in cmdline(exec_pid) and pid_alive(worker_pid)
    os.kill(worker_pid if what == "python" else exec_pid, signal.SIGKILL)
    res = finish(proc, 120)
    assert res["back"] == 4 * 30000
    check_committed_output(out, 4)
    assert not os.path.exists(partial[0])
    writes = sorted(p for p, _, _ in marks(d, "write"))
    assert writes == [0, 1, 2, 2, 3], writes
    wait_until(lambda: no_executors(ws), 30, "executors gone")
    return m, ws, res


def test_python_worker_killed_mid_write_commits_one_file_per_partition(net, tmp_path):
    """Issue #6, scenarios 3 and 4: the Python worker of a task writing part-00002 is SIGKILLed
    half-way; the attempt fails, is retried, and the output is exactly one complete file per
    partition plus _SUCCESS (no _temporary, nothing partial)."""
    run_save_with_kill(net, tmp_path, "python")


def test_executor_killed_mid_write_commits_one_file_per_partition(net, tmp_path):
    """Issue #6, scenario 3: the whole executor writing part-00002 is SIGKILLed half-way; the
    task runs again in another executor; the output is exact and complete."""
    m, (w1, w2), res = run_save_with_kill(net, tmp_path, "executor")
    app = app_record(m, res["app"])
    assert len(app["removedexecutors"]) >= 1 and len(app["executors"] + app["removedexecutors"]) >= 3, app


FAILING_SAVE = r'''
out = sys.argv[2]
sc = SparkContext(conf=SparkConf().setAppName("save-fails"))
def lines(p, it):
    for x in it:
        mark("write", p)
        if p == 3:
            yield "partial line of partition 3"
            raise ValueError("cannot format partition %d" % p)
        yield "%d" % x
try:
    sc.parallelize(range(6), 6).mapPartitionsWithIndex(lines).saveAsTextFile(out)
    error = None
except Exception as e:
    error = "%s: %s" % (type(e).__name__, str(e)[:4000])
# The application goes on: another write and an action.
sc.parallelize(range(6), 3).map(str).saveAsTextFile(out + "-after")
report(error=error, after=sorted(sc.textFile(out + "-after").map(int).collect()), app=sc.applicationId)
sc.stop()
'''


def test_write_task_failing_every_attempt_fails_job_without_output(net, tmp_path):
    """Issue #6, scenarios 3 and 4: with spark.task.maxFailures=2 a write task that raises on
    every attempt fails the job with an error naming the exception and the attempt count; the
    output directory has no _SUCCESS, no part file and no _temporary; the application's next
    write succeeds."""
    m, ws, d, script = start_job_cluster(net, tmp_path, "save_fails.py", FAILING_SAVE)
    out = os.path.join(str(tmp_path), "out")
    res = finish(submit(net, script, d, out, conf={"spark.task.maxFailures": "2"}), 120)
    err = res["error"]
    assert err and "ValueError: cannot format partition 3" in err, err
    assert "failed 2 times" in err, err
    assert sorted(p for p, _, _ in marks(d, "write")).count(3) == 2  # exactly maxFailures attempts
    assert not os.path.exists(out) or os.listdir(out) == [], os.listdir(out)
    after = out + "-after"
    assert sorted(os.listdir(after)) == ["_SUCCESS", "part-00000", "part-00001", "part-00002"]
    assert res["after"] == list(range(6))
    wait_until(lambda: no_executors(ws), 30, "executors gone")


# ============================================================ 4. Python workers dying

CRASHES = r'''
sc = SparkContext(conf=SparkConf().setAppName("python-crash"))
def crash_once(p, it):
    mark("crash_once", p)
    if p == 1 and first_time("crash-once"):
        os._exit(3)  # the Python worker dies mid-task, no traceback
    return (x * 2 for x in it)
ok = sc.parallelize(range(100), 4).mapPartitionsWithIndex(crash_once).sum()
def crash_always(p, it):
    mark("crash_always", p)
    if p == 2:
        os._exit(4)
    return it
try:
    sc.parallelize(range(100), 4).mapPartitionsWithIndex(crash_always).map(lambda x: (x % 3, x)).reduceByKey(add).collect()
    error = None
except Exception as e:
    error = "%s: %s" % (type(e).__name__, str(e)[:4000])
after = sorted(sc.parallelize(range(100), 4).map(lambda x: (x % 3, x)).reduceByKey(add).collect())
report(ok=ok, error=error, after=after, app=sc.applicationId)
sc.stop()
'''


def test_python_worker_crashes_retried_then_job_fails_after_max_failures(net, tmp_path):
    """Issue #6, scenario 4: a Python worker that dies once mid-task is retried (exact sum); one
    that dies on every attempt of a shuffle-map task fails that job after
    spark.task.maxFailures (3 here) attempts with a message naming the crash; the next job of the
    same application succeeds."""
    m, ws, d, script = start_job_cluster(net, tmp_path, "crashes.py", CRASHES)
    res = finish(submit(net, script, d, conf={"spark.task.maxFailures": "3"}), 120)
    assert res["ok"] == 2 * sum(range(100))
    assert sorted(p for p, _, _ in marks(d, "crash_once")) == [0, 1, 1, 2, 3]
    err = res["error"]
    assert err and "failed 3 times" in err and "Python worker exited unexpectedly" in err, err
    assert sorted(p for p, _, _ in marks(d, "crash_always")).count(2) == 3
    assert res["after"] == [[k, sum(range(k, 100, 3))] for k in range(3)]
    wait_until(lambda: no_executors(ws), 30, "executors gone")
