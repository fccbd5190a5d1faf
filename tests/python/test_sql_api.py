"""pyspark.sql as a plan builder: the Connect plan JSON each API call produces, types/DDL/JSON,
type inference, Row, show() layout, error classes. Runs without the C++ engine (docs/sql-engine.md
"Plan wire format" is the contract these tests pin down)."""
import ast
import datetime
import decimal
import json
import os
import re

import pytest

from sparkpp.errors import (IllegalArgumentException, ParseException, PySparkAttributeError,
                            PySparkNotImplementedError, PySparkTypeError, PySparkValueError)
from sparkpp.sql import Row, SparkSession
from sparkpp.sql import functions as F
from sparkpp.sql import _proto as P
from sparkpp.sql import types as T
from sparkpp.sql._show import java_double, pretty_cell, show_string
from sparkpp.sql.types import _parse_datatype_string as ddl

SQL_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "src", "pyworker", "sparkpp", "sql")


@pytest.fixture
def spark(sc):
    s = SparkSession(sc)
    yield s


def plan(df):
    """The relation without planIds (they depend on test order), as JSON-compatible data."""
    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k not in ("common", "planId")}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x
    json.dumps(df._plan)  # must be plain JSON
    return strip(df._plan)


def expr(c):
    return c._expr


A = {"unresolvedAttribute": {"unparsedIdentifier": "a"}}
B = {"unresolvedAttribute": {"unparsedIdentifier": "b"}}


def fn(name, *args, **kw):
    body = {"functionName": name, "arguments": list(args)}
    if kw.get("distinct"):
        body["isDistinct"] = True
    return {"unresolvedFunction": body}


def lit(**kw):
    return {"literal": kw}


# ------------------------------------------------------------------------------- Columns

def test_column_operators_are_unresolved_functions():
    a, b = F.col("a"), F.col("b")
    assert expr(a + 1) == fn("+", A, lit(integer=1))
    assert expr(1 - a) == fn("-", lit(integer=1), A)
    assert expr(a / b) == fn("/", A, B) and expr(a % 2) == fn("%", A, lit(integer=2))
    # -a is the unary `-` (named (- a) as classic PySpark); functions.negative(a) sends
    # "negative", named negative(a) (Spark's FUNC_ALIAS), as a Connect client's -a is.
    assert expr(a ** 2) == fn("power", A, lit(integer=2)) and expr(-a) == fn("-", A)
    assert expr(F.negative(a)) == fn("negative", A)
    assert expr(a == b) == fn("==", A, B)
    assert expr(a != 1) == fn("not", fn("==", A, lit(integer=1)))
    assert expr(a.eqNullSafe(None)) == fn("<=>", A, lit(null={"null": {}}))
    assert expr((a > 1) & ~(b <= 2)) == fn("and", fn(">", A, lit(integer=1)),
                                           fn("not", fn("<=", B, lit(integer=2))))
    assert expr(a | b) == fn("or", A, B)
    assert expr(a.isNull()) == fn("isnull", A) and expr(a.isNotNull()) == fn("isnotnull", A)
    assert expr(a.isin(1, 2)) == expr(a.isin([1, 2])) == fn("in", A, lit(integer=1),
                                                           lit(integer=2))
    assert expr(a.between(1, 3)) == fn("and", fn(">=", A, lit(integer=1)),
                                       fn("<=", A, lit(integer=3)))
    assert expr(a.like("x%")) == fn("like", A, lit(string="x%"))
    assert expr(a.rlike("^x")) == fn("rlike", A, lit(string="^x"))
    assert expr(a.startswith("x")) == fn("startswith", A, lit(string="x"))
    assert expr(a.endswith("x")) == fn("endswith", A, lit(string="x"))
    assert expr(a.contains("x")) == fn("contains", A, lit(string="x"))
    # "substring": classic PySpark names it substring(a, 1, 2); F.substr keeps substr(…)
    assert expr(a.substr(1, 2)) == fn("substring", A, lit(integer=1), lit(integer=2))


def test_column_naming_casts_sorting_and_nested_access():
    a = F.col("a")
    assert expr(a.alias("x")) == {"alias": {"expr": A, "name": ["x"]}}
    assert expr(a.name("x")) == expr(a.alias("x"))
    assert expr(a.cast("int")) == {"cast": {"expr": A, "typeStr": "int"}}
    assert expr(a.cast(T.DecimalType(5, 2))) == {"cast": {"expr": A, "type": {
        "decimal": {"precision": 5, "scale": 2}}}}
    assert expr(a.asc()) == {"sortOrder": {"child": A, "direction": "SORT_DIRECTION_ASCENDING",
                                           "nullOrdering": "SORT_NULLS_FIRST"}}
    assert expr(a.desc())["sortOrder"]["nullOrdering"] == "SORT_NULLS_LAST"
    assert expr(a.desc_nulls_first())["sortOrder"] == {
        "child": A, "direction": "SORT_DIRECTION_DESCENDING", "nullOrdering": "SORT_NULLS_FIRST"}
    assert expr(a.asc_nulls_last())["sortOrder"]["nullOrdering"] == "SORT_NULLS_LAST"
    assert expr(a.getItem(0)) == {"unresolvedExtractValue": {"child": A,
                                                             "extraction": lit(integer=0)}}
    assert expr(a.getField("f")) == expr(a["f"]) == expr(a.f)
    assert expr(a.withField("f", F.lit(1))) == {"updateFields": {
        "structExpression": A, "fieldName": "f", "valueExpression": lit(integer=1)}}
    assert expr(a.dropFields("f", "g")) == {"updateFields": {"structExpression": {
        "updateFields": {"structExpression": A, "fieldName": "f"}}, "fieldName": "g"}}
    w = F.when(a > 1, "big").when(a > 0, "small").otherwise("none")
    assert expr(w) == fn("when", fn(">", A, lit(integer=1)), lit(string="big"),
                         fn(">", A, lit(integer=0)), lit(string="small"), lit(string="none"))
    assert repr(F.when(a > 1, 1)) == "Column<'CASE WHEN (a > 1) THEN 1 END'>"
    assert repr(a.cast(T.LongType())) == "Column<'CAST(a AS BIGINT)'>"
    assert repr(a.cast("int")) == "Column<'CAST(a AS INT)'>"
    assert repr(F.count("*")) == "Column<'count(1)'>" and repr(a != 1) == "Column<'(NOT (a = 1))'>"
    for dt in (T.ArrayType(T.DecimalType(5, 2), False), T.MapType(T.StringType(), T.DateType()),
               T.StructType([T.StructField("x", T.TimestampNTZType(), False, {"k": "v"})])):
        from sparkpp.sql import _proto
        assert _proto.from_data_type(_proto.data_type(dt)) == dt
    with pytest.raises(TypeError):
        w.otherwise(1)
    with pytest.raises(PySparkValueError, match=r"\[SLICE_WITH_STEP\]"):
        a[1:3:2]
    assert expr(a[1:3]) == fn("substring", A, lit(integer=1), lit(integer=3))
    with pytest.raises(PySparkAttributeError, match=r"\[CANNOT_ACCESS_TO_DUNDER\]"):
        a.__foo__


