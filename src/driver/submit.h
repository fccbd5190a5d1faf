// Entry point of `sparkpp submit`: the driver runtime that runs a Python program.
#pragma once
#include <string>
#include <vector>

namespace spp {

struct SubmitArgs {
  std::string master;  // empty: from conf, else local[*]
  std::string name;
  std::vector<std::string> conf;
  std::string properties_file;
  std::string executor_memory;
  int executor_cores = 0;
  int total_executor_cores = 0;
  std::string py_files;
  std::string script;
  std::vector<std::string> script_args;
};

int run_submit(const SubmitArgs& args);

}  // namespace spp
