#include "sql/exec/json_lines.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sql/columnar/builder.h"
#include "sql/kernels/cast.h"
#include "sql/kernels/decimal.h"

namespace spp::sql::exec {

using col::ColType;
using col::ColumnBuilder;
using col::TypeId;

#define SPP_JSON_TRY(lhs, expr)                        \
  do {                                                 \
    auto r_ = (expr);                                  \
    if (!r_) return Result<JsonOptions>(r_.status());  \
    lhs = std::move(*r_);                              \
  } while (0)

Result<JsonOptions> JsonOptions::from(const ReaderOptionList& opts, std::string_view corrupt_default) {
  ReaderOptions ro(opts);
  JsonOptions o;
  SPP_JSON_TRY(o.primitives_as_string, ro.get_bool("primitivesAsString", false));
  SPP_JSON_TRY(o.prefers_decimal, ro.get_bool("prefersDecimal", false));
  SPP_JSON_TRY(o.drop_field_if_all_null, ro.get_bool("dropFieldIfAllNull", false));
  SPP_JSON_TRY(o.infer_timestamp, ro.get_bool("inferTimestamp", false));
  SPP_JSON_TRY(o.syntax.allow_comments, ro.get_bool("allowComments", false));
  SPP_JSON_TRY(o.syntax.allow_unquoted_field_names, ro.get_bool("allowUnquotedFieldNames", false));
  SPP_JSON_TRY(o.syntax.allow_single_quotes, ro.get_bool("allowSingleQuotes", true));
  SPP_JSON_TRY(o.syntax.allow_numeric_leading_zeros, ro.get_bool("allowNumericLeadingZeros", false));
  SPP_JSON_TRY(o.syntax.allow_non_numeric_numbers, ro.get_bool("allowNonNumericNumbers", true));
  SPP_JSON_TRY(o.syntax.allow_backslash_escaping_any, ro.get_bool("allowBackslashEscapingAnyCharacter", false));
  SPP_JSON_TRY(o.syntax.allow_unquoted_control_chars, ro.get_bool("allowUnquotedControlChars", false));
  if (auto v = ro.get("mode")) o.mode = parse_mode_from(*v);
  o.corrupt_column = ro.get("columnNameOfCorruptRecord").value_or(std::string(corrupt_default));
  SPP_JSON_TRY(o.sampling_ratio, ro.get_double("samplingRatio", 1.0));
  if (!(o.sampling_ratio > 0))
    return Result<JsonOptions>::error("samplingRatio (" + std::to_string(o.sampling_ratio) + ") should be greater than 0");
  if (auto v = ro.get("lineSep")) {
    if (v->empty()) return Result<JsonOptions>::error("'lineSep' cannot be an empty string.");
    o.line_sep = *v;
  }
  SPP_JSON_TRY(o.multi_line, ro.get_bool("multiLine", false));
  if (auto v = ro.get("dateFormat")) SPP_JSON_TRY(o.date_pattern, DateTimePattern::compile(*v));
  if (auto v = ro.get("timestampFormat")) SPP_JSON_TRY(o.timestamp_pattern, DateTimePattern::compile(*v));
  if (auto v = ro.get("timestampNTZFormat")) SPP_JSON_TRY(o.timestamp_ntz_pattern, DateTimePattern::compile(*v));
  // encoding/charset (JSONOptionsInRead.checkedEncoding): files are decoded to UTF-8 by iconv.
  SPP_JSON_TRY(o.charset, charset_option(ro));
  if (!o.charset.empty()) {
    std::string up;
    for (char c : o.charset) up += char(std::toupper(static_cast<unsigned char>(c)));
    if (!o.multi_line && (up == "UTF-16" || up == "UTF-32" || up == "UTF16" || up == "UTF32"))
      return Result<JsonOptions>::error("requirement failed: The " + o.charset +
                                        " encoding must not be included in the denyList when multiLine is disabled:\n"
                                        "denylist: UTF-16, UTF-32");
    if (!o.multi_line && o.line_sep.empty())
      return Result<JsonOptions>::error("requirement failed: The lineSep option must be specified for the " + o.charset + " encoding");
  }
  return o;
}

std::vector<std::string_view> json_data_lines(std::string_view text, const JsonOptions& opt) {
  std::vector<std::string_view> lines;
  if (opt.multi_line) {
    if (text.find_first_not_of(" \t\r\n") != std::string_view::npos) lines.push_back(text);
    return lines;
  }
  size_t i = 0, n = text.size();
  while (i < n) {
    size_t end, next;
    if (!opt.line_sep.empty()) {
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
    if (line.find_first_not_of(" \t\r\n") != std::string_view::npos) lines.push_back(line);
  }
  return lines;
}

// --- conversion (JacksonParser.makeConverter) ------------------------------------------------

namespace {

bool supported_json_type(const ColType& t) {
  switch (t.id) {
    case TypeId::Binary: case TypeId::DayTimeInterval: case TypeId::YearMonthInterval: case TypeId::CalendarInterval: return false;
    case TypeId::Array: return supported_json_type(t.children[0]);
    case TypeId::Map: return t.children[0].id == TypeId::String && supported_json_type(t.children[1]);
    case TypeId::Struct:
      for (auto& c : t.children)
        if (!supported_json_type(c)) return false;
      return true;
    default: return true;
  }
}

struct Converter {
  const std::vector<JTok>& tape;
  const JsonOptions& opt;
  const kern::TimeZone& tz;
  std::string& tmp;  // JSON text of non-string values landing in string columns

  std::optional<double> special_double(std::string_view s) const {
    if (!opt.syntax.allow_non_numeric_numbers) return std::nullopt;
    if (s == "NaN") return std::nan("");
    if (s == "+INF" || s == "+Infinity" || s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-INF" || s == "-Infinity") return -std::numeric_limits<double>::infinity();
    return std::nullopt;
  }
  std::optional<double> number_double(std::string_view s) const {
    if (s == "-INF") return -std::numeric_limits<double>::infinity();
    if (s == "+INF") return std::numeric_limits<double>::infinity();
    return java_parse_double(s);
  }

  // Converts tape value i to type t, appending to b (nullptr: only checks). Returns false when
  // the value does not convert; a check that passes guarantees the append succeeds.
  bool convert(ColumnBuilder* b, const ColType& t, size_t i) const {
    const JTok& k = tape[i];
    if (k.kind == JKind::Null || t.id == TypeId::Null) {
      if (b) b->append_null();
      return true;
    }
    switch (t.id) {
      case TypeId::Boolean:
        if (k.kind != JKind::True && k.kind != JKind::False) return false;
        if (b) b->append_bool(k.kind == JKind::True);
        return true;
      case TypeId::Byte: case TypeId::Short: case TypeId::Int: case TypeId::Long: {
        if (k.kind != JKind::Int) return false;
        int64_t lo = t.id == TypeId::Byte ? INT8_MIN : t.id == TypeId::Short ? INT16_MIN : t.id == TypeId::Int ? INT32_MIN : INT64_MIN;
        int64_t hi = t.id == TypeId::Byte ? INT8_MAX : t.id == TypeId::Short ? INT16_MAX : t.id == TypeId::Int ? INT32_MAX : INT64_MAX;
        auto v = java_parse_long(k.text, lo, hi);
        if (!v) return false;
        if (b) {
          if (t.id == TypeId::Byte) b->append<int8_t>(int8_t(*v));
          else if (t.id == TypeId::Short) b->append<int16_t>(int16_t(*v));
          else if (t.id == TypeId::Int) b->append<int32_t>(int32_t(*v));
          else b->append<int64_t>(*v);
        }
        return true;
      }
      case TypeId::Float: case TypeId::Double: {
        std::optional<double> v;
        if (k.kind == JKind::Int || k.kind == JKind::Float) {
          if (t.id == TypeId::Float && k.text != "-INF" && k.text != "+INF") {
            auto f = java_parse_float(k.text);
            if (f) v = double(*f);
          } else {
            v = number_double(k.text);
          }
        } else if (k.kind == JKind::String) {
          v = special_double(k.text);
        }
        if (!v) return false;
        if (b) t.id == TypeId::Float ? b->append<float>(float(*v)) : b->append<double>(*v);
        return true;
      }
      case TypeId::Decimal: {
        std::optional<__int128> v;
        if (k.kind == JKind::Int || k.kind == JKind::Float) {
          if (java_decimal_shape(k.text)) v = kern::dec::parse(k.text, t.precision, t.scale);
        } else if (k.kind == JKind::String && !k.text.empty()) {
          v = parse_decimal_en_us(k.text, t.precision, t.scale);
        }
        if (!v) return false;
        if (b) b->append_decimal(*v);
        return true;
      }
      case TypeId::String:
        if (!b) return true;  // anything reads as a string (its JSON text)
        if (k.kind == JKind::String) {
          b->append_str(k.text);
        } else {
          tmp.clear();
          json_write(tape, i, tmp);
          b->append_str(tmp);
        }
        return true;
      case TypeId::Date: {
        if (k.kind != JKind::String || k.text.empty()) return false;
        std::optional<int32_t> d = opt.date_pattern ? opt.date_pattern->parse_date(k.text) : kern::parse_date(k.text);
        if (!d && !opt.date_pattern) {
          // Spark 1.5 stored dates as day numbers in strings; still accepted.
          if (auto n = java_parse_long(k.text, INT32_MIN, INT32_MAX)) d = int32_t(*n);
        }
        if (!d) return false;
        if (b) b->append<int32_t>(*d);
        return true;
      }
      case TypeId::Timestamp: case TypeId::TimestampNtz: {
        std::optional<int64_t> v;
        if (k.kind == JKind::String) {
          if (t.id == TypeId::Timestamp)
            v = opt.timestamp_pattern ? opt.timestamp_pattern->parse_timestamp(k.text, tz) : kern::parse_timestamp(k.text, tz);
          else
            v = opt.timestamp_ntz_pattern ? opt.timestamp_ntz_pattern->parse_timestamp_ntz(k.text) : parse_timestamp_ntz(k.text);
        } else if (k.kind == JKind::Int && t.id == TypeId::Timestamp) {
          // Numbers are seconds since the epoch.
          auto s = java_parse_long(k.text, INT64_MIN / 1000000, INT64_MAX / 1000000);
          if (s) v = *s * 1000000;
        }
        if (!v) return false;
        if (b) b->append<int64_t>(*v);
        return true;
      }
      case TypeId::Array: {
        if (k.kind != JKind::Array) return false;
        const ColType& et = t.children[0];
        for (size_t j = i + 1; j < k.end; j = json_next(tape, j))
          if (!convert(nullptr, et, j)) return false;
        if (b) {
          for (size_t j = i + 1; j < k.end; j = json_next(tape, j)) convert(&b->child(0), et, j);
          b->finish_list();
        }
        return true;
      }
      case TypeId::Map: {
        if (k.kind != JKind::Object) return false;
        const ColType& vt = t.children[1];
        for (size_t j = i + 1; j < k.end; j = json_next(tape, j)) {
          if (!convert(nullptr, vt, j)) return false;
          // spark.sql.mapKeyDedupPolicy=EXCEPTION: a repeated key fails the record.
          for (size_t q = i + 1; q < j; q = json_next(tape, q))
            if (tape[q].key == tape[j].key) return false;
        }
        if (b) {
          ColumnBuilder& entries = b->child(0);
          for (size_t j = i + 1; j < k.end; j = json_next(tape, j)) {
            entries.child(0).append_str(tape[j].key);
            convert(&entries.child(1), vt, j);
          }
          b->finish_list();
        }
        return true;
      }
      case TypeId::Struct: {
        if (k.kind != JKind::Object) return false;
        for (size_t f = 0; f < t.children.size(); ++f) {
          size_t at = find_member(i, t.names[f]);
          if (at && !convert(nullptr, t.children[f], at)) return false;
        }
        if (b) {
          for (size_t f = 0; f < t.children.size(); ++f) {
            size_t at = find_member(i, t.names[f]);
            if (at) convert(&b->child(f), t.children[f], at);
            else b->child(f).append_null();
          }
          b->finish_struct();
        }
        return true;
      }
      default:
        return false;
    }
  }

  // Tape index of the last member of object i named `name` (duplicates: the last wins), or 0.
  size_t find_member(size_t i, std::string_view name) const {
    size_t found = 0;
    for (size_t j = i + 1; j < tape[i].end; j = json_next(tape, j))
      if (tape[j].key == name) found = j;
    return found;
  }
};

}  // namespace

Result<JsonLinesParser> JsonLinesParser::make(JsonOptions opt, col::ColTypePtr schema, kern::TimeZone tz) {
  if (!schema || schema->id != TypeId::Struct) return Result<JsonLinesParser>::error("JSON schema must be a struct");
  JsonLinesParser p;
  p.opt_ = std::move(opt);
  p.schema_ = schema;
  p.tz_ = std::move(tz);
  for (size_t i = 0; i < schema->children.size(); ++i) {
    const ColType& t = schema->children[i];
    if (schema->names[i] == p.opt_.corrupt_column) {
      if (t.id != TypeId::String)
        return Result<JsonLinesParser>::error("The field for corrupt records must be string type and nullable");
      p.corrupt_index_ = int(i);
      continue;
    }
    if (!supported_json_type(t)) {
      return Result<JsonLinesParser>::error("[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The JSON datasource doesn't support the column `" +
                                            schema->names[i] + "` of the type \"" + t.to_string() + "\".");
    }
    p.field_index_[std::string_view(schema->names[i])] = int(i);  // a repeated name: the last wins
  }
  return p;
}

Result<col::Batch> JsonLinesParser::parse_text(std::string_view text) const {
  return parse_lines(json_data_lines(text, opt_));
}

Result<col::Batch> JsonLinesParser::parse_lines(const std::vector<std::string_view>& lines) const {
  col::BatchBuilder bb(schema_);
  for (size_t c = 0; c < bb.num_columns(); ++c) bb.column(c).reserve(int64_t(lines.size()));
  std::vector<JTok> tape;
  std::string scratch, tmp;
  const size_t nf = schema_->children.size();
  std::vector<size_t> at(nf);      // tape index of each field's value in the current row, 0 = absent
  std::vector<char> ok(nf);
  Converter cv{tape, opt_, tz_, tmp};

  auto emit_bad = [&](std::string_view line) -> Status {
    if (opt_.mode == ParseMode::FailFast) return Status::error(malformed_record_error(line));
    if (opt_.mode == ParseMode::DropMalformed) return Status::ok();
    for (size_t f = 0; f < nf; ++f)
      int(f) == corrupt_index_ ? bb.column(f).append_str(line) : bb.column(f).append_null();
    bb.add_row();
    return Status::ok();
  };
  // One row from object o. Root fields convert independently: a bad one is NULL and marks the
  // record malformed (PERMISSIVE keeps the others, as Spark's partial results).
  auto emit_object = [&](size_t o, std::string_view line) -> Status {
    std::fill(at.begin(), at.end(), 0);
    for (size_t j = o + 1; j < tape[o].end; j = json_next(tape, j)) {
      auto it = field_index_.find(tape[j].key);
      if (it != field_index_.end()) at[size_t(it->second)] = j;
    }
    bool bad = false;
    for (size_t f = 0; f < nf; ++f) {
      ok[f] = !at[f] || cv.convert(nullptr, schema_->children[f], at[f]);
      bad |= !ok[f];
    }
    if (bad && opt_.mode != ParseMode::Permissive) return emit_bad(line);
    for (size_t f = 0; f < nf; ++f) {
      if (int(f) == corrupt_index_) {
        bad ? bb.column(f).append_str(line) : bb.column(f).append_null();
      } else if (at[f] && ok[f]) {
        cv.convert(&bb.column(f), schema_->children[f], at[f]);
      } else {
        bb.column(f).append_null();
      }
    }
    bb.add_row();
    return Status::ok();
  };

  for (std::string_view line : lines) {
    JParse r = json_tokenize(line, opt_.syntax, tape, scratch);
    if (r == JParse::Empty) continue;
    Status st;
    if (r == JParse::Error) {
      st = emit_bad(line);
    } else if (tape[0].kind == JKind::Object) {
      st = emit_object(0, line);
    } else if (tape[0].kind == JKind::Array) {
      // An array of objects is one row per element; any other element fails the whole line.
      bool good = true;
      for (size_t j = 1; j < tape[0].end && good; j = json_next(tape, j)) {
        if (tape[j].kind != JKind::Object) { good = false; break; }
        for (size_t q = j + 1; q < tape[j].end; q = json_next(tape, q)) {
          auto it = field_index_.find(tape[q].key);
          if (it != field_index_.end() && cv.find_member(j, tape[q].key) == q &&
              !cv.convert(nullptr, schema_->children[size_t(it->second)], q)) {
            good = false;
            break;
          }
        }
      }
      if (!good) st = emit_bad(line);
      else
        for (size_t j = 1; j < tape[0].end && st.is_ok(); j = json_next(tape, j)) st = emit_object(j, line);
    } else {
      st = emit_bad(line);  // a scalar or null at the root is not a record
    }
    if (!st.is_ok()) return Result<col::Batch>(st);
  }
  return bb.finish();
}

// --- schema inference (JsonInferSchema) ------------------------------------------------------

namespace {

ColType S(TypeId id) { return ColType::scalar(id); }

int integral_digits(TypeId id) {
  return id == TypeId::Byte ? 3 : id == TypeId::Short ? 5 : id == TypeId::Int ? 10 : id == TypeId::Long ? 20 : 0;
}
int numeric_rank(TypeId id) {
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

ColType decimal_or_double(const JavaDecimalShape& sh) {
  // DecimalType(max(precision, scale), scale); Spark 3 has no negative scales.
  int p = int(std::max<int64_t>(sh.precision, sh.scale));
  if (sh.scale < 0 || p > 38) return S(TypeId::Double);
  return ColType::decimal(p, int(sh.scale));
}

ColType sorted_struct(std::vector<std::pair<std::string, ColType>> fields) {
  // structFieldComparator: String.compareTo on names (byte order for the common case);
  // stable, so a name repeated in one object keeps its first-seen order before merging.
  std::stable_sort(fields.begin(), fields.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::vector<std::string> names;
  std::vector<ColType> types;
  for (auto& [n, t] : fields) {
    if (!names.empty() && names.back() == n) {  // a repeated key in one object: merge the types
      types.back() = json_compatible_type(types.back(), t);
      continue;
    }
    names.push_back(n);
    types.push_back(std::move(t));
  }
  return ColType::strct(std::move(names), std::move(types));
}

ColType infer_value(const std::vector<JTok>& tape, size_t i, const JsonOptions& opt) {
  const JTok& k = tape[i];
  switch (k.kind) {
    case JKind::Null: return S(TypeId::Null);
    case JKind::String: {
      if (k.text.empty()) return S(TypeId::Null);  // "" is treated like null until merged
      if (opt.prefers_decimal) {
        std::string_view s = k.text;
        std::string clean;
        if (s.find(',') != std::string_view::npos) {
          for (char c : s)
            if (c != ',') clean += c;
          s = clean;
        }
        if (auto sh = java_decimal_shape(s); sh && sh->scale >= 0 && sh->scale <= sh->precision && sh->precision <= 38)
          return ColType::decimal(sh->precision, int(sh->scale));
      }
      if (opt.infer_timestamp &&
          ((opt.timestamp_ntz_pattern ? opt.timestamp_ntz_pattern->parse_timestamp_ntz(k.text) : parse_timestamp_ntz(k.text)) ||
           (opt.timestamp_pattern ? opt.timestamp_pattern->parse_timestamp(k.text, 0) : kern::parse_timestamp(k.text, 0))))
        return S(TypeId::Timestamp);
      return S(TypeId::String);
    }
    case JKind::True: case JKind::False:
      return S(opt.primitives_as_string ? TypeId::String : TypeId::Boolean);
    case JKind::Int: {
      if (opt.primitives_as_string) return S(TypeId::String);
      if (java_parse_long(k.text, INT64_MIN, INT64_MAX)) return S(TypeId::Long);
      auto sh = java_decimal_shape(k.text);  // BigInteger
      return sh ? decimal_or_double(*sh) : S(TypeId::Double);
    }
    case JKind::Float: {
      if (opt.primitives_as_string) return S(TypeId::String);
      if (opt.prefers_decimal)
        if (auto sh = java_decimal_shape(k.text)) return decimal_or_double(*sh);
      return S(TypeId::Double);
    }
    case JKind::Array: {
      ColType et = S(TypeId::Null);
      for (size_t j = i + 1; j < k.end; j = json_next(tape, j)) et = json_compatible_type(et, infer_value(tape, j, opt));
      return ColType::array(std::move(et), true);
    }
    case JKind::Object: {
      std::vector<std::pair<std::string, ColType>> fields;
      for (size_t j = i + 1; j < k.end; j = json_next(tape, j)) fields.emplace_back(std::string(tape[j].key), infer_value(tape, j, opt));
      return sorted_struct(std::move(fields));
    }
  }
  return S(TypeId::String);
}

// canonicalizeType: NullType -> string (or dropped), empty-named fields and empty structs dropped.
std::optional<ColType> canonicalize(const ColType& t, const JsonOptions& opt) {
  switch (t.id) {
    case TypeId::Null:
      if (opt.drop_field_if_all_null) return std::nullopt;
      return S(TypeId::String);
    case TypeId::Array: {
      auto e = canonicalize(t.children[0], opt);
      if (!e) return std::nullopt;
      return ColType::array(*e, t.nullable.empty() ? true : bool(t.nullable[0]));
    }
    case TypeId::Struct: {
      std::vector<std::string> names;
      std::vector<ColType> types;
      for (size_t f = 0; f < t.children.size(); ++f) {
        if (t.names[f].empty()) continue;
        if (auto c = canonicalize(t.children[f], opt)) {
          names.push_back(t.names[f]);
          types.push_back(std::move(*c));
        }
      }
      if (names.empty()) return std::nullopt;
      return ColType::strct(std::move(names), std::move(types));
    }
    default:
      return t;
  }
}

}  // namespace

ColType json_compatible_type(const ColType& a, const ColType& b) {
  // TypeCoercion.findTightestCommonType first.
  if (a == b) return a;
  if (a.id == TypeId::Null) return b;
  if (b.id == TypeId::Null) return a;
  if (numeric_rank(a.id) && numeric_rank(b.id)) return numeric_rank(a.id) >= numeric_rank(b.id) ? a : b;
  auto wider = [](const ColType& d, TypeId in) { return d.precision - d.scale >= integral_digits(in) && d.scale >= 0; };
  if (a.id == TypeId::Decimal && col::is_integral(b.id) && wider(a, b.id)) return a;
  if (b.id == TypeId::Decimal && col::is_integral(a.id) && wider(b, a.id)) return b;
  auto is_dt = [](TypeId id) { return id == TypeId::Date || id == TypeId::Timestamp || id == TypeId::TimestampNtz; };
  if (is_dt(a.id) && is_dt(b.id)) {
    if (a.id == TypeId::Timestamp || b.id == TypeId::Timestamp) return S(TypeId::Timestamp);
    return S(TypeId::TimestampNtz);
  }
  // Then JsonInferSchema's own rules.
  if ((a.id == TypeId::Double && b.id == TypeId::Decimal) || (a.id == TypeId::Decimal && b.id == TypeId::Double))
    return S(TypeId::Double);
  if (a.id == TypeId::Decimal && b.id == TypeId::Decimal) {
    int scale = std::max(a.scale, b.scale);
    int range = std::max(a.precision - a.scale, b.precision - b.scale);
    if (range + scale > 38) return S(TypeId::Double);
    return ColType::decimal(range + scale, scale);
  }
  if (col::is_integral(a.id) && b.id == TypeId::Decimal) return json_compatible_type(ColType::decimal(integral_digits(a.id), 0), b);
  if (a.id == TypeId::Decimal && col::is_integral(b.id)) return json_compatible_type(a, ColType::decimal(integral_digits(b.id), 0));
  if (a.id == TypeId::Struct && b.id == TypeId::Struct) {
    // Both sorted by name: merge the lists.
    std::vector<std::string> names;
    std::vector<ColType> types;
    size_t i = 0, j = 0;
    while (i < a.children.size() || j < b.children.size()) {
      if (j == b.children.size() || (i < a.children.size() && a.names[i] < b.names[j])) {
        names.push_back(a.names[i]); types.push_back(a.children[i]); ++i;
      } else if (i == a.children.size() || b.names[j] < a.names[i]) {
        names.push_back(b.names[j]); types.push_back(b.children[j]); ++j;
      } else {
        names.push_back(a.names[i]); types.push_back(json_compatible_type(a.children[i], b.children[j])); ++i; ++j;
      }
    }
    return ColType::strct(std::move(names), std::move(types));
  }
  if (a.id == TypeId::Array && b.id == TypeId::Array) {
    bool cn = (a.nullable.empty() || a.nullable[0]) || (b.nullable.empty() || b.nullable[0]);
    return ColType::array(json_compatible_type(a.children[0], b.children[0]), cn);
  }
  if ((a.id == TypeId::TimestampNtz && b.id == TypeId::Timestamp) || (a.id == TypeId::Timestamp && b.id == TypeId::TimestampNtz))
    return S(TypeId::Timestamp);
  return S(TypeId::String);
}

Result<ColType> json_infer_schema(const std::vector<std::string_view>& lines, const JsonOptions& opt) {
  std::vector<JTok> tape;
  std::string scratch;
  ColType root = ColType::strct({}, {});
  auto add_corrupt = [&]() -> Status {
    // compatibleRootType's withCorruptField.
    if (opt.mode == ParseMode::FailFast)
      return Status::error("[MALFORMED_RECORD_IN_SCHEMA_INFERENCE] Malformed records are detected in schema inference. Parse Mode: FAILFAST.");
    if (opt.mode == ParseMode::DropMalformed) return Status::ok();
    for (auto& n : root.names)
      if (n == opt.corrupt_column) return Status::ok();
    root = json_compatible_type(root, ColType::strct({opt.corrupt_column}, {S(TypeId::String)}));
    return Status::ok();
  };
  for (std::string_view line : lines) {
    JParse r = json_tokenize(line, opt.syntax, tape, scratch);
    if (r == JParse::Empty) continue;
    Status st;
    if (r == JParse::Error) {
      st = add_corrupt();
    } else {
      ColType t = infer_value(tape, 0, opt);
      while (t.id == TypeId::Array) {  // arrays at the root: their elements are the records
        ColType e = t.children[0];
        t = std::move(e);
      }
      if (t.id == TypeId::Struct) root = json_compatible_type(root, t);
      else if (t.id != TypeId::Null) st = add_corrupt();
    }
    if (!st.is_ok()) return Result<ColType>(st);
  }
  auto c = canonicalize(root, opt);
  if (!c) return ColType::strct({}, {});
  return *c;
}

}  // namespace spp::sql::exec