def test_column_misuse_errors():
    with pytest.raises(PySparkValueError, match=r"\[CANNOT_CONVERT_COLUMN_INTO_BOOL\]"):
        bool(F.col("a"))
    with pytest.raises(PySparkValueError, match=r"\[CANNOT_CONVERT_COLUMN_INTO_BOOL\]"):
        F.col("a") > 1 and F.col("b") > 1
    with pytest.raises(PySparkTypeError, match=r"\[NOT_ITERABLE\] Column is not iterable"):
        list(F.col("a"))
    with pytest.raises(PySparkTypeError) as e:
        F.col(1)
    assert e.value.getErrorClass() == "NOT_STR"
    assert e.value.getMessageParameters() == {"arg_name": "col", "arg_type": "int"}
    with pytest.raises(PySparkTypeError, match=r"\[NOT_COLUMN\] Argument `condition`"):
        F.when(True, 1)


def test_literals():
    def L(v):
        return expr(F.lit(v))["literal"]
    assert L(None) == {"null": {"null": {}}} and L(True) == {"boolean": True}
    assert L(1) == {"integer": 1} and L(2 ** 31) == {"long": "2147483648"}
    assert L(1.5) == {"double": 1.5} and L(float("nan")) == {"double": "NaN"}
    assert L(float("-inf")) == {"double": "-Infinity"}
    assert L("s") == {"string": "s"} and L(b"\x00\xff") == {"binary": "AP8="}
    assert L(decimal.Decimal("1.50")) == {"decimal": {"value": "1.50", "precision": 3,
                                                      "scale": 2}}
    assert L(datetime.date(1970, 1, 11)) == {"date": 10}
    assert L(datetime.timedelta(seconds=1)) == {"dayTimeInterval": "1000000"}
    assert expr(F.lit([1, 2])) == fn("array", lit(integer=1), lit(integer=2))
    with pytest.raises(PySparkValueError, match="VALUE_OUT_OF_BOUND"):
        F.lit(2 ** 63)


def test_functions():
    assert expr(F.col("*")) == {"unresolvedStar": {}}
    assert expr(F.col("t.*")) == {"unresolvedStar": {"unparsedTarget": "t.*"}}
    assert expr(F.count("*")) == fn("count", {"unresolvedStar": {}})
    assert expr(F.countDistinct("a", F.col("b"))) == fn("count", A, B, distinct=True)
    assert expr(F.mean("a")) == expr(F.avg("a")) == fn("avg", A)
    for name in ("sum", "min", "max", "collect_list", "collect_set", "upper", "lower", "trim",
                 "length", "explode", "explode_outer", "size", "abs", "sqrt", "year", "month",
                 "dayofmonth", "isnull"):
        assert expr(getattr(F, name)("a")) == fn(name, A), name
    assert expr(F.first("a")) == fn("first", A, lit(boolean=False))
    assert expr(F.last("a", True)) == fn("last", A, lit(boolean=True))
    assert expr(F.concat("a", "b")) == fn("concat", A, B)
    assert expr(F.concat_ws("-", "a", "b")) == fn("concat_ws", lit(string="-"), A, B)
    assert expr(F.substring("a", 1, 2)) == fn("substring", A, lit(integer=1), lit(integer=2))
    assert expr(F.split("a", ",")) == fn("split", A, lit(string=","), lit(integer=-1))
    assert expr(F.array("a", "b")) == expr(F.array(["a", "b"])) == fn("array", A, B)
    assert expr(F.round("a")) == fn("round", A, lit(integer=0))
    assert expr(F.to_date("a")) == fn("to_date", A)
    assert expr(F.to_date("a", "yyyy")) == fn("to_date", A, lit(string="yyyy"))
    assert expr(F.current_date()) == fn("current_date")
    assert expr(F.monotonically_increasing_id()) == fn("monotonically_increasing_id")
    assert expr(F.coalesce("a", F.lit(0))) == fn("coalesce", A, lit(integer=0))
    assert expr(F.expr("a + 1")) == {"expressionString": {"expression": "a + 1"}}
    assert expr(F.pow("a", 2)) == fn("power", A, lit(double=2.0))
    assert expr(F.date_trunc("month", "a")) == fn("date_trunc", lit(string="month"), A)
    assert expr(F.add_months("a", 1)) == fn("add_months", A, lit(integer=1))
    assert expr(F.unix_timestamp("a")) == fn("unix_timestamp", A,
                                             lit(string="yyyy-MM-dd HH:mm:ss"))
    assert expr(F.nvl("a", "b")) == fn("nvl", A, B)
    assert expr(F.locate("x", "a")) == fn("locate", lit(string="x"), A, lit(integer=1))
    assert expr(F.percentile_approx("a", [0.5, 1])) == fn(
        "percentile_approx", A, fn("array", lit(double=0.5), lit(double=1.0)),
        lit(integer=10000))
    assert expr(F.sort_array("a", False)) == fn("sort_array", A, lit(boolean=False))
    assert expr(F.slice("a", 1, F.col("b"))) == fn("slice", A, lit(integer=1), B)
    assert "col" in F.__all__ and "countDistinct" in F.__all__


# ---------------------------------------------------------------------------- Relations

def test_dataframe_plans(spark):
    df = spark.range(10)
    # numPartitions: the context's defaultParallelism (local[4]), as PySpark's range
    assert plan(df) == {"range": {"start": "0", "end": "10", "step": "1", "numPartitions": 4}}
    r = {"range": {"start": "0", "end": "10", "step": "1", "numPartitions": 4}}
    assert plan(df.select("a", F.col("b") + 1)) == {"project": {"input": r, "expressions": [
        A, fn("+", B, lit(integer=1))]}}
    assert plan(df.select("*")) == {"project": {"input": r,
                                                "expressions": [{"unresolvedStar": {}}]}}
    assert plan(df.selectExpr("a + 1")) == {"project": {"input": r, "expressions": [
        {"expressionString": {"expression": "a + 1"}}]}}
    assert plan(df.filter(F.col("a") > 1)) == plan(df.where(F.col("a") > 1)) == {
        "filter": {"input": r, "condition": fn(">", A, lit(integer=1))}}
    assert plan(df.filter("a > 1"))["filter"]["condition"] == {
        "expressionString": {"expression": "a > 1"}}
    assert plan(df.withColumn("c", F.lit(1))) == {"withColumns": {"input": r, "aliases": [
        {"expr": lit(integer=1), "name": ["c"]}]}}
    assert plan(df.withColumnRenamed("a", "b")) == {"withColumnsRenamed": {
        "input": r, "renameColumnsMap": {"a": "b"}}}
    assert plan(df.drop("a", F.col("b"))) == {"drop": {"input": r, "columns": [B],
                                                       "columnNames": ["a"]}}
    assert plan(df.alias("t")) == {"subqueryAlias": {"input": r, "alias": "t"}}
    assert plan(df.limit(3)) == {"limit": {"input": r, "limit": 3}}
    assert plan(df.distinct()) == {"deduplicate": {"input": r, "allColumnsAsKeys": True}}
    assert plan(df.dropDuplicates(["a"])) == {"deduplicate": {"input": r,
                                                              "columnNames": ["a"]}}
    assert plan(df.toDF("x")) == {"toDf": {"input": r, "columnNames": ["x"]}}
    assert plan(df.repartition(4)) == {"repartition": {"input": r, "numPartitions": 4,
                                                       "shuffle": True}}
    assert plan(df.coalesce(2))["repartition"]["shuffle"] is False
    assert plan(df.repartition(4, "a")) == {"repartitionByExpression": {
        "input": r, "partitionExprs": [A], "numPartitions": 4}}
    assert plan(F.broadcast(df)) == {"hint": {"input": r, "name": "broadcast",
                                              "parameters": []}}
    s = plan(df.sample(0.5, seed=3))["sample"]
    assert s == {"input": r, "lowerBound": 0.0, "upperBound": 0.5, "withReplacement": False,
                 "seed": "3"}
    splits = [plan(x)["sample"] for x in df.randomSplit([1.0, 3.0], seed=7)]
    assert [(x["lowerBound"], x["upperBound"]) for x in splits] == [(0.0, 0.25), (0.25, 1.0)]
    assert all(x["seed"] == "7" and x["deterministicOrder"] for x in splits)


