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

}  // namespace spp::sql
