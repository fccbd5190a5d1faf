// How library function calls print in column names and plans (Spark's prettyName / sql):
// the names that differ from the canonical call name (`CEIL`, `ln`, `REGEXP_LIKE`) and the
// calls Spark renders in their own form (`(IF(c, a, b))`, `~x`).
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace spp::sql {

// The display name of a canonical call name, or nullptr when it prints as itself.
const char* library_display_name(const std::string& canonical);
// A call rendered in a form other than `name(args)`; nullopt for the usual form.
std::optional<std::string> library_render(const std::string& canonical, const std::vector<std::string>& args);
// Aggregates finished by a scalar kernel over an ordinary aggregate of their input (median,
// percentile, mode, max_by, min_by, approx_count_distinct, try_sum, try_avg; analysis/fn_aggs.cpp):
// they print with that aggregate's arguments in its place (`median(x)`, not `median(collect_list(x))`).
bool is_collect_wrapper(const std::string& canonical);

// Expr::ordinal of an UnresolvedFunction the SQL parser built from a call written by name
// (`isnull(a)`, `sum(a)`): it prints as Spark's UnresolvedFunction, `'isnull('a)`. Operators and
// predicates (`a > 1`, `a IS NULL`) and the DataFrame API's Column methods build Spark's
// expression classes directly, which print without the quote (unresolved_class_render).
inline constexpr int kCalledByName = 1;
// Expr::ordinal of an isnull / isnotnull the parser made of `x IS [NOT] UNKNOWN` (Spark's
// IsUnknown / IsNotUnknown: IsNull / IsNotNull of a BOOLEAN, named `(x IS UNKNOWN)`).
inline constexpr int kIsUnknown = 2;
// Expr::ordinal of the named_struct the parser made of a row constructor `(a, b + 1)` (Spark's
// CreateStruct): prints `named_struct(NamePlaceholder, 'a, col2, ('b + 1))`.
inline constexpr int kRowConstructor = 3;
// How an unresolved operator / predicate prints as the expression class Spark's parser (or
// Column) makes of it: `('a > 1)`, `NOT 'b`, `'a IN (1,2)`, `CASE WHEN … END`; nullopt for a
// name that is a plain function call (`'sum('a)`). `args` are the children already printed.
std::optional<std::string> unresolved_class_render(const std::string& name, const std::vector<std::string>& args);

}  // namespace spp::sql
