// A native (SQL) task: lower, drain, route to the sink.
#include "executor/native_task.h"

#include <chrono>
#include <filesystem>
#include <functional>

#include "executor/input_readers.h"
#include "executor/map_output_store.h"
#include "executor/native_scan.h"
#include "executor/part_file.h"
#include "executor/python_udf_runner.h"
#include "executor/shuffle_writer.h"
#include "executor/task_sink.h"
#include "executor/task_runner.h"
#include "sql/columnar/serde.h"
#include "sql/exec/exchange.h"
#include "sql/exec/input_file.h"
#include "sql/exec/lower.h"
#include "sql/exec/range_partition.h"

namespace spp::executor {
namespace fs = std::filesystem;
namespace ex = sql::exec;
namespace col = sql::col;

namespace {
int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// A leaf over an input reader whose blobs are streams of serialized batches.
class ReaderOp final : public ex::Operator {
 public:
  // `mem`: batches of map outputs this process kept in memory, handed out before the reader's.
  ReaderOp(std::unique_ptr<InputReader> r, col::ColTypePtr schema, std::string what, std::vector<col::Batch> mem = {},
           int64_t mem_bytes = 0)
      : r_(std::move(r)), what_(std::move(what)), mem_(std::move(mem)), mem_bytes_(mem_bytes) {
    schema_ = std::move(schema);
  }
  std::string name() const override { return "Scan " + what_; }
  InputReader* reader() const { return r_.get(); }
  int64_t rows() const { return rows_; }  // the reader counts blobs; records are rows
  int64_t memory_bytes() const { return mem_bytes_; }

 protected:
  ex::BatchResult next_impl() override {
    if (mem_next_ < mem_.size()) {
      col::Batch b = std::move(mem_[mem_next_++]);
      rows_ += b.num_rows;
      return std::optional<col::Batch>(std::move(b));
    }
    for (;;) {
      if (pos_ < cur_.size()) {
        size_t used = 0;
        auto b = col::deserialize(cur_.substr(pos_), &used);
        if (!b) return ex::BatchResult::error(what_ + ": " + b.error_message());
        pos_ += used;
        rows_ += b.value().num_rows;
        if (b.value().num_rows == 0) continue;
        return std::optional<col::Batch>(std::move(b.value()));
      }
      pos_ = 0;
      cur_ = {};
      Result<bool> got = false;
      if (r_->shares_blobs()) {  // the task's blob itself, not a copy of it
        shared_.reset();
        got = r_->next_shared(shared_);
        if (got && got.value()) cur_ = *shared_;
      } else {
        buf_.clear();
        got = r_->next(buf_);
        cur_ = buf_;
      }
      if (!got) return ex::BatchResult::error(got.error_message());
      if (!got.value()) return std::optional<col::Batch>();
    }
  }

 private:
  std::unique_ptr<InputReader> r_;
  std::string what_;
  std::vector<col::Batch> mem_;
  size_t mem_next_ = 0;
  int64_t mem_bytes_ = 0;
  std::string buf_;                              // what the reader's next() filled
  std::shared_ptr<const std::string> shared_;    // or the blob it shared
  std::string_view cur_;                         // either one, being decoded from pos_
  size_t pos_ = 0;
  int64_t rows_ = 0;
};

// The blocks of `src` this process holds in memory: their batches (shared, never modified) go
// to `mem`, the other blocks stay in `src` for the reader (files; a stored output's path has
// none, so a block the store lost reads as a missing file: a fetch failure).
void take_stored_blocks(plan::ShuffleSource& src, const MapOutputStore& store, std::vector<col::Batch>& mem, int64_t& bytes) {
  std::vector<plan::ShuffleBlockRef> rest;
  for (auto& b : src.blocks) {
    auto out = store.get(b.path);
    auto [first, last] = out ? out->partitions(b.offset, b.length) : std::pair<int, int>{0, 0};
    if (first >= last) {
      rest.push_back(std::move(b));
      continue;
    }
    for (int p = first; p < last; ++p)
      for (const auto& x : out->parts[static_cast<size_t>(p)]) mem.push_back(x);
    bytes += b.length;
  }
  src.blocks = std::move(rest);
}

// Inputs read one after another (a coalesced task's partitions of one leaf), opened lazily.
class ChainOp final : public ex::Operator {
 public:
  ChainOp(col::ColTypePtr schema, std::vector<std::function<Result<ex::OpPtr>()>> parts, std::string what)
      : parts_(std::move(parts)), what_(std::move(what)) {
    schema_ = std::move(schema);
  }
  std::string name() const override { return "Chain " + what_; }

