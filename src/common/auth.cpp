// Challenge-response authentication cores; see auth.h for the exchange.
#include "common/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <stdlib.h>

#include <fstream>
#include <stdexcept>
#include <mutex>
#include <sstream>

#include "common/util.h"

namespace spp::auth {
namespace {
constexpr const char* kDomain = "sparkpp-auth-1";

std::mutex g_env_mu;
std::string g_env_secret;
bool g_env_captured = false;

std::string env_secret() {
  std::lock_guard<std::mutex> g(g_env_mu);
  if (!g_env_captured) {
    const char* s = std::getenv("SPARKPP_SECRET");
    return s ? s : "";
  }
  return g_env_secret;
}

std::string rtrim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s;
}
}  // namespace

std::string hmac_sha256(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string to_hex(const std::string& raw) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

bool equal_ct(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string fresh_nonce() { return random_hex(32); }

bool well_formed_nonce(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string proof(const std::string& key, const char* label, const std::string& connector_role,
                  const std::string& connector_nonce, const std::string& acceptor_nonce) {
  std::string t = std::string(kDomain) + "\n" + label + "\n" + connector_role + "\n" + connector_nonce + "\n" + acceptor_nonce;
  return to_hex(hmac_sha256(key, t));
}

std::string session_key(const std::string& key, const std::string& connector_nonce, const std::string& acceptor_nonce,
                        const char* label) {
  std::string salt = connector_nonce + acceptor_nonce;
  std::string info = std::string("sparkpp-crypto-1 ") + label;
  unsigned char out[32];
  size_t out_len = sizeof out;
  EVP_PKEY_CTX* c = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr);
  bool ok = c && EVP_PKEY_derive_init(c) > 0 && EVP_PKEY_CTX_set_hkdf_md(c, EVP_sha256()) > 0 &&
            EVP_PKEY_CTX_set1_hkdf_salt(c, reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size())) > 0 &&
            EVP_PKEY_CTX_set1_hkdf_key(c, reinterpret_cast<const unsigned char*>(key.data()), static_cast<int>(key.size())) > 0 &&
            EVP_PKEY_CTX_add1_hkdf_info(c, reinterpret_cast<const unsigned char*>(info.data()), static_cast<int>(info.size())) > 0 &&
            EVP_PKEY_derive(c, out, &out_len) > 0 && out_len == sizeof out;
  EVP_PKEY_CTX_free(c);
  if (!ok) throw std::runtime_error("HKDF-SHA256 failed");
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

std::string app_key(const std::string& cluster_secret, const std::string& app_id) {
  return to_hex(hmac_sha256(cluster_secret, std::string(kDomain) + "\napp\n" + app_id));
}

void capture_env_secret() {
  std::lock_guard<std::mutex> g(g_env_mu);
  if (g_env_captured) return;
  const char* s = std::getenv("SPARKPP_SECRET");
  g_env_secret = s ? s : "";
  g_env_captured = true;
  unsetenv("SPARKPP_SECRET");
}

Result<Policy> cluster_policy(const Conf& conf) {
  bool encrypt = conf.get_bool("spark.network.crypto.enabled");
  if (!conf.get_bool("spark.authenticate")) {
    if (encrypt)
      return Result<Policy>::error(
          "spark.authenticate must be enabled when enabling encryption (spark.network.crypto.enabled=true): "
          "set spark.authenticate=true and the cluster's secret");
    return Policy{};
  }
  Policy p;
  p.required = true;
  p.encrypt = encrypt;
  if (!conf.get("spark.authenticate.secret").empty()) {
    p.key = conf.get("spark.authenticate.secret");
  } else if (std::string file = conf.get("spark.authenticate.secret.file"); !file.empty()) {
    std::ifstream f(file);
    if (!f) return Result<Policy>::error("spark.authenticate.secret.file: cannot read '" + file + "'");
    std::stringstream ss;
    ss << f.rdbuf();
    p.key = rtrim(ss.str());
    if (p.key.empty()) return Result<Policy>::error("spark.authenticate.secret.file: '" + file + "' is empty");
  } else {
    p.key = env_secret();
  }
  if (p.key.empty())
    return Result<Policy>::error(
        "spark.authenticate=true needs a secret: set spark.authenticate.secret, spark.authenticate.secret.file or "
        "the environment variable SPARKPP_SECRET (make one with `sparkpp secret new`)");
  return p;
}

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0 || host.rfind("::ffff:127.", 0) == 0;
}

Status check_exposure(const Conf& conf, const std::string& host, const char* what, bool* exposed) {
  *exposed = false;
  if (conf.get_bool("spark.authenticate") || is_loopback_host(host)) return Status::ok();
  if (conf.contains("spark.authenticate")) {  // explicitly false: the operator's choice
    *exposed = true;
    return Status::ok();
  }
  return Status::error(std::string("refusing to ") + what + " on " + (host.empty() ? "all interfaces" : host) +
                       " without authentication: anyone who can reach it could run code as this user. Turn "
                       "authentication on (spark.authenticate=true with a secret from `sparkpp secret new`; see "
                       "docs/security.md), bind to loopback (127.0.0.1), or opt out explicitly with "
                       "spark.authenticate=false or --insecure");
}

std::string exposure_warning(const std::string& host) {
  return "INSECURE: listening on " + host +
         " with authentication off (spark.authenticate=false): anyone who can reach this port can run code "
         "as this user. Turn on spark.authenticate (docs/security.md).";
}

// ---------------------------------------------------------------- acceptor

Acceptor::Acceptor(Policy policy, std::string my_role, std::string my_name, std::string nonce, Check check)
    : policy_(std::move(policy)), my_role_(std::move(my_role)), my_name_(std::move(my_name)), nonce_(std::move(nonce)),
      check_(std::move(check)) {}

Step Acceptor::refuse(const std::string& why) {
  state_ = State::kFailed;
  Step s;
  s.fail = why;
  s.refuse = true;
  return s;
}

Step Acceptor::accept() {
  state_ = State::kReady;
  msg::HelloAck ack;
  ack.role = my_role_;
  ack.name = my_name_;
  Step s;
  s.send.emplace_back(std::move(ack));
  s.ready = true;
  if (policy_.required && policy_.encrypt) {
    s.send_key = session_key(policy_.key, peer_nonce_, nonce_, "a2c");
    s.recv_key = session_key(policy_.key, peer_nonce_, nonce_, "c2a");
  }
  return s;
}

Step Acceptor::on_message(const msg::Envelope& env) {
  switch (state_) {
    case State::kAwaitHello: {
      const auto* h = env.as<msg::Hello>();
      if (!h) return refuse("expected Hello, got " + env.op);
      peer_role_ = h->role;
      peer_name_ = h->name;
      if (h->proto != msg::kProtocolVersion) return refuse(msg::version_mismatch(h->proto, h->build));
      if (check_) {
        if (Status st = check_(*h); !st) return refuse(st.message());
      }
      if (!policy_.required) return accept();
      if (h->nonce.empty())
        return refuse("authentication required: this " + my_role_ +
                      " runs with spark.authenticate=true; set it and the cluster's secret on the connecting side");
      if (policy_.key.empty()) return refuse("this " + my_role_ + " cannot authenticate " + h->role + "s yet");
      if (!well_formed_nonce(h->nonce)) return refuse("malformed authentication nonce");
      if (h->nonce == nonce_) return refuse("authentication nonce reflected");
      if (h->crypto != policy_.encrypt)
        return refuse(policy_.encrypt
                          ? "encryption required: this " + my_role_ +
                                " runs with spark.network.crypto.enabled=true; set it on the connecting side too"
                          : "the " + h->role + " asks for encryption (spark.network.crypto.enabled=true) and this " +
                                my_role_ + " runs without it; set the same on both sides");
      peer_nonce_ = h->nonce;
      state_ = State::kAwaitProof;
      msg::HelloChallenge c;
      c.nonce = nonce_;
      c.crypto = policy_.encrypt;
      c.proof = proof(policy_.key, "acceptor", peer_role_, peer_nonce_, nonce_);
      Step s;
      s.send.emplace_back(std::move(c));
      return s;
    }
    case State::kAwaitProof: {
      const auto* p = env.as<msg::HelloProof>();
      if (!p) return refuse("expected HelloProof, got " + env.op);
      if (!equal_ct(p->proof, proof(policy_.key, "connector", peer_role_, peer_nonce_, nonce_)))
        return refuse("authentication failed (wrong secret)");
      return accept();
    }
    case State::kReady:
    case State::kFailed: break;
  }
  return refuse("handshake already over");
}

// ---------------------------------------------------------------- connector

Connector::Connector(Policy policy, std::string my_role, std::string my_name, std::string nonce, std::string token)
    : policy_(std::move(policy)), my_role_(std::move(my_role)), my_name_(std::move(my_name)), nonce_(std::move(nonce)),
      token_(std::move(token)) {}

msg::Hello Connector::hello() const {
  msg::Hello h;
  h.role = my_role_;
  h.name = my_name_;
  h.secret = token_;
  if (policy_.required) h.nonce = nonce_;
  h.crypto = policy_.required && policy_.encrypt;
  return h;
}

Step Connector::fail(const std::string& why) {
  state_ = State::kFailed;
  Step s;
  s.fail = why;
  return s;
}

Step Connector::on_message(const msg::Envelope& env) {
  if (state_ == State::kReady || state_ == State::kFailed) return fail("handshake already over");
  if (const auto* r = env.as<msg::HelloRefused>())
    return fail("refused: " + (r->proto != msg::kProtocolVersion ? msg::version_mismatch(r->proto, r->build) : r->reason));
  if (const auto* c = env.as<msg::HelloChallenge>()) {
    if (state_ != State::kAwaitReply) return fail("unexpected second HelloChallenge");
    if (!policy_.required)
      return fail("the peer requires authentication and this process has no secret (set spark.authenticate=true and the cluster's secret)");
    if (!well_formed_nonce(c->nonce) || c->nonce == nonce_) return fail("malformed authentication nonce from the peer");
    if (c->crypto != policy_.encrypt)
      return fail(policy_.encrypt ? "the peer does not encrypt (spark.network.crypto.enabled=true is set here only)"
                                  : "the peer requires encryption (set spark.network.crypto.enabled=true here too)");
    peer_nonce_ = c->nonce;
    if (!equal_ct(c->proof, proof(policy_.key, "acceptor", my_role_, nonce_, c->nonce)))
      return fail("the peer failed authentication (wrong secret, or not the peer it claims to be)");
    state_ = State::kAwaitAck;
    msg::HelloProof p;
    p.proof = proof(policy_.key, "connector", my_role_, nonce_, c->nonce);
    Step s;
    s.send.emplace_back(std::move(p));
    return s;
  }
  const auto* a = env.as<msg::HelloAck>();
  if (!a) return fail("expected HelloAck, got " + env.op);
  if (a->proto != msg::kProtocolVersion) return fail(msg::version_mismatch(a->proto, a->build));
  if (state_ == State::kAwaitReply && policy_.required)
    return fail("the peer did not authenticate itself (is spark.authenticate=true with the same secret set there?)");
  peer_role_ = a->role;
  peer_name_ = a->name;
  state_ = State::kReady;
  Step s;
  s.ready = true;
  if (policy_.required && policy_.encrypt) {
    s.send_key = session_key(policy_.key, nonce_, peer_nonce_, "c2a");
    s.recv_key = session_key(policy_.key, nonce_, peer_nonce_, "a2c");
  }
  return s;
}

}  // namespace spp::auth