def test_self_join_columns_carry_the_plan_id(spark):
    df = spark.range(3)
    c = df["id"]
    assert c._expr["unresolvedAttribute"]["planId"] == df._plan["common"]["planId"]
    assert df.id._expr == c._expr


def test_sort_plans(spark):
    df = spark.range(1)
    asc = {"child": A, "direction": "SORT_DIRECTION_ASCENDING", "nullOrdering": "SORT_NULLS_FIRST"}
    desc = {"child": B, "direction": "SORT_DIRECTION_DESCENDING",
            "nullOrdering": "SORT_NULLS_LAST"}
    assert plan(df.orderBy("a", F.col("b").desc()))["sort"]["order"] == [asc, desc]
    assert plan(df.sort("a"))["sort"]["isGlobal"] is True
    assert plan(df.sortWithinPartitions("a"))["sort"]["isGlobal"] is False
    o = plan(df.orderBy(["a", "b"], ascending=[True, False]))["sort"]["order"]
    assert o == [asc, desc]
    assert plan(df.orderBy("a", ascending=False))["sort"]["order"][0]["direction"] == \
        "SORT_DIRECTION_DESCENDING"


def test_aggregate_plans(spark):
    df = spark.range(1)
    g = plan(df.groupBy("a").agg(F.sum("b"), F.count("*")))["aggregate"]
    assert g["groupType"] == "GROUP_TYPE_GROUPBY" and g["groupingExpressions"] == [A]
    assert g["aggregateExpressions"] == [fn("sum", B), fn("count", {"unresolvedStar": {}})]
    assert plan(df.groupBy("a").count())["aggregate"]["aggregateExpressions"] == [
        {"alias": {"expr": fn("count", lit(integer=1)), "name": ["count"]}}]
    d = plan(df.groupBy(["a"]).agg({"b": "mean", "*": "count"}))["aggregate"]
    assert d["aggregateExpressions"] == [fn("avg", B), fn("count", {"unresolvedStar": {}})]
    assert plan(df.groupBy("a").max("b"))["aggregate"]["aggregateExpressions"] == [fn("max", B)]
    assert plan(df.groupBy("a").avg("b"))["aggregate"]["aggregateExpressions"] == [fn("avg", B)]
    assert plan(df.agg(F.max("a")))["aggregate"]["groupingExpressions"] == []
    assert plan(df.rollup("a").count())["aggregate"]["groupType"] == "GROUP_TYPE_ROLLUP"
    assert plan(df.cube("a").count())["aggregate"]["groupType"] == "GROUP_TYPE_CUBE"


def test_join_plans(spark):
    l, r = spark.range(1), spark.range(2)
    j = plan(l.join(r, "a"))["join"]
    assert j["joinType"] == "JOIN_TYPE_INNER" and j["usingColumns"] == ["a"]
    assert "joinCondition" not in j
    assert plan(l.join(r, ["a", "b"], "left"))["join"]["usingColumns"] == ["a", "b"]
    cond = plan(l.join(r, [F.col("a") == F.col("b"), F.col("a") > 1], "full"))["join"]
    assert cond["joinCondition"] == fn("and", fn("==", A, B), fn(">", A, lit(integer=1)))
    assert cond["joinType"] == "JOIN_TYPE_FULL_OUTER"
    for how, t in [("inner", "INNER"), ("left", "LEFT_OUTER"), ("leftouter", "LEFT_OUTER"),
                   ("right_outer", "RIGHT_OUTER"), ("outer", "FULL_OUTER"),
                   ("left_semi", "LEFT_SEMI"), ("semi", "LEFT_SEMI"), ("anti", "LEFT_ANTI"),
                   ("leftanti", "LEFT_ANTI"), ("cross", "CROSS")]:
        assert plan(l.join(r, "a", how))["join"]["joinType"] == "JOIN_TYPE_" + t
    assert plan(l.join(r))["join"] == {"left": plan(l), "right": plan(r),
                                       "joinType": "JOIN_TYPE_INNER"}
    assert plan(l.crossJoin(r))["join"]["joinType"] == "JOIN_TYPE_CROSS"
    with pytest.raises(PySparkValueError, match=r"\[UNSUPPORTED_JOIN_TYPE\] Unsupported join "
                                                r"type: sideways"):
        l.join(r, "a", "sideways")


def test_set_operation_plans(spark):
    l, r = spark.range(1), spark.range(2)
    def op(df):
        s = plan(df)["setOp"]
        return s["setOpType"], s["isAll"], s["byName"], s.get("allowMissingColumns")
    assert op(l.union(r)) == op(l.unionAll(r)) == ("SET_OP_TYPE_UNION", True, False, None)
    assert op(l.unionByName(r, True)) == ("SET_OP_TYPE_UNION", True, True, True)
    assert op(l.intersect(r)) == ("SET_OP_TYPE_INTERSECT", False, False, None)
    assert op(l.intersectAll(r)) == ("SET_OP_TYPE_INTERSECT", True, False, None)
    assert op(l.subtract(r)) == ("SET_OP_TYPE_EXCEPT", False, False, None)
    assert op(l.exceptAll(r)) == ("SET_OP_TYPE_EXCEPT", True, False, None)


def test_na_and_stat_plans(spark):
    df = spark.range(1)
    assert plan(df.na.fill(0))["fillNa"]["values"] == [{"double": 0.0}]  # PySpark fills ints as doubles
    assert plan(df.fillna({"a": "x", "b": 1.5}))["fillNa"] == {
        "input": plan(df), "cols": ["a", "b"], "values": [{"string": "x"}, {"double": 1.5}]}
    assert plan(df.fillna("x", "a"))["fillNa"]["cols"] == ["a"]
    assert "minNonNulls" not in plan(df.na.drop())["dropNa"]
    assert plan(df.dropna(how="all"))["dropNa"]["minNonNulls"] == 1
    assert plan(df.dropna(thresh=2, subset=["a", "b"]))["dropNa"] == {
        "input": plan(df), "cols": ["a", "b"], "minNonNulls": 2}
    assert plan(df.replace(1, 2, "a"))["replace"] == {
        "input": plan(df), "cols": ["a"],
        "replacements": [{"oldValue": {"integer": 1}, "newValue": {"integer": 2}}]}
    assert plan(df.na.replace({"x": "y"}))["replace"]["replacements"] == [
        {"oldValue": {"string": "x"}, "newValue": {"string": "y"}}]
    assert plan(df.describe("a"))["describe"]["cols"] == ["a"]
    assert plan(df.summary("count", "max"))["summary"]["statistics"] == ["count", "max"]
    with pytest.raises(PySparkValueError, match=r"\[VALUE_NOT_ANY_OR_ALL\]"):
        df.dropna(how="some")


