// Packed group keys: the key columns of each row written as one byte string, so an aggregate
// grouped by several keys (or by one floating/decimal key) hashes and compares one short byte
// string per row in StringKeyTable instead of dispatching on each key's type per row.
//
// A row's bytes, per key in order: a tag byte (0 NULL, 1 value), then for a value its fixed
// width in bytes (booleans one byte; floats normalised so -0.0 = 0.0 and every NaN is one NaN,
// Spark's grouping equality) or, for strings and binaries, a 4-byte length and the bytes. The
// encoding is injective, so equal bytes are equal keys.
#pragma once
#include <vector>

#include "common/status.h"
#include "sql/columnar/batch.h"

namespace spp::sql::exec {

// Whether keys of these types can be packed (no nested or NULL-typed keys).
bool packable_key_types(const std::vector<col::ColType>& types);
// One Binary column of n rows: row r holds the packed keys of row r of every column.
Result<col::ColumnPtr> pack_keys(const std::vector<col::ColumnPtr>& keys, int64_t n);
// The key columns (of `types`) of every row of a column of packed keys (no NULL rows).
std::vector<col::ColumnPtr> unpack_keys(const col::Column& packed, const std::vector<col::ColType>& types);

}  // namespace spp::sql::exec
