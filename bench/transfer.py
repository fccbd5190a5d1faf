#!/usr/bin/python3
"""Moving DataFrame data between Python, the driver and the executors (issue 18), on local[2]:
  toPandas         5 columns x N rows (bigint, bigint, double, bigint, int) into pandas
  collect          the same 5 columns x N/10 rows as Rows
  createDataFrame  a pandas frame of the same 5 columns x N/10 rows into the engine, summed
                   there, then a second query over the same DataFrame (the upload is cached)
Each figure is timed inside the job, from before the action (driver start excluded); medians of
ROUNDS runs, alternated, in one sitting.

    SPARKPP_BIN=$PWD/build/sparkpp /usr/bin/python3 bench/transfer.py [N] [ROUNDS] [KIND...]
"""
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))
from daemons import binary  # noqa: E402

JOB = r'''
import sys, time
import numpy as np
import pandas as pd
from pyspark.sql import SparkSession, functions as F
spark = SparkSession.builder.getOrCreate()
n, kind = int(sys.argv[1]), sys.argv[2]
def frame(m):
    return spark.range(0, m, 1, 2).selectExpr("id", "id * 2 AS a", "id * 0.5D AS b", "id % 7 AS c",
                                              "CAST(id % 1000 AS INT) AS d")
spark.range(10).collect()  # warm: executor and its first task
if kind == "topandas":
    df = frame(n)
    t = time.perf_counter()
    pdf = df.toPandas()
    dt = time.perf_counter() - t
    assert len(pdf) == n and int(pdf["id"].sum()) == n * (n - 1) // 2, len(pdf)
    assert float(pdf["b"].iloc[-1]) == (n - 1) * 0.5 and int(pdf["d"].iloc[n // 3]) == (n // 3) % 1000
elif kind == "collect":
    n //= 10
    df = frame(n)
    t = time.perf_counter()
    rows = df.collect()
    dt = time.perf_counter() - t
    assert len(rows) == n and sum(r.id for r in rows) == n * (n - 1) // 2
elif kind == "frompandas":
    n //= 10
    ids = np.arange(n, dtype="int64")
    pdf = pd.DataFrame({"id": ids, "a": ids * 2, "b": ids * 0.5, "c": ids % 7, "d": (ids % 1000).astype("int32")})
    t = time.perf_counter()
    df = spark.createDataFrame(pdf)
    total = df.agg(F.sum("id")).collect()[0][0]
    dt = time.perf_counter() - t
    assert total == n * (n - 1) // 2, total
    t2 = time.perf_counter()
    c = df.filter("c = 3").count()
    print("SECOND", time.perf_counter() - t2)
    assert c == int((ids % 7 == 3).sum())
print("RESULT", dt)
'''


def run(path, n, kind):
    env = dict(os.environ, SPARKPP_PYTHON="/usr/bin/python3")
    out = subprocess.run([binary(), "submit", "--master", "local[2]", path, str(n), kind],
                         capture_output=True, text=True, env=env, timeout=900)
    res = [ln.split()[1] for ln in out.stdout.splitlines() if ln.startswith(("RESULT", "SECOND"))]
    if not res:
        raise SystemExit(out.stdout[-2000:] + out.stderr[-3000:])
    return [float(x) for x in res]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    kinds = sys.argv[3:] or ["topandas", "collect", "frompandas"]
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(JOB)
    times = {k: [] for k in kinds}
    for _ in range(rounds):
        for k in kinds:
            times[k].append(run(fh.name, n, k))
    os.unlink(fh.name)
    for k, v in times.items():
        firsts = [x[0] for x in v]
        line = "%-11s N=%-9d median %.3f s  runs %s" % (
            k, n // 10 if k != "topandas" else n, statistics.median(firsts), " ".join("%.3f" % x for x in firsts))
        if len(v[0]) > 1:
            line += "   second query median %.3f s" % statistics.median(x[1] for x in v)
        print(line)


if __name__ == "__main__":
    main()