def test_reader_and_writer_plans(spark, tmp_path):
    src = plan(spark.read.option("header", True).csv("/d", inferSchema=True, sep=";"))
    assert src == {"read": {"dataSource": {"format": "csv", "paths": ["/d"], "options": {
        "header": "true", "inferSchema": "true", "sep": ";"}}}}
    assert plan(spark.read.options(a=None, b=1).format("x").load())["read"]["dataSource"][
        "options"] == {"b": "1"}
    js = plan(spark.read.schema("a INT").json(["/x", "/y"]))["read"]["dataSource"]
    assert js["schema"] == "a INT" and js["paths"] == ["/x", "/y"] and js["format"] == "json"
    st = T.StructType([T.StructField("a", T.LongType())])
    assert plan(spark.read.format("csv").schema(st).load("/z"))["read"]["dataSource"][
        "schema"] == st.json()
    assert plan(spark.table("db.t")) == {"read": {"namedTable": {
        "unparsedIdentifier": "db.t", "options": {}}}}
    df = spark.range(1)
    sent = []
    spark._client.command = sent.append
    df.write.mode("overwrite").option("header", "true").partitionBy("a").csv("/out")
    w = sent[-1]["command"]["writeOperation"]
    assert w["source"] == "csv" and w["path"] == "/out" and w["mode"] == "SAVE_MODE_OVERWRITE"
    assert w["options"] == {"header": "true"} and w["partitioningColumns"] == ["a"]
    df.write.format("json").save("/o2")
    assert sent[-1]["command"]["writeOperation"]["mode"] == "SAVE_MODE_ERROR_IF_EXISTS"
    df.write.text("/o3")
    assert sent[-1]["command"]["writeOperation"]["source"] == "text"
    df.createOrReplaceTempView("v")
    assert sent[-1]["command"]["createDataframeView"] == {
        "input": df._plan, "name": "v", "isGlobal": False, "replace": True}
    with pytest.raises(IllegalArgumentException, match="Unknown save mode: sometimes"):
        df.write.mode("sometimes")


def test_operations_not_yet_run_natively_say_so(spark):
    df = spark.range(3).select("id")
    with pytest.raises(PySparkNotImplementedError, match=r"\[NOT_IMPLEMENTED\] project"):
        df.collect()
    assert repr(df) == "DataFrame[<not analyzed: project>]"


# ------------------------------------------------------------- execution of today's leaves

def test_create_dataframe_infers_spark_types(spark):
    df = spark.createDataFrame([("a", 1, 2.5, True)], ["x", "y", "z"])
    assert df.dtypes == [("x", "string"), ("y", "bigint"), ("z", "double"), ("_4", "boolean")]
    assert df.collect() == [Row(x="a", y=1, z=2.5, _4=True)]
    d = spark.createDataFrame([{"name": "Alice", "age": 1}])
    assert d.columns == ["age", "name"] and d.collect() == [Row(age=1, name="Alice")]
    n = spark.createDataFrame([(1, None), (None, "x")])
    assert n.dtypes == [("_1", "bigint"), ("_2", "string")]
    v = spark.createDataFrame([1, 2], "int")
    assert v.schema == T.StructType([T.StructField("value", T.IntegerType(), True)])
    assert v.collect() == [Row(value=1), Row(value=2)]
    s = spark.createDataFrame([(1, "a")], "a INT, b STRING")
    assert s.dtypes == [("a", "int"), ("b", "string")]
    dt = spark.createDataFrame([(datetime.date(2024, 1, 2), [1, 2], {"k": 1.0})], ["d", "l", "m"])
    assert dt.dtypes == [("d", "date"), ("l", "array<bigint>"), ("m", "map<string,double>")]
    assert dt.collect()[0].d == datetime.date(2024, 1, 2)
    with pytest.raises(PySparkTypeError, match=r"\[CANNOT_MERGE_TYPE\] Can not merge type "
                                               r"`LongType` and `DoubleType`"):
        spark.createDataFrame([(1,), (2.5,)])
    with pytest.raises(PySparkValueError, match=r"\[CANNOT_DETERMINE_TYPE\]"):
        spark.createDataFrame([(None,)])
    with pytest.raises(PySparkValueError, match=r"\[CANNOT_INFER_EMPTY_SCHEMA\]"):
        spark.createDataFrame([])
    with pytest.raises(PySparkTypeError, match=r"\[CANNOT_ACCEPT_OBJECT_IN_TYPE\] "
                                               r"`IntegerType\(\)` can not accept object `x` in "
                                               r"type `str`\."):
        spark.createDataFrame([("x",)], "a INT")
    with pytest.raises(PySparkValueError, match=r"\[CANNOT_BE_NONE\] Argument `obj` can not "
                                                r"be None\."):
        spark.createDataFrame([(None,)], "a INT NOT NULL")
    with pytest.raises(PySparkValueError, match=r"\[VALUE_OUT_OF_BOUND\] Value for `obj` must "
                                                r"be greater than 127 or less than -127, got 300"):
        spark.createDataFrame([(300,)], "a TINYINT")
    with pytest.raises(PySparkValueError, match=r"\[LENGTH_SHOULD_BE_THE_SAME\] obj and fields "
                                                r"should be of the same length, got 2 and 1\."):
        spark.createDataFrame([(1, 2)], "a INT")


def test_schema_of_a_local_relation_needs_no_rows(spark, monkeypatch):
    df = spark.createDataFrame([("a", 1)], ["k", "n"])
    monkeypatch.setattr(spark._client, "_legacy", None)  # any use of the RDD path would fail
    assert df.columns == ["k", "n"] and expr(df.k) == expr(df["k"])
    assert spark.range(3).dtypes == [("id", "bigint")]


def test_local_relation_plan_carries_rows_as_batches(spark):
    import base64
    from sparkpp.sql._batch import decode_batches
    df = spark.createDataFrame([("a", 1), (None, 2)], ["k", "n"])
    rel = df._plan["localRelation"]
    assert T._parse_datatype_json_string(rel["schema"]) == df.schema
    [(schema, rows)] = list(decode_batches(base64.b64decode(rel["data"])))
    assert schema == df.schema and rows == [("a", 1), (None, 2)]
    assert "data" not in spark.createDataFrame([], "a INT")._plan["localRelation"]


