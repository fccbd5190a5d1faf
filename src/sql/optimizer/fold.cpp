// Constant folding (Spark's ConstantFolding): a deterministic expression whose leaves are all
// literals is evaluated once, by the executor's own kernels on a one-row batch, and replaced by
// its value — so folding gives exactly what running it would, with no second implementation of
// any function.
#include <unordered_map>

#include "sql/exec/expr.h"
#include "sql/exec/lower.h"
#include "sql/optimizer/optimizer.h"
#include "sql/physical/physical.h"

namespace spp::sql::opt {
namespace {

// Row 0 of a one-row result as a literal's value; nullopt for the types literals cannot hold
// (arrays, maps, structs, ...: the executor has no literals of those).
std::optional<Value> value_at_0(const col::Column& c, const DataType& t) {
  if (c.is_null(0)) return Value::null();
  using col::TypeId;
  switch (c.id()) {
    case TypeId::Boolean: return Value::of(c.bool_at(0));
    case TypeId::Byte: return Value::of(int64_t{c.vals<int8_t>()[0]});
    case TypeId::Short: return Value::of(int64_t{c.vals<int16_t>()[0]});
    case TypeId::Int: case TypeId::Date: case TypeId::YearMonthInterval: return Value::of(int64_t{c.vals<int32_t>()[0]});
    case TypeId::Long: case TypeId::Timestamp: case TypeId::TimestampNtz: case TypeId::DayTimeInterval:
      return Value::of(c.vals<int64_t>()[0]);
    case TypeId::Float: return Value::of(static_cast<double>(c.vals<float>()[0]));
    case TypeId::Double: return Value::of(c.vals<double>()[0]);
    case TypeId::String: case TypeId::Binary: return Value::of(std::string(c.str(0)));
    case TypeId::Decimal: {
      if (t.id != sql::TypeId::Decimal) return std::nullopt;
      Value v;
      v.v = Value::Decimal{c.dec_at(0)};
      return v;
    }
    default: return std::nullopt;
  }
}

// Which nodes of the expressions being folded are foldable (Expr::foldable), remembered so that
// a deep tree is walked once rather than once per level.
class Folder {
 public:
  explicit Folder(const FoldOptions& o) : o_(o) {}

  bool foldable(const Expr& e) {
    if (e.kind == ExprKind::Literal) return true;
    auto it = memo_.find(&e);
    if (it != memo_.end()) return it->second;
    bool f = (e.kind == ExprKind::Cast || e.kind == ExprKind::Alias || e.kind == ExprKind::Call) && e.foldable_node();
    for (const auto& c : e.children) f = f && foldable(*c);
    memo_[&e] = f;
    return f;
  }

  // Spark's order: the largest foldable expression is evaluated as a whole (so `size(array(1,
  // 2))` folds though its array does not); when that fails (an error the executor would raise,
  // a type no literal holds), its parts are folded bottom-up, each once.
  ExprPtr fold(const ExprPtr& e) {
    if (e->kind == ExprKind::Literal) return e;
    if (e->kind != ExprKind::Alias && e->kind != ExprKind::SortOrder && foldable(*e)) {
      if (auto v = eval_constant(*e, o_)) return lit(std::move(*v), e->type);
      return fold_parts(e, true);
    }
    return map_children(e, [&](const ExprPtr& c) { return fold(c); });
  }

 private:
  // `tried`: e itself was just evaluated as it is (and failed).
  ExprPtr fold_parts(const ExprPtr& e, bool tried) {
    ExprPtr cur = map_children(e, [&](const ExprPtr& c) { return fold_parts(c, false); });
    if (cur->kind == ExprKind::Literal || cur->kind == ExprKind::Alias || (tried && cur == e)) return cur;
    for (const auto& c : cur->children) if (c->kind != ExprKind::Literal) return cur;
    if (auto v = eval_constant(*cur, o_)) return lit(std::move(*v), cur->type);
    return cur;
  }

  template <typename F>
  static ExprPtr map_children(const ExprPtr& e, F f) {
    ExprList kids;
    bool changed = false;
    for (const auto& c : e->children) {
      kids.push_back(f(c));
      changed |= kids.back() != c;
    }
    return changed ? e->with_children(std::move(kids)) : e;
  }

  const FoldOptions& o_;
  std::unordered_map<const Expr*, bool> memo_;
};

}  // namespace

std::optional<Value> eval_constant(const Expr& e, const FoldOptions& o) {
  if (e.kind == ExprKind::Literal) return e.value;
  if (!e.foldable()) return std::nullopt;
  auto x = exec::lower_expr(expr_to_json(std::make_shared<Expr>(e)), nlohmann::json::array());
  if (!x) return std::nullopt;  // a call the executor cannot evaluate: it fails there, with its message
  exec::EvalContext ctx;
  if (!o.session_time_zone.empty()) {
    auto tz = kern::TimeZone::of(o.session_time_zone);
    if (!tz) return std::nullopt;
    ctx.cast.tz = tz.value();
  }
  ctx.error = std::make_shared<std::string>();  // a raising kernel leaves the expression as it is
  col::Batch one;
  one.schema = col::make_type(col::ColType::strct({}, {}));
  one.num_rows = 1;
  col::ColumnPtr c;
  try {
    c = exec::eval_flat(*x.value(), one, ctx);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (!ctx.error->empty() || !c || c->length != 1) return std::nullopt;
  return value_at_0(*c, e.type);
}

PlanPtr constant_folding(const PlanPtr& p, const FoldOptions& o) {
  Folder f(o);
  return plan_transform_up(p, [&](const PlanPtr& n) -> PlanPtr {
    bool changed = false;
    auto map = [&](const ExprList& es) {
      ExprList out;
      for (const auto& e : es) {
        out.push_back(f.fold(e));
        changed |= out.back() != e;
      }
      return out;
    };
    ExprList e = map(n->exprs), g = map(n->groups);
    return changed ? n->with_exprs(std::move(e), std::move(g)) : nullptr;
  });
}

}  // namespace spp::sql::opt
