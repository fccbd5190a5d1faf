// Aggregates computed from a collected group (issue 14): median, percentile, mode, max_by,
// min_by, approx_count_distinct, try_sum, try_avg. Each resolves to a call of its own name over
// one ordinary aggregate — collect_list / collect_set of its input (a struct of two for
// max_by/min_by), sum / avg for the try_ forms — whose result a scalar kernel finishes
// (exec/library_aggs.cpp), as the existing percentile_approx keeps its group's values. The name
// prints as Spark's (`median(x)`, `max_by(x, y)`, `percentile(x, 0.5, 1)`): plan/expr.cpp shows
// a wrapper's aggregate input in place of the aggregate (is_collect_wrapper).
#include <algorithm>
#include <iterator>

#include "sql/analysis/fn_library.h"
#include "sql/analysis/functions.h"
#include "sql/plan/fn_names.h"

namespace spp::sql {

namespace {
std::string quoted(const Expr& e) { return to_sql_expr(e.sql()); }
std::string qtype(const DataType& t) { return "\"" + t.sql() + "\""; }

bool orderable_type(const DataType& t) {
  if (t.id == TypeId::Map) return false;
  for (const auto& ch : t.children) if (!orderable_type(ch)) return false;
  for (const auto& f : t.fields) if (!orderable_type(f.type)) return false;
  return true;
}

ExprPtr agg_call(const std::string& name, ExprPtr in, DataType t, bool nullable) {
  auto e = std::make_shared<Expr>(*call(name, {std::move(in)}, std::move(t), nullable));
  e->kind = ExprKind::AggCall;
  return e;
}
ExprPtr collect(const char* name, ExprPtr in) {
  DataType t = DataType::array(in->type, false);
  return agg_call(name, std::move(in), std::move(t), false);
}

const Expr* strip(const Expr& e) {
  const Expr* x = &e;
  while (x->kind == ExprKind::Cast || x->kind == ExprKind::Alias) x = x->children[0].get();
  return x;
}
}  // namespace

// try_add / try_subtract / try_multiply / try_divide (Spark's TryAdd & co.: the operator with
// EvalMode.TRY): coerced and typed as the operator (date ± days as date_add / date_sub), NULL
// where the operator would overflow (exec/library_aggs.cpp).
std::optional<LibResult> resolve_try_arith(FnCall& c) {
  const std::string& n = c.n;
  if (c.na() != 2) return c.wrong("2");
  ExprList a = c.a;
  std::string op = n == "try_add" ? "+" : n == "try_subtract" ? "-" : n == "try_multiply" ? "*" : "/";
  if ((n == "try_add" || n == "try_subtract") && a[0]->type.id == TypeId::Date &&
      (a[1]->type.is_integral() || a[1]->type.id == TypeId::Null))
    op = n == "try_add" ? "date_add" : "date_sub";
  else if (n == "try_add" && a[1]->type.id == TypeId::Date && a[0]->type.is_integral())
    op = "date_add", std::swap(a[0], a[1]);
  auto r = resolve_function(*unresolved_fn(op, a));
  if (auto* err = std::get_if<AnalysisError>(&r)) return LibResult(*err);
  auto e = std::make_shared<Expr>(*std::get<ExprPtr>(r));
  e->name = op == "date_add" || op == "date_sub" ? "try_" + op : n;
  e->nullable = true;
  return LibResult(ExprPtr(e));
}

static std::optional<LibResult> resolve_agg_fn_impl(FnCall& c);

std::optional<LibResult> resolve_agg_fn(FnCall& c) {
  auto r = resolve_agg_fn_impl(c);
  // f(DISTINCT x) of a collect wrapper (median, percentile, mode, ...): the kernel over the
  // distinct values (Spark's AggregateExpression isDistinct), named `median(DISTINCT x)`.
  if (!r || !c.fn.distinct || !std::holds_alternative<ExprPtr>(*r)) return r;
  const ExprPtr& e = std::get<ExprPtr>(*r);
  if (e->kind != ExprKind::Call || !is_collect_wrapper(e->name) || e->children.empty() ||
      e->children[0]->kind != ExprKind::AggCall || e->children[0]->name != "collect_list")
    return r;
  auto inner = std::make_shared<Expr>(*e->children[0]);
  inner->name = "collect_set";
  auto out = std::make_shared<Expr>(*e);
  out->children[0] = inner;
  out->distinct = true;
  return LibResult(ExprPtr(out));
}

static std::optional<LibResult> resolve_agg_fn_impl(FnCall& c) {
  const std::string& n = c.n;
  if (n == "try_add" || n == "try_subtract" || n == "try_multiply" || n == "try_divide") return resolve_try_arith(c);
  if (n == "try_element_at") {  // element_at, which already answers NULL out of range here
    if (c.na() != 2) return c.wrong("2");
    auto r = resolve_function(*unresolved_fn("element_at", c.a));
    if (auto* err = std::get_if<AnalysisError>(&r)) return LibResult(*err);
    auto e = std::make_shared<Expr>(*std::get<ExprPtr>(r));
    e->name = n;
    e->nullable = true;
    return LibResult(ExprPtr(e));
  }
  if (!is_collect_wrapper(n)) return std::nullopt;
  const size_t na = c.na();
  auto numeric = [&](size_t i) -> std::optional<AnalysisError> {
    if (c.a[i]->type.is_numeric() || c.a[i]->type.id == TypeId::Null) return std::nullopt;
    return unexpected_input_type(quoted(*c.shown(n)), int(i + 1), "\"NUMERIC\"", quoted(*c.a[i]), qtype(c.a[i]->type));
  };
  auto as_double = [&](const ExprPtr& e) { return e->type.id == TypeId::Double ? e : cast(e, DataType::double_(), false); };
  if (n == "median") {
    if (na != 1) return c.wrong("1");
    if (auto e = numeric(0)) return LibResult(*e);
    return LibResult(call(n, {collect("collect_list", as_double(c.a[0]))}, DataType::double_(), true));
  }
  if (n == "percentile") {
    if (na != 2 && na != 3) return c.wrong("[2, 3]");
    if (auto e = numeric(0)) return LibResult(*e);
    const Expr* p = strip(*c.a[1]);
    bool many = c.a[1]->type.id == TypeId::Array;
    bool constant = p->kind == ExprKind::Literal || (p->kind == ExprKind::Call && p->name == "array" && c.a[1]->foldable());
    if (!constant || (!many && !c.a[1]->type.is_numeric()) || (many && !c.a[1]->type.element().is_numeric()))
      return LibResult(generic_error("DATATYPE_MISMATCH.NON_FOLDABLE_INPUT", "42K09",
                                     "Cannot resolve " + quoted(*c.shown(n)) + " due to data type mismatch: the input percentage "
                                     "should be a foldable \"DOUBLE\" expression; however, got " + quoted(*c.a[1]) + "."));
    ExprPtr pct = many ? cast(c.a[1], DataType::array(DataType::double_(), false), false) : as_double(c.a[1]);
    ExprPtr freq = na == 3 ? c.a[2] : lit_long(1);
    const Expr* f = strip(*freq);
    if (f->kind != ExprKind::Literal || !freq->type.is_integral() || f->value.is_null() || f->value.as_int() != 1)
      return LibResult(generic_error("UNSUPPORTED_FEATURE", "0A000",
                                     "The feature is not supported: " + quoted(*c.shown(n)) +
                                         " with a frequency other than 1 (not in sparkpp's SQL engine yet)."));
    DataType t = many ? DataType::array(DataType::double_(), false) : DataType::double_();
    return LibResult(call(n, {collect("collect_list", as_double(c.a[0])), pct, freq}, t, true));
  }
  if (n == "mode") {
    if (na != 1) return c.wrong("1");
    return LibResult(call(n, {collect("collect_list", c.a[0])}, c.a[0]->type, true));
  }
  if (n == "max_by" || n == "min_by") {
    if (na != 2) return c.wrong("2");
    if (!orderable_type(c.a[1]->type))
      return LibResult(generic_error("DATATYPE_MISMATCH.INVALID_ORDERING_TYPE", "42K09",
                                     "Cannot resolve " + quoted(*c.shown(n)) + " due to data type mismatch: The `" + n +
                                         "` does not support ordering on type " + qtype(c.a[1]->type) + "."));
    DataType st = DataType::structure({{"x", c.a[0]->type, true, "{}"}, {"y", c.a[1]->type, true, "{}"}});
    ExprPtr pair = call("struct", {c.a[0], c.a[1]}, st, false);
    return LibResult(call(n, {collect("collect_list", pair)}, c.a[0]->type, true));
  }
  if (n.rfind("regr_", 0) == 0) {  // (y, x) pairs as doubles; the kernel skips pairs with a NULL
    static const char* kRegr[] = {"regr_count", "regr_avgx", "regr_avgy", "regr_sxx", "regr_syy", "regr_sxy",
                                  "regr_r2", "regr_slope", "regr_intercept"};
    if (std::find(std::begin(kRegr), std::end(kRegr), n) == std::end(kRegr)) return std::nullopt;
    if (na != 2) return c.wrong("2");
    if (auto e = numeric(0)) return LibResult(*e);
    if (auto e = numeric(1)) return LibResult(*e);
    DataType st = DataType::structure({{"y", DataType::double_(), true, "{}"}, {"x", DataType::double_(), true, "{}"}});
    ExprPtr pair = call("struct", {as_double(c.a[0]), as_double(c.a[1])}, st, false);
    if (n == "regr_count") return LibResult(call(n, {collect("collect_list", pair)}, DataType::long_(), false));
    return LibResult(call(n, {collect("collect_list", pair)}, DataType::double_(), true));
  }
  if (n == "approx_count_distinct") {
    if (na != 1 && na != 2) return c.wrong("[1, 2]");
    ExprPtr rsd = na == 2 ? as_double(c.a[1]) : lit(Value::of(0.05), DataType::double_());  // hidden from the name
    return LibResult(call(n, {collect("collect_set", c.a[0]), rsd}, DataType::long_(), false));
  }
  if (n == "product") {  // Product over DOUBLE
    if (na != 1) return c.wrong("1");
    if (auto e = numeric(0)) return LibResult(*e);
    return LibResult(call(n, {collect("collect_list", as_double(c.a[0]))}, DataType::double_(), true));
  }
  if (n == "bit_and" || n == "bit_or" || n == "bit_xor") {  // BitAndAgg & co.: integral input, same type
    if (na != 1) return c.wrong("1");
    if (auto err = c.coerce(n, {ExpectedType::of(ExpectedType::Kind::AnyIntegral)})) return LibResult(*err);
    return LibResult(call(n, {collect("collect_list", c.a[0])}, c.a[0]->type, true));
  }
  if (n == "bitmap_construct_agg" || n == "bitmap_or_agg") {  // 4,096-byte bitmaps, never NULL
    if (na != 1) return c.wrong("1");
    const bool construct = n == "bitmap_construct_agg";
    if (auto err = c.coerce(n, {exact(construct ? DataType::long_() : DataType::binary())})) return LibResult(*err);
    return LibResult(call(n, {collect("collect_list", c.a[0])}, DataType::binary(), false));
  }
  if (n == "histogram_numeric") {  // array<struct<x: input type, y: double>>
    if (na != 2) return c.wrong("2");
    const DataType& t = c.a[0]->type;
    if (!(t.is_numeric() || t.id == TypeId::Date || t.id == TypeId::Timestamp || t.id == TypeId::TimestampNtz ||
          t.id == TypeId::DayTimeInterval))
      return LibResult(unexpected_input_type(quoted(*c.shown(n)), 1, "(\"NUMERIC\" or \"TIMESTAMP\" or \"DATE\" or \"INTERVAL\")",
                                             quoted(*c.a[0]), qtype(t)));
    const Expr* nb = strip(*c.a[1]);
    if (nb->kind != ExprKind::Literal || !c.a[1]->type.is_integral())
      return LibResult(generic_error("DATATYPE_MISMATCH.NON_FOLDABLE_INPUT", "42K09",
                                     "Cannot resolve " + quoted(*c.shown(n)) + " due to data type mismatch: the input nb should be "
                                     "a foldable \"INT\" expression; however, got " + quoted(*c.a[1]) + "."));
    if (nb->value.is_null() || nb->value.as_int() < 2)
      return LibResult(generic_error("DATATYPE_MISMATCH.VALUE_OUT_OF_RANGE", "42K09",
                                     "Cannot resolve " + quoted(*c.shown(n)) + " due to data type mismatch: The `nb` must be "
                                     "between [2, 2147483647] (current value = " + (nb->value.is_null() ? std::string("NULL") : std::to_string(nb->value.as_int())) + ")."));
    ExprPtr bins = c.a[1]->type.id == TypeId::Int ? c.a[1] : cast(c.a[1], DataType::int_(), false);
    DataType st = DataType::structure({{"x", t, true, "{}"}, {"y", DataType::double_(), true, "{}"}});
    return LibResult(call(n, {collect("collect_list", c.a[0]), bins}, DataType::array(st, true), true));
  }
  if (n == "count_min_sketch") {  // (col, eps DOUBLE, confidence DOUBLE, seed INT) -> BINARY
    if (na != 4) return c.wrong("4");
    const DataType& t = c.a[0]->type;
    if (!t.is_integral() && t.id != TypeId::String && t.id != TypeId::Binary)
      return LibResult(unexpected_input_type(quoted(*c.shown(n)), 1, "(\"INTEGRAL\" or \"STRING\" or \"BINARY\")",
                                             quoted(*c.a[0]), qtype(t)));
    for (size_t i = 1; i < 4; ++i)
      if (strip(*c.a[i])->kind != ExprKind::Literal)
        return LibResult(generic_error("DATATYPE_MISMATCH.NON_FOLDABLE_INPUT", "42K09",
                                       "Cannot resolve " + quoted(*c.shown(n)) + " due to data type mismatch: the input " +
                                           (i == 1 ? "eps" : i == 2 ? "confidence" : "seed") + " should be a foldable \"" +
                                           (i == 3 ? "INT" : "DOUBLE") + "\" expression; however, got " + quoted(*c.a[i]) + "."));
    ExprPtr eps = as_double(c.a[1]), conf = as_double(c.a[2]);
    ExprPtr seed = c.a[3]->type.id == TypeId::Int ? c.a[3] : cast(c.a[3], DataType::int_(), false);
    return LibResult(call(n, {collect("collect_list", c.a[0]), eps, conf, seed}, DataType::binary(), false));
  }
  if (n == "try_sum" || n == "try_avg") {
    if (na != 1) return c.wrong("1");
    auto r = resolve_function(*unresolved_fn(n == "try_sum" ? "sum" : "avg", {c.a[0]}));
    if (auto* err = std::get_if<AnalysisError>(&r)) return LibResult(*err);
    const ExprPtr& agg = std::get<ExprPtr>(r);
    return LibResult(call(n, {agg}, agg->type, true));
  }
  return std::nullopt;
}

}  // namespace spp::sql
