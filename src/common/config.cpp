// The settings catalog and Conf parsing. Every key sparkpp reads is declared here once.
#include "common/config.h"
#include "common/strings.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <climits>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace spp {

const std::vector<SettingDef>& settings_catalog() {
  using T = SettingType;
  static const std::vector<SettingDef> defs = {
      // --- daemons (master / worker)
      {"spark.worker.timeout", T::kTime, "60", "s", "Seconds without a heartbeat before the master declares a worker DEAD; workers heartbeat every timeout/4."},
      {"spark.deploy.spreadOut", T::kBool, "true", "", "Spread an application's executors across as many workers as possible (false: consolidate)."},
      {"spark.deploy.defaultCores", T::kInt, "", "", "Cores given to applications that do not set spark.cores.max (unset: all)."},
      {"spark.deploy.maxExecutorRetries", T::kInt, "10", "", "Abnormal executor exits tolerated per application before it is failed (-1: never)."},
      {"spark.deploy.retainedApplications", T::kInt, "200", "", "Completed applications kept for /json and the UI."},
      {"spark.deploy.retainedDrivers", T::kInt, "200", "", "Completed cluster-mode drivers kept for /json and the UI."},
      {"spark.dead.worker.persistence", T::kInt, "15", "", "DEAD workers stay visible for (this+1) x spark.worker.timeout."},
      {"spark.deploy.recoveryMode", T::kString, "NONE", "", "NONE, or FILESYSTEM: persist workers/apps in spark.deploy.recoveryDirectory and recover them on restart; masters sharing the directory elect a leader by a lock file (standby masters)."},
      {"spark.deploy.recoveryDirectory", T::kString, "", "", "Directory where a FILESYSTEM-recovery master keeps its state and leadership lock."},
      {"spark.deploy.recoveryTimeout", T::kTime, "", "s", "How long a recovering master waits for stored workers and apps to reconnect before dropping them (unset: spark.worker.timeout)."},
      {"spark.worker.cleanup.enabled", T::kBool, "true", "", "Periodically delete finished applications' work dirs."},
      {"spark.worker.cleanup.interval", T::kTime, "1800", "s", "How often the worker cleans old application dirs."},
      {"spark.worker.cleanup.appDataTtl", T::kTime, "604800", "s", "Age after which a finished application's work dir is deleted."},
      {"spark.worker.killTimeout", T::kTime, "5s", "s", "Grace period between SIGTERM and SIGKILL when a worker stops an executor."},
      {"spark.sparkpp.helloTimeout", T::kTime, "5s", "s", "A peer that has not said Hello within this time is dropped."},
      {"spark.sparkpp.http.idleTimeout", T::kTime, "5s", "s", "Web UIs and REST: a connection that starts no request this long after it opened or after its previous response is closed."},
      {"spark.sparkpp.http.requestTimeout", T::kTime, "10s", "s", "Web UIs and REST: a request (TLS handshake, head and body) not complete this long after its first byte is answered 408 and its connection closed (slow clients)."},
      {"spark.sparkpp.registerTimeout", T::kTime, "30s", "s", "Master: a connection that has not registered as a worker or an application this long after its Hello is dropped."},
      // --- application
      {"spark.master", T::kString, "local[*]", "", "Where to run: local, local[N], local[*], local[N,F], local-cluster[N,CORES,MEMORY_MB] (N executor processes the driver starts, tasks retried as on a cluster), spark://host:port."},
      {"spark.app.name", T::kString, "", "", "Application name (defaults to the script name)."},
      {"spark.app.id", T::kString, "", "", "Set by the driver."},
      {"spark.driver.memory", T::kBytes, "1g", "m", "Memory of the driver; in local mode, of the executor too (unless spark.executor.memory is set)."},
      {"spark.executor.memory", T::kBytes, "1g", "m", "Memory per executor."},
      {"spark.executor.cores", T::kInt, "", "", "Cores per executor (unset in standalone: all free cores of a worker)."},
      {"spark.cores.max", T::kInt, "", "", "Upper bound on the cores an application takes from the cluster."},
      {"spark.default.parallelism", T::kInt, "", "", "Default partition count for parallelize and shuffles."},
      {"spark.task.maxFailures", T::kInt, "4", "", "Attempts of one task before its job fails (local mode: 1 unless local[N,F])."},
      {"spark.speculation", T::kBool, "false", "", "Run a second copy of a task that is much slower than its stage's finished tasks; the first copy to succeed wins and the other is killed."},
      {"spark.speculation.interval", T::kTime, "100ms", "ms", "How often the driver looks for tasks to speculate."},
      {"spark.speculation.multiplier", T::kDouble, "3", "", "A task is slow when it has run this many times longer than the median successful task of its stage."},
      {"spark.speculation.quantile", T::kDouble, "0.9", "", "Fraction of a stage's tasks that must have finished before any of its tasks is speculated."},
      {"spark.speculation.minTaskRuntime", T::kTime, "100ms", "ms", "A task is never speculated before it has run this long."},
      {"spark.stage.maxConsecutiveAttempts", T::kInt, "4", "", "Consecutive failed attempts (fetch failures) of one stage before its job is aborted."},
      {"spark.locality.wait", T::kTime, "3s", "ms", "How long a task waits for a free core on an executor holding its cached data before running elsewhere."},
      {"spark.sparkpp.scheduler.queuedTasksPerCore", T::kInt, "16", "", "Tasks an executor may hold per core beyond its cores, started as soon as a core frees, for stages whose tasks are short (spark.sparkpp.scheduler.queueTaskMaxTime): hides the driver round trip between tiny tasks. 0: one task per core, as Spark. Off with spark.speculation."},
      {"spark.sparkpp.executor.statusBatchSize", T::kInt, "16", "", "An executor holds back a finished task's StatusUpdate while every core still has queued tasks to start (executor queues, spark.sparkpp.scheduler.queuedTasksPerCore), and sends up to this many together: one write and one driver wake-up for several tiny tasks. A failed task's update never waits. 1: each update at once."},
      {"spark.sparkpp.executor.taskGroupSize", T::kInt, "8", "", "A task thread that starts a short Python task over parallelize data (result or shuffle map output) takes up to this many such queued tasks in all (no more than its share of the queue) and writes them to its Python worker at once: the worker runs them back to back without waiting for the executor in between. Queues deeper than one task per core exist only for stages of short tasks (spark.sparkpp.scheduler.queuedTasksPerCore). 1: one task at a time."},
      {"spark.sparkpp.executor.statusBatchDelay", T::kTime, "5ms", "ms", "The longest an executor holds back a finished task's StatusUpdate (spark.sparkpp.executor.statusBatchSize)."},
      {"spark.sparkpp.scheduler.queueTaskMaxTime", T::kTime, "20ms", "ms", "A stage's tasks queue on busy executors once 90 % of its finished tasks (at least 2) took at most this long, launch to end."},
      {"spark.driver.bindAddress", T::kString, "", "", "Address the driver's executor port and UI bind (default: 127.0.0.1 when the master is local or on loopback, else 0.0.0.0, which needs spark.authenticate=true or an explicit spark.authenticate=false)."},
      {"spark.driver.host", T::kString, "", "", "Address executors use to reach the driver (default: this host)."},
      {"spark.driver.port", T::kInt, "0", "", "Driver's executor endpoint port (0: pick one)."},
      {"spark.driver.maxResultSize", T::kBytes, "1g", "b", "Limit on the total size of results of one job (0: unlimited)."},
      {"spark.python.worker.memory", T::kBytes, "512m", "m", "Memory a Python worker uses for aggregation before spilling to disk."},
      {"spark.python.worker.reuse", T::kBool, "true", "", "Reuse Python workers across tasks."},
      {"spark.cleaner.referenceTracking", T::kBool, "true", "", "ContextCleaner: RDDs and broadcasts the driver program no longer references are released (lineage, cached blocks, shuffle files, broadcast copies) before the next job."},
      {"spark.sparkpp.python.daemon.prestart", T::kBool, "false", "", "Start each executor's Python daemon as soon as the executor registers, while the first job is being scheduled, rather than with its first task that runs Python (Spark's way, the default): the first job need not wait for Python's start-up and imports, but an application that never runs Python on executors (DataFrames without Python UDFs) pays that start-up (~0.2 s of CPU per executor) and ~17 MiB per executor."},
      {"spark.sparkpp.python.worker.idleTimeout", T::kTime, "60s", "s", "A pooled Python worker idle for longer than this is stopped (the daemon stays and forks a new one on demand; Spark's fixed 60 s). 0: keep idle workers."},
      {"spark.pyspark.python", T::kString, "", "", "Python executable for executors' workers (else PYSPARK_PYTHON, SPARKPP_PYTHON, python3)."},
      {"spark.pyspark.driver.python", T::kString, "", "", "Python executable for the driver script."},
      {"spark.submit.pyFiles", T::kString, "", "", "Comma-separated .py/.zip files put on the workers' sys.path."},
      {"spark.files", T::kString, "", "", "Comma-separated files shipped to every executor's SparkFiles root (--files, sc.addFile)."},
      {"spark.archives", T::kString, "", "", "Comma-separated archives (.zip, .jar, .tar, .tar.gz, .tgz; path#alias) unpacked there (--archives, sc.addArchive)."},
      {"spark.submit.deployMode", T::kString, "client", "", "client: the driver runs where the program is submitted; cluster: the master runs it on a worker (spark:// masters)."},
      {"spark.driver.supervise", T::kBool, "false", "", "Cluster deploy mode: the worker restarts the driver when it exits non-zero (--supervise)."},
      {"spark.standalone.submit.waitAppCompletion", T::kBool, "false", "", "Cluster deploy mode: submit waits until the driver ends (else it returns once the driver is launched)."},
      {"spark.driver.cores", T::kInt, "1", "", "Cores of the driver process (--driver-cores)."},
      {"spark.executor.heartbeatInterval", T::kTime, "10s", "ms", "Executor -> driver heartbeat period."},
      {"spark.network.timeout", T::kTime, "120s", "s", "Silence after which a peer is declared lost: executors without a heartbeat, fetches without a reply, and handshaken connections that send nothing to a driver's executor port, a block server or a worker's port (dropped)."},
      {"spark.ui.showConsoleProgress", T::kBool, "true", "", "Show the [Stage N:==>   (a + r) / t] bar when stderr is a terminal."},
      {"spark.ui.enabled", T::kBool, "true", "", "Serve the application web UI."},
      {"spark.ui.port", T::kInt, "4040", "", "Application web UI port (next free one if taken)."},
      {"spark.ui.retainedJobs", T::kInt, "1000", "", "Finished jobs the application UI and REST API remember."},
      {"spark.ui.retainedStages", T::kInt, "1000", "", "Finished stage attempts the application UI and REST API remember."},
      {"spark.ui.retainedTasks", T::kInt, "100000", "", "Tasks remembered per stage attempt (the oldest finished ones go first)."},
      {"spark.ui.retainedDeadExecutors", T::kInt, "100", "", "Removed executors the application UI remembers."},
      {"spark.ui.killEnabled", T::kBool, "true", "", "Allow killing applications from the master web UI (POST /app/kill/)."},
      {"spark.ssl.enabled", T::kBool, "false", "", "Serve the web UIs and REST API over HTTPS (TLS, OpenSSL) with spark.ssl.certChain and spark.ssl.privateKey; spark.ssl.standalone.* (master, workers) and spark.ssl.ui.* (application UI) override it per server, as in Spark."},
      {"spark.ssl.certChain", T::kString, "", "", "PEM file: the web UIs' TLS certificate, then any intermediates (Spark 4's name; Java key stores are not read)."},
      {"spark.ssl.privateKey", T::kString, "", "", "PEM file: the unencrypted private key of spark.ssl.certChain; keep it mode 0600."},
      {"spark.ssl.standalone.enabled", T::kBool, "false", "", "TLS for the master's and workers' web UIs (else spark.ssl.enabled)."},
      {"spark.ssl.standalone.certChain", T::kString, "", "", "The master's and workers' certificate chain (else spark.ssl.certChain)."},
      {"spark.ssl.standalone.privateKey", T::kString, "", "", "The master's and workers' private key (else spark.ssl.privateKey)."},
      {"spark.ssl.ui.enabled", T::kBool, "false", "", "TLS for applications' web UIs and REST API (else spark.ssl.enabled)."},
      {"spark.ssl.ui.certChain", T::kString, "", "", "The application UI's certificate chain (else spark.ssl.certChain)."},
      {"spark.ssl.ui.privateKey", T::kString, "", "", "The application UI's private key (else spark.ssl.privateKey)."},
      {"spark.ssl.historyServer.enabled", T::kBool, "false", "", "TLS for the history server's web UI and REST API (else spark.ssl.enabled)."},
      {"spark.ssl.historyServer.certChain", T::kString, "", "", "The history server's certificate chain (else spark.ssl.certChain)."},
      {"spark.ssl.historyServer.privateKey", T::kString, "", "", "The history server's private key (else spark.ssl.privateKey)."},
      {"spark.history.fs.logDirectory", T::kString, "", "", "The event logs `sparkpp history` serves when --dir is not given (file: prefix allowed)."},
      {"spark.history.ui.port", T::kInt, "18080", "", "The history server's port when --port is not given."},
      {"spark.eventLog.enabled", T::kBool, "false", "", "Write the application's events (JSON lines) to spark.eventLog.dir for `sparkpp history`."},
      {"spark.eventLog.dir", T::kString, "/tmp/spark-events", "", "Directory of event logs (file: prefix allowed); one file per application, .inprogress while it runs."},
      {"spark.eventLog.compress", T::kBool, "false", "", "zstd-compress event logs (file suffix .zst)."},
      {"spark.memory.fraction", T::kString, "0.6", "", "Fraction of executor memory that holds cached RDD blocks (least recently used evicted first)."},
      {"spark.memory.storageFraction", T::kString, "0.5", "", "Accepted for compatibility; cached blocks may use all of spark.memory.fraction."},
      {"spark.shuffle.compress", T::kBool, "true", "", "Compress shuffle blocks (with spark.io.compression.codec)."},
      {"spark.io.compression.codec", T::kString, "lz4", "", "Codec of shuffle blocks: lz4 (default, as Spark) or zstd; snappy and lzf are accepted and write LZ4."},
      {"spark.io.compression.zstd.level", T::kInt, "1", "", "zstd level when spark.io.compression.codec is zstd."},
      {"spark.reducer.maxSizeInFlight", T::kBytes, "48m", "m", "Bytes of shuffle blocks fetched at once by a reduce task."},
      {"spark.shuffle.checksum.enabled", T::kBool, "true", "", "CRC32 per shuffle record; a mismatch is a fetch failure (the map output is recomputed)."},
      {"spark.sparkpp.shuffle.spillThreshold", T::kBytes, "64m", "m", "Encoded shuffle output a map task buffers in memory before spilling it to a file in spark.local.dir."},
      {"spark.sparkpp.shuffle.inMemory", T::kBool, "true", "", "Local mode: SQL shuffle map outputs stay in the executor's memory as columnar batches (no encoding, compression or files) while they fit in spark.sparkpp.shuffle.inMemory.fraction of the execution memory; the rest are written as files. Ignored on a cluster, where other executors read them."},
      {"spark.sparkpp.shuffle.inMemory.fraction", T::kDouble, "0.5", "", "Share of the execution memory (spark.executor.memory x spark.memory.fraction) that in-memory SQL map outputs may hold (local mode)."},
      {"spark.sparkpp.shuffle.preferLocalRead", T::kBool, "true", "", "Read shuffle blocks of this host straight from disk (false: fetch every block from its executor's block server)."},
      {"spark.local.dir", T::kString, "/tmp", "", "Scratch space for shuffle and spill files."},
      {"spark.authenticate", T::kBool, "false", "", "Every connection proves the shared secret (mutual HMAC-SHA256 challenge-response in the Hello exchange; the secret is never sent). Executors prove a per-application key derived from it."},
      {"spark.authenticate.secret", T::kString, "", "", "The shared secret (else spark.authenticate.secret.file, else $SPARKPP_SECRET). Make one with `sparkpp secret new`."},
      {"spark.authenticate.secret.file", T::kString, "", "", "File holding the shared secret (trailing whitespace ignored); keep it mode 0600."},
      {"spark.network.crypto.enabled", T::kBool, "false", "", "Encrypt every authenticated connection (AES-256-GCM records, per-direction keys from HKDF-SHA256 over the secret and both handshake nonces). Needs spark.authenticate=true; set it on every node."},
      {"spark.logConf", T::kBool, "false", "", "Log the effective configuration at start."},
      {"spark.sparkpp.test.debugQueries", T::kBool, "false", "", "Tests only: the driver answers PyDebugQuery (executors, broadcast sends) from the Python program."},
      {"spark.sparkpp.executor.idleTimeout", T::kTime, "0", "s", "Reserved."},
  };
  return defs;
}

