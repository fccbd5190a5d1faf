// DDL type strings (`int`, `decimal(5,2)`, `array<string>`, `a INT, b STRING NOT NULL`,
// legacy `a: int`) -> DataType. Keywords are case-insensitive; names keep their spelling.
#include "sql/types.h"

#include <cctype>

namespace spp::sql {

// `interval day`, `interval hour to second` as a DayTimeIntervalType (types.cpp).
bool parse_interval_type_name(std::string_view s, DataType* out);

namespace {

class DdlParser {
 public:
  explicit DdlParser(std::string_view s) : s_(s) {}

  Result<DataType> type() {
    skip_ws();
    std::string w = lower(word());
    if (w.empty()) return fail();
    if (w == "array") {
      if (!eat('<')) return fail();
      auto e = type();
      if (!e) return e;
      if (!eat('>')) return fail();
      return DataType::array(*e);
    }
    if (w == "map") {
      if (!eat('<')) return fail();
      auto k = type();
      if (!k) return k;
      if (!eat(',')) return fail();
      auto v = type();
      if (!v) return v;
      if (!eat('>')) return fail();
      return DataType::map(*k, *v);
    }
    if (w == "struct") {
      if (!eat('<')) return fail();
      std::vector<StructField> fs;
      skip_ws();
      if (!eat('>')) {
        while (true) {
          auto f = field();
          if (!f) return f.status();
          fs.push_back(std::move(*f));
          if (eat(',')) continue;
          if (eat('>')) break;
          return fail();
        }
      }
      return DataType::structure(std::move(fs));
    }
    if (w == "decimal" || w == "dec" || w == "numeric") {
      if (!eat('(')) return DataType::decimal();
      long p = number(), s = 0;
      if (p < 0) return fail();
      if (eat(',')) { s = number(); if (s < 0) return fail(); }
      if (!eat(')')) return fail();
      if (p > 38)
        return Result<DataType>::error("[DECIMAL_PRECISION_EXCEEDS_MAX_PRECISION] Decimal precision " +
                                       std::to_string(p) + " exceeds max precision 38.");
      if (p < 1 || s > p)
        return Result<DataType>::error("Decimal scale (" + std::to_string(s) +
                                       ") cannot be greater than precision (" + std::to_string(p) + ").");
      return DataType::decimal(static_cast<int>(p), static_cast<int>(s));
    }
    if (w == "char" || w == "varchar" || w == "character") {
      // CHAR(n)/VARCHAR(n) are strings for DataFrames.
      if (eat('(')) { if (number() < 0 || !eat(')')) return fail(); }
      return DataType::string();
    }
    if (w == "interval") {
      // `interval` alone is CalendarIntervalType; else `interval <unit> [to <unit>]`.
      skip_ws();
      auto save = pos_;
      std::string a = lower(word());
      if (a.empty()) return DataType::calendar_interval();
      std::string name = "interval " + a;
      skip_ws();
      auto save2 = pos_;
      if (lower(word()) == "to") name += " to " + lower(word());
      else pos_ = save2;
      DataType it;
      if (parse_interval_type_name(name, &it)) return it;
      pos_ = save;
      return fail();
    }
    static const std::pair<const char*, TypeId> names[] = {
        {"boolean", TypeId::Boolean}, {"tinyint", TypeId::Byte}, {"byte", TypeId::Byte},
        {"smallint", TypeId::Short}, {"short", TypeId::Short}, {"int", TypeId::Int},
        {"integer", TypeId::Int}, {"bigint", TypeId::Long}, {"long", TypeId::Long},
        {"float", TypeId::Float}, {"real", TypeId::Float}, {"double", TypeId::Double},
        {"date", TypeId::Date}, {"timestamp", TypeId::Timestamp}, {"timestamp_ltz", TypeId::Timestamp},
        {"timestamp_ntz", TypeId::TimestampNtz}, {"string", TypeId::String},
        {"binary", TypeId::Binary}, {"void", TypeId::Null}};
    for (const auto& [name, id] : names)
      if (w == name) return DataType::of(id);
    return Result<DataType>::error("[UNSUPPORTED_DATATYPE] Unsupported data type \"" + upper(w) + "\".");
  }

