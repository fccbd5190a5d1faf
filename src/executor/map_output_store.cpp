#include "executor/map_output_store.h"

#include <algorithm>

#include "sql/exec/memory.h"

namespace spp::executor {

int64_t row_bytes(const sql::col::Batch& b) {
  int64_t n = 0;
  for (const auto& c : b.columns) {
    const int w = sql::col::fixed_width(c->id());
    if (w > 0) n += c->length * w;
    else if (sql::col::is_var_binary(c->id())) n += c->length * 4 + (c->length ? c->offsets()[c->length] - c->offsets()[0] : 0);
    else n += sql::col::memory_size(*c);
  }
  return n;
}

std::pair<int, int> StoredMapOutput::partitions(int64_t offset, int64_t length) const {
  // Empty partitions share their offset with the next one: any of them may start or end a
  // range, and holding no batches they change nothing.
  auto first = std::lower_bound(offsets.begin(), offsets.end(), offset);
  auto last = std::lower_bound(offsets.begin(), offsets.end(), offset + length);
  if (first == offsets.end() || last == offsets.end() || *first != offset || *last != offset + length) return {0, 0};
  const int n = static_cast<int>(parts.size());
  return {std::min(n, static_cast<int>(first - offsets.begin())), std::min(n, static_cast<int>(last - offsets.begin()))};
}

MapOutputStore::~MapOutputStore() {
  if (pool_ && used_ > 0) pool_->release(used_);
}

bool MapOutputStore::reserve(int64_t bytes) {
  if (bytes <= 0) return true;
  std::lock_guard<std::mutex> lock(mu_);
  if (used_ + bytes > cap_) return false;
  if (pool_ && !pool_->try_reserve(bytes)) return false;
  used_ += bytes;
  return true;
}

void MapOutputStore::release(int64_t bytes) {
  if (bytes <= 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  used_ -= bytes;
  if (pool_) pool_->release(bytes);
}

void MapOutputStore::put(const std::string& path, std::shared_ptr<const StoredMapOutput> out) {
  std::shared_ptr<const StoredMapOutput> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (removed_.count(out->shuffle_id)) {  // a late attempt (speculative, killed) of a query that ended
      old = std::move(out);
    } else {
      auto& slot = outputs_[path];
      old = std::move(slot);
      slot = std::move(out);
    }
  }
  if (old) release(old->bytes);
}

std::shared_ptr<const StoredMapOutput> MapOutputStore::get(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = outputs_.find(path);
  return it == outputs_.end() ? nullptr : it->second;
}

int MapOutputStore::remove_shuffle(int shuffle_id) {
  // Readers still holding an output keep its batches alive until they finish; the pool gets
  // the bytes back now (the query that read them has ended).
  std::vector<std::shared_ptr<const StoredMapOutput>> doomed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    removed_.insert(shuffle_id);
    for (auto it = outputs_.begin(); it != outputs_.end();) {
      if (it->second->shuffle_id == shuffle_id) {
        doomed.push_back(std::move(it->second));
        it = outputs_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& d : doomed) release(d->bytes);
  return static_cast<int>(doomed.size());
}

int64_t MapOutputStore::used() const {
  std::lock_guard<std::mutex> lock(mu_);
  return used_;
}

size_t MapOutputStore::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return outputs_.size();
}

MapOutputBuilder::MapOutputBuilder(MapOutputStore* store, int shuffle_id, int num_reduce)
    : store_(store), out_(std::make_shared<StoredMapOutput>()), part_bytes_(static_cast<size_t>(std::max(0, num_reduce)), 0) {
  out_->shuffle_id = shuffle_id;
  out_->parts.resize(part_bytes_.size());
}

MapOutputBuilder::~MapOutputBuilder() {
  if (!published_) store_->release(out_->bytes);
}

bool MapOutputBuilder::add(uint32_t reduce, sql::col::Batch b) {
  if (reduce >= out_->parts.size() || b.num_rows == 0) return true;
  // Pieces of a hash or range split are gathered afresh; a single partition's batches may be
  // slices of one buffer (a hash aggregate's output): each buffer is counted once.
  const int64_t size = retained_.add(b);
  if (!store_->reserve(size)) return false;
  out_->bytes += size;
  part_bytes_[reduce] += std::max<int64_t>(row_bytes(b), 1);  // a partition with rows is never "empty"
  out_->parts[reduce].push_back(std::move(b));
  return true;
}

std::vector<std::vector<sql::col::Batch>> MapOutputBuilder::take_all() {
  store_->release(out_->bytes);
  out_->bytes = 0;
  retained_.clear();
  std::fill(part_bytes_.begin(), part_bytes_.end(), 0);
  auto parts = std::move(out_->parts);
  out_->parts.assign(part_bytes_.size(), {});
  return parts;
}

std::vector<int64_t> MapOutputBuilder::publish(const std::string& path) {
  out_->offsets.assign(1, 0);
  for (int64_t b : part_bytes_) out_->offsets.push_back(out_->offsets.back() + b);
  std::vector<int64_t> offsets = out_->offsets;
  published_ = true;
  retained_.clear();
  store_->put(path, std::move(out_));
  return offsets;
}

}  // namespace spp::executor
