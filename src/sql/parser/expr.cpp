// Expressions: Spark's booleanExpression / valueExpression / primaryExpression (SqlBaseParser.g4,
// 3.5) by precedence climbing, building the nodes pyspark.sql's Column operators build.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <optional>

#include "sql/parser/parser_impl.h"
#include "sql/plan/fn_names.h"
#include "sql/plan/lambda.h"

namespace spp::sql::parser {
namespace {

std::string lower_ascii(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) out += static_cast<char>(cp);
  else if (cp < 0x800) { out += static_cast<char>(0xC0 | (cp >> 6)); out += static_cast<char>(0x80 | (cp & 0x3F)); }
  else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Binary operators of valueExpression, lowest precedence first (comparison < | < ^ < & < +- < */).
int binary_prec(const Token& t) {
  if (t.kind == Tok::Op) {
    const std::string& o = t.text;
    if (o == "=" || o == "==" || o == "<>" || o == "!=" || o == "<" || o == "<=" || o == ">" || o == ">=" || o == "<=>") return 1;
    if (o == "|") return 2;
    if (o == "^") return 3;
    if (o == "&") return 4;
    if (o == "+" || o == "-" || o == "||") return 5;
    if (o == "*" || o == "/" || o == "%") return 6;
  }
  if (word_is(t, "DIV")) return 6;
  return 0;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// Spark's date literal forms: yyyy, yyyy-[m]m, yyyy-[m]m-[d]d, optionally followed by T/space text.
std::optional<int64_t> parse_date(const std::string& raw) {
  std::string s = raw;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t b = 0;
  while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  int parts[3] = {0, 1, 1};
  int n = 0;
  size_t i = b;
  while (n < 3) {
    size_t st = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    size_t len = i - st;
    if (len == 0 || (n == 0 && (len < 4 || len > 7)) || (n > 0 && len > 2)) return std::nullopt;
    parts[n++] = std::stoi(s.substr(st, len));
    if (i == s.size()) break;
    if (n < 3 && s[i] == '-') { ++i; continue; }
    if (n == 3 && (s[i] == ' ' || s[i] == 'T')) break;
    return std::nullopt;
  }
  int y = parts[0], m = parts[1], d = parts[2];
  if (m < 1 || m > 12 || d < 1) return std::nullopt;
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > mdays[m - 1] + (m == 2 && leap)) return std::nullopt;
  return days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

// A TIMESTAMP_NTZ literal's wall-clock time in µs: `yyyy-[m]m-[d]d`, then optionally ` ` or `T`
// and `[h]h:[m]m[:[s]s[.fraction]]` (digits past the sixth dropped). nullopt for any other form
// (a zone, a shorter date), which the literal then leaves to the string cast.
std::optional<int64_t> parse_timestamp_ntz(const std::string& raw) {
  size_t b = 0, e = raw.size();
  while (b < e && std::isspace(static_cast<unsigned char>(raw[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(raw[e - 1]))) --e;
  const std::string s = raw.substr(b, e - b);
  size_t i = 0;
  auto digits = [&](size_t min, size_t max, int64_t& v) {
    size_t st = i;
    v = 0;
    while (i < s.size() && i - st < max && std::isdigit(static_cast<unsigned char>(s[i]))) v = v * 10 + (s[i++] - '0');
    return i - st >= min && (i == s.size() || !std::isdigit(static_cast<unsigned char>(s[i])));
  };
  int64_t y, mo, d, h = 0, mi = 0, sec = 0, frac = 0;
  if (!digits(4, 4, y) || i >= s.size() || s[i++] != '-' || !digits(1, 2, mo) || i >= s.size() || s[i++] != '-' ||
      !digits(1, 2, d))
    return std::nullopt;
  auto day = parse_date(s.substr(0, i));
  if (!day) return std::nullopt;
  if (i < s.size()) {
    if (s[i] != ' ' && s[i] != 'T') return std::nullopt;
    ++i;
    if (!digits(1, 2, h) || i >= s.size() || s[i++] != ':' || !digits(1, 2, mi)) return std::nullopt;
    if (i < s.size()) {
      if (s[i++] != ':' || !digits(1, 2, sec)) return std::nullopt;
      if (i < s.size()) {
        if (s[i++] != '.') return std::nullopt;
        size_t st = i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        const size_t n = i - st;
        if (n == 0 || n > 9 || i != s.size()) return std::nullopt;
        for (size_t k = 0; k < 6; ++k) frac = frac * 10 + (k < n ? s[st + k] - '0' : 0);
      }
    }
    if (h > 23 || mi > 59 || sec > 59) return std::nullopt;
  }
  return ((*day * 24 + h) * 60 + mi) * 60000000 + sec * 1000000 + frac;
}

}  // namespace

// Spark's unescapeSQLString for the text between the quotes.
std::string unescape_sql_string(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\' || i + 1 >= s.size()) { out += c; continue; }
    char n = s[++i];
    auto hex = [&](size_t count) -> std::optional<uint32_t> {
      uint32_t v = 0;
      for (size_t k = 1; k <= count; ++k) {
        if (i + k >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + k]))) return std::nullopt;
        v = v * 16 + static_cast<uint32_t>(std::stoi(std::string(1, s[i + k]), nullptr, 16));
      }
      return v;
    };
    if (n == 'u') {
      if (auto v = hex(4)) { append_utf8(out, *v); i += 4; continue; }
    }
    if (n == 'U') {
      if (auto v = hex(8)) { append_utf8(out, *v); i += 8; continue; }
    }
    if (n >= '0' && n <= '3' && i + 2 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '7' && s[i + 2] >= '0' && s[i + 2] <= '7') {
      append_utf8(out, static_cast<uint32_t>((n - '0') * 64 + (s[i + 1] - '0') * 8 + (s[i + 2] - '0')));
      i += 2;
      continue;
    }
    switch (n) {
      case '0': out += '\0'; break;
      case 'b': out += '\b'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'Z': out += '\x1A'; break;
      case '%': out += "\\%"; break;
      case '_': out += "\\_"; break;
      default: out += n;
    }
  }
  return out;
}

