#include "executor/executor.h"
#include <cstdio>
namespace spp { int run_executor(const ExecutorArgs&) { std::fprintf(stderr, "executor: not yet\n"); return 1; } }
