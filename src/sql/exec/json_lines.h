// JSON Lines reading as Spark 3.5 does it (multiLine: a whole file is one record): options (JSONOptions), lines ->
// columnar batch with JacksonParser's conversions and FailureSafeParser's modes, and schema
// inference (JsonInferSchema). Pure functions over lines; callers read the files.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sql/columnar/batch.h"
#include "sql/exec/datetime_pattern.h"
#include "sql/exec/json_tape.h"
#include "sql/exec/reader_common.h"

namespace spp::sql::exec {

struct JsonOptions {
  JsonSyntax syntax;
  bool primitives_as_string = false;
  bool prefers_decimal = false;
  bool drop_field_if_all_null = false;
  bool infer_timestamp = false;
  ParseMode mode = ParseMode::Permissive;
  std::string corrupt_column = "_corrupt_record";
  std::optional<DateTimePattern> date_pattern, timestamp_pattern, timestamp_ntz_pattern;  // unset: CAST-style parsers
  double sampling_ratio = 1.0;
  std::string line_sep;                    // empty: \n, \r\n or \r
  bool multi_line = false;                 // multiLine: a text (a whole file) is one record
  std::string charset;                     // encoding/charset other than UTF-8 ("" = UTF-8): files read whole, decoded by iconv

  // Spark's option names, case-insensitive; unknown keys are ignored. `corrupt_default` is
  // spark.sql.columnNameOfCorruptRecord.
  static Result<JsonOptions> from(const ReaderOptionList& opts,
                                  std::string_view corrupt_default = "_corrupt_record");
};

// Splits text into lines (see JsonOptions::line_sep); blank lines are dropped (they read as no
// rows in Spark). With multiLine the whole text is one record (Spark parses the file's first JSON
// value and ignores what follows).
std::vector<std::string_view> json_data_lines(std::string_view text, const JsonOptions& opt);

// Parses JSON lines into rows of `schema` (a struct). A line holding an object is one row, an
// array of objects one row per element; missing fields are NULL, unknown ones ignored, a string
// field named options.corrupt_column receives malformed lines. `tz` is the
// session time zone for timestamps without an explicit offset.
class JsonLinesParser {
 public:
  static Result<JsonLinesParser> make(JsonOptions opt, col::ColTypePtr schema, kern::TimeZone tz);
  Result<col::Batch> parse_text(std::string_view text) const;
  Result<col::Batch> parse_lines(const std::vector<std::string_view>& lines) const;

 private:
  JsonLinesParser() = default;
  JsonOptions opt_;
  col::ColTypePtr schema_;
  kern::TimeZone tz_;
  int corrupt_index_ = -1;
  std::unordered_map<std::string_view, int> field_index_;  // name -> schema index (views into schema_)
};

// Schema of JSON lines (JsonInferSchema): fields sorted by name at every level, numbers merged
// bigint -> double / decimal, conflicts -> string, all-NULL fields string (or dropped with
// dropFieldIfAllNull), `_corrupt_record` added when a line is malformed (PERMISSIVE).
Result<col::ColType> json_infer_schema(const std::vector<std::string_view>& lines, const JsonOptions& opt);
// JsonInferSchema.compatibleType over inferred types (Null = not yet known), for merging
// per-partition results.
col::ColType json_compatible_type(const col::ColType& a, const col::ColType& b);

}  // namespace spp::sql::exec
