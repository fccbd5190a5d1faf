// Expression nodes: constructors, generic rewrites, and Spark's printed forms.
#include "sql/plan/expr.h"

#include "sql/kernels/cast.h"
#include "sql/plan/lambda.h"
#include "sql/plan/fn_names.h"
#include "sql/plan/logical.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>

namespace spp::sql {

bool Value::operator==(const Value& o) const {
  if (v.index() != o.v.index()) return false;
  if (auto* d = std::get_if<Decimal>(&v)) return d->unscaled == std::get<Decimal>(o.v).unscaled;
  if (auto* d = std::get_if<double>(&v)) {
    double b = std::get<double>(o.v);
    return (*d == b) || (std::isnan(*d) && std::isnan(b));
  }
  return v == o.v;
}

// Java's Double.toString: shortest digits, plain in [1e-3, 1e7), else d.dddE<exp>.
static std::string java_double(double d, bool is_float) {
  if (std::isnan(d)) return "NaN";
  // A FLOAT holding a double past its range prints as the float it is (to_chars would say "inf").
  if (std::isinf(d) || (is_float && std::isinf(static_cast<float>(d)))) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  char buf[64];
  auto r = is_float ? std::to_chars(buf, buf + sizeof buf, static_cast<float>(d), std::chars_format::scientific)
                    : std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string s(buf, r.ptr);  // e.g. "-1.2345e+07"
  bool neg = s[0] == '-';
  if (neg) s.erase(0, 1);
  size_t e = s.find('e');
  int exp = std::stoi(s.substr(e + 1));
  std::string digits = s.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  std::string out;
  double a = std::fabs(d);
  if (a >= 1e-3 && a < 1e7) {
    if (exp >= 0) {
      std::string ip = digits.substr(0, std::min<size_t>(digits.size(), exp + 1));
      while (ip.size() < static_cast<size_t>(exp + 1)) ip += '0';
      std::string fp = digits.size() > static_cast<size_t>(exp + 1) ? digits.substr(exp + 1) : "0";
      out = ip + "." + fp;
    } else {
      out = "0." + std::string(-exp - 1, '0') + digits;
    }
  } else {
    std::string fp = digits.size() > 1 ? digits.substr(1) : "0";
    out = digits.substr(0, 1) + "." + fp + "E" + std::to_string(exp);
  }
  return neg ? "-" + out : out;
}

static std::string i128_to_string(__int128 v) {
  if (v == 0) return "0";
  bool neg = v < 0;
  unsigned __int128 u = neg ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  std::string s;
  while (u) { s += static_cast<char>('0' + static_cast<int>(u % 10)); u /= 10; }
  if (neg) s += '-';
  return {s.rbegin(), s.rend()};
}

static std::string decimal_string(__int128 unscaled, int scale) {
  std::string s = i128_to_string(unscaled < 0 ? -unscaled : unscaled);
  if (scale > 0) {
    if (s.size() <= static_cast<size_t>(scale)) s = std::string(scale - s.size() + 1, '0') + s;
    s.insert(s.size() - scale, ".");
  }
  return (unscaled < 0 ? "-" : "") + s;
}

// Howard Hinnant's civil_from_days.
static std::string date_string(int64_t days) {
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y), static_cast<long long>(m),
                static_cast<long long>(d));
  return buf;
}

static std::string timestamp_string(int64_t us) {
  int64_t days = us >= 0 ? us / 86400000000LL : -((-us + 86400000000LL - 1) / 86400000000LL);
  int64_t rem = us - days * 86400000000LL;
  char buf[96];
  std::snprintf(buf, sizeof buf, " %02lld:%02lld:%02lld", static_cast<long long>(rem / 3600000000LL),
                static_cast<long long>(rem / 60000000LL % 60), static_cast<long long>(rem / 1000000 % 60));
  std::string s = date_string(days) + buf;
  if (int64_t f = rem % 1000000) {
    std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(f));
    std::string frac = buf;
    while (frac.back() == '0') frac.pop_back();
    s += frac;
  }
  return s;
}

