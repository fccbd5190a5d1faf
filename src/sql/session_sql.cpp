// SqlSession::sql_command: spark.sql's statements run eagerly as in Spark (CREATE TEMPORARY
// VIEW, DROP VIEW, SHOW TABLES/COLUMNS, DESCRIBE, EXPLAIN); each answers the rows and schema of
// the DataFrame Spark returns. Queries stay lazy: the DataFrame keeps its `sql` relation.
#include <algorithm>

#include "sql/analysis/errors.h"
#include "sql/parser/parser.h"
#include "common/strings.h"
#include "sql/session.h"
#include "sql/session_tables.h"

namespace spp::sql {
using nlohmann::json;

namespace {

json field(const char* name, const char* type, bool nullable) {
  return {{"name", name}, {"type", type}, {"nullable", nullable}, {"metadata", json::object()}};
}

json result(std::vector<json> fields, json rows) {
  return {{"schema", {{"type", "struct"}, {"fields", fields}}}, {"rows", std::move(rows)}};
}

}  // namespace

json SqlSession::sql_command(const json& body) {
  std::string text = body.value("sql", "");
  parser::ParseArgs args;
  if (body.contains("args") || body.contains("posArgs")) {
    // The same literals the `sql` relation carries, decoded by the Connect decoder.
    json rel = {{"sql", {{"query", text}}}};
    if (body.contains("args")) rel["sql"]["args"] = body["args"];
    if (body.contains("posArgs")) rel["sql"]["posArgs"] = body["posArgs"];
    auto p = decode_plan(rel, ids_);
    if (!p) return {{"error", {{"kind", "IllegalArgumentException"}, {"message", p.error_message()}, {"errorClass", ""},
                               {"messageParameters", json::object()}, {"sqlState", ""}}}};
    for (size_t k = 0; k < (*p)->exprs.size(); ++k) {
      if (k < (*p)->names.size()) args.named[(*p)->names[k]] = (*p)->exprs[k];
      else args.positional.push_back((*p)->exprs[k]);
    }
  }
  auto parsed = parser::parse_statement(text, ids_, args);
  if (auto* e = std::get_if<parser::ParseError>(&parsed)) return {{"error", parse_error_json(*e, text)}};
  const parser::Statement& st = std::get<parser::Statement>(parsed);
  using parser::StmtKind;
  switch (st.kind) {
    case StmtKind::Query: return {{"query", true}};
    case StmtKind::Set: return {{"set", {{"key", st.key}, {"value", st.value}, {"hasValue", st.has_value}}}};
    case StmtKind::CreateView: {
      auto r = analyzed_tree(st.plan);
      if (auto* err = std::get_if<json>(&r)) return *err;
      auto& table = st.global ? global_views_ : views_;
      std::string key = ascii_lower(st.name);
      if (table.count(key) && !st.replace) {
        if (st.if_not_exists) return result({}, json::array());
        std::string id = st.global ? "`global_temp`.`" + st.name + "`" : "`" + st.name + "`";
        AnalysisError e{"TEMP_TABLE_OR_VIEW_ALREADY_EXISTS", "42P07", {{"relationName", id}},
                        "[TEMP_TABLE_OR_VIEW_ALREADY_EXISTS] Cannot create the temporary view " + id +
                            " because it already exists.\nChoose a different name, drop or replace the existing view, "
                            "or add the IF NOT EXISTS clause to tolerate pre-existing views."};
        return {{"error", error_json(e, nullptr)}};
      }
      // Kept as SQL text in Spark (re-analysed where read): a View over its columns' casts.
      // CREATE VIEW v (x, y): the casts name the columns (the query's own plan under them).
      PlanPtr body = std::get<PlanPtr>(r);
      std::vector<std::string> names;
      if (st.plan->kind == PlanKind::ToDF) {
        auto inner = analyzed_tree(st.plan->children[0]);
        if (auto* q = std::get_if<PlanPtr>(&inner)) body = *q, names = st.plan->names;
      }
      table[key] = tables::view_node(st.global ? "`global_temp`.`" + st.name + "`" : "`" + st.name + "`",
                                     tables::view_columns(body, ids_, names));
      return result({}, json::array());
    }
    case StmtKind::CacheTable: case StmtKind::UncacheTable: case StmtKind::ClearCache:
      return cache_statement(st.kind, st.name, st.plan, st.value, st.if_exists);
    case StmtKind::DropView: {
      auto parts = parse_identifier(st.name);
      bool global = parts && parts->size() == 2 && ascii_lower((*parts)[0]) == "global_temp";
      std::string name = parts ? parts->back() : st.name;
      if ((global || (parts && parts->size() == 1)) && drop_temp_view(name, global)) return result({}, json::array());
      if (!global && parts && catalog_) return table_statement(st, body);  // a persistent view
      if (!st.if_exists) {
        AnalysisError e = table_not_found(to_sql_id(parts ? *parts : std::vector<std::string>{st.name}));
        return {{"error", error_json(e, nullptr)}};
      }
      return result({}, json::array());
    }
    case StmtKind::ShowTables: {
      // The database's tables (the current one unless FROM/IN names one), then temp views.
      if (!st.key.empty() && ascii_lower(st.key) != "global_temp" && catalog_) {
        auto d = catalog_->get_database(st.key);
        if (d && !d.value())
          return {{"error", error_json(AnalysisError{"SCHEMA_NOT_FOUND", "42704", {{"schemaName", to_sql_id({st.key})}},
                                                     "[SCHEMA_NOT_FOUND] The schema " + to_sql_id({st.key}) +
                                                         " cannot be found. Verify the spelling and correctness of the schema "
                                                         "and catalog.\nIf you did not qualify the name with a catalog, verify "
                                                         "the current_schema() output, or qualify the name with the correct "
                                                         "catalog.\nTo tolerate the error on drop use DROP SCHEMA IF EXISTS."},
                                       nullptr)}};
      }
      json rows = catalog_tables(st.key, false, st.has_value ? st.value : "");
      if (rows.is_object()) return rows;  // an error
      return result({field("namespace", "string", false), field("tableName", "string", false),
                     field("isTemporary", "boolean", false)},
                    rows);
    }
    case StmtKind::CreateTable: case StmtKind::Insert: case StmtKind::DropTable: case StmtKind::CreateDatabase:
    case StmtKind::DropDatabase: case StmtKind::UseDatabase: case StmtKind::ShowDatabases: case StmtKind::ShowPartitions:
    case StmtKind::AddPartitions: case StmtKind::RepairTable: case StmtKind::DropPartitions: case StmtKind::RenameTable:
    case StmtKind::TruncateTable: case StmtKind::CreatePersistedView: case StmtKind::SetProperties:
    case StmtKind::UnsetProperties: case StmtKind::SetLocation: case StmtKind::AddColumns: case StmtKind::ShowProperties:
    case StmtKind::ShowCreateTable:
      return table_statement(st, body);
    case StmtKind::ShowColumns: case StmtKind::Describe: {
      PlanPtr plan = st.plan;
      if (!plan && st.kind == StmtKind::Describe) {  // a catalog table (not shadowed by a temp view): its layout
        auto parts = parse_identifier(st.name);
        if (parts && !(parts->size() == 1 && views_.count(ascii_lower((*parts)[0])))) {
          json lookup_error;
          if (auto t = find_table(*parts, &lookup_error)) return describe_table(*t, st.mode == "extended");
          if (!lookup_error.is_null()) return lookup_error;
        }
      }
      if (!plan) {
        LogicalPlan r;
        r.kind = PlanKind::UnresolvedRelation;
        r.name = st.name;
        plan = make_plan(std::move(r));
      }
      auto a = analyzed_tree(plan);
      if (auto* err = std::get_if<json>(&a)) return *err;
      json rows = json::array();
      for (const auto& f : plan_schema(std::get<PlanPtr>(a)).fields) {
        if (st.kind == StmtKind::ShowColumns) rows.push_back({f.name});
        else rows.push_back({f.name, f.type.simple_string(), nullptr});
      }
      if (st.kind == StmtKind::ShowColumns) return result({field("col_name", "string", false)}, rows);
      return result({field("col_name", "string", false), field("data_type", "string", false), field("comment", "string", true)},
                    rows);
    }
    case StmtKind::Explain: {
      auto r = prepare_tree(st.plan);
      if (auto* err = std::get_if<json>(&r)) return *err;
      const auto& q = std::get<PreparedQuery>(r);
      const std::string text2 = explain_text(st.mode, q.parsed, q.analyzed, q.optimized, q.physical, conf_.planner).value_or("");
      return result({field("plan", "string", true)}, json::array({json::array({text2})}));
    }
  }
  return {{"query", true}};
}

}  // namespace spp::sql
