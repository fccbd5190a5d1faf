"""W6 of ../shared/bench: k-means (K=10) over points.txt (1 M 2-D points around 10 centres),
10 iterations, in pure Python (no numpy) with the shape of Spark's
examples/src/main/python/kmeans.py: parse to tuples, cache, then per iteration closest centre ->
reduceByKey sums -> new centres (collect).

    SPARKPP_PYTHON=/usr/bin/python3 build/sparkpp submit --master 'local[2]' bench/kmeans.py \
        /tmp/sparkpp-bench-data/points.txt [ITERATIONS] [PARTITIONS]

Initial centres are the first 10 points (`take(10)`, before the clock starts), so
`bench/kmeans_mp.py` runs the same iterations and must print the same final centres (to ~1e-6).
Prints one line per iteration, then how many lines were parsed in all (the accumulator shows
whether the cache held: the file is parsed once, plus the first partition if `take` does not
cache it); iteration 1 includes reading and caching the file, so the figure
is `median 2..N`, the median of the others.
"""
import statistics
import sys
import time

from pyspark import SparkContext

K = 10
path = sys.argv[1]
iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 10
partitions = int(sys.argv[3]) if len(sys.argv) > 3 else None


def parse_partition(lines):
    out = []
    for line in lines:
        x, y = line.split()
        out.append((float(x), float(y)))
    parsed.add(len(out))  # counts parsing work: with the cache, the file is parsed once
    return out


def closest(p, centers):
    x, y = p
    best, best_d = 0, float("inf")
    for i, (cx, cy) in enumerate(centers):
        dx = x - cx
        dy = y - cy
        d = dx * dx + dy * dy
        if d < best_d:
            best, best_d = i, d
    return best


def add3(a, b):
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


sc = SparkContext(appName="bench-kmeans")
parsed = sc.accumulator(0)
lines = sc.textFile(path, partitions) if partitions else sc.textFile(path)
points = lines.mapPartitions(parse_partition).cache()
centers = points.take(K)
times = []
for it in range(1, iterations + 1):
    t = time.perf_counter()
    cs = centers  # the closure captures this list, as the Spark example captures kPoints
    stats = points.map(lambda p: (closest(p, cs), (p[0], p[1], 1))).reduceByKey(add3).collect()
    new = list(centers)
    for i, (sx, sy, n) in stats:
        new[i] = (sx / n, sy / n)
    shift = sum((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 for a, b in zip(centers, new))
    centers = new
    dt = time.perf_counter() - t
    times.append(dt)
    print("W6 iteration %d: %.3f s (shift %.3g)" % (it, dt, shift), flush=True)
print("W6 sparkpp: %d partitions, first %.3f s, median 2..%d %.3f s"
      % (points.getNumPartitions(), times[0], iterations, statistics.median(times[1:])))
print("lines parsed in all: %d (1,000,000 for points.txt if the cache held)" % parsed.value)
print("centres: " + " ".join("(%.4f,%.4f)" % c for c in sorted(centers)), flush=True)
sc.stop()