std::string value_to_string(const Value& v, const DataType& t) {
  if (v.is_null()) return "null";
  switch (t.id) {
    case TypeId::Boolean: return v.as_bool() ? "true" : "false";
    case TypeId::Float: return java_double(v.as_double(), true);
    case TypeId::Double: return java_double(v.as_double(), false);
    case TypeId::Decimal: return decimal_string(std::get<Value::Decimal>(v.v).unscaled, t.scale);
    case TypeId::String: case TypeId::Binary: return v.as_string();
    case TypeId::Date: return date_string(v.as_int());
    case TypeId::Timestamp: case TypeId::TimestampNtz: return timestamp_string(v.as_int());  // UTC
    case TypeId::DayTimeInterval: return kern::day_time_interval_string(v.as_int(), t.precision, t.interval_end());
    case TypeId::YearMonthInterval: return kern::year_month_interval_string(int32_t(v.as_int()), t.precision, t.interval_end());
    case TypeId::Array: {
      std::string s = "[";
      const auto& a = std::get<Value::Array>(v.v);
      for (size_t i = 0; i < a.size(); ++i) s += (i ? ", " : "") + value_to_string(a[i], t.element());
      return s + "]";
    }
    default:
      if (auto* i = std::get_if<int64_t>(&v.v)) return std::to_string(*i);
      return "?";
  }
}

// ---- resolution / properties ----

bool Expr::resolved() const {
  switch (kind) {
    case ExprKind::UnresolvedAttribute: case ExprKind::UnresolvedStar: case ExprKind::UnresolvedFunction:
    case ExprKind::UnresolvedExtractValue: case ExprKind::UnresolvedAlias: case ExprKind::ExpressionString:
    case ExprKind::MultiAlias:  // never resolved: ExtractGenerator replaces it with a Generate
      return false;
    case ExprKind::WindowExpr:  // ResolveWindowFrame gives every window a frame
      if (frame.type == FrameType::Unspecified) return false;
      [[fallthrough]];
    default:
      if (is_subquery_expr(*this) && (!plan || !plan->resolved() || id < 0)) return false;
      for (const auto& c : children) if (!c->resolved()) return false;
      return true;
  }
}

ExprList Expr::window_partition() const {
  return ExprList(children.begin() + 1, children.begin() + 1 + ordinal);
}

ExprList Expr::window_order() const { return ExprList(children.begin() + 1 + ordinal, children.end()); }

bool is_window_function_name(const std::string& n) {
  return n == "row_number" || n == "rank" || n == "dense_rank" || n == "percent_rank" || n == "cume_dist" ||
         n == "ntile" || n == "lag" || n == "lead" || n == "nth_value";
}

static std::string bound_sql(const FrameBound& b) {
  switch (b.kind) {
    case FrameBound::Kind::UnboundedPreceding: return "UNBOUNDED PRECEDING";
    case FrameBound::Kind::UnboundedFollowing: return "UNBOUNDED FOLLOWING";
    case FrameBound::Kind::CurrentRow: return "CURRENT ROW";
    case FrameBound::Kind::Offset:  // Spark: UnaryMinus(n) -> `n PRECEDING`, any other value `v FOLLOWING`
      if (b.minus) return std::to_string(-b.offset) + " PRECEDING";
      return std::to_string(b.offset) + (b.long_literal ? "L" : "") + " FOLLOWING";
  }
  return "?";
}

static std::string bound_string(const FrameBound& b) {
  switch (b.kind) {
    case FrameBound::Kind::UnboundedPreceding: return "unboundedpreceding$()";
    case FrameBound::Kind::UnboundedFollowing: return "unboundedfollowing$()";
    case FrameBound::Kind::CurrentRow: return "currentrow$()";
    case FrameBound::Kind::Offset: return b.offset < 0 ? "-" + std::to_string(-b.offset) : std::to_string(b.offset);
  }
  return "?";
}

std::string WindowFrame::sql() const {
  if (type == FrameType::Unspecified) return "";
  return std::string(type == FrameType::Rows ? "ROWS" : "RANGE") + " BETWEEN " + bound_sql(lower) + " AND " +
         bound_sql(upper);
}

std::string WindowFrame::to_string() const {
  if (type == FrameType::Unspecified) return "unspecifiedframe$()";
  return std::string("specifiedwindowframe(") + (type == FrameType::Rows ? "RowFrame" : "RangeFrame") + ", " +
         bound_string(lower) + ", " + bound_string(upper) + ")";
}

// Spark's WindowSpecDefinition.sql / toString around the function's.
static std::string window_sql(const Expr& w) {
  std::vector<std::string> parts;
  auto list = [](const ExprList& es, const char* prefix) {
    std::string s = prefix;
    for (size_t i = 0; i < es.size(); ++i) s += (i ? ", " : "") + es[i]->sql();
    return s;
  };
  if (w.ordinal > 0) parts.push_back(list(w.window_partition(), "PARTITION BY "));
  if (size_t(w.ordinal) + 1 < w.children.size()) parts.push_back(list(w.window_order(), "ORDER BY "));
  if (w.frame.type != FrameType::Unspecified) parts.push_back(w.frame.sql());
  std::string s = w.window_function()->sql() + " OVER (";
  for (size_t i = 0; i < parts.size(); ++i) s += (i ? " " : "") + parts[i];
  return s + ")";
}

