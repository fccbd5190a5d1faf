// Why: on a virtual machine a first touch of a 4 KiB page can cost ~10 us (a fault, then the
// hypervisor backs the page). Our data paths fill hundreds of MB of fresh memory per query
// (result batches serialized by an executor, a toPandas result or createDataFrame upload
// received by the driver, partitions cut and sent again): serializing 180 MB of 4,096-row
// batches into fresh heap took 560 ms, 27 ms with glibc asked to back its heap with
// transparent huge pages (one fault per 2 MiB; THP is "madvise" on Debian, as numpy uses it).
// glibc reads these tunables only at start, hence the re-exec. It applies them to the main
// arena only (2.36: thread arenas grow without the advice), hence arena_max=1: the executor's
// task threads then allocate from the main arena (small blocks still come from per-thread
// caches). docs/architecture.md "Memory of the data-plane processes".
#include "common/malloc_tuning.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace spp {

std::optional<std::string> huge_page_tunables(const char* current) {
  std::string v = current ? current : "";
  if (v.find("glibc.malloc.hugetlb=") != std::string::npos) return std::nullopt;
  if (!v.empty()) v += ':';
  v += "glibc.malloc.hugetlb=1";
  if (v.find("glibc.malloc.arena_max=") == std::string::npos) v += ":glibc.malloc.arena_max=1";
  return v;
}

void reexec_with_huge_pages(char** argv) {
  if (const char* off = std::getenv("SPARKPP_MALLOC_HUGEPAGES"); off && std::strcmp(off, "0") == 0) return;
  auto v = huge_page_tunables(std::getenv("GLIBC_TUNABLES"));
  if (!v) return;
  const char* before = std::getenv("GLIBC_TUNABLES");
  ::setenv("SPARKPP_GLIBC_TUNABLES_OUTSIDE", before ? before : "", 1);
  ::setenv("GLIBC_TUNABLES", v->c_str(), 1);
  // The file itself, not /proc/self/exe: the process's name (comm) comes from the path exec'd,
  // and sbin/ scripts and ps know a daemon by it.
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return;
  self[n] = '\0';
  ::execv(self, argv);
  // exec failed (no /proc?): run as we are; children still inherit the variable
}

void python_child_env(std::map<std::string, std::string>& env) {
  if (const char* before = std::getenv("SPARKPP_GLIBC_TUNABLES_OUTSIDE")) env["GLIBC_TUNABLES"] = before;
}

}  // namespace spp
