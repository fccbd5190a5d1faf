// Shuffle data plane: each executor serves its map output files to other executors' reduce
// tasks over a binary TCP port (RegisterExecutor.data_port), and fetches from theirs.
//
//   fetcher (task thread, blocking)          block server (own thread + libuv loop)
//     Hello{role: executor}          ──►
//                                    ◄──       HelloAck
//     FetchBlocks{req, blocks[]}     ──►       resolve each path inside the scratch dir,
//     FetchBlocks ... (pipelined)              read the byte ranges
//                                    ◄──       BlockData{req} + one blob per block
//                                              (or BlockData{req, error, failed}, no blobs)
//
// Only `shuffle_*.data` files under the executor's own scratch dir are ever served; anything
// else (other files, `..`, symlinks out) is refused with an error reply.
#pragma once
#include <uv.h>

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/messages.h"
#include "common/net.h"
#include "common/status.h"

namespace spp::executor {

// The canonical path of `requested` if it names a regular `shuffle_*.data` file inside `root`
// (root itself canonicalized); an error saying why not otherwise.
Result<std::string> resolve_block_path(const std::string& root, const std::string& requested);

// Upper bound on the bytes one FetchBlocks may ask for (a block may be large; replies stream).
constexpr int64_t kMaxFetchBytes = int64_t{1} << 30;
// Per connection: unsent reply bytes the server lets queue up, the piece read from disk at a
// time, and queued requests past which it stops reading the connection.
constexpr size_t kConnWriteBytes = size_t{4} << 20;
constexpr size_t kReplyChunk = size_t{1} << 20;
constexpr size_t kConnQueuedRequests = 16;

// The reply to one FetchBlocks (a BlockData message, then one blob frame per block), produced
// in pieces. open() checks the whole request first (ranges, paths inside `root`, files opened),
// so a refusal is a complete small reply (BlockData{error, failed}); `error` (if given) gets
// its reason. Pure file reading: the server streams it, tests drive it directly.
class BlockReply {
 public:
  static BlockReply open(const std::string& root, const msg::FetchBlocks& req, std::string* error = nullptr);
  // The next bytes of the reply, about max_bytes (frame headers may add a few); an error if a
  // file can no longer be read (the connection must then be closed: the header promised blobs).
  Result<std::string> next(size_t max_bytes);
  bool done() const { return head_sent_ && seg_ == segments_.size(); }

 private:
  struct FileHandle {
    explicit FileHandle(int f) : fd(f) {}
    ~FileHandle();
    int fd = -1;
  };
  struct Segment {
    std::shared_ptr<FileHandle> fd;
    std::string path;
    int64_t offset = 0, length = 0;
  };
  std::string head_;
  bool head_sent_ = false;
  std::vector<Segment> segments_;
  size_t seg_ = 0;
  int64_t done_in_seg_ = 0;
  bool blob_header_sent_ = false;
};

// The whole reply at once (BlockReply read to the end), for tests and small replies.
std::string build_block_reply(const std::string& root, const msg::FetchBlocks& req, std::string* error = nullptr);

// The application's key (auth.h) this executor's block server requires and its block clients
// prove: only executors of the same application fetch each other's blocks. Set once at start.
void set_block_auth(const auth::Policy& p);
// A fetch connection that neither sends a request nor takes reply bytes for this long is closed
// (spark.network.timeout, 120 s until the executor knows its application's value; fetchers
// reconnect a connection they left idle half that long, so they never use a dropped one).
void set_block_idle_timeout(int64_t ms);
int64_t block_idle_timeout();

class BlockServer {
 public:
  explicit BlockServer(std::string name) : name_(std::move(name)) {}
  ~BlockServer() { stop(); }
  BlockServer(const BlockServer&) = delete;
  BlockServer& operator=(const BlockServer&) = delete;

  // Binds host:port (0: any) and starts the server thread. Returns the bound port.
  Result<int> start(const std::string& host, int port);
  // The scratch dir whose shuffle files may be served; nothing is served before it is set.
  void set_root(const std::string& dir);
  // Closes the listener and every connection and joins the thread. Idempotent.
  void stop();

 private:
  void on_message(Connection& c, msg::Envelope&& e);
  void pump(Connection& c);

  std::string name_;
  uv_loop_t loop_;
  bool loop_open_ = false;
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<Poster> poster_;
  std::set<Connection*> conns_;  // server thread only
  std::map<Connection*, std::deque<BlockReply>> queues_;  // replies being sent, per connection
  std::thread thread_;
  std::mutex mu_;
  std::string root_;
};

// Blocking client of one block server, for task threads. Requests are answered in order.
class BlockClient {
 public:
  // Connects (bounded by timeout_ms) and completes the Hello handshake.
  static Result<std::unique_ptr<BlockClient>> connect(const std::string& host, int port, const std::string& my_name,
                                                      int64_t timeout_ms);
  Status send(const msg::FetchBlocks& req) { return ch_.send(req); }
  // The next reply; timeout_ms bounds each silence, not the whole transfer.
  Result<msg::Envelope> recv(int64_t timeout_ms) { return ch_.recv(static_cast<int>(timeout_ms)); }
  explicit BlockClient(int fd) : ch_(fd) {}

 private:
  BlockingChannel ch_;
};

}  // namespace spp::executor
