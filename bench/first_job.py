#!/usr/bin/python3
"""First job of a new application on a fresh master + 2 one-core workers (issue #18's "first
job ≤ 0.3 s"): the time of `parallelize(range(10), 2).count()` right after `SparkContext()`.

    /usr/bin/python3 bench/first_job.py N NAME=DIR[,key=value...] ...

DIR holds build/sparkpp (and src/pyworker beside it); key=value are --conf settings for the
submit. Variants run interleaved, N rounds; prints each one's median. Daemons killed by PID.
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))
from daemons import Cluster, wait_until  # noqa: E402

JOB = '''
import time
t0 = time.perf_counter()
from pyspark import SparkContext
sc = SparkContext(appName="first-job")
t1 = time.perf_counter()
assert sc.parallelize(range(10), 2).count() == 10
t2 = time.perf_counter()
print("FIRST context %.3f first %.3f" % (t1 - t0, t2 - t1), flush=True)
sc.stop()
'''


def main():
    n = int(sys.argv[1])
    variants = []
    for a in sys.argv[2:]:
        name, rest = a.split("=", 1)
        d, *confs = rest.split(",")
        variants.append((name, os.path.abspath(d), confs))
    res = {v[0]: [] for v in variants}
    loads = []
    with tempfile.TemporaryDirectory() as top:
        script = os.path.join(top, "first.py")
        with open(script, "w") as f:
            f.write(JOB)
        for _ in range(n):
            for name, d, confs in variants:
                os.environ["SPARKPP_BIN"] = os.path.join(d, "build", "sparkpp")
                with tempfile.TemporaryDirectory() as t:
                    c = Cluster(t)
                    try:
                        m = c.start_master()
                        for _ in range(2):
                            c.start_worker(m.url, cores=1, memory="2g")
                        wait_until(lambda: m.json()["aliveworkers"] == 2, 30, "workers ALIVE", interval=0.005)
                        cmd = [os.environ["SPARKPP_BIN"], "submit", "--master", m.url]
                        for cf in confs:
                            cmd += ["--conf", cf]
                        env = dict(os.environ, SPARKPP_PYTHON=os.environ.get("SPARKPP_PYTHON", "/usr/bin/python3"))
                        p = subprocess.run(cmd + [script], env=env, capture_output=True, text=True, timeout=120)
                        found = re.search(r"FIRST context [\d.]+ first ([\d.]+)", p.stdout)
                        if not found:
                            raise RuntimeError(p.stderr[-2000:])
                        res[name].append(float(found.group(1)))
                        loads.append(os.getloadavg()[0])
                    finally:
                        c.close()
    for name, _, _ in variants:
        r = res[name]
        print("%s: first job median %.3f s (%s)" % (name, statistics.median(r), " ".join("%.3f" % x for x in r)))
    print("load average (1 min) during the runs: %.1f-%.1f" % (min(loads), max(loads)))


if __name__ == "__main__":
    main()
