// Python driver program <-> C++ driver messages: the pyspark-side requests (context, RDDs,
// jobs, storage, the DataFrame engine) and their replies. Part of messages.h (included from it,
// inside namespace spp::msg, after the shared message types): never include it directly.
#pragma once

namespace spp::msg {

// ---------------------------------------------------------------- Python driver <-> C++ driver
// The Python SparkContext talks to the C++ driver in the submit process over loopback,
// authenticated by SPARKPP_DRIVER_SECRET (the role Py4J plays in PySpark). Every request
// carries `req`; the reply carries the same `req`. Errors come back as PyError.

// Python -> driver: start the application (local executors or register with the master).
// Reply: PyContextInfo.
struct PyCreateContext {
  static constexpr const char* kOp = "PyCreateContext";
  int64_t req = 0;
  std::map<std::string, std::string> conf;
};
SPP_MSG(PyCreateContext, req, conf)

struct PyContextInfo {
  static constexpr const char* kOp = "PyContextInfo";
  int64_t req = 0;
  std::string app_id;
  std::string master;
  std::string app_name;
  int default_parallelism = 2;
  std::string ui_url;
  std::map<std::string, std::string> conf;
};
SPP_MSG(PyContextInfo, req, app_id, master, app_name, default_parallelism, ui_url, conf)

// Python -> driver: declare one RDD node of the lineage. Blobs depend on the kind (e.g. one
// pickled function for "python", one data blob per partition for "parallelize").
// Reply: PyDefined (with the partition count the driver computed, e.g. for text files).
struct PyDefineRdd {
  static constexpr const char* kOp = "PyDefineRdd";
  int64_t req = 0;
  int id = 0;
  std::string kind;  // parallelize | text_file | whole_text_files | python | union | coalesce | zip | shuffled
  std::vector<int> parents;
  int num_partitions = 0;  // as Python computed it; ignored for file sources
  nlohmann::json args;     // kind-specific; see docs/protocol.md "RDD nodes"
};
SPP_MSG(PyDefineRdd, req, id, kind, parents, num_partitions, args)

struct PyDefined {
  static constexpr const char* kOp = "PyDefined";
  int64_t req = 0;
  int id = 0;
  int num_partitions = 0;
};
SPP_MSG(PyDefined, req, id, num_partitions)

// Python -> driver: run a job computing `partitions` of RDD `rdd` (empty = all) into `sink`.
// Reply: PyJobResult, whose blobs are each partition's output frames, partition after
// partition (`counts[i]` blobs for partitions[i]); or PyError.
struct PyRunJob {
  static constexpr const char* kOp = "PyRunJob";
  int64_t req = 0;
  int rdd = 0;
  std::vector<int> partitions;
  nlohmann::json sink;  // {"kind":"result"} | {"kind":"text","path":P}
  std::string description;
  // The calling thread's local properties (sc.setLocalProperty): spark.jobGroup.id,
  // spark.job.description, spark.job.tags, spark.job.interruptOnCancel ... (PyCancelJobs, UI).
  std::map<std::string, std::string> properties;
};
SPP_MSG(PyRunJob, req, rdd, partitions, sink, description, properties)

struct PyJobResult {
  static constexpr const char* kOp = "PyJobResult";
  int64_t req = 0;
  int job_id = 0;
  std::vector<int> counts;
  bool accum_blobs = false;  // if true, one more blob per successful task: accumulator updates
  int num_accum_blobs = 0;
};
SPP_MSG(PyJobResult, req, job_id, counts, accum_blobs, num_accum_blobs)

// Python -> driver: sc.broadcast(v). Blob: the pickled value (the driver zstd-compresses it
// and ships it to each executor once). Reply: PyReply.
struct PyBroadcast {
  static constexpr const char* kOp = "PyBroadcast";
  int64_t req = 0;
  int64_t id = 0;
};
SPP_MSG(PyBroadcast, req, id)

// Python -> driver: Broadcast.unpersist() (executors drop their copies) or destroy() (the
// driver's copy too: later use fails the job). Reply: PyReply.
struct PyUnpersistBroadcast {
  static constexpr const char* kOp = "PyUnpersistBroadcast";
  int64_t req = 0;
  int64_t id = 0;
  bool destroy = false;
};
SPP_MSG(PyUnpersistBroadcast, req, id, destroy)

// Python -> driver: rdd.persist(level). `level`: {use_disk, use_memory, use_off_heap,
// deserialized, replication}. Reply: PyReply, or PyError(bad_request).
struct PyPersist {
  static constexpr const char* kOp = "PyPersist";
  int64_t req = 0;
  int rdd = 0;
  nlohmann::json level;
};
SPP_MSG(PyPersist, req, rdd, level)

// Python -> driver: rdd.unpersist(): the driver forgets the blocks, executors drop them.
// Reply: PyReply, or PyError(bad_request).
struct PyUnpersist {
  static constexpr const char* kOp = "PyUnpersist";
  int64_t req = 0;
  int rdd = 0;
};
SPP_MSG(PyUnpersist, req, rdd)

// Python -> driver: the driver program dropped these RDDs (Spark's ContextCleaner, driven by
// weak references in Python): their lineage nodes, cached blocks and, for shuffles, map outputs
// and files on the executors go. Unknown ids are ignored. Reply: PyReply.
struct PyForgetRdds {
  static constexpr const char* kOp = "PyForgetRdds";
  int64_t req = 0;
  std::vector<int> rdds;
};
SPP_MSG(PyForgetRdds, req, rdds)

// Python -> driver: the checkpoint job wrote RDD `rdd` to `path`/part-NNNNN; read it from
// there (its lineage is cut). Reply: PyReply, or PyError(bad_request).
struct PyCheckpointed {
  static constexpr const char* kOp = "PyCheckpointed";
  int64_t req = 0;
  int rdd = 0;
  std::string path;
};
SPP_MSG(PyCheckpointed, req, rdd, path)

// Python -> driver: sc.setLogLevel(level). Reply: PyReply, or PyError(bad_request).
struct PySetLogLevel {
  static constexpr const char* kOp = "PySetLogLevel";
  int64_t req = 0;
  std::string level;
};
SPP_MSG(PySetLogLevel, req, level)

// Python -> driver: sc.addPyFile(path) (also --py-files): shipped to every executor before
// its next task. Reply: PyReply, or PyError(bad_request).
struct PyAddPyFile {
  static constexpr const char* kOp = "PyAddPyFile";
  int64_t req = 0;
  std::string path;
};
SPP_MSG(PyAddPyFile, req, path)

// Python -> driver: sc.stop(). Running jobs fail (context_stopped), executors are stopped, the
// application leaves the master. Reply: PyReply.
struct PyStopContext {
  static constexpr const char* kOp = "PyStopContext";
  int64_t req = 0;
};
SPP_MSG(PyStopContext, req)

// Python -> driver: the DataFrame engine (docs/sql-engine.md "Requests on a plan"). `plan` is a
// Spark Connect Plan in proto3 JSON ({"root": Relation}); `plan_format` its version (1).
// Analysis errors come back as PyError with kind = the exception class (AnalysisException,
// ParseException, ...) and `details` {errorClass, messageParameters, sqlState}.
// Analyze: reply PyReply{value: {"schema": StructType JSON}}.
struct PySqlAnalyze {
  static constexpr const char* kOp = "PySqlAnalyze";
  int64_t req = 0;
  nlohmann::json plan;
  std::map<std::string, std::string> conf;  // the session's spark.sql.* settings (spark.conf.set)
  int plan_format = 1;
};
SPP_MSG(PySqlAnalyze, req, plan, conf, plan_format)

// Runs the plan natively and returns its rows: reply PySqlResult, whose blobs are serialized
// batches (SPB1, uncompressed), partition after partition.
struct PySqlExecute {
  static constexpr const char* kOp = "PySqlExecute";
  int64_t req = 0;
  nlohmann::json plan;
  std::map<std::string, std::string> conf;  // the session's spark.sql.* settings (spark.conf.set)
  int plan_format = 1;
  std::string description;  // the job's name in the UI ("collect at <file>:<line>")
  std::map<std::string, std::string> properties;  // the thread's local properties (PyRunJob)
};
SPP_MSG(PySqlExecute, req, plan, conf, plan_format, description, properties)

struct PySqlResult {
  static constexpr const char* kOp = "PySqlResult";
  int64_t req = 0;
  nlohmann::json schema;  // StructType JSON of the rows
  int num_batches = 0;
};
SPP_MSG(PySqlResult, req, schema, num_batches)

// explain(mode): reply PyReply{value: {"text": ...}}. mode: simple | extended.
struct PySqlExplain {
  static constexpr const char* kOp = "PySqlExplain";
  int64_t req = 0;
  nlohmann::json plan;
  std::map<std::string, std::string> conf;  // the session's spark.sql.* settings (spark.conf.set)
  std::string mode;
};
SPP_MSG(PySqlExplain, req, plan, conf, mode)

// A Connect Command ({"command": ...}: temp views, sqlCommand = spark.sql text); reply PyReply{value:
// null, or for sqlCommand {"query": true} / {"schema", "rows"} / {"set": …}}.
struct PySqlCommand {
  static constexpr const char* kOp = "PySqlCommand";
  int64_t req = 0;
  nlohmann::json command;
};
SPP_MSG(PySqlCommand, req, command)

// Python -> driver: cancel jobs. `scope` all (sc.cancelAllJobs, Ctrl-C during an action) |
// group (sc.cancelJobGroup(id)) | tag (sc.cancelJobsWithTag(id)) | job (id: the job id). Their
// running tasks are killed; each job fails with Spark's "Job N cancelled ..." message.
// Reply: PyReply{value: the ids of the jobs cancelled}.
struct PyCancelJobs {
  static constexpr const char* kOp = "PyCancelJobs";
  int64_t req = 0;
  std::string scope;
  std::string id;
};
SPP_MSG(PyCancelJobs, req, scope, id)

// Python -> driver: sc.statusTracker() (answered from the application's status store).
// `what`: job_ids_for_group {group: string|null} -> [job ids] | active_job_ids -> [ids] |
// active_stage_ids -> [ids] | job_info {job} -> {jobId, stageIds, status} or null |
// stage_info {stage} -> {stageId, currentAttemptId, name, numTasks, numActiveTasks,
// numCompletedTasks, numFailedTasks} or null. Reply: PyReply{value}.
struct PyStatusQuery {
  static constexpr const char* kOp = "PyStatusQuery";
  int64_t req = 0;
  std::string what;
  nlohmann::json args;
};
SPP_MSG(PyStatusQuery, req, what, args)

// Python -> driver: sc.addFile(path) / sc.addArchive(path) (also --files, --archives,
// spark.files, spark.archives): shipped to every executor before its next task, into its
// working directory (SparkFiles). `name` is the name there (an archive's `#alias`, else the
// file name). Reply: PyReply, or PyError(bad_request).
struct PyAddFile {
  static constexpr const char* kOp = "PyAddFile";
  int64_t req = 0;
  std::string path;
  std::string name;
  bool archive = false;
};
SPP_MSG(PyAddFile, req, path, name, archive)

// Python -> driver, tests only: reads driver state that has no public API. Answered only when
// spark.sparkpp.test.debugQueries is true, else PyError(bad_request). `what`: "executors"
// (value: [{id, host, cores}]) | "broadcast_stats" (args {id}; value: {sends, bytes}).
struct PyDebugQuery {
  static constexpr const char* kOp = "PyDebugQuery";
  int64_t req = 0;
  std::string what;
  nlohmann::json args;
};
SPP_MSG(PyDebugQuery, req, what, args)

// Driver -> Python: the reply to the requests above; `value` is null except for PyDebugQuery.
struct PyReply {
  static constexpr const char* kOp = "PyReply";
  int64_t req = 0;
  nlohmann::json value;
};
SPP_MSG(PyReply, req, value)

// Driver -> Python: a request failed. `kind` is job_failed | bad_request | context_stopped, or
// for the SQL engine the exception class (AnalysisException, ...) with `details` {errorClass,
// messageParameters, sqlState}.
struct PyError {
  static constexpr const char* kOp = "PyError";
  int64_t req = 0;
  std::string kind;
  std::string message;
  nlohmann::json details;
};
SPP_MSG(PyError, req, kind, message, details)

}  // namespace spp::msg
