// Row-group skipping from column statistics (parquet-mr's StatisticsFilter, which Spark's
// ParquetFilters drive): the scan's pushed data filters (the conjuncts of the Filter above it,
// kept there for correctness) are compiled once into a predicate over a row group's min/max and
// null counts; a row group that cannot hold a matching row is not read. Conservative: anything
// not understood — other expressions, casts, a column the file lacks or stores as another type,
// statistics missing or without a trustworthy order — keeps the row group.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sql/parquet/file_reader.h"

namespace spp::sql::parquet {

struct StatPredicate {
  enum Kind { Keep, Eq, Lt, Le, Gt, Ge, In, IsNull, IsNotNull, And, Or };
  Kind kind = Keep;
  std::string column;               // as the scan reads it (by name, case-insensitively)
  nlohmann::json type;              // the column's Spark type (DataType JSON)
  std::vector<nlohmann::json> values;  // literal values, as the plan's JSON carries them
  std::vector<StatPredicate> children;  // And / Or
};

// The predicate of the scan's `exprs` (expression JSON, conjuncts); `names` maps attribute ids
// to the file column names the scan reads. Keep when nothing applies.
StatPredicate compile_pushed_filters(const nlohmann::json& exprs, const std::vector<std::pair<int64_t, std::string>>& names);

// False when row group `rg` of `f` cannot hold a row satisfying `p`.
bool row_group_may_match(const StatPredicate& p, const ParquetFile& f, int rg);

}  // namespace spp::sql::parquet
