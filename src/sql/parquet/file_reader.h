// A Parquet file opened for reading: its footer and schema, the row groups of a byte range
// (Spark's rule: a row group belongs to the split holding its midpoint) and row groups read
// into batches of the requested columns. Errors name the file.
#pragma once
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

 private:
  Status fail_chunk(const std::string& column, const std::string& why) const;
  // The bytes of a leaf's column chunk, its range checked against the file.
  Status read_chunk_bytes(const RowGroup& rg, int leaf, std::string& bytes) const;
  std::unique_ptr<ByteSource> src_;
  std::string name_;
  ReadLimits limits_;
  FileMetaData md_;
  FileSchema schema_;
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
