// SqlSession: JSON requests -> analysis / explain / views, no I/O.
#include "sql/session.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

#include <pwd.h>
#include <unistd.h>

#include "common/strings.h"
#include "sql/conf_catalog.h"
#include "sql/optimizer/optimizer.h"
#include "sql/optimizer/subquery.h"
#include "sql/parser/parser.h"
#include "sql/session_tables.h"

namespace spp::sql {
using nlohmann::json;

// The keys SqlConf reads, each applied from the catalog's default first.
static const char* const kPlanningKeys[] = {
    "spark.sql.caseSensitive", "spark.sql.shuffle.partitions", "spark.sql.autoBroadcastJoinThreshold",
    "spark.sql.join.preferSortMergeJoin", "spark.sql.adaptive.enabled", "spark.sql.session.timeZone",
    "spark.sql.execution.arrow.maxRecordsPerBatch"};

SqlConf::SqlConf() {
  for (const char* k : kPlanningKeys) set(k, "");
}

bool SqlConf::set(const std::string& key, const std::string& value) {
  const SqlConfEntry* e = find_sql_conf(key);
  if (!e || !std::count(std::begin(kPlanningKeys), std::end(kPlanningKeys), key)) return false;
  if (!value.empty() && check_sql_conf(*e, value)) return false;
  const char* k = e->key;
  if (key == "spark.sql.caseSensitive") case_sensitive = sql_conf_flag(k, value);
  else if (key == "spark.sql.shuffle.partitions") planner.shuffle_partitions = static_cast<int>(*sql_conf_number(k, value));
  else if (key == "spark.sql.autoBroadcastJoinThreshold") planner.auto_broadcast_threshold = *sql_conf_number(k, value);
  else if (key == "spark.sql.join.preferSortMergeJoin") planner.prefer_sort_merge_join = sql_conf_flag(k, value);
  else if (key == "spark.sql.adaptive.enabled") planner.adaptive = sql_conf_flag(k, value);
  else if (key == "spark.sql.session.timeZone") session_time_zone = sql_conf_value(k, value).value_or("");
  else if (key == "spark.sql.execution.arrow.maxRecordsPerBatch") python_batch_rows = *sql_conf_number(k, value);
  return true;
}

json error_json(const AnalysisError& e, const PlanPtr& plan) {
  json params = json::object();
  for (const auto& [k, v] : e.params) params[k] = v;
  std::string msg = e.message;
  if (plan) msg += ";\n" + plan->tree_string();
  return {{"kind", "AnalysisException"}, {"message", msg}, {"errorClass", e.error_class},
          {"messageParameters", params}, {"sqlState", e.sql_state}};
}

json parse_error_json(const parser::ParseError& e, const std::string& text) {
  json params = json::object();
  for (const auto& [k, v] : e.params) params[k] = v;
  static const std::map<std::string, std::string> states = {
      {"PARSE_SYNTAX_ERROR", "42601"}, {"PARSE_EMPTY_STATEMENT", "42617"}, {"UNSUPPORTED_FEATURE", "0A000"},
      {"UNCLOSED_BRACKETED_COMMENT", "42601"}, {"INVALID_NUMERIC_LITERAL_RANGE", "22003"},
      {"UNBOUND_SQL_PARAMETER", "42P02"}, {"UNSUPPORTED_DATATYPE", "0A000"}, {"INVALID_TYPED_LITERAL", "42604"}};
  auto st = states.find(e.error_class);
  std::string state = st == states.end() ? "42000" : st->second;
  if (e.error_class == "UNBOUND_SQL_PARAMETER")  // found by Spark's analyzer, not its parser
    return {{"kind", "AnalysisException"}, {"message", e.message + "; line " + std::to_string(e.line) + " pos " + std::to_string(e.pos)},
            {"errorClass", e.error_class}, {"messageParameters", params}, {"sqlState", state}};
  return {{"kind", "ParseException"}, {"message", parser::parse_error_text(e, text)}, {"errorClass", e.error_class},
          {"messageParameters", params}, {"sqlState", state}};
}

static json plan_error(const std::string& text) {
  // A plan the decoder rejects is a client/driver mismatch, not a user error.
  return {{"error", {{"kind", "IllegalArgumentException"}, {"message", text}, {"errorClass", ""},
                     {"messageParameters", json::object()}, {"sqlState", ""}}}};
}

// Temporary views first (they shadow tables), then the catalog's tables.
PlanPtr SqlSession::lookup(const std::vector<std::string>& parts) {
  if (parts.size() == 1) {
    auto it = views_.find(ascii_lower(parts[0]));
    if (it != views_.end()) return tables::subquery_alias({parts[0]}, it->second);
  }
  if (parts.size() == 2 && ascii_lower(parts[0]) == "global_temp") {
    auto it = global_views_.find(ascii_lower(parts[1]));
    return it == global_views_.end() ? nullptr : tables::subquery_alias(parts, it->second);
  }
  auto t = find_table(parts);
  PlanPtr r = t ? table_relation(*t) : nullptr;
  return r ? tables::subquery_alias({"spark_catalog", t->db, t->name}, r) : nullptr;
}

std::variant<PlanPtr, json> SqlSession::analyzed(const json& plan, PlanPtr* parsed) {
  auto p = decode_plan(plan, ids_);
  if (!p) return plan_error(p.error_message());
  return analyzed_tree(*p, parsed);
}

std::variant<PlanPtr, json> SqlSession::analyzed_tree(PlanPtr tree, PlanPtr* parsed) {
  Result<PlanPtr> p = tree;
  auto expanded = parser::expand_sql_text(*p, ids_);
  if (auto* e = std::get_if<parser::SqlTextError>(&expanded)) return json{{"error", parse_error_json(e->error, e->text)}};
  p = std::get<PlanPtr>(expanded);
  auto sourced = resolve_sources(*p);
  if (!sourced) {
    // The resolver's text is Spark's whole message: `[PATH_NOT_FOUND] Path does not exist: …`.
    const std::string& m = sourced.error_message();
    std::string cls = m.size() > 1 && m[0] == '[' ? m.substr(1, m.find(']') - 1) : "";
    return json{{"error", error_json(AnalysisError{cls, cls == "PATH_NOT_FOUND" ? "42K03" : "", {}, m}, nullptr)}};
  }
  p = sourced;
  if (parsed) *parsed = *p;
  AnalyzerOptions opts;
  opts.case_sensitive = conf_.case_sensitive;
  opts.lookup_relation = [this](const std::vector<std::string>& parts) { return lookup(parts); };
  opts.lookup_function = [this](const std::string& name, const ExprList& args) -> ExprPtr {
    auto it = functions_.find(ascii_lower(name));
    return it == functions_.end() ? nullptr : it->second->with_children(args);
  };
  auto a = sql::analyze(*p, ids_, opts);
  if (a.error) return json{{"error", error_json(*a.error, a.plan)}};
  return a.plan;
}

// File sources get their schema (given or inferred) before analysis: spark.read is eager.
Result<PlanPtr> SqlSession::resolve_sources(const PlanPtr& p) {
  std::optional<std::string> failed;
  PlanPtr out = plan_transform_up(p, [&](const PlanPtr& n) -> PlanPtr {
    if (failed) return nullptr;
    if (n->kind == PlanKind::LocalRelation && n->data_ref.rfind("cached:", 0) == 0) {
      // An uploaded createDataFrame (cache_local_relation): the rows the hash names.
      auto it = local_relations_.find(n->data_ref.substr(7));
      if (it == local_relations_.end()) {
        failed = "Not found any cached local relation with the hash: " + n->data_ref.substr(7);
        return nullptr;
      }
      LogicalPlan s = *n;
      s.data_ref = "inline";
      s.inline_data = it->second;
      return make_plan(std::move(s));
    }
    if (n->kind != PlanKind::DataSource) return nullptr;
    if (!resolver_) {
      failed = "reading " + n->name + " files needs a driver";
      return nullptr;
    }
    std::optional<DataType> user;
    if (n->flag) {
      std::vector<StructField> fs;
      for (const auto& a : n->output_attrs) fs.push_back({a->name, a->type, a->nullable, "{}"});
      user = DataType::structure(fs);
    }
    // A catalog table's directory may be gone (its files deleted after it was cached): no rows.
    std::vector<std::string> paths = n->paths;
    std::error_code ec;
    if (!n->names.empty()) std::erase_if(paths, [&](const std::string& d) { return !std::filesystem::exists(d, ec); });
    auto t = resolver_(n->name, paths, n->options, user);
    if (!t) {
      failed = t.error_message();
      return nullptr;
    }
    LogicalPlan s = *n;
    s.size_hint = t.value().size_in_bytes;
    if (!user || !(t.value().schema == *user) || t.value().partition_columns != 0) {  // else the decoder's attributes
      s.output_attrs = attrs_for_fields(t.value().schema.fields, ids_);
      s.data_attrs = s.output_attrs;
      s.partition_cols = t.value().partition_columns;
    }
    return make_plan(std::move(s));
  });
  if (failed) return Result<PlanPtr>::error(*failed);
  return out;
}

json SqlSession::analyze(const json& plan) {
  auto r = analyzed(plan);
  if (auto* err = std::get_if<json>(&r)) return *err;
  return {{"schema", type_to_json(plan_schema(std::get<PlanPtr>(r)))}};
}

std::variant<PreparedQuery, json> SqlSession::prepare(const json& plan, bool subqueries_apart) {
  auto p = decode_plan(plan, ids_);
  if (!p) return plan_error(p.error_message());
  return prepare_tree(*p, subqueries_apart);
}

std::string default_time_zone() {
  if (const char* tz = std::getenv("TZ"); tz && *tz) return tz[0] == ':' ? tz + 1 : tz;
  std::ifstream f("/etc/timezone");
  std::string z;
  if (f && std::getline(f, z) && !z.empty()) return z;
  return "UTC";
}

// Utils.getCurrentUserName: SPARK_USER, else the login name of the process's user.
std::string current_user_name() {
  if (const char* u = std::getenv("SPARK_USER"); u && *u) return u;
  if (const passwd* pw = getpwuid(geteuid()); pw && pw->pw_name) return pw->pw_name;
  const char* u = std::getenv("USER");
  return u ? u : "";
}

// ComputeCurrentTime: current_timestamp()/now(), current_date(), localtimestamp() and
// current_timezone() are one value for the whole query: literals taken here, once (dates and
// wall-clock times as casts of the instant, which the executors compute in the session zone).
PlanPtr compute_current_time(const PlanPtr& p, const std::string& zone, const std::string& database) {
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now().time_since_epoch()).count();
  return plan_transform_exprs(p, [&](const ExprPtr& e) {
    return transform_up(e, [&](const ExprPtr& x) -> ExprPtr {
      if (x->kind != ExprKind::Call || !x->children.empty()) return x;
      const std::string& n = x->name;
      if (n == "current_timestamp" || n == "now") return lit(Value::of(now), DataType::timestamp());
      if (n == "current_date" || n == "curdate") return cast(lit(Value::of(now), DataType::timestamp()), DataType::date(), false);
      if (n == "localtimestamp") return cast(lit(Value::of(now), DataType::timestamp()), DataType::timestamp_ntz(), false);
      if (n == "current_timezone") return lit_string(zone);
      // ReplaceCurrentLike: the session's database and catalog, the user running the driver
      if (n == "current_database") return lit_string(database);
      if (n == "current_catalog") return lit_string("spark_catalog");
      if (n == "current_user") return lit_string(current_user_name());
      return x;
    });
  });
}

