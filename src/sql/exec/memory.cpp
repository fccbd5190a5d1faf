// MemoryManager, Reservation, SpillFile.
#include "sql/exec/memory.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "sql/columnar/serde.h"

namespace spp::sql::exec {

int64_t execution_memory_bytes(int64_t executor_memory_bytes, double memory_fraction) {
  return int64_t(double(executor_memory_bytes) * memory_fraction);
}

bool MemoryManager::try_reserve(int64_t bytes) {
  std::lock_guard<std::mutex> g(mu_);
  if (used_ + bytes > limit_) return false;
  used_ += bytes;
  return true;
}
void MemoryManager::release(int64_t bytes) {
  std::lock_guard<std::mutex> g(mu_);
  used_ -= bytes;
  SPP_CHECK(used_ >= 0, "released more execution memory than reserved");
}
int64_t MemoryManager::used() const {
  std::lock_guard<std::mutex> g(mu_);
  return used_;
}

bool Reservation::grow(int64_t bytes) {
  if (bytes <= 0) return true;
  if (!mm_->try_reserve(bytes)) return false;
  held_ += bytes;
  peak_ = std::max(peak_, held_);
  return true;
}
void Reservation::force_grow(int64_t bytes) {
  if (grow(bytes)) return;
  // Counted locally only: the pool stays consistent and others keep being refused.
  held_ += bytes;
  forced_ += bytes;
  peak_ = std::max(peak_, held_);
}
void Reservation::release_all() {
  if (held_ - forced_ > 0) mm_->release(held_ - forced_);
  held_ = forced_ = 0;
}

void RetainedBuffers::add(const col::Column& c, int64_t& n) {
  for (const auto* b : {&c.validity, &c.values, &c.data})
    if (*b && seen_.insert(b->get()).second) n += int64_t((*b)->capacity());
  for (const auto& ch : c.children) add(*ch, n);
}

int64_t RetainedBuffers::add(const col::Batch& b) {
  int64_t n = 0;
  for (const auto& c : b.columns) add(*c, n);
  return n;
}

Result<std::unique_ptr<SpillFile>> SpillFile::create(const std::string& dir) {
  std::string tmpl = (dir.empty() ? std::string("/tmp") : dir) + "/sparkpp-spill-XXXXXX";
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return Result<std::unique_ptr<SpillFile>>::error("cannot create spill file in " + dir + ": " + std::strerror(errno));
  std::unique_ptr<SpillFile> s(new SpillFile());
  s->path_ = tmpl;
  s->f_ = ::fdopen(fd, "w+b");
  if (!s->f_) { ::close(fd); return Result<std::unique_ptr<SpillFile>>::error("fdopen failed for " + tmpl); }
  return s;
}

SpillFile::~SpillFile() {
  if (f_) std::fclose(f_);
  if (!path_.empty()) ::unlink(path_.c_str());
}

Status SpillFile::write(const col::Batch& b) {
  std::string msg = col::serialize(b, {true, 1});
  uint64_t len = msg.size();
  if (std::fwrite(&len, 8, 1, f_) != 1 || std::fwrite(msg.data(), 1, msg.size(), f_) != msg.size())
    return Status::error("spill write failed: " + path_ + ": " + std::strerror(errno));
  bytes_ += int64_t(8 + msg.size());
  ++batches_;
  return Status::ok();
}

Status SpillFile::finish_writing() {
  if (std::fflush(f_) != 0 || std::fseek(f_, 0, SEEK_SET) != 0) return Status::error("spill flush failed: " + path_);
  reading_ = true;
  return Status::ok();
}

Result<std::optional<col::Batch>> SpillFile::read() {
  using R = Result<std::optional<col::Batch>>;
  if (!reading_) { auto s = finish_writing(); if (!s) return s; }
  uint64_t len = 0;
  if (std::fread(&len, 8, 1, f_) != 1) return std::optional<col::Batch>();
  std::string msg(len, '\0');
  if (std::fread(msg.data(), 1, len, f_) != len) return R::error("spill file truncated: " + path_);
  auto b = col::deserialize(msg);
  if (!b) return b.status();
  return std::optional<col::Batch>(std::move(*b));
}

}  // namespace spp::sql::exec
