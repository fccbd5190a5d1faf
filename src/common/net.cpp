// libuv connection layer; see net.h for ownership and handshake rules.
#include "common/net.h"

#include <netdb.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <utility>

#include "common/log.h"

namespace spp {
namespace {
std::atomic<uint64_t> g_next_conn_id{1};

struct WriteReq {
  uv_write_t req;
  std::string data;
  std::vector<std::string> parts;  // send_parts: the blobs, written from where they are
  std::vector<std::shared_ptr<const std::string>> shared;  // send_slices: their owners
  std::vector<char> heads;         // and their 5-byte frame headers
};

std::string sockaddr_to_string(const sockaddr_storage& ss) {
  char ip[INET6_ADDRSTRLEN] = {0};
  int port = 0;
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    uv_ip4_name(a, ip, sizeof ip);
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    uv_ip6_name(a, ip, sizeof ip);
    port = ntohs(a->sin6_port);
  } else {
    return "?";
  }
  return std::string(ip) + ":" + std::to_string(port);
}

std::string peer_of(uv_tcp_t* t) {
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (uv_tcp_getpeername(t, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?";
  return sockaddr_to_string(ss);
}

Result<sockaddr_storage> resolve(const std::string& host, int port) {
  sockaddr_storage ss{};
  auto* a4 = reinterpret_cast<sockaddr_in*>(&ss);
  if (uv_ip4_addr(host.c_str(), port, a4) == 0) return ss;
  auto* a6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (uv_ip6_addr(host.c_str(), port, a6) == 0) return ss;
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0 || !res) return Result<sockaddr_storage>::error("cannot resolve host '" + host + "': " + gai_strerror(rc));
  std::memcpy(&ss, res->ai_addr, res->ai_addrlen);
  reinterpret_cast<sockaddr_in*>(&ss)->sin_port = htons(static_cast<uint16_t>(port));
  freeaddrinfo(res);
  return ss;
}
}  // namespace

Connection* Connection::create(uv_loop_t* loop, ConnectionOptions opts, bool acceptor) {
  auto* c = new Connection();
  c->opts_ = std::move(opts);
  c->decoder_ = FrameDecoder(c->opts_.max_frame);
  c->acceptor_ = acceptor;
  c->id_ = g_next_conn_id++;
  uv_tcp_init(loop, &c->tcp_);
  uv_timer_init(loop, &c->hello_timer_);
  uv_prepare_init(loop, &c->flush_hook_);
  c->tcp_.data = c;
  c->hello_timer_.data = c;
  c->flush_hook_.data = c;
  c->open_handles_ = 3;
  return c;
}

void Connection::start() {
  uv_tcp_nodelay(&tcp_, 1);
  if (peer_.empty()) peer_ = peer_of(&tcp_);
  uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), &Connection::on_alloc, &Connection::on_read);
  reading_ = true;
  // One timer: the handshake deadline, then (touch()) the idle timeout.
  uv_timer_start(
      &hello_timer_,
      [](uv_timer_t* t) {
        auto* c = static_cast<Connection*>(t->data);
        if (!c->ready_) {
          c->close("no handshake within " + std::to_string(c->opts_.hello_timeout_ms) + " ms");
        } else if (c->idle_ms_ > 0) {
          LOG_WARN(c->opts_.log_component, "closing connection " << c->id_ << " from " << c->peer_ << " ("
                                               << (c->peer_role_.empty() ? "?" : c->peer_role_) << "): idle for "
                                               << c->idle_ms_ << " ms (spark.network.timeout)");
          c->close("idle for " + std::to_string(c->idle_ms_) + " ms");
        }
      },
      static_cast<uint64_t>(opts_.hello_timeout_ms), 0);
  auth::Policy pol = opts_.auth ? opts_.auth() : auth::Policy{};
  if (acceptor_) {
    decoder_.set_max_frame(std::min(kHelloMaxFrame, opts_.max_frame));
    acceptor_hs_ = std::make_unique<auth::Acceptor>(pol, opts_.my_role, opts_.my_name, auth::fresh_nonce(), opts_.check_hello);
  } else {
    connector_hs_ = std::make_unique<auth::Connector>(pol, opts_.my_role, opts_.my_name, auth::fresh_nonce(), opts_.token);
    send(connector_hs_->hello());
  }
}

