"""W1 baseline: bench/wordcount.py hand-written with multiprocessing, 2 processes, for a
same-machine ratio with sparkpp.

    setsid -w /usr/bin/python3 bench/wordcount_mp.py /tmp/sparkpp-bench-data/text.txt [REPEATS] [PROCS]

Each process counts the words of a byte range of the file (whole lines, as text splits), decoding
UTF-8 and splitting on whitespace as `line.split()`, into a dict; the parent merges the dicts.
Prints `W1 multiprocessing <seconds> s, <distinct> distinct, <total> in all` (166,680 and
29,146,996 for text.txt). `setsid`: see bench/kmeans_mp.py.
"""
import multiprocessing as mp
import os
import sys
import time

CHUNK = 8 << 20    # bytes per task: 24 tasks for 200 MB, so neither process idles long at the end


def count_range(args):
    path, start, end = args
    counts = {}
    get = counts.get
    with open(path, "rb") as f:
        if start:
            f.seek(start - 1)
            f.readline()  # the line that begins before start belongs to the previous range
        pos = f.tell()
        while pos < end:
            data = f.read(min(1 << 20, end - pos))
            if not data:
                break
            rest = f.readline()  # finish the last line
            pos += len(data) + len(rest)
            for line in (data + rest).decode("utf-8").split("\n"):
                for w in line.split():
                    counts[w] = get(w, 0) + 1
    return counts


def main():
    path = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    procs = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    size = os.path.getsize(path)
    ranges = [(path, s, min(s + CHUNK, size)) for s in range(0, size, CHUNK)]
    with mp.Pool(procs) as pool:
        pool.map(abs, range(procs))
        for _ in range(repeats):
            t = time.perf_counter()
            total = {}
            for counts in pool.imap_unordered(count_range, ranges):
                if not total:
                    total = counts
                    continue
                for w, c in counts.items():
                    total[w] = total.get(w, 0) + c
            dt = time.perf_counter() - t
            print("W1 multiprocessing %.2f s, %d distinct, %d in all"
                  % (dt, len(total), sum(total.values())), flush=True)


if __name__ == "__main__":
    main()
