// Result spools: a task's batches in a file beside the driver's result file (result_spool.h).
#include "executor/result_spool.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace spp::executor {

namespace {
constexpr std::string_view kMagic = "SPPSPOOL";
}  // namespace

std::string encode_spool_ref(const std::string& path, uint64_t bytes) {
  std::string out(kMagic);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((bytes >> (8 * i)) & 0xff));
  return out + path;
}

std::optional<SpoolRef> decode_spool_ref(std::string_view blob) {
  if (blob.size() <= kMagic.size() + 8 || blob.substr(0, kMagic.size()) != kMagic) return std::nullopt;
  SpoolRef r;
  for (int i = 0; i < 8; ++i) r.bytes |= uint64_t(static_cast<unsigned char>(blob[kMagic.size() + size_t(i)])) << (8 * i);
  r.path = std::string(blob.substr(kMagic.size() + 8));
  if (r.path[0] != '/' || r.path.find('\0') != std::string::npos) return std::nullopt;
  return r;
}

SpoolWriter::~SpoolWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Status SpoolWriter::add(std::string_view batch) {
  if (fd_ < 0) {
    if (created_) return Status::error("spool " + path_ + " already finished");
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd_ < 0) return Status::error("cannot create the result spool " + path_ + ": " + std::strerror(errno));
    created_ = true;
  }
  size_t done = 0;
  while (done < batch.size()) {
    const ssize_t n = ::write(fd_, batch.data() + done, batch.size() - done);
    if (n < 0 && errno == EINTR) continue;
    // The part of this batch written is not counted: read_back returns whole batches only.
    if (n <= 0) return Status::error("cannot write the result spool " + path_ + ": " + (n < 0 ? std::strerror(errno) : "short write"));
    done += static_cast<size_t>(n);
  }
  bytes_ += done;
  return Status::ok();
}

Result<std::string> SpoolWriter::finish() {
  if (fd_ < 0) return Result<std::string>::error("spool " + path_ + " was not written");
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return Result<std::string>::error("cannot close the result spool " + path_ + ": " + std::strerror(errno));
  return encode_spool_ref(path_, bytes_);
}

Result<std::string> SpoolWriter::read_back() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  std::string out;
  if (bytes_ > 0) {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return Result<std::string>::error("cannot reopen the result spool " + path_ + ": " + std::strerror(errno));
    out.resize(bytes_);
    size_t got = 0;
    while (got < out.size()) {
      const ssize_t n = ::pread(fd, out.data() + got, out.size() - got, static_cast<off_t>(got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    ::close(fd);
    if (got != out.size()) {
      remove();
      return Result<std::string>::error("cannot read back the result spool " + path_);
    }
  }
  remove();
  return out;
}

void SpoolWriter::remove() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (created_) ::unlink(path_.c_str());  // never a file of that name this writer did not make
  created_ = false;
  bytes_ = 0;
}

Result<SpoolMap> SpoolMap::open(const SpoolRef& ref) {
  using R = Result<SpoolMap>;
  const int fd = ::open(ref.path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return R::error("cannot open the result spool " + ref.path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_size) != ref.bytes) {
    ::close(fd);
    return R::error("the result spool " + ref.path + " does not hold the task's " + std::to_string(ref.bytes) + " bytes");
  }
  SpoolMap m;
  m.fd_ = fd;
  if (ref.bytes > 0) {
    void* p = ::mmap(nullptr, ref.bytes, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) return R::error("cannot map the result spool " + ref.path + ": " + std::strerror(errno));
    m.data_ = p;
    m.size_ = ref.bytes;
  }
  return m;
}

void SpoolMap::release() {
  if (data_) ::munmap(data_, size_);
  if (fd_ >= 0) ::close(fd_);
  data_ = nullptr, size_ = 0, fd_ = -1;
}

SpoolMap& SpoolMap::operator=(SpoolMap&& o) noexcept {
  if (this != &o) {
    release();
    data_ = o.data_, size_ = o.size_, fd_ = o.fd_;
    o.data_ = nullptr, o.size_ = 0, o.fd_ = -1;
  }
  return *this;
}

SpoolMap::~SpoolMap() { release(); }

}  // namespace spp::executor
