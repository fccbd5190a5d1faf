// The built-in function library beyond the core operators (issue 14): string, math, null and
// hash functions. resolve_function (functions.cpp) falls through to resolve_library_function, so
// every caller — DataFrame API and SQL parser alike — looks names up in this one place (the
// name arrives lower-cased: SQL function names are case-insensitive).
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "sql/analysis/errors.h"
#include "sql/coercion.h"
#include "sql/plan/expr.h"

namespace spp::sql {

using LibResult = std::variant<ExprPtr, AnalysisError>;

std::optional<LibResult> resolve_library_function(const Expr& fn, const std::string& lower_name);

// What the family resolvers share: the call, its (mutable) arguments and Spark's errors.
struct FnCall {
  const Expr& fn;
  std::string n;  // lower-cased name as called
  ExprList a;

  size_t na() const { return a.size(); }
  LibResult wrong(const char* expected) const;
  // The call as printed in error texts (arguments as given).
  ExprPtr shown(const std::string& name) const;
  // A resolved call.
  ExprPtr make(const std::string& name, DataType t, bool nullable) const;
  bool any_nullable() const;
  // Casts argument i to what `want` accepts (ImplicitCastInputTypes) or returns the error.
  std::optional<AnalysisError> coerce(const std::string& name, const std::vector<ExpectedType>& want);
  // coerce + make with nullable = any argument nullable (or `always_nullable`).
  LibResult typed(const std::string& name, const std::vector<ExpectedType>& want, DataType t, bool always_nullable = false);
  // Argument i must be a literal (Spark's foldable checks); the error otherwise.
  std::optional<AnalysisError> need_literal(size_t i, const std::string& name, const std::string& what) const;
};

std::optional<LibResult> resolve_string_fn(FnCall& c);
std::optional<LibResult> resolve_math_fn(FnCall& c);
std::optional<LibResult> resolve_misc_fn(FnCall& c);
std::optional<LibResult> resolve_collection_fn(FnCall& c);
std::optional<LibResult> resolve_json_fn(FnCall& c);
std::optional<LibResult> resolve_date_fn(FnCall& c);
std::optional<LibResult> resolve_agg_fn(FnCall& c);  // fn_aggs.cpp
std::optional<LibResult> resolve_sketch_fn(FnCall& c);  // fn_sketches.cpp

inline ExpectedType exact(DataType t) { return ExpectedType::exact(std::move(t)); }

}  // namespace spp::sql
