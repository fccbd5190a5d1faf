#!/usr/bin/python3
"""A group-by over 10 M distinct keys in an executor given 512m (issue #13 "Memory"): master + 2
one-core workers, `spark.executor.memory=512m`; the hash aggregates reserve execution memory
(512m x spark.memory.fraction 0.6 = 307 MiB, shared with cached blocks) and spill past it. A thread in the
driver program samples the executors' RSS while the query runs; the answer is checked.

    SPARKPP_BIN=$PWD/build/sparkpp /usr/bin/python3 bench/groupby_spill.py [--rows 10000000]

Benchmark, not a test: prints the answer, the time, the executors' peak RSS and the spill.
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
import json, os, sys, threading, time, urllib.request
from pyspark.sql import SparkSession, functions as F
sys.path.insert(0, os.environ["BENCH_DAEMONS_DIR"])
from daemons import descendants_of
sys.path.insert(0, os.environ["BENCH_DIR"])
from procs import cmd, rss

n = int(sys.argv[1])
spark = SparkSession.builder.appName("bench-groupby-spill").getOrCreate()
sc = spark.sparkContext
workers = [int(p) for p in os.environ["BENCH_WORKER_PIDS"].split(",")]


peak = {}
done = threading.Event()
def sampler():
    while not done.is_set():
        for w in workers:
            for p in descendants_of(w):
                if " executor " in cmd(p):
                    peak[p] = max(peak.get(p, 0.0), rss(p))
        time.sleep(0.05)
threading.Thread(target=sampler, daemon=True).start()

# 10 M distinct keys (a permutation of the ids), two integer columns per row.
df = spark.range(0, n, 1, int(sys.argv[2])).select(((F.col("id") * 7919) % n).alias("k"), F.col("id").alias("v"))
t = time.time()
row = df.groupBy("k").agg(F.sum("v").alias("s")).agg(F.count("*"), F.sum("s"), F.max("k")).collect()[0]
elapsed = time.time() - t
done.set()
with urllib.request.urlopen(sc.uiWebUrl + "/api/v1/applications/" + sc.applicationId + "/stages", timeout=10) as r:
    stages = json.loads(r.read())
spilled = sum(s["diskBytesSpilled"] for s in stages)
ok = list(row) == [n, n * (n - 1) // 2, n - 1]
print("RESULT %s %.2f %.0f %.0f %s" % (ok, elapsed, max(peak.values() or [0]), spilled / 2**20, list(row)), flush=True)
spark.stop()
'''


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--partitions", type=int, default=2, help="spark.sql.shuffle.partitions (and range slices)")
    a = ap.parse_args()
    with TwoWorkers(cores=1) as tw, tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(JOB)
        f.close()
        e = env()
        e["BENCH_WORKER_PIDS"] = ",".join(str(w.pid) for w in tw.workers)
        e["BENCH_DAEMONS_DIR"] = os.path.join(os.path.dirname(HERE), "tests", "integration")
        e["BENCH_DIR"] = HERE
        try:
            p = subprocess.run([binary(), "submit", "--master", tw.master.url, "--conf", "spark.executor.memory=512m",
                                "--conf", "spark.sql.shuffle.partitions=%d" % a.partitions, f.name, str(a.rows), str(a.partitions)],
                               env=e, capture_output=True, text=True, timeout=3600)
        finally:
            os.unlink(f.name)
        lines = [l for l in p.stdout.splitlines() if l.startswith("RESULT")]
        if p.returncode or not lines:
            raise SystemExit("job failed: " + p.stderr[-3000:])
        _, ok, el, peak, spill, row = lines[0].split(None, 5)
        print("| rows (distinct keys) | answer | query time (s) | executors' peak RSS (MiB) | spilled (MiB) |")
        print("|---|---|---|---|---|")
        print("| %d | %s %s | %s | %s | %s |" % (a.rows, "ok" if ok == "True" else "WRONG", row, el, peak, spill))


if __name__ == "__main__":
    main()
