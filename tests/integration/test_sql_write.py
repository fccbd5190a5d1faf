"""df.write on the native engine: csv/json/text part files byte for byte as Spark 3.5 writes
them, Spark's part-file names and _SUCCESS, the save modes and the existing-path error, round
trips through our readers, empty DataFrames, compression; locally, on two workers, and without
ever starting a Python worker on an executor."""
import gzip
import os
import re
import zlib

import pytest

import daemons
import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

WRITE_JOB = r'''
import datetime
import glob
import os
from pyspark.sql import SparkSession, Row, functions as F
from pyspark.errors import AnalysisException

out = os.environ["OUT_DIR"]
spark = SparkSession.builder.appName("sql-write").getOrCreate()
df = spark.createDataFrame(
    [(1, "a", 1.5, None), (2, "b,c", None, ""), (3, 'q"x', 1e10, " pad ")], ["id", "s", "d", "e"])

def files(p):
    return sorted(os.listdir(p))

def content(p, suffix=""):
    return "".join(open(f).read() for f in sorted(glob.glob(p + "/part-*" + suffix)))

def rows(d):
    return sorted([list(r) for r in d.collect()], key=str)

def error(fn):
    try:
        fn()
    except AnalysisException as e:
        return [e.getErrorClass(), str(e)]
    except Exception as e:
        return [type(e).__name__, str(e)]
    return None

df.write.csv(out + "/csv")
check("csv_files", lambda: files(out + "/csv"))
check("csv", lambda: content(out + "/csv"))
check("csv_back", lambda: rows(spark.read.csv(out + "/csv", schema="id int, s string, d double, e string")))
check("exists", lambda: error(lambda: df.write.csv(out + "/csv")))
check("exists_default_format", lambda: error(lambda: df.write.format("csv").save(out + "/csv")))
df.write.option("header", True).option("sep", ";").option("nullValue", "NULL").csv(out + "/csv_opts")
check("csv_opts", lambda: content(out + "/csv_opts"))
check("csv_opts_back", lambda: rows(spark.read.csv(out + "/csv_opts", header=True, sep=";", nullValue="NULL",
                                                   inferSchema=True)))

df.write.json(out + "/json")
check("json", lambda: content(out + "/json"))
check("json_back", lambda: rows(spark.read.json(out + "/json")))
df.write.json(out + "/json_nulls", ignoreNullFields=False)
check("json_nulls", lambda: content(out + "/json_nulls"))
typed = spark.createDataFrame(
    [(datetime.date(2024, 1, 2), datetime.datetime(2024, 1, 2, 3, 4, 5, 600000), [1, 2], {"k": 1.0}, Row(x=1, y=None))],
    "day date, ts timestamp, xs array<int>, m map<string,double>, st struct<x:int,y:string>")
typed.write.json(out + "/json_typed")
check("json_typed", lambda: content(out + "/json_typed"))
check("csv_nested", lambda: error(lambda: typed.write.csv(out + "/csv_nested")))

df.select("s").write.text(out + "/text")
check("text", lambda: content(out + "/text"))
check("text_back", lambda: rows(spark.read.text(out + "/text")))
check("text_two_columns", lambda: error(lambda: df.select("s", "e").write.text(out + "/text2")))

p = out + "/modes"
df.filter(F.col("id") == 1).write.mode("overwrite").csv(p)
df.filter(F.col("id") == 2).write.mode("append").csv(p)
check("append", lambda: [len(glob.glob(p + "/part-*")), sorted(content(p).splitlines())])
df.filter(F.col("id") == 3).write.mode("ignore").csv(p)
check("ignore", lambda: sorted(content(p).splitlines()))
df.filter(F.col("id") == 3).write.mode("overwrite").csv(p)
check("overwrite", lambda: [files(p)[-1], content(p)])
df.filter(F.col("id") == 3).write.mode("ignore").csv(out + "/ignored_new")
check("ignore_new", lambda: content(out + "/ignored_new"))
# Overwriting the path the query reads (or a directory holding it) is refused before anything
# is deleted (DDLUtils.verifyNotReadPath); the data stays.
check("overwrite_read", lambda: error(lambda: spark.read.csv(p).write.mode("overwrite").csv(p)))
check("overwrite_read_parent", lambda: error(lambda: spark.read.csv(p + "/*.csv").write.mode("overwrite").csv(out + "/modes/")))
check("overwrite_read_kept", lambda: content(p))

spark.createDataFrame([], "a int, b string").write.option("header", True).csv(out + "/empty")
check("empty", lambda: [len(glob.glob(out + "/empty/part-*")), content(out + "/empty")])
df.filter(F.col("id") > 100).write.json(out + "/empty_json")
check("empty_json", lambda: [len(glob.glob(out + "/empty_json/part-*")), content(out + "/empty_json")])

spark.conf.set("spark.sql.shuffle.partitions", "2")
df.orderBy(F.col("id").desc()).select("id").write.csv(out + "/sorted")  # a range sampling job first
check("sorted", lambda: content(out + "/sorted"))

parts = spark.createDataFrame([(1, "x", None), (2, "y", "a/b"), (3, "x", "")], "id int, k string, v string")
parts.write.partitionBy("K").csv(out + "/by_k")
check("by_k", lambda: [files(out + "/by_k"), content(out + "/by_k/k=x"), content(out + "/by_k/k=y")])
check("by_k_back", lambda: rows(spark.read.csv(out + "/by_k/k=x", schema="id int, v string")))
parts.write.partitionBy("v", "k").json(out + "/by_vk")
check("by_vk", lambda: [[d, files(out + "/by_vk/" + d)] for d in files(out + "/by_vk") if d != "_SUCCESS"])
check("by_vk_rows", lambda: content(out + "/by_vk/v=__HIVE_DEFAULT_PARTITION__/k=x"))
check("by_missing", lambda: error(lambda: parts.write.partitionBy("nope").csv(out + "/by_missing")))
check("by_all", lambda: error(lambda: parts.select("k").write.partitionBy("k").csv(out + "/by_all")))

df.write.csv(out + "/gz", compression="gzip")
check("gz_names", lambda: [f[-7:] for f in files(out + "/gz") if f.startswith("part-")])
df.select("s").write.text(out + "/deflate", compression="deflate")
check("deflate_names", lambda: [f[-12:] for f in files(out + "/deflate") if f.startswith("part-")])
emit()
spark.stop()
'''

