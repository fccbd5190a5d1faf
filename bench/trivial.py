"""Per-task and per-job overhead (W3, W7 of ../shared/bench): run with
    SPARKPP_PYTHON=/usr/bin/python3 build/sparkpp submit --master local[2] bench/trivial.py
"""
import time

from pyspark import SparkContext

sc = SparkContext(appName="bench-trivial")
sc.parallelize([1], 1).count()  # warm the executor and its Python workers

t = time.perf_counter()
n = sc.parallelize(range(10000), 10000).count()
dt = time.perf_counter() - t
assert n == 10000
print("W3 10,000 trivial tasks: %.2f s, %.0f tasks/s" % (dt, 10000 / dt))

lat = []
for _ in range(50):
    t = time.perf_counter()
    sc.parallelize([1, 2, 3], 1).count()
    lat.append(time.perf_counter() - t)
lat.sort()
print("W7 trivial job on a warm context: median %.2f ms, p90 %.2f ms" % (lat[25] * 1e3, lat[45] * 1e3))
sc.stop()