ExprPtr star_expr() {
  auto s = std::make_shared<Expr>();
  s->kind = ExprKind::UnresolvedStar;
  return s;
}

ExprPtr make_fn(std::string name, ExprList args) { return unresolved_fn(std::move(name), std::move(args)); }

// CreateStruct of a row constructor `(a, b + 1)`: named_struct with each column's name (Spark's
// NamePlaceholder, which takes the column's name) or `colN`, so it is named
// `named_struct(a, a, col2, (b + 1))`. Marked (kRowConstructor) so `(a, b) IN (SELECT …)` finds its values.
ExprPtr row_constructor(const ExprList& items) {
  ExprList args;
  for (size_t i = 0; i < items.size(); ++i) {
    const Expr& x = *items[i];
    args.push_back(lit_string(x.kind == ExprKind::UnresolvedAttribute && !x.name_parts.empty() ? x.name_parts.back()
                                                                                                : "col" + std::to_string(i + 1)));
    args.push_back(items[i]);
  }
  auto e = std::make_shared<Expr>(*unresolved_fn("named_struct", std::move(args)));
  e->ordinal = kRowConstructor;
  return e;
}

ExprList row_constructor_values(const ExprPtr& e) {
  if (e->kind != ExprKind::UnresolvedFunction || e->name != "named_struct" || e->ordinal != kRowConstructor) return {e};
  ExprList values;
  for (size_t i = 1; i < e->children.size(); i += 2) values.push_back(e->children[i]);
  return values;
}

void Parser::fail_at(const Token& t) const {
  std::string near = t.kind == Tok::End ? "end of input" : "'" + t.raw + "'";
  ParseError e;
  e.error_class = "PARSE_SYNTAX_ERROR";
  e.message = "[PARSE_SYNTAX_ERROR] Syntax error at or near " + near + ".";
  e.params = {{"error", near}, {"hint", ""}};
  e.line = t.line;
  e.pos = t.pos;
  throw Fail{e};
}

void Parser::fail_msg(const Token& t, const std::string& cls, const std::string& msg) const {
  ParseError e;
  e.error_class = cls;
  e.message = "[" + cls + "] " + msg;
  e.line = t.line;
  e.pos = t.pos;
  throw Fail{e};
}

void Parser::unsupported(const Token& t, const std::string& what) const {
  fail_msg(t, "UNSUPPORTED_FEATURE", "The feature is not supported: " + what + " (not in sparkpp's SQL engine yet).");
}

// Words that end an expression or a select item: they are never implicit aliases or column
// names here (Spark's strict non-reserved words plus the clause keywords).
bool Parser::reserved(const Token& t) const {
  static const char* words[] = {"SELECT", "FROM", "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "UNION",
                                "INTERSECT", "EXCEPT", "MINUS", "JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS",
                                "NATURAL", "SEMI", "ANTI", "ON", "USING", "AS", "WHEN", "THEN", "ELSE", "END",
                                "AND", "OR", "NOT", "IS", "IN", "LIKE", "RLIKE", "ILIKE", "REGEXP", "BETWEEN",
                                "CASE", "WITH", "DISTINCT", "ALL", "BY", "ASC", "DESC", "NULLS", "WINDOW",
                                "LATERAL", "SORT", "CLUSTER", "DISTRIBUTE", "OVER", "FILTER", "DIV", "ESCAPE"};
  if (t.kind != Tok::Word) return false;
  for (const char* w : words) if (word_is(t, w)) return true;
  return false;
}

bool Parser::at_identifier() const {
  const Token& t = peek();
  return t.kind == Tok::Quoted || (t.kind == Tok::Word && !reserved(t));
}

std::string Parser::identifier() {
  if (!at_identifier()) fail();
  return next().text;
}

std::vector<std::string> Parser::qualified_name() {
  std::vector<std::string> parts{identifier()};
  while (is_op(".") && (peek(1).kind == Tok::Word || peek(1).kind == Tok::Quoted)) {
    next();
    parts.push_back(next().text);
  }
  return parts;
}

// The type's text up to the `)` closing the CAST (nesting counted), parsed by the DDL parser.
std::string Parser::type_text_until_close() {
  size_t begin = peek().offset, end = begin;
  int depth = 0;
  while (!at_end()) {
    if (is_op("(") || is_op("<")) ++depth;
    if (is_op(")") || is_op(">")) {
      if (depth == 0) break;
      --depth;
    }
    end = next().end;
  }
  return text_.substr(begin, end - begin);
}

