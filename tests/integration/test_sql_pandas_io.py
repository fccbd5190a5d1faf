"""pandas in and out without rows (issue 16): spark.createDataFrame(pandas_df) encodes numpy
columns straight into batches and df.toPandas() builds pandas columns from the result batches.
Both must give exactly what PySpark's (non-Arrow, default) conversions give: column types
(every integer dtype -> bigint, floats -> double with NaN kept, datetime64 -> timestamp,
timedelta64 -> interval), pandas dtypes back (integral with NULLs -> float64, boolean with NULLs
-> object, dates as datetime.date, timestamps as naive local datetime64[ns]), nested values as
Rows, lists and dicts — under UTC and under a zone with DST, local[2] and a cluster."""
import os

import pytest

import daemons
import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
import datetime, decimal, math
import numpy as np
import pandas as pd
from pyspark.sql import SparkSession, Row, functions as F

spark = SparkSession.builder.appName("pandas io").getOrCreate()

def plain(v):
    if v is pd.NaT:
        return "NaT"
    if isinstance(v, float) and math.isnan(v):
        return "NaN"
    if isinstance(v, (datetime.datetime, datetime.date, datetime.timedelta, decimal.Decimal, pd.Timestamp,
                      pd.Timedelta)):
        return "%s:%s" % (type(v).__name__, v)
    if isinstance(v, np.generic):
        return plain(v.item())
    if isinstance(v, (bytes, bytearray)):
        return list(v)
    if isinstance(v, Row):
        return ["Row"] + [plain(x) for x in v]
    if isinstance(v, (list, tuple, np.ndarray)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in sorted(v.items())}
    return v

def frame(pdf):
    return [list(pdf.columns), [str(t) for t in pdf.dtypes],
            [[plain(v) for v in pdf.iloc[:, i].tolist()] for i in range(pdf.shape[1])]]

ts = pd.to_datetime(["2024-03-10 01:30:00", "2024-03-10 03:30:00", None, "1969-12-31 23:59:59.5",
                     "2024-11-03 01:30:00"])
pdf = pd.DataFrame({
    "i8": np.array([1, -2, 3, 4, 5], dtype="int8"), "i32": np.array([1, 2, 3, 4, 2 ** 31 - 1], dtype="int32"),
    "u16": np.array([0, 1, 2, 3, 65535], dtype="uint16"), "l": [10, 20, 30, 40, 50],
    "f32": np.array([0.5, np.nan, 1.5, -2.0, 3.0], dtype="float32"), "d": [1.25, 2.5, np.nan, -0.0, 1e300],
    "b": [True, False, True, True, False], "s": ["a", None, "ü", "", "long string"],
    "t": ts, "td": pd.to_timedelta(["1 days 2 hours", "-3 seconds", None, "0s", "1 us"])})
df = spark.createDataFrame(pdf)
check("in_dtypes", lambda: df.dtypes)
check("in_rows", lambda: [plain(list(r)) for r in df.collect()])
check("in_same_as_rows", lambda: [plain(list(r)) for r in df.collect()] ==
      [plain(list(r)) for r in spark.createDataFrame(pdf, df.schema).collect()])
check("in_nonstring_names", lambda: spark.createDataFrame(pd.DataFrame({0: [1], "b": ["x"]})).columns)
check("in_object_mixed", lambda: spark.createDataFrame(pd.DataFrame({"m": [1, "a"]}), "m string").dtypes)
check("in_bigger", lambda: spark.createDataFrame(pd.DataFrame({"k": np.arange(200000) % 7, "v": np.arange(200000) * 0.5}))
      .groupBy("k").agg(F.count("*"), F.sum("v")).orderBy("k").collect()[3][1:])
check("roundtrip", lambda: frame(df.toPandas()))
check("roundtrip_equal", lambda: df.toPandas().drop(columns=["i8", "i32", "u16", "f32"]).equals(
      pdf.drop(columns=["i8", "i32", "u16", "f32"])))
check("roundtrip_ts", lambda: [None if pd.isna(v) else v.to_pydatetime() for v in df.toPandas()["t"].tolist()] ==
      [r.t for r in df.collect()])

