// The request-head parser of the web UIs' HTTP front (src/daemon/http_head.h).
#include <doctest/doctest.h>

#include <string>

#include "daemon/http_head.h"

using spp::http::Head;
using spp::http::HeadLimits;
using spp::http::parse_head;

namespace {
int refused_with(const std::string& in, const HeadLimits& lim = {}) {
  Head h = parse_head(in, lim);
  return h.refused() ? h.status : 0;
}
}  // namespace

TEST_CASE("http head: a complete GET, its headers and keep-alive") {
  std::string in = "GET /json?x=1 HTTP/1.1\r\nHost: m:8080\r\nAccept:  */* \r\n\r\nNEXT";
  Head h = parse_head(in);
  REQUIRE(h.complete());
  CHECK(h.method == "GET");
  CHECK(h.target == "/json?x=1");
  CHECK(h.version == "HTTP/1.1");
  CHECK(h.head_len == in.size() - 4);
  CHECK(h.body_len == 0);
  REQUIRE(h.headers.size() == 2);
  CHECK(h.headers[1].first == "Accept");
  CHECK(h.headers[1].second == "*/*");
  CHECK(h.keep_alive);
  CHECK_FALSE(parse_head("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Close\r\n\r\n").keep_alive);
  CHECK_FALSE(parse_head("GET / HTTP/1.0\r\n\r\n").keep_alive);
  CHECK(parse_head("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive);
}

TEST_CASE("http head: incomplete until the blank line, whatever the split") {
  std::string in = "POST /app/kill/?id=a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n";
  for (size_t n = 0; n < in.size(); ++n) {
    Head h = parse_head(in.substr(0, n));
    CHECK_MESSAGE(h.state == Head::State::kIncomplete, n);
  }
  Head h = parse_head(in);
  REQUIRE(h.complete());
  CHECK(h.body_len == 5);
  CHECK(h.expect_continue);
}

TEST_CASE("http head: limits refuse at once, complete or not") {
  HeadLimits lim;
  lim.max_headers = 3;
  std::string three = "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n";
  CHECK(parse_head(three + "\r\n", lim).complete());
  CHECK(refused_with(three + "C: 3\r\n\r\n", lim) == 431);
  CHECK(refused_with(three + "C", lim) == 431);  // a fourth line started: no need to wait for it
  CHECK(parse_head(three, lim).state == Head::State::kIncomplete);
  lim = {};
  lim.max_line = 100;
  lim.max_head = 300;
  CHECK(refused_with("GET /" + std::string(200, 'a'), lim) == 414);  // no end of line yet
  CHECK(refused_with("GET /" + std::string(200, 'a') + " HTTP/1.1\r\n", lim) == 414);
  CHECK(refused_with("GET / HTTP/1.1\r\nX: " + std::string(200, 'a'), lim) == 431);
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 10; ++i) many += "X" + std::to_string(i) + ": " + std::string(40, 'b') + "\r\n";
  CHECK(refused_with(many, lim) == 431);  // the head as a whole
  CHECK(refused_with("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1048577\r\n\r\n") == 413);
  CHECK(parse_head("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1048576\r\n\r\n").complete());
}

TEST_CASE("http head: malformed or ambiguous heads are refused") {
  CHECK(refused_with("GET / HTTP/1.1\nHost: h\n\n") == 400);          // bare LF
  CHECK(refused_with("GET  / HTTP/1.1\r\n\r\n") == 400);               // two spaces
  CHECK(refused_with("GET / HTTP/1.1 x\r\n\r\n") == 400);
  CHECK(refused_with("G(T / HTTP/1.1\r\n\r\n") == 400);
  CHECK(refused_with("GET /\x01 HTTP/1.1\r\n\r\n") == 400);
  CHECK(refused_with("GET / HTTP/2.0\r\nHost: h\r\n\r\n") == 505);
  CHECK(refused_with("GET / HTXP/1.1\r\n\r\n") == 400);
  CHECK(refused_with("GET / HTTP/1.1\r\n\r\n") == 400);                        // no Host
  CHECK(refused_with("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == 400);
  CHECK(refused_with("GET / HTTP/1.1\r\nHost : a\r\n\r\n") == 400);            // space before colon
  CHECK(refused_with("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n") == 400);
  CHECK(refused_with("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n") == 400);
  CHECK(refused_with(std::string("GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n", 30)) == 400);
  CHECK(refused_with("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n") == 400);
  CHECK(refused_with("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n") == 400);
  CHECK(refused_with("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n") == 411);
  CHECK(refused_with("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n") == 400);
  CHECK(refused_with("POST / HTTP/1.1\r\nHost: a\r\nExpect: something\r\n\r\n") == 417);
}
