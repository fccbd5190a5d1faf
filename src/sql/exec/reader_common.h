// What the CSV and JSON-lines readers share: the reader option list (keys case-insensitive as
// Spark's CaseInsensitiveMap), parse modes, Java's number grammars (Integer.parseInt,
// Double.parseDouble, new BigDecimal) and the malformed-record error text.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace spp::sql::exec {

using ReaderOptionList = std::vector<std::pair<std::string, std::string>>;

// How malformed records are handled (Spark's ParseMode; unknown names fall back to PERMISSIVE
// as Spark does, with a warning there).
enum class ParseMode : uint8_t {
  Permissive,     // keep the row: bad fields NULL, raw text in the corrupt-record column
  DropMalformed,  // drop the row
  FailFast,       // fail the read
};
ParseMode parse_mode_from(std::string_view s);

// Lookup over an option list: the last value of a key wins (as a Scala Map built from pairs).
class ReaderOptions {
 public:
  explicit ReaderOptions(const ReaderOptionList& opts) : opts_(opts) {}
  std::optional<std::string> get(std::string_view key) const;
  Result<bool> get_bool(std::string_view key, bool dflt) const;
  Result<double> get_double(std::string_view key, double dflt) const;
 private:
  const ReaderOptionList& opts_;
};

// Java grammars, no whitespace allowed (Integer.parseInt / Long.parseLong).
std::optional<int64_t> java_parse_long(std::string_view s, int64_t min, int64_t max);
// Double.parseDouble / Float.parseFloat: trims chars <= ' ', accepts NaN, [+-]Infinity, decimal
// mantissa with exponent and an f/F/d/D suffix (hex floats are not supported).
std::optional<double> java_parse_double(std::string_view s);
std::optional<float> java_parse_float(std::string_view s);
// new java.math.BigDecimal(s) grammar check: [+-] digits[.digits] | .digits, [eE[+-]digits].
// Returns the scale BigDecimal would give (fraction digits minus exponent) and its precision.
struct JavaDecimalShape { int precision = 0; int64_t scale = 0; };
std::optional<JavaDecimalShape> java_decimal_shape(std::string_view s);
// Scala's String.toBoolean: "true"/"false", case-insensitive.
std::optional<bool> java_parse_bool(std::string_view s);
// yyyy-MM-dd exactly (the strict ISO date pattern used for inference).
std::optional<int32_t> parse_iso_date_strict(std::string_view s);

// CAST-style timestamp that names no zone of its own (TimestampNTZ parsing), µs wall clock.
std::optional<int64_t> parse_timestamp_ntz(std::string_view s);
// ExprUtils.getDecimalParser(Locale.US): commas dropped, new BigDecimal grammar, then rounded
// HALF_UP to (p, scale); nullopt when invalid or too wide.
std::optional<__int128> parse_decimal_en_us(std::string_view s, int p, int scale);

// The `encoding`/`charset` option: "" for UTF-8 (and its aliases), else the name as given, checked
// to be a charset glibc's iconv converts from (Java's UnsupportedCharsetException otherwise).
Result<std::string> charset_option(const ReaderOptions& ro);
// Bytes in `charset` (a charset_option result) as UTF-8, through glibc's iconv; a byte sequence
// invalid in that charset becomes U+FFFD (as Java's decoders replace it).
Result<std::string> to_utf8(std::string_view bytes, const std::string& charset);

// Spark's FAILFAST error (MALFORMED_RECORD_IN_PARSING).
std::string malformed_record_error(std::string_view record);

}  // namespace spp::sql::exec
