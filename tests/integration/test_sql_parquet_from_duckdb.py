"""DuckDB -> sparkpp (issue #15's proof): Parquet files written by DuckDB (npm @duckdb/node-api
under bench/, `npm ci` run when missing; skipped only when node is absent) read by spark.read.parquet
exactly as DuckDB reads them back: every flat type (signed and unsigned integers, float, double,
decimals of three widths, strings, blobs, dates, naive timestamps -> timestamp_ntz, TIMESTAMPTZ ->
timestamp), NULLs in every column, nested lists/structs/maps/lists of structs/lists of lists with
NULL and empty elements; each codec DuckDB writes; format v1 and v2 (data pages v2 with DELTA_* and
BYTE_STREAM_SPLIT encodings); small row groups; a hive-partitioned dataset from PARTITION_BY; a CSV
with a header DuckDB wrote, its schema inferred."""
import json
import os
import shutil
import subprocess

import pytest

import jobs

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.join(HERE, "..", "..", "bench")
NODE = shutil.which("node")

pytestmark = [pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built"),
              pytest.mark.skipif(NODE is None, reason="node (for DuckDB) not installed")]

N = 6000
# name -> COPY options
VARIANTS = {
    "snappy_v1": "COMPRESSION snappy",
    "gzip_v1": "COMPRESSION gzip, ROW_GROUP_SIZE 1000",
    "zstd_v2": "COMPRESSION zstd, PARQUET_VERSION v2",
    "lz4_v1": "COMPRESSION lz4",
    "brotli_v2": "COMPRESSION brotli, PARQUET_VERSION v2, ROW_GROUP_SIZE 2048",
    "none_v2": "COMPRESSION uncompressed, PARQUET_VERSION v2",
}

# The data, in DuckDB's SQL: NULLs on different rows per column, repeated strings (dictionary) and
# unique ones, empty and NULL lists, NULL struct fields and NULL structs.
SOURCE = f"""
SELECT id,
  CASE WHEN id % 7 = 3 THEN NULL ELSE id % 2 = 0 END AS b,
  (id % 200 - 100)::TINYINT AS i8,
  CASE WHEN id % 11 = 0 THEN NULL ELSE (id * 7 % 60000 - 30000)::SMALLINT END AS i16,
  CASE WHEN id % 13 = 1 THEN NULL ELSE (id * 104729 % 4000000000 - 2000000000)::INTEGER END AS i32,
  id * 1000000007 - 3000000000000 AS i64,
  (id % 250)::UTINYINT AS u8,
  (id * 11 % 65000)::USMALLINT AS u16,
  (id * 1000003 % 4294967295)::UINTEGER AS u32,
  CASE WHEN id % 5 = 0 THEN NULL ELSE (18446744073709551615 - id * 3)::UBIGINT END AS u64,
  (id / 4)::FLOAT AS f,
  CASE WHEN id % 17 = 2 THEN NULL ELSE (id / 8 - 300)::DOUBLE END AS d,
  ((id % 1000) / 100 - 4)::DECIMAL(4,2) AS dec4,
  (id * 7.125 - 1000)::DECIMAL(18,3) AS dec18,
  CASE WHEN id % 9 = 4 THEN NULL ELSE (id * 123456789.0123456789 + 1)::DECIMAL(38,10) END AS dec38,
  CASE WHEN id % 6 = 5 THEN NULL ELSE 'k' || (id % 23)::VARCHAR END AS s,
  repeat('x', (id % 40)::INTEGER) || id::VARCHAR AS u,
  ('b' || (id % 5)::VARCHAR)::BLOB AS bin,
  DATE '1969-12-25' + (id % 500)::INTEGER AS dt,
  CASE WHEN id % 8 = 7 THEN NULL ELSE TIMESTAMP '2020-02-28 23:59:59' + to_microseconds(id * 3600000123) END AS ts,
  make_timestamp(1600000000000000 + id * 86400000001)::TIMESTAMPTZ AS tstz,
  CASE WHEN id % 10 = 0 THEN NULL WHEN id % 10 = 1 THEN []::INTEGER[]
       ELSE [id::INTEGER, NULL, (id * 2)::INTEGER][1:(id % 3 + 1)::INTEGER] END AS arr,
  CASE WHEN id % 12 = 0 THEN NULL
       ELSE {{'a': CASE WHEN id % 4 = 1 THEN NULL ELSE id::INTEGER END, 'b': 'v' || (id % 3)::VARCHAR}} END AS st,
  CASE WHEN id % 9 = 0 THEN NULL ELSE MAP(['m' || (id % 4)::VARCHAR, 'n'], [id::INTEGER, NULL]) END AS m,
  [{{'x': id::INTEGER, 'y': ['p', NULL]}}, {{'x': NULL, 'y': []::VARCHAR[]}}][1:(id % 3)::INTEGER] AS arrst,
  CASE WHEN id % 14 = 0 THEN NULL ELSE [[id, id + 1], [], NULL, [NULL::BIGINT]] END AS aa
FROM range({N}) t(id)
"""

