// The DataSketches HLL functions of Spark 3.5 (issue 14): hll_sketch_agg, hll_union_agg
// (aggregates), hll_sketch_estimate, hll_union. Their inputs are ExpectsInputTypes (no implicit
// casts); the optional arguments take Spark's defaults, which show in the names
// (`hll_sketch_agg(x, 12)`, `hll_union(a, b, false)`). lgConfigK's range is checked when the
// aggregate runs (exec/lower_aggs.cpp), as Spark checks it at run time.
#include "sql/analysis/fn_library.h"

namespace spp::sql {

namespace {
std::string quoted(const Expr& e) { return to_sql_expr(e.sql()); }
std::string qtype(const DataType& t) { return "\"" + t.sql() + "\""; }

// Argument i's type among `ok`, else Spark's UNEXPECTED_INPUT_TYPE naming `required`.
std::optional<AnalysisError> expect(FnCall& c, const std::string& name, size_t i, std::initializer_list<TypeId> ok,
                                    const char* required) {
  for (TypeId t : ok)
    if (c.a[i]->type.id == t) return std::nullopt;
  return unexpected_input_type(quoted(*c.shown(name)), int(i + 1), required, quoted(*c.a[i]), qtype(c.a[i]->type));
}

LibResult aggregate(FnCall& c, const std::string& name) {
  auto e = std::make_shared<Expr>(*c.make(name, DataType::binary(), false));
  e->kind = ExprKind::AggCall;
  return LibResult(ExprPtr(e));
}
}  // namespace

std::optional<LibResult> resolve_sketch_fn(FnCall& c) {
  const std::string& n = c.n;
  const char* kBinary = "\"BINARY\"";
  if (n == "hll_sketch_agg") {  // (x INT | BIGINT | STRING | BINARY, lgConfigK INT = 12)
    if (c.na() < 1 || c.na() > 2) return c.wrong("[1, 2]");
    if (c.na() == 1) c.a.push_back(lit_int(12));
    if (auto e = expect(c, n, 0, {TypeId::Int, TypeId::Long, TypeId::String, TypeId::Binary},
                        "(\"INT\" or \"BIGINT\" or \"STRING\" or \"BINARY\")"))
      return LibResult(*e);
    if (auto e = expect(c, n, 1, {TypeId::Int}, "\"INT\"")) return LibResult(*e);
    if (auto e = c.need_literal(1, n, "lgConfigK")) return LibResult(*e);
    return aggregate(c, n);
  }
  if (n == "hll_union_agg") {  // (sketch BINARY, allowDifferentLgConfigK BOOLEAN = false)
    if (c.na() < 1 || c.na() > 2) return c.wrong("[1, 2]");
    if (c.na() == 1) c.a.push_back(lit_bool(false));
    if (auto e = expect(c, n, 0, {TypeId::Binary}, kBinary)) return LibResult(*e);
    if (auto e = expect(c, n, 1, {TypeId::Boolean}, "\"BOOLEAN\"")) return LibResult(*e);
    if (auto e = c.need_literal(1, n, "allowDifferentLgConfigK")) return LibResult(*e);
    return aggregate(c, n);
  }
  if (n == "hll_sketch_estimate") {
    if (c.na() != 1) return c.wrong("1");
    if (auto e = expect(c, n, 0, {TypeId::Binary}, kBinary)) return LibResult(*e);
    return LibResult(c.make(n, DataType::long_(), c.any_nullable()));
  }
  if (n == "hll_union") {  // (a BINARY, b BINARY, allowDifferentLgConfigK BOOLEAN = false)
    if (c.na() < 2 || c.na() > 3) return c.wrong("[2, 3]");
    if (c.na() == 2) c.a.push_back(lit_bool(false));
    for (size_t i = 0; i < 2; ++i)
      if (auto e = expect(c, n, i, {TypeId::Binary}, kBinary)) return LibResult(*e);
    if (auto e = expect(c, n, 2, {TypeId::Boolean}, "\"BOOLEAN\"")) return LibResult(*e);
    return LibResult(c.make(n, DataType::binary(), c.any_nullable()));
  }
  return std::nullopt;
}

}  // namespace spp::sql
