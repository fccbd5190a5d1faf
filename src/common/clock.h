// Injectable time. State machines take `now` from a Clock so tests advance time by hand.
#pragma once
#include <chrono>
#include <cstdint>

namespace spp {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds on a monotonic scale (not wall time).
  virtual int64_t now_ms() const = 0;
  // Milliseconds since the Unix epoch, for display (timestamps in UI/JSON).
  virtual int64_t wall_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch()).count();
  }
  int64_t wall_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch()).count();
  }
};

// Test clock: time moves only when advance() is called.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms = 1'000'000) : now_(start_ms) {}
  int64_t now_ms() const override { return now_; }
  int64_t wall_ms() const override { return 1'700'000'000'000 + now_; }
  void advance(int64_t ms) { now_ += ms; }
 private:
  int64_t now_;
};

}  // namespace spp
