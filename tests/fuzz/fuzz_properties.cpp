// libFuzzer target: arbitrary bytes as a --properties-file / spark-defaults.conf
// (Conf::load_properties_text, common/config.h). Invariants: nothing crashes, and every value it
// accepts has no surrounding whitespace and a non-empty key, and reading the file again gives
// the same settings.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  spp::Conf a, b;
  if (!a.load_properties_text(text, "fuzz.conf").is_ok()) return 0;
  if (!b.load_properties_text(text, "fuzz.conf").is_ok() || a.values() != b.values()) __builtin_trap();
  for (const auto& [k, v] : a.values()) {
    if (k.empty() || v.empty()) __builtin_trap();
    if (std::isspace(static_cast<unsigned char>(v.front())) || std::isspace(static_cast<unsigned char>(v.back())))
      __builtin_trap();
  }
  return 0;
}
