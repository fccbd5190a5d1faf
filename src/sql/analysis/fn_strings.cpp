// String functions: Spark 3.5 input types (ImplicitCastInputTypes), defaults Spark fills in
// (they show in column names: `lpad(s, 5,  )`, `locate(b, s, 1)`), result types.
#include "sql/analysis/fn_library.h"

namespace spp::sql {

std::optional<LibResult> resolve_string_fn(FnCall& c) {
  const std::string& n = c.n;
  const auto S = exact(DataType::string());
  const auto I = exact(DataType::int_());
  const auto BIN = exact(DataType::binary());
  const auto STR = DataType::string();
  const auto INT = DataType::int_();
  const size_t na = c.na();
  auto arity = [&](size_t lo, size_t hi) { return na >= lo && na <= hi; };
  auto range = [&](size_t lo, size_t hi) -> LibResult {
    std::string e = lo == hi ? std::to_string(lo) : "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    return c.wrong(e.c_str());
  };

  if (n == "initcap" || n == "soundex") {
    if (na != 1) return range(1, 1);
    return c.typed(n, {S}, STR);
  }
  if (n == "lpad" || n == "rpad") {
    if (!arity(2, 3)) return range(2, 3);
    if (na == 2) c.a.push_back(lit_string(" "));
    return c.typed(n, {S, I, S}, STR);
  }
  if (n == "repeat" || n == "left" || n == "right") {
    if (na != 2) return range(2, 2);
    return c.typed(n, {S, I}, STR);
  }
  if (n == "reverse") {
    if (na != 1) return range(1, 1);
    if (c.a[0]->type.id == TypeId::Array) return c.make(n, c.a[0]->type, c.a[0]->nullable);
    return c.typed(n, {S}, STR);
  }
  if (n == "char_length" || n == "character_length") {
    if (na != 1) return range(1, 1);
    return c.typed(n, {c.a[0]->type.id == TypeId::Binary ? BIN : S}, INT);
  }
  if (n == "octet_length" || n == "bit_length") {
    if (na != 1) return range(1, 1);
    return c.typed(n, {c.a[0]->type.id == TypeId::Binary ? BIN : S}, INT);
  }
  if (n == "instr") {
    if (na != 2) return range(2, 2);
    return c.typed(n, {S, S}, INT);
  }
  if (n == "locate" || n == "position") {
    if (!arity(2, 3)) return range(2, 3);
    if (na == 2) c.a.push_back(lit_int(1));
    if (auto err = c.coerce(n, {S, S, I})) return *err;
    // StringLocate: a NULL start gives 0, so only substr/str make it nullable.
    return c.make(n, INT, c.a[0]->nullable || c.a[1]->nullable);
  }
  if (n == "substring_index") {
    if (na != 3) return range(3, 3);
    return c.typed(n, {S, S, I}, STR);
  }
  if (n == "translate") {
    if (na != 3) return range(3, 3);
    return c.typed(n, {S, S, S}, STR);
  }
  if (n == "replace") {
    if (!arity(2, 3)) return range(2, 3);
    if (na == 2) c.a.push_back(lit_string(""));
    return c.typed(n, {S, S, S}, STR);
  }
  if (n == "ascii") {
    if (na != 1) return range(1, 1);
    return c.typed(n, {S}, INT);
  }
  if (n == "base64") {
    if (na != 1) return range(1, 1);
    return c.typed(n, {BIN}, STR);
  }
  if (n == "unbase64") {
    if (na != 1) return range(1, 1);
    return c.typed(n, {S}, DataType::binary());
  }
  if (n == "encode") {
    if (na != 2) return range(2, 2);
    return c.typed(n, {S, S}, DataType::binary());
  }
  if (n == "decode") {
    if (na < 2) return range(2, 2);
    if (na != 2) return c.wrong("2");  // decode(expr, search, result, ...) is not supported
    return c.typed(n, {BIN, S}, STR);
  }
  if (n == "levenshtein") {
    if (!arity(2, 3)) return range(2, 3);
    return c.typed(n, na == 3 ? std::vector<ExpectedType>{S, S, I} : std::vector<ExpectedType>{S, S}, INT);
  }
  if (n == "overlay") {
    if (!arity(3, 4)) return range(3, 4);
    if (na == 3) c.a.push_back(lit_int(-1));
    return c.typed(n, {S, S, I, I}, STR);
  }
  if (n == "format_number") {
    if (na != 2) return range(2, 2);
    auto second = c.a[1]->type.id == TypeId::String ? S : I;
    // A negative number of decimals gives NULL, so the result is always nullable.
    return c.typed(n, {ExpectedType::of(ExpectedType::Kind::AnyNumeric), second}, STR, true);
  }
  if (n == "format_string" || n == "printf") {
    if (na < 1) return c.wrong("> 0");
    return c.typed(n, {S}, STR, c.a[0]->nullable);
  }
  if (n == "regexp_extract" || n == "regexp_extract_all") {
    if (!arity(2, 3)) return range(2, 3);
    if (na == 2) c.a.push_back(lit_int(1));
    DataType t = n == "regexp_extract" ? STR : DataType::array(STR, true);
    return c.typed(n, {S, S, I}, t);
  }
  if (n == "regexp_replace") {
    if (!arity(3, 4)) return range(3, 4);
    if (na == 3) c.a.push_back(lit_int(1));
    return c.typed(n, {S, S, S, I}, STR);
  }
  // ---- issue 14, second part: Spark 3.5's newer string functions
  if (n == "lcase" || n == "ucase") {
    if (na != 1) return range(1, 1);
    return c.typed(n, {S}, STR);
  }
  if (n == "char" || n == "chr") {
    if (na != 1) return range(1, 1);
    return c.typed(n, {exact(DataType::long_())}, STR);
  }
  if (n == "btrim") {
    if (!arity(1, 2)) return range(1, 2);
    return c.typed(n, std::vector<ExpectedType>(na, S), STR);
  }
  if (n == "split_part") {
    if (na != 3) return range(3, 3);
    return c.typed(n, {S, S, I}, STR);
  }
  if (n == "elt") {
    if (na < 2) return c.wrong("> 1");
    bool all_binary = true;
    for (size_t i = 1; i < na; ++i) all_binary &= c.a[i]->type.id == TypeId::Binary;
    std::vector<ExpectedType> want{I};
    for (size_t i = 1; i < na; ++i) want.push_back(all_binary ? BIN : S);
    if (auto err = c.coerce(n, want)) return *err;
    return c.make(n, all_binary ? DataType::binary() : STR, true);  // out of range: NULL
  }
  if (n == "find_in_set") {
    if (na != 2) return range(2, 2);
    return c.typed(n, {S, S}, INT);
  }
  if (n == "mask") {
    if (!arity(1, 5)) return range(1, 5);
    // Spark's defaults show in the name: mask(s, X, x, n, NULL).
    const char* defs[] = {"X", "x", "n"};
    for (size_t i = na; i < 5; ++i) c.a.push_back(i < 4 ? lit_string(defs[i - 1]) : lit_null(STR));
    for (size_t i = 1; i < 5; ++i) {
      if (c.a[i]->type.id == TypeId::Null) c.a[i] = cast(c.a[i], STR, false);
      if (auto err = c.need_literal(i, n, i == 1 ? "upperChar" : i == 2 ? "lowerChar" : i == 3 ? "digitChar" : "otherChar"))
        return *err;
    }
    if (auto err = c.coerce(n, {S, S, S, S, S})) return *err;
    return c.make(n, STR, true);
  }
  if (n == "url_encode" || n == "url_decode") {
    if (na != 1) return range(1, 1);
    return c.typed(n, {S}, STR);
  }
  if (n == "parse_url") {
    if (!arity(2, 3)) return range(2, 3);
    return c.typed(n, std::vector<ExpectedType>(na, S), STR, true);
  }
  if (n == "regexp_count") {
    if (na != 2) return range(2, 2);
    return c.typed(n, {S, S}, INT);
  }
  if (n == "regexp_substr") {
    if (na != 2) return range(2, 2);
    return c.typed(n, {S, S}, STR, true);
  }
  if (n == "regexp_instr") {
    if (!arity(2, 3)) return range(2, 3);
    if (na == 2) c.a.push_back(lit_int(0));
    return c.typed(n, {S, S, I}, INT);
  }
  if (n == "to_binary" || n == "try_to_binary") {
    if (!arity(1, 2)) return range(1, 2);
    if (na == 2) {
      if (auto err = c.need_literal(1, n, "`format`")) return *err;
    }
    return c.typed(n, std::vector<ExpectedType>(na, S), DataType::binary(), true);
  }
  if (n == "sentences") {  // sentences(s, , ): the defaults show in the name
    if (!arity(1, 3)) return range(1, 3);
    while (c.a.size() < 3) c.a.push_back(lit_string(""));
    return c.typed(n, {S, S, S}, DataType::array(DataType::array(STR, true), true), true);
  }
  if (n == "to_number" || n == "try_to_number") {  // DECIMAL(digits, fraction digits) of the format
    if (na != 2) return range(2, 2);
    if (auto err = c.need_literal(1, n, "`format`")) return *err;
    if (auto err = c.coerce(n, {S, S})) return *err;
    const Expr* f = c.a[1].get();
    while (f->kind == ExprKind::Cast || f->kind == ExprKind::Alias) f = f->children[0].get();
    int digits = 0, frac = 0;
    bool point = false;
    if (!f->value.is_null())
      for (char ch : f->value.as_string()) {
        if (ch == '0' || ch == '9') ++digits, frac += point;
        if (ch == '.' || ch == 'D' || ch == 'd') point = true;
      }
    if (digits > 38 || digits == 0)
      return generic_error("INVALID_FORMAT.WRONG_NUM_DIGIT", "42601",
                           "The format is invalid: '" + (f->value.is_null() ? std::string() : f->value.as_string()) +
                               "'. The format string requires at least one number digit.");
    return c.make(n, DataType::decimal(digits, frac), true);
  }
  if (n == "to_char" || n == "to_varchar") {
    if (na != 2) return range(2, 2);
    if (auto err = c.need_literal(1, n, "`format`")) return *err;
    return c.typed(n, {ExpectedType::of(ExpectedType::Kind::AnyDecimal), S}, STR, true);
  }
  if (n == "regexp_like" || n == "regexp") {
    if (na != 2) return range(2, 2);
    return c.typed(n == "regexp" ? "regexp" : "regexp_like", {S, S}, DataType::boolean());
  }
  return std::nullopt;
}

}  // namespace spp::sql
