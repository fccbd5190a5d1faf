// The message catalog: every message any sparkpp process sends, defined once, grouped by
// direction. Each entry says who sends it, who handles it and what reply it expects.
//
// On the wire a message is one 'J' frame {"v":kProtocolVersion,"op":<name>,"blobs":K,"body":{..}}
// followed by K 'B' frames (see frame.h). decode() checks the version, the op and every field;
// anything malformed is refused and the connection that sent it is closed.
//
// Rules: op names are never reused; adding a field means bumping kProtocolVersion; bulk bytes
// (pickles, partition data, results) are blobs, never JSON strings.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace nlohmann {
// Optional fields are present on the wire as null; a missing key is still an error.
template <typename T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& o) {
    if (o) j = *o; else j = nullptr;
  }
  static void from_json(const json& j, std::optional<T>& o) {
    if (j.is_null()) o.reset(); else o = j.get<T>();
  }
};
}  // namespace nlohmann

namespace spp::msg {

using json = nlohmann::json;

#define SPP_MSG(Type, ...)                                         \
  NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Type, __VA_ARGS__)

// ---------------------------------------------------------------- handshake (every connection)
// Versioning policy: kProtocolVersion is bumped whenever any message below changes (a field
// added, removed, retyped or re-meant). Peers of different versions never talk: the accepting
// side refuses the Hello with HelloRefused naming both versions and both builds, and the
// connecting side refuses a HelloAck of another version likewise, so a mixed-version cluster
// fails at connect time with a clear message instead of at the first changed field.
// For that to work across versions the three handshake messages are decoded whatever the
// envelope's "v" and their fields beyond `role` and `proto` may be absent: their shape may only
// ever grow. (History: 1 = first release; 2 = builds in the handshake, HelloRefused; 3 = the
// DataFrame engine: PySql* messages, PyError details, `native` task plans; 4 = mutual
// challenge-response authentication: Hello.nonce, HelloChallenge, HelloProof; 5 =
// RegisterApplicationFailed; 6 = typed StatusUpdate: enum state/error kind, map output, fetch
// failure and SQL metrics as fields instead of free JSON; 7 = encryption: Hello.crypto,
// HelloChallenge.crypto, sealed 'E' records after the handshake; 8 = job properties on
// PyRunJob/PySqlExecute/PySqlCommand, PyCancelJobs, PyStatusQuery, PyAddFile, AddFile; the ContextCleaner:
// PyForgetRdds, RemoveShuffle; 9 = MapOutputInfo's offsets as packed `lengths`, a shuffle input's
// blocks in columns in task plans; 10 = cluster deploy mode: RequestSubmitDriver, LaunchDriver,
// DriverStateChanged ..., WorkerLatestState.drivers; 11 = PwTask.more.)
constexpr int kProtocolVersion = 11;
const char* build_id();  // "sparkpp 0.1.0 (<git describe>)"; see build_id.cpp.in

// Connecting side -> accepting side, first message on every connection. With authentication
// (common/auth.h) `nonce` is the connector's fresh challenge and the reply is HelloChallenge;
// without, the reply is HelloAck. Either way HelloRefused (then close) says why not.
struct Hello {
  static constexpr const char* kOp = "Hello";
  std::string role;  // worker | app | executor | pydriver | pyworker | cli
  int proto = kProtocolVersion;
  std::string name;  // free text for logs: worker id, app name, pid ...
  // Only the loopback Python-program link uses it: the per-run token SPARKPP_DRIVER_SECRET.
  // Shared secrets are never sent; they are proven (nonce, HelloChallenge, HelloProof).
  std::string secret;
  std::string build = build_id();
  std::string nonce;  // 64 hex digits (32 random bytes) when authenticating, else empty
  bool crypto = false;  // with nonce: this side seals every later frame (spark.network.crypto.enabled)
};

// Accepting side -> connecting side when authentication is on: the acceptor's fresh nonce and
// its proof HMAC-SHA256(key, "acceptor" transcript of both nonces), hex. The connector checks the
// proof before answering HelloProof.
struct HelloChallenge {
  static constexpr const char* kOp = "HelloChallenge";
  std::string nonce;
  std::string proof;
  bool crypto = false;  // the acceptor seals every frame after the handshake
};
SPP_MSG(HelloChallenge, nonce, proof, crypto)

// Connecting side -> accepting side: its proof over the same nonces ("connector" transcript).
// Reply: HelloAck, or HelloRefused when the proof is wrong.
struct HelloProof {
  static constexpr const char* kOp = "HelloProof";
  std::string proof;
};
SPP_MSG(HelloProof, proof)

