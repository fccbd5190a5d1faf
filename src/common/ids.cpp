#include "common/ids.h"

#include <array>
#include <cctype>
#include <string_view>

namespace spp::ids {
namespace {
bool digits(std::string_view s, size_t min, size_t max) {
  if (s.size() < min || s.size() > max) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}
}  // namespace

bool valid_app_id(const std::string& s) {
  std::string_view v(s);
  if (v.size() > 64 || v.substr(0, 4) != "app-") return false;
  v.remove_prefix(4);
  if (v.size() < 16 || !digits(v.substr(0, 14), 14, 14) || v[14] != '-') return false;
  return digits(v.substr(15), 4, 10);
}

bool valid_worker_id(const std::string& s) {
  if (s.empty() || s.size() > 256) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_' && c != ':') return false;
  return true;
}

bool allowed_executor_env(const std::string& name) {
  if (name.empty() || name.size() > 128 || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  auto starts = [&](std::string_view p) { return std::string_view(name).substr(0, p.size()) == p; };
  if (starts("LD_") || starts("DYLD_") || starts("GCONV_") || starts("MALLOC_")) return false;
  if (starts("SPARKPP_")) return name == "SPARKPP_PYTHON" || name == "SPARKPP_LOG_LEVEL";
  // Python reads all of these at start: search paths, start-up scripts, the interpreter's home.
  if (starts("PYTHON") && name != "PYTHONHASHSEED" && name != "PYTHONUNBUFFERED" && name != "PYTHONIOENCODING")
    return false;
  static constexpr std::array<std::string_view, 12> kDenied = {
      "PATH", "HOME", "SHELL", "IFS", "ENV", "BASH_ENV", "SHELLOPTS", "BASHOPTS", "PS4", "PERL5LIB", "PERL5OPT", "NODE_OPTIONS"};
  for (auto d : kDenied)
    if (name == d) return false;
  return !starts("SPARK_EXECUTOR_DIRS") && !starts("SPARK_LOG_URL_");
}

std::map<std::string, std::string> filter_executor_env(const std::map<std::string, std::string>& env,
                                                       std::vector<std::string>* dropped) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : env) {
    if (allowed_executor_env(k)) out.emplace(k, v);
    else if (dropped) dropped->push_back(k);
  }
  return out;
}

bool valid_http_url(std::string_view s) {
  if (s.size() > 2048) return false;
  size_t skip;
  auto lower_prefix = [&](std::string_view p) {
    if (s.size() < p.size()) return false;
    for (size_t i = 0; i < p.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(s[i])) != p[i]) return false;
    return true;
  };
  if (lower_prefix("http://")) skip = 7;
  else if (lower_prefix("https://")) skip = 8;
  else return false;
  if (s.size() == skip || s[skip] == '/' || s[skip] == ':') return false;  // a host comes first
  for (size_t i = skip; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\'' || c == '<' || c == '>' || c == '\\' || c == '`') return false;
  }
  return true;
}

std::string http_url_or_empty(const std::string& s) { return valid_http_url(s) ? s : std::string(); }

std::map<std::string, std::string> valid_http_urls(const std::map<std::string, std::string>& urls) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : urls)
    if (valid_http_url(v)) out.emplace(k, v);
  return out;
}

}  // namespace spp::ids
