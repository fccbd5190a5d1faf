// SqlSession and the table catalog (sql/catalog.h): catalog tables as file scans and views,
// df.write.saveAsTable / insertInto (and CREATE TABLE … AS, INSERT) planned as path writes on the
// table's location. The table statements (DDL) are in session_ddl.cpp; both share
// session_tables.h. A table's data is a directory of part files as df.write leaves them; a
// partitioned table reads only its registered partitions (Spark's catalog-managed file-source
// partitions): writes register what they wrote, ALTER TABLE … ADD PARTITION and MSCK REPAIR
// TABLE the rest.
#include "sql/session_tables.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <set>

#include "common/strings.h"
#include "sql/connect/decode.h"
#include "sql/parser/parser.h"

namespace spp::sql {
namespace fs = std::filesystem;
using nlohmann::json;

namespace tables {

bool same_name(const std::string& a, const std::string& b) { return ascii_lower(a) == ascii_lower(b); }

json err(const AnalysisError& e) { return {{"error", error_json(e, nullptr)}}; }
// `text` as Spark's message: `[CLASS] …` (added unless there already), legacy classes bare.
json err(const std::string& cls, const std::string& state, const std::string& text,
         std::vector<std::pair<std::string, std::string>> params) {
  const bool bare = cls.rfind("_LEGACY_ERROR", 0) == 0 || text.rfind("[", 0) == 0;
  return err(AnalysisError{cls, state, std::move(params), bare ? text : "[" + cls + "] " + text});
}
json plain_err(const std::string& text) { return err(AnalysisError{"", "", {}, text}); }

json field(const char* name, const char* type, bool nullable) {
  return {{"name", name}, {"type", type}, {"nullable", nullable}, {"metadata", json::object()}};
}
json result(std::vector<json> fields, json rows) {
  return {{"schema", {{"type", "struct"}, {"fields", fields}}}, {"rows", std::move(rows)}};
}
json no_rows() { return result({}, json::array()); }

PlanPtr unresolved_relation(const std::string& name) {
  LogicalPlan r;
  r.kind = PlanKind::UnresolvedRelation;
  r.name = name;
  return make_plan(std::move(r));
}

std::string qualified(const CatalogTable& t) { return to_sql_id({"spark_catalog", t.db, t.name}); }

// SHOW TABLES / SHOW DATABASES LIKE: `*` any characters, `|` alternatives, case-insensitive
// (Spark's StringUtils.filterPattern).
bool like_pattern(const std::string& name, const std::string& pattern) {
  if (pattern.empty()) return true;
  size_t b = 0;
  const std::string s = ascii_lower(name);
  while (b <= pattern.size()) {
    size_t e = pattern.find('|', b);
    std::string alt = ascii_lower(pattern.substr(b, e == std::string::npos ? std::string::npos : e - b));
    alt.erase(0, alt.find_first_not_of(' '));
    alt.erase(alt.find_last_not_of(' ') + 1);
    size_t i = 0, j = 0, star = std::string::npos, mark = 0;
    while (i < s.size()) {
      if (j < alt.size() && alt[j] != '*' && alt[j] == s[i]) { ++i; ++j; }
      else if (j < alt.size() && alt[j] == '*') { star = j++; mark = i; }
      else if (star != std::string::npos) { j = star + 1; i = ++mark; }
      else break;
    }
    while (j < alt.size() && alt[j] == '*') ++j;
    if (i == s.size() && j == alt.size()) return true;
    if (e == std::string::npos) break;
    b = e + 1;
  }
  return false;
}

// `file:` URIs as Spark shows locations.
std::string uri(const std::string& path) { return "file:" + path; }

// ExternalCatalogUtils.escapePathName: control characters and "#%'*/:=?\{[]^ and DEL as %XX.
std::string escape_path_name(const std::string& s) {
  static const std::string special = "\"#%'*/:=?\\\x7f{[]^";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 0x01 && c <= 0x1f) || special.find(static_cast<char>(c)) != std::string::npos) {
      char b[4];
      std::snprintf(b, sizeof b, "%%%02X", c);
      out += b;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// Connect JSON pieces for reshaping a write's input.
json attr(const std::string& name) {
  std::string q = "`";
  for (char c : name) q += c == '`' ? std::string("``") : std::string(1, c);
  return {{"unresolvedAttribute", {{"unparsedIdentifier", q + "`"}}}};
}
json alias(json e, const std::string& name) { return {{"alias", {{"expr", std::move(e)}, {"name", json::array({name})}}}}; }
json cast_to(json e, const DataType& t) { return {{"cast", {{"expr", std::move(e)}, {"typeStr", t.simple_string()}}}}; }

// The table's schema as stored.
Result<DataType> table_schema(const CatalogTable& t) {
  json j = json::parse(t.schema, nullptr, false);
  if (j.is_discarded()) return Result<DataType>::error("catalog: bad schema of " + t.db + "." + t.name);
  return type_from_json(j);
}

// A catalog identifier's display for error texts: `spark_catalog`.`db`.`t`.
std::string ident_sql(const std::string& db, const std::string& t) { return to_sql_id({"spark_catalog", db, t}); }

// `k=v` directories found below a partitioned table's location, `depth` levels of the partition
// columns (in order, names compared case-insensitively): the partitions on disk.
void find_partition_dirs(const fs::path& dir, const std::vector<std::string>& cols, size_t level, const std::string& prefix,
                         std::vector<std::string>& out) {
  if (level == cols.size()) {
    out.push_back(prefix);
    return;
  }
  std::error_code ec;
  std::vector<std::string> names;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (!it->is_directory(ec)) continue;
    std::string n = it->path().filename().string();
    size_t eq = n.find('=');
    if (eq == std::string::npos || !same_name(n.substr(0, eq), cols[level])) continue;
    names.push_back(n);
  }
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    std::string spec = cols[level] + "=" + n.substr(n.find('=') + 1);
    find_partition_dirs(dir / n, cols, level + 1, prefix.empty() ? spec : prefix + "/" + spec, out);
  }
}