 protected:
  ex::BatchResult next_impl() override {
    while (next_ < parts_.size() || cur_) {
      if (!cur_) {
        auto op = parts_[next_++]();
        if (!op) return ex::BatchResult::error(op.error_message());
        cur_ = std::move(op.value());
      }
      auto b = cur_->next();
      if (!b) return b;
      if (b.value()) return b;
      done_.push_back(std::move(cur_));  // its leaf's metrics are read at the end of the task
    }
    return std::optional<col::Batch>();
  }

 private:
  std::vector<std::function<Result<ex::OpPtr>()>> parts_;
  size_t next_ = 0;
  ex::OpPtr cur_;
  std::vector<ex::OpPtr> done_;
  std::string what_;
};

// The SPB1 stream of a BlobsSource input named `ref` (the range bounds the driver attached).
Result<std::string> input_blob(const plan::NativeOp& op, const RunningTask& t, const std::string& ref) {
  for (const auto& in : op.inputs) {
    const auto* b = std::get_if<plan::BlobsSource>(&in.source);
    if (in.data_ref != ref || !b) continue;
    if (static_cast<size_t>(b->first) + static_cast<size_t>(b->count) > t.input_blobs.size())
      return Result<std::string>::error("plan refers to missing input blobs");
    std::string s;
    for (int i = 0; i < b->count; ++i) s += *t.input_blobs[static_cast<size_t>(b->first + i)];
    return s;
  }
  return Result<std::string>::error("no input '" + ref + "'");
}

}  // namespace

int round_robin_start(int map_partition, int num) {
  // java.util.Random(seed).nextInt(bound): seed scrambled with the LCG multiplier, one step,
  // top 31 bits; powers of two take the high bits, others reject the biased tail.
  const uint64_t kMul = 0x5DEECE66DULL, kMask = (1ULL << 48) - 1;
  uint64_t seed = (static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(ex::byteswap32(static_cast<uint32_t>(map_partition))))) ^ kMul) & kMask;
  auto next31 = [&] {
    seed = (seed * kMul + 0xBULL) & kMask;
    return static_cast<int32_t>(seed >> 17);
  };
  int32_t r = next31();
  if ((num & -num) == num) return static_cast<int>((static_cast<int64_t>(num) * r) >> 31);
  // Java's `u - r + (bound - 1) < 0` is an int overflow test.
  for (int32_t u = r;; u = next31()) {
    r = u % num;
    if (static_cast<int64_t>(u) - r + (num - 1) <= INT32_MAX) break;
  }
  return r;
}

