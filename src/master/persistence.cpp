// FILESYSTEM recovery storage and the leadership lock (see persistence.h).
#include "master/persistence.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/log.h"

namespace spp::master {
namespace fs = std::filesystem;
namespace {
constexpr const char* kLog = "master";
}

nlohmann::json to_json(const StoredWorker& w) {
  return {{"id", w.id}, {"host", w.host}, {"port", w.port}, {"cores", w.cores},
          {"memory_mb", w.memory_mb}, {"webui_url", w.webui_url}};
}

nlohmann::json to_json(const StoredApp& a) {
  return {{"id", a.id}, {"desc", nlohmann::json(a.desc)}, {"start_wall_ms", a.start_wall_ms},
          {"next_executor_id", a.next_executor_id}};
}

Result<StoredWorker> stored_worker_from_json(const nlohmann::json& j) {
  try {
    StoredWorker w;
    w.id = j.at("id").get<std::string>();
    w.host = j.at("host").get<std::string>();
    w.port = j.at("port").get<int>();
    w.cores = j.at("cores").get<int>();
    w.memory_mb = j.at("memory_mb").get<int64_t>();
    w.webui_url = j.at("webui_url").get<std::string>();
    if (w.id.empty()) return Result<StoredWorker>::error("empty worker id");
    return w;
  } catch (const std::exception& e) {
    return Result<StoredWorker>::error(e.what());
  }
}

Result<StoredApp> stored_app_from_json(const nlohmann::json& j) {
  try {
    StoredApp a;
    a.id = j.at("id").get<std::string>();
    a.desc = j.at("desc").get<msg::RegisterApplication>();
    a.start_wall_ms = j.at("start_wall_ms").get<int64_t>();
    a.next_executor_id = j.at("next_executor_id").get<int>();
    if (a.id.empty()) return Result<StoredApp>::error("empty app id");
    return a;
  } catch (const std::exception& e) {
    return Result<StoredApp>::error(e.what());
  }
}

namespace {
// A recovery record holds strings and integers only. nlohmann reads a JSON float into an
// integer field with a plain cast (undefined behaviour out of range: a record claiming 1e55 MB
// was found by fuzzing), so a float anywhere makes the record invalid. Iterative: the nesting
// of a damaged file is not bounded.
bool has_float(const nlohmann::json& root) {
  std::vector<const nlohmann::json*> todo{&root};
  while (!todo.empty()) {
    const nlohmann::json* j = todo.back();
    todo.pop_back();
    if (j->is_number_float()) return true;
    if (j->is_structured())
      for (const auto& v : *j) todo.push_back(&v);
  }
  return false;
}
}  // namespace

bool add_stored_record(StoredState& st, const std::string& name, const nlohmann::json& j) {
  bool worker = name.rfind("worker_", 0) == 0, app = name.rfind("app_", 0) == 0;
  if (!worker && !app) return false;
  if (has_float(j)) {
    LOG_WARN(kLog, "recovery: skipping " << name << ": a number that is not an integer");
    return false;
  }
  if (worker) {
    auto w = stored_worker_from_json(j);
    if (w) st.workers.push_back(std::move(w.value()));
    else LOG_WARN(kLog, "recovery: skipping " << name << ": " << w.error_message());
    return w.is_ok();
  }
  auto a = stored_app_from_json(j);
  if (a) st.apps.push_back(std::move(a.value()));
  else LOG_WARN(kLog, "recovery: skipping " << name << ": " << a.error_message());
  return a.is_ok();
}

Status MemoryStore::write(const std::string& name, const nlohmann::json& data) {
  records_[name] = data.dump();
  return Status::ok();
}

StoredState MemoryStore::read_all() const {
  StoredState st;
  for (const auto& [name, text] : records_)
    add_stored_record(st, name, nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false));
  return st;
}

Status FileStore::write(const std::string& name, const nlohmann::json& data) {
  std::string final_path = dir_ + "/" + name + ".json";
  std::string tmp = dir_ + "/." + name + ".json.tmp";
  std::string text = data.dump();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::error("cannot write " + tmp + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::error("cannot write " + tmp + ": " + std::strerror(err));
    }
    off += static_cast<size_t>(n);
  }
  ::fsync(fd);  // the rename below must not expose an empty file after a power loss
  ::close(fd);
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Status::error("cannot rename " + tmp + ": " + std::strerror(err));
  }
  return Status::ok();
}

void FileStore::remove(const std::string& name) {
  std::error_code ec;
  fs::remove(dir_ + "/" + name + ".json", ec);
}

StoredState FileStore::read_all() const {
  StoredState st;
  std::error_code ec;
  for (const auto& ent : fs::directory_iterator(dir_, ec)) {
    std::string fn = ent.path().filename().string();
    bool worker = fn.rfind("worker_", 0) == 0, app = fn.rfind("app_", 0) == 0;
    if ((!worker && !app) || ent.path().extension() != ".json") continue;
    std::ifstream in(ent.path());
    nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      LOG_WARN(kLog, "recovery: skipping unreadable " << ent.path().string());
      continue;
    }
    add_stored_record(st, ent.path().stem().string(), j);
  }
  return st;
}

LeaderLock::LeaderLock(std::string dir) : path_(std::move(dir) + "/master.lock") {}

LeaderLock::~LeaderLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

Result<bool> LeaderLock::try_acquire() {
  if (held_) return true;
  if (fd_ < 0) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) return Result<bool>::error("cannot open " + path_ + ": " + std::strerror(errno));
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) {
    held_ = true;
    return true;
  }
  if (errno == EWOULDBLOCK || errno == EINTR) return false;
  return Result<bool>::error("cannot lock " + path_ + ": " + std::strerror(errno));
}

}  // namespace spp::master
