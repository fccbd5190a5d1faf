// Frame codec and message catalog: round trips, truncation, oversize, garbage.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "common/frame.h"
#include "common/messages.h"

using namespace spp;
using nlohmann::json;

TEST_CASE("frame round trip, byte at a time") {
  std::string wire = encode_frame(kFrameJson, "{\"a\":1}") + encode_frame(kFrameBlob, std::string(1000, 'x'));
  FrameDecoder d;
  std::vector<Frame> out;
  for (char c : wire) REQUIRE(d.feed(&c, 1, out).is_ok());
  REQUIRE(out.size() == 2);
  CHECK(out[0].kind == kFrameJson);
  CHECK(out[0].payload == "{\"a\":1}");
  CHECK(out[1].payload.size() == 1000);
  CHECK(d.buffered() == 0);
}

TEST_CASE("truncated frame waits for more bytes") {
  std::string wire = encode_frame(kFrameBlob, "hello");
  FrameDecoder d;
  std::vector<Frame> out;
  REQUIRE(d.feed(wire.data(), wire.size() - 1, out).is_ok());
  CHECK(out.empty());
  REQUIRE(d.feed(wire.data() + wire.size() - 1, 1, out).is_ok());
  CHECK(out.size() == 1);
}

TEST_CASE("large frames are received straight into their payloads") {
  // Three frames: small, large (3 MiB: the payload grows past its first MiB), small. Fed in
  // odd chunks, then read through direct_space/commit_direct as a socket reader does.
  std::string big(3u << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + i / 4096);
  std::string wire = encode_frame(kFrameJson, "{}") + encode_frame(kFrameBlob, big) + encode_frame(kFrameBlob, "tail");
  for (int mode = 0; mode < 2; ++mode) {
    FrameDecoder d(kDataMaxFrame);
    std::vector<Frame> out;
    size_t at = 0;
    while (at < wire.size()) {
      auto [p, room] = d.direct_space();
      if (mode == 1 && p) {
        REQUIRE(room > 0);
        const size_t n = std::min({room, wire.size() - at, size_t{100003}});
        std::memcpy(p, wire.data() + at, n);
        d.commit_direct(n, out);
        at += n;
      } else {
        const size_t n = std::min(wire.size() - at, size_t{70001});
        REQUIRE(d.feed(wire.data() + at, n, out).is_ok());
        at += n;
      }
      if (out.size() < 2) CHECK(d.buffered() == at - (out.empty() ? 0 : 7));
    }
    REQUIRE(out.size() == 3);
    CHECK(out[0].payload == "{}");
    CHECK(out[1].kind == kFrameBlob);
    CHECK(out[1].payload == big);
    CHECK(out[2].payload == "tail");
    CHECK(d.buffered() == 0);
    CHECK(d.direct_space().first == nullptr);
  }
  // A length field alone does not make the decoder allocate the claimed size.
  FrameDecoder d(kDataMaxFrame);
  std::vector<Frame> out;
  std::string claim = encode_frame(kFrameBlob, std::string(100, 'x')).substr(0, 5) + std::string(100, 'x');
  claim[0] = 0x3f;  // ~1 GiB claimed
  REQUIRE(d.feed(claim.data(), claim.size(), out).is_ok());
  CHECK(d.direct_space().second <= (1u << 20));
}

TEST_CASE("oversized, zero-length and unknown-kind frames are refused") {
  FrameDecoder d(100);
  std::vector<Frame> out;
  std::string big = encode_frame(kFrameBlob, std::string(200, 'x'));
  CHECK_FALSE(d.feed(big.data(), 4, out).is_ok());
  CHECK(d.failed());
  FrameDecoder z;
  const char zero[5] = {0, 0, 0, 0, 'J'};
  CHECK_FALSE(z.feed(zero, 5, out).is_ok());
  FrameDecoder k;
  const char bad[6] = {0, 0, 0, 2, 'Q', 'x'};
  CHECK_FALSE(k.feed(bad, 6, out).is_ok());
}

