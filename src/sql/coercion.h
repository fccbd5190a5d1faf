// Spark 3.5 non-ANSI type coercion facts (TypeCoercion, DecimalPrecision, Cast.canCast): pure
// functions over DataType that the analyzer's coercion rules apply.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "sql/types.h"

namespace spp::sql {

// An "abstract" expected input type of a function parameter (Spark's AbstractDataType).
struct ExpectedType {
  enum class Kind : uint8_t {
    Exact,        // exactly `type` (nullability ignored)
    AnyNumeric,   // NumericType (default double)
    AnyDecimal,   // DecimalType (default decimal(38,18))
    AnyIntegral,  // IntegralType (default int)
    AnyTimestamp, // timestamp or timestamp_ntz (default timestamp)
    AnyArray,     // any array (default array<string>)
    AnyMap,
    AnyAtomic,
    Any,          // no constraint
    OneOf,        // TypeCollection: the first acceptable/castable option
  };
  Kind kind = Kind::Any;
  DataType type;                      // Exact
  std::vector<ExpectedType> options;  // OneOf

  static ExpectedType exact(DataType t) { ExpectedType e; e.kind = Kind::Exact; e.type = std::move(t); return e; }
  static ExpectedType of(Kind k) { ExpectedType e; e.kind = k; return e; }
  static ExpectedType one_of(std::vector<ExpectedType> o) { ExpectedType e; e.kind = Kind::OneOf; e.options = std::move(o); return e; }

  bool accepts(const DataType& t) const;
  DataType default_concrete() const;
  // As in error texts: `"NUMERIC"`, `("STRING" or "BINARY")`.
  std::string sql() const;
};

// Byte (3,0), Short (5,0), Int (10,0), Long (20,0), Float (14,7), Double (30,15); decimals as is.
DataType decimal_for(const DataType& t);
// DecimalType.bounded: precision and scale capped at 38.
DataType bounded_decimal(int precision, int scale);
// DecimalType.adjustPrecisionScale (allowPrecisionLoss=true): keep >= 6 fraction digits.
DataType adjust_precision_scale(int precision, int scale);
// True when `wide` holds every value of `narrow` (DecimalType.isWiderThan), both decimal-like.
bool decimal_is_wider(const DataType& wide, const DataType& narrow);
DataType wider_decimal(const DataType& a, const DataType& b);  // max scale + max int digits

// Result types of decimal arithmetic (Spark 3.5, precision loss allowed).
DataType decimal_add_type(const DataType& a, const DataType& b);  // + and -
DataType decimal_multiply_type(const DataType& a, const DataType& b);
DataType decimal_divide_type(const DataType& a, const DataType& b);
DataType decimal_remainder_type(const DataType& a, const DataType& b);
DataType sum_result_type(const DataType& in);  // bigint / double / decimal(p+10,s)
DataType avg_result_type(const DataType& in);  // double / decimal(p+4,s+4)

// TypeCoercion.findTightestCommonType: widening without loss and without string promotion.
std::optional<DataType> tightest_common_type(const DataType& a, const DataType& b);
// findWiderTypeForTwo: tightest, then decimal widening (float/double beat decimal), then
// atomic+string -> string (CASE, coalesce, IN lists, union, array(…)).
std::optional<DataType> wider_common_type(const DataType& a, const DataType& b);
std::optional<DataType> wider_common_type(const std::vector<DataType>& ts);
// findWiderTypeWithoutStringPromotionForTwo: as wider_common_type but 1 and '1' have none
// (inline tables, VALUES).
std::optional<DataType> wider_type_without_string_promotion(const DataType& a, const DataType& b);
// The type both sides of a comparison are cast to (findCommonTypeForBinaryComparison, then
// tightest, then decimal rules): '2' > 1 compares as int, string vs decimal as double.
std::optional<DataType> comparison_common_type(const DataType& a, const DataType& b);

// ImplicitTypeCasts.implicitCast: the type `in` is cast to for a parameter expecting `want`,
// or nullopt when no implicit cast exists.
std::optional<DataType> implicit_cast_type(const DataType& in, const ExpectedType& want);

// Cast.canCast in non-ANSI mode (explicit CAST).
bool can_cast(const DataType& from, const DataType& to);

}  // namespace spp::sql
