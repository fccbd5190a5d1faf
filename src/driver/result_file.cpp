// Result files for toPandas: merged batches written with writev straight from where the
// executors' batches are held (the only copy is the kernel's into the file's pages).
#include "driver/result_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "sql/columnar/serde_merge.h"

namespace spp::driver {

namespace {
constexpr size_t kIovMax = 1024;  // Linux's UIO_MAXIOV

Status write_all(int fd, const std::vector<std::string_view>& pieces) {
  std::vector<iovec> iov;
  size_t i = 0, skip = 0;  // the next piece, and how much of it is written already
  while (i < pieces.size()) {
    iov.clear();
    for (size_t j = i; j < pieces.size() && iov.size() < kIovMax; ++j) {
      const size_t from = j == i ? skip : 0;
      iov.push_back({const_cast<char*>(pieces[j].data() + from), pieces[j].size() - from});
    }
    const ssize_t n = ::writev(fd, iov.data(), static_cast<int>(iov.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::error(std::strerror(errno));
    }
    if (n == 0) return Status::error("short write");
    size_t left = static_cast<size_t>(n);
    while (i < pieces.size() && left >= pieces[i].size() - skip) {
      left -= pieces[i].size() - skip;
      ++i;
      skip = 0;
    }
    skip += left;
  }
  return Status::ok();
}

// Pieces from `files` of at least kMinFileCopy bytes go file to file; the others (rebuilt
// headers, small values) through writev, in order. A kernel that refuses copy_file_range
// between these files (EXDEV, EINVAL, ...) gets the rest through memory.
constexpr size_t kMinFileCopy = 16 << 10;

Status write_pieces(int fd, const std::vector<std::string_view>& pieces, const std::vector<SourceFile>& files) {
  if (files.empty()) return write_all(fd, pieces);
  bool file_copy = true;
  size_t last = 0;  // pieces come file after file: the last file matched is tried first
  std::vector<std::string_view> mem;
  for (std::string_view p : pieces) {
    const SourceFile* src = nullptr;
    if (file_copy && p.size() >= kMinFileCopy) {
      for (size_t k = 0; k < files.size() && !src; ++k) {
        const SourceFile& f = files[(last + k) % files.size()];
        if (p.data() >= f.data && p.data() + p.size() <= f.data + f.size) {
          src = &f;
          last = (last + k) % files.size();
        }
      }
    }
    if (!src) {
      mem.push_back(p);
      continue;
    }
    if (Status st = write_all(fd, mem); !st) return st;
    mem.clear();
    loff_t off = p.data() - src->data;
    size_t left = p.size();
    while (left > 0) {
      const ssize_t n = ::copy_file_range(src->fd, &off, fd, nullptr, left, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP || errno == EBADF)) {
        file_copy = false;
        mem.push_back(p.substr(p.size() - left));
        break;
      }
      if (n < 0) return Status::error(std::strerror(errno));
      if (n == 0) return Status::error("short copy");
      left -= static_cast<size_t>(n);
    }
  }
  return write_all(fd, mem);
}
}  // namespace

Status write_result_file(const std::string& path, const std::vector<std::string_view>& streams,
                         const std::vector<SourceFile>& files) {
  if (path.empty() || path[0] != '/') return Status::error("the result file's path is not absolute: " + path);
  sql::col::MergedStream merged;
  const std::vector<std::string_view>* pieces = &streams;
  if (sql::col::merge_serialized(streams, merged)) pieces = &merged.pieces;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Status::error("cannot create the result file " + path + ": " + std::strerror(errno));
  Status st = write_pieces(fd, *pieces, files);
  if (::close(fd) != 0 && st) st = Status::error(std::strerror(errno));
  if (!st) {
    ::unlink(path.c_str());
    return Status::error("cannot write the result file " + path + ": " + st.message());
  }
  return Status::ok();
}

}  // namespace spp::driver
