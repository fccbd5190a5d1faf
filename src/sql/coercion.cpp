// Spark 3.5 non-ANSI coercion tables (TypeCoercion.scala, DecimalPrecision.scala, Cast.scala).
#include "sql/coercion.h"

#include <algorithm>

namespace spp::sql {

bool ExpectedType::accepts(const DataType& t) const {
  switch (kind) {
    case Kind::Exact: return type.same_type(t) || (type.id == t.id && !t.is_complex() && t.id != TypeId::Decimal);
    case Kind::AnyNumeric: return t.is_numeric();
    case Kind::AnyDecimal: return t.id == TypeId::Decimal;
    case Kind::AnyIntegral: return t.is_integral();
    case Kind::AnyTimestamp: return t.id == TypeId::Timestamp || t.id == TypeId::TimestampNtz;
    case Kind::AnyArray: return t.id == TypeId::Array;
    case Kind::AnyMap: return t.id == TypeId::Map;
    case Kind::AnyAtomic: return t.is_atomic();
    case Kind::Any: return true;
    case Kind::OneOf:
      return std::any_of(options.begin(), options.end(), [&](const ExpectedType& o) { return o.accepts(t); });
  }
  return false;
}

DataType ExpectedType::default_concrete() const {
  switch (kind) {
    case Kind::Exact: return type;
    case Kind::AnyNumeric: return DataType::double_();
    case Kind::AnyDecimal: return DataType::decimal(38, 18);
    case Kind::AnyIntegral: return DataType::int_();
    case Kind::AnyTimestamp: return DataType::timestamp();
    case Kind::AnyArray: return DataType::array(DataType::string());
    case Kind::AnyMap: return DataType::map(DataType::string(), DataType::string());
    case Kind::AnyAtomic: case Kind::Any: return DataType::string();
    case Kind::OneOf: return options.empty() ? DataType::null() : options.front().default_concrete();
  }
  return DataType::null();
}

std::string ExpectedType::sql() const {
  switch (kind) {
    case Kind::Exact: return "\"" + type.sql() + "\"";
    case Kind::AnyNumeric: return "\"NUMERIC\"";
    case Kind::AnyDecimal: return "\"DECIMAL\"";
    case Kind::AnyIntegral: return "\"INTEGRAL\"";
    case Kind::AnyTimestamp: return "(\"TIMESTAMP\" or \"TIMESTAMP_NTZ\")";
    case Kind::AnyArray: return "\"ARRAY\"";
    case Kind::AnyMap: return "\"MAP\"";
    case Kind::AnyAtomic: return "\"ATOMIC\"";
    case Kind::Any: return "\"ANY\"";
    case Kind::OneOf: {
      std::string s = "(";
      for (size_t i = 0; i < options.size(); ++i) s += (i ? " or " : "") + options[i].sql();
      return s + ")";
    }
  }
  return "";
}

DataType decimal_for(const DataType& t) {
  switch (t.id) {
    case TypeId::Byte: return DataType::decimal(3, 0);
    case TypeId::Short: return DataType::decimal(5, 0);
    case TypeId::Int: return DataType::decimal(10, 0);
    case TypeId::Long: return DataType::decimal(20, 0);
    case TypeId::Float: return DataType::decimal(14, 7);
    case TypeId::Double: return DataType::decimal(30, 15);
    default: return t;
  }
}

DataType bounded_decimal(int precision, int scale) {
  return DataType::decimal(std::min(precision, 38), std::min(scale, 38));
}

DataType adjust_precision_scale(int precision, int scale) {
  if (precision <= 38) return DataType::decimal(precision, scale);
  if (scale < 0) return DataType::decimal(38, scale);
  int int_digits = precision - scale;
  int min_scale = std::min(scale, 6);
  return DataType::decimal(38, std::max(38 - int_digits, min_scale));
}

bool decimal_is_wider(const DataType& wide, const DataType& narrow) {
  DataType w = decimal_for(wide), n = decimal_for(narrow);
  return w.precision - w.scale >= n.precision - n.scale && w.scale >= n.scale;
}

DataType wider_decimal(const DataType& a, const DataType& b) {
  DataType x = decimal_for(a), y = decimal_for(b);
  int scale = std::max(x.scale, y.scale);
  int range = std::max(x.precision - x.scale, y.precision - y.scale);
  return bounded_decimal(range + scale, scale);
}

DataType decimal_add_type(const DataType& a, const DataType& b) {
  DataType x = decimal_for(a), y = decimal_for(b);
  int scale = std::max(x.scale, y.scale);
  return adjust_precision_scale(std::max(x.precision - x.scale, y.precision - y.scale) + scale + 1, scale);
}

DataType decimal_multiply_type(const DataType& a, const DataType& b) {
  DataType x = decimal_for(a), y = decimal_for(b);
  return adjust_precision_scale(x.precision + y.precision + 1, x.scale + y.scale);
}

DataType decimal_divide_type(const DataType& a, const DataType& b) {
  DataType x = decimal_for(a), y = decimal_for(b);
  int int_digits = x.precision - x.scale + y.scale;
  int scale = std::max(6, x.scale + y.precision + 1);
  return adjust_precision_scale(int_digits + scale, scale);
}

DataType decimal_remainder_type(const DataType& a, const DataType& b) {
  DataType x = decimal_for(a), y = decimal_for(b);
  int scale = std::max(x.scale, y.scale);
  return adjust_precision_scale(std::min(x.precision - x.scale, y.precision - y.scale) + scale, scale);
}

DataType sum_result_type(const DataType& in) {
  if (in.id == TypeId::Decimal) return bounded_decimal(in.precision + 10, in.scale);
  if (in.is_integral()) return DataType::long_();
  if (in.id == TypeId::Float || in.id == TypeId::Double) return DataType::double_();
  return in;  // intervals keep their type
}

DataType avg_result_type(const DataType& in) {
  if (in.id == TypeId::Decimal) return bounded_decimal(in.precision + 4, in.scale + 4);
  return DataType::double_();
}

static bool numeric_non_decimal(const DataType& t) { return t.is_numeric() && t.id != TypeId::Decimal; }

// Array/Map/Struct: combine children with `f`, nullability ORed (findTypeForComplex).
template <typename F>
static std::optional<DataType> complex_common(const DataType& a, const DataType& b, F f) {
  if (a.id != b.id) return std::nullopt;
  if (a.id == TypeId::Array) {
    auto e = f(a.element(), b.element());
    if (!e) return std::nullopt;
    return DataType::array(*e, a.contains_null || b.contains_null);
  }
  if (a.id == TypeId::Map) {
    auto k = f(a.key(), b.key());
    auto v = f(a.value(), b.value());
    if (!k || !v) return std::nullopt;
    return DataType::map(*k, *v, a.contains_null || b.contains_null);
  }
  if (a.id == TypeId::Struct) {
    if (a.fields.size() != b.fields.size()) return std::nullopt;
    std::vector<StructField> fs;
    for (size_t i = 0; i < a.fields.size(); ++i) {
      // caseSensitive=false: field names compared case-insensitively, the left spelling kept.
      const auto &fa = a.fields[i], &fb = b.fields[i];
      if (fa.name.size() != fb.name.size() ||
          !std::equal(fa.name.begin(), fa.name.end(), fb.name.begin(),
                      [](char x, char y) { return std::tolower(x) == std::tolower(y); }))
        return std::nullopt;
      auto t = f(fa.type, fb.type);
      if (!t) return std::nullopt;
      fs.push_back(StructField{fa.name, *t, fa.nullable || fb.nullable, fa.metadata});
    }
    return DataType::structure(std::move(fs));
  }
  return std::nullopt;
}

std::optional<DataType> tightest_common_type(const DataType& a, const DataType& b) {
  if (a == b) return a;
  if (a.id == TypeId::Null) return b;
  if (b.id == TypeId::Null) return a;
  if (a.is_integral() && b.id == TypeId::Decimal && decimal_is_wider(b, a)) return b;
  if (a.id == TypeId::Decimal && b.is_integral() && decimal_is_wider(a, b)) return a;
  if (numeric_non_decimal(a) && numeric_non_decimal(b)) return a.id > b.id ? a : b;  // enum order = precedence
  auto dt = [](TypeId i) { return i == TypeId::Date || i == TypeId::Timestamp || i == TypeId::TimestampNtz; };
  if (dt(a.id) && dt(b.id)) {
    // findWiderDateTimeType: timestamp (LTZ) wins over NTZ, either wins over date.
    if (a.id == TypeId::Timestamp || b.id == TypeId::Timestamp) return DataType::timestamp();
    return DataType::timestamp_ntz();
  }
  // Intervals of one family: the span of both field ranges (a lossless cast of either side).
  if (a.id == b.id && (a.id == TypeId::DayTimeInterval || a.id == TypeId::YearMonthInterval)) {
    const int start = std::min(a.precision, b.precision), end = std::max(a.interval_end(), b.interval_end());
    return a.id == TypeId::DayTimeInterval ? DataType::day_time_interval(start, end)
                                           : DataType::year_month_interval(start, end);
  }
  return complex_common(a, b, [](const DataType& x, const DataType& y) { return tightest_common_type(x, y); });
}

static std::optional<DataType> wider_decimal_type(const DataType& a, const DataType& b) {
  bool da = a.id == TypeId::Decimal, db = b.id == TypeId::Decimal;
  if (da && db) return wider_decimal(a, b);
  if ((da && b.is_integral()) || (db && a.is_integral())) return wider_decimal(a, b);
  if ((da && (b.id == TypeId::Float || b.id == TypeId::Double)) ||
      (db && (a.id == TypeId::Float || a.id == TypeId::Double)))
    return DataType::double_();
  return std::nullopt;
}

static std::optional<DataType> string_promotion(const DataType& a, const DataType& b) {
  auto promotable = [](const DataType& t) {
    return t.is_atomic() && t.id != TypeId::Binary && t.id != TypeId::Boolean;
  };
  if (a.id == TypeId::String && promotable(b)) return DataType::string();
  if (b.id == TypeId::String && promotable(a)) return DataType::string();
  return std::nullopt;
}

std::optional<DataType> wider_common_type(const DataType& a, const DataType& b) {
  if (auto t = tightest_common_type(a, b)) return t;
  if (auto t = wider_decimal_type(a, b)) return t;
  if (auto t = string_promotion(a, b)) return t;
  return complex_common(a, b, [](const DataType& x, const DataType& y) { return wider_common_type(x, y); });
}

std::optional<DataType> wider_common_type(const std::vector<DataType>& ts) {
  if (ts.empty()) return std::nullopt;
  std::optional<DataType> acc = ts[0];
  for (size_t i = 1; i < ts.size() && acc; ++i) acc = wider_common_type(*acc, ts[i]);
  return acc;
}

std::optional<DataType> wider_type_without_string_promotion(const DataType& a, const DataType& b) {
  if (auto t = tightest_common_type(a, b)) return t;
  if (auto t = wider_decimal_type(a, b)) return t;
  return complex_common(a, b, [](const DataType& x, const DataType& y) { return wider_type_without_string_promotion(x, y); });
}

std::optional<DataType> comparison_common_type(const DataType& a, const DataType& b) {
  auto is = [](const DataType& t, TypeId id) { return t.id == id; };
  if (a == b) return a;
  if (is(a, TypeId::String) && is(b, TypeId::Date)) return DataType::date();
  if (is(a, TypeId::Date) && is(b, TypeId::String)) return DataType::date();
  if (is(a, TypeId::String) && is(b, TypeId::Timestamp)) return DataType::timestamp();
  if (is(a, TypeId::Timestamp) && is(b, TypeId::String)) return DataType::timestamp();
  if (is(a, TypeId::String) && is(b, TypeId::Null)) return DataType::string();
  if (is(a, TypeId::Null) && is(b, TypeId::String)) return DataType::string();
  if ((is(a, TypeId::Timestamp) && is(b, TypeId::Date)) || (is(a, TypeId::Date) && is(b, TypeId::Timestamp)))
    return DataType::timestamp();
  // No decimal fits every string: compare as double (SPARK-22469).
  if ((is(a, TypeId::Decimal) && is(b, TypeId::String)) || (is(a, TypeId::String) && is(b, TypeId::Decimal)))
    return DataType::double_();
  if (is(a, TypeId::String) && b.is_atomic()) return b;
  if (is(b, TypeId::String) && a.is_atomic()) return a;
  if (auto t = tightest_common_type(a, b)) return t;
  // DecimalPrecision: integral vs decimal widen to a decimal; float/double vs decimal to double.
  return wider_decimal_type(a, b);
}

std::optional<DataType> implicit_cast_type(const DataType& in, const ExpectedType& want) {
  using K = ExpectedType::Kind;
  if (want.accepts(in)) return in;
  if (in.id == TypeId::Null) return want.default_concrete();
  if (want.kind == K::OneOf) {
    for (const auto& o : want.options)
      if (auto t = implicit_cast_type(in, o)) return t;
    return std::nullopt;
  }
  if (in.id == TypeId::String && want.kind == K::AnyNumeric) return DataType::double_();
  if (in.is_numeric() && want.kind == K::AnyDecimal) return decimal_for(in);
  if (in.is_numeric() && want.kind == K::Exact && want.type.is_numeric()) return want.type;
  if (in.is_numeric() && want.kind == K::AnyIntegral) return std::nullopt;
  if (in.id == TypeId::Date && want.kind == K::Exact && want.type.id == TypeId::Timestamp) return want.type;
  if (in.id == TypeId::Date && want.kind == K::AnyTimestamp) return DataType::timestamp();
  if ((in.id == TypeId::Timestamp || in.id == TypeId::TimestampNtz) && want.kind == K::Exact &&
      want.type.id == TypeId::Date)
    return want.type;
  if (in.id == TypeId::String) {
    if (want.kind == K::AnyDecimal) return DataType::decimal(38, 18);
    if (want.kind == K::AnyTimestamp) return DataType::timestamp();
    if (want.kind == K::Exact) {
      TypeId t = want.type.id;
      if (want.type.is_numeric() || t == TypeId::Date || t == TypeId::Timestamp ||
          t == TypeId::TimestampNtz || t == TypeId::Binary)
        return want.type;
    }
  }
  if (in.is_atomic() && want.kind == K::Exact && want.type.id == TypeId::String) return DataType::string();
  if (in.id == TypeId::Array && want.kind == K::Exact && want.type.id == TypeId::Array) {
    auto e = implicit_cast_type(in.element(), ExpectedType::exact(want.type.element()));
    if (e) return DataType::array(*e, true);
  }
  return std::nullopt;
}

bool can_cast(const DataType& from, const DataType& to) {
  if (from.same_type(to) && from.id != TypeId::Array && from.id != TypeId::Map && from.id != TypeId::Struct) return true;
  if (from.id == TypeId::Null) return true;
  TypeId f = from.id, t = to.id;
  if (t == TypeId::String) return true;
  if (t == TypeId::Binary) return f == TypeId::String || from.is_integral();
  if (t == TypeId::Boolean)
    return f == TypeId::String || f == TypeId::Boolean || f == TypeId::Date || f == TypeId::Timestamp || from.is_numeric();
  if (t == TypeId::Timestamp)
    return f == TypeId::String || f == TypeId::Boolean || f == TypeId::Date || f == TypeId::TimestampNtz ||
           f == TypeId::Timestamp || from.is_numeric();
  if (t == TypeId::TimestampNtz)
    return f == TypeId::String || f == TypeId::Date || f == TypeId::Timestamp || f == TypeId::TimestampNtz;
  if (t == TypeId::Date)
    return f == TypeId::String || f == TypeId::Timestamp || f == TypeId::TimestampNtz || f == TypeId::Date;
  // ANSI intervals (Spark 3.5's Cast.canCast): from strings, from integral numbers into a
  // single-field interval, between intervals of one family, and back to integral numbers.
  const bool interval_from = f == TypeId::DayTimeInterval || f == TypeId::YearMonthInterval;
  if (to.is_numeric())
    return f == TypeId::String || f == TypeId::Boolean || f == TypeId::Timestamp || f == TypeId::Date ||
           from.is_numeric() || (interval_from && to.is_integral());
  if (t == TypeId::DayTimeInterval || t == TypeId::YearMonthInterval)
    return f == t || f == TypeId::String || (from.is_integral() && to.precision == to.interval_end());
  if (t == TypeId::CalendarInterval) return f == TypeId::String;  // IntervalUtils.safeStringToInterval
  if (t == TypeId::Array && f == TypeId::Array)
    return can_cast(from.element(), to.element()) && (!from.contains_null || to.contains_null);
  if (t == TypeId::Map && f == TypeId::Map)
    return can_cast(from.key(), to.key()) && can_cast(from.value(), to.value()) &&
           (!from.contains_null || to.contains_null);
  if (t == TypeId::Struct && f == TypeId::Struct) {
    if (from.fields.size() != to.fields.size()) return false;
    for (size_t i = 0; i < from.fields.size(); ++i)
      if (!can_cast(from.fields[i].type, to.fields[i].type) || (from.fields[i].nullable && !to.fields[i].nullable))
        return false;
    return true;
  }
  return false;
}

}  // namespace spp::sql
