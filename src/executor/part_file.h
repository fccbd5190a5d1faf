// A SQL write task's part file (df.write), under the same output commit protocol as
// saveAsTextFile: the task writes JOB_TMP/attempt_<task id>/<file> and commits by renaming it
// to JOB_TMP/<file> (atomic; a retry or speculative copy of the partition writes the same name,
// so it can neither duplicate nor lose a file); the driver moves JOB_TMP's files into the
// output directory when the job succeeds. `compression` (gzip/deflate) streams through zlib.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include <zlib.h>

#include "common/status.h"
#include "sql/exec/file_writer.h"

namespace spp::executor {

class PartFileWriter {
 public:
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
  bool z_on_ = false, committed_ = false, opened_ = false;
  int64_t bytes_ = 0;
};

}  // namespace spp::executor
