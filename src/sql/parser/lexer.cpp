// Hand-written lexer for Spark's SQL dialect (SqlBaseLexer.g4's token shapes, 3.5): identifiers
// are letters/digits/underscores (a word of digits only is a number), strings in '…' or "…"
// with backslash escapes (unescaped by the parser), backticked identifiers with `` escapes.
#include "sql/parser/lexer.h"

#include <cctype>
#include <cstring>

namespace spp::sql::parser {
namespace {

bool ident_char(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

struct Lexer {
  const std::string& s;
  size_t i = 0;
  int line = 1;
  size_t line_start = 0;  // byte offset where the current line starts
  // The last position asked for on this line, counted on from there by the next (offsets only
  // grow): counting from the line start each time was quadratic in a one-line statement.
  mutable size_t counted_line = 0, counted_to = 0;
  mutable int counted = 0;

  // Characters (not bytes) from the line start: UTF-8 continuation bytes do not count.
  int pos_of(size_t off) const {
    if (counted_line != line_start || counted_to > off) { counted_line = counted_to = line_start; counted = 0; }
    for (; counted_to < off; ++counted_to)
      if ((static_cast<unsigned char>(s[counted_to]) & 0xC0) != 0x80) ++counted;
    return counted;
  }
  void advance_to(size_t end) {
    for (; i < end; ++i)
      if (s[i] == '\n') { ++line; line_start = i + 1; }
  }
  ParseError error_here(size_t off, const std::string& near) const {
    ParseError e;
    e.error_class = "PARSE_SYNTAX_ERROR";
    e.message = "[PARSE_SYNTAX_ERROR] Syntax error at or near " + near + ".";
    e.params = {{"error", near}, {"hint", ""}};
    e.line = line;
    e.pos = pos_of(off);
    return e;
  }
};

// The end of a number starting at `b` (digits, optional fraction, exponent), or npos when the
// text there is not a number. Suffix letters are taken by the caller.
size_t number_end(const std::string& s, size_t b) {
  size_t i = b;
  bool digits = false;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) { ++i; digits = true; }
  if (i < s.size() && s[i] == '.') {
    size_t j = i + 1;
    bool frac = false;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) { ++j; frac = true; }
    if (digits || frac) { i = j; digits = true; }
  }
  if (!digits) return std::string::npos;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    if (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) {
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
      i = j;
    }
  }
  return i;
}

}  // namespace

bool word_is(const Token& t, const char* upper_word) {
  if (t.kind != Tok::Word || t.text.size() != std::strlen(upper_word)) return false;
  for (size_t i = 0; i < t.text.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(t.text[i])) != upper_word[i]) return false;
  return true;
}