void Connection::on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  // A large frame being received takes the bytes straight into its payload.
  auto* c = static_cast<Connection*>(h->data);
  c->direct_read_ = false;
  if (auto [p, n] = c->decoder_.direct_space(); p) {
    c->direct_read_ = true;
    buf->base = p;
    buf->len = std::min(n, size_t{64} << 20);
    return;
  }
  // One buffer per loop thread, not per connection: libuv fills it and calls on_read for the
  // same stream before the next alloc, and on_read copies the bytes into the frame decoder.
  // (Per connection it cost 256 KiB each: 300 idle peers grew a master by 80 MB.)
  thread_local std::vector<char> shared(256 * 1024);
  buf->base = shared.data();
  buf->len = shared.size();
}

void Connection::on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(s->data);
  if (nread == 0) return;
  if (nread < 0) {
    c->close(nread == UV_EOF ? "peer closed the connection" : std::string("read error: ") + uv_strerror(static_cast<int>(nread)));
    return;
  }
  if (c->ready_) c->touch();
  std::vector<Frame> frames;
  Status st = Status::ok();
  if (c->direct_read_) {
    c->direct_read_ = false;
    c->decoder_.commit_direct(static_cast<size_t>(nread), frames);
  } else {
    st = c->decoder_.feed(buf->base, static_cast<size_t>(nread), frames);
  }
  c->handle_frames(frames);  // frames decoded before a bad one are still valid
  if (!st && !c->closing_) c->close("bad frame: " + st.message());
}

void Connection::handle_frames(std::vector<Frame>& frames) {
  for (auto& f : frames) {
    if (closing_) return;
    // The handshake may switch this connection to sealed records between two frames of one read.
    if (opener_) {
      std::vector<Frame> plain;
      Status st = opener_->open(f, plain);
      for (auto& p : plain) {
        if (closing_) return;
        handle_plain(p);
      }
      if (!st && !closing_) {
        LOG_ERROR(opts_.log_component, "closing encrypted connection " << id_ << " from " << peer_ << " ("
                                           << (peer_role_.empty() ? "?" : peer_role_) << "): " << st.message());
        close("encryption: " + st.message());
      }
      if (closing_) return;
      continue;
    }
    if (f.kind == kFrameSealed) {
      close("sealed frame on a connection that is not encrypted");
      return;
    }
    handle_plain(f);
  }
}

void Connection::handle_plain(Frame& f) {
  if (have_pending_) {
    if (f.kind != kFrameBlob) {
      close("expected " + std::to_string(pending_blobs_) + " more blob frame(s) for " + pending_.op);
      return;
    }
    pending_.blobs.push_back(std::move(f.payload));
    if (--pending_blobs_ == 0) {
      have_pending_ = false;
      deliver(std::move(pending_));
      pending_ = msg::Envelope();
    }
    return;
  }
  if (f.kind != kFrameJson) {
    close("unexpected blob frame outside a message");
    return;
  }
  auto r = msg::decode_header(f.payload);
  if (!r) {
    close("bad message: " + r.error_message());
    return;
  }
  auto& [env, n] = r.value();
  if (!ready_ && n != 0) {
    close("handshake message with blobs");
    return;
  }
  if (n == 0) {
    deliver(std::move(env));
  } else {
    pending_ = std::move(env);
    pending_blobs_ = n;
    have_pending_ = true;
  }
}

