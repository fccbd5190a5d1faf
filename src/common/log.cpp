// Logging implementation: one line per call, written with a single write(2) so lines from
// threads do not interleave.
#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <ctime>
#include <sys/time.h>

namespace spp {
namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
const char* name(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "DEBUG";
    case LogLevel::kInfo: return "INFO";
    case LogLevel::kWarn: return "WARN";
    case LogLevel::kError: return "ERROR";
    default: return "";
  }
}
}  // namespace

void set_log_level(LogLevel l) { g_level = static_cast<int>(l); }
LogLevel log_level() { return static_cast<LogLevel>(g_level.load()); }

bool set_log_level(const std::string& n) {
  std::string u;
  for (char c : n) u += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (u == "DEBUG" || u == "ALL" || u == "TRACE") set_log_level(LogLevel::kDebug);
  else if (u == "INFO") set_log_level(LogLevel::kInfo);
  else if (u == "WARN" || u == "WARNING") set_log_level(LogLevel::kWarn);
  else if (u == "ERROR" || u == "FATAL") set_log_level(LogLevel::kError);
  else if (u == "OFF") set_log_level(LogLevel::kOff);
  else return false;
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
  ssize_t off = 0;
  while (off < static_cast<ssize_t>(line.size())) {
    ssize_t n = ::write(2, line.data() + off, line.size() - off);
    if (n <= 0) break;
    off += n;
  }
}

}  // namespace spp
