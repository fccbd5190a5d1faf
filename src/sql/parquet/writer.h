// Writing Parquet files as Spark 3.5 writes them by default: one OPTIONAL (or REQUIRED, for
// non-nullable fields) column per flat field, nested fields as Spark's standard layout (structs
// as groups, arrays as 3-level LIST `list`/`element`, maps as MAP `key_value`/`key`/`value`)
// shredded into leaf columns with definition and repetition levels, data pages v1 of about 1 MiB / 20000 rows with RLE
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

// spark.sql.parquet.outputTimestampType: INT96 (Spark's default), TIMESTAMP_MICROS, TIMESTAMP_MILLIS.
enum class TimestampOut { Int96, Micros, Millis };
// The setting's value (case-insensitive), or Spark's error for another.
Result<TimestampOut> timestamp_out(std::string_view name);

struct WriterLeaf;  // a leaf column of the schema (writer.cpp)

class ParquetWriter {
 public:
  // `schema`: a Struct ColType of the fields to write (any nesting of struct, array and map).
  static Result<std::unique_ptr<ParquetWriter>> make(const col::ColType& schema, Codec codec,
                                                    int64_t row_group_bytes = int64_t(128) << 20, bool dictionary = true,
                                                    TimestampOut ts = TimestampOut::Int96);
  ~ParquetWriter();
  // Each call appends the file's next bytes to `out`.
  void begin(std::string& out);
  Status write(const col::Batch& b, std::string& out);
  Status end(std::string& out);  // the last row group and the footer
  Status finish_row_group(std::string& out) { return flush(out); }  // the rows so far as a row group
  // Column metadata (StructField.metadata, JSON object text per top-level field, empty = none)
  // written into Spark's row metadata, as Spark keeps it across a Parquet round trip.
  void set_field_metadata(std::vector<std::string> md) { field_md_ = std::move(md); }

 private:
  ParquetWriter();
  Status flush(std::string& out);
  // One leaf's column chunk: `vals` holds its values (the column itself for a flat leaf, with
  // def == nullptr; else the dense non-null values), `def`/`rep` its levels (nullptr when the
  // maximum is 0), `entries` the number of level entries.
  Result<int64_t> encode_leaf(const WriterLeaf& leaf, const col::Column& vals, const uint8_t* def, const uint8_t* rep,
                              int64_t entries, std::string& out, std::string& meta);
  col::ColType schema_;
  std::vector<WriterLeaf> leaves_;
  Codec codec_ = Codec::Snappy;
  TimestampOut ts_ = TimestampOut::Int96;
  int64_t row_group_bytes_ = 0;
  bool dictionary_ = true;  // parquet.enable.dictionary
  std::vector<std::string> field_md_;
  std::vector<col::Batch> pending_;
  int64_t pending_bytes_ = 0, pending_rows_ = 0;
  int64_t offset_ = 0, num_rows_ = 0;
  std::vector<std::string> row_groups_;  // encoded RowGroup structs
};

}  // namespace spp::sql::parquet