void Connection::handshake(msg::Envelope&& env) {
  auth::Step st = acceptor_ ? acceptor_hs_->on_message(env) : connector_hs_->on_message(env);
  for (const auto& m : st.send)
    std::visit([this](const auto& v) {
      using T = std::decay_t<decltype(v)>;
      if constexpr (!std::is_same_v<T, std::monostate>) send(v);
    }, m);
  if (!st.fail.empty()) {
    if (acceptor_) {
      // Logged with the address and claimed role; the peer is told why, then dropped.
      LOG_WARN(opts_.log_component, "refused connection from " << peer_ << " (role '"
                                        << (acceptor_hs_->peer_role().empty() ? "?" : acceptor_hs_->peer_role())
                                        << "'): " << st.fail);
      msg::HelloRefused r;
      r.reason = st.fail;
      send(r);  // small: leaves with uv_try_write before the close below
      close("handshake refused: " + st.fail);
    } else {
      LOG_WARN(opts_.log_component, "leaving " << peer_ << ": " << st.fail);
      close(st.fail);
    }
    return;
  }
  if (!st.ready) return;
  peer_role_ = acceptor_ ? acceptor_hs_->peer_role() : connector_hs_->peer_role();
  peer_name_ = acceptor_ ? acceptor_hs_->peer_name() : connector_hs_->peer_name();
  acceptor_hs_.reset();
  connector_hs_.reset();
  if (!st.send_key.empty()) {
    // From here on (HelloAck went out above in clear) every frame is sealed; the outer decoder
    // sees records, the opener applies the role's frame limit to what is inside.
    sealer_ = std::make_unique<FrameSealer>(st.send_key);
    opener_ = std::make_unique<FrameOpener>(st.recv_key, opts_.max_frame);
    decoder_.set_max_frame(kSealRecordMax + kSealTagBytes);
  } else {
    decoder_.set_max_frame(opts_.max_frame);
  }
  ready_ = true;
  uv_timer_stop(&hello_timer_);
  idle_ms_ = opts_.idle_timeout_ms ? opts_.idle_timeout_ms() : 0;
  touch();
  if (opts_.on_ready) opts_.on_ready(*this);
}

void Connection::set_idle_timeout(int64_t ms) {
  if (!ready_ || closing_) return;
  idle_ms_ = ms;
  if (idle_ms_ <= 0) uv_timer_stop(&hello_timer_);
  else touch();
}

void Connection::touch() {
  if (idle_ms_ <= 0 || closing_) return;
  // The timer was started (with its callback) in start(); again() restarts it at `repeat`.
  uv_timer_set_repeat(&hello_timer_, static_cast<uint64_t>(idle_ms_));
  uv_timer_again(&hello_timer_);
}

void Connection::deliver(msg::Envelope&& env) {
  if (!ready_) return handshake(std::move(env));
  if (msg::is_handshake_op(env.op)) {
    close("duplicate handshake message");
    return;
  }
  if (opts_.on_message) opts_.on_message(*this, std::move(env));
}

void Connection::send_raw(std::string bytes) {
  if (closing_ || bytes.empty()) return;
  if (sealer_) bytes = sealer_->seal(bytes);
  if (opts_.coalesce_writes && ready_) {
    if (out_.empty()) {
      out_ = std::move(bytes);
      uv_prepare_start(&flush_hook_, [](uv_prepare_t* h) { static_cast<Connection*>(h->data)->flush(); });
    } else {
      out_ += bytes;
    }
    if (out_.size() >= (256u << 10)) flush();
    return;
  }
  write_now(std::move(bytes));
}

void Connection::flush() {
  if (out_.empty()) return;
  uv_prepare_stop(&flush_hook_);
  write_now(std::exchange(out_, {}));
}

void Connection::write_now(std::string bytes) {
  if (closing_) return;
  auto* stream = reinterpret_cast<uv_stream_t*>(&tcp_);
  size_t off = 0;
  if (uv_stream_get_write_queue_size(stream) == 0) {
    uv_buf_t b = uv_buf_init(bytes.data(), static_cast<unsigned>(bytes.size()));
    int n = uv_try_write(stream, &b, 1);
    if (n > 0) off = static_cast<size_t>(n);
    if (off == bytes.size()) {
      if (ready_) touch();
      return;
    }
  }
  auto* w = new WriteReq();
  w->data = off ? bytes.substr(off) : std::move(bytes);
  w->req.data = w;
  uv_buf_t b = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  int rc = uv_write(&w->req, stream, &b, 1, [](uv_write_t* req, int status) {
    auto* wr = static_cast<WriteReq*>(req->data);
    auto* c = static_cast<Connection*>(req->handle->data);
    delete wr;
    if (status < 0 && status != UV_ECANCELED && c && !c->closing_)
      c->close(std::string("write error: ") + uv_strerror(status));
    else if (status == 0 && c && !c->closing_) {
      if (c->ready_) c->touch();
      if (c->opts_.on_written) c->opts_.on_written(*c);
    }
  });
  if (rc != 0) {
    delete w;
    close(std::string("write error: ") + uv_strerror(rc));
  }
}

