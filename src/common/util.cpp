// Host and string helpers.
#include "common/util.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

namespace spp {

int num_cpus() {
  unsigned n = std::thread::hardware_concurrency();
  return n ? static_cast<int>(n) : 1;
}

int64_t total_memory_mb() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long psize = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || psize <= 0) return 1024;
  return static_cast<int64_t>(pages) * psize / (1024 * 1024);
}

std::string hostname() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

std::string local_ip() {
  for (const char* var : {"SPARKPP_LOCAL_IP", "SPARK_LOCAL_IP"}) {
    const char* v = std::getenv(var);
    if (v && *v) return v;
  }
  std::string found = "127.0.0.1";
  struct ifaddrs* ifs = nullptr;
  if (getifaddrs(&ifs) == 0) {
    for (auto* i = ifs; i; i = i->ifa_next) {
      if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
      char buf[INET_ADDRSTRLEN];
      auto* sin = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
      inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf);
      if (std::string(buf).rfind("127.", 0) == 0) continue;
      found = buf;
      break;
    }
    freeifaddrs(ifs);
  }
  return found;
}

std::optional<std::string> base64_decode(const std::string& in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out(in.size() / 4 * 3, '\0');
  int n = in.empty() ? 0
                     : EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                       reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts padding as zero bytes: drop one per '='.
  size_t pad = 0;
  for (size_t i = in.size(); i > 0 && in[i - 1] == '=' && pad < 2; --i) ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string base64_encode(const std::string& in) {
  std::string out((in.size() + 2) / 3 * 4 + 1, '\0');  // EVP_EncodeBlock writes a NUL after
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string random_hex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    std::FILE* f = std::fopen("/dev/urandom", "rb");
    if (!f || std::fread(raw.data(), 1, bytes, f) != bytes) std::abort();
    std::fclose(f);
  }
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

std::string timestamp_id(int64_t wall_ms) {
  time_t t = static_cast<time_t>(wall_ms / 1000);
  struct tm tmv;
  localtime_r(&t, &tmv);
  char buf[32];
  strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tmv);
  return buf;
}

std::string format_bytes(int64_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 4) { v /= 1024; ++u; }
  char buf[64];
  std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", v, units[u]);
  return buf;
}

std::string self_exe() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "sparkpp";
  buf[n] = 0;
  return buf;
}

std::string python_package_dir() {
  namespace fs = std::filesystem;
  if (const char* h = std::getenv("SPARKPP_HOME")) return std::string(h) + "/python";
  fs::path exe = fs::path(self_exe()).parent_path();
  for (auto cand : {exe / ".." / "src" / "pyworker", exe / ".." / "share" / "sparkpp" / "python", exe / "src" / "pyworker"}) {
    std::error_code ec;
    if (fs::exists(cand / "sparkpp" / "__init__.py", ec)) return fs::weakly_canonical(cand, ec).string();
  }
  return (exe / ".." / "src" / "pyworker").lexically_normal().string();
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t b = 0;
  for (;;) {
    size_t e = s.find(sep, b);
    out.push_back(s.substr(b, e == std::string::npos ? std::string::npos : e - b));
    if (e == std::string::npos) break;
    b = e + 1;
  }
  return out;
}

bool parse_host_port(const std::string& s, std::string& host, int& port) {
  size_t c = s.rfind(':');
  if (c == std::string::npos || c == 0 || c + 1 >= s.size()) return false;
  host = s.substr(0, c);
  std::string p = s.substr(c + 1);
  if (p.size() > 5) return false;
  for (char ch : p)
    if (ch < '0' || ch > '9') return false;
  port = std::stoi(p);
  return port > 0 && port <= 65535;
}

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

}  // namespace spp
