// The SQL parser: Spark's SQL dialect (3.5) text -> the same unresolved Expr / LogicalPlan nodes
// the Connect decoder makes, so a query and its DataFrame equivalent analyse to the same plan.
// Pure: text in, tree or ParseError (with line/pos) out; exprIds come from the injected IdGen.
#pragma once
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "sql/connect/decode.h"
#include "sql/parser/lexer.h"
#include "sql/plan/logical.h"

namespace spp::sql::parser {

// `spark.sql(q, args=…)`: `:name` markers take `named`, `?` markers take `positional` in order.
struct ParseArgs {
  std::map<std::string, ExprPtr> named;
  std::vector<ExprPtr> positional;
};

enum class StmtKind : uint8_t {
  Query,        // plan
  CreateView,   // name, plan, replace, global, if_not_exists
  DropView,     // name, if_exists
  ShowTables,   //
  ShowColumns,  // name
  Describe,     // name (or plan for DESCRIBE QUERY)
  Set,          // key ("" = all), value (has_value)
  Explain,      // plan, mode ("simple" | "extended")
  CacheTable,   // name, plan (CACHE TABLE t AS query) or null, value = storageLevel option, if_exists = LAZY
  UncacheTable, // name, if_exists
  ClearCache,
  // Tables and databases (run by SqlSession with the catalog, session_tables.cpp).
  CreateTable,     // name, schema (column DDL), value = USING provider ("" when none), key = LOCATION,
                   // columns = PARTITIONED BY, options, comment, properties, buckets, plan + query_text (AS query),
                   // if_not_exists, replace; mode = "hive" for STORED AS / ROW FORMAT
  Insert,          // name, replace = OVERWRITE, partitions[0] = PARTITION (…), columns = (cols), plan + query_text
  DropTable,       // name, if_exists
  CreateDatabase,  // name, if_not_exists, key = LOCATION, value = COMMENT
  DropDatabase,    // name, if_exists, replace = CASCADE
  UseDatabase,     // name
  ShowDatabases,   // value = LIKE pattern (has_value)
  ShowPartitions,  // name
  AddPartitions,   // name, partitions (each with its LOCATION), if_not_exists
  RepairTable,     // name (MSCK REPAIR TABLE, ALTER TABLE … RECOVER PARTITIONS)
  DropPartitions,  // name, partitions, if_exists (ALTER TABLE … DROP [IF EXISTS] PARTITION …)
  RenameTable,     // name, key = the new name (ALTER TABLE … RENAME TO …)
  TruncateTable,   // name, partitions (at most one)
  CreatePersistedView,  // CREATE [OR REPLACE] VIEW [IF NOT EXISTS] name [(cols)] [COMMENT] [TBLPROPERTIES] AS query:
                        // name, columns, comment, properties, plan + query_text, replace, if_not_exists
  SetProperties,   // ALTER TABLE|VIEW name SET TBLPROPERTIES (…): properties
  UnsetProperties, // ALTER TABLE|VIEW name UNSET TBLPROPERTIES [IF EXISTS] (k, …): columns = keys, if_exists
  SetLocation,     // ALTER TABLE name [PARTITION (…)] SET LOCATION 'path': key, partitions
  AddColumns,      // ALTER TABLE name ADD COLUMNS (col type [COMMENT …], …): schema
  ShowProperties,  // SHOW TBLPROPERTIES name [(key)]: key (has_value)
  ShowCreateTable, // SHOW CREATE TABLE name
};

// PARTITION (k = v, k2) of INSERT / ALTER TABLE: values as written (string literals unescaped,
// NULL as nullopt only when `dynamic` is false); a column without a value is dynamic.
struct PartitionSpec {
  struct Value {
    std::string column;
    std::string value;
    bool has_value = false;
  };
  std::vector<Value> values;
  std::string location;
};

struct Statement {
  StmtKind kind = StmtKind::Query;
  PlanPtr plan;
  std::string name, key, value, mode;
  bool replace = false, global = false, if_exists = false, if_not_exists = false, has_value = false;
  std::string schema;      // CREATE TABLE's column list, as DDL text
  std::string query_text;  // the statement's query as written (CREATE TABLE … AS, INSERT)
  std::vector<std::string> columns;
  std::vector<std::pair<std::string, std::string>> options;
  std::vector<PartitionSpec> partitions;
  std::string comment;                                          // COMMENT '…' (has_comment)
  bool has_comment = false;
  std::vector<std::pair<std::string, std::string>> properties;  // TBLPROPERTIES (…)
  // CLUSTERED BY (cols) [SORTED BY (cols)] INTO n BUCKETS (num_buckets 0: none).
  int num_buckets = 0;
  std::vector<std::string> bucket_columns, sort_columns;
};

// `F.expr`, `selectExpr`, string filters: Spark's singleExpression (a named expression).
std::variant<ExprPtr, ParseError> parse_expression(const std::string& text, IdGen& ids);
// `spark.sql`: one statement (an optional trailing `;`).
std::variant<Statement, ParseError> parse_statement(const std::string& text, IdGen& ids, const ParseArgs& args = {});
// ParseException.getMessage: "\n" + message + "(line L, pos P)\n\n== SQL ==\n" + text with a
// `---^^^` line under line L.
std::string parse_error_text(const ParseError& e, const std::string& text);
// Spark's unescapeSQLString for the text between a string literal's quotes.
std::string unescape_sql_string(const std::string& s);

}  // namespace spp::sql::parser

namespace spp::sql::parser {

// A parse failure and the text it happened in (ParseException prints both).
struct SqlTextError {
  ParseError error;
  std::string text;
};

// Before analysis: replaces `sql` leaves (UnparsedSql, queries only) and ExpressionString
// expressions (F.expr, selectExpr, string filters) with the trees their text parses to.
std::variant<PlanPtr, SqlTextError> expand_sql_text(const PlanPtr& plan, IdGen& ids);

}  // namespace spp::sql::parser
