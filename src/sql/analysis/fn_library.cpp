// Dispatch to the library's families and the helpers they share (fn_library.h).
#include "sql/analysis/fn_library.h"
#include "sql/analysis/fn_lambda.h"

namespace spp::sql {

namespace {
std::string quoted_sql(const Expr& e) { return to_sql_expr(e.sql()); }
std::string quoted_type(const DataType& t) { return "\"" + t.sql() + "\""; }
}  // namespace

LibResult FnCall::wrong(const char* expected) const {
  return wrong_num_args(to_sql_id({n}), expected, static_cast<int>(a.size()));
}

ExprPtr FnCall::shown(const std::string& name) const { return make(name, DataType::null(), true); }

ExprPtr FnCall::make(const std::string& name, DataType t, bool nullable) const {
  auto e = std::make_shared<Expr>();
  e->kind = ExprKind::Call;
  e->name = name;
  e->children = a;
  e->type = std::move(t);
  e->nullable = nullable;
  e->distinct = fn.distinct;
  return e;
}

bool FnCall::any_nullable() const {
  for (const auto& x : a) if (x->nullable) return true;
  return false;
}

std::optional<AnalysisError> FnCall::coerce(const std::string& name, const std::vector<ExpectedType>& want) {
  auto s = shown(name);
  for (size_t i = 0; i < a.size() && i < want.size(); ++i) {
    auto t = implicit_cast_type(a[i]->type, want[i]);
    if (!t)
      return unexpected_input_type(quoted_sql(*s), static_cast<int>(i + 1), want[i].sql(), quoted_sql(*a[i]),
                                   quoted_type(a[i]->type));
    if (!(a[i]->type == *t)) a[i] = cast(a[i], *t, false);
  }
  return std::nullopt;
}

LibResult FnCall::typed(const std::string& name, const std::vector<ExpectedType>& want, DataType t, bool always_nullable) {
  if (auto err = coerce(name, want)) return *err;
  return make(name, std::move(t), always_nullable || any_nullable());
}

std::optional<AnalysisError> FnCall::need_literal(size_t i, const std::string& name, const std::string& what) const {
  const Expr* x = a[i].get();
  while (x->kind == ExprKind::Cast || x->kind == ExprKind::Alias) x = x->children[0].get();
  if (x->kind == ExprKind::Literal) return std::nullopt;
  return generic_error("DATATYPE_MISMATCH.NON_FOLDABLE_INPUT", "42K09",
                       "Cannot resolve " + quoted_sql(*shown(name)) + " due to data type mismatch: the input " + what +
                           " should be a foldable " + quoted_type(a[i]->type) + " expression; however, got " +
                           quoted_sql(*a[i]) + ".");
}

std::optional<LibResult> resolve_library_function(const Expr& fn, const std::string& lower_name) {
  FnCall c{fn, lower_name, fn.children};
  if (auto r = resolve_lambda_fn(c)) return r;
  if (auto r = resolve_string_fn(c)) return r;
  if (auto r = resolve_math_fn(c)) return r;
  if (auto r = resolve_misc_fn(c)) return r;
  if (auto r = resolve_collection_fn(c)) return r;
  if (auto r = resolve_json_fn(c)) return r;
  if (auto r = resolve_date_fn(c)) return r;
  if (auto r = resolve_agg_fn(c)) return r;
  if (auto r = resolve_sketch_fn(c)) return r;
  return std::nullopt;
}

}  // namespace spp::sql