FLAT = ["id", "b", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "f", "d", "s", "u"]
NESTED = ["arr", "st", "m", "arrst", "aa"]
DUCK_CANON = (", ".join(FLAT) + ", CAST(u64 AS VARCHAR), CAST(dec4 AS VARCHAR), CAST(dec18 AS VARCHAR), "
              "CAST(dec38 AS VARCHAR), hex(bin), CAST(dt AS VARCHAR), epoch_us(ts), epoch_us(tstz), " +
              ", ".join(f"to_json({c})" for c in NESTED))

JOB = r'''
import datetime, decimal, json, os, sys
from pyspark.sql import SparkSession, Row
OUT = sys.argv[1]
spark = SparkSession.builder.appName("from-duckdb").config("spark.sql.session.timeZone", "UTC").getOrCreate()
FLAT = FLAT_LIST
NESTED = NESTED_LIST
CANON = FLAT + ["CAST(u64 AS STRING)", "CAST(dec4 AS STRING)", "CAST(dec18 AS STRING)", "CAST(dec38 AS STRING)", "hex(bin)",
                "CAST(dt AS STRING)", "unix_micros(CAST(ts AS TIMESTAMP))", "unix_micros(tstz)"] + NESTED

def plain(v):
    if isinstance(v, Row):
        return {k: plain(x) for k, x in v.asDict().items()}
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return v

def canon(df):
    return [[plain(v) for v in r] for r in df.selectExpr(*CANON).orderBy("id").collect()]

for name in VARIANT_NAMES:
    def read(name=name):
        df = spark.read.parquet(os.path.join(OUT, name + ".parquet"))
        with open(os.path.join(OUT, name + ".spark.json"), "w") as f:
            json.dump(canon(df), f)
        return True
    check("read:" + name, read)
check("schema", lambda: spark.read.parquet(os.path.join(OUT, "snappy_v1.parquet")).schema.simpleString())
check("filter", lambda: spark.read.parquet(os.path.join(OUT, "gzip_v1.parquet")).filter("i64 > 0 AND s = 'k3'").count())
part = spark.read.parquet(os.path.join(OUT, "parted"))
check("parted_schema", lambda: part.schema.simpleString())
check("parted", lambda: [list(r) for r in part.groupBy("p").count().orderBy("p").collect()])
check("parted_pruned", lambda: part.filter("p = 2").agg({"id": "sum"}).collect()[0][0])
csv = spark.read.csv(os.path.join(OUT, "csv"), header=True, inferSchema=True)
check("csv_schema", lambda: csv.schema.simpleString())
check("csv", lambda: [[plain(v) if not isinstance(v, (datetime.date, decimal.Decimal)) else str(v) for v in r]
                      for r in csv.orderBy("id").collect()])
spark.stop()
emit()
'''.replace("FLAT_LIST", repr(FLAT)).replace("NESTED_LIST", repr(NESTED)).replace("VARIANT_NAMES", repr(sorted(VARIANTS)))


