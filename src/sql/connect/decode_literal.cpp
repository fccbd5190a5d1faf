// Connect Expression.Literal -> a literal expression: every literal kind a Python program sends
// (integers as proto3 int64 strings, floats with NaN/Infinity spelled out, decimals with their
// precision and scale, dates, timestamps, binary as base64, arrays of literals).
#include "common/util.h"
#include "sql/connect/decode_internal.h"

#include <cmath>

namespace spp::sql {
using nlohmann::json;

// proto3 int64 is a JSON string; numbers are accepted too.
Result<int64_t> i64(const json& j, const char* what) {
  if (j.is_number_integer()) return j.get<int64_t>();
  if (j.is_string()) {
    try {
      size_t used = 0;
      int64_t v = std::stoll(j.get<std::string>(), &used);
      if (used == j.get<std::string>().size()) return v;
    } catch (...) {}
  }
  return Result<int64_t>::error(std::string("plan: '") + what + "' must be an int64");
}

// proto3 double: a JSON number, or NaN/Infinity/-Infinity spelled out.
double jdouble(const json& j) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (s == "NaN") return std::nan("");
    if (s == "Infinity") return INFINITY;
    if (s == "-Infinity") return -INFINITY;
  }
  return 0;
}

Result<ExprPtr> decode_literal(const json& j, IdGen& ids) {
  if (!j.is_object() || j.size() != 1) return Result<ExprPtr>::error("plan: a literal must have exactly one kind");
  const std::string k = j.begin().key();
  const json& v = j.begin().value();
  auto int_lit = [&](DataType t) -> Result<ExprPtr> {
    auto r = i64(v, "literal");
    if (!r) return r.status();
    return lit(Value::of(*r), std::move(t));
  };
  if (k == "null") {
    auto t = type_from_connect_json(v);
    if (!t) return t.status();
    return lit_null(*t);
  }
  if (k == "boolean") return lit_bool(v.is_boolean() && v.get<bool>());
  if (k == "byte") return int_lit(DataType::byte_());
  if (k == "short") return int_lit(DataType::short_());
  if (k == "integer") return int_lit(DataType::int_());
  if (k == "long") return int_lit(DataType::long_());
  if (k == "date") return int_lit(DataType::date());
  if (k == "timestamp") return int_lit(DataType::timestamp());
  if (k == "timestampNtz") return int_lit(DataType::timestamp_ntz());
  if (k == "dayTimeInterval") return int_lit(DataType::day_time_interval());
  if (k == "yearMonthInterval") return int_lit(DataType::year_month_interval());
  if (k == "float") return lit(Value::of(jdouble(v)), DataType::float_());
  if (k == "double") return lit(Value::of(jdouble(v)), DataType::double_());
  if (k == "string") return lit_string(v.is_string() ? v.get<std::string>() : "");
  if (k == "binary") {
    auto b = spp::base64_decode(v.is_string() ? v.get<std::string>() : "");
    if (!b) return Result<ExprPtr>::error("plan: a binary literal must be base64");
    return lit(Value::of(std::move(*b)), DataType::binary());
  }
  if (k == "decimal") {
    std::string s = str(v, "value");
    int scale = 0;
    __int128 u = 0;
    bool neg = false, frac = false, any = false;
    for (char c : s) {
      if (c == '-') neg = true;
      else if (c == '.') frac = true;
      else if (c >= '0' && c <= '9') {
        if (u > (__int128(1) << 125)) return Result<ExprPtr>::error("plan: bad decimal literal '" + s + "' (precision/scale)");
        u = u * 10 + (c - '0'); any = true; if (frac) ++scale;
      }
      else if (c != '+') return Result<ExprPtr>::error("plan: bad decimal literal '" + s + "'");
    }
    if (!any) return Result<ExprPtr>::error("plan: bad decimal literal '" + s + "'");
    int digits = static_cast<int>(s.size()) - (neg || s[0] == '+') - frac;
    // Precision and scale, when given, are small integers (Spark's DecimalType bounds); an
    // out-of-range or mistyped field is an error, not a throw or a billion-step rescale loop.
    auto field = [&](const char* key, int dflt, int& out) {
      auto it = v.find(key);
      if (it == v.end()) { out = dflt; return true; }
      if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > 38) return false;
      out = static_cast<int>(it->get<int64_t>());
      return true;
    };
    int p = 0, sc = 0;
    if (digits > 38 || scale > 38 || !field("precision", std::max(digits, scale), p) || !field("scale", scale, sc) ||
        sc > std::max(p, 1) || sc < scale)
      return Result<ExprPtr>::error("plan: bad decimal literal '" + s + "' (precision/scale)");
    while (scale < sc) { u *= 10; ++scale; }
    Value val;
    val.v = Value::Decimal{neg ? -u : u};
    return lit(val, DataType::decimal(std::max(p, 1), sc));
  }
  if (k == "array") {
    const json* et = v.contains("elementType") ? &v["elementType"] : nullptr;
    std::optional<DataType> elem;
    if (et) {
      auto t = type_from_connect_json(*et);
      if (!t) return t.status();
      elem = *t;
    }
    Value::Array items;
    if (v.contains("elements")) {
      for (const auto& e : v["elements"]) {
        auto r = decode_literal(e, ids);
        if (!r) return r;
        items.push_back((*r)->value);
        if (!elem) elem = (*r)->type;
      }
    }
    Value val;
    val.v = std::move(items);
    return lit(val, DataType::array(elem ? *elem : DataType::null()));
  }
  return Result<ExprPtr>::error("plan: unsupported literal kind '" + k + "'");
}

}  // namespace spp::sql
