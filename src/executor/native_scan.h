// File scans of the native engine: a FileScan leaf's byte ranges (whole lines, Hadoop's line
// semantics through the executor's TextSplitReader / GzipTextReader) decoded by format into
// batches of the leaf's output columns.
#pragma once
#include <vector>

#include <nlohmann/json.hpp>

#include "common/task_plan.h"
#include "sql/exec/operator.h"

namespace spp::executor {

// `leaf`: the FileScan node (format, options, dataSchema, output); `schema`: its output columns.
Result<sql::exec::OpPtr> make_file_scan(const nlohmann::json& leaf, std::vector<plan::TextSource> chunks,
                                        sql::col::ColTypePtr schema, const sql::exec::ExecContext& ctx);

}  // namespace spp::executor
