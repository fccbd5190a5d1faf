// aes_encrypt / aes_decrypt / try_aes_decrypt with Spark 3.5's formats (ExpressionImplUtils
// .aesInternal) through OpenSSL: ECB and CBC with PKCS#5 padding, GCM without padding (12-byte
// IV, 128-bit tag). Output layouts: ECB the ciphertext; CBC IV(16) + ciphertext; GCM IV(12) +
// ciphertext + tag. A missing IV is random. Mode and padding may differ per row.
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "sql/exec/library.h"
#include "sql/kernels/fn_util.h"

namespace spp::sql::exec::lib {

namespace {
using kern::StrArg;
using kern::Vec;
using A = std::vector<Vec>;

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

std::string upper(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = char(std::toupper((unsigned char)c));
  return r;
}

const EVP_CIPHER* cipher(char mode, size_t key_len) {
  switch (mode) {
    case 'E': return key_len == 16 ? EVP_aes_128_ecb() : key_len == 24 ? EVP_aes_192_ecb() : EVP_aes_256_ecb();
    case 'C': return key_len == 16 ? EVP_aes_128_cbc() : key_len == 24 ? EVP_aes_192_cbc() : EVP_aes_256_cbc();
    default: return key_len == 16 ? EVP_aes_128_gcm() : key_len == 24 ? EVP_aes_192_gcm() : EVP_aes_256_gcm();
  }
}

// One row; returns the error text (empty: ok).
std::string aes_row(bool enc, const std::string& fn, std::string_view in, std::string_view key, std::string_view mode_s,
                    std::string_view pad_s, std::string_view iv, std::string_view aad, EVP_CIPHER_CTX* cx,
                    std::string& out) {
  if (key.size() != 16 && key.size() != 24 && key.size() != 32)
    return "[INVALID_PARAMETER_VALUE.AES_KEY_LENGTH] The value of parameter(s) `key` in `" + fn +
           "` is invalid: expects a binary value with 16, 24 or 32 bytes, but got " + std::to_string(key.size()) + " bytes.";
  const std::string mode = upper(mode_s), pad = upper(pad_s);
  char m = 0;
  if (mode == "ECB" && (pad == "PKCS" || pad == "DEFAULT")) m = 'E';
  else if (mode == "CBC" && (pad == "PKCS" || pad == "DEFAULT")) m = 'C';
  else if (mode == "GCM" && (pad == "NONE" || pad == "DEFAULT")) m = 'G';
  if (!m)
    return "[UNSUPPORTED_FEATURE.AES_MODE] The feature is not supported: AES-" + std::string(mode_s) + " with the padding " +
           std::string(pad_s) + " by the `" + fn + "` function.";
  if (m == 'E' && !iv.empty())
    return "[UNSUPPORTED_FEATURE.AES_MODE_IV] The feature is not supported: AES-ECB mode does not support IVs.";
  if (m != 'G' && !aad.empty())
    return "[UNSUPPORTED_FEATURE.AES_MODE_AAD] The feature is not supported: " + std::string(m == 'E' ? "ECB" : "CBC") +
           " does not support additional authenticated data (AAD).";
  const size_t iv_len = m == 'G' ? 12 : m == 'C' ? 16 : 0;
  auto crypto_err = [&](const std::string& detail) {
    return "[INVALID_PARAMETER_VALUE.AES_CRYPTO_ERROR] The value of parameter(s) `expr`, `key` in `" + fn +
           "` is invalid: Detail message: " + detail;
  };
  std::string ivb;
  if (enc) {
    if (!iv.empty() && iv.size() != iv_len)
      return "[INVALID_PARAMETER_VALUE.AES_IV_LENGTH] The value of parameter(s) `mode` in `" + fn +
             "` is invalid: supports 16-byte CBC IVs and 12-byte GCM IVs, but got " + std::to_string(iv.size()) +
             " bytes for " + mode + ".";
    ivb = iv.empty() ? std::string(iv_len, '\0') : std::string(iv);
    if (iv.empty() && iv_len && RAND_bytes(reinterpret_cast<unsigned char*>(ivb.data()), int(iv_len)) != 1)
      return crypto_err("no random IV");
  } else {
    const size_t tag = m == 'G' ? 16 : 0;
    if (in.size() < iv_len + tag) return crypto_err("Input too short");
    ivb = std::string(in.substr(0, iv_len));
    in = in.substr(iv_len);
  }
  EVP_CIPHER_CTX_reset(cx);
  const auto* ku = reinterpret_cast<const unsigned char*>(key.data());
  const auto* ivu = reinterpret_cast<const unsigned char*>(ivb.data());
  if (EVP_CipherInit_ex(cx, cipher(m, key.size()), nullptr, nullptr, nullptr, enc ? 1 : 0) != 1) return crypto_err("init");
  if (m == 'G' && EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) != 1) return crypto_err("init");
  if (EVP_CipherInit_ex(cx, nullptr, nullptr, ku, iv_len ? ivu : nullptr, enc ? 1 : 0) != 1) return crypto_err("init");
  int len = 0;
  if (m == 'G' && !aad.empty() &&
      EVP_CipherUpdate(cx, nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()), int(aad.size())) != 1)
    return crypto_err("aad");
  std::string_view body = in;
  std::string tag;
  if (m == 'G' && !enc) {
    tag = std::string(in.substr(in.size() - 16));
    body = in.substr(0, in.size() - 16);
    EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_SET_TAG, 16, tag.data());
  }
  if (enc) out.append(ivb);
  const size_t base = out.size();
  out.resize(base + body.size() + 32);
  auto* o = reinterpret_cast<unsigned char*>(out.data() + base);
  if (EVP_CipherUpdate(cx, o, &len, reinterpret_cast<const unsigned char*>(body.data()), int(body.size())) != 1)
    return crypto_err("update");
  int fin = 0;
  if (EVP_CipherFinal_ex(cx, o + len, &fin) != 1)
    return crypto_err(m == 'G' ? "Tag mismatch!" : "Given final block not properly padded. Such issues can arise if a bad key is used during decryption.");
  out.resize(base + size_t(len + fin));
  if (m == 'G' && enc) {
    char t[16];
    EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_GET_TAG, 16, t);
    out.append(t, 16);
  }
  return {};
}

