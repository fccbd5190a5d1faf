// A BatchEvalPython's conversation with its pooled Python worker.
#include "executor/python_udf_runner.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <mutex>

#include "common/frame.h"
#include "executor/udf_shm.h"
#include "sql/columnar/serde.h"

namespace spp::executor {

namespace {

namespace col = sql::col;
using udf_shm::kInHalf;
using udf_shm::kRegion;
using udf_shm::kResultSlot;
using udf_shm::kBatchesPerRead;

// Shared regions of runners that ended cleanly, kept for the next ones: a fresh memfd costs a
// page fault and a zeroed page for every 4 KiB both processes touch, every task (~1,000 faults
// per 10 M-row pandas UDF query here); a kept one is already backed, and a worker that mapped
// it before keeps its mapping (sql/_shm.py). At most kKeptRegions (their touched pages: the
// batches of two PwInputs and their results, ~3 MiB for a bigint column).
struct Region {
  int fd = -1;
  void* mem = nullptr;
  size_t max_in = 0, max_result = 0;  // the most bytes of a half / a result slot ever written
};
constexpr size_t kKeptRegions = 4;
// A region whose batches touched more than this is not kept: the memory it holds while the
// executor idles stays small (a 10 M-row bigint UDF query touches ~2.6 MiB of one).
constexpr size_t kKeptTouchedMax = 8u << 20;
std::mutex g_regions_mu;
std::vector<Region> g_regions;

void drop_region(Region r) {
  if (r.mem) ::munmap(r.mem, kRegion);
  if (r.fd >= 0) ::close(r.fd);
}

class PoolUdfRunner final : public sql::exec::PythonUdfRunner {
 public:
  PoolUdfRunner(RunningTask& t, const TaskEnv& env, std::unique_ptr<PythonWorker> w, int per_read)
      : t_(t), env_(env), w_(std::move(w)), per_read_(per_read) {}
  ~PoolUdfRunner() override {
    if (w_ && !done_ && !broken_ && !t_.killed) drain();
    // Kept only after a clean PwDone: a worker that did not finish may still write into it.
    if (region_ && done_ && !broken_ && 2 * max_in_ + udf_shm::kResultSlots * max_result_ <= kKeptTouchedMax) {
      std::lock_guard<std::mutex> lock(g_regions_mu);
      if (g_regions.size() < kKeptRegions) {
        g_regions.push_back({region_fd_, region_, max_in_, max_result_});
        region_ = nullptr;
        region_fd_ = -1;
      }
    }
    drop_region({region_fd_, region_, 0, 0});
    t_.worker_pid = 0;
    // Reusable only after a clean PwDone: anything else may leave messages in flight.
    if (w_) env_.pool->release(std::move(w_), done_ && !t_.killed);
  }

