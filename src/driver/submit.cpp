#include "driver/submit.h"
#include <cstdio>
namespace spp { int run_submit(const SubmitArgs&) { std::fprintf(stderr, "submit: not yet\n"); return 1; } }