TaskOutcome run_native_task(RunningTask& t, const TaskEnv& env, const plan::NativeOp& op, const plan::Sink& sink) {
  TaskOutcome o;
  o.update.task_id = t.spec.task_id;
  o.update.state = msg::TaskEndState::kFinished;
  const int64_t t0 = now_ms();
  auto& m = o.update.metrics;
  auto fail = [&](msg::TaskErrorKind kind, const std::string& error) {
    o.update.state = msg::TaskEndState::kFailed;
    o.update.error_kind = kind;
    o.update.fetch_failure.reset();  // set again by the caller of a fetch failure
    o.update.map_output.reset();
    o.update.error = error;
    o.blobs.clear();
    return o;
  };

  ex::unset_input_file();  // this thread's last task read its own files
  ex::MemoryManager fallback(INT64_MAX / 4);
  ex::LowerContext lc;
  lc.partition = op.partition;
  lc.num_partitions = op.num_partitions;
  lc.exec.memory = env.sql_memory ? env.sql_memory : &fallback;
  lc.exec.spill_dir = env.scratch_dir;
  lc.exec.eval.partition_index = op.partition;
  if (const std::string zone = op.fragment.value("sessionTimeZone", ""); !zone.empty()) {
    auto tz = sql::kern::TimeZone::of(zone);  // loaded once per process, then cached
    if (!tz) return fail(msg::TaskErrorKind::kUser, "spark.sql.session.timeZone: " + tz.error_message());
    lc.exec.eval.cast.tz = tz.value();
  }
  lc.exec.python = python_udf_factory(t, env);
  lc.exec.python_batch_rows = op.fragment.value("pythonBatchRows", int64_t{10000});

  std::vector<ReaderOp*> leaves;  // owned by the operator tree
  ex::LeafInputs inputs;
  inputs.scan = [&](const std::string& ref, const col::ColTypePtr& schema, const nlohmann::json& leaf) -> Result<ex::OpPtr> {
    if (leaf.value("op", "") == "FileScan") {
      std::vector<plan::TextSource> chunks;
      for (const auto& in : op.inputs)
        if (in.data_ref == ref)
          if (const auto* t = std::get_if<plan::TextSource>(&in.source)) chunks.push_back(*t);
      return make_file_scan(leaf, std::move(chunks), schema, lc.exec);
    }
    std::vector<const plan::NativeInput*> mine;
    for (const auto& in : op.inputs)
      if (in.data_ref == ref) mine.push_back(&in);
    if (mine.empty()) return ex::make_source(schema, {});  // a partition with no rows from this leaf
    auto open = [&, schema, ref](const plan::NativeInput& in) -> Result<ex::OpPtr> {
      std::unique_ptr<InputReader> r;
      std::vector<col::Batch> mem;
      int64_t mem_bytes = 0;
      if (const auto* sh = std::get_if<plan::ShuffleSource>(&in.source)) {
        if (env.map_outputs) {
          plan::ShuffleSource rest = *sh;
          take_stored_blocks(rest, *env.map_outputs, mem, mem_bytes);
          r = make_shuffle_reader(rest, env.shuffle);
        } else {
          r = make_shuffle_reader(*sh, env.shuffle);
        }
      } else if (const auto* blk = std::get_if<plan::BlockSource>(&in.source)) {
        // A cached DataFrame's partition (InMemoryTableScan): stored, or computed now and stored.
        auto batches = cached_block(*blk, t, env);
        if (!batches) return Result<ex::OpPtr>::error("cannot compute the cached partition " + std::to_string(blk->partition));
        r = std::make_unique<BlobReader>(std::move(*batches));
      } else if (const auto* c = std::get_if<plan::ComputeSource>(&in.source)) {
        // A Python RDD's partition (Scan ExistingRDD): its lineage run now, ending in SPB1 batches.
        auto batches = computed_input(*c, t, env);
        if (!batches) return Result<ex::OpPtr>::error("cannot compute the RDD partition scanned by '" + ref + "'");
        r = std::make_unique<BlobReader>(std::move(*batches));
      } else {
        const auto* bp = std::get_if<plan::BlobsSource>(&in.source);
        if (!bp) return Result<ex::OpPtr>::error("leaf '" + ref + "' reads a file range but is not a file scan");
        const auto& b = *bp;
        if (static_cast<size_t>(b.first) + static_cast<size_t>(b.count) > t.input_blobs.size())
          return Result<ex::OpPtr>::error("plan refers to missing input blobs");
        r = std::make_unique<BlobReader>(std::vector<std::shared_ptr<std::string>>(
            t.input_blobs.begin() + b.first, t.input_blobs.begin() + b.first + b.count));
      }
      auto leaf = std::make_unique<ReaderOp>(std::move(r), schema, ref, std::move(mem), mem_bytes);
      leaves.push_back(leaf.get());
      return ex::OpPtr(std::move(leaf));
    };
    if (mine.size() == 1) return open(*mine[0]);
    // Several partitions under one leaf (df.coalesce): read one after the other, each opened
    // only when the previous is drained (a cached or computed partition is held one at a time).
    std::vector<std::function<Result<ex::OpPtr>()>> parts;
    for (const auto* in : mine) parts.push_back([open, in] { return open(*in); });
    return ex::OpPtr(std::make_unique<ChainOp>(schema, std::move(parts), ref));
  };
  auto root = ex::lower_plan(op.fragment, lc, inputs);
  if (!root) return fail(msg::TaskErrorKind::kIo, "cannot run this SQL stage: " + root.error_message());

  std::unique_ptr<ShuffleSink> shuffle;
  std::unique_ptr<MapOutputBuilder> kept;  // the map output while it stays in memory
  const bool sampling = op.partitioning.is_object() && op.partitioning.contains("sample");
  ResultSink results(false, sampling ? std::string() : sink.spool);
  std::unique_ptr<SqlFileSink> files;  // a df.write task: rows -> its part file(s)
  ex::OutputPartitioning part;
  int rr_next = 0;
  col::Batch bounds;                          // range exchanges: from the driver's sampling job
  std::unique_ptr<ex::RangeSampler> sampler;  // a sampling task (result sink) of that job
  if (sink.kind == plan::SinkKind::kShuffle || sampling) {
    auto p = ex::lower_partitioning(op.partitioning, op.fragment.value("output", nlohmann::json::array()));
    if (!p) return fail(msg::TaskErrorKind::kIo, "cannot route this SQL stage's output: " + p.error_message());
    part = std::move(p.value());
  }
  if (sampling) {
    const auto& spec = op.partitioning["sample"];
    if (part.kind != ex::OutputPartitioning::Kind::Range || sink.kind != plan::SinkKind::kResult)
      return fail(msg::TaskErrorKind::kIo, "only a range partitioning's result task samples its keys");
    sampler = std::make_unique<ex::RangeSampler>(
        spec.contains("fraction")  // re-sampling a partition holding too many rows
            ? ex::RangeSampler::bernoulli(part.orders, spec.value("fraction", 1.0), spec.value("seed", int64_t(0)))
            : ex::RangeSampler(part.orders, spec.value("size", int64_t(1)), ex::range_sample_seed(op.partition, spec.value("shift", 0))));
  } else if (sink.kind == plan::SinkKind::kShuffle) {
    part.num = sink.num_reduce;  // the scheduler's count is the one readers use
    rr_next = part.kind == ex::OutputPartitioning::Kind::RoundRobin ? round_robin_start(op.partition, part.num) : 0;
    if (part.kind == ex::OutputPartitioning::Kind::Range && part.num > 1) {
      auto raw = input_blob(op, t, op.partitioning.value("bounds", ""));
      auto b = raw ? ex::decode_range_bounds(raw.value()) : Result<col::Batch>::error(raw.error_message());
      if (!b) return fail(msg::TaskErrorKind::kIo, "range partitioning without its bounds: " + b.error_message());
      bounds = std::move(b.value());
    }
    shuffle = std::make_unique<ShuffleSink>(sink, env, t.spec.partition, t.spec.task_id);
    if (env.map_outputs) kept = std::make_unique<MapOutputBuilder>(env.map_outputs, sink.shuffle_id, part.num);
  } else if (sink.kind == plan::SinkKind::kFiles) {
    auto f = SqlFileSink::make(sink, *root.value()->schema(), t.spec.task_id, op.partition, lc.exec.eval.cast.tz);
    if (!f) return fail(msg::TaskErrorKind::kUser, f.error_message());
    files = std::move(f.value());
  } else if (sink.kind != plan::SinkKind::kResult) {
    return fail(msg::TaskErrorKind::kIo, std::string("a SQL stage cannot write to a ") + plan::to_string(sink.kind) + " sink");
  }
  m.deserialize_ms = now_ms() - t0;

  std::string buf;
  auto encode = [&](uint32_t p, const col::Batch& b) -> Status {
    buf.clear();
    col::serialize(b, buf);
    return shuffle->add_to(p, buf.data(), buf.size());
  };
  auto write = [&](uint32_t p, const col::Batch& b) -> Status {
    m.shuffle_write_records += b.num_rows;
    if (kept) {
      if (kept->add(p, b)) return Status::ok();
      // Past the store's share of memory: this output becomes a data file after all.
      auto parts = kept->take_all();
      kept.reset();
      for (uint32_t q = 0; q < parts.size(); ++q)
        for (const auto& x : parts[q])
          if (Status st = encode(q, x); !st) return st;
    }
    return encode(p, b);
  };
  // A batch split over N reduce partitions leaves pieces of batch/N rows; each written alone
  // would be a record with its own schema header and compression frame (at 200 partitions ~20
  // rows each). Pieces wait per partition until they make a batch (or the task's pieces reach
  // kPendingBytes) and go out as one record, in their order.
  struct Pending {
    std::vector<col::Batch> pieces;
    int64_t rows = 0;
  };
  std::vector<Pending> pending;
  int64_t pending_bytes = 0;  // the pieces' rows' bytes: pieces are slices sharing buffers
  const int64_t flush_rows = std::max<int64_t>(lc.exec.batch_rows, 1024);
  constexpr int64_t kPendingBytes = int64_t{16} << 20;
  auto flush = [&](uint32_t p) -> Status {
    Pending& q = pending[p];
    if (q.pieces.empty()) return Status::ok();
    for (const auto& x : q.pieces) pending_bytes -= row_bytes(x);
    Status st = write(p, q.pieces.size() == 1 ? q.pieces[0] : col::concat(q.pieces));
    q.pieces.clear();
    q.rows = 0;
    return st;
  };
  auto flush_all = [&]() -> Status {
    for (uint32_t p = 0; p < pending.size(); ++p)
      if (Status st = flush(p); !st) return st;
    return Status::ok();
  };
  auto emit = [&](uint32_t p, col::Batch b) -> Status {
    if (b.num_rows == 0) return Status::ok();
    if (part.num <= 1 || b.num_rows >= flush_rows) {
      if (p < pending.size() && !pending[p].pieces.empty())
        if (Status st = flush(p); !st) return st;
      return write(p, b);
    }
    if (pending.size() < size_t(part.num)) pending.resize(size_t(part.num));
    Pending& q = pending[p];
    pending_bytes += row_bytes(b);
    q.rows += b.num_rows;
    q.pieces.push_back(std::move(b));
    if (q.rows >= flush_rows) return flush(p);
    if (pending_bytes > kPendingBytes) return flush_all();
    return Status::ok();
  };
  for (;;) {
    if (t.killed) {
      o.update.state = msg::TaskEndState::kKilled;
      o.update.error = "task killed";
      o.blobs.clear();
      return o;
    }
    auto next = root.value()->next();
    if (!next) {
      // A shuffle block that could not be fetched is a fetch failure (the map stage reruns).
      for (auto* leaf : leaves)
        if (auto ff = leaf->reader()->fetch_failure()) {
          fail(msg::TaskErrorKind::kFetchFailed, next.error_message());
          o.update.fetch_failure = std::move(ff);
          return o;
        }
      if (t.killed) {
        o.update.state = msg::TaskEndState::kKilled;
        o.update.error = "task killed";
        o.blobs.clear();
        return o;
      }
      return fail(msg::TaskErrorKind::kUser, next.error_message());
    }
    if (!next.value()) break;
    const col::Batch& b = *next.value();
    m.output_records += b.num_rows;
    if (sampler) {
      sampler->add(b, lc.exec);
      continue;
    }
    if (files) {
      if (Status st = files->add(b); !st) return fail(msg::TaskErrorKind::kIo, st.message());
      continue;
    }
    if (!shuffle) {
      (void)results.add(col::serialize(b));
      continue;
    }
    Status st = Status::ok();
    using K = ex::OutputPartitioning::Kind;
    if (part.kind == K::Hash && part.num > 1) {
      auto pieces = ex::hash_partition_batch(b, part.keys, part.num, lc.exec);
      for (size_t p = 0; p < pieces.size() && st; ++p) st = emit(static_cast<uint32_t>(p), std::move(pieces[p]));
    } else if (part.kind == K::Range && part.num > 1) {
      auto pieces = ex::range_partition_batch(b, part.orders, bounds, part.num, lc.exec);
      for (size_t p = 0; p < pieces.size() && st; ++p) st = emit(static_cast<uint32_t>(p), std::move(pieces[p]));
    } else if (part.kind == K::RoundRobin && part.num > 1) {
      std::vector<std::vector<int32_t>> rows(static_cast<size_t>(part.num));
      for (int64_t r = 0; r < b.num_rows; ++r) {
        rr_next = (rr_next + 1) % part.num;
        rows[static_cast<size_t>(rr_next)].push_back(static_cast<int32_t>(r));
      }
      for (size_t p = 0; p < rows.size() && st; ++p)
        st = emit(static_cast<uint32_t>(p), col::gather(b, rows[p].data(), static_cast<int64_t>(rows[p].size())));
    } else {
      st = emit(0, b);  // single, or one partition
    }
    if (!st) return fail(msg::TaskErrorKind::kIo, st.message());
  }
  if (shuffle)
    if (Status st = flush_all(); !st) return fail(msg::TaskErrorKind::kIo, st.message());
  // Operators' spills (aggregate, sort, join build) are the task's, as Spark's task memory
  // manager counts them; we know the bytes written, which stand for both measures.
  const int64_t op_spill = ex::total_spill_bytes(*root.value());
  m.memory_spilled += op_spill;
  m.disk_spilled += op_spill;
  for (auto* leaf : leaves) {
    leaf->reader()->add_metrics(m, leaf->rows());
    m.shuffle_read_bytes += leaf->memory_bytes();
  }
  if (files) {
    if (Status st = files->finish(); !st) return fail(msg::TaskErrorKind::kIo, st.message());
    m.output_bytes = files->bytes_written();
  }
  if (sampler) (void)results.add(ex::encode_range_sample({sampler->sample(), sampler->rows_seen()}));
  if (kept) {
    auto offsets = kept->publish(shuffle->data_path());
    m.shuffle_write_bytes = offsets.back();
    o.update.map_output = msg::MapOutputInfo{shuffle->data_path(), std::move(offsets), m.shuffle_write_bytes, 0};
  } else if (shuffle) {
    shuffle->report(m);
    if (Status ws = shuffle->commit(o); !ws) return fail(msg::TaskErrorKind::kIo, ws.message());
  } else {
    (void)results.commit(o);
  }
  // The SQL tab's per-operator metrics; a range sampling task recomputes a map stage's input
  // for its keys only, so it does not add to the query's row counts.
  if (!sampler) o.update.sql_metrics = ex::node_metrics(*root.value()).get<std::vector<std::vector<int64_t>>>();
  m.run_ms = now_ms() - t0;
  return o;
}

}  // namespace spp::executor