def duck(sql):
    r = subprocess.run([NODE, os.path.join(HERE, "duckdb_query.mjs"), sql], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def res(tmp_path_factory):
    if not os.path.isdir(os.path.join(BENCH, "node_modules", "@duckdb", "node-api")):
        r = subprocess.run(["npm", "ci", "--prefer-offline", "--no-audit", "--no-fund"], cwd=BENCH,
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, "npm ci in bench/ failed (DuckDB writes this test's files):\n" + r.stderr
    out = str(tmp_path_factory.mktemp("fromduck"))
    for name, opts in VARIANTS.items():
        duck(f"COPY ({SOURCE}) TO '{out}/{name}.parquet' (FORMAT parquet, {opts})")
    duck(f"COPY (SELECT id, id % 4 AS p, 's' || id::VARCHAR AS s FROM range(1000) t(id)) TO '{out}/parted' "
         "(FORMAT parquet, PARTITION_BY (p))")
    os.makedirs(os.path.join(out, "csv"))
    duck(f"COPY (SELECT id, CASE WHEN id % 3 = 0 THEN NULL ELSE 'n,' || id::VARCHAR END AS s, id / 4 AS x, "
         f"(id * 1.25)::DECIMAL(9,2) AS dec, DATE '2024-01-30' + id::INTEGER AS dt, id % 2 = 0 AS flag "
         f"FROM range(50) t(id)) TO '{out}/csv/part.csv' (FORMAT csv, HEADER true)")
    r = jobs.submit_ok(jobs.write_job(out, "fromduck.py", JOB), out, master="local[2]", timeout=600)
    return r, out


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_duckdb_written_read_identically(res, name):
    r, out = res
    assert r.result("read:" + name) is True
    with open(os.path.join(out, name + ".spark.json")) as f:
        got = json.load(f)
    want = duck(f"SELECT {DUCK_CANON} FROM read_parquet('{out}/{name}.parquet') ORDER BY id")
    assert len(got) == len(want) == N
    k0 = len(FLAT) + 8
    for g, w in zip(got, want):
        w = w[:k0] + [None if x is None else json.loads(x) for x in w[k0:]]
        assert g == w, (g, w)


def test_schema_as_spark_reads_duckdb_types(res):
    r, _ = res
    assert r.result("schema") == (
        "struct<id:bigint,b:boolean,i8:tinyint,i16:smallint,i32:int,i64:bigint,u8:smallint,u16:int,u32:bigint,"
        "u64:decimal(20,0),f:float,d:double,dec4:decimal(4,2),dec18:decimal(18,3),dec38:decimal(38,10),s:string,"
        "u:string,bin:binary,dt:date,ts:timestamp_ntz,tstz:timestamp,arr:array<int>,st:struct<a:int,b:string>,"
        "m:map<string,int>,arrst:array<struct<x:int,y:array<string>>>,aa:array<array<bigint>>>")
    want = duck(f"SELECT count(*) FROM read_parquet('{res[1]}/gzip_v1.parquet') WHERE i64 > 0 AND s = 'k3'")[0][0]
    assert r.result("filter") == want > 0


def test_duckdb_partitioned_dataset(res):
    r, _ = res
    assert r.result("parted_schema") == "struct<id:bigint,s:string,p:int>"
    assert r.result("parted") == [[0, 250], [1, 250], [2, 250], [3, 250]]
    assert r.result("parted_pruned") == sum(i for i in range(1000) if i % 4 == 2)


def test_duckdb_written_csv(res):
    r, _ = res
    assert r.result("csv_schema") == "struct<id:int,s:string,x:double,dec:double,dt:date,flag:boolean>"
    rows = r.result("csv")
    assert len(rows) == 50
    assert rows[1] == [1, "n,1", 0.25, 1.25, "2024-01-31", False]
    assert rows[0][1] is None and rows[3][4] == "2024-02-02"
