// CAST kernels: one typed loop per (from, to) pair; text parsing/formatting as Spark does.
#include "sql/kernels/cast.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "sql/columnar/builder.h"
#include "sql/kernels/decimal.h"

namespace spp::sql::kern {

// ---- text ---------------------------------------------------------------------------------
namespace {

std::string_view trim_all(std::string_view s) {  // UTF8String.trimAll: whitespace + ISO controls
  while (!s.empty() && (unsigned char)s.front() <= 0x20) s.remove_prefix(1);
  while (!s.empty() && (unsigned char)s.back() <= 0x20) s.remove_suffix(1);
  return s;
}

// Java's Double/Float.toString from the shortest round-trip digits.
std::string java_float_string(const char* sci, size_t len) {
  // sci = [-]d[.ddd]e[+-]XX
  std::string_view s(sci, len);
  std::string out;
  if (s.front() == '-') { out = "-"; s.remove_prefix(1); }
  size_t epos = s.find('e');
  std::string digits;
  for (char c : s.substr(0, epos)) if (c != '.') digits.push_back(c);
  int e = std::atoi(std::string(s.substr(epos + 1)).c_str());
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  if (e >= -3 && e < 7) {
    if (e >= 0) {
      std::string ip = digits.substr(0, std::min<size_t>(digits.size(), size_t(e + 1)));
      while (int(ip.size()) < e + 1) ip.push_back('0');
      std::string fp = digits.size() > size_t(e + 1) ? digits.substr(size_t(e + 1)) : "0";
      return out + ip + "." + fp;
    }
    return out + "0." + std::string(size_t(-e - 1), '0') + digits;
  }
  return out + digits.substr(0, 1) + "." + (digits.size() > 1 ? digits.substr(1) : "0") + "E" + std::to_string(e);
}

}  // namespace

std::string double_to_string(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  return java_float_string(buf, size_t(r.ptr - buf));
}

std::string float_to_string(float f) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "Infinity" : "-Infinity";
  if (f == 0) return std::signbit(f) ? "-0.0" : "0.0";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific);
  return java_float_string(buf, size_t(r.ptr - buf));
}

int32_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = unsigned(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return int32_t(era * 146097 + int64_t(doe) - 719468);
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = unsigned(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = int64_t(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

// IntervalUtils.toYearMonthIntervalString, ANSI style: `INTERVAL '1-2' YEAR TO MONTH`.
std::string year_month_interval_string(int32_t months, int start, int end) {
  const std::string sign = months < 0 ? "-" : "";
  const int64_t a = months < 0 ? -int64_t(months) : int64_t(months);
  if (start == 1) return "INTERVAL '" + sign + std::to_string(a) + "' MONTH";
  const std::string year = sign + std::to_string(a / 12);
  if (end == 0) return "INTERVAL '" + year + "' YEAR";
  return "INTERVAL '" + year + "-" + std::to_string(a % 12) + "' YEAR TO MONTH";
}

// CalendarInterval.toString: `1 years 2 months 3 days 4 hours 5.5 seconds`, `0 seconds`.
std::string calendar_interval_string(int32_t months, int32_t days, int64_t micros) {
  if (months == 0 && days == 0 && micros == 0) return "0 seconds";
  std::string s;
  auto unit = [&](int64_t v, const char* name) {
    if (v != 0) s += std::to_string(v) + " " + name + " ";
  };
  if (months != 0) { unit(months / 12, "years"); unit(months % 12, "months"); }
  unit(days, "days");
  if (micros != 0) {
    int64_t rest = micros;
    unit(rest / 3600000000LL, "hours");
    rest %= 3600000000LL;
    unit(rest / 60000000LL, "minutes");
    rest %= 60000000LL;
    if (rest != 0) {  // BigDecimal.valueOf(rest, 6).stripTrailingZeros.toPlainString
      const uint64_t a = rest < 0 ? uint64_t(-rest) : uint64_t(rest);
      std::string v = (rest < 0 ? "-" : "") + std::to_string(a / 1000000);
      if (uint64_t f = a % 1000000) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "%06llu", static_cast<unsigned long long>(f));
        std::string frac = buf;
        while (frac.back() == '0') frac.pop_back();
        v += "." + frac;
      }
      s += v + " seconds ";
    }
  }
  s.pop_back();
  return s;
}

std::string day_time_interval_string(int64_t micros, int start, int end) {
  static const char* const kNames[] = {"DAY", "HOUR", "MINUTE", "SECOND"};
  static const int64_t kUnit[] = {86400000000LL, 3600000000LL, 60000000LL};
  if (start < 0 || start > 3) start = 0;
  if (end < start || end > 3) end = 3;
  // |micros| as unsigned: Long.MinValue has no positive twin.
  const bool neg = micros < 0;
  uint64_t rest = neg ? uint64_t(0) - uint64_t(micros) : uint64_t(micros);
  auto seconds = [](uint64_t us) {  // BigDecimal.valueOf(us, 6).stripTrailingZeros.toPlainString
    std::string s = (us < 10000000 ? "0" : "") + std::to_string(us / 1000000);
    if (uint64_t f = us % 1000000) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "%06llu", static_cast<unsigned long long>(f));
      std::string frac = buf;
      while (frac.back() == '0') frac.pop_back();
      s += "." + frac;
    }
    return s;
  };
  std::string out = neg ? "-" : "";
  char buf[32];
  if (start < 3) {
    std::snprintf(buf, sizeof buf, start == 0 ? "%llu" : "%02llu", static_cast<unsigned long long>(rest / uint64_t(kUnit[start])));
    out += buf;
    rest %= uint64_t(kUnit[start]);
  } else {
    out += seconds(rest);
  }
  for (int f = 1; f <= 2; ++f)
    if (start < f && f <= end) {
      std::snprintf(buf, sizeof buf, f == 1 ? " %02llu" : ":%02llu", static_cast<unsigned long long>(rest / uint64_t(kUnit[f])));
      out += buf;
      rest %= uint64_t(kUnit[f]);
    }
  if (start < 3 && 3 <= end) out += ":" + seconds(rest);
  std::string fields = start == end ? kNames[start] : std::string(kNames[start]) + " TO " + kNames[end];
  return "INTERVAL '" + out + "' " + fields;
}

