// The executor's store of cached RDD partitions (persist/cache): serialized batches kept in
// memory within a budget (executor memory x spark.memory.fraction), least-recently-used blocks
// evicted first; levels with disk spill evicted blocks to local files, DISK_ONLY goes straight
// to disk. Thread-safe: task threads read and write it concurrently.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/messages.h"

namespace spp::executor {

using Batches = std::vector<std::shared_ptr<std::string>>;

// A block on disk: (u32 BE length | batch bytes) per batch. Decoding checks every length against
// the bytes left, so a corrupt or truncated file is "no block" (recomputed), never an allocation
// of what a damaged header claims. The file's size bounds everything read back.
std::string encode_disk_block(const Batches& batches);
std::optional<Batches> decode_disk_block(std::string_view bytes);

struct StorageLevel {
  bool use_disk = false;
  bool use_memory = true;
  int replication = 1;
  static StorageLevel from_json(const nlohmann::json& j);
};

class BlockManager {
 public:
  BlockManager(int64_t memory_budget, std::string disk_dir);
  // The block's batches (from memory, or read back from disk), or nothing.
  std::optional<Batches> get(int rdd, int partition);
  // Spark's block write lock (BlockInfoManager.lockNewBlockForWriting): the block, or, when it
  // is missing, a claim on computing it (`claimed`; give it back with release() once stored or
  // failed). A task asking while another computes it waits for that one, then reads what it
  // stored: two concurrent stages reading one cached partition compute it once (and count its
  // accumulators once), as in Spark on one executor.
  std::optional<Batches> get_or_claim(int rdd, int partition, bool& claimed);
  void release(int rdd, int partition);
  // Stores a block. Returns what changed, for the driver: the stored block (absent if it could
  // not be kept) and blocks evicted or moved to disk to make room.
  msg::BlocksUpdated put(int rdd, int partition, const StorageLevel& level, Batches batches);
  // Drops every block of an RDD; returns them.
  std::vector<msg::BlockInfo> remove_rdd(int rdd);
  int64_t memory_used() const;
  int64_t memory_budget() const { return budget_; }

 private:
  struct Block {
    StorageLevel level;
    Batches mem;            // empty when only on disk
    int64_t mem_bytes = 0;
    int64_t disk_bytes = 0;
    std::list<std::pair<int, int>>::iterator lru;
  };
  using Key = std::pair<int, int>;
  std::string path_of(const Key& k) const;
  bool write_disk(const Key& k, const Batches& b, int64_t& bytes);
  std::optional<Batches> read_disk(const Key& k);
  // Evicts LRU blocks (except `keep`) until `need` bytes fit. Appends changes to `out`.
  void make_room(int64_t need, const Key& keep, msg::BlocksUpdated& out);
  msg::BlockInfo info(const Key& k, const Block& b) const;

  mutable std::mutex mu_;
  int64_t budget_;
  int64_t used_ = 0;
  std::string dir_;
  std::map<Key, Block> blocks_;
  std::list<Key> lru_;  // front = most recently used
  std::mutex claims_mu_;  // taken before mu_, never after
  std::condition_variable claims_cv_;
  std::set<Key> claims_;  // blocks a task is computing
};

}  // namespace spp::executor