void Connection::send_parts(std::string header, std::vector<std::string>&& blobs) {
  if (closing_) return;
  std::vector<std::string_view> views;
  views.reserve(blobs.size());
  for (const auto& b : blobs) views.emplace_back(b);  // the vector moves whole: its strings stay put
  write_blobs(std::move(header), std::move(views), std::move(blobs), {});
}

void Connection::send_slices(std::string header, std::vector<BlobSlice> blobs) {
  if (closing_) return;
  std::vector<std::string_view> views;
  std::vector<std::shared_ptr<const std::string>> keep;
  views.reserve(blobs.size());
  keep.reserve(blobs.size());
  for (auto& b : blobs) {
    views.push_back(b.view());
    if (b.owner) keep.push_back(std::move(b.owner));
  }
  write_blobs(std::move(header), std::move(views), {}, std::move(keep));
}

void Connection::write_blobs(std::string header, std::vector<std::string_view> views, std::vector<std::string> owned,
                             std::vector<std::shared_ptr<const std::string>> shared) {
  size_t total = 0;
  for (const auto& v : views) total += v.size();
  if (sealer_ || total < (64u << 10)) {  // sealing copies anyway; a small message: one buffer
    for (const auto& v : views) {
      const uint32_t n = static_cast<uint32_t>(v.size() + 1);
      const char h[kFrameHeader] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                                    static_cast<char>(n), kFrameBlob};
      header.append(h, kFrameHeader);
      header.append(v.data(), v.size());
    }
    return send_raw(std::move(header));
  }
  flush();  // what was sent before goes first
  auto* w = new WriteReq();
  w->data = std::move(header);
  w->parts = std::move(owned);
  w->shared = std::move(shared);
  w->heads.resize(views.size() * kFrameHeader);
  std::vector<uv_buf_t> bufs;
  bufs.reserve(1 + 2 * views.size());
  bufs.push_back(uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size())));
  for (size_t i = 0; i < views.size(); ++i) {
    const uint32_t n = static_cast<uint32_t>(views[i].size() + 1);
    char* h = w->heads.data() + i * kFrameHeader;
    h[0] = static_cast<char>(n >> 24);
    h[1] = static_cast<char>(n >> 16);
    h[2] = static_cast<char>(n >> 8);
    h[3] = static_cast<char>(n);
    h[4] = kFrameBlob;
    bufs.push_back(uv_buf_init(h, kFrameHeader));
    // uv_buf_t's base is not const; libuv only reads what it writes.
    if (!views[i].empty()) bufs.push_back(uv_buf_init(const_cast<char*>(views[i].data()), static_cast<unsigned>(views[i].size())));
  }
  auto* stream = reinterpret_cast<uv_stream_t*>(&tcp_);
  size_t first = 0;
  if (uv_stream_get_write_queue_size(stream) == 0) {
    // What the kernel takes now is not queued; uv_try_write takes at most IOV_MAX buffers.
    while (first < bufs.size()) {
      const unsigned batch = static_cast<unsigned>(std::min<size_t>(bufs.size() - first, 512));
      int n = uv_try_write(stream, bufs.data() + first, batch);
      if (n <= 0) break;
      size_t left = static_cast<size_t>(n);
      while (first < bufs.size() && left >= bufs[first].len) left -= bufs[first++].len;
      if (left) {
        bufs[first].base += left;
        bufs[first].len -= left;
        break;
      }
    }
    if (first == bufs.size()) {
      delete w;
      if (ready_) touch();
      return;
    }
  }
  w->req.data = w;
  int rc = uv_write(&w->req, stream, bufs.data() + first, static_cast<unsigned>(bufs.size() - first), [](uv_write_t* req, int status) {
    auto* wr = static_cast<WriteReq*>(req->data);
    auto* c = static_cast<Connection*>(req->handle->data);
    delete wr;
    if (status < 0 && status != UV_ECANCELED && c && !c->closing_)
      c->close(std::string("write error: ") + uv_strerror(status));
    else if (status == 0 && c && !c->closing_) {
      if (c->ready_) c->touch();
      if (c->opts_.on_written) c->opts_.on_written(*c);
    }
  });
  if (rc != 0) {
    delete w;
    close(std::string("write error: ") + uv_strerror(rc));
  }
}

