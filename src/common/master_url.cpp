// Master URL parsing (see master_url.h).
#include "common/master_url.h"

#include "common/util.h"

namespace spp {

Result<MasterSpec> parse_master_url(const std::string& url) {
  using R = Result<MasterSpec>;
  MasterSpec m;
  auto bad = [&] {
    return R::error("invalid master URL '" + url + "' (expected local, local[N], local[*], local[N,F], local-cluster[N,CORES,MEMORY_MB] or spark://HOST:PORT)");
  };
  auto parse_count = [](const std::string& s, int& out) {
    if (s == "*") { out = num_cpus(); return true; }
    if (s.empty() || s.size() > 6) return false;
    for (char c : s) if (c < '0' || c > '9') return false;
    out = std::stoi(s);
    return out > 0;
  };
  if (url == "local") {
    m.local_cores = 1;
    return m;
  }
  auto trim = [](std::string x) {  // Spark's master regexes allow blanks around the commas
    while (!x.empty() && x.front() == ' ') x.erase(0, 1);
    while (!x.empty() && x.back() == ' ') x.pop_back();
    return x;
  };
  if (starts_with(url, "local[") && url.back() == ']') {
    auto parts = split(url.substr(6, url.size() - 7), ',');
    for (auto& p : parts) p = trim(p);
    if (parts.size() > 2 || !parse_count(parts[0], m.local_cores)) return bad();
    if (parts.size() == 2 && (parts[1] == "*" || !parse_count(parts[1], m.local_max_failures))) return bad();
    return m;
  }
  if (starts_with(url, "local-cluster[") && url.back() == ']') {
    auto parts = split(url.substr(14, url.size() - 15), ',');
    if (parts.size() != 3) return bad();
    for (auto& p : parts) p = trim(p);
    if (parts[0] == "*" || parts[1] == "*" || parts[2] == "*") return bad();
    if (!parse_count(parts[0], m.local_executors) || !parse_count(parts[1], m.local_cores) ||
        !parse_count(parts[2], m.local_executor_memory_mb))
      return bad();
    m.local_cluster = true;
    return m;
  }
  if (starts_with(url, "spark://")) {
    m.local = false;
    for (const auto& hp : split(url.substr(8), ',')) {
      std::string h;
      int p;
      if (!parse_host_port(hp, h, p)) return bad();
      m.masters.emplace_back(h, p);
    }
    return m;
  }
  return bad();
}

}  // namespace spp
