// textFile over compressed files: compressed files are not split, so the driver gives each one
// split and a reader streams its decompressed lines (Hadoop's codec-by-extension rule).
// CompressedTextReader splits a ByteSource into lines; GzipTextReader is it over zlib (here);
// bzip2, zstd and Hadoop's lz4 block format are in text_codecs.h.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "executor/input_readers.h"

namespace spp::executor {

// The decompressed bytes of one file, chunk by chunk.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Up to `n` bytes into `buf`; 0 at the end. An error names the file and what is wrong.
  virtual Result<size_t> read(char* buf, size_t n) = 0;
};

class CompressedTextReader : public InputReader {
 public:
  using Opener = std::function<Result<std::unique_ptr<ByteSource>>(const std::string& path)>;
  CompressedTextReader(std::string path, Opener open, size_t batch_bytes = 1 << 20)
      : path_(std::move(path)), open_(std::move(open)), batch_bytes_(batch_bytes) {}
  Result<bool> next(std::string& out) override;
 private:
  std::string path_;
  Opener open_;
  size_t batch_bytes_;
  std::unique_ptr<ByteSource> src_;
  bool eof_ = false;
  std::string buf_;     // decompressed bytes not yet emitted
};

// zlib's gz* API (handles concatenated members, like Hadoop's GzipCodec).
Result<std::unique_ptr<ByteSource>> open_gzip(const std::string& path);

class GzipTextReader final : public CompressedTextReader {
 public:
  explicit GzipTextReader(std::string path, size_t batch_bytes = 1 << 20)
      : CompressedTextReader(std::move(path), open_gzip, batch_bytes) {}
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
