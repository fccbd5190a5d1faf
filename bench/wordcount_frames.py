#!/usr/bin/python3
"""W1 peers of wordcount_df.py: the same DataFrame word count in pandas and in Dask DataFrame.
    /usr/bin/python3 bench/wordcount_frames.py TEXTFILE [RUNS] --engine pandas|dask [--scheduler distributed|threads]
Prints one JSON line {"times": [seconds per run], "distinct": n, "total": n}, as wordcount_df.py
and wordcount_duckdb.mjs do. The file is read as one string column per line (`read_csv` with a
delimiter absent from the data, no quoting, no NA parsing, blank lines kept, as `read.text`),
then `value.str.split(" ").explode().value_counts()`, every group fetched. Dask: blocks of 32 MB
on a LocalCluster of 2 one-thread worker processes started before the clock (or the threaded
scheduler with 2 threads). Expected: 166,680 distinct, 29,146,996 in all."""
import argparse
import csv
import json
import time

import pandas as pd

OPTS = dict(header=None, names=["value"], sep="\t", quoting=csv.QUOTE_NONE, dtype=str,
            na_filter=False, skip_blank_lines=False)


def count(mod, path, done, **kw):
    df = mod.read_csv(path, **OPTS, **kw)
    return done(df.value.str.split(" ").explode().value_counts())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("path"); ap.add_argument("runs", type=int, nargs="?", default=1)
    ap.add_argument("--engine", choices=["pandas", "dask"], default="pandas")
    ap.add_argument("--scheduler", choices=["distributed", "threads"], default="distributed")
    a = ap.parse_args()
    close = lambda: None  # noqa: E731
    if a.engine == "dask":
        import os, sys
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "tpch"))
        import dask.dataframe as dd
        from frames_q import dask_session
        close = dask_session(a.scheduler)
        run = lambda: count(dd, a.path, lambda x: x.compute(), blocksize="32MB")  # noqa: E731
    else:
        run = lambda: count(pd, a.path, lambda x: x)  # noqa: E731
    try:
        times, counts = [], None
        for _ in range(a.runs):
            t0 = time.perf_counter()
            counts = run()
            times.append(time.perf_counter() - t0)
        print(json.dumps({"times": times, "distinct": int(len(counts)), "total": int(counts.sum())}))
    finally:
        close()


if __name__ == "__main__":
    main()