DataType Parser::data_type() {
  // `x::type`: a name, then `(…)` or `<…>` when written.
  const Token& start = peek();
  if (start.kind != Tok::Word) fail();
  size_t begin = start.offset, end = next().end;
  if (is_op("(") || is_op("<")) {
    int depth = 0;
    do {
      if (is_op("(") || is_op("<")) ++depth;
      else if (is_op(")") || is_op(">")) --depth;
      else if (at_end()) fail();
      end = next().end;
    } while (depth > 0);
  }
  auto t = parse_ddl_type(text_.substr(begin, end - begin));
  if (!t) fail_msg(start, "UNSUPPORTED_DATATYPE", "Unsupported data type \"" + upper(text_.substr(begin, end - begin)) + "\".");
  return *t;
}

// Spark's visitLogicalBinary: a chain of one operator is a balanced tree, `a AND b AND c AND d`
// = ((a AND b) AND (c AND d)), which its plans and column names show.
static ExprPtr balanced(const char* op, const ExprList& es, size_t lo, size_t hi) {
  if (lo == hi) return es[lo];
  if (hi - lo == 1) return make_fn(op, {es[lo], es[hi]});
  const size_t mid = lo + (hi - lo) / 2;
  return make_fn(op, {balanced(op, es, lo, mid), balanced(op, es, mid + 1, hi)});
}

ExprPtr Parser::expression() {
  Nest nest(*this);
  // OR < AND < NOT < predicates.
  auto and_expr = [&] {
    ExprList es{not_expression()};
    while (accept_kw("AND")) es.push_back(not_expression());
    return balanced("and", es, 0, es.size() - 1);
  };
  ExprList es{and_expr()};
  while (accept_kw("OR")) es.push_back(and_expr());
  return balanced("or", es, 0, es.size() - 1);
}

ExprPtr Parser::not_expression() {
  Nest nest(*this);
  if (accept_kw("NOT") || accept_op("!")) return make_fn("not", {not_expression()});
  // EXISTS (query); `exists(arr, x -> …)` is the higher-order function
  if (is_kw("EXISTS") && is_op("(", 1) &&
      (is_kw("SELECT", 2) || is_kw("WITH", 2) || is_kw("VALUES", 2) || is_kw("FROM", 2) || is_kw("TABLE", 2) || is_op("(", 2))) {
    next();
    next();
    PlanPtr q = query();
    expect_op(")");
    return subquery_expr(ExprKind::Exists, q);
  }
  return predicate(value_expression(0));
}

ExprPtr Parser::predicate(ExprPtr e) {
  size_t save = i_;
  bool neg = accept_kw("NOT");
  auto wrap = [&](ExprPtr x) { return neg ? make_fn("not", {x}) : x; };
  if (accept_kw("BETWEEN")) {
    ExprPtr lo = value_expression(0);
    expect_kw("AND");
    ExprPtr hi = value_expression(0);
    return wrap(make_fn("and", {make_fn(">=", {e, lo}), make_fn("<=", {e, hi})}));
  }
  if (is_kw("IN")) {
    next();
    expect_op("(");
    if (is_kw("SELECT") || is_kw("WITH") || is_kw("VALUES")) {
      PlanPtr q = query();
      expect_op(")");
      // `(a, b) IN (SELECT x, y …)` compares each value with one column.
      ExprList values = row_constructor_values(e);
      return wrap(subquery_expr(ExprKind::InSubquery, q, values));
    }
    ExprList args{e};
    do args.push_back(expression()); while (accept_op(","));
    expect_op(")");
    return wrap(make_fn("in", args));
  }
  if (is_kw("LIKE") || is_kw("ILIKE") || is_kw("RLIKE") || is_kw("REGEXP")) {
    std::string op = is_kw("ILIKE") ? "ilike" : is_kw("LIKE") ? "like" : "rlike";
    next();
    if (is_kw("ANY") || is_kw("SOME") || is_kw("ALL")) unsupported(peek(), "LIKE ANY/SOME/ALL");
    ExprPtr pat = value_expression(0);
    if (is_kw("ESCAPE")) unsupported(peek(), "LIKE … ESCAPE");
    return wrap(make_fn(op, {e, pat}));
  }
  if (neg) { i_ = save; return e; }
  if (accept_kw("IS")) {
    bool not_ = accept_kw("NOT");
    ExprPtr r;
    if (accept_kw("NULL")) return make_fn(not_ ? "isnotnull" : "isnull", {e});
    if (accept_kw("TRUE")) r = make_fn("<=>", {e, lit_bool(true)});
    else if (accept_kw("FALSE")) r = make_fn("<=>", {e, lit_bool(false)});
    else if (accept_kw("UNKNOWN")) {  // IsUnknown / IsNotUnknown
      auto u = std::make_shared<Expr>(*make_fn(not_ ? "isnotnull" : "isnull", {e}));
      u->ordinal = kIsUnknown;
      return u;
    }
    else if (accept_kw("DISTINCT")) {
      expect_kw("FROM");
      r = make_fn("<=>", {e, value_expression(0)});
      return not_ ? r : make_fn("not", {r});
    } else fail();
    return not_ ? make_fn("not", {r}) : r;
  }
  return e;
}

