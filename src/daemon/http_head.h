// The head of an HTTP/1.x request (request line and header fields), parsed strictly and within
// limits before any handler sees the request (issue 12: a stranger may send anything to a web
// UI port). Pure: the HTTP front (http_server.h) calls it on the bytes received so far and
// learns whether the head is complete, still incomplete, or refused with a status.
//
// Accepted: `METHOD SP TARGET SP HTTP/1.0|HTTP/1.1 CRLF`, then `Name: value CRLF` lines (token
// names, no whitespace before the colon, no obsolete line folding, no control characters but
// HTAB), then CRLF. A body only by Content-Length (one value, digits, up to max_body);
// Transfer-Encoding (chunked bodies) is refused with 411; HTTP/1.1 needs Host (RFC 9112).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spp::http {

struct HeadLimits {
  size_t max_line = 8192;         // request line (414 beyond) and each header line (431)
  size_t max_head = 16384;        // request line + headers + blank line (431 beyond)
  size_t max_headers = 64;        // header lines (431 beyond)
  size_t max_body = 1 << 20;      // Content-Length (413 beyond)
};

struct Head {
  enum class State { kIncomplete, kComplete, kRefused };
  State state = State::kIncomplete;
  int status = 0;              // kRefused: 400, 411, 413, 414, 417, 431, 501 or 505
  std::string reason;          // kRefused: why, for the response body and the log
  size_t head_len = 0;         // kComplete: bytes of the head, blank line included
  size_t body_len = 0;         // kComplete: Content-Length (0 without)
  std::string_view method, target, version;
  std::vector<std::pair<std::string_view, std::string_view>> headers;  // views into the input
  bool keep_alive = false;       // HTTP/1.1 without "Connection: close", 1.0 with "keep-alive"
  bool expect_continue = false;  // "Expect: 100-continue"
  bool complete() const { return state == State::kComplete; }
  bool refused() const { return state == State::kRefused; }
};

// Parses the head at the start of `in` (the bytes received so far). Incomplete until the blank
// line arrives, unless what is there already breaks a rule or a limit (then refused at once: a
// client cannot keep a connection by never finishing an oversized or malformed head).
Head parse_head(std::string_view in, const HeadLimits& lim = {});

// The reason phrase of the statuses parse_head and the front produce ("Bad Request", ...).
const char* status_text(int status);

}  // namespace spp::http
