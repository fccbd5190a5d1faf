// CASTs to and from the ANSI interval types (Spark 3.5's Cast with IntervalUtils): strings in
// the target's day-time / year-month format (or as an INTERVAL literal of the same fields),
// integral numbers as a count of a single-field interval's unit, interval → integral in the
// unit of its end field, and interval → interval truncated to the target's end field. Unlike
// the other non-ANSI casts these fail instead of giving NULL (as Spark does, ANSI mode or not).
#include <cctype>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "sql/kernels/cast.h"

namespace spp::sql::kern {
namespace {

constexpr int64_t kMicrosPer[] = {86400000000LL, 3600000000LL, 60000000LL, 1000000LL};  // DAY..SECOND
constexpr int64_t kMaxDay = std::numeric_limits<int64_t>::max() / kMicrosPer[0];
constexpr int64_t kMaxHour = std::numeric_limits<int64_t>::max() / kMicrosPer[1];
constexpr int64_t kMaxMinute = std::numeric_limits<int64_t>::max() / kMicrosPer[2];
const char* const kDtField[] = {"day", "hour", "minute", "second"};
const char* const kYmField[] = {"year", "month"};

bool is_interval(TypeId t) { return t == TypeId::DayTimeInterval || t == TypeId::YearMonthInterval; }

std::string upper(std::string s) {
  for (auto& c : s) c = char(std::toupper((unsigned char)c));
  return s;
}

// `interval day to hour`, `interval month`: DataType.typeName.
std::string type_name(const ColType& t) {
  const char* const* f = t.id == TypeId::YearMonthInterval ? kYmField : kDtField;
  std::string s = std::string("interval ") + f[t.precision];
  if (t.interval_end() != t.precision) s += std::string(" to ") + f[t.interval_end()];
  return s;
}

// Spark's toSQLValue of an integral or interval value (`1L`, `2S`, `INTERVAL '3' DAY`).
std::string sql_value(const ColType& t, int64_t v) {
  switch (t.id) {
    case TypeId::Long: return std::to_string(v) + "L";
    case TypeId::Short: return std::to_string(v) + "S";
    case TypeId::Byte: return std::to_string(v) + "Y";
    case TypeId::DayTimeInterval: return day_time_interval_string(v, t.precision, t.interval_end());
    case TypeId::YearMonthInterval: return year_month_interval_string(int32_t(v), t.precision, t.interval_end());
    default: return std::to_string(v);
  }
}

std::string overflow_error(const ColType& from, int64_t v, const ColType& to) {
  return "[CAST_OVERFLOW] The value " + sql_value(from, v) + " of the type \"" + upper(from.to_string()) +
         "\" cannot be cast to \"" + upper(to.to_string()) +
         "\" due to an overflow. Use `try_cast` to tolerate overflow and return NULL instead. If necessary set "
         "\"spark.sql.ansi.enabled\" to \"false\" to bypass this error.";
}

// ---- strings ------------------------------------------------------------------------------

struct Failure {  // an IllegalArgumentException's message
  std::string message;
};

// A cursor over the trimmed input with the regex pieces Spark's patterns are made of.
struct Scan {
  std::string_view s;
  size_t i = 0;
  bool done() const { return i == s.size(); }
  bool eat(char c) {
    if (i < s.size() && s[i] == c) return ++i, true;
    return false;
  }
  // ([+|-])? — the class holds '|' too, which counts as a plus.
  int sign() {
    if (i < s.size() && (s[i] == '+' || s[i] == '|' || s[i] == '-')) return s[i++] == '-' ? -1 : 1;
    return 1;
  }
  // \d{lo,hi}
  std::optional<std::string> digits(size_t lo, size_t hi) {
    size_t j = i;
    while (j < s.size() && j - i < hi && std::isdigit((unsigned char)s[j])) ++j;
    if (j - i < lo || (j < s.size() && std::isdigit((unsigned char)s[j]))) return std::nullopt;
    std::string d(s.substr(i, j - i));
    i = j;
    return d;
  }
  // (\.\d{1,9})? — the fraction's digits, or "" when absent; nullopt if malformed.
  std::optional<std::string> fraction() {
    if (!eat('.')) return std::string();
    auto d = digits(1, 9);
    if (!d) return std::nullopt;
    return d;
  }
  bool spaces() {  // \s+
    size_t j = i;
    while (i < s.size() && std::isspace((unsigned char)s[i])) ++i;
    return i > j;
  }
  bool word(const char* w) {  // case-insensitive keyword
    size_t n = std::strlen(w);
    if (s.size() - i < n) return false;
    for (size_t k = 0; k < n; ++k)
      if (std::toupper((unsigned char)s[i + k]) != w[k]) return false;
    i += n;
    return true;
  }
};

// IntervalUtils.toLongWithRange: `require(min <= v <= max, "<field> <v> outside range [min, max]")`.
int64_t in_range(const char* field, const std::string& digits, int64_t lo, int64_t hi) {
  __int128 v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  if (v < lo || v > hi)
    throw Failure{"requirement failed: " + std::string(field) + " " + (v > INT64_MAX ? digits : std::to_string(int64_t(v))) +
                  " outside range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]"};
  return int64_t(v);
}

int64_t add_exact(int64_t a, __int128 b) {
  __int128 r = __int128(a) + b;
  if (r > INT64_MAX || r < INT64_MIN) throw Failure{"long overflow"};
  return int64_t(r);
}

// parseSecondNano: whole seconds, then the fraction's nanoseconds truncated to µs.
int64_t second_micros(const std::string& secs, const std::string& frac, bool negative) {
  int64_t s = in_range("second", secs, INT64_MIN / kMicrosPer[3], INT64_MAX / kMicrosPer[3]);
  int64_t us = 0;
  if (!frac.empty()) us = in_range("nanosecond", (frac + "000000000").substr(0, 9), 0, 999999999) / 1000;
  return add_exact(negative ? -s * kMicrosPer[3] : s * kMicrosPer[3], negative ? -us : us);
}

// The format messages of IntervalUtils.supportedFormat.
std::string dt_formats(int start, int end) {
  static const char* const plain[4][4] = {{"[+|-]d", "[+|-]d h", "[+|-]d h:m", "[+|-]d h:m:s.n"},
                                          {"", "[+|-]h", "[+|-]h:m", "[+|-]h:m:s.n"},
                                          {"", "", "[+|-]m", "[+|-]m:s.n"},
                                          {"", "", "", "[+|-]s.n"}};
  std::string fields = upper(kDtField[start]);
  if (end != start) fields += " TO " + upper(kDtField[end]);
  const std::string p = plain[start][end];
  return "`" + p + "`, `INTERVAL [+|-]'" + p + "' " + fields + "`";
}

[[noreturn]] void bad_day_time(std::string_view input, const ColType& to, bool wrapped) {
  std::string m = "Interval string does not match day-time format of " + dt_formats(to.precision, to.interval_end()) +
                  " when cast to " + type_name(to) + ": " + std::string(input) +
                  ", set spark.sql.legacy.fromDayTimeString.enabled to true to restore the behavior before Spark 3.0.";
  throw Failure{wrapped ? "Error parsing interval day-time string: " + m : m};
}

[[noreturn]] void bad_year_month(std::string_view input, const ColType& to, bool wrapped) {
  const bool ym = to.precision == 0 && to.interval_end() == 1;
  std::string formats = to.interval_end() == 0 ? "`[+|-]y`, `INTERVAL [+|-]'[+|-]y' YEAR`"
                        : ym                   ? "`[+|-]y-m`, `INTERVAL [+|-]'[+|-]y-m' YEAR TO MONTH`"
                                               : "`[+|-]m`, `INTERVAL [+|-]'[+|-]m' MONTH`";
  std::string m = "Interval string does not match year-month format of " + formats + " when cast to " + type_name(to) +
                  ": " + std::string(input);
  throw Failure{wrapped ? "Error parsing interval year-month string: " + m : m};
}

// The literal wrapper `INTERVAL [+|-]'<body>' <fields>`: returns the body and its outer sign,
// and the fields written (start, end; -1 when absent); nullopt when `s` is not of that shape.
struct Literal {
  std::string_view body;
  int sign = 1;
  std::string fields;  // `DAY TO HOUR` normalised to single spaces, upper case
};
std::optional<Literal> literal(std::string_view s) {
  Scan c{s};
  if (!c.word("INTERVAL") || !c.spaces()) return std::nullopt;
  Literal l;
  l.sign = c.sign();
  if (!c.eat('\'')) return std::nullopt;
  size_t close = s.find('\'', c.i);
  if (close == std::string_view::npos) return std::nullopt;
  l.body = s.substr(c.i, close - c.i);
  c.i = close + 1;
  if (!c.spaces()) return std::nullopt;
  std::string rest;
  bool space = false;
  for (; c.i < s.size(); ++c.i) {
    unsigned char ch = (unsigned char)s[c.i];
    if (std::isspace(ch)) { space = true; continue; }
    if (space && !rest.empty()) rest += ' ';
    space = false;
    rest += char(std::toupper(ch));
  }
  l.fields = rest;
  return l;
}

// The input trimmed (UTF8String.trimAll), and unwrapped when it is an INTERVAL literal: the
// body, the literal's outer sign and its fields (absent for a bare body).
struct Input {
  std::string_view body;
  int sign = 1;
  std::optional<std::string> unit;
};
Input unwrap(std::string_view s) {
  while (!s.empty() && (unsigned char)s.front() <= 0x20) s.remove_prefix(1);
  while (!s.empty() && (unsigned char)s.back() <= 0x20) s.remove_suffix(1);
  if (auto l = literal(s)) return {l->body, l->sign, l->fields};
  return {s, 1, std::nullopt};
}

std::string dt_fields(int start, int end) {
  std::string f = upper(kDtField[start]);
  return end == start ? f : f + " TO " + upper(kDtField[end]);
}

// IntervalUtils.castStringToDTInterval.
int64_t string_to_day_time(std::string_view raw, const ColType& to) {
  const int start = to.precision, end = to.interval_end();
  const Input in = unwrap(raw);
  const std::optional<std::string>& unit = in.unit;
  const int outer = in.sign;
  Scan c{in.body};
  const int sign = outer * c.sign();
  const size_t after_sign = c.i;
  // One number: `[+|-]<digits>[.<fraction>]` of a single-field type.
  if (auto v = c.digits(1, 13)) {
    auto frac = c.fraction();
    if (frac && c.done()) {
      int field = start;
      if (unit) {
        static const char* const names[] = {"DAY", "HOUR", "MINUTE", "SECOND"};
        field = -1;
        for (int f = 0; f < 4; ++f)
          if (*unit == names[f]) field = f;
        if (field < 0) bad_day_time(raw, to, false);
        if (field != start || start != end) bad_day_time(raw, to, true);
      } else if (start != end) {
        bad_day_time(raw, to, true);
      }
      static const size_t max_len[] = {9, 10, 12, 13};
      if ((field != 3 && !frac->empty()) || v->size() > max_len[field]) bad_day_time(raw, to, true);
      if (field == 3) return second_micros(*v, *frac, sign < 0);
      __int128 us = __int128(in_range(kDtField[field], *v, 0, INT64_MAX)) * kMicrosPer[field] * sign;
      if (us > INT64_MAX || us < INT64_MIN) throw Failure{"Error parsing interval day-time string: long overflow"};
      return int64_t(us);
    }
  }
  // Several fields: `d h`, `d h:m`, `d h:m:s.n`, `h:m`, `h:m:s.n`, `m:s.n`.
  if (start == end || (unit && *unit != dt_fields(start, end))) bad_day_time(raw, to, false);
  c.i = after_sign;
  static const size_t lead_len[] = {9, 10, 12};
  auto lead = c.digits(1, lead_len[start]);
  if (!lead) bad_day_time(raw, to, false);
  std::vector<std::string> parts{*lead};
  std::string frac;
  for (int f = start + 1; f <= end; ++f) {
    if (!(f == 1 && start == 0 ? c.eat(' ') : c.eat(':'))) bad_day_time(raw, to, false);
    auto d = c.digits(1, 2);
    if (!d) bad_day_time(raw, to, false);
    parts.push_back(*d);
  }
  if (end == 3) {
    auto fr = c.fraction();
    if (!fr) bad_day_time(raw, to, false);
    frac = *fr;
  }
  if (!c.done()) bad_day_time(raw, to, false);
  static const int64_t lead_max[] = {kMaxDay, kMaxHour, kMaxMinute};
  static const int64_t field_max[] = {0, 23, 59};
  int64_t us = 0;
  for (int f = start; f <= end; ++f) {
    const std::string& d = parts[size_t(f - start)];
    if (f == 3) {
      us = add_exact(us, __int128(sign) * second_micros(d, frac, false));
      break;
    }
    int64_t x = in_range(kDtField[f], d, 0, f == start ? lead_max[f] : field_max[f]);
    us = add_exact(us, __int128(sign) * x * kMicrosPer[f]);
  }
  return us;
}

// IntervalUtils.castStringToYMInterval.
int32_t string_to_year_month(std::string_view raw, const ColType& to) {
  const int start = to.precision, end = to.interval_end();
  const Input in = unwrap(raw);
  const std::optional<std::string>& unit = in.unit;
  const int outer = in.sign;
  Scan c{in.body};
  const int sign = outer * c.sign();
  const size_t after_sign = c.i;
  auto to_int = [](__int128 v) {
    if (v > INT32_MAX || v < INT32_MIN) throw Failure{"Error parsing interval year-month string: integer overflow"};
    return int32_t(v);
  };
  if (auto v = c.digits(1, 10); v && c.done()) {  // one number
    __int128 n = 0;
    for (char ch : *v) n = n * 10 + (ch - '0');
    if (unit) {
      if (*unit == "YEAR" && start == 0 && end == 0) return to_int(sign * n * 12);
      if (*unit == "MONTH" && start == 1) return to_int(sign * n);
      bad_year_month(raw, to, true);
    }
    if (end == 0) return to_int(sign * n * 12);
    if (start == 1) return to_int(sign * n);
    bad_year_month(raw, to, true);
  }
  c.i = after_sign;
  if (start != 0 || end != 1 || (unit && *unit != "YEAR TO MONTH")) bad_year_month(raw, to, false);
  auto y = c.digits(1, 10);
  if (!y || !c.eat('-')) bad_year_month(raw, to, false);
  auto m = c.digits(1, 2);
  if (!m || !c.done()) bad_year_month(raw, to, false);
  try {
    int64_t years = in_range("year", *y, 0, INT32_MAX / 12);
    int64_t months = in_range("month", *m, 0, 11);
    return to_int(__int128(sign) * (years * 12 + months));
  } catch (const Failure& f) {
    throw Failure{"Error parsing interval year-month string: " + f.message};
  }
}

// ---- kernels ------------------------------------------------------------------------------

template <typename O, typename F>
Vec map_rows(const Vec& a, const ColTypePtr& to, int64_t n, std::string* error, F f) {
  auto out = new_fixed(to, n);
  auto v = copy_validity(a, n);
  if (!v) v = all_valid(n);
  O* o = out->values->as<O>();
  uint8_t* vb = v->data();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = a.constant ? 0 : i;
    if (!col::get_bit(vb, i) || a.col->is_null(r)) {
      col::clear_bit(vb, i);
      o[i] = O();
      continue;
    }
    try {
      o[i] = f(r);
    } catch (const Failure& e) {
      // The task fails with the first error; without a place to report it the row is NULL.
      if (error && error->empty())
        *error = e.message[0] == '[' ? e.message : "java.lang.IllegalArgumentException: " + e.message;
      o[i] = O();
      col::clear_bit(vb, i);
    }
  }
  set_validity(*out, v);
  return Vec::flat(out);
}

int64_t integral_at(const Column& c, int64_t r) {
  switch (c.type->id) {
    case TypeId::Byte: return c.vals<int8_t>()[r];
    case TypeId::Short: return c.vals<int16_t>()[r];
    case TypeId::Int: return c.vals<int32_t>()[r];
    default: return c.vals<int64_t>()[r];
  }
}

int64_t interval_at(const Column& c, int64_t r) {
  return c.type->id == TypeId::YearMonthInterval ? c.vals<int32_t>()[r] : c.vals<int64_t>()[r];
}

// ---- strings to the legacy CalendarIntervalType ------------------------------------------

// Java's Character.isWhitespace for one byte (UTF-8 lead and continuation bytes are not).
bool java_space(unsigned char b) { return b == ' ' || (b >= 9 && b <= 13) || (b >= 28 && b <= 31); }

// SparkIntervalUtils.stringToInterval, its states and all: `[interval] [+|-]n unit[s] ...`,
// case-insensitive, units year, month, week, day, hour, minute, second (the only one taking a
// fraction, to nanoseconds, kept to microseconds), millisecond, microsecond; nullopt where
// Spark throws (safeStringToInterval's NULL).
std::optional<col::CalInterval> string_to_calendar_interval(std::string_view in) {
  size_t b = 0, e = in.size();
  auto trimmed = [](unsigned char c) { return c <= 32 || c == 127; };  // UTF8String.trimAll
  while (b < e && trimmed((unsigned char)in[b])) ++b;
  while (e > b && trimmed((unsigned char)in[e - 1])) --e;
  std::string s(in.substr(b, e - b));
  for (auto& c : s) c = char(std::tolower((unsigned char)c));
  if (s.empty()) return std::nullopt;
  enum State { Prefix, TrimBeforeSign, Sign, TrimBeforeValue, Value, Fraction, TrimBeforeUnit, UnitBegin, UnitSuffix, UnitEnd };
  constexpr int32_t kInitialScale = 100000000;  // NANOS_PER_SECOND / 10
  State st = Prefix;
  size_t i = 0;
  int64_t value = 0, micros = 0;
  int32_t months = 0, days = 0, scale = 0, fraction = 0;
  bool negative = false, point_prefixed = false;
  auto at = [&](const char* w) { return s.compare(i, std::strlen(w), w) == 0; };
  while (i < s.size()) {
    const unsigned char c = (unsigned char)s[i];
    switch (st) {
      case Prefix:
        if (s.rfind("interval", 0) == 0) {
          if (s.size() == 8 || !java_space((unsigned char)s[8])) return std::nullopt;
          i += 9;
        }
        st = TrimBeforeSign;
        break;
      case TrimBeforeSign: case TrimBeforeValue: case TrimBeforeUnit:
        if (java_space(c)) ++i;
        else st = st == TrimBeforeSign ? Sign : st == TrimBeforeValue ? Value : UnitBegin;
        break;
      case Sign:
        value = 0, fraction = 0, scale = -1, point_prefixed = false;
        st = TrimBeforeValue;
        if (c == '-' || c == '+') negative = c == '-', ++i;
        else if (c >= '0' && c <= '9') negative = false;
        else if (c == '.') negative = false, scale = kInitialScale, point_prefixed = true, ++i, st = Fraction;
        else return std::nullopt;
        break;
      case Value:
        if (c >= '0' && c <= '9') {
          if (__builtin_mul_overflow(value, int64_t(10), &value) || __builtin_add_overflow(value, int64_t(c - '0'), &value))
            return std::nullopt;
        } else if (java_space(c)) {
          st = TrimBeforeUnit;
        } else if (c == '.') {
          scale = kInitialScale, st = Fraction;
        } else {
          return std::nullopt;
        }
        ++i;
        break;
      case Fraction:
        if (c >= '0' && c <= '9' && scale > 0) fraction += (c - '0') * scale, scale /= 10;
        else if (java_space(c) && (!point_prefixed || scale < kInitialScale)) fraction /= 1000, st = TrimBeforeUnit;
        else return std::nullopt;  // past nanoseconds, or not a digit
        ++i;
        break;
      case UnitBegin: {
        if (c != 's' && scale >= 0) return std::nullopt;  // only seconds have a fraction
        if (negative) value = -value, fraction = -fraction;
        auto add32 = [](int32_t& field, int64_t v) {
          int64_t r;
          if (__builtin_add_overflow(int64_t(field), v, &r) || r != int32_t(r)) return false;
          field = int32_t(r);
          return true;
        };
        auto add_micros = [&](int64_t v, int64_t unit) {
          int64_t m;
          return !__builtin_mul_overflow(v, unit, &m) && !__builtin_add_overflow(micros, m, &micros);
        };
        bool ok;
        int64_t scaled;
        if (c == 'y' && at("year")) ok = !__builtin_mul_overflow(value, int64_t(12), &scaled) && add32(months, scaled), i += 4;
        else if (c == 'w' && at("week")) ok = !__builtin_mul_overflow(value, int64_t(7), &scaled) && add32(days, scaled), i += 4;
        else if (c == 'd' && at("day")) ok = value == int32_t(value) && add32(days, value), i += 3;
        else if (c == 'h' && at("hour")) ok = add_micros(value, 3600000000LL), i += 4;
        else if (c == 's' && at("second")) ok = add_micros(value, 1000000) && !__builtin_add_overflow(micros, int64_t(fraction), &micros), i += 6;
        else if (c == 'm' && at("month")) ok = value == int32_t(value) && add32(months, value), i += 5;
        else if (c == 'm' && at("minute")) ok = add_micros(value, 60000000LL), i += 6;
        else if (c == 'm' && at("millisecond")) ok = add_micros(value, 1000), i += 11;
        else if (c == 'm' && at("microsecond")) ok = add_micros(value, 1), i += 11;
        else return std::nullopt;
        if (!ok) return std::nullopt;
        st = UnitSuffix;
        break;
      }
      case UnitSuffix:
        if (c == 's') st = UnitEnd;
        else if (java_space(c)) st = TrimBeforeSign;
        else return std::nullopt;
        ++i;
        break;
      case UnitEnd:
        if (!java_space(c)) return std::nullopt;
        ++i, st = TrimBeforeSign;
        break;
    }
  }
  if (st != UnitSuffix && st != UnitEnd && st != TrimBeforeSign) return std::nullopt;
  return col::CalInterval{months, days, micros};
}

}  // namespace