ExprPtr Parser::value_expression(int min_prec) {
  Nest nest(*this);
  ExprPtr l;
  if ((is_op("-") || is_op("+") || is_op("~")) && !(is_op("-") && peek(1).kind == Tok::Number)) {
    std::string op = next().text;
    ExprPtr v = value_expression(7);
    l = op == "-" ? make_fn("-", {v}) : op == "~" ? make_fn("~", {v}) : make_fn("positive", {v});
  } else {
    l = primary();
  }
  for (size_t levels = 0;; ++levels) {
    int p = binary_prec(peek());
    if (p == 0 || p < min_prec) break;
    if (levels >= kMaxTreeDepth) too_complex();  // `1+1+…`: left-deep without recursion
    std::string op = upper(next().text);
    ExprPtr r = value_expression(p + 1);
    if (op == "!=" || op == "<>") l = make_fn("not", {make_fn("==", {l, r})});
    else if (op == "=") l = make_fn("==", {l, r});
    else if (op == "||") l = make_fn("concat", {l, r});
    else if (op == "DIV") l = make_fn("div", {l, r});
    else l = make_fn(op, {l, r});
  }
  return l;
}

namespace {
// Interval units: day-time fields 0 DAY, 1 HOUR, 2 MINUTE, 3 SECOND with their µs; year-month
// fields (ym) 0 YEAR, 1 MONTH with their months in `micros`; field -1 for another word.
struct IntervalUnit { int field; int64_t micros; bool ym = false; };
IntervalUnit interval_unit(std::string u) {
  for (auto& ch : u) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (u.size() > 1 && u.back() == 'S') u.pop_back();
  if (u == "WEEK") return {0, 7 * 86400000000LL};
  if (u == "DAY") return {0, 86400000000LL};
  if (u == "HOUR") return {1, 3600000000LL};
  if (u == "MINUTE") return {2, 60000000LL};
  if (u == "SECOND") return {3, 1000000LL};
  if (u == "MILLISECOND") return {3, 1000LL};
  if (u == "MICROSECOND") return {3, 1LL};
  if (u == "YEAR") return {0, 12, true};
  if (u == "MONTH") return {1, 1, true};
  return {-1, 0};
}
// A signed decimal number of units in µs ("1.5" seconds); nullopt when not a number.
std::optional<int64_t> scaled_number(const std::string& text, int64_t unit) {
  size_t i = 0;
  bool neg = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) neg = text[i++] == '-';
  __int128 whole = 0, frac = 0, scale = 1;
  bool digits = false, dot = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.' && !dot) { dot = true; continue; }
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    digits = true;
    if (dot) { if (scale < 1000000000000000000LL) { frac = frac * 10 + (c - '0'); scale *= 10; } }
    else whole = whole * 10 + (c - '0');
    if (whole > (__int128(1) << 80)) return std::nullopt;
  }
  if (!digits) return std::nullopt;
  __int128 us = whole * unit + frac * unit / scale;
  if (us > INT64_MAX) return std::nullopt;
  return int64_t(neg ? -us : us);
}
}  // namespace

