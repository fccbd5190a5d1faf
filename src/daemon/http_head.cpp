// Strict HTTP/1.x request-head parsing (see http_head.h).
#include "daemon/http_head.h"

namespace spp::http {
namespace {

// RFC 9110 tchar.
bool is_tchar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '.':
    case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

// Field values: visible characters, obs-text, SP and HTAB; never CR, LF, NUL or other controls.
bool is_field_value(std::string_view s) {
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  return true;
}

// A request target: visible ASCII only (no spaces, controls or bytes >= 0x80).
bool is_target(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Does a comma-separated Connection value name `opt`?
bool has_option(std::string_view value, std::string_view opt) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    if (iequals(trim_ows(value.substr(0, comma)), opt)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

Head refuse(Head h, int status, std::string reason) {
  h.state = Head::State::kRefused;
  h.status = status;
  h.reason = std::move(reason);
  h.headers.clear();
  return h;
}

}  // namespace

const char* status_text(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
  }
}

Head parse_head(std::string_view in, const HeadLimits& lim) {
  Head h;
  // The request line.
  size_t eol = in.find('\n');
  if (eol == std::string_view::npos) {
    if (in.size() > lim.max_line) return refuse(h, 414, "request line longer than " + std::to_string(lim.max_line) + " bytes");
    if (in.find('\0') != std::string_view::npos) return refuse(h, 400, "NUL byte in the request line");
    return h;
  }
  if (eol + 1 > lim.max_line) return refuse(h, 414, "request line longer than " + std::to_string(lim.max_line) + " bytes");
  if (eol == 0 || in[eol - 1] != '\r') return refuse(h, 400, "request line not ended by CRLF");
  std::string_view line = in.substr(0, eol - 1);
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return refuse(h, 400, "malformed request line (METHOD SP TARGET SP HTTP-VERSION)");
  h.method = line.substr(0, sp1);
  h.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  h.version = line.substr(sp2 + 1);
  if (!is_token(h.method)) return refuse(h, 400, "malformed method");
  if (!is_target(h.target)) return refuse(h, 400, "malformed request target");
  if (h.version.size() != 8 || h.version.substr(0, 5) != "HTTP/" || h.version[6] != '.' || h.version[5] < '0' ||
      h.version[5] > '9' || h.version[7] < '0' || h.version[7] > '9')
    return refuse(h, 400, "malformed HTTP version");
  if (h.version != "HTTP/1.1" && h.version != "HTTP/1.0") return refuse(h, 505, "only HTTP/1.0 and HTTP/1.1 are served");
  const bool v11 = h.version == "HTTP/1.1";

  // Header lines, up to the blank line.
  size_t pos = eol + 1;
  bool host = false, close = false, keep_alive = false, has_length = false, has_te = false;
  std::string_view expect;
  for (;;) {
    if (pos > lim.max_head) return refuse(h, 431, "request head longer than " + std::to_string(lim.max_head) + " bytes");
    eol = in.find('\n', pos);
    if (eol == std::string_view::npos) {
      std::string_view rest = in.substr(pos);
      if (pos + rest.size() > lim.max_head)
        return refuse(h, 431, "request head longer than " + std::to_string(lim.max_head) + " bytes");
      if (rest.size() > lim.max_line)
        return refuse(h, 431, "header line longer than " + std::to_string(lim.max_line) + " bytes");
      if (rest.find('\0') != std::string_view::npos) return refuse(h, 400, "NUL byte in a header line");
      if (!rest.empty() && rest != "\r" && h.headers.size() >= lim.max_headers)
        return refuse(h, 431, "more than " + std::to_string(lim.max_headers) + " header lines");
      h.headers.clear();
      return h;  // incomplete
    }
    if (eol + 1 > lim.max_head) return refuse(h, 431, "request head longer than " + std::to_string(lim.max_head) + " bytes");
    if (eol + 1 - pos > lim.max_line)
      return refuse(h, 431, "header line longer than " + std::to_string(lim.max_line) + " bytes");
    if (eol == pos || in[eol - 1] != '\r') return refuse(h, 400, "header line not ended by CRLF");
    std::string_view hl = in.substr(pos, eol - 1 - pos);
    pos = eol + 1;
    if (hl.empty()) break;  // the blank line
    if (h.headers.size() >= lim.max_headers)
      return refuse(h, 431, "more than " + std::to_string(lim.max_headers) + " header lines");
    if (hl.front() == ' ' || hl.front() == '\t') return refuse(h, 400, "obsolete line folding in the headers");
    size_t colon = hl.find(':');
    if (colon == std::string_view::npos) return refuse(h, 400, "header line without a colon");
    std::string_view name = hl.substr(0, colon), value = trim_ows(hl.substr(colon + 1));
    if (!is_token(name)) return refuse(h, 400, "malformed header name");
    if (!is_field_value(value)) return refuse(h, 400, "control character in a header value");
    h.headers.emplace_back(name, value);
    if (iequals(name, "host")) {
      if (host) return refuse(h, 400, "more than one Host header");
      host = true;
    } else if (iequals(name, "content-length")) {
      if (has_length) return refuse(h, 400, "more than one Content-Length header");
      has_length = true;
      if (value.empty() || value.size() > 18) return refuse(h, 400, "malformed Content-Length");
      size_t n = 0;
      for (char c : value) {
        if (c < '0' || c > '9') return refuse(h, 400, "malformed Content-Length");
        n = n * 10 + static_cast<size_t>(c - '0');
      }
      h.body_len = n;
    } else if (iequals(name, "transfer-encoding")) {
      has_te = true;
    } else if (iequals(name, "connection")) {
      if (has_option(value, "close")) close = true;
      if (has_option(value, "keep-alive")) keep_alive = true;
    } else if (iequals(name, "expect")) {
      expect = value;
    }
  }
  if (has_te && has_length) return refuse(h, 400, "both Transfer-Encoding and Content-Length");
  if (has_te) return refuse(h, 411, "request bodies must have a Content-Length (Transfer-Encoding is not accepted)");
  if (v11 && !host) return refuse(h, 400, "HTTP/1.1 request without a Host header");
  if (h.body_len > lim.max_body)
    return refuse(h, 413, "request body of " + std::to_string(h.body_len) + " bytes (at most " + std::to_string(lim.max_body) + ")");
  if (!expect.empty()) {
    if (!iequals(expect, "100-continue")) return refuse(h, 417, "unsupported Expect");
    h.expect_continue = true;
  }
  h.keep_alive = !close && (v11 || keep_alive);
  h.head_len = pos;
  h.state = Head::State::kComplete;
  return h;
}

}  // namespace spp::http
