// Window operator (Spark's WindowExec): over input clustered by the partition keys and sorted by
// (partition keys, order), buffers one window partition at a time (reserving memory for it) and
// appends one column per window function: ranking functions from peer-group boundaries, lag/lead
// by offset gathers, aggregates over their frames — the whole partition in one grouped pass,
// growing frames (UNBOUNDED PRECEDING ..) incrementally, any other frame by recomputing each
// row's frame, as Spark's frame classes do.
#pragma once
#include "sql/exec/agg_acc.h"
#include "sql/exec/sort.h"

namespace spp::sql::exec {

enum class WinFn { RowNumber, Rank, DenseRank, PercentRank, CumeDist, Ntile, Lag, Lead, NthValue, Agg };

struct WinBound {
  enum class Kind : uint8_t { UnboundedPreceding, Offset, CurrentRow, UnboundedFollowing };
  Kind kind = Kind::CurrentRow;
  int64_t offset = 0;  // Offset: rows (ROWS) or order-key units (RANGE); negative = preceding
};

struct WindowFnSpec {
  WinFn fn = WinFn::RowNumber;
  ExprPtr input;          // lag/lead value; Agg: agg.input (null for count(*))
  ExprPtr default_value;  // lag/lead: evaluated for the current row when the offset row is missing
  int64_t n = 0;          // ntile buckets, lag/lead offset, nth_value's n (1-based)
  bool ignore_nulls = false;  // nth_value: count non-null values only
  AggSpec agg;            // Agg: function, input type, ignore_nulls
  bool range = false;     // RANGE frame (else ROWS)
  WinBound lower, upper;
  col::ColTypePtr type;   // result type
};

// `partition` keys and `order` keys are evaluated over the child's rows; the output is the
// child's columns followed by one column per spec, named `names`.
OpPtr make_window(OpPtr child, std::vector<ExprPtr> partition, std::vector<SortKey> order,
                  std::vector<WindowFnSpec> fns, std::vector<std::string> names, const ExecContext& ctx);

}  // namespace spp::sql::exec
