// Higher-order functions (fn_lambda.h): lambda variables and resolved calls, as Spark 3.5's
// ArrayTransform, ArrayFilter, ArrayExists, ArrayForAll, ArrayAggregate, ZipWith, TransformKeys,
// TransformValues, MapFilter, MapZipWith and ArraySort (with a comparator) bind and type them.
#include "sql/analysis/fn_lambda.h"

namespace spp::sql {

namespace {
std::string quoted(const Expr& e) { return to_sql_expr(e.sql()); }
std::string qtype(const DataType& t) { return "\"" + t.sql() + "\""; }

bool is_lambda_arg(const Expr& e) { return is_bound_lambda(e) || is_unbound_lambda(e); }

// Spark's prettyName: SQL's `reduce` is an alias of aggregate and keeps its name.
std::string shown_name(const std::string& n) { return n; }

AnalysisError wrong_arg(const Expr& hof, size_t i, const char* required) {
  return unexpected_input_type(quoted(hof), int(i + 1), required, quoted(*hof.children[i]), qtype(hof.children[i]->type));
}

std::optional<AnalysisError> need(const Expr& hof, size_t i, TypeId id) {
  if (hof.children[i]->type.id == id) return std::nullopt;
  return wrong_arg(hof, i, id == TypeId::Array ? "\"ARRAY\"" : "\"MAP\"");
}
}  // namespace

std::variant<LambdaVars, AnalysisError> lambda_variables(const Expr& hof, const std::string& n, size_t i, size_t nvars) {
  const ExprList& a = hof.children;
  auto elem = [&](size_t k) { return std::make_pair(a[k]->type.element(), a[k]->type.contains_null); };
  if (n == "transform" || n == "filter" || n == "exists" || n == "forall" || n == "array_sort") {
    if (auto e = need(hof, 0, TypeId::Array)) return *e;
    if (n == "array_sort") return LambdaVars{elem(0), elem(0)};
    if (nvars == 2 && (n == "transform" || n == "filter")) return LambdaVars{elem(0), {DataType::int_(), false}};
    return LambdaVars{elem(0)};
  }
  if (n == "aggregate" || n == "reduce") {
    if (auto e = need(hof, 0, TypeId::Array)) return *e;
    std::pair<DataType, bool> acc{a[1]->type, true};
    if (i == 2) return LambdaVars{acc, elem(0)};
    return LambdaVars{acc};
  }
  if (n == "zip_with") {
    if (auto e = need(hof, 0, TypeId::Array)) return *e;
    if (auto e = need(hof, 1, TypeId::Array)) return *e;
    return LambdaVars{{a[0]->type.element(), true}, {a[1]->type.element(), true}};
  }
  if (n == "transform_keys" || n == "transform_values" || n == "map_filter") {
    if (auto e = need(hof, 0, TypeId::Map)) return *e;
    return LambdaVars{{a[0]->type.key(), false}, {a[0]->type.value(), a[0]->type.contains_null}};
  }
  if (n == "map_zip_with") {
    if (auto e = need(hof, 0, TypeId::Map)) return *e;
    if (auto e = need(hof, 1, TypeId::Map)) return *e;
    const DataType &l = a[0]->type.key(), &r = a[1]->type.key();
    if (!l.same_type(r))
      return generic_error("DATATYPE_MISMATCH.MAP_ZIP_WITH_DIFF_TYPES", "42K09",
                           "Cannot resolve " + quoted(hof) + " due to data type mismatch: Input to the `map_zip_with` "
                           "should have been two maps with compatible key types, but it's [" + qtype(l) + ", " + qtype(r) + "].");
    return LambdaVars{{l, false}, {a[0]->type.value(), true}, {a[1]->type.value(), true}};
  }
  return generic_error("INTERNAL_ERROR", "XX000", "not a higher-order function: " + n);
}

std::optional<LibResult> resolve_lambda_fn(FnCall& c) {
  const std::string& n = c.n;
  if (!is_higher_order_function(n)) return std::nullopt;
  bool any_lambda = false;
  for (const auto& x : c.a) any_lambda |= is_lambda_arg(*x);
  if (!any_lambda) return std::nullopt;  // array_sort(a): the collection family's
  const ExprList& a = c.a;
  const size_t na = a.size();
  auto shown = c.shown(shown_name(n));
  // Positions of lambdas: the function arguments must be lambdas, the others must not.
  auto lambdas_at = [&](size_t from) {
    for (size_t k = 0; k < na; ++k)
      if ((k >= from) != is_bound_lambda(*a[k])) return false;
    return true;
  };
  auto body = [&](size_t k) -> const Expr& { return *a[k]->children[0]; };
  auto need_bool = [&](size_t k) -> std::optional<AnalysisError> {
    if (body(k).type.id == TypeId::Boolean) return std::nullopt;
    return unexpected_input_type(quoted(*shown), int(k + 1), "\"BOOLEAN\"", quoted(*a[k]), qtype(a[k]->type));
  };
  auto unsupported = [&] {
    return generic_error("UNSUPPORTED_FEATURE", "0A000",
                         "The feature is not supported: " + quoted(*shown) + " with these arguments (not in sparkpp's SQL engine yet).");
  };
  if (n == "transform" || n == "filter" || n == "exists" || n == "forall" || n == "array_sort") {
    if (na != 2) return c.wrong("2");
    if (!lambdas_at(1)) return LibResult(unsupported());
    const DataType& at = a[0]->type;
    if (n == "transform")
      return c.make(n, DataType::array(body(1).type, body(1).nullable), a[0]->nullable);
    if (n == "filter") {
      if (auto e = need_bool(1)) return LibResult(*e);
      return c.make(n, at, a[0]->nullable);
    }
    if (n == "array_sort") {
      if (body(1).type.id != TypeId::Int)
        return LibResult(generic_error("DATATYPE_MISMATCH.UNEXPECTED_RETURN_TYPE", "42K09",
                                       "Cannot resolve " + quoted(*shown) + " due to data type mismatch: The `lambdafunction` "
                                       "requires return \"INT\" type, but the actual is " + qtype(body(1).type) + " type."));
      return c.make(n, at, a[0]->nullable);
    }
    if (auto e = need_bool(1)) return LibResult(*e);
    return c.make(n, DataType::boolean(), a[0]->nullable || body(1).nullable);
  }
  if (n == "aggregate" || n == "reduce") {
    if (na != 4) return c.wrong("[3, 4]");
    if (!lambdas_at(2)) return LibResult(unsupported());
    if (!body(2).type.same_type(a[1]->type))
      return LibResult(unexpected_input_type(quoted(*shown), 3, qtype(a[1]->type), quoted(*a[2]), qtype(body(2).type)));
    return c.make(n, body(3).type, a[0]->nullable || body(3).nullable);
  }
  if (n == "zip_with") {
    if (na != 3) return c.wrong("3");
    if (!lambdas_at(2)) return LibResult(unsupported());
    return c.make(n, DataType::array(body(2).type, body(2).nullable), a[0]->nullable || a[1]->nullable);
  }
  if (n == "transform_keys" || n == "transform_values" || n == "map_filter") {
    if (na != 2) return c.wrong("2");
    if (!lambdas_at(1)) return LibResult(unsupported());
    const DataType& mt = a[0]->type;
    if (n == "map_filter") {
      if (auto e = need_bool(1)) return LibResult(*e);
      return c.make(n, mt, a[0]->nullable);
    }
    if (n == "transform_values")
      return c.make(n, DataType::map(mt.key(), body(1).type, body(1).nullable), a[0]->nullable);
    if (body(1).type.id == TypeId::Map)
      return LibResult(generic_error("DATATYPE_MISMATCH.INVALID_MAP_KEY_TYPE", "42K09",
                                     "Cannot resolve " + quoted(*shown) + " due to data type mismatch: The key of map cannot "
                                     "be/contain " + qtype(body(1).type) + "."));
    return c.make(n, DataType::map(body(1).type, mt.value(), mt.contains_null), a[0]->nullable);
  }
  if (n == "map_zip_with") {
    if (na != 3) return c.wrong("3");
    if (!lambdas_at(2)) return LibResult(unsupported());
    return c.make(n, DataType::map(a[0]->type.key(), body(2).type, body(2).nullable), a[0]->nullable || a[1]->nullable);
  }
  return std::nullopt;
}

}  // namespace spp::sql
