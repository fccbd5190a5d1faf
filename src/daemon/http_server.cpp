// The event-driven HTTP front and its handler pool (see http_server.h).
#include "daemon/http_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "common/log.h"

namespace spp::http {
namespace {
const char* kLog = "http";

// cpp-httplib's Server as a route table: process_request (protected) parses one complete
// request from memory and writes the response into memory.
class Routes : public httplib::Server {
 public:
  std::string serve(std::string_view request, bool close, bool& closed, const std::string& ip, int port) {
    MemStream s(request, ip, port);
    closed = false;
    try {
      process_request(s, close, closed, nullptr);
    } catch (...) {
      s.out = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      closed = true;
    }
    if (s.out.empty()) {  // cpp-httplib wrote nothing (it never does for a complete request)
      s.out = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      closed = true;
    }
    return std::move(s.out);
  }

 private:
  struct MemStream final : httplib::Stream {
    MemStream(std::string_view in, const std::string& ip, int port) : in(in), ip(ip), port(port) {}
    bool is_readable() const override { return true; }
    bool is_writable() const override { return true; }
    ssize_t read(char* p, size_t n) override {
      n = std::min(n, in.size() - pos);
      std::memcpy(p, in.data() + pos, n);
      pos += n;
      return static_cast<ssize_t>(n);
    }
    ssize_t write(const char* p, size_t n) override {
      out.append(p, n);
      return static_cast<ssize_t>(n);
    }
    void get_remote_ip_and_port(std::string& i, int& p) const override {
      i = ip;
      p = port;
    }
    void get_local_ip_and_port(std::string& i, int& p) const override {
      i.clear();
      p = 0;
    }
    socket_t socket() const override { return INVALID_SOCKET; }
    std::string_view in;
    size_t pos = 0;
    std::string out;
    std::string ip;
    int port;
  };
};

// Runs handlers for complete requests; refuses work beyond `max_queued` waiting jobs.
class Pool {
 public:
  void start(int n) {
    for (int i = 0; i < n; ++i)
      threads_.emplace_back([this] {
        for (;;) {
          std::function<void()> job;
          {
            std::unique_lock<std::mutex> g(mu_);
            cv_.wait(g, [this] { return stop_ || !jobs_.empty(); });
            if (stop_) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
          }
          job();
        }
      });
  }
  bool post(std::function<void()> job, size_t max_queued) {
    {
      std::lock_guard<std::mutex> g(mu_);
      if (stop_ || jobs_.size() >= max_queued) return false;
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
    return true;
  }
  void stop() {  // queued jobs are dropped (their connections are closed with the loop)
    {
      std::lock_guard<std::mutex> g(mu_);
      stop_ = true;
      jobs_.clear();
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  bool stop_ = false;
};

std::string error_response(int status, const std::string& reason) {
  std::string body = reason + "\n";
  return "HTTP/1.1 " + std::to_string(status) + " " + status_text(status) +
         "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
         body;
}

// The request as cpp-httplib is given it: the head without Expect (the front already answered
// 100 Continue), then the body.
std::string request_bytes(const std::string& in, const Head& h) {
  if (!h.expect_continue) return in.substr(0, h.head_len + h.body_len);
  std::string out;
  out.reserve(h.head_len + h.body_len);
  out.append(h.method).append(" ").append(h.target).append(" ").append(h.version).append("\r\n");
  for (const auto& [k, v] : h.headers) {
    if (k.size() == 6 && strncasecmp(k.data(), "expect", 6) == 0) continue;
    out.append(k).append(": ").append(v).append("\r\n");
  }
  out.append("\r\n").append(in, h.head_len, h.body_len);
  return out;
}

}  // namespace

struct HttpServer::Impl {
  enum class St { kIdle, kReading, kBusy, kWriting };
  struct Conn {
    Impl* srv = nullptr;
    uint64_t id = 0;
    uv_tcp_t tcp{};
    uv_timer_t timer{};
    int open_handles = 2;  // tcp, timer: freed when both are closed
    bool closing = false;
    St st = St::kIdle;
    std::string in;  // plaintext received and not yet consumed
    SSL* ssl = nullptr;
    BIO* rbio = nullptr;  // owned by ssl
    BIO* wbio = nullptr;
    int served = 0;
    bool peer_eof = false, close_after_write = false, continue_sent = false;
    size_t pending_writes = 0;
    std::string ip;
    int port = 0;
  };
  struct Write {
    uv_write_t req{};
    std::string data;
    Conn* c = nullptr;
  };
  struct Done {
    uint64_t conn;
    std::string bytes;
    bool close;
  };

  explicit Impl(const ServerLimits& l) { set_limits(l); }

  void set_limits(const ServerLimits& l) {
    lim = l;
    routes.set_keep_alive_max_count(static_cast<size_t>(std::max(1, lim.max_requests)));
    routes.set_keep_alive_timeout(std::max<int64_t>(1, lim.idle_ms / 1000));
    routes.set_payload_max_length(lim.head.max_body);
  }

  ServerLimits lim;
  Routes routes;
  SSL_CTX* ctx = nullptr;
  int listen_fd = -1;
  bool started = false, stopped = false;
  uv_loop_t loop{};
  uv_tcp_t listener{};
  uv_async_t stop_async{}, done_async{};
  std::thread thread;
  Pool pool;
  std::mutex done_mu;
  std::vector<Done> done;  // results of handler threads, for the loop thread
  std::map<uint64_t, Conn*> conns;  // by id: oldest first
  uint64_t next_id = 1;
  char read_buf[64 * 1024];  // the loop thread's one read buffer

  // ---- loop thread
  void run() {
    uv_tcp_init(&loop, &listener);
    listener.data = this;
    if (int rc = uv_tcp_open(&listener, listen_fd); rc != 0) {
      LOG_ERROR(kLog, "cannot serve HTTP: " << uv_strerror(rc));
    } else {
      listen_fd = -1;  // the handle owns it
      uv_listen(reinterpret_cast<uv_stream_t*>(&listener), 128, [](uv_stream_t* s, int status) {
        if (status == 0) static_cast<Impl*>(s->data)->accept();
      });
    }
    uv_run(&loop, UV_RUN_DEFAULT);
  }

  void shutdown_loop() {
    for (auto it = conns.begin(); it != conns.end();) close(it++->second);
    uv_close(reinterpret_cast<uv_handle_t*>(&listener), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&stop_async), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&done_async), nullptr);
  }