std::variant<PreparedQuery, json> SqlSession::prepare_tree(const PlanPtr& plan, bool subqueries_apart) {
  PreparedQuery q;
  q.session_time_zone = conf_.session_time_zone.empty() ? default_time_zone() : conf_.session_time_zone;
  q.python_batch_rows = conf_.python_batch_rows;
  auto r = analyzed_tree(plan, &q.parsed);
  if (auto* err = std::get_if<json>(&r)) return *err;
  q.analyzed = std::get<PlanPtr>(r);
  // Cached data first (matched on the analyzed plan, as Spark), then the query's current time.
  PlanPtr input = compute_current_time(cache_.use_cached_data(q.analyzed), q.session_time_zone, current_db_);
  return plan_query(std::move(q), input, subqueries_apart);
}

// A planned scalar subquery as a query to run: its plan under SubqueryExec's row limit, its own
// subqueries first.
static std::shared_ptr<const PreparedQuery> subquery_query(const SubqueryPlan& s, const PreparedQuery& host) {
  auto q = std::make_shared<PreparedQuery>();
  q->parsed = q->analyzed = q->optimized = s.expr->plan;
  q->physical = s.plan;
  q->executed = number_plan_nodes(plan_for_execution(subquery_run_plan(s)));
  q->stages = cut_stages(q->executed);
  q->session_time_zone = host.session_time_zone;
  q->python_batch_rows = host.python_batch_rows;
  for (const auto& n : hosted_subqueries(s.plan)) q->subqueries.emplace_back(n.expr_id, subquery_query(n, *q));
  return q;
}

