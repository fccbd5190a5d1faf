// Writing Parquet files as Spark 3.5 writes them by default: one OPTIONAL (or REQUIRED, for
// non-nullable fields) column per flat field, data pages v1 of about 1 MiB / 20000 rows with RLE
// definition levels and dictionary-encoded values (PLAIN past a 1 MiB dictionary), parquet-mr's
// statistics per page and column chunk, row groups of parquet.block.size (128 MiB, measured in
// memory), SNAPPY unless told otherwise (gzip, zstd, lz4, lz4_raw, brotli, none), timestamps as
// INT96, decimals as INT32/INT64/FIXED_LEN_BYTE_ARRAY by precision, and Spark's schema in the
// footer (`org.apache.spark.sql.parquet.row.metadata`).
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sql/columnar/batch.h"
#include "sql/parquet/metadata.h"

namespace spp::sql::parquet {

// The `compression` option (Spark's names): snappy (default), none/uncompressed, gzip, zstd,
// lz4 (Hadoop framing), lz4_raw, brotli;
// `extension` gets the part-file suffix (".snappy.parquet").
Result<Codec> write_codec(std::string_view name, std::string* extension = nullptr);

class ParquetWriter {
 public:
  // `schema`: a Struct ColType of flat fields (nested ones are refused with Spark's error text).
  static Result<std::unique_ptr<ParquetWriter>> make(const col::ColType& schema, Codec codec,
                                                    int64_t row_group_bytes = int64_t(128) << 20, bool dictionary = true);
  // Each call appends the file's next bytes to `out`.
  void begin(std::string& out);
  Status write(const col::Batch& b, std::string& out);
  Status end(std::string& out);  // the last row group and the footer
  Status finish_row_group(std::string& out) { return flush(out); }  // the rows so far as a row group

 private:
  Status flush(std::string& out);
  Result<int64_t> encode_column(size_t i, const col::Column& c, std::string& out, std::string& meta);
  col::ColType schema_;
  Codec codec_ = Codec::Snappy;
  int64_t row_group_bytes_ = 0;
  bool dictionary_ = true;  // parquet.enable.dictionary
  std::vector<col::Batch> pending_;
  int64_t pending_bytes_ = 0, pending_rows_ = 0;
  int64_t offset_ = 0, num_rows_ = 0;
  std::vector<std::string> row_groups_;  // encoded RowGroup structs
};

}  // namespace spp::sql::parquet