const SettingDef* find_setting(const std::string& key) {
  for (const auto& d : settings_catalog())
    if (key == d.key) return &d;
  return nullptr;
}

Result<int64_t> parse_size(const std::string& in, char default_unit) {
  std::string s = ascii_lower(ascii_trim(in));
  if (s.empty()) return Result<int64_t>::error("empty size");
  size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i == 0 || i > 15) return Result<int64_t>::error("invalid size '" + in + "' (expected e.g. 512m, 2g, 1t)");
  int64_t n = std::stoll(s.substr(0, i));
  std::string u = s.substr(i);
  if (u.size() == 2 && u[1] == 'b') u = u.substr(0, 1);
  char unit = u.empty() ? default_unit : (u.size() == 1 ? u[0] : '?');
  int shift;
  switch (unit) {
    case 'b': shift = 0; break;
    case 'k': shift = 10; break;
    case 'm': shift = 20; break;
    case 'g': shift = 30; break;
    case 't': shift = 40; break;
    case 'p': shift = 50; break;
    default: return Result<int64_t>::error("invalid size '" + in + "' (expected e.g. 512m, 2g, 1t)");
  }
  if (shift && n > (INT64_MAX >> shift)) return Result<int64_t>::error("size '" + in + "' is too large");
  return n << shift;
}

