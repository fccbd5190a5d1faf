// get_json_object's path language (json_path.h) vs Spark 3.5: strings unquoted, other values
// as compact JSON, wildcards collecting an array (one match unwrapped), invalid paths and
// malformed documents NULL.
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "sql/exec/json_path.h"

using namespace spp::sql::exec;

namespace {
std::optional<std::string> get(const std::string& json, const std::string& path) {
  auto p = JsonPath::compile(path);
  if (!p) return std::nullopt;
  std::vector<JTok> tape;
  std::string scratch;
  return json_get_object(json, *p, tape, scratch);
}
const std::string kDoc = R"({"a": 1, "b": [1, 2.50, "x"], "c": {"d": "é\n", "e": null}, "f": [{"g": 1}, {"g": [2]}, {"h": 3}]})";
}  // namespace

TEST_CASE("sql json path: keys, indices, brackets") {
  CHECK(get(kDoc, "$.a") == "1");
  CHECK(get(kDoc, "$.b") == "[1,2.5,\"x\"]");  // floats as Jackson copies them (Double.toString)
  CHECK(get(kDoc, "$.b[2]") == "x");
  CHECK(get(kDoc, "$.b[3]") == std::nullopt);
  CHECK(get(kDoc, "$.c.d") == "é\n");
  CHECK(get(kDoc, "$['c']['d']") == "é\n");
  CHECK(get(kDoc, "$.c.e") == std::nullopt);  // JSON null: NULL
  CHECK(get(kDoc, "$.c") == "{\"d\":\"é\\n\",\"e\":null}");
  CHECK(get(kDoc, "$") == get(kDoc, "$"));
  CHECK(get(kDoc, "$.zz") == std::nullopt);
  CHECK(get(kDoc, "$.a.b") == std::nullopt);
}

TEST_CASE("sql json path: wildcards") {
  CHECK(get(kDoc, "$.f[*].g") == "[1,[2]]");
  CHECK(get(kDoc, "$.f[*].h") == "3");  // a single match is not wrapped
  CHECK(get(kDoc, "$.b[*]") == "[1,2.5,\"x\"]");  // floats as Jackson copies them (Double.toString)
  CHECK(get(kDoc, "$.f[*].zz") == std::nullopt);
}

TEST_CASE("sql json path: invalid paths and documents") {
  CHECK(get(kDoc, "a") == std::nullopt);
  CHECK(get(kDoc, "$.") == std::nullopt);
  CHECK(get(kDoc, "$[x]") == std::nullopt);
  CHECK(get(kDoc, "$[1") == std::nullopt);
  CHECK(get("{\"a\": ", "$.a") == std::nullopt);
  CHECK(get("", "$") == std::nullopt);
  CHECK(get("[10, 20]", "$[1]") == "20");
  CHECK(get("{'a': 'q'}", "$.a") == "q");  // single quotes: Spark's allowSingleQuotes
}