// Accepting side -> connecting side. Reply to Hello.
struct HelloAck {
  static constexpr const char* kOp = "HelloAck";
  std::string role;  // the acceptor's role: master | driver | pyworker ...
  int proto = kProtocolVersion;
  std::string name;
  std::string build = build_id();
};

// Accepting side -> connecting side instead of HelloAck, just before closing: why the Hello was
// refused (another protocol version, a role not served here, authentication failed).
struct HelloRefused {
  static constexpr const char* kOp = "HelloRefused";
  std::string reason;
  int proto = kProtocolVersion;
  std::string build = build_id();
};
void to_json(json& j, const Hello& m);
void from_json(const json& j, Hello& m);
void to_json(json& j, const HelloAck& m);
void from_json(const json& j, HelloAck& m);
void to_json(json& j, const HelloRefused& m);
void from_json(const json& j, HelloRefused& m);
// Why a peer at `peer_proto`/`peer_build` cannot talk to this process (both versions, both builds).
std::string version_mismatch(int peer_proto, const std::string& peer_build);

// ---------------------------------------------------------------- worker -> master
// Worker -> master after Hello, and again after ReconnectWorker. Reply: RegisteredWorker or
// RegisterWorkerFailed.
struct RegisterWorker {
  static constexpr const char* kOp = "RegisterWorker";
  std::string id;         // worker-<yyyyMMddHHmmss>-<host>-<port>
  std::string host;
  int port = 0;           // the worker's own listening port
  int cores = 0;
  int64_t memory_mb = 0;
  std::string webui_url;
};
SPP_MSG(RegisterWorker, id, host, port, cores, memory_mb, webui_url)

// Worker -> master every spark.worker.timeout/4. No reply; an unknown id gets ReconnectWorker.
struct WorkerHeartbeat {
  static constexpr const char* kOp = "WorkerHeartbeat";
  std::string worker_id;
};
SPP_MSG(WorkerHeartbeat, worker_id)

// Worker -> master whenever one of its executors changes state. No reply.
struct ExecutorStateChanged {
  static constexpr const char* kOp = "ExecutorStateChanged";
  std::string app_id;
  int exec_id = 0;
  std::string state;  // ExecutorState name
  std::string message;
  std::optional<int> exit_code;
};
SPP_MSG(ExecutorStateChanged, app_id, exec_id, state, message, exit_code)

struct ExecutorRef {
  std::string app_id;
  int exec_id = 0;
  int cores = 0;          // so a recovering master can re-adopt the executor
  int64_t memory_mb = 0;
};
SPP_MSG(ExecutorRef, app_id, exec_id, cores, memory_mb)

// Worker -> master right after each successful registration: what it is running. The master
// reconciles: executors it does not know are killed (zombies after a partition), executors it
// placed there that are missing are LOST, and a recovering master re-adopts the rest.
struct WorkerLatestState {
  static constexpr const char* kOp = "WorkerLatestState";
  std::string worker_id;
  std::vector<ExecutorRef> executors;
  std::vector<std::string> drivers = {};  // ids of the cluster-mode drivers it runs
};
SPP_MSG(WorkerLatestState, worker_id, executors, drivers)

// Worker -> master whenever a cluster-mode driver it runs changes state (DriverState name:
// RUNNING, RELAUNCHING under --supervise, then FINISHED | FAILED | KILLED | ERROR). No reply.
struct DriverStateChanged {
  static constexpr const char* kOp = "DriverStateChanged";
  std::string driver_id;
  std::string state;
  std::string message;
  std::optional<int> exit_code;
};
SPP_MSG(DriverStateChanged, driver_id, state, message, exit_code)

// ---------------------------------------------------------------- master -> worker
// Master -> worker, reply to RegisterWorker.
struct RegisteredWorker {
  static constexpr const char* kOp = "RegisteredWorker";
  std::string master_url;
  std::string master_webui_url;
  bool duplicate = false;  // the id was already registered (a re-registration)
};
SPP_MSG(RegisteredWorker, master_url, master_webui_url, duplicate)

// Master -> worker, reply to RegisterWorker when refused. The worker exits if never registered.
struct RegisterWorkerFailed {
  static constexpr const char* kOp = "RegisterWorkerFailed";
  std::string message;
};
SPP_MSG(RegisterWorkerFailed, message)

// Master -> worker: heartbeat from an id the master had dropped; the worker registers again.
struct ReconnectWorker {
  static constexpr const char* kOp = "ReconnectWorker";
  std::string master_url;
};
SPP_MSG(ReconnectWorker, master_url)

