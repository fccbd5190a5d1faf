// Spark SQL data types (3.5): one definition shared by the driver's analyzer/planner and the
// executors' columnar code. Names (typeName/simpleString/sql), DDL, both JSON forms.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/status.h"

namespace spp::sql {

// Order matches docs/sql-engine.md "Batch format" (columnar's layout table).
enum class TypeId : uint8_t {
  Null,             // NullType ("void"): the type of lit(None)
  Boolean,
  Byte, Short, Int, Long,
  Float, Double,
  Decimal,          // precision 1..38, scale 0..precision
  String, Binary,
  Date,             // int32 days since 1970-01-01
  Timestamp,        // int64 µs since epoch, UTC; shown in the session zone
  TimestampNtz,     // int64 µs, wall clock
  DayTimeInterval,  // int64 µs; fields: see day_time_interval()
  YearMonthInterval,  // int32 months; fields: see year_month_interval()
  CalendarInterval,   // legacy CalendarIntervalType: 16 bytes {int32 months, int32 days, int64 µs}
  Array, Map, Struct,
};

struct StructField;

// A value type: cheap enough to copy for scalars; nested types own their children.
struct DataType {
  TypeId id = TypeId::Null;
  int precision = 0, scale = 0;     // Decimal; intervals: start field / (last field - end field)
  bool contains_null = true;        // Array: containsNull; Map: valueContainsNull
  std::vector<DataType> children;   // Array {element}; Map {key, value}
  std::vector<StructField> fields;  // Struct

  static DataType of(TypeId id) { DataType t; t.id = id; return t; }
  static DataType null() { return of(TypeId::Null); }
  static DataType boolean() { return of(TypeId::Boolean); }
  static DataType byte_() { return of(TypeId::Byte); }
  static DataType short_() { return of(TypeId::Short); }
  static DataType int_() { return of(TypeId::Int); }
  static DataType long_() { return of(TypeId::Long); }
  static DataType float_() { return of(TypeId::Float); }
  static DataType double_() { return of(TypeId::Double); }
  static DataType string() { return of(TypeId::String); }
  static DataType binary() { return of(TypeId::Binary); }
  static DataType date() { return of(TypeId::Date); }
  static DataType timestamp() { return of(TypeId::Timestamp); }
  static DataType timestamp_ntz() { return of(TypeId::TimestampNtz); }
  static DataType decimal(int p = 10, int s = 0);
  // DayTimeIntervalType(start, end): 0 DAY, 1 HOUR, 2 MINUTE, 3 SECOND. YearMonthIntervalType
  // (start, end): 0 YEAR, 1 MONTH. The fields ride in precision (start) and scale (last - end), so
  // a bare of(DayTimeInterval) / of(YearMonthInterval) is DAY TO SECOND / YEAR TO MONTH.
  static DataType day_time_interval(int start = 0, int end = 3) {
    DataType t = of(TypeId::DayTimeInterval); t.precision = start; t.scale = 3 - end; return t;
  }
  static DataType year_month_interval(int start = 0, int end = 1) {
    DataType t = of(TypeId::YearMonthInterval); t.precision = start; t.scale = 1 - end; return t;
  }
  int interval_start() const { return precision; }
  int interval_end() const { return (id == TypeId::YearMonthInterval ? 1 : 3) - scale; }
  static DataType calendar_interval() { return of(TypeId::CalendarInterval); }
  static DataType array(DataType element, bool contains_null = true);
  static DataType map(DataType key, DataType value, bool value_contains_null = true);
  static DataType structure(std::vector<StructField> fields);

  const DataType& element() const { return children.at(0); }
  const DataType& key() const { return children.at(0); }
  const DataType& value() const { return children.at(1); }

  bool operator==(const DataType& o) const;
  bool operator!=(const DataType& o) const { return !(*this == o); }
  // Equal ignoring containsNull / nullable flags (Spark's sameType).
  bool same_type(const DataType& o) const;

  // printSchema's name: `long`, `integer`, `decimal(10,2)`, `array`, `struct`, `void`.
  std::string type_name() const;
  // dtypes / DDL lower-case name: `bigint`, `int`, `array<int>`, `struct<a:int,b:string>`.
  std::string simple_string() const;
  // as simple_string but struct fields quoted when needed (DESCRIBE's data_type).
  std::string catalog_string() const;
  // SQL form used in CAST names and error texts: `BIGINT`, `ARRAY<INT>`, `STRUCT<a: INT>`.
  std::string sql() const;
  // For a struct: `a BIGINT,b STRING NOT NULL` (StructType.toDDL); others: sql().
  std::string to_ddl() const;
  // printSchema tree (`root\n |-- a: long (nullable = true)\n`); struct only.
  std::string tree_string() const;

  bool is_numeric() const;     // Byte..Decimal
  bool is_integral() const;    // Byte..Long
  bool is_fractional() const;  // Float, Double, Decimal
  bool is_atomic() const;      // everything but Null/Array/Map/Struct
  bool is_complex() const { return id == TypeId::Array || id == TypeId::Map || id == TypeId::Struct; }
  // Spark's defaultSize (bytes) for size estimates: long 8, string 20, array 1 elem, …
  int64_t default_size() const;
};

struct StructField {
  std::string name;
  DataType type;
  bool nullable = true;
  std::string metadata = "{}";  // JSON object text, kept verbatim
  bool operator==(const StructField& o) const {
    return name == o.name && type == o.type && nullable == o.nullable;
  }
};

// Spark's DataType JSON (`"long"`, `"decimal(10,2)"`, `{"type":"struct","fields":[…]}`).
nlohmann::json type_to_json(const DataType& t);
Result<DataType> type_from_json(const nlohmann::json& j);
// Spark Connect's DataType message in proto3 JSON (`{"long":{}}`, `{"array":{"elementType":…}}`);
// accepts snake_case and lowerCamelCase keys, absent bools false as proto3 says; `unparsed`
// DDL strings are parsed.
nlohmann::json type_to_connect_json(const DataType& t);
Result<DataType> type_from_connect_json(const nlohmann::json& j);

// DDL: a single type (`int`, `array<string>`, `struct<a:int>`, `decimal(5,2)`) or a field list
// (`a INT, b STRING NOT NULL`, legacy `a: int`). parse_ddl_schema returns a struct: a field
// list as is, a struct type as is, any other single type wrapped as a column `value`
// (createDataFrame(…, "int")).
Result<DataType> parse_ddl_type(std::string_view s);
Result<DataType> parse_ddl_schema(std::string_view s);

// Interval type names as Spark prints them (`interval day`, `interval hour to second`,
// `interval year to month`, `interval` for CalendarIntervalType) and back (null when not one).
std::string interval_type_name(TypeId id, int start, int end);
bool parse_interval_type_name(std::string_view s, DataType* out);

// Backquotes a name when DDL/SQL needs it (`a b` -> "`a b`", "`" doubled).
std::string quote_if_needed(const std::string& name);
std::string quote_identifier(const std::string& name);  // always backquoted

}  // namespace spp::sql
