// Spark's "Extract Python UDFs" batch: Python UDF calls leave the operators holding them for a
// BatchEvalPython beneath (the one operator that runs Python); its extra output columns
// (pythonUDF0, …) take the calls' places. Runs once, after the operator-optimisation batch, so
// pushdown and pruning have already shaped the plan around the calls.
#include <algorithm>
#include <set>

#include "sql/optimizer/optimizer.h"

namespace spp::sql::opt {

namespace {

// The largest expression id a plan uses: new attributes are numbered above it, which keeps the
// rule pure (ids need only be unique within one plan).
int64_t max_id(const PlanPtr& p) {
  int64_t m = 0;
  plan_foreach(p, [&](const LogicalPlan& n) {
    auto see = [&](const ExprList& es) {
      for (const auto& e : es) foreach_expr(e, [&](const Expr& x) { m = std::max(m, x.id); });
    };
    see(n.exprs), see(n.groups), see(n.output_attrs), see(n.data_attrs);
  });
  return m;
}

// A call Python can evaluate over its input now: every argument is UDF-free native work, or
// another evaluable call (a chain, computed in the same worker pass).
bool is_pandas_agg(const Expr& e) { return e.kind == ExprKind::PythonUDF && e.python->eval_type == 202; }

bool evaluable(const Expr& u) {
  if (is_pandas_agg(u)) return false;  // an aggregate: AggregateInPandas computes it
  for (const auto& c : u.children) {
    if (c->kind == ExprKind::PythonUDF) {
      // A chain runs in one program: same kind of UDF, and iterator UDFs only alone (PySpark's
      // worker takes one SCALAR_ITER UDF per evaluation).
      if (c->python->eval_type != u.python->eval_type || u.python->eval_type == 204 || !evaluable(*c)) return false;
    } else if (contains_python_udf(c)) {
      return false;
    }
  }
  return true;
}

// Operators that run their own Python (their UDF is theirs, not to be extracted).
bool runs_python(const LogicalPlan& n) {
  return n.kind == PlanKind::BatchEvalPython || n.kind == PlanKind::MapInPandas ||
         n.kind == PlanKind::FlatMapGroupsInPandas || n.kind == PlanKind::AggregateInPandas ||
         n.kind == PlanKind::FlatMapCoGroupsInPandas;
}

void add_unique(ExprList& out, const ExprPtr& e) {
  for (const auto& o : out) if (expr_equal(*o, *e)) return;
  out.push_back(e);
}

// The outermost evaluable calls of `e`.
void collect_evaluable(const ExprPtr& e, ExprList& out) {
  if (e->kind == ExprKind::PythonUDF && evaluable(*e)) return add_unique(out, e);
  for (const auto& c : e->children) collect_evaluable(c, out);
}

// `e` with every subtree equal to some from[i] replaced by to[i] (replacements not revisited).
ExprPtr replace_all(const ExprPtr& e, const ExprList& from, const ExprList& to) {
  for (size_t i = 0; i < from.size(); ++i)
    if (expr_equal(*e, *from[i])) return to[i];
  ExprList kids;
  bool changed = false;
  for (const auto& c : e->children) {
    kids.push_back(replace_all(c, from, to));
    changed |= kids.back() != c;
  }
  return changed ? e->with_children(std::move(kids)) : e;
}

ExprList replace_list(const ExprList& es, const ExprList& from, const ExprList& to) {
  ExprList out;
  for (const auto& e : es) out.push_back(replace_all(e, from, to));
  return out;
}

bool udf_outside_agg(const ExprPtr& e) {
  if (e->kind == ExprKind::AggCall || is_pandas_agg(*e)) return false;
  if (e->kind == ExprKind::PythonUDF) return true;
  return std::any_of(e->children.begin(), e->children.end(), udf_outside_agg);
}

PlanPtr make_project(ExprList list, PlanPtr child) {
  LogicalPlan p;
  p.kind = PlanKind::Project;
  p.exprs = std::move(list);
  p.children = {std::move(child)};
  return make_plan(std::move(p));
}

class Extractor {
 public:
  explicit Extractor(int64_t next_id) : next_id_(next_id) {}

