// Spark SQL data types: names, equality, JSON forms and the printSchema tree. DDL parsing is in
// type_ddl.cpp.
#include "sql/types.h"

#include <nlohmann/json.hpp>

#include <regex>

namespace spp::sql {
using nlohmann::json;

DataType DataType::decimal(int p, int s) {
  DataType t; t.id = TypeId::Decimal; t.precision = p; t.scale = s; return t;
}
DataType DataType::array(DataType element, bool contains_null) {
  DataType t; t.id = TypeId::Array; t.contains_null = contains_null;
  t.children.push_back(std::move(element));
  return t;
}
DataType DataType::map(DataType key, DataType value, bool value_contains_null) {
  DataType t; t.id = TypeId::Map; t.contains_null = value_contains_null;
  t.children.push_back(std::move(key));
  t.children.push_back(std::move(value));
  return t;
}
DataType DataType::structure(std::vector<StructField> fields) {
  DataType t; t.id = TypeId::Struct; t.fields = std::move(fields); return t;
}

bool DataType::operator==(const DataType& o) const {
  if (id != o.id) return false;
  switch (id) {
    case TypeId::Decimal: case TypeId::DayTimeInterval: case TypeId::YearMonthInterval:
      return precision == o.precision && scale == o.scale;
    case TypeId::Array: case TypeId::Map:
      return contains_null == o.contains_null && children == o.children;
    case TypeId::Struct: return fields == o.fields;
    default: return true;
  }
}

bool DataType::same_type(const DataType& o) const {
  if (id != o.id) return false;
  switch (id) {
    case TypeId::Decimal: return precision == o.precision && scale == o.scale;
    case TypeId::Array: case TypeId::Map:
      for (size_t i = 0; i < children.size(); ++i)
        if (!children[i].same_type(o.children[i])) return false;
      return true;
    case TypeId::Struct:
      if (fields.size() != o.fields.size()) return false;
      for (size_t i = 0; i < fields.size(); ++i)
        if (fields[i].name != o.fields[i].name || !fields[i].type.same_type(o.fields[i].type)) return false;
      return true;
    default: return true;
  }
}

static std::string dec_str(const char* name, int p, int s) {
  return std::string(name) + "(" + std::to_string(p) + "," + std::to_string(s) + ")";
}

// Atomic names: {typeName, simpleString}.
static std::pair<const char*, const char*> atomic_names(TypeId id) {
  switch (id) {
    case TypeId::Null: return {"void", "void"};
    case TypeId::Boolean: return {"boolean", "boolean"};
    case TypeId::Byte: return {"byte", "tinyint"};
    case TypeId::Short: return {"short", "smallint"};
    case TypeId::Int: return {"integer", "int"};
    case TypeId::Long: return {"long", "bigint"};
    case TypeId::Float: return {"float", "float"};
    case TypeId::Double: return {"double", "double"};
    case TypeId::String: return {"string", "string"};
    case TypeId::Binary: return {"binary", "binary"};
    case TypeId::Date: return {"date", "date"};
    case TypeId::Timestamp: return {"timestamp", "timestamp"};
    case TypeId::TimestampNtz: return {"timestamp_ntz", "timestamp_ntz"};
    case TypeId::DayTimeInterval: return {"interval day to second", "interval day to second"};
    case TypeId::YearMonthInterval: return {"interval year to month", "interval year to month"};
    case TypeId::CalendarInterval: return {"interval", "interval"};
    case TypeId::Array: return {"array", "array"};
    case TypeId::Map: return {"map", "map"};
    case TypeId::Struct: return {"struct", "struct"};
    case TypeId::Decimal: return {"decimal", "decimal"};
  }
  return {"?", "?"};
}

static const char* const kDayTimeUnits[] = {"day", "hour", "minute", "second"};
static const char* const kYearMonthUnits[] = {"year", "month"};

std::string interval_type_name(TypeId id, int start, int end) {
  if (id == TypeId::CalendarInterval) return "interval";
  const char* const* units = id == TypeId::YearMonthInterval ? kYearMonthUnits : kDayTimeUnits;
  int n = id == TypeId::YearMonthInterval ? 2 : 4;
  if (start < 0 || start >= n) start = 0;
  if (end < start || end >= n) end = n - 1;
  std::string s = std::string("interval ") + units[start];
  if (end != start) s += std::string(" to ") + units[end];
  return s;
}

bool parse_interval_type_name(std::string_view s, DataType* out) {
  std::string t;
  for (char c : s) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "interval") { *out = DataType::calendar_interval(); return true; }
  if (t.rfind("interval ", 0) != 0) return false;
  std::string rest = t.substr(9), a = rest, b;
  if (auto p = rest.find(" to "); p != std::string::npos) { a = rest.substr(0, p); b = rest.substr(p + 4); }
  auto idx = [](const char* const* units, int n, const std::string& u) {
    for (int i = 0; i < n; ++i) if (u == units[i]) return i;
    return -1;
  };
  for (int ym = 0; ym < 2; ++ym) {
    const char* const* units = ym ? kYearMonthUnits : kDayTimeUnits;
    int n = ym ? 2 : 4;
    int st = idx(units, n, a), en = b.empty() ? st : idx(units, n, b);
    if (st < 0 || en < st) continue;
    *out = ym ? DataType::year_month_interval(st, en) : DataType::day_time_interval(st, en);
    return true;
  }
  return false;
}

