"""spark.catalog's lookups by name (Spark 3.5's CatalogImpl): listCatalogs / currentCatalog /
setCurrentCatalog, getDatabase and databaseExists (names qualified with `spark_catalog.` too),
getTable of tables and temporary views, functionExists / getFunction / listFunctions of the
built-ins and registered UDFs, Spark's errors for what is missing, and refreshTable /
refreshByPath re-reading the files under a cached table."""
import os
import shutil

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

# After conftest.TABLE_JOB_SETUP (wh, ext, rows, error).
JOB = r'''
from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("catalog_api").getOrCreate()
cat = spark.catalog

check("catalogs", lambda: [list(c) for c in cat.listCatalogs()])
check("catalogs_like", lambda: [len(cat.listCatalogs("spark*")), len(cat.listCatalogs("hive*"))])
check("current_catalog", lambda: cat.currentCatalog())
check("set_catalog", lambda: [cat.setCurrentCatalog("spark_catalog"), error(lambda: cat.setCurrentCatalog("nope"))])

check("db_default", lambda: list(cat.getDatabase("default"))[:3])
check("db_qualified", lambda: list(cat.getDatabase("spark_catalog.default"))[:3])
check("db_location", lambda: cat.getDatabase("default").locationUri.startswith("file:"))
check("db_missing", lambda: error(lambda: cat.getDatabase("nodb")))
spark.sql("CREATE DATABASE d1 COMMENT 'first'")
check("db_exists", lambda: [cat.databaseExists("d1"), cat.databaseExists("spark_catalog.d1"),
                            cat.databaseExists("nodb"), cat.databaseExists("other_catalog.d1")])
check("db_comment", lambda: list(cat.getDatabase("d1"))[:3])

spark.sql("CREATE TABLE tbl1 (name STRING, age INT) USING parquet COMMENT 'people'")
spark.range(1).createOrReplaceTempView("tv")
spark.range(1).createOrReplaceGlobalTempView("gv")
check("get_table", lambda: [list(cat.getTable(n)) for n in
                            ("tbl1", "default.tbl1", "spark_catalog.default.tbl1", "TBL1")])
check("get_views", lambda: [list(cat.getTable("tv")), list(cat.getTable("global_temp.gv"))])
check("get_missing", lambda: [error(lambda: cat.getTable("nope")), error(lambda: cat.getTable("d1.nope"))])

spark.udf.register("plus_one", lambda x: x + 1, "int")
check("fn_exists", lambda: [cat.functionExists(n) for n in
                            ("count", "COUNT", "abs", "to_date", "explode", "transform", "row_number",
                             "plus_one", "no_such_fn", "default.count", "spark_catalog.default.nope")])
check("fn_get", lambda: [list(cat.getFunction("abs")), list(cat.getFunction("plus_one"))])
check("fn_missing", lambda: error(lambda: cat.getFunction("my_func2")))
fns = cat.listFunctions()
check("fn_list", lambda: [len(fns) > 200, [f.name for f in fns] == sorted(f.name for f in fns),
                          all(f.isTemporary for f in fns), "plus_one" in [f.name for f in fns],
                          "col" in [f.name for f in fns]])
check("fn_list_like", lambda: [sorted(f.name for f in cat.listFunctions(pattern="to_d*")),
                               cat.listFunctions(pattern="*not_existing_func*")])
check("fn_list_db", lambda: error(lambda: cat.listFunctions("nodb")))

# A cached text table keeps its rows until refreshed; afterwards it reads the files again.
for n, refresh in (("r1", lambda d: cat.refreshTable("r1")), ("r2", lambda d: cat.refreshByPath(d))):
    d = os.path.join(ext, n)
    os.makedirs(d)
    spark.sql("CREATE TABLE %s (col STRING) USING TEXT LOCATION '%s'" % (n, d))
    spark.sql("INSERT INTO %s SELECT 'abc'" % n)
    cat.cacheTable(n)
    before = spark.table(n).count()
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    cached = spark.table(n).count()
    refresh(d)
    check("refresh_" + n, lambda: [before, cached, spark.table(n).count(), cat.isCached(n)])
check("refresh_qualified", lambda: cat.refreshTable("spark_catalog.default.r1"))
# A table whose directory is gone, or empty, reads no rows (Spark lists no files under a catalog
# table's missing root); so does a partitioned table whose partitions are not registered yet.
shutil.rmtree(os.path.join(ext, "r1"))
check("missing_dir", lambda: [spark.table("r1").count(), sorted_rows(spark.table("r1"))])
d = os.path.join(ext, "p")
spark.range(1).selectExpr("id as key", "id as value").write.partitionBy("key").mode("overwrite").save(d)
spark.sql("CREATE TABLE p1 (key LONG, value LONG) USING parquet OPTIONS (path '%s') PARTITIONED BY (key)" % d)
check("unregistered_parts", lambda: [spark.table("p1").columns, spark.table("p1").count()])
cat.recoverPartitions("p1")
check("recovered_parts", lambda: sorted_rows(spark.table("p1")))
check("refresh_missing", lambda: error(lambda: cat.refreshTable("nope"))[0])
emit()
spark.stop()
'''


