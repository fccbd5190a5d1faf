"""session_window(time, gap) as a groupBy key (Spark 3.5's SessionWindowing over batch data):
each row's [time, time + gap), rows without a time dropped, sessions per group of the other keys
merged while the next row starts at or before the session's end (MergingSessionsIterator:
`sessionStart <= currentSessionEnd`), the column `session_window` a struct<start, end>.
The first case is PySpark's own session_window docstring example."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
from pyspark.sql import SparkSession, functions as F
from pyspark.sql.functions import session_window, lit

spark = SparkSession.builder.appName("session-window").getOrCreate()
df = spark.createDataFrame([("2016-03-11 09:00:07", 1)]).toDF("date", "val")

def bounds(w, *extra):
    return [[str(r.session_window.start), str(r.session_window.end)] + [r[c] for c in extra]
            for r in w.orderBy(*(["k"] if "k" in w.columns else []), "session_window").collect()]

w = df.groupBy(session_window("date", "5 seconds")).agg(F.sum("val").alias("sum"))
check("docstring", lambda: [list(r) for r in w.select(w.session_window.start.cast("string").alias("start"),
                                                     w.session_window.end.cast("string").alias("end"), "sum").collect()])
check("column_gap", lambda: bounds(df.groupBy(session_window("date", lit("5 seconds"))).agg(F.sum("val").alias("sum")), "sum"))
d2 = spark.createDataFrame([("a", "2016-03-11 09:00:07", 1), ("a", "2016-03-11 09:00:10", 2),
                            ("a", "2016-03-11 09:00:15", 3), ("a", "2016-03-11 09:00:21", 4),
                            ("b", "2016-03-11 09:00:08", 5), ("a", None, 6)], ["k", "t", "v"])
r = d2.groupBy("k", session_window("t", "5 seconds")).agg(F.count("*").alias("n"), F.sum("v"))
check("schema", lambda: [r.columns, r.schema.simpleString()])
check("sessions", lambda: bounds(r, "k", "n", "sum(v)"))
check("bad_gap", lambda: first_error(lambda: session_window("t", 5)))
# window_time: a window's end minus 1 microsecond (PySpark's window_time docstring example)
import datetime
from pyspark.sql.functions import window, window_time
d3 = spark.createDataFrame([(datetime.datetime(2016, 3, 11, 9, 0, 7), 1)]).toDF("date", "val")
tw = d3.groupBy(window("date", "5 seconds")).agg(F.sum("val").alias("sum"))
check("window_time", lambda: [list(r) for r in tw.select(tw.window.end.cast("string").alias("end"),
                                                         window_time(tw.window).cast("string").alias("window_time"),
                                                         "sum").collect()])
check("window_time_name", lambda: tw.select(window_time("window")).schema.simpleString())
emit()
spark.stop()
'''


def test_session_window(tmp_path):
    r = jobs.submit_ok(jobs.write_job(tmp_path, "sessions.py", JOB), master="local[2]", timeout=180).result
    assert r("docstring") == [["2016-03-11 09:00:07", "2016-03-11 09:00:12", 1]]
    assert r("column_gap") == [["2016-03-11 09:00:07", "2016-03-11 09:00:12", 1]]
    assert r("schema") == [["k", "session_window", "n", "sum(v)"],
                           "struct<k:string,session_window:struct<start:timestamp,end:timestamp>,n:bigint,sum(v):bigint>"]
    # a: 07-12 and 10-15 overlap, 15-20 touches (merged); 21 starts a new session; b apart; NULL time dropped
    assert r("sessions") == [["2016-03-11 09:00:07", "2016-03-11 09:00:20", "a", 3, 6],
                             ["2016-03-11 09:00:21", "2016-03-11 09:00:26", "a", 1, 4],
                             ["2016-03-11 09:00:08", "2016-03-11 09:00:13", "b", 1, 5]]
    assert r("window_time") == [["2016-03-11 09:00:10", "2016-03-11 09:00:09.999999", 1]]
    assert r("window_time_name") == "struct<window_time(window):timestamp>"
    assert r("bad_gap") == "PySparkTypeError: [NOT_COLUMN_OR_STR] Argument `gapDuration` should be a Column or str, got int."