// Master -> worker or driver, reply to RegisterWorker / RegisterApplication from a standby
// master (it does not hold the leadership lock). The client drops the connection and tries
// the next master of its spark://h1:p1,h2:p2 list (Spark: MasterInStandby).
struct MasterInStandby {
  static constexpr const char* kOp = "MasterInStandby";
  std::string master_url;
};
SPP_MSG(MasterInStandby, master_url)

// Master -> worker: start `sparkpp executor` for an application. Worker answers with
// ExecutorStateChanged (RUNNING once the process started, FAILED if it could not).
struct LaunchExecutor {
  static constexpr const char* kOp = "LaunchExecutor";
  std::string app_id;
  int exec_id = 0;
  std::string app_name;
  int cores = 0;
  int64_t memory_mb = 0;
  std::string driver_url;  // host:port of the driver's executor endpoint
  std::map<std::string, std::string> env;  // spark.executorEnv.* and PYTHON settings
};
SPP_MSG(LaunchExecutor, app_id, exec_id, app_name, cores, memory_mb, driver_url, env)

// Master -> worker: stop one executor (SIGTERM, then SIGKILL after a grace period).
struct KillExecutor {
  static constexpr const char* kOp = "KillExecutor";
  std::string app_id;
  int exec_id = 0;
};
SPP_MSG(KillExecutor, app_id, exec_id)

// Master -> every worker when an application ends: kill what is left of it, clean up.
struct ApplicationFinished {
  static constexpr const char* kOp = "ApplicationFinished";
  std::string app_id;
};
SPP_MSG(ApplicationFinished, app_id)

// ---------------------------------------------------------------- cluster deploy mode
// A driver program for the master to run on a worker (Spark's DriverDescription). Its files
// travel as blobs in `files` order (the Python program first, then --py-files, --files,
// --archives); the worker writes them into the driver's directory, the cwd of the driver it
// starts (`sparkpp submit --deploy-mode client`), so `conf`'s file lists name them by base name.
struct DriverDescription {
  std::string name;                  // spark.app.name
  std::vector<std::string> files;    // base names; files[0] is the program
  std::vector<std::string> args;     // the program's arguments
  int cores = 1;                     // spark.driver.cores
  int64_t memory_mb = 1024;          // spark.driver.memory
  bool supervise = false;            // --supervise: restart it when it exits non-zero
  std::map<std::string, std::string> conf;  // the submission's resolved settings
  std::string user;
};
SPP_MSG(DriverDescription, name, files, args, cores, memory_mb, supervise, conf, user)

// Submission client (`sparkpp submit --deploy-mode cluster`, role cli) -> master: run a driver.
// Blobs: the bytes of desc.files, in order. Reply: SubmitDriverResponse.
struct RequestSubmitDriver {
  static constexpr const char* kOp = "RequestSubmitDriver";
  DriverDescription desc;
};
SPP_MSG(RequestSubmitDriver, desc)

// Master -> submission client: the driver's id (driver-<yyyyMMddHHmmss>-<NNNN>) or why not.
struct SubmitDriverResponse {
  static constexpr const char* kOp = "SubmitDriverResponse";
  bool success = false;
  std::string driver_id;
  std::string message;
};
SPP_MSG(SubmitDriverResponse, success, driver_id, message)

// Submission client -> master (`sparkpp submit --kill ID`). Reply: KillDriverResponse.
struct RequestKillDriver {
  static constexpr const char* kOp = "RequestKillDriver";
  std::string driver_id;
};
SPP_MSG(RequestKillDriver, driver_id)

struct KillDriverResponse {
  static constexpr const char* kOp = "KillDriverResponse";
  std::string driver_id;
  bool success = false;
  std::string message;
};
SPP_MSG(KillDriverResponse, driver_id, success, message)

// Submission client -> master (`sparkpp submit --status ID`). Reply: DriverStatusResponse.
struct RequestDriverStatus {
  static constexpr const char* kOp = "RequestDriverStatus";
  std::string driver_id;
};
SPP_MSG(RequestDriverStatus, driver_id)

struct DriverStatusResponse {
  static constexpr const char* kOp = "DriverStatusResponse";
  bool found = false;
  std::string driver_id;
  std::string state;             // DriverState name (empty when not found)
  std::string worker_id;         // where it runs / ran (empty while SUBMITTED)
  std::string worker_host_port;
  std::string message;           // the last error, if any
};
SPP_MSG(DriverStatusResponse, found, driver_id, state, worker_id, worker_host_port, message)