  void accept() {
    auto* c = new Conn;
    c->srv = this;
    c->id = next_id++;
    uv_tcp_init(&loop, &c->tcp);
    uv_timer_init(&loop, &c->timer);
    c->tcp.data = c->timer.data = c;
    conns[c->id] = c;
    if (uv_accept(reinterpret_cast<uv_stream_t*>(&listener), reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0) {
      close(c);
      return;
    }
    sockaddr_storage ss{};
    int len = sizeof(ss);
    if (uv_tcp_getpeername(&c->tcp, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
      char host[INET6_ADDRSTRLEN] = {0};
      if (ss.ss_family == AF_INET) {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        uv_ip4_name(a, host, sizeof(host));
        c->port = ntohs(a->sin_port);
      } else if (ss.ss_family == AF_INET6) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        uv_ip6_name(a, host, sizeof(host));
        c->port = ntohs(a->sin6_port);
      }
      c->ip = host;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    if (ctx) {
      c->ssl = SSL_new(ctx);
      c->rbio = BIO_new(BIO_s_mem());
      c->wbio = BIO_new(BIO_s_mem());
      if (!c->ssl || !c->rbio || !c->wbio) {
        if (c->rbio) BIO_free(c->rbio);
        if (c->wbio) BIO_free(c->wbio);
        c->rbio = c->wbio = nullptr;
        close(c);
        return;
      }
      SSL_set_bio(c->ssl, c->rbio, c->wbio);
      SSL_set_accept_state(c->ssl);
    }
    if (conns.size() > lim.max_connections) {
      evict(c);
      if (c->closing) return;
    }
    arm(c, lim.idle_ms);
    start_reading(c);
  }

  // Over the cap: close the oldest connection that is not being served (a handler is not
  // running for it, no response is on its way), else the new one.
  void evict(Conn* fresh) {
    for (auto& [id, c] : conns)
      if (c != fresh && (c->st == St::kIdle || c->st == St::kReading)) {
        LOG_DEBUG(kLog, "closing HTTP connection from " << c->ip << ":" << c->port << " (over "
                                                        << lim.max_connections << " connections, oldest first)");
        close(c);
        return;
      }
    close(fresh);
  }

  void start_reading(Conn* c) {
    uv_read_start(
        reinterpret_cast<uv_stream_t*>(&c->tcp),
        [](uv_handle_t* h, size_t, uv_buf_t* b) {
          auto* self = static_cast<Conn*>(h->data)->srv;
          *b = uv_buf_init(self->read_buf, sizeof(self->read_buf));
        },
        [](uv_stream_t* s, ssize_t n, const uv_buf_t* b) { static_cast<Conn*>(s->data)->srv->on_read(static_cast<Conn*>(s->data), n, b); });
  }

  void arm(Conn* c, int64_t ms) { uv_timer_start(&c->timer, [](uv_timer_t* t) { static_cast<Conn*>(t->data)->srv->on_deadline(static_cast<Conn*>(t->data)); }, static_cast<uint64_t>(ms), 0); }

  void on_read(Conn* c, ssize_t n, const uv_buf_t* b) {
    if (c->closing) return;
    if (n < 0) {
      c->peer_eof = true;
      uv_read_stop(reinterpret_cast<uv_stream_t*>(&c->tcp));
      if (c->st == St::kIdle || c->st == St::kReading) {
        // A request complete in the buffer is still answered (a client may half-close after it).
        try_request(c);
        if (c->st == St::kIdle || c->st == St::kReading) close(c);
      }
      return;
    }
    if (n == 0) return;
    if (c->st == St::kIdle) {  // the first byte of a request (or of the TLS handshake): its deadline starts
      c->st = St::kReading;
      arm(c, lim.request_ms);
    }
    if (c->ssl) {
      if (BIO_write(c->rbio, b->base, static_cast<int>(n)) != n) return close(c);
      if (!SSL_is_init_finished(c->ssl)) {
        int rc = SSL_do_handshake(c->ssl);
        flush_tls(c);
        if (c->closing) return;
        if (rc != 1) {
          int err = SSL_get_error(c->ssl, rc);
          if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
            LOG_DEBUG(kLog, "TLS handshake with " << c->ip << ":" << c->port << " failed");
            ERR_clear_error();
            return close(c);
          }
          return;
        }
      }
      char buf[16 * 1024];
      for (;;) {
        int r = SSL_read(c->ssl, buf, sizeof(buf));
        if (r > 0) {
          c->in.append(buf, static_cast<size_t>(r));
          if (c->in.size() > cap()) break;
          continue;
        }
        int err = SSL_get_error(c->ssl, r);
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) break;
        if (err == SSL_ERROR_ZERO_RETURN) {
          c->peer_eof = true;
          break;
        }
        ERR_clear_error();
        return close(c);
      }
      flush_tls(c);
      if (c->closing) return;
    } else {
      c->in.append(b->base, static_cast<size_t>(n));
    }
    if (c->st == St::kReading) try_request(c);
    else if (c->in.size() > cap()) close(c);  // bytes beyond a request while it is served
  }

