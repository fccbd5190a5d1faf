// Connection over real loopback sockets: closing a connection whose peer reset it while a
// coalesced send waits must not close its handles twice (libuv aborts on a second uv_close).
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <map>
#include <thread>

#include "common/messages.h"
#include "common/net.h"

using namespace spp;

namespace {

int connect_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

}  // namespace

TEST_CASE("connection: a peer's reset while a coalesced send waits closes it once") {
  std::signal(SIGPIPE, SIG_IGN);  // as main() does: writes to a reset socket fail with EPIPE
  uv_loop_t loop;
  uv_loop_init(&loop);
  std::map<std::string, Connection*> by_name;  // accepted connections, by the peer's Hello name
  std::vector<std::string> closed;
  ConnectionOptions o;
  o.my_role = "master";
  o.coalesce_writes = true;
  o.on_ready = [&](Connection& c) { by_name[c.peer_name()] = &c; };
  // A message from "d" makes the server send to "c" in the same loop iteration, as a driver
  // answering one executor writes to another.
  o.on_message = [&](Connection&, msg::Envelope&&) { by_name.at("c")->send(msg::WorkerHeartbeat{"to c"}); };
  o.on_close = [&](Connection& c, const std::string&) { closed.push_back(c.peer_name()); };
  Listener server(&loop, o);
  auto port = server.listen("127.0.0.1", 0);
  REQUIRE(port);

  // The handshakes need the loop running; the clients block on their side meanwhile.
  uv_async_t stop;
  uv_async_init(&loop, &stop, [](uv_async_t* a) { uv_stop(a->loop); });
  std::thread loop_thread([&] { uv_run(&loop, UV_RUN_DEFAULT); });
  BlockingChannel c(connect_loopback(port.value()));
  BlockingChannel d(connect_loopback(port.value()));
  msg::Hello hc, hd;
  hc.role = hd.role = "worker";
  hc.name = "c";
  hd.name = "d";
  REQUIRE(c.hello(hc, 5000));
  REQUIRE(d.hello(hd, 5000));
  while (by_name.size() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the loop idles in its poll
  uv_async_send(&stop);
  loop_thread.join();

  // With the loop stopped: d's message arrives first, then c resets (linger 0 sends RST).
  REQUIRE(d.send(msg::WorkerHeartbeat{"from d"}));
  linger lg{1, 0};
  REQUIRE(::setsockopt(c.fd(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0);
  c.close();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  // One poll sees both: the send to c is coalesced, then c's read fails and closes it.
  for (int i = 0; i < 20 && closed.empty(); ++i) uv_run(&loop, UV_RUN_NOWAIT);
  CHECK(closed == std::vector<std::string>{"c"});

  d.close();
  for (int i = 0; i < 20 && closed.size() < 2; ++i) uv_run(&loop, UV_RUN_NOWAIT);
  CHECK(closed == std::vector<std::string>{"c", "d"});
  server.close();
  uv_close(reinterpret_cast<uv_handle_t*>(&stop), nullptr);
  while (uv_run(&loop, UV_RUN_NOWAIT) != 0) {
  }
  CHECK(uv_loop_close(&loop) == 0);
}
