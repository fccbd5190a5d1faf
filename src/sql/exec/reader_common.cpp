#include "sql/exec/reader_common.h"

#include <iconv.h>

#include <algorithm>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <limits>

#include "sql/kernels/cast.h"
#include "sql/kernels/decimal.h"

namespace spp::sql::exec {

namespace {
bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

ParseMode parse_mode_from(std::string_view s) {
  if (iequals(s, "DROPMALFORMED")) return ParseMode::DropMalformed;
  if (iequals(s, "FAILFAST")) return ParseMode::FailFast;
  return ParseMode::Permissive;
}

std::optional<std::string> ReaderOptions::get(std::string_view key) const {
  std::optional<std::string> r;
  for (auto& [k, v] : opts_)
    if (iequals(k, key)) r = v;
  return r;
}

Result<bool> ReaderOptions::get_bool(std::string_view key, bool dflt) const {
  auto v = get(key);
  if (!v) return dflt;
  if (iequals(*v, "true")) return true;
  if (iequals(*v, "false")) return false;
  return Result<bool>::error(std::string(key) + " flag can be true or false, got: " + *v);
}

Result<double> ReaderOptions::get_double(std::string_view key, double dflt) const {
  auto v = get(key);
  if (!v) return dflt;
  auto d = java_parse_double(*v);
  if (!d) return Result<double>::error("option " + std::string(key) + " must be a number, got: " + *v);
  return *d;
}

std::optional<int64_t> java_parse_long(std::string_view s, int64_t min, int64_t max) {
  size_t i = 0;
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) { neg = s[0] == '-'; i = 1; }
  if (i == s.size()) return std::nullopt;
  // Accumulate negatively so the minimum value parses (as Java does).
  int64_t r = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (!is_digit(c)) return std::nullopt;
    if (r < (std::numeric_limits<int64_t>::min() + (c - '0')) / 10) return std::nullopt;
    r = r * 10 - (c - '0');
  }
  if (!neg) {
    if (r == std::numeric_limits<int64_t>::min()) return std::nullopt;
    r = -r;
  }
  if (r < min || r > max) return std::nullopt;
  return r;
}

namespace {
// The digits part of Java's FloatingDecimal grammar; copies it without the suffix into buf.
bool java_float_body(std::string_view s, char* buf, size_t cap, size_t& n, int& special) {
  while (!s.empty() && (unsigned char)s.front() <= ' ') s.remove_prefix(1);
  while (!s.empty() && (unsigned char)s.back() <= ' ') s.remove_suffix(1);
  special = 0;
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  std::string_view rest = s.substr(i);
  if (rest == "NaN") { special = 3; return true; }
  if (rest == "Infinity") { special = neg ? 2 : 1; return true; }
  if (!rest.empty() && (rest.back() == 'f' || rest.back() == 'F' || rest.back() == 'd' || rest.back() == 'D'))
    rest.remove_suffix(1);
  size_t k = 0, digits = 0;
  while (k < rest.size() && is_digit(rest[k])) ++k, ++digits;
  if (k < rest.size() && rest[k] == '.') {
    ++k;
    while (k < rest.size() && is_digit(rest[k])) ++k, ++digits;
  }
  if (digits == 0) return false;
  if (k < rest.size() && (rest[k] == 'e' || rest[k] == 'E')) {
    ++k;
    if (k < rest.size() && (rest[k] == '+' || rest[k] == '-')) ++k;
    size_t st = k;
    while (k < rest.size() && is_digit(rest[k])) ++k;
    if (k == st) return false;
  }
  if (k != rest.size() || rest.size() + 1 >= cap) return false;
  n = 0;
  if (neg) buf[n++] = '-';
  for (char c : rest) buf[n++] = c;
  buf[n] = 0;
  return true;
}
}  // namespace

// Clinger's fast path: at most 15 digits, no exponent: the digits m are exact in a double and
// so is 10^f (f <= 15), and one IEEE division gives the correctly rounded value strtod gives.
static bool fast_decimal(std::string_view s, double& out) {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  size_t i = 0;
  bool neg = false, dot = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  uint64_t m = 0;
  int digits = 0, frac = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      if (++digits > 15) return false;
      m = m * 10 + uint64_t(c - '0');
      frac += dot;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  if (digits == 0) return false;
  const double d = double(m) / kPow10[frac];
  out = neg ? -d : d;
  return true;
}

std::optional<double> java_parse_double(std::string_view s) {
  if (double d; fast_decimal(s, d)) return d;
  char buf[400];
  size_t n = 0;
  int special = 0;
  if (!java_float_body(s, buf, sizeof buf, n, special)) return std::nullopt;
  if (special == 1) return std::numeric_limits<double>::infinity();
  if (special == 2) return -std::numeric_limits<double>::infinity();
  if (special == 3) return std::nan("");
  double d = 0;
  auto r = std::from_chars(buf, buf + n, d);
  if (r.ec == std::errc::result_out_of_range) return std::strtod(buf, nullptr);  // Java: +-Inf or +-0
  if (r.ec != std::errc() || r.ptr != buf + n) return std::nullopt;
  return d;
}