def test_batch_format_bytes_and_round_trip():
    import struct
    from sparkpp.sql._batch import BatchFormatError, decode_batches, encode_batches
    st = T.StructType([T.StructField("n", T.LongType()), T.StructField("s", T.StringType())])
    data = encode_batches(st, [(1, "ab"), (None, "c")])
    magic, ver, flags, rows, slen, nodes, bufs, _, blen, stored = \
        struct.unpack_from("<4sHHqIIIIQQ", data)
    assert (magic, ver, flags, rows, nodes, bufs) == (b"SPB1", 1, 0, 2, 2, 5)
    assert data[48:48 + slen].decode() == st.json() and blen == stored
    p = 48 + (slen + 7) // 8 * 8
    assert [struct.unpack_from("<qq", data, p + 16 * i) for i in range(2)] == [(2, 1), (2, 0)]
    spans = [struct.unpack_from("<QQ", data, p + 32 + 16 * i) for i in range(5)]
    body = data[p + 32 + 80:]
    assert [length for _, length in spans] == [1, 16, 0, 12, 3]  # validity, longs, -, offs, data
    assert body[spans[0][0]] == 0b01 and body[spans[4][0]:spans[4][0] + 3] == b"abc"
    assert struct.unpack_from("<3i", body, spans[3][0]) == (0, 2, 3)
    nested = T.StructType([
        T.StructField("a", T.ArrayType(T.IntegerType())),
        T.StructField("m", T.MapType(T.StringType(), T.DoubleType())),
        T.StructField("s", T.StructType([T.StructField("x", T.BooleanType()),
                                         T.StructField("d", T.DecimalType(10, 2))])),
        T.StructField("b", T.BinaryType()), T.StructField("v", T.NullType()),
        T.StructField("t", T.TimestampType()), T.StructField("dt", T.DateType()),
        T.StructField("f", T.FloatType())])
    rows = [([1, None, 3], {"k": 1.5}, (True, decimal.Decimal("-12.34")), bytearray(b"\x00\xff"),
             None, 1700000000123456, 19000, 0.5),
            (None, None, None, None, None, None, None, None),
            ([], {}, (None, None), bytearray(b""), None, -1, -1, -2.0)]
    many = rows * 2000  # crosses the 4,096-row batch size
    batches = list(decode_batches(encode_batches(nested, many)))
    assert [len(b) for _, b in batches] == [4096, 1904]
    assert [r for _, b in batches for r in b] == many
    with pytest.raises(BatchFormatError):
        list(decode_batches(b"SPB2" + data[4:]))
    with pytest.raises(BatchFormatError):
        list(decode_batches(data[:60]))


def test_create_dataframe_from_rdd_and_pandas(spark, sc):
    df = spark.createDataFrame(sc.parallelize([(1, "a"), (2, "b")]), ["n", "s"])
    assert df.dtypes == [("n", "bigint"), ("s", "string")]
    assert df._plan["extension"]["@type"] == "type.googleapis.com/sparkpp.PythonRdd"
    mixed = sc.parallelize([(None,)] * 150 + [(1,)], 2)
    with pytest.raises(PySparkValueError, match=r"\[CANNOT_DETERMINE_TYPE\]"):
        spark.createDataFrame(mixed)  # the first 100 rows decide
    assert spark.createDataFrame(mixed, samplingRatio=1.0).dtypes == [("_1", "bigint")]
    dated = spark.createDataFrame(sc.parallelize([(datetime.date(1970, 1, 3),)]), ["d"])
    # The RDD the plan names (by its lineage id) ends in SPB1 batches of internal values.
    from sparkpp.sql._batch import decode_batches
    named = spark._client.python_rdds[P.plan_id_of(dated._plan)]
    assert named._id == int(dated._plan["extension"]["rddId"])
    batches = named.collect()
    assert [n for _, n in batches] == [1]
    rows = [tuple(r) for blob, _ in batches for _, b in decode_batches(blob) for r in b]
    assert rows == [(2,)]  # internal values: days since the epoch
    assert dated.collect() == [Row(d=datetime.date(1970, 1, 3))]
    assert sorted(df.collect()) == [Row(n=1, s="a"), Row(n=2, s="b")]
    pd = pytest.importorskip("pandas")
    p = spark.createDataFrame(pd.DataFrame({"a": [1, 2], "b": ["x", None], "c": [0.5, 1.0]}))
    assert p.dtypes == [("a", "bigint"), ("b", "string"), ("c", "double")]
    assert p.collect() == [Row(a=1, b="x", c=0.5), Row(a=2, b=None, c=1.0)]
    np = pytest.importorskip("numpy")
    a = spark.createDataFrame(np.array([[1, 2], [3, 4]], dtype="int32"))
    assert a.dtypes == [("_1", "int"), ("_2", "int")] and a.collect() == [Row(_1=1, _2=2),
                                                                          Row(_1=3, _2=4)]
    assert spark.createDataFrame(np.array([1.5, 2.5])).collect() == [Row(value=1.5),
                                                                      Row(value=2.5)]
    with pytest.raises(PySparkValueError, match=r"\[INVALID_NDARRAY_DIMENSION\]"):
        spark.createDataFrame(np.zeros((1, 1, 1)))
    out = p.toPandas()
    assert list(out.columns) == ["a", "b", "c"] and str(out["a"].dtype) == "int64"
    assert out["b"].tolist() == ["x", None]


def test_show_and_print_schema(spark, capsys):
    df = spark.createDataFrame([(14, "Tom"), (19, "This is a super long name"), (None, None)],
                               ["age", "name"])
    assert df._show_string() == (
        "+----+--------------------+\n"
        "| age|                name|\n"
        "+----+--------------------+\n"
        "|  14|                 Tom|\n"
        "|  19|This is a super l...|\n"
        "|NULL|                NULL|\n"
        "+----+--------------------+\n")
    assert df._show_string(1, truncate=False) == (
        "+---+----+\n|age|name|\n+---+----+\n|14 |Tom |\n+---+----+\nonly showing top 1 row\n")
    assert df._show_string(2, vertical=True) == (
        "-RECORD 0--------------------\n"
        " age  | 14                   \n"
        " name | Tom                  \n"
        "-RECORD 1--------------------\n"
        " age  | 19                   \n"
        " name | This is a super l... \n"
        "only showing top 2 rows\n")
    assert df._show_string(-1) == ("+---+----+\n|age|name|\n+---+----+\n+---+----+\n"
                                   "only showing top 0 rows\n")
    with pytest.raises(PySparkTypeError, match=r"\[NOT_INT\]"):
        df.show(True)
    with pytest.raises(PySparkTypeError, match=r"\[NOT_BOOL\]"):
        df.show(vertical=1)
    df.printSchema()
    assert capsys.readouterr().out == ("root\n |-- age: long (nullable = true)\n"
                                       " |-- name: string (nullable = true)\n\n")
    nested = spark.createDataFrame([(1, (2, [3], {"k": Row(z=1)}))], ["a", "b"])
    nested.printSchema(0)
    full = capsys.readouterr().out
    assert full == (
        "root\n |-- a: long (nullable = true)\n |-- b: struct (nullable = true)\n"
        " |    |-- _1: long (nullable = true)\n"
        " |    |-- _2: array (nullable = true)\n"
        " |    |    |-- element: long (containsNull = true)\n"
        " |    |-- _3: map (nullable = true)\n"
        " |    |    |-- key: string\n"
        " |    |    |-- value: struct (valueContainsNull = true)\n"
        " |    |    |    |-- z: long (nullable = true)\n\n")
    nested.printSchema(1)
    assert capsys.readouterr().out == ("root\n |-- a: long (nullable = true)\n"
                                       " |-- b: struct (nullable = true)\n\n")


