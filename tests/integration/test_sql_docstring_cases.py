"""Cases from PySpark 3.5's own docstring examples (tests/docstrings) that sparkpp got wrong,
each with the answer PySpark's docstring prints; run natively on local[2]."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
from pyspark.sql import Row, SparkSession, functions as F

spark = SparkSession.builder.appName("docstring-cases").getOrCreate()

def rows(df):
    return [list(r) for r in df.collect()]

# functions.max / min / sum / avg / count_distinct: aggregates in a select list (GlobalAggregates)
df = spark.range(10)
check("select_max", lambda: rows(df.select(F.max(F.col("id")), F.min(df.id))))
check("select_max_cols", lambda: df.select(F.max("id"), F.sum("id"), F.avg("id")).columns)
check("select_agg_expr", lambda: rows(df.select((F.sum("id") + 1).alias("s"))))
check("withcolumn_agg_error", lambda: _err(lambda: df.withColumn("m", F.max("id")).collect()))
# DataFrame.transform: a top-level cast keeps the column's name
d2 = spark.createDataFrame([(1, 1.0), (2, 2.0)], ["int", "float"])
check("cast_name", lambda: d2.select([F.col(c).cast("int") for c in d2.columns]).columns)
check("cast_nested_name", lambda: d2.select(F.col("int").cast("int") + 1).columns)
# Column.getField: an extracted field is named `r.b`; a dotted name `r.b` is named `b`
d3 = spark.createDataFrame([Row(r=Row(a=1, b="b"))])
check("getfield_name", lambda: d3.select(d3.r.getField("b"), d3.r["a"]).columns)
check("dotted_name", lambda: d3.select("r.b", F.col("r.a").cast("string")).columns)
# DataFrame.unionByName(allowMissingColumns=True): right-only columns appended, NULL on the left
a = spark.createDataFrame([[1, 2, 3]], ["col0", "col1", "col2"])
b = spark.createDataFrame([[4, 5, 6]], ["col1", "col2", "col3"])
check("union_missing", lambda: rows(a.unionByName(b, allowMissingColumns=True)))
check("union_missing_cols", lambda: a.unionByName(b, allowMissingColumns=True).columns)
# DataFrame.intersect / subtract: a null-safe semi / anti join under a distinct
s1 = spark.createDataFrame([("a", 1), ("a", 1), ("b", 3), ("c", 4), (None, 5), (None, None)],
                           ["C1", "C2"])
s2 = spark.createDataFrame([("a", 1), ("a", 1), ("b", 3), (None, 5), ("c", None)], ["C1", "C2"])
check("intersect", lambda: sorted(rows(s1.intersect(s2)), key=str))
check("subtract", lambda: sorted(rows(s1.subtract(s2)), key=str))
check("eq_null_safe_join", lambda: sorted(rows(s1.join(s2, s1.C2.eqNullSafe(s2.C2), "left_anti")),
                                         key=str))
emit()
spark.stop()
'''

PRELUDE = r'''
def _err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return getattr(e, "getErrorClass", lambda: type(e).__name__)()
    return "no error"
'''


def test_docstring_cases_local(tmp_path):
    script = jobs.write_job(tmp_path, "cases.py", PRELUDE + JOB)
    res = jobs.submit_ok(script, master="local[2]", timeout=180)
    assert res.result("select_max") == [[9, 0]]
    assert res.result("select_max_cols") == ["max(id)", "sum(id)", "avg(id)"]
    assert res.result("select_agg_expr") == [[46]]
    assert res.result("withcolumn_agg_error") == "MISSING_AGGREGATION"
    assert res.result("cast_name") == ["int", "float"]
    assert res.result("cast_nested_name") == ["(CAST(int AS INT) + 1)"]
    assert res.result("getfield_name") == ["r.b", "r.a"]
    assert res.result("dotted_name") == ["b", "a"]
    assert res.result("union_missing") == [[1, 2, 3, None], [None, 4, 5, 6]]
    assert res.result("union_missing_cols") == ["col0", "col1", "col2", "col3"]
    assert res.result("intersect") == sorted([[None, 5], ["a", 1], ["b", 3]], key=str)
    assert res.result("subtract") == sorted([[None, None], ["c", 4]], key=str)
    assert res.result("eq_null_safe_join") == [["c", 4]]