std::variant<std::vector<Token>, ParseError> tokenize(const std::string& text) {
  Lexer L{text};
  std::vector<Token> out;
  const std::string& s = text;
  while (true) {
    // Whitespace and comments.
    while (L.i < s.size()) {
      unsigned char c = static_cast<unsigned char>(s[L.i]);
      if (std::isspace(c)) { L.advance_to(L.i + 1); continue; }
      if (c == '-' && L.i + 1 < s.size() && s[L.i + 1] == '-') {
        size_t e = s.find('\n', L.i);
        L.advance_to(e == std::string::npos ? s.size() : e);
        continue;
      }
      if (c == '/' && L.i + 1 < s.size() && s[L.i + 1] == '*') {
        // Bracketed comments nest, as in Spark.
        size_t j = L.i + 2;
        int depth = 1;
        while (j < s.size() && depth > 0) {
          if (s[j] == '/' && j + 1 < s.size() && s[j + 1] == '*') { ++depth; j += 2; }
          else if (s[j] == '*' && j + 1 < s.size() && s[j + 1] == '/') { --depth; j += 2; }
          else ++j;
        }
        if (depth > 0) {
          ParseError e = L.error_here(L.i, "");
          e.error_class = "UNCLOSED_BRACKETED_COMMENT";
          e.message = "[UNCLOSED_BRACKETED_COMMENT] Found an unclosed bracketed comment. Please, append */ at the end of the comment.";
          e.params.clear();
          return e;
        }
        L.advance_to(j);
        continue;
      }
      break;
    }
    Token t;
    t.offset = L.i;
    t.line = L.line;
    t.pos = L.pos_of(L.i);
    if (L.i >= s.size()) {
      t.kind = Tok::End;
      t.end = L.i;
      out.push_back(t);
      return out;
    }
    unsigned char c = static_cast<unsigned char>(s[L.i]);
    size_t end = L.i + 1;
    if ((c == 'r' || c == 'R') && L.i + 1 < s.size() && (s[L.i + 1] == '\'' || s[L.i + 1] == '"')) {
      // Raw string R'…': no escapes.
      char q = s[L.i + 1];
      size_t e = s.find(q, L.i + 2);
      if (e == std::string::npos) return L.error_here(L.i, "'" + s.substr(L.i, 1) + "'");
      t.kind = Tok::String;
      t.text = s.substr(L.i + 2, e - L.i - 2);
      end = e + 1;
    } else if (std::isdigit(c) || (c == '.' && L.i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[L.i + 1])))) {
      size_t e = number_end(s, L.i);
      // Suffixes: L S Y D F BD (any case). Letters beyond make the whole run an identifier.
      size_t k = e;
      while (k < s.size() && ident_char(static_cast<unsigned char>(s[k]))) ++k;
      std::string suffix = s.substr(e, k - e);
      for (auto& ch : suffix) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      bool plain_digits = true;
      for (size_t q = L.i; q < e; ++q) plain_digits &= std::isdigit(static_cast<unsigned char>(s[q])) != 0;
      bool ok_suffix = suffix.empty() || suffix == "D" || suffix == "F" || suffix == "BD" ||
                       (plain_digits && (suffix == "L" || suffix == "S" || suffix == "Y"));
      if (ok_suffix) {
        t.kind = Tok::Number;
        end = k;
      } else if (plain_digits || s.find_first_of(".eE", L.i) >= e) {
        t.kind = Tok::Word;  // `1a`, `123abc`: Spark's IDENTIFIER allows a leading digit
        end = k;
      } else {
        t.kind = Tok::Number;  // `1.5x`: the number, then a word
        end = e;
      }
      t.text = s.substr(L.i, end - L.i);
    } else if (ident_char(c)) {
      while (end < s.size() && ident_char(static_cast<unsigned char>(s[end]))) ++end;
      t.kind = Tok::Word;
      t.text = s.substr(L.i, end - L.i);
    } else if (c == '`') {
      size_t j = L.i + 1;
      std::string v;
      while (true) {
        if (j >= s.size()) return L.error_here(L.i, "'" + s.substr(L.i) + "'");
        if (s[j] == '`') {
          if (j + 1 < s.size() && s[j + 1] == '`') { v += '`'; j += 2; continue; }
          break;
        }
        v += s[j++];
      }
      t.kind = Tok::Quoted;
      t.text = v;
      end = j + 1;
    } else if (c == '\'' || c == '"') {
      // Kept escaped here; the parser unescapes (Spark's unescapeSQLString).
      size_t j = L.i + 1;
      while (j < s.size() && s[j] != static_cast<char>(c)) j += s[j] == '\\' ? 2 : 1;
      if (j >= s.size()) return L.error_here(L.i, "'" + s.substr(L.i, 1) + "'");
      t.kind = Tok::String;
      t.text = s.substr(L.i + 1, j - L.i - 1);
      end = j + 1;
    } else if (c == ':' && L.i + 1 < s.size() && ident_char(static_cast<unsigned char>(s[L.i + 1])) &&
               !std::isdigit(static_cast<unsigned char>(s[L.i + 1]))) {
      while (end < s.size() && ident_char(static_cast<unsigned char>(s[end]))) ++end;
      t.kind = Tok::Param;
      t.text = s.substr(L.i + 1, end - L.i - 1);
    } else if (c == '?') {
      t.kind = Tok::QMark;
      t.text = "?";
    } else {
      static const char* ops[] = {"<=>", "==", "!=", "<>", "<=", ">=", "||", "::", "->", "=>", "&&"};
      t.kind = Tok::Op;
      t.text = std::string(1, static_cast<char>(c));
      for (const char* op : ops)
        if (s.compare(L.i, std::strlen(op), op) == 0) { t.text = op; break; }
      end = L.i + t.text.size();
      if (std::strchr("()[]{},.;=<>!+-*/%~&|^:", c) == nullptr) return L.error_here(L.i, "'" + s.substr(L.i, 1) + "'");
    }
    t.end = end;
    t.raw = s.substr(L.i, end - L.i);
    out.push_back(std::move(t));
    L.advance_to(end);
  }
}

}  // namespace spp::sql::parser
