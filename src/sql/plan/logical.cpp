// Logical plan nodes: output, resolution, rewrites, and Spark's treeString.
#include "sql/plan/logical.h"

#include <algorithm>
#include <cctype>

namespace spp::sql {

const char* join_type_name(JoinType t) {
  switch (t) {
    case JoinType::Inner: return "Inner";
    case JoinType::LeftOuter: return "LeftOuter";
    case JoinType::RightOuter: return "RightOuter";
    case JoinType::FullOuter: return "FullOuter";
    case JoinType::LeftSemi: return "LeftSemi";
    case JoinType::LeftAnti: return "LeftAnti";
    case JoinType::Cross: return "Cross";
  }
  return "?";
}

PlanPtr make_plan(LogicalPlan p) { return std::make_shared<const LogicalPlan>(std::move(p)); }

ExprPtr to_attribute(const ExprPtr& e) {
  if (e->kind == ExprKind::Attribute) return e;
  if (e->kind == ExprKind::Alias) return attr(e->name, e->type, e->nullable, e->id, {}, alias_metadata(*e));
  return nullptr;
}

// Spark's Alias.metadata: the explicit one, else a named child's, else a struct field's.
std::string alias_metadata(const Expr& alias) {
  if (!alias.metadata.empty()) return alias.metadata;
  const Expr& c = *alias.children[0];
  if (c.kind == ExprKind::Attribute || c.kind == ExprKind::Alias) return c.kind == ExprKind::Alias ? alias_metadata(c) : c.metadata;
  if (c.kind == ExprKind::GetField && !c.children.empty()) {
    const DataType& st = c.children[0]->type;
    if (st.id == TypeId::Struct && c.ordinal >= 0 && size_t(c.ordinal) < st.fields.size() && st.fields[size_t(c.ordinal)].metadata != "{}")
      return st.fields[size_t(c.ordinal)].metadata;
  }
  return {};
}

bool LogicalPlan::unresolved_kind() const {
  switch (kind) {
    case PlanKind::UnresolvedRelation: case PlanKind::WithColumns: case PlanKind::RenameColumns:
    case PlanKind::Drop: case PlanKind::ToDF: case PlanKind::UnparsedSql: case PlanKind::Summary: return true;
    case PlanKind::Aggregate: return name == "pivot";  // until the analyzer's ResolvePivot rewrites it
    case PlanKind::LocalRelation: return data_ref == "inline_table";  // until ResolveInlineTables
    default: return false;
  }
}

bool LogicalPlan::resolved() const {
  if (unresolved_kind()) return false;
  if (kind == PlanKind::Deduplicate && !names.empty()) return false;
  if (kind == PlanKind::Join && (!names.empty() || flag)) return false;  // USING/NATURAL: resolved once rewritten
  if (kind == PlanKind::Aggregate && !grouping_sets.empty()) return false;  // until Expand replaces them
  if (kind == PlanKind::Generate && output_attrs.empty()) return false;  // LATERAL VIEW's, until resolved
  for (const auto& e : exprs) if (!e->resolved()) return false;
  for (const auto& e : groups) if (!e->resolved()) return false;
  // A select list holding a generator is resolved once ExtractGenerator moved it into a
  // Generate (Spark's hasSpecialExpressions): its output attributes are not known before.
  if (kind == PlanKind::Project || kind == PlanKind::Aggregate)
    for (const auto& e : exprs)
      if (any_expr(e, [](const Expr& x) {
            return (x.kind == ExprKind::Call && is_generator_name(x.name)) || x.kind == ExprKind::WindowExpr;
          }))
        return false;  // windows likewise wait for ExtractWindowExpressions
  for (const auto& c : children) if (!c->resolved()) return false;
  return true;
}

static ExprPtr with_nullable(const ExprPtr& a, bool nullable) {
  if (a->nullable == nullable) return a;
  auto c = std::make_shared<Expr>(*a);
  c->nullable = nullable;
  return c;
}

ExprList LogicalPlan::output() const {
  ExprList out;
  switch (kind) {
    case PlanKind::LocalRelation: case PlanKind::Range: case PlanKind::DataSource: case PlanKind::InMemoryRelation:
    case PlanKind::UnresolvedRelation: case PlanKind::UnparsedSql: case PlanKind::Expand:
      return output_attrs;
    case PlanKind::Project: case PlanKind::Aggregate:
      for (const auto& e : exprs) if (auto a = to_attribute(e)) out.push_back(a);
      return out;
    case PlanKind::SubqueryAlias:
      for (const auto& a : children[0]->output()) {
        auto c = std::make_shared<Expr>(*a);
        c->qualifier = names.empty() ? std::vector<std::string>{name} : names;
        out.push_back(c);
      }
      return out;
    case PlanKind::Join: {
      auto l = children[0]->output(), r = children[1]->output();
      if (join_type == JoinType::LeftSemi || join_type == JoinType::LeftAnti) return l;
      bool ln = join_type == JoinType::RightOuter || join_type == JoinType::FullOuter;
      bool rn = join_type == JoinType::LeftOuter || join_type == JoinType::FullOuter;
      for (const auto& a : l) out.push_back(ln ? with_nullable(a, true) : a);
      for (const auto& a : r) out.push_back(rn ? with_nullable(a, true) : a);
      return out;
    }
    case PlanKind::Generate: {
      auto in = children[0]->output();
      for (size_t i = 0; i < in.size(); ++i)
        if (std::find(unrequired.begin(), unrequired.end(), static_cast<int>(i)) == unrequired.end()) out.push_back(in[i]);
      for (const auto& a : output_attrs) out.push_back(flag ? with_nullable(a, true) : a);
      return out;
    }
    case PlanKind::Window:
      out = children[0]->output();
      for (const auto& e : exprs) out.push_back(to_attribute(e));
      return out;
    case PlanKind::MapInPandas: case PlanKind::FlatMapGroupsInPandas: case PlanKind::FlatMapCoGroupsInPandas:
      return output_attrs;
    case PlanKind::AggregateInPandas:
      out = groups;
      for (const auto& e : exprs) out.push_back(to_attribute(e));
      return out;
    case PlanKind::BatchEvalPython:
      out = children[0]->output();
      out.insert(out.end(), output_attrs.begin(), output_attrs.end());
      return out;
    case PlanKind::Union: {
      out = children[0]->output();
      for (size_t i = 1; i < children.size(); ++i) {
        auto o = children[i]->output();
        for (size_t j = 0; j < out.size() && j < o.size(); ++j)
          if (o[j]->nullable) out[j] = with_nullable(out[j], true);
      }
      return out;
    }
    default:
      return children.empty() ? ExprList{} : children[0]->output();
  }
}

static const Expr* first_window(const ExprList& es) {
  for (const auto& e : es) {
    const Expr* x = e.get();
    while (x->kind == ExprKind::Alias) x = x->children[0].get();
    if (x->kind == ExprKind::WindowExpr) return x;
  }
  return nullptr;
}

ExprList window_partition_of(const ExprList& es) {
  const Expr* w = first_window(es);
  return w ? w->window_partition() : ExprList{};
}

ExprList window_order_of(const ExprList& es) {
  const Expr* w = first_window(es);
  return w ? w->window_order() : ExprList{};
}

static std::string list(const ExprList& es, const char* sep = ", ") {
  std::string s = "[";
  for (size_t i = 0; i < es.size(); ++i) s += (i ? sep : "") + es[i]->to_string();
  return s + "]";
}

// A select list before analysis, as Spark's parser leaves it: each item that is not a
// NamedExpression waits in an UnresolvedAlias (`unresolvedalias(('a + 1), None)`).
static bool named(const Expr& e) {
  return e.kind == ExprKind::UnresolvedAttribute || e.kind == ExprKind::UnresolvedStar || e.kind == ExprKind::Alias ||
         e.kind == ExprKind::MultiAlias || e.kind == ExprKind::Attribute || e.kind == ExprKind::UnresolvedAlias;
}

static std::string select_list(const ExprList& es) {
  std::string s = "[";
  for (size_t i = 0; i < es.size(); ++i)
    s += (i ? ", " : "") + (named(*es[i]) ? es[i]->to_string() : "unresolvedalias(" + es[i]->to_string() + ", None)");
  return s + "]";
}

// Resolved as Spark prints it: an UnresolvedAlias is never resolved, so a parsed `SELECT 1` is
// `'Project [unresolvedalias(1, None)]` (and its parents quoted) although our item is a literal.
static bool shown_resolved(const LogicalPlan& p) {
  if (!p.resolved()) return false;
  if (p.kind == PlanKind::Project || p.kind == PlanKind::Aggregate)
    for (const auto& e : p.exprs)
      if (!named(*e)) return false;
  for (const auto& c : p.children)
    if (!shown_resolved(*c)) return false;
  return true;
}

std::string LogicalPlan::node_string() const {
  std::string p = shown_resolved(*this) ? "" : "'";
  switch (kind) {
    case PlanKind::UnresolvedRelation: return "'UnresolvedRelation [" + name + "], [], false";
    case PlanKind::UnparsedSql: return "'UnparsedSql " + name;
    case PlanKind::WithColumns: return "'WithColumns " + list(exprs);
    case PlanKind::RenameColumns: {
      std::string s = "'RenameColumns [";
      for (size_t i = 0; i < renames.size(); ++i) s += (i ? ", " : "") + renames[i].first + " -> " + renames[i].second;
      return s + "]";
    }
    case PlanKind::Drop: return "'Drop " + list(exprs);
    case PlanKind::InMemoryRelation: return "InMemoryRelation " + list(output_attrs) + ", " + name;
    case PlanKind::Summary: {
      // na functions / unpivot / to(schema) ride on Summary nodes until the analyzer rewrites them
      if (name == "fillNa" || name == "dropNa" || name == "replace" || name == "unpivot" || name == "toSchema") {
        std::string s = "'" + std::string(1, static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])))) + name.substr(1) + " [";
        for (size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + names[i];
        return s + "]" + (exprs.empty() ? "" : " " + list(exprs));
      }
      std::string s = "'Summary [";
      for (size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + names[i];
      return s + "]";
    }
    case PlanKind::ToDF: {
      std::string s = flag ? "'UnresolvedSubqueryColumnAliases [" : "'ToDF [";
      for (size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + names[i];
      return s + "]";
    }
    case PlanKind::LocalRelation:
      // createDataFrame data is an RDD in classic PySpark: Spark prints it as LogicalRDD.
      if (data_ref == "inline" || data_ref.rfind("rdd:", 0) == 0 || data_ref.rfind("session:", 0) == 0)
        return "LogicalRDD " + list(output_attrs) + ", false";
      if (data_ref == "one_row") return "OneRowRelation";
      if (data_ref == "inline_table") {  // UnresolvedInlineTable(names, rows)
        std::string s = "'UnresolvedInlineTable [";
        for (size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + names[i];
        s += "], [";
        for (size_t r = 0; r < exprs.size(); ++r) s += (r ? ", " : "") + list(exprs[r]->children);
        return s + "]";
      }
      if (data_ref == "empty") return "LocalRelation <empty>, " + list(output_attrs);
      return "LocalRelation " + list(output_attrs);
    case PlanKind::Range:
      return "Range (" + std::to_string(start) + ", " + std::to_string(end) + ", step=" + std::to_string(step) +
             ", splits=" + (num_partitions > 0 ? "Some(" + std::to_string(num_partitions) + ")" : "None") + ")";
    case PlanKind::DataSource: {  // LogicalRelation: its catalog table's unquotedString, if any
      std::string table;
      for (size_t i = 0; i < names.size(); ++i) table += (i ? "." : "") + names[i];
      return "Relation " + table + list(output_attrs, ",") + " " + name;
    }
    case PlanKind::Project:  // argString drops empty lists
      return p + "Project" + (exprs.empty() ? "" : " " + (p.empty() ? list(exprs) : select_list(exprs)));
    case PlanKind::Filter:  // HAVING is Spark's UnresolvedHaving until the analyzer resolves it
      return (flag && !p.empty() ? "'UnresolvedHaving " : p + "Filter ") + exprs[0]->to_string();
    case PlanKind::Join: {
      std::string s = p + "Join ";
      if (!names.empty()) {
        s += "UsingJoin(" + std::string(join_type_name(join_type)) + ", [";
        for (size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + names[i];
        return s + "])";
      }
      s += join_type_name(join_type);
      if (!exprs.empty()) s += ", " + exprs[0]->to_string();
      return s;
    }
    case PlanKind::Aggregate: {
      const std::string items = p.empty() ? list(exprs) : select_list(exprs);
      if (grouping_sets.empty()) return p + "Aggregate " + (groups.empty() ? "" : list(groups) + ", ") + items;
      std::string s = p + "Aggregate [groupingsets(";  // before ResolveGroupingAnalytics
      for (size_t i = 0; i < grouping_sets.size(); ++i) {
        s += (i ? ", [" : "[");
        for (size_t j = 0; j < grouping_sets[i].size(); ++j) s += (j ? ", " : "") + groups[size_t(grouping_sets[i][j])]->to_string();
        s += "]";
      }
      return s + ")], " + items;
    }
    case PlanKind::Expand: {
      std::string s = p + "Expand [";
      const size_t w = size_t(std::max<int64_t>(n, 1));
      for (size_t i = 0; i < exprs.size(); i += w)
        s += (i ? ", " : "") + list(ExprList(exprs.begin() + long(i), exprs.begin() + long(std::min(exprs.size(), i + w))));
      return s + "], " + list(output_attrs);
    }
    case PlanKind::Sort: return p + "Sort " + list(exprs) + ", " + (flag ? "true" : "false");
    case PlanKind::Limit: return p + "GlobalLimit " + std::to_string(n);
    case PlanKind::Offset: return p + "Offset " + std::to_string(n);
    case PlanKind::Tail: return p + "Tail " + std::to_string(n);
    case PlanKind::SubqueryAlias: {  // AliasIdentifier.toString: the parts quoted where needed
      if (names.empty()) return p + "SubqueryAlias " + name;
      std::string s = p + "SubqueryAlias ";
      for (size_t i = 0; i < names.size(); ++i) s += (i ? "." : "") + quote_if_needed(names[i]);
      return s;
    }
    case PlanKind::View: return p + "View (" + name + ", " + list(output(), ",") + ")";
    case PlanKind::Union: return p + "Union " + (flag ? "true" : "false") + ", " + (flag2 ? "true" : "false");
    case PlanKind::Intersect: return p + "Intersect " + (flag ? "All " : "") + "false";
    case PlanKind::Except: return p + "Except " + (flag ? "All " : "") + "false";
    case PlanKind::Distinct: return p + "Distinct";
    case PlanKind::Deduplicate: return p + "Deduplicate " + list(exprs);
    case PlanKind::Repartition: return p + "Repartition " + std::to_string(n) + ", " + (flag ? "true" : "false");
    case PlanKind::RepartitionByExpression:
      return p + "RepartitionByExpression " + list(exprs) + (n > 0 ? ", " + std::to_string(n) : "");
    case PlanKind::Sample: {
      char buf[96];
      std::snprintf(buf, sizeof buf, "Sample %s, %s, %s, %lld", value_to_string(Value::of(lower), DataType::double_()).c_str(),
                    value_to_string(Value::of(upper), DataType::double_()).c_str(), flag ? "true" : "false",
                    static_cast<long long>(seed));
      return p + buf;
    }
    case PlanKind::Hint: return p + "ResolvedHint (strategy=" + name + ")";
    case PlanKind::Window:
    {  // argString drops an empty partition spec or order (`Window [count(1) windowspecdefinition(...)]`)
      const ExprList part = window_partition_of(exprs), order = window_order_of(exprs);
      return p + "Window " + list(exprs) + (part.empty() ? "" : ", " + list(part)) + (order.empty() ? "" : ", " + list(order));
    }
    case PlanKind::MapInPandas:
      return p + "MapInPandas " + exprs[0]->to_string() + ", " + list(output_attrs) + ", " + (flag ? "true" : "false");
    case PlanKind::AggregateInPandas: {
      ExprList fs, out = output();
      for (const auto& e : exprs) fs.push_back(e->children[0]);
      return p + "AggregateInPandas " + list(groups) + ", " + list(fs) + ", " + list(out);
    }
    case PlanKind::FlatMapGroupsInPandas:
      return p + "FlatMapGroupsInPandas " + list(groups) + ", " + exprs[0]->to_string() + ", " + list(output_attrs);
    case PlanKind::FlatMapCoGroupsInPandas:
      return p + "FlatMapCoGroupsInPandas " + list(ExprList(groups.begin(), groups.begin() + n)) + ", " +
             list(ExprList(groups.begin() + n, groups.end())) + ", " + exprs[0]->to_string() + ", " + list(output_attrs);
    case PlanKind::BatchEvalPython:
      if (n != 100) return p + "ArrowEvalPython " + list(exprs) + ", " + list(output_attrs) + ", " + std::to_string(n);
      return p + "BatchEvalPython " + list(exprs) + ", " + list(output_attrs);
    case PlanKind::Generate: {  // Spark's argString: empty lists are left out
      std::string s = p + "Generate " + exprs[0]->to_string();
      if (!unrequired.empty()) {
        s += ", [";
        for (size_t i = 0; i < unrequired.size(); ++i) s += (i ? ", " : "") + std::to_string(unrequired[i]);
        s += "]";
      }
      return s + ", " + (flag ? "true" : "false") + (name.empty() ? "" : ", " + name) +  // LATERAL VIEW's qualifier
             (output_attrs.empty() ? "" : ", " + list(output_attrs));
    }
  }
  return "?";
}

std::string draw_inner_tree(const std::string& tree, const std::string& prefix) {
  std::string out;
  size_t at = 0;
  for (bool first = true; at < tree.size(); first = false) {
    size_t nl = tree.find('\n', at);
    if (nl == std::string::npos) nl = tree.size();
    if (nl > at) out += prefix + (first ? "   +- " : "      ") + tree.substr(at, nl - at) + "\n";
    at = nl + 1;
  }
  return out;
}

static void tree(const LogicalPlan& p, const std::string& prefix, bool last, bool root, std::string& out) {
  out += root ? "" : prefix + (last ? "+- " : ":- ");
  out += p.node_string() + "\n";
  std::string child_prefix = root ? "" : prefix + (last ? "   " : ":  ");
  if (p.kind == PlanKind::Limit) {
    // Spark's Limit is GlobalLimit over LocalLimit: two printed lines.
    out += child_prefix + "+- " + std::string(shown_resolved(p) ? "" : "'") + "LocalLimit " + std::to_string(p.n) + "\n";
    child_prefix += "   ";
  }
  // Subquery plans are Spark's innerChildren: drawn before the children, one level deeper.
  std::vector<const LogicalPlan*> subs;
  for (const ExprList* list : {&p.exprs, &p.groups})
    for (const auto& e : *list)
      foreach_expr(e, [&](const Expr& x) { if (is_subquery_expr(x) && x.plan) subs.push_back(x.plan.get()); });
  for (size_t i = 0; i < subs.size(); ++i)
    tree(*subs[i], child_prefix + (p.children.empty() ? "   " : ":  "), i + 1 == subs.size(), false, out);
  if (p.cached_tree) out += draw_inner_tree(*p.cached_tree, child_prefix);
  for (size_t i = 0; i < p.children.size(); ++i)
    tree(*p.children[i], child_prefix, i + 1 == p.children.size(), false, out);
}

std::string LogicalPlan::tree_string() const {
  std::string out;
  tree(*this, "", true, true, out);
  return out;
}

PlanPtr LogicalPlan::with_children(std::vector<PlanPtr> c) const {
  auto p = std::make_shared<LogicalPlan>(*this);
  p->children = std::move(c);
  return p;
}

PlanPtr LogicalPlan::with_exprs(ExprList e, ExprList g) const {
  auto p = std::make_shared<LogicalPlan>(*this);
  p->exprs = std::move(e);
  p->groups = std::move(g);
  return p;
}

PlanPtr plan_transform_up(const PlanPtr& p, const PlanRule& f) {
  std::vector<PlanPtr> kids;
  bool changed = false;
  for (const auto& c : p->children) {
    kids.push_back(plan_transform_up(c, f));
    changed |= kids.back() != c;
  }
  PlanPtr cur = changed ? p->with_children(std::move(kids)) : p;
  PlanPtr r = f(cur);
  return r ? r : cur;
}

PlanPtr plan_transform_down(const PlanPtr& p, const PlanRule& f) {
  PlanPtr r = f(p);
  PlanPtr cur = r ? r : p;
  std::vector<PlanPtr> kids;
  bool changed = false;
  for (const auto& c : cur->children) {
    kids.push_back(plan_transform_down(c, f));
    changed |= kids.back() != c;
  }
  return changed ? cur->with_children(std::move(kids)) : cur;
}

PlanPtr plan_transform_exprs(const PlanPtr& p, const ExprRule& f) {
  return plan_transform_up(p, [&](const PlanPtr& n) -> PlanPtr {
    bool changed = false;
    auto map = [&](const ExprList& es) {
      ExprList out;
      for (const auto& e : es) {
        out.push_back(transform_up(e, f));
        changed |= out.back() != e;
      }
      return out;
    };
    ExprList e = map(n->exprs), g = map(n->groups);
    return changed ? n->with_exprs(std::move(e), std::move(g)) : nullptr;
  });
}

void plan_foreach(const PlanPtr& p, const std::function<void(const LogicalPlan&)>& f) {
  f(*p);
  for (const auto& c : p->children) plan_foreach(c, f);
}

static bool list_equal(const ExprList& a, const ExprList& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) if (!expr_equal(*a[i], *b[i])) return false;
  return true;
}

bool plan_equal(const LogicalPlan& a, const LogicalPlan& b) {
  if (a.kind != b.kind || a.name != b.name || a.names != b.names || a.join_type != b.join_type || a.n != b.n ||
      a.flag != b.flag || a.flag2 != b.flag2 || a.unrequired != b.unrequired || a.children.size() != b.children.size() ||
      a.grouping_sets != b.grouping_sets ||
      !list_equal(a.exprs, b.exprs) || !list_equal(a.groups, b.groups) || !list_equal(a.output_attrs, b.output_attrs))
    return false;
  for (size_t i = 0; i < a.children.size(); ++i)
    if (!plan_equal(*a.children[i], *b.children[i])) return false;
  return true;
}

}  // namespace spp::sql
