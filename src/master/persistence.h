// What a FILESYSTEM-recovery master keeps on disk (Spark's FileSystemPersistenceEngine) and
// the leadership lock that makes a second master a standby. The core only sees the plain
// Stored* records; FileStore and LeaderLock are the I/O the libuv shell performs.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/messages.h"
#include "common/status.h"

namespace spp::master {

// One file per worker: `worker_<id>.json`.
struct StoredWorker {
  std::string id, host;
  int port = 0;
  int cores = 0;
  int64_t memory_mb = 0;
  std::string webui_url;
};

// One file per application: `app_<id>.json`. Rewritten when next_executor_id moves, so a
// recovered app never reuses an executor id (work dirs and driver bookkeeping stay distinct).
struct StoredApp {
  std::string id;
  msg::RegisterApplication desc;
  int64_t start_wall_ms = 0;
  int next_executor_id = 0;
};

struct StoredState {
  std::vector<StoredWorker> workers;
  std::vector<StoredApp> apps;
  bool empty() const { return workers.empty() && apps.empty(); }
};

nlohmann::json to_json(const StoredWorker& w);
nlohmann::json to_json(const StoredApp& a);
Result<StoredWorker> stored_worker_from_json(const nlohmann::json& j);
Result<StoredApp> stored_app_from_json(const nlohmann::json& j);

// Where the shell keeps the core's Persist/Unpersist records (`worker_<id>` / `app_<id>`) and
// reads them back for ElectedLeader. Records that do not parse are skipped with a warning.
class RecoveryStore {
 public:
  virtual ~RecoveryStore() = default;
  virtual Status write(const std::string& name, const nlohmann::json& data) = 0;
  virtual void remove(const std::string& name) = 0;
  virtual StoredState read_all() const = 0;
};

// Adds record `name` to `st` if it is a worker_/app_ record that parses; false otherwise.
bool add_stored_record(StoredState& st, const std::string& name, const nlohmann::json& j);

// The recovery directory: `<name>.json` files, each written to a temp file, fsync'ed and
// renamed into place, so a crash leaves either the old or the new version, never half.
class FileStore final : public RecoveryStore {
 public:
  explicit FileStore(std::string dir) : dir_(std::move(dir)) {}
  Status write(const std::string& name, const nlohmann::json& data) override;
  void remove(const std::string& name) override;
  // Unreadable files are skipped too (a partial write cannot produce one, but an operator's
  // editor can).
  StoredState read_all() const override;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

// Records kept as JSON text in memory (the simulation tests' FILESYSTEM mode): the same
// serialization as the files, shared by every master given the same store.
class MemoryStore final : public RecoveryStore {
 public:
  Status write(const std::string& name, const nlohmann::json& data) override;
  void remove(const std::string& name) override { records_.erase(name); }
  StoredState read_all() const override;
  const std::map<std::string, std::string>& records() const { return records_; }

 private:
  std::map<std::string, std::string> records_;
};

// Exclusive flock on `<dir>/master.lock`. Held for the life of the process: the kernel
// releases it when the holder dies, however it dies, which is what lets a standby take over.
class LeaderLock {
 public:
  explicit LeaderLock(std::string dir);
  ~LeaderLock();
  LeaderLock(const LeaderLock&) = delete;
  LeaderLock& operator=(const LeaderLock&) = delete;
  // Non-blocking attempt; true once held (and from then on).
  Result<bool> try_acquire();
  bool held() const { return held_; }

 private:
  std::string path_;
  int fd_ = -1;
  bool held_ = false;
};

}  // namespace spp::master
