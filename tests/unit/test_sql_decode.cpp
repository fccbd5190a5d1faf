// The Connect JSON plan decoder on malformed input: every case is a plan error, never an
// exception (each of these aborted the driver-side decoder before; found by fuzz_sql_connect).
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "sql/connect/decode.h"

using namespace spp::sql;
using nlohmann::json;

namespace {
std::string plan_error(const char* text) {
  IdGen ids;
  auto p = decode_plan(json::parse(text), ids);
  return p.is_ok() ? std::string() : p.error_message();
}
std::string expr_error(const char* text) {
  IdGen ids;
  auto e = decode_expression(json::parse(text), ids);
  return e.is_ok() ? std::string() : e.error_message();
}
}  // namespace

TEST_CASE("sql decode: mistyped fields are plan errors, not exceptions") {
  CHECK(expr_error(R"({"literal":{"decimal":{"value":"1.5","precision":"x"}}})").find("bad decimal literal") != std::string::npos);
  CHECK(expr_error(R"({"literal":{"decimal":{"value":"1.5","scale":2000000000}}})").find("bad decimal literal") != std::string::npos);
  CHECK(expr_error(R"({"literal":{"decimal":{"value":"1.5","precision":3,"scale":5}}})").find("bad decimal literal") != std::string::npos);
  CHECK(expr_error(R"({"literal":{"decimal":{"value":"123456789012345678901234567890123456789012"}}})").find("bad decimal literal") !=
        std::string::npos);
  CHECK(expr_error(R"({"literal":{"decimal":{"value":"1.50","precision":5,"scale":3}}})").empty());
  const char* range = R"("input":{"range":{"start":"0","end":"1"}})";
  std::string arr = std::string(R"({"withColumnsRenamed":{)") + range + R"(,"renameColumnsMap":[1,2]}})";
  std::string num = std::string(R"({"withColumnsRenamed":{)") + range + R"(,"renameColumnsMap":{"a":1}}})";
  std::string ok = std::string(R"({"withColumnsRenamed":{)") + range + R"(,"renameColumnsMap":{"id":"x"}}})";
  CHECK(plan_error(arr.c_str()).find("renameColumnsMap") != std::string::npos);
  CHECK(plan_error(num.c_str()).find("renameColumnsMap") != std::string::npos);
  CHECK(plan_error(ok.c_str()).empty());
}
