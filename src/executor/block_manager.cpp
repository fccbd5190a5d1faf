// BlockManager: LRU storage of cached partitions in memory and on local disk.
#include "executor/block_manager.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace spp::executor {
namespace fs = std::filesystem;

StorageLevel StorageLevel::from_json(const nlohmann::json& j) {
  StorageLevel l;
  if (!j.is_object()) return l;
  l.use_disk = j.value("use_disk", false);
  l.use_memory = j.value("use_memory", true) || j.value("use_off_heap", false);
  l.replication = std::max(1, j.value("replication", 1));
  if (!l.use_disk && !l.use_memory) l.use_memory = true;
  return l;
}

BlockManager::BlockManager(int64_t memory_budget, std::string disk_dir)
    : budget_(memory_budget), dir_(std::move(disk_dir)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
}

std::string BlockManager::path_of(const Key& k) const {
  return dir_ + "/rdd_" + std::to_string(k.first) + "_" + std::to_string(k.second);
}

msg::BlockInfo BlockManager::info(const Key& k, const Block& b) const {
  msg::BlockInfo i;
  i.rdd = k.first;
  i.partition = k.second;
  i.mem_bytes = b.mem_bytes;
  i.disk_bytes = b.disk_bytes;
  return i;
}

std::string encode_disk_block(const Batches& batches) {
  std::string out;
  size_t total = 0;
  for (const auto& b : batches) total += 4 + b->size();
  out.reserve(total);
  for (const auto& b : batches) {
    uint32_t n = static_cast<uint32_t>(b->size());
    char hdr[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8), static_cast<char>(n)};
    out.append(hdr, 4);
    out.append(*b);
  }
  return out;
}

std::optional<Batches> decode_disk_block(std::string_view bytes) {
  Batches out;
  size_t pos = 0;
  while (pos < bytes.size()) {
    if (bytes.size() - pos < 4) return std::nullopt;  // a header cut short
    const auto* h = reinterpret_cast<const unsigned char*>(bytes.data() + pos);
    uint32_t n = (uint32_t(h[0]) << 24) | (uint32_t(h[1]) << 16) | (uint32_t(h[2]) << 8) | h[3];
    pos += 4;
    if (bytes.size() - pos < n) return std::nullopt;  // claims more than the file holds
    out.push_back(std::make_shared<std::string>(bytes.substr(pos, n)));
    pos += n;
  }
  return out;
}

bool BlockManager::write_disk(const Key& k, const Batches& batches, int64_t& bytes) {
  std::string tmp = path_of(k) + ".tmp";
  std::string data = encode_disk_block(batches);
  std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
  bytes = static_cast<int64_t>(data.size());
  f.close();
  std::error_code ec;
  if (!f) {
    fs::remove(tmp, ec);
    return false;
  }
  fs::rename(tmp, path_of(k), ec);
  return !ec;
}

std::optional<Batches> BlockManager::read_disk(const Key& k) {
  std::ifstream f(path_of(k), std::ios::binary);
  if (!f) return std::nullopt;
  std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) return std::nullopt;
  return decode_disk_block(data);
}

std::optional<Batches> BlockManager::get(int rdd, int partition) {
  std::lock_guard<std::mutex> g(mu_);
  Key k{rdd, partition};
  auto it = blocks_.find(k);
  if (it == blocks_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  if (it->second.mem_bytes > 0) return it->second.mem;
  auto d = read_disk(k);
  if (!d) {  // disk copy gone: forget the block, the caller recomputes it
    lru_.erase(it->second.lru);
    blocks_.erase(it);
  }
  return d;
}

std::optional<Batches> BlockManager::get_or_claim(int rdd, int partition, bool& claimed) {
  const Key k{rdd, partition};
  std::unique_lock<std::mutex> g(claims_mu_);
  claims_cv_.wait(g, [&] { return claims_.count(k) == 0; });
  auto hit = get(rdd, partition);
  claimed = !hit;
  if (claimed) claims_.insert(k);
  return hit;
}

void BlockManager::release(int rdd, int partition) {
  {
    std::lock_guard<std::mutex> g(claims_mu_);
    claims_.erase(Key{rdd, partition});
  }
  claims_cv_.notify_all();
}

void BlockManager::make_room(int64_t need, const Key& keep, msg::BlocksUpdated& out) {
  for (auto it = lru_.rbegin(); it != lru_.rend() && used_ + need > budget_;) {
    Key k = *it;
    ++it;
    if (k == keep) continue;
    Block& b = blocks_.at(k);
    if (b.mem_bytes == 0) continue;
    used_ -= b.mem_bytes;
    if (b.level.use_disk && b.disk_bytes == 0) {
      int64_t bytes = 0;
      if (write_disk(k, b.mem, bytes)) b.disk_bytes = bytes;
    }
    b.mem.clear();
    b.mem_bytes = 0;
    if (b.disk_bytes > 0) {
      out.stored.push_back(info(k, b));  // now on disk only
    } else {
      out.removed.push_back(info(k, b));
      lru_.erase(b.lru);
      blocks_.erase(k);
    }
  }
}

msg::BlocksUpdated BlockManager::put(int rdd, int partition, const StorageLevel& level, Batches batches) {
  std::lock_guard<std::mutex> g(mu_);
  msg::BlocksUpdated out;
  out.replica_level = nlohmann::json::object();
  Key k{rdd, partition};
  if (blocks_.count(k)) return out;  // another task stored it first
  int64_t size = 0;
  for (const auto& b : batches) size += static_cast<int64_t>(b->size());
  Block blk;
  blk.level = level;
  bool in_memory = false;
  if (level.use_memory && size <= budget_) {
    make_room(size, k, out);
    if (used_ + size <= budget_) {
      blk.mem = batches;
      blk.mem_bytes = size;
      used_ += size;
      in_memory = true;
    }
  }
  if (!in_memory && level.use_disk) {
    int64_t bytes = 0;
    if (write_disk(k, batches, bytes)) blk.disk_bytes = bytes;
  }
  if (blk.mem_bytes == 0 && blk.disk_bytes == 0) return out;  // could not keep it (too big)
  lru_.push_front(k);
  blk.lru = lru_.begin();
  out.stored.insert(out.stored.begin(), info(k, blk));
  blocks_.emplace(k, std::move(blk));
  return out;
}

std::vector<msg::BlockInfo> BlockManager::remove_rdd(int rdd) {
  std::lock_guard<std::mutex> g(mu_);
  std::vector<msg::BlockInfo> out;
  for (auto it = blocks_.begin(); it != blocks_.end();) {
    if (it->first.first != rdd) {
      ++it;
      continue;
    }
    out.push_back(info(it->first, it->second));
    used_ -= it->second.mem_bytes;
    std::error_code ec;
    if (it->second.disk_bytes) fs::remove(path_of(it->first), ec);
    lru_.erase(it->second.lru);
    it = blocks_.erase(it);
  }
  return out;
}

int64_t BlockManager::memory_used() const {
  std::lock_guard<std::mutex> g(mu_);
  return used_;
}

}  // namespace spp::executor
