// Executor-side expressions: a bound tree (column refs by index, literals, calls of kernels by
// an enum) evaluated a whole batch at a time — one virtual-free switch per node per batch,
// typed loops inside the kernels. The physical planner's expressions lower to this tree.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sql/kernels/cast.h"
#include "sql/kernels/string_fns.h"
#include "sql/kernels/vec.h"

namespace spp::sql::exec {

using kern::Vec;

enum class Fn {
  Add, Sub, Mul, Div, IntDiv, Mod, Pmod, Negate, Abs,
  Eq, Ne, Lt, Le, Gt, Ge, EqNullSafe, And, Or, Not, IsNull, IsNotNull, In, Between,
  CaseWhen,   // args: c1, v1, c2, v2, ..., else
  Coalesce, Cast, Hash,
  Upper, Lower, Length, Trim, LTrim, RTrim, Substring, Concat, ConcatWs, StartsWith, EndsWith,
  Contains, Like, RLike, Split,
  Round,      // args: x; Expr::limit holds the scale d
  Sqrt, Year, Month, DayOfMonth, Size, Array, GetItem,
  GetField,   // args: struct; Expr::limit holds the field index
  // Per-partition functions (state lives in the Expr: one expression tree per task).
  Rand,                  // XORShiftRandom(seed + partition).nextDouble() per row; Expr::seed
  MonotonicallyIncreasingId,  // (partition << 33) + row number within the partition
  SparkPartitionId,
  Library,    // a library function (exec/library.h): Expr::lib, bound to its constant arguments
};

struct Expr;
struct EvalContext;
// A library function's kernel with its constant arguments already bound (patterns compiled,
// charsets looked up): one indirect call per batch, typed loops inside.
using LibKernel = std::function<Vec(const std::vector<Vec>& args, int64_t n, const EvalContext& ctx)>;
using ExprPtr = std::shared_ptr<const Expr>;

struct Expr {
  enum class Kind { Column, Literal, Call } kind = Kind::Column;
  col::ColTypePtr type;           // result type
  int column = -1;                // Column: index in the input batch
  col::ColumnPtr literal;         // Literal: a one-row column (NULL literal: a null row)
  Fn fn = Fn::Add;                // Call
  std::vector<ExprPtr> args;
  // Call state prepared once: LIKE matcher, compiled regex, split limit.
  std::shared_ptr<kern::LikeMatcher> like;
  std::shared_ptr<kern::Regex> regex;
  int limit = -1;
  int64_t seed = 0;
  std::shared_ptr<const LibKernel> lib;  // Library
  // Per-task state of Rand / MonotonicallyIncreasingId (created on first use).
  mutable std::shared_ptr<void> state;
};

ExprPtr col_ref(int index, col::ColTypePtr type);
ExprPtr lit(col::ColumnPtr one_row);
ExprPtr lit_int(int32_t v);
ExprPtr lit_long(int64_t v);
ExprPtr lit_double(double v);
ExprPtr lit_str(std::string v);
ExprPtr lit_null(col::ColTypePtr type);
// A call; the result type of comparisons/predicates is boolean, arithmetic the operand type
// (pass `type` explicitly for Div/IntDiv/decimals/casts/CASE/coalesce).
ExprPtr call(Fn fn, std::vector<ExprPtr> args, col::ColTypePtr type = nullptr);
// Sets the integer parameter of Round (scale) or GetField (field index) on a fresh call.
ExprPtr with_int_arg(ExprPtr call_expr, int v);
// LIKE / RLIKE / split with a constant pattern (compiled here).
Result<ExprPtr> like(ExprPtr s, std::string pattern, char escape = '\\');
Result<ExprPtr> rlike(ExprPtr s, std::string regex);
Result<ExprPtr> split(ExprPtr s, std::string regex, int limit = -1);

struct EvalContext {
  kern::CastOptions cast;
  int partition_index = 0;  // rand(), monotonically_increasing_id(), spark_partition_id()
  // A row error a kernel raises (scalar_subquery_check); the Project operator evaluating it
  // owns the slot and fails the task with it. Null: no kernel here may raise.
  std::shared_ptr<std::string> error;
};

// The value of `e` for every row of `b` (sel: rows that matter; others may hold anything).
Vec eval(const Expr& e, const col::Batch& b, const col::SelVec* sel = nullptr, const EvalContext& ctx = {});
// A flat column of b.num_rows rows (constants expanded).
col::ColumnPtr eval_flat(const Expr& e, const col::Batch& b, const EvalContext& ctx = {});

}  // namespace spp::sql::exec
