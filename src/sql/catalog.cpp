// The table catalog in SQLite (see catalog.h). One connection per Catalog, opened on first use;
// other processes share the file through SQLite's locking (busy timeout, immediate
// transactions for read-modify-write changes).
#include "sql/catalog.h"
#include "common/strings.h"

#include <sqlite3.h>

#include <chrono>
#include <filesystem>

#include <nlohmann/json.hpp>

namespace spp::sql {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// One prepared statement; text columns by index, parameters bound in order.
class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &st_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(st_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  Stmt& bind(const std::string& v) {
    sqlite3_bind_text(st_, ++n_, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int64_t v) {
    sqlite3_bind_int64(st_, ++n_, v);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE, or an error code.
  int step() { return rc_ = sqlite3_step(st_); }
  std::string text(int col) const {
    const unsigned char* t = sqlite3_column_text(st_, col);
    return t ? std::string(reinterpret_cast<const char*>(t)) : std::string();
  }
  int64_t integer(int col) const { return sqlite3_column_int64(st_, col); }
  std::string error() const { return sqlite3_errmsg(db_); }
  int code() const { return rc_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
  int rc_ = SQLITE_OK;
  int n_ = 0;
};

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS databases(name TEXT PRIMARY KEY, description TEXT NOT NULL, location TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS tables(db TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, provider TEXT NOT NULL,"
    " location TEXT NOT NULL, schema TEXT NOT NULL, partition_columns TEXT NOT NULL, options TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL, extra TEXT NOT NULL DEFAULT '{}', PRIMARY KEY(db, name));"
    "CREATE TABLE IF NOT EXISTS partitions(db TEXT NOT NULL, tbl TEXT NOT NULL, spec TEXT NOT NULL, location TEXT NOT NULL,"
    " PRIMARY KEY(db, tbl, spec));";

constexpr const char* kTableColumns = "db, name, type, provider, location, schema, partition_columns, options, created_ms, extra";

json pairs_json(const std::vector<std::pair<std::string, std::string>>& kvs) {
  json a = json::array();
  for (const auto& [k, v] : kvs) a.push_back({k, v});
  return a;
}

std::vector<std::pair<std::string, std::string>> pairs_from(const json& a) {
  std::vector<std::pair<std::string, std::string>> out;
  if (a.is_array())
    for (const auto& kv : a)
      if (kv.is_array() && kv.size() == 2 && kv[0].is_string() && kv[1].is_string())
        out.emplace_back(kv[0].get<std::string>(), kv[1].get<std::string>());
  return out;
}

// The `extra` column: what later versions added to a table's entry (comment, properties, a
// view's text, the bucket spec), as one JSON object so that older catalogs read as empty.
std::string extra_json(const CatalogTable& t) {
  json e = json::object();
  if (!t.comment.empty()) e["comment"] = t.comment;
  if (!t.properties.empty()) e["properties"] = pairs_json(t.properties);
  if (!t.view_text.empty()) e["viewText"] = t.view_text;
  if (!t.view_db.empty()) e["viewDb"] = t.view_db;
  if (t.num_buckets > 0) e["bucket"] = {{"n", t.num_buckets}, {"by", t.bucket_columns}, {"sort", t.sort_columns}};
  return e.dump();
}

CatalogTable table_from(const Stmt& s) {
  CatalogTable t;
  t.db = s.text(0);
  t.name = s.text(1);
  t.type = s.text(2);
  t.provider = s.text(3);
  t.location = s.text(4);
  t.schema = s.text(5);
  json pc = json::parse(s.text(6), nullptr, false);
  if (pc.is_array())
    for (const auto& c : pc) t.partition_columns.push_back(c.is_string() ? c.get<std::string>() : c.dump());
  t.options = pairs_from(json::parse(s.text(7), nullptr, false));
  t.created_ms = s.integer(8);
  json e = json::parse(s.text(9), nullptr, false);
  if (e.is_object()) {
    t.comment = e.value("comment", "");
    t.properties = pairs_from(e.value("properties", json::array()));
    t.view_text = e.value("viewText", "");
    t.view_db = e.value("viewDb", "");
    if (auto b = e.find("bucket"); b != e.end() && b->is_object()) {
      t.num_buckets = b->value("n", 0);
      t.bucket_columns = b->value("by", std::vector<std::string>{});
      t.sort_columns = b->value("sort", std::vector<std::string>{});
    }
  }
  return t;
}

// A transaction that rolls back unless committed (BEGIN IMMEDIATE: the write lock up front, so
// a check-then-write sequence cannot interleave with another process's).
class Txn {
 public:
  explicit Txn(sqlite3* db) : db_(db) { ok_ = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK; }
  ~Txn() {
    if (ok_ && !done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  bool ok() const { return ok_; }
  bool commit() {
    done_ = true;
    return sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK;
  }

 private:
  sqlite3* db_;
  bool ok_ = false, done_ = false;
};

}  // namespace

Catalog::Catalog(std::string warehouse) : warehouse_(std::move(warehouse)), path_((fs::path(warehouse_) / kFile).string()) {}

Catalog::~Catalog() {
  if (db_) sqlite3_close(db_);
}

Result<bool> Catalog::open(bool create) {
  if (db_) return true;
  std::error_code ec;
  if (!create && !fs::exists(path_, ec)) return false;
  if (create) {
    fs::create_directories(warehouse_, ec);
    if (ec) return Result<bool>::error("cannot create the warehouse directory " + warehouse_ + ": " + ec.message());
  }
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(path_.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string m = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Result<bool>::error("cannot open the catalog " + path_ + ": " + m);
  }
  sqlite3_busy_timeout(db, 30000);
  db_ = db;
  Status st = exec(kSchema);
  if (st) {  // a catalog from before the `extra` column gets it (another process may race: fine)
    bool missing = false;
    {
      Stmt has(db_, "SELECT count(*) FROM pragma_table_info('tables') WHERE name = 'extra'");
      missing = has.ok() && has.step() == SQLITE_ROW && has.integer(0) == 0;
    }
    if (missing) {
      st = exec("ALTER TABLE tables ADD COLUMN extra TEXT NOT NULL DEFAULT '{}'");
      if (!st && st.message().find("duplicate column") != std::string::npos) st = Status::ok();
    }
  }
  if (!st) {
    sqlite3_close(db_);
    db_ = nullptr;
    return Result<bool>::error(st.message());
  }
  return true;
}

Status Catalog::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::error("catalog " + path_ + ": " + m);
  }
  return Status::ok();
}

Result<std::optional<CatalogDatabase>> Catalog::get_database(const std::string& name_in) {
  using R = Result<std::optional<CatalogDatabase>>;
  const std::string name = ascii_lower(name_in);
  auto o = open(false);
  if (!o) return R::error(o.error_message());
  if (o.value()) {
    Stmt s(db_, "SELECT name, description, location FROM databases WHERE name = ?");
    if (!s.ok()) return R::error("catalog " + path_ + ": " + s.error());
    s.bind(name);
    if (s.step() == SQLITE_ROW) return std::optional<CatalogDatabase>(CatalogDatabase{s.text(0), s.text(1), s.text(2)});
    if (s.code() != SQLITE_DONE) return R::error("catalog " + path_ + ": " + s.error());
  }
  if (name == "default") return std::optional<CatalogDatabase>(CatalogDatabase{"default", "default database", warehouse_});
  return std::optional<CatalogDatabase>();
}

Result<std::vector<CatalogDatabase>> Catalog::list_databases() {
  using R = Result<std::vector<CatalogDatabase>>;
  std::vector<CatalogDatabase> out{{"default", "default database", warehouse_}};
  auto o = open(false);
  if (!o) return R::error(o.error_message());
  if (!o.value()) return out;
  Stmt s(db_, "SELECT name, description, location FROM databases WHERE name <> 'default' ORDER BY name");
  if (!s.ok()) return R::error("catalog " + path_ + ": " + s.error());
  while (s.step() == SQLITE_ROW) out.push_back({s.text(0), s.text(1), s.text(2)});
  if (s.code() != SQLITE_DONE) return R::error("catalog " + path_ + ": " + s.error());
  return out;
}

Result<bool> Catalog::create_database(CatalogDatabase d) {
  d.name = ascii_lower(d.name);
  if (d.name == "default") return false;
  if (d.location.empty()) d.location = (fs::path(warehouse_) / (d.name + ".db")).string();
  auto o = open(true);
  if (!o) return o;
  Stmt s(db_, "INSERT OR IGNORE INTO databases(name, description, location) VALUES (?, ?, ?)");
  if (!s.ok()) return Result<bool>::error("catalog " + path_ + ": " + s.error());
  s.bind(d.name).bind(d.description).bind(d.location);
  if (s.step() != SQLITE_DONE) return Result<bool>::error("catalog " + path_ + ": " + s.error());
  if (sqlite3_changes(db_) == 0) return false;
  std::error_code ec;
  fs::create_directories(d.location, ec);  // Spark creates the database's directory at once
  return true;
}

Result<bool> Catalog::drop_database(const std::string& name_in, bool cascade) {
  const std::string name = ascii_lower(name_in);
  auto o = open(false);
  if (!o || !o.value()) return o;
  Txn txn(db_);
  if (!txn.ok()) return Result<bool>::error("catalog " + path_ + ": " + sqlite3_errmsg(db_));
  {
    Stmt n(db_, "SELECT count(*) FROM tables WHERE db = ?");
    n.bind(name);
    if (n.step() != SQLITE_ROW) return Result<bool>::error("catalog " + path_ + ": " + n.error());
    if (n.integer(0) > 0 && !cascade) return Result<bool>::error("SCHEMA_NOT_EMPTY");
  }
  for (const char* q : {"DELETE FROM partitions WHERE db = ?", "DELETE FROM tables WHERE db = ?", "DELETE FROM databases WHERE name = ?"}) {
    Stmt s(db_, q);
    s.bind(name);
    if (s.step() != SQLITE_DONE) return Result<bool>::error("catalog " + path_ + ": " + s.error());
  }
  const bool dropped = sqlite3_changes(db_) > 0;
  if (!txn.commit()) return Result<bool>::error("catalog " + path_ + ": " + sqlite3_errmsg(db_));
  return dropped;
}

Result<std::string> Catalog::default_location(const std::string& db, const std::string& table) {
  if (ascii_lower(db) == "default") return (fs::path(warehouse_) / ascii_lower(table)).string();
  auto d = get_database(db);
  if (!d) return Result<std::string>::error(d.error_message());
  const std::string base = d.value() ? d.value()->location : (fs::path(warehouse_) / (ascii_lower(db) + ".db")).string();
  return (fs::path(base) / ascii_lower(table)).string();
}

Result<std::optional<CatalogTable>> Catalog::get_table(const std::string& db, const std::string& name) {
  using R = Result<std::optional<CatalogTable>>;
  auto o = open(false);
  if (!o) return R::error(o.error_message());
  if (!o.value()) return std::optional<CatalogTable>();
  Stmt s(db_, std::string("SELECT ") + kTableColumns + " FROM tables WHERE db = ? AND name = ?");
  if (!s.ok()) return R::error("catalog " + path_ + ": " + s.error());
  s.bind(ascii_lower(db)).bind(ascii_lower(name));
  if (s.step() == SQLITE_ROW) return std::optional<CatalogTable>(table_from(s));
  if (s.code() != SQLITE_DONE) return R::error("catalog " + path_ + ": " + s.error());
  return std::optional<CatalogTable>();
}

Result<std::vector<CatalogTable>> Catalog::list_tables(const std::string& db) {
  using R = Result<std::vector<CatalogTable>>;
  std::vector<CatalogTable> out;
  auto o = open(false);
  if (!o) return R::error(o.error_message());
  if (!o.value()) return out;
  Stmt s(db_, std::string("SELECT ") + kTableColumns + " FROM tables WHERE db = ? ORDER BY name");
  if (!s.ok()) return R::error("catalog " + path_ + ": " + s.error());
  s.bind(ascii_lower(db));
  while (s.step() == SQLITE_ROW) out.push_back(table_from(s));
  if (s.code() != SQLITE_DONE) return R::error("catalog " + path_ + ": " + s.error());
  return out;
}

Result<bool> Catalog::create_table(const CatalogTable& t) {
  auto o = open(true);
  if (!o) return o;
  const int64_t now = t.created_ms ? t.created_ms
                                   : std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::system_clock::now().time_since_epoch()).count();
  Stmt s(db_, std::string("INSERT OR IGNORE INTO tables(") + kTableColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!s.ok()) return Result<bool>::error("catalog " + path_ + ": " + s.error());
  s.bind(ascii_lower(t.db)).bind(ascii_lower(t.name)).bind(t.type).bind(ascii_lower(t.provider)).bind(t.location).bind(t.schema)
      .bind(json(t.partition_columns).dump()).bind(pairs_json(t.options).dump()).bind(now).bind(extra_json(t));
  if (s.step() != SQLITE_DONE) return Result<bool>::error("catalog " + path_ + ": " + s.error());
  return sqlite3_changes(db_) > 0;
}

Status Catalog::update_table(const CatalogTable& t) {
  auto o = open(true);
  if (!o) return o.status();
  Stmt s(db_, "UPDATE tables SET type = ?, provider = ?, location = ?, schema = ?, partition_columns = ?, options = ?, extra = ? "
              "WHERE db = ? AND name = ?");
  if (!s.ok()) return Status::error("catalog " + path_ + ": " + s.error());
  s.bind(t.type).bind(ascii_lower(t.provider)).bind(t.location).bind(t.schema).bind(json(t.partition_columns).dump())
      .bind(pairs_json(t.options).dump()).bind(extra_json(t)).bind(ascii_lower(t.db)).bind(ascii_lower(t.name));
  if (s.step() != SQLITE_DONE) return Status::error("catalog " + path_ + ": " + s.error());
  return Status::ok();
}

Result<std::optional<CatalogTable>> Catalog::drop_table(const std::string& db, const std::string& name) {
  using R = Result<std::optional<CatalogTable>>;
  auto o = open(false);
  if (!o) return R::error(o.error_message());
  if (!o.value()) return std::optional<CatalogTable>();
  Txn txn(db_);
  if (!txn.ok()) return R::error("catalog " + path_ + ": " + sqlite3_errmsg(db_));
  std::optional<CatalogTable> found;
  {
    Stmt s(db_, std::string("SELECT ") + kTableColumns + " FROM tables WHERE db = ? AND name = ?");
    s.bind(ascii_lower(db)).bind(ascii_lower(name));
    if (s.step() == SQLITE_ROW) found = table_from(s);
    else if (s.code() != SQLITE_DONE) return R::error("catalog " + path_ + ": " + s.error());
  }
  if (!found) return found;
  for (const char* q : {"DELETE FROM partitions WHERE db = ? AND tbl = ?", "DELETE FROM tables WHERE db = ? AND name = ?"}) {
    Stmt s(db_, q);
    s.bind(ascii_lower(db)).bind(ascii_lower(name));
    if (s.step() != SQLITE_DONE) return R::error("catalog " + path_ + ": " + s.error());
  }
  if (!txn.commit()) return R::error("catalog " + path_ + ": " + sqlite3_errmsg(db_));
  return found;
}

Result<bool> Catalog::add_partition(const std::string& db, const std::string& table, const CatalogPartition& p) {
  auto o = open(true);
  if (!o) return o;
  Stmt s(db_, "INSERT OR IGNORE INTO partitions(db, tbl, spec, location) VALUES (?, ?, ?, ?)");
  if (!s.ok()) return Result<bool>::error("catalog " + path_ + ": " + s.error());
  s.bind(ascii_lower(db)).bind(ascii_lower(table)).bind(p.spec).bind(p.location);
  if (s.step() != SQLITE_DONE) return Result<bool>::error("catalog " + path_ + ": " + s.error());
  return sqlite3_changes(db_) > 0;
}

Result<std::vector<CatalogPartition>> Catalog::list_partitions(const std::string& db, const std::string& table) {
  using R = Result<std::vector<CatalogPartition>>;
  std::vector<CatalogPartition> out;
  auto o = open(false);
  if (!o) return R::error(o.error_message());
  if (!o.value()) return out;
  Stmt s(db_, "SELECT spec, location FROM partitions WHERE db = ? AND tbl = ? ORDER BY spec");
  if (!s.ok()) return R::error("catalog " + path_ + ": " + s.error());
  s.bind(ascii_lower(db)).bind(ascii_lower(table));
  while (s.step() == SQLITE_ROW) out.push_back({s.text(0), s.text(1)});
  if (s.code() != SQLITE_DONE) return R::error("catalog " + path_ + ": " + s.error());
  return out;
}

Status Catalog::drop_partition(const std::string& db, const std::string& table, const std::string& spec) {
  auto o = open(false);
  if (!o) return o.status();
  if (!o.value()) return Status::ok();
  Stmt s(db_, "DELETE FROM partitions WHERE db = ? AND tbl = ? AND spec = ?");
  if (!s.ok()) return Status::error("catalog " + path_ + ": " + s.error());
  s.bind(ascii_lower(db)).bind(ascii_lower(table)).bind(spec);
  if (s.step() != SQLITE_DONE) return Status::error("catalog " + path_ + ": " + s.error());
  return Status::ok();
}

std::vector<std::pair<std::string, std::string>> split_partition_spec(const std::string& spec) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t b = 0;
  while (b < spec.size()) {
    size_t e = spec.find('/', b);
    std::string piece = spec.substr(b, e == std::string::npos ? std::string::npos : e - b);
    size_t eq = piece.find('=');
    if (eq != std::string::npos) out.emplace_back(piece.substr(0, eq), piece.substr(eq + 1));
    if (e == std::string::npos) break;
    b = e + 1;
  }
  return out;
}

}  // namespace spp::sql