// Master -> worker: start a driver (Spark's LaunchDriver). Blobs: desc.files' bytes. The worker
// answers with DriverStateChanged.
struct LaunchDriver {
  static constexpr const char* kOp = "LaunchDriver";
  std::string driver_id;
  DriverDescription desc;
};
SPP_MSG(LaunchDriver, driver_id, desc)

// Master -> worker: stop a driver (SIGTERM, SIGKILL after spark.worker.killTimeout); KILLED.
struct KillDriver {
  static constexpr const char* kOp = "KillDriver";
  std::string driver_id;
};
SPP_MSG(KillDriver, driver_id)

// ---------------------------------------------------------------- application (driver) -> master
// Driver -> master. Reply: RegisteredApplication, then ExecutorAdded as executors are granted.
struct RegisterApplication {
  static constexpr const char* kOp = "RegisterApplication";
  std::string name;
  std::optional<int> max_cores;           // spark.cores.max (null: spark.deploy.defaultCores)
  std::optional<int> cores_per_executor;  // spark.executor.cores (null: all free on a worker)
  int64_t memory_per_executor_mb = 1024;  // spark.executor.memory
  std::string driver_url;                 // where executors connect (host:port)
  std::string app_ui_url;
  std::string user;
  std::map<std::string, std::string> executor_env;
  // Set when a running driver re-registers after losing its master (restart or failover):
  // the master re-attaches it to that application instead of creating a new one.
  std::optional<std::string> app_id;
};
SPP_MSG(RegisterApplication, name, max_cores, cores_per_executor, memory_per_executor_mb,
        driver_url, app_ui_url, user, executor_env, app_id)

// Driver -> master when the SparkContext stops. No reply; the master kills the executors.
struct UnregisterApplication {
  static constexpr const char* kOp = "UnregisterApplication";
  std::string app_id;
};
SPP_MSG(UnregisterApplication, app_id)

// ---------------------------------------------------------------- master -> application
struct RegisteredApplication {
  static constexpr const char* kOp = "RegisteredApplication";
  std::string app_id;
  std::string master_url;
};
SPP_MSG(RegisteredApplication, app_id, master_url)

// Master -> driver: a re-registration under an application id was refused (an id the master
// never made, or one whose driver is live on another connection). The driver keeps its running
// executors; it asks again later only when `retry` (the other connection may be its own, dying).
struct RegisterApplicationFailed {
  static constexpr const char* kOp = "RegisterApplicationFailed";
  std::string message;
  bool retry = false;
};
SPP_MSG(RegisterApplicationFailed, message, retry)

// Master -> driver: an executor was allocated on a worker (it will connect to the driver).
struct ExecutorAdded {
  static constexpr const char* kOp = "ExecutorAdded";
  int exec_id = 0;
  std::string worker_id;
  std::string host;
  int cores = 0;
  int64_t memory_mb = 0;
};
SPP_MSG(ExecutorAdded, exec_id, worker_id, host, cores, memory_mb)

// Master -> driver: an executor changed state (finished states mean it is gone).
struct ExecutorUpdated {
  static constexpr const char* kOp = "ExecutorUpdated";
  int exec_id = 0;
  std::string state;
  std::string message;
  std::optional<int> exit_code;
  bool worker_lost = false;
};
SPP_MSG(ExecutorUpdated, exec_id, state, message, exit_code, worker_lost)

// Master -> driver: a worker died; its shuffle outputs are gone.
struct WorkerRemoved {
  static constexpr const char* kOp = "WorkerRemoved";
  std::string worker_id;
  std::string host;
  std::string message;
};
SPP_MSG(WorkerRemoved, worker_id, host, message)

// Master -> driver: the application was removed by the master (killed, or failed).
struct ApplicationRemoved {
  static constexpr const char* kOp = "ApplicationRemoved";
  std::string state;
  std::string message;
};
SPP_MSG(ApplicationRemoved, state, message)

// ---------------------------------------------------------------- executor -> driver
// Executor -> driver after Hello. Reply: RegisteredExecutor, or the connection is closed.
struct RegisterExecutor {
  static constexpr const char* kOp = "RegisterExecutor";
  std::string app_id;
  std::string exec_id;
  std::string host;
  int cores = 0;
  int data_port = 0;  // binary data-plane port (shuffle fetch); 0 while none
  int pid = 0;
  std::string worker_id;  // empty in local mode
  std::string log_dir;    // where its stdout/stderr live
  std::map<std::string, std::string> log_urls;  // "stdout"/"stderr" -> worker UI log page (cluster mode)
};
SPP_MSG(RegisterExecutor, app_id, exec_id, host, cores, data_port, pid, worker_id, log_dir, log_urls)

