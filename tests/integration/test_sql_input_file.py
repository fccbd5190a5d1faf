"""input_file_name() / input_file_block_start() / input_file_block_length() (Spark's
InputFileBlockHolder: the block the scan is reading, "" / -1 outside a file scan or above a
shuffle), uuid() and shuffle(), array()/map() typed array<void>/map<void,void> (issue #14): values, types, names, nondeterminism. One job,
local[2]."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
import os, re
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("input-file").getOrCreate()
out = os.environ["OUT"]
spark.range(6).coalesce(2).write.csv(out + "/csv dir")
spark.range(6).write.parquet(out + "/pq")
csv = spark.read.csv(out + "/csv dir")
files = sorted(f for f in os.listdir(out + "/csv dir") if f.startswith("part-"))
sizes = {f: os.path.getsize(os.path.join(out, "csv dir", f)) for f in files}

def by_file(df):
    rows = df.select(F.input_file_name().alias("f"), F.input_file_block_start().alias("s"),
                     F.input_file_block_length().alias("l"), "_c0").collect()
    return sorted([r.f, r.s, r.l, r._c0] for r in rows)

check("csv", lambda: by_file(csv))
check("expected_files", lambda: [["file://" + out.replace(" ", "%20") + "/csv%20dir/" + f, sizes[f]] for f in files])
check("parquet_files", lambda: spark.read.parquet(out + "/pq").select(F.input_file_name()).distinct().count())
check("no_file", lambda: [list(r) for r in spark.range(2).select(F.input_file_name(), F.input_file_block_start(),
                                                                    F.input_file_block_length()).collect()])
check("after_shuffle", lambda: [list(r) for r in csv.groupBy("_c0").count().select(F.input_file_name()).distinct().collect()])
check("sql", lambda: spark.sql("SELECT input_file_name(), input_file_block_length() FROM range(1)").columns)
check("types", lambda: csv.select(F.input_file_name(), F.input_file_block_start()).dtypes)
uuids = [r[0] for r in spark.range(0, 100, 1, 2).select(F.expr("uuid()")).collect()]
check("uuid", lambda: [len(set(uuids)), all(re.fullmatch("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", u) for u in uuids)])
check("uuid_schema", lambda: [f.simpleString() for f in spark.sql("SELECT uuid()").schema.fields])
arr = spark.range(0, 50, 1, 2).select(F.shuffle(F.array(*[F.lit(i) for i in range(6)])).alias("s"))
perms = [tuple(r.s) for r in arr.collect()]
check("shuffle", lambda: [all(sorted(p) == list(range(6)) for p in perms), len(set(perms)) > 1])
check("shuffle_null", lambda: spark.sql("SELECT shuffle(CAST(NULL AS ARRAY<INT>)) AS n, shuffle(array()) AS e").collect()[0][:])
check("shuffle_name", lambda: spark.range(1).select(F.shuffle(F.array(F.lit(1)))).columns)
check("empty_collections", lambda: [spark.sql("SELECT map() m, array() a").dtypes, spark.sql("SELECT map() m, array() a").collect()[0][:]])
check("shuffle_bad", lambda: first_error(lambda: spark.sql("SELECT shuffle(1)").collect()))
emit()
'''


def test_input_file_uuid_shuffle(tmp_path):
    out = tmp_path / "out dir"
    r = jobs.submit_ok(jobs.write_job(tmp_path, "input_file.py", JOB), master="local[2]", timeout=180,
                       env={"OUT": str(out)}).result
    expected = r("expected_files")
    assert len(expected) == 2
    # Every row names its file, whole-file blocks (the files are smaller than a split).
    got = {(f, s, l) for f, s, l, _ in r("csv")}
    assert got == {(f, 0, size) for f, size in expected}
    assert sorted(v for *_, v in r("csv")) == [str(i) for i in range(6)]
    assert r("parquet_files") >= 1
    assert r("no_file") == [["", -1, -1], ["", -1, -1]]
    assert r("after_shuffle") == [[""]]  # evaluated above the exchange: no file being read there
    assert r("sql") == ["input_file_name()", "input_file_block_length()"]
    assert r("types") == [["input_file_name()", "string"], ["input_file_block_start()", "bigint"]]
    assert r("uuid") == [100, True]
    assert r("uuid_schema") == ["uuid():string"]
    assert r("shuffle") == [True, True]
    assert r("shuffle_null") == [None, []]
    assert r("shuffle_name") == ["shuffle(array(1))"]
    assert r("empty_collections") == [[["m", "map<void,void>"], ["a", "array<void>"]], [{}, []]]
    assert r("shuffle_bad").startswith("AnalysisException: [DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE]")
