// Helpers shared by the session's table code (session_tables.cpp: relations and writes;
// session_ddl.cpp: the table statements; the views of session.cpp / session_sql.cpp /
// session_cache.cpp). Internal to the session.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sql/analysis/errors.h"
#include "sql/catalog.h"
#include "sql/session.h"

namespace spp::sql::tables {

bool same_name(const std::string& a, const std::string& b);  // ASCII case-insensitive
// A statement's error reply: the AnalysisException, or `[CLASS] text` (legacy classes bare).
nlohmann::json err(const AnalysisError& e);
nlohmann::json err(const std::string& cls, const std::string& state, const std::string& text,
                   std::vector<std::pair<std::string, std::string>> params = {});
nlohmann::json plain_err(const std::string& text);
// A statement's rows: schema fields and rows.
nlohmann::json field(const char* name, const char* type, bool nullable);
nlohmann::json result(std::vector<nlohmann::json> fields, nlohmann::json rows);
nlohmann::json no_rows();

PlanPtr unresolved_relation(const std::string& name);
std::string qualified(const CatalogTable& t);  // `spark_catalog`.`db`.`t`
std::string ident_sql(const std::string& db, const std::string& t);
// SHOW TABLES / SHOW DATABASES LIKE (Spark's StringUtils.filterPattern).
bool like_pattern(const std::string& name, const std::string& pattern);
std::string uri(const std::string& path);               // `file:` + path
std::string escape_path_name(const std::string& s);     // ExternalCatalogUtils.escapePathName
std::string absolute_path(const std::string& p);        // a user's path (`file:` allowed), absolute
std::string java_date(int64_t ms);                      // Date.toString in UTC
bool non_empty_dir(const std::string& p);
Result<DataType> table_schema(const CatalogTable& t);  // the schema as stored

// Registers the `k=v` directories on disk under a partitioned table; with `sync`, drops the
// entries whose directory is gone.
Status sync_partitions(Catalog& c, const CatalogTable& t, bool sync);
// Drops the entry, and a managed table's directory with it (an external table's data stays).
Status drop_table_and_data(Catalog& c, const CatalogTable& t);

// How the analyzer finds a relation (SessionCatalog.lookupRelation): under a SubqueryAlias of
// its name's parts (`t`; `global_temp`, `v`; `spark_catalog`, db, t), the parts lower-cased.
PlanPtr subquery_alias(std::vector<std::string> parts, PlanPtr child);
// Spark's View node over a view's plan: `ident` as TableIdentifier.quotedString prints it.
PlanPtr view_node(std::string ident, PlanPtr child);
// A view kept as SQL text reads its columns as SessionCatalog.fromCatalogTable does: each
// cast (UpCast) to the type the view was made with, under the view's column name (`names`,
// when given: CREATE VIEW v (x, y) AS ...).
PlanPtr view_columns(const PlanPtr& analyzed, IdGen& ids, const std::vector<std::string>& names = {});

AnalysisError already_exists(const std::string& db, const std::string& t);  // TABLE_OR_VIEW_ALREADY_EXISTS
AnalysisError schema_not_found(const std::string& db);
AnalysisError location_exists(const std::string& db, const std::string& t, const std::string& location);

}  // namespace spp::sql::tables
