"""A corpus of plans exactly as the Python DataFrame API sends them, for the C++ decoder's tests
(docs/sql-engine.md, "Plan wire format"): name -> {"api": the PySpark call, "plan": Plan JSON}.

    /usr/bin/python3 tests/python/sql_plan_corpus.py > tests/python/sql_plans.json

test_sql_api.py checks the checked-in file is what the code produces now, so any change to the
wire format shows up as a diff of this file. Plan ids are renumbered 1, 2, … per plan in order
of appearance so the file does not depend on how many DataFrames were built before."""
import datetime
import decimal
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "src", "pyworker"))


def _renumber(plan):
    ids = {}

    def walk(x):
        if isinstance(x, dict):
            out = {}
            for k, v in x.items():
                if k == "planId":
                    v = str(ids.setdefault(v, len(ids) + 1))
                out[k] = walk(v)
            return out
        if isinstance(x, list):
            return [walk(v) for v in x]
        return x
    return walk(plan)


class _Session:
    """Just enough of a SparkSession to build plans: DataFrames, reads, local relations."""

    def __init__(self):
        from sparkpp.sql.session import SparkSession
        self._real = SparkSession.__new__(SparkSession)
        self.sent = []

        from sparkpp.sql._client import _not_wired

        class _Client:
            def command(client, cmd):
                self.sent.append(cmd)

            def analyze(client, rel):
                raise _not_wired("analyze")

            def on_engine(client, rel):
                return False  # plans are only recorded here, never analysed
        self._real._plan_client = _Client()
        self._real._conf = type("C", (), {"get": lambda s, k, d=None: d})()


