// Input listing and splitting for textFile / wholeTextFiles, Hadoop-style: paths may be files,
// directories (their visible files) or globs; files are cut into byte ranges that the
// executor's line reader aligns to line boundaries.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace spp::driver {

struct FileEntry {
  std::string path;  // absolute
  int64_t size = 0;
};

// A file of a dataset and the directory its partition directories start below.
struct DatasetFile {
  FileEntry file;
  std::string base;
};

struct TextSplit {
  std::string path;
  int64_t start = 0;
  int64_t length = 0;
};

// Expands paths (comma-separated lists already split) into files, sorted by path.
// A path matching nothing is an error: "Input path does not exist: <path>".
Result<std::vector<FileEntry>> list_input_files(const std::vector<std::string>& paths);

// Spark SQL's InMemoryFileIndex: directories listed recursively, names starting with '.' or
// '_' (unless they hold '=') skipped, sorted by path. Each file's `base` is `base_path` (the
// basePath option) when given, else the path it was found under (a file's: its directory).
Result<std::vector<DatasetFile>> list_dataset_files(const std::vector<std::string>& paths, const std::string& base_path);

// Hadoop FileInputFormat.getSplits with minSize 1 and a 32 MiB block size:
// goal = total / max(min_partitions, 1); split = min(goal, block); a file's tail within 10 %
// of a split stays with the last split; empty files give one empty split.
std::vector<TextSplit> compute_text_splits(const std::vector<FileEntry>& files, int min_partitions);

// wholeTextFiles: files packed into at most min_partitions groups of similar total size,
// in path order.
std::vector<std::vector<FileEntry>> group_whole_files(const std::vector<FileEntry>& files, int min_partitions);

// A text file in one of Hadoop's compression codecs (.gz .bz2 .zst .lz4 .deflate): not
// splittable, read whole by one task.
bool compressed_text_file(const std::string& path);

// Spark SQL's file partitions (FilePartition.maxSplitBytes / getFilePartitions): splittable
// files are cut into chunks of maxSplitBytes = min(maxPartitionBytes, max(openCost,
// (total + files * openCost) / parallelism)); unsplittable ones (.gz, and every file with
// `whole_files`: multiLine CSV/JSON) are one chunk; empty files none. Chunks, largest first, are packed next-fit into partitions holding at most maxSplitBytes,
// each chunk also costing openCost.
std::vector<std::vector<TextSplit>> sql_file_partitions(const std::vector<FileEntry>& files, int64_t max_partition_bytes,
                                                       int64_t open_cost, int parallelism, bool whole_files = false);

}  // namespace spp::driver
