// SqlSession: the driver's SQL entry points as pure request -> reply functions over JSON (the
// PySqlAnalyze / PySqlExplain / PySqlCommand messages of docs/sql-engine.md), holding what a
// Spark session holds for planning: exprId counter, temporary views, SQL settings.
#pragma once
#include <functional>
#include <utility>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "sql/analysis/analyzer.h"
#include "sql/cache.h"
#include "sql/catalog.h"
#include "sql/physical/physical.h"

namespace spp::sql {
namespace parser { enum class StmtKind : uint8_t; struct Statement; }

struct SqlConf {
  // Every field starts at its key's default in the settings catalog (sql/conf_catalog.h).
  SqlConf();
  bool case_sensitive;     // spark.sql.caseSensitive
  PlannerOptions planner;  // spark.sql.shuffle.partitions, autoBroadcastJoinThreshold, …
  // spark.sql.session.timeZone as set (empty: the driver's default zone, default_time_zone()).
  std::string session_time_zone;
  int64_t python_batch_rows;  // spark.sql.execution.arrow.maxRecordsPerBatch (<= 0: no limit)
  // Applies one `spark.sql.*` setting; false when planning does not read the key or the
  // catalog's check refuses the value (ignored: the setting keeps its value).
  bool set(const std::string& key, const std::string& value);
};

// A query ready to run: every step kept for explain and the SQL tab.
struct PreparedQuery {
  PlanPtr parsed, analyzed, optimized;
  PhysPtr physical;
  PhysPtr executed;  // plan_for_execution(physical), nodes numbered for the SQL tab
  std::vector<StageFragment> stages;
  // The zone the executors compute in (every stage's plan carries it as `sessionTimeZone`).
  std::string session_time_zone;
  int64_t python_batch_rows = 10000;  // rows per batch to a Python worker (`pythonBatchRows`)
  // Uncorrelated scalar subqueries the plan's operators host (Spark's SubqueryExec), by exprId:
  // each a query to run first (its own subqueries before it); their values then go into this
  // one with with_subquery_values. `physical` keeps them, for explain and the SQL tab.
  std::vector<std::pair<int64_t, std::shared_ptr<const PreparedQuery>>> subqueries;
};

// `q` with its subqueries' values (by exprId) as literals in the executed plan, stages cut again.
PreparedQuery with_subquery_values(PreparedQuery q, const std::map<int64_t, Value>& values);

// The zone a session without spark.sql.session.timeZone uses: as the JVM's default, the TZ
// environment variable, else /etc/timezone, else UTC.
std::string default_time_zone();
// current_timestamp()/now()/current_date() of a query fixed at planning time in `zone` (Spark's
// ComputeCurrentTime); current_database()/current_catalog()/current_user() too (ReplaceCurrentLike).
PlanPtr compute_current_time(const PlanPtr& p, const std::string& zone, const std::string& database);

// Resolves a file data source for analysis (the only I/O analysis needs, so the session stays
// pure and the driver injects it): the schema of `format` files at `paths` — the user's
// `schema` when given (checked against what the format allows), else inferred from the files.
// `partition_columns`: how many of the schema's last fields are partition directories' columns.
// `size_in_bytes`: the files' total size, the relation's statistics (Spark's HadoopFsRelation
// sizeInBytes) that decide broadcast joins.
struct ResolvedSource {
  DataType schema;
  int partition_columns = 0;
  int64_t size_in_bytes = -1;
};
using SourceResolver = std::function<Result<ResolvedSource>(const std::string& format, const std::vector<std::string>& paths,
                                                      const std::vector<std::pair<std::string, std::string>>& options,
                                                      const std::optional<DataType>& user_schema)>;

// df.write.saveAsTable / insertInto (and CREATE TABLE … AS, INSERT … SELECT) planned against the
// catalog (session_tables.cpp): the path write to run on the table's location, and the entry to
// register once it commits.
struct TableWrite {
  nlohmann::json op;                   // a writeOperation with `path` = the location, input shaped to the table
  bool skip = false;                   // nothing to write (saveAsTable mode ignore over an existing table)
  std::optional<CatalogTable> table;   // the table written
  bool create = false;                 // register `table` when the write commits
  bool overwrite = false;              // its partitions are replaced (else added to)
};

class SqlSession {
 public:
  explicit SqlSession(SqlConf conf = {}) : conf_(std::move(conf)) {}

  // {"schema": StructType JSON} or {"error": {...}} (see error_json).
  nlohmann::json analyze(const nlohmann::json& plan);
  // mode: "simple" | "extended"; {"text": …} or {"error": …}.
  nlohmann::json explain(const nlohmann::json& plan, const std::string& mode);
  // createDataframeView, sqlCommand (spark.sql statements); {…} or {"error": …}.
  nlohmann::json command(const nlohmann::json& cmd);
  // Decode, analyse, optimise, plan, cut into stages. `subqueries_apart`: uncorrelated scalar
  // subqueries are queries of their own (PreparedQuery::subqueries) as in Spark, else joins
  // (a df.rdd's or a cache's plan, which must run as one).
  std::variant<PreparedQuery, nlohmann::json> prepare(const nlohmann::json& plan, bool subqueries_apart = true);

