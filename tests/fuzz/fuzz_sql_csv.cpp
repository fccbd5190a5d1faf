// libFuzzer target: arbitrary bytes as CSV text (docs/sql-engine.md "Readers"). The first byte
// picks option variants (some decode the text from UTF-16 / ISO-8859-1 first); the rest is parsed into a batch of every supported type and inferred.
// Whatever the input, parsing must not crash and any batch it returns must be valid.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sql/exec/csv.h"

static bool corrupt_field_not_string(const spp::sql::col::ColType& t, const std::string& name) {
  for (size_t i = 0; i < t.names.size(); ++i)
    if (t.names[i] == name && t.children[i].id != spp::sql::col::TypeId::String) return true;
  return false;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spp::sql;
  using namespace spp::sql::exec;
  using col::ColType;
  using col::TypeId;
  if (size == 0) return 0;
  uint8_t sel = data[0];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string decoded;  // the `encoding` option's iconv decoding, on some inputs
  if ((sel & 40) == 40) {
    auto u = to_utf8(text, (sel & 64) ? "UTF-16" : "ISO-8859-1");
    if (!u.is_ok()) __builtin_trap();
    decoded = std::move(*u);
    text = decoded;
  }
  ReaderOptionList l;
  if (sel & 1) l.push_back({"header", "true"});
  if (sel & 2) l.push_back({"escape", "\""});
  if (sel & 4) l.push_back({"sep", "||"});
  if (sel & 8) l.push_back({"ignoreLeadingWhiteSpace", "true"});
  if (sel & 16) l.push_back({"ignoreTrailingWhiteSpace", "true"});
  if (sel & 32) l.push_back({"nullValue", "NA"});
  if (sel & 64) {
    l.push_back({"comment", "#"});
    l.push_back({"timestampFormat", "yyyy-MM-dd'T'HH:mm[:ss][.SSSSSS]XX"});
    l.push_back({"dateFormat", "EEE, d MMMM yyyy"});
  }
  if (sel & 128) l.push_back({"mode", "DROPMALFORMED"});
  if ((sel & 48) == 48) l.push_back({"multiLine", "true"});  // records split on quotes
  // Inputs whose size is a multiple of 3 also cap values at 8 chars (maxCharsPerColumn): longer
  // ones fail the parse and the inference with univocity's error, nothing else.
  const bool capped = size % 3 == 0;
  if (capped) l.push_back({"maxCharsPerColumn", "8"});
  l.push_back({"inferSchema", "true"});
  auto o = CsvOptions::from(l);
  if (!o.is_ok()) __builtin_trap();
  std::vector<std::string> names = {"b", "s", "i", "l", "f", "d", "dec", "bo", "str", "dt", "ts", "ntz", "_corrupt_record"};
  std::vector<ColType> types = {ColType::scalar(TypeId::Byte), ColType::scalar(TypeId::Short), ColType::scalar(TypeId::Int),
                                ColType::scalar(TypeId::Long), ColType::scalar(TypeId::Float), ColType::scalar(TypeId::Double),
                                ColType::decimal(12, 3), ColType::scalar(TypeId::Boolean), ColType::scalar(TypeId::String),
                                ColType::scalar(TypeId::Date), ColType::scalar(TypeId::Timestamp),
                                ColType::scalar(TypeId::TimestampNtz), ColType::scalar(TypeId::String)};
  auto p = CsvParser::make(*o, col::make_type(ColType::strct(names, types)), 3600);
  if (!p.is_ok()) __builtin_trap();
  auto b = p->parse_text(text, sel & 1);
  if (b.is_ok() && !col::validate(*b).is_ok()) __builtin_trap();
  auto lines = csv_data_lines(text, *o);
  auto t = csv_infer_schema(lines, *o);
  if (!t.is_ok()) {
    if (!capped) __builtin_trap();
    return 0;
  }
  // The inferred schema must be one the parser accepts and parses the same lines with.
  auto p2 = CsvParser::make(*o, col::make_type(*t), 0);
  // A header/key named like the corrupt-record column whose values infer as non-strings is
  // Spark's AnalysisException at read time, not a crash; any other inferred schema must parse.
  if (!p2.is_ok()) {
    if (!corrupt_field_not_string(*t, o->corrupt_column)) __builtin_trap();
    return 0;
  }
  auto b2 = p2->parse_lines(lines, sel & 1);
  if (b2.is_ok() && !col::validate(*b2).is_ok()) __builtin_trap();
  return 0;
}