std::string date_to_string(int32_t days) {
  int64_t y; unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", (long long)y, m, d);
  return buf;
}

std::string timestamp_to_string(int64_t micros, const TimeZone& tz) {
  int64_t local = tz.to_local(micros);
  int64_t days = local >= 0 ? local / 86400000000LL : -((-local + 86400000000LL - 1) / 86400000000LL);
  int64_t rem = local - days * 86400000000LL;
  std::string out = date_to_string(int32_t(days));
  int64_t secs = rem / 1000000, frac = rem % 1000000;
  char buf[32];
  std::snprintf(buf, sizeof buf, " %02lld:%02lld:%02lld", (long long)(secs / 3600), (long long)(secs / 60 % 60),
                (long long)(secs % 60));
  out += buf;
  if (frac) {
    std::snprintf(buf, sizeof buf, ".%06lld", (long long)frac);
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out;
}

std::optional<int64_t> parse_integral(std::string_view s) {
  s = trim_all(s);
  if (s.empty()) return std::nullopt;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '-' || s[0] == '+') { neg = s[0] == '-'; i = 1; }
  if (i == s.size()) return std::nullopt;
  // Accumulate negatively so Long.MIN_VALUE parses (as UTF8String.toLong does).
  int64_t r = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.') break;
    if (c < '0' || c > '9') return std::nullopt;
    if (r < (std::numeric_limits<int64_t>::min() + (c - '0')) / 10) return std::nullopt;
    r = r * 10 - (c - '0');
  }
  if (i < s.size()) {  // '.' followed by digits only: the fraction is dropped
    for (++i; i < s.size(); ++i)
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  if (!neg) {
    if (r == std::numeric_limits<int64_t>::min()) return std::nullopt;
    r = -r;
  }
  return r;
}

