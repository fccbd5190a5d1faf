"""df.write.parquet as Spark 3.5 writes it, checked with the engine's own reader and with DuckDB
(npm @duckdb/node-api under bench/, `npm ci` run when missing; skipped only when node is absent):
every codec (snappy, gzip, zstd, lz4, lz4_raw, brotli, none) reads back identically in both;
statistics (min/max/null counts) and dictionary encoding with its fallback to PLAIN as DuckDB's
parquet_metadata() reports them; spark.sql.parquet.compression.codec with the `compression`
option winning; row groups of parquet.block.size."""
import glob
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

CODECS = ["snappy", "gzip", "zstd", "lz4", "lz4_raw", "brotli", "none"]
EXT = {"snappy": ".snappy.parquet", "gzip": ".gz.parquet", "zstd": ".zstd.parquet", "lz4": ".lz4hadoop.parquet",
       "lz4_raw": ".lz4raw.parquet", "brotli": ".br.parquet", "none": ".parquet"}
DUCK_CODEC = {"snappy": "SNAPPY", "gzip": "GZIP", "zstd": "ZSTD", "lz4": "LZ4", "lz4_raw": "LZ4_RAW",
              "brotli": "BROTLI", "none": "UNCOMPRESSED"}
N = 40000

# The data: every flat type, NULLs every 7th row, a low-cardinality string (dictionary) and a
# repeating one whose dictionary passes 1 MiB (fallback to PLAIN).
JOB = r'''
import json, os, sys
from pyspark.sql import SparkSession
OUT = sys.argv[1]
N = int(sys.argv[2])
spark = SparkSession.builder.appName("parquet-write").getOrCreate()
df = spark.range(0, N, 1, 1).selectExpr(
    "id",
    "CASE WHEN id % 7 = 3 THEN NULL ELSE id % 2 = 0 END AS b",
    "CAST(id % 100 - 50 AS TINYINT) AS i8",
    "CAST(id % 1000 AS SMALLINT) AS i16",
    "CASE WHEN id % 7 = 3 THEN NULL ELSE CAST(id * 3 - 7000 AS INT) END AS i",
    "id * 1000000007 AS l",
    "CAST(id / 4 AS FLOAT) AS f",
    "id / 8 AS d",
    "CASE WHEN id % 7 = 3 THEN NULL ELSE concat('k', CAST(id % 13 AS STRING)) END AS s",
    "concat(repeat('x', 120), CAST(id - id % 4 AS STRING)) AS u",
    "CAST(concat('b', CAST(id % 5 AS STRING)) AS BINARY) AS bin",
    "date_add(DATE'2020-02-28', CAST(id % 400 AS INT)) AS dt",
    "CASE WHEN id % 7 = 3 THEN NULL ELSE CAST(1700000000 + id * 37 AS TIMESTAMP) END AS ts",
    "CAST(id % 1000 / 100 AS DECIMAL(7,2)) AS d1",
    "CAST(id * 7 AS DECIMAL(15,3)) AS d2",
    "CAST(id - 20000 AS DECIMAL(30,0)) AS d3")
CANON = ["id", "b", "i8", "i16", "i", "l", "f", "d", "s", "u", "hex(bin)", "CAST(dt AS STRING)",
         "CAST(ts AS LONG)", "CAST(d1 AS STRING)", "CAST(d2 AS STRING)", "CAST(d3 AS STRING)"]

def canon(frame):
    return [list(r) for r in frame.selectExpr(*CANON).orderBy("id").collect()]

expected = canon(df)
with open(os.path.join(OUT, "expected.json"), "w") as f:
    json.dump(expected, f)
for codec in CODECS_LIST:
    p = os.path.join(OUT, codec)
    check("write:" + codec, lambda: df.write.option("compression", codec).parquet(p) or True)
    check("read:" + codec, lambda: canon(spark.read.parquet(p)) == expected)
# The session's codec; the option wins over it.
spark.conf.set("spark.sql.parquet.compression.codec", "zstd")
check("conf", lambda: df.write.parquet(os.path.join(OUT, "conf")) or True)
check("conf_option", lambda: df.write.option("compression", "gzip").parquet(os.path.join(OUT, "conf_option")) or True)
spark.conf.set("spark.sql.parquet.compression.codec", "snappy")
# Small row groups.
check("blocks", lambda: df.write.option("parquet.block.size", 300000).parquet(os.path.join(OUT, "blocks")) or True)
check("read:blocks", lambda: canon(spark.read.parquet(os.path.join(OUT, "blocks"))) == expected)
check("nodict", lambda: df.write.option("parquet.enable.dictionary", "false").parquet(os.path.join(OUT, "nodict")) or True)
check("bad_codec", lambda: first_error(lambda: df.write.option("compression", "zip").parquet(os.path.join(OUT, "bad"))))
spark.stop()
emit()
'''.replace("CODECS_LIST", repr(CODECS))

DUCK_CANON = ("id, b, i8, i16, i, l, f, d, s, u, hex(bin), CAST(dt AS VARCHAR), CAST(epoch_us(ts) // 1000000 AS BIGINT), "
              "CAST(d1 AS VARCHAR), CAST(d2 AS VARCHAR), CAST(d3 AS VARCHAR)")


