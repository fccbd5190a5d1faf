// libFuzzer target: arbitrary bytes as the JSON plan a Python program sends the driver
// (docs/sql-engine.md "Plan wire format"; Connect Relation/Expression messages in proto3 JSON),
// decoded into a logical plan — Python UDF calls (commonInlineUserDefinedFunction with its
// base64 command), mapInPandas / applyInPandas / cogroup relations and every other node.
// Nothing may crash; a plan that decodes must print.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sql/connect/decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  spp::sql::IdGen ids;
  auto p = spp::sql::decode_plan(j, ids);
  if (p.is_ok() && p.value()) (void)p.value()->tree_string();
  if (j.is_object() && j.contains("expr")) (void)spp::sql::decode_expression(j["expr"], ids);
  return 0;
}
