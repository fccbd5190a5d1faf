// Authentication of every sparkpp connection (issue 12): a shared secret proven, never sent,
// by mutual HMAC-SHA256 challenge-response inside the Hello exchange.
//
//   connector                                   acceptor
//   Hello{role, name, nonce: Nc}          ──►   role allowed? key known? Nc well-formed?
//                                         ◄──   HelloChallenge{nonce: Na, proof: P_a}
//   check P_a (constant time)
//   HelloProof{proof: P_c}                ──►   check P_c (constant time)
//                                         ◄──   HelloAck              (or HelloRefused, close)
//
//   P_x = hex(HMAC-SHA256(key, "sparkpp-auth-1\n" x "\n" connector_role "\n" Nc "\n" Na))
//
// Both nonces are 32 fresh random bytes per connection, so a recorded exchange proves nothing
// on a new connection; the two labels keep a proof from being reflected back. Without
// authentication the exchange is the old two-step Hello -> HelloAck. A connector that requires
// authentication leaves an acceptor that answers HelloAck without proving itself, and the other
// way round, so a half-configured pair fails at connect time, saying which side lacks the secret.
//
// Encryption (spark.network.crypto.enabled, which needs spark.authenticate): Hello.crypto and
// HelloChallenge.crypto say each side seals; each side refuses a peer whose setting differs
// (so nothing can talk it down to plaintext). Once ready, both derive per-direction keys
//   K_c2a, K_a2c = HKDF-SHA256(ikm: key, salt: Nc Na, info: "sparkpp-crypto-1 c2a" | "... a2c")
// and every later frame is sealed (AES-256-GCM records, common/frame.h).
//
// The cores below are sans-I/O: they take decoded handshake messages and say what to send,
// whether the connection is ready, or why it must end. net.cpp drives them over libuv
// (Connection) and blocking sockets (BlockingChannel); tests drive them directly.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/messages.h"
#include "common/status.h"

namespace spp::auth {

// Raw 32-byte HMAC-SHA256.
std::string hmac_sha256(const std::string& key, const std::string& data);
std::string to_hex(const std::string& raw);
// Constant-time equality (CRYPTO_memcmp) of two strings; lengths are not secret.
bool equal_ct(const std::string& a, const std::string& b);
// 32 fresh random bytes, hex (the nonce of one connection).
std::string fresh_nonce();
// The proof of `label` ("acceptor" | "connector") over one exchange, hex.
std::string proof(const std::string& key, const char* label, const std::string& connector_role,
                  const std::string& connector_nonce, const std::string& acceptor_nonce);
// The per-application key: executors of one application cannot join another's driver or read
// its blocks. Derived by the driver and by workers from the cluster secret, hex.
std::string app_key(const std::string& cluster_secret, const std::string& app_id);

// What one side of a connection does about authentication.
struct Policy {
  bool required = false;  // prove `key` and demand proof of it
  std::string key;        // required && empty: refuse everything (key not known yet)
  bool encrypt = false;   // with `required`: seal every frame after the Hello (spark.network.crypto.enabled)
};

// One direction's sealing key (32 raw bytes) of a connection: HKDF-SHA256 over `key` with both
// nonces as salt; `label` "c2a" (connector to acceptor) or "a2c".
std::string session_key(const std::string& key, const std::string& connector_nonce, const std::string& acceptor_nonce,
                        const char* label);

// The cluster secret a process was configured with: spark.authenticate.secret, else the file
// spark.authenticate.secret.file (trailing whitespace trimmed), else $SPARKPP_SECRET (see
// capture_env_secret). An error when spark.authenticate=true and none is set or the file
// cannot be read, or when spark.network.crypto.enabled=true without spark.authenticate (as
// Spark); Policy{} when authentication is off. `encrypt` is spark.network.crypto.enabled.
Result<Policy> cluster_policy(const Conf& conf);
// Moves $SPARKPP_SECRET out of the environment (so no child process inherits the cluster
// secret); cluster_policy reads the captured value. Call once at process start.
void capture_env_secret();
// Environment variable through which a worker (or a local-mode driver) hands an executor its
// application's key. The executor reads and unsets it.
constexpr const char* kAppKeyEnv = "SPARKPP_APP_SECRET";
// Set to "1" next to kAppKeyEnv when the executor's connections must be encrypted.
constexpr const char* kAppCryptoEnv = "SPARKPP_APP_CRYPTO";

// What the connection layer must do after a handshake message.
struct Step {
  std::vector<msg::Message> send;  // in order
  bool ready = false;              // handshake complete: deliver messages from now on
  std::string fail;                // non-empty: end the connection with this reason
  bool refuse = false;             // acceptor: tell the peer (HelloRefused{fail}) before closing
  // With `ready` on an encrypted connection: this side's sealing and opening keys (32 raw
  // bytes each; empty: no encryption). Switch after sending `send` (the last plain frame).
  std::string send_key, recv_key;
};

class Acceptor {
 public:
  enum class State { kAwaitHello, kAwaitProof, kReady, kFailed };
  using Check = std::function<Status(const msg::Hello&)>;
  // `nonce`: fresh_nonce() (injected so tests can fix it). `check`: role / token rules.
  Acceptor(Policy policy, std::string my_role, std::string my_name, std::string nonce, Check check = nullptr);
  Step on_message(const msg::Envelope& env);
  State state() const { return state_; }
  const std::string& peer_role() const { return peer_role_; }
  const std::string& peer_name() const { return peer_name_; }

 private:
  Step refuse(const std::string& why);
  Step accept();
  Policy policy_;
  std::string my_role_, my_name_, nonce_;
  Check check_;
  State state_ = State::kAwaitHello;
  std::string peer_role_, peer_name_, peer_nonce_;
};

class Connector {
 public:
  enum class State { kAwaitReply, kAwaitAck, kReady, kFailed };
  // `token`: Hello.secret (the Python program's per-run token), empty elsewhere.
  Connector(Policy policy, std::string my_role, std::string my_name, std::string nonce, std::string token = "");
  msg::Hello hello() const;
  Step on_message(const msg::Envelope& env);
  State state() const { return state_; }
  const std::string& peer_role() const { return peer_role_; }
  const std::string& peer_name() const { return peer_name_; }

 private:
  Step fail(const std::string& why);
  Policy policy_;
  std::string my_role_, my_name_, nonce_, token_;
  State state_ = State::kAwaitReply;
  std::string peer_role_, peer_name_, peer_nonce_;
};

// The secure default. A process that binds `host` (its listeners and web UI) with
// authentication off must be on loopback, unless the operator opted out: spark.authenticate
// set to false explicitly (what --insecure does). Returns the refusal, or ok; `exposed` tells
// the caller to warn loudly that it runs unauthenticated on a network.
bool is_loopback_host(const std::string& host);
Status check_exposure(const Conf& conf, const std::string& host, const char* what, bool* exposed);
// The warning an exposed, opted-out process logs at start and shows on its web UI.
std::string exposure_warning(const std::string& host);

// A nonce is exactly 64 lowercase hex digits.
bool well_formed_nonce(const std::string& s);

}  // namespace spp::auth
