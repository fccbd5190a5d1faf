// What every sparkpp HTTP server shares (the master's, the worker's, the application's and the
// history UI): serving the embedded web assets (web_assets.h), and how ports are bound.
#pragma once
#include <memory>
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

// Debian's cpp-httplib binds with SO_REUSEPORT, which lets a second process bind a port that is
// in use and then splits the connections between the two (two drivers on 4040 would each
// answer half of the requests). This keeps SO_REUSEADDR only, which still allows a quick restart.
void use_exclusive_port(httplib::Server& svr);

// Limits every UI server applies (issue 12, slow clients): a 5 s read timeout (per read), 10 s
// write timeout, keep-alive connections dropped after 2 s idle or 10 requests, request bodies
// up to 1 MiB, and a pool of 16 threads, so a few slow or idle clients cannot hold every thread
// (the pools were 2 and 4: two slow clients froze a master's UI).
void harden_server(httplib::Server& svr);

// A plain HTTP server; with a certificate chain and private key (PEM files, spark.ssl.*), an
// HTTPS one (cpp-httplib's SSLServer over OpenSSL). is_valid() is false when they cannot be loaded.
std::unique_ptr<httplib::Server> make_server(const std::string& cert_chain, const std::string& private_key);

}  // namespace spp::web