nulls = spark.createDataFrame(
    [(1, True, 1.5, "a", datetime.date(2024, 2, 29), datetime.datetime(2024, 1, 2, 3, 4, 5, 6),
      decimal.Decimal("1.50"), b"\x00\x01", 7),
     (None, None, None, None, None, None, None, None, 8)],
    "i int, b boolean, d double, s string, dt date, t timestamp, dec decimal(5,2), bin binary, k long")
check("nulls", lambda: frame(nulls.orderBy("k").toPandas()))
check("empty", lambda: frame(nulls.filter("k < 0").toPandas()))
check("nested", lambda: frame(spark.sql(
    "SELECT array(1, 2, NULL) a, named_struct('x', 1, 'y', 'z') st, map('k', 1.5D) m, CAST(NULL AS ARRAY<INT>) n")
    .toPandas()))
check("dup_names", lambda: list(spark.range(3).select(F.col("id"), F.col("id")).toPandas().columns))
check("big", lambda: (lambda p: [len(p), int(p["id"].sum()), float(p["d"].sum()), p["s"].iloc[-1],
                                 [str(t) for t in p.dtypes]])(
    spark.range(0, 300000, 1, 3).selectExpr("id", "id * 0.5D AS d", "CAST(id AS STRING) AS s",
                                              "IF(id % 2 = 0, NULL, id) AS n").toPandas()))
# createDataFrame's partitions hold parallelize's row positions whatever its batches (160,000
# rows each: the cut goes through the second batch) — strings with NULLs in the cut batch too.
n_cut = 400003
cut = spark.createDataFrame(pd.DataFrame({"k": np.arange(n_cut), "s": np.where(np.arange(n_cut) % 5 == 0, None,
                                                                              np.arange(n_cut).astype(str))}))
check("cut_positions", lambda: [list(r) for r in cut.groupBy(F.spark_partition_id().alias("p")).agg(
    F.min("k"), F.max("k"), F.count("*"), F.count("s"), F.sum(F.length("s"))).orderBy("p").collect()])
check("cut_roundtrip", lambda: cut.toPandas().equals(cut.toPandas()) and
      cut.toPandas()["s"].tolist() == [None if i % 5 == 0 else str(i) for i in range(n_cut)])
# toPandas whose last partition fails: in local mode the others' tasks spooled their batches
# beside the result file (docs/protocol.md "Result spools"); they go with the failed job.
def _fails_late(x):
    if x == 250000:
        raise ValueError("late failure")
    return x
def failing_topandas():
    try:
        spark.range(0, 300000, 1, 3).select("id", F.udf(_fails_late, "long")("id").alias("v")).toPandas()
        return "no error"
    except Exception as e:  # noqa: BLE001
        return "late failure" in str(e)
check("failed_topandas", failing_topandas)
# toPandas's result files (/dev/shm) and spools are gone once the frames are made (a killed
# task's spool is removed by its executor as the kill lands: wait for it, with a deadline).
import glob, os, time
def files_left():
    found, deadline = None, time.monotonic() + 20
    while found != [] and time.monotonic() < deadline:
        found = glob.glob("/dev/shm/sparkpp-result-%d-*" % os.getpid()) + glob.glob("/tmp/sparkpp-result-%d-*" % os.getpid())
        if found:
            time.sleep(0.1)
    return found
