"""Where a UDF job's CPU goes, per process (issue 16; docs/benchmarks.md, session 21): runs the
action once (cold: the Python daemon, workers, imports), then REPS times more, and prints per
warm action the CPU of every process of the application (10 ms ticks and the scheduler's exact
`schedstat` time) and its minor page faults. Kinds: udf / pandas / pandas-iter (bench/udf.py's
jobs: spark.range(0, N, 1, 2).select(u("id")).agg(sum)), mapinpandas, native (the same with id * 2 + 1), topandas
(bench/udf.py's 5-column toPandas), frompandas (its createDataFrame(pdf) + sum; the frame is
copied per action, outside nothing: the copy counts in the Python process).

    SPARKPP_PYTHON=/usr/bin/python3 build/sparkpp submit --master 'local[2]' bench/udf_probe.py N KIND [REPS]

SPARKPP_LOCAL_EXECUTOR_PREFIX="perf record -F 999 -g -o FILE --" profiles the local executor
(and its Python workers) of the same run."""
import os
import sys
import time

import pandas as pd
from pyspark.sql import SparkSession, functions as F


def snapshot():
    """{pid: (name, ticks, minor faults, schedstat ns)} of the submit process and everything under it."""
    kids, info = {}, {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as fh:
                s = fh.read()
            ns = 0
            for t in os.listdir("/proc/%s/task" % d):
                with open("/proc/%s/task/%s/schedstat" % (d, t)) as fh:
                    ns += int(fh.read().split()[0])
        except OSError:
            continue
        f = s.rsplit(")", 1)[1].split()
        kids.setdefault(int(f[1]), []).append(int(d))
        info[int(d)] = (s.split("(", 1)[1].rsplit(")", 1)[0], int(f[11]) + int(f[12]), int(f[7]), ns)
    out, todo = {}, [os.getppid()]
    while todo:
        p = todo.pop()
        if p in info:
            out[p] = info[p]
        todo += kids.get(p, [])
    return out


def main():
    spark = SparkSession.builder.getOrCreate()
    n, kind = int(sys.argv[1]), sys.argv[2]
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    f = F.udf(lambda x: x * 2 + 1, "long")

    @F.pandas_udf("long")
    def g(s: pd.Series) -> pd.Series:
        return s * 2 + 1

    from typing import Iterator

    @F.pandas_udf("long")
    def gi(it: Iterator[pd.Series]) -> Iterator[pd.Series]:
        for s in it:
            yield s * 2 + 1

    def frames(it):
        for pdf in it:
            yield pd.DataFrame({"v": pdf["id"] * 2 + 1})
    if kind == "frompandas":  # bench/udf.py's createDataFrame(pdf) + sum, a fresh frame each time
        import numpy as np
        ids = np.arange(n, dtype="int64")
        pdf = pd.DataFrame({"id": ids, "a": ids * 2, "b": ids * 0.5, "c": ids % 7,
                            "d": (ids % 1000).astype("int32")})
        action = lambda: spark.createDataFrame(pdf.copy()).agg(F.sum("id")).collect()[0][0]  # noqa: E731
    elif kind == "topandas":
        df = spark.range(0, n, 1, 2).selectExpr("id", "id * 2 AS a", "id * 0.5D AS b", "id % 7 AS c",
                                                 "CAST(id % 1000 AS INT) AS d")
        action = lambda: len(df.toPandas())  # noqa: E731
    elif kind == "mapinpandas":
        df = spark.range(0, n, 1, 2).mapInPandas(frames, "v long").agg(F.sum("v"))
        action = lambda: df.collect()[0][0]  # noqa: E731
    else:
        col = (F.col("id") * 2 + 1) if kind == "native" else {"udf": f, "pandas": g, "pandas-iter": gi}[kind]("id")
        df = spark.range(0, n, 1, 2).select(col.alias("v")).agg(F.sum("v"))
        action = lambda: df.collect()[0][0]  # noqa: E731
    action()
    before, t = snapshot(), time.perf_counter()
    for _ in range(reps):
        action()
    wall = (time.perf_counter() - t) / reps
    after = snapshot()
    ticks = exact = 0.0
    for p, (name, tk, flt, ns) in sorted(after.items()):
        _, tk0, flt0, ns0 = before.get(p, (name, 0, 0, 0))
        d, e = (tk - tk0) / 100 / reps, (ns - ns0) / 1e9 / reps
        ticks, exact = ticks + d, exact + e
        if d or e > 0.005:
            print("%7d %-10s %.2f s  schedstat %.3f s  minflt %d" % (p, name, d, e, (flt - flt0) / reps))
    print("total %.2f s  schedstat %.3f s  wall %.3f s  (per action, %d actions)" % (ticks, exact, wall, reps))


if __name__ == "__main__":
    main()
