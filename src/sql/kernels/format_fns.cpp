// format_number (java.text.DecimalFormat, HALF_EVEN) and format_string (java.util.Formatter).
#include <charconv>
#include <cmath>
#include <cstdio>

#include "sql/kernels/cast.h"
#include "sql/kernels/fn_util.h"
#include "sql/kernels/text_fns.h"

namespace spp::sql::kern {

namespace {

// "1234567.5" -> "1,234,567.5" (the sign, if any, stays in front).
void group_thousands(std::string& s) {
  size_t start = (!s.empty() && s[0] == '-') ? 1 : 0;
  size_t dot = s.find('.');
  size_t end = dot == std::string::npos ? s.size() : dot;
  std::string out(s, 0, start);
  for (size_t k = start; k < end; ++k) {
    if (k > start && (end - k) % 3 == 0) out.push_back(',');
    out.push_back(s[k]);
  }
  out.append(s, end, std::string::npos);
  s.swap(out);
}

// |unscaled| / 10^scale rounded HALF_EVEN to d decimals, as plain text with the sign.
std::string decimal_fixed(__int128 unscaled, int scale, int d) {
  bool neg = unscaled < 0;
  unsigned __int128 u = neg ? (unsigned __int128)(-(unscaled + 1)) + 1 : (unsigned __int128)unscaled;
  std::string digits;
  do { digits.insert(digits.begin(), char('0' + int(u % 10))); u /= 10; } while (u);
  if (int(digits.size()) <= scale) digits.insert(0, size_t(scale + 1 - int(digits.size())), '0');
  if (d < scale) {
    // Drop scale - d digits, HALF_EVEN.
    size_t keep = digits.size() - size_t(scale - d);
    char first = digits[keep];
    bool rest_nonzero = digits.find_first_not_of('0', keep + 1) != std::string::npos;
    digits.resize(keep);
    bool up = first > '5' || (first == '5' && (rest_nonzero || (digits.back() - '0') % 2 == 1));
    for (size_t k = digits.size(); up && k-- > 0;) {
      if (digits[k] == '9') { digits[k] = '0'; continue; }
      ++digits[k];
      up = false;
    }
    if (up) digits.insert(digits.begin(), '1');
    scale = d;
  }
  std::string out = digits.substr(0, digits.size() - size_t(scale));
  if (d > 0) out += "." + digits.substr(digits.size() - size_t(scale)) + std::string(size_t(d - scale), '0');
  // DecimalFormat keeps the sign of a negative value that rounds to zero (-0.00).
  return neg ? "-" + out : out;
}

std::string double_fixed(double x, int d) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x < 0 ? "-\xe2\x88\x9e" : "\xe2\x88\x9e";
  // glibc rounds the exact binary value half-even, as DecimalFormat does since JDK 8.
  // DecimalFormat shows at most 340 fraction digits of a double; 309 integer digits at most.
  static char buf[720];
  int len = std::snprintf(buf, sizeof buf, "%.*f", std::min(d, 340), x);
  return std::string(buf, size_t(std::max(len, 0)));
}

}  // namespace

Vec format_number(const Vec& x, const Vec& d, int64_t n) {
  FixArg<int32_t> D(d);
  const TypeId id = x.type().id;
  const int scale = x.type().scale;
  auto body = [&]<typename T>() {
    FixArg<T> X(x);
    return gen_str(n, [&](int64_t i, std::string& out) {
      if (X.null(i) || D.null(i) || D[i] < 0) return false;
      int dd = D[i];
      if constexpr (std::is_same_v<T, __int128>) out = decimal_fixed(X[i], scale, dd);
      else if constexpr (std::is_floating_point_v<T>) out = double_fixed(double(X[i]), dd);
      else out = decimal_fixed(__int128(X[i]), 0, dd);
      if (out[0] != 'N' && out.find('\xe2') == std::string::npos) group_thousands(out);
      return true;
    });
  };
  return dispatch_fixed(id, body);
}

// ---------------------------------------------------------------- format_string

