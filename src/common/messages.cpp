// Message catalog: envelope encoding, decoding with validation.
#include "common/messages.h"

#include <set>

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <unordered_map>

#include "common/frame.h"
#include "common/states.h"
#include "common/util.h"

namespace spp::msg {

std::string encode_header(const char* op, const json& body, size_t nblobs) {
  json env = {{"v", kProtocolVersion}, {"op", op}, {"blobs", nblobs}, {"body", body}};
  // Bytes that are not UTF-8 (a binary value in a name or an error text) become U+FFFD rather
  // than an exception that would end the process.
  return encode_frame(kFrameJson, env.dump(-1, ' ', false, json::error_handler_t::replace));
}

void append_blob_frame(std::string& out, const std::string& blob) { encode_frame(out, kFrameBlob, blob); }

namespace {

using Decoder = std::function<Result<Message>(const json&)>;

// nlohmann reads a JSON float into an integer field with a plain cast: 1.5 becomes 1, and a
// value out of the field's range (1e55) is undefined behaviour (found by fuzzing). So a field
// that is an integer in the message's default value, or null there (optional fields; a plan
// object is never a number either), must not hold a float.
template <typename T>
Status check_integer_fields(const json& body) {
  static const json shape = T{};
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (!it->is_number_float()) continue;
    auto s = shape.find(it.key());
    if (s != shape.end() && (s->is_number() || s->is_null()))
      return Status::error("field '" + it.key() + "' must be an integer, not " + it->dump());
  }
  return Status::ok();
}

template <typename T>
Result<Message> decode_as(const json& body) {
  try {
    if (Status st = check_integer_fields<T>(body); !st) return Result<Message>::error(std::string(T::kOp) + ": " + st.message());
    T m = body.get<T>();
    Status st = validate(m);
    if (!st) return Result<Message>::error(std::string(T::kOp) + ": " + st.message());
    return Message(std::move(m));
  } catch (const std::exception& e) {
    return Result<Message>::error(std::string(T::kOp) + ": bad field: " + e.what());
  }
}

const std::unordered_map<std::string, Decoder>& decoders() {
  static const auto* table = [] {
    auto* t = new std::unordered_map<std::string, Decoder>();
#define SPP_MSG_DECODER(T) (*t)[T::kOp] = &decode_as<T>;
    SPP_MESSAGES(SPP_MSG_DECODER)
#undef SPP_MSG_DECODER
    return t;
  }();
  return *table;
}

}  // namespace

bool is_known_op(const std::string& op) { return decoders().count(op) > 0; }

Result<std::pair<Envelope, size_t>> decode_header(const std::string& payload) {
  using R = Result<std::pair<Envelope, size_t>>;
  json env = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (env.is_discarded()) return R::error("malformed JSON");
  if (!env.is_object()) return R::error("envelope is not an object");
  auto v = env.find("v");
  if (v == env.end() || !v->is_number_integer()) return R::error("envelope without protocol version");
  auto op = env.find("op");
  if (op == env.end() || !op->is_string()) return R::error("envelope without op");
  // The handshake is decoded at any version so that the version check in it can say who is who.
  if (v->get<int>() != kProtocolVersion && !is_handshake_op(op->get<std::string>()))
    return R::error("protocol version " + std::to_string(v->get<int>()) + " not supported (this is " +
                    std::to_string(kProtocolVersion) + ")");
  auto blobs = env.find("blobs");
  if (blobs == env.end() || !blobs->is_number_unsigned()) return R::error("envelope without blob count");
  auto body = env.find("body");
  if (body == env.end() || !body->is_object()) return R::error("envelope without body");
  const auto& table = decoders();
  auto it = table.find(op->get<std::string>());
  if (it == table.end()) return R::error("unknown message type '" + op->get<std::string>() + "'");
  auto m = it->second(*body);
  if (!m) return R::error(m.error_message());
  size_t n = blobs->get<size_t>();
  if (n > 1000000) return R::error("too many blobs");
  Envelope e;
  e.op = op->get<std::string>();
  e.msg = std::move(m.value());
  return std::make_pair(std::move(e), n);
}

