// JSON functions (jsonExpressions.scala, Spark 3.5): get_json_object, from_json, to_json.
// from_json's schema and both functions' options are constants: they ride along as hidden
// string literals after the first argument (the column name shows only that one, as Spark's
// `from_json(value)`; fn_names.cpp renders it).
#include <nlohmann/json.hpp>

#include "sql/analysis/fn_library.h"
#include "sql/exec/schema_infer.h"

namespace spp::sql {

namespace {
std::string quoted(const Expr& e) { return to_sql_expr(e.sql()); }
std::string qtype(const DataType& t) { return "\"" + t.sql() + "\""; }

const Expr* strip(const Expr* x) {
  while (x->kind == ExprKind::Cast || x->kind == ExprKind::Alias) x = x->children[0].get();
  return x;
}

std::optional<std::string> const_string(const Expr& e) {
  const Expr* x = strip(&e);
  if (x->kind != ExprKind::Literal || x->value.is_null() || x->type.id != TypeId::String) return std::nullopt;
  return x->value.as_string();
}

// The options argument, a map(...) of string literals, appended as hidden key/value literals.
std::optional<AnalysisError> take_options(FnCall& c, const std::string& name, size_t i, ExprList& out) {
  const Expr* m = strip(c.a[i].get());
  auto bad = [&] {
    return generic_error("INVALID_OPTIONS.NON_MAP_FUNCTION", "42K06",
                         "Invalid options: Must use the `map()` function for options.");
  };
  if (m->kind != ExprKind::Call || m->name != "map") return bad();
  for (const auto& kv : m->children) {
    auto s = const_string(*kv);
    if (!s)
      return generic_error("INVALID_OPTIONS.NON_STRING_TYPE", "42K06",
                           "Invalid options: A type of keys and values in `map()` must be string, but got " +
                               qtype(m->type) + ".");
    out.push_back(lit_string(*s));
  }
  return std::nullopt;
}

// A schema given as schema_of_json(...) / schema_of_csv(...) of a literal (foldable in Spark):
// inferred here, at analysis, by the readers' inference. nullopt: not such a call.
std::optional<Result<std::string>> folded_schema(const Expr& e) {
  const Expr* x = strip(&e);
  if (x->kind != ExprKind::Call || (x->name != "schema_of_json" && x->name != "schema_of_csv") || x->children.empty())
    return std::nullopt;
  auto text = const_string(*x->children[0]);
  if (!text) return std::nullopt;
  exec::OptionPairs opts;
  for (size_t i = 1; i + 1 < x->children.size(); i += 2) {
    auto k = const_string(*x->children[i]), v = const_string(*x->children[i + 1]);
    if (k && v) opts.emplace_back(*k, *v);
  }
  return x->name == "schema_of_json" ? exec::infer_json_schema_sql(*text, opts) : exec::infer_csv_schema_sql(*text, opts);
}

std::optional<DataType> parse_schema(const std::string& s) {
  if (!s.empty() && s[0] == '{') {
    auto j = nlohmann::json::parse(s, nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    auto t = type_from_json(j);
    if (t) return t.value();
    return std::nullopt;
  }
  // DataType.fromDDL: a field list, else one type (parse_ddl_schema would wrap it as `value`).
  if (auto t = parse_ddl_schema(s)) {
    const auto& f = t.value().fields;
    if (f.size() == 1 && f[0].name == "value")
      if (auto one = parse_ddl_type(s)) return one.value();
    return t.value();
  }
  return std::nullopt;
}
}  // namespace

std::optional<LibResult> resolve_json_fn(FnCall& c) {
  const std::string& n = c.n;
  const size_t na = c.na();
  const auto S = exact(DataType::string());
  if (n == "json_array_length") {
    if (na != 1) return c.wrong("1");
    return c.typed(n, {S}, DataType::int_(), true);
  }
  if (n == "json_object_keys") {
    if (na != 1) return c.wrong("1");
    return c.typed(n, {S}, DataType::array(DataType::string(), true), true);
  }
  if (n == "get_json_object") {
    if (na != 2) return c.wrong("2");
    return c.typed(n, {S, S}, DataType::string(), true);
  }
  if (n == "from_json") {
    if (na != 2 && na != 3) return c.wrong("[2, 3]");
    auto s = const_string(*c.a[1]);
    if (!s)
      if (auto f = folded_schema(*c.a[1]); f && *f) s = f->value();
    if (!s)
      return generic_error("INVALID_SCHEMA.NON_STRING_LITERAL", "42K07",
                           "The input schema " + quoted(*c.a[1]) + " is not a valid schema string. The input expression "
                           "must be string literal and not null.");
    auto t = parse_schema(*s);
    if (!t)
      return generic_error("INVALID_SCHEMA.PARSE_ERROR", "42K07",
                           "The input schema " + quoted(*c.a[1]) + " is not a valid schema string. Cannot parse the schema.");
    if (t->id != TypeId::Struct && t->id != TypeId::Array && t->id != TypeId::Map)
      return generic_error("DATATYPE_MISMATCH.INVALID_JSON_SCHEMA", "42K09",
                           "Cannot resolve " + quoted(*c.shown(n)) + " due to data type mismatch: Input schema " +
                               qtype(*t) + " must be a struct, an array or a map.");
    ExprList hidden{lit_string(*s)};
    if (na == 3)
      if (auto e = take_options(c, n, 2, hidden)) return *e;
    if (auto e = c.coerce(n, {S})) return *e;
    c.a.resize(1);
    for (auto& h : hidden) c.a.push_back(h);
    return c.make(n, *t, true);
  }
  if (n == "to_json") {
    if (na != 1 && na != 2) return c.wrong("[1, 2]");
    const DataType& t = c.a[0]->type;
    if (t.id != TypeId::Struct && t.id != TypeId::Array && t.id != TypeId::Map)
      return unexpected_input_type(quoted(*c.shown(n)), 1, "(\"STRUCT\" or \"ARRAY\" or \"MAP\")", quoted(*c.a[0]), qtype(t));
    ExprList hidden;
    if (na == 2)
      if (auto e = take_options(c, n, 1, hidden)) return *e;
    c.a.resize(1);
    for (auto& h : hidden) c.a.push_back(h);
    return c.make(n, DataType::string(), c.a[0]->nullable);
  }
  if (n == "from_csv") {
    if (na != 2 && na != 3) return c.wrong("[2, 3]");
    auto s = const_string(*c.a[1]);
    if (!s)
      if (auto f = folded_schema(*c.a[1]); f && *f) s = f->value();
    if (!s)
      return generic_error("INVALID_SCHEMA.NON_STRING_LITERAL", "42K07",
                           "The input schema " + quoted(*c.a[1]) + " is not a valid schema string. The input expression "
                           "must be string literal and not null.");
    auto t = parse_schema(*s);
    if (!t || t->id != TypeId::Struct)
      return generic_error("INVALID_SCHEMA.PARSE_ERROR", "42K07",
                           "The input schema " + quoted(*c.a[1]) + " is not a valid schema string. Cannot parse the schema.");
    ExprList hidden;
    if (na == 3)
      if (auto e = take_options(c, n, 2, hidden)) return *e;
    if (auto e = c.coerce(n, {S})) return *e;
    c.a.resize(1);
    for (auto& h : hidden) c.a.push_back(h);
    return c.make(n, *t, true);
  }
  if (n == "to_csv") {
    if (na != 1 && na != 2) return c.wrong("[1, 2]");
    const DataType& t = c.a[0]->type;
    if (t.id != TypeId::Struct)
      return unexpected_input_type(quoted(*c.shown(n)), 1, "\"STRUCT\"", quoted(*c.a[0]), qtype(t));
    ExprList hidden;
    if (na == 2)
      if (auto e = take_options(c, n, 1, hidden)) return *e;
    c.a.resize(1);
    for (auto& h : hidden) c.a.push_back(h);
    return c.make(n, DataType::string(), c.a[0]->nullable);
  }
  if (n == "schema_of_csv") {
    if (na != 1 && na != 2) return c.wrong("[1, 2]");
    if (!const_string(*c.a[0]))
      return generic_error("DATATYPE_MISMATCH.NON_FOLDABLE_INPUT", "42K09",
                           "Cannot resolve " + quoted(*c.shown(n)) + " due to data type mismatch: the input csv should "
                           "be a foldable \"STRING\" expression; however, got " + quoted(*c.a[0]) + ".");
    ExprList hidden;
    if (na == 2)
      if (auto e = take_options(c, n, 1, hidden)) return *e;
    c.a.resize(1);
    for (auto& h : hidden) c.a.push_back(h);
    return c.make(n, DataType::string(), false);
  }
  if (n == "schema_of_json") {
    if (na != 1 && na != 2) return c.wrong("[1, 2]");
    if (!const_string(*c.a[0]))
      return generic_error("DATATYPE_MISMATCH.NON_FOLDABLE_INPUT", "42K09",
                           "Cannot resolve " + quoted(*c.shown(n)) + " due to data type mismatch: the input json should "
                           "be a foldable \"STRING\" expression; however, got " + quoted(*c.a[0]) + ".");
    ExprList hidden;
    if (na == 2)
      if (auto e = take_options(c, n, 1, hidden)) return *e;
    c.a.resize(1);
    for (auto& h : hidden) c.a.push_back(h);
    return c.make(n, DataType::string(), false);
  }
  return std::nullopt;
}

}  // namespace spp::sql