TEST_CASE("random bytes never crash the decoder") {
  std::mt19937 rng(42);
  for (int round = 0; round < 2000; ++round) {
    FrameDecoder d(1 << 16);
    std::vector<Frame> out;
    std::string junk(rng() % 300, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    auto st = d.feed(junk.data(), junk.size(), out);
    for (auto& f : out) (void)msg::decode_header(f.payload);
    (void)st;
  }
}

TEST_CASE("message round trip through envelope") {
  msg::RegisterWorker w;
  w.id = "worker-1";
  w.host = "10.0.0.1";
  w.port = 4000;
  w.cores = 4;
  w.memory_mb = 2048;
  w.webui_url = "http://10.0.0.1:8081";
  std::string wire;
  msg::encode(wire, w, {"blob1"});
  FrameDecoder d;
  std::vector<Frame> out;
  REQUIRE(d.feed(wire.data(), wire.size(), out).is_ok());
  REQUIRE(out.size() == 2);
  auto r = msg::decode_header(out[0].payload);
  REQUIRE(r.is_ok());
  CHECK(r->second == 1);
  const auto* got = r->first.as<msg::RegisterWorker>();
  REQUIRE(got);
  CHECK(got->cores == 4);
  CHECK(got->webui_url == w.webui_url);
}

namespace {
// A wire sample at the current protocol version: "@V" stands for kProtocolVersion.
std::string cur(std::string s) {
  for (size_t p; (p = s.find("@V")) != std::string::npos;) s.replace(p, 2, std::to_string(msg::kProtocolVersion));
  return s;
}
}  // namespace

TEST_CASE("decode refuses bad envelopes and fields") {
  CHECK_FALSE(msg::decode_header("not json").is_ok());
  CHECK_FALSE(msg::decode_header("[1,2]").is_ok());
  CHECK_FALSE(msg::decode_header(R"({"v":99,"op":"Hello","blobs":0,"body":{}})").is_ok());
  CHECK_FALSE(msg::decode_header(cur(R"({"v":@V,"op":"NoSuchThing","blobs":0,"body":{}})")).is_ok());
  // missing field
  CHECK_FALSE(msg::decode_header(cur(R"({"v":@V,"op":"RegisterWorker","blobs":0,"body":{"id":"w"}})")).is_ok());
  // wrong type
  CHECK_FALSE(msg::decode_header(
      cur(R"({"v":@V,"op":"KillExecutor","blobs":0,"body":{"app_id":"a","exec_id":"x"}})")).is_ok());
  // semantic validation
  CHECK_FALSE(msg::decode_header(
      cur(R"({"v":@V,"op":"RegisterWorker","blobs":0,"body":{"id":"w","host":"h","port":1,"cores":0,"memory_mb":1,"webui_url":""}})")).is_ok());
  CHECK_FALSE(msg::decode_header(cur(R"({"v":@V,"op":"Hello","blobs":0,"body":{"role":"evil","proto":@V,"name":"","secret":""}})")).is_ok());
  auto ok = msg::decode_header(cur(R"({"v":@V,"op":"Hello","blobs":0,"body":{"role":"worker","proto":@V,"name":"","secret":""}})"));
  CHECK(ok.is_ok());
}

TEST_CASE("a float in an integer field is refused, not cast (1e55 was undefined behaviour)") {
  const std::string app = R"({"v":@V,"op":"RegisterApplication","blobs":0,"body":{"name":"a","max_cores":MAX,)"
                          R"("cores_per_executor":null,"memory_per_executor_mb":MEM,"driver_url":"h:1","app_ui_url":"",)"
                          R"("user":"u","executor_env":{},"app_id":null}})";
  auto with = [&](const char* max, const char* mem) {
    std::string s = cur(app);
    s.replace(s.find("MAX"), 3, max);
    s.replace(s.find("MEM"), 3, mem);
    return msg::decode_header(s);
  };
  CHECK(with("2", "512").is_ok());
  auto huge = with("2", "1.3333e55");
  REQUIRE_FALSE(huge.is_ok());
  CHECK(huge.error_message().find("memory_per_executor_mb") != std::string::npos);
  CHECK_FALSE(with("2", "512.5").is_ok());
  CHECK_FALSE(with("1e10", "512").is_ok());  // an optional<int>
  // Floats inside a task plan (a JSON object field) are the plan's own business.
  auto plan = msg::decode_header(cur(R"({"v":@V,"op":"LaunchTask","blobs":0,"body":{"task_id":1,"job_id":0,"stage_id":0,)"
                                     R"("stage_attempt":0,"partition":0,"attempt":0,"plan":{"lit":1e300},"sink":{"kind":"result"}}})"));
  CHECK(plan.error_message().find("must be an integer") == std::string::npos);
}

TEST_CASE("the handshake decodes at any protocol version; other messages do not") {
  // An old or newer peer's Hello (other version, fields missing or added) still decodes, so that
  // the handshake can refuse it naming both versions instead of "bad message".
  auto old = msg::decode_header(R"({"v":1,"op":"Hello","blobs":0,"body":{"role":"worker","proto":1,"name":"w","secret":""}})");
  REQUIRE(old.is_ok());
  CHECK(old->first.as<msg::Hello>()->proto == 1);
  CHECK(old->first.as<msg::Hello>()->build.empty());
  auto newer = msg::decode_header(R"({"v":99,"op":"Hello","blobs":0,"body":{"role":"robot","proto":99,"build":"sparkpp 9","extra":1}})");
  REQUIRE(newer.is_ok());
  CHECK(newer->first.as<msg::Hello>()->build == "sparkpp 9");
  CHECK(msg::decode_header(R"({"v":1,"op":"HelloRefused","blobs":0,"body":{"proto":1,"reason":"x"}})").is_ok());
  CHECK_FALSE(msg::decode_header(R"({"v":1,"op":"MasterInStandby","blobs":0,"body":{}})").is_ok());
  CHECK_FALSE(msg::decode_header(R"({"v":1,"op":"Hello","blobs":0,"body":{"name":"no role or proto"}})").is_ok());
  std::string why = msg::version_mismatch(1, "sparkpp 0.0.9 (abc)");
  CHECK(why.find("protocol 1 (sparkpp 0.0.9 (abc))") != std::string::npos);
  CHECK(why.find("protocol " + std::to_string(msg::kProtocolVersion) + " (" + msg::build_id() + ")") != std::string::npos);
}

TEST_CASE("optional fields are null on the wire") {
  msg::ExecutorStateChanged e;
  e.app_id = "a";
  e.state = "EXITED";
  std::string wire;
  msg::encode(wire, e);
  auto r = msg::decode_header(wire.substr(kFrameHeader));
  REQUIRE(r.is_ok());
  CHECK_FALSE(r->first.as<msg::ExecutorStateChanged>()->exit_code.has_value());
}

TEST_CASE("StatusUpdate: typed fields round-trip; unknown states and inconsistent facts are refused") {
  msg::StatusUpdate u;
  u.task_id = 7;
  u.state = msg::TaskEndState::kFinished;
  u.accum_blobs = 2;
  u.map_output = msg::MapOutputInfo{"/x/shuffle_1_0_7.data", {0, 10, 10, 25}, 40, 1};
  u.sql_metrics = {{3, 100, 5000, 0, 1024}};
  std::string wire;
  msg::encode(wire, u);
  auto r = msg::decode_header(wire.substr(kFrameHeader));
  REQUIRE(r.is_ok());
  const auto* back = r->first.as<msg::StatusUpdate>();
  REQUIRE(back);
  CHECK(back->state == msg::TaskEndState::kFinished);
  CHECK(back->map_output->offsets == std::vector<int64_t>{0, 10, 10, 25});
  CHECK(back->accum_blobs == 2);
  CHECK(back->sql_metrics.at(0).at(4) == 1024);
  // On the wire, Spark's names.
  json body = json::parse(wire.substr(kFrameHeader))["body"];
  CHECK(body["state"] == "FINISHED");
  CHECK(body["error_kind"] == "");

  auto refused = [&](json b) {
    json env = {{"v", msg::kProtocolVersion}, {"op", "StatusUpdate"}, {"blobs", 0}, {"body", b}};
    return !msg::decode_header(env.dump()).is_ok();
  };
  CHECK_FALSE(refused(body));
  json bad = body;
  bad["state"] = "DONE";
  CHECK(refused(bad));
  bad = body;
  bad["error_kind"] = "oops";
  CHECK(refused(bad));
  // Offsets travel as base64 LEB128 segment lengths ([10, 0, 15] here).
  CHECK(body["map_output"]["partitions"] == 3);
  CHECK(body["map_output"]["lengths"] == "CgAP");
  CHECK_FALSE(body["map_output"].contains("offsets"));
  for (auto [field, value] : std::vector<std::pair<std::string, json>>{
           {"lengths", "CgA="},                  // two lengths for three partitions
           {"lengths", "CgAPAA=="},              // a fourth, trailing
           {"lengths", "Cg*P"},                  // not base64
           {"lengths", "gICAgICAgICAAQ=="},      // 2^63: overflows
           {"partitions", -1},
           {"partitions", 1.5},
           {"partitions", int64_t{1} << 40}}) {
    bad = body;
    bad["map_output"][field] = value;
    CHECK_MESSAGE(refused(bad), field << " = " << value.dump());
  }
  bad = body;  // a fetch failure only with error kind fetch_failed, and the other way round
  bad["fetch_failure"] = {{"shuffle_id", 1}, {"map", 0}, {"exec", "1"}, {"path", ""}};
  CHECK(refused(bad));
  bad["state"] = "FAILED";
  bad["error_kind"] = "fetch_failed";
  CHECK_FALSE(refused(bad));
  bad["fetch_failure"] = nullptr;
  CHECK(refused(bad));
  bad = body;
  bad["sql_metrics"] = {{1, 2, 3}};
  CHECK(refused(bad));
}

TEST_CASE("MapOutputInfo: offsets of every size round-trip through packed lengths") {
  std::vector<int64_t> off{0};
  for (int64_t len : {int64_t{0}, int64_t{1}, int64_t{127}, int64_t{128}, int64_t{16384}, int64_t{1} << 40, int64_t{0}})
    off.push_back(off.back() + len);
  msg::MapOutputInfo m{"/p.data", off, 5, 0};
  json j = m;
  msg::MapOutputInfo back = j.get<msg::MapOutputInfo>();
  CHECK(back.offsets == off);
  CHECK(back.path == "/p.data");
  msg::MapOutputInfo none{"/q.data", {0}, 0, 0};
  CHECK(json(none).get<msg::MapOutputInfo>().offsets == std::vector<int64_t>{0});
}
