"""DataFrames on the native engine, end to end: the Python program sends plans, the C++ driver
plans them into stages, executors run columnar operators (no Python) and shuffle batches
between stages; locally and on a two-worker cluster."""
import collections
import os

import pytest

import daemons
import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

NATIVE_JOB = r'''
import os
from pyspark.sql import SparkSession, functions as F
from pyspark.errors import AnalysisException

spark = SparkSession.builder.appName("sql-native").getOrCreate()
spark.conf.set("spark.sql.shuffle.partitions", "3")
sales = spark.createDataFrame(
    [("north", "apple", 3, 1.5), ("south", "pear", 5, 2.0), ("north", "pear", None, 0.5),
     ("east", "apple", 7, 1.0), ("south", "apple", 1, 3.0), ("north", "fig", 2, None)],
    ["region", "fruit", "qty", "price"])
regions = spark.createDataFrame([("north", "N"), ("south", "S"), ("west", "W")], ["region", "code"])

def rows(df):
    return [list(r) for r in df.collect()]

check("select", lambda: rows(sales.select("region", (F.col("qty") * 2).alias("q2"))))
check("filter", lambda: rows(sales.filter(F.col("qty") > 2).select("fruit", "qty")))
check("with_column", lambda: rows(sales.withColumn("total", F.col("qty") * F.col("price"))
                                        .select("fruit", "total")))
check("group", lambda: sorted(rows(sales.groupBy("region").agg(
    F.count("*").alias("n"), F.sum("qty").alias("q"), F.avg("price").alias("p"),
    F.min("fruit").alias("lo"), F.max("qty").alias("hi")))))
check("group_schema", lambda: sales.groupBy("region").agg(F.sum("qty"), F.avg("price")).dtypes)
check("order", lambda: rows(sales.orderBy(F.col("qty").desc()).select("fruit", "qty")))
check("order_limit", lambda: rows(sales.orderBy("price").limit(2).select("price")))
check("join", lambda: sorted(rows(sales.join(regions, "region").select("region", "fruit", "code"))))
check("left_join", lambda: sorted(rows(regions.join(sales, "region", "left")
                                       .select("code", "qty")), key=str))
check("anti", lambda: rows(regions.join(sales, "region", "left_anti")))
check("distinct", lambda: sorted(rows(sales.select("fruit").distinct())))
check("union", lambda: sorted(rows(sales.select("region").union(regions.select("region")))))
check("count", lambda: sales.filter(F.col("price") >= 1.0).count())
check("range", lambda: rows(spark.range(0, 10, 3).select((F.col("id") + 1).alias("x"))))
check("range_sum", lambda: rows(spark.range(1000000).agg(F.sum("id"))))
check("show", lambda: printed(sales.groupBy("fruit").count().orderBy("fruit").show))
check("take", lambda: [list(r) for r in sales.select("qty").take(2)])
check("explain", lambda: "HashAggregate" in printed(sales.groupBy("region").count().explain))
def _bad():
    try:
        sales.select("nope").collect()
    except AnalysisException as e:
        return [type(e).__name__, e.getErrorClass()]
check("bad_column", _bad)
text_path = os.environ["TEXT_DIR"]
lines = spark.read.text(text_path)
check("text_count", lambda: lines.count())
check("text_words", lambda: sorted(rows(lines.filter(F.length("value") > 0)
                                        .groupBy("value").count())))
check("text_upper", lambda: rows(lines.select(F.upper("value").alias("u")).filter(F.col("u") != "")
                                 .orderBy("u").limit(2)))
def _missing():
    try:
        spark.read.text(text_path + "/nope.txt")
    except AnalysisException as e:
        return [e.getErrorClass(), str(e).split(";")[0]]
check("text_missing", _missing)
csv = spark.read.csv(text_path + "/../csv", header=True, inferSchema=True)
check("csv_dtypes", lambda: csv.dtypes)
check("csv_agg", lambda: sorted(rows(csv.groupBy("region").agg(F.sum("qty").alias("q"),
                                                              F.max("price").alias("p")))))
# Grouping by an aliased expression (Spark's CleanupAliases): the alias names the output column.
check("group_by_alias", lambda: [sorted(rows(csv.groupBy((F.col("qty") % 2).alias("odd")).agg(F.count("*"))), key=str),
                                 csv.groupBy((F.col("qty") % 2).alias("odd")).count().columns])
js = spark.read.json(text_path + "/../json")
check("json_dtypes", lambda: js.dtypes)
check("json_rows", lambda: rows(js.orderBy("a").select("a", "b", F.col("c.d").alias("d"))))
check("csv_plain", lambda: spark.read.option("header", "true").csv(text_path + "/../csv").dtypes)
words = spark.read.text(text_path + "/../words")
check("word_count", lambda: sorted(rows(words.select(F.explode(F.split("value", " ")).alias("word"))
                                        .groupBy("word").count())))
arr = spark.createDataFrame([(1, [1, 2, None], {"a": 1, "b": None}), (2, [], {}), (3, None, None)],
                            "id int, a array<int>, m map<string,int>")
check("explode", lambda: rows(arr.select("id", F.explode("a"))))
check("explode_outer", lambda: rows(arr.select("id", F.explode_outer("a").alias("x"))))
check("posexplode", lambda: rows(arr.select(F.posexplode("a").alias("p", "v"), "id")))
check("posexplode_outer", lambda: rows(arr.select("id", F.posexplode_outer("a"))))
check("explode_map", lambda: rows(arr.select("id", F.explode("m"))))
check("explode_outer_map", lambda: rows(arr.select("id", F.explode_outer("m"))))
check("explode_dtypes", lambda: [arr.select(F.posexplode_outer("a")).schema.simpleString(),
                                 [f.nullable for f in arr.select(F.posexplode("m")).schema.fields]])
check("explode_size", lambda: rows(arr.withColumn("x", F.explode_outer("a"))
                                   .select("id", F.size("a").alias("n"), "x").filter(F.col("id") > 1)))
def _nested():
    try:
        arr.select(F.size(F.explode("a")))
    except AnalysisException as e:
        return [e.getErrorClass(), str(e).split(";")[0]]
check("explode_nested", _nested)
sales.createOrReplaceTempView("sales")
check("view", lambda: rows(spark.table("sales").filter(F.col("region") == "east").select("qty")))
emit()
spark.stop()
'''


