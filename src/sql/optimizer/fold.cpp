// Constant evaluation for the optimizer's folding: integral arithmetic wraps (two's complement)
// at the result width, division by zero is NULL, three-valued logic (non-ANSI Spark 3.5).
#include <cmath>
#include <cstdlib>

#include <algorithm>
#include "sql/optimizer/optimizer.h"

namespace spp::sql::opt {
namespace {

int64_t wrap(int64_t v, TypeId t) {
  switch (t) {
    case TypeId::Byte: return static_cast<int8_t>(v);
    case TypeId::Short: return static_cast<int16_t>(v);
    case TypeId::Int: return static_cast<int32_t>(v);
    default: return v;
  }
}

bool num(const Value& v, const DataType& t, double& d) {
  if (auto* i = std::get_if<int64_t>(&v.v)) { d = static_cast<double>(*i); return t.is_integral(); }
  if (auto* x = std::get_if<double>(&v.v)) { d = *x; return true; }
  return false;
}

// Spark's string -> integral cast: trimmed, optional sign, digits, an optional truncated fraction.
std::optional<int64_t> parse_integral(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && static_cast<unsigned char>(s[b]) <= ' ') ++b;
  while (e > b && static_cast<unsigned char>(s[e - 1]) <= ' ') --e;
  std::string t = s.substr(b, e - b);
  size_t i = 0;
  bool neg = false;
  if (i < t.size() && (t[i] == '-' || t[i] == '+')) neg = t[i++] == '-';
  if (i >= t.size()) return std::nullopt;
  __int128 v = 0;
  size_t digits = 0;
  for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i, ++digits) {
    v = v * 10 + (t[i] - '0');
    if (v > (static_cast<__int128>(1) << 64)) return std::nullopt;
  }
  if (i < t.size() && t[i] == '.') {
    for (++i; i < t.size(); ++i) if (t[i] < '0' || t[i] > '9') return std::nullopt;
  } else if (i < t.size() || digits == 0) {
    return std::nullopt;
  }
  v = neg ? -v : v;
  if (v > INT64_MAX || v < INT64_MIN) return std::nullopt;
  return static_cast<int64_t>(v);
}

std::optional<Value> eval_cast(const Value& v, const DataType& from, const DataType& to) {
  if (v.is_null()) return Value::null();
  if (from == to) return v;
  if (to.id == TypeId::String) {
    if (from.is_numeric() || from.id == TypeId::Boolean || from.id == TypeId::String || from.id == TypeId::Date)
      return Value::of(value_to_string(v, from));
    return std::nullopt;
  }
  if (to.is_integral()) {
    if (from.is_integral()) return Value::of(wrap(v.as_int(), to.id));
    if (from.id == TypeId::Boolean) return Value::of(static_cast<int64_t>(v.as_bool()));
    if (from.id == TypeId::Float || from.id == TypeId::Double) {
      double d = v.as_double();
      if (std::isnan(d)) return Value::of(int64_t{0});
      double lo = to.id == TypeId::Long ? -9.223372036854775808e18 : to.id == TypeId::Int ? -2147483648.0 : to.id == TypeId::Short ? -32768.0 : -128.0;
      // JVM narrowing: long/int saturate; short/byte go through int then wrap.
      if (to.id == TypeId::Long) return Value::of(d >= 9.223372036854775807e18 ? INT64_MAX : d <= lo ? INT64_MIN : static_cast<int64_t>(d));
      int64_t asint = d >= 2147483647.0 ? 2147483647 : d <= -2147483648.0 ? -2147483648LL : static_cast<int64_t>(d);
      return Value::of(wrap(asint, to.id));
    }
    if (from.id == TypeId::String) {
      auto p = parse_integral(v.as_string());
      if (!p) return Value::null();
      if (wrap(*p, to.id) != *p) return Value::null();  // out of range -> NULL
      return Value::of(*p);
    }
    return std::nullopt;
  }
  if (to.id == TypeId::Double || to.id == TypeId::Float) {
    double d = 0;
    if (from.id == TypeId::Decimal) {  // Decimal.toDouble / toFloat: the decimal correctly rounded
      const std::string text = value_to_string(v, from);
      return Value::of(to.id == TypeId::Float ? static_cast<double>(std::strtof(text.c_str(), nullptr))
                                              : std::strtod(text.c_str(), nullptr));
    }
    if (num(v, from, d) || from.id == TypeId::Float || from.id == TypeId::Double)
      return Value::of(to.id == TypeId::Float ? static_cast<double>(static_cast<float>(d)) : d);
    if (from.id == TypeId::Boolean) return Value::of(v.as_bool() ? 1.0 : 0.0);
    return std::nullopt;
  }
  if (to.id == TypeId::Boolean && from.is_numeric() && from.id != TypeId::Decimal) {
    double d = 0;
    num(v, from, d);
    return Value::of(d != 0);
  }
  return std::nullopt;
}

