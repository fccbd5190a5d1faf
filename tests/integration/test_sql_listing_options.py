"""File listing options of spark.read (issue #15), as Spark's InMemoryFileIndex applies them:
pathGlobFilter (a Hadoop glob over file names, braces included), recursiveFileLookup
(partition discovery off), modifiedBefore / modifiedAfter (the option timeZone, else the
session's), with Spark's error for a malformed timestamp. Before, all four were accepted and
ignored. One job, local[2]."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
import calendar, os
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("listing-options").getOrCreate()
d = os.environ["DATA"]

def write(path, text, year=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    if year:
        t = calendar.timegm((year, 1, 1, 0, 0, 0))
        os.utime(path, (t, t))

write(d + "/flat/a.csv", "1\n", 2020)
write(d + "/flat/b.csv", "2\n", 2022)
write(d + "/flat/c.txt", "3\n", 2024)
write(d + "/parts/k=1/x.csv", "10\n")
write(d + "/parts/k=2/y.csv", "20\n")

def ids(df):
    return sorted(int(r[0]) for r in df.collect())

check("all", lambda: ids(spark.read.csv(d + "/flat")))
check("glob", lambda: ids(spark.read.csv(d + "/flat", pathGlobFilter="*.csv")))
check("glob_braces", lambda: ids(spark.read.option("pathGlobFilter", "{a,c}.*").csv(d + "/flat")))
check("glob_none", lambda: spark.read.csv(d + "/flat", pathGlobFilter="*.json", schema="v int").count())
check("partitioned", lambda: [spark.read.csv(d + "/parts").columns, ids(spark.read.csv(d + "/parts"))])
check("recursive", lambda: [spark.read.csv(d + "/parts", recursiveFileLookup=True).columns,
                            ids(spark.read.csv(d + "/parts", recursiveFileLookup=True))])
check("after", lambda: ids(spark.read.csv(d + "/flat", modifiedAfter="2021-01-01T00:00:00")))
check("before", lambda: ids(spark.read.csv(d + "/flat", modifiedBefore="2023-06-01T00:00:00")))
check("between", lambda: ids(spark.read.option("modifiedAfter", "2021-01-01T00:00:00")
                              .option("modifiedBefore", "2023-01-01T00:00:00").csv(d + "/flat")))
# 2022-01-01T00:00:00Z is 2021-12-31T19:00 in New York: after 20:00 there excludes b.csv.
check("zone", lambda: ids(spark.read.option("timeZone", "America/New_York")
                          .csv(d + "/flat", modifiedAfter="2021-12-31T20:00:00")))
spark.conf.set("spark.sql.session.timeZone", "America/New_York")
check("session_zone", lambda: ids(spark.read.csv(d + "/flat", modifiedAfter="2021-12-31T20:00:00")))
spark.conf.set("spark.sql.session.timeZone", "UTC")
check("bad", lambda: first_error(lambda: spark.read.csv(d + "/flat", modifiedAfter="2021-01-01").collect()))
emit()
'''


def test_listing_options(tmp_path):
    r = jobs.submit_ok(jobs.write_job(tmp_path, "listing.py", JOB), master="local[2]", timeout=180,
                       env={"DATA": str(tmp_path / "data")}).result
    assert r("all") == [1, 2, 3]
    assert r("glob") == [1, 2]
    assert r("glob_braces") == [1, 3]
    assert r("glob_none") == 0
    assert r("partitioned") == [["_c0", "k"], [10, 20]]
    assert r("recursive") == [["_c0"], [10, 20]]
    assert r("after") == [2, 3]
    assert r("before") == [1, 2]
    assert r("between") == [2]
    assert r("zone") == [3]
    assert r("session_zone") == [3]
    assert r("bad") == ("AnalysisException: The timestamp provided for the 'modifiedAfter' option is invalid. The "
                        "expected format is 'YYYY-MM-DDTHH:mm:ss', but the provided timestamp was: 2021-01-01")