std::optional<double> parse_double(std::string_view s) {
  s = trim_all(s);
  if (s.empty()) return std::nullopt;
  std::string low;
  for (char c : s) low.push_back(char(std::tolower((unsigned char)c)));
  if (low == "nan") return std::nan("");
  if (low == "inf" || low == "+inf" || low == "infinity" || low == "+infinity") return std::numeric_limits<double>::infinity();
  if (low == "-inf" || low == "-infinity") return -std::numeric_limits<double>::infinity();
  std::string_view body = s;
  if (!body.empty() && (body.back() == 'd' || body.back() == 'D' || body.back() == 'f' || body.back() == 'F'))
    body.remove_suffix(1);  // Java's parseDouble accepts a type suffix
  size_t i = 0;
  if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
  bool digits = false;
  for (size_t k = i; k < body.size(); ++k) {
    char c = body[k];
    if (c >= '0' && c <= '9') digits = true;
    else if (c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-') return std::nullopt;
  }
  if (!digits) return std::nullopt;
  std::string z(body[0] == '+' ? body.substr(1) : body);
  double d = 0;
  auto r = std::from_chars(z.data(), z.data() + z.size(), d);
  if (r.ec == std::errc::result_out_of_range) {
    // from_chars reports overflow/underflow: Java gives +-Infinity or +-0.0.
    return std::strtod(z.c_str(), nullptr);
  }
  if (r.ec != std::errc() || r.ptr != z.data() + z.size()) return std::nullopt;
  return d;
}

std::optional<bool> parse_bool(std::string_view s) {
  s = trim_all(s);
  std::string low;
  for (char c : s) low.push_back(char(std::tolower((unsigned char)c)));
  if (low == "t" || low == "true" || low == "y" || low == "yes" || low == "1") return true;
  if (low == "f" || low == "false" || low == "n" || low == "no" || low == "0") return false;
  return std::nullopt;
}

namespace {
// Parses digits [i, ...) with min..max digits into v.
bool take_digits(std::string_view s, size_t& i, int min, int max, int64_t& v) {
  size_t start = i;
  v = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9' && int(i - start) < max) v = v * 10 + (s[i++] - '0');
  return int(i - start) >= min;
}
// yyyy[-[m]m[-[d]d]] at the front of s; sets i past it.
std::optional<int32_t> date_prefix(std::string_view s, size_t& i) {
  int64_t y, m = 1, d = 1;
  if (!take_digits(s, i, 4, 7, y)) return std::nullopt;
  if (i < s.size() && s[i] == '-') {
    ++i;
    if (!take_digits(s, i, 1, 2, m)) return std::nullopt;
    if (i < s.size() && s[i] == '-') {
      ++i;
      if (!take_digits(s, i, 1, 2, d)) return std::nullopt;
    }
  }
  if (m < 1 || m > 12 || d < 1) return std::nullopt;
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > mdays[m - 1] + (m == 2 && leap)) return std::nullopt;
  return days_from_civil(y, unsigned(m), unsigned(d));
}
}  // namespace

std::optional<int32_t> parse_date(std::string_view s) {
  s = trim_all(s);
  size_t i = 0;
  auto d = date_prefix(s, i);
  if (!d) return std::nullopt;
  if (i != s.size() && s[i] != ' ' && s[i] != 'T') return std::nullopt;
  return d;
}

std::optional<int64_t> parse_timestamp(std::string_view s, const TimeZone& tz) {
  s = trim_all(s);
  size_t i = 0;
  auto d = date_prefix(s, i);
  if (!d) return std::nullopt;
  int64_t micros = 0;
  // Years far past Spark's range overflow microseconds: not a timestamp (null), never UB.
  if (__builtin_mul_overflow(int64_t(*d), 86400000000LL, &micros)) return std::nullopt;
  const TimeZone* zone = &tz;
  TimeZone named;
  if (i < s.size()) {
    if (s[i] != ' ' && s[i] != 'T') return std::nullopt;
    ++i;
    int64_t hh, mm, ss = 0, frac = 0;
    if (!take_digits(s, i, 1, 2, hh) || i >= s.size() || s[i] != ':') return std::nullopt;
    ++i;
    if (!take_digits(s, i, 1, 2, mm)) return std::nullopt;
    if (i < s.size() && s[i] == ':') {
      ++i;
      if (!take_digits(s, i, 1, 2, ss)) return std::nullopt;
      if (i < s.size() && s[i] == '.') {
        ++i;
        size_t st = i;
        int64_t f = 0;
        int n = 0;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') { if (n < 6) { f = f * 10 + (s[i] - '0'); ++n; } ++i; }
        if (i == st) return std::nullopt;
        while (n < 6) { f *= 10; ++n; }
        frac = f;
      }
    }
    if (hh > 23 || mm > 59 || ss > 59) return std::nullopt;
    micros += ((hh * 60 + mm) * 60 + ss) * 1000000 + frac;
    std::string_view z = s.substr(i);
    if (!z.empty() && z[0] == ' ') z.remove_prefix(1);
    if (!z.empty()) {
      // Spark's getZoneId of the rest: offsets (`+8`, `+08:00`, `Z`), `UTC+1`, regions.
      auto t = TimeZone::of(z);
      if (!t) return std::nullopt;
      named = t.value();
      zone = &named;
    }
  }
  return zone->to_utc(micros);
}

