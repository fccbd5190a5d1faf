// Array and map kernels of pyspark.sql.functions (collectionOperations.scala, Spark 3.5,
// non-ANSI): element equality and order are Spark's (NaN = NaN and greatest, -0.0 = 0.0).
// Array results are built by picking elements of the inputs (offsets + one gather), so every
// element type works without a per-type path. `out` is the analyzer's result type.
#pragma once
#include <random>
#include <vector>

#include "sql/kernels/vec.h"

namespace spp::sql::kern {

// true when found; else NULL if the array holds a NULL; else false (NULL array/value: NULL).
Vec array_contains(const Vec& arr, const Vec& v, int64_t n);
// 1-based position of the first match as bigint, 0 when absent.
Vec array_position(const Vec& arr, const Vec& v, int64_t n);
// Every element equal to v removed (NULL elements stay).
Vec array_remove(const Vec& arr, const Vec& v, const ColTypePtr& out, int64_t n);
// element_at: arrays 1-based, negative from the end, out of range (or 0) NULL; maps by key.
Vec element_at(const Vec& coll, const Vec& key, int64_t n);
// sort_array(asc): NULLs first when ascending, last when descending; array_sort: ascending,
// NULLs last (nulls_first = false).
Vec sort_array(const Vec& arr, bool asc, bool nulls_first, const ColTypePtr& out, int64_t n);
Vec array_distinct(const Vec& arr, const ColTypePtr& out, int64_t n);
// shuffle(): each array's elements in a random order drawn from `rng`.
Vec array_shuffle(const Vec& arr, const ColTypePtr& out, int64_t n, std::mt19937_64& rng);
enum class SetOp { Union, Intersect, Except };
// Distinct results in first-seen order (a's elements, then b's for a union); one NULL at most.
Vec array_set_op(SetOp op, const Vec& a, const Vec& b, const ColTypePtr& out, int64_t n);
// true on a common non-NULL element; else NULL if both are non-empty and one holds a NULL.
Vec arrays_overlap(const Vec& a, const Vec& b, int64_t n);
// Elements joined by delim; NULL elements skipped, or replaced when `repl` is given (a NULL
// replacement makes the row NULL).
Vec array_join(const Vec& arr, const Vec& delim, const Vec* repl, int64_t n);
// slice(arr, start, length): start 1-based (negative from the end); start 0 or a negative
// length make the row NULL here (Spark raises; the lowering rejects such constants).
Vec slice(const Vec& arr, const Vec& start, const Vec& len, const ColTypePtr& out, int64_t n);
Vec array_reverse(const Vec& arr, const ColTypePtr& out, int64_t n);
// array<array<T>> -> array<T>; NULL when the outer array or any inner one is NULL.
Vec flatten(const Vec& arr, const ColTypePtr& out, int64_t n);
// Greatest (or least) non-NULL element; NULL for empty or all-NULL arrays.
Vec array_extreme(const Vec& arr, bool greatest, int64_t n);
// array_repeat(v, count): count copies (count <= 0: empty).
Vec array_repeat(const Vec& v, const Vec& count, const ColTypePtr& out, int64_t n);

// concat of arrays: the elements of each in turn; NULL if any array is NULL.
Vec concat_arrays(const std::vector<Vec>& arrs, const ColTypePtr& out, int64_t n);
// sequence(start, stop, step) over integral values (`out` = array of their type). A step of the
// wrong sign, zero with start != stop, or more than 2^31 - 15 elements: NULL (Spark raises).
Vec sequence(const Vec& start, const Vec& stop, const Vec* step, const ColTypePtr& out, int64_t n);
// arrays_zip: array of structs, one field per input, as long as the longest (missing: NULL).
Vec arrays_zip(const std::vector<Vec>& arrs, const ColTypePtr& out, int64_t n);

}  // namespace spp::sql::kern
