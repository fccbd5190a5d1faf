// Physical operators: partitioning/ordering facts, Spark's one-line node strings, and the JSON
// form executors rebuild operators from.
#include "sql/physical/physical.h"

#include "common/util.h"
#include "sql/plan/fn_names.h"

#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <cmath>

namespace spp::sql {
using nlohmann::json;

static std::string list(const ExprList& es, const char* sep = ", ") {
  std::string s = "[";
  for (size_t i = 0; i < es.size(); ++i) s += (i ? sep : "") + es[i]->to_string();
  return s + "]";
}

std::string Partitioning::to_string() const {
  auto args = [&] {
    std::string s;
    for (const auto& e : exprs) s += e->to_string() + ", ";
    return s + std::to_string(num);
  };
  switch (kind) {
    case Kind::Hash: return "hashpartitioning(" + args() + ")";
    case Kind::Range: return "rangepartitioning(" + args() + ")";
    case Kind::Single: return "SinglePartition";
    case Kind::RoundRobin: return "RoundRobinPartitioning(" + std::to_string(num) + ")";
    case Kind::Broadcast: return "BroadcastPartitioning";
    case Kind::Unknown: return "UnknownPartitioning(" + std::to_string(num) + ")";
  }
  return "?";
}

ExprList PhysicalPlan::output() const {
  switch (kind) {
    case PhysKind::LocalTableScan: case PhysKind::Range: case PhysKind::FileScan: case PhysKind::Expand:
    case PhysKind::InMemoryTableScan:
      return output_attrs;
    case PhysKind::Project: {
      ExprList out;
      for (const auto& e : exprs) out.push_back(to_attribute(e));
      return out;
    }
    case PhysKind::HashAggregate: {
      if (agg_mode == AggMode::Partial) return output_attrs;  // keys + buffers, set by the planner
      ExprList out;
      for (const auto& e : exprs) out.push_back(to_attribute(e));
      return out;
    }
    case PhysKind::TakeOrderedAndProject: {
      ExprList out;
      for (const auto& e : project) out.push_back(to_attribute(e));
      return out;
    }
    case PhysKind::Generate: {
      ExprList out = project;
      out.insert(out.end(), output_attrs.begin(), output_attrs.end());
      return out;
    }
    case PhysKind::Window: {
      ExprList out = children[0]->output();
      for (const auto& e : exprs) out.push_back(to_attribute(e));
      return out;
    }
    case PhysKind::MapInPandas: case PhysKind::FlatMapGroupsInPandas: case PhysKind::FlatMapCoGroupsInPandas:
      return output_attrs;
    case PhysKind::AggregateInPandas: {
      ExprList out = groups;
      for (const auto& e : exprs) out.push_back(to_attribute(e));
      return out;
    }
    case PhysKind::BatchEvalPython: {
      ExprList out = children[0]->output();
      out.insert(out.end(), output_attrs.begin(), output_attrs.end());
      return out;
    }
    case PhysKind::BroadcastHashJoin: case PhysKind::SortMergeJoin: case PhysKind::ShuffledHashJoin:
    case PhysKind::BroadcastNestedLoopJoin: case PhysKind::CartesianProduct: {
      LogicalPlan j;  // same output rule as the logical join
      j.kind = PlanKind::Join;
      j.join_type = join_type;
      for (const auto& c : children) {
        LogicalPlan leaf;
        leaf.kind = PlanKind::LocalRelation;
        leaf.output_attrs = c->output();
        j.children.push_back(make_plan(std::move(leaf)));
      }
      return j.output();
    }
    default: return children.empty() ? ExprList{} : children[0]->output();
  }
}

// Spark's AliasAwareOutputExpression: a child's partitioning or ordering expression as this
// Project's output names it — the attribute of the alias the project list gives it, or itself
// when every column it reads is still output; nullopt when the project drops what it reads.
// (Spark keeps every such name, a PartitioningCollection; the expression itself, when still
// output, then an alias of it, cover the plans written here.)
static std::optional<ExprPtr> through_project(const ExprPtr& e, const ExprList& list) {
  std::set<int64_t> out;
  for (const auto& x : list) out.insert(to_attribute(x)->id);
  bool kept = true;
  foreach_expr(e, [&](const Expr& r) { kept = kept && (r.kind != ExprKind::Attribute || out.count(r.id)); });
  if (kept) return e;
  for (const auto& x : list)
    if (x->kind == ExprKind::Alias && expr_equal(*x->children[0], *e)) return to_attribute(x);
  return std::nullopt;
}

Partitioning PhysicalPlan::output_partitioning() const {
  Partitioning p;
  if (kind == PhysKind::Project) {
    Partitioning c = children[0]->output_partitioning();
    if (c.kind != Partitioning::Kind::Hash && c.kind != Partitioning::Kind::Range) return c;
    ExprList mapped;
    for (const auto& e : c.exprs) {
      const bool order = e->kind == ExprKind::SortOrder;
      auto m = through_project(order ? e->children[0] : e, exprs);
      if (!m) {  // partitioned by what is no longer output: known only by its number
        p.num = c.num;
        return p;
      }
      mapped.push_back(order ? sort_order(*m, e->ascending, e->nulls_first) : *m);
    }
    c.exprs = std::move(mapped);
    return c;
  }
  switch (kind) {
    case PhysKind::ShuffleExchange: return partitioning;
    case PhysKind::BroadcastExchange: p.kind = Partitioning::Kind::Broadcast; return p;
    case PhysKind::CollectLimit: case PhysKind::GlobalLimit: case PhysKind::TakeOrderedAndProject:
      p.kind = Partitioning::Kind::Single;
      p.num = 1;
      return p;
    case PhysKind::Filter: case PhysKind::HashAggregate: case PhysKind::Sort:
    case PhysKind::LocalLimit: case PhysKind::Sample: case PhysKind::SortMergeJoin: case PhysKind::ShuffledHashJoin:
    case PhysKind::Generate: case PhysKind::Window: case PhysKind::BatchEvalPython:
      return children[0]->output_partitioning();
    case PhysKind::BroadcastHashJoin: case PhysKind::BroadcastNestedLoopJoin:
      return children[build_left ? 1 : 0]->output_partitioning();
    case PhysKind::Coalesce: p.num = static_cast<int>(n); return p;
    default: return p;
  }
}

ExprList PhysicalPlan::output_ordering() const {
  switch (kind) {
    case PhysKind::Sort: return exprs;
    case PhysKind::Project: {  // the child's order as far as its expressions are still output
      ExprList out;
      for (const auto& o : children[0]->output_ordering()) {
        auto m = through_project(o->children[0], exprs);
        if (!m) break;
        out.push_back(sort_order(*m, o->ascending, o->nulls_first));
      }
      return out;
    }
    case PhysKind::Filter: case PhysKind::LocalLimit: case PhysKind::GlobalLimit:
    case PhysKind::Window: case PhysKind::BatchEvalPython:
      return children[0]->output_ordering();
    case PhysKind::SortMergeJoin: {
      // The join streams its left side in key order; right/full outer joins emit the right
      // side's unmatched rows after the run that passed them, so they keep no order (Spark
      // orders a right outer join by the right keys; a Sort above it is the price).
      ExprList out;
      if (join_type == JoinType::RightOuter || join_type == JoinType::FullOuter) return out;
      for (const auto& k : left_keys) out.push_back(sort_order(k, true, true));
      return out;
    }
    default: return {};
  }
}

std::vector<Distribution> PhysicalPlan::required_child_distribution() const {
  using K = Distribution::Kind;
  std::vector<Distribution> d(children.size());
  switch (kind) {
    case PhysKind::HashAggregate:
      if (agg_mode != AggMode::Partial) d[0] = groups.empty() ? Distribution{K::AllTuples, {}} : Distribution{K::Clustered, groups};
      break;
    case PhysKind::Sort:
      if (global) d[0] = {K::Ordered, exprs};
      break;
    case PhysKind::Window: {  // no PARTITION BY: every row in one partition (as Spark warns)
      ExprList part = window_partition_of(exprs);
      d[0] = part.empty() ? Distribution{K::AllTuples, {}} : Distribution{K::Clustered, part};
      break;
    }
    case PhysKind::SortMergeJoin: case PhysKind::ShuffledHashJoin: case PhysKind::FlatMapCoGroupsInPandas:
      d[0] = {K::Clustered, left_keys};
      d[1] = {K::Clustered, right_keys};
      break;
    case PhysKind::BroadcastHashJoin: case PhysKind::BroadcastNestedLoopJoin:
      d[build_left ? 0 : 1] = {K::Broadcast, {}};
      break;
    case PhysKind::GlobalLimit:
      d[0] = {K::AllTuples, {}};
      break;
    case PhysKind::FlatMapGroupsInPandas: case PhysKind::AggregateInPandas:
      d[0] = groups.empty() ? Distribution{K::AllTuples, {}} : Distribution{K::Clustered, groups};
      break;
    default: break;
  }
  return d;
}

std::vector<ExprList> PhysicalPlan::required_child_ordering() const {
  std::vector<ExprList> o(children.size());
  if (kind == PhysKind::SortMergeJoin || kind == PhysKind::FlatMapCoGroupsInPandas) {
    for (const auto& k : left_keys) o[0].push_back(sort_order(k, true, true));
    for (const auto& k : right_keys) o[1].push_back(sort_order(k, true, true));
  }
  if (kind == PhysKind::FlatMapGroupsInPandas || kind == PhysKind::AggregateInPandas)  // each group's rows together
    for (const auto& k : groups) o[0].push_back(sort_order(k, true, true));
  if (kind == PhysKind::Window) {  // partition keys, then the window's order
    for (const auto& k : window_partition_of(exprs)) o[0].push_back(sort_order(k, true, true));
    for (const auto& k : window_order_of(exprs)) o[0].push_back(k);
  }
  return o;
}

// The aggregate functions of an aggregate's expressions as Spark has them: an AggCall, or a
// collect wrapper over one (median, max_by, approx_count_distinct, ...: plan/fn_names.h), which
// stands for one Spark aggregate function and prints as it.
void aggregate_functions(const Expr& e, std::vector<const Expr*>& out) {
  if (e.kind == ExprKind::AggCall ||
      (e.kind == ExprKind::Call && is_collect_wrapper(e.name) && !e.children.empty() &&
       e.children[0]->kind == ExprKind::AggCall)) {
    out.push_back(&e);
    return;
  }
  for (const auto& c : e.children) aggregate_functions(*c, out);
}

static std::string agg_list(const ExprList& es, AggMode mode) {
  std::string s = "[";
  bool first = true;
  for (const auto& e : es) {
    std::vector<const Expr*> aggs;
    aggregate_functions(*e, aggs);
    for (const Expr* a : aggs) {
      s += (first ? "" : ", ") + std::string(mode == AggMode::Partial ? "partial_" : "") + a->to_string();
      first = false;
    }
  }
  return s + "]";
}

// Spark's TypedImperativeAggregates (an object per group as the buffer), by function name.
static bool typed_imperative(const std::string& n) {
  static const std::set<std::string> names = {
      "collect_list", "collect_set", "percentile", "median", "mode", "percentile_approx", "approx_percentile",
      "percentile_cont", "percentile_disc", "count_min_sketch", "histogram_numeric", "hll_sketch_agg",
      "hll_union_agg", "bloom_filter_agg"};
  return names.count(n) > 0;
}

bool object_hash_aggregate(const PhysicalPlan& p) {
  if (p.kind != PhysKind::HashAggregate) return false;
  for (const auto& e : p.exprs) {
    std::vector<const Expr*> aggs;
    aggregate_functions(*e, aggs);
    for (const Expr* a : aggs)
      if (typed_imperative(a->name)) return true;
  }
  return false;
}

// Data source filter names for PushedFilters (`GreaterThan(a,1)`, `In(a, [1,2])`,
// `Or(IsNull(a),EqualTo(b,x))`), as DataSourceStrategy.translateFilter: comparisons of a column
// with a literal (either side), IN lists of literals, IS [NOT] NULL, AND/OR/NOT of those.
static std::string pushed_filter(const Expr& e) {
  static const std::pair<const char*, const char*> ops[] = {
      {"=", "EqualTo"}, {"<=>", "EqualNullSafe"}, {">", "GreaterThan"}, {">=", "GreaterThanOrEqual"},
      {"<", "LessThan"}, {"<=", "LessThanOrEqual"}};
  static const std::pair<const char*, const char*> flipped[] = {
      {"=", "EqualTo"}, {"<=>", "EqualNullSafe"}, {">", "LessThan"}, {">=", "LessThanOrEqual"},
      {"<", "GreaterThan"}, {"<=", "GreaterThanOrEqual"}};
  if (e.kind != ExprKind::Call) return "";
  if ((e.name == "isnotnull" || e.name == "isnull") && e.children[0]->kind == ExprKind::Attribute)
    return std::string(e.name == "isnull" ? "IsNull(" : "IsNotNull(") + e.children[0]->name + ")";
  if ((e.name == "and" || e.name == "or") && e.children.size() == 2) {
    const std::string l = pushed_filter(*e.children[0]), r = pushed_filter(*e.children[1]);
    if (l.empty() || r.empty()) return "";
    return std::string(e.name == "and" ? "And(" : "Or(") + l + "," + r + ")";
  }
  if (e.name == "not" && e.children.size() == 1) {
    const std::string c = pushed_filter(*e.children[0]);
    return c.empty() ? "" : "Not(" + c + ")";
  }
  if (e.name == "in" && e.children.size() >= 2 && e.children[0]->kind == ExprKind::Attribute) {
    std::string vals;
    for (size_t k = 1; k < e.children.size(); ++k) {
      if (e.children[k]->kind != ExprKind::Literal) return "";
      vals += (k > 1 ? "," : "") + e.children[k]->to_string();
    }
    return "In(" + e.children[0]->name + ", [" + vals + "])";
  }
  if (e.children.size() != 2) return "";
  for (const auto& [op, name] : ops)
    if (e.name == op && e.children[0]->kind == ExprKind::Attribute && e.children[1]->kind == ExprKind::Literal)
      return std::string(name) + "(" + e.children[0]->name + "," + e.children[1]->to_string() + ")";
  for (const auto& [op, name] : flipped)
    if (e.name == op && e.children[1]->kind == ExprKind::Attribute && e.children[0]->kind == ExprKind::Literal)
      return std::string(name) + "(" + e.children[1]->name + "," + e.children[0]->to_string() + ")";
  return "";
}

// FileSourceScanExec's metadata, by key in sorted order (its simpleString prints them all, the
// formatted explain the non-empty ones but DataFilters and Format).
std::vector<std::pair<std::string, std::string>> file_scan_metadata(const PhysicalPlan& p) {
  std::string fmt = p.name;
  for (auto& c : fmt) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (p.name == "parquet") fmt = "Parquet";  // ParquetFileFormat's toString; the others are upper case
  // Conjuncts over partition columns only (the last `partition_cols` of dataSchema) are
  // PartitionFilters (they prune files on the driver); the rest DataFilters / PushedFilters.
  std::set<int64_t> part_ids;
  const auto& data_attrs = p.data_attrs;
  for (size_t i = data_attrs.size() - std::min<size_t>(data_attrs.size(), size_t(std::max(0, p.partition_cols)));
       i < data_attrs.size(); ++i)
    part_ids.insert(data_attrs[i]->id);
  ExprList data_filters, partition_filters;
  for (const auto& e : p.exprs) {
    bool only_parts = !part_ids.empty(), any = false;
    foreach_expr(e, [&](const Expr& x) {
      if (x.kind != ExprKind::Attribute) return;
      any = true;
      if (!part_ids.count(x.id)) only_parts = false;
    });
    (only_parts && any ? partition_filters : data_filters).push_back(e);
  }
  std::string pushed = "[";
  for (const auto& e : data_filters) {
    std::string f = pushed_filter(*e);
    if (!f.empty()) pushed += (pushed.size() > 1 ? ", " : "") + f;
  }
  std::vector<StructField> fs;
  for (const auto& a : p.output_attrs) fs.push_back({a->name, a->type, a->nullable, "{}"});
  return {{"Batched", p.name == "parquet" ? "true" : "false"},
          {"DataFilters", list(data_filters)},
          {"Format", fmt},
          {"Location", "InMemoryFileIndex(" + std::to_string(p.paths.size()) + " paths)[" +
                           (p.paths.empty() ? "" : "file:" + p.paths[0]) + (p.paths.size() > 1 ? ", ..." : "") + "]"},
          {"PartitionFilters", list(partition_filters)},
          {"PushedFilters", pushed + "]"},
          {"ReadSchema", DataType::structure(fs).simple_string()}};
}

// A build side's output as the broadcast binds it: FilterExec marks the columns its IS NOT NULL
// conjuncts test as non-nullable.
static ExprList build_side_output(const PhysicalPlan& p) {
  if ((p.kind == PhysKind::ShuffleExchange || p.kind == PhysKind::Sort) && !p.children.empty())
    return build_side_output(*p.children[0]);  // their output is their child's
  ExprList out = p.output();
  if (p.kind != PhysKind::Filter || p.exprs.empty()) return out;
  std::set<int64_t> not_null;
  std::function<void(const ExprPtr&)> conjuncts = [&](const ExprPtr& c) {
    if (c->kind == ExprKind::Call && c->name == "and" && c->children.size() == 2) {
      conjuncts(c->children[0]);
      conjuncts(c->children[1]);
    } else if (c->kind == ExprKind::Call && c->name == "isnotnull" && c->children[0]->kind == ExprKind::Attribute) {
      not_null.insert(c->children[0]->id);
    }
  };
  conjuncts(p.exprs[0]);
  for (auto& a : out)
    if (a->nullable && not_null.count(a->id)) {
      auto c = std::make_shared<Expr>(*a);
      c->nullable = false;
      a = c;
    }
  return out;
}

// HashedRelationBroadcastMode's keys: HashJoin.rewriteKeyExpr (integral keys of at most 8 bytes
// together packed into one bigint) bound to the build side's columns (`input[0, int, false]`).
static std::vector<std::string> bound_broadcast_keys(const ExprList& keys, const ExprList& input) {
  ExprList k = keys;
  int64_t bytes = 0;
  bool integral = true;
  for (const auto& e : keys) {
    integral &= e->type.is_integral();
    bytes += e->type.default_size();
  }
  if (integral && bytes <= 8) {
    auto to_long = [](const ExprPtr& e) { return e->type.id == TypeId::Long ? e : cast(e, DataType::long_(), false); };
    ExprPtr packed = to_long(keys[0]);
    for (size_t i = 1; i < keys.size(); ++i) {
      const int bits = keys[i]->type.default_size() * 8;
      packed = call("|", {call("shiftleft", {packed, lit_int(bits)}, DataType::long_()),
                          call("&", {to_long(keys[i]), lit_long(int64_t((uint64_t(1) << bits) - 1))}, DataType::long_())},
                    DataType::long_());
    }
    k = {packed};
  }
  std::vector<std::string> out;
  for (const auto& e : k) {
    // Attributes print as BoundReference: rendered with a placeholder name, then replaced.
    std::vector<std::pair<std::string, std::string>> subs;
    ExprPtr b = transform_up(e, [&](const ExprPtr& x) -> ExprPtr {
      if (x->kind != ExprKind::Attribute) return nullptr;
      for (size_t i = 0; i < input.size(); ++i)
        if (input[i]->id == x->id) {
          const std::string token = "\x01" + std::to_string(subs.size()) + "\x01";
          auto r = attr(token, x->type, x->nullable, x->id);
          subs.emplace_back(r->to_string(), "input[" + std::to_string(i) + ", " + x->type.simple_string() + ", " +
                                                 (input[i]->nullable ? "true" : "false") + "]");
          return r;
        }
      return nullptr;
    });
    std::string s = b->to_string();
    for (const auto& [from, to] : subs)
      for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
    out.push_back(s);
  }
  return out;
}

bool rdd_scan(const PhysicalPlan& p) {
  return p.kind == PhysKind::LocalTableScan &&
         (p.data_ref == "inline" || p.data_ref == "one_row" || p.data_ref.rfind("rdd:", 0) == 0 ||
          p.data_ref.rfind("session:", 0) == 0);
}

std::string PhysicalPlan::node_string() const {
  auto cond = [&]() { return exprs.empty() ? std::string() : ", " + exprs[0]->to_string(); };
  switch (kind) {
    case PhysKind::LocalTableScan:
      if (data_ref == "one_row") return "Scan OneRowRelation" + list(output_attrs, ",");
      if (rdd_scan(*this)) return "Scan ExistingRDD" + list(output_attrs, ",");
      if (data_ref == "empty") return "LocalTableScan <empty>, " + list(output_attrs);
      return "LocalTableScan " + list(output_attrs);
    case PhysKind::InMemoryTableScan:
      return "InMemoryTableScan " + list(output_attrs) + (exprs.empty() ? "" : ", " + list(exprs));
    case PhysKind::ColumnarToRow: return "ColumnarToRow";
    case PhysKind::Range:
      return "Range (" + std::to_string(start) + ", " + std::to_string(end) + ", step=" + std::to_string(step) +
             ", splits=" + std::to_string(num_partitions) + ")";
    case PhysKind::FileScan: {
      std::string s = "FileScan " + name + " " + table + list(output_attrs, ",");
      bool first = true;
      for (const auto& [k, v] : file_scan_metadata(*this)) {
        s += (first ? " " : ", ") + k + ": " + v;
        first = false;
      }
      return s;
    }
    case PhysKind::Project: return "Project" + (exprs.empty() ? std::string() : " " + list(exprs));  // `Project` alone when empty
    case PhysKind::Filter: return "Filter " + exprs[0]->to_string();
    case PhysKind::HashAggregate:
      return std::string(object_hash_aggregate(*this) ? "ObjectHashAggregate" : "HashAggregate") + "(keys=" + list(groups) +
             ", functions=" + agg_list(exprs, agg_mode) + ")";
    case PhysKind::Sort: return "Sort " + list(exprs) + ", " + (global ? "true" : "false") + ", 0";
    case PhysKind::ShuffleExchange: {
      const char* origin = name.empty() ? "ENSURE_REQUIREMENTS" : name.c_str();
      return "Exchange " + partitioning.to_string() + ", " + origin + ", [plan_id=" + std::to_string(id) + "]";
    }
    case PhysKind::BroadcastExchange: {
      std::string mode = "IdentityBroadcastMode";
      if (!exprs.empty()) {
        const auto keys = bound_broadcast_keys(exprs, children.empty() ? ExprList{} : build_side_output(*children[0]));
        mode = "HashedRelationBroadcastMode(List(";
        for (size_t i = 0; i < keys.size(); ++i) mode += (i ? ", " : "") + keys[i];
        mode += "),false)";
      }
      return "BroadcastExchange " + mode + ", [plan_id=" + std::to_string(id) + "]";
    }
    case PhysKind::BroadcastHashJoin:
      return "BroadcastHashJoin " + list(left_keys) + ", " + list(right_keys) + ", " + join_type_name(join_type) +
             (build_left ? ", BuildLeft" : ", BuildRight") + cond() + ", false";
    case PhysKind::SortMergeJoin:
      return "SortMergeJoin " + list(left_keys) + ", " + list(right_keys) + ", " + join_type_name(join_type) + cond();
    case PhysKind::ShuffledHashJoin:
      return "ShuffledHashJoin " + list(left_keys) + ", " + list(right_keys) + ", " + join_type_name(join_type) +
             (build_left ? ", BuildLeft" : ", BuildRight") + cond();
    case PhysKind::BroadcastNestedLoopJoin:
      return std::string("BroadcastNestedLoopJoin ") + (build_left ? "BuildLeft" : "BuildRight") + ", " +
             join_type_name(join_type) + cond();
    case PhysKind::CartesianProduct: return "CartesianProduct" + (exprs.empty() ? std::string() : " " + exprs[0]->to_string());
    case PhysKind::CollectLimit: return "CollectLimit " + std::to_string(n);
    case PhysKind::GlobalLimit: return "GlobalLimit " + std::to_string(n) + ", 0";
    case PhysKind::LocalLimit: return "LocalLimit " + std::to_string(n);
    case PhysKind::TakeOrderedAndProject:
      return "TakeOrderedAndProject(limit=" + std::to_string(n) + ", orderBy=" + list(exprs, ",") + ", output=" + list(project, ",") + ")";
    case PhysKind::Union: return "Union";
    case PhysKind::Sample:
      return "Sample " + value_to_string(Value::of(lower), DataType::double_()) + ", " +
             value_to_string(Value::of(upper), DataType::double_()) + ", " + (with_replacement ? "true" : "false") + ", " +
             std::to_string(seed);
    case PhysKind::Coalesce: return "Coalesce " + std::to_string(n);
    case PhysKind::Expand: {
      std::string s = "Expand [";
      const size_t w = size_t(std::max<int64_t>(n, 1));
      for (size_t i = 0; i < exprs.size(); i += w)
        s += (i ? ", " : "") + list(ExprList(exprs.begin() + long(i), exprs.begin() + long(std::min(exprs.size(), i + w))));
      return s + "], " + list(output_attrs);
    }
    case PhysKind::Window:
    {  // argString drops an empty partition spec or order
      const ExprList part = window_partition_of(exprs), order = window_order_of(exprs);
      return std::string(window_in_pandas(exprs) ? "WindowInPandas " : "Window ") + list(exprs) +
             (part.empty() ? "" : ", " + list(part)) + (order.empty() ? "" : ", " + list(order));
    }
    case PhysKind::MapInPandas:
      return "MapInPandas " + exprs[0]->to_string() + ", " + list(output_attrs) + ", " + (global ? "true" : "false");
    case PhysKind::AggregateInPandas: {
      ExprList fs;
      for (const auto& e : exprs) fs.push_back(e->children[0]);
      return "AggregateInPandas " + list(groups) + ", " + list(fs) + ", " + list(output());
    }
    case PhysKind::FlatMapGroupsInPandas:
      return "FlatMapGroupsInPandas " + list(groups) + ", " + exprs[0]->to_string() + ", " + list(output_attrs);
    case PhysKind::FlatMapCoGroupsInPandas:
      return "FlatMapCoGroupsInPandas " + list(left_keys) + ", " + list(right_keys) + ", " + exprs[0]->to_string() +
             ", " + list(output_attrs);
    case PhysKind::BatchEvalPython:
      if (n != 100) return "ArrowEvalPython " + list(exprs) + ", " + list(output_attrs) + ", " + std::to_string(n);
      return "BatchEvalPython " + list(exprs) + ", " + list(output_attrs);
    case PhysKind::Generate:  // GenerateExec's argString: an empty requiredChildOutput is left out
      return "Generate " + exprs[0]->to_string() + (project.empty() ? "" : ", " + list(project)) + ", " +
             (outer ? "true" : "false") + ", " + list(output_attrs);
  }
  return "?";
}

PhysPtr PhysicalPlan::with_children(std::vector<PhysPtr> c) const {
  auto p = std::make_shared<PhysicalPlan>(*this);
  p->children = std::move(c);
  return p;
}

// ---- JSON for executors ----

json expr_to_json(const ExprPtr& e) {
  json j;
  switch (e->kind) {
    case ExprKind::Attribute: j = {{"kind", "attr"}, {"id", e->id}, {"name", e->name}}; break;
    case ExprKind::Literal: {
      j = {{"kind", "lit"}};
      if (e->value.is_null()) j["value"] = nullptr;
      else if (auto* b = std::get_if<bool>(&e->value.v)) j["value"] = *b;
      else if (auto* i = std::get_if<int64_t>(&e->value.v)) j["value"] = *i;
      else if (auto* d = std::get_if<double>(&e->value.v)) {
        // JSON has no NaN/Infinity: those travel as strings, as in proto3 JSON.
        if (std::isfinite(*d)) j["value"] = *d;
        else j["value"] = std::isnan(*d) ? "NaN" : *d > 0 ? "Infinity" : "-Infinity";
      } else if (auto* s = std::get_if<std::string>(&e->value.v)) {
        // Binary values are any bytes; JSON strings hold UTF-8 only: base64, as proto3's bytes.
        j["value"] = e->type.id == TypeId::Binary ? base64_encode(*s) : *s;
      }
      else j["value"] = value_to_string(e->value, e->type);  // decimals/arrays as Spark's string cast
      break;
    }
    case ExprKind::Alias: j = {{"kind", "alias"}, {"id", e->id}, {"name", e->name}}; break;
    case ExprKind::Cast:
      j = {{"kind", "cast"}};
      if (e->name == "try_cast") j["try"] = true;  // NULL instead of a failing cast's error
      break;
    case ExprKind::Call:
      j = {{"kind", "call"}, {"name", e->name}};
      if (e->ignore_nulls) j["ignoreNulls"] = true;  // nth_value
      break;
    case ExprKind::AggCall:
      j = {{"kind", "agg"}, {"name", e->name}, {"distinct", e->distinct}, {"ignoreNulls", e->ignore_nulls}};
      break;
    case ExprKind::SortOrder: j = {{"kind", "sort"}, {"ascending", e->ascending}, {"nullsFirst", e->nulls_first}}; break;
    case ExprKind::GetField: j = {{"kind", "field"}, {"name", e->name}, {"ordinal", e->ordinal}}; break;
    case ExprKind::WindowExpr: {  // args: function, partition exprs…, orders…
      auto bound = [](const FrameBound& b) -> json {
        static const char* kinds[] = {"unboundedPreceding", "offset", "currentRow", "unboundedFollowing"};
        return {{"kind", kinds[static_cast<int>(b.kind)]}, {"offset", b.offset}};
      };
      j = {{"kind", "window"}, {"partitionCount", e->ordinal},
           {"frame", {{"type", e->frame.type == FrameType::Range ? "range" : "rows"},
                      {"lower", bound(e->frame.lower)}, {"upper", bound(e->frame.upper)}}}};
      break;
    }
    case ExprKind::PythonUDF:  // the function itself travels beside the plan (collect_python_funcs)
      j = {{"kind", "pyudf"}, {"name", e->name}, {"funcId", e->python->id}, {"evalType", e->python->eval_type}};
      break;
    default: j = {{"kind", "unresolved"}}; break;
  }
  j["type"] = type_to_json(e->type);
  j["nullable"] = e->nullable;
  if (!e->children.empty()) {
    json a = json::array();
    for (const auto& c : e->children) a.push_back(expr_to_json(c));
    j["args"] = std::move(a);  // a copy here made a deep expression's JSON quadratic
  }
  return j;
}

void collect_python_funcs(const PhysPtr& p, std::map<int64_t, std::shared_ptr<const std::string>>& out) {
  for (const auto& e : p->exprs)
    foreach_expr(e, [&](const Expr& x) { if (x.kind == ExprKind::PythonUDF) out[x.python->id] = x.python->command; });
  for (const auto& c : p->children) collect_python_funcs(c, out);
}

static json exprs_json(const ExprList& es) {
  json a = json::array();
  for (const auto& e : es) a.push_back(expr_to_json(e));
  return a;
}

bool window_in_pandas(const ExprList& ws) {
  return std::any_of(ws.begin(), ws.end(), [](const ExprPtr& a) {
    const Expr* x = a.get();
    while (x->kind == ExprKind::Alias && !x->children.empty()) x = x->children[0].get();
    return x->kind == ExprKind::WindowExpr && x->window_function()->kind == ExprKind::PythonUDF;
  });
}

static const char* op_name(PhysKind k) {
  switch (k) {
    case PhysKind::LocalTableScan: return "LocalTableScan";
    case PhysKind::Range: return "Range";
    case PhysKind::FileScan: return "FileScan";
    case PhysKind::Project: return "Project";
    case PhysKind::Filter: return "Filter";
    case PhysKind::HashAggregate: return "HashAggregate";
    case PhysKind::Sort: return "Sort";
    case PhysKind::ShuffleExchange: return "ShuffleExchange";
    case PhysKind::BroadcastExchange: return "BroadcastExchange";
    case PhysKind::BroadcastHashJoin: return "BroadcastHashJoin";
    case PhysKind::SortMergeJoin: return "SortMergeJoin";
    case PhysKind::ShuffledHashJoin: return "ShuffledHashJoin";
    case PhysKind::BroadcastNestedLoopJoin: return "BroadcastNestedLoopJoin";
    case PhysKind::CartesianProduct: return "CartesianProduct";
    case PhysKind::CollectLimit: return "CollectLimit";
    case PhysKind::GlobalLimit: return "GlobalLimit";
    case PhysKind::LocalLimit: return "LocalLimit";
    case PhysKind::TakeOrderedAndProject: return "TakeOrderedAndProject";
    case PhysKind::Union: return "Union";
    case PhysKind::Sample: return "Sample";
    case PhysKind::Coalesce: return "Coalesce";
    case PhysKind::Generate: return "Generate";
    case PhysKind::Window: return "Window";
    case PhysKind::Expand: return "Expand";
    case PhysKind::BatchEvalPython: return "BatchEvalPython";
    case PhysKind::MapInPandas: return "MapInPandas";
    case PhysKind::FlatMapGroupsInPandas: return "FlatMapGroupsInPandas";
    case PhysKind::FlatMapCoGroupsInPandas: return "FlatMapCoGroupsInPandas";
    case PhysKind::AggregateInPandas: return "AggregateInPandas";
    case PhysKind::InMemoryTableScan: return "InMemoryTableScan";
    case PhysKind::ColumnarToRow: return "ColumnarToRow";
  }
  return "?";
}

namespace {
// A LocalTableScan's rows stay out of the JSON: "inline:@<address of the shared batch stream>",
// which the driver's SqlStageSource resolves against the same physical tree (the plan is alive
// while its stages are built).
std::string inline_data_ref(const std::string& data) {
  return "inline:@" + std::to_string(reinterpret_cast<uintptr_t>(&data));
}
}  // namespace

json physical_to_json(const PhysPtr& p) {
  static const char* modes[] = {"partial", "final", "complete"};
  json j = {{"op", op_name(p->kind)}, {"output", exprs_json(p->output())}};
  if (!p->exprs.empty()) {
    // A distinct function's partial and final aggregates (planAggregateWithOneDistinct) read rows
    // already distinct: they compute the plain function.
    ExprList es = p->exprs;
    if (p->kind == PhysKind::HashAggregate && p->agg_mode != AggMode::Complete)
      for (auto& e : es)
        e = transform_up(e, [](const ExprPtr& x) -> ExprPtr {
          if (x->kind != ExprKind::AggCall || !x->distinct) return nullptr;
          auto c = std::make_shared<Expr>(*x);
          c->distinct = false;
          return c;
        });
    j["exprs"] = exprs_json(es);
  }
  if (!p->groups.empty()) j["groups"] = exprs_json(p->groups);
  if (!p->left_keys.empty()) j["leftKeys"] = exprs_json(p->left_keys);
  if (!p->right_keys.empty()) j["rightKeys"] = exprs_json(p->right_keys);
  if (!p->project.empty()) j["project"] = exprs_json(p->project);
  switch (p->kind) {
    case PhysKind::LocalTableScan: j["data"] = p->inline_data ? inline_data_ref(*p->inline_data) : p->data_ref; break;
    case PhysKind::Range:
      j.update({{"start", p->start}, {"end", p->end}, {"step", p->step}, {"numPartitions", p->num_partitions}});
      break;
    case PhysKind::FileScan: {
      j["format"] = p->name;
      j["paths"] = p->paths;
      if (!p->table.empty()) j["table"] = p->table;  // a catalog table: missing paths read as empty
      j["dataSchema"] = exprs_json(p->data_attrs);
      if (p->partition_cols > 0) j["partitionColumns"] = p->partition_cols;
      json o = json::object();
      for (const auto& [k, v] : p->options) o[k] = v;
      j["options"] = o;
      break;
    }
    case PhysKind::InMemoryTableScan: {
      // The cached blocks hold every column of the relation; the scan reads these positions.
      j["data"] = "cache:" + std::to_string(p->id);
      j["relation"] = exprs_json(p->data_attrs);
      json cols = json::array();
      for (const auto& a : p->output_attrs)
        for (size_t i = 0; i < p->data_attrs.size(); ++i)
          if (p->data_attrs[i]->id == a->id) {
            cols.push_back(i);
            break;
          }
      j["columns"] = cols;
      break;
    }
    case PhysKind::HashAggregate: j["mode"] = modes[static_cast<int>(p->agg_mode)]; break;
    case PhysKind::Sort: j["global"] = p->global; break;
    case PhysKind::ShuffleExchange:
      j["partitioning"] = {{"kind", p->partitioning.to_string().substr(0, p->partitioning.to_string().find('('))},
                           {"num", p->partitioning.num}, {"exprs", exprs_json(p->partitioning.exprs)}};
      j["shuffleId"] = p->id;
      break;
    case PhysKind::BroadcastHashJoin: case PhysKind::SortMergeJoin: case PhysKind::ShuffledHashJoin:
    case PhysKind::BroadcastNestedLoopJoin: case PhysKind::CartesianProduct:
      j["joinType"] = join_type_name(p->join_type);
      j["buildLeft"] = p->build_left;
      break;
    case PhysKind::CollectLimit: case PhysKind::GlobalLimit: case PhysKind::LocalLimit:
    case PhysKind::TakeOrderedAndProject: case PhysKind::Coalesce: case PhysKind::Expand:
      j["n"] = p->n;
      break;
    case PhysKind::BatchEvalPython:
      j["results"] = exprs_json(p->output_attrs);
      j["evalType"] = p->n;
      break;
    case PhysKind::Generate:
      j["outer"] = p->outer;
      j["generatorOutput"] = exprs_json(p->output_attrs);
      break;
    case PhysKind::Sample:
      j.update({{"lower", p->lower}, {"upper", p->upper}, {"withReplacement", p->with_replacement}, {"seed", p->seed}});
      break;
    default: break;
  }
  if (p->node_id >= 0) j["nodeId"] = p->node_id;
  if (!p->children.empty()) {
    json c = json::array();
    for (const auto& ch : p->children) c.push_back(physical_to_json(ch));
    j["children"] = c;
  }
  return j;
}

}  // namespace spp::sql
