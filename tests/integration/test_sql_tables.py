"""Managed and external tables on the native engine: df.write.saveAsTable (every mode),
insertInto, spark.table / SQL over tables, CREATE TABLE / INSERT / DROP TABLE / SHOW TABLES /
DESCRIBE / databases / partitions, under spark.sql.warehouse.dir, with the catalog (SQLite)
surviving a restart of the application. Two submits share one warehouse."""
import os
import re

import pytest

import jobs

pytestmark = pytest.mark.skipif(not os.path.exists(jobs.binary()), reason="sparkpp not built")

# After conftest.TABLE_JOB_SETUP (wh, ext, rows, error).
FIRST = r'''
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("tables").getOrCreate()
df = spark.createDataFrame([(1, "a"), (2, "b")], "id long, s string")

def files(p):
    return sorted(f for f in os.listdir(p) if not f.startswith("."))

df.write.saveAsTable("t")
check("t_files", lambda: [f.endswith(".snappy.parquet") or f == "_SUCCESS" for f in files(wh + "/t")])
check("t_rows", lambda: rows(spark.table("t")))
check("t_sql", lambda: rows(spark.sql("SELECT sum(id) AS n, max(T.s) FROM default.T")))
check("t_exists", lambda: error(lambda: df.write.saveAsTable("t")))
df.select("s", "id").write.mode("append").saveAsTable("t")  # by name
check("t_append", lambda: rows(spark.table("spark_catalog.default.t")))
spark.createDataFrame([(9, "z")], "id int, s string").write.mode("ignore").saveAsTable("t")
check("t_ignore", lambda: spark.table("t").count())
spark.createDataFrame([(7, "q")], "id int, s string").write.insertInto("t")  # by position, int -> bigint
check("t_insert", lambda: rows(spark.table("t").filter("id = 7")))
check("t_schema", lambda: spark.table("t").schema.simpleString())
spark.createDataFrame([(3, "c")], "id long, s string").write.insertInto("t", overwrite=True)
check("t_insert_overwrite", lambda: rows(spark.table("t")))
check("t_overwrite_self", lambda: error(lambda: spark.table("t").write.mode("overwrite").saveAsTable("t")))
df.write.mode("overwrite").format("json").saveAsTable("t")
check("t_overwrite", lambda: [rows(spark.table("t")), any(f.endswith(".json") for f in files(wh + "/t"))])
check("insert_missing", lambda: error(lambda: df.write.insertInto("nope")))
check("insert_arity", lambda: error(lambda: df.select("id").write.insertInto("t")))

df.createOrReplaceTempView("v")
check("show_tables", lambda: [list(r) for r in spark.sql("SHOW TABLES").collect()])
check("list_tables", lambda: [[t.name, t.catalog, t.namespace, t.tableType, t.isTemporary]
                              for t in spark.catalog.listTables()])
check("table_exists", lambda: [spark.catalog.tableExists("t"), spark.catalog.tableExists("v"),
                               spark.catalog.tableExists("nope"), spark.catalog.tableExists("t", "default")])

df.write.option("path", ext).saveAsTable("ext")
check("ext_rows", lambda: rows(spark.table("ext")))
spark.sql("DROP TABLE ext")
spark.sql("DROP TABLE t")
check("dropped", lambda: [os.path.exists(ext), os.path.exists(wh + "/t"), spark.catalog.tableExists("t")])
check("drop_missing", lambda: error(lambda: spark.sql("DROP TABLE nope")))
spark.sql("DROP TABLE IF EXISTS nope")
check("read_missing", lambda: error(lambda: spark.table("t")))

os.makedirs(wh + "/stale")
open(wh + "/stale/x", "w").close()
check("location_exists", lambda: error(lambda: df.write.saveAsTable("stale")))

df.write.saveAsTable("keep")
parts = spark.createDataFrame([(1, "x", 10), (2, "y", 20), (3, "x", 30)], "id int, k string, v int")
parts.write.partitionBy("k").saveAsTable("pt")
check("pt_layout", lambda: files(wh + "/pt"))
check("pt_schema", lambda: spark.table("pt").columns)
check("pt_rows", lambda: rows(spark.table("pt").filter("k = 'x'")))
check("pt_partitions", lambda: [list(r) for r in spark.sql("SHOW PARTITIONS pt").collect()])
os.makedirs(wh + "/pt/k=w")
for f in files(wh + "/pt/k=x"):  # by hand: a copy of partition k=x as k=w
    open(wh + "/pt/k=w/" + f, "wb").write(open(wh + "/pt/k=x/" + f, "rb").read())
check("pt_unregistered", lambda: spark.table("pt").count())
spark.sql("MSCK REPAIR TABLE pt")
check("pt_repaired", lambda: [spark.table("pt").count(),
                              [list(r) for r in spark.sql("SHOW PARTITIONS pt").collect()]])

# SQL DDL and DML
spark.sql("CREATE TABLE people (name STRING, age INT) USING csv OPTIONS (header 'true')")
spark.sql("INSERT INTO people VALUES ('ann', 31), ('bob', NULL)")
spark.sql("INSERT INTO TABLE people SELECT 'cy', 7")
check("people", lambda: rows(spark.sql("SELECT * FROM people")))
check("people_csv_header", lambda: sorted(set(
    open(wh + "/people/" + f).readline() for f in files(wh + "/people") if f.endswith(".csv"))))
check("create_exists", lambda: error(lambda: spark.sql("CREATE TABLE people (a INT) USING csv")))
spark.sql("CREATE TABLE IF NOT EXISTS people (a INT) USING csv")
check("describe", lambda: [list(r) for r in spark.sql("DESCRIBE people").collect()])
spark.sql("CREATE TABLE sales (amount INT, year INT) USING parquet PARTITIONED BY (year)")
spark.sql("INSERT INTO sales PARTITION (year = 2023) VALUES (1), (2)")
spark.sql("INSERT INTO sales VALUES (5, 2024)")
spark.sql("INSERT OVERWRITE sales PARTITION (year = 2023) SELECT 3")
check("sales", lambda: rows(spark.table("sales")))
check("sales_layout", lambda: files(wh + "/sales"))
check("describe_extended", lambda: [list(r) for r in spark.sql("DESCRIBE TABLE EXTENDED sales").collect()])
spark.sql("ALTER TABLE sales ADD PARTITION (year = 2025)")
check("sales_add_partition", lambda: [[list(r) for r in spark.sql("SHOW PARTITIONS sales").collect()],
                                      os.path.isdir(wh + "/sales/year=2025")])
check("add_partition_again", lambda: error(lambda: spark.sql("ALTER TABLE sales ADD PARTITION (year = 2025)")))
spark.sql("INSERT INTO people (age, name) VALUES (40, 'dee')")
spark.sql("INSERT INTO people (name) SELECT 'eve'")
check("insert_columns", lambda: rows(spark.sql("SELECT * FROM people WHERE name IN ('dee', 'eve')")))
spark.sql("ALTER TABLE sales DROP PARTITION (year = 2024)")
check("drop_partition", lambda: [rows(spark.table("sales")), files(wh + "/sales")])
check("drop_partition_missing", lambda: error(lambda: spark.sql("ALTER TABLE sales DROP PARTITION (year = 1999)")))
spark.sql("ALTER TABLE sales RENAME TO sales2")
check("renamed", lambda: [rows(spark.table("sales2")), os.path.isdir(wh + "/sales2"), os.path.exists(wh + "/sales"),
                          spark.catalog.tableExists("sales"),
                          [list(r) for r in spark.sql("SHOW PARTITIONS sales2").collect()]])
spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
spark.createDataFrame([(7, 2024)], "amount int, year int").write.insertInto("sales2", overwrite=True)
spark.sql("INSERT OVERWRITE sales2 SELECT 8, 2023")
check("dynamic_overwrite", lambda: [rows(spark.table("sales2")), files(wh + "/sales2")])
spark.conf.set("spark.sql.sources.partitionOverwriteMode", "static")
spark.sql("TRUNCATE TABLE people")
check("truncated", lambda: [spark.table("people").count(), os.path.isdir(wh + "/people")])
spark.sql("CREATE TABLE big USING json PARTITIONED BY (k) AS SELECT id, CAST(id % 2 AS STRING) AS k FROM range(4)")
check("ctas", lambda: [rows(spark.table("big")), files(wh + "/big")])
spark.sql("CREATE TABLE ext2 USING parquet LOCATION '%s'" % (wh + "/keep"))
check("ext_inferred", lambda: [spark.table("ext2").columns, rows(spark.table("ext2"))])
check("truncate_external", lambda: error(lambda: spark.sql("TRUNCATE TABLE ext2")))

spark.sql("CREATE DATABASE shop")
check("db_exists", lambda: error(lambda: spark.sql("CREATE DATABASE shop")))
spark.sql("USE shop")
df.write.saveAsTable("orders")
check("db_layout", lambda: [os.path.isdir(wh + "/shop.db/orders"), spark.catalog.currentDatabase(),
                            [list(r) for r in spark.sql("SHOW TABLES").collect() if not r.isTemporary]])
spark.sql("USE default")
check("databases", lambda: [[d.name, d.catalog] for d in spark.catalog.listDatabases()])
check("show_databases", lambda: [list(r) for r in spark.sql("SHOW DATABASES").collect()])
check("qualified", lambda: spark.table("shop.orders").count())
check("drop_nonempty_db", lambda: error(lambda: spark.sql("DROP DATABASE shop")))
check("use_missing", lambda: error(lambda: spark.sql("USE nope")))
spark.createDataFrame([(1, "x")], "id long, k string").writeTo("v2").using("json").partitionedBy("k").create()
check("v2_create_again", lambda: error(lambda: df.writeTo("v2").create()))
spark.createDataFrame([("y", 2)], "k string, id long").writeTo("v2").append()  # by name
spark.createDataFrame([(3, "x")], "id long, k string").writeTo("v2").overwritePartitions()
check("v2", lambda: [rows(spark.table("v2")), files(wh + "/v2")])
check("v2_append_missing", lambda: error(lambda: df.writeTo("nope2").append()))
spark.sql("CREATE TABLE cached_t (x INT) USING parquet")
spark.sql("INSERT INTO cached_t VALUES (1)")
spark.catalog.cacheTable("cached_t")
check("cache_before", lambda: spark.table("cached_t").count())
spark.sql("INSERT INTO cached_t VALUES (2)")  # the cache is refreshed, as Spark's refreshTable
check("cache_after", lambda: [spark.table("cached_t").count(), spark.catalog.isCached("cached_t")])
spark.sql("DROP TABLE cached_t")
check("cache_dropped", lambda: spark.catalog.isCached("cached_t") if spark.catalog.tableExists("cached_t") else "gone")
c = spark.catalog.createTable("made", schema=df.schema)
check("catalog_create", lambda: [c.columns, c.count(), os.path.isdir(wh + "/made")])

# Persistent views: the text is analysed again on every use (so they see new data).
spark.sql("CREATE VIEW kv (key, n) COMMENT 'kept' AS SELECT s, id * 10 AS ten FROM keep WHERE id > 1")
check("view_rows", lambda: [rows(spark.table("kv")), spark.table("kv").columns])
df.write.mode("append").saveAsTable("keep")
check("view_sees_new_data", lambda: spark.sql("SELECT count(*) FROM kv").collect()[0][0])
check("view_exists", lambda: error(lambda: spark.sql("CREATE VIEW kv AS SELECT 1")))
spark.sql("CREATE VIEW IF NOT EXISTS kv AS SELECT 1")
check("view_listed", lambda: [[list(r) for r in spark.sql("SHOW TABLES LIKE 'k*'").collect()],
                              [t.tableType for t in spark.catalog.listTables() if t.name == "kv"]])
check("view_temp_ref", lambda: error(lambda: spark.sql("CREATE VIEW bad AS SELECT * FROM v")))
check("view_arity", lambda: error(lambda: spark.sql("CREATE VIEW bad (a, b, c) AS SELECT 1, 2")))
check("view_no_alias", lambda: error(lambda: spark.sql("CREATE VIEW bad AS SELECT id + 1 FROM keep")))
check("drop_table_of_view", lambda: error(lambda: spark.sql("DROP TABLE kv")))
check("drop_view_of_table", lambda: error(lambda: spark.sql("DROP VIEW keep")))
check("insert_into_view", lambda: error(lambda: spark.sql("INSERT INTO kv VALUES ('a', 1)")))
check("view_describe", lambda: {r[0]: r[1] for r in spark.sql("DESCRIBE EXTENDED kv").collect()})
spark.sql("CREATE OR REPLACE VIEW kv2 AS SELECT id FROM keep")
spark.sql("CREATE OR REPLACE VIEW kv2 AS SELECT max(id) AS m FROM keep")
check("view_replaced", lambda: rows(spark.table("kv2")))
check("view_show_create", lambda: spark.sql("SHOW CREATE TABLE kv2").collect()[0][0])
spark.sql("DROP VIEW kv2")
check("view_dropped", lambda: [spark.catalog.tableExists("kv2"), error(lambda: spark.sql("DROP VIEW kv2"))])

# ALTER TABLE: properties, comment, columns, location; SHOW TBLPROPERTIES / CREATE TABLE.
spark.sql("CREATE TABLE props (a INT) USING parquet COMMENT 'c1' TBLPROPERTIES ('x' = '1', 'y' = '2')")
spark.sql("ALTER TABLE props SET TBLPROPERTIES ('z' = '3', 'x' = '9')")
spark.sql("ALTER TABLE props UNSET TBLPROPERTIES ('y')")
check("unset_missing", lambda: error(lambda: spark.sql("ALTER TABLE props UNSET TBLPROPERTIES ('nope')")))
check("tblproperties", lambda: [[list(r) for r in spark.sql("SHOW TBLPROPERTIES props").collect()],
                                [list(r) for r in spark.sql("SHOW TBLPROPERTIES props ('nope')").collect()]])
spark.sql("ALTER TABLE props ADD COLUMNS (b STRING)")
spark.sql("INSERT INTO props VALUES (1, 'one')")
check("add_columns", lambda: rows(spark.table("props")))
check("add_existing_column", lambda: error(lambda: spark.sql("ALTER TABLE props ADD COLUMNS (A INT)")))
check("alter_view_as_table", lambda: error(lambda: spark.sql("ALTER TABLE kv SET TBLPROPERTIES ('a' = 'b')")))
check("show_create", lambda: spark.sql("SHOW CREATE TABLE props").collect()[0][0])
check("props_describe", lambda: {r[0]: r[1] for r in spark.sql("DESCRIBE EXTENDED props").collect()})
spark.sql("ALTER TABLE ext2 SET LOCATION '%s'" % (wh + "/made"))
check("set_location", lambda: spark.table("ext2").count())

# CREATE TABLE without USING: a Hive table (no Hive here) unless createHiveTableByDefault is off.
check("no_using", lambda: error(lambda: spark.sql("CREATE TABLE nousing (a INT)")))
spark.conf.set("spark.sql.legacy.createHiveTableByDefault", "false")
spark.sql("CREATE TABLE nousing (a INT)")
check("no_using_default", lambda: {r[0]: r[1] for r in spark.sql("DESCRIBE EXTENDED nousing").collect()}["Provider"])

# bucketBy / sortBy: one file per bucket per task, bucket = pmod(hash(cols), n) as Spark's.
spark.createDataFrame([(i, "k%d" % (i % 3)) for i in range(8)], "id int, s string") \
    .write.bucketBy(4, "id").sortBy("s").saveAsTable("bk")

def buckets():
    out = {}
    for f in files(wh + "/bk"):
        if f.startswith("part-"):
            b = int(f.rsplit("_", 1)[1].split(".")[0])
            out.setdefault(b, []).extend(r.id for r in spark.read.parquet(wh + "/bk/" + f).collect())
    return sorted([b, sorted(v)] for b, v in out.items())
check("bucketed", lambda: [spark.table("bk").count(), buckets(),
                           [list(r) for r in spark.sql("SELECT id, pmod(hash(id), 4) FROM bk ORDER BY id").collect()],
                           [f for f in files(wh + "/bk") if f.startswith("part-")][0]])
check("bucket_spec", lambda: [{r[0]: r[1] for r in spark.sql("DESCRIBE EXTENDED bk").collect()}.get(k)
                              for k in ("Num Buckets", "Bucket Columns", "Sort Columns")])
check("bucket_insert", lambda: error(lambda: df.write.bucketBy(2, "id").insertInto("bk")))

# Dynamic partition overwrite of a path write: only the partitions written are replaced.
dyn = ext + "_dyn"
parts.write.partitionBy("k").parquet(dyn)
spark.createDataFrame([(9, "x", 90)], "id int, k string, v int").write.mode("overwrite") \
    .option("partitionOverwriteMode", "dynamic").partitionBy("k").parquet(dyn)
check("path_dynamic", lambda: [rows(spark.read.parquet(dyn)), files(dyn)])
emit()
spark.stop()
'''

