// GET /static/* and the index page, from the assets compiled into the binary.
#include "web_routes.h"

#include <sys/socket.h>

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

void use_exclusive_port(httplib::Server& svr) {
  svr.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
}

std::unique_ptr<httplib::Server> make_server(const std::string& cert_chain, const std::string& private_key) {
  if (cert_chain.empty()) return std::make_unique<httplib::Server>();
  return std::make_unique<httplib::SSLServer>(cert_chain.c_str(), private_key.c_str());
}

void harden_server(httplib::Server& svr) {
  svr.set_read_timeout(5, 0);
  svr.set_write_timeout(10, 0);
  svr.set_keep_alive_timeout(2);
  svr.set_keep_alive_max_count(10);
  svr.set_payload_max_length(1 << 20);
  svr.new_task_queue = [] { return new httplib::ThreadPool(16); };
}

}  // namespace spp::web
