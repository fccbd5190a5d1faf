// Window functions in the analyzer (windows.h).
#include "sql/analysis/windows.h"

#include <algorithm>
#include <functional>

#include "sql/coercion.h"
#include "sql/plan/fn_names.h"
#include "sql/plan/plan_build.h"

namespace spp::sql {
namespace {

using K = FrameBound::Kind;

const Expr* strip_casts(const Expr* x) {
  while (x->kind == ExprKind::Cast || x->kind == ExprKind::Alias) x = x->children[0].get();
  return x;
}

// An integer argument that must be a constant (ntile's buckets, lag/lead's offset).
std::optional<int64_t> int_literal(const ExprPtr& e) {
  const Expr* x = strip_casts(e.get());
  if (x->kind != ExprKind::Literal || !x->type.is_integral() || x->value.is_null()) return std::nullopt;
  return x->value.as_int();
}

AnalysisError legacy(const std::string& cls, const std::string& text) { return generic_error(cls, "", text); }

WindowFrame frame(FrameType t, FrameBound lo, FrameBound hi) {
  WindowFrame f;
  f.type = t;
  f.lower = lo;
  f.upper = hi;
  return f;
}

// The frame a window function computes over, whatever the user asked (Spark's
// WindowFunction.frame); nullopt for aggregates, which use the window's frame.
std::optional<WindowFrame> required_frame(const Expr& f) {
  if (f.kind != ExprKind::Call) return std::nullopt;
  const std::string& n = f.name;
  if (n == "cume_dist") return frame(FrameType::Range, {K::UnboundedPreceding, 0}, {K::CurrentRow, 0});
  if (n == "lag" || n == "lead") {
    const int64_t off = int_literal(f.children[1]).value_or(1);
    // lag's frame is UnaryMinus(offset): printed `n PRECEDING`; lead's `n FOLLOWING`.
    FrameBound b = off == 0 ? FrameBound{K::CurrentRow, 0} : FrameBound{K::Offset, n == "lag" ? -off : off};
    b.minus = n == "lag" && off != 0;
    return frame(FrameType::Rows, b, b);
  }
  return frame(FrameType::Rows, {K::UnboundedPreceding, 0}, {K::CurrentRow, 0});
}

bool is_value_bound(const FrameBound& b) { return b.kind == K::Offset; }

}  // namespace

std::optional<ExprOrError> resolve_window_function(const Expr& fn, const std::string& n) {
  if (!is_window_function_name(n)) return std::nullopt;
  const ExprList& a = fn.children;
  const int na = static_cast<int>(a.size());
  if (n == "row_number" || n == "rank" || n == "dense_rank" || n == "percent_rank" || n == "cume_dist") {
    if (na != 0) return wrong_num_args(to_sql_id({n}), "0", na);
    const bool dbl = n == "percent_rank" || n == "cume_dist";
    return call(n, {}, dbl ? DataType::double_() : DataType::int_(), false);
  }
  if (n == "ntile") {
    if (na != 1) return wrong_num_args(to_sql_id({n}), "1", na);
    auto b = int_literal(a[0]);
    if (!b || !a[0]->foldable())
      return legacy("_LEGACY_ERROR_TEMP_2412", "Buckets expression must be foldable and of integer type, but got: " +
                                                   to_sql_expr(a[0]->sql()) + ".");
    if (*b <= 0) return legacy("_LEGACY_ERROR_TEMP_2412", "Buckets expression must be positive, but got: " + std::to_string(*b));
    return call(n, {lit_int(static_cast<int32_t>(*b))}, DataType::int_(), false);
  }
  if (n == "nth_value") {  // (input, offset[, ignoreNulls]) over the window's frame
    if (na < 2 || na > 3) return wrong_num_args(to_sql_id({n}), "[2, 3]", na);
    auto o = int_literal(a[1]);
    if (!o || *o <= 0)
      return legacy("_LEGACY_ERROR_TEMP_1057", "The 'offset' argument of nth_value must be a positive integer literal, got: " +
                                                   to_sql_expr(a[1]->sql()) + ".");
    bool ignore = false;
    if (na == 3) {
      const Expr* x = strip_casts(a[2].get());
      if (x->kind != ExprKind::Literal || x->type.id != TypeId::Boolean)
        return legacy("_LEGACY_ERROR_TEMP_1057", "The 'ignoreNulls' argument of nth_value must be a boolean literal.");
      ignore = !x->value.is_null() && x->value.as_bool();
    }
    auto e = std::make_shared<Expr>(*call(n, {a[0], lit_int(static_cast<int32_t>(*o))}, a[0]->type, true));
    e->ignore_nulls = ignore;
    return ExprPtr(e);
  }
  // lag / lead (input[, offset[, default]])
  if (na < 1 || na > 3) return wrong_num_args(to_sql_id({n}), "[1, 2, 3]", na);
  const ExprPtr& in = a[0];
  ExprPtr off = na > 1 ? a[1] : lit_int(1);
  auto o = int_literal(off);
  if (!o) return legacy("_LEGACY_ERROR_TEMP_1054", "Offset expression " + to_sql_expr(off->sql()) + " must be a literal.");
  if (!(off->type == DataType::int_())) off = lit_int(static_cast<int32_t>(*o));
  ExprPtr def = na > 2 ? a[2] : lit_null(in->type);
  if (!(def->type == in->type)) {
    if (!can_cast(def->type, in->type))
      return legacy("_LEGACY_ERROR_TEMP_1055", "The default value of " + n + " must be of the input type " + in->type.sql() + ".");
    def = cast(def, in->type, false);
  }
  return call(n, {in, off, def}, in->type, true);
}

bool has_window(const ExprPtr& e) {
  return any_expr(e, [](const Expr& x) { return x.kind == ExprKind::WindowExpr; });
}

bool has_aggregate_outside_window(const ExprPtr& e) {
  if (e->kind == ExprKind::WindowExpr) return false;
  if (e->kind == ExprKind::AggCall) return true;
  for (const auto& c : e->children) if (has_aggregate_outside_window(c)) return true;
  return false;
}

ExprOrError resolve_window_expr(const ExprPtr& w) {
  const ExprPtr& f = w->window_function();
  ExprList part = w->window_partition(), order = w->window_order();
  WindowFrame fr = w->frame;
  const std::string fsql = to_sql_expr(f->sql());
  // A group aggregate pandas UDF is an aggregate over the frame (Spark's WindowInPandas).
  const bool pandas_agg = f->kind == ExprKind::PythonUDF && f->python->eval_type == 202;
  // median / percentile / mode / max_by / …: a kernel over an aggregate (plan/fn_names.h), an
  // aggregate over the frame as Spark's Percentile & co.
  const bool wrapper = f->kind == ExprKind::Call && is_collect_wrapper(f->name) && !f->children.empty() &&
                       f->children[0]->kind == ExprKind::AggCall;
  const bool framed = f->kind == ExprKind::AggCall || pandas_agg || wrapper || (f->kind == ExprKind::Call && f->name == "nth_value");
  if (framed && f->kind == ExprKind::Call && !wrapper && order.empty())
    return legacy("_LEGACY_ERROR_TEMP_1037",
                  "Window function " + f->sql() + " requires window to be ordered, please add ORDER BY clause. For example SELECT " +
                      f->sql() + "(value_expr) OVER (PARTITION BY window_partition ORDER BY window_ordering) from table.");
  if (framed) {
    if (f->distinct || (wrapper && f->children[0]->distinct))
      return legacy("_LEGACY_ERROR_TEMP_1028", "Distinct window functions are not supported: " + w->to_string() + ".");
    if (fr.type == FrameType::Unspecified)
      fr = order.empty() ? frame(FrameType::Rows, {K::UnboundedPreceding, 0}, {K::UnboundedFollowing, 0})
                         : frame(FrameType::Range, {K::UnboundedPreceding, 0}, {K::CurrentRow, 0});
  } else if (f->kind == ExprKind::Call && is_window_function_name(f->name)) {
    if (order.empty())
      return legacy("_LEGACY_ERROR_TEMP_1037",
                    "Window function " + f->sql() + " requires window to be ordered, please add ORDER BY clause. For example SELECT " +
                        f->sql() + "(value_expr) OVER (PARTITION BY window_partition ORDER BY window_ordering) from table.");
    WindowFrame req = *required_frame(*f);
    if (fr.type != FrameType::Unspecified && !(fr == req))
      return legacy("_LEGACY_ERROR_TEMP_1036", "Window Frame " + fr.to_string() + " must match the required frame " +
                                                   req.to_string() + ".");
    fr = req;
  } else {
    return legacy("_LEGACY_ERROR_TEMP_1034", "Expression '" + f->to_string() + "' not supported within a window function.");
  }
  if (fr.type == FrameType::Range && (is_value_bound(fr.lower) || is_value_bound(fr.upper))) {
    if (order.size() != 1)
      return generic_error("DATATYPE_MISMATCH.RANGE_FRAME_MULTI_ORDER", "42K09",
                           "Cannot resolve " + to_sql_expr(w->sql()) +
                               " due to data type mismatch: A range window frame with value boundaries cannot be used in "
                               "a window specification with multiple order by expressions: " +
                               order[0]->to_string() + ".");
    const DataType& t = order[0]->type;
    if (!t.is_numeric() || t.id == TypeId::Decimal)
      return generic_error("DATATYPE_MISMATCH.RANGE_FRAME_INVALID_TYPE", "42K09",
                           "Cannot resolve " + to_sql_expr(w->sql()) + " due to data type mismatch: The data type \"" +
                               t.sql() + "\" used in the order specification does not match the data type \"BIGINT\" "
                               "which is used in the range frame.");
  }
  if (fr.type != FrameType::Unspecified && fr.lower.kind != K::UnboundedPreceding &&
      fr.upper.kind != K::UnboundedFollowing) {
    auto pos = [](const FrameBound& b) { return b.kind == K::CurrentRow ? 0 : b.offset; };
    if (fr.lower.kind == K::UnboundedFollowing || fr.upper.kind == K::UnboundedPreceding || pos(fr.lower) > pos(fr.upper))
      return generic_error("DATATYPE_MISMATCH.SPECIFIED_WINDOW_FRAME_WRONG_COMPARISON", "42K09",
                           "Cannot resolve " + to_sql_expr(w->sql()) +
                               " due to data type mismatch: The lower bound of a window frame must be less than or equal to the upper bound.");
  }
  ExprPtr fn = f;
  if (f->kind == ExprKind::Call && (f->name == "rank" || f->name == "dense_rank" || f->name == "percent_rank")) {
    ExprList keys;  // Spark's RankLike.withOrder: rank(b) compares the order values
    for (const auto& o : order) keys.push_back(o->children[0]);
    fn = f->with_children(keys);
  }
  auto r = window_expr(fn, part, order, fr);
  if (expr_equal(*r, *w)) return w;
  return r;
}

std::optional<AnalysisError> check_window_functions(const ExprPtr& e) {
  if (e->kind == ExprKind::WindowExpr) {
    for (size_t i = 1; i < e->children.size(); ++i)
      if (auto err = check_window_functions(e->children[i])) return err;
    for (const auto& c : e->window_function()->children)
      if (auto err = check_window_functions(c)) return err;
    return std::nullopt;
  }
  if (e->kind == ExprKind::Call && is_window_function_name(e->name))
    return generic_error("WINDOW_FUNCTION_WITHOUT_OVER_CLAUSE", "42601",
                         "Window function " + to_sql_expr(e->sql()) + " requires an OVER clause.");
  for (const auto& c : e->children)
    if (auto err = check_window_functions(c)) return err;
  return std::nullopt;
}

namespace {

// Replaces each window in `e` by the attribute of its alias (new `_weN` aliases go to `out`).
ExprPtr pull_windows(const ExprPtr& e, IdGen& ids, ExprList& out) {
  if (e->kind == ExprKind::Alias && e->children[0]->kind == ExprKind::WindowExpr) {
    out.push_back(e);
    return to_attribute(e);
  }
  if (e->kind == ExprKind::WindowExpr) {
    for (const auto& a : out)
      if (expr_equal(*a->children[0], *e)) return to_attribute(a);
    auto a = alias(e, "_we" + std::to_string(out.size()), ids.next());
    out.push_back(a);
    return to_attribute(a);
  }
  ExprList kids;
  bool changed = false;
  for (const auto& c : e->children) {
    kids.push_back(pull_windows(c, ids, out));
    changed |= kids.back() != c;
  }
  return changed ? e->with_children(std::move(kids)) : e;
}

bool same_list(const ExprList& a, const ExprList& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) if (!expr_equal(*a[i], *b[i])) return false;
  return true;
}

PlanPtr rewrite_project(const PlanPtr& n, IdGen& ids) {
  ExprList windows, list;
  for (const auto& e : n->exprs) list.push_back(pull_windows(e, ids, windows));
  // One Window node per distinct (partition, order), in order of first appearance.
  std::vector<ExprList> groups;
  for (const auto& a : windows) {
    const Expr& w = *a->children[0];
    auto it = std::find_if(groups.begin(), groups.end(), [&](const ExprList& g) {
      const Expr& x = *g[0]->children[0];
      return same_list(x.window_partition(), w.window_partition()) && same_list(x.window_order(), w.window_order());
    });
    if (it == groups.end()) groups.push_back({a});
    else it->push_back(a);
  }
  PlanPtr child = n->children[0];
  for (auto& g : groups) child = plan_node(PlanKind::Window, std::move(g), child);
  return plan_node(PlanKind::Project, std::move(list), child);
}

// Aggregate(groups, items with windows) -> Project(items) over Aggregate(groups, what the
// windows and items read: aggregates, grouping expressions, `_wN` aliases); the Project's windows
// are extracted next pass (Spark's ExtractWindowExpressions for Aggregate).
PlanPtr rewrite_aggregate(const PlanPtr& n, IdGen& ids) {
  ExprList agg_list;
  auto add = [&](const ExprPtr& x) -> ExprPtr {
    for (const auto& a : agg_list) {
      if (a->kind == ExprKind::Attribute && x->kind == ExprKind::Attribute && a->id == x->id) return x;
      if (a->kind == ExprKind::Alias && expr_equal(*a->children[0], *x)) return to_attribute(a);
    }
    if (x->kind == ExprKind::Attribute) {
      agg_list.push_back(x);
      return x;
    }
    auto a = alias(x, "_w" + std::to_string(agg_list.size()), ids.next());
    agg_list.push_back(a);
    return to_attribute(a);
  };
  auto grouped = [&](const ExprPtr& x) {
    return std::any_of(n->groups.begin(), n->groups.end(), [&](const ExprPtr& g) { return expr_equal(*g, *x); });
  };
  std::function<ExprPtr(const ExprPtr&)> regular = [&](const ExprPtr& e) -> ExprPtr {
    if (e->kind == ExprKind::AggCall || e->kind == ExprKind::Attribute || grouped(e)) return add(e);
    if (e->kind == ExprKind::Literal || e->children.empty()) return e;
    ExprList kids;
    for (const auto& c : e->children) kids.push_back(regular(c));
    return e->with_children(std::move(kids));
  };
  std::function<ExprPtr(const ExprPtr&)> rewrite = [&](const ExprPtr& e) -> ExprPtr {
    if (e->kind == ExprKind::WindowExpr) {
      const ExprPtr& f = e->window_function();
      ExprList fargs, part, order;
      for (const auto& c : f->children) fargs.push_back(regular(c));
      for (const auto& p : e->window_partition()) part.push_back(regular(p));
      for (const auto& o : e->window_order()) order.push_back(o->with_children({regular(o->children[0])}));
      return window_expr(f->with_children(std::move(fargs)), std::move(part), std::move(order), e->frame);
    }
    if (!has_window(e)) return regular(e);
    ExprList kids;
    for (const auto& c : e->children) kids.push_back(rewrite(c));
    return e->with_children(std::move(kids));
  };
  ExprList list;
  for (const auto& e : n->exprs) {
    if (!has_window(e)) {
      agg_list.push_back(e);
      list.push_back(to_attribute(e));
    } else {
      list.push_back(rewrite(e));
    }
  }
  auto agg = std::make_shared<LogicalPlan>(*n);
  agg->exprs = std::move(agg_list);
  return plan_node(PlanKind::Project, std::move(list), agg);
}

}  // namespace

