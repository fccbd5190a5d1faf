// DataFrame.na fill / drop / replace as Spark's DataFrameNaFunctions builds them (na_functions.h).
#include "sql/analysis/na_functions.h"
#include "sql/plan/plan_build.h"

#include <algorithm>
#include <set>

namespace spp::sql {
namespace {

bool is_float(const DataType& t) { return t.id == TypeId::Float || t.id == TypeId::Double; }

// Spark's UNSUPPORTED_FEATURE.REPLACE_NESTED_COLUMN (fill by map, replace with a subset).
AnalysisError nested_column(const std::string& name) {
  auto parts = parse_identifier(name);
  return generic_error("UNSUPPORTED_FEATURE.REPLACE_NESTED_COLUMN", "0A000",
                       "The feature is not supported: The replace function does not support nested column " +
                           to_sql_id(parts ? *parts : std::vector<std::string>{name}) + ".");
}

// The Java class name Spark's "Unsupported value type" error names for a literal.
AnalysisError unsupported_value(const Expr& v) {
  std::string cls = "java.lang.Object";
  switch (v.type.id) {
    case TypeId::Date: cls = "java.sql.Date"; break;
    case TypeId::Timestamp: cls = "java.sql.Timestamp"; break;
    case TypeId::Decimal: cls = "java.math.BigDecimal"; break;
    case TypeId::Binary: cls = "[B"; break;
    default: break;
  }
  return generic_error("_LEGACY_ERROR_TEMP_NA_VALUE", "",
                       "Unsupported value type " + cls + " (" + (v.value.is_null() ? "null" : value_to_string(v.value, v.type)) + ").");
}

// coalesce(nanvl(a, NULL) for floating columns else a, CAST(v AS a's type)) AS a.
ExprPtr fill_column(const ExprPtr& a, const ExprPtr& v, IdGen& ids) {
  ExprPtr in = is_float(a->type) ? unresolved_fn("nanvl", {a, lit_null(a->type)}) : a;
  ExprPtr value = v->type == a->type ? v : cast(v, a->type, true);
  return alias(unresolved_fn("coalesce", {in, value}), a->name, ids.next());
}

// Resolves every name to an attribute id; `nested_error`: a nested field is an error (fill by
// map, replace), else it is left out (fill by value).
bool attribute_ids(const std::vector<std::string>& names, const ColumnResolver& resolve, bool nested_error,
                   std::vector<int64_t>& ids, std::optional<AnalysisError>& error) {
  for (const auto& s : names) {
    if (s == "*" && !nested_error) continue;  // Dataset.col("*") is a star, never an attribute
    ExprPtr e = resolve(s);
    if (!e) return false;
    if (e->kind == ExprKind::Attribute) {
      ids.push_back(e->id);
    } else if (nested_error) {
      error = nested_column(s);
      return false;
    }
  }
  return true;
}

PlanPtr rewrite_fill(const LogicalPlan& n, IdGen& ids, const ColumnResolver& resolve, std::optional<AnalysisError>& error) {
  const ExprList in = n.children[0]->output();
  ExprList out;
  if (n.exprs.size() == 1) {  // fillValue: one value for every column of its kind among the subset
    const ExprPtr& v = n.exprs[0];
    const TypeId t = v->type.id;
    if (!(v->type.is_numeric() || t == TypeId::String || t == TypeId::Boolean) || v->value.is_null()) {
      error = unsupported_value(*v);
      return nullptr;
    }
    std::vector<int64_t> subset;
    if (!n.names.empty() && !attribute_ids(n.names, resolve, false, subset, error)) return nullptr;
    for (const auto& a : in) {
      const bool kind = v->type.is_numeric() ? a->type.is_numeric() : a->type.id == t;
      const bool chosen = n.names.empty() || std::find(subset.begin(), subset.end(), a->id) != subset.end();
      out.push_back(kind && chosen ? fill_column(a, v, ids) : a);
    }
  } else {  // fillMap: each column its own value, cast to the column's type
    if (n.names.size() != n.exprs.size()) {
      error = generic_error("_LEGACY_ERROR_TEMP_NA_FILL", "", "fillna: one value per column is required");
      return nullptr;
    }
    std::vector<std::pair<int64_t, ExprPtr>> values;
    for (size_t i = 0; i < n.names.size(); ++i) {
      const ExprPtr& v = n.exprs[i];
      std::vector<int64_t> one;
      if (!attribute_ids({n.names[i]}, resolve, true, one, error)) return nullptr;
      const TypeId t = v->type.id;
      if (!(t == TypeId::Double || t == TypeId::Float || t == TypeId::Long || t == TypeId::Int || t == TypeId::Boolean ||
            t == TypeId::String) || v->value.is_null()) {
        error = unsupported_value(*v);
        return nullptr;
      }
      values.emplace_back(one[0], v);
    }
    for (const auto& a : in) {
      ExprPtr v;
      for (const auto& [id, x] : values) if (id == a->id) v = x;  // the last value for a column wins
      out.push_back(v ? fill_column(a, v, ids) : a);
    }
  }
  return plan_node(PlanKind::Project, out, n.children[0]);
}

// Spark's AtLeastNNonNulls(n, cols): a row is kept when at least n of the columns are neither
// null nor NaN. Written with isnotnull/isnan so the optimizer sees the usual predicates: AND for
// n = all the columns, OR for n = 1, else a count of the non-null columns.
ExprPtr at_least_n_non_nulls(int64_t n, const ExprList& cols) {
  if (n <= 0) return lit_bool(true);
  if (n > static_cast<int64_t>(cols.size())) return lit_bool(false);
  ExprList present;
  for (const auto& c : cols) {
    ExprPtr p = unresolved_fn("isnotnull", {c});
    if (is_float(c->type)) p = unresolved_fn("and", {p, unresolved_fn("not", {unresolved_fn("isnan", {c})})});
    present.push_back(p);
  }
  const bool all = n == static_cast<int64_t>(cols.size());
  if (all || n == 1) {
    ExprPtr e = present[0];
    for (size_t i = 1; i < present.size(); ++i) e = unresolved_fn(all ? "and" : "or", {e, present[i]});
    return e;
  }
  ExprPtr sum;
  for (const auto& p : present) {
    ExprPtr one = unresolved_fn("if", {p, lit_int(1), lit_int(0)});
    sum = sum ? unresolved_fn("+", {sum, one}) : one;
  }
  return unresolved_fn(">=", {sum, lit_int(static_cast<int32_t>(std::min<int64_t>(n, INT32_MAX)))});
}

PlanPtr rewrite_drop(const LogicalPlan& n, const ColumnResolver& resolve) {
  ExprList cols;
  if (n.names.empty()) {
    cols = n.children[0]->output();
  } else {
    for (const auto& s : n.names) {
      ExprPtr e = resolve(s);
      if (!e) return nullptr;
      cols.push_back(e);
    }
  }
  const int64_t least = n.flag ? n.n : static_cast<int64_t>(cols.size());
  return plan_node(PlanKind::Filter, {at_least_n_non_nulls(least, cols)}, n.children[0]);
}

enum class Target { Numeric, Boolean, String };

// Spark converts numeric keys and values to double; strings, booleans and nulls stay.
ExprPtr as_replacement(const ExprPtr& v) {
  if (!v->type.is_numeric() || v->value.is_null()) return v;
  if (v->type.id == TypeId::Double) return v;
  const double d = v->type.id == TypeId::Float ? v->value.as_double() : static_cast<double>(v->value.as_int());
  return lit(Value::of(d), DataType::double_());
}

PlanPtr rewrite_replace(const LogicalPlan& n, IdGen& ids, const ColumnResolver& resolve, std::optional<AnalysisError>& error) {
  const PlanPtr& child = n.children[0];
  const ExprList in = child->output();
  if (n.exprs.empty()) return child;
  std::vector<int64_t> chosen;
  if (n.names.empty()) {
    for (const auto& a : in) chosen.push_back(a->id);
  } else if (!attribute_ids(n.names, resolve, true, chosen, error)) {
    return nullptr;
  }
  const ExprPtr& first = n.exprs[0];
  Target target;
  if (first->type.is_numeric() && !first->value.is_null()) target = Target::Numeric;
  else if (first->type.id == TypeId::Boolean) target = Target::Boolean;
  else if (first->type.id == TypeId::String) target = Target::String;
  else { error = unsupported_value(*first); return nullptr; }
  std::vector<std::pair<ExprPtr, ExprPtr>> pairs;
  for (size_t i = 0; i + 1 < n.exprs.size(); i += 2) {
    const ExprPtr& k = n.exprs[i];
    const ExprPtr& v = n.exprs[i + 1];
    const bool keep = v->type.id == TypeId::String || v->type.id == TypeId::Boolean ||
                      (v->value.is_null() && (k->type.id == TypeId::String || k->type.id == TypeId::Boolean));
    for (const auto& x : keep ? ExprList{} : ExprList{k, v})
      if (!x->value.is_null() && !x->type.is_numeric()) { error = unsupported_value(*x); return nullptr; }
    pairs.emplace_back(keep ? k : as_replacement(k), keep ? v : as_replacement(v));
  }
  ExprList out;
  for (const auto& a : in) {
    const bool kind = target == Target::Numeric ? a->type.is_numeric()
                      : target == Target::Boolean ? a->type.id == TypeId::Boolean
                                                  : a->type.id == TypeId::String;
    if (!kind || std::find(chosen.begin(), chosen.end(), a->id) == chosen.end()) {
      out.push_back(a);
      continue;
    }
    // CaseKeyWhen(a, old0, CAST(new0 AS a's type), …, a)
    ExprList branches;
    for (const auto& [k, v] : pairs) {
      branches.push_back(unresolved_fn("=", {a, k}));
      branches.push_back(v->value.is_null() ? lit_null(a->type) : cast(v, a->type, true));
    }
    branches.push_back(a);
    out.push_back(alias(unresolved_fn("when", branches), a->name, ids.next()));
  }
  return plan_node(PlanKind::Project, out, child);
}

}  // namespace

bool is_na_node(const LogicalPlan& n) {
  return n.kind == PlanKind::Summary && (n.name == "fillNa" || n.name == "dropNa" || n.name == "replace");
}

PlanPtr rewrite_na(const LogicalPlan& n, IdGen& ids, const ColumnResolver& resolve, std::optional<AnalysisError>& error) {
  if (n.name == "fillNa") return rewrite_fill(n, ids, resolve, error);
  if (n.name == "dropNa") return rewrite_drop(n, resolve);
  return rewrite_replace(n, ids, resolve, error);
}

}  // namespace spp::sql