def test_catalog_lookups(tables_app):
    res = tables_app.submit("catalog_api.py", JOB, timeout=300)
    r = res.result
    assert r("catalogs") == [["spark_catalog", None]]
    assert r("catalogs_like") == [1, 0]
    assert r("current_catalog") == "spark_catalog"
    assert r("set_catalog") == [None, ["CATALOG_NOT_FOUND", "[CATALOG_NOT_FOUND] The catalog `nope` not found. "
                                       "Consider to set the SQL config spark.sql.catalog.nope to a catalog plugin."]]
    assert r("db_default") == ["default", "spark_catalog", "default database"]
    assert r("db_qualified") == ["default", "spark_catalog", "default database"]
    assert r("db_location") is True
    assert r("db_missing") == ["SCHEMA_NOT_FOUND", "[SCHEMA_NOT_FOUND] The schema `nodb` cannot be found. Verify the "
                               "spelling and correctness of the schema and catalog."]
    assert r("db_exists") == [True, True, False, False]
    assert r("db_comment") == ["d1", "spark_catalog", "first"]
    tbl = ["tbl1", "spark_catalog", ["default"], "people", "MANAGED", False]
    assert r("get_table") == [tbl] * 4
    assert r("get_views") == [["tv", None, [], None, "TEMPORARY", True],
                              ["gv", None, ["global_temp"], None, "TEMPORARY", True]]
    missing = r("get_missing")
    assert missing[0][0] == "TABLE_OR_VIEW_NOT_FOUND" and "`nope`" in missing[0][1]
    assert missing[1][0] == "TABLE_OR_VIEW_NOT_FOUND" and "`d1`.`nope`" in missing[1][1]
    assert r("fn_exists") == [True, True, True, True, True, True, True, True, False, False, False]
    assert r("fn_get") == [["abs", None, None, None, None, True], ["plus_one", None, None, None, None, True]]
    assert r("fn_missing") == ["ROUTINE_NOT_FOUND", "[ROUTINE_NOT_FOUND] The function `default`.`my_func2` cannot be "
                               "found. Verify the spelling and correctness of the schema and catalog."]
    assert r("fn_list") == [True, True, True, True, False]
    assert r("fn_list_like") == [["to_date"], []]
    assert r("fn_list_db")[0] == "SCHEMA_NOT_FOUND"
    assert r("refresh_r1") == [1, 1, 0, True]
    assert r("refresh_r2") == [1, 1, 0, True]
    assert r("refresh_qualified") is None
    assert r("missing_dir") == [0, []]
    assert r("unregistered_parts") == [["value", "key"], 0]
    assert r("recovered_parts") == [[0, 0]]
    assert r("refresh_missing") == "TABLE_OR_VIEW_NOT_FOUND"
