// A Parquet file's schema as Spark sees it (ParquetToSparkSchemaConverter of Spark 3.5): each
// top-level field's Spark type, and for every leaf column the physical type, levels and the
// conversion from stored values to the engine's column layout.
#pragma once
#include <string>
#include <vector>

#include "common/status.h"
#include "sql/columnar/col_type.h"
#include "sql/parquet/metadata.h"

namespace spp::sql::parquet {

// How stored values become column values (one switch per page, never per value).
enum class Conv : uint8_t {
  Bool, Int32, Int32ToByte, Int32ToShort, Uint32ToLong, Int32ToDecimal, Int64, Uint64ToDecimal,
  Int64ToDecimal, MillisToMicros, NanosToMicros, Int96ToMicros, Float, Double, Bytes, BytesToDecimal,
};

struct Leaf {
  std::vector<std::string> path;
  int schema_index = 0;         // into FileMetaData::schema
  PhysType phys = PhysType::Boolean;
  int32_t type_length = 0;      // FIXED_LEN_BYTE_ARRAY
  int16_t max_def = 0, max_rep = 0;
  Conv conv = Conv::Int32;
  col::ColType type;            // the leaf's own Spark type
};

// The shape of a field for assembling nested columns from levels: a level entry with
// definition level >= `def_present` has this node non-null; a list/map has at least one
// element when >= `def_elem`, and its elements continue at repetition level `rep_elem`.
struct Node {
  enum Kind : uint8_t { Leaf, Struct, List, Map } kind = Leaf;
  int16_t def_present = 0, def_elem = 0, rep_elem = 0;
  int leaf = -1;                // Leaf: index into FileSchema::leaves
  std::vector<Node> children;   // Struct: fields; List: {element}; Map: {key/value struct}
};

struct Field {
  std::string name;
  col::ColType type;
  int first_leaf = 0, num_leaves = 0;
  bool flat = false;            // one leaf, not repeated: decoded directly
  Node node;
};

struct FileSchema {
  std::vector<Field> fields;
  std::vector<Leaf> leaves;
  col::ColType struct_type() const;  // every field nullable, as Spark's file sources make them
};

// The schema tree of the metadata (a lying num_children is an error, not a crash). Spark's
// errors for types it cannot read: `[PARQUET_TYPE_ILLEGAL] Illegal Parquet type: INT64 (TIMESTAMP(NANOS,true)).`
Result<FileSchema> convert_schema(const FileMetaData& md);

// Spark's own schema from the footer (`org.apache.spark.sql.parquet.row.metadata`) when it
// agrees with the file's columns (field names and types), else the converted one; as Spark
// JSON (StructType.json()).
nlohmann::json spark_schema_json(const FileMetaData& md, const FileSchema& fs);

}  // namespace spp::sql::parquet
