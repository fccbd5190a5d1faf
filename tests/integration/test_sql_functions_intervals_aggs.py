"""Issue 14's math, aggregate, date and day-time interval functions on the native engine, one
job: positive/negative, bit_count/bit_get, width_bucket, bround (HALF_EVEN), product,
bit_and/or/xor, histogram_numeric, count_min_sketch (Spark's bytes), DISTINCT sum/avg and count of
several columns, day-time intervals (make_dt_interval, INTERVAL literals, timestamp/date
arithmetic across leap days and DST, show/collect/cast forms), day, try_to_timestamp,
convert_timezone, make_timestamp_ntz and tumbling windows: values, NULLs, result types and
Spark's column names."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
import datetime
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("fn-intervals-aggs").getOrCreate()

def rows(d):
    return [[str(v) if isinstance(v, (datetime.date, datetime.timedelta, bytearray)) or type(v).__name__ == "Decimal"
             else v for v in r] for r in d.collect()]

def names_types(d):
    return [d.columns, [t for _, t in d.dtypes]]

nums = spark.createDataFrame([(1, -1, 2.5, 5), (2, 6, 3.5, 7), (3, None, -2.5, None), (4, 3, None, 2)],
                             "id int, i int, x double, l long")
check("unary", lambda: rows(nums.orderBy("id").select(F.positive("i"), F.negative("i"), -F.col("i"),
                                                      F.bit_count("i"), F.bit_count(F.col("i").cast("long")),
                                                      F.bit_get("l", F.lit(0)), F.getbit("l", F.lit(2)))))
check("unary_names", lambda: names_types(nums.select(F.positive("i"), F.negative("i"), -F.col("i"),
                                                     F.bit_count("i"), F.bit_get("l", F.lit(0)), F.getbit("l", F.lit(2)))))
check("bit_get_range", lambda: first_error(lambda: nums.select(F.bit_get("i", F.lit(32))).collect()))
check("bround", lambda: rows(nums.orderBy("id").select(F.bround("x"), F.round("x"), F.bround("x", 1),
                                                       F.bround(F.lit(25), -1), F.round(F.lit(25), -1),
                                                       F.bround(F.lit(2.25).cast("decimal(4,2)"), 1),
                                                       F.bround(F.lit(2.35).cast("decimal(4,2)"), 1))))
check("bround_names", lambda: names_types(nums.select(F.bround("x"), F.bround(F.lit(2.25).cast("decimal(4,2)"), 1))))
wb = spark.createDataFrame([(5.3, 0.2, 10.6, 5), (-2.1, 1.3, 3.4, 3), (8.1, 0.0, 5.7, 4), (-0.9, 5.2, 0.5, 2),
                            (1.0, 1.0, 1.0, 3), (None, 0.0, 1.0, 3), (1.0, 0.0, 2.0, 0)], ["v", "min", "max", "n"])
check("width_bucket", lambda: rows(wb.select(F.width_bucket("v", "min", "max", "n"))))
check("width_bucket_names", lambda: names_types(wb.select(F.width_bucket("v", "min", "max", "n"))))

g = spark.createDataFrame([("a", 1, 2.0), ("a", 3, None), ("a", None, 4.0), ("b", None, None), ("c", 6, 0.5),
                           ("c", 5, 8.0), ("c", 6, 1.0)], "k string, i int, d double")
check("aggs", lambda: rows(g.groupBy("k").agg(F.product("i"), F.product("d"), F.bit_and("i"), F.bit_or("i"),
                                              F.bit_xor("i"), F.sum_distinct("i"), F.avg(F.col("i")).alias("avg"),
                                              F.count_distinct("i", "d"), F.countDistinct("i")).orderBy("k")))
check("aggs_names", lambda: names_types(g.groupBy("k").agg(F.product("i"), F.bit_and("i"), F.bit_xor(F.col("i").cast("long")),
                                                           F.sum_distinct("i"), F.count_distinct("i", "d"))))
g.createOrReplaceTempView("g")
check("sql_distinct", lambda: rows(spark.sql("SELECT k, sum(DISTINCT i), avg(DISTINCT i), count(DISTINCT i, d), "
                                             "max(DISTINCT i) FROM g GROUP BY k ORDER BY k")))
check("sql_distinct_names", lambda: spark.sql("SELECT sum(DISTINCT i), count(DISTINCT i, d), product(i), bit_or(i) FROM g").columns)
check("empty_aggs", lambda: rows(g.where("k = 'z'").agg(F.product("i"), F.bit_and("i"), F.sum_distinct("i"),
                                                        F.count_distinct("i", "d"))))
h = spark.createDataFrame([("a", 1), ("a", 2), ("a", 3), ("b", 8), ("b", 2)], ["c1", "c2"])
check("histogram", lambda: rows(h.select(F.histogram_numeric("c2", F.lit(5)))))
check("histogram_merged", lambda: rows(spark.createDataFrame([(1,), (2,), (10,), (None,)], "v long")
                                       .select(F.histogram_numeric("v", F.lit(2)), F.histogram_numeric(F.col("v") * 1.0, F.lit(2)))))
check("histogram_names", lambda: names_types(h.select(F.histogram_numeric("c2", F.lit(5)))))
cms = spark.createDataFrame([[1], [2], [1]], ["data"])
check("cms", lambda: cms.agg(F.count_min_sketch(cms.data, F.lit(0.5), F.lit(0.5), F.lit(1)).alias("s"))
      .select(F.hex("s")).first()[0])
check("cms_names", lambda: names_types(cms.agg(F.count_min_sketch(cms.data, F.lit(0.5), F.lit(0.5), F.lit(1)))))

spark.conf.set("spark.sql.session.timeZone", "America/Los_Angeles")
# Timestamps made from text in the session zone (a naive datetime would be read in the Python
# process's zone), results shown as strings in the session zone.
iv = spark.createDataFrame([(1, 12, 30, 1.001001, "2024-03-09 12:00:00", datetime.date(2024, 2, 28)),
                            (-2, 0, 0, 0.5, None, datetime.date(2023, 2, 28))],
                           "d int, h int, m int, s double, tss string, dt date").withColumn("ts", F.col("tss").cast("timestamp"))
check("make_dt", lambda: rows(iv.select(F.make_dt_interval("d", "h", "m", "s"), F.make_dt_interval("d"),
                                        F.make_dt_interval())))
check("make_dt_show", lambda: iv.select(F.make_dt_interval("d", "h", "m", "s").alias("r"))._show_string(truncate=False))
check("make_dt_names", lambda: names_types(iv.select(F.make_dt_interval("d", "h", "m", "s"))))
check("literals", lambda: names_types(spark.sql(
    "SELECT INTERVAL '1' DAY, INTERVAL 2 HOURS 3 MINUTES, INTERVAL '1 02:03:04.5' DAY TO SECOND, "
    "INTERVAL '10:30' HOUR TO MINUTE, INTERVAL -90 SECONDS, INTERVAL 1 WEEK 500 MILLISECONDS")))
check("literal_values", lambda: rows(spark.sql(
    "SELECT INTERVAL '1' DAY, INTERVAL 2 HOURS 3 MINUTES, INTERVAL '1 02:03:04.5' DAY TO SECOND, "
    "INTERVAL '10:30' HOUR TO MINUTE, INTERVAL -90 SECONDS, CAST(INTERVAL 2 HOURS 3 MINUTES AS STRING)")))
iv.createOrReplaceTempView("iv")
check("arith", lambda: rows(spark.sql(
    "SELECT string(ts + INTERVAL '1' DAY), string(ts - INTERVAL 90 MINUTES), dt + INTERVAL '1' DAY, "
    "string(dt + INTERVAL '1 01:00' DAY TO MINUTE), "
    "ts - TIMESTAMP '2024-03-09 00:00:00', dt - DATE '2023-01-01', dt + 1, "
    "INTERVAL '1' DAY + INTERVAL '2' HOUR, INTERVAL '1' DAY * 3, INTERVAL '1' DAY / 4, -INTERVAL '1' HOUR, "
    "try_divide(INTERVAL '1' DAY, 0) FROM iv ORDER BY d DESC")))
check("arith_types", lambda: names_types(spark.sql(
    "SELECT ts - TIMESTAMP '2024-03-09 00:00:00' AS a, dt - DATE '2023-01-01' AS b, "
    "INTERVAL '1' DAY + INTERVAL '2' HOUR AS c, dt + INTERVAL '1 01:00' DAY TO MINUTE AS d FROM iv")))
check("interval_show", lambda: spark.sql("SELECT ts - TIMESTAMP '2024-03-09 00:00:00' AS a FROM iv")._show_string(truncate=False))

check("day", lambda: rows(spark.createDataFrame([("2015-04-08",), (None,)], ["dt"]).select(F.day("dt").alias("day"))))
tt = spark.createDataFrame([("1997-02-28 10:30:00",), ("nope",)], ["t"])
check("try_to_timestamp", lambda: rows(tt.select(F.try_to_timestamp(tt.t).cast("string"),
                                                 F.try_to_timestamp(tt.t, F.lit("yyyy-MM-dd HH:mm:ss")).cast("string"))))
check("convert_timezone", lambda: rows(spark.createDataFrame([("2015-04-08",)], ["dt"]).select(
    F.convert_timezone(F.lit("America/Los_Angeles"), F.lit("Asia/Hong_Kong"), "dt"),
    F.convert_timezone(None, F.lit("UTC"), "dt"))))
check("make_ts_ntz", lambda: names_types(spark.createDataFrame([[2014, 12, 28, 6, 30, 45.887]], ["y", "mo", "d", "h", "mi", "s"])
      .select(F.make_timestamp_ntz("y", "mo", "d", "h", "mi", "s"), F.make_timestamp_ltz("y", "mo", "d", "h", "mi", "s"))))
spark.conf.set("spark.sql.session.timeZone", "UTC")
wdf = spark.createDataFrame([(datetime.datetime(2016, 3, 11, 9, 0, 7), 1), (datetime.datetime(2016, 3, 11, 9, 0, 9), 2),
                             (datetime.datetime(2016, 3, 11, 9, 0, 12), 3), (None, 4)], "date timestamp, val int")
check("window", lambda: rows(wdf.groupBy(F.window("date", "5 seconds")).agg(F.sum("val").alias("sum"))
                            .select(F.col("window.start").cast("string"), F.col("window.end").cast("string"), "sum")
                            .orderBy("start")))
check("window_offset", lambda: rows(wdf.where("date is not null").select(F.window("date", "10 seconds", startTime="3 seconds"))
                                   .select("window.start").orderBy("start")))
check("window_schema", lambda: names_types(wdf.select(F.window("date", "5 seconds"))))
check("sliding", lambda: first_error(lambda: wdf.select(F.window("date", "10 seconds", "5 seconds")).collect()))
emit()
spark.stop()
'''


def test_intervals_and_aggregates(tmp_path):
    res = jobs.submit_ok(jobs.write_job(tmp_path, "fns.py", JOB), master="local[2]", timeout=180)
    r = res.result
    assert r("unary") == [[-1, 1, 1, 64, 64, 1, 1], [6, -6, -6, 2, 2, 1, 1], [None, None, None, None, None, None, None],
                          [3, -3, -3, 2, 2, 0, 0]]
    assert r("unary_names") == [["(+ i)", "negative(i)", "(- i)", "bit_count(i)", "bit_get(l, 0)", "getbit(l, 2)"],
                                ["int", "int", "int", "int", "tinyint", "tinyint"]]
    assert "BIT_POSITION_RANGE" in r("bit_get_range") and "[0, 32)" in r("bit_get_range")
    assert r("bround") == [[2.0, 3.0, 2.5, 20, 30, "2.2", "2.4"], [4.0, 4.0, 3.5, 20, 30, "2.2", "2.4"],
                           [-2.0, -3.0, -2.5, 20, 30, "2.2", "2.4"], [None, None, None, 20, 30, "2.2", "2.4"]]
    assert r("bround_names") == [["bround(x, 0)", "bround(CAST(2.25 AS DECIMAL(4,2)), 1)"], ["double", "decimal(4,1)"]]
    assert r("width_bucket") == [[3], [0], [5], [3], [None], [None], [None]]
    assert r("width_bucket_names") == [["width_bucket(v, min, max, n)"], ["bigint"]]
    # k, product(i), product(d), bit_and, bit_or, bit_xor, sum(DISTINCT i), avg, count(DISTINCT i, d), count(DISTINCT i)
    assert r("aggs") == [["a", 3.0, 8.0, 1, 3, 2, 4, 2.0, 1, 2], ["b", None, None, None, None, None, None, None, 0, 0],
                         ["c", 180.0, 4.0, 4, 7, 5, 11, 17 / 3, 3, 2]]
    assert r("aggs_names") == [["k", "product(i)", "bit_and(i)", "bit_xor(CAST(i AS BIGINT))", "sum(DISTINCT i)",
                                "count(DISTINCT i, d)"], ["string", "double", "int", "bigint", "bigint", "bigint"]]
    assert r("sql_distinct") == [["a", 4, 2.0, 1, 3], ["b", None, None, 0, None], ["c", 11, 5.5, 3, 6]]
    assert r("sql_distinct_names") == ["sum(DISTINCT i)", "count(DISTINCT i, d)", "product(i)", "bit_or(i)"]
    assert r("empty_aggs") == [[None, None, None, 0]]
    # One bin per value (every value its own partial histogram, as Spark's answer on 5 partitions).
    assert r("histogram") == [[[[1, 1.0], [2, 1.0], [2, 1.0], [3, 1.0], [8, 1.0]]]]
    assert r("histogram_merged") == [[[[1, 2.0], [10, 1.0]], [[1.5, 2.0], [10.0, 1.0]]]]
    assert r("histogram_names") == [["histogram_numeric(c2, 5)"], ["array<struct<x:bigint,y:double>>"]]
    assert r("cms") == ("0000000100000000000000030000000100000004000000005D8D6AB9"
                        "0000000000000000000000000000000200000000000000010000000000000000")
    assert r("cms_names") == [["count_min_sketch(data, 0.5, 0.5, 1)"], ["binary"]]

    assert r("make_dt") == [["1 day, 12:30:01.001001", "1 day, 0:00:00", "0:00:00"],
                            ["-2 days, 0:00:00.500000", "-2 days, 0:00:00", "0:00:00"]]
    assert r("make_dt_show").splitlines()[3] == "|INTERVAL '1 12:30:01.001001' DAY TO SECOND|"
    assert r("make_dt_show").splitlines()[4] == "|INTERVAL '-1 23:59:59.5' DAY TO SECOND    |"
    assert r("make_dt_names") == [["make_dt_interval(d, h, m, s)"], ["interval day to second"]]
    assert r("literals") == [["INTERVAL '1' DAY", "INTERVAL '02:03' HOUR TO MINUTE",
                              "INTERVAL '1 02:03:04.5' DAY TO SECOND", "INTERVAL '10:30' HOUR TO MINUTE",
                              "INTERVAL '-90' SECOND", "INTERVAL '7 00:00:00.5' DAY TO SECOND"],
                             ["interval day", "interval hour to minute", "interval day to second",
                              "interval hour to minute", "interval second", "interval day to second"]]
    assert r("literal_values") == [["1 day, 0:00:00", "2:03:00", "1 day, 2:03:04.500000", "10:30:00", "-1 day, 23:58:30",
                                    "INTERVAL '02:03' HOUR TO MINUTE"]]
    # DST starts 2024-03-10 02:00 in Los Angeles: a day is added on the wall clock (12:00 again,
    # 23 hours later), as DateTimeUtils.timestampAddDayTime.
    assert r("arith") == [
        ["2024-03-10 12:00:00", "2024-03-09 10:30:00", "2024-02-29", "2024-02-29 01:00:00", "12:00:00",
         "423 days, 0:00:00", "2024-02-29", "1 day, 2:00:00", "3 days, 0:00:00", "6:00:00", "-1 day, 23:00:00", None],
        [None, None, "2023-03-01", "2023-03-01 01:00:00", None, "58 days, 0:00:00", "2023-03-01", "1 day, 2:00:00",
         "3 days, 0:00:00", "6:00:00", "-1 day, 23:00:00", None]]
    assert r("arith_types") == [["a", "b", "c", "d"], ["interval day to second", "interval day", "interval day to hour",
                                                       "timestamp"]]
    assert r("interval_show").splitlines()[3] == "|INTERVAL '0 12:00:00' DAY TO SECOND|"
    assert r("day") == [[8], [None]]
    assert r("try_to_timestamp") == [["1997-02-28 10:30:00", "1997-02-28 10:30:00"], [None, None]]
    assert r("convert_timezone") == [["2015-04-08 15:00:00", "2015-04-08 07:00:00"]]
    assert r("make_ts_ntz") == [["make_timestamp_ntz(y, mo, d, h, mi, s)", "make_timestamp_ltz(y, mo, d, h, mi, s)"],
                                ["timestamp_ntz", "timestamp"]]
    assert r("window") == [[None, None, 4], ["2016-03-11 09:00:05", "2016-03-11 09:00:10", 3],
                           ["2016-03-11 09:00:10", "2016-03-11 09:00:15", 3]]
    assert r("window_offset") == [["2016-03-11 09:00:03"], ["2016-03-11 09:00:03"], ["2016-03-11 09:00:03"]]
    assert r("window_schema") == [["window"], ["struct<start:timestamp,end:timestamp>"]]
    assert "sliding time windows" in r("sliding")