// Spark's interval literals, as ANSI interval values (the non-legacy default): the units written
// pick the type, YearMonthIntervalType for years/months (`INTERVAL '1-2' YEAR TO MONTH`,
// `INTERVAL 3 MONTHS`), DayTimeIntervalType for the rest (`INTERVAL '1' DAY`,
// `INTERVAL '1 02:03:04.5' DAY TO SECOND`, `INTERVAL 2 HOURS 3 MINUTES`; weeks are days,
// milli/microseconds seconds), spanning the units written; mixing both families is an error. A
// string alone (`INTERVAL '1 day 2 hours'`) is parsed the same way from the units inside it.
ExprPtr Parser::interval_literal(const Token& t) {
  static const int64_t kUnit[] = {86400000000LL, 3600000000LL, 60000000LL, 1000000LL};
  int64_t total = 0, months = 0;
  int lo = 4, hi = -1, ym_lo = 2, ym_hi = -1;
  auto invalid = [&](const std::string& v) {
    fail_msg(t, "INVALID_TYPED_LITERAL", "The value of the typed literal \"INTERVAL\" is invalid: '" + v + "'.");
  };
  auto add = [&](const IntervalUnit& u, const std::string& v) {
    if (u.ym) {
      // Whole numbers of years / months only.
      std::string d = v;
      if (!d.empty() && (d[0] == '-' || d[0] == '+')) d = d.substr(1);
      if (d.empty() || d.find_first_not_of("0123456789") != std::string::npos || d.size() > 11) invalid(v);
      int64_t x = std::stoll(d) * u.micros;
      months += v[0] == '-' ? -x : x;
      if (months > INT32_MAX || months < INT32_MIN) invalid(v);
      ym_lo = std::min(ym_lo, u.field), ym_hi = std::max(ym_hi, u.field);
      return;
    }
    auto us = scaled_number(v, u.micros);
    if (!us || __builtin_add_overflow(total, *us, &total)) invalid(v);
    lo = std::min(lo, u.field), hi = std::max(hi, u.field);
  };
  std::string last_unit;
  auto unit_after = [&](const std::string& v) {
    if (peek().kind != Tok::Word) fail();
    last_unit = next().text;
    IntervalUnit u = interval_unit(last_unit);
    if (u.field < 0) invalid(v);
    return u;
  };
  bool any = false, whole_string = false;
  if (peek().kind == Tok::String && (peek(1).kind != Tok::Word || interval_unit(peek(1).text).field == -1)) {
    // INTERVAL 'text': value/unit pairs inside the string (IntervalUtils.stringToInterval).
    const std::string v = unescape_sql_string(next().text);
    std::vector<std::string> words;
    std::string cur;
    for (char c : v) {
      if (std::isspace(static_cast<unsigned char>(c))) { if (!cur.empty()) words.push_back(cur), cur.clear(); }
      else cur += c;
    }
    if (!cur.empty()) words.push_back(cur);
    size_t k = 0;
    if (k < words.size() && upper(words[k]) == "INTERVAL") ++k;
    if (k == words.size()) invalid(v);
    for (; k < words.size(); k += 2) {
      if (k + 1 >= words.size()) invalid(v);
      IntervalUnit u = interval_unit(words[k + 1]);
      if (u.field < 0) invalid(v);
      std::string num = words[k];
      if (!num.empty() && num[0] == '+') num = num.substr(1);
      add(u, num);
    }
    any = whole_string = true;
  }
  while (!whole_string && (peek().kind == Tok::String || peek().kind == Tok::Number ||
                  (is_op("-") && (peek(1).kind == Tok::Number || peek(1).kind == Tok::String)))) {
    bool neg = is_op("-") && (next(), true);
    const Token& vt = next();
    std::string v = vt.kind == Tok::String ? unescape_sql_string(vt.text) : vt.text;
    if (neg) v = !v.empty() && v[0] == '-' ? v.substr(1) : "-" + v;
    IntervalUnit u = unit_after(v);
    const std::string from_unit = last_unit;
    if (vt.kind == Tok::String && is_kw("TO")) {  // 'y-m' YEAR TO MONTH, 'd hh:mm:ss.f' DAY TO SECOND and the like
      next();
      IntervalUnit e = unit_after(v);
      if (u.ym != e.ym || e.field <= u.field || (!e.ym && e.micros != kUnit[e.field]))
        fail_msg(vt, "_LEGACY_ERROR_TEMP_0028", "Intervals FROM " + lower_ascii(from_unit) + " TO " + lower_ascii(last_unit) + " are not supported.");
      std::string body = v;
      bool sign = !body.empty() && (body[0] == '-' || body[0] == '+');
      bool minus = sign && body[0] == '-';
      if (sign) body = body.substr(1);
      if (u.ym) {  // IntervalUtils.fromYearMonthString: [+|-]y-m
        auto dash = body.find('-');
        if (dash == std::string::npos) invalid(v);
        const std::string y = body.substr(0, dash), m = body.substr(dash + 1);
        auto digits = [](const std::string& x) { return !x.empty() && x.size() <= 10 && x.find_first_not_of("0123456789") == std::string::npos; };
        if (!digits(y) || !digits(m) || std::stoll(m) > 11) invalid(v);
        const int64_t mm = std::stoll(y) * 12 + std::stoll(m);
        if (mm > INT32_MAX) invalid(v);
        months = minus ? -mm : mm;
        ym_lo = 0, ym_hi = 1;
        any = true;
        break;
      }
      std::vector<std::string> parts;
      std::string cur;
      for (size_t k = 0; k < body.size(); ++k) {
        char c = body[k];
        bool sep = (c == ':' ) || (c == ' ' && parts.empty() && u.field == 0);
        if (sep) { parts.push_back(cur); cur.clear(); } else cur += c;
      }
      parts.push_back(cur);
      if (int(parts.size()) != e.field - u.field + 1) invalid(v);
      int64_t us = 0;
      for (size_t k = 0; k < parts.size(); ++k) {
        int f = u.field + int(k);
        auto x = scaled_number(parts[k], kUnit[f]);
        if (!x || (parts[k].find('.') != std::string::npos && f != 3)) invalid(v);
        us += *x;
      }
      total = minus ? -us : us;
      lo = u.field, hi = e.field;
      any = true;
      break;
    }
    any = true;
    add(u, v);
  }
  if (!any) fail();
  if (ym_hi >= 0) {
    if (hi >= 0)
      fail_msg(t, "_LEGACY_ERROR_TEMP_0029",
               "Cannot mix year-month and day-time fields: " + text().substr(t.offset, consumed_end() - t.offset) + ".");
    return lit(Value::of(months), DataType::year_month_interval(ym_lo, ym_hi));
  }
  return lit(Value::of(total), DataType::day_time_interval(lo, hi));
}