static std::string window_string(const Expr& w) {
  std::string s = w.window_function()->to_string() + " windowspecdefinition(";
  for (size_t i = 1; i < w.children.size(); ++i) s += w.children[i]->to_string() + ", ";
  return s + w.frame.to_string() + ")";
}

static bool nondeterministic_fn(const std::string& n) {
  return n == "monotonically_increasing_id" || n == "rand" || n == "randn" || n == "rand_unseeded" ||
         n == "randn_unseeded" || n == "spark_partition_id" ||
         n == "input_file_name" || n == "input_file_block_start" || n == "input_file_block_length" || n == "uuid" ||
         n == "shuffle" || n == "scalar_subquery_check";
}

bool Expr::deterministic() const {
  if (kind == ExprKind::PythonUDF && python && !python->deterministic) return false;
  if ((kind == ExprKind::Call || kind == ExprKind::UnresolvedFunction) && nondeterministic_fn(name)) return false;
  if (kind == ExprKind::AggCall && (name == "first" || name == "last" || name == "collect_list" || name == "collect_set"))
    return false;
  for (const auto& c : children) if (!c->deterministic()) return false;
  return true;
}

bool Expr::foldable() const {
  switch (kind) {
    case ExprKind::Literal: return true;
    case ExprKind::Cast: case ExprKind::Alias: return children[0]->foldable();
    case ExprKind::Call:
      if (!foldable_node()) return false;
      for (const auto& c : children) if (!c->foldable()) return false;
      return true;
    default: return false;
  }
}

bool Expr::foldable_node() const {
  switch (kind) {
    case ExprKind::Literal: case ExprKind::Cast: case ExprKind::Alias: return true;
    case ExprKind::Call:
      // Only this call's own determinism: foldable children are deterministic already, and
      // asking deterministic() of the whole subtree at every level made a chain of n calls
      // (`'a' || 'a' || ...`) cost n^3 in constant folding (900 terms: over 10 minutes).
      // RaiseError is never foldable (assert_true is If(cond, NULL, RaiseError(msg))).
      return !(nondeterministic_fn(name) || name == "current_date" || name == "curdate" || name == "raise_error" ||
               name == "assert_true" || is_generator_name(name));
    default: return false;
  }
}

ExprPtr Expr::with_children(ExprList c) const {
  auto e = std::make_shared<Expr>(*this);
  e->children = std::move(c);
  return e;
}

bool is_generator_name(const std::string& n) {
  return n == "explode" || n == "explode_outer" || n == "posexplode" || n == "posexplode_outer" || n == "inline" ||
         n == "inline_outer" || n == "stack" || n == "json_tuple";
}

// ---- printing ----

std::string attr_suffix(const Expr& a) {
  return "#" + std::to_string(a.id) + (a.type.id == TypeId::Long ? "L" : "");
}

static const char* infix_op(const std::string& n) {
  static const char* ops[] = {"+", "-", "*", "/", "%", "div", "=", "<=>", "<", "<=", ">", ">=", "&", "|", "^"};
  for (const char* o : ops) if (n == o) return o;
  if (n == "and") return "AND";
  if (n == "or") return "OR";
  return nullptr;
}

// Display names differing from the canonical name (Spark's prettyName).
static std::string pretty_name(const std::string& n) {
  if (const char* d = library_display_name(n)) return d;
  if (n == "sqrt") return "SQRT";
  if (n == "power") return "POWER";
  if (n == "rlike") return "RLIKE";
  if (n == "spark_partition_id") return "SPARK_PARTITION_ID";
  return n;
}

