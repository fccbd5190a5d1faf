// CSV reading as Spark 3.5 does it (multiLine: records split on quotes, see csv_data_lines): options (CSVOptions), the tokenizer
// (univocity settings Spark uses), conversion of whole lines into a columnar batch
// (UnivocityParser + FailureSafeParser) and schema inference (CSVInferSchema, makeSafeHeader).
// Pure functions over lines; callers read the files and cut the splits.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sql/columnar/batch.h"
#include "sql/exec/datetime_pattern.h"
#include "sql/exec/reader_common.h"

namespace spp::sql::exec {

struct CsvOptions {
  std::string sep = ",";          // sep / delimiter; may be several characters
  char quote = '"';               // '\0': quoting off (quote option "")
  char escape = '\\';
  char comment = '\0';            // '\0': comment lines off
  bool header = false;
  bool infer_schema = false;
  bool enforce_schema = true;
  bool prefer_date = true;
  bool prefers_decimal = false;   // inference: fractional numbers as decimals (when DecimalType takes them)
  bool ignore_leading_ws = false;   // reading defaults
  bool ignore_trailing_ws = false;
  std::string null_value;          // "" by default: empty fields are NULL
  std::string empty_value;         // what a quoted "" reads as (default "", which is NULL again)
  std::string nan_value = "NaN", positive_inf = "Inf", negative_inf = "-Inf";
  ParseMode mode = ParseMode::Permissive;
  std::string corrupt_column = "_corrupt_record";
  std::optional<std::string> date_format, timestamp_format, timestamp_ntz_format;  // unset: Spark's default parsers
  std::optional<DateTimePattern> date_pattern, timestamp_pattern, timestamp_ntz_pattern;  // compiled from the above
  double sampling_ratio = 1.0;
  std::string line_sep;            // empty: \n, \r\n or \r
  int max_columns = 20480;
  int max_chars_per_column = -1;  // maxCharsPerColumn: longer values fail the read (univocity's TextParsingException); < 0 unlimited
  bool multi_line = false;         // multiLine: records may span lines inside quotes; files are read whole
  std::string charset;             // encoding/charset other than UTF-8 ("" = UTF-8): files read whole, decoded by iconv

  // Spark's option names, case-insensitive; unknown keys are ignored. `corrupt_default` is
  // spark.sql.columnNameOfCorruptRecord.
  static Result<CsvOptions> from(const ReaderOptionList& opts,
                                 std::string_view corrupt_default = "_corrupt_record");
};

// One token of a record. `null` = an unquoted empty field (univocity's null).
struct CsvToken {
  std::string_view text;
  bool quoted = false;
  bool null = false;
};

// Splits one record (no line terminator) into tokens. Unescaped quoted content is written to
// `scratch`, which must not be touched while the tokens are used. Returns false past maxColumns.
bool csv_tokenize(std::string_view line, const CsvOptions& opt, std::vector<CsvToken>& out,
                  std::string& scratch);

// maxCharsPerColumn: univocity's TextParsingException text when a token of the record is longer
// (in Java chars) than options.max_chars_per_column, nullopt otherwise (always when unlimited).
std::optional<std::string> csv_too_long(const std::vector<CsvToken>& tokens, const CsvOptions& opt);

// Splits text into lines at '\n' (a '\r' before it is dropped) or at options.line_sep; empty and
// whitespace-only lines and comment lines are skipped (CSVExprUtils.filterCommentAndEmpty).
// With multiLine, into records: a line terminator inside a quoted field belongs to the field
// (univocity's parser over the whole file), an unclosed quote runs to the end of the text.
std::vector<std::string_view> csv_data_lines(std::string_view text, const CsvOptions& opt);

// Parses lines into rows of `schema` (a struct of scalar types; a string field named
// options.corrupt_column receives malformed lines). `tz` is the session time
// zone for timestamps without an explicit offset. `skip_header` drops the first data line (the
// split at file offset 0 when header=true). Errors: unsupported type, FAILFAST on a bad record,
// enforceSchema=false with a header that does not match.
class CsvParser {
 public:
  static Result<CsvParser> make(CsvOptions opt, col::ColTypePtr schema, kern::TimeZone tz);
  Result<col::Batch> parse_text(std::string_view text, bool skip_header) const;
  Result<col::Batch> parse_lines(const std::vector<std::string_view>& lines, bool skip_header) const;
  // Spark's CSV column pruning (spark.sql.csv.parser.columnPruning.enabled): only these schema
  // fields are converted; the others come back as NULL columns (the scan drops them), and a
  // malformed value in them goes unnoticed as in Spark. Not with a corrupt-record column.
  void require_only(const std::vector<int>& fields);

 private:
  CsvParser() = default;
  CsvOptions opt_;
  col::ColTypePtr schema_;
  kern::TimeZone tz_;
  int corrupt_index_ = -1;          // field index of the corrupt-record column, or -1
  std::vector<int> data_fields_;    // schema field index of each token position
  col::ColTypePtr built_schema_;    // require_only: the required fields, in schema order
  std::vector<int> built_of_field_; // require_only: builder column of each schema field, or -1
};

// Column names from the header tokens (makeSafeHeader): empty or nullValue names become
// _c<i>, duplicates (case-insensitive unless case_sensitive) get their index appended. Without
// a header: _c0.._c<n-1>.
std::vector<std::string> csv_header_names(const std::vector<CsvToken>& first, const CsvOptions& opt,
                                          bool case_sensitive = false);

// Schema of CSV lines (all files' sampled lines; the first line is the header when
// options.header). Every column string unless options.infer_schema.
Result<col::ColType> csv_infer_schema(const std::vector<std::string_view>& lines, const CsvOptions& opt,
                                      bool case_sensitive = false);
// The type lattice step for one value, exposed for tests: the type of `field` given the
// column's type so far (NullType = col::TypeId::Null).
col::ColType csv_infer_field(const col::ColType& so_far, std::string_view field, const CsvOptions& opt);
std::optional<col::ColType> csv_compatible_type(const col::ColType& a, const col::ColType& b);

}  // namespace spp::sql::exec