// Arguments: input, key, mode, padding, iv (encrypt only), aad.
Vec aes(bool enc, bool try_, const std::string& fn, const A& x, int64_t n, const EvalContext& ctx) {
  std::vector<StrArg> in;
  for (const auto& v : x) in.emplace_back(v);
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> cx(EVP_CIPHER_CTX_new());
  const size_t iv_at = enc ? 4 : size_t(-1), aad_at = enc ? 5 : 4;
  return kern::gen_str(n, [&](int64_t i, std::string& out) {
    for (const auto& a : in)
      if (a.null(i)) return false;
    std::string err = aes_row(enc, fn, in[0][i], in[1][i], in[2][i], in[3][i], iv_at < in.size() ? in[iv_at][i] : "",
                              aad_at < in.size() ? in[aad_at][i] : "", cx.get(), out);
    if (err.empty()) return true;
    if (!try_ && ctx.error && ctx.error->empty()) *ctx.error = err;
    out.clear();
    return false;
  }, col::TypeId::Binary);
}
}  // namespace

std::optional<Result<ExprPtr>> lower_crypto_call(const std::string& name, std::vector<ExprPtr>& a,
                                                 const col::ColTypePtr& type) {
  if (name != "aes_encrypt" && name != "aes_decrypt" && name != "try_aes_decrypt") return std::nullopt;
  const bool enc = name == "aes_encrypt", try_ = name == "try_aes_decrypt";
  const std::string fn = try_ ? "aes_decrypt" : name;
  return bind_kernel(a, type, [enc, try_, fn](const A& x, int64_t n, const EvalContext& ctx) { return aes(enc, try_, fn, x, n, ctx); });
}

}  // namespace spp::sql::exec::lib