ExprPtr Parser::literal_number(const Token& t, bool negative) {
  std::string s = upper(t.text);
  std::string sign = negative ? "-" : "";
  auto range_error = [&](const std::string& type, const std::string& lo, const std::string& hi) {
    // The literal as written without its type suffix (Spark's rawStrippedQualifier).
    std::string raw = t.text;
    if (s.size() > 2 && s.compare(s.size() - 2, 2, "BD") == 0) raw.resize(raw.size() - 2);
    else if (!raw.empty() && std::isalpha(static_cast<unsigned char>(raw.back()))) raw.pop_back();
    fail_msg(t, "INVALID_NUMERIC_LITERAL_RANGE",
             "Numeric literal " + sign + raw + " is outside the valid range for " + type + " with minimum value of " + lo +
                 " and maximum value of " + hi + ". Please adjust the value accordingly.");
  };
  auto ends = [&](const char* suf) { size_t n = std::char_traits<char>::length(suf); return s.size() > n && s.compare(s.size() - n, n, suf) == 0; };
  auto integral = [&](const std::string& digits, int64_t lo, int64_t hi, const char* type, DataType dt) -> ExprPtr {
    errno = 0;
    char* endp = nullptr;
    long long v = std::strtoll((sign + digits).c_str(), &endp, 10);
    if (errno == ERANGE || v < lo || v > hi) range_error(type, std::to_string(lo), std::to_string(hi));
    return lit(Value::of(static_cast<int64_t>(v)), dt);
  };
  auto decimal = [&](const std::string& num) -> ExprPtr {
    // BigDecimal's precision/scale: digits of the unscaled value, digits after the point.
    __int128 u = 0;
    int scale = 0, digits = 0;
    bool frac = false, leading = true;
    for (char c : num) {
      if (c == '.') { frac = true; continue; }
      if (c < '0' || c > '9') break;
      if (frac) ++scale;
      if (leading && c == '0') continue;
      leading = false;
      if (++digits > 38) fail_msg(t, "INVALID_NUMERIC_LITERAL_RANGE", "Decimal literal " + sign + num + " has more than 38 digits.");
      u = u * 10 + (c - '0');
    }
    int precision = std::max(std::max(digits, 1), scale);
    Value v;
    v.v = Value::Decimal{negative ? -u : u};
    return lit(v, DataType::decimal(precision, scale));
  };
  if (ends("BD")) return decimal(s.substr(0, s.size() - 2));
  if (ends("L")) return integral(s.substr(0, s.size() - 1), INT64_MIN, INT64_MAX, "bigint", DataType::long_());
  if (ends("S")) return integral(s.substr(0, s.size() - 1), -32768, 32767, "smallint", DataType::short_());
  if (ends("Y")) return integral(s.substr(0, s.size() - 1), -128, 127, "tinyint", DataType::byte_());
  if (ends("D") || ends("F")) {
    double d = std::strtod((sign + s.substr(0, s.size() - 1)).c_str(), nullptr);
    if (ends("D") && std::isinf(d)) range_error("double", "-1.7976931348623157E+308", "1.7976931348623157E+308");
    // Float.MaxValue as Spark's BigDecimal bound prints it; past it a FLOAT would be infinite.
    if (ends("F") && !(std::fabs(d) <= static_cast<double>(std::numeric_limits<float>::max())))
      range_error("float", "-3.4028234663852886E+38", "3.4028234663852886E+38");
    return lit(Value::of(d), ends("D") ? DataType::double_() : DataType::float_());
  }
  if (s.find('E') != std::string::npos) {
    double d = std::strtod((sign + s).c_str(), nullptr);
    if (std::isinf(d)) range_error("double", "-1.7976931348623157E+308", "1.7976931348623157E+308");
    return lit(Value::of(d), DataType::double_());
  }
  if (s.find('.') != std::string::npos) return decimal(s);
  // Integer: int when it fits, then bigint, then decimal(n, 0).
  std::string digits = s;
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size() - 1));
  if (digits.size() <= 19) {
    errno = 0;
    long long v = std::strtoll((sign + digits).c_str(), nullptr, 10);
    if (errno != ERANGE) {
      if (v >= INT32_MIN && v <= INT32_MAX) return lit(Value::of(static_cast<int64_t>(v)), DataType::int_());
      return lit(Value::of(static_cast<int64_t>(v)), DataType::long_());
    }
  }
  return decimal(digits);
}

ExprPtr Parser::parameter(const Token& t) {
  if (t.kind == Tok::Param) {
    used_named_ = true;
    auto it = args_.named.find(t.text);
    if (it == args_.named.end())
      fail_msg(t, "UNBOUND_SQL_PARAMETER", "Found the unbound parameter: " + t.text +
                                               ". Please, fix `args` and provide a mapping of the parameter to a SQL literal.");
    if (used_positional_) fail_msg(t, "UNSUPPORTED_FEATURE.COMBINATION_QUERY_RESULT_CLAUSES",
                                   "The feature is not supported: named and positional parameters in one query.");
    return it->second;
  }
  used_positional_ = true;
  if (used_named_) fail_msg(t, "UNSUPPORTED_FEATURE", "The feature is not supported: named and positional parameters in one query.");
  if (next_positional_ >= args_.positional.size())
    fail_msg(t, "UNBOUND_SQL_PARAMETER", "Found the unbound parameter: _" + std::to_string(t.offset) +
                                             ". Please, fix `args` and provide a mapping of the parameter to a SQL literal.");
  return args_.positional[next_positional_++];
}

ExprPtr Parser::case_expression() {
  // CASE [operand] WHEN c THEN v … [ELSE e] END -> when(c1, v1, c2, v2, …[, e]); the simple
  // form compares the operand with each WHEN value (operand = value), as Spark's parser does.
  ExprPtr operand;
  if (!is_kw("WHEN")) operand = expression();
  ExprList args;
  if (!is_kw("WHEN")) fail();
  while (accept_kw("WHEN")) {
    ExprPtr c = expression();
    args.push_back(operand ? make_fn("==", {operand, c}) : c);
    expect_kw("THEN");
    args.push_back(expression());
  }
  if (accept_kw("ELSE")) args.push_back(expression());
  expect_kw("END");
  return make_fn("when", args);
}