  // The most a connection buffers: one request at its limits.
  size_t cap() const { return lim.head.max_head + lim.head.max_body + sizeof(read_buf); }

  void try_request(Conn* c) {
    size_t skip = 0;  // empty lines before a request line are ignored (RFC 9112 2.2)
    while (c->in.size() >= skip + 2 && c->in[skip] == '\r' && c->in[skip + 1] == '\n') skip += 2;
    if (skip) c->in.erase(0, skip);
    if (c->in.empty()) return;
    c->st = St::kReading;
    Head h = parse_head(c->in, lim.head);
    if (h.refused()) {
      LOG_INFO(kLog, "refused HTTP request from " << c->ip << ":" << c->port << ": " << h.status << " " << h.reason);
      return respond_and_close(c, error_response(h.status, h.reason));
    }
    if (!h.complete()) return;
    if (c->in.size() < h.head_len + h.body_len) {
      if (h.expect_continue && !c->continue_sent) {
        c->continue_sent = true;
        send(c, "HTTP/1.1 100 Continue\r\n\r\n");
      }
      return;
    }
    std::string req = request_bytes(c->in, h);
    c->in.erase(0, h.head_len + h.body_len);
    c->continue_sent = false;
    bool close_it = !h.keep_alive || c->peer_eof || c->served + 1 >= lim.max_requests;
    c->st = St::kBusy;
    uv_timer_stop(&c->timer);
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&c->tcp));
    uint64_t id = c->id;
    std::string ip = c->ip;
    int port = c->port;
    bool ok = pool.post(
        [this, id, ip, port, close_it, req = std::move(req)] {
          bool closed = false;
          std::string out = routes.serve(req, close_it, closed, ip, port);
          {
            std::lock_guard<std::mutex> g(done_mu);
            done.push_back({id, std::move(out), close_it || closed});
          }
          uv_async_send(&done_async);
        },
        lim.max_queued);
    if (!ok) respond_and_close(c, error_response(503, "too many requests waiting; try again"));
  }

