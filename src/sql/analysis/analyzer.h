// The analyzer: batches of small rules run to a fixed point over the unresolved plan (resolve
// relations, columns, stars, functions with Spark's coercions, names; rewrite withColumns &
// co. into projections), then CheckAnalysis reports what stayed unresolved with Spark's texts.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sql/analysis/errors.h"
#include "sql/connect/decode.h"
#include "sql/plan/logical.h"

namespace spp::sql {

struct AnalyzerOptions {
  bool case_sensitive = false;  // spark.sql.caseSensitive
  // Temp views / tables by name parts; nullptr when unknown. Views are stored analyzed.
  std::function<PlanPtr(const std::vector<std::string>&)> lookup_relation;
  // Session functions (spark.udf.register) called with `args`; nullptr when `name` is none.
  std::function<ExprPtr(const std::string& name, const ExprList& args)> lookup_function;
  // Analysing a subquery: the enclosing operator's input, where names the subquery cannot
  // resolve become outer references.
  const ExprList* outer = nullptr;
};

struct Analyzed {
  PlanPtr plan;                        // resolved plan (or the partial plan on error)
  std::optional<AnalysisError> error;
};

Analyzed analyze(const PlanPtr& plan, IdGen& ids, const AnalyzerOptions& opts = {});

// The output schema of a resolved plan (`StructType` of its output attributes).
DataType plan_schema(const PlanPtr& plan);

}  // namespace spp::sql