def check_native(res):
    assert res.result("select") == [["north", 6], ["south", 10], ["north", None], ["east", 14],
                                    ["south", 2], ["north", 4]]
    assert res.result("filter") == [["apple", 3], ["pear", 5], ["apple", 7]]
    assert res.result("with_column") == [["apple", 4.5], ["pear", 10.0], ["pear", None],
                                         ["apple", 7.0], ["apple", 3.0], ["fig", None]]
    assert res.result("group") == [["east", 1, 7, 1.0, "apple", 7],
                                   ["north", 3, 5, 1.0, "apple", 3],
                                   ["south", 2, 6, 2.5, "apple", 5]]
    assert res.result("group_schema") == [["region", "string"], ["sum(qty)", "bigint"],
                                          ["avg(price)", "double"]]
    assert res.result("order") == [["apple", 7], ["pear", 5], ["apple", 3], ["fig", 2],
                                   ["apple", 1], ["pear", None]]
    assert res.result("order_limit") == [[None], [0.5]]
    assert res.result("join") == [["north", "apple", "N"], ["north", "fig", "N"],
                                  ["north", "pear", "N"], ["south", "apple", "S"],
                                  ["south", "pear", "S"]]
    assert res.result("left_join") == sorted([["N", 3], ["N", None], ["N", 2], ["S", 5], ["S", 1],
                                              ["W", None]], key=str)
    assert res.result("anti") == [["west", "W"]]
    assert res.result("distinct") == [["apple"], ["fig"], ["pear"]]
    assert res.result("union") == sorted([[r] for r in ["north", "south", "north", "east", "south",
                                                        "north", "north", "south", "west"]])
    assert res.result("count") == 4
    assert res.result("range") == [[1], [4], [7], [10]]
    assert res.result("range_sum") == [[499999500000]]
    assert res.result("show") == ("+-----+-----+\n"
                                  "|fruit|count|\n"
                                  "+-----+-----+\n"
                                  "|apple|    3|\n"
                                  "|  fig|    1|\n"
                                  "| pear|    2|\n"
                                  "+-----+-----+\n"
                                  "\n")
    assert res.result("take") == [[3], [5]]
    assert res.result("explain") is True
    assert res.result("bad_column") == ["AnalysisException", "UNRESOLVED_COLUMN.WITH_SUGGESTION"]
    assert res.result("view") == [[7]]
    assert res.result("text_count") == 2 * 300 + 4
    assert res.result("text_words") == [["apple", 301], ["fig", 1], ["pear", 301]]
    assert res.result("text_upper") == [["APPLE"], ["APPLE"]]
    assert res.result("csv_dtypes") == [["region", "string"], ["qty", "int"], ["price", "double"],
                                         ["day", "date"]]
    assert res.result("csv_agg") == [["east", 7, 1.0], ["north", 5, 1.5], ["south", 6, 3.0]]
    assert res.result("group_by_alias") == [[[0, 1], [1, 4], [None, 1]], ["odd", "count"]]
    assert res.result("json_dtypes") == [["a", "bigint"], ["b", "string"], ["c", "struct<d:double>"]]
    assert res.result("json_rows") == [[1, "x", 0.5], [2, None, None], [3, "z", 2.0]]
    assert res.result("csv_plain") == [["region", "string"], ["qty", "string"], ["price", "string"],
                                       ["day", "string"]]
    assert res.result("word_count") == sorted([w, n] for w, n in collections.Counter(
        w for line in WORD_LINES for w in line.split(" ")).items())
    assert res.result("explode") == [[1, 1], [1, 2], [1, None]]
    assert res.result("explode_outer") == [[1, 1], [1, 2], [1, None], [2, None], [3, None]]
    assert res.result("posexplode") == [[0, 1, 1], [1, 2, 1], [2, None, 1]]
    assert res.result("posexplode_outer") == [[1, 0, 1], [1, 1, 2], [1, 2, None], [2, None, None],
                                              [3, None, None]]
    assert res.result("explode_map") == [[1, "a", 1], [1, "b", None]]
    assert res.result("explode_outer_map") == [[1, "a", 1], [1, "b", None], [2, None, None],
                                               [3, None, None]]
    assert res.result("explode_dtypes") == ["struct<pos:int,col:int>", [False, False, True]]
    assert res.result("explode_size") == [[2, 0, None], [3, -1, None]]
    assert res.result("explode_nested") == [
        "UNSUPPORTED_GENERATOR.NESTED_IN_EXPRESSIONS",
        '[UNSUPPORTED_GENERATOR.NESTED_IN_EXPRESSIONS] The generator is not supported: '
        'nested in expressions "size(explode(a))".']
    cls, msg = res.result("text_missing")
    assert cls == "PATH_NOT_FOUND" and msg.startswith("[PATH_NOT_FOUND] Path does not exist: file:")