  Status start(const nlohmann::json& program, const std::vector<int64_t>& funcs) {
    t_.worker_pid = w_->pid;
    if (t_.killed) ::kill(w_->pid, SIGKILL);
    msg::PwTask pt = pw_task(t_, env_);
    pt.plan = {{"op", "udf"}, {"input", 0}, {"program", program}};
    const int et = program.value("evalType", 100);
    // Streaming programs (docs/protocol.md "Shared-memory batches"); the others send one
    // group per PwRead, which may be bigger than a half.
    if ((et == 100 || et == 200 || et == 204 || et == 205) && offer_region())
      pt.plan["shm"] = {{"path", "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(region_fd_)},
                        {"size", kRegion}, {"inHalf", kInHalf}, {"outSlot", kResultSlot}, {"outSlots", udf_shm::kResultSlots}};
    pt.sink = "sqlbatch";
    std::vector<std::string> blobs;
    for (int64_t id : funcs) {
      if (w_->funcs.count(id)) continue;
      auto f = env_.funcs->get(id);
      if (!f) return Status::error("Python function " + std::to_string(id) + " was never sent to this executor");
      pt.new_funcs.push_back(id);
      blobs.push_back(*f);
      w_->funcs.insert(id);
    }
    return w_->ch->send(pt, blobs);
  }

  Result<std::optional<col::Batch>> next_parts(const sql::exec::PythonArgsInput& pull) override {
    using R = Result<std::optional<col::Batch>>;
    if (!results_.empty()) return next_result();
    while (!done_) {
      auto r = w_->ch->recv();
      if (!r) return R(crashed(Status::error(r.error_message())));
      msg::Envelope& e = r.value();
      if (e.as<msg::PwRead>()) {
        std::vector<sql::exec::PythonArgs> batches;
        bool end = false;
        while (static_cast<int>(batches.size()) < per_read_) {
          auto in = pull();
          if (!in) {  // the input failed: the worker is left mid-task
            broken_ = true;
            return R(in.status());
          }
          if (!in.value()) {
            end = true;
            break;
          }
          batches.push_back(std::move(*in.value()));
        }
        if (Status s = send_input(batches, end); !s) return R(crashed(s));
      } else if (e.as<msg::PwOutput>()) {
        if (auto ack = region_ && !acked_ && e.blobs.size() == 1 ? udf_shm::parse_ack(e.blobs[0]) : std::nullopt) {
          acked_ = true;  // the worker's answer to the offer, before its first PwRead
          shared_ = *ack;
          continue;
        }
        if (e.blobs.empty()) {
          broken_ = true;
          return R::error("the Python worker's PwOutput carries no result batch");
        }
        // One PwOutput per PwInput's results: returned one by one, each decoded when it is
        // asked for (the slots they name stay the worker's until the next PwInput).
        for (auto& blob : e.blobs) results_.push_back(std::move(blob));
        return next_result();
      } else if (e.as<msg::PwDone>()) {
        done_ = true;
      } else {
        broken_ = true;
        if (const auto* pe = e.as<msg::PwError>())
          return R::error(pe->traceback.empty() ? pe->error_type + ": " + pe->message : "PythonException: " + pe->traceback);
        return R::error("unexpected " + e.op + " from the Python worker");
      }
    }
    return std::optional<col::Batch>();
  }

 private:
  // The oldest result batch of the last PwOutput, decoded: in the region where the worker put
  // it (a reference), else inline.
  Result<std::optional<col::Batch>> next_result() {
    using R = Result<std::optional<col::Batch>>;
    const std::string blob = std::move(results_.front());
    results_.pop_front();
    bool in_region = false;
    auto data = udf_shm::result_bytes(blob, shared_ ? static_cast<const char*>(region_) : nullptr, &in_region);
    if (!data) {
      broken_ = true;
      return R::error("the Python worker's result batch: " + data.error_message());
    }
    // In the region: decoded where it is by the decoder for memory the worker could still
    // write (it checks private copies and reads each buffer once, into the batch's own).
    if (in_region) max_result_ = std::max<size_t>(max_result_, data.value().size());
    size_t used = 0;
    auto b = in_region ? col::deserialize_shared(data.value(), &used) : col::deserialize(data.value(), &used);
    if (!b) {
      broken_ = true;
      return R::error("the Python worker's result batch: " + b.error_message());
    }
    return std::optional<col::Batch>(std::move(b.value()));
  }

  // Dropped before the end (a limit above had its rows): end the worker's task so it can be
  // reused — only when that is quick (it asks for input next); else it is not reused.
  void drain() {
    // The worker asks for the next input ahead: results, a PwRead, the last results, PwDone.
    for (int budget = 4 * per_read_ + 8; budget > 0 && !done_; --budget) {
      auto r = w_->ch->recv(1000);
      if (!r) return;
      if (r.value().as<msg::PwRead>()) {
        msg::PwInput m;
        m.input = 0;
        m.format = "sqlbatch";
        m.end = true;
        if (!w_->ch->send(m)) return;
      } else if (r.value().as<msg::PwDone>()) {
        done_ = true;
      } else if (!r.value().as<msg::PwOutput>()) {
        return;
      }
    }
  }

  // The shared region for a scalar program: a memfd the worker opens through /proc (nothing to
  // clean up whatever happens to either process). False: none (the batches travel inline).
  bool offer_region() {
    {
      std::lock_guard<std::mutex> lock(g_regions_mu);
      if (!g_regions.empty()) {
        region_fd_ = g_regions.back().fd;
        region_ = g_regions.back().mem;
        max_in_ = g_regions.back().max_in;  // its pages stay backed: counted as touched
        max_result_ = g_regions.back().max_result;
        g_regions.pop_back();
        return true;
      }
    }
    region_fd_ = ::memfd_create("sparkpp-udf", MFD_CLOEXEC);
    if (region_fd_ < 0) return false;
    if (::ftruncate(region_fd_, kRegion) == 0) {
      void* p = ::mmap(nullptr, kRegion, PROT_READ | PROT_WRITE, MAP_SHARED, region_fd_, 0);
      if (p != MAP_FAILED) {
        region_ = p;
        return true;
      }
    }
    ::close(region_fd_);
    region_fd_ = -1;
    return false;
  }

  // PwInput with the batches, each serialized straight into its blob frame of one reused
  // buffer (no blob string of its own, no copy into the message); with a shared region,
  // straight into this PwInput's half of it, the blobs being references (a batch too big for
  // it inline).
  Status send_input(const std::vector<sql::exec::PythonArgs>& batches, bool end) {
    msg::PwInput m;
    m.input = 0;
    m.format = shared_ ? "sqlshm" : "sqlbatch";
    m.end = end;
    out_.clear();
    out_ += msg::encode_header(msg::PwInput::kOp, nlohmann::json(m), batches.size());
    const size_t half = (inputs_++ % 2) * kInHalf;
    size_t used = 0;
    for (const auto& b : batches) {
      const size_t at = out_.size();
      out_.append(kFrameHeader, '\0');
      // Straight into the region when it fits (one pass over the values), else inline.
      const size_t len = shared_ ? col::serialize_to(b, static_cast<char*>(region_) + half + used, kInHalf - used) : 0;
      if (len > 0) {
        out_ += udf_shm::encode_ref(half + used, len);
        used += (len + 7) & ~size_t{7};
        max_in_ = std::max(max_in_, used);
      } else {
        col::serialize(b.size() == 1 ? b[0] : col::concat(b), out_);
      }
      const uint32_t n = static_cast<uint32_t>(out_.size() - at - kFrameHeader + 1);  // kind + payload
      out_[at] = static_cast<char>(n >> 24);
      out_[at + 1] = static_cast<char>(n >> 16);
      out_[at + 2] = static_cast<char>(n >> 8);
      out_[at + 3] = static_cast<char>(n);
      out_[at + 4] = kFrameBlob;
    }
    Status s = w_->ch->write_all(out_);
    if (out_.capacity() > (8u << 20)) std::string().swap(out_);  // an odd huge batch: not kept
    return s;
  }

  Status crashed(const Status& s) {
    broken_ = true;
    if (t_.killed) return Status::error("task killed");
    return Status::error("Python worker exited unexpectedly (crashed): " + s.message());
  }

  RunningTask& t_;
  const TaskEnv& env_;
  std::unique_ptr<PythonWorker> w_;
  const int per_read_;  // argument batches sent per PwRead
  std::string out_;     // the PwInput being written, reused
  std::deque<std::string> results_;  // result blobs of the last PwOutput not returned yet
  int region_fd_ = -1;  // the shared region (a memfd) offered to the worker, if any
  void* region_ = nullptr;
  bool acked_ = false;   // the worker answered the offer
  bool shared_ = false;  // ... and mapped the region: batches go through it
  uint64_t inputs_ = 0;  // PwInputs sent (their halves alternate)
  size_t max_in_ = 0, max_result_ = 0;  // the most bytes of a half / a result slot written (ever, for a kept region)
  bool done_ = false;
  bool broken_ = false;  // the conversation failed: the worker is not reused
};

}  // namespace

sql::exec::PythonUdfFactory python_udf_factory(RunningTask& t, const TaskEnv& env) {
  return [&t, &env](const nlohmann::json& program, const std::vector<int64_t>& funcs)
             -> Result<std::unique_ptr<sql::exec::PythonUdfRunner>> {
    using R = Result<std::unique_ptr<sql::exec::PythonUdfRunner>>;
    if (!env.pool) return R::error("this executor has no Python workers");
    auto w = env.pool->acquire(program.value("evalType", 100) != 100 ? Preload::pandas : Preload::sql);
    if (!w) return R::error(w.error_message());
    // Streaming programs (scalar UDFs, iterator UDFs, mapInPandas) take several argument
    // batches per message: one wake-up and round trip of each side per kBatchesPerRead
    // batches; the function still sees batches of maxRecordsPerBatch rows.
    const int et = program.value("evalType", 100);
    const int per_read = et == 100 || et == 200 || et == 204 || et == 205 ? kBatchesPerRead : 1;
    auto runner = std::make_unique<PoolUdfRunner>(t, env, std::move(w.value()), per_read);
    if (Status s = runner->start(program, funcs); !s) return R(s);
    return R(std::unique_ptr<sql::exec::PythonUdfRunner>(std::move(runner)));
  };
}

}  // namespace spp::executor
