"""All 22 TPC-H queries (bench/tpch/sql, Spark SQL text with the validation parameters) through
spark.sql give DuckDB's answers on the same files (issue #14's proof): scale 0.01 from
bench/tpch/gen.py, one application per master running every query, on local[2] and on master + 2
workers (shuffle blocks and broadcasts cross executors). DuckDB (npm @duckdb/node-api under
bench/, `npm ci` run when missing) is the oracle; rows in order, numbers to the cent
(bench/tpch/check.py's rule). Skipped only when node is absent."""
import json
import os
import shutil
import subprocess
import sys

import pytest

import daemons
import jobs

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
BENCH = os.path.join(ROOT, "bench")
TPCH = os.path.join(BENCH, "tpch")
sys.path.insert(0, TPCH)
import check  # noqa: E402

NODE = shutil.which("node")
pytestmark = [pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built"),
              pytest.mark.skipif(NODE is None, reason="node (for DuckDB) not installed")]

QUERIES = check.SQL_QUERIES

# Every query in one application (views over the CSVs with their schemas, as sparkpp_sql.py).
JOB = r'''
import json, os, sys
from pyspark.sql import SparkSession
sys.path.insert(0, os.environ["TPCH_DIR"])
from schemas import SCHEMAS
from sparkpp_sql import value  # rows as bench/tpch's runners print them

d = os.environ["TPCH_DATA"]
spark = SparkSession.builder.appName("tpch-all").getOrCreate()
spark.conf.set("spark.sql.shuffle.partitions", "4")
for k, v in json.loads(os.environ.get("TPCH_CONF", "{}")).items():
    spark.conf.set(k, v)
for t, ddl in SCHEMAS.items():
    spark.read.csv(f"{d}/{t}.csv", header=True, schema=ddl).createOrReplaceTempView(t)
for q in os.environ["TPCH_QUERIES"].split(","):
    with open(os.path.join(os.environ["TPCH_DIR"], "sql", q + ".sql")) as f:
        text = f.read()
    try:
        rows = [[value(v) for v in r] for r in spark.sql(text).collect()]
        print("TPCH " + json.dumps({"query": q, "rows": rows}), flush=True)
    except Exception as e:
        print("TPCH " + json.dumps({"query": q, "error": str(e)[:2000]}), flush=True)
spark.stop()
'''


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("tpch22")
    subprocess.run(["/usr/bin/python3", os.path.join(TPCH, "gen.py"), str(d), "--sf", "0.01"], check=True, timeout=120)
    return str(d)


@pytest.fixture(scope="module")
def duckdb(data):
    if not os.path.isdir(os.path.join(BENCH, "node_modules", "@duckdb", "node-api")):
        r = subprocess.run(["npm", "ci", "--prefer-offline", "--no-audit", "--no-fund"], cwd=BENCH,
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, "npm ci in bench/ failed (DuckDB is this test's oracle):\n" + r.stderr
    # One node process for all 22 (duckdb_q.mjs takes a comma list of query files).
    files = ",".join(os.path.join(TPCH, "sql", q + ".sql") for q in QUERIES)
    r = subprocess.run([NODE, os.path.join(TPCH, "duckdb_q.mjs"), data, files, "1"], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, "DuckDB failed:\n" + r.stderr[-3000:]
    return {a["query"]: a for a in (json.loads(l) for l in r.stdout.splitlines() if l.startswith("{"))}


def run_all(tmp_path, data, master, conf=None):
    script = jobs.write_job(tmp_path, "tpch_all.py", JOB, prelude=False)
    res = jobs.submit(script, master=master, timeout=600,
                      env={"TPCH_DIR": TPCH, "TPCH_DATA": data, "TPCH_QUERIES": ",".join(QUERIES),
                           "TPCH_CONF": json.dumps(conf or {})})
    assert res.returncode == 0, "job failed\n" + res.describe()
    return {r["query"]: r for r in (json.loads(l[5:]) for l in res.stdout.splitlines() if l.startswith("TPCH "))}


def compare_all(duckdb, got):
    problems = {}
    for q in QUERIES:
        if q not in got:
            problems[q] = "no answer"
        elif "error" in got[q]:
            problems[q] = got[q]["error"]
        elif check.compare(duckdb[q]["rows"], got[q]["rows"]):
            problems[q] = check.compare(duckdb[q]["rows"], got[q]["rows"])[:3]
    return problems


def test_duckdb_answers_are_not_empty(duckdb):
    # Scale 0.01 with the validation parameters: most queries return rows (an all-empty oracle
    # would prove nothing).
    assert sum(1 for q in QUERIES if duckdb[q]["rows"]) >= 18


def test_all_22_local(tmp_path, data, duckdb):
    assert compare_all(duckdb, run_all(tmp_path, data, "local[2]")) == {}


def test_all_22_joins_switched_at_run_time(tmp_path, data, duckdb):
    # Every equi-join planned sort-merge (no broadcast at plan time), then AQE's runtime switch
    # (spark.sql.adaptive.autoBroadcastJoinThreshold) turns those with a small shuffled side into
    # broadcast hash joins, local shuffle reads on the other side: the same answers.
    conf = {"spark.sql.autoBroadcastJoinThreshold": "-1", "spark.sql.adaptive.autoBroadcastJoinThreshold": "10MB"}
    assert compare_all(duckdb, run_all(tmp_path, data, "local[2]", conf)) == {}


def test_all_22_cluster(tmp_path, data, duckdb):
    with daemons.Cluster(tmp_path) as c:
        m = c.start_master()
        c.start_worker(m.url, cores=1, memory="1g")
        c.start_worker(m.url, cores=1, memory="1g")
        daemons.wait_until(lambda: m.json()["aliveworkers"] == 2, what="two workers alive")
        assert compare_all(duckdb, run_all(tmp_path, data, m.url)) == {}
