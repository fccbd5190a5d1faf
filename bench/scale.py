#!/usr/bin/python3
"""Driver scale (issue #19): a 100,000-task job and wide shuffles against a 1,000-task job, with
the C++ driver's peak RSS, on local[2] and on master + 2 one-core workers.

    SPARKPP_BIN=$PWD/build/sparkpp /usr/bin/python3 bench/scale.py [--tasks 100000] [--wide 4096]
        [--dense 1024] [--masters local[2] cluster] [--jobs tasks:1000 sparse:500 sparse:4096]

Each figure is one run (these jobs are long); the driver's RSS is its VmHWM read from /proc by
the job script (the C++ driver is the Python program's parent). Benchmarks, not tests.
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run import TwoWorkers, binary, env  # noqa: E402

JOB = r'''
import os, sys, time
from pyspark import SparkContext
sc = SparkContext(appName="bench-scale")

def hwm():
    with open("/proc/%d/status" % os.getppid()) as f:
        return [int(l.split()[1]) // 1024 for l in f if l.startswith("VmHWM")][0]

sc.parallelize([1], 1).count()
kind, n = sys.argv[1], int(sys.argv[2])
t = time.perf_counter()
if kind == "tasks":
    assert sc.parallelize(range(n), n).count() == n
    tasks = n
elif kind == "sparse":  # n map tasks x n reduce partitions, 4 records per map task
    assert sc.parallelize(range(n * 4), n).map(lambda x: (x, 1)).partitionBy(n).count() == n * 4
    tasks = 2 * n
else:  # dense: every map task writes to every reduce partition (n * n blocks)
    assert sc.parallelize(range(n), n).flatMap(lambda i: ((k, i) for k in range(n))).partitionBy(n).count() == n * n
    tasks = 2 * n
dt = time.perf_counter() - t
print("RESULT %s %d %.2f %.0f %d" % (kind, n, dt, tasks / dt, hwm()), flush=True)
sc.stop()
'''


def run(master, kind, n):
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(JOB)
    try:
        r = subprocess.run([binary(), "submit", "--master", master, f.name, kind, str(n)], env=env(),
                           capture_output=True, text=True, timeout=3600)
    finally:
        os.unlink(f.name)
    for line in r.stdout.splitlines():
        if line.startswith("RESULT"):
            _, k, n, dt, tps, mib = line.split()
            return float(dt), float(tps), int(mib)
    raise SystemExit("job failed:\n" + r.stdout[-2000:] + r.stderr[-2000:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=100000)
    ap.add_argument("--wide", type=int, default=4096)
    ap.add_argument("--dense", type=int, default=1024)
    ap.add_argument("--masters", nargs="+", default=["local[2]", "cluster"])
    ap.add_argument("--jobs", nargs="+", metavar="KIND:N",
                    help="only these jobs, e.g. tasks:1000 sparse:500 sparse:4096 (kinds: tasks, sparse, dense)")
    a = ap.parse_args()
    work = [("tasks", 1000), ("tasks", a.tasks), ("sparse", 500), ("sparse", 1024), ("sparse", a.wide),
            ("dense", 256), ("dense", a.dense)]
    if a.jobs:
        work = [(j.split(":")[0], int(j.split(":")[1])) for j in a.jobs]
    print("| master | job | time (s) | tasks/s | C++ driver peak RSS (MiB) |")
    print("|---|---|---|---|---|")
    for m in a.masters:
        if m == "cluster":
            with TwoWorkers(cores=1) as tw:
                rows = [(k, n, run(tw.master.url, k, n)) for k, n in work]
        else:
            rows = [(k, n, run(m, k, n)) for k, n in work]
        for k, n, (dt, tps, mib) in rows:
            name = {"tasks": "%d trivial tasks" % n, "sparse": "%d x %d shuffle, 4 records per map" % (n, n),
                    "dense": "%d x %d shuffle, every block non-empty" % (n, n)}[k]
            print("| %s | %s | %.2f | %.0f | %d |" % (m, name, dt, tps, mib), flush=True)


if __name__ == "__main__":
    main()
