// Where a task's output goes (plan::Sink): one interface, one implementation per sink kind.
// The task path hands each output batch to add() as it arrives, then commit() on success
// (publish the output: keep result batches, rename the part file, write the shuffle index;
// report it in the outcome) or abort() on failure or kill (remove what was written).
// Python tasks give the batches their worker framed; native (SQL) tasks give serialized
// columnar batches, and route shuffle output to a reduce partition themselves (add_to).
#pragma once
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/task_plan.h"
#include "executor/result_spool.h"
#include "executor/shuffle_writer.h"
#include "executor/task_runner.h"
#include "executor/text_codecs.h"

namespace spp::executor {

class TaskSink {
 public:
  virtual ~TaskSink() = default;
  // What the Python worker is told it writes to (its output framing).
  virtual const char* worker_format() const = 0;
  virtual Status add(std::string batch) = 0;
  // Success: publish, and report in `o` (blobs, extra, metrics). A failure here fails the task.
  virtual Status commit(TaskOutcome& o) = 0;
  // Failure or kill: remove what was written. Never after a successful commit.
  virtual void abort() {}
  // Metrics due whether the task succeeded or not (spills).
  virtual void report(msg::TaskMetrics&) const {}
};

// Result batches for the driver, ahead of the accumulator blob the worker may add; or, for a
// ComputeSource's Python sub-task, its SPB1 batches (the worker writes them as they are).
// With a spool path (plan::Sink::spool) the batches go into that file as they come and the
// driver gets one reference to it; if the file cannot be made or written they stay in memory.
class ResultSink final : public TaskSink {
 public:
  explicit ResultSink(bool sql_batches = false, std::string spool = {})
      : sql_batches_(sql_batches), spool_(spool.empty() ? nullptr : std::make_unique<SpoolWriter>(std::move(spool))) {}
  ~ResultSink() override { abort(); }  // a failed or killed task's spool goes; a committed one is the driver's
  const char* worker_format() const override { return sql_batches_ ? "sqlbatch" : "result"; }
  Status add(std::string batch) override;
  Status commit(TaskOutcome& o) override;
  void abort() override;

 private:
  void unspool();  // the spool failed: what it holds comes back into memory, no more spooling
  std::vector<std::string> batches_;
  int64_t bytes_ = 0;
  bool sql_batches_ = false;
  std::unique_ptr<SpoolWriter> spool_;
};

// A part file with task-side commit: written under `_temporary/attempt_<task>/`, renamed into
// the job's temporary dir on success (atomic, so a retry's rename is idempotent). `text` writes
// the batches as they are; `pickle` (checkpoints) frames each as u32 BE length | bytes.
class PartFileSink final : public TaskSink {
 public:
  static Result<std::unique_ptr<TaskSink>> open(const plan::Sink& s, int64_t task_id);
  ~PartFileSink() override;
  const char* worker_format() const override { return pickle_ ? "result" : "text"; }
  Status add(std::string batch) override;
  Status commit(TaskOutcome& o) override;
  void abort() override;

 private:
  bool pickle_ = false;
  std::unique_ptr<TextCompressor> codec_;  // text: by the file's extension (.gz .bz2 .zst .lz4)
  std::string tmp_, final_;
  std::ofstream out_;
  bool done_ = false;
};

// Shuffle map output: one data file + index per map task, records spilled past the threshold.
// Paths are absolute: other executors read them.
class ShuffleSink final : public TaskSink {
 public:
  ShuffleSink(const plan::Sink& s, const TaskEnv& env, int partition, int64_t task_id);
  const char* worker_format() const override { return "shuffle"; }
  Status add(std::string batch) override;  // records of any reduce partitions (Python framing)
  Status add_to(uint32_t reduce, const char* data, size_t n) { return writer_->add(reduce, data, n); }
  std::string data_path() const { return writer_->data_path(); }
  Status commit(TaskOutcome& o) override;
  void report(msg::TaskMetrics& m) const override;

 private:
  std::unique_ptr<ShuffleWriter> writer_;
  int64_t batches_ = 0;  // Python tasks: batches of records written (their shuffle write records)
};

// The sink of a Python task: result, text, pickle or shuffle.
Result<std::unique_ptr<TaskSink>> open_sink(const plan::Sink& s, const RunningTask& t, const TaskEnv& env);

}  // namespace spp::executor
