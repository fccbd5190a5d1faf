// The worker's web UI: its page (web/worker.html, drawn from /json) and the executor log pages,
// added to the daemon's status HTTP server.
#pragma once
#include <httplib.h>

#include <string>

namespace spp {

// "/" and /static/* (embedded assets), /logPage/?appId=&executorId=&logType= (the pager page),
// /log?appId=&executorId=&logType=&offset=&byteLength= (JSON: data, start, end, total). Only
// files inside `work_dir` are ever read.
void install_worker_ui(httplib::Server& svr, const std::string& work_dir);

// The log file for (app, executor, stdout|stderr) under work_dir, or "" when the request names
// anything else (path traversal, other files, a missing file).
std::string worker_log_path(const std::string& work_dir, const std::string& app_id, const std::string& exec_id,
                            const std::string& log_type);

}  // namespace spp
