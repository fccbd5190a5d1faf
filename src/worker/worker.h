// Entry point of `sparkpp worker`.
#pragma once
#include <string>
#include <vector>

namespace spp {

struct WorkerArgs {
  std::string host;  // empty: local_ip()
  int port = 0;
  int cores = 0;        // 0: all cores
  std::string memory;   // empty: total RAM minus 1 GiB
  std::string work_dir = "./work";
  int webui_port = 8081;
  std::string properties_file;
  std::vector<std::string> conf;
  std::string master_url;
};

int run_worker(const WorkerArgs& args);

}  // namespace spp
