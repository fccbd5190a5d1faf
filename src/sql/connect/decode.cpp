// Connect JSON -> unresolved plan trees. Every node checks its keys: unknown fields are errors
// (a client/driver version mismatch must be loud).
#include "sql/connect/decode.h"
#include "sql/connect/decode_internal.h"
#include "sql/plan/lambda.h"
#include "common/util.h"

#include <nlohmann/json.hpp>

#include <initializer_list>

namespace spp::sql {
using nlohmann::json;

namespace {

int64_t opt_i64(const json& j, const char* key, int64_t dflt) {
  auto it = j.find(key);
  if (it == j.end()) return dflt;
  auto r = i64(*it, key);
  return r ? *r : dflt;
}

}  // namespace

// Shared with decode_python.cpp (decode_internal.h).
std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool boolean(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

namespace {

std::vector<std::string> strings(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it != j.end() && it->is_array())
    for (const auto& s : *it) if (s.is_string()) out.push_back(s.get<std::string>());
  return out;
}


JoinType join_type(const std::string& s, bool& ok) {
  ok = true;
  if (s == "JOIN_TYPE_INNER" || s.empty() || s == "JOIN_TYPE_UNSPECIFIED") return JoinType::Inner;
  if (s == "JOIN_TYPE_LEFT_OUTER") return JoinType::LeftOuter;
  if (s == "JOIN_TYPE_RIGHT_OUTER") return JoinType::RightOuter;
  if (s == "JOIN_TYPE_FULL_OUTER") return JoinType::FullOuter;
  if (s == "JOIN_TYPE_LEFT_SEMI") return JoinType::LeftSemi;
  if (s == "JOIN_TYPE_LEFT_ANTI") return JoinType::LeftAnti;
  if (s == "JOIN_TYPE_CROSS") return JoinType::Cross;
  ok = false;
  return JoinType::Inner;
}

Result<std::vector<StructField>> schema_string(const std::string& s) {
  if (s.empty()) return std::vector<StructField>{};
  DataType t;
  json j = json::parse(s, nullptr, false);
  if (!j.is_discarded()) {
    auto r = type_from_json(j);
    if (!r) return r.status();
    t = *r;
  } else {
    auto r = parse_ddl_schema(s);
    if (!r) return r.status();
    t = *r;
  }
  if (t.id != TypeId::Struct) t = DataType::structure({StructField{"value", t, true, "{}"}});
  return t.fields;
}

ExprList attrs_for(const std::vector<StructField>& fs, IdGen& ids) {
  ExprList out;
  for (const auto& f : fs) out.push_back(attr(f.name, f.type, f.nullable, ids.next(), {}, f.metadata));
  return out;
}

Result<PlanPtr> child(const json& j, const char* key, IdGen& ids) {
  auto it = j.find(key);
  if (it == j.end()) return Result<PlanPtr>::error(std::string("plan: missing '") + key + "'");
  return decode_relation(*it, ids);
}

}  // namespace

Status check_keys(const json& j, const char* node, std::initializer_list<const char*> allowed) {
  if (!j.is_object()) return Status::error(std::string("plan: '") + node + "' must be an object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool ok = it.key() == "common";
    for (const char* a : allowed) ok |= it.key() == a;
    if (!ok) return Status::error(std::string("plan: unknown field '") + it.key() + "' in '" + node + "'");
  }
  return Status::ok();
}

Result<ExprList> exprs(const json& j, const char* key, IdGen& ids) {
  ExprList out;
  auto it = j.find(key);
  if (it == j.end()) return out;
  if (!it->is_array()) return Result<ExprList>::error(std::string("plan: '") + key + "' must be a list");
  for (const auto& e : *it) {
    auto r = decode_expression(e, ids);
    if (!r) return r.status();
    out.push_back(*r);
  }
  return out;
}

Result<std::vector<std::string>> parse_identifier(const std::string& s) {
  std::vector<std::string> parts;
  std::string cur;
  bool quoted = false, was_quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '`') {
        if (i + 1 < s.size() && s[i + 1] == '`') { cur += '`'; ++i; }
        else quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '`') {
      quoted = was_quoted = true;
    } else if (c == '.') {
      parts.push_back(cur);
      cur.clear();
      was_quoted = false;
    } else {
      cur += c;
    }
  }
  if (quoted) return Result<std::vector<std::string>>::error("[PARSE_SYNTAX_ERROR] Syntax error at or near end of input.");
  (void)was_quoted;
  parts.push_back(cur);
  return parts;
}

namespace {
Result<ExprPtr> decode_expression_unguarded(const json& j, IdGen& ids);
}  // namespace