std::string DataType::type_name() const {
  if (id == TypeId::Decimal) return dec_str("decimal", precision, scale);
  if (id == TypeId::DayTimeInterval || id == TypeId::YearMonthInterval) return interval_type_name(id, precision, interval_end());
  return atomic_names(id).first;
}

std::string DataType::simple_string() const {
  switch (id) {
    case TypeId::Decimal: return dec_str("decimal", precision, scale);
    case TypeId::DayTimeInterval: case TypeId::YearMonthInterval: return interval_type_name(id, precision, interval_end());
    case TypeId::Array: return "array<" + element().simple_string() + ">";
    case TypeId::Map: return "map<" + key().simple_string() + "," + value().simple_string() + ">";
    case TypeId::Struct: {
      std::string s = "struct<";
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i) s += ",";
        s += fields[i].name + ":" + fields[i].type.simple_string();
      }
      return s + ">";
    }
    default: return atomic_names(id).second;
  }
}

std::string DataType::catalog_string() const {
  switch (id) {
    case TypeId::Array: return "array<" + element().catalog_string() + ">";
    case TypeId::Map: return "map<" + key().catalog_string() + "," + value().catalog_string() + ">";
    case TypeId::Struct: {
      std::string s = "struct<";
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i) s += ",";
        s += quote_if_needed(fields[i].name) + ":" + fields[i].type.catalog_string();
      }
      return s + ">";
    }
    default: return simple_string();
  }
}

static std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string DataType::sql() const {
  switch (id) {
    case TypeId::Decimal: return dec_str("DECIMAL", precision, scale);
    case TypeId::DayTimeInterval: case TypeId::YearMonthInterval: return upper(interval_type_name(id, precision, interval_end()));
    case TypeId::Array: return "ARRAY<" + element().sql() + ">";
    case TypeId::Map: return "MAP<" + key().sql() + ", " + value().sql() + ">";
    case TypeId::Struct: {
      std::string s = "STRUCT<";
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i) s += ", ";
        s += quote_if_needed(fields[i].name) + ": " + fields[i].type.sql() + (fields[i].nullable ? "" : " NOT NULL");
      }
      return s + ">";
    }
    default: return upper(atomic_names(id).second);
  }
}

std::string DataType::to_ddl() const {
  if (id != TypeId::Struct) return sql();
  std::string s;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) s += ",";
    s += quote_if_needed(fields[i].name) + " " + fields[i].type.sql() + (fields[i].nullable ? "" : " NOT NULL");
  }
  return s;
}

// StructField.scala escapeMetaCharacters: control characters shown as backslash escapes.
static std::string escape_meta(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '\n': o += "\\n"; break;
      case '\r': o += "\\r"; break;
      case '\t': o += "\\t"; break;
      case '\f': o += "\\f"; break;
      case '\b': o += "\\b"; break;
      case '\v': o += "\\v"; break;
      case '\a': o += "\\a"; break;
      default: o += c;
    }
  }
  return o;
}

static void build_tree(const DataType& t, const std::string& prefix, std::string& out) {
  switch (t.id) {
    case TypeId::Struct:
      for (const auto& f : t.fields) {
        out += prefix + "-- " + escape_meta(f.name) + ": " + f.type.type_name() +
               " (nullable = " + (f.nullable ? "true" : "false") + ")\n";
        build_tree(f.type, prefix + "    |", out);
      }
      break;
    case TypeId::Array:
      out += prefix + "-- element: " + t.element().type_name() + " (containsNull = " +
             (t.contains_null ? "true" : "false") + ")\n";
      build_tree(t.element(), prefix + "    |", out);
      break;
    case TypeId::Map:
      out += prefix + "-- key: " + t.key().type_name() + "\n";
      build_tree(t.key(), prefix + "    |", out);
      out += prefix + "-- value: " + t.value().type_name() + " (valueContainsNull = " +
             (t.contains_null ? "true" : "false") + ")\n";
      build_tree(t.value(), prefix + "    |", out);
      break;
    default: break;
  }
}

