// ASCII case folding and whitespace trimming for names: configuration keys and values, option
// names, SQL identifiers and keywords (Spark folds these with Locale.ROOT, i.e. ASCII only).
// User data is UTF-8 and is folded by the SQL string kernels, never here.
#pragma once
#include <cctype>
#include <string>
#include <string_view>

namespace spp {

inline std::string ascii_lower(std::string_view s) {
  std::string o(s);
  for (auto& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return o;
}

// Without leading and trailing whitespace (space, \t, \n, \v, \f, \r).
inline std::string ascii_trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace spp