// The decoders check each field they read; a field of an unexpected JSON type that one of them
// still reads through nlohmann's typed accessors throws, which must become a plan error, never
// an exception escaping into the driver (fuzz_sql_connect found several).
Result<ExprPtr> decode_expression(const json& j, IdGen& ids) {
  try {
    return decode_expression_unguarded(j, ids);
  } catch (const json::exception& e) {
    return Result<ExprPtr>::error(std::string("plan: malformed expression: ") + e.what());
  }
}

namespace {
Result<ExprPtr> decode_expression_unguarded(const json& j, IdGen& ids) {
  if (!j.is_object() || j.size() != 1) return Result<ExprPtr>::error("plan: an expression must have exactly one kind");
  const std::string k = j.begin().key();
  const json& b = j.begin().value();
  auto fail = [](Status s) { return Result<ExprPtr>(s); };
  if (k == "literal") return decode_literal(b, ids);
  if (k == "unresolvedAttribute") {
    if (auto s = check_keys(b, k.c_str(), {"unparsedIdentifier", "planId"}); !s) return fail(s);
    auto parts = parse_identifier(str(b, "unparsedIdentifier"));
    if (!parts) return parts.status();
    return unresolved_attr(*parts, opt_i64(b, "planId", -1));
  }
  if (k == "unresolvedStar") {
    if (auto s = check_keys(b, k.c_str(), {"unparsedTarget"}); !s) return fail(s);
    auto e = std::make_shared<Expr>();
    e->kind = ExprKind::UnresolvedStar;
    std::string t = str(b, "unparsedTarget");
    if (t.size() >= 2 && t.compare(t.size() - 2, 2, ".*") == 0) {
      auto parts = parse_identifier(t.substr(0, t.size() - 2));
      if (!parts) return parts.status();
      e->name_parts = *parts;
    }
    return ExprPtr(e);
  }
  if (k == "updateFields") {  // Column.withField / dropFields: the library's update_fields
    if (auto s = check_keys(b, k.c_str(), {"structExpression", "fieldName", "valueExpression"}); !s) return fail(s);
    if (!b.contains("structExpression")) return Result<ExprPtr>::error("plan: updateFields needs 'structExpression'");
    auto st = decode_expression(b["structExpression"], ids);
    if (!st) return st;
    ExprList args = {*st, lit_string(str(b, "fieldName"))};
    if (b.contains("valueExpression")) {
      auto v = decode_expression(b["valueExpression"], ids);
      if (!v) return v;
      args.push_back(*v);
    }
    return unresolved_fn("update_fields", args);
  }
  if (k == "unresolvedRegex") {  // DataFrame.colRegex: `regex` or qualifier.`regex` expand as a star
    if (auto s = check_keys(b, k.c_str(), {"colName", "planId"}); !s) return fail(s);
    const std::string name = str(b, "colName");
    const size_t tick = name.size() >= 3 && name.back() == '`' ? name.find('`') : std::string::npos;
    if (tick == std::string::npos || tick + 1 >= name.size() - 1) {  // a plain column name
      auto parts = parse_identifier(name);
      if (!parts) return parts.status();
      return unresolved_attr(*parts, opt_i64(b, "planId", -1));
    }
    auto e = std::make_shared<Expr>();
    e->kind = ExprKind::UnresolvedStar;
    e->name = name.substr(tick + 1, name.size() - tick - 2);  // the regex: its star keeps matching names
    if (tick > 0) {
      if (tick < 2 || name[tick - 1] != '.') return fail(Status::error("plan: colRegex '" + name + "' is not `regex` or qualifier.`regex`"));
      auto parts = parse_identifier(name.substr(0, tick - 1));
      if (!parts) return parts.status();
      e->name_parts = *parts;
    }
    return ExprPtr(e);
  }
  if (k == "unresolvedFunction") {
    if (auto s = check_keys(b, k.c_str(), {"functionName", "arguments", "isDistinct", "isUserDefinedFunction"}); !s)
      return fail(s);
    auto args = exprs(b, "arguments", ids);
    if (!args) return args.status();
    return unresolved_fn(str(b, "functionName"), *args, boolean(b, "isDistinct"));
  }
  if (k == "unresolvedNamedLambdaVariable") {  // a lambda's variable, bound by its higher-order call
    if (auto s = check_keys(b, k.c_str(), {"nameParts"}); !s) return fail(s);
    auto parts = strings(b, "nameParts");
    if (parts.empty()) return Result<ExprPtr>::error("plan: unresolvedNamedLambdaVariable needs nameParts");
    return unresolved_attr(parts);
  }
  if (k == "lambdaFunction") {  // Connect's LambdaFunction: function + UnresolvedNamedLambdaVariable arguments
    if (auto s = check_keys(b, k.c_str(), {"function", "arguments"}); !s) return fail(s);
    if (!b.contains("function")) return Result<ExprPtr>::error("plan: lambdaFunction needs 'function'");
    auto body = decode_expression(b["function"], ids);
    if (!body) return body;
    std::vector<std::string> names;
    for (const auto& a : b.value("arguments", json::array())) {
      if (auto s = check_keys(a, "lambdaFunction.arguments", {"nameParts"}); !s) return fail(s);
      auto parts = strings(a, "nameParts");
      if (parts.size() != 1) return Result<ExprPtr>::error("plan: a lambda argument needs one name part");
      names.push_back(parts[0]);
    }
    if (names.empty()) return Result<ExprPtr>::error("plan: lambdaFunction needs arguments");
    return unbound_lambda(*body, names);
  }
  if (k == "alias") {
    if (auto s = check_keys(b, k.c_str(), {"expr", "name", "metadata"}); !s) return fail(s);
    if (!b.contains("expr")) return Result<ExprPtr>::error("plan: alias needs 'expr'");
    auto e = decode_expression(b["expr"], ids);
    if (!e) return e;
    auto names = strings(b, "name");
    if (names.empty()) return Result<ExprPtr>::error("plan: alias needs a name");
    if (names.size() == 1) {
      ExprPtr a = alias(*e, names[0], ids.next());
      if (auto md = b.find("metadata"); md != b.end() && !md->is_null()) {  // `alias(metadata=…)`: a JSON object's text
        json m = md->is_string() ? json::parse(md->get<std::string>(), nullptr, false) : json();
        if (!m.is_object()) return Result<ExprPtr>::error("plan: alias metadata must be a JSON object");
        auto c = std::make_shared<Expr>(*a);
        c->metadata = m.dump();  // "{}" too: explicit, not inherited
        a = c;
      }
      return a;
    }
    auto m = std::make_shared<Expr>();  // `.alias("p", "c")` of a generator (ExtractGenerator names its outputs)
    m->kind = ExprKind::MultiAlias;
    m->name_parts = names;
    m->children = {*e};
    return ExprPtr(m);
  }
  if (k == "cast") {
    if (auto s = check_keys(b, k.c_str(), {"expr", "type", "typeStr"}); !s) return fail(s);
    if (!b.contains("expr")) return Result<ExprPtr>::error("plan: cast needs 'expr'");
    auto e = decode_expression(b["expr"], ids);
    if (!e) return e;
    Result<DataType> t = b.contains("type") ? type_from_connect_json(b["type"]) : parse_ddl_type(str(b, "typeStr"));
    if (!t) return t.status();
    return cast(*e, *t, true);
  }
  if (k == "sortOrder") {
    if (auto s = check_keys(b, k.c_str(), {"child", "direction", "nullOrdering"}); !s) return fail(s);
    if (!b.contains("child")) return Result<ExprPtr>::error("plan: sortOrder needs 'child'");
    auto c = decode_expression(b["child"], ids);
    if (!c) return c;
    bool asc = str(b, "direction") != "SORT_DIRECTION_DESCENDING";
    std::string no = str(b, "nullOrdering");
    bool nf = no.empty() || no == "SORT_NULLS_UNSPECIFIED" ? asc : no == "SORT_NULLS_FIRST";
    return sort_order(*c, asc, nf);
  }
  if (k == "unresolvedExtractValue") {
    if (auto s = check_keys(b, k.c_str(), {"child", "extraction"}); !s) return fail(s);
    if (!b.contains("child") || !b.contains("extraction"))
      return Result<ExprPtr>::error("plan: unresolvedExtractValue needs child and extraction");
    auto c = decode_expression(b["child"], ids);
    if (!c) return c;
    auto x = decode_expression(b["extraction"], ids);
    if (!x) return x;
    auto e = std::make_shared<Expr>();
    e->kind = ExprKind::UnresolvedExtractValue;
    e->children = {*c, *x};
    return ExprPtr(e);
  }
  if (k == "window") return decode_window(b, ids);
  if (k == "commonInlineUserDefinedFunction") return decode_python_udf(b, ids);
  if (k == "expressionString") {
    auto e = std::make_shared<Expr>();
    e->kind = ExprKind::ExpressionString;
    e->name = str(b, "expression");
    return ExprPtr(e);
  }
  return Result<ExprPtr>::error("plan: unsupported expression '" + k + "'");
}
}  // namespace

