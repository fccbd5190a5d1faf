// A result task's batches spooled into a file instead of sent back with its status (local
// mode's toPandas, plan::Sink::spool): the driver merges the spools of a query into its result
// file without the batches ever passing through its memory (driver/result_file.h).
//
// The executor writes the task's serialized batches one after the other into the new file and
// reports one reference blob in their place; the driver maps the file (read-only), and unlinks
// it once the result file is written, when the output is not accepted, or when the job fails.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace spp::executor {

// The blob a spooled task returns in place of its batches: "SPPSPOOL", u64 LE byte count, path.
// SQL results are SPB1 streams, so the two never look alike.
std::string encode_spool_ref(const std::string& path, uint64_t bytes);
struct SpoolRef {
  std::string path;
  uint64_t bytes = 0;
};
std::optional<SpoolRef> decode_spool_ref(std::string_view blob);

// The writing side, owned by one task's ResultSink. The file is created (O_EXCL, 0600, never
// through a symlink) at the first add; a failure to create or write it is reported and the
// caller keeps the batches in memory instead (read_back returns what was spooled so far).
class SpoolWriter {
 public:
  explicit SpoolWriter(std::string path) : path_(std::move(path)) {}
  ~SpoolWriter();
  SpoolWriter(const SpoolWriter&) = delete;
  SpoolWriter& operator=(const SpoolWriter&) = delete;
  Status add(std::string_view batch);
  // Closes the file; the reference to report. Only after at least one add.
  Result<std::string> finish();
  // The bytes written so far, then the file removed (a failed write or create: keep them in memory).
  Result<std::string> read_back();
  void remove();  // abort: the file goes
  uint64_t bytes() const { return bytes_; }
  bool opened() const { return created_; }

 private:
  std::string path_;
  int fd_ = -1;
  bool created_ = false;  // this writer made the file (it removes nothing else)
  uint64_t bytes_ = 0;
};

// The driver's side: a spool file mapped read-only, and open, for as long as this lives (the
// result file copies its values from the descriptor, file to file: the mapping serves the
// batch headers, and the values only if that copy is refused).
class SpoolMap {
 public:
  static Result<SpoolMap> open(const SpoolRef& ref);
  SpoolMap() = default;
  SpoolMap(SpoolMap&& o) noexcept : data_(o.data_), size_(o.size_), fd_(o.fd_) { o.data_ = nullptr, o.size_ = 0, o.fd_ = -1; }
  SpoolMap& operator=(SpoolMap&& o) noexcept;
  ~SpoolMap();
  std::string_view view() const { return {static_cast<const char*>(data_), size_}; }
  int fd() const { return fd_; }

 private:
  void release();
  void* data_ = nullptr;
  size_t size_ = 0;
  int fd_ = -1;
};

}  // namespace spp::executor