ExprPtr Parser::function_call(std::vector<std::string> name, const Token& start) {
  expect_op("(");
  std::string fname;
  for (size_t k = 0; k < name.size(); ++k) fname += (k ? "." : "") + name[k];
  bool distinct = false;
  if (accept_kw("DISTINCT")) distinct = true;
  else accept_kw("ALL");
  ExprList args;
  if (!is_op(")")) {
    do {
      if (is_op("*") && (is_op(")", 1) || is_op(",", 1))) {
        next();
        args.push_back(star_expr());
        continue;
      }
      args.push_back(expression());
    } while (accept_op(","));
  }
  expect_op(")");
  if (is_kw("IGNORE") && is_kw("NULLS", 1)) { next(); next(); args.push_back(lit_bool(true)); }
  else if (is_kw("RESPECT") && is_kw("NULLS", 1)) { next(); next(); }
  if (is_kw("FILTER") && is_op("(", 1)) unsupported(peek(), "aggregate FILTER clauses");
  if (is_kw("WITHIN")) unsupported(peek(), "WITHIN GROUP");
  (void)start;
  // AstBuilder.visitFunctionCall: COUNT(*) is COUNT(1) from the start ('count(1) in parsed plans)
  if (!distinct && args.size() == 1 && args[0]->kind == ExprKind::UnresolvedStar && args[0]->name_parts.empty() &&
      lower_ascii(fname) == "count")
    args[0] = lit_int(1);
  auto fn = std::make_shared<Expr>(*unresolved_fn(fname, args, distinct));
  fn->ordinal = kCalledByName;  // prints 'name(args), as called
  if (accept_kw("OVER")) return window_spec(fn);
  return fn;
}

ExprPtr Parser::postfix(ExprPtr e) {
  for (size_t levels = 0;; ++levels) {
    if (levels > kMaxTreeDepth) too_complex();  // x[0][0]…: the tree deepens without recursion
    if (accept_op("[")) {
      ExprPtr k = value_expression(0);
      expect_op("]");
      auto x = std::make_shared<Expr>();
      x->kind = ExprKind::UnresolvedExtractValue;
      x->children = {e, k};
      e = x;
    } else if (is_op(".") && (peek(1).kind == Tok::Word || peek(1).kind == Tok::Quoted)) {
      next();
      std::string f = next().text;
      if (e->kind == ExprKind::UnresolvedAttribute) {  // a.b.c stays one name (resolved later)
        // Copied once and extended while the dotted name lasts (a copy per part was quadratic).
        auto x = std::make_shared<Expr>(*e);
        x->name_parts.push_back(f);
        while (is_op(".") && (peek(1).kind == Tok::Word || peek(1).kind == Tok::Quoted)) {
          next();
          x->name_parts.push_back(next().text);
        }
        e = x;
        continue;  // a name, not a level of the tree
      } else {
        auto x = std::make_shared<Expr>();
        x->kind = ExprKind::UnresolvedExtractValue;
        x->children = {e, lit_string(f)};
        e = x;
      }
    } else if (accept_op("::")) {
      e = cast(e, data_type(), true);
    } else {
      return e;
    }
  }
}

