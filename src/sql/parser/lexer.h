// The SQL lexer: text -> tokens with Spark's positions (line from 1, pos = characters from the
// start of the line, from 0), as ANTLR reports them in ParseException.
#pragma once
#include <cstdint>
#include <optional>
#include <variant>
#include <string>
#include <vector>

namespace spp::sql::parser {

enum class Tok : uint8_t {
  Word,       // unquoted identifier or keyword (text as written)
  Quoted,     // `backticked` identifier (text unescaped)
  String,     // '…' or "…" (text unescaped; adjacent literals are separate tokens)
  Number,     // digits with optional fraction/exponent/suffix (text as written)
  Op,         // punctuation / operator (text)
  Param,      // :name (text = name)
  QMark,      // ?
  End,        // end of input
};

struct Token {
  Tok kind = Tok::End;
  std::string text;   // see Tok
  std::string raw;    // the source text of the token (what error messages quote)
  int line = 1, pos = 0;
  size_t offset = 0, end = 0;  // byte range in the input
};

// A syntax error at a place in the text: `message` is Spark's `[CLASS] text` without position.
struct ParseError {
  std::string error_class;  // PARSE_SYNTAX_ERROR, …
  std::string message;
  int line = 1, pos = 0;
  std::vector<std::pair<std::string, std::string>> params;
};

// Tokenizes all of `text`; comments (`--`, `/* */`) and whitespace are skipped. The last token is End.
std::variant<std::vector<Token>, ParseError> tokenize(const std::string& text);

bool word_is(const Token& t, const char* upper_word);  // case-insensitive keyword test

}  // namespace spp::sql::parser