CSV = '1,a,1.5,\n2,"b,c",,""\n3,"q\\"x",1.0E10,pad\n'
PART = re.compile(r"^part-0000[01]-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-c000\.csv$")


def check_write(res, out):
    names = res.result("csv_files")
    assert names[0] == "_SUCCESS" and all(PART.match(n) for n in names[1:]), names
    assert len({n[11:47] for n in names[1:]}) == 1  # one job UUID
    assert res.result("csv") == CSV
    assert res.result("csv_back") == [[1, "a", 1.5, None], [2, "b,c", None, None], [3, 'q"x', 1e10, "pad"]]
    cls, msg = res.result("exists")
    assert cls == "PATH_ALREADY_EXISTS"
    assert msg == ('[PATH_ALREADY_EXISTS] Path file:%s/csv already exists. Set mode as "overwrite" to '
                   'overwrite the existing path.' % out)
    assert res.result("exists_default_format")[0] == "PATH_ALREADY_EXISTS"
    # every part file starts with the header (one per task: rows 1 | rows 2, 3)
    assert res.result("csv_opts") == 'id;s;d;e\n1;a;1.5;NULL\nid;s;d;e\n2;b,c;NULL;""\n3;"q\\"x";1.0E10;pad\n'
    # "" is the empty string again once nullValue is something else
    assert res.result("csv_opts_back") == [[1, "a", 1.5, None], [2, "b,c", None, ""], [3, 'q"x', 1e10, "pad"]]
    assert res.result("json") == ('{"id":1,"s":"a","d":1.5}\n{"id":2,"s":"b,c","e":""}\n'
                                  '{"id":3,"s":"q\\"x","d":1.0E10,"e":" pad "}\n')
    # read back with inferred columns sorted by name: d, e, id, s
    assert res.result("json_back") == [[1.5, None, 1, "a"], [1e10, " pad ", 3, 'q"x'], [None, "", 2, "b,c"]]
    assert res.result("json_nulls").startswith('{"id":1,"s":"a","d":1.5,"e":null}\n')
    assert res.result("json_typed") == ('{"day":"2024-01-02","ts":"2024-01-02T03:04:05.600Z","xs":[1,2],'
                                        '"m":{"k":1.0},"st":{"x":1}}\n')
    assert res.result("csv_nested")[1] == (
        '[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The CSV datasource doesn\'t support the column `xs` of the type '
        '"ARRAY<INT>".')
    assert res.result("text") == 'a\nb,c\nq"x\n'
    assert res.result("text_back") == [["a"], ["b,c"], ['q"x']]
    assert res.result("text_two_columns")[1] == "Text data source supports only a single column, and you have 2 columns."
    # partition 0 always writes a file (empty here for id 2), as Spark's FileFormatWriter
    assert res.result("append") == [3, ["1,a,1.5,", '2,"b,c",,""']]
    assert res.result("ignore") == ["1,a,1.5,", '2,"b,c",,""']
    assert res.result("overwrite_read") == ["UNSUPPORTED_OVERWRITE.PATH",
                                            "[UNSUPPORTED_OVERWRITE.PATH] Can't overwrite the target that is also being "
                                            "read from. The target path is file:%s/modes." % out]
    assert res.result("overwrite_read_parent") == res.result("overwrite_read")
    assert res.result("overwrite_read_kept") == res.result("overwrite")[1]
    last, text = res.result("overwrite")  # the old files are gone, the new job's are there
    assert PART.match(last) and text == '3,"q\\"x",1.0E10,pad\n'
    assert res.result("ignore_new") == '3,"q\\"x",1.0E10,pad\n'
    assert res.result("empty") == [1, "a,b\n"]
    assert res.result("sorted") == "3\n2\n1\n"
    # partitionBy: Hive directories, the partition columns left out of the files
    assert res.result("by_k") == [["_SUCCESS", "k=x", "k=y"], '1,\n3,""\n', "2,a/b\n"]
    assert res.result("by_k_back") == [[1, None], [3, None]]
    by_vk = res.result("by_vk")
    assert [d for d, _ in by_vk] == ["v=__HIVE_DEFAULT_PARTITION__", "v=a%2Fb"]
    assert [sub for _, sub in by_vk] == [["k=x"], ["k=y"]]
    assert res.result("by_vk_rows") == '{"id":1}\n{"id":3}\n'
    assert res.result("by_missing")[1].startswith("Partition column `nope` not found in schema")
    assert res.result("by_all")[1] == "Cannot use all columns for partition columns"
    assert res.result("empty_json") == [1, ""]
    assert res.result("gz_names") == [".csv.gz", ".csv.gz"]
    got = b"".join(gzip.open(os.path.join(out, "gz", f)).read()
                   for f in sorted(os.listdir(os.path.join(out, "gz"))) if f.startswith("part-"))
    assert got.decode() == CSV
    assert res.result("deflate_names") == [".txt.deflate", ".txt.deflate"]
    got = b"".join(zlib.decompress(open(os.path.join(out, "deflate", f), "rb").read())
                   for f in sorted(os.listdir(os.path.join(out, "deflate"))) if f.startswith("part-"))
    assert got.decode() == 'a\nb,c\nq"x\n'
    for d, _, fs in os.walk(out):
        assert "_temporary" not in d and not any(f.startswith("attempt_") for f in fs), d