ExprList attrs_for_fields(const std::vector<StructField>& fs, IdGen& ids) { return attrs_for(fs, ids); }

Result<PlanPtr> decode_plan(const json& j, IdGen& ids) {
  try {
    if (j.is_object() && j.contains("root")) return decode_relation(j["root"], ids);
    return decode_relation(j, ids);
  } catch (const json::exception& e) {
    return Result<PlanPtr>::error(std::string("plan: malformed relation: ") + e.what());
  }
}

Result<PlanPtr> decode_relation(const json& j, IdGen& ids) {
  if (!j.is_object()) return Result<PlanPtr>::error("plan: a relation must be an object");
  std::string k;
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "common") {
      if (!k.empty()) return Result<PlanPtr>::error("plan: a relation must have exactly one kind");
      k = it.key();
    }
  if (k.empty()) return Result<PlanPtr>::error("plan: empty relation");
  const json& b = j[k];
  LogicalPlan p;
  if (j.contains("common")) p.plan_id = opt_i64(j["common"], "planId", -1);
  auto done = [&]() -> Result<PlanPtr> { return make_plan(std::move(p)); };
#define SPP_KEYS(...) \
  if (auto s = check_keys(b, k.c_str(), {__VA_ARGS__}); !s) return Result<PlanPtr>(s)
