"""DataFrame methods the analyzer rewrites into other operators (issue #13): na.fill / na.drop /
replace (Spark's DataFrameNaFunctions), exceptAll / intersectAll and SQL EXCEPT ALL / INTERSECT
ALL, offset / tail, unpivot, to(schema), crosstab, sampleBy, randomSplit, Column.withField / dropFields, colRegex, isLocal, explain("cost") — results, names, types
and errors as PySpark 3.5, against plain-Python expectations. One job, local[2]."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
from pyspark.sql import SparkSession, functions as F
from pyspark.sql.types import StructType, StructField, StringType, IntegerType

spark = SparkSession.builder.appName("df-more").getOrCreate()
spark.conf.set("spark.sql.shuffle.partitions", "3")
rows, err = sorted_rows, first_error
people = spark.createDataFrame([(10, 80.5, "Alice", True), (5, None, "Bob", None), (None, None, "Tom", False),
                                (None, float("nan"), None, None)], "age int, height double, name string, ok boolean")

check("fill_num", lambda: rows(people.na.fill(50)))
check("fill_str", lambda: rows(people.fillna("unknown")))
check("fill_bool", lambda: rows(people.fillna(True)))
check("fill_subset", lambda: rows(people.fillna(1.5, subset=["height"])))
check("fill_map", lambda: rows(people.fillna({"age": 7, "name": "x"})))
check("fill_dtypes", lambda: people.na.fill(1).dtypes)
check("fill_bad_col", lambda: err(lambda: people.fillna(1, subset=["nope"])))
check("fill_bad_value", lambda: err(lambda: people.fillna([1])))
check("drop_any", lambda: rows(people.na.drop()))
check("drop_all", lambda: rows(people.dropna(how="all", subset=["age", "height"])))
check("drop_thresh", lambda: rows(people.dropna(thresh=2)))
check("drop_subset", lambda: rows(people.dropna(subset="name")))
check("replace_num", lambda: rows(people.na.replace(10, 20)))
check("replace_list", lambda: rows(people.replace(["Alice", "Bob"], ["A", None])))
check("replace_dict", lambda: rows(people.replace({"Tom": "T"}, subset=["name"])))
check("replace_mixed", lambda: err(lambda: people.replace({"Tom": 1})))
check("replace_no_value", lambda: err(lambda: people.replace("Tom")))

a = spark.createDataFrame([("a", 1), ("a", 1), ("a", 1), ("a", 2), ("b", 3), ("c", 4), (None, None), (None, None)], ["k", "v"])
b = spark.createDataFrame([("a", 1), ("b", 3), (None, None), ("a", 1)], ["k", "v"])
check("except_all", lambda: rows(a.exceptAll(b)))
check("intersect_all", lambda: rows(a.intersectAll(b)))
check("subtract", lambda: rows(a.subtract(b)))
check("intersect", lambda: rows(a.intersect(b)))
a.createOrReplaceTempView("ta")
b.createOrReplaceTempView("tb")
check("sql_except_all", lambda: rows(spark.sql("SELECT * FROM ta EXCEPT ALL SELECT * FROM tb")))
check("sql_intersect_all", lambda: rows(spark.sql("SELECT * FROM ta INTERSECT ALL SELECT * FROM tb")))
check("except_widen", lambda: spark.range(3).exceptAll(spark.createDataFrame([(1,)], "id int")).collect())

r = spark.range(0, 20, 1, 4)
check("offset", lambda: [x.id for x in r.offset(15).collect()])
check("sql_offset", lambda: [x.id for x in spark.sql("SELECT id FROM range(10) ORDER BY id DESC LIMIT 3 OFFSET 2").collect()])
check("tail", lambda: [x.id for x in r.tail(3)])
check("tail_sorted", lambda: [x.id for x in r.orderBy(F.desc("id")).tail(2)])

w = spark.createDataFrame([(1, 11, 1.1), (2, 12, 1.2)], ["id", "int", "double"])
check("unpivot", lambda: [list(x) for x in w.unpivot("id", ["int", "double"], "var", "val").orderBy("id", "var").collect()])
check("unpivot_all", lambda: w.melt(["id"], None, "var", "val").dtypes)
check("unpivot_bad", lambda: err(lambda: spark.createDataFrame([(1, 2, "x")], ["id", "n", "s"]).unpivot("id", None, "k", "v").collect()))

s = spark.createDataFrame([("a", 1)], "i string, j int")
to = StructType([StructField("j", StringType()), StructField("i", StringType())])
check("to_schema", lambda: [s.to(to).dtypes, [list(x) for x in s.to(to).collect()]])
check("to_bad", lambda: err(lambda: s.to(StructType([StructField("i", IntegerType())]))))

ct = spark.createDataFrame([(1, 11), (1, 11), (3, 10), (4, 8), (4, 8)], ["c1", "c2"])
check("crosstab", lambda: [ct.crosstab("c1", "c2").columns, [list(x) for x in ct.crosstab("c1", "c2").sort("c1_c2").collect()]])

keys = spark.range(0, 300, 1, 3).select((F.col("id") % 3).alias("key"))
check("sample_by", lambda: [sorted(set(x.key for x in keys.sampleBy("key", {0: 0.5, 1: 1.0}, seed=3).collect())),
                            keys.sampleBy("key", {1: 1.0}, seed=3).count(),
                            keys.sampleBy("key", {0: 0.5}, seed=3).count() == keys.sampleBy("key", {0: 0.5}, seed=3).count()])
big = spark.range(0, 1000, 1, 4).select("id", (F.col("id") * 7 % 13).alias("x"))
def splits():
    parts = big.randomSplit([1.0, 2.0, 3.0], seed=11)
    ids = [sorted(x.id for x in p.collect()) for p in parts]
    again = [sorted(x.id for x in p.collect()) for p in big.randomSplit([1.0, 2.0, 3.0], seed=11)]
    return [ids == again, sorted(sum(ids, [])) == list(range(1000)), [len(i) for i in ids]]
check("random_split", splits)
st = spark.createDataFrame([((1, 2, (4, 5)),), (None,)], "a struct<b: int, c: int, e: struct<f: int, g: int>>")
check("with_field", lambda: [list(x) for x in st.select(F.col("a").withField("b", F.lit(9)).withField("d", F.lit(0))
                                                       .alias("a")).select("a.*").collect()])
check("drop_fields", lambda: [str(x.a) for x in st.withColumn("a", F.col("a").dropFields("c", "e.g")).collect()])
cr = spark.createDataFrame([("a", 1, 2)], ["Col1", "Col2", "x"])
check("col_regex", lambda: [cr.select(cr.colRegex("`(Col1)?+.+`")).columns, cr.select(cr.colRegex("`col.*`")).columns])
check("is_local", lambda: [spark.sql("SHOW TABLES").isLocal(), cr.isLocal()])
check("explain_cost", lambda: explained(cr.filter("x > 1"), mode="cost").splitlines())
check("grouped_repr", lambda: repr(cr.groupBy("Col1", cr.x)))
j = cr.join(cr.select("x"))
check("drop_missing", lambda: cr.drop(F.col("nope"), "nope2").columns)
check("drop_ambiguous", lambda: err(lambda: j.drop(F.col("x"))))
def error_class_name():
    try:
        j.select("x")
    except Exception as e:
        return type(e).__module__ + "." + type(e).__name__
check("error_class_name", error_class_name)
emit()
'''


def test_dataframe_rewrites(tmp_path):
    r = jobs.submit_ok(jobs.write_job(tmp_path, "df_more.py", JOB), master="local[2]", timeout=180).result
    nan = float("nan")

    def norm(rs):  # NaN compares equal to itself here
        return [["NaN" if isinstance(v, float) and v != v else v for v in x] for x in rs]

    people = [[10, 80.5, "Alice", True], [5, None, "Bob", None], [None, None, "Tom", False], [None, nan, None, None]]
    srt = lambda rs: sorted(norm(rs), key=repr)  # noqa: E731
    assert srt(r("fill_num")) == srt([[10, 80.5, "Alice", True], [5, 50.0, "Bob", None], [50, 50.0, "Tom", False],
                                       [50, 50.0, None, None]])
    assert srt(r("fill_str")) == srt([p[:2] + [p[2] or "unknown", p[3]] for p in people])
    assert srt(r("fill_bool")) == srt([p[:3] + [True if p[3] is None else p[3]] for p in people])
    assert srt(r("fill_subset")) == srt([[p[0], 1.5 if p[1] is None or p[1] != p[1] else p[1]] + p[2:] for p in people])
    assert srt(r("fill_map")) == srt([[7 if p[0] is None else p[0], p[1], p[2] or "x", p[3]] for p in people])
    assert r("fill_dtypes") == [["age", "int"], ["height", "double"], ["name", "string"], ["ok", "boolean"]]
    assert r("fill_bad_col").startswith("AnalysisException: [UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function "
                                        "parameter with name `nope` cannot be resolved.")
    assert r("fill_bad_value") == ("PySparkTypeError: [NOT_BOOL_OR_DICT_OR_FLOAT_OR_INT_OR_STR] Argument `value` should "
                                   "be a bool, dict, float, int or str, got list.")
    assert srt(r("drop_any")) == srt([[10, 80.5, "Alice", True]])
    assert srt(r("drop_all")) == srt([people[0], people[1]])
    assert srt(r("drop_thresh")) == srt(people[:3])
    assert srt(r("drop_subset")) == srt(people[:3])
    assert srt(r("replace_num")) == srt([[20] + people[0][1:]] + people[1:])
    assert srt(r("replace_list")) == srt([[10, 80.5, "A", True], [5, None, None, None]] + people[2:])
    assert srt(r("replace_dict")) == srt(people[:2] + [[None, None, "T", False], people[3]])
    assert r("replace_mixed") == "PySparkValueError: [MIXED_TYPE_REPLACEMENT] Mixed type replacements are not supported."
    assert r("replace_no_value").startswith("PySparkTypeError: [ARGUMENT_REQUIRED]")

    assert r("except_all") == sorted([["a", 1], ["a", 2], ["c", 4], [None, None]], key=repr)
    assert r("intersect_all") == sorted([["a", 1], ["a", 1], ["b", 3], [None, None]], key=repr)
    assert r("subtract") == [["a", 2], ["c", 4]]
    assert r("intersect") == sorted([["a", 1], ["b", 3], [None, None]], key=repr)
    assert r("sql_except_all") == r("except_all")
    assert r("sql_intersect_all") == r("intersect_all")
    assert sorted(x[0] for x in r("except_widen")) == [0, 2]

    assert r("offset") == [15, 16, 17, 18, 19]
    assert r("sql_offset") == [7, 6, 5]
    assert r("tail") == [17, 18, 19]
    assert r("tail_sorted") == [1, 0]

    assert r("unpivot") == [[1, "double", 1.1], [1, "int", 11.0], [2, "double", 1.2], [2, "int", 12.0]]
    assert r("unpivot_all") == [["id", "bigint"], ["var", "string"], ["val", "double"]]
    assert r("unpivot_bad").startswith("AnalysisException: [UNPIVOT_VALUE_DATA_TYPE_MISMATCH]")
    assert r("to_schema") == [[["j", "string"], ["i", "string"]], [["1", "a"]]]
    assert r("to_bad").startswith("AnalysisException: [INVALID_COLUMN_OR_FIELD_DATA_TYPE] Column or field `i` is of "
                                  "type \"STRING\" while it's required to be \"INT\".")
    assert r("crosstab") == [["c1_c2", "10", "11", "8"], [["1", 0, 2, 0], ["3", 1, 0, 0], ["4", 0, 0, 2]]]
    keys, ones, same = r("sample_by")
    assert keys == [0, 1] and ones == 100 and same
    stable, covering, sizes = r("random_split")
    assert stable and covering and all(s > 0 for s in sizes)
    assert r("with_field") == [[9, 2, [4, 5], 0], [None, None, None, None]]
    assert r("drop_fields") == ["Row(b=1, e=Row(f=4))", "None"]
    assert r("col_regex") == [["Col2", "x"], ["Col1", "Col2"]]
    assert r("is_local") == [True, False]
    cost = r("explain_cost")
    assert cost[0] == "== Optimized Logical Plan ==" and "Statistics(sizeInBytes=" in cost[1]
    assert "== Physical Plan ==" in cost
    assert r("grouped_repr") == ("GroupedData[grouping expressions: [Col1: string, x: bigint], "
                                 "value: [Col1: string, Col2: bigint, x: bigint], type: GroupBy]")
    assert r("drop_missing") == ["Col1", "Col2", "x"]
    assert r("drop_ambiguous").startswith("AnalysisException: [AMBIGUOUS_REFERENCE] Reference `x` is ambiguous")
    assert r("error_class_name") == "pyspark.errors.exceptions.captured.AnalysisException"