Result<int64_t> parse_time_ms(const std::string& in, const std::string& default_unit) {
  std::string s = ascii_lower(ascii_trim(in));
  size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i == 0 || i > 15) return Result<int64_t>::error("invalid duration '" + in + "' (expected e.g. 60s, 100ms, 2min)");
  int64_t n = std::stoll(s.substr(0, i));
  std::string u = ascii_trim(s.substr(i));
  if (u.empty()) u = default_unit;
  if (u == "ms") return n;
  if (u == "s" || u == "sec") return n * 1000;
  if (u == "m" || u == "min") return n * 60'000;
  if (u == "h") return n * 3'600'000;
  if (u == "d") return n * 86'400'000;
  if (u == "us") return n / 1000;
  return Result<int64_t>::error("invalid duration '" + in + "' (expected e.g. 60s, 100ms, 2min)");
}

Result<bool> parse_bool(const std::string& in) {
  std::string s = ascii_lower(ascii_trim(in));
  if (s == "true" || s == "1" || s == "yes") return true;
  if (s == "false" || s == "0" || s == "no") return false;
  return Result<bool>::error("invalid boolean '" + in + "' (expected true or false)");
}

Result<double> parse_double(const std::string& in) {
  std::string s = ascii_trim(in);
  char* end = nullptr;
  errno = 0;
  double v = s.empty() ? 0 : std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(v))
    return Result<double>::error("invalid number '" + in + "'");
  return v;
}

