"""PySpark 3.5's partition transform functions (years, months, days, hours, bucket) in
DataFrameWriterV2.partitionedBy on the session catalog: bucket(n, col) makes a bucketed table
(CatalogV2Implicits.convertTransforms), the others are refused when the table is created with
Spark's `Unsupported partition transform: years(ts).` (SparkUnsupportedOperationException,
_LEGACY_ERROR_TEMP_2067: no `[CLASS]` prefix for legacy classes)."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
import datetime
from pyspark.sql import SparkSession, functions as F
from pyspark.errors import UnsupportedOperationException

spark = SparkSession.builder.appName("partition-transforms").getOrCreate()
df = spark.createDataFrame([(1, datetime.datetime(2024, 1, 2, 3, 4, 5))], ["id", "ts"])

def refused(transform):
    try:
        df.writeTo("t_refused").partitionedBy(transform).create()
    except UnsupportedOperationException as e:
        return [type(e).__module__ + "." + type(e).__name__, str(e), e.getErrorClass()]
    return "created"

check("years", lambda: refused(F.years("ts")))
check("months", lambda: refused(F.months(F.col("ts")))[1])
check("days", lambda: refused(F.days("ts"))[1])
check("hours", lambda: refused(F.hours("ts"))[1])
check("not_created", lambda: spark.catalog.tableExists("t_refused"))
df.writeTo("t_bucketed").partitionedBy(F.bucket(4, "id")).create()
check("bucket_rows", lambda: [list(r) for r in spark.table("t_bucketed").collect()])
check("bucket_spec", lambda: {r.col_name: r.data_type for r in spark.sql("DESCRIBE EXTENDED t_bucketed").collect()
                              if r.col_name in ("Num Buckets", "Bucket Columns")})
check("bucket_type", lambda: first_error(lambda: F.bucket("4", "id")))
emit()
spark.stop()
'''


def test_partition_transforms(tmp_path):
    r = jobs.submit_ok(jobs.write_job(tmp_path, "transforms.py", JOB), master="local[2]", timeout=180,
                       cwd=str(tmp_path)).result
    assert r("years") == ["pyspark.errors.exceptions.captured.UnsupportedOperationException",
                          "Unsupported partition transform: years(ts).", "_LEGACY_ERROR_TEMP_2067"]
    assert r("months") == "Unsupported partition transform: months(ts)."
    assert r("days") == "Unsupported partition transform: days(ts)."
    assert r("hours") == "Unsupported partition transform: hours(ts)."
    assert r("not_created") is False
    assert r("bucket_rows")[0][0] == 1 and len(r("bucket_rows")) == 1
    assert r("bucket_spec") == {"Num Buckets": "4", "Bucket Columns": "[`id`]"}
    assert r("bucket_type") == ("PySparkTypeError: [NOT_COLUMN_OR_INT] Argument `numBuckets` should be a Column or int, "
                                "got str.")
