// Lowering: a stage fragment's physical plan (the JSON of physical_to_json / StageFragment::
// to_json, docs/sql-engine.md "Stages") -> a tree of executor operators for one partition.
// Attributes are bound to column positions of the child's `output` list by exprId; canonical
// call names (src/sql/README.md) map to exec::Fn / AggFn. Leaves that read data from outside
// the fragment (LocalTableScan `data`: `shuffle:<stage>`, `broadcast:<stage>`, `inline:…`,
// `rdd:…`, `session:…`) are asked of the caller through LeafInputs, so the same lowering
// serves the executor (shuffle blocks) and in-process tests.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sql/exec/operator.h"
#include "sql/exec/sort.h"

namespace spp::sql::exec {

struct LeafInputs {
  // The batches of a LocalTableScan or FileScan (`leaf`, its JSON node) whose `data` is
  // `data_ref`, for this task's partition, in `schema` (the leaf's output columns, in order).
  std::function<Result<OpPtr>(const std::string& data_ref, const ColTypePtr& schema, const nlohmann::json& leaf)> scan;
};

// The operators keep a reference to ctx.exec: the LowerContext must outlive them.
struct LowerContext {
  int partition = 0;       // the partition this task computes
  int num_partitions = 1;  // partitions of the stage (Range splits by it when numPartitions is absent)
  ExecContext exec;
};

// The operator computing `partition` of the fragment `plan` (a physical_to_json object). Its
// schema is the plan's `output` list (names and types). Unsupported operators or calls are an
// error naming them (never a wrong answer).
Result<OpPtr> lower_plan(const nlohmann::json& plan, const LowerContext& ctx, const LeafInputs& inputs);

// How a shuffle map stage routes its output rows (StageFragment::to_json()["output"] and the
// root plan's ShuffleExchange partitioning), keys bound to the fragment root's output columns.
struct OutputPartitioning {
  enum class Kind { Hash, Range, Single, RoundRobin } kind = Kind::Single;
  int num = 1;
  std::vector<ExprPtr> keys;    // Hash
  std::vector<SortKey> orders;  // Range
};
Result<OutputPartitioning> lower_partitioning(const nlohmann::json& partitioning, const nlohmann::json& root_output);

// Expressions bound to a batch whose columns are `input` (a list of attribute JSON objects).
Result<ExprPtr> lower_expr(const nlohmann::json& expr, const nlohmann::json& input);

// The schema (ColType struct) of an `output` attribute list.
Result<ColTypePtr> output_schema(const nlohmann::json& output);

}  // namespace spp::sql::exec
