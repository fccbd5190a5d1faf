// Authentication cores (common/auth.h): the mutual challenge-response, driven message by
// message with fixed nonces, through the wire codec (so a truncated or oversized handshake is
// what a socket would deliver).
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/auth.h"
#include "common/frame.h"
#include "common/messages.h"
#include "daemon/http_guard.h"

using namespace spp;
using auth::Acceptor;
using auth::Connector;
using auth::Policy;

namespace {
const std::string kNc(64, 'a');
const std::string kNa(64, 'b');
const Policy kOn{true, "s3cret"};

// What arrives on the other end: encode, frame, decode.
template <typename T>
msg::Envelope wire(const T& m) {
  std::string out;
  msg::encode(out, m);
  FrameDecoder d;
  std::vector<Frame> frames;
  REQUIRE(d.feed(out.data(), out.size(), frames).is_ok());
  REQUIRE(frames.size() == 1);
  auto r = msg::decode_header(frames[0].payload);
  REQUIRE(r.is_ok());
  return std::move(r.value().first);
}
msg::Envelope wire(const msg::Message& m) {
  return std::visit([](const auto& v) -> msg::Envelope {
    using T = std::decay_t<decltype(v)>;
    if constexpr (std::is_same_v<T, std::monostate>) return {};
    else return wire(v);
  }, m);
}

// Runs a whole exchange; returns (acceptor step that ended it, connector step that ended it).
struct Outcome {
  auth::Step acc, con;
};
Outcome run(Acceptor& a, Connector& c) {
  Outcome o;
  o.acc = a.on_message(wire(c.hello()));
  while (o.acc.fail.empty()) {
    REQUIRE(o.acc.send.size() == 1);
    o.con = c.on_message(wire(o.acc.send[0]));
    if (!o.con.fail.empty() || o.con.ready) break;
    REQUIRE(o.con.send.size() == 1);
    o.acc = a.on_message(wire(o.con.send[0]));
  }
  return o;
}
}  // namespace