bool is_interval_cast(const ColType& from, const ColType& to) {
  if (to.id == TypeId::CalendarInterval) return from.id == TypeId::String;
  return (is_interval(to.id) || is_interval(from.id)) && to.id != TypeId::String && from.id != TypeId::Null;
}

Vec cast_interval(const Vec& a, const ColTypePtr& to, int64_t n, std::string* error) {
  const ColType& from = a.type();
  if (to->id == TypeId::CalendarInterval) {  // from a string: NULL where it is no interval, ANSI or not
    auto out = new_fixed(to, n);
    auto v = copy_validity(a, n);
    if (!v) v = all_valid(n);
    auto* o = out->values->as<col::CalInterval>();
    for (int64_t i = 0; i < n; ++i) {
      const int64_t r = a.constant ? 0 : i;
      std::optional<col::CalInterval> x;
      if (col::get_bit(v->data(), i) && !a.col->is_null(r)) x = string_to_calendar_interval(a.col->str(r));
      o[i] = x ? *x : col::CalInterval{};
      if (!x) col::clear_bit(v->data(), i);
    }
    set_validity(*out, v);
    return Vec::flat(out);
  }
  if (to->id == TypeId::DayTimeInterval) {
    if (from.id == TypeId::String)
      return map_rows<int64_t>(a, to, n, error, [&](int64_t r) { return string_to_day_time(a.col->str(r), *to); });
    if (from.id == TypeId::DayTimeInterval) {  // truncated to the target's end field
      const int64_t unit = kMicrosPer[to->interval_end()];
      return map_rows<int64_t>(a, to, n, error, [&](int64_t r) {
        int64_t v = a.col->vals<int64_t>()[r];
        return v - v % unit;
      });
    }
    // An integral count of the single field's unit.
    const int64_t unit = kMicrosPer[to->precision];
    return map_rows<int64_t>(a, to, n, error, [&](int64_t r) {
      int64_t v = integral_at(*a.col, r), out;
      if (__builtin_mul_overflow(v, unit, &out)) throw Failure{overflow_error(from, v, *to)};
      return out;
    });
  }
  if (to->id == TypeId::YearMonthInterval) {
    if (from.id == TypeId::String)
      return map_rows<int32_t>(a, to, n, error, [&](int64_t r) { return string_to_year_month(a.col->str(r), *to); });
    if (from.id == TypeId::YearMonthInterval) {
      const int32_t unit = to->interval_end() == 0 ? 12 : 1;
      return map_rows<int32_t>(a, to, n, error, [&](int64_t r) {
        int32_t v = a.col->vals<int32_t>()[r];
        return v - v % unit;
      });
    }
    const int64_t unit = to->precision == 0 ? 12 : 1;
    return map_rows<int32_t>(a, to, n, error, [&](int64_t r) {
      int64_t v = integral_at(*a.col, r);
      __int128 m = __int128(v) * unit;
      if (m > INT32_MAX || m < INT32_MIN) throw Failure{overflow_error(from, v, *to)};
      return int32_t(m);
    });
  }
  // interval -> integral: a count of the end field's unit (dayTimeIntervalToLong & co.), which
  // must fit the target.
  const int64_t unit = from.id == TypeId::YearMonthInterval ? (from.interval_end() == 0 ? 12 : 1)
                                                             : kMicrosPer[from.interval_end()];
  auto count = [&](int64_t r, int64_t lo, int64_t hi) {
    const int64_t v = interval_at(*a.col, r), q = v / unit;
    if (q < lo || q > hi) throw Failure{overflow_error(from, v, *to)};
    return q;
  };
  switch (to->id) {
    case TypeId::Byte: return map_rows<int8_t>(a, to, n, error, [&](int64_t r) { return int8_t(count(r, INT8_MIN, INT8_MAX)); });
    case TypeId::Short: return map_rows<int16_t>(a, to, n, error, [&](int64_t r) { return int16_t(count(r, INT16_MIN, INT16_MAX)); });
    case TypeId::Int: return map_rows<int32_t>(a, to, n, error, [&](int64_t r) { return int32_t(count(r, INT32_MIN, INT32_MAX)); });
    default: return map_rows<int64_t>(a, to, n, error, [&](int64_t r) { return count(r, INT64_MIN, INT64_MAX); });
  }
}

}  // namespace spp::sql::kern
