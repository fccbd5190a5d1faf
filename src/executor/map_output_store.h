// Map outputs of native (SQL) shuffle map tasks kept in this process as columnar batches, when
// every reader of the shuffle is this process (local mode: one executor). A reduce task then
// takes the batches as they are: no record encoding, LZ4, data file write, read back, decode.
//
// The memory is execution memory (the SQL pool), within a cap of its own: a map task reserves
// each batch before keeping it; past the cap it writes the normal data file instead (its
// MapOutputInfo then describes that file). An output lives until the driver's RemoveShuffle
// (the query ended) or the process exits; losing the process loses it, which the driver treats
// as a lost executor's files (fetch failure, map stage recomputed).
//
// A stored output is keyed by the data file path it would have had, so that the driver, the map
// status and the reduce side's block refs stay as they are; its "offsets" are cumulative memory
// bytes per reduce partition, from which a block ref's (offset, length) finds its partitions.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "sql/columnar/batch.h"
#include "sql/exec/memory.h"

namespace spp::executor {

// Bytes of a batch's rows: a slice's share of its buffers, not the buffers it shares with the
// other pieces of a partitioned batch (nested columns: their buffers whole).
int64_t row_bytes(const sql::col::Batch& b);

struct StoredMapOutput {
  int shuffle_id = 0;
  std::vector<std::vector<sql::col::Batch>> parts;  // per reduce partition, in write order
  std::vector<int64_t> offsets;                     // num_reduce+1: cumulative bytes
  int64_t bytes = 0;                                // reserved from the pool for it

  // The reduce partitions [first, second) a block ref of this output covers; empty when its
  // range does not fall on partition boundaries.
  std::pair<int, int> partitions(int64_t offset, int64_t length) const;
};

class MapOutputStore {
 public:
  // `cap` bounds the stored bytes; every byte is also reserved from `pool`.
  MapOutputStore(sql::exec::MemoryManager* pool, int64_t cap) : pool_(pool), cap_(cap) {}
  ~MapOutputStore();
  MapOutputStore(const MapOutputStore&) = delete;
  MapOutputStore& operator=(const MapOutputStore&) = delete;

  // All of `bytes` or nothing, within the cap and the pool. Thread-safe.
  bool reserve(int64_t bytes);
  void release(int64_t bytes);
  // Publishes a map task's output (its bytes reserved already). Replaces a previous attempt's
  // output at the same path (whose bytes are released); dropped if its shuffle was removed.
  void put(const std::string& path, std::shared_ptr<const StoredMapOutput> out);
  std::shared_ptr<const StoredMapOutput> get(const std::string& path) const;
  // Drops every output of the shuffle; returns how many.
  int remove_shuffle(int shuffle_id);
  int64_t used() const;
  int64_t cap() const { return cap_; }
  size_t size() const;

 private:
  sql::exec::MemoryManager* pool_;
  const int64_t cap_;
  mutable std::mutex mu_;
  int64_t used_ = 0;  // reserved: stored outputs + those being written
  std::map<std::string, std::shared_ptr<const StoredMapOutput>> outputs_;
  std::set<int> removed_;  // shuffles removed: a late attempt's output is not kept
};

// A map task's output on its way into the store: batches added per reduce partition, each
// reserved first. When a reservation is refused the caller takes the batches back (take_all)
// and writes the data file instead; the reservation goes with the object unless published.
class MapOutputBuilder {
 public:
  MapOutputBuilder(MapOutputStore* store, int shuffle_id, int num_reduce);
  ~MapOutputBuilder();
  MapOutputBuilder(const MapOutputBuilder&) = delete;
  MapOutputBuilder& operator=(const MapOutputBuilder&) = delete;

  // False (nothing kept) when the memory is not granted.
  bool add(uint32_t reduce, sql::col::Batch b);
  // Everything added so far, per reduce partition; the reservation is released.
  std::vector<std::vector<sql::col::Batch>> take_all();
  // Publishes under `path`; returns the offsets for the task's MapOutputInfo.
  std::vector<int64_t> publish(const std::string& path);
  int64_t bytes() const { return out_->bytes; }

 private:
  MapOutputStore* store_;
  std::shared_ptr<StoredMapOutput> out_;
  std::vector<int64_t> part_bytes_;
  sql::exec::RetainedBuffers retained_;  // buffers counted already (raw pointers: out_ holds them)
  bool published_ = false;
};

}  // namespace spp::executor
