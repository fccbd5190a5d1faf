// SqlStageSource: a prepared query's stages answering the DAG scheduler (see the header).
#include "driver/sql_stage_source.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <tuple>

#include "common/util.h"
#include "sql/columnar/serde.h"
#include "sql/exec/lower.h"
#include "sql/exec/range_partition.h"

namespace spp::driver {
using json = nlohmann::json;

namespace {

// One serialized batch's rows and message length from its header alone; false when the header
// does not hold together (the caller deserializes, which says what is wrong).
bool batch_extent(std::string_view s, int64_t& rows, size_t& len) {
  if (s.size() < sql::col::kBatchHeaderSize || std::memcmp(s.data(), sql::col::kBatchMagic, 4) != 0) return false;
  auto get32 = [&](size_t at) { uint32_t v; std::memcpy(&v, s.data() + at, 4); return uint64_t{v}; };
  auto get64 = [&](size_t at) { uint64_t v; std::memcpy(&v, s.data() + at, 8); return v; };
  auto pad8 = [](uint64_t n) { return (n + 7) & ~uint64_t{7}; };
  const uint64_t n_rows = get64(8), stored = get64(40);
  const uint64_t schema_len = get32(16), n_meta = get32(20) + get32(24);
  if (n_rows > INT32_MAX || stored > sql::col::kMaxBatchBody) return false;
  const uint64_t total = sql::col::kBatchHeaderSize + pad8(schema_len) + 16 * n_meta + pad8(stored);
  if (total > s.size()) return false;
  rows = static_cast<int64_t>(n_rows);
  len = static_cast<size_t>(total);
  return true;
}

// Cuts a stream of serialized batches into `parts` streams holding rows [i*n/parts,
// (i+1)*n/parts) each — the positions SparkContext.parallelize gives partition i. Batches that
// fall wholly inside one part are not copied: the part names them as a slice of `stream` (whole
// batches of one part are adjacent); only a batch a cut goes through is decoded, sliced and
// encoded again (a string of its own). Each part is a list of SPB1 streams, one at least.
Result<std::vector<std::vector<BlobSlice>>> cut_rows(const std::shared_ptr<const std::string>& stream, int parts) {
  using R = Result<std::vector<std::vector<BlobSlice>>>;
  struct Msg {
    size_t at, len;
    int64_t rows;
  };
  std::vector<Msg> msgs;
  int64_t total = 0;
  const std::string_view all = stream ? std::string_view(*stream) : std::string_view();
  for (size_t at = 0; at < all.size();) {
    const std::string_view rest = all.substr(at);
    int64_t rows = 0;
    size_t len = 0;
    if (!batch_extent(rest, rows, len)) {  // decode it to say what is wrong
      auto b = sql::col::deserialize(rest, &len);
      if (!b) return R::error("createDataFrame data: " + b.error_message());
      rows = b.value().num_rows;
    }
    msgs.push_back({at, len, rows});
    total += rows;
    at += len;
  }
  std::vector<std::vector<BlobSlice>> out;
  int64_t row0 = 0;  // first global row of msgs[mi]
  size_t mi = 0;
  std::optional<sql::col::Batch> decoded;  // msgs[decoded_of], when a cut went through it
  size_t decoded_of = SIZE_MAX;
  for (int i = 0; i < parts; ++i) {
    const int64_t lo = static_cast<int64_t>(static_cast<__int128>(i) * total / parts);
    const int64_t hi = static_cast<int64_t>(static_cast<__int128>(i + 1) * total / parts);
    std::vector<BlobSlice> part;
    for (int64_t at = lo; at < hi;) {
      while (mi < msgs.size() && row0 + msgs[mi].rows <= at) row0 += msgs[mi++].rows;
      const Msg& m = msgs[mi];
      const int64_t from = at - row0, take = std::min(hi, row0 + m.rows) - at;
      at += take;
      if (from == 0 && take == m.rows) {
        BlobSlice* last = part.empty() ? nullptr : &part.back();
        if (last && last->owner == stream && last->offset + last->size == m.at)
          last->size += m.len;  // adjacent whole batches: one slice
        else
          part.emplace_back(stream, m.at, m.len);
        continue;
      }
      if (decoded_of != mi) {
        auto b = sql::col::deserialize(all.substr(m.at, m.len));
        if (!b) return R::error("createDataFrame data: " + b.error_message());
        decoded = std::move(b.value());
        decoded_of = mi;
      }
      auto s = std::make_shared<std::string>();
      sql::col::serialize(sql::col::slice(*decoded, from, take), *s);
      part.emplace_back(std::move(s));
    }
    if (part.empty()) part.emplace_back(std::make_shared<const std::string>());
    out.push_back(std::move(part));
  }
  return out;
}

int parse_ref(const std::string& ref, const std::string& prefix) {
  return std::stoi(ref.substr(prefix.size()));
}

// The narrowest Coalesce in a stage's fragment, or 0 without one.
int coalesce_width(const json& n) {
  int w = n.value("op", "") == "Coalesce" ? std::max<int>(1, n.value("n", 1)) : 0;
  if (n.contains("children"))
    for (const auto& c : n["children"])
      if (int cw = coalesce_width(c); cw > 0) w = w > 0 ? std::min(w, cw) : cw;
  return w;
}

// A coalesced stage's Range leaves are cut into its task count: slice i of n is the union of
// the original slices task i groups.
void set_range_slices(json& n, int slices) {
  if (n.value("op", "") == "Range") n["numPartitions"] = slices;
  if (n.contains("children"))
    for (auto& c : n["children"]) set_range_slices(c, slices);
}

}  // namespace

Result<int> SqlStageSource::add(const sql::PreparedQuery& q, int default_parallelism, const FileSplitter& files,
                                const sql::AqeSettings& aqe) {
  std::vector<int> node_of;  // stage index -> node
  for (size_t i = 0; i < q.stages.size(); ++i) node_of.push_back(next_node_ + static_cast<int>(i));
  std::vector<Stage> built;
  for (const auto& f : q.stages) {
    Stage st;
    st.node = node_of[static_cast<size_t>(f.id)];
    st.result_node = node_of.back();
    st.is_result = f.is_result;
    json fj = f.to_json();
    st.plan = fj["plan"];
    st.plan["sessionTimeZone"] = q.session_time_zone;  // read by the executor's EvalContext
    st.plan["pythonBatchRows"] = q.python_batch_rows;  // spark.sql.execution.arrow.maxRecordsPerBatch
    sql::collect_python_funcs(f.root, st.python_funcs);
    for (int p : f.parents) st.parents.push_back(node_of[static_cast<size_t>(p)]);
    if (!f.is_result) {
      st.partitioning = fj["output"];
      st.num_reduce = std::max(1, f.output.num);
      st.needs_bounds = st.partitioning.value("kind", "") == "rangepartitioning" && st.num_reduce > 1;
      st.coalescible = fj.value("coalescible", false);
    }
    // Partitions: the widest input (shuffle reads, Range slices, local rows cut
    // default_parallelism ways as parallelize does).
    int from_shuffle = 0, from_leaves = 0;
    int local_id = 0;
    // The fragment's local rows: its LocalTableScans' batch streams, by the ref physical_to_json
    // writes ("inline:@<address>"), and the task input id each becomes.
    std::map<std::string, std::shared_ptr<const std::string>> inline_of;
    std::function<void(const sql::PhysPtr&)> find_inline = [&](const sql::PhysPtr& p) {
      if (p->kind == sql::PhysKind::LocalTableScan && p->inline_data)
        inline_of["inline:@" + std::to_string(reinterpret_cast<uintptr_t>(p->inline_data.get()))] = p->inline_data;
      for (const auto& c : p->children) find_inline(c);
    };
    find_inline(f.root);
    std::vector<std::pair<std::string, std::shared_ptr<const std::string>>> local_data;  // new ref -> batch stream
    Status bad = Status::ok();
    std::function<void(json&)> walk = [&](json& n) {
      const std::string op = n.value("op", "");
      if (op == "LocalTableScan") {
        std::string ref = n.value("data", "");
        if (starts_with(ref, "shuffle:")) {
          int parent = node_of.at(static_cast<size_t>(parse_ref(ref, "shuffle:")));
          st.shuffle_reads[ref] = parent;
        } else if (starts_with(ref, "broadcast:")) {
          st.broadcast_reads[ref] = node_of.at(static_cast<size_t>(parse_ref(ref, "broadcast:")));
        } else if (starts_with(ref, "inline:") || starts_with(ref, "session:")) {
          std::string id = "local:" + std::to_string(local_id++);
          std::shared_ptr<const std::string> rows;
          if (starts_with(ref, "inline:")) {
            auto it = inline_of.find(ref);
            if (it == inline_of.end()) {
              if (bad) bad = Status::error("local rows '" + ref + "' are not in the stage's plan");
            } else {
              rows = it->second;
            }
          }
          local_data.emplace_back(id, std::move(rows));
          n["data"] = id;
          from_leaves = std::max(from_leaves, default_parallelism);
        } else if (starts_with(ref, "rdd:")) {
          const RddNode* rn = rdds_ ? rdds_->node(parse_ref(ref, "rdd:")) : nullptr;
          if (!rn) {
            if (bad) bad = Status::error("this DataFrame scans RDD " + ref.substr(4) + ", which the driver does not know");
          } else {
            st.rdd_reads[ref] = rn->id;
            from_leaves = std::max(from_leaves, rn->num_partitions);
          }
        } else if (ref == "one_row" || ref == "empty") {  // empty: a relation the optimizer proved empty
          from_leaves = std::max(from_leaves, 1);
        } else if (ref == "values") {  // LocalTableScanExec: min(rows, defaultParallelism) slices
          const size_t width = std::max<size_t>(1, n.value("output", json::array()).size());
          const int rows = static_cast<int>(n.value("exprs", json::array()).size() / width);
          from_leaves = std::max(from_leaves, std::min(std::max(rows, 1), std::max(default_parallelism, 1)));
        } else if (bad) {
          bad = Status::error("this DataFrame reads '" + ref.substr(0, ref.find(':')) +
                              "' data, which the native engine cannot scan yet");
        }
      } else if (op == "FileScan") {
        const std::string id = "file:" + std::to_string(local_id++);
        if (!files) {
          if (bad) bad = Status::error("reading files needs a driver");
        } else if (bad) {
          auto parts = files(n);
          if (!parts) {
            bad = Status::error(parts.error_message());
          } else {
            from_leaves = std::max(from_leaves, static_cast<int>(parts.value().size()));
            st.file_parts[id] = std::move(parts.value());
          }
        }
        n["data"] = id;
      } else if (op == "InMemoryTableScan") {
        const std::string ref = n.value("data", "");
        const int id = starts_with(ref, "cache:") ? parse_ref(ref, "cache:") : -1;
        auto c = caches_.find(id);
        if (c == caches_.end()) {
          if (bad) bad = Status::error("cached data '" + ref + "' has no stages");
        } else {
          st.cache_reads[ref] = id;
          from_leaves = std::max(from_leaves, width(stages_.at(c->second.result_node)));
        }
      } else if (op == "Range") {
        int np = n.value("numPartitions", -1);
        from_leaves = std::max(from_leaves, np > 0 ? np : default_parallelism);
      }
      if (n.contains("children"))
        for (auto& c : n["children"]) walk(c);
    };
    walk(st.plan);
    if (!bad) return Result<int>::error(bad.message());
    // Only a stage whose every leaf is a shuffle or broadcast read may coalesce (Spark: all
    // leaves are query stages), and only if every shuffle it reads allows it.
    st.aqe = aqe;
    st.root = f.root;
    st.may_coalesce = aqe.enabled && aqe.coalesce && from_leaves == 0 && !st.shuffle_reads.empty();
    st.may_adapt = aqe.enabled && from_leaves == 0 && !st.shuffle_reads.empty();
    for (const auto& [ref, parent] : st.shuffle_reads) {
      // The producing stage was built before this one (stages come leaves first).
      for (const auto& b : built)
        if (b.node == parent) {
          from_shuffle = std::max(from_shuffle, b.num_reduce);
          st.may_coalesce = st.may_coalesce && b.coalescible;
          st.may_adapt = st.may_adapt && b.coalescible;
        }
    }
    // The widest input decides; a narrower one has nothing for the partitions past its own
    // (a union of a 3-slice range and a 2-partition shuffle computes all 3 slices).
    st.num_partitions = std::max({1, from_shuffle, from_leaves});
    // df.coalesce(n) (CoalesceExec): n tasks, each reading a contiguous group of the stage's
    // partitions without a shuffle — the groups CoalescedRDD makes without locality.
    if (const int n = coalesce_width(st.plan); n > 0 && n < st.num_partitions) {
      st.may_coalesce = false;
      st.may_adapt = false;
      st.width_final = true;
      for (int i = 0; i < n; ++i)
        st.ranges.emplace_back(static_cast<int>(int64_t{i} * st.num_partitions / n),
                               static_cast<int>(int64_t{i + 1} * st.num_partitions / n));
      set_range_slices(st.plan, n);
    }
    for (const auto& [id, rows] : local_data) {
      auto parts = cut_rows(rows, st.num_partitions);
      if (!parts) return Result<int>::error(parts.error_message());
      st.local_rows[id] = std::move(parts.value());
    }
    built.push_back(std::move(st));
  }
  for (auto& st : built) stages_[st.node] = std::move(st);
  next_node_ += static_cast<int>(q.stages.size());
  return node_of.back();
}

void SqlStageSource::add_cache(int cache_id, int result_node, int block_id, json level) {
  caches_[cache_id] = Cache{result_node, block_id, std::move(level)};
}

int SqlStageSource::drop_cache(int cache_id, std::vector<int>* shuffles) {
  auto c = caches_.find(cache_id);
  if (c == caches_.end()) return -1;
  const int block = c->second.block_id;
  auto gone = remove(c->second.result_node);
  if (shuffles) *shuffles = std::move(gone);
  caches_.erase(c);
  return block;
}

bool SqlStageSource::is_cache_block(int block_id) const {
  return std::any_of(caches_.begin(), caches_.end(), [&](const auto& c) { return c.second.block_id == block_id; });
}

std::set<int> SqlStageSource::result_nodes_of(int result_node) const {
  std::set<int> out{result_node};
  std::vector<int> todo{result_node};
  while (!todo.empty()) {
    const int r = todo.back();
    todo.pop_back();
    for (const auto& [node, st] : stages_)
      if (st.result_node == r)
        for (const auto& [ref, id] : st.cache_reads)
          if (auto c = caches_.find(id); c != caches_.end() && out.insert(c->second.result_node).second)
            todo.push_back(c->second.result_node);
  }
  return out;
}

std::vector<std::string> SqlStageSource::preferred_executors(int node, int partition) const {
  std::vector<std::string> out;
  auto it = stages_.find(node);
  if (it == stages_.end() || !locate_) return out;
  if (static_cast<size_t>(partition) < it->second.ranges.size()) partition = it->second.ranges[static_cast<size_t>(partition)].first;
  for (const auto& [ref, id] : it->second.cache_reads)
    if (auto c = caches_.find(id); c != caches_.end())
      for (auto& e : locate_(c->second.block_id, partition)) out.push_back(std::move(e));
  return out;
}

sql::AqeDecisions SqlStageSource::aqe_decisions(int result_node) const {
  sql::AqeDecisions d;
  for (const auto& [node, st] : stages_) {
    if (st.result_node != result_node || st.samples_for >= 0 || !st.root) continue;
    d.joins.insert(st.switched_joins.begin(), st.switched_joins.end());
    std::function<void(const sql::PhysPtr&)> walk = [&](const sql::PhysPtr& p) {
      const std::string& ref = p->data_ref;
      if (p->kind == sql::PhysKind::LocalTableScan && starts_with(ref, "shuffle:") && p->node_id >= 0) {
        if (st.inlined.count(ref))
          d.reads[p->node_id] = "inlined";
        else if (st.whole_reads.count(ref) || (ref == st.local_ref && !st.local_specs.empty()))
          d.reads[p->node_id] = "local";
        else if (st.may_coalesce && !st.ranges.empty())
          d.reads[p->node_id] = "coalesced";
      }
      for (const auto& c : p->children) walk(c);
    };
    walk(st.root);
  }
  return d;
}

std::vector<int> SqlStageSource::remove(int result_node) {
  std::vector<int> shuffles;
  for (auto it = stages_.begin(); it != stages_.end();) {
    if (it->second.result_node != result_node) {
      ++it;
      continue;
    }
    if (!it->second.is_result) shuffles.push_back(it->first);
    it = stages_.erase(it);
  }
  return shuffles;
}

int SqlStageSource::next_range_to_sample(int result_node) const {
  const std::set<int> results = result_nodes_of(result_node);  // a cached sort needs its bounds too
  for (const auto& [node, st] : stages_)  // node order = leaves first
    if (results.count(st.result_node) && st.needs_bounds && !st.bounds) return node;
  return -1;
}

int SqlStageSource::add_range_sampler(int map_node, int points) {
  Stage s = stages_.at(map_node);
  s.node = next_node_++;
  s.is_result = true;
  s.needs_bounds = false;
  s.samples_for = map_node;
  // The sample size per partition depends on how many partitions there are: decided (with
  // coalescing) when the sampling job's stage starts, see sample_size.
  s.partitioning["sample"] = {{"reduce", s.num_reduce}, {"shift", map_node - kSqlNodeBase}, {"points", points}};
  s.num_reduce = 1;
  const int node = s.node;
  stages_[node] = std::move(s);
  return node;
}

Result<std::vector<int>> SqlStageSource::take_range_samples(int sampler_node,
                                                            const std::vector<std::vector<std::string>>& results) {
  using R = Result<std::vector<int>>;
  namespace ex = sql::exec;
  auto it = stages_.find(sampler_node);
  if (it == stages_.end() || it->second.samples_for < 0) return R::error("unknown range sampler stage");
  Stage& sampler = it->second;
  Stage& st = stages_.at(sampler.samples_for);
  std::vector<ex::RangeSample> samples;
  for (const auto& blobs : results) {
    std::string stream;
    for (const auto& b : blobs) stream += b;
    auto s = ex::decode_range_sample(stream);
    if (!s) return R::error(s.error_message());
    samples.push_back(std::move(s.value()));
  }
  std::vector<ex::RangeSample> candidates;
  if (sampler.resample_seeds.empty()) {  // the sketch job: every partition's reservoir sample
    const auto& spec = sampler.partitioning["sample"];
    const auto plan = ex::range_resample(samples, st.num_reduce, spec.value("points", 100), sample_size(sampler));
    if (!plan.partitions.empty()) {
      // RDD.sample(false, fraction, byteswap32(-id - 1)) over just those partitions.
      const int shift = sampler.samples_for - kSqlNodeBase;
      const int64_t seed = int32_t(ex::byteswap32(static_cast<uint32_t>(-shift - 1)));
      const auto seeds = ex::java_random_longs(seed, static_cast<int>(plan.partitions.size()));
      for (size_t i = 0; i < plan.partitions.size(); ++i) sampler.resample_seeds[plan.partitions[i]] = seeds[i];
      sampler.fraction = plan.fraction;
      for (size_t p = 0; p < samples.size(); ++p)
        if (!sampler.resample_seeds.count(static_cast<int>(p))) sampler.kept.push_back(std::move(samples[p]));
      return plan.partitions;
    }
    candidates = std::move(samples);
  } else {  // the re-sampling job: Bernoulli samples of the heavy partitions, each key 1/fraction
    candidates = std::move(sampler.kept);
    for (auto& s : samples) {
      s.weight = 1.0 / sampler.fraction;
      candidates.push_back(std::move(s));
    }
  }
  auto part = ex::lower_partitioning(st.partitioning, st.plan.value("output", json::array()));
  if (!part) return R::error(part.error_message());
  st.bounds = std::make_shared<std::string>(ex::encode_range_bounds(ex::range_bounds(candidates, part.value().orders, st.num_reduce)));
  stages_.erase(it);
  return std::vector<int>{};
}

int SqlStageSource::num_partitions(int node) const {
  auto it = stages_.find(node);
  return it == stages_.end() ? -1 : width(it->second);
}

int SqlStageSource::width(const Stage& st) const {
  settle_width(st);
  if (!st.local_specs.empty()) return static_cast<int>(st.local_specs.size());
  return st.ranges.empty() ? st.num_partitions : static_cast<int>(st.ranges.size());
}

int64_t SqlStageSource::sample_size(const Stage& sampler) const {
  const auto& spec = sampler.partitioning["sample"];
  return sql::exec::range_sample_size(spec.value("reduce", 1), width(sampler), spec.value("points", 100));
}

std::vector<int> SqlStageSource::shuffle_deps(int node) const {
  auto it = stages_.find(node);
  if (it == stages_.end()) return {};
  inline_pending_side(it->second);
  std::vector<int> deps = it->second.parents;
  // A stage that may switch its joins at run time runs its smaller inputs first (the early
  // switch, inline_pending_side). The DAG scheduler runs them in this order.
  if (it->second.may_adapt && !it->second.width_final && it->second.aqe.early_switch) {
    std::map<int, int64_t> est;
    for (int d : deps) est[d] = input_estimate(d);
    std::stable_sort(deps.begin(), deps.end(), [&](int a, int b) { return est[a] < est[b]; });
  }
  // A cached partition missing from an executor is computed by the cached result stage's task,
  // in this stage: its shuffles come first (complete ones are skipped).
  for (const auto& [ref, id] : it->second.cache_reads)
    if (auto c = caches_.find(id); c != caches_.end())
      for (int d : shuffle_deps(c->second.result_node))
        if (std::find(deps.begin(), deps.end(), d) == deps.end()) deps.push_back(d);
  // A scanned Python RDD is computed inside this stage's tasks: the shuffles it reads come first.
  for (const auto& [ref, rdd] : it->second.rdd_reads)
    for (int d : rdds_->shuffle_deps(rdd))
      if (std::find(deps.begin(), deps.end(), d) == deps.end()) deps.push_back(d);
  return deps;
}

scheduler::ShuffleDep SqlStageSource::shuffle(int shuffle_id) const {
  auto it = stages_.find(shuffle_id);
  if (it == stages_.end()) return {};
  return {shuffle_id, it->second.num_reduce};
}

std::string SqlStageSource::describe(int node) const {
  auto it = stages_.find(node);
  if (it == stages_.end()) return "SQL stage";
  if (it->second.samples_for >= 0) return "Exchange " + std::to_string(it->second.samples_for - kSqlNodeBase) + " range sample";
  return it->second.is_result ? "SQL result" : "Exchange " + std::to_string(node - kSqlNodeBase);
}

Result<std::shared_ptr<const scheduler::TaskBody>> SqlStageSource::build_task(int node, int partition,
                                                                              const MapOutputTracker& outputs) const {
  using R = Result<std::shared_ptr<const scheduler::TaskBody>>;
  auto it = stages_.find(node);
  if (it == stages_.end()) return R::error("unknown SQL stage " + std::to_string(node));
  const Stage& st = it->second;
  settle_width(st);  // AQE's decisions (its plan may change) come before the task's fragment
  if (st.needs_bounds && !st.bounds)  // the driver runs the sampling job first (run_sql_job)
    return R::error(describe(node) + " has no range bounds: its sampling job has not run");
  auto body = std::make_shared<SqlTaskBody>();
  body->is_map = !st.is_result;
  body->funcs = st.python_funcs;
  plan::NativeOp op;
  op.fragment = st.plan;
  op.partitioning = st.is_result && st.samples_for < 0 ? json() : st.partitioning;
  if (auto seed = st.resample_seeds.find(partition); seed != st.resample_seeds.end())
    op.partitioning["sample"] = {{"fraction", st.fraction}, {"seed", seed->second}};
  else if (st.samples_for >= 0)
    op.partitioning["sample"]["size"] = sample_size(st);
  if (st.bounds) {  // a range exchange's map task: its bounds ride as one blob
    op.partitioning["bounds"] = "range:bounds";
    op.inputs.push_back({"range:bounds", plan::BlobsSource{static_cast<int>(body->blobs.size()), 1}});
    body->blobs.emplace_back(st.bounds);
  }
  op.partition = partition;
  op.num_partitions = width(st);
  // A shuffle read takes this partition's segment of every map output — with coalescing, the
  // segments of reduce partitions [lo, hi), which lie next to each other in each map's file; a
  // broadcast read takes everything the producing stage wrote (one reduce partition).
  // A local read (AQE's switched join, `local_specs`) takes maps [map_lo, map_hi) only.
  auto reads = [&](const std::string& ref, int parent, int lo, int hi, int map_lo = 0, int map_hi = -1) -> Status {
    auto ot = outputs.find(parent);
    if (ot == outputs.end() || ot->second.missing() > 0)
      return Status::error("shuffle " + std::to_string(parent) + " has missing map outputs");
    plan::ShuffleSource sh{parent, lo, {}};
    hi = std::min(hi, ot->second.num_reduce);  // a narrower shuffle than the stage: no rows here
    const size_t maps_end = map_hi < 0 ? ot->second.maps.size() : std::min<size_t>(static_cast<size_t>(map_hi), ot->second.maps.size());
    for (size_t m = static_cast<size_t>(map_lo); lo < hi && m < maps_end; ++m) {
      const auto& ms = *ot->second.maps[m];
      if (static_cast<size_t>(hi) >= ms.offsets.size()) return Status::error("map output index too short");
      int64_t off = ms.offsets[static_cast<size_t>(lo)], len = ms.offsets[static_cast<size_t>(hi)] - off;
      if (len > 0) sh.blocks.push_back({static_cast<int>(m), ms.exec_id, ms.host, ms.port, ms.path, off, len});
    }
    op.inputs.push_back({ref, std::move(sh)});
    return Status::ok();
  };
  int lo = partition, hi = partition + 1;
  if (!st.ranges.empty()) {
    if (static_cast<size_t>(partition) >= st.ranges.size()) return R::error(describe(node) + ": no partition " + std::to_string(partition));
    std::tie(lo, hi) = st.ranges[static_cast<size_t>(partition)];
  }
  if (!st.local_specs.empty() && static_cast<size_t>(partition) >= st.local_specs.size())
    return R::error(describe(node) + ": no partition " + std::to_string(partition));
  for (const auto& [ref, parent] : st.shuffle_reads) {
    Status s = Status::ok();
    if (st.whole_reads.count(ref)) {
      s = reads(ref, parent, 0, std::numeric_limits<int>::max());  // clamped to its width
    } else if (ref == st.local_ref && !st.local_specs.empty()) {
      const auto& spec = st.local_specs[static_cast<size_t>(partition)];
      s = reads(ref, parent, spec.lo, spec.hi, spec.map_lo, spec.map_hi);
    } else {
      s = reads(ref, parent, lo, hi);
    }
    if (!s) return R::error(s.message());
  }
  for (const auto& [ref, parent] : st.broadcast_reads)
    if (Status s = reads(ref, parent, 0, 1); !s) return R::error(s.message());
  // Leaves other than shuffles take partitions [lo, hi) too: one unless coalesced (AQE only
  // coalesces stages that read nothing but shuffles).
  for (const auto& [ref, parts] : st.file_parts)
    for (int p = lo; p < hi && static_cast<size_t>(p) < parts.size(); ++p)
      for (const auto& chunk : parts[static_cast<size_t>(p)]) op.inputs.push_back({ref, chunk});
  for (const auto& [ref, parts] : st.local_rows) {
    const int first = static_cast<int>(body->blobs.size());
    for (int p = lo; p < hi && static_cast<size_t>(p) < parts.size(); ++p)
      body->blobs.insert(body->blobs.end(), parts[static_cast<size_t>(p)].begin(), parts[static_cast<size_t>(p)].end());
    op.inputs.push_back({ref, plan::BlobsSource{first, static_cast<int>(body->blobs.size()) - first}});
  }
  for (const auto& [ref, id] : st.cache_reads)
    for (int p = lo; p < hi; ++p)
      if (Status s = cache_input(op, *body, ref, id, p, outputs); !s) return R::error(s.message());
  for (const auto& [ref, rdd] : st.rdd_reads)
    for (int p = lo; p < hi; ++p)
      if (Status s = rdd_input(op, *body, ref, rdd, p, outputs); !s) return R::error(s.message());
  body->plan = plan::make(std::move(op));
  return std::shared_ptr<const scheduler::TaskBody>(std::move(body));
}

// A cached DataFrame's partition (InMemoryTableScan): read from the block manager, or computed
// by the cached plan's own task (embedded) and stored.
Status SqlStageSource::cache_input(plan::NativeOp& op, SqlTaskBody& body, const std::string& ref, int id, int partition,
                                   const MapOutputTracker& outputs) const {
  auto c = caches_.find(id);
  if (c == caches_.end()) return Status::error("cached data " + ref + " was unpersisted");
  if (partition >= width(stages_.at(c->second.result_node))) return Status::ok();  // a narrower input: no rows here
  auto sub = build_task(c->second.result_node, partition, outputs);
  if (!sub) return Status::error(sub.error_message());
  const auto& sb = static_cast<const SqlTaskBody&>(*sub.value());
  plan::NativeOp compute = std::get<plan::NativeOp>(sb.plan->op);
  const int base = static_cast<int>(body.blobs.size());  // its blobs follow this task's
  for (auto& in : compute.inputs)
    if (auto* b = std::get_if<plan::BlobsSource>(&in.source)) b->first += base;
  body.blobs.insert(body.blobs.end(), sb.blobs.begin(), sb.blobs.end());
  body.funcs.insert(sb.funcs.begin(), sb.funcs.end());
  op.inputs.push_back({ref, plan::BlockSource{c->second.block_id, partition, c->second.level, plan::make(std::move(compute))}});
  return Status::ok();
}

// A scanned Python RDD's partition (Scan ExistingRDD): its lineage runs inside the task.
Status SqlStageSource::rdd_input(plan::NativeOp& op, SqlTaskBody& body, const std::string& ref, int rdd, int partition,
                                 const MapOutputTracker& outputs) const {
  const RddNode* rn = rdds_->node(rdd);
  if (!rn) return Status::error("RDD " + std::to_string(rdd) + " is no longer defined");
  if (partition >= rn->num_partitions) return Status::ok();  // a narrower input: no rows here
  auto payload = rdds_->build_task(rdd, partition, outputs);
  if (!payload) return Status::error(payload.error_message());
  auto compute = plan::decode(payload.value().plan);
  if (!compute) return Status::error(compute.error_message());
  // Its input blobs follow this task's; the sub-task sees just those, numbered from 0.
  plan::ComputeSource src{compute.value(), static_cast<int>(body.blobs.size()),
                          static_cast<int>(payload.value().input_blobs.size())};
  for (const auto& b : payload.value().input_blobs) body.blobs.emplace_back(b);
  for (int64_t fid : payload.value().funcs)
    if (auto f = rdds_->func_blob(fid)) body.funcs[fid] = f;
  for (int64_t b : payload.value().broadcasts) body.broadcasts.push_back(b);
  op.inputs.push_back({ref, std::move(src)});
  return Status::ok();
}

}  // namespace spp::driver
