"""Date/time functions of issue 14 on the native engine: hour/minute/second, date_add/date_sub,
datediff, add_months, last_day vs hand-computed values (leap years, month ends, negative epochs,
NULLs), result types and column names. The session time zone is UTC (the engine's convention)."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
import datetime
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("fn-dates").getOrCreate()

def rows(d):
    return [list(r) for r in d.orderBy("id").drop("id").collect()]

def names_types(d):
    return [d.columns, [t for _, t in d.dtypes]]

ts = spark.createDataFrame([(1, "2015-04-08 13:08:15"), (2, "1969-12-31 23:59:59.999999"), (3, "2024-02-29 00:00:00"),
                            (4, None), (5, "not a time")], "id int, s string").withColumn("t", F.col("s").cast("timestamp"))
check("time_parts", lambda: rows(ts.select("id", F.hour("t"), F.minute("t"), F.second("t"))))
check("time_parts_str", lambda: rows(ts.select("id", F.hour("s"), F.minute("s"), F.second("s"))))
check("time_names", lambda: names_types(ts.select(F.hour("t"), F.minute("s"), F.second("t"))))
dates = spark.createDataFrame([(1, datetime.date(2024, 1, 31), 1), (2, datetime.date(2023, 1, 31), -11),
                               (3, datetime.date(1969, 12, 31), 2), (4, None, 3), (5, datetime.date(2024, 2, 29), None),
                               (6, datetime.date(2000, 3, 31), -1)], "id int, d date, k int")
check("arith", lambda: rows(dates.select("id", F.date_add("d", 1), F.date_sub("d", 1), F.date_add("d", "k"),
                                         F.add_months("d", "k"), F.add_months("d", 1), F.last_day("d"),
                                         F.datediff("d", F.lit("2024-01-01")))))
check("arith_names", lambda: names_types(dates.select(F.date_add("d", 1), F.date_sub("d", "k"), F.add_months("d", 1),
                                                      F.last_day("d"), F.datediff("d", "d"))))
check("docs", lambda: [list(r) for r in spark.createDataFrame([("2015-04-08", 2)], ["dt", "add"]).select(
    F.date_add("dt", 1), F.date_add("dt", "add"), F.date_sub("dt", 1), F.add_months("dt", 1),
    F.datediff(F.lit("2015-05-10"), "dt"), F.last_day(F.lit("1997-02-10")), F.hour(F.lit("2015-04-08 13:08:15"))).collect()])
check("sql", lambda: [list(r) for r in spark.sql(
    "SELECT date_add('2016-07-30', 1), date_sub('2016-07-30', 1), datediff('2009-07-31', '2009-07-30'), "
    "add_months('2016-08-31', 1), last_day('2009-01-12'), hour('2009-07-30 12:58:59'), "
    "minute('2009-07-30 12:58:59'), second('2009-07-30 12:58:59'), date_add(DATE'2020-01-01', CAST(3 AS TINYINT))").collect()])
check("more", lambda: rows(dates.select("id", F.weekday("d"), F.unix_date("d"), F.date_from_unix_date(F.unix_date("d")),
                                        F.make_date(F.year("d"), F.lit(2), F.dayofmonth("d")))))
check("unix", lambda: rows(ts.select("id", F.unix_seconds("t"), F.unix_millis("t"), F.unix_micros("t"))))
check("more_names", lambda: names_types(ts.select(F.unix_seconds("t"), F.unix_millis("t"), F.unix_micros("t"),
                                                  F.weekday(F.lit("2024-01-01")), F.make_date(F.lit(2024), F.lit(2), F.lit(30)),
                                                  F.unix_date(F.lit("1970-01-02")), F.date_from_unix_date(F.lit(1)))))
check("more_sql", lambda: [list(r) for r in spark.sql(
    "SELECT weekday('2009-07-30'), make_date(2013, 7, 15), make_date(2019, 7, NULL), make_date(2019, 13, 1), "
    "unix_date(DATE'1970-01-02'), date_from_unix_date(1), unix_seconds('1970-01-01 00:00:01'), "
    "unix_millis('1970-01-01 00:00:01'), unix_micros('1970-01-01 00:00:01')").collect()])
# Spark's implicit numeric casts narrow BIGINT days to INT (ImplicitTypeCasts).
check("bigint_days", lambda: rows(dates.select("id", F.date_add("d", F.lit(40).cast("bigint")))))
emit()
spark.stop()
'''


def test_date_functions(tmp_path):
    import datetime as dt
    res = jobs.submit_ok(jobs.write_job(tmp_path, "dates.py", JOB), master="local[2]", timeout=180)
    r = res.result
    assert r("time_parts") == [[13, 8, 15], [23, 59, 59], [0, 0, 0], [None] * 3, [None] * 3]
    assert r("time_parts_str") == r("time_parts")
    assert r("time_names") == [["hour(t)", "minute(s)", "second(t)"], ["int"] * 3]
    def D(*ymd):  # dates travel back as their repr
        return repr(dt.date(*ymd))
    assert r("arith") == [
        [D(2024, 2, 1), D(2024, 1, 30), D(2024, 2, 1), D(2024, 2, 29), D(2024, 2, 29), D(2024, 1, 31), 30],
        [D(2023, 2, 1), D(2023, 1, 30), D(2023, 1, 20), D(2022, 2, 28), D(2023, 2, 28), D(2023, 1, 31), -335],
        [D(1970, 1, 1), D(1969, 12, 30), D(1970, 1, 2), D(1970, 2, 28), D(1970, 1, 31), D(1969, 12, 31), -19724],
        [None] * 7,
        [D(2024, 3, 1), D(2024, 2, 28), None, None, D(2024, 3, 29), D(2024, 2, 29), 59],
        [D(2000, 4, 1), D(2000, 3, 30), D(2000, 3, 30), D(2000, 2, 29), D(2000, 4, 30), D(2000, 3, 31), -8676],
    ]
    assert r("arith_names") == [["date_add(d, 1)", "date_sub(d, k)", "add_months(d, 1)", "last_day(d)", "datediff(d, d)"],
                                ["date"] * 4 + ["int"]]
    assert r("docs") == [[D(2015, 4, 9), D(2015, 4, 10), D(2015, 4, 7), D(2015, 5, 8), 32, D(1997, 2, 28), 13]]
    assert r("sql") == [[D(2016, 7, 31), D(2016, 7, 29), 1, D(2016, 9, 30), D(2009, 1, 31), 12, 58, 59, D(2020, 1, 4)]]
    assert r("more") == [[2, 19753, D(2024, 1, 31), None], [1, 19388, D(2023, 1, 31), None],
                         [2, -1, D(1969, 12, 31), None], [None, None, None, None],
                         [3, 19782, D(2024, 2, 29), D(2024, 2, 29)], [4, 11047, D(2000, 3, 31), None]]
    assert r("unix") == [[1428498495, 1428498495000, 1428498495000000], [-1, -1, -1],
                         [1709164800, 1709164800000, 1709164800000000], [None] * 3, [None] * 3]
    assert r("more_names") == [["unix_seconds(t)", "unix_millis(t)", "unix_micros(t)", "weekday(2024-01-01)",
                                "make_date(2024, 2, 30)", "unix_date(1970-01-02)", "date_from_unix_date(1)"],
                               ["bigint"] * 3 + ["int", "date", "int", "date"]]
    assert r("more_sql") == [[3, D(2013, 7, 15), None, None, 1, D(1970, 1, 2), 1, 1000, 1000000]]
    assert r("bigint_days")[0] == [D(2024, 3, 11)]
