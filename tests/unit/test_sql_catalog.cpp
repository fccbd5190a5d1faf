// The SQLite table catalog: nothing on disk until a write, names case-insensitive, entries
// visible to a second connection (another application) and surviving a reopen.
#include <doctest/doctest.h>

#include <filesystem>
#include <sqlite3.h>
#include <unistd.h>

#include "sql/catalog.h"
#include "sql/parser/parser.h"
#include "sql/session.h"

using namespace spp::sql;
namespace fs = std::filesystem;

namespace {
struct TmpWarehouse {
  fs::path dir = fs::temp_directory_path() / ("sparkpp-catalog-test-" + std::to_string(::getpid()));
  TmpWarehouse() { fs::remove_all(dir); }
  ~TmpWarehouse() { fs::remove_all(dir); }
};

CatalogTable table(const std::string& db, const std::string& name, const std::string& location) {
  CatalogTable t;
  t.db = db;
  t.name = name;
  t.location = location;
  t.schema = R"({"type":"struct","fields":[{"name":"a","type":"long","nullable":true,"metadata":{}}]})";
  t.partition_columns = {"p"};
  t.options = {{"header", "true"}};
  return t;
}
}  // namespace

TEST_CASE("catalog: reads of an absent catalog create nothing and see only `default`") {
  TmpWarehouse w;
  Catalog c(w.dir.string());
  auto dbs = c.list_databases();
  REQUIRE(dbs);
  REQUIRE(dbs->size() == 1);
  CHECK(dbs.value()[0].name == "default");
  CHECK(dbs.value()[0].location == w.dir.string());
  auto t = c.get_table("default", "t");
  REQUIRE(t);
  CHECK(!t.value().has_value());
  CHECK(c.list_tables("default")->empty());
  CHECK(!c.drop_table("default", "t").value().has_value());
  CHECK(!fs::exists(w.dir));
  CHECK(c.default_location("default", "T").value() == (w.dir / "t").string());
}

TEST_CASE("catalog: tables are created once, found case-insensitively, dropped with their partitions") {
  TmpWarehouse w;
  Catalog c(w.dir.string());
  CHECK(c.create_table(table("default", "Sales", "/x/sales")).value() == true);
  CHECK(c.create_table(table("DEFAULT", "sales", "/elsewhere")).value() == false);  // exists: unchanged
  CHECK(fs::exists(w.dir / Catalog::kFile));
  auto t = c.get_table("default", "SALES");
  REQUIRE(t);
  REQUIRE(t.value().has_value());
  CHECK(t.value()->name == "sales");
  CHECK(t.value()->location == "/x/sales");
  CHECK(t.value()->provider == "parquet");
  CHECK(t.value()->partition_columns == std::vector<std::string>{"p"});
  REQUIRE(t.value()->options.size() == 1);
  CHECK(t.value()->options[0].second == "true");
  CHECK(t.value()->created_ms > 0);
  CHECK(c.add_partition("default", "sales", {"p=1", "/x/sales/p=1"}).value() == true);
  CHECK(c.add_partition("default", "sales", {"p=1", "/x/sales/p=1"}).value() == false);
  CHECK(c.list_partitions("default", "sales")->size() == 1);
  auto dropped = c.drop_table("default", "sales");
  REQUIRE(dropped);
  REQUIRE(dropped.value().has_value());
  CHECK(dropped.value()->location == "/x/sales");
  CHECK(c.list_partitions("default", "sales")->empty());
  CHECK(!c.get_table("default", "sales").value().has_value());
}