SECOND = r'''
from pyspark.sql import SparkSession
spark = SparkSession.builder.appName("tables-again").getOrCreate()
check("restart_rows", lambda: sorted([list(r) for r in spark.table("keep").collect()]))
check("restart_tables", lambda: sorted(r.tableName for r in spark.sql("SHOW TABLES").collect()))
check("restart_partitioned", lambda: spark.table("pt").count())
check("restart_db", lambda: spark.table("shop.orders").count())
check("restart_view", lambda: sorted([list(r) for r in spark.sql("SELECT * FROM kv").collect()]))
emit()
spark.stop()
'''


def test_tables(tmp_path, tables_app):
    wh = tables_app.warehouse
    res = tables_app.submit("first.py", FIRST)
    r = res.result
    assert all(r("t_files")) and len(r("t_files")) >= 2
    assert r("t_rows") == [[1, "a"], [2, "b"]]
    assert r("t_sql") == [[3, "b"]]
    assert r("t_exists") == [
        "TABLE_OR_VIEW_ALREADY_EXISTS",
        "[TABLE_OR_VIEW_ALREADY_EXISTS] Cannot create table or view `spark_catalog`.`default`.`t` because it "
        "already exists."]
    assert r("t_append") == [[1, "a"], [1, "a"], [2, "b"], [2, "b"]]
    assert r("t_ignore") == 4
    assert r("t_insert") == [[7, "q"]]
    assert r("t_schema") == "struct<id:bigint,s:string>"
    assert r("t_insert_overwrite") == [[3, "c"]]
    assert r("t_overwrite_self")[0] == "UNSUPPORTED_OVERWRITE.TABLE"
    assert r("t_overwrite") == [[[1, "a"], [2, "b"]], True]
    assert r("insert_missing")[0] == "TABLE_OR_VIEW_NOT_FOUND"
    assert r("insert_arity") == [
        "INSERT_COLUMN_ARITY_MISMATCH.NOT_ENOUGH_DATA_COLUMNS",
        "[INSERT_COLUMN_ARITY_MISMATCH.NOT_ENOUGH_DATA_COLUMNS] Cannot write to `spark_catalog`.`default`.`t`, "
        "the reason is not enough data columns:"]
    assert r("show_tables") == [["default", "t", False], ["", "v", True]]
    assert r("list_tables") == [["t", "spark_catalog", ["default"], "MANAGED", False],
                                ["v", None, [], "TEMPORARY", True]]
    assert r("table_exists") == [True, True, False, True]
    assert r("ext_rows") == [[1, "a"], [2, "b"]]
    assert r("dropped") == [True, False, False]  # external data kept, managed data deleted
    assert r("drop_missing") == [
        "TABLE_OR_VIEW_NOT_FOUND",
        "[TABLE_OR_VIEW_NOT_FOUND] The table or view `nope` cannot be found. Verify the spelling and correctness "
        "of the schema and catalog."]
    assert r("read_missing")[0] == "TABLE_OR_VIEW_NOT_FOUND"
    assert r("location_exists") == [
        "LOCATION_ALREADY_EXISTS",
        "[LOCATION_ALREADY_EXISTS] Cannot name the managed table as `spark_catalog`.`default`.`stale`, as its "
        "associated location 'file:%s/stale' already exists. Please pick a different table name, or remove the "
        "existing location first." % wh]
    assert r("pt_layout") == ["_SUCCESS", "k=x", "k=y"]
    assert r("pt_schema") == ["id", "v", "k"]
    assert r("pt_rows") == [[1, 10, "x"], [3, 30, "x"]]
    assert r("pt_partitions") == [["k=x"], ["k=y"]]
    assert r("pt_unregistered") == 3  # k=w is not in the catalog until MSCK REPAIR TABLE
    assert r("pt_repaired") == [5, [["k=w"], ["k=x"], ["k=y"]]]  # k=w holds a copy of k=x's file
    assert r("people") == [["ann", 31], ["bob", None], ["cy", 7]]
    assert r("people_csv_header") == ["name,age\n"]
    assert r("create_exists")[0] == "TABLE_OR_VIEW_ALREADY_EXISTS"
    assert r("describe") == [["name", "string", None], ["age", "int", None]]
    assert r("sales") == [[3, 2023], [5, 2024]]
    assert r("sales_layout") == ["_SUCCESS", "year=2023", "year=2024"]
    ext = r("describe_extended")
    assert ext[:5] == [["amount", "int", None], ["year", "int", None], ["# Partition Information", "", ""],
                       ["# col_name", "data_type", "comment"], ["year", "int", None]]
    info = {row[0]: row[1] for row in ext[7:]}
    assert ext[5:7] == [["", "", ""], ["# Detailed Table Information", "", ""]]
    assert info["Catalog"] == "spark_catalog" and info["Database"] == "default" and info["Table"] == "sales"
    assert info["Type"] == "MANAGED" and info["Provider"] == "parquet"
    assert info["Location"] == "file:%s/sales" % wh and info["Partition Provider"] == "Catalog"
    assert r("sales_add_partition") == [[["year=2023"], ["year=2024"], ["year=2025"]], True]
    assert r("add_partition_again")[0] == "PARTITIONS_ALREADY_EXIST"
    assert r("insert_columns") == [["dee", 40], ["eve", None]]
    assert r("drop_partition") == [[[3, 2023]], ["_SUCCESS", "year=2023", "year=2025"]]
    assert r("drop_partition_missing") == [
        "PARTITIONS_NOT_FOUND",
        "[PARTITIONS_NOT_FOUND] The partition(s) PARTITION (`year` = 1999) cannot be found in table "
        "`spark_catalog`.`default`.`sales`."]
    assert r("renamed") == [[[3, 2023]], True, False, False, [["year=2023"], ["year=2025"]]]
    # dynamic: only the partitions written are replaced (2025 is empty, 2023 rewritten)
    assert r("dynamic_overwrite") == [[[7, 2024], [8, 2023]], ["_SUCCESS", "year=2023", "year=2024", "year=2025"]]
    assert r("truncated") == [0, True]
    assert r("truncate_external") == [
        "_LEGACY_ERROR_TEMP_1266",
        "Operation not allowed: TRUNCATE TABLE on external tables: `spark_catalog`.`default`.`ext2`."]
    assert r("ctas") == [[[0, "0"], [1, "1"], [2, "0"], [3, "1"]], ["_SUCCESS", "k=0", "k=1"]]
    assert r("ext_inferred") == [["id", "s"], [[1, "a"], [2, "b"]]]
    assert r("db_exists")[0] == "SCHEMA_ALREADY_EXISTS"
    assert r("db_layout") == [True, "shop", [["shop", "orders", False]]]
    assert r("databases") == [["default", "spark_catalog"], ["shop", "spark_catalog"]]
    assert r("show_databases") == [["default"], ["shop"]]
    assert r("qualified") == 2
    assert r("drop_nonempty_db")[0] == "SCHEMA_NOT_EMPTY"
    assert r("use_missing")[0] == "SCHEMA_NOT_FOUND"
    assert r("v2_create_again")[0] == "TABLE_OR_VIEW_ALREADY_EXISTS"
    assert r("v2") == [[[2, "y"], [3, "x"]], ["_SUCCESS", "k=x", "k=y"]]
    assert r("v2_append_missing")[0] == "TABLE_OR_VIEW_NOT_FOUND"
    assert r("cache_before") == 1
    assert r("cache_after") == [2, True]
    assert r("cache_dropped") == "gone"
    assert r("catalog_create") == [["id", "s"], 0, True]
    assert r("view_rows") == [[["b", 20]], ["key", "n"]]
    assert r("view_sees_new_data") == 2
    assert r("view_exists") == [
        "TABLE_OR_VIEW_ALREADY_EXISTS",
        "[TABLE_OR_VIEW_ALREADY_EXISTS] Cannot create table or view `spark_catalog`.`default`.`kv` because it "
        "already exists."]
    assert r("view_listed") == [[["default", "keep", False], ["default", "kv", False]], ["VIEW"]]
    assert r("view_temp_ref") == [
        "INVALID_TEMP_OBJ_REFERENCE",
        "[INVALID_TEMP_OBJ_REFERENCE] Cannot create the persistent object `spark_catalog`.`default`.`bad` of the "
        "type VIEW because it references to the temporary object `v` of the type VIEW. Please make the temporary "
        "object `v` persistent, or make the persistent object `spark_catalog`.`default`.`bad` temporary."]
    assert r("view_arity")[0] == "CREATE_VIEW_COLUMN_ARITY_MISMATCH.NOT_ENOUGH_DATA_COLUMNS"
    assert r("view_no_alias") == [
        "CREATE_PERMANENT_VIEW_WITHOUT_ALIAS",
        "[CREATE_PERMANENT_VIEW_WITHOUT_ALIAS] Not allowed to create the permanent view `spark_catalog`.`default`.`bad` "
        "without explicitly assigning an alias for the expression \"(id + 1)\"."]
    assert r("drop_table_of_view") == [
        "WRONG_COMMAND_FOR_OBJECT_TYPE",
        "[WRONG_COMMAND_FOR_OBJECT_TYPE] The operation DROP TABLE requires a EXTERNAL or MANAGED. But "
        "spark_catalog.default.kv is a VIEW. Use DROP VIEW instead."]
    assert r("drop_view_of_table")[1].endswith("But spark_catalog.default.keep is a MANAGED. Use DROP TABLE instead.")
    assert r("insert_into_view") == [
        "_LEGACY_ERROR_TEMP_1010", "Inserting into a view is not allowed. View: `spark_catalog`.`default`.`kv`."]
    vd = r("view_describe")
    assert vd["Type"] == "VIEW" and vd["Comment"] == "kept" and "Provider" not in vd and "Location" not in vd
    assert vd["View Text"] == "SELECT s, id * 10 AS ten FROM keep WHERE id > 1"
    assert vd["View Catalog and Namespace"] == "spark_catalog.default"
    assert vd["View Query Output Columns"] == "[s, ten]"
    assert r("view_replaced") == [[2]]
    assert r("view_show_create") == "CREATE VIEW spark_catalog.default.kv2 (\n  m)\nAS SELECT max(id) AS m FROM keep\n"
    assert r("view_dropped") == [False, [
        "TABLE_OR_VIEW_NOT_FOUND",
        "[TABLE_OR_VIEW_NOT_FOUND] The table or view `spark_catalog`.`default`.`kv2` cannot be found. Verify the "
        "spelling and correctness of the schema and catalog."]]
    assert r("unset_missing") == [
        "UNSET_NONEXISTENT_PROPERTIES",
        "[UNSET_NONEXISTENT_PROPERTIES] Attempted to unset non-existent properties [`nope`] in table "
        "`spark_catalog`.`default`.`props`."]
    assert r("tblproperties") == [[["x", "9"], ["z", "3"]],
                                  [["nope", "Table spark_catalog.default.props does not have property: nope"]]]
    assert r("add_columns") == [[1, "one"]]
    assert r("add_existing_column")[0] == "COLUMN_ALREADY_EXISTS"
    assert r("alter_view_as_table") == [
        "_LEGACY_ERROR_TEMP_1013",
        "spark_catalog.default.kv is a view. 'ALTER TABLE ... SET TBLPROPERTIES' expects a table. Please use ALTER "
        "VIEW instead.."]
    assert r("show_create") == ("CREATE TABLE spark_catalog.default.props (\n  a INT,\n  b STRING)\nUSING parquet\n"
                                "COMMENT 'c1'\nTBLPROPERTIES (\n  'x' = '9',\n  'z' = '3')\n")
    pd = r("props_describe")
    assert pd["Comment"] == "c1" and pd["Table Properties"] == "[x=9, z=3]"
    assert r("set_location") == 0
    assert r("no_using") == [
        "NOT_SUPPORTED_COMMAND_WITHOUT_HIVE_SUPPORT",
        "[NOT_SUPPORTED_COMMAND_WITHOUT_HIVE_SUPPORT] CREATE Hive TABLE (AS SELECT) is not supported, if you want "
        "to enable it, please set \"spark.sql.catalogImplementation\" to \"hive\"."]
    assert r("no_using_default") == "parquet"
    count, by_bucket, ids, name = r("bucketed")
    assert count == 8 and [1, 3] in ids  # Spark: hash(1) = -559580957, pmod 4 = 3
    assert sorted(i for b, v in by_bucket for i in v) == list(range(8))
    assert all(i in dict(map(tuple, by_bucket))[b] for i, b in ids)
    assert re.match(r"part-\d{5}-[0-9a-f-]{36}_\d{5}\.c000\.snappy\.parquet$", name), name
    assert r("bucket_spec") == ["4", "[`id`]", "[`s`]"]
    assert r("bucket_insert") == ["_LEGACY_ERROR_TEMP_1312", "'insertInto' does not support bucketBy right now."]
    assert r("path_dynamic") == [[[2, 20, "y"], [9, 90, "x"]], ["_SUCCESS", "k=x", "k=y"]]
    assert os.path.exists(os.path.join(wh, ".sparkpp_catalog.sqlite3"))
    assert not os.path.exists(tmp_path / "spark-warehouse")

    # A new application on the same warehouse sees the same catalog.
    res = tables_app.submit("second.py", SECOND, master="local[1]", timeout=120)
    assert res.result("restart_rows") == [[1, "a"], [1, "a"], [2, "b"], [2, "b"]]  # appended to for the view
    assert res.result("restart_tables") == ["big", "bk", "ext2", "keep", "kv", "made", "nousing", "people", "props",
                                            "pt", "sales2", "v2"]
    assert res.result("restart_view") == [["b", 20], ["b", 20]]
    assert res.result("restart_partitioned") == 5
    assert res.result("restart_db") == 2


