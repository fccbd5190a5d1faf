// Partitioned datasets on read (Spark's PartitioningUtils): `k=v` directories between a base
// path and a file become columns appended after the files' columns. Pure: paths are strings;
// the driver infers the columns' types over every file, the executors turn a file's path into
// its constant partition columns with the types the driver chose.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "sql/columnar/batch.h"

namespace spp::sql::exec {

inline constexpr std::string_view kDefaultPartitionName = "__HIVE_DEFAULT_PARTITION__";

// ExternalCatalogUtils.unescapePathName: %XX (two hex digits) -> the byte; anything else kept.
std::string unescape_path_name(std::string_view s);

// The (column, raw value) pairs of the directories of `file` below `base` (an ancestor
// directory, or "" to walk up as far as the directories parse), outermost first, as Spark's
// parsePartition: walking up from the file's directory, a name without '=' ends the walk once
// columns were found; `_temporary` directories give nullopt (the file is skipped).
std::optional<std::vector<std::pair<std::string, std::string>>> parse_partition_dirs(std::string_view file,
                                                                                  std::string_view base);

// inferPartitionColumnValue with spark.sql.sources.partitionColumnTypeInference.enabled: int,
// long, decimal(p,0) for wider integers, double, timestamp (yyyy-MM-dd HH:mm:ss[.S]), date
// (yyyy-MM-dd), else string; __HIVE_DEFAULT_PARTITION__ is Null. Without inference: string
// (Null for the default name).
col::ColType infer_partition_type(std::string_view raw, bool type_inference);
// findWiderTypeForPartitionColumn: Null yields to the other; double with long/decimal and
// anything without a common numeric/datetime type widen to string.
col::ColType wider_partition_type(const col::ColType& a, const col::ColType& b);

struct PartitionColumns {
  std::vector<std::string> names;  // in directory order
  std::vector<col::ColType> types;
};
// The partition columns of a dataset: each file's directories below its base path; files whose
// directories name no column are ignored; different column lists are Spark's "Conflicting
// directory structures detected" error. Columns seen only as the default name are strings.
Result<PartitionColumns> infer_partition_columns(const std::vector<std::pair<std::string, std::string>>& file_and_base,
                                                 bool type_inference);

// A column of `rows` copies of a partition value: `raw` (escaped, as in the path) cast to
// `type` as Spark's Cast(Literal(raw), type) (invalid -> NULL); the default name is NULL.
col::ColumnPtr partition_value_column(std::string_view raw, const col::ColTypePtr& type, int64_t rows);

// The raw value of column `name` (case-insensitive) in the directories of `file`, the innermost
// `name=` directory; nullopt when no directory names it.
std::optional<std::string> partition_raw_value(std::string_view file, std::string_view name);

}  // namespace spp::sql::exec
