// get_json_object's path language (Spark 3.5 GetJsonObject, jsonExpressions.scala): `$`, then
// `.name`, `['name']`, `[n]` and the `[*]` / `.*` wildcards. A path compiles once; evaluation
// walks a JSON tape (json_tape.h) and writes what Spark returns: a string value's unescaped
// text, anything else as compact JSON, several wildcard matches as a JSON array.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sql/exec/json_tape.h"

namespace spp::sql::exec {

class JsonPath {
 public:
  // nullopt: not a valid path (get_json_object then returns NULL for every row, as Spark).
  static std::optional<JsonPath> compile(std::string_view path);
  // false: no match (NULL). The tape holds one parsed document.
  bool eval(const std::vector<JTok>& tape, std::string& out) const;

 private:
  struct Step {
    enum class Kind : uint8_t { Key, Index, AnyIndex, AnyKey } kind;
    std::string key;
    int64_t index = 0;
  };
  void walk(const std::vector<JTok>& t, size_t i, size_t step, std::vector<size_t>& hits, bool& wild) const;
  std::vector<Step> steps_;
};

// get_json_object(json, path) over a whole batch of strings: one tape reused for every row.
// Malformed JSON rows give nullopt.
std::optional<std::string> json_get_object(std::string_view json, const JsonPath& path, std::vector<JTok>& tape,
                                           std::string& scratch);

}  // namespace spp::sql::exec
