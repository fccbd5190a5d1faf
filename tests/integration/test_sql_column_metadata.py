"""Column metadata (StructField.metadata) as PySpark 3.5 keeps it (issue #14): `alias(metadata=…)`,
`withMetadata`, inheritance through aliases, renames, projections, joins and views (Spark's
Alias.metadata: explicit, else a named child's, else a struct field's), none for computed
columns, schemas given to createDataFrame, and Parquet files (Spark's row metadata) written and
read back. One job, local[2]."""
import os

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

JOB = r'''
from pyspark.sql import SparkSession, functions as F
from pyspark.sql.types import StructType, StructField, StringType, IntegerType, LongType

spark = SparkSession.builder.appName("col-meta").getOrCreate()
err = first_error
df = spark.createDataFrame([(2, "Alice"), (5, "Bob")], schema=["age", "name"])
meta = df.withMetadata("age", {"foo": "bar"})
check("with_metadata", lambda: [meta.schema["age"].metadata, meta.schema["name"].metadata, meta.columns,
                                sorted(tuple(r) for r in meta.collect())])
check("alias_metadata", lambda: df.select(df.age.alias("age3", metadata={"max": 99})).schema["age3"].metadata["max"])
check("alias_nested", lambda: df.select(F.col("age").alias("a", metadata={"k": [1, {"x": None}], "d": 1.5}))
      .schema["a"].metadata)
check("inherit_select", lambda: meta.select("age", F.col("age").alias("b"), (F.col("age") + 1).alias("c"))
      .schema.jsonValue()["fields"])
check("inherit_rename", lambda: meta.withColumnRenamed("age", "years").schema["years"].metadata)
check("inherit_filter_join", lambda: meta.filter("age > 2").join(df.select("name"), "name").schema["age"].metadata)
check("override", lambda: meta.withMetadata("age", {"x": 1}).schema["age"].metadata)
check("empty", lambda: [meta.select(F.col("age").alias("age", metadata={})).schema["age"].metadata,
                         meta.withMetadata("age", {}).schema["age"].metadata])
meta.createOrReplaceTempView("m")
check("sql_view", lambda: spark.sql("SELECT age, age AS a2, name FROM m WHERE age > 0").schema.jsonValue()["fields"])
given = StructType([StructField("id", LongType(), True, {"comment": "the key"}),
                    StructField("s", StringType(), True)])
g = spark.createDataFrame([(1, "x")], given)
check("given_schema", lambda: [g.schema["id"].metadata, g.groupBy("id").count().schema["id"].metadata,
                               g.select("id").union(g.select("id")).schema["id"].metadata])
check("struct_field", lambda: spark.createDataFrame([((1,),)], StructType([StructField("st", StructType(
    [StructField("f", IntegerType(), True, {"m": "f"})]))])).select("st.f").schema["f"].metadata)
check("not_dict", lambda: err(lambda: df.withMetadata("age", "x")))
check("multi_alias", lambda: err(lambda: df.age.alias("a", "b", metadata={"x": 1})))
check("parquet", lambda: (meta.write.mode("overwrite").parquet(OUT + "/p"),
                          spark.read.parquet(OUT + "/p").schema["age"].metadata)[1])
emit()
'''


def test_column_metadata(tmp_path):
    job = jobs.write_job(tmp_path, "meta.py", JOB.replace("OUT +", repr(str(tmp_path)) + " +"))
    r = jobs.submit_ok(job, master="local[2]", timeout=180).result
    assert r("with_metadata") == [{"foo": "bar"}, {}, ["age", "name"], [[2, "Alice"], [5, "Bob"]]]
    assert r("alias_metadata") == 99
    assert r("alias_nested") == {"k": [1, {"x": None}], "d": 1.5}
    assert r("inherit_select") == [
        {"name": "age", "type": "long", "nullable": True, "metadata": {"foo": "bar"}},
        {"name": "b", "type": "long", "nullable": True, "metadata": {"foo": "bar"}},
        {"name": "c", "type": "long", "nullable": True, "metadata": {}}]
    assert r("inherit_rename") == {"foo": "bar"}
    assert r("inherit_filter_join") == {"foo": "bar"}
    assert r("override") == {"x": 1}
    assert r("empty") == [{"foo": "bar"}, {}]  # alias(metadata={}) inherits; withMetadata(c, {}) clears
    assert r("sql_view") == [
        {"name": "age", "type": "long", "nullable": True, "metadata": {"foo": "bar"}},
        {"name": "a2", "type": "long", "nullable": True, "metadata": {"foo": "bar"}},
        {"name": "name", "type": "string", "nullable": True, "metadata": {}}]
    assert r("given_schema") == [{"comment": "the key"}, {"comment": "the key"}, {"comment": "the key"}]
    assert r("struct_field") == {"m": "f"}
    assert r("not_dict") == ("PySparkTypeError: [NOT_DICT] Argument `metadata` should be a dict, got str.")
    assert r("multi_alias").startswith("PySparkValueError: [ONLY_ALLOWED_FOR_SINGLE_COLUMN]")
    assert r("parquet") == {"foo": "bar"}
