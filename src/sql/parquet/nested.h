// Nested columns (structs, lists, maps) assembled from their leaves' repetition and definition
// levels (the Dremel encoding Parquet uses) into the engine's Arrow-layout columns.
#pragma once
#include <vector>

#include "common/status.h"
#include "sql/columnar/batch.h"
#include "sql/parquet/column_reader.h"
#include "sql/parquet/schema.h"

namespace spp::sql::parquet {

// `levels[i]` / `values[i]`: the field's i-th leaf (FileSchema::leaves[f.first_leaf + i]) as
// read_leaf_levels returns it. The result has one row per record (`num_rows`).
Result<col::ColumnPtr> assemble_field(const FileSchema& fs, const Field& f, const std::vector<LeafLevels>& levels,
                                      const std::vector<col::ColumnPtr>& values, int64_t num_rows);

}  // namespace spp::sql::parquet