  void on_done() {
    std::vector<Done> ready;
    {
      std::lock_guard<std::mutex> g(done_mu);
      ready.swap(done);
    }
    for (auto& d : ready) {
      auto it = conns.find(d.conn);
      if (it == conns.end()) continue;  // closed meanwhile
      Conn* c = it->second;
      ++c->served;
      if (d.close) respond_and_close(c, std::move(d.bytes));
      else respond(c, std::move(d.bytes));
    }
  }

  void respond(Conn* c, std::string bytes) {
    c->st = St::kWriting;
    arm(c, lim.write_ms);
    send(c, std::move(bytes));
    if (!c->closing && c->pending_writes == 0) written(c);
  }

  void respond_and_close(Conn* c, std::string bytes) {
    c->close_after_write = true;
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&c->tcp));
    if (c->ssl && SSL_is_init_finished(c->ssl)) {
      SSL_write(c->ssl, bytes.data(), static_cast<int>(bytes.size()));
      SSL_shutdown(c->ssl);  // close_notify after the response
      c->st = St::kWriting;
      arm(c, lim.write_ms);
      flush_tls(c);
      if (!c->closing && c->pending_writes == 0) close(c);
      return;
    }
    if (c->ssl) return close(c);  // nothing can be said before the handshake
    respond(c, std::move(bytes));
  }

  // Sends plaintext (sealed first with TLS).
  void send(Conn* c, std::string bytes) {
    if (c->ssl) {
      if (!bytes.empty() && SSL_write(c->ssl, bytes.data(), static_cast<int>(bytes.size())) <= 0) {
        ERR_clear_error();
        return close(c);
      }
      return flush_tls(c);
    }
    write_raw(c, std::move(bytes));
  }

  void flush_tls(Conn* c) {
    size_t pending = BIO_ctrl_pending(c->wbio);
    if (pending == 0) return;
    std::string out(pending, '\0');
    int r = BIO_read(c->wbio, out.data(), static_cast<int>(pending));
    if (r <= 0) return;
    out.resize(static_cast<size_t>(r));
    write_raw(c, std::move(out));
  }

  void write_raw(Conn* c, std::string bytes) {
    if (bytes.empty() || c->closing) return;
    auto* w = new Write;
    w->data = std::move(bytes);
    w->c = c;
    w->req.data = w;
    uv_buf_t b = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
    ++c->pending_writes;
    int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&c->tcp), &b, 1, [](uv_write_t* req, int status) {
      auto* w = static_cast<Write*>(req->data);
      Conn* c = w->c;
      delete w;
      --c->pending_writes;
      if (c->closing) return c->srv->maybe_free(c);
      if (status < 0) return c->srv->close(c);
      if (c->pending_writes == 0 && c->st == St::kWriting) c->srv->written(c);
    });
    if (rc != 0) {
      --c->pending_writes;
      delete w;
      close(c);
    }
  }

  // A response is fully handed to the kernel.
  void written(Conn* c) {
    if (c->close_after_write || c->peer_eof) return close(c);
    c->st = St::kIdle;
    arm(c, lim.idle_ms);
    start_reading(c);
    if (!c->in.empty()) {  // a pipelined request already here: its deadline starts now
      c->st = St::kReading;
      arm(c, lim.request_ms);
      try_request(c);
    }
  }

  void on_deadline(Conn* c) {
    switch (c->st) {
      case St::kIdle:
        return close(c);
      case St::kReading:
        LOG_INFO(kLog, "closing HTTP connection from " << c->ip << ":" << c->port << ": request not complete within "
                                                       << lim.request_ms << " ms");
        if (c->close_after_write) return close(c);
        return respond_and_close(c, error_response(408, "request not complete within " + std::to_string(lim.request_ms) + " ms"));
      case St::kWriting:
        LOG_INFO(kLog, "closing HTTP connection to " << c->ip << ":" << c->port << ": response not taken within "
                                                     << lim.write_ms << " ms");
        return close(c);
      case St::kBusy:
        return;
    }
  }

  void close(Conn* c) {
    if (c->closing) return;
    c->closing = true;
    conns.erase(c->id);
    uv_timer_stop(&c->timer);
    auto done_cb = [](uv_handle_t* h) {
      Conn* c = static_cast<Conn*>(h->data);
      --c->open_handles;
      c->srv->maybe_free(c);
    };
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), done_cb);
    uv_close(reinterpret_cast<uv_handle_t*>(&c->timer), done_cb);
  }

  void maybe_free(Conn* c) {
    if (c->open_handles > 0 || c->pending_writes > 0) return;
    if (c->ssl) SSL_free(c->ssl);  // frees its BIOs
    delete c;
  }
};