def test_default_warehouse_in_cwd(tmp_path):
    """Without spark.sql.warehouse.dir, managed tables live in ./spark-warehouse/<table>."""
    job = r'''
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
spark.range(3).write.saveAsTable("r")
check("r", lambda: spark.sql("SELECT count(*) FROM r").collect()[0][0])
emit()
spark.stop()
'''
    res = jobs.submit_ok(jobs.write_job(tmp_path, "cwd.py", job), master="local[1]", cwd=str(tmp_path), timeout=120)
    assert res.result("r") == 3
    assert os.path.isdir(tmp_path / "spark-warehouse" / "r")


def test_concurrent_applications(tmp_path):
    """Two applications creating tables in one warehouse at the same time: the catalog keeps
    every table of both (SQLite's locking, one transaction per change)."""
    import threading
    wh = str(tmp_path / "wh")
    job = r'''
import os
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
me = os.environ["ME"]
for i in range(4):
    spark.range(i + 1).write.saveAsTable("%s_%d" % (me, i))
    spark.sql("CREATE TABLE IF NOT EXISTS shared (x INT) USING parquet")
check("mine", lambda: [spark.table("%s_%d" % (me, i)).count() for i in range(4)])
emit()
spark.stop()
'''
    script = jobs.write_job(tmp_path, "both.py", job)
    results = {}

    def run(me):
        results[me] = jobs.submit_ok(script, master="local[1]", conf={"spark.sql.warehouse.dir": wh},
                                     env={"ME": me}, cwd=str(tmp_path), timeout=120)
    threads = [threading.Thread(target=run, args=(me,)) for me in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results["a"].result("mine") == [1, 2, 3, 4]
    assert results["b"].result("mine") == [1, 2, 3, 4]
    listing = r'''
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
check("tables", lambda: sorted(t.name for t in spark.catalog.listTables()))
emit()
spark.stop()
'''
    res = jobs.submit_ok(jobs.write_job(tmp_path, "list.py", listing), master="local[1]",
                         conf={"spark.sql.warehouse.dir": wh}, cwd=str(tmp_path), timeout=120)
    assert res.result("tables") == ["a_0", "a_1", "a_2", "a_3", "b_0", "b_1", "b_2", "b_3", "shared"]