def test_write_local(tmp_path):
    out = str(tmp_path / "out")
    script = jobs.write_job(tmp_path, "write.py", WRITE_JOB)
    check_write(jobs.submit_ok(script, master="local[2]", timeout=180, env={"OUT_DIR": out}), out)


def test_write_cluster(tmp_path):
    """Two executors on two workers commit their part files into one output directory."""
    out = str(tmp_path / "out")
    with daemons.Cluster(tmp_path) as c:
        m = c.start_master()
        c.start_worker(m.url, cores=1, memory="1g")
        c.start_worker(m.url, cores=1, memory="1g")
        daemons.wait_until(lambda: m.json()["aliveworkers"] == 2, what="two workers alive")
        script = jobs.write_job(tmp_path, "write.py", WRITE_JOB)
        check_write(jobs.submit_ok(script, master=m.url, timeout=180, env={"OUT_DIR": out}), out)


NO_PYTHON_WRITE = r'''
import os
from pyspark.sql import SparkSession, functions as F
out = os.environ["OUT_DIR"]
spark = SparkSession.builder.appName("no-python-write").getOrCreate()
df = spark.createDataFrame([(i % 3, i) for i in range(100)], ["k", "v"])
df.groupBy("k").agg(F.sum("v").alias("s")).write.csv(out + "/agg", header=True)
df.write.json(out + "/json")
check("python_started", lambda: os.path.exists(os.environ["PY_MARKER"]))
check("back", lambda: sorted([list(r) for r in spark.read.csv(out + "/agg", header=True, inferSchema=True).collect()]))
emit()
spark.stop()
'''


def test_write_forks_no_python_worker(tmp_path):
    marker = tmp_path / "python-started"
    fake = tmp_path / "fake-python"
    fake.write_text("#!/bin/sh\necho started >> %s\nexit 1\n" % marker)
    fake.chmod(0o755)
    script = jobs.write_job(tmp_path, "nopy.py", NO_PYTHON_WRITE)
    res = jobs.submit_ok(script, master="local[2]", timeout=120,
                         env={"SPARKPP_PYTHON": None, "PYSPARK_PYTHON": None, "PY_MARKER": str(marker),
                              "OUT_DIR": str(tmp_path / "out")},
                         conf={"spark.pyspark.driver.python": jobs.job_python(),
                               "spark.pyspark.python": str(fake),
                               "spark.task.maxFailures": "1"})
    assert res.result("python_started") is False
    assert res.result("back") == [[k, sum(range(k, 100, 3))] for k in range(3)]
