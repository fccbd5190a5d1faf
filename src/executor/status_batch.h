// When an executor sends its finished tasks' StatusUpdates: at once, or held back to leave
// together. Pure logic (no I/O, no clock of its own); the executor calls it under its task mutex.
//
// Why: with executor queues (spark.sparkpp.scheduler.queuedTasksPerCore) a core that finishes a
// tiny task starts the next queued one at once, so the driver need not hear of each end at
// once. Held while every task thread still has `slack` queued tasks to start, the updates of
// several tasks leave in one write: the driver wakes once for them and answers with the
// refill's launches in one write (its executor connection coalesces each loop turn's sends),
// and the executor's loop wakes once per batch instead of twice per task.
//
// Rules (add): a failed or killed task, or nothing left to hold for (queued <= slack per
// thread), sends everything held plus it; so do `max_updates` held updates or `max_bytes` of
// held blobs. tick() (the executor's timer, every `max_hold_ms` while tasks are queued or
// updates held) sends what has waited that long, so a long task queued behind short ones
// delays nobody's update by more than that. Order is kept: updates leave in the order tasks ended.
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace spp::executor {

struct StatusBatchConf {
  int max_updates = 16;           // spark.sparkpp.executor.statusBatchSize; <= 1: never hold
  int64_t max_hold_ms = 5;        // spark.sparkpp.executor.statusBatchDelay
  int64_t max_bytes = 1 << 20;    // held result bytes
  int slack = 2;                  // queued tasks per task thread that must remain to hold
};

template <typename T>
class StatusBatch {
 public:
  explicit StatusBatch(StatusBatchConf c = {}) : conf_(c) {}
  void set_conf(const StatusBatchConf& c) { conf_ = c; }
  const StatusBatchConf& conf() const { return conf_; }

  // A task ended. `finished`: FINISHED (others never wait); `bytes`: its result blobs' size;
  // `queued`: tasks waiting for a task thread now; `threads`: the executor's task threads.
  // Returns the updates to send now, oldest first (often none).
  std::vector<T> add(T item, bool finished, int64_t bytes, size_t queued, int threads, int64_t now_ms) {
    if (held_.empty()) first_ms_ = now_ms;
    held_.push_back(std::move(item));
    bytes_ += bytes;
    const bool hold = finished && may_hold(queued, threads) && static_cast<int>(held_.size()) < conf_.max_updates &&
                      bytes_ < conf_.max_bytes && now_ms - first_ms_ < conf_.max_hold_ms;
    if (hold) return {};
    return take();
  }

  // Whether a task ending with `queued` tasks waiting could be held (add()'s queue rule).
  bool may_hold(size_t queued, int threads) const {
    return conf_.max_updates > 1 && queued > static_cast<size_t>(conf_.slack) * static_cast<size_t>(threads < 1 ? 1 : threads);
  }

  // The timer: what has been held for max_hold_ms or more (everything held, then).
  std::vector<T> tick(int64_t now_ms) {
    if (held_.empty() || now_ms - first_ms_ < conf_.max_hold_ms) return {};
    return take();
  }

  // Everything held, e.g. when the executor stops.
  std::vector<T> take() {
    bytes_ = 0;
    return std::exchange(held_, {});
  }
  size_t held() const { return held_.size(); }

 private:
  StatusBatchConf conf_;
  std::vector<T> held_;
  int64_t bytes_ = 0;
  int64_t first_ms_ = 0;  // when the oldest held update's task ended
};

}  // namespace spp::executor
