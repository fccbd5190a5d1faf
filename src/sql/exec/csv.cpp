#include "sql/exec/csv.h"
#include "common/strings.h"

#include <cmath>
#include <limits>
#include <unordered_map>

#include "sql/columnar/builder.h"
#include "sql/kernels/cast.h"
#include "sql/kernels/decimal.h"

namespace spp::sql::exec {

using col::ColType;
using col::TypeId;

namespace {

bool is_ws(char c) { return (unsigned char)c <= ' '; }

// CSVExprUtils.toDelimiterStr: "\t" and backslash escapes in the sep option.
Result<std::string> delimiter_from(const std::string& s) {
  if (s.empty()) return Result<std::string>::error("Delimiter cannot be empty string");
  if (s == "\\") {
    return Result<std::string>::error(
        "Single backslash is prohibited. It has special meaning as beginning of an escape sequence. "
        "To get the backslash character, pass a string with two backslashes as the delimiter.");
  }
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) { out += s[i]; continue; }
    char n = s[++i];
    switch (n) {
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case '"': out += '"'; break;
      case '\'': out += '\''; break;
      case '\\': out += '\\'; break;
      case 'u':
        if (s.compare(i + 1, 4, "0000") == 0) { out += '\0'; i += 4; break; }
        [[fallthrough]];
      default:
        return Result<std::string>::error("Unsupported special character for delimiter: \\" + std::string(1, n));
    }
  }
  return out;
}

Result<char> char_option(const ReaderOptions& ro, std::string_view key, char dflt) {
  auto v = ro.get(key);
  if (!v) return dflt;
  if (v->empty()) return '\0';
  if (v->size() == 1) return (*v)[0];
  return Result<char>::error(std::string(key) + " cannot be more than one character");
}

#define SPP_TRY_ASSIGN(lhs, expr)                      \
  do {                                                 \
    auto r_ = (expr);                                  \
    if (!r_) return Result<CsvOptions>(r_.status());   \
    lhs = std::move(*r_);                              \
  } while (0)

}  // namespace

