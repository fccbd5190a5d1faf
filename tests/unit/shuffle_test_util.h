// Helpers shared by the shuffle and input-reader unit tests: a scratch dir removed at scope
// exit, and small file utilities.
#pragma once
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace spp::testing {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/sparkpp-unit-XXXXXX";
    char* p = ::mkdtemp(tmpl);
    path = p ? std::filesystem::canonical(p).string() : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return path + "/" + name; }
};

inline void write_file(const std::string& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(content.data(), static_cast<std::streamsize>(content.size()));
}

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

}  // namespace spp::testing