// Java's Date.toString in UTC: `Sun Dec 06 02:38:29 UTC 2026`.
std::string java_date(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[64];
  std::strftime(b, sizeof b, "%a %b %d %H:%M:%S UTC %Y", &tm);
  return b;
}

int64_t dir_bytes(const std::string& dir) {
  int64_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec)) n += static_cast<int64_t>(it->file_size(ec));
  return n;
}

bool non_empty_dir(const std::string& p) {
  std::error_code ec;
  return fs::is_directory(p, ec) && fs::directory_iterator(p, ec) != fs::directory_iterator();
}

std::string absolute_path(const std::string& p) {
  std::string s = p.rfind("file:", 0) == 0 ? p.substr(5) : p;
  while (s.size() > 1 && s.rfind("//", 0) == 0) s = s.substr(1);
  std::error_code ec;
  return fs::weakly_canonical(fs::absolute(s), ec).string();
}


// Registers the `k=v` directories on disk under a partitioned table (after a write, MSCK REPAIR
// TABLE); with `sync`, drops the entries whose directory is gone.
Status sync_partitions(Catalog& c, const CatalogTable& t, bool sync) {
  if (t.partition_columns.empty()) return Status::ok();
  std::vector<std::string> specs;
  find_partition_dirs(t.location, t.partition_columns, 0, "", specs);
  for (const auto& spec : specs) {
    auto r = c.add_partition(t.db, t.name, {spec, (fs::path(t.location) / spec).string()});
    if (!r) return r.status();
  }
  if (sync) {
    auto all = c.list_partitions(t.db, t.name);
    if (!all) return all.status();
    std::error_code ec;
    for (const auto& p : all.value())
      if (!fs::is_directory(p.location, ec))
        if (Status st = c.drop_partition(t.db, t.name, p.spec); !st) return st;
  }
  return Status::ok();
}


AnalysisError already_exists(const std::string& db, const std::string& t) {
  const std::string id = ident_sql(db, t);
  return AnalysisError{"TABLE_OR_VIEW_ALREADY_EXISTS", "42P07", {{"relationName", id}},
                       "[TABLE_OR_VIEW_ALREADY_EXISTS] Cannot create table or view " + id +
                           " because it already exists.\nChoose a different name, drop or replace the existing object, or "
                           "add the IF NOT EXISTS clause to tolerate pre-existing objects."};
}


AnalysisError schema_not_found(const std::string& db) {
  const std::string id = to_sql_id({db});
  return AnalysisError{"SCHEMA_NOT_FOUND", "42704", {{"schemaName", id}},
                       "[SCHEMA_NOT_FOUND] The schema " + id +
                           " cannot be found. Verify the spelling and correctness of the schema and catalog.\nIf you did not "
                           "qualify the name with a catalog, verify the current_schema() output, or qualify the name with the "
                           "correct catalog.\nTo tolerate the error on drop use DROP SCHEMA IF EXISTS."};
}


AnalysisError location_exists(const std::string& db, const std::string& t, const std::string& location) {
  const std::string id = ident_sql(db, t);
  return AnalysisError{"LOCATION_ALREADY_EXISTS", "42710", {{"location", "'" + uri(location) + "'"}, {"identifier", id}},
                       "[LOCATION_ALREADY_EXISTS] Cannot name the managed table as " + id + ", as its associated location '" +
                           uri(location) + "' already exists. Please pick a different table name, or remove the existing "
                           "location first."};
}


