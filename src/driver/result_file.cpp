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
}  // namespace

Status write_result_file(const std::string& path, const std::vector<std::string_view>& streams) {
  if (path.empty() || path[0] != '/') return Status::error("the result file's path is not absolute: " + path);
  sql::col::MergedStream merged;
  const std::vector<std::string_view>* pieces = &streams;
  if (sql::col::merge_serialized(streams, merged)) pieces = &merged.pieces;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Status::error("cannot create the result file " + path + ": " + std::strerror(errno));
  Status st = write_all(fd, *pieces);
  if (::close(fd) != 0 && st) st = Status::error(std::strerror(errno));
  if (!st) {
    ::unlink(path.c_str());
    return Status::error("cannot write the result file " + path + ": " + st.message());
  }
  return Status::ok();
}

}  // namespace spp::driver