def corpus():
    from sparkpp.sql import functions as F
    from sparkpp.sql import types as T
    from sparkpp.sql import _proto as P
    from sparkpp.sql.window import Window
    s = _Session()
    spark = s._real
    people = spark.createDataFrame(
        [("Alice", 34, 1.5, datetime.date(2020, 1, 2)), ("Bob", None, None, None)],
        "name STRING, age INT, score DOUBLE, d DATE")
    orders = spark.read.option("header", True).csv("/data/orders.csv", inferSchema=True)
    r = spark.range(0, 10, 2, 3)
    cases = {
        "range": ("spark.range(0, 10, 2, 3)", r),
        "local_relation": ("spark.createDataFrame([...], 'name STRING, age INT, score DOUBLE, "
                           "d DATE')", people),
        "read_csv": ("spark.read.option('header', True).csv('/data/orders.csv', "
                     "inferSchema=True)", orders),
        "read_text": ("spark.read.text('/data/lines.txt')", spark.read.text("/data/lines.txt")),
        "read_json_schema": ("spark.read.schema('a INT, b STRING').json('/data/x.json')",
                             spark.read.schema("a INT, b STRING").json("/data/x.json")),
        "table": ("spark.table('db.t')", spark.table("db.t")),
        "select_arith": ("people.select('name', (F.col('age') + 1).alias('next'), "
                         "people['score'] * 2)",
                         people.select("name", (F.col("age") + 1).alias("next"),
                                       people["score"] * 2)),
        "select_star": ("people.select('*')", people.select("*")),
        "select_expr": ("people.selectExpr('age * 2 AS a2')", people.selectExpr("age * 2 AS a2")),
        "filter_bool": ("people.filter((F.col('age') > 21) & ~F.col('name').isNull() | "
                        "(F.col('score') != 1.5))",
                        people.filter((F.col("age") > 21) & ~F.col("name").isNull()
                                      | (F.col("score") != 1.5))),
        "where_string": ("people.where('age > 1')", people.where("age > 1")),
        "predicates": ("people.filter(F.col('name').isin('a', 'b') & F.col('age').between(1, 9)"
                       " & F.col('name').like('A%') & F.col('name').rlike('^B') & "
                       "F.col('name').startswith('A') & F.col('name').contains('l') & "
                       "F.col('age').eqNullSafe(None))",
                       people.filter(F.col("name").isin("a", "b") & F.col("age").between(1, 9)
                                     & F.col("name").like("A%") & F.col("name").rlike("^B")
                                     & F.col("name").startswith("A")
                                     & F.col("name").contains("l")
                                     & F.col("age").eqNullSafe(None))),
        "with_column_cast_when": (
            "people.withColumn('grp', F.when(F.col('age') < 18, 'minor').when(F.col('age') < 65,"
            " 'adult').otherwise('senior')).withColumn('a', F.col('age').cast('bigint'))"
            ".withColumn('s', F.col('score').cast(T.DecimalType(10, 2)))",
            people.withColumn("grp", F.when(F.col("age") < 18, "minor")
                              .when(F.col("age") < 65, "adult").otherwise("senior"))
            .withColumn("a", F.col("age").cast("bigint"))
            .withColumn("s", F.col("score").cast(T.DecimalType(10, 2)))),
        "with_columns_renamed_drop": (
            "people.withColumnRenamed('age', 'years').drop('score', F.col('d'))",
            people.withColumnRenamed("age", "years").drop("score", F.col("d"))),
        "group_agg": ("people.groupBy('name').agg(F.count('*'), F.sum('age'), F.avg('score'), "
                      "F.countDistinct('d'), F.max('age').alias('oldest'))",
                      people.groupBy("name").agg(F.count("*"), F.sum("age"), F.avg("score"),
                                                 F.countDistinct("d"),
                                                 F.max("age").alias("oldest"))),
        "group_count": ("people.groupBy('name').count()", people.groupBy("name").count()),
        "group_dict": ("people.groupBy('name').agg({'age': 'mean', '*': 'count'})",
                       people.groupBy("name").agg({"age": "mean", "*": "count"})),
        "global_agg": ("people.agg(F.min('age'), F.collect_list('name'))",
                       people.agg(F.min("age"), F.collect_list("name"))),
        "order_by": ("people.orderBy(F.col('age').desc(), 'name', "
                     "F.col('score').asc_nulls_last())",
                     people.orderBy(F.col("age").desc(), "name", F.col("score").asc_nulls_last())),
        "join_using": ("people.join(orders, 'name', 'left')", people.join(orders, "name", "left")),
        "join_condition": ("people.alias('p').join(orders.alias('o'), people['name'] == "
                           "orders['name'], 'left_anti')",
                           people.alias("p").join(orders.alias("o"),
                                                  people["name"] == orders["name"], "left_anti")),
        "join_self": ("a = people.alias('a'); b = people.alias('b'); a.join(b, F.col('a.age') < "
                      "F.col('b.age')).select('a.name', 'b.name')",
                      people.alias("a").join(people.alias("b"), F.col("a.age") < F.col("b.age"))
                      .select("a.name", "b.name")),
        "cross_join": ("people.crossJoin(r)", people.crossJoin(r)),
        "union_by_name": ("people.unionByName(people, allowMissingColumns=True)",
                          people.unionByName(people, allowMissingColumns=True)),
        "except_all": ("people.exceptAll(people)", people.exceptAll(people)),
        "intersect": ("people.intersect(people)", people.intersect(people)),
        "distinct_limit": ("people.distinct().limit(5)", people.distinct().limit(5)),
        "drop_duplicates": ("people.dropDuplicates(['name'])", people.dropDuplicates(["name"])),
        "repartition": ("people.repartition(8, 'name').coalesce(2)",
                        people.repartition(8, "name").coalesce(2)),
        "sample": ("people.sample(False, 0.25, seed=42)", people.sample(False, 0.25, seed=42)),
        "to_df_broadcast": ("F.broadcast(people.toDF('n', 'a', 's', 'd'))",
                            F.broadcast(people.toDF("n", "a", "s", "d"))),
        "na": ("people.na.fill(0).na.drop(thresh=2).na.replace('Bob', 'Robert', 'name')",
               people.na.fill(0).na.drop(thresh=2).na.replace("Bob", "Robert", "name")),
        "functions": (
            "people.select(F.upper('name'), F.length('name'), F.substring('name', 1, 3), "
            "F.concat_ws('-', 'name', 'name'), F.split('name', 'l'), F.round('score', 1), "
            "F.year('d'), F.to_date(F.lit('2024-01-01')), F.current_date(), "
            "F.coalesce('age', F.lit(0)), F.explode(F.array(F.lit(1), F.lit(2))), "
            "F.monotonically_increasing_id(), F.col('name').substr(1, 2), F.lit(None), "
            "F.lit(decimal.Decimal('1.25')), F.lit(2 ** 40), F.lit(b'ab'), F.lit(True))",
            people.select(F.upper("name"), F.length("name"), F.substring("name", 1, 3),
                          F.concat_ws("-", "name", "name"), F.split("name", "l"),
                          F.round("score", 1), F.year("d"), F.to_date(F.lit("2024-01-01")),
                          F.current_date(), F.coalesce("age", F.lit(0)),
                          F.explode(F.array(F.lit(1), F.lit(2))),
                          F.monotonically_increasing_id(), F.col("name").substr(1, 2),
                          F.lit(None), F.lit(decimal.Decimal("1.25")), F.lit(2 ** 40),
                          F.lit(b"ab"), F.lit(True))),
        "window": ("people.select('name', F.rank().over(Window.partitionBy('d').orderBy("
                   "F.col('age').desc())), F.sum('score').over(Window.partitionBy('d')"
                   ".orderBy('age').rowsBetween(Window.unboundedPreceding, 0)))",
                   people.select("name", F.rank().over(Window.partitionBy("d").orderBy(
                       F.col("age").desc())), F.sum("score").over(
                       Window.partitionBy("d").orderBy("age").rowsBetween(
                           Window.unboundedPreceding, 0)))),
        "pivot": ("people.groupBy('name').pivot('d', [datetime.date(2020, 1, 2)]).sum('age')",
                  people.groupBy("name").pivot("d", [datetime.date(2020, 1, 2)]).sum("age")),
        "unpivot": ("people.unpivot('name', ['age', 'score'], 'var', 'val')",
                    people.unpivot("name", ["age", "score"], "var", "val")),
        "nested_access": ("spark.table('t').select(F.col('s').getField('x'), "
                          "F.col('arr')[0], F.col('m')['k'])",
                          spark.table("t").select(F.col("s").getField("x"), F.col("arr")[0],
                                                  F.col("m")["k"])),
    }
    out = {name: {"api": api, "plan": _renumber(P.root(df._plan))}
           for name, (api, df) in cases.items()}
    people.write.mode("overwrite").partitionBy("name").option("sep", ";").csv("/out/p")
    people.createOrReplaceTempView("people")
    out["write_csv"] = {"api": "people.write.mode('overwrite').partitionBy('name')"
                               ".option('sep', ';').csv('/out/p')",
                        "plan": _renumber(s.sent[0])}
    out["temp_view"] = {"api": "people.createOrReplaceTempView('people')",
                        "plan": _renumber(s.sent[1])}
    return out


def render():
    return json.dumps(corpus(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
