// What every sparkpp HTTP server shares (the master's, the worker's, the application's and the
// history UI): serving the embedded web assets (web_assets.h). The server itself is
// src/daemon/http_server.h.
#pragma once
#include <string>
#include <string_view>

#include <httplib.h>

namespace spp::web {

// Answers with the embedded asset at `path` (relative to web/) and its MIME type, or 404.
void serve_asset(httplib::Response& res, std::string_view path);

// Routes GET /static/<name> to the embedded asset <name>. With a non-empty `index`, GET / also
// answers with that page, ahead of any "/" route the server has: it uses the server's
// pre-routing hook, which must not be set elsewhere.
void install_static_assets(httplib::Server& svr, const std::string& index = "");

}  // namespace spp::web