def test_show_layout_from_cells():
    assert show_string(["a"], [], 20, 20, False, False) == "+---+\n|  a|\n+---+\n+---+\n"
    assert show_string(["a"], [], 20, 20, True, False) == "(0 rows)\n"
    assert show_string(["a"], [["1"]], 20, 20, True, False) == "-RECORD 0--\n a   | 1   \n"
    assert show_string(["x\ny"], [["日本"]], 20, 0, False, False) == (
        "+----+\n|x\\ny|\n+----+\n|日本|\n+----+\n")
    assert show_string(["a"], [["abcdef"]], 20, 3, False, False) == (
        "+---+\n|  a|\n+---+\n|abc|\n+---+\n")


def test_pretty_cells():
    assert java_double(1e10) == "1.0E10" and java_double(0.0001) == "1.0E-4"
    assert java_double(100.0) == "100.0" and java_double(0.001) == "0.001"
    assert java_double(-0.0) == "-0.0" and java_double(1234567.5) == "1234567.5"
    assert java_double(12345678.9) == "1.23456789E7" and java_double(float("inf")) == "Infinity"
    assert java_double(0.1, single=True) == "0.1"
    at = T.ArrayType(T.LongType())
    assert pretty_cell([1, None], at) == "[1, NULL]"
    assert pretty_cell({"a": None}, T.MapType(T.StringType(), T.LongType())) == "{a -> NULL}"
    st = T.StructType([T.StructField("a", T.LongType()), T.StructField("b", T.StringType())])
    assert pretty_cell(Row(a=1, b="x"), st) == "{1, x}"
    assert pretty_cell(bytearray(b"\x01\xff"), T.BinaryType()) == "[01 FF]"
    assert pretty_cell(decimal.Decimal("1E-10"), T.DecimalType(20, 10)) == "0.0000000001"
    assert pretty_cell(datetime.datetime(2024, 1, 1, 10, 0, 0, 500000), T.TimestampType()) == \
        "2024-01-01 10:00:00.5"
    assert pretty_cell(True, T.BooleanType()) == "true"


def test_legacy_read_text_and_range(spark, tmp_path):
    p = tmp_path / "t.txt"
    p.write_text("l1\nl2\n")
    df = spark.read.text(str(p))
    assert plan(df) == {"read": {"dataSource": {"format": "text", "paths": [str(p)],
                                                "options": {"wholetext": "false"}}}}
    assert df.collect() == [Row(value="l1"), Row(value="l2")] and df.count() == 2
    r = spark.range(5).toDF("n")
    assert r.schema == T.StructType([T.StructField("n", T.LongType(), False)])
    assert [x.n for x in r.collect()] == [0, 1, 2, 3, 4] and r.first() == Row(n=0)
    with pytest.raises(IllegalArgumentException, match="number of columns doesn't match"):
        spark.range(1).toDF("a", "b").collect()


# --------------------------------------------------------------------------- types, Row

def test_type_names_and_json():
    cases = [(T.ByteType(), "byte", "tinyint"), (T.ShortType(), "short", "smallint"),
             (T.IntegerType(), "integer", "int"), (T.LongType(), "long", "bigint"),
             (T.FloatType(), "float", "float"), (T.DoubleType(), "double", "double"),
             (T.DecimalType(), "decimal", "decimal(10,0)"), (T.StringType(), "string", "string"),
             (T.BinaryType(), "binary", "binary"), (T.BooleanType(), "boolean", "boolean"),
             (T.DateType(), "date", "date"), (T.TimestampType(), "timestamp", "timestamp"),
             (T.TimestampNTZType(), "timestamp_ntz", "timestamp_ntz"),
             (T.NullType(), "void", "void")]
    for t, name, simple in cases:
        assert t.typeName() == name and t.simpleString() == simple
        assert T._parse_datatype_json_string(t.json()) == t
    nested = T.StructType([T.StructField("a", T.ArrayType(T.LongType(), False)),
                           T.StructField("m", T.MapType(T.StringType(), T.DecimalType(5, 2)),
                                         False, {"comment": "c"})])
    assert nested.simpleString() == "struct<a:array<bigint>,m:map<string,decimal(5,2)>>"
    assert nested.json() == (
        '{"fields":[{"metadata":{},"name":"a","nullable":true,"type":{"containsNull":false,'
        '"elementType":"long","type":"array"}},{"metadata":{"comment":"c"},"name":"m",'
        '"nullable":false,"type":{"keyType":"string","type":"map","valueContainsNull":true,'
        '"valueType":"decimal(5,2)"}}],"type":"struct"}')
    assert T.StructType.fromJson(json.loads(nested.json())) == nested
    assert repr(nested) == ("StructType([StructField('a', ArrayType(LongType(), False), True), "
                            "StructField('m', MapType(StringType(), DecimalType(5,2), True), "
                            "False)])")
    assert T.LongType() is T.LongType() and T.DecimalType(5, 2) == T.DecimalType(5, 2)
    assert nested["a"].dataType == T.ArrayType(T.LongType(), False) and nested[1].name == "m"
    assert nested.fieldNames() == ["a", "m"]
    with pytest.raises(KeyError):
        nested["zz"]
    s = T.StructType().add("x", "int").add(T.StructField("y", T.StringType()))
    assert s.simpleString() == "struct<x:int,y:string>"


def test_ddl_parsing():
    assert ddl("int") == T.IntegerType() and ddl("BIGINT") == T.LongType()
    assert ddl("a INT, b STRING") == ddl("a: int, b: string") == ddl("struct<a:int,b:string>") \
        == T.StructType([T.StructField("a", T.IntegerType()), T.StructField("b", T.StringType())])
    assert ddl("array<map<string,decimal(10,2)>>") == T.ArrayType(
        T.MapType(T.StringType(), T.DecimalType(10, 2)))
    assert ddl("decimal") == T.DecimalType(10, 0) and ddl("numeric(5)") == T.DecimalType(5, 0)
    assert ddl("`a b` long NOT NULL COMMENT 'hi'") == T.StructType(
        [T.StructField("a b", T.LongType(), False, {"comment": "hi"})])
    for kw, t in [("tinyint", T.ByteType()), ("byte", T.ByteType()), ("short", T.ShortType()),
                  ("real", T.FloatType()), ("timestamp_ntz", T.TimestampNTZType()),
                  ("date", T.DateType()), ("binary", T.BinaryType()), ("boolean", T.BooleanType())]:
        assert ddl(kw) == t
    with pytest.raises(ParseException) as e:
        ddl("a INT,")
    assert e.value.getErrorClass() == "PARSE_SYNTAX_ERROR"
    with pytest.raises(ParseException, match=r"\[UNSUPPORTED_DATATYPE\] Unsupported data type "
                                             r"\"FOO\""):
        ddl("foo")


