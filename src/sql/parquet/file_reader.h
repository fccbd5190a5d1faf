// A Parquet file opened for reading: its footer and schema, the row groups of a byte range
// (Spark's rule: a row group belongs to the split holding its midpoint) and row groups read
// into batches of the requested columns. Errors name the file.
#pragma once
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/status.h"
#include "sql/columnar/batch.h"
#include "sql/parquet/column_reader.h"
#include "sql/parquet/metadata.h"
#include "sql/parquet/schema.h"

namespace spp::sql::parquet {

// Where bytes come from: a file, or memory (tests, the fuzzer).
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual int64_t size() const = 0;
  // Reads exactly n bytes at offset (the caller checked the range against size()).
  virtual Status read(int64_t offset, size_t n, std::string& out) = 0;
  // The same into out[0..n).
  virtual Status read_into(int64_t offset, size_t n, uint8_t* out);
};

// A byte buffer that grows without zeroing (column chunks are read over it whole).
struct ChunkBuffer {
  std::unique_ptr<uint8_t[]> data;
  size_t cap = 0, size = 0;
  uint8_t* ensure(size_t n) {
    if (n > cap) {
      cap = std::max(n, cap + cap / 2);
      data.reset(new uint8_t[cap]);
    }
    size = n;
    return data.get();
  }
};
// Buffers a scan keeps from row group to row group and file to file: per output column, its
// chunk's bytes and the page it decompresses.
struct ScanBuffers {
  std::vector<ChunkBuffer> chunks;
  std::vector<std::string> pages;
};
Result<std::unique_ptr<ByteSource>> open_file_source(const std::string& path);
std::unique_ptr<ByteSource> memory_source(std::string bytes);

class ParquetFile {
 public:
  // Reads and checks the footer; `name` is what errors call the file (`file:/…`).
  static Result<std::unique_ptr<ParquetFile>> open(std::unique_ptr<ByteSource> src, std::string name,
                                                  ReadLimits limits = {});
  static Result<std::unique_ptr<ParquetFile>> open_path(const std::string& path, ReadLimits limits = {});

  const FileMetaData& metadata() const { return md_; }
  const FileSchema& schema() const { return schema_; }
  const std::string& name() const { return name_; }
  // Spark's schema JSON for the file (StructType.json()).
  nlohmann::json spark_schema() const;

  // Row groups whose midpoint lies in [start, start + length).
  std::vector<int> row_groups_in(int64_t start, int64_t length) const;
  // Row group `rg` as a batch of `want` (a struct type): each field read from the file column
  // of the same name (case-insensitively), NULL when the file has none.
  Result<col::Batch> read_row_group(int rg, const col::ColTypePtr& want);
  // The same in batches of at most `batch_rows` rows: begin_row_group, then next_batch while
  // has_batch(). Flat fixed-width columns are decoded batch by batch (their pages decompressed
  // into buffers kept for the next row group); the others are read whole and sliced.
  // `bufs`: the caller's buffers, else the file's own.
  Status begin_row_group(int rg, const col::ColTypePtr& want, int64_t batch_rows, ScanBuffers* bufs = nullptr);
  bool has_batch() const { return cur_done_ < cur_rows_; }
  Result<col::Batch> next_batch();
  // The dictionary of leaf `leaf`'s chunk in row group `rg`, reading only the bytes before its
  // first data page (an error when the footer does not place a dictionary page there).
  Status read_dictionary(int rg, int leaf, PhysValues& out) const;

 private:
  Status fail_chunk(const std::string& column, const std::string& why) const;
  // Field i of `want` in row group `rg`, its chunk bytes read into `bytes`. With `stream`, a flat
  // fixed-width column gets a reader there (over `bytes`, decompressing into `scratch`) and the
  // result is null.
  Result<col::ColumnPtr> read_column(const RowGroup& rg, const col::ColType& want, size_t i, ChunkBuffer& bytes,
                                     std::unique_ptr<FlatColumnReader>* stream, std::string* scratch = nullptr);
  // The bytes of a leaf's column chunk, its range checked against the file.
  Status read_chunk_bytes(const RowGroup& rg, int leaf, ChunkBuffer& bytes) const;
  std::unique_ptr<ByteSource> src_;
  std::string name_;
  ReadLimits limits_;
  FileMetaData md_;
  FileSchema schema_;
  // The row group being read in batches: each column read whole or by its reader.
  struct Pending {
    col::ColumnPtr whole;
    std::unique_ptr<FlatColumnReader> reader;
  };
  std::vector<Pending> cur_;
  col::ColTypePtr cur_want_;
  int64_t cur_rows_ = 0, cur_done_ = 0, batch_rows_ = 0;
  ScanBuffers own_bufs_;
};

// Several files' schemas merged as Spark's mergeSchema (StructType.merge: fields by name in
// first-seen order, nested structs merged the same way through arrays and maps; other types must
// agree).
Result<col::ColType> merge_schemas(const std::vector<col::ColType>& schemas);
// A nested column of a file read as the merged schema's wider type `want`: struct fields matched by
// name (case-insensitively) in want's order, fields the file lacks NULL. nullptr when a leaf's type
// differs.
col::ColumnPtr widen_nested(const col::ColumnPtr& c, const col::ColType& want);

}  // namespace spp::sql::parquet