std::string DataType::tree_string() const {
  std::string out = "root\n";
  build_tree(*this, " |", out);
  return out;
}

bool DataType::is_numeric() const { return id >= TypeId::Byte && id <= TypeId::Decimal; }
bool DataType::is_integral() const { return id >= TypeId::Byte && id <= TypeId::Long; }
bool DataType::is_fractional() const { return id >= TypeId::Float && id <= TypeId::Decimal; }
bool DataType::is_atomic() const { return id != TypeId::Null && !is_complex(); }

int64_t DataType::default_size() const {
  switch (id) {
    case TypeId::Null: case TypeId::Boolean: case TypeId::Byte: return 1;
    case TypeId::Short: return 2;
    case TypeId::Int: case TypeId::Float: case TypeId::Date: case TypeId::YearMonthInterval: return 4;
    case TypeId::CalendarInterval: return 16;
    case TypeId::Long: case TypeId::Double: case TypeId::Timestamp: case TypeId::TimestampNtz:
    case TypeId::DayTimeInterval: return 8;
    case TypeId::Decimal: return precision <= 18 ? 8 : 16;
    case TypeId::String: return 20;
    case TypeId::Binary: return 100;
    case TypeId::Array: return element().default_size();
    case TypeId::Map: return key().default_size() + value().default_size();
    case TypeId::Struct: {
      int64_t n = 0;
      for (const auto& f : fields) n += f.type.default_size();
      return n;
    }
  }
  return 8;
}

std::string quote_identifier(const std::string& name) {
  std::string o = "`";
  for (char c : name) { if (c == '`') o += "``"; else o += c; }
  return o + "`";
}

std::string quote_if_needed(const std::string& name) {
  // QuotingUtils.quoteIfNeeded: plain [a-zA-Z0-9_]+ that is not all digits stays bare.
  bool plain = !name.empty(), all_digits = true;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) plain = false;
    if (!std::isdigit(static_cast<unsigned char>(c))) all_digits = false;
  }
  return plain && !all_digits ? name : quote_identifier(name);
}

// ---- Spark's DataType JSON ----

json type_to_json(const DataType& t) {
  switch (t.id) {
    case TypeId::Array:
      return {{"type", "array"}, {"elementType", type_to_json(t.element())}, {"containsNull", t.contains_null}};
    case TypeId::Map:
      return {{"type", "map"}, {"keyType", type_to_json(t.key())},
              {"valueType", type_to_json(t.value())}, {"valueContainsNull", t.contains_null}};
    case TypeId::Struct: {
      json fs = json::array();
      for (const auto& f : t.fields) {
        json md = json::parse(f.metadata, nullptr, false);
        if (md.is_discarded() || !md.is_object()) md = json::object();
        fs.push_back({{"name", f.name}, {"type", type_to_json(f.type)}, {"nullable", f.nullable}, {"metadata", md}});
      }
      return {{"type", "struct"}, {"fields", fs}};
    }
    default: return t.type_name();
  }
}

static Result<DataType> atomic_from_name(const std::string& n) {
  static const std::pair<const char*, TypeId> names[] = {
      {"void", TypeId::Null}, {"null", TypeId::Null}, {"boolean", TypeId::Boolean},
      {"byte", TypeId::Byte}, {"short", TypeId::Short}, {"integer", TypeId::Int},
      {"long", TypeId::Long}, {"float", TypeId::Float}, {"double", TypeId::Double},
      {"string", TypeId::String}, {"binary", TypeId::Binary}, {"date", TypeId::Date},
      {"timestamp", TypeId::Timestamp}, {"timestamp_ntz", TypeId::TimestampNtz},
      {"timestamp_ltz", TypeId::Timestamp},
  };
  for (const auto& [name, id] : names)
    if (n == name) return DataType::of(id);
  if (DataType it; parse_interval_type_name(n, &it)) return it;
  if (n == "decimal") return DataType::decimal();
  static const std::regex dec(R"(decimal\(\s*(\d+)\s*,\s*(-?\d+)\s*\))");
  std::smatch m;
  if (std::regex_match(n, m, dec)) return DataType::decimal(std::stoi(m[1]), std::stoi(m[2]));
  return Result<DataType>::error("unknown data type name '" + n + "'");
}

