// Spark 3.5's partition coalescing and runtime join switch (see aqe.h).
#include "sql/physical/aqe.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace spp::sql {

std::optional<std::vector<PartitionRange>> coalesce_partitions(const std::vector<std::vector<int64_t>>& bytes,
                                                               const AqeSettings& s) {
  if (!s.enabled || !s.coalesce || bytes.empty()) return std::nullopt;
  const size_t n = bytes[0].size();
  for (const auto& b : bytes)
    if (b.size() != n) return std::nullopt;  // e.g. a union of a 1-partition and a 200-partition shuffle
  // parallelismFirst: aim at no fewer than defaultParallelism tasks (but no partition under the
  // minimum size); otherwise respect the advisory size alone. An explicit minPartitionNum drops
  // the minimum size.
  const int min_num = s.parallelism_first ? s.min_partition_num.value_or(s.default_parallelism) : 1;
  const int64_t min_size = s.min_partition_num ? 0 : s.min_partition_bytes;
  int64_t total = 0;
  for (const auto& b : bytes)
    for (int64_t v : b) total += v;
  const int64_t max_target =
      std::max<int64_t>(static_cast<int64_t>(std::ceil(static_cast<double>(total) / std::max(1, min_num))), 16);
  const int64_t target = std::max(std::min(max_target, s.advisory_bytes), min_size);

  // Spark's ShufflePartitionsUtil.coalescePartitions: pack consecutive partitions up to the
  // target; a run still under the minimum size when the next partition would overflow it joins
  // the smaller of its neighbours, and a small last run joins the one before (so 2 cores do not
  // get two full tasks and a third of a few KiB).
  std::vector<PartitionRange> out;
  int64_t size = 0, last_size = 0;
  size_t split = 0;
  for (size_t i = 0; i < n; ++i) {
    int64_t here = 0;
    for (const auto& b : bytes) here += b[i];
    if (i > split && size + here > target) {
      if (size < min_size) {
        if (last_size > 0 && last_size < here) {  // into the run before
          out.back().second = static_cast<int>(i);
          split = i;
          last_size += size;
          size = here;
        } else {  // into the run after
          size += here;
        }
      } else {
        if (size > 0) out.emplace_back(static_cast<int>(split), static_cast<int>(i));  // no task for an empty run
        split = i;
        last_size = size;
        size = here;
      }
    } else {
      size += here;
    }
  }
  if (size < min_size && last_size > 0 && !out.empty()) out.back().second = static_cast<int>(n);
  else if (size > 0 || out.empty()) out.emplace_back(static_cast<int>(split), static_cast<int>(n));
  if (out.size() >= n) return std::nullopt;
  return out;
}

int64_t ShuffleStats::total() const {
  int64_t t = 0;
  for (int64_t b : bytes) t += b;
  return t;
}

namespace {

// Operators whose output keeps their (first) child's row order (PhysicalPlan::output_ordering).
bool keeps_order(PhysKind k) {
  return k == PhysKind::Project || k == PhysKind::Filter || k == PhysKind::LocalLimit || k == PhysKind::GlobalLimit ||
         k == PhysKind::Window || k == PhysKind::BatchEvalPython;
}

// A sort-merge join's input as AQE sees it: (a Sort of) a shuffle read, its leaf; else null.
PhysPtr shuffle_leaf(const PhysPtr& c, const std::map<std::string, ShuffleStats>& stats, const std::string& pending) {
  PhysPtr x = c;
  if (x->kind == PhysKind::Sort && !x->global && x->children.size() == 1) x = x->children[0];
  if (x->kind == PhysKind::LocalTableScan && x->data_ref.rfind("shuffle:", 0) == 0 &&
      (stats.count(x->data_ref) || (!pending.empty() && x->data_ref == pending)))
    return x;
  return nullptr;
}

// DemoteBroadcastHashJoin: a shuffle with mostly empty partitions is better joined shuffled.
bool demoted(const ShuffleStats& st, double ratio) {
  const auto non_empty = std::count_if(st.bytes.begin(), st.bytes.end(), [](int64_t b) { return b > 0; });
  return !st.bytes.empty() && non_empty > 0 && static_cast<double>(non_empty) / static_cast<double>(st.bytes.size()) < ratio;
}

}  // namespace

