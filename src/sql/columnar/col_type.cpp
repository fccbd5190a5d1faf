// ColType helpers and Spark DataType JSON conversion.
#include "sql/columnar/col_type.h"

#include <nlohmann/json.hpp>

namespace spp::sql::col {

ColType ColType::array(ColType elem, bool contains_null) {
  ColType t; t.id = TypeId::Array; t.children.push_back(std::move(elem)); t.nullable = {contains_null};
  return t;
}
ColType ColType::map(ColType key, ColType value, bool value_contains_null) {
  ColType t; t.id = TypeId::Map;
  t.children.push_back(std::move(key)); t.children.push_back(std::move(value));
  t.nullable = {false, value_contains_null};
  return t;
}
ColType ColType::strct(std::vector<std::string> names, std::vector<ColType> types, std::vector<bool> nullable) {
  ColType t; t.id = TypeId::Struct;
  if (nullable.empty()) nullable.assign(types.size(), true);
  t.names = std::move(names); t.children = std::move(types); t.nullable = std::move(nullable);
  return t;
}

bool ColType::operator==(const ColType& o) const {
  return id == o.id && precision == o.precision && scale == o.scale && children == o.children &&
         names == o.names && nullable == o.nullable;
}

int fixed_width(TypeId id) {
  switch (id) {
    case TypeId::Byte: return 1;
    case TypeId::Short: return 2;
    case TypeId::Int: case TypeId::Date: case TypeId::Float: case TypeId::YearMonthInterval: return 4;
    case TypeId::Long: case TypeId::Double: case TypeId::Timestamp: case TypeId::TimestampNtz:
    case TypeId::DayTimeInterval: return 8;
    case TypeId::Decimal: case TypeId::CalendarInterval: return 16;
    default: return 0;
  }
}
bool is_fixed_width(TypeId id) { return fixed_width(id) > 0; }
bool is_var_binary(TypeId id) { return id == TypeId::String || id == TypeId::Binary; }
bool is_integral(TypeId id) { return id == TypeId::Byte || id == TypeId::Short || id == TypeId::Int || id == TypeId::Long; }
bool is_floating(TypeId id) { return id == TypeId::Float || id == TypeId::Double; }

namespace {
struct Name { TypeId id; const char* json; const char* simple; };
constexpr Name kNames[] = {
    {TypeId::Null, "void", "void"}, {TypeId::Boolean, "boolean", "boolean"},
    {TypeId::Byte, "byte", "tinyint"}, {TypeId::Short, "short", "smallint"},
    {TypeId::Int, "integer", "int"}, {TypeId::Long, "long", "bigint"},
    {TypeId::Float, "float", "float"}, {TypeId::Double, "double", "double"},
    {TypeId::String, "string", "string"}, {TypeId::Binary, "binary", "binary"},
    {TypeId::Date, "date", "date"}, {TypeId::Timestamp, "timestamp", "timestamp"},
    {TypeId::TimestampNtz, "timestamp_ntz", "timestamp_ntz"},
    {TypeId::DayTimeInterval, "interval day to second", "interval day to second"},
    {TypeId::YearMonthInterval, "interval year to month", "interval year to month"},
    {TypeId::CalendarInterval, "interval", "interval"},
};
const char* const kDayTimeUnits[] = {"day", "hour", "minute", "second"};
const char* const kYearMonthUnits[] = {"year", "month"};

// `interval day`, `interval hour to second`, `interval year to month`.
std::string interval_name(const ColType& t) {
  bool ym = t.id == TypeId::YearMonthInterval;
  const char* const* units = ym ? kYearMonthUnits : kDayTimeUnits;
  int n = ym ? 2 : 4, st = t.precision, en = t.interval_end();
  if (st < 0 || st >= n) st = 0;
  if (en < st || en >= n) en = n - 1;
  std::string s = std::string("interval ") + units[st];
  if (en != st) s += std::string(" to ") + units[en];
  return s;
}

bool parse_interval_name(const std::string& s, ColType* out) {
  if (s.rfind("interval ", 0) != 0) return false;
  std::string rest = s.substr(9), a = rest, b;
  if (auto p = rest.find(" to "); p != std::string::npos) { a = rest.substr(0, p); b = rest.substr(p + 4); }
  for (int ym = 0; ym < 2; ++ym) {
    const char* const* units = ym ? kYearMonthUnits : kDayTimeUnits;
    int n = ym ? 2 : 4, st = -1, en = -1;
    for (int i = 0; i < n; ++i) { if (a == units[i]) st = i; if (b == units[i]) en = i; }
    if (b.empty()) en = st;
    if (st < 0 || en < st) continue;
    *out = ColType::interval(ym ? TypeId::YearMonthInterval : TypeId::DayTimeInterval, st, en);
    return true;
  }
  return false;
}
const Name* find_name(TypeId id) {
  for (const auto& n : kNames) if (n.id == id) return &n;
  return nullptr;
}
}  // namespace

std::string ColType::to_string() const {
  switch (id) {
    case TypeId::Decimal: return "decimal(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
    case TypeId::DayTimeInterval: case TypeId::YearMonthInterval: return interval_name(*this);
    case TypeId::Array: return "array<" + children[0].to_string() + ">";
    case TypeId::Map: return "map<" + children[0].to_string() + "," + children[1].to_string() + ">";
    case TypeId::Struct: {
      std::string s = "struct<";
      for (size_t i = 0; i < children.size(); ++i) s += (i ? "," : "") + names[i] + ":" + children[i].to_string();
      return s + ">";
    }
    default: return find_name(id)->simple;
  }
}

nlohmann::json type_to_json(const ColType& t) {
  using nlohmann::json;
  switch (t.id) {
    case TypeId::Decimal: return "decimal(" + std::to_string(t.precision) + "," + std::to_string(t.scale) + ")";
    case TypeId::DayTimeInterval: case TypeId::YearMonthInterval: return interval_name(t);
    case TypeId::Array:
      return json{{"type", "array"}, {"elementType", type_to_json(t.children[0])}, {"containsNull", bool(t.nullable[0])}};
    case TypeId::Map:
      return json{{"type", "map"}, {"keyType", type_to_json(t.children[0])},
                  {"valueType", type_to_json(t.children[1])}, {"valueContainsNull", bool(t.nullable[1])}};
    case TypeId::Struct: {
      json fields = json::array();
      for (size_t i = 0; i < t.children.size(); ++i)
        fields.push_back(json{{"name", t.names[i]}, {"type", type_to_json(t.children[i])},
                              {"nullable", bool(t.nullable[i])}, {"metadata", json::object()}});
      return json{{"type", "struct"}, {"fields", fields}};
    }
    default: return find_name(t.id)->json;
  }
}

Result<ColType> type_from_json(const nlohmann::json& j) {
  if (j.is_string()) {
    std::string s = j.get<std::string>();
    if (ColType it; parse_interval_name(s, &it)) return it;
    for (const auto& n : kNames) if (s == n.json) return ColType::scalar(n.id);
    if (s == "null") return ColType::scalar(TypeId::Null);  // older Spark name of NullType
    if (s == "decimal") return ColType::decimal(10, 0);
    int p = 0, sc = 0; char close = 0;
    if (std::sscanf(s.c_str(), "decimal(%d,%d%c", &p, &sc, &close) == 3 && close == ')' &&
        p >= 1 && p <= 38 && sc >= 0 && sc <= p)
      return ColType::decimal(p, sc);
    return Result<ColType>::error("unknown data type '" + s + "'");
  }
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string())
    return Result<ColType>::error("data type must be a string or an object with \"type\"");
  std::string ty = j["type"].get<std::string>();
  auto flag = [&](const char* k) { return !j.contains(k) || !j[k].is_boolean() || j[k].get<bool>(); };
  if (ty == "array") {
    if (!j.contains("elementType")) return Result<ColType>::error("array without elementType");
    auto e = type_from_json(j["elementType"]);
    if (!e) return e;
    return ColType::array(std::move(*e), flag("containsNull"));
  }
  if (ty == "map") {
    if (!j.contains("keyType") || !j.contains("valueType")) return Result<ColType>::error("map without key/value type");
    auto k = type_from_json(j["keyType"]);
    if (!k) return k;
    auto v = type_from_json(j["valueType"]);
    if (!v) return v;
    return ColType::map(std::move(*k), std::move(*v), flag("valueContainsNull"));
  }
  if (ty == "struct") {
    if (!j.contains("fields") || !j["fields"].is_array()) return Result<ColType>::error("struct without fields");
    std::vector<std::string> names; std::vector<ColType> types; std::vector<bool> nullable;
    for (const auto& f : j["fields"]) {
      if (!f.is_object() || !f.contains("name") || !f["name"].is_string() || !f.contains("type"))
        return Result<ColType>::error("struct field needs name and type");
      auto t = type_from_json(f["type"]);
      if (!t) return t;
      names.push_back(f["name"].get<std::string>());
      types.push_back(std::move(*t));
      nullable.push_back(!f.contains("nullable") || !f["nullable"].is_boolean() || f["nullable"].get<bool>());
    }
    return ColType::strct(std::move(names), std::move(types), std::move(nullable));
  }
  return Result<ColType>::error("unknown data type '" + ty + "'");
}

}  // namespace spp::sql::col
