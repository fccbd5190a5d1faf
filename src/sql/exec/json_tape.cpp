#include "sql/exec/json_tape.h"

#include <cctype>

#include "sql/exec/reader_common.h"
#include "sql/kernels/cast.h"

namespace spp::sql::exec {

namespace {

constexpr int kMaxDepth = 1000;  // Jackson 2.15's default nesting limit

class Lexer {
 public:
  Lexer(std::string_view s, const JsonSyntax& syn, std::vector<JTok>& tape, std::string& scratch)
      : s_(s), syn_(syn), tape_(tape), scratch_(scratch) {}

  JParse run() {
    if (!skip_ws()) return JParse::Error;
    if (i_ >= s_.size()) return JParse::Empty;
    return value(0, {}) ? JParse::Ok : JParse::Error;
  }

 private:
  bool is_digit(char c) const { return c >= '0' && c <= '9'; }

  // Whitespace and, when allowed, /* */ and // comments.
  bool skip_ws() {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') { ++i_; continue; }
      if (c == '/' && syn_.allow_comments && i_ + 1 < s_.size()) {
        if (s_[i_ + 1] == '/') {
          while (i_ < s_.size() && s_[i_] != '\n') ++i_;
          continue;
        }
        if (s_[i_ + 1] == '*') {
          size_t e = s_.find("*/", i_ + 2);
          if (e == std::string_view::npos) return false;
          i_ = e + 2;
          continue;
        }
      }
      break;
    }
    return true;
  }

  bool value(int depth, std::string_view key) {
    if (depth > kMaxDepth || i_ >= s_.size()) return false;
    char c = s_[i_];
    if (c == '{' || c == '[') return container(depth, key, c == '{');
    JTok t;
    t.key = key;
    if (c == '"' || (c == '\'' && syn_.allow_single_quotes)) {
      if (!string(t.text)) return false;
      t.kind = JKind::String;
    } else if (literal("true")) {
      t.kind = JKind::True;
    } else if (literal("false")) {
      t.kind = JKind::False;
    } else if (literal("null")) {
      t.kind = JKind::Null;
    } else if (!number(t)) {
      return false;
    }
    tape_.push_back(t);
    return true;
  }

  bool literal(std::string_view w) {
    if (s_.compare(i_, w.size(), w) != 0) return false;
    size_t e = i_ + w.size();
    // A keyword must not run into more identifier characters ("truex").
    if (e < s_.size() && (std::isalnum((unsigned char)s_[e]) || s_[e] == '_')) return false;
    i_ = e;
    return true;
  }

  bool number(JTok& t) {
    size_t st = i_;
    if (syn_.allow_non_numeric_numbers) {
      for (std::string_view w : {"NaN", "Infinity", "-Infinity", "+Infinity", "-INF", "+INF"}) {
        if (literal(w)) {
          t.kind = JKind::Float;
          t.text = s_.substr(st, i_ - st);
          return true;
        }
      }
    }
    size_t i = i_;
    if (i < s_.size() && s_[i] == '-') ++i;
    size_t ds = i;
    while (i < s_.size() && is_digit(s_[i])) ++i;
    if (i == ds) return false;
    if (i - ds > 1 && s_[ds] == '0' && !syn_.allow_numeric_leading_zeros) return false;
    bool fl = false;
    if (i < s_.size() && s_[i] == '.') {
      ++i;
      size_t fs = i;
      while (i < s_.size() && is_digit(s_[i])) ++i;
      if (i == fs) return false;
      fl = true;
    }
    if (i < s_.size() && (s_[i] == 'e' || s_[i] == 'E')) {
      ++i;
      if (i < s_.size() && (s_[i] == '+' || s_[i] == '-')) ++i;
      size_t es = i;
      while (i < s_.size() && is_digit(s_[i])) ++i;
      if (i == es) return false;
      fl = true;
    }
    if (i < s_.size() && (std::isalpha((unsigned char)s_[i]) || s_[i] == '_' || s_[i] == '.')) return false;
    t.kind = fl ? JKind::Float : JKind::Int;
    t.text = s_.substr(st, i - st);
    i_ = i;
    return true;
  }