TEST_CASE("auth: HMAC-SHA256 matches RFC 4231 test case 2") {
  CHECK(auth::to_hex(auth::hmac_sha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(auth::equal_ct("abc", "abc"));
  CHECK_FALSE(auth::equal_ct("abc", "abd"));
  CHECK_FALSE(auth::equal_ct("abc", "abcd"));
  CHECK(auth::well_formed_nonce(auth::fresh_nonce()));
  CHECK(auth::fresh_nonce() != auth::fresh_nonce());
}

TEST_CASE("auth: same secret -> both sides ready, the secret never on the wire") {
  Acceptor a(kOn, "master", "m", kNa);
  Connector c(kOn, "worker", "w1", kNc);
  std::string hello_bytes;
  msg::encode(hello_bytes, c.hello());
  CHECK(hello_bytes.find("s3cret") == std::string::npos);
  auto o = run(a, c);
  CHECK(o.con.ready);
  CHECK(o.con.fail.empty());
  CHECK(a.state() == Acceptor::State::kReady);
  CHECK(c.state() == Connector::State::kReady);
  CHECK(a.peer_role() == "worker");
  CHECK(c.peer_role() == "master");
}

TEST_CASE("auth: wrong secret is refused by whichever side checks first") {
  Acceptor a(Policy{true, "other"}, "master", "m", kNa);
  Connector c(kOn, "worker", "w1", kNc);
  auto o = run(a, c);
  // The connector checks the acceptor's proof first and leaves before proving anything.
  CHECK(o.con.fail.find("failed authentication") != std::string::npos);
  CHECK(a.state() == Acceptor::State::kAwaitProof);

  // A connector that forges a proof is refused by the acceptor, never ready.
  Acceptor a2(kOn, "master", "m", kNa);
  auto s = a2.on_message(wire(Connector(kOn, "worker", "w", kNc).hello()));
  REQUIRE(s.send.size() == 1);
  msg::HelloProof forged;
  forged.proof = auth::proof("guess", "connector", "worker", kNc, kNa);
  auto r = a2.on_message(wire(forged));
  CHECK(r.refuse);
  CHECK(r.fail == "authentication failed (wrong secret)");
  CHECK_FALSE(r.ready);
  CHECK(a2.state() == Acceptor::State::kFailed);
}

TEST_CASE("auth: missing secret on either side fails at connect time, saying which") {
  Acceptor a(kOn, "master", "m", kNa);
  auto r = a.on_message(wire(Connector(Policy{}, "app", "x", kNc).hello()));
  CHECK(r.refuse);
  CHECK(r.fail.find("authentication required") != std::string::npos);

  Acceptor open(Policy{}, "master", "m", kNa);
  Connector c(kOn, "worker", "w", kNc);
  auto o = run(open, c);
  CHECK(o.con.fail.find("did not authenticate") != std::string::npos);

  Connector plain(Policy{}, "worker", "w", kNc);
  Acceptor strict(kOn, "master", "m", kNa);
  auto ch = strict.on_message(wire(Connector(kOn, "worker", "w", kNc).hello()));
  auto f = plain.on_message(wire(ch.send[0]));
  CHECK(f.fail.find("no secret") != std::string::npos);

  Acceptor keyless(Policy{true, ""}, "driver", "d", kNa);
  auto k = keyless.on_message(wire(Connector(kOn, "executor", "1", kNc).hello()));
  CHECK(k.refuse);
}

TEST_CASE("auth: a replayed exchange proves nothing on a new connection") {
  // Record a good exchange, then replay the connector's messages against a fresh acceptor
  // (whose nonce differs, as every connection's does).
  Acceptor a(kOn, "driver", "d", kNa);
  Connector c(kOn, "executor", "1", kNc);
  auto hello = c.hello();
  auto ch = a.on_message(wire(hello));
  auto pr = c.on_message(wire(ch.send[0]));
  REQUIRE(pr.send.size() == 1);
  Acceptor fresh(kOn, "driver", "d", std::string(64, 'c'));
  REQUIRE(fresh.on_message(wire(hello)).fail.empty());
  auto r = fresh.on_message(wire(pr.send[0]));
  CHECK(r.refuse);
  CHECK(fresh.state() == Acceptor::State::kFailed);

  // A peer reflecting the connector's own nonce, or a malformed one, is refused.
  Acceptor refl(kOn, "driver", "d", kNc);
  CHECK(refl.on_message(wire(Connector(kOn, "executor", "1", kNc).hello())).refuse);
  msg::Hello bad = Connector(kOn, "executor", "1", kNc).hello();
  bad.nonce = "zz";
  CHECK(Acceptor(kOn, "driver", "d", kNa).on_message(wire(bad)).refuse);
  Connector c2(kOn, "executor", "1", kNc);
  msg::HelloChallenge echo;
  echo.nonce = kNc;
  echo.proof = auth::proof("s3cret", "acceptor", "executor", kNc, kNc);
  CHECK_FALSE(c2.on_message(wire(echo)).fail.empty());
}

TEST_CASE("auth: proofs are bound to the role and the direction") {
  // The acceptor's proof is not a valid connector proof (no reflection), nor one for another role.
  CHECK(auth::proof("k", "acceptor", "worker", kNc, kNa) != auth::proof("k", "connector", "worker", kNc, kNa));
  CHECK(auth::proof("k", "connector", "worker", kNc, kNa) != auth::proof("k", "connector", "app", kNc, kNa));
  Acceptor a(kOn, "master", "m", kNa);
  auto ch = a.on_message(wire(Connector(kOn, "worker", "w", kNc).hello()));
  msg::HelloProof p;
  p.proof = std::get<msg::HelloChallenge>(ch.send[0]).proof;
  CHECK(a.on_message(wire(p)).refuse);
  // Per-application keys differ per application and from the cluster secret.
  CHECK(auth::app_key("s", "app-1") != auth::app_key("s", "app-2"));
  CHECK(auth::app_key("s", "app-1") != auth::app_key("t", "app-1"));
}

TEST_CASE("auth: out-of-order and stray messages end the handshake") {
  Acceptor a(kOn, "master", "m", kNa);
  msg::HelloProof early;
  early.proof = std::string(64, '0');
  auto r = a.on_message(wire(early));
  CHECK(r.refuse);
  CHECK(r.fail.find("expected Hello") != std::string::npos);

  Acceptor b(kOn, "master", "m", kNa);
  REQUIRE(b.on_message(wire(Connector(kOn, "worker", "w", kNc).hello())).fail.empty());
  msg::WorkerHeartbeat hb;
  hb.worker_id = "w";
  CHECK(b.on_message(wire(hb)).refuse);  // a message before the proof is never acted upon

  Connector c(kOn, "worker", "w", kNc);
  msg::HelloAck ack;
  ack.role = "master";
  CHECK_FALSE(c.on_message(wire(ack)).fail.empty());  // HelloAck without a challenge
}

TEST_CASE("auth: truncated and oversized handshakes") {
  Connector c(kOn, "worker", "w", kNc);
  std::string out;
  msg::encode(out, c.hello());
  CHECK(out.size() < 1024);  // a Hello fits the pre-handshake frame limit many times over
  FrameDecoder d(8192);
  std::vector<Frame> frames;
  REQUIRE(d.feed(out.data(), out.size() - 3, frames).is_ok());
  CHECK(frames.empty());  // truncated: nothing to act upon yet
  std::string big = encode_frame(kFrameJson, std::string(9000, ' '));
  FrameDecoder d2(8192);
  CHECK_FALSE(d2.feed(big.data(), 8, frames).is_ok());  // refused from the header alone
  // A Hello with a body field of the wrong type does not decode.
  CHECK_FALSE(msg::decode_header(R"({"v":3,"op":"HelloProof","blobs":0,"body":{"proof":7}})").is_ok());
  CHECK_FALSE(msg::decode_header(R"({"v":3,"op":"HelloChallenge","blobs":0,"body":{"nonce":"x"}})").is_ok());
}

TEST_CASE("auth: cluster_policy reads conf, file, environment; errors say how to fix") {
  Conf off;
  CHECK_FALSE(auth::cluster_policy(off)->required);
  Conf on;
  on.set("spark.authenticate", "true");
  on.set("spark.authenticate.secret", "abc");
  CHECK(auth::cluster_policy(on)->key == "abc");
  auto dir = std::filesystem::temp_directory_path() / ("sparkpp-auth-test-" + auth::fresh_nonce().substr(0, 8));
  std::filesystem::create_directories(dir);
  {
    std::ofstream f(dir / "secret");
    f << "filesecret\n";
  }
  Conf file;
  file.set("spark.authenticate", "true");
  file.set("spark.authenticate.secret.file", (dir / "secret").string());
  CHECK(auth::cluster_policy(file)->key == "filesecret");
  file.set("spark.authenticate.secret.file", (dir / "missing").string());
  CHECK_FALSE(auth::cluster_policy(file).is_ok());
  std::filesystem::remove_all(dir);
  Conf none;
  none.set("spark.authenticate", "true");
  if (!std::getenv("SPARKPP_SECRET")) {
    auto r = auth::cluster_policy(none);
    CHECK_FALSE(r.is_ok());
    CHECK(r.error_message().find("sparkpp secret new") != std::string::npos);
  }
}

TEST_CASE("auth: secure default - no unauthenticated non-loopback bind without an explicit opt-out") {
  bool exposed = true;
  Conf none;
  CHECK(auth::check_exposure(none, "127.0.0.1", "listen", &exposed).is_ok());
  CHECK_FALSE(exposed);
  CHECK(auth::check_exposure(none, "::1", "listen", &exposed).is_ok());
  for (const char* host : {"0.0.0.0", "10.0.0.1", "::", "myhost"}) {
    auto st = auth::check_exposure(none, host, "listen", &exposed);
    CHECK_FALSE(st.is_ok());
    CHECK(st.message().find("--insecure") != std::string::npos);
  }
  Conf optout;
  optout.set("spark.authenticate", "false");
  CHECK(auth::check_exposure(optout, "0.0.0.0", "listen", &exposed).is_ok());
  CHECK(exposed);
  Conf on;
  on.set("spark.authenticate", "true");
  CHECK(auth::check_exposure(on, "0.0.0.0", "listen", &exposed).is_ok());
  CHECK_FALSE(exposed);
  CHECK_FALSE(auth::is_loopback_host("128.0.0.1"));
  CHECK(auth::is_loopback_host("127.1.2.3"));
}

TEST_CASE("http guard: mutating UI endpoints are same-origin, and need the UI credential with authentication on") {
  using spp::check_mutation;
  spp::auth::Policy off;
  CHECK(check_mutation({"m:8080", "", "", ""}, off).allowed());  // curl: no Origin, no Referer
  CHECK(check_mutation({"m:8080", "http://m:8080", "", ""}, off).allowed());
  CHECK(check_mutation({"m:8080", "", "http://m:8080/app/?id=1", ""}, off).allowed());
  CHECK(check_mutation({"m:8080", "https://m:8080", "", ""}, off).allowed());
  for (const char* origin : {"http://evil.example", "http://m:8080.evil.example", "null", "http://m:80801"})
    CHECK_MESSAGE(check_mutation({"m:8080", origin, "", ""}, off).status == 403, origin);
  CHECK(check_mutation({"m:8080", "", "http://evil.example/m:8080/", ""}, off).status == 403);
  CHECK(check_mutation({"m:8080", "", "http://m:8080.evil/", ""}, off).status == 403);
  CHECK(check_mutation({"", "http://m:8080", "", ""}, off).status == 403);  // no Host to compare with

  spp::auth::Policy on{true, "s3cret"};
  auto v = check_mutation({"m:8080", "http://m:8080", "", ""}, on);
  CHECK(v.status == 401);
  CHECK(v.www_authenticate.find("Basic") == 0);
  // The UI credential is HMAC-SHA256(secret, "sparkpp-ui") in hex, as documented (the value
  // `printf %s sparkpp-ui | openssl dgst -sha256 -hmac s3cret` prints).
  const std::string cred = "31ffea6474aae97cc73e2d946626295247288308f138d0d8bcd0dd65edab8a41";
  CHECK(spp::ui_credential("s3cret") == cred);
  CHECK(spp::ui_credential("s3cret2") != cred);
  CHECK(check_mutation({"m:8080", "", "", "Basic YWRtaW46MzFmZmVhNjQ3NGFhZTk3Y2M3M2UyZDk0NjYyNjI5NTI0NzI4ODMwOGYxMzhkMGQ4YmNkMGRkNjVlZGFiOGE0MQ=="}, on).allowed());  // admin:<cred>
  CHECK(check_mutation({"m:8080", "", "", "Bearer " + cred}, on).allowed());
  CHECK(check_mutation({"m:8080", "", "", "Bearer " + cred.substr(1)}, on).status == 401);
  CHECK(check_mutation({"m:8080", "", "", "Basic YWRtaW46d3Jvbmc="}, on).status == 401);  // admin:wrong
  CHECK(check_mutation({"m:8080", "", "", "Basic !!!"}, on).status == 401);
  // The cluster secret itself is never accepted over HTTP (it would let whoever sees a UI
  // request join the cluster), and the refusal says why.
  auto raw = check_mutation({"m:8080", "", "", "Basic " + std::string("YWRtaW46czNjcmV0")}, on);  // admin:s3cret
  CHECK(raw.status == 401);
  CHECK(raw.message.find("never accepted") != std::string::npos);
  CHECK(check_mutation({"m:8080", "", "", "Bearer s3cret"}, on).status == 401);
  // Cross-origin is refused before credentials are even looked at.
  CHECK(check_mutation({"m:8080", "http://evil", "", "Bearer " + cred}, on).status == 403);
}
