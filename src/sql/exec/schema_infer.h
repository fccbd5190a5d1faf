// Schema inference the analyzer runs on constant text (schema_of_json / schema_of_csv given as
// from_json's / from_csv's schema, both foldable in Spark): the inferred type as Spark's SQL
// type string (`STRUCT<a: BIGINT>`), or the inference error. Implemented by the executor's
// readers (library_json.cpp, library_csv.cpp).
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace spp::sql::exec {

using OptionPairs = std::vector<std::pair<std::string, std::string>>;

Result<std::string> infer_json_schema_sql(std::string_view text, const OptionPairs& options);
Result<std::string> infer_csv_schema_sql(std::string_view text, const OptionPairs& options);

}  // namespace spp::sql::exec
