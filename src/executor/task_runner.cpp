// One task through a Python worker.
#include <malloc.h>
#include "executor/task_runner.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "common/log.h"
#include "common/task_plan.h"
#include "executor/gzip_reader.h"
#include "executor/text_codecs.h"
#include "executor/input_readers.h"
#include "executor/native_task.h"
#include "executor/shuffle_writer.h"
#include "executor/task_sink.h"

namespace spp::executor {
namespace fs = std::filesystem;

void FuncCache::put(int64_t id, std::string blob) {
  std::lock_guard<std::mutex> g(mu_);
  funcs_[id] = std::make_shared<std::string>(std::move(blob));
}

void FuncCache::forget(int64_t id) {
  std::lock_guard<std::mutex> g(mu_);
  funcs_.erase(id);
}

std::shared_ptr<std::string> FuncCache::get(int64_t id) const {
  std::lock_guard<std::mutex> g(mu_);
  auto it = funcs_.find(id);
  return it == funcs_.end() ? nullptr : it->second;
}

namespace {
int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// One PwRead is answered with the reader's next batches up to this many bytes (at least one
// batch), and with end=true when the input ends among them: inputs made of many small batches
// (cached blocks, shuffle records, parallelize slices) cost one round trip per MiB instead of
// one per batch, and an input's end no longer costs a round trip of its own.
constexpr size_t kInputReplyBytes = 1u << 20;
constexpr size_t kInputReplyBatches = 4096;

// The answer to one PwRead.
struct Reply {
  std::vector<std::string> batches;
  bool end = false;
  std::optional<std::string> error;  // the read failed (then there are no batches)
};

struct Input {
  std::unique_ptr<InputReader> reader;
  std::string format;
  bool in_memory = false;  // parallelize data, a cached block, a computed partition: pushable
  // The next reply, read while the worker computes on the last one (file reads, block copies,
  // decompression and fetches are then off its critical path).
  std::optional<Reply> ahead;
  // A read error met while filling a reply that already had batches: the reply after it. So a
  // worker that stops early (take) never fails on input it did not ask for.
  std::optional<std::string> deferred_error;
};

Reply next_reply(Input& in) {
  Reply r;
  if (in.deferred_error) {
    r.error = std::move(in.deferred_error);
    in.deferred_error.reset();
    return r;
  }
  size_t bytes = 0;
  std::string buf;
  while (bytes < kInputReplyBytes && r.batches.size() < kInputReplyBatches) {
    auto got = in.reader->next(buf);
    if (!got) {
      if (r.batches.empty()) r.error = got.error_message();
      else in.deferred_error = got.error_message();
      break;
    }
    if (!got.value()) {
      r.end = true;
      break;
    }
    bytes += buf.size();
    r.batches.push_back(std::move(buf));
    buf = std::string();
  }
  return r;
}

TaskOutcome run_task_impl(RunningTask& t, const TaskEnv& env, const plan::Node& root, const nlohmann::json& plan_json,
                          const plan::Sink& sink);

// A persisted RDD's partition: from the block manager, else computed now (with another Python
// worker, from the plan's `compute` lineage) and stored for later tasks.
}  // namespace

// Runs `compute` as a sub-task of `t` over `blobs` into `sink`: its result blobs, its accumulator
// updates into t's; nothing (and t.sub_failure) when it failed.
std::optional<Batches> run_sub_task(const plan::Node& compute, std::vector<std::shared_ptr<std::string>> blobs,
                                    const plan::Sink& sink, RunningTask& t, const TaskEnv& env) {
  RunningTask sub;
  sub.spec = t.spec;
  sub.input_blobs = std::move(blobs);
  // A cached DataFrame's partition is a SQL stage fragment's result batches (its InMemoryRelation's plan).
  const auto* native = std::get_if<plan::NativeOp>(&compute.op);
  TaskOutcome o = native ? run_native_task(sub, env, *native, sink) : run_task_impl(sub, env, compute, plan::to_json(compute), sink);
  for (auto& a : sub.sub_accums) t.sub_accums.push_back(std::move(a));
  if (o.update.state != msg::TaskEndState::kFinished) {
    t.sub_failure = sub.sub_failure ? *sub.sub_failure : o.update;
    return std::nullopt;
  }
  if (o.update.accum_blobs > 0 && !o.blobs.empty()) {  // its own pass's updates (deeper ones are in sub_accums)
    t.sub_accums.push_back(std::move(o.blobs.back()));
    o.blobs.pop_back();
  }
  Batches batches;
  for (auto& b : o.blobs) batches.push_back(std::make_shared<std::string>(std::move(b)));
  return batches;
}

std::optional<Batches> cached_block(const plan::BlockSource& src, RunningTask& t, const TaskEnv& env) {
  bool claimed = false;
  if (env.blocks)
    if (auto hit = env.blocks->get_or_claim(src.rdd, src.partition, claimed)) return hit;
  // A concurrent task asking for the block waits until this one stored it or gave up.
  struct Release {
    BlockManager* bm;
    int rdd, partition;
    ~Release() {
      if (bm) bm->release(rdd, partition);
    }
  } release{claimed ? env.blocks : nullptr, src.rdd, src.partition};
  auto computed = run_sub_task(*src.compute, t.input_blobs, plan::Sink{}, t, env);
  if (!computed) return std::nullopt;
  Batches batches = std::move(*computed);
  if (env.blocks) {
    auto level = StorageLevel::from_json(src.level);
    msg::BlocksUpdated upd = env.blocks->put(src.rdd, src.partition, level, batches);
    std::vector<std::string> replica;
    if (level.replication > 1 && !upd.stored.empty() && upd.stored.front().rdd == src.rdd &&
        upd.stored.front().partition == src.partition) {
      for (const auto& b : batches) replica.push_back(*b);
      upd.replica_blobs = static_cast<int>(replica.size());
      upd.replica_level = src.level;
    }
    if (env.on_blocks && (!upd.stored.empty() || !upd.removed.empty())) env.on_blocks(std::move(upd), std::move(replica));
  }
  return batches;
}

std::optional<Batches> computed_input(const plan::ComputeSource& src, RunningTask& t, const TaskEnv& env) {
  if (static_cast<size_t>(src.first) + static_cast<size_t>(src.count) > t.input_blobs.size()) {
    msg::StatusUpdate u;
    u.state = msg::TaskEndState::kFailed;
    u.error_kind = msg::TaskErrorKind::kIo;
    u.error = "plan refers to missing input blobs";
    t.sub_failure = std::move(u);
    return std::nullopt;
  }
  std::vector<std::shared_ptr<std::string>> blobs(t.input_blobs.begin() + src.first,
                                                  t.input_blobs.begin() + src.first + src.count);
  // A Python lineage feeding a SQL stage writes SPB1 batches; a SQL stage's result is batches already.
  plan::Sink sink;
  if (!std::holds_alternative<plan::NativeOp>(src.compute->op)) sink.kind = plan::SinkKind::kBatches;
  return run_sub_task(*src.compute, std::move(blobs), sink, t, env);
}

namespace {

// Opens the reader of one input leaf (the InputReader seam: one reader per source kind).
Result<std::unique_ptr<InputReader>> open_input(const plan::Source& source, RunningTask& t, const TaskEnv& env) {
  using R = Result<std::unique_ptr<InputReader>>;
  if (const auto* b = std::get_if<plan::BlobsSource>(&source)) {
    if (static_cast<size_t>(b->first) + static_cast<size_t>(b->count) > t.input_blobs.size())
      return R::error("plan refers to missing input blobs");
    std::vector<std::shared_ptr<std::string>> bl(t.input_blobs.begin() + b->first, t.input_blobs.begin() + b->first + b->count);
    return std::unique_ptr<InputReader>(std::make_unique<BlobReader>(std::move(bl)));
  }
  if (const auto* x = std::get_if<plan::TextSource>(&source)) {
    if (auto r = compressed_text_reader(x->path)) return r;  // .gz .bz2 .zst .lz4: whole files
    return std::unique_ptr<InputReader>(std::make_unique<TextSplitReader>(x->path, x->start, x->length));
  }
  if (const auto* x = std::get_if<plan::ShuffleSource>(&source)) return make_shuffle_reader(*x, env.shuffle);
  if (const auto* x = std::get_if<plan::FilesSource>(&source))
    return std::unique_ptr<InputReader>(std::make_unique<WholeFileReader>(x->paths));
  if (const auto* x = std::get_if<plan::PickleFileSource>(&source))
    return std::unique_ptr<InputReader>(std::make_unique<FramedFileReader>(x->path));
  if (const auto* c = std::get_if<plan::ComputeSource>(&source)) {
    auto batches = computed_input(*c, t, env);
    if (!batches) return R::error("cannot compute the input partition");
    return std::unique_ptr<InputReader>(std::make_unique<BlobReader>(std::move(*batches)));
  }
  const auto& blk = std::get<plan::BlockSource>(source);
  auto batches = cached_block(blk, t, env);
  if (!batches) return R::error("cannot compute cached block");
  return std::unique_ptr<InputReader>(std::make_unique<BlobReader>(std::move(*batches)));
}

// Walks the plan: input leaves become readers, apply nodes name the functions needed.
Status collect(const plan::Node& node, RunningTask& t, const TaskEnv& env, std::map<int, Input>& inputs) {
  if (const auto* in = std::get_if<plan::InputOp>(&node.op)) {
    auto reader = open_input(in->source, t, env);
    if (!reader) return Status::error(reader.error_message());
    Input& slot = inputs[in->input];
    slot.reader = std::move(reader.value());
    slot.format = plan::to_string(in->format);
    slot.in_memory = std::holds_alternative<plan::BlobsSource>(in->source) ||
                     std::holds_alternative<plan::BlockSource>(in->source) ||
                     std::holds_alternative<plan::ComputeSource>(in->source);
    return Status::ok();
  }
  if (const auto* a = std::get_if<plan::ApplyOp>(&node.op)) return collect(*a->child, t, env, inputs);
  const auto& children = std::holds_alternative<plan::ConcatOp>(node.op) ? std::get<plan::ConcatOp>(node.op).children
                                                                         : std::get<plan::ZipOp>(node.op).children;
  for (const auto& c : children) {
    Status st = collect(*c, t, env, inputs);
    if (!st) return st;
  }
  return Status::ok();
}

void fail(TaskOutcome& o, msg::TaskErrorKind kind, const std::string& error) {
  o.update.state = msg::TaskEndState::kFailed;
  o.update.error_kind = kind;
  o.update.fetch_failure.reset();  // set again by the caller of a fetch failure
  o.update.map_output.reset();
  o.update.error = error;
  o.blobs.clear();
}
}  // namespace

msg::PwTask pw_task(const RunningTask& t, const TaskEnv& env) {
  msg::PwTask pt;
  pt.task_id = t.spec.task_id;
  pt.stage_id = t.spec.stage_id;
  pt.partition = t.spec.partition;
  pt.attempt = t.spec.attempt;
  pt.props = env.props;
  if (t.spec.sink.is_object() && t.spec.sink.contains("local_props") && t.spec.sink["local_props"].is_object())
    for (const auto& [k, v] : t.spec.sink["local_props"].items())
      if (v.is_string()) pt.props.emplace(k, v.get<std::string>());  // never over the executor's own
  // A stage-level TaskResourceProfile's cpus and resources replace the application's.
  if (t.spec.sink.is_object() && t.spec.sink.contains("task_props") && t.spec.sink["task_props"].is_object()) {
    for (auto it = pt.props.begin(); it != pt.props.end();)
      it = it->first.rfind("spark.task.resource.", 0) == 0 ? pt.props.erase(it) : std::next(it);
    for (const auto& [k, v] : t.spec.sink["task_props"].items())
      if (v.is_string()) pt.props[k] = v.get<std::string>();
  }
  return pt;
}

// A native task's operators free their batches when it ends; glibc keeps the freed heap (the
// executor allocates from one arena, without mmap: main.cpp) for the next task. On this kind of
// VM a first touch of memory costs a fault and the kernel zeroing the page, which was a third of
// a Parquet TPC-H query's executor time when every task trimmed and faulted its pages in again.
// Free heap up to the execution memory is kept (the next task reuses it; the RSS stays at its
// peak, as a JVM heap does); past that it goes back to the kernel now, and all of it once the
// executor has been idle for a second (executor.cpp trim_when_idle).
static void return_free_memory(const TaskEnv& env) {
  const int64_t limit = env.sql_memory ? env.sql_memory->limit() : 0;
  const size_t keep = std::max(size_t(32) << 20, size_t(std::max<int64_t>(limit, 0)));
  if (::mallinfo2().fordblks > keep) ::malloc_trim(0);
}

TaskOutcome run_task(RunningTask& t, const TaskEnv& env) {
  // Decoded and validated before anything runs: a malformed plan fails the task as an io error.
  auto root = plan::decode(t.spec.plan);
  auto sink = t.spec.sink.is_null() ? Result<plan::Sink>(plan::Sink{}) : plan::decode_sink(t.spec.sink);
  if (!root || !sink) {
    TaskOutcome o;
    o.update.task_id = t.spec.task_id;
    fail(o, msg::TaskErrorKind::kIo, !root ? root.error_message() : sink.error_message());
    return o;
  }
  const auto* native = std::get_if<plan::NativeOp>(&root.value()->op);
  TaskOutcome o = native ? run_native_task(t, env, *native, sink.value()) : run_task_impl(t, env, *root.value(), t.spec.plan, sink.value());
  if (native) return_free_memory(env);
  if (o.update.state == msg::TaskEndState::kFailed && t.sub_failure) {
    // The cached block it needed could not be computed: that failure is the task's.
    msg::StatusUpdate u = *t.sub_failure;
    u.task_id = o.update.task_id;
    o.update = std::move(u);
    o.blobs.clear();
    return o;
  }
  if (o.update.state == msg::TaskEndState::kFinished && !t.sub_accums.empty()) {
    for (auto& a : t.sub_accums) o.blobs.push_back(std::move(a));
    o.update.accum_blobs += static_cast<int>(t.sub_accums.size());
  }
  return o;
}

namespace {
// The plan as the Python worker needs it: its inputs' sources are read here (a wide shuffle's
// reduce task lists thousands of blocks), so they are left out.
nlohmann::json python_view(const nlohmann::json& j) {
  if (!j.is_object()) return j;
  nlohmann::json out = nlohmann::json::object();
  bool input = j.value("op", std::string()) == "input";
  for (const auto& [k, v] : j.items()) {
    if (input && k == "source") continue;
    if (k == "child") out[k] = python_view(v);
    else if (k == "children" && v.is_array()) {
      nlohmann::json cs = nlohmann::json::array();
      for (const auto& c : v) cs.push_back(python_view(c));
      out[k] = std::move(cs);
    } else {
      out[k] = v;
    }
  }
  return out;
}

// PwTask carries the first reply of up to this many in-memory inputs (docs/protocol.md, "Pushed
// first replies"), kInputReplyBytes in all, so a small task needs one round trip with its worker
// instead of two.
constexpr size_t kMaxPushedInputs = 16;

// The input leaves of a plan (its Python view), leftmost first: the order the worker first
// reads them in.
void input_leaves(nlohmann::json& plan, std::vector<nlohmann::json*>& out) {
  if (!plan.is_object()) return;
  const auto op = plan.find("op");
  if (op == plan.end() || !op->is_string()) return;
  if (*op == "input") {
    out.push_back(&plan);
  } else if (*op == "apply") {
    if (auto c = plan.find("child"); c != plan.end()) input_leaves(*c, out);
  } else if (*op == "concat" || *op == "zip") {
    if (auto cs = plan.find("children"); cs != plan.end() && cs->is_array())
      for (auto& c : *cs) input_leaves(c, out);
  }
}

// Chooses the replies pushed with the task: the first reply of in-memory inputs (their data is
// here already, so nothing about when reads or fetches happen changes), leftmost first, each
// leaf marked `"pushed": true` in the worker's plan (input ids are unique within a plan).
// Returns (input, reply) in the order they are written. A reply whose read failed is never pushed: it stays the input's next reply, so the task fails
// only if the worker asks for it, as without pushing.
std::vector<std::pair<int, Reply>> push_first_replies(nlohmann::json& plan, std::map<int, Input>& inputs) {
  std::vector<nlohmann::json*> leaves;
  input_leaves(plan, leaves);
  std::vector<std::pair<int, Reply>> pushed;
  size_t bytes = 0;
  for (nlohmann::json* leaf : leaves) {
    if (pushed.size() >= kMaxPushedInputs || bytes >= kInputReplyBytes) break;
    const auto idx = leaf->find("input");
    if (idx == leaf->end() || !idx->is_number_integer()) continue;
    const int i = idx->get<int>();
    auto it = inputs.find(i);
    if (it == inputs.end() || !it->second.in_memory || it->second.ahead) continue;
    Reply r = next_reply(it->second);
    size_t n = 0;
    for (const auto& b : r.batches) n += b.size();
    if (r.error || (!pushed.empty() && bytes + n > kInputReplyBytes)) {
      it->second.ahead = std::move(r);
      continue;
    }
    bytes += n;
    (*leaf)["pushed"] = true;
    pushed.emplace_back(i, std::move(r));
  }
  return pushed;
}

// Bytes of the group members' messages after the first member's (run_task_group): well inside
// a Unix socket's send buffer (~200 KiB).
constexpr size_t kGroupWireBytes = 64 << 10;

// One Python task from its preparation to its end: its readers, its sink, its outcome so far.
struct Prepared {
  RunningTask* t = nullptr;
  TaskOutcome o;
  std::map<int, Input> inputs;
  std::unique_ptr<TaskSink> sink;
  std::vector<int64_t> funcs;
  // Their pickled blobs, taken when the task is prepared (null: never sent to this executor),
  // so that a group knows before it writes anything which of its members can be encoded.
  std::vector<std::shared_ptr<std::string>> func_blobs;
  nlohmann::json plan;  // the worker's view, pushed leaves marked
  std::vector<std::pair<int, Reply>> pushed;
  // Every input leaf's whole data goes with the task (pushed, end=true): the worker never asks
  // for more, so another task may follow it on the connection before it ends.
  bool whole = false;
  size_t wire_estimate = 0;  // bytes of its PwTask and pushed replies, about (functions counted)
  int64_t t0 = 0;
};

// Opens a task's inputs and sink and reads the replies pushed with it. False: the task failed
// already (p.o is its outcome; nothing to abort).
bool prepare(Prepared& p, RunningTask& t, const TaskEnv& env, const plan::Node& root, const nlohmann::json& plan_json,
             const plan::Sink& sink_spec) {
  p.t = &t;
  p.o.update.task_id = t.spec.task_id;
  p.o.update.state = msg::TaskEndState::kFinished;
  p.t0 = now_ms();
  plan::collect_funcs(root, p.funcs);
  Status st = collect(root, t, env, p.inputs);
  if (!st) {
    fail(p.o, msg::TaskErrorKind::kIo, st.message());
    return false;
  }
  auto opened = open_sink(sink_spec, t, env);
  if (!opened) {
    fail(p.o, msg::TaskErrorKind::kIo, opened.error_message());
    return false;
  }
  p.sink = std::move(opened.value());
  p.plan = python_view(plan_json);
  p.pushed = push_first_replies(p.plan, p.inputs);
  std::vector<nlohmann::json*> leaves;
  input_leaves(p.plan, leaves);
  p.whole = p.pushed.size() == leaves.size();
  p.wire_estimate = 4096;
  for (const auto& [i, reply] : p.pushed) {
    p.whole = p.whole && reply.end;
    for (const auto& b : reply.batches) p.wire_estimate += b.size() + 5;
  }
  for (int64_t fid : p.funcs) {
    p.func_blobs.push_back(env.funcs->get(fid));
    if (p.func_blobs.back()) p.wire_estimate += p.func_blobs.back()->size();
  }
  return true;
}

// Whether every function the task needs reached this executor (encode_task then succeeds).
bool funcs_present(const Prepared& p) {
  for (const auto& f : p.func_blobs)
    if (!f) return false;
  return true;
}

// Appends task p's PwTask and its pushed replies to `wire`, marking its new functions as held by
// `w`. `more`: another task follows in the same write (the worker may hold this one's replies
// until it answers a later one). False: a function it needs never reached this executor (p.o
// says so; nothing appended).
bool encode_task(Prepared& p, PythonWorker& w, const TaskEnv& env, std::string& wire, bool more = false) {
  msg::PwTask pt = pw_task(*p.t, env);
  pt.plan = std::move(p.plan);
  pt.sink = p.sink->worker_format();
  pt.more = more;
  std::vector<std::string> fblobs;
  for (size_t j = 0; j < p.funcs.size(); ++j) {
    const int64_t fid = p.funcs[j];
    if (w.funcs.count(fid) || std::count(pt.new_funcs.begin(), pt.new_funcs.end(), fid)) continue;
    const auto& f = p.func_blobs[j];
    if (!f) {
      fail(p.o, msg::TaskErrorKind::kIo, "function " + std::to_string(fid) + " was never sent to this executor");
      return false;
    }
    pt.new_funcs.push_back(fid);
    fblobs.push_back(*f);
  }
  env.pool->take_drops(w, pt.drop_funcs, pt.drop_broadcasts);
  for (int64_t fid : pt.new_funcs) w.funcs.insert(fid);
  p.o.update.metrics.deserialize_ms = now_ms() - p.t0;
  msg::encode(wire, pt, fblobs);
  for (auto& [i, reply] : p.pushed) {
    msg::PwInput in;
    in.input = i;
    in.format = p.inputs[i].format;
    in.end = reply.end;
    msg::encode(wire, in, reply.batches);
  }
  return true;
}

// After the task's write: the pushed inputs' next replies, read while the worker computes.
void read_ahead(Prepared& p) {
  for (auto& [i, reply] : p.pushed)
    if (!reply.end) p.inputs[i].ahead = next_reply(p.inputs[i]);
  p.pushed.clear();
}

// Serves the worker's reads and takes its output for task p until its PwDone or PwError.
// Returns whether the worker may take another task; `io` is set when the connection failed.
bool serve(Prepared& p, PythonWorker& w, Status& io) {
  auto& m = p.o.update.metrics;
  TaskOutcome& o = p.o;
  while (io) {
    auto r = w.ch->recv();
    if (!r) {
      io = Status::error(r.error_message());
      break;
    }
    msg::Envelope& e = r.value();
    if (const auto* rd = e.as<msg::PwRead>()) {
      auto it = p.inputs.find(rd->input);
      msg::PwInput in;
      in.input = rd->input;
      if (it == p.inputs.end()) {
        io = Status::error("Python worker asked for unknown input " + std::to_string(rd->input));
        break;
      }
      Input& input = it->second;
      in.format = input.format;
      Reply reply = input.ahead ? std::move(*input.ahead) : next_reply(input);
      input.ahead.reset();
      if (reply.error) {
        if (auto ff = input.reader->fetch_failure()) {
          fail(o, msg::TaskErrorKind::kFetchFailed, *reply.error);
          o.update.fetch_failure = std::move(ff);
        } else {
          fail(o, msg::TaskErrorKind::kIo, *reply.error);
        }
        io = Status::error("input failed");
        break;
      }
      in.end = reply.end;
      io = w.ch->send(in, reply.batches);
      if (io && !reply.end) input.ahead = next_reply(input);
    } else if (const auto* po = e.as<msg::PwOutput>()) {
      m.output_records += po->records;
      for (auto& b : e.blobs) {
        m.output_bytes += static_cast<int64_t>(b.size());
        if (Status ws = p.sink->add(std::move(b)); !ws) {
          // A full disk is an I/O failure of the task, not a worker crash (the worker is
          // mid-task, so it is dropped all the same).
          fail(o, msg::TaskErrorKind::kIo, ws.message());
          io = Status::error(ws.message());
          break;
        }
      }
    } else if (const auto* d = e.as<msg::PwDone>()) {
      m.memory_spilled = d->memory_spilled;
      m.disk_spilled = d->disk_spilled;
      if (d->accum_blob && !e.blobs.empty()) {
        o.update.accum_blobs = 1;
        o.blobs.push_back(std::move(e.blobs.back()));
      }
      return true;
    } else if (const auto* pe = e.as<msg::PwError>()) {
      fail(o, msg::TaskErrorKind::kUser, pe->traceback.empty() ? pe->error_type + ": " + pe->message
                                         : "PythonException: " + pe->traceback);
      return true;
    } else {
      io = Status::error("unexpected " + e.op + " from the Python worker");
    }
  }
  return false;
}

// The task's end once its worker is done with it (or gone): metrics, commit or abort.
void finish(Prepared& p, const Status& io) {
  TaskOutcome& o = p.o;
  auto& m = o.update.metrics;
  for (auto& [i, in] : p.inputs) in.reader->add_metrics(m);
  if (!io) {
    if (p.t->killed) {
      o.update.state = msg::TaskEndState::kKilled;
      o.update.error = "task killed";
      o.blobs.clear();
    } else if (o.update.state == msg::TaskEndState::kFinished) {
      fail(o, msg::TaskErrorKind::kWorkerCrashed, "Python worker exited unexpectedly (crashed): " + io.message());
    }
  }
  if (o.update.state == msg::TaskEndState::kFinished) {
    if (Status cs = p.sink->commit(o); !cs) fail(o, msg::TaskErrorKind::kIo, cs.message());
  } else {
    p.sink->abort();
  }
  p.sink->report(m);
  m.run_ms = now_ms() - p.t0;
}

TaskOutcome run_task_impl(RunningTask& t, const TaskEnv& env, const plan::Node& root, const nlohmann::json& plan_json,
                          const plan::Sink& sink_spec) {
  Prepared p;
  if (!prepare(p, t, env, root, plan_json, sink_spec)) return std::move(p.o);
  if (t.killed) {  // killed while its inputs opened: no worker to take (and none to kill)
    p.sink->abort();
    p.o.update.state = msg::TaskEndState::kKilled;
    p.o.update.error = "task killed";
    return std::move(p.o);
  }
  auto acquired = env.pool->acquire();
  if (!acquired) {
    p.sink->abort();
    fail(p.o, msg::TaskErrorKind::kWorkerCrashed, acquired.error_message());
    return std::move(p.o);
  }
  std::unique_ptr<PythonWorker> w = std::move(acquired.value());
  t.worker_pid = w->pid;
  if (t.killed) ::kill(w->pid, SIGKILL);
  // The task and its pushed replies in one write. The worker reads all of them before it writes
  // anything, so this cannot deadlock against it.
  std::string wire;
  if (!encode_task(p, *w, env, wire)) {
    // Nothing was sent to it: reusable, unless a kill of this task already SIGKILLed it (a
    // killed task's function may be gone: the ContextCleaner dropped its RDD). Pooling a
    // killed worker handed the next task a dead process ("write failed: Broken pipe").
    t.worker_pid = 0;
    env.pool->release(std::move(w), !t.killed);
    p.sink->abort();
    return std::move(p.o);
  }
  Status io = w->ch->write_all(wire);
  wire = std::string();
  if (io) read_ahead(p);
  bool reusable = serve(p, *w, io) && io;
  finish(p, io);
  t.worker_pid = 0;
  env.pool->release(std::move(w), reusable && !t.killed);
  return std::move(p.o);
}

// Whether a task may join a group: a Python plan (apply / input / concat / zip) over its own
// input blobs only, writing the driver's result or a shuffle map output.
bool plan_pipelinable(const nlohmann::json& n, int depth) {
  if (!n.is_object() || depth > 64) return false;
  const auto op = n.find("op");
  if (op == n.end() || !op->is_string()) return false;
  const std::string& o = op->get_ref<const std::string&>();
  if (o == "input") {
    const auto s = n.find("source");
    return s != n.end() && s->is_object() && s->value("kind", std::string()) == "blobs";
  }
  if (o == "apply") {
    const auto c = n.find("child");
    return c != n.end() && plan_pipelinable(*c, depth + 1);
  }
  if (o == "concat" || o == "zip") {
    const auto cs = n.find("children");
    if (cs == n.end() || !cs->is_array() || cs->empty()) return false;
    for (const auto& c : *cs)
      if (!plan_pipelinable(c, depth + 1)) return false;
    return true;
  }
  return false;
}

}  // namespace

bool pipelinable(const msg::LaunchTask& spec) {
  if (!spec.sink.is_null()) {
    if (!spec.sink.is_object()) return false;
    const std::string kind = spec.sink.value("kind", std::string());
    if (kind != "result" && kind != "shuffle") return false;
  }
  return plan_pipelinable(spec.plan, 0);
}

std::vector<TaskOutcome> run_task_group(const std::vector<RunningTask*>& tasks, const TaskEnv& env) {
  std::vector<TaskOutcome> out;
  // Prepared members, in order. Preparation stops at a task that cannot join (it then runs on
  // its own: run_alone) and after the first whose inputs do not all go with it.
  std::vector<Prepared> ps;
  ps.reserve(tasks.size());
  size_t behind = 0;
  for (RunningTask* t : tasks) {
    if (t->killed || !pipelinable(t->spec)) {
      t->run_alone = true;
      break;
    }
    auto root = plan::decode(t->spec.plan);
    auto sink = t->spec.sink.is_null() ? Result<plan::Sink>(plan::Sink{}) : plan::decode_sink(t->spec.sink);
    if (!root || !sink) {
      t->run_alone = true;  // run_task reports the malformed plan
      break;
    }
    Prepared p;
    if (!prepare(p, *t, env, *root.value(), t->spec.plan, sink.value())) {
      if (ps.empty()) {  // its failure is final (run_task would meet the same)
        out.push_back(std::move(p.o));
        return out;
      }
      t->run_alone = true;
      break;
    }
    // What follows the first member's messages must fit in the socket's buffer: the write of
    // the group then never waits for the worker, which reads a task's messages before it
    // writes its output (however large) and only then the next task's.
    if (!ps.empty()) {
      behind += p.wire_estimate;
      if (behind > kGroupWireBytes) {
        p.sink->abort();
        break;
      }
    }
    ps.push_back(std::move(p));
    if (!ps.back().whole) break;
  }
  if (ps.empty()) return out;
  auto acquired = env.pool->acquire();
  if (!acquired) {  // the first fails as a lone task would; the others run later
    ps[0].sink->abort();
    fail(ps[0].o, msg::TaskErrorKind::kWorkerCrashed, acquired.error_message());
    out.push_back(std::move(ps[0].o));
    for (size_t k = 1; k < ps.size(); ++k) ps[k].sink->abort();
    return out;
  }
  std::unique_ptr<PythonWorker> w = std::move(acquired.value());
  // Every member's PwTask and pushed replies in one write: the worker reads each task's messages
  // before it writes anything for that task, and none of them asks for more input (all but the
  // last are whole; the last may ask, and is then the only one left to read), so it goes from one
  // task to the next without waiting for this thread, and this cannot deadlock against it. All
  // but the last go with `more`: the worker holds their replies and sends them with the last
  // one's (one write and one wake-up of this thread per group instead of per task).
  std::string wire;
  size_t n = 0;
  while (n < ps.size() && funcs_present(ps[n])) ++n;
  std::optional<TaskOutcome> unsent;  // a member whose function is missing: it ends the group
  if (n < ps.size()) {
    encode_task(ps[n], *w, env, wire);  // fails (the function is missing), appends nothing
    ps[n].sink->abort();
    unsent = std::move(ps[n].o);
  }
  for (size_t j = 0; j < n; ++j) encode_task(ps[j], *w, env, wire, j + 1 < n);
  if (n == 0) {
    env.pool->release(std::move(w), true);
    out.push_back(std::move(*unsent));
    for (size_t k = 1; k < ps.size(); ++k) ps[k].sink->abort();
    return out;
  }
  Status io = w->ch->write_all(wire);
  wire = std::string();
  if (io) read_ahead(ps[n - 1]);  // the only member that may have more to read
  bool reusable = false;
  bool held_lost = false;  // the worker died while it may have held this member's replies
  size_t k = 0;
  for (; k < n; ++k) {
    Prepared& p = ps[k];
    if (k > 0) p.t0 = now_ms();  // it waited for the members before it in the worker
    p.t->worker_pid = w->pid;
    if (p.t->killed) ::kill(w->pid, SIGKILL);  // killed while it waited: the worker goes with it
    reusable = serve(p, *w, io) && io;
    p.t->worker_pid = 0;
    if (!io && k + 1 < n && !p.t->killed && p.o.update.state == msg::TaskEndState::kFinished) {
      // Its replies were held (`more`): the crash may have been any later member's. This one
      // and those after it run again, each alone, so that a crash is charged to its own task.
      held_lost = true;
      for (size_t j = k; j < n; ++j) ps[j].t->run_alone = true;
      break;
    }
    finish(p, io);
    out.push_back(std::move(p.o));
    if (!io) break;
  }
  env.pool->release(std::move(w), reusable && !ps[std::min(k, n - 1)].t->killed);
  // Members after a failed connection never ran here (the worker may have read their messages,
  // but a task only starts after its predecessor's PwDone): the caller queues them again.
  const size_t unrun = held_lost ? k : k < n ? k + 1 : n + (unsent ? 1 : 0);
  for (size_t j = unrun; j < ps.size(); ++j) ps[j].sink->abort();
  if (k >= n && unsent) out.push_back(std::move(*unsent));
  return out;
}

}  // namespace spp::executor