def test_infer_and_merge():
    from sparkpp.sql.types import _infer_schema, _infer_type, _merge_type
    import array
    assert _infer_type(1) == T.LongType() and _infer_type(True) == T.BooleanType()
    assert _infer_type(decimal.Decimal("1")) == T.DecimalType(38, 18)
    assert _infer_type([]) == T.ArrayType(T.NullType())
    assert _infer_type([None, 1]) == T.ArrayType(T.LongType())
    # a dict is typed by its first entry with a non-null key and value (PySpark 3.5 source)
    assert _infer_type({"a": None, "b": 1}) == T.MapType(T.StringType(), T.LongType())
    assert _infer_type({"a": 1, "b": 2.5}) == T.MapType(T.StringType(), T.LongType())
    with pytest.raises(PySparkValueError, match=r"\[UNEXPECTED_TUPLE_WITH_STRUCT\]"):
        T.StructType([T.StructField("a", T.LongType())]).toInternal(5)
    assert _infer_type(array.array("i", [1])) == T.ArrayType(T.IntegerType(), False)
    assert _infer_type(datetime.datetime(2020, 1, 1)) == T.TimestampType()
    assert _infer_type(Row(a=1, b="x")) == T.StructType([T.StructField("a", T.LongType()),
                                                         T.StructField("b", T.StringType())])
    assert _merge_type(T.LongType(), T.StringType()) == T.StringType()
    assert _merge_type(T.TimestampNTZType(), T.TimestampType()) == T.TimestampType()
    s = _merge_type(_infer_schema({"a": 1}), _infer_schema({"a": None, "b": "x"}))
    assert s.names == ["a", "b"]
    assert _infer_schema((1, 2), ["x"]).names == ["x", "_2"]


def test_row_semantics():
    r = Row(name="Alice", age=11)
    assert r == ("Alice", 11) and r == Row("Alice", 11) and hash(r) == hash(("Alice", 11))
    assert r.asDict() == {"name": "Alice", "age": 11}
    assert Row(a=Row(b=[Row(c=1)])).asDict(True) == {"a": {"b": [{"c": 1}]}}
    with pytest.raises(AttributeError, match="^zz$"):  # 3.5: plain AttributeError(item)
        r.zz
    with pytest.raises(RuntimeError, match="^Row is read-only$"):
        r.age = 3
    with pytest.raises(PySparkValueError):
        r["zz"]
    with pytest.raises(PySparkValueError, match=r"\[CANNOT_SET_TOGETHER\]"):
        Row(1, a=2)
    with pytest.raises(PySparkTypeError, match=r"\[CANNOT_CONVERT_TYPE\] Cannot convert Row "
                                               r"into dict\."):
        Row(1).asDict()
    with pytest.raises(PySparkValueError, match=r"\[TOO_MANY_VALUES\]"):
        Row("a")(1, 2)
    import pickle
    assert pickle.loads(pickle.dumps(r)).age == 11


def test_every_error_class_used_has_a_template():
    from sparkpp._error_classes import ERROR_CLASSES
    used = set()
    for root, _, files in os.walk(os.path.dirname(SQL_DIR)):
        for f in files:
            if f.endswith(".py"):
                text = open(os.path.join(root, f)).read()
                used |= set(re.findall(r'error_class="([A-Z_]+)"', text))
    allowed_engine = {"PARSE_SYNTAX_ERROR", "UNSUPPORTED_DATATYPE", "SQL_CONF_NOT_FOUND"}  # engine-side, full text
    missing = sorted(used - set(ERROR_CLASSES) - allowed_engine)
    assert not missing, missing
    ast.parse(open(os.path.join(SQL_DIR, "functions.py")).read())


def test_catalog_and_rdd_to_df(spark, sc):
    sent = []

    def fake_catalog(op, body):  # records the call; the driver's session answers with rows
        sent.append({op: body})
        return [["default"]]
    spark._client.catalog_command = fake_catalog
    assert spark.catalog.currentDatabase() == "default"
    assert sent[-1] == {"currentDatabase": {}}
    spark.catalog.tableExists("t")
    assert sent[-1] == {"tableExists": {"tableName": "t"}}
    df = sc.parallelize([(1, "a")]).toDF(["n", "s"])
    assert df.dtypes == [("n", "bigint"), ("s", "string")]


def test_pyspark_import_paths():
    import pyspark  # noqa: F401
    from pyspark.errors import AnalysisException, PySparkException
    from pyspark.errors.exceptions.captured import AnalysisException as Captured
    from pyspark.sql import functions
    from pyspark.sql.column import Column
    from pyspark.sql.types import LongType
    assert Captured is AnalysisException and functions is F and LongType() is T.LongType()
    e = AnalysisException("[UNRESOLVED_COLUMN.WITH_SUGGESTION] x", error_class=
                          "UNRESOLVED_COLUMN.WITH_SUGGESTION", sql_state="42703")
    assert isinstance(e, PySparkException) and e.getSqlState() == "42703"
    assert str(e).startswith("[UNRESOLVED_COLUMN") and isinstance(F.col("a"), Column)


def test_plan_corpus_is_current():
    """tests/python/sql_plans.json (read by the C++ decoder's tests) is what the API sends now;
    regenerate it with tests/python/sql_plan_corpus.py when the wire format changes."""
    import sql_plan_corpus
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sql_plans.json")
    assert open(path, encoding="utf-8").read() == sql_plan_corpus.render()


def test_window_expressions():
    from sparkpp.sql import Window
    w = Window.partitionBy("a").orderBy(F.col("b").desc()).rowsBetween(
        Window.unboundedPreceding, Window.currentRow)
    assert expr(F.sum("b").over(w)) == {"window": {
        "windowFunction": fn("sum", B), "partitionSpec": [A],
        "orderSpec": [{"child": B, "direction": "SORT_DIRECTION_DESCENDING",
                       "nullOrdering": "SORT_NULLS_LAST"}],
        "frameSpec": {"frameType": "FRAME_TYPE_ROW", "lower": {"unbounded": True},
                      "upper": {"currentRow": True}}}}
    r = expr(F.row_number().over(Window.orderBy("a").rangeBetween(-1, Window.unboundedFollowing)))
    assert r["window"]["windowFunction"] == fn("row_number")
    assert r["window"]["frameSpec"] == {"frameType": "FRAME_TYPE_RANGE",
                                        "lower": {"value": lit(integer=-1)},
                                        "upper": {"unbounded": True}}
    assert "frameSpec" not in expr(F.rank().over(Window.partitionBy("a")))["window"]
    assert expr(F.lag("a")) == fn("lag", A, lit(integer=1))
    assert expr(F.lead("a", 2, 0)) == fn("lead", A, lit(integer=2), lit(integer=0))
    assert expr(F.ntile(4)) == fn("ntile", lit(integer=4))
    with pytest.raises(PySparkTypeError, match=r"\[NOT_WINDOWSPEC\]"):
        F.rank().over("w")