Status Conf::load_properties_file(const std::string& path) {
  std::ifstream f(path);
  if (!f) return Status::error("cannot read properties file '" + path + "'");
  std::stringstream text;
  text << f.rdbuf();
  return load_properties_text(text.str(), path);
}

Status Conf::load_properties_text(std::string_view text, const std::string& path) {
  std::istringstream f{std::string(text)};
  std::string line;
  int lineno = 0;
  while (std::getline(f, line)) {
    ++lineno;
    std::string t = ascii_trim(line);
    if (t.empty() || t[0] == '#' || t[0] == '!') continue;
    size_t sep = t.find_first_of(" \t=:");
    if (sep == std::string::npos)
      return Status::error(path + ":" + std::to_string(lineno) + ": malformed line '" + t +
                           "' (expected 'key value')");
    std::string k = ascii_trim(t.substr(0, sep));
    std::string rest = t.substr(sep);
    size_t vb = 0;
    while (vb < rest.size() && std::isspace(static_cast<unsigned char>(rest[vb]))) ++vb;
    if (vb < rest.size() && (rest[vb] == '=' || rest[vb] == ':')) ++vb;
    std::string v = ascii_trim(rest.substr(vb));
    if (k.empty() || v.empty())
      return Status::error(path + ":" + std::to_string(lineno) + ": malformed line '" + t +
                           "' (expected 'key value')");
    values_[k] = v;
  }
  return Status::ok();
}