  PlanPtr rewrite(const PlanPtr& n) {
    if (n->kind != PlanKind::Aggregate) return extract(n);
    PlanPtr split = split_aggregate(n);
    if (split == n) return extract(n);
    // The split made new nodes around the Aggregate (a Project above, one below): each in turn,
    // bottom-up (the nodes beneath hold no UDFs any more, extract leaves them alone).
    return plan_transform_up(split, [&](const PlanPtr& x) -> PlanPtr {
      PlanPtr r = extract(x);
      return r == x ? nullptr : r;
    });
  }

 private:
  ExprPtr new_attr(const ExprPtr& like, const std::string& name) {
    return attr(name, like->type, like->nullable, ++next_id_);
  }

  // Spark's ExtractPythonUDFFromAggregate + ExtractGroupingPythonUDFFromAggregate: a UDF over
  // aggregate results or grouping keys runs after the aggregation (a Project above); a UDF
  // grouping key is computed before it (a Project below) and grouped by as a column.
  PlanPtr split_aggregate(const PlanPtr& agg) {
    PlanPtr cur = agg;
    // Grouping keys that call Python: computed below, grouped by their column.
    ExprList from, to, below;
    for (const auto& g : cur->groups) {
      if (!contains_python_udf(g) || g->kind == ExprKind::Attribute) continue;
      bool seen = false;
      for (const auto& f : from) seen |= expr_equal(*f, *g);
      if (seen) continue;
      auto a = new_attr(g, "groupingPythonUDF");
      below.push_back(alias(g, a->name, a->id));
      from.push_back(g);
      to.push_back(a);
    }
    if (!below.empty()) {
      ExprList list = cur->children[0]->output();
      list.insert(list.end(), below.begin(), below.end());
      LogicalPlan a = *cur;
      a.groups = replace_list(cur->groups, from, to);
      a.exprs = replace_list(cur->exprs, from, to);
      a.children = {make_project(std::move(list), cur->children[0])};
      cur = make_plan(std::move(a));
    }
    bool post = false;
    for (const auto& e : cur->exprs) post |= udf_outside_agg(e);
    if (!post) return cur;
    // UDFs over aggregates or keys: the Aggregate computes the aggregates and keys they read,
    // a Project above applies the UDFs.
    ExprList new_aggs, pfrom, pto, top;
    auto expose = [&](const ExprPtr& x, const char* name) -> ExprPtr {
      for (size_t i = 0; i < pfrom.size(); ++i)
        if (expr_equal(*pfrom[i], *x)) return pto[i];
      ExprPtr a = x->kind == ExprKind::Attribute ? x : new_attr(x, name);
      new_aggs.push_back(x->kind == ExprKind::Attribute ? x : alias(x, a->name, a->id));
      pfrom.push_back(x);
      pto.push_back(a);
      return a;
    };
    std::function<ExprPtr(const ExprPtr&)> lift = [&](const ExprPtr& e) -> ExprPtr {
      if (e->kind == ExprKind::AggCall || is_pandas_agg(*e)) return expose(e, "_aggregate");
      for (const auto& g : cur->groups)
        if (expr_equal(*g, *e)) return expose(e, "_groupingexpression");
      if (e->kind == ExprKind::Attribute) return expose(e, "_attribute");
      ExprList kids;
      for (const auto& c : e->children) kids.push_back(lift(c));
      return e->children.empty() ? e : e->with_children(std::move(kids));
    };
    for (const auto& e : cur->exprs) {
      if (!udf_outside_agg(e)) {
        new_aggs.push_back(e);
        top.push_back(to_attribute(e));
        continue;
      }
      // A named result: Alias(x) (an Attribute result never holds a call).
      top.push_back(alias(lift(e->children[0]), e->name, e->id));
    }
    LogicalPlan a = *cur;
    a.exprs = std::move(new_aggs);
    return make_project(std::move(top), make_plan(std::move(a)));
  }