namespace {

struct Spec {
  std::string lit;     // text before the specifier
  int arg = -1;        // argument index (0-based); -1: none (%%, %n, trailing text)
  std::string flags;
  int width = -1, precision = -1;
  char conv = 0;
};

// Parses Java's %[index$][flags][width][.precision]conversion; error text as Java's exceptions.
std::optional<std::string> parse(std::string_view f, std::vector<Spec>& out) {
  int ordinary = 0, last = -1;
  Spec cur;
  for (size_t i = 0; i < f.size();) {
    if (f[i] != '%') { cur.lit.push_back(f[i++]); continue; }
    size_t start = i++;
    int index = -2;  // -2: ordinary, >= 0 explicit
    size_t j = i;
    while (j < f.size() && std::isdigit((unsigned char)f[j])) ++j;
    if (j < f.size() && f[j] == '$' && j > i) { index = std::atoi(std::string(f.substr(i, j - i)).c_str()) - 1; i = j + 1; }
    while (i < f.size() && std::string_view("-#+ 0,(<").find(f[i]) != std::string_view::npos) {
      if (f[i] == '<') index = -3;
      else cur.flags.push_back(f[i]);
      ++i;
    }
    if (i < f.size() && std::isdigit((unsigned char)f[i])) {
      cur.width = 0;
      while (i < f.size() && std::isdigit((unsigned char)f[i])) cur.width = cur.width * 10 + (f[i++] - '0');
    }
    if (i < f.size() && f[i] == '.') {
      ++i;
      cur.precision = 0;
      if (i >= f.size() || !std::isdigit((unsigned char)f[i])) return "java.util.UnknownFormatConversionException: Conversion = '.'";
      while (i < f.size() && std::isdigit((unsigned char)f[i])) cur.precision = cur.precision * 10 + (f[i++] - '0');
    }
    if (i >= f.size()) return "java.util.UnknownFormatConversionException: Conversion = '%'";
    char c = f[i++];
    std::string spec(f.substr(start, i - start));
    if (std::string_view("bBsScdoxXeEfgG%n").find(c) == std::string_view::npos)
      return std::string("java.util.UnknownFormatConversionException: Conversion = '") + c + "'";
    if (cur.flags.find('(') != std::string::npos) return "the '(' flag of format_string is not supported by the native engine yet";
    cur.conv = c;
    if (c == '%' || c == 'n') {
      cur.lit += c == '%' ? "%" : "\n";
      if (c == '%' && cur.width > 0) { /* Java pads %% too; rare */ }
      cur.conv = 0;
      cur.flags.clear();
      cur.width = cur.precision = -1;
      continue;
    }
    if (index == -3) {
      if (last < 0) return "java.util.MissingFormatArgumentException: Format specifier '" + spec + "'";
      index = last;
    } else if (index == -2) {
      index = ordinary++;
    }
    cur.arg = last = index;
    out.push_back(std::move(cur));
    cur = Spec{};
  }
  out.push_back(std::move(cur));  // trailing text
  return std::nullopt;
}

bool is_int_type(TypeId t) { return t == TypeId::Byte || t == TypeId::Short || t == TypeId::Int || t == TypeId::Long || t == TypeId::Date || t == TypeId::Timestamp || t == TypeId::TimestampNtz; }
const char* java_class(TypeId t) {
  switch (t) {
    case TypeId::Byte: return "java.lang.Byte";
    case TypeId::Short: return "java.lang.Short";
    case TypeId::Int: case TypeId::Date: return "java.lang.Integer";
    case TypeId::Long: case TypeId::Timestamp: case TypeId::TimestampNtz: return "java.lang.Long";
    case TypeId::Float: return "java.lang.Float";
    case TypeId::Double: return "java.lang.Double";
    case TypeId::Boolean: return "java.lang.Boolean";
    case TypeId::Decimal: return "org.apache.spark.sql.types.Decimal";
    case TypeId::String: return "org.apache.spark.unsafe.types.UTF8String";
    default: return "java.lang.Object";
  }
}

// Shortest decimal digits of |x| and its exponent: x = 0.d1d2d3... * 10^exp10.
void shortest(double x, std::string& digits, int& exp10) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(x), std::chars_format::scientific);
  std::string_view s(buf, size_t(r.ptr - buf));
  size_t e = s.find('e');
  digits.clear();
  for (char ch : s.substr(0, e)) if (ch != '.') digits.push_back(ch);
  exp10 = std::atoi(std::string(s.substr(e + 1)).c_str()) + 1;
}

