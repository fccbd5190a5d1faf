#include "executor/part_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace spp::executor {
namespace fs = std::filesystem;

PartFileWriter::PartFileWriter(std::string tmp_dir, std::string file, int64_t task_id, sql::exec::WriteCodec codec)
    : dir_(std::move(tmp_dir)), file_(std::move(file)), attempt_dir_(dir_ + "/attempt_" + std::to_string(task_id)), codec_(codec) {}

PartFileWriter::~PartFileWriter() {
  if (z_on_) deflateEnd(&z_);
  if (f_) std::fclose(f_);
  if (!committed_ && opened_) {
    std::error_code ec;
    fs::remove_all(attempt_dir_, ec);
  }
}

Status PartFileWriter::open() {
  std::error_code ec;
  // The driver made the job's directory; it is missing when the path is not shared between the
  // driver and this host, or when the job already ended (a late speculative copy): never
  // recreate it.
  if (!fs::is_directory(dir_, ec))
    return Status::error("output directory " + dir_ + " does not exist on this executor's host (the job ended, or the path is not on "
                         "a file system shared by the driver and every executor)");
  fs::create_directory(attempt_dir_, ec);
  opened_ = true;
  const std::string path = attempt_dir_ + "/" + file_;
  f_ = std::fopen(path.c_str(), "wb");
  if (!f_) return Status::error("cannot write " + path + ": " + std::strerror(errno));
  if (codec_ != sql::exec::WriteCodec::None) {
    // gzip: a gzip member (windowBits 16+15); deflate: Hadoop's DefaultCodec, a zlib stream.
    const int bits = codec_ == sql::exec::WriteCodec::Gzip ? 16 + 15 : 15;
    if (deflateInit2(&z_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      return Status::error("cannot start compressing " + path);
    z_on_ = true;
  }
  return Status::ok();
}

Status PartFileWriter::put(const char* p, size_t n) {
  if (n && std::fwrite(p, 1, n, f_) != n) return Status::error("cannot write " + attempt_dir_ + "/" + file_ + ": " + std::strerror(errno));
  bytes_ += static_cast<int64_t>(n);
  return Status::ok();
}

Status PartFileWriter::deflate_some(int flush) {
  char buf[64 * 1024];
  int rc = Z_OK;
  do {
    z_.next_out = reinterpret_cast<Bytef*>(buf);
    z_.avail_out = sizeof buf;
    rc = deflate(&z_, flush);
    if (rc == Z_STREAM_ERROR) return Status::error("compression failed for " + file_);
    if (Status s = put(buf, sizeof buf - z_.avail_out); !s) return s;
  } while (z_.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
  return Status::ok();
}

Status PartFileWriter::write(std::string_view bytes) {
  if (!z_on_) return put(bytes.data(), bytes.size());
  z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z_.avail_in = static_cast<uInt>(bytes.size());
  return deflate_some(Z_NO_FLUSH);
}

Status PartFileWriter::commit() {
  if (z_on_) {
    z_.next_in = nullptr;
    z_.avail_in = 0;
    if (Status s = deflate_some(Z_FINISH); !s) return s;
    deflateEnd(&z_);
    z_on_ = false;
  }
  const bool bad = std::fflush(f_) != 0;
  std::fclose(f_);
  f_ = nullptr;
  if (bad) return Status::error("cannot write " + file_ + ": " + std::strerror(errno));
  std::error_code ec;
  fs::rename(attempt_dir_ + "/" + file_, dir_ + "/" + file_, ec);  // task commit: atomic, idempotent for retries
  if (ec) return Status::error("cannot commit " + dir_ + "/" + file_ + ": " + ec.message());
  committed_ = true;
  fs::remove_all(attempt_dir_, ec);
  return Status::ok();
}

}  // namespace spp::executor