std::string value_to_string(const Column& c, int64_t i, const CastOptions& opt) {
  if (c.is_null(i)) return "null";
  switch (c.id()) {
    case TypeId::Null: return "null";
    case TypeId::Boolean: return c.bool_at(i) ? "true" : "false";
    case TypeId::Byte: return std::to_string(c.vals<int8_t>()[i]);
    case TypeId::Short: return std::to_string(c.vals<int16_t>()[i]);
    case TypeId::Int: return std::to_string(c.vals<int32_t>()[i]);
    case TypeId::Long: return std::to_string(c.vals<int64_t>()[i]);
    case TypeId::Float: return float_to_string(c.vals<float>()[i]);
    case TypeId::Double: return double_to_string(c.vals<double>()[i]);
    case TypeId::Decimal: {
      // BigDecimal.toString: scientific when the adjusted exponent is below -6.
      __int128 v = c.dec_at(i);
      int scale = c.type->scale;
      std::string plain = dec::to_string(v, scale);
      std::string digits = dec::to_string(v < 0 ? -v : v, 0);
      int adjusted = -scale + int(digits.size()) - 1;
      if (scale > 0 && adjusted < -6) {
        std::string out = v < 0 ? "-" : "";
        out += digits.substr(0, 1);
        if (digits.size() > 1) out += "." + digits.substr(1);
        return out + "E" + std::to_string(adjusted);
      }
      return plain;
    }
    case TypeId::String: case TypeId::Binary: return std::string(c.str(i));
    case TypeId::Date: return date_to_string(c.vals<int32_t>()[i]);
    case TypeId::Timestamp: return timestamp_to_string(c.vals<int64_t>()[i], opt.tz);
    case TypeId::TimestampNtz: return timestamp_to_string(c.vals<int64_t>()[i], 0);
    case TypeId::DayTimeInterval:
      return day_time_interval_string(c.vals<int64_t>()[i], c.type->precision, c.type->interval_end());
    case TypeId::YearMonthInterval:
      return year_month_interval_string(c.vals<int32_t>()[i], c.type->precision, c.type->interval_end());
    case TypeId::CalendarInterval: {
      const col::CalInterval v = c.vals<col::CalInterval>()[i];
      return calendar_interval_string(v.months, v.days, v.micros);
    }
    case TypeId::Array: {
      std::string out = "[";
      const int32_t* o = c.offsets();
      for (int32_t e = o[i]; e < o[i + 1]; ++e) out += (e > o[i] ? ", " : "") + value_to_string(*c.children[0], e, opt);
      return out + "]";
    }
    case TypeId::Map: {
      std::string out = "{";
      const int32_t* o = c.offsets();
      const Column& en = *c.children[0];
      for (int32_t e = o[i]; e < o[i + 1]; ++e)
        out += (e > o[i] ? ", " : "") + value_to_string(*en.children[0], e, opt) + " -> " +
               value_to_string(*en.children[1], e, opt);
      return out + "}";
    }
    case TypeId::Struct: {
      std::string out = "{";
      for (size_t f = 0; f < c.children.size(); ++f) out += (f ? ", " : "") + value_to_string(*c.children[f], i, opt);
      return out + "}";
    }
  }
  return "";
}

