"""W6 baseline: the k-means of bench/kmeans.py hand-written with multiprocessing, 2 processes,
pure Python (no numpy), for a same-machine ratio with sparkpp.

    setsid -w /usr/bin/python3 bench/kmeans_mp.py /tmp/sparkpp-bench-data/points.txt [ITERATIONS] [PROCS]

`setsid` because sparkpp's local executor (and so its Python workers) runs in a session of its
own, which with kernel.sched_autogroup_enabled=1 is a scheduling group of its own; without it
this baseline shares CPU with everything else in the calling shell's session.

Each process reads and parses its byte range of the file once (split at line boundaries) and
keeps the tuples (the `.cache()`), then per iteration gets the centres over a pipe and returns
per-centre sums (x, y, count); the parent makes the new centres. Initial centres are the
file's first 10 points, as `take(10)` in bench/kmeans.py, so both print the same final centres.
Iteration 1 includes reading and parsing; the figure is `median 2..N`.
"""
import multiprocessing as mp
import os
import statistics
import sys
import time

K = 10


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


def read_range(path, start, end):
    """Lines whose first byte is in [start, end), as Hadoop text splits do."""
    out = []
    with open(path, "rb") as f:
        if start:
            f.seek(start - 1)
            f.readline()  # the line that begins before start belongs to the previous split
        pos = f.tell()
        while pos < end:
            line = f.readline()
            if not line:
                break
            pos += len(line)
            x, y = line.split()
            out.append((float(x), float(y)))
    return out


def worker(conn, path, start, end):
    points = None
    while True:
        centers = conn.recv()
        if centers is None:
            break
        if points is None:
            points = read_range(path, start, end)
        sums = [[0.0, 0.0, 0] for _ in centers]
        for p in points:
            s = sums[closest(p, centers)]
            s[0] += p[0]
            s[1] += p[1]
            s[2] += 1
        conn.send(sums)


def main():
    path = sys.argv[1]
    iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    procs = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    with open(path) as f:
        centers = [tuple(float(v) for v in f.readline().split()) for _ in range(K)]
    size = os.path.getsize(path)
    conns, ps = [], []
    for i in range(procs):
        a, b = mp.Pipe()
        p = mp.Process(target=worker, args=(b, path, size * i // procs, size * (i + 1) // procs))
        p.start()
        conns.append(a)
        ps.append(p)
    times = []
    try:
        for it in range(1, iterations + 1):
            t = time.perf_counter()
            for c in conns:
                c.send(centers)
            total = [[0.0, 0.0, 0] for _ in centers]
            for c in conns:
                for tot, s in zip(total, c.recv()):
                    tot[0] += s[0]
                    tot[1] += s[1]
                    tot[2] += s[2]
            new = [(sx / n, sy / n) if n else old for (sx, sy, n), old in zip(total, centers)]
            shift = sum((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 for a, b in zip(centers, new))
            centers = new
            dt = time.perf_counter() - t
            times.append(dt)
            print("W6 iteration %d: %.3f s (shift %.3g)" % (it, dt, shift), flush=True)
    finally:
        for c in conns:
            c.send(None)
        for p in ps:
            p.join()
    print("W6 multiprocessing: %d processes, first %.3f s, median 2..%d %.3f s"
          % (procs, times[0], iterations, statistics.median(times[1:])))
    print("centres: " + " ".join("(%.4f,%.4f)" % c for c in sorted(centers)), flush=True)


if __name__ == "__main__":
    main()
