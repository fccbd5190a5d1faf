// textFile over .gz files: gzip is not splittable, so the driver gives each .gz file one
// split and this reader streams its decompressed lines (Hadoop's codec-by-extension rule).
#pragma once
#include <string>

#include "executor/input_readers.h"

namespace spp::executor {

class GzipTextReader final : public InputReader {
 public:
  explicit GzipTextReader(std::string path, size_t batch_bytes = 1 << 20) : path_(std::move(path)), batch_bytes_(batch_bytes) {}
  ~GzipTextReader() override;
  Result<bool> next(std::string& out) override;
 private:
  std::string path_;
  size_t batch_bytes_;
  void* gz_ = nullptr;  // gzFile
  bool opened_ = false, eof_ = false;
  std::string buf_;     // decompressed bytes not yet emitted
};

}  // namespace spp::executor

namespace spp::executor {

// A checkpoint part file: u32 BE length | pickled batch, repeated (written by the `pickle`
// sink); each record is one input batch.
class FramedFileReader final : public InputReader {
 public:
  explicit FramedFileReader(std::string path) : path_(std::move(path)) {}
  Result<bool> next(std::string& out) override;
 private:
  std::string path_;
  std::string data_;
  size_t pos_ = 0;
  bool loaded_ = false;
};

}  // namespace spp::executor
