"""Issue 14's datetime family beyond the basic parts, natively: to_timestamp / to_date with a
pattern, date_format, unix_timestamp (0/1/2 args), to_unix_timestamp, from_unixtime, date_trunc,
trunc, from/to_utc_timestamp, months_between, next_day, make_timestamp, timestamp_seconds/
millis/micros, current_timestamp/now/current_timezone (one value per query), extract/date_part,
date_diff/dateadd — values from PySpark 3.5's docstrings and java.time, in UTC and in
America/Los_Angeles across a DST change; result types, NULLs and column names."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
import datetime
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("fn-dates-2").getOrCreate()
spark.conf.set("spark.sql.session.timeZone", "UTC")

def one(*cols, df=None):
    d = df if df is not None else spark.range(1)
    return [list(r) for r in d.select(*cols).collect()]

def names_types(d):
    return [d.columns, [t for _, t in d.dtypes]]

s = spark.createDataFrame([(1, "1997-02-28 10:30:00"), (2, "2024-03-10 02:30:00"), (3, "garbage"), (4, None)],
                          "id int, s string").repartition(2)
check("parse", lambda: [list(r) for r in s.orderBy("id").select(
    F.unix_seconds(F.to_timestamp("s", "yyyy-MM-dd HH:mm:ss")), F.to_date("s", "yyyy-MM-dd HH:mm:ss").cast("string"),
    F.unix_timestamp("s"), F.unix_timestamp("s", "yyyy-MM-dd HH:mm:ss"), F.to_unix_timestamp("s"),
    F.unix_seconds(F.to_timestamp("s"))).collect()])
check("parse_names", lambda: names_types(s.select(F.to_timestamp("s", "yyyy-MM-dd"), F.to_timestamp("s"),
    F.to_date("s", "yyyy"), F.unix_timestamp("s"), F.to_unix_timestamp("s", F.lit("yyyy")), F.from_unixtime(F.lit(0)),
    F.date_format("s", "yyyy"))))
check("format", lambda: one(F.date_format(F.lit("2015-04-08"), "MM/dd/yyy"),
    F.date_format(F.lit("2015-04-08 13:08:15.5"), "yyyy-MM-dd'T'HH:mm:ss.SSS EEE MMM a hh"),
    F.from_unixtime(F.lit(1428476400)), F.from_unixtime(F.lit(-1), "yyyy-MM-dd HH:mm:ss XXX"),
    F.date_format(F.lit(None).cast("timestamp"), "yyyy")))
t = spark.createDataFrame([("1997-02-28 05:02:11",)], ["t"])
check("trunc", lambda: [[str(x) for x in r] for r in t.select(
    F.date_trunc("year", "t"), F.date_trunc("mon", "t"), F.date_trunc("week", "t"), F.date_trunc("hour", "t"),
    F.date_trunc("quarter", "t"), F.date_trunc("bogus", "t"), F.trunc("t", "year"), F.trunc("t", "mon"),
    F.trunc("t", "dd")).collect()])
check("trunc_names", lambda: names_types(t.select(F.date_trunc("year", "t"), F.trunc("t", "mm"))))
check("months", lambda: one(F.months_between(F.lit("1997-02-28 10:30:00"), F.lit("1996-10-30")),
    F.months_between(F.lit("1997-02-28 10:30:00"), F.lit("1996-10-30"), False),
    F.months_between(F.lit("2024-03-31"), F.lit("2024-02-29")), F.months_between(F.lit(None), F.lit("2024-02-29"))))
check("months_names", lambda: names_types(t.select(F.months_between("t", "t"), F.months_between("t", "t", False))))
check("next_day", lambda: [[str(x) for x in r] for r in spark.createDataFrame([("2015-07-27",)], ["d"]).select(
    F.next_day("d", "Sun"), F.next_day("d", "monday"), F.next_day("d", "nope")).collect()])
check("utc", lambda: [[str(x) for x in r] for r in spark.createDataFrame(
    [("1997-02-28 10:30:00", "JST")], ["ts", "tz"]).select(
    F.from_utc_timestamp("ts", "PST"), F.from_utc_timestamp("ts", F.col("tz")), F.to_utc_timestamp("ts", "PST")).collect()])
check("from_epoch", lambda: [[str(x) for x in r] for r in spark.createDataFrame([(1230219000,)], ["u"]).select(
    F.timestamp_seconds("u"), F.timestamp_millis("u"), F.timestamp_micros("u"),
    F.timestamp_seconds(F.lit(1.5)), F.timestamp_seconds(F.lit(None).cast("int"))).collect()])
check("epoch_types", lambda: names_types(spark.range(1).select(F.timestamp_seconds("id"), F.timestamp_millis("id"),
    F.timestamp_micros("id"), F.next_day(F.lit("2015-07-27"), "Sun"))))
mk = spark.createDataFrame([[2014, 12, 28, 6, 30, 45.887, "CET"], [2023, 2, 29, 0, 0, 0.0, "UTC"],
                            [2014, 12, 31, 23, 59, 60.0, "UTC"]], ["year", "month", "day", "hour", "min", "sec", "tz"])
check("make_ts", lambda: [[str(x) for x in r] for r in mk.select(
    F.make_timestamp("year", "month", "day", "hour", "min", "sec", "tz"),
    F.make_timestamp("year", "month", "day", "hour", "min", "sec")).collect()])
ts = spark.createDataFrame([(datetime.datetime(2015, 4, 8, 13, 8, 15),)], ["ts"])
check("extract", lambda: [list(r) for r in ts.select(
    F.extract(F.lit("YEAR"), "ts"), F.extract(F.lit("month"), "ts"), F.extract(F.lit("WEEK"), "ts"),
    F.extract(F.lit("D"), "ts"), F.extract(F.lit("M"), "ts"), F.extract(F.lit("S"), "ts"),
    F.date_part(F.lit("doy"), "ts"), F.datepart(F.lit("dow"), "ts"), F.date_part(F.lit("quarter"), "ts")).collect()])
check("extract_names", lambda: names_types(ts.select(F.extract(F.lit("YEAR"), "ts"), F.date_part(F.lit("S"), "ts"),
                                                     F.datepart(F.lit("hour"), "ts"))))
check("extract_sql", lambda: [list(r) for r in spark.sql(
    "SELECT extract(YEAR FROM DATE'2019-08-12'), extract(HOUR FROM TIMESTAMP'2019-08-12 01:00:00.123456'), "
    "date_part('SECONDS', TIMESTAMP'2019-10-01 00:00:01.000001'), extract(DAYOFWEEK_ISO FROM DATE'2021-01-03'), "
    "extract(YEAROFWEEK FROM DATE'2021-01-01')").collect()])
check("aliases", lambda: [[str(x) for x in r] for r in spark.createDataFrame([("2015-04-08", "2015-05-10")], ["d1", "d2"]).select(
    F.date_diff("d2", "d1"), F.dateadd("d1", 2), F.dateadd("d1", F.lit(-1))).collect()])
check("alias_names", lambda: spark.createDataFrame([("2015-04-08", "2015-05-10")], ["d1", "d2"]).select(
    F.date_diff("d2", "d1"), F.dateadd("d1", 2)).columns)
# One value per query: every row and reference of current_timestamp() is the same instant.
now = spark.range(0, 2000, 1, 4).select(F.current_timestamp().alias("a"), F.now().alias("b"))
check("now_fixed", lambda: now.agg(F.countDistinct("a"), F.countDistinct("b"), F.sum((F.col("a") == F.col("b")).cast("int"))).collect()[0][:])
check("now_close", lambda: abs((spark.range(1).select(F.current_timestamp()).collect()[0][0] - datetime.datetime.now()).total_seconds()) < 60)
check("now_names", lambda: names_types(spark.range(1).select(F.current_timestamp(), F.now(), F.current_timezone(),
    F.current_date(), F.unix_timestamp())))
check("unix_now", lambda: abs(spark.range(1).select(F.unix_timestamp()).collect()[0][0] - int(datetime.datetime.now().timestamp())) < 60)
spark.conf.set("spark.sql.session.timeZone", "America/Los_Angeles")
check("tz_name", lambda: one(F.current_timezone()))
check("la", lambda: one(F.from_unixtime(F.lit(1428476400)), F.unix_timestamp(F.lit("2015-04-08"), "yyyy-MM-dd"),
    F.to_unix_timestamp(F.lit("2016-04-08"), F.lit("yyyy-MM-dd")),
    F.unix_seconds(F.to_timestamp(F.lit("2024-03-10 02:30"), "yyyy-MM-dd HH:mm")),
    F.date_format(F.to_timestamp(F.lit("2024-11-03 09:30:00+00:00"), "yyyy-MM-dd HH:mm:ssXXX"), "yyyy-MM-dd HH:mm XXX"),
    F.unix_seconds(F.date_trunc("day", F.timestamp_seconds(F.lit(1710072000)))),
    F.hour(F.make_timestamp(F.lit(2014), F.lit(12), F.lit(28), F.lit(6), F.lit(30), F.lit(45.887), F.lit("CET")))))
check("sql_la", lambda: [[str(x) for x in r] for r in spark.sql(
    "SELECT date_format(TIMESTAMP'2024-07-01 12:00:00', 'HH:mm XXX'), from_unixtime(0), unix_timestamp('1970-01-01 00:00:00'), "
    "CAST(to_timestamp('2024-03-10 02:30:00') AS STRING), CAST(date_trunc('HOUR', '2024-11-03 01:30:00') AS STRING), "
    "trunc('2024-11-03', 'WEEK'), CAST(TIMESTAMP'2024-03-10 02:30:00' AS STRING)").collect()])
emit()
spark.stop()
'''


def test_date_functions_more(tmp_path):
    res = jobs.submit_ok(jobs.write_job(tmp_path, "dates2.py", JOB), master="local[2]", timeout=240)
    r = res.result
    assert r("parse") == [[857125800, "1997-02-28", 857125800, 857125800, 857125800, 857125800],
                          [1710037800, "2024-03-10", 1710037800, 1710037800, 1710037800, 1710037800],
                          [None] * 6, [None] * 6]
    assert r("parse_names") == [["to_timestamp(s, yyyy-MM-dd)", "to_timestamp(s)", "to_date(s, yyyy)",
                                 "unix_timestamp(s, yyyy-MM-dd HH:mm:ss)", "to_unix_timestamp(s, yyyy)",
                                 "from_unixtime(0, yyyy-MM-dd HH:mm:ss)", "date_format(s, yyyy)"],
                                ["timestamp", "timestamp", "date", "bigint", "bigint", "string", "string"]]
    assert r("format") == [["04/08/2015", "2015-04-08T13:08:15.500 Wed Apr PM 01", "2015-04-08 07:00:00",
                            "1969-12-31 23:59:59 Z", None]]
    assert r("trunc") == [["1997-01-01 00:00:00", "1997-02-01 00:00:00", "1997-02-24 00:00:00", "1997-02-28 05:00:00",
                           "1997-01-01 00:00:00", "None", "1997-01-01", "1997-02-01", "None"]]
    assert r("trunc_names") == [["date_trunc(year, t)", "trunc(t, mm)"], ["timestamp", "date"]]
    assert r("months") == [[3.94959677, 3.9495967741935485, 1.0, None]]
    assert r("months_names") == [["months_between(t, t, true)", "months_between(t, t, false)"], ["double", "double"]]
    assert r("next_day") == [["2015-08-02", "2015-08-03", "None"]]
    assert r("utc") == [["1997-02-28 02:30:00", "1997-02-28 19:30:00", "1997-02-28 18:30:00"]]
    assert r("from_epoch") == [["2008-12-25 15:30:00", "1970-01-15 05:43:39", "1970-01-01 00:20:30.219000",
                                "1970-01-01 00:00:01.500000", "None"]]
    assert r("epoch_types") == [["timestamp_seconds(id)", "timestamp_millis(id)", "timestamp_micros(id)",
                                 "next_day(2015-07-27, Sun)"], ["timestamp", "timestamp", "timestamp", "date"]]
    assert r("make_ts") == [["2014-12-28 05:30:45.887000", "2014-12-28 06:30:45.887000"], ["None", "None"],
                            ["2015-01-01 00:00:00", "2015-01-01 00:00:00"]]
    assert r("extract") == [[2015, 4, 15, 8, 8, "Decimal('15.000000')", 98, 4, 2]]
    assert r("extract_names") == [["extract(YEAR FROM ts)", "date_part(S, ts)", "datepart(hour, ts)"],
                                  ["int", "decimal(8,6)", "int"]]
    assert r("extract_sql") == [[2019, 1, "Decimal('1.000001')", 7, 2020]]
    assert r("aliases") == [["32", "2015-04-10", "2015-04-07"]]
    assert r("alias_names") == ["date_diff(d2, d1)", "date_add(d1, 2)"]
    assert r("now_fixed") == [1, 1, 2000]
    assert r("now_close") is True
    assert r("now_names") == [["current_timestamp()", "now()", "current_timezone()", "current_date()",
                               "unix_timestamp(current_timestamp(), yyyy-MM-dd HH:mm:ss)"],
                              ["timestamp", "timestamp", "string", "date", "bigint"]]
    assert r("unix_now") is True
    assert r("tz_name") == [["America/Los_Angeles"]]
    assert r("la") == [["2015-04-08 00:00:00", 1428476400, 1460098800, 1710066600, "2024-11-03 01:30 -08:00",
                        1710057600, 21]]
    assert r("sql_la") == [["12:00 -07:00", "1969-12-31 16:00:00", "28800", "2024-03-10 03:30:00",
                            "2024-11-03 01:00:00", "2024-10-28", "2024-03-10 03:30:00"]]
