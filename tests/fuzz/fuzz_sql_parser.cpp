// libFuzzer target: arbitrary bytes as the SQL text users hand spark.sql, F.expr, selectExpr and
// string filters (src/sql/parser): lexed and parsed both as a statement and as an expression.
// Nothing may crash, hang or overflow the stack (too deep a nesting is a ParseException); a tree
// that parses must print, and a failure must render as ParseException's message.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sql/parser/parser.h"

namespace p = spp::sql::parser;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  // Named and positional parameters bound, so `:x` and `?` reach the substitution paths too.
  spp::sql::IdGen ids;
  p::ParseArgs args;
  args.named["x"] = spp::sql::lit_int(1);
  args.positional.push_back(spp::sql::lit_int(2));
  auto s = p::parse_statement(text, ids, args);
  if (auto* st = std::get_if<p::Statement>(&s)) {
    if (st->plan) (void)st->plan->tree_string();
  } else {
    (void)p::parse_error_text(std::get<p::ParseError>(s), text);
  }
  auto e = p::parse_expression(text, ids);
  if (auto* x = std::get_if<spp::sql::ExprPtr>(&e)) {
    if (*x) (void)(*x)->to_string();
  } else {
    (void)p::parse_error_text(std::get<p::ParseError>(e), text);
  }
  return 0;
}