std::optional<float> java_parse_float(std::string_view s) {
  char buf[400];
  size_t n = 0;
  int special = 0;
  if (!java_float_body(s, buf, sizeof buf, n, special)) return std::nullopt;
  if (special == 1) return std::numeric_limits<float>::infinity();
  if (special == 2) return -std::numeric_limits<float>::infinity();
  if (special == 3) return std::nanf("");
  float f = 0;
  auto r = std::from_chars(buf, buf + n, f);
  if (r.ec == std::errc::result_out_of_range) return std::strtof(buf, nullptr);
  if (r.ec != std::errc() || r.ptr != buf + n) return std::nullopt;
  return f;
}

std::optional<JavaDecimalShape> java_decimal_shape(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  int int_digits = 0, frac_digits = 0, sig = 0;
  bool started = false;
  while (i < s.size() && is_digit(s[i])) {
    if (s[i] != '0' || started) { started = true; ++sig; }
    ++int_digits, ++i;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) {
      if (s[i] != '0' || started) { started = true; ++sig; }
      ++frac_digits, ++i;
    }
  }
  if (int_digits + frac_digits == 0) return std::nullopt;
  int64_t exp = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
    size_t st = i;
    while (i < s.size() && is_digit(s[i])) {
      exp = exp * 10 + (s[i++] - '0');
      if (exp > 1000000000) return std::nullopt;
    }
    if (i == st) return std::nullopt;
    if (eneg) exp = -exp;
  }
  if (i != s.size()) return std::nullopt;
  // BigDecimal's precision is the digit count of the unscaled value (1 for zero).
  return JavaDecimalShape{sig == 0 ? 1 : sig, int64_t(frac_digits) - exp};
}

std::optional<bool> java_parse_bool(std::string_view s) {
  if (iequals(s, "true")) return true;
  if (iequals(s, "false")) return false;
  return std::nullopt;
}

std::optional<int32_t> parse_iso_date_strict(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!is_digit(s[i])) return std::nullopt;
  return kern::parse_date(s);
}

// Timestamp without a zone (TimestampNTZ parsing rejects explicit offsets).
std::optional<int64_t> parse_timestamp_ntz(std::string_view s) {
  auto a = kern::parse_timestamp(s, 0);
  if (!a) return std::nullopt;
  auto b = kern::parse_timestamp(s, 3600);
  if (*a == *b) return std::nullopt;  // the text named its own zone
  return a;
}

std::optional<__int128> parse_decimal_en_us(std::string_view s, int p, int scale) {
  // ExprUtils.getDecimalParser(Locale.US): commas removed, then new BigDecimal(s).
  char buf[256];
  if (s.find(',') != std::string_view::npos) {
    size_t k = 0;
    for (char c : s) {
      if (c == ',') continue;
      if (k + 1 >= sizeof buf) return std::nullopt;
      buf[k++] = c;
    }
    s = std::string_view(buf, k);
  }
  if (!java_decimal_shape(s)) return std::nullopt;
  return kern::dec::parse(s, p, scale);
}

std::string malformed_record_error(std::string_view record) {
  return "[MALFORMED_RECORD_IN_PARSING] Malformed records are detected in record parsing: " +
         std::string(record) +
         ".\nParse Mode: FAILFAST. To process malformed records as null result, try setting the option 'mode' as 'PERMISSIVE'.";
}

Result<std::string> charset_option(const ReaderOptions& ro) {
  auto v = ro.get("encoding");
  if (!v) v = ro.get("charset");
  if (!v) return std::string();
  std::string up;
  for (char c : *v) up += char(std::toupper(static_cast<unsigned char>(c)));
  if (up == "UTF-8" || up == "UTF8") return std::string();
  iconv_t cd = iconv_open("UTF-8", v->c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return Result<std::string>::error("java.nio.charset.UnsupportedCharsetException: " + *v);
  iconv_close(cd);
  return *v;
}

Result<std::string> to_utf8(std::string_view bytes, const std::string& charset) {
  iconv_t cd = iconv_open("UTF-8", charset.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return Result<std::string>::error("java.nio.charset.UnsupportedCharsetException: " + charset);
  std::string out;
  out.resize(bytes.size() * 2 + 16);
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size(), done = 0;
  while (in_left > 0) {
    char* o = out.data() + done;
    size_t o_left = out.size() - done;
    const size_t r = iconv(cd, &in, &in_left, &o, &o_left);
    done = out.size() - o_left;
    if (r != static_cast<size_t>(-1)) break;
    if (errno == E2BIG) { out.resize(out.size() * 2); continue; }
    // Java's decoders replace what they cannot decode with U+FFFD: the same here, byte by byte.
    if (errno == EILSEQ || errno == EINVAL) {
      out.resize(std::max(out.size(), done + 3));
      out.replace(done, 3, "\xEF\xBF\xBD");
      done += 3;
      ++in;
      --in_left;
      if (out.size() < done + 16) out.resize(done + 16 + in_left * 2);
      continue;
    }
    iconv_close(cd);
    return Result<std::string>::error("cannot decode " + charset + " text");
  }
  iconv_close(cd);
  out.resize(done);
  return out;
}

}  // namespace spp::sql::exec
