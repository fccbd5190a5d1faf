// Logging implementation: one line per call, written with a single write(2) so lines from
// threads do not interleave; per-component levels and the daemon's rotated log file.
#include "common/log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>

namespace spp {
namespace log_detail {
std::atomic<int> g_min_level{static_cast<int>(LogLevel::kInfo)};
}  // namespace log_detail

namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<bool> g_have_components{false};
std::shared_mutex g_components_mu;
std::map<std::string, LogLevel, std::less<>> g_components;

std::mutex g_file_mu;
int g_file_fd = -1;
std::string g_file_path;
int64_t g_file_size = 0, g_file_max = 0;
int g_file_keep = 5;

const char* name(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "DEBUG";
    case LogLevel::kInfo: return "INFO";
    case LogLevel::kWarn: return "WARN";
    case LogLevel::kError: return "ERROR";
    default: return "";
  }
}

void recompute_min() {
  int m = g_level.load();
  std::shared_lock g(g_components_mu);
  for (const auto& [c, l] : g_components) m = std::min(m, static_cast<int>(l));
  log_detail::g_min_level = m;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

void write_all(int fd, const std::string& line) {
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(fd, line.data() + off, line.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
}

// Under g_file_mu: path -> path.1 -> ... -> path.<keep> (the oldest dropped), a fresh path.
void rotate_locked() {
  ::close(g_file_fd);
  g_file_fd = -1;
  for (int i = g_file_keep - 1; i >= 1; --i)
    std::rename((g_file_path + "." + std::to_string(i)).c_str(), (g_file_path + "." + std::to_string(i + 1)).c_str());
  if (g_file_keep >= 1) std::rename(g_file_path.c_str(), (g_file_path + ".1").c_str());
  else ::unlink(g_file_path.c_str());
  g_file_fd = ::open(g_file_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  g_file_size = 0;
}
}  // namespace

bool log_detail::enabled_slow(LogLevel l, const char* component) {
  if (!g_have_components.load(std::memory_order_relaxed)) return static_cast<int>(l) >= g_level.load();
  return static_cast<int>(l) >= static_cast<int>(component_log_level(component));
}

void set_log_level(LogLevel l) {
  g_level = static_cast<int>(l);
  recompute_min();
}
LogLevel log_level() { return static_cast<LogLevel>(g_level.load()); }

bool parse_log_level(const std::string& n, LogLevel& out) {
  std::string u;
  for (char c : n) u += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (u == "DEBUG" || u == "ALL" || u == "TRACE") out = LogLevel::kDebug;
  else if (u == "INFO") out = LogLevel::kInfo;
  else if (u == "WARN" || u == "WARNING") out = LogLevel::kWarn;
  else if (u == "ERROR" || u == "FATAL") out = LogLevel::kError;
  else if (u == "OFF") out = LogLevel::kOff;
  else return false;
  return true;
}

bool set_log_level(const std::string& n) {
  LogLevel l;
  if (!parse_log_level(n, l)) return false;
  set_log_level(l);
  return true;
}

void set_component_log_level(const std::string& component, LogLevel l) {
  {
    std::unique_lock g(g_components_mu);
    g_components[component] = l;
    g_have_components = true;
  }
  recompute_min();
}

void clear_component_log_levels() {
  {
    std::unique_lock g(g_components_mu);
    g_components.clear();
    g_have_components = false;
  }
  recompute_min();
}

LogLevel component_log_level(const char* component) {
  if (g_have_components.load(std::memory_order_relaxed)) {
    std::shared_lock g(g_components_mu);
    auto it = g_components.find(std::string_view(component ? component : ""));
    if (it != g_components.end()) return it->second;
  }
  return log_level();
}

bool set_log_file(const std::string& path, int64_t max_bytes, int max_files, std::string* error) {
  std::lock_guard<std::mutex> g(g_file_mu);
  if (g_file_fd >= 0) ::close(g_file_fd);
  g_file_fd = -1;
  g_file_path = path;
  g_file_max = max_bytes;
  g_file_keep = max_files;
  if (path.empty()) return true;
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  g_file_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (g_file_fd < 0) {
    if (error) *error = "cannot open log file '" + path + "': " + std::strerror(errno);
    return false;
  }
  struct stat st {};
  g_file_size = ::fstat(g_file_fd, &st) == 0 ? st.st_size : 0;
  return true;
}

void log_write(LogLevel l, const char* component, const std::string& msg) {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  struct tm tmv;
  localtime_r(&tv.tv_sec, &tmv);
  char ts[32];
  strftime(ts, sizeof ts, "%y/%m/%d %H:%M:%S", &tmv);
  std::string line = std::string(ts) + " " + name(l) + " " + component + ": " + msg + "\n";
  write_all(2, line);
  if (g_file_fd >= 0) {
    std::lock_guard<std::mutex> g(g_file_mu);
    if (g_file_fd < 0) return;
    if (g_file_max > 0 && g_file_size > 0 && g_file_size + static_cast<int64_t>(line.size()) > g_file_max) rotate_locked();
    if (g_file_fd < 0) return;
    write_all(g_file_fd, line);
    g_file_size += static_cast<int64_t>(line.size());
  }
}

std::string default_log_config_file() {
  if (const char* f = std::getenv("SPARKPP_LOG_CONF"); f && *f) return f;
  std::string dir;
  for (const char* env : {"SPARKPP_CONF_DIR", "SPARK_CONF_DIR"})
    if (const char* v = std::getenv(env); v && *v && dir.empty()) dir = v;
  if (dir.empty()) dir = "conf";
  std::error_code ec;
  return std::filesystem::is_regular_file(dir + "/log.properties", ec) ? dir + "/log.properties" : "";
}

bool load_log_config(const std::string& path, const std::string& daemon, bool* root_set, std::string* error) {
  auto fail = [&](const std::string& why) {
    if (error) *error = path + ": " + why;
    return false;
  };
  std::ifstream in(path);
  if (!in) return fail("cannot read the logging configuration");
  std::map<std::string, std::string> kv;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == '!') continue;
    size_t eq = t.find_first_of("=:");
    if (eq == std::string::npos) return fail("line " + std::to_string(lineno) + ": expected key = value");
    kv[trim(t.substr(0, eq))] = trim(t.substr(eq + 1));
  }
  // Validate everything before applying anything.
  std::map<std::string, LogLevel> components;
  std::map<std::string, std::string> names;  // logger id -> component
  std::map<std::string, LogLevel> id_levels;
  std::optional<LogLevel> root;
  bool file_on = false;
  std::string dir;
  int64_t max_bytes = 100ll << 20;
  int max_files = 5;
  for (const auto& [k, v] : kv) {
    LogLevel lvl;
    if (k == "rootLogger.level") {
      if (!parse_log_level(v, lvl)) return fail(k + ": unknown level '" + v + "' (DEBUG, INFO, WARN, ERROR, OFF)");
      root = lvl;
    } else if (k.rfind("logger.", 0) == 0 && k.size() > 13 && k.substr(k.size() - 6) == ".level") {
      if (!parse_log_level(v, lvl)) return fail(k + ": unknown level '" + v + "' (DEBUG, INFO, WARN, ERROR, OFF)");
      id_levels[k.substr(7, k.size() - 13)] = lvl;
    } else if (k.rfind("logger.", 0) == 0 && k.size() > 12 && k.substr(k.size() - 5) == ".name") {
      names[k.substr(7, k.size() - 12)] = v;
    } else if (k == "appender.file.enabled") {
      if (v != "true" && v != "false") return fail(k + ": expected true or false, not '" + v + "'");
      file_on = v == "true";
    } else if (k == "appender.file.dir") {
      dir = v;
    } else if (k == "appender.file.maxSize") {
      char* end = nullptr;
      double n = std::strtod(v.c_str(), &end);
      std::string unit = end ? trim(end) : "";
      for (auto& ch : unit) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      double mult = unit.empty() || unit == "b" ? 1 : unit == "k" || unit == "kb" ? 1024.0
                  : unit == "m" || unit == "mb" ? 1048576.0 : unit == "g" || unit == "gb" ? 1073741824.0 : -1;
      if (end == v.c_str() || mult < 0 || n < 0) return fail(k + ": expected a size such as 100m, not '" + v + "'");
      max_bytes = static_cast<int64_t>(n * mult);
    } else if (k == "appender.file.maxFiles") {
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end || n < 0 || n > 1000) return fail(k + ": expected 0 to 1000, not '" + v + "'");
      max_files = static_cast<int>(n);
    } else {
      return fail("unknown key '" + k + "' (rootLogger.level, logger.<name>.level, logger.<id>.name, appender.file.*)");
    }
  }
  for (const auto& [id, lvl] : id_levels) components[names.count(id) ? names[id] : id] = lvl;
  for (const auto& [id, n] : names)
    if (!id_levels.count(id)) return fail("logger." + id + ".name without logger." + id + ".level");
  if (root) set_log_level(*root);
  if (root_set) *root_set = root.has_value();
  clear_component_log_levels();
  for (const auto& [c, l] : components) set_component_log_level(c, l);
  if (file_on && !daemon.empty()) {
    if (dir.empty()) {
      const char* d = std::getenv("SPARKPP_LOG_DIR");
      if (!d || !*d) d = std::getenv("SPARK_LOG_DIR");
      dir = d && *d ? d : "logs";
    }
    char host[256] = "localhost";
    ::gethostname(host, sizeof host - 1);
    std::string ident;
    for (const char* env : {"SPARKPP_IDENT_STRING", "USER"})
      if (const char* v = std::getenv(env); v && *v && ident.empty()) ident = v;
    // As the sbin scripts' .out files: sparkpp-<ident>-<daemon>-<instance>-<host>.log.
    const char* inst = std::getenv("SPARKPP_DAEMON_INSTANCE");
    std::string file = dir + "/sparkpp-" + (ident.empty() ? "" : ident + "-") + daemon + "-" +
                       (inst && *inst ? inst : "1") + "-" + host + ".log";
    std::string err;
    if (!set_log_file(file, max_bytes, max_files, &err)) return fail(err);
  }
  return true;
}

}  // namespace spp
