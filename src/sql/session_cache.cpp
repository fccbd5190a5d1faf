// SqlSession's cache commands (Spark Connect's AnalyzePlan Persist / Unpersist /
// GetStorageLevel and the catalog's cache calls): the CacheManager keeps analyzed plans, the
// driver fills and drops their blocks (see cache.h and docs/sql-engine.md, "Caching").
#include <algorithm>

#include "sql/analysis/errors.h"
#include "common/strings.h"
#include "sql/connect/decode.h"
#include "sql/optimizer/optimizer.h"
#include "sql/parser/parser.h"
#include "sql/session.h"
#include "sql/session_tables.h"

namespace spp::sql {
using nlohmann::json;

namespace {

json plan_error(const std::string& text) {
  return {{"error", {{"kind", "IllegalArgumentException"}, {"message", text}, {"errorClass", ""},
                     {"messageParameters", json::object()}, {"sqlState", ""}}}};
}

// Dataset.cache()'s level, MEMORY_AND_DISK (deserialized, as the JVM keeps it).
json default_level() {
  return {{"use_disk", true}, {"use_memory", true}, {"use_off_heap", false}, {"deserialized", true}, {"replication", 1}};
}

json none_level() {
  return {{"use_disk", false}, {"use_memory", false}, {"use_off_heap", false}, {"deserialized", false}, {"replication", 1}};
}

json rows_of(json rows) { return {{"rows", std::move(rows)}}; }

PlanPtr relation(const std::string& name) {
  LogicalPlan r;
  r.kind = PlanKind::UnresolvedRelation;
  r.name = name;
  return make_plan(std::move(r));
}

}  // namespace

std::variant<PreparedQuery, json> SqlSession::prepare_cached(int id) {
  const CachedData* e = cache_.find(id);
  if (!e) return plan_error("no cached data " + std::to_string(id));
  PreparedQuery q;
  q.parsed = q.analyzed = e->plan;
  q.session_time_zone = conf_.session_time_zone.empty() ? default_time_zone() : conf_.session_time_zone;
  q.python_batch_rows = conf_.python_batch_rows;
  // Planned over the caches older than it (never itself); its partitions are the cache's.
  PlanPtr input = compute_current_time(cache_.use_cached_data(e->plan, id), q.session_time_zone, current_db_);
  return plan_query(std::move(q), input, false);  // one query: its blocks come from its own stages
}

json SqlSession::cache_plan(const PlanPtr& plan, const json& level, const std::string& table) {
  const bool known = cache_.lookup(plan) != nullptr;
  const CachedData& e = cache_.add(plan, level.is_object() ? level : default_level(), table);
  if (!known) {  // Spark plans the cached query at cache() time: explain shows it at once
    const int id = e.id;
    auto q = prepare_cached(id);
    if (auto* err = std::get_if<json>(&q)) {
      dropped_caches_.push_back(id);
      cache_.remove(plan);
      return *err;
    }
    const auto& pq = std::get<PreparedQuery>(q);
    cache_.set_plan_facts(id, std::make_shared<const std::string>(physical_tree_string(pq.physical, conf_.planner)),
                          estimate_size(pq.optimized));
  }
  return json::object();
}

json SqlSession::cache_command(const std::string& op, const json& body) {
  if (!body.is_object() || !body.contains("relation")) return plan_error("plan: " + op + " needs a relation");
  auto r = analyzed(json{{"root", body["relation"]}});
  if (auto* err = std::get_if<json>(&r)) return *err;
  const PlanPtr& plan = std::get<PlanPtr>(r);
  if (op == "persist") return cache_plan(plan, body.value("storageLevel", json()), "");
  if (op == "unpersist") {
    for (int id : cache_.remove(plan)) dropped_caches_.push_back(id);
    return json::object();
  }
  const CachedData* e = cache_.lookup(plan);
  return {{"storageLevel", e ? e->level : none_level()}};
}

json SqlSession::catalog_command(const json& body) {
  if (!body.is_object() || body.empty()) return plan_error("plan: empty catalog call");
  const std::string op = body.begin().key();
  const json& a = body.begin().value();
  auto table_plan = [&](const std::string& name) { return analyzed_tree(relation(name)); };
  if (op == "isCached" || op == "cacheTable" || op == "uncacheTable") {
    const std::string name = a.value("tableName", "");
    auto r = table_plan(name);
    if (auto* err = std::get_if<json>(&r)) return *err;
    const PlanPtr& plan = std::get<PlanPtr>(r);
    if (op == "isCached") return rows_of({{cache_.lookup(plan) != nullptr}});
    if (op == "cacheTable") {
      json res = cache_plan(plan, a.value("storageLevel", json()), name);
      return res.contains("error") ? res : rows_of(json::array());
    }
    for (int id : cache_.remove(plan)) dropped_caches_.push_back(id);
    return rows_of(json::array());
  }
  if (op == "clearCache") {
    for (int id : cache_.clear()) dropped_caches_.push_back(id);
    return rows_of(json::array());
  }
  if (op == "currentDatabase") return rows_of({{current_db_}});
  if (op == "currentCatalog") return rows_of({{"spark_catalog"}});
  if (op == "setCurrentDatabase") {
    json r = sql_command({{"sql", "USE " + to_sql_id({a.value("dbName", "")})}});
    return r.contains("error") ? r : rows_of(json::array());
  }
  if (op == "tableExists") {
    std::string name = a.value("tableName", "");
    if (a.contains("dbName") && a["dbName"].is_string()) name = to_sql_id({a["dbName"].get<std::string>()}) + "." + name;
    auto parts = parse_identifier(name);
    if (!parts) return rows_of({{false}});
    if (parts->size() == 1 && views_.count(ascii_lower((*parts)[0]))) return rows_of({{true}});
    if (parts->size() == 2 && ascii_lower((*parts)[0]) == "global_temp") return rows_of({{lookup(*parts) != nullptr}});
    return rows_of({{find_table(*parts).has_value()}});
  }
  if (op == "listDatabases") {
    json rows = json::array();
    std::vector<CatalogDatabase> dbs{{"default", "default database", ""}};
    if (catalog_) {
      auto r = catalog_->list_databases();
      if (!r) return plan_error(r.error_message());
      dbs = r.value();
    }
    const std::string pattern = a.value("pattern", "");
    for (const auto& d : dbs) {
      if (!pattern.empty()) {  // SHOW DATABASES LIKE's matcher
        json m = sql_command({{"sql", "SHOW DATABASES LIKE '" + pattern + "'"}});
        bool hit = false;
        for (const auto& r : m.value("rows", json::array())) hit = hit || r[0] == d.name;
        if (!hit) continue;
      }
      rows.push_back({d.name, "spark_catalog", d.description.empty() ? json(nullptr) : json(d.description),
                      d.location.empty() ? json(nullptr) : json("file:" + d.location)});
    }
    return rows_of(rows);
  }
  if (op == "createTable") {
    // spark.catalog.createTable(name, path, source, schema, description, **options): as
    // CREATE TABLE name [(schema)] USING source [OPTIONS] [LOCATION path].
    std::string name = a.value("tableName", "");
    auto parts = parse_identifier(name);
    if (!parts) return plan_error(parts.error_message());
    std::string q = "CREATE TABLE " + to_sql_id(*parts);
    if (a.contains("schema") && a["schema"].is_string() && !a["schema"].get<std::string>().empty()) {
      auto t = type_from_json(json::parse(a["schema"].get<std::string>(), nullptr, false));
      if (!t) return plan_error(t.error_message());
      std::string cols;
      for (const auto& f : t.value().fields) cols += (cols.empty() ? "" : ", ") + to_sql_id({f.name}) + " " + f.type.sql();
      q += " (" + cols + ")";
    }
    auto quote = [](const std::string& v) {
      std::string o = "'";
      for (char c : v) o += c == '\\' ? std::string("\\\\") : c == '\'' ? std::string("\\'") : std::string(1, c);
      return o + "'";
    };
    q += " USING " + a.value("source", std::string("parquet"));
    if (a.contains("options") && a["options"].is_object() && !a["options"].empty()) {
      std::string o;
      for (auto it = a["options"].begin(); it != a["options"].end(); ++it)
        if (it.key() != "path") o += (o.empty() ? "" : ", ") + quote(it.key()) + " " + quote(it->is_string() ? it->get<std::string>() : it->dump());
      if (!o.empty()) q += " OPTIONS (" + o + ")";
      if (a["options"].contains("path")) q += " LOCATION " + quote(a["options"]["path"].get<std::string>());
    }
    if (a.contains("path") && a["path"].is_string()) q += " LOCATION " + quote(a["path"].get<std::string>());
    json r = sql_command({{"sql", q}});
    return r.contains("error") ? r : rows_of(json::array());
  }
  if (op == "dropTempView") return rows_of({{drop_temp_view(a.value("viewName", ""), false)}});
  if (op == "dropGlobalTempView") return rows_of({{drop_temp_view(a.value("viewName", ""), true)}});
  if (op == "listTables") {
    json rows = catalog_tables(a.value("dbName", ""), true, a.value("pattern", ""));
    return rows.is_object() ? rows : rows_of(rows);
  }
  if (op == "listColumns") {
    auto r = table_plan(a.value("tableName", ""));
    if (auto* err = std::get_if<json>(&r)) return *err;
    json rows = json::array();
    std::vector<std::string> part_cols;  // a catalog table's partition columns: isPartition
    if (auto parts = parse_identifier(a.value("tableName", "")); parts && !(parts->size() == 1 && views_.count(ascii_lower((*parts)[0]))))
      if (auto t = find_table(*parts)) part_cols = t->partition_columns;
    for (const auto& f : plan_schema(std::get<PlanPtr>(r)).fields) {
      const bool is_part = std::find(part_cols.begin(), part_cols.end(), f.name) != part_cols.end();
      rows.push_back({f.name, nullptr, f.type.simple_string(), f.nullable, is_part, false});
    }
    return rows_of(rows);
  }
  return catalog_lookup_command(op, a);
}

// The JVM's StorageLevel.fromString levels (deserialized unless _SER or DISK_ONLY).
static std::optional<json> named_level(const std::string& name) {
  std::string n;
  for (char c : name) n += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto mk = [](bool disk, bool mem, bool off, bool deser, int rep) {
    return json{{"use_disk", disk}, {"use_memory", mem}, {"use_off_heap", off}, {"deserialized", deser}, {"replication", rep}};
  };
  if (n == "NONE") return mk(false, false, false, false, 1);
  if (n == "DISK_ONLY") return mk(true, false, false, false, 1);
  if (n == "DISK_ONLY_2") return mk(true, false, false, false, 2);
  if (n == "DISK_ONLY_3") return mk(true, false, false, false, 3);
  if (n == "MEMORY_ONLY") return mk(false, true, false, true, 1);
  if (n == "MEMORY_ONLY_2") return mk(false, true, false, true, 2);
  if (n == "MEMORY_ONLY_SER") return mk(false, true, false, false, 1);
  if (n == "MEMORY_ONLY_SER_2") return mk(false, true, false, false, 2);
  if (n == "MEMORY_AND_DISK") return mk(true, true, false, true, 1);
  if (n == "MEMORY_AND_DISK_2") return mk(true, true, false, true, 2);
  if (n == "MEMORY_AND_DISK_SER") return mk(true, true, false, false, 1);
  if (n == "MEMORY_AND_DISK_SER_2") return mk(true, true, false, false, 2);
  if (n == "OFF_HEAP") return mk(true, true, true, false, 1);
  return std::nullopt;
}

json SqlSession::cache_statement(parser::StmtKind kind, const std::string& name, const PlanPtr& query,
                                 const std::string& level_name, bool flag) {
  const json done = {{"schema", {{"type", "struct"}, {"fields", json::array()}}}, {"rows", json::array()}};
  if (kind == parser::StmtKind::ClearCache) {
    for (int id : cache_.clear()) dropped_caches_.push_back(id);
    return done;
  }
  if (kind == parser::StmtKind::UncacheTable) {
    auto r = analyzed_tree(relation(name));
    if (auto* err = std::get_if<json>(&r)) return flag ? done : *err;
    for (int id : cache_.remove(std::get<PlanPtr>(r))) dropped_caches_.push_back(id);
    return done;
  }
  json level;
  if (!level_name.empty()) {
    auto l = named_level(level_name);
    if (!l) return plan_error("Invalid StorageLevel: " + level_name);
    level = *l;
  }
  if (query) {  // CACHE TABLE t AS query: the query becomes the temporary view t first
    auto q = analyzed_tree(query);
    if (auto* err = std::get_if<json>(&q)) return *err;
    std::string key;
    for (char c : name) key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    views_[key] = tables::view_node("`" + name + "`", tables::view_columns(std::get<PlanPtr>(q), ids_));  // as CREATE VIEW
  }
  auto r = analyzed_tree(relation(name));
  if (auto* err = std::get_if<json>(&r)) return *err;
  json res = cache_plan(std::get<PlanPtr>(r), level, name);
  if (res.contains("error")) return res;
  json out = done;
  if (!flag) out["countTable"] = name;  // eager, as Spark: the caller counts the table now
  return out;
}

}  // namespace spp::sql
