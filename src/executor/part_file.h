// A SQL write task's part file (df.write), under the same output commit protocol as
// saveAsTextFile: the task writes JOB_TMP/attempt_<task id>/<file> and commits by renaming it
// to JOB_TMP/<file> (atomic; a retry or speculative copy of the partition writes the same name,
// so it can neither duplicate nor lose a file); the driver moves JOB_TMP's files into the
// output directory when the job succeeds. `compression` (gzip/deflate) streams through zlib.
// With partitionBy a task writes one file per partition directory (`k=v/…/<file>`), committed
// the same way.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <map>
#include <memory>
#include <vector>

#include <zlib.h>

#include "common/task_plan.h"
#include "executor/text_codecs.h"
#include "sql/columnar/batch.h"
#include "sql/kernels/timezone.h"

#include "common/status.h"
#include "sql/exec/file_writer.h"

namespace spp::executor {

class PartFileWriter {
 public:
  // `file` may sit in partition directories (`k=v/part-…`); they are made as needed.
  PartFileWriter(std::string tmp_dir, std::string file, int64_t task_id, sql::exec::WriteCodec codec);
  ~PartFileWriter();  // an uncommitted attempt's directory is removed
  PartFileWriter(const PartFileWriter&) = delete;
  PartFileWriter& operator=(const PartFileWriter&) = delete;

  Status open();
  bool is_open() const { return f_ != nullptr; }
  Status write(std::string_view bytes);
  Status commit();
  int64_t bytes_written() const { return bytes_; }

 private:
  Status put(const char* p, size_t n);
  Status deflate_some(int flush);
  std::string dir_, file_, attempt_dir_;
  sql::exec::WriteCodec codec_;
  FILE* f_ = nullptr;
  z_stream z_{};
  std::unique_ptr<TextCompressor> tc_;  // bzip2, lz4, snappy, zstd (gzip/deflate: z_)
  bool z_on_ = false, committed_ = false, opened_ = false;
  int64_t bytes_ = 0;
};

// A df.write task's output: the rows of its batches formatted into its part file(s).
class SqlFileSink {
 public:
  // `schema`: the stage's output (Struct); the sink's `columns` name it, `partition_by` picks
  // the partition columns and `bucket_col` the bucket id (both left out of the files).
  static Result<std::unique_ptr<SqlFileSink>> make(const plan::Sink& sink, const sql::col::ColType& schema,
                                                   int64_t task_id, int partition, const sql::kern::TimeZone& tz = {});
  Status add(const sql::col::Batch& b);
  // Spark's FileFormatWriter: a task with no rows writes no file, except partition 0 of an
  // unpartitioned write (an empty DataFrame still leaves one file, with the CSV header if asked).
  Status finish();
  int64_t bytes_written() const { return bytes_; }

 private:
  // `bucket` -1: not bucketed.
  Status write_to(const std::string& dir, int bucket, const sql::col::Batch& rows);
  plan::Sink sink_;
  int64_t task_id_ = 0;
  int partition_ = 0;
  std::unique_ptr<sql::exec::RowFormatter> fmt_;
  std::vector<int> part_cols_, data_cols_;
  int bucket_col_ = -1;
  // by partition directory ("" unpartitioned) and bucket (`dir#bucket`)
  std::map<std::string, std::unique_ptr<PartFileWriter>> files_;
  std::map<std::string, std::unique_ptr<sql::exec::FileEncoder>> encoders_;  // Parquet: per file
  std::string text_;
  int64_t bytes_ = 0;
};

// Hive's partition directory value: Spark's escapePathName, NULL and "" as
// __HIVE_DEFAULT_PARTITION__.
std::string partition_path_value(const sql::col::Column& c, int64_t row);

}  // namespace spp::executor