# Lines of words for the word count: repeated words, empty lines (one "" word each), double
# spaces (an empty word between them), spread over two files cut into several splits.
WORD_LINES = ["the quick brown fox", "", "jumps over  the lazy dog", "the end"] * 40 + [
    "w%d x%d the" % (i % 17, i % 5) for i in range(120)]


def write_text_dir(tmp_path):
    """Two files (one large enough to be cut into several splits) and an empty line."""
    w = tmp_path / "words"
    w.mkdir()
    (w / "a.txt").write_text("\n".join(WORD_LINES[:150]) + "\n")
    (w / "b.txt").write_text("\n".join(WORD_LINES[150:]) + "\n")
    d = tmp_path / "text"
    d.mkdir()
    (d / "a.txt").write_text("apple\npear\n" * 300)
    (d / "b.txt").write_text("fig\n\napple\npear")  # no trailing newline
    (d / "_SUCCESS").write_text("")  # hidden by Spark's listing
    c = tmp_path / "csv"
    c.mkdir()
    (c / "part-0.csv").write_text("region,qty,price,day\nnorth,3,1.5,2024-01-02\nsouth,5,2.0,2024-01-03\n"
                                  "north,,0.5,2024-01-04\n")
    (c / "part-1.csv").write_text("region,qty,price,day\neast,7,1.0,2024-02-01\nsouth,1,3.0,\n"
                                  "north,2,,2024-03-01\n")
    j = tmp_path / "json"
    j.mkdir()
    (j / "part-0.json").write_text('{"a": 3, "b": "z", "c": {"d": 2.0}}\n{"a": 1, "b": "x", "c": {"d": 0.5}}\n')
    (j / "part-1.json").write_text('{"a": 2}\n')
    return str(d)


