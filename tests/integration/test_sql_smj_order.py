"""Sort-merge joins take their inputs sorted from the plan: the Sort nodes EnsureRequirements puts
below them, or a child already in key order (a sort-merge join on the same keys), which is not
sorted again. Right and full outer sort-merge joins emit unmatched right rows after the runs
that passed them, so a join above them on the same key gets a Sort of its own — unless the join
above is inner on the outer side's key: its inferred isnotnull filter makes the outer join
left outer or inner (Spark's InferFiltersFromConstraints + EliminateOuterJoin). Answers are
Python's."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("sql-smj-order").getOrCreate()
spark.conf.set("spark.sql.autoBroadcastJoinThreshold", "-1")  # every equi-join sort-merge
spark.conf.set("spark.sql.adaptive.enabled", "false")          # and it stays so at run time
spark.conf.set("spark.sql.shuffle.partitions", "3")

def run(df):
    return [explained(df), sorted([[None if v is None else v for v in r] for r in df.collect()], key=repr)]

x = spark.range(0, 3000, numPartitions=4).select((F.col("id") % 700).alias("xk"), F.col("id").alias("xv"))
y = spark.range(300, 1000, numPartitions=3).select(F.col("id").alias("yk"), (F.col("id") * 2).alias("yv"))
z = spark.range(0, 1000, 3, numPartitions=2).select(F.col("id").alias("zk"))
check("inner_semi", lambda: run(x.join(y, x.xk == y.yk).join(z, x.xk == z.zk, "left_semi")))
check("full_inner", lambda: run(x.join(y, x.xk == y.yk, "full").join(z, x.xk == z.zk)))
check("right_inner", lambda: run(x.join(y, x.xk == y.yk, "right").join(z, x.xk == z.zk)))
check("full_left", lambda: run(x.join(y, x.xk == y.yk, "full").join(z, x.xk == z.zk, "left")))
check("right_left", lambda: run(x.join(y, x.xk == y.yk, "right").join(z, x.xk == z.zk, "left")))
check("left_anti", lambda: run(x.join(y, x.xk == y.yk, "left").join(z, x.xk == z.zk, "left_anti")))
emit()
spark.stop()
'''


def test_sort_merge_join_chains(tmp_path):
    res = jobs.submit_ok(jobs.write_job(tmp_path, "smj_order.py", JOB), master="local[2]", timeout=180)
    xs = [(i % 700, i) for i in range(3000)]
    ys = {k: k * 2 for k in range(300, 1000)}
    zs = set(range(0, 1000, 3))

    plan, rows = res.result("inner_semi")
    assert rows == sorted([[k, v, k, ys[k]] for k, v in xs if k in ys and k in zs], key=repr)
    # the semi join goes below the inner join onto x (Spark's PushLeftSemiLeftAntiThroughJoin,
    # through x's Project: on (id % 700)); the Project's alias xk keeps that partitioning and
    # order (Spark's AliasAwareOutputExpression): no Exchange or Sort between the two joins
    assert "LeftSemi" in plan.split("Inner")[1] and plan.count("Exchange") == 3, plan
    assert plan.count("SortMergeJoin") == 2 and plan.count("Sort [") == 3, plan

    plan, rows = res.result("full_inner")
    full = [[k, v, k if k in ys else None, ys.get(k)] for k, v in xs]
    full += [[None, None, k, ys[k]] for k in ys if k >= 700]
    assert rows == sorted([r + [r[0]] for r in full if r[0] is not None and r[0] in zs], key=repr)
    # isnotnull(xk) inferred from the inner join rejects the rows x pads with NULLs: the full
    # outer join is a left outer one, whose output is in xk order: no Sort between the joins
    assert "LeftOuter" in plan and "FullOuter" not in plan, plan
    assert plan.count("Sort [") == 3, plan

    plan, rows = res.result("full_left")
    assert rows == sorted([r + [r[0] if r[0] is not None and r[0] in zs else None] for r in full], key=repr)
    assert "FullOuter" in plan and plan.count("Sort [") == 4, plan  # the full outer join's output is sorted again

    plan, rows = res.result("right_inner")
    right = [[k, v, k, ys[k]] for k, v in xs if k in ys] + [[None, None, k, ys[k]] for k in ys if k >= 700]
    assert rows == sorted([r + [r[0]] for r in right if r[0] is not None and r[0] in zs], key=repr)
    assert "RightOuter" not in plan and plan.count("Sort [") == 3, plan  # inner, as above

    plan, rows = res.result("right_left")
    assert rows == sorted([r + [r[0] if r[0] is not None and r[0] in zs else None] for r in right], key=repr)
    assert "RightOuter" in plan and plan.count("Sort [") == 4, plan

    plan, rows = res.result("left_anti")
    left = [[k, v, k if k in ys else None, ys.get(k)] for k, v in xs]
    assert rows == sorted([r for r in left if r[0] not in zs], key=repr)
    assert plan.count("Sort [") == 3, plan
