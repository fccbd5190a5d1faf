// The file block a scan on this thread last produced rows from — Spark's InputFileBlockHolder,
// which is thread-local too: input_file_name(), input_file_block_start() and
// input_file_block_length() read it where they are evaluated, so above a shuffle (or outside any
// file scan) they give "" / -1, and above an operator that buffers its input they give the last
// block read, as in Spark. A native task unsets it when it starts.
#pragma once
#include <cstdint>
#include <string>

namespace spp::sql::exec {

struct InputFileBlock {
  std::string uri;  // file:///path (percent-encoded), "" when no file is being read
  int64_t start = -1, length = -1;
};

const InputFileBlock& current_input_file();
void set_input_file(const std::string& path, int64_t start, int64_t length);
void unset_input_file();

}  // namespace spp::sql::exec
