// libFuzzer target: arbitrary bytes as the start of an HTTP request to a web UI
// (spp::http::parse_head, src/daemon/http_head.h), under the default limits and under tiny ones.
// Invariants: nothing crashes; a complete head ends with the blank line inside the input, its
// views point into it, its header count and body length are within the limits; every shorter
// prefix of a complete head is incomplete (never refused: a slow client sending a valid request
// byte by byte is never cut off), and the head alone parses to the same result; a refusal
// carries one of the statuses the front knows.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "daemon/http_head.h"

namespace {
void check(std::string_view in, const spp::http::HeadLimits& lim) {
  using spp::http::Head;
  Head h = spp::http::parse_head(in, lim);
  if (h.refused()) {
    switch (h.status) {
      case 400: case 411: case 413: case 414: case 417: case 431: case 505: break;
      default: __builtin_trap();
    }
    if (h.reason.empty()) __builtin_trap();
    return;
  }
  if (!h.complete()) return;
  if (h.head_len > in.size() || h.head_len < 4 || in.substr(h.head_len - 4, 4) != "\r\n\r\n") __builtin_trap();
  if (h.headers.size() > lim.max_headers || h.body_len > lim.max_body || h.head_len > lim.max_head) __builtin_trap();
  auto inside = [&](std::string_view v) { return v.data() >= in.data() && v.data() + v.size() <= in.data() + h.head_len; };
  if (!inside(h.method) || !inside(h.target) || !inside(h.version)) __builtin_trap();
  for (const auto& [k, v] : h.headers)
    if (!inside(k) || (!v.empty() && !inside(v))) __builtin_trap();
  for (size_t cut : {h.head_len - 1, h.head_len / 2, size_t{1}})
    if (spp::http::parse_head(in.substr(0, cut), lim).state != Head::State::kIncomplete) __builtin_trap();
  Head again = spp::http::parse_head(in.substr(0, h.head_len), lim);
  if (!again.complete() || again.head_len != h.head_len || again.body_len != h.body_len ||
      again.headers.size() != h.headers.size() || again.keep_alive != h.keep_alive)
    __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  check(in, {});
  spp::http::HeadLimits tiny;
  tiny.max_line = 40;
  tiny.max_head = 120;
  tiny.max_headers = 3;
  tiny.max_body = 10;
  check(in, tiny);
  return 0;
}
