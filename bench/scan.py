#!/usr/bin/python3
"""Scan throughput of the native file readers (issues #15 and #18): TPC-H lineitem (bench/tpch/gen.py)
as Parquet, CSV and JSON lines, the query a projection of 3 columns with a ~5 % selective filter
    SELECT count(*), sum(l_extendedprice * l_discount) FROM lineitem
    WHERE l_quantity < 3.5 AND l_discount < 0.09          -- 3/50 * 9/11 = 4.9 % of the rows
on sparkpp (spark.sql, local[CORES]) and on DuckDB (CORES threads) over the same files, each run
re-reading the files; the figure is the median of --runs in one warm session (the first run is
dropped as warm-up). Reported per core:
  Parquet: MB/s of decoded column data (rows x 3 DOUBLE columns x 8 bytes; #18's goal >= 1 GB/s);
  CSV, JSON: MB/s of file bytes (every byte is tokenized; #18's CSV goal >= 150 MB/s);
and rows/s; also the median CPU seconds per query (sparkpp: driver + executor + Python, every
process of the session; DuckDB: its process) and MB per CPU second, which a loaded machine
disturbs far less than wall time. Answers are checked equal across engines and formats.
    /usr/bin/python3 bench/tpch/gen.py /tmp/scanbench/sf1 --sf 1
    SPARKPP_BIN=$PWD/build/sparkpp /usr/bin/python3 bench/scan.py --data /tmp/scanbench/sf1 \\
        [--cores 1] [--runs 5] [--formats parquet,csv,json] [--engines sparkpp,duckdb]
The first use writes DATA/scan/lineitem.parquet/ (sparkpp's df.write.parquet: Spark's defaults,
snappy, dictionary) and DATA/scan/lineitem.json/ (df.write.json) from DATA/lineitem.csv, each only
when --formats asks for it.
Setup for DuckDB: `cd bench && npm ci`. `uptime` is printed before and after (shared machines)."""
import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "tpch"))
from schemas import SCHEMAS  # noqa: E402

PY = "/usr/bin/python3"
QUERY = ("SELECT count(*) AS n, sum(l_extendedprice * l_discount) AS revenue FROM lineitem "
         "WHERE l_quantity < 3.5 AND l_discount < 0.09")

PREPARE = r'''
import sys
from pyspark.sql import SparkSession
csv, out, schema, formats = sys.argv[1:5]
spark = SparkSession.builder.appName("scan-prepare").getOrCreate()
df = spark.read.csv(csv, header=True, schema=schema)
if "parquet" in formats:
    df.write.mode("overwrite").parquet(out + "/lineitem.parquet")
if "json" in formats:
    df.write.mode("overwrite").json(out + "/lineitem.json")
spark.stop()
'''

# One session: every format's query --runs times (+1 warm-up), one JSON line out. Besides wall
# time, the CPU time of the whole session per query: the driver, the executor and this Python
# process (every process under the driver), from /proc — robust to a loaded machine.
JOB = r'''
import json, os, sys, time
from pyspark.sql import SparkSession
spec = json.loads(sys.argv[1])
TCK = os.sysconf("SC_CLK_TCK")
def stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        st = f.read().rsplit(")", 1)[1].split()
    return int(st[1]), (int(st[11]) + int(st[12])) / TCK
def session_pids():  # the driver and every process under it (found once: reading them all costs CPU)
    procs = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                procs[int(d)] = stat(d)[0]
            except OSError:
                pass
    root, out = os.getppid(), [os.getppid()]
    for pid in procs:
        p = pid
        while p and p != root and p in procs:
            p = procs[p]
        if p == root and pid != root:
            out.append(pid)
    return out
def tree_cpu(pids):
    total = 0.0
    for pid in pids:
        try:
            total += stat(pid)[1]
        except OSError:
            pass
    return total
spark = SparkSession.builder.appName("scan-bench").config("spark.sql.shuffle.partitions", "1").getOrCreate()
out = {}
for fmt, path in spec["paths"].items():
    r = spark.read
    if fmt == "csv":
        df = r.csv(path, header=True, schema=spec["schema"])
    elif fmt == "json":
        df = r.json(path, schema=spec["schema"])
    else:
        df = r.parquet(path)
    df.createOrReplaceTempView("lineitem")
    times, cpus, ans = [], [], None
    pids = []
    for i in range(spec["runs"] + 1):
        if i <= 1:
            pids = session_pids()  # after the warm-up too: the executor exists by then
        c0 = tree_cpu(pids)
        t0 = time.perf_counter()
        row = spark.sql(spec["query"]).collect()[0]
        times.append(time.perf_counter() - t0)
        cpus.append(tree_cpu(pids) - c0)
        ans = [row[0], round(row[1], 2)]
    rows = spark.sql("SELECT count(*) FROM lineitem").collect()[0][0] if fmt == "parquet" else None
    out[fmt] = {"times": times[1:], "cpu": cpus[1:], "answer": ans, "rows": rows}
spark.stop()
print(json.dumps(out), flush=True)
'''

