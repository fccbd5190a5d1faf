// Native input readers that feed Python workers: text splits (Hadoop line-record semantics)
// and whole files. Each next() returns one batch blob in the format the plan names.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace spp::executor {

class InputReader {
 public:
  virtual ~InputReader() = default;
  // Fills `out` with the next batch; returns false at the end. Errors (missing file ...) are
  // returned as a failed Result.
  virtual Result<bool> next(std::string& out) = 0;
  int64_t bytes_read() const { return bytes_; }
  int64_t records() const { return records_; }
 protected:
  int64_t bytes_ = 0;
  int64_t records_ = 0;
};

// Lines of [start, start+length) of a file: a line belongs to the split in which it starts,
// the first split also owning offset 0; later splits skip their first partial line (as Hadoop's
// LineRecordReader). '\r\n' endings lose the '\r'. Batches hold whole lines, each ending '\n'.
class TextSplitReader final : public InputReader {
 public:
  TextSplitReader(std::string path, int64_t start, int64_t length, size_t batch_bytes = 1 << 20);
  ~TextSplitReader() override;
  Result<bool> next(std::string& out) override;
 private:
  Status open();
  Result<bool> fill();  // reads more of the file into buf_
  std::string path_;
  int64_t start_, end_;
  size_t batch_bytes_;
  int fd_ = -1;
  bool opened_ = false, eof_ = false, done_ = false;
  int64_t pos_ = 0;       // file offset of buf_[0]
  std::string buf_;
  size_t off_ = 0;        // consumed prefix of buf_
};

// Whole files: blob = u32 BE path length | "file:" + path | content.
class WholeFileReader final : public InputReader {
 public:
  explicit WholeFileReader(std::vector<std::string> paths) : paths_(std::move(paths)) {}
  Result<bool> next(std::string& out) override;
 private:
  std::vector<std::string> paths_;
  size_t i_ = 0;
};

// Blobs shipped with the task (parallelize data).
class BlobReader final : public InputReader {
 public:
  BlobReader(std::vector<std::shared_ptr<std::string>> blobs) : blobs_(std::move(blobs)) {}
  Result<bool> next(std::string& out) override;
 private:
  std::vector<std::shared_ptr<std::string>> blobs_;
  size_t i_ = 0;
};

}  // namespace spp::executor

namespace spp::executor {

// Reduce-side reader of one shuffle partition: the segments of every map output file that
// hold this partition, read straight from disk (executors of one host share the disk).
// A missing or corrupt block is a fetch failure; failure_info() says which map output.
class ShuffleBlockReader final : public InputReader {
 public:
  ShuffleBlockReader(int shuffle_id, nlohmann::json blocks) : shuffle_id_(shuffle_id), blocks_(std::move(blocks)) {}
  Result<bool> next(std::string& out) override;
  nlohmann::json failure_info() const { return failure_; }
 private:
  Status load_block();
  int shuffle_id_;
  nlohmann::json blocks_;
  size_t block_ = 0;
  std::string seg_;
  size_t pos_ = 0;
  bool loaded_ = false;
  nlohmann::json failure_;
};

// Shuffle record framing inside a map output file: u32 BE length | codec byte | data.
constexpr char kCodecRaw = 0;
constexpr char kCodecZstd = 1;
void append_shuffle_record(std::string& out, const char* data, size_t len, bool compress);

}  // namespace spp::executor