size_t Connection::unsent_bytes() const {
  return out_.size() + uv_stream_get_write_queue_size(reinterpret_cast<const uv_stream_t*>(&tcp_));
}

void Connection::set_reading(bool on) {
  if (closing_ || on == reading_) return;
  auto* stream = reinterpret_cast<uv_stream_t*>(&tcp_);
  if (on) uv_read_start(stream, &Connection::on_alloc, &Connection::on_read);
  else uv_read_stop(stream);
  reading_ = on;
}

void Connection::close(const std::string& reason) {
  if (closing_) return;
  // First: a write failing below must not start a second close (that double uv_close aborts).
  closing_ = true;
  if (!out_.empty()) {
    // What the kernel takes at once still leaves, as an uncoalesced send would have; a queued
    // uv_write would only be cancelled by the uv_close below. The stream may already be
    // unwritable (a read error clears that), so nothing here may fail loudly.
    uv_prepare_stop(&flush_hook_);
    auto* stream = reinterpret_cast<uv_stream_t*>(&tcp_);
    if (uv_stream_get_write_queue_size(stream) == 0) {
      uv_buf_t b = uv_buf_init(out_.data(), static_cast<unsigned>(out_.size()));
      (void)uv_try_write(stream, &b, 1);
    }
    out_.clear();
  }
  LOG_DEBUG(opts_.log_component, "connection " << id_ << " (" << peer_ << (peer_role_.empty() ? "" : " " + peer_role_)
                                                 << ") closed: " << reason);
  if (opts_.on_close) {
    auto cb = std::move(opts_.on_close);
    cb(*this, reason);
  }
  auto done = [](uv_handle_t* h) {
    auto* c = static_cast<Connection*>(h->data);
    if (--c->open_handles_ == 0) delete c;
  };
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
  uv_timer_stop(&hello_timer_);
  uv_prepare_stop(&flush_hook_);
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), done);
  uv_close(reinterpret_cast<uv_handle_t*>(&hello_timer_), done);
  uv_close(reinterpret_cast<uv_handle_t*>(&flush_hook_), done);
}

Listener::~Listener() { close(); }

void Listener::close() {
  if (!tcp_) return;
  uv_close(reinterpret_cast<uv_handle_t*>(tcp_), [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
  tcp_ = nullptr;
}

Result<int> Listener::listen(const std::string& host, int port) {
  auto addr = resolve(host, port);
  if (!addr) return Result<int>::error(addr.error_message());
  tcp_ = new uv_tcp_t;
  uv_tcp_init(loop_, tcp_);
  tcp_->data = this;
  int rc = uv_tcp_bind(tcp_, reinterpret_cast<const sockaddr*>(&addr.value()), 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(tcp_), 256, &Listener::on_connection);
  if (rc != 0) {
    close();
    return Result<int>::error("cannot listen on " + host + ":" + std::to_string(port) + ": " + uv_strerror(rc));
  }
  sockaddr_storage ss{};
  int len = sizeof ss;
  uv_tcp_getsockname(tcp_, reinterpret_cast<sockaddr*>(&ss), &len);
  int bound = ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                                       : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return bound;
}

void Listener::on_connection(uv_stream_t* server, int status) {
  auto* self = static_cast<Listener*>(server->data);
  if (status < 0) {
    LOG_WARN(self->opts_.log_component, "accept failed: " << uv_strerror(status));
    return;
  }
  Connection* c = Connection::create(self->loop_, self->opts_, /*acceptor=*/true);
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(c->handle())) != 0) {
    c->close("accept failed");
    return;
  }
  c->start();
}

