"""df.write.parquet of nested columns (structs, arrays, maps and their nesting) and
spark.sql.parquet.outputTimestampType, as Spark 3.5 writes them: Spark's standard layout (3-level
LIST `list`/`element`, MAP `key_value`/`key`/`value`), definition and repetition levels for every
null pattern (null parents, empty and null lists/maps, null elements and values), pages cut
only where a record starts; read back identically by the engine's reader and by DuckDB
(npm @duckdb/node-api under bench/, see test_sql_parquet_write.py)."""
import json
import os

import pytest

import jobs
from test_sql_parquet_write import BENCH, NODE, duck, files  # noqa: F401 (the DuckDB oracle)

pytestmark = [pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built"),
              pytest.mark.skipif(NODE is None, reason="node (for DuckDB) not installed")]

N = 25000  # past parquet-mr's 20000-record page limit: a second page per leaf

JOB = r'''
import datetime, decimal, json, os, sys
from pyspark.sql import SparkSession
from pyspark.sql.types import *
OUT = sys.argv[1]
N = int(sys.argv[2])
spark = SparkSession.builder.appName("parquet-write-nested").getOrCreate()
schema = StructType([
    StructField("id", LongType(), False),
    StructField("st", StructType([StructField("a", IntegerType()), StructField("b", StringType())])),
    StructField("arr", ArrayType(IntegerType())),
    StructField("req", ArrayType(StringType(), False), False),
    StructField("arrst", ArrayType(StructType([StructField("x", IntegerType(), False),
                                               StructField("y", ArrayType(StringType()))]))),
    StructField("m", MapType(StringType(), IntegerType())),
    StructField("mar", MapType(IntegerType(), ArrayType(DoubleType()), False)),
    StructField("aa", ArrayType(ArrayType(LongType()))),
    StructField("deep", StructType([StructField("inner", StructType([StructField("d", DecimalType(12, 2)),
                                                                      StructField("flag", BooleanType())])),
                                    StructField("ms", MapType(StringType(), StructType([StructField("v", StringType())])))])),
])

def row(i):
    return (
        i,
        None if i % 5 == 1 else (i if i % 4 else None, None if i % 3 == 0 else "s%d" % i),
        None if i % 7 == 2 else [] if i % 7 == 3 else [k if k != 1 else None for k in range(i % 4 + 1)],
        ["r%d" % (i % 10)] * (i % 3),
        None if i % 6 == 0 else [(k, None if k == 2 else ([] if k == 3 else ["v%d" % k, None])) for k in range(1, i % 4 + 2)],
        None if i % 4 == 0 else {} if i % 4 == 1 else {"k%d" % i: i, "z": None if i % 8 == 2 else 0},
        {i % 100: [float(i) / 4, None]} if i % 2 else {},
        None if i % 9 == 0 else [[i, i + 1], [], None] if i % 2 else [None],
        None if i % 11 == 0 else ((decimal.Decimal(i) / 100 if i % 3 else None, i % 2 == 0) if i % 5 else None,
                                  None if i % 3 == 1 else {"p": ("q%d" % i,), "n": None}),
    )

df = spark.createDataFrame([row(i) for i in range(N)], schema).coalesce(1)

def plain(v):
    if isinstance(v, Row):
        return {k: plain(x) for k, x in v.asDict().items()}
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, decimal.Decimal):
        return float(v)
    return v

from pyspark.sql import Row
def canon(frame):
    return [plain(r) for r in frame.orderBy("id").collect()]

expected = canon(df)
with open(os.path.join(OUT, "expected.json"), "w") as f:
    json.dump(expected, f)
p = os.path.join(OUT, "nested")
check("write", lambda: df.write.parquet(p) or True)
check("read", lambda: canon(spark.read.parquet(p)) == expected)
check("schema", lambda: spark.read.parquet(p).schema.simpleString())
check("write_gzip_nodict", lambda: df.write.option("compression", "gzip").option("parquet.enable.dictionary", "false")
      .parquet(os.path.join(OUT, "nodict")) or True)
check("read_nodict", lambda: canon(spark.read.parquet(os.path.join(OUT, "nodict"))) == expected)
check("filter", lambda: spark.read.parquet(p).where("id % 1000 = 7").selectExpr("id", "st.b", "size(arr)", "m['z']")
      .orderBy("id").collect()[:2] == [(7, "s7", 4, 0), (1007, "s1007", 4, 0)])

# spark.sql.parquet.outputTimestampType
ts = spark.createDataFrame([(i, None if i == 2 else datetime.datetime(1969, 12, 31, 23, 59, 59, 999001)
                             + datetime.timedelta(microseconds=i * 1234567)) for i in range(6)], "i int, ts timestamp").coalesce(1)
spark.conf.set("spark.sql.session.timeZone", "UTC")
check("ts_expected", lambda: [[r.i, None if r.u is None else r.u] for r in ts.selectExpr("i", "unix_micros(ts) AS u").orderBy("i").collect()])
for kind in ["INT96", "TIMESTAMP_MICROS", "TIMESTAMP_MILLIS"]:
    spark.conf.set("spark.sql.parquet.outputTimestampType", kind)
    q = os.path.join(OUT, "ts_" + kind)
    check("ts_write:" + kind, lambda: ts.write.parquet(q) or True)
    check("ts_read:" + kind, lambda: [[r.i, r.u] for r in spark.read.parquet(q).selectExpr("i", "unix_micros(ts) AS u").orderBy("i").collect()])
spark.conf.unset("spark.sql.parquet.outputTimestampType")
check("ts_bad", lambda: first_error(lambda: spark.conf.set("spark.sql.parquet.outputTimestampType", "NANOS")))
spark.stop()
emit()
'''


