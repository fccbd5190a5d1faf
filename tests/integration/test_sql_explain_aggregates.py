"""explain() of aggregates as Spark 3.5 prints them (AggUtils.createAggregate): an aggregate with a
TypedImperativeAggregate (collect_list/collect_set, percentile, median, mode, percentile_approx,
the HLL sketches, ...) is an ObjectHashAggregate without whole-stage codegen, the others a
HashAggregate; ImperativeAggregates print their buffer offsets (`collect_list(v#1, 0, 0)`).
And createDataFrame's rows plan as PySpark's LogicalRDD (no size estimate: a sort-merge join
AQE may switch at run time), which decides the order an unordered aggregate's groups leave in
(the DataFrame class docstring's example)."""
import os
import re

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
import re
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("explain-aggregates").getOrCreate()
df = spark.range(10).selectExpr("id % 3 AS k", "id AS v", "CAST(id AS STRING) AS s")

def aggs(d):
    """The aggregate lines of d's plan, attribute ids as #N."""
    return [re.sub(r"#\d+L?", "#N", l.strip(" +-:")) for l in explained(d).splitlines() if "Aggregate" in l]

g = df.groupBy("k")
check("collect_list", lambda: aggs(g.agg(F.collect_list("v"))))
check("sum", lambda: aggs(g.agg(F.sum("v"))))
check("mixed", lambda: aggs(g.agg(F.sum("v"), F.collect_set("s"))))
check("hll", lambda: aggs(g.agg(F.hll_sketch_agg("v"))))
check("percentile_approx", lambda: aggs(g.agg(F.percentile_approx("v", 0.5))))
check("percentile", lambda: aggs(g.agg(F.percentile("v", 0.5))))
check("median_mode", lambda: aggs(g.agg(F.median("v"), F.mode("v"))))
check("approx_count_distinct", lambda: aggs(g.agg(F.approx_count_distinct("v"))))
check("max_by", lambda: aggs(g.agg(F.max_by("s", "v"))))
check("global", lambda: aggs(df.agg(F.collect_list("v"))))
check("names", lambda: g.agg(F.collect_list("v"), F.approx_count_distinct("v"), F.percentile("v", 0.5)).columns)
check("sql", lambda: aggs(spark.sql("SELECT k, collect_set(v) FROM VALUES (1, 2) AS t(k, v) GROUP BY k")))
spark.conf.set("spark.sql.adaptive.enabled", "false")  # codegen stage markers show without AQE
check("codegen", lambda: [l.strip(" +-:") for l in explained(g.agg(F.collect_list("v"), F.sum("v"))).splitlines()
                          if "Aggregate" in l or "Range" in l or "Project" in l])
check("codegen_hash", lambda: [l.strip(" +-:") for l in explained(g.agg(F.sum("v"))).splitlines()
                               if "Aggregate" in l])
spark.conf.set("spark.sql.adaptive.enabled", "true")
check("rows", lambda: sorted([r.k, sorted(r[1])] for r in g.agg(F.collect_list("v")).collect()))
# DISTINCT functions over one column: the column deduplicated first (planAggregateWithOneDistinct)
dd = spark.createDataFrame([(1, 10), (2, 20), (3, None), (None, 40), (1, 10), (2, 30), (2, 20)], "k int, v int")
one = dd.groupBy("k").agg(F.count_distinct("v").alias("c"), F.sum_distinct("v").alias("s"), F.expr("avg(DISTINCT v)").alias("a"))
check("distinct_plan", lambda: aggs(one))
check("distinct_rows", lambda: sorted([list(r) for r in one.collect()], key=repr))
check("distinct_global", lambda: [list(dd.agg(F.count_distinct("v"), F.sum_distinct("v"), F.min(F.col("v")).alias("m")).collect()[0]),
                                  list(dd.filter("k > 9").agg(F.count_distinct("v"), F.sum_distinct("v")).collect()[0])])
check("distinct_two", lambda: aggs(dd.agg(F.count_distinct("v"), F.count_distinct("k"))))

# The DataFrame class docstring (PySpark 3.5): createDataFrame's rows are a LogicalRDD
people = spark.createDataFrame([
    {"deptId": 1, "age": 40, "name": "Hyukjin Kwon", "gender": "M", "salary": 50},
    {"deptId": 1, "age": 50, "name": "Takuya Ueshin", "gender": "M", "salary": 100},
    {"deptId": 2, "age": 60, "name": "Xinrong Meng", "gender": "F", "salary": 150},
    {"deptId": 3, "age": 20, "name": "Haejoon Lee", "gender": "M", "salary": 200}])
department = spark.createDataFrame([
    {"id": 1, "name": "PySpark"}, {"id": 2, "name": "ML"}, {"id": 3, "name": "Spark SQL"}])
