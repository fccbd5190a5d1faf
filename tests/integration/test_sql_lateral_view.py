"""SQL's LATERAL VIEW [OUTER] generator(args) name [AS] cols (issue 14): answers, column names and
qualifiers, OUTER and the `_outer` generators, chained views, the errors of Spark's
ResolveGenerate, and the same rows as the DataFrame API's explode."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("lateral-view").getOrCreate()
df = spark.createDataFrame([(1, [10, 20], {"a": 1}), (2, [], {}), (3, None, None)],
                           "id int, arr array<int>, m map<string,int>")
df.createOrReplaceTempView("t")

def q(sql):
    d = spark.sql(sql)
    return [d.columns, sorted([list(r) for r in d.collect()], key=repr)]

def err(sql):
    try:
        spark.sql(sql).collect()
    except Exception as e:  # noqa: BLE001
        return e.getErrorClass() if hasattr(e, "getErrorClass") else type(e).__name__
    return "no error"

check("basic", lambda: q("SELECT id, e FROM t LATERAL VIEW explode(arr) v AS e"))
check("outer", lambda: q("SELECT id, e FROM t LATERAL VIEW OUTER explode(arr) v AS e"))
check("outer_fn", lambda: q("SELECT id, e FROM t LATERAL VIEW explode_outer(arr) v e"))
check("default_name", lambda: q("SELECT * FROM t LATERAL VIEW explode(arr) v WHERE id = 1"))
check("qualified", lambda: q("SELECT t.id, v.e FROM t LATERAL VIEW explode(arr) v AS e WHERE v.e > 10"))
check("posexplode", lambda: q("SELECT id, p, x FROM t LATERAL VIEW posexplode(arr) v AS p, x"))
check("map", lambda: q("SELECT id, k, val FROM t LATERAL VIEW explode(m) v AS k, val"))
check("chained", lambda: q("SELECT id, a, b FROM t LATERAL VIEW explode(arr) x AS a LATERAL VIEW explode(arr) y AS b"))
check("inline", lambda: q("SELECT id, n, s FROM t LATERAL VIEW inline(array(struct(id, 'x'))) v AS n, s"))
check("aggregate", lambda: q("SELECT e, count(*) AS c FROM t LATERAL VIEW explode(array(1, 1, 2)) v AS e GROUP BY e"))
check("nullable", lambda: [f.nullable for f in spark.sql(
    "SELECT e FROM t LATERAL VIEW OUTER explode(array(1)) v AS e").schema.fields])
check("err_aliases", lambda: err("SELECT * FROM t LATERAL VIEW explode(arr) v AS a, b"))
check("err_not_generator", lambda: err("SELECT * FROM t LATERAL VIEW upper('x') v AS a"))
check("same_as_dataframe", lambda: sorted([list(r) for r in df.select("id", F.explode("arr").alias("e")).collect()]) ==
      sorted([list(r) for r in spark.sql("SELECT id, e FROM t LATERAL VIEW explode(arr) v AS e").collect()]))
emit()
spark.stop()
'''


def test_lateral_view(tmp_path):
    res = jobs.submit_ok(jobs.write_job(tmp_path, "lateral.py", JOB), master="local[2]", timeout=180)
    r = res.result

    def rows(cols, *expected):
        return [cols, sorted([list(x) for x in expected], key=repr)]
    assert r("basic") == rows(["id", "e"], [1, 10], [1, 20])
    assert r("outer") == rows(["id", "e"], [1, 10], [1, 20], [2, None], [3, None])
    assert r("outer_fn") == r("outer")
    assert r("default_name") == rows(["id", "arr", "m", "col"], [1, [10, 20], {"a": 1}, 10], [1, [10, 20], {"a": 1}, 20])
    assert r("qualified") == rows(["id", "e"], [1, 20])
    assert r("posexplode") == rows(["id", "p", "x"], [1, 0, 10], [1, 1, 20])
    assert r("map") == rows(["id", "k", "val"], [1, "a", 1])
    assert r("chained") == rows(["id", "a", "b"], [1, 10, 10], [1, 10, 20], [1, 20, 10], [1, 20, 20])
    assert r("inline") == rows(["id", "n", "s"], [1, 1, "x"], [2, 2, "x"], [3, 3, "x"])
    assert r("aggregate") == rows(["e", "c"], [1, 6], [2, 3])
    assert r("nullable") == [True]
    assert r("err_aliases") == "UDTF_ALIAS_NUMBER_MISMATCH"
    assert r("err_not_generator") == "UNSUPPORTED_GENERATOR.NOT_GENERATOR"
    assert r("same_as_dataframe") is True
