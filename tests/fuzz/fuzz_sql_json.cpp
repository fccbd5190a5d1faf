// libFuzzer target: arbitrary bytes as JSON lines (docs/sql-engine.md "Readers"). The first
// byte picks option variants; the rest is inferred, then parsed with the inferred schema and
// with a fixed schema of every supported kind; get_json_object's paths (the first line taken as
// one too) walk each line's tape. Nothing may crash; batches must be valid.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sql/exec/json_lines.h"
#include "sql/exec/json_path.h"

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
  ReaderOptionList l;
  // Inputs whose size is a multiple of 3 are UTF-16LE (encoding + lineSep, as the scan decodes
  // them before parsing).
  std::string decoded;
  if (size % 3 == 0) {
    l.push_back({"encoding", "UTF-16LE"});
    l.push_back({"lineSep", "\n"});
    auto u = to_utf8(text, "UTF-16LE");
    if (!u.is_ok()) __builtin_trap();
    decoded = std::move(*u);
    text = decoded;
  }
  if (sel & 1) l.push_back({"allowComments", "true"});
  if (sel & 2) l.push_back({"allowUnquotedFieldNames", "true"});
  if (sel & 4) l.push_back({"prefersDecimal", "true"});
  if (sel & 8) l.push_back({"primitivesAsString", "true"});
  if (sel & 16) l.push_back({"dropFieldIfAllNull", "true"});
  if (sel & 32) {
    l.push_back({"inferTimestamp", "true"});
    l.push_back({"timestampFormat", "dd/MM/yyyy[ hh:mm[:ss[.SSS]] a][XXX]"});
    l.push_back({"dateFormat", "d MMM yy"});
  }
  if (sel & 64) l.push_back({"mode", "DROPMALFORMED"});
  if (sel & 128) l.push_back({"allowBackslashEscapingAnyCharacter", "true"});
  if ((sel & 24) == 24) l.push_back({"multiLine", "true"});  // the whole text one record
  auto o = JsonOptions::from(l);
  if (!o.is_ok()) __builtin_trap();
  auto lines = json_data_lines(text, *o);
  auto t = json_infer_schema(lines, *o);
  if (!t.is_ok()) __builtin_trap();
  auto p = JsonLinesParser::make(*o, col::make_type(*t), 0);
  // A header/key named like the corrupt-record column whose values infer as non-strings is
  // Spark's AnalysisException at read time, not a crash; any other inferred schema must parse.
  if (!p.is_ok()) {
    if (!corrupt_field_not_string(*t, o->corrupt_column)) __builtin_trap();
    return 0;
  }
  auto b = p->parse_lines(lines);
  if (!b.is_ok() || !col::validate(*b).is_ok()) __builtin_trap();
  ColType fixed = ColType::strct(
      {"a", "b", "c", "d", "e", "m", "s", "t", "_corrupt_record"},
      {ColType::scalar(TypeId::Long), ColType::scalar(TypeId::Double), ColType::decimal(10, 2), ColType::scalar(TypeId::Date),
       ColType::array(ColType::scalar(TypeId::Int)), ColType::map(ColType::scalar(TypeId::String), ColType::scalar(TypeId::String)),
       ColType::strct({"x", "y"}, {ColType::scalar(TypeId::Boolean), ColType::array(ColType::scalar(TypeId::String))}),
       ColType::scalar(TypeId::Timestamp), ColType::scalar(TypeId::String)});
  auto p2 = JsonLinesParser::make(*o, col::make_type(fixed), 3600);
  if (!p2.is_ok()) __builtin_trap();
  auto b2 = p2->parse_lines(lines);
  if (!b2.is_ok() || !col::validate(*b2).is_ok()) __builtin_trap();
  std::vector<JsonPath> paths;
  for (const char* q : {"$", "$.a", "$.a[0]", "$[*]", "$.*", "$.s.y[*]", "$['m'].x", "$[*][*]"}) paths.push_back(*JsonPath::compile(q));
  if (!lines.empty())
    if (auto q = JsonPath::compile(lines[0])) paths.push_back(*q);
  std::vector<JTok> tape;
  std::string scratch;
  for (auto line : lines)
    for (const auto& q : paths) (void)json_get_object(line, q, tape, scratch);
  return 0;
}
