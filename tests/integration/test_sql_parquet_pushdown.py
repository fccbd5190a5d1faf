"""Row-group skipping on spark.read.parquet: the filters the planner pushes into the scan
(PushedFilters in explain, as Spark shows them) skip row groups whose min/max statistics or null
counts rule them out, the Filter above the scan still deciding each row. Proof of skipping: a
copy of a file whose other row groups are overwritten with garbage still answers the selective
queries (and fails, naming the file, on a query that must read everything). DuckDB (node) gives
the column chunks' byte ranges."""
import json
import os
import shutil
import subprocess

import pytest

import jobs

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.join(HERE, "..", "..", "bench")
NODE = shutil.which("node")

pytestmark = [pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")]

N = 40000

WRITE = r'''
import sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.appName("pq-write").getOrCreate()
df = spark.range(0, %d, 1, 1).selectExpr(
    "id",
    "concat('k', lpad(CAST(id AS STRING), 6, '0')) AS s",
    "CASE WHEN id >= 30000 THEN NULL ELSE id %% 100 END AS n",
    "CAST(id AS DECIMAL(12,2)) AS d")
check("write", lambda: df.write.option("compression", "none").option("parquet.block.size", 200000)
      .parquet(sys.argv[1]) or True)
emit()
''' % N

# Each query: (name, filter); the job answers sorted ids and the explain's PushedFilters.
QUERIES = [
    ("range", "id >= 12000 AND id < 12010"),
    ("eq", "id = 12003"),
    ("flipped", "12005 > id AND id > 12001"),
    ("in", "id IN (12001, 12005)"),
    ("or", "id = 12003 OR id = 12007"),
    ("string", "s = 'k012004'"),
    ("le_ge", "id <= 12002 AND id >= 12000"),
]
# Queries whose rows are in other row groups too: answered on the intact file only.
WIDE = [
    ("decimal", "d = 12006.00"),  # the comparison widens d (a Cast): not pushed yet
    ("isnull", "n IS NULL AND id < 30005"),
    ("isnotnull", "n IS NOT NULL AND id > 29995"),
    ("none", "id > 99999"),
    ("like", "s LIKE 'k0120%'"),
]

READ = r'''
import sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.appName("pq-read").getOrCreate()
path = sys.argv[1]

def explain(df):
    return [l.strip() for l in explained(df).split("\n") if "FileScan" in l]

queries = json.loads(sys.argv[2])
for name, cond in queries:
    df = spark.read.parquet(path).filter(cond)
    check("rows:" + name, lambda: sorted(r.id for r in df.select("id").collect()))
    check("plan:" + name, lambda: explain(df))
check("everything", lambda: first_error(lambda: spark.read.parquet(path).filter("s LIKE 'zz%'").collect()))
emit()
'''.replace("import sys", "import sys, json")


def duck(sql):
    if not os.path.isdir(os.path.join(BENCH, "node_modules", "@duckdb", "node-api")):
        r = subprocess.run(["npm", "ci", "--prefer-offline", "--no-audit", "--no-fund"], cwd=BENCH,
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
    r = subprocess.run([NODE, os.path.join(HERE, "duckdb_query.mjs"), sql], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def expected(cond):
    rows = []
    for i in range(N):
        n = None if i >= 30000 else i % 100
        s = "k%06d" % i
        env = {"id": i, "n": n, "s": s, "d": float(i)}
        if cond == "id >= 12000 AND id < 12010": ok = 12000 <= i < 12010
        elif cond == "id = 12003": ok = i == 12003
        elif cond == "12005 > id AND id > 12001": ok = 12001 < i < 12005
        elif cond == "id IN (12001, 12005)": ok = i in (12001, 12005)
        elif cond == "id = 12003 OR id = 12007": ok = i in (12003, 12007)
        elif cond == "s = 'k012004'": ok = s == "k012004"
        elif cond == "d = 12006.00": ok = i == 12006
        elif cond == "id <= 12002 AND id >= 12000": ok = 12000 <= i <= 12002
        elif cond == "n IS NULL AND id < 30005": ok = n is None and i < 30005
        elif cond == "n IS NOT NULL AND id > 29995": ok = n is not None and i > 29995
        elif cond == "id > 99999": ok = False
        elif cond == "s LIKE 'k0120%'": ok = s.startswith("k0120")
        else: raise AssertionError(cond)
        del env
        if ok:
            rows.append(i)
    return rows


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("pqpush")
    out = os.path.join(str(d), "t")
    r = jobs.submit_ok(jobs.write_job(d, "w.py", WRITE), out, master="local[1]", timeout=300)
    assert r.result("write") is True
    (f,) = [os.path.join(out, x) for x in os.listdir(out) if x.startswith("part-")]
    return str(d), out, f


def read(d, path, queries):
    return jobs.submit_ok(jobs.write_job(d, "r.py", READ), path, json.dumps(queries), master="local[2]", timeout=300)


def test_answers_unchanged_and_pushed_filters_shown(data):
    d, out, _ = data
    r = read(d, out, QUERIES + WIDE)
    for name, cond in QUERIES + WIDE:
        assert r.result("rows:" + name) == expected(cond), name
    assert r.result("everything") == "no error"
    plans = {name: " ".join(r.result("plan:" + name)) for name, _ in QUERIES}
    assert "GreaterThanOrEqual(id,12000), LessThan(id,12010)]" in plans["range"]
    assert "PushedFilters: [IsNotNull(id), EqualTo(id,12003)]" in plans["eq"] or "EqualTo(id,12003)]" in plans["eq"]
    assert "LessThan(id,12005)" in plans["flipped"] and "GreaterThan(id,12001)" in plans["flipped"]
    assert "In(id, [12001,12005])" in plans["in"]
    assert "Or(EqualTo(id,12003),EqualTo(id,12007))" in plans["or"]
    assert "PartitionFilters: []" in plans["range"]


@pytest.mark.skipif(NODE is None, reason="node (DuckDB gives the chunk offsets) not installed")
def test_skipped_row_groups_are_not_read(data):
    d, out, f = data
    groups = duck("SELECT row_group_id, min(data_page_offset), max(data_page_offset + total_compressed_size), "
                  "min(CASE WHEN path_in_schema = 'id' THEN CAST(stats_min_value AS BIGINT) END), "
                  "max(CASE WHEN path_in_schema = 'id' THEN CAST(stats_max_value AS BIGINT) END) "
                  f"FROM parquet_metadata('{f}') GROUP BY row_group_id ORDER BY row_group_id")
    assert len(groups) >= 5, groups
    # Every row group but the one holding ids 12000..12009 overwritten with garbage.
    keep = [g for g in groups if g[3] <= 12000 and 12009 <= g[4]]
    assert len(keep) == 1, groups
    broken = os.path.join(d, "broken")
    os.makedirs(broken)
    with open(f, "rb") as src:
        data_bytes = bytearray(src.read())
    for g in groups:
        if g is keep[0]:
            continue
        for k in range(g[1], g[2]):
            data_bytes[k] = 0xFF
    with open(os.path.join(broken, os.path.basename(f)), "wb") as dst:
        dst.write(bytes(data_bytes))
    r = read(d, broken, QUERIES)
    for name, cond in QUERIES:
        assert r.result("rows:" + name) == expected(cond), name
    # Without a pushed filter every row group is read: the garbage fails the query, naming the file.
    assert os.path.basename(f) in r.result("everything")


PART_WRITE = r"""
import sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.appName("pq-part-write").getOrCreate()
df = spark.range(0, 1000, 1, 2).selectExpr("id", "CAST(id % 5 AS INT) AS p", "CASE WHEN id % 2 = 0 THEN 'a' ELSE 'b' END AS q")
check("write", lambda: df.write.partitionBy("p", "q").format(sys.argv[2]).save(sys.argv[1]) or True)
emit()
"""

PART_READ = r"""
import json, sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.appName("pq-part-read").getOrCreate()
path, fmt = sys.argv[1], sys.argv[2]
reader = spark.read.format(fmt).schema("id LONG, p INT, q STRING")  # no footer read for the schema

def explain(df):
    return " ".join(l.strip() for l in explained(df).split("\n") if "FileScan" in l)

for name, cond in json.loads(sys.argv[3]):
    df = reader.load(path).filter(cond)
    check("rows:" + name, lambda: sorted(r.id for r in df.select("id").collect()))
    check("plan:" + name, lambda: explain(df))
check("everything", lambda: first_error(lambda: reader.load(path).collect()))
emit()
"""

PART_QUERIES = [
    ("p_eq", "p = 3", lambda i: i % 5 == 3),
    ("p_in_q", "p IN (1, 3) AND q = 'a'", lambda i: i % 5 in (1, 3) and i % 2 == 0),
    ("p_and_data", "p = 3 AND id < 100", lambda i: i % 5 == 3 and i < 100),
    ("p_or", "p = 3 OR (p = 1 AND q = 'b')", lambda i: i % 5 == 3 or (i % 5 == 1 and i % 2 == 1)),
]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_partition_pruning_reads_only_matching_directories(tmp_path, fmt):
    out = os.path.join(str(tmp_path), "t")
    r = jobs.submit_ok(jobs.write_job(tmp_path, "w.py", PART_WRITE), out, fmt, master="local[2]", timeout=300)
    assert r.result("write") is True
    queries = [(n, c) for n, c, _ in PART_QUERIES]
    # Every file of p=2 and p=4 is replaced with garbage: only pruning lets the queries answer.
    broken = 0
    for root, _, names in os.walk(out):
        if "p=3" in root or "p=1" in root or "p=0" in root:
            continue
        for n in names:
            if n.startswith("part-"):
                with open(os.path.join(root, n), "wb") as f:
                    f.write(b"\xff" * 64 if fmt == "parquet" else b"not,a,number\n")
                broken += 1
    assert broken >= 2
    r = jobs.submit_ok(jobs.write_job(tmp_path, "r.py", PART_READ), out, fmt, json.dumps(queries),
                       master="local[2]", timeout=300)
    for name, _, pred in PART_QUERIES:
        assert r.result("rows:" + name) == [i for i in range(1000) if pred(i)], name
    plan = r.result("plan:p_eq")
    assert "PartitionFilters: [isnotnull(p#" in plan or "PartitionFilters: [(p#" in plan, plan
    assert "= 3)]" in plan.split("PartitionFilters: ")[1].split("]")[0] + "]", plan
    assert "PushedFilters: []" in plan, plan
    plan = r.result("plan:p_and_data")
    assert "LessThan(id,100)" in plan and "PartitionFilters: [" in plan, plan
    if fmt == "parquet":  # garbage parquet always fails; garbage CSV rows read as NULLs
        assert r.result("everything") != "no error"
