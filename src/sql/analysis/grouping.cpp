// ROLLUP / CUBE / GROUPING SETS (grouping.h).
#include "sql/analysis/grouping.h"

#include <algorithm>
#include <functional>

namespace spp::sql {

PlanPtr expand_grouping_sets(const LogicalPlan& a, IdGen& ids) {
  PlanPtr child = a.children[0];
  const ExprList in = child->output();
  const size_t n = a.groups.size();
  // Grouping expressions that are not input columns are computed below the Expand.
  ExprList pre = in, grefs;
  bool need_pre = false;
  for (const auto& g : a.groups) {
    const bool column = g->kind == ExprKind::Attribute &&
                        std::any_of(in.begin(), in.end(), [&](const ExprPtr& x) { return x->id == g->id; });
    if (column) { grefs.push_back(g); continue; }
    auto al = alias(g, "_groupingexpression", ids.next());
    pre.push_back(al);
    grefs.push_back(to_attribute(al));
    need_pre = true;
  }
  if (need_pre) {
    LogicalPlan p;
    p.kind = PlanKind::Project;
    p.exprs = pre;
    p.children = {child};
    child = make_plan(std::move(p));
  }
  const ExprList child_out = child->output();
  ExprList gattrs;
  for (const auto& g : grefs) gattrs.push_back(attr(g->name, g->type, true, ids.next()));
  ExprPtr gid = attr("spark_grouping_id", DataType::long_(), false, ids.next());
  LogicalPlan ex;
  ex.kind = PlanKind::Expand;
  for (const auto& set : a.grouping_sets) {
    int64_t mask = 0;
    for (size_t i = 0; i < n; ++i)
      if (std::find(set.begin(), set.end(), static_cast<int>(i)) == set.end()) mask |= int64_t(1) << (n - 1 - i);
    ex.exprs.insert(ex.exprs.end(), child_out.begin(), child_out.end());
    for (size_t i = 0; i < n; ++i) {
      const bool kept = std::find(set.begin(), set.end(), static_cast<int>(i)) != set.end();
      ex.exprs.push_back(kept ? grefs[i] : lit_null(grefs[i]->type));
    }
    ex.exprs.push_back(lit_long(mask));
  }
  ex.n = int64_t(child_out.size() + n + 1);
  ex.output_attrs = child_out;
  ex.output_attrs.insert(ex.output_attrs.end(), gattrs.begin(), gattrs.end());
  ex.output_attrs.push_back(gid);
  ex.children = {child};
  // grouping(g_i): bit n-1-i of the id, as tinyint (Spark's Grouping).
  auto bit = [&](size_t i) {
    auto shifted = call("shiftright", {gid, lit_int(static_cast<int32_t>(n - 1 - i))}, DataType::long_(), false);
    return cast(call("&", {shifted, lit_long(1)}, DataType::long_(), false), DataType::byte_(), false);
  };
  auto index_of = [&](const ExprPtr& e) -> int {
    for (size_t i = 0; i < n; ++i) if (expr_equal(*a.groups[i], *e)) return static_cast<int>(i);
    return -1;
  };
  std::function<ExprPtr(const ExprPtr&)> replace = [&](const ExprPtr& e) -> ExprPtr {
    if (e->kind == ExprKind::AggCall) return e;  // aggregates read the input's own values
    if (int i = index_of(e); i >= 0 && e->kind != ExprKind::Alias) return gattrs[size_t(i)];
    if (e->kind == ExprKind::Call && e->name == "grouping" && e->children.size() == 1) {
      int i = index_of(e->children[0]);
      if (i >= 0) return bit(size_t(i));
    }
    if (e->kind == ExprKind::Call && e->name == "grouping_id") {
      bool all = e->children.empty() || e->children.size() == n;
      for (size_t j = 0; all && j < e->children.size(); ++j) all = index_of(e->children[j]) == int(j);
      if (all) return gid;
      ExprPtr sum = lit_long(0);  // the listed columns' bits, first highest
      const size_t m = e->children.size();
      for (size_t j = 0; j < m; ++j) {
        int i = index_of(e->children[j]);
        if (i < 0) return e;  // CheckAnalysis reports it
        auto b = call("shiftright", {gid, lit_int(static_cast<int32_t>(n - 1 - size_t(i)))}, DataType::long_(), false);
        b = call("&", {b, lit_long(1)}, DataType::long_(), false);
        b = call("shiftleft", {b, lit_int(static_cast<int32_t>(m - 1 - j))}, DataType::long_(), false);
        sum = call("+", {sum, b}, DataType::long_(), false);
      }
      return sum;
    }
    if (e->children.empty()) return e;
    ExprList kids;
    bool changed = false;
    for (const auto& c : e->children) {
      kids.push_back(replace(c));
      changed |= kids.back() != c;
    }
    return changed ? e->with_children(std::move(kids)) : e;
  };
  LogicalPlan agg = a;
  agg.grouping_sets.clear();
  agg.groups = gattrs;
  agg.groups.push_back(gid);
  agg.exprs.clear();
  for (const auto& e : a.exprs) agg.exprs.push_back(replace(e));
  agg.children = {make_plan(std::move(ex))};
  return make_plan(std::move(agg));
}

}  // namespace spp::sql