// A bucketed table's write: the input's columns, then the bucket id pmod(hash(bucket columns), n)
// (Spark's HashPartitioning.partitionIdExpression, Murmur3 with seed 42), rows sorted within each
// task by partition columns, bucket id and sort columns (FileFormatWriter's required ordering);
// the files sink writes one file per bucket (`sparkppBucketed`: the last column is the id).
static void bucket_write(json& op, const CatalogTable& t) {
  json keys = json::array();
  for (const auto& c : t.bucket_columns) keys.push_back(attr(c));
  json id = {{"unresolvedFunction", {{"functionName", "pmod"}, {"arguments", json::array({
      {{"unresolvedFunction", {{"functionName", "hash"}, {"arguments", keys}}}}, {{"literal", {{"integer", t.num_buckets}}}}})}}}};
  json with_id = {{"project", {{"input", op["input"]}, {"expressions", json::array({{{"unresolvedStar", json::object()}}, alias(id, "__bucket_id")})}}}};
  json order = json::array();
  auto asc = [](json e) { return json{{"child", std::move(e)}, {"direction", "SORT_DIRECTION_ASCENDING"}, {"nullOrdering", "SORT_NULLS_FIRST"}}; };
  for (const auto& c : t.partition_columns) order.push_back(asc(attr(c)));
  order.push_back(asc(attr("__bucket_id")));
  for (const auto& c : t.sort_columns) order.push_back(asc(attr(c)));
  op["input"] = {{"sort", {{"input", with_id}, {"order", order}, {"isGlobal", false}}}};
  op["sparkppBucketed"] = true;
}

Status drop_table_and_data(Catalog& c, const CatalogTable& t) {
  auto d = c.drop_table(t.db, t.name);
  if (!d) return d.status();
  if (t.type == "MANAGED") {  // managed: the data goes; external: it stays
    std::error_code ec;
    fs::remove_all(t.location, ec);
  }
  return Status::ok();
}

}  // namespace tables

using namespace tables;

std::optional<std::pair<std::string, std::string>> SqlSession::table_ident(const std::vector<std::string>& parts) const {
  if (parts.size() == 1) return std::make_pair(current_db_, ascii_lower(parts[0]));
  if (parts.size() == 2) return std::make_pair(ascii_lower(parts[0]), ascii_lower(parts[1]));
  if (parts.size() == 3 && ascii_lower(parts[0]) == "spark_catalog") return std::make_pair(ascii_lower(parts[1]), ascii_lower(parts[2]));
  return std::nullopt;
}

PlanPtr tables::subquery_alias(std::vector<std::string> parts, PlanPtr child) {
  for (auto& x : parts) x = ascii_lower(x);
  LogicalPlan a;
  a.kind = PlanKind::SubqueryAlias;
  a.name = parts.back();
  if (parts.size() > 1) a.names = std::move(parts);
  a.children = {std::move(child)};
  return make_plan(std::move(a));
}

PlanPtr tables::view_node(std::string ident, PlanPtr child) {
  LogicalPlan v;
  v.kind = PlanKind::View;
  v.name = std::move(ident);
  v.children = {std::move(child)};
  return make_plan(std::move(v));
}

PlanPtr tables::view_columns(const PlanPtr& analyzed, IdGen& ids, const std::vector<std::string>& names) {
  LogicalPlan p;
  p.kind = PlanKind::Project;
  const ExprList out = analyzed->output();
  for (size_t i = 0; i < out.size(); ++i) {
    const ExprPtr& a = out[i];
    auto named = alias(cast(a, a->type, false), names.size() == out.size() ? names[i] : a->name, ids.next());
    auto m = std::make_shared<Expr>(*named);
    m->metadata = a->metadata;  // Alias(..., explicitMetadata = the view schema's field's)
    p.exprs.push_back(m);
  }
  p.children = {analyzed};
  return make_plan(std::move(p));
}

std::optional<CatalogTable> SqlSession::find_table(const std::vector<std::string>& parts, json* error) {
  if (!catalog_) return std::nullopt;
  auto id = table_ident(parts);
  if (!id) return std::nullopt;
  auto t = catalog_->get_table(id->first, id->second);
  if (!t) {
    if (error) *error = plain_err(t.error_message());
    return std::nullopt;
  }
  return t.value();
}

