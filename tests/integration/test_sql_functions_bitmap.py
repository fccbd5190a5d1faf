"""Spark 3.5's bitmap functions (issue #14): bitmap_bit_position / bitmap_bucket_number (32,768
bits a bucket, BIGINT), bitmap_construct_agg / bitmap_or_agg (4,096-byte bitmaps, never NULL),
bitmap_count; PySpark's docstring values, nulls, negatives, the counting-distinct idiom Spark
documents, INVALID_BITMAP_POSITION; binary literals' names (X'..') and values. One job, local[2]."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("bitmap").getOrCreate()
q = lambda s: [list(r) for r in spark.sql(s).collect()]
check("positions", lambda: q("SELECT bitmap_bit_position(1), bitmap_bit_position(123), bitmap_bit_position(32768), "
                             "bitmap_bit_position(32769), bitmap_bit_position(0), bitmap_bit_position(-1), "
                             "bitmap_bit_position(-32768), bitmap_bit_position(CAST(NULL AS INT))"))
check("buckets", lambda: q("SELECT bitmap_bucket_number(1), bitmap_bucket_number(123), bitmap_bucket_number(32768), "
                           "bitmap_bucket_number(32769), bitmap_bucket_number(0), bitmap_bucket_number(-1), "
                           "bitmap_bucket_number(-32768), bitmap_bucket_number(-32769)"))
df = spark.createDataFrame([(1,), (2,), (3,), (None,)], ["a"])
check("construct", lambda: df.select(F.substring(F.hex(F.bitmap_construct_agg(F.bitmap_bit_position(df.a))), 0, 6)
                                     .alias("r")).collect()[0].r)
check("construct_len", lambda: len(df.select(F.bitmap_construct_agg(F.bitmap_bit_position(df.a))).collect()[0][0]))
check("count", lambda: q("SELECT bitmap_count(X'FFFF'), bitmap_count(X''), bitmap_count(CAST(NULL AS BINARY))"))
hx = spark.createDataFrame([("10",), ("20",), ("40",)], ["a"])
check("or", lambda: hx.select(F.substring(F.hex(F.bitmap_or_agg(F.to_binary(hx.a, F.lit("hex")))), 0, 6).alias("r")).collect()[0].r)
# Spark's documented distinct count: bits per bucket, counted and summed.
vals = spark.range(0, 100000, 1, 4).select(((F.col("id") * 7) % 50000).alias("v"))
check("distinct", lambda: vals.groupBy(F.bitmap_bucket_number("v").alias("b"))
      .agg(F.bitmap_count(F.bitmap_construct_agg(F.bitmap_bit_position("v"))).alias("c")).agg(F.sum("c")).collect()[0][0])
# A filter the optimizer folds to false leaves an empty LocalRelation: it scans as no rows.
check("empty_group", lambda: q("SELECT bitmap_count(bitmap_construct_agg(x)) FROM (SELECT 1 AS x) WHERE x > 5"))
check("names", lambda: spark.sql("SELECT bitmap_bit_position(5), bitmap_count(bitmap_construct_agg(1))").columns)
check("types", lambda: spark.sql("SELECT bitmap_bucket_number(5) a, bitmap_or_agg(X'01') b").dtypes)
# Binary literals that are not UTF-8 (X'FFFF' above) travel base64 in plans; before, the
# driver died encoding the analyzed schema's column name.
check("binary_literal", lambda: [spark.sql("SELECT X'FFFF', length(X'00FF')").columns,
                                 [v.hex() if isinstance(v, (bytes, bytearray)) else v
                                  for v in spark.sql("SELECT X'FFFF', length(X'00FF')").collect()[0]]])
check("bad_position", lambda: first_error(lambda: spark.sql("SELECT bitmap_construct_agg(40000)").collect()))
check("bad_count", lambda: first_error(lambda: spark.sql("SELECT bitmap_count(1)").collect()))
emit()
'''


def test_bitmap_functions(tmp_path):
    r = jobs.submit_ok(jobs.write_job(tmp_path, "bitmap.py", JOB), master="local[2]", timeout=180).result
    assert r("positions") == [[0, 122, 32767, 0, 0, 1, 0, None]]
    assert r("buckets") == [[1, 1, 1, 2, 0, 0, -1, -1]]
    assert r("construct") == "070000"
    assert r("construct_len") == 4096
    assert r("count") == [[16, 0, None]]
    assert r("or") == "700000"
    assert r("distinct") == 50000
    assert r("empty_group") == [[0]]
    assert r("names") == ["bitmap_bit_position(5)", "bitmap_count(bitmap_construct_agg(1))"]
    assert r("types") == [["a", "bigint"], ["b", "binary"]]
    assert r("binary_literal") == [["X'FFFF'", "length(X'00FF')"], ["ffff", 2]]
    assert "[INVALID_BITMAP_POSITION] The 0-indexed bitmap position 40000 is out of bounds." in r("bad_position")
    assert r("bad_count").startswith("AnalysisException: [DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE]")
