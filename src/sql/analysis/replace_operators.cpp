// EXCEPT ALL / INTERSECT ALL as Spark's rewrites, Offset and Tail (replace_operators.h).
#include "sql/analysis/replace_operators.h"

#include <algorithm>
#include <map>

#include "sql/coercion.h"
#include "sql/plan/plan_build.h"

namespace spp::sql {
namespace {

ExprList concat(ExprList a, const ExprList& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Project(out ++ [explode(array_repeat(true, CAST(times AS INT)))]) then Project(out): each row
// `times` times (the analyzer's ExtractGenerator makes the Generate).
PlanPtr replicate_rows(const ExprPtr& times, const ExprList& out, PlanPtr child) {
  ExprPtr reps = unresolved_fn("array_repeat", {lit_bool(true), cast(times, DataType::int_(), false)});
  PlanPtr gen = plan_node(PlanKind::Project, concat(out, {unresolved_fn("explode", {reps})}), {std::move(child)});
  return plan_node(PlanKind::Project, out, {gen});
}

// Project(child ++ [monotonically_increasing_id() AS __row_order]): the rows' order as a column.
PlanPtr with_row_order(const PlanPtr& child, IdGen& ids, ExprPtr& order) {
  ExprPtr a = alias(unresolved_fn("monotonically_increasing_id", {}), "__row_order", ids.next());
  order = attr("__row_order", DataType::long_(), false, a->id);
  return plan_node(PlanKind::Project, concat(child->output(), {a}), {child});
}

PlanPtr sort(const ExprPtr& key, bool ascending, PlanPtr child) {
  LogicalPlan s;
  s.kind = PlanKind::Sort;
  s.flag = true;
  s.exprs = {sort_order(key, ascending, ascending)};
  s.children = {std::move(child)};
  return make_plan(std::move(s));
}

}  // namespace

PlanPtr rewrite_offset(const LogicalPlan& n, IdGen& ids) {
  const ExprList out = n.children[0]->output();
  if (n.n <= 0) return n.children[0];
  ExprPtr order;
  PlanPtr numbered = with_row_order(n.children[0], ids, order);
  ExprPtr rn = alias(window_expr(unresolved_fn("row_number", {}), {}, {sort_order(order, true, true)}, WindowFrame{}),
                     "__row_number", ids.next());
  PlanPtr windowed = plan_node(PlanKind::Project, concat(out, {rn}), {numbered});
  PlanPtr kept = plan_node(PlanKind::Filter, {unresolved_fn(">", {attr("__row_number", DataType::int_(), false, rn->id), lit_long(n.n)})},
                      {windowed});
  return plan_node(PlanKind::Project, out, {kept});
}

PlanPtr rewrite_tail(const LogicalPlan& n, IdGen& ids) {
  const ExprList out = n.children[0]->output();
  ExprPtr order;
  PlanPtr numbered = with_row_order(n.children[0], ids, order);
  LogicalPlan last;
  last.kind = PlanKind::Limit;
  last.n = std::max<int64_t>(0, n.n);
  last.children = {sort(order, false, numbered)};
  return plan_node(PlanKind::Project, out, {sort(order, true, make_plan(std::move(last)))});
}

PlanPtr rewrite_set_operation_all(const LogicalPlan& n, IdGen& ids) {
  const ExprList l = n.children[0]->output(), r = n.children[1]->output();
  if (n.kind == PlanKind::Except) {
    // Union(1 AS vcol, left…; -1 AS vcol, right…) -> sum(vcol) per distinct row -> rows with a
    // positive sum, each repeated sum times
    PlanPtr left = plan_node(PlanKind::Project, concat({alias(lit_long(1), "vcol", ids.next())}, l), {n.children[0]});
    PlanPtr right = plan_node(PlanKind::Project, concat({alias(lit_long(-1), "vcol", ids.next())}, r), {n.children[1]});
    PlanPtr u = plan_node(PlanKind::Union, {}, {left, right});
    const int64_t sum_id = ids.next();
    LogicalPlan agg;
    agg.kind = PlanKind::Aggregate;
    agg.groups = l;
    agg.exprs = concat(l, {alias(unresolved_fn("sum", {to_attribute(left->exprs[0])}), "sum", sum_id)});
    agg.children = {u};
    ExprPtr sum = attr("sum", DataType::long_(), true, sum_id);
    PlanPtr kept = plan_node(PlanKind::Filter, {unresolved_fn(">", {sum, lit_long(0)})}, {make_plan(std::move(agg))});
    return replicate_rows(sum, l, kept);
  }
  // Union(true AS vcol1, NULL AS vcol2, left…; NULL AS vcol1, true AS vcol2, right…) -> the count
  // of each side per distinct row -> each row repeated the smaller count times
  ExprPtr null_bool = lit_null(DataType::boolean());
  PlanPtr left = plan_node(PlanKind::Project,
                      concat({alias(lit_bool(true), "vcol1", ids.next()), alias(null_bool, "vcol2", ids.next())}, l),
                      {n.children[0]});
  PlanPtr right = plan_node(PlanKind::Project,
                       concat({alias(null_bool, "vcol1", ids.next()), alias(lit_bool(true), "vcol2", ids.next())}, r),
                       {n.children[1]});
  PlanPtr u = plan_node(PlanKind::Union, {}, {left, right});
  const int64_t c1 = ids.next(), c2 = ids.next(), m = ids.next();
  LogicalPlan agg;
  agg.kind = PlanKind::Aggregate;
  agg.groups = l;
  agg.exprs = concat({alias(unresolved_fn("count", {to_attribute(left->exprs[0])}), "vcol1_count", c1),
                      alias(unresolved_fn("count", {to_attribute(left->exprs[1])}), "vcol2_count", c2)},
                     l);
  agg.children = {u};
  ExprPtr n1 = attr("vcol1_count", DataType::long_(), false, c1), n2 = attr("vcol2_count", DataType::long_(), false, c2);
  PlanPtr least = plan_node(PlanKind::Project,
                       concat({alias(unresolved_fn("if", {unresolved_fn(">", {n1, n2}), n2, n1}), "min_count", m)}, l),
                       {make_plan(std::move(agg))});
  return replicate_rows(attr("min_count", DataType::long_(), false, m), l, least);
}

bool is_unpivot_node(const LogicalPlan& n) { return n.kind == PlanKind::Summary && n.name == "unpivot"; }

PlanPtr rewrite_unpivot(const LogicalPlan& n, IdGen& ids, std::optional<AnalysisError>& error) {
  const ExprList in = n.children[0]->output();
  const ExprList id_list(n.exprs.begin(), n.exprs.begin() + n.n);
  ExprList values(n.exprs.begin() + n.n, n.exprs.end());
  if (!n.flag) {  // every column that is not an id
    for (const auto& a : in)
      if (std::none_of(id_list.begin(), id_list.end(), [&](const ExprPtr& e) { return to_attribute(e)->id == a->id; }))
        values.push_back(a);
  }
  if (values.empty()) {
    error = generic_error("UNPIVOT_REQUIRES_VALUE_COLUMNS", "42K0A",
                          "At least one value column needs to be specified for UNPIVOT, all columns specified as ids.");
    return nullptr;
  }
  auto name_of = [](const ExprPtr& e) { return e->kind == ExprKind::Attribute || e->kind == ExprKind::Alias ? e->name : e->sql(); };
  // findWiderTypeWithoutStringPromotion over the value columns
  std::optional<DataType> common = values[0]->type;
  bool all_strings = true;
  for (const auto& v : values) {
    all_strings &= v->type.id == TypeId::String;
    if (common) common = wider_common_type(*common, v->type);
  }
  if (!common || (common->id == TypeId::String && !all_strings)) {
    std::map<std::string, std::vector<std::string>> by_type;
    for (const auto& v : values) by_type["\"" + v->type.sql() + "\""].push_back(to_sql_id({name_of(v)}));
    std::string types;
    for (auto& [t, names] : by_type) {
      std::sort(names.begin(), names.end());
      if (names.size() > 3) { names.resize(3); names.push_back("..."); }
      std::string list;
      for (const auto& x : names) list += (list.empty() ? "" : ", ") + x;
      types += (types.empty() ? "" : ", ") + t + " (" + list + ")";
    }
    error = generic_error("UNPIVOT_VALUE_DATA_TYPE_MISMATCH", "42K09",
                          "Unpivot value columns must share a least common type, some types do not: [" + types + "].");
    return nullptr;
  }
  LogicalPlan ex;
  ex.kind = PlanKind::Expand;
  bool nullable = false;
  for (const auto& v : values) {
    for (const auto& i : id_list) ex.exprs.push_back(i->kind == ExprKind::Alias ? i->children[0] : i);
    ex.exprs.push_back(lit_string(name_of(v)));
    ExprPtr body = v->kind == ExprKind::Alias ? v->children[0] : v;
    ex.exprs.push_back(body->type == *common ? body : cast(body, *common, false));
    nullable |= v->nullable;
  }
  ex.n = static_cast<int64_t>(id_list.size() + 2);
  for (const auto& i : id_list) ex.output_attrs.push_back(to_attribute(i));
  const std::string var = n.names.size() > 0 ? n.names[0] : "variable", val = n.names.size() > 1 ? n.names[1] : "value";
  ex.output_attrs.push_back(attr(var, DataType::string(), false, ids.next()));
  ex.output_attrs.push_back(attr(val, *common, nullable, ids.next()));
  ex.children = {n.children[0]};
  return make_plan(std::move(ex));
}

}  // namespace spp::sql