ExprPtr Parser::primary() {
  const Token& t = peek();
  switch (t.kind) {
    case Tok::End: fail();
    case Tok::Number: next(); return postfix(literal_number(t, false));
    case Tok::String: {
      std::string v;
      while (peek().kind == Tok::String) {
        const Token& s = next();
        v += s.raw[0] == 'r' || s.raw[0] == 'R' ? s.text : unescape_sql_string(s.text);
      }
      return postfix(lit_string(v));
    }
    case Tok::Param: case Tok::QMark: next(); return postfix(parameter(t));
    case Tok::Op:
      if (t.text == "-" && peek(1).kind == Tok::Number) { next(); const Token& n = next(); return postfix(literal_number(n, true)); }
      if (t.text == "*") { next(); return star_expr(); }
      if (t.text == "(") {
        // `(x, y) -> body`: a lambda (Spark's grammar wants two or more names in parentheses).
        size_t k = 1;
        while ((peek(k).kind == Tok::Word || peek(k).kind == Tok::Quoted) && is_op(",", k + 1)) k += 2;
        if (k > 1 && (peek(k).kind == Tok::Word || peek(k).kind == Tok::Quoted) && is_op(")", k + 1) && is_op("->", k + 2)) {
          next();
          std::vector<std::string> names;
          do names.push_back(next().text); while (accept_op(","));
          expect_op(")");
          expect_op("->");
          return unbound_lambda(expression(), names);
        }
        next();
        if (is_kw("SELECT") || is_kw("WITH") || is_kw("VALUES")) {
          PlanPtr q = query();
          expect_op(")");
          return postfix(subquery_expr(ExprKind::ScalarSubquery, q));
        }
        ExprPtr e = expression();
        if (is_op(",")) {  // (a, b): a struct, as Spark's parser makes it (CreateStruct)
          ExprList items{e};
          while (accept_op(",")) items.push_back(expression());
          expect_op(")");
          return postfix(row_constructor(items));
        }
        expect_op(")");
        return postfix(e);
      }
      fail();
    case Tok::Quoted: case Tok::Word: break;
  }
  if (t.kind == Tok::Word) {
    std::string w = upper(t.text);
    if (w == "NULL") { next(); return postfix(lit_null()); }
    if (w == "TRUE" || w == "FALSE") { next(); return postfix(lit_bool(w == "TRUE")); }
    if (w == "CASE") { next(); return postfix(case_expression()); }
    if ((w == "CAST" || w == "TRY_CAST") && is_op("(", 1)) {
      next();
      next();
      ExprPtr e = expression();
      expect_kw("AS");
      const Token& ts = peek();
      std::string tt = type_text_until_close();
      auto dt = parse_ddl_type(tt);
      if (!dt) fail_msg(ts, "UNSUPPORTED_DATATYPE", "Unsupported data type \"" + upper(tt) + "\".");
      expect_op(")");
      if (w == "TRY_CAST") {  // a Cast named try_cast: NULL where CAST would fail (EvalMode.TRY)
        auto c = std::make_shared<Expr>(*cast(e, *dt, true));
        c->name = "try_cast";
        return postfix(c);
      }
      return postfix(cast(e, *dt, true));
    }
    if (w == "X" && peek(1).kind == Tok::String && peek(1).offset == t.end) {
      next();
      const Token& s = next();
      std::string hex = s.text, bytes;
      if (hex.size() % 2) hex = "0" + hex;
      for (size_t k = 0; k < hex.size(); k += 2) {
        if (!std::isxdigit(static_cast<unsigned char>(hex[k])) || !std::isxdigit(static_cast<unsigned char>(hex[k + 1])))
          fail_msg(t, "INVALID_TYPED_LITERAL", "The value of the typed literal \"X\" is invalid: '" + s.text + "'.");
        bytes += static_cast<char>(std::stoi(hex.substr(k, 2), nullptr, 16));
      }
      return postfix(lit(Value::of(bytes), DataType::binary()));
    }
    if (w == "INTERVAL" && (peek(1).kind == Tok::String || peek(1).kind == Tok::Number || is_op("-", 1))) {
      next();
      return postfix(interval_literal(t));
    }
    if ((w == "DATE" || w == "TIMESTAMP" || w == "TIMESTAMP_NTZ" || w == "TIMESTAMP_LTZ") && peek(1).kind == Tok::String) {
      next();
      const Token& s = next();
      std::string v = unescape_sql_string(s.text);
      if (w == "TIMESTAMP" || w == "TIMESTAMP_LTZ")  // read in the session zone when it runs (fn_dates.cpp)
        return postfix(make_fn("timestamp_literal", {lit_string(v)}));
      if (w == "TIMESTAMP_NTZ") {  // a wall-clock time: a literal, as Spark's parser makes it
        if (auto us = parse_timestamp_ntz(v)) return postfix(lit(Value::of(*us), DataType::timestamp_ntz()));
        auto c = std::make_shared<Expr>();  // other forms: the string cast (folded) to TIMESTAMP_NTZ
        c->kind = ExprKind::Cast;
        c->type = DataType::timestamp_ntz();
        c->children = {lit_string(v)};
        return postfix(c);
      }
      if (w != "DATE") unsupported(t, w + " literals");
      auto d = parse_date(v);
      if (!d) fail_msg(t, "INVALID_TYPED_LITERAL", "The value of the typed literal \"DATE\" is invalid: '" + v + "'.");
      return postfix(lit(Value::of(*d), DataType::date()));
    }
    if (w == "INTERVAL") unsupported(t, "this INTERVAL literal");
    if (w == "EXTRACT" && is_op("(", 1)) {  // EXTRACT(field FROM source)
      next();
      next();
      if (peek().kind != Tok::Word && peek().kind != Tok::Quoted) fail();
      std::string field = next().text;
      expect_kw("FROM");
      ExprPtr src = expression();
      expect_op(")");
      return postfix(make_fn("extract", {lit_string(field), src}));
    }
    if ((w == "LEFT" || w == "RIGHT") && is_op("(", 1)) { next(); return postfix(function_call({t.text}, t)); }
    // filter(arr, x -> …) and window(ts, '10 minutes') are functions (WINDOW is a clause keyword
    // only before a name).
    if (reserved(t) && !((w == "FILTER" || w == "WINDOW") && is_op("(", 1))) fail();
  }
  // A name: function call, qualified star, or column reference.
  std::vector<std::string> parts{next().text};
  while (is_op(".") && (peek(1).kind == Tok::Word || peek(1).kind == Tok::Quoted) && !is_op("(", 2)) {
    next();
    parts.push_back(next().text);
  }
  if (is_op(".") && is_op("*", 1)) {
    next();
    next();
    auto s = std::make_shared<Expr>();
    s->kind = ExprKind::UnresolvedStar;
    s->name_parts = parts;
    return s;
  }
  if (is_op("(")) return postfix(function_call(parts, t));
  if (is_op(".") && peek(1).kind == Tok::Word && is_op("(", 2)) {
    next();
    parts.push_back(next().text);
    return postfix(function_call(parts, t));
  }
  if (is_op("->") && parts.size() == 1) {  // `x -> body`
    next();
    return unbound_lambda(expression(), parts);
  }
  return postfix(unresolved_attr(parts));
}

ExprPtr Parser::named_expression() {
  ExprPtr e = expression();
  if (accept_kw("AS")) {
    if (accept_op("(")) {
      auto m = std::make_shared<Expr>();
      m->kind = ExprKind::MultiAlias;
      do m->name_parts.push_back(identifier()); while (accept_op(","));
      expect_op(")");
      m->children = {e};
      return m;
    }
    if (peek().kind == Tok::String) return alias(e, unescape_sql_string(next().text), ids_.next());
    if (peek().kind != Tok::Word && peek().kind != Tok::Quoted) fail();
    return alias(e, next().text, ids_.next());
  }
  if (at_identifier()) return alias(e, next().text, ids_.next());
  return e;
}

ExprList Parser::named_expression_list() {
  ExprList out{named_expression()};
  while (accept_op(",")) out.push_back(named_expression());
  return out;
}

}  // namespace spp::sql::parser