check("result_files_left", files_left)
emit()
'''

PDF_TS = ["2024-03-10 01:30:00", "2024-03-10 03:30:00", None, "1969-12-31 23:59:59.500000", "2024-11-03 01:30:00"]


def check_results(res):
    r = res.result
    assert r("in_dtypes") == [["i8", "bigint"], ["i32", "bigint"], ["u16", "bigint"], ["l", "bigint"],
                              ["f32", "double"], ["d", "double"], ["b", "boolean"], ["s", "string"],
                              ["t", "timestamp"], ["td", "interval day to second"]]
    rows = r("in_rows")
    assert [x[0] for x in rows] == [1, -2, 3, 4, 5]
    assert [x[2] for x in rows] == [0, 1, 2, 3, 65535]
    assert [x[4] for x in rows] == [0.5, "NaN", 1.5, -2.0, 3.0]  # NaN stays NaN (not NULL)
    assert [x[5] for x in rows] == [1.25, 2.5, "NaN", -0.0, 1e300]
    assert [x[7] for x in rows] == ["a", None, "ü", "", "long string"]
    assert [x[8] for x in rows] == [None if t is None else "datetime:" + t.replace(".500000", ".500000")
                                    for t in PDF_TS]
    assert [x[9] for x in rows] == ["timedelta:1 day, 2:00:00", "timedelta:-1 day, 23:59:57", None,
                                    "timedelta:0:00:00", "timedelta:0:00:00.000001"]
    assert r("in_same_as_rows") is True
    assert r("in_nonstring_names") == ["0", "b"]
    assert r("in_object_mixed") == [["m", "string"]]
    assert r("in_bigger") == [28571, 0.5 * sum(i for i in range(200000) if i % 7 == 3)]
    names, dtypes, cols = r("roundtrip")
    assert dtypes == ["int64", "int64", "int64", "int64", "float64", "float64", "bool", "object",
                      "datetime64[ns]", "timedelta64[ns]"]
    assert cols[7] == ["a", None, "ü", "", "long string"]
    assert cols[8][2] == "NaT" and cols[9][2] == "NaT"
    assert r("roundtrip_equal") is True
    assert r("roundtrip_ts") is True
    names, dtypes, cols = r("nulls")
    assert dtypes == ["float64", "object", "float64", "object", "object", "datetime64[ns]", "object",
                      "object", "int64"]
    assert cols[0] == [1.0, "NaN"]
    assert cols[1] == [True, None]
    assert cols[3] == ["a", None]
    assert cols[4] == ["date:2024-02-29", None]
    assert cols[5] == ["Timestamp:2024-01-02 03:04:05.000006", "NaT"]
    assert cols[6] == ["Decimal:1.50", None]
    assert cols[7][1] is None and cols[7][0] == [0, 1]
    assert r("empty") == [["i", "b", "d", "s", "dt", "t", "dec", "bin", "k"],
                          ["int32", "bool", "float64", "object", "object", "datetime64[ns]", "object", "object",
                           "int64"], [[]] * 9]
    names, dtypes, cols = r("nested")
    assert names == ["a", "st", "m", "n"]
    assert cols == [[[1, 2, None]], [["Row", 1, "z"]], [{"k": 1.5}], [None]]
    assert r("dup_names") == ["id", "id"]
    n_cut = 400003
    parts = r("cut_positions")
    bounds = [i * n_cut // len(parts) for i in range(len(parts) + 1)]
    assert parts == [[i, lo, hi - 1, hi - lo, sum(1 for k in range(lo, hi) if k % 5),
                      sum(len(str(k)) for k in range(lo, hi) if k % 5)]
                     for i, (lo, hi) in enumerate(zip(bounds, bounds[1:]))]
    assert r("cut_roundtrip") is True
    assert r("failed_topandas") is True
    assert r("result_files_left") == []
    n = 300000
    assert r("big") == [n, n * (n - 1) // 2, 0.5 * n * (n - 1) / 2, str(n - 1),
                        ["int64", "float64", "object", "float64"]]


def _submit(tmp_path, master, tz=None):
    env = {"SPARKPP_PYTHON": "/usr/bin/python3"}
    if tz:
        env["TZ"] = tz
    return jobs.submit_ok(jobs.write_job(tmp_path, "pio.py", JOB), master=master, timeout=300, env=env)


def test_pandas_in_and_out_local(tmp_path):
    check_results(_submit(tmp_path, "local[2]"))


def test_pandas_in_and_out_in_a_zone_with_dst(tmp_path):
    # 2024-03-10 02:00 does not exist in Los Angeles (01:30 and 03:30 stay as they are); naive
    # values are local wall-clock times both ways.
    check_results(_submit(tmp_path, "local[2]", tz="America/Los_Angeles"))


def test_pandas_in_and_out_cluster(tmp_path):
    with daemons.Cluster(tmp_path) as c:
        m = c.start_master()
        c.start_worker(m.url, cores=1, memory="1g")
        daemons.wait_until(lambda: m.json()["aliveworkers"] == 1, what="a worker alive")
        check_results(_submit(tmp_path, m.url))