PreparedQuery with_subquery_values(PreparedQuery q, const std::map<int64_t, Value>& values) {
  q.executed = with_subquery_values(q.executed, values);
  q.stages = cut_stages(q.executed);
  std::erase_if(q.subqueries, [&](const auto& s) { return values.count(s.first) > 0; });
  return q;
}

// Optimises and plans `input` (the analyzed plan with cached subtrees replaced).
std::variant<PreparedQuery, json> SqlSession::plan_query(PreparedQuery q, const PlanPtr& input, bool subqueries_apart) {
  auto rewritten = opt::rewrite_subqueries(input, ids_, subqueries_apart);
  if (!rewritten) {  // a subquery placement not rewritten yet: `[UNSUPPORTED_FEATURE.SUBQUERY] …`
    const std::string& m = rewritten.error_message();
    std::string cls = m.size() > 1 && m[0] == '[' ? m.substr(1, m.find(']') - 1) : "";
    return json{{"error", error_json(AnalysisError{cls, "0A000", {}, m}, nullptr)}};
  }
  opt::FoldOptions fold;
  fold.session_time_zone = q.session_time_zone;
  q.optimized = opt::optimize_with_subqueries(*rewritten, fold);
  auto ph = create_physical_plan(q.optimized, conf_.planner);
  if (ph) {  // SubqueryExec plan ids after the exchanges'
    int64_t next_id = 1;
    std::function<void(const PhysicalPlan&)> after = [&](const PhysicalPlan& n) {
      if (n.kind == PhysKind::ShuffleExchange || n.kind == PhysKind::BroadcastExchange) next_id = std::max(next_id, n.id + 1);
      for (const auto& c : n.children) after(*c);
    };
    after(**ph);
    ph = plan_subqueries(*ph, conf_.planner, next_id);
  }
  if (!ph) return plan_error(ph.error_message());
  q.physical = *ph;
  for (const auto& s : hosted_subqueries(q.physical)) q.subqueries.emplace_back(s.expr_id, subquery_query(s, q));
  q.executed = number_plan_nodes(plan_for_execution(q.physical));
  q.stages = cut_stages(q.executed);
  return q;
}