def test_native_dataframes_local(tmp_path):
    script = jobs.write_job(tmp_path, "native.py", NATIVE_JOB)
    check_native(jobs.submit_ok(script, master="local[2]", timeout=180,
                                env={"TEXT_DIR": write_text_dir(tmp_path)},
                                conf={"spark.sql.files.maxPartitionBytes": "1000"}))


NO_PYTHON_JOB = r'''
import os
from pyspark.sql import SparkSession, functions as F
marker = os.environ["PY_MARKER"]
spark = SparkSession.builder.appName("no-python").getOrCreate()
df = spark.createDataFrame([(i % 3, i) for i in range(100)], ["k", "v"])
check("agg", lambda: sorted([list(r) for r in df.groupBy("k").agg(F.sum("v")).collect()]))
check("join", lambda: df.join(df.select("k").distinct(), "k").count())
lines = spark.read.text(os.environ["WORDS_FILE"])
check("word_count", lambda: sorted([list(r) for r in lines.select(
    F.explode(F.split("value", " ")).alias("w")).groupBy("w").count().collect()]))
check("python_started_by_dataframes", lambda: os.path.exists(marker))
def _rdd():
    try:
        spark.sparkContext.parallelize([1, 2]).map(lambda x: x + 1).collect()
    except Exception as e:
        return "failed"
    return "ran"
check("rdd", _rdd)
check("python_started_by_rdd", lambda: os.path.exists(marker))
emit()
spark.stop()
'''


def test_dataframe_job_forks_no_python_worker(tmp_path):
    """Executors get an "interpreter" that only records that it was started: after the
    DataFrame actions (shuffles, joins, aggregates) it has not been; the RDD action then
    starts it (and fails), which proves the executors really had it."""
    marker = tmp_path / "python-started"
    fake = tmp_path / "fake-python"
    fake.write_text("#!/bin/sh\necho started >> %s\nexit 1\n" % marker)
    fake.chmod(0o755)
    script = jobs.write_job(tmp_path, "nopy.py", NO_PYTHON_JOB)
    words = tmp_path / "words.txt"
    words.write_text("a b a\nc a\n" * 50)
    res = jobs.submit_ok(script, master="local[2]", timeout=120,
                         env={"SPARKPP_PYTHON": None, "PYSPARK_PYTHON": None, "PY_MARKER": str(marker),
                              "WORDS_FILE": str(words)},
                         conf={"spark.pyspark.driver.python": jobs.job_python(),
                               "spark.pyspark.python": str(fake),
                               "spark.task.maxFailures": "1"})
    assert res.result("python_started_by_dataframes") is False
    assert res.result("agg") == [[0, sum(range(0, 100, 3))], [1, sum(range(1, 100, 3))],
                                 [2, sum(range(2, 100, 3))]]
    assert res.result("join") == 100
    assert res.result("word_count") == [["a", 150], ["b", 50], ["c", 50]]
    assert res.result("rdd") == "failed"
    assert res.result("python_started_by_rdd") is True


def test_native_dataframes_cluster(tmp_path):
    """Two executors on two workers: shuffle blocks of the native stages cross executors."""
    with daemons.Cluster(tmp_path) as c:
        m = c.start_master()
        c.start_worker(m.url, cores=1, memory="1g")
        c.start_worker(m.url, cores=1, memory="1g")
        daemons.wait_until(lambda: m.json()["aliveworkers"] == 2, what="two workers alive")
        script = jobs.write_job(tmp_path, "native.py", NATIVE_JOB)
        check_native(jobs.submit_ok(script, master=m.url, timeout=180,
                                    env={"TEXT_DIR": write_text_dir(tmp_path)}))