  // name [:] type [NOT NULL] [COMMENT 'text']
  Result<StructField> field() {
    skip_ws();
    std::string name = identifier();
    if (name.empty()) return fail().status();
    skip_ws();
    eat(':');  // legacy `a: int`, accepted in field lists and struct<…> alike
    auto t = type();
    if (!t) return t.status();
    StructField f{name, *t, true, "{}"};
    size_t save = pos_;
    std::string w = lower(word());
    if (w == "not") {
      if (lower(word()) != "null") return fail().status();
      f.nullable = false;
      save = pos_;
      w = lower(word());
    }
    if (w == "comment") {
      std::string text;
      if (!quoted(text)) return fail().status();
      f.metadata = std::string("{\"comment\":\"") + text + "\"}";
    } else {
      pos_ = save;
    }
    return f;
  }

  bool at_end() { skip_ws(); return pos_ >= s_.size(); }
  bool eat(char c) {
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == c) { ++pos_; return true; }
    return false;
  }
  Result<DataType> fail() {
    skip_ws();
    std::string near = pos_ >= s_.size() ? "end of input" : "'" + std::string(1, s_[pos_]) + "'";
    size_t e = pos_;
    while (e < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[e])) || s_[e] == '_')) ++e;
    if (e > pos_) near = "'" + std::string(s_.substr(pos_, e - pos_)) + "'";
    return Result<DataType>::error("[PARSE_SYNTAX_ERROR] Syntax error at or near " + near + ".");
  }

 private:
  void skip_ws() { while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_; }
  std::string word() {
    skip_ws();
    size_t b = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) ++pos_;
    return std::string(s_.substr(b, pos_ - b));
  }
  std::string identifier() {
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '`') {
      std::string out;
      ++pos_;
      while (pos_ < s_.size()) {
        if (s_[pos_] == '`') {
          if (pos_ + 1 < s_.size() && s_[pos_ + 1] == '`') { out += '`'; pos_ += 2; continue; }
          ++pos_;
          return out;
        }
        out += s_[pos_++];
      }
      return "";
    }
    return word();
  }
  bool quoted(std::string& out) {
    skip_ws();
    if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"')) return false;
    char q = s_[pos_++];
    while (pos_ < s_.size() && s_[pos_] != q) out += s_[pos_++];
    if (pos_ >= s_.size()) return false;
    ++pos_;
    return true;
  }
  long number() {
    skip_ws();
    size_t b = pos_;
    while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    if (b == pos_ || pos_ - b > 6) return -1;
    return std::stol(std::string(s_.substr(b, pos_ - b)));
  }
  static std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  static std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

Result<DataType> parse_field_list(std::string_view s) {
  DdlParser p(s);
  std::vector<StructField> fs;
  if (p.at_end()) return DataType::structure({});
  while (true) {
    auto f = p.field();
    if (!f) return f.status();
    fs.push_back(std::move(*f));
    if (p.at_end()) break;
    if (!p.eat(',')) return p.fail();
  }
  return DataType::structure(std::move(fs));
}

}  // namespace

Result<DataType> parse_ddl_type(std::string_view s) {
  DdlParser p(s);
  auto t = p.type();
  if (!t) return t;
  if (!p.at_end()) return p.fail();
  return t;
}

Result<DataType> parse_ddl_schema(std::string_view s) {
  // As PySpark's _parse_datatype_string: a field list first, then a single type, then the
  // legacy `struct<…>` wrapping; a non-struct type becomes one column named `value`.
  auto fl = parse_field_list(s);
  if (fl) return fl;
  auto t = parse_ddl_type(s);
  if (t) {
    if (t->id == TypeId::Struct) return t;
    return DataType::structure({StructField{"value", *t, true, "{}"}});
  }
  return fl;
}

}  // namespace spp::sql