std::optional<JoinSwitch> switch_to_broadcast_joins(const PhysPtr& fragment, const std::map<std::string, ShuffleStats>& stats,
                                                    const AqeSettings& s, const std::string& pending) {
  if (!s.enabled || s.broadcast_threshold < 0 || !fragment) return std::nullopt;
  JoinSwitch out;
  std::vector<std::string> streamed_local;  // streamed refs whose partitioning nothing above needs
  auto can_broadcast = [&](const std::string& ref) {
    auto it = stats.find(ref);  // the pending side's size is unknown: never a build side
    return it != stats.end() && it->second.total() <= s.broadcast_threshold && !demoted(it->second, s.non_empty_ratio);
  };
  // need_order: something above relies on this node's row order; need_part: on its partitioning.
  std::function<PhysPtr(const PhysPtr&, bool, bool)> go = [&](const PhysPtr& p, bool need_order, bool need_part) -> PhysPtr {
    if (p->kind == PhysKind::SortMergeJoin && !need_order) {
      // A side that is not a shuffle read of a finished stage (an aggregate over one, another
      // join) may be the streamed side: Spark re-plans the whole logical join with the finished
      // side's runtime size (TPC-H Q17's subquery aggregate joined with a small stage).
      PhysPtr l = shuffle_leaf(p->children[0], stats, pending), r = shuffle_leaf(p->children[1], stats, pending);
      const JoinType t = p->join_type;
      const bool left_ok = l && (t == JoinType::Inner || t == JoinType::RightOuter) && can_broadcast(l->data_ref);
      const bool right_ok = r && (t == JoinType::Inner || t == JoinType::LeftOuter || t == JoinType::LeftSemi ||
                                  t == JoinType::LeftAnti) && can_broadcast(r->data_ref);
      // A shuffle read of a stage that has not run (and is not the pending one) is not looked at.
      auto unknown_read = [&](const PhysPtr& c, const PhysPtr& leaf) {
        const PhysPtr x = c->kind == PhysKind::Sort && !c->global && c->children.size() == 1 ? c->children[0] : c;
        return !leaf && x->kind == PhysKind::LocalTableScan && x->data_ref.rfind("shuffle:", 0) == 0;
      };
      if ((left_ok || right_ok) && !(l && r && l->data_ref == r->data_ref) && !unknown_read(p->children[0], l) &&
          !unknown_read(p->children[1], r)) {
        // JoinSelectionHelper.getBuildSide: both possible -> the smaller, right on a tie.
        const bool build_left = left_ok && (!right_ok || stats.at(r->data_ref).total() > stats.at(l->data_ref).total());
        auto unsorted = [](const PhysPtr& c) {  // a hash join needs no sorted input
          return c->kind == PhysKind::Sort && !c->global && c->children.size() == 1 ? c->children[0] : c;
        };
        const PhysPtr& streamed_leaf = build_left ? r : l;
        PhysPtr streamed = streamed_leaf ? streamed_leaf : go(unsorted(p->children[build_left ? 1 : 0]), false, need_part);
        auto j = std::make_shared<PhysicalPlan>(*p);
        j->kind = PhysKind::BroadcastHashJoin;
        j->build_left = build_left;
        j->children = build_left ? std::vector<PhysPtr>{l, streamed} : std::vector<PhysPtr>{streamed, r};
        out.broadcast.insert(build_left ? l->data_ref : r->data_ref);
        out.joins[p->node_id] = build_left;
        if (!need_part && streamed_leaf) streamed_local.push_back(streamed_leaf->data_ref);
        return j;
      }
    }
    if (p->children.empty()) return p;
    const auto dist = p->required_child_distribution();
    const auto ord = p->required_child_ordering();
    std::vector<PhysPtr> kids;
    bool changed = false;
    for (size_t i = 0; i < p->children.size(); ++i) {
      const auto dk = i < dist.size() ? dist[i].kind : Distribution::Kind::Unspecified;
      const bool part = need_part || dk == Distribution::Kind::Clustered || dk == Distribution::Kind::AllTuples ||
                        dk == Distribution::Kind::Ordered;
      const bool order = p->kind != PhysKind::Sort &&
                         ((i < ord.size() && !ord[i].empty()) || (need_order && i == 0 && keeps_order(p->kind)));
      kids.push_back(go(p->children[i], order, part));
      changed = changed || kids.back() != p->children[i];
    }
    return changed ? p->with_children(std::move(kids)) : p;
  };
  out.root = go(fragment, false, false);
  if (out.broadcast.empty()) return std::nullopt;
  // The local reader: the stage's tasks follow that one shuffle's map outputs, so it must be the
  // only shuffle the stage reads by partition, read once.
  if (s.local_shuffle_reader && streamed_local.size() == 1) {
    std::map<std::string, int> reads;
    std::function<void(const PhysPtr&)> count = [&](const PhysPtr& p) {
      if (p->kind == PhysKind::LocalTableScan && p->data_ref.rfind("shuffle:", 0) == 0 && !out.broadcast.count(p->data_ref))
        ++reads[p->data_ref];
      for (const auto& c : p->children) count(c);
    };
    count(out.root);
    if (reads.size() == 1 && reads.begin()->first == streamed_local[0] && reads.begin()->second == 1)
      out.local = streamed_local[0];
  }
  return out;
}

std::vector<LocalReadSpec> local_read_specs(int num_maps, int num_reduce, int parallelism) {
  std::vector<LocalReadSpec> out;
  if (num_maps <= 0 || num_reduce <= 0) return out;
  // equallyDivide: the first (n % buckets) buckets one element larger; the buckets' starts.
  auto divide = [](int n, int buckets) {
    buckets = std::max(1, std::min(buckets, n));
    std::vector<int> starts;
    const int per = n / buckets, rem = n % buckets;
    for (int i = 0; i < buckets; ++i) starts.push_back(i < rem ? i * (per + 1) : rem * (per + 1) + (i - rem) * per);
    starts.push_back(n);
    return starts;
  };
  const int want = std::max(1, parallelism);
  if (want >= num_maps) {
    const auto cuts = divide(num_reduce, want / num_maps);
    for (int m = 0; m < num_maps; ++m)
      for (size_t i = 0; i + 1 < cuts.size(); ++i) out.push_back({m, m + 1, cuts[i], cuts[i + 1]});
  } else {
    const auto groups = divide(num_maps, want);
    for (size_t i = 0; i + 1 < groups.size(); ++i) out.push_back({groups[i], groups[i + 1], 0, num_reduce});
  }
  return out;
}

}  // namespace spp::sql
