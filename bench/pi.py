"""W2 of ../shared/bench: Monte Carlo pi with 20 M samples over 100 partitions, timed on a
started context (the shape of examples/pi.py).

    SPARKPP_PYTHON=/usr/bin/python3 build/sparkpp submit --master local[2] bench/pi.py [REPEATS]

The shared README's 15,707,379 hits assume a generator method it does not define, so the hit
count (random) is printed, not checked; pi must come out near 3.1416.
"""
import sys
import time
from operator import add
from random import random

from pyspark import SparkContext

SAMPLES = 20_000_000
PARTITIONS = 100
repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 1
sc = SparkContext(appName="bench-pi")
sc.parallelize([1], 1).count()


def inside(_):
    x = random() * 2 - 1
    y = random() * 2 - 1
    return 1 if x * x + y * y <= 1 else 0


for _ in range(repeats):
    t = time.perf_counter()
    hits = sc.parallelize(range(1, SAMPLES + 1), PARTITIONS).map(inside).reduce(add)
    dt = time.perf_counter() - t
    assert abs(4.0 * hits / SAMPLES - 3.14159) < 0.01, hits
    print("W2 %.2f s, %d hits, pi ~ %.5f" % (dt, hits, 4.0 * hits / SAMPLES), flush=True)
sc.stop()