// Renders a call with children already rendered as `args` (shared by sql() and to_string()).
static std::string render_call(const Expr& e, const std::vector<std::string>& a, bool pretty) {
  const std::string& n = e.name;
  if (const char* op = infix_op(n); op && a.size() == 2) return "(" + a[0] + " " + op + " " + a[1] + ")";
  if (n == "negative" && e.ordinal == 1) return "negative(" + a[0] + ")";
  if (n == "negative") return pretty ? "(- " + a[0] + ")" : "-" + a[0];
  if (n == "positive") return "(+ " + a[0] + ")";
  if (n == "not") return pretty ? "(NOT " + a[0] + ")" : "NOT " + a[0];
  if (n == "isnull") return pretty ? "(" + a[0] + (e.ordinal == kIsUnknown ? " IS UNKNOWN)" : " IS NULL)") : "isnull(" + a[0] + ")";
  if (n == "isnotnull")
    return pretty ? "(" + a[0] + (e.ordinal == kIsUnknown ? " IS NOT UNKNOWN)" : " IS NOT NULL)") : "isnotnull(" + a[0] + ")";
  if (n == "like") return a[0] + " LIKE " + a[1];
  if (auto s = library_render(n, a)) return *s;
  if (n == "get_item") return a[0] + "[" + a[1] + "]";
  if (n == "in") {
    std::string s = (pretty ? "(" : "") + a[0] + " IN (";
    for (size_t i = 1; i < a.size(); ++i) s += (i > 1 ? (pretty ? ", " : ",") : "") + a[i];
    return s + (pretty ? "))" : ")");
  }
  if (n == "casewhen") {
    std::string s = "CASE";
    size_t i = 0;
    for (; i + 1 < a.size(); i += 2) s += " WHEN " + a[i] + " THEN " + a[i + 1];
    if (i < a.size()) s += " ELSE " + a[i];
    return s + " END";
  }
  std::string s = pretty_name(n) + "(";
  if (e.distinct) s += pretty ? "DISTINCT " : "distinct ";
  for (size_t i = 0; i < a.size(); ++i) s += (i ? ", " : "") + a[i];
  return s + ")";
}

// What an ImperativeAggregate's toString adds after its arguments in plans (never in names):
// its mutableAggBufferOffset and inputAggBufferOffset, 0 until planned, then Percentile's
// `reverse` (`collect_list(v#1, 0, 0)`, `percentile(v#1, 0.5, 1, 0, 0, false)`).
static std::string imperative_offsets(const std::string& n) {
  static const std::set<std::string> offsets = {
      "collect_list", "collect_set", "percentile_approx", "approx_percentile", "hll_sketch_agg", "hll_union_agg",
      "bloom_filter_agg", "approx_count_distinct", "mode", "histogram_numeric", "count_min_sketch",
      "bitmap_construct_agg", "bitmap_or_agg"};
  if (n == "percentile") return ", 0, 0, false";
  return offsets.count(n) ? ", 0, 0" : "";
}

// A collect wrapper (fn_names.h) as Spark names it: the aggregate's own arguments (a struct's
// fields for max_by/min_by) in place of the aggregate, then the wrapper's visible arguments.
static std::optional<std::string> wrapper_render(const Expr& e, bool pretty) {
  if (e.kind != ExprKind::Call || !is_collect_wrapper(e.name) || e.children.empty() ||
      e.children[0]->kind != ExprKind::AggCall || e.children[0]->children.empty())
    return std::nullopt;
  auto show = [&](const Expr& x) { return pretty ? x.sql() : x.to_string(); };
  std::vector<const Expr*> args;
  const Expr& in = *e.children[0]->children[0];
  const Expr* x = &in;
  while (x->kind == ExprKind::Cast && !x->user_cast) x = x->children[0].get();
  if ((e.name == "max_by" || e.name == "min_by" || e.name.rfind("regr_", 0) == 0) && x->kind == ExprKind::Call &&
      x->name == "struct")
    for (const auto& c : x->children) args.push_back(c.get());
  else
    args.push_back(pretty ? &in : x);
  if (e.name != "approx_count_distinct" || !pretty)  // its relativeSD shows in plans, not names
    for (size_t k = 1; k < e.children.size(); ++k) args.push_back(e.children[k].get());
  std::string s = e.name + "(" + (e.distinct ? (pretty ? "DISTINCT " : "distinct ") : "");
  for (size_t i = 0; i < args.size(); ++i) s += (i ? ", " : "") + show(*args[i]);
  if (!pretty) s += imperative_offsets(e.name);
  return s + ")";
}

// `name(a, b)`: how Spark prints a Python UDF call, in both forms.
static std::string plain_call(const std::string& name, const ExprList& args, bool pretty) {
  std::string s = name + "(";
  for (size_t i = 0; i < args.size(); ++i) s += (i ? ", " : "") + (pretty ? args[i]->sql() : args[i]->to_string());
  return s + ")";
}

static std::string upper_hex(const std::string& b) {
  static const char* hex = "0123456789ABCDEF";
  std::string s;
  for (unsigned char ch : b) {
    s += hex[ch >> 4];
    s += hex[ch & 15];
  }
  return s;
}

