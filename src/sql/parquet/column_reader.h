// One flat column chunk (a top-level primitive, optional or required) of a row group decoded
// into a column of its Spark type: pages (dictionary, data v1/v2) one after the other, each
// decompressed, its definition levels turned into validity and its values converted in bulk.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "sql/columnar/batch.h"
#include "sql/parquet/metadata.h"
#include "sql/parquet/schema.h"

namespace spp::sql::parquet {

struct PhysValues;  // encodings.h

// Bounds that keep hostile files from making unbounded allocations, and how strictly pages are read.
struct ReadLimits {
  int64_t max_page_bytes = int64_t(1) << 28;   // one page, decompressed
  int64_t max_page_values = int64_t(1) << 24;  // values (with nulls) in one page
  // parquet.page.verify-checksum.enabled (parquet-mr's default false, as Spark reads): a page
  // header's CRC, when present, is checked against the page's stored bytes.
  bool verify_checksums = false;
};

// `chunk`: the column chunk's bytes (its first page header at 0); `num_rows`: the row group's.
Result<col::ColumnPtr> read_flat_column(const uint8_t* chunk, size_t size, const ColumnMeta& meta, const Leaf& leaf,
                                        int64_t num_rows, const ReadLimits& limits = {});

// A flat column chunk read in pieces of rows (a scan's batches stay small enough for the cache).
class FlatColumnReader {
 public:
  virtual ~FlatColumnReader() = default;
  // The chunk's next n rows (fewer at its end) as a column.
  virtual Result<col::ColumnPtr> next(int64_t n) = 0;
  virtual int64_t rows_left() const = 0;
};
// A reader of a flat fixed-width (not BOOLEAN) column chunk, or nullptr for other leaves (read
// whole by read_flat_column). `chunk`, `meta`, `leaf` and `limits` must outlive it; `scratch`
// (optional) is where its pages are decompressed, reused from chunk to chunk.
std::unique_ptr<FlatColumnReader> open_flat_column(const uint8_t* chunk, size_t size, const ColumnMeta& meta, const Leaf& leaf,
                                                   int64_t num_rows, const ReadLimits& limits, std::string* scratch = nullptr);

// A nested leaf's level entries (as many as the chunk's num_values).
struct LeafLevels {
  std::vector<uint16_t> def, rep;
};
// A nested leaf: its levels, and its non-null values in order (a column without nulls).
Result<col::ColumnPtr> read_leaf_levels(const uint8_t* chunk, size_t size, const ColumnMeta& meta, const Leaf& leaf,
                                        const ReadLimits& limits, LeafLevels& levels);

// The chunk's dictionary page (its first page, index pages aside) decoded into `out`:
// dictionary filtering reads only the bytes before the first data page.
Status read_dictionary_page(const uint8_t* chunk, size_t size, const ColumnMeta& meta, const Leaf& leaf,
                            const ReadLimits& limits, PhysValues& out);

}  // namespace spp::sql::parquet
