// spark.catalog's lookups by name (Spark's CatalogImpl): catalogs, databases, tables and
// functions one at a time, names optionally qualified with `spark_catalog.`, and the refresh of
// cached tables. The listing and cache calls are in session_cache.cpp (catalog_command), which
// hands the others here.
#include <algorithm>
#include <set>

#include "common/strings.h"
#include "sql/analysis/errors.h"
#include "sql/analysis/functions.h"
#include "sql/connect/decode.h"
#include "sql/plan/lambda.h"
#include "sql/session.h"
#include "sql/session_tables.h"

namespace spp::sql {
using nlohmann::json;
using namespace tables;

namespace {

json rows(json r) { return {{"rows", std::move(r)}}; }

// `db` or `spark_catalog.db`: the database's name, or nullopt for any other shape.
std::optional<std::string> database_name(const std::string& text) {
  auto parts = parse_identifier(text);
  if (!parts || parts->empty() || parts->size() > 2) return std::nullopt;
  if (parts->size() == 2 && ascii_lower((*parts)[0]) != "spark_catalog") return std::nullopt;
  return ascii_lower(parts->back());
}

AnalysisError routine_not_found(const std::string& routine) {
  return AnalysisError{"ROUTINE_NOT_FOUND", "42883", {{"routineName", routine}},
                       "[ROUTINE_NOT_FOUND] The function " + routine +
                           " cannot be found. Verify the spelling and correctness of the schema and catalog.\nIf you "
                           "did not qualify the name with a schema and catalog, verify the current_schema() output, or "
                           "qualify the name with the correct schema and catalog.\nTo tolerate the error on drop use "
                           "DROP FUNCTION IF EXISTS."};
}

}  // namespace

// A built-in of the analyzer's library: the name resolves (with no arguments its arity check
// answers, not UNRESOLVED_ROUTINE), or a generator, aggregate or higher-order function, which
// the analyzer takes before resolve_function.
bool SqlSession::builtin_function_exists(const std::string& lower) const {
  if (is_generator_function(lower) || is_aggregate_function(lower) || is_higher_order_function(lower)) return true;
  Expr call = *unresolved_fn(lower, {});
  auto r = resolve_function(call);
  auto* e = std::get_if<AnalysisError>(&r);
  return !e || e->error_class != "UNRESOLVED_ROUTINE";
}

json SqlSession::catalog_lookup_command(const std::string& op, const json& a) {
  if (op == "listCatalogs") {
    const std::string pattern = a.value("pattern", "");
    return rows(like_pattern("spark_catalog", pattern) ? json::array({json::array({"spark_catalog", nullptr})})
                                                       : json::array());
  }
  if (op == "setCurrentCatalog") {
    const std::string name = a.value("catalogName", "");
    if (ascii_lower(name) == "spark_catalog") return rows(json::array());
    const std::string id = to_sql_id({name});
    return err(AnalysisError{"CATALOG_NOT_FOUND", "42P08", {{"catalogName", id}},
                             "[CATALOG_NOT_FOUND] The catalog " + id + " not found. Consider to set the SQL config "
                             "spark.sql.catalog." + name + " to a catalog plugin."});
  }
  if (op == "databaseExists" || op == "getDatabase") {
    const std::string text = a.value("dbName", "");
    auto db = database_name(text);
    std::optional<CatalogDatabase> found;
    if (db && !catalog_ && *db == "default") found = CatalogDatabase{"default", "default database", ""};
    if (db && catalog_) {
      auto d = catalog_->get_database(*db);
      if (!d) return plain_err(d.error_message());
      found = d.value();
    }
    if (op == "databaseExists") return rows(json::array({json::array({found.has_value()})}));
    if (!found) {
      auto parts = parse_identifier(text);
      return err(schema_not_found(parts && !parts->empty() ? parts->back() : text));
    }
    return rows(json::array({json::array({found->name, "spark_catalog",
                                          found->description.empty() ? json(nullptr) : json(found->description),
                                          found->location.empty() ? json(nullptr) : json(uri(found->location))})}));
  }
  if (op == "getTable") {
    // Table(name, catalog, namespace, description, tableType, isTemporary)
    const std::string text = a.value("tableName", "");
    auto parts = parse_identifier(text);
    if (!parts) return plain_err(parts.error_message());
    const auto& p = *parts;
    if (p.size() == 1 && views_.count(ascii_lower(p[0])))
      return rows(json::array({json::array({p[0], nullptr, json::array(), nullptr, "TEMPORARY", true})}));
    if (p.size() == 2 && ascii_lower(p[0]) == "global_temp" && global_views_.count(ascii_lower(p[1])))
      return rows(json::array({json::array({p[1], nullptr, json::array({"global_temp"}), nullptr, "TEMPORARY", true})}));
    json lookup_error;
    if (auto t = find_table(p, &lookup_error))
      return rows(json::array({json::array({t->name, "spark_catalog", json::array({t->db}),
                                            t->comment.empty() ? json(nullptr) : json(t->comment), t->type, false})}));
    if (!lookup_error.is_null()) return lookup_error;
    return err(table_not_found(to_sql_id(p)));
  }
  if (op == "functionExists" || op == "getFunction") {
    // Function(name, catalog, namespace, description, className, isTemporary). Built-ins and
    // spark.udf.register's functions are temporary (no catalog, no namespace); there are no
    // persistent functions (CREATE FUNCTION loads JVM classes), so a qualified name finds none.
    std::string text = a.value("functionName", "");
    if (a.contains("dbName") && a["dbName"].is_string()) text = to_sql_id({a["dbName"].get<std::string>()}) + "." + text;
    auto parts = parse_identifier(text);
    if (!parts || parts->empty()) return plain_err(parts ? "empty function name" : parts.error_message());
    const std::string lower = ascii_lower(parts->back());
    const bool found = parts->size() == 1 && (functions_.count(lower) || builtin_function_exists(lower));
    if (op == "functionExists") return rows(json::array({json::array({found})}));
    if (found) return rows(json::array({json::array({parts->back(), nullptr, nullptr, nullptr, nullptr, true})}));
    std::vector<std::string> qualified = *parts;
    if (qualified.size() == 1) qualified.insert(qualified.begin(), current_db_);
    if (qualified.size() == 3 && ascii_lower(qualified[0]) == "spark_catalog") qualified.erase(qualified.begin());
    return err(routine_not_found(to_sql_id(qualified)));
  }
  if (op == "listFunctions") {
    // The candidates are the Python module's function names (the analyzer keeps no list):
    // those it resolves, and the registered UDFs, sorted.
    std::set<std::string> names;
    const std::string pattern = a.value("pattern", "");
    for (const auto& c : a.value("candidates", json::array()))
      if (c.is_string() && builtin_function_exists(ascii_lower(c.get<std::string>()))) names.insert(ascii_lower(c.get<std::string>()));
    for (const auto& [k, v] : functions_) names.insert(k);
    json out = json::array();
    for (const auto& n : names)
      if (like_pattern(n, pattern)) out.push_back({n, nullptr, nullptr, nullptr, nullptr, true});
    return rows(out);
  }
  if (op == "refreshTable" || op == "refreshByPath") {
    // Spark's refreshTable / refreshByPath: cached data reading the table (or a path under
    // `path`) is dropped and cached again, lazily, so its next use lists and reads the files anew.
    std::vector<const CachedData*> hit;
    if (op == "refreshTable") {
      auto r = analyzed_tree(unresolved_relation(a.value("tableName", "")));
      if (auto* e = std::get_if<json>(&r)) return *e;
      if (const CachedData* c = cache_.lookup(std::get<PlanPtr>(r))) hit.push_back(c);
    } else {
      std::string path = absolute_path(a.value("path", ""));
      while (path.size() > 1 && path.back() == '/') path.pop_back();
      hit = cache_.reading_path(path);
    }
    std::vector<std::tuple<PlanPtr, json, std::string>> again;
    for (const CachedData* c : hit) again.emplace_back(c->plan, c->level, c->table);
    for (const auto& [plan, level, table] : again) {
      for (int id : cache_.remove(plan)) dropped_caches_.push_back(id);
      json res = cache_plan(plan, level, table);
      if (res.contains("error")) return res;
    }
    return rows(json::array());
  }
  return {{"error", {{"kind", "IllegalArgumentException"}, {"message", "spark.catalog." + op + " is not supported yet"},
                     {"errorClass", ""}, {"messageParameters", json::object()}, {"sqlState", ""}}}};
}

}  // namespace spp::sql
