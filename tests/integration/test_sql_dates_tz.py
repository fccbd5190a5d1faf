"""spark.sql.session.timeZone as a tz database region (America/Los_Angeles, with its DST changes)
or an offset, on local[2] and on a master + worker cluster (the zone travels with each stage's
plan to the executors): CAST string <-> timestamp (gap moves later, overlap takes the earlier
offset), timestamp <-> date, hour(), CSV reading and writing, against java.time's answers."""
import os

import pytest

import daemons
import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
import os
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("dates-tz").getOrCreate()
spark.conf.set("spark.sql.session.timeZone", "America/Los_Angeles")
# Instants given with an explicit offset: the session zone only shows them.
inst = spark.createDataFrame([(1, "2024-03-10 09:59:59Z"), (2, "2024-03-10 10:00:00Z"), (3, "2024-11-03 08:30:00Z"),
                              (4, "2024-11-03 09:30:00Z"), (5, "1969-12-31 23:59:59.5Z"), (6, None)],
                             "id int, s string").repartition(2).withColumn("t", F.col("s").cast("timestamp"))
check("shown", lambda: [list(r) for r in inst.orderBy("id").select(
    F.col("t").cast("string"), F.hour("t"), F.col("t").cast("date").cast("string")).collect()])
# Wall-clock strings read in the session zone: a gap moves later, an overlap takes PDT.
wall = spark.createDataFrame([(1, "2024-03-10 02:30:00"), (2, "2024-11-03 01:30:00"), (3, "2024-07-01"),
                              (4, "2024-07-01 00:00:00 Asia/Tokyo"), (5, "2024-07-01 00:00:00+02:00")],
                             "id int, s string").repartition(2)
check("parsed", lambda: [list(r) for r in wall.orderBy("id").select(
    F.unix_seconds(F.col("s").cast("timestamp")), F.col("s").cast("timestamp").cast("string")).collect()])
check("date_to_ts", lambda: [list(r) for r in spark.sql(
    "SELECT unix_seconds(CAST(DATE'2024-07-01' AS TIMESTAMP)), unix_seconds(CAST(DATE'2024-01-01' AS TIMESTAMP))").collect()])
check("show", lambda: printed(inst.orderBy("id").select("t").limit(2).show))
path = os.environ["OUT_DIR"]
inst.select("id", "t").write.mode("overwrite").option("header", True).csv(path + "/w")
check("written", lambda: sorted(l.strip() for f in os.listdir(path + "/w") if f.endswith(".csv")
                                for l in open(path + "/w/" + f) if l.strip() and not l.startswith("id")))
with open(path + "/in.csv", "w") as f:
    f.write("2024-03-10 02:30:00\n2024-11-03 01:30:00\n")
check("read", lambda: sorted(r[0] for r in spark.read.schema("t timestamp").csv(path + "/in.csv").select(F.unix_seconds("t")).collect()))
spark.conf.set("spark.sql.session.timeZone", "+08:00")
check("offset", lambda: [list(r) for r in inst.orderBy("id").select(F.col("t").cast("string"), F.hour("t")).limit(2).collect()])
spark.conf.set("spark.sql.session.timeZone", "UTC")
check("utc", lambda: [list(r) for r in inst.orderBy("id").select(F.col("t").cast("string")).limit(1).collect()])
emit()
spark.stop()
'''


def check_results(r):
    assert r("shown") == [["2024-03-10 01:59:59", 1, "2024-03-10"], ["2024-03-10 03:00:00", 3, "2024-03-10"],
                          ["2024-11-03 01:30:00", 1, "2024-11-03"], ["2024-11-03 01:30:00", 1, "2024-11-03"],
                          ["1969-12-31 15:59:59.5", 15, "1969-12-31"], [None, None, None]]
    assert r("parsed") == [[1710066600, "2024-03-10 03:30:00"], [1730622600, "2024-11-03 01:30:00"],
                           [1719817200, "2024-07-01 00:00:00"], [1719759600, "2024-06-30 08:00:00"],
                           [1719784800, "2024-06-30 15:00:00"]]
    assert r("date_to_ts") == [[1719817200, 1704096000]]
    assert r("written") == ["1,2024-03-10T01:59:59.000-08:00", "2,2024-03-10T03:00:00.000-07:00",
                            "3,2024-11-03T01:30:00.000-07:00", "4,2024-11-03T01:30:00.000-08:00",
                            "5,1969-12-31T15:59:59.500-08:00", "6,"]
    assert r("read") == [1710066600, 1730622600]
    assert r("offset") == [["2024-03-10 17:59:59", 17], ["2024-03-10 18:00:00", 18]]
    assert r("utc") == [["2024-03-10 09:59:59"]]
    assert r("show") == ("+-------------------+\n|                  t|\n+-------------------+\n"
                         "|2024-03-10 01:59:59|\n|2024-03-10 03:00:00|\n+-------------------+\n\n")


def test_session_time_zone_local(tmp_path):
    script = jobs.write_job(tmp_path, "tz.py", JOB)
    check_results(jobs.submit_ok(script, master="local[2]", timeout=180, env={"OUT_DIR": str(tmp_path)}).result)


def test_session_time_zone_cluster(tmp_path):
    """The executors run on a worker: the zone must reach them with the stage plans."""
    with daemons.Cluster(tmp_path) as c:
        m = c.start_master()
        c.start_worker(m.url, cores=2, memory="1g")
        daemons.wait_until(lambda: m.json()["aliveworkers"] == 1, what="a worker alive")
        script = jobs.write_job(tmp_path, "tz.py", JOB)
        check_results(jobs.submit_ok(script, master=m.url, timeout=180, env={"OUT_DIR": str(tmp_path)}).result)