  // Spark's ExtractPythonUDFs.extract: evaluable calls go into a BatchEvalPython over the child
  // whose columns they read, repeatedly, until none is left (f(g(x) + 1): g first, then f).
  PlanPtr extract(const PlanPtr& n) {
    if (runs_python(*n) || n->children.empty()) return n;
    const ExprList original_output = n->output();
    PlanPtr cur = n;
    for (;;) {
      ExprList found, udfs;
      for (const auto& e : cur->exprs) collect_evaluable(e, found);
      for (const auto& g : cur->groups) collect_evaluable(g, found);
      if (found.empty()) break;
      // One kind of UDF per evaluation node (Spark: BatchEvalPython or ArrowEvalPython), and
      // an iterator UDF alone.
      const int kind = found[0]->python->eval_type;
      for (const auto& u : found)
        if (u->python->eval_type == kind && (kind != 204 || udfs.empty())) udfs.push_back(u);
      ExprList from, to;
      std::vector<PlanPtr> kids = cur->children;
      for (auto& kid : kids) {
        std::set<int64_t> have;
        for (const auto& a : kid->output()) have.insert(a->id);
        ExprList here, results;
        for (const auto& u : udfs) {
          auto refs = references(u);
          bool placed = std::any_of(from.begin(), from.end(), [&](const ExprPtr& f) { return f == u; });
          if (placed || !std::all_of(refs.begin(), refs.end(), [&](int64_t id) { return have.count(id) > 0; })) continue;
          auto a = attr("pythonUDF" + std::to_string(results.size()), u->type, true, ++next_id_);
          here.push_back(u);
          results.push_back(a);
          from.push_back(u);
          to.push_back(a);
        }
        if (here.empty()) continue;
        LogicalPlan b;
        b.kind = PlanKind::BatchEvalPython;
        b.n = kind;
        b.exprs = std::move(here);
        b.output_attrs = std::move(results);
        b.children = {kid};
        kid = make_plan(std::move(b));
      }
      if (from.empty()) break;  // reads several children: CheckAnalysis refused those already
      LogicalPlan m = *cur;
      m.exprs = replace_list(cur->exprs, from, to);
      m.groups = replace_list(cur->groups, from, to);
      m.children = std::move(kids);
      cur = make_plan(std::move(m));
    }
    if (cur == n) return n;
    // Operators passing their children's columns on now show the UDF columns too: cut them.
    ExprList out = cur->output();
    if (out.size() == original_output.size()) return cur;
    return make_project(original_output, cur);
  }

