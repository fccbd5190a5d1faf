// Physical planning: strategies (logical -> physical), EnsureRequirements (the one place that
// inserts exchanges and sorts), explain text and stage cutting.
#include <algorithm>
#include <functional>
#include <set>

#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "sql/analysis/functions.h"
#include "sql/optimizer/optimizer.h"
#include "sql/physical/aqe.h"
#include "sql/physical/physical.h"

namespace spp::sql {
using nlohmann::json;

namespace {

std::shared_ptr<PhysicalPlan> node(PhysKind k, std::vector<PhysPtr> children = {}) {
  auto p = std::make_shared<PhysicalPlan>();
  p->kind = k;
  p->children = std::move(children);
  return p;
}

// Spark's Literal.default for a null-safe join key; nullptr for types without one here.
ExprPtr default_literal(const DataType& t) {
  if (t.is_integral()) return lit(Value::of(static_cast<int64_t>(0)), t);
  if (t.id == TypeId::Float || t.id == TypeId::Double) return lit(Value::of(0.0), t);
  if (t.id == TypeId::String) return lit(Value::of(std::string()), t);
  if (t.id == TypeId::Boolean) return lit(Value::of(false), t);
  return nullptr;
}

bool can_build_right(JoinType t) {
  return t == JoinType::Inner || t == JoinType::Cross || t == JoinType::LeftOuter || t == JoinType::LeftSemi ||
         t == JoinType::LeftAnti;
}
bool can_build_left(JoinType t) { return t == JoinType::Inner || t == JoinType::Cross || t == JoinType::RightOuter; }
// A shuffled hash join can also build either side of a full outer join (Spark 3.1+).
bool shj_can_build_left(JoinType t) { return can_build_left(t) || t == JoinType::FullOuter; }
bool shj_can_build_right(JoinType t) { return can_build_right(t) || t == JoinType::FullOuter; }

// A join side's strategy hint (Spark's JoinStrategyHint), found through the aliases, projections
// and filters above the Hint node: the names ResolveJoinStrategyHints knows, case-insensitive.
enum class JoinHint { None, Broadcast, ShuffleMerge, ShuffleHash, ShuffleReplicateNl };

JoinHint join_hint(const PlanPtr& p) {
  const LogicalPlan* n = p.get();
  while (n->kind == PlanKind::SubqueryAlias || n->kind == PlanKind::View || n->kind == PlanKind::Project ||
         n->kind == PlanKind::Filter) {
    n = n->children[0].get();
  }
  if (n->kind != PlanKind::Hint) return JoinHint::None;
  const std::string h = ascii_lower(n->name);
  if (h == "broadcast" || h == "broadcastjoin" || h == "mapjoin") return JoinHint::Broadcast;
  if (h == "shuffle_merge" || h == "mergejoin" || h == "merge") return JoinHint::ShuffleMerge;
  if (h == "shuffle_hash") return JoinHint::ShuffleHash;
  if (h == "shuffle_replicate_nl") return JoinHint::ShuffleReplicateNl;
  return JoinHint::None;
}

int64_t row_size(const ExprList& out) {
  int64_t s = 8;  // Spark adds 8 bytes per row (EstimationUtils.getSizePerRow)
  for (const auto& a : out) s += a->type.default_size();
  return s;
}

// Buffer attributes a partial aggregate emits for each aggregate function (Spark's names).
ExprList partial_buffers(const Expr& agg, int64_t& next_id) {
  const std::string& n = agg.name;
  auto a = [&](const char* name, DataType t, bool nullable) { return attr(name, std::move(t), nullable, next_id++); };
  if (agg.distinct) return {};
  if (n == "count" || n == "count_if") return {a("count", DataType::long_(), false)};
  if (n == "any_value" || n == "first_value" || n == "last_value")
    return {a(n == "last_value" ? "last" : "first", agg.type, true), a("valueSet", DataType::boolean(), false)};
  if (n == "sum") {  // decimals also carry isEmpty, so an overflowed (NULL) sum stays NULL
    if (agg.type.id == TypeId::Decimal) return {a("sum", agg.type, true), a("isEmpty", DataType::boolean(), false)};
    return {a("sum", agg.type, true)};
  }
  if (n == "avg") {
    const DataType& in = agg.children[0]->type;  // avg's sum buffer: decimal(p+10, s) or double
    DataType st = agg.type.id == TypeId::Decimal ? DataType::decimal(std::min(38, in.precision + 10), in.scale)
                                                 : DataType::double_();
    return {a("sum", st, true), a("count", DataType::long_(), false)};
  }
  if (n == "first" || n == "last") return {a(n.c_str(), agg.type, true), a("valueSet", DataType::boolean(), false)};
  if (n == "collect_list" || n == "collect_set") return {a("buf", agg.type, false)};
  if (n == "percentile_approx" || n == "approx_percentile")  // the values (exact samples)
    return {a("buf", DataType::array(agg.children[0]->type, false), false)};
  if (n == "corr" || n == "covar_pop" || n == "covar_samp") {  // Covariance / PearsonCorrelation buffer
    ExprList b;
    for (const char* f : {"n", "xAvg", "yAvg", "ck", "xMk", "yMk"}) b.push_back(a(f, DataType::double_(), false));
    return b;
  }
  if (is_moment_function(n))  // CentralMomentAgg's buffer
    return {a("n", DataType::double_(), false), a("avg", DataType::double_(), false), a("m2", DataType::double_(), false),
            a("m3", DataType::double_(), false), a("m4", DataType::double_(), false)};
  return {a(n.c_str(), agg.type, true)};
}

}  // namespace

int64_t estimate_size(const PlanPtr& p) {
  const int64_t kMax = INT64_MAX;
  switch (p->kind) {
    case PlanKind::LocalRelation:
      if (p->size_hint >= 0) return p->size_hint;
      // createDataFrame's rows and DataFrames over RDDs (PySpark's LogicalRDD over
      // sc.parallelize: no estimate, so spark.sql.defaultSizeInBytes); local relations without
      // rows here (Connect's schema-only ones) are tiny.
      if (p->data_ref == "inline" || p->data_ref.rfind("rdd:", 0) == 0) return kMax;
      // VALUES: LocalRelation.computeStats, the row size times the rows
      if (p->data_ref == "values" && p->n > 0) return int64_t(p->exprs.size()) / p->n * row_size(p->output());
      return 0;
    case PlanKind::DataSource: return p->size_hint >= 0 ? p->size_hint : kMax;
    case PlanKind::InMemoryRelation: return p->size_hint >= 0 ? p->size_hint : kMax;  // the cached plan's
    case PlanKind::Range: {
      int64_t rows = p->step > 0 ? std::max<int64_t>(0, (p->end - p->start + p->step - 1) / p->step)
                                 : std::max<int64_t>(0, (p->start - p->end - p->step - 1) / -p->step);
      return rows * row_size(p->output());
    }
    case PlanKind::Limit: return std::min(estimate_size(p->children[0]), p->n * row_size(p->output()));
    case PlanKind::Project: {
      int64_t c = estimate_size(p->children[0]);
      if (c == kMax) return kMax;
      int64_t in = row_size(p->children[0]->output()), out = row_size(p->output());
      return c / in * out;
    }
    case PlanKind::Join: {
      if (p->join_type == JoinType::LeftSemi || p->join_type == JoinType::LeftAnti) return estimate_size(p->children[0]);
      int64_t l = estimate_size(p->children[0]), r = estimate_size(p->children[1]);
      if (l == kMax || r == kMax || (l && r > kMax / l)) return kMax;
      return std::max(l * r, l + r);
    }
    default: {
      int64_t s = 0;
      for (const auto& c : p->children) {
        int64_t x = estimate_size(c);
        if (x == kMax) return kMax;
        s += x;
      }
      return s;
    }
  }
}

namespace {

struct Planner {
  const PlannerOptions& opts;
  int64_t next_id = 1000000;  // ids for partial-aggregate buffers, apart from the analyzer's
  std::optional<std::string> error;

