"""ROLLUP / CUBE / GROUPING SETS with grouping() and grouping_id() (issue 14), DataFrame API and
SQL, against a plain-Python reference: every grouping set's sums and counts, NULL group keys
kept apart from rolled-up rows by grouping(), Spark's names, the Expand plan, errors."""
import itertools
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

ROWS = [("a", "x", 1), ("a", "y", 2), ("b", "x", 3), (None, "x", 4), ("b", None, 5), ("a", "x", 6)]

JOB = r'''
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("grouping-sets").getOrCreate()
spark.conf.set("spark.sql.shuffle.partitions", "3")
df = spark.createDataFrame(ROWS_HERE, "k string, j string, v int")
df.createOrReplaceTempView("t")

rows, err = sorted_rows, first_error

check("rollup", lambda: rows(df.rollup("k", "j").agg(F.sum("v"), F.count("*"), F.grouping("k"), F.grouping("j"),
                                                     F.grouping_id())))
check("cube", lambda: rows(df.cube("k", "j").agg(F.sum("v"), F.grouping_id("j", "k"))))
check("cube_expr", lambda: rows(df.cube(F.upper("k").alias("u")).agg(F.max("v"), F.grouping(F.upper("k")))))
check("sql_sets", lambda: rows(spark.sql(
    "SELECT k, j, sum(v) AS s, grouping_id() AS g FROM t GROUP BY GROUPING SETS ((k, j), (j), ())")))
check("sql_with_rollup", lambda: rows(spark.sql("SELECT k, j, sum(v) FROM t GROUP BY k, j WITH ROLLUP")))
check("sql_cube_having", lambda: rows(spark.sql(
    "SELECT k, count(*) AS c FROM t GROUP BY CUBE(k) HAVING count(*) > 1")))
check("names", lambda: df.rollup("k").agg(F.sum("v"), F.grouping("k"), F.grouping_id()).columns)
check("types", lambda: [t for _, t in df.rollup("k").agg(F.grouping("k"), F.grouping_id()).dtypes])
check("explain", lambda: explained(df.rollup("k", "j").agg(F.sum("v"))))
check("no_sets", lambda: err(lambda: df.select(F.grouping("k")).collect()))
check("bitwise", lambda: rows(df.select((F.col("v").bitwiseAND(6)), F.col("v").bitwiseOR(8), F.col("v").bitwiseXOR(3))))
emit()
'''


def reference(keys, sets, rows):
    """{(key values with None for rolled-up columns, gid): (sum, count)} over grouping sets."""
    out = {}
    n = len(keys)
    for s in sets:
        gid = sum(1 << (n - 1 - i) for i in range(n) if i not in s)
        groups = {}
        for r in rows:
            key = tuple(r[i] if i in s else None for i in range(n))
            groups.setdefault(key, []).append(r[2])
        for key, vs in groups.items():
            out[key + (gid,)] = (sum(vs), len(vs))
    return out


def test_grouping_sets(tmp_path):
    r = jobs.submit_ok(jobs.write_job(tmp_path, "gs.py", JOB.replace("ROWS_HERE", repr(ROWS))),
                       master="local[2]", timeout=180).result
    roll = reference(["k", "j"], [{0, 1}, {0}, set()], ROWS)
    exp = sorted([[k, j, s, c, (g >> 1) & 1, g & 1, g] for (k, j, g), (s, c) in roll.items()], key=repr)
    assert r("rollup") == exp
    cube = reference(["k", "j"], [set(s) for n in range(3) for s in itertools.combinations(range(2), n)], ROWS)
    # grouping_id("j", "k"): j's bit first
    exp = sorted([[k, j, s, ((g & 1) << 1) | (g >> 1)] for (k, j, g), (s, c) in cube.items()], key=repr)
    assert r("cube") == exp
    upper = {}
    for row in ROWS:
        upper.setdefault(row[0].upper() if row[0] else None, []).append(row[2])
    exp = [[u, max(vs), 0] for u, vs in upper.items()] + [[None, max(x[2] for x in ROWS), 1]]
    assert r("cube_expr") == sorted(exp, key=repr)
    sets = reference(["k", "j"], [{0, 1}, {1}, set()], ROWS)
    assert r("sql_sets") == sorted([[k, j, s, g] for (k, j, g), (s, c) in sets.items()], key=repr)
    assert r("sql_with_rollup") == sorted([[k, j, s] for (k, j, g), (s, c) in roll.items()], key=repr)
    kc = reference(["k"], [{0}, set()], [(x[0], None, x[2]) for x in ROWS])
    assert r("sql_cube_having") == sorted([[k, c] for (k, g), (s, c) in kc.items() if c > 1], key=repr)
    assert r("names") == ["k", "sum(v)", "grouping(k)", "grouping_id()"]
    assert r("types") == ["string", "tinyint", "bigint"]
    plan = [ln.strip() for ln in r("explain").splitlines()]
    assert any(ln.startswith("+- Expand [[v#") and "spark_grouping_id#" in ln for ln in plan), plan
    assert any("HashAggregate(keys=[k#" in ln and "spark_grouping_id#" in ln for ln in plan), plan
    assert "UNSUPPORTED_GROUPING_EXPRESSION" in r("no_sets")
    assert r("bitwise") == sorted([[v & 6, v | 8, v ^ 3] for _, _, v in ROWS], key=repr)