  int64_t next_id_;
};

// Spark's AggregateInPandas planning: an Aggregate over group aggregate pandas UDFs becomes an
// AggregateInPandas (keys and the UDFs' arguments as columns of a Project below it when they
// are expressions) under a Project computing the select list from its results.
PlanPtr pandas_aggregates(const PlanPtr& p, int64_t& next_id) {
  return plan_transform_up(p, [&](const PlanPtr& n) -> PlanPtr {
    if (n->kind != PlanKind::Aggregate) return nullptr;
    ExprList udfs;
    for (const auto& e : n->exprs)
      foreach_expr(e, [&](const Expr& x) {
        if (is_pandas_agg(x)) add_unique(udfs, std::make_shared<Expr>(x));
      });
    if (udfs.empty()) return nullptr;
    ExprList below = n->children[0]->output(), from, to;
    auto column_for = [&](const ExprPtr& e) -> ExprPtr {
      if (e->kind == ExprKind::Attribute) return e;
      for (size_t i = 0; i < from.size(); ++i)
        if (expr_equal(*from[i], *e)) return to[i];
      auto a = attr("_pandasColumn" + std::to_string(from.size()), e->type, e->nullable, ++next_id);
      below.push_back(alias(e, a->name, a->id));
      from.push_back(e);
      to.push_back(a);
      return a;
    };
    LogicalPlan agg;
    agg.kind = PlanKind::AggregateInPandas;
    for (const auto& g : n->groups) agg.groups.push_back(column_for(g));
    ExprList ufrom, uto;
    for (const auto& u : udfs) {
      ExprList args;
      for (const auto& a : u->children) args.push_back(column_for(a));
      auto r = attr(u->sql(), u->type, true, ++next_id);
      agg.exprs.push_back(alias(u->with_children(args), r->name, r->id));
      ufrom.push_back(u);
      uto.push_back(r);
    }
    const size_t width = n->children[0]->output().size();
    agg.children = {below.size() > width ? make_project(below, n->children[0]) : n->children[0]};
    ExprList keys_from = n->groups, keys_to = agg.groups;
    keys_from.insert(keys_from.end(), ufrom.begin(), ufrom.end());
    keys_to.insert(keys_to.end(), uto.begin(), uto.end());
    ExprList top;
    for (const auto& e : n->exprs) {
      if (e->kind == ExprKind::Alias) top.push_back(alias(replace_all(e->children[0], keys_from, keys_to), e->name, e->id));
      else top.push_back(replace_all(e, keys_from, keys_to));
    }
    return make_project(std::move(top), make_plan(std::move(agg)));
  });
}

// Spark's ExtractPythonUDFFromJoinCondition: an inner join's condition part calling Python
// over both sides becomes a Filter above the join (a CROSS join when nothing else is left).
PlanPtr join_conditions(const PlanPtr& p) {
  return plan_transform_up(p, [](const PlanPtr& n) -> PlanPtr {
    if (n->kind != PlanKind::Join || n->exprs.empty() || !contains_python_udf(n->exprs[0])) return nullptr;
    if (n->join_type != JoinType::Inner && n->join_type != JoinType::Cross) return nullptr;
    std::set<int64_t> l, r;
    for (const auto& a : n->children[0]->output()) l.insert(a->id);
    for (const auto& a : n->children[1]->output()) r.insert(a->id);
    auto within = [](const std::set<int64_t>& refs, const std::set<int64_t>& side) {
      return std::all_of(refs.begin(), refs.end(), [&](int64_t id) { return side.count(id) > 0; });
    };
    ExprList keep, lift;
    for (const auto& c : split_conjuncts(n->exprs[0])) {
      auto refs = references(c);
      bool both = contains_python_udf(c) && !within(refs, l) && !within(refs, r);
      (both ? lift : keep).push_back(c);
    }
    if (lift.empty()) return nullptr;
    LogicalPlan j = *n;
    j.exprs = keep.empty() ? ExprList{} : ExprList{make_and(keep)};
    if (keep.empty()) j.join_type = JoinType::Cross;
    LogicalPlan f;
    f.kind = PlanKind::Filter;
    f.exprs = {make_and(lift)};
    f.children = {make_plan(std::move(j))};
    return make_plan(std::move(f));
  });
}

}  // namespace

PlanPtr extract_python_udfs(const PlanPtr& p) {
  bool any = false;
  plan_foreach(p, [&](const LogicalPlan& n) {
    if (runs_python(n)) return;
    for (const auto& e : n.exprs) any |= contains_python_udf(e);
    for (const auto& g : n.groups) any |= contains_python_udf(g);
  });
  if (!any) return p;
  PlanPtr cur = join_conditions(p);
  Extractor x(max_id(cur));
  cur = plan_transform_up(cur, [&](const PlanPtr& n) -> PlanPtr {
    PlanPtr r = x.rewrite(n);
    return r == n ? nullptr : r;
  });
  int64_t next_id = max_id(cur);
  cur = pandas_aggregates(cur, next_id);
  // Spark reruns column pruning after the extraction: the UDF columns are read once, above.
  return remove_noop_operators(column_pruning(cur));
}

}  // namespace spp::sql::opt
