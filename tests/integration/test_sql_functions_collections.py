"""Array (and later map/struct/JSON) functions of issue 14 on the native engine: PySpark 3.5's
docstring examples, NULL arrays vs NULL elements, empty arrays, duplicates, NaN, result types,
column names, SQL names and Spark's errors."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("fn-collections").getOrCreate()

def fix(v):  # NaN survives the JSON results line as a string
    if isinstance(v, float) and v != v:
        return "NaN"
    return [fix(x) for x in v] if isinstance(v, list) else v

def rows(d):
    return [fix(list(r)) for r in d.collect()]

def names_types(d):
    return [d.columns, [t for _, t in d.dtypes]]

def err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return str(e).split("\n")[0]
    return "no error"

# PySpark 3.5 docstring examples
abc = spark.createDataFrame([(["a", "b", "c"],), ([],)], ["data"])
check("doc_contains", lambda: rows(abc.select(F.array_contains(abc.data, "a"))))
check("doc_element_at", lambda: rows(abc.limit(1).select(F.element_at(abc.data, 1), F.element_at(abc.data, -1))))
s = spark.createDataFrame([([2, 1, None, 3],), ([1],), ([],)], ["data"])
check("doc_sort", lambda: rows(s.select(F.sort_array(s.data).alias("r"), F.sort_array(s.data, asc=False).alias("d"),
                                        F.array_sort(s.data).alias("a"))))
check("doc_distinct", lambda: rows(spark.createDataFrame([([1, 2, 3, 2],), ([4, 5, 5, 4],)], ["data"])
                                   .select(F.array_distinct("data"))))
j = spark.createDataFrame([(["a", "b", "c"],), (["a", None],)], ["data"])
check("doc_join", lambda: rows(j.select(F.array_join(j.data, ",").alias("joined"),
                                        F.array_join(j.data, ",", "NULL").alias("n"))))
check("doc_position", lambda: rows(spark.createDataFrame([(["c", "b", "a"],), ([],)], ["data"])
                                   .select(F.array_position("data", "a"))))
check("doc_remove", lambda: rows(spark.createDataFrame([([1, 2, 3, 1, 1],), ([],)], ["data"])
                                 .select(F.array_remove("data", 1))))
sets = spark.createDataFrame([(["b", "a", "c"], ["c", "d", "a", "f"])], ["c1", "c2"])
check("doc_sets", lambda: rows(sets.select(F.array_union(sets.c1, sets.c2), F.array_intersect(sets.c1, sets.c2),
                                           F.array_except(sets.c1, sets.c2))))
ov = spark.createDataFrame([(["a", "b"], ["b", "c"]), (["a"], ["b", "c"])], ["x", "y"])
check("doc_overlap", lambda: rows(ov.select(F.arrays_overlap(ov.x, ov.y).alias("overlap"))))
check("doc_slice", lambda: rows(spark.createDataFrame([([1, 2, 3],), ([4, 5],)], ["x"]).select(F.slice("x", 2, 2))))
check("doc_flatten", lambda: rows(spark.createDataFrame([([[1, 2, 3], [4, 5], [6]],), ([None, [4, 5]],)], ["data"])
                                  .select(F.flatten("data"))))
mm = spark.createDataFrame([([2, 1, 3],), ([None, 10, -1],), ([],)], ["data"])
check("doc_reverse_max_min", lambda: rows(mm.select(F.reverse("data"), F.array_max("data"), F.array_min("data"))))
check("doc_repeat", lambda: rows(spark.createDataFrame([("ab",)], ["data"]).select(F.array_repeat("data", 3))))

# NULL arrays, NULL elements, empty arrays, NaN
df = spark.createDataFrame([(1, [1.0, None, 2.0, 2.0, float("nan")], [2.0, 3.0]), (2, [], [None]),
                            (3, None, [1.0]), (4, [float("nan"), -1.0], [])], "id int, a array<double>, b array<double>")
check("nulls", lambda: rows(df.orderBy("id").select(
    F.array_contains("a", 2.0), F.array_contains("a", float("nan")), F.array_position("a", 2.0),
    F.array_remove("a", 2.0), F.sort_array("a"), F.array_sort("a"), F.array_distinct("a"), F.array_max("a"),
    F.array_union("a", "b"), F.array_intersect("a", "b"), F.array_except("a", "b"), F.arrays_overlap("a", "b"),
    F.element_at("a", 5), F.slice("a", -2, 2), F.reverse("a"))))
check("names", lambda: names_types(df.select(
    F.array_contains("a", 2.0), F.element_at("a", 1), F.sort_array("a"), F.array_sort("a"), F.array_distinct("a"),
    F.array_join(F.array(F.lit("x")), "-"), F.array_position("a", 1), F.array_remove("a", 1), F.array_union("a", "b"),
    F.arrays_overlap("a", "b"), F.slice("a", 1, 2), F.reverse("a"), F.array_max("a"), F.array_repeat("id", 2))))
df.createOrReplaceTempView("t")
check("sql", lambda: rows(spark.sql(
    "SELECT array_contains(array(1, 2), 2L), array_union(array(1), array(2L)), sort_array(array('b', 'a'), false), "
    "element_at(array(1, 2, 3), -1), array_position(array('a', 'b'), 'b'), slice(array(1, 2, 3, 4), -2, 5), "
    "flatten(array(array(1, 2), array(3))), array_join(array(1, NULL, 3), '+'), array_max(array(1.0D, 'NaN'))")))
check("sql_names", lambda: names_types(spark.sql(
    "SELECT sort_array(array(1)), array_contains(array(1, 2), 2L), array_join(array(1), ','), cardinality(array(1))")))
check("show", lambda: spark.sql("SELECT sort_array(array(3, NULL, 1)) AS s, array_join(array('a', NULL), ',') AS j")
      ._show_string())
check("err_zero", lambda: err(lambda: spark.sql("SELECT element_at(array(1), 0)").collect()))
check("err_slice_start", lambda: err(lambda: spark.sql("SELECT slice(array(1), 0, 1)").collect()))
check("err_slice_len", lambda: err(lambda: spark.sql("SELECT slice(array(1), 1, -1)").collect()))
check("err_contains", lambda: err(lambda: spark.sql("SELECT array_contains(array(1), 'a')")))
check("err_union", lambda: err(lambda: spark.sql("SELECT array_union(array(1), array('a'))")))
check("err_not_array", lambda: err(lambda: spark.sql("SELECT array_max(1)")))
check("err_flatten", lambda: err(lambda: spark.sql("SELECT flatten(array(1))")))
check("err_sort_order", lambda: err(lambda: spark.sql("SELECT sort_array(array(1), id = 0) FROM range(1)")))

# structs and maps
sm = spark.createDataFrame([(1, "a", 1.0), (2, None, None)], "id int, k string, v double")
check("struct_map", lambda: [[str(x) for x in r] for r in sm.orderBy("id").select(
    F.struct("id", "k"), F.struct(F.col("id").alias("x"), F.lit(1)), F.create_map(F.lit("z"), "id", F.lit("z"), F.lit(5)),
    F.map_keys(F.create_map(F.lit("a"), "v")), F.map_values(F.create_map(F.lit("a"), "v")),
    F.map_entries(F.create_map(F.lit("a"), "v")), F.map_from_arrays(F.array(F.lit(1), F.lit(2)), F.array("k", "k")),
    F.named_struct(F.lit("n"), "id")).collect()])
check("struct_map_names", lambda: names_types(sm.select(
    F.struct("id", "k"), F.struct(F.col("id").alias("x"), F.lit(1)), F.create_map("k", "v"),
    F.map_keys(F.create_map(F.lit("a"), "v")), F.map_entries(F.create_map(F.lit("a"), "v")),
    F.named_struct(F.lit("n"), "id"), F.str_to_map("k"))))
check("map_sql", lambda: spark.sql(
    "SELECT map_from_entries(array(struct(1, 'a'), struct(2, 'b'))) a, map_concat(map(1, 'a'), map(2, 'b')) b, "
    "str_to_map('a:1,b:2,c') c, str_to_map('a=1;b=2', ';', '=') d, named_struct('x', 1, 'y', 'z') e, map() f, "
    "element_at(map(1, 'a'), 1) g, element_at(map(1, 'a'), 2) h, struct(1, 'x') i, "
    "map_from_arrays(array(1, 2), array('p', 'q')) j")._show_string(truncate=False))
check("map_sql_types", lambda: names_types(spark.sql(
    "SELECT map(), str_to_map('a:1'), named_struct('x', 1, 'y', 'z'), struct(1, 'x'), map(1, 2L, 3, 4)")))
check("err_map_keys", lambda: err(lambda: spark.sql("SELECT map(1, 'a', 'b', 2, array(1), 3)")))
check("err_named_struct", lambda: err(lambda: spark.sql("SELECT named_struct('a', 1, 'b')")))
check("err_map_keys_fn", lambda: err(lambda: spark.sql("SELECT map_keys(array(1))")))

# JSON
from pyspark.sql.types import StructType, StructField, IntegerType
js = spark.createDataFrame([("1", '{"f1": "value1", "f2": "value2"}'), ("2", '{"f1": "value12"}')], ("key", "jstring"))
check("doc_get_json", lambda: rows(js.select(js.key, F.get_json_object(js.jstring, "$.f1").alias("c0"),
                                             F.get_json_object(js.jstring, "$.f2").alias("c1"))))
jd = spark.createDataFrame([(1, '{"a": 1, "b": [1, 2], "c": {"d": "x"}, "e": [{"f": 1}, {"f": 2}]}'), (2, "bad"),
                            (3, None), (4, "")], "id int, j string")
check("get_json", lambda: rows(jd.orderBy("id").select(*[F.get_json_object("j", p) for p in
                                                        ["$.a", "$.b", "$.b[1]", "$.c", "$.c.d", "$.e[*].f", "$.z", "a"]])))
check("get_json_names", lambda: names_types(jd.select(F.get_json_object("j", "$.a"))))
x = spark.createDataFrame([(1, '{"a": 1}')], ("key", "value"))
check("doc_from_json", lambda: [str(r) for r in x.select(
    F.from_json(x.value, StructType([StructField("a", IntegerType())])).alias("json"),
    F.from_json(x.value, "a INT").alias("ddl")).collect()])
check("from_json", lambda: [str(r) for r in jd.orderBy("id").select(
    F.from_json("j", "a INT, b ARRAY<INT>, c STRUCT<d: STRING>, z STRING")).collect()])
check("from_json_names", lambda: names_types(jd.select(F.from_json("j", "a INT, b ARRAY<INT>"))))
check("doc_to_json", lambda: rows(spark.createDataFrame([(1, "Alice")], ("age", "name"))
                                  .select(F.to_json(F.struct("age", "name")).alias("json"))))
check("to_json", lambda: rows(spark.sql(
    "SELECT to_json(named_struct('a', 1, 'b', cast(null as int), 'c', array(1.5D, cast('NaN' as double)))), "
    "to_json(array(named_struct('a', 1))), to_json(map('a', 1)), to_json(array(1, null)), "
    "to_json(named_struct('d', date'2024-02-29', 's', 'q\\\"'))")))
check("to_json_names", lambda: names_types(jd.select(F.to_json(F.struct("id", "j")))))
check("err_from_json_schema", lambda: err(lambda: jd.select(F.from_json("j", "a INTT"))))

# concat of arrays, sequence, arrays_zip
cz = spark.createDataFrame([(1, [1, 2], [3]), (2, [], None)], "id int, a array<int>, b array<int>")
check("concat_zip", lambda: [str(r) for r in cz.orderBy("id").select(
    F.concat("a", "b"), F.concat("a", F.array(F.lit(1.5))), F.arrays_zip("a", "b"),
    F.arrays_zip(F.col("a"), F.array(F.lit("x")))).collect()])
check("concat_zip_types", lambda: names_types(cz.select(F.concat("a", "b"), F.concat("a", F.array(F.lit(1.5))),
                                                        F.arrays_zip("a", "b"), F.concat(F.lit("x"), F.lit("y")))))
check("doc_sequence", lambda: rows(spark.createDataFrame([(-2, 2)], ("C1", "C2")).select(F.sequence("C1", "C2").alias("r"))))
check("sequence_sql", lambda: rows(spark.sql(
    "SELECT sequence(1, 5), sequence(5, 1, -2), sequence(1, 5, -1), sequence(3L, 3L, 0L), sequence(1, NULL)")))
check("schema_of_json", lambda: rows(spark.range(1).select(
    F.schema_of_json('{"a": 0}').alias("json"), F.schema_of_json(F.lit('[{"col":01}]'), {"allowNumericLeadingZeros": "true"}),
    F.schema_of_json('{"b": null, "a": [1.5], "c": {"d": "x"}}'))))
check("schema_of_json_names", lambda: spark.range(1).select(F.schema_of_json('{"a": 0}')).columns)
check("from_json_map_array", lambda: [str(r) for r in spark.createDataFrame(
    [(1, '{"a": 1}', '[{"a": 1}, {"a": 2}]'), (2, "[1]", "{}"), (3, None, "bad")], "id int, m string, a string")
    .orderBy("id").select(F.from_json("m", "MAP<STRING,INT>").alias("m"),
                          F.from_json("a", "ARRAY<STRUCT<a: INT>>").alias("a"),
                          F.from_json("m", "struct<a: int>").alias("s")).collect()])
check("empty", lambda: df.filter(F.col("id") > 10).select(F.array_distinct("a"), F.array_union("a", "b")).collect())
emit()
spark.stop()
'''


# array_sort(a) is named with the default comparator Spark fills in (ArraySort.defaultComparator).
_V = "namedlambdavariable()"
_N = "(%s IS NULL)" % _V
ARRAY_SORT_A = ("array_sort(a, lambdafunction((IF((%s AND %s), 0, (IF(%s, 1, (IF(%s, -1, (IF((%s < %s), -1, "
                "(IF((%s > %s), 1, 0)))))))))), %s, %s))" % (_N, _N, _N, _N, _V, _V, _V, _V, _V, _V))


def test_collection_functions(tmp_path):
    res = jobs.submit_ok(jobs.write_job(tmp_path, "fn_collections.py", JOB), master="local[2]", timeout=180)
    r = res.result
    assert r("doc_contains") == [[True], [False]]
    assert r("doc_element_at") == [["a", "c"]]
    assert r("doc_sort") == [[[None, 1, 2, 3], [3, 2, 1, None], [1, 2, 3, None]], [[1], [1], [1]], [[], [], []]]
    assert r("doc_distinct") == [[[1, 2, 3]], [[4, 5]]]
    assert r("doc_join") == [["a,b,c", "a,b,c"], ["a", "a,NULL"]]
    assert r("doc_position") == [[3], [0]]
    assert r("doc_remove") == [[[2, 3]], [[]]]
    assert r("doc_sets") == [[["b", "a", "c", "d", "f"], ["a", "c"], ["b"]]]
    assert r("doc_overlap") == [[True], [False]]
    assert r("doc_slice") == [[[2, 3]], [[5]]]
    assert r("doc_flatten") == [[[1, 2, 3, 4, 5, 6]], [None]]
    assert r("doc_reverse_max_min") == [[[3, 1, 2], 3, 1], [[-1, 10, None], 10, -1], [[], None, None]]
    assert r("doc_repeat") == [[["ab", "ab", "ab"]]]
    nan = r("nulls")
    assert len(nan) == 4
    r1, r2, r3, r4 = nan
    assert r1 == [True, True, 3, [1.0, None, "NaN"], [None, 1.0, 2.0, 2.0, "NaN"], [1.0, 2.0, 2.0, "NaN", None],
                  [1.0, None, 2.0, "NaN"], "NaN", [1.0, None, 2.0, "NaN", 3.0], [2.0], [1.0, None, "NaN"], True, "NaN",
                  [2.0, "NaN"], ["NaN", 2.0, 2.0, None, 1.0]]
    assert r2 == [False, False, 0, [], [], [], [], None, [None], [], [], False, None, [], []]
    assert r3 == [None] * 15
    assert r4 == [False, True, 0, ["NaN", -1.0], [-1.0, "NaN"], [-1.0, "NaN"], ["NaN", -1.0], "NaN", ["NaN", -1.0],
                  [], ["NaN", -1.0], False, None, ["NaN", -1.0], [-1.0, "NaN"]]
    assert r("show") == ("+------------+---+\n|           s|  j|\n+------------+---+\n"
                         "|[NULL, 1, 3]|  a|\n+------------+---+\n")
    assert r("names") == [
        ["array_contains(a, 2.0)", "element_at(a, 1)", "sort_array(a, true)", ARRAY_SORT_A, "array_distinct(a)",
         "array_join(array(x), -)", "array_position(a, 1)", "array_remove(a, 1)", "array_union(a, b)",
         "arrays_overlap(a, b)", "slice(a, 1, 2)", "reverse(a)", "array_max(a)", "array_repeat(id, 2)"],
        ["boolean", "double", "array<double>", "array<double>", "array<double>", "string", "bigint", "array<double>",
         "array<double>", "boolean", "array<double>", "array<double>", "double", "array<int>"]]
    assert r("sql") == [[True, [1, 2], ["b", "a"], 3, 2, [3, 4], [1, 2, 3], "1+3", "NaN"]]
    assert r("sql_names") == [["sort_array(array(1), true)", "array_contains(array(1, 2), 2)", "array_join(array(1), ,)",
                               "cardinality(array(1))"], ["array<int>", "boolean", "string", "int"]]
    # run-time errors in Spark (here: the lowering of a constant argument fails the task)
    assert "[INVALID_INDEX_OF_ZERO] The index 0 is invalid." in r("err_zero")
    assert "[INVALID_PARAMETER_VALUE.START]" in r("err_slice_start")
    assert "[INVALID_PARAMETER_VALUE.LENGTH]" in r("err_slice_len")
    assert r("err_contains").startswith(
        '[DATATYPE_MISMATCH.ARRAY_FUNCTION_DIFF_TYPES] Cannot resolve "array_contains(array(1), a)" due to data type '
        'mismatch: Input to `array_contains` should have been "ARRAY" followed by a value with same element type, '
        'but it\'s ["ARRAY<INT>", "STRING"].')
    assert r("err_union").startswith('[DATATYPE_MISMATCH.BINARY_ARRAY_DIFF_TYPES] Cannot resolve "array_union(array(1), array(a))"')
    assert r("err_not_array").startswith('[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve "array_max(1)"')
    assert r("err_flatten").startswith('[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve "flatten(array(1))"')
    assert r("err_sort_order").startswith('[DATATYPE_MISMATCH.NON_FOLDABLE_INPUT]')
    assert r("empty") == []
    assert r("struct_map") == [
        ["Row(id=1, k='a')", "Row(x=1, col2=1)", "{'z': 5}", "['a']", "[1.0]", "[Row(key='a', value=1.0)]",
         "{1: 'a', 2: 'a'}", "Row(n=1)"],
        ["Row(id=2, k=None)", "Row(x=2, col2=1)", "{'z': 5}", "['a']", "[None]", "[Row(key='a', value=None)]",
         "{1: None, 2: None}", "Row(n=2)"]]
    assert r("struct_map_names") == [
        ["struct(id, k)", "struct(id AS x, 1)", "map(k, v)", "map_keys(map(a, v))", "map_entries(map(a, v))",
         "named_struct(n, id)", "str_to_map(k, ,, :)"],
        ["struct<id:int,k:string>", "struct<x:int,col2:int>", "map<string,double>", "array<string>",
         "array<struct<key:string,value:double>>", "struct<n:int>", "map<string,string>"]]
    assert r("map_sql").split("\n")[3] == (
        "|{1 -> a, 2 -> b}|{1 -> a, 2 -> b}|{a -> 1, b -> 2, c -> NULL}|{a -> 1, b -> 2}|{1, z}|{} |a  |NULL|{1, x}"
        "|{1 -> p, 2 -> q}|")
    assert r("map_sql_types") == [
        ["map()", "str_to_map(a:1, ,, :)", "named_struct(x, 1, y, z)", "struct(1, x)", "map(1, 2, 3, 4)"],
        ["map<void,void>", "map<string,string>", "struct<x:int,y:string>", "struct<col1:int,col2:string>",
         "map<int,bigint>"]]  # map() is map<void,void> since Spark 3.0 (CreateMap's NullType default)
    assert r("err_map_keys").startswith("[DATATYPE_MISMATCH.CREATE_MAP_KEY_DIFF_TYPES]")
    assert r("err_named_struct").startswith("[WRONG_NUM_ARGS.WITHOUT_SUGGESTION]")
    assert r("err_map_keys_fn").startswith('[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve "map_keys(array(1))"')
    assert r("doc_get_json") == [["1", "value1", "value2"], ["2", "value12", None]]
    assert r("get_json") == [["1", "[1,2]", "2", '{"d":"x"}', "x", "[1,2]", None, None],
                             [None] * 8, [None] * 8, [None] * 8]
    assert r("get_json_names") == [["get_json_object(j, $.a)"], ["string"]]
    assert r("doc_from_json") == ["Row(json=Row(a=1), ddl=Row(a=1))"]
    assert r("from_json") == ["Row(from_json(j)=Row(a=1, b=[1, 2], c=Row(d='x'), z=None))",
                              "Row(from_json(j)=Row(a=None, b=None, c=None, z=None))",  # malformed: PERMISSIVE
                              "Row(from_json(j)=None)", "Row(from_json(j)=None)"]
    assert r("from_json_names") == [["from_json(j)"], ["struct<a:int,b:array<int>>"]]
    assert r("doc_to_json") == [['{"age":1,"name":"Alice"}']]
    assert r("to_json") == [['{"a":1,"c":[1.5,"NaN"]}', '[{"a":1}]', '{"a":1}', "[1,null]",
                             '{"d":"2024-02-29","s":"q\\""}']]
    assert r("to_json_names") == [["to_json(struct(id, j))"], ["string"]]
    assert r("err_from_json_schema").startswith("[INVALID_SCHEMA.PARSE_ERROR]")
    assert r("concat_zip") == [
        "Row(concat(a, b)=[1, 2, 3], concat(a, array(1.5))=[1.0, 2.0, 1.5], arrays_zip(a, b)=[Row(a=1, b=3), "
        "Row(a=2, b=None)], arrays_zip(a, array(x))=[Row(a=1, 1='x'), Row(a=2, 1=None)])",
        "Row(concat(a, b)=None, concat(a, array(1.5))=[1.5], arrays_zip(a, b)=None, "
        "arrays_zip(a, array(x))=[Row(a=None, 1='x')])"]
    assert r("concat_zip_types") == [["concat(a, b)", "concat(a, array(1.5))", "arrays_zip(a, b)", "concat(x, y)"],
                                     ["array<int>", "array<double>", "array<struct<a:int,b:int>>", "string"]]
    assert r("doc_sequence") == [[[-2, -1, 0, 1, 2]]]
    assert r("sequence_sql") == [[[1, 2, 3, 4, 5], [5, 3, 1], None, [3], None]]
    assert r("schema_of_json") == [["STRUCT<a: BIGINT>", "ARRAY<STRUCT<col: BIGINT>>",
                                    "STRUCT<a: ARRAY<DOUBLE>, b: STRING, c: STRUCT<d: STRING>>"]]
    assert r("schema_of_json_names") == ['schema_of_json({"a": 0})']
    assert r("from_json_map_array") == ["Row(m={'a': 1}, a=[Row(a=1), Row(a=2)], s=Row(a=1))",
                                        "Row(m=None, a=None, s=Row(a=None))", "Row(m=None, a=None, s=None)"]