bool is_handshake_op(const std::string& op) {
  return op == Hello::kOp || op == HelloAck::kOp || op == HelloRefused::kOp || op == HelloChallenge::kOp ||
         op == HelloProof::kOp;
}

namespace {
// Handshake fields other than role/proto default when absent (see the policy in messages.h).
std::string opt_string(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
}  // namespace

void to_json(json& j, const Hello& m) {
  j = {{"role", m.role}, {"proto", m.proto}, {"name", m.name}, {"secret", m.secret}, {"build", m.build}, {"nonce", m.nonce}, {"crypto", m.crypto}};
}
void from_json(const json& j, Hello& m) {
  j.at("role").get_to(m.role);
  j.at("proto").get_to(m.proto);
  m.name = opt_string(j, "name");
  m.secret = opt_string(j, "secret");
  m.build = opt_string(j, "build");
  m.nonce = opt_string(j, "nonce");
  auto c = j.find("crypto");
  m.crypto = c != j.end() && c->is_boolean() && c->get<bool>();
}
void to_json(json& j, const HelloAck& m) {
  j = {{"role", m.role}, {"proto", m.proto}, {"name", m.name}, {"build", m.build}};
}
void from_json(const json& j, HelloAck& m) {
  j.at("role").get_to(m.role);
  j.at("proto").get_to(m.proto);
  m.name = opt_string(j, "name");
  m.build = opt_string(j, "build");
}
void to_json(json& j, const HelloRefused& m) {
  j = {{"reason", m.reason}, {"proto", m.proto}, {"build", m.build}};
}
void from_json(const json& j, HelloRefused& m) {
  j.at("proto").get_to(m.proto);
  m.reason = opt_string(j, "reason");
  m.build = opt_string(j, "build");
}

std::string version_mismatch(int peer_proto, const std::string& peer_build) {
  return "protocol version mismatch: peer speaks protocol " + std::to_string(peer_proto) + " (" +
         (peer_build.empty() ? std::string("build unknown") : peer_build) + "), this process speaks protocol " +
         std::to_string(kProtocolVersion) + " (" + build_id() + "); run the same sparkpp build on every node";
}

Status validate(const Hello& m) {
  if (m.proto != kProtocolVersion) return Status::ok();  // refused at the handshake, naming versions
  static const char* roles[] = {"worker", "app", "executor", "pydriver", "pyworker", "cli"};
  for (const char* r : roles)
    if (m.role == r) return Status::ok();
  return Status::error("unknown role '" + m.role + "'");
}

Status validate(const RegisterWorker& m) {
  if (m.id.empty()) return Status::error("empty worker id");
  if (m.host.empty()) return Status::error("empty host");
  if (m.port < 0 || m.port > 65535) return Status::error("port out of range");
  if (m.cores <= 0) return Status::error("cores must be positive");
  if (m.memory_mb <= 0) return Status::error("memory must be positive");
  return Status::ok();
}

Status validate(const LaunchExecutor& m) {
  if (m.app_id.empty()) return Status::error("empty app id");
  if (m.exec_id < 0) return Status::error("negative executor id");
  if (m.cores <= 0) return Status::error("cores must be positive");
  if (m.memory_mb <= 0) return Status::error("memory must be positive");
  return Status::ok();
}

Status validate(const RegisterApplication& m) {
  if (m.max_cores && *m.max_cores <= 0) return Status::error("max_cores must be positive");
  if (m.cores_per_executor && *m.cores_per_executor <= 0)
    return Status::error("cores_per_executor must be positive");
  if (m.memory_per_executor_mb <= 0) return Status::error("memory per executor must be positive");
  return Status::ok();
}

// A driver's files are plain base names (they are written into the driver's directory), unique.
static Status validate_driver(const DriverDescription& d) {
  if (d.files.empty()) return Status::error("a driver needs its program");
  std::set<std::string> seen;
  for (const auto& f : d.files) {
    if (f.empty() || f == "." || f == ".." || f.find('/') != std::string::npos || f.find('\0') != std::string::npos)
      return Status::error("driver file name '" + f + "' is not a plain file name");
    if (!seen.insert(f).second) return Status::error("driver file name '" + f + "' given twice");
  }
  if (d.cores <= 0) return Status::error("driver cores must be positive");
  if (d.memory_mb <= 0) return Status::error("driver memory must be positive");
  return Status::ok();
}
Status validate(const RequestSubmitDriver& m) { return validate_driver(m.desc); }
Status validate(const LaunchDriver& m) {
  if (m.driver_id.empty()) return Status::error("empty driver id");
  return validate_driver(m.desc);
}

Status validate(const RegisterExecutor& m) {
  if (m.exec_id.empty()) return Status::error("empty executor id");
  if (m.cores <= 0) return Status::error("cores must be positive");
  return Status::ok();
}

// A StatusUpdate is consistent: a map output with ascending offsets from 0, a fetch failure
// only on a fetch-failed task, SQL metrics rows of five.
Status validate(const StatusUpdate& m) {
  if (m.accum_blobs < 0) return Status::error("negative accum_blobs");
  if (m.map_output) {
    const auto& o = m.map_output->offsets;
    if (o.empty() || o.front() != 0) return Status::error("map output offsets must start at 0");
    for (size_t i = 1; i < o.size(); ++i)
      if (o[i] < o[i - 1]) return Status::error("map output offsets must ascend");
  }
  if (m.fetch_failure.has_value() != (m.error_kind == TaskErrorKind::kFetchFailed))
    return Status::error("a fetch failure comes with error kind fetch_failed, and only then");
  if (m.fetch_failure && (m.fetch_failure->shuffle_id < 0 || m.fetch_failure->map < 0))
    return Status::error("fetch failure without its shuffle and map");
  for (const auto& r : m.sql_metrics)
    if (r.size() != 5) return Status::error("SQL metrics rows have five fields");
  return Status::ok();
}

const char* to_string(TaskEndState s) {
  switch (s) {
    case TaskEndState::kFinished: return "FINISHED";
    case TaskEndState::kFailed: return "FAILED";
    case TaskEndState::kKilled: return "KILLED";
  }
  return "FAILED";
}

const char* to_string(TaskErrorKind k) {
  switch (k) {
    case TaskErrorKind::kNone: return "";
    case TaskErrorKind::kUser: return "user";
    case TaskErrorKind::kWorkerCrashed: return "worker_crashed";
    case TaskErrorKind::kFetchFailed: return "fetch_failed";
    case TaskErrorKind::kIo: return "io";
  }
  return "io";
}

void to_json(json& j, const MapOutputInfo& m) {
  std::string v;
  v.reserve(m.offsets.size());
  for (size_t i = 1; i < m.offsets.size(); ++i) {
    auto d = static_cast<uint64_t>(m.offsets[i] - m.offsets[i - 1]);
    for (; d >= 0x80; d >>= 7) v.push_back(static_cast<char>((d & 0x7f) | 0x80));
    v.push_back(static_cast<char>(d));
  }
  j = {{"path", m.path},
       {"partitions", m.offsets.empty() ? 0 : m.offsets.size() - 1},
       {"lengths", base64_encode(v)},
       {"raw_bytes", m.raw_bytes},
       {"spills", m.spills}};
}

void from_json(const json& j, MapOutputInfo& m) {
  m.path = j.at("path").get<std::string>();
  m.raw_bytes = j.at("raw_bytes").get<int64_t>();
  m.spills = j.at("spills").get<int>();
  const json& pj = j.at("partitions");
  if (!pj.is_number_integer()) throw std::invalid_argument("map output partitions is not an integer");
  int64_t n = pj.get<int64_t>();
  if (n < 0 || n > kMaxReducePartitions) throw std::invalid_argument("map output partitions out of range");
  auto raw = base64_decode(j.at("lengths").get<std::string>());
  if (!raw) throw std::invalid_argument("map output lengths are not base64");
  if (static_cast<size_t>(n) > raw->size()) throw std::invalid_argument("map output lengths truncated");  // >= 1 byte each
  const auto* p = reinterpret_cast<const unsigned char*>(raw->data());
  const auto* end = p + raw->size();
  m.offsets.assign(1, 0);
  m.offsets.reserve(static_cast<size_t>(n) + 1);
  for (int64_t i = 0; i < n; ++i) {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      if (p == end) throw std::invalid_argument("map output lengths truncated");
      if (shift > 63 || (shift == 63 && (*p & 0x7e))) throw std::invalid_argument("map output length overflows");
      v |= static_cast<uint64_t>(*p & 0x7f) << shift;
      if (!(*p++ & 0x80)) break;
    }
    if (v > static_cast<uint64_t>(INT64_MAX - m.offsets.back())) throw std::invalid_argument("map output offsets overflow");
    m.offsets.push_back(m.offsets.back() + static_cast<int64_t>(v));
  }
  if (p != end) throw std::invalid_argument("map output lengths: trailing bytes");
}

