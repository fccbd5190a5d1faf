// String kernels of issue 13's core list with Spark's semantics: characters are Unicode code
// points (UTF-8), positions 1-based, NULL in -> NULL out except concat_ws (skips NULLs).
// LIKE is a compiled wildcard matcher; RLIKE / split use PCRE2 (Java-regex compatible for the
// common syntax), compiled once per pattern.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sql/kernels/vec.h"

namespace spp::sql::kern {

Vec upper(const Vec& s, int64_t n);
Vec lower(const Vec& s, int64_t n);
Vec length(const Vec& s, int64_t n);  // chars for strings, bytes for binary -> int
Vec trim(const Vec& s, int64_t n);    // ASCII spaces only, as Spark
Vec ltrim(const Vec& s, int64_t n);
Vec rtrim(const Vec& s, int64_t n);
Vec substring(const Vec& s, const Vec& pos, const Vec& len, int64_t n);  // pos/len: int
Vec concat(const std::vector<Vec>& args, int64_t n);
Vec concat_ws(const Vec& sep, const std::vector<Vec>& args, int64_t n);
Vec starts_with(const Vec& s, const Vec& p, int64_t n);
Vec ends_with(const Vec& s, const Vec& p, int64_t n);
Vec contains(const Vec& s, const Vec& p, int64_t n);

// A LIKE pattern compiled once: % any run, _ one character, `escape` makes the next literal.
class LikeMatcher {
 public:
  explicit LikeMatcher(std::string_view pattern, char escape = '\\');
  bool matches(std::string_view s) const;

 private:
  struct Tok { enum Kind { Lit, One, Any } kind; std::string lit; };
  std::vector<Tok> toks_;
};
Vec like(const Vec& s, const LikeMatcher& m, int64_t n);

// A regular expression compiled once (PCRE2, UTF mode).
class Regex {
 public:
  static Result<std::shared_ptr<Regex>> compile(std::string_view pattern);
  ~Regex();
  bool find(std::string_view s) const;  // Java Matcher.find(): a match anywhere
  // Java String.split(regex, limit): limit <= 0 keeps trailing empty strings (Spark passes -1).
  std::vector<std::string_view> split(std::string_view s, int limit) const;
  // Java Matcher.find() from byte `start`: on a match, groups[k] = byte range of group k
  // (group 0 the whole match; {npos, npos} for a group that did not participate).
  bool find_at(std::string_view s, size_t start, std::vector<std::pair<size_t, size_t>>& groups) const;
  int group_count() const;
  int group_index(std::string_view name) const;  // a named group's number, -1 if none
  // The pattern itself when it has no regex metacharacters (it matches only itself: split's
  // literal fast path), else empty.
  std::string_view literal() const { return is_literal_ ? std::string_view(literal_) : std::string_view(); }

 private:
  Regex() = default;
  void* code_ = nullptr;  // pcre2_code*
  void* match_ = nullptr; // pcre2_match_data*
  // A pattern without regex metacharacters matches itself only: split searches for it directly
  // (as Java's String.split fast path for `" "`, `","`), same pieces as the regex would give.
  std::string literal_;
  bool is_literal_ = false;
};
Vec rlike(const Vec& s, const Regex& re, int64_t n);
Vec split(const Vec& s, const Regex& re, int limit, int64_t n);  // -> array<string>

}  // namespace spp::sql::kern
