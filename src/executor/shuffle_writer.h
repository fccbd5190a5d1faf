// Map side of the shuffle: routes a task's records to reduce partitions with bounded memory.
//
// Records are encoded (compressed, checksummed) as they arrive and buffered per reduce
// partition. When the buffer passes spill_threshold, every partition's buffered records go to
// a spill file (partition after partition, with their offsets kept in memory) and the buffer is
// freed. commit() writes the one data file of the map task — per partition, that partition's
// records from each spill in order, then from memory — then deletes the spills. Its offsets
// (offsets()) go to the driver in the task's map status; no index file is written.
//
//   base.data   records of partition 0 | partition 1 | ...
//   base.spillN temporary; gone after commit() or when the writer is destroyed
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "executor/shuffle_format.h"

namespace spp::executor {

class ShuffleWriter {
 public:
  // `base` is the path without extension, e.g. <scratch>/shuffle_3_0_17.
  ShuffleWriter(std::string base, int num_reduce, const ShuffleSettings& s);
  ~ShuffleWriter();  // removes spill files and any partial (uncommitted) output
  ShuffleWriter(const ShuffleWriter&) = delete;
  ShuffleWriter& operator=(const ShuffleWriter&) = delete;

  // One blob from the Python worker: u32 BE reduce partition | pickled batch.
  Status add(const std::string& blob);
  Status add(uint32_t part, const char* data, size_t len);
  // Writes base.data. Afterwards offsets() describes the data file.
  Status commit();

  std::string data_path() const { return base_ + ".data"; }
  const std::vector<int64_t>& offsets() const { return offsets_; }
  int64_t records() const { return records_; }
  int64_t raw_bytes() const { return raw_bytes_; }          // pickled bytes before encoding
  int64_t bytes_written() const { return offsets_.empty() ? 0 : offsets_.back(); }
  int64_t memory_spilled() const { return memory_spilled_; }  // buffered bytes moved to disk
  int64_t disk_spilled() const { return disk_spilled_; }      // bytes written to spill files
  int spills() const { return static_cast<int>(spills_.size()); }
  int64_t buffered() const { return buffered_; }

 private:
  struct Spill {
    std::string path;
    std::vector<int64_t> offsets;  // num_reduce+1
  };
  Status spill();
  void remove_spills();

  std::string base_;
  ShuffleSettings settings_;
  std::vector<std::string> parts_;  // encoded records buffered per reduce partition
  std::vector<Spill> spills_;
  std::vector<int64_t> offsets_;
  int64_t buffered_ = 0;
  int64_t records_ = 0;
  int64_t raw_bytes_ = 0;
  int64_t memory_spilled_ = 0;
  int64_t disk_spilled_ = 0;
  bool committed_ = false;
};

}  // namespace spp::executor
