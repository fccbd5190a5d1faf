// Entry point of `sparkpp executor` (internal): runs tasks for one driver.
#pragma once
#include <cstdint>
#include <string>

namespace spp {

struct ExecutorArgs {
  std::string driver_url;
  std::string executor_id;
  std::string app_id;
  int cores = 1;
  std::string host;
  std::string worker_id;
  int64_t memory_mb = 1024;
};

int run_executor(const ExecutorArgs& args);

}  // namespace spp
