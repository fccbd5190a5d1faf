// Settings every sparkpp HTTP server (application UI, master, worker, history) shares.
#pragma once
#include <httplib.h>
#include <sys/socket.h>

namespace spp::web {

// Debian's cpp-httplib binds with SO_REUSEPORT, which lets a second process bind a port that is
// in use and then splits the connections between the two (two drivers on 4040 would each
// answer half of the requests). SO_REUSEADDR alone still allows a quick restart.
inline void use_exclusive_port(httplib::Server& svr) {
  svr.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
}

}  // namespace spp::web
