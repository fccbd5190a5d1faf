// ExtractGenerator (Spark's analyzer rule): a generator in a select list (explode, posexplode
// and their _outer forms) becomes a Generate node under a Project holding the other items.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "sql/analysis/errors.h"
#include "sql/connect/decode.h"
#include "sql/plan/logical.h"

namespace spp::sql {

// The columns a generator call produces, as Spark's elementSchema: `col` for arrays (nullable as
// the elements), `key` (not null) and `value` for maps, `pos` (int, not null) first for posexplode.
std::vector<StructField> generator_element_schema(const Expr& generator);

// One pass over the plan: Project/Aggregate select lists with a generator are rewritten (one
// generator per pass; a second one in the same select stacks another Generate next pass, as
// Spark 3.5). Errors as Spark's: UNSUPPORTED_GENERATOR.NESTED_IN_EXPRESSIONS / MULTI_GENERATOR
// (aggregates) / OUTSIDE_SELECT, UDTF_ALIAS_NUMBER_MISMATCH. Returns `plan` itself when nothing changed.
PlanPtr extract_generators(const PlanPtr& plan, IdGen& ids, std::optional<AnalysisError>& error);

}  // namespace spp::sql
