// The persistent table catalog (Spark's SessionCatalog over an external catalog): databases,
// tables (managed or external, their format, location, schema, partition columns, options) and
// registered partitions, kept in an SQLite database under spark.sql.warehouse.dir so that it
// survives restarts and is shared by concurrent applications (SQLite's file locks; every change
// is one transaction). Names are stored lower-case (Spark's case-insensitive catalog).
// Nothing is created on disk until something is written: reading an absent catalog sees only
// the `default` database.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

struct sqlite3;

namespace spp::sql {

struct CatalogDatabase {
  std::string name, description, location;
};

struct CatalogTable {
  std::string db, name;
  std::string type = "MANAGED";  // MANAGED | EXTERNAL | VIEW
  std::string provider = "parquet";
  std::string location;          // absolute path of the table's directory
  std::string schema;            // Spark's StructType JSON, partition columns last
  std::vector<std::string> partition_columns;
  std::vector<std::pair<std::string, std::string>> options;
  int64_t created_ms = 0;
  std::string comment;                                          // COMMENT '…'
  std::vector<std::pair<std::string, std::string>> properties;  // TBLPROPERTIES, in insertion order
  std::string view_text;                                        // a VIEW's query as written (re-analysed on use)
  std::string view_db;                                          // the database current when the view was made
  // bucketBy / CLUSTERED BY: 0 buckets = not bucketed.
  int num_buckets = 0;
  std::vector<std::string> bucket_columns, sort_columns;
};

struct CatalogPartition {
  std::string spec;      // `k1=v1/k2=v2` (escaped as in directory names)
  std::string location;  // absolute
};

class Catalog {
 public:
  // `warehouse`: spark.sql.warehouse.dir, absolute. The database file is `<warehouse>/` + kFile.
  explicit Catalog(std::string warehouse);
  ~Catalog();
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;
  static constexpr const char* kFile = ".sparkpp_catalog.sqlite3";

  const std::string& warehouse() const { return warehouse_; }
  // Where a managed table lives: `<warehouse>/<t>` in `default`, else `<db location>/<t>`.
  Result<std::string> default_location(const std::string& db, const std::string& table);

  Result<std::optional<CatalogDatabase>> get_database(const std::string& name);
  Result<std::vector<CatalogDatabase>> list_databases();
  // false when it exists already. An empty location means `<warehouse>/<name>.db`.
  Result<bool> create_database(CatalogDatabase d);
  // false when absent; an error when it holds tables and !cascade (the caller words Spark's).
  Result<bool> drop_database(const std::string& name, bool cascade);

  Result<std::optional<CatalogTable>> get_table(const std::string& db, const std::string& name);
  Result<std::vector<CatalogTable>> list_tables(const std::string& db);
  // false when a table of that name exists (nothing changed).
  Result<bool> create_table(const CatalogTable& t);
  // The dropped entry (its partitions go too), nullopt when there was none.
  Result<std::optional<CatalogTable>> drop_table(const std::string& db, const std::string& name);
  Status update_table(const CatalogTable& t);

  // false when the partition is registered already.
  Result<bool> add_partition(const std::string& db, const std::string& table, const CatalogPartition& p);
  Result<std::vector<CatalogPartition>> list_partitions(const std::string& db, const std::string& table);
  Status drop_partition(const std::string& db, const std::string& table, const std::string& spec);

 private:
  // Opens (creating the file and its tables when `create`) the database; false: no catalog yet.
  Result<bool> open(bool create);
  Status exec(const std::string& sql);
  std::string warehouse_, path_;
  sqlite3* db_ = nullptr;
};

// Spark's `k=v` path pieces: a partition spec `a=1/b=x` to its (column, raw value) pairs and back.
std::vector<std::pair<std::string, std::string>> split_partition_spec(const std::string& spec);

}  // namespace spp::sql
