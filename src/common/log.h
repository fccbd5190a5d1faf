// Minimal leveled logging to stderr, Spark-style: "26/11/22 12:00:00 INFO master: message".
// Levels per component and a rotated log file per daemon come from a logging configuration
// file (conf/log.properties, Spark's log4j2.properties role; see docs/configuration.md).
#pragma once
#include <atomic>
#include <cstdint>
#include <sstream>
#include <string>

namespace spp {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

void set_log_level(LogLevel l);                // the root level (components without their own)
bool set_log_level(const std::string& name);  // DEBUG|INFO|WARN|ERROR|OFF (case-insensitive)
LogLevel log_level();
bool parse_log_level(const std::string& name, LogLevel& out);
// A component's own level (the name after the level in each line: master, worker, net ...).
void set_component_log_level(const std::string& component, LogLevel l);
void clear_component_log_levels();
LogLevel component_log_level(const char* component);
void log_write(LogLevel l, const char* component, const std::string& msg);

// Also append every line to `path` (created 0640), renamed to path.1 ... path.<max_files> when
// it grows past max_bytes (0: never). Empty path: stderr only. False (and *error) if it cannot
// be opened.
bool set_log_file(const std::string& path, int64_t max_bytes, int max_files, std::string* error);

// The logging configuration file: $SPARKPP_LOG_CONF, else log.properties in $SPARKPP_CONF_DIR,
// $SPARK_CONF_DIR or ./conf (the first that is set); "" if there is none.
std::string default_log_config_file();
// Applies a logging configuration file (lines `key = value`, `#` comments):
//   rootLogger.level = info                  the root level
//   logger.<id>.level = debug                the level of component <id> (or of the component
//   logger.<id>.name = scheduler              named by logger.<id>.name, log4j2-style)
//   appender.file.enabled = true             daemons (`daemon` non-empty) also log to a file,
//   appender.file.dir = /var/log/sparkpp     there (default $SPARKPP_LOG_DIR, else ./logs),
//   appender.file.maxSize = 100m             named sparkpp-<ident>-<daemon>-<N>-<host>.log, rotated at
//   appender.file.maxFiles = 5               this size into this many old files.
// Unknown keys or levels are errors. *root_set tells whether it set the root level (which then
// wins over a process's built-in default, not over $SPARKPP_LOG_LEVEL).
bool load_log_config(const std::string& path, const std::string& daemon, bool* root_set, std::string* error);

namespace log_detail {
// The most verbose level any component logs at: the macro's cheap first test.
extern std::atomic<int> g_min_level;
bool enabled_slow(LogLevel l, const char* component);
}  // namespace log_detail

inline bool log_enabled(LogLevel l, const char* component) {
  return static_cast<int>(l) >= log_detail::g_min_level.load(std::memory_order_relaxed) &&
         log_detail::enabled_slow(l, component);
}

}  // namespace spp

#define SPP_LOG(level, component, expr)                                       \
  do {                                                                        \
    if (::spp::log_enabled(level, component)) {                               \
      std::ostringstream spp_log_os_;                                         \
      spp_log_os_ << expr;                                                    \
      ::spp::log_write(level, component, spp_log_os_.str());                  \
    }                                                                         \
  } while (0)
#define LOG_DEBUG(c, e) SPP_LOG(::spp::LogLevel::kDebug, c, e)
#define LOG_INFO(c, e) SPP_LOG(::spp::LogLevel::kInfo, c, e)
#define LOG_WARN(c, e) SPP_LOG(::spp::LogLevel::kWarn, c, e)
#define LOG_ERROR(c, e) SPP_LOG(::spp::LogLevel::kError, c, e)
