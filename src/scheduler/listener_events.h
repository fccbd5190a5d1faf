// Listener events (Spark's SparkListener* events, which Spark also defines in its scheduler
// package): what happened to an application, each defined once. The DAG scheduler emits the
// stage and task events as effects; the driver posts those and the rest to the UI's
// ListenerBus (src/ui/listener_bus.h), where the status store and the event-log writer consume
// the same values. The event log's JSON is written and read only in src/ui/event_json.cpp.
//
// Times are wall-clock epoch milliseconds. Field order is the order tests construct them in.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/messages.h"

namespace spp::scheduler {

struct ApplicationStartEvent {
  std::string app_id, app_name, user;
  int64_t time = 0;
};
struct ApplicationEndEvent {
  int64_t time = 0;
};
// The application's settings; ListenerBus::post redacts secrets before any listener sees them.
struct EnvironmentUpdateEvent {
  std::map<std::string, std::string> properties;
  // Spark's "Runtime Information" (its JVM Information): Python Version, Python Executable,
  // sparkpp Version / Build / Executable, Working Directory...
  std::map<std::string, std::string> runtime;
};
// One stage of a job's graph as known at its start (Spark's StageInfo in SparkListenerJobStart).
struct JobStageInfo {
  int stage_id = 0;
  std::string name;
  int num_tasks = 0;
};
struct JobStartEvent {
  int job_id = 0;
  std::string description;
  int64_t time = 0;
  nlohmann::json lineage;  // the job's RDD graph for the DAG picture: {"rdd":N,"nodes":[...]}
  int64_t sql_exec = -1;   // the SQL execution the job runs for (spark.sql.execution.id), -1: none
  // Every stage of the job, parents first, including those whose output already exists (the
  // job skips them, as Spark's "skipped" stages).
  std::vector<JobStageInfo> stages;
};
struct JobEndEvent {
  int job_id = 0;
  bool succeeded = false;
  std::string reason;  // why it failed; "" when it succeeded
  int64_t time = 0;
};
struct StageSubmittedEvent {
  int stage_id = 0, attempt = 0, job_id = 0;
  std::string name;
  int num_tasks = 0;
  int node = 0;  // the stage's node in its StageSource (the RDD id for RDD jobs)
  int64_t time = 0;
  int resource_profile_id = 0;  // rdd.withResources; 0: the default profile
};
struct StageCompletedEvent {
  int stage_id = 0, attempt = 0;
  std::string status;  // COMPLETE | FAILED
  std::string reason;
  int64_t time = 0;
};
struct TaskStartEvent {
  int64_t task_id = 0;
  int stage_id = 0, stage_attempt = 0, index = 0, attempt = 0, partition = 0;
  std::string exec_id, host;
  int64_t time = 0;
  bool speculative = false;
};
struct TaskEndEvent {
  int64_t task_id = 0;
  std::string state;  // FINISHED | FAILED | KILLED
  msg::TaskMetrics metrics;
  std::string error;
  int64_t time = 0;
};
struct ExecutorAddedEvent {
  std::string exec_id, host;
  int cores = 0;
  int64_t time = 0;
  std::map<std::string, std::string> log_urls;  // {"stdout": URL, "stderr": URL} or empty (local mode)
  int64_t max_memory = 0;  // bytes its block manager may cache (executor memory x spark.memory.fraction)
};
struct ExecutorRemovedEvent {
  std::string exec_id, reason;
  int64_t time = 0;
};
// A DataFrame query (Spark's SparkListenerSQLExecutionStart/End): its description (call site or
// SQL text), the `== Physical Plan ==` text and the executed plan's graph (sql::plan_graph:
// {"nodes":[{nodeId,nodeName,desc,stage}],"edges":[{fromId,toId}],"baseNode"}).
struct SqlExecutionStartEvent {
  int64_t exec_id = 0;
  std::string description, plan_text;
  nlohmann::json graph;
  int64_t time = 0;
};
struct SqlExecutionEndEvent {
  int64_t exec_id = 0;
  std::string error;  // "" when it succeeded
  int64_t time = 0;
};
// Ours (Spark sends SQL metrics as accumulator updates inside TaskEnd): one finished task's
// per-operator metrics, rows of [nodeId, rows, timeNs, spillBytes, peakMemory].
struct SqlTaskMetricsEvent {
  int64_t exec_id = 0, task_id = 0;
  int stage_id = 0, stage_attempt = 0;
  std::vector<std::vector<int64_t>> rows;  // each of five (msg::StatusUpdate::sql_metrics)
};

// Cached RDDs (the Storage tab). Ours: Spark posts an RDD's RDDInfo with the stages using it.
struct RddPersistedEvent {
  int rdd = 0;
  std::string name;  // Spark's RDD name (PythonRDD, ParallelCollectionRDD, the file path, ...)
  int num_partitions = 0;
  std::string storage_level;  // Spark's description: "Memory Serialized 1x Replicated"
};
// Spark's SparkListenerUnpersistRDD.
struct RddUnpersistedEvent {
  int rdd = 0;
};
// Spark's SparkListenerBlockUpdated for an RDD block: its size on one executor now; both sizes
// 0 when the executor dropped it.
struct BlockUpdatedEvent {
  std::string exec_id, host;
  int rdd = 0, partition = 0;
  int64_t mem_bytes = 0, disk_bytes = 0;
};

// Spark's SparkListenerResourceProfileAdded: the default profile (id 0) at the start, then each
// profile a job's RDDs carry (rdd.withResources). Amounts by resource name ("cores", "memory"
// in MiB, "cpus", custom resources).
struct ResourceProfileAddedEvent {
  int id = 0;
  std::map<std::string, double> executor, task;
};

using ListenerEvent = std::variant<ApplicationStartEvent, ApplicationEndEvent, EnvironmentUpdateEvent, JobStartEvent, JobEndEvent,
                                   StageSubmittedEvent, StageCompletedEvent, TaskStartEvent, TaskEndEvent, ExecutorAddedEvent,
                                   ExecutorRemovedEvent, SqlExecutionStartEvent, SqlExecutionEndEvent, SqlTaskMetricsEvent,
                                   RddPersistedEvent, RddUnpersistedEvent, BlockUpdatedEvent, ResourceProfileAddedEvent>;

}  // namespace spp::scheduler