  PhysPtr fail(std::string m) { if (!error) error = std::move(m); return nullptr; }

  // Spark's AggUtils.planAggregateWithOneDistinct, where every function is DISTINCT over the same
  // one column (count(DISTINCT k) GROUP BY g, sum(DISTINCT v)): the groups and that column are
  // deduplicated first (a partial and a final aggregate without functions, exchanged on all of
  // them), then the functions' partial and final aggregates run over the distinct rows — shown
  // `partial_count(distinct k)`, executed as plain partial/final functions (physical_to_json).
  // nullptr when the functions do not fit that shape.
  PhysPtr one_distinct(const PhysPtr& child, const ExprList& groups, const ExprList& exprs) {
    std::vector<const Expr*> fns;
    for (const auto& e : exprs)
      foreach_expr(e, [&](const Expr& x) { if (x.kind == ExprKind::AggCall) fns.push_back(&x); });
    if (fns.empty()) return nullptr;
    for (const Expr* f : fns) {
      const std::string& n = f->name;
      if (!f->distinct || f->children.size() != 1 || f->children[0]->kind != ExprKind::Attribute ||
          f->children[0]->id != fns[0]->children[0]->id ||
          !(n == "count" || n == "sum" || n == "avg" || n == "min" || n == "max"))
        return nullptr;
    }
    ExprList keys = groups;
    const ExprPtr& col = fns[0]->children[0];
    if (std::none_of(keys.begin(), keys.end(), [&](const ExprPtr& g) { return g->id == col->id; })) keys.push_back(col);
    auto dedup_partial = node(PhysKind::HashAggregate, {child});
    dedup_partial->agg_mode = AggMode::Partial;
    dedup_partial->groups = keys;
    dedup_partial->exprs = keys;
    dedup_partial->output_attrs = keys;
    auto dedup = node(PhysKind::HashAggregate, {dedup_partial});
    dedup->agg_mode = AggMode::Final;
    dedup->groups = keys;
    dedup->exprs = keys;
    auto partial = node(PhysKind::HashAggregate, {dedup});
    partial->agg_mode = AggMode::Partial;
    partial->groups = groups;
    partial->exprs = exprs;
    partial->output_attrs = groups;
    for (const Expr* f : fns) {
      Expr plain = *f;
      plain.distinct = false;
      for (auto& b : partial_buffers(plain, next_id)) partial->output_attrs.push_back(b);
    }
    auto final_agg = node(PhysKind::HashAggregate, {partial});
    final_agg->agg_mode = AggMode::Final;
    final_agg->groups = groups;
    final_agg->exprs = exprs;
    return final_agg;
  }

  PhysPtr aggregate(const PlanPtr& a, PhysPtr child) {
    ExprList groups = a->groups, exprs = a->exprs;
    // Non-attribute grouping expressions are computed below the partial aggregate.
    ExprList pre = child->output();
    bool need_pre = false;
    for (auto& g : groups) {
      if (g->kind == ExprKind::Attribute) continue;
      auto al = alias(g, "_groupingexpression", next_id++);
      pre.push_back(al);
      ExprPtr ref = to_attribute(al);
      ExprPtr orig = g;
      for (auto& e : exprs)
        e = transform_down(e, [&](const ExprPtr& x) -> ExprPtr { return expr_equal(*x, *orig) ? ref : nullptr; });
      g = ref;
      need_pre = true;
    }
    if (need_pre) {
      auto pr = node(PhysKind::Project, {child});
      pr->exprs = pre;
      child = pr;
    }
    bool distinct = false;
    for (const auto& e : exprs) distinct |= any_expr(e, [](const Expr& x) { return x.kind == ExprKind::AggCall && x.distinct; });
    if (distinct) {
      if (auto d = one_distinct(child, groups, exprs)) return d;
      // Otherwise one complete aggregation over clustered input.
      auto c = node(PhysKind::HashAggregate, {child});
      c->agg_mode = AggMode::Complete;
      c->groups = groups;
      c->exprs = exprs;
      return c;
    }
    auto partial = node(PhysKind::HashAggregate, {child});
    partial->agg_mode = AggMode::Partial;
    partial->groups = groups;
    partial->exprs = exprs;
    partial->output_attrs = groups;
    for (const auto& e : exprs)
      foreach_expr(e, [&](const Expr& x) {
        if (x.kind != ExprKind::AggCall) return;
        for (auto& b : partial_buffers(x, next_id)) partial->output_attrs.push_back(b);
      });
    auto final_agg = node(PhysKind::HashAggregate, {partial});
    final_agg->agg_mode = AggMode::Final;
    final_agg->groups = groups;
    final_agg->exprs = exprs;
    return final_agg;
  }

