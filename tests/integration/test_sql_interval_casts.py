"""Issue 14: CASTs to and from the ANSI interval types, as Spark 3.5's Cast: strings in the
target's format or as an INTERVAL literal of the same fields (range checks, Spark's error texts,
which fail the query in non-ANSI mode too), integral numbers into single-field intervals,
intervals to integral numbers (a count of the end field, overflow an error) and between
intervals of one family (truncated toward zero to the target's end field)."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("interval-casts").getOrCreate()

def strs(q):
    return [str(v) for v in spark.sql(q).first()]

def err(q):
    try:
        spark.sql(q).collect()
    except Exception as e:  # noqa: BLE001 - the test compares the text
        return str(e)
    return "no error"

check("from_string", lambda: strs(
    "SELECT CAST(CAST('1 02:03:04.5' AS INTERVAL DAY TO SECOND) AS STRING), "
    "CAST(CAST(' -3 ' AS INTERVAL HOUR) AS STRING), "
    "CAST(CAST('+10:30' AS INTERVAL HOUR TO MINUTE) AS STRING), "
    "CAST(CAST('100:59.123456789' AS INTERVAL MINUTE TO SECOND) AS STRING), "
    "CAST(CAST('-0.5' AS INTERVAL SECOND) AS STRING), "
    "CAST(CAST(\"INTERVAL -'1 02' DAY TO HOUR\" AS INTERVAL DAY TO HOUR) AS STRING), "
    "CAST(CAST(\"interval '7' day\" AS INTERVAL DAY) AS STRING), "
    "CAST(CAST('1-2' AS INTERVAL YEAR TO MONTH) AS STRING), "
    "CAST(CAST('-5' AS INTERVAL YEAR) AS STRING), "
    "CAST(CAST(\"INTERVAL '13' MONTH\" AS INTERVAL MONTH) AS STRING)"))
check("timedelta", lambda: str(spark.sql("SELECT CAST('1 02:03:04.5' AS INTERVAL DAY TO SECOND) AS t").first().t))
check("types", lambda: [t for _, t in spark.sql(
    "SELECT CAST('1' AS INTERVAL DAY), CAST('1-1' AS INTERVAL YEAR TO MONTH), CAST(2 AS INTERVAL MINUTE)").dtypes])
check("from_number", lambda: strs(
    "SELECT CAST(CAST(3 AS INTERVAL HOUR) AS STRING), CAST(CAST(-2Y AS INTERVAL DAY) AS STRING), "
    "CAST(CAST(90L AS INTERVAL SECOND) AS STRING), CAST(CAST(14 AS INTERVAL MONTH) AS STRING), "
    "CAST(CAST(3S AS INTERVAL YEAR) AS STRING)"))
check("to_number", lambda: spark.sql(
    "SELECT CAST(INTERVAL '1 02' DAY TO HOUR AS BIGINT) a, CAST(INTERVAL '-1 02:30' DAY TO MINUTE AS INT) b, "
    "CAST(INTERVAL '90.9' SECOND AS SMALLINT) c, CAST(INTERVAL '3-5' YEAR TO MONTH AS INT) d, "
    "CAST(INTERVAL '10' YEAR AS TINYINT) e, CAST(INTERVAL '1 02:03:04' DAY TO SECOND AS BIGINT) f").first().asDict())
check("between", lambda: strs(
    "SELECT CAST(CAST(INTERVAL '1 02:03' DAY TO MINUTE AS INTERVAL DAY) AS STRING), "
    "CAST(CAST(INTERVAL '-1 23' DAY TO HOUR AS INTERVAL DAY) AS STRING), "
    "CAST(CAST(INTERVAL '5' HOUR AS INTERVAL DAY TO SECOND) AS STRING), "
    "CAST(CAST(INTERVAL '-3-11' YEAR TO MONTH AS INTERVAL YEAR) AS STRING), "
    "CAST(CAST(INTERVAL '2' YEAR AS INTERVAL MONTH) AS STRING)"))
check("nulls", lambda: [list(r) for r in spark.sql(
    "SELECT CAST(CAST(NULL AS STRING) AS INTERVAL DAY), CAST(CAST(NULL AS INT) AS INTERVAL MONTH), "
    "CAST(CAST(NULL AS INTERVAL HOUR) AS BIGINT)").collect()])
df = spark.createDataFrame([("1 10:00:00",), ("-0 00:00:01.25",), (None,)], "s string")
check("column", lambda: [str(r[0]) for r in df.select(F.col("s").cast("interval day to second")).collect()])
check("bad_format", lambda: err("SELECT CAST('1 2 3' AS INTERVAL DAY TO HOUR)"))
check("bad_range", lambda: err("SELECT CAST('1 24' AS INTERVAL DAY TO HOUR)"))
check("bad_fields", lambda: err("SELECT CAST('12' AS INTERVAL DAY TO HOUR)"))
check("bad_literal_fields", lambda: err("SELECT CAST(\"INTERVAL '1' HOUR\" AS INTERVAL DAY)"))
check("bad_ym", lambda: err("SELECT CAST('1-12' AS INTERVAL YEAR TO MONTH)"))
check("overflow", lambda: err("SELECT CAST(INTERVAL '1000' DAY AS TINYINT)"))
check("overflow_in", lambda: err("SELECT CAST(9223372036854775807L AS INTERVAL DAY)"))
check("refused", lambda: [err(q)[:60] for q in ("SELECT CAST(1.5 AS INTERVAL DAY TO HOUR)",
                                                 "SELECT CAST(INTERVAL '3' DAY AS DOUBLE)")])
emit()
spark.stop()
'''


@pytest.fixture(scope="module")
def res(tmp_path_factory):
    script = jobs.write_job(tmp_path_factory.mktemp("interval_casts"), "job.py", JOB)
    return jobs.submit_ok(script, master="local[2]", timeout=180)


def test_string_to_interval(res):
    assert res.result("from_string") == [
        "INTERVAL '1 02:03:04.5' DAY TO SECOND", "INTERVAL '-03' HOUR", "INTERVAL '10:30' HOUR TO MINUTE",
        "INTERVAL '100:59.123456' MINUTE TO SECOND", "INTERVAL '-00.5' SECOND", "INTERVAL '-1 02' DAY TO HOUR",
        "INTERVAL '7' DAY", "INTERVAL '1-2' YEAR TO MONTH", "INTERVAL '-5' YEAR", "INTERVAL '13' MONTH"]
    assert res.result("timedelta") == "1 day, 2:03:04.500000"
    assert res.result("types") == ["interval day", "interval year to month", "interval minute"]


def test_numbers_and_intervals(res):
    assert res.result("from_number") == ["INTERVAL '03' HOUR", "INTERVAL '-2' DAY", "INTERVAL '90' SECOND",
                                         "INTERVAL '14' MONTH", "INTERVAL '3' YEAR"]
    assert res.result("to_number") == {"a": 26, "b": -1590, "c": 90, "d": 41, "e": 10, "f": 93784}
    assert res.result("between") == ["INTERVAL '1' DAY", "INTERVAL '-1' DAY", "INTERVAL '0 05:00:00' DAY TO SECOND",
                                     "INTERVAL '-3' YEAR", "INTERVAL '24' MONTH"]
    assert res.result("nulls") == [[None, None, None]]
    assert res.result("column") == ["1 day, 10:00:00", "-1 day, 23:59:58.750000", "None"]


def test_errors(res):
    assert ("Interval string does not match day-time format of `[+|-]d h`, `INTERVAL [+|-]'[+|-]d h' DAY TO HOUR` "
            "when cast to interval day to hour: 1 2 3, set spark.sql.legacy.fromDayTimeString.enabled to true to "
            "restore the behavior before Spark 3.0.") in res.result("bad_format")
    assert "requirement failed: hour 24 outside range [0, 23]" in res.result("bad_range")
    assert "Error parsing interval day-time string: Interval string does not match day-time format" in res.result("bad_fields")
    assert "Error parsing interval day-time string: Interval string does not match day-time format of `[+|-]d`" \
        in res.result("bad_literal_fields")
    assert "month 12 outside range [0, 11]" in res.result("bad_ym")
    assert ("[CAST_OVERFLOW] The value INTERVAL '1000' DAY of the type \"INTERVAL DAY\" cannot be cast to \"TINYINT\" "
            "due to an overflow.") in res.result("overflow")
    assert ("[CAST_OVERFLOW] The value 9223372036854775807L of the type \"BIGINT\" cannot be cast to "
            "\"INTERVAL DAY\" due to an overflow.") in res.result("overflow_in")
    for e in res.result("refused"):
        assert "DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION" in e, e


COMPARE_JOB = r'''
from pyspark.sql import SparkSession
spark = SparkSession.builder.appName("interval-compare").getOrCreate()
q = spark.sql("SELECT INTERVAL '1' DAY > INTERVAL '2' HOUR AS a, INTERVAL '1' DAY = INTERVAL '24' HOUR AS b, "
              "INTERVAL '1-0' YEAR TO MONTH = INTERVAL '12' MONTH AS c, "
              "greatest(INTERVAL '1' DAY, INTERVAL '25' HOUR) AS d")
check("values", lambda: [q.first().asDict()["a"], q.first().asDict()["b"], q.first().asDict()["c"],
                         str(q.first().asDict()["d"])])
check("union_type", lambda: spark.sql("SELECT INTERVAL '1' DAY AS i UNION ALL SELECT INTERVAL '3' MINUTE").dtypes)
emit()
spark.stop()
'''


def test_intervals_of_different_fields_compare_widened(tmp_path):
    # TypeCoercion's findTightestCommonType: the span of both field ranges.
    res = jobs.submit_ok(jobs.write_job(tmp_path, "cmp.py", COMPARE_JOB), master="local[1]", timeout=120)
    assert res.result("values") == [True, True, True, "1 day, 1:00:00"]
    assert res.result("union_type") == [["i", "interval day to minute"]]


EXTRACT_JOB = r'''
from pyspark.sql import SparkSession, functions as F
spark = SparkSession.builder.appName("interval-extract").getOrCreate()
q = spark.sql("SELECT EXTRACT(DAY FROM i) d, EXTRACT(HOUR FROM i) h, EXTRACT(MINUTE FROM i) m, "
              "EXTRACT(SECOND FROM i) s, date_part('days', i) d2 FROM VALUES "
              "(INTERVAL '1 02:03:04.5' DAY TO SECOND), (INTERVAL '-1 02:03:04.000001' DAY TO SECOND), "
              "(CAST(NULL AS INTERVAL DAY TO SECOND)) AS t(i)")
check("dt", lambda: [[str(v) for v in r] for r in q.collect()])
check("dt_types", lambda: q.dtypes)
y = spark.sql("SELECT extract(YEAR FROM i) y, extract(MONTH FROM i) m FROM VALUES "
              "(INTERVAL '3-5' YEAR TO MONTH), (INTERVAL -'3-5' YEAR TO MONTH) AS t(i)")
check("ym", lambda: [list(r) for r in y.collect()])
check("ym_types", lambda: y.dtypes)
check("outside", lambda: first_error(lambda: spark.sql("SELECT extract(HOUR FROM INTERVAL '3' DAY)").collect()))
check("fn", lambda: spark.range(1).select(F.extract(F.lit("minute"), F.expr("INTERVAL '90' MINUTE"))).first()[0])
emit()
spark.stop()
'''


def test_extract_fields_of_intervals(tmp_path):
    res = jobs.submit_ok(jobs.write_job(tmp_path, "ext.py", EXTRACT_JOB), master="local[1]", timeout=120)
    assert res.result("dt") == [["1", "2", "3", "4.500000", "1"], ["-1", "-2", "-3", "-4.000001", "-1"],
                                ["None", "None", "None", "None", "None"]]
    assert res.result("dt_types") == [["d", "int"], ["h", "tinyint"], ["m", "tinyint"], ["s", "decimal(8,6)"],
                                      ["d2", "int"]]
    assert res.result("ym") == [[3, 5], [-3, -5]]
    assert res.result("ym_types") == [["y", "int"], ["m", "tinyint"]]
    assert res.result("outside").startswith("AnalysisException: [INVALID_EXTRACT_FIELD] Cannot extract `HOUR` from")
    assert res.result("fn") == 30


TRY_JOB = r'''
from pyspark.sql import SparkSession, functions as F
spark = SparkSession.builder.appName("try-cast").getOrCreate()
q = spark.sql("SELECT TRY_CAST('1 2 3' AS INTERVAL DAY TO HOUR), try_cast('12' AS INT), TRY_CAST('x' AS INT), "
              "TRY_CAST(INTERVAL '1000' DAY AS TINYINT), TRY_CAST('1 02' AS INTERVAL DAY TO HOUR)")
check("names", lambda: q.columns)
check("values", lambda: [str(v) for v in q.first()])
check("explain", lambda: [l for l in spark._client.explain(q._plan, "extended").splitlines() if "try_cast" in l][:1])
check("expr", lambda: spark.range(1).select(F.expr("try_cast('3' AS INTERVAL HOUR)").alias("h")).first().h.seconds)
emit()
spark.stop()
'''


def test_try_cast_gives_null_where_cast_fails(tmp_path):
    res = jobs.submit_ok(jobs.write_job(tmp_path, "try.py", TRY_JOB), master="local[1]", timeout=120)
    assert res.result("names") == ["TRY_CAST(1 2 3 AS INTERVAL DAY TO HOUR)", "TRY_CAST(12 AS INT)", "TRY_CAST(x AS INT)",
                                   "TRY_CAST(INTERVAL '1000' DAY AS TINYINT)", "TRY_CAST(1 02 AS INTERVAL DAY TO HOUR)"]
    assert res.result("values") == ["None", "12", "None", "None", "1 day, 2:00:00"]
    assert res.result("explain"), "try_cast shows in the analyzed plan"
    assert res.result("expr") == 10800


CALENDAR_JOB = r'''
from pyspark.sql import SparkSession, functions as F
spark = SparkSession.builder.appName("calendar-interval-casts").getOrCreate()
TEXTS = ["1 day", "interval 1 year 2 months", "  -1 week 3 days ", "1.5 seconds", ".5 second",
         "2 hours 30 minutes 100 milliseconds 7 microseconds", "INTERVAL 1 DAY", "- 3 hours", "+1 month -1 day",
         "1 microsecond", "1. second", "0 days",
         # NULL where Spark's stringToInterval throws
         "1 days2 hours", "1.5 days", "interval", "", "abc", "1", "1 second 1", "1 secondss", "1 d",
         "0.0000000001 second", "1000000000000 days", "intervalx 1 day", "1 nanosecond"]
rows = spark.createDataFrame([(t,) for t in TEXTS], "s string")
check("column", lambda: [r[0] for r in rows.select(F.col("s").cast("interval").cast("string")).collect()])
check("sql", lambda: printed(lambda: spark.sql("SELECT CAST('1 day' AS INTERVAL), "
                                               "CAST(CAST('interval 1 year 2 months' AS INTERVAL) AS STRING) AS s").show()))
spark.conf.set("spark.sql.ansi.enabled", "true")  # no error in ANSI mode either (safeStringToInterval)
check("ansi", lambda: [r[0] for r in spark.sql("SELECT CAST(CAST(s AS INTERVAL) AS STRING) FROM VALUES ('x'), "
                                              "('2 weeks') AS t(s)").collect()])
spark.conf.set("spark.sql.ansi.enabled", "false")
check("try", lambda: spark.sql("SELECT CAST(TRY_CAST('abc' AS INTERVAL) AS STRING)").first()[0])
check("refused", lambda: first_error(lambda: spark.sql("SELECT CAST(1 AS INTERVAL)").collect()))
emit()
spark.stop()
'''


def test_string_to_calendar_interval(tmp_path):
    # CAST(string AS INTERVAL) is Spark's legacy CalendarIntervalType through
    # IntervalUtils.safeStringToInterval: NULL for text that is not an interval (refused at
    # analysis before, and the executor's cast had no kernel for it).
    res = jobs.submit_ok(jobs.write_job(tmp_path, "cal.py", CALENDAR_JOB), master="local[1]", timeout=120)
    assert res.result("column") == [
        "1 days", "1 years 2 months", "-4 days", "1.5 seconds", "0.5 seconds",
        "2 hours 30 minutes 0.100007 seconds", "1 days", "-3 hours", "1 months -1 days", "0.000001 seconds",
        "1 seconds", "0 seconds"] + [None] * 13
    assert res.result("sql") == (
        "+-----------------------+----------------+\n"
        "|CAST(1 day AS INTERVAL)|               s|\n"
        "+-----------------------+----------------+\n"
        "|                 1 days|1 years 2 months|\n"
        "+-----------------------+----------------+\n\n")
    assert res.result("ansi") == [None, "14 days"]
    assert res.result("try") is None
    assert res.result("refused").startswith(
        'AnalysisException: [DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION] Cannot resolve "CAST(1 AS INTERVAL)" due to '
        'data type mismatch: cannot cast "INT" to "INTERVAL".')
