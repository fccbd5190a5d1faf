// Arithmetic kernels with Spark 3.5 non-ANSI semantics: integral overflow wraps (two's
// complement), `/` divides doubles (the analyzer casts operands to double or decimal first),
// division/remainder by zero gives NULL, decimals follow Spark's result-type rules (the result
// type is passed in, computed by the analyzer) and overflow to NULL.
#pragma once
#include "sql/kernels/vec.h"

namespace spp::sql::kern {

enum class ArithOp { Add, Sub, Mul, Div, IntDiv, Mod, Pmod };

// a and b have the same type (numeric or decimal; for IntDiv: integral, result bigint).
// `out` is the result type: the operand type, Double for Div on doubles, Long for IntDiv,
// a decimal(p,s) for decimals. Every row is computed (cheaper than following the selection).
Vec arith(ArithOp op, const Vec& a, const Vec& b, const ColTypePtr& out, int64_t n);

Vec negate(const Vec& a, int64_t n);
Vec abs(const Vec& a, int64_t n);  // abs(INT_MIN) = INT_MIN as in Spark

// Spark's result type for a decimal op (with allowPrecisionLoss=true), docs/spark-sql-facts §2.2.
ColType decimal_result_type(ArithOp op, int p1, int s1, int p2, int s2);

}  // namespace spp::sql::kern
