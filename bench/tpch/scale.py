#!/usr/bin/python3
"""TPC-H under a memory limit (issue #18 "scale"): the 22 queries of sql/ through spark.sql in one
application on local[2] whose executor is given `--memory` (spark.driver.memory, which is the local
executor's memory), while this script samples the executor process's resident memory every 50 ms
from /proc. Prints, per query, the time, the executor's peak RSS and its ratio to the configured
memory; with DuckDB at hand (node and bench/node_modules) every answer is checked against its.

    SPARKPP_BIN=$PWD/build/sparkpp /usr/bin/python3 bench/tpch/scale.py --data /tmp/tpch/sf1 \\
        --memory 256m [--queries all|q1,q9] [--check] [--conf k=v ...]

A benchmark, not a test: the figures go to docs/benchmarks.md. Exit 1 on a failed query or a
wrong answer."""
import argparse
import json
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import check  # noqa: E402
from procs import cmd, rss  # noqa: E402

JOB = r'''
import json, os, sys, time
from pyspark.sql import SparkSession
sys.path.insert(0, os.environ["TPCH_DIR"])
from schemas import SCHEMAS
from sparkpp_sql import value

d = os.environ["TPCH_DATA"]
spark = SparkSession.builder.appName("tpch-scale").getOrCreate()
spark.conf.set("spark.sql.shuffle.partitions", "8")
for t, ddl in SCHEMAS.items():
    spark.read.csv(f"{d}/{t}.csv", header=True, schema=ddl).createOrReplaceTempView(t)
for q in os.environ["TPCH_QUERIES"].split(","):
    text = open(os.path.join(os.environ["TPCH_DIR"], "sql", q + ".sql")).read()
    print(json.dumps({"start": q, "t": time.time()}), flush=True)
    try:
        rows = [[value(v) for v in r] for r in spark.sql(text).collect()]
        print(json.dumps({"query": q, "t": time.time(), "rows": rows}), flush=True)
    except Exception as e:  # noqa: BLE001 - reported, the next query still runs
        print(json.dumps({"query": q, "t": time.time(), "error": str(e)[:2000]}), flush=True)
spark.stop()
'''


def bytes_of(text):
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    t = text.strip().lower()
    return int(float(t[:-1]) * units[t[-1]]) if t[-1] in units else int(t)


def descendants(pid):
    """PIDs of every process under `pid` (from /proc's parent links)."""
    kids = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(p))
    out, todo = [], [pid]
    while todo:
        for c in kids.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--memory", default="1g")
    ap.add_argument("--queries", default="all")
    ap.add_argument("--check", action="store_true", help="compare every answer with DuckDB's")
    ap.add_argument("--conf", action="append", default=[], help="k=v, passed to sparkpp submit")
    a = ap.parse_args()
    queries = check.queries_arg(a.queries)
    job = os.path.join("/tmp", f"sparkpp-tpch-scale-{os.getpid()}.py")
    with open(job, "w") as f:
        f.write(JOB)
    env = dict(os.environ, TPCH_DIR=HERE, TPCH_DATA=os.path.abspath(a.data), TPCH_QUERIES=",".join(queries))
    env.setdefault("SPARKPP_PYTHON", check.PY)
    argv = [check.sparkpp_bin(), "submit", "--master", "local[2]", "--driver-memory", a.memory]
    for kv in a.conf:
        argv += ["--conf", kv]
    argv.append(job)
    print(f"# {' '.join(argv[1:-1])}; {os.uname().nodename}; {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    samples, done = [], threading.Event()

    def sampler():
        while not done.is_set():
            ex = [p for p in descendants(proc.pid) if " executor" in cmd(p) and "python" not in cmd(p)]
            samples.append((time.time(), sum(rss(p) for p in ex)))
            time.sleep(0.05)

    errs = []
    threading.Thread(target=lambda: errs.append(proc.stderr.read()), daemon=True).start()
    th = threading.Thread(target=sampler, daemon=True)
    th.start()
    events = [json.loads(line) for line in proc.stdout if line.startswith("{")]
    proc.wait()
    done.set()
    th.join()
    os.unlink(job)
    ref = check.run("duckdb", a.data, queries) if a.check else {}
    limit = bytes_of(a.memory) / (1 << 20)
    starts = {e["start"]: e["t"] for e in events if "start" in e}
    bad, peak_all = 0, 0.0
    print(f"| query | time | executor peak RSS | / {a.memory} | answer |")
    print("|---|---|---|---|---|")
    for e in [e for e in events if "query" in e]:
        q = e["query"]
        peak = max([m for t, m in samples if starts[q] <= t <= e["t"]] or [0.0])
        peak_all = max(peak_all, peak)
        if "error" in e:
            verdict, bad = "FAILED: " + e["error"].splitlines()[0][:200], bad + 1
        elif q in ref:
            problems = check.compare(ref[q]["rows"], e["rows"])
            verdict = "ok" if not problems else "MISMATCH " + problems[0][:100]
            bad += bool(problems)
        else:
            verdict = f"{len(e['rows'])} rows"
        print(f"| {q} | {e['t'] - starts[q]:.2f} s | {peak:.0f} MiB | {peak / limit:.2f} | {verdict} |")
    missing = [q for q in queries if q not in {e.get("query") for e in events}]
    if missing or proc.returncode != 0:
        bad += 1
        print(f"# exit {proc.returncode}; queries never answered: {missing}\n{''.join(errs)[-3000:]}")
    print(f"# peak executor RSS {peak_all:.0f} MiB = {peak_all / limit:.2f} x {a.memory}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