// Spark's Literal.sql: binary as X'..' (the column name); toString prints 0x.. (plans).
static std::string literal_sql(const Expr& e) {
  if (e.value.is_null()) return "NULL";
  if (e.type.id == TypeId::Binary) return "X'" + upper_hex(e.value.as_string()) + "'";
  if (e.type.id == TypeId::Date) return "DATE '" + value_to_string(e.value, e.type) + "'";
  if ((e.type.id == TypeId::DayTimeInterval || e.type.id == TypeId::YearMonthInterval) && !e.value.is_null())
    return value_to_string(e.value, e.type);
  if (e.type.id == TypeId::Timestamp) return "TIMESTAMP '" + value_to_string(e.value, e.type) + "'";
  if (e.type.id == TypeId::TimestampNtz) return "TIMESTAMP_NTZ '" + value_to_string(e.value, e.type) + "'";
  return value_to_string(e.value, e.type);
}

// The struct field name of the i-th value of a multi-column IN (Spark's InSubquery.value).
static std::string value_field_name(const Expr& v, size_t i) {
  if (v.kind == ExprKind::Attribute || v.kind == ExprKind::Alias) return v.name;
  if (v.kind == ExprKind::UnresolvedAttribute && !v.name_parts.empty()) return v.name_parts.back();
  return "_" + std::to_string(i);
}

// Spark's SubqueryExpression forms: `scalar-subquery#12 [k#1L]` (toString, the outer
// attributes in brackets) and `scalarsubquery(k)` (sql, the auto-generated column name).
static std::string subquery_string(const Expr& e, bool sql) {
  const char* n = e.kind == ExprKind::ScalarSubquery ? (sql ? "scalarsubquery" : "scalar-subquery")
                  : e.kind == ExprKind::Exists         ? "exists"
                                                       : (sql ? "listquery" : "list");
  auto outer = subquery_outer_attrs(e);
  std::string s = std::string(n) + (sql ? "(" : "#" + std::to_string(e.id) + " [");
  for (size_t i = 0; i < outer.size(); ++i) s += (i ? (sql ? ", " : ",") : "") + (sql ? outer[i]->sql() : outer[i]->to_string());
  return s + (sql ? ")" : "]");
}

std::string Expr::sql() const {
  std::vector<std::string> a;
  switch (kind) {
    case ExprKind::UnresolvedAttribute: case ExprKind::UnresolvedStar: {
      std::string s;
      for (size_t i = 0; i < name_parts.size(); ++i) s += (i ? "." : "") + name_parts[i];
      return kind == ExprKind::UnresolvedStar ? (s.empty() ? "*" : s + ".*") : s;
    }
    case ExprKind::Attribute:
      if (is_lambda_var(*this)) return "namedlambdavariable()";  // NamedLambdaVariable has no sql of its own
      return name;  // PrettyAttribute: the bare name
    case ExprKind::Literal: return literal_sql(*this);
    case ExprKind::Alias: return children[0]->sql() + " AS " + quote_if_needed(name);
    case ExprKind::UnresolvedAlias: return children[0]->sql();
    case ExprKind::MultiAlias: {
      std::string s = children[0]->sql() + " AS (";
      for (size_t i = 0; i < name_parts.size(); ++i) s += (i ? ", " : "") + quote_if_needed(name_parts[i]);
      return s + ")";
    }
    case ExprKind::Cast:
      if (!user_cast) return children[0]->sql();  // auto-inserted casts are not in names (3.2+)
      return (name == "try_cast" ? "TRY_CAST(" : "CAST(") + children[0]->sql() + " AS " + type.sql() + ")";
    case ExprKind::SortOrder:
      return children[0]->sql() + (ascending ? " ASC" : " DESC") + (nulls_first ? " NULLS FIRST" : " NULLS LAST");
    case ExprKind::GetField: return children[0]->sql() + "." + name;
    case ExprKind::ExpressionString: return name;
    case ExprKind::UnresolvedExtractValue: return children[0]->sql() + "[" + children[1]->sql() + "]";
    case ExprKind::WindowExpr: return window_sql(*this);
    case ExprKind::PythonUDF: return plain_call(name, children, true);
    case ExprKind::OuterReference: return children[0]->sql();
    case ExprKind::ScalarSubquery: case ExprKind::Exists: return subquery_string(*this, true);
    case ExprKind::InSubquery: {
      auto v = subquery_values(*this);
      std::string s = v.size() == 1 ? v[0]->sql() : "named_struct(";
      for (size_t i = 0; v.size() > 1 && i < v.size(); ++i)
        s += (i ? ", " : "") + std::string("'") + value_field_name(*v[i], i) + "', " + v[i]->sql();
      if (v.size() > 1) s += ")";
      return "(" + s + " IN (" + subquery_string(*this, true) + "))";
    }
    case ExprKind::UnresolvedFunction: case ExprKind::Call: case ExprKind::AggCall:
      // RankLike.sql: RANK(), DENSE_RANK(), PERCENT_RANK() (their children are the window's order)
      if (kind == ExprKind::Call && (name == "rank" || name == "dense_rank" || name == "percent_rank")) {
        std::string u = name;
        for (auto& ch : u) ch = char(std::toupper(static_cast<unsigned char>(ch)));
        return u + "()";
      }
      if (auto w = wrapper_render(*this, true)) return *w;
      for (const auto& c : children) a.push_back(c->sql());
      return render_call(*this, a, true);
  }
  return "?";
}

