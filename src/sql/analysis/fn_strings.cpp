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
    if (auto err = c.coerce("locate", {S, S, I})) return *err;
    // StringLocate: a NULL start gives 0, so only substr/str make it nullable.
    return c.make("locate", INT, c.a[0]->nullable || c.a[1]->nullable);
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
  if (n == "regexp_like" || n == "regexp") {
    if (na != 2) return range(2, 2);
    return c.typed(n == "regexp" ? "regexp" : "regexp_like", {S, S}, DataType::boolean());
  }
  return std::nullopt;
}

}  // namespace spp::sql