def duck(sql):
    r = subprocess.run([NODE, os.path.join(HERE, "duckdb_query.mjs"), sql], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def res(tmp_path_factory):
    if not os.path.isdir(os.path.join(BENCH, "node_modules", "@duckdb", "node-api")):
        r = subprocess.run(["npm", "ci", "--prefer-offline", "--no-audit", "--no-fund"], cwd=BENCH,
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, "npm ci in bench/ failed (DuckDB is this test's oracle):\n" + r.stderr
    out = tmp_path_factory.mktemp("pqw")
    script = jobs.write_job(out, "pqw.py", JOB)
    r = jobs.submit_ok(script, str(out), str(N), master="local[2]", timeout=600)
    with open(os.path.join(out, "expected.json")) as f:
        expected = json.load(f)
    return r, str(out), expected


def files(d):
    return sorted(glob.glob(os.path.join(d, "part-*")))


@pytest.mark.parametrize("codec", CODECS)
def test_codec_round_trip_and_duckdb(res, codec):
    r, out, expected = res
    assert r.result("write:" + codec) is True
    assert r.result("read:" + codec) is True
    d = os.path.join(out, codec)
    fs = files(d)
    assert fs and all(f.endswith(EXT[codec]) for f in fs), fs
    if codec == "lz4":  # Hadoop-framed LZ4: DuckDB reads only LZ4_RAW (the engine's reader checked it above)
        return
    got = duck(f"SELECT {DUCK_CANON} FROM read_parquet('{d}/*.parquet') ORDER BY id")
    assert len(got) == len(expected) == N
    assert got == expected
    comp = duck(f"SELECT DISTINCT compression FROM parquet_metadata('{d}/*.parquet')")
    assert comp == [[DUCK_CODEC[codec]]]


def meta(path, column):
    return duck("SELECT row_group_id, stats_min_value, stats_max_value, stats_null_count, encodings "
                f"FROM parquet_metadata('{path}') WHERE path_in_schema = '{column}' ORDER BY row_group_id")


def test_statistics_as_duckdb_reads_them(res):
    _, out, expected = res
    (f,) = files(os.path.join(out, "none"))
    col = {name: k for k, name in enumerate(
        ["id", "b", "i8", "i16", "i", "l", "f", "d", "s", "u", "bin", "dt", "ts", "d1", "d2", "d3"])}

    def values(name):
        return [row[col[name]] for row in expected if row[col[name]] is not None]

    def nulls(name):
        return sum(1 for row in expected if row[col[name]] is None)

    ((_, lo, hi, nn, _),) = meta(f, "i")
    assert (int(lo), int(hi), nn) == (min(values("i")), max(values("i")), nulls("i"))
    ((_, lo, hi, nn, _),) = meta(f, "s")  # strings: unsigned byte order
    assert (lo, hi, nn) == (min(values("s")), max(values("s")), nulls("s")) == ("k0", "k9", nulls("s"))
    ((_, lo, hi, nn, _),) = meta(f, "dt")
    assert (lo, hi, nn) == (min(values("dt")), max(values("dt")), 0)
    ((_, lo, hi, _, _),) = meta(f, "d3")  # FIXED_LEN_BYTE_ARRAY decimal: signed
    assert (int(lo), int(hi)) == (-20000, N - 1 - 20000)
    ((_, lo, hi, _, _),) = meta(f, "i8")
    assert (int(lo), int(hi)) == (-50, 49)
    ((_, lo, hi, nn, _),) = meta(f, "ts")  # INT96: the null count only, as parquet-mr
    assert (lo, hi, nn) == (None, None, nulls("ts"))


def test_dictionary_and_fallback(res):
    _, out, _ = res
    (f,) = files(os.path.join(out, "none"))
    ((_, _, _, _, enc),) = meta(f, "s")
    assert "PLAIN_DICTIONARY" in enc and "PLAIN" not in enc.replace("PLAIN_DICTIONARY", "")
    ((_, _, _, _, enc),) = meta(f, "u")  # 10000 distinct 130-byte strings: the dictionary passes 1 MiB, then PLAIN
    assert "PLAIN_DICTIONARY" in enc and "PLAIN" in enc.replace("PLAIN_DICTIONARY", "")
    ((_, _, _, _, enc),) = meta(f, "l")  # all distinct longs: the first page shows it does not pay
    assert "DICTIONARY" not in enc
    (g,) = files(os.path.join(out, "nodict"))
    assert all("DICTIONARY" not in row[0] for row in duck(f"SELECT encodings FROM parquet_metadata('{g}')"))
    assert os.path.getsize(g) > os.path.getsize(glob.glob(os.path.join(out, "snappy", "part-*"))[0])


def test_compression_codec_conf_and_option(res):
    r, out, _ = res
    assert r.result("conf") is True and r.result("conf_option") is True
    assert all(f.endswith(".zstd.parquet") for f in files(os.path.join(out, "conf")))
    assert all(f.endswith(".gz.parquet") for f in files(os.path.join(out, "conf_option")))
    assert duck(f"SELECT DISTINCT compression FROM parquet_metadata('{out}/conf/*.parquet')") == [["ZSTD"]]
    assert r.result("bad_codec").startswith("IllegalArgumentException: Codec [zip] is not available.") or \
        "Codec [zip] is not available." in r.result("bad_codec")


def test_row_groups_by_block_size(res):
    r, out, expected = res
    assert r.result("read:blocks") is True
    (f,) = files(os.path.join(out, "blocks"))
    groups = duck(f"SELECT row_group_id, row_group_num_rows FROM parquet_metadata('{f}') WHERE path_in_schema = 'id'")
    assert len(groups) >= 4
    assert sum(n for _, n in groups) == N
    assert duck(f"SELECT {DUCK_CANON} FROM read_parquet('{f}') ORDER BY id") == expected