void connect_to(uv_loop_t* loop, const std::string& host, int port, ConnectionOptions opts,
                std::function<void(Result<Connection*>)> done) {
  auto addr = resolve(host, port);
  if (!addr) {
    done(Result<Connection*>::error(addr.error_message()));
    return;
  }
  struct Req {
    uv_connect_t req;
    Connection* conn;
    std::function<void(Result<Connection*>)> done;
    std::string target;
  };
  Connection* c = Connection::create(loop, std::move(opts), /*acceptor=*/false);
  auto* r = new Req{{}, c, std::move(done), host + ":" + std::to_string(port)};
  r->req.data = r;
  int rc = uv_tcp_connect(&r->req, c->handle(), reinterpret_cast<const sockaddr*>(&addr.value()),
                          [](uv_connect_t* req, int status) {
                            auto* rq = static_cast<Req*>(req->data);
                            if (status < 0) {
                              auto cb = std::move(rq->done);
                              std::string msg = "cannot connect to " + rq->target + ": " + uv_strerror(status);
                              rq->conn->close(msg);
                              delete rq;
                              cb(Result<Connection*>::error(msg));
                              return;
                            }
                            rq->conn->start();
                            auto cb = std::move(rq->done);
                            Connection* conn = rq->conn;
                            delete rq;
                            cb(conn);
                          });
  if (rc != 0) {
    std::string msg = "cannot connect to " + r->target + ": " + uv_strerror(rc);
    auto cb = std::move(r->done);
    c->close(msg);
    delete r;
    cb(Result<Connection*>::error(msg));
  }
}

Timer::Timer(uv_loop_t* loop) : t_(new uv_timer_t) {
  uv_timer_init(loop, t_);
  t_->data = this;
}

Timer::~Timer() {
  uv_timer_stop(t_);
  t_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(t_), [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
}

void Timer::start(int64_t delay_ms, int64_t repeat_ms, std::function<void()> cb) {
  cb_ = std::move(cb);
  uv_timer_start(
      t_,
      [](uv_timer_t* t) {
        auto* self = static_cast<Timer*>(t->data);
        if (self && self->cb_) {
          auto cb = self->cb_;  // the callback may restart or destroy the timer
          cb();
        }
      },
      static_cast<uint64_t>(delay_ms < 0 ? 0 : delay_ms), static_cast<uint64_t>(repeat_ms < 0 ? 0 : repeat_ms));
}

void Timer::stop() { uv_timer_stop(t_); }

Poster::Poster(uv_loop_t* loop) : a_(new uv_async_t), st_(std::make_shared<State>()) {
  a_->data = new std::shared_ptr<State>(st_);
  uv_async_init(loop, a_, [](uv_async_t* a) {
    auto st = *static_cast<std::shared_ptr<State>*>(a->data);
    std::deque<std::function<void()>> q;
    {
      std::lock_guard<std::mutex> g(st->mu);
      q.swap(st->q);
    }
    for (auto& fn : q) fn();
  });
}

Poster::~Poster() {
  uv_close(reinterpret_cast<uv_handle_t*>(a_), [](uv_handle_t* h) {
    delete static_cast<std::shared_ptr<State>*>(h->data);
    delete reinterpret_cast<uv_async_t*>(h);
  });
}

void Poster::post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> g(st_->mu);
    st_->q.push_back(std::move(fn));
  }
  uv_async_send(a_);
}

BlockingChannel::~BlockingChannel() { close(); }

void BlockingChannel::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status BlockingChannel::write_all(const std::string& plain) {
  std::string sealed;
  if (sealer_) sealed = sealer_->seal(plain);
  const std::string& bytes = sealer_ ? sealed : plain;
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::write(fd_, bytes.data() + off, bytes.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::error(std::string("write failed: ") + std::strerror(errno));
    }
    off += static_cast<size_t>(n);
  }
  return Status::ok();
}

