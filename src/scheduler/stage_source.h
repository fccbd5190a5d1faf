// What the DAG scheduler needs to know about a computation, and nothing else. The RDD lineage
// (driver/rdd_graph) implements it today; a SQL physical plan implements it next. A "node" is
// whatever the source's tasks compute partitions of; a "shuffle" is a wide dependency, named
// by an id unique within the source.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "scheduler/map_output_tracker.h"

namespace spp::scheduler {

// The opaque part of a task: the source builds it, the scheduler hands it to the shell, which
// asks the same source to ship it. The scheduler never looks inside.
struct TaskBody {
  virtual ~TaskBody() = default;
};

struct ShuffleDep {
  int map_node = 0;    // the node whose partitions the map tasks compute
  int num_reduce = 0;  // reduce partitions (partitions of the shuffled node)
};

// The resource profile a stage's tasks run with (rdd.withResources): Spark's
// TaskResourceProfile, which standalone honours with dynamic allocation off. id 0 is the
// default profile (spark.task.cpus, spark.task.resource.*); `error` fails the job (several
// profiles in one stage).
struct StageProfile {
  int id = 0;
  int cpus = 0;                              // task cpus; 0: spark.task.cpus
  std::map<std::string, double> resources;   // task resource name -> amount
  std::string error;
};

class StageSource {
 public:
  virtual ~StageSource() = default;
  // -1 when the node is unknown.
  virtual int num_partitions(int node) const = 0;
  // The shuffles a task computing a partition of `node` reads: reachable from `node` through
  // narrow dependencies only, in discovery order. Stages are cut here.
  virtual std::vector<int> shuffle_deps(int node) const = 0;
  // The last of shuffle_deps(node) starts only once the others exist (the scheduler otherwise
  // starts every missing input at once): a SQL stage that may switch a join to a broadcast at
  // run time computes that input inside its own tasks if the others turn out small.
  virtual bool last_dep_waits(int /*node*/) const { return false; }
  virtual ShuffleDep shuffle(int shuffle_id) const = 0;
  // Executors holding data that computing `partition` of `node` reads first (cached blocks),
  // for delay scheduling. Empty: no preference.
  virtual std::vector<std::string> preferred_executors(int node, int partition) const = 0;
  // The task computing `partition` of `node`; shuffle inputs are located through `outputs`
  // (complete when asked). An error aborts the job with its message.
  virtual Result<std::shared_ptr<const TaskBody>> build_task(int node, int partition,
                                                             const MapOutputTracker& outputs) const = 0;
  // For stage names in the UI: "RDD 3", "Exchange 2", ...
  virtual std::string describe(int node) const = 0;
  // The name of the shuffle map stage computing `node` (Spark: its RDD's creation site, e.g.
  // "reduceByKey at job.py:12"); by default "shuffle map (<describe>)".
  virtual std::string map_stage_name(int node) const { return "shuffle map (" + describe(node) + ")"; }
  // The profile of the stage computing `node` (the RDDs reachable through narrow dependencies).
  virtual StageProfile stage_profile(int /*node*/) const { return {}; }
};

}  // namespace spp::scheduler