ServerLimits limits_from_conf(const Conf& conf) {
  ServerLimits lim;
  lim.idle_ms = std::max<int64_t>(100, conf.get_time_ms("spark.sparkpp.http.idleTimeout"));
  lim.request_ms = std::max<int64_t>(100, conf.get_time_ms("spark.sparkpp.http.requestTimeout"));
  return lim;
}

HttpServer::HttpServer(const ServerLimits& lim) : impl_(std::make_unique<Impl>(lim)) {}

void HttpServer::set_limits(const ServerLimits& lim) {
  if (!impl_->started) impl_->set_limits(lim);
}

HttpServer::~HttpServer() {
  stop();
  if (impl_->ctx) SSL_CTX_free(impl_->ctx);
}

Status HttpServer::use_tls(const SslFiles& files) {
  if (!files.enabled()) return Status::ok();
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) return Status::error("TLS: cannot create an OpenSSL context");
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_use_certificate_chain_file(ctx, files.cert_chain.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, files.private_key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    SSL_CTX_free(ctx);
    return Status::error("cannot load the web UI's TLS certificate chain '" + files.cert_chain + "' and private key '" +
                         files.private_key + "' (PEM, the key unencrypted and matching the certificate)");
  }
  if (impl_->ctx) SSL_CTX_free(impl_->ctx);
  impl_->ctx = ctx;
  return Status::ok();
}

bool HttpServer::tls() const { return impl_->ctx != nullptr; }

httplib::Server& HttpServer::routes() { return impl_->routes; }

Result<int> HttpServer::bind(const std::string& host, int port) {
  std::string h = host.empty() ? "0.0.0.0" : host;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(h.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0 || !res)
    return Result<int>::error(std::string("cannot resolve the address: ") + gai_strerror(rc));
  int fd = -1;
  std::string why;
  for (addrinfo* a = res; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 128) == 0) break;
    why = std::strerror(errno);
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) return Result<int>::error(why.empty() ? "no usable address" : why);
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  int bound = ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                                       : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  if (impl_->listen_fd >= 0) ::close(impl_->listen_fd);
  impl_->listen_fd = fd;
  return bound;
}

void HttpServer::start() {
  Impl& s = *impl_;
  if (s.started || s.listen_fd < 0) return;
  s.started = true;
  uv_loop_init(&s.loop);
  uv_async_init(&s.loop, &s.stop_async, [](uv_async_t* a) { static_cast<Impl*>(a->data)->shutdown_loop(); });
  uv_async_init(&s.loop, &s.done_async, [](uv_async_t* a) { static_cast<Impl*>(a->data)->on_done(); });
  s.stop_async.data = s.done_async.data = &s;
  s.pool.start(std::max(1, s.lim.threads));
  s.thread = std::thread([&s] { s.run(); });
}

void HttpServer::stop() {
  Impl& s = *impl_;
  if (s.stopped) return;
  s.stopped = true;
  if (s.started) {
    s.pool.stop();  // running handlers finish (their results post to the loop, still alive)
    uv_async_send(&s.stop_async);
    if (s.thread.joinable()) s.thread.join();
    uv_run(&s.loop, UV_RUN_NOWAIT);  // close callbacks still pending
    uv_loop_close(&s.loop);
  }
  if (s.listen_fd >= 0) ::close(s.listen_fd);
  s.listen_fd = -1;
}

}  // namespace spp::http
