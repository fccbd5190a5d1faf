// Minimal leveled logging to stderr, Spark-style: "26/11/22 12:00:00 INFO master: message".
#pragma once
#include <sstream>
#include <string>

namespace spp {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

void set_log_level(LogLevel l);
bool set_log_level(const std::string& name);  // DEBUG|INFO|WARN|ERROR|OFF (case-insensitive)
LogLevel log_level();
void log_write(LogLevel l, const char* component, const std::string& msg);

}  // namespace spp

#define SPP_LOG(level, component, expr)                                       \
  do {                                                                        \
    if (static_cast<int>(level) >= static_cast<int>(::spp::log_level())) {    \
      std::ostringstream spp_log_os_;                                         \
      spp_log_os_ << expr;                                                    \
      ::spp::log_write(level, component, spp_log_os_.str());                  \
    }                                                                         \
  } while (0)
#define LOG_DEBUG(c, e) SPP_LOG(::spp::LogLevel::kDebug, c, e)
#define LOG_INFO(c, e) SPP_LOG(::spp::LogLevel::kInfo, c, e)
#define LOG_WARN(c, e) SPP_LOG(::spp::LogLevel::kWarn, c, e)
#define LOG_ERROR(c, e) SPP_LOG(::spp::LogLevel::kError, c, e)
