// Comparison and predicate kernels with Spark's semantics: NULL in -> NULL out (except <=>),
// NaN = NaN and NaN greater than every other value, -0.0 = 0.0, strings/binary compared as
// unsigned bytes; boolean three-valued logic; IS NULL; IN; BETWEEN; CASE WHEN; coalesce.
#pragma once
#include <vector>

#include "sql/kernels/vec.h"

namespace spp::sql::kern {

enum class CmpOp { Eq, Ne, Lt, Le, Gt, Ge, EqNullSafe };

// a and b have the same type (any orderable type; Eq/Ne/EqNullSafe on any type).
Vec compare(CmpOp op, const Vec& a, const Vec& b, int64_t n);

Vec logical_and(const Vec& a, const Vec& b, int64_t n);
Vec logical_or(const Vec& a, const Vec& b, int64_t n);
Vec logical_not(const Vec& a, int64_t n);
Vec is_null(const Vec& a, int64_t n);
Vec is_not_null(const Vec& a, int64_t n);
// x IN (list): true on a match; else NULL if x or any list value is NULL; else false.
Vec in_list(const Vec& x, const std::vector<Vec>& list, int64_t n);
// lo <= x AND x <= hi, three-valued.
Vec between(const Vec& x, const Vec& lo, const Vec& hi, int64_t n);
// CASE WHEN c1 THEN v1 ... ELSE e END (e may be a null constant); values share `out` type.
Vec case_when(const std::vector<Vec>& conds, const std::vector<Vec>& vals, const Vec& else_v,
              const ColTypePtr& out, int64_t n);
Vec coalesce(const std::vector<Vec>& args, const ColTypePtr& out, int64_t n);

// Rows of `sel` (or all n rows) where the boolean v is true (not false, not NULL).
SelVec select_true(const Vec& v, int64_t n, const SelVec* sel);
// How many of the n rows select_true would select, without building the selection (a filter
// deciding whether to narrow its batch before the next conjunct): 64 rows per popcount.
int64_t count_true(const Vec& v, int64_t n);

// Three-way comparison of row i of a and row j of b (same type), Spark's ordering
// (NaN greatest, -0.0 == 0.0); nulls are the caller's business. Used by sort and merge join.
int compare_rows(const Column& a, int64_t i, const Column& b, int64_t j);
// Spark's value equality for grouping/join keys (NaN == NaN, -0.0 == 0.0).
bool equal_rows(const Column& a, int64_t i, const Column& b, int64_t j);

// A constant Vec holding one value (for literals and tests).
Vec const_bool(bool v);
Vec const_null(ColTypePtr t);

}  // namespace spp::sql::kern
