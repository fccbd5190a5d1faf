#!/usr/bin/python3
"""Runs one PySpark script on a fresh master + 2 one-core workers (killed by PID afterwards) and
prints the end of its output: wrap it in `perf stat` / `perf record` to count the CPU and
context switches of every process of the cluster (master, workers, executors, Python workers,
driver), e.g.

    perf stat -e task-clock,context-switches -- /usr/bin/python3 bench/on_cluster.py \\
        build/sparkpp SCRIPT.py [spark.key=value ...]

Benchmark helper, not a test."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))
import daemons  # noqa: E402

binp, script, confs = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3:]
os.environ["SPARKPP_BIN"] = binp
with tempfile.TemporaryDirectory(prefix="on-cluster-") as tmp:
    c = daemons.Cluster(tmp)
    try:
        m = c.start_master()
        for _ in range(2):
            c.start_worker(m.url, cores=1, memory="2g")
        daemons.wait_until(lambda: m.json()["aliveworkers"] == 2, 30, "workers ALIVE", interval=0.005)
        cmd = [binp, "submit", "--master", m.url] + [a for cf in confs for a in ("--conf", cf)] + [script]
        env = dict(os.environ, SPARKPP_PYTHON=os.environ.get("SPARKPP_PYTHON", "/usr/bin/python3"))
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, timeout=600)
        print(out.stdout.decode()[-2000:])
    finally:
        c.close()
