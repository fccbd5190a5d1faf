// SqlStageSource's adaptive part: a stage's width settled from its inputs' map output
// statistics (coalescing, skew splits, local reads) and AQE's early switch to broadcast joins
// before the streamed side's map stage runs (see sql_stage_source.h).
#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "driver/sql_stage_source.h"

namespace spp::driver {
using json = nlohmann::json;

void SqlStageSource::settle_width(const Stage& st) const {
  if (st.width_final) return;
  if (!st.may_coalesce && !st.may_adapt) {
    st.width_final = true;
    return;
  }
  if (!outputs_) return;
  std::map<std::string, sql::ShuffleStats> stats;  // per shuffle read: bytes per reduce partition
  for (const auto& [ref, parent] : st.shuffle_reads) {
    auto ss = shuffle_stats(parent);
    if (!ss) return;
    stats[ref] = std::move(*ss);
  }
  // The runtime join switch first (Spark re-plans, then its stage optimizer coalesces and
  // turns readers local); a switched join's build side is read whole by every task.
  if (st.may_adapt)
    if (auto sw = sql::switch_to_broadcast_joins(st.root, stats, st.aqe)) {
      json plan = sql::physical_to_json(sw->root);
      for (const char* key : {"sessionTimeZone", "pythonBatchRows"})
        if (st.plan.contains(key)) plan[key] = st.plan[key];
      st.plan = std::move(plan);
      st.whole_reads = sw->broadcast;
      st.local_ref = sw->local;
      st.switched_joins = sw->joins;
    }
  std::vector<std::vector<int64_t>> bytes;  // per shuffle read by partition, per reduce partition
  for (const auto& [ref, ss] : stats)
    if (!st.whole_reads.count(ref)) bytes.push_back(ss.bytes);
  if (st.may_coalesce) st.ranges = sql::coalesce_partitions(bytes, st.aqe).value_or(std::vector<sql::PartitionRange>{});
  if (!st.local_ref.empty()) {
    // OptimizeShuffleWithLocalShuffleReader: as many tasks as the coalesced reader had (else
    // one per reduce partition), cut along the map outputs.
    const auto& ss = stats.at(st.local_ref);
    const int reduce = static_cast<int>(ss.bytes.size());
    st.local_specs = sql::local_read_specs(ss.num_maps, reduce, st.ranges.empty() ? reduce : static_cast<int>(st.ranges.size()));
    st.ranges.clear();
    if (st.local_specs.empty()) st.local_ref.clear();  // no map outputs: read as before
  }
  st.width_final = true;
}

std::optional<sql::ShuffleStats> SqlStageSource::shuffle_stats(int parent) const {
  if (!outputs_) return std::nullopt;
  auto ot = outputs_->find(parent);
  if (ot == outputs_->end() || ot->second.missing() > 0) return std::nullopt;
  sql::ShuffleStats ss;
  ss.bytes.assign(static_cast<size_t>(std::max(0, ot->second.num_reduce)), 0);
  ss.num_maps = static_cast<int>(ot->second.maps.size());
  for (const auto& m : ot->second.maps)
    for (size_t r = 0; r < ss.bytes.size() && r + 1 < m->offsets.size(); ++r) ss.bytes[r] += m->offsets[r + 1] - m->offsets[r];
  return ss;
}

int64_t SqlStageSource::input_estimate(int node) const {
  auto it = stages_.find(node);
  if (it == stages_.end()) return 0;
  int64_t n = 0;
  for (const auto& [ref, parts] : it->second.file_parts)
    for (const auto& part : parts)
      for (const auto& chunk : part) n += chunk.length;
  for (const auto& [ref, parts] : it->second.local_rows)
    for (const auto& part : parts)
      for (const auto& b : part) n += static_cast<int64_t>(b.size);
  std::function<void(const json&)> ranges = [&](const json& p) {  // spark.range: 8 bytes a row
    if (p.value("op", "") == "Range") {
      const int64_t step = p.value("step", int64_t{1});
      const int64_t span = p.value("end", int64_t{0}) / 2 - p.value("start", int64_t{0}) / 2;  // no overflow
      if (step != 0) n += std::clamp<int64_t>(span / step * 2, 0, int64_t{1} << 50) * 8;
    }
    if (p.contains("children"))
      for (const auto& c : p["children"]) ranges(c);
  };
  ranges(it->second.plan);
  for (int p : it->second.parents) n += input_estimate(p);
  return n;
}

// The early switch. Spark starts a join's two map stages together and re-plans once they ran:
// a side that turned out small becomes a broadcast join's build side and the other side's
// shuffle, already written, is read back by map output (the local reader). Here the stage's
// largest input that only scans waits for the others (shuffle_deps sorts it last,
// last_dep_waits holds it back): once they ran and are
// small enough, the join switches before the other side's map stage starts, and that map
// stage's fragment runs inside this stage's tasks instead — one task per partition of its
// input, exactly the tasks the local reader would have had, without writing or reading the
// shuffle. Only when the pending side is the local read (nothing above the join needs its
// partitioning, no other shuffle read) and its stage reads just files, local rows or
// broadcasts.
void SqlStageSource::inline_pending_side(const Stage& st) const {
  if (!st.may_adapt || st.width_final || !outputs_ || !st.aqe.enabled || !st.aqe.early_switch || !st.aqe.local_shuffle_reader)
    return;
  std::map<std::string, sql::ShuffleStats> stats;
  std::string pending;
  int pending_node = -1;
  for (const auto& [ref, parent] : st.shuffle_reads) {
    if (outputs_->find(parent) == outputs_->end()) {  // never submitted
      if (!pending.empty()) return;
      pending = ref;
      pending_node = parent;
      continue;
    }
    auto ss = shuffle_stats(parent);
    if (!ss) return;  // running, or lost outputs
    stats[ref] = std::move(*ss);
  }
  if (pending.empty() || stats.empty()) return;
  auto bt = stages_.find(pending_node);
  if (bt == stages_.end()) return;
  const Stage& b = bt->second;
  if (b.is_result || b.needs_bounds || b.samples_for >= 0 || !b.shuffle_reads.empty() || !b.cache_reads.empty() ||
      !b.rdd_reads.empty() || !b.ranges.empty())
    return;
  auto sw = sql::switch_to_broadcast_joins(st.root, stats, st.aqe, pending);
  if (!sw || sw->local != pending) return;
  // The pending stage's leaves keep their refs with the stage's node appended (unique here).
  const std::string suffix = "@" + std::to_string(b.node);
  json inner = b.plan;
  for (const char* key : {"sessionTimeZone", "pythonBatchRows"}) inner.erase(key);
  std::function<void(json&)> rename = [&](json& n) {
    const std::string op = n.value("op", "");
    if ((op == "LocalTableScan" || op == "FileScan") && n.contains("data") && n["data"].is_string()) {
      const std::string ref = n["data"].get<std::string>();
      if (b.file_parts.count(ref) || b.local_rows.count(ref)) n["data"] = ref + suffix;
    }
    if (n.contains("children"))
      for (auto& c : n["children"]) rename(c);
  };
  rename(inner);
  json plan = sql::physical_to_json(sw->root);
  for (const char* key : {"sessionTimeZone", "pythonBatchRows"})
    if (st.plan.contains(key)) plan[key] = st.plan[key];
  bool spliced = false;
  std::function<void(json&)> splice = [&](json& n) {
    if (n.value("op", "") == "LocalTableScan" && n.value("data", "") == pending) {
      json keep_output = n.value("output", json::array());
      n = inner;
      if (!n.contains("output")) n["output"] = std::move(keep_output);
      spliced = true;
      return;
    }
    if (n.contains("children"))
      for (auto& c : n["children"]) splice(c);
  };
  splice(plan);
  if (!spliced) return;
  // The stage's own state, changed where the DAG scheduler asks for its inputs (as settle_width
  // re-plans where it asks for its width).
  Stage& m = const_cast<Stage&>(st);
  m.plan = std::move(plan);
  m.whole_reads = sw->broadcast;
  m.switched_joins = sw->joins;
  m.inlined.insert(pending);
  m.shuffle_reads.erase(pending);
  for (const auto& [ref, parts] : b.file_parts) m.file_parts[ref + suffix] = parts;
  for (const auto& [ref, parts] : b.local_rows) m.local_rows[ref + suffix] = parts;
  for (const auto& [ref, parent] : b.broadcast_reads) m.broadcast_reads[ref] = parent;
  m.python_funcs.insert(b.python_funcs.begin(), b.python_funcs.end());
  m.parents.erase(std::remove(m.parents.begin(), m.parents.end(), b.node), m.parents.end());
  for (int p : b.parents)
    if (std::find(m.parents.begin(), m.parents.end(), p) == m.parents.end()) m.parents.push_back(p);
  m.num_partitions = b.num_partitions;
  m.may_adapt = false;
  m.may_coalesce = false;
  m.ranges.clear();
  m.width_final = true;
}

// Only an input inline_pending_side could take: the stage's own last shuffle read, whose stage
// just scans.
bool SqlStageSource::last_dep_waits(int node) const {
  auto it = stages_.find(node);
  if (it == stages_.end()) return false;
  const Stage& st = it->second;
  if (!st.may_adapt || st.width_final || !st.aqe.enabled || !st.aqe.early_switch || !st.aqe.local_shuffle_reader) return false;
  const std::vector<int> deps = shuffle_deps(node);  // may inline (then width_final)
  if (st.width_final || deps.size() < 2 || deps.size() != st.parents.size()) return false;  // no cache or RDD inputs
  const int last = deps.back();
  bool shuffled = false;
  for (const auto& [ref, parent] : st.shuffle_reads) shuffled |= parent == last;
  auto bt = stages_.find(last);
  if (!shuffled || bt == stages_.end()) return false;
  const Stage& b = bt->second;
  if (b.is_result || b.needs_bounds || b.samples_for >= 0 || !b.shuffle_reads.empty() || !b.cache_reads.empty() ||
      !b.rdd_reads.empty() || !b.ranges.empty() || st.aqe.broadcast_threshold < 0)
    return false;
  // Only if some join could stream it with the others tiny (a semi join's left side never
  // waits: its right side is the only possible build side).
  auto [streamable, fresh] = st.last_streamable.try_emplace(last, false);
  if (fresh) {
    std::map<std::string, sql::ShuffleStats> tiny;
    std::string pending;
    for (const auto& [ref, parent] : st.shuffle_reads) {
      if (parent == last) {
        pending = ref;
        continue;
      }
      auto pt = stages_.find(parent);
      sql::ShuffleStats ss;
      ss.bytes.assign(size_t(std::max(1, pt == stages_.end() ? 1 : pt->second.num_reduce)), 1);
      ss.num_maps = 1;
      tiny[ref] = std::move(ss);
    }
    auto sw = sql::switch_to_broadcast_joins(st.root, tiny, st.aqe, pending);
    streamable->second = sw && sw->local == pending;
  }
  if (!streamable->second) return false;
  // Once every other input will write more than a broadcast may hold (its finished map tasks'
  // bytes, scaled to all of its tasks), no join can switch: the last input need not wait for
  // the rest of them (the scheduler asks again as map tasks end).
  for (size_t i = 0; i + 1 < deps.size(); ++i) {
    if (!outputs_) return true;
    auto ot = outputs_->find(deps[i]);
    if (ot == outputs_->end()) return true;
    int64_t written = 0, done = 0;
    for (const auto& m : ot->second.maps)
      if (m && !m->offsets.empty()) {
        written += m->offsets[m->offsets.size() - 1];
        ++done;
      }
    if (done == 0 || written / done * static_cast<int64_t>(ot->second.maps.size()) <= st.aqe.broadcast_threshold) return true;
  }
  return false;
}

}  // namespace spp::driver