struct TaskMetrics {
  int64_t run_ms = 0;          // wall time on the executor
  int64_t deserialize_ms = 0;  // waiting for a Python worker + shipping the command
  int64_t input_bytes = 0;
  int64_t input_records = 0;
  int64_t output_bytes = 0;
  int64_t output_records = 0;
  int64_t result_bytes = 0;
  int64_t shuffle_write_bytes = 0;
  int64_t shuffle_write_records = 0;
  int64_t shuffle_read_bytes = 0;
  int64_t shuffle_read_records = 0;
  int64_t memory_spilled = 0;
  int64_t disk_spilled = 0;
};
SPP_MSG(TaskMetrics, run_ms, deserialize_ms, input_bytes, input_records, output_bytes,
        output_records, result_bytes, shuffle_write_bytes, shuffle_write_records,
        shuffle_read_bytes, shuffle_read_records, memory_spilled, disk_spilled)

// How a task attempt ended, and why it failed. On the wire as Spark's names: FINISHED | FAILED |
// KILLED, and "" | user | worker_crashed | fetch_failed | io; anything else is refused.
enum class TaskEndState { kFinished, kFailed, kKilled };
enum class TaskErrorKind {
  kNone,
  kUser,           // the task's code raised (retried up to spark.task.maxFailures)
  kWorkerCrashed,  // its Python worker died
  kFetchFailed,    // a shuffle block could not be read: the map output is recomputed
  kIo,             // a file, sink or plan problem on the executor
};
const char* to_string(TaskEndState s);
const char* to_string(TaskErrorKind k);
void to_json(json& j, const TaskEndState& s);
void from_json(const json& j, TaskEndState& s);
void to_json(json& j, const TaskErrorKind& k);
void from_json(const json& j, TaskErrorKind& k);

// A map task's shuffle output: its data file and the byte offsets of every reduce partition's
// segment (num_reduce + 1, ascending from 0). On the wire the offsets are `partitions` and
// `lengths`: the segments' lengths as LEB128 varints, base64 — about a byte per reduce partition
// where a JSON number each made a 4,096-way shuffle's map statuses most of the driver's work.
struct MapOutputInfo {
  std::string path;
  std::vector<int64_t> offsets;
  int64_t raw_bytes = 0;  // records' bytes before encoding
  int spills = 0;         // spill files merged into it
};
constexpr int64_t kMaxReducePartitions = int64_t{1} << 24;
void to_json(json& j, const MapOutputInfo& m);
void from_json(const json& j, MapOutputInfo& m);

// The map output a reduce task could not fetch. Without `path` every output of `exec` for that
// shuffle is suspect (its block server is unreachable).
struct FetchFailureInfo {
  int shuffle_id = -1;
  int map = -1;
  std::string exec;
  std::string path;
};
SPP_MSG(FetchFailureInfo, shuffle_id, map, exec, path)

// Executor -> driver when a task ends. Blobs: for FINISHED result tasks, the task's output
// frames (batches) in order; then `accum_blobs` blobs of pickled accumulator updates (a task
// that also computed cached blocks carries one per Python pass). No reply.
struct StatusUpdate {
  static constexpr const char* kOp = "StatusUpdate";
  int64_t task_id = 0;
  TaskEndState state = TaskEndState::kFinished;
  std::string error;  // failure reason shown to the user (with Python traceback)
  TaskErrorKind error_kind = TaskErrorKind::kNone;
  TaskMetrics metrics;
  int accum_blobs = 0;
  std::optional<MapOutputInfo> map_output;        // FINISHED map tasks
  std::optional<FetchFailureInfo> fetch_failure;  // FAILED with kFetchFailed
  // SQL tasks: per plan node [nodeId, rows, timeNs, spillBytes, peakMemory] (the SQL tab).
  std::vector<std::vector<int64_t>> sql_metrics;
};
SPP_MSG(StatusUpdate, task_id, state, error, error_kind, metrics, accum_blobs, map_output, fetch_failure, sql_metrics)

struct BlockInfo {
  int rdd = 0;
  int partition = 0;
  int64_t mem_bytes = 0;   // 0 when not in memory
  int64_t disk_bytes = 0;  // 0 when not on disk
};
SPP_MSG(BlockInfo, rdd, partition, mem_bytes, disk_bytes)