  PhysPtr join(const PlanPtr& j) {
    PhysPtr l = plan(j->children[0], false), r = plan(j->children[1], false);
    if (!l || !r) return nullptr;
    std::set<int64_t> lids, rids;
    for (const auto& a : j->children[0]->output()) lids.insert(a->id);
    for (const auto& a : j->children[1]->output()) rids.insert(a->id);
    ExprList lk, rk, other;
    if (!j->exprs.empty())
      for (const auto& c : opt::split_conjuncts(j->exprs[0])) {
        if (c->kind == ExprKind::Call && c->name == "=") {
          auto a = opt::references(c->children[0]), b = opt::references(c->children[1]);
          auto in = [](const std::set<int64_t>& s, const std::set<int64_t>& side) {
            return !s.empty() && std::includes(side.begin(), side.end(), s.begin(), s.end());
          };
          if (in(a, lids) && in(b, rids)) { lk.push_back(c->children[0]); rk.push_back(c->children[1]); continue; }
          if (in(a, rids) && in(b, lids)) { lk.push_back(c->children[1]); rk.push_back(c->children[0]); continue; }
        }
        if (c->kind == ExprKind::Call && c->name == "<=>") {
          // ExtractEquiJoinKeys: l <=> r joins on (coalesce(l, default), isnull(l)) pairs.
          auto a = opt::references(c->children[0]), b = opt::references(c->children[1]);
          auto in = [](const std::set<int64_t>& s, const std::set<int64_t>& side) {
            return !s.empty() && std::includes(side.begin(), side.end(), s.begin(), s.end());
          };
          ExprPtr x = c->children[0], y = c->children[1];
          if (in(a, rids) && in(b, lids)) std::swap(x, y);
          auto dflt = default_literal(x->type);
          if (dflt && x->type == y->type && in(opt::references(x), lids) && in(opt::references(y), rids)) {
            lk.push_back(call("coalesce", {x, dflt}, x->type, false));
            rk.push_back(call("coalesce", {y, dflt}, y->type, false));
            lk.push_back(call("isnull", {x}, DataType::boolean(), false));
            rk.push_back(call("isnull", {y}, DataType::boolean(), false));
            continue;
          }
        }
        other.push_back(c);
      }
    JoinType jt = j->join_type == JoinType::Cross && !lk.empty() ? JoinType::Inner : j->join_type;
    int64_t ls = estimate_size(j->children[0]), rs = estimate_size(j->children[1]);
    const JoinHint lh = join_hint(j->children[0]), rh = join_hint(j->children[1]);
    auto hinted = [&](JoinHint h) { return lh == h || rh == h; };
    const int64_t th = opts.auto_broadcast_threshold;
    // Spark's getBuildSide: both sides possible -> the smaller one, the right on a tie.
    auto pick_left = [&](bool l_ok, bool r_ok) { return l_ok && (!r_ok || ls < rs); };
    // Spark's JoinSelection: the hinted strategies first (a broadcast hint builds only the
    // hinted sides); when none applies, the join is planned as if unhinted.
    bool bl = can_build_left(jt) && lh == JoinHint::Broadcast;
    bool br = can_build_right(jt) && rh == JoinHint::Broadcast;
    bool hl = false, hr = false, merge = false, replicate = false;
    if (!bl && !br) {
      if (!lk.empty() && hinted(JoinHint::ShuffleMerge)) {
        merge = true;
      } else if (!lk.empty() && hinted(JoinHint::ShuffleHash)) {
        hl = shj_can_build_left(jt) && lh == JoinHint::ShuffleHash;
        hr = shj_can_build_right(jt) && rh == JoinHint::ShuffleHash;
      }
      if (!merge && !hl && !hr && hinted(JoinHint::ShuffleReplicateNl) && jt == JoinType::Inner) replicate = true;
    }
    if (!bl && !br && !merge && !hl && !hr && !replicate) {
      bl = can_build_left(jt) && th >= 0 && ls <= th;
      br = can_build_right(jt) && th >= 0 && rs <= th;
      // Shuffled hash join without hints: sort-merge not preferred and a side fits a local
      // hash map (canBuildLocalHashMapBySize: size < threshold x shuffle partitions) and is much
      // smaller than the other (muchSmaller: 3x).
      if (!bl && !br && !lk.empty() && !opts.prefer_sort_merge_join) {
        const double local_map = static_cast<double>(th) * opts.shuffle_partitions;
        auto fits = [&](int64_t a, int64_t o) { return static_cast<double>(a) < local_map && 3.0 * a <= static_cast<double>(o); };
        hl = shj_can_build_left(jt) && fits(ls, rs);
        hr = shj_can_build_right(jt) && fits(rs, ls);
      }
    }
    ExprPtr cond = other.empty() ? nullptr : opt::make_and(other);
    std::shared_ptr<PhysicalPlan> out;
    if (replicate) {
      // SHUFFLE_REPLICATE_NL: a cartesian product; the keys become its condition.
      ExprList eqs = other;
      for (size_t i = 0; i < lk.size(); ++i) eqs.push_back(call("=", {lk[i], rk[i]}, DataType::boolean(), false));
      if (!eqs.empty()) cond = opt::make_and(eqs);
      out = node(PhysKind::CartesianProduct, {l, r});
    } else if (!lk.empty()) {
      if (bl || br) {
        out = node(PhysKind::BroadcastHashJoin, {l, r});
        out->build_left = pick_left(bl, br);
      } else if (hl || hr) {
        out = node(PhysKind::ShuffledHashJoin, {l, r});
        out->build_left = pick_left(hl, hr);
      } else {
        out = node(PhysKind::SortMergeJoin, {l, r});
        out->build_left = false;
      }
      out->left_keys = lk;
      out->right_keys = rk;
    } else if ((jt == JoinType::Inner || jt == JoinType::Cross) && !bl && !br) {
      out = node(PhysKind::CartesianProduct, {l, r});
    } else {
      out = node(PhysKind::BroadcastNestedLoopJoin, {l, r});
      out->build_left = bl && !br ? true : (!br && can_build_left(jt));
    }
    out->join_type = jt;
    if (cond) out->exprs = {cond};
    return out;
  }

