// Sort (external, spills sorted runs and merges them) and top-N.
#pragma once
#include "sql/exec/operator.h"

namespace spp::sql::exec {

struct SortKey {
  ExprPtr expr;
  bool ascending = true;
  bool nulls_first = true;  // Spark: ASC -> NULLS FIRST, DESC -> NULLS LAST by default
  static SortKey asc(ExprPtr e) { return {std::move(e), true, true}; }
  static SortKey desc(ExprPtr e) { return {std::move(e), false, false}; }
};

// Sorts the child's rows by `keys` (NaN greatest, -0.0 = 0.0); limit >= 0 keeps the first
// `limit` rows only (top-N).
OpPtr make_sort(OpPtr child, std::vector<SortKey> keys, const ExecContext& ctx, int64_t limit = -1);

// Order of row i of a and row j of b whose key columns start at key_offset.
int compare_sort_rows(const std::vector<SortKey>& keys, const Batch& a, int64_t i, const Batch& b, int64_t j, size_t key_offset);

}  // namespace spp::sql::exec
