// Ids and names a peer sends that become paths, process arguments or environment: checked here
// against strict patterns before use (issue #12: an app id "../../x" once escaped the work dir).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace spp::ids {

// app-<yyyyMMddHHmmss>-<NNNN>, as the master makes them (the number may grow past 4 digits).
bool valid_app_id(const std::string& s);
// A worker names itself (worker-<yyyyMMddHHmmss>-<host>-<port>, as Spark); the master keeps it
// only as a key and shows it, so a plain name suffices: 1-256 letters, digits, '.', '-', '_', ':'.
bool valid_worker_id(const std::string& s);

// Environment variables an application may set for its executors (spark.executorEnv.*): a plain
// name that is not one of the variables that change how processes load code or find programs
// (LD_*, DYLD_*, PATH, PYTHONPATH, PYTHONHOME, PYTHONSTARTUP, ...) nor sparkpp's own SPARKPP_*
// (except SPARKPP_PYTHON, the application's Python: spark.pyspark.python as in Spark, and
// SPARKPP_LOG_LEVEL).
bool allowed_executor_env(const std::string& name);
// The allowed part of `env`; the names dropped are appended to `dropped`.
std::map<std::string, std::string> filter_executor_env(const std::map<std::string, std::string>& env,
                                                       std::vector<std::string>* dropped);

// A link a peer sends for a page to show (a worker's or driver's web UI, an executor's log page):
// http:// or https://, a host, then printable ASCII without spaces, quotes, '<', '>', '\\' or
// '`'; at most 2048 bytes. Anything else (javascript:, data:, //evil) is dropped, not shown.
bool valid_http_url(std::string_view s);
// `s` if valid_http_url, else "".
std::string http_url_or_empty(const std::string& s);
// The entries of `urls` whose values are valid_http_url.
std::map<std::string, std::string> valid_http_urls(const std::map<std::string, std::string>& urls);

}  // namespace spp::ids
