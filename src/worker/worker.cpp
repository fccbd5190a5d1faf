#include "worker/worker.h"
#include <cstdio>
namespace spp { int run_worker(const WorkerArgs&) { std::fprintf(stderr, "worker: not yet\n"); return 1; } }