  void put_utf8(uint32_t cp) {
    if (cp < 0x80) scratch_ += char(cp);
    else if (cp < 0x800) { scratch_ += char(0xC0 | (cp >> 6)); scratch_ += char(0x80 | (cp & 0x3F)); }
    else if (cp < 0x10000) {
      scratch_ += char(0xE0 | (cp >> 12));
      scratch_ += char(0x80 | ((cp >> 6) & 0x3F));
      scratch_ += char(0x80 | (cp & 0x3F));
    } else {
      scratch_ += char(0xF0 | (cp >> 18));
      scratch_ += char(0x80 | ((cp >> 12) & 0x3F));
      scratch_ += char(0x80 | ((cp >> 6) & 0x3F));
      scratch_ += char(0x80 | (cp & 0x3F));
    }
  }

  bool hex4(size_t at, uint32_t& v) {
    if (at + 4 > s_.size()) return false;
    v = 0;
    for (size_t k = at; k < at + 4; ++k) {
      char c = s_[k];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= uint32_t(c - '0');
      else if (c >= 'a' && c <= 'f') v |= uint32_t(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= uint32_t(c - 'A' + 10);
      else return false;
    }
    return true;
  }

  // A quoted string at i_; views the input when there is nothing to unescape.
  bool string(std::string_view& out) {
    char q = s_[i_++];
    size_t st = i_;
    while (i_ < s_.size() && s_[i_] != q && s_[i_] != '\\') {
      if ((unsigned char)s_[i_] < 0x20 && !syn_.allow_unquoted_control_chars) return false;
      ++i_;
    }
    if (i_ >= s_.size()) return false;
    if (s_[i_] == q) {
      out = s_.substr(st, i_ - st);
      ++i_;
      return true;
    }
    size_t start = scratch_.size();
    scratch_.append(s_.data() + st, i_ - st);
    while (i_ < s_.size() && s_[i_] != q) {
      char c = s_[i_];
      if ((unsigned char)c < 0x20 && !syn_.allow_unquoted_control_chars) return false;
      if (c != '\\') { scratch_ += c; ++i_; continue; }
      if (++i_ >= s_.size()) return false;
      char e = s_[i_++];
      switch (e) {
        case '"': scratch_ += '"'; break;
        case '\\': scratch_ += '\\'; break;
        case '/': scratch_ += '/'; break;
        case 'b': scratch_ += '\b'; break;
        case 'f': scratch_ += '\f'; break;
        case 'n': scratch_ += '\n'; break;
        case 'r': scratch_ += '\r'; break;
        case 't': scratch_ += '\t'; break;
        case 'u': {
          uint32_t v;
          if (!hex4(i_, v)) return false;
          i_ += 4;
          if (v >= 0xD800 && v < 0xDC00) {
            uint32_t lo;
            if (i_ + 1 < s_.size() && s_[i_] == '\\' && s_[i_ + 1] == 'u' && hex4(i_ + 2, lo) && lo >= 0xDC00 && lo < 0xE000) {
              i_ += 6;
              v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              v = 0xFFFD;  // a lone surrogate cannot be UTF-8
            }
          } else if (v >= 0xDC00 && v < 0xE000) {
            v = 0xFFFD;
          }
          put_utf8(v);
          break;
        }
        default:
          // Jackson: \' is allowed with single quotes; anything else only with the option.
          if ((e == '\'' && syn_.allow_single_quotes) || syn_.allow_backslash_escaping_any) scratch_ += e;
          else return false;
      }
    }
    if (i_ >= s_.size()) return false;
    ++i_;
    out = std::string_view(scratch_.data() + start, scratch_.size() - start);
    return true;
  }

  bool field_name(std::string_view& name) {
    if (i_ >= s_.size()) return false;
    char c = s_[i_];
    if (c == '"' || (c == '\'' && syn_.allow_single_quotes)) return string(name);
    if (!syn_.allow_unquoted_field_names) return false;
    auto ident = [](char ch, bool first) {
      return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || ch == '$' ||
             (!first && ch >= '0' && ch <= '9') || (unsigned char)ch >= 0x80;
    };
    size_t st = i_;
    while (i_ < s_.size() && ident(s_[i_], i_ == st)) ++i_;
    if (i_ == st) return false;
    name = s_.substr(st, i_ - st);
    return true;
  }

  bool container(int depth, std::string_view key, bool obj) {
    size_t me = tape_.size();
    JTok t;
    t.kind = obj ? JKind::Object : JKind::Array;
    t.key = key;
    tape_.push_back(t);
    ++i_;
    char close = obj ? '}' : ']';
    if (!skip_ws() || i_ >= s_.size()) return false;
    if (s_[i_] == close) {
      ++i_;
    } else {
      while (true) {
        std::string_view name;
        if (obj) {
          if (!field_name(name) || !skip_ws() || i_ >= s_.size() || s_[i_] != ':') return false;
          ++i_;
          if (!skip_ws()) return false;
        }
        if (!value(depth + 1, name) || !skip_ws() || i_ >= s_.size()) return false;
        if (s_[i_] == ',') {
          ++i_;
          if (!skip_ws()) return false;
          continue;
        }
        if (s_[i_] != close) return false;
        ++i_;
        break;
      }
    }
    tape_[me].end = uint32_t(tape_.size());
    return true;
  }

  std::string_view s_;
  const JsonSyntax& syn_;
  std::vector<JTok>& tape_;
  std::string& scratch_;
  size_t i_ = 0;
};

void write_string(std::string_view s, std::string& out) {
  static const char* hex = "0123456789ABCDEF";
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if ((unsigned char)c < 0x20) {
          out += "\\u00";
          out += hex[(unsigned char)c >> 4];
          out += hex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace

JParse json_tokenize(std::string_view text, const JsonSyntax& syn, std::vector<JTok>& tape, std::string& scratch) {
  tape.clear();
  scratch.clear();
  scratch.reserve(text.size() + 1);
  return Lexer(text, syn, tape, scratch).run();
}

void json_write(const std::vector<JTok>& tape, size_t i, std::string& out) {
  const JTok& t = tape[i];
  switch (t.kind) {
    case JKind::Object: case JKind::Array: {
      bool obj = t.kind == JKind::Object;
      out += obj ? '{' : '[';
      bool first = true;
      for (size_t j = i + 1; j < t.end; j = json_next(tape, j)) {
        if (!first) out += ',';
        first = false;
        if (obj) {
          write_string(tape[j].key, out);
          out += ':';
        }
        json_write(tape, j, out);
      }
      out += obj ? '}' : ']';
      return;
    }
    case JKind::String: write_string(t.text, out); return;
    case JKind::Int: {
      // Jackson re-writes the parsed integer: "-0" -> 0; big integers keep their digits.
      std::string_view d = t.text;
      bool neg = !d.empty() && d[0] == '-';
      if (neg) d.remove_prefix(1);
      while (d.size() > 1 && d[0] == '0') d.remove_prefix(1);
      if (neg && d != "0") out += '-';
      out += d;
      return;
    }
    case JKind::Float: {
      auto v = java_parse_double(t.text == "-INF" ? "-Infinity" : t.text == "+INF" ? "Infinity" : t.text);
      out += v ? kern::double_to_string(*v) : std::string(t.text);
      return;
    }
    case JKind::True: out += "true"; return;
    case JKind::False: out += "false"; return;
    case JKind::Null: out += "null"; return;
  }
}

}  // namespace spp::sql::exec