@pytest.fixture(scope="module")
def res(tmp_path_factory):
    if not os.path.isdir(os.path.join(BENCH, "node_modules", "@duckdb", "node-api")):
        pytest.skip("bench/node_modules missing (test_sql_parquet_write.py installs it)")
    out = tmp_path_factory.mktemp("pqn")
    script = jobs.write_job(out, "pqn.py", JOB)
    r = jobs.submit_ok(script, str(out), str(N), master="local[2]", timeout=600)
    with open(os.path.join(out, "expected.json")) as f:
        expected = json.load(f)
    return r, str(out), expected


COLS = ["st", "arr", "req", "arrst", "m", "mar", "aa", "deep"]


def test_nested_round_trip_engine(res):
    r, _, expected = res
    assert len(expected) == N
    assert r.result("write") is True and r.result("read") is True
    assert r.result("write_gzip_nodict") is True and r.result("read_nodict") is True
    assert r.result("filter") is True
    assert r.result("schema") == (
        "struct<id:bigint,st:struct<a:int,b:string>,arr:array<int>,req:array<string>,"
        "arrst:array<struct<x:int,y:array<string>>>,m:map<string,int>,mar:map<int,array<double>>,"
        "aa:array<array<bigint>>,deep:struct<inner:struct<d:decimal(12,2),flag:boolean>,ms:map<string,struct<v:string>>>>")


@pytest.mark.parametrize("name", ["nested", "nodict"])
def test_nested_read_by_duckdb(res, name):
    _, out, expected = res
    d = os.path.join(out, name)
    sel = ", ".join(["id"] + [f"to_json({c})" for c in COLS])
    got = duck(f"SELECT {sel} FROM read_parquet('{d}/*.parquet') ORDER BY id")
    assert len(got) == N
    for g, e in zip(got, expected):
        row = [g[0]] + [None if x is None else json.loads(x) for x in g[1:]]
        want = [e["id"]] + [e[c] for c in COLS]
        assert row == want, (row, want)


def test_nested_layout_as_spark_writes_it(res):
    _, out, _ = res
    (f,) = files(os.path.join(out, "nested"))
    schema = {row[0]: row[1:] for row in duck(
        f"SELECT name, repetition_type, converted_type, num_children FROM parquet_schema('{f}')")}
    assert schema["arr"] == ["OPTIONAL", "LIST", 1] and schema["list"][:2] == ["REPEATED", None]
    assert schema["element"][0] in ("OPTIONAL", "REQUIRED")
    assert schema["m"] == ["OPTIONAL", "MAP", 1] and schema["key_value"] == ["REPEATED", None, 2]
    assert schema["key"][0] == "REQUIRED" and schema["value"][0] in ("OPTIONAL", "REQUIRED")
    assert schema["req"][0] == "REQUIRED"
    paths = [row[0] for row in duck(f"SELECT DISTINCT path_in_schema FROM parquet_metadata('{f}')")]
    for p in ["arr, list, element", "req, list, element", "arrst, list, element, y, list, element",
              "mar, key_value, value, list, element", "aa, list, element, list, element",
              "deep, ms, key_value, value, v"]:
        assert p in paths, paths
    # Two data pages per leaf (25000 records), both counted in the chunk's values.
    (nv,) = duck(f"SELECT num_values FROM parquet_metadata('{f}') WHERE path_in_schema = 'id'")[0]
    assert nv == N
    (nv,) = duck(f"SELECT num_values FROM parquet_metadata('{f}') WHERE path_in_schema = 'req, list, element'")[0]
    assert nv == sum(max(1, i % 3) for i in range(N))


@pytest.mark.parametrize("kind,unit", [("INT96", None), ("TIMESTAMP_MICROS", "TIMESTAMP_MICROS"),
                                       ("TIMESTAMP_MILLIS", "TIMESTAMP_MILLIS")])
def test_output_timestamp_type(res, kind, unit):
    r, out, _ = res
    exp = r.result("ts_expected")
    assert r.result("ts_write:" + kind) is True
    if kind == "TIMESTAMP_MILLIS":  # truncated to the millisecond (floor, as Spark's millis)
        exp = [[i, None if u is None else (u // 1000) * 1000] for i, u in exp]
    assert r.result("ts_read:" + kind) == exp
    d = os.path.join(out, "ts_" + kind)
    assert duck(f"SELECT i, epoch_us(ts) FROM read_parquet('{d}/*.parquet') ORDER BY i") == exp
    (f,) = files(d)
    ((typ, conv),) = duck(f"SELECT type, converted_type FROM parquet_schema('{f}') WHERE name = 'ts'")
    assert (typ, conv) == (("INT96", None) if unit is None else ("INT64", unit))


def test_output_timestamp_type_bad_value(res):
    r, _, _ = res
    assert "spark.sql.parquet.outputTimestampType" in r.result("ts_bad")