void to_json(json& j, const TaskEndState& s) { j = to_string(s); }
void from_json(const json& j, TaskEndState& s) {
  const std::string v = j.get<std::string>();
  for (auto c : {TaskEndState::kFinished, TaskEndState::kFailed, TaskEndState::kKilled})
    if (v == to_string(c)) {
      s = c;
      return;
    }
  throw std::invalid_argument("unknown task state '" + v + "'");
}
void to_json(json& j, const TaskErrorKind& k) { j = to_string(k); }
void from_json(const json& j, TaskErrorKind& k) {
  const std::string v = j.get<std::string>();
  for (auto c : {TaskErrorKind::kNone, TaskErrorKind::kUser, TaskErrorKind::kWorkerCrashed, TaskErrorKind::kFetchFailed,
                 TaskErrorKind::kIo})
    if (v == to_string(c)) {
      k = c;
      return;
    }
  throw std::invalid_argument("unknown task error kind '" + v + "'");
}

}  // namespace spp::msg

namespace spp {

const char* to_string(WorkerState s) {
  switch (s) {
    case WorkerState::kAlive: return "ALIVE";
    case WorkerState::kDead: return "DEAD";
    case WorkerState::kUnknown: return "UNKNOWN";
  }
  return "?";
}
const char* to_string(AppState s) {
  switch (s) {
    case AppState::kWaiting: return "WAITING";
    case AppState::kRunning: return "RUNNING";
    case AppState::kFinished: return "FINISHED";
    case AppState::kFailed: return "FAILED";
    case AppState::kKilled: return "KILLED";
  }
  return "?";
}
const char* to_string(ExecutorState s) {
  switch (s) {
    case ExecutorState::kLaunching: return "LAUNCHING";
    case ExecutorState::kRunning: return "RUNNING";
    case ExecutorState::kExited: return "EXITED";
    case ExecutorState::kFailed: return "FAILED";
    case ExecutorState::kKilled: return "KILLED";
    case ExecutorState::kLost: return "LOST";
  }
  return "?";
}
bool parse_executor_state(std::string_view s, ExecutorState& out) {
  for (auto st : {ExecutorState::kLaunching, ExecutorState::kRunning, ExecutorState::kExited,
                  ExecutorState::kFailed, ExecutorState::kKilled, ExecutorState::kLost})
    if (s == to_string(st)) { out = st; return true; }
  return false;
}

const char* to_string(DriverState s) {
  switch (s) {
    case DriverState::kSubmitted: return "SUBMITTED";
    case DriverState::kRunning: return "RUNNING";
    case DriverState::kFinished: return "FINISHED";
    case DriverState::kRelaunching: return "RELAUNCHING";
    case DriverState::kUnknown: return "UNKNOWN";
    case DriverState::kKilled: return "KILLED";
    case DriverState::kFailed: return "FAILED";
    case DriverState::kError: return "ERROR";
  }
  return "?";
}
bool parse_driver_state(std::string_view s, DriverState& out) {
  for (auto st : {DriverState::kSubmitted, DriverState::kRunning, DriverState::kFinished, DriverState::kRelaunching,
                  DriverState::kUnknown, DriverState::kKilled, DriverState::kFailed, DriverState::kError})
    if (s == to_string(st)) { out = st; return true; }
  return false;
}

}  // namespace spp