std::string Expr::to_string() const {
  std::vector<std::string> a;
  switch (kind) {
    case ExprKind::UnresolvedAttribute: {
      std::string s = "'";
      for (size_t i = 0; i < name_parts.size(); ++i) s += (i ? "." : "") + name_parts[i];
      return s;
    }
    case ExprKind::UnresolvedStar: return sql();
    case ExprKind::Attribute: return (is_lambda_var(*this) ? "lambda " : "") + name + attr_suffix(*this);
    case ExprKind::Literal:
      if (type.id == TypeId::Binary && !value.is_null()) return "0x" + upper_hex(value.as_string());
      return value_to_string(value, type);
    case ExprKind::Alias: return children[0]->to_string() + " AS " + name + attr_suffix(*this);
    case ExprKind::UnresolvedAlias: return "unresolvedalias(" + children[0]->to_string() + ", None)";
    case ExprKind::MultiAlias: {  // MultiAlias.toString: names.mkString("(", ", ", ")")
      std::string s = children[0]->to_string() + " AS (";
      for (size_t i = 0; i < name_parts.size(); ++i) s += (i ? ", " : "") + name_parts[i];
      return s + ")";
    }
    case ExprKind::Cast:  // TRY_CAST is a Cast named try_cast
      return (name == "try_cast" ? "try_cast(" : "cast(") + children[0]->to_string() + " as " + type.simple_string() + ")";
    case ExprKind::SortOrder:
      return children[0]->to_string() + (ascending ? " ASC" : " DESC") + (nulls_first ? " NULLS FIRST" : " NULLS LAST");
    case ExprKind::GetField: return children[0]->to_string() + "." + name;
    case ExprKind::ExpressionString: return "'" + name;
    case ExprKind::UnresolvedExtractValue: return children[0]->to_string() + "[" + children[1]->to_string() + "]";
    case ExprKind::UnresolvedFunction: {
      if (is_unbound_lambda(*this) && ordinal != kCalledByName) {
        // Spark's parser makes every column named in the body, and each argument, an
        // UnresolvedNamedLambdaVariable (`lambda 'x`): lambdafunction((lambda 'x + 1), lambda 'x, false)
        auto var = [](const ExprPtr& e) {
          return transform_up(e, [](const ExprPtr& x) -> ExprPtr {
            if (x->kind != ExprKind::UnresolvedAttribute) return nullptr;
            std::string n;
            for (size_t i = 0; i < x->name_parts.size(); ++i) n += (i ? "." : "") + x->name_parts[i];
            return lit_string("lambda '" + n);  // a string literal prints as its bare text
          });
        };
        std::string s = "lambdafunction(";
        for (const auto& c : children) s += var(c)->to_string() + ", ";
        return s + "false)";
      }
      if (ordinal == kRowConstructor) {  // CreateNamedStruct: a column's name is NamePlaceholder until resolved
        std::string s = "named_struct(";
        for (size_t i = 0; i + 1 < children.size(); i += 2)
          s += (i ? ", " : "") +
               (children[i + 1]->kind == ExprKind::UnresolvedAttribute ? std::string("NamePlaceholder") : children[i]->to_string()) +
               ", " + children[i + 1]->to_string();
        return s + ")";
      }
      for (const auto& c : children) a.push_back(c->to_string());
      if (ordinal != kCalledByName && !distinct)
        if (auto s = unresolved_class_render(name, a)) return *s;
      // Spark's UnresolvedFunction.toString: 'name(args), the name as written.
      std::string s = "'" + name + "(" + (distinct ? "distinct " : "");
      for (size_t i = 0; i < a.size(); ++i) s += (i ? ", " : "") + a[i];
      return s + ")";
    }
    case ExprKind::WindowExpr: return window_string(*this);
    case ExprKind::PythonUDF: return plain_call(name, children, false);
    case ExprKind::OuterReference: return "outer(" + children[0]->to_string() + ")";
    case ExprKind::ScalarSubquery:
      // Planned (Spark's execution.ScalarSubquery): its SubqueryExec's simpleString, kept in
      // `name` with the plan id in `ordinal` (physical/subqueries.cpp).
      if (ordinal > 0) return name;
      return subquery_string(*this, false);
    case ExprKind::Exists: return subquery_string(*this, false);
    case ExprKind::InSubquery: {
      auto v = subquery_values(*this);
      std::string s = v.size() == 1 ? v[0]->to_string() : "named_struct(";
      for (size_t i = 0; v.size() > 1 && i < v.size(); ++i)
        s += (i ? ", " : "") + value_field_name(*v[i], i) + ", " + v[i]->to_string();
      if (v.size() > 1) s += ")";
      return s + " IN (" + subquery_string(*this, false) + ")";
    }
    case ExprKind::Call: case ExprKind::AggCall:
      if (auto w = wrapper_render(*this, false)) return *w;
      for (const auto& c : children) a.push_back(c->to_string());
      if (is_bound_lambda(*this)) a.push_back("false");  // LambdaFunction's `hidden` flag
      if (kind == ExprKind::Call && name == "raise_error") a.push_back("NullType");  // RaiseError(child, dataType)
      if (kind == ExprKind::AggCall && !imperative_offsets(name).empty()) {
        std::string s = render_call(*this, a, false);
        return s.substr(0, s.size() - 1) + imperative_offsets(name) + ")";
      }
      return render_call(*this, a, false);
  }
  return "?";
}

