// One SQL stage task (a `native` task plan) on a task thread: the fragment is lowered to the
// columnar operators of src/sql/exec and drained into the sink — serialized batches for the
// driver, or a shuffle map output routed by the stage's output partitioning. No Python.
#pragma once
#include <cstdint>
#include <vector>

#include "common/task_plan.h"
#include "executor/task_runner.h"

namespace spp::executor {

TaskOutcome run_native_task(RunningTask& t, const TaskEnv& env, const plan::NativeOp& op, const plan::Sink& sink);

// Spark's RoundRobinPartitioning: map partition `map_partition` starts at
// java.util.Random(byteswap32(map_partition)).nextInt(num) and deals rows out from there.
int round_robin_start(int map_partition, int num);

}  // namespace spp::executor
