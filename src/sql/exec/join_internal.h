// Pieces the hash join (join.cpp) and the sort-merge join (sort_merge_join.cpp) share: key
// columns of a batch, the rows of a build side, and the output of matched pairs by join type.
// Not an API.
#pragma once
#include <vector>

#include "sql/exec/join.h"

namespace spp::sql::exec::join_detail {

// The join's output schema: left columns then right ones (semi/anti: left only).
col::ColTypePtr join_schema(const col::ColType& l, const col::ColType& r, JoinType t);

// Key columns, hashes and "has a NULL key" flags of a batch.
struct Keyed {
  std::vector<col::ColumnPtr> keys;
  std::vector<int32_t> hash;  // empty when made without (a sort-merge join compares, never hashes)
  std::vector<uint8_t> null_key;
  // One integral key (any width, dates, timestamps) widened to int64: a sort-merge join compares
  // these instead of a typed compare_rows per row. Empty otherwise.
  std::vector<int64_t> ikey;
};
Keyed key_batch(const std::vector<ExprPtr>& exprs, const Batch& b, const ExecContext& ctx, bool with_hash = true);

// The build rows pairs index: one batch, or consecutive batches whose rows are numbered end to
// end (a sort-merge join's window of right batches, gathered from in place, never concatenated).
struct BuildRows {
  BuildRows(const Batch& b) : one(&b), schema(b.schema), rows(b.num_rows) {}  // NOLINT: implicit
  BuildRows(const std::vector<const Batch*>& batches, ColTypePtr s) : parts(batches), schema(std::move(s)) {
    for (const Batch* b : parts) {
      starts.push_back(rows);
      rows += b->num_rows;
    }
  }
  size_t num_columns() const { return one ? one->columns.size() : parts[0]->columns.size(); }
  const Batch* one = nullptr;
  std::vector<const Batch*> parts;
  std::vector<int64_t> starts;  // window row of each part's first row
  ColTypePtr schema;
  int64_t rows = 0;
};

// Output for candidate pairs (li ascending) of `left` rows and `build` rows: the extra
// condition, then the join type's rules; sets matched[r] for every build row r that joined.
Batch emit_pairs(const Batch& left, const BuildRows& build, std::vector<int32_t> li, std::vector<int32_t> ri, JoinType type,
                 const ExprPtr& cond, const col::ColTypePtr& out_schema, const ExecContext& ctx, uint8_t* matched);
// Right/full outer: the build rows never matched, with NULL left columns.
Batch unmatched_rows(const Batch& build, const uint8_t* matched, const col::ColType& left_schema, const col::ColTypePtr& out_schema);
// A batch of no rows with `schema`'s columns.
Batch empty_batch(const col::ColTypePtr& schema);

}  // namespace spp::sql::exec::join_detail