// ---- kernels ------------------------------------------------------------------------------
namespace {

// JVM narrowing of a double to an integral type: NaN -> 0, saturating.
template <typename O>
O double_to_integral(double d) {
  if (std::isnan(d)) return 0;
  if constexpr (sizeof(O) >= 4) {
    if (d >= double(std::numeric_limits<O>::max())) return std::numeric_limits<O>::max();
    if (d <= double(std::numeric_limits<O>::min())) return std::numeric_limits<O>::min();
    return O(d);
  } else {
    // (byte)(int)d in Java: saturate to int, then keep the low bits.
    return O(double_to_integral<int32_t>(d));
  }
}

// A fixed-width -> fixed-width cast, f(value, valid&) per row.
template <typename I, typename O, typename F>
Vec map_fixed(const Vec& a, const ColTypePtr& to, int64_t n, F f) {
  auto out = new_fixed(to, n);
  auto v = copy_validity(a, n);
  if (!v) v = all_valid(n);
  O* o = out->values->as<O>();
  uint8_t* vb = v->data();
  const I* in = a.col->vals<I>();
  for (int64_t i = 0; i < n; ++i) {
    if (!col::get_bit(vb, i)) continue;
    bool ok = true;
    o[i] = f(in[a.constant ? 0 : i], ok);
    if (!ok) { o[i] = O(); col::clear_bit(vb, i); }
  }
  set_validity(*out, v);
  return Vec::flat(out);
}

template <typename O, typename F>
Vec map_from_string(const Vec& a, const ColTypePtr& to, int64_t n, F f) {
  auto out = to->id == TypeId::Boolean ? new_bool(n) : new_fixed(to, n);
  auto v = std::make_shared<col::Buffer>(size_t(col::bitmap_bytes(n)));
  uint8_t* vb = v->data();
  for (int64_t i = 0; i < n; ++i) {
    int64_t r = a.constant ? 0 : i;
    if (a.col->is_null(r)) continue;
    std::optional<O> x = f(a.col->str(r));
    if (!x) continue;
    col::set_bit(vb, i);
    if constexpr (std::is_same_v<O, bool>) col::put_bit(out->values->data(), i, *x);
    else out->values->as<O>()[i] = *x;
  }
  set_validity(*out, v);
  return Vec::flat(out);
}

template <typename O>
std::optional<O> narrow(std::optional<int64_t> v) {
  if (!v || *v < int64_t(std::numeric_limits<O>::min()) || *v > int64_t(std::numeric_limits<O>::max())) return std::nullopt;
  return O(*v);
}

Vec cast_from_string(const Vec& a, const ColTypePtr& to, int64_t n, const CastOptions& opt) {
  switch (to->id) {
    case TypeId::Byte: return map_from_string<int8_t>(a, to, n, [](std::string_view s) { return narrow<int8_t>(parse_integral(s)); });
    case TypeId::Short: return map_from_string<int16_t>(a, to, n, [](std::string_view s) { return narrow<int16_t>(parse_integral(s)); });
    case TypeId::Int: return map_from_string<int32_t>(a, to, n, [](std::string_view s) { return narrow<int32_t>(parse_integral(s)); });
    case TypeId::Long: return map_from_string<int64_t>(a, to, n, [](std::string_view s) { return parse_integral(s); });
    case TypeId::Double: return map_from_string<double>(a, to, n, [](std::string_view s) { return parse_double(s); });
    case TypeId::Float:
      return map_from_string<float>(a, to, n, [](std::string_view s) -> std::optional<float> {
        auto d = parse_double(s);
        if (!d) return std::nullopt;
        return float(*d);
      });
    case TypeId::Boolean: return map_from_string<bool>(a, to, n, [](std::string_view s) { return parse_bool(s); });
    case TypeId::Date: return map_from_string<int32_t>(a, to, n, [](std::string_view s) { return parse_date(s); });
    case TypeId::Timestamp: case TypeId::TimestampNtz: {
      const TimeZone tz = to->id == TypeId::Timestamp ? opt.tz : TimeZone(0);
      return map_from_string<int64_t>(a, to, n, [&tz](std::string_view s) { return parse_timestamp(s, tz); });
    }
    case TypeId::Decimal: {
      int p = to->precision, sc = to->scale;
      return map_from_string<__int128>(a, to, n, [p, sc](std::string_view s) { return dec::parse(s, p, sc); });
    }
    default: SPP_CHECK(false, "cast string to %s", to->to_string().c_str());
  }
  return {};
}

Vec cast_to_string(const Vec& a, const ColTypePtr& to, int64_t n, const CastOptions& opt) {
  col::ColumnBuilder b(to);
  b.reserve(n);
  if (a.type().id == TypeId::Long || a.type().id == TypeId::Int) {
    char buf[24];
    for (int64_t i = 0; i < n; ++i) {
      int64_t r = a.constant ? 0 : i;
      if (a.col->is_null(r)) { b.append_null(); continue; }
      int64_t v = a.type().id == TypeId::Long ? a.col->vals<int64_t>()[r] : a.col->vals<int32_t>()[r];
      auto res = std::to_chars(buf, buf + sizeof buf, v);
      b.append_str(std::string_view(buf, size_t(res.ptr - buf)));
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      int64_t r = a.constant ? 0 : i;
      if (a.col->is_null(r)) b.append_null();
      else b.append_str(value_to_string(*a.col, r, opt));
    }
  }
  return Vec::flat(b.finish());
}

template <typename I>
Vec numeric_to(const Vec& a, const ColTypePtr& to, int64_t n) {
  switch (to->id) {
    case TypeId::Boolean: {
      auto out = new_bool(n);
      const I* in = a.col->vals<I>();
      for (int64_t i = 0; i < n; ++i) col::put_bit(out->values->data(), i, in[a.constant ? 0 : i] != I(0));
      set_validity(*out, copy_validity(a, n));
      return Vec::flat(out);
    }
    case TypeId::Decimal: {
      int p = to->precision, s = to->scale;
      return map_fixed<I, __int128>(a, to, n, [p, s](I v, bool& ok) -> __int128 {
        std::optional<__int128> r;
        if constexpr (std::is_same_v<I, __int128>) r = std::nullopt;
        else if constexpr (std::is_floating_point_v<I>) r = dec::from_double(double(v), p, s);
        else r = dec::rescale(__int128(v), 0, p, s);
        if (!r) { ok = false; return 0; }
        return *r;
      });
    }
    case TypeId::Timestamp: case TypeId::TimestampNtz:  // numbers are seconds since the epoch
      return map_fixed<I, int64_t>(a, to, n, [](I v, bool& ok) -> int64_t {
        if constexpr (std::is_floating_point_v<I>) {
          if (!std::isfinite(v)) { ok = false; return 0; }
          return double_to_integral<int64_t>(double(v) * 1e6);
        } else if constexpr (std::is_same_v<I, __int128>) {
          return 0;
        } else {
          return int64_t(uint64_t(int64_t(v)) * 1000000u);
        }
      });
    case TypeId::Date: SPP_CHECK(false, "numbers cannot be cast to date"); break;
    default: break;
  }
  return dispatch_fixed(to->id, [&]<typename O>() -> Vec {
    return map_fixed<I, O>(a, to, n, [](I v, bool&) -> O {
      if constexpr (std::is_same_v<O, __int128> || std::is_same_v<I, __int128>) return O(0);
      else if constexpr (std::is_floating_point_v<I> && std::is_integral_v<O>) return double_to_integral<O>(double(v));
      else if constexpr (std::is_integral_v<I> && std::is_integral_v<O>) return O(std::make_unsigned_t<O>(v));  // wraps
      else return O(v);
    });
  });
}

Vec decimal_to(const Vec& a, const ColTypePtr& to, int64_t n) {
  const int s = a.type().scale;
  if (to->id == TypeId::Decimal) {
    int p2 = to->precision, s2 = to->scale;
    return map_fixed<__int128, __int128>(a, to, n, [s, p2, s2](__int128 v, bool& ok) -> __int128 {
      auto r = dec::rescale(v, s, p2, s2);
      if (!r) { ok = false; return 0; }
      return *r;
    });
  }
  if (to->id == TypeId::Double || to->id == TypeId::Float) {
    return dispatch_fixed(to->id, [&]<typename O>() -> Vec {
      return map_fixed<__int128, O>(a, to, n, [s](__int128 v, bool&) { return O(dec::to_double(v, s)); });
    });
  }
  if (to->id == TypeId::Boolean) {
    auto out = new_bool(n);
    for (int64_t i = 0; i < n; ++i) col::put_bit(out->values->data(), i, a.col->dec_at(a.constant ? 0 : i) != 0);
    set_validity(*out, copy_validity(a, n));
    return Vec::flat(out);
  }
  // Integral: truncate toward zero, then keep the low bits (Decimal.toLong.toInt).
  const __int128 div = dec::pow10(s);
  return dispatch_fixed(to->id, [&]<typename O>() -> Vec {
    return map_fixed<__int128, O>(a, to, n, [div](__int128 v, bool&) -> O {
      if constexpr (std::is_integral_v<O> && !std::is_same_v<O, __int128>) return O(std::make_unsigned_t<O>(uint64_t(v / div)));
      else return O(0);
    });
  });
}

}  // namespace

