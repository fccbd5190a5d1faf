// Encryption of connections (spark.network.crypto.enabled): the sealed-record codec of
// common/frame.h (seal / open, tampered, truncated, replayed, reordered, plaintext-after-handshake
// records) and the key agreement of common/auth.h (both sides derive the same per-direction
// keys; a mismatched setting is refused at the handshake, saying which side lacks it).
#include <doctest/doctest.h>

#include "common/auth.h"
#include "common/config.h"
#include "common/frame.h"
#include "common/messages.h"

using namespace spp;

namespace {
const std::string kK1(32, '\x01');
const std::string kK2(32, '\x02');

// The outer frames (sealed records) of a wire string.
std::vector<Frame> records(const std::string& wire) {
  FrameDecoder d(kSealRecordMax + kSealTagBytes);
  std::vector<Frame> out;
  REQUIRE(d.feed(wire.data(), wire.size(), out).is_ok());
  return out;
}

std::string plain_stream() {
  return encode_frame(kFrameJson, "{\"op\":\"x\"}") + encode_frame(kFrameBlob, std::string(200000, 'q')) +
         encode_frame(kFrameJson, "{\"op\":\"y\"}");
}

msg::Envelope wire(const msg::Message& m) {
  return std::visit([](const auto& v) -> msg::Envelope {
    using T = std::decay_t<decltype(v)>;
    if constexpr (std::is_same_v<T, std::monostate>) {
      return {};
    } else {
      std::string out;
      msg::encode(out, v);
      FrameDecoder d;
      std::vector<Frame> frames;
      REQUIRE(d.feed(out.data(), out.size(), frames).is_ok());
      REQUIRE(frames.size() == 1);
      auto r = msg::decode_header(frames[0].payload);
      REQUIRE(r.is_ok());
      return std::move(r.value().first);
    }
  }, m);
}
}  // namespace

TEST_CASE("seal: round trip of a frame stream cut into records, plaintext never on the wire") {
  FrameSealer s(kK1);
  FrameOpener o(kK1, kDefaultMaxFrame);
  std::string plain = plain_stream();
  std::string w = s.seal(plain.substr(0, 7));  // records cut the stream anywhere
  s.seal(w, plain.substr(7));
  CHECK(w.find(std::string(64, 'q')) == std::string::npos);
  CHECK(w.find("\"op\"") == std::string::npos);
  auto recs = records(w);
  CHECK(recs.size() == 1 + (plain.size() - 7 + kSealRecordMax - 1) / kSealRecordMax);
  std::vector<Frame> got;
  for (auto& r : recs) {
    CHECK(r.kind == kFrameSealed);
    REQUIRE(o.open(r, got).is_ok());
  }
  REQUIRE(got.size() == 3);
  CHECK(got[0].payload == "{\"op\":\"x\"}");
  CHECK(got[1].kind == kFrameBlob);
  CHECK(got[1].payload == std::string(200000, 'q'));
  CHECK(got[2].payload == "{\"op\":\"y\"}");
  // The same bytes sealed again give other ciphertext (the counter moved on).
  FrameSealer s2(kK1);
  CHECK(s2.seal("abc") != s2.seal("abc"));
}

TEST_CASE("seal: a tampered, truncated, replayed, reordered or foreign record closes the stream") {
  FrameSealer s(kK1);
  std::string a = s.seal(encode_frame(kFrameJson, "{\"n\":1}"));
  std::string b = s.seal(encode_frame(kFrameJson, "{\"n\":2}"));
  std::vector<Frame> got;
  SUBCASE("tampered ciphertext, tag or header") {
    for (size_t i : {size_t(5), a.size() / 2, a.size() - 1}) {
      std::string t = a;
      t[i] ^= 0x20;
      FrameOpener o(kK1, kDefaultMaxFrame);
      auto st = o.open(records(t)[0], got);
      CHECK_FALSE(st.is_ok());
      CHECK(st.message().find("does not verify") != std::string::npos);
      CHECK(o.failed());
      // Stays failed: the genuine record no longer opens either.
      CHECK_FALSE(o.open(records(a)[0], got).is_ok());
    }
    CHECK(got.empty());
  }
  SUBCASE("truncated: a record cut short is not a record; a shortened one does not verify") {
    FrameDecoder d(kSealRecordMax + kSealTagBytes);
    std::vector<Frame> outer;
    REQUIRE(d.feed(a.data(), a.size() - 3, outer).is_ok());
    CHECK(outer.empty());  // waits for the rest
    // The same record re-framed 3 bytes shorter (length fixed up) fails its tag.
    Frame cut = records(a)[0];
    cut.payload.resize(cut.payload.size() - 3);
    FrameOpener o(kK1, kDefaultMaxFrame);
    CHECK_FALSE(o.open(cut, got).is_ok());
    FrameOpener o2(kK1, kDefaultMaxFrame);
    Frame tiny{kFrameSealed, std::string(kSealTagBytes, 'x')};
    auto st = o2.open(tiny, got);
    CHECK(st.message().find("too short") != std::string::npos);
    FrameOpener o3(kK1, kDefaultMaxFrame);
    Frame huge{kFrameSealed, std::string(kSealRecordMax + kSealTagBytes + 1, 'x')};
    CHECK(o3.open(huge, got).message().find("exceeds") != std::string::npos);
    CHECK(got.empty());
  }
  SUBCASE("replayed and reordered") {
    FrameOpener o(kK1, kDefaultMaxFrame);
    REQUIRE(o.open(records(a)[0], got).is_ok());
    CHECK_FALSE(o.open(records(a)[0], got).is_ok());  // the same record again
    FrameOpener o2(kK1, kDefaultMaxFrame);
    CHECK_FALSE(o2.open(records(b)[0], got).is_ok());  // b before a
    REQUIRE(got.size() == 1);
    CHECK(got[0].payload == "{\"n\":1}");
  }
  SUBCASE("another key, or the other direction's key") {
    FrameOpener o(kK2, kDefaultMaxFrame);
    CHECK_FALSE(o.open(records(a)[0], got).is_ok());
  }
  SUBCASE("plaintext after the handshake") {
    FrameOpener o(kK1, kDefaultMaxFrame);
    std::string p = encode_frame(kFrameJson, "{\"op\":\"Evil\"}");
    FrameDecoder d;
    std::vector<Frame> outer;
    REQUIRE(d.feed(p.data(), p.size(), outer).is_ok());
    auto st = o.open(outer[0], got);
    CHECK(st.message().find("plaintext frame") != std::string::npos);
    CHECK(got.empty());
  }
}

