// explain("cost"): the optimized logical plan with each operator's Statistics as Spark 3.5
// computes them without CBO (SizeInBytesOnlyStatsPlanVisitor), then the physical plan.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <optional>
#include <set>

#include "sql/physical/physical.h"

namespace spp::sql {

namespace {

// Spark's Statistics: sizeInBytes is a BigInt (products of join sizes pass 2^63); a long double
// holds every size up to 2^64 exactly and the larger ones to the 3 digits they print with.
struct Stats {
  long double size = 0;
  std::optional<int64_t> rows;
};

constexpr long double kLongMax = 9223372036854775807.0L;

// EstimationUtils.getSizePerRow without column statistics: 8 bytes per row plus the types'
// default sizes.
long double size_per_row(const ExprList& out) {
  long double s = 8;
  for (const auto& a : out) s += a->type.default_size();
  return s;
}

// EstimationUtils.getOutputSize: never 0 (a join's size is a product).
long double output_size(const ExprList& out, int64_t rows) { return rows > 0 ? rows * size_per_row(out) : 1; }

int64_t range_rows(const LogicalPlan& p) {
  if (p.step > 0) return std::max<int64_t>(0, (p.end - p.start + p.step - 1) / p.step);
  return std::max<int64_t>(0, (p.start - p.end - p.step - 1) / -p.step);
}

// Attributes whose values are distinct in a plan's output (LogicalPlan.distinctKeys, the cases
// DistinctKeyVisitor knows that matter here: an aggregate's keys, passed through filters, sorts
// and limits).
std::optional<std::set<int64_t>> distinct_keys(const LogicalPlan& p) {
  switch (p.kind) {
    case PlanKind::Aggregate: {
      std::set<int64_t> keys;
      for (const auto& g : p.groups) {
        if (g->kind != ExprKind::Attribute) return std::nullopt;
        keys.insert(g->id);
      }
      for (int64_t k : keys)  // every key must reach the output
        if (std::none_of(p.exprs.begin(), p.exprs.end(),
                         [&](const ExprPtr& e) { return e->kind == ExprKind::Attribute && e->id == k; }))
          return std::nullopt;
      return keys;
    }
    case PlanKind::Distinct: {
      std::set<int64_t> out;
      for (const auto& a : p.output()) out.insert(a->id);
      return out;
    }
    case PlanKind::Filter: case PlanKind::Sort: case PlanKind::Limit: case PlanKind::SubqueryAlias:
    case PlanKind::View:
      return distinct_keys(*p.children[0]);
    default: return std::nullopt;
  }
}

bool covers(const std::optional<std::set<int64_t>>& keys, const ExprList& join_keys) {
  if (!keys) return false;
  std::set<int64_t> ids;
  for (const auto& k : join_keys) {
    if (k->kind != ExprKind::Attribute) return false;
    ids.insert(k->id);
  }
  for (int64_t k : *keys)
    if (!ids.count(k)) return false;
  return true;
}

Stats stats(const LogicalPlan& p);

Stats unary(const LogicalPlan& p) {  // visitUnaryNode: the child's rows at this row size
  const Stats c = stats(*p.children[0]);
  long double s = std::floor(c.size * size_per_row(p.output()) / size_per_row(p.children[0]->output()));
  return {s == 0 ? 1 : s, std::nullopt};
}

Stats product(const LogicalPlan& p) {  // default: the product of the children's sizes
  long double s = 1;
  for (const auto& c : p.children) {
    const long double x = stats(*c).size;
    if (x > 0) s *= x;
  }
  return {s, std::nullopt};
}

Stats join(const LogicalPlan& p) {
  if (p.join_type == JoinType::LeftSemi || p.join_type == JoinType::LeftAnti) return stats(*p.children[0]);
  if (p.join_type != JoinType::Cross && !p.exprs.empty()) {
    // An equi-join whose keys cover one side's distinct keys has at most the sum of the rows.
    ExprList lk, rk;
    std::set<int64_t> lids;
    for (const auto& a : p.children[0]->output()) lids.insert(a->id);
    std::function<void(const ExprPtr&)> split = [&](const ExprPtr& c) {
      if (c->kind == ExprKind::Call && c->name == "and") {
        for (const auto& k : c->children) split(k);
        return;
      }
      if (c->kind != ExprKind::Call || c->name != "=" || c->children[0]->kind != ExprKind::Attribute ||
          c->children[1]->kind != ExprKind::Attribute)
        return;
      const bool left_first = lids.count(c->children[0]->id) > 0;
      lk.push_back(c->children[left_first ? 0 : 1]);
      rk.push_back(c->children[left_first ? 1 : 0]);
    };
    split(p.exprs[0]);
    if (!lk.empty() && (covers(distinct_keys(*p.children[0]), lk) || covers(distinct_keys(*p.children[1]), rk))) {
      long double s = 0;
      for (const auto& c : p.children) {
        const long double x = stats(*c).size;
        if (x > 1) s += x;
      }
      return {s, std::nullopt};
    }
  }
  return product(p);
}

Stats limit(const LogicalPlan& p, const Stats& child) {  // visitGlobalLimit
  const int64_t rows = child.rows ? std::min(*child.rows, p.n) : p.n;
  return {output_size(p.output(), rows), rows};
}

Stats stats(const LogicalPlan& p) {
  switch (p.kind) {
    case PlanKind::Range: {
      const int64_t n = range_rows(p);
      return {static_cast<long double>(n) * 8, n};
    }
    case PlanKind::LocalRelation:
      if (p.data_ref == "one_row") return {1, std::nullopt};  // OneRowRelation
      if (p.data_ref == "empty") return {0, std::nullopt};
      if (p.data_ref == "values" && p.n > 0)  // LocalRelation.computeStats: no row count
        return {static_cast<long double>(p.exprs.size() / size_t(p.n)) * size_per_row(p.output()), std::nullopt};
      // LogicalRDD (createDataFrame's rows): spark.sql.defaultSizeInBytes
      return {p.size_hint >= 0 ? static_cast<long double>(p.size_hint) : kLongMax, std::nullopt};
    case PlanKind::DataSource: case PlanKind::InMemoryRelation:
      return {p.size_hint >= 0 ? static_cast<long double>(p.size_hint) : kLongMax, std::nullopt};
    case PlanKind::Aggregate:
      if (p.groups.empty()) return {output_size(p.output(), 1), 1};
      return unary(p);
    case PlanKind::Project: case PlanKind::Filter: case PlanKind::Window: case PlanKind::Distinct:
      return unary(p);
    case PlanKind::Expand: {
      Stats s = unary(p);
      const size_t width = size_t(std::max<int64_t>(p.n, 1));  // n expressions per projection
      s.size *= static_cast<long double>(p.exprs.size() / width);
      return s;
    }
    case PlanKind::Limit: return limit(p, stats(*p.children[0]));
    case PlanKind::Tail: return limit(p, stats(*p.children[0]));
    case PlanKind::Offset: {
      const Stats c = stats(*p.children[0]);
      const int64_t rows = c.rows ? std::max<int64_t>(0, *c.rows - p.n) : 0;
      return {output_size(p.output(), rows), rows};
    }
    case PlanKind::Sort: case PlanKind::Repartition: case PlanKind::RepartitionByExpression:
    case PlanKind::SubqueryAlias: case PlanKind::View: case PlanKind::Hint:
      return stats(*p.children[0]);
    case PlanKind::Sample: {
      const Stats c = stats(*p.children[0]);
      const long double ratio = p.upper - p.lower;
      long double s = std::ceil(c.size * ratio);
      std::optional<int64_t> rows;
      if (c.rows) rows = static_cast<int64_t>(std::ceil(static_cast<long double>(*c.rows) * ratio));
      return {s == 0 ? 1 : s, rows};
    }
    case PlanKind::Union: {
      long double s = 0;
      for (const auto& c : p.children) s += stats(*c).size;
      return {s, std::nullopt};
    }
    case PlanKind::Intersect: {
      const long double l = stats(*p.children[0]).size, r = stats(*p.children[1]).size;
      return {std::min(l, r), std::nullopt};
    }
    case PlanKind::Except: return stats(*p.children[0]);
    case PlanKind::Join: return join(p);
    default: return product(p);
  }
}

std::string fixed1(long double v) {  // "%.1f" of a BigDecimal: HALF_UP
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1Lf", std::floor(v * 10 + 0.5L) / 10);
  return buf;
}

// BigDecimal(x, MathContext(3, HALF_UP)).toString(): up to three digits as they are, more in
// scientific notation (`1.00E+3`).
std::string three_digits(long double x) {
  if (x < 1000) return std::to_string(static_cast<int64_t>(x));
  int exp = 0;
  long double m = x;
  while (m >= 1000) {
    m /= 10;
    ++exp;
  }
  int64_t digits = static_cast<int64_t>(std::floor(m + 0.5L));
  if (digits >= 1000) {
    digits /= 10;
    ++exp;
  }
  const std::string d = std::to_string(digits);
  return d.substr(0, 1) + "." + d.substr(1) + "E+" + std::to_string(exp + 2);
}

// Utils.bytesToString: `8.0 EiB`, `120.0 B`, `2.5 KiB` (a unit from twice its size).
std::string bytes_to_string(long double size) {
  const long double eib = std::ldexp(1.0L, 60);
  if (size > kLongMax) return size < 2048 * eib ? fixed1(size / eib) + " EiB" : three_digits(size) + " B";
  static const std::pair<int, const char*> units[] = {{60, "EiB"}, {50, "PiB"}, {40, "TiB"}, {30, "GiB"}, {20, "MiB"}, {10, "KiB"}};
  for (const auto& [shift, unit] : units) {
    const long double u = std::ldexp(1.0L, shift);
    if (size >= 2 * u) return fixed1(size / u) + " " + unit;
  }
  return fixed1(size) + " B";
}

std::string stats_string(const Stats& s) {
  return "Statistics(sizeInBytes=" + bytes_to_string(s.size) +
         (s.rows ? ", rowCount=" + three_digits(static_cast<long double>(*s.rows)) : std::string()) + ")";
}

void cost_tree(const LogicalPlan& p, const std::string& prefix, bool last, bool root, std::string& out) {
  out += root ? "" : prefix + (last ? "+- " : ":- ");
  const Stats s = stats(p);
  out += p.node_string() + ", " + stats_string(s) + "\n";
  std::string child_prefix = root ? "" : prefix + (last ? "   " : ":  ");
  if (p.kind == PlanKind::Limit) {  // GlobalLimit over LocalLimit (the child's statistics)
    Stats local = stats(*p.children[0]);
    if (p.n == 0) local = {1, 0};
    out += child_prefix + "+- LocalLimit " + std::to_string(p.n) + ", " + stats_string(local) + "\n";
    child_prefix += "   ";
  }
  for (size_t i = 0; i < p.children.size(); ++i) cost_tree(*p.children[i], child_prefix, i + 1 == p.children.size(), false, out);
}

}  // namespace

std::string explain_cost(const PlanPtr& optimized, const PhysPtr& physical, const PlannerOptions& opts) {
  std::string tree;
  cost_tree(*optimized, "", true, true, tree);
  return "== Optimized Logical Plan ==\n" + tree + "\n== Physical Plan ==\n" + physical_tree_string(physical, opts, true) + "\n";
}

}  // namespace spp::sql