// Rounds digits (value 0.digits * 10^exp10) HALF_UP to keep `keep` digits (may add a digit).
void round_half_up(std::string& digits, int& exp10, int keep) {
  if (keep < 0) { digits = "0"; return; }
  if (int(digits.size()) <= keep) { digits.append(size_t(keep) - digits.size(), '0'); return; }
  bool up = digits[size_t(keep)] >= '5';
  digits.resize(size_t(keep));
  for (size_t k = digits.size(); up && k-- > 0;) {
    if (digits[k] == '9') { digits[k] = '0'; continue; }
    ++digits[k];
    up = false;
  }
  if (up) { digits.insert(digits.begin(), '1'); ++exp10; digits.pop_back(); if (keep == 0) digits = "1"; }
}

std::string fmt_fixed(double x, int prec) {
  std::string d;
  int e;
  if (x == 0) { d = "0"; e = 1; } else shortest(x, d, e);
  round_half_up(d, e, std::max(0, e + prec));
  if (e + prec < 0) { d = ""; }
  std::string ip, fp;
  for (int k = 0; k < e; ++k) ip.push_back(k < int(d.size()) ? d[size_t(k)] : '0');
  if (ip.empty()) ip = "0";
  for (int k = 0; k < prec; ++k) { int idx = e + k; fp.push_back(idx >= 0 && idx < int(d.size()) ? d[size_t(idx)] : '0'); }
  return prec > 0 ? ip + "." + fp : ip;
}

std::string fmt_sci(double x, int prec, bool upper) {
  std::string d;
  int e;
  if (x == 0) { d = "0"; e = 1; } else shortest(x, d, e);
  round_half_up(d, e, prec + 1);
  std::string s(1, d[0]);
  if (prec > 0) s += "." + d.substr(1, size_t(prec));
  int ex = x == 0 ? 0 : e - 1;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%c%c%02d", upper ? 'E' : 'e', ex < 0 ? '-' : '+', std::abs(ex));
  return s + buf;
}

void pad(std::string& s, const Spec& sp, bool zero_ok) {
  if (sp.width <= 0) return;
  int64_t len = utf8::num_chars(s);
  if (len >= sp.width) return;
  size_t fill = size_t(sp.width - len);
  if (sp.flags.find('-') != std::string::npos) s.append(fill, ' ');
  else if (zero_ok && sp.flags.find('0') != std::string::npos) {
    size_t at = (!s.empty() && (s[0] == '-' || s[0] == '+' || s[0] == ' ')) ? 1 : 0;
    if (s.compare(at, 2, "0x") == 0 || s.compare(at, 2, "0X") == 0) at += 2;
    s.insert(at, fill, '0');
  } else s.insert(0, fill, ' ');
}

void sign_flags(std::string& s, bool neg, const Spec& sp) {
  if (neg) s.insert(0, "-");
  else if (sp.flags.find('+') != std::string::npos) s.insert(0, "+");
  else if (sp.flags.find(' ') != std::string::npos) s.insert(0, " ");
}

void upper_ascii(std::string& s) { for (auto& ch : s) ch = char(std::toupper((unsigned char)ch)); }

}  // namespace

std::optional<std::string> format_check(std::string_view fmt, const std::vector<ColTypePtr>& args) {
  std::vector<Spec> specs;
  if (auto e = parse(fmt, specs)) return e;
  for (const auto& sp : specs) {
    if (sp.arg < 0) continue;
    std::string text = "%" + sp.flags + (sp.width >= 0 ? std::to_string(sp.width) : "") +
                       (sp.precision >= 0 ? "." + std::to_string(sp.precision) : "") + sp.conv;
    if (sp.arg >= int(args.size())) return "java.util.MissingFormatArgumentException: Format specifier '" + text + "'";
    TypeId t = args[size_t(sp.arg)]->id;
    if (t == TypeId::Null) continue;  // a null argument prints "null" for every conversion
    char c = char(std::tolower((unsigned char)sp.conv));
    bool ok = c == 's' || c == 'b' || (c == 'c' && (t == TypeId::Byte || t == TypeId::Short || t == TypeId::Int)) ||
              ((c == 'd' || c == 'o' || c == 'x') && is_int_type(t)) ||
              ((c == 'e' || c == 'f' || c == 'g') && (t == TypeId::Float || t == TypeId::Double));
    if (!ok) return std::string("java.util.IllegalFormatConversionException: ") + sp.conv + " != " + java_class(t);
    if (t != TypeId::String && t != TypeId::Boolean && !is_int_type(t) && t != TypeId::Float && t != TypeId::Double &&
        t != TypeId::Decimal && t != TypeId::Null)
      return "format_string of a " + std::string(java_class(t)) + " argument is not supported by the native engine yet";
  }
  return std::nullopt;
}