static Result<DataType> field_type(const json& j, const char* key) {
  if (!j.contains(key)) return Result<DataType>::error(std::string("missing '") + key + "'");
  return type_from_json(j.at(key));
}

Result<DataType> type_from_json(const json& j) {
  if (j.is_string()) return atomic_from_name(j.get<std::string>());
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string())
    return Result<DataType>::error("data type JSON must be a name or an object with 'type'");
  std::string ty = j["type"].get<std::string>();
  if (ty == "array") {
    auto e = field_type(j, "elementType");
    if (!e) return e;
    return DataType::array(*e, j.value("containsNull", true));
  }
  if (ty == "map") {
    auto k = field_type(j, "keyType");
    if (!k) return k;
    auto v = field_type(j, "valueType");
    if (!v) return v;
    return DataType::map(*k, *v, j.value("valueContainsNull", true));
  }
  if (ty == "struct") {
    std::vector<StructField> fs;
    if (!j.contains("fields") || !j["fields"].is_array()) return Result<DataType>::error("struct JSON needs 'fields'");
    for (const auto& f : j["fields"]) {
      if (!f.is_object() || !f.contains("name") || !f["name"].is_string())
        return Result<DataType>::error("struct field JSON needs 'name'");
      auto t = field_type(f, "type");
      if (!t) return t;
      StructField sf{f["name"].get<std::string>(), *t, f.value("nullable", true), "{}"};
      if (f.contains("metadata") && f["metadata"].is_object() && !f["metadata"].empty()) sf.metadata = f["metadata"].dump();
      fs.push_back(std::move(sf));
    }
    return DataType::structure(std::move(fs));
  }
  return Result<DataType>::error("unknown data type JSON type '" + ty + "'");
}

// ---- Spark Connect DataType (proto3 JSON mapping) ----

static const char* connect_key(TypeId id) {
  switch (id) {
    case TypeId::Null: return "null";
    case TypeId::Boolean: return "boolean";
    case TypeId::Byte: return "byte";
    case TypeId::Short: return "short";
    case TypeId::Int: return "integer";
    case TypeId::Long: return "long";
    case TypeId::Float: return "float";
    case TypeId::Double: return "double";
    case TypeId::Decimal: return "decimal";
    case TypeId::String: return "string";
    case TypeId::Binary: return "binary";
    case TypeId::Date: return "date";
    case TypeId::Timestamp: return "timestamp";
    case TypeId::TimestampNtz: return "timestampNtz";
    case TypeId::DayTimeInterval: return "dayTimeInterval";
    case TypeId::YearMonthInterval: return "yearMonthInterval";
    case TypeId::CalendarInterval: return "calendarInterval";
    case TypeId::Array: return "array";
    case TypeId::Map: return "map";
    case TypeId::Struct: return "struct";
  }
  return "null";
}

json type_to_connect_json(const DataType& t) {
  json body = json::object();
  switch (t.id) {
    case TypeId::Decimal: body = {{"precision", t.precision}, {"scale", t.scale}}; break;
    case TypeId::DayTimeInterval: case TypeId::YearMonthInterval:
      body = {{"startField", t.precision}, {"endField", t.interval_end()}}; break;
    case TypeId::Array:
      body = {{"elementType", type_to_connect_json(t.element())}, {"containsNull", t.contains_null}};
      break;
    case TypeId::Map:
      body = {{"keyType", type_to_connect_json(t.key())}, {"valueType", type_to_connect_json(t.value())},
              {"valueContainsNull", t.contains_null}};
      break;
    case TypeId::Struct: {
      json fs = json::array();
      for (const auto& f : t.fields) {
        json jf = {{"name", f.name}, {"dataType", type_to_connect_json(f.type)}, {"nullable", f.nullable}};
        if (f.metadata != "{}") jf["metadata"] = f.metadata;
        fs.push_back(std::move(jf));
      }
      body = {{"fields", fs}};
      break;
    }
    default: break;
  }
  return {{connect_key(t.id), body}};
}

// proto3 JSON: parsers accept the proto field name and its lowerCamelCase form.
static const json* member(const json& j, const char* camel, const char* snake) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(camel);
  if (it != j.end()) return &*it;
  it = j.find(snake);
  return it != j.end() ? &*it : nullptr;
}

static bool pbool(const json& j, const char* camel, const char* snake) {
  const json* v = member(j, camel, snake);
  return v && v->is_boolean() && v->get<bool>();
}

