// ColType: the physical layout a column has, derived from a Spark data type (one per Spark type,
// see docs/sql-engine.md "Batch format"); reads and writes Spark's DataType JSON.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/status.h"

namespace spp::sql::col {

enum class TypeId : uint8_t {
  Null,             // void: no buffers, every row null
  Boolean,          // bit-packed values
  Byte, Short, Int, Long,
  Float, Double,
  Decimal,          // 16-byte two's complement unscaled value (Arrow decimal128)
  String, Binary,   // int32 offsets + bytes
  Date,             // int32 days since epoch
  Timestamp,        // int64 µs since epoch, UTC
  TimestampNtz,     // int64 µs, wall clock
  DayTimeInterval,  // int64 µs; fields as ColType::interval packs them
  YearMonthInterval,  // int32 months; fields as ColType::interval packs them
  CalendarInterval,   // 16 bytes {int32 months, int32 days, int64 µs}
  Array,            // int32 offsets + element child
  Map,              // int32 offsets + child struct<key,value>
  Struct,           // one child per field
};

// One CalendarInterval value as stored (16 bytes, little-endian fields).
struct CalInterval {
  int32_t months = 0;
  int32_t days = 0;
  int64_t micros = 0;
};
static_assert(sizeof(CalInterval) == 16);

// A type: scalar, or nested with children. For Array children = {element}, for Map
// children = {key, value}, for Struct one per field (names/nullable parallel to children).
struct ColType {
  TypeId id = TypeId::Null;
  int precision = 0, scale = 0;       // Decimal; intervals: see interval()
  std::vector<ColType> children;
  std::vector<std::string> names;     // Struct field names
  std::vector<bool> nullable;         // Struct: per field; Array: {containsNull}; Map: {false, valueContainsNull}

  static ColType scalar(TypeId id) { ColType t; t.id = id; return t; }
  static ColType decimal(int p, int s) { ColType t; t.id = TypeId::Decimal; t.precision = p; t.scale = s; return t; }
  // Interval fields (DAY 0 .. SECOND 3; YEAR 0, MONTH 1) ride as precision = start, scale = last -
  // end (as sql/types.h's DataType), so scalar(DayTimeInterval) is DAY TO SECOND.
  static ColType interval(TypeId id, int start, int end) {
    ColType t; t.id = id; t.precision = start; t.scale = (id == TypeId::YearMonthInterval ? 1 : 3) - end; return t;
  }
  int interval_end() const { return (id == TypeId::YearMonthInterval ? 1 : 3) - scale; }
  static ColType array(ColType elem, bool contains_null = true);
  static ColType map(ColType key, ColType value, bool value_contains_null = true);
  static ColType strct(std::vector<std::string> names, std::vector<ColType> types,
                       std::vector<bool> nullable = {});

  bool operator==(const ColType& o) const;
  bool operator!=(const ColType& o) const { return !(*this == o); }
  // Spark's simpleString (`bigint`, `array<int>`, `struct<a:int>`), for messages and tests.
  std::string to_string() const;
};
using ColTypePtr = std::shared_ptr<const ColType>;

// Bytes per value for fixed-width types (Boolean = 0: bit-packed); 0 for others.
int fixed_width(TypeId id);
bool is_fixed_width(TypeId id);
bool is_var_binary(TypeId id);  // String, Binary
bool is_integral(TypeId id);    // Byte..Long
bool is_floating(TypeId id);

// Spark DataType JSON (`"long"`, `{"type":"array",...}`, `"decimal(10,2)"`) <-> ColType.
nlohmann::json type_to_json(const ColType& t);
Result<ColType> type_from_json(const nlohmann::json& j);

}  // namespace spp::sql::col