  SqlConf& conf() { return conf_; }
  // Cached queries (session_cache.cpp). A cached query's own plan, ready to run as the stages
  // that fill its blocks (AQE never coalesces it: the cached partitions stay as planned).
  const CacheManager& cache() const { return cache_; }
  std::variant<PreparedQuery, nlohmann::json> prepare_cached(int id);
  // Caches dropped since the last call (unpersist, UNCACHE TABLE, clearCache): the driver
  // forgets their stages and blocks.
  std::vector<int> take_dropped_caches() { return std::exchange(dropped_caches_, {}); }
  bool drop_temp_view(const std::string& name, bool global);
  void set_source_resolver(SourceResolver r) { resolver_ = std::move(r); }
  // The table catalog (sql/catalog.h) on spark.sql.warehouse.dir, given by the driver.
  void set_catalog(std::shared_ptr<Catalog> c) { catalog_ = std::move(c); }
  Catalog* catalog() const { return catalog_.get(); }
  // A writeOperation naming a table (`table`: saveAsTable / insertInto) as the path write to run,
  // or {"error": …}. Overwrites drop or clear what they replace here, as Spark does before writing.
  std::variant<TableWrite, nlohmann::json> plan_table_write(const nlohmann::json& op);
  // After the write committed: the new table's entry, the partitions it wrote. An error's
  // message is an error body's JSON when it is an AnalysisException.
  Status commit_table_write(const TableWrite& w);
  // Spark Connect's CachedLocalRelation: createDataFrame's batch stream, uploaded once and kept
  // for the session by its SHA-256 (hex); plans name it by hash (`cachedLocalRelation`).
  void cache_local_relation(const std::string& hash, std::shared_ptr<const std::string> data) {
    local_relations_[hash] = std::move(data);
  }

 private:
  std::variant<PlanPtr, nlohmann::json> analyzed(const nlohmann::json& plan, PlanPtr* parsed = nullptr);
  std::variant<PlanPtr, nlohmann::json> analyzed_tree(PlanPtr plan, PlanPtr* parsed = nullptr);
  std::variant<PreparedQuery, nlohmann::json> prepare_tree(const PlanPtr& plan, bool subqueries_apart = true);
  // spark.sql's statements (sql_commands.cpp): {"query": true} for a query (the DataFrame keeps
  // its `sql` relation), {"schema", "rows"} for a command's result, {"set": …} for SET.
  nlohmann::json sql_command(const nlohmann::json& body);
  PlanPtr lookup(const std::vector<std::string>& parts);
  // Tables and databases (session_tables.cpp, session_ddl.cpp): the statements, a catalog table
  // as a file scan (a view as its query analysed again), names qualified with the current
  // database (nullopt: not a table name), SHOW TABLES' and listTables' rows.
  nlohmann::json table_statement(const parser::Statement& st, const nlohmann::json& body);
  nlohmann::json view_statement(const parser::Statement& st, const std::string& db, const std::string& tbl,
                                const std::optional<CatalogTable>& existing, const nlohmann::json& conf);
  nlohmann::json alter_statement(const parser::Statement& st, CatalogTable t);
  nlohmann::json show_create_table(const CatalogTable& t);
  void uncache_table(const std::string& db, const std::string& tbl);  // its cached scan, if any
  PlanPtr table_relation(const CatalogTable& t);
  PlanPtr view_relation(const CatalogTable& t, const DataType& schema);
  std::optional<std::pair<std::string, std::string>> table_ident(const std::vector<std::string>& parts) const;
  std::optional<CatalogTable> find_table(const std::vector<std::string>& parts, nlohmann::json* error = nullptr);
  nlohmann::json catalog_tables(const std::string& db, bool catalog_rows, const std::string& pattern);
  nlohmann::json describe_table(const CatalogTable& t, bool extended);

  Result<PlanPtr> resolve_sources(const PlanPtr& p);
  // persist / unpersist / getStorageLevel / catalog (session_cache.cpp).
  nlohmann::json cache_command(const std::string& op, const nlohmann::json& body);
  nlohmann::json cache_plan(const PlanPtr& plan, const nlohmann::json& level, const std::string& table);
  nlohmann::json catalog_command(const nlohmann::json& body);
  // The lookups by name and the refreshes (session_catalog.cpp): getDatabase, getTable,
  // functionExists, listFunctions, refreshTable, … — `op` and its arguments.
  nlohmann::json catalog_lookup_command(const std::string& op, const nlohmann::json& args);
  bool builtin_function_exists(const std::string& lower_name) const;
  nlohmann::json conf_command(const nlohmann::json& body);
  // CACHE [LAZY] TABLE / UNCACHE TABLE / CLEAR CACHE (`lazy_or_if_exists` as the statement's flag).
  nlohmann::json cache_statement(parser::StmtKind kind, const std::string& name, const PlanPtr& query,
                                 const std::string& level, bool lazy_or_if_exists);
  std::variant<PreparedQuery, nlohmann::json> plan_query(PreparedQuery q, const PlanPtr& input, bool subqueries_apart);
  CacheManager cache_;
  std::vector<int> dropped_caches_;

  SqlConf conf_;
  SourceResolver resolver_;
  IdGen ids_;
  std::map<std::string, PlanPtr> views_;         // lower-case name -> analyzed plan
  std::map<std::string, PlanPtr> global_views_;  // global_temp.<name>
  std::map<std::string, ExprPtr> functions_;     // spark.udf.register: lower-case name -> PythonUDF (no args)
  std::shared_ptr<Catalog> catalog_;
  std::string current_db_ = "default";           // USE db / spark.catalog.setCurrentDatabase
  std::map<std::string, std::shared_ptr<const std::string>> local_relations_;  // hash -> batch stream
};

// PyError body: {"kind", "message", "errorClass", "messageParameters", "sqlState"}. The message
// is Spark's AnalysisException.getMessage: the text, ";\n", then the plan it failed on.
nlohmann::json error_json(const AnalysisError& e, const PlanPtr& plan);
namespace parser { struct ParseError; }
// A ParseException body (message = ParseException.getMessage with the `== SQL ==` block).
nlohmann::json parse_error_json(const parser::ParseError& e, const std::string& text);

}  // namespace spp::sql
