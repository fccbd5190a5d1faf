// The libuv I/O layer: framed message connections, listeners, timers, cross-thread posting.
//
// Ownership: a Connection is heap-allocated and owns its uv_tcp_t; it deletes itself after its
// handle is closed. Whoever holds a Connection* must drop it when on_close fires (on_close runs
// once, before deletion). Listener, Timer and Poster own their handles and close them in their
// destructors' close callbacks; destroy them before uv_loop_close.
//
// Handshake: the connecting side sends Hello first; the accepting side checks it (role, and
// with authentication the challenge-response of common/auth.h), answers HelloAck (or
// HelloRefused, then closes) and only then delivers messages; either side leaves a peer of
// another protocol version, naming both (messages.h). Until the handshake is over an accepted
// connection may send only frames of kHelloMaxFrame bytes. A peer that has not completed the
// handshake within hello_timeout_ms is dropped. Any malformed frame or message closes the connection with a
// logged reason; nothing a peer sends can crash the process.
//
// Encryption: when the handshake's Step carries keys (auth.h, spark.network.crypto.enabled),
// every frame after it is sealed by send_raw and opened on receipt (frame.h); a record that
// does not verify, or a plaintext frame, closes the connection with a logged error.
#pragma once
#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/auth.h"
#include "common/frame.h"
#include "common/messages.h"
#include "common/status.h"

namespace spp {

class Connection;

// Frames an accepted connection may send before its handshake is over (a Hello is ~300 bytes).
constexpr size_t kHelloMaxFrame = 8192;

struct ConnectionOptions {
  std::string my_role;           // e.g. "master"; sent in Hello / HelloAck
  std::string my_name;
  std::string token;             // connector: Hello.secret (the Python program's per-run token)
  // Authentication (auth.h), asked at each handshake so a listener's key can be set later
  // (the driver learns its application's key once registered). Null: none.
  std::function<auth::Policy()> auth;
  size_t max_frame = kDefaultMaxFrame;
  int64_t hello_timeout_ms = 5000;
  // After the handshake: a connection that neither receives nor completes sending anything for
  // this long is closed (spark.network.timeout where the protocol has no silent phases). Asked
  // once the handshake completes; null or <= 0: never.
  std::function<int64_t()> idle_timeout_ms;
  const char* log_component = "net";
  // Acceptor side: decide on a Hello (role allowed? secret right?). Default: accept.
  std::function<Status(const msg::Hello&)> check_hello;
  // Called once the handshake has completed (both sides).
  std::function<void(Connection&)> on_ready;
  std::function<void(Connection&, msg::Envelope&&)> on_message;
  // Called exactly once when the connection ends, with the reason.
  std::function<void(Connection&, const std::string&)> on_close;
  // Called after each queued write completes (unsent_bytes() went down): senders that stream
  // large replies refill from here.
  std::function<void(Connection&)> on_written;
  // After the handshake, the messages sent during one loop iteration leave in one write, just
  // before the loop next waits for I/O (a uv_prepare hook, as redis's beforeSleep): a burst of
  // small messages — the driver's launches after a read of several status updates, an
  // executor's batch of status updates — costs one syscall here and one wake-up at the peer.
  // A send of large blobs, close() and 256 KiB of buffered bytes flush at once. Only for
  // connections whose sender returns to the loop after sending (never one that exits or blocks
  // right after a send).
  bool coalesce_writes = false;
};

class Connection {
 public:
  uint64_t id() const { return id_; }
  const std::string& peer() const { return peer_; }        // "ip:port"
  const std::string& peer_role() const { return peer_role_; }
  const std::string& peer_name() const { return peer_name_; }
  bool ready() const { return ready_; }
  bool encrypted() const { return sealer_ != nullptr; }
  bool closed() const { return closing_; }
  // Replaces the idle timeout (ConnectionOptions.idle_timeout_ms) of a handshaken connection,
  // e.g. once a peer has registered and its liveness is judged otherwise; <= 0: never.
  void set_idle_timeout(int64_t ms);

  template <typename T>
  void send(const T& m, const std::vector<std::string>& blobs = {}) {
    std::string out;
    msg::encode(out, m, blobs);
    send_raw(std::move(out));
  }
  // Blobs handed over (moved): written from where they are, without copying them into one
  // buffer (large results: task -> driver -> Python).
  template <typename T>
  void send(const T& m, std::vector<std::string>&& blobs) {
    send_parts(msg::encode_header(T::kOp, nlohmann::json(m), blobs.size()), std::move(blobs));
  }
  void send_parts(std::string header, std::vector<std::string>&& blobs);
  // Shared blobs: written from their owners' memory (kept alive until written), never copied
  // into one buffer unless the connection is sealed or the message is small.
  template <typename T>
  void send_shared(const T& m, std::vector<BlobSlice> blobs) {
    std::string header = msg::encode_header(T::kOp, nlohmann::json(m), blobs.size());  // before blobs move
    send_slices(std::move(header), std::move(blobs));
  }
  void send_slices(std::string header, std::vector<BlobSlice> blobs);
  void send_raw(std::string bytes);
  // Writes what coalesce_writes has buffered (called by the loop hook; close() calls it too).
  void flush();
  // Bytes handed to send_raw that the kernel has not taken yet (buffered ones included).
  size_t unsent_bytes() const;
  // Stops (false) or resumes (true) reading from the peer: back-pressure on a peer that sends
  // requests faster than their replies drain.
  void set_reading(bool on);
  // Idempotent. Flushes nothing further; on_close fires with `reason`.
  void close(const std::string& reason);