  // Spark's InMemoryScans: a scan of the cached relation's `cols`, under ColumnarToRow when every
  // column of the relation is primitive (the default cache serializer's columnar output).
  // `filter`: a Filter right above, whose conjuncts the scan shows as its predicates
  // (InMemoryTableScanExec's `[isnotnull(a#0), (a#0 > 1)]`; the Filter stays above).
  PhysPtr in_memory_scan(const PlanPtr& rel, const ExprList& cols, const PlanPtr* filter = nullptr) {
    auto n = node(PhysKind::InMemoryTableScan);
    n->id = rel->n;
    n->output_attrs = cols;
    if (filter) n->exprs = opt::split_conjuncts((*filter)->exprs[0]);
    n->data_attrs = rel->output_attrs;
    n->name = rel->name;
    n->inner_tree = rel->cached_tree;
    const bool primitive = std::all_of(rel->output_attrs.begin(), rel->output_attrs.end(), [](const ExprPtr& a) {
      switch (a->type.id) {
        case TypeId::Boolean: case TypeId::Byte: case TypeId::Short: case TypeId::Int: case TypeId::Long:
        case TypeId::Float: case TypeId::Double: return true;
        default: return false;
      }
    });
    return primitive ? node(PhysKind::ColumnarToRow, {n}) : n;
  }
  // pruneFilterProject over a cached relation: Project [attributes] (over an optional Filter)
  // reads just the needed columns; a projection of plain attributes needs no Project above.
  PhysPtr pruned_in_memory_scan(const PlanPtr& p) {
    const PlanPtr& c = p->children[0];
    const PlanPtr* filter = c->kind == PlanKind::Filter ? &c : nullptr;
    const PlanPtr& rel = filter ? c->children[0] : c;
    if (rel->kind != PlanKind::InMemoryRelation) return nullptr;
    std::set<int64_t> need;
    for (const auto& e : p->exprs) foreach_expr(e, [&](const Expr& x) { if (x.kind == ExprKind::Attribute) need.insert(x.id); });
    std::set<int64_t> proj_ids;
    bool plain = true;
    for (const auto& e : p->exprs) {
      plain = plain && e->kind == ExprKind::Attribute;
      if (e->kind == ExprKind::Attribute) proj_ids.insert(e->id);
    }
    if (filter)
      foreach_expr((*filter)->exprs[0], [&](const Expr& x) { if (x.kind == ExprKind::Attribute) need.insert(x.id); });
    // pruneFilterProject rebuilds the filter from its conjuncts, left-deep.
    auto filtered = [&](PhysPtr s) -> PhysPtr {
      if (!filter) return s;
      auto f = node(PhysKind::Filter, {s});
      f->exprs = {opt::make_and(opt::split_conjuncts((*filter)->exprs[0]))};
      return f;
    };
    if (plain && proj_ids == need) return filtered(in_memory_scan(rel, p->exprs, filter));
    ExprList cols;
    for (const auto& a : rel->output_attrs) if (need.count(a->id)) cols.push_back(a);
    PhysPtr s = filtered(in_memory_scan(rel, cols, filter));
    auto n = node(PhysKind::Project, {s});
    n->exprs = p->exprs;
    return n;
  }