Status Conf::set_from_arg(const std::string& kv) {
  size_t eq = kv.find('=');
  if (eq == std::string::npos || eq == 0)
    return Status::error("--conf expects key=value, got '" + kv + "'");
  values_[ascii_trim(kv.substr(0, eq))] = kv.substr(eq + 1);
  return Status::ok();
}

std::string Conf::get(const std::string& k) const {
  auto it = values_.find(k);
  if (it != values_.end()) return it->second;
  const SettingDef* d = find_setting(k);
  return d ? d->default_value : "";
}

std::string Conf::get(const std::string& k, const std::string& dflt) const {
  auto it = values_.find(k);
  return it != values_.end() ? it->second : dflt;
}

int64_t Conf::get_int(const std::string& k) const {
  std::string v = get(k);
  try {
    return v.empty() ? 0 : std::stoll(v);
  } catch (...) {
    return 0;
  }
}

bool Conf::get_bool(const std::string& k) const {
  auto r = parse_bool(get(k));
  return r.is_ok() && r.value();
}

int64_t Conf::get_bytes(const std::string& k) const {
  const SettingDef* d = find_setting(k);
  auto r = parse_size(get(k), d && d->unit[0] ? d->unit[0] : 'b');
  return r.is_ok() ? r.value() : 0;
}

