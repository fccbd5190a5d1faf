// Shuffle block server and its blocking client.
#include "executor/block_server.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "common/frame.h"
#include "common/log.h"

namespace spp::executor {
static const char* kLog = "blocks";

namespace {
std::string real_path(const std::string& p) {
  char* r = ::realpath(p.c_str(), nullptr);
  if (!r) return "";
  std::string s(r);
  std::free(r);
  return s;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

BlockReply::FileHandle::~FileHandle() {
  if (fd >= 0) ::close(fd);
}

Result<std::string> resolve_block_path(const std::string& root, const std::string& requested) {
  using R = Result<std::string>;
  std::string base = real_path(root);
  if (root.empty() || base.empty()) return R::error("no scratch directory to serve from");
  if (requested.empty() || requested[0] != '/') return R::error("block path '" + requested + "' is not absolute");
  std::string p = real_path(requested);
  if (p.empty()) return R::error("cannot open " + requested + ": " + std::strerror(errno));
  if (p.compare(0, base.size() + 1, base + "/") != 0) return R::error("refusing " + requested + ": outside the scratch directory");
  std::string name = p.substr(p.rfind('/') + 1);
  if (name.compare(0, 8, "shuffle_") != 0 || !ends_with(name, ".data"))
    return R::error("refusing " + requested + ": not a shuffle data file");
  struct stat st{};
  if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return R::error("refusing " + requested + ": not a regular file");
  return p;
}

BlockReply BlockReply::open(const std::string& root, const msg::FetchBlocks& req, std::string* error) {
  BlockReply r;
  msg::BlockData reply;
  reply.req = req.req;
  auto refuse = [&](int i, const std::string& why) {
    if (error) *error = why;
    reply.error = why;
    reply.failed = i;
    BlockReply e;
    e.head_ = msg::encode_header(msg::BlockData::kOp, msg::json(reply), 0);
    return e;
  };
  int64_t total = 0;
  for (size_t i = 0; i < req.blocks.size(); ++i) {
    const auto& b = req.blocks[i];
    if (b.offset < 0 || b.length < 0 || b.length > kMaxFetchBytes)
      return refuse(static_cast<int>(i), "bad byte range of " + b.path);
    total += b.length;
    if (total > kMaxFetchBytes) return refuse(static_cast<int>(i), "request of more than " + std::to_string(kMaxFetchBytes) + " bytes");
  }
  // Everything that can be refused is checked (and every file opened) before the first byte
  // goes out: once the header is sent, the reply must deliver exactly those blobs.
  for (size_t i = 0; i < req.blocks.size(); ++i) {
    const auto& b = req.blocks[i];
    int idx = static_cast<int>(i);
    auto path = resolve_block_path(root, b.path);
    if (!path) return refuse(idx, path.error_message());
    Segment seg;
    seg.fd = std::make_shared<FileHandle>(::open(path->c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st{};
    if (seg.fd->fd < 0 || ::fstat(seg.fd->fd, &st) != 0) return refuse(idx, "cannot open " + b.path + ": " + std::strerror(errno));
    if (b.offset + b.length > st.st_size)
      return refuse(idx, "range " + std::to_string(b.offset) + "+" + std::to_string(b.length) + " is past the end of " + b.path + " (" +
                             std::to_string(st.st_size) + " bytes)");
    seg.path = b.path;
    seg.offset = b.offset;
    seg.length = b.length;
    r.segments_.push_back(std::move(seg));
  }
  r.head_ = msg::encode_header(msg::BlockData::kOp, msg::json(reply), req.blocks.size());
  return r;
}

Result<std::string> BlockReply::next(size_t max_bytes) {
  std::string out;
  if (!head_sent_) {
    head_sent_ = true;
    out = std::move(head_);
  }
  while (out.size() < max_bytes && seg_ < segments_.size()) {
    Segment& g = segments_[seg_];
    if (done_in_seg_ == 0 && !blob_header_sent_) {
      uint32_t n = static_cast<uint32_t>(g.length + 1);
      char hdr[kFrameHeader] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8), static_cast<char>(n),
                                kFrameBlob};
      out.append(hdr, kFrameHeader);
      blob_header_sent_ = true;
    }
    size_t want = static_cast<size_t>(std::min<int64_t>(g.length - done_in_seg_, static_cast<int64_t>(max_bytes - std::min(max_bytes, out.size()))));
    if (want == 0 && g.length > done_in_seg_) break;
    size_t at = out.size();
    out.resize(at + want);
    size_t got = 0;
    while (got < want) {
      ssize_t r = ::pread(g.fd->fd, out.data() + at + got, want - got, g.offset + done_in_seg_ + static_cast<int64_t>(got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return Result<std::string>::error("short read of " + g.path + " (changed while being served?)");
      got += static_cast<size_t>(r);
    }
    done_in_seg_ += static_cast<int64_t>(want);
    if (done_in_seg_ == g.length) {
      g.fd.reset();
      ++seg_;
      done_in_seg_ = 0;
      blob_header_sent_ = false;
    }
  }
  return out;
}

std::string build_block_reply(const std::string& root, const msg::FetchBlocks& req, std::string* error) {
  BlockReply r = BlockReply::open(root, req, error);
  std::string out;
  while (!r.done()) {
    auto piece = r.next(size_t{1} << 20);
    if (!piece) {  // a file shrank after it was checked: say so as a refusal of the whole request
      if (error) *error = piece.error_message();
      msg::BlockData reply;
      reply.req = req.req;
      reply.error = piece.error_message();
      reply.failed = 0;
      return msg::encode_header(msg::BlockData::kOp, msg::json(reply), 0);
    }
    out += *piece;
  }
  return out;
}

// ---------------------------------------------------------------- server

namespace {
std::mutex g_auth_mu;
auth::Policy g_auth;
auth::Policy block_auth() {
  std::lock_guard<std::mutex> g(g_auth_mu);
  return g_auth;
}
}  // namespace

void set_block_auth(const auth::Policy& p) {
  std::lock_guard<std::mutex> g(g_auth_mu);
  g_auth = p;
}

namespace {
std::atomic<int64_t> g_idle_ms{120000};
}
void set_block_idle_timeout(int64_t ms) { g_idle_ms = ms; }
int64_t block_idle_timeout() { return g_idle_ms; }

Result<int> BlockServer::start(const std::string& host, int port) {
  uv_loop_init(&loop_);
  loop_open_ = true;
  ConnectionOptions o;
  o.my_role = "executor";
  o.my_name = name_;
  o.max_frame = kDefaultMaxFrame;  // requests are small JSON
  o.log_component = kLog;
  o.auth = block_auth;
  o.idle_timeout_ms = block_idle_timeout;
  o.check_hello = [](const msg::Hello& h) {
    return h.role == "executor" ? Status::ok() : Status::error("only executors fetch shuffle blocks, not " + h.role);
  };
  o.on_ready = [this](Connection& c) { conns_.insert(&c); };
  o.on_close = [this](Connection& c, const std::string&) {
    conns_.erase(&c);
    queues_.erase(&c);
  };
  o.on_written = [this](Connection& c) { pump(c); };
  o.on_message = [this](Connection& c, msg::Envelope&& e) { on_message(c, std::move(e)); };
  listener_ = std::make_unique<Listener>(&loop_, o);
  auto bound = listener_->listen(host, port);
  if (!bound) {
    stop();
    return bound;
  }
  poster_ = std::make_unique<Poster>(&loop_);
  thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); });
  return bound;
}

void BlockServer::set_root(const std::string& dir) {
  std::lock_guard<std::mutex> g(mu_);
  root_ = dir;
}

void BlockServer::on_message(Connection& c, msg::Envelope&& e) {
  const auto* req = e.as<msg::FetchBlocks>();
  if (!req) return c.close("unexpected " + e.op + " on the block server");
  std::string root;
  {
    std::lock_guard<std::mutex> g(mu_);
    root = root_;
  }
  std::string error;
  auto& q = queues_[&c];
  q.push_back(BlockReply::open(root, *req, &error));
  if (!error.empty()) LOG_WARN(kLog, "fetch request from " << c.peer() << " refused: " << error);
  pump(c);
}

// Sends queued replies while the connection's unsent bytes stay under kConnWriteBytes, reading
// files a chunk at a time: a peer that asks for a lot and reads slowly costs that much, not the
// size of what it asked for. Past kConnQueuedRequests queued requests the connection stops being
// read (TCP pushes back on the fetcher) until the queue drains.
void BlockServer::pump(Connection& c) {
  auto it = queues_.find(&c);
  if (it == queues_.end() || c.closed()) return;
  auto& q = it->second;
  while (!q.empty() && c.unsent_bytes() < kConnWriteBytes) {
    auto piece = q.front().next(kReplyChunk);
    if (!piece) {
      LOG_WARN(kLog, "serving " << c.peer() << ": " << piece.error_message());
      return c.close(piece.error_message());  // the header promised blobs we cannot deliver
    }
    if (!piece->empty()) c.send_raw(std::move(*piece));
    if (c.closed()) return;
    if (q.front().done()) q.pop_front();
  }
  c.set_reading(q.size() < kConnQueuedRequests);
}

void BlockServer::stop() {
  if (thread_.joinable()) {
    poster_->post([this] {
      if (listener_) listener_->close();
      auto open = conns_;
      for (Connection* c : open) c->close("block server stopping");
      uv_stop(&loop_);
    });
    thread_.join();
  }
  if (!loop_open_) return;
  listener_.reset();
  poster_.reset();
  close_all_handles(&loop_);
  uv_loop_close(&loop_);
  loop_open_ = false;
}

// ---------------------------------------------------------------- client

namespace {
Result<int> connect_tcp(const std::string& host, int port, int64_t timeout_ms) {
  using R = Result<int>;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0) return R::error("cannot resolve " + host + ": " + gai_strerror(rc));
  std::string err = "no address";
  int fd = -1;
  for (addrinfo* a = res; a && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) {
      err = std::strerror(errno);
      continue;
    }
    int r = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (r != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      r = ::poll(&p, 1, static_cast<int>(timeout_ms));
      int soerr = 0;
      socklen_t len = sizeof soerr;
      if (r == 0) {
        soerr = ETIMEDOUT;
      } else if (r > 0) {
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
      } else {
        soerr = errno;
      }
      r = soerr == 0 ? 0 : -1;
      errno = soerr;
    }
    if (r != 0) {
      err = std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(res);
  if (fd < 0) return R::error("cannot connect to " + host + ":" + std::to_string(port) + ": " + err);
  int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}
}  // namespace

Result<std::unique_ptr<BlockClient>> BlockClient::connect(const std::string& host, int port, const std::string& my_name,
                                                          int64_t timeout_ms) {
  using R = Result<std::unique_ptr<BlockClient>>;
  auto fd = connect_tcp(host, port, timeout_ms);
  if (!fd) return R::error(fd.error_message());
  auto c = std::make_unique<BlockClient>(fd.value());
  msg::Hello h;
  h.role = "executor";
  h.name = my_name;
  auto ack = c->ch_.hello(h, static_cast<int>(timeout_ms), block_auth());
  if (!ack) return R::error("block server " + host + ":" + std::to_string(port) + ": " + ack.error_message());
  return c;
}

}  // namespace spp::executor
