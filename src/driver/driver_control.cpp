// Driver: job control the Python program asks for — cancelling jobs (sc.cancelAllJobs,
// cancelJobGroup, cancelJobsWithTag, Ctrl-C during an action), the status tracker
// (sc.statusTracker()), and the files of sc.addFile / sc.addArchive shipped to executors.
#include <filesystem>
#include <fstream>

#include "common/log.h"
#include "common/util.h"
#include "driver/driver.h"

namespace spp::driver {
namespace fs = std::filesystem;

// ------------------------------------------------------------------ job properties

void Driver::apply_properties(Job& job, const std::map<std::string, std::string>& props) {
  job.properties = props;
  // The UI's job list shows the description set with sc.setJobDescription / setJobGroup.
  if (auto it = props.find("spark.job.description"); it != props.end() && !it->second.empty()) job.description = it->second;
}

// ------------------------------------------------------------------ cancellation

static bool has_tag(const std::map<std::string, std::string>& props, const std::string& tag) {
  auto it = props.find("spark.job.tags");
  if (it == props.end()) return false;
  for (const auto& t : split(it->second, ','))
    if (t == tag) return true;
  return false;
}

// Spark's DAGScheduler texts: "Job 3 cancelled as part of cancellation of all jobs",
// "Job 3 cancelled part of cancelled job group G", "Job 3 cancelled " (sc.cancelJob).
void Driver::cancel_jobs(Connection& c, const msg::PyCancelJobs& m) {
  if (m.scope != "all" && m.scope != "group" && m.scope != "tag" && m.scope != "job")
    return py_error(c, m.req, "bad_request", "unknown cancel scope '" + m.scope + "' (expected all, group, tag or job)");
  json cancelled = json::array();
  std::vector<sc::CancelJob> events;
  for (const auto& [id, job] : jobs_) {
    std::string why;
    if (m.scope == "all") {
      why = "as part of cancellation of all jobs";
    } else if (m.scope == "group") {
      auto it = job.properties.find("spark.jobGroup.id");
      if (it == job.properties.end() || it->second != m.id) continue;
      why = "part of cancelled job group " + m.id;
    } else if (m.scope == "tag") {
      if (!has_tag(job.properties, m.id)) continue;
      why = "with a job tag " + m.id;
    } else if (m.id != std::to_string(id)) {
      continue;
    }
    cancelled.push_back(id);
    events.push_back(sc::CancelJob{id, "Job " + std::to_string(id) + " cancelled " + why, "Job " + std::to_string(id) + " cancelled"});
  }
  for (auto& ev : events) post(std::move(ev));
  py_reply(c, m.req, Status::ok(), std::move(cancelled));
}

// ------------------------------------------------------------------ status tracker

// PySpark's SparkJobInfo / SparkStageInfo fields, from the application's status store (the
// jobs and stages it still retains, as Spark's AppStatusStore).
void Driver::status_query(Connection& c, const msg::PyStatusQuery& m) {
  const json& args = m.args.is_object() ? m.args : json::object();
  json value = nullptr;
  if (m.what == "active_job_ids") {
    value = json::array();
    for (const auto& [id, job] : jobs_) value.push_back(id);
  } else if (m.what == "job_ids_for_group") {
    // group null: the jobs run without a group (PySpark's getJobIdsForGroup(None)).
    const json& g = args.contains("group") ? args["group"] : json(nullptr);
    value = json::array();
    for (const auto& [id, group] : job_groups_)
      if (g.is_null() ? group.empty() : (g.is_string() && g.get<std::string>() == group)) value.push_back(id);
  } else if (!ui_) {
    value = m.what == "active_stage_ids" ? json::array() : json(nullptr);
  } else if (m.what == "active_stage_ids") {
    value = json::array();
    for (const auto& s : ui_->store().stages("active")) value.push_back(s["stageId"]);
    std::sort(value.begin(), value.end());
  } else if (m.what == "job_info") {
    if (auto j = ui_->store().job(args.value("job", -1)))
      value = {{"jobId", (*j)["jobId"]}, {"stageIds", (*j)["stageIds"]}, {"status", (*j)["status"]}};
  } else if (m.what == "stage_info") {
    json attempts = ui_->store().stage_attempts(args.value("stage", -1), false);
    if (!attempts.empty()) {
      const json& s = attempts.back();  // the current (latest) attempt
      value = {{"stageId", s["stageId"]},          {"currentAttemptId", s["attemptId"]},
               {"name", s.value("name", "")},      {"numTasks", s["numTasks"]},
               {"numActiveTasks", s["numActiveTasks"]}, {"numCompletedTasks", s["numCompleteTasks"]},
               {"numFailedTasks", s["numFailedTasks"]}};
    }
  } else {
    return py_error(c, m.req, "bad_request", "unknown status query '" + m.what + "'");
  }
  py_reply(c, m.req, Status::ok(), std::move(value));
}

// ------------------------------------------------------------------ files (SparkFiles)

static std::string archive_format(const std::string& path) {
  auto ends = [&](const char* suf) {
    const std::string s(suf);
    return path.size() > s.size() && path.compare(path.size() - s.size(), s.size(), s) == 0;
  };
  if (ends(".zip") || ends(".jar")) return "zip";
  if (ends(".tar.gz")) return "tar.gz";
  if (ends(".tgz")) return "tgz";
  if (ends(".tar")) return "tar";
  return "";
}

// Read now (a later change on disk is not seen, as Spark fetches a file once per name).
Status Driver::add_file(const std::string& path, const std::string& name, bool archive) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return Status::error("File " + path + " does not exist");
  std::string base = name.empty() ? fs::path(path).filename().string() : name;
  if (base.empty() || base == "." || base == ".." || base.find('/') != std::string::npos)
    return Status::error("invalid file name '" + base + "' for " + path);
  std::string format;
  if (archive) {
    format = archive_format(path);
    if (format.empty()) return Status::error("cannot unpack " + path + ": archives must be .zip, .jar, .tar, .tar.gz or .tgz");
  }
  for (const auto& f : files_)
    if (f.name == base) return Status::ok();  // Spark: the same name again is ignored
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::error("cannot read " + path);
  auto data = std::make_shared<const std::string>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  files_.push_back(ShippedFile{base, archive, format, std::move(data)});
  return Status::ok();
}

void Driver::ship_files(ExecInfo& ex) {
  if (!ex.conn) return;
  for (const auto& f : files_) {
    if (ex.files_sent.count(f.name)) continue;
    msg::AddFile a;
    a.name = f.name;
    a.archive = f.archive;
    a.format = f.format;
    ex.conn->send(a, {*f.data});
    ex.files_sent.insert(f.name);
  }
}

}  // namespace spp::driver
