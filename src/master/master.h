// Entry point of `sparkpp master`.
#pragma once
#include <string>
#include <vector>

namespace spp {

struct MasterArgs {
  std::string host = "0.0.0.0";
  int port = 7077;
  int webui_port = 8080;
  std::string properties_file;
  std::vector<std::string> conf;
};

int run_master(const MasterArgs& args);

}  // namespace spp
