// SessionWindowing as window functions and an aggregate (see session_window.h).
#include "sql/analysis/session_window.h"

#include <cctype>

#include "common/strings.h"
#include "sql/parser/parser.h"
#include "sql/plan/plan_build.h"

namespace spp::sql {

namespace {

const Expr* session_call(const ExprPtr& e) {
  const Expr* x = e->kind == ExprKind::Alias ? e->children[0].get() : e.get();
  if (x->kind != ExprKind::UnresolvedFunction || x->children.size() != 2 || ascii_lower(x->name) != "session_window")
    return nullptr;
  return x;
}

ExprPtr col(const char* name) { return unresolved_attr({name}); }
ExprPtr fn(const char* name, ExprList args) { return unresolved_fn(name, std::move(args)); }

ExprPtr star() {
  auto s = std::make_shared<Expr>();
  s->kind = ExprKind::UnresolvedStar;
  return s;
}

}  // namespace

std::optional<AnalysisError> session_window_gap_error(const Expr& gap) {
  const TypeId t = gap.type.id;
  if (t == TypeId::CalendarInterval || t == TypeId::DayTimeInterval) return std::nullopt;
  if (t == TypeId::String && gap.kind == ExprKind::Literal) return std::nullopt;
  if (t == TypeId::String)
    return generic_error("UNSUPPORTED_FEATURE", "0A000",
                         "The feature is not supported: a session window gap read from a string column " +
                             to_sql_expr(gap.sql()) + " (not in sparkpp's SQL engine yet; use an interval).");
  std::string dt = gap.type.type_name();  // the Scala class name: IntegerType, DecimalType(10,0), ...
  if (!dt.empty() && gap.type.is_atomic() && t != TypeId::Decimal) {
    dt[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(dt[0])));
    dt += "Type";
  }
  if (t == TypeId::Decimal) dt = "DecimalType(" + std::to_string(gap.type.precision) + "," + std::to_string(gap.type.scale) + ")";
  return generic_error("_LEGACY_ERROR_TEMP_1040", "",
                       "Gap duration expression used in session window must be CalendarIntervalType, but got " + dt + ".");
}

int session_window_key(const LogicalPlan& a) {
  if (a.kind != PlanKind::Aggregate || !a.grouping_sets.empty() || a.name == "pivot") return -1;
  for (size_t i = 0; i < a.groups.size(); ++i)
    if (session_call(a.groups[i])) return static_cast<int>(i);
  return -1;
}

PlanPtr rewrite_session_window(const LogicalPlan& a, int key, const ExprPtr& ts, const ExprPtr& gap, IdGen& ids) {
  const Expr& call = *session_call(a.groups[size_t(key)]);
  ExprList others;
  for (size_t i = 0; i < a.groups.size(); ++i)
    if (int(i) != key) others.push_back(a.groups[i]);
  ExprPtr start = ts->type.id == TypeId::TimestampNtz ? ts : cast(ts, DataType::timestamp(), false);
  // A gap written as a string ('5 minutes') is the interval literal it spells (Spark's
  // SessionWindow.apply: IntervalUtils.safeStringToInterval), else the gap cast to an interval.
  ExprPtr span;
  if (gap->kind == ExprKind::Literal && gap->type.id == TypeId::String && !gap->value.is_null()) {
    std::string text = "INTERVAL '";
    for (char ch : gap->value.as_string()) text += ch == '\'' || ch == '\\' ? std::string("\\") + ch : std::string(1, ch);
    auto r = parser::parse_expression(text + "'", ids);
    span = std::holds_alternative<ExprPtr>(r) ? std::get<ExprPtr>(r) : lit_null(DataType::calendar_interval());
  }
  if (!span) span = gap;  // an interval (session_window_gap_error)
  ExprPtr end = fn("+", {start, span});
  PlanPtr p = plan_node(PlanKind::Project, {star(), alias(start, "__sw_start", ids.next()), alias(end, "__sw_end", ids.next())},
                   a.children[0]);
  p = plan_node(PlanKind::Filter, {fn("and", {fn("isnotnull", {col("__sw_start")}), fn(">", {col("__sw_end"), col("__sw_start")})})}, p);
  auto over = [&](ExprPtr f, FrameBound upper) {
    WindowFrame fr;
    fr.type = FrameType::Rows;
    fr.lower.kind = FrameBound::Kind::UnboundedPreceding;
    fr.upper = upper;
    return window_expr(std::move(f), others, {sort_order(col("__sw_start"), true, true)}, fr);
  };
  FrameBound before;  // ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
  before.kind = FrameBound::Kind::Offset;
  before.offset = -1;
  FrameBound current;
  current.kind = FrameBound::Kind::CurrentRow;
  p = plan_node(PlanKind::Project, {star(), alias(over(fn("max", {col("__sw_end")}), before), "__sw_prev", ids.next())}, p);
  ExprPtr opens = fn("or", {fn("isnull", {col("__sw_prev")}), fn(">", {col("__sw_start"), col("__sw_prev")})});
  p = plan_node(PlanKind::Project, {star(), alias(fn("when", {opens, lit_int(1), lit_int(0)}), "__sw_new", ids.next())}, p);
  p = plan_node(PlanKind::Project, {star(), alias(over(fn("sum", {col("__sw_new")}), current), "__sw_id", ids.next())}, p);
  // The select list: the window call becomes the session's bounds (an aggregate of the group).
  ExprPtr bounds = fn("named_struct", {lit_string("start"), fn("min", {col("__sw_start")}), lit_string("end"),
                                       fn("max", {col("__sw_end")})});
  std::function<ExprPtr(const ExprPtr&)> replace = [&](const ExprPtr& e) -> ExprPtr {
    if (expr_equal(*e, call)) return bounds;
    ExprList kids;
    bool changed = false;
    for (const auto& c : e->children) {
      kids.push_back(replace(c));
      changed |= kids.back() != c;
    }
    return changed ? e->with_children(std::move(kids)) : e;
  };
  LogicalPlan g;
  g.kind = PlanKind::Aggregate;
  g.plan_id = a.plan_id;
  g.groups = others;
  g.groups.push_back(col("__sw_id"));
  for (const auto& e : a.exprs)
    g.exprs.push_back(expr_equal(*e, call) ? alias(bounds, "session_window", ids.next()) : replace(e));
  g.children = {p};
  return make_plan(std::move(g));
}

}  // namespace spp::sql
