// Map-side shuffle writer: buffer, spill, merge.
#include "executor/shuffle_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace spp::executor {

namespace {
Status write_all(int fd, const char* p, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return Status::error("cannot write " + path + ": " + std::strerror(errno));
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::ok();
}

// Copies [off, off+len) of `src` to the current end of `dst`.
Status copy_range(int src, const std::string& src_path, int64_t off, int64_t len, int dst, const std::string& dst_path,
                  std::string& buf) {
  while (len > 0) {
    size_t want = static_cast<size_t>(std::min<int64_t>(len, static_cast<int64_t>(buf.size())));
    ssize_t n = ::pread(src, buf.data(), want, off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::error("cannot read spill file " + src_path + (n < 0 ? std::string(": ") + std::strerror(errno) : ": short"));
    Status st = write_all(dst, buf.data(), static_cast<size_t>(n), dst_path);
    if (!st) return st;
    off += n;
    len -= n;
  }
  return Status::ok();
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};
}  // namespace

ShuffleWriter::ShuffleWriter(std::string base, int num_reduce, const ShuffleSettings& s)
    : base_(std::move(base)), settings_(s), parts_(static_cast<size_t>(std::max(num_reduce, 0))) {}

ShuffleWriter::~ShuffleWriter() {
  remove_spills();
  if (!committed_) ::unlink(data_path().c_str());  // a partial output nobody will read
}

void ShuffleWriter::remove_spills() {
  for (const auto& s : spills_) ::unlink(s.path.c_str());
  spills_.clear();
}

Status ShuffleWriter::add(const std::string& b) {
  if (b.size() < 4) return Status::error("malformed shuffle record from the Python worker");
  const auto* p = reinterpret_cast<const unsigned char*>(b.data());
  uint32_t part = (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
  return add(part, b.data() + 4, b.size() - 4);
}

Status ShuffleWriter::add(uint32_t part, const char* data, size_t len) {
  if (committed_) return Status::error("shuffle output already committed");
  if (part >= parts_.size())
    return Status::error("Python worker wrote to shuffle partition " + std::to_string(part) + " of " + std::to_string(parts_.size()));
  if (len > kMaxShuffleRecord - 16) return Status::error("shuffle record of " + std::to_string(len) + " bytes is too large");
  std::string& buf = parts_[part];
  size_t before = buf.size();
  append_shuffle_record(buf, data, len, settings_.compress ? settings_.codec : kCodecRaw, settings_.checksum,
                        settings_.zstd_level);
  buffered_ += static_cast<int64_t>(buf.size() - before);
  raw_bytes_ += static_cast<int64_t>(len);
  ++records_;
  if (buffered_ >= settings_.spill_threshold) return spill();
  return Status::ok();
}

Status ShuffleWriter::spill() {
  Spill s;
  s.path = base_ + ".spill" + std::to_string(spills_.size());
  Fd f;
  f.fd = ::open(s.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (f.fd < 0) return Status::error("cannot create spill file " + s.path + ": " + std::strerror(errno));
  spills_.push_back(s);  // registered first, so a failed spill is still removed
  Spill& sp = spills_.back();
  sp.offsets.push_back(0);
  for (auto& part : parts_) {
    Status st = write_all(f.fd, part.data(), part.size(), sp.path);
    if (!st) return st;
    sp.offsets.push_back(sp.offsets.back() + static_cast<int64_t>(part.size()));
    std::string().swap(part);  // give the memory back, not just the size
  }
  memory_spilled_ += buffered_;
  disk_spilled_ += sp.offsets.back();
  buffered_ = 0;
  return Status::ok();
}

Status ShuffleWriter::commit() {
  if (committed_) return Status::ok();
  // Written in place: the path names the task attempt and readers learn it (with the offsets)
  // only from the driver once the task succeeded, so neither a temp name + rename nor an index
  // file is needed (one file create per map task; the destructor removes a partial one).
  std::vector<int64_t> offsets = {0};
  {
    Fd out;
    out.fd = ::open(data_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out.fd < 0) return Status::error("cannot write shuffle output " + data_path() + ": " + std::strerror(errno));
    std::vector<Fd> in(spills_.size());
    for (size_t i = 0; i < spills_.size(); ++i) {
      in[i].fd = ::open(spills_[i].path.c_str(), O_RDONLY | O_CLOEXEC);
      if (in[i].fd < 0) return Status::error("cannot read spill file " + spills_[i].path + ": " + std::strerror(errno));
    }
    std::string buf(spills_.empty() ? 0 : 1 << 20, '\0');
    // Partitions go out in runs of up to 1 MiB: a wide, sparse map output is a few write()s,
    // not one per reduce partition.
    std::string pending;
    auto flush = [&]() -> Status {
      Status st = write_all(out.fd, pending.data(), pending.size(), data_path());
      pending.clear();
      return st;
    };
    for (size_t p = 0; p < parts_.size(); ++p) {
      int64_t n = 0;
      if (!spills_.empty()) {
        Status st = flush();
        if (!st) return st;
      }
      for (size_t i = 0; i < spills_.size(); ++i) {
        int64_t off = spills_[i].offsets[p], len = spills_[i].offsets[p + 1] - off;
        Status st = copy_range(in[i].fd, spills_[i].path, off, len, out.fd, data_path(), buf);
        if (!st) return st;
        n += len;
      }
      pending += parts_[p];
      if (pending.size() >= (1 << 20)) {
        Status st = flush();
        if (!st) return st;
      }
      n += static_cast<int64_t>(parts_[p].size());
      std::string().swap(parts_[p]);
      offsets.push_back(offsets.back() + n);
    }
    Status st = flush();
    if (!st) return st;
  }
  buffered_ = 0;
  remove_spills();
  offsets_ = std::move(offsets);
  committed_ = true;
  return Status::ok();
}

}  // namespace spp::executor