#define SPP_CHILD(key)                    \
  {                                       \
    auto c = child(b, key, ids);          \
    if (!c) return c;                     \
    p.children.push_back(*c);             \
  }
#define SPP_EXPRS(dst, key)               \
  {                                       \
    auto es = exprs(b, key, ids);         \
    if (!es) return es.status();          \
    dst = *es;                            \
  }

  if (k == "mapPartitions" || k == "groupMap" || k == "coGroupMap") {  // mapInPandas / applyInPandas (decode_python.cpp)
    auto r = decode_pandas_map(k, b, ids);
    if (!r) return r;
    LogicalPlan m = *r.value();
    m.plan_id = p.plan_id;
    return make_plan(std::move(m));
  }
  if (k == "read") {
    SPP_KEYS("namedTable", "dataSource", "isStreaming");
    if (b.contains("namedTable")) {
      p.kind = PlanKind::UnresolvedRelation;
      p.name = str(b["namedTable"], "unparsedIdentifier");
      return done();
    }
    if (!b.contains("dataSource")) return Result<PlanPtr>::error("plan: read needs namedTable or dataSource");
    const json& ds = b["dataSource"];
    p.kind = PlanKind::DataSource;
    p.name = str(ds, "format");
    if (p.name.empty()) p.name = "parquet";  // spark.sql.sources.default
    p.paths = strings(ds, "paths");
    if (ds.contains("options") && ds["options"].is_object())
      for (auto it = ds["options"].begin(); it != ds["options"].end(); ++it)
        p.options.emplace_back(it.key(), it->is_string() ? it->get<std::string>() : it->dump());
    // No schema: the session's source resolver infers it before analysis (SqlSession).
    if (!str(ds, "schema").empty()) {
      auto fs = schema_string(str(ds, "schema"));
      if (!fs) return fs.status();
      p.output_attrs = attrs_for(*fs, ids);
      p.flag = true;  // the user gave the schema
    }
    p.data_attrs = p.output_attrs;
    return done();
  }
  if (k == "sql") {  // spark.sql: parsed by the session (sql/parser) before analysis
    SPP_KEYS("query", "args", "posArgs");
    p.kind = PlanKind::UnparsedSql;
    p.name = str(b, "query");
    if (b.contains("args") && b["args"].is_object())
      for (auto it = b["args"].begin(); it != b["args"].end(); ++it) {
        auto e = decode_literal(*it, ids);
        if (!e) return e.status();
        p.names.push_back(it.key());
        p.exprs.push_back(*e);
      }
    if (b.contains("posArgs") && b["posArgs"].is_array())
      for (const auto& a : b["posArgs"]) {
        auto e = decode_literal(a, ids);
        if (!e) return e.status();
        p.exprs.push_back(*e);
      }
    return done();
  }
  if (k == "localRelation") {
    SPP_KEYS("schema", "data");
    p.kind = PlanKind::LocalRelation;
    auto fs = schema_string(str(b, "schema"));
    if (!fs) return fs.status();
    p.output_attrs = attrs_for(*fs, ids);
    // Interim (wire format doc): rows stay in the Python session keyed by planId.
    p.data_ref = b.contains("data") ? "inline" : "session:" + std::to_string(p.plan_id);
    if (b.contains("data")) {  // the batch stream, base64 in the JSON plan
      auto raw = spp::base64_decode(str(b, "data"));
      if (!raw) return Result<PlanPtr>::error("plan: localRelation data is not valid base64");
      p.inline_data = std::make_shared<const std::string>(std::move(*raw));
    }
    return done();
  }
  if (k == "cachedLocalRelation") {
    // Spark Connect's CachedLocalRelation{hash} (the rows uploaded once, SqlSession::
    // cache_local_relation); sparkpp's plans also carry the schema.
    SPP_KEYS("hash", "schema", "userId", "sessionId");
    p.kind = PlanKind::LocalRelation;
    auto fs = schema_string(str(b, "schema"));
    if (!fs) return fs.status();
    p.output_attrs = attrs_for(*fs, ids);
    p.data_ref = "cached:" + str(b, "hash");
    return done();
  }
  if (k == "extension") {
    if (str(b, "@type") != "type.googleapis.com/sparkpp.PythonRdd")
      return Result<PlanPtr>::error("plan: unsupported extension '" + str(b, "@type") + "'");
    p.kind = PlanKind::LocalRelation;
    auto fs = schema_string(str(b, "schema"));
    if (!fs) return fs.status();
    p.output_attrs = attrs_for(*fs, ids);
    p.data_ref = "rdd:" + std::to_string(opt_i64(b, "rddId", -1));
    return done();
  }
  if (k == "range") {
    SPP_KEYS("start", "end", "step", "numPartitions");
    p.kind = PlanKind::Range;
    p.start = opt_i64(b, "start", 0);
    p.end = opt_i64(b, "end", 0);
    p.step = opt_i64(b, "step", 1);
    p.num_partitions = static_cast<int>(opt_i64(b, "numPartitions", -1));
    if (p.step == 0) return Result<PlanPtr>::error("plan: range step must not be 0");
    p.output_attrs = {attr("id", DataType::long_(), false, ids.next())};
    return done();
  }
  if (k == "project") {
    SPP_KEYS("input", "expressions");
    p.kind = PlanKind::Project;
    if (b.contains("input")) SPP_CHILD("input")
    else {  // select without input: one row (OneRowRelation)
      LogicalPlan one;
      one.kind = PlanKind::LocalRelation;
      one.data_ref = "one_row";
      p.children.push_back(make_plan(std::move(one)));
    }
    SPP_EXPRS(p.exprs, "expressions");
    return done();
  }
  if (k == "filter") {
    SPP_KEYS("input", "condition");
    p.kind = PlanKind::Filter;
    SPP_CHILD("input");
    if (!b.contains("condition")) return Result<PlanPtr>::error("plan: filter needs 'condition'");
    auto c = decode_expression(b["condition"], ids);
    if (!c) return c.status();
    p.exprs = {*c};
    return done();
  }
  if (k == "withColumns") {
    SPP_KEYS("input", "aliases");
    p.kind = PlanKind::WithColumns;
    SPP_CHILD("input");
    if (b.contains("aliases"))
      for (const auto& a : b["aliases"]) {
        auto e = decode_expression(json{{"alias", a}}, ids);
        if (!e) return e.status();
        p.exprs.push_back(*e);
      }
    return done();
  }
  if (k == "withColumnsRenamed") {
    SPP_KEYS("input", "renameColumnsMap");
    p.kind = PlanKind::RenameColumns;
    SPP_CHILD("input");
    if (b.contains("renameColumnsMap")) {
      const json& m = b["renameColumnsMap"];
      if (!m.is_object()) return Result<PlanPtr>::error("plan: 'renameColumnsMap' must map names to names");
      for (auto it = m.begin(); it != m.end(); ++it) {
        if (!it->is_string()) return Result<PlanPtr>::error("plan: 'renameColumnsMap' must map names to names");
        p.renames.emplace_back(it.key(), it->get<std::string>());
      }
    }
    return done();
  }
  if (k == "drop") {
    SPP_KEYS("input", "columns", "columnNames");
    p.kind = PlanKind::Drop;
    SPP_CHILD("input");
    SPP_EXPRS(p.exprs, "columns");
    p.names = strings(b, "columnNames");
    return done();
  }
  if (k == "toDf") {
    SPP_KEYS("input", "columnNames");
    p.kind = PlanKind::ToDF;
    SPP_CHILD("input");
    p.names = strings(b, "columnNames");
    return done();
  }
  if (k == "corr" || k == "cov" || k == "approxQuantile") {  // DataFrame.stat values: one row, one column
    if (k == "approxQuantile") {
      SPP_KEYS("input", "cols", "probabilities", "relativeError");
    } else {
      SPP_KEYS("input", "col1", "col2", "method");
    }
    p.kind = PlanKind::Aggregate;
    SPP_CHILD("input");
    auto column = [&](const std::string& name) -> Result<ExprPtr> {
      auto parts = parse_identifier(name);
      if (!parts) return parts.status();
      return unresolved_attr(*parts);
    };
    if (k != "approxQuantile") {
      auto a = column(str(b, "col1"));
      if (!a) return a.status();
      auto c = column(str(b, "col2"));
      if (!c) return c.status();
      p.exprs = {alias(unresolved_fn(k == "corr" ? "corr" : "covar_samp", {*a, *c}), k, ids.next())};
      return done();
    }
    // approxQuantile: percentile_approx of each column (as double) at every probability
    const double rel = b.value("relativeError", 0.0);
    if (rel < 0) return Result<PlanPtr>::error("plan: relativeError must be non-negative");
    const int64_t acc = rel > 0 ? std::max<int64_t>(1, static_cast<int64_t>(1.0 / rel)) : 2147483647;
    ExprList ps;
    for (const auto& v : b.value("probabilities", json::array())) {
      if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1)
        return Result<PlanPtr>::error("plan: probabilities must be numbers in [0, 1]");
      ps.push_back(lit(Value::of(v.get<double>()), DataType::double_()));
    }
    ExprList per_col;
    for (const auto& name : strings(b, "cols")) {
      auto c = column(name);
      if (!c) return c.status();
      per_col.push_back(unresolved_fn("percentile_approx", {cast(*c, DataType::double_(), true), unresolved_fn("array", ps),
                                                            lit_long(acc)}));
    }
    p.exprs = {alias(unresolved_fn("array", per_col), "approx_quantile", ids.next())};
    return done();
  }
  if (k == "describe" || k == "summary") {  // Dataset.describe = select(cols).summary(5 statistics)
    if (k == "describe") {
      SPP_KEYS("input", "cols");
    } else {
      SPP_KEYS("input", "statistics");
    }
    p.kind = PlanKind::Summary;
    SPP_CHILD("input");
    if (k == "describe") {
      p.names = {"count", "mean", "stddev", "min", "max"};
      ExprList cols;
      for (const auto& c : strings(b, "cols")) {
        auto parts = parse_identifier(c);
        if (!parts) return parts.status();
        cols.push_back(unresolved_attr(*parts));
      }
      if (!cols.empty()) {
        LogicalPlan sel;
        sel.kind = PlanKind::Project;
        sel.exprs = std::move(cols);
        sel.children = p.children;
        p.children = {make_plan(std::move(sel))};
      }
    } else {
      p.names = strings(b, "statistics");
      if (p.names.empty()) p.names = {"count", "mean", "stddev", "min", "25%", "50%", "75%", "max"};
    }
    return done();
  }
  if (k == "fillNa" || k == "dropNa" || k == "replace") {  // na functions: analysis/na_functions.h
    if (k == "fillNa") {
      SPP_KEYS("input", "cols", "values");
    } else if (k == "dropNa") {
      SPP_KEYS("input", "cols", "minNonNulls");
    } else {
      SPP_KEYS("input", "cols", "replacements");
    }
    p.kind = PlanKind::Summary;
    p.name = k;
    SPP_CHILD("input");
    p.names = strings(b, "cols");
    auto literal = [&](const json& v) -> Status {
      auto l = decode_literal(v, ids);
      if (!l) return l.status();
      p.exprs.push_back(*l);
      return Status::ok();
    };
    if (k == "fillNa") {
      for (const auto& v : b.value("values", json::array()))
        if (auto s = literal(v); !s) return Result<PlanPtr>(s);
      if (p.exprs.empty()) return Result<PlanPtr>::error("plan: fillNa needs at least one value");
    } else if (k == "dropNa") {
      p.flag = b.contains("minNonNulls");
      p.n = opt_i64(b, "minNonNulls", 0);
    } else {
      for (const auto& r : b.value("replacements", json::array())) {
        if (!r.is_object() || !r.contains("oldValue") || !r.contains("newValue"))
          return Result<PlanPtr>::error("plan: a replacement needs oldValue and newValue");
        if (auto s = literal(r["oldValue"]); !s) return Result<PlanPtr>(s);
        if (auto s = literal(r["newValue"]); !s) return Result<PlanPtr>(s);
      }
    }
    return done();
  }
  if (k == "toSchema") {  // DataFrame.to(schema): a Summary node named "toSchema", exprs {NULL of the schema}
    SPP_KEYS("input", "schema");
    p.kind = PlanKind::Summary;
    p.name = k;
    SPP_CHILD("input");
    if (!b.contains("schema")) return Result<PlanPtr>::error("plan: toSchema needs 'schema'");
    Result<DataType> t = type_from_connect_json(b["schema"]);
    if (!t) return t.status();
    if (t->id != TypeId::Struct) return Result<PlanPtr>::error("plan: toSchema needs a struct schema");
    p.exprs = {lit_null(*t)};
    return done();
  }
  if (k == "unpivot") {  // analysis/replace_operators.h: a Summary node named "unpivot"
    SPP_KEYS("input", "ids", "values", "variableColumnName", "valueColumnName");
    p.kind = PlanKind::Summary;
    p.name = k;
    SPP_CHILD("input");
    SPP_EXPRS(p.exprs, "ids");
    p.n = static_cast<int64_t>(p.exprs.size());
    p.flag = b.contains("values");
    if (p.flag) {
      if (auto s = check_keys(b["values"], "values", {"values"}); !s) return Result<PlanPtr>(s);
      auto vs = exprs(b["values"], "values", ids);
      if (!vs) return vs.status();
      p.exprs.insert(p.exprs.end(), vs->begin(), vs->end());
    }
    p.names = {str(b, "variableColumnName"), str(b, "valueColumnName")};
    return done();
  }
  if (k == "subqueryAlias") {
    SPP_KEYS("input", "alias", "qualifier");
    p.kind = PlanKind::SubqueryAlias;
    SPP_CHILD("input");
    p.name = str(b, "alias");
    return done();
  }
  if (k == "aggregate") {
    SPP_KEYS("input", "groupType", "groupingExpressions", "aggregateExpressions", "pivot", "groupingSets");
    std::string gt = str(b, "groupType");
    if (!gt.empty() && gt != "GROUP_TYPE_GROUPBY" && gt != "GROUP_TYPE_ROLLUP" && gt != "GROUP_TYPE_CUBE" &&
        gt != "GROUP_TYPE_GROUPING_SETS" && gt != "GROUP_TYPE_PIVOT")
      return Result<PlanPtr>::error("plan: aggregate groupType " + gt + " is not supported yet");
    p.kind = PlanKind::Aggregate;
    SPP_CHILD("input");
    SPP_EXPRS(p.groups, "groupingExpressions");
    SPP_EXPRS(p.exprs, "aggregateExpressions");
    if (gt == "GROUP_TYPE_PIVOT") {  // the analyzer's ResolvePivot reads the column and values here
      if (!b.contains("pivot") || !b["pivot"].contains("col")) return Result<PlanPtr>::error("plan: pivot needs 'col'");
      if (auto s = check_keys(b["pivot"], "pivot", {"col", "values"}); !s) return Result<PlanPtr>(s);
      auto col = decode_expression(b["pivot"]["col"], ids);
      if (!col) return col.status();
      p.name = "pivot";
      p.data_attrs.push_back(*col);
      for (const auto& v : b["pivot"].value("values", json::array())) {
        auto lv = decode_literal(v, ids);
        if (!lv) return lv.status();
        p.data_attrs.push_back(*lv);
      }
    }
    if (gt == "GROUP_TYPE_ROLLUP") p.grouping_sets = rollup_sets(p.groups.size());
    if (gt == "GROUP_TYPE_CUBE") p.grouping_sets = cube_sets(p.groups.size());
    if (gt == "GROUP_TYPE_GROUPING_SETS") {  // each set's expressions, matched to groupingExpressions
      for (const auto& set : b.value("groupingSets", json::array())) {
        auto es = exprs(set, "groupingSet", ids);
        if (!es) return es.status();
        std::vector<int> idx;
        for (const auto& e : *es) {
          size_t i = 0;
          while (i < p.groups.size() && !expr_equal(*p.groups[i], *e)) ++i;
          if (i == p.groups.size()) p.groups.push_back(e);
          idx.push_back(static_cast<int>(i));
        }
        p.grouping_sets.push_back(std::move(idx));
      }
      if (p.grouping_sets.empty()) return Result<PlanPtr>::error("plan: GROUPING SETS without any set");
    }
    // spark.sql.retainGroupColumns (true): the output is the grouping columns, then the aggregates.
    p.exprs.insert(p.exprs.begin(), p.groups.begin(), p.groups.end());
    return done();
  }
  if (k == "sort") {
    SPP_KEYS("input", "order", "isGlobal");
    p.kind = PlanKind::Sort;
    SPP_CHILD("input");
    if (b.contains("order"))
      for (const auto& o : b["order"]) {
        auto e = decode_expression(json{{"sortOrder", o}}, ids);
        if (!e) return e.status();
        p.exprs.push_back(*e);
      }
    p.flag = boolean(b, "isGlobal");
    return done();
  }
  if (k == "join") {
    SPP_KEYS("left", "right", "joinCondition", "joinType", "usingColumns");
    p.kind = PlanKind::Join;
    SPP_CHILD("left");
    SPP_CHILD("right");
    bool ok;
    p.join_type = join_type(str(b, "joinType"), ok);
    if (!ok) return Result<PlanPtr>::error("plan: unsupported joinType '" + str(b, "joinType") + "'");
    if (b.contains("joinCondition")) {
      auto c = decode_expression(b["joinCondition"], ids);
      if (!c) return c.status();
      p.exprs = {*c};
    }
    p.names = strings(b, "usingColumns");
    return done();
  }
  if (k == "setOp") {
    SPP_KEYS("leftInput", "rightInput", "setOpType", "isAll", "byName", "allowMissingColumns");
    SPP_CHILD("leftInput");
    SPP_CHILD("rightInput");
    std::string t = str(b, "setOpType");
    bool all = boolean(b, "isAll");
    if (t == "SET_OP_TYPE_UNION") {
      p.kind = PlanKind::Union;
      p.flag = boolean(b, "byName");
      p.flag2 = boolean(b, "allowMissingColumns");
      if (!all) {  // SQL UNION (distinct)
        LogicalPlan d;
        d.kind = PlanKind::Distinct;
        d.children = {make_plan(std::move(p))};
        return make_plan(std::move(d));
      }
    } else if (t == "SET_OP_TYPE_INTERSECT") {
      p.kind = PlanKind::Intersect;
      p.flag = all;
    } else if (t == "SET_OP_TYPE_EXCEPT") {
      p.kind = PlanKind::Except;
      p.flag = all;
    } else {
      return Result<PlanPtr>::error("plan: unsupported setOpType '" + t + "'");
    }
    return done();
  }
  if (k == "deduplicate") {
    SPP_KEYS("input", "columnNames", "allColumnsAsKeys", "withinWatermark");
    SPP_CHILD("input");
    p.names = strings(b, "columnNames");
    p.kind = p.names.empty() ? PlanKind::Distinct : PlanKind::Deduplicate;
    return done();
  }
  if (k == "limit" || k == "tail") {
    SPP_KEYS("input", "limit");
    p.kind = k == "limit" ? PlanKind::Limit : PlanKind::Tail;
    SPP_CHILD("input");
    p.n = opt_i64(b, "limit", 0);
    return done();
  }
  if (k == "offset") {
    SPP_KEYS("input", "offset");
    p.kind = PlanKind::Offset;
    SPP_CHILD("input");
    p.n = opt_i64(b, "offset", 0);
    return done();
  }
  if (k == "repartition") {
    SPP_KEYS("input", "numPartitions", "shuffle");
    p.kind = PlanKind::Repartition;
    SPP_CHILD("input");
    p.n = opt_i64(b, "numPartitions", 0);
    p.flag = boolean(b, "shuffle");
    return done();
  }
  if (k == "repartitionByExpression") {
    SPP_KEYS("input", "partitionExprs", "numPartitions");
    p.kind = PlanKind::RepartitionByExpression;
    SPP_CHILD("input");
    SPP_EXPRS(p.exprs, "partitionExprs");
    p.n = opt_i64(b, "numPartitions", -1);
    return done();
  }
  if (k == "sample") {
    SPP_KEYS("input", "lowerBound", "upperBound", "withReplacement", "seed", "deterministicOrder");
    p.kind = PlanKind::Sample;
    SPP_CHILD("input");
    p.lower = b.contains("lowerBound") ? jdouble(b["lowerBound"]) : 0.0;
    p.upper = b.contains("upperBound") ? jdouble(b["upperBound"]) : 0.0;
    p.flag = boolean(b, "withReplacement");
    p.flag2 = boolean(b, "deterministicOrder");
    p.seed = opt_i64(b, "seed", 0);
    return done();
  }
  if (k == "hint") {
    SPP_KEYS("input", "name", "parameters");
    p.kind = PlanKind::Hint;
    SPP_CHILD("input");
    p.name = str(b, "name");
    SPP_EXPRS(p.exprs, "parameters");
    return done();
  }
#undef SPP_KEYS
#undef SPP_CHILD
#undef SPP_EXPRS
  return Result<PlanPtr>::error("plan: unsupported relation '" + k + "'");
}

}  // namespace spp::sql