// Executor -> driver: cached blocks stored, moved to disk or dropped (eviction, unpersist).
// `replica_blobs` > 0: the blobs are the batches of the first stored block, to be replicated
// on another executor (replication 2). No reply.
struct BlocksUpdated {
  static constexpr const char* kOp = "BlocksUpdated";
  std::vector<BlockInfo> stored;
  std::vector<BlockInfo> removed;
  int replica_blobs = 0;
  nlohmann::json replica_level;
};
SPP_MSG(BlocksUpdated, stored, removed, replica_blobs, replica_level)

// Executor -> driver every spark.executor.heartbeatInterval. No reply.
struct ExecutorHeartbeat {
  static constexpr const char* kOp = "ExecutorHeartbeat";
  std::string exec_id;
};
SPP_MSG(ExecutorHeartbeat, exec_id)

// ---------------------------------------------------------------- driver -> executor
struct RegisteredExecutor {
  static constexpr const char* kOp = "RegisteredExecutor";
  std::string app_id;
  std::map<std::string, std::string> conf;  // the application's spark.* settings
};
SPP_MSG(RegisteredExecutor, app_id, conf)

// Driver -> executor: run one task. Blobs: first the pickled functions listed in `new_funcs`
// (ones this executor has not been sent before), then the task's own input blobs (e.g. the
// parallelize data of its partition) referred to by index from the plan.
// Reply: StatusUpdate when the task ends.
struct LaunchTask {
  static constexpr const char* kOp = "LaunchTask";
  int64_t task_id = 0;
  int job_id = 0;
  int stage_id = 0;
  int stage_attempt = 0;
  int partition = 0;
  int attempt = 0;
  nlohmann::json plan;   // how to compute the partition; see docs/protocol.md "Task plans"
  nlohmann::json sink;   // where the output goes: {"kind":"result"} | {"kind":"text",...} ...
  std::vector<int64_t> new_funcs;
};
SPP_MSG(LaunchTask, task_id, job_id, stage_id, stage_attempt, partition, attempt, plan, sink,
        new_funcs)

// Driver -> executor: stop a running task (its Python worker is killed) or drop a queued one.
struct KillTask {
  static constexpr const char* kOp = "KillTask";
  int64_t task_id = 0;
  std::string reason;
};
SPP_MSG(KillTask, task_id, reason)

// Driver -> executor: a Python dependency (sc.addPyFile / --py-files); 1 blob, the file's bytes.
// The executor stores it and puts it on its Python workers' sys.path. No reply.
struct AddPyFile {
  static constexpr const char* kOp = "AddPyFile";
  std::string name;  // base name, no directories
};
SPP_MSG(AddPyFile, name)

// Driver -> executor: a file of sc.addFile / sc.addArchive (--files, --archives); 1 blob, its
// bytes. Stored as `name` in the executor's working directory (SparkFiles.getRootDirectory());
// an archive (`format` zip | tar | tar.gz | tgz) is unpacked into the directory `name`. No reply.
struct AddFile {
  static constexpr const char* kOp = "AddFile";
  std::string name;  // base name, no directories
  bool archive = false;
  std::string format;
};
SPP_MSG(AddFile, name, archive, format)

// Driver -> executor: a broadcast variable's pickled value, zstd-compressed (1 blob). Sent once
// per executor, before the first task that uses it. No reply.
struct AddBroadcast {
  static constexpr const char* kOp = "AddBroadcast";
  int64_t id = 0;
};
SPP_MSG(AddBroadcast, id)

// Driver -> executor: drop a broadcast's copy (unpersist / destroy). No reply.
struct RemoveBroadcast {
  static constexpr const char* kOp = "RemoveBroadcast";
  int64_t id = 0;
};
SPP_MSG(RemoveBroadcast, id)

// Driver -> executor: drop every cached block of an RDD (unpersist) and, for a python RDD, its
// function (the executor's copy and, with their next tasks, its workers'); the driver sends the
// function again should a later task need it. No reply.
struct RemoveRdd {
  static constexpr const char* kOp = "RemoveRdd";
  int rdd = 0;
};
SPP_MSG(RemoveRdd, rdd)

// Driver -> executor: delete a shuffle's map output files (the driver program dropped the
// shuffle's RDD: Spark's ContextCleaner). No reply.
struct RemoveShuffle {
  static constexpr const char* kOp = "RemoveShuffle";
  int shuffle_id = 0;
};
SPP_MSG(RemoveShuffle, shuffle_id)