def test_pivot_unpivot_metadata_and_attribute_errors(spark):
    df = spark.range(1)
    a = plan(df.groupBy("a").pivot("b", [1, 2]).sum("c"))["aggregate"]
    assert a["groupType"] == "GROUP_TYPE_PIVOT" and a["pivot"] == {
        "col": B, "values": [{"integer": 1}, {"integer": 2}]}
    u = plan(df.unpivot("a", ["b"], "var", "val"))["unpivot"]
    assert u == {"input": plan(df), "ids": [A], "values": {"values": [B]},
                 "variableColumnName": "var", "valueColumnName": "val"}
    m = plan(df.withMetadata("a", {"k": 1}))["withColumns"]["aliases"]
    assert m == [{"expr": A, "name": ["a"], "metadata": '{"k":1}'}]
    assert plan(df.to(T.StructType([T.StructField("id", T.IntegerType())])))["toSchema"][
        "schema"] == {"struct": {"fields": [{"name": "id", "dataType": {"integer": {}},
                                             "nullable": True}]}}
    assert expr(df.id) == expr(df["id"])  # range's schema is known
    with pytest.raises(PySparkAttributeError, match="`nope`"):
        df.nope
    with pytest.raises(PySparkAttributeError):  # no schema yet: never guess a column
        df.select("id").sampelBy


def test_batches_to_pandas_matches_the_row_path():
    pd = pytest.importorskip("pandas")
    from sparkpp.sql._batch import encode_batches
    from sparkpp.sql._batch_numpy import batches_to_pandas
    from sparkpp.sql._pandas import to_pandas
    st = T.StructType([T.StructField("i", T.IntegerType()), T.StructField("l", T.LongType()),
                       T.StructField("f", T.FloatType()), T.StructField("d", T.DoubleType()),
                       T.StructField("l", T.LongType())])
    rows = [(i, i * 10 if i % 3 else None, i / 2, None if i % 5 == 0 else i / 4, -i)
            for i in range(5000)]
    fast = batches_to_pandas(encode_batches(st, rows), st)
    slow = to_pandas([st.fromInternal(r) for r in rows], st)
    pd.testing.assert_frame_equal(fast, slow)
    assert [str(t) for t in fast.dtypes] == ["int32", "float64", "float32", "float64", "int64"]
    mixed = T.StructType([T.StructField("s", T.StringType()), T.StructField("n", T.LongType())])
    pd.testing.assert_frame_equal(
        batches_to_pandas(encode_batches(mixed, [("a", 1), (None, 2)]), mixed),
        to_pandas([Row(s="a", n=1), Row(s=None, n=2)], mixed))


def test_strings_decoded_in_bulk():
    """String and binary columns: ASCII text decoded once and sliced, other UTF-8 per value,
    NULLs and empty values kept apart; the same through batches_to_pandas and the row path."""
    pd = pytest.importorskip("pandas")
    from sparkpp.sql._batch import BatchFormatError, decode_columns, encode_columns, var_values
    from sparkpp.sql._batch_numpy import batches_to_pandas
    st = T.StructType([T.StructField("a", T.StringType()), T.StructField("u", T.StringType()),
                       T.StructField("b", T.BinaryType())])
    cols = [["x", "", None, "yz"] * 3, ["é", None, "", "日本語x"] * 3,
            [b"\x00\xff", None, b"", b"q"] * 3]
    blob = encode_columns(st, 12, cols)
    _, n, back = decode_columns(blob)
    assert n == 12 and back[:2] == cols[:2]
    assert back[2] == [None if v is None else bytearray(v) for v in cols[2]]
    pdf = batches_to_pandas([blob, blob], st)
    assert pdf["a"].tolist() == cols[0] * 2 and pdf["u"].tolist() == cols[1] * 2
    assert [None if v is None else bytes(v) for v in pdf["b"]] == cols[2] * 2
    assert [str(t) for t in pdf.dtypes] == ["object"] * 3
    with pytest.raises(BatchFormatError):  # offsets past the data
        var_values((0, 3, 9), memoryview(b"abcdef"), False)
    with pytest.raises(UnicodeDecodeError):
        var_values((0, 2), memoryview(b"\xff\xfe"), False)


def test_pandas_frame_to_parts_of_its_arrays():
    """createDataFrame(pandas_df)'s batches are a list of parts in which the frame's fixed-width
    columns are views of its own arrays (never copied in Python: the upload sends the parts as
    they are, as one blob frame), and decode back to the frame's values."""
    np = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")
    from sparkpp import _wire
    from sparkpp.sql._batch import decode_batches
    from sparkpp.sql._pandas import pandas_to_batches
    ids = np.arange(200_000, dtype="int64")
    pdf = pd.DataFrame({"id": ids, "d": ids * 0.5, "i": (ids % 7).astype("int32"),
                        "s": ["v%d" % (i % 10) for i in range(len(ids))]})
    schema, data = pandas_to_batches(pdf)
    assert type(data) is list
    column = pdf["id"].to_numpy()
    assert any(isinstance(p, memoryview) and np.shares_memory(np.asarray(p), column) for p in data)
    joined = b"".join(data)
    rows = [r for _, batch in decode_batches(joined) for r in batch]
    assert len(rows) == len(ids) and rows[123456] == (123456, 61728.0, 123456 % 7, "v6")
    small_schema, small = pandas_to_batches(pdf.head(3))
    assert type(small) is list and small_schema == schema
    # One blob frame of the parts: its length is theirs, its bytes theirs in order.
    msg = _wire.encode_message("PySqlCommand", {}, [data])
    frame = b"".join(msg[2:])
    assert frame[:5] == _wire.blob_frame_header(len(joined)) and frame[5:] == joined


def test_result_file_is_mapped_and_unlinked(tmp_path):
    """toPandas's result file (docs/protocol.md, PySqlExecute): the batches are mapped
    copy-on-write (numpy arrays over them are writable, the file is not changed) and the file
    is gone once mapped; no file (an empty result) is no batches."""
    pytest.importorskip("pandas")
    from sparkpp.sql._batch import encode_batches
    from sparkpp.sql._batch_numpy import batches_to_pandas
    from sparkpp.sql._client import _result_file_path, map_result_file
    st = T.StructType([T.StructField("l", T.LongType()), T.StructField("s", T.StringType())])
    path = tmp_path / "result"
    data = encode_batches(st, [(i, "v%d" % i) for i in range(10)])
    path.write_bytes(data)
    blobs = map_result_file(str(path))
    assert not path.exists() and len(blobs) == 1
    pdf = batches_to_pandas(blobs, st)
    assert pdf["l"].tolist() == list(range(10)) and pdf["s"][3] == "v3"
    pdf.loc[0, "l"] = 42
    assert pdf["l"][0] == 42  # the private mapping changed, not a file anyone sees
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert map_result_file(str(empty)) == [] and not empty.exists()
    assert map_result_file(str(tmp_path / "missing")) == []
    a, b = _result_file_path(), _result_file_path()
    assert a != b and os.path.basename(a).startswith("sparkpp-result-%d-" % os.getpid())


def test_sql_context_front(spark, sc):
    from sparkpp.sql import SQLContext
    with pytest.warns(FutureWarning):
        ctx = SQLContext.getOrCreate(sc)
    df = ctx.createDataFrame([(1,)], ["a"])
    assert df.collect() == [Row(a=1)] and not df.isStreaming
    assert ctx.range(2).count() == 2