Vec cast(const Vec& a, const ColTypePtr& to, int64_t n, const CastOptions& opt) {
  const ColType& from = a.type();
  if (from == *to) return a;
  if (from.id == TypeId::Null) return Vec::flat(col::make_null_column(to, n));
  if (from.id == TypeId::Array && to->id == TypeId::Array) {
    // Element-wise: the whole element column is cast once; offsets and validity are kept.
    const Column& el = *a.col->children[0];
    auto c = std::make_shared<Column>(*a.col);
    c->type = to;
    c->children = {cast(Vec::flat(a.col->children[0]), col::make_type(to->children[0]), el.length, opt).col};
    return {c, a.constant};
  }
  if (to->id == TypeId::String) return cast_to_string(a, to, n, opt);
  if (is_interval_cast(from, *to)) return cast_interval(a, to, n, opt.error);
  if (to->id == TypeId::Binary && from.id == TypeId::String) {
    auto c = std::make_shared<Column>(*a.col);
    c->type = to;
    return {c, a.constant};
  }
  if (from.id == TypeId::String) return cast_from_string(a, to, n, opt);
  if (from.id == TypeId::Decimal) return decimal_to(a, to, n);
  if (from.id == TypeId::Boolean) {
    ColumnPtr ints = new_fixed(type_of(TypeId::Int), n);
    for (int64_t i = 0; i < n; ++i) ints->values->as<int32_t>()[i] = a.col->bool_at(a.constant ? 0 : i);
    set_validity(*ints, copy_validity(a, n));
    if (to->id == TypeId::Int) return Vec::flat(ints);
    return numeric_to<int32_t>(Vec::flat(ints), to, n);
  }
  if (from.id == TypeId::Date && (to->id == TypeId::Timestamp || to->id == TypeId::TimestampNtz)) {
    const TimeZone tz = to->id == TypeId::Timestamp ? opt.tz : TimeZone(0);
    return map_fixed<int32_t, int64_t>(a, to, n, [&tz](int32_t d, bool&) { return tz.to_utc(int64_t(d) * 86400000000LL); });
  }
  if ((from.id == TypeId::Timestamp || from.id == TypeId::TimestampNtz) && to->id == TypeId::Date) {
    const TimeZone tz = from.id == TypeId::Timestamp ? opt.tz : TimeZone(0);
    return map_fixed<int64_t, int32_t>(a, to, n, [&tz](int64_t t, bool&) {
      int64_t l = tz.to_local(t);
      return int32_t(l >= 0 ? l / 86400000000LL : -((-l + 86400000000LL - 1) / 86400000000LL));
    });
  }
  if (from.id == TypeId::Timestamp && to->id == TypeId::TimestampNtz)
    return map_fixed<int64_t, int64_t>(a, to, n, [&](int64_t t, bool&) { return opt.tz.to_local(t); });
  if (from.id == TypeId::TimestampNtz && to->id == TypeId::Timestamp)
    return map_fixed<int64_t, int64_t>(a, to, n, [&](int64_t t, bool&) { return opt.tz.to_utc(t); });
  if (from.id == TypeId::Timestamp && (col::is_integral(to->id) || col::is_floating(to->id))) {
    // timestamp -> number: seconds since the epoch (floor for integral, fractional for double).
    if (col::is_floating(to->id))
      return cast(map_fixed<int64_t, double>(a, type_of(TypeId::Double), n, [](int64_t t, bool&) { return double(t) / 1e6; }), to, n, opt);
    auto secs = map_fixed<int64_t, int64_t>(a, type_of(TypeId::Long), n, [](int64_t t, bool&) {
      return t >= 0 ? t / 1000000 : -((-t + 999999) / 1000000);
    });
    return cast(secs, to, n, opt);
  }
  if (col::is_fixed_width(from.id) && (col::is_integral(from.id) || col::is_floating(from.id))) {
    return dispatch_fixed(from.id, [&]<typename I>() -> Vec { return numeric_to<I>(a, to, n); });
  }
  SPP_CHECK(false, "unsupported cast %s -> %s", from.to_string().c_str(), to->to_string().c_str());
  return {};
}

}  // namespace spp::sql::kern
