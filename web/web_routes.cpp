// GET /static/* and the index page, from the assets compiled into the binary.
#include "web_routes.h"

#include "web_assets.h"

namespace spp::web {

void serve_asset(httplib::Response& res, std::string_view path) {
  const Asset* a = find_asset(path);
  if (!a) {
    res.status = 404;
    res.set_content("no such asset: " + std::string(path) + "\n", "text/plain");
    return;
  }
  res.set_content(std::string(a->data), std::string(a->mime));
}

void install_static_assets(httplib::Server& svr, const std::string& index) {
  svr.Get(R"(/static/([A-Za-z0-9._-]+))", [](const httplib::Request& req, httplib::Response& res) {
    serve_asset(res, req.matches[1].str());
  });
  if (index.empty()) return;
  svr.set_pre_routing_handler([index](const httplib::Request& req, httplib::Response& res) {
    if (req.method != "GET" || req.path != "/" || !find_asset(index)) return httplib::Server::HandlerResponse::Unhandled;
    serve_asset(res, index);
    return httplib::Server::HandlerResponse::Handled;
  });
}

}  // namespace spp::web