int compare(const Value& a, const Value& b, const DataType& t) {
  if (t.is_integral() || t.id == TypeId::Date || t.id == TypeId::Timestamp || t.id == TypeId::Boolean) {
    int64_t x = t.id == TypeId::Boolean ? a.as_bool() : a.as_int(), y = t.id == TypeId::Boolean ? b.as_bool() : b.as_int();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (t.id == TypeId::Double || t.id == TypeId::Float) {
    double x = a.as_double(), y = b.as_double();
    // NaN = NaN and NaN is larger than any other value (Spark's NaN semantics).
    if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && std::isnan(y) ? 0 : std::isnan(x) ? 1 : -1;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  int c = a.as_string().compare(b.as_string());
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

}  // namespace

std::optional<Value> eval_constant(const Expr& e) {
  if (e.kind == ExprKind::Literal) return e.value;
  if (!e.foldable_node()) return std::nullopt;  // the children are evaluated (checked) below
  std::vector<Value> a;
  for (const auto& c : e.children) {
    auto v = eval_constant(*c);
    if (!v) return std::nullopt;
    a.push_back(std::move(*v));
  }
  if (e.kind == ExprKind::Cast) return eval_cast(a[0], e.children[0]->type, e.type);
  if (e.kind == ExprKind::Alias) return a[0];
  if (e.kind != ExprKind::Call) return std::nullopt;
  const std::string& n = e.name;
  if (n == "isnull") return Value::of(a[0].is_null());
  if (n == "isnotnull") return Value::of(!a[0].is_null());
  if (n == "coalesce") {
    for (auto& v : a) if (!v.is_null()) return v;
    return Value::null();
  }
  if (n == "and" || n == "or") {
    bool is_and = n == "and";
    bool l_null = a[0].is_null(), r_null = a[1].is_null();
    bool l = !l_null && a[0].as_bool(), r = !r_null && a[1].as_bool();
    if (is_and) {
      if ((!l_null && !l) || (!r_null && !r)) return Value::of(false);
      if (l_null || r_null) return Value::null();
      return Value::of(true);
    }
    if ((!l_null && l) || (!r_null && r)) return Value::of(true);
    if (l_null || r_null) return Value::null();
    return Value::of(false);
  }
  if (n == "<=>") {
    if (a[0].is_null() || a[1].is_null()) return Value::of(a[0].is_null() && a[1].is_null());
    return Value::of(compare(a[0], a[1], e.children[0]->type) == 0);
  }
  // Everything below is null-intolerant; other functions (greatest, nvl, locate ...) are not
  // folded here, so a NULL argument says nothing about their result.
  static const char* kFolded[] = {"not", "=", "<", "<=", ">", ">=", "negative", "+", "-", "*", "/", "%", "upper", "lower"};
  if (std::none_of(std::begin(kFolded), std::end(kFolded), [&](const char* k) { return n == k; })) return std::nullopt;
  for (const auto& v : a) if (v.is_null()) return Value::null();
  if (n == "not") return Value::of(!a[0].as_bool());
  const DataType& t = e.children.empty() ? e.type : e.children[0]->type;
  if (n == "=" || n == "<" || n == "<=" || n == ">" || n == ">=") {
    if (!(t.is_numeric() && t.id != TypeId::Decimal) && t.id != TypeId::String && t.id != TypeId::Boolean &&
        t.id != TypeId::Date && t.id != TypeId::Timestamp)
      return std::nullopt;
    int c = compare(a[0], a[1], t);
    return Value::of(n == "=" ? c == 0 : n == "<" ? c < 0 : n == "<=" ? c <= 0 : n == ">" ? c > 0 : c >= 0);
  }
  if (n == "negative") {
    if (e.type.is_integral()) return Value::of(wrap(static_cast<int64_t>(0ULL - static_cast<uint64_t>(a[0].as_int())), e.type.id));
    if (e.type.id == TypeId::Double || e.type.id == TypeId::Float) return Value::of(-a[0].as_double());
    return std::nullopt;
  }
  if (n == "+" || n == "-" || n == "*" || n == "/" || n == "%") {
    if (e.type.is_integral()) {
      uint64_t x = static_cast<uint64_t>(a[0].as_int()), y = static_cast<uint64_t>(a[1].as_int());
      if (n == "+") return Value::of(wrap(static_cast<int64_t>(x + y), e.type.id));
      if (n == "-") return Value::of(wrap(static_cast<int64_t>(x - y), e.type.id));
      if (n == "*") return Value::of(wrap(static_cast<int64_t>(x * y), e.type.id));
      if (a[1].as_int() == 0) return Value::null();
      if (a[1].as_int() == -1) return Value::of(int64_t{0});  // avoids INT64_MIN % -1
      return Value::of(a[0].as_int() % a[1].as_int());
    }
    if (e.type.id == TypeId::Double || e.type.id == TypeId::Float) {
      double x = a[0].as_double(), y = a[1].as_double(), r;
      if ((n == "/" || n == "%") && y == 0) return Value::null();
      r = n == "+" ? x + y : n == "-" ? x - y : n == "*" ? x * y : n == "/" ? x / y : std::fmod(x, y);
      if (e.type.id == TypeId::Float) r = static_cast<float>(r);
      return Value::of(r);
    }
    return std::nullopt;
  }
  if (n == "upper" || n == "lower") {
    std::string s = a[0].as_string();
    bool ascii = true;
    for (unsigned char ch : s) ascii &= ch < 0x80;
    if (!ascii) return std::nullopt;  // Unicode case mapping is the executor's
    for (auto& ch : s) ch = static_cast<char>(n == "upper" ? std::toupper(static_cast<unsigned char>(ch)) : std::tolower(static_cast<unsigned char>(ch)));
    return Value::of(std::move(s));
  }
  return std::nullopt;
}

}  // namespace spp::sql::opt
