// Math functions: Spark 3.5 input types and result types (mathExpressions.scala,
// bitwiseExpressions.scala, randomExpressions.scala, nullExpressions.scala for isnan/nanvl).
#include "sql/analysis/fn_library.h"

#include <random>

namespace spp::sql {

namespace {
bool is_unary_double(const std::string& n) {
  static const char* names[] = {"cbrt", "exp", "expm1", "log10", "log2", "log1p", "ln", "sin", "cos", "tan",
                                "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
                                "cot", "sec", "csc", "degrees", "radians", "signum", "sign", "rint"};
  for (const char* x : names) if (n == x) return true;
  return false;
}
std::string quoted(const Expr& e) { return to_sql_expr(e.sql()); }
}  // namespace

std::optional<LibResult> resolve_math_fn(FnCall& c) {
  const std::string& n = c.n;
  const size_t na = c.na();
  const auto D = exact(DataType::double_());
  const auto I = exact(DataType::int_());
  const auto L = exact(DataType::long_());
  const auto DBL = DataType::double_();

  if (is_unary_double(n)) {
    if (na != 1) return c.wrong("1");
    const std::string& cn = n;  // sign prints as sign(x), signum as SIGNUM(x)
    // Logarithms give NULL for arguments at or below their asymptote; the others keep NULLs only.
    bool logs = cn == "log10" || cn == "log2" || cn == "log1p" || cn == "ln";
    return c.typed(cn, {D}, DBL, logs);
  }
  if (n == "log") {
    if (na == 1) {
      // log(x) is Logarithm(E(), x): printed LOG(E(), x).
      auto e = std::make_shared<Expr>();
      e->kind = ExprKind::Call;
      e->name = "e";
      e->type = DBL;
      e->nullable = false;
      c.a.insert(c.a.begin(), e);
    }
    if (c.na() != 2) return c.wrong("[1, 2]");
    return c.typed("log", {D, D}, DBL, true);
  }
  if (n == "atan2" || n == "hypot" || n == "power" || n == "pow") {
    if (na != 2) return c.wrong("2");
    return c.typed(n == "pow" ? "power" : n, {D, D}, DBL);
  }
  if (n == "ceil" || n == "ceiling" || n == "floor") {
    if (na != 1) return c.wrong("1");  // the 2-argument form (a scale) is not supported yet
    const std::string& cn = n;  // ceiling prints as ceiling(x), ceil as CEIL(x)
    auto want = ExpectedType::one_of({D, ExpectedType::of(ExpectedType::Kind::AnyDecimal), L});
    if (c.a[0]->type.id == TypeId::Long) want = L;
    if (auto err = c.coerce(cn, {want})) return *err;
    const DataType& t = c.a[0]->type;
    DataType r = t.id == TypeId::Decimal ? (t.scale == 0 ? t : bounded_decimal(t.precision - t.scale + 1, 0)) : DataType::long_();
    return c.make(cn, r, c.any_nullable());
  }
  if (n == "greatest" || n == "least") {
    if (na < 2) return c.wrong("> 1");
    std::vector<DataType> ts;
    for (const auto& x : c.a) ts.push_back(x->type);
    auto t = wider_common_type(ts);
    if (!t) {
      std::string types;
      for (size_t i = 0; i < ts.size(); ++i) types += (i ? ", " : "") + std::string("\"") + ts[i].sql() + "\"";
      return generic_error("DATATYPE_MISMATCH.DATA_DIFF_TYPES", "42K09",
                           "Cannot resolve " + quoted(*c.shown(n)) + " due to data type mismatch: Input to `" + n +
                               "` should all be the same type, but it's [" + types + "].");
    }
    for (auto& x : c.a) if (!(x->type == *t)) x = cast(x, *t, false);
    bool nullable = true;
    for (const auto& x : c.a) nullable &= x->nullable;
    return c.make(n, *t, nullable);
  }
  if (n == "pmod") {
    if (na != 2) return c.wrong("2");
    for (auto& x : c.a) if (x->type.id == TypeId::String) x = cast(x, DBL, false);
    const DataType &l = c.a[0]->type, &r = c.a[1]->type;
    if (!(l.is_numeric() || l.id == TypeId::Null) || !(r.is_numeric() || r.id == TypeId::Null))
      return binary_op_diff_types(quoted(*c.shown(n)), "\"" + l.sql() + "\"", "\"" + r.sql() + "\"");
    DataType t;
    bool ld = l.id == TypeId::Decimal, rd = r.id == TypeId::Decimal;
    bool lf = l.id == TypeId::Float || l.id == TypeId::Double, rf = r.id == TypeId::Float || r.id == TypeId::Double;
    if ((ld || rd) && !lf && !rf) {  // DecimalPrecision, as for %
      DataType dl = l.id == TypeId::Null ? r : decimal_for(l), dr = r.id == TypeId::Null ? dl : decimal_for(r);
      if (!(l == dl)) c.a[0] = cast(c.a[0], dl, false);
      if (!(r == dr)) c.a[1] = cast(c.a[1], dr, false);
      return c.make("pmod", decimal_remainder_type(dl, dr), true);
    }
    t = (ld || rd) ? DBL : *tightest_common_type(l, r);
    if (t.id == TypeId::Null) t = DBL;
    for (auto& x : c.a) if (!(x->type == t)) x = cast(x, t, false);
    return c.make("pmod", t, true);  // pmod(x, 0) is NULL
  }
  if (n == "hex") {
    if (na != 1) return c.wrong("1");
    auto want = ExpectedType::one_of({L, exact(DataType::binary()), exact(DataType::string())});
    if (c.a[0]->type.id == TypeId::String) want = exact(DataType::string());
    if (c.a[0]->type.id == TypeId::Binary) want = exact(DataType::binary());
    return c.typed(n, {want}, DataType::string());
  }
  if (n == "unhex") {
    if (na != 1) return c.wrong("1");
    return c.typed(n, {exact(DataType::string())}, DataType::binary(), true);
  }
  if (n == "bin") {
    if (na != 1) return c.wrong("1");
    return c.typed(n, {L}, DataType::string());
  }
  if (n == "conv") {
    if (na != 3) return c.wrong("3");
    return c.typed(n, {exact(DataType::string()), I, I}, DataType::string(), true);
  }
  if (n == "bitwise_not") {
    if (na != 1) return c.wrong("1");
    if (auto err = c.coerce(n, {ExpectedType::of(ExpectedType::Kind::AnyIntegral)})) return *err;
    return c.make(n, c.a[0]->type, c.any_nullable());
  }
  if (n == "shiftleft" || n == "shiftright" || n == "shiftrightunsigned") {
    if (na != 2) return c.wrong("2");
    auto want = c.a[0]->type.id == TypeId::Long ? L : ExpectedType::one_of({I, L});
    if (auto err = c.coerce(n, {want, I})) return *err;
    return c.make(n, c.a[0]->type, c.any_nullable());
  }
  if (n == "factorial") {
    if (na != 1) return c.wrong("1");
    return c.typed(n, {I}, DataType::long_(), true);
  }
  if (n == "e" || n == "pi") {
    if (na != 0) return c.wrong("0");
    return c.make(n, DBL, false);
  }
  if (n == "isnan") {
    if (na != 1) return c.wrong("1");
    if (auto err = c.coerce(n, {ExpectedType::one_of({D, exact(DataType::float_())})})) return *err;
    return c.make(n, DataType::boolean(), false);
  }
  if (n == "nanvl") {
    if (na != 2) return c.wrong("2");
    auto t = c.a[0]->type.id == TypeId::Float && c.a[1]->type.id == TypeId::Float ? exact(DataType::float_()) : D;
    if (auto err = c.coerce(n, {t, t})) return *err;
    return c.make(n, c.a[0]->type, c.any_nullable());
  }
  if (n == "positive") {  // UnaryPositive: the value itself, prints (+ x)
    if (na != 1) return c.wrong("1");
    const DataType& t = c.a[0]->type;
    if (t.id == TypeId::String) c.a[0] = cast(c.a[0], DBL, false);
    else if (!t.is_numeric() && t.id != TypeId::Null && t.id != TypeId::DayTimeInterval &&
             t.id != TypeId::YearMonthInterval && t.id != TypeId::CalendarInterval)
      return unexpected_input_type(quoted(*c.shown(n)), 1, "(\"NUMERIC\" or \"INTERVAL DAY TO SECOND\" or \"INTERVAL YEAR TO MONTH\" or \"INTERVAL\")",
                                   quoted(*c.a[0]), "\"" + t.sql() + "\"");
    return c.make(n, c.a[0]->type, c.any_nullable());
  }
  if (n == "bit_count") {  // BitwiseCount: integral (sign-extended to 64 bits) or boolean -> INT
    if (na != 1) return c.wrong("1");
    auto want = ExpectedType::one_of({ExpectedType::of(ExpectedType::Kind::AnyIntegral), exact(DataType::boolean())});
    if (auto err = c.coerce(n, {want})) return *err;
    return c.make(n, DataType::int_(), c.any_nullable());
  }
  if (n == "bitmap_bit_position" || n == "bitmap_bucket_number") {  // BIGINT input (implicit casts), BIGINT
    if (na != 1) return c.wrong("1");
    if (auto err = c.coerce(n, {exact(DataType::long_())})) return *err;
    return c.make(n, DataType::long_(), c.any_nullable());
  }
  if (n == "bitmap_count") {  // set bits of a BINARY bitmap
    if (na != 1) return c.wrong("1");
    if (c.a[0]->type.id != TypeId::Binary)
      return unexpected_input_type(quoted(*c.shown(n)), 1, "\"BINARY\"", quoted(*c.a[0]), "\"" + c.a[0]->type.sql() + "\"");
    return c.make(n, DataType::long_(), c.any_nullable());
  }
  if (n == "bit_get" || n == "getbit") {  // BitwiseGet -> TINYINT; a position out of range fails the query
    if (na != 2) return c.wrong("2");
    if (auto err = c.coerce(n, {ExpectedType::of(ExpectedType::Kind::AnyIntegral), I})) return *err;
    return c.make(n, DataType::byte_(), c.any_nullable());
  }
  if (n == "width_bucket") {
    if (na != 4) return c.wrong("4");
    return c.typed(n, {D, D, D, L}, DataType::long_(), true);
  }
  if (n == "rand" || n == "randn" || n == "random") {
    if (na > 1) return c.wrong("[0, 1]");
    std::string cn = n == "random" ? "rand" : n;
    if (na == 0) {
      // Spark draws the seed once, at analysis, and hides it from the name: rand().
      std::random_device rd;
      c.a.push_back(lit_long(int64_t((uint64_t(rd()) << 32) | rd())));
      return c.make(cn + "_unseeded", DBL, false);
    }
    if (na == 1) {
      const Expr* s = c.a[0].get();
      if (s->kind != ExprKind::Literal || !(s->type.id == TypeId::Int || s->type.id == TypeId::Long || s->type.id == TypeId::Null))
        return generic_error("DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE", "42K09",
                             "Cannot resolve " + quoted(*c.shown(cn)) + " due to data type mismatch: Parameter 1 requires the "
                             "(\"INT\" or \"BIGINT\") type, however " + quoted(*s) + " has the type \"" + s->type.sql() + "\".");
    }
    return c.make(cn, DBL, false);
  }
  return std::nullopt;
}

}  // namespace spp::sql
