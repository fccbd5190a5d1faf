// Built-in functions: argument coercion (TypeCoercion / DecimalPrecision / ImplicitTypeCasts as
// Spark 3.5 non-ANSI applies them) and result types. Canonical names are what executors see.
#include "sql/analysis/functions.h"
#include "sql/plan/fn_names.h"

#include <cmath>

#include "sql/analysis/fn_library.h"
#include "sql/analysis/generators.h"
#include "sql/analysis/windows.h"

#include "sql/coercion.h"

namespace spp::sql {
namespace {

using K = ExpectedType::Kind;

ExprPtr cast_to(const ExprPtr& e, const DataType& t) {
  if (e->type == t) return e;
  return cast(e, t, false);
}

bool any_nullable(const ExprList& a) {
  for (const auto& e : a) if (e->nullable) return true;
  return false;
}

ExprPtr make_call(const Expr& fn, const std::string& name, ExprList args, DataType t, bool nullable) {
  auto e = std::make_shared<Expr>();
  e->kind = ExprKind::Call;
  e->name = name;
  e->children = std::move(args);
  e->type = std::move(t);
  e->nullable = nullable;
  e->distinct = fn.distinct;
  return e;
}

ExprPtr make_agg(const Expr& fn, const std::string& name, ExprList args, DataType t, bool nullable) {
  auto e = std::make_shared<Expr>(*make_call(fn, name, std::move(args), std::move(t), nullable));
  e->kind = ExprKind::AggCall;
  return e;
}

std::string quoted_sql(const Expr& e) { return to_sql_expr(e.sql()); }
std::string quoted_type(const DataType& t) { return "\"" + t.sql() + "\""; }

// Casts each argument to the type `want` accepts, or reports UNEXPECTED_INPUT_TYPE.
std::variant<ExprList, AnalysisError> coerce_args(const Expr& fn, const ExprPtr& shown, ExprList args,
                                                  const std::vector<ExpectedType>& want) {
  for (size_t i = 0; i < args.size() && i < want.size(); ++i) {
    auto t = implicit_cast_type(args[i]->type, want[i]);
    if (!t)
      return unexpected_input_type(quoted_sql(*shown), static_cast<int>(i + 1), want[i].sql(), quoted_sql(*args[i]),
                                   quoted_type(args[i]->type));
    args[i] = cast_to(args[i], *t);
  }
  return args;
}

bool is_binary_arith(const std::string& n) { return n == "+" || n == "-" || n == "*" || n == "/" || n == "%"; }
bool is_comparison(const std::string& n) {
  return n == "==" || n == "=" || n == "<" || n == "<=" || n == ">" || n == ">=" || n == "<=>";
}

bool is_interval_type(TypeId t) {
  return t == TypeId::DayTimeInterval || t == TypeId::YearMonthInterval || t == TypeId::CalendarInterval;
}
bool is_datetime_type(TypeId t) { return t == TypeId::Date || t == TypeId::Timestamp || t == TypeId::TimestampNtz; }

// Spark's ResolveBinaryArithmetic (BinaryArithmeticWithDatetimeResolver): `+ - * /` with an
// interval or datetime operand, typed here and computed by exec/library_intervals.cpp under the
// operator's name (so names print `(d + i)`). nullopt: plain arithmetic.
std::optional<ExprOrError> datetime_arithmetic(const Expr& fn, const std::string& op, ExprList a) {
  const DataType l = a[0]->type, r = a[1]->type;
  const bool li = is_interval_type(l.id), ri = is_interval_type(r.id), ld = is_datetime_type(l.id), rd = is_datetime_type(r.id);
  if (!li && !ri && !ld && !rd) return std::nullopt;
  auto shown = make_call(fn, op, a, DataType::null(), true);
  auto mismatch = [&]() -> ExprOrError {
    if (l.id != r.id) return binary_op_diff_types(quoted_sql(*shown), quoted_type(l), quoted_type(r));
    return unexpected_input_type(quoted_sql(*shown), 1, "(\"NUMERIC\" or \"INTERVAL DAY TO SECOND\" or \"INTERVAL YEAR TO MONTH\" or \"INTERVAL\")",
                                 quoted_sql(*a[0]), quoted_type(l));
  };
  auto number = [](const DataType& t) { return t.is_numeric() || t.id == TypeId::Null; };
  if (op == "+" || op == "-") {
    if (li && ri) {
      if (l.id != r.id) return mismatch();
      DataType t = l;
      if (l.id != TypeId::CalendarInterval) { t.precision = std::min(l.precision, r.precision); t.scale = std::min(l.scale, r.scale); }  // the later end field
      return make_call(fn, op, a, t, true);
    }
    if (ri && rd && op == "+") std::swap(a[0], a[1]);
    const DataType& dt = a[0]->type;
    const DataType& iv = a[1]->type;
    if (is_datetime_type(dt.id) && is_interval_type(iv.id)) {
      DataType t = dt;
      if (dt.id == TypeId::Date && iv.id == TypeId::DayTimeInterval && !(iv.precision == 0 && iv.interval_end() == 0)) {
        a[0] = cast_to(a[0], DataType::timestamp());
        t = DataType::timestamp();
      }
      return make_call(fn, op, a, t, true);
    }
    if (ld && rd && op == "-") {
      if (l.id == TypeId::Date && r.id == TypeId::Date) return make_call(fn, op, a, DataType::day_time_interval(0, 0), true);
      DataType ts = l.id == TypeId::TimestampNtz && r.id != TypeId::Timestamp ? DataType::timestamp_ntz()
                  : r.id == TypeId::TimestampNtz && l.id != TypeId::Timestamp ? DataType::timestamp_ntz() : DataType::timestamp();
      if (l.id == TypeId::Date) a[0] = cast_to(a[0], ts);
      if (r.id == TypeId::Date) a[1] = cast_to(a[1], ts);
      return make_call(fn, op, a, DataType::day_time_interval(), true);
    }
    if (l.id == TypeId::Date && (r.is_integral() || r.id == TypeId::Null)) {  // DateAdd / DateSub
      a[1] = cast_to(a[1], DataType::int_());
      return make_call(fn, op == "+" ? "date_add" : "date_sub", a, DataType::date(), true);
    }
    if (op == "+" && r.id == TypeId::Date && l.is_integral()) {
      std::swap(a[0], a[1]);
      a[1] = cast_to(a[1], DataType::int_());
      return make_call(fn, "date_add", a, DataType::date(), true);
    }
    return mismatch();
  }
  if (op == "*" && ((li && number(r)) || (ri && number(l)))) {
    size_t k = li ? 1 : 0;
    if (!a[k]->type.is_numeric()) a[k] = cast_to(a[k], DataType::double_());
    return make_call(fn, op, a, li ? l : r, true);
  }
  if (op == "/" && li && number(r)) {
    if (!r.is_numeric()) a[1] = cast_to(a[1], DataType::double_());
    return make_call(fn, op, a, l, true);
  }
  return mismatch();
}

ExprOrError arithmetic(const Expr& fn, std::string op, ExprList a) {
  if (op != "%")
    if (auto r = datetime_arithmetic(fn, op, a)) return *r;
  // PromoteStrings: a string operand of arithmetic is read as double.
  for (auto& x : a)
    if (x->type.id == TypeId::String) x = cast_to(x, DataType::double_());
  const DataType &l = a[0]->type, &r = a[1]->type;
  auto shown = make_call(fn, op, a, DataType::null(), true);
  bool numeric_or_null = (l.is_numeric() || l.id == TypeId::Null) && (r.is_numeric() || r.id == TypeId::Null);
  if (!numeric_or_null) {
    if (l.id != r.id) return binary_op_diff_types(quoted_sql(*shown), quoted_type(l), quoted_type(r));
    return unexpected_input_type(quoted_sql(*shown), 1, "(\"NUMERIC\" or \"INTERVAL DAY TO SECOND\" or \"INTERVAL YEAR TO MONTH\" or \"INTERVAL\")",
                                 quoted_sql(*a[0]), quoted_type(l));
  }
  bool ld = l.id == TypeId::Decimal, rd = r.id == TypeId::Decimal;
  bool lf = l.id == TypeId::Float || l.id == TypeId::Double, rf = r.id == TypeId::Float || r.id == TypeId::Double;
  DataType result;
  if (op == "/" && !ld && !rd) {
    // Division: non-decimal operands are divided as doubles (1/2 = 0.5).
    a[0] = cast_to(a[0], DataType::double_());
    a[1] = cast_to(a[1], DataType::double_());
    result = DataType::double_();
  } else if ((ld || rd) && !lf && !rf) {
    // DecimalPrecision: integral (or null) operands become decimals; result per Spark's table.
    DataType dl = l.id == TypeId::Null ? (rd ? r : decimal_for(r)) : decimal_for(l);
    DataType dr = r.id == TypeId::Null ? dl : decimal_for(r);
    a[0] = cast_to(a[0], dl);
    a[1] = cast_to(a[1], dr);
    if (op == "+" || op == "-") result = decimal_add_type(dl, dr);
    else if (op == "*") result = decimal_multiply_type(dl, dr);
    else if (op == "/") result = decimal_divide_type(dl, dr);
    else result = decimal_remainder_type(dl, dr);
  } else {
    DataType t = (ld || rd) ? DataType::double_() : *tightest_common_type(l, r);
    if (t.id == TypeId::Null) t = DataType::double_();
    a[0] = cast_to(a[0], t);
    a[1] = cast_to(a[1], t);
    result = t;
  }
  // Division and remainder by zero give NULL, so they are always nullable.
  bool nullable = any_nullable(a) || op == "/" || op == "%" || result.id == TypeId::Decimal;
  return make_call(fn, op, std::move(a), result, nullable);
}

ExprOrError comparison(const Expr& fn, std::string op, ExprList a) {
  if (op == "==") op = "=";
  auto shown = make_call(fn, op, a, DataType::boolean(), true);
  auto t = comparison_common_type(a[0]->type, a[1]->type);
  if (!t || t->id == TypeId::Map)
    return binary_op_diff_types(quoted_sql(*shown), quoted_type(a[0]->type), quoted_type(a[1]->type));
  a[0] = cast_to(a[0], *t);
  a[1] = cast_to(a[1], *t);
  bool nullable = op == "<=>" ? false : any_nullable(a);
  return make_call(fn, op, std::move(a), DataType::boolean(), nullable);
}

// Arguments all cast to their wider common type (coalesce, array, CASE values, IN).
std::optional<DataType> widen_all(ExprList& a, size_t from, size_t step = 1) {
  std::vector<DataType> ts;
  for (size_t i = from; i < a.size(); i += step) ts.push_back(a[i]->type);
  auto t = wider_common_type(ts);
  if (!t) return std::nullopt;
  for (size_t i = from; i < a.size(); i += step) a[i] = cast_to(a[i], *t);
  return t;
}

bool arity(size_t n, size_t lo, size_t hi) { return n >= lo && n <= hi; }

}  // namespace

bool is_moment_function(const std::string& n) {
  return n == "stddev" || n == "std" || n == "stddev_samp" || n == "stddev_pop" || n == "variance" ||
         n == "var_samp" || n == "var_pop" || n == "skewness" || n == "kurtosis";
}

bool is_aggregate_function(const std::string& n) {
  return n == "count" || n == "sum" || n == "avg" || n == "mean" || n == "min" || n == "max" || n == "first" ||
         n == "last" || n == "collect_list" || n == "collect_set" || n == "count_distinct" || is_moment_function(n) ||
         n == "percentile_approx" || n == "approx_percentile" || n == "count_if" || n == "bool_and" || n == "every" ||
         n == "bool_or" || n == "some" || n == "any" || n == "any_value" || n == "first_value" || n == "last_value" ||
         n == "corr" || n == "covar_pop" || n == "covar_samp";
}

bool is_generator_function(const std::string& n) { return is_generator_name(n); }

std::optional<AnalysisError> check_cast(const Expr& c) {
  const DataType& from = c.children[0]->type;
  if (can_cast(from, c.type)) return std::nullopt;
  return cast_without_suggestion(quoted_sql(c), quoted_type(from), quoted_type(c.type));
}

ExprOrError resolve_function(const Expr& fn) {
  std::string n = fn.name;
  for (auto& ch : n) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (n == "~") n = "bitwise_not";  // SQL's `~x` (BitwiseNot)
  ExprList a = fn.children;
  const size_t na = a.size();
  auto wrong = [&](const char* expected) -> ExprOrError { return wrong_num_args(to_sql_id({n}), expected, static_cast<int>(na)); };
  auto shown = [&](const std::string& name) { return make_call(fn, name, a, DataType::null(), true); };
  // A generator's rows cannot feed a function: no type check here; ExtractGenerator reports
  // the item (NESTED_IN_EXPRESSIONS) or the operator (OUTSIDE_SELECT) as Spark does.
  for (const auto& x : a)
    if (any_expr(x, [](const Expr& e) { return e.kind == ExprKind::Call && is_generator_name(e.name); })) return shown(n);
  auto coerced = [&](const std::string& name, std::vector<ExpectedType> want,
                     std::function<ExprPtr(ExprList)> build) -> ExprOrError {
    auto r = coerce_args(fn, shown(name), a, want);
    if (auto* err = std::get_if<AnalysisError>(&r)) return *err;
    return build(std::get<ExprList>(std::move(r)));
  };
  const auto S = ExpectedType::exact(DataType::string());
  const auto I = ExpectedType::exact(DataType::int_());
  const auto B = ExpectedType::exact(DataType::boolean());
  const auto D = ExpectedType::exact(DataType::double_());
  const auto NUM = ExpectedType::of(K::AnyNumeric);
  const auto DATE = ExpectedType::exact(DataType::date());

  if (auto w = resolve_window_function(fn, n)) return *w;
  // Spark's cast aliases: int(x), string(x), … are CAST(x AS type).
  if (n == "boolean" || n == "tinyint" || n == "smallint" || n == "int" || n == "bigint" || n == "float" ||
      n == "double" || n == "decimal" || n == "date" || n == "timestamp" || n == "string" || n == "binary") {
    if (na != 1) return wrong("1");
    auto t = parse_ddl_type(n);
    if (!t) return wrong("1");
    auto c = cast(a[0], *t, true);
    if (auto err = check_cast(*c)) return *err;
    return c;
  }
  if (is_binary_arith(n) && !(n == "-" && na == 1)) {
    if (na != 2) return wrong("2");
    return arithmetic(fn, n, a);
  }
  if (is_comparison(n)) {
    if (na != 2) return wrong("2");
    return comparison(fn, n, a);
  }
  if (n == "and" || n == "or") {
    if (na != 2) return wrong("2");
    return coerced(n, {B, B}, [&](ExprList x) { return make_call(fn, n, x, DataType::boolean(), any_nullable(x)); });
  }
  if (n == "not") {
    if (na != 1) return wrong("1");
    return coerced(n, {B}, [&](ExprList x) { return make_call(fn, n, x, DataType::boolean(), x[0]->nullable); });
  }
  if (n == "negative" || n == "abs" || (n == "-" && na == 1)) {
    if (na != 1) return wrong("1");
    // `-x` (parser, Column.__neg__) prints (- x); the function negative(x) prints its own name
    // (Spark's FUNC_ALIAS tag), marked by ordinal = 1.
    const std::string cn = n == "abs" ? n : "negative";
    auto mark = [&](ExprPtr r) {
      if (n != "negative") return r;
      auto e = std::make_shared<Expr>(*r);
      e->ordinal = 1;
      return ExprPtr(e);
    };
    TypeId ti = a[0]->type.id;
    if (ti == TypeId::DayTimeInterval || ti == TypeId::YearMonthInterval || ti == TypeId::CalendarInterval)
      return mark(make_call(fn, cn, a, a[0]->type, a[0]->nullable));
    return coerced(n, {NUM}, [&](ExprList x) { return mark(make_call(fn, cn, x, x[0]->type, x[0]->nullable)); });
  }
  if (n == "div") {
    if (na != 2) return wrong("2");
    auto L = ExpectedType::exact(DataType::long_());
    return coerced(n, {L, L}, [&](ExprList x) { return make_call(fn, n, x, DataType::long_(), true); });
  }
  if (n == "|" || n == "&" || n == "^") {
    if (na != 2) return wrong("2");
    auto t = tightest_common_type(a[0]->type, a[1]->type);
    if (!t || !t->is_integral())
      return binary_op_diff_types(quoted_sql(*shown(n)), quoted_type(a[0]->type), quoted_type(a[1]->type));
    a[0] = cast_to(a[0], *t);
    a[1] = cast_to(a[1], *t);
    return make_call(fn, n, a, *t, any_nullable(a));
  }
  if (n == "power" || n == "pow" || n == "sqrt") {
    bool pw = n != "sqrt";
    if (na != (pw ? 2u : 1u)) return wrong(pw ? "2" : "1");
    std::string cn = pw ? "power" : "sqrt";
    return coerced(cn, pw ? std::vector<ExpectedType>{D, D} : std::vector<ExpectedType>{D},
                   [&](ExprList x) { return make_call(fn, cn, x, DataType::double_(), any_nullable(x)); });
  }
  if (n == "isnull" || n == "isnotnull") {
    if (na != 1) return wrong("1");
    auto r = make_call(fn, n, a, DataType::boolean(), false);
    if (fn.ordinal != kIsUnknown) return r;
    auto u = std::make_shared<Expr>(*r);  // IS [NOT] UNKNOWN: ExpectsInputTypes(BOOLEAN), no implicit cast
    u->ordinal = kIsUnknown;
    if (a[0]->type.id != TypeId::Boolean)
      return unexpected_input_type(quoted_sql(*u), 1, "\"BOOLEAN\"", quoted_sql(*a[0]), quoted_type(a[0]->type));
    return ExprPtr(u);
  }
  if (n == "in") {
    if (na < 1) return wrong("> 0");
    auto t = widen_all(a, 0);
    if (!t) return generic_error("DATATYPE_MISMATCH.DATA_DIFF_TYPES", "42K09",
                                 "Cannot resolve " + quoted_sql(*shown(n)) +
                                     " due to data type mismatch: Input to `in` should all be the same type.");
    return make_call(fn, n, a, DataType::boolean(), any_nullable(a));
  }
  if (n == "like" || n == "rlike" || n == "ilike" || n == "startswith" || n == "endswith" || n == "contains") {
    if (na == 3 && (n == "like" || n == "ilike"))  // escape character: a one-character string literal
      return coerced(n, {S, S, S}, [&](ExprList x) { return make_call(fn, n, x, DataType::boolean(), any_nullable(x)); });
    if (na != 2) return wrong("2");
    return coerced(n, {S, S}, [&](ExprList x) { return make_call(fn, n, x, DataType::boolean(), any_nullable(x)); });
  }
  if (n == "when" || n == "casewhen") {
    if (na < 2) return wrong("> 1");
    for (size_t i = 0; i + 1 < na; i += 2)
      if (a[i]->type.id != TypeId::Boolean && a[i]->type.id != TypeId::Null)
        return unexpected_input_type(quoted_sql(*shown("casewhen")), static_cast<int>(i + 1), "\"BOOLEAN\"",
                                     quoted_sql(*a[i]), quoted_type(a[i]->type));
    for (size_t i = 0; i + 1 < na; i += 2) a[i] = cast_to(a[i], DataType::boolean());
    // Values: every odd position plus a trailing else.
    std::vector<size_t> vi;
    for (size_t i = 1; i < na; i += 2) vi.push_back(i);
    if (na % 2 == 1) vi.push_back(na - 1);
    std::vector<DataType> ts;
    for (size_t i : vi) ts.push_back(a[i]->type);
    auto t = wider_common_type(ts);
    if (!t) return generic_error("DATATYPE_MISMATCH.DATA_DIFF_TYPES", "42K09",
                                 "Cannot resolve " + quoted_sql(*shown("casewhen")) +
                                     " due to data type mismatch: Input to `casewhen` should all be the same type.");
    bool nullable = na % 2 == 0;
    for (size_t i : vi) { a[i] = cast_to(a[i], *t); nullable |= a[i]->nullable; }
    return make_call(fn, "casewhen", a, *t, nullable);
  }
  if (n == "coalesce" || n == "array") {
    if (n == "coalesce" && na < 1) return wrong("> 0");
    // array() is array<void> (Spark 3.0+; string only under spark.sql.legacy.createEmptyCollectionUsingStringType).
    auto t = na ? widen_all(a, 0) : std::optional<DataType>(DataType::null());
    if (!t) return generic_error("DATATYPE_MISMATCH.DATA_DIFF_TYPES", "42K09",
                                 "Cannot resolve " + quoted_sql(*shown(n)) +
                                     " due to data type mismatch: Input to `" + n + "` should all be the same type.");
    if (n == "array") return make_call(fn, n, a, DataType::array(*t, any_nullable(a)), false);
    bool nullable = true;
    for (const auto& x : a) nullable &= x->nullable;
    return make_call(fn, n, a, *t, nullable);
  }
  // ---- aggregates ----
  if (n == "count" || n == "count_distinct") {
    if (na < 1) return wrong("> 0");
    auto e = make_agg(fn, "count", a, DataType::long_(), false);
    if (n == "count_distinct") std::const_pointer_cast<Expr>(e)->distinct = true;
    return e;
  }
  if (n == "sum" || n == "avg" || n == "mean") {
    if (na != 1) return wrong("1");
    std::string cn = n == "sum" ? "sum" : "avg";
    return coerced(cn, {NUM}, [&](ExprList x) {
      DataType t = cn == "sum" ? sum_result_type(x[0]->type) : avg_result_type(x[0]->type);
      return make_agg(fn, cn, x, t, true);
    });
  }
  if (n == "grouping") {  // replaced by a bit of spark_grouping_id under ROLLUP / CUBE / GROUPING SETS
    if (na != 1) return wrong("1");
    return make_call(fn, n, a, DataType::byte_(), false);
  }
  if (n == "grouping_id") return make_call(fn, n, a, DataType::long_(), false);
  if (n == "percentile_approx" || n == "approx_percentile") {  // (x, percentage(s)[, accuracy])
    if (!arity(na, 2, 3)) return wrong("[2, 3]");
    const DataType& t = a[0]->type;
    if (!(t.is_numeric() || t.id == TypeId::Date || t.id == TypeId::Timestamp || t.id == TypeId::TimestampNtz))
      return unexpected_input_type(quoted_sql(*shown(n)), 1, "(\"NUMERIC\" or \"DATE\" or \"TIMESTAMP\")",
                                   quoted_sql(*a[0]), quoted_type(t));
    ExprPtr p = a[1];
    const bool many = p->kind == ExprKind::Call && p->name == "array";
    // A constant percentage as a double literal (0.25 in SQL is a decimal literal).
    auto to_double = [&](const ExprPtr& x) -> std::optional<ExprPtr> {
      const Expr* e = x.get();
      while (e->kind == ExprKind::Cast && e->type.is_numeric()) e = e->children[0].get();
      if (e->kind != ExprKind::Literal || !e->type.is_numeric() || e->value.is_null()) return std::nullopt;
      double d = 0;
      if (auto* i = std::get_if<int64_t>(&e->value.v)) d = double(*i);
      else if (auto* f = std::get_if<double>(&e->value.v)) d = *f;
      else if (auto* m = std::get_if<Value::Decimal>(&e->value.v)) d = double(m->unscaled) / std::pow(10.0, e->type.scale);
      else return std::nullopt;
      return lit(Value::of(d), DataType::double_());
    };
    if (many) {
      ExprList ps;
      for (const auto& x : p->children) {
        auto d = to_double(x);
        if (!d) return unexpected_input_type(quoted_sql(*shown(n)), 2, "(\"DOUBLE\" or \"ARRAY<DOUBLE>\")", quoted_sql(*p), quoted_type(p->type));
        ps.push_back(*d);
      }
      p = make_call(fn, "array", ps, DataType::array(DataType::double_(), false), false);
    } else {
      auto d = to_double(p);
      if (!d) return unexpected_input_type(quoted_sql(*shown(n)), 2, "(\"DOUBLE\" or \"ARRAY<DOUBLE>\")", quoted_sql(*p), quoted_type(p->type));
      p = *d;
    }
    ExprPtr acc = na > 2 ? a[2] : lit_int(10000);
    if (!acc->foldable() || !acc->type.is_integral())
      return unexpected_input_type(quoted_sql(*shown(n)), 3, "\"INT\"", quoted_sql(*acc), quoted_type(acc->type));
    return make_agg(fn, n, {a[0], p, acc}, many ? DataType::array(t, false) : t, true);
  }
  if (is_moment_function(n)) {  // double results; NULL where Spark divides by zero
    if (na != 1) return wrong("1");
    return coerced(n, {D}, [&](ExprList x) { return make_agg(fn, n, x, DataType::double_(), true); });
  }
  if (n == "min" || n == "max") {
    if (na != 1) return wrong("1");
    if (a[0]->type.id == TypeId::Map)
      return unexpected_input_type(quoted_sql(*shown(n)), 1, "\"ORDERABLE\"", quoted_sql(*a[0]), quoted_type(a[0]->type));
    return make_agg(fn, n, a, a[0]->type, true);
  }
  if (n == "corr" || n == "covar_pop" || n == "covar_samp") {
    if (na != 2) return wrong("2");
    return coerced(n, {D, D}, [&](ExprList x) { return make_agg(fn, n, x, DataType::double_(), true); });
  }
  if (n == "count_if") {
    if (na != 1) return wrong("1");
    return coerced(n, {B}, [&](ExprList x) { return make_agg(fn, n, x, DataType::long_(), false); });
  }
  if (n == "bool_and" || n == "every" || n == "bool_or" || n == "some" || n == "any") {
    if (na != 1) return wrong("1");
    return coerced(n, {B}, [&](ExprList x) { return make_agg(fn, n, x, DataType::boolean(), true); });
  }
  if (n == "first" || n == "last" || n == "any_value" || n == "first_value" || n == "last_value") {
    if (!arity(na, 1, 2)) return wrong("[1, 2]");
    bool ignore = false;
    if (na == 2) {
      if (a[1]->kind != ExprKind::Literal || a[1]->type.id != TypeId::Boolean)
        return unexpected_input_type(quoted_sql(*shown(n)), 2, "\"BOOLEAN\"", quoted_sql(*a[1]), quoted_type(a[1]->type));
      ignore = !a[1]->value.is_null() && a[1]->value.as_bool();
    }
    auto e = make_agg(fn, n, {a[0]}, a[0]->type, true);
    std::const_pointer_cast<Expr>(e)->ignore_nulls = ignore;
    return e;
  }
  if (n == "collect_list" || n == "collect_set") {
    if (na != 1) return wrong("1");
    return make_agg(fn, n, a, DataType::array(a[0]->type, false), false);
  }
  // ---- strings ----
  if (n == "upper" || n == "lower" || n == "trim" || n == "ltrim" || n == "rtrim") {
    if (na != 1) return wrong("1");
    return coerced(n, {S}, [&](ExprList x) { return make_call(fn, n, x, DataType::string(), x[0]->nullable); });
  }
  if (n == "length") {
    if (na != 1) return wrong("1");
    auto want = a[0]->type.id == TypeId::Binary ? ExpectedType::exact(DataType::binary()) : S;
    return coerced(n, {want}, [&](ExprList x) { return make_call(fn, n, x, DataType::int_(), x[0]->nullable); });
  }
  if (n == "concat" && std::none_of(a.begin(), a.end(), [](const ExprPtr& x) { return x->type.id == TypeId::Array; })) {
    std::vector<ExpectedType> want(na, S);
    return coerced(n, want, [&](ExprList x) { return make_call(fn, n, x, DataType::string(), any_nullable(x)); });
  }
  if (n == "concat_ws") {
    if (na < 1) return wrong("> 0");
    std::vector<ExpectedType> want(na, S);
    for (size_t i = 1; i < na; ++i)
      if (a[i]->type.id == TypeId::Array) want[i] = ExpectedType::exact(DataType::array(DataType::string()));
    return coerced(n, want, [&](ExprList x) { return make_call(fn, n, x, DataType::string(), x[0]->nullable); });
  }
  if (n == "substring" || n == "substr") {
    if (!arity(na, 2, 3)) return wrong("[2, 3]");
    if (na == 2) a.push_back(lit_int(2147483647));
    // substring(s, pos) is substring(s, pos, 2147483647), printed so as in Spark.
    return coerced(n, {S, I, I}, [&](ExprList x) { return make_call(fn, n, x, DataType::string(), any_nullable(x)); });
  }
  if (n == "split") {
    if (!arity(na, 2, 3)) return wrong("[2, 3]");
    if (na == 2) a.push_back(lit_int(-1));
    return coerced(n, {S, S, I}, [&](ExprList x) {
      return make_call(fn, n, x, DataType::array(DataType::string(), false), any_nullable(x));
    });
  }
  // ---- collections / generators ----
  if (n == "size" || n == "cardinality") {
    if (na != 1) return wrong("1");
    if (a[0]->type.id != TypeId::Array && a[0]->type.id != TypeId::Map && a[0]->type.id != TypeId::Null)
      return unexpected_input_type(quoted_sql(*shown("size")), 1, "(\"ARRAY\" or \"MAP\")", quoted_sql(*a[0]),
                                   quoted_type(a[0]->type));
    return make_call(fn, n, a, DataType::int_(), false);  // size(NULL) = -1 (legacy, non-ANSI)
  }
  if (n == "stack" || n == "json_tuple") {
    // Spark's Stack / JsonTuple rows, generated as inline(array(named_struct(...), ...)).
    std::vector<StructField> fs;
    std::vector<ExprList> rows;
    if (na < 2) return wrong("> 1");
    if (n == "stack") {
      const Expr* k = a[0].get();
      while (k->kind == ExprKind::Cast || k->kind == ExprKind::Alias) k = k->children[0].get();
      if (k->kind != ExprKind::Literal || !a[0]->type.is_integral() || k->value.is_null() || k->value.as_int() <= 0)
        return generic_error("DATATYPE_MISMATCH.NON_FOLDABLE_INPUT", "42K09",
                             "Cannot resolve " + quoted_sql(*shown(n)) + " due to data type mismatch: the input n should "
                             "be a foldable \"INT\" expression; however, got " + quoted_sql(*a[0]) + ".");
      const size_t nrows = size_t(k->value.as_int()), vals = na - 1, ncols = (vals + nrows - 1) / nrows;
      for (size_t j = 0; j < ncols; ++j) {
        std::vector<DataType> ts;
        for (size_t r = 0; r < nrows; ++r)
          if (1 + r * ncols + j < na) ts.push_back(a[1 + r * ncols + j]->type);
        auto t = wider_common_type(ts);
        if (!t)
          return generic_error("DATATYPE_MISMATCH.STACK_COLUMN_DIFF_TYPES", "42K09",
                               "Cannot resolve " + quoted_sql(*shown(n)) + " due to data type mismatch: The data type of "
                               "the column (" + std::to_string(j) + ") do not have the same type.");
        fs.push_back({"col" + std::to_string(j), *t, true, "{}"});
      }
      for (size_t r = 0; r < nrows; ++r) {
        ExprList row;
        for (size_t j = 0; j < ncols; ++j) {
          size_t i = 1 + r * ncols + j;
          row.push_back(i < na ? (a[i]->type == fs[j].type ? a[i] : cast(a[i], fs[j].type, false)) : lit_null(fs[j].type));
        }
        rows.push_back(std::move(row));
      }
    } else {
      ExprPtr json = a[0]->type.id == TypeId::String ? a[0] : cast(a[0], DataType::string(), false);
      ExprList row;
      for (size_t i = 1; i < na; ++i) {
        const Expr* f = a[i].get();
        while (f->kind == ExprKind::Cast || f->kind == ExprKind::Alias) f = f->children[0].get();
        if (f->kind != ExprKind::Literal || a[i]->type.id != TypeId::String)
          return generic_error("DATATYPE_MISMATCH.NON_STRING_TYPE", "42K09",
                               "Cannot resolve " + quoted_sql(*shown(n)) + " due to data type mismatch: all arguments of "
                               "the function `json_tuple` must be string-type foldable expressions.");
        fs.push_back({"c" + std::to_string(i - 1), DataType::string(), true, "{}"});
        if (f->value.is_null()) { row.push_back(lit_null(DataType::string())); continue; }
        std::string key = f->value.as_string();
        std::string path = key.find_first_of("']") == std::string::npos ? "$['" + key + "']" : "$." + key;
        row.push_back(make_call(fn, "get_json_object", {json, lit_string(path)}, DataType::string(), true));
      }
      rows.push_back(std::move(row));
    }
    auto st = DataType::structure(fs);
    ExprList structs;
    for (auto& row : rows) {
      ExprList kids;
      for (size_t j = 0; j < row.size(); ++j) kids.push_back(lit_string(fs[j].name)), kids.push_back(row[j]);
      structs.push_back(make_call(fn, "named_struct", kids, st, false));
    }
    auto arr = make_call(fn, "array", structs, DataType::array(st, false), false);
    return make_call(fn, "inline", {arr}, st, true);
  }
  if (n == "inline" || n == "inline_outer") {
    if (na != 1) return wrong("1");
    const DataType& t = a[0]->type;
    if (t.id != TypeId::Array || t.element().id != TypeId::Struct)
      return unexpected_input_type(quoted_sql(*shown(n)), 1, "\"ARRAY<STRUCT>\"", quoted_sql(*a[0]), quoted_type(t));
    auto fields = generator_element_schema(*make_call(fn, n, a, DataType::null(), true));
    return make_call(fn, n, a, DataType::structure(fields), true);
  }
  if (is_generator_function(n)) {
    if (na != 1) return wrong("1");
    const DataType& t = a[0]->type;
    if (t.id != TypeId::Array && t.id != TypeId::Map)
      return unexpected_input_type(quoted_sql(*shown(n)), 1, "(\"ARRAY\" or \"MAP\")", quoted_sql(*a[0]), quoted_type(t));
    // The call's own type is its element schema (one column: that column's type); the
    // analyzer turns it into a Generate with one output attribute per field.
    auto fields = generator_element_schema(*make_call(fn, n, a, DataType::null(), true));
    return make_call(fn, n, a, fields.size() == 1 ? fields[0].type : DataType::structure(fields), true);
  }
  // ---- math ----
  if (n == "round" || n == "bround") {
    if (!arity(na, 1, 2)) return wrong("[1, 2]");
    if (na == 1) a.push_back(lit_int(0));
    if (a[1]->kind != ExprKind::Literal)
      return generic_error("DATATYPE_MISMATCH.NON_FOLDABLE_INPUT", "42K09",
                           "Cannot resolve " + quoted_sql(*shown(n)) +
                               " due to data type mismatch: the input scale should be a foldable \"INT\" expression; "
                               "however, got " + quoted_sql(*a[1]) + ".");
    return coerced(n, {NUM, I}, [&](ExprList x) {
      DataType t = x[0]->type;
      if (t.id == TypeId::Decimal) {
        int d = x[1]->value.is_null() ? 0 : static_cast<int>(x[1]->value.as_int());
        int ns = d < 0 ? 0 : std::min(t.scale, d);
        t = bounded_decimal(t.precision - t.scale + 1 + ns, ns);
      }
      return make_call(fn, n, x, t, x[0]->nullable);
    });
  }
  // ---- date/time ----
  if (n == "to_date") {
    if (!arity(na, 1, 2)) return wrong("[1, 2]");
    if (na == 1) {
      if (a[0]->type.id == TypeId::String || a[0]->type.id == TypeId::Timestamp || a[0]->type.id == TypeId::TimestampNtz ||
          a[0]->type.id == TypeId::Date || a[0]->type.id == TypeId::Null)
        return make_call(fn, n, a, DataType::date(), true);
      return unexpected_input_type(quoted_sql(*shown(n)), 1, "(\"STRING\" or \"DATE\" or \"TIMESTAMP\" or \"TIMESTAMP_NTZ\")",
                                   quoted_sql(*a[0]), quoted_type(a[0]->type));
    }
    return coerced(n, {S, S}, [&](ExprList x) { return make_call(fn, n, x, DataType::date(), true); });
  }
  if (n == "year" || n == "month" || n == "dayofmonth" || n == "day" || n == "quarter" || n == "dayofweek" ||
      n == "dayofyear" || n == "weekofyear") {
    if (na != 1) return wrong("1");
    std::string cn = n == "day" ? "dayofmonth" : n;
    return coerced(cn, {DATE}, [&](ExprList x) { return make_call(fn, cn, x, DataType::int_(), x[0]->nullable); });
  }
  if (n == "current_date" || n == "curdate") {
    if (na != 0) return wrong("0");
    return make_call(fn, n, {}, DataType::date(), false);  // CurrentDate named as called (FUNC_ALIAS)
  }
  if (n == "monotonically_increasing_id") {
    if (na != 0) return wrong("0");
    return make_call(fn, n, {}, DataType::long_(), false);
  }
  if (n == "spark_partition_id") {  // the partition computing the row (SparkPartitionID)
    if (na != 0) return wrong("0");
    return make_call(fn, n, {}, DataType::int_(), false);
  }
  if (auto r = resolve_library_function(fn, n)) return std::move(*r);
  return unresolved_routine(to_sql_id({fn.name}));
}

}  // namespace spp::sql