// Driver -> executor: keep this block as a replica (blobs: the block's batches). The driver
// relays blocks of replicated storage levels (MEMORY_ONLY_2 ...) to a second executor.
struct StoreBlock {
  static constexpr const char* kOp = "StoreBlock";
  int rdd = 0;
  int partition = 0;
  nlohmann::json level;
};
SPP_MSG(StoreBlock, rdd, partition, level)

// Driver -> executor: the application is over; exit 0.
struct StopExecutor {
  static constexpr const char* kOp = "StopExecutor";
  std::string reason;
};
SPP_MSG(StopExecutor, reason)

}  // namespace spp::msg
// The Python driver program <-> C++ driver messages (the Py4J role) live in messages_py.h.
#include "common/messages_py.h"  // IWYU pragma: export
namespace spp::msg {

// ---------------------------------------------------------------- executor <-> Python worker
// Executor -> Python worker: run one task. Blobs: the pickled functions in `new_funcs`, in order.
// The worker then pulls input with PwRead, pushes output with PwOutput, ends with PwDone/PwError.
struct PwTask {
  static constexpr const char* kOp = "PwTask";
  int64_t task_id = 0;
  int stage_id = 0;
  int partition = 0;
  int attempt = 0;
  nlohmann::json plan;
  std::string sink;  // result | text | shuffle
  std::vector<int64_t> new_funcs;
  std::map<std::string, std::string> props;  // task-local settings (e.g. python worker memory)
  // Released since this worker's last task (ContextCleaner): cached functions and broadcast
  // values it may hold, to forget.
  std::vector<int64_t> drop_funcs, drop_broadcasts;
  // Another task follows in the same write (a task group): the worker may hold this task's
  // PwOutput/PwDone and send them with the next task's replies.
  bool more = false;
};
SPP_MSG(PwTask, task_id, stage_id, partition, attempt, plan, sink, new_funcs, props, drop_funcs, drop_broadcasts, more)

// Python worker -> executor: send the next batch of input `input`. Reply: PwInput.
struct PwRead {
  static constexpr const char* kOp = "PwRead";
  int input = 0;
};
SPP_MSG(PwRead, input)

// Executor -> Python worker: one batch (1 blob) of input `input`, or end of that input (0 blobs).
struct PwInput {
  static constexpr const char* kOp = "PwInput";
  int input = 0;
  bool end = false;
  std::string format;  // pickled | lines | files
};
SPP_MSG(PwInput, input, end, format)

// Python worker -> executor: output batches (blobs), `records` elements in all.
struct PwOutput {
  static constexpr const char* kOp = "PwOutput";
  int64_t records = 0;
};
SPP_MSG(PwOutput, records)

// Python worker -> executor: the task finished; blobs: 0 or 1 (pickled accumulator updates).
struct PwDone {
  static constexpr const char* kOp = "PwDone";
  int64_t task_id = 0;
  int64_t memory_spilled = 0;
  int64_t disk_spilled = 0;
  bool accum_blob = false;
};
SPP_MSG(PwDone, task_id, memory_spilled, disk_spilled, accum_blob)

// Python worker -> executor: user code raised; the worker stays usable for the next task.
struct PwError {
  static constexpr const char* kOp = "PwError";
  int64_t task_id = 0;
  std::string error_type;  // e.g. ZeroDivisionError
  std::string message;
  std::string traceback;   // formatted worker-side traceback
};
SPP_MSG(PwError, task_id, error_type, message, traceback)

// ---------------------------------------------------------------- executor <-> executor (shuffle data plane)
// One shuffle block: a byte range of a map output data file in the serving executor's scratch dir.
struct BlockRange {
  std::string path;
  int64_t offset = 0;
  int64_t length = 0;
};
SPP_MSG(BlockRange, path, offset, length)

// Reduce task's executor -> the block server of the executor holding map output (its
// RegisterExecutor.data_port), after Hello{role: executor}. Requests on one connection are
// answered in order. Reply: BlockData.
struct FetchBlocks {
  static constexpr const char* kOp = "FetchBlocks";
  int64_t req = 0;
  int shuffle_id = 0;
  std::vector<BlockRange> blocks;
};
SPP_MSG(FetchBlocks, req, shuffle_id, blocks)

// Block server -> fetcher, reply to FetchBlocks. Blobs: one per requested block, in order, when
// `error` is empty; none otherwise (`failed` = index of the block that could not be served:
// missing file, path outside the scratch dir, range past the end).
struct BlockData {
  static constexpr const char* kOp = "BlockData";
  int64_t req = 0;
  std::string error;
  int failed = -1;
};
SPP_MSG(BlockData, req, error, failed)

// Every message type, once. The order is irrelevant; names must be unique.
#define SPP_MESSAGES(X)                                                                        \
  X(Hello) X(HelloAck) X(HelloRefused) X(HelloChallenge) X(HelloProof)                                                 \
  X(RegisterWorker) X(WorkerHeartbeat) X(ExecutorStateChanged) X(WorkerLatestState)            \
  X(RegisteredWorker) X(RegisterWorkerFailed) X(ReconnectWorker) X(LaunchExecutor)             \
  X(KillExecutor) X(ApplicationFinished) X(MasterInStandby)                                    \
  X(DriverStateChanged) X(RequestSubmitDriver) X(SubmitDriverResponse) X(RequestKillDriver)    \
  X(KillDriverResponse) X(RequestDriverStatus) X(DriverStatusResponse) X(LaunchDriver) X(KillDriver) \
  X(RegisterApplication) X(UnregisterApplication)                                              \
  X(RegisteredApplication) X(RegisterApplicationFailed) X(ExecutorAdded) X(ExecutorUpdated) X(WorkerRemoved)                \
  X(ApplicationRemoved)                                                                        \
  X(RegisterExecutor) X(StatusUpdate) X(ExecutorHeartbeat) X(BlocksUpdated)                                     \
  X(RegisteredExecutor) X(LaunchTask) X(KillTask) X(AddPyFile) X(AddFile) X(AddBroadcast) X(RemoveBroadcast)    \
  X(RemoveRdd) X(RemoveShuffle) X(StoreBlock) X(StopExecutor)                              \
  X(PyCreateContext) X(PyContextInfo) X(PyDefineRdd) X(PyDefined) X(PyRunJob) X(PyJobResult)   \
  X(PyBroadcast) X(PyUnpersistBroadcast) X(PyPersist) X(PyUnpersist) X(PyCheckpointed)            \
  X(PySetLogLevel) X(PyAddPyFile) X(PyStopContext) X(PyDebugQuery) X(PyReply) X(PyError) \
  X(PyForgetRdds)                                                                              \
  X(PySqlAnalyze) X(PySqlExecute) X(PySqlResult) X(PySqlExplain) X(PySqlCommand)               \
  X(PyCancelJobs) X(PyStatusQuery) X(PyAddFile)               \
  X(PwTask) X(PwRead) X(PwInput) X(PwOutput) X(PwDone) X(PwError)                            \
  X(FetchBlocks) X(BlockData)

#define SPP_MSG_VARIANT_ENTRY(T) , T
using Message = std::variant<std::monostate SPP_MESSAGES(SPP_MSG_VARIANT_ENTRY)>;
#undef SPP_MSG_VARIANT_ENTRY

// A decoded message with its attached blobs.
struct Envelope {
  std::string op;
  Message msg;
  std::vector<std::string> blobs;