Result<DataType> type_from_connect_json(const json& j) {
  if (!j.is_object() || j.size() != 1) return Result<DataType>::error("Connect DataType must have exactly one kind");
  const std::string kind = j.begin().key();
  const json& b = j.begin().value();
  static const std::pair<const char*, TypeId> simple[] = {
      {"null", TypeId::Null}, {"boolean", TypeId::Boolean}, {"byte", TypeId::Byte},
      {"short", TypeId::Short}, {"integer", TypeId::Int}, {"long", TypeId::Long},
      {"float", TypeId::Float}, {"double", TypeId::Double}, {"string", TypeId::String},
      {"binary", TypeId::Binary}, {"date", TypeId::Date}, {"timestamp", TypeId::Timestamp},
      {"timestampNtz", TypeId::TimestampNtz}, {"timestamp_ntz", TypeId::TimestampNtz},
      {"calendarInterval", TypeId::CalendarInterval}, {"calendar_interval", TypeId::CalendarInterval},
      {"dayTimeInterval", TypeId::DayTimeInterval}, {"day_time_interval", TypeId::DayTimeInterval},
      {"yearMonthInterval", TypeId::YearMonthInterval}, {"year_month_interval", TypeId::YearMonthInterval},
      // CHAR(n)/VARCHAR(n) read as string in DataFrames (CharVarcharUtils).
      {"char", TypeId::String}, {"varChar", TypeId::String}, {"var_char", TypeId::String}};
  for (const auto& [name, id] : simple)
    if (kind == name) {
      if (id != TypeId::DayTimeInterval && id != TypeId::YearMonthInterval) return DataType::of(id);
      int last = id == TypeId::DayTimeInterval ? 3 : 1;
      const json* st = member(b, "startField", "start_field");
      const json* en = member(b, "endField", "end_field");
      int sv = st && st->is_number_integer() ? st->get<int>() : 0;
      int ev = en && en->is_number_integer() ? en->get<int>() : last;
      if (sv < 0 || ev > last || sv > ev) return Result<DataType>::error("invalid interval fields");
      return id == TypeId::DayTimeInterval ? DataType::day_time_interval(sv, ev) : DataType::year_month_interval(sv, ev);
    }
  if (kind == "decimal") {
    const json* p = member(b, "precision", "precision");
    const json* s = member(b, "scale", "scale");
    int pi = p && p->is_number_integer() ? p->get<int>() : 10;
    int si = s && s->is_number_integer() ? s->get<int>() : 0;
    if (pi < 1 || pi > 38 || si < 0 || si > pi)
      return Result<DataType>::error("invalid decimal(" + std::to_string(pi) + "," + std::to_string(si) + ")");
    return DataType::decimal(pi, si);
  }
  if (kind == "array") {
    const json* e = member(b, "elementType", "element_type");
    if (!e) return Result<DataType>::error("array type needs elementType");
    auto et = type_from_connect_json(*e);
    if (!et) return et;
    return DataType::array(*et, pbool(b, "containsNull", "contains_null"));
  }
  if (kind == "map") {
    const json* k = member(b, "keyType", "key_type");
    const json* v = member(b, "valueType", "value_type");
    if (!k || !v) return Result<DataType>::error("map type needs keyType and valueType");
    auto kt = type_from_connect_json(*k);
    if (!kt) return kt;
    auto vt = type_from_connect_json(*v);
    if (!vt) return vt;
    return DataType::map(*kt, *vt, pbool(b, "valueContainsNull", "value_contains_null"));
  }
  if (kind == "struct") {
    std::vector<StructField> fs;
    const json* arr = member(b, "fields", "fields");
    if (arr && !arr->is_array()) return Result<DataType>::error("struct fields must be a list");
    if (arr) {
      for (const auto& f : *arr) {
        const json* n = member(f, "name", "name");
        const json* dt = member(f, "dataType", "data_type");
        if (!n || !n->is_string() || !dt) return Result<DataType>::error("struct field needs name and dataType");
        auto t = type_from_connect_json(*dt);
        if (!t) return t;
        StructField sf{n->get<std::string>(), *t, pbool(f, "nullable", "nullable"), "{}"};
        const json* md = member(f, "metadata", "metadata");
        if (md && md->is_string()) sf.metadata = md->get<std::string>();
        fs.push_back(std::move(sf));
      }
    }
    return DataType::structure(std::move(fs));
  }
  if (kind == "unparsed") {
    const json* s = member(b, "dataTypeString", "data_type_string");
    if (!s || !s->is_string()) return Result<DataType>::error("unparsed type needs dataTypeString");
    return parse_ddl_type(s->get<std::string>());
  }
  return Result<DataType>::error("unsupported Connect data type '" + kind + "'");
}

}  // namespace spp::sql
