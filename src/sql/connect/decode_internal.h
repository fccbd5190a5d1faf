// Helpers shared by the decoder's files (decode.cpp, decode_window.cpp); not an API.
#pragma once
#include <initializer_list>

#include <nlohmann/json.hpp>

#include "sql/connect/decode.h"

namespace spp::sql {

// An object's keys must be among `allowed` (unknown fields are refused, naming `node`).
Status check_keys(const nlohmann::json& j, const char* node, std::initializer_list<const char*> allowed);
// The expressions of list `key` (absent: empty).
Result<ExprList> exprs(const nlohmann::json& j, const char* key, IdGen& ids);
// Connect's Window expression: {windowFunction, partitionSpec, orderSpec, frameSpec}.
Result<ExprPtr> decode_window(const nlohmann::json& b, IdGen& ids);
// Connect's MapPartitions (mapInPandas) and GroupMap (applyInPandas) relations (decode_python.cpp).
Result<PlanPtr> decode_pandas_map(const std::string& kind, const nlohmann::json& b, IdGen& ids);
std::string str(const nlohmann::json& j, const char* key);
bool boolean(const nlohmann::json& j, const char* key);

}  // namespace spp::sql
