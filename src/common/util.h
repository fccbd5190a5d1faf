// Small host and string helpers shared by every component.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace spp {

int num_cpus();
int64_t total_memory_mb();
std::string hostname();
// The address peers should use for this host: SPARKPP_LOCAL_IP / SPARK_LOCAL_IP, else the
// first non-loopback IPv4 address, else 127.0.0.1.
std::string local_ip();
std::string random_hex(size_t bytes);
// Standard base64 with padding (proto3 JSON `bytes`); nullopt when malformed.
std::optional<std::string> base64_decode(const std::string& in);
std::string base64_encode(const std::string& in);  // cryptographically random (OpenSSL)
std::string timestamp_id(int64_t wall_ms);  // yyyyMMddHHmmss (local time)
std::string format_bytes(int64_t b);
std::string self_exe();  // absolute path of the running sparkpp binary
// Directory holding the `sparkpp` and `pyspark` packages: $SPARKPP_HOME/python, else next to
// the binary (build tree: ../src/pyworker; install tree: ../share/sparkpp/python).
std::string python_package_dir();
std::vector<std::string> split(const std::string& s, char sep);
bool parse_host_port(const std::string& s, std::string& host, int& port);
bool starts_with(const std::string& s, const std::string& p);

}  // namespace spp