  template <typename T>
  const T* as() const { return std::get_if<T>(&msg); }
  template <typename T>
  T* as() { return std::get_if<T>(&msg); }
};

// Encodes a message as a J frame plus blob frames, appended to `out`.
template <typename T>
void encode(std::string& out, const T& m, const std::vector<std::string>& blobs = {});
std::string encode_header(const char* op, const json& body, size_t nblobs);
void append_blob_frame(std::string& out, const std::string& blob);

// Parses a J frame's payload: version, op, fields, semantic checks. On success returns the
// envelope (without blobs) and the number of blob frames that must follow.
Result<std::pair<Envelope, size_t>> decode_header(const std::string& payload);

// Semantic checks beyond types (ranges, non-empty ids). Default: none.
template <typename T>
Status validate(const T&) { return Status::ok(); }
Status validate(const Hello& m);
Status validate(const RegisterWorker& m);
Status validate(const LaunchExecutor& m);
Status validate(const RegisterApplication& m);
Status validate(const RegisterExecutor& m);
Status validate(const RequestSubmitDriver& m);
Status validate(const LaunchDriver& m);
Status validate(const StatusUpdate& m);

bool is_known_op(const std::string& op);
bool is_handshake_op(const std::string& op);  // Hello, HelloAck, HelloRefused, HelloChallenge, HelloProof

template <typename T>
void encode(std::string& out, const T& m, const std::vector<std::string>& blobs) {
  out += encode_header(T::kOp, json(m), blobs.size());
  for (const auto& b : blobs) append_blob_frame(out, b);
}

}  // namespace spp::msg
