// Worker UI routes: page, static assets, executor log paging confined to the work dir.
#include "worker/ui_routes.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "web_routes.h"

namespace spp {
namespace fs = std::filesystem;

namespace {
bool plain_name(const std::string& s) {
  if (s.empty() || s.size() > 200 || s == "." || s == "..") return false;
  for (char c : s)
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}
}  // namespace

std::string worker_log_path(const std::string& work_dir, const std::string& app_id, const std::string& exec_id,
                            const std::string& log_type) {
  if (!plain_name(app_id) || !plain_name(exec_id) || (log_type != "stdout" && log_type != "stderr")) return "";
  std::error_code ec;
  fs::path root = fs::weakly_canonical(work_dir, ec);
  if (ec) return "";
  fs::path p = fs::weakly_canonical(root / app_id / exec_id / log_type, ec);
  if (ec || !fs::is_regular_file(p, ec)) return "";
  // Symlinks could still lead out: the resolved path must stay under the work dir.
  auto rel = p.lexically_relative(root);
  if (rel.empty() || rel.begin()->string() == "..") return "";
  return p.string();
}

namespace {
// A cluster-mode driver's log: WORK_DIR/<driver id>/<stdout|stderr> (Spark's ?driverId=).
std::string driver_log_path(const std::string& work_dir, const std::string& driver_id, const std::string& log_type) {
  if (!plain_name(driver_id) || driver_id.rfind("driver-", 0) != 0 || (log_type != "stdout" && log_type != "stderr")) return "";
  std::error_code ec;
  fs::path root = fs::weakly_canonical(work_dir, ec);
  if (ec) return "";
  fs::path p = fs::weakly_canonical(root / driver_id / log_type, ec);
  if (ec || !fs::is_regular_file(p, ec)) return "";
  auto rel = p.lexically_relative(root);
  if (rel.empty() || rel.begin()->string() == "..") return "";
  return p.string();
}
}  // namespace

void install_worker_ui(httplib::Server& svr, const std::string& work_dir) {
  web::install_static_assets(svr, "worker.html");
  svr.Get(R"(/logPage/?)", [](const httplib::Request&, httplib::Response& res) { web::serve_asset(res, "log.html"); });
  svr.Get("/log", [work_dir](const httplib::Request& req, httplib::Response& res) {
    auto p = [&](const char* k) { return req.has_param(k) ? req.get_param_value(k) : std::string(); };
    std::string path = req.has_param("driverId") ? driver_log_path(work_dir, p("driverId"), p("logType"))
                                                 : worker_log_path(work_dir, p("appId"), p("executorId"), p("logType"));
    if (path.empty()) {
      res.status = 404;
      res.set_content("no such log (appId and executorId, or driverId; logType=stdout|stderr)\n", "text/plain");
      return;
    }
    std::error_code ec;
    int64_t total = static_cast<int64_t>(fs::file_size(path, ec));
    int64_t len = 100 * 1024;
    try {
      if (!p("byteLength").empty()) len = std::clamp<int64_t>(std::stoll(p("byteLength")), 1, 1 << 20);
    } catch (...) {
    }
    int64_t start = std::max<int64_t>(0, total - len);  // default: the end of the log
    try {
      if (!p("offset").empty()) start = std::clamp<int64_t>(std::stoll(p("offset")), 0, total);
    } catch (...) {
    }
    int64_t end = std::min(total, start + len);
    std::string data(static_cast<size_t>(end - start), '\0');
    std::ifstream f(path, std::ios::binary);
    f.seekg(start);
    f.read(data.data(), static_cast<std::streamsize>(data.size()));
    data.resize(static_cast<size_t>(f.gcount()));
    nlohmann::json j = {{"data", data}, {"start", start}, {"end", start + static_cast<int64_t>(data.size())}, {"total", total}};
    res.set_content(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
  });
}

}  // namespace spp
