// RddGraph: node validation and task-plan construction.
#include "driver/rdd_graph.h"

#include "driver/sql_stage_source.h"  // SqlTaskBody (sql RDDs)

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>

#include "common/task_plan.h"

namespace spp::driver {

namespace {
// union of co-partitioned parents (args.partitioner_aware): partition i reads partition i of each.
bool partitioner_aware(const RddNode& n) {
  return n.args.is_object() && n.args.value("partitioner_aware", false);
}

Status args_paths(const json& args, std::vector<std::string>& paths, int& min_partitions) {
  if (!args.is_object() || !args.contains("paths") || !args["paths"].is_array())
    return Status::error("args.paths must be a list of paths");
  for (const auto& p : args["paths"]) {
    if (!p.is_string()) return Status::error("args.paths must hold strings");
    paths.push_back(p.get<std::string>());
  }
  min_partitions = args.value("min_partitions", 2);
  if (min_partitions < 1) min_partitions = 1;
  return Status::ok();
}
}  // namespace

Result<int> RddGraph::define(const msg::PyDefineRdd& m, std::vector<std::string>&& blobs) {
  using R = Result<int>;
  if (nodes_.count(m.id)) return R::error("RDD " + std::to_string(m.id) + " is already defined");
  for (int p : m.parents)
    if (!nodes_.count(p)) return R::error("RDD " + std::to_string(m.id) + " refers to unknown parent " + std::to_string(p));
  RddNode n;
  n.id = m.id;
  n.kind = m.kind;
  n.parents = m.parents;
  n.args = m.args;
  auto need_parents = [&](size_t k) -> Status {
    if (m.parents.size() != k)
      return Status::error(m.kind + " needs " + std::to_string(k) + " parent(s), got " + std::to_string(m.parents.size()));
    return Status::ok();
  };
  if (m.kind == "parallelize") {
    if (!m.parents.empty()) return R::error("parallelize takes no parents");
    if (m.num_partitions < 0) return R::error("negative partition count");
    const json& b = m.args.is_object() ? m.args.value("batches", json()) : json();
    if (!b.is_array() || static_cast<int>(b.size()) != m.num_partitions)
      return R::error("args.batches must list a batch count per partition");
    size_t total = 0;
    for (const auto& c : b) {
      if (!c.is_number_integer() || c.get<int>() < 0) return R::error("bad batch count");
      n.batch_start.push_back(static_cast<int>(total));
      n.batch_count.push_back(c.get<int>());
      total += c.get<size_t>();
    }
    if (total != blobs.size())
      return R::error("parallelize declared " + std::to_string(total) + " batches but sent " + std::to_string(blobs.size()));
    for (auto& s : blobs) n.blobs.push_back(std::make_shared<const std::string>(std::move(s)));
    n.num_partitions = m.num_partitions;
  } else if (m.kind == "text_file" || m.kind == "whole_text_files") {
    std::vector<std::string> paths;
    int minp = 2;
    Status st = args_paths(m.args, paths, minp);
    if (!st) return R::error(st.message());
    auto files = list_input_files(paths);
    if (!files) return R::error(files.error_message());
    if (m.kind == "text_file") {
      n.text_splits = compute_text_splits(*files, minp);
      n.num_partitions = static_cast<int>(n.text_splits.size());
    } else {
      n.file_groups = group_whole_files(*files, minp);
      n.num_partitions = static_cast<int>(n.file_groups.size());
    }
  } else if (m.kind == "pickle_file") {  // sc.pickleFile: one partition per part file
    std::vector<std::string> paths;
    int minp = 2;
    Status st = args_paths(m.args, paths, minp);
    if (!st) return R::error(st.message());
    auto files = list_input_files(paths);
    if (!files) return R::error(files.error_message());
    for (const auto& f : *files) n.checkpoint_files.push_back(f.path);
    n.num_partitions = static_cast<int>(n.checkpoint_files.size());
  } else if (m.kind == "python") {
    if (Status st = need_parents(1); !st) return R::error(st.message());
    if (blobs.size() != 1) return R::error("python node needs exactly one function blob");
    n.func = std::make_shared<const std::string>(std::move(blobs[0]));
    n.num_partitions = nodes_.at(m.parents[0]).num_partitions;
    if (m.args.is_object() && m.args.contains("broadcasts")) {
      if (!m.args["broadcasts"].is_array()) return R::error("args.broadcasts must be a list of ids");
      for (const auto& b : m.args["broadcasts"]) {
        if (!b.is_number_integer()) return R::error("args.broadcasts must be a list of ids");
        n.broadcasts.push_back(b.get<int64_t>());
      }
    }
  } else if (m.kind == "union") {
    if (m.parents.empty()) return R::error("union needs parents");
    if (partitioner_aware(n)) {  // Spark's PartitionerAwareUnionRDD: partition i of every parent
      n.num_partitions = nodes_.at(m.parents[0]).num_partitions;
      for (int p : m.parents)
        if (nodes_.at(p).num_partitions != n.num_partitions)
          return R::error("a partitioner-aware union needs parents with equal partition counts");
    } else {
      for (int p : m.parents) n.num_partitions += nodes_.at(p).num_partitions;
    }
  } else if (m.kind == "coalesce") {
    if (Status st = need_parents(1); !st) return R::error(st.message());
    int parent_n = nodes_.at(m.parents[0]).num_partitions;
    int k = std::min(m.num_partitions, parent_n);
    if (m.num_partitions < 1) return R::error("coalesce needs at least one partition");
    for (int i = 0; i < k; ++i) {
      std::vector<int> g;
      int64_t lo = static_cast<int64_t>(i) * parent_n / k, hi = static_cast<int64_t>(i + 1) * parent_n / k;
      for (int64_t q = lo; q < hi; ++q) g.push_back(static_cast<int>(q));
      n.coalesce_groups.push_back(std::move(g));
    }
    n.num_partitions = k;
  } else if (m.kind == "zip") {
    if (Status st = need_parents(2); !st) return R::error(st.message());
    int a = nodes_.at(m.parents[0]).num_partitions, b = nodes_.at(m.parents[1]).num_partitions;
    if (a != b) return R::error("Can only zip RDDs with same number of partitions (" + std::to_string(a) + " vs " + std::to_string(b) + ")");
    n.num_partitions = a;
  } else if (m.kind == "sql") {  // df.rdd: the driver registered the query (Driver::define_rdd)
    if (!m.parents.empty()) return R::error("a sql RDD takes no parents");
    const int q = m.args.is_object() ? m.args.value("sql_node", -1) : -1;
    n.num_partitions = sql_ && q >= 0 ? sql_->num_partitions(q) : -1;
    if (n.num_partitions < 1) return R::error("a sql RDD needs the result stage of a registered query");
  } else if (m.kind == "shuffled") {
    if (Status st = need_parents(1); !st) return R::error(st.message());
    if (m.num_partitions < 1) return R::error("a shuffle needs at least one partition");
    n.num_partitions = m.num_partitions;
  } else {
    return R::error("unsupported RDD kind '" + m.kind + "'");
  }
  int np = n.num_partitions;
  nodes_.emplace(m.id, std::move(n));
  return np;
}

const RddNode* RddGraph::node(int id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : &it->second;
}

std::shared_ptr<const std::string> RddGraph::func_blob(int64_t fid) const {
  const RddNode* n = node(static_cast<int>(fid));
  return n ? n->func : nullptr;
}

Status RddGraph::set_persist(int rdd, const json& level) {
  auto it = nodes_.find(rdd);
  if (it == nodes_.end()) return Status::error("unknown RDD " + std::to_string(rdd));
  if (!level.is_null() && (!level.is_object() || !level.contains("use_memory") || !level.contains("use_disk")))
    return Status::error("malformed storage level");
  it->second.persist = level;
  return Status::ok();
}

bool RddGraph::forget(int rdd) {
  auto it = nodes_.find(rdd);
  if (it == nodes_.end()) return false;
  const bool shuffle = it->second.kind == "shuffled";
  nodes_.erase(it);
  return shuffle;
}

Status RddGraph::checkpoint(int rdd, const std::string& dir) {
  auto it = nodes_.find(rdd);
  if (it == nodes_.end()) return Status::error("unknown RDD " + std::to_string(rdd));
  RddNode& n = it->second;
  std::vector<std::string> files;
  for (int p = 0; p < n.num_partitions; ++p) {
    char name[32];
    std::snprintf(name, sizeof name, "/part-%05d", p);
    std::string f = dir + name;
    if (!std::filesystem::is_regular_file(f)) return Status::error("checkpoint file " + f + " is missing");
    files.push_back(f);
  }
  n.kind = "checkpoint";
  n.parents.clear();
  n.checkpoint_files = std::move(files);
  n.func.reset();
  n.blobs.clear();
  return Status::ok();
}

std::vector<std::pair<int, int>> RddGraph::cached_blocks(int rdd, int partition) const {
  std::vector<std::pair<int, int>> out;
  cached_blocks(rdd, partition, out);
  return out;
}

void RddGraph::cached_blocks(int rdd, int partition, std::vector<std::pair<int, int>>& out) const {
  const RddNode* n = node(rdd);
  if (!n || partition < 0 || partition >= n->num_partitions) return;
  if (!n->persist.is_null()) {
    out.emplace_back(rdd, partition);
    return;
  }
  if (n->kind == "python") {
    cached_blocks(n->parents[0], partition, out);
  } else if (n->kind == "union" && partitioner_aware(*n)) {
    for (int p : n->parents) cached_blocks(p, partition, out);
  } else if (n->kind == "union") {
    int off = partition;
    for (int p : n->parents) {
      int pn = node(p)->num_partitions;
      if (off < pn) return cached_blocks(p, off, out);
      off -= pn;
    }
  } else if (n->kind == "coalesce") {
    for (int q : n->coalesce_groups[partition]) cached_blocks(n->parents[0], q, out);
  } else if (n->kind == "zip") {
    for (int p : n->parents) cached_blocks(p, partition, out);
  }
}

std::vector<int> RddGraph::shuffle_deps(int rdd) const {
  std::vector<int> out, stack = {rdd};
  std::set<int> seen;
  while (!stack.empty()) {
    int id = stack.back();
    stack.pop_back();
    if (!seen.insert(id).second) continue;
    const RddNode* n = node(id);
    if (!n) continue;
    if (n->kind == "shuffled") {
      out.push_back(id);
      continue;
    }
    if (n->kind == "sql" && sql_) {  // its tasks run the query's result stage: its shuffles first
      for (int d : sql_->shuffle_deps(n->args.value("sql_node", -1))) out.push_back(d);
      continue;
    }
    for (auto it = n->parents.rbegin(); it != n->parents.rend(); ++it) stack.push_back(*it);
  }
  return out;
}

bool RddGraph::set_profile(int rdd, const scheduler::StageProfile& p) {
  auto it = nodes_.find(rdd);
  if (it == nodes_.end()) return false;
  it->second.profile = std::make_shared<const scheduler::StageProfile>(p);
  return true;
}

scheduler::StageProfile RddGraph::stage_profile(int rdd) const {
  std::shared_ptr<const scheduler::StageProfile> found;
  std::vector<int> stack = {rdd};
  std::set<int> seen;
  while (!stack.empty()) {
    int id = stack.back();
    stack.pop_back();
    if (!seen.insert(id).second) continue;
    const RddNode* n = node(id);
    if (!n) continue;
    if (n->profile && found && n->profile->id != found->id) {
      scheduler::StageProfile bad;
      bad.error = "Multiple ResourceProfiles specified in the RDDs for this stage, either resolve the conflicting "
                  "ResourceProfiles yourself or enable spark.scheduler.resource.profileMergeConflicts and understand "
                  "how Spark handles the merging them.";
      return bad;
    }
    if (n->profile) found = n->profile;
    if (n->kind == "shuffled" || n->kind == "sql") continue;
    for (int p : n->parents) stack.push_back(p);
  }
  return found ? *found : scheduler::StageProfile{};
}

Result<TaskPayload> RddGraph::build_task(int rdd, int partition, const MapOutputTracker& outputs) const {
  TaskPayload out;
  int next_input = 0;
  Status st = resolve(rdd, partition, out, next_input, outputs);
  if (!st) return Result<TaskPayload>::error(st.message());
  return out;
}

namespace {
// The typed plan of (rdd, partition) into `node_out`; functions, blobs and broadcasts into `out`.
// `sample` > 1: a range-sampling job (sortByKey's sketch, `args.sample_input` on its last
// node): text splits under narrow dependencies are read in windows, one in `sample` (see
// sampled_text). 0: every record.
Status resolve_node(const RddGraph& g, int rdd, int partition, TaskPayload& out, plan::NodePtr& node_out, int& next_input,
                    const MapOutputTracker& outputs, bool ignore_persist, int sample = 0);
}  // namespace

// Leaves the plan of (rdd, partition) in out.plan, encoded once (common/task_plan.h).
Status RddGraph::resolve(int rdd, int partition, TaskPayload& out, int& next_input, const MapOutputTracker& outputs,
                         bool ignore_persist) const {
  plan::NodePtr root;
  Status st = resolve_node(*this, rdd, partition, out, root, next_input, outputs, ignore_persist);
  if (!st) return st;
  out.plan = plan::to_json(*root);
  return Status::ok();
}

namespace {
// Byte windows of a sampled text split: kSampleWindow bytes every `sample` windows (at least the
// first; at most kSampleWindows of them), each read as a split of its own. A window yields the
// lines starting in it (the first window's are the split's first lines), so the windows' lines
// are a subset of the split's, in order, spread over it: a range sample's keys without reading
// every record (issue #18 W5: sortByKey's sketch computed the parent once more in full).
constexpr int64_t kSampleWindow = 64 * 1024;
constexpr int64_t kSampleWindows = 64;

std::vector<plan::TextSource> sampled_text(const TextSplit& s, int sample) {
  const int64_t stride = std::max(kSampleWindow * sample, (s.length + kSampleWindows - 1) / kSampleWindows);
  std::vector<plan::TextSource> out;
  for (int64_t off = 0; off == 0 || off < s.length; off += stride)
    out.push_back(plan::TextSource{s.path, s.start + off, std::min(kSampleWindow, s.length - off)});
  return out;
}

Status resolve_node(const RddGraph& g, int rdd, int partition, TaskPayload& out, plan::NodePtr& node_out, int& next_input,
                    const MapOutputTracker& outputs, bool ignore_persist, int sample) {
  auto node = [&](int id) { return g.node(id); };
  const RddNode* n = node(rdd);
  if (!n) return Status::error("unknown RDD " + std::to_string(rdd));
  if (n->args.is_object() && n->args.contains("sample_input") && n->args["sample_input"].is_number_integer())
    sample = std::clamp(n->args["sample_input"].get<int>(), 0, 1 << 16);
  // Narrow parents keep sampling; a cached block's compute, a zip (equal lengths) and other
  // sources do not (`ignore`: the block's own compute, always in full).
  auto resolve = [&](int r, int p, plan::NodePtr& into, bool ignore = false, bool keep_sample = true) {
    return resolve_node(g, r, p, out, into, next_input, outputs, ignore, keep_sample && !ignore ? sample : 0);
  };
  if (partition < 0 || partition >= n->num_partitions)
    return Status::error("partition " + std::to_string(partition) + " out of range for RDD " + std::to_string(rdd));
  auto input = [&](plan::Format f, plan::Source src) {
    node_out = plan::make(plan::InputOp{next_input++, f, std::move(src)});
  };
  if (!n->persist.is_null() && !ignore_persist) {
    // Read the cached block; the executor computes it with `compute` (and stores it) when it
    // does not hold it — so a lost block is simply recomputed from lineage.
    int idx = next_input++;
    plan::NodePtr compute;
    Status st = resolve(rdd, partition, compute, /*ignore=*/true);
    if (!st) return st;
    node_out = plan::make(plan::InputOp{idx, plan::Format::kPickled, plan::BlockSource{rdd, partition, n->persist, std::move(compute)}});
    return Status::ok();
  }
  if (n->kind == "parallelize") {
    int first = static_cast<int>(out.input_blobs.size());
    for (int i = 0; i < n->batch_count[partition]; ++i) out.input_blobs.push_back(n->blobs[n->batch_start[partition] + i]);
    input(plan::Format::kPickled, plan::BlobsSource{first, n->batch_count[partition]});
  } else if (n->kind == "text_file") {
    const auto& s = n->text_splits[partition];
    if (sample > 1 && !compressed_text_file(s.path) && s.length > kSampleWindow) {
      std::vector<plan::NodePtr> windows;
      for (auto& w : sampled_text(s, sample))
        windows.push_back(plan::make(plan::InputOp{next_input++, plan::Format::kLines, std::move(w)}));
      node_out = windows.size() == 1 ? std::move(windows[0]) : plan::make(plan::ConcatOp{std::move(windows)});
    } else {
      input(plan::Format::kLines, plan::TextSource{s.path, s.start, s.length});
    }
  } else if (n->kind == "whole_text_files") {
    plan::FilesSource files;
    for (const auto& f : n->file_groups[partition]) files.paths.push_back(f.path);
    input(plan::Format::kFiles, std::move(files));
  } else if (n->kind == "python") {
    plan::NodePtr child;
    Status st = resolve(n->parents[0], partition, child);
    if (!st) return st;
    node_out = plan::make(plan::ApplyOp{n->id, partition, std::move(child)});
    out.funcs.push_back(n->id);
    for (int64_t b : n->broadcasts) out.broadcasts.push_back(b);
  } else if (n->kind == "union" && partitioner_aware(*n)) {
    std::vector<plan::NodePtr> children;
    for (int p : n->parents) {
      plan::NodePtr c;
      if (Status st = resolve(p, partition, c); !st) return st;
      children.push_back(std::move(c));
    }
    node_out = plan::make(plan::ConcatOp{std::move(children)});
  } else if (n->kind == "union") {
    int off = partition;
    for (int p : n->parents) {
      int pn = node(p)->num_partitions;
      if (off < pn) return resolve(p, off, node_out);
      off -= pn;
    }
    return Status::error("union partition out of range");
  } else if (n->kind == "coalesce" || n->kind == "zip") {
    std::vector<plan::NodePtr> children;
    const bool zip = n->kind == "zip";
    const std::vector<int>& parts = zip ? n->parents : n->coalesce_groups[partition];
    for (int q : parts) {
      plan::NodePtr c;
      Status st = zip ? resolve(q, partition, c, false, /*keep_sample=*/false) : resolve(n->parents[0], q, c);
      if (!st) return st;
      children.push_back(std::move(c));
    }
    node_out = zip ? plan::make(plan::ZipOp{std::move(children)}) : plan::make(plan::ConcatOp{std::move(children)});
  } else if (n->kind == "sql") {
    // The query's result task for this partition runs inside this task (a ComputeSource); its
    // SPB1 batches reach Python as they are (`sqlbatch`), where rows are made.
    if (!g.sql_stages()) return Status::error("sql RDD " + std::to_string(rdd) + " without SQL stages");
    auto body = g.sql_stages()->build_task(n->args.value("sql_node", -1), partition, outputs);
    if (!body) return Status::error(body.error_message());
    const auto& sb = static_cast<const SqlTaskBody&>(*body.value());
    plan::ComputeSource src{sb.plan, static_cast<int>(out.input_blobs.size()), static_cast<int>(sb.blobs.size())};
    for (const auto& b : sb.blobs)  // a slice of a local relation's stream becomes a string of its own
      out.input_blobs.push_back(b.owner && b.offset == 0 && b.size == b.owner->size()
                                    ? b.owner
                                    : std::make_shared<const std::string>(b.view()));
    out.sql_funcs.insert(sb.funcs.begin(), sb.funcs.end());
    out.broadcasts.insert(out.broadcasts.end(), sb.broadcasts.begin(), sb.broadcasts.end());
    input(plan::Format::kSqlBatch, std::move(src));
  } else if (n->kind == "checkpoint" || n->kind == "pickle_file") {
    input(plan::Format::kPickled, plan::PickleFileSource{n->checkpoint_files[static_cast<size_t>(partition)]});
  } else if (n->kind == "shuffled") {
    auto it = outputs.find(n->id);
    if (it == outputs.end() || it->second.missing() > 0)
      return Status::error("shuffle " + std::to_string(n->id) + " has missing map outputs");
    plan::ShuffleSource sh{n->id, partition, {}};
    for (size_t m = 0; m < it->second.maps.size(); ++m) {
      const auto& ms = *it->second.maps[m];
      int64_t off = ms.offsets[partition], len = ms.offsets[partition + 1] - off;
      if (len == 0) continue;
      sh.blocks.push_back({static_cast<int>(m), ms.exec_id, ms.host, ms.port, ms.path, off, len});
    }
    input(plan::Format::kPickled, std::move(sh));
  } else {
    return Status::error("cannot plan RDD kind " + n->kind);
  }
  return Status::ok();
}
}  // namespace

std::string rdd_class_name(const RddNode& n) {
  if (n.args.is_object() && n.args.contains("name") && n.args["name"].is_string()) return n.args["name"].get<std::string>();
  if (n.kind == "parallelize") return "ParallelCollectionRDD";
  if (n.kind == "text_file" || n.kind == "whole_text_files" || n.kind == "pickle_file") {
    std::string paths;  // textFile's RDD is named after its path argument
    if (n.args.is_object() && n.args.contains("paths") && n.args["paths"].is_array())
      for (const auto& p : n.args["paths"])
        if (p.is_string()) paths += (paths.empty() ? "" : ",") + p.get<std::string>();
    return paths.empty() ? "HadoopRDD" : paths;
  }
  if (n.kind == "union") return partitioner_aware(n) ? "PartitionerAwareUnionRDD" : "UnionRDD";
  if (n.kind == "coalesce") return "CoalescedRDD";
  if (n.kind == "zip") return "ZippedPartitionsRDD2";
  if (n.kind == "shuffled") return "ShuffledRDD";
  if (n.kind == "sql") return "MapPartitionsRDD";
  return "PythonRDD";
}

std::string rdd_callsite(const RddNode& n) {
  if (n.args.is_object() && n.args.contains("callsite") && n.args["callsite"].is_string()) return n.args["callsite"].get<std::string>();
  return "";
}

json rdd_lineage(const RddGraph& g, int rdd) {
  json nodes = json::array();
  std::set<int> seen;
  std::vector<int> todo{rdd};
  while (!todo.empty() && nodes.size() < 500) {  // very long lineages: the newest 500 RDDs
    int id = todo.back();
    todo.pop_back();
    if (!seen.insert(id).second) continue;
    const RddNode* n = g.node(id);
    if (!n) continue;
    nodes.push_back({{"id", n->id}, {"kind", n->kind}, {"name", rdd_class_name(*n)}, {"callsite", rdd_callsite(*n)},
                     {"parents", n->parents}, {"partitions", n->num_partitions}});
    for (int p : n->parents) todo.push_back(p);
  }
  return {{"rdd", rdd}, {"nodes", nodes}};
}

}  // namespace spp::driver