  void* user = nullptr;  // owner's tag (e.g. a worker id); not touched by the connection

  // Internal: use Listener / connect_to.
  static Connection* create(uv_loop_t* loop, ConnectionOptions opts, bool acceptor);
  uv_tcp_t* handle() { return &tcp_; }
  void start();  // begin reading (and send Hello if connector)

 private:
  Connection() = default;
  static void on_alloc(uv_handle_t*, size_t, uv_buf_t*);
  static void on_read(uv_stream_t*, ssize_t, const uv_buf_t*);
  void handle_frames(std::vector<Frame>& frames);
  void handle_plain(Frame& f);
  void touch();  // activity: restart the idle timer
  void deliver(msg::Envelope&& env);
  void handshake(msg::Envelope&& env);
  void write_now(std::string bytes);
  // Writes header + each buffer of `bufs` as one blob frame; `keep` owns what they point at.
  void write_blobs(std::string header, std::vector<std::string_view> views, std::vector<std::string> owned,
                   std::vector<std::shared_ptr<const std::string>> shared);

  uv_tcp_t tcp_;
  uv_timer_t hello_timer_;
  uv_prepare_t flush_hook_;  // active while out_ holds bytes (coalesce_writes)
  std::string out_;          // coalesced sends of this loop iteration, not yet written
  ConnectionOptions opts_;
  FrameDecoder decoder_;
  bool acceptor_ = false;
  bool ready_ = false;
  bool closing_ = false;
  bool reading_ = false;
  bool direct_read_ = false;  // on_alloc handed out decoder_.direct_space()
  int open_handles_ = 0;
  int64_t idle_ms_ = 0;
  uint64_t id_ = 0;
  std::string peer_, peer_role_, peer_name_;
  std::unique_ptr<auth::Acceptor> acceptor_hs_;
  std::unique_ptr<auth::Connector> connector_hs_;
  std::unique_ptr<FrameSealer> sealer_;
  std::unique_ptr<FrameOpener> opener_;
  msg::Envelope pending_;
  size_t pending_blobs_ = 0;
  bool have_pending_ = false;
};

// A TCP listener. Each accepted connection gets a copy of `opts`.
class Listener {
 public:
  Listener(uv_loop_t* loop, ConnectionOptions opts) : loop_(loop), opts_(std::move(opts)) {}
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  // Binds host:port (port 0 = any free port). Returns the bound port.
  Result<int> listen(const std::string& host, int port);
  void close();
 private:
  static void on_connection(uv_stream_t*, int);
  uv_loop_t* loop_;
  ConnectionOptions opts_;
  uv_tcp_t* tcp_ = nullptr;
};

// Connects to host:port; `done` gets the connection (handshake started) or an error.
// on_ready in `opts` fires when HelloAck arrives.
void connect_to(uv_loop_t* loop, const std::string& host, int port, ConnectionOptions opts,
                std::function<void(Result<Connection*>)> done);

// A repeating or one-shot timer. The callback should enqueue work, not do heavy lifting.
class Timer {
 public:
  explicit Timer(uv_loop_t* loop);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  void start(int64_t delay_ms, int64_t repeat_ms, std::function<void()> cb);
  void stop();
 private:
  uv_timer_t* t_;
  std::function<void()> cb_;
};

// Runs functions on the loop thread, posted from any thread.
class Poster {
 public:
  explicit Poster(uv_loop_t* loop);
  ~Poster();
  Poster(const Poster&) = delete;
  Poster& operator=(const Poster&) = delete;
  void post(std::function<void()> fn);
 private:
  struct State {
    std::mutex mu;
    std::deque<std::function<void()>> q;
  };
  uv_async_t* a_;
  std::shared_ptr<State> st_;
};

// Blocking framed channel over a socket fd, for threads that do their own I/O (executor task
// threads talking to Python workers). Not thread-safe; one owner.
class BlockingChannel {
 public:
  explicit BlockingChannel(int fd, size_t max_frame = kDataMaxFrame) : fd_(fd), max_frame_(max_frame), decoder_(max_frame) {}
  ~BlockingChannel();
  int fd() const { return fd_; }
  Status write_all(const std::string& bytes);
  template <typename T>
  Status send(const T& m, const std::vector<std::string>& blobs = {}) {
    std::string out;
    msg::encode(out, m, blobs);
    return write_all(out);
  }
  // Reads one message with its blobs. timeout_ms < 0: wait forever.
  Result<msg::Envelope> recv(int timeout_ms = -1);
  // The connecting side of the handshake (with `auth`, the challenge-response): sends `h`'s
  // role, name and token, returns the peer's HelloAck, or why not (HelloRefused's reason,
  // another protocol version naming both, failed authentication, a stray message). With
  // auth.encrypt every later frame both ways is sealed.
  Result<msg::HelloAck> hello(const msg::Hello& h, int timeout_ms, const auth::Policy& auth = {});
  void close();
 private:
  Result<Frame> next_frame(int timeout_ms);
  int fd_;
  size_t max_frame_;
  FrameDecoder decoder_;
  std::deque<Frame> frames_;  // as read: sealed records once encrypted
  std::deque<Frame> plain_;   // opened
  std::unique_ptr<FrameSealer> sealer_;
  std::unique_ptr<FrameOpener> opener_;
};

// Closes every handle still open on the loop and runs it until they are gone.
void close_all_handles(uv_loop_t* loop);

}  // namespace spp
