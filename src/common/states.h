// State enums shared across processes (they appear on the wire, in /json and in logs as strings).
#pragma once
#include <string>
#include <string_view>

namespace spp {

enum class WorkerState {
  kAlive,    // registered and heartbeating
  kDead,     // silent past spark.worker.timeout or disconnected; its executors are LOST
  kUnknown,  // seen before a master restart, not yet heard from again
};

enum class AppState {
  kWaiting,   // registered, waiting for (more) executors
  kRunning,   // has at least one executor allocated
  kFinished,  // driver unregistered or disconnected cleanly
  kFailed,    // executor retries exhausted
  kKilled,    // killed by a user (UI / CLI)
};

enum class ExecutorState {
  kLaunching,  // asked of a worker, process not yet started
  kRunning,    // process started
  kExited,     // process ended by itself (exit code recorded)
  kFailed,     // could not be launched, or exited abnormally
  kKilled,     // killed on request (app end, kill, worker shutdown)
  kLost,       // its worker died or vanished
};

// Spark's DriverState: a cluster-mode driver (spark-submit --deploy-mode cluster).
enum class DriverState {
  kSubmitted,   // accepted by the master, waiting for a worker with its cores and memory
  kRunning,     // launched on a worker
  kFinished,    // exited with code 0
  kRelaunching, // --supervise: exited non-zero (or its worker died), started again
  kUnknown,     // recovered by a master, not yet heard from again
  kKilled,      // killed on request (spark-submit --kill)
  kFailed,      // exited non-zero
  kError,       // could not be started, or its worker died (without --supervise)
};

inline bool is_finished(DriverState s) {
  return s == DriverState::kFinished || s == DriverState::kKilled || s == DriverState::kFailed ||
         s == DriverState::kError;
}

inline bool is_finished(ExecutorState s) {
  return s != ExecutorState::kLaunching && s != ExecutorState::kRunning;
}

const char* to_string(WorkerState s);
const char* to_string(AppState s);
const char* to_string(ExecutorState s);
bool parse_executor_state(std::string_view s, ExecutorState& out);
const char* to_string(DriverState s);
bool parse_driver_state(std::string_view s, DriverState& out);

}  // namespace spp