Vec format_string(std::string_view fmt, const std::vector<Vec>& args, int64_t n) {
  std::vector<Spec> specs;
  parse(fmt, specs);
  std::string item;
  return gen_str(n, [&](int64_t i, std::string& out) {
    for (const auto& sp : specs) {
      out += sp.lit;
      if (sp.arg < 0) continue;
      const Vec& a = args[size_t(sp.arg)];
      const Column& c = *a.col;
      int64_t r = a.constant ? 0 : i;
      char conv = char(std::tolower((unsigned char)sp.conv));
      bool upper = std::isupper((unsigned char)sp.conv);
      TypeId t = c.id();
      item.clear();
      bool numeric_fmt = false;
      if (c.is_null(r)) {
        item = conv == 'b' ? "false" : "null";
      } else if (conv == 'b') {
        item = t == TypeId::Boolean ? (c.bool_at(r) ? "true" : "false") : "true";
      } else if (conv == 's') {
        switch (t) {
          case TypeId::String: item = c.str(r); break;
          case TypeId::Boolean: item = c.bool_at(r) ? "true" : "false"; break;
          case TypeId::Decimal: item = decimal_fixed(c.dec_at(r), c.type->scale, c.type->scale); break;
          case TypeId::Float: case TypeId::Double: item = value_to_string(c, r); break;
          default: dispatch_fixed(t, [&]<typename T>() { if constexpr (std::is_integral_v<T>) item = std::to_string(c.vals<T>()[r]); return 0; });
        }
        if (sp.precision >= 0) item = std::string(item.substr(0, utf8::offset_of(item, sp.precision)));
      } else if (conv == 'c') {
        int64_t v = dispatch_fixed(t, [&]<typename T>() -> int64_t { if constexpr (std::is_integral_v<T>) return int64_t(c.vals<T>()[r]); return 0; });
        utf8::put(uint32_t(v), item);
      } else if (conv == 'd' || conv == 'o' || conv == 'x') {
        numeric_fmt = true;
        int bits = 64;
        int64_t v = dispatch_fixed(t, [&]<typename T>() -> int64_t {
          if constexpr (std::is_integral_v<T> && !std::is_same_v<T, __int128>) { bits = int(sizeof(T) * 8); return int64_t(c.vals<T>()[r]); }
          return 0;
        });
        if (conv == 'd') {
          uint64_t mag = v < 0 ? uint64_t(0) - uint64_t(v) : uint64_t(v);
          item = std::to_string(mag);
          if (sp.flags.find(',') != std::string::npos) group_thousands(item);
          sign_flags(item, v < 0, sp);
        } else {
          uint64_t u = uint64_t(v);
          if (bits < 64) u &= (uint64_t(1) << bits) - 1;  // Java: negative values as unsigned of the type's width
          char buf[32];
          std::snprintf(buf, sizeof buf, conv == 'x' ? "%llx" : "%llo", (unsigned long long)u);
          item = buf;
          if (sp.flags.find('#') != std::string::npos) item.insert(0, conv == 'x' ? "0x" : "0");
        }
      } else {  // e f g
        numeric_fmt = true;
        double x = t == TypeId::Float ? double(c.vals<float>()[r]) : c.vals<double>()[r];
        if (std::isnan(x)) item = "NaN";
        else if (std::isinf(x)) { item = "Infinity"; sign_flags(item, x < 0, sp); }
        else {
          int prec = sp.precision < 0 ? 6 : sp.precision;
          double ax = std::fabs(x);
          if (conv == 'f') item = fmt_fixed(ax, prec);
          else if (conv == 'e') item = fmt_sci(ax, prec, false);
          else {
            if (prec == 0) prec = 1;
            // %g: fixed when 10^-4 <= rounded value < 10^prec, else scientific.
            std::string d;
            int e = 1;
            if (ax != 0) { shortest(ax, d, e); round_half_up(d, e, prec); }
            if (ax != 0 && (e - 1 < -4 || e - 1 >= prec)) item = fmt_sci(ax, prec - 1, false);
            else item = fmt_fixed(ax, ax == 0 ? prec - 1 : prec - e);
          }
          if (sp.flags.find(',') != std::string::npos && conv != 'e') group_thousands(item);
          sign_flags(item, std::signbit(x), sp);
        }
      }
      if (upper) upper_ascii(item);
      pad(item, sp, numeric_fmt);
      out += item;
    }
    return true;
  });
}

}  // namespace spp::sql::kern
