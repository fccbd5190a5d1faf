// glibc malloc on transparent huge pages for the processes that move data (see malloc_tuning.cpp).
#pragma once

#include <map>
#include <optional>
#include <string>

namespace spp {

// The GLIBC_TUNABLES value to run with, given the current one (nullptr: unset): the current
// value plus glibc.malloc.hugetlb=1 and (unless it names one) glibc.malloc.arena_max=1.
// nullopt when it names glibc.malloc.hugetlb already (the user's choice, or this process was
// re-executed with it).
std::optional<std::string> huge_page_tunables(const char* current);

// For the data-plane roles (submit, driver, executor; worker, for its executors): re-executes this program with
// huge_page_tunables() in its environment unless SPARKPP_MALLOC_HUGEPAGES=0 or nothing needs
// adding, the value it had kept in SPARKPP_GLIBC_TUNABLES_OUTSIDE. Children inherit both, so a
// local-mode executor starts with the tunables (no second exec). Returns (and the process goes
// on as it is) when exec fails.
void reexec_with_huge_pages(char** argv);

// Python processes keep the GLIBC_TUNABLES they would have had (their large buffers are numpy's,
// which asks for huge pages itself; the interpreter's heap on huge pages is a few MiB more of
// idle RSS per process): sets it in `env`, a spawn's extra variables, when it was changed here.
void python_child_env(std::map<std::string, std::string>& env);

}  // namespace spp
