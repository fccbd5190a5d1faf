// Window operator (Spark's WindowExec): over input clustered by the partition keys and sorted by
// (partition keys, order), buffers one window partition at a time (reserving memory for it) and
// appends one column per window function: ranking functions from peer-group boundaries, lag/lead
// by offset gathers, aggregates over their frames — the whole partition in one grouped pass,
// growing frames (UNBOUNDED PRECEDING ..) incrementally, any other frame by recomputing each
// row's frame, as Spark's frame classes do.
#pragma once
#include <nlohmann/json.hpp>

#include "sql/exec/agg_acc.h"
#include "sql/exec/python_eval.h"
#include "sql/exec/sort.h"

namespace spp::sql::exec {

// PythonAgg: a group aggregate pandas UDF over each row's frame (Spark's WindowInPandasExec):
// its argument columns and every row's frame bounds go to a Python worker (evalType 203).
enum class WinFn { RowNumber, Rank, DenseRank, PercentRank, CumeDist, Ntile, Lag, Lead, NthValue, Agg, PythonAgg };

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
  std::vector<ExprPtr> py_args;  // PythonAgg: the UDF's arguments
  int64_t py_func = 0;           // PythonAgg: the function id
  nlohmann::json py_type;        // PythonAgg: its Spark return type (JSON)
};

// `partition` keys and `order` keys are evaluated over the child's rows; the output is the
// child's columns followed by one column per spec, named `names`.
OpPtr make_window(OpPtr child, std::vector<ExprPtr> partition, std::vector<SortKey> order,
                  std::vector<WindowFnSpec> fns, std::vector<std::string> names, const ExecContext& ctx);

}  // namespace spp::sql::exec
