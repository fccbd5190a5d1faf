#!/usr/bin/python3
"""Checks TPC-H answers of every engine against DuckDB's on the same CSVs; exits 1 on a mismatch.
    /usr/bin/python3 bench/tpch/check.py DATADIR [--queries q1,q3,q5,q6,q10 | all | frames]
                     [--engines sparkpp,sparkpp-sql,pandas,dask]
`all` is the 22 queries of sql/ (DuckDB and sparkpp-sql; the DataFrame, pandas and Dask forms
exist for Q1, Q3, Q5, Q6 and Q10 only, and the other engines skip the rest).
Engines (each prints {"times", "rows"} per query; see run.py for timing them):
  duckdb       node duckdb_q.mjs over sql/QUERY.sql, 2 threads (the reference; `cd bench && npm ci`)
  sparkpp      sparkpp_q.py (DataFrame API) by `sparkpp submit --master local[2]`
  sparkpp-sql  sparkpp_sql.py over sql/QUERY.sql, same submit
  pandas       frames_q.py --engine pandas
  dask         frames_q.py --engine dask (2 one-thread worker processes; Debian python3-dask)
$SPARKPP_BIN (default build/sparkpp of this checkout) and $SPARKPP_PYTHON (default
/usr/bin/python3) choose the binary and the Python of the sparkpp runs. Rows are compared in
order; numbers to the cent (|a - b| <= 0.005, or within 1e-13 of each other relatively for
sums of ~1e11 that different summation orders round differently), everything else exactly."""
import argparse
import json
import math
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
QUERIES = ["q1", "q3", "q5", "q6", "q10"]  # the ones with DataFrame / pandas / Dask forms
SQL_QUERIES = [f"q{i}" for i in range(1, 23)]  # sql/q*.sql: duckdb and sparkpp-sql run all 22
SQL_ENGINES = ("duckdb", "sparkpp-sql")


def queries_arg(text):
    """--queries: a comma list, `all` (the 22 SQL queries) or `frames` (the DataFrame ones)."""
    return {"all": SQL_QUERIES, "frames": QUERIES}.get(text, text.split(","))


def runs_query(engine, query):
    return engine in SQL_ENGINES or query in QUERIES
ENGINES = ["duckdb", "sparkpp", "sparkpp-sql", "pandas", "dask"]
PY = "/usr/bin/python3"


def sparkpp_bin():
    return os.environ.get("SPARKPP_BIN") or os.path.join(ROOT, "build", "sparkpp")


def command(engine, data, query, runs):
    """The argv that runs `query` (one, or several comma-separated for the engines that take a
    list) `runs` times on `engine`."""
    sql = os.path.join(HERE, "sql", query + ".sql")
    submit = [sparkpp_bin(), "submit", "--master", "local[2]"]
    return {"duckdb": ["node", os.path.join(HERE, "duckdb_q.mjs"), data, sql, str(runs)],
            "sparkpp": submit + [os.path.join(HERE, "sparkpp_q.py"), data, query, str(runs)],
            "sparkpp-sql": submit + [os.path.join(HERE, "sparkpp_sql.py"), data, sql, str(runs)],
            "pandas": [PY, os.path.join(HERE, "frames_q.py"), data, query, str(runs), "--engine", "pandas"],
            "dask": [PY, os.path.join(HERE, "frames_q.py"), data, query, str(runs), "--engine", "dask"]}[engine]


def run(engine, data, queries, runs=1, timeout=3600):
    """{query: {"times": [...], "rows": [...]}} of `engine` over `queries`."""
    batches = [",".join(queries)] if engine in ("sparkpp", "pandas", "dask") else list(queries)
    env = dict(os.environ)
    env.setdefault("SPARKPP_PYTHON", PY)
    out = {}
    for batch in batches:
        p = subprocess.run(command(engine, data, batch, runs), capture_output=True, text=True,
                           timeout=timeout, env=env)
        if p.returncode != 0:
            raise RuntimeError(f"{engine} {batch} failed (exit {p.returncode}):\n{p.stderr[-3000:]}")
        lines = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
        for i, r in enumerate(lines):
            out[r.get("query", batch.split(",")[i])] = r
    return out


def same(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(a - b) <= 0.005 or math.isclose(a, b, rel_tol=1e-13)
    return a == b


def compare(ref, got):
    """Differences between two row lists (empty if they agree)."""
    problems = []
    if len(ref) != len(got):
        problems.append(f"{len(got)} rows, expected {len(ref)}")
    for i, (a, b) in enumerate(zip(ref, got)):
        if len(a) != len(b) or not all(same(x, y) for x, y in zip(a, b)):
            problems.append(f"row {i}: {b}, expected {a}")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--queries", default=",".join(QUERIES))
    ap.add_argument("--engines", default="sparkpp,sparkpp-sql,pandas,dask")
    a = ap.parse_args()
    queries = queries_arg(a.queries)
    ref = run("duckdb", a.data, queries)
    bad = 0
    for engine in a.engines.split(","):
        mine = [q for q in queries if runs_query(engine, q)]
        got = run(engine, a.data, mine) if mine else {}
        for q in mine:
            problems = compare(ref[q]["rows"], got[q]["rows"])
            print(f"{engine:12} {q:4} {len(got[q]['rows']):3} rows  " + ("ok" if not problems else "MISMATCH"))
            for p in problems[:5]:
                print("    " + p)
            bad += bool(problems)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
