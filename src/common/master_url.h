// Master URLs (`spark.master`, `sparkpp worker MASTER`): one parser for the driver and the worker.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace spp {

struct MasterSpec {
  bool local = true;
  int local_cores = 1;
  int local_max_failures = 1;  // local[N,F]: task attempts before a job fails
  std::vector<std::pair<std::string, int>> masters;  // spark://h1:p1,h2:p2 (a leader and standbys)
};

// Parses local, local[N], local[*], local[N,F], local[*,F], spark://h:p[,h2:p2].
Result<MasterSpec> parse_master_url(const std::string& url);

}  // namespace spp