Result<Frame> BlockingChannel::next_frame(int timeout_ms) {
  std::vector<Frame> got;
  while (plain_.empty()) {
    if (!frames_.empty()) {
      Frame f = std::move(frames_.front());
      frames_.pop_front();
      if (opener_) {
        got.clear();
        Status st = opener_->open(f, got);
        for (auto& p : got) plain_.push_back(std::move(p));
        if (!st) return Result<Frame>::error("encryption: " + st.message());
      } else if (f.kind == kFrameSealed) {
        return Result<Frame>::error("sealed frame on a connection that is not encrypted");
      } else {
        plain_.push_back(std::move(f));
      }
      continue;
    }
    if (fd_ < 0) return Result<Frame>::error("channel closed");
    if (timeout_ms >= 0) {
      pollfd p{fd_, POLLIN, 0};
      int rc = ::poll(&p, 1, timeout_ms);
      if (rc == 0) return Result<Frame>::error("timed out");
      if (rc < 0 && errno != EINTR) return Result<Frame>::error(std::string("poll failed: ") + std::strerror(errno));
    }
    got.clear();
    Status st = Status::ok();
    if (auto [dp, dn] = decoder_.direct_space(); dp) {  // a large frame: read into its payload
      ssize_t n = ::read(fd_, dp, std::min(dn, size_t{64} << 20));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Result<Frame>::error(std::string("read failed: ") + std::strerror(errno));
      if (n == 0) return Result<Frame>::error("peer closed the connection");
      decoder_.commit_direct(static_cast<size_t>(n), got);
      for (auto& f : got) frames_.push_back(std::move(f));
      continue;
    }
    char buf[65536];
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Result<Frame>::error(std::string("read failed: ") + std::strerror(errno));
    if (n == 0) return Result<Frame>::error("peer closed the connection");
    st = decoder_.feed(buf, static_cast<size_t>(n), got);
    for (auto& f : got) frames_.push_back(std::move(f));
    if (!st) return Result<Frame>::error("bad frame: " + st.message());
  }
  Frame f = std::move(plain_.front());
  plain_.pop_front();
  return f;
}

Result<msg::Envelope> BlockingChannel::recv(int timeout_ms) {
  using R = Result<msg::Envelope>;
  auto f = next_frame(timeout_ms);
  if (!f) return R::error(f.error_message());
  if (f->kind != kFrameJson) return R::error("unexpected blob frame outside a message");
  auto h = msg::decode_header(f->payload);
  if (!h) return R::error("bad message: " + h.error_message());
  auto& [env, n] = h.value();
  for (size_t i = 0; i < n; ++i) {
    auto b = next_frame(timeout_ms);
    if (!b) return R::error(b.error_message());
    if (b->kind != kFrameBlob) return R::error("expected blob frame for " + env.op);
    env.blobs.push_back(std::move(b->payload));
  }
  return std::move(env);
}

Result<msg::HelloAck> BlockingChannel::hello(const msg::Hello& h, int timeout_ms, const auth::Policy& auth) {
  using R = Result<msg::HelloAck>;
  auth::Connector hs(auth, h.role, h.name, auth::fresh_nonce(), h.secret);
  Status st = send(hs.hello());
  if (!st) return R::error(st.message());
  while (true) {
    auto reply = recv(timeout_ms);
    if (!reply) return R::error(reply.error_message());
    auth::Step step = hs.on_message(*reply);
    if (!step.fail.empty()) return R::error(step.fail);
    for (const auto& m : step.send) {
      const auto* p = std::get_if<msg::HelloProof>(&m);
      if (p) st = send(*p);
      if (!st) return R::error(st.message());
    }
    if (step.ready) {
      if (!step.send_key.empty()) {
        sealer_ = std::make_unique<FrameSealer>(step.send_key);
        opener_ = std::make_unique<FrameOpener>(step.recv_key, max_frame_);
        decoder_.set_max_frame(kSealRecordMax + kSealTagBytes);
      }
      msg::HelloAck a;
      a.role = hs.peer_role();
      a.name = hs.peer_name();
      return a;
    }
  }
}

void close_all_handles(uv_loop_t* loop) {
  uv_walk(
      loop,
      [](uv_handle_t* h, void*) {
        if (!uv_is_closing(h)) uv_close(h, nullptr);
      },
      nullptr);
  while (uv_run(loop, UV_RUN_NOWAIT) != 0) {
  }
}

}  // namespace spp
