// Vec: a kernel's input or output — a column that is either flat (one value per row) or
// constant (one value for every row, e.g. a literal) — plus the helpers every kernel uses to
// stay branch-free per row: typed accessors picked at compile time, bitmap AND, row loops
// over an optional selection vector.
#pragma once
#include <cmath>
#include <cstdint>
#include <string_view>

#include "sql/columnar/batch.h"

namespace spp::sql::kern {

using col::Column;
using col::ColumnPtr;
using col::ColType;
using col::ColTypePtr;
using col::SelVec;
using col::TypeId;

struct Vec {
  ColumnPtr col;          // flat: n rows; constant: 1 row
  bool constant = false;

  const Column& c() const { return *col; }
  const ColType& type() const { return *col->type; }
  bool all_null() const { return constant ? col->is_null(0) : col->null_count == col->length && col->length > 0; }
  bool may_have_nulls() const { return col->null_count > 0 || col->id() == TypeId::Null; }
  static Vec flat(ColumnPtr c) { return {std::move(c), false}; }
  static Vec constant_of(ColumnPtr c) { return {std::move(c), true}; }
};

// Rows a kernel must compute: every row of n, or just the selected ones.
template <typename F>
inline void for_rows(const SelVec* sel, int64_t n, F&& f) {
  if (sel) for (int32_t r : *sel) f(int64_t(r));
  else for (int64_t r = 0; r < n; ++r) f(r);
}

// Typed reader for flat or constant input (kConst fixes the row to 0 at compile time).
template <typename T, bool kConst>
struct Reader {
  const T* v;
  explicit Reader(const Column& c) : v(c.vals<T>()) {}
  T operator[](int64_t i) const { return kConst ? v[0] : v[i]; }
};

template <bool kConst>
struct ValidReader {
  const uint8_t* bits;
  int64_t off;
  explicit ValidReader(const Column& c) : bits(c.validity_bits()), off(c.offset) {}
  bool operator[](int64_t i) const { return col::get_bit(bits, off + (kConst ? 0 : i)); }
};

// out[i] = validity of a[i] && validity of b[i] for i < n (constant inputs broadcast).
// Returns nullptr when every row is valid.
col::BufferPtr and_validity(const Vec& a, const Vec& b, int64_t n);
col::BufferPtr copy_validity(const Vec& a, int64_t n);
// A bitmap with rows 0..n-1 valid, for kernels that clear the rows they make NULL.
col::BufferPtr all_valid(int64_t n);
// Sets c's validity and null_count from `v` (nullptr = all valid).
void set_validity(Column& c, col::BufferPtr v);

// Output column helpers.
ColumnPtr new_fixed(ColTypePtr t, int64_t n);
ColumnPtr new_bool(int64_t n);
ColTypePtr bool_type();
ColTypePtr type_of(TypeId id);

// Runs `body.template operator()<T>()` with T the C++ value type of a fixed-width type id.
template <typename F>
auto dispatch_fixed(TypeId id, F&& body) {
  switch (id) {
    case TypeId::Byte: return body.template operator()<int8_t>();
    case TypeId::Short: return body.template operator()<int16_t>();
    case TypeId::Int: case TypeId::Date: case TypeId::YearMonthInterval: return body.template operator()<int32_t>();
    case TypeId::Long: case TypeId::Timestamp: case TypeId::TimestampNtz: case TypeId::DayTimeInterval:
      return body.template operator()<int64_t>();
    case TypeId::Float: return body.template operator()<float>();
    case TypeId::Double: return body.template operator()<double>();
    case TypeId::Decimal: case TypeId::CalendarInterval: return body.template operator()<__int128>();
    default: SPP_CHECK(false, "not a fixed-width type"); return body.template operator()<int64_t>();
  }
}

// Calls body.template operator()<kA, kB>() with the constness of a and b as template args.
template <typename F>
auto dispatch_const2(bool a, bool b, F&& body) {
  if (a) return b ? body.template operator()<true, true>() : body.template operator()<true, false>();
  return b ? body.template operator()<false, true>() : body.template operator()<false, false>();
}

inline std::string_view str_at(const Column& c, int64_t i) { return c.str(i); }

}  // namespace spp::sql::kern
