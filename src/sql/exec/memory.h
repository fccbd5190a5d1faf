// Execution memory for SQL operators: one MemoryManager per executor (limit = executor memory ×
// spark.memory.fraction), a Reservation per buffering operator, and SpillFile for what does not
// fit. Operators reserve before they buffer; a refused reservation means "spill now".
#pragma once
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

#include "sql/columnar/batch.h"

namespace spp::sql::exec {

// spark.executor.memory × spark.memory.fraction (default 0.6): the pool execution draws from.
int64_t execution_memory_bytes(int64_t executor_memory_bytes, double memory_fraction = 0.6);

class MemoryManager {
 public:
  explicit MemoryManager(int64_t limit_bytes) : limit_(limit_bytes) {}
  // Grants all of `bytes` or nothing. Thread-safe.
  bool try_reserve(int64_t bytes);
  void release(int64_t bytes);
  int64_t used() const;
  int64_t limit() const { return limit_; }

 private:
  mutable std::mutex mu_;
  const int64_t limit_;
  int64_t used_ = 0;
};

// An operator's share of the pool; released when destroyed.
class Reservation {
 public:
  explicit Reservation(MemoryManager* mm) : mm_(mm) {}
  ~Reservation() { release_all(); }
  Reservation(const Reservation&) = delete;
  Reservation& operator=(const Reservation&) = delete;
  bool grow(int64_t bytes);
  // Takes the memory even past the limit (progress must be possible with one batch in hand).
  void force_grow(int64_t bytes);
  void release_all();
  int64_t held() const { return held_; }
  int64_t peak() const { return peak_; }

 private:
  MemoryManager* mm_;
  int64_t held_ = 0, peak_ = 0, forced_ = 0;
};

// The memory a buffering operator retains: each distinct buffer's capacity once. Batches that
// are slices of one large result (a hash aggregate's output, cut into batch-sized pieces) share
// its buffers; counting each slice's buffers whole made a Sort of 270,000 aggregated rows think
// it held 548 MiB and spill.
class RetainedBuffers {
 public:
  // Bytes of the buffers of `b` not counted before.
  int64_t add(const col::Batch& b);
  void clear() { seen_.clear(); }

 private:
  void add(const col::Column& c, int64_t& n);
  std::unordered_set<const col::Buffer*> seen_;
};

// A temporary file of serialized batches (SPB1 messages, zstd), written once then read back in
// order; deleted when destroyed.
class SpillFile {
 public:
  static Result<std::unique_ptr<SpillFile>> create(const std::string& dir);
  ~SpillFile();
  Status write(const col::Batch& b);
  Status finish_writing();
  // Next batch, or nullopt at the end.
  Result<std::optional<col::Batch>> read();
  int64_t bytes_written() const { return bytes_; }
  int64_t batches() const { return batches_; }

 private:
  SpillFile() = default;
  std::string path_;
  std::FILE* f_ = nullptr;
  int64_t bytes_ = 0, batches_ = 0;
  bool reading_ = false;
};

}  // namespace spp::sql::exec