json SqlSession::explain(const json& plan, const std::string& mode) {
  auto r = prepare(plan);
  if (auto* err = std::get_if<json>(&r)) return *err;
  const auto& q = std::get<PreparedQuery>(r);
  auto text = explain_text(mode, q.parsed, q.analyzed, q.optimized, q.physical, conf_.planner);
  if (!text)  // ExplainMode.fromString's IllegalArgumentException
    return plan_error("Unknown explain mode: " + mode +
                      ". Accepted explain modes are 'simple', 'extended', 'codegen', 'cost', 'formatted'.");
  return {{"text", *text}};
}

// spark.conf.get of an unset key ({"get": key} -> {"value": default or null, "known": bool}) and
// the checks of spark.conf.set / SET k=v ({"set": key, "value": v} -> {} or an error), by the
// settings catalog (sql/conf_catalog.h).
json SqlSession::conf_command(const json& body) {
  auto illegal = [](const std::string& m, const char* cls = "") {
    return json{{"error", {{"kind", "IllegalArgumentException"}, {"message", m}, {"errorClass", cls},
                           {"messageParameters", json::object()}, {"sqlState", ""}}}};
  };
  if (body.contains("get") && body["get"].is_string()) {
    const SqlConfEntry* e = find_sql_conf(body["get"].get<std::string>());
    if (!e) return {{"known", false}};
    auto d = sql_conf_default(*e, conf_.session_time_zone.empty() ? default_time_zone() : conf_.session_time_zone);
    return {{"known", true}, {"value", d ? json(*d) : json(nullptr)}};
  }
  if (body.contains("set") && body["set"].is_string() && body.contains("value") && body["value"].is_string()) {
    const std::string key = body["set"].get<std::string>();
    const SqlConfEntry* e = find_sql_conf(key);
    if (!e) return json::object();
    if (e->is_static) {
      AnalysisError err{"_LEGACY_ERROR_TEMP_1325", "", {{"key", key}}, "Cannot modify the value of a static config: " + key + "."};
      return {{"error", error_json(err, nullptr)}};
    }
    if (auto m = check_sql_conf(*e, body["value"].get<std::string>())) return illegal(*m);
    return json::object();
  }
  return plan_error("plan: conf needs {get: key} or {set: key, value}");
}

