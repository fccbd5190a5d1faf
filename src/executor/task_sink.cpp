// Task sinks (task_sink.h).
#include "executor/task_sink.h"

#include <filesystem>

#include "common/log.h"

namespace spp::executor {
namespace fs = std::filesystem;
static const char* kLog = "executor";

Status ResultSink::add(std::string batch) {
  bytes_ += static_cast<int64_t>(batch.size());
  if (spool_) {
    Status st = spool_->add(batch);
    if (st) return st;  // the batch's memory is reused by the next one
    LOG_WARN(kLog, st.message() << "; the task's results stay in memory");
    unspool();
  }
  batches_.push_back(std::move(batch));
  return Status::ok();
}

void ResultSink::unspool() {
  auto back = spool_->read_back();
  spool_.reset();
  if (!back) {
    LOG_WARN(kLog, back.error_message());
    return;
  }
  if (!back.value().empty()) batches_.insert(batches_.begin(), std::move(back.value()));
}

Status ResultSink::commit(TaskOutcome& o) {
  if (spool_ && spool_->opened()) {
    auto ref = spool_->finish();
    if (ref) {
      o.blobs.insert(o.blobs.begin(), std::move(ref.value()));
      spool_.reset();  // the driver owns the file now
      o.update.metrics.result_bytes += bytes_;
      return Status::ok();
    }
    LOG_WARN(kLog, ref.error_message() << "; the task's results stay in memory");
    unspool();
  }
  // Rows first: an accumulator blob the worker sent at its end stays last.
  o.blobs.insert(o.blobs.begin(), std::make_move_iterator(batches_.begin()), std::make_move_iterator(batches_.end()));
  batches_.clear();
  o.update.metrics.result_bytes += bytes_;
  return Status::ok();
}

void ResultSink::abort() {
  batches_.clear();
  if (spool_) spool_->remove();
}

Result<std::unique_ptr<TaskSink>> PartFileSink::open(const plan::Sink& s, int64_t task_id) {
  using R = Result<std::unique_ptr<TaskSink>>;
  const std::string& dir = s.tmp_dir;
  std::error_code ec;
  // The driver made `dir`; it is missing when the path is not shared between the driver and
  // this host, or when the job already ended (a late speculative copy): never recreate it.
  if (!fs::is_directory(dir, ec))
    return R::error("output directory " + dir + " does not exist on this executor's host (the job ended, or the path is not on "
                    "a file system shared by the driver and every executor)");
  auto sink = std::unique_ptr<PartFileSink>(new PartFileSink());
  sink->pickle_ = s.kind == plan::SinkKind::kPickle;
  if (!sink->pickle_) sink->codec_ = compressor_for(s.file);  // saveAsTextFile(path, codec)
  const std::string attempt = dir + "/attempt_" + std::to_string(task_id);
  fs::create_directory(attempt, ec);
  sink->tmp_ = attempt + "/" + s.file;
  sink->final_ = dir + "/" + s.file;
  sink->out_.open(sink->tmp_, std::ios::binary | std::ios::trunc);
  if (!sink->out_) {
    sink->abort();
    return R::error("cannot write " + sink->tmp_);
  }
  return std::unique_ptr<TaskSink>(std::move(sink));
}

PartFileSink::~PartFileSink() {
  if (!done_) abort();
}

Status PartFileSink::add(std::string batch) {
  if (pickle_) {
    const uint32_t n = static_cast<uint32_t>(batch.size());
    const char hdr[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8), static_cast<char>(n)};
    out_.write(hdr, 4);
  }
  if (codec_) {
    std::string z;
    if (Status st = codec_->write(batch.data(), batch.size(), z); !st) return Status::error(st.message() + " writing " + tmp_);
    out_.write(z.data(), static_cast<std::streamsize>(z.size()));
  } else {
    out_.write(batch.data(), static_cast<std::streamsize>(batch.size()));
  }
  return out_ ? Status::ok() : Status::error("cannot write " + tmp_);
}

Status PartFileSink::commit(TaskOutcome&) {
  if (codec_) {
    std::string z;
    if (Status st = codec_->finish(z); !st) return Status::error(st.message() + " writing " + tmp_);
    out_.write(z.data(), static_cast<std::streamsize>(z.size()));
  }
  out_.close();
  std::error_code ec;
  if (!out_) ec = std::make_error_code(std::errc::io_error);
  else fs::rename(tmp_, final_, ec);  // task commit: atomic, idempotent for retries
  abort();  // the attempt dir goes either way
  return ec ? Status::error("cannot commit " + final_ + ": " + ec.message()) : Status::ok();
}

void PartFileSink::abort() {
  done_ = true;
  if (out_.is_open()) out_.close();
  std::error_code ec;
  fs::remove_all(fs::path(tmp_).parent_path(), ec);
}

ShuffleSink::ShuffleSink(const plan::Sink& s, const TaskEnv& env, int partition, int64_t task_id) {
  const std::string base = fs::absolute(env.scratch_dir).string() + "/shuffle_" + std::to_string(s.shuffle_id) + "_" +
                           std::to_string(partition) + "_" + std::to_string(task_id);
  writer_ = std::make_unique<ShuffleWriter>(base, s.num_reduce, env.shuffle);
}

Status ShuffleSink::add(std::string batch) {
  ++batches_;
  return writer_->add(batch);
}

Status ShuffleSink::commit(TaskOutcome& o) {
  if (Status st = writer_->commit(); !st) return st;
  o.update.metrics.shuffle_write_bytes = writer_->bytes_written();
  o.update.metrics.shuffle_write_records += batches_;
  o.update.map_output = msg::MapOutputInfo{writer_->data_path(), writer_->offsets(), writer_->raw_bytes(), writer_->spills()};
  return Status::ok();
}

void ShuffleSink::report(msg::TaskMetrics& m) const {
  m.memory_spilled += writer_->memory_spilled();
  m.disk_spilled += writer_->disk_spilled();
}

Result<std::unique_ptr<TaskSink>> open_sink(const plan::Sink& s, const RunningTask& t, const TaskEnv& env) {
  using R = Result<std::unique_ptr<TaskSink>>;
  switch (s.kind) {
    case plan::SinkKind::kResult: return std::unique_ptr<TaskSink>(std::make_unique<ResultSink>());
    case plan::SinkKind::kText:
    case plan::SinkKind::kPickle: return PartFileSink::open(s, t.spec.task_id);
    case plan::SinkKind::kShuffle:
      return std::unique_ptr<TaskSink>(std::make_unique<ShuffleSink>(s, env, t.spec.partition, t.spec.task_id));
    case plan::SinkKind::kBatches: return std::unique_ptr<TaskSink>(std::make_unique<ResultSink>(true));
    case plan::SinkKind::kFiles: break;
  }
  return R::error(std::string("a Python task cannot write to a ") + plan::to_string(s.kind) + " sink");
}

}  // namespace spp::executor