q = people.filter(people.age > 30).join(department, people.deptId == department.id).groupBy(
    department.name, "gender").agg({"salary": "avg", "age": "max"})
check("class_docstring_plan", lambda: [l.strip(" +-:").split(" ")[0] for l in explained(q).splitlines()[1:] if l.strip()])
check("class_docstring_show", lambda: printed(q.show))
emit()
spark.stop()
'''


def test_explain_names_of_aggregates(tmp_path):
    res = jobs.submit_ok(jobs.write_job(tmp_path, "explain_aggs.py", JOB), master="local[4]", timeout=240)
    r = res.result

    def two(name, final, partial):
        return ["%s(keys=[k#N], functions=[%s])" % (name, final),
                "%s(keys=[k#N], functions=[%s])" % (name, partial)]
    assert r("collect_list") == two("ObjectHashAggregate", "collect_list(v#N, 0, 0)", "partial_collect_list(v#N, 0, 0)")
    assert r("sum") == two("HashAggregate", "sum(v#N)", "partial_sum(v#N)")
    assert r("mixed") == two("ObjectHashAggregate", "sum(v#N), collect_set(s#N, 0, 0)",
                             "partial_sum(v#N), partial_collect_set(s#N, 0, 0)")
    assert r("hll") == two("ObjectHashAggregate", "hll_sketch_agg(v#N, 12, 0, 0)", "partial_hll_sketch_agg(v#N, 12, 0, 0)")
    assert r("percentile_approx") == two("ObjectHashAggregate", "percentile_approx(v#N, 0.5, 10000, 0, 0)",
                                         "partial_percentile_approx(v#N, 0.5, 10000, 0, 0)")
    assert r("percentile") == two("ObjectHashAggregate", "percentile(v#N, 0.5, 1, 0, 0, false)",
                                  "partial_percentile(v#N, 0.5, 1, 0, 0, false)")
    assert [l.split("(")[0] for l in r("median_mode")] == ["ObjectHashAggregate"] * 2
    assert "mode(v#N, 0, 0)" in r("median_mode")[0]
    assert r("approx_count_distinct") == two("HashAggregate", "approx_count_distinct(v#N, 0.05, 0, 0)",
                                             "partial_approx_count_distinct(v#N, 0.05, 0, 0)")
    assert r("max_by") == two("HashAggregate", "max_by(s#N, v#N)", "partial_max_by(s#N, v#N)")
    assert [re.sub(r"\(.*", "", l) for l in r("global")] == ["ObjectHashAggregate"] * 2
    assert r("names") == ["k", "collect_list(v)", "approx_count_distinct(v)", "percentile(v, 0.5, 1)"]
    assert [re.sub(r"\(.*", "", l) for l in r("sql")] == ["ObjectHashAggregate"] * 2
    codegen = r("codegen")
    assert [re.sub(r"\(keys.*| \[.*| \(0.*", "", l) for l in codegen] == [
        "ObjectHashAggregate", "ObjectHashAggregate", "*(1) Project", "*(1) Range"], codegen
    assert [re.sub(r"\(keys.*", "", l) for l in r("codegen_hash")] == ["*(2) HashAggregate", "*(1) HashAggregate"]
    assert r("rows") == [[0, [0, 3, 6, 9]], [1, [1, 4, 7]], [2, [2, 5, 8]]]
    assert r("distinct_plan") == [
        "HashAggregate(keys=[k#N], functions=[count(distinct v#N), sum(distinct v#N), avg(distinct v#N)])",
        "HashAggregate(keys=[k#N], functions=[partial_count(distinct v#N), partial_sum(distinct v#N), partial_avg(distinct v#N)])",
        "HashAggregate(keys=[k#N, v#N], functions=[])",
        "HashAggregate(keys=[k#N, v#N], functions=[])"], r("distinct_plan")
    assert r("distinct_rows") == [[1, 1, 10, 10.0], [2, 2, 50, 25.0], [3, 0, None, None], [None, 1, 40, 40.0]]
    # min(v) is not DISTINCT: one complete aggregation then, as for two distinct columns
    assert r("distinct_global") == [[4, 100, 10], [0, None]]
    assert len(r("distinct_two")) == 1
    plan = r("class_docstring_plan")
    assert "SortMergeJoin" in plan and "BroadcastHashJoin" not in plan, plan
    assert r("class_docstring_show") == (
        "+-------+------+-----------+--------+\n"
        "|   name|gender|avg(salary)|max(age)|\n"
        "+-------+------+-----------+--------+\n"
        "|     ML|     F|      150.0|      60|\n"
        "|PySpark|     M|       75.0|      50|\n"
        "+-------+------+-----------+--------+\n\n")
