// Null/conditional helpers (nullExpressions.scala, conditionalExpressions.scala: each a
// RuntimeReplaceable whose coercion is its replacement's), hashes (hash.scala) and misc.
#include "sql/analysis/fn_library.h"

namespace spp::sql {

namespace {
std::string quoted(const Expr& e) { return to_sql_expr(e.sql()); }

bool contains_map(const DataType& t) {
  if (t.id == TypeId::Map) return true;
  for (const auto& f : t.fields) if (contains_map(f.type)) return true;
  for (const auto& ch : t.children) if (contains_map(ch)) return true;
  return false;
}

// Casts arguments [from, to) to their wider common type; the error Spark's replacement gives.
std::optional<AnalysisError> widen(FnCall& c, size_t from, size_t to, const std::string& shown, const std::string& inner) {
  std::vector<DataType> ts;
  for (size_t i = from; i < to; ++i) ts.push_back(c.a[i]->type);
  auto t = wider_common_type(ts);
  if (!t) {
    std::string types;
    for (size_t i = 0; i < ts.size(); ++i) types += (i ? ", " : "") + std::string("\"") + ts[i].sql() + "\"";
    return generic_error("DATATYPE_MISMATCH.DATA_DIFF_TYPES", "42K09",
                         "Cannot resolve " + quoted(*c.shown(shown)) + " due to data type mismatch: Input to `" + inner +
                             "` should all be the same type, but it's [" + types + "].");
  }
  for (size_t i = from; i < to; ++i) if (!(c.a[i]->type == *t)) c.a[i] = cast(c.a[i], *t, false);
  return std::nullopt;
}
}  // namespace

std::optional<LibResult> resolve_misc_fn(FnCall& c) {
  const std::string& n = c.n;
  const size_t na = c.na();
  const auto BIN = exact(DataType::binary());
  if (n == "nvl" || n == "ifnull") {
    if (na != 2) return c.wrong("2");
    if (auto e = widen(c, 0, 2, n, "coalesce")) return *e;
    return c.make(n, c.a[0]->type, c.a[0]->nullable && c.a[1]->nullable);
  }
  if (n == "nvl2") {
    if (na != 3) return c.wrong("3");
    if (auto e = widen(c, 1, 3, n, "if")) return *e;
    return c.make(n, c.a[1]->type, c.a[1]->nullable || c.a[2]->nullable);
  }
  if (n == "if" || n == "iff") {
    if (na != 3) return c.wrong("3");
    if (c.a[0]->type.id != TypeId::Boolean && c.a[0]->type.id != TypeId::Null)
      return unexpected_input_type(quoted(*c.shown("if")), 1, "\"BOOLEAN\"", quoted(*c.a[0]), "\"" + c.a[0]->type.sql() + "\"");
    if (c.a[0]->type.id == TypeId::Null) c.a[0] = cast(c.a[0], DataType::boolean(), false);
    if (auto e = widen(c, 1, 3, "if", "if")) return *e;
    return c.make("if", c.a[1]->type, c.a[1]->nullable || c.a[2]->nullable);
  }
  if (n == "nullif") {
    if (na != 2) return c.wrong("2");
    // Spark: If(left = right, NULL, left); the comparison runs on the common type, the result is
    // left's. Children: left, left and right cast for the comparison (printed nullif(a, b)).
    auto t = comparison_common_type(c.a[0]->type, c.a[1]->type);
    if (!t) return binary_op_diff_types(quoted(*c.shown(n)), "\"" + c.a[0]->type.sql() + "\"", "\"" + c.a[1]->type.sql() + "\"");
    ExprPtr l = c.a[0], r = c.a[1];
    c.a = {l, l->type == *t ? l : cast(l, *t, false), r->type == *t ? r : cast(r, *t, false)};
    return c.make(n, l->type, true);
  }
  if (n == "equal_null") {
    if (na != 2) return c.wrong("2");
    auto t = comparison_common_type(c.a[0]->type, c.a[1]->type);
    if (!t) return binary_op_diff_types(quoted(*c.shown(n)), "\"" + c.a[0]->type.sql() + "\"", "\"" + c.a[1]->type.sql() + "\"");
    for (auto& x : c.a) if (!(x->type == *t)) x = cast(x, *t, false);
    return c.make(n, DataType::boolean(), false);
  }
  if (n == "hash" || n == "xxhash64") {
    if (na < 1) return c.wrong("> 0");
    for (const auto& x : c.a)
      if (contains_map(x->type))
        return generic_error("DATATYPE_MISMATCH.HASH_MAP_TYPE", "42K09",
                             "Cannot resolve " + quoted(*c.shown(n)) + " due to data type mismatch: Input to the function `" + n +
                                 "` cannot contain elements of the \"MAP\" type. In Spark, same maps may have different "
                                 "hashcode, thus hash expressions are prohibited on \"MAP\" elements. To restore previous "
                                 "behavior set \"spark.sql.legacy.allowHashOnMapType\" to \"true\".");
    return c.make(n, n == "hash" ? DataType::int_() : DataType::long_(), false);
  }
  if (n == "md5" || n == "sha1" || n == "sha" || n == "crc32") {
    if (na != 1) return c.wrong("1");
    return c.typed(n, {BIN}, n == "crc32" ? DataType::long_() : DataType::string());
  }
  if (n == "sha2") {
    if (na != 2) return c.wrong("2");
    return c.typed(n, {BIN, exact(DataType::int_())}, DataType::string(), true);  // unsupported bit lengths: NULL
  }
  if (n == "typeof") {
    if (na != 1) return c.wrong("1");
    // The type name rides along as a hidden literal (typeof prints only its argument).
    c.a.push_back(lit_string(c.a[0]->type.simple_string()));
    return c.make(n, DataType::string(), false);
  }
  if (n == "assert_true") {  // If(cond, NULL, raise_error(msg)); the default message shows in the name
    if (na != 1 && na != 2) return c.wrong("[1, 2]");
    if (na == 1) c.a.push_back(lit_string("'" + c.a[0]->to_string() + "' is not true!"));  // simpleString
    if (auto e = c.coerce(n, {exact(DataType::boolean()), exact(DataType::string())})) return *e;
    return c.make(n, DataType::null(), true);
  }
  if (n == "raise_error") {  // RaiseError(child, NullType): never folded, fails on any row
    if (na != 1) return c.wrong("1");
    if (auto e = c.coerce(n, {exact(DataType::string())})) return *e;
    return c.make(n, DataType::null(), true);
  }
  if (n == "aes_encrypt" || n == "aes_decrypt" || n == "try_aes_decrypt") {
    // Spark's defaults show in the name: aes_encrypt(input, key, GCM, DEFAULT, , ).
    const bool enc = n == "aes_encrypt";
    const size_t most = enc ? 6 : 5;
    if (na < 2 || na > most) return c.wrong(enc ? "[2, 3, 4, 5, 6]" : "[2, 3, 4, 5]");
    if (na < 3) c.a.push_back(lit_string("GCM"));
    if (na < 4) c.a.push_back(lit_string("DEFAULT"));
    while (c.a.size() < most) c.a.push_back(lit_string(""));
    const auto S = exact(DataType::string());
    std::vector<ExpectedType> want{BIN, BIN, S, S, BIN};
    if (enc) want.push_back(BIN);
    return c.typed(n, want, DataType::binary(), true);
  }
  if (n.rfind("xpath", 0) == 0) {  // xml.scala: the path a foldable string
    static const std::pair<const char*, TypeId> kinds[] = {
        {"xpath_boolean", TypeId::Boolean}, {"xpath_short", TypeId::Short}, {"xpath_int", TypeId::Int},
        {"xpath_long", TypeId::Long}, {"xpath_float", TypeId::Float}, {"xpath_double", TypeId::Double},
        {"xpath_number", TypeId::Double}, {"xpath_string", TypeId::String}};
    std::optional<DataType> t;
    if (n == "xpath") t = DataType::array(DataType::string(), true);
    for (const auto& [nm, id] : kinds)
      if (n == nm) t = DataType::of(id);
    if (t) {
      if (na != 2) return c.wrong("2");
      if (auto e = c.need_literal(1, n, "path")) return *e;
      const auto S = exact(DataType::string());
      return c.typed(n, {S, S}, *t, true);
    }
  }
  if (n == "version" || n == "uuid" || n == "input_file_name") {
    if (na != 0) return c.wrong("0");
    return c.make(n, DataType::string(), false);
  }
  // CurrentDatabase (current_schema too), CurrentCatalog, CurrentUser (user too): named by their
  // fixed prettyName; literals of the session once per query (ReplaceCurrentLike, see
  // SqlSession::prepare_tree).
  if (n == "current_database" || n == "current_schema" || n == "current_catalog" || n == "current_user" || n == "user") {
    if (na != 0) return c.wrong("0");
    const char* shown = n == "current_schema" ? "current_database" : n == "user" ? "current_user" : n.c_str();
    return c.make(shown, DataType::string(), false);
  }
  if (n == "input_file_block_start" || n == "input_file_block_length") {  // -1 outside a file scan
    if (na != 0) return c.wrong("0");
    return c.make(n, DataType::long_(), false);
  }
  return std::nullopt;
}

}  // namespace spp::sql