int64_t Conf::get_time_ms(const std::string& k) const {
  const SettingDef* d = find_setting(k);
  auto r = parse_time_ms(get(k), d && d->unit[0] ? d->unit : "s");
  return r.is_ok() ? r.value() : 0;
}

double Conf::get_double(const std::string& k) const {
  auto r = parse_double(get(k));
  return r.is_ok() ? r.value() : 0.0;
}

// The ranges of the integer settings whose values have bounds (inclusive).
static const std::map<std::string, std::pair<int64_t, int64_t>>& int_ranges() {
  constexpr int64_t kMax = INT32_MAX;
  static const std::map<std::string, std::pair<int64_t, int64_t>> r = {
      {"spark.deploy.defaultCores", {1, kMax}},
      {"spark.deploy.maxExecutorRetries", {-1, kMax}},
      {"spark.deploy.retainedApplications", {0, kMax}},
      {"spark.deploy.retainedDrivers", {0, kMax}},
      {"spark.dead.worker.persistence", {0, kMax}},
      {"spark.executor.cores", {1, kMax}},
      {"spark.cores.max", {1, kMax}},
      {"spark.driver.cores", {1, kMax}},
      {"spark.default.parallelism", {1, kMax}},
      {"spark.task.maxFailures", {1, kMax}},
      {"spark.stage.maxConsecutiveAttempts", {1, kMax}},
      {"spark.driver.port", {0, 65535}},
      {"spark.ui.port", {0, 65535}},
      {"spark.ui.retainedJobs", {0, kMax}},
      {"spark.ui.retainedStages", {0, kMax}},
      {"spark.ui.retainedTasks", {0, kMax}},
      {"spark.ui.retainedDeadExecutors", {0, kMax}},
  };
  return r;
}