DUCK = r'''
import { createRequire } from 'node:module';
const require = createRequire(process.argv[2]);
const { DuckDBInstance } = require('@duckdb/node-api');
const spec = JSON.parse(process.argv[3]);
const db = await DuckDBInstance.create(':memory:', { threads: String(spec.cores) });
const con = await db.connect();
const out = {};
for (const [fmt, src] of Object.entries(spec.sources)) {
  await con.run(`CREATE OR REPLACE VIEW lineitem AS SELECT * FROM ${src}`);
  const times = [], cpu = []; let ans = null;
  for (let i = 0; i <= spec.runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = (await (await con.run(spec.query)).getRows())[0];
    times.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
    ans = [Number(r[0]), Math.round(Number(r[1]) * 100) / 100];
  }
  out[fmt] = { times: times.slice(1), cpu: cpu.slice(1), answer: ans };
}
console.log(JSON.stringify(out));
'''


def uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def run_json(argv, env=None):
    p = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=7200)
    if p.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed (exit {p.returncode}):\n{p.stderr[-3000:]}")
    return json.loads([l for l in p.stdout.splitlines() if l.startswith("{")][-1])


def dir_bytes(path):
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(f) for f in glob.glob(os.path.join(path, "part-*")))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="bench/tpch/gen.py's output directory (lineitem.csv)")
    ap.add_argument("--cores", type=int, default=1)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--formats", default="parquet,csv,json")
    ap.add_argument("--engines", default="sparkpp,duckdb")
    a = ap.parse_args()
    sparkpp = os.environ.get("SPARKPP_BIN") or os.path.join(os.path.dirname(HERE), "build", "sparkpp")
    env = dict(os.environ, SPARKPP_PYTHON=os.environ.get("SPARKPP_PYTHON", PY))
    csv = os.path.join(a.data, "lineitem.csv")
    scan = os.path.join(a.data, "scan")
    tmp = tempfile.mkdtemp(prefix="scanbench")
    formats = a.formats.split(",")
    todo = [f for f in ("parquet", "json") if f in formats and not os.path.isdir(os.path.join(scan, f"lineitem.{f}"))]
    if todo:  # only the formats asked for (JSON lines of SF 1 are 2 GB)
        job = os.path.join(tmp, "prepare.py")
        with open(job, "w") as f:
            f.write(PREPARE)
        subprocess.run([sparkpp, "submit", "--master", "local[2]", job, csv, scan, SCHEMAS["lineitem"], ",".join(todo)],
                       env=env, check=True)
    paths = {"parquet": os.path.join(scan, "lineitem.parquet"), "csv": csv, "json": os.path.join(scan, "lineitem.json")}
    paths = {f: paths[f] for f in formats}
    print("# " + uptime(), flush=True)
    results = {}
    if "sparkpp" in a.engines:
        job = os.path.join(tmp, "scan_job.py")
        with open(job, "w") as f:
            f.write(JOB)
        spec = {"paths": paths, "schema": SCHEMAS["lineitem"], "runs": a.runs, "query": QUERY}
        results["sparkpp"] = run_json([sparkpp, "submit", "--master", f"local[{a.cores}]", job, json.dumps(spec)], env)
    if "duckdb" in a.engines:
        js = os.path.join(tmp, "scan_duckdb.mjs")
        with open(js, "w") as f:
            f.write(DUCK)
        cols = ", ".join(f"'{c.split()[0]}': '{'VARCHAR' if c.split()[1] == 'STRING' else c.split()[1]}'"
                         for c in SCHEMAS["lineitem"].split(", "))
        sources = {"parquet": f"read_parquet('{paths.get('parquet')}/*.parquet')",
                   "csv": f"read_csv('{csv}', header = true, columns = {{{cols}}}, auto_detect = false)",
                   "json": f"read_json('{paths.get('json')}/part-*', format = 'newline_delimited', columns = {{{cols}}})"}
        spec = {"sources": {f: sources[f] for f in formats}, "runs": a.runs, "query": QUERY, "cores": a.cores}
        results["duckdb"] = run_json(["node", js, os.path.join(HERE, "package.json"), json.dumps(spec)])
    rows = results.get("sparkpp", {}).get("parquet", {}).get("rows") or 0
    print(f"# {uptime()}\n# cores {a.cores}, runs {a.runs} (median), lineitem rows {rows or '?'}")
    print(f"{'format':8} {'engine':8} {'median s':>9} {'MB/s/core':>10} {'Mrows/s/core':>13} {'CPU s':>7} {'MB/CPU-s':>9}  answer")
    answers = set()
    for fmt in formats:
        size = rows * 3 * 8 if fmt == "parquet" else dir_bytes(paths[fmt])
        for eng, res in results.items():
            r = res[fmt]
            med = statistics.median(r["times"])
            answers.add(tuple(r["answer"]))
            mbs = size / 1e6 / med / a.cores
            mrows = rows / 1e6 / med / a.cores if rows else float("nan")
            cpu = statistics.median(r["cpu"]) if r.get("cpu") else float("nan")
            print(f"{fmt:8} {eng:8} {med:9.3f} {mbs:10.0f} {mrows:13.1f} {cpu:7.3f} {size / 1e6 / cpu:9.0f}  {r['answer']}  "
                  f"runs {', '.join(f'{t:.3f}' for t in r['times'])}")
    if len(answers) != 1:
        print(f"ANSWERS DIFFER: {answers}")
        sys.exit(1)


if __name__ == "__main__":
    main()