// ---- constructors ----

static std::shared_ptr<Expr> node(ExprKind k) { auto e = std::make_shared<Expr>(); e->kind = k; return e; }

ExprPtr lit(Value v, DataType t) {
  auto e = node(ExprKind::Literal);
  e->nullable = v.is_null();
  e->value = std::move(v);
  e->type = std::move(t);
  return e;
}
int64_t python_func_id(const std::string& command) {
  return int64_t((std::hash<std::string>{}(command) & ((1ULL << 62) - 1)) | (1ULL << 62));
}

ExprPtr python_udf(std::string name, ExprList args, DataType result, std::shared_ptr<const PythonFunc> f) {
  auto e = node(ExprKind::PythonUDF);
  e->name = std::move(name);
  e->children = std::move(args);
  e->type = std::move(result);
  e->python = std::move(f);
  return e;
}

bool contains_python_udf(const ExprPtr& e) {
  return any_expr(e, [](const Expr& x) { return x.kind == ExprKind::PythonUDF; });
}

ExprPtr lit_int(int32_t v) { return lit(Value::of(static_cast<int64_t>(v)), DataType::int_()); }
ExprPtr lit_long(int64_t v) { return lit(Value::of(v), DataType::long_()); }
ExprPtr lit_string(std::string s) { return lit(Value::of(std::move(s)), DataType::string()); }
ExprPtr lit_bool(bool b) { return lit(Value::of(b), DataType::boolean()); }
ExprPtr lit_null(DataType t) { return lit(Value::null(), std::move(t)); }

ExprPtr attr(std::string name, DataType t, bool nullable, int64_t id, std::vector<std::string> qualifier,
             std::string metadata) {
  auto e = node(ExprKind::Attribute);
  if (metadata != "{}") e->metadata = std::move(metadata);
  e->name = std::move(name);
  e->type = std::move(t);
  e->nullable = nullable;
  e->id = id;
  e->qualifier = std::move(qualifier);
  return e;
}
ExprPtr unresolved_attr(std::vector<std::string> parts, int64_t plan_id) {
  auto e = node(ExprKind::UnresolvedAttribute);
  e->name_parts = std::move(parts);
  e->plan_id = plan_id;
  return e;
}
ExprPtr unresolved_fn(std::string name, ExprList args, bool distinct) {
  auto e = node(ExprKind::UnresolvedFunction);
  e->name = std::move(name);
  e->children = std::move(args);
  e->distinct = distinct;
  return e;
}
ExprPtr alias(ExprPtr c, std::string name, int64_t id) {
  auto e = node(ExprKind::Alias);
  e->type = c->type;
  e->nullable = c->nullable;
  e->name = std::move(name);
  e->id = id;
  e->children = {std::move(c)};
  return e;
}
ExprPtr cast(ExprPtr c, DataType t, bool user) {
  auto e = node(ExprKind::Cast);
  e->nullable = c->nullable || c->type.id == TypeId::String || t.id == TypeId::Null ? true : c->nullable;
  e->type = std::move(t);
  e->user_cast = user;
  e->children = {std::move(c)};
  return e;
}
ExprPtr call(std::string name, ExprList args, DataType t, bool nullable) {
  auto e = node(ExprKind::Call);
  e->name = std::move(name);
  e->children = std::move(args);
  e->type = std::move(t);
  e->nullable = nullable;
  return e;
}
ExprPtr window_expr(ExprPtr fn, ExprList partition, ExprList order, WindowFrame frame) {
  auto e = node(ExprKind::WindowExpr);
  e->type = fn->type;
  e->nullable = fn->nullable;
  e->ordinal = static_cast<int>(partition.size());
  e->frame = frame;
  e->children.push_back(std::move(fn));
  for (auto& p : partition) e->children.push_back(std::move(p));
  for (auto& o : order) e->children.push_back(std::move(o));
  return e;
}

