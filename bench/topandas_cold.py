"""Where the first toPandas of an application spends its CPU, per process (issue 16;
docs/benchmarks.md, session 25): bench/udf.py's toPandas (10 M rows x 5 columns by default),
each action in a fresh state as bench/udf.py times it (the first of the application), with the
CPU (`schedstat`) and minor faults of every process of the application for that action.

    SPARKPP_PYTHON=/usr/bin/python3 build/sparkpp submit --master 'local[2]' bench/topandas_cold.py [N] [ACTIONS]
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from udf_probe import snapshot  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402


def main():
    spark = SparkSession.builder.getOrCreate()
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    actions = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    df = spark.range(0, n, 1, 2).selectExpr("id", "id * 2 AS a", "id * 0.5D AS b", "id % 7 AS c",
                                             "CAST(id % 1000 AS INT) AS d")
    for rep in range(actions):
        before, t = snapshot(), time.perf_counter()
        pdf = df.toPandas()
        assert int(pdf["id"].sum()) == n * (n - 1) // 2
        wall = time.perf_counter() - t
        after = snapshot()
        total = 0.0
        for p, (name, _, flt, ns) in sorted(after.items()):
            _, _, flt0, ns0 = before.get(p, (name, 0, 0, 0))
            e = (ns - ns0) / 1e9
            total += e
            if e > 0.005:
                print("%7d %-10s schedstat %.3f s  minflt %d" % (p, name, e, flt - flt0))
        print("action %d total %.3f s  wall %.3f s" % (rep, total, wall))
        del pdf


if __name__ == "__main__":
    main()
