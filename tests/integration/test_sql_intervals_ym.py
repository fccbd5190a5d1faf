"""Issue 14's year-month and calendar intervals on the native engine, one job:
YearMonthIntervalType (INTERVAL year/month literals in every form Spark 3.5 parses, make_ym_interval,
date/timestamp ± months with the day clamped to the month's end, interval ± × ÷ and negation,
grouping and sorting, CAST to string, show and collect as months) and the legacy
CalendarIntervalType of make_interval (its text, date/timestamp + interval on the session zone's
wall clock, interval arithmetic), with Spark's column names, types and parse errors; and SQL
range()'s default partition count."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
import datetime
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("intervals-ym").getOrCreate()
spark.conf.set("spark.sql.session.timeZone", "America/Los_Angeles")

def rows(d):
    return [[str(v) if isinstance(v, (datetime.date, datetime.timedelta)) else v for v in r] for r in d.collect()]

def names_types(d):
    return [d.columns, [t for _, t in d.dtypes]]

lits = spark.sql("SELECT INTERVAL '1-2' YEAR TO MONTH, INTERVAL 3 MONTHS, INTERVAL 1 YEAR 2 MONTHS, "
                 "INTERVAL '2' YEAR, INTERVAL -'1-11' YEAR TO MONTH, INTERVAL '1 year 2 months', "
                 "INTERVAL '1 day 2 hours', INTERVAL '-3' MONTH")
check("literal_names", lambda: names_types(lits))
check("literal_values", lambda: rows(lits))
check("mixed", lambda: first_error(lambda: spark.sql("SELECT INTERVAL 1 YEAR 2 DAYS").collect()))
check("mixed_string", lambda: first_error(lambda: spark.sql("SELECT INTERVAL '1 year 2 second'").collect()))
check("from_to", lambda: first_error(lambda: spark.sql("SELECT INTERVAL '1-2' YEAR TO DAY").collect()))
# Casts Spark refuses at analysis (numbers only into single-field intervals, intervals only back
# to integral numbers); the others are in test_sql_interval_casts.py.
check("cast_refused", lambda: [first_error(lambda: spark.sql(q).collect()) for q in
                               ("SELECT CAST(3 AS INTERVAL DAY TO HOUR)", "SELECT CAST(14 AS INTERVAL YEAR TO MONTH)",
                                "SELECT CAST(INTERVAL '3' DAY AS DOUBLE)")])
check("bad_ym", lambda: first_error(lambda: spark.sql("SELECT INTERVAL '1-12' YEAR TO MONTH").collect()))

ym = spark.createDataFrame([(2014, 12), (-1, 5), (None, 1), (0, -13)], ["year", "month"])
check("make_ym", lambda: rows(ym.select(F.make_ym_interval("year", "month"), F.make_ym_interval("year"),
                                        F.make_ym_interval())))
check("make_ym_names", lambda: names_types(ym.select(F.make_ym_interval("year", "month"), F.make_ym_interval("year"))))
check("make_ym_show", lambda: ym.select(F.make_ym_interval("year", "month").alias("r"))._show_string(truncate=False))
check("make_ym_cast", lambda: rows(ym.select(F.make_ym_interval("year", "month").cast("string"))))

d = spark.createDataFrame([(datetime.date(2024, 1, 31), datetime.datetime(2024, 1, 31, 12, 30), 1),
                           (datetime.date(2023, 12, 31), datetime.datetime(2024, 3, 9, 12, 0), 14),
                           (None, None, None)], "dt date, ts timestamp, m int")
d.createOrReplaceTempView("d")
arith = spark.sql(
    "SELECT dt + INTERVAL '1' MONTH AS a, dt - INTERVAL '1-1' YEAR TO MONTH AS b, ts + INTERVAL 1 MONTH AS c, "
    "make_ym_interval(0, m) + INTERVAL '1' YEAR AS e, make_ym_interval(0, m) * 3 AS f, "
    "make_ym_interval(0, m) / 4 AS g, -make_ym_interval(1, m) AS h, INTERVAL '1' YEAR - make_ym_interval(0, m) AS i "
    "FROM d")
check("arith", lambda: rows(arith))
check("arith_types", lambda: names_types(arith))
check("arith_show", lambda: arith.select("e", "h")._show_string(truncate=False))
g = spark.createDataFrame([(1, 13), (2, 1), (3, 13), (4, None)], "id int, m int").select(
    F.make_ym_interval(F.lit(0), "m").alias("iv"))
check("group_sort", lambda: rows(g.groupBy("iv").count().orderBy("iv")))

cal = spark.createDataFrame([[100, 11, 1, 1, 12, 30, 1.001001]], ["year", "month", "week", "day", "hour", "min", "sec"])
check("make_interval_show", lambda: [cal.select(F.make_interval(*cols).alias("r"))._show_string(truncate=False)
                                     for cols in (["year", "month", "week", "day", "hour", "min", "sec"],
                                                  ["year", "month", "week", "day"], ["year"])])
check("make_interval_names", lambda: names_types(cal.select(F.make_interval("year", "month"),
                                                            F.make_interval("year", "month", "week", "day", "hour", "min", "sec"))))
check("make_interval_cast", lambda: rows(spark.sql(
    "SELECT CAST(make_interval(0, 0, 0, 0, 0, 0, 0) AS STRING), CAST(make_interval(-1, -2, 0, -3, -4, -5, -6.5) AS STRING), "
    "CAST(make_interval(0, 14, 0, 0, 0, 0, 0.25) AS STRING)")))
cal_arith = spark.sql(
    "SELECT dt + make_interval(0, 1, 0, 1, 0, 0, 0) AS a, ts + make_interval(0, 1, 0, 1, 1, 0, 0) AS b, "
    "CAST(make_interval(1, 1, 0, 1, 0, 0, 0) + make_interval(0, 11, 1, 0, 0, 0, 1.5) AS STRING) AS c, "
    "CAST(make_interval(0, 3, 0, 3, 0, 0, 3) * 2 AS STRING) AS e, "
    "CAST(make_interval(0, 3, 0, 3, 0, 0, 0) / 2 AS STRING) AS f, CAST(-make_interval(0, 1, 0, 2, 0, 0, 0) AS STRING) AS h "
    "FROM d")
check("cal_arith", lambda: rows(cal_arith))
check("cal_arith_types", lambda: [t for _, t in cal_arith.dtypes])

# SQL range() without a partition count: the context's defaultParallelism (3 on local[3]), or
# spark.sql.leafNodeDefaultParallelism.
check("range_default", lambda: [spark.sql("SELECT * FROM range(10)").rdd.getNumPartitions(),
                                spark.sql("SELECT * FROM range(0, 10, 1, 4)").rdd.getNumPartitions()])
spark.conf.set("spark.sql.leafNodeDefaultParallelism", "5")
check("range_leaf", lambda: [spark.sql("SELECT * FROM range(10)").rdd.getNumPartitions(),
                             spark.sql("SELECT sum(id) FROM range(10)").collect()[0][0]])
emit()
spark.stop()
'''


def test_year_month_and_calendar_intervals(tmp_path):
    res = jobs.submit_ok(jobs.write_job(tmp_path, "ym.py", JOB), master="local[3]", timeout=180)
    r = res.result
    assert r("literal_names") == [
        ["INTERVAL '1-2' YEAR TO MONTH", "INTERVAL '3' MONTH", "INTERVAL '1-2' YEAR TO MONTH", "INTERVAL '2' YEAR",
         "INTERVAL '-1-11' YEAR TO MONTH", "INTERVAL '1-2' YEAR TO MONTH", "INTERVAL '1 02' DAY TO HOUR",
         "INTERVAL '-3' MONTH"],
        ["interval year to month", "interval month", "interval year to month", "interval year",
         "interval year to month", "interval year to month", "interval day to hour", "interval month"]]
    assert r("literal_values") == [[14, 3, 14, 24, -23, 14, "1 day, 2:00:00", -3]]
    assert "_LEGACY_ERROR_TEMP_0029" in r("mixed")
    assert "Cannot mix year-month and day-time fields: INTERVAL 1 YEAR 2 DAYS" in r("mixed")
    assert "Cannot mix year-month and day-time fields: INTERVAL '1 year 2 second'" in r("mixed_string")
    assert "Intervals FROM year TO day are not supported." in r("from_to")
    assert "1-12" in r("bad_ym")
    for e in r("cast_refused"):
        assert "DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION" in e

    assert r("make_ym") == [[24180, 24168, 0], [-7, -12, 0], [None, None, 0], [-13, 0, 0]]
    assert r("make_ym_names") == [["make_ym_interval(year, month)", "make_ym_interval(year, 0)"],
                                  ["interval year to month", "interval year to month"]]
    assert r("make_ym_show").splitlines()[1] == "|r                              |"
    assert r("make_ym_show").splitlines()[3] == "|INTERVAL '2015-0' YEAR TO MONTH|"
    assert r("make_ym_show").splitlines()[4] == "|INTERVAL '-0-7' YEAR TO MONTH  |"
    assert r("make_ym_cast") == [["INTERVAL '2015-0' YEAR TO MONTH"], ["INTERVAL '-0-7' YEAR TO MONTH"], [None],
                                 ["INTERVAL '-1-1' YEAR TO MONTH"]]

    # Months are added on the calendar, the day clamped to the month's end (LocalDate.plusMonths);
    # a timestamp keeps its wall-clock time in the session zone across DST (2024-03-10 in Los
    # Angeles: 04:00 PST is 12:00 UTC, a month later 04:00 PDT is 11:00 UTC, as collected here).
    assert r("arith") == [
        ["2024-02-29", "2022-12-31", "2024-02-29 12:30:00", 13, 3, 0, -13, 11],
        ["2024-01-31", "2022-11-30", "2024-04-09 11:00:00", 26, 42, 4, -26, -2],
        [None, None, None, None, None, None, None, None]]
    assert r("arith_types") == [["a", "b", "c", "e", "f", "g", "h", "i"],
                                ["date", "date", "timestamp", "interval year to month", "interval year to month",
                                 "interval year to month", "interval year to month", "interval year to month"]]
    assert r("arith_show").splitlines()[3] == "|INTERVAL '1-1' YEAR TO MONTH|INTERVAL '-1-1' YEAR TO MONTH|"
    assert r("group_sort") == [[None, 1], [1, 1], [13, 2]]

    shows = r("make_interval_show")
    assert shows[0].splitlines()[3] == "|100 years 11 months 8 days 12 hours 30 minutes 1.001001 seconds|"
    assert shows[1].splitlines()[3] == "|100 years 11 months 8 days|"
    assert shows[2].splitlines()[3] == "|100 years|"
    assert r("make_interval_names") == [
        ["make_interval(year, month, 0, 0, 0, 0, 0)", "make_interval(year, month, week, day, hour, min, sec)"],
        ["interval", "interval"]]
    assert r("make_interval_cast") == [["0 seconds", "-1 years -2 months -3 days -4 hours -5 minutes -6.5 seconds",
                                        "1 years 2 months 0.25 seconds"]]
    assert r("cal_arith") == [
        ["2024-03-01", "2024-03-01 13:30:00", "2 years 8 days 1.5 seconds", "6 months 6 days 6 seconds",
         "1 months 1 days 12 hours", "-1 months -2 days"],
        ["2024-02-01", "2024-04-10 12:00:00", "2 years 8 days 1.5 seconds", "6 months 6 days 6 seconds",
         "1 months 1 days 12 hours", "-1 months -2 days"],
        [None, None, "2 years 8 days 1.5 seconds", "6 months 6 days 6 seconds", "1 months 1 days 12 hours",
         "-1 months -2 days"]]
    assert r("cal_arith_types") == ["date", "timestamp", "string", "string", "string", "string"]
    assert r("range_default") == [3, 4]
    assert r("range_leaf") == [5, 45]
