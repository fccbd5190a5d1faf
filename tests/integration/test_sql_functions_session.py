"""PySpark 3.5 functions the audit of issue 14 found missing: curdate, current_database /
current_schema / current_catalog / current_user / user (ReplaceCurrentLike: literals of the
session per query), to_timestamp_ltz / to_timestamp_ntz, call_function, and the deprecated
toDegrees / toRadians / bitwiseNOT / approxCountDistinct — values, nulls, types and names as
Spark 3.5's, in the DataFrame API and in SQL."""
import getpass
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
import datetime, warnings
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("functions-session").getOrCreate()
spark.conf.set("spark.sql.session.timeZone", "America/Los_Angeles")
one = spark.range(1)

def named(df):
    return [df.columns, [list(r) for r in df.collect()], [f.dataType.simpleString() for f in df.schema.fields]]

check("curdate", lambda: named(one.select(F.curdate() == F.current_date())))
check("session_values", lambda: named(one.select(F.current_database(), F.current_schema(), F.current_catalog())))
check("users", lambda: named(one.select(F.current_user(), F.user())))
check("sql_values", lambda: named(spark.sql(
    "SELECT current_database(), current_schema(), current_catalog(), current_user(), user(), curdate() = current_date()")))
spark.sql("CREATE DATABASE IF NOT EXISTS audit_db")
spark.sql("USE audit_db")
check("used_database", lambda: [r[0] for r in one.select(F.current_database()).collect()])
spark.sql("USE default")
check("nullable", lambda: [f.nullable for f in one.select(F.current_user(), F.curdate()).schema.fields])

ts = spark.createDataFrame([("2024-03-10 02:30:00", "2024/03/10", datetime.date(2024, 1, 1)), (None, None, None)],
                           "s string, d string, dt date")
check("ltz", lambda: named(ts.select(F.to_timestamp_ltz("s"), F.to_timestamp_ltz("d", F.lit("yyyy/MM/dd")))))
check("ltz_text", lambda: [list(r) for r in ts.select(F.to_timestamp_ltz("s").cast("string"),
                                                      F.to_timestamp_ltz("d", F.lit("yyyy/MM/dd")).cast("string")).collect()])
check("ntz", lambda: named(ts.select(F.to_timestamp_ntz("s"), F.to_timestamp_ntz("d", F.lit("yyyy/MM/dd")))))
check("ntz_date", lambda: named(ts.select(F.to_timestamp_ntz("dt"))))
check("ntz_bad", lambda: [list(r) for r in spark.createDataFrame([("nope",)], "s string").select(
    F.to_timestamp_ntz("s", F.lit("yyyy-MM-dd")), F.to_timestamp_ltz("s", F.lit("yyyy-MM-dd"))).collect()])
check("sql_ntz", lambda: named(spark.sql(
    "SELECT to_timestamp_ntz('2024-03-10 02:30:00'), to_timestamp_ltz('2024-01-02', 'yyyy-MM-dd')")))

check("call_function", lambda: named(spark.createDataFrame([(-2, "a")], "x int, s string").select(
    F.call_function("abs", "x"), F.call_function("upper", F.col("s")))))

def deprecated(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        c = fn()
    return [str(x.message) for x in w if issubclass(x.category, FutureWarning)]
nums = spark.createDataFrame([(1.0, 5)], "r double, i int")
check("deprecated_warnings", lambda: deprecated(lambda: [F.toDegrees("r"), F.toRadians("r"), F.bitwiseNOT("i"),
                                                         F.approxCountDistinct("i")]))
check("deprecated_values", lambda: named(nums.select(F.toDegrees(F.lit(3.141592653589793)), F.toRadians(F.lit(180.0)),
                                                     F.bitwiseNOT("i"))))
check("deprecated_agg", lambda: named(nums.agg(F.approxCountDistinct("i"))))
emit()
spark.stop()
'''


def test_session_functions_and_missing_names(tmp_path):
    res = jobs.submit_ok(jobs.write_job(tmp_path, "fns.py", JOB), master="local[2]", timeout=180,
                         env={"SPARK_USER": "audit-user"})
    r = res.result
    assert r("curdate") == [["(curdate() = current_date())"], [[True]], ["boolean"]]
    assert r("session_values") == [["current_database()", "current_database()", "current_catalog()"],
                                   [["default", "default", "spark_catalog"]], ["string"] * 3]
    assert r("users") == [["current_user()", "current_user()"], [["audit-user", "audit-user"]], ["string"] * 2]
    assert r("sql_values")[0] == ["current_database()", "current_database()", "current_catalog()", "current_user()",
                                  "current_user()", "(curdate() = current_date())"]
    assert r("sql_values")[1] == [["default", "default", "spark_catalog", "audit-user", "audit-user", True]]
    assert r("used_database") == ["audit_db"]
    assert r("nullable") == [False, False]
    assert r("ltz")[0] == ["to_timestamp_ltz(s)", "to_timestamp_ltz(d, yyyy/MM/dd)"]
    assert r("ltz")[2] == ["timestamp", "timestamp"]
    # 02:30 on 2024-03-10 does not exist in Los Angeles (DST): the instant is 03:30 PDT
    assert r("ltz_text") == [["2024-03-10 03:30:00", "2024-03-10 00:00:00"], [None, None]]
    assert r("ntz")[0] == ["to_timestamp_ntz(s)", "to_timestamp_ntz(d, yyyy/MM/dd)"]
    assert r("ntz")[2] == ["timestamp_ntz", "timestamp_ntz"]
    assert r("ntz")[1] == [["datetime.datetime(2024, 3, 10, 2, 30)", "datetime.datetime(2024, 3, 10, 0, 0)"],
                           [None, None]]
    assert r("ntz_date")[1] == [["datetime.datetime(2024, 1, 1, 0, 0)"], [None]]
    assert r("ntz_bad") == [[None, None]]
    assert r("sql_ntz")[0] == ["to_timestamp_ntz(2024-03-10 02:30:00)", "to_timestamp_ltz(2024-01-02, yyyy-MM-dd)"]
    assert r("sql_ntz")[2] == ["timestamp_ntz", "timestamp"]
    assert r("call_function") == [["abs(x)", "upper(s)"], [[2, "A"]], ["int", "string"]]
    assert r("deprecated_warnings") == ["Deprecated in 2.1, use degrees instead.",
                                        "Deprecated in 2.1, use radians instead.",
                                        "Deprecated in 3.2, use bitwise_not instead.",
                                        "Deprecated in 2.1, use approx_count_distinct instead."]
    assert r("deprecated_values")[0] == ["DEGREES(3.141592653589793)", "RADIANS(180.0)", "~i"]
    assert r("deprecated_values")[1] == [[180.0, 3.141592653589793, -6]]
    assert r("deprecated_agg") == [["approx_count_distinct(i)"], [[1]], ["bigint"]]
    assert getpass.getuser()  # the default (no SPARK_USER) is the login name, as PySpark's sparkUser