json SqlSession::command(const json& cmd) {
  const json* c = cmd.contains("command") ? &cmd["command"] : &cmd;
  if (c->is_object() && c->contains("sqlCommand")) return sql_command((*c)["sqlCommand"]);
  for (const char* op : {"persist", "unpersist", "getStorageLevel"})
    if (c->is_object() && c->contains(op)) return cache_command(op, (*c)[op]);
  if (c->is_object() && c->contains("catalog")) return catalog_command((*c)["catalog"]);
  if (c->is_object() && c->contains("conf")) return conf_command((*c)["conf"]);
  if (c->is_object() && c->contains("registerFunction")) {
    // spark.udf.register(name, f, returnType): SQL and F.call_udf find it by name, shadowing a
    // built-in of the same name as Spark's session function registry does.
    auto f = decode_python_udf((*c)["registerFunction"], ids_);
    if (!f) return plan_error(f.error_message());
    functions_[ascii_lower((*f)->name)] = *f;
    return json::object();
  }
  if (!c->is_object() || !c->contains("createDataframeView"))
    return plan_error("plan: unsupported command " + (c->is_object() && !c->empty() ? c->begin().key() : c->dump()));
  const json& v = (*c)["createDataframeView"];
  if (!v.contains("input") || !v.contains("name") || !v["name"].is_string())
    return plan_error("plan: createDataframeView needs input and name");
  auto r = analyzed(v["input"]);
  if (auto* err = std::get_if<json>(&r)) return *err;
  std::string name = v["name"].get<std::string>();
  bool global = v.value("isGlobal", false), replace = v.value("replace", false);
  auto& table = global ? global_views_ : views_;
  std::string key = ascii_lower(name);
  if (!replace && table.count(key)) {
    std::string id = global ? "`global_temp`.`" + name + "`" : "`" + name + "`";
    AnalysisError e{"TEMP_TABLE_OR_VIEW_ALREADY_EXISTS", "42P07", {{"relationName", id}},
                    "[TEMP_TABLE_OR_VIEW_ALREADY_EXISTS] Cannot create the temporary view " + id +
                        " because it already exists.\nChoose a different name, drop or replace the existing view, "
                        "or add the IF NOT EXISTS clause to tolerate pre-existing views."};
    return {{"error", error_json(e, nullptr)}};
  }
  // A DataFrame's view keeps its analyzed plan (TemporaryViewRelation with the plan).
  table[key] = tables::view_node(global ? "`global_temp`.`" + name + "`" : "`" + name + "`", std::get<PlanPtr>(r));
  return json::object();
}

bool SqlSession::drop_temp_view(const std::string& name, bool global) {
  return (global ? global_views_ : views_).erase(ascii_lower(name)) > 0;
}

}  // namespace spp::sql
