"""W2 baseline: bench/pi.py's Monte Carlo pi hand-written with multiprocessing, 2 processes, for
a same-machine ratio with sparkpp.

    setsid -w /usr/bin/python3 bench/pi_mp.py [REPEATS] [PROCS]

Same user code as bench/pi.py (`inside` per sample, summed with operator.add), 20 M samples in
100 slices handed to a Pool of 2 (`imap_unordered`, one slice per message): the per-sample work
of the PySpark program without the framework around it. `setsid`: see bench/kmeans_mp.py.
"""
import multiprocessing as mp
import sys
import time
from functools import reduce
from operator import add
from random import random

SAMPLES = 20_000_000
PARTITIONS = 100


def inside(_):
    x = random() * 2 - 1
    y = random() * 2 - 1
    return 1 if x * x + y * y <= 1 else 0


def slice_hits(i):
    lo = 1 + i * SAMPLES // PARTITIONS
    hi = 1 + (i + 1) * SAMPLES // PARTITIONS
    return reduce(add, map(inside, range(lo, hi)))


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    procs = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    with mp.Pool(procs) as pool:
        pool.map(abs, range(procs))  # workers up before timing, as sparkpp's warm context
        for _ in range(repeats):
            t = time.perf_counter()
            hits = reduce(add, pool.imap_unordered(slice_hits, range(PARTITIONS)))
            dt = time.perf_counter() - t
            assert abs(4.0 * hits / SAMPLES - 3.14159) < 0.01, hits
            print("W2 multiprocessing %.2f s, %d hits, pi ~ %.5f" % (dt, hits, 4.0 * hits / SAMPLES),
                  flush=True)


if __name__ == "__main__":
    main()