  PhysPtr plan(const PlanPtr& p, bool root) {
    if (error) return nullptr;
    auto child = [&](size_t i = 0) { return plan(p->children[i], false); };
    switch (p->kind) {
      case PlanKind::LocalRelation: {
        auto n = node(PhysKind::LocalTableScan);
        n->output_attrs = p->output_attrs;
        n->data_ref = p->data_ref;
        n->inline_data = p->inline_data;
        n->exprs = p->exprs;  // VALUES: the cells, row after row (n columns)
        n->n = p->n;
        return n;
      }
      case PlanKind::Range: {
        auto n = node(PhysKind::Range);
        n->start = p->start; n->end = p->end; n->step = p->step;
        n->num_partitions = p->num_partitions > 0 ? p->num_partitions : std::max(1, opts.default_parallelism);
        if (p->num_partitions <= 0) n->name = "splits=None";  // RangeExec keeps the logical Range (explain)
        n->output_attrs = p->output_attrs;
        return n;
      }
      case PlanKind::InMemoryRelation: return in_memory_scan(p, p->output_attrs);
      case PlanKind::DataSource: {
        auto n = node(PhysKind::FileScan);
        n->name = p->name; n->paths = p->paths; n->options = p->options; n->output_attrs = p->output_attrs;
        for (size_t i = 0; i < p->names.size(); ++i) n->table += (i ? "." : "") + p->names[i];
        n->data_attrs = p->data_attrs;
        n->partition_cols = p->partition_cols;
        // ApplyColumnarRulesAndInsertTransitions: a batched (vectorized Parquet) scan reads columnar
        // batches, so a ColumnarToRow sits above it (in the codegen stage of the operators above).
        return n->name == "parquet" ? node(PhysKind::ColumnarToRow, {n}) : n;
      }
      case PlanKind::Project: {
        if (auto s = pruned_in_memory_scan(p)) return s;
        auto c = child();
        if (!c) return nullptr;
        auto n = node(PhysKind::Project, {c});
        n->exprs = p->exprs;
        return n;
      }
      case PlanKind::Filter: {
        if (p->children[0]->kind == PlanKind::InMemoryRelation) {
          PlanPtr proj = make_plan([&] {
            LogicalPlan all;
            all.kind = PlanKind::Project;
            all.exprs = p->children[0]->output();
            all.children = {p};
            return all;
          }());
          return pruned_in_memory_scan(proj);
        }
        auto c = child();
        if (!c) return nullptr;
        auto n = node(PhysKind::Filter, {c});
        n->exprs = p->exprs;
        const bool c2r = c->kind == PhysKind::ColumnarToRow && c->children[0]->kind == PhysKind::FileScan;
        if (c->kind == PhysKind::FileScan || c2r) {  // predicate pushdown into the scan (kept above too)
          auto s = std::make_shared<PhysicalPlan>(c2r ? *c->children[0] : *c);
          const ExprList conjuncts = opt::split_conjuncts(p->exprs[0]);
          // Conjuncts holding a subquery stay above the scan only (normalizedFiltersWithoutSubqueries).
          s->exprs.clear();
          for (const auto& e : conjuncts)
            if (!any_expr(e, [](const Expr& x) { return is_subquery_expr(x); })) s->exprs.push_back(e);
          n->children = {c2r ? c->with_children({s}) : s};
          // FileSourceStrategy rebuilds the filter above the scan from the conjuncts, left-deep.
          n->exprs = {opt::make_and(conjuncts)};
        }
        return n;
      }
      case PlanKind::Aggregate: {
        auto c = child();
        return c ? aggregate(p, c) : nullptr;
      }
      case PlanKind::Distinct: case PlanKind::Deduplicate: {
        LogicalPlan a;
        a.kind = PlanKind::Aggregate;
        a.children = p->children;
        ExprList out = p->children[0]->output();
        a.groups = p->kind == PlanKind::Distinct ? out : p->exprs;
        for (const auto& o : out) {
          bool key = std::any_of(a.groups.begin(), a.groups.end(), [&](const ExprPtr& g) { return g->id == o->id; });
          if (key) { a.exprs.push_back(o); continue; }
          auto f = std::make_shared<Expr>(*call("first", {o}, o->type, true));
          f->kind = ExprKind::AggCall;
          a.exprs.push_back(alias(f, o->name, o->id));
        }
        auto c = child();
        return c ? aggregate(make_plan(std::move(a)), c) : nullptr;
      }
      case PlanKind::Sort: {
        auto c = child();
        if (!c) return nullptr;
        auto n = node(PhysKind::Sort, {c});
        n->exprs = p->exprs;
        n->global = p->flag;
        return n;
      }
      case PlanKind::Limit: {
        const PlanPtr& c = p->children[0];
        if (root && c->kind == PlanKind::Sort && c->flag) {
          auto in = plan(c->children[0], false);
          if (!in) return nullptr;
          auto n = node(PhysKind::TakeOrderedAndProject, {in});
          n->n = p->n;
          n->exprs = c->exprs;
          n->project = c->output();
          return n;
        }
        if (root && c->kind == PlanKind::Project && c->children[0]->kind == PlanKind::Sort && c->children[0]->flag) {
          auto in = plan(c->children[0]->children[0], false);
          if (!in) return nullptr;
          auto n = node(PhysKind::TakeOrderedAndProject, {in});
          n->n = p->n;
          n->exprs = c->children[0]->exprs;
          n->project = c->exprs;
          return n;
        }
        auto in = child();
        if (!in) return nullptr;
        if (root) {
          auto n = node(PhysKind::CollectLimit, {in});
          n->n = p->n;
          return n;
        }
        auto local = node(PhysKind::LocalLimit, {in});
        local->n = p->n;
        auto global = node(PhysKind::GlobalLimit, {local});
        global->n = p->n;
        return global;
      }
      case PlanKind::Join: return join(p);
      case PlanKind::SubqueryAlias: case PlanKind::View: case PlanKind::Hint: return plan(p->children[0], root);
      case PlanKind::Union: {
        std::vector<PhysPtr> kids;
        for (size_t i = 0; i < p->children.size(); ++i) {
          auto c = child(i);
          if (!c) return nullptr;
          kids.push_back(c);
        }
        return node(PhysKind::Union, kids);
      }
      case PlanKind::Repartition: {
        auto c = child();
        if (!c) return nullptr;
        if (!p->flag) {
          auto n = node(PhysKind::Coalesce, {c});
          n->n = p->n;
          return n;
        }
        auto n = node(PhysKind::ShuffleExchange, {c});
        n->partitioning = {Partitioning::Kind::RoundRobin, {}, static_cast<int>(p->n)};
        n->name = "REPARTITION_BY_NUM";
        return n;
      }
      case PlanKind::RepartitionByExpression: {
        auto c = child();
        if (!c) return nullptr;
        auto n = node(PhysKind::ShuffleExchange, {c});
        bool by_range = !p->exprs.empty() && p->exprs[0]->kind == ExprKind::SortOrder;
        int num = p->n > 0 ? static_cast<int>(p->n) : opts.shuffle_partitions;
        n->partitioning = {by_range ? Partitioning::Kind::Range : Partitioning::Kind::Hash, p->exprs, num};
        n->name = p->n > 0 ? "REPARTITION_BY_NUM" : "REPARTITION_BY_COL";
        return n;
      }
      case PlanKind::Expand: {
        auto c = child();
        if (!c) return nullptr;
        auto n = node(PhysKind::Expand, {c});
        n->exprs = p->exprs;
        n->n = p->n;
        n->output_attrs = p->output_attrs;
        return n;
      }
      case PlanKind::Window: {
        auto c = child();
        if (!c) return nullptr;
        auto n = node(PhysKind::Window, {c});
        n->exprs = p->exprs;
        return n;
      }
      case PlanKind::MapInPandas: case PlanKind::FlatMapGroupsInPandas: case PlanKind::AggregateInPandas: {
        auto c = child();
        if (!c) return nullptr;
        auto n = node(p->kind == PlanKind::MapInPandas          ? PhysKind::MapInPandas
                      : p->kind == PlanKind::AggregateInPandas ? PhysKind::AggregateInPandas
                                                               : PhysKind::FlatMapGroupsInPandas,
                      {c});
        n->exprs = p->exprs;
        n->groups = p->groups;
        n->output_attrs = p->output_attrs;
        n->global = p->flag;
        return n;
      }
      case PlanKind::FlatMapCoGroupsInPandas: {
        auto l = plan(p->children[0], false), r = plan(p->children[1], false);
        if (!l || !r) return nullptr;
        auto n = node(PhysKind::FlatMapCoGroupsInPandas, {l, r});
        n->exprs = p->exprs;
        n->left_keys = ExprList(p->groups.begin(), p->groups.begin() + p->n);
        n->right_keys = ExprList(p->groups.begin() + p->n, p->groups.end());
        n->output_attrs = p->output_attrs;
        return n;
      }
      case PlanKind::BatchEvalPython: {
        auto c = child();
        if (!c) return nullptr;
        auto n = node(PhysKind::BatchEvalPython, {c});
        n->n = p->n;
        n->exprs = p->exprs;
        n->output_attrs = p->output_attrs;
        return n;
      }
      case PlanKind::Generate: {
        auto c = child();
        if (!c) return nullptr;
        auto n = node(PhysKind::Generate, {c});
        n->exprs = p->exprs;
        n->outer = p->flag;
        auto in = p->children[0]->output();
        for (size_t i = 0; i < in.size(); ++i)
          if (std::find(p->unrequired.begin(), p->unrequired.end(), static_cast<int>(i)) == p->unrequired.end())
            n->project.push_back(in[i]);
        for (const auto& a : p->output_attrs) n->output_attrs.push_back(a);
        return n;
      }
      case PlanKind::Sample: {
        auto c = child();
        if (!c) return nullptr;
        auto n = node(PhysKind::Sample, {c});
        n->lower = p->lower; n->upper = p->upper; n->with_replacement = p->flag; n->seed = p->seed;
        return n;
      }
      default:
        return fail("physical planning: '" + p->node_string() + "' is not supported yet");
    }
  }
};

}  // namespace

bool satisfies(const Partitioning& p, const Distribution& d) {
  using DK = Distribution::Kind;
  using PK = Partitioning::Kind;
  auto contains = [](const ExprList& keys, const ExprPtr& e) {
    return std::any_of(keys.begin(), keys.end(), [&](const ExprPtr& k) { return expr_equal(*k, *e); });
  };
  switch (d.kind) {
    case DK::Unspecified: return true;
    case DK::AllTuples: return p.kind == PK::Single || (p.num == 1 && p.kind != PK::Broadcast);
    case DK::Clustered:
      if (p.kind == PK::Single) return true;
      if (p.kind != PK::Hash || p.exprs.empty()) return false;
      return std::all_of(p.exprs.begin(), p.exprs.end(), [&](const ExprPtr& e) { return contains(d.exprs, e); });
    case DK::Ordered:
      if (p.kind == PK::Single) return true;
      if (p.kind != PK::Range || p.exprs.size() > d.exprs.size()) return false;
      for (size_t i = 0; i < p.exprs.size(); ++i) if (!expr_equal(*p.exprs[i], *d.exprs[i])) return false;
      return true;
    case DK::Broadcast: return p.kind == PK::Broadcast;
  }
  return false;
}

static bool ordering_satisfied(const ExprList& have, const ExprList& want) {
  if (want.size() > have.size()) return false;
  for (size_t i = 0; i < want.size(); ++i) if (!expr_equal(*have[i], *want[i])) return false;
  return true;
}

PhysPtr ensure_requirements(const PhysPtr& p, const PlannerOptions& opts, int64_t& next_id) {
  std::vector<PhysPtr> kids;
  for (const auto& c : p->children) kids.push_back(ensure_requirements(c, opts, next_id));
  auto req = p->required_child_distribution();
  auto exchange = [&](PhysPtr c, Partitioning part) {
    auto e = node(PhysKind::ShuffleExchange, {std::move(c)});
    e->partitioning = std::move(part);
    e->id = next_id++;
    return PhysPtr(e);
  };
  for (size_t i = 0; i < kids.size(); ++i) {
    const Distribution& d = req[i];
    if (satisfies(kids[i]->output_partitioning(), d)) continue;
    switch (d.kind) {
      case Distribution::Kind::AllTuples:
        kids[i] = exchange(kids[i], {Partitioning::Kind::Single, {}, 1});
        break;
      case Distribution::Kind::Clustered:
        kids[i] = exchange(kids[i], {Partitioning::Kind::Hash, d.exprs, opts.shuffle_partitions});
        break;
      case Distribution::Kind::Ordered:
        kids[i] = exchange(kids[i], {Partitioning::Kind::Range, d.exprs, opts.shuffle_partitions});
        break;
      case Distribution::Kind::Broadcast: {
        auto b = node(PhysKind::BroadcastExchange, {kids[i]});
        if (p->kind == PhysKind::BroadcastHashJoin) b->exprs = p->build_left ? p->left_keys : p->right_keys;
        b->id = next_id++;
        kids[i] = b;
        break;
      }
      default: break;
    }
  }
  // Co-partitioned join inputs must have the same number of partitions.
  if ((p->kind == PhysKind::SortMergeJoin || p->kind == PhysKind::ShuffledHashJoin ||
       p->kind == PhysKind::FlatMapCoGroupsInPandas) &&
      kids[0]->output_partitioning().num != kids[1]->output_partitioning().num) {
    for (size_t i = 0; i < 2; ++i)
      if (kids[i]->output_partitioning().num != opts.shuffle_partitions)
        kids[i] = exchange(kids[i]->kind == PhysKind::ShuffleExchange ? kids[i]->children[0] : kids[i],
                           {Partitioning::Kind::Hash, req[i].exprs, opts.shuffle_partitions});
  }
  auto ord = p->required_child_ordering();
  for (size_t i = 0; i < kids.size(); ++i) {
    if (ord[i].empty() || ordering_satisfied(kids[i]->output_ordering(), ord[i])) continue;
    auto s = node(PhysKind::Sort, {kids[i]});
    s->exprs = ord[i];
    s->global = false;
    kids[i] = s;
  }
  return p->with_children(std::move(kids));
}

Result<PhysPtr> plan_physical(const PlanPtr& optimized, const PlannerOptions& opts) {
  Planner pl{opts, 1000000, std::nullopt};
  PhysPtr p = pl.plan(optimized, true);
  if (pl.error) return Result<PhysPtr>::error(*pl.error);
  return p;
}

Result<PhysPtr> create_physical_plan(const PlanPtr& optimized, const PlannerOptions& opts) {
  auto p = plan_physical(optimized, opts);
  if (!p) return p;
  int64_t next = 0;
  return ensure_requirements(*p, opts, next);
}

// ---- AQE's final plan ----

namespace {
struct Shown {  // a line of the final plan and the lines under it
  std::string line;
  std::vector<Shown> kids;
};
void draw_shown(const Shown& n, const std::string& prefix, bool last, bool root, std::string& out) {
  out += (root ? prefix : prefix + (last ? "+- " : ":- ")) + n.line + "\n";
  const std::string cp = root ? prefix : prefix + (last ? "   " : ":  ");
  for (size_t i = 0; i < n.kids.size(); ++i) draw_shown(n.kids[i], cp, i + 1 == n.kids.size(), false, out);
}
}  // namespace

std::string adaptive_final_plan_string(const PhysPtr& executed, const PhysPtr& initial, const AqeDecisions& d,
                                       const PlannerOptions& opts) {
  const std::string before = physical_tree_string(initial, opts);
  const int64_t id_base = explain_id_base(initial);
  const std::string head = "AdaptiveSparkPlan isFinalPlan=false\n";
  if (before.rfind(head, 0) != 0) return before;  // no exchange or AQE off: nothing adaptive
  // What explain shows: the root's driver-side merge (plan_for_execution) undone.
  PhysPtr shown = with_explain_ids(executed, id_base);
  if ((shown->kind == PhysKind::CollectLimit || shown->kind == PhysKind::TakeOrderedAndProject) &&
      shown->children.size() == 1 && shown->children[0]->kind == PhysKind::ShuffleExchange &&
      !shown->children[0]->children.empty() && !shown->children[0]->children[0]->children.empty())
    shown = shown->with_children({shown->children[0]->children[0]->children[0]});
  // Query stages are numbered as AQE creates them: the exchanges children first, left to right,
  // then the broadcast stages the switched joins added.
  // An exchange whose map stage ran inside its reader's stage (the driver's early switch): the
  // final plan has no exchange there, as Spark's when it re-plans before creating that stage.
  auto inlined = [&](const PhysPtr& p) {
    auto r = d.reads.find(p->node_id);
    return p->kind == PhysKind::ShuffleExchange && r != d.reads.end() && r->second == "inlined";
  };
  std::map<const PhysicalPlan*, int> stage_of;
  int next = 0;
  int64_t plan_id = 0;  // the new broadcast exchanges' plan ids follow the others'
  std::function<void(const PhysPtr&)> number = [&](const PhysPtr& p) {
    for (const auto& c : p->children) number(c);
    if (inlined(p)) return;
    if (p->kind == PhysKind::ShuffleExchange || p->kind == PhysKind::BroadcastExchange) {
      stage_of[p.get()] = next++;
      plan_id = std::max(plan_id, p->id);
    }
  };
  number(shown);
  std::function<Shown(const PhysPtr&)> go = [&](const PhysPtr& p) -> Shown {
    if (p->kind == PhysKind::SortMergeJoin && d.joins.count(p->node_id)) {
      auto j = std::make_shared<PhysicalPlan>(*p);
      j->kind = PhysKind::BroadcastHashJoin;
      j->build_left = d.joins.at(p->node_id);
      Shown n{j->node_string(), {}};
      for (size_t i = 0; i < 2; ++i) {
        PhysPtr c = p->children[i];
        if (c->kind == PhysKind::Sort && !c->global && !c->children.empty()) c = c->children[0];
        Shown k = go(c);
        if ((i == 0) == j->build_left) {
          PhysicalPlan b;
          b.kind = PhysKind::BroadcastExchange;
          b.exprs = j->build_left ? j->left_keys : j->right_keys;
          b.id = ++plan_id;
          b.children = {c};  // binds the keys to its columns
          k = Shown{"BroadcastQueryStage " + std::to_string(next++), {Shown{b.node_string(), {std::move(k)}}}};
        }
        n.kids.push_back(std::move(k));
      }
      return n;
    }
    if (inlined(p) && p->children.size() == 1) return go(p->children[0]);
    Shown n{p->node_string(), {}};
    for (const auto& c : p->children) n.kids.push_back(go(c));
    if (p->kind == PhysKind::ShuffleExchange || p->kind == PhysKind::BroadcastExchange) {
      const bool shuffle = p->kind == PhysKind::ShuffleExchange;
      Shown stage{std::string(shuffle ? "ShuffleQueryStage " : "BroadcastQueryStage ") + std::to_string(stage_of[p.get()]),
                  {std::move(n)}};
      auto r = d.reads.find(p->node_id);
      if (r == d.reads.end()) return stage;
      return Shown{"AQEShuffleRead " + r->second, {std::move(stage)}};
    }
    return n;
  };
  std::string out = "AdaptiveSparkPlan isFinalPlan=true\n+- == Final Plan ==\n";
  draw_shown(go(shown), "   ", true, true, out);
  // The initial plan: explain's tree, its root line under the header.
  std::string tree = before.substr(head.size());
  if (tree.rfind("+- ", 0) == 0) tree = "   " + tree.substr(3);
  return out + "+- == Initial Plan ==\n" + tree;
}

// ---- execution ----

PhysPtr plan_for_execution(const PhysPtr& plan) {
  auto make = [](PhysKind k, std::vector<PhysPtr> kids) {
    auto n = std::make_shared<PhysicalPlan>();
    n->kind = k;
    n->children = std::move(kids);
    return n;
  };
  auto single = [&](PhysPtr c) {
    auto ex = make(PhysKind::ShuffleExchange, {std::move(c)});
    ex->partitioning = {Partitioning::Kind::Single, {}, 1};
    return ex;
  };
  // A task computes one partition of every input of its stage. A CartesianProduct needs every
  // left partition to meet every right row: its right side is broadcast (Spark's CartesianRDD
  // pairs partitions instead). A full outer nested-loop join must see all streamed rows before
  // it knows which build rows matched nothing: one task streams them all (Spark runs a second
  // pass over the broadcast side instead).
  std::function<PhysPtr(const PhysPtr&)> rewrite = [&](const PhysPtr& p) -> PhysPtr {
    std::vector<PhysPtr> kids;
    for (const auto& c : p->children) kids.push_back(rewrite(c));
    if (p->kind == PhysKind::CartesianProduct) kids[1] = make(PhysKind::BroadcastExchange, {kids[1]});
    if (p->kind == PhysKind::BroadcastNestedLoopJoin && p->join_type == JoinType::FullOuter) {
      size_t streamed = p->build_left ? 1 : 0;
      if (kids[streamed]->output_partitioning().kind != Partitioning::Kind::Single) kids[streamed] = single(kids[streamed]);
    }
    return p->with_children(std::move(kids));
  };
  const PhysPtr root = rewrite(plan);
  if (root->kind == PhysKind::CollectLimit) {
    auto local = make(PhysKind::LocalLimit, {root->children[0]});
    local->n = root->n;
    auto top = std::make_shared<PhysicalPlan>(*root);
    top->children = {single(local)};
    return top;
  }
  if (root->kind == PhysKind::TakeOrderedAndProject) {
    auto partial = std::make_shared<PhysicalPlan>(*root);
    partial->project = root->children[0]->output();
    auto top = std::make_shared<PhysicalPlan>(*root);
    top->children = {single(partial)};
    return top;
  }
  return root;
}

// ---- stages ----

json StageFragment::to_json() const {
  json j = {{"stageId", id}, {"isResult", is_result}, {"parents", parents}, {"plan", physical_to_json(root)}};
  if (!is_result) {
    static const char* kinds[] = {"unknown", "hashpartitioning", "rangepartitioning", "singlepartition",
                                  "roundrobinpartitioning", "broadcast"};
    j["output"] = {{"partitioning", output.to_string()}, {"num", output.num},
                   {"kind", kinds[static_cast<int>(output.kind)]}, {"exprs", json::array()}};
    for (const auto& e : output.exprs) j["output"]["exprs"].push_back(expr_to_json(e));
    // AQE: the reader may coalesce small contiguous partitions of this shuffle.
    j["coalescible"] = coalescible;
  }
  return j;
}

std::vector<StageFragment> cut_stages(const PhysPtr& root) {
  std::vector<StageFragment> stages;
  std::function<PhysPtr(const PhysPtr&, std::vector<int>&)> cut = [&](const PhysPtr& p, std::vector<int>& parents) -> PhysPtr {
    if (p->kind == PhysKind::ShuffleExchange || p->kind == PhysKind::BroadcastExchange) {
      std::vector<int> mine;
      PhysPtr body = cut(p->children[0], mine);
      StageFragment s;
      s.id = static_cast<int>(stages.size());
      s.parents = mine;
      s.output = p->kind == PhysKind::ShuffleExchange ? p->partitioning
                                                       : Partitioning{Partitioning::Kind::Broadcast, p->exprs, 1};
      s.coalescible = p->kind == PhysKind::ShuffleExchange && p->name != "REPARTITION_BY_NUM" &&
                      (s.output.kind == Partitioning::Kind::Hash || s.output.kind == Partitioning::Kind::Range);
      s.root = body;
      stages.push_back(s);
      parents.push_back(s.id);
      auto read = node(PhysKind::LocalTableScan);
      read->output_attrs = p->output();
      read->data_ref = (p->kind == PhysKind::ShuffleExchange ? "shuffle:" : "broadcast:") + std::to_string(s.id);
      read->node_id = p->node_id;  // the reader's rows are the exchange's in the SQL tab
      return read;
    }
    std::vector<PhysPtr> kids;
    for (const auto& c : p->children) kids.push_back(cut(c, parents));
    return p->with_children(std::move(kids));
  };
  std::vector<int> parents;
  PhysPtr body = cut(root, parents);
  StageFragment result;
  result.id = static_cast<int>(stages.size());
  result.is_result = true;
  result.parents = parents;
  result.root = body;
  stages.push_back(result);
  return stages;
}

}  // namespace spp::sql
