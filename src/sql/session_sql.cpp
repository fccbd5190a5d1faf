// SqlSession::sql_command: spark.sql's statements run eagerly as in Spark (CREATE TEMPORARY
// VIEW, DROP VIEW, SHOW TABLES/COLUMNS, DESCRIBE, EXPLAIN); each answers the rows and schema of
// the DataFrame Spark returns. Queries stay lazy: the DataFrame keeps its `sql` relation.
#include <algorithm>

#include "sql/parser/parser.h"
#include "sql/session.h"

namespace spp::sql {
using nlohmann::json;

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

json field(const char* name, const char* type, bool nullable) {
  return {{"name", name}, {"type", type}, {"nullable", nullable}, {"metadata", json::object()}};
}

json result(std::vector<json> fields, json rows) {
  return {{"schema", {{"type", "struct"}, {"fields", fields}}}, {"rows", std::move(rows)}};
}

// SHOW TABLES LIKE: `*` any characters, `|` alternatives, case-insensitive (Spark's StringUtils.filterPattern).
bool like_pattern(const std::string& name, const std::string& pattern) {
  size_t b = 0;
  while (b <= pattern.size()) {
    size_t e = pattern.find('|', b);
    std::string alt = lower(pattern.substr(b, e == std::string::npos ? std::string::npos : e - b));
    alt.erase(0, alt.find_first_not_of(' '));
    alt.erase(alt.find_last_not_of(' ') + 1);
    std::string n = lower(name);
    // Glob match with '*'.
    size_t i = 0, j = 0, star = std::string::npos, mark = 0;
    while (i < n.size()) {
      if (j < alt.size() && alt[j] != '*' && alt[j] == n[i]) { ++i; ++j; }
      else if (j < alt.size() && alt[j] == '*') { star = j++; mark = i; }
      else if (star != std::string::npos) { j = star + 1; i = ++mark; }
      else break;
    }
    while (j < alt.size() && alt[j] == '*') ++j;
    if (i == n.size() && j == alt.size()) return true;
    if (e == std::string::npos) break;
    b = e + 1;
  }
  return false;
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
    auto p = decode_relation(rel, ids_);
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
      std::string key = lower(st.name);
      if (table.count(key) && !st.replace) {
        if (st.if_not_exists) return result({}, json::array());
        std::string id = st.global ? "`global_temp`.`" + st.name + "`" : "`" + st.name + "`";
        AnalysisError e{"TEMP_TABLE_OR_VIEW_ALREADY_EXISTS", "42P07", {{"relationName", id}},
                        "[TEMP_TABLE_OR_VIEW_ALREADY_EXISTS] Cannot create the temporary view " + id +
                            " because it already exists.\nChoose a different name, drop or replace the existing view, "
                            "or add the IF NOT EXISTS clause to tolerate pre-existing views."};
        return {{"error", error_json(e, nullptr)}};
      }
      table[key] = std::get<PlanPtr>(r);
      return result({}, json::array());
    }
    case StmtKind::CacheTable: case StmtKind::UncacheTable: case StmtKind::ClearCache:
      return cache_statement(st.kind, st.name, st.plan, st.value, st.if_exists);
    case StmtKind::DropView: {
      auto parts = parse_identifier(st.name);
      bool global = parts && parts->size() == 2 && lower((*parts)[0]) == "global_temp";
      std::string name = parts ? parts->back() : st.name;
      if (!drop_temp_view(name, global) && !st.if_exists) {
        AnalysisError e = table_not_found(to_sql_id(parts ? *parts : std::vector<std::string>{st.name}));
        return {{"error", error_json(e, nullptr)}};
      }
      return result({}, json::array());
    }
    case StmtKind::ShowTables: {
      json rows = json::array();
      bool global = lower(st.key) == "global_temp";
      std::vector<std::pair<std::string, std::string>> names;  // namespace, name
      if (global)
        for (const auto& [k, v] : global_views_) names.emplace_back("global_temp", k);
      for (const auto& [k, v] : views_) names.emplace_back("", k);
      for (const auto& [ns, n] : names)
        if (!st.has_value || like_pattern(n, st.value)) rows.push_back({ns, n, true});
      return result({field("namespace", "string", false), field("tableName", "string", false),
                     field("isTemporary", "boolean", false)},
                    rows);
    }
    case StmtKind::ShowColumns: case StmtKind::Describe: {
      PlanPtr plan = st.plan;
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
      std::string text2 = st.mode == "extended"
                              ? explain_extended(q.parsed, q.analyzed, q.optimized, q.physical, conf_.planner) + "\n"
                              : "== Physical Plan ==\n" + physical_tree_string(q.physical, conf_.planner) + "\n";
      return result({field("plan", "string", true)}, json::array({json::array({text2})}));
    }
  }
  return {{"query", true}};
}

}  // namespace spp::sql