// A persistent view: its text parsed and analysed in the database current at its creation, its
// columns renamed to the view's when the query's differ (CREATE VIEW v (a, b) AS …). A text that
// no longer analyses (a table it reads was dropped) comes back unresolved, so that the query
// reading the view fails with that error, as Spark's.
PlanPtr SqlSession::view_relation(const CatalogTable& t, const DataType& schema) {
  static thread_local int depth = 0;  // views of views; Spark refuses cycles when they are made
  auto parsed = parser::parse_statement(t.view_text, ids_);
  auto* st = std::get_if<parser::Statement>(&parsed);
  if (!st || st->kind != parser::StmtKind::Query || depth > 32) return nullptr;
  PlanPtr plan = st->plan;
  ++depth;
  const std::string saved_db = std::exchange(current_db_, t.view_db.empty() ? t.db : t.view_db);
  auto a = analyzed_tree(plan);
  if (auto* p = std::get_if<PlanPtr>(&a)) {
    std::vector<std::string> names;
    for (const auto& f : schema.fields) names.push_back(f.name);
    const DataType got = plan_schema(*p);
    bool same = got.fields.size() == names.size();
    for (size_t i = 0; same && i < names.size(); ++i) same = got.fields[i].name == names[i];
    if (same || got.fields.size() == names.size()) {
      current_db_ = saved_db;
      --depth;
      return view_node(qualified(t), view_columns(*p, ids_, names));
    }
  }
  current_db_ = saved_db;
  --depth;
  return plan;
}

// A catalog table as the file scan reading it (its schema as stored; a partitioned table reads
// its registered partitions' directories under the table's, as basePath). Its directory may be
// gone: the listing skips a catalog table's missing paths (resolve_sources, the driver's splits),
// as Spark's file index lists nothing under a missing root, so the table reads no rows.
PlanPtr SqlSession::table_relation(const CatalogTable& t) {
  auto schema = table_schema(t);
  if (!schema) return nullptr;
  if (t.type == "VIEW") return view_relation(t, schema.value());
  LogicalPlan s;
  s.kind = PlanKind::DataSource;
  s.name = t.provider;
  s.options = t.options;
  std::error_code ec;
  if (t.partition_columns.empty()) {
    s.paths = {t.location};
  } else {
    s.options.emplace_back("basePath", t.location);
    auto parts = catalog_->list_partitions(t.db, t.name);
    if (parts)
      for (const auto& p : parts.value())
        if (fs::is_directory(p.location, ec)) s.paths.push_back(p.location);
  }
  s.output_attrs = attrs_for_fields(schema.value().fields, ids_);
  s.data_attrs = s.output_attrs;
  s.partition_cols = static_cast<int>(t.partition_columns.size());
  s.flag = true;
  s.size_hint = dir_bytes(t.location);
  s.names = {"spark_catalog", t.db, t.name};
  return make_plan(std::move(s));
}

Status SqlSession::commit_table_write(const TableWrite& w) {
  if (!catalog_ || !w.table) return Status::ok();
  Catalog& c = *catalog_;
  const CatalogTable& t = *w.table;
  if (w.create) {
    auto r = c.create_table(t);
    if (!r) return r.status();
    if (!r.value())
      return Status::error(error_json(AnalysisError{"TABLE_OR_VIEW_ALREADY_EXISTS", "42P07", {{"relationName", qualified(t)}},
                                                    "[TABLE_OR_VIEW_ALREADY_EXISTS] Cannot create table or view " + qualified(t) +
                                                        " because it already exists.\nChoose a different name, drop or replace "
                                                        "the existing object, or add the IF NOT EXISTS clause to tolerate "
                                                        "pre-existing objects."},
                                      nullptr)
                               .dump());
  }
  if (Status st = sync_partitions(c, t, w.overwrite); !st) return st;
  if (auto rc = w.op.find("sparkppRecache"); rc != w.op.end() && rc->is_object()) {
    auto scan = analyzed_tree(unresolved_relation(rc->value("name", "")));
    if (auto* plan = std::get_if<PlanPtr>(&scan)) cache_plan(*plan, (*rc)["level"], rc->value("table", ""));
  }
  return Status::ok();
}

// The paths a plan reads (its file scans), to refuse overwriting a table a query reads.
static void scanned_paths(const PlanPtr& p, std::set<std::string>& out) {
  if (p->kind == PlanKind::DataSource) {
    for (const auto& path : p->paths) out.insert(absolute_path(path));
    for (const auto& [k, v] : p->options)
      if (ascii_lower(k) == "basepath") out.insert(absolute_path(v));
  }
  for (const auto& c : p->children) scanned_paths(c, out);
}

