#!/usr/bin/python3
"""Python UDFs side by side (issue 16): the same function over N integers as
  sparkpp-udf     spark.range(N).select(udf(f)("id")).agg(sum)        (row-at-a-time UDF)
  sparkpp-pandas  spark.range(N).select(pandas_udf(g)("id")).agg(sum) (Series -> Series)
  mp              hand-written multiprocessing, 2 processes, f over each half, summed
  pandas          one process: pd.Series(range(N)) -> g -> sum
  toPandas        5 columns x N rows (bigint, bigint, double, bigint, int) into pandas
  createDataFrame(pdf)  the same frame (N/10 rows) from pandas into the engine, summed there
with f(x) = x * 2 + 1 (g the same on a Series); medians of ROUNDS, all in one sitting, on
local[2]. The job time excludes driver start (measured inside the job from before the action).

    SPARKPP_BIN=$PWD/build/sparkpp /usr/bin/python3 bench/udf.py [N] [ROUNDS]
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from daemons import binary  # noqa: E402

JOB = r'''
import sys, time
import pandas as pd
from pyspark.sql import SparkSession, functions as F
spark = SparkSession.builder.getOrCreate()
n, kind = int(sys.argv[1]), sys.argv[2]
f = F.udf(lambda x: x * 2 + 1, "long")
@F.pandas_udf("long")
def g(s: pd.Series) -> pd.Series:
    return s * 2 + 1
if kind == "topandas":  # 5 columns of n rows into one pandas DataFrame
    df = spark.range(0, n, 1, 2).selectExpr("id", "id * 2 AS a", "id * 0.5D AS b", "id % 7 AS c",
                                             "CAST(id % 1000 AS INT) AS d")
    t = time.perf_counter()
    pdf = df.toPandas()
    print("RESULT", time.perf_counter() - t, int(pdf["id"].sum()) * 2 + len(pdf))
elif kind == "frompandas":  # the same frame (N/10 rows) into the engine, summed there
    import numpy as np
    n //= 10  # the plan carries the rows inline: JSON parsing of big plans dominates (see docs)
    ids = np.arange(n, dtype="int64")
    pdf = pd.DataFrame({"id": ids, "a": ids * 2, "b": ids * 0.5, "c": ids % 7, "d": (ids % 1000).astype("int32")})
    t = time.perf_counter()
    total = spark.createDataFrame(pdf).agg(F.sum("id")).collect()[0][0]
    print("RESULT", time.perf_counter() - t, total * 2 + n)
else:
    u = f if kind == "udf" else g
    df = spark.range(0, n, 1, 2).select(u("id").alias("v")).agg(F.sum("v"))
    t = time.perf_counter()
    total = df.collect()[0][0]
    print("RESULT", time.perf_counter() - t, total)
'''


def mp_run(n):
    import multiprocessing as mp
    t = time.perf_counter()
    with mp.Pool(2) as pool:
        total = sum(pool.map(_half, [(0, n // 2), (n // 2, n)]))
    return time.perf_counter() - t, total


def _half(bounds):
    f = lambda x: x * 2 + 1  # noqa: E731
    return sum(map(f, range(*bounds)))


def pandas_run(n):
    import pandas as pd
    t = time.perf_counter()
    s = pd.Series(range(n), dtype="int64")
    total = int((s * 2 + 1).sum())
    return time.perf_counter() - t, total


def sparkpp_run(path, n, kind):
    env = dict(os.environ, SPARKPP_PYTHON="/usr/bin/python3")
    out = subprocess.run([binary(), "submit", "--master", "local[2]", path, str(n), kind],
                         capture_output=True, text=True, env=env, timeout=900)
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT")]
    if not line:
        raise SystemExit(out.stdout[-2000:] + out.stderr[-2000:])
    _, secs, total = line[0].split()
    return float(secs), int(total)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    expect = n * (n - 1) + n
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(JOB)
    times = {"sparkpp-udf": [], "sparkpp-pandas": [], "mp": [], "pandas": [],
             "toPandas": [], "createDataFrame(pdf)": []}
    for _ in range(rounds):
        for name, run in (("sparkpp-udf", lambda: sparkpp_run(fh.name, n, "udf")),
                          ("mp", lambda: mp_run(n)),
                          ("sparkpp-pandas", lambda: sparkpp_run(fh.name, n, "pandas")),
                          ("pandas", lambda: pandas_run(n)),
                          ("toPandas", lambda: sparkpp_run(fh.name, n, "topandas")),
                          ("createDataFrame(pdf)", lambda: sparkpp_run(fh.name, n, "frompandas"))):
            secs, total = run()
            m = n // 10 if name == "createDataFrame(pdf)" else n
            assert total == m * (m - 1) + m, (name, total, expect)
            times[name].append(secs)
    os.unlink(fh.name)
    med = {k: statistics.median(v) for k, v in times.items()}
    for k, v in times.items():
        print("%-21s median %.3f s  runs %s" % (k, med[k], " ".join("%.3f" % x for x in v)))
    print("udf / mp = %.2f   pandas_udf / pandas = %.2f (2 cores vs 1)"
          % (med["sparkpp-udf"] / med["mp"], med["sparkpp-pandas"] / med["pandas"]))


if __name__ == "__main__":
    main()
