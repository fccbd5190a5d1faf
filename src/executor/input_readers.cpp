// Input readers: the reduce side of a shuffle (ShuffleBlockReader); the file readers are in line_readers.cpp.
#include "executor/input_readers.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "common/clock.h"
#include "common/log.h"

#include "executor/block_server.h"

namespace spp::executor {
namespace {
int64_t steady_ms() { return SystemClock().now_ms(); }
}  // namespace

ShuffleBlockReader::ShuffleBlockReader(const plan::ShuffleSource& source, ShuffleSettings settings)
    : shuffle_id_(source.shuffle_id), s_(std::move(settings)), blocks_(source.blocks) {}

ShuffleBlockReader::~ShuffleBlockReader() = default;

Status ShuffleBlockReader::fail(const Block& b, const std::string& why, bool whole_executor) {
  // Without a path the driver drops every output of that executor for this shuffle.
  failure_ = msg::FetchFailureInfo{shuffle_id_, b.map, b.exec, whole_executor ? std::string() : b.path};
  return Status::error("FetchFailed(shuffle " + std::to_string(shuffle_id_) + ", map " + std::to_string(b.map) + ", executor " +
                       (b.exec.empty() ? "?" : b.exec) + " on " + (b.host.empty() ? "?" : b.host) + "): " + why);
}

// Local blocks go to local_; the rest become requests of at most max_in_flight/5 bytes per
// block server, interleaved across servers so that they all work at once.
void ShuffleBlockReader::plan() {
  planned_ = true;
  int64_t target = std::max<int64_t>(1, s_.max_in_flight / 5);
  std::map<std::string, std::vector<Request>> by_addr;
  std::vector<std::string> order;
  // Whether this host's filesystem has a map output's directory, asked once per directory: a
  // wide shuffle's reduce task reads thousands of files from a few executors' directories.
  std::map<std::string, bool> readable_dir;
  auto local = [&](const Block& b) {
    if (!s_.prefer_local_read || b.host != s_.host) return false;
    std::string dir = b.path.substr(0, b.path.find_last_of('/') + 1);
    auto it = readable_dir.find(dir);
    if (it == readable_dir.end()) it = readable_dir.emplace(dir, ::access(dir.empty() ? "." : dir.c_str(), R_OK | X_OK) == 0).first;
    return it->second;
  };
  for (size_t i = 0; i < blocks_.size(); ++i) {
    const Block& b = blocks_[i];
    if (b.length <= 0) continue;
    if (local(b)) {
      local_.push_back(i);
      continue;
    }
    std::string addr = b.host + ":" + std::to_string(b.port);
    auto& reqs = by_addr[addr];
    if (reqs.empty()) order.push_back(addr);
    if (reqs.empty() || (reqs.back().bytes + b.length > target && !reqs.back().blocks.empty())) {
      reqs.emplace_back();
      reqs.back().addr = addr;
    }
    reqs.back().blocks.push_back(i);
    reqs.back().bytes += b.length;
  }
  for (size_t round = 0;; ++round) {
    bool any = false;
    for (const auto& a : order) {
      auto& reqs = by_addr[a];
      if (round < reqs.size()) {
        pending_.push_back(std::move(reqs[round]));
        any = true;
      }
    }
    if (!any) break;
  }
}

Status ShuffleBlockReader::send_requests() {
  while (!pending_.empty() && (in_flight_.empty() || bytes_in_flight_ + pending_.front().bytes <= s_.max_in_flight)) {
    Request r = std::move(pending_.front());
    pending_.pop_front();
    const Block& b0 = blocks_[r.blocks[0]];
    if (b0.port <= 0) return fail(b0, "map output " + b0.path + " is not readable here and its executor serves no blocks");
    auto& client = clients_[r.addr];
    // A connection left idle for half the block servers' idle timeout may have been dropped by
    // the server (set_block_idle_timeout): start afresh rather than fail on it.
    int64_t now = steady_ms();
    if (client && now - client_used_[r.addr] > block_idle_timeout() / 2 &&
        std::none_of(in_flight_.begin(), in_flight_.end(), [&](const Request& q) { return q.addr == r.addr; }))
      client.reset();
    client_used_[r.addr] = now;
    if (!client) {
      // Connecting is retried briefly (a busy listener's backlog); past that the executor is
      // taken as lost, which recomputing its outputs handles better than waiting.
      std::string err;
      for (int attempt = 0; attempt < 3 && !client; ++attempt) {
        if (attempt > 0) ::usleep(200 * 1000 * attempt);
        auto c = BlockClient::connect(b0.host, b0.port, s_.exec_id, std::min<int64_t>(s_.fetch_timeout_ms, 10000));
        if (c) client = std::move(c.value());
        else err = c.error_message();
      }
      if (!client) {
        clients_.erase(r.addr);
        return fail(b0, err, /*whole_executor=*/true);
      }
    }
    msg::FetchBlocks m;
    m.req = r.req = next_req_++;
    m.shuffle_id = shuffle_id_;
    for (size_t i : r.blocks) m.blocks.push_back({blocks_[i].path, blocks_[i].offset, blocks_[i].length});
    Status st = client->send(m);
    if (!st) return fail(b0, "fetch request to " + r.addr + " failed: " + st.message(), true);
    bytes_in_flight_ += r.bytes;
    in_flight_.push_back(std::move(r));
  }
  return Status::ok();
}

Status ShuffleBlockReader::receive(Request& r) {
  const Block& b0 = blocks_[r.blocks[0]];
  auto e = clients_[r.addr]->recv(s_.fetch_timeout_ms);
  client_used_[r.addr] = steady_ms();
  if (!e) return fail(b0, "fetch from " + r.addr + " failed: " + e.error_message(), true);
  const auto* d = e->as<msg::BlockData>();
  if (!d || d->req != r.req) return fail(b0, "block server " + r.addr + " answered " + e->op + " out of turn", true);
  if (!d->error.empty()) {
    bool known = d->failed >= 0 && static_cast<size_t>(d->failed) < r.blocks.size();
    return fail(known ? blocks_[r.blocks[static_cast<size_t>(d->failed)]] : b0, d->error, !known);
  }
  if (e->blobs.size() != r.blocks.size()) return fail(b0, "block server " + r.addr + " sent the wrong number of blocks", true);
  for (size_t i = 0; i < r.blocks.size(); ++i) {
    const Block& b = blocks_[r.blocks[i]];
    if (static_cast<int64_t>(e->blobs[i].size()) != b.length) return fail(b, "block of " + b.path + " has the wrong length");
    replies_.push_back(std::move(e->blobs[i]));
  }
  return Status::ok();
}

Status ShuffleBlockReader::read_local(const Block& b) {
  int fd = ::open(b.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(b, "cannot open " + b.path + ": " + std::strerror(errno));
  seg_.resize(static_cast<size_t>(b.length));
  int64_t got = 0;
  while (got < b.length) {
    ssize_t n = ::pread(fd, seg_.data() + got, static_cast<size_t>(b.length - got), b.offset + got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += n;
  }
  ::close(fd);
  if (got != b.length) return fail(b, "short read of " + b.path);
  ++local_blocks_;
  return Status::ok();
}

Status ShuffleBlockReader::next_segment() {
  have_seg_ = false;
  // The previous reply is consumed once its last segment is: its bytes leave the window.
  if (front_received_ && replies_.empty()) {
    bytes_in_flight_ -= in_flight_.front().bytes;
    in_flight_.pop_front();
    front_received_ = false;
  }
  Status st = send_requests();
  if (!st) return st;
  if (!local_.empty()) {
    current_ = local_.front();
    local_.pop_front();
    st = read_local(blocks_[current_]);
    if (!st) return st;
  } else if (!in_flight_.empty()) {
    Request& r = in_flight_.front();
    if (!front_received_) {
      st = receive(r);
      if (!st) return st;
      front_received_ = true;
    }
    current_ = r.blocks[r.blocks.size() - replies_.size()];
    seg_ = std::move(replies_.front());
    replies_.pop_front();
    remote_bytes_ += static_cast<int64_t>(seg_.size());
    ++remote_blocks_;
  } else {
    return Status::ok();  // every block read
  }
  bytes_ += static_cast<int64_t>(seg_.size());
  pos_ = 0;
  have_seg_ = true;
  return Status::ok();
}

Result<bool> ShuffleBlockReader::next(std::string& out) {
  if (mode_ == Mode::kSorted) return sorter_.next_batch(out, sorted_flags_);
  if (mode_ == Mode::kStream) return next_record(out);
  if (mode_ == Mode::kDrain) {
    if (sorter_.next_batch(out, sorted_flags_)) return true;
    mode_ = Mode::kStream;
    out = std::move(held_);
    held_ = std::string();
    return true;
  }
  auto r = next_record(out);
  if (!r || !r.value()) return r;
  auto h = int_pairs_header(out);
  if (!h || !(h->flags & kPairsSort)) {
    mode_ = Mode::kStream;
    return true;
  }
  return sort_pairs(out);
}

Result<bool> ShuffleBlockReader::sort_pairs(std::string& first) {
  const uint8_t want = static_cast<uint8_t>(int_pairs_header(first)->flags & (kPairsSort | kPairsDesc));
  std::string rec = std::move(first);
  for (;;) {
    auto h = int_pairs_header(rec);
    if (!h || (h->flags & (kPairsSort | kPairsDesc)) != want ||
        sorter_.bytes() + 16 * static_cast<size_t>(h->n) > s_.native_sort_bytes) {
      // Python sorts: what was taken in goes out as it came, then this record, then the rest.
      held_ = std::move(rec);
      sorted_flags_ = want;
      mode_ = Mode::kDrain;
      return next(first);
    }
    sorter_.add(rec, *h);
    auto r = next_record(rec);
    if (!r) return r;
    if (!r.value()) break;
  }
  sorter_.sort(want & kPairsDesc);
  sorted_flags_ = static_cast<uint8_t>(want | kPairsSorted);
  mode_ = Mode::kSorted;
  return next(first);
}

Result<bool> ShuffleBlockReader::next_record(std::string& out) {
  if (!planned_) plan();
  for (;;) {
    if (!have_seg_ || pos_ >= seg_.size()) {
      Status st = next_segment();
      if (!st) return Result<bool>::error(st.message());
      if (!have_seg_) {
        if (remote_blocks_ > 0 && !logged_)
          LOG_INFO("executor", "shuffle " << shuffle_id_ << ": fetched " << remote_blocks_ << " remote shuffle block(s) (" << remote_bytes_
                                          << " bytes) from " << clients_.size() << " block server(s), read " << local_blocks_ << " local");
        logged_ = true;
        return false;
      }
      continue;
    }
    size_t used = 0;
    Status st = decode_shuffle_record(seg_.data() + pos_, seg_.size() - pos_, s_.checksum, out, used);
    if (!st) {
      const Block& b = blocks_[current_];
      return Result<bool>::error(fail(b, "corrupt shuffle block in " + b.path + " at offset " +
                                            std::to_string(b.offset + static_cast<int64_t>(pos_)) + ": " + st.message())
                                     .message());
    }
    pos_ += used;
    ++records_;
    return true;
  }
}

}  // namespace spp::executor

namespace spp::executor {

std::unique_ptr<InputReader> make_shuffle_reader(const plan::ShuffleSource& s, const ShuffleSettings& settings) {
  return std::make_unique<ShuffleBlockReader>(s, settings);
}

}  // namespace spp::executor