Result<CsvOptions> CsvOptions::from(const ReaderOptionList& opts, std::string_view corrupt_default) {
  ReaderOptions ro(opts);
  CsvOptions o;
  auto sep = ro.get("sep");
  if (!sep) sep = ro.get("delimiter");
  if (sep) SPP_TRY_ASSIGN(o.sep, delimiter_from(*sep));
  SPP_TRY_ASSIGN(o.quote, char_option(ro, "quote", '"'));
  SPP_TRY_ASSIGN(o.escape, char_option(ro, "escape", '\\'));
  SPP_TRY_ASSIGN(o.comment, char_option(ro, "comment", '\0'));
  SPP_TRY_ASSIGN(o.header, ro.get_bool("header", false));
  SPP_TRY_ASSIGN(o.infer_schema, ro.get_bool("inferSchema", false));
  SPP_TRY_ASSIGN(o.enforce_schema, ro.get_bool("enforceSchema", true));
  SPP_TRY_ASSIGN(o.prefer_date, ro.get_bool("preferDate", true));
  SPP_TRY_ASSIGN(o.prefers_decimal, ro.get_bool("prefersDecimal", false));
  SPP_TRY_ASSIGN(o.ignore_leading_ws, ro.get_bool("ignoreLeadingWhiteSpace", false));
  SPP_TRY_ASSIGN(o.ignore_trailing_ws, ro.get_bool("ignoreTrailingWhiteSpace", false));
  if (auto v = ro.get("nullValue")) o.null_value = *v;
  if (auto v = ro.get("emptyValue")) o.empty_value = *v;
  if (auto v = ro.get("nanValue")) o.nan_value = *v;
  if (auto v = ro.get("positiveInf")) o.positive_inf = *v;
  if (auto v = ro.get("negativeInf")) o.negative_inf = *v;
  if (auto v = ro.get("mode")) o.mode = parse_mode_from(*v);
  o.corrupt_column = ro.get("columnNameOfCorruptRecord").value_or(std::string(corrupt_default));
  o.date_format = ro.get("dateFormat");
  o.timestamp_format = ro.get("timestampFormat");
  o.timestamp_ntz_format = ro.get("timestampNTZFormat");
  SPP_TRY_ASSIGN(o.sampling_ratio, ro.get_double("samplingRatio", 1.0));
  if (!(o.sampling_ratio > 0)) return Result<CsvOptions>::error("samplingRatio (" + std::to_string(o.sampling_ratio) + ") should be greater than 0");
  if (auto v = ro.get("maxColumns")) {
    auto n = java_parse_long(*v, 1, std::numeric_limits<int32_t>::max());
    if (!n) return Result<CsvOptions>::error("maxColumns should be an integer. Found " + *v);
    o.max_columns = int(*n);
  }
  if (auto v = ro.get("maxCharsPerColumn")) {
    auto n = java_parse_long(*v, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
    if (!n) return Result<CsvOptions>::error("maxCharsPerColumn should be an integer. Found '" + *v + "'");
    o.max_chars_per_column = int(*n);
  }
  if (auto v = ro.get("lineSep")) {
    if (v->empty()) return Result<CsvOptions>::error("'lineSep' cannot be an empty string.");
    if (v->size() > 2) return Result<CsvOptions>::error("'lineSep' can contain only 1 character.");
    o.line_sep = *v;
  }
  SPP_TRY_ASSIGN(o.multi_line, ro.get_bool("multiLine", false));
  SPP_TRY_ASSIGN(o.charset, charset_option(ro));
  // A set pattern is strict: no fallback to the lenient CAST parsers (as Spark).
  if (o.date_format) SPP_TRY_ASSIGN(o.date_pattern, DateTimePattern::compile(*o.date_format));
  if (o.timestamp_format) SPP_TRY_ASSIGN(o.timestamp_pattern, DateTimePattern::compile(*o.timestamp_format));
  if (o.timestamp_ntz_format) SPP_TRY_ASSIGN(o.timestamp_ntz_pattern, DateTimePattern::compile(*o.timestamp_ntz_format));
  return o;
}

// --- tokenizer -------------------------------------------------------------------------------

std::optional<std::string> csv_too_long(const std::vector<CsvToken>& tokens, const CsvOptions& opt) {
  if (opt.max_chars_per_column < 0) return std::nullopt;
  for (const auto& t : tokens) {
    if (t.text.size() <= size_t(opt.max_chars_per_column)) continue;  // never more chars than bytes
    int64_t chars = 0;  // UTF-16 units: a 4-byte UTF-8 sequence is a surrogate pair
    for (unsigned char c : t.text) chars += (c & 0xC0) != 0x80 ? (c >= 0xF0 ? 2 : 1) : 0;
    if (chars > opt.max_chars_per_column)
      return "com.univocity.parsers.common.TextParsingException: Length of parsed input (" +
             std::to_string(int64_t(opt.max_chars_per_column) + 1) +
             ") exceeds the maximum number of characters defined in your parser settings (" +
             std::to_string(opt.max_chars_per_column) + "). ";
  }
  return std::nullopt;
}

bool csv_tokenize(std::string_view line, const CsvOptions& opt, std::vector<CsvToken>& out,
                  std::string& scratch) {
  out.clear();
  scratch.clear();
  scratch.reserve(line.size() + 1);  // quoted content never exceeds the line: no reallocation
  const char* base = scratch.data();
  const std::string_view sep = opt.sep;
  const char s0 = sep[0];
  const size_t n = line.size();
  auto at_sep = [&](size_t i) {
    return line[i] == s0 && (sep.size() == 1 || line.compare(i, sep.size(), sep) == 0);
  };
  size_t i = 0;
  while (true) {
    if (int(out.size()) >= opt.max_columns) return false;
    if (opt.ignore_leading_ws)
      while (i < n && is_ws(line[i]) && !at_sep(i)) ++i;
    CsvToken tok;
    if (i < n && opt.quote != '\0' && line[i] == opt.quote) {
      // Quoted value: escape+quote is a literal quote; a quote followed by the delimiter or
      // the end closes it; any other quote is unescaped and, as STOP_AT_DELIMITER, the value
      // continues as unquoted text up to the next delimiter.
      tok.quoted = true;
      size_t start = scratch.size();
      ++i;
      bool closed = false;
      while (i < n) {
        char c = line[i];
        if (c == opt.escape && opt.escape != '\0' && i + 1 < n) {
          // escape+quote is a quote; escape+escape before a quote is one escape (univocity's
          // charToEscapeQuoteEscaping defaults to the escape itself).
          if (line[i + 1] == opt.quote) { scratch += opt.quote; i += 2; continue; }
          if (line[i + 1] == opt.escape && opt.escape != opt.quote && i + 2 < n && line[i + 2] == opt.quote) {
            scratch += opt.escape;
            i += 2;
            continue;
          }
        }
        if (c == opt.quote) {
          size_t j = i + 1;
          if (opt.ignore_trailing_ws)
            while (j < n && is_ws(line[j]) && !at_sep(j)) ++j;
          if (j == n || at_sep(j)) { i = j; closed = true; break; }
          scratch += c;  // unescaped quote: keep it and read on as unquoted text
          ++i;
          while (i < n && !at_sep(i)) scratch += line[i++];
          closed = true;
          break;
        }
        scratch += c;
        ++i;
      }
      (void)closed;
      tok.text = std::string_view(base + start, scratch.size() - start);
    } else {
      size_t start = i;
      while (i < n && !at_sep(i)) ++i;
      std::string_view v = line.substr(start, i - start);
      if (opt.ignore_trailing_ws)
        while (!v.empty() && is_ws(v.back())) v.remove_suffix(1);
      tok.text = v;
      tok.null = v.empty();
    }
    out.push_back(tok);
    if (i >= n) break;
    i += sep.size();  // at a delimiter
    if (i == n) {     // a trailing delimiter ends with an empty (null) field
      if (int(out.size()) >= opt.max_columns) return false;
      out.push_back(CsvToken{std::string_view(), false, true});
      break;
    }
  }
  return true;
}

namespace {

// The end of the record starting at i when multiLine: the first line terminator (lineSep, or
// \n, \r\n, \r) outside a quoted field. A quote opens a field only at its start (after the
// delimiter, or leading whitespace with ignoreLeadingWhiteSpace); inside, escape+quote and a
// doubled quote are literal quotes, another quote closes it.
size_t csv_record_end(std::string_view text, size_t i, const CsvOptions& opt) {
  const size_t n = text.size();
  const std::string_view sep = opt.sep;
  bool field_start = true, in_quote = false;
  while (i < n) {
    const char c = text[i];
    if (in_quote) {
      if (c == opt.escape && opt.escape != '\0' && opt.escape != opt.quote && i + 1 < n &&
          (text[i + 1] == opt.quote || text[i + 1] == opt.escape)) { i += 2; continue; }
      if (c == opt.quote) {
        if (i + 1 < n && text[i + 1] == opt.quote) { i += 2; continue; }
        in_quote = false;
      }
      ++i;
      continue;
    }
    if (opt.line_sep.empty() ? (c == '\n' || c == '\r') : text.compare(i, opt.line_sep.size(), opt.line_sep) == 0) return i;
    if (text.compare(i, sep.size(), sep) == 0) { field_start = true; i += sep.size(); continue; }
    if (field_start && opt.quote != '\0' && c == opt.quote) in_quote = true;
    else if (!(field_start && opt.ignore_leading_ws && is_ws(c))) field_start = false;
    ++i;
  }
  return n;
}

}  // namespace

std::vector<std::string_view> csv_data_lines(std::string_view text, const CsvOptions& opt) {
  std::vector<std::string_view> lines;
  size_t i = 0, n = text.size();
  while (i < n) {
    size_t end, next;
    if (opt.multi_line) {
      end = csv_record_end(text, i, opt);
      next = end == n                                     ? n
             : !opt.line_sep.empty()                      ? end + opt.line_sep.size()
             : text[end] == '\r' && end + 1 < n && text[end + 1] == '\n' ? end + 2
                                                          : end + 1;
    } else if (!opt.line_sep.empty()) {
      size_t p = text.find(opt.line_sep, i);
      end = p == std::string_view::npos ? n : p;
      next = p == std::string_view::npos ? n : p + opt.line_sep.size();
    } else {
      size_t p = i;
      while (p < n && text[p] != '\n' && text[p] != '\r') ++p;
      end = p;
      next = p == n ? n : (text[p] == '\r' && p + 1 < n && text[p + 1] == '\n') ? p + 2 : p + 1;
    }
    std::string_view line = text.substr(i, end - i);
    i = next;
    bool blank = true;
    for (char c : line)
      if (!is_ws(c)) { blank = false; break; }
    if (blank) continue;
    if (opt.comment != '\0' && line[0] == opt.comment) continue;
    lines.push_back(line);
  }
  return lines;
}

namespace {

// The string Spark's converters see for a token (univocity nullValue/emptyValue settings), or
// nullopt when it equals nullValue (NULL).
inline std::optional<std::string_view> datum_of(const CsvToken& t, const CsvOptions& opt) {
  if (t.null) return std::nullopt;  // univocity returns nullValue, which then reads as NULL
  std::string_view d = t.quoted && t.text.empty() ? std::string_view(opt.empty_value) : t.text;
  if (d == opt.null_value) return std::nullopt;
  return d;
}

bool supported_csv_type(TypeId id) {
  switch (id) {
    case TypeId::Null: case TypeId::Boolean: case TypeId::Byte: case TypeId::Short: case TypeId::Int:
    case TypeId::Long: case TypeId::Float: case TypeId::Double: case TypeId::Decimal: case TypeId::String:
    case TypeId::Date: case TypeId::Timestamp: case TypeId::TimestampNtz:
      return true;
    default:
      return false;
  }
}

// One converted value, staged until the whole row is known to be good (DROPMALFORMED drops
// rows after some fields converted).
struct Cell {
  bool valid = false;
  int64_t i = 0;
  double d = 0;
  __int128 dec = 0;
  std::string_view s;
};

bool convert(const ColType& t, std::string_view v, const CsvOptions& opt, const kern::TimeZone& tz, Cell& c) {
  switch (t.id) {
    case TypeId::Null: c.valid = false; return true;
    case TypeId::Byte: { auto r = java_parse_long(v, INT8_MIN, INT8_MAX); if (!r) return false; c.i = *r; break; }
    case TypeId::Short: { auto r = java_parse_long(v, INT16_MIN, INT16_MAX); if (!r) return false; c.i = *r; break; }
    case TypeId::Int: { auto r = java_parse_long(v, INT32_MIN, INT32_MAX); if (!r) return false; c.i = *r; break; }
    case TypeId::Long: {
      auto r = java_parse_long(v, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
      if (!r) return false;
      c.i = *r;
      break;
    }
    case TypeId::Float: case TypeId::Double: {
      if (v == opt.nan_value) c.d = std::nan("");
      else if (v == opt.negative_inf) c.d = -std::numeric_limits<double>::infinity();
      else if (v == opt.positive_inf) c.d = std::numeric_limits<double>::infinity();
      else if (t.id == TypeId::Float) { auto r = java_parse_float(v); if (!r) return false; c.d = *r; }
      else { auto r = java_parse_double(v); if (!r) return false; c.d = *r; }
      break;
    }
    case TypeId::Boolean: { auto r = java_parse_bool(v); if (!r) return false; c.i = *r; break; }
    case TypeId::Decimal: { auto r = parse_decimal_en_us(v, t.precision, t.scale); if (!r) return false; c.dec = *r; break; }
    case TypeId::String: c.s = v; break;
    case TypeId::Date: {
      // An explicit dateFormat turns off the lenient CAST fallback.
      auto r = opt.date_pattern ? opt.date_pattern->parse_date(v) : kern::parse_date(v);
      if (!r) return false;
      c.i = *r;
      break;
    }
    case TypeId::Timestamp: {
      auto r = opt.timestamp_pattern ? opt.timestamp_pattern->parse_timestamp(v, tz) : kern::parse_timestamp(v, tz);
      if (!r) return false;
      c.i = *r;
      break;
    }
    case TypeId::TimestampNtz: {
      auto r = opt.timestamp_ntz_pattern ? opt.timestamp_ntz_pattern->parse_timestamp_ntz(v) : parse_timestamp_ntz(v);
      if (!r) return false;
      c.i = *r;
      break;
    }
    default: return false;
  }
  c.valid = true;
  return true;
}

void append_cell(col::ColumnBuilder& b, const Cell& c) {
  if (!c.valid) { b.append_null(); return; }
  switch (b.type().id) {
    case TypeId::Byte: b.append<int8_t>(int8_t(c.i)); break;
    case TypeId::Short: b.append<int16_t>(int16_t(c.i)); break;
    case TypeId::Int: case TypeId::Date: b.append<int32_t>(int32_t(c.i)); break;
    case TypeId::Long: case TypeId::Timestamp: case TypeId::TimestampNtz: b.append<int64_t>(c.i); break;
    case TypeId::Float: b.append<float>(float(c.d)); break;
    case TypeId::Double: b.append<double>(c.d); break;
    case TypeId::Boolean: b.append_bool(c.i != 0); break;
    case TypeId::Decimal: b.append_decimal(c.dec); break;
    case TypeId::String: b.append_str(c.s); break;
    default: b.append_null(); break;
  }
}

std::string join_names(const std::vector<std::string>& v) {
  std::string r;
  for (size_t i = 0; i < v.size(); ++i) r += (i ? ", " : "") + v[i];
  return r;
}

}  // namespace

Result<CsvParser> CsvParser::make(CsvOptions opt, col::ColTypePtr schema, kern::TimeZone tz) {
  if (!schema || schema->id != TypeId::Struct) return Result<CsvParser>::error("CSV schema must be a struct");
  CsvParser p;
  p.opt_ = std::move(opt);
  p.schema_ = schema;
  p.tz_ = std::move(tz);
  for (size_t i = 0; i < schema->children.size(); ++i) {
    const ColType& t = schema->children[i];
    if (schema->names[i] == p.opt_.corrupt_column) {
      if (t.id != TypeId::String)
        return Result<CsvParser>::error("The field for corrupt records must be string type and nullable");
      p.corrupt_index_ = int(i);
      continue;
    }
    if (!supported_csv_type(t.id)) {
      return Result<CsvParser>::error("[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The CSV datasource doesn't support the column `" +
                                      schema->names[i] + "` of the type \"" + t.to_string() + "\".");
    }
    p.data_fields_.push_back(int(i));
  }
  return p;
}

Result<col::Batch> CsvParser::parse_text(std::string_view text, bool skip_header) const {
  return parse_lines(csv_data_lines(text, opt_), skip_header);
}

void CsvParser::require_only(const std::vector<int>& fields) {
  if (corrupt_index_ >= 0) return;
  std::vector<uint8_t> want(schema_->children.size(), 0);
  for (int f : fields)
    if (f >= 0 && size_t(f) < want.size()) want[size_t(f)] = 1;
  std::vector<std::string> names;
  std::vector<ColType> types;
  built_of_field_.assign(want.size(), -1);
  for (size_t i = 0; i < want.size(); ++i) {
    if (!want[i]) continue;
    built_of_field_[i] = int(names.size());
    names.push_back(schema_->names[i]);
    types.push_back(schema_->children[i]);
  }
  built_schema_ = col::make_type(ColType::strct(names, types));
}

Result<col::Batch> CsvParser::parse_lines(const std::vector<std::string_view>& lines, bool skip_header) const {
  const bool pruned = built_schema_ != nullptr;
  // Builder column of each token position (-1: not converted).
  std::vector<int> out_of_token(data_fields_.size());
  for (size_t k = 0; k < data_fields_.size(); ++k)
    out_of_token[k] = pruned ? built_of_field_[size_t(data_fields_[k])] : data_fields_[k];
  col::BatchBuilder bb(pruned ? built_schema_ : schema_);
  for (size_t c = 0; c < bb.num_columns(); ++c) bb.column(c).reserve(int64_t(lines.size()));
  std::vector<CsvToken> toks;
  std::string scratch;
  std::vector<Cell> cells(data_fields_.size());
  const size_t nf = data_fields_.size();
  for (size_t li = 0; li < lines.size(); ++li) {
    std::string_view line = lines[li];
    bool ok = csv_tokenize(line, opt_, toks, scratch);
    if (auto e = csv_too_long(toks, opt_)) return Result<col::Batch>::error(*e);
    if (li == 0 && skip_header) {
      if (!opt_.enforce_schema && ok) {
        // CSVHeaderChecker: with enforceSchema=false the header must name the schema's fields.
        std::vector<std::string> header, expected;
        for (auto& t : toks) header.emplace_back(datum_of(t, opt_).value_or("null"));
        for (int f : data_fields_) expected.push_back(schema_->names[size_t(f)]);
        if (header.size() != expected.size()) {
          return Result<col::Batch>::error("Number of column in CSV header is not equal to number of fields in the schema:\n Header length: " +
                                           std::to_string(header.size()) + ", schema size: " + std::to_string(expected.size()));
        }
        for (size_t k = 0; k < header.size(); ++k) {
          if (ascii_lower(header[k]) != ascii_lower(expected[k])) {
            return Result<col::Batch>::error("CSV header does not conform to the schema.\n Header: " + join_names(header) +
                                             "\n Schema: " + join_names(expected) + "\nExpected: " + expected[k] +
                                             " but found: " + header[k]);
          }
        }
      }
      continue;
    }
    bool bad = !ok || toks.size() != nf;
    for (size_t k = 0; k < nf; ++k) {
      Cell& c = cells[k];
      c.valid = false;
      if (!ok || k >= toks.size() || out_of_token[k] < 0) continue;
      auto d = datum_of(toks[k], opt_);
      if (!d) continue;
      if (!convert(schema_->children[size_t(data_fields_[k])], *d, opt_, tz_, c)) { c.valid = false; bad = true; }
    }
    if (bad) {
      if (opt_.mode == ParseMode::DropMalformed) continue;
      if (opt_.mode == ParseMode::FailFast) return Result<col::Batch>::error(malformed_record_error(line));
    }
    for (size_t k = 0; k < nf; ++k)
      if (out_of_token[k] >= 0) append_cell(bb.column(size_t(out_of_token[k])), cells[k]);
    if (corrupt_index_ >= 0) {
      auto& b = bb.column(size_t(corrupt_index_));
      bad ? b.append_str(line) : b.append_null();
    }
    bb.add_row();
  }
  if (!pruned) return bb.finish();
  col::Batch built = bb.finish(), out;
  out.schema = schema_;
  out.num_rows = built.num_rows;
  for (size_t i = 0; i < schema_->children.size(); ++i)
    out.columns.push_back(built_of_field_[i] >= 0 ? built.columns[size_t(built_of_field_[i])]
                                                  : col::make_null_column(col::make_type(schema_->children[i]), out.num_rows));
  return out;
}

// --- schema inference ------------------------------------------------------------------------

std::vector<std::string> csv_header_names(const std::vector<CsvToken>& first, const CsvOptions& opt,
                                          bool case_sensitive) {
  std::vector<std::string> names;
  if (!opt.header) {
    for (size_t i = 0; i < first.size(); ++i) names.push_back("_c" + std::to_string(i));
    return names;
  }
  // Header values as Spark sees them: an unquoted empty field is the nullValue string.
  std::vector<std::string> vals;
  for (auto& t : first) vals.emplace_back(t.null ? std::string_view(opt.null_value)
                                                 : t.quoted && t.text.empty() ? std::string_view(opt.empty_value) : t.text);
  std::unordered_map<std::string, int> counts;
  for (auto& v : vals) ++counts[case_sensitive ? v : ascii_lower(v)];
  for (size_t i = 0; i < vals.size(); ++i) {
    const std::string& v = vals[i];
    if (v.empty() || v == opt.null_value) names.push_back("_c" + std::to_string(i));
    else if (counts[case_sensitive ? v : ascii_lower(v)] > 1) names.push_back(v + std::to_string(i));
    else names.push_back(v);
  }
  return names;
}

namespace {
int integral_digits(TypeId id) {
  switch (id) {
    case TypeId::Byte: return 3;
    case TypeId::Short: return 5;
    case TypeId::Int: return 10;
    case TypeId::Long: return 20;
    default: return 0;
  }
}
int numeric_rank(TypeId id) {  // TypeCoercion.numericPrecedence
  switch (id) {
    case TypeId::Byte: return 1;
    case TypeId::Short: return 2;
    case TypeId::Int: return 3;
    case TypeId::Long: return 4;
    case TypeId::Float: return 5;
    case TypeId::Double: return 6;
    default: return 0;
  }
}
bool is_datetime(TypeId id) { return id == TypeId::Date || id == TypeId::Timestamp || id == TypeId::TimestampNtz; }
ColType S(TypeId id) { return ColType::scalar(id); }

ColType infer_date_or_later(std::string_view f, const CsvOptions& opt, int stage);

// The tryParse chain of CSVInferSchema; `stage` says where to start.
enum Stage { kInt, kLong, kDecimal, kDouble, kDate, kNtz, kTs, kBool };
ColType infer_from(std::string_view f, const CsvOptions& opt, int stage) {
  if (stage <= kInt && java_parse_long(f, INT32_MIN, INT32_MAX)) return S(TypeId::Int);
  if (stage <= kLong && java_parse_long(f, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()))
    return S(TypeId::Long);
  if (stage <= kDecimal) {
    // new BigDecimal(f); only whole numbers become decimals (fractional ones too with
    // prefersDecimal), and only when DecimalType accepts them (precision <= 38, no negative
    // scale, scale <= precision: 0.05 is double); otherwise the double check.
    auto sh = java_decimal_shape(f);
    if (sh && sh->precision <= 38 && (sh->scale == 0 || (opt.prefers_decimal && sh->scale > 0 && sh->scale <= sh->precision)))
      return ColType::decimal(sh->precision, int(sh->scale));
  }
  if (stage <= kDouble) {
    if (java_parse_double(f) || f == opt.nan_value || f == opt.negative_inf || f == opt.positive_inf)
      return S(TypeId::Double);
    return infer_date_or_later(f, opt, opt.prefer_date ? kDate : kNtz);
  }
  return infer_date_or_later(f, opt, stage);
}

ColType infer_date_or_later(std::string_view f, const CsvOptions& opt, int stage) {
  if (stage <= kDate && (opt.date_pattern ? opt.date_pattern->parse_date(f) : parse_iso_date_strict(f))) return S(TypeId::Date);
  // spark.sql.timestampType is TIMESTAMP_LTZ by default: zone-less values infer as timestamp.
  if (stage <= kNtz && (opt.timestamp_ntz_pattern ? opt.timestamp_ntz_pattern->parse_timestamp_ntz(f) : parse_timestamp_ntz(f)))
    return S(TypeId::Timestamp);
  if (stage <= kTs && (opt.timestamp_pattern ? opt.timestamp_pattern->parse_timestamp(f, 0) : kern::parse_timestamp(f, 0)))
    return S(TypeId::Timestamp);
  if (java_parse_bool(f)) return S(TypeId::Boolean);
  return S(TypeId::String);
}

std::optional<ColType> tightest_common(const ColType& a, const ColType& b) {
  if (a == b) return a;
  if (b.id == TypeId::Null) return a;
  if (a.id == TypeId::Null) return b;
  auto wider = [](const ColType& d, TypeId integral) {
    int dig = integral_digits(integral);
    return dig > 0 && d.precision - d.scale >= dig && d.scale >= 0;
  };
  if (a.id == TypeId::Decimal && integral_digits(b.id) && wider(a, b.id)) return a;
  if (b.id == TypeId::Decimal && integral_digits(a.id) && wider(b, a.id)) return b;
  if (numeric_rank(a.id) && numeric_rank(b.id)) return numeric_rank(a.id) >= numeric_rank(b.id) ? a : b;
  if (is_datetime(a.id) && is_datetime(b.id)) {
    if (a.id == TypeId::Timestamp || b.id == TypeId::Timestamp) return S(TypeId::Timestamp);
    return S(TypeId::TimestampNtz);
  }
  return std::nullopt;
}
}  // namespace

std::optional<ColType> csv_compatible_type(const ColType& a, const ColType& b) {
  auto is_ts = [](TypeId id) { return id == TypeId::Timestamp || id == TypeId::TimestampNtz; };
  if ((a.id == TypeId::Date && is_ts(b.id)) || (is_ts(a.id) && b.id == TypeId::Date)) return S(TypeId::String);
  if (auto t = tightest_common(a, b)) return t;
  if (a.id == TypeId::String || b.id == TypeId::String) return S(TypeId::String);
  if (integral_digits(a.id) && b.id == TypeId::Decimal) return csv_compatible_type(ColType::decimal(integral_digits(a.id), 0), b);
  if (a.id == TypeId::Decimal && integral_digits(b.id)) return csv_compatible_type(a, ColType::decimal(integral_digits(b.id), 0));
  if ((a.id == TypeId::Double && b.id == TypeId::Decimal) || (a.id == TypeId::Decimal && b.id == TypeId::Double))
    return S(TypeId::Double);
  if (a.id == TypeId::Decimal && b.id == TypeId::Decimal) {
    int scale = std::max(a.scale, b.scale);
    int range = std::max(a.precision - a.scale, b.precision - b.scale);
    if (range + scale > 38) return S(TypeId::Double);
    return ColType::decimal(range + scale, scale);
  }
  return std::nullopt;
}

ColType csv_infer_field(const ColType& so_far, std::string_view field, const CsvOptions& opt) {
  if (field.empty() || field == opt.null_value) return so_far;
  ColType t;
  switch (so_far.id) {
    case TypeId::Null: case TypeId::Int: t = infer_from(field, opt, kInt); break;
    case TypeId::Long: t = infer_from(field, opt, kLong); break;
    case TypeId::Decimal: t = infer_from(field, opt, kDecimal); break;
    case TypeId::Double: t = infer_from(field, opt, kDouble); break;
    case TypeId::Date: t = infer_date_or_later(field, opt, kDate); break;
    case TypeId::TimestampNtz: t = infer_date_or_later(field, opt, kNtz); break;
    case TypeId::Timestamp: t = infer_date_or_later(field, opt, kTs); break;
    case TypeId::Boolean: t = infer_date_or_later(field, opt, kBool); break;
    default: return S(TypeId::String);
  }
  return csv_compatible_type(so_far, t).value_or(S(TypeId::String));
}

Result<ColType> csv_infer_schema(const std::vector<std::string_view>& raw_lines, const CsvOptions& opt,
                                 bool case_sensitive) {
  // The same filtering the parser applies (blank and comment lines), then the header line.
  std::vector<std::string_view> lines;
  for (auto l : raw_lines) {
    while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.remove_suffix(1);
    bool blank = true;
    for (char c : l)
      if (!is_ws(c)) { blank = false; break; }
    if (blank || (opt.comment != '\0' && l[0] == opt.comment)) continue;
    lines.push_back(l);
  }
  if (lines.empty()) return ColType::strct({}, {});
  std::vector<CsvToken> toks;
  std::string scratch;
  csv_tokenize(lines[0], opt, toks, scratch);
  if (auto e = csv_too_long(toks, opt)) return Result<ColType>::error(*e);
  std::vector<std::string> names = csv_header_names(toks, opt, case_sensitive);
  std::vector<ColType> types(names.size(), S(opt.infer_schema ? TypeId::Null : TypeId::String));
  if (opt.infer_schema) {
    std::string_view header_line = lines[0];
    for (size_t li = 0; li < lines.size(); ++li) {
      // CSVUtils.filterHeaderLine: every line equal to the header is dropped (each file's).
      if (opt.header && lines[li] == header_line) continue;
      if (!csv_tokenize(lines[li], opt, toks, scratch)) continue;
      if (auto e = csv_too_long(toks, opt)) return Result<ColType>::error(*e);
      for (size_t i = 0; i < std::min(types.size(), toks.size()); ++i) {
        auto d = datum_of(toks[i], opt);
        if (d) types[i] = csv_infer_field(types[i], *d, opt);
      }
    }
    for (auto& t : types)
      if (t.id == TypeId::Null) t = S(TypeId::String);
  }
  return ColType::strct(std::move(names), std::move(types));
}

}  // namespace spp::sql::exec
