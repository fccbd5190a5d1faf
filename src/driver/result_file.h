// toPandas's results through a file the Python driver program maps (docs/protocol.md,
// PySqlExecute's `spark.sparkpp.resultFile`): the result batches merged into as few batches as
// the format allows (sql/columnar/serde_merge.h) and written once with writev, so Python's
// columns are numpy arrays over the mapped file — no copy through the loopback socket, no
// per-batch arrays to concatenate.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace spp::driver {

// The conf entry of a PySqlExecute naming the file (chosen by the Python program).
inline constexpr const char* kResultFileKey = "spark.sparkpp.resultFile";

// Writes the batch streams `blobs` (one result's SPB1 batches) into `path`, which must not
// exist (created O_EXCL, mode 0600, never through a symlink); the reader unlinks it once
// mapped. A failure (the name taken, no space, no directory) leaves no file of ours behind.
// `files`: mapped files the streams lie in (local mode's result spools): their bytes are copied
// file to file (copy_file_range) rather than read through the mapping, which would fault in
// every page of it.
struct SourceFile {
  const char* data = nullptr;
  size_t size = 0;
  int fd = -1;
};
Status write_result_file(const std::string& path, const std::vector<std::string_view>& streams,
                         const std::vector<SourceFile>& files = {});

}  // namespace spp::driver
