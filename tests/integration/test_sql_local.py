"""pyspark.sql in a real `sparkpp submit` driver (local[2]): createDataFrame, range, toDF,
read.text, and DataFrames over RDDs (createDataFrame(rdd) / rdd.toDF, run natively)."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

SQL_JOB = r'''
import datetime
import sys
from pyspark.sql import SparkSession, Row, functions as F
from pyspark.sql.types import StructType, StructField, LongType, StringType
from pyspark.errors import PySparkException

spark = SparkSession.builder.appName("sql-local").getOrCreate()
people = spark.createDataFrame([("Alice", 1, 2.5, datetime.date(2024, 1, 2)),
                                ("Bob", None, None, None)], ["name", "n", "x", "d"])

check("dtypes", lambda: people.dtypes)
check("collect", lambda: [r.asDict() for r in people.collect()])
check("show", lambda: printed(people.show))
check("schema_tree", lambda: printed(people.printSchema))
check("count", lambda: people.count())
check("range_toDF", lambda: [tuple(r) for r in spark.range(2, 5).toDF("k").collect()])
check("pandas", lambda: (lambda p: (list(p.columns), [str(t) for t in p.dtypes],
                                    p["name"].tolist()))(people.toPandas()))
check("rdd_toDF", lambda: spark.sparkContext.parallelize([(1, "a")]).toDF(["k", "v"]).dtypes)
def _over_rdd():  # a DataFrame over an RDD runs natively (Scan ExistingRDD)
    return [list(r) for r in
            spark.sparkContext.parallelize([(1, "a")]).toDF(["k", "v"]).select(F.col("k") + 1).collect()]
check("select_native", lambda: [list(r) for r in people.select(F.col("n") + 1).collect()])
check("over_text_native", lambda: spark.read.text(__file__).select(F.length("value")).count() > 3)
check("over_rdd", _over_rdd)
check("stop", lambda: spark.stop())
emit()
'''


def test_sql_on_the_rdd_runtime(tmp_path):
    script = jobs.write_job(tmp_path, "sql_job.py", SQL_JOB)
    res = jobs.submit_ok(script, timeout=120)
    assert res.result("dtypes") == [["name", "string"], ["n", "bigint"], ["x", "double"],
                                     ["d", "date"]]
    assert res.result("collect")[0] == {"name": "Alice", "n": 1, "x": 2.5,
                                        "d": "datetime.date(2024, 1, 2)"}
    assert res.result("show") == (
        "+-----+----+----+----------+\n"
        "| name|   n|   x|         d|\n"
        "+-----+----+----+----------+\n"
        "|Alice|   1| 2.5|2024-01-02|\n"
        "|  Bob|NULL|NULL|      NULL|\n"
        "+-----+----+----+----------+\n"
        "\n")  # print() of a string that ends in a newline, as PySpark
    assert res.result("schema_tree") == (
        "root\n |-- name: string (nullable = true)\n |-- n: long (nullable = true)\n"
        " |-- x: double (nullable = true)\n |-- d: date (nullable = true)\n\n")
    assert res.result("count") == 2
    assert res.result("range_toDF") == [[2], [3], [4]]
    cols, types, names = res.result("pandas")
    assert cols == ["name", "n", "x", "d"] and names == ["Alice", "Bob"]
    assert types == ["object", "float64", "float64", "object"]  # n holds a null: float64
    assert res.result("rdd_toDF") == [["k", "bigint"], ["v", "string"]]
    assert res.result("select_native") == [[2], [None]]
    assert res.result("over_text_native") is True
    assert res.result("over_rdd") == [[2]]
