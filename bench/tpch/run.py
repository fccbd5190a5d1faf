#!/usr/bin/python3
"""Times TPC-H Q1, Q3, Q5, Q6, Q10 and the DataFrame word count on every engine side by side, in
one sitting, and checks every answer (TPC-H against DuckDB's to the cent, word count: the same
distinct/total everywhere).
    SPARKPP_BIN=$PWD/build/sparkpp /usr/bin/python3 bench/tpch/run.py --data /tmp/tpch/sf01 \\
        [--text /tmp/sparkpp-bench-data/text.txt] [--runs 3] [--queries q1,q3,q5,q6,q10 | all] \\
        [--engines sparkpp,sparkpp-sql,duckdb,pandas,dask] [--format csv|parquet]
`--queries all --engines sparkpp-sql,duckdb` times the 22 TPC-H queries of sql/ through spark.sql
against DuckDB (ratios over sparkpp-sql, and their geometric mean).
Each engine runs each query in a fresh process `--runs` times (every run re-reading the CSVs;
the first run includes the engine's warm-up) and the figure is the median. Queries go one after
another, each through all engines before the next, so the engines share the same minutes of
background load. sparkpp runs on local[2] with spark.sql.shuffle.partitions=2, DuckDB with 2
threads, Dask on 2 one-thread worker processes, pandas in one process. `uptime` is printed
before and after; the machine is shared, so compare the ratios. Exit 1 on a wrong answer.
`--format parquet` (sparkpp-sql and DuckDB only): both read DATA/parquet/<table>/, written once by
sparkpp from the CSVs (to_parquet.py) when missing.
Setup: `cd bench && npm ci`; `apt-get install -y python3-dask`."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402

BENCH = os.path.dirname(check.HERE)
WORDS = {"sparkpp": lambda f, n: [check.sparkpp_bin(), "submit", "--master", "local[2]",
                                  os.path.join(BENCH, "wordcount_df.py"), f, str(n)],
         "duckdb": lambda f, n: ["node", os.path.join(BENCH, "wordcount_duckdb.mjs"), f, str(n)],
         "pandas": lambda f, n: [check.PY, os.path.join(BENCH, "wordcount_frames.py"), f, str(n), "--engine", "pandas"],
         "dask": lambda f, n: [check.PY, os.path.join(BENCH, "wordcount_frames.py"), f, str(n), "--engine", "dask"]}


def uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def wordcount(engine, path, runs):
    env = dict(os.environ)
    env.setdefault("SPARKPP_PYTHON", check.PY)
    p = subprocess.run(WORDS[engine](path, runs), capture_output=True, text=True, env=env, timeout=3600)
    if p.returncode != 0:
        raise RuntimeError(f"{engine} word count failed (exit {p.returncode}):\n{p.stderr[-3000:]}")
    return json.loads([l for l in p.stdout.splitlines() if l.startswith("{")][-1])


def fmt(times):
    return ", ".join(f"{t:.2f}" for t in times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--text")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--queries", default=",".join(check.QUERIES))
    ap.add_argument("--engines", default="sparkpp,sparkpp-sql,duckdb,pandas,dask")
    ap.add_argument("--json", help="also write every time and check here")
    ap.add_argument("--format", choices=["csv", "parquet"], default="csv")
    a = ap.parse_args()
    engines = a.engines.split(",")
    os.environ["TPCH_FORMAT"] = a.format  # read by sparkpp_sql.py and duckdb_q.mjs
    if a.format == "parquet":
        if set(engines) - set(check.SQL_ENGINES):
            ap.error("--format parquet: only the engines " + ",".join(check.SQL_ENGINES))
        env = dict(os.environ, SPARKPP_PYTHON=os.environ.get("SPARKPP_PYTHON", check.PY))
        subprocess.run([check.sparkpp_bin(), "submit", "--master", "local[2]",
                        os.path.join(check.HERE, "to_parquet.py"), a.data], check=True, env=env, timeout=7200)
    print("# " + uptime(), flush=True)
    results, bad = {}, 0
    for q in check.queries_arg(a.queries):
        results[q] = {}
        for e in [e for e in engines if check.runs_query(e, q)]:
            t0 = time.time()
            r = check.run(e, a.data, [q], a.runs)[q]
            results[q][e] = {"times": r["times"], "median": statistics.median(r["times"]), "rows": r["rows"]}
            print(f"{q:5} {e:12} median {results[q][e]['median']:7.2f} s  runs {fmt(r['times'])}  "
                  f"({time.time() - t0:.0f} s with start-up)", flush=True)
        if "duckdb" in engines:
            for e in results[q]:
                problems = check.compare(results[q]["duckdb"]["rows"], results[q][e]["rows"])
                results[q][e]["ok"] = not problems
                if problems:
                    bad += 1
                    print(f"{q} {e} WRONG ANSWER vs DuckDB: {problems[:3]}", flush=True)
    if a.text:
        q = "wordcount"
        results[q] = {}
        for e in [e for e in engines if e in WORDS]:
            r = wordcount(e, a.text, a.runs)
            results[q][e] = {"times": r["times"], "median": statistics.median(r["times"]),
                             "rows": [r["distinct"], r["total"]]}
            print(f"{q:5} {e:12} median {results[q][e]['median']:7.2f} s  runs {fmt(r['times'])}  "
                  f"distinct {r['distinct']:,} total {r['total']:,}", flush=True)
        answers = {tuple(v["rows"]) for v in results[q].values()}
        for v in results[q].values():
            v["ok"] = len(answers) == 1
        if len(answers) != 1:
            bad += 1
            print(f"wordcount: engines disagree: {answers}", flush=True)
    print("# " + uptime(), flush=True)
    # the table for docs/benchmarks.md: medians, then each peer's time over sparkpp's
    # (over sparkpp-sql's when the DataFrame form is not run); the SQL-only table ends with the
    # geometric mean of sparkpp-sql / DuckDB
    base = "sparkpp" if "sparkpp" in engines else engines[0]
    peers = [e for e in engines if e != base]
    print("\n| query | " + " | ".join(f"{e} (s)" for e in engines) + " | "
          + " | ".join(f"{e} / {base}" for e in peers) + " |")
    print("|---" * (1 + len(engines) + len(peers)) + "|")
    for q, per in results.items():
        cells = [f"{per[e]['median']:.2f}" if e in per else "–" for e in engines]
        ratios = [f"{per[e]['median'] / per[base]['median']:.2f}" if e in per and base in per else "–"
                  for e in peers]
        print(f"| {q} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    both = [per for per in results.values() if "duckdb" in per and "sparkpp-sql" in per]
    if both:
        r = [per["sparkpp-sql"]["median"] / per["duckdb"]["median"] for per in both]
        print(f"\nsparkpp-sql / DuckDB over {len(r)} queries: geometric mean "
              f"{statistics.geometric_mean(r):.2f}, max {max(r):.2f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
