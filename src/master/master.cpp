#include "master/master.h"
#include <cstdio>
namespace spp { int run_master(const MasterArgs&) { std::fprintf(stderr, "master: not yet\n"); return 1; } }
