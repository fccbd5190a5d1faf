// Array functions (collectionOperations.scala, Spark 3.5): input checks with Spark's error
// classes, the element/value coercion of ArrayContains & co. (a wider type without string
// promotion), defaults that show in column names (`sort_array(a, true)`), result types.
#include "sql/analysis/fn_library.h"

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
  if (n == "array_repeat") {
    if (na != 2) return c.wrong("2");
    DataType t = DataType::array(c.a[0]->type, c.a[0]->nullable);
    if (auto e = c.coerce(n, {ExpectedType::of(ExpectedType::Kind::Any), I})) return *e;
    return c.make(n, t, c.a[1]->nullable);
  }
  return std::nullopt;
}

}  // namespace spp::sql
