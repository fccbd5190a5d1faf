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
// proto3 int64 (a JSON string; numbers are accepted too); `what` names the field in the error.
Result<int64_t> i64(const nlohmann::json& j, const char* what);
// proto3 double: a JSON number, or "NaN" / "Infinity" / "-Infinity"; anything else is 0.
double jdouble(const nlohmann::json& j);
// Connect's Expression.Literal (decode_literal.cpp).
Result<ExprPtr> decode_literal(const nlohmann::json& j, IdGen& ids);
bool boolean(const nlohmann::json& j, const char* key);

}  // namespace spp::sql