TEST_CASE("seal: the role's frame limit applies to the frames inside records") {
  FrameSealer s(kK1);
  FrameOpener o(kK1, 1000);
  std::vector<Frame> got;
  std::string w = s.seal(encode_frame(kFrameBlob, std::string(2000, 'z')));
  auto st = o.open(records(w)[0], got);
  CHECK(st.message().find("exceeds the limit of 1000") != std::string::npos);
  // A sealed record nested inside a record is refused too.
  FrameSealer s2(kK1);
  FrameOpener o2(kK1, kDefaultMaxFrame);
  std::string inner = FrameSealer(kK2).seal("x");
  CHECK_FALSE(o2.open(records(s2.seal(inner))[0], got).is_ok());
}

TEST_CASE("crypto handshake: both sides derive the same per-direction keys; mismatches refused") {
  const std::string nc(64, 'a'), na(64, 'b');
  auth::Policy on{true, "s3cret", true};
  auto handshake = [&](auth::Policy pa, auth::Policy pc, auth::Step* acc_last, auth::Step* con_last) {
    auth::Acceptor a(pa, "master", "m", na);
    auth::Connector c(pc, "worker", "w", nc);
    auth::Step sa = a.on_message(wire(c.hello()));
    *acc_last = sa;
    if (!sa.fail.empty()) return;
    auth::Step sc = c.on_message(wire(sa.send[0]));
    *con_last = sc;
    if (!sc.fail.empty()) return;
    sa = a.on_message(wire(sc.send[0]));
    *acc_last = sa;
    if (!sa.fail.empty()) return;
    *con_last = c.on_message(wire(sa.send[0]));
  };
  auth::Step a, c;
  handshake(on, on, &a, &c);
  REQUIRE(a.ready);
  REQUIRE(c.ready);
  CHECK(a.send_key.size() == 32);
  CHECK(a.send_key == c.recv_key);
  CHECK(c.send_key == a.recv_key);
  CHECK(a.send_key != a.recv_key);
  CHECK(a.send_key != std::string("s3cret"));
  CHECK(a.send_key == auth::session_key("s3cret", nc, na, "a2c"));
  // Fresh nonces: other keys on the next connection.
  CHECK(auth::session_key("s3cret", nc, std::string(64, 'c'), "a2c") != a.send_key);
  // Keys seal and open across the two sides.
  FrameSealer s(c.send_key);
  FrameOpener o(a.recv_key, kDefaultMaxFrame);
  std::vector<Frame> got;
  REQUIRE(o.open(records(s.seal(encode_frame(kFrameJson, "{}")))[0], got).is_ok());
  CHECK(got.size() == 1);

  // Authentication without encryption: no keys.
  auth::Step a0, c0;
  handshake(auth::Policy{true, "s3cret"}, auth::Policy{true, "s3cret"}, &a0, &c0);
  CHECK(c0.ready);
  CHECK(c0.send_key.empty());
  CHECK(a0.send_key.empty());

  // The acceptor encrypts, the connector does not: refused at Hello, saying so.
  auth::Step a1, c1;
  handshake(on, auth::Policy{true, "s3cret"}, &a1, &c1);
  CHECK(a1.refuse);
  CHECK(a1.fail.find("encryption required") != std::string::npos);
  // The connector encrypts, the acceptor does not.
  auth::Step a2, c2;
  handshake(auth::Policy{true, "s3cret"}, on, &a2, &c2);
  CHECK(a2.fail.find("asks for encryption") != std::string::npos);
  // A man in the middle stripping the flag from the challenge: the connector leaves.
  auth::Connector cc(on, "worker", "w", nc);
  msg::HelloChallenge ch;
  ch.nonce = na;
  ch.proof = auth::proof("s3cret", "acceptor", "worker", nc, na);
  ch.crypto = false;
  auto st = cc.on_message(wire(ch));
  CHECK(st.fail.find("does not encrypt") != std::string::npos);
}

TEST_CASE("crypto config: spark.network.crypto.enabled needs spark.authenticate (as Spark)") {
  Conf conf;
  conf.set("spark.network.crypto.enabled", "true");
  auto p = auth::cluster_policy(conf);
  REQUIRE_FALSE(p.is_ok());
  CHECK(p.error_message().find("spark.authenticate must be enabled when enabling encryption") == 0);
  conf.set("spark.authenticate", "true");
  conf.set("spark.authenticate.secret", "k");
  p = auth::cluster_policy(conf);
  REQUIRE(p.is_ok());
  CHECK(p->required);
  CHECK(p->encrypt);
  conf.set("spark.network.crypto.enabled", "false");
  CHECK_FALSE(auth::cluster_policy(conf)->encrypt);
}