PlanPtr extract_windows(const PlanPtr& plan, IdGen& ids, std::optional<AnalysisError>& error) {
  return plan_transform_up(plan, [&](const PlanPtr& n) -> PlanPtr {
    if (error || n->kind == PlanKind::Window) return nullptr;
    if (!std::any_of(n->exprs.begin(), n->exprs.end(), has_window)) return nullptr;
    for (const auto& c : n->children) if (!c->resolved()) return nullptr;
    if (!std::all_of(n->exprs.begin(), n->exprs.end(), [](const ExprPtr& e) { return e->resolved(); })) return nullptr;
    switch (n->kind) {
      case PlanKind::Project: return rewrite_project(n, ids);
      case PlanKind::Aggregate: return rewrite_aggregate(n, ids);
      case PlanKind::Filter:
        error = legacy("_LEGACY_ERROR_TEMP_1034", "It is not allowed to use window functions inside WHERE clause.");
        return nullptr;
      default:
        if (n->unresolved_kind()) return nullptr;  // withColumns & co. become projections first
        error = legacy("_LEGACY_ERROR_TEMP_1034", "It is not allowed to use window functions inside " +
                                                      n->node_string().substr(0, n->node_string().find(' ')) + ".");
        return nullptr;
    }
  });
}

}  // namespace spp::sql
