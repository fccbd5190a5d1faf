// regexp_extract / regexp_extract_all / regexp_replace with Java's Matcher semantics over a
// compiled Regex (PCRE2 with JIT, string_fns.h): find() loops that restart one character after
// an empty match, '' for no match or a group that did not participate, and Java's replacement
// syntax ($n, ${name}, \x).
#pragma once
#include <optional>
#include <string>

#include "sql/kernels/string_fns.h"

namespace spp::sql::kern {

Vec regexp_extract(const Vec& s, const Regex& re, int group, int64_t n);
Vec regexp_extract_all(const Vec& s, const Regex& re, int group, int64_t n);  // -> array<string>
// Java's replacement string checked against the pattern: the exception text for a bad one.
std::optional<std::string> check_replacement(std::string_view rep, const Regex& re);
// pos: 1-based character where the search starts (text before it is kept).
Vec regexp_replace(const Vec& s, const Regex& re, const Vec& rep, const Vec& pos, int64_t n);

}  // namespace spp::sql::kern
