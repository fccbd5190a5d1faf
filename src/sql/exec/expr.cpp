// Expression construction and batch evaluation.
#include "sql/exec/expr.h"

#include "sql/columnar/builder.h"
#include "sql/kernels/arith.h"
#include "sql/kernels/compare.h"
#include "sql/kernels/fn_util.h"
#include "sql/kernels/hash.h"
#include "sql/kernels/misc_fns.h"
#include "sql/kernels/xorshift.h"

namespace spp::sql::exec {

using col::TypeId;
using kern::type_of;

ExprPtr col_ref(int index, col::ColTypePtr type) {
  auto e = std::make_shared<Expr>();
  e->kind = Expr::Kind::Column;
  e->column = index;
  e->type = std::move(type);
  return e;
}

ExprPtr lit(col::ColumnPtr one_row) {
  auto e = std::make_shared<Expr>();
  e->kind = Expr::Kind::Literal;
  e->type = one_row->type;
  e->literal = std::move(one_row);
  return e;
}

namespace {
template <typename T>
ExprPtr lit_fixed(TypeId id, T v) {
  col::ColumnBuilder b(type_of(id));
  b.append<T>(v);
  return lit(b.finish());
}
}  // namespace

ExprPtr lit_int(int32_t v) { return lit_fixed<int32_t>(TypeId::Int, v); }
ExprPtr lit_long(int64_t v) { return lit_fixed<int64_t>(TypeId::Long, v); }
ExprPtr lit_double(double v) { return lit_fixed<double>(TypeId::Double, v); }
ExprPtr lit_str(std::string v) {
  col::ColumnBuilder b(type_of(TypeId::String));
  b.append_str(v);
  return lit(b.finish());
}
ExprPtr lit_null(col::ColTypePtr type) { return lit(col::make_null_column(std::move(type), 1)); }

ExprPtr call(Fn fn, std::vector<ExprPtr> args, col::ColTypePtr type) {
  auto e = std::make_shared<Expr>();
  e->kind = Expr::Kind::Call;
  e->fn = fn;
  if (!type) {
    switch (fn) {
      case Fn::Eq: case Fn::Ne: case Fn::Lt: case Fn::Le: case Fn::Gt: case Fn::Ge: case Fn::EqNullSafe:
      case Fn::And: case Fn::Or: case Fn::Not: case Fn::IsNull: case Fn::IsNotNull: case Fn::In:
      case Fn::Between: case Fn::StartsWith: case Fn::EndsWith: case Fn::Contains: case Fn::Like: case Fn::RLike:
        type = kern::bool_type(); break;
      case Fn::Div: type = type_of(TypeId::Double); break;
      case Fn::IntDiv: type = type_of(TypeId::Long); break;
      case Fn::Hash: case Fn::Length: case Fn::Year: case Fn::Month: case Fn::DayOfMonth: case Fn::Size:
        type = type_of(TypeId::Int); break;
      case Fn::Sqrt: case Fn::Rand: type = type_of(TypeId::Double); break;
      case Fn::MonotonicallyIncreasingId: type = type_of(TypeId::Long); break;
      case Fn::SparkPartitionId: type = type_of(TypeId::Int); break;
      case Fn::Array: type = col::make_type(col::ColType::array(*args.at(0)->type, true)); break;
      case Fn::GetItem: {
        const auto& t = *args.at(0)->type;
        type = col::make_type(t.id == TypeId::Map ? t.children[1] : t.children[0]);
        break;
      }
      case Fn::Upper: case Fn::Lower: case Fn::Trim: case Fn::LTrim: case Fn::RTrim: case Fn::Substring:
      case Fn::Concat: case Fn::ConcatWs: type = type_of(TypeId::String); break;
      case Fn::Split: type = col::make_type(col::ColType::array(col::ColType::scalar(TypeId::String), false)); break;
      default: type = args.empty() ? type_of(TypeId::Null) : args.at(0)->type;
    }
  }
  e->type = std::move(type);
  e->args = std::move(args);
  return e;
}

ExprPtr with_int_arg(ExprPtr call_expr, int v) {
  auto e = std::const_pointer_cast<Expr>(call_expr);
  e->limit = v;
  return e;
}

Result<ExprPtr> like(ExprPtr s, std::string pattern, char escape) {
  auto e = std::const_pointer_cast<Expr>(call(Fn::Like, {std::move(s)}));
  e->like = std::make_shared<kern::LikeMatcher>(pattern, escape);
  return ExprPtr(e);
}
Result<ExprPtr> rlike(ExprPtr s, std::string regex) {
  auto re = kern::Regex::compile(regex);
  if (!re) return re.status();
  auto e = std::const_pointer_cast<Expr>(call(Fn::RLike, {std::move(s)}));
  e->regex = *re;
  return ExprPtr(e);
}
Result<ExprPtr> split(ExprPtr s, std::string regex, int limit) {
  auto re = kern::Regex::compile(regex);
  if (!re) return re.status();
  auto e = std::const_pointer_cast<Expr>(call(Fn::Split, {std::move(s)}));
  e->regex = *re;
  e->limit = limit;
  return ExprPtr(e);
}

namespace {

// CASE WHEN evaluates a branch only for the rows that take it (Spark's CaseWhen, and If, are
// lazy): a branch whose kernels raised (raise_error, assert_true) fails the task only if some
// selected row takes that branch.
Vec eval_case_when(const Expr& e, const col::Batch& b, const col::SelVec* sel, const EvalContext& ctx) {
  const int64_t n = b.num_rows;
  std::vector<Vec> a;
  a.reserve(e.args.size());
  std::vector<char> decided(size_t(n), 0);  // rows an earlier WHEN took
  auto rows = [&](auto&& f) {
    if (sel) {
      for (int32_t i : *sel) f(int64_t(i));
    } else {
      for (int64_t i = 0; i < n; ++i) f(i);
    }
  };
  for (size_t k = 0; k < e.args.size(); ++k) {
    const bool value = k % 2 == 1 || k + 1 == e.args.size();
    const bool had_error = !ctx.error->empty();
    a.push_back(eval(*e.args[k], b, sel, ctx));
    if (!value) continue;
    const bool is_else = k % 2 == 0;
    if (!had_error && !ctx.error->empty()) {
      bool taken = false;
      if (is_else) {
        rows([&](int64_t i) { taken |= !decided[size_t(i)]; });
      } else {
        kern::BoolArg c(a[k - 1]);
        rows([&](int64_t i) { taken |= !decided[size_t(i)] && !c.null(i) && c[i]; });
      }
      if (!taken) ctx.error->clear();
    }
    if (!is_else) {
      kern::BoolArg c(a[k - 1]);
      rows([&](int64_t i) { decided[size_t(i)] |= !c.null(i) && c[i]; });
    }
  }
  std::vector<Vec> conds, vals;
  size_t k = 0;
  for (; k + 1 < a.size(); k += 2) {
    conds.push_back(a[k]);
    vals.push_back(a[k + 1]);
  }
  return kern::case_when(conds, vals, k < a.size() ? a[k] : kern::const_null(e.type), e.type, n);
}

}  // namespace

Vec eval(const Expr& e, const col::Batch& b, const col::SelVec* sel, const EvalContext& ctx) {
  const int64_t n = b.num_rows;
  if (e.kind == Expr::Kind::Column) return Vec::flat(b.columns.at(size_t(e.column)));
  if (e.kind == Expr::Kind::Literal) return Vec::constant_of(e.literal);
  if (e.fn == Fn::CaseWhen && ctx.error) return eval_case_when(e, b, sel, ctx);
  std::vector<Vec> a;
  a.reserve(e.args.size());
  for (const auto& x : e.args) a.push_back(eval(*x, b, sel, ctx));
  using kern::ArithOp;
  using kern::CmpOp;
  switch (e.fn) {
    case Fn::Add: return kern::arith(ArithOp::Add, a[0], a[1], e.type, n);
    case Fn::Sub: return kern::arith(ArithOp::Sub, a[0], a[1], e.type, n);
    case Fn::Mul: return kern::arith(ArithOp::Mul, a[0], a[1], e.type, n);
    case Fn::Div: return kern::arith(ArithOp::Div, a[0], a[1], e.type, n);
    case Fn::IntDiv: return kern::arith(ArithOp::IntDiv, a[0], a[1], e.type, n);
    case Fn::Mod: return kern::arith(ArithOp::Mod, a[0], a[1], e.type, n);
    case Fn::Pmod: return kern::arith(ArithOp::Pmod, a[0], a[1], e.type, n);
    case Fn::Negate: return kern::negate(a[0], n);
    case Fn::Abs: return kern::abs(a[0], n);
    case Fn::Eq: return kern::compare(CmpOp::Eq, a[0], a[1], n);
    case Fn::Ne: return kern::compare(CmpOp::Ne, a[0], a[1], n);
    case Fn::Lt: return kern::compare(CmpOp::Lt, a[0], a[1], n);
    case Fn::Le: return kern::compare(CmpOp::Le, a[0], a[1], n);
    case Fn::Gt: return kern::compare(CmpOp::Gt, a[0], a[1], n);
    case Fn::Ge: return kern::compare(CmpOp::Ge, a[0], a[1], n);
    case Fn::EqNullSafe: return kern::compare(CmpOp::EqNullSafe, a[0], a[1], n);
    case Fn::And: return kern::logical_and(a[0], a[1], n);
    case Fn::Or: return kern::logical_or(a[0], a[1], n);
    case Fn::Not: return kern::logical_not(a[0], n);
    case Fn::IsNull: return kern::is_null(a[0], n);
    case Fn::IsNotNull: return kern::is_not_null(a[0], n);
    case Fn::In: return kern::in_list(a[0], std::vector<Vec>(a.begin() + 1, a.end()), n);
    case Fn::Between: return kern::between(a[0], a[1], a[2], n);
    case Fn::CaseWhen: {
      std::vector<Vec> conds, vals;
      size_t k = 0;
      for (; k + 1 < a.size(); k += 2) { conds.push_back(a[k]); vals.push_back(a[k + 1]); }
      return kern::case_when(conds, vals, k < a.size() ? a[k] : kern::const_null(e.type), e.type, n);
    }
    case Fn::Coalesce: return kern::coalesce(a, e.type, n);
    case Fn::Cast: {
      if (!ctx.error || e.limit == 1) return kern::cast(a[0], e.type, n, ctx.cast);  // limit 1: try_cast
      kern::CastOptions o = ctx.cast;
      o.error = ctx.error.get();
      return kern::cast(a[0], e.type, n, o);
    }
    case Fn::Hash: return kern::hash(a, n);
    case Fn::Upper: return kern::upper(a[0], n);
    case Fn::Lower: return kern::lower(a[0], n);
    case Fn::Length: return kern::length(a[0], n);
    case Fn::Trim: return kern::trim(a[0], n);
    case Fn::LTrim: return kern::ltrim(a[0], n);
    case Fn::RTrim: return kern::rtrim(a[0], n);
    case Fn::Substring: return kern::substring(a[0], a[1], a[2], n);
    case Fn::Concat: return kern::concat(a, n);
    case Fn::ConcatWs: return kern::concat_ws(a[0], std::vector<Vec>(a.begin() + 1, a.end()), n);
    case Fn::StartsWith: return kern::starts_with(a[0], a[1], n);
    case Fn::EndsWith: return kern::ends_with(a[0], a[1], n);
    case Fn::Contains: return kern::contains(a[0], a[1], n);
    case Fn::Like: return kern::like(a[0], *e.like, n);
    case Fn::RLike: return kern::rlike(a[0], *e.regex, n);
    case Fn::Split: return kern::split(a[0], *e.regex, e.limit, n);
    case Fn::Round: return kern::round(a[0], e.limit, e.type, n);
    case Fn::Sqrt: return kern::sqrt(a[0], n);
    case Fn::Year: return kern::date_part(a[0], kern::DatePart::Year, n);
    case Fn::Month: return kern::date_part(a[0], kern::DatePart::Month, n);
    case Fn::DayOfMonth: return kern::date_part(a[0], kern::DatePart::DayOfMonth, n);
    case Fn::Size: return kern::size(a[0], n);
    case Fn::Array: return kern::make_array(a, n);
    case Fn::GetItem: return kern::get_item(a[0], a[1], n);
    case Fn::GetField: return kern::get_field(a[0], size_t(e.limit), n);
    case Fn::Rand: {
      if (!e.state) e.state = std::make_shared<kern::XorShiftRandom>(e.seed + ctx.partition_index);
      auto* rng = static_cast<kern::XorShiftRandom*>(e.state.get());
      auto c = col::make_fixed_column(e.type, n);
      for (int64_t i = 0; i < n; ++i) c->values->as<double>()[i] = rng->next_double();
      return Vec::flat(c);
    }
    case Fn::MonotonicallyIncreasingId: {
      if (!e.state) e.state = std::make_shared<int64_t>(0);
      auto* next = static_cast<int64_t*>(e.state.get());
      auto c = col::make_fixed_column(e.type, n);
      for (int64_t i = 0; i < n; ++i) c->values->as<int64_t>()[i] = (int64_t(ctx.partition_index) << 33) + (*next)++;
      return Vec::flat(c);
    }
    case Fn::Library: {
      const bool had_error = ctx.error && !ctx.error->empty();
      Vec r = (*e.lib)(a, n, ctx);
      if (!had_error && sel && sel->empty() && ctx.error) ctx.error->clear();  // no row selected: none raised
      return r;
    }
    case Fn::SparkPartitionId: {
      col::ColumnBuilder b(e.type);
      b.append<int32_t>(ctx.partition_index);
      return Vec::constant_of(b.finish());
    }
  }
  return {};
}

col::ColumnPtr eval_flat(const Expr& e, const col::Batch& b, const EvalContext& ctx) {
  Vec v = eval(e, b, nullptr, ctx);
  if (!v.constant) return v.col;
  std::vector<int32_t> zeros(static_cast<size_t>(b.num_rows), 0);
  auto c = col::gather(*v.col, zeros.data(), b.num_rows);
  return c;
}

}  // namespace spp::sql::exec
