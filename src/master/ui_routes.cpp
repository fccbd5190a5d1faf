// Master UI routes: the embedded page replaces the server-rendered one at "/".
#include "master/ui_routes.h"

#include "web_assets.h"

namespace spp {
namespace {

void install_static_assets(httplib::Server& svr, const char* index) {
  svr.Get(R"(/static/([A-Za-z0-9._-]+))", [](const httplib::Request& req, httplib::Response& res) {
    const web::Asset* a = web::find_asset(req.matches[1].str());
    if (!a) {
      res.status = 404;
      return;
    }
    res.set_content(std::string(a->data), std::string(a->mime).c_str());
  });
  // "/" is already routed to the plain snapshot page; the pre-routing hook answers it first.
  svr.set_pre_routing_handler([index](const httplib::Request& req, httplib::Response& res) {
    if (req.method != "GET" || req.path != "/") return httplib::Server::HandlerResponse::Unhandled;
    const web::Asset* a = web::find_asset(index);
    if (!a) return httplib::Server::HandlerResponse::Unhandled;
    res.set_content(std::string(a->data), std::string(a->mime).c_str());
    return httplib::Server::HandlerResponse::Handled;
  });
}
}  // namespace

void install_master_ui(httplib::Server& svr) { install_static_assets(svr, "master.html"); }

}  // namespace spp
