#!/usr/bin/python3
"""A long-running application (issue #19): N small shuffle jobs in a row in one application on
master + 2 one-core workers, sampling every process's RSS and the executors' scratch space
every --every jobs. The figures should stay flat after the first 1,000 jobs.

    SPARKPP_BIN=$PWD/build/sparkpp /usr/bin/python3 bench/long_running.py [--jobs 10000] [--every 1000]

Benchmark, not a test: it prints a markdown table (RSS in MiB; Python workers summed).
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
import glob, os, sys, time
from pyspark import SparkContext
sys.path.insert(0, os.environ["BENCH_DAEMONS_DIR"])
from daemons import descendants_of
sys.path.insert(0, os.environ["BENCH_DIR"])
from procs import cmd, rss

sc = SparkContext(appName="bench-long-running")
workers = [int(p) for p in os.environ["BENCH_WORKER_PIDS"].split(",")]
jobs, every = int(sys.argv[1]), int(sys.argv[2])


def du(paths):
    total, files = 0, 0
    for top in paths:
        for d, _, fs in os.walk(top):
            for f in fs:
                try:
                    total += os.lstat(os.path.join(d, f)).st_blocks * 512
                    files += 1
                except OSError:
                    pass
    return "%.0f KiB in %d files of %d dirs" % (total / 1024, files, len(paths))

def sample(done, t0):
    procs = [p for w in workers for p in descendants_of(w)]
    execs = [p for p in procs if " executor " in cmd(p)]
    pys = [p for p in procs if "python" in cmd(p)]
    scratch = glob.glob("/tmp/sparkpp-executor-%s-*" % sc.applicationId) + glob.glob("/tmp/*/sparkpp-executor-%s-*" % sc.applicationId)
    print("ROW %d %.1f %.1f %.1f %.1f %d %s" % (done, time.time() - t0, rss(os.getppid()), sum(rss(p) for p in execs),
          sum(rss(p) for p in pys), len(pys), du(scratch)), flush=True)

t0 = time.time()
for i in range(1, jobs + 1):
    sc.parallelize(range(100), 4).map(lambda x: (x % 10, 1)).reduceByKey(lambda a, b: a + b, 4).collect()
    if i % every == 0:
        sample(i, t0)
sc.stop()
'''


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=10000)
    ap.add_argument("--every", type=int, default=1000)
    a = ap.parse_args()
    with TwoWorkers(cores=1) as tw, tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(JOB)
        f.close()
        e = env()
        e["BENCH_WORKER_PIDS"] = ",".join(str(w.pid) for w in tw.workers)
        e["BENCH_DAEMONS_DIR"] = os.path.join(os.path.dirname(HERE), "tests", "integration")
        e["BENCH_DIR"] = HERE
        print("| jobs | elapsed (s) | C++ driver RSS | executors RSS | Python workers RSS (count) | scratch |")
        print("|---|---|---|---|---|---|")
        p = subprocess.Popen([binary(), "submit", "--master", tw.master.url, f.name, str(a.jobs), str(a.every)],
                             env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            for line in p.stdout:
                if line.startswith("ROW"):
                    _, n, el, d, ex, py, npy, sc = line.rstrip("\n").split(None, 7)
                    print("| %s | %s | %s | %s | %s (%s) | %s |" % (n, el, d, ex, py, npy, sc), flush=True)
            p.wait(timeout=60)
        finally:
            if p.poll() is None:
                p.kill()
            os.unlink(f.name)
        if p.returncode:
            raise SystemExit("job failed: " + p.stderr.read()[-2000:])


if __name__ == "__main__":
    main()
