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
  // local-cluster[N,C,M] (Spark's test master): N executor processes of C cores and M MiB,
  // started by the driver; tasks retry as on a cluster (spark.task.maxFailures).
  bool local_cluster = false;
  int local_executors = 1;
  int local_executor_memory_mb = 0;
  std::vector<std::pair<std::string, int>> masters;  // spark://h1:p1,h2:p2 (a leader and standbys)
};

// Parses local, local[N], local[*], local[N,F], local[*,F], local-cluster[N,C,M],
// spark://h:p[,h2:p2].
Result<MasterSpec> parse_master_url(const std::string& url);

}  // namespace spp
