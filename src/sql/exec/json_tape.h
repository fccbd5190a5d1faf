// A JSON value flattened into a reusable token tape (no per-value heap allocation), with the
// lenient syntax Jackson allows under Spark's JSON options, and Jackson's compact writer (what
// Spark stores when a non-string JSON value lands in a string column).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spp::sql::exec {

enum class JKind : uint8_t { Object, Array, String, Int, Float, True, False, Null };

// One value. Containers are followed by their members; `end` is the tape index just past the
// container's last member. Object members carry their field name in `key`. Strings hold their
// unescaped text, numbers their source text (Float also covers NaN / Infinity forms).
struct JTok {
  JKind kind = JKind::Null;
  uint32_t end = 0;
  std::string_view text;
  std::string_view key;
};

// Jackson features Spark's JSONOptions switch (defaults as Spark's).
struct JsonSyntax {
  bool allow_comments = false;
  bool allow_unquoted_field_names = false;
  bool allow_single_quotes = true;
  bool allow_numeric_leading_zeros = false;
  bool allow_non_numeric_numbers = true;
  bool allow_backslash_escaping_any = false;
  bool allow_unquoted_control_chars = false;
};

enum class JParse : uint8_t { Ok, Empty, Error };

// Parses the first JSON value of `text` into `tape` (cleared first); content after it is not
// looked at (as Spark, which reads one token stream per line). Unescaped strings are written
// into `scratch` (reserved up front, so views stay valid until the next call).
JParse json_tokenize(std::string_view text, const JsonSyntax& syn, std::vector<JTok>& tape, std::string& scratch);

inline size_t json_next(const std::vector<JTok>& t, size_t i) {
  return t[i].kind == JKind::Object || t[i].kind == JKind::Array ? t[i].end : i + 1;
}

// Appends value i as Jackson's generator copies it: compact, strings re-escaped, integers as
// written, floats through Double.toString (1e2 -> 100.0).
void json_write(const std::vector<JTok>& tape, size_t i, std::string& out);

}  // namespace spp::sql::exec
