// Array functions (collectionOperations.scala, Spark 3.5): input checks with Spark's error
// classes, the element/value coercion of ArrayContains & co. (a wider type without string
// promotion), defaults that show in column names (`sort_array(a, true)`), result types.
#include "sql/analysis/fn_library.h"
#include "common/strings.h"
#include "sql/analysis/functions.h"

namespace spp::sql {

namespace {
std::string quoted(const Expr& e) { return to_sql_expr(e.sql()); }
std::string qtype(const DataType& t) { return "\"" + t.sql() + "\""; }
bool is_array(const ExprPtr& e) { return e->type.id == TypeId::Array; }

AnalysisError not_array(FnCall& c, const std::string& name, size_t i) {
  return unexpected_input_type(quoted(*c.shown(name)), int(i + 1), "\"ARRAY\"", quoted(*c.a[i]), qtype(c.a[i]->type));
}

// findWiderTypeWithoutStringPromotionForTwo: wider, but never by turning a non-string into a string.
std::optional<DataType> wider_no_string(const DataType& a, const DataType& b) {
  auto t = wider_common_type(a, b);
  if (t && t->id == TypeId::String && !(a.id == TypeId::String && b.id == TypeId::String) && a.id != TypeId::Null &&
      b.id != TypeId::Null)
    return std::nullopt;
  return t;
}

// array_contains(arr, v) and friends: arr's element and v cast to their common type.
std::optional<AnalysisError> coerce_elem_value(FnCall& c, const std::string& name) {
  auto fail = [&] {
    return generic_error("DATATYPE_MISMATCH.ARRAY_FUNCTION_DIFF_TYPES", "42K09",
                         "Cannot resolve " + quoted(*c.shown(name)) + " due to data type mismatch: Input to `" + name +
                             "` should have been \"ARRAY\" followed by a value with same element type, but it's [" +
                             qtype(c.a[0]->type) + ", " + qtype(c.a[1]->type) + "].");
  };
  if (c.a[0]->type.id == TypeId::Null) c.a[0] = cast(c.a[0], DataType::array(c.a[1]->type), false);
  if (!is_array(c.a[0])) return fail();
  const DataType& el = c.a[0]->type.element();
  auto t = wider_no_string(el, c.a[1]->type);
  if (!t) return fail();
  if (!(el == *t)) c.a[0] = cast(c.a[0], DataType::array(*t, c.a[0]->type.contains_null), false);
  if (!(c.a[1]->type == *t)) c.a[1] = cast(c.a[1], *t, false);
  return std::nullopt;
}

// Two arrays cast to one array type (array_union & co., arrays_overlap).
std::optional<AnalysisError> coerce_two_arrays(FnCall& c, const std::string& name) {
  for (size_t i = 0; i < 2; ++i)
    if (c.a[i]->type.id == TypeId::Null) c.a[i] = cast(c.a[i], DataType::array(DataType::null()), false);
  for (size_t i = 0; i < 2; ++i) if (!is_array(c.a[i])) return not_array(c, name, i);
  auto t = wider_no_string(c.a[0]->type.element(), c.a[1]->type.element());
  if (!t)
    return generic_error("DATATYPE_MISMATCH.BINARY_ARRAY_DIFF_TYPES", "42K09",
                         "Cannot resolve " + quoted(*c.shown(name)) + " due to data type mismatch: Input to function `" +
                             name + "` should have been two \"ARRAY\" with same element type, but it's [" +
                             qtype(c.a[0]->type) + ", " + qtype(c.a[1]->type) + "].");
  for (size_t i = 0; i < 2; ++i)
    if (!(c.a[i]->type.element() == *t)) c.a[i] = cast(c.a[i], DataType::array(*t, c.a[i]->type.contains_null), false);
  return std::nullopt;
}

bool orderable(const DataType& t) {
  if (t.id == TypeId::Map) return false;
  for (const auto& ch : t.children) if (!orderable(ch)) return false;
  for (const auto& f : t.fields) if (!orderable(f.type)) return false;
  return true;
}

std::optional<AnalysisError> need_orderable_elems(FnCall& c, const std::string& name) {
  if (!is_array(c.a[0])) return not_array(c, name, 0);
  if (!orderable(c.a[0]->type.element()))
    return unexpected_input_type(quoted(*c.shown(name)), 1, "\"ARRAY\"", quoted(*c.a[0]), qtype(c.a[0]->type));
  return std::nullopt;
}
std::optional<LibResult> resolve_map_struct_fn(FnCall& c);
}  // namespace

std::optional<LibResult> resolve_collection_fn(FnCall& c) {
  const std::string& n = c.n;
  const size_t na = c.na();
  const auto I = exact(DataType::int_());
  const auto S = exact(DataType::string());
  auto nullable = [&] { return c.any_nullable(); };

  if (n == "array_contains" || n == "array_position" || n == "array_remove") {
    if (na != 2) return c.wrong("2");
    if (auto e = coerce_elem_value(c, n)) return *e;
    if (n == "array_contains")
      return c.make(n, DataType::boolean(), nullable() || c.a[0]->type.contains_null);
    if (n == "array_position") return c.make(n, DataType::long_(), nullable());
    return c.make(n, c.a[0]->type, nullable());
  }
  if (n == "element_at") {
    if (na != 2) return c.wrong("2");
    const DataType& t = c.a[0]->type;
    if (t.id == TypeId::Map) {
      if (auto e = c.coerce(n, {ExpectedType::of(ExpectedType::Kind::AnyMap), exact(t.key())})) return *e;
      return c.make(n, t.value(), true);
    }
    if (t.id != TypeId::Array)
      return unexpected_input_type(quoted(*c.shown(n)), 1, "(\"ARRAY\" or \"MAP\")", quoted(*c.a[0]), qtype(t));
    if (auto e = c.coerce(n, {ExpectedType::of(ExpectedType::Kind::AnyArray), I})) return *e;
    return c.make(n, t.element(), true);
  }
  if (n == "sort_array") {
    if (na != 1 && na != 2) return c.wrong("[1, 2]");
    if (na == 1) c.a.push_back(lit_bool(true));
    if (auto e = need_orderable_elems(c, n)) return *e;
    if (c.a[1]->type.id != TypeId::Boolean)
      return unexpected_input_type(quoted(*c.shown(n)), 2, "\"BOOLEAN\"", quoted(*c.a[1]), qtype(c.a[1]->type));
    if (auto e = c.need_literal(1, n, "`ascendingOrder`")) return *e;
    return c.make(n, c.a[0]->type, c.a[0]->nullable);
  }
  if (n == "shuffle") {  // Shuffle: a random permutation (nondeterministic)
    if (na != 1) return c.wrong("1");
    if (!is_array(c.a[0])) return not_array(c, n, 0);
    return c.make(n, c.a[0]->type, c.a[0]->nullable);
  }
  if (n == "array_sort" || n == "array_distinct" || n == "array_max" || n == "array_min") {
    if (na != 1) return c.wrong("1");
    if (auto e = n == "array_distinct" ? (is_array(c.a[0]) ? std::nullopt : std::optional(not_array(c, n, 0)))
                                       : need_orderable_elems(c, n))
      return *e;
    if (n == "array_max" || n == "array_min") return c.make(n, c.a[0]->type.element(), true);
    return c.make(n, c.a[0]->type, c.a[0]->nullable);
  }
  if (n == "array_union" || n == "array_intersect" || n == "array_except" || n == "arrays_overlap") {
    if (na != 2) return c.wrong("2");
    if (auto e = coerce_two_arrays(c, n)) return *e;
    const DataType &x = c.a[0]->type, &y = c.a[1]->type;
    if (n == "arrays_overlap") return c.make(n, DataType::boolean(), true);
    bool cn = n == "array_union" ? x.contains_null || y.contains_null
              : n == "array_intersect" ? x.contains_null && y.contains_null
                                       : x.contains_null;
    return c.make(n, DataType::array(x.element(), cn), nullable());
  }
  if (n == "array_join") {
    if (na != 2 && na != 3) return c.wrong("[2, 3]");
    std::vector<ExpectedType> want{exact(DataType::array(DataType::string())), S, S};
    want.resize(na, S);
    return c.typed(n, want, DataType::string());
  }
  if (n == "slice") {
    if (na != 3) return c.wrong("3");
    if (!is_array(c.a[0])) return not_array(c, n, 0);
    DataType t = c.a[0]->type;
    return c.typed(n, {ExpectedType::of(ExpectedType::Kind::AnyArray), I, I}, t);
  }
  if (n == "flatten") {
    if (na != 1) return c.wrong("1");
    const DataType& t = c.a[0]->type;
    if (t.id != TypeId::Array || t.element().id != TypeId::Array)
      return unexpected_input_type(quoted(*c.shown(n)), 1, "\"ARRAY\" of \"ARRAY\"", quoted(*c.a[0]), qtype(t));
    const DataType& inner = t.element();
    return c.make(n, DataType::array(inner.element(), t.contains_null || inner.contains_null), c.a[0]->nullable);
  }
  if (n == "concat") {  // functions.cpp sends concat here when an argument is an array
    std::vector<DataType> ts;
    for (size_t i = 0; i < na; ++i) {
      if (c.a[i]->type.id == TypeId::Null) c.a[i] = cast(c.a[i], DataType::array(DataType::null()), false);
      if (!is_array(c.a[i]))
        return unexpected_input_type(quoted(*c.shown(n)), int(i + 1), "\"ARRAY\"", quoted(*c.a[i]), qtype(c.a[i]->type));
      ts.push_back(c.a[i]->type.element());
    }
    auto t = wider_common_type(ts);
    if (!t)
      return generic_error("DATATYPE_MISMATCH.DATA_DIFF_TYPES", "42K09",
                           "Cannot resolve " + quoted(*c.shown(n)) + " due to data type mismatch: Input to `concat` should "
                           "all be the same type.");
    bool cn = false;
    for (auto& x : c.a) {
      cn |= x->type.contains_null;
      if (!(x->type.element() == *t)) x = cast(x, DataType::array(*t, x->type.contains_null), false);
    }
    return c.make("array_concat", DataType::array(*t, cn), nullable());
  }
  if (n == "sequence") {
    if (na != 2 && na != 3) return c.wrong("[2, 3]");
    std::vector<DataType> ts;
    for (size_t i = 0; i < na; ++i) {
      if (!c.a[i]->type.is_integral() && c.a[i]->type.id != TypeId::Null)
        return unexpected_input_type(quoted(*c.shown(n)), int(i + 1), "\"INTEGRAL\"", quoted(*c.a[i]), qtype(c.a[i]->type));
      ts.push_back(c.a[i]->type);
    }
    auto t = wider_common_type(ts);
    if (!t || t->id == TypeId::Null) t = DataType::int_();
    for (auto& x : c.a) if (!(x->type == *t)) x = cast(x, *t, false);
    return c.make(n, DataType::array(*t, false), true);
  }
  if (n == "arrays_zip") {
    std::vector<StructField> fs;
    for (size_t i = 0; i < na; ++i) {
      if (!is_array(c.a[i])) return not_array(c, n, i);
      const Expr& x = *c.a[i];
      bool named = x.kind == ExprKind::Attribute || x.kind == ExprKind::Alias || x.kind == ExprKind::GetField;
      fs.push_back({named ? x.name : std::to_string(i), x.type.element(), true});
    }
    return c.make(n, DataType::array(DataType::structure(fs), false), nullable());
  }
  if (n == "array_repeat") {
    if (na != 2) return c.wrong("2");
    DataType t = DataType::array(c.a[0]->type, c.a[0]->nullable);
    if (auto e = c.coerce(n, {ExpectedType::of(ExpectedType::Kind::Any), I})) return *e;
    return c.make(n, t, c.a[1]->nullable);
  }
  // ---- Spark 3.5's newer array functions
  if (n == "get") {  // 0-based; out of range: NULL
    if (na != 2) return c.wrong("2");
    if (!is_array(c.a[0])) return not_array(c, n, 0);
    DataType el = c.a[0]->type.element();
    if (auto e = c.coerce(n, {ExpectedType::of(ExpectedType::Kind::AnyArray), I})) return *e;
    return c.make(n, el, true);
  }
  if (n == "array_size") {
    if (na != 1) return c.wrong("1");
    if (!is_array(c.a[0])) return not_array(c, n, 0);
    return c.make(n, DataType::int_(), c.a[0]->nullable);
  }
  if (n == "array_append" || n == "array_prepend") {
    if (na != 2) return c.wrong("2");
    if (auto e = coerce_elem_value(c, n)) return *e;
    const DataType& t = c.a[0]->type;
    return c.make(n, DataType::array(t.element(), t.contains_null || c.a[1]->nullable), c.a[0]->nullable);
  }
  if (n == "array_insert") {
    if (na != 3) return c.wrong("3");
    if (!is_array(c.a[0]) && c.a[0]->type.id != TypeId::Null) return not_array(c, n, 0);
    std::swap(c.a[1], c.a[2]);  // (array, value) for the element coercion
    auto e = coerce_elem_value(c, n);
    std::swap(c.a[1], c.a[2]);
    if (e) return *e;
    DataType t = c.a[0]->type;
    if (auto err = c.coerce(n, {ExpectedType::of(ExpectedType::Kind::AnyArray), I})) return *err;
    return c.make(n, DataType::array(t.element(), true), c.a[0]->nullable || c.a[1]->nullable);
  }
  if (n == "array_compact") {
    if (na != 1) return c.wrong("1");
    if (!is_array(c.a[0])) return not_array(c, n, 0);
    return c.make(n, DataType::array(c.a[0]->type.element(), false), c.a[0]->nullable);
  }
  if (n == "map_contains_key") {  // Spark's replacement: array_contains(map_keys(m), k)
    if (na != 2) return c.wrong("2");
    if (c.a[0]->type.id != TypeId::Map)
      return unexpected_input_type(quoted(*c.shown(n)), 1, "\"MAP\"", quoted(*c.a[0]), qtype(c.a[0]->type));
    const DataType& mt = c.a[0]->type;
    FnCall keys{c.fn, "map_keys", {c.a[0]}};
    FnCall ac{c.fn, "array_contains", {keys.make("map_keys", DataType::array(mt.key(), false), c.a[0]->nullable), c.a[1]}};
    if (auto e = coerce_elem_value(ac, "array_contains")) return *e;
    return ac.make("array_contains", DataType::boolean(), ac.any_nullable());
  }
  if (n == "array_agg") {  // collect_list under its SQL alias
    if (na != 1) return c.wrong("1");
    return resolve_function(*unresolved_fn("collect_list", c.a, c.fn.distinct));
  }
  return resolve_map_struct_fn(c);
}

}  // namespace spp::sql