std::variant<TableWrite, json> SqlSession::plan_table_write(const json& op) {
  if (!catalog_) return plain_err("tables need the driver's catalog");
  const json& table = op["table"];
  const std::string name = table.value("tableName", "");
  const bool insert = table.value("saveMethod", "") == "TABLE_SAVE_METHOD_INSERT_INTO";
  auto parts = parse_identifier(name);
  if (!parts) return plain_err(parts.error_message());
  auto id = table_ident(*parts);
  if (!id) return err("REQUIRES_SINGLE_PART_NAMESPACE", "42K05",
                      "[REQUIRES_SINGLE_PART_NAMESPACE] spark_catalog requires a single-part namespace, but got " +
                          to_sql_id(std::vector<std::string>(parts->begin(), parts->end() - 1)) + ".");
  const auto& [db, tbl] = *id;
  auto dbe = catalog_->get_database(db);
  if (!dbe) return plain_err(dbe.error_message());
  if (!dbe.value()) return err(schema_not_found(db));
  json lookup_error;
  std::optional<CatalogTable> existing = find_table(*parts, &lookup_error);
  if (!lookup_error.is_null()) return lookup_error;
  std::string mode = op.value("mode", std::string("SAVE_MODE_ERROR_IF_EXISTS"));
  if (mode.empty() || mode == "SAVE_MODE_UNSPECIFIED") mode = "SAVE_MODE_ERROR_IF_EXISTS";
  if (existing && existing->type == "VIEW") {  // a view: insertInto and append refuse, overwrite replaces it
    if (insert)
      return err("_LEGACY_ERROR_TEMP_1010", "", "Inserting into a view is not allowed. View: " + qualified(*existing) + ".",
                 {{"identifier", qualified(*existing)}});
    if (mode == "SAVE_MODE_APPEND") return err("_LEGACY_ERROR_TEMP_1158", "", "Saving data into a view is not allowed.");
  }
  const json input = op.value("input", json::object());
  auto analyzed_input = analyzed(json{{"root", input}});
  if (auto* e = std::get_if<json>(&analyzed_input)) return *e;
  const DataType in_schema = plan_schema(std::get<PlanPtr>(analyzed_input));
  std::vector<std::string> part_cols = op.value("partitioningColumns", std::vector<std::string>{});

  TableWrite w;
  w.op = op;
  w.op.erase("table");
  w.op.erase("sparkppTableEntry");
  // bucketBy / sortBy: kept with a new table, refused by insertInto (Spark's checks).
  int num_buckets = 0;
  std::vector<std::string> bucket_cols, sort_cols = op.value("sortColumnNames", std::vector<std::string>{});
  if (auto b = op.find("bucketBy"); b != op.end() && b->is_object()) {
    num_buckets = b->value("numBuckets", 0);
    bucket_cols = b->value("bucketColumnNames", std::vector<std::string>{});
  }
  w.op.erase("bucketBy");
  w.op.erase("sortColumnNames");
  if (insert && num_buckets > 0) {
    const std::string what = sort_cols.empty() ? "bucketBy" : "bucketBy and sortBy";
    return err(sort_cols.empty() ? "_LEGACY_ERROR_TEMP_1312" : "_LEGACY_ERROR_TEMP_1313", "",
               "'insertInto' does not support " + what + " right now.", {{"operation", "insertInto"}});
  }
  if (!sort_cols.empty() && num_buckets == 0)
    return err("SORT_BY_WITHOUT_BUCKETING", "", "[SORT_BY_WITHOUT_BUCKETING] sortBy must be used together with bucketBy.");
  if (!bucket_cols.empty() && (num_buckets <= 0 || num_buckets > 100000))
    return err("_LEGACY_ERROR_TEMP_1083", "", "Number of buckets should be greater than 0 but less than or equal to "
               "bucketing.maxBuckets (`100000`). Got `" + std::to_string(num_buckets) + "`.",
               {{"bucketingMaxBuckets", "100000"}, {"numBuckets", std::to_string(num_buckets)}});
  // The table's cached scan (cacheTable, CACHE TABLE, spark.table(t).cache()) is dropped before
  // the write and registered again over the new files once it commits (Spark's refreshTable).
  if (existing && !cache_.empty() && mode != "SAVE_MODE_IGNORE") {
    auto scan = analyzed_tree(unresolved_relation(to_sql_id({existing->db, existing->name})));
    if (auto* plan = std::get_if<PlanPtr>(&scan))
      if (const CachedData* c = cache_.lookup(*plan)) {
        w.op["sparkppRecache"] = {{"level", c->level}, {"table", c->table}, {"name", to_sql_id({existing->db, existing->name})}};
        for (int id : cache_.remove(*plan)) dropped_caches_.push_back(id);
      }
  }
  auto as_write_of = [&](const CatalogTable& t, json new_input, const std::string& write_mode) {
    w.op["input"] = std::move(new_input);
    w.op["path"] = t.location;
    w.op["source"] = t.provider;
    w.op["mode"] = write_mode;
    json opts = json::object();
    for (const auto& [k, v] : t.options) opts[k] = v;
    w.op["options"] = opts;
    if (t.partition_columns.empty()) w.op.erase("partitioningColumns");
    else w.op["partitioningColumns"] = t.partition_columns;
  };
  auto reads_target = [&](const CatalogTable& t) {
    std::set<std::string> paths;
    scanned_paths(std::get<PlanPtr>(analyzed_input), paths);
    return paths.count(absolute_path(t.location)) > 0;
  };

  if (insert || (existing && mode == "SAVE_MODE_APPEND")) {
    if (!existing) return err(table_not_found(to_sql_id(*parts)));
    const CatalogTable& t = *existing;
    auto ts = table_schema(t);
    if (!ts) return plain_err(ts.error_message());
    const auto& tf = ts.value().fields;
    json cols = json::array();
    if (insert) {
      if (!part_cols.empty())
        return err("_LEGACY_ERROR_TEMP_1309", "",
                   "insertInto() can't be used together with partitionBy(). Partition columns have already been defined for "
                   "the table. It is not necessary to use partitionBy().");
      // By position; static partition values (INSERT … PARTITION (k = v)) fill their columns.
      std::map<std::string, std::string> statics;
      for (const auto& kv : op.value("staticPartitions", json::array()))
        if (kv.is_array() && kv.size() == 2) statics[ascii_lower(kv[0].get<std::string>())] = kv[1].is_string() ? kv[1].get<std::string>() : "";
      // INSERT INTO t (c, …): the listed columns take the query's, the others NULL.
      std::vector<std::string> listed;
      for (const auto& c : op.value("columns", std::vector<std::string>{})) {
        auto f = std::find_if(tf.begin(), tf.end(), [&](const StructField& x) { return same_name(x.name, c); });
        if (f == tf.end())
          return err(AnalysisError{"UNRESOLVED_COLUMN.WITHOUT_SUGGESTION", "42703", {{"objectName", to_sql_id({c})}},
                                   "[UNRESOLVED_COLUMN.WITHOUT_SUGGESTION] A column or function parameter with name " +
                                       to_sql_id({c}) + " cannot be resolved."});
        if (std::any_of(listed.begin(), listed.end(), [&](const std::string& x) { return same_name(x, f->name); }))
          return err("COLUMN_ALREADY_EXISTS", "42711", "[COLUMN_ALREADY_EXISTS] The column " + to_sql_id({ascii_lower(c)}) +
                     " already exists. Consider to choose another name or rename the existing column.", {{"columnName", to_sql_id({ascii_lower(c)})}});
        listed.push_back(f->name);
      }
      auto listed_at = [&](const std::string& name) -> int {
        for (size_t j = 0; j < listed.size(); ++j)
          if (same_name(listed[j], name)) return static_cast<int>(j);
        return -1;
      };
      size_t wanted = listed.empty() ? tf.size() - statics.size() : listed.size();
      if (in_schema.fields.size() != wanted) {
        std::string tcols, dcols;
        for (const auto& f : tf)
          if (!statics.count(ascii_lower(f.name)) && (listed.empty() || listed_at(f.name) >= 0))
            tcols += (tcols.empty() ? "" : ", ") + to_sql_id({f.name});
        for (const auto& f : in_schema.fields) dcols += (dcols.empty() ? "" : ", ") + to_sql_id({f.name});
        const bool few = in_schema.fields.size() < wanted;
        const std::string sub = few ? "NOT_ENOUGH_DATA_COLUMNS" : "TOO_MANY_DATA_COLUMNS";
        return err("INSERT_COLUMN_ARITY_MISMATCH." + sub, "21S01",
                   "[INSERT_COLUMN_ARITY_MISMATCH." + sub + "] Cannot write to " + qualified(t) + ", the reason is " +
                       (few ? "not enough" : "too many") + " data columns:\nTable columns: " + tcols + ".\nData columns: " + dcols + ".",
                   {{"tableName", qualified(t)}, {"tableColumns", tcols}, {"dataColumns", dcols}});
      }
      json names = json::array();
      for (size_t i = 0; i < in_schema.fields.size(); ++i) names.push_back("__c" + std::to_string(i));
      size_t next = 0;
      for (const auto& f : tf) {
        auto st = statics.find(ascii_lower(f.name));
        json e;
        DataType from = DataType::string();
        if (st != statics.end()) {
          e = {{"literal", {{"string", st->second}}}};
        } else if (!listed.empty() && listed_at(f.name) < 0) {
          e = {{"literal", {{"null", {{"null", json::object()}}}}}};
          from = DataType::null();
        } else {
          const size_t k = listed.empty() ? next++ : static_cast<size_t>(listed_at(f.name));
          e = attr("__c" + std::to_string(k));
          from = in_schema.fields[k].type;
        }
        cols.push_back(alias(from.same_type(f.type) ? e : cast_to(e, f.type), f.name));
      }
      json renamed = {{"toDf", {{"input", input}, {"columnNames", names}}}};
      if (mode == "SAVE_MODE_OVERWRITE" && reads_target(t))
        return err("UNSUPPORTED_OVERWRITE.TABLE", "", "[UNSUPPORTED_OVERWRITE.TABLE] Can't overwrite the target that is also "
                   "being read from. The target table is " + qualified(t) + ".", {{"table", qualified(t)}});
      as_write_of(t, {{"project", {{"input", renamed}, {"expressions", cols}}}}, "SAVE_MODE_APPEND");
      if (mode == "SAVE_MODE_OVERWRITE" && !t.partition_columns.empty() &&
          ascii_lower(op.value("partitionOverwriteMode", std::string())) == "dynamic") {
        // Dynamic overwrite: only the partitions the query writes are replaced; the driver
        // removes their older files once the new ones are committed.
        w.op["sparkppReplaceWrittenPartitions"] = true;
      } else if (mode == "SAVE_MODE_OVERWRITE") {
        // Static overwrite: the partitions the static values name (all when none) are replaced.
        std::string prefix;
        for (const auto& c : t.partition_columns) {
          auto st = statics.find(ascii_lower(c));
          if (st == statics.end()) break;
          prefix += (prefix.empty() ? "" : "/") + c + "=" + (st->second.empty() ? "__HIVE_DEFAULT_PARTITION__" : escape_path_name(st->second));
        }
        if (prefix.empty()) {
          w.op["mode"] = "SAVE_MODE_OVERWRITE";
        } else {
          std::error_code ec;
          fs::remove_all(fs::path(t.location) / prefix, ec);
        }
      }
    } else {
      // saveAsTable append: by name, as Spark's PreprocessTableCreation.
      const std::string source = ascii_lower(op.value("source", std::string()));
      if (!source.empty() && source != ascii_lower(t.provider))
        return err("_LEGACY_ERROR_TEMP_1159", "", "The format of the existing table " + t.db + "." + t.name + " is `" + t.provider +
                   "`. It doesn't match the specified format `" + source + "`.");
      if (in_schema.fields.size() != tf.size())
        return err("_LEGACY_ERROR_TEMP_1161", "", "The column number of the existing table " + qualified(t) + "(" +
                   ts.value().catalog_string() + ") doesn't match the data schema(" + in_schema.catalog_string() + ")");
      if (!part_cols.empty()) {
        bool same = part_cols.size() == t.partition_columns.size();
        for (size_t i = 0; same && i < part_cols.size(); ++i) same = same_name(part_cols[i], t.partition_columns[i]);
        if (!same) {
          std::string a, b;
          for (const auto& c : part_cols) a += (a.empty() ? "" : ", ") + c;
          for (const auto& c : t.partition_columns) b += (b.empty() ? "" : ", ") + c;
          return err("_LEGACY_ERROR_TEMP_1163", "", "Specified partitioning does not match that of the existing table " + qualified(t) +
                     ".\nSpecified partition columns: [" + a + "].\nExisting partition columns: [" + b + "].");
        }
      }
      for (const auto& f : tf) {
        const StructField* in = nullptr;
        for (const auto& g : in_schema.fields)
          if (same_name(g.name, f.name)) in = &g;
        if (!in) {
          std::string names;
          for (const auto& g : in_schema.fields) names += (names.empty() ? "" : ", ") + g.name;
          return err("_LEGACY_ERROR_TEMP_1162", "", "Cannot resolve '" + f.name + "' given input columns: [" + names + "].");
        }
        cols.push_back(alias(in->type.same_type(f.type) ? attr(in->name) : cast_to(attr(in->name), f.type), f.name));
      }
      as_write_of(t, {{"project", {{"input", input}, {"expressions", cols}}}}, "SAVE_MODE_APPEND");
    }
    if (t.num_buckets > 0) bucket_write(w.op, t);
    w.table = t;  // not created: its partitions registered after the write
    w.overwrite = mode == "SAVE_MODE_OVERWRITE";
    return w;
  }

  if (existing) {
    if (mode == "SAVE_MODE_IGNORE") {
      w.skip = true;
      return w;
    }
    if (mode == "SAVE_MODE_ERROR_IF_EXISTS") return err(already_exists(db, tbl));
    // Overwrite: the old table is dropped (a managed one's data too), then created anew.
    if (reads_target(*existing))
      return err("UNSUPPORTED_OVERWRITE.TABLE", "", "[UNSUPPORTED_OVERWRITE.TABLE] Can't overwrite the target that is also being "
                 "read from. The target table is " + qualified(*existing) + ".", {{"table", qualified(*existing)}});
    if (Status st = drop_table_and_data(*catalog_, *existing); !st) return plain_err(st.message());
  }
  CatalogTable t;
  t.db = db;
  t.name = tbl;
  t.provider = ascii_lower(op.value("source", std::string("parquet")));
  std::string path;
  if (auto it = op.find("options"); it != op.end() && it->is_object())
    for (auto o = it->begin(); o != it->end(); ++o) {
      std::string v = o->is_string() ? o->get<std::string>() : o->dump();
      if (ascii_lower(o.key()) == "path") path = v;
      else t.options.emplace_back(o.key(), v);
    }
  if (!path.empty()) {
    t.type = "EXTERNAL";
    t.location = absolute_path(path);
  } else {
    auto loc = catalog_->default_location(db, tbl);
    if (!loc) return plain_err(loc.error_message());
    t.location = loc.value();
    if (non_empty_dir(t.location)) return err(location_exists(db, tbl, t.location));
    mode = "SAVE_MODE_OVERWRITE";  // an empty directory or none
  }
  // The table's schema: the query's, nullable, partition columns last (in partitionBy order).
  std::vector<StructField> data, parts_f;
  for (const auto& pc : part_cols) {
    bool found = false;
    for (const auto& f : in_schema.fields)
      if (same_name(f.name, pc)) {
        parts_f.push_back({f.name, f.type, true, f.metadata});
        t.partition_columns.push_back(f.name);
        found = true;
        break;
      }
    if (!found) return plain_err("Partition column `" + pc + "` not found in schema " + in_schema.catalog_string());
  }
  for (const auto& f : in_schema.fields)
    if (std::none_of(t.partition_columns.begin(), t.partition_columns.end(), [&](const std::string& c) { return same_name(c, f.name); }))
      data.push_back({f.name, f.type, true, f.metadata});
  data.insert(data.end(), parts_f.begin(), parts_f.end());
  t.schema = type_to_json(DataType::structure(data)).dump();
  // Bucket and sort columns: data columns, named as the schema names them.
  auto spec_column = [&](const std::string& c) -> std::optional<std::string> {
    for (const auto& f : data)
      if (same_name(f.name, c) && std::none_of(t.partition_columns.begin(), t.partition_columns.end(),
                                               [&](const std::string& p) { return same_name(p, f.name); }))
        return f.name;
    return std::nullopt;
  };
  for (const auto& c : bucket_cols) {
    auto n = spec_column(c);
    if (!n) return plain_err("bucket column " + c + " is not defined in table " + qualified(t) + ", defined table columns are: " +
                             in_schema.catalog_string());
    t.bucket_columns.push_back(*n);
  }
  for (const auto& c : sort_cols) {
    auto n = spec_column(c);
    if (!n) return plain_err("sort column " + c + " is not defined in table " + qualified(t) + ", defined table columns are: " +
                             in_schema.catalog_string());
    t.sort_columns.push_back(*n);
  }
  t.num_buckets = bucket_cols.empty() ? 0 : num_buckets;
  w.op["path"] = t.location;
  w.op["source"] = t.provider;
  w.op["mode"] = mode;
  if (!t.partition_columns.empty()) w.op["partitioningColumns"] = t.partition_columns;
  if (auto it = w.op.find("options"); it != w.op.end() && it->is_object()) {
    json opts = json::object();
    for (auto o = it->begin(); o != it->end(); ++o)
      if (ascii_lower(o.key()) != "path") opts[o.key()] = *o;
    w.op["options"] = opts;
  }
  if (auto e = op.find("sparkppTableEntry"); e != op.end() && e->is_object()) {  // CREATE TABLE … COMMENT / TBLPROPERTIES AS
    t.comment = e->value("comment", "");
    for (const auto& kv : e->value("properties", json::array()))
      if (kv.is_array() && kv.size() == 2) t.properties.emplace_back(kv[0].get<std::string>(), kv[1].get<std::string>());
  }
  if (t.num_buckets > 0) bucket_write(w.op, t);
  w.table = t;
  w.create = true;
  w.overwrite = true;
  return w;
}

// SHOW TABLES' rows (namespace, tableName, isTemporary) or listTables' (name, catalog,
// namespace, description, tableType, isTemporary): the database's tables, then temp views.
}  // namespace spp::sql