TEST_CASE("catalog: views, comments, properties and bucket specs round-trip; older catalogs gain the column") {
  TmpWarehouse w;
  fs::create_directories(w.dir);
  {  // a catalog written before the `extra` column existed
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((w.dir / Catalog::kFile).c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE tables(db TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, provider TEXT NOT NULL,"
                             " location TEXT NOT NULL, schema TEXT NOT NULL, partition_columns TEXT NOT NULL, options TEXT NOT NULL,"
                             " created_ms INTEGER NOT NULL, PRIMARY KEY(db, name));"
                             "INSERT INTO tables VALUES ('default', 'old', 'MANAGED', 'csv', '/x/old', '{}', '[]', '[]', 1)",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  Catalog c(w.dir.string());
  auto old = c.get_table("default", "old");
  REQUIRE(old);
  REQUIRE(old.value().has_value());
  CHECK(old.value()->provider == "csv");
  CHECK(old.value()->properties.empty());
  CatalogTable v = table("default", "v", "");
  v.type = "VIEW";
  v.view_text = "SELECT 1 AS a";
  v.view_db = "shop";
  v.comment = "c";
  v.properties = {{"k", "v"}};
  v.num_buckets = 4;
  v.bucket_columns = {"a"};
  v.sort_columns = {"b"};
  CHECK(c.create_table(v).value() == true);
  auto got = c.get_table("default", "v").value();
  REQUIRE(got.has_value());
  CHECK(got->view_text == "SELECT 1 AS a");
  CHECK(got->view_db == "shop");
  CHECK(got->comment == "c");
  CHECK(got->properties == std::vector<std::pair<std::string, std::string>>{{"k", "v"}});
  CHECK(got->num_buckets == 4);
  CHECK(got->bucket_columns == std::vector<std::string>{"a"});
  CHECK(got->sort_columns == std::vector<std::string>{"b"});
  got->comment = "d";
  REQUIRE(c.update_table(*got));
  CHECK(c.get_table("default", "v").value()->comment == "d");
}

TEST_CASE("catalog: a second connection sees the first's changes; databases and their tables") {
  TmpWarehouse w;
  {
    Catalog a(w.dir.string());
    CHECK(a.create_database({"Shop", "", ""}).value() == true);
    CHECK(a.create_database({"shop", "", ""}).value() == false);
    CHECK(fs::is_directory(w.dir / "shop.db"));
    CHECK(a.default_location("shop", "t").value() == (w.dir / "shop.db" / "t").string());
    Catalog b(w.dir.string());  // another application on the same warehouse
    CHECK(b.create_table(table("shop", "t", "/x/t")).value() == true);
    CHECK(a.list_tables("shop")->size() == 1);
    CHECK(a.list_tables("default")->empty());
    auto d = a.drop_database("shop", false);
    CHECK(!d);
    CHECK(d.error_message() == "SCHEMA_NOT_EMPTY");
  }
  Catalog again(w.dir.string());  // a restart
  auto dbs = again.list_databases();
  REQUIRE(dbs->size() == 2);
  CHECK(dbs.value()[1].name == "shop");
  CHECK(again.get_table("shop", "t").value().has_value());
  CHECK(again.drop_database("shop", true).value() == true);
  CHECK(!again.get_table("shop", "t").value().has_value());
  CHECK(again.drop_database("shop", true).value() == false);
}

TEST_CASE("catalog: partition specs split into columns and raw values") {
  auto s = split_partition_spec("year=2024/month=01");
  REQUIRE(s.size() == 2);
  CHECK(s[0] == std::pair<std::string, std::string>{"year", "2024"});
  CHECK(s[1] == std::pair<std::string, std::string>{"month", "01"});
  CHECK(split_partition_spec("").empty());
}

TEST_CASE("catalog statements parse with their clauses and query text") {
  spp::sql::IdGen ids;
  using spp::sql::parser::StmtKind;
  auto parse = [&](const std::string& q) { return std::get<spp::sql::parser::Statement>(spp::sql::parser::parse_statement(q, ids)); };
  auto c = parse("CREATE TABLE IF NOT EXISTS db.t (a INT, b STRING) USING csv OPTIONS (header 'true', sep = ';') "
                 "PARTITIONED BY (b) LOCATION '/data/t'");
  CHECK(c.kind == StmtKind::CreateTable);
  CHECK(c.name == "db.t");
  CHECK(c.if_not_exists);
  CHECK(c.schema == "a INT, b STRING");
  CHECK(c.value == "csv");
  CHECK(c.key == "/data/t");
  CHECK(c.columns == std::vector<std::string>{"b"});
  REQUIRE(c.options.size() == 2);
  CHECK(c.options[1] == std::pair<std::string, std::string>{"sep", ";"});
  auto ctas = parse("CREATE TABLE t USING parquet PARTITIONED BY (k INT) AS SELECT 1 AS k;");
  CHECK(ctas.plan != nullptr);
  CHECK(ctas.query_text == "SELECT 1 AS k");
  CHECK(ctas.schema == "`k` INT");
  auto ins = parse("INSERT OVERWRITE TABLE t PARTITION (y = 2024, m = 'a\\'b', d) VALUES (1, 2)");
  CHECK(ins.kind == StmtKind::Insert);
  CHECK(ins.replace);
  CHECK(ins.query_text == "VALUES (1, 2)");
  REQUIRE(ins.partitions.size() == 1);
  REQUIRE(ins.partitions[0].values.size() == 3);
  CHECK(ins.partitions[0].values[0].value == "2024");
  CHECK(ins.partitions[0].values[1].value == "a'b");
  CHECK(!ins.partitions[0].values[2].has_value);
  CHECK(parse("DROP TABLE IF EXISTS t PURGE").kind == StmtKind::DropTable);
  CHECK(parse("DROP VIEW v").kind == StmtKind::DropView);
  auto add = parse("ALTER TABLE t ADD IF NOT EXISTS PARTITION (y = 1) LOCATION '/x' PARTITION (y = 2)");
  CHECK(add.kind == StmtKind::AddPartitions);
  REQUIRE(add.partitions.size() == 2);
  CHECK(add.partitions[0].location == "/x");
  CHECK(parse("MSCK REPAIR TABLE t").kind == StmtKind::RepairTable);
  CHECK(parse("ALTER TABLE t RECOVER PARTITIONS").kind == StmtKind::RepairTable);
  CHECK(parse("USE shop").kind == StmtKind::UseDatabase);
  auto db = parse("CREATE DATABASE IF NOT EXISTS shop COMMENT 'c' LOCATION '/w'");
  CHECK(db.kind == StmtKind::CreateDatabase);
  CHECK(db.value == "c");
  CHECK(parse("DROP SCHEMA shop CASCADE").replace);
  CHECK(parse("SHOW DATABASES LIKE 'd*'").value == "d*");
  CHECK(parse("SHOW PARTITIONS t").kind == StmtKind::ShowPartitions);
  auto drop = parse("ALTER TABLE t DROP IF EXISTS PARTITION (y = 1), PARTITION (y = 2)");
  CHECK(drop.kind == StmtKind::DropPartitions);
  CHECK(drop.if_exists);
  CHECK(drop.partitions.size() == 2);
  auto ren = parse("ALTER TABLE db.t RENAME TO db.u");
  CHECK(ren.kind == StmtKind::RenameTable);
  CHECK(ren.key == "db.u");
  auto tr = parse("TRUNCATE TABLE t PARTITION (y = 1)");
  CHECK(tr.kind == StmtKind::TruncateTable);
  CHECK(tr.partitions.size() == 1);
  auto view = parse("CREATE OR REPLACE VIEW db.v (x COMMENT 'c', y) COMMENT 'v' TBLPROPERTIES ('k' = 'v') AS SELECT 1, 2");
  CHECK(view.kind == StmtKind::CreatePersistedView);
  CHECK(view.replace);
  CHECK(view.columns == std::vector<std::string>{"x", "y"});
  CHECK(view.comment == "v");
  CHECK(view.properties.size() == 1);
  CHECK(view.query_text == "SELECT 1, 2");
  CHECK(parse("CREATE TEMP VIEW v AS SELECT 1").kind == StmtKind::CreateView);
  CHECK(parse("ALTER VIEW v AS SELECT 2").mode == "alter");
  auto setp = parse("ALTER TABLE t SET TBLPROPERTIES ('a' = '1', b.c = 2)");
  CHECK(setp.kind == StmtKind::SetProperties);
  CHECK(setp.properties[1] == std::pair<std::string, std::string>{"b.c", "2"});
  auto unset = parse("ALTER VIEW v UNSET TBLPROPERTIES IF EXISTS ('a', b)");
  CHECK(unset.kind == StmtKind::UnsetProperties);
  CHECK(unset.if_exists);
  CHECK(unset.mode == "view");
  CHECK(unset.columns == std::vector<std::string>{"a", "b"});
  auto loc = parse("ALTER TABLE t PARTITION (y = 1) SET LOCATION '/p'");
  CHECK(loc.kind == StmtKind::SetLocation);
  CHECK(loc.key == "/p");
  CHECK(loc.partitions.size() == 1);
  CHECK(parse("ALTER TABLE t ADD COLUMNS (c INT, d STRING)").schema == "c INT, d STRING");
  CHECK(parse("SHOW TBLPROPERTIES t ('a')").key == "a");
  CHECK(parse("SHOW CREATE TABLE t").kind == StmtKind::ShowCreateTable);
  auto bucketed = parse("CREATE TABLE t (a INT, b INT) USING parquet CLUSTERED BY (a) SORTED BY (b) INTO 4 BUCKETS COMMENT 'x'");
  CHECK(bucketed.num_buckets == 4);
  CHECK(bucketed.bucket_columns == std::vector<std::string>{"a"});
  CHECK(bucketed.sort_columns == std::vector<std::string>{"b"});
  CHECK(bucketed.comment == "x");
  CHECK(parse("CREATE TABLE t (a INT) STORED AS parquet").mode == "hive");
  auto cols = parse("INSERT INTO t (b, a) SELECT 1, 2");
  CHECK(cols.columns == std::vector<std::string>{"b", "a"});
  CHECK(cols.query_text == "SELECT 1, 2");
}

// spark.catalog's lookups by name (session_catalog.cpp) without a catalog on disk: only
// `default`, built-ins known to the analyzer, Spark's errors for the rest.
TEST_CASE("catalog API: catalogs, databases, functions and their errors") {
  SqlSession s;
  auto call = [&](const char* op, nlohmann::json args) {
    return s.command({{"catalog", {{op, std::move(args)}}}});
  };
  auto one = [&](const char* op, nlohmann::json args) { return call(op, std::move(args))["rows"][0][0]; };
  CHECK(call("listCatalogs", nlohmann::json::object())["rows"] == nlohmann::json::parse(R"([["spark_catalog", null]])"));
  CHECK(call("listCatalogs", {{"pattern", "hive*"}})["rows"] == nlohmann::json::array());
  CHECK(call("setCurrentCatalog", {{"catalogName", "SPARK_CATALOG"}})["rows"] == nlohmann::json::array());
  CHECK(call("setCurrentCatalog", {{"catalogName", "x"}})["error"]["errorClass"] == "CATALOG_NOT_FOUND");
  CHECK(one("databaseExists", {{"dbName", "spark_catalog.default"}}) == true);
  CHECK(one("databaseExists", {{"dbName", "other.default"}}) == false);
  CHECK(call("getDatabase", {{"dbName", "default"}})["rows"][0][2] == "default database");
  CHECK(call("getDatabase", {{"dbName", "nodb"}})["error"]["errorClass"] == "SCHEMA_NOT_FOUND");
  for (const char* f : {"count", "Sum", "abs", "to_date", "explode", "transform", "row_number", "current_date"})
    CHECK_MESSAGE(one("functionExists", {{"functionName", f}}) == true, f);
  for (const char* f : {"col", "no_such_fn", "default.count", "spark_catalog.default.abs"})
    CHECK_MESSAGE(one("functionExists", {{"functionName", f}}) == false, f);
  auto missing = call("getFunction", {{"functionName", "my_func2"}})["error"];
  CHECK(missing["errorClass"] == "ROUTINE_NOT_FOUND");
  CHECK(missing["messageParameters"]["routineName"] == "`default`.`my_func2`");
  auto listed = call("listFunctions", {{"pattern", "to_d*|abs"}, {"candidates", {"abs", "to_date", "col", "lit", "to_json"}}});
  CHECK(listed["rows"] == nlohmann::json::parse(R"([["abs", null, null, null, null, true],
                                                    ["to_date", null, null, null, null, true]])"));
  CHECK(call("getTable", {{"tableName", "nope"}})["error"]["errorClass"] == "TABLE_OR_VIEW_NOT_FOUND");
}