namespace spp::sql {
namespace {

AnalysisError need_map(FnCall& c, const std::string& name, size_t i) {
  return unexpected_input_type(quoted(*c.shown(name)), int(i + 1), "\"MAP\"", quoted(*c.a[i]), qtype(c.a[i]->type));
}

// A struct field's name as CreateStruct picks it: a named expression's name, else colN.
std::string field_name(const Expr& e, size_t i) {
  if (e.kind == ExprKind::Attribute || e.kind == ExprKind::Alias || e.kind == ExprKind::GetField) return e.name;
  return "col" + std::to_string(i + 1);
}

std::optional<std::string> literal_string(const Expr& e) {
  const Expr* x = &e;
  while (x->kind == ExprKind::Cast || x->kind == ExprKind::Alias) x = x->children[0].get();
  if (x->kind != ExprKind::Literal || x->value.is_null() || e.type.id != TypeId::String) return std::nullopt;
  return x->value.as_string();
}

ExprPtr get_field(const ExprPtr& s, size_t i) {
  const StructField& f = s->type.fields[i];
  auto g = std::make_shared<Expr>();
  g->kind = ExprKind::GetField;
  g->name = f.name;
  g->ordinal = static_cast<int>(i);
  g->type = f.type;
  g->nullable = s->nullable || f.nullable;
  g->children = {s};
  return g;
}

// Column.withField / dropFields (Spark's UpdateFields): the struct rebuilt by named_struct with
// the field at `path` (`a.b`: inside field a) replaced or appended (value given) or dropped,
// NULL where the struct is NULL. Names match case-insensitively.
LibResult update_fields(const ExprPtr& s, const std::vector<std::string>& path, size_t depth, const ExprPtr& value,
                        const Expr& shown) {
  if (s->type.id != TypeId::Struct)
    return unexpected_input_type(quoted(shown), 1, "\"STRUCT\"", quoted(*s), qtype(s->type));
  const auto& fs = s->type.fields;
  const std::string want = ascii_lower(path[depth]);
  const bool last = depth + 1 == path.size();
  ExprList args;
  bool found = false;
  for (size_t i = 0; i < fs.size(); ++i) {
    ExprPtr v = get_field(s, i);
    if (ascii_lower(fs[i].name) == want) {
      found = true;
      if (last && !value) continue;  // dropped
      if (last) {
        v = value;
      } else {
        auto inner = update_fields(v, path, depth + 1, value, shown);
        if (auto* e = std::get_if<AnalysisError>(&inner)) return *e;
        v = std::get<ExprPtr>(inner);
      }
    }
    args.push_back(lit_string(fs[i].name));
    args.push_back(v);
  }
  if (!found && value) {
    if (!last) return generic_error("FIELD_NOT_FOUND", "42704", "No such struct field " + to_sql_id({path[depth]}) + " in " + [&] {
                 std::string names;
                 for (const auto& f : fs) names += (names.empty() ? "" : ", ") + to_sql_id({f.name});
                 return names;
               }() + ".");
    args.push_back(lit_string(path[depth]));
    args.push_back(value);
  }
  if (args.empty())
    return generic_error("DATATYPE_MISMATCH.CANNOT_DROP_ALL_FIELDS", "42K09",
                         "Cannot resolve " + quoted(shown) + " due to data type mismatch: Cannot drop all fields in struct.");
  auto ns = resolve_function(*unresolved_fn("named_struct", args));
  if (auto* e = std::get_if<AnalysisError>(&ns)) return *e;
  if (!s->nullable) return std::get<ExprPtr>(ns);
  const ExprPtr built = std::get<ExprPtr>(ns);
  return resolve_function(*unresolved_fn("if", {std::get<ExprPtr>(resolve_function(*unresolved_fn("isnull", {s}))),
                                                lit_null(built->type), built}));
}

std::optional<LibResult> resolve_map_struct_fn(FnCall& c) {
  const std::string& n = c.n;
  const size_t na = c.na();
  if (n == "update_fields") {  // decoded from Connect's UpdateFields: struct, field path[, value]
    if (na != 2 && na != 3) return c.wrong("2 or 3");
    auto path = literal_string(*c.a[1]);
    if (!path) return generic_error("INTERNAL_ERROR", "XX000", "update_fields needs a literal field name");
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t dot; (dot = path->find('.', start)) != std::string::npos; start = dot + 1) parts.push_back(path->substr(start, dot - start));
    parts.push_back(path->substr(start));
    return update_fields(c.a[0], parts, 0, na == 3 ? c.a[2] : nullptr, *c.shown(n));
  }
  if (n == "struct") {
    std::vector<StructField> fs;
    for (size_t i = 0; i < na; ++i) fs.push_back({field_name(*c.a[i], i), c.a[i]->type, c.a[i]->nullable});
    return c.make(n, DataType::structure(fs), false);
  }
  if (n == "named_struct") {
    if (na == 0 || na % 2) return c.wrong("2n (n > 0)");
    std::vector<StructField> fs;
    for (size_t i = 0; i < na; i += 2) {
      auto nm = literal_string(*c.a[i]);
      if (!nm)
        return generic_error("DATATYPE_MISMATCH.CREATE_NAMED_STRUCT_WITHOUT_FOLDABLE_STRING", "42K09",
                             "Cannot resolve " + quoted(*c.shown(n)) + " due to data type mismatch: Only foldable \"STRING\" "
                             "expressions are allowed to appear at odd position, but they are [" + quoted(*c.a[i]) + "].");
      fs.push_back({*nm, c.a[i + 1]->type, c.a[i + 1]->nullable});
    }
    return c.make(n, DataType::structure(fs), false);
  }
  if (n == "map") {
    if (na % 2) return c.wrong("2n (n > 0)");
    auto side = [&](size_t from, const char* what) -> std::variant<DataType, AnalysisError> {
      std::vector<DataType> ts;
      for (size_t i = from; i < na; i += 2) ts.push_back(c.a[i]->type);
      if (ts.empty()) return DataType::null();  // map() is map<void,void> (Spark 3.0+)
      auto t = wider_common_type(ts);
      if (!t) {
        std::string list;
        for (size_t k = 0; k < ts.size(); ++k) list += (k ? ", " : "") + qtype(ts[k]);
        return generic_error(std::string("DATATYPE_MISMATCH.CREATE_MAP_") + what + "_DIFF_TYPES", "42K09",
                             "Cannot resolve " + quoted(*c.shown(n)) + " due to data type mismatch: The given " +
                                 (what[0] == 'K' ? "keys" : "values") + " of function `map` should all be the same type, "
                                 "but they are [" + list + "].");
      }
      for (size_t i = from; i < na; i += 2) if (!(c.a[i]->type == *t)) c.a[i] = cast(c.a[i], *t, false);
      return *t;
    };
    auto k = side(0, "KEY");
    if (auto* e = std::get_if<AnalysisError>(&k)) return *e;
    auto v = side(1, "VALUE");
    if (auto* e = std::get_if<AnalysisError>(&v)) return *e;
    bool vnull = false;
    for (size_t i = 1; i < na; i += 2) vnull |= c.a[i]->nullable;
    return c.make(n, DataType::map(std::get<DataType>(k), std::get<DataType>(v), vnull), false);
  }
  if (n == "map_keys" || n == "map_values" || n == "map_entries") {
    if (na != 1) return c.wrong("1");
    const DataType& t = c.a[0]->type;
    if (t.id != TypeId::Map) return need_map(c, n, 0);
    if (n == "map_keys") return c.make(n, DataType::array(t.key(), false), c.a[0]->nullable);
    if (n == "map_values") return c.make(n, DataType::array(t.value(), t.contains_null), c.a[0]->nullable);
    auto st = DataType::structure({{"key", t.key(), false}, {"value", t.value(), t.contains_null}});
    return c.make(n, DataType::array(st, false), c.a[0]->nullable);
  }
  if (n == "map_from_arrays") {
    if (na != 2) return c.wrong("2");
    for (size_t i = 0; i < 2; ++i) if (!is_array(c.a[i])) return not_array(c, n, i);
    return c.make(n, DataType::map(c.a[0]->type.element(), c.a[1]->type.element(), c.a[1]->type.contains_null), true);
  }
  if (n == "map_from_entries") {
    if (na != 1) return c.wrong("1");
    const DataType& t = c.a[0]->type;
    if (t.id != TypeId::Array || t.element().id != TypeId::Struct || t.element().fields.size() != 2)
      return unexpected_input_type(quoted(*c.shown(n)), 1, "Array of pair \"STRUCT\"", quoted(*c.a[0]), qtype(t));
    const auto& f = t.element().fields;
    return c.make(n, DataType::map(f[0].type, f[1].type, f[1].nullable), true);
  }
  if (n == "map_concat") {
    if (na == 0) return c.make(n, DataType::map(DataType::string(), DataType::string()), false);
    std::vector<DataType> ts;
    for (size_t i = 0; i < na; ++i) {
      if (c.a[i]->type.id != TypeId::Map) return need_map(c, n, i);
      ts.push_back(c.a[i]->type);
    }
    auto t = wider_common_type(ts);
    if (!t) {
      std::string list;
      for (size_t k = 0; k < ts.size(); ++k) list += (k ? ", " : "") + qtype(ts[k]);
      return generic_error("DATATYPE_MISMATCH.DATA_DIFF_TYPES", "42K09",
                           "Cannot resolve " + quoted(*c.shown(n)) + " due to data type mismatch: Input to `map_concat` "
                           "should all be the same type, but it's [" + list + "].");
    }
    for (auto& x : c.a) if (!(x->type == *t)) x = cast(x, *t, false);
    return c.make(n, *t, c.any_nullable());
  }
  if (n == "str_to_map") {
    if (na < 1 || na > 3) return c.wrong("[1, 2, 3]");
    if (na < 2) c.a.push_back(lit_string(","));
    if (na < 3) c.a.push_back(lit_string(":"));
    const auto S = exact(DataType::string());
    if (auto e = c.coerce(n, {S, S, S})) return *e;
    for (size_t i = 1; i < 3; ++i)
      if (auto e = c.need_literal(i, n, i == 1 ? "`pairDelim`" : "`keyValueDelim`")) return *e;
    return c.make(n, DataType::map(DataType::string(), DataType::string()), c.a[0]->nullable);
  }
  return std::nullopt;
}

}  // namespace
}  // namespace spp::sql
