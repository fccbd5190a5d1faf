"""Null/conditional helpers, hashes and misc functions of issue 14 on the native engine:
Spark's documented hash values (bit-exact), digests vs hashlib/zlib, NULLs, multibyte UTF-8,
result types and column names."""
import hashlib
import os
import zlib

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("fn-misc").getOrCreate()
df = spark.createDataFrame([(1, 10, None, "Spark"), (2, None, 5, "ñandú €"), (3, None, None, None), (4, 7, 7, "")],
                           "id int, a int, b bigint, s string")

def rows(d):
    if "id" not in d.columns:
        return [list(r) for r in d.collect()]
    return [list(r) for r in d.orderBy("id").drop("id").collect()]

def names_types(d):
    return [d.columns, [t for _, t in d.dtypes]]

def err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return str(e).split("\n")[0]
    return "no error"

check("nulls", lambda: rows(df.select("id", F.nvl("a", "b"), F.ifnull("b", "a"), F.nvl2("a", "b", F.lit(-1)),
                                      F.nullif("a", "b"), F.equal_null("a", "b"))))
check("nulls_names", lambda: names_types(df.select(F.nvl("a", "b"), F.ifnull("b", "a"), F.nvl2("a", "b", F.lit(-1)),
                                                   F.nullif("a", "b"), F.equal_null("a", "b"))))
check("nvl_err", lambda: err(lambda: df.select(F.nvl("a", F.array("a")))))
check("spark_docs", lambda: rows(spark.range(1).select(
    F.hash(F.lit("Spark"), F.array(F.lit(123)), F.lit(2)),
    F.xxhash64(F.lit("Spark"), F.array(F.lit(123)), F.lit(2)),
    F.md5(F.lit("Spark")), F.sha1(F.lit("Spark")), F.sha2(F.lit("Spark"), 256), F.crc32(F.lit("Spark")))))
check("digests", lambda: rows(df.select("id", F.md5("s"), F.sha1("s"), F.sha2("s", 224), F.sha2("s", 0),
                                        F.sha2("s", 384), F.sha2("s", 512), F.sha2("s", 100), F.crc32("s"))))
check("hashes", lambda: rows(df.select("id", F.hash("a"), F.hash("a", "b", "s"), F.xxhash64("s"),
                                       F.xxhash64("a", "b"))))
check("hash_edges", lambda: rows(spark.createDataFrame(
    [(1, 0.0, -0.0, float("nan")), (2, None, None, None)], "id int, p double, n double, q double")
    .select("id", F.hash("p"), F.hash("n"), F.xxhash64("p"), F.xxhash64("n"), F.xxhash64("q"))))
check("hash_names", lambda: names_types(df.select(F.hash("a", "s"), F.xxhash64("s"), F.md5("s"), F.sha1("s"),
                                                  F.sha2("s", 256), F.crc32("s"))))
maps = spark.createDataFrame([(1, {"k": 1})], "id int, m map<string,int>")
check("hash_map_err", lambda: err(lambda: maps.select(F.hash("id", "m"))))
check("typeof", lambda: rows(spark.range(1).select(F.typeof(F.lit(1)), F.typeof(F.lit("x")),
                                                   F.typeof(F.array(F.lit(1.5))), F.typeof(F.lit(None)),
                                                   F.typeof(F.lit(2).cast("decimal(5,2)")), F.typeof(F.lit(3).cast("bigint")))))
check("typeof_names", lambda: names_types(df.select(F.typeof("a"), F.version())))
check("version", lambda: rows(spark.range(1).select(F.version())))
import datetime
dates = spark.createDataFrame([(1, datetime.date(2024, 2, 29)), (2, datetime.date(2021, 1, 3)),
                               (3, datetime.date(2024, 12, 30)), (4, None)], "id int, d date")
check("dates", lambda: rows(dates.select("id", F.dayofweek("d"), F.dayofyear("d"), F.quarter("d"), F.weekofyear("d"))))
check("dates_names", lambda: names_types(dates.select(F.dayofweek("d"), F.dayofyear("d"), F.quarter("d"),
                                                      F.weekofyear("d"))))
check("empty", lambda: df.filter(F.col("id") > 10).select(F.md5("s"), F.xxhash64("a"), F.nvl("a", "b")).collect())
emit()
spark.stop()
'''


def test_misc_functions(tmp_path):
    res = jobs.submit_ok(jobs.write_job(tmp_path, "misc.py", JOB), master="local[2]", timeout=180)
    r = res.result
    assert r("nulls") == [[10, 10, None, 10, False], [5, 5, -1, None, False],
                          [None, None, -1, None, True], [7, 7, 7, None, True]]
    assert r("nulls_names") == [["nvl(a, b)", "ifnull(b, a)", "nvl2(a, b, -1)", "nullif(a, b)", "equal_null(a, b)"],
                                ["bigint", "bigint", "bigint", "int", "boolean"]]
    assert "DATATYPE_MISMATCH.DATA_DIFF_TYPES" in r("nvl_err")
    assert r("spark_docs") == [[-1321691492, 5602566077635097486, "8cde774d6f7333752ed72cacddb05126",
                                "85f5955f4b27a9a4c2aab6ffe5d7189fc298b92c",
                                "529bc3b07127ecb7e53a4dcf1991d9152c24537d919178022b2c42657f79a26b", 1557323817]]
    for row, s in zip(r("digests"), ["Spark", "ñandú €", None, ""]):
        if s is None:
            assert row == [None] * 8
            continue
        b = s.encode()
        assert row == [hashlib.md5(b).hexdigest(), hashlib.sha1(b).hexdigest(), hashlib.sha224(b).hexdigest(),
                       hashlib.sha256(b).hexdigest(), hashlib.sha384(b).hexdigest(), hashlib.sha512(b).hexdigest(),
                       None, zlib.crc32(b)]
    hashes = r("hashes")
    assert hashes[2][0] == 42 and hashes[2][2] == 42 and hashes[2][3] == 42  # all-NULL rows keep the seed
    assert len({h[1] for h in hashes}) == 4
    edges = r("hash_edges")
    assert edges[0][0] == edges[0][1] and edges[0][2] == edges[0][3]  # -0.0 hashes as 0.0
    assert edges[1] == [42, 42, 42, 42, 42]
    assert r("hash_names") == [["hash(a, s)", "xxhash64(s)", "md5(s)", "sha1(s)", "sha2(s, 256)", "crc32(s)"],
                               ["int", "bigint", "string", "string", "string", "bigint"]]
    assert r("hash_map_err").startswith(
        '[DATATYPE_MISMATCH.HASH_MAP_TYPE] Cannot resolve "hash(id, m)" due to data type mismatch: Input to the '
        'function `hash` cannot contain elements of the "MAP" type.')
    assert r("typeof") == [["int", "string", "array<double>", "void", "decimal(5,2)", "bigint"]]
    assert r("typeof_names") == [["typeof(a)", "version()"], ["string", "string"]]
    assert r("version")[0][0].startswith("3.5.1 ")
    assert r("dates") == [[5, 60, 1, 9], [1, 3, 1, 53], [2, 365, 4, 1], [None] * 4]
    assert r("dates_names") == [["dayofweek(d)", "dayofyear(d)", "quarter(d)", "weekofyear(d)"], ["int"] * 4]
    assert r("empty") == []