ExprPtr sort_order(ExprPtr c, bool ascending, bool nulls_first) {
  auto e = node(ExprKind::SortOrder);
  e->type = c->type;
  e->nullable = c->nullable;
  e->ascending = ascending;
  e->nulls_first = nulls_first;
  e->children = {std::move(c)};
  return e;
}

bool is_subquery_expr(const Expr& e) {
  return e.kind == ExprKind::ScalarSubquery || e.kind == ExprKind::Exists || e.kind == ExprKind::InSubquery;
}

ExprPtr subquery_expr(ExprKind k, std::shared_ptr<const LogicalPlan> plan, ExprList values) {
  auto e = node(k);
  e->plan = std::move(plan);
  e->ordinal = static_cast<int>(values.size());
  e->children = std::move(values);
  e->type = DataType::boolean();
  e->nullable = k != ExprKind::Exists;
  return e;
}

ExprPtr outer_ref(ExprPtr a) {
  auto e = node(ExprKind::OuterReference);
  e->type = a->type;
  e->nullable = a->nullable;
  e->children = {std::move(a)};
  return e;
}

ExprList subquery_outer_attrs(const Expr& e) {
  return ExprList(e.children.begin() + (e.kind == ExprKind::InSubquery ? e.ordinal : 0), e.children.end());
}
ExprList subquery_values(const Expr& e) {
  return e.kind == ExprKind::InSubquery ? ExprList(e.children.begin(), e.children.begin() + e.ordinal) : ExprList{};
}

// ---- rewrites ----

ExprPtr transform_up(const ExprPtr& e, const ExprRule& f) {
  ExprList kids;
  bool changed = false;
  for (const auto& c : e->children) {
    kids.push_back(transform_up(c, f));
    changed |= kids.back() != c;
  }
  ExprPtr cur = changed ? e->with_children(std::move(kids)) : e;
  ExprPtr r = f(cur);
  return r ? r : cur;
}

ExprPtr transform_down(const ExprPtr& e, const ExprRule& f) {
  ExprPtr r = f(e);
  ExprPtr cur = r ? r : e;
  ExprList kids;
  bool changed = false;
  for (const auto& c : cur->children) {
    kids.push_back(transform_down(c, f));
    changed |= kids.back() != c;
  }
  return changed ? cur->with_children(std::move(kids)) : cur;
}

void foreach_expr(const ExprPtr& e, const std::function<void(const Expr&)>& f) {
  f(*e);
  for (const auto& c : e->children) foreach_expr(c, f);
}

bool any_expr(const ExprPtr& e, const std::function<bool(const Expr&)>& f) {
  if (f(*e)) return true;
  for (const auto& c : e->children) if (any_expr(c, f)) return true;
  return false;
}

bool expr_equal(const Expr& a, const Expr& b) {
  if (a.kind != b.kind || a.name != b.name || a.name_parts != b.name_parts || a.id != b.id ||
      a.plan_id != b.plan_id || a.type != b.type || a.distinct != b.distinct || a.user_cast != b.user_cast ||
      a.ascending != b.ascending || a.nulls_first != b.nulls_first || !(a.value == b.value) ||
      a.ordinal != b.ordinal || !(a.frame == b.frame) || a.plan != b.plan || a.metadata != b.metadata ||
      (a.python && b.python ? a.python->id != b.python->id || a.python->deterministic != b.python->deterministic
                            : a.python != b.python) ||
      a.children.size() != b.children.size())
    return false;
  for (size_t i = 0; i < a.children.size(); ++i)
    if (!expr_equal(*a.children[i], *b.children[i])) return false;
  return true;
}

}  // namespace spp::sql
