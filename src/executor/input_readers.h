// Native input readers that feed Python workers: text splits (Hadoop line-record semantics)
// and whole files. Each next() returns one batch blob in the format the plan names.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/messages.h"
#include "common/status.h"
#include "common/task_plan.h"
#include "executor/int_pairs.h"
#include "executor/shuffle_format.h"

namespace spp::executor {

class InputReader {
 public:
  virtual ~InputReader() = default;
  // Fills `out` with the next batch; returns false at the end. Errors (missing file ...) are
  // returned as a failed Result.
  virtual Result<bool> next(std::string& out) = 0;
  // Readers that hold their batches whole (BlobReader: the task's blobs) hand out the next one
  // itself, shared: a createDataFrame partition of hundreds of MB is not copied to be decoded.
  virtual bool shares_blobs() const { return false; }
  virtual Result<bool> next_shared(std::shared_ptr<const std::string>& out) {
    auto s = std::make_shared<std::string>();
    auto r = next(*s);
    if (r && r.value()) out = std::move(s);
    return r;
  }
  int64_t bytes_read() const { return bytes_; }
  int64_t records() const { return records_; }
  // Shuffle blocks count as shuffle read, not input (Spark's task metrics).
  virtual bool is_shuffle() const { return false; }
  // After a failed next(): the fetch-failure details for the driver when a map output could not
  // be fetched (the map stage reruns), null for any other error.
  virtual std::optional<msg::FetchFailureInfo> fetch_failure() const { return std::nullopt; }
  // Adds what was read to a task's metrics (`records`: the caller's count when it has one).
  void add_metrics(msg::TaskMetrics& m, std::optional<int64_t> records = std::nullopt) const {
    const int64_t n = records ? *records : records_;
    if (is_shuffle()) {
      m.shuffle_read_bytes += bytes_;
      m.shuffle_read_records += n;
    } else {
      m.input_bytes += bytes_;
      m.input_records += n;
    }
  }
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
  bool shares_blobs() const override { return true; }
  Result<bool> next_shared(std::shared_ptr<const std::string>& out) override;
 private:
  std::vector<std::shared_ptr<std::string>> blobs_;
  size_t i_ = 0;
};

}  // namespace spp::executor

namespace spp::executor {

class BlockClient;

// Reduce-side reader of one shuffle partition: the segment of every map output file that holds
// this partition. Blocks on this host are read straight from disk when the file is readable
// (executors of one host share the disk); the others are fetched from their executor's block
// server, remote requests first so the network works while local blocks are read. At most
// max_in_flight bytes are requested and not yet consumed at any time; requests carry up to
// max_in_flight/5 bytes so several servers send at once. A missing or corrupt block, or an
// unreachable server, is a fetch failure; fetch_failure() says which map output.
//
// sortByKey: when the partition's first record is an int pair batch asking to be sorted
// (int_pairs.h), the reader takes in the whole partition and hands it out sorted by key, in
// batches marked kPairsSorted (Python then streams them instead of sorting). A record of any
// other kind, or more than ShuffleSettings::native_sort_bytes of pairs, and everything goes out unsorted in
// arrival order for Python to sort (and spill) as before.
class ShuffleBlockReader final : public InputReader {
 public:
  ShuffleBlockReader(const plan::ShuffleSource& source, ShuffleSettings settings);
  ~ShuffleBlockReader() override;
  Result<bool> next(std::string& out) override;
  bool is_shuffle() const override { return true; }
  std::optional<msg::FetchFailureInfo> fetch_failure() const override { return failure_; }
  int64_t remote_bytes() const { return remote_bytes_; }
  int64_t remote_blocks() const { return remote_blocks_; }
  int64_t local_blocks() const { return local_blocks_; }
  int remote_servers() const { return static_cast<int>(clients_.size()); }

 private:
  Result<bool> next_record(std::string& out);  // the next record as written by the map side
  Result<bool> sort_pairs(std::string& first);  // first: the partition's first record
  using Block = plan::ShuffleBlockRef;
  struct Request {
    std::string addr;            // host:port of the block server
    std::vector<size_t> blocks;  // indexes into blocks_
    int64_t bytes = 0;
    int64_t req = 0;
  };
  void plan();
  Status send_requests();
  Status next_segment();        // the next block's bytes into seg_
  Status read_local(const Block& b);
  Status receive(Request& r);  // the reply to r, into replies_
  // A fetch failure blaming block b (whole_executor: every output of its executor is suspect).
  Status fail(const Block& b, const std::string& why, bool whole_executor = false);

  int shuffle_id_;
  ShuffleSettings s_;
  std::vector<Block> blocks_;
  bool planned_ = false;
  bool logged_ = false;  // the fetch summary, once at the end
  std::deque<size_t> local_;
  std::deque<Request> pending_, in_flight_;
  std::map<std::string, std::unique_ptr<BlockClient>> clients_;
  std::map<std::string, int64_t> client_used_;  // steady ms of each client's last request or reply
  std::deque<std::string> replies_;  // blobs of in_flight_.front(), not yet consumed
  bool front_received_ = false;
  int64_t bytes_in_flight_ = 0;
  int64_t next_req_ = 1;
  size_t current_ = 0;  // block whose segment is seg_
  std::string seg_;
  size_t pos_ = 0;
  bool have_seg_ = false;
  int64_t remote_bytes_ = 0, remote_blocks_ = 0, local_blocks_ = 0;
  std::optional<msg::FetchFailureInfo> failure_;
  // kDrain: sorting was given up; the pairs taken in go out in arrival order, then held_.
  enum class Mode { kUndecided, kStream, kSorted, kDrain } mode_ = Mode::kUndecided;
  IntPairSorter sorter_;
  uint8_t sorted_flags_ = 0;
  std::string held_;  // kDrain: the record that ended the sort
};

// The reader of a task plan's shuffle input.
std::unique_ptr<InputReader> make_shuffle_reader(const plan::ShuffleSource& s, const ShuffleSettings& settings);

}  // namespace spp::executor