// String settings that take one of a few names (lower-case; compared case-insensitively).
static const std::map<std::string, std::vector<std::string>>& string_choices() {
  static const std::map<std::string, std::vector<std::string>> c = {
      {"spark.io.compression.codec",
       {"lz4", "lzf", "snappy", "zstd", "org.apache.spark.io.lz4compressioncodec", "org.apache.spark.io.lzfcompressioncodec",
        "org.apache.spark.io.snappycompressioncodec", "org.apache.spark.io.zstdcompressioncodec"}},
  };
  return c;
}

Status Conf::validate() const {
  for (const auto& [k, v] : values_) {
    const SettingDef* d = find_setting(k);
    if (!d) continue;
    Status st;
    switch (d->type) {
      case SettingType::kInt: {
        bool ok = !v.empty() && v.size() < 19 && (std::isdigit(static_cast<unsigned char>(v[0])) || v[0] == '-');
        for (size_t i = 1; ok && i < v.size(); ++i) ok = std::isdigit(static_cast<unsigned char>(v[i]));
        if (!ok) {
          st = Status::error("invalid integer '" + v + "'");
        } else if (auto r = int_ranges().find(k); r != int_ranges().end()) {
          const int64_t n = std::stoll(v);
          if (n < r->second.first || n > r->second.second)
            st = Status::error(v + " is out of range (" + std::to_string(r->second.first) + " to " +
                               (r->second.second == INT32_MAX ? std::string("2147483647") : std::to_string(r->second.second)) + ")");
        }
        break;
      }
      case SettingType::kBool: st = parse_bool(v).status(); break;
      case SettingType::kBytes: st = parse_size(v, d->unit[0] ? d->unit[0] : 'b').status(); break;
      case SettingType::kTime: st = parse_time_ms(v, d->unit[0] ? d->unit : "s").status(); break;
      case SettingType::kDouble: st = parse_double(v).status(); break;
      case SettingType::kString: {
        if (auto c = string_choices().find(k); c != string_choices().end()) {
          std::string low;
          for (char ch : v) low += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          bool ok = false;
          for (const auto& a : c->second) ok = ok || low == a;
          if (!ok) st = Status::error("[CODEC_NOT_AVAILABLE] The codec " + v + " is not available. Consider to set the config \"" + k + "\" to \"lz4\".");
        }
        break;
      }
    }
    if (!st) return Status::error("setting " + k + ": " + st.message());
  }
  return Status::ok();
}

std::vector<std::string> Conf::unknown_keys() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : values_)
    if (!find_setting(k)) out.push_back(k);
  return out;
}

std::string default_properties_file() {
  std::string dir;
  for (const char* env : {"SPARKPP_CONF_DIR", "SPARK_CONF_DIR"})
    if (const char* v = std::getenv(env); v && *v && dir.empty()) dir = v;
  if (dir.empty()) dir = "conf";
  for (const char* name : {"/sparkpp-defaults.conf", "/spark-defaults.conf"}) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(dir + name, ec)) return dir + name;
  }
  return "";
}

bool is_secret_key(const std::string& key) {
  // Spark's default spark.redaction.regex, (?i)secret|password|token|access[.]?key, plus what
  // else users keep secrets under; executorEnv values are often credentials passed along.
  std::string k = ascii_lower(key);
  for (const char* w : {"secret", "password", "passwd", "token", "credential", "apikey", "api_key", "accesskey",
                        "access.key", "access_key"})
    if (k.find(w) != std::string::npos) return true;
  return k.rfind("spark.executorenv.", 0) == 0;
}

}  // namespace spp
