// Struct and map kernels (complexTypeCreator.scala, collectionOperations.scala, Spark 3.5):
// struct/named_struct, map/create_map, map_from_arrays, map_from_entries, map_concat,
// str_to_map, map_keys/map_values/map_entries. Maps are built with Spark's
// spark.sql.mapKeyDedupPolicy=LAST_WIN order (first position, last value). Where Spark raises
// at run time (NULL key; duplicate keys under the default EXCEPTION policy; arrays of different
// lengths) these kernels have no error channel: a NULL key or a length mismatch makes the row
// NULL, duplicates keep the last value.
#pragma once
#include <string>
#include <vector>

#include "sql/kernels/vec.h"

namespace spp::sql::kern {

// A struct whose fields are the given values (out: the struct type).
Vec make_struct(const std::vector<Vec>& fields, const ColTypePtr& out, int64_t n);
// map(k1, v1, k2, v2, ...): keys[i]/values[i] of one type each.
Vec make_map(const std::vector<Vec>& keys, const std::vector<Vec>& values, const ColTypePtr& out, int64_t n);
Vec map_from_arrays(const Vec& keys, const Vec& values, const ColTypePtr& out, int64_t n);
// array<struct<k, v>>: a NULL entry makes the row NULL.
Vec map_from_entries(const Vec& entries, const ColTypePtr& out, int64_t n);
Vec map_concat(const std::vector<Vec>& maps, const ColTypePtr& out, int64_t n);
// Splits on literal (non-regex) delimiters; an entry without the key/value delimiter has a NULL value.
Vec str_to_map(const Vec& text, const std::string& pair_delim, const std::string& kv_delim, const ColTypePtr& out, int64_t n);
// The keys / values / entries of each map as arrays (zero-copy: the map's offsets are shared).
enum class MapPart { Keys, Values, Entries };
Vec map_part(const Vec& m, MapPart part, const ColTypePtr& out, int64_t n);

}  // namespace spp::sql::kern
